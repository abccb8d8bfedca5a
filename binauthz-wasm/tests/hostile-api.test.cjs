// Hostile inputs through the WebAssembly entry points besides Engine.evaluate: lintPolicy,
// Engine.fromPolicy (the WASM twin of the C ABI's new_from_documents; there is no checkPolicy
// export) and runTests (policy tests, spec §14). Within the limits of spec §1 each input is
// handled; beyond them it is a BinauthzError with its code and document, never a hang, a trap or
// an out-of-memory abort. Node reports durations; nothing here asserts time.
const test = require("node:test");
const assert = require("node:assert/strict");
const { binauthz, example } = require("./helpers.cjs");

const { Engine } = binauthz;
const MAX_CONFIG = 2 * 1024 * 1024;
const MAX_REQUEST = 8 * 1024 * 1024;
const GOOD = '{"defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}';

/** YAML's billion laughs: a billion strings once expanded, in 500 bytes. */
function laughs(prefix, key) {
  let text = `${prefix}a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n`;
  for (let i = 1; i < 9; i++) text += `a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(", ")}]\n`;
  return `${text}${key}: *a8\n`;
}

/** GOOD with a description padding it to exactly `size` bytes. */
function policyOfSize(size) {
  const head = '{"description": "';
  const tail = `", ${GOOD.slice(1)}`;
  return head + "x".repeat(size - head.length - tail.length) + tail;
}

/** Asserts that fn throws a BinauthzError with `code` whose first error is in `document`. */
function throwsReport(fn, code, document, what) {
  assert.throws(
    fn,
    (e) => {
      assert.equal(e.name, "BinauthzError", `${what}: ${e}`);
      assert.equal(e.code, code, `${what}: ${e.message}`);
      if (document) assert.equal(e.errors[0].document, document, `${what}: ${JSON.stringify(e.errors)}`);
      return true;
    },
    what,
  );
}

const CALLS = {
  lintPolicy: (p, a) => binauthz.lintPolicy(p, a),
  "Engine.fromPolicy": (p, a) => Engine.fromPolicy(p, a).free(),
};

test("lintPolicy and Engine.fromPolicy: deep nesting, alias bombs, size, bad text", () => {
  const deepObject = {};
  let at = deepObject;
  for (let i = 0; i < 100000; i++) at = at.a = {};
  for (const [name, call] of Object.entries(CALLS)) {
    const bad = [
      ["100,000-deep YAML policy", `defaultAdmissionRule: ${"[".repeat(100000)}`, null, "limit", "policy"],
      ["100,000-deep JSON policy", '{"a": '.repeat(100000), null, "limit", "policy"],
      ["100,000-deep YAML attestors", GOOD, `- ${"{a: ".repeat(100000)}`, "limit", "attestors"],
      ["billion laughs policy", laughs("", "defaultAdmissionRule"), null, "limit", "policy"],
      ["billion laughs attestors", GOOD, laughs("", "laughs"), "limit", "attestors"],
      ["policy of 2 MiB + 1", policyOfSize(MAX_CONFIG + 1), null, "limit", null],
      ["attestors of 2 MiB + 1 units", GOOD, "x".repeat(MAX_CONFIG + 1), "limit", null],
      // 2 MiB of UTF-16 units, 6 MiB of UTF-8: refused by the core's byte count.
      ["policy of 6 MiB in UTF-8", `{"description": "${"€".repeat(MAX_CONFIG - 40)}"}`, null, "limit", "policy"],
      ["policy, NUL, junk", `${GOOD}\u0000x`, null, "syntax", "policy"],
      ["YAML policy with a NUL", "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\u0000\n", null, "syntax", "policy"],
      // A JavaScript object nested 100,000 deep: JSON.stringify gives up (a RangeError), an
      // `invalid` argument, not a crash.
      ["100,000-deep object", deepObject, null, "invalid", null],
    ];
    for (const [what, policy, attestors, code, document] of bad) {
      throwsReport(() => call(policy, attestors), code, document, `${name}, ${what}`);
    }
    // Just under: a 2 MiB policy is read whole; a lone surrogate becomes U+FFFD, not an error.
    call(policyOfSize(MAX_CONFIG), null);
    call(`{"description": "\ud800", ${GOOD.slice(1)}`, null);
  }
});

