//! `hostile/*`: one benchmark per hostile class of issue 13 (benches/hostile.rs), each the most a
//! request may hold (8 MiB): the request text parsed and decided on an engine without a
//! verification cache, so every iteration does all the work a first request would. What each
//! class cost before spec §7.2 bounded it is in benches/RESULTS.md ("Hostile inputs"); the tests in
//! benches/tests/hostile.rs assert the counted bounds, never the time.
#![allow(missing_docs, reason = "criterion_main generates undocumented items")]
#![allow(
    clippy::expect_used,
    reason = "a benchmark whose setup fails cannot run"
)]

use std::hint::black_box;
use std::time::Duration;

use binauthz_benches::hostile;
use binauthz_core::Engine;
use criterion::{Criterion, criterion_group, criterion_main};

fn hostile_classes(c: &mut Criterion) {
    let mut group = c.benchmark_group("hostile");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(5));
    for name in hostile::NAMES {
        let class = hostile::by_name(name).expect("hostile class builds");
        let engine = Engine::from_config_str(&class.config)
            .expect("hostile config compiles")
            .with_cache_capacity(0);
        // Checked before it is timed: every class is denied or refused, never admitted.
        if let Ok(decision) = engine.evaluate_str(&class.request) {
            assert!(!decision.allowed, "{name} was admitted");
        }
        group.bench_function(name, |b| {
            b.iter(|| black_box(engine.evaluate_str(black_box(&class.request)).is_ok()));
        });
    }
    group.finish();
}

criterion_group!(benches, hostile_classes);
criterion_main!(benches);
