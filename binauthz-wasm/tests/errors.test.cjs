// Bad input must throw a BinauthzError with a stable code and stage — never crash the module,
// never return a decision, and never leave the engine unusable.
const test = require("node:test");
const assert = require("node:assert/strict");
const { binauthz, nopgp, example, API } = require("./helpers.cjs");

const { Engine } = binauthz;
const policy = example("policy.yaml");
const attestors = example("attestors.yaml");
const attestations = example("attestations.json");
const engine = Engine.fromPolicy(policy, attestors);
const DENY = { defaultAdmissionRule: { evaluationMode: "ALWAYS_DENY", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" } };

/** Asserts that fn throws a BinauthzError with these properties. */
function throwsBinauthz(fn, { code, stage, path, message }) {
  let error;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  assert.ok(error, "expected a throw");
  assert.ok(error instanceof Error, `not an Error: ${error}`);
  assert.equal(error.name, "BinauthzError", `${error.name}: ${error.message}`);
  assert.equal(error.code, code, error.message);
  assert.equal(error.stage, stage, error.message);
  assert.equal(typeof error.path, "string");
  if (path !== undefined) assert.equal(error.path, path, error.message);
  if (message !== undefined) assert.match(error.message, message);
  return error;
}

test("invalid YAML and JSON are syntax errors", () => {
  throwsBinauthz(() => new Engine("policy: [unclosed"), { code: "syntax", stage: "config", message: /^invalid config: invalid YAML/ });
  throwsBinauthz(() => new Engine('{"policy": '), { code: "syntax", stage: "config", message: /invalid JSON/ });
  throwsBinauthz(() => new Engine(""), { code: "syntax", stage: "config", message: /empty/ });
  throwsBinauthz(() => Engine.fromPolicy("a: b: c"), { code: "syntax", stage: "config", message: /^invalid policy: invalid YAML/ });
  throwsBinauthz(() => Engine.fromPolicy(policy, "- [oops"), { code: "syntax", stage: "config", message: /^invalid attestors: / });
  throwsBinauthz(() => engine.evaluate("images: [a"), { code: "syntax", stage: "request" });
  throwsBinauthz(() => engine.evaluateImages([API], "[{"), { code: "syntax", stage: "request", path: "attestations" });
  throwsBinauthz(() => binauthz.extractImages("kind: [Pod"), { code: "syntax", stage: "request" });
  throwsBinauthz(() => binauthz.validatePolicy("}{"), { code: "syntax", stage: "config" });
  throwsBinauthz(() => binauthz.validateAttestors(":"), { code: "syntax", stage: "config" });
});

test("every error of a policy is reported, the first one as the error itself", () => {
  const e = throwsBinauthz(() => binauthz.validatePolicy("defaultAdmissionRule: {evaluationMode: NOPE, enforcementMode: NOPE}\nsurprise: 1"), {
    code: "invalid",
    stage: "config",
    message: /^invalid policy: .*\(and \d+ more errors?\)$/,
  });
  assert.ok(e.errors.length >= 2, JSON.stringify(e.errors));
  assert.equal(e.errors[0].path, e.path);
  for (const d of e.errors) assert.deepStrictEqual(Object.keys(d).sort(), ["code", "document", "message", "path"]);
  // One shape for every error: a call that stops at the first error reports that one.
  const one = throwsBinauthz(() => new Engine("policy: {}"), { code: "invalid", stage: "config" });
  assert.equal(one.errors.length, 1);
  assert.deepStrictEqual([one.errors[0].code, one.errors[0].path, one.errors[0].document], [one.code, one.path, "config"]);
});

test("wrong types are invalid, with the field path", () => {
  throwsBinauthz(() => new Engine({ policy: { defaultAdmissionRule: { evaluationMode: 1, enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" } } }), {
    code: "invalid",
    stage: "config",
    path: "policy.defaultAdmissionRule.evaluationMode",
  });
  throwsBinauthz(() => new Engine({ policy: DENY, attestors: {} }), { code: "invalid", stage: "config", path: "attestors" });
  throwsBinauthz(() => new Engine({ policy: { ...DENY, surprise: true } }), { code: "invalid", stage: "config", message: /surprise/ });
  throwsBinauthz(() => new Engine({ policy: { defaultAdmissionRule: { evaluationMode: "REQUIRE_ATTESTATION", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG", requireAttestationsBy: ["projects/p/attestors/a"] } } }), {
    code: "reference",
    stage: "config",
  });
  throwsBinauthz(() => engine.evaluate({ images: "gcr.io/p/a:1" }), { code: "invalid", stage: "request", path: "images" });
  throwsBinauthz(() => engine.evaluate({ images: [1] }), { code: "invalid", stage: "request" });
  throwsBinauthz(() => engine.evaluate({ images: [] }), { code: "invalid", stage: "request", path: "images", message: /never admitted/ });
  throwsBinauthz(() => engine.evaluate({ images: [API], context: { namespace: 5 } }), { code: "invalid", stage: "request" });
  throwsBinauthz(() => engine.evaluate({ images: [API], attestations: {} }), { code: "invalid", stage: "request", path: "attestations" });
  throwsBinauthz(() => engine.evaluateImages("gcr.io/p/a:1"), { code: "invalid", stage: "request", path: "images" });
  throwsBinauthz(() => engine.evaluateImages([API], null, { nope: true }), { code: "invalid", stage: "request" });
  throwsBinauthz(() => engine.evaluateImages([API], null, "payments"), { code: "invalid", stage: "request" });
  throwsBinauthz(() => engine.evaluateImages([API], ["x"]), { code: "invalid", stage: "request", path: "attestations[0]" });
  throwsBinauthz(() => engine.evaluateImages(["a".repeat(4097)]), { code: "limit", stage: "request", path: "images[0]" });
  throwsBinauthz(() => engine.evaluate({ object: { kind: "Pod", spec: { containers: [{ image: { CONTAINER_PATH: null } }] } } }), {
    code: "invalid",
    stage: "request",
    path: "object.spec.containers[0].image",
    message: /`image` is a mapping \(an unrendered template such as `\{CONTAINER_PATH\}`\?\), expected a string/,
  });
  throwsBinauthz(() => binauthz.extractImages({ kind: "Service" }), { code: "invalid", stage: "request", path: "kind" });
  throwsBinauthz(() => binauthz.createSignaturePayload("gcr.io/p/a:1"), { code: "invalid", stage: "request", message: /no digest/ });
  throwsBinauthz(() => binauthz.createSignaturePayload("gcr.io/p/a@sha256:ABC"), { code: "invalid", stage: "request", message: /invalid digest/ });
  const pgpAttestor = [{ name: "projects/p/attestors/a", userOwnedGrafeasNote: { noteReference: "projects/p/notes/n", publicKeys: [{ asciiArmoredPgpPublicKey: "x" }] } }];
  throwsBinauthz(() => binauthz.validateAttestors(pgpAttestor), { code: "invalid", stage: "config", path: "[0].userOwnedGrafeasNote.publicKeys[0].asciiArmoredPgpPublicKey" });
  if (nopgp) throwsBinauthz(() => nopgp.validateAttestors(pgpAttestor), { code: "unsupported", stage: "config" });
  throwsBinauthz(() => engine.evaluateImages([API], null, null, "yesterday"), { code: "invalid", stage: "request", path: "evaluationTime" });
  throwsBinauthz(() => binauthz.lintPolicy("name: x"), { code: "invalid", stage: "config" });
});

test("JavaScript values that are not documents are invalid, not crashes", () => {
  const cyclic = {};
  cyclic.self = cyclic;
  for (const value of [undefined, null, 42, true, [], () => 1, Symbol("s"), 10n, cyclic, new Date(0)]) {
    throwsBinauthz(() => new Engine(value), { code: "invalid", stage: "config" });
    throwsBinauthz(() => engine.evaluate(value), { code: "invalid", stage: "request" });
    throwsBinauthz(() => binauthz.validatePolicy(value), { code: "invalid", stage: "config" });
    throwsBinauthz(() => binauthz.extractImages(value), { code: "invalid", stage: "request" });
  }
  // createSignaturePayload takes a string; wasm-bindgen's own check throws a plain Error.
  assert.throws(() => binauthz.createSignaturePayload(42), Error);
});

test("huge input is refused with code limit", () => {
  const config = `# ${"x".repeat(3 * 1024 * 1024)}\npolicy: {}`;
  throwsBinauthz(() => new Engine(config), { code: "limit", stage: "config" });
  throwsBinauthz(() => binauthz.validatePolicy(config), { code: "limit", stage: "config" });
  const request = JSON.stringify({ images: [API], padding: "x".repeat(9 * 1024 * 1024) });
  throwsBinauthz(() => engine.evaluate(request), { code: "limit", stage: "request" });
  // A string far larger than any limit is refused before it is copied into WebAssembly memory.
  const started = Date.now();
  throwsBinauthz(() => engine.evaluate("y".repeat(200 * 1024 * 1024)), { code: "limit", stage: "request", message: /more than the limit/ });
  assert.ok(Date.now() - started < 5000);
  // Too many images, attestations; too deep; an alias bomb.
  throwsBinauthz(() => engine.evaluate({ images: Array(1025).fill(API) }), { code: "limit", stage: "request" });
  throwsBinauthz(() => engine.evaluateImages([API], Array(4097).fill(JSON.parse(attestations)[0])), { code: "limit", stage: "request" });
  // Nesting is a limit (spec §1) in JSON as in YAML, also beyond serde_json's own stop at 128.
  throwsBinauthz(() => engine.evaluate(`{"images": ["a"], "context": ${"[".repeat(100000)}${"]".repeat(100000)}}`), {
    code: "limit",
    stage: "request",
  });
  throwsBinauthz(() => engine.evaluate(`images: ["a"]\ncontext: ${"[".repeat(70)}${"]".repeat(70)}`), { code: "limit", stage: "request" });
  let deep = {};
  for (let i = 0; i < 100000; i++) deep = { d: deep };
  throwsBinauthz(() => engine.evaluate({ images: [API], context: deep }), { code: "invalid", stage: "request" });
  const bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let i = 1; i < 10; i++) bomb.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${String.fromCharCode(96 + i)}`).join(", ")}]`);
  bomb.push("policy: *j");
  const e = throwsBinauthz(() => new Engine(bomb.join("\n")), { code: "limit", stage: "config" });
  assert.ok(e.message.length < 1000);
});

/** A small deterministic PRNG (mulberry32), so that failures reproduce. */
function prng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function mutate(text, random) {
  const chars = [...text];
  const edits = 1 + Math.floor(random() * 4);
  const alphabet = ":-[]{}&*!|>'\"#\n \t,@0aZ\u00e9\u0000\ufeff";
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (chars.length + 1));
    const op = random();
    if (op < 0.4) chars.splice(at, 1 + Math.floor(random() * 8));
    else if (op < 0.8) chars.splice(at, 0, alphabet[Math.floor(random() * alphabet.length)]);
    else chars.splice(at, 0, ...chars.slice(Math.floor(random() * chars.length)).slice(0, 40));
  }
  return chars.join("");
}

test("mutated documents either work or throw a BinauthzError (never anything else)", (t) => {
  const random = prng(20261126);
  const request = JSON.stringify({ images: [API], attestations: JSON.parse(attestations), context: { namespace: "staging" } });
  const counts = { ok: 0, error: 0 };
  const expectBinauthz = (fn) => {
    try {
      fn();
      counts.ok++;
    } catch (e) {
      assert.equal(e?.name, "BinauthzError", `${e?.name}: ${e?.message}\n${e?.stack}`);
      assert.match(e.code, /^(syntax|limit|invalid|reference|unsupported)$/);
      counts.error++;
    }
  };
  for (let i = 0; i < 150; i++) {
    expectBinauthz(() => Engine.fromPolicy(mutate(policy, random), attestors).free());
    expectBinauthz(() => Engine.fromPolicy(policy, mutate(attestors, random)).free());
    expectBinauthz(() => engine.evaluate(mutate(request, random)));
    expectBinauthz(() => engine.evaluateImages([API], mutate(attestations, random)));
    expectBinauthz(() => binauthz.extractImages(mutate(example("deployment.yaml"), random)));
    expectBinauthz(() => binauthz.createSignaturePayload(mutate(API, random)));
  }
  assert.ok(counts.ok > 50 && counts.error > 50, JSON.stringify(counts));
  t.diagnostic(`outcomes: ${JSON.stringify(counts)}`);
  // ... and the module still works afterwards.
  assert.equal(engine.evaluateImages([API], attestations).allowed, true);
});

test("an occurrence that cannot be read is skipped and explained, not a request error (spec §5)", () => {
  const d = engine.evaluateImages([API], [{ resourceUri: API }]);
  assert.equal(d.allowed, false);
  assert.ok(d.images[0].reasons.some((r) => r.kind === "occurrenceMalformed"), JSON.stringify(d.images[0].reasons));
});

test("a policy compiled with too few attestors names the policy's own path, as validation does", () => {
  const e = throwsBinauthz(() => Engine.fromPolicy(policy), { code: "reference", stage: "config", message: /^invalid policy: / });
  assert.ok(!e.path.startsWith("policy."), e.path);
  assert.ok(e.errors.every((d) => d.document === "policy"), JSON.stringify(e.errors));
  // lintPolicy with attestors checks them against the policy like the CLI's `policy lint`.
  const firstOnly = attestors.slice(0, attestors.indexOf("\n- name: projects/acme/attestors/security-scan"));
  throwsBinauthz(() => binauthz.lintPolicy(policy, firstOnly), { code: "reference", stage: "config" });
});
