//! Unit tests of the C ABI, calling it as C would. The C suite (tests/c/) covers the rest.
#![allow(
    clippy::undocumented_unsafe_blocks,
    clippy::multiple_unsafe_ops_per_block,
    reason = "tests call the C ABI with pointers they own"
)]

use super::*;
use binauthz_core::ErrorCode;
use serde_json::Value;
use std::ptr::{null, null_mut};

/// An error string's message and its report, both freed.
fn take_error(s: *mut c_char) -> Option<(String, Value)> {
    if s.is_null() {
        return None;
    }
    let report = unsafe { binauthz_error_json(s) };
    assert!(!report.is_null(), "an error string without a report");
    let report = unsafe { CStr::from_ptr(report) }.to_str().unwrap();
    let report: Value = serde_json::from_str(report).unwrap();
    let message = take(s).unwrap();
    assert_eq!(report["message"], message.as_str());
    Some((message, report))
}

fn take(s: *mut c_char) -> Option<String> {
    if s.is_null() {
        return None;
    }
    let text = unsafe { CStr::from_ptr(s) }.to_str().unwrap().to_owned();
    unsafe { binauthz_string_free(s) };
    Some(text)
}

const DENY: &str = r#"{"policy": {"defaultAdmissionRule": {
    "evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}"#;

const POLICY: &str = r#"{"defaultAdmissionRule": {"evaluationMode": "REQUIRE_ATTESTATION",
    "requireAttestationsBy": ["projects/p/attestors/a"],
    "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}"#;

fn engine(config: &str) -> (c_int, *mut BinauthzEngine, Option<String>) {
    let mut engine = null_mut();
    let mut error = null_mut();
    let status =
        unsafe { binauthz_engine_new(config.as_ptr(), config.len(), &mut engine, &mut error) };
    (status, engine, take_error(error).map(|(m, _)| m))
}

#[test]
fn version_matches_the_core() {
    let v = unsafe { CStr::from_ptr(binauthz_version()) };
    assert_eq!(v.to_str().unwrap(), binauthz_core::VERSION);
    assert_eq!(binauthz_abi_version(), BINAUTHZ_ABI_VERSION);
}

#[test]
fn evaluates_and_reports_core_errors() {
    let (status, e, error) = engine(DENY);
    assert_eq!((status, error), (0, None));
    let request = br#"{"images": ["gcr.io/acme/app:1"]}"#;
    let mut out = null_mut();
    let mut error = null_mut();
    let status = unsafe {
        binauthz_engine_evaluate(e, request.as_ptr(), request.len(), &mut out, &mut error)
    };
    assert_eq!(status, 0);
    let decision = take(out).unwrap();
    assert!(decision.starts_with("{\"allowed\":false,"), "{decision}");
    assert!(take(error).is_none());

    let bad = b"{\"images\": []}";
    let status =
        unsafe { binauthz_engine_evaluate(e, bad.as_ptr(), bad.len(), &mut out, &mut error) };
    assert_eq!(status, BinauthzStatus::Invalid as c_int);
    assert!(out.is_null());
    let core = Engine::from_config_str(DENY)
        .unwrap()
        .evaluate_str("{\"images\": []}")
        .unwrap_err();
    let (message, report) = take_error(error).unwrap();
    assert_eq!(message, core.to_string());
    assert_eq!(report["stage"], "request");
    assert_eq!(report["code"], "invalid");
    assert_eq!(report["path"], "images");
    unsafe { binauthz_engine_free(e) };

    let (status, e, error) = engine("{\"policy\": {}, \"attestors\": [], \"x\": 1}");
    assert_eq!(status, BinauthzStatus::Invalid as c_int);
    assert!(e.is_null());
    assert!(error.unwrap().starts_with("invalid config: "));
}

#[test]
fn a_result_string_has_no_report() {
    let mut out = null_mut();
    let url =
        c"gcr.io/p/app@sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let status = unsafe { binauthz_create_signature_payload(url.as_ptr(), &mut out, null_mut()) };
    assert_eq!(status, 0);
    assert!(unsafe { binauthz_error_json(out) }.is_null());
    assert!(unsafe { binauthz_error_json(null()) }.is_null());
    take(out);
}

