//! `binauthz sign`: an attestation occurrence for one image, signed with a local private key.
//!
//! The occurrence is what `gcloud container binauthz attestations sign-and-create` would file,
//! in the shape `gcloud container binauthz attestations list --format=json` prints: `resourceUri`
//! (`https://` + the URL without scheme or tag), `noteName` (the attestor's note), `kind`, and
//! `attestation.serializedPayload` (standard base64 of the gcloud-identical payload) with one
//! signature. `name`, `createTime` and `updateTime` are left out: they are assigned by Container
//! Analysis when an occurrence is stored, and binauthz has no server and no clock to invent them.

use std::io::Write as _;
use std::path::PathBuf;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use binauthz_core::CosignSignatures;
use binauthz_core::crypto::{CosignKey, PkixKey, SignatureAlgorithm, default_key_id_for_spki_der};
use binauthz_core::limits::MAX_CONFIG_BYTES;
use binauthz_core::{Attestor, Occurrence, create_signature_payload};
use binauthz_core::{AttestorKey, PublicKey};
use clap::Args;
use serde_json::{Value, json};

use crate::Exit;
use crate::input::{CliError, read_text};
use crate::keys::PrivateKey;
use crate::payload::{PayloadType, make_payload};

/// Private key files are small; anything larger is not a key.
const MAX_PRIVATE_KEY_BYTES: usize = 64 * 1024;

/// The long description for `binauthz sign --help`.
pub const LONG_ABOUT: &str = "\
Sign the gcloud-identical payload for an image with a local private key and print one attestation
occurrence (JSON, as `gcloud container binauthz attestations list --format=json` prints one) that
`binauthz evaluate --attestations` accepts.

The signing key is the attestor key whose public key equals the private key's. Its
signatureAlgorithm decides how to sign (ECDSA with a DER signature; RSA-PSS with MGF1 and a salt
as long as the digest; RSA PKCS#1 v1.5) and its id becomes the signature's publicKeyId. A private
key that matches none of the attestor's keys is refused (exit status 2). The signature is verified
with the attestor key before anything is printed.

The occurrence has resourceUri (https:// + the URL without tag), noteName (the attestor's
noteReference), kind ATTESTATION and attestation.serializedPayload (standard base64) with one
signature. It has no name, createTime or updateTime: Container Analysis assigns those when it
stores an occurrence.

With --type cosign, sign instead the payload `cosign sign --key` signs (see
`create-signature-payload --type cosign`) the way cosign does, with SHA-256 whatever the key (ECDSA
DER on P-256, P-384 and P-521; RSA PKCS#1 v1.5), and print one line as `cosign download signature`
prints it: {\"Base64Signature\":…,\"Payload\":…} (standard base64 of the signature and of the
payload bytes). No attestor is needed, and --attestor, --attestor-name, --public-key-id and
--algorithm are refused. The signature is verified with the private key's public key first.";

const EXAMPLES: &str = "\
Example (from the repository root; the occurrence goes to stdout):
  binauthz sign \\
    --artifact-url us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6 \\
    --attestor spec/examples/attestors.yaml --private-key spec/examples/keys/built-by-ci.pem \\
    > built-by-ci.json
  binauthz evaluate --policy spec/examples/policy.yaml --attestor spec/examples/attestors.yaml \\
    --attestations built-by-ci.json --namespace staging \\
    --image us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6

Example (a cosign signature, as `cosign download signature` would print it):
  binauthz sign --type cosign \\
    --artifact-url us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6 \\
    --private-key spec/examples/keys/built-by-ci.pem > signature.jsonl";

/// Arguments of `binauthz sign`.
#[derive(Debug, Args)]
#[command(after_help = EXAMPLES)]
pub struct SignArgs {
    /// The image, by digest: REGISTRY/PATH@sha256:<64 hex digits> (a scheme is stripped, a tag
    /// dropped).
    #[arg(long, value_name = "URL")]
    artifact_url: String,
    /// Which payload to sign: gcloud's attestation payload (an occurrence is printed), or the
    /// one cosign signs (a `cosign download signature` line is printed).
    #[arg(long = "type", value_enum, default_value_t = PayloadType::Gcloud)]
    payload_type: PayloadType,
    /// Attestor file (YAML or JSON, as `gcloud container binauthz attestors describe` prints
    /// it): one attestor, or a list from which the attestor holding the key is used. Required
    /// unless --type cosign.
    #[arg(long, value_name = "FILE")]
    attestor: Option<PathBuf>,
    /// With a list of attestors: sign for this one (projects/PROJECT/attestors/NAME).
    #[arg(long, value_name = "NAME")]
    attestor_name: Option<String>,
    /// Unencrypted PEM private key: PKCS#8 (`openssl genpkey`), SEC1 (`EC PRIVATE KEY`) or
    /// PKCS#1 (`RSA PRIVATE KEY`).
    #[arg(long, value_name = "PEM")]
    private_key: PathBuf,
    /// The id of the attestor key to sign as, when the attestor lists the key more than once.
    #[arg(long, value_name = "ID")]
    public_key_id: Option<String>,
    /// The signature algorithm (any GCP name or alias, e.g. RSA_PSS_2048_SHA256 or
    /// RSA_SIGN_PKCS1_2048_SHA256), when the attestor lists the key with several; it must
    /// agree with the attestor key's signatureAlgorithm.
    #[arg(long, value_name = "ALG")]
    algorithm: Option<String>,
}

/// One attestor key that the private key can sign for.
#[derive(Clone, Copy)]
struct Candidate<'a> {
    attestor: &'a Attestor,
    key: &'a AttestorKey,
    pkix: &'a PkixKey,
}

impl Candidate<'_> {
    fn describe(&self) -> String {
        format!(
            "`{}` ({}) of {}",
            self.key.id(),
            self.pkix.algorithm(),
            self.attestor.name()
        )
    }

    fn same_as(&self, other: &Candidate<'_>) -> bool {
        self.attestor.name() == other.attestor.name()
            && self.key.id() == other.key.id()
            && self.pkix.algorithm() == other.pkix.algorithm()
    }
}

