//! The reasons of the steps before and around the attestors (spec/README.md §7): Google's system
//! images, allowlist patterns, the rule's action, references a rule requiring attestations
//! cannot judge, breakglass, and the note when the context does not say which rule applies.

use crate::decision::rule_phrase;
use crate::model::allowlist::AllowlistPattern;
use crate::model::image::ImageRef;
use crate::model::policy::RuleKind;
use crate::untrusted::shown;

/// Used for an image that a Google system image path admits (`globalPolicyEvaluationMode:
/// ENABLE`); `image` matched a pattern, so it is a valid reference, shown as it is.
pub(crate) fn system_image(image: &str, pattern: &str) -> String {
    format!(
        "{image} matches Google system image path `{pattern}` (globalPolicyEvaluationMode: ENABLE)"
    )
}

/// Used for an image that an allowlist pattern admits; `image` is a valid reference, shown as
/// it is.
pub(crate) fn allowlisted(image: &str, pattern: &AllowlistPattern) -> String {
    format!("{image} matches admissionWhitelistPatterns entry `{pattern}`")
}

/// Used when the rule of `kind` (under map key `key`) is `ALWAYS_ALLOW`.
pub(crate) fn always_allow(kind: RuleKind, key: Option<&str>) -> String {
    format!("the {} is ALWAYS_ALLOW", rule_phrase(kind, key))
}

/// Used when the rule of `kind` (under map key `key`) is `ALWAYS_DENY`.
pub(crate) fn always_deny(kind: RuleKind, key: Option<&str>) -> String {
    format!(
        "denied by always_deny admission rule (the {} is ALWAYS_DENY)",
        rule_phrase(kind, key)
    )
}

/// Used for text that is not an image reference (`why` says why), under a rule requiring
/// attestations.
pub(crate) fn invalid_reference(
    image: &ImageRef,
    why: &str,
    kind: RuleKind,
    key: Option<&str>,
) -> String {
    format!(
        "{} is not a valid image reference: {why}; the {} requires attestations, which bind the digest of an image a registry serves, so no attestation can cover it",
        image.shown(),
        rule_phrase(kind, key)
    )
}

/// Used for a reference with a tag, no version or a malformed digest, under a rule requiring
/// attestations.
pub(crate) fn tag_reference(image: &ImageRef, kind: RuleKind, key: Option<&str>) -> String {
    let why = match image.malformed_digest() {
        Some(d) => format!("`@{d}` is not a sha256 digest with 64 lower-case hex digits"),
        None => "the reference has a tag or no version, not a digest".to_owned(),
    };
    format!(
        "expected digest with sha256 scheme, but got tag or malformed digest: {why}; the {} requires attestations, which bind digests, so deploy {} by @sha256 digest",
        rule_phrase(kind, key),
        image.repository()
    )
}

/// Used for every image of a request that asks for breakglass, with Cloud Run's justification
/// when there is one.
pub(crate) fn breakglass(justification: Option<&str>) -> String {
    match justification {
        Some(why) => format!(
            "breakglass was requested with the justification `{}`: the image is admitted whatever the policy says, and the event is logged",
            shown(why)
        ),
        None => "breakglass was requested: the image is admitted whatever the policy says, and the event is logged".to_owned(),
    }
}

/// The note when the policy has specific rules of `kind` but the context does not say which
/// one applies, so the default rule was used.
pub(crate) fn rule_context_missing(kind: RuleKind) -> String {
    format!(
        "the policy has {} but the request's context does not say which {} applies, so the default rule was used",
        kind.field(),
        context_field(kind)
    )
}

/// The context value that selects a rule of `kind`, in words.
fn context_field(kind: RuleKind) -> &'static str {
    match kind {
        RuleKind::Cluster => "cluster",
        RuleKind::Namespace => "namespace",
        RuleKind::ServiceAccount => "namespace and service account",
        RuleKind::IstioIdentity => "Istio identity",
        RuleKind::Default => "rule",
    }
}
