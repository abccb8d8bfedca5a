//! Writes the files of the webhook load test (benches/webhook-load.sh) into a directory:
//! `cargo run --release -p binauthz-benches --bin webhook-files -- DIR`. Deterministic keys and
//! signatures (benches/scenarios.rs), so every run sends the same bytes.
#![allow(missing_docs, reason = "a fixture binary")]

use std::path::Path;
use std::process::ExitCode;

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

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: webhook-files DIR");
        return ExitCode::from(2);
    };
    match write(Path::new(&dir)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook-files: {e}");
            ExitCode::FAILURE
        }
    }
}
