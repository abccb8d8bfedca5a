//! Vulnerability severities: Grafeas's `Severity` of an occurrence, and a
//! `vulnerabilityCheck`'s `MaximumAllowedSeverity` (spec/README.md §15.4).

/// `maximumFixableSeverity` / `maximumUnfixableSeverity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// `BLOCK_ALL`: any vulnerability is too severe.
    BlockAll,
    /// At most `MINIMAL`.
    Minimal,
    /// At most `LOW`.
    Low,
    /// At most `MEDIUM`.
    Medium,
    /// At most `HIGH`.
    High,
    /// At most `CRITICAL`.
    Critical,
    /// `ALLOW_ALL`: even a vulnerability of unspecified severity passes.
    AllowAll,
}

impl Severity {
    /// The usable values as GCP spells them.
    pub(crate) const NAMES: &'static [(&'static str, Severity)] = &[
        ("BLOCK_ALL", Severity::BlockAll),
        ("MINIMAL", Severity::Minimal),
        ("LOW", Severity::Low),
        ("MEDIUM", Severity::Medium),
        ("HIGH", Severity::High),
        ("CRITICAL", Severity::Critical),
        ("ALLOW_ALL", Severity::AllowAll),
    ];

    /// The name GCP spells.
    pub fn name(self) -> &'static str {
        Self::NAMES
            .iter()
            .find(|(_, s)| *s == self)
            .map_or("BLOCK_ALL", |(n, _)| n)
    }

    /// Whether a vulnerability of `found` severity is within this maximum, as kritis compares
    /// them: `BLOCK_ALL` passes nothing, `ALLOW_ALL` everything, otherwise Grafeas's order
    /// (MINIMAL < LOW < MEDIUM < HIGH < CRITICAL); an unspecified severity passes only
    /// `ALLOW_ALL`.
    pub(crate) fn allows(self, found: Option<VulnSeverity>) -> bool {
        let rank = |s: Severity| match s {
            Severity::BlockAll => 0,
            Severity::Minimal => 1,
            Severity::Low => 2,
            Severity::Medium => 3,
            Severity::High => 4,
            Severity::Critical => 5,
            Severity::AllowAll => 6,
        };
        match (self, found) {
            (Severity::AllowAll, _) => true,
            (Severity::BlockAll, _) | (_, None) => false,
            (max, Some(found)) => found.rank() <= rank(max),
        }
    }
}

/// A vulnerability occurrence's `effectiveSeverity` (Grafeas `Severity`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum VulnSeverity {
    /// `MINIMAL`.
    Minimal,
    /// `LOW`.
    Low,
    /// `MEDIUM`.
    Medium,
    /// `HIGH`.
    High,
    /// `CRITICAL`.
    Critical,
}

impl VulnSeverity {
    /// Reads Grafeas's name; `SEVERITY_UNSPECIFIED` (and absence) is `None`.
    pub(crate) fn read(name: &str) -> Result<Option<Self>, ()> {
        Ok(Some(match name {
            "SEVERITY_UNSPECIFIED" => return Ok(None),
            "MINIMAL" => VulnSeverity::Minimal,
            "LOW" => VulnSeverity::Low,
            "MEDIUM" => VulnSeverity::Medium,
            "HIGH" => VulnSeverity::High,
            "CRITICAL" => VulnSeverity::Critical,
            _ => return Err(()),
        }))
    }

    /// Grafeas's name.
    pub(crate) fn name(self) -> &'static str {
        match self {
            VulnSeverity::Minimal => "MINIMAL",
            VulnSeverity::Low => "LOW",
            VulnSeverity::Medium => "MEDIUM",
            VulnSeverity::High => "HIGH",
            VulnSeverity::Critical => "CRITICAL",
        }
    }

    fn rank(self) -> u8 {
        match self {
            VulnSeverity::Minimal => 1,
            VulnSeverity::Low => 2,
            VulnSeverity::Medium => 3,
            VulnSeverity::High => 4,
            VulnSeverity::Critical => 5,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_maximum_allows_its_severity_and_lower_and_unspecified_only_under_allow_all() {
        assert!(Severity::High.allows(Some(VulnSeverity::High)));
        assert!(Severity::High.allows(Some(VulnSeverity::Low)));
        assert!(!Severity::High.allows(Some(VulnSeverity::Critical)));
        assert!(!Severity::BlockAll.allows(Some(VulnSeverity::Minimal)));
        assert!(Severity::AllowAll.allows(None));
        assert!(!Severity::Critical.allows(None));
    }
}
