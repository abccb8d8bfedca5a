//! What a Cloud Run decision says of Cloud Run (spec/README.md §13): the object named before the
//! message, the reason of an image it does not check, and the notes on each way Cloud Run
//! differs from GKE.

use crate::model::context::{CloudRunContext, Context};
use crate::model::image::{SOURCE_DEPLOY_REPOSITORY, shown_image};
use crate::model::policy::RuleKind;
use crate::untrusted::shown;

/// Patterns named in one note, at most.
const MAX_PATTERNS_IN_NOTE: usize = 3;

/// The decision's message for a Cloud Run object: the object, then `summary`.
pub(crate) fn message(run: &CloudRunContext, summary: &str) -> String {
    format!("{}: {summary}", run.subject())
}

/// The reason of each image of an object that does not enable Binary Authorization.
pub(crate) fn not_enabled(run: &CloudRunContext) -> String {
    format!(
        "the {} does not enable Binary Authorization, so Cloud Run runs this image unchecked",
        run.subject()
    )
}

/// The note when the object does not enable Binary Authorization and was not evaluated.
pub(crate) fn not_checked(subject: &str) -> String {
    format!(
        "Cloud Run does not check Binary Authorization for the {subject}: it does not enable it (v1 annotation run.googleapis.com/binary-authorization, v2 binaryAuthorization.useDefault or policy), so its images run unchecked; evaluate with assumeEnabled (CLI: --assume-enabled) to preview what the policy would decide"
    )
}

/// The note when the object does not enable Binary Authorization but was evaluated all the same
/// (`assumeEnabled`).
pub(crate) fn assumed_enabled(subject: &str) -> String {
    format!(
        "the {subject} does not enable Binary Authorization, so Cloud Run would not check it; it was evaluated as if it used the project policy (assumeEnabled)"
    )
}

/// The note when the object names a platform policy, which is not compiled: the project policy
/// stands in for it.
pub(crate) fn named_policy(subject: &str, policy: &str) -> String {
    format!(
        "the {subject} names the Cloud Run platform policy `{}`, which binauthz does not compile; the project policy binauthz was given was evaluated in its place (assumeEnabled)",
        shown(policy)
    )
}

/// The note when the policy has specific rules of `kind`, which Cloud Run does not apply.
pub(crate) fn specific_rules_unused(kind: RuleKind) -> String {
    format!(
        "the policy has {}, which Cloud Run does not apply: on Cloud Run only the default rule applies",
        kind.field()
    )
}

/// The note naming the GKE context values the request gives, which Cloud Run ignores; `None`
/// when it gives none.
pub(crate) fn context_ignored(context: &Context) -> Option<String> {
    let given: Vec<&str> = [
        (context.cluster.is_some(), "cluster"),
        (context.namespace.is_some(), "namespace"),
        (context.service_account.is_some(), "serviceAccount"),
        (context.istio_identity.is_some(), "istioIdentity"),
    ]
    .iter()
    .filter_map(|(set, name)| set.then_some(*name))
    .collect();
    if given.is_empty() {
        return None;
    }
    Some(format!(
        "the request's context gives {}, which Cloud Run does not have (no clusters, Kubernetes namespaces, service accounts or Istio identities in GKE's sense): ignored",
        given.join(", ")
    ))
}

/// The note naming the allowlist patterns (at most [`MAX_PATTERNS_IN_NOTE`]) that would have
/// matched an image but name a tag, which Cloud Run refuses.
pub(crate) fn tag_patterns_unused(patterns: &[String]) -> String {
    let shown_patterns: Vec<String> = patterns
        .iter()
        .take(MAX_PATTERNS_IN_NOTE)
        .map(|p| format!("`{}`", shown(p)))
        .collect();
    let more = patterns.len().saturating_sub(MAX_PATTERNS_IN_NOTE);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "allowlist pattern {}{tail} names a tag, which Cloud Run does not accept (use IMAGE@*, PREFIX/** or IMAGE@sha256:...), so it was not used",
        shown_patterns.join(", ")
    )
}

/// The note when an image was judged by its tag, which Cloud Run would resolve to a digest.
pub(crate) fn tags_resolved() -> String {
    "Cloud Run resolves a tag to a digest when it deploys a revision or runs a job, and checks that digest; binauthz cannot resolve tags offline and judges the reference as written: deploy by digest (or pin it here) to preview Cloud Run's decision".to_owned()
}

/// The note when a denied image was built by a source deploy, which needs the exemption GCP
/// documents.
pub(crate) fn source_deploy(image: &str) -> String {
    format!(
        "{} was built by a source deploy (Artifact Registry repository {SOURCE_DEPLOY_REPOSITORY}); GCP's Cloud Run guide says a policy must exempt REGION-docker.pkg.dev/PROJECT_ID/{SOURCE_DEPLOY_REPOSITORY}/** for source deploys and functions",
        shown_image(image)
    )
}
