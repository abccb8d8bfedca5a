//! Verification of attestation signatures made with PKIX public keys.
//!
//! This mirrors GCP Binary Authorization's `PkixPublicKey`: a PEM
//! `SubjectPublicKeyInfo` together with one of the [`SignatureAlgorithm`] values.
//! [`PkixKey::from_pem`] validates the key against the algorithm (key type, curve and
//! exact RSA modulus size) and [`PkixKey::verify`] checks signatures over raw bytes.
//!
//! Signatures are checked with AWS-LC when the `native` feature is on (the default; never on
//! wasm32) and with pure-Rust RustCrypto otherwise. Both accept exactly the same signatures
//! and RustCrypto explains every rejection, so only the speed differs; see [`Backend`].
//!
//! The pieces of key reading are public for the readers of other key files, such as the
//! `binauthz` CLI's private keys: [`pem_blocks`] (every PEM block of a file),
//! [`KeyAlgorithm::from_oid`] and [`KeyKind::from_curve_oid`] (the algorithm and curve OIDs
//! Binary Authorization keys use, and the names of others). The core itself never reads a
//! private key.
//!
//! [`CosignKey`] verifies key-based cosign signatures, which hash with SHA-256 whatever the key
//! (unlike the PKIX algorithms, where P-384 means SHA-384).
//!
//! Everything here is pure and deterministic: no I/O, clock or randomness.

mod algorithm;
mod backend;
mod cosign;
mod error;
mod key;
mod key_id;
mod oid;
mod pem;

pub use algorithm::{DigestAlgorithm, KeyKind, SignatureAlgorithm, SignatureScheme};
pub use backend::Backend;
pub use cosign::CosignKey;
pub use error::{KeyError, MismatchHint, VerifyError};
pub use key::{HostSignature, PkixKey};
pub use key_id::{DEFAULT_KEY_ID_PREFIX, default_key_id_for_spki_der};
pub use oid::KeyAlgorithm;
pub use pem::{PemBlock, pem_blocks};
