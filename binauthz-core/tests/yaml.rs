//! YAML as every reader of binauthz sees it (spec/README.md §1): nesting refused while it is
//! read, alias expansion bounded, YAML 1.1 merge keys resolved as kubectl and gcloud resolve
//! them, and tags refused.
//!
//! The hostile shapes are those of issue 13, finding 4, at full size: a parser that needed
//! quadratic time in their nesting (as serde_yaml did) would make these tests take minutes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

use binauthz_core::kubernetes::{self, ContainerType};
use binauthz_core::{Engine, ErrorCode, InputError, Policy, Request};

/// The nesting shapes of finding 4, each many thousands of levels deep.
fn hostile_shapes() -> Vec<(&'static str, String)> {
    let anchors: String = (0..40_000).map(|i| format!("&a{i} [")).collect();
    vec![
        (
            "40k `{a: `",
            format!("{}x{}", "{a: ".repeat(40_000), "}".repeat(40_000)),
        ),
        ("40k `&aN [`", format!("{anchors}x{}", "]".repeat(40_000))),
        (
            "100k `[`",
            format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        ),
        ("100k unclosed `[`", "[".repeat(100_000)),
        ("100k unclosed `{`", "{".repeat(100_000)),
        ("100k `[` and a line break", "[\n".repeat(100_000)),
        ("60k `{`", "{".repeat(60_000)),
    ]
}

/// `shape` as the value of `key` in a YAML mapping (continuation lines indented).
fn under(prefix: &str, key: &str, shape: &str) -> String {
    format!("{prefix}{key}: {}", shape.replace('\n', "\n  "))
}

fn assert_limit<T>(what: &str, result: Result<T, InputError>) {
    match result {
        Ok(_) => panic!("{what}: accepted"),
        Err(e) => assert_eq!(e.code(), ErrorCode::Limit, "{what}: {e}"),
    }
}

#[test]
fn hostile_nesting_is_a_limit_error_in_every_reader() {
    for (name, shape) in hostile_shapes() {
        assert_limit(
            name,
            Policy::parse(&under("", "defaultAdmissionRule", &shape)),
        );
        assert_limit(
            name,
            Engine::from_config_str(&under("", "policy", &shape)).map_err(|e| e.input().clone()),
        );
        assert_limit(name, Request::parse(&under("", "images", &shape)));
        assert_limit(name, Request::parse(&format!("--- {shape}")));
        assert_limit(
            name,
            kubernetes::parse_manifests(&under("kind: Pod\n", "spec", &shape)),
        );
        assert_limit(
            name,
            kubernetes::parse_manifests(&format!("kind: Pod\n---\n--- {shape}")),
        );
        assert_limit(
            name,
            kubernetes::parse_admission_review(&under(
                "kind: AdmissionReview\n",
                "request",
                &shape,
            )),
        );
    }
}

#[test]
fn nesting_64_levels_deep_is_read_and_65_is_not() {
    let nested = |n: usize| format!("images: {}x{}", "[".repeat(n), "]".repeat(n));
    // The mapping is level 1, so 63 sequences make 64 levels.
    let e = Request::parse(&nested(63)).unwrap_err();
    assert_eq!(
        e.code(),
        ErrorCode::Invalid,
        "read, then refused for its shape: {e}"
    );
    let e = Request::parse(&nested(64)).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Limit, "{e}");
    assert_eq!(
        e.message(),
        "document nests deeper than the limit of 64 levels"
    );
}

#[test]
fn an_alias_bomb_is_a_limit_error() {
    let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("policy: *a8\n");
    let e = Engine::from_config_str(&text).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Limit, "{e}");
    assert!(e.input().message().starts_with("document is larger than"));
    let manifest = text.replace("policy: *a8", "kind: Pod");
    assert_limit("manifest", kubernetes::parse_manifests(&manifest));
}

const DIGEST: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

#[test]
fn a_big_flat_document_is_read() {
    let args: String = (0..200_000).map(|i| format!("      - a{i}\n")).collect();
    let pod = format!(
        "kind: Pod\nspec:\n  containers:\n    - name: c\n      image: gcr.io/a/b@{DIGEST}\n      args:\n{args}"
    );
    let workloads = kubernetes::parse_manifests(&pod).unwrap();
    assert_eq!(workloads[0].images(), [format!("gcr.io/a/b@{DIGEST}")]);
    let request = format!("object:\n  {}", pod.replace('\n', "\n  "));
    assert!(Request::parse(&request).is_ok());
}

