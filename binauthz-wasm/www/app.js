// The policy-preview page: every decision is binauthz's (WebAssembly, ../pkg-web/); this file only
// reads the editors, calls the engine and draws what it returns.
import init, * as binauthz from "../pkg-web/binauthz_wasm.js";
import { examples } from "../pkg-web/examples.js";

const $ = (id) => document.getElementById(id);
const EDITORS = ["policy", "attestors", "attestations", "manifest", "images", "tests", "platform-policy", "platform-request"];
const CONTEXT_FIELDS = ["cluster", "namespace", "serviceAccount", "istioIdentity"];
const RULE_PHRASE = {
  default: "default admission rule",
  cluster: "cluster admission rule",
  namespace: "Kubernetes namespace admission rule",
  serviceAccount: "Kubernetes service account admission rule",
  istioIdentity: "Istio service identity admission rule",
};
const STAGE_TEXT = {
  breakglass: "breakglass",
  systemImage: "Google system image (globalPolicyEvaluationMode: ENABLE)",
  allowlist: "allowlist (admissionWhitelistPatterns)",
  rule: "admission rule",
  notEnabled: "nothing: Binary Authorization is not enabled on this Cloud Run object",
};

/** Creates an element with a class and text, or child nodes. */
function el(tag, className, ...children) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  for (const child of children) {
    if (child === null || child === undefined) continue;
    node.append(typeof child === "string" ? document.createTextNode(child) : child);
  }
  return node;
}

function describeError(e) {
  if (e && e.name === "BinauthzError") {
    // validatePolicy and validateAttestors report every error of the document.
    if (e.errors?.length > 1) return e.errors.map((d) => `${d.message}  [code: ${d.code}]`).join("\n");
    return `${e.message}  [code: ${e.code}]`;
  }
  console.error(e);
  return `unexpected error: ${e}`;
}

function setStatus(id, kind, text) {
  const node = $(id);
  node.className = `status ${kind}`;
  node.textContent = text;
}

function mode() {
  return document.querySelector('input[name="mode"]:checked').value;
}

/** `project` (a policy with admission rules) or `platform` (a check-based platform policy). */
function kind() {
  return document.querySelector('input[name="kind"]:checked').value;
}

// ---- the engine, recompiled only when the policy or the attestors change ----

let compiled = { key: null, engine: null };

function describePolicy(p) {
  const rule = (r) =>
    r.evaluationMode +
    (r.requireAttestationsBy.length ? ` by ${r.requireAttestationsBy.length} attestor(s)` : "") +
    (r.enforcementMode === "DRYRUN_AUDIT_LOG_ONLY" ? " (dry run)" : "");
  const parts = [`default rule ${rule(p.defaultAdmissionRule)}`];
  if (p.specificRules) {
    const keys = p.specificRules.rules.map((r) => `${r.key}: ${rule(r)}`);
    parts.push(`${p.specificRules.field}: ${keys.join("; ")}`);
  }
  if (p.admissionWhitelistPatterns.length) {
    parts.push(`${p.admissionWhitelistPatterns.length} allowlist pattern(s)`);
  }
  if (p.globalPolicyEvaluationMode === "ENABLE") parts.push("system images exempt");
  return `✓ ${p.name ?? "policy"}: ${parts.join(", ")}`;
}

function describeAttestors(list) {
  if (!list.length) return "no attestors";
  return "✓ " + list
    .map((a) => `${a.name.split("/").pop()} (${a.publicKeys.map((k) => `${k.signatureAlgorithm} key ${k.id}`).join(", ") || "no keys"})`)
    .join("; ");
}

function compile() {
  const policy = $("policy").value;
  const attestors = $("attestors").value;
  const key = `${policy}\u0000${attestors}`;
  if (compiled.key === key) return compiled;
  compiled.engine?.free();
  compiled = { key, engine: null, lint: [] };
  let ok = true;
  // Each document is validated on its own first, so that an error shows under its editor.
  try {
    setStatus("policy-status", "ok", describePolicy(binauthz.validatePolicy(policy)));
  } catch (e) {
    setStatus("policy-status", "error", describeError(e));
    ok = false;
  }
  try {
    const list = attestors.trim() ? binauthz.validateAttestors(attestors) : [];
    setStatus("attestors-status", "ok", describeAttestors(list));
  } catch (e) {
    setStatus("attestors-status", "error", describeError(e));
    ok = false;
  }
  if (!ok) return compiled;
  try {
    compiled.engine = binauthz.Engine.fromPolicy(policy, attestors.trim() ? attestors : null);
  } catch (e) {
    // e.g. the policy requires an attestor that is not in the attestors editor
    setStatus("policy-status", "error", describeError(e));
    return compiled;
  }
  // Valid, but probably not what the author meant (spec/lint.md).
  try {
    compiled.lint = binauthz.lintPolicy(policy, attestors.trim() ? attestors : null);
  } catch (e) {
    compiled.lint = [{ message: describeError(e) }];
  }
  return compiled;
}

