use std::collections::BTreeMap;

use super::*;
use crate::api::{GivenFiles, run_tests};

fn examples() -> GivenFiles {
    let mut files = BTreeMap::new();
    for (name, text) in [
        (
            "policy.yaml",
            include_str!("../../../spec/examples/policy.yaml"),
        ),
        (
            "attestors.yaml",
            include_str!("../../../spec/examples/attestors.yaml"),
        ),
        (
            "attestations.json",
            include_str!("../../../spec/examples/attestations.json"),
        ),
        (
            "deployment.yaml",
            include_str!("../../../spec/examples/deployment.yaml"),
        ),
        (
            "cloud-run-service.yaml",
            include_str!("../../../spec/examples/cloud-run-service.yaml"),
        ),
    ] {
        files.insert(name.to_owned(), text.to_owned());
    }
    GivenFiles::new(files)
}

const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";

fn suite(cases: &str) -> String {
    format!(
        "policy: policy.yaml\nattestors: [attestors.yaml]\nattestations: [attestations.json]\ncases:\n{cases}"
    )
}

fn run(text: &str) -> SuiteResult {
    let suite = Suite::parse(text).unwrap();
    run_tests("t_test.yaml", &suite, &examples())
}

#[test]
fn the_shipped_example_suite_passes() {
    let result = run(include_str!("../../../spec/examples/policy_test.yaml"));
    assert_eq!(result.failed + result.errors, 0, "{result:#?}");
    assert_eq!(result.passed, result.cases.len());
    assert!(result.passed >= 8);
}

#[test]
fn a_wrong_expectation_fails_with_expected_and_actual() {
    let result = run(&suite(&format!(
        "- name: api\n  images: [{API}]\n  expect:\n    allowed: false\n    images:\n      \"0\": {{verdict: DENIED, rule: namespace, reasonKinds: [tagReference]}}\n"
    )));
    assert_eq!((result.passed, result.failed, result.errors), (0, 1, 0));
    let case = &result.cases[0];
    assert_eq!(case.status, CaseStatus::Failed);
    let fields: Vec<&str> = case.mismatches.iter().map(|m| m.field.as_str()).collect();
    assert_eq!(
        fields,
        [
            "allowed",
            "images[\"0\"].verdict",
            "images[\"0\"].rule",
            "images[\"0\"].reasonKinds"
        ]
    );
    assert_eq!(case.mismatches[1].expected, "DENIED");
    assert_eq!(case.mismatches[1].actual, "ALLOWED");
    assert_eq!(case.mismatches[2].actual, "default");
    assert!(case.outcome.as_ref().unwrap().allowed);
}

#[test]
fn an_image_the_request_does_not_have_is_a_failure() {
    let result = run(&suite(&format!(
        "- name: api\n  images: [{API}]\n  expect:\n    images:\n      \"3\": {{verdict: ALLOWED}}\n      nginx: {{verdict: ALLOWED}}\n"
    )));
    assert_eq!(result.failed, 1);
    assert_eq!(result.cases[0].mismatches.len(), 2);
}

#[test]
fn a_missing_file_is_an_error_of_the_case_not_a_pass() {
    let result = run(&suite(&format!(
        "- name: api\n  images: [{API}]\n  attestations: [gone.json]\n  expect: {{allowed: true}}\n"
    )));
    assert_eq!((result.passed, result.failed, result.errors), (0, 0, 1));
    let error = result.cases[0].error.as_deref().unwrap();
    assert!(error.starts_with("cases[0].attestations[0]"), "{error}");
    assert!(error.contains("gone.json"), "{error}");
}

#[test]
fn a_policy_that_does_not_compile_makes_every_case_an_error() {
    let text =
        "policy: nowhere.yaml\ncases:\n- name: a\n  images: [x]\n  expect: {allowed: true}\n";
    let result = run(text);
    assert_eq!(result.errors, 1);
    assert!(
        result.cases[0]
            .error
            .as_deref()
            .unwrap()
            .contains("nowhere.yaml")
    );
}

#[test]
fn signing_without_the_cli_is_a_clear_error() {
    let result = run(&suite(&format!(
        "- name: api\n  images: [{API}]\n  attestations:\n  - sign: {{key: k.pem, attestor: projects/acme/attestors/built-by-ci, images: [{API}]}}\n  expect: {{allowed: true}}\n"
    )));
    assert_eq!(result.errors, 1);
    assert!(
        result.cases[0]
            .error
            .as_deref()
            .unwrap()
            .contains("signing with a test key needs the binauthz CLI")
    );
}

