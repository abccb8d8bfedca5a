//! Private keys for `binauthz sign`: reading PEM files, deriving the public key, signing.
//!
//! Private keys live only in the CLI; binauthz-core never sees them (it verifies with public keys).
//! Accepted: unencrypted PKCS#8 (`PRIVATE KEY`, what `openssl genpkey` writes), SEC1
//! (`EC PRIVATE KEY`, what `openssl ecparam -genkey` writes) and PKCS#1 (`RSA PRIVATE KEY`).

use binauthz_core::crypto::{
    DigestAlgorithm, KeyAlgorithm, KeyKind, SignatureAlgorithm, SignatureScheme, pem_blocks,
};
use p256::pkcs8::{DecodePrivateKey as _, EncodePublicKey as _};
use rsa::pkcs1::DecodeRsaPrivateKey as _;
use rsa::pkcs8::PrivateKeyInfoRef;
use rsa::pkcs8::der::Decode as _;
use rsa::traits::PublicKeyParts as _;
use sha2::{Digest as _, Sha256, Sha512};
use signature::hazmat::PrehashSigner as _;
use signature::{SignatureEncoding as _, Signer as _};

const EXPECTED_FORMATS: &str = "expected an unencrypted PEM private key: `-----BEGIN PRIVATE KEY-----` \
     (PKCS#8, as `openssl genpkey` writes it), `-----BEGIN EC PRIVATE KEY-----` (SEC1) or \
     `-----BEGIN RSA PRIVATE KEY-----` (PKCS#1)";

/// A private signing key of a kind GCP attestor keys use.
pub enum PrivateKey {
    /// ECDSA on NIST P-256.
    P256(p256::SecretKey),
    /// ECDSA on NIST P-384.
    P384(p384::SecretKey),
    /// ECDSA on NIST P-521.
    P521(p521::SecretKey),
    /// RSA (used with RSA-PSS or PKCS#1 v1.5).
    Rsa(Box<rsa::PrivateKey>),
}

impl std::fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print key material.
        write!(f, "PrivateKey({})", self.kind())
    }
}

impl PrivateKey {
    /// Reads the one private key in PEM `text`. Errors are lower-case sentences.
    pub fn from_pem(text: &str) -> Result<PrivateKey, String> {
        let blocks = pem_blocks(text)?;
        let mut keys = Vec::new();
        for block in &blocks {
            match block.label.as_str() {
                "PRIVATE KEY" | "EC PRIVATE KEY" | "RSA PRIVATE KEY" => keys.push(block),
                "ENCRYPTED PRIVATE KEY" => {
                    return Err(
                        "the private key is encrypted (`-----BEGIN ENCRYPTED PRIVATE KEY-----`); \
                         binauthz reads only unencrypted keys: decrypt a copy with \
                         `openssl pkey -in KEY -out PLAIN.pem` and keep it safe"
                            .to_owned(),
                    );
                }
                "EC PARAMETERS" => {}
                "PUBLIC KEY" | "RSA PUBLIC KEY" => {
                    return Err(format!(
                        "found a `-----BEGIN {}-----` block, which is a public key; --private-key \
                         needs the private key (the attestor file holds the public one)",
                        block.label
                    ));
                }
                "CERTIFICATE" => {
                    return Err("found a certificate, not a private key".to_owned());
                }
                "OPENSSH PRIVATE KEY" => {
                    return Err(
                        "the key is in OpenSSH format; convert a copy to PKCS#8 with \
                         `ssh-keygen -p -m PKCS8 -f COPY`"
                            .to_owned(),
                    );
                }
                other => {
                    return Err(format!(
                        "found a `-----BEGIN {other}-----` block; {EXPECTED_FORMATS}"
                    ));
                }
            }
        }
        let block = match keys.as_slice() {
            [one] => *one,
            [] => return Err(format!("no private key block found; {EXPECTED_FORMATS}")),
            _ => {
                return Err(
                    "the file holds more than one private key; give a file with exactly one"
                        .to_owned(),
                );
            }
        };
        if block.encrypted {
            return Err(format!(
                "the private key is encrypted (`Proc-Type: 4,ENCRYPTED`); binauthz reads only \
                 unencrypted keys: decrypt a copy with `openssl {} -in KEY -out PLAIN.pem` and \
                 keep it safe",
                if block.label == "RSA PRIVATE KEY" {
                    "rsa"
                } else {
                    "ec"
                }
            ));
        }
        if block.has_headers {
            return Err(format!(
                "the `-----BEGIN {}-----` block has PEM headers, which are not supported",
                block.label
            ));
        }
        match block.label.as_str() {
            "PRIVATE KEY" => from_pkcs8(&block.der),
            "EC PRIVATE KEY" => from_sec1(&block.der),
            _ => rsa::PrivateKey::from_pkcs1_der(&block.der)
                .map(|k| PrivateKey::Rsa(Box::new(k)))
                .map_err(|e| format!("the PKCS#1 RSA private key is invalid ({e})")),
        }
    }

