// The JavaScript API on the shipped examples (spec/examples/README.md gives the expected outcomes).
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { binauthz, example, ROOT, API, WORKER, MIGRATE } = require("./helpers.cjs");

const { Engine } = binauthz;
const policy = example("policy.yaml");
const attestors = example("attestors.yaml");
const attestations = example("attestations.json");
const deployment = example("deployment.yaml");
const engine = Engine.fromPolicy(policy, attestors);

const verdicts = (decision) => decision.images.map((i) => i.verdict);
const kinds = (image) => [...new Set(image.reasons.map((r) => r.kind))].sort();

test("version() is the workspace version", () => {
  const cargo = fs.readFileSync(path.join(ROOT, "Cargo.toml"), "utf8");
  const version = /\[workspace\.package\][^[]*?version = "([^"]+)"/.exec(cargo)[1];
  assert.equal(binauthz.version(), version);
});

test("Engine.fromPolicy compiles the example documents", () => {
  assert.equal(engine.policyName, "projects/acme/policy");
  assert.deepStrictEqual(engine.attestorNames, [
    "projects/acme/attestors/built-by-ci",
    "projects/acme/attestors/security-scan",
  ]);
});

test("the example pod is blocked: the worker lacks the security-scan attestation", () => {
  const decision = engine.evaluateImages([MIGRATE, API, WORKER], attestations, { namespace: "payments" });
  assert.equal(decision.allowed, false);
  assert.deepStrictEqual(verdicts(decision), ["ALLOWED", "ALLOWED", "DENIED"]);
  const [migrate, api, worker] = decision.images;
  assert.equal(migrate.stage, "allowlist");
  assert.equal(migrate.matchedPattern, "us-docker.pkg.dev/acme/base-images/**");
  assert.deepStrictEqual(kinds(api), ["attested"]);
  assert.deepStrictEqual(kinds(worker), ["attested", "noAttestation"]);
  assert.match(decision.message, /^Image us-docker\.pkg\.dev\/acme\/payments\/worker@sha256:f902.* denied by Binary Authorization default admission rule\. /);
  assert.equal(decision.audit.images.length, 3);
});

test("namespace staging: the dry-run rule admits the worker, and a tag as DRY_RUN_VIOLATION", () => {
  const decision = engine.evaluateImages([WORKER, "us-docker.pkg.dev/acme/payments/api:v1.4.2"], attestations, {
    namespace: "staging",
  });
  assert.equal(decision.allowed, true);
  assert.deepStrictEqual(verdicts(decision), ["ALLOWED", "DRY_RUN_VIOLATION"]);
  assert.deepStrictEqual(decision.images[0].rule, {
    kind: "namespace",
    key: "staging",
    evaluationMode: "REQUIRE_ATTESTATION",
    enforcementMode: "DRYRUN_AUDIT_LOG_ONLY",
  });
  assert.deepStrictEqual(kinds(decision.images[1]), ["tagReference"]);
  assert.equal(decision.audit.labels["imagepolicywebhook.image-policy.k8s.io/dry-run"], "true");
});

test("system images and breakglass", () => {
  const decision = engine.evaluateImages(["gke.gcr.io/kube-proxy:v1", WORKER], null, { breakglass: true });
  assert.equal(decision.allowed, true);
  assert.equal(decision.breakglass, true);
  assert.deepStrictEqual(verdicts(decision), ["ALLOWED", "BREAKGLASS"]);
  assert.equal(decision.images[0].matchedPattern, "gke.gcr.io/**");
});

test("extractImages reads the Deployment; evaluating its images gives the pod's decision", () => {
  const pod = binauthz.extractImages(deployment);
  assert.equal(pod.kind, "Deployment");
  assert.equal(pod.name, "payments");
  assert.deepStrictEqual(pod.images, [API, WORKER, MIGRATE]);
  assert.deepStrictEqual(pod.containers.map((c) => c.type), ["CONTAINER", "CONTAINER", "INIT_CONTAINER"]);
  assert.deepStrictEqual(pod.context, { namespace: "payments", serviceAccount: "payments", breakglass: false });
  const decision = engine.evaluateImages(pod.images, attestations, pod.context);
  assert.deepStrictEqual(verdicts(decision), ["ALLOWED", "DENIED", "ALLOWED"]);
});

