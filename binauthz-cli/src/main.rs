//! `binauthz`: evaluates container images against a Binary Authorization policy.
//!
//! All file and terminal I/O of the project lives here; the decisions are binauthz-core's.
#![forbid(unsafe_code)]

mod evaluate;
mod input;
mod output;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Exit status when the deploy may proceed.
const EXIT_ALLOWED: u8 = 0;
/// Exit status when at least one image is blocked.
const EXIT_BLOCKED: u8 = 1;
/// Exit status for bad input or usage.
const EXIT_BAD_INPUT: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "binauthz",
    version = binauthz_core::VERSION,
    about = "Deploy-time container image policy engine, compatible with Google Cloud Binary Authorization",
    long_about = None
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide whether images may run under a policy, given their attestations.
    ///
    /// Exit status: 0 the deploy proceeds (allowed, dry-run violation or breakglass),
    /// 1 blocked, 2 bad input or usage.
    Evaluate(evaluate::EvaluateArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_BAD_INPUT } else { 0 });
        }
    };
    let result = match cli.command {
        Command::Evaluate(args) => evaluate::run(&args),
    };
    match result {
        Ok(true) => ExitCode::from(EXIT_ALLOWED),
        Ok(false) => ExitCode::from(EXIT_BLOCKED),
        Err(e) => {
            eprintln!("binauthz: error: {e}");
            ExitCode::from(EXIT_BAD_INPUT)
        }
    }
}
