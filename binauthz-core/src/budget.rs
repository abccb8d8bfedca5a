//! The bounded cost of one request (spec/README.md §7.2).
//!
//! Whoever can file an attestation occurrence controls part of every request, so the work a
//! request may cause is counted and capped: signature checks, and their cost in *points*, a unit
//! of about one pure-Rust P-256 verification divided by four (88 µs on the reference machine;
//! WebAssembly is about four times slower, so a spent budget costs about a second there and a
//! fifth of that natively). Every count is a function of the request and the config alone —
//! never of the verification cache, the clock or the machine — so a budget spent cold and the
//! same budget spent warm decide identically.

use crate::crypto::{CosignKey, KeyKind, SignatureAlgorithm};
use crate::limits::{
    MAX_CHECKS_PER_ATTESTOR_DIGEST, MAX_DIAGNOSIS_COST, MAX_SIGNATURE_CHECKS, MAX_VERIFICATION_COST,
};

/// Bytes hashed (or decoded) that cost one point: SHA-2, SHA-3 and inflating run at 50 to
/// 300 MB/s on the reference machine, so 16 KiB take about as long as a point's verification.
pub const BYTES_PER_POINT: u64 = 16 * 1024;

/// The points of one signature verification with a PKIX key of `algorithm`, measured from the
/// RustCrypto verifiers that WebAssembly runs (benches/RESULTS.md: P-256 354 µs, P-384 1,254 µs,
/// P-521 1,357 µs, RSA-2048 71 µs, RSA-4096 286 µs).
pub fn pkix_points(algorithm: SignatureAlgorithm) -> u64 {
    use SignatureAlgorithm as A;
    match algorithm {
        A::EcdsaP256Sha256 => 4,
        A::EcdsaP384Sha384 => 14,
        A::EcdsaP521Sha512 => 15,
        A::RsaPss2048Sha256 | A::RsaPkcs1_2048Sha256 => rsa_points(2048),
        A::RsaPss3072Sha256 | A::RsaPkcs1_3072Sha256 => rsa_points(3072),
        A::RsaPss4096Sha256
        | A::RsaPss4096Sha512
        | A::RsaPkcs1_4096Sha256
        | A::RsaPkcs1_4096Sha512 => rsa_points(4096),
    }
}

/// The points of one verification of a cosign signature with a key of `kind`: those of the PKIX
/// verification with a key of the same kind. The public-key operation is the same; only the
/// digest differs (cosign hashes with SHA-256 whatever the key), and bytes hashed are counted
/// apart ([`Work::bytes_hashed`]).
pub fn cosign_points(kind: KeyKind) -> u64 {
    match kind {
        KeyKind::EcP256 => pkix_points(SignatureAlgorithm::EcdsaP256Sha256),
        KeyKind::EcP384 => pkix_points(SignatureAlgorithm::EcdsaP384Sha384),
        KeyKind::EcP521 => pkix_points(SignatureAlgorithm::EcdsaP521Sha512),
        KeyKind::Rsa { modulus_bits } => rsa_points(modulus_bits as u64),
    }
}

// Defined here rather than in crypto/cosign.rs: this module uses `crypto`, so `crypto` cannot
// use it (ARCHITECTURE.md: no two modules use each other).
impl CosignKey {
    /// The work one verification of a signature over `payload_len` payload bytes costs, for a
    /// caller's budget: [`cosign_points`] of the key and the payload hashed once, as
    /// [`Work::verification`] counts a PKIX check.
    pub fn work(&self, payload_len: usize) -> Work {
        Work::verification(cosign_points(self.key_kind()), payload_len)
    }
}

/// The points of one RSA verification with a modulus of `bits` bits: the public-key operation
/// grows with the square of the modulus (PGP keys may be larger than PKIX keys).
pub fn rsa_points(bits: u64) -> u64 {
    match bits {
        0..=2048 => 1,
        2049..=3072 => 2,
        3073..=4096 => 3,
        _ => (bits * bits).div_ceil(2048 * 2048),
    }
}

/// Work done by signature checks: public-key operations in points, and bytes run through a hash
/// function or a decoder.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Work {
    /// Public-key verifications, in points.
    pub verification_points: u64,
    /// Bytes hashed.
    pub bytes_hashed: u64,
    /// Bytes decoded: PGP armor read and compressed data inflated.
    pub bytes_decoded: u64,
}

impl Work {
    /// One verification with `points` over `bytes` hashed bytes.
    pub fn verification(points: u64, bytes: usize) -> Self {
        Work {
            verification_points: points,
            bytes_hashed: bytes as u64,
            bytes_decoded: 0,
        }
    }

    /// The total in points.
    pub fn points(&self) -> u64 {
        self.verification_points
            .saturating_add(self.bytes_hashed.saturating_add(self.bytes_decoded) / BYTES_PER_POINT)
    }

    /// Adds `other` to this.
    pub fn add(&mut self, other: Work) {
        self.verification_points = self
            .verification_points
            .saturating_add(other.verification_points);
        self.bytes_hashed = self.bytes_hashed.saturating_add(other.bytes_hashed);
        self.bytes_decoded = self.bytes_decoded.saturating_add(other.bytes_decoded);
    }
}

/// Which limit stopped a signature check from running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exhausted {
    /// [`MAX_CHECKS_PER_ATTESTOR_DIGEST`] for this attestor and digest.
    AttestorDigest,
    /// [`MAX_SIGNATURE_CHECKS`] for the request.
    Checks,
    /// [`MAX_VERIFICATION_COST`] for the request.
    Cost,
}

