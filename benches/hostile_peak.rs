//! Runs one hostile class of issue 13 (benches/hostile.rs) in this process and prints its
//! outcome, the decision's diagnostics and size, the time taken and the process's peak resident
//! memory (VmHWM, Linux), for benches/RESULTS.md. One class per process, so each peak is its own:
//! `cargo run --release -p binauthz-benches --bin hostile-peak -- CLASS` (`all` for every class,
//! each in a fresh child process).
#![allow(missing_docs, reason = "a report binary")]

use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

use binauthz_benches::hostile;
use binauthz_core::Engine;

fn peak_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Evaluates the class written to `dir` by [`write()`], so that generating it (serde_json values
/// several times its size) is not part of the peak.
fn run(dir: &Path, name: &str) -> Result<(), String> {
    let read = |ext: &str| {
        std::fs::read_to_string(dir.join(format!("{name}.{ext}"))).map_err(|e| e.to_string())
    };
    let class = hostile::Hostile {
        name: "",
        config: read("config")?,
        request: read("request")?,
    };
    let engine = Engine::from_config_str(&class.config).map_err(|e| e.to_string())?;
    let before = peak_kib().unwrap_or(0);
    let start = Instant::now();
    let outcome = engine.evaluate_str(&class.request);
    let elapsed = start.elapsed();
    let (what, json_len) = match &outcome {
        Ok(d) => {
            let json = serde_json::to_string(d).map_err(|e| e.to_string())?;
            (
                format!(
                    "{} ({} images; checks {}, not tried {}, cost {} points, reasons omitted {})",
                    if d.allowed { "ALLOWED" } else { "DENIED" },
                    d.images.len(),
                    d.diagnostics.signature_checks,
                    d.diagnostics.checks_not_tried,
                    d.diagnostics.verification_cost,
                    d.diagnostics.reasons_omitted
                ),
                json.len(),
            )
        }
        Err(e) => (format!("error {}: {}", e.code().as_str(), e), 0),
    };
    let peak = peak_kib().unwrap_or(0);
    // One Markdown table row (the header is printed by the parent).
    println!(
        "| `hostile/{name}` | {} KiB | {:.1} ms | {:.1} MiB ({:.1} MiB before evaluating) | {} KiB | {what} |",
        class.request.len() / 1024,
        elapsed.as_secs_f64() * 1e3,
        peak as f64 / 1024.0,
        before as f64 / 1024.0,
        json_len / 1024,
    );
    Ok(())
}

fn write(dir: &Path, name: &str) -> Result<(), String> {
    let class = hostile::by_name(name)?;
    std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("{name}.config")), class.config).map_err(|e| e.to_string())?;
    std::fs::write(dir.join(format!("{name}.request")), class.request).map_err(|e| e.to_string())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dir = std::env::temp_dir().join("binauthz-hostile");
    if let [flag, name] = args.as_slice()
        && flag == "--run"
    {
        return match run(&dir, name) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::FAILURE
            }
        };
    }
    let names: Vec<&str> = match args.first().map(String::as_str) {
        None | Some("all") => hostile::NAMES.to_vec(),
        Some(_) => args.iter().map(String::as_str).collect(),
    };
    let Ok(me) = std::env::current_exe() else {
        return ExitCode::FAILURE;
    };
    println!("| class | request | evaluate (one run) | peak resident | decision JSON | outcome |");
    println!("|---|---|---|---|---|---|");
    for name in names {
        if let Err(e) = write(&dir, name) {
            eprintln!("{name}: {e}");
            return ExitCode::FAILURE;
        }
        let ok = Command::new(&me)
            .args(["--run", name])
            .status()
            .is_ok_and(|s| s.success());
        if !ok {
            eprintln!("{name}: failed");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
