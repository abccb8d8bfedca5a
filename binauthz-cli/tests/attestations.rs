//! `binauthz evaluate --attestations FILE` with the files people have (spec/README.md §5):
//! gcloud's default YAML output, the Container Analysis list response, the protos' original
//! field names, other kinds of occurrence, and occurrences that cannot be read.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use common::{Run, binauthz, example, temp_dir};
use serde_json::{Value, json};

const API: &str = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const BASE: &str = "us-docker.pkg.dev/acme/base-images/migrate:1.2";

fn occurrences() -> Vec<Value> {
    serde_json::from_str(&std::fs::read_to_string(example("attestations.json")).unwrap()).unwrap()
}

/// Writes `files` into a fresh directory and evaluates with each as an `--attestations` file.
fn evaluate_with(files: &[(&str, String)], extra: &[&str]) -> Run {
    let dir = temp_dir("attestations");
    let paths: Vec<String> = files
        .iter()
        .map(|(name, text)| {
            let path = dir.join(name);
            std::fs::write(&path, text).unwrap();
            path.to_string_lossy().into_owned()
        })
        .collect();
    let policy = example("policy.yaml");
    let attestors = example("attestors.yaml");
    let mut args = vec!["evaluate", "--policy", &policy, "--attestor", &attestors];
    for p in &paths {
        args.extend(["--attestations", p.as_str()]);
    }
    args.extend(["--namespace", "payments"]);
    args.extend_from_slice(extra);
    binauthz(&args)
}

/// An occurrence as `gcloud container binauthz attestations list` prints it by default.
fn gcloud_yaml(occ: &Value) -> String {
    let att = &occ["attestation"];
    let sig = &att["signatures"][0];
    format!(
        "attestation:\n  serializedPayload: {}\n  signatures:\n  - publicKeyId: {}\n    signature: {}\ncreateTime: '{}'\nkind: ATTESTATION\nname: {}\nnoteName: {}\nresourceUri: {}\nupdateTime: '{}'\n",
        att["serializedPayload"].as_str().unwrap(),
        sig["publicKeyId"].as_str().unwrap(),
        sig["signature"].as_str().unwrap(),
        occ["createTime"].as_str().unwrap(),
        occ["name"].as_str().unwrap(),
        occ["noteName"].as_str().unwrap(),
        occ["resourceUri"].as_str().unwrap(),
        occ["updateTime"].as_str().unwrap(),
    )
}

#[test]
fn gcloud_default_yaml_output_is_read() {
    let stream: Vec<String> = occurrences().iter().map(gcloud_yaml).collect();
    let r = evaluate_with(
        &[("attestations.yaml", stream.join("---\n"))],
        &["--image", API],
    );
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("ALLOWED "), "{}", r.stdout);
}

#[test]
fn a_container_analysis_list_response_is_read_and_a_missing_page_noted() {
    let response = json!({"occurrences": occurrences(), "nextPageToken": "CiQ4"});
    let r = evaluate_with(&[("list.json", response.to_string())], &["--image", API]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("note: the attestations include a list response with a nextPageToken"),
        "{}",
        r.stdout
    );
}

#[test]
fn original_field_names_are_read() {
    let mut occ = occurrences()[0].clone();
    let o = occ.as_object_mut().unwrap();
    let note = o.remove("noteName").unwrap();
    let uri = o.remove("resourceUri").unwrap();
    o.insert("note_name".into(), note);
    o.insert("resource_uri".into(), uri);
    let list = json!([occ, occurrences()[1]]);
    let r = evaluate_with(&[("kritis.json", list.to_string())], &["--image", API]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
}

#[test]
fn other_kinds_are_ignored_with_a_note() {
    let mut list = occurrences();
    list.push(
        json!({"name": "projects/acme/occurrences/b1", "kind": "BUILD",
                     "resourceUri": format!("https://{API}"), "noteName": "projects/acme/notes/b"}),
    );
    let r = evaluate_with(
        &[("all.json", Value::Array(list).to_string())],
        &["--image", API],
    );
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("note: 1 occurrence of another kind than ATTESTATION (BUILD) was ignored"),
        "{}",
        r.stdout
    );
}

#[test]
fn an_unreadable_occurrence_blocks_only_the_image_that_needed_it() {
    let mut bad = occurrences()[0].clone();
    let uri = bad["resourceUri"].as_str().unwrap().to_owned();
    let (repo, digest) = uri.rsplit_once("sha256:").unwrap();
    bad["resourceUri"] = json!(format!("{repo}sha256:{}", digest.to_uppercase()));
    let rest = json!([occurrences()[1], occurrences()[2]]);
    let files = [
        ("edited.json", json!([bad]).to_string()),
        ("rest.json", rest.to_string()),
    ];
    // The allowlisted image never needed it.
    let r = evaluate_with(&files, &["--image", BASE]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    // The api image did: denied, with the reason, and the decision's note names the occurrence.
    let r = evaluate_with(&files, &["--output", "json", "--image", API]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    let d: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(d["images"][0]["reasons"][0]["kind"], "occurrenceMalformed");
    assert!(
        d["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("1 attestation occurrence could not be read"),
        "{}",
        d["notes"]
    );
}

#[test]
fn a_file_that_holds_no_occurrences_is_an_error_naming_the_file() {
    let r = evaluate_with(
        &[("notes.txt", "these are not occurrences\n".into())],
        &["--image", API],
    );
    assert_eq!(r.status, 2, "{}{}", r.stdout, r.stderr);
    assert!(r.stderr.contains("notes.txt"), "{}", r.stderr);
    // An empty file is an empty list (gcloud prints nothing for one in YAML).
    let r = evaluate_with(&[("empty.yaml", String::new())], &["--image", BASE]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
}
