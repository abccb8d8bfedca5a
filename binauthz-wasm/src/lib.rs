//! WebAssembly bindings over binauthz-core, for Node and browsers.
//!
//! A thin layer: configs, requests and decisions are the core's JSON shapes (spec/README.md §8),
//! given as YAML/JSON text or as JavaScript objects (which are converted with `JSON.stringify`
//! and then read by the core exactly like text). Decisions come back as plain objects. Errors are
//! thrown as JavaScript `Error`s named `BinauthzError`, with the core's message and the
//! properties `code` (`syntax`, `limit`, `invalid`, `reference`, `unsupported`), `stage`
//! (`config` or `request`) and `path` (the field path, empty for the whole document).
//!
//! The TypeScript declarations of every shape are in `ts/binauthz.d.ts`, appended to the
//! generated `.d.ts`.
#![forbid(unsafe_code)]

use binauthz_core::ErrorCode;
use binauthz_core::ErrorStage;
use binauthz_core::api::{self, ErrorReport, json as core};
use binauthz_core::limits::{MAX_CONFIG_BYTES, MAX_REQUEST_BYTES};
use std::rc::Rc;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

mod webcrypto;
pub use webcrypto::WebCryptoStats;

/// A failed call, in the core's one error shape.
type Failure = ErrorReport;
const STAGE_CONFIG: ErrorStage = ErrorStage::Config;
const STAGE_REQUEST: ErrorStage = ErrorStage::Request;

/// The largest verification cache a JavaScript caller may ask for: a million entries, about
/// 330 MB when full, far beyond any policy preview's need.
pub const MAX_CACHE_ENTRIES: u32 = 1_000_000;

/// Reads a JavaScript number as a cache size: a whole number from 0 to [`MAX_CACHE_ENTRIES`].
pub fn cache_entries(entries: f64) -> Result<usize, Failure> {
    let whole = entries.is_finite() && entries.fract() == 0.0;
    if whole && (0.0..=f64::from(MAX_CACHE_ENTRIES)).contains(&entries) {
        // A whole number in 0..=1,000,000: the conversion is exact.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        return Ok(entries as usize);
    }
    Err(Failure::argument(
        STAGE_CONFIG,
        ErrorCode::Invalid,
        "cacheEntries",
        &format!("expected a whole number from 0 to {MAX_CACHE_ENTRIES}, got {entries}"),
    ))
}

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("../ts/binauthz.d.ts");

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = JSON, js_name = stringify, catch)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(js_namespace = Object, js_name = assign)]
    fn object_assign(target: &JsValue, source: &JsValue) -> JsValue;

    /// JavaScript's `Error`.
    #[wasm_bindgen(js_name = Error)]
    type JsErrorObject;

    #[wasm_bindgen(constructor, js_class = "Error")]
    fn new(message: &str) -> JsErrorObject;

    #[wasm_bindgen(method, getter, structural)]
    fn message(this: &JsErrorObject) -> JsValue;

    /// Anything with a `length` (here: a JavaScript string).
    type HasLength;

    #[wasm_bindgen(method, getter, structural)]
    fn length(this: &HasLength) -> f64;
}

/// The JavaScript `Error` for a failure: `name` `BinauthzError`, the message, and the report's
/// properties `code`, `stage`, `path` and `errors`.
fn to_js_error(failure: &Failure) -> JsValue {
    let error: JsValue = JsErrorObject::new(&failure.message).into();
    let mut props = serde_json::to_value(failure).unwrap_or_default();
    if let Some(map) = props.as_object_mut() {
        map.insert("name".to_owned(), "BinauthzError".into());
    }
    if let Ok(props) = json_parse(&props.to_string()) {
        object_assign(&error, &props);
    }
    error
}

/// Parses JSON text made by the core's serializer into a JavaScript value.
fn from_json(result: Result<String, Failure>) -> Result<JsValue, JsValue> {
    let text = result.map_err(|f| to_js_error(&f))?;
    json_parse(&text).map_err(|_| {
        to_js_error(&Failure::argument(
            STAGE_REQUEST,
            ErrorCode::Invalid,
            "output",
            "is not JSON",
        ))
    })
}

