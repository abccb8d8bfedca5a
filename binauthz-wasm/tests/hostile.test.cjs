// Issue 13 through WebAssembly: hostile requests at the documented limits (spec §7.2) are decided
// within the same counted bounds as natively, and deep YAML is refused. Node reports each test's
// duration; nothing here asserts time.
const test = require("node:test");
const assert = require("node:assert/strict");
const { binauthz, conformanceCases } = require("./helpers.cjs");

const { Engine } = binauthz;
const MAX_REQUEST = 8 * 1024 * 1024;

const byName = (name) => conformanceCases().find((c) => c.name === name);

/** A request of about 8 MiB: `images` and occurrences under the case's note for its digest, 64
 * signatures each from `signature(n)` ({publicKeyId, signature}). */
function flood(c, images, signature) {
  const occ = c.request.attestations[0];
  const occurrences = [];
  let size = JSON.stringify(images).length + 200;
  let n = 0;
  while (occurrences.length < 4096 && size < MAX_REQUEST - 64 * 1024) {
    const signatures = [];
    for (let s = 0; s < 64 && size < MAX_REQUEST - 64 * 1024; s++, n++) {
      const sig = signature(n);
      size += JSON.stringify(sig).length + 1;
      signatures.push(sig);
    }
    const o = {
      name: `projects/attacker/occurrences/${String(occurrences.length).padStart(6, "0")}`,
      resourceUri: occ.resourceUri,
      noteName: occ.noteName,
      attestation: { serializedPayload: occ.attestation.serializedPayload, signatures },
    };
    size += JSON.stringify(o).length - JSON.stringify(signatures).length + 2;
    occurrences.push(o);
  }
  return JSON.stringify({ images, attestations: occurrences });
}

let seed = 0x9e3779b9;
function byte() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 8) & 0xff;
}

/** A DER ECDSA signature with in-range r and s for P-521 that verifies with no key. */
function forgedP521() {
  const int = () => {
    const v = Array.from({ length: 66 }, byte);
    v[0] = 1;
    v[1] &= 0x7f;
    return [0x02, 66, ...v];
  };
  const body = [...int(), ...int()];
  return Buffer.from([0x30, 0x81, body.length, ...body]).toString("base64");
}

const checks = (d) => d.diagnostics.signatureChecks;

test("1,024 images of one digest and 8 MiB of 1-byte signatures: bounded reasons (finding 1)", () => {
  const c = byName("alg-ecdsa-p256-sha256-valid");
  const keyId = c.request.attestations[0].attestation.signatures[0].publicKeyId;
  const images = Array(1024).fill(c.request.images[0]);
  const request = flood(c, images, (n) => ({ publicKeyId: n % 2 ? `attacker-${n}` : keyId, signature: "AA==" }));
  assert.ok(request.length <= MAX_REQUEST, String(request.length));
  const d = new Engine(JSON.stringify(c.config)).evaluate(request);
  assert.equal(d.allowed, false);
  assert.equal(d.images.length, 1024);
  for (const image of d.images) assert.ok(image.reasons.length <= 64 + 20, String(image.reasons.length));
  assert.ok(d.images[0].omittedReasons > 10000, String(d.images[0].omittedReasons));
  assert.ok(d.images[0].reasons.some((r) => r.kind === "budgetExhausted"));
});

test("8 MiB of forged P-521 signatures claiming the attestor's key: 32 checks (finding 2)", () => {
  const c = byName("alg-ecdsa-p521-sha512-valid");
  const keyId = c.request.attestations[0].attestation.signatures[0].publicKeyId;
  const request = flood(c, c.request.images, () => ({ publicKeyId: keyId, signature: forgedP521() }));
  const engine = new Engine(JSON.stringify(c.config));
  const cold = engine.evaluate(request);
  assert.equal(cold.allowed, false);
  assert.equal(checks(cold), 32);
  assert.ok(cold.diagnostics.checksNotTried > 5000, JSON.stringify(cold.diagnostics));
  // Warm: answered by the cache, charged the same, decided the same.
  const warm = engine.evaluate(request);
  assert.equal(warm.diagnostics.verificationCost, cold.diagnostics.verificationCost);
  const outcome = ({ diagnostics, ...rest }) => rest;
  assert.deepStrictEqual(outcome(warm), outcome(cold));
});

test("deep or unclosed YAML nesting is a limit error, not minutes of parsing (finding 4)", () => {
  const c = byName("alg-ecdsa-p256-sha256-valid");
  const engine = new Engine(JSON.stringify(c.config));
  for (const nesting of ["{a: ".repeat(40000), "[".repeat(100000), "{\n".repeat(60000)]) {
    assert.throws(
      () => engine.evaluate(`images: [a]\ncontext: ${nesting}\n`),
      (e) => e.code === "limit" || e.code === "syntax",
    );
  }
});

test("an occurrence name cannot forge a line in the messages people read (finding 10)", () => {
  const c = byName("alg-ecdsa-p256-sha256-valid");
  const request = structuredClone(c.request);
  request.attestations[0].name = "x\n\u001b[32mALLOWED\u001b[0m";
  request.attestations[0].attestation.signatures = [{ publicKeyId: "k", signature: "AA==" }];
  const d = new Engine(JSON.stringify(c.config)).evaluate(request);
  assert.equal(d.allowed, false);
  for (const text of [d.message, d.images[0].denial, ...d.images[0].reasons.map((r) => r.message)]) {
    assert.ok(!/[\u0000-\u001f\u007f]/.test(text), JSON.stringify(text));
  }
  assert.ok(d.images[0].denial.includes("\\u{1b}[32mALLOWED"));
});