// ---- the workload: a Kubernetes object, or a list of images with a context ----

function contextFromFields() {
  const context = {};
  for (const field of CONTEXT_FIELDS) {
    const value = $(field).value.trim();
    if (value) context[field] = value;
  }
  if ($("breakglass").checked) context.breakglass = true;
  return context;
}

function workload() {
  const fields = contextFromFields();
  if (mode() === "manifest") {
    const object = binauthz.extractImages($("manifest").value);
    // The object gives the namespace, service account and breakglass (spec §10); the cluster
    // and Istio identity come from the fields, and the breakglass box can add breakglass.
    const context = { ...object.context };
    if (fields.cluster) context.cluster = fields.cluster;
    if (fields.istioIdentity) context.istioIdentity = fields.istioIdentity;
    if (fields.breakglass) context.breakglass = true;
    // A Cloud Run object may be previewed as if Binary Authorization were enabled (spec §13).
    const run = object.context.cloudRun;
    if (run && $("assumeEnabled").checked) context.assumeEnabled = true;
    const count = object.containers.length;
    const where = run
      ? `Cloud Run ${run.kind}${run.location ? ` in ${run.location}` : ""}, Binary Authorization ${run.binaryAuthorization ?? "not enabled"}`
      : `namespace ${object.context.namespace}, service account ${object.context.serviceAccount}`;
    setStatus(
      "workload-status",
      "ok",
      `✓ ${object.kind} ${object.name ?? ""}: ${count} container${count === 1 ? "" : "s"}, ${where}` +
        (object.context.breakglass ? ", breakglass requested by the object" : ""),
    );
    return { images: object.images, context, containers: object.containers };
  }
  const images = $("images")
    .value.split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  setStatus("workload-status", "ok", `✓ ${images.length} image${images.length === 1 ? "" : "s"}`);
  return { images, context: fields, containers: null };
}

// ---- drawing a decision ----

function ruleText(rule) {
  const phrase = RULE_PHRASE[rule.kind] + (rule.key ? ` for ${rule.key}` : "");
  const enforcement = rule.enforcementMode === "DRYRUN_AUDIT_LOG_ONLY" ? "dry run" : "enforced";
  return `${phrase} · ${rule.evaluationMode} · ${enforcement}`;
}

function imageCard(image, container) {
  const card = el("article", `image verdict-${image.verdict}`);
  card.dataset.testid = "image";
  card.dataset.image = image.image;
  const badge = el("span", "badge", image.verdict.replaceAll("_", " "));
  badge.dataset.testid = "verdict";
  card.append(
    el(
      "header",
      null,
      badge,
      el("code", "ref", image.image),
      container ? el("span", "muted", ` ${container.name} (${container.type.toLowerCase().replace("_", " ")})`) : null,
    ),
  );
  const facts = el("dl");
  const fact = (term, ...value) => facts.append(el("dt", null, term), el("dd", null, ...value));
  fact("settled by", STAGE_TEXT[image.stage]);
  if (image.matchedPattern) fact("pattern", el("code", null, image.matchedPattern));
  if (image.rule) fact("rule", ruleText(image.rule));
  fact("digest", image.digest ? el("code", null, image.digest) : "none (a tag or a malformed digest)");
  card.append(facts);

  if (image.attestors.length) {
    const list = el("ul", "attestors");
    for (const a of image.attestors) {
      const item = el("li", a.satisfied ? "ok" : "bad", a.satisfied ? "✓ " : "✗ ", el("code", null, a.attestor));
      if (a.verifiedBy) {
        item.append(" verified by key ", el("code", null, a.verifiedBy.keyId), ` (${a.verifiedBy.occurrence})`);
      }
      list.append(item);
    }
    card.append(list);
  }
  const reasons = el("ul", "reasons");
  for (const r of image.reasons) {
    const item = el("li", null, el("span", "kind", r.kind), " ", r.message);
    item.dataset.kind = r.kind;
    reasons.append(item);
  }
  card.append(reasons);
  if (image.denial) card.append(el("p", "denial", image.denial));
  if (image.digest) {
    try {
      const payload = binauthz.createSignaturePayload(image.image);
      card.append(el("details", "payload", el("summary", null, "payload to sign for this digest"), el("pre", null, payload)));
    } catch {
      // not an artifact URL gcloud would accept; nothing to show
    }
  }
  return card;
}

