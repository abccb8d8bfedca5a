//! Attestor PGP keys: the armored transferable public key `gpg --armor --export` prints, checked
//! once when the config is compiled (self-signatures, subkey bindings, revocations, expiry).

use pgp::composed::{Deserializable as _, SignedPublicKey, SignedPublicSubKey};
use pgp::crypto::ecc_curve::ECCCurve;
use pgp::crypto::hash::HashAlgorithm;
use pgp::crypto::public_key::PublicKeyAlgorithm;
use pgp::packet::{
    KeyFlags, PublicKey, PublicSubkey, RevocationCode, Signature, SignatureType, SubpacketData,
};
use pgp::ser::Serialize as _;
use pgp::types::{
    EcdsaPublicParams, EddsaLegacyPublicParams, KeyDetails as _, KeyVersion, PublicParams, Tag,
};

use super::armor;
use crate::time::Timestamp;

/// Smallest RSA modulus accepted, in bits (as for PKIX keys).
const RSA_MIN_BITS: u16 = 2048;

/// Why an armored PGP public key cannot be used as an attestor key. The message is one
/// lower-case sentence.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PgpKeyError(pub(crate) String);

/// The key material of a component (primary key or subkey).
#[derive(Debug, Clone)]
pub(crate) enum Material {
    Primary(PublicKey),
    Sub(PublicSubkey),
}

/// The primary key or one subkey, with what its self-signatures say about it.
#[derive(Debug, Clone)]
pub(crate) struct Component {
    pub(crate) material: Material,
    /// Upper-case hex V4 fingerprint.
    pub(crate) fingerprint: String,
    pub(crate) fingerprint_bytes: Vec<u8>,
    /// `RSA-3072`, `ECDSA P-256`, `Ed25519`, …
    pub(crate) algorithm: String,
    pub(crate) created: i64,
    /// When it expires (from the latest valid binding signature), if it does.
    pub(crate) expires: Option<i64>,
    /// Why it is revoked, if it is.
    pub(crate) revoked: Option<String>,
    /// `Err(why)` when it cannot make data signatures binauthz accepts.
    pub(crate) signing: Result<(), String>,
    /// What one verification with it costs ([`crate::budget`]).
    pub(crate) points: u64,
}

impl Component {
    /// `primary key FPR` or `subkey FPR`.
    pub(crate) fn label(&self) -> String {
        match self.material {
            Material::Primary(_) => format!("primary key {}", self.fingerprint),
            Material::Sub(_) => format!("subkey {}", self.fingerprint),
        }
    }

    /// The 64-bit key id (the low 8 bytes of a V4 fingerprint).
    pub(crate) fn key_id(&self) -> &[u8] {
        let n = self.fingerprint_bytes.len();
        self.fingerprint_bytes
            .get(n.saturating_sub(8)..)
            .unwrap_or_default()
    }
}

/// A validated PGP attestor key: a V4 primary key (RSA ≥ 2048 bits, ECDSA on NIST P-256/P-384/
/// P-521, or Ed25519) and its subkeys.
#[derive(Debug, Clone)]
pub struct PgpKey {
    pub(crate) primary: Component,
    pub(crate) subkeys: Vec<Component>,
    user_ids: Vec<String>,
    armored: String,
}

