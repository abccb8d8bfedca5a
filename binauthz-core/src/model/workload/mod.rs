//! What will run: a workload's containers and images, where it runs, and the request context it
//! gives. Filled in by the Kubernetes and Cloud Run readers (`crate::objects::kubernetes`,
//! `crate::objects::cloud_run`), which share the field readers in [`fields`].

use serde::Serialize;

use crate::model::context::{CloudRunContext, Context};

pub(crate) mod fields;

/// Which list of the pod spec a container comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ContainerType {
    /// `spec.containers`.
    Container,
    /// `spec.initContainers`.
    InitContainer,
    /// `spec.ephemeralContainers`.
    EphemeralContainer,
}

/// One container's image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "camelCase")]
pub struct ContainerImage {
    /// The container's name.
    pub name: String,
    /// The image reference as written.
    pub image: String,
    /// Which list it comes from.
    #[serde(rename = "type")]
    pub container_type: ContainerType,
}

/// What binauthz needs from a workload object: where it runs and which images it runs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workload {
    /// The object's kind (`Deployment`, `Pod`, …).
    pub kind: String,
    /// `metadata.name`, if set.
    pub name: Option<String>,
    /// `metadata.namespace` (or the AdmissionReview's namespace), if set.
    pub namespace: Option<String>,
    /// The service account the pod runs as, if the pod spec names one: `serviceAccountName`, or
    /// when that is empty the deprecated `serviceAccount`, as Kubernetes decides.
    pub service_account: Option<String>,
    /// Whether the pod (template) asks for breakglass.
    pub breakglass: bool,
    /// Every container, init container and ephemeral container, in that order.
    pub containers: Vec<ContainerImage>,
    /// For a Cloud Run service or job (spec §13): which one, and its Binary Authorization
    /// settings. Its namespace and service account are then `None`: Cloud Run has none in GKE's
    /// sense.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cloud_run: Option<CloudRunContext>,
    /// Where a Cloud Run object sets Binary Authorization, for errors about that setting.
    #[serde(skip)]
    pub setting_at: Option<String>,
}

impl Workload {
    /// The images of every container, in order.
    pub fn images(&self) -> Vec<String> {
        self.containers.iter().map(|c| c.image.clone()).collect()
    }

    /// The request context for this workload: its namespace (else `fallback.namespace`, else
    /// `default`), its service account (else `default`), breakglass from the object or
    /// `fallback`, and the cluster and Istio identity of `fallback`. A Cloud Run object keeps
    /// `fallback`'s cluster, namespace, service account and Istio identity as given (the engine
    /// ignores them and says so) and its `assumeEnabled`, and adds its own `cloudRun`.
    pub fn context(&self, fallback: &Context) -> Context {
        if let Some(run) = &self.cloud_run {
            return Context {
                breakglass: self.breakglass || fallback.breakglass,
                cloud_run: Some(run.clone()),
                ..fallback.clone()
            };
        }
        Context {
            cluster: fallback.cluster.clone(),
            namespace: Some(
                self.namespace
                    .clone()
                    .or_else(|| fallback.namespace.clone())
                    .unwrap_or_else(|| "default".to_owned()),
            ),
            service_account: Some(
                self.service_account
                    .clone()
                    .unwrap_or_else(|| "default".to_owned()),
            ),
            istio_identity: fallback.istio_identity.clone(),
            breakglass: self.breakglass || fallback.breakglass,
            assume_enabled: false,
            cloud_run: None,
        }
    }
}
