//! The bytes Go and Node time (benches/fixtures/warm_1img_1att_p256) are those of the Rust
//! benchmarks, and the decision they time admits the image from the cache. No timing is asserted.
//!
//! `BINAUTHZ_UPDATE_FIXTURES=1 cargo test -p binauthz-benches --test bindings` rewrites the files.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed expectation should panic"
)]

use binauthz_benches::bindings::{fixture_dir, warm_single};
use binauthz_core::Engine;

#[test]
fn the_committed_fixture_is_the_warm_scenario() {
    let scenario = warm_single().unwrap();
    let dir = fixture_dir();
    for (name, text) in [
        ("config.json", &scenario.config),
        ("request.json", &scenario.request),
    ] {
        let path = dir.join(name);
        if std::env::var_os("BINAUTHZ_UPDATE_FIXTURES").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, format!("{text}\n")).unwrap();
        }
        let committed =
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            committed.trim_end(),
            text.as_str(),
            "{} differs from benches/bindings.rs's scenario; rerun with BINAUTHZ_UPDATE_FIXTURES=1",
            path.display()
        );
    }
}

#[test]
fn the_warm_scenario_is_admitted_from_the_cache() {
    let scenario = warm_single().unwrap();
    let engine = Engine::from_config_str(&scenario.config).unwrap();
    let cold = engine.evaluate_str(&scenario.request).unwrap();
    assert!(cold.allowed, "{}", cold.to_json_pretty());
    let warm = engine.evaluate_str(&scenario.request).unwrap();
    assert_eq!(warm, cold);
    assert_eq!(
        (warm.diagnostics.cache_hits, warm.diagnostics.cache_misses),
        (1, 0)
    );
}