/// Reads a document argument: a string is used as is (YAML or JSON); anything else is converted
/// with `JSON.stringify`. Strings longer than `max_bytes` UTF-16 units are refused before they
/// are copied into WebAssembly memory (each unit is at least one UTF-8 byte, so the core would
/// refuse them too).
fn document_text(
    value: &JsValue,
    stage: ErrorStage,
    what: &str,
    max_bytes: usize,
) -> Result<String, Failure> {
    let too_large = |units: f64| {
        Failure::argument(
            stage,
            ErrorCode::Limit,
            what,
            &format!(
                "document is at least {units} bytes, more than the limit of {max_bytes} bytes"
            ),
        )
    };
    let string = if value.is_string() {
        value.clone()
    } else if value.is_undefined() || value.is_function() || value.is_symbol() {
        return Err(Failure::argument(
            stage,
            ErrorCode::Invalid,
            what,
            "expected YAML or JSON text or an object, got undefined, a function or a symbol",
        ));
    } else {
        let converted = json_stringify(value).map_err(|e| {
            let why = e
                .dyn_ref::<JsErrorObject>()
                .and_then(|e| e.message().as_string())
                .map(|m| m.lines().next().unwrap_or_default().to_owned())
                .map_or_else(
                    || "the value cannot be converted to JSON".to_owned(),
                    |m| format!("the value cannot be converted to JSON ({m})"),
                );
            Failure::argument(stage, ErrorCode::Invalid, what, &why)
        })?;
        if !converted.is_string() {
            return Err(Failure::argument(
                stage,
                ErrorCode::Invalid,
                what,
                "the value cannot be converted to JSON",
            ));
        }
        converted
    };
    let units = string.unchecked_ref::<HasLength>().length();
    if units > max_bytes as f64 {
        return Err(too_large(units));
    }
    string.as_string().ok_or_else(|| too_large(units))
}

/// Like [`document_text`], but `undefined` and `null` mean "not given".
fn optional_text(
    value: &JsValue,
    stage: ErrorStage,
    what: &str,
    max_bytes: usize,
) -> Result<Option<String>, Failure> {
    if value.is_undefined() || value.is_null() {
        Ok(None)
    } else {
        document_text(value, stage, what, max_bytes).map(Some)
    }
}

/// Reads an argument that must be JSON-shaped (a list of images, a context), as JSON text.
fn json_text(
    value: &JsValue,
    stage: ErrorStage,
    what: &str,
    max_bytes: usize,
) -> Result<String, Failure> {
    if value.is_string() {
        // A string here is a value, not a document: `"gcr.io/a"` is not a list of images.
        let text = document_text(value, stage, what, max_bytes)?;
        return serde_json::to_string(&text)
            .map_err(|e| Failure::argument(stage, ErrorCode::Invalid, what, &e.to_string()));
    }
    document_text(value, stage, what, max_bytes)
}

/// A policy compiled with its attestors. Build it once, evaluate many requests.
#[wasm_bindgen]
pub struct Engine {
    /// Shared with the `evaluateAsync` calls still pending, which cannot borrow `self` across
    /// an await: JavaScript may call, or free, this engine meanwhile.
    inner: Rc<binauthz_core::Engine>,
    /// The `CryptoKey`s `evaluateAsync` imported, so that a warm engine does not import again.
    keys: webcrypto::KeyCache,
}

impl Engine {
    fn of(inner: binauthz_core::Engine) -> Engine {
        Engine {
            inner: Rc::new(inner),
            keys: webcrypto::KeyCache::default(),
        }
    }
}

