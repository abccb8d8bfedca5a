//! Measures one signature verification per algorithm: `PkixKey::verify` of a valid signature
//! over a real payload (`verify/<id>`: the default backend), and the same with the pure-Rust
//! backend (`verify_rustcrypto/<id>`, when the default is the native one). The keys, payloads and
//! signatures come from the committed conformance cases that benches/verify-cases.json names;
//! benches/go measures Go over the same bytes, and benches/compare.sh puts both and `openssl
//! speed` side by side. The key is parsed outside the timed loop, and every signature is checked
//! once before timing, so a benchmark can never be measuring a failure path.
#![allow(missing_docs, reason = "criterion_main generates undocumented items")]

use std::fmt::Display;
use std::hint::black_box;

use binauthz_benches::{VerifyCase, verify_cases};
use binauthz_core::crypto::{Backend, PkixKey};
use criterion::{Criterion, criterion_group, criterion_main};

/// Benchmarks `verify` over every case as `<group>/<case id>`, after checking that it succeeds.
fn bench_group<E: Display>(
    c: &mut Criterion,
    group: &str,
    keys: &[(VerifyCase, PkixKey)],
    verify: impl Fn(&PkixKey, &[u8], &[u8]) -> Result<(), E>,
) {
    for (case, key) in keys {
        if let Err(e) = verify(key, &case.message, &case.signature) {
            fail(&format!(
                "{group}/{}: the signature does not verify: {e}",
                case.id
            ));
        }
    }
    let mut g = c.benchmark_group(group);
    for (case, key) in keys {
        g.bench_function(case.id.as_str(), |b| {
            b.iter(|| verify(key, black_box(&case.message), black_box(&case.signature)))
        });
    }
    g.finish();
}

fn verify(c: &mut Criterion) {
    let keys: Vec<(VerifyCase, PkixKey)> = verify_cases()
        .unwrap_or_else(|e| fail(&e))
        .into_iter()
        .map(|case| match case.key() {
            Ok(key) => (case, key),
            Err(e) => fail(&format!("{} ({}): {e}", case.id, case.case)),
        })
        .collect();
    // What the engine uses: the default backend (native when binauthz-core is built with it).
    bench_group(c, "verify", &keys, |key, message, signature| {
        key.verify(message, signature)
    });
    // The pure-Rust backend (the only one on wasm32), when it is not already the default.
    if Backend::DEFAULT != Backend::RustCrypto {
        bench_group(c, "verify_rustcrypto", &keys, |key, message, signature| {
            key.verify_with(Backend::RustCrypto, message, signature)
        });
    }
}

/// Stops the run: a benchmark without valid inputs would measure nothing worth recording.
fn fail(message: &str) -> ! {
    eprintln!("verify bench: {message}");
    std::process::exit(1)
}

criterion_group!(benches, verify);
criterion_main!(benches);