impl PgpKey {
    /// Parses and checks the full `gpg --armor --export` text of one key (LF or CRLF line ends,
    /// with or without subkeys).
    ///
    /// Rejected: anything but exactly one armored `PGP PUBLIC KEY BLOCK` holding exactly one key;
    /// keys other than version 4; a primary key that is not RSA of at least 2048 bits, ECDSA on a
    /// NIST curve or Ed25519; a primary key without a valid self-signature. Subkeys that cannot
    /// sign (encryption subkeys, unsupported algorithms, missing or invalid bindings) are kept but
    /// never verify a signature; expiry and revocation are judged at verification time.
    pub fn from_armored(text: &str) -> Result<PgpKey, PgpKeyError> {
        let err = |m: String| PgpKeyError(m);
        let block = armor::decode(text.as_bytes()).map_err(err)?;
        match block.label.as_str() {
            "PUBLIC KEY BLOCK" => {}
            "PRIVATE KEY BLOCK" => {
                return Err(err(
                    "this is a PGP private key; give the public key (`gpg --armor --export KEY`), never the private one"
                        .to_owned(),
                ));
            }
            other => {
                return Err(err(format!(
                    "expected a `-----BEGIN PGP PUBLIC KEY BLOCK-----` armor, found `PGP {other}`"
                )));
            }
        }
        let mut keys = SignedPublicKey::from_bytes_many(&block.data[..])
            .map_err(|e| err(format!("the key block cannot be parsed: {e}")))?;
        let key = match keys.next() {
            Some(Ok(k)) => k,
            Some(Err(e)) => return Err(err(format!("the key block cannot be parsed: {e}"))),
            None => return Err(err("the key block holds no public key".to_owned())),
        };
        match keys.next() {
            None => {}
            Some(Ok(_)) => {
                return Err(err(
                    "the key block holds more than one key; give one key per attestor public key entry"
                        .to_owned(),
                ));
            }
            Some(Err(e)) => {
                return Err(err(format!(
                    "the key block has data after the key that cannot be parsed: {e}"
                )));
            }
        }
        let mut key = Self::from_signed(&key)?;
        key.armored = text.to_owned();
        Ok(key)
    }

    fn from_signed(key: &SignedPublicKey) -> Result<PgpKey, PgpKeyError> {
        let err = |m: String| PgpKeyError(m);
        let primary = &key.primary_key;
        let fingerprint_bytes = primary.fingerprint().as_bytes().to_vec();
        let fingerprint = hex_upper(&fingerprint_bytes);
        if primary.version() != KeyVersion::V4 {
            return Err(err(format!(
                "key {fingerprint} is an OpenPGP version {} key; only version 4 keys (40-hex-digit fingerprints) are supported",
                u8::from(primary.version())
            )));
        }
        let algorithm = signing_algorithm(primary.algorithm(), primary.public_params())
            .map_err(|why| err(format!("primary key {fingerprint}: {why}")))?;
        let created = i64::from(primary.created_at().as_secs());

        // The self-signatures that bind the primary key: direct-key signatures and user-ID
        // certifications by the primary key itself, on user IDs that are not revoked.
        let mut bindings: Vec<&Signature> = key
            .details
            .direct_signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::Key) && acceptable_self_sig(s))
            .filter(|s| s.verify_key(primary).is_ok())
            .collect();
        let mut user_ids = Vec::new();
        for user in &key.details.users {
            // Third-party certifications (issued by other keys) are skipped unverified.
            let certifies = |s: &&Signature| {
                issued_by(s, &fingerprint_bytes)
                    && s.verify_certification(primary, Tag::UserId, &user.id)
                        .is_ok()
            };
            let revoked = user
                .signatures
                .iter()
                .filter(|s| s.typ() == Some(SignatureType::CertRevocation))
                .any(|s| certifies(&s));
            if revoked {
                continue;
            }
            let before = bindings.len();
            bindings.extend(
                user.signatures
                    .iter()
                    .filter(|s| is_certification(s) && acceptable_self_sig(s))
                    .filter(certifies),
            );
            if bindings.len() > before {
                user_ids.push(String::from_utf8_lossy(user.id.id()).into_owned());
            }
        }
        let binding = latest(&bindings).ok_or_else(|| {
            err(format!(
                "primary key {fingerprint} has no valid self-signature (a user ID certification or direct-key signature made by the key itself)"
            ))
        })?;
        let signing = match explicit_key_flags(binding) {
            Some(flags) if !flags.sign() => Err(format!(
                "primary key {fingerprint} is not marked for signing (its key flags lack `sign`)"
            )),
            _ => Ok(()),
        };
        let revoked = revocation(&key.details.revocation_signatures);
        let primary_component = Component {
            material: Material::Primary(primary.clone()),
            fingerprint,
            fingerprint_bytes,
            algorithm,
            created,
            expires: expiry(created, binding),
            revoked,
            signing,
            points: verification_points(primary.public_params()),
        };
        let subkeys = key
            .public_subkeys
            .iter()
            .map(|sub| subkey_component(primary, sub))
            .collect();
        Ok(PgpKey {
            primary: primary_component,
            subkeys,
            user_ids,
            armored: String::new(),
        })
    }

    /// The armored text the key was read from, as given.
    pub fn armored(&self) -> &str {
        &self.armored
    }

    /// The upper-case 40-hex V4 fingerprint of the primary key: the attestor key id.
    pub fn fingerprint(&self) -> &str {
        &self.primary.fingerprint
    }

    /// `PGP_RSA`, `PGP_ECDSA` or `PGP_EDDSA`, after the primary key (for summaries).
    pub fn algorithm_name(&self) -> &'static str {
        match &self.primary.material {
            Material::Primary(k) => match k.public_params() {
                PublicParams::RSA(_) => "PGP_RSA",
                PublicParams::ECDSA(_) => "PGP_ECDSA",
                _ => "PGP_EDDSA",
            },
            Material::Sub(_) => "PGP",
        }
    }

    /// The primary key's algorithm and size, e.g. `RSA-3072`, `ECDSA P-256`, `Ed25519`.
    pub fn primary_algorithm(&self) -> &str {
        &self.primary.algorithm
    }

    /// The user IDs with a valid self-signature, in key order.
    pub fn user_ids(&self) -> &[String] {
        &self.user_ids
    }

    /// When the primary key expires, if it does.
    pub fn expires(&self) -> Option<Timestamp> {
        self.primary.expires.map(Timestamp::from_unix_seconds)
    }

    /// Why the primary key is revoked, if it is.
    pub fn revoked(&self) -> Option<&str> {
        self.primary.revoked.as_deref()
    }

    /// Fingerprints of the subkeys that can make signatures binauthz accepts (whatever their
    /// expiry and revocation).
    pub fn signing_subkeys(&self) -> Vec<&str> {
        self.subkeys
            .iter()
            .filter(|s| s.signing.is_ok())
            .map(|s| s.fingerprint.as_str())
            .collect()
    }

    /// The primary key and every subkey, primary first.
    pub(crate) fn components(&self) -> impl Iterator<Item = &Component> {
        std::iter::once(&self.primary).chain(&self.subkeys)
    }
}

