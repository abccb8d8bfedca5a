// Every case in spec/conformance/platform/cases/ (check-based platform policies, spec §15)
// through the WebAssembly package, compared as binauthz-core/tests/platform_conformance.rs
// compares them: an expected error by its stage, code and path; otherwise the
// EvaluateGkePolicyResponse and the CV events deep-equal to the case's. (The `expect` projection
// is the Rust runner's alone.) Then the API's own paths: documents as objects, errors as
// BinauthzError, CV's configErrorEvent for a policy that cannot be read, and lintPlatformPolicy
// (spec/lint.md §2a).
// BINAUTHZ_PLATFORM_CASES runs another directory; one without cases fails.
const test = require("node:test");
const assert = require("node:assert/strict");
const { binauthz, nopgp, platformCases, attempt, example } = require("./helpers.cjs");

const cases = platformCases();

/** The request as the spec hands it to the engine: the object serialized as JSON, or the text. */
function requestOf(c) {
  assert.ok(("request" in c) !== ("requestText" in c), "case needs exactly one of request and requestText");
  return "request" in c ? JSON.stringify(c.request) : c.requestText;
}

function check(c, module = binauthz) {
  assert.equal(typeof c.policyText, "string", "case needs policyText");
  assert.ok(("expectError" in c) !== ("response" in c), "case needs exactly one of expectError and response");
  const request = requestOf(c);
  const outcome = attempt(() => module.evaluatePlatformPolicy(c.policyText, request));
  if (c.expectError) {
    assert.ok(outcome.error, `expected an error, got a response: ${JSON.stringify(outcome.value)}`);
    const e = outcome.error;
    assert.equal(e.name, "BinauthzError", String(e));
    assert.deepStrictEqual({ stage: e.stage, code: e.code, path: e.path }, c.expectError, e.message);
    return;
  }
  assert.ok("cvEvents" in c, "a case with a response needs cvEvents");
  assert.ifError(outcome.error);
  assert.deepStrictEqual(outcome.value, c.response, "response");
  assert.deepStrictEqual(module.platformCvEvents(c.policyText, request), c.cvEvents, "cvEvents");
}

test("there are platform conformance cases to run", () => {
  assert.ok(cases.length > 0);
});

for (const c of cases) {
  test(`platform conformance ${c.file}`, () => check(c));
}

// No platform check kind needs PGP: the browser's engine must answer every case identically.
if (nopgp) {
  for (const c of cases) {
    test(`platform conformance (browser build, no PGP) ${c.file}`, () => check(c, nopgp));
  }
} else {
  test("platform conformance (browser build)", { skip: "not built: run binauthz-wasm/build.sh" }, () => {});
}

const DENY = { gkePolicy: { checkSets: [{ displayName: "deny", checks: [{ displayName: "no", alwaysDeny: true }] }] } };
const POD = {
  object: { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "prod" }, spec: { containers: [{ name: "c", image: "gcr.io/acme/app:1" }] } },
};
// Two errors: an unknown field in a check, a service account without its namespace.
const INVALID = { gkePolicy: { checkSets: [{ scope: { kubernetesServiceAccount: "sa" }, checks: [{ alwaysDenyy: true }] }, { checks: [] }] } };

test("platform policies: documents as objects or text come out the same", () => {
  const summary = binauthz.validatePlatformPolicy(DENY);
  assert.deepStrictEqual(summary, binauthz.validatePlatformPolicy(JSON.stringify(DENY)));
  assert.deepStrictEqual(summary.checkSets, [{ displayName: "deny", scope: "*", allowPatterns: [], checks: [{ displayName: "no", type: "AlwaysDeny", allowPatterns: [] }] }]);
  const response = binauthz.evaluatePlatformPolicy(DENY, POD);
  assert.equal(response.verdict, "NON_CONFORMANT");
  assert.deepStrictEqual(binauthz.evaluatePlatformPolicy(JSON.stringify(DENY), JSON.stringify(POD)), response);
  const events = binauthz.platformCvEvents(DENY, POD);
  assert.equal(events.length, 1);
  assert.equal(events[0].podEvent.pod, "web");
  assert.deepStrictEqual(binauthz.platformCvEvents(JSON.stringify(DENY), JSON.stringify(POD)), events);
});

