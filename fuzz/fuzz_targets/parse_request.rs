//! Any bytes given as a request to an engine that requires attestations: an error or a
//! decision; and a decision admits nothing, since no valid signature can be forged.
#![no_main]

use std::sync::OnceLock;

use binauthz_core::Engine;
use libfuzzer_sys::fuzz_target;

const CONFIG: &str = r#"{"policy": {"defaultAdmissionRule": {
  "evaluationMode": "REQUIRE_ATTESTATION",
  "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
  "requireAttestationsBy": ["projects/acme/attestors/built-by-ci"]}},
 "attestors": [{"name": "projects/acme/attestors/built-by-ci",
  "userOwnedGrafeasNote": {"noteReference": "projects/acme/notes/built-by-ci",
   "publicKeys": [{"id": "k1", "pkixPublicKey": {"signatureAlgorithm": "ECDSA_P256_SHA256",
    "publicKeyPem": "-----BEGIN PUBLIC KEY-----\nMFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEyg93jWQyJFMVhXZm55RzBVhZWwB3\nlUrG4x5+DFhGGlvhNgXSR3+1TAEPc9WfcazAVmA6ptwOFm19Eyx41j7yXg==\n-----END PUBLIC KEY-----\n"}}]}}]}"#;

fn engine() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| match Engine::from_config_str(CONFIG) {
        Ok(e) => e,
        Err(e) => panic!("fuzz config must compile: {e}"),
    })
}

fuzz_target!(|data: &[u8]| {
    if let Ok(decision) = engine().evaluate_bytes(data) {
        // Without breakglass, nothing can be admitted: no allowlist, and no valid signature.
        if !decision.breakglass {
            assert!(!decision.allowed, "fuzzed request was admitted");
        }
    }
});
