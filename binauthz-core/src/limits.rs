//! Input bounds. Every document is checked against these before it is interpreted, so no input
//! can make the engine use unbounded memory or time (spec/README.md §1).

/// Largest config document (policy plus attestors), in bytes.
pub const MAX_CONFIG_BYTES: usize = 2 * 1024 * 1024;
/// Largest request document, in bytes.
pub const MAX_REQUEST_BYTES: usize = 8 * 1024 * 1024;
/// Deepest nesting of arrays and objects in any document.
pub const MAX_DEPTH: usize = 64;
/// Most images in one request.
pub const MAX_IMAGES: usize = 1024;
/// Most attestation occurrences in one request.
pub const MAX_OCCURRENCES: usize = 4096;
/// Most signatures in one occurrence.
pub const MAX_SIGNATURES: usize = 64;
/// Most attestors in one config (GCP's per-project limit).
pub const MAX_ATTESTORS: usize = 200;

/// Cases in one policy-test file (spec §14): each is a whole evaluation within its own budget.
pub const MAX_TEST_CASES: usize = 1_000;
/// The verification one policy-test file's cases may spend together, in points of the signature
/// checks and diagnoses that actually ran (a check the cache answers costs nothing here): five
/// requests' budgets, about a second natively. Cases after it is spent are errors, not run
/// (spec §14.1).
pub const MAX_TEST_FILE_VERIFICATION_COST: u64 = 5 * MAX_VERIFICATION_COST;
/// Most public keys in one attestor (GCP's limit).
pub const MAX_KEYS_PER_ATTESTOR: usize = 1000;
/// Longest image reference, in bytes.
pub const MAX_IMAGE_REF_BYTES: usize = 4096;
/// Longest Cloud Run breakglass justification, in bytes (spec §13): it is copied into the
/// decision and the audit record.
pub const MAX_BREAKGLASS_JUSTIFICATION_BYTES: usize = 4096;
/// Most allowlist patterns or rules of one kind in a policy.
pub const MAX_POLICY_ENTRIES: usize = 10_000;

// Bounded work (spec/README.md §7.2): what one evaluation may spend, whatever its input.

/// Most signature checks (one key tried on one signature) in one request.
pub const MAX_SIGNATURE_CHECKS: usize = 4096;
/// Most signature checks for one attestor and one image digest; the rest are not tried.
pub const MAX_CHECKS_PER_ATTESTOR_DIGEST: usize = 32;
/// The verification budget of one request, in points ([`crate::budget`]): about a second of
/// WebAssembly, a fifth of a second natively.
pub const MAX_VERIFICATION_COST: u64 = 2400;
/// Points one request may spend explaining rejected signatures (`PkixKey::diagnose`), apart
/// from [`MAX_VERIFICATION_COST`].
pub const MAX_DIAGNOSIS_COST: u64 = 240;
/// Failure reasons listed per attestor and image digest (plus the first of any further kind);
/// the rest are counted.
pub const MAX_REASONS_PER_ATTESTOR: usize = 8;
/// Reasons listed for one image, across its attestors (plus the first of any further kind).
pub const MAX_REASONS_PER_IMAGE: usize = 64;
/// Unsatisfied attestors whose failures one image's denial text spells out.
pub const MAX_ATTESTORS_IN_DENIAL: usize = 8;
/// Failure messages per attestor in a denial text.
pub const MAX_REASONS_IN_DENIAL: usize = 3;
/// Image denials joined into a decision's message.
pub const MAX_DENIALS_IN_MESSAGE: usize = 16;
/// Characters of untrusted text (an occurrence name, a key id) shown in one message.
pub const MAX_SHOWN_CHARS: usize = 256;
/// Signature packets in one PGP message.
pub const MAX_PGP_SIGNATURE_PACKETS: usize = 4;
/// Public-key verifications for one PGP signature string (its packets times candidate keys).
pub const MAX_PGP_VERIFICATIONS: usize = 8;

// Check-based platform policies (spec/README.md §15).

/// The most check sets a platform policy may have.
pub const MAX_PLATFORM_CHECK_SETS: usize = 100;
/// The most checks a check set may have.
pub const MAX_PLATFORM_CHECKS: usize = 100;
/// The most entries of any other list of a platform policy (patterns, authenticators,
/// authorities, rules, CVE ids).
pub const MAX_PLATFORM_LIST: usize = 1000;
/// The most keys of one authenticator's or authority's key set.
pub const MAX_PLATFORM_KEYS: usize = 100;
/// The most projects of a `containerAnalysis*Projects` list, as GCP allows.
pub const MAX_PLATFORM_PROJECTS: usize = 10;
/// The most pods one platform-policy request may hold (a cluster's `kubectl get pods -A`).
pub const MAX_PLATFORM_PODS: usize = 5000;
/// The most check results one platform-policy request may produce (pods × images × checks),
/// bounding the response as the request's size bounds its input.
pub const MAX_PLATFORM_RESULTS: usize = 100_000;
/// The most pattern matches (allowlist and trusted-directory patterns, for each distinct image
/// and check set) one platform-policy request may cause: about a tenth of a second natively,
/// half a second as WebAssembly.
pub const MAX_PLATFORM_PATTERN_MATCHES: u64 = 2_000_000;
/// The most vulnerability and discovery occurrences one platform-policy request may hold.
pub const MAX_VULNERABILITY_OCCURRENCES: usize = 65_536;
/// The most image records (`dockerImages`) one platform-policy request may hold.
pub const MAX_DOCKER_IMAGES: usize = 16_384;
/// The most signature checks one platform-policy check may run for one image (keys times
/// signatures; cosign signatures name no key, so every key is tried on every signature).
pub const MAX_CHECKS_PER_PLATFORM_CHECK: usize = 32;
