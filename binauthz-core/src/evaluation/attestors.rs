//! Deciding whether one attestor has attested one image digest (spec/README.md §5), within the
//! request's bounded work (§7.2).

use std::borrow::Cow;

use crate::budget::{RequestBudget, Work, pkix_points};
use crate::crypto::{PkixKey, VerifyError};
use crate::decision::wording::reasons;
use crate::decision::{AttestorResult, Reason, ReasonKind, VerifiedBy};
use crate::evaluation::cache::{CheckKey, Conclusion, Outcome, VerificationCache};
use crate::evaluation::plan::{CheckId, PlannedCheck, Verdict, Verdicts, VerificationPlan};
use crate::evaluation::reason_list::ReasonList;
use crate::limits::MAX_REASONS_PER_ATTESTOR;
use crate::model::attestor::{Attestor, AttestorKey, PublicKey};
use crate::model::digest::Digest;
use crate::model::names::{KeyId, NoteName};
use crate::model::occurrence::{Occurrence, Occurrences, Signature, SkippedOccurrence};
use crate::model::payload::{PayloadProblem, check_payload};
#[cfg(feature = "pgp")]
use crate::pgp::PgpFailureKind;
use crate::time::Timestamp;

/// A request's occurrences in their canonical order (`Occurrence::canonical_cmp`: note, digest,
/// label, resource URI, payload, signatures), sorted once per request, so the occurrences under
/// one note for one digest are a contiguous run found by binary search, in the order they are
/// examined — whatever order the request listed them in. The skipped occurrences are sorted the
/// same way, by what could be read of their note and digest.
pub(crate) struct OccurrenceIndex<'r> {
    valid: Valid<'r>,
    skipped: Vec<&'r SkippedOccurrence>,
}

