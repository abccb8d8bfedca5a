//! What `lint-manifest --policy` says about Cloud Run objects (spec/lint.md §3).

use crate::model::allowlist::pattern_names_tag;
use crate::model::image::is_source_deploy_image;
use crate::model::policy::{Policy, RuleAction};

/// Why a source-deployed image (`REGION-docker.pkg.dev/PROJECT/cloud-run-source-deploy/…`) of a
/// Cloud Run object would not run under `policy`, or `None` when it would or is not one: Cloud
/// Run applies only the default rule, and builds these images itself, so unless that rule admits
/// every image an allowlist pattern that names no tag must exempt them (GCP's Cloud Run set-up
/// guide: "exempt REGION-docker.pkg.dev/PROJECT_ID/cloud-run-source-deploy/**").
pub fn source_deploy_finding(policy: &Policy, image: &str) -> Option<String> {
    if !is_source_deploy_image(image) {
        return None;
    }
    if matches!(policy.default_rule().action(), RuleAction::AlwaysAllow) {
        return None;
    }
    let exempt = policy
        .allowlist()
        .iter()
        .any(|p| !pattern_names_tag(p.as_str()) && p.matches(image));
    if exempt {
        return None;
    }
    let repository = image.split('/').take(3).collect::<Vec<_>>().join("/");
    Some(format!(
        "BZ040 source-deployed image: the default rule is {} and no allowlist pattern exempts it; source deploys need `{repository}/**` in admissionWhitelistPatterns",
        policy.default_rule().evaluation_mode().as_str()
    ))
}
