//! PGP attestor keys and PGP-signed attestations (spec/README.md §11), with rPGP.
//!
//! A [`PgpKey`] is an attestor's `asciiArmoredPgpPublicKey`, checked when the config is compiled.
//! [`PgpKey::verify`] checks one OpenPGP signature: an attached signed message as
//! `gpg --armor --sign` makes it (or its binary form), or a detached signature over
//! `serializedPayload`. [`PgpKey::verify_attestation_counted`], which the engine uses, also
//! requires the ASCII armor GCP documents (spec/README.md §11.2). Expiry is judged at the
//! request's evaluation time; the module reads no clock.

mod armor;
mod hashes;
mod key;
mod message;

use pgp::crypto::hash::HashAlgorithm;
use pgp::packet::{Signature, SignatureType, SignatureVersion};

pub use key::{PgpKey, PgpKeyError};
pub use message::{
    MAX_DECOMPRESSED_BYTES, SignedData, SignedMessage, parse_signed_message,
    parse_signed_message_counted,
};

use crate::budget::Work;
use crate::limits::MAX_PGP_VERIFICATIONS;
use crate::time::Timestamp;
use hashes::DataHashes;
use key::{Component, Material, hex_upper};

/// Why a PGP attestation signature does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PgpFailureKind {
    /// Malformed, not made by this key or a valid signing subkey of it, or cryptographically
    /// invalid.
    Invalid,
    /// A genuine signature by a key or subkey that has expired at the evaluation time, or that
    /// has an expiry while the request gives no evaluation time.
    KeyExpired,
    /// A genuine signature by a revoked key or subkey.
    KeyRevoked,
    /// A genuine signature whose own expiration time has passed (or that expires while the
    /// request gives no evaluation time).
    SignatureExpired,
    /// A genuine signature over literal data that differs from `serializedPayload`.
    DataMismatch,
}

/// A PGP attestation signature that does not count, and why (one lower-case sentence).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PgpVerifyError {
    /// The kind of failure.
    pub kind: PgpFailureKind,
    /// What exactly is wrong.
    pub message: String,
}

/// What the signature packets of one message share while they are checked: the hashed data,
/// the count of verifications, and the work done.
struct Crypto<'h, 'd> {
    hashes: &'h mut DataHashes<'d>,
    verifications: &'h mut usize,
    work: &'h mut Work,
}

/// A PGP attestation signature that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgpVerified {
    /// The signed payload: the literal data of an attached signature, `serializedPayload` for a
    /// detached one.
    pub payload: Vec<u8>,
    /// The fingerprint of the primary key or subkey that made the signature.
    pub signer: String,
}

impl PgpKey {
    /// Verifies one attestation signature made with this key or one of its signing subkeys.
    ///
    /// `signature` is the OpenPGP data (armored text or binary packets); `payload` is the
    /// occurrence's `serializedPayload`, when it has one; `at` is the evaluation time.
    ///
    /// An attached signature's literal data must equal `payload` when both exist; a detached
    /// signature needs `payload`. The signature must be a V4 binary or text signature with SHA-2
    /// or SHA-3, made by the primary key (if its flags allow signing) or a signing subkey bound to
    /// it with a back-signature, no earlier than that key's creation and — when `at` is given —
    /// not after `at`. Neither the primary key nor the signing subkey may be revoked or expired
    /// at `at`; without `at`, a key or signature with an expiry counts as expired.
    pub fn verify(
        &self,
        signature: &[u8],
        payload: Option<&[u8]>,
        at: Option<Timestamp>,
    ) -> Result<PgpVerified, PgpVerifyError> {
        self.verify_counted(signature, payload, at, &mut Work::default())
    }

    /// [`PgpKey::verify`], adding to `work` what it cost: the bytes decoded (armor, inflated
    /// data), the bytes hashed (the signed data once per hash algorithm and mode, whatever the
    /// number of signature packets) and the public-key verifications in points. At most
    /// [`MAX_PGP_VERIFICATIONS`] verifications are made for one signature string.
    pub fn verify_counted(
        &self,
        signature: &[u8],
        payload: Option<&[u8]>,
        at: Option<Timestamp>,
        work: &mut Work,
    ) -> Result<PgpVerified, PgpVerifyError> {
        self.verify_encoded(signature, payload, at, work, false)
    }

    /// [`PgpKey::verify_counted`] for an attestation (spec §11.2): the signature must also be
    /// ASCII armor. GCP documents only `gpg --armor --sign` output ("currently only
    /// ASCII-armored, non-clearsigned" in Grafeas' `PgpSignedAttestation`), so binary packets
    /// (`gpg --sign` without `--armor`) do not count, though they are read first: a message that
    /// is malformed is reported as such, and a well-formed one costs no hashing or verification.
    pub fn verify_attestation_counted(
        &self,
        signature: &[u8],
        payload: Option<&[u8]>,
        at: Option<Timestamp>,
        work: &mut Work,
    ) -> Result<PgpVerified, PgpVerifyError> {
        self.verify_encoded(signature, payload, at, work, true)
    }