    /// The kind of key, e.g. "an EC P-256 key" when displayed.
    pub fn kind(&self) -> KeyKind {
        match self {
            PrivateKey::P256(_) => KeyKind::EcP256,
            PrivateKey::P384(_) => KeyKind::EcP384,
            PrivateKey::P521(_) => KeyKind::EcP521,
            PrivateKey::Rsa(k) => KeyKind::Rsa {
                modulus_bits: k.n().bit_width_vartime() as usize,
            },
        }
    }

    /// The DER `SubjectPublicKeyInfo` of the public half, as `openssl pkey -pubout` encodes it
    /// (EC: named curve, uncompressed point; RSA: rsaEncryption with NULL parameters).
    pub fn public_spki_der(&self) -> Result<Vec<u8>, String> {
        let doc = match self {
            PrivateKey::P256(k) => k.public_key().to_public_key_der(),
            PrivateKey::P384(k) => k.public_key().to_public_key_der(),
            PrivateKey::P521(k) => k.public_key().to_public_key_der(),
            PrivateKey::Rsa(k) => k.to_public_key().to_public_key_der(),
        };
        doc.map(|d| d.as_bytes().to_vec())
            .map_err(|e| format!("cannot encode the public key ({e})"))
    }

    /// Signs `message` (the raw payload bytes) with `algorithm`: ECDSA as ASN.1 DER, RSA-PSS
    /// with MGF1 of the same digest and a salt as long as the digest, or RSA PKCS#1 v1.5.
    ///
    /// ECDSA and PKCS#1 v1.5 signatures are deterministic (RFC 6979 for ECDSA); RSA-PSS uses a
    /// random salt from the operating system.
    pub fn sign(&self, algorithm: SignatureAlgorithm, message: &[u8]) -> Result<Vec<u8>, String> {
        if self.kind() != algorithm.key_kind() {
            return Err(format!(
                "{algorithm} needs {} but the private key is {}",
                algorithm.key_description(),
                self.kind()
            ));
        }
        let failed = |e: signature::Error| format!("signing with {algorithm} failed ({e})");
        let digest = algorithm.digest();
        let signature = match (self, algorithm.scheme(), digest) {
            (PrivateKey::P256(k), SignatureScheme::Ecdsa, DigestAlgorithm::Sha256) => {
                let signer = p256::ecdsa::SigningKey::from(k);
                let sig: p256::ecdsa::DerSignature = signer.try_sign(message).map_err(failed)?;
                sig.to_vec()
            }
            (PrivateKey::P384(k), SignatureScheme::Ecdsa, DigestAlgorithm::Sha384) => {
                let signer = p384::ecdsa::SigningKey::from(k);
                let sig: p384::ecdsa::DerSignature = signer.try_sign(message).map_err(failed)?;
                sig.to_vec()
            }
            (PrivateKey::P521(k), SignatureScheme::Ecdsa, DigestAlgorithm::Sha512) => {
                let signer = p521::ecdsa::SigningKey::from(k);
                let sig: p521::ecdsa::DerSignature = signer.try_sign(message).map_err(failed)?;
                sig.to_vec()
            }
            (PrivateKey::Rsa(k), SignatureScheme::RsaPss, DigestAlgorithm::Sha256) => {
                // `new` sets the salt length to the digest length, as GCP requires.
                rsa::pss::SigningKey::<Sha256>::new(k.as_ref().clone())
                    .try_sign(message)
                    .map_err(failed)?
                    .to_vec()
            }
            (PrivateKey::Rsa(k), SignatureScheme::RsaPss, DigestAlgorithm::Sha512) => {
                rsa::pss::SigningKey::<Sha512>::new(k.as_ref().clone())
                    .try_sign(message)
                    .map_err(failed)?
                    .to_vec()
            }
            (PrivateKey::Rsa(k), SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha256) => {
                rsa::pkcs1v15::SigningKey::<Sha256>::new(k.as_ref().clone())
                    .try_sign(message)
                    .map_err(failed)?
                    .to_vec()
            }
            (PrivateKey::Rsa(k), SignatureScheme::RsaPkcs1v15, DigestAlgorithm::Sha512) => {
                rsa::pkcs1v15::SigningKey::<Sha512>::new(k.as_ref().clone())
                    .try_sign(message)
                    .map_err(failed)?
                    .to_vec()
            }
            _ => {
                return Err(format!(
                    "{algorithm} ({} with {digest}) cannot be made with {}",
                    algorithm.scheme(),
                    self.kind()
                ));
            }
        };
        Ok(signature)
    }