fn subkey_component(primary: &PublicKey, sub: &SignedPublicSubKey) -> Component {
    let key = &sub.key;
    let fingerprint_bytes = key.fingerprint().as_bytes().to_vec();
    let fingerprint = hex_upper(&fingerprint_bytes);
    let created = i64::from(key.created_at().as_secs());
    let algorithm = signing_algorithm(key.algorithm(), key.public_params());
    let bindings: Vec<&Signature> = sub
        .signatures
        .iter()
        .filter(|s| s.typ() == Some(SignatureType::SubkeyBinding) && acceptable_self_sig(s))
        .filter(|s| s.verify_subkey_binding(primary, key).is_ok())
        .collect();
    let binding = latest(&bindings);
    let revoked = revocation(
        &sub.signatures
            .iter()
            .filter(|s| s.typ() == Some(SignatureType::SubkeyRevocation))
            .cloned()
            .collect::<Vec<_>>(),
    );
    let signing = match (&algorithm, binding) {
        (Err(why), _) => Err(why.clone()),
        _ if key.version() != KeyVersion::V4 => Err("it is not a version 4 key".to_owned()),
        (Ok(_), None) => Err("it has no valid binding signature from the primary key".to_owned()),
        (Ok(_), Some(b)) if !explicit_key_flags(b).is_some_and(|f| f.sign()) => {
            Err("its binding signature does not mark it for signing".to_owned())
        }
        (Ok(_), Some(b)) => match b.embedded_signature() {
            Some(back) if back.verify_primary_key_binding(key, primary).is_ok() => Ok(()),
            _ => Err(
                "its binding has no valid primary-key binding (back) signature made by the subkey"
                    .to_owned(),
            ),
        },
    };
    Component {
        material: Material::Sub(key.clone()),
        fingerprint,
        fingerprint_bytes,
        algorithm: algorithm.unwrap_or_else(|_| format!("{:?}", key.algorithm())),
        created,
        expires: binding.and_then(|b| expiry(created, b)),
        revoked,
        signing,
        points: verification_points(key.public_params()),
    }
}