    fn verify_encoded(
        &self,
        signature: &[u8],
        payload: Option<&[u8]>,
        at: Option<Timestamp>,
        work: &mut Work,
        armor_required: bool,
    ) -> Result<PgpVerified, PgpVerifyError> {
        let invalid = |message: String| PgpVerifyError {
            kind: PgpFailureKind::Invalid,
            message,
        };
        let message = parse_signed_message_counted(signature, work).map_err(invalid)?;
        if armor_required && !message.armored {
            return Err(invalid(
                "the signature is binary OpenPGP data (`gpg --sign` without `--armor`); GCP reads only ASCII-armored signatures, so sign with `gpg --armor --sign`"
                    .to_owned(),
            ));
        }
        let data: &[u8] = match (&message.data, payload) {
            (SignedData::Attached(literal), _) => literal,
            (SignedData::Detached, Some(p)) => p,
            (SignedData::Detached, None) => {
                return Err(invalid(
                    "a detached PGP signature needs the signed bytes in serializedPayload, and the occurrence has none"
                        .to_owned(),
                ));
            }
        };
        let mut failures: Vec<(bool, PgpVerifyError)> = Vec::new();
        let mut hashes = DataHashes::new(data);
        let mut verifications = 0;
        for sig in &message.signatures {
            let mut crypto = Crypto {
                hashes: &mut hashes,
                verifications: &mut verifications,
                work: &mut *work,
            };
            match self.check_signature(sig, at, &mut crypto) {
                Ok(signer) => {
                    if let (SignedData::Attached(literal), Some(p)) = (&message.data, payload)
                        && literal.as_slice() != p
                    {
                        failures.push((
                            true,
                            PgpVerifyError {
                                kind: PgpFailureKind::DataMismatch,
                                message: format!(
                                    "the signature by {} verified, but the data it signs ({} bytes) differs from serializedPayload ({} bytes){}",
                                    signer.label(),
                                    literal.len(),
                                    p.len(),
                                    if sig.typ() == Some(SignatureType::Text) {
                                        "; a text-mode signature (gpg --textmode) stores CRLF line ends, so sign without --textmode"
                                    } else {
                                        ""
                                    }
                                ),
                            },
                        ));
                        continue;
                    }
                    return Ok(PgpVerified {
                        payload: data.to_vec(),
                        signer: signer.fingerprint.clone(),
                    });
                }
                Err(failure) => failures.push(failure),
            }
        }
        // Report a failure of a genuine signature when there is one: it says the most.
        let pick = failures
            .iter()
            .position(|(genuine, _)| *genuine)
            .unwrap_or(0);
        Err(failures
            .into_iter()
            .nth(pick)
            .map(|(_, e)| e)
            .unwrap_or_else(|| invalid("the message has no signature packet".to_owned())))
    }

