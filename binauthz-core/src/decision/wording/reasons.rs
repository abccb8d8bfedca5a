//! The reasons an attestor is or is not satisfied for an image digest (spec/README.md §5): the
//! attestation that verified, and every way an occurrence or signature fails to count. Text
//! from the request (occurrence labels, key ids, a parser's message) is escaped where it is put
//! in a sentence ([`crate::untrusted`]).

use crate::budget::Exhausted;
use crate::model::attestor::{Attestor, AttestorKey, PublicKey};
use crate::model::digest::Digest;
use crate::model::names::{AttestorName, NoteName};
use crate::model::occurrence::SkippedOccurrence;
use crate::model::payload::PayloadProblem;
use crate::untrusted::{escape, shown};

/// Key ids named in an unknown-key-id reason, at most.
const MAX_KEY_IDS_IN_REASON: usize = 5;

/// Why a PKIX signature was not verified, should it reach verification without the payload it
/// must cover (evaluation reports that earlier, with [`no_payload`]).
pub(crate) const NO_PAYLOAD_TO_VERIFY: &str = "there is no serializedPayload to verify";

/// Used when an attestor has no public keys.
pub(crate) fn no_public_keys(attestor: &AttestorName) -> String {
    format!("attestor {attestor} has no public keys, so no attestation can satisfy it")
}

/// Used when a rule names an attestor the engine was not given (which compiling prevents).
pub(crate) fn not_configured(attestor: &AttestorName) -> String {
    format!("attestor {attestor} is not configured")
}

/// Used when no occurrence, read or skipped, can concern the attestor's note and the digest.
pub(crate) fn no_attestation(digest: &Digest, note: &NoteName) -> String {
    format!("no attestation for {digest} was found under note {note}")
}

/// Used for an occurrence under the note without signatures.
pub(crate) fn no_signatures(occurrence: &str) -> String {
    format!(
        "occurrence {} has no signatures (JWTs and DSSE envelopes are not supported)",
        shown(occurrence)
    )
}

/// Used for a signature whose key id is none of the attestor's; names the attestor's key ids.
pub(crate) fn unknown_key_id(occurrence: &str, key_id: &str, attestor: &Attestor) -> String {
    format!(
        "occurrence {} is signed with key id `{}`, which is not a key of attestor {} (its key ids: {})",
        shown(occurrence),
        shown(key_id),
        attestor.name(),
        known_ids(attestor)
    )
}

/// The attestor's distinct key ids, sorted, at most [`MAX_KEY_IDS_IN_REASON`] of them.
fn known_ids(attestor: &Attestor) -> String {
    let mut ids: Vec<&str> = attestor.keys().iter().map(|k| k.id().as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let shown_ids: Vec<String> = ids
        .iter()
        .take(MAX_KEY_IDS_IN_REASON)
        .map(|s| format!("`{}`", shown(s)))
        .collect();
    if ids.len() > MAX_KEY_IDS_IN_REASON {
        format!(
            "{}, and {} more",
            shown_ids.join(", "),
            ids.len() - MAX_KEY_IDS_IN_REASON
        )
    } else {
        shown_ids.join(", ")
    }
}

/// Used for an occurrence without a payload, signed for a PKIX key of the attestor.
pub(crate) fn no_payload(occurrence: &str, key_id: &str) -> String {
    format!(
        "occurrence {} has no serializedPayload, which a signature for PKIX key `{}` must cover",
        shown(occurrence),
        shown(key_id)
    )
}

/// Used for the signature that satisfied the attestor. Built in one allocation: this is most of
/// a warm decision's work.
pub(crate) fn attested(attestor: &AttestorName, key_id: &str, occurrence: &str) -> String {
    [
        "attestor ",
        attestor.as_str(),
        " verified by key `",
        &shown(key_id),
        "` (occurrence ",
        &shown(occurrence),
        ")",
    ]
    .concat()
}

/// Used for a signature that did not verify (or, for PGP, does not count), with `why` (a
/// verifier's message, which may quote the input).
pub(crate) fn signature_rejected(
    occurrence: &str,
    key_id: &str,
    key: &AttestorKey,
    why: &str,
) -> String {
    let why = escape(why);
    match key.key() {
        PublicKey::Pkix(_) => format!(
            "occurrence {}: signature for key `{}` ({}) is invalid: {why}",
            shown(occurrence),
            shown(key_id),
            key.algorithm_name()
        ),
        #[cfg(feature = "pgp")]
        PublicKey::Pgp(_) => format!(
            "occurrence {}: PGP signature for key `{}` does not count: {why}",
            shown(occurrence),
            shown(key_id)
        ),
    }
}

/// Used for a signature that verified over a payload that does not attest `digest`.
pub(crate) fn payload_problem(
    occurrence: &str,
    key_id: &str,
    problem: &PayloadProblem,
    digest: &Digest,
) -> String {
    let lead = || {
        format!(
            "occurrence {}: signature for key `{}` verified, but",
            shown(occurrence),
            shown(key_id)
        )
    };
    match problem {
        PayloadProblem::NotJson(e) => format!(
            "{} the signed payload is not a JSON object ({})",
            lead(),
            shown(e)
        ),
        PayloadProblem::DuplicateKey(key) => format!(
            "{} the signed payload has the key `{}` twice in one object; a payload that JSON readers can read in two ways does not count",
            lead(),
            shown(key)
        ),
        PayloadProblem::MissingDigest => format!(
            "{} the signed payload has no critical.image.docker-manifest-digest",
            lead()
        ),
        PayloadProblem::DigestMismatch(signed) => format!(
            "{} the payload is signed for {}, not for the image's {digest}",
            lead(),
            shown(signed)
        ),
    }
}

/// Used when the request's limits (§7.2) left `not_tried` signature checks under the note for
/// the digest unrun; `limit` is the first limit that stopped one.
pub(crate) fn budget_exhausted(
    not_tried: u64,
    note: &NoteName,
    digest: &Digest,
    limit: Exhausted,
) -> String {
    format!(
        "{not_tried} signature check{} under note {note} for {digest} {} not run, so they cannot satisfy the attestor: {} (spec §7.2)",
        if not_tried == 1 { "" } else { "s" },
        if not_tried == 1 { "was" } else { "were" },
        limit.describe()
    )
}

/// Used for a skipped occurrence that could concern the attestor and digest: why it is listed,
/// and why it cannot count.
pub(crate) fn skipped_occurrence(s: &SkippedOccurrence) -> String {
    let could = match (s.note(), s.digest()) {
        (Some(_), Some(_)) => "",
        (None, Some(_)) => " (its noteName cannot be read, so it could be any attestor's)",
        (Some(_), None) => " (its resource URI names no sha256 digest, so it could be any image's)",
        (None, None) => " (neither its noteName nor a digest can be read, so it could be anyone's)",
    };
    format!(
        "{} was skipped and cannot satisfy the attestor{could}: {}",
        crate::model::occurrence::describe(s.label()),
        s.error()
    )
}
