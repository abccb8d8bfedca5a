//! Measures compiling a config and evaluating requests, over the conformance cases.
#![allow(missing_docs, reason = "criterion_main generates undocumented items")]

use binauthz_benches::conformance_cases;
use binauthz_core::{Engine, Request};
use criterion::{Criterion, criterion_group, criterion_main};

fn evaluate(c: &mut Criterion) {
    // One valid signature per algorithm: the cost of parsing, verifying and deciding.
    for case in conformance_cases("valid") {
        let Ok(engine) = Engine::from_config_str(&case.config) else {
            continue;
        };
        let Ok(request) = Request::parse(&case.request) else {
            continue;
        };
        c.bench_function(&format!("evaluate/{}", case.name), |b| {
            b.iter(|| engine.evaluate(std::hint::black_box(&request)))
        });
    }
}

fn compile(c: &mut Criterion) {
    let cases = conformance_cases("");
    c.bench_function("compile/all-conformance-configs", |b| {
        b.iter(|| {
            cases
                .iter()
                .filter(|case| Engine::from_config_str(&case.config).is_ok())
                .count()
        })
    });
}

criterion_group!(benches, evaluate, compile);
criterion_main!(benches);
