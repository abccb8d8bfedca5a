//! Verification as a plan (spec/README.md §7.3): the signature checks a request needs, for a host
//! that verifies them itself — in parallel natively, or with WebCrypto in a browser — before the
//! engine decides with their outcomes.
//!
//! A plan is found by evaluating the request without verifying anything: every PKIX check the
//! cache cannot answer is listed (once, whatever the number of images or attestors that need it)
//! and left unconcluded, satisfying nothing, so the evaluation goes on to every check a real one
//! could reach. A
//! plan is therefore a superset of the checks the decision will make, within the same request
//! budget (§7.2). PGP checks are never planned: the engine verifies them itself.
//!
//! The decision made with [`Verdicts`] is the one [`Engine::evaluate`](crate::Engine::evaluate)
//! makes, byte for byte: an exact outcome is used as it is; a host's acceptance counts only after
//! the signature's structure passed this crate's own checks again; and a check the host rejected,
//! or never answered, is verified here, so every rejection is explained in this crate's words.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::crypto::{HostSignature, PkixKey, VerifyError};

/// The identity of one signature verification: the key (its cache fingerprint, which covers
/// its algorithm), the signature and the signed payload, each by SHA-256. A verification
/// depends on nothing else, so one outcome serves every image and attestor that needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId {
    key: [u8; 32],
    signature: [u8; 32],
    payload: [u8; 32],
}

impl CheckId {
    pub(crate) fn new(key: &[u8; 32], signature: &[u8; 32], payload: &[u8; 32]) -> Self {
        CheckId {
            key: *key,
            signature: *signature,
            payload: *payload,
        }
    }
}

/// One signature a request needs verified: a PKIX key, the payload it must have signed, and
/// the signature as the occurrence carries it.
#[derive(Debug, Clone, Copy)]
pub struct PlannedCheck<'a> {
    id: CheckId,
    key: &'a PkixKey,
    message: &'a [u8],
    signature: &'a [u8],
}

impl<'a> PlannedCheck<'a> {
    pub(crate) fn new(
        id: CheckId,
        key: &'a PkixKey,
        message: &'a [u8],
        signature: &'a [u8],
    ) -> Self {
        PlannedCheck {
            id,
            key,
            message,
            signature,
        }
    }

    /// What identifies this check in [`Verdicts`].
    pub fn id(&self) -> CheckId {
        self.id
    }

    /// The key, with its algorithm and DER `SubjectPublicKeyInfo` ([`PkixKey::spki_der`]).
    pub fn key(&self) -> &'a PkixKey {
        self.key
    }

    /// The signed payload: the bytes to verify.
    pub fn message(&self) -> &'a [u8] {
        self.message
    }

    /// The signature as the occurrence carries it (DER for ECDSA).
    pub fn signature(&self) -> &'a [u8] {
        self.signature
    }

    /// Verifies the signature here, as [`PkixKey::verify`] does.
    ///
    /// # Errors
    ///
    /// As [`PkixKey::verify`].
    pub fn verify(&self) -> Result<(), VerifyError> {
        self.key.verify(self.message, self.signature)
    }

    /// The signature in the form WebCrypto verifies, or why its structure already rejects it
    /// (then no host needs to be asked: the engine reports it without one).
    ///
    /// # Errors
    ///
    /// As [`PkixKey::host_signature`].
    pub fn host_signature(&self) -> Result<HostSignature, VerifyError> {
        self.key.host_signature(self.signature)
    }
}

/// The signature checks one request needs that the verification cache cannot answer
/// ([`Engine::plan`](crate::Engine::plan)), each once, in the order the evaluation meets them.
#[derive(Debug, Clone, Default)]
pub struct VerificationPlan<'a> {
    checks: Vec<PlannedCheck<'a>>,
    seen: HashSet<CheckId>,
}

impl<'a> VerificationPlan<'a> {
    /// Adds a check unless it is listed already.
    pub(crate) fn push(&mut self, check: PlannedCheck<'a>) {
        if self.seen.insert(check.id) {
            self.checks.push(check);
        }
    }

    /// The checks.
    pub fn checks(&self) -> &[PlannedCheck<'a>] {
        &self.checks
    }

    /// How many checks there are.
    pub fn len(&self) -> usize {
        self.checks.len()
    }

    /// Whether the cache answers every check the request needs.
    pub fn is_empty(&self) -> bool {
        self.checks.is_empty()
    }

    /// Verifies every check here, on up to `threads` threads (this one included; 0 or 1 means
    /// this thread alone, and so does a wasm32 build, which has no threads). Each thread takes
    /// the next unverified check, so a slow RSA key does not hold back a queue of fast ones.
    pub fn verify_all(&self, threads: usize) -> Verdicts {
        let mut verdicts = Verdicts::default();
        let threads = if cfg!(target_arch = "wasm32") {
            1
        } else {
            threads.clamp(1, self.checks.len().max(1))
        };
        if threads == 1 {
            for check in &self.checks {
                verdicts.insert(check.id, Verdict::Exact(check.verify()));
            }
            return verdicts;
        }
        let next = AtomicUsize::new(0);
        let work = || {
            let mut done = Vec::new();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(check) = self.checks.get(i) else {
                    return done;
                };
                done.push((check.id, check.verify()));
            }
        };
        std::thread::scope(|scope| {
            let helpers: Vec<_> = (1..threads).map(|_| scope.spawn(work)).collect();
            let mine = work();
            // A helper that could not finish leaves its checks unanswered; the decision then
            // verifies them itself (never an allow by omission).
            for (id, result) in mine.into_iter().chain(
                helpers
                    .into_iter()
                    .flat_map(|h| h.join().unwrap_or_default()),
            ) {
                verdicts.insert(id, Verdict::Exact(result));
            }
        });
        verdicts
    }
}

/// What is known of a plan's checks ([`Engine::evaluate_verified`](crate::Engine::evaluate_verified)).
#[derive(Debug, Clone, Default)]
pub struct Verdicts {
    known: HashMap<CheckId, Verdict>,
}

#[derive(Debug, Clone)]
pub(crate) enum Verdict {
    /// What this crate's verifier concluded ([`VerificationPlan::verify_all`]).
    Exact(Result<(), VerifyError>),
    /// A host's verifier accepted [`PlannedCheck::host_signature`].
    HostVerified,
}

impl Verdicts {
    /// No outcomes yet: the engine verifies every check itself.
    pub fn new() -> Self {
        Verdicts::default()
    }

    /// Records that the host's verifier (WebCrypto) accepted the check's
    /// [`host_signature`](PlannedCheck::host_signature) over its message with its key. A check
    /// the host rejected is not recorded: the engine verifies it itself, so that its reason is
    /// this crate's own.
    pub fn host_verified(&mut self, id: CheckId) {
        self.insert(id, Verdict::HostVerified);
    }

    /// How many checks have an outcome.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// Whether no check has an outcome.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    fn insert(&mut self, id: CheckId, verdict: Verdict) {
        self.known.insert(id, verdict);
    }

    pub(crate) fn get(&self, id: &CheckId) -> Option<&Verdict> {
        self.known.get(id)
    }
}
