//! Documents written outside the project, read as gcloud reads them (spec/README.md §2): single
//! values for lists, null fields, names that gcloud overwrites or GCP refuses, platform
//! policies, and what the errors say.

use serde_json::{Value, json};

use super::*;
use crate::error::ErrorCode;
use crate::model::attestor::Attestor;

const PEM: &str = include_str!("../../../../../spec/conformance/keys/ec-p256.pub.pem");

/// A valid policy as JSON, to change one field of.
fn base_policy() -> Value {
    json!({
        "name": "projects/my-project/policy",
        "globalPolicyEvaluationMode": "ENABLE",
        "admissionWhitelistPatterns": [{"namePattern": "gcr.io/my-project/base/*"}],
        "defaultAdmissionRule": {
            "evaluationMode": "REQUIRE_ATTESTATION",
            "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
            "requireAttestationsBy": ["projects/my-project/attestors/built-by-ci"]},
        "clusterAdmissionRules": {
            "us-east1-b.prod": {
                "evaluationMode": "REQUIRE_ATTESTATION",
                "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG",
                "requireAttestationsBy": ["projects/my-project/attestors/built-by-ci"]}},
    })
}

/// A valid attestor as JSON, to change one field of.
fn base_attestor() -> Value {
    json!({
        "name": "projects/my-project/attestors/built-by-ci",
        "userOwnedGrafeasNote": {
            "noteReference": "projects/my-project/notes/built-by-ci",
            "publicKeys": [{"id": "//cloudkms.googleapis.com/v1/projects/my-project/locations/global/keyRings/ci/cryptoKeys/signer/cryptoKeyVersions/1",
                            "pkixPublicKey": {"publicKeyPem": PEM, "signatureAlgorithm": "ECDSA_P256_SHA256"}}]},
    })
}

/// `parse` and `validate` of one policy: the same policy, or `parse`'s error among `validate`'s.
fn read_policy(value: &Value) -> Result<Policy, Vec<InputError>> {
    let parsed = Policy::from_value(value.clone());
    let validated = Policy::validate_value(value.clone());
    match (&parsed, &validated) {
        (Ok(p), Ok(v)) => assert_eq!(p, v),
        (Err(e), Err(all)) => assert!(all.contains(e), "{e} not in {all:?}\nfor {value}"),
        _ => panic!("parse gave {parsed:?} but validate gave {validated:?} for {value}"),
    }
    validated
}

fn policy_error(value: &Value) -> InputError {
    Policy::from_value(value.clone()).unwrap_err()
}

fn attestor_error(value: Value) -> InputError {
    Attestor::from_value(value).unwrap_err()
}

// ---- 1. A single value for a repeated field is a list of one; null is an absent field ----

#[test]
fn a_single_attestor_name_is_a_list_of_one_as_gcloud_imports_it() {
    let mut single = base_policy();
    single["defaultAdmissionRule"]["requireAttestationsBy"] =
        json!("projects/my-project/attestors/built-by-ci");
    let from_single = read_policy(&single).unwrap();
    assert_eq!(from_single, read_policy(&base_policy()).unwrap());
    assert_eq!(
        from_single.single_values(),
        ["defaultAdmissionRule.requireAttestationsBy"]
    );
    assert!(
        read_policy(&base_policy())
            .unwrap()
            .single_values()
            .is_empty()
    );
}

#[test]
fn every_repeated_field_of_a_policy_takes_a_single_value() {
    let mut single = base_policy();
    single["admissionWhitelistPatterns"] = json!({"namePattern": "gcr.io/my-project/base/*"});
    single["clusterAdmissionRules"]["us-east1-b.prod"]["requireAttestationsBy"] =
        json!("projects/my-project/attestors/built-by-ci");
    let p = read_policy(&single).unwrap();
    assert_eq!(p, read_policy(&base_policy()).unwrap());
    assert_eq!(
        p.single_values(),
        [
            "admissionWhitelistPatterns",
            "clusterAdmissionRules.us-east1-b.prod.requireAttestationsBy"
        ]
    );
}

