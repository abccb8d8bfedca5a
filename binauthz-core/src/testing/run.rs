//! Running a suite's cases against a compiled engine: each case's request built from its parts
//! (files through the host's [`Resolver`]), evaluated, and compared with its expectation.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::{ErrorCode, InputError};
use crate::evaluation::Engine;
use crate::limits::{MAX_OCCURRENCES, MAX_REQUEST_BYTES, MAX_TEST_FILE_VERIFICATION_COST};
use crate::model::occurrence::Occurrences;
use crate::request::Request;
use crate::text::document;

use super::format::{AttestationSource, Case, Expectation, ImageExpectation, ObjectSource, Suite};
use super::result::{CaseResult, CaseStatus, Mismatch, Outcome, SuiteResult};
use super::{Resolver, SignSpec};

/// Runs every case of a suite with an engine compiled from its policy and attestors, or reports
/// each case as an error with `engine`'s message when they did not compile.
pub fn run_cases(
    file: &str,
    suite: &Suite,
    engine: Result<&Engine, &str>,
    resolver: &dyn Resolver,
) -> SuiteResult {
    // The suite's own attestations are read (and signed) once, not once per case; each case
    // still reports their error where it did, after its own fields.
    let shared = engine.is_ok().then(|| suite_attestations(suite, resolver));
    // The file's verification budget (spec §14.1): each case is bounded by its own request's
    // budget, and the file by this, counted over the checks that actually ran.
    let mut spent = 0u64;
    let cases = suite
        .cases
        .iter()
        .enumerate()
        .map(|(i, case)| match (engine, &shared) {
            (Ok(_), Some(_)) if spent >= MAX_TEST_FILE_VERIFICATION_COST => {
                error(case, file_budget_spent(spent))
            }
            (Ok(engine), Some(shared)) => {
                let (result, cost) = run_case(suite, i, case, shared, engine, resolver);
                spent = spent.saturating_add(cost);
                result
            }
            (Err(message), _) => error(case, message.to_owned()),
            (Ok(_), None) => error(case, "the suite's attestations were not read".to_owned()),
        })
        .collect();
    SuiteResult::new(file, cases)
}

/// Why a case after the file's budget was not run.
fn file_budget_spent(spent: u64) -> String {
    format!(
        "not run: the cases before it verified signatures worth {spent} points, and a test file \
         may spend {MAX_TEST_FILE_VERIFICATION_COST} (spec §14.1); split the file, or let cases \
         share attestations so that the cache answers them"
    )
}

fn error(case: &Case, message: String) -> CaseResult {
    CaseResult {
        name: case.name.clone(),
        status: CaseStatus::Error,
        mismatches: Vec::new(),
        error: Some(message),
        outcome: None,
    }
}

/// One case's result, and the points of verification it spent.
fn run_case(
    suite: &Suite,
    index: usize,
    case: &Case,
    shared: &Result<Attestations, InputError>,
    engine: &Engine,
    resolver: &dyn Resolver,
) -> (CaseResult, u64) {
    let at = format!("cases[{index}]");
    let request = match request(suite, case, &at, shared, resolver) {
        Ok(request) => request,
        Err(e) => {
            return (error(case, format!("{}: {}", e.path(), e.message())), 0);
        }
    };
    let (decision, cost) = engine.evaluate_counting(&request);
    let outcome = Outcome::of(&decision);
    let mismatches = match &case.expect {
        Some(expect) => compare(expect, &outcome),
        None => vec![Mismatch {
            field: "expect".to_owned(),
            expected: "an expectation".to_owned(),
            actual: "none".to_owned(),
        }],
    };
    let result = CaseResult {
        name: case.name.clone(),
        status: if mismatches.is_empty() {
            CaseStatus::Passed
        } else {
            CaseStatus::Failed
        },
        mismatches,
        error: None,
        outcome: Some(outcome),
    };
    (result, cost)
}

