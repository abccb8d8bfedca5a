//! Synthetic configs and requests for the `evaluate/*`, `compile/*` and `parse/*` benchmarks and
//! the memory report: deterministic P-256 keys (from fixed scalars) and RFC 6979 signatures over
//! gcloud's payload, so every run measures the same bytes and every signature is genuine.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use binauthz_core::create_signature_payload;
use p256::ecdsa::signature::Signer;
use p256::ecdsa::{DerSignature, SigningKey};
use p256::pkcs8::EncodePublicKey;
use p256::pkcs8::LineEnding;
use serde_json::{Value, json};

/// A config and a request, as JSON text.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// The config document (policy and attestors).
    pub config: String,
    /// The request document.
    pub request: String,
}

/// One attestor with one deterministic P-256 key: `projects/bench/attestors/a{n}`.
struct BenchAttestor {
    name: String,
    note: String,
    key_id: String,
    signer: SigningKey,
}

impl BenchAttestor {
    fn new(n: usize) -> Result<Self, String> {
        // A fixed, valid scalar per attestor: 0x01.. followed by n, far below the group order.
        let mut scalar = [0x11u8; 32];
        scalar[24..].copy_from_slice(&(n as u64 + 1).to_be_bytes());
        let signer = SigningKey::from_slice(&scalar).map_err(|e| format!("scalar {n}: {e}"))?;
        Ok(BenchAttestor {
            name: format!("projects/bench/attestors/a{n}"),
            note: format!("projects/bench/notes/a{n}"),
            key_id: format!(
                "//cloudkms.googleapis.com/v1/projects/bench/locations/global/keyRings/r/cryptoKeys/a{n}/cryptoKeyVersions/1"
            ),
            signer,
        })
    }

    fn document(&self) -> Result<Value, String> {
        let pem = self
            .signer
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)
            .map_err(|e| e.to_string())?;
        Ok(json!({
            "name": self.name,
            "userOwnedGrafeasNote": {
                "noteReference": self.note,
                "publicKeys": [{
                    "id": self.key_id,
                    "pkixPublicKey": {"publicKeyPem": pem, "signatureAlgorithm": "ECDSA_P256_SHA256"}
                }]
            }
        }))
    }

    /// An attestation occurrence by this attestor for `image` (which has a digest).
    fn occurrence(&self, image: &str, n: usize) -> Result<Value, String> {
        let payload = create_signature_payload(image).map_err(|e| e.to_string())?;
        let signature: DerSignature = self.signer.sign(payload.as_bytes());
        Ok(json!({
            "name": format!("projects/bench/occurrences/{n}"),
            "resourceUri": format!("https://{image}"),
            "noteName": self.note,
            "kind": "ATTESTATION",
            "attestation": {
                "serializedPayload": BASE64.encode(payload.as_bytes()),
                "signatures": [{
                    "publicKeyId": self.key_id,
                    "signature": BASE64.encode(signature.as_bytes())
                }]
            }
        }))
    }
}

/// `us-docker.pkg.dev/bench/app/svc{n}@sha256:…`, a distinct digest per `n`.
pub fn image(n: usize) -> String {
    format!("us-docker.pkg.dev/bench/app/svc{n}@sha256:{:064x}", n + 1)
}

fn attestors(count: usize) -> Result<Vec<BenchAttestor>, String> {
    (0..count).map(BenchAttestor::new).collect()
}

fn rule(by: &[String]) -> Value {
    json!({
        "evaluationMode": "REQUIRE_ATTESTATION",
        "requireAttestationsBy": by,
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"
    })
}

/// A pod of `images` distinct images whose default rule requires `attestors` attestors, each of
/// which has signed every image: `images × attestors` signatures to check (kyverno#16657 had 8
/// containers and 5 attestors). Every image is admitted.
pub fn pod(images: usize, attestor_count: usize) -> Result<Scenario, String> {
    let atts = attestors(attestor_count)?;
    let names: Vec<String> = atts.iter().map(|a| a.name.clone()).collect();
    let docs: Vec<Value> = atts
        .iter()
        .map(BenchAttestor::document)
        .collect::<Result<_, _>>()?;
    let pod_images: Vec<String> = (0..images).map(image).collect();
    let mut occurrences = Vec::new();
    for (i, img) in pod_images.iter().enumerate() {
        for (j, a) in atts.iter().enumerate() {
            occurrences.push(a.occurrence(img, i * attestor_count + j)?);
        }
    }
    Ok(Scenario {
        config: json!({
            "policy": {"name": "projects/bench/policy", "defaultAdmissionRule": rule(&names)},
            "attestors": docs
        })
        .to_string(),
        request: json!({"images": pod_images, "attestations": occurrences}).to_string(),
    })
}

