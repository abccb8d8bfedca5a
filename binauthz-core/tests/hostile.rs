//! The hostile-input corpus (tests/hostile/, made by tests/hostile/generate.py) plus inputs too
//! large to commit: every config must be rejected with an error, every request must be rejected
//! or denied. Never a panic, and never an ALLOW.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::path::{Path, PathBuf};

use binauthz_core::{Engine, ErrorCode};
use common::case;

fn corpus(kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/hostile")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files
}

fn base_engine() -> Engine {
    let c = case("alg-ecdsa-p256-sha256-valid");
    Engine::from_config_str(&c["config"].to_string()).unwrap()
}

#[test]
fn corpus_is_large_enough() {
    assert!(corpus("config").len() + corpus("request").len() >= 200);
}

#[test]
fn every_hostile_config_is_an_error() {
    let mut accepted = Vec::new();
    for path in corpus("config") {
        let bytes = std::fs::read(&path).unwrap();
        match Engine::from_config_bytes(&bytes) {
            Err(e) => assert!(!e.to_string().is_empty()),
            Ok(_) => accepted.push(path.file_name().unwrap().to_string_lossy().into_owned()),
        }
    }
    assert!(
        accepted.is_empty(),
        "hostile configs accepted: {accepted:?}"
    );
}

#[test]
fn every_hostile_request_is_an_error_or_a_denial() {
    let engine = base_engine();
    let mut admitted = Vec::new();
    for path in corpus("request") {
        let bytes = std::fs::read(&path).unwrap();
        if let Ok(decision) = engine.evaluate_bytes(&bytes)
            && decision.allowed
        {
            admitted.push(path.file_name().unwrap().to_string_lossy().into_owned());
        }
    }
    assert!(
        admitted.is_empty(),
        "hostile requests admitted: {admitted:?}"
    );
}

#[test]
fn the_base_case_itself_is_admitted() {
    // Guards the corpus: if the base stopped being admitted, the request checks would pass
    // vacuously.
    let c = case("alg-ecdsa-p256-sha256-valid");
    let d = base_engine()
        .evaluate_str(&c["request"].to_string())
        .unwrap();
    assert!(d.allowed);
}

fn limit_error(result: Result<impl Sized, binauthz_core::Error>) {
    match result {
        Err(e) => assert_eq!(e.code(), ErrorCode::Limit, "{e}"),
        Ok(_) => panic!("expected a limit error"),
    }
}

#[test]
fn a_100_mb_string_is_refused_by_size() {
    let big = "a".repeat(100 * 1024 * 1024);
    let config = format!(r#"{{"policy": {{"description": "{big}"}}}}"#);
    limit_error(Engine::from_config_str(&config));
    let request = format!(r#"{{"images": ["{big}"]}}"#);
    limit_error(base_engine().evaluate_str(&request));
}

#[test]
fn huge_lists_are_refused_by_count() {
    let images: Vec<String> = (0..100_000).map(|i| format!("gcr.io/a/b{i}:1")).collect();
    let request = serde_json::json!({ "images": images }).to_string();
    limit_error(base_engine().evaluate_str(&request));
    let c = case("alg-ecdsa-p256-sha256-valid");
    let occurrence = c["request"]["attestations"][0].clone();
    let request = serde_json::json!({
        "images": c["request"]["images"],
        "attestations": vec![occurrence; 5000],
    })
    .to_string();
    limit_error(base_engine().evaluate_str(&request));
}

#[test]
fn a_yaml_alias_bomb_within_the_size_limit_is_refused() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("policy: *a8\n");
    assert!(Engine::from_config_str(&text).is_err());
}
