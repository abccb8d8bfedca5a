//! `binauthz completions SHELL`.

use clap::{Args, CommandFactory};
use clap_complete::Shell;

use crate::Exit;
use crate::input::CliError;

/// Arguments of `binauthz completions`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  binauthz completions bash > /etc/bash_completion.d/binauthz")]
pub struct CompletionsArgs {
    /// The shell to generate completions for.
    shell: Shell,
}

/// Prints the completion script for the shell.
pub fn run<C: CommandFactory>(args: &CompletionsArgs) -> Result<Exit, CliError> {
    let mut command = C::command();
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut command, "binauthz", &mut script);
    out!("{}", String::from_utf8_lossy(&script));
    Ok(Exit::Ok)
}