#[test]
fn nulls_are_errors_with_a_report() {
    let mut error = null_mut();
    let status = unsafe { binauthz_engine_new(DENY.as_ptr(), DENY.len(), null_mut(), &mut error) };
    assert_eq!(status, BinauthzStatus::NullArgument as c_int);
    let (message, report) = take_error(error).unwrap();
    assert_eq!(message, "argument `engine_out` is NULL");
    assert_eq!(report["stage"], "config");
    assert_eq!(report["code"], "invalid");
    assert_eq!(report["errors"][0]["document"], "engine_out");
    let mut out = null_mut();
    let status =
        unsafe { binauthz_engine_evaluate(null(), b"x".as_ptr(), 1, &mut out, &mut error) };
    assert_eq!(status, BinauthzStatus::NullArgument as c_int);
    let (_, report) = take_error(error).unwrap();
    assert_eq!(report["stage"], "request");
    let status = unsafe { binauthz_engine_new(null(), usize::MAX, &mut null_mut(), &mut error) };
    assert_eq!(status, BinauthzStatus::NullArgument as c_int);
    take_error(error);
    let status =
        unsafe { binauthz_engine_new(b"x".as_ptr(), usize::MAX, &mut null_mut(), &mut error) };
    assert_eq!(status, BinauthzStatus::InvalidArgument as c_int);
    let (message, report) = take_error(error).unwrap();
    assert!(message.contains("PTRDIFF_MAX"), "{message}");
    assert_eq!(report["code"], "limit");
    let (status, e, _) = engine("");
    assert_eq!(status, BinauthzStatus::Syntax as c_int);
    assert!(e.is_null());
}

#[test]
fn guard_turns_a_panic_into_a_status_and_a_report() {
    let mut error = null_mut();
    let status = unsafe { panic::guarded(ErrorStage::Config, &mut error, || panic!("boom {}", 1)) };
    assert_eq!(status, BinauthzStatus::Panic as c_int);
    let (message, report) = take_error(error).unwrap();
    assert!(message.contains("(boom 1)"));
    assert_eq!(report["stage"], "config");
    assert_eq!(report["errors"][0]["document"], "binauthz");
}

#[test]
fn status_names_follow_the_core_codes() {
    for code in [
        ErrorCode::Syntax,
        ErrorCode::Limit,
        ErrorCode::Invalid,
        ErrorCode::Reference,
        ErrorCode::Unsupported,
    ] {
        let status = BinauthzStatus::from(code) as c_int;
        let name = unsafe { CStr::from_ptr(binauthz_status_name(status)) };
        assert_eq!(name.to_str().unwrap(), code.as_str());
    }
    for code in 0..=9 {
        let status = BinauthzStatus::from_code(code).unwrap();
        assert_eq!(status as c_int, code);
    }
    assert_eq!(BinauthzStatus::from_code(10), None);
    let name = unsafe { CStr::from_ptr(binauthz_status_name(-1)) };
    assert_eq!(name.to_str().unwrap(), "unknown");
}

#[test]
fn extracts_images_through_the_api() {
    let pod = r#"{"kind": "Pod", "metadata": {"namespace": "ns"},
        "spec": {"containers": [{"name": "a", "image": "gcr.io/p/a:1"}]}}"#;
    let mut out = null_mut();
    let status = unsafe { binauthz_extract_images(pod.as_ptr(), pod.len(), &mut out, null_mut()) };
    assert_eq!(status, 0);
    assert_eq!(take(out).unwrap(), json::extract_images(pod).unwrap());
    let mut error = null_mut();
    let bad = "{\"kind\": \"Service\"}";
    let status = unsafe { binauthz_extract_images(bad.as_ptr(), bad.len(), &mut out, &mut error) };
    assert_eq!(status, BinauthzStatus::Invalid as c_int);
    let core = json::extract_images(bad).unwrap_err();
    let (message, report) = take_error(error).unwrap();
    assert_eq!(message, core.message);
    assert_eq!(
        report,
        serde_json::from_str::<Value>(&core.to_json()).unwrap()
    );
    assert!(out.is_null());
    let status = unsafe { binauthz_extract_images(b"\xff".as_ptr(), 1, &mut out, &mut error) };
    assert_eq!(status, BinauthzStatus::Syntax as c_int);
    let (message, report) = take_error(error).unwrap();
    assert!(message.contains("not UTF-8"), "{message}");
    assert_eq!(report["stage"], "request");
}