/// A policy with `n` allowlist patterns (of assorted kinds and lengths) and `n` namespace rules,
/// and a request of two images in namespace `ns-{n-1}`: one allowlisted only by the last
/// pattern, one that reaches the last namespace's rule (ALWAYS_ALLOW). A scan would look at
/// every pattern and every key; both are admitted.
pub fn allowlist(n: usize) -> Scenario {
    let patterns: Vec<Value> = (0..n)
        .map(|i| {
            let pattern = match i % 4 {
                0 => format!("gcr.io/team-{}/service-{i}*", i % 97),
                1 => format!("gcr.io/team-{}/service-{i}:release", i % 97),
                2 => format!("europe-docker.pkg.dev/p{i}/images/**"),
                _ => format!("gcr.io/team-{}/svc-{i}@*", i % 97),
            };
            json!({"namePattern": pattern})
        })
        .collect();
    let last = n.saturating_sub(1);
    let allowlisted = match last % 4 {
        0 => format!("gcr.io/team-{}/service-{last}:1.0", last % 97),
        1 => format!("gcr.io/team-{}/service-{last}:release", last % 97),
        2 => format!("europe-docker.pkg.dev/p{last}/images/app:1"),
        _ => format!("gcr.io/team-{}/svc-{last}@sha256:{:064x}", last % 97, 7),
    };
    let rules: serde_json::Map<String, Value> = (0..n)
        .map(|i| {
            let action = if i == last { "ALWAYS_ALLOW" } else { "ALWAYS_DENY" };
            (
                format!("ns-{i}"),
                json!({"evaluationMode": action, "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}),
            )
        })
        .collect();
    Scenario {
        config: json!({
            "policy": {
                "name": "projects/bench/policy",
                "admissionWhitelistPatterns": patterns,
                "kubernetesNamespaceAdmissionRules": rules,
                "defaultAdmissionRule": {
                    "evaluationMode": "ALWAYS_DENY",
                    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"
                }
            }
        })
        .to_string(),
        request: json!({
            "images": [allowlisted, "us-docker.pkg.dev/bench/app/not-listed:1"],
            "context": {"namespace": format!("ns-{last}")}
        })
        .to_string(),
    }
}

/// A config of `rules` cluster rules, each requiring two of `attestor_count` attestors (each with
/// one P-256 key), and a default rule requiring the first: what `compile/policy_1000_rules` and
/// the memory report load.
pub fn large_policy(rules: usize, attestor_count: usize) -> Result<String, String> {
    let atts = attestors(attestor_count.max(1))?;
    let docs: Vec<Value> = atts
        .iter()
        .map(BenchAttestor::document)
        .collect::<Result<_, _>>()?;
    let name = |i: usize| {
        atts.get(i % atts.len())
            .map(|a| a.name.clone())
            .unwrap_or_default()
    };
    let cluster_rules: serde_json::Map<String, Value> = (0..rules)
        .map(|i| {
            (
                format!("us-central1-a.cluster-{i}"),
                rule(&[name(i), name(i + 1)]),
            )
        })
        .collect();
    Ok(json!({
        "policy": {
            "name": "projects/bench/policy",
            "clusterAdmissionRules": cluster_rules,
            "defaultAdmissionRule": rule(&[name(0)])
        },
        "attestors": docs
    })
    .to_string())
}

/// `count` attestation occurrences as `gcloud … occurrences list --format=json` prints them: one
/// attestor's signatures over `count` distinct images.
pub fn occurrences(count: usize) -> Result<String, String> {
    let attestor = BenchAttestor::new(0)?;
    let list: Vec<Value> = (0..count)
        .map(|i| attestor.occurrence(&image(i), i))
        .collect::<Result<_, _>>()?;
    Ok(Value::Array(list).to_string())
}

/// A request for image `n` with its one attestation by attestor 0, for [`single_attestor`].
pub fn single_image_request(n: usize) -> Result<String, String> {
    let attestor = BenchAttestor::new(0)?;
    let img = image(n);
    Ok(json!({"images": [img], "attestations": [attestor.occurrence(&img, n)?]}).to_string())
}

/// A config whose default rule requires attestor 0 alone (one P-256 key).
pub fn single_attestor() -> Result<String, String> {
    let attestor = BenchAttestor::new(0)?;
    Ok(json!({
        "policy": {"name": "projects/bench/policy", "defaultAdmissionRule": rule(std::slice::from_ref(&attestor.name))},
        "attestors": [attestor.document()?]
    })
    .to_string())
}

/// [`single_attestor`] with `n` keys: `n - 1` rotated-out keys under other ids (sorted before
/// and after the signing key's id) and the signing key last, and [`single_image_request`]'s
/// request, so a lookup by scanning would look at every key. The image is admitted.
pub fn attestor_keys(n: usize) -> Result<Scenario, String> {
    let attestor = BenchAttestor::new(0)?;
    let mut document = attestor.document()?;
    let keys = document
        .pointer_mut("/userOwnedGrafeasNote/publicKeys")
        .and_then(Value::as_array_mut)
        .ok_or("attestor document without publicKeys")?;
    let signing = keys.pop().ok_or("attestor document without a key")?;
    for i in 0..n.saturating_sub(1) {
        let mut decoy = signing.clone();
        // Ids on both sides of the signing key's, which ends in `cryptoKeys/a0/...`.
        let prefix = if i % 2 == 0 { "a" } else { "z" };
        let id = format!(
            "//cloudkms.googleapis.com/v1/projects/bench/locations/global/keyRings/r/cryptoKeys/{prefix}-retired-{i}/cryptoKeyVersions/1"
        );
        if let Some(fields) = decoy.as_object_mut() {
            fields.insert("id".to_owned(), json!(id));
        }
        keys.push(decoy);
    }
    keys.push(signing);
    Ok(Scenario {
        config: json!({
            "policy": {"name": "projects/bench/policy", "defaultAdmissionRule": rule(std::slice::from_ref(&attestor.name))},
            "attestors": [document]
        })
        .to_string(),
        request: single_image_request(0)?,
    })
}

/// An AdmissionReview (admission.k8s.io/v1, CREATE) of a Pod in `namespace` running `images`.
pub fn pod_review(uid: &str, namespace: &str, images: &[String]) -> Value {
    let containers: Vec<Value> = images
        .iter()
        .enumerate()
        .map(|(i, image)| json!({"name": format!("c{i}"), "image": image}))
        .collect();
    let pod = json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "bench", "namespace": namespace},
        "spec": {"serviceAccountName": "default", "containers": containers}
    });
    json!({
        "apiVersion": "admission.k8s.io/v1",
        "kind": "AdmissionReview",
        "request": {
            "uid": uid,
            "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace,
            "operation": "CREATE",
            "userInfo": {"username": "bench"},
            "object": pod
        }
    })
}

