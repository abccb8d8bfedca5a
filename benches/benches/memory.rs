//! Reports memory, not time: the engine's resident size for a 1,000-rule policy with 200
//! attestors, and the verification cache's bytes per entry. Linux only (it reads the resident
//! set from /proc/self/statm); elsewhere it says so and exits. Run with
//! `cargo bench -p binauthz-benches --bench memory`; the figures go into benches/RESULTS.md.
#![allow(missing_docs, reason = "a benchmark binary")]
#![allow(clippy::expect_used, reason = "a report whose setup fails cannot run")]

use binauthz_benches::scenarios;
use binauthz_core::{Engine, Request};

/// The resident set size in bytes, from /proc/self/statm (pages × 4 KiB).
fn resident() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn main() {
    // Arguments (`--bench`, criterion's flags and filters) are ignored: the report takes seconds.
    let Some(start) = resident() else {
        println!("memory: /proc/self/statm is not available here; no report");
        return;
    };
    let config = scenarios::large_policy(1000, 200).expect("large policy");
    // Ten engines held at once, so the growth is theirs rather than memory the allocator had
    // already freed (building the config text frees plenty): the figure is the mean of ten.
    const ENGINES: u64 = 10;
    let before = resident().unwrap_or(start);
    let engines: Vec<Engine> = (0..ENGINES)
        .map(|_| Engine::from_config_str(&config).expect("large policy compiles"))
        .collect();
    let after = resident().unwrap_or(before);
    let each = after.saturating_sub(before) / ENGINES;
    println!(
        "memory/engine_1000_rules_200_attestors: {} resident per engine ({each} bytes, the mean of {ENGINES} held at once; config text {} KiB)",
        mib(each),
        config.len() / 1024
    );
    drop(engines);

    // Fill a cache with N accepted checks: N single-image requests, parsed up front so only the
    // cache grows while they are evaluated.
    const N: usize = 20_000;
    let engine = Engine::from_config_str(&scenarios::single_attestor().expect("config"))
        .expect("single attestor compiles")
        .with_cache_capacity(N);
    let requests: Vec<Request> = (0..N)
        .map(|i| {
            Request::parse(&scenarios::single_image_request(i).expect("request")).expect("parses")
        })
        .collect();
    let before = resident().unwrap_or(0);
    for request in &requests {
        let decision = engine.evaluate(request);
        assert!(decision.allowed);
    }
    let after = resident().unwrap_or(before);
    let stats = engine.cache_stats();
    assert_eq!(stats.entries, N);
    println!(
        "memory/cache_bytes_per_entry: {:.0} bytes resident per entry ({} entries, {} resident growth)",
        after.saturating_sub(before) as f64 / N as f64,
        stats.entries,
        mib(after.saturating_sub(before))
    );
}
