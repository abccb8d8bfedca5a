//! The ways a run's results are shown (spec/README.md §14.3): a readable summary, JUnit XML
//! (what GitLab, Jenkins and GitHub test reporters read), TAP 13, and YAML for `--update`. Pure
//! text, shared by the CLI and WebAssembly. Text from test files and decisions is untrusted: the
//! summary escapes it ([`crate::untrusted::escape`]), XML escapes it as XML, TAP on one line.

use std::fmt::Write as _;

use serde_json::Value;

use crate::untrusted::escape;

use super::result::{CaseResult, CaseStatus, SuiteResult, TestReport};

impl TestReport {
    /// Cases that passed, failed and could not run, over every suite.
    pub fn counts(&self) -> (usize, usize, usize) {
        self.suites.iter().fold((0, 0, 0), |(p, f, e), s| {
            (p + s.passed, f + s.failed, e + s.errors)
        })
    }
}

/// A readable summary: per case PASS, FAIL or ERROR, each failure's expected and actual values,
/// and the totals.
pub fn text(report: &TestReport) -> String {
    let mut out = String::new();
    for suite in &report.suites {
        let _ = writeln!(out, "{}", escape(&suite.file));
        for case in &suite.cases {
            let word = match case.status {
                CaseStatus::Passed => "PASS ",
                CaseStatus::Failed => "FAIL ",
                CaseStatus::Error => "ERROR",
            };
            let _ = writeln!(out, "  {word} {}", escape(&case.name));
            for m in &case.mismatches {
                let _ = writeln!(out, "        {}:", escape(&m.field));
                let _ = writeln!(out, "          - expected: {}", escape(&m.expected));
                let _ = writeln!(out, "          + actual:   {}", escape(&m.actual));
            }
            if let Some(error) = &case.error {
                let _ = writeln!(out, "        {}", escape(error));
            }
        }
    }
    let (passed, failed, errors) = report.counts();
    let _ = writeln!(
        out,
        "{} passed, {failed} failed, {errors} errors ({} cases in {} files)",
        passed,
        passed + failed + errors,
        report.suites.len()
    );
    out
}

/// Escapes text for XML attribute values and content; characters XML 1.0 cannot hold become
/// U+FFFD.
fn xml(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => {
                let _ = write!(out, "&#{};", u32::from(c));
            }
            c if u32::from(c) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The failure text of a case: one line per mismatch.
fn diff(case: &CaseResult) -> String {
    case.mismatches
        .iter()
        .map(|m| format!("{}: expected {}, actual {}", m.field, m.expected, m.actual))
        .collect::<Vec<_>>()
        .join("\n")
}

/// JUnit XML: `testsuites`, one `testsuite` per test file (named by the file), one `testcase`
/// per case (`classname` the file), a `failure` per failed case and an `error` per case that
/// could not run, each with a `message` and the expected and actual values as text.
pub fn junit(report: &TestReport) -> String {
    let (passed, failed, errors) = report.counts();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"binauthz test\" tests=\"{}\" failures=\"{failed}\" errors=\"{errors}\">",
        passed + failed + errors
    );
    for suite in &report.suites {
        junit_suite(suite, &mut out);
    }
    out.push_str("</testsuites>\n");
    out
}

fn junit_suite(suite: &SuiteResult, out: &mut String) {
    let file = xml(&suite.file);
    let _ = writeln!(
        out,
        "  <testsuite name=\"{file}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" skipped=\"0\">",
        suite.cases.len(),
        suite.failed,
        suite.errors
    );
    for case in &suite.cases {
        let name = xml(&case.name);
        match case.status {
            CaseStatus::Passed => {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{file}\"/>");
            }
            CaseStatus::Failed => {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{file}\">");
                let message = format!(
                    "{} expectation(s) not met: {}",
                    case.mismatches.len(),
                    case.mismatches
                        .iter()
                        .map(|m| m.field.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
                let _ = writeln!(
                    out,
                    "      <failure message=\"{}\" type=\"mismatch\">{}</failure>",
                    xml(&message),
                    xml(&diff(case))
                );
                out.push_str("    </testcase>\n");
            }
            CaseStatus::Error => {
                let _ = writeln!(out, "    <testcase name=\"{name}\" classname=\"{file}\">");
                let error = xml(case.error.as_deref().unwrap_or("the case could not run"));
                let _ = writeln!(
                    out,
                    "      <error message=\"{error}\" type=\"error\">{error}</error>"
                );
                out.push_str("    </testcase>\n");
            }
        }
    }
    out.push_str("  </testsuite>\n");
}