    /// Signs `message` as `cosign sign --key` does: over its SHA-256 whatever the key (ECDSA as
    /// ASN.1 DER on every curve, RSA with PKCS#1 v1.5), unlike [`PrivateKey::sign`], where the
    /// GCP algorithm pairs P-384 with SHA-384 and P-521 with SHA-512.
    pub fn sign_cosign(&self, message: &[u8]) -> Result<Vec<u8>, String> {
        let failed = |e: signature::Error| format!("signing the cosign payload failed ({e})");
        let digest = Sha256::digest(message);
        Ok(match self {
            PrivateKey::P256(k) => {
                let sig: p256::ecdsa::DerSignature = p256::ecdsa::SigningKey::from(k)
                    .sign_prehash(&digest)
                    .map_err(failed)?;
                sig.to_vec()
            }
            PrivateKey::P384(k) => {
                let sig: p384::ecdsa::DerSignature = p384::ecdsa::SigningKey::from(k)
                    .sign_prehash(&digest)
                    .map_err(failed)?;
                sig.to_vec()
            }
            PrivateKey::P521(k) => {
                let sig: p521::ecdsa::DerSignature = p521::ecdsa::SigningKey::from(k)
                    .sign_prehash(&digest)
                    .map_err(failed)?;
                sig.to_vec()
            }
            PrivateKey::Rsa(k) => rsa::pkcs1v15::SigningKey::<Sha256>::new(k.as_ref().clone())
                .try_sign(message)
                .map_err(failed)?
                .to_vec(),
        })
    }
}

fn from_pkcs8(der: &[u8]) -> Result<PrivateKey, String> {
    let invalid = |e: &dyn std::fmt::Display| format!("the PKCS#8 private key is invalid ({e})");
    let info = PrivateKeyInfoRef::from_der(der).map_err(|e| invalid(&e))?;
    let oid = info.algorithm.oid.to_string();
    match KeyAlgorithm::from_oid(&oid) {
        KeyAlgorithm::Rsa => rsa::PrivateKey::try_from(info)
            .map(|k| PrivateKey::Rsa(Box::new(k)))
            .map_err(|e| invalid(&e)),
        KeyAlgorithm::Ec => {
            let curve = info
                .algorithm
                .parameters_oid()
                .map_err(|_| {
                    "the PKCS#8 EC private key has no named curve; only P-256, P-384 and P-521 \
                     are supported"
                        .to_owned()
                })?
                .to_string();
            match KeyKind::from_curve_oid(&curve) {
                Some(KeyKind::EcP256) => p256::SecretKey::from_pkcs8_der(der)
                    .map(PrivateKey::P256)
                    .map_err(|e| invalid(&e)),
                Some(KeyKind::EcP384) => p384::SecretKey::from_pkcs8_der(der)
                    .map(PrivateKey::P384)
                    .map_err(|e| invalid(&e)),
                Some(KeyKind::EcP521) => p521::SecretKey::from_pkcs8_der(der)
                    .map(PrivateKey::P521)
                    .map_err(|e| invalid(&e)),
                _ => Err(format!(
                    "the EC private key is on curve `{curve}`; Binary Authorization supports \
                     P-256, P-384 and P-521"
                )),
            }
        }
        KeyAlgorithm::RsassaPss => Err(
            "the key is an RSASSA-PSS-only key (`openssl genpkey -algorithm RSA-PSS`); \
             Binary Authorization RSA keys are plain rsaEncryption keys, made with \
             `openssl genpkey -algorithm RSA`"
                .to_owned(),
        ),
        other => {
            let name = other.name().map_or(String::new(), |n| format!(" ({n})"));
            Err(format!(
                "the private key's algorithm `{oid}`{name} is not supported; Binary \
                 Authorization PKIX keys are ECDSA (P-256, P-384, P-521) or RSA"
            ))
        }
    }
}