test("platform policies: errors are BinauthzErrors with the core's report", () => {
  const invalid = attempt(() => binauthz.validatePlatformPolicy(INVALID)).error;
  assert.equal(invalid.name, "BinauthzError");
  assert.equal(invalid.stage, "config");
  assert.equal(invalid.code, "invalid");
  assert.ok(invalid.errors.length >= 2, JSON.stringify(invalid.errors));
  assert.ok(invalid.errors.every((d) => d.document === "platform policy"), JSON.stringify(invalid.errors));
  const evaluated = attempt(() => binauthz.evaluatePlatformPolicy(INVALID, POD)).error;
  assert.deepStrictEqual(
    [evaluated.stage, evaluated.code, evaluated.path, evaluated.message, evaluated.errors],
    [invalid.stage, invalid.code, invalid.path, invalid.message, invalid.errors],
  );
  // CV logs a policy it cannot read instead of failing: one configErrorEvent with its message.
  const events = binauthz.platformCvEvents(INVALID, POD);
  assert.equal(events.length, 1);
  assert.equal(events[0].configErrorEvent.description, invalid.message);
  // A request that cannot be read is an error, for both.
  for (const call of [binauthz.evaluatePlatformPolicy, binauthz.platformCvEvents]) {
    const e = attempt(() => call(DENY, "object: [")).error;
    assert.deepStrictEqual([e.name, e.stage, e.code], ["BinauthzError", "request", "syntax"], e.message);
    const missing = attempt(() => call(DENY, undefined)).error;
    assert.deepStrictEqual([missing.name, missing.stage], ["BinauthzError", "request"], missing.message);
  }
  // Arguments that are not documents at all are thrown, even by platformCvEvents.
  const notDocument = attempt(() => binauthz.platformCvEvents(undefined, POD)).error;
  assert.deepStrictEqual([notDocument.name, notDocument.stage, notDocument.code], ["BinauthzError", "config", "invalid"]);
  // A policy too large to copy in is the core's `limit`: thrown by validate, logged by CV.
  const huge = `gkePolicy: {}\n#${"x".repeat(3 << 20)}`;
  const tooLarge = attempt(() => binauthz.validatePlatformPolicy(huge)).error;
  assert.deepStrictEqual([tooLarge.stage, tooLarge.code], ["config", "limit"], tooLarge.message);
  const logged = binauthz.platformCvEvents(huge, POD);
  assert.equal(logged.length, 1);
  assert.equal(logged[0].configErrorEvent.description, tooLarge.message);
});

// An empty check set (BZ050) before a catch-all set that denies.
const EMPTY_SET = { gkePolicy: { checkSets: [{ scope: { kubernetesNamespace: "dev" }, checks: [] }, { checks: [{ alwaysDeny: true }] }] } };

test("lintPlatformPolicy: the findings, as lintPolicy's; an invalid policy is validate's error", () => {
  // The worked example: exactly one finding, BZ051 (imageFreshnessCheck needs upload times).
  const findings = binauthz.lintPlatformPolicy(example("platform/platform-policy.yaml"));
  assert.deepStrictEqual(findings.map((f) => f.code), ["BZ051"], JSON.stringify(findings));
  assert.deepStrictEqual(Object.keys(findings[0]).sort(), ["attestor", "code", "fix", "message", "path", "severity"]);
  // An empty check set: BZ050 at its path, the same for the object and its text.
  const empty = binauthz.lintPlatformPolicy(EMPTY_SET);
  assert.deepStrictEqual(empty.map((f) => [f.code, f.severity, f.path]), [["BZ050", "warning", "gkePolicy.checkSets[0].checks"]]);
  assert.deepStrictEqual(binauthz.lintPlatformPolicy(JSON.stringify(EMPTY_SET)), empty);
  assert.deepStrictEqual(binauthz.lintPlatformPolicy(DENY), []);
  // An invalid policy: validatePlatformPolicy's BinauthzError, stage config.
  const invalid = attempt(() => binauthz.validatePlatformPolicy(INVALID)).error;
  const linted = attempt(() => binauthz.lintPlatformPolicy(INVALID)).error;
  assert.equal(linted.name, "BinauthzError");
  assert.deepStrictEqual(
    [linted.stage, linted.code, linted.path, linted.message, linted.errors],
    [invalid.stage, invalid.code, invalid.path, invalid.message, invalid.errors],
  );
  assert.equal(linted.stage, "config");
  // Not a document, and too large: thrown as validate throws them.
  const notDocument = attempt(() => binauthz.lintPlatformPolicy(undefined)).error;
  assert.deepStrictEqual([notDocument.name, notDocument.stage, notDocument.code], ["BinauthzError", "config", "invalid"]);
  const tooLarge = attempt(() => binauthz.lintPlatformPolicy(`gkePolicy: {}\n#${"x".repeat(3 << 20)}`)).error;
  assert.deepStrictEqual([tooLarge.stage, tooLarge.code], ["config", "limit"], tooLarge.message);
  if (nopgp) assert.deepStrictEqual(nopgp.lintPlatformPolicy(EMPTY_SET), empty);
});
