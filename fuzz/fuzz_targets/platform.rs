//! Any bytes given as a platform policy, or as a platform-policy request to a policy whose only
//! check set requires a signature: an error or a response; and no image the signature check
//! reaches conforms, since no valid signature can be forged.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::platform::{PlatformPolicy, PlatformRequest, Verdict, evaluate};
use libfuzzer_sys::fuzz_target;

const POLICY: &str = r#"{"gkePolicy": {"checkSets": [{"checks": [
  {"simpleSigningAttestationCheck": {"attestationAuthenticators": [{"pkixPublicKeySet":
    {"pkixPublicKeys": [{"keyId": "k1", "signatureAlgorithm": "ECDSA_P256_SHA256",
     "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyg93jWQyJFMVhXZm55RzBVhZWwB3\nlUrG4x5+DFhGGlvhNgXSR3+1TAEPc9WfcazAVmA6ptwOFm19Eyx41j7yXg==\n-----END PUBLIC KEY-----\n"}]}}]}},
  {"sigstoreSignatureCheck": {"sigstoreAuthorities": [{"publicKeySet": {"publicKeys": [
    {"publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyg93jWQyJFMVhXZm55RzBVhZWwB3\nlUrG4x5+DFhGGlvhNgXSR3+1TAEPc9WfcazAVmA6ptwOFm19Eyx41j7yXg==\n-----END PUBLIC KEY-----\n"}]}}]}}]}]}}"#;

fn policy() -> &'static PlatformPolicy {
    static POLICY_READ: OnceLock<PlatformPolicy> = OnceLock::new();
    POLICY_READ.get_or_init(|| match PlatformPolicy::parse(POLICY) {
        Ok(p) => p,
        Err(e) => panic!("fuzz policy must read: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    // As a policy: any outcome but a panic.
    let _ = PlatformPolicy::validate(text);
    // As a request: nothing conforms.
    if let Ok(request) = PlatformRequest::parse(text)
        && let Ok(evaluation) = evaluate(policy(), &request)
    {
        let response = evaluation.response();
        assert!(
            response.results.iter().all(|p| p.image_results.is_empty())
                || response.verdict != Verdict::Conformant,
            "fuzzed request conformed"
        );
        let _ = evaluation.cv_events();
    }
});
