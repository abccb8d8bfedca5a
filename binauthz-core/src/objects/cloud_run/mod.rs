//! Cloud Run services and jobs: their images, whether Binary Authorization applies to them, and
//! their breakglass, read as Cloud Run reads them (spec/README.md §13).
//!
//! Four shapes are read: a service as `gcloud run services describe --format export` prints it
//! (`serving.knative.dev/v1` `Service`), a job as `gcloud run jobs describe --format export`
//! prints it (`run.googleapis.com/v1` `Job`), and the Cloud Run Admin API v2 bodies of both,
//! which have no `kind` and are recognised by their `name`
//! (`projects/P/locations/L/services/S` or `.../jobs/J`) and `template`.

use serde_json::{Map, Value};

use crate::error::{ErrorCode, InputError, InputResult, join_path};
use crate::limits::{MAX_BREAKGLASS_JUSTIFICATION_BYTES, MAX_IMAGES};
use crate::model::context::{CloudRunContext, CloudRunKind, Context, Setting};
use crate::model::workload::fields::{mapping_field, string_field, string_map, type_name};
use crate::model::workload::{ContainerImage, ContainerType, Workload};
use crate::untrusted::shown;

mod read;

pub(crate) use read::{is_cloud_run, workload};

/// The v1 annotation that enables Binary Authorization on a service or job: `default`, or a
/// Cloud Run platform policy's name.
pub const BINAUTHZ_ANNOTATION: &str = "run.googleapis.com/binary-authorization";
/// The v1 annotation `gcloud run deploy --breakglass=JUSTIFICATION` sets.
pub const BREAKGLASS_ANNOTATION: &str = "run.googleapis.com/binary-authorization-breakglass";
/// The label gcloud's export puts the region in.
pub const LOCATION_LABEL: &str = "cloud.googleapis.com/location";
/// Whether `value` names a Cloud Run platform policy (`projects/P/platforms/cloudRun/NAME`, or
/// the platform policy resource `projects/P/platforms/cloudRun/policies/NAME`).
fn is_platform_policy_name(value: &str) -> bool {
    let parts: Vec<&str> = value.split('/').collect();
    let well_formed = parts
        .iter()
        .all(|p| !p.is_empty() && !p.contains(char::is_whitespace));
    well_formed
        && matches!(
            parts.as_slice(),
            ["projects", _, "platforms", "cloudRun", _]
                | ["projects", _, "platforms", "cloudRun", "policies", _]
        )
}

/// Checks a request's Cloud Run context and assumeEnabled (paths under `at`, the request's
/// `context`): the setting is `default` or a platform policy's name, a justification fits its
/// limit and needs Binary Authorization enabled (v2: "If useDefault is False, then it must be
/// empty"), a named policy is evaluated only under `assumeEnabled`. A justification requests
/// breakglass.
pub(crate) fn check_context(context: &mut Context, at: &str) -> InputResult<()> {
    let Some(run) = &context.cloud_run else {
        if context.assume_enabled {
            return Err(InputError::invalid(
                join_path(at, "assumeEnabled"),
                "`assumeEnabled` applies to Cloud Run objects only (GKE has no per-object switch binauthz could assume)",
            ));
        }
        return Ok(());
    };
    let at = join_path(at, "cloudRun");
    if let Some(value) = &run.binary_authorization
        && value != "default"
        && !is_platform_policy_name(value)
    {
        return Err(InputError::invalid(
            join_path(&at, "binaryAuthorization"),
            format!(
                "`{}` is neither `default` nor a Cloud Run platform policy (projects/PROJECT/platforms/cloudRun/NAME)",
                shown(value)
            ),
        ));
    }
    if run.breakglass_justification.as_deref() == Some("") {
        // Proto3 reads an empty string as unset: no breakglass.
        if let Some(run) = context.cloud_run.as_mut() {
            run.breakglass_justification = None;
        }
    }
    let Some(run) = &context.cloud_run else {
        return Ok(());
    };
    if let Some(why) = &run.breakglass_justification {
        check_justification(why, &join_path(&at, "breakglassJustification"))?;
        if run.binary_authorization.is_none() {
            return Err(justification_without_binauthz(&join_path(
                &at,
                "breakglassJustification",
            )));
        }
        context.breakglass = true;
    }
    check_named(
        run,
        context.assume_enabled,
        &join_path(&at, "binaryAuthorization"),
    )
}

fn check_justification(why: &str, at: &str) -> InputResult<()> {
    if why.len() > MAX_BREAKGLASS_JUSTIFICATION_BYTES {
        return Err(InputError::new(
            ErrorCode::Limit,
            at,
            format!(
                "the breakglass justification is {} bytes, more than {MAX_BREAKGLASS_JUSTIFICATION_BYTES}",
                why.len()
            ),
        ));
    }
    Ok(())
}

fn justification_without_binauthz(at: &str) -> InputError {
    InputError::invalid(
        at,
        "a breakglass justification is given but Binary Authorization is not enabled on the object; Cloud Run requires it to be empty then (v2 BinaryAuthorization: \"If useDefault is False, then it must be empty\")",
    )
}

/// A named platform policy is refused unless the request assumes the engine's policy applies.
pub(crate) fn check_named(run: &CloudRunContext, assume: bool, at: &str) -> InputResult<()> {
    match run.setting() {
        Setting::Named(name) if !assume => Err(InputError::new(
            ErrorCode::Unsupported,
            at,
            format!(
                "the {} names the Cloud Run platform policy `{}`, a check-based policy binauthz does not compile; evaluate with assumeEnabled (CLI: --assume-enabled) to apply the project policy binauthz was given instead",
                run.subject(),
                shown(name)
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests;
