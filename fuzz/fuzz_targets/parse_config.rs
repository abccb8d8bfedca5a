//! Any bytes given as a config (YAML or JSON): an error or an engine, never a panic.
#![no_main]

use binauthz_core::{Attestor, Engine, Policy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = Engine::from_config_bytes(data);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = Policy::parse(text);
        let _ = Attestor::parse_many(text);
    }
});