#[test]
fn a_merge_key_cannot_hide_an_init_container() {
    // kubectl (go-yaml v2) resolves the merge key and runs the init container.
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p}}\nspec: {{<<: {{initContainers: [{{name: i, image: unattested}}]}}, containers: [{{name: c, image: gcr.io/a/b@{DIGEST}}}]}}\n"
    );
    let w = &kubernetes::parse_manifests(&manifest).unwrap()[0];
    assert_eq!(
        w.images(),
        [format!("gcr.io/a/b@{DIGEST}"), "unattested".to_owned()]
    );
    assert_eq!(w.containers[1].container_type, ContainerType::InitContainer);
}

#[test]
fn merged_containers_take_the_merged_image() {
    let manifest = "kind: Pod\nspec:\n  containers:\n  - &app {name: app, image: gcr.io/a/app}\n  initContainers:\n  - <<: *app\n    name: init\n";
    let w = &kubernetes::parse_manifests(manifest).unwrap()[0];
    assert_eq!(w.images(), ["gcr.io/a/app", "gcr.io/a/app"]);
    assert_eq!(w.containers[1].name, "init");
}

#[test]
fn an_explicit_key_after_the_merge_wins_and_the_earlier_merged_mapping_wins() {
    let manifest = "kind: Pod\nx-first: &first {image: gcr.io/a/first, name: f}\nx-second: &second {image: gcr.io/a/second, imagePullPolicy: Always}\nspec:\n  containers:\n  - <<: [*first, *second]\n  - <<: [*second, *first]\n  - <<: *first\n    image: gcr.io/a/explicit\n";
    let w = &kubernetes::parse_manifests(manifest).unwrap()[0];
    assert_eq!(
        w.images(),
        ["gcr.io/a/first", "gcr.io/a/second", "gcr.io/a/explicit"]
    );
}

#[test]
fn an_explicit_key_before_the_merge_is_refused() {
    // go-yaml v2 lets the merge override it; PyYAML and go-yaml v3 keep it. Neither is safe.
    let manifest = "kind: Pod\nx: &other {image: gcr.io/a/other}\nspec:\n  containers:\n  - image: gcr.io/a/shown\n    <<: *other\n";
    let e = kubernetes::parse_manifests(manifest).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
    assert!(
        e.message()
            .contains("key `image` is written before the `<<` merge"),
        "{e}"
    );
}

#[test]
fn a_merge_key_needs_mappings() {
    for value in ["gcr.io/a/b", "[gcr.io/a/b]", "~"] {
        let manifest = format!("kind: Pod\nspec:\n  containers:\n  - <<: {value}\n    name: c\n");
        let e = kubernetes::parse_manifests(&manifest).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Syntax, "{e}");
        assert!(e.message().contains("merge key needs a mapping"), "{e}");
    }
}

#[test]
fn a_quoted_merge_key_is_an_ordinary_key() {
    let e = Policy::parse("\"<<\": {name: x}\n").unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
    assert!(e.message().contains("`<<`"), "an unknown field: {e}");
}

const RULE: &str = "evaluationMode: REQUIRE_ATTESTATION\n    enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n    requireAttestationsBy: [projects/acme/attestors/built-by-ci]";

#[test]
fn a_policy_written_with_merge_keys_is_the_policy_it_expands_to() {
    let merged = format!(
        "defaultAdmissionRule: &rule\n    {RULE}\nclusterAdmissionRules:\n  us-east1-a.prod:\n    <<: *rule\n    enforcementMode: DRYRUN_AUDIT_LOG_ONLY\n  us-east1-a.test:\n    *rule\n"
    );
    let expanded = format!(
        "defaultAdmissionRule:\n    {RULE}\nclusterAdmissionRules:\n  us-east1-a.prod:\n    {}\n  us-east1-a.test:\n    {RULE}\n",
        RULE.replace("ENFORCED_BLOCK_AND_AUDIT_LOG", "DRYRUN_AUDIT_LOG_ONLY")
    );
    let merged = Policy::parse(&merged).unwrap();
    assert_eq!(merged, Policy::parse(&expanded).unwrap());
    assert_ne!(
        merged,
        Policy::parse(&expanded.replace("DRYRUN_AUDIT_LOG_ONLY", "ENFORCED_BLOCK_AND_AUDIT_LOG"))
            .unwrap()
    );
}

#[test]
fn tags_are_refused_and_named() {
    for (text, tag) in [
        ("name: !!binary aGVsbG8=\n", "`!!binary`"),
        ("name: !!str projects/acme/policy\n", "`!!str`"),
        (
            "defaultAdmissionRule: !custom {evaluationMode: ALWAYS_ALLOW, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}\n",
            "`!custom`",
        ),
    ] {
        let e = Policy::parse(text).unwrap_err();
        assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
        assert!(e.message().contains(tag), "{e}");
        assert!(e.message().contains("YAML tags are not accepted"), "{e}");
    }
    let e = Request::parse(&format!("images: [!!str gcr.io/a/b@{DIGEST}]")).unwrap_err();
    assert_eq!(e.code(), ErrorCode::Invalid, "{e}");
}
