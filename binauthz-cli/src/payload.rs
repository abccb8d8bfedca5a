//! `binauthz create-signature-payload`.

use std::io::Write as _;

use binauthz_core::create_signature_payload;
use clap::Args;

use crate::Exit;
use crate::input::CliError;

/// The long description for `binauthz create-signature-payload --help`.
pub const LONG_ABOUT: &str = "\
Print the payload an attestation signs, byte for byte as `gcloud container binauthz
create-signature-payload --artifact-url=URL` prints it: JSON with keys sorted, two-space indent,
ASCII only, one trailing newline (and nothing else on standard output).

A scheme (https://) is stripped and a tag dropped. A URL without `@sha256:` and 64 lower-case hex
digits is refused (exit status 2).";

const EXAMPLES: &str = "\
Example (the payload to sign for an image; identical to gcloud's):
  binauthz create-signature-payload \\
    --artifact-url us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6 \\
    > payload.json
  openssl dgst -sha256 -sign key.pem -out payload.sig payload.json";

/// Arguments of `binauthz create-signature-payload`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct PayloadArgs {
    /// The image, by digest: REGISTRY/PATH@sha256:<64 hex digits> (an https:// scheme and a
    /// :TAG before the digest are allowed and left out of the payload).
    #[arg(long, value_name = "URL")]
    artifact_url: String,
}

/// Runs the command.
pub fn run(args: &PayloadArgs) -> Result<Exit, CliError> {
    let payload = create_signature_payload(&args.artifact_url)
        .map_err(|e| CliError::new("--artifact-url", e))?;
    let mut out = std::io::stdout().lock();
    out.write_all(payload.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new("standard output", format!("cannot write: {e}")))?;
    Ok(Exit::Ok)
}