/// The algorithm description of a key binauthz can verify signatures with, or why not.
fn signing_algorithm(alg: PublicKeyAlgorithm, params: &PublicParams) -> Result<String, String> {
    match params {
        PublicParams::RSA(_) => {
            if !matches!(alg, PublicKeyAlgorithm::RSA | PublicKeyAlgorithm::RSASign) {
                return Err("it is an encryption-only RSA key".to_owned());
            }
            let bits =
                rsa_bits(params).ok_or_else(|| "its RSA modulus cannot be read".to_owned())?;
            if bits < RSA_MIN_BITS {
                return Err(format!(
                    "RSA key of {bits} bits is below the {RSA_MIN_BITS}-bit minimum"
                ));
            }
            Ok(format!("RSA-{bits}"))
        }
        PublicParams::ECDSA(p) => match p {
            EcdsaPublicParams::P256 { .. } => Ok("ECDSA P-256".to_owned()),
            EcdsaPublicParams::P384 { .. } => Ok("ECDSA P-384".to_owned()),
            EcdsaPublicParams::P521 { .. } => Ok("ECDSA P-521".to_owned()),
            other => Err(format!(
                "ECDSA curve {} is not supported; use NIST P-256, P-384 or P-521",
                curve_name(&other.curve())
            )),
        },
        PublicParams::EdDSALegacy(EddsaLegacyPublicParams::Ed25519 { .. })
        | PublicParams::Ed25519(_) => Ok("Ed25519".to_owned()),
        PublicParams::EdDSALegacy(EddsaLegacyPublicParams::Unsupported { curve, .. }) => {
            Err(format!(
                "EdDSA curve {} is not supported; use Ed25519",
                curve_name(curve)
            ))
        }
        _ => Err(format!(
            "public key algorithm {alg:?} is not supported; use RSA (2048 bits or more), ECDSA on NIST P-256/P-384/P-521, or Ed25519"
        )),
    }
}

/// The points of one verification with a key of these parameters, as for PKIX keys of the same
/// kind; Ed25519 costs about what RSA-2048 does, and a kind binauthz cannot use as much as P-256.
fn verification_points(params: &PublicParams) -> u64 {
    use crate::budget::{pkix_points, rsa_points};
    use crate::crypto::SignatureAlgorithm;
    match params {
        PublicParams::RSA(_) => rsa_points(rsa_bits(params).map_or(4096, u64::from)),
        PublicParams::ECDSA(EcdsaPublicParams::P384 { .. }) => {
            pkix_points(SignatureAlgorithm::EcdsaP384Sha384)
        }
        PublicParams::ECDSA(EcdsaPublicParams::P521 { .. }) => {
            pkix_points(SignatureAlgorithm::EcdsaP521Sha512)
        }
        PublicParams::EdDSALegacy(_) | PublicParams::Ed25519(_) => 1,
        _ => pkix_points(SignatureAlgorithm::EcdsaP256Sha256),
    }
}

/// The bit length of an RSA modulus, read from the serialized MPI (2-byte bit count first).
fn rsa_bits(params: &PublicParams) -> Option<u16> {
    let bytes = params.to_bytes().ok()?;
    Some(u16::from_be_bytes([*bytes.first()?, *bytes.get(1)?]))
}

fn curve_name(curve: &ECCCurve) -> String {
    format!("{curve:?}")
}

fn is_certification(sig: &Signature) -> bool {
    matches!(
        sig.typ(),
        Some(
            SignatureType::CertGeneric
                | SignatureType::CertPersona
                | SignatureType::CertCasual
                | SignatureType::CertPositive
        )
    )
}

