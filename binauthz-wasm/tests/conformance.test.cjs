// Every case in spec/conformance/cases/ (spec §9) through the WebAssembly package, comparing
// exactly the fields binauthz-core/tests/conformance.rs compares. The browser's engine (built
// without PGP) must decide every other case identically, and fail closed on PGP cases: an error,
// or a decision that admits nothing the full engine would not.
const test = require("node:test");
const assert = require("node:assert/strict");
const { binauthz, nopgp, conformanceCases, attempt } = require("./helpers.cjs");

const cases = conformanceCases();

function textOf(c, object, text) {
  const hasObject = object in c;
  const hasText = text in c;
  assert.ok(hasObject !== hasText, `case needs exactly one of ${object} and ${text}`);
  return hasObject ? JSON.stringify(c[object]) : c[text];
}

/** The fields of an image decision that a case may pin, in the case's shape. */
function observedImage(image, expected) {
  const out = {
    image: image.image,
    verdict: image.verdict,
    stage: image.stage,
    reasonKinds: [...new Set(image.reasons.map((r) => r.kind))].sort(),
  };
  if ("rule" in expected) {
    out.rule = image.rule === null ? null : { kind: image.rule.kind, key: image.rule.key };
  }
  if ("matchedPattern" in expected) out.matchedPattern = image.matchedPattern;
  if ("verifiedBy" in expected) {
    out.verifiedBy = image.attestors
      .filter((a) => a.verifiedBy !== null)
      .map((a) => ({ attestor: a.attestor, keyId: a.verifiedBy.keyId }))
      .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1));
  }
  return out;
}

/** Compiles and evaluates as the spec says: config and request as text. */
function run(config, request, module = binauthz) {
  return attempt(() => {
    const engine = new module.Engine(config);
    try {
      return engine.evaluate(request);
    } finally {
      engine.free();
    }
  });
}

function check(c, outcome) {
  if (c.expect) {
    assert.ifError(outcome.error);
    const decision = outcome.value;
    assert.equal(decision.allowed, c.expect.allowed, "allowed");
    assert.equal(decision.images.length, c.expect.images.length, "number of images");
    c.expect.images.forEach((want, i) => {
      assert.deepStrictEqual(observedImage(decision.images[i], want), want, `image ${i}`);
    });
    for (const text of c.expect.notesContain ?? []) {
      assert.ok(decision.notes.some((n) => n.includes(text)), `no note contains ${JSON.stringify(text)}: ${JSON.stringify(decision.notes)}`);
    }
  } else {
    assert.ok(c.expectError, "case needs exactly one of expect and expectError");
    assert.ok(outcome.error, `expected an error, got a decision: ${JSON.stringify(outcome.value)}`);
    const e = outcome.error;
    assert.ok(e instanceof Error, "errors are Error objects");
    assert.equal(e.name, "BinauthzError");
    assert.equal(e.stage, c.expectError.stage, `stage (${e.message})`);
    assert.equal(e.code, c.expectError.code, `code (${e.message})`);
    assert.ok(e.message.includes(c.expectError.messageContains ?? ""), `message ${JSON.stringify(e.message)}`);
  }
}

test("there are conformance cases to run", () => {
  assert.ok(cases.length >= 60, `only ${cases.length} conformance cases`);
  assert.deepStrictEqual(binauthz.features(), ["pgp"], "the Node package has PGP");
});

const usesPgp = (c) => /asciiArmoredPgpPublicKey|pgpSignedAttestation|-----BEGIN PGP/.test(JSON.stringify(c));

/** Without PGP: an error, or a decision admitting no image that the case does not admit. */
function checkFailsClosed(c, outcome) {
  if (outcome.error) {
    assert.equal(outcome.error.name, "BinauthzError", String(outcome.error));
    return;
  }
  const decision = outcome.value;
  if (c.expectError) {
    assert.equal(decision.allowed, false, "admitted what the full engine rejects as input");
    return;
  }
  assert.ok(!decision.allowed || c.expect.allowed, "admitted a request the full engine blocks");
  decision.images.forEach((image, i) => {
    assert.ok(!image.allowed || ["ALLOWED", "DRY_RUN_VIOLATION", "BREAKGLASS"].includes(c.expect.images[i]?.verdict), `image ${i} admitted`);
  });
}

if (nopgp) {
  test("the browser's engine is built without PGP", () => assert.deepStrictEqual(nopgp.features(), []));
  for (const c of cases) {
    test(`conformance (browser build, no PGP) ${c.file}`, () => {
      const outcome = run(textOf(c, "config", "configText"), textOf(c, "request", "requestText"), nopgp);
      if (usesPgp(c)) checkFailsClosed(c, outcome);
      else check(c, outcome);
    });
  }
} else {
  test("the browser's engine (built without PGP)", { skip: "not built: run binauthz-wasm/build.sh" }, () => {});
}

for (const c of cases) {
  test(`conformance ${c.file}`, () => {
    const outcome = run(textOf(c, "config", "configText"), textOf(c, "request", "requestText"));
    check(c, outcome);
    // The same case with the documents given as JavaScript objects, where the case has them,
    // must come out identically.
    if ("config" in c || "request" in c) {
      const asObjects = run(c.config ?? c.configText, c.request ?? c.requestText);
      if (outcome.error) {
        assert.ok(asObjects.error, "objects: expected the same error");
        assert.deepStrictEqual(
          [asObjects.error.code, asObjects.error.stage, asObjects.error.path, asObjects.error.message],
          [outcome.error.code, outcome.error.stage, outcome.error.path, outcome.error.message],
        );
      } else {
        assert.ifError(asObjects.error);
        assert.deepStrictEqual(asObjects.value, outcome.value);
      }
    }
  });
}