#[wasm_bindgen]
impl Engine {
    /// Compiles a config: `{policy, attestors}` as YAML or JSON text, or as an object.
    /// Throws a `BinauthzError` (stage `config`) when the config is invalid.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "Config | string")] config: JsValue,
    ) -> Result<Engine, JsValue> {
        let text = document_text(&config, STAGE_CONFIG, "config", MAX_CONFIG_BYTES)
            .map_err(|f| to_js_error(&f))?;
        api::compile_config(&text)
            .map(Engine::of)
            .map_err(|f| to_js_error(&f))
    }

    /// Compiles a policy document (as `gcloud container binauthz policy export` prints it) with
    /// an attestor document (one attestor or a list, as `gcloud … attestors describe` prints
    /// them), each as YAML or JSON text or as an object. Error paths are relative to the
    /// document at fault.
    #[wasm_bindgen(js_name = fromPolicy)]
    pub fn from_policy(
        #[wasm_bindgen(unchecked_param_type = "Policy | string")] policy: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Attestor | Attestor[] | string | null")]
        attestors: JsValue,
    ) -> Result<Engine, JsValue> {
        let policy = document_text(&policy, STAGE_CONFIG, "policy", MAX_CONFIG_BYTES)
            .map_err(|f| to_js_error(&f))?;
        let attestors = optional_text(&attestors, STAGE_CONFIG, "attestors", MAX_CONFIG_BYTES)
            .map_err(|f| to_js_error(&f))?;
        core::compile_documents(&policy, attestors.as_deref())
            .map(Engine::of)
            .map_err(|f| to_js_error(&f))
    }

    /// Evaluates a request (`{images | object, attestations, context}`) as YAML or JSON text or
    /// as an object. Throws a `BinauthzError` (stage `request`) when the request is invalid; a
    /// decision with `allowed: false` is not an error.
    #[wasm_bindgen(unchecked_return_type = "Decision")]
    pub fn evaluate(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EvaluationRequest | string")] request: JsValue,
    ) -> Result<JsValue, JsValue> {
        let text = document_text(&request, STAGE_REQUEST, "request", MAX_REQUEST_BYTES)
            .map_err(|f| to_js_error(&f))?;
        from_json(core::evaluate(&self.inner, &text))
    }

    /// Evaluates a request as `evaluate` does, with its signatures verified by the host's
    /// WebCrypto (`crypto.subtle`), all in parallel, and resolves to the same decision, byte
    /// for byte. WebCrypto's acceptance of a signature counts only after the engine has checked
    /// the signature's structure; a signature it rejects, or cannot check (no `crypto.subtle`,
    /// an import or verification that fails), is verified by the engine itself. Rejects with
    /// the `BinauthzError` that `evaluate` throws when the request is invalid. The engine stays
    /// usable while the promise is pending.
    #[wasm_bindgen(js_name = evaluateAsync, unchecked_return_type = "Promise<Decision>")]
    pub fn evaluate_async(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EvaluationRequest | string")] request: JsValue,
    ) -> js_sys::Promise {
        // Read now, while the argument is at hand: the same reading, and errors, as `evaluate`.
        let request = document_text(&request, STAGE_REQUEST, "request", MAX_REQUEST_BYTES)
            .and_then(|text| {
                binauthz_core::Request::parse(&text)
                    .map_err(|e| Failure::from(&binauthz_core::Error::Request(e)))
            });
        let request = match request {
            Ok(request) => request,
            Err(failure) => return js_sys::Promise::reject(&to_js_error(&failure)),
        };
        let engine = Rc::clone(&self.inner);
        let keys = self.keys.clone();
        js_sys::futures::future_to_promise(async move {
            let verdicts = webcrypto::verify(&engine, &request, &keys).await;
            let decision = engine.evaluate_verified(&request, &verdicts);
            from_json(core::to_json(&decision, STAGE_REQUEST))
        })
    }

    /// What `evaluateAsync` asked WebCrypto and what it answered, since the engine was built:
    /// `{keysImported, accepted, rejected, failed, malformed, unavailable}`.
    #[wasm_bindgen(js_name = webCryptoStats, unchecked_return_type = "WebCryptoStats")]
    pub fn web_crypto_stats(&self) -> Result<JsValue, JsValue> {
        from_json(core::to_json(&self.keys.stats(), STAGE_REQUEST))
    }

    /// Evaluates a list of images with attestations given as their own document (one occurrence
    /// or a list, YAML or JSON text as `gcloud … attestations list` prints them, a YAML stream of
    /// them, a Container Analysis list response, or objects), an optional context and an
    /// optional evaluation time (RFC 3339, the request's `evaluationTime`: when PGP key and
    /// signature expiry is judged). An occurrence that cannot be read is skipped and explained
    /// in the decision (spec §5.1).
    #[wasm_bindgen(js_name = evaluateImages, unchecked_return_type = "Decision")]
    pub fn evaluate_images(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string[]")] images: JsValue,
        #[wasm_bindgen(
            unchecked_optional_param_type = "Occurrence | Occurrence[] | string | null"
        )]
        attestations: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "Context | null")] context: JsValue,
        #[wasm_bindgen(js_name = evaluationTime, unchecked_optional_param_type = "string | null")]
        evaluation_time: JsValue,
    ) -> Result<JsValue, JsValue> {
        let given = |v: &JsValue| !(v.is_undefined() || v.is_null());
        let run = || -> Result<String, Failure> {
            let images = json_text(&images, STAGE_REQUEST, "images", MAX_REQUEST_BYTES)?;
            let attestations = optional_text(
                &attestations,
                STAGE_REQUEST,
                "attestations",
                MAX_REQUEST_BYTES,
            )?;
            let context = if given(&context) {
                Some(json_text(
                    &context,
                    STAGE_REQUEST,
                    "context",
                    MAX_REQUEST_BYTES,
                )?)
            } else {
                None
            };
            let time = if given(&evaluation_time) {
                Some(json_text(
                    &evaluation_time,
                    STAGE_REQUEST,
                    "evaluationTime",
                    MAX_REQUEST_BYTES,
                )?)
            } else {
                None
            };
            core::evaluate_parts(
                &self.inner,
                &images,
                attestations.as_deref(),
                context.as_deref(),
                time.as_deref(),
            )
        };
        from_json(run())
    }

    /// Empties the engine's verification cache and bounds it to `entries` entries (spec §7.1);
    /// 0 turns it off, and a new engine has 10,000 (about 3.3 MB when full). The cache remembers
    /// signature checks by key, signature, payload and digest, so it never changes a decision.
    /// Throws a `BinauthzError` (stage `config`, code `invalid`) unless `entries` is a whole
    /// number from 0 to 1,000,000.
    #[wasm_bindgen(js_name = setCacheCapacity)]
    pub fn set_cache_capacity(&mut self, entries: f64) -> Result<(), JsValue> {
        let entries = cache_entries(entries).map_err(|f| to_js_error(&f))?;
        // A pending `evaluateAsync` keeps the old cache (as the core's clones do); this engine
        // gets its own copy with the new one.
        Rc::make_mut(&mut self.inner).set_cache_capacity(entries);
        Ok(())
    }

    /// The verification cache's counters since the engine was built (or since
    /// `setCacheCapacity`): `{capacity, entries, hits, misses, evictions}`. Each decision's own
    /// counters are its `diagnostics`.
    #[wasm_bindgen(js_name = cacheStats, unchecked_return_type = "CacheStats")]
    pub fn cache_stats(&self) -> Result<JsValue, JsValue> {
        from_json(core::cache_stats(&self.inner))
    }

    /// The policy's resource name (`projects/P/policy`), if the policy document gave one.
    #[wasm_bindgen(getter, js_name = policyName)]
    pub fn policy_name(&self) -> Option<String> {
        self.inner.policy().name().map(str::to_owned)
    }

    /// The names of the attestors the engine was compiled with, sorted.
    #[wasm_bindgen(getter, js_name = attestorNames)]
    pub fn attestor_names(&self) -> Vec<String> {
        self.inner
            .attestors()
            .map(|a| a.name().as_str().to_owned())
            .collect()
    }
}

