//! `binauthz lint-manifest` end to end: images not pinned by digest, exit codes, standard input.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed expectation should panic"
)]

mod common;

use common::{binauthz, binauthz_with_stdin, example, root};

fn fixture(name: &str) -> String {
    root()
        .join("spec/lint")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

#[test]
fn unpinned_images_are_listed_one_per_line_with_exit_1() {
    let file = fixture("tagged-manifest.yaml");
    let r = binauthz(&["lint-manifest", &file]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(
        lines,
        [
            "Deployment/payments (namespace payments)  init container migrate  us-docker.pkg.dev/acme/base-images/migrate:1.2  tag `1.2`, no digest",
            "CronJob/nightly-report (namespace payments)  container report  us-docker.pkg.dev/acme/payments/report  no tag or digest (pulls `:latest`)",
            "CronJob/nightly-report (namespace payments)  container upload  gcr.io/acme/uploader@sha256:F902DFC35A58EE5073167C3776C130F250AF83D09E7E21548F3CE6C8F9125CFF  malformed digest `@sha256:F902DFC35A58EE5073167C3776C130F250AF83D09E7E21548F3CE6C8F9125CFF` (expected sha256: and 64 lower-case hex digits)",
            &format!(
                "{file}: 3 of 5 images are not pinned by digest, so no attestation can admit them"
            ),
        ]
    );
    assert_eq!(r.stderr, "");
}

#[test]
fn a_tag_next_to_a_digest_is_pinned() {
    let r = binauthz(&["lint-manifest", &fixture("tagged-manifest.yaml")]);
    assert!(!r.stdout.contains("container worker"), "{}", r.stdout);
    assert!(!r.stdout.contains("container api"), "{}", r.stdout);
}

#[test]
fn pinned_manifests_exit_0() {
    let file = fixture("pinned-manifest.yaml");
    let r = binauthz(&["lint-manifest", &file]);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        format!("{file}: its 1 image is pinned by digest\n")
    );
}

#[test]
fn standard_input_is_read_for_dash() {
    let deployment = std::fs::read_to_string(example("deployment.yaml")).unwrap();
    let r = binauthz_with_stdin(&["lint-manifest", "-"], &deployment);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with(
        "Deployment/payments (namespace payments)  init container migrate  us-docker.pkg.dev/acme/base-images/migrate:1.2  tag `1.2`, no digest\n"
    ), "{}", r.stdout);
    assert!(r.stdout.ends_with(
        "standard input: 1 of 3 images is not pinned by digest, so no attestation can admit it\n"
    ), "{}", r.stdout);

    let json = r#"{"kind": "Pod", "metadata": {"name": "p"}, "spec": {"containers": [
        {"name": "a", "image": "gcr.io/p/a@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6"},
        {"name": "b", "image": "gcr.io/p/b@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff"}]}}"#;
    let r = binauthz_with_stdin(&["lint-manifest", "-"], json);
    assert_eq!(r.status, 0, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout,
        "standard input: all 2 images are pinned by digest\n"
    );
}

#[test]
fn bad_input_exits_2_naming_the_problem() {
    let r = binauthz_with_stdin(
        &["lint-manifest", "-"],
        "kind: Service\nmetadata: {name: web}\n",
    );
    assert_eq!(r.status, 2);
    assert_eq!(r.stdout, "");
    assert!(
        r.stderr.contains("kind `Service` has no pod spec"),
        "{}",
        r.stderr
    );

    let r = binauthz_with_stdin(
        &["lint-manifest", "-"],
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: c, image: 'gcr.io/p/c d'}\n",
    );
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("Pod/p, container c: image reference"),
        "{}",
        r.stderr
    );

    let r = binauthz(&["lint-manifest", "no-such-manifest.yaml"]);
    assert_eq!(r.status, 2);
    assert!(
        r.stderr.contains("no-such-manifest.yaml: cannot open"),
        "{}",
        r.stderr
    );
}

#[test]
fn help_has_an_example() {
    let r = binauthz(&["lint-manifest", "--help"]);
    assert_eq!(r.status, 0);
    assert!(
        r.stdout
            .contains("binauthz lint-manifest spec/lint/tagged-manifest.yaml")
    );
}

/// Issue 13, finding 5: an init container brought in by a YAML merge key runs (kubectl resolves
/// `<<`), so it is linted and evaluated like any other.
#[test]
fn a_container_from_a_yaml_merge_key_is_linted_and_evaluated() {
    let digest = "sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: payments}}\nspec:\n  \
         <<: {{initContainers: [{{name: sneaky, image: 'gcr.io/attacker/x:1'}}]}}\n  \
         containers: [{{name: api, image: 'us-docker.pkg.dev/acme/payments/api@{digest}'}}]\n"
    );
    let r = binauthz_with_stdin(&["lint-manifest", "-"], &manifest);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("init container sneaky  gcr.io/attacker/x:1  tag `1`, no digest"),
        "{}",
        r.stdout
    );
    let (policy, attestors, attestations) = (
        example("policy.yaml"),
        example("attestors.yaml"),
        example("attestations.json"),
    );
    let r = binauthz_with_stdin(
        &[
            "evaluate",
            "--policy",
            &policy,
            "--attestor",
            &attestors,
            "--attestations",
            &attestations,
            "--manifest",
            "-",
        ],
        &manifest,
    );
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("DENIED            gcr.io/attacker/x:1"),
        "{}",
        r.stdout
    );
}

#[test]
fn cloud_run_objects_are_read_and_their_tags_explained() {
    let file = fixture("cloud-run-source-deploy.yaml");
    let r = binauthz(&["lint-manifest", &file]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert_eq!(
        r.stdout.lines().next().unwrap(),
        "Cloud Run service checkout (project acme)  container collector  us-docker.pkg.dev/acme/base-images/otel-collector:0.98  tag `0.98`, no digest; Cloud Run resolves it when it deploys, binauthz cannot"
    );
    assert!(
        !r.stdout.contains("BZ040"),
        "no policy, no BZ040: {}",
        r.stdout
    );
}

#[test]
fn with_the_policy_a_source_deploy_without_its_exemption_is_bz040() {
    let file = fixture("cloud-run-source-deploy.yaml");
    let policy = example("policy.yaml");
    let r = binauthz(&["lint-manifest", "--policy", &policy, &file]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout.contains("BZ040 source-deployed image: the default rule is REQUIRE_ATTESTATION and no allowlist pattern exempts it; source deploys need `us-central1-docker.pkg.dev/acme/cloud-run-source-deploy/**`"),
        "{}",
        r.stdout
    );
    assert!(r.stdout.ends_with(&format!(
        "{file}: 1 source-deployed Cloud Run image the policy would not admit (BZ040)\n"
    )));
}

#[test]
fn the_shipped_cloud_run_example_is_pinned_but_for_its_allowlisted_sidecar() {
    let r = binauthz(&["lint-manifest", &example("cloud-run-service.yaml")]);
    assert_eq!(r.status, 1, "{}{}", r.stdout, r.stderr);
    assert!(
        r.stdout
            .contains("Cloud Run service payments-api (project acme)  container envoy")
    );
}
