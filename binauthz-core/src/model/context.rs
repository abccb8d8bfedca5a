//! Where images are deployed: the request context that selects the rule that applies, and the
//! Cloud Run service or job they belong to (spec/README.md §8.1, §13). Model types only: the
//! Kubernetes and Cloud Run readers fill them in, the request and the engine read them.

use serde::{Deserialize, Serialize};

use crate::untrusted::shown;

/// Where the images are being deployed; selects the specific rule that applies.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Context {
    /// `LOCATION.CLUSTER_ID`, for cluster rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<String>,
    /// Kubernetes namespace, for namespace and service-account rules.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Service account name within `namespace` (`default` when absent and a namespace is given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service_account: Option<String>,
    /// Istio/ASM service identity, with or without `spiffe://`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub istio_identity: Option<String>,
    /// Breakglass: admit everything, but still evaluate and record what would have happened.
    #[serde(default)]
    pub breakglass: bool,
    /// Evaluate a Cloud Run object under the engine's policy whatever its Binary Authorization
    /// setting says: when it is not enabled, or names a platform policy binauthz does not
    /// compile (spec §13). Only with a Cloud Run context.
    #[serde(default, skip_serializing_if = "is_false")]
    pub assume_enabled: bool,
    /// The Cloud Run service or job the images belong to (spec §13); absent on GKE.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cloud_run: Option<CloudRunContext>,
}

fn is_false(b: &bool) -> bool {
    !*b
}

/// Where images are deployed: GKE (Kubernetes admission, and requests that name no platform) or
/// Cloud Run. Decisions show it only for Cloud Run, so GKE decisions are as they always were.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum Platform {
    /// Google Kubernetes Engine (and every request without a Cloud Run context).
    #[default]
    Gke,
    /// Cloud Run services and jobs.
    CloudRun,
}

impl Platform {
    /// Whether this is GKE (the platform decisions leave unsaid).
    pub fn is_gke(&self) -> bool {
        *self == Platform::Gke
    }
}

/// What Cloud Run deploys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub enum CloudRunKind {
    /// A service: the policy is checked when a revision is deployed.
    Service,
    /// A job: the policy is checked each time it is executed.
    Job,
}

impl CloudRunKind {
    /// `service` or `job`.
    pub fn as_str(self) -> &'static str {
        match self {
            CloudRunKind::Service => "service",
            CloudRunKind::Job => "job",
        }
    }
}

/// A request's Cloud Run context (`context.cloudRun`, spec §8.1): which service or job, and its
/// Binary Authorization settings. Read from a Cloud Run object, or given by a host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct CloudRunContext {
    /// A service or a job.
    pub kind: CloudRunKind,
    /// The service's or job's name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The project (v1 `metadata.namespace`, a project number or id; v2 `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// The region (the `cloud.googleapis.com/location` label, or v2 `name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The revision template's name (v1 `spec.template.metadata.name`, v2 `template.revision`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision: Option<String>,
    /// `default`, or the Cloud Run platform policy named; absent when Binary Authorization is
    /// not enabled on the object.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub binary_authorization: Option<String>,
    /// The breakglass justification, when breakglass is used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breakglass_justification: Option<String>,
}

/// How an object's Binary Authorization setting reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Setting<'a> {
    /// Not enabled: Cloud Run checks nothing.
    NotEnabled,
    /// `default`: the project's policy, which is the engine's.
    Default,
    /// A named Cloud Run platform policy, which binauthz does not compile.
    Named(&'a str),
}

impl CloudRunContext {
    pub(crate) fn setting(&self) -> Setting<'_> {
        match self.binary_authorization.as_deref() {
            None => Setting::NotEnabled,
            Some("default") => Setting::Default,
            Some(name) => Setting::Named(name),
        }
    }

    /// `Cloud Run service `payments` (revision `payments-00042-abc`, us-central1)`, escaped and
    /// cut short: every part comes from the object.
    pub fn subject(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map_or_else(|| "(unnamed)".to_owned(), |n| format!("`{}`", shown(n)));
        let mut details = Vec::new();
        if let Some(r) = &self.revision {
            details.push(format!("revision `{}`", shown(r)));
        }
        if let Some(l) = &self.location {
            details.push(shown(l).into_owned());
        }
        let details = if details.is_empty() {
            String::new()
        } else {
            format!(" ({})", details.join(", "))
        };
        format!("Cloud Run {} {name}{details}", self.kind.as_str())
    }
}
