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
/// Most public keys in one attestor (GCP's limit).
pub const MAX_KEYS_PER_ATTESTOR: usize = 1000;
/// Longest image reference, in bytes.
pub const MAX_IMAGE_REF_BYTES: usize = 4096;
/// Most allowlist patterns or rules of one kind in a policy.
pub const MAX_POLICY_ENTRIES: usize = 10_000;