/// The files of the webhook load test (benches/webhook-load.sh), as binauthz-webhook reads them:
/// `policy.json` (five attestors by default; attestor 0 alone in namespace `one`),
/// `attestors.json`, `attestations/attestations.json` (every occurrence), and two reviews:
/// `pod-1.json` (one image in namespace `one`, one signature) and `pod-8x5.json` (the
/// [`pod`] scenario's eight images in namespace `default`, forty signatures). Both are admitted.
pub fn webhook_files() -> Result<Vec<(&'static str, String)>, String> {
    let atts = attestors(5)?;
    let names: Vec<String> = atts.iter().map(|a| a.name.clone()).collect();
    let docs: Vec<Value> = atts
        .iter()
        .map(BenchAttestor::document)
        .collect::<Result<_, _>>()?;
    let pod_images: Vec<String> = (0..8).map(image).collect();
    let single = image(8);
    let mut occurrences = Vec::new();
    for (i, img) in pod_images.iter().enumerate() {
        for (j, a) in atts.iter().enumerate() {
            occurrences.push(a.occurrence(img, i * atts.len() + j)?);
        }
    }
    if let Some(first) = atts.first() {
        occurrences.push(first.occurrence(&single, 100)?);
    }
    let policy = json!({
        "name": "projects/bench/policy",
        "defaultAdmissionRule": rule(&names),
        "kubernetesNamespaceAdmissionRules": {"one": rule(names.get(..1).unwrap_or_default())}
    });
    let pretty = |v: &Value| serde_json::to_string_pretty(v).map_err(|e| e.to_string());
    Ok(vec![
        ("policy.json", pretty(&policy)?),
        ("attestors.json", pretty(&Value::Array(docs))?),
        (
            "attestations/attestations.json",
            pretty(&Value::Array(occurrences))?,
        ),
        (
            "pod-1.json",
            pod_review("bench-1", "one", std::slice::from_ref(&single)).to_string(),
        ),
        (
            "pod-8x5.json",
            pod_review("bench-8x5", "default", &pod_images).to_string(),
        ),
    ])
}