/// Runs the command.
pub fn run(args: &SignArgs) -> Result<Exit, CliError> {
    if args.payload_type == PayloadType::Cosign {
        return run_cosign(args);
    }
    let Some(attestor) = &args.attestor else {
        return Err(CliError::new(
            "--attestor",
            "an attestor file is required to sign an attestation (only --type cosign signs \
             without one)",
        ));
    };
    let algorithm = args
        .algorithm
        .as_deref()
        .map(parse_algorithm)
        .transpose()
        .map_err(|m| CliError::new("--algorithm", m))?;
    let attestor_file = attestor.display().to_string();
    let text = read_text(attestor, MAX_CONFIG_BYTES)?;
    let attestors = Attestor::parse_many(&text).map_err(|e| CliError::input(&attestor_file, &e))?;
    let key_file = args.private_key.display().to_string();
    let key_text = read_text(&args.private_key, MAX_PRIVATE_KEY_BYTES)?;
    let occurrence = sign_occurrence(&Signing {
        artifact_url: &args.artifact_url,
        attestors,
        attestor_file: &attestor_file,
        attestor_name: args.attestor_name.as_deref(),
        key_text: &key_text,
        key_file: &key_file,
        public_key_id: args.public_key_id.as_deref(),
        algorithm,
    })?;
    let text =
        serde_json::to_string_pretty(&occurrence).map_err(|e| CliError::new("occurrence", e))?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new("standard output", format!("cannot write: {e}")))?;
    Ok(Exit::Ok)
}

/// `binauthz sign --type cosign`: the cosign payload signed with SHA-256 whatever the key,
/// printed as one `cosign download signature` line.
fn run_cosign(args: &SignArgs) -> Result<Exit, CliError> {
    let not_for_cosign = [
        ("--attestor", args.attestor.is_some()),
        ("--attestor-name", args.attestor_name.is_some()),
        ("--public-key-id", args.public_key_id.is_some()),
        ("--algorithm", args.algorithm.is_some()),
    ];
    if let Some((flag, _)) = not_for_cosign.iter().find(|(_, given)| *given) {
        return Err(CliError::new(
            *flag,
            "does not apply to --type cosign: a cosign signature names no attestor or key, and \
             cosign signs with SHA-256 whatever the key",
        ));
    }
    let key_file = args.private_key.display().to_string();
    let key_text = read_text(&args.private_key, MAX_PRIVATE_KEY_BYTES)?;
    let line = sign_cosign(&args.artifact_url, &key_text, &key_file)?;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(|e| CliError::new("standard output", format!("cannot write: {e}")))?;
    Ok(Exit::Ok)
}

