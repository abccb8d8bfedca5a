//! How a Cloud Run service or job is evaluated differently from a GKE pod (spec/README.md §13):
//! only the default rule applies, allowlist patterns that name a tag never match, and an object
//! that does not enable Binary Authorization is not checked at all. Each difference is said in
//! a note, worded by `crate::decision::wording::cloud_run`.

use crate::decision::wording::cloud_run as wording;
use crate::decision::{DecisionStage, ImageDecision, Reason, ReasonKind, Verdict};
use crate::model::allowlist::pattern_names_tag;
use crate::model::allowlist::{AllowlistIndex, AllowlistPattern};
use crate::model::context::{CloudRunContext, Context, Setting};
use crate::model::image::is_source_deploy_image;
use crate::model::policy::Policy;

use super::engine::Evaluated;

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
            wording::not_enabled(run),
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
        (Setting::NotEnabled, false) => notes.push(wording::not_checked(&subject)),
        (Setting::NotEnabled, true) => notes.push(wording::assumed_enabled(&subject)),
        (Setting::Named(name), _) => notes.push(wording::named_policy(&subject, name)),
        (Setting::Default, _) => {}
    }
    let reached_rules = images.iter().any(|i| i.rule.is_some());
    if reached_rules && let Some(kind) = policy.specific_rules().kind() {
        notes.push(wording::specific_rules_unused(kind));
    }
    notes.extend(wording::context_ignored(context));
    if enforced(run, context) {
        tag_patterns_note(images, &tag_pattern_for, &mut notes);
        if images
            .iter()
            .any(|i| has_reason(i, ReasonKind::TagReference))
        {
            notes.push(wording::tags_resolved());
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
    if !skipped.is_empty() {
        notes.push(wording::tag_patterns_unused(&skipped));
    }
}

/// A denied image from a source deploy: the policy needs the exemption GCP documents.
fn source_deploy_note(images: &[ImageDecision], notes: &mut Vec<String>) {
    let denied = images
        .iter()
        .find(|i| !matches!(i.verdict, Verdict::Allowed) && is_source_deploy_image(&i.image));
    if let Some(image) = denied {
        notes.push(wording::source_deploy(&image.image));
    }
}
