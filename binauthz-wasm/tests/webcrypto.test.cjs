// engine.evaluateAsync (signatures verified by the host's WebCrypto) against engine.evaluate (the
// engine's own verifier), in Node on pkg/ and in headless Chromium on pkg-web/, with the same
// comparisons (webcrypto-suite.cjs):
//   1. every conformance case: the same decision, byte for byte (or the same error), cold and warm;
//   2. every Wycheproof vector of binauthz-core/tests/wycheproof/ (the files and algorithms of
//      binauthz-core/tests/backends.rs): the same decision, and WebCrypto accepts exactly the
//      signatures the engine accepts;
//   3. without crypto, without crypto.subtle, with an importKey that throws or a verify that
//      rejects, or replacements that return a plain false, a non-key or a thenable whose `then`
//      throws: the same decisions, from the engine's own verifier;
//   4. a WebCrypto whose verify always says true cannot make a malformed signature count
//      (043-sig-ecdsa-raw-r-s.json: raw r||s instead of DER);
// and the engine stays usable, and can be freed, while a promise is pending.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { HERE, ROOT, binauthz, conformanceCases } = require("./helpers.cjs");
const { webCryptoSuite } = require("./webcrypto-suite.cjs");

/** binauthz-core/tests/backends.rs's list, with GCP's names for the algorithms. */
const WYCHEPROOF = [
  ["ecdsa_secp256r1_sha256_test.json", "ECDSA_P256_SHA256"],
  ["ecdsa_secp384r1_sha384_test.json", "ECDSA_P384_SHA384"],
  ["ecdsa_secp521r1_sha512_test.json", "ECDSA_P521_SHA512"],
  ["rsa_pss_2048_sha256_mgf1_32_test.json", "RSA_SIGN_PSS_2048_SHA256"],
  ["rsa_pss_3072_sha256_mgf1_32_test.json", "RSA_SIGN_PSS_3072_SHA256"],
  ["rsa_pss_4096_sha256_mgf1_32_test.json", "RSA_SIGN_PSS_4096_SHA256"],
  ["rsa_pss_4096_sha512_mgf1_64_test.json", "RSA_SIGN_PSS_4096_SHA512"],
  ["rsa_signature_2048_sha256_test.json", "RSA_SIGN_PKCS1_2048_SHA256"],
  ["rsa_signature_3072_sha256_test.json", "RSA_SIGN_PKCS1_3072_SHA256"],
  ["rsa_signature_4096_sha256_test.json", "RSA_SIGN_PKCS1_4096_SHA256"],
  ["rsa_signature_4096_sha512_test.json", "RSA_SIGN_PKCS1_4096_SHA512"],
];

function input() {
  const cases = conformanceCases().map((c) => ({
    file: c.file,
    config: c.config ?? c.configText,
    request: c.request ?? c.requestText,
    expectError: Boolean(c.expectError),
  }));
  const b64 = (hex) => Buffer.from(hex, "hex").toString("base64");
  const groups = [];
  for (const [file, algorithm] of WYCHEPROOF) {
    const doc = JSON.parse(fs.readFileSync(path.join(ROOT, "binauthz-core", "tests", "wycheproof", file), "utf8"));
    for (const g of doc.testGroups) {
      groups.push({ file, algorithm, pem: g.publicKeyPem, tests: g.tests.map((t) => ({ tcId: t.tcId, result: t.result, msg: b64(t.msg), sig: b64(t.sig) })) });
    }
  }
  return { cases, groups };
}

/** What every run must show, whatever the runtime. */
function check(out, { cases, vectors }) {
  assert.deepStrictEqual(out.mismatches, [], "evaluateAsync and evaluate disagree");
  assert.deepStrictEqual(out.hostVsRust, [], "WebCrypto and the engine accept different signatures");
  // 1. Conformance: every case whose config compiles, some deciding, some rejecting.
  assert.ok(out.cases >= cases, `only ${out.cases} conformance cases compared`);
  assert.ok(out.casesCompared > 150 && out.casesRejected > 10, JSON.stringify(out));
  assert.ok(out.stats.accepted > 30, `WebCrypto accepted only ${out.stats.accepted} conformance signatures`);
  assert.ok(out.stats.rejected > 5, `WebCrypto rejected only ${out.stats.rejected} conformance signatures`);
  assert.equal(out.stats.failed, 0, "a WebCrypto call failed");
  // 2. Wycheproof: thousands of vectors, WebCrypto used for each well-formed one, one key import
  // per engine (the suite checks that per group).
  assert.ok(out.vectors >= vectors, `only ${out.vectors} Wycheproof vectors checked`);
  assert.ok(out.vectorStats.accepted > vectors / 4, `WebCrypto accepted only ${out.vectorStats.accepted} vectors`);
  assert.ok(out.vectorStats.rejected > vectors / 4, `WebCrypto rejected only ${out.vectorStats.rejected} vectors`);
  assert.ok(out.vectorStats.malformed > 100, `only ${out.vectorStats.malformed} malformed vectors`);
  assert.equal(out.vectorStats.failed, 0, "a WebCrypto call failed");
  assert.ok(out.groupsAsked > 300, `WebCrypto was asked in only ${out.groupsAsked} groups`);
  assert.equal(out.vectorStats.keysImported, out.groupsAsked, "one import per group's engine that asked WebCrypto");
  assert.equal(out.rustVerdicts.accepted, out.vectorStats.accepted, "the engine and WebCrypto accepted different numbers");
  // 3. Fallbacks: nothing accepted by WebCrypto, every decision identical (mismatches above).
  for (const mode of ["no crypto", "no subtle"]) {
    assert.equal(out.modes[mode].accepted, 0, mode);
    assert.ok(out.modes[mode].unavailable > 30, `${mode}: ${JSON.stringify(out.modes[mode])}`);
  }
  assert.equal(out.modes["verify returns false"].accepted, 0);
  assert.ok(out.modes["verify returns false"].rejected > 30, JSON.stringify(out.modes["verify returns false"]));
  for (const mode of ["importKey throws", "verify rejects", "importKey returns a non-key", "verify returns a hostile thenable"]) {
    assert.equal(out.modes[mode].accepted, 0, mode);
    assert.ok(out.modes[mode].failed > 30, `${mode}: ${JSON.stringify(out.modes[mode])}`);
  }
  // 4. The liar: consulted, and able to change decisions on well-formed signatures (that is the
  // trust WebCrypto gets), but not on malformed ones.
  assert.ok(out.liar.lies > 30, `the lying verify was called ${out.liar.lies} times`);
  assert.ok(out.liar.changed.length > 0, "the lying verify changed nothing: was it called?");
  assert.ok(out.liar.malformedUnchanged.includes("043-sig-ecdsa-raw-r-s.json"), JSON.stringify(out.liar));
  assert.deepStrictEqual(out.liar.malformedChanged, [], "a lie made a malformed signature count");
  // The engine while a promise was pending.
  assert.deepStrictEqual(out.pending, { meanwhileErrors: [], resolvedAsEvaluate: 2, allowed: true });
}