enum Valid<'r> {
    /// A request with one occurrence, which needs no list.
    One(&'r Occurrence),
    /// Any other number, sorted.
    Sorted(Vec<&'r Occurrence>),
}

impl<'r> OccurrenceIndex<'r> {
    /// Sorts `occurrences`.
    pub(crate) fn new(occurrences: &'r Occurrences) -> Self {
        let valid = match occurrences.valid() {
            [only] => Valid::One(only),
            all => {
                let mut sorted: Vec<&Occurrence> = all.iter().collect();
                sorted.sort_by(|a, b| a.canonical_cmp(b));
                Valid::Sorted(sorted)
            }
        };
        let mut skipped: Vec<&SkippedOccurrence> = occurrences.skipped().iter().collect();
        skipped.sort_by(|a, b| a.canonical_cmp(b));
        OccurrenceIndex { valid, skipped }
    }

    /// The occurrences filed under `note` for `digest`, in canonical order.
    fn under(&self, note: &NoteName, digest: &Digest) -> &[&'r Occurrence] {
        let sorted = match &self.valid {
            Valid::One(only) => std::slice::from_ref(only),
            Valid::Sorted(all) => all.as_slice(),
        };
        let subject = (note, digest);
        let start = sorted.partition_point(|o| (o.note(), o.digest()) < subject);
        let rest = sorted.get(start..).unwrap_or_default();
        let len = rest.partition_point(|o| (o.note(), o.digest()) == subject);
        rest.get(..len).unwrap_or_default()
    }

    /// The skipped occurrences that could concern `note` and `digest`: those whose note is
    /// `note` or could not be read, and whose digest is `digest` (its case aside) or could not
    /// be read. Four runs: the exact ones first, then those that could be any attestor's, any
    /// image's, or anything's.
    fn skipped_concerning(
        &self,
        note: &NoteName,
        digest: &Digest,
    ) -> [&[&'r SkippedOccurrence]; 4] {
        let run = |n: Option<&NoteName>, d: Option<&Digest>| {
            let subject = (n, d);
            let start = self
                .skipped
                .partition_point(|s| (s.note(), s.digest()) < subject);
            let rest = self.skipped.get(start..).unwrap_or_default();
            let len = rest.partition_point(|s| (s.note(), s.digest()) == subject);
            rest.get(..len).unwrap_or_default()
        };
        [
            run(Some(note), Some(digest)),
            run(Some(note), None),
            run(None, Some(digest)),
            run(None, None),
        ]
    }
}

/// Checks the occurrences under the attestor's note for `digest`, trying every key whose id a
/// signature names, in canonical order (occurrences, then their sorted signatures, then keys by
/// material), so the result does not depend on the order of occurrences, signatures or keys in
/// the input. Checks run while the request's limits allow (§7.2); the rest are counted in one
/// `budgetExhausted` reason. Failures are listed up to [`MAX_REASONS_PER_ATTESTOR`] (plus the
/// first of each further kind) and otherwise counted.
pub(crate) fn check_attestor<'a>(
    attestor: &'a Attestor,
    digest: &Digest,
    occurrences: &OccurrenceIndex<'a>,
    checker: &mut Checker<'a>,
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
                reasons::no_public_keys(attestor.name()),
            )],
            0,
        );
    }
    let candidates = occurrences.under(attestor.note(), digest);
    let skipped = occurrences.skipped_concerning(attestor.note(), digest);
    if candidates.is_empty() && skipped.iter().all(|run| run.is_empty()) {
        return unsatisfied(
            attestor,
            vec![reason(
                ReasonKind::NoAttestation,
                reasons::no_attestation(digest, attestor.note()),
            )],
            0,
        );
    }
    let mut failures = ReasonList::new(MAX_REASONS_PER_ATTESTOR);
    let mut tried = 0u64;
    let mut not_tried = 0u64;
    let mut stopped_by = None;
    for &occ in candidates {
        let at = |kind: ReasonKind, key: Option<&KeyId>, message: String| Reason {
            key_id: key.cloned(),
            occurrence: Some(occ.shared_label().clone()),
            ..reason(kind, message)
        };
        if occ.signatures().is_empty() {
            failures.push_with(ReasonKind::NoSignatures, || {
                at(
                    ReasonKind::NoSignatures,
                    None,
                    reasons::no_signatures(occ.label()),
                )
            });
            continue;
        }
        for sig in occ.signatures() {
            let key_id = sig.public_key_id();
            let mut keys = attestor.keys_with_id(key_id).peekable();
            if keys.peek().is_none() {
                failures.push_with(ReasonKind::UnknownKeyId, || {
                    at(
                        ReasonKind::UnknownKeyId,
                        Some(&KeyId::new(key_id)),
                        reasons::unknown_key_id(occ.label(), key_id, attestor),
                    )
                });
                continue;
            }
            for key in keys {
                // The attestor's id for the key, equal to the signature's: shared, not copied.
                let id = key.id();
                if matches!(key.key(), PublicKey::Pkix(_)) && occ.payload().is_none() {
                    failures.push_with(ReasonKind::SignatureInvalid, || {
                        at(
                            ReasonKind::SignatureInvalid,
                            Some(id),
                            reasons::no_payload(occ.label(), key_id),
                        )
                    });
                    continue;
                }
                if let Err(limit) = checker.budget.admit(tried) {
                    not_tried += 1;
                    stopped_by.get_or_insert(limit);
                    continue;
                }
                tried += 1;
                match checker.check(key, sig, occ, digest) {
                    Outcome::Accepted => {
                        // One allocation: this is most of a warm decision's work.
                        let message = reasons::attested(attestor.name(), key_id, occ.label());
                        return AttestorResult {
                            attestor: attestor.name().clone(),
                            satisfied: true,
                            verified_by: Some(VerifiedBy {
                                key_id: id.clone(),
                                occurrence: occ.shared_label().clone(),
                            }),
                            reasons: vec![at(ReasonKind::Attested, Some(id), message)],
                            omitted_reasons: 0,
                        };
                    }
                    Outcome::Rejected {
                        kind,
                        why,
                        diagnosable,
                    } => {
                        failures.push_with(kind, || {
                            // Explaining costs more verifications: only for a reason shown.
                            let why = match (diagnosable, key.key(), occ.payload()) {
                                (true, PublicKey::Pkix(k), Some(payload)) => checker
                                    .diagnose(k, payload, sig.bytes())
                                    .map_or(Cow::Borrowed(&*why), Cow::Owned),
                                _ => Cow::Borrowed(&*why),
                            };
                            let message =
                                reasons::signature_rejected(occ.label(), key_id, key, &why);
                            at(kind, Some(id), message)
                        });
                    }
                    // The planning pass goes on to every check, and explains none.
                    Outcome::Planned => {}
                    Outcome::Payload(problem) => {
                        let kind = match problem {
                            PayloadProblem::NotJson(_) | PayloadProblem::DuplicateKey(_) => {
                                ReasonKind::PayloadNotJson
                            }
                            PayloadProblem::MissingDigest => ReasonKind::PayloadMissingDigest,
                            PayloadProblem::DigestMismatch(_) => ReasonKind::PayloadDigestMismatch,
                        };
                        failures.push_with(kind, || {
                            let message =
                                reasons::payload_problem(occ.label(), key_id, &problem, digest);
                            at(kind, Some(id), message)
                        });
                    }
                }
            }
        }
    }
    if let Some(limit) = stopped_by {
        checker.budget.not_tried += not_tried;
        failures.push(reason(
            ReasonKind::BudgetExhausted,
            reasons::budget_exhausted(not_tried, attestor.note(), digest, limit),
        ));
    }
    // After the occurrences that were checked: what they say is the more precise explanation.
    for run in skipped {
        for (i, s) in run.iter().enumerate() {
            if !failures.would_list(ReasonKind::OccurrenceMalformed) {
                // Counted, never built: a flood of unreadable occurrences costs a count.
                failures.add_omitted((run.len() - i) as u64);
                break;
            }
            failures.push(Reason {
                occurrence: s.label().cloned(),
                ..reason(
                    ReasonKind::OccurrenceMalformed,
                    reasons::skipped_occurrence(s),
                )
            });
        }
    }
    let (listed, omitted) = failures.into_parts();
    unsatisfied(attestor, listed, omitted)
}

