//! Occurrences as people have them (spec/README.md §5): gcloud's YAML stream, the Container
//! Analysis list response, the protos' original field names, occurrences of other kinds, and
//! occurrences that cannot be read — each read as GCP reads it, and none able to admit an image
//! that was not attested.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use binauthz_core::Occurrences;
use binauthz_core::{
    Attestor, Context, Decision, Engine, ErrorCode, ImageRef, Occurrence, Policy, ReasonKind,
    Request, Verdict,
};
use serde_json::{Value, json};

const POLICY: &str = include_str!("../../spec/examples/policy.yaml");
const ATTESTORS: &str = include_str!("../../spec/examples/attestors.yaml");
const ATTESTATIONS: &str = include_str!("../../spec/examples/attestations.json");
const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const WORKER: &str = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff";
const BASE: &str = "us-docker.pkg.dev/acme/base-images/migrate:1.2";

/// The examples' engine: the default rule requires built-by-ci and security-scan; base-images/**
/// is allowlisted.
fn engine() -> Engine {
    Engine::new(
        Policy::parse(POLICY).unwrap(),
        Attestor::parse_many(ATTESTORS).unwrap(),
    )
    .unwrap()
}

/// The examples' three occurrences: built-by-ci and security-scan for the api image, built-by-ci
/// for the worker.
fn example_occurrences() -> Vec<Value> {
    serde_json::from_str(ATTESTATIONS).unwrap()
}

/// Evaluates in namespace `payments`, where the default rule applies.
fn decide(images: &[&str], occurrences: Occurrences) -> Decision {
    let images = images.iter().map(|i| ImageRef::parse(i).unwrap()).collect();
    let context = Context {
        namespace: Some("payments".to_owned()),
        ..Context::default()
    };
    engine().evaluate(&Request::new(images, occurrences, context).unwrap())
}

/// A request document with `attestations` as given, in namespace `payments`.
fn decide_request(images: &[&str], attestations: &[Value]) -> Decision {
    let request = json!({"images": images, "attestations": attestations,
                         "context": {"namespace": "payments"}});
    engine().evaluate_str(&request.to_string()).unwrap()
}

fn kinds(decision: &Decision, image: usize) -> Vec<ReasonKind> {
    decision.images[image]
        .reasons
        .iter()
        .map(|r| r.kind)
        .collect()
}

/// An occurrence as gcloud's default output prints it: block YAML, keys sorted, timestamps
/// quoted.
fn gcloud_yaml(occ: &Value) -> String {
    let att = &occ["attestation"];
    let mut text = format!(
        "attestation:\n  serializedPayload: {}\n  signatures:\n",
        att["serializedPayload"].as_str().unwrap()
    );
    for s in att["signatures"].as_array().unwrap() {
        text.push_str(&format!(
            "  - publicKeyId: {}\n    signature: {}\n",
            s["publicKeyId"].as_str().unwrap(),
            s["signature"].as_str().unwrap()
        ));
    }
    for key in [
        "createTime",
        "kind",
        "name",
        "noteName",
        "resourceUri",
        "updateTime",
    ] {
        let value = occ[key].as_str().unwrap();
        if key.ends_with("Time") {
            text.push_str(&format!("{key}: '{value}'\n"));
        } else {
            text.push_str(&format!("{key}: {value}\n"));
        }
    }
    text
}

/// The same document with every field under its original proto name (`noteName` →
/// `note_name`).
fn snake_case_fields(v: &Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, x)| {
                    let mut name = String::new();
                    for c in k.chars() {
                        if c.is_ascii_uppercase() {
                            name.push('_');
                            name.push(c.to_ascii_lowercase());
                        } else {
                            name.push(c);
                        }
                    }
                    (name, snake_case_fields(x))
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(snake_case_fields).collect()),
        other => other.clone(),
    }
}

// --- item 7: gcloud's YAML stream ---------------------------------------------------------------

