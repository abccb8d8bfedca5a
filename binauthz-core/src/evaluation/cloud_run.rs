//! How a Cloud Run service or job is evaluated differently from a GKE pod (spec/README.md §13):
//! only the default rule applies, allowlist patterns that name a tag never match, and an object
//! that does not enable Binary Authorization is not checked at all. Each difference is said in
//! a note.

use crate::decision::{DecisionStage, ImageDecision, Reason, ReasonKind, Verdict};
use crate::model::allowlist::pattern_names_tag;
use crate::model::allowlist::{AllowlistIndex, AllowlistPattern};
use crate::model::context::{CloudRunContext, Context, Setting};
use crate::model::image::{SOURCE_DEPLOY_REPOSITORY, is_source_deploy_image};
use crate::model::policy::Policy;
use crate::untrusted::shown;

use super::engine::Evaluated;

/// Patterns named in one note, at most.
const MAX_PATTERNS_IN_NOTE: usize = 3;

/// The allowlist Cloud Run uses: the policy's patterns without those that name a tag, indexed.
/// `None` when no pattern names a tag (the policy's own index then serves).
#[derive(Debug, Clone)]
pub(super) struct CloudRunAllowlist {
    patterns: Vec<AllowlistPattern>,
    index: AllowlistIndex,
}

impl CloudRunAllowlist {
    pub(super) fn new(policy: &Policy) -> Option<Self> {
        let all = policy.allowlist();
        if !all.iter().any(|p| pattern_names_tag(p.as_str())) {
            return None;
        }
        let patterns: Vec<AllowlistPattern> = all
            .iter()
            .filter(|p| !pattern_names_tag(p.as_str()))
            .cloned()
            .collect();
        let index = AllowlistIndex::new(&patterns);
        Some(CloudRunAllowlist { patterns, index })
    }

    pub(super) fn find(&self, image: &str) -> Option<&AllowlistPattern> {
        self.index.find(&self.patterns, image)
    }
}

/// Whether Cloud Run checks the object's images (or the request assumes it does).
pub(super) fn enforced(run: &CloudRunContext, context: &Context) -> bool {
    context.assume_enabled || run.setting() != Setting::NotEnabled
}

/// An image of an object whose Binary Authorization is not enabled: admitted, unchecked.
pub(super) fn not_enabled(run: &CloudRunContext) -> Evaluated {
    Evaluated {
        conformant: true,
        stage: DecisionStage::NotEnabled,
        matched_pattern: None,
        rule: None,
        attestors: Vec::new(),
        reasons: vec![Reason::new(
            ReasonKind::NotEnabled,
            format!(
                "the {} does not enable Binary Authorization, so Cloud Run runs this image unchecked",
                run.subject()
            ),
        )],
        omitted_reasons: 0,
        detail: None,
    }
}

/// The notes a Cloud Run decision carries, in this order: the object's setting, rules and
/// context values Cloud Run does not use, allowlist patterns it does not accept, tags it would
/// resolve, and source deploys that need the documented exemption.
pub(super) fn notes(
    policy: &Policy,
    context: &Context,
    run: &CloudRunContext,
    images: &[ImageDecision],
    tag_pattern_for: impl Fn(&str) -> Option<String>,
) -> Vec<String> {
    let subject = run.subject();
    let mut notes = Vec::new();
    match (run.setting(), context.assume_enabled) {
        (Setting::NotEnabled, false) => notes.push(format!(
            "Cloud Run does not check Binary Authorization for the {subject}: it does not enable it (v1 annotation run.googleapis.com/binary-authorization, v2 binaryAuthorization.useDefault or policy), so its images run unchecked; evaluate with assumeEnabled (CLI: --assume-enabled) to preview what the policy would decide"
        )),
        (Setting::NotEnabled, true) => notes.push(format!(
            "the {subject} does not enable Binary Authorization, so Cloud Run would not check it; it was evaluated as if it used the project policy (assumeEnabled)"
        )),
        (Setting::Named(name), _) => notes.push(format!(
            "the {subject} names the Cloud Run platform policy `{}`, which binauthz does not compile; the project policy binauthz was given was evaluated in its place (assumeEnabled)",
            shown(name)
        )),
        (Setting::Default, _) => {}
    }
    let reached_rules = images.iter().any(|i| i.rule.is_some());
    if reached_rules && let Some(kind) = policy.specific_rules().kind() {
        notes.push(format!(
            "the policy has {}, which Cloud Run does not apply: on Cloud Run only the default rule applies",
            kind.field()
        ));
    }
    let given: Vec<&str> = [
        (context.cluster.is_some(), "cluster"),
        (context.namespace.is_some(), "namespace"),
        (context.service_account.is_some(), "serviceAccount"),
        (context.istio_identity.is_some(), "istioIdentity"),
    ]
    .iter()
    .filter_map(|(set, name)| set.then_some(*name))
    .collect();
    if !given.is_empty() {
        notes.push(format!(
            "the request's context gives {}, which Cloud Run does not have (no clusters, Kubernetes namespaces, service accounts or Istio identities in GKE's sense): ignored",
            given.join(", ")
        ));
    }
    if enforced(run, context) {
        tag_patterns_note(images, &tag_pattern_for, &mut notes);
        if images
            .iter()
            .any(|i| has_reason(i, ReasonKind::TagReference))
        {
            notes.push("Cloud Run resolves a tag to a digest when it deploys a revision or runs a job, and checks that digest; binauthz cannot resolve tags offline and judges the reference as written: deploy by digest (or pin it here) to preview Cloud Run's decision".to_owned());
        }
        source_deploy_note(images, &mut notes);
    }
    notes
}

fn has_reason(image: &ImageDecision, kind: ReasonKind) -> bool {
    image.reasons.iter().any(|r| r.kind == kind)
}

/// Patterns that would have matched an image but name a tag, which Cloud Run refuses.
fn tag_patterns_note(
    images: &[ImageDecision],
    tag_pattern_for: &impl Fn(&str) -> Option<String>,
    notes: &mut Vec<String>,
) {
    let mut skipped: Vec<String> = Vec::new();
    for image in images.iter().filter(|i| i.matched_pattern.is_none()) {
        if let Some(pattern) = tag_pattern_for(&image.image)
            && !skipped.contains(&pattern)
        {
            skipped.push(pattern);
        }
    }
    if skipped.is_empty() {
        return;
    }
    let shown_patterns: Vec<String> = skipped
        .iter()
        .take(MAX_PATTERNS_IN_NOTE)
        .map(|p| format!("`{}`", shown(p)))
        .collect();
    let more = skipped.len().saturating_sub(MAX_PATTERNS_IN_NOTE);
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    notes.push(format!(
        "allowlist pattern {}{tail} names a tag, which Cloud Run does not accept (use IMAGE@*, PREFIX/** or IMAGE@sha256:...), so it was not used",
        shown_patterns.join(", ")
    ));
}

/// A denied image from a source deploy: the policy needs the exemption GCP documents.
fn source_deploy_note(images: &[ImageDecision], notes: &mut Vec<String>) {
    let denied = images
        .iter()
        .find(|i| !matches!(i.verdict, Verdict::Allowed) && is_source_deploy_image(&i.image));
    if let Some(image) = denied {
        notes.push(format!(
            "{} was built by a source deploy (Artifact Registry repository {SOURCE_DEPLOY_REPOSITORY}); GCP's Cloud Run guide says a policy must exempt REGION-docker.pkg.dev/PROJECT_ID/{SOURCE_DEPLOY_REPOSITORY}/** for source deploys and functions",
            crate::model::image::shown_image(&image.image)
        ));
    }
}
