//! Text rendering of a decision: one line per image, for people.

use std::fmt::Write as _;

use binauthz_core::decision::Stage;
use binauthz_core::{Decision, ImageDecision, ReasonKind, Verdict};

/// Renders the decision: one line per image with its reason, then notes and a summary line.
pub fn text(decision: &Decision) -> String {
    let mut out = String::new();
    for image in &decision.images {
        let _ = writeln!(
            out,
            "{:<17} {}  {}",
            label(image.verdict),
            image.image,
            why(image)
        );
    }
    for note in &decision.notes {
        let _ = writeln!(out, "note: {note}");
    }
    let verdict = if decision.allowed {
        "allowed"
    } else {
        "blocked"
    };
    let _ = writeln!(out, "{verdict}: {}", first_line(&decision.message));
    out
}

fn label(v: Verdict) -> &'static str {
    match v {
        Verdict::Allowed => "ALLOWED",
        Verdict::Denied => "DENIED",
        Verdict::DryRunViolation => "DRY_RUN_VIOLATION",
        Verdict::Breakglass => "BREAKGLASS",
    }
}

fn first_line(s: &str) -> String {
    let n = s.lines().count();
    match s.lines().next() {
        Some(first) if n > 1 => format!("{first} (and {} more)", n - 1),
        Some(first) => first.to_owned(),
        None => String::new(),
    }
}

/// The reasons that matter for this image, in one line.
fn why(image: &ImageDecision) -> String {
    let rule = image
        .rule
        .as_ref()
        .map(|r| r.phrase())
        .unwrap_or_else(|| match image.stage {
            Stage::SystemImage => "system images".to_owned(),
            _ => "allowlist".to_owned(),
        });
    let wanted = |k: ReasonKind| match image.verdict {
        Verdict::Allowed => k != ReasonKind::Breakglass,
        _ => k != ReasonKind::Attested,
    };
    let reasons: Vec<&str> = image
        .reasons
        .iter()
        .filter(|r| wanted(r.kind))
        .map(|r| r.message.as_str())
        .collect();
    let prefix = if image.stage == Stage::Breakglass {
        "breakglass; "
    } else {
        ""
    };
    format!("[{prefix}{rule}] {}", reasons.join("; "))
}