fn malformed(text: &str) -> crate::error::InputError {
    Suite::parse(text).unwrap_err()
}

#[test]
fn an_unknown_field_is_an_error_with_its_path() {
    let e = malformed(&suite(
        "- name: a\n  images: [x]\n  expect: {allowed: true, verdicts: {}}\n",
    ));
    assert_eq!(e.path(), "cases[0].expect.verdicts", "{e}");
    assert!(e.message().contains("verdicts"), "{e}");
    let e = malformed("policy: p\nnotes: x\ncases: []\n");
    assert!(e.message().contains("notes"), "{e}");
}

#[test]
fn a_case_without_an_expectation_is_an_error() {
    let e = malformed(&suite("- name: a\n  images: [x]\n"));
    assert_eq!(e.path(), "cases[0].expect");
    let e = malformed(&suite("- name: a\n  images: [x]\n  expect: {}\n"));
    assert_eq!(e.path(), "cases[0].expect");
    let e = malformed(&suite(
        "- name: a\n  images: [x]\n  expect: {images: {\"0\": {}}}\n",
    ));
    assert_eq!(e.path(), "cases[0].expect.images.0");
}

#[test]
fn an_empty_suite_is_an_error() {
    let e = malformed("policy: p\ncases: []\n");
    assert_eq!(e.path(), "cases");
    let e = malformed("policy: p\n");
    assert!(e.message().contains("cases"), "{e}");
}

#[test]
fn a_bad_verdict_name_is_an_error() {
    let e = malformed(&suite(
        "- name: a\n  images: [x]\n  expect: {images: {\"0\": {verdict: PERMITTED}}}\n",
    ));
    assert_eq!(e.path(), "cases[0].expect.images.0.verdict", "{e}");
    assert!(e.message().contains("PERMITTED"), "{e}");
}

#[test]
fn cases_need_unique_names_and_one_request() {
    let e = malformed(&suite(
        "- name: a\n  images: [x]\n  expect: {allowed: true}\n- name: a\n  images: [x]\n  expect: {allowed: true}\n",
    ));
    assert_eq!(e.path(), "cases[1].name");
    let e = malformed(&suite("- name: a\n  expect: {allowed: true}\n"));
    assert_eq!(e.path(), "cases[0].images");
    let e = malformed(&suite(
        "- name: a\n  images: [x]\n  expect: {allowed: true, decision: allowed}\n",
    ));
    assert_eq!(e.path(), "cases[0].expect.decision");
}

#[test]
fn updated_expectations_pass_against_the_same_policy() {
    let text = suite(&format!(
        "- name: api\n  images: [{API}, gke.gcr.io/kube-proxy:v1]\n  expect: {{allowed: false}}\n"
    ));
    let parsed = Suite::parse(&text).unwrap();
    let first = run_tests("t", &parsed, &examples());
    assert_eq!(first.failed, 1);
    let updated = with_actual(&parsed, &first);
    let value = serde_json::to_value(&updated).unwrap();
    let reread = Suite::parse(&yaml(&value)).unwrap();
    assert_eq!(reread, updated);
    let second = run_tests("t", &reread, &examples());
    assert_eq!(second.passed, 1, "{second:#?}");
    let images = &reread.cases[0].expect.as_ref().unwrap().images;
    assert_eq!(
        images["gke.gcr.io/kube-proxy:v1"].stage.as_deref(),
        Some("systemImage")
    );
}

fn report() -> TestReport {
    let text = suite(&format!(
        "- name: passes\n  images: [{API}]\n  expect: {{allowed: true}}\n- name: \"fails <&> \\\"quoted\\\" \\u0007\"\n  images: [{API}]\n  expect: {{allowed: false}}\n- name: errs\n  object: gone.yaml\n  expect: {{allowed: true}}\n"
    ));
    TestReport {
        suites: vec![run(&text)],
    }
}

#[test]
fn junit_escapes_names_and_counts_cases() {
    let xml = junit(&report());
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
    assert!(
        xml.contains("tests=\"3\" failures=\"1\" errors=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("name=\"fails &lt;&amp;&gt; &quot;quoted&quot; \u{FFFD}\""),
        "{xml}"
    );
    assert!(xml.contains("<failure message=\"1 expectation(s) not met: allowed\""));
    assert!(
        xml.contains("allowed: expected false, actual true</failure>"),
        "{xml}"
    );
    assert!(xml.contains("<error message=\"cases[2].object"), "{xml}");
    assert!(!xml.contains('\u{7}'));
}