test("evaluate() takes the request shape, with images or a Kubernetes object, as text or objects", () => {
  const occurrences = JSON.parse(attestations);
  const byImages = engine.evaluate({ images: [API, WORKER], attestations: occurrences });
  assert.deepStrictEqual(verdicts(byImages), ["ALLOWED", "DENIED"]);
  assert.deepStrictEqual(engine.evaluate(JSON.stringify({ images: [API, WORKER], attestations: occurrences })), byImages);

  const pod = {
    apiVersion: "v1",
    kind: "Pod",
    metadata: { name: "api", namespace: "staging", labels: { "image-policy.k8s.io/break-glass": "true" } },
    spec: { containers: [{ name: "api", image: "us-docker.pkg.dev/acme/payments/api:v1.4.2" }] },
  };
  const byObject = engine.evaluate({ object: pod, attestations: occurrences });
  assert.equal(byObject.breakglass, true);
  assert.equal(byObject.audit.context.namespace, "staging");
  assert.deepStrictEqual(verdicts(byObject), ["BREAKGLASS"]);

  const review = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "1", namespace: "payments", object: { ...pod, metadata: { name: "api" } } },
  };
  const byReview = engine.evaluate({ object: review });
  assert.equal(byReview.audit.context.namespace, "payments");
  assert.deepStrictEqual(verdicts(byReview), ["DENIED"]);
  assert.deepStrictEqual(binauthz.extractImages(review).images, ["us-docker.pkg.dev/acme/payments/api:v1.4.2"]);
});

test("text that is not an image reference is an image of its own, denied with invalidReference (spec section 4)", () => {
  const template = "us-docker.pkg.dev/{{ .Project }}/payments/api@" + API.split("@")[1];
  const decision = engine.evaluateImages([API, template, "has space"], attestations);
  assert.deepStrictEqual(verdicts(decision), ["ALLOWED", "DENIED", "DENIED"]);
  assert.deepStrictEqual(kinds(decision.images[1]), ["invalidReference"]);
  assert.equal(decision.images[1].image, template);
  assert.equal(decision.images[1].digest, null);
  assert.equal(
    decision.images[1].denial,
    `Image \`${template}\` denied by Binary Authorization default admission rule. Invalid image reference: it contains a space (an unrendered template?)`,
  );
  const review = {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    request: { uid: "2", namespace: "payments", object: { kind: "Pod", spec: { containers: [{ name: "api", image: template }, { name: "none" }] } } },
  };
  assert.deepStrictEqual(binauthz.extractImages(review).images, [template, ""]);
  const byReview = engine.evaluate({ object: review, attestations: JSON.parse(attestations) });
  assert.deepStrictEqual(byReview.images.map(kinds), [["invalidReference"], ["invalidReference"]]);
});