#[test]
fn an_attestor_with_a_single_public_key_has_that_one_key() {
    let mut single = base_attestor();
    let key = single["userOwnedGrafeasNote"]["publicKeys"][0].clone();
    single["userOwnedGrafeasNote"]["publicKeys"] = key;
    let a = Attestor::from_value(single).unwrap();
    assert_eq!(a.keys().len(), 1);
    assert_eq!(a.single_values(), ["userOwnedGrafeasNote.publicKeys"]);
    let mut drydock = base_attestor();
    let note = drydock["userOwnedGrafeasNote"].take();
    drydock["userOwnedDrydockNote"] = note;
    drydock["userOwnedDrydockNote"]["publicKeys"] = json!({"pkixPublicKey": {
        "publicKeyPem": PEM, "signatureAlgorithm": "ECDSA_P256_SHA256"}});
    let a = Attestor::from_value(drydock).unwrap();
    assert_eq!(a.single_values(), ["userOwnedDrydockNote.publicKeys"]);
}

#[test]
fn a_single_value_of_the_wrong_kind_is_still_an_error() {
    let mut p = base_policy();
    p["admissionWhitelistPatterns"] = json!("gcr.io/my-project/base/*");
    let errors = read_policy(&p).unwrap_err();
    assert_eq!(
        errors[0].to_string(),
        "`admissionWhitelistPatterns[0]`: expected a mapping with namePattern (`- namePattern: IMAGE`), found a string"
    );
    let mut p = base_policy();
    p["defaultAdmissionRule"]["requireAttestationsBy"] = json!(7);
    let errors = read_policy(&p).unwrap_err();
    assert_eq!(
        errors[0].path(),
        "defaultAdmissionRule.requireAttestationsBy[0]"
    );
    let mut a = base_attestor();
    a["userOwnedGrafeasNote"]["publicKeys"] = json!("ssh-rsa AAAA");
    assert_eq!(
        attestor_error(a).to_string(),
        "`userOwnedGrafeasNote.publicKeys[0]`: expected a mapping with id and pkixPublicKey (or asciiArmoredPgpPublicKey), found a string"
    );
}

/// Sets the field at `path` (keys, then the field) to null, or removes it.
fn with_field(mut value: Value, path: &[&str], null: bool) -> Value {
    let (last, parents) = path.split_last().unwrap();
    let mut at = &mut value;
    for key in parents {
        at = if let Ok(i) = key.parse::<usize>() {
            &mut at[i]
        } else {
            &mut at[*key]
        };
    }
    let map = at.as_object_mut().unwrap();
    if null {
        map.insert((*last).to_owned(), Value::Null);
    } else {
        map.remove(*last);
    }
    value
}

#[test]
fn a_policy_field_set_to_null_is_as_if_absent() {
    let rule = ["defaultAdmissionRule"];
    let cluster = ["clusterAdmissionRules", "us-east1-b.prod"];
    let fields: Vec<Vec<&str>> = vec![
        vec!["name"],
        vec!["description"],
        vec!["globalPolicyEvaluationMode"],
        vec!["admissionWhitelistPatterns"],
        vec!["admissionWhitelistPatterns", "0", "namePattern"],
        vec!["defaultAdmissionRule"],
        vec!["clusterAdmissionRules"],
        vec!["kubernetesNamespaceAdmissionRules"],
        vec!["etag"],
        vec!["updateTime"],
        [&rule[..], &["evaluationMode"]].concat(),
        [&rule[..], &["enforcementMode"]].concat(),
        [&rule[..], &["requireAttestationsBy"]].concat(),
        [&cluster[..], &["requireAttestationsBy"]].concat(),
    ];
    let mut base = base_policy();
    base["description"] = json!("d");
    base["etag"] = json!("e");
    base["updateTime"] = json!("2025-01-01T00:00:00Z");
    base["kubernetesNamespaceAdmissionRules"] = json!({});
    for path in fields {
        let absent = with_field(base.clone(), &path, false);
        let null = with_field(base.clone(), &path, true);
        assert_eq!(read_policy(&null), read_policy(&absent), "{path:?}");
    }
}

