//! The price of a binding, natively (issue 19): the warm one-image decision of
//! `evaluate/warm_1img_1att_p256` (benches/benches/evaluate.rs, which times `Engine::evaluate` on a
//! request parsed beforehand), taken as the bindings take it, as JSON text in and JSON text out:
//!
//! - `json/warm_1img_1att_p256`: `binauthz_core::api::json::evaluate`, the call the C ABI and
//!   WebAssembly make: parse the request, decide, write the decision;
//! - `json/parse_request_1img_1att_p256` and `json/serialize_decision_1img_1att_p256`: its two
//!   JSON halves alone (`Request::parse`, and `api::json::to_json` of the decision);
//! - `json/parse_value_1img_1att_p256`: the request text read into a `serde_json::Value` only, the
//!   JSON syntax without the request's model (the core's reader does this, with its budget, and
//!   then reads the value into a `Request`);
//! - `ffi/warm_1img_1att_p256`: the C ABI's `binauthz_engine_evaluate` with the request's bytes,
//!   and `binauthz_string_free` of the decision it hands out, as a C host calls them.
//!
//! Go (binauthz-ffi/go, `BenchmarkBinding`) and WebAssembly in Node (benches/wasm-binding.cjs)
//! time the same bytes, benches/fixtures/warm_1img_1att_p256; benches/compare.sh puts all of them
//! side by side. Every setup checks the decision admits the image before anything is timed.
#![allow(missing_docs, reason = "criterion_main generates undocumented items")]
#![allow(
    clippy::expect_used,
    clippy::panic,
    reason = "a benchmark whose setup fails cannot run"
)]
// The one benchmark that calls the C ABI, which only `unsafe` code can.
#![allow(unsafe_code)]

use std::ffi::{CStr, c_char, c_int};
use std::hint::black_box;
use std::ptr;

use binauthz::{
    BinauthzEngine, BinauthzStatus, binauthz_engine_evaluate, binauthz_engine_free,
    binauthz_engine_new, binauthz_string_free,
};
use binauthz_benches::bindings::{WARM_SINGLE, warm_single};
use binauthz_core::api::json;
use binauthz_core::{Engine, ErrorStage, Request};
use criterion::{Criterion, criterion_group, criterion_main};

type EvaluateFn = unsafe extern "C" fn(
    *const BinauthzEngine,
    *const u8,
    usize,
    *mut *mut c_char,
    *mut *mut c_char,
) -> c_int;
type FreeFn = unsafe extern "C" fn(*mut c_char);

/// An engine made through the C ABI, freed through it when dropped.
struct CEngine(*mut BinauthzEngine);

impl CEngine {
    fn new(config: &str) -> Self {
        let mut engine = ptr::null_mut();
        // SAFETY: `config` is `config.len()` readable bytes; the out-pointer is a local; no
        // error message is wanted (NULL).
        let status = unsafe {
            binauthz_engine_new(config.as_ptr(), config.len(), &mut engine, ptr::null_mut())
        };
        assert_eq!(status, BinauthzStatus::Ok as c_int, "the config compiles");
        CEngine(engine)
    }

    /// One evaluation through `evaluate` (the C function), returning the decision's text.
    fn decide(&self, evaluate: EvaluateFn, request: &str) -> String {
        let mut out = ptr::null_mut();
        // SAFETY: a live engine, `request.len()` readable bytes, a writable out-pointer.
        let status = unsafe {
            evaluate(
                self.0,
                request.as_ptr(),
                request.len(),
                &mut out,
                ptr::null_mut(),
            )
        };
        assert_eq!(status, BinauthzStatus::Ok as c_int, "the request evaluates");
        // SAFETY: on success `out` is a NUL-terminated string handed out by the library.
        let text = unsafe { CStr::from_ptr(out) }
            .to_string_lossy()
            .into_owned();
        // SAFETY: handed out by the library, freed once, not used afterwards.
        unsafe { binauthz_string_free(out) };
        text
    }
}

impl Drop for CEngine {
    fn drop(&mut self) {
        // SAFETY: an engine from binauthz_engine_new, freed once, after every evaluation.
        unsafe { binauthz_engine_free(self.0) };
    }
}

fn bindings(c: &mut Criterion) {
    let scenario = warm_single().expect("the warm scenario");
    let (config, request) = (&scenario.config, &scenario.request);

    // The Rust JSON path, on an engine built and warmed as evaluate/warm_1img_1att_p256's is.
    let engine = Engine::from_config_str(config)
        .expect("the config compiles")
        .with_cache_capacity(Engine::DEFAULT_CACHE_ENTRIES);
    let cold = engine.evaluate_str(request).expect("the request parses");
    assert!(cold.allowed, "{}", cold.to_json_pretty());
    let decision = engine.evaluate_str(request).expect("the request parses");
    assert_eq!(
        (
            decision.diagnostics.cache_hits,
            decision.diagnostics.cache_misses
        ),
        (1, 0),
        "warm: the conclusion comes from the cache"
    );
    c.bench_function(&format!("json/{WARM_SINGLE}"), |b| {
        b.iter(|| json::evaluate(&engine, black_box(request)))
    });
    c.bench_function("json/parse_request_1img_1att_p256", |b| {
        b.iter(|| Request::parse(black_box(request)))
    });
    c.bench_function("json/parse_value_1img_1att_p256", |b| {
        b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(request)))
    });
    c.bench_function("json/serialize_decision_1img_1att_p256", |b| {
        b.iter(|| json::to_json(black_box(&decision), ErrorStage::Request))
    });

    // The C ABI. Called through pointers the optimizer cannot see through, so that link-time
    // optimization does not inline the library into the loop: a C host makes a real call.
    let c_engine = CEngine::new(config);
    let evaluate: EvaluateFn = binauthz_engine_evaluate;
    let free: FreeFn = binauthz_string_free;
    let first = c_engine.decide(evaluate, request);
    assert!(first.starts_with(r#"{"allowed":true"#), "{first}");
    let warm = c_engine.decide(evaluate, request);
    assert!(warm.contains(r#""cacheHits":1"#), "warm: {warm}");
    c.bench_function(&format!("ffi/{WARM_SINGLE}"), |b| {
        b.iter(|| {
            let (evaluate, free) = (black_box(evaluate), black_box(free));
            let mut out = ptr::null_mut();
            // SAFETY: a live engine, `request.len()` readable bytes, a writable out-pointer.
            let status = unsafe {
                evaluate(
                    c_engine.0,
                    request.as_ptr(),
                    request.len(),
                    &mut out,
                    ptr::null_mut(),
                )
            };
            if status != BinauthzStatus::Ok as c_int {
                panic!("binauthz_engine_evaluate failed with status {status}");
            }
            // SAFETY: handed out by the library on success, freed once.
            unsafe { free(black_box(out)) };
        })
    });
}

criterion_group!(benches, bindings);
criterion_main!(benches);
