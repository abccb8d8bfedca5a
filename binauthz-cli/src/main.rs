//! `binauthz`: evaluates container images against a Binary Authorization policy.
//!
//! All file and terminal I/O of the project lives here; the decisions are binauthz-core's.
#![forbid(unsafe_code)]
// Standard output goes through `outln!` and `out!`, which end quietly on a closed pipe.
#![deny(clippy::print_stdout)]

/// Like `println!`, but a closed pipe (`binauthz ... | head`) ends the output quietly instead of
/// panicking, as it does in other Unix tools.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Like `print!`, with `outln!`'s handling of closed pipes.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stdout().lock(), $($arg)*);
    }};
}

mod audit_log;
mod completions;
mod evaluate;
mod input;
mod keys;
mod lint_manifest;
mod load;
mod output;
mod payload;
mod platform;
mod policy_check;
mod replay;
mod sign;
mod test_cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use input::CliError;

/// How a command ended, as the process exit status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// 0: the deploy proceeds / the check passed.
    Ok,
    /// 1: blocked (or warnings with `--deny-warnings`).
    Blocked,
    /// 2: bad input or usage.
    BadInput,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(match e {
            Exit::Ok => 0,
            Exit::Blocked => 1,
            Exit::BadInput => 2,
        })
    }
}

const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  the deploy may proceed (allowed, dry-run violation or breakglass) / the check passed
  1  blocked: at least one image is denied (lint: warnings with --deny-warnings)
  2  bad input or usage: the message on stderr names the file and the field";

#[derive(Debug, Parser)]
#[command(
    name = "binauthz",
    version = binauthz_core::VERSION,
    about = "Deploy-time container image policy engine, compatible with Google Cloud Binary Authorization",
    after_help = EXIT_STATUS_HELP
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decide whether images may run under a policy, given their attestations.
    Evaluate(evaluate::EvaluateArgs),
    /// Print the payload an attestation signs, byte-identical to gcloud's.
    #[command(long_about = payload::LONG_ABOUT)]
    CreateSignaturePayload(payload::PayloadArgs),
    /// Sign an image's payload with a local private key and print the attestation occurrence.
    #[command(long_about = sign::LONG_ABOUT)]
    Sign(sign::SignArgs),
    /// Replay logged admission requests against a new policy: what would it newly block?
    Replay(replay::ReplayArgs),
    /// Print shell completions (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Check a policy: `validate` reports every error, `lint` warns about risky but valid policies.
    Policy(policy_check::PolicyArgs),
    /// List the images of a Kubernetes manifest that are not pinned by digest.
    LintManifest(lint_manifest::LintManifestArgs),
    /// Run policy tests (*_test.yaml): what a policy must decide, checked without a cloud account.
    Test(test_cmd::TestArgs),
    /// Check-based platform policies (gkePolicy): validate one, or evaluate pods against it.
    PlatformPolicy(platform::PlatformArgs),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // --help and --version print to stdout and succeed; usage errors exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                Exit::BadInput.into()
            } else {
                Exit::Ok.into()
            };
        }
    };
    let result = match cli.command {
        Command::Evaluate(args) => evaluate::run(&args),
        Command::CreateSignaturePayload(args) => payload::run(&args),
        Command::Sign(args) => sign::run(&args),
        Command::Replay(args) => replay::run(&args),
        Command::Completions(args) => completions::run::<Cli>(&args),
        Command::Policy(args) => policy_check::run(&args),
        Command::LintManifest(args) => lint_manifest::run(&args),
        Command::Test(args) => test_cmd::run(&args),
        Command::PlatformPolicy(args) => platform::run(&args),
    };
    match result {
        Ok(exit) => exit.into(),
        Err(e) => {
            // Error messages quote the input: escaped.
            eprintln!(
                "binauthz: error: {}",
                binauthz_core::untrusted::escape(&e.to_string())
            );
            Exit::BadInput.into()
        }
    }
}