/** A lint finding (lintPolicy, lintPlatformPolicy) as a line above the decision. */
function lintItem(w) {
  return w.code
    ? el("li", `lint ${w.severity}`, el("code", null, w.code), ` ${w.attestor ? `${w.attestor}: ` : ""}${w.path}: ${w.message}. Fix: ${w.fix}`)
    : el("li", "lint warning", w.message);
}

function showDecision(decision, containers, lint) {
  const overall = $("overall");
  overall.className = `overall ${decision.allowed ? "allowed" : "blocked"}`;
  overall.replaceChildren(
    el("strong", null, decision.allowed ? "ADMITTED" : "BLOCKED"),
    el("span", "message", decision.message),
  );
  overall.dataset.allowed = String(decision.allowed);
  delete overall.dataset.verdict;
  const warnings = $("warnings");
  warnings.replaceChildren(
    ...lint.map(lintItem),
    ...decision.notes.map((n) => el("li", "note", n)),
  );
  $("images-out").replaceChildren(
    ...decision.images.map((image, i) => imageCard(image, containers?.[i])),
  );
  $("audit").textContent = JSON.stringify(decision.audit, null, 2);
  $("audit-box").hidden = false;
}

function showNoDecision(text) {
  const overall = $("overall");
  overall.className = "overall error";
  overall.replaceChildren(el("strong", null, "NO DECISION"), el("span", "message", text));
  overall.dataset.allowed = "";
  delete overall.dataset.verdict;
  $("warnings").replaceChildren();
  $("images-out").replaceChildren();
  $("audit-box").hidden = true;
}

// ---- policy tests (spec/README.md §14): a test file run against the editors' current text ----

const API_REF = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const WORKER_REF = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff";
// A small suite for the pre-filled example policy (spec/examples/policy_test.yaml has more).
const EXAMPLE_TESTS = `# Policy tests for the policy above (spec/README.md §14; \`binauthz test\` runs the same file).
policy: policy.yaml
attestors: [attestors.yaml]
attestations: [attestations.json]
cases:
- name: an image attested by both attestors is admitted
  images: [${API_REF}]
  context: {namespace: payments}
  expect:
    allowed: true
    images:
      "0": {verdict: ALLOWED, rule: default, reasonKinds: [attested]}

- name: an image without the security-scan attestation is blocked
  images: [${WORKER_REF}]
  context: {namespace: payments}
  expect:
    decision: blocked
    images:
      "0": {verdict: DENIED, rule: default, reasonKinds: [noAttestation]}

- name: staging needs only the CI attestation
  images: [${WORKER_REF}]
  context: {namespace: staging}
  expect:
    allowed: true
    images:
      "0": {verdict: ALLOWED, rule: namespace}

- name: allowlisted base images need no attestation
  images: [us-docker.pkg.dev/acme/base-images/migrate:1.2]
  expect:
    allowed: true
    images:
      "0": {verdict: ALLOWED, stage: allowlist}

- name: the deployment is blocked by its worker image
  object: deployment.yaml
  expect:
    allowed: false
    images:
      ${WORKER_REF}: {verdict: DENIED}
`;

/** A BinauthzError of the test file with its code and the field at fault. */
function describeTestError(e) {
  if (e && e.name === "BinauthzError" && e.path && !e.message.includes(e.path)) {
    return `${e.path}: ${e.message}  [code: ${e.code}]`;
  }
  return describeError(e);
}

function caseItem(c) {
  const item = el("li", c.status, el("span", "badge", c.status === "passed" ? "PASS" : c.status === "failed" ? "FAIL" : "ERROR"), el("span", "name", c.name));
  item.dataset.testid = "case";
  item.dataset.status = c.status;
  if (c.mismatches?.length) {
    const table = el("table", "mismatches", el("thead", null, el("tr", null, el("th", null, "field"), el("th", null, "expected"), el("th", null, "actual"))));
    const body = el("tbody");
    for (const m of c.mismatches) {
      body.append(el("tr", null, el("td", null, el("code", null, m.field)), el("td", null, m.expected), el("td", null, m.actual)));
    }
    table.append(body);
    item.append(table);
  }
  if (c.error) item.append(el("p", "case-error", c.error));
  return item;
}