/// Signs the cosign payload for an image and returns the verified `cosign download signature`
/// line: `{"Base64Signature":…,"Payload":…}` (standard padded base64, as Go marshals a
/// `string` of base64 and a `[]byte`).
pub fn sign_cosign(artifact_url: &str, key_text: &str, key_file: &str) -> Result<Value, CliError> {
    let payload = make_payload(PayloadType::Cosign, artifact_url)?;
    let private_key = PrivateKey::from_pem(key_text).map_err(|m| CliError::new(key_file, m))?;
    let spki = private_key
        .public_spki_der()
        .map_err(|m| CliError::new(key_file, m))?;
    // The key must be one binauthz can verify cosign signatures with (not RSA-2560, say).
    let public_pem = format!(
        "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
        STANDARD.encode(&spki)
    );
    let public_key = CosignKey::from_pem(&public_pem).map_err(|e| CliError::new(key_file, e))?;
    let signature = private_key
        .sign_cosign(payload.as_bytes())
        .map_err(|m| CliError::new(key_file, m))?;
    // Belt and braces: the signature must verify as binauthz verifies cosign signatures.
    public_key
        .verify(payload.as_bytes(), &signature)
        .map_err(|e| {
            CliError::new(
                key_file,
                format!("internal error: the new cosign signature does not verify: {e}"),
            )
        })?;
    let line = json!({
        "Base64Signature": STANDARD.encode(&signature),
        "Payload": STANDARD.encode(payload.as_bytes()),
    });
    // And the core must read what is printed.
    CosignSignatures::parse_lines(&line.to_string()).map_err(|e| {
        CliError::new(
            "signature",
            format!("internal error: the cosign signature line is not valid: {e}"),
        )
    })?;
    Ok(line)
}

/// Reads a private key file for signing (at most 64 KiB).
pub fn read_private_key(path: &std::path::Path) -> Result<String, CliError> {
    read_text(path, MAX_PRIVATE_KEY_BYTES)
}

/// What to sign, with what: `binauthz sign`'s arguments once its files are read.
pub struct Signing<'a> {
    /// The image, by digest.
    pub artifact_url: &'a str,
    /// The attestors of the attestor file(s).
    pub attestors: Vec<Attestor>,
    /// The attestor file(s), for messages.
    pub attestor_file: &'a str,
    /// Sign for this attestor only.
    pub attestor_name: Option<&'a str>,
    /// The private key (PEM).
    pub key_text: &'a str,
    /// The private key's file, for messages.
    pub key_file: &'a str,
    /// The attestor key id to sign as.
    pub public_key_id: Option<&'a str>,
    /// The signature algorithm to sign with.
    pub algorithm: Option<SignatureAlgorithm>,
}

/// Signs an image's payload and returns the verified occurrence (used by `sign` and by `test`).
pub fn sign_occurrence(signing: &Signing<'_>) -> Result<Value, CliError> {
    let payload = create_signature_payload(signing.artifact_url)
        .map_err(|e| CliError::new("--artifact-url", e))?;
    let attestor_file = signing.attestor_file;
    let mut attestors = signing.attestors.clone();
    if let Some(name) = signing.attestor_name {
        let known: Vec<String> = attestors.iter().map(|a| a.name().to_string()).collect();
        attestors.retain(|a| a.name().as_str() == name);
        if attestors.is_empty() {
            return Err(CliError::new(
                "--attestor-name",
                format!(
                    "`{name}` is not in {attestor_file}, which has {}",
                    list_or_none(&known)
                ),
            ));
        }
    }
    if attestors.is_empty() {
        return Err(CliError::new(attestor_file, "the file holds no attestor"));
    }

    let key_file = signing.key_file;
    let private_key =
        PrivateKey::from_pem(signing.key_text).map_err(|m| CliError::new(key_file, m))?;
    let spki = private_key
        .public_spki_der()
        .map_err(|m| CliError::new(key_file, m))?;

    let spki_ref = spki.as_slice();
    let matching: Vec<Candidate<'_>> = attestors
        .iter()
        .flat_map(|attestor| {
            attestor
                .keys()
                .iter()
                .filter_map(move |key| match key.key() {
                    PublicKey::Pkix(pkix) if pkix.spki_der() == spki_ref => Some(Candidate {
                        attestor,
                        key,
                        pkix,
                    }),
                    _ => None,
                })
        })
        .collect();
    if matching.is_empty() {
        return Err(CliError::new(
            key_file,
            no_match_message(&private_key, &spki, &attestors),
        ));
    }
    let chosen = choose(&matching, signing.public_key_id, signing.algorithm)?;

    let signature = private_key
        .sign(chosen.pkix.algorithm(), payload.as_bytes())
        .map_err(|m| CliError::new(key_file, m))?;
    // Belt and braces: the signature must verify with the attestor's key, as `evaluate` checks it.
    chosen
        .pkix
        .verify(payload.as_bytes(), &signature)
        .map_err(|e| {
            CliError::new(
                key_file,
                format!("internal error: the new signature does not verify: {e}"),
            )
        })?;

    let occurrence = occurrence_json(&payload, chosen, &signature)?;
    // And `evaluate --attestations` must accept what is printed.
    Occurrence::from_value(occurrence.clone()).map_err(|e| {
        CliError::new(
            "occurrence",
            format!("internal error: the occurrence is not valid: {e}"),
        )
    })?;
    Ok(occurrence)
}