/// Runs signature checks for one evaluation through the engine's verification cache, counting
/// hits and misses for the decision's diagnostics and charging every check to the request's
/// budget. A planning checker verifies nothing: it lists the checks the cache cannot answer
/// (spec §7.3).
pub(crate) struct Checker<'a> {
    cache: &'a VerificationCache,
    now: Option<Timestamp>,
    mode: Mode<'a>,
    /// Checks answered from the cache.
    pub(crate) hits: u64,
    /// Checks that ran the cryptography.
    pub(crate) misses: u64,
    /// What the request has spent.
    pub(crate) budget: RequestBudget,
    /// Points of the checks and diagnoses that ran, the cache's answers left out.
    pub(crate) uncached_points: u64,
}

enum Mode<'a> {
    /// Concluding every check, with what is already known of some.
    Decide(Option<&'a Verdicts>),
    /// Listing the checks a decision needs.
    Plan(VerificationPlan<'a>),
}

impl<'a> Checker<'a> {
    /// A checker judging PGP expiry at `now`, with a fresh budget.
    pub(crate) fn new(cache: &'a VerificationCache, now: Option<Timestamp>) -> Self {
        Self::with_mode(cache, now, Mode::Decide(None))
    }

    /// A checker that takes the outcomes in `verdicts` instead of verifying those checks.
    pub(crate) fn with_verdicts(
        cache: &'a VerificationCache,
        now: Option<Timestamp>,
        verdicts: &'a Verdicts,
    ) -> Self {
        Self::with_mode(cache, now, Mode::Decide(Some(verdicts)))
    }

    /// A checker that only plans (see [`VerificationPlan`]).
    pub(crate) fn planning(cache: &'a VerificationCache, now: Option<Timestamp>) -> Self {
        Self::with_mode(cache, now, Mode::Plan(VerificationPlan::default()))
    }

    fn with_mode(cache: &'a VerificationCache, now: Option<Timestamp>, mode: Mode<'a>) -> Self {
        Checker {
            cache,
            now,
            mode,
            hits: 0,
            misses: 0,
            budget: RequestBudget::default(),
            uncached_points: 0,
        }
    }

    /// The plan a planning checker made (empty for any other).
    pub(crate) fn into_plan(self) -> VerificationPlan<'a> {
        match self.mode {
            Mode::Plan(plan) => plan,
            Mode::Decide(_) => VerificationPlan::default(),
        }
    }

    /// What `signature` by `key` over `payload` concludes for `digest`, from the cache when it
    /// has been concluded before. Its work is charged either way.
    fn check(
        &mut self,
        key: &'a AttestorKey,
        signature: &'a Signature,
        occurrence: &'a Occurrence,
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
        // Built only by a plan or a decision with verdicts: a plain evaluation (every warm
        // decision) has no use for it.
        let planned = || match (key.key(), occurrence.payload(), occurrence.payload_hash()) {
            (PublicKey::Pkix(k), Some(payload), Some(hash)) => Some(PlannedCheck::new(
                CheckId::new(key.cache_id(), signature.hash(), hash),
                k,
                payload,
                signature.bytes(),
            )),
            _ => None,
        };
        let verdicts = match &mut self.mode {
            Mode::Decide(verdicts) => *verdicts,
            Mode::Plan(plan) => {
                return plan_check(self.cache, id, planned(), plan, &mut self.budget);
            }
        };
        let verdict =
            verdicts.and_then(|verdicts| planned().and_then(|check| verdicts.get(&check.id())));
        let (conclusion, hit) = self.cache.get_or_check(id, || {
            judge(
                key.key(),
                signature.bytes(),
                occurrence.payload(),
                digest,
                self.now,
                verdict,
            )
        });
        if hit {
            self.hits += 1;
        } else {
            self.misses += 1;
            self.uncached_points = self
                .uncached_points
                .saturating_add(conclusion.work.points());
        }
        self.budget.charge_check(conclusion.work);
        conclusion.outcome
    }

    /// The explanation of a PKIX signature that did not verify, with its likely cause, when the
    /// budget affords the extra verifications and a cause is found.
    fn diagnose(&mut self, key: &PkixKey, payload: &[u8], signature: &[u8]) -> Option<String> {
        let runs = 1 + u64::from(PkixKey::DIAGNOSIS_VERIFICATIONS);
        let work = Work {
            verification_points: pkix_points(key.algorithm()) * runs,
            bytes_hashed: (payload.len() as u64).saturating_mul(runs),
            bytes_decoded: 0,
        };
        if !self.budget.charge_diagnosis(work) {
            return None;
        }
        self.uncached_points = self.uncached_points.saturating_add(work.points());
        match key.diagnose(payload, signature) {
            Err(e @ VerifyError::Mismatch { hint: Some(_), .. }) => Some(e.to_string()),
            _ => None,
        }
    }
}

