// A one-image P-256 decision in WebAssembly in Node, through `engine.evaluate` (the engine's own
// verifier, RustCrypto compiled to WebAssembly) and through `engine.evaluateAsync` (the same
// decision with the signature verified by Node's WebCrypto), over the P-256 valid conformance
// case (the key, payload and signature of the criterion benchmark verify/ecdsa_p256, as
// benches/wasm-verify.cjs uses).
//
//   node benches/wasm-async.cjs [N]      (default N = 200; prints one JSON object)
//
// Measures, in this fresh Node process, each after N untimed rounds so V8 has optimized the
// module's hot functions:
//   evaluate_median_us, _min_us, _max_us
//                  `evaluate` on a fresh engine (a new Engine each time, built outside the timed
//                  call), N times: parse, verify in WebAssembly, decide, convert the decision
//   async_cold_median_us, _min_us, _max_us
//                  `await evaluateAsync` on a fresh engine, N times: the same, with the plan
//                  verified by WebCrypto, which first imports the key (a fresh engine has none)
//   async_warm_median_us
//                  `await evaluateAsync` on one engine whose verification cache is off
//                  (setCacheCapacity(0), so each call verifies) and that has imported the key
//                  already: the steady state of a page that keeps its engine
//   async_cached_median_us
//                  `await evaluateAsync` on one engine with its cache on: the decision repeats,
//                  the cache answers, WebCrypto is not asked (the lower bound of the async path)
// Every decision must admit the image (ALLOWED, verified by the case's key), and WebCrypto must
// have accepted the signature on the async paths (engine.webCryptoStats()), or the script exits
// 1: it never times a failure or a fallback. The request is passed as JSON text.
//
// The package: BINAUTHZ_WASM_PKG, else binauthz-wasm/pkg (built by binauthz-wasm/build.sh).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const CASE = "alg-ecdsa-p256-sha256-valid";
const N = Number(process.argv[2] ?? 200);
const PKG = process.env.BINAUTHZ_WASM_PKG || path.join(ROOT, "binauthz-wasm", "pkg");

function fail(message) {
  console.error(`wasm-async: ${message}`);
  process.exit(1);
}

if (!Number.isInteger(N) || N < 1) fail(`N must be a positive integer, not ${process.argv[2]}`);
const entry = path.join(PKG, "binauthz_wasm.js");
if (!fs.existsSync(entry)) fail(`no ${entry}: build it with bash binauthz-wasm/build.sh`);
if (typeof globalThis.crypto?.subtle?.verify !== "function") fail("this Node has no WebCrypto (globalThis.crypto.subtle)");

let config, request, wantKey;
try {
  ({ config, request, wantKey } = require("./wasm-case.cjs").conformanceCase(CASE));
} catch (e) {
  fail(e.message);
}
const binauthz = require(entry);

const now = () => process.hrtime.bigint();
const us = (t0, t1) => Number(t1 - t0) / 1000;

/** The decision must admit the one image because the case's key verified its signature. */
function check(decision) {
  const image = decision.images[0];
  const verified = image && image.attestors.some((a) => a.verifiedBy && a.verifiedBy.keyId === wantKey);
  if (decision.allowed !== true || image.verdict !== "ALLOWED" || !verified) {
    fail(`the case was not admitted by a verified signature: ${JSON.stringify(decision).slice(0, 500)}`);
  }
}

/** WebCrypto, not the fallback, must have accepted the signature `accepted` times. */
function checkHost(engine, accepted) {
  const stats = engine.webCryptoStats();
  if (stats.accepted !== accepted || stats.failed !== 0 || stats.unavailable !== 0) {
    fail(`WebCrypto was not used as expected: ${JSON.stringify(stats)}`);
  }
}

const evaluateOnce = () => {
  const engine = new binauthz.Engine(config);
  const t0 = now();
  const decision = engine.evaluate(request);
  const t1 = now();
  engine.free();
  check(decision);
  return us(t0, t1);
};
const asyncOnce = async () => {
  const engine = new binauthz.Engine(config);
  const t0 = now();
  const decision = await engine.evaluateAsync(request);
  const t1 = now();
  checkHost(engine, 1);
  engine.free();
  check(decision);
  return us(t0, t1);
};
/** `n` timed calls of `evaluateAsync` on `engine`, after `n` untimed ones. */
const repeatedAsync = async (engine, n) => {
  const times = [];
  for (let i = 0; i < 2 * n; i++) {
    const t0 = now();
    const decision = await engine.evaluateAsync(request);
    const t1 = now();
    check(decision);
    if (i >= n) times.push(us(t0, t1));
  }
  return times;
};

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
const summary = (name, xs) => ({ [`${name}_median_us`]: round(median(xs)), [`${name}_min_us`]: round(Math.min(...xs)), [`${name}_max_us`]: round(Math.max(...xs)) });

(async () => {
  // Warm-up, untimed, alternating so that neither path gets the module's code warm first.
  for (let i = 0; i < N; i++) {
    evaluateOnce();
    await asyncOnce();
  }
  const evaluateTimes = [];
  const asyncTimes = [];
  for (let i = 0; i < N; i++) {
    evaluateTimes.push(evaluateOnce());
    asyncTimes.push(await asyncOnce());
  }

  const warm = new binauthz.Engine(config);
  warm.setCacheCapacity(0);
  const warmTimes = await repeatedAsync(warm, N);
  checkHost(warm, 2 * N);
  if (warm.webCryptoStats().keysImported !== 1) fail(`the warm engine imported its key ${warm.webCryptoStats().keysImported} times`);
  warm.free();

  const cached = new binauthz.Engine(config);
  const cachedTimes = await repeatedAsync(cached, N);
  checkHost(cached, 1);
  cached.free();

  console.log(
    JSON.stringify({
      case: CASE,
      package: path.relative(ROOT, PKG) || PKG,
      node: process.version,
      n: N,
      ...summary("evaluate", evaluateTimes),
      ...summary("async_cold", asyncTimes),
      async_warm_median_us: round(median(warmTimes)),
      async_cached_median_us: round(median(cachedTimes)),
    }),
  );
})().catch((e) => fail(e.stack || String(e)));
