//! The decision's texts for people and for logs (spec/README.md §8.2-8.4), each bounded (§7.2).
//! Evaluation decides; this says: every sentence of a decision is made here, from the facts
//! evaluation found. This file holds the summary message and the audit record; GCP's denial
//! texts, the reasons of attestors and rules, and Cloud Run's notes each have a file.

pub(crate) mod cloud_run;
pub(crate) mod denial;
pub(crate) mod reasons;
pub(crate) mod rules;

use std::collections::BTreeMap;

use crate::decision::{
    AuditImage, AuditRecord, AuditVerification, DecisionStage, ImageDecision, LABEL_BREAKGLASS,
    LABEL_DRY_RUN, LABEL_OVERRIDDEN, ReasonKind, Verdict,
};
use crate::limits::MAX_DENIALS_IN_MESSAGE;
use crate::model::context::{Context, Platform};
use crate::model::image::shown_image;
use crate::model::policy::Policy;

/// The decision's message: the denials of the blocked images (at most
/// [`MAX_DENIALS_IN_MESSAGE`]), or what was admitted.
pub(crate) fn summary(images: &[ImageDecision], allowed: bool) -> String {
    if !allowed {
        let mut denials = images
            .iter()
            .filter(|i| i.verdict == Verdict::Denied)
            .filter_map(|i| i.denial.as_deref());
        let mut text: Vec<&str> = denials.by_ref().take(MAX_DENIALS_IN_MESSAGE).collect();
        let more = denials.count();
        let tail;
        if more > 0 {
            tail = format!(
                "({more} more image{} denied.)",
                if more == 1 { " is" } else { "s are" }
            );
            text.push(&tail);
        }
        return text.join("\n");
    }
    let n = images.len();
    let dry = images
        .iter()
        .filter(|i| i.verdict == Verdict::DryRunViolation)
        .count();
    let glass = images
        .iter()
        .filter(|i| i.verdict == Verdict::Breakglass)
        .count();
    let unchecked = images
        .iter()
        .filter(|i| i.stage == DecisionStage::NotEnabled)
        .count();
    if unchecked == n {
        return format!(
            "{n} image{} admitted unchecked: Binary Authorization is not enabled",
            if n == 1 { "" } else { "s" }
        );
    }
    // The common case needs no formatting.
    let mut text = if n == 1 {
        String::from("1 image admitted")
    } else {
        format!("{n} images admitted")
    };
    if dry > 0 {
        text.push_str(&format!(", {dry} with a dry-run policy violation"));
    }
    if glass > 0 {
        text.push_str(&format!(", {glass} only because of breakglass"));
    }
    text
}

/// The audit record of a decision, with GKE's audit-log labels (spec §8.3).
pub(crate) fn audit_record(
    policy: &Policy,
    context: &Context,
    images: &[ImageDecision],
    allowed: bool,
) -> AuditRecord {
    let dry_run = images.iter().any(|i| i.verdict == Verdict::DryRunViolation);
    let mut labels = BTreeMap::new();
    if context.breakglass {
        labels.insert(LABEL_BREAKGLASS.to_owned(), "true".to_owned());
    }
    if dry_run {
        labels.insert(LABEL_DRY_RUN.to_owned(), "true".to_owned());
    }
    let overridden: String = images
        .iter()
        .filter(|i| matches!(i.verdict, Verdict::DryRunViolation | Verdict::Breakglass))
        .filter_map(|i| {
            i.denial
                .as_ref()
                .map(|d| format!("'{}' : {d}\n", shown_image(&i.image)))
        })
        .collect();
    if !overridden.is_empty() {
        labels.insert(LABEL_OVERRIDDEN.to_owned(), overridden);
    }
    let images = images
        .iter()
        .map(|i| AuditImage {
            image: i.image.clone(),
            digest: i.digest.clone(),
            verdict: i.verdict,
            rule: match (&i.rule, i.matched_pattern.is_some()) {
                (Some(rule), _) => rule.label(),
                (None, false) if i.stage == DecisionStage::NotEnabled => "notEnabled".to_owned(),
                (None, true) if i.reasons.iter().any(|r| r.kind == ReasonKind::SystemImage) => {
                    "systemImage".to_owned()
                }
                _ => "allowlist".to_owned(),
            },
            verified_by: i
                .attestors
                .iter()
                .filter_map(|a| {
                    a.verified_by.as_ref().map(|v| AuditVerification {
                        attestor: a.attestor.clone(),
                        key_id: v.key_id.clone(),
                        occurrence: v.occurrence.clone(),
                    })
                })
                .collect(),
            violations: if i.verdict == Verdict::Allowed {
                Vec::new()
            } else {
                i.reasons
                    .iter()
                    .filter(|r| !matches!(r.kind, ReasonKind::Attested | ReasonKind::Breakglass))
                    .map(|r| r.message.clone())
                    .collect()
            },
        })
        .collect();
    AuditRecord {
        allowed,
        platform: Platform::Gke,
        policy: policy.name().map(str::to_owned),
        breakglass: context.breakglass,
        dry_run,
        context: context.clone(),
        evaluation_time: None,
        images,
        labels,
    }
}
