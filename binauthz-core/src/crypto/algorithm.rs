//! The signature algorithms of GCP's `PkixPublicKey.SignatureAlgorithm` enum.

use std::fmt;

/// GCP's `PkixPublicKey.SignatureAlgorithm` (the 11 values usable with PKIX keys).
///
/// Every variant fixes the key type, the exact key size or curve, the padding (for RSA)
/// and the message digest. `SIGNATURE_ALGORITHM_UNSPECIFIED` and `ML_DSA_65` are not
/// represented: [`SignatureAlgorithm::from_name`] returns `None` for them so that the
/// caller can report them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SignatureAlgorithm {
    /// `RSA_PSS_2048_SHA256` (alias `RSA_SIGN_PSS_2048_SHA256`).
    RsaPss2048Sha256,
    /// `RSA_PSS_3072_SHA256` (alias `RSA_SIGN_PSS_3072_SHA256`).
    RsaPss3072Sha256,
    /// `RSA_PSS_4096_SHA256` (alias `RSA_SIGN_PSS_4096_SHA256`).
    RsaPss4096Sha256,
    /// `RSA_PSS_4096_SHA512` (alias `RSA_SIGN_PSS_4096_SHA512`).
    RsaPss4096Sha512,
    /// `RSA_SIGN_PKCS1_2048_SHA256`.
    RsaPkcs1_2048Sha256,
    /// `RSA_SIGN_PKCS1_3072_SHA256`.
    RsaPkcs1_3072Sha256,
    /// `RSA_SIGN_PKCS1_4096_SHA256`.
    RsaPkcs1_4096Sha256,
    /// `RSA_SIGN_PKCS1_4096_SHA512`.
    RsaPkcs1_4096Sha512,
    /// `ECDSA_P256_SHA256` (alias `EC_SIGN_P256_SHA256`).
    EcdsaP256Sha256,
    /// `ECDSA_P384_SHA384` (alias `EC_SIGN_P384_SHA384`).
    EcdsaP384Sha384,
    /// `ECDSA_P521_SHA512` (alias `EC_SIGN_P521_SHA512`).
    EcdsaP521Sha512,
}

/// The kind of public key: RSA with a modulus size, or EC on a named curve.
///
/// Its [`Display`](fmt::Display) form is a noun phrase such as "an RSA 2048-bit key"
/// or "an EC P-256 key".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// An RSA key whose modulus is `modulus_bits` bits long.
    Rsa {
        /// Bit length of the modulus `n`.
        modulus_bits: usize,
    },
    /// An EC key on NIST P-256 (secp256r1).
    EcP256,
    /// An EC key on NIST P-384 (secp384r1).
    EcP384,
    /// An EC key on NIST P-521 (secp521r1).
    EcP521,
}

impl fmt::Display for KeyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyKind::Rsa { modulus_bits } => write!(f, "an RSA {modulus_bits}-bit key"),
            KeyKind::EcP256 => f.write_str("an EC P-256 key"),
            KeyKind::EcP384 => f.write_str("an EC P-384 key"),
            KeyKind::EcP521 => f.write_str("an EC P-521 key"),
        }
    }
}

/// The message digest a [`SignatureAlgorithm`] uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DigestAlgorithm {
    /// SHA-256 (32-byte digest).
    Sha256,
    /// SHA-384 (48-byte digest).
    Sha384,
    /// SHA-512 (64-byte digest).
    Sha512,
}

impl DigestAlgorithm {
    /// Conventional name, e.g. "SHA-256".
    pub fn name(self) -> &'static str {
        match self {
            DigestAlgorithm::Sha256 => "SHA-256",
            DigestAlgorithm::Sha384 => "SHA-384",
            DigestAlgorithm::Sha512 => "SHA-512",
        }
    }

    /// Digest length in bytes (also the RSA-PSS salt length GCP requires).
    pub fn output_len(self) -> usize {
        match self {
            DigestAlgorithm::Sha256 => 32,
            DigestAlgorithm::Sha384 => 48,
            DigestAlgorithm::Sha512 => 64,
        }
    }
}

