//! `binauthz create-signature-payload`.

use std::io::Write as _;

use binauthz_core::{create_cosign_signature_payload, create_signature_payload};
use clap::{Args, ValueEnum};

use crate::Exit;
use crate::input::CliError;

/// The long description for `binauthz create-signature-payload --help`.
pub const LONG_ABOUT: &str = "\
Print the payload an attestation signs, byte for byte as `gcloud container binauthz
create-signature-payload --artifact-url=URL` prints it: JSON with keys sorted, two-space indent,
ASCII only, one trailing newline (and nothing else on standard output).

A scheme (https://) is stripped and a tag dropped. A URL without `@sha256:` and 64 lower-case hex
digits is refused (exit status 2).

With --type cosign, print instead the simple-signing payload `cosign sign` signs (key-based,
legacy `.sig` layout), byte for byte as Go marshals it: one line of JSON without white space or
trailing newline, `critical.identity.docker-reference` the repository (no scheme, tag or digest),
`critical.type` `cosign container image signature`, `optional` null.";

const EXAMPLES: &str = "\
Example (the payload to sign for an image; identical to gcloud's):
  binauthz create-signature-payload \\
    --artifact-url us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6 \\
    > payload.json
  openssl dgst -sha256 -sign key.pem -out payload.sig payload.json

Example (the payload cosign signs for the image; cosign hashes with SHA-256 whatever the key):
  binauthz create-signature-payload --type cosign \\
    --artifact-url us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6 \\
    > payload.json";

/// Arguments of `binauthz create-signature-payload`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct PayloadArgs {
    /// The image, by digest: REGISTRY/PATH@sha256:<64 hex digits> (an https:// scheme and a
    /// :TAG before the digest are allowed and left out of the payload).
    #[arg(long, value_name = "URL")]
    artifact_url: String,
    /// Which payload: gcloud's attestation payload, or the one cosign signs.
    #[arg(long = "type", value_enum, default_value_t = PayloadType::Gcloud)]
    payload_type: PayloadType,
}

/// The payloads binauthz makes (`--type` of `create-signature-payload` and `sign`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PayloadType {
    /// gcloud's attestation payload (`Google cloud binauthz container signature`).
    Gcloud,
    /// Cosign's simple-signing payload (`cosign container image signature`), key-based.
    Cosign,
}

/// The payload of `payload_type` for an image by digest.
pub fn make_payload(payload_type: PayloadType, artifact_url: &str) -> Result<String, CliError> {
    match payload_type {
        PayloadType::Gcloud => create_signature_payload(artifact_url).map_err(|e| e.to_string()),
        PayloadType::Cosign => {
            create_cosign_signature_payload(artifact_url).map_err(|e| e.to_string())
        }
    }
    .map_err(|m| CliError::new("--artifact-url", m))
}

/// Runs the command.
pub fn run(args: &PayloadArgs) -> Result<Exit, CliError> {
    let payload = make_payload(args.payload_type, &args.artifact_url)?;
    let mut out = std::io::stdout().lock();
    out.write_all(payload.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new("standard output", format!("cannot write: {e}")))?;
    Ok(Exit::Ok)
}
