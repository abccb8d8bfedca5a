//! The object identifiers of key algorithms and elliptic curves: which ones Binary Authorization
//! PKIX keys use, and the names of well-known others for error messages.
//!
//! One table for every reader of keys: [`PkixKey`](super::PkixKey) for attestors' public keys,
//! and the `binauthz` CLI for the private keys it signs with (a PKCS#8 `PrivateKeyInfo` names its
//! algorithm and curve with the same identifiers as a `SubjectPublicKeyInfo`).

use super::algorithm::KeyKind;

pub(crate) const OID_RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
pub(crate) const OID_RSASSA_PSS: &str = "1.2.840.113549.1.1.10";
pub(crate) const OID_EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
pub(crate) const OID_P256: &str = "1.2.840.10045.3.1.7";
pub(crate) const OID_P384: &str = "1.3.132.0.34";
pub(crate) const OID_P521: &str = "1.3.132.0.35";

/// Well-known key algorithm OIDs, named in error messages.
const KEY_ALGORITHM_NAMES: &[(&str, &str)] = &[
    (OID_RSA_ENCRYPTION, "rsaEncryption"),
    (OID_RSASSA_PSS, "RSASSA-PSS"),
    ("1.2.840.113549.1.1.7", "RSAES-OAEP"),
    (OID_EC_PUBLIC_KEY, "id-ecPublicKey"),
    ("1.3.132.1.12", "id-ecDH"),
    ("1.3.132.1.13", "id-ecMQV"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.10046.2.1", "Diffie-Hellman"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.156.10197.1.301", "SM2"),
    ("2.16.840.1.101.3.4.3.17", "ML-DSA-44"),
    ("2.16.840.1.101.3.4.3.18", "ML-DSA-65"),
    ("2.16.840.1.101.3.4.3.19", "ML-DSA-87"),
];

/// Well-known elliptic curve OIDs, named in error messages.
const CURVE_NAMES: &[(&str, &str)] = &[
    (OID_P256, "P-256"),
    (OID_P384, "P-384"),
    (OID_P521, "P-521"),
    ("1.2.840.10045.3.1.1", "P-192"),
    ("1.3.132.0.33", "P-224"),
    ("1.3.132.0.10", "secp256k1"),
    ("1.3.36.3.3.2.8.1.1.7", "brainpoolP256r1"),
    ("1.3.36.3.3.2.8.1.1.11", "brainpoolP384r1"),
    ("1.3.36.3.3.2.8.1.1.13", "brainpoolP512r1"),
    ("1.2.156.10197.1.301", "SM2"),
];

fn lookup(table: &[(&str, &'static str)], oid: &str) -> Option<&'static str> {
    table
        .iter()
        .find(|(known, _)| *known == oid)
        .map(|(_, name)| *name)
}

/// The key algorithm named by the OID of a key's `AlgorithmIdentifier` (in a
/// `SubjectPublicKeyInfo` or a PKCS#8 `PrivateKeyInfo`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// `rsaEncryption` (1.2.840.113549.1.1.1): the RSA keys of every `RSA_PSS_*` and
    /// `RSA_SIGN_PKCS1_*` algorithm.
    Rsa,
    /// `id-ecPublicKey` (1.2.840.10045.2.1): an EC key, whose parameters name the curve (see
    /// [`KeyKind::from_curve_oid`]).
    Ec,
    /// `RSASSA-PSS` (1.2.840.113549.1.1.10): an RSA key restricted to PSS, which Binary
    /// Authorization does not accept (it needs `rsaEncryption`, also for PSS).
    RsassaPss,
    /// Any other algorithm, which Binary Authorization PKIX keys do not use.
    Unsupported {
        /// The algorithm's well-known name (e.g. "Ed25519"), when recognised.
        name: Option<&'static str>,
    },
}

impl KeyAlgorithm {
    /// The algorithm of the dotted OID `oid` (e.g. "1.2.840.10045.2.1").
    pub fn from_oid(oid: &str) -> KeyAlgorithm {
        match oid {
            OID_RSA_ENCRYPTION => KeyAlgorithm::Rsa,
            OID_EC_PUBLIC_KEY => KeyAlgorithm::Ec,
            OID_RSASSA_PSS => KeyAlgorithm::RsassaPss,
            _ => KeyAlgorithm::Unsupported {
                name: lookup(KEY_ALGORITHM_NAMES, oid),
            },
        }
    }

    /// The algorithm's well-known name ("rsaEncryption", "id-ecPublicKey", "RSASSA-PSS",
    /// "Ed25519", ...), when recognised.
    pub fn name(self) -> Option<&'static str> {
        match self {
            KeyAlgorithm::Rsa => Some("rsaEncryption"),
            KeyAlgorithm::Ec => Some("id-ecPublicKey"),
            KeyAlgorithm::RsassaPss => Some("RSASSA-PSS"),
            KeyAlgorithm::Unsupported { name } => name,
        }
    }
}

impl KeyKind {
    /// The kind of EC key on the named curve `oid` (dotted): P-256, P-384 or P-521, the curves
    /// Binary Authorization supports; `None` for any other curve.
    pub fn from_curve_oid(oid: &str) -> Option<KeyKind> {
        match oid {
            OID_P256 => Some(KeyKind::EcP256),
            OID_P384 => Some(KeyKind::EcP384),
            OID_P521 => Some(KeyKind::EcP521),
            _ => None,
        }
    }
}

/// The well-known name of the curve `oid` (e.g. "secp256k1"), for error messages.
pub(crate) fn curve_name(oid: &str) -> Option<&'static str> {
    lookup(CURVE_NAMES, oid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_named_algorithm_reads_back_its_name() {
        for (oid, name) in KEY_ALGORITHM_NAMES {
            assert_eq!(KeyAlgorithm::from_oid(oid).name(), Some(*name), "{oid}");
        }
        assert_eq!(
            KeyAlgorithm::from_oid("1.3.101.112"),
            KeyAlgorithm::Unsupported {
                name: Some("Ed25519")
            }
        );
        assert_eq!(
            KeyAlgorithm::from_oid("1.2.3.4"),
            KeyAlgorithm::Unsupported { name: None }
        );
    }

    #[test]
    fn the_three_curves() {
        assert_eq!(KeyKind::from_curve_oid(OID_P256), Some(KeyKind::EcP256));
        assert_eq!(KeyKind::from_curve_oid(OID_P384), Some(KeyKind::EcP384));
        assert_eq!(KeyKind::from_curve_oid(OID_P521), Some(KeyKind::EcP521));
        assert_eq!(KeyKind::from_curve_oid("1.3.132.0.10"), None);
        assert_eq!(curve_name("1.3.132.0.10"), Some("secp256k1"));
        assert_eq!(curve_name(OID_P256), Some("P-256"));
    }
}