function runPolicyTests() {
  const suite = $("tests").value;
  if (!suite.trim()) {
    setStatus("tests-status", "", "no test file");
    $("tests-out").replaceChildren();
    return;
  }
  // The files a test file may name, from the editors (a test file's own paths are its business).
  const files = {
    "policy.yaml": $("policy").value,
    "attestors.yaml": $("attestors").value,
    "attestations.json": $("attestations").value,
    "deployment.yaml": $("manifest").value,
  };
  let result;
  try {
    result = binauthz.runTests(suite, files, "policy_test.yaml");
  } catch (e) {
    setStatus("tests-status", "error", describeTestError(e));
    $("tests-out").replaceChildren();
    return;
  }
  const summary = `${result.passed} passed, ${result.failed} failed, ${result.errors} error${result.errors === 1 ? "" : "s"}`;
  setStatus("tests-status", result.failed || result.errors ? "error" : "ok", (result.failed || result.errors ? "✗ " : "✓ ") + summary);
  $("tests-out").replaceChildren(...result.cases.map(caseItem));
}

// ---- check-based platform policies (spec/README.md §15): evaluatePlatformPolicy ----

const PLATFORM_VERDICT = { CONFORMANT: "allowed", NON_CONFORMANT: "blocked", ERROR: "error" };

function describePlatformPolicy(p) {
  const sets = p.checkSets.map((s) => `${s.displayName ?? `set ${s.scope}`} (${s.scope === "*" ? "every other pod" : s.scope}: ${s.checks.length} check${s.checks.length === 1 ? "" : "s"})`);
  const allow = p.allowPatterns.length ? `, ${p.allowPatterns.length} allowlist pattern(s)` : "";
  return `✓ ${p.name ?? "platform policy"}: ${sets.join("; ") || "no check sets"}${allow}`;
}

function badge(verdict) {
  const node = el("span", "badge", verdict.replaceAll("_", " "));
  node.dataset.testid = "verdict";
  return node;
}

function checkItem(check) {
  const verdict = check.evaluationResult?.verdict ?? "CONFORMANT";
  const name = check.displayName ? `${check.displayName} (${check.type})` : check.type;
  const item = el("li", `verdict-${verdict}`, badge(verdict), " ", el("span", "name", name), ": ", check.explanation);
  item.dataset.testid = "check";
  return item;
}

function imageResultItem(image) {
  const item = el("li", `verdict-${image.verdict}`, badge(image.verdict), " ", el("code", "ref", image.imageUri));
  item.dataset.testid = "image-result";
  item.dataset.image = image.imageUri;
  const set = image.checkSetResult;
  if (image.allowlistResult) item.append(" allowlisted by ", el("code", null, image.allowlistResult.matchedPattern));
  if (set) item.append(el("span", "muted", ` · check set ${set.index}${set.displayName ? ` (${set.displayName})` : ""}`));
  const why = image.explanation ?? set?.explanation;
  if (why) item.append(el("p", "muted", why));
  if (set?.checkResults) item.append(el("ul", "checks", ...set.checkResults.results.map(checkItem)));
  return item;
}

function podCard(pod) {
  const card = el("article", `image pod verdict-${pod.verdict}`);
  card.dataset.testid = "pod";
  card.dataset.pod = `${pod.kubernetesNamespace}/${pod.podName ?? ""}`;
  card.append(
    el("header", null, badge(pod.verdict), el("code", "ref", `${pod.kubernetesNamespace}/${pod.podName ?? "(unnamed)"}`), el("span", "muted", ` service account ${pod.kubernetesServiceAccount}`)),
    el("ul", "reasons", ...(pod.imageResults ?? []).map(imageResultItem)),
  );
  return card;
}

function showPlatformResponse(response, lint) {
  const overall = $("overall");
  overall.className = `overall ${PLATFORM_VERDICT[response.verdict]}`;
  const count = (v) => response.results.filter((p) => p.verdict === v).length;
  const pods = response.results.length;
  overall.replaceChildren(
    el("strong", null, response.verdict.replaceAll("_", " ")),
    el("span", "message", `${pods} pod${pods === 1 ? "" : "s"}: ${count("CONFORMANT")} conformant, ${count("NON_CONFORMANT")} non-conformant, ${count("ERROR")} could not be evaluated`),
  );
  overall.dataset.allowed = String(response.verdict === "CONFORMANT");
  overall.dataset.verdict = response.verdict;
  $("warnings").replaceChildren(...lint.map(lintItem));
  $("images-out").replaceChildren(...(response.results ?? []).map(podCard));
  $("audit-box").hidden = true;
}