#[test]
fn gcloud_yaml_output_is_one_document_per_occurrence_and_is_read_whole() {
    let stream: Vec<String> = example_occurrences().iter().map(gcloud_yaml).collect();
    let stream = stream.join("---\n");
    let read = Occurrences::parse(&stream).unwrap();
    assert_eq!(read.valid().len(), 3);
    assert!(read.is_complete());
    assert_eq!(Occurrence::parse_many(&stream).unwrap().len(), 3);
    let d = decide(&[API, WORKER], read);
    assert_eq!(d.images[0].verdict, Verdict::Allowed);
    assert_eq!(
        kinds(&d, 1),
        [ReasonKind::Attested, ReasonKind::NoAttestation]
    );
}

#[test]
fn an_empty_attestations_document_holds_no_occurrences() {
    // gcloud prints nothing for an empty list in YAML.
    for text in ["", "\n", "# no attestations yet\n", "---\n"] {
        let read = Occurrences::parse(text).unwrap();
        assert_eq!(read.entries(), 0, "{text:?}");
    }
    let d = decide(&[API], Occurrences::parse("").unwrap());
    assert_eq!(
        kinds(&d, 0),
        [ReasonKind::NoAttestation, ReasonKind::NoAttestation]
    );
}

#[test]
fn a_request_document_stays_one_document() {
    let one = format!("images: [{API}]\n");
    let e = engine()
        .evaluate_str(&format!("{one}---\n{one}"))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::Syntax, "{e}");
}

#[test]
fn a_document_that_is_not_occurrences_is_an_error_of_the_document() {
    let e = Occurrences::parse("just some text\n").unwrap_err();
    assert!(e.message().contains("found a string"), "{e}");
    let e = Occurrences::parse(&format!("- {}\n- 42\n", json!({}))).unwrap_err();
    assert_eq!(e.path(), "[1]", "{e}");
    let e = Occurrences::parse("---\n{}\n---\n[1]\n").unwrap_err();
    assert_eq!(e.path(), "document 2[0]", "{e}");
}

// --- item 8: the Container Analysis list response --------------------------------------------

#[test]
fn a_container_analysis_list_response_is_read_as_its_occurrences() {
    let occurrences = example_occurrences();
    let response = json!({"occurrences": occurrences, "nextPageToken": ""});
    let read = Occurrences::parse(&response.to_string()).unwrap();
    assert_eq!(read.valid().len(), 3);
    assert!(read.is_complete());
    let d = decide(&[API], read);
    assert!(d.allowed);
    assert!(d.notes.is_empty(), "{:?}", d.notes);
    // proto3 JSON leaves out empty fields: an empty list is `{}`.
    assert_eq!(Occurrences::parse("{}").unwrap().entries(), 0);
    let snake = json!({"occurrences": occurrences, "next_page_token": ""});
    assert_eq!(
        Occurrences::parse(&snake.to_string())
            .unwrap()
            .valid()
            .len(),
        3
    );
}

#[test]
fn a_list_response_with_more_pages_says_what_was_not_given() {
    let response = json!({"occurrences": [example_occurrences()[0]], "nextPageToken": "CiQ4",
                          "unreachable": ["projects/acme/locations/europe-west1"]});
    let d = decide(&[API], Occurrences::parse(&response.to_string()).unwrap());
    assert!(!d.allowed, "security-scan's occurrence was on another page");
    assert_eq!(d.notes.len(), 2, "{:?}", d.notes);
    assert!(d.notes[0].contains("nextPageToken"), "{:?}", d.notes);
    assert!(d.notes[1].contains("europe-west1"), "{:?}", d.notes);
}

#[test]
fn a_list_response_holds_only_its_own_fields() {
    let occ = &example_occurrences()[0];
    for (response, path) in [
        (json!({"occurrences": [occ], "name": "x"}), ""),
        (json!({"occurrences": occ}), "occurrences"),
        (
            json!({"occurrences": [], "nextPageToken": 3}),
            "nextPageToken",
        ),
        (
            json!({"nextPageToken": "a", "next_page_token": "b"}),
            "next_page_token",
        ),
    ] {
        let e = Occurrences::parse(&response.to_string()).unwrap_err();
        assert_eq!((e.code(), e.path()), (ErrorCode::Invalid, path), "{e}");
    }
}

// --- item 9: the protos' original field names ------------------------------------------------