#[test]
fn tap_has_a_plan_and_a_diagnostic_per_failure() {
    let tap = tap(&report());
    let lines: Vec<&str> = tap.lines().collect();
    assert_eq!(lines[0], "TAP version 13");
    assert_eq!(lines[1], "1..3");
    assert!(lines[2].starts_with("ok 1 - t_test.yaml: passes"));
    assert!(tap.contains("not ok 2 - "));
    assert!(tap.contains("not ok 3 - t_test.yaml: errs"));
    assert!(
        tap.contains("    - field: \"allowed\"\n      expected: \"false\"\n      actual: \"true\"")
    );
    assert_eq!(tap.matches("  ---\n").count(), 2);
}

#[test]
fn the_summary_shows_each_failure_escaped() {
    let text = text(&report());
    assert!(text.contains("  PASS  passes\n"));
    assert!(
        text.contains("  FAIL  fails <&> \"quoted\" \\u{7}\n"),
        "{text}"
    );
    assert!(text.contains("- expected: false\n"));
    assert!(text.contains("+ actual:   true\n"));
    assert!(text.contains("1 passed, 1 failed, 1 errors (3 cases in 1 files)"));
}

#[test]
fn errors_name_the_suites_fields_and_the_cases_fields() {
    let text = format!(
        "policy: policy.yaml\nattestors: [attestors.yaml]\nattestations: [gone.json]\ncases:\n- name: a\n  images: [{API}]\n  expect: {{allowed: true}}\n"
    );
    let result = run(&text);
    assert!(
        result.cases[0]
            .error
            .as_deref()
            .unwrap()
            .starts_with("attestations[0]: ")
    );
    let result = run(&suite(
        "- name: a\n  images: [x]\n  evaluationTime: yesterday\n  expect: {allowed: true}\n",
    ));
    let error = result.cases[0].error.as_deref().unwrap();
    assert!(error.starts_with("cases[0].evaluationTime: "), "{error}");
}

mod bounded {
    use std::cell::RefCell;

    use super::*;
    use crate::ErrorCode;
    use crate::limits::{MAX_ATTESTORS, MAX_TEST_CASES};

    /// The example files, counting every read by path.
    struct Counting {
        files: GivenFiles,
        reads: RefCell<BTreeMap<String, usize>>,
    }

    impl Resolver for Counting {
        fn read(&self, path: &str) -> Result<String, String> {
            *self.reads.borrow_mut().entry(path.to_owned()).or_default() += 1;
            self.files.read(path)
        }

        fn sign(&self, spec: &SignSpec) -> Result<String, String> {
            self.files.sign(spec)
        }
    }

    fn cases(n: usize) -> String {
        (0..n)
            .map(|i| format!("- name: c{i}\n  images: [{API}]\n  expect: {{allowed: true}}\n"))
            .collect()
    }