/// Validates a policy document (YAML or JSON text, or an object) and returns what the engine
/// understood. Throws a `BinauthzError` (stage `config`) when it is invalid, with every error of
/// the document under `errors` (its own code, path and message are the first one's).
#[wasm_bindgen(js_name = validatePolicy, unchecked_return_type = "PolicySummary")]
pub fn validate_policy(
    #[wasm_bindgen(unchecked_param_type = "Policy | string")] policy: JsValue,
) -> Result<JsValue, JsValue> {
    let text = document_text(&policy, STAGE_CONFIG, "policy", MAX_CONFIG_BYTES)
        .map_err(|f| to_js_error(&f))?;
    from_json(core::validate_policy(&text))
}

/// Validates an attestor document (one attestor or a list; YAML or JSON text, or objects) and
/// returns each attestor with its keys' ids (GCP's default id filled in where the document left
/// it blank). Throws a `BinauthzError` (stage `config`) when it is invalid, with every
/// attestor's error under `errors`.
#[wasm_bindgen(js_name = validateAttestors, unchecked_return_type = "AttestorSummary[]")]
pub fn validate_attestors(
    #[wasm_bindgen(unchecked_param_type = "Attestor | Attestor[] | string")] attestors: JsValue,
) -> Result<JsValue, JsValue> {
    let text = document_text(&attestors, STAGE_CONFIG, "attestors", MAX_CONFIG_BYTES)
        .map_err(|f| to_js_error(&f))?;
    from_json(core::validate_attestors(&text))
}

