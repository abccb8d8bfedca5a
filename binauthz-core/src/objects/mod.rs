//! Objects that say what will run: Kubernetes workloads and AdmissionReviews, Cloud Run services
//! and jobs, each read as its platform reads it, into the model's `Workload` and `Context`.

pub(crate) mod cloud_run;
pub mod kubernetes;
