//! The default key id GCP/Grafeas derive for PKIX public keys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

/// Prefix of the RFC 6920 "named information" URI used for default PKIX key ids.
pub const DEFAULT_KEY_ID_PREFIX: &str = "ni:///sha-256;";

/// GCP/Grafeas default key id for a DER `SubjectPublicKeyInfo`:
/// `"ni:///sha-256;"` followed by the unpadded base64url SHA-256 of the DER bytes.
pub fn default_key_id_for_spki_der(spki_der: &[u8]) -> String {
    let digest = Sha256::digest(spki_der);
    let mut id = String::with_capacity(DEFAULT_KEY_ID_PREFIX.len() + 43);
    id.push_str(DEFAULT_KEY_ID_PREFIX);
    URL_SAFE_NO_PAD.encode_string(digest, &mut id);
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_vector() {
        // SHA-256("") = e3b0c442...b855, base64url without padding.
        assert_eq!(
            default_key_id_for_spki_der(b""),
            "ni:///sha-256;47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU"
        );
    }
}