/// Whether `sig` names the key with fingerprint `fp` as its issuer, or names no issuer.
fn issued_by(sig: &Signature, fp: &[u8]) -> bool {
    let fps = sig.issuer_fingerprint();
    let ids = sig.issuer_key_id();
    let key_id = fp.get(fp.len().saturating_sub(8)..).unwrap_or_default();
    (fps.is_empty() && ids.is_empty())
        || fps.iter().any(|f| f.as_bytes() == fp)
        || ids.iter().any(|k| k.as_ref() == key_id)
}

/// Self-signatures with MD5 or an unknown hash are ignored (SHA-1 is still accepted here, for
/// old keys; data signatures need SHA-2 or SHA-3).
fn acceptable_self_sig(sig: &Signature) -> bool {
    sig.created().is_some()
        && matches!(
            sig.hash_alg(),
            Some(
                HashAlgorithm::Sha1
                    | HashAlgorithm::Sha224
                    | HashAlgorithm::Sha256
                    | HashAlgorithm::Sha384
                    | HashAlgorithm::Sha512
                    | HashAlgorithm::Sha3_256
                    | HashAlgorithm::Sha3_512
            )
        )
}

/// The binding signature in force: the most recent; among equally recent ones, the one whose
/// key expiry comes first (fail closed).
fn latest<'a>(sigs: &[&'a Signature]) -> Option<&'a Signature> {
    sigs.iter().copied().max_by_key(|s| {
        let created = s.created().map_or(0, |t| t.as_secs());
        let lifetime = s
            .key_expiration_time()
            .map(|d| d.as_secs())
            .filter(|&d| d != 0)
            .unwrap_or(u32::MAX);
        (created, std::cmp::Reverse(lifetime))
    })
}

/// The key flags subpacket of a binding signature, if it has one.
fn explicit_key_flags(sig: &Signature) -> Option<KeyFlags> {
    sig.config()?
        .hashed_subpackets()
        .find_map(|p| match &p.data {
            SubpacketData::KeyFlags(f) => Some(f.clone()),
            _ => None,
        })
}

/// Creation time plus the binding signature's key expiration time (none, or 0: never).
fn expiry(created: i64, binding: &Signature) -> Option<i64> {
    binding
        .key_expiration_time()
        .map(|d| i64::from(d.as_secs()))
        .filter(|&d| d != 0)
        .map(|d| created + d)
}

/// Describes the revocation among `sigs`, if any. Revocation signatures are not verified: the
/// attestor config is trusted input, and any revocation in it makes the key unusable (fail
/// closed), whatever its reason or date.
fn revocation(sigs: &[Signature]) -> Option<String> {
    let sig = sigs
        .iter()
        .min_by_key(|s| s.created().map_or(0, |t| t.as_secs()))?;
    let mut details = Vec::new();
    if let Some(t) = sig.created() {
        details.push(format!(
            "revocation dated {}",
            Timestamp::from_unix_seconds(i64::from(t.as_secs()))
        ));
    }
    if let Some(code) = sig.revocation_reason_code() {
        let mut reason = match code {
            RevocationCode::NoReason => "no reason given".to_owned(),
            RevocationCode::KeySuperseded => "key superseded".to_owned(),
            RevocationCode::KeyCompromised => "key compromised".to_owned(),
            RevocationCode::KeyRetired => "key retired".to_owned(),
            other => format!("{other:?}"),
        };
        if let Some(why) = sig.revocation_reason_string().filter(|s| !s.is_empty()) {
            let why = String::from_utf8_lossy(why);
            let why: String = why.chars().filter(|c| !c.is_control()).take(200).collect();
            reason.push_str(&format!(", \"{why}\""));
        }
        details.push(format!("reason: {reason}"));
    }
    let text = if details.is_empty() {
        "revoked".to_owned()
    } else {
        format!("revoked ({})", details.join("; "))
    };
    Some(text)
}

pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect()
}