    /// Checks one signature packet over `data`; on success, the component that made it. A
    /// failure is marked genuine when the signature itself verified.
    fn check_signature(
        &self,
        sig: &Signature,
        at: Option<Timestamp>,
        crypto: &mut Crypto<'_, '_>,
    ) -> Result<&Component, (bool, PgpVerifyError)> {
        let fail = |genuine: bool, kind: PgpFailureKind, message: String| {
            (genuine, PgpVerifyError { kind, message })
        };
        let invalid = |message: String| fail(false, PgpFailureKind::Invalid, message);
        let Some(config) = sig.config() else {
            return Err(invalid(format!(
                "signature packet version {:?} is not supported; only version 4 signatures are",
                sig.version()
            )));
        };
        if config.version() != SignatureVersion::V4 {
            return Err(invalid(format!(
                "signature packet version {:?} is not supported; only version 4 signatures are",
                config.version()
            )));
        }
        if !matches!(config.typ, SignatureType::Binary | SignatureType::Text) {
            return Err(invalid(format!(
                "the signature is of type {:?}, not a signature over data (binary or text)",
                config.typ
            )));
        }
        if !matches!(
            config.hash_alg,
            HashAlgorithm::Sha224
                | HashAlgorithm::Sha256
                | HashAlgorithm::Sha384
                | HashAlgorithm::Sha512
                | HashAlgorithm::Sha3_256
                | HashAlgorithm::Sha3_512
        ) {
            return Err(invalid(format!(
                "the signature uses hash algorithm {}, which is not accepted; use SHA-256 or stronger (gpg --digest-algo SHA256)",
                config.hash_alg
            )));
        }
        let issuer_fps: Vec<&[u8]> = sig
            .issuer_fingerprint()
            .into_iter()
            .map(|f| f.as_bytes())
            .collect();
        let issuer_ids: Vec<&[u8]> = sig
            .issuer_key_id()
            .into_iter()
            .map(|k| k.as_ref())
            .collect();
        let candidates: Vec<&Component> = self
            .components()
            .filter(|c| {
                (issuer_fps.is_empty() && issuer_ids.is_empty())
                    || issuer_fps.contains(&c.fingerprint_bytes.as_slice())
                    || issuer_ids.contains(&c.key_id())
            })
            .collect();
        if candidates.is_empty() {
            let issuer = issuer_fps
                .first()
                .or(issuer_ids.first())
                .map(|b| hex_upper(b))
                .unwrap_or_default();
            return Err(invalid(format!(
                "the signature was made by key {issuer}, which is neither key {} nor one of its subkeys",
                self.fingerprint()
            )));
        }
        let mut verified = None;
        for c in candidates {
            if *crypto.verifications >= MAX_PGP_VERIFICATIONS {
                return Err(invalid(format!(
                    "the message needs more than {MAX_PGP_VERIFICATIONS} signature verifications (its signature packets times the keys each may come from); binauthz stops there"
                )));
            }
            *crypto.verifications += 1;
            crypto.work.verification_points =
                crypto.work.verification_points.saturating_add(c.points);
            let ok = match &c.material {
                Material::Primary(k) => crypto.hashes.verify(sig, k, crypto.work),
                Material::Sub(k) => crypto.hashes.verify(sig, k, crypto.work),
            };
            if ok {
                verified = Some(c);
                break;
            }
        }
        let Some(signer) = verified else {
            return Err(invalid(format!(
                "the signature does not verify with key {} (the message was altered or signed by another key)",
                self.fingerprint()
            )));
        };
        let genuine = |kind: PgpFailureKind, message: String| fail(true, kind, message);
        if let Err(why) = &signer.signing {
            return Err(genuine(
                PgpFailureKind::Invalid,
                format!(
                    "the signature was made by {}, which binauthz does not accept for signing: {why}",
                    signer.label()
                ),
            ));
        }
        let whose = |c: &Component| {
            if std::ptr::eq(c, signer) {
                format!("the signature was made with {}, which", signer.label())
            } else {
                format!(
                    "the signature was made with {}, whose {}",
                    signer.label(),
                    c.label()
                )
            }
        };
        for c in [signer, &self.primary] {
            if let Some(revoked) = &c.revoked {
                return Err(genuine(
                    PgpFailureKind::KeyRevoked,
                    format!("{} is {revoked}", whose(c)),
                ));
            }
        }
        for c in [signer, &self.primary] {
            let Some(expires) = c.expires else { continue };
            let expires_text = Timestamp::from_unix_seconds(expires);
            match at {
                None => {
                    return Err(genuine(
                        PgpFailureKind::KeyExpired,
                        format!(
                            "{} expires at {expires_text}; the request has no evaluationTime, so binauthz cannot tell whether it is still valid and treats it as expired",
                            whose(c)
                        ),
                    ));
                }
                Some(now) if now.unix_seconds() >= expires => {
                    return Err(genuine(
                        PgpFailureKind::KeyExpired,
                        format!(
                            "{} expired at {expires_text} (evaluation time {now})",
                            whose(c)
                        ),
                    ));
                }
                Some(_) => {}
            }
        }
        let Some(created) = config.created().map(|t| i64::from(t.as_secs())) else {
            return Err(genuine(
                PgpFailureKind::Invalid,
                "the signature has no signature creation time".to_owned(),
            ));
        };
        let created_text = Timestamp::from_unix_seconds(created);
        if created < signer.created {
            return Err(genuine(
                PgpFailureKind::Invalid,
                format!(
                    "the signature is dated {created_text}, before {} was created ({})",
                    signer.label(),
                    Timestamp::from_unix_seconds(signer.created)
                ),
            ));
        }
        if let Some(now) = at
            && created > now.unix_seconds()
        {
            return Err(genuine(
                PgpFailureKind::Invalid,
                format!("the signature is dated {created_text}, after the evaluation time {now}"),
            ));
        }
        if let Some(lifetime) = sig
            .signature_expiration_time()
            .map(|d| i64::from(d.as_secs()))
            .filter(|&d| d != 0)
        {
            let expires_text = Timestamp::from_unix_seconds(created + lifetime);
            match at {
                None => {
                    return Err(genuine(
                        PgpFailureKind::SignatureExpired,
                        format!(
                            "the signature expires at {expires_text}, and the request has no evaluationTime, so binauthz treats it as expired"
                        ),
                    ));
                }
                Some(now) if now.unix_seconds() >= created + lifetime => {
                    return Err(genuine(
                        PgpFailureKind::SignatureExpired,
                        format!("the signature expired at {expires_text} (evaluation time {now})"),
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(signer)
    }
}

/// Whether `id` is the primary key's fingerprint, ignoring case (a PGP key's id).
pub(crate) fn fingerprint_matches(key: &PgpKey, id: &str) -> bool {
    key.primary.fingerprint.eq_ignore_ascii_case(id)
}