/// Lints a valid policy (and the attestors given with it, for the attestor findings): the
/// mistakes that let unattested images run or block production by surprise, each with a stable
/// code (`BZ001` …), a severity, the field path, a message and a fix (spec/lint.md). An empty
/// list means nothing was found. Throws like `validatePolicy` when a document is invalid.
#[wasm_bindgen(js_name = lintPolicy, unchecked_return_type = "LintFinding[]")]
pub fn lint_policy(
    #[wasm_bindgen(unchecked_param_type = "Policy | string")] policy: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "Attestor | Attestor[] | string | null")]
    attestors: JsValue,
) -> Result<JsValue, JsValue> {
    let policy = document_text(&policy, STAGE_CONFIG, "policy", MAX_CONFIG_BYTES)
        .map_err(|f| to_js_error(&f))?;
    let attestors = optional_text(&attestors, STAGE_CONFIG, "attestors", MAX_CONFIG_BYTES)
        .map_err(|f| to_js_error(&f))?;
    from_json(core::lint_policy(&policy, attestors.as_deref()))
}

/// The images (containers, then init containers, then ephemeral containers) and the request
/// context (namespace, service account, breakglass) of a Kubernetes workload object or
/// `admission.k8s.io/v1` AdmissionReview, given as YAML or JSON text or as an object.
/// Throws a `BinauthzError` (stage `request`) for anything else.
#[wasm_bindgen(js_name = extractImages, unchecked_return_type = "ExtractedImages")]
pub fn extract_images(
    #[wasm_bindgen(
        js_name = k8sObject,
        unchecked_param_type = "KubernetesObject | CloudRunV2Object | AdmissionReview | string"
    )]
    k8s_object: JsValue,
) -> Result<JsValue, JsValue> {
    let text = document_text(
        &k8s_object,
        STAGE_REQUEST,
        "Kubernetes object",
        MAX_REQUEST_BYTES,
    )
    .map_err(|f| to_js_error(&f))?;
    from_json(core::extract_images(&text))
}

/// An attestations document (one occurrence, a list, the Container Analysis API's list response,
/// or gcloud's YAML stream; text or an object) split into its attestation occurrences, each with
/// the sha256 digest it concerns (null when none can be read), for a page or host that files
/// occurrences by image (spec/README.md §5.1). Throws a `BinauthzError` (stage `request`) when
/// the document cannot be read.
#[wasm_bindgen(js_name = readAttestations, unchecked_return_type = "AttestationEntries")]
pub fn read_attestations(
    #[wasm_bindgen(unchecked_param_type = "Occurrence | Occurrence[] | string")] document: JsValue,
) -> Result<JsValue, JsValue> {
    let text = document_text(&document, STAGE_REQUEST, "attestations", MAX_REQUEST_BYTES)
        .map_err(|f| to_js_error(&f))?;
    from_json(core::read_attestations(&text))
}