#[test]
fn an_attestor_field_set_to_null_is_as_if_absent() {
    let note = ["userOwnedGrafeasNote"];
    let key = ["userOwnedGrafeasNote", "publicKeys", "0"];
    let pkix = ["userOwnedGrafeasNote", "publicKeys", "0", "pkixPublicKey"];
    let fields: Vec<Vec<&str>> = vec![
        vec!["name"],
        vec!["description"],
        vec!["updateTime"],
        vec!["etag"],
        vec!["userOwnedGrafeasNote"],
        vec!["userOwnedDrydockNote"],
        [&note[..], &["noteReference"]].concat(),
        [&note[..], &["publicKeys"]].concat(),
        [&note[..], &["delegationServiceAccountEmail"]].concat(),
        [&key[..], &["id"]].concat(),
        [&key[..], &["comment"]].concat(),
        [&key[..], &["pkixPublicKey"]].concat(),
        [&key[..], &["asciiArmoredPgpPublicKey"]].concat(),
        [&pkix[..], &["publicKeyPem"]].concat(),
        [&pkix[..], &["signatureAlgorithm"]].concat(),
        [&pkix[..], &["keyId"]].concat(),
    ];
    let mut base = base_attestor();
    base["description"] = json!("d");
    base["etag"] = json!("e");
    base["updateTime"] = json!("2025-01-01T00:00:00Z");
    base["userOwnedGrafeasNote"]["delegationServiceAccountEmail"] = json!("x@y.iam");
    base["userOwnedGrafeasNote"]["publicKeys"][0]["comment"] = json!("c");
    let read = |v: Value| Attestor::from_value(v).map(|a| a.to_value());
    for path in fields {
        let absent = with_field(base.clone(), &path, false);
        let null = with_field(base.clone(), &path, true);
        assert_eq!(read(null), read(absent), "{path:?}");
    }
}

#[test]
fn null_in_a_list_or_as_a_rule_is_an_error_naming_it() {
    for (change, path, message) in [
        (
            json!({"admissionWhitelistPatterns": [null]}),
            "admissionWhitelistPatterns[0]",
            "expected a mapping with namePattern (`- namePattern: IMAGE`), found null",
        ),
        (
            json!({"clusterAdmissionRules": {"us-east1-b.prod": null}}),
            "clusterAdmissionRules.us-east1-b.prod",
            "expected a mapping with evaluationMode, enforcementMode and requireAttestationsBy, found null",
        ),
    ] {
        let mut p = base_policy();
        for (k, v) in change.as_object().unwrap() {
            p[k] = v.clone();
        }
        let errors = read_policy(&p).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!((errors[0].path(), errors[0].message()), (path, message));
    }
    let mut p = base_policy();
    p["defaultAdmissionRule"]["requireAttestationsBy"] = json!([null]);
    let e = &read_policy(&p).unwrap_err()[0];
    assert_eq!(e.path(), "defaultAdmissionRule.requireAttestationsBy[0]");
    assert!(e.message().contains("expected a string"), "{e}");
    let mut a = base_attestor();
    a["userOwnedGrafeasNote"]["publicKeys"] = json!([null]);
    assert!(
        attestor_error(a)
            .to_string()
            .ends_with("publicKeys[0]`: expected a mapping with id and pkixPublicKey (or asciiArmoredPgpPublicKey), found null")
    );
}

// ---- 2. The policy name: gcloud's import overwrites it ----

#[test]
fn a_policy_name_without_a_project_imports() {
    // `projects/$PROJECT_ID/policy` in a shell heredoc whose variable is unset.
    let mut p = base_policy();
    p["name"] = json!("projects//policy");
    assert_eq!(read_policy(&p).unwrap().name(), Some("projects//policy"));
    p["name"] = json!("projects/PROJECT_ID/policy");
    assert!(read_policy(&p).is_ok());
    p["name"] = json!("my-project/policy");
    assert_eq!(read_policy(&p).unwrap_err()[0].path(), "name");
}

// ---- 3. Project ids in attestor and note names ----

#[test]
fn a_rule_naming_an_attestor_in_an_impossible_project_is_an_error() {
    for (project, why) in [
        ("PROJECT_ID", "it has upper-case letters"),
        (
            "my_project",
            "it has characters other than lower-case letters",
        ),
        ("2nd-project", "it does not start with a letter"),
        ("my-project-", "it ends with a hyphen"),
    ] {
        let mut p = base_policy();
        p["defaultAdmissionRule"]["requireAttestationsBy"] =
            json!([format!("projects/{project}/attestors/built-by-ci")]);
        let errors = read_policy(&p).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(
            errors[0].path(),
            "defaultAdmissionRule.requireAttestationsBy[0]"
        );
        let expected = format!("`{project}` is not a GCP project id: {why}");
        assert!(errors[0].message().contains(&expected), "{}", errors[0]);
    }
}

#[test]
fn project_numbers_and_domain_scoped_projects_are_projects() {
    for project in ["415104041262", "example.com:my-project"] {
        let mut p = base_policy();
        p["defaultAdmissionRule"]["requireAttestationsBy"] =
            json!([format!("projects/{project}/attestors/built-by-ci")]);
        assert!(read_policy(&p).is_ok(), "{project}");
        let mut a = base_attestor();
        a["name"] = json!(format!("projects/{project}/attestors/built-by-ci"));
        a["userOwnedGrafeasNote"]["noteReference"] =
            json!(format!("projects/{project}/notes/built-by-ci"));
        assert!(Attestor::from_value(a).is_ok(), "{project}");
    }
}

