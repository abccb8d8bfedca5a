//! Any text as a policy document (YAML, which includes JSON): `Policy::parse`, the collecting
//! validator and the linter never panic, and agree on whether the policy is valid.
#![no_main]

use binauthz_core::Policy;
use binauthz_core::lint::lint;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let parsed = Policy::parse(text);
    let validated = Policy::validate(text);
    // The validator collects every error; it must accept exactly what the parser accepts.
    assert_eq!(parsed.is_ok(), validated.is_ok(), "{text:?}");
    if let Ok(policy) = parsed {
        let _ = lint(&policy, &[]);
        assert_eq!(Some(&policy), validated.ok().as_ref());
    }
});