#[test]
fn original_field_names_read_as_their_json_names() {
    for occ in example_occurrences() {
        let snake = snake_case_fields(&occ);
        assert!(snake.get("note_name").is_some() && snake.get("noteName").is_none());
        assert_eq!(
            Occurrence::from_value(snake).unwrap(),
            Occurrence::from_value(occ).unwrap()
        );
    }
    let snake: Vec<Value> = example_occurrences()
        .iter()
        .map(snake_case_fields)
        .collect();
    assert!(decide_request(&[API], &snake).allowed);
}

#[test]
fn a_v1beta1_body_as_kritis_posts_it_is_read() {
    let mut occ = example_occurrences()[0].clone();
    let uri = occ["resourceUri"].take();
    let kritis = json!({
        "resource": {"uri": uri},
        "note_name": occ["noteName"],
        "kind": "ATTESTATION",
        "attestation": {
            "serialized_payload": occ["attestation"]["serializedPayload"],
            "signatures": [{
                "public_key_id": occ["attestation"]["signatures"][0]["publicKeyId"],
                "signature": occ["attestation"]["signatures"][0]["signature"],
            }],
        },
    });
    let read = Occurrence::from_value(kritis).unwrap();
    assert_eq!(read.note().as_str(), "projects/acme/notes/built-by-ci");
    assert_eq!(read.signatures().len(), 1);
}

#[test]
fn a_field_under_both_names_is_a_duplicate() {
    let mut occ = example_occurrences()[0].clone();
    occ["note_name"] = occ["noteName"].clone();
    let e = Occurrence::from_value(occ.clone()).unwrap_err();
    assert_eq!(e.path(), "note_name");
    assert!(e.message().contains("give it once"), "{e}");
    // In a request, the occurrence is skipped (and the api image, which needed it, denied).
    let d = decide_request(&[API], &[occ, example_occurrences()[1].clone()]);
    assert!(kinds(&d, 0).contains(&ReasonKind::OccurrenceMalformed));
}

// --- item 10: occurrences of other kinds -------------------------------------------------------

#[test]
fn occurrences_of_other_kinds_are_ignored_with_one_note() {
    let mut list = example_occurrences();
    for i in 0..50 {
        list.push(
            json!({"name": format!("projects/acme/occurrences/build-{i}"),
            "resourceUri": format!("https://{API}"), "noteName": "projects/acme/notes/build",
            "kind": "BUILD", "build": {"provenance": {"id": i}}}),
        );
        list.push(
            json!({"name": format!("projects/acme/occurrences/vuln-{i}"),
            "resourceUri": format!("https://{API}"),
            "noteName": "projects/goog-vulnz/notes/CVE-2024-1", "kind": "VULNERABILITY"}),
        );
    }
    let d = decide_request(&[API], &list);
    assert!(d.allowed);
    assert_eq!(
        d.notes,
        [
            "100 occurrences of another kind than ATTESTATION (BUILD, VULNERABILITY) were ignored: only attestation occurrences under an attestor's note can satisfy it"
        ]
    );
}

#[test]
fn the_note_on_other_kinds_names_a_few_and_counts_the_rest() {
    let list: Vec<Value> = (0..40)
        .map(|i| json!({"kind": format!("KIND_{i:02}")}))
        .collect();
    let d = decide_request(&[BASE], &list);
    assert_eq!(d.notes.len(), 1);
    assert!(
        d.notes[0].starts_with(
            "40 occurrences of another kind than ATTESTATION (KIND_00, KIND_01, KIND_02, KIND_03, …)"
        ),
        "{}",
        d.notes[0]
    );
}

#[test]
fn an_occurrence_of_another_kind_never_attests() {
    let mut list = example_occurrences();
    list[0]["kind"] = json!("BUILD");
    let d = decide_request(&[API], &list);
    assert!(!d.allowed);
    assert_eq!(
        kinds(&d, 0),
        [ReasonKind::NoAttestation, ReasonKind::Attested]
    );
    // Read alone, an occurrence of another kind is an error: it is not an attestation.
    let e = Occurrence::from_value(list[0].clone()).unwrap_err();
    assert_eq!(e.path(), "kind");
}

// --- item 11: occurrences that cannot be read ----------------------------------------------------

