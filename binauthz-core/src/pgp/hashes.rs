//! The signed data of a PGP message, hashed once per hash algorithm and mode.
//!
//! An OpenPGP signature hashes the data, then its own hashed subpackets and a trailer. rPGP's
//! `Signature::verify` rehashes the data for every signature packet and every candidate key, so
//! a message of many forged packets over a mebibyte of literal data cost a mebibyte of hashing
//! each. Here the data is hashed once per (algorithm, text mode) and the hash state is cloned
//! for each packet, which then only adds its few hashed bytes.

use pgp::crypto::hash::HashAlgorithm;
use pgp::line_writer::LineBreak;
use pgp::normalize_lines::NormalizedReader;
use pgp::packet::{Signature, SignatureType};
use pgp::types::VerifyingKey;
use pgp_digest::DynDigest;

use crate::budget::Work;

/// What rPGP's signature hashing takes.
type Hasher = Box<dyn DynDigest + Send>;

/// A hash state of one of the algorithms binauthz accepts for data signatures (spec §11.3), as a
/// concrete type: `DynDigest::box_clone` would drop the `Send` that rPGP requires.
#[derive(Clone)]
enum State {
    Sha224(pgp_sha2::Sha224),
    Sha256(pgp_sha2::Sha256),
    Sha384(pgp_sha2::Sha384),
    Sha512(pgp_sha2::Sha512),
    Sha3_256(pgp_sha3::Sha3_256),
    Sha3_512(pgp_sha3::Sha3_512),
}

impl State {
    fn new(algorithm: HashAlgorithm) -> Option<Self> {
        Some(match algorithm {
            HashAlgorithm::Sha224 => State::Sha224(Default::default()),
            HashAlgorithm::Sha256 => State::Sha256(Default::default()),
            HashAlgorithm::Sha384 => State::Sha384(Default::default()),
            HashAlgorithm::Sha512 => State::Sha512(Default::default()),
            HashAlgorithm::Sha3_256 => State::Sha3_256(Default::default()),
            HashAlgorithm::Sha3_512 => State::Sha3_512(Default::default()),
            _ => return None,
        })
    }

    fn update(&mut self, data: &[u8]) {
        match self {
            State::Sha224(h) => pgp_digest::Digest::update(h, data),
            State::Sha256(h) => pgp_digest::Digest::update(h, data),
            State::Sha384(h) => pgp_digest::Digest::update(h, data),
            State::Sha512(h) => pgp_digest::Digest::update(h, data),
            State::Sha3_256(h) => pgp_digest::Digest::update(h, data),
            State::Sha3_512(h) => pgp_digest::Digest::update(h, data),
        }
    }

    fn boxed(&self) -> Hasher {
        match self.clone() {
            State::Sha224(h) => Box::new(h),
            State::Sha256(h) => Box::new(h),
            State::Sha384(h) => Box::new(h),
            State::Sha512(h) => Box::new(h),
            State::Sha3_256(h) => Box::new(h),
            State::Sha3_512(h) => Box::new(h),
        }
    }
}

/// The data a message's signatures cover, and the hash states computed over it so far.
pub(crate) struct DataHashes<'d> {
    data: &'d [u8],
    states: Vec<(HashAlgorithm, bool, State)>,
}

impl<'d> DataHashes<'d> {
    /// Nothing hashed yet.
    pub(crate) fn new(data: &'d [u8]) -> Self {
        DataHashes {
            data,
            states: Vec::new(),
        }
    }

    /// The hash state after the data, for `algorithm` and mode, computed at most once (its
    /// bytes counted in `work` then).
    fn after_data(
        &mut self,
        algorithm: HashAlgorithm,
        text: bool,
        work: &mut Work,
    ) -> Option<Hasher> {
        if let Some((_, _, state)) = self
            .states
            .iter()
            .find(|(a, t, _)| *a == algorithm && *t == text)
        {
            return Some(state.boxed());
        }
        let mut hasher = State::new(algorithm)?;
        if text {
            // A text signature covers the data with CRLF line ends (RFC 9580 §5.2.1.2).
            let mut normalized = Vec::with_capacity(self.data.len());
            let mut reader = NormalizedReader::new(self.data, LineBreak::Crlf);
            std::io::copy(&mut reader, &mut normalized).ok()?;
            hasher.update(&normalized);
            work.bytes_hashed = work.bytes_hashed.saturating_add(normalized.len() as u64);
        } else {
            hasher.update(self.data);
            work.bytes_hashed = work.bytes_hashed.saturating_add(self.data.len() as u64);
        }
        let boxed = hasher.boxed();
        self.states.push((algorithm, text, hasher));
        Some(boxed)
    }

    /// Whether `sig` is a valid signature over the data by `key`: what rPGP's
    /// `Signature::verify` checks for a version 4 binary or text signature, with the data's hash
    /// shared between packets. The caller has checked the version, type and hash algorithm.
    pub(crate) fn verify(
        &mut self,
        sig: &Signature,
        key: &impl VerifyingKey,
        work: &mut Work,
    ) -> bool {
        let Some(config) = sig.config() else {
            return false;
        };
        let text = config.typ == SignatureType::Text;
        let Some(mut hasher) = self.after_data(config.hash_alg, text, work) else {
            return false;
        };
        let Ok(len) = config.hash_signature_data(&mut hasher) else {
            return false;
        };
        let Ok(trailer) = config.trailer(len) else {
            return false;
        };
        hasher.update(&trailer);
        let hash = hasher.finalize();
        // The two leading bytes of the hash that the packet carries: a forged packet almost
        // always fails here, before the public-key operation (as in rPGP).
        let (Some(expected), Some(&[a, b])) = (sig.signed_hash_value(), hash.get(..2)) else {
            return false;
        };
        if expected != [a, b] {
            return false;
        }
        let Some(bytes) = sig.signature() else {
            return false;
        };
        key.verify(config.hash_alg, &hash, bytes).is_ok()
    }
}