#[test]
fn signature_payload() {
    let url =
        c"gcr.io/p/app@sha256:0000000000000000000000000000000000000000000000000000000000000000";
    let mut out = null_mut();
    let status = unsafe { binauthz_create_signature_payload(url.as_ptr(), &mut out, null_mut()) };
    assert_eq!(status, 0);
    let want = binauthz_core::create_signature_payload(url.to_str().unwrap()).unwrap();
    assert_eq!(take(out).unwrap(), want);
    let mut error = null_mut();
    let status = unsafe {
        binauthz_create_signature_payload(c"gcr.io/p/app:1".as_ptr(), &mut out, &mut error)
    };
    assert_eq!(status, BinauthzStatus::Invalid as c_int);
    assert!(out.is_null());
    let (message, report) = take_error(error).unwrap();
    assert!(message.contains("has no digest"));
    assert_eq!(report["stage"], "request");
    let status =
        unsafe { binauthz_create_signature_payload(c"gcr.io/\xff".as_ptr(), &mut out, &mut error) };
    assert_eq!(status, BinauthzStatus::InvalidUtf8 as c_int);
    let (message, report) = take_error(error).unwrap();
    assert!(message.starts_with("argument `artifact_url` is not UTF-8"));
    assert_eq!(report["code"], "syntax");
}

