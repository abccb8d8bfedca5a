//! Runs the real `binauthz` binary for integration tests.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test helpers: each test crate uses a subset; failures should panic"
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A file under spec/examples.
pub fn example(name: &str) -> String {
    root()
        .join("spec/examples")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// The finished run of the binary.
pub struct Run {
    /// Exit status (2 when killed by a signal, which a test then reports).
    pub status: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(o: Output) -> Run {
        Run {
            status: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

/// Runs `binauthz ARGS` with no standard input and colour disabled.
pub fn binauthz(args: &[&str]) -> Run {
    binauthz_with_stdin(args, "")
}

/// Runs `binauthz ARGS` with `stdin` as standard input.
pub fn binauthz_with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_binauthz"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap().into()
}

/// A fresh temporary directory under target/ for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    // Unique per call: two tests of one binary run in parallel and may ask for the same name
    // (one removing the directory while the other reads it made a test flaky).
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = root()
        .join("target/cli-tests")
        .join(format!("{name}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