test("Node: evaluateAsync (WebCrypto) decides as evaluate does", { timeout: 600_000 }, async (t) => {
  assert.equal(typeof globalThis.crypto?.subtle?.verify, "function", "Node has no WebCrypto");
  const data = input();
  const out = await webCryptoSuite(binauthz, data);
  t.diagnostic(`Node: ${out.cases} cases (${out.casesCompared} decided, ${out.casesRejected} request errors), ${out.vectors} Wycheproof vectors in ${out.groups} groups (${out.groupsAsked} with a well-formed signature)`);
  t.diagnostic(`WebCrypto on the cases ${JSON.stringify(out.stats)}, on the vectors ${JSON.stringify(out.vectorStats)}; the engine's verdicts ${JSON.stringify(out.rustVerdicts)}; the liar changed ${out.liar.changed.length} cases`);
  check(out, { cases: 250, vectors: data.groups.reduce((n, g) => n + g.tests.length, 0) });
});

test("a rejected request rejects the promise with evaluate's error", async () => {
  const engine = new binauthz.Engine({ policy: { defaultAdmissionRule: { evaluationMode: "ALWAYS_ALLOW", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" } } });
  for (const bad of [{ images: [] }, "images: [", undefined, { images: ["x"], attestations: "nope" }]) {
    let thrown;
    try {
      engine.evaluate(bad);
    } catch (e) {
      thrown = e;
    }
    assert.ok(thrown, "evaluate should throw");
    const promise = engine.evaluateAsync(bad);
    assert.ok(promise instanceof Promise);
    await assert.rejects(promise, (e) => {
      assert.equal(e.name, "BinauthzError");
      assert.ok(e instanceof Error);
      assert.deepStrictEqual({ ...e, message: e.message }, { ...thrown, message: thrown.message });
      return true;
    });
  }
  assert.equal((await engine.evaluateAsync({ images: ["gcr.io/a/b:1"] })).allowed, true);
  engine.free();
});

// ---- headless Chromium ----------------------------------------------------------------------

const CHROMIUM = process.env.BINAUTHZ_CHROMIUM || "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

/** Serves binauthz-wasm/ on 127.0.0.1 (a secure context, so crypto.subtle exists), plus an empty page. */
function serve() {
  const types = { ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm", ".html": "text/html; charset=utf-8" };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/blank.html") {
      res.writeHead(200, { "content-type": types[".html"] }).end("<!doctype html><title>webcrypto</title>");
      return;
    }
    const file = path.join(HERE, decodeURIComponent(url.pathname));
    const inside = file.startsWith(HERE + path.sep);
    if (!inside || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

test("Chromium: evaluateAsync (WebCrypto) decides as evaluate does, on the browser package", { timeout: 600_000 }, async (t) => {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
  assert.ok(fs.existsSync(path.join(HERE, "pkg-web", "binauthz_wasm.js")), "pkg-web/ is missing (bash binauthz-wasm/build.sh)");
  const { chromium } = require("playwright-core");
  const server = await serve();
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  t.after(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const page = await browser.newPage();
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.goto(`http://127.0.0.1:${server.address().port}/blank.html`);
  const data = input();
  const out = await page.evaluate(
    async ([source, data]) => {
      const binauthz = await import("/pkg-web/binauthz_wasm.js");
      await binauthz.default();
      // The suite's own source, as Node runs it (it uses only its arguments and globalThis).
      const suite = (0, eval)(`(${source})`);
      return { userAgent: navigator.userAgent, ...(await suite(binauthz, data)) };
    },
    [webCryptoSuite.toString(), data],
  );
  t.diagnostic(`${out.userAgent.match(/(Headless)?Chrome\/[\d.]+/)?.[0]}: ${out.cases} cases (${out.casesCompared} decided, ${out.casesRejected} request errors), ${out.vectors} Wycheproof vectors in ${out.groups} groups (${out.groupsAsked} with a well-formed signature)`);
  t.diagnostic(`WebCrypto on the cases ${JSON.stringify(out.stats)}, on the vectors ${JSON.stringify(out.vectorStats)}; the engine's verdicts ${JSON.stringify(out.rustVerdicts)}; the liar changed ${out.liar.changed.length} cases`);
  // The browser's engine has no PGP: the cases with PGP keys do not compile there.
  check(out, { cases: 200, vectors: data.groups.reduce((n, g) => n + g.tests.length, 0) });
  assert.deepStrictEqual(problems, []);
});