impl fmt::Display for DigestAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The signature scheme family of a [`SignatureAlgorithm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignatureScheme {
    /// RSASSA-PSS with MGF1 using the same digest and a salt as long as the digest.
    RsaPss,
    /// RSASSA-PKCS1-v1_5 with the standard `DigestInfo` encoding.
    RsaPkcs1v15,
    /// ECDSA with an ASN.1 DER `SEQUENCE { r, s }` signature.
    Ecdsa,
}

impl SignatureScheme {
    /// Conventional name: "RSA-PSS", "RSA PKCS#1 v1.5" or "ECDSA".
    pub fn name(self) -> &'static str {
        match self {
            SignatureScheme::RsaPss => "RSA-PSS",
            SignatureScheme::RsaPkcs1v15 => "RSA PKCS#1 v1.5",
            SignatureScheme::Ecdsa => "ECDSA",
        }
    }
}

impl fmt::Display for SignatureScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl SignatureAlgorithm {
    /// Every usable value, in declaration order.
    pub const ALL: [SignatureAlgorithm; 11] = [
        SignatureAlgorithm::RsaPss2048Sha256,
        SignatureAlgorithm::RsaPss3072Sha256,
        SignatureAlgorithm::RsaPss4096Sha256,
        SignatureAlgorithm::RsaPss4096Sha512,
        SignatureAlgorithm::RsaPkcs1_2048Sha256,
        SignatureAlgorithm::RsaPkcs1_3072Sha256,
        SignatureAlgorithm::RsaPkcs1_4096Sha256,
        SignatureAlgorithm::RsaPkcs1_4096Sha512,
        SignatureAlgorithm::EcdsaP256Sha256,
        SignatureAlgorithm::EcdsaP384Sha384,
        SignatureAlgorithm::EcdsaP521Sha512,
    ];

    /// Parses any GCP name, including aliases.
    ///
    /// Matching is exact and case-sensitive. Returns `None` for unknown names and also
    /// for `SIGNATURE_ALGORITHM_UNSPECIFIED` and `ML_DSA_65`, which the caller reports.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|alg| alg.names().contains(&name))
    }

    /// Canonical (first-declared) proto name, e.g. `RSA_PSS_2048_SHA256`.
    pub fn name(self) -> &'static str {
        match self.names().first() {
            Some(name) => name,
            None => "",
        }
    }

    /// All accepted spellings for this value: canonical name first, then the alias if any.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            SignatureAlgorithm::RsaPss2048Sha256 => {
                &["RSA_PSS_2048_SHA256", "RSA_SIGN_PSS_2048_SHA256"]
            }
            SignatureAlgorithm::RsaPss3072Sha256 => {
                &["RSA_PSS_3072_SHA256", "RSA_SIGN_PSS_3072_SHA256"]
            }
            SignatureAlgorithm::RsaPss4096Sha256 => {
                &["RSA_PSS_4096_SHA256", "RSA_SIGN_PSS_4096_SHA256"]
            }
            SignatureAlgorithm::RsaPss4096Sha512 => {
                &["RSA_PSS_4096_SHA512", "RSA_SIGN_PSS_4096_SHA512"]
            }
            SignatureAlgorithm::RsaPkcs1_2048Sha256 => &["RSA_SIGN_PKCS1_2048_SHA256"],
            SignatureAlgorithm::RsaPkcs1_3072Sha256 => &["RSA_SIGN_PKCS1_3072_SHA256"],
            SignatureAlgorithm::RsaPkcs1_4096Sha256 => &["RSA_SIGN_PKCS1_4096_SHA256"],
            SignatureAlgorithm::RsaPkcs1_4096Sha512 => &["RSA_SIGN_PKCS1_4096_SHA512"],
            SignatureAlgorithm::EcdsaP256Sha256 => &["ECDSA_P256_SHA256", "EC_SIGN_P256_SHA256"],
            SignatureAlgorithm::EcdsaP384Sha384 => &["ECDSA_P384_SHA384", "EC_SIGN_P384_SHA384"],
            SignatureAlgorithm::EcdsaP521Sha512 => &["ECDSA_P521_SHA512", "EC_SIGN_P521_SHA512"],
        }
    }

    /// Human description of the key this algorithm needs, e.g. "an RSA 2048-bit key"
    /// or "an EC P-256 key".
    pub fn key_description(self) -> &'static str {
        match self.key_kind() {
            KeyKind::Rsa { modulus_bits: 2048 } => "an RSA 2048-bit key",
            KeyKind::Rsa { modulus_bits: 3072 } => "an RSA 3072-bit key",
            KeyKind::Rsa { .. } => "an RSA 4096-bit key",
            KeyKind::EcP256 => "an EC P-256 key",
            KeyKind::EcP384 => "an EC P-384 key",
            KeyKind::EcP521 => "an EC P-521 key",
        }
    }

    /// The exact kind of key this algorithm needs.
    pub fn key_kind(self) -> KeyKind {
        match self {
            SignatureAlgorithm::RsaPss2048Sha256 | SignatureAlgorithm::RsaPkcs1_2048Sha256 => {
                KeyKind::Rsa { modulus_bits: 2048 }
            }
            SignatureAlgorithm::RsaPss3072Sha256 | SignatureAlgorithm::RsaPkcs1_3072Sha256 => {
                KeyKind::Rsa { modulus_bits: 3072 }
            }
            SignatureAlgorithm::RsaPss4096Sha256
            | SignatureAlgorithm::RsaPss4096Sha512
            | SignatureAlgorithm::RsaPkcs1_4096Sha256
            | SignatureAlgorithm::RsaPkcs1_4096Sha512 => KeyKind::Rsa { modulus_bits: 4096 },
            SignatureAlgorithm::EcdsaP256Sha256 => KeyKind::EcP256,
            SignatureAlgorithm::EcdsaP384Sha384 => KeyKind::EcP384,
            SignatureAlgorithm::EcdsaP521Sha512 => KeyKind::EcP521,
        }
    }

    /// The message digest this algorithm uses.
    pub fn digest(self) -> DigestAlgorithm {
        match self {
            SignatureAlgorithm::RsaPss2048Sha256
            | SignatureAlgorithm::RsaPss3072Sha256
            | SignatureAlgorithm::RsaPss4096Sha256
            | SignatureAlgorithm::RsaPkcs1_2048Sha256
            | SignatureAlgorithm::RsaPkcs1_3072Sha256
            | SignatureAlgorithm::RsaPkcs1_4096Sha256
            | SignatureAlgorithm::EcdsaP256Sha256 => DigestAlgorithm::Sha256,
            SignatureAlgorithm::EcdsaP384Sha384 => DigestAlgorithm::Sha384,
            SignatureAlgorithm::RsaPss4096Sha512
            | SignatureAlgorithm::RsaPkcs1_4096Sha512
            | SignatureAlgorithm::EcdsaP521Sha512 => DigestAlgorithm::Sha512,
        }
    }

    /// The signature scheme family (RSA-PSS, RSA PKCS#1 v1.5 or ECDSA).
    pub fn scheme(self) -> SignatureScheme {
        match self {
            SignatureAlgorithm::RsaPss2048Sha256
            | SignatureAlgorithm::RsaPss3072Sha256
            | SignatureAlgorithm::RsaPss4096Sha256
            | SignatureAlgorithm::RsaPss4096Sha512 => SignatureScheme::RsaPss,
            SignatureAlgorithm::RsaPkcs1_2048Sha256
            | SignatureAlgorithm::RsaPkcs1_3072Sha256
            | SignatureAlgorithm::RsaPkcs1_4096Sha256
            | SignatureAlgorithm::RsaPkcs1_4096Sha512 => SignatureScheme::RsaPkcs1v15,
            SignatureAlgorithm::EcdsaP256Sha256
            | SignatureAlgorithm::EcdsaP384Sha384
            | SignatureAlgorithm::EcdsaP521Sha512 => SignatureScheme::Ecdsa,
        }
    }
}

impl fmt::Display for SignatureAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_round_trips() {
        let mut count = 0;
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(alg.names()[0], alg.name());
            for name in alg.names() {
                assert_eq!(SignatureAlgorithm::from_name(name), Some(alg), "{name}");
                count += 1;
            }
            assert_eq!(alg.to_string(), alg.name());
        }
        assert_eq!(count, 18);
    }

    #[test]
    fn canonical_names() {
        use SignatureAlgorithm::*;
        let expected = [
            (RsaPss2048Sha256, "RSA_PSS_2048_SHA256"),
            (RsaPss3072Sha256, "RSA_PSS_3072_SHA256"),
            (RsaPss4096Sha256, "RSA_PSS_4096_SHA256"),
            (RsaPss4096Sha512, "RSA_PSS_4096_SHA512"),
            (RsaPkcs1_2048Sha256, "RSA_SIGN_PKCS1_2048_SHA256"),
            (RsaPkcs1_3072Sha256, "RSA_SIGN_PKCS1_3072_SHA256"),
            (RsaPkcs1_4096Sha256, "RSA_SIGN_PKCS1_4096_SHA256"),
            (RsaPkcs1_4096Sha512, "RSA_SIGN_PKCS1_4096_SHA512"),
            (EcdsaP256Sha256, "ECDSA_P256_SHA256"),
            (EcdsaP384Sha384, "ECDSA_P384_SHA384"),
            (EcdsaP521Sha512, "ECDSA_P521_SHA512"),
        ];
        for (alg, name) in expected {
            assert_eq!(alg.name(), name);
        }
    }

    #[test]
    fn unknown_and_reserved_names() {
        for name in [
            "",
            "SIGNATURE_ALGORITHM_UNSPECIFIED",
            "ML_DSA_65",
            "rsa_pss_2048_sha256",
            "RSA_PSS_2048_SHA256 ",
            "RSA_PKCS1_2048_SHA256",
            "ECDSA_P256_SHA384",
        ] {
            assert_eq!(SignatureAlgorithm::from_name(name), None, "{name:?}");
        }
    }

    #[test]
    fn key_descriptions_match_key_kind() {
        for alg in SignatureAlgorithm::ALL {
            assert_eq!(alg.key_description(), alg.key_kind().to_string());
        }
        assert_eq!(
            SignatureAlgorithm::RsaPss2048Sha256.key_description(),
            "an RSA 2048-bit key"
        );
        assert_eq!(
            SignatureAlgorithm::EcdsaP256Sha256.key_description(),
            "an EC P-256 key"
        );
    }

    #[test]
    fn digests() {
        assert_eq!(
            SignatureAlgorithm::RsaPss4096Sha512.digest(),
            DigestAlgorithm::Sha512
        );
        assert_eq!(
            SignatureAlgorithm::EcdsaP384Sha384.digest(),
            DigestAlgorithm::Sha384
        );
        assert_eq!(DigestAlgorithm::Sha512.output_len(), 64);
    }
}
