//! Evaluating a platform policy for pods (spec/README.md §15.2): the policy's allowlist, then
//! exactly one check set, the first (so the most specific) whose scope matches the pod; an image
//! conforms when the set's allowlist exempts it or every check allows it. Verdicts combine with
//! non-conformance over errors over conformance.

use std::collections::{HashMap, HashSet};

use crate::error::{ErrorCode, InputError, InputResult};
use crate::limits::{MAX_PLATFORM_PATTERN_MATCHES, MAX_PLATFORM_RESULTS};
use crate::model::allowlist::AllowlistPattern;
use crate::model::image::ImageRef;
use crate::model::workload::ContainerType;
use crate::platform::checks::Checker;
use crate::platform::policy::{CheckSet, PlatformPolicy, Scope};
use crate::platform::request::{PlatformRequest, Pod};
use crate::platform::result::{
    AllowlistResult, CV_EVENT_TYPE, CheckResult, CheckResults, CheckSetResult,
    ContinuousValidationEvent, CvCheckResult, EvaluateGkePolicyResponse, EvaluationResult,
    ImageDetails, ImageResult, PodEvent, PodResult, ScopeResult, Verdict,
};

/// The outcome of evaluating a platform policy: GCP's response, and what the CV log needs.
#[derive(Debug, Clone)]
pub struct PlatformEvaluation {
    response: EvaluateGkePolicyResponse,
    /// Per pod, per container: the container and its image's result.
    containers: Vec<Vec<(crate::model::workload::ContainerImage, ImageResult)>>,
    policy_name: Option<String>,
}

impl PlatformEvaluation {
    /// `EvaluateGkePolicyResponse`.
    pub fn response(&self) -> &EvaluateGkePolicyResponse {
        &self.response
    }

    /// The verdict over every pod.
    pub fn verdict(&self) -> Verdict {
        self.response.verdict
    }

    /// The Continuous Validation log's events: one `podEvent` per pod that does not conform
    /// (an error is logged as a violation too: a pod that cannot be checked is not silent).
    pub fn cv_events(&self) -> Vec<ContinuousValidationEvent> {
        self.response
            .results
            .iter()
            .zip(&self.containers)
            .filter(|(pod, _)| pod.verdict != Verdict::Conformant)
            .map(|(pod, containers)| ContinuousValidationEvent {
                type_url: CV_EVENT_TYPE,
                pod_event: Some(PodEvent {
                    pod_namespace: pod.kubernetes_namespace.clone(),
                    pod: pod.pod_name.clone().unwrap_or_default(),
                    policy_name: self.policy_name.clone(),
                    verdict: "VIOLATES_POLICY",
                    images: containers.iter().map(image_details).collect(),
                }),
                config_error_event: None,
            })
            .collect()
    }
}

/// The CV log's event for a policy that cannot be evaluated at all.
pub fn config_error_event(description: String) -> ContinuousValidationEvent {
    ContinuousValidationEvent {
        type_url: CV_EVENT_TYPE,
        pod_event: None,
        config_error_event: Some(crate::platform::result::ConfigErrorEvent { description }),
    }
}