#[test]
fn documents_checked_linted_and_compiled() {
    // Two policy errors and an attestor error: every one in the report.
    let policy = r#"{"defaultAdmissionRule": {"evaluationMode": "SOMETIMES"}, "bogus": 1}"#;
    let attestors = r#"[{"name": "nope"}]"#;
    let mut out = null_mut();
    let mut error = null_mut();
    let status = unsafe {
        binauthz_check_policy(
            policy.as_ptr(),
            policy.len(),
            attestors.as_ptr(),
            attestors.len(),
            &mut out,
            &mut error,
        )
    };
    assert_ne!(status, 0);
    assert!(out.is_null());
    let (_, report) = take_error(error).unwrap();
    let core = json::check_policy(policy, Some(attestors)).unwrap_err();
    assert_eq!(
        report,
        serde_json::from_str::<Value>(&core.to_json()).unwrap()
    );
    assert!(report["errors"].as_array().unwrap().len() >= 2, "{report}");

    // A good policy: its summary, its findings, an engine (the attestor is missing: an error).
    let status = unsafe {
        binauthz_check_policy(
            POLICY.as_ptr(),
            POLICY.len(),
            null(),
            0,
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, 0);
    assert_eq!(
        take(out).unwrap(),
        json::check_policy(POLICY, None).unwrap()
    );
    let status = unsafe {
        binauthz_lint_policy(
            POLICY.as_ptr(),
            POLICY.len(),
            null(),
            0,
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, 0);
    assert_eq!(take(out).unwrap(), json::lint_policy(POLICY, None).unwrap());
    let mut engine = null_mut();
    let status = unsafe {
        binauthz_engine_new_from_documents(
            POLICY.as_ptr(),
            POLICY.len(),
            null(),
            0,
            &mut engine,
            &mut error,
        )
    };
    assert_eq!(status, BinauthzStatus::Reference as c_int);
    assert!(engine.is_null());
    let (_, report) = take_error(error).unwrap();
    assert_eq!(report["stage"], "config");
    assert_eq!(report["errors"][0]["document"], "policy");

    let deny = r#"{"defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY",
        "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}"#;
    let status = unsafe {
        binauthz_engine_new_from_documents(
            deny.as_ptr(),
            deny.len(),
            null(),
            0,
            &mut engine,
            &mut error,
        )
    };
    assert_eq!(status, 0);
    assert!(error.is_null());
    unsafe { binauthz_engine_free(engine) };
}

#[test]
fn answers_reviews_through_the_api() {
    let (_, e, _) = engine(DENY);
    let review = r#"{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": "u1", "operation": "CREATE", "namespace": "ns", "object": {
        "kind": "Pod", "metadata": {"name": "p"},
        "spec": {"containers": [{"name": "a", "image": "gcr.io/p/a:1"}]}}}}"#;
    let context = r#"{"cluster": "us-east1.prod"}"#;
    let time = "\"2025-01-01T00:00:00Z\"";
    let mut out = null_mut();
    let mut error = null_mut();
    let status = unsafe {
        binauthz_engine_answer_review(
            e,
            review.as_ptr(),
            review.len(),
            null(),
            0,
            context.as_ptr(),
            context.len(),
            time.as_ptr(),
            time.len(),
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, 0, "{:?}", take(error));
    let want = json::answer_review(
        unsafe { engine_ref(e) }.unwrap(),
        review,
        None,
        Some(context),
        Some(time),
    )
    .unwrap();
    let answer: Value = serde_json::from_str(&take(out).unwrap()).unwrap();
    let want: Value = serde_json::from_str(&want).unwrap();
    // No signatures here, so even the cache diagnostics are the same.
    assert_eq!(answer, want);
    assert_eq!(answer["response"]["response"]["uid"], "u1");
    assert_eq!(answer["response"]["response"]["status"]["code"], 403);
    assert_eq!(
        answer["decision"]["audit"]["context"]["cluster"],
        "us-east1.prod"
    );

    // The host's context cannot be read: answered, with a 500 refusal and the error.
    let status = unsafe {
        binauthz_engine_answer_review(
            e,
            review.as_ptr(),
            review.len(),
            null(),
            0,
            b"[".as_ptr(),
            1,
            null(),
            0,
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, 0);
    let answer: Value = serde_json::from_str(&take(out).unwrap()).unwrap();
    assert_eq!(answer["response"]["response"]["status"]["code"], 500);
    assert_eq!(answer["error"]["stage"], "request");

    // A review that is not UTF-8 cannot be answered: an error.
    let status = unsafe {
        binauthz_engine_answer_review(
            e,
            b"\xff".as_ptr(),
            1,
            null(),
            0,
            null(),
            0,
            null(),
            0,
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, BinauthzStatus::Syntax as c_int);
    assert!(out.is_null());
    take_error(error).unwrap();

    // The host's own refusal, escaped.
    let status = unsafe {
        binauthz_refuse_review(
            review.as_ptr(),
            review.len(),
            c"source down: \x1b[31m".as_ptr(),
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, 0);
    let response: Value = serde_json::from_str(&take(out).unwrap()).unwrap();
    assert_eq!(response["response"]["uid"], "u1");
    assert_eq!(response["response"]["allowed"], false);
    assert_eq!(response["response"]["status"]["code"], 500);
    let message = response["response"]["status"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("source down: ") && !message.contains('\x1b'),
        "{message}"
    );
    unsafe { binauthz_engine_free(e) };
}

/// A platform-policy call as C makes it: the status, the JSON out, and the error's report.
fn platform_call(
    call: unsafe extern "C" fn(
        *const u8,
        usize,
        *const u8,
        usize,
        *mut *mut c_char,
        *mut *mut c_char,
    ) -> c_int,
    policy: &[u8],
    request: &[u8],
) -> (c_int, Option<String>, Option<Value>) {
    let (mut out, mut error) = (null_mut(), null_mut());
    let status = unsafe {
        call(
            policy.as_ptr(),
            policy.len(),
            request.as_ptr(),
            request.len(),
            &mut out,
            &mut error,
        )
    };
    (status, take(out), take_error(error).map(|(_, r)| r))
}

const PLATFORM_POLICY: &str = r#"{"gkePolicy": {"checkSets": []}}"#;
const PLATFORM_REQUEST: &str = r#"{"object": {"apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "web", "namespace": "prod"},
    "spec": {"containers": [{"name": "c", "image": "gcr.io/acme/app:1"}]}}}"#;

#[test]
fn platform_policies_are_the_cores() {
    let (mut out, mut error) = (null_mut(), null_mut());
    let status = unsafe {
        binauthz_platform_validate(
            PLATFORM_POLICY.as_ptr(),
            PLATFORM_POLICY.len(),
            &mut out,
            &mut error,
        )
    };
    assert_eq!(status, 0);
    assert_eq!(
        take(out).unwrap(),
        json::validate_platform_policy(PLATFORM_POLICY).unwrap()
    );
    assert!(error.is_null());

    // Lint: the core's findings, and an invalid policy is validate's report.
    for policy in [PLATFORM_POLICY, r#"{"gkePolicy": {"checkSets": "no"}}"#] {
        let (mut out, mut error) = (null_mut(), null_mut());
        let status =
            unsafe { binauthz_platform_lint(policy.as_ptr(), policy.len(), &mut out, &mut error) };
        match json::lint_platform_policy(policy) {
            Ok(findings) => assert_eq!((status, take(out)), (0, Some(findings))),
            Err(want) => {
                assert_eq!(
                    (status, take(out)),
                    (BinauthzStatus::from(want.code) as c_int, None)
                );
                assert_eq!(
                    take_error(error).unwrap().1,
                    serde_json::to_value(&want).unwrap()
                );
            }
        }
    }

    let (p, r) = (PLATFORM_POLICY.as_bytes(), PLATFORM_REQUEST.as_bytes());
    let (status, response, _) = platform_call(binauthz_platform_evaluate, p, r);
    assert_eq!(status, 0);
    assert_eq!(
        response.unwrap(),
        json::evaluate_platform_policy(PLATFORM_POLICY, PLATFORM_REQUEST).unwrap()
    );
    let (status, events, _) = platform_call(binauthz_platform_cv_events, p, r);
    assert_eq!((status, events.as_deref()), (0, Some("[]")));

    // An invalid policy: the core's report for evaluate, one configErrorEvent for CV.
    let bad = br#"{"gkePolicy": {"checkSets": "no"}}"#;
    let (status, response, report) = platform_call(binauthz_platform_evaluate, bad, r);
    let want = json::evaluate_platform_policy(std::str::from_utf8(bad).unwrap(), PLATFORM_REQUEST)
        .unwrap_err();
    assert_eq!(
        (status, response),
        (BinauthzStatus::from(want.code) as c_int, None)
    );
    assert_eq!(report.unwrap(), serde_json::to_value(&want).unwrap());
    let (status, events, _) = platform_call(binauthz_platform_cv_events, bad, r);
    let events: Value = serde_json::from_str(&events.unwrap()).unwrap();
    assert_eq!(status, 0);
    assert_eq!(events.as_array().unwrap().len(), 1);
    assert!(events[0].get("configErrorEvent").is_some(), "{events}");

    // A policy that is not UTF-8: a config syntax error, and a configErrorEvent for CV.
    let (status, _, report) = platform_call(binauthz_platform_evaluate, b"\xff", r);
    let report = report.unwrap();
    assert_eq!(status, BinauthzStatus::Syntax as c_int);
    assert_eq!(
        (report["stage"].as_str(), report["code"].as_str()),
        (Some("config"), Some("syntax"))
    );
    assert_eq!(report["errors"][0]["document"], "platform policy");
    let (status, events, _) = platform_call(binauthz_platform_cv_events, b"\xff", r);
    assert_eq!(status, 0);
    assert!(events.unwrap().contains("configErrorEvent"));

    // A request that is not UTF-8, and NULL documents.
    let (status, _, report) = platform_call(binauthz_platform_cv_events, p, b"\xff");
    assert_eq!(status, BinauthzStatus::Syntax as c_int);
    assert_eq!(report.unwrap()["stage"], "request");
    let (mut out, mut error) = (null_mut(), null_mut());
    let status =
        unsafe { binauthz_platform_evaluate(null(), 3, r.as_ptr(), r.len(), &mut out, &mut error) };
    assert_eq!(status, BinauthzStatus::NullArgument as c_int);
    assert!(out.is_null());
    assert_eq!(
        take_error(error).unwrap().1["errors"][0]["document"],
        "policy"
    );
}
