//! GCP's denial texts (spec/README.md §8.2): the sentence that says an image was denied by a
//! rule, and the detail after it — an attestor's part, an always-deny rule, a reference without
//! a digest, text that is not a reference — each with binauthz's specifics where GCP has none.

use crate::decision::{AppliedRule, Reason};
use crate::limits::MAX_REASONS_IN_DENIAL;
use crate::model::image::ImageRef;
use crate::model::names::AttestorName;

/// GCP's denial reason for an attestor without a valid attestation.
pub(crate) const NO_VALID_ATTESTATION: &str =
    "No attestations found that were valid and signed by a key trusted by the attestor";

/// One attestor's part of a denial text: GCP's sentence, then binauthz's specific reasons in
/// parentheses, at most [`MAX_REASONS_IN_DENIAL`] of them.
pub(crate) fn denial_detail(
    image: &str,
    attestor: &AttestorName,
    reasons: &[Reason],
    omitted: u64,
) -> String {
    let mut specifics: Vec<&str> = reasons
        .iter()
        .take(MAX_REASONS_IN_DENIAL)
        .map(|r| r.message.as_str())
        .collect();
    let more = (reasons.len().saturating_sub(MAX_REASONS_IN_DENIAL) as u64) + omitted;
    let tail;
    if more > 0 {
        tail = format!("and {more} more");
        specifics.push(&tail);
    }
    format!(
        "Image {image} denied by attestor {attestor}: {NO_VALID_ATTESTATION} ({})",
        specifics.join("; ")
    )
}

/// The details of the attestors an image did not satisfy, one after another, with a count of
/// those left out: used when a rule requiring attestations denies an image.
pub(crate) fn unsatisfied_attestors(mut details: Vec<String>, unsatisfied: usize) -> String {
    if unsatisfied > details.len() {
        details.push(format!(
            "({} more attestors are not satisfied.)",
            unsatisfied - details.len()
        ));
    }
    details.join(" ")
}

/// GCP's detail for an image an `ALWAYS_DENY` rule denies.
pub(crate) fn always_deny() -> String {
    "Denied by always_deny admission rule".to_owned()
}

/// GCP's detail for a reference without a digest, under a rule requiring attestations.
pub(crate) fn tag_reference() -> String {
    "Expected digest with sha256 scheme, but got tag or malformed digest".to_owned()
}

/// The detail for text that is not an image reference, under a rule requiring attestations;
/// `why` is the reader's own explanation.
pub(crate) fn invalid_reference(why: &str) -> String {
    format!("Invalid image reference: {why}")
}

/// The denial text of an image that `rule` does not admit: GCP's sentence, then `detail`.
pub(crate) fn denied_by_rule(image: &ImageRef, rule: &AppliedRule, detail: &str) -> String {
    format!(
        "Image {} denied by Binary Authorization {}. {detail}",
        image.shown(),
        rule.phrase()
    )
}
