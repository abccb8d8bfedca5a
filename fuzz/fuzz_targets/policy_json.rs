//! Any bytes as a JSON policy (what `gcloud ... policy export --format=json` prints), through
//! serde_json rather than the YAML front end: never a panic, and the same verdict as the text
//! parser for every document that is valid JSON.
#![no_main]

use binauthz_core::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let from_value = Policy::from_value(value.clone());
    let validated = Policy::validate_value(value);
    assert_eq!(from_value.is_ok(), validated.is_ok());
    // Valid JSON is valid YAML, so the text path must agree (it may add limits, never relax them).
    if let (Ok(policy), Ok(text)) = (&from_value, std::str::from_utf8(data)) {
        if let Ok(reparsed) = Policy::parse(text) {
            assert_eq!(policy, &reparsed);
        }
    }
});