fn parse_algorithm(name: &str) -> Result<SignatureAlgorithm, String> {
    SignatureAlgorithm::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = SignatureAlgorithm::ALL
            .iter()
            .flat_map(|a| a.names().iter().copied())
            .collect();
        format!(
            "`{name}` is not a signature algorithm; expected one of {}",
            names.join(", ")
        )
    })
}

/// Picks the one attestor key to sign as.
fn choose<'a>(
    matching: &[Candidate<'a>],
    public_key_id: Option<&str>,
    algorithm: Option<SignatureAlgorithm>,
) -> Result<Candidate<'a>, CliError> {
    let describe_all = |c: &[Candidate<'_>]| {
        c.iter()
            .map(Candidate::describe)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut chosen: Vec<Candidate<'a>> = matching.to_vec();
    if let Some(id) = public_key_id {
        chosen.retain(|c| c.key.id().as_str() == id);
        if chosen.is_empty() {
            return Err(CliError::new(
                "--public-key-id",
                format!(
                    "`{id}` is not the id of an attestor key that matches the private key; the \
                     matching keys are {}",
                    describe_all(matching)
                ),
            ));
        }
    }
    if let Some(alg) = algorithm {
        let before = chosen.clone();
        chosen.retain(|c| c.pkix.algorithm() == alg);
        if chosen.is_empty() {
            return Err(CliError::new(
                "--algorithm",
                format!(
                    "{alg} does not agree with the attestor key that matches the private key: {}",
                    describe_all(&before)
                ),
            ));
        }
    }
    let mut distinct: Vec<Candidate<'a>> = Vec::new();
    for c in chosen {
        if !distinct.iter().any(|d| d.same_as(&c)) {
            distinct.push(c);
        }
    }
    match distinct.as_slice() {
        [one] => Ok(*one),
        _ => {
            let differ = |f: &dyn Fn(&Candidate<'_>) -> String| {
                let first = distinct.first().map(f);
                distinct.iter().any(|c| Some(f(c)) != first)
            };
            let mut flags = Vec::new();
            if differ(&|c| c.attestor.name().to_string()) {
                flags.push("--attestor-name");
            }
            if differ(&|c| c.key.id().to_string()) {
                flags.push("--public-key-id");
            }
            if differ(&|c| c.pkix.algorithm().to_string()) {
                flags.push("--algorithm");
            }
            Err(CliError::new(
                "--private-key",
                format!(
                    "the private key matches several attestor keys: {}; choose one with {}",
                    describe_all(&distinct),
                    flags.join(" or ")
                ),
            ))
        }
    }
}

fn no_match_message(private_key: &PrivateKey, spki: &[u8], attestors: &[Attestor]) -> String {
    let lists: Vec<String> = attestors
        .iter()
        .map(|a| {
            let keys: Vec<String> = a
                .keys()
                .iter()
                .map(|k| format!("`{}` ({})", k.id(), k.algorithm_name()))
                .collect();
            format!("{} has {}", a.name(), list_or_none(&keys))
        })
        .collect();
    let whose = match attestors {
        [one] => format!("attestor {}", one.name()),
        _ => "the attestors in the file".to_owned(),
    };
    format!(
        "the private key ({}, public key id {}) matches none of the keys of {whose}: {}; sign \
         with the private key of one of them, or add this key to the attestor",
        private_key.kind(),
        default_key_id_for_spki_der(spki),
        lists.join("; ")
    )
}

fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}

/// The occurrence, in gcloud's shape (keys sorted as `--format=json` prints them).
fn occurrence_json(
    payload: &str,
    chosen: Candidate<'_>,
    signature: &[u8],
) -> Result<Value, CliError> {
    // The resource URI from the payload itself: the repository (scheme stripped, tag dropped)
    // and the digest, with the https:// scheme Grafeas resource URIs carry.
    let parsed: Value =
        serde_json::from_str(payload).map_err(|e| CliError::new("payload", e.to_string()))?;
    let field = |pointer: &str| {
        parsed
            .pointer(pointer)
            .and_then(Value::as_str)
            .ok_or_else(|| CliError::new("payload", format!("internal error: no {pointer}")))
    };
    let repository = field("/critical/identity/docker-reference")?;
    let digest = field("/critical/image/docker-manifest-digest")?;
    Ok(json!({
        "attestation": {
            "serializedPayload": STANDARD.encode(payload.as_bytes()),
            "signatures": [{
                "publicKeyId": chosen.key.id().as_str(),
                "signature": STANDARD.encode(signature),
            }],
        },
        "kind": "ATTESTATION",
        "noteName": chosen.attestor.note().as_str(),
        "resourceUri": format!("https://{repository}@{digest}"),
    }))
}