/// One line of TAP: no line breaks, no `#` that would start a directive.
fn tap_line(text: &str) -> String {
    escape(text).replace('#', "\\#")
}

/// TAP version 13: one test point per case (`file: case`), failures and errors with a YAML
/// diagnostic block.
pub fn tap(report: &TestReport) -> String {
    let cases: Vec<(&SuiteResult, &CaseResult)> = report
        .suites
        .iter()
        .flat_map(|s| s.cases.iter().map(move |c| (s, c)))
        .collect();
    let mut out = format!("TAP version 13\n1..{}\n", cases.len());
    for (n, (suite, case)) in cases.iter().enumerate() {
        let ok = if case.status == CaseStatus::Passed {
            "ok"
        } else {
            "not ok"
        };
        let _ = writeln!(
            out,
            "{ok} {} - {}: {}",
            n + 1,
            tap_line(&suite.file),
            tap_line(&case.name)
        );
        if case.status == CaseStatus::Passed {
            continue;
        }
        out.push_str("  ---\n");
        if let Some(error) = &case.error {
            let _ = writeln!(out, "  message: {}", quoted(error));
            out.push_str("  severity: error\n");
        } else {
            out.push_str("  message: \"expectations not met\"\n  severity: fail\n  mismatches:\n");
            for m in &case.mismatches {
                let _ = writeln!(out, "    - field: {}", quoted(&m.field));
                let _ = writeln!(out, "      expected: {}", quoted(&m.expected));
                let _ = writeln!(out, "      actual: {}", quoted(&m.actual));
            }
        }
        out.push_str("  ...\n");
    }
    out
}

/// A YAML double-quoted scalar (JSON's string syntax, which YAML reads the same).
fn quoted(text: &str) -> String {
    Value::from(text).to_string()
}

/// Keys in the order a test file writes them (spec §14.1); other keys follow, sorted.
const KEY_ORDER: &[&str] = &[
    "policy",
    "attestors",
    "attestations",
    "cases",
    "name",
    "allowed",
    "decision",
    "images",
    "object",
    "context",
    "evaluationTime",
    "expect",
    "verdict",
    "rule",
    "stage",
    "reasonKinds",
];

/// A mapping key: bare when it is a plain word, else double-quoted.
fn key(text: &str) -> String {
    let plain = text.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && text.chars().all(|c| c.is_ascii_alphanumeric());
    if plain
        && !matches!(
            text,
            "true" | "false" | "null" | "yes" | "no" | "on" | "off"
        )
    {
        text.to_owned()
    } else {
        quoted(text)
    }
}

/// A value as block YAML: mappings and lists indented, keys in a test file's order, strings
/// double-quoted.
pub fn yaml(value: &Value) -> String {
    let mut out = String::new();
    yaml_into(value, 0, &mut out);
    out
}

fn yaml_into(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            let rank = |k: &str| {
                KEY_ORDER
                    .iter()
                    .position(|o| *o == k)
                    .unwrap_or(KEY_ORDER.len())
            };
            entries.sort_by_key(|(k, _)| rank(k));
            for (name, v) in entries {
                let _ = write!(out, "{pad}{}:", key(name));
                yaml_child(v, indent, out);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            for v in items {
                let _ = write!(out, "{pad}-");
                match v {
                    Value::Object(map) if !map.is_empty() => {
                        // The first key on the dash's line, the rest under it.
                        let mut child = String::new();
                        yaml_into(v, indent + 2, &mut child);
                        let _ = write!(out, " {}", child.trim_start());
                    }
                    _ => yaml_child(v, indent, out),
                }
            }
        }
        scalar => {
            let _ = writeln!(out, "{pad}{}", scalar_text(scalar));
        }
    }
}

fn yaml_child(value: &Value, indent: usize, out: &mut String) {
    match value {
        Value::Object(m) if !m.is_empty() => {
            out.push('\n');
            yaml_into(value, indent + 2, out);
        }
        Value::Array(a) if !a.is_empty() => {
            out.push('\n');
            yaml_into(value, indent + 2, out);
        }
        scalar => {
            let _ = writeln!(out, " {}", scalar_text(scalar));
        }
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Object(_) => "{}".to_owned(),
        Value::Array(_) => "[]".to_owned(),
        other => other.to_string(),
    }
}