fn from_sec1(der: &[u8]) -> Result<PrivateKey, String> {
    // The curve OID inside the key decides; a key without parameters is tried on each curve
    // (the private scalar's length differs: 32, 48 or 66 bytes).
    if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        return Ok(PrivateKey::P256(k));
    }
    if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        return Ok(PrivateKey::P384(k));
    }
    p521::SecretKey::from_sec1_der(der)
        .map(PrivateKey::P521)
        .map_err(|_| {
            "the SEC1 EC private key is invalid or not on P-256, P-384 or P-521 (the curves \
             Binary Authorization supports)"
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use binauthz_core::crypto::PkixKey;
    use p256::pkcs8::LineEnding;
    use rsa::pkcs1::EncodeRsaPrivateKey as _;
    use std::path::Path;

    fn key_file(dir: &str, name: &str) -> String {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../spec")
            .join(dir)
            .join("keys")
            .join(name);
        std::fs::read_to_string(path).unwrap()
    }

    fn conformance(name: &str) -> String {
        key_file("conformance", name)
    }

    /// The derived public key equals the committed public key, for every key type.
    #[test]
    fn derived_public_keys_match_the_pub_pem_files() {
        for (name, alg) in [
            ("ec-p256", SignatureAlgorithm::EcdsaP256Sha256),
            ("ec-p384", SignatureAlgorithm::EcdsaP384Sha384),
            ("ec-p521", SignatureAlgorithm::EcdsaP521Sha512),
            ("rsa-2048", SignatureAlgorithm::RsaPss2048Sha256),
            ("rsa-3072", SignatureAlgorithm::RsaPkcs1_3072Sha256),
            ("rsa-4096", SignatureAlgorithm::RsaPss4096Sha512),
        ] {
            let key = PrivateKey::from_pem(&conformance(&format!("{name}.pem"))).unwrap();
            let public = PkixKey::from_pem(&conformance(&format!("{name}.pub.pem")), alg).unwrap();
            assert_eq!(key.public_spki_der().unwrap(), public.spki_der(), "{name}");
            assert_eq!(key.kind(), alg.key_kind(), "{name}");
        }
    }

    /// Every algorithm signs in a way the core's verifier accepts.
    #[test]
    fn every_algorithm_signs_verifiably() {
        let message = b"{\"critical\": {}}\n";
        for alg in SignatureAlgorithm::ALL {
            let name = match alg.key_kind() {
                KeyKind::EcP256 => "ec-p256",
                KeyKind::EcP384 => "ec-p384",
                KeyKind::EcP521 => "ec-p521",
                KeyKind::Rsa { modulus_bits: 2048 } => "rsa-2048",
                KeyKind::Rsa { modulus_bits: 3072 } => "rsa-3072",
                _ => "rsa-4096",
            };
            let key = PrivateKey::from_pem(&conformance(&format!("{name}.pem"))).unwrap();
            let public = PkixKey::from_pem(&conformance(&format!("{name}.pub.pem")), alg).unwrap();
            let sig = key.sign(alg, message).unwrap();
            public.verify(message, &sig).unwrap();
            assert!(public.verify(b"other", &sig).is_err(), "{alg}");
        }
    }

    #[test]
    fn ecdsa_signatures_are_deterministic_der() {
        let key = PrivateKey::from_pem(&conformance("ec-p256.pem")).unwrap();
        let a = key.sign(SignatureAlgorithm::EcdsaP256Sha256, b"x").unwrap();
        let b = key.sign(SignatureAlgorithm::EcdsaP256Sha256, b"x").unwrap();
        assert_eq!(a, b);
        assert_eq!(a.first(), Some(&0x30), "DER SEQUENCE");
    }

    #[test]
    fn wrong_key_for_algorithm_is_refused() {
        let key = PrivateKey::from_pem(&conformance("ec-p256.pem")).unwrap();
        let err = key
            .sign(SignatureAlgorithm::EcdsaP384Sha384, b"x")
            .unwrap_err();
        assert!(err.contains("an EC P-384 key"), "{err}");
        let rsa = PrivateKey::from_pem(&conformance("rsa-2048.pem")).unwrap();
        let err = rsa
            .sign(SignatureAlgorithm::RsaPss3072Sha256, b"x")
            .unwrap_err();
        assert!(err.contains("an RSA 2048-bit key"), "{err}");
    }

    #[test]
    fn sec1_and_pkcs1_keys_are_read() {
        let pkcs8 = PrivateKey::from_pem(&conformance("ec-p384.pem")).unwrap();
        let PrivateKey::P384(secret) = &pkcs8 else {
            panic!("not P-384")
        };
        let sec1 = secret.to_sec1_pem(LineEnding::LF).unwrap();
        assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"));
        let again = PrivateKey::from_pem(&sec1).unwrap();
        assert_eq!(
            again.public_spki_der().unwrap(),
            pkcs8.public_spki_der().unwrap()
        );
        // OpenSSL's `ecparam -genkey` puts an EC PARAMETERS block first.
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBgUrgQQAIg==\n-----END EC PARAMETERS-----\n{}",
            sec1.as_str()
        );
        assert!(matches!(
            PrivateKey::from_pem(&with_params).unwrap(),
            PrivateKey::P384(_)
        ));

        let rsa = PrivateKey::from_pem(&conformance("rsa-2048.pem")).unwrap();
        let PrivateKey::Rsa(k) = &rsa else {
            panic!("not RSA")
        };
        let pkcs1 = k.to_pkcs1_pem(LineEnding::LF).unwrap();
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"));
        let again = PrivateKey::from_pem(&pkcs1).unwrap();
        assert_eq!(
            again.public_spki_der().unwrap(),
            rsa.public_spki_der().unwrap()
        );
    }

    #[test]
    fn other_inputs_get_clear_errors() {
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "no private key block"),
            ("hello".to_owned(), "no private key block"),
            (conformance("ec-p256.pub.pem"), "public key"),
            (
                "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
                    .to_owned(),
                "encrypted",
            ),
            (
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n-----END RSA PRIVATE KEY-----\n"
                    .to_owned(),
                "encrypted",
            ),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n"
                    .to_owned(),
                "OpenSSH",
            ),
            (
                format!("{}{}", conformance("ec-p256.pem"), conformance("ec-p384.pem")),
                "more than one",
            ),
            (
                conformance("ec-p256.pem").replace("-----END PRIVATE KEY-----", ""),
                "missing",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\n!!!!\n-----END PRIVATE KEY-----\n".to_owned(),
                "base64",
            ),
            (
                "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n".to_owned(),
                "PKCS#8 private key is invalid",
            ),
            (
                // Ed25519 (RFC 8410 test key).
                "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEINTuctv5E1hK1bbY8fdp+K06/nwoy/HU++CXqI9EdVhC\n-----END PRIVATE KEY-----\n"
                    .to_owned(),
                "Ed25519",
            ),
        ];
        for (input, needle) in cases {
            let err = PrivateKey::from_pem(&input).unwrap_err();
            assert!(err.contains(needle), "{input:?}: {err}");
        }
    }

    #[test]
    fn debug_never_prints_key_material() {
        let key = PrivateKey::from_pem(&conformance("ec-p256.pem")).unwrap();
        assert_eq!(format!("{key:?}"), "PrivateKey(an EC P-256 key)");
    }
}
