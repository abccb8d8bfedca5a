//! `binauthz test`: policy test files, their exit statuses, selection, `--update` and outputs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{binauthz, example, root, temp_dir};
use serde_json::Value;

/// A copy of spec/examples (with its keys) to change and run.
fn examples_copy(name: &str) -> PathBuf {
    let dir = temp_dir(name);
    let src = root().join("spec/examples");
    for entry in fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            fs::copy(&path, dir.join(path.file_name().unwrap())).unwrap();
        }
    }
    fs::create_dir_all(dir.join("keys")).unwrap();
    for entry in fs::read_dir(src.join("keys")).unwrap() {
        let path = entry.unwrap().path();
        fs::copy(&path, dir.join("keys").join(path.file_name().unwrap())).unwrap();
    }
    dir
}

fn s(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// Makes the staging case expect the wrong verdict.
fn break_staging(dir: &Path) {
    let file = dir.join("policy_test.yaml");
    let text = fs::read_to_string(&file).unwrap();
    assert!(text.contains("verdict: DRY_RUN_VIOLATION"));
    fs::write(
        &file,
        text.replace("verdict: DRY_RUN_VIOLATION", "verdict: DENIED"),
    )
    .unwrap();
}

#[test]
fn the_shipped_examples_pass_with_exit_status_0() {
    let run = binauthz(&["test", &example("")]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert!(run.stdout.contains("policy_test.yaml"));
    assert!(run.stdout.contains("signed_test.yaml"));
    assert!(run.stdout.contains(" 0 failed, 0 errors"), "{}", run.stdout);
    assert!(!run.stdout.contains("FAIL"));
}

#[test]
fn a_wrong_expectation_exits_1_with_expected_and_actual() {
    let dir = examples_copy("wrong");
    break_staging(&dir);
    let run = binauthz(&["test", &s(&dir)]);
    assert_eq!(run.status, 1, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("  FAIL  staging only logs a violation (dry run)")
    );
    assert!(run.stdout.contains("- expected: DENIED"), "{}", run.stdout);
    assert!(run.stdout.contains("+ actual:   DRY_RUN_VIOLATION"));
}

#[test]
fn run_selects_cases_by_substring() {
    let dir = examples_copy("select");
    break_staging(&dir);
    let run = binauthz(&["test", &s(&dir), "--run", "system image"]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("1 passed, 0 failed, 0 errors (1 cases in 1 files)")
    );
    let run = binauthz(&["test", &s(&dir), "--run", "staging only"]);
    assert_eq!(run.status, 1);
    let run = binauthz(&["test", &s(&dir), "--run", "no such case"]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr.contains("no case name contains"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_malformed_test_file_exits_2_with_its_field_path() {
    let dir = temp_dir("malformed");
    let file = dir.join("bad_test.yaml");
    fs::write(
        &file,
        "policy: p.yaml\ncases:\n- name: a\n  images: [x]\n  expect: {allowed: true, verdit: DENIED}\n",
    )
    .unwrap();
    let run = binauthz(&["test", &s(&dir)]);
    assert_eq!(run.status, 2);
    assert!(
        run.stderr
            .contains("bad_test.yaml: `cases[0].expect.verdit`"),
        "{}",
        run.stderr
    );
    fs::write(&file, "policy: p.yaml\ncases:\n- name: a\n  images: [x]\n").unwrap();
    let run = binauthz(&["test", &s(&file)]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("cases[0].expect"), "{}", run.stderr);
}

#[test]
fn a_missing_file_or_no_test_file_exits_2() {
    let dir = examples_copy("missing");
    fs::remove_file(dir.join("attestations.json")).unwrap();
    let run = binauthz(&["test", &s(&dir.join("policy_test.yaml"))]);
    assert_eq!(run.status, 2, "{}", run.stdout);
    assert!(run.stdout.contains("ERROR"), "{}", run.stdout);
    assert!(run.stdout.contains("attestations.json"), "{}", run.stdout);
    let empty = temp_dir("empty");
    let run = binauthz(&["test", &s(&empty)]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("no test files"), "{}", run.stderr);
}

#[test]
fn update_writes_a_new_file_that_passes_and_never_overwrites() {
    let dir = examples_copy("update");
    break_staging(&dir);
    let run = binauthz(&["test", &s(&dir.join("policy_test.yaml")), "--update"]);
    assert_eq!(run.status, 1, "{}", run.stderr);
    let actual = dir.join("policy_test.actual.yaml");
    let written = fs::read_to_string(&actual).unwrap();
    assert!(written.contains("DRY_RUN_VIOLATION"));
    // The original is untouched, and the new file, run as a test file, passes.
    let original = fs::read_to_string(dir.join("policy_test.yaml")).unwrap();
    assert!(original.contains("verdict: DENIED"));
    let run = binauthz(&["test", &s(&actual)]);
    assert_eq!(run.status, 0, "{}{}", run.stdout, run.stderr);
    // A second --update refuses, and leaves the file as it was.
    fs::write(&actual, "keep me").unwrap();
    let run = binauthz(&["test", &s(&dir.join("policy_test.yaml")), "--update"]);
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("never overwrites"), "{}", run.stderr);
    assert_eq!(fs::read_to_string(&actual).unwrap(), "keep me");
}

#[test]
fn json_output_counts_every_case() {
    let dir = examples_copy("json");
    break_staging(&dir);
    let run = binauthz(&["test", &s(&dir), "--output", "json"]);
    assert_eq!(run.status, 1);
    let report: Value = serde_json::from_str(&run.stdout).unwrap();
    let suites = report["suites"].as_array().unwrap();
    assert_eq!(suites.len(), 2);
    let policy = suites
        .iter()
        .find(|s| s["file"].as_str().unwrap().ends_with("policy_test.yaml"));
    let policy = policy.unwrap();
    assert_eq!(policy["failed"], 1);
    let failed: Vec<&Value> = policy["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0]["mismatches"][0]["expected"], "DENIED");
    assert_eq!(
        failed[0]["outcome"]["images"][0]["verdict"],
        "DRY_RUN_VIOLATION"
    );
}

#[test]
fn tap_output_has_a_plan_and_a_line_per_case() {
    let dir = examples_copy("tap");
    break_staging(&dir);
    let run = binauthz(&["test", &s(&dir.join("policy_test.yaml")), "--output", "tap"]);
    assert_eq!(run.status, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines[0], "TAP version 13");
    let plan: usize = lines[1].strip_prefix("1..").unwrap().parse().unwrap();
    let points: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("ok ") || l.starts_with("not ok "))
        .collect();
    assert_eq!(points.len(), plan);
    assert_eq!(
        points.iter().filter(|l| l.starts_with("not ok ")).count(),
        1
    );
}

/// An XML element as the checker reads it.
#[derive(Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

impl Element {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
}

/// A small XML reader for the shape JUnit reports have: a declaration, elements, attributes in
/// double quotes, text, the five predefined entities and numeric references. Anything else
/// (comments, CDATA, unbalanced or unescaped markup) fails the test.
fn parse_xml(text: &str) -> Element {
    let rest = text
        .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>")
        .expect("declaration");
    let (root, rest) = element(rest.trim_start());
    assert!(rest.trim().is_empty(), "content after the root: {rest:?}");
    root
}

fn unescape(text: &str) -> String {
    assert!(!text.contains('<'), "unescaped < in {text:?}");
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let end = rest[at..].find(';').expect("entity end") + at;
        let entity = &rest[at + 1..end];
        out.push(match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            n if n.starts_with('#') => char::from_u32(n[1..].parse().unwrap()).unwrap(),
            other => panic!("unknown entity &{other};"),
        });
        rest = &rest[end + 1..];
    }
    out.push_str(rest);
    out
}

fn element(text: &str) -> (Element, &str) {
    let text = text.strip_prefix('<').expect("an element");
    let name_end = text
        .find(|c: char| c.is_whitespace() || c == '>' || c == '/')
        .unwrap();
    let name = text[..name_end].to_owned();
    let mut rest = &text[name_end..];
    let mut attributes = Vec::new();
    loop {
        rest = rest.trim_start();
        if let Some(after) = rest.strip_prefix("/>") {
            let e = Element {
                name,
                attributes,
                children: Vec::new(),
                text: String::new(),
            };
            return (e, after);
        }
        if let Some(after) = rest.strip_prefix('>') {
            rest = after;
            break;
        }
        let eq = rest.find('=').unwrap();
        let key = rest[..eq].to_owned();
        assert!(
            key.chars().all(|c| c.is_ascii_alphanumeric()),
            "attribute name {key:?}"
        );
        let value = rest[eq + 1..].strip_prefix('"').expect("a quoted value");
        let close = value.find('"').unwrap();
        attributes.push((key, unescape(&value[..close])));
        rest = &value[close + 1..];
    }
    let mut children = Vec::new();
    let mut content = String::new();
    loop {
        let lt = rest.find('<').expect("a closing tag");
        content.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if let Some(after) = rest.strip_prefix("</") {
            let close = after.find('>').unwrap();
            assert_eq!(&after[..close], name, "mismatched closing tag");
            let e = Element {
                name,
                attributes,
                children,
                text: unescape(&content),
            };
            return (e, &after[close + 1..]);
        }
        let (child, after) = element(rest);
        children.push(child);
        rest = after;
    }
}

#[test]
fn junit_output_has_the_junit_schema_shape() {
    let dir = examples_copy("junit");
    break_staging(&dir);
    fs::write(
        dir.join("hostile_test.yaml"),
        "policy: policy.yaml\nattestors: [attestors.yaml]\ncases:\n- name: \"<script>&\\\"'\\u0001\"\n  images: [gke.gcr.io/kube-proxy:v1]\n  expect: {allowed: false}\n- name: missing object\n  object: gone.yaml\n  expect: {allowed: true}\n",
    )
    .unwrap();
    let run = binauthz(&["test", &s(&dir), "--output", "junit"]);
    assert_eq!(
        run.status, 2,
        "an error case makes the run exit 2: {}",
        run.stderr
    );
    let root = parse_xml(&run.stdout);
    assert_eq!(root.name, "testsuites");
    let suites: Vec<&Element> = root.named("testsuite").collect();
    assert_eq!(suites.len(), root.children.len(), "only testsuite elements");
    assert_eq!(suites.len(), 3);
    let (mut tests, mut failures, mut errors) = (0, 0, 0);
    for suite in &suites {
        let count = |a: &str| suite.attribute(a).unwrap().parse::<usize>().unwrap();
        assert!(!suite.attribute("name").unwrap().is_empty());
        let cases: Vec<&Element> = suite.named("testcase").collect();
        assert_eq!(cases.len(), suite.children.len(), "only testcase elements");
        assert_eq!(count("tests"), cases.len());
        let failed = cases
            .iter()
            .filter(|c| c.named("failure").count() == 1)
            .count();
        let errored = cases
            .iter()
            .filter(|c| c.named("error").count() == 1)
            .count();
        assert_eq!(count("failures"), failed);
        assert_eq!(count("errors"), errored);
        for case in &cases {
            assert!(!case.attribute("name").unwrap().is_empty());
            assert_eq!(case.attribute("classname"), suite.attribute("name"));
            assert!(case.children.len() <= 1);
            for child in &case.children {
                assert!(child.name == "failure" || child.name == "error");
                assert!(!child.attribute("message").unwrap().is_empty());
                assert!(!child.text.is_empty());
            }
        }
        tests += count("tests");
        failures += count("failures");
        errors += count("errors");
    }
    let total = |a: &str| root.attribute(a).unwrap().parse::<usize>().unwrap();
    assert_eq!(
        (total("tests"), total("failures"), total("errors")),
        (tests, failures, errors)
    );
    assert_eq!((failures, errors), (2, 1));
    let hostile = suites
        .iter()
        .find(|s| s.attribute("name").unwrap().ends_with("hostile_test.yaml"))
        .unwrap();
    let names: Vec<&str> = hostile
        .named("testcase")
        .map(|c| c.attribute("name").unwrap())
        .collect();
    assert_eq!(names[0], "<script>&\"'\u{FFFD}");
    let staging = suites
        .iter()
        .flat_map(|s| s.named("testcase"))
        .find(|c| c.attribute("name") == Some("staging only logs a violation (dry run)"))
        .unwrap();
    let failure = staging.named("failure").next().unwrap();
    assert!(
        failure
            .text
            .contains("expected DENIED, actual DRY_RUN_VIOLATION"),
        "{}",
        failure.text
    );
}
