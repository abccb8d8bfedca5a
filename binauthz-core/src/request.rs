//! Evaluation requests: the images to admit, the attestations at hand, and where they run
//! (spec/README.md §8.1).

use serde::Deserialize;
use serde_json::Value;

use crate::error::{ErrorCode, InputError, InputResult};
use crate::limits::{MAX_IMAGES, MAX_OCCURRENCES, MAX_REQUEST_BYTES};
use crate::model::image::ImageRef;
use crate::model::occurrence::{Occurrence, Occurrences};
use crate::model::workload::Workload;
use crate::objects::cloud_run;
use crate::objects::kubernetes;
use crate::text::document;
use crate::time::Timestamp;
use crate::untrusted::shown;

pub use crate::model::context::Context;

#[derive(Debug, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    /// The image references to evaluate (spec §4), in order; or give `object`.
    images: Option<Vec<String>>,
    /// Instead of `images`: an object whose images (and context) are evaluated (spec §8.1).
    /// Giving both `images` and `object` is an error.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<crate::schema::WorkloadObject>")
    )]
    object: Option<Value>,
    /// The attestation occurrences at hand, read as spec §5.1 says: occurrences that cannot be
    /// read are skipped, occurrences of other kinds ignored.
    #[cfg_attr(
        feature = "schema",
        schemars(with = "Option<Vec<crate::schema::OccurrenceDocument>>")
    )]
    attestations: Option<Vec<Value>>,
    /// Where the images are deployed: selects the specific rule that applies.
    #[cfg_attr(feature = "schema", schemars(with = "Option<Context>"))]
    context: Option<Value>,
    /// When PGP key and signature expiry is judged: RFC 3339 in UTC, read strictly
    /// (`YYYY-MM-DDTHH:MM:SS[.F]Z`, spec §8.1). Without it, a PGP key or signature with an expiry
    /// counts as expired.
    #[serde(rename = "evaluationTime")]
    evaluation_time: Option<String>,
}

/// A validated request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    images: Vec<ImageRef>,
    attestations: Occurrences,
    context: Context,
    evaluation_time: Option<Timestamp>,
}

impl Request {
    /// The request for a workload read from an object (a manifest or an AdmissionReview's): its
    /// images and its context completed by `fallback` ([`Workload::context`]). As in a request
    /// (spec §4), text that is not an image reference is decided; only a reference over the
    /// length limit is an error, naming the image.
    pub fn for_workload(
        workload: &Workload,
        attestations: impl Into<Occurrences>,
        fallback: &Context,
    ) -> InputResult<Self> {
        let images = workload
            .images()
            .iter()
            .map(|image| {
                ImageRef::from_request(image).map_err(|e| {
                    InputError::new(
                        e.code(),
                        e.path(),
                        format!("image `{}`: {}", shown(image), e.message()),
                    )
                })
            })
            .collect::<InputResult<Vec<_>>>()?;
        Self::new(images, attestations, workload.context(fallback))
    }