// ---- runTests ----

const FILES = {
  "policy.yaml": example("policy.yaml"),
  "attestors.yaml": example("attestors.yaml"),
};
const IMAGE = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";

/** A test file of `n` cases, each `images: [IMAGE]` with `extra` (JSON) merged in. */
function suite(n, extra = {}) {
  const cases = Array.from({ length: n }, (_, i) => ({ name: `c${i}`, images: [IMAGE], expect: { allowed: false }, ...extra }));
  return JSON.stringify({ policy: "policy.yaml", attestors: ["attestors.yaml"], cases });
}

test("runTests: 1,000 cases run; 1,001 are a limit error before any runs", () => {
  const result = binauthz.runTests(suite(1000), FILES);
  assert.equal(result.cases.length, 1000);
  assert.equal(result.passed, 1000, JSON.stringify(result.cases.find((c) => c.status !== "passed")));
  throwsReport(() => binauthz.runTests(suite(1001), FILES), "limit", "test file", "1,001 cases");
  assert.throws(() => binauthz.runTests(suite(1001), FILES), (e) => e.path === "cases");
});

test("runTests: deep nesting and alias bombs in the test file are limit errors", () => {
  const deep = [
    `policy: policy.yaml\ncases:\n- name: a\n  images: [x]\n  expect: ${"{a: ".repeat(100000)}`,
    `{"policy": "policy.yaml", "cases": ${"[".repeat(100000)}`,
    laughs("policy: policy.yaml\n", "cases"),
  ];
  for (const text of deep) throwsReport(() => binauthz.runTests(text, FILES), "limit", "test file", text.slice(0, 40));
  throwsReport(() => binauthz.runTests(`policy: p\n#${"x".repeat(MAX_CONFIG)}\n`, FILES), "limit", null, "2 MiB + 1");
});

test("runTests: deep nesting in the files a test file names is an error of its cases", () => {
  const deep = `${"[".repeat(100000)}`;
  let result = binauthz.runTests(suite(2), { ...FILES, "policy.yaml": `defaultAdmissionRule: ${deep}` });
  assert.equal(result.errors, 2);
  for (const c of result.cases) assert.match(c.error, /^policy\.yaml: .*nests deeper than the limit of 64/);
  result = binauthz.runTests(suite(2, { attestations: ["a.json"] }), { ...FILES, "a.json": deep });
  assert.equal(result.errors, 2);
  for (const c of result.cases) assert.match(c.error, /^cases\[\d\]\.attestations\[0\] \(a\.json\): .*nests deeper/);
  result = binauthz.runTests(suite(1, { images: undefined, object: "o.yaml" }), { ...FILES, "o.yaml": `kind: ${deep}` });
  assert.equal(result.errors, 1);
  assert.match(result.cases[0].error, /^cases\[0\]\.object \(o\.yaml\): .*nests deeper/);
  result = binauthz.runTests(suite(1, { attestations: ["a.yaml"] }), { ...FILES, "a.yaml": laughs("", "laughs") });
  assert.equal(result.errors, 1);
});

