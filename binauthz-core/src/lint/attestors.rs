//! Lints about the attestors given with a policy: no keys, weak or legacy keys, attestors no rule
//! requires (BZ020-BZ023).

use super::*;

pub(super) fn attestor_lints(policy: &Policy, attestor: &Attestor, out: &mut Vec<Lint>) {
    let name = attestor.name();
    attestor_names(attestor, out);
    if !policy.required_attestors().iter().any(|(n, _)| *n == name) {
        out.push(
            Lint::new(
                LintCode::Bz023,
                "name",
                format!("attestor `{name}` is not in any rule's requireAttestationsBy, so its attestations are never checked"),
                "add it to requireAttestationsBy of the rules that should require it, or leave it out of the attestors given".to_owned(),
            )
            .about(name),
        );
    }
    if attestor.keys().is_empty() {
        out.push(
            Lint::new(
                LintCode::Bz020,
                "userOwnedGrafeasNote.publicKeys",
                format!("attestor `{name}` has no public keys, so it can never be satisfied and every rule that requires it denies every image"),
                "add the signer's public key (gcloud container binauthz attestors public-keys add)".to_owned(),
            )
            .about(name),
        );
    }
    for (i, key) in attestor.keys().iter().enumerate() {
        #[allow(
            clippy::infallible_destructuring_match,
            reason = "infallible only without the `pgp` feature"
        )]
        let pkix = match key.key() {
            PublicKey::Pkix(pkix) => pkix,
            // PGP keys have no PKIX signature algorithm to lint.
            #[cfg(feature = "pgp")]
            PublicKey::Pgp(_) => continue,
        };
        let algorithm = pkix.algorithm();
        let path = format!("userOwnedGrafeasNote.publicKeys[{i}].pkixPublicKey.signatureAlgorithm");
        let id = key.id();
        if algorithm.key_kind() == (KeyKind::Rsa { modulus_bits: 2048 }) {
            out.push(
                Lint::new(
                    LintCode::Bz021,
                    path,
                    format!("key `{id}` uses {algorithm}, a 2048-bit RSA key with 112-bit security, which NIST SP 800-57 accepts for new signatures only through 2030"),
                    "add an ECDSA_P256_SHA256 (or RSA 3072+ PSS) key, sign new attestations with it, then remove this key".to_owned(),
                )
                .about(name),
            );
        } else if algorithm.scheme() == SignatureScheme::RsaPkcs1v15 {
            out.push(
                Lint::new(
                    LintCode::Bz022,
                    path,
                    format!("key `{id}` uses {algorithm}, the legacy PKCS#1 v1.5 padding, where RSA-PSS has a security proof and ECDSA keys are smaller and faster"),
                    "at the next key rotation choose ECDSA_P256_SHA256 or an RSA_PSS_* algorithm".to_owned(),
                )
                .about(name),
            );
        }
    }
}