/// Runs a policy test file (spec/README.md §14; YAML or JSON text, or an object) over the files
/// it names, given as an object of path to text, and returns the results (`file` names the
/// test file in them). A case that signs with a test key is an error here (signing needs the
/// binauthz CLI); give its attestations as files. Throws a `BinauthzError` (stage `config`)
/// when the test file is malformed, with the field path.
#[wasm_bindgen(js_name = runTests, unchecked_return_type = "TestSuiteResult")]
pub fn run_tests(
    #[wasm_bindgen(unchecked_param_type = "TestSuite | string")] suite: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    file: Option<String>,
) -> Result<JsValue, JsValue> {
    let suite = document_text(&suite, STAGE_CONFIG, "test file", MAX_CONFIG_BYTES)
        .map_err(|f| to_js_error(&f))?;
    let files = json_text(&files, STAGE_CONFIG, "files", core::MAX_TEST_FILES_BYTES)
        .map_err(|f| to_js_error(&f))?;
    let file = file.unwrap_or_else(|| "test file".to_owned());
    from_json(core::run_tests(&file, &suite, &files))
}

/// Validates a check-based platform policy (GCP's `gkePolicy`, spec/README.md §15; YAML or JSON
/// text, or an object) and returns what the engine understood. Throws a `BinauthzError` (stage
/// `config`, document `platform policy`) when it is invalid, with every error under `errors`.
#[wasm_bindgen(
    js_name = validatePlatformPolicy,
    unchecked_return_type = "PlatformPolicySummary"
)]
pub fn validate_platform_policy(
    #[wasm_bindgen(unchecked_param_type = "PlatformPolicy | string")] policy: JsValue,
) -> Result<JsValue, JsValue> {
    let text = document_text(
        &policy,
        STAGE_CONFIG,
        api::PLATFORM_POLICY,
        MAX_CONFIG_BYTES,
    )
    .map_err(|f| to_js_error(&f))?;
    from_json(core::validate_platform_policy(&text))
}

/// Lints a check-based platform policy (text or an object, as for `validatePlatformPolicy`;
/// spec/lint.md §2a): the findings, in `lintPolicy`'s shape (`BZ050` …); an empty list means
/// nothing was found. Throws like `validatePlatformPolicy` when the policy is invalid.
#[wasm_bindgen(js_name = lintPlatformPolicy, unchecked_return_type = "LintFinding[]")]
pub fn lint_platform_policy(
    #[wasm_bindgen(unchecked_param_type = "PlatformPolicy | string")] policy: JsValue,
) -> Result<JsValue, JsValue> {
    let text = document_text(
        &policy,
        STAGE_CONFIG,
        api::PLATFORM_POLICY,
        MAX_CONFIG_BYTES,
    )
    .map_err(|f| to_js_error(&f))?;
    from_json(core::lint_platform_policy(&text))
}

/// Reads a platform policy and a platform request (each YAML or JSON text, or an object) as
/// text, for the core.
fn platform_documents(policy: &JsValue, request: &JsValue) -> Result<(String, String), JsValue> {
    let policy = document_text(policy, STAGE_CONFIG, api::PLATFORM_POLICY, MAX_CONFIG_BYTES)
        .map_err(|f| to_js_error(&f))?;
    let request = document_text(request, STAGE_REQUEST, api::REQUEST, MAX_REQUEST_BYTES)
        .map_err(|f| to_js_error(&f))?;
    Ok((policy, request))
}

/// Evaluates a platform policy for the pods of a request (`{object, attestations,
/// cosignSignatures, dockerImages, vulnerabilities, evaluationTime}`, spec/README.md §15.5; each
/// document as YAML or JSON text or as an object) and returns GCP's `EvaluateGkePolicyResponse`;
/// its `verdict` says whether the pods conform. Throws a `BinauthzError` with stage `config` when
/// the policy is invalid (every error of it), `request` when the request is.
#[wasm_bindgen(
    js_name = evaluatePlatformPolicy,
    unchecked_return_type = "EvaluateGkePolicyResponse"
)]
pub fn evaluate_platform_policy(
    #[wasm_bindgen(unchecked_param_type = "PlatformPolicy | string")] policy: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlatformRequest | string")] request: JsValue,
) -> Result<JsValue, JsValue> {
    let (policy, request) = platform_documents(&policy, &request)?;
    from_json(core::evaluate_platform_policy(&policy, &request))
}