#[test]
fn an_attestor_or_note_in_an_impossible_project_is_an_error() {
    let mut a = base_attestor();
    a["name"] = json!("projects/PROJECT_ID/attestors/built-by-ci");
    let e = attestor_error(a);
    assert_eq!(e.path(), "name");
    assert!(
        e.message()
            .contains("`PROJECT_ID` is not a GCP project id: it has upper-case letters"),
        "{e}"
    );
    let mut a = base_attestor();
    a["userOwnedGrafeasNote"]["noteReference"] = json!("projects/My-Project/notes/n");
    let e = attestor_error(a);
    assert_eq!(e.path(), "userOwnedGrafeasNote.noteReference");
    assert!(
        e.message().contains("`My-Project` is not a GCP project id"),
        "{e}"
    );
}

// ---- 4. PKIX key ids are URIs ----

fn attestor_with_key_id(field: &str, id: &str) -> Result<Attestor, InputError> {
    let mut a = base_attestor();
    let key = &mut a["userOwnedGrafeasNote"]["publicKeys"][0];
    key.as_object_mut().unwrap().remove("id");
    if field == "id" {
        key["id"] = json!(id);
    } else {
        key["pkixPublicKey"]["keyId"] = json!(id);
    }
    Attestor::from_value(a)
}

#[test]
fn a_pkix_key_id_must_be_a_uri_reference() {
    for ok in [
        "//cloudkms.googleapis.com/v1/projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
        "ni:///sha-256;47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU",
        "gcpkms://projects/p/locations/global/keyRings/r/cryptoKeys/k/cryptoKeyVersions/1",
        "ci-key-2024",
    ] {
        assert_eq!(
            attestor_with_key_id("id", ok).unwrap().keys()[0]
                .id()
                .as_str(),
            ok
        );
    }
    for (field, path) in [
        ("id", "userOwnedGrafeasNote.publicKeys[0].id"),
        (
            "keyId",
            "userOwnedGrafeasNote.publicKeys[0].pkixPublicKey.keyId",
        ),
    ] {
        let e = attestor_with_key_id(field, ":{invalid-key-id}").unwrap_err();
        assert_eq!((e.code(), e.path()), (ErrorCode::Invalid, path));
        assert!(
            e.message()
                .starts_with("key id `:{invalid-key-id}` is not a URI (RFC 3986, as GCP requires)"),
            "{e}"
        );
    }
    let e = attestor_with_key_id("id", "my key").unwrap_err();
    assert!(e.message().contains("has ` `"), "{e}");
}

// ---- 5. Errors say what was expected in GCP's terms ----

#[test]
fn a_rule_written_as_a_string_says_what_a_rule_holds() {
    let mut p = base_policy();
    p["defaultAdmissionRule"] = json!("ALWAYS_ALLOW");
    let errors = read_policy(&p).unwrap_err();
    assert_eq!(
        errors.iter().map(ToString::to_string).collect::<Vec<_>>(),
        [
            "`defaultAdmissionRule`: expected a mapping with evaluationMode, enforcementMode and requireAttestationsBy, found a string"
        ]
    );
}

#[test]
fn a_rule_written_as_a_list_is_not_read_field_by_field() {
    let mut p = base_policy();
    p["clusterAdmissionRules"]["us-east1-b.prod"] =
        json!(["ALWAYS_ALLOW", null, "ENFORCED_BLOCK_AND_AUDIT_LOG"]);
    let errors = read_policy(&p).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0], policy_error(&p));
    assert!(
        errors[0].message().ends_with("found a sequence"),
        "{}",
        errors[0]
    );
}

#[test]
fn enum_errors_list_only_the_values_that_are_accepted() {
    for (field, value, expected) in [
        (
            "evaluationMode",
            "ALWAYS",
            "unknown variant `ALWAYS`, expected one of `ALWAYS_ALLOW`, `REQUIRE_ATTESTATION`, `ALWAYS_DENY`",
        ),
        (
            "enforcementMode",
            "ENFORCED",
            "unknown variant `ENFORCED`, expected one of `ENFORCED_BLOCK_AND_AUDIT_LOG`, `DRYRUN_AUDIT_LOG_ONLY`",
        ),
    ] {
        let mut p = base_policy();
        p["defaultAdmissionRule"][field] = json!(value);
        let errors = read_policy(&p).unwrap_err();
        assert_eq!(errors[0].message(), expected);
    }
    let mut p = base_policy();
    p["globalPolicyEvaluationMode"] = json!("ON");
    assert_eq!(
        read_policy(&p).unwrap_err()[0].message(),
        "unknown variant `ON`, expected one of `ENABLE`, `DISABLE` (or leave the field out)"
    );
}