/// The case's request; errors carry their full field paths (`at` is the case's).
fn request(
    suite: &Suite,
    case: &Case,
    at: &str,
    shared: &Result<Attestations, InputError>,
    resolver: &dyn Resolver,
) -> Result<Request, InputError> {
    let mut fields = Map::new();
    if let Some(images) = &case.images {
        fields.insert("images".to_owned(), images.clone().into());
    }
    match &case.object {
        Some(ObjectSource::File(path)) => {
            let text = resolver
                .read(path)
                .map_err(|m| InputError::invalid(format!("{at}.object"), m))?;
            let object = document::parse(&text, MAX_REQUEST_BYTES)
                .map_err(|e| e.within(&format!("{at}.object ({path})")))?;
            fields.insert("object".to_owned(), object);
        }
        Some(ObjectSource::Inline(object)) => {
            fields.insert("object".to_owned(), Value::Object(object.clone()));
        }
        None => {}
    }
    if let Some(context) = &case.context {
        let value = serde_json::to_value(context)
            .map_err(|e| InputError::invalid(format!("{at}.context"), e.to_string()))?;
        fields.insert("context".to_owned(), value);
    }
    if let Some(time) = &case.evaluation_time {
        fields.insert("evaluationTime".to_owned(), time.clone().into());
    }
    let read = Request::from_value(Value::Object(fields)).map_err(|e| e.within(at))?;
    let mut occurrences = shared.clone()?;
    for (i, source) in case.attestations.iter().enumerate() {
        let field = format!("{at}.attestations[{i}]");
        occurrences.read(source, &field, &suite.attestors, resolver)?;
    }
    Ok(Request::new(
        read.images().to_vec(),
        occurrences.occurrences,
        read.context().clone(),
    )
    .map_err(|e| e.within(at))?
    .with_evaluation_time(read.evaluation_time()))
}

/// The suite's own attestations: the file's field `attestations`, for every case.
fn suite_attestations(suite: &Suite, resolver: &dyn Resolver) -> Result<Attestations, InputError> {
    let mut attestations = Attestations::default();
    for (i, source) in suite.attestations.iter().enumerate() {
        let field = format!("attestations[{i}]");
        attestations.read(source, &field, &suite.attestors, resolver)?;
    }
    Ok(attestations)
}

/// The attestations of one case (the suite's, then its own), with the text they were read from.
/// They are one request's (spec §14.1): at most [`MAX_REQUEST_BYTES`] of text and
/// [`MAX_OCCURRENCES`] occurrences together, counted as each file is read, so that a test file
/// naming one large file many times costs one request, not that many.
#[derive(Debug, Clone, Default)]
struct Attestations {
    occurrences: Occurrences,
    bytes: usize,
}

impl Attestations {
    /// Reads one attestation source, the field `at`; signing names the suite's attestor files.
    fn read(
        &mut self,
        source: &AttestationSource,
        at: &str,
        attestor_files: &[String],
        resolver: &dyn Resolver,
    ) -> Result<(), InputError> {
        match source {
            AttestationSource::File(path) => {
                let text = resolver
                    .read(path)
                    .map_err(|m| InputError::invalid(at, m))?;
                self.count(&text, at)?;
                let read =
                    Occurrences::parse(&text).map_err(|e| e.within(&format!("{at} ({path})")))?;
                self.add(read, at)?;
            }
            AttestationSource::Sign { sign } => {
                for image in &sign.images {
                    let spec = SignSpec {
                        key: sign.key.clone(),
                        attestor: sign.attestor.clone(),
                        image: image.clone(),
                        attestor_files: attestor_files.to_vec(),
                    };
                    let text = resolver
                        .sign(&spec)
                        .map_err(|m| InputError::invalid(format!("{at}.sign"), m))?;
                    self.count(&text, at)?;
                    let signed =
                        Occurrences::parse(&text).map_err(|e| e.within(&format!("{at}.sign")))?;
                    self.add(signed, at)?;
                }
            }
        }
        Ok(())
    }

    /// Counts `text` against the request's size limit.
    fn count(&mut self, text: &str, at: &str) -> Result<(), InputError> {
        self.bytes = self.bytes.saturating_add(text.len());
        if self.bytes > MAX_REQUEST_BYTES {
            return Err(InputError::new(
                ErrorCode::Limit,
                at,
                format!(
                    "the attestations of one case are {} bytes so far, more than a request's \
                     limit of {MAX_REQUEST_BYTES} bytes",
                    self.bytes
                ),
            ));
        }
        Ok(())
    }

    /// Adds occurrences, within the request's limit on their number.
    fn add(&mut self, read: Occurrences, at: &str) -> Result<(), InputError> {
        self.occurrences.extend(read);
        if self.occurrences.entries() > MAX_OCCURRENCES {
            return Err(InputError::new(
                ErrorCode::Limit,
                at,
                format!("more than {MAX_OCCURRENCES} attestation occurrences in one case"),
            ));
        }
        Ok(())
    }
}

/// A value's name as decisions write it (`DRY_RUN_VIOLATION`, `namespace`, ...).
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(Value::String(s)) => s,
        Ok(other) => other.to_string(),
        Err(e) => format!("<{e}>"),
    }
}

/// Images of the request named in the mismatch of an expected image it does not have.
const LISTED_IMAGES: usize = 4;