/// The api image's built-by-ci occurrence with its digest in upper-case hex, as hand-edited.
fn upper_case_digest() -> Value {
    let mut occ = example_occurrences()[0].clone();
    let uri = occ["resourceUri"].as_str().unwrap().to_owned();
    let (repo, digest) = uri.rsplit_once("sha256:").unwrap();
    occ["resourceUri"] = json!(format!("{repo}sha256:{}", digest.to_uppercase()));
    occ
}

#[test]
fn a_malformed_occurrence_denies_only_the_images_that_needed_it() {
    let mut list = example_occurrences();
    list[0] = upper_case_digest();
    let d = decide_request(&[BASE, API, WORKER], &list);
    assert_eq!(d.images[0].verdict, Verdict::Allowed, "allowlisted");
    // The worker lacks security-scan as before; the malformed occurrence is not its digest's.
    assert_eq!(
        kinds(&d, 2),
        [ReasonKind::Attested, ReasonKind::NoAttestation]
    );
    // The api image needed it: built-by-ci lists the skipped occurrence, security-scan is
    // satisfied.
    let api = &d.images[1];
    assert_eq!(api.verdict, Verdict::Denied);
    let ci = &api.attestors[0];
    assert_eq!(ci.reasons.len(), 1);
    let reason = &ci.reasons[0];
    assert_eq!(reason.kind, ReasonKind::OccurrenceMalformed);
    assert_eq!(
        reason.occurrence.as_ref().unwrap().as_str(),
        list[0]["name"].as_str().unwrap()
    );
    assert!(
        reason.message.contains("`resourceUri`")
            && reason.message.contains("64 lower-case hex digits"),
        "{}",
        reason.message
    );
    assert!(api.attestors[1].satisfied);
    assert_eq!(d.notes.len(), 1, "{:?}", d.notes);
    assert!(
        d.notes[0].starts_with("1 attestation occurrence could not be read and was skipped"),
        "{}",
        d.notes[0]
    );
}

#[test]
fn a_skipped_occurrence_never_stops_a_valid_one() {
    let mut list = example_occurrences();
    list.push(upper_case_digest());
    assert!(decide_request(&[API], &list).allowed);
}

#[test]
fn what_a_skipped_occurrence_could_concern() {
    // Its note unreadable: it could be any attestor's, for its digest.
    let mut no_note = example_occurrences()[0].clone();
    no_note.as_object_mut().unwrap().remove("noteName");
    // Its resource URI without a digest: any image's, under its note.
    let mut no_digest = example_occurrences()[1].clone();
    no_digest["resourceUri"] = json!("us-docker.pkg.dev/acme/payments/api:v1");
    // Under a note no rule needs, or for another digest: nothing in this request.
    let mut other_note = example_occurrences()[0].clone();
    other_note["noteName"] = json!("projects/acme/notes/unrelated");
    other_note["attestation"]["serializedPayload"] = json!("not base64!");
    let d = decide_request(&[API, WORKER], &[no_note, no_digest, other_note]);
    let listed = |image: usize, attestor: usize| -> Vec<ReasonKind> {
        d.images[image].attestors[attestor]
            .reasons
            .iter()
            .map(|r| r.kind)
            .collect()
    };
    use ReasonKind::{NoAttestation, OccurrenceMalformed};
    // api: built-by-ci and security-scan both list the note-less one; security-scan also the
    // digest-less one.
    assert_eq!(listed(0, 0), [OccurrenceMalformed]);
    assert_eq!(listed(0, 1), [OccurrenceMalformed, OccurrenceMalformed]);
    // worker: only security-scan's digest-less one could be for it.
    assert_eq!(listed(1, 0), [NoAttestation]);
    assert_eq!(listed(1, 1), [OccurrenceMalformed]);
    let message = &d.images[1].attestors[1].reasons[0].message;
    assert!(message.contains("could be any image's"), "{message}");
    // The note names all three.
    assert!(
        d.notes[0].starts_with("3 attestation occurrences"),
        "{:?}",
        d.notes
    );
}