#[test]
fn an_enum_value_written_as_a_mapping_is_not_that_value() {
    let mut p = base_policy();
    p["defaultAdmissionRule"]["evaluationMode"] = json!({"ALWAYS_ALLOW": null});
    let errors = read_policy(&p).unwrap_err();
    assert_eq!(errors[0].path(), "defaultAdmissionRule.evaluationMode");
    assert!(
        errors[0].message().contains("expected a string"),
        "{}",
        errors[0]
    );
}

/// Words that would mean an error names a Rust type or serde's terms instead of GCP's.
const RUST_WORDS: [&str; 6] = ["Raw", "struct", "enum", "identifier", "a map", "tuple"];

fn assert_no_rust_words(e: &InputError, what: &str) {
    // "a mapping" is GCP's (YAML's) word; serde says "a map".
    let message = e.message().replace("a mapping", "");
    for word in RUST_WORDS {
        assert!(!message.contains(word), "{what}: `{word}` in {e}");
    }
}

/// `value` with the field at `path` (keys and list indexes) replaced by `new`.
fn set(mut value: Value, path: &[&str], new: &Value) -> Value {
    let mut at = &mut value;
    for key in path {
        at = match key.parse::<usize>() {
            Ok(i) => &mut at[i],
            Err(_) => &mut at[*key],
        };
    }
    *at = new.clone();
    value
}

#[test]
fn no_error_names_a_rust_type_whatever_a_field_holds() {
    let wrong = [
        json!(null),
        json!(true),
        json!(7),
        json!("x"),
        json!([]),
        json!([1, "x"]),
        json!({}),
        json!({"x": 1}),
    ];
    let policy_fields: [&[&str]; 11] = [
        &["name"],
        &["globalPolicyEvaluationMode"],
        &["admissionWhitelistPatterns"],
        &["admissionWhitelistPatterns", "0"],
        &["admissionWhitelistPatterns", "0", "namePattern"],
        &["defaultAdmissionRule"],
        &["defaultAdmissionRule", "evaluationMode"],
        &["defaultAdmissionRule", "requireAttestationsBy"],
        &["clusterAdmissionRules"],
        &["clusterAdmissionRules", "us-east1-b.prod"],
        &[
            "clusterAdmissionRules",
            "us-east1-b.prod",
            "enforcementMode",
        ],
    ];
    for path in policy_fields {
        for value in &wrong {
            let p = set(base_policy(), path, value);
            if let Err(errors) = read_policy(&p) {
                for e in &errors {
                    assert_no_rust_words(e, &format!("{path:?} = {value}"));
                }
            }
        }
    }
    let attestor_fields: [&[&str]; 6] = [
        &["userOwnedGrafeasNote"],
        &["userOwnedGrafeasNote", "publicKeys"],
        &["userOwnedGrafeasNote", "noteReference"],
        &["userOwnedGrafeasNote", "publicKeys", "0"],
        &["userOwnedGrafeasNote", "publicKeys", "0", "pkixPublicKey"],
        &[
            "userOwnedGrafeasNote",
            "publicKeys",
            "0",
            "pkixPublicKey",
            "signatureAlgorithm",
        ],
    ];
    for path in attestor_fields {
        for value in &wrong {
            if let Err(e) = Attestor::from_value(set(base_attestor(), path, value)) {
                assert_no_rust_words(&e, &format!("{path:?} = {value}"));
            }
        }
    }
}

// ---- 6. A check-based platform policy is not a project policy ----

#[test]
fn a_platform_policy_is_refused_as_such() {
    let platform = json!({
        "name": "projects/my-project/platforms/gke/policies/my-policy",
        "gkePolicy": {"checkSets": [{"checks": [{"alwaysDeny": true}]}]},
    });
    let errors = read_policy(&platform).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let e = &errors[0];
    assert_eq!((e.code(), e.path()), (ErrorCode::Unsupported, "gkePolicy"));
    assert!(
        e.message().starts_with("this is a check-based platform policy (`gcloud beta container binauthz policy create --platform=gke`), which binauthz does not read"),
        "{e}"
    );
    assert!(!e.message().contains("unknown field"), "{e}");
}