    /// Builds a request from parts. An empty image list is an error: it must never be "allowed".
    /// `attestations` is a list of occurrences, or [`Occurrences`] as read from attestations
    /// documents, with the occurrences they skipped or ignored (spec §5).
    pub fn new(
        images: Vec<ImageRef>,
        attestations: impl Into<Occurrences>,
        mut context: Context,
    ) -> InputResult<Self> {
        let attestations = attestations.into();
        cloud_run::check_context(&mut context, "context")?;
        if images.is_empty() {
            return Err(InputError::invalid(
                "images",
                "the request has no images; an empty request is never admitted",
            ));
        }
        if images.len() > MAX_IMAGES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "images",
                format!("more than {MAX_IMAGES} images in one request"),
            ));
        }
        if attestations.entries() > MAX_OCCURRENCES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "attestations",
                format!("more than {MAX_OCCURRENCES} attestation occurrences"),
            ));
        }
        Ok(Request {
            images,
            attestations,
            context,
            evaluation_time: None,
        })
    }

    /// Sets the time at which key and signature expiry is judged (`evaluationTime`, spec §8.1).
    /// The engine reads no clock: without a time, a PGP key or signature that has an expiry
    /// counts as expired.
    pub fn with_evaluation_time(mut self, time: Option<Timestamp>) -> Self {
        self.evaluation_time = time;
        self
    }

    /// Parses a request document (YAML or JSON).
    pub fn parse(text: &str) -> InputResult<Self> {
        Self::from_value(document::parse(text, MAX_REQUEST_BYTES)?)
    }

    /// Parses request bytes, rejecting text that is not UTF-8.
    pub fn parse_bytes(bytes: &[u8]) -> InputResult<Self> {
        Self::from_value(document::parse_bytes(bytes, MAX_REQUEST_BYTES)?)
    }

    /// Validates a parsed request document.
    pub fn from_value(value: Value) -> InputResult<Self> {
        if !value.is_object() {
            return Err(InputError::invalid(
                "",
                "a request must be a mapping with an images list",
            ));
        }
        document::require_mappings(&value, &["context", "object"])?;
        let raw: RawRequest = document::from_value(value)?;
        let evaluation_time = raw
            .evaluation_time
            .as_deref()
            .map(Timestamp::parse_rfc3339)
            .transpose()
            .map_err(|m| InputError::invalid("evaluationTime", m))?;
        let context = match raw.context {
            None | Some(Value::Null) => Context::default(),
            Some(v) => document::from_value(v).map_err(|e| e.within("context"))?,
        };
        let (texts, context) = match (raw.images, raw.object) {
            (Some(_), Some(_)) => {
                return Err(InputError::invalid(
                    "object",
                    "give either `images` or a Kubernetes `object`, not both",
                ));
            }
            (None, Some(object)) => {
                let workload =
                    kubernetes::workload_from_value(&object).map_err(|e| e.within("object"))?;
                let context = workload.context(&context);
                if let (Some(run), Some(at)) = (&context.cloud_run, &workload.setting_at) {
                    cloud_run::check_named(run, context.assume_enabled, at)
                        .map_err(|e| e.within("object"))?;
                }
                (workload.images(), context)
            }
            (images, None) => (images.unwrap_or_default(), context),
        };
        if texts.len() > MAX_IMAGES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "images",
                format!("more than {MAX_IMAGES} images in one request"),
            ));
        }
        let images = texts
            .iter()
            .enumerate()
            .map(|(i, t)| ImageRef::from_request(t).map_err(|e| e.within(&format!("images[{i}]"))))
            .collect::<InputResult<Vec<_>>>()?;
        let occurrences = raw.attestations.unwrap_or_default();
        if occurrences.len() > MAX_OCCURRENCES {
            return Err(InputError::new(
                ErrorCode::Limit,
                "attestations",
                format!("more than {MAX_OCCURRENCES} attestation occurrences"),
            ));
        }
        // An occurrence that cannot be read is skipped, not an error of the whole request: it
        // must not deny images that do not need it (spec §5).
        let attestations = Occurrences::from_list(occurrences, "attestations")?;
        Ok(Self::new(images, attestations, context)?.with_evaluation_time(evaluation_time))
    }

    /// The images, in request order.
    pub fn images(&self) -> &[ImageRef] {
        &self.images
    }

    /// The attestation occurrences supplied with the request that could be read.
    pub fn attestations(&self) -> &[Occurrence] {
        self.attestations.valid()
    }

    /// Every occurrence supplied with the request: those read, those skipped for an input
    /// error, and how many of other kinds were ignored.
    pub fn occurrences(&self) -> &Occurrences {
        &self.attestations
    }

    /// The deployment context.
    pub fn context(&self) -> &Context {
        &self.context
    }

    /// The time at which key and signature expiry is judged, if the request gives one.
    pub fn evaluation_time(&self) -> Option<Timestamp> {
        self.evaluation_time
    }
}