#[test]
fn every_occurrence_level_error_is_a_skip_not_a_request_error() {
    let occ = example_occurrences()[0].clone();
    let broken: Vec<(&str, Value)> = vec![
        ("resourceUri", json!({"resourceUri": null})),
        ("noteName", json!({"noteName": "notes/ci"})),
        ("attestation", json!({"attestation": null})),
        (
            "attestation.serializedPayload",
            json!({"attestation": {"serializedPayload": "!"}}),
        ),
        (
            "attestation.signatures[0].publicKeyId",
            json!({"attestation": {"signatures": [{"signature": "AA=="}]}}),
        ),
        (
            "attestation.signatures",
            json!({"attestation": {"signatures": "AA=="}}),
        ),
        ("kind", json!({"kind": ["ATTESTATION"]})),
        (
            "attestation.attestation.genericSignedAttestation",
            json!({"attestation": {"attestation": {"genericSignedAttestation": {}}}}),
        ),
    ];
    for (path, change) in broken {
        let mut bad = occ.clone();
        for (k, v) in change.as_object().unwrap() {
            match (bad.get_mut(k), v) {
                (Some(Value::Object(at)), Value::Object(fields)) => {
                    at.extend(fields.clone());
                }
                _ => bad[k] = v.clone(),
            }
        }
        let read = Occurrences::from_document(json!([bad])).unwrap();
        assert_eq!(read.skipped().len(), 1, "{path}");
        assert!(
            read.skipped()[0].error().path().starts_with(path),
            "{path}: {}",
            read.skipped()[0].error()
        );
        // The strict reader reports the same error, with the occurrence's position.
        let e = Occurrence::from_value_many(json!([bad])).unwrap_err();
        assert!(e.path().starts_with(&format!("[0].{path}")), "{e}");
        let d = decide_request(&[BASE], &[bad]);
        assert!(d.allowed, "{path}: an allowlisted image never needs it");
    }
}

#[test]
fn a_flood_of_unreadable_occurrences_is_counted_not_listed() {
    // Mappings with nothing readable: each could concern every attestor and digest.
    let list: Vec<Value> = (0..4096)
        .map(|i| json!({"name": format!("x{i}")}))
        .collect();
    let d = decide_request(&[API, WORKER], &list);
    for image in &d.images {
        for attestor in &image.attestors {
            assert!(attestor.reasons.len() <= 8, "{}", attestor.reasons.len());
            assert_eq!(
                attestor.reasons.len() as u64 + attestor.omitted_reasons,
                4096
            );
        }
    }
    assert_eq!(d.notes.len(), 1);
    assert!(d.notes[0].ends_with("and 4093 more"), "{}", d.notes[0]);
    assert!(d.notes[0].len() < 2_000, "{}", d.notes[0].len());
    assert_eq!(d.diagnostics.signature_checks, 0);
}

#[test]
fn skipped_occurrences_do_not_make_a_decision_depend_on_the_order() {
    let mut list = example_occurrences();
    list.push(upper_case_digest());
    list.push(json!({"name": "projects/acme/occurrences/b", "noteName": "projects/acme/notes/built-by-ci"}));
    list.push(json!({"resourceUri": format!("{WORKER}"), "attestation": {}}));
    list.push(json!({"kind": "BUILD"}));
    list.push(json!({"kind": "DISCOVERY"}));
    let first = decide_request(&[API, WORKER], &list);
    for rotation in 1..list.len() {
        let mut other = list.clone();
        other.rotate_left(rotation);
        other.reverse();
        assert_eq!(decide_request(&[API, WORKER], &other), first, "{rotation}");
    }
}

#[test]
fn untrusted_text_of_a_skipped_occurrence_is_escaped() {
    let mut occ = upper_case_digest();
    occ["name"] = json!("x\n\u{1b}[32mALLOWED\u{1b}[0m");
    occ["resourceUri"] = json!(format!("{}\u{202e}", occ["resourceUri"].as_str().unwrap()));
    let d = decide_request(&[API], &[occ]);
    let shown = [&d.images[0].reasons[0].message, &d.notes[0]];
    for text in shown {
        assert!(!text.chars().any(char::is_control), "{text:?}");
        assert!(!text.contains('\u{202e}'), "{text:?}");
        assert!(text.contains("\\u{1b}"), "{text:?}");
    }
}