/// Every difference between an expectation and an outcome.
pub fn compare(expect: &Expectation, outcome: &Outcome) -> Vec<Mismatch> {
    let mut out = Vec::new();
    let word = |admitted: bool| if admitted { "allowed" } else { "blocked" };
    if let Some(allowed) = expect.allowed
        && allowed != outcome.allowed
    {
        out.push(mismatch("allowed", allowed, outcome.allowed));
    }
    if let Some(decision) = expect.decision
        && name(&decision) != word(outcome.allowed)
    {
        out.push(mismatch("decision", name(&decision), word(outcome.allowed)));
    }
    for (key, image) in &expect.images {
        let field = format!("images[{}]", serde_json::Value::from(key.as_str()));
        let found = match key.parse::<usize>() {
            Ok(i) if !outcome.images.iter().any(|o| o.image == *key) => outcome.images.get(i),
            _ => outcome.images.iter().find(|o| o.image == *key),
        };
        let Some(actual) = found else {
            // A few of the images, each cut: a test file may expect many images the request
            // does not have, and listing all 1,024 in each mismatch would cost their product.
            let listed: Vec<_> = outcome
                .images
                .iter()
                .take(LISTED_IMAGES)
                .map(|o| crate::untrusted::cut(&o.image))
                .collect();
            let more = outcome.images.len().saturating_sub(LISTED_IMAGES);
            out.push(mismatch(
                &field,
                "an image of the request (its reference or index)",
                format!(
                    "the request's images are {}{}",
                    listed.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
            ));
            continue;
        };
        compare_image(&field, image, actual, &mut out);
    }
    out
}

fn compare_image(
    field: &str,
    expect: &ImageExpectation,
    actual: &super::result::ImageOutcome,
    out: &mut Vec<Mismatch>,
) {
    if let Some(verdict) = expect.verdict
        && name(&verdict) != name(&actual.verdict)
    {
        out.push(mismatch(
            &format!("{field}.verdict"),
            name(&verdict),
            name(&actual.verdict),
        ));
    }
    if let Some(rule) = expect.rule {
        let applied = actual.rule.map_or_else(|| "none".to_owned(), |r| name(&r));
        if name(&rule) != applied {
            out.push(mismatch(&format!("{field}.rule"), name(&rule), applied));
        }
    }
    if let Some(stage) = &expect.stage
        && *stage != name(&actual.stage)
    {
        out.push(mismatch(
            &format!("{field}.stage"),
            stage,
            name(&actual.stage),
        ));
    }
    let kinds: Vec<String> = actual.reason_kinds.iter().map(name).collect();
    let missing: Vec<&String> = expect
        .reason_kinds
        .iter()
        .filter(|k| !kinds.contains(k))
        .collect();
    if !missing.is_empty() {
        out.push(mismatch(
            &format!("{field}.reasonKinds"),
            format!("to include {}", join(&missing)),
            if kinds.is_empty() {
                "no reasons".to_owned()
            } else {
                join(&kinds.iter().collect::<Vec<_>>())
            },
        ));
    }
}

fn join(items: &[&String]) -> String {
    items
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

fn mismatch(field: &str, expected: impl ToString, actual: impl ToString) -> Mismatch {
    Mismatch {
        field: field.to_owned(),
        expected: expected.to_string(),
        actual: actual.to_string(),
    }
}

/// The suite with each case's expectation replaced by what the policy decided (for `binauthz
/// test --update`); cases that could not run keep their expectation.
pub fn with_actual(suite: &Suite, result: &SuiteResult) -> Suite {
    let mut updated = suite.clone();
    for (case, ran) in updated.cases.iter_mut().zip(&result.cases) {
        let Some(outcome) = &ran.outcome else {
            continue;
        };
        let mut images = BTreeMap::new();
        for (i, image) in outcome.images.iter().enumerate() {
            let twice = outcome
                .images
                .iter()
                .filter(|o| o.image == image.image)
                .count()
                > 1;
            let key = if twice {
                i.to_string()
            } else {
                image.image.clone()
            };
            let expectation = ImageExpectation {
                verdict: serde_json::from_value(Value::String(name(&image.verdict))).ok(),
                rule: image
                    .rule
                    .and_then(|r| serde_json::from_value(Value::String(name(&r))).ok()),
                stage: image.rule.is_none().then(|| name(&image.stage)),
                reason_kinds: image.reason_kinds.iter().map(name).collect(),
            };
            images.insert(key, expectation);
        }
        case.expect = Some(Expectation {
            allowed: Some(outcome.allowed),
            decision: None,
            images,
        });
    }
    updated
}
