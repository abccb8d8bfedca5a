//! Deciding whether one attestor has attested one image digest (spec/README.md §5).

use std::borrow::Cow;

use crate::attestation::{Occurrence, Signature};
use crate::attestor::{Attestor, AttestorKey, PublicKey};
use crate::cache::{CheckKey, Outcome, VerificationCache};
use crate::decision::{AttestorResult, Reason, ReasonKind, VerifiedBy};
use crate::digest::Digest;
use crate::names::{KeyId, NoteName};
use crate::payload::{PayloadProblem, check_payload};
#[cfg(feature = "pgp")]
use crate::pgp::PgpFailureKind;
use crate::time::Timestamp;

/// A request's occurrences in a canonical order — by note, digest, label, resource URI and payload
/// — sorted once per request, so the occurrences under one note for one digest are a contiguous
/// run found by binary search, in the order they are examined.
pub(crate) enum OccurrenceIndex<'r> {
    /// A request with one occurrence, which needs no list.
    One(&'r Occurrence),
    /// Any other number, sorted.
    Sorted(Vec<&'r Occurrence>),
}

impl<'r> OccurrenceIndex<'r> {
    /// Sorts `occurrences`.
    pub(crate) fn new(occurrences: &'r [Occurrence]) -> Self {
        if let [only] = occurrences {
            return OccurrenceIndex::One(only);
        }
        let mut sorted: Vec<&Occurrence> = occurrences.iter().collect();
        sorted.sort_by(|a, b| canonical(a).cmp(&canonical(b)));
        OccurrenceIndex::Sorted(sorted)
    }

    /// The occurrences filed under `note` for `digest`, in canonical order.
    fn under(&self, note: &NoteName, digest: &Digest) -> &[&'r Occurrence] {
        let sorted = match self {
            OccurrenceIndex::One(only) => std::slice::from_ref(only),
            OccurrenceIndex::Sorted(all) => all.as_slice(),
        };
        let subject = (note, digest);
        let start = sorted.partition_point(|o| (o.note(), o.digest()) < subject);
        let rest = sorted.get(start..).unwrap_or_default();
        let len = rest.partition_point(|o| (o.note(), o.digest()) == subject);
        rest.get(..len).unwrap_or_default()
    }
}

fn canonical(o: &Occurrence) -> (&NoteName, &Digest, &str, &str, Option<&[u8]>) {
    (
        o.note(),
        o.digest(),
        o.label(),
        o.resource_uri(),
        o.payload(),
    )
}

/// Checks every occurrence under the attestor's note for `digest`, trying every key whose id a
/// signature names. Candidates are examined in a canonical order, so the result does not depend
/// on the order of occurrences, signatures or keys in the input. Signatures are checked through
/// `checker`, which knows the evaluation time that PGP expiry is judged against.
pub(crate) fn check_attestor(
    attestor: &Attestor,
    digest: &Digest,
    occurrences: &OccurrenceIndex<'_>,
    checker: &mut Checker<'_>,
) -> AttestorResult {
    let reason = |kind: ReasonKind, message: String| Reason {
        attestor: Some(attestor.name().clone()),
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
    let candidates = occurrences.under(attestor.note(), digest);
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
    let mut failures = Vec::new();
    for &occ in candidates {
        let at = |kind: ReasonKind, key: Option<&KeyId>, message: String| Reason {
            key_id: key.cloned(),
            occurrence: Some(occ.shared_label().clone()),
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
        // One signature needs no sorting, and no list.
        let sorted: Vec<&Signature>;
        let one: [&Signature; 1];
        let signatures: &[&Signature] = if let [only] = occ.signatures() {
            one = [only];
            &one
        } else {
            let mut all: Vec<&Signature> = occ.signatures().iter().collect();
            all.sort_by(|a, b| (a.public_key_id(), a.bytes()).cmp(&(b.public_key_id(), b.bytes())));
            sorted = all;
            &sorted
        };
        for &sig in signatures {
            let key_id = sig.public_key_id();
            let mut keys = attestor.keys_with_id(key_id).peekable();
            if keys.peek().is_none() {
                failures.push(at(
                    ReasonKind::UnknownKeyId,
                    Some(&KeyId::new(key_id)),
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
                // The attestor's id for the key, equal to the signature's: shared, not copied.
                let id = key.id();
                if matches!(key.key(), PublicKey::Pkix(_)) && occ.payload().is_none() {
                    failures.push(at(
                        ReasonKind::SignatureInvalid,
                        Some(id),
                        format!(
                            "occurrence {} has no serializedPayload, which a signature for PKIX key `{key_id}` must cover",
                            occ.label()
                        ),
                    ));
                    continue;
                }
                let lead = || {
                    format!(
                        "occurrence {}: signature for key `{key_id}` verified, but",
                        occ.label()
                    )
                };
                match checker.check(key, sig, occ, digest) {
                    Outcome::Accepted => {
                        // Built in one allocation: this is most of a warm decision's work.
                        let message = [
                            "attestor ",
                            attestor.name().as_str(),
                            " verified by key `",
                            key_id,
                            "` (occurrence ",
                            occ.label(),
                            ")",
                        ]
                        .concat();
                        return AttestorResult {
                            attestor: attestor.name().clone(),
                            satisfied: true,
                            verified_by: Some(VerifiedBy {
                                key_id: id.clone(),
                                occurrence: occ.shared_label().clone(),
                            }),
                            reasons: vec![at(ReasonKind::Attested, Some(id), message)],
                        };
                    }
                    Outcome::Rejected(kind, why) => {
                        let message = match key.key() {
                            PublicKey::Pkix(_) => format!(
                                "occurrence {}: signature for key `{key_id}` ({}) is invalid: {why}",
                                occ.label(),
                                key.algorithm_name()
                            ),
                            #[cfg(feature = "pgp")]
                            PublicKey::Pgp(_) => format!(
                                "occurrence {}: PGP signature for key `{key_id}` does not count: {why}",
                                occ.label()
                            ),
                        };
                        failures.push(at(kind, Some(id), message));
                    }
                    Outcome::Payload(PayloadProblem::NotJson(e)) => failures.push(at(
                        ReasonKind::PayloadNotJson,
                        Some(id),
                        format!("{} the signed payload is not a JSON object ({e})", lead()),
                    )),
                    Outcome::Payload(PayloadProblem::DuplicateKey(key)) => failures.push(at(
                        ReasonKind::PayloadNotJson,
                        Some(id),
                        format!(
                            "{} the signed payload has the key `{key}` twice in one object; a payload that JSON readers can read in two ways does not count",
                            lead()
                        ),
                    )),
                    Outcome::Payload(PayloadProblem::MissingDigest) => failures.push(at(
                        ReasonKind::PayloadMissingDigest,
                        Some(id),
                        format!(
                            "{} the signed payload has no critical.image.docker-manifest-digest",
                            lead()
                        ),
                    )),
                    Outcome::Payload(PayloadProblem::DigestMismatch(signed)) => failures.push(at(
                        ReasonKind::PayloadDigestMismatch,
                        Some(id),
                        format!(
                            "{} the payload is signed for {signed}, not for the image's {digest}",
                            lead()
                        ),
                    )),
                }
            }
        }
    }
    unsatisfied(attestor, failures)
}

/// Runs signature checks for one evaluation through the engine's verification cache, counting
/// hits and misses for the decision's diagnostics.
pub(crate) struct Checker<'a> {
    cache: &'a VerificationCache,
    now: Option<Timestamp>,
    /// Checks answered from the cache.
    pub(crate) hits: u64,
    /// Checks that ran the cryptography.
    pub(crate) misses: u64,
}

impl<'a> Checker<'a> {
    /// A checker judging PGP expiry at `now`.
    pub(crate) fn new(cache: &'a VerificationCache, now: Option<Timestamp>) -> Self {
        Checker {
            cache,
            now,
            hits: 0,
            misses: 0,
        }
    }

    /// What `signature` by `key` over `payload` concludes for `digest`, from the cache when it
    /// has been concluded before.
    fn check(
        &mut self,
        key: &AttestorKey,
        signature: &Signature,
        occurrence: &Occurrence,
        digest: &Digest,
    ) -> Outcome {
        // Only a PGP conclusion depends on the time (expiry); a PKIX one never does. PKIX and PGP
        // checks cannot share a key: the key's cache id includes its kind.
        let now = match key.key() {
            PublicKey::Pkix(_) => None,
            #[cfg(feature = "pgp")]
            PublicKey::Pgp(_) => self.now.map(Timestamp::unix_seconds),
        };
        let id = CheckKey::new(
            key.cache_id(),
            signature.hash(),
            occurrence.payload_hash(),
            digest.bytes(),
            now,
        );
        let (outcome, hit) = self.cache.get_or_check(id, || {
            judge(
                key.key(),
                signature.bytes(),
                occurrence.payload(),
                digest,
                self.now,
            )
        });
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
        }
        outcome
    }
}

/// Verifies one signature and, when it verifies, checks that the signed payload names `digest`.
fn judge(
    key: &PublicKey,
    signature: &[u8],
    payload: Option<&[u8]>,
    digest: &Digest,
    now: Option<Timestamp>,
) -> Outcome {
    #[cfg(not(feature = "pgp"))]
    let _ = now;
    let signed: Cow<'_, [u8]> = match key {
        PublicKey::Pkix(k) => {
            // check_attestor reports a PKIX signature without a payload before asking; should
            // one get here all the same, it fails closed.
            let Some(payload) = payload else {
                return Outcome::Rejected(
                    ReasonKind::SignatureInvalid,
                    "there is no serializedPayload to verify".into(),
                );
            };
            if let Err(e) = k.verify(payload, signature) {
                return Outcome::Rejected(ReasonKind::SignatureInvalid, e.to_string().into());
            }
            Cow::Borrowed(payload)
        }
        #[cfg(feature = "pgp")]
        PublicKey::Pgp(k) => match k.verify(signature, payload, now) {
            Ok(verified) => Cow::Owned(verified.payload),
            Err(e) => {
                let kind = match e.kind {
                    PgpFailureKind::KeyExpired => ReasonKind::KeyExpired,
                    PgpFailureKind::KeyRevoked => ReasonKind::KeyRevoked,
                    PgpFailureKind::SignatureExpired => ReasonKind::SignatureExpired,
                    PgpFailureKind::DataMismatch => ReasonKind::SignedDataMismatch,
                    _ => ReasonKind::SignatureInvalid,
                };
                return Outcome::Rejected(kind, e.to_string().into());
            }
        },
    };
    match check_payload(&signed, digest) {
        Ok(()) => Outcome::Accepted,
        Err(problem) => Outcome::Payload(problem),
    }
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