/// The Continuous Validation log's events for the pods of a request under a platform policy
/// (documents as for `evaluatePlatformPolicy`; spec/README.md §15.6): one `podEvent` per pod
/// that does not conform. A policy that cannot be read (too large included) is not thrown: it is
/// one `configErrorEvent`, as CV logs it. Throws a `BinauthzError` (stage `request`) when the
/// request cannot be read, and for arguments that are not documents at all (`undefined`, a value
/// `JSON.stringify` cannot convert).
#[wasm_bindgen(
    js_name = platformCvEvents,
    unchecked_return_type = "ContinuousValidationEvent[]"
)]
pub fn platform_cv_events(
    #[wasm_bindgen(unchecked_param_type = "PlatformPolicy | string")] policy: JsValue,
    #[wasm_bindgen(unchecked_param_type = "PlatformRequest | string")] request: JsValue,
) -> Result<JsValue, JsValue> {
    let policy = match document_text(
        &policy,
        STAGE_CONFIG,
        api::PLATFORM_POLICY,
        MAX_CONFIG_BYTES,
    ) {
        Ok(text) => text,
        // Refused before it is copied in, as the core would refuse it (`limit`); CV logs a policy
        // it cannot read as a configErrorEvent, so this one is logged the same way.
        Err(f) if f.code == ErrorCode::Limit => {
            let events = [binauthz_core::platform::config_error_event(f.message)];
            return from_json(core::to_json(&events, STAGE_REQUEST));
        }
        Err(f) => return Err(to_js_error(&f)),
    };
    let request = document_text(&request, STAGE_REQUEST, api::REQUEST, MAX_REQUEST_BYTES)
        .map_err(|f| to_js_error(&f))?;
    from_json(core::platform_cv_events(&policy, &request))
}

/// The payload to sign for an image, byte-identical to
/// `gcloud container binauthz create-signature-payload --artifact-url=URL`.
/// Throws a `BinauthzError` (code `invalid`) when the URL has no valid sha256 digest.
#[wasm_bindgen(js_name = createSignaturePayload)]
pub fn signature_payload(
    #[wasm_bindgen(js_name = artifactUrl)] artifact_url: &str,
) -> Result<String, JsValue> {
    api::signature_payload(artifact_url).map_err(|f| to_js_error(&f))
}

/// The library version.
#[wasm_bindgen]
pub fn version() -> String {
    binauthz_core::VERSION.to_owned()
}

/// The optional parts of the engine this module was built with: `pgp` when it verifies PGP
/// attestor keys and PGP-signed attestations (without it, PGP keys are rejected with code
/// `unsupported`).
#[wasm_bindgen(unchecked_return_type = "BuildFeature[]")]
pub fn features() -> Vec<String> {
    api::features().into_iter().map(str::to_owned).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_matches_the_core() {
        assert_eq!(super::version(), binauthz_core::VERSION);
    }

    #[test]
    fn cache_sizes_are_whole_numbers_within_bounds() {
        assert_eq!(cache_entries(0.0).unwrap(), 0);
        assert_eq!(cache_entries(10_000.0).unwrap(), 10_000);
        assert_eq!(cache_entries(1_000_000.0).unwrap(), 1_000_000);
        for bad in [-1.0, 0.5, 1_000_001.0, f64::NAN, f64::INFINITY] {
            let f = cache_entries(bad).unwrap_err();
            assert_eq!(
                (f.code.as_str(), f.stage.as_str()),
                ("invalid", "config"),
                "{bad}"
            );
            assert!(
                f.message
                    .starts_with("invalid cacheEntries: expected a whole number from 0 to 1000000"),
                "{}",
                f.message
            );
        }
    }
}