function evaluatePlatform() {
  const policy = $("platform-policy").value;
  const request = $("platform-request").value;
  setStatus("platform-request-status", "", "");
  try {
    setStatus("platform-policy-status", "ok", describePlatformPolicy(binauthz.validatePlatformPolicy(policy)));
  } catch (e) {
    setStatus("platform-policy-status", "error", describeError(e));
    showNoDecision("fix the platform policy first (see the message under the editor)");
    return;
  }
  // Valid, but probably not what the author meant (spec/lint.md §2a).
  let lint;
  try {
    lint = binauthz.lintPlatformPolicy(policy);
  } catch (e) {
    lint = [{ message: describeError(e) }];
  }
  try {
    const response = binauthz.evaluatePlatformPolicy(policy, request);
    setStatus("platform-request-status", "ok", "✓ read");
    showPlatformResponse(response, lint);
  } catch (e) {
    setStatus("platform-request-status", "error", describeError(e));
    showNoDecision("fix the pods and evidence first (see the message under the editor)");
  }
}

// ---- the loop: re-evaluate shortly after every edit ----

function evaluate() {
  if (kind() === "platform") {
    evaluatePlatform();
    document.body.dataset.state = "ready";
    document.body.dataset.evaluations = String(Number(document.body.dataset.evaluations ?? 0) + 1);
    return;
  }
  for (const id of ["attestations-status", "workload-status"]) setStatus(id, "", "");
  const { engine, lint } = compile();
  let work = null;
  try {
    work = workload();
  } catch (e) {
    setStatus("workload-status", "error", describeError(e));
  }
  if (!engine) {
    showNoDecision("fix the policy or attestors first (see the message under the editor)");
  } else if (!work) {
    showNoDecision("fix the workload first (see the message under the editor)");
  } else {
    const attestations = $("attestations").value;
    try {
      const decision = engine.evaluateImages(work.images, attestations.trim() ? attestations : null, work.context);
      setStatus("attestations-status", "ok", attestations.trim() ? "✓ read" : "none given");
      showDecision(decision, work.containers, lint);
    } catch (e) {
      const target = e?.path?.startsWith("attestations") ? "attestations-status" : "workload-status";
      setStatus(target, "error", describeError(e));
      showNoDecision("fix the request first (see the message under the editor)");
    }
  }
  runPolicyTests();
  document.body.dataset.state = "ready";
  document.body.dataset.evaluations = String(Number(document.body.dataset.evaluations ?? 0) + 1);
}

let timer = null;
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(evaluate, 150);
}

/** Shows the editors of the policy kind chosen; the other kind's text is kept for switching back. */
function applyKind() {
  for (const node of document.querySelectorAll("[data-kind]")) node.hidden = node.dataset.kind !== kind();
}

function applyMode() {
  const manifest = mode() === "manifest";
  $("manifest").hidden = !manifest;
  $("images").hidden = manifest;
  for (const id of ["namespace", "serviceAccount"]) $(id).disabled = manifest;
  $("context-note").textContent = manifest
    ? "With a Kubernetes object, its namespace, service account and break-glass label apply; the cluster and Istio identity come from here. A Cloud Run service or job has none of these: only the default rule applies."
    : "";
}

async function main() {
  await init();
  const pgp = binauthz.features().includes("pgp");
  $("version").textContent = `binauthz ${binauthz.version()}${pgp ? "" : " (this build does not verify PGP keys)"}`;
  $("policy").value = examples.policy;
  $("attestors").value = examples.attestors;
  $("attestations").value = examples.attestations;
  $("manifest").value = examples.manifest;
  $("tests").value = EXAMPLE_TESTS;
  $("platform-policy").value = examples.platformPolicy;
  $("platform-request").value = examples.platformRequest;
  const pod = binauthz.extractImages(examples.manifest);
  $("images").value = pod.images.join("\n");
  $("namespace").value = pod.context.namespace ?? "";
  for (const id of EDITORS.concat(CONTEXT_FIELDS)) $(id).addEventListener("input", schedule);
  $("breakglass").addEventListener("change", schedule);
  $("assumeEnabled").addEventListener("change", schedule);
  $("example").addEventListener("change", () => {
    $("manifest").value = examples[$("example").value];
    $("mode-manifest").checked = true;
    applyMode();
    schedule();
  });
  for (const radio of document.querySelectorAll('input[name="mode"]')) {
    radio.addEventListener("change", () => {
      applyMode();
      schedule();
    });
  }
  for (const radio of document.querySelectorAll('input[name="kind"]')) {
    radio.addEventListener("change", () => {
      applyKind();
      evaluate();
    });
  }
  applyKind();
  applyMode();
  evaluate();
}

main().catch((e) => {
  document.body.dataset.state = "failed";
  showNoDecision(`the engine could not be loaded: ${e}`);
  console.error(e);
});