test("new Engine(config) takes the config shape as an object, JSON text or YAML text", () => {
  const config = {
    policy: {
      name: "projects/p/policy",
      defaultAdmissionRule: { evaluationMode: "ALWAYS_DENY", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" },
      admissionWhitelistPatterns: [{ namePattern: "gcr.io/p/ok/**" }],
    },
  };
  const yaml = [
    "policy:",
    "  name: projects/p/policy",
    "  defaultAdmissionRule: {evaluationMode: ALWAYS_DENY, enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG}",
    "  admissionWhitelistPatterns:",
    "  - namePattern: gcr.io/p/ok/**",
  ].join("\n");
  const request = { images: ["gcr.io/p/app:1", "gcr.io/p/ok/x:1"] };
  const decisions = [config, JSON.stringify(config), yaml].map((c) => new Engine(c).evaluate(request));
  for (const d of decisions) {
    assert.deepStrictEqual(verdicts(d), ["DENIED", "ALLOWED"]);
    assert.deepStrictEqual(d, decisions[0]);
  }
  assert.equal(decisions[0].images[0].reasons[0].kind, "alwaysDeny");
  assert.equal(decisions[0].images[0].denial, "Image gcr.io/p/app:1 denied by Binary Authorization default admission rule. Denied by always_deny admission rule");
});

test("validatePolicy and validateAttestors report what the engine understood", () => {
  const p = binauthz.validatePolicy(policy);
  assert.equal(p.name, "projects/acme/policy");
  assert.equal(p.globalPolicyEvaluationMode, "ENABLE");
  assert.deepStrictEqual(p.admissionWhitelistPatterns, ["us-docker.pkg.dev/acme/base-images/**"]);
  assert.deepStrictEqual(p.defaultAdmissionRule.requireAttestationsBy, [
    "projects/acme/attestors/built-by-ci",
    "projects/acme/attestors/security-scan",
  ]);
  assert.equal(p.specificRules.kind, "namespace");
  assert.equal(p.specificRules.field, "kubernetesNamespaceAdmissionRules");
  assert.deepStrictEqual(p.specificRules.rules.map((r) => [r.key, r.enforcementMode]), [["staging", "DRYRUN_AUDIT_LOG_ONLY"]]);
  assert.deepStrictEqual(binauthz.validatePolicy({ defaultAdmissionRule: { evaluationMode: "ALWAYS_ALLOW", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" } }).specificRules, null);

  const a = binauthz.validateAttestors(attestors);
  assert.deepStrictEqual(a.map((x) => x.name), ["projects/acme/attestors/built-by-ci", "projects/acme/attestors/security-scan"]);
  assert.equal(a[1].noteReference, "projects/acme/notes/security-scan");
  assert.deepStrictEqual(a[1].publicKeys.map((k) => [k.id, k.signatureAlgorithm]), [
    ["ni:///sha-256;NUvkVLjvbQ_HbWbZy16K2HnJWV0Stc1v1MeDFfBItgA", "RSA_PSS_3072_SHA256"],
  ]);
});

test("createSignaturePayload is byte-identical to the payloads the example attestations signed", () => {
  const occurrences = JSON.parse(attestations);
  assert.ok(occurrences.length >= 2);
  for (const o of occurrences) {
    const image = o.resourceUri.replace(/^https?:\/\//, "");
    const signed = Buffer.from(o.attestation.serializedPayload, "base64").toString("utf8");
    assert.equal(binauthz.createSignaturePayload(image), signed, image);
  }
  // gcloud drops a tag and a scheme
  assert.equal(
    binauthz.createSignaturePayload(`https://us-docker.pkg.dev/acme/payments/api:v1@${API.split("@")[1]}`),
    binauthz.createSignaturePayload(API),
  );
});

test("lintPolicy reports the core's findings; features() says what the build has", () => {
  assert.deepStrictEqual(binauthz.features(), ["pgp"]);
  const findings = binauthz.lintPolicy(policy, attestors);
  assert.ok(Array.isArray(findings));
  for (const f of findings) assert.deepStrictEqual(Object.keys(f).sort(), ["attestor", "code", "fix", "message", "path", "severity"]);
  const loose = binauthz.lintPolicy({ defaultAdmissionRule: { evaluationMode: "ALWAYS_ALLOW", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" } });
  const first = loose.find((f) => f.code === "BZ001");
  assert.ok(first, JSON.stringify(loose));
  assert.equal(first.severity, "warning");
  assert.equal(first.path, "defaultAdmissionRule.evaluationMode");
  assert.equal(first.attestor, null);
});

test("an engine survives many evaluations and errors, and is freed", () => {
  const e = Engine.fromPolicy(policy, attestors);
  for (let i = 0; i < 300; i++) {
    if (i % 3 === 0) assert.throws(() => e.evaluateImages([], attestations), { code: "invalid" });
    else assert.equal(e.evaluateImages([API], attestations).allowed, true);
  }
  e.free();
  assert.throws(() => e.evaluateImages([API]), Error);
});

test("the verification cache: counted, resizable, and never changes a decision (spec §7.1)", () => {
  const own = Engine.fromPolicy(policy, attestors);
  const evaluate = () => own.evaluateImages([API], attestations, { namespace: "payments" });
  const outcome = ({ diagnostics, ...rest }) => rest;
  const first = evaluate();
  const checks = first.diagnostics.cacheMisses;
  assert.ok(checks >= 1, JSON.stringify(first.diagnostics));
  const second = evaluate();
  // The budget is charged the same cold or warm (spec §7.2).
  const budget = ({ signatureChecks, checksNotTried, verificationCost, reasonsOmitted }) =>
    ({ signatureChecks, checksNotTried, verificationCost, reasonsOmitted });
  assert.ok(first.diagnostics.verificationCost > 0, JSON.stringify(first.diagnostics));
  assert.deepStrictEqual(second.diagnostics, { cacheHits: checks, cacheMisses: 0, reusedAttestorChecks: 0, ...budget(first.diagnostics) });
  assert.deepStrictEqual(outcome(second), outcome(first));
  assert.deepStrictEqual(own.cacheStats(), { capacity: 10000, entries: checks, hits: checks, misses: checks, evictions: 0 });

  own.setCacheCapacity(0);
  assert.deepStrictEqual(own.cacheStats(), { capacity: 0, entries: 0, hits: 0, misses: 0, evictions: 0 });
  const uncached = [evaluate(), evaluate()];
  for (const d of uncached) {
    assert.deepStrictEqual(d.diagnostics, { cacheHits: 0, cacheMisses: checks, reusedAttestorChecks: 0, ...budget(first.diagnostics) });
    assert.deepStrictEqual(outcome(d), outcome(first));
  }
  assert.equal(own.cacheStats().misses, 2 * checks);

  for (const bad of [-1, 0.5, 1e7, Number.NaN, Infinity]) {
    assert.throws(
      () => own.setCacheCapacity(bad),
      (e) => e.name === "BinauthzError" && e.code === "invalid" && e.stage === "config" && /^invalid cacheEntries: expected a whole number from 0 to 1000000/.test(e.message),
      String(bad),
    );
  }
  assert.equal(own.cacheStats().capacity, 0, "a refused size leaves the cache as it was");
});

test("readAttestations files each occurrence under its digest; an image's own give its decision", () => {
  const split = binauthz.readAttestations(attestations);
  const all = JSON.parse(attestations);
  assert.equal(split.entries.length, all.length);
  assert.deepStrictEqual(split.notes, []);
  split.entries.forEach((entry, i) => {
    assert.equal(entry.digest, all[i].resourceUri.split("@").pop());
    assert.deepStrictEqual(entry.occurrence, all[i]);
  });
  for (const image of [API, WORKER]) {
    const own = split.entries.filter((e) => e.digest === image.split("@").pop()).map((e) => e.occurrence);
    const withOwn = engine.evaluateImages([image], JSON.stringify(own), { namespace: "payments" });
    const withAll = engine.evaluateImages([image], attestations, { namespace: "payments" });
    assert.deepStrictEqual(withOwn.images, withAll.images);
  }
  // An occurrence filed against a tag concerns no digest; a document that is not one is an error.
  const tagged = binauthz.readAttestations([{ kind: "ATTESTATION", resourceUri: "https://gcr.io/p/a:1", noteName: "projects/p/notes/n" }]);
  assert.equal(tagged.entries[0].digest, null);
  assert.throws(() => binauthz.readAttestations("[1]"), (e) => e.name === "BinauthzError" && e.code === "invalid" && e.path === "[0]");
  // Hostile documents: nested 100,000 deep, one byte over 8 MiB, a key given twice.
  const refused = (doc, code) => assert.throws(() => binauthz.readAttestations(doc), (e) => e.name === "BinauthzError" && e.code === code);
  refused("[".repeat(100000), "limit");
  refused(`["${"a".repeat(8 * 1024 * 1024)}"]`, "limit");
  refused('[{"kind": "ATTESTATION", "resourceUri": "a", "resourceUri": "b"}]', "syntax");
});
