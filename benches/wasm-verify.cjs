// Cold verify time of the WebAssembly engine in Node (issue #8: "report cold verify time in Node
// vs native, goal <= 3x"), over the P-256 valid conformance case (the same key, payload and
// signature as the criterion benchmark verify/ecdsa_p256). benches/compare.sh runs it and puts
// the figures next to the native ones in benches/RESULTS.md.
//
//   node benches/wasm-verify.cjs [N]      (default N = 200; prints one JSON object)
//
// Measures, in this fresh Node process:
//   load_us        require() of the Node package: reading, compiling and instantiating the .wasm
//   compile_us     the first `new Engine(config)` (config as JSON text)
//   cold_us        the first `engine.evaluate(request)`: the first verification ever run in this
//                  process, with the module's code not yet warmed up
//   fresh_median_us, fresh_min_us, fresh_max_us
//                  `evaluate` on a fresh engine, N times (a new Engine each time, built outside
//                  the timed call, so nothing an engine keeps can be reused), after N untimed
//                  evaluations, so V8 has optimized the module's hot functions. On a 2-CPU VM the
//                  figure is bimodal across processes (about 1.0 or 1.7 ms, with the same module,
//                  also with --no-liftoff): compare.sh reports the spread over several processes
//   compile_median_us  `new Engine(config)`, the same N times
// Every evaluation must admit the image (ALLOWED, verified by the case's key), or the script
// exits 1: it never times a failure path. The request is passed as JSON text, so each evaluate
// also parses it and converts the decision to a JS object.
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
  console.error(`wasm-verify: ${message}`);
  process.exit(1);
}

if (!Number.isInteger(N) || N < 1) fail(`N must be a positive integer, not ${process.argv[2]}`);
const entry = path.join(PKG, "binauthz_wasm.js");
if (!fs.existsSync(entry)) fail(`no ${entry}: build it with bash binauthz-wasm/build.sh`);

let config, request, wantKey;
try {
  ({ config, request, wantKey } = require("./wasm-case.cjs").conformanceCase(CASE));
} catch (e) {
  fail(e.message);
}

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

let t0 = now();
const binauthz = require(entry);
let t1 = now();
const loadUs = us(t0, t1);

t0 = now();
const first = new binauthz.Engine(config);
t1 = now();
const compileUs = us(t0, t1);

t0 = now();
const firstDecision = first.evaluate(request);
t1 = now();
const coldUs = us(t0, t1);
first.free();
check(firstDecision);

for (let i = 0; i < N; i++) {
  const engine = new binauthz.Engine(config);
  check(engine.evaluate(request));
  engine.free();
}
const evaluateTimes = [];
const compileTimes = [];
for (let i = 0; i < N; i++) {
  let a = now();
  const engine = new binauthz.Engine(config);
  let b = now();
  compileTimes.push(us(a, b));
  a = now();
  const decision = engine.evaluate(request);
  b = now();
  evaluateTimes.push(us(a, b));
  engine.free();
  check(decision);
}
const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
console.log(
  JSON.stringify({
    case: CASE,
    package: path.relative(ROOT, PKG) || PKG,
    node: process.version,
    n: N,
    load_us: round(loadUs),
    compile_us: round(compileUs),
    cold_us: round(coldUs),
    fresh_median_us: round(median(evaluateTimes)),
    fresh_min_us: round(Math.min(...evaluateTimes)),
    fresh_max_us: round(Math.max(...evaluateTimes)),
    compile_median_us: round(median(compileTimes)),
  }),
);
