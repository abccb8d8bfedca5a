//! Lints of check-based platform policies (spec/lint.md, BZ040-BZ042, and the allowlist codes
//! BZ010-BZ014 on every `allowPattern`): valid policies that check less than they appear to, or
//! that cannot pass when evaluated offline.

use super::allowlist::allowlist_pattern;
use super::{Lint, LintCode};
use crate::model::allowlist::AllowlistPattern;
use crate::platform::{CheckKind, PlatformPolicy, Scope};

/// Lints a platform policy; findings in document order.
pub fn lint_platform(policy: &PlatformPolicy) -> Vec<Lint> {
    let mut out = Vec::new();
    patterns(policy.allowlist(), "gkePolicy.imageAllowlist", &mut out);
    for (s, set) in policy.check_sets().iter().enumerate() {
        let at = format!("gkePolicy.checkSets[{s}]");
        patterns(set.allowlist(), &format!("{at}.imageAllowlist"), &mut out);
        if set.checks().is_empty() {
            let who = match set.scope() {
                Scope::Everything => "every pod no other check set matches".to_owned(),
                Scope::Namespace(ns) => format!("every pod in namespace `{ns}`"),
                Scope::ServiceAccount { namespace, name } => {
                    format!("every pod running as `{namespace}:{name}`")
                }
            };
            out.push(Lint::new(
                LintCode::Bz040,
                format!("{at}.checks"),
                format!("the check set has no checks, so {who} conforms whatever images it runs"),
                "add the checks this scope needs (or `alwaysDeny: true`), or remove the check set if it is meant to exempt the scope".to_owned(),
            ));
        }
        for (c, check) in set.checks().iter().enumerate() {
            let at = format!("{at}.checks[{c}]");
            patterns(check.allowlist(), &format!("{at}.imageAllowlist"), &mut out);
            match check.kind() {
                CheckKind::Freshness(days) => out.push(Lint::new(
                    LintCode::Bz041,
                    format!("{at}.imageFreshnessCheck"),
                    format!("imageFreshnessCheck ({days} days) needs each image's upload time and the evaluation time; offline, a request without them makes the check ERROR"),
                    "give `--docker-images` (Artifact Registry's uploadTime) with every evaluation; the CLI supplies the current time".to_owned(),
                )),
                CheckKind::Slsa(_) => out.push(Lint::new(
                    LintCode::Bz042,
                    format!("{at}.slsaCheck"),
                    "slsaCheck needs Google Cloud Build's provenance roots of trust, which only GCP fetches: offline it is always ERROR, so every image it reaches is reported".to_owned(),
                    "evaluate SLSA provenance with `gcloud beta container binauthz policy evaluate`, or move the check to a check set binauthz does not evaluate".to_owned(),
                )),
                _ => {}
            }
        }
    }
    out
}

/// The allowlist lints of one `allowPattern` list, at its paths.
fn patterns(list: &[AllowlistPattern], at: &str, out: &mut Vec<Lint>) {
    for (i, pattern) in list.iter().enumerate() {
        let path = format!("{at}.allowPattern[{i}]");
        if let Some(first) = list.iter().position(|p| p == pattern)
            && first < i
        {
            out.push(Lint::new(
                LintCode::Bz014,
                path,
                format!(
                    "pattern `{}` is listed twice (also {at}.allowPattern[{first}])",
                    pattern.as_str()
                ),
                "remove the copy, or change it to the pattern it was meant to be".to_owned(),
            ));
            continue;
        }
        let start = out.len();
        allowlist_pattern(i, pattern.as_str(), out);
        for lint in out.iter_mut().skip(start) {
            lint.path.clone_from(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(policy: &str) -> Vec<(String, String)> {
        let policy = PlatformPolicy::parse(policy).unwrap();
        lint_platform(&policy)
            .into_iter()
            .map(|l| (l.code.as_str().to_owned(), l.path))
            .collect()
    }

    #[test]
    fn an_empty_check_set_an_offline_check_and_a_registry_wide_allowlist_are_reported() {
        let found = codes(
            r#"{"gkePolicy": {"imageAllowlist": {"allowPattern": ["gcr.io/**"]}, "checkSets": [
                {"scope": {"kubernetesNamespace": "dev"}, "checks": []},
                {"checks": [{"imageFreshnessCheck": {"maxUploadAgeDays": 7}},
                            {"slsaCheck": {"rules": [{"trustedBuilder": "GOOGLE_CLOUD_BUILD"}]},
                             "imageAllowlist": {"allowPattern": ["gcr.io/a/b@*", "gcr.io/a/b@*"]}}]}]}}"#,
        );
        let found: Vec<(&str, &str)> = found
            .iter()
            .map(|(c, p)| (c.as_str(), p.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                ("BZ010", "gkePolicy.imageAllowlist.allowPattern[0]"),
                ("BZ040", "gkePolicy.checkSets[0].checks"),
                (
                    "BZ041",
                    "gkePolicy.checkSets[1].checks[0].imageFreshnessCheck"
                ),
                (
                    "BZ014",
                    "gkePolicy.checkSets[1].checks[1].imageAllowlist.allowPattern[1]"
                ),
                ("BZ042", "gkePolicy.checkSets[1].checks[1].slsaCheck"),
            ]
        );
    }

    #[test]
    fn the_worked_example_has_only_its_freshness_reminder() {
        let text = include_str!("../../../spec/examples/platform/platform-policy.yaml");
        let found = codes(text);
        let codes: Vec<&str> = found.iter().map(|(c, _)| c.as_str()).collect();
        assert_eq!(codes, ["BZ041"]);
    }
}
