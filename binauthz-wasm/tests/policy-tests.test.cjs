// runTests(): the core's policy test runner (spec/README.md section 14) through the Node package.
const test = require("node:test");
const assert = require("node:assert/strict");
const { binauthz, example } = require("./helpers.cjs");

/** The files the example test file names, by the paths it names them with. */
const FILES = Object.fromEntries(
  ["policy.yaml", "attestors.yaml", "attestations.json", "deployment.yaml", "cloud-run-service.yaml"].map((f) => [f, example(f)]),
);

test("runTests runs the shipped example suite, and every case passes", () => {
  const result = binauthz.runTests(example("policy_test.yaml"), FILES, "policy_test.yaml");
  assert.equal(result.file, "policy_test.yaml");
  assert.ok(result.cases.length >= 8);
  assert.deepEqual(
    result.cases.filter((c) => c.status !== "passed"),
    [],
  );
  assert.equal(result.passed, result.cases.length);
  assert.equal(result.failed + result.errors, 0);
});

test("a wrong expectation fails, with the field, what was expected and what was decided", () => {
  const suite = example("policy_test.yaml").replace("verdict: DRY_RUN_VIOLATION", "verdict: DENIED");
  const result = binauthz.runTests(suite, FILES);
  assert.equal(result.file, "test file");
  assert.equal(result.failed, 1);
  const failed = result.cases.find((c) => c.status === "failed");
  assert.equal(failed.name, "staging only logs a violation (dry run)");
  assert.deepEqual(failed.mismatches, [
    { field: 'images["us-docker.pkg.dev/acme/payments/api:v1.4.2"].verdict', expected: "DENIED", actual: "DRY_RUN_VIOLATION" },
  ]);
  assert.equal(failed.outcome.images[0].verdict, "DRY_RUN_VIOLATION");
});

test("a test file given as an object; signing and missing files are errors of their cases", () => {
  const result = binauthz.runTests(
    {
      policy: "policy.yaml",
      attestors: ["attestors.yaml"],
      cases: [
        {
          name: "signs",
          images: ["gke.gcr.io/kube-proxy:v1"],
          attestations: [{ sign: { key: "k.pem", attestor: "projects/acme/attestors/built-by-ci", images: ["x@sha256:" + "0".repeat(64)] } }],
          expect: { allowed: true },
        },
        { name: "missing", images: ["gke.gcr.io/kube-proxy:v1"], attestations: ["gone.json"], expect: { allowed: true } },
      ],
    },
    FILES,
  );
  assert.equal(result.errors, 2);
  assert.match(result.cases[0].error, /signing with a test key needs the binauthz CLI/);
  assert.match(result.cases[1].error, /^cases\[1\]\.attestations\[0\]: `gone\.json` is not among the files given/);
});

test("a malformed test file throws a BinauthzError with the field path", () => {
  assert.throws(
    () => binauthz.runTests("policy: policy.yaml\ncases:\n- name: a\n  images: [x]\n", FILES),
    (e) => e.name === "BinauthzError" && e.stage === "config" && e.path === "cases[0].expect",
  );
  assert.throws(
    () => binauthz.runTests("policy: p\ncases:\n- name: a\n  images: [x]\n  expect: {allowd: true}\n", FILES),
    (e) => e.name === "BinauthzError" && e.path === "cases[0].expect.allowd",
  );
  assert.throws(() => binauthz.runTests("policy: p\ncases: []\n", FILES), (e) => e.path === "cases");
  assert.throws(() => binauthz.runTests(example("policy_test.yaml"), { "policy.yaml": 3 }), (e) => e.name === "BinauthzError");
});