    #[test]
    fn a_test_file_with_more_cases_than_the_limit_is_refused_before_any_runs() {
        let text = suite(&cases(MAX_TEST_CASES + 1));
        let e = Suite::parse(&text).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Limit);
        assert_eq!(e.path(), "cases");
        // Through the JSON layer (WebAssembly's runTests) too.
        let report = crate::api::json::run_tests("t_test.yaml", &text, "{}").unwrap_err();
        assert_eq!(report.code, ErrorCode::Limit);
        assert!(Suite::parse(&suite(&cases(MAX_TEST_CASES))).is_ok());
    }

    #[test]
    fn the_suite_s_attestations_are_read_once_however_many_cases() {
        let counting = Counting {
            files: examples(),
            reads: RefCell::new(BTreeMap::new()),
        };
        let suite = Suite::parse(&suite(&cases(50))).unwrap();
        let result = run_tests("t_test.yaml", &suite, &counting);
        assert_eq!(result.passed, 50, "{result:#?}");
        assert_eq!(counting.reads.borrow().get("attestations.json"), Some(&1));
    }

    /// The example files and `extra`, counting reads.
    fn counting(extra: &[(&str, String)]) -> Counting {
        let mut files = BTreeMap::new();
        for name in ["policy.yaml", "attestors.yaml", "attestations.json"] {
            files.insert(name.to_owned(), examples().read(name).unwrap());
        }
        for (name, text) in extra {
            files.insert((*name).to_owned(), text.clone());
        }
        Counting {
            files: GivenFiles::new(files),
            reads: RefCell::new(BTreeMap::new()),
        }
    }

    #[test]
    fn a_case_s_attestation_files_are_one_request_however_often_they_are_named() {
        // A 3 MiB file named 40 times: the third makes 9 MiB, an error of the case; the rest are
        // never read (before, each was read, parsed and kept).
        let big = format!(
            r#"[{{"name": "{}", "resourceUri": "https://{API}", "noteName": "projects/acme/notes/built-by-ci", "attestation": {{"serializedPayload": "e30=", "signatures": []}}}}]"#,
            "n".repeat(3 << 20)
        );
        let files = counting(&[("big.json", big)]);
        let names = vec!["big.json"; 40].join(", ");
        let text = format!(
            "policy: policy.yaml\nattestors: [attestors.yaml]\ncases:\n- name: a\n  images: [{API}]\n  attestations: [{names}]\n  expect: {{allowed: false}}\n"
        );
        let result = run_tests("t_test.yaml", &Suite::parse(&text).unwrap(), &files);
        let error = result.cases[0].error.as_deref().unwrap();
        assert!(error.starts_with("cases[0].attestations[2]: "), "{error}");
        assert!(
            error.contains("more than a request's limit of 8388608 bytes"),
            "{error}"
        );
        assert_eq!(files.reads.borrow().get("big.json"), Some(&3));
        // A small file named 5,000 times: stopped by the occurrences it adds (3 each).
        let files = counting(&[]);
        let names = vec!["attestations.json"; 5000].join(", ");
        let text = suite(&format!(
            "- name: a\n  images: [{API}]\n  attestations: [{names}]\n  expect: {{allowed: false}}\n"
        ));
        let result = run_tests("t_test.yaml", &Suite::parse(&text).unwrap(), &files);
        let error = result.cases[0].error.as_deref().unwrap();
        assert!(
            error.contains("more than 4096 attestation occurrences in one case"),
            "{error}"
        );
        assert!(files.reads.borrow()["attestations.json"] <= 4096 / 3 + 2);
    }

    #[test]
    fn the_attestor_files_are_one_config_however_often_they_are_named() {
        let many = vec!["attestors.yaml"; MAX_ATTESTORS + 1].join(", ");
        let text = format!(
            "policy: policy.yaml\nattestors: [{many}]\ncases:\n- name: a\n  images: [x]\n  expect: {{allowed: true}}\n"
        );
        let e = Suite::parse(&text).unwrap_err();
        assert_eq!((e.code(), e.path()), (ErrorCode::Limit, "attestors"));
        // 200 names of a 20 KiB file: over the 2 MiB of a config before the 103rd is read.
        let big = format!(
            "# {}\n{}",
            "x".repeat(20 * 1024),
            examples().read("attestors.yaml").unwrap()
        );
        let files = counting(&[("big.yaml", big)]);
        let many = vec!["big.yaml"; MAX_ATTESTORS].join(", ");
        let text = format!(
            "policy: policy.yaml\nattestors: [{many}]\ncases:\n- name: a\n  images: [x]\n  expect: {{allowed: true}}\n"
        );
        let result = run_tests("t_test.yaml", &Suite::parse(&text).unwrap(), &files);
        let error = result.cases[0].error.as_deref().unwrap();
        assert!(
            error.contains("more than a config's limit of 2097152 bytes"),
            "{error}"
        );
        assert!(files.reads.borrow()["big.yaml"] < 103);
    }

    #[test]
    fn a_missing_image_lists_a_few_of_the_request_s_images() {
        let long = format!("gcr.io/p/{}:1", "a".repeat(1500));
        let images = vec![long.as_str(); 1024].join(", ");
        let expected: String = (0..50)
            .map(|i| format!("      gone{i}: {{verdict: DENIED}}\n"))
            .collect();
        let result = run(&suite(&format!(
            "- name: a\n  images: [{images}]\n  expect:\n    images:\n{expected}"
        )));
        let mismatches = &result.cases[0].mismatches;
        assert_eq!(mismatches.len(), 50, "{result:#?}");
        for m in mismatches {
            assert!(m.actual.len() < 2000, "{}", m.actual.len());
            assert!(m.actual.ends_with(" and 1020 more"), "{}", m.actual);
        }
    }

    #[test]
    fn duplicate_case_names_are_found_in_a_full_file() {
        let mut text = suite(&cases(MAX_TEST_CASES - 1));
        text.push_str(&format!(
            "- name: c0\n  images: [{API}]\n  expect: {{allowed: true}}\n"
        ));
        let e = Suite::parse(&text).unwrap_err();
        assert_eq!(e.path(), format!("cases[{}].name", MAX_TEST_CASES - 1));
    }

    /// An attestations file of `signatures` forged P-256 signatures by built-by-ci's key over
    /// its genuine payload for API: each well formed, so each is verified (spec §7.2's
    /// 32 per attestor and digest), and distinct per `seed`, so no cache answers them.
    fn forged(seed: usize, signatures: usize) -> String {
        const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        let base64 = |bytes: &[u8]| -> String {
            let mut out = String::new();
            for chunk in bytes.chunks(3) {
                let n = chunk.iter().fold(0u32, |n, b| (n << 8) | u32::from(*b))
                    << (8 * (3 - chunk.len()));
                for i in 0..=chunk.len() {
                    out.push(char::from(B64[(n >> (18 - 6 * i)) as usize & 63]));
                }
                out.push_str(&"=".repeat(3 - chunk.len()));
            }
            out
        };
        let genuine: serde_json::Value =
            serde_json::from_str(&examples().read("attestations.json").unwrap()).unwrap();
        let occurrence = &genuine[0];
        let key_id = occurrence["attestation"]["signatures"][0]["publicKeyId"].clone();
        let sigs: Vec<serde_json::Value> = (0..signatures)
            .map(|j| {
                let mut der = vec![0x30, 0x44, 0x02, 0x20];
                der.extend((0..32u8).map(|k| {
                    if k == 0 {
                        0x11
                    } else {
                        (seed as u8) ^ (j as u8).wrapping_mul(31) ^ k
                    }
                }));
                der.extend([0x02, 0x20]);
                der.extend((0..32u8).map(|k| {
                    if k == 0 {
                        0x22
                    } else {
                        ((seed >> 8) as u8) ^ (j as u8) ^ k.wrapping_mul(7)
                    }
                }));
                serde_json::json!({"publicKeyId": key_id, "signature": base64(&der)})
            })
            .collect();
        let mut flood = occurrence.clone();
        flood["attestation"]["signatures"] = serde_json::Value::Array(sigs);
        flood.to_string()
    }

    #[test]
    fn a_test_file_s_cases_share_one_verification_budget() {
        use crate::limits::{
            MAX_DIAGNOSIS_COST, MAX_TEST_FILE_VERIFICATION_COST, MAX_VERIFICATION_COST,
        };
        let n = 120;
        let files: Vec<(String, String)> = (0..n)
            .map(|i| (format!("flood{i}.json"), forged(i, 40)))
            .collect();
        let extra: Vec<(&str, String)> = files
            .iter()
            .map(|(name, text)| (name.as_str(), text.clone()))
            .collect();
        let case = |i: usize, file: &str| {
            format!(
                "- name: c{i}\n  images: [{API}]\n  attestations: [{file}]\n  expect: {{allowed: false}}\n"
            )
        };
        let head = "policy: policy.yaml\nattestors: [attestors.yaml]\ncases:\n";

        // Every case forges signatures of its own: each costs 32 checks that run, and diagnoses.
        let text = format!(
            "{head}{}",
            (0..n)
                .map(|i| case(i, &format!("flood{i}.json")))
                .collect::<String>()
        );
        let result = run_tests(
            "t_test.yaml",
            &Suite::parse(&text).unwrap(),
            &counting(&extra),
        );
        let ran = result
            .cases
            .iter()
            .take_while(|c| c.status == CaseStatus::Passed)
            .count();
        assert!(ran > 0 && ran < n, "{ran} of {n} cases ran: {result:#?}");
        for c in &result.cases[ran..] {
            assert_eq!(c.status, CaseStatus::Error, "{c:#?}");
            let message = c.error.as_deref().unwrap_or_default();
            assert!(
                message.starts_with("not run: ") && message.contains("§14.1"),
                "{message}"
            );
            // What the file spent: its budget, overrun by at most one request's (checks and
            // diagnoses), never more.
            let spent: u64 = message
                .split_whitespace()
                .skip_while(|w| *w != "worth")
                .nth(1)
                .and_then(|w| w.parse().ok())
                .unwrap();
            assert!(spent >= MAX_TEST_FILE_VERIFICATION_COST, "{message}");
            assert!(
                spent
                    < MAX_TEST_FILE_VERIFICATION_COST + MAX_VERIFICATION_COST + MAX_DIAGNOSIS_COST,
                "{message}"
            );
        }

        // Checks the cache answers cost nothing: a full file of cases over the example
        // attestations (genuine signatures, so nothing to diagnose) runs whole.
        let text = suite(&cases(MAX_TEST_CASES));
        let result = run_tests("t_test.yaml", &Suite::parse(&text).unwrap(), &counting(&[]));
        assert_eq!(result.passed, MAX_TEST_CASES, "{result:#?}");
    }
}