test("runTests: a huge attestations file named by a case is read up to the request limit", () => {
  // One occurrence under the attestor's note whose name is most of 8 MiB: read, and cut where the
  // decision writes it; one byte more is an error of the case, with the limit.
  const note = "projects/acme/notes/built-by-ci";
  const occurrence = (nameLength) =>
    JSON.stringify([
      {
        name: "n".repeat(nameLength),
        resourceUri: `https://${IMAGE}`,
        noteName: note,
        attestation: { serializedPayload: "e30=", signatures: [{ publicKeyId: "k", signature: "AA==" }] },
      },
    ]);
  const fixed = occurrence(0).length;
  const atLimit = occurrence(MAX_REQUEST - fixed);
  assert.equal(atLimit.length, MAX_REQUEST);
  let result = binauthz.runTests(suite(3, { attestations: ["big.json"] }), { ...FILES, "big.json": atLimit });
  assert.equal(result.passed, 3, JSON.stringify(result.cases[0]).slice(0, 500));
  result = binauthz.runTests(suite(3, { attestations: ["big.json"] }), { ...FILES, "big.json": occurrence(MAX_REQUEST - fixed + 1) });
  assert.equal(result.errors, 3);
  for (const c of result.cases) {
    assert.equal(c.error, "cases[0].attestations[0]: the attestations of one case are 8388609 bytes so far, more than a request's limit of 8388608 bytes".replace("[0]", `[${c.name.slice(1)}]`));
  }
  // The files together may hold at most 32 MiB: more is a limit error of `files`.
  const many = { ...FILES };
  for (let i = 0; i < 5; i++) many[`big${i}.json`] = atLimit;
  throwsReport(() => binauthz.runTests(suite(1), many), "limit", null, "files over 32 MiB");
});

test("runTests: a file named many times costs one request's worth, not that many", () => {
  // Before, each name was read, parsed and kept: 80,000 names of a 3 MiB file were 240 GiB.
  const big = JSON.stringify([
    {
      name: "n".repeat(3 << 20),
      resourceUri: `https://${IMAGE}`,
      noteName: "projects/acme/notes/built-by-ci",
      attestation: { serializedPayload: "e30=", signatures: [] },
    },
  ]);
  const names = Array(80000).fill("big.json");
  let result = binauthz.runTests(suite(2, { attestations: names }), { ...FILES, "big.json": big });
  assert.equal(result.errors, 2);
  for (const c of result.cases) assert.match(c.error, /^cases\[\d\]\.attestations\[2\]: the attestations of one case are \d+ bytes so far, more than a request's limit/);
  // The suite's attestations count for every case.
  const text = JSON.parse(suite(1));
  text.attestations = ["big.json", "big.json", "big.json"];
  result = binauthz.runTests(JSON.stringify(text), { ...FILES, "big.json": big });
  assert.equal(result.errors, 1);
  assert.match(result.cases[0].error, /^attestations\[2\]: the attestations of one case are/);
  // Small files: stopped at the request's 4,096 occurrences.
  const three = example("attestations.json");
  result = binauthz.runTests(suite(1, { attestations: Array(100000).fill("a.json") }), { ...FILES, "a.json": three });
  assert.match(result.cases[0].error, /more than 4096 attestation occurrences in one case/);
  // Attestor files: at most 200, and 2 MiB together.
  const withAttestors = (attestors) => JSON.stringify({ ...JSON.parse(suite(1)), attestors });
  throwsReport(() => binauthz.runTests(withAttestors(Array(201).fill("attestors.yaml")), FILES), "limit", "test file", "201 attestor files");
  const padded = `# ${"x".repeat(1 << 20)}\n${FILES["attestors.yaml"]}`;
  result = binauthz.runTests(withAttestors(Array(200).fill("p.yaml")), { ...FILES, "p.yaml": padded });
  assert.match(result.cases[0].error, /^attestors\[1\]: the attestor files are \d+ bytes so far, more than a config's limit of 2097152 bytes/);
});

test("runTests: expecting many images the request lacks lists a few of its images each time", () => {
  const long = `gcr.io/p/${"a".repeat(1500)}:1`;
  const expected = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`gone${i}`, { verdict: "DENIED" }]));
  const text = JSON.stringify({
    policy: "policy.yaml",
    attestors: ["attestors.yaml"],
    cases: [{ name: "a", images: Array(1024).fill(long), expect: { images: expected } }],
  });
  const result = binauthz.runTests(text, FILES);
  assert.equal(result.cases[0].mismatches.length, 2000);
  for (const m of result.cases[0].mismatches) {
    assert.ok(m.actual.length < 2000, String(m.actual.length));
    assert.ok(m.actual.endsWith(" and 1020 more"), m.actual.slice(-40));
  }
});
