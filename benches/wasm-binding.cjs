// The price of the WebAssembly binding in Node (issue 19): warm calls of engine.evaluate on one
// engine, over the bytes of criterion's evaluate/warm_1img_1att_p256 (one image, one attestor,
// one P-256 attestation, the verification cache holding the conclusion;
// benches/fixtures/warm_1img_1att_p256). benches/compare.sh runs it in a few fresh processes and
// reports `wasm/warm_1img_1att_p256` beside the Rust, C and Go figures.
//
//   node benches/wasm-binding.cjs [BATCHES [PER_BATCH]]   (default 1000 x 50; prints one JSON object)
//
// Each figure is the median over BATCHES batches of the time per call in a batch of PER_BATCH
// calls (timing single calls of a few microseconds would mostly time the clock), after as many
// untimed calls, so that V8 has optimized the module and the glue. Measured, in ns per call:
//   evaluate_ns     engine.evaluate(requestText) -> decision object: the request string copied into
//                   WebAssembly memory, the core's api::json::evaluate (parse, decide from the
//                   cache, write the decision as JSON text), that text copied out to a JS string
//                   and JSON.parse'd into the object the caller gets
//   copy_in_ns      the glue's copy of the request string into a Uint8Array (wasm-bindgen's
//                   passStringToWasm0 loop for ASCII text, which this request is; no malloc)
//   copy_out_ns     TextDecoder.decode of the decision's bytes (wasm-bindgen's getStringFromWasm0)
//   json_parse_ns   JSON.parse of the decision text
//   call_ns         version(): one call into the module that returns a short string, the floor of
//                   a crossing with a string out
// The decision must admit the image from the cache (ALLOWED, cacheHits 1) or the script exits 1.
//
// The package: BINAUTHZ_WASM_PKG, else binauthz-wasm/pkg (built by binauthz-wasm/build.sh).
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const SCENARIO = "warm_1img_1att_p256";
const BATCHES = Number(process.argv[2] ?? 1000);
const PER_BATCH = Number(process.argv[3] ?? 50);
const PKG = process.env.BINAUTHZ_WASM_PKG || path.join(ROOT, "binauthz-wasm", "pkg");

function fail(message) {
  console.error(`wasm-binding: ${message}`);
  process.exit(1);
}

for (const [name, n] of [["BATCHES", BATCHES], ["PER_BATCH", PER_BATCH]]) {
  if (!Number.isInteger(n) || n < 1) fail(`${name} must be a positive integer, not ${n}`);
}
const entry = path.join(PKG, "binauthz_wasm.js");
if (!fs.existsSync(entry)) fail(`no ${entry}: build it with bash binauthz-wasm/build.sh`);
const fixture = path.join(ROOT, "benches", "fixtures", SCENARIO);
const config = fs.readFileSync(path.join(fixture, "config.json"), "utf8").trim();
const request = fs.readFileSync(path.join(fixture, "request.json"), "utf8").trim();

const binauthz = require(entry);
const engine = new binauthz.Engine(config);

/** The decision must admit the one image, from the verification cache once warm. */
function check(decision, warm) {
  const ok =
    decision.allowed === true &&
    decision.images.length === 1 &&
    decision.images[0].verdict === "ALLOWED" &&
    (!warm || (decision.diagnostics.cacheHits === 1 && decision.diagnostics.cacheMisses === 0));
  if (!ok) fail(`the scenario was not admitted${warm ? " from the cache" : ""}: ${JSON.stringify(decision).slice(0, 500)}`);
}
check(engine.evaluate(request), false);
check(engine.evaluate(request), true);
// The decision text as the core writes it (compact JSON, the same keys in the same order).
const decisionText = JSON.stringify(engine.evaluate(request));
const decisionBytes = new TextEncoder().encode(decisionText);
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const memory = new Uint8Array(request.length + 64);

let sink = 0;
const pieces = {
  evaluate_ns: () => {
    sink += engine.evaluate(request).images.length;
  },
  copy_in_ns: () => {
    // passStringToWasm0's loop for ASCII text.
    const len = request.length;
    let offset = 0;
    for (; offset < len; offset++) {
      const code = request.charCodeAt(offset);
      if (code > 0x7f) break;
      memory[offset] = code;
    }
    sink += offset;
  },
  copy_out_ns: () => {
    sink += decoder.decode(decisionBytes.subarray(0, decisionBytes.length)).length;
  },
  json_parse_ns: () => {
    sink += JSON.parse(decisionText).images.length;
  },
  call_ns: () => {
    sink += binauthz.version().length;
  },
};

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Median ns per call of `f` over the batches, after as many untimed calls. */
function measure(f) {
  for (let i = 0; i < BATCHES * PER_BATCH; i++) f();
  const perCall = [];
  for (let b = 0; b < BATCHES; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < PER_BATCH; i++) f();
    perCall.push(Number(process.hrtime.bigint() - t0) / PER_BATCH);
  }
  return { median: median(perCall), min: Math.min(...perCall) };
}

const out = {
  scenario: SCENARIO,
  package: path.relative(ROOT, PKG) || PKG,
  node: process.version,
  batches: BATCHES,
  per_batch: PER_BATCH,
  request_bytes: Buffer.byteLength(request),
  decision_bytes: decisionBytes.length,
};
for (const [name, f] of Object.entries(pieces)) {
  const { median: m, min } = measure(f);
  out[name] = Math.round(m);
  if (name === "evaluate_ns") out.evaluate_min_ns = Math.round(min);
}
check(engine.evaluate(request), true);
engine.free();
if (sink < 0) console.error(sink); // keeps the measured results alive
console.log(JSON.stringify(out));