/// What one PKIX check costs (spec §7.2): its algorithm's points and the payload's bytes, known
/// before it runs. One definition, so that a plan charges what the check it stands for would.
fn pkix_check_work(key: &PkixKey, payload: &[u8]) -> Work {
    Work::verification(pkix_points(key.algorithm()), payload.len())
}

/// A planning checker's answer for one check: the cache's conclusion when it has one; otherwise
/// the check is listed (PKIX only) and left [`Outcome::Planned`], so the evaluation goes on to
/// every further check a decision could reach. It is charged as a rejection would be, so the
/// plan stays within the request's budget.
fn plan_check<'a>(
    cache: &VerificationCache,
    id: CheckKey,
    planned: Option<PlannedCheck<'a>>,
    plan: &mut VerificationPlan<'a>,
    budget: &mut RequestBudget,
) -> Outcome {
    if let Some(known) = cache.peek(&id) {
        budget.charge_check(known.work);
        return known.outcome;
    }
    let work = match planned {
        Some(check) => {
            let work = pkix_check_work(check.key(), check.message());
            plan.push(check);
            work
        }
        None => Work::default(),
    };
    budget.charge_check(work);
    Outcome::Planned
}

/// Verifies one signature (or takes the `verdict` a plan's verifier reached) and, when it
/// verifies, checks that the signed payload names `digest`; with the work that took.
fn judge(
    key: &PublicKey,
    signature: &[u8],
    payload: Option<&[u8]>,
    digest: &Digest,
    now: Option<Timestamp>,
    verdict: Option<&Verdict>,
) -> Conclusion {
    #[cfg(not(feature = "pgp"))]
    let _ = now;
    let rejected = |kind: ReasonKind, why: String, diagnosable: bool, work: Work| Conclusion {
        outcome: Outcome::Rejected {
            kind,
            why: why.into(),
            diagnosable,
        },
        work,
    };
    let mut work = Work::default();
    let signed: Cow<'_, [u8]> = match key {
        PublicKey::Pkix(k) => {
            // check_attestor reports a PKIX signature without a payload before asking; should
            // one get here all the same, it fails closed.
            let Some(payload) = payload else {
                return rejected(
                    ReasonKind::SignatureInvalid,
                    reasons::NO_PAYLOAD_TO_VERIFY.into(),
                    false,
                    work,
                );
            };
            // Charged whatever the signature looks like: the cost of a check is known before
            // it runs.
            work = pkix_check_work(k, payload);
            let verified = match verdict {
                Some(Verdict::Exact(result)) => result.clone(),
                // The host only did the arithmetic: the structure is judged here, again.
                Some(Verdict::HostVerified) => k.host_signature(signature).map(drop),
                None => k.verify(payload, signature),
            };
            if let Err(e) = verified {
                let diagnosable = matches!(e, VerifyError::Mismatch { hint: None, .. });
                return rejected(
                    ReasonKind::SignatureInvalid,
                    e.to_string(),
                    diagnosable,
                    work,
                );
            }
            Cow::Borrowed(payload)
        }
        #[cfg(feature = "pgp")]
        PublicKey::Pgp(k) => match k.verify_attestation_counted(signature, payload, now, &mut work)
        {
            Ok(verified) => Cow::Owned(verified.payload),
            Err(e) => {
                let kind = match e.kind {
                    PgpFailureKind::KeyExpired => ReasonKind::KeyExpired,
                    PgpFailureKind::KeyRevoked => ReasonKind::KeyRevoked,
                    PgpFailureKind::SignatureExpired => ReasonKind::SignatureExpired,
                    PgpFailureKind::DataMismatch => ReasonKind::SignedDataMismatch,
                    _ => ReasonKind::SignatureInvalid,
                };
                return rejected(kind, e.to_string(), false, work);
            }
        },
    };
    // Reading the payload is hashing-like work over its bytes.
    work.bytes_hashed = work.bytes_hashed.saturating_add(signed.len() as u64);
    let outcome = match check_payload(&signed, digest) {
        Ok(()) => Outcome::Accepted,
        Err(problem) => Outcome::Payload(problem),
    };
    Conclusion { outcome, work }
}

fn unsatisfied(attestor: &Attestor, reasons: Vec<Reason>, omitted_reasons: u64) -> AttestorResult {
    AttestorResult {
        attestor: attestor.name().clone(),
        satisfied: false,
        verified_by: None,
        reasons,
        omitted_reasons,
    }
}
