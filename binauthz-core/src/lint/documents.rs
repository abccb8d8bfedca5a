//! Lints about how the documents were written: placeholders left by templates, single values
//! where GCP expects lists, policy names without a project, cluster keys outside GCP's locations,
//! attestor and note names (BZ009, BZ030-BZ032).

use super::*;

/// BZ032 when `text` (at `path`) still has a template placeholder; whether it had one.
pub(super) fn placeholder_in(
    path: &str,
    text: &str,
    consequence: &str,
    out: &mut Vec<Lint>,
) -> bool {
    let Some(found) = placeholder(text) else {
        return false;
    };
    out.push(Lint::new(
        LintCode::Bz032,
        path,
        format!("`{text}` still has the template placeholder `{found}`, so {consequence}"),
        format!("replace `{found}` with the real value (set the template's variables before filling it in, for example with envsubst)"),
    ));
    true
}

/// BZ030 when the repeated field at `path` was written as a single value.
pub(super) fn single_value(
    written: &[String],
    path: &str,
    attestor: Option<&AttestorName>,
    out: &mut Vec<Lint>,
) {
    if !written.iter().any(|w| w == path) {
        return;
    }
    let lint = Lint::new(
        LintCode::Bz030,
        path,
        format!(
            "`{path}` is a single value, not a list: gcloud's import reads it as a list of one, but GCP's API and other tools need a list (and `policy export` writes it back as one)"
        ),
        "write it as a list: `- VALUE` on the next line, or `[VALUE]`".to_owned(),
    );
    out.push(match attestor {
        Some(name) => lint.about(name),
        None => lint,
    });
}

/// BZ031 and BZ032 on the policy's name.
pub(super) fn policy_name(policy: &Policy, out: &mut Vec<Lint>) {
    let Some(name) = policy.name() else {
        return;
    };
    let consequence = "the file does not say which project it is for (gcloud's import replaces the name with the current project's), and the template's other names may not be filled in either";
    if placeholder_in("name", name, consequence, out) {
        return;
    }
    let Some(project) = project_of(name) else {
        return;
    };
    let Some(problem) = project_problem(project) else {
        return;
    };
    let message = if project.is_empty() {
        format!(
            "the policy name `{name}` names no project, which is what `projects/$PROJECT_ID/policy` becomes where the variable is not set (a shell heredoc); gcloud's import replaces the name with the current project's, so the file does not say which project it is for"
        )
    } else {
        format!(
            "the policy name `{name}` does not name a GCP project: {}",
            project_message(project, problem)
        )
    };
    out.push(Lint::new(
        LintCode::Bz031,
        "name",
        message,
        "write the project's id (`projects/my-project/policy`, as `gcloud projects list` prints it), and check the other names the file was generated with".to_owned(),
    ));
}

/// BZ009: a cluster key's location that no cluster has.
pub(super) fn cluster_location(path: &str, key: &str, out: &mut Vec<Lint>) {
    let location = key.split_once('.').map_or(key, |(location, _)| location);
    if is_gcp_location(location) {
        return;
    }
    out.push(Lint::new(
        LintCode::Bz009,
        path,
        format!("cluster rule key `{key}` has the location `{location}`, which is not a GCP region (`us-central1`) or zone (`us-central1-a`), nor `global` (a Distributed Cloud fleet membership), so the rule applies to no cluster and the default rule decides there"),
        "write the location the cluster is in, as `gcloud container clusters list` prints it, then `.CLUSTER_NAME`".to_owned(),
    ));
}

/// BZ030 and BZ032 on a rule's list of attestors.
pub(super) fn rule_names(
    policy: &Policy,
    kind: RuleKind,
    path: &str,
    rule: &AdmissionRule,
    out: &mut Vec<Lint>,
) {
    let list = format!("{path}.requireAttestationsBy");
    // Istio keys are normalised without `spiffe://`; the document may have written it.
    let with_scheme = path.replacen('.', ".spiffe://", 1) + ".requireAttestationsBy";
    if kind == RuleKind::IstioIdentity && policy.single_values().contains(&with_scheme) {
        single_value(policy.single_values(), &with_scheme, None, out);
    } else {
        single_value(policy.single_values(), &list, None, out);
    }
    for (i, attestor) in rule.required_attestors().iter().enumerate() {
        let consequence = "GCP refuses a policy that names an attestor that does not exist";
        placeholder_in(&format!("{list}[{i}]"), attestor.as_str(), consequence, out);
    }
}

/// BZ030 and BZ032 on an attestor's names.
pub(super) fn attestor_names(attestor: &Attestor, out: &mut Vec<Lint>) {
    let name = attestor.name();
    single_value(
        attestor.single_values(),
        "userOwnedGrafeasNote.publicKeys",
        Some(name),
        out,
    );
    single_value(
        attestor.single_values(),
        "userOwnedDrydockNote.publicKeys",
        Some(name),
        out,
    );
    let mut found = Vec::new();
    placeholder_in(
        "name",
        name.as_str(),
        "it names no attestor that exists",
        &mut found,
    );
    let note = attestor.note().as_str();
    let consequence =
        "no attestation is filed under that note, and the attestor is never satisfied";
    placeholder_in(
        "userOwnedGrafeasNote.noteReference",
        note,
        consequence,
        &mut found,
    );
    out.extend(found.into_iter().map(|l| l.about(name)));
}