impl Exhausted {
    /// The limit, in words, for a reason message.
    pub(crate) fn describe(self) -> String {
        match self {
            Exhausted::AttestorDigest => format!(
                "at most {MAX_CHECKS_PER_ATTESTOR_DIGEST} signature checks are run per attestor and image digest"
            ),
            Exhausted::Checks => {
                format!("at most {MAX_SIGNATURE_CHECKS} signature checks are run per request")
            }
            Exhausted::Cost => format!(
                "the request's verification budget of {MAX_VERIFICATION_COST} points is spent"
            ),
        }
    }
}

/// What one request has spent so far.
#[derive(Debug, Default)]
pub(crate) struct RequestBudget {
    /// Signature checks started (run, or answered by the cache).
    pub(crate) checks: u64,
    /// Signature checks not run because a limit was reached.
    pub(crate) not_tried: u64,
    /// The work of every check started.
    pub(crate) work: Work,
    /// The work of the diagnoses made, from an allowance of its own so that explaining
    /// rejections never leaves less budget for finding a valid signature.
    pub(crate) diagnosis: Work,
}

impl RequestBudget {
    /// Whether one more check may start for an attestor and digest that have had
    /// `attestor_digest_checks` already. A check that starts finishes, so the budget is
    /// exceeded by at most one check's cost.
    pub(crate) fn admit(&self, attestor_digest_checks: u64) -> Result<(), Exhausted> {
        if attestor_digest_checks >= MAX_CHECKS_PER_ATTESTOR_DIGEST as u64 {
            Err(Exhausted::AttestorDigest)
        } else if self.checks >= MAX_SIGNATURE_CHECKS as u64 {
            Err(Exhausted::Checks)
        } else if self.work.points() >= MAX_VERIFICATION_COST {
            Err(Exhausted::Cost)
        } else {
            Ok(())
        }
    }

    /// Counts one check and its work.
    pub(crate) fn charge_check(&mut self, work: Work) {
        self.checks += 1;
        self.work.add(work);
    }

    /// Charges a diagnosis of `work` to its allowance ([`MAX_DIAGNOSIS_COST`]); whether the
    /// allowance afforded it (when not, nothing is charged and the diagnosis must not run).
    pub(crate) fn charge_diagnosis(&mut self, work: Work) -> bool {
        let mut after = self.diagnosis;
        after.add(work);
        if after.points() > MAX_DIAGNOSIS_COST {
            return false;
        }
        self.diagnosis = after;
        true
    }

    /// Every point spent: checks and diagnoses.
    pub(crate) fn points(&self) -> u64 {
        self.work.points().saturating_add(self.diagnosis.points())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_count_verifications_and_every_16_kib_hashed() {
        let w = Work::verification(4, 300);
        assert_eq!(w.points(), 4);
        let mut total = Work::default();
        for _ in 0..1000 {
            total.add(Work::verification(1, 300));
        }
        // 300,000 bytes hashed are 18 whole points on top of the thousand verifications.
        assert_eq!(total.points(), 1000 + 18);
        let big = Work {
            verification_points: 0,
            bytes_hashed: 0,
            bytes_decoded: 1024 * 1024,
        };
        assert_eq!(big.points(), 64);
    }

    #[test]
    fn rsa_points_grow_with_the_square_of_the_modulus() {
        assert_eq!(rsa_points(2048), 1);
        assert_eq!(rsa_points(4096), 3);
        assert_eq!(rsa_points(8192), 16);
        assert_eq!(rsa_points(16384), 64);
    }

    #[test]
    fn a_cosign_verification_costs_what_the_pkix_one_with_the_same_key_costs() {
        assert_eq!(cosign_points(KeyKind::EcP256), 4);
        assert_eq!(cosign_points(KeyKind::EcP384), 14);
        assert_eq!(cosign_points(KeyKind::EcP521), 15);
        assert_eq!(cosign_points(KeyKind::Rsa { modulus_bits: 2048 }), 1);
        assert_eq!(cosign_points(KeyKind::Rsa { modulus_bits: 4096 }), 3);
    }

    #[test]
    fn each_limit_stops_new_checks() {
        let mut b = RequestBudget::default();
        assert_eq!(b.admit(0), Ok(()));
        assert_eq!(
            b.admit(MAX_CHECKS_PER_ATTESTOR_DIGEST as u64),
            Err(Exhausted::AttestorDigest)
        );
        b.charge_check(Work::verification(MAX_VERIFICATION_COST, 0));
        assert_eq!(b.admit(0), Err(Exhausted::Cost));
        let b = RequestBudget {
            checks: MAX_SIGNATURE_CHECKS as u64,
            ..RequestBudget::default()
        };
        assert_eq!(b.admit(0), Err(Exhausted::Checks));
    }

    #[test]
    fn diagnoses_spend_their_own_allowance_not_the_verification_budget() {
        let mut b = RequestBudget::default();
        assert!(b.charge_diagnosis(Work::verification(MAX_DIAGNOSIS_COST, 0)));
        assert!(!b.charge_diagnosis(Work::verification(1, 0)));
        assert_eq!(b.admit(0), Ok(()));
        assert_eq!(b.points(), MAX_DIAGNOSIS_COST);
    }
}
