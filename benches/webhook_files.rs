//! The files of the webhook load test (benches/webhook-load.sh), and the engine's own time on
//! them:
//!
//! - `cargo run --release -p binauthz-benches --bin webhook-files -- DIR` writes them into DIR
//!   (deterministic keys and signatures, benches/scenarios.rs, so every run sends the same bytes);
//! - `… -- --measure N` answers each review N times in Rust (`api::json::answer_review`, the
//!   call every binding makes), warm (verification cache on) and cold (off), with the
//!   attestations the webhook's directory source gives it, and prints one JSON line per case:
//!   `{"pod", "mode", "ns"}` (the mean). It measures; nothing is asserted.
#![allow(missing_docs, reason = "a fixture binary")]

use std::collections::HashMap;
use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::Instant;

use binauthz_core::api::{self, json};

fn write(dir: &Path) -> Result<(), String> {
    for (name, text) in binauthz_benches::scenarios::webhook_files()? {
        let path = dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    Ok(())
}

/// The attestations the webhook sends with a review: those filed under its images' digests.
fn attestations_for(all: &str, review: &str) -> Result<String, String> {
    let images = api::extract_images(review).map_err(|e| e.message)?.images;
    let digests: Vec<&str> = images
        .iter()
        .filter_map(|i| i.rsplit_once('@').map(|(_, d)| d))
        .collect();
    let split = api::read_attestations(all).map_err(|e| e.message)?;
    let own: Vec<_> = split
        .entries
        .into_iter()
        .filter(|e| e.digest.as_deref().is_some_and(|d| digests.contains(&d)))
        .map(|e| e.occurrence)
        .collect();
    serde_json::to_string(&own).map_err(|e| e.to_string())
}

fn measure(iterations: u32) -> Result<(), String> {
    let files: HashMap<_, _> = binauthz_benches::scenarios::webhook_files()?
        .into_iter()
        .collect();
    let file = |name: &str| files.get(name).ok_or_else(|| format!("no {name}"));
    for pod in ["pod-1", "pod-8x5"] {
        let review = file(&format!("{pod}.json"))?;
        let attestations = attestations_for(file("attestations/attestations.json")?, review)?;
        for (mode, entries) in [
            ("warm", binauthz_core::Engine::DEFAULT_CACHE_ENTRIES),
            ("cold", 0),
        ] {
            let engine =
                json::compile_documents(file("policy.json")?, Some(file("attestors.json")?))
                    .map_err(|e| e.message)?
                    .with_cache_capacity(entries);
            let answer = || json::answer_review(&engine, review, Some(&attestations), None, None);
            let first = answer().map_err(|e| e.message)?;
            if !first.contains(r#""allowed":true"#) {
                return Err(format!("{pod} is not admitted: {first:.300}"));
            }
            let start = Instant::now();
            for _ in 0..iterations {
                black_box(answer().map_err(|e| e.message)?);
            }
            let ns = start.elapsed().as_nanos() / u128::from(iterations.max(1));
            println!(r#"{{"pod":"{pod}","mode":"{mode}","ns":{ns}}}"#);
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.as_slice() {
        [flag, n] if flag == "--measure" => match n.parse() {
            Ok(n) => measure(n),
            Err(e) => Err(format!("--measure {n}: {e}")),
        },
        [dir] => write(Path::new(dir)),
        _ => {
            eprintln!("usage: webhook-files DIR | webhook-files --measure ITERATIONS");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook-files: {e}");
            ExitCode::FAILURE
        }
    }
}
