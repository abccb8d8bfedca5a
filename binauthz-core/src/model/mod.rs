//! The model: what policies, attestors and attestations say, once read and validated — names,
//! digests, image references, times, contexts, workloads. Nothing here verifies or decides.

pub(crate) mod allowlist;
pub(crate) mod attestor;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod cosign;
pub(crate) mod digest;
pub(crate) mod image;
pub(crate) mod names;
pub(crate) mod occurrence;
pub(crate) mod payload;
pub(crate) mod policy;
pub(crate) mod workload;
