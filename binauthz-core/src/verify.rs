//! Deciding whether one attestor has attested one image digest (spec/README.md §5).

use std::borrow::Cow;

use crate::attestation::Occurrence;
use crate::attestor::{Attestor, AttestorKey, PublicKey};
use crate::decision::{AttestorResult, Reason, ReasonKind, VerifiedBy};
use crate::digest::Digest;
use crate::payload::{PayloadProblem, check_payload};
#[cfg(feature = "pgp")]
use crate::pgp::PgpFailureKind;
use crate::time::Timestamp;

/// Checks every occurrence under the attestor's note for `digest`, trying every key whose id a
/// signature names. Candidates are examined in a canonical order, so the result does not depend
/// on the order of occurrences, signatures or keys in the input. `now` is the evaluation time,
/// against which PGP key and signature expiry is judged.
pub(crate) fn check_attestor(
    attestor: &Attestor,
    digest: &Digest,
    occurrences: &[Occurrence],
    now: Option<Timestamp>,
) -> AttestorResult {
    #[cfg(not(feature = "pgp"))]
    let _ = now;
    let name = attestor.name().clone();
    let reason = |kind: ReasonKind, message: String| Reason {
        attestor: Some(name.clone()),
        ..Reason::new(kind, message)
    };
    if attestor.keys().is_empty() {
        return unsatisfied(
            attestor,
            vec![reason(
                ReasonKind::NoPublicKeys,
                format!(
                    "attestor {} has no public keys, so no attestation can satisfy it",
                    attestor.name()
                ),
            )],
        );
    }
    let mut candidates: Vec<&Occurrence> = occurrences
        .iter()
        .filter(|o| o.note() == attestor.note() && o.digest() == digest)
        .collect();
    if candidates.is_empty() {
        return unsatisfied(
            attestor,
            vec![reason(
                ReasonKind::NoAttestation,
                format!(
                    "no attestation for {digest} was found under note {}",
                    attestor.note()
                ),
            )],
        );
    }
    candidates.sort_by(|a, b| {
        (a.label(), a.resource_uri(), a.payload()).cmp(&(b.label(), b.resource_uri(), b.payload()))
    });
    let mut failures = Vec::new();
    for occ in candidates {
        let at = |kind: ReasonKind, key: Option<&str>, message: String| Reason {
            key_id: key.map(str::to_owned),
            occurrence: Some(occ.label().to_owned()),
            ..reason(kind, message)
        };
        if occ.signatures().is_empty() {
            failures.push(at(
                ReasonKind::NoSignatures,
                None,
                format!(
                    "occurrence {} has no signatures (JWTs and DSSE envelopes are not supported)",
                    occ.label()
                ),
            ));
            continue;
        }
        let mut signatures: Vec<_> = occ.signatures().iter().collect();
        signatures
            .sort_by(|a, b| (a.public_key_id(), a.bytes()).cmp(&(b.public_key_id(), b.bytes())));
        for sig in signatures {
            let key_id = sig.public_key_id();
            let keys: Vec<&AttestorKey> = attestor.keys_with_id(key_id).collect();
            if keys.is_empty() {
                failures.push(at(
                    ReasonKind::UnknownKeyId,
                    Some(key_id),
                    format!(
                        "occurrence {} is signed with key id `{key_id}`, which is not a key of attestor {} (its key ids: {})",
                        occ.label(),
                        attestor.name(),
                        known_ids(attestor)
                    ),
                ));
                continue;
            }
            for key in keys {
                let verified: Result<Cow<'_, [u8]>, (ReasonKind, String)> = match key.key() {
                    PublicKey::Pkix(k) => match occ.payload() {
                        Some(payload) => k
                            .verify(payload, sig.bytes())
                            .map(|()| Cow::Borrowed(payload))
                            .map_err(|e| {
                                (
                                    ReasonKind::SignatureInvalid,
                                    format!(
                                        "occurrence {}: signature for key `{key_id}` ({}) is invalid: {e}",
                                        occ.label(),
                                        key.algorithm_name()
                                    ),
                                )
                            }),
                        None => Err((
                            ReasonKind::SignatureInvalid,
                            format!(
                                "occurrence {} has no serializedPayload, which a signature for PKIX key `{key_id}` must cover",
                                occ.label()
                            ),
                        )),
                    },
                    #[cfg(feature = "pgp")]
                    PublicKey::Pgp(k) => k
                        .verify(sig.bytes(), occ.payload(), now)
                        .map(|v| Cow::Owned(v.payload))
                        .map_err(|e| {
                            let kind = match e.kind {
                                PgpFailureKind::KeyExpired => ReasonKind::KeyExpired,
                                PgpFailureKind::KeyRevoked => ReasonKind::KeyRevoked,
                                PgpFailureKind::SignatureExpired => ReasonKind::SignatureExpired,
                                PgpFailureKind::DataMismatch => ReasonKind::SignedDataMismatch,
                                _ => ReasonKind::SignatureInvalid,
                            };
                            (
                                kind,
                                format!(
                                    "occurrence {}: PGP signature for key `{key_id}` does not count: {e}",
                                    occ.label()
                                ),
                            )
                        }),
                };
                let payload = match verified {
                    Ok(payload) => payload,
                    Err((kind, message)) => {
                        failures.push(at(kind, Some(key_id), message));
                        continue;
                    }
                };
                let lead = format!(
                    "occurrence {}: signature for key `{key_id}` verified, but",
                    occ.label()
                );
                match check_payload(&payload, digest) {
                    Ok(()) => {
                        let message = format!(
                            "attestor {} verified by key `{key_id}` (occurrence {})",
                            attestor.name(),
                            occ.label()
                        );
                        return AttestorResult {
                            attestor: attestor.name().clone(),
                            satisfied: true,
                            verified_by: Some(VerifiedBy {
                                key_id: key_id.to_owned(),
                                occurrence: occ.label().to_owned(),
                            }),
                            reasons: vec![at(ReasonKind::Attested, Some(key_id), message)],
                        };
                    }
                    Err(PayloadProblem::NotJson(e)) => failures.push(at(
                        ReasonKind::PayloadNotJson,
                        Some(key_id),
                        format!("{lead} the signed payload is not a JSON object ({e})"),
                    )),
                    Err(PayloadProblem::MissingDigest) => failures.push(at(
                        ReasonKind::PayloadMissingDigest,
                        Some(key_id),
                        format!("{lead} the signed payload has no critical.image.docker-manifest-digest"),
                    )),
                    Err(PayloadProblem::DigestMismatch(signed)) => failures.push(at(
                        ReasonKind::PayloadDigestMismatch,
                        Some(key_id),
                        format!("{lead} the payload is signed for {signed}, not for the image's {digest}"),
                    )),
                }
            }
        }
    }
    unsatisfied(attestor, failures)
}

fn unsatisfied(attestor: &Attestor, reasons: Vec<Reason>) -> AttestorResult {
    AttestorResult {
        attestor: attestor.name().clone(),
        satisfied: false,
        verified_by: None,
        reasons,
    }
}

fn known_ids(attestor: &Attestor) -> String {
    let mut ids: Vec<&str> = attestor.keys().iter().map(|k| k.id().as_str()).collect();
    ids.dedup();
    let shown: Vec<String> = ids.iter().take(5).map(|s| format!("`{s}`")).collect();
    if ids.len() > 5 {
        format!("{}, and {} more", shown.join(", "), ids.len() - 5)
    } else {
        shown.join(", ")
    }
}