fn image_details(
    (container, result): &(crate::model::workload::ContainerImage, ImageResult),
) -> ImageDetails {
    let set = result.check_set_result.as_ref();
    let check_results = set
        .and_then(|s| s.check_results.as_ref())
        .map(|r| {
            r.results
                .iter()
                .filter(|c| c.verdict() != Verdict::Conformant)
                .map(|c| CvCheckResult {
                    check_set_index: set.map(|s| s.index.clone()).unwrap_or_default(),
                    check_set_name: set.and_then(|s| s.display_name.clone()),
                    check_set_scope: set.and_then(|s| s.scope.clone()),
                    check_index: c.index.clone(),
                    check_name: c.display_name.clone(),
                    check_type: c.check_type.clone(),
                    verdict: c.verdict(),
                    explanation: c.explanation.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let description = match result.verdict {
        Verdict::Conformant => "Image conforms to the policy".to_owned(),
        Verdict::NonConformant => "Image violates the policy".to_owned(),
        Verdict::Error => {
            "Image could not be evaluated: an error is treated as a violation".to_owned()
        }
    };
    ImageDetails {
        image: result.image_uri.clone(),
        container_name: container.name.clone(),
        container_type: match container.container_type {
            ContainerType::Container => "CONTAINER",
            ContainerType::InitContainer => "INIT_CONTAINER",
            ContainerType::EphemeralContainer => "EPHEMERAL_CONTAINER",
        },
        result: if result.verdict == Verdict::Conformant {
            "ALLOW"
        } else {
            "DENY"
        },
        description,
        check_results,
    }
}

fn matched(patterns: &[AllowlistPattern], image: &str) -> Option<AllowlistResult> {
    patterns
        .iter()
        .find(|p| p.matches(image))
        .map(|p| AllowlistResult {
            matched_pattern: p.as_str().to_owned(),
        })
}

fn scope_result(scope: &Scope) -> Option<ScopeResult> {
    match scope {
        Scope::Everything => None,
        Scope::Namespace(ns) => Some(ScopeResult {
            kubernetes_namespace: Some(ns.clone()),
            kubernetes_service_account: None,
        }),
        Scope::ServiceAccount { namespace, name } => Some(ScopeResult {
            kubernetes_namespace: None,
            kubernetes_service_account: Some(format!("{namespace}:{name}")),
        }),
    }
}

/// Evaluates `policy` for every pod of `request`.
pub fn evaluate(
    policy: &PlatformPolicy,
    request: &PlatformRequest,
) -> InputResult<PlatformEvaluation> {
    let mut checker = Checker::new(request);
    let mut memo: HashMap<(Option<usize>, String), ImageResult> = HashMap::new();
    let mut results_made = 0usize;
    let set_patterns: Vec<usize> = policy.check_sets().iter().map(pattern_count).collect();
    let mut pods = Vec::with_capacity(request.pods().len());
    let mut containers = Vec::with_capacity(request.pods().len());
    for pod in request.pods() {
        let set = policy
            .check_sets()
            .iter()
            .enumerate()
            .find(|(_, s)| s.scope().matches(&pod.namespace, &pod.service_account));
        let mut pod_containers = Vec::with_capacity(pod.containers.len());
        for container in &pod.containers {
            // Counted before the image is evaluated, so a request over the limit stops before
            // it costs more than the limit's worth of checks.
            results_made += 1 + set.map_or(0, |(_, s)| s.checks().len());
            if results_made > MAX_PLATFORM_RESULTS {
                return Err(InputError::new(
                    ErrorCode::Limit,
                    "object",
                    format!(
                        "the pods' images and checks make more than {MAX_PLATFORM_RESULTS} results; evaluate fewer pods at a time"
                    ),
                ));
            }
            let key = (set.map(|(i, _)| i), container.image.clone());
            let result = match memo.get(&key) {
                Some(r) => r.clone(),
                None => {
                    // Every pattern an image may be matched against is counted before it is
                    // (spec §15.5): many distinct images times long pattern lists is work.
                    let patterns = policy.allowlist().len()
                        + set.map_or(0, |(i, _)| set_patterns.get(i).copied().unwrap_or(0));
                    if !checker.charge_matches(patterns) {
                        return Err(InputError::new(
                            ErrorCode::Limit,
                            "object",
                            format!(
                                "the pods' distinct images times the policy's patterns make more than {MAX_PLATFORM_PATTERN_MATCHES} pattern matches; evaluate fewer pods at a time"
                            ),
                        ));
                    }
                    let r = image_result(policy, set, &container.image, &mut checker);
                    memo.insert(key, r.clone());
                    r
                }
            };
            pod_containers.push((container.clone(), result));
        }
        pods.push(pod_result(pod, &pod_containers));
        containers.push(pod_containers);
    }
    let verdict = pods
        .iter()
        .fold(Verdict::Conformant, |v, p| v.combine(p.verdict));
    Ok(PlatformEvaluation {
        response: EvaluateGkePolicyResponse {
            verdict,
            results: pods,
        },
        containers,
        policy_name: policy.name().map(str::to_owned),
    })
}

/// The patterns one image may be matched against in a check set: its allowlist, and each
/// check's allowlist and trusted directories.
fn pattern_count(set: &CheckSet) -> usize {
    let checks: usize = set
        .checks()
        .iter()
        .map(|c| {
            c.allowlist().len()
                + match c.kind() {
                    crate::platform::CheckKind::TrustedDirectory(p) => p.len(),
                    _ => 0,
                }
        })
        .sum();
    set.allowlist().len() + checks
}

fn pod_result(
    pod: &Pod,
    containers: &[(crate::model::workload::ContainerImage, ImageResult)],
) -> PodResult {
    // A pod may run a thousand containers: a set, not a scan of the results so far.
    let mut seen: HashSet<&str> = HashSet::with_capacity(containers.len());
    let image_results: Vec<ImageResult> = containers
        .iter()
        .filter(|(_, result)| seen.insert(result.image_uri.as_str()))
        .map(|(_, result)| result.clone())
        .collect();
    PodResult {
        pod_name: pod.name.clone(),
        kubernetes_namespace: pod.namespace.clone(),
        kubernetes_service_account: pod.service_account.clone(),
        verdict: image_results
            .iter()
            .fold(Verdict::Conformant, |v, r| v.combine(r.verdict)),
        image_results,
    }
}

fn image_result(
    policy: &PlatformPolicy,
    set: Option<(usize, &CheckSet)>,
    text: &str,
    checker: &mut Checker<'_>,
) -> ImageResult {
    let plain = |verdict, explanation: String| ImageResult {
        image_uri: text.to_owned(),
        verdict,
        allowlist_result: None,
        check_set_result: None,
        explanation: Some(explanation),
    };
    let image = match ImageRef::from_request(text) {
        Ok(image) => image,
        Err(e) => return plain(Verdict::NonConformant, e.message().to_owned()),
    };
    if let Some(allowed) = matched(policy.allowlist(), text) {
        return ImageResult {
            explanation: Some(format!(
                "exempted by the policy's image allowlist (`{}`)",
                allowed.matched_pattern
            )),
            allowlist_result: Some(allowed),
            ..plain(Verdict::Conformant, String::new())
        };
    }
    let Some((index, set)) = set else {
        return plain(
            Verdict::Conformant,
            "the policy has no check sets, so every image conforms".to_owned(),
        );
    };
    let mut result = CheckSetResult {
        index: index.to_string(),
        display_name: set.display_name().map(str::to_owned),
        scope: scope_result(set.scope()),
        allowlist_result: None,
        check_results: None,
        explanation: None,
    };
    let image_with = |verdict, result| ImageResult {
        image_uri: text.to_owned(),
        verdict,
        allowlist_result: None,
        check_set_result: Some(result),
        explanation: None,
    };
    if let Some(allowed) = matched(set.allowlist(), text) {
        result.explanation = Some(format!(
            "exempted by the check set's image allowlist (`{}`), so no check was evaluated",
            allowed.matched_pattern
        ));
        result.allowlist_result = Some(allowed);
        return image_with(Verdict::Conformant, result);
    }
    if set.checks().is_empty() {
        result.explanation = Some("the check set has no checks, so it allows every image".into());
        return image_with(Verdict::Conformant, result);
    }
    let mut verdict = Verdict::Conformant;
    let mut checks = Vec::with_capacity(set.checks().len());
    for (i, check) in set.checks().iter().enumerate() {
        let mut r = CheckResult {
            index: i.to_string(),
            display_name: check.display_name().map(str::to_owned),
            check_type: check.kind().type_name().to_owned(),
            allowlist_result: None,
            evaluation_result: None,
            explanation: String::new(),
        };
        if let Some(allowed) = matched(check.allowlist(), text) {
            r.explanation = format!(
                "exempted by the check's image allowlist (`{}`), so the check was not evaluated",
                allowed.matched_pattern
            );
            r.allowlist_result = Some(allowed);
        } else {
            let outcome = checker.check(check.kind(), &image);
            verdict = verdict.combine(outcome.verdict);
            r.evaluation_result = Some(EvaluationResult {
                verdict: outcome.verdict,
            });
            r.explanation = outcome.explanation;
        }
        checks.push(r);
    }
    result.check_results = Some(CheckResults { results: checks });
    image_with(verdict, result)
}
