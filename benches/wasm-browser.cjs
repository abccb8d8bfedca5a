// A one-image P-256 decision in WebAssembly in headless Chromium, through `engine.evaluate` (the
// engine's own verifier, RustCrypto compiled to WebAssembly) and through `engine.evaluateAsync`
// (the same decision with the signature verified by Chromium's WebCrypto): what
// benches/wasm-async.cjs measures in Node, here on the browser package (binauthz-wasm/pkg-web/,
// opt-level s and wasm-opt -Oz, without PGP), over the same P-256 valid conformance case.
//
//   node benches/wasm-browser.cjs [N]      (default N = 500; prints one JSON object)
//
// Needs Debian's chromium (BINAUTHZ_CHROMIUM, else /usr/bin/chromium), binauthz-wasm/pkg-web/
// (bash binauthz-wasm/build.sh) and playwright-core in binauthz-wasm/node_modules (npm ci there;
// it drives the browser and downloads nothing). Without one of them it says so and exits 2, so
// a caller can skip it. A small server in this process serves the package and a blank page from
// 127.0.0.1 with `Cross-Origin-Opener-Policy: same-origin` and `Cross-Origin-Embedder-Policy:
// require-corp`, which make the page cross-origin isolated: Chromium's performance.now() then
// ticks every 5 µs instead of 100 µs (with jitter). The page reports `crossOriginIsolated`
// (cross_origin_isolated) and the tick it observed (timer_resolution_us, the median step
// between distinct readings).
//
// How it times: in batches, so the figures hold even with a coarse clock. A batch is K calls
// (K = 10, or N if smaller) made one after the other, each awaited before the next, between two
// readings of performance.now(); its figure is the batch's time divided by K. Everything a call
// needs is made before the batch (for the fresh-engine paths, K + 1 new engines), and every
// result is checked after it. Each batch starts with one more call of its kind, untimed: in
// Chromium the first call after other work (building the engines, the other path's batch, any
// pause of a few milliseconds) is slower, on the async paths by a few hundred µs even when the
// cache answers, and that is not the per-call cost a batch measures. The _median, _min and _max
// figures are over ceil(N / K) batches, so over batch means, not single calls: their spread is
// narrower than wasm-async.cjs's, and a batch's mean includes its occasional slow call (a
// collection, another process), so their median sits a little above the median call. The time
// of each single call is read too (a reading after each call) and reported as *_call_median_us,
// as a cross-check; it is sound only when the page is isolated.
//
// Measures, in a fresh browser and page, each after N untimed calls (in the same batches) so V8
// has optimized the module's hot functions:
//   evaluate_median_us, _min_us, _max_us
//                  `evaluate` on a fresh engine (K new Engines per batch, built before it):
//                  parse, verify in WebAssembly, decide, convert the decision
//   async_cold_median_us, _min_us, _max_us
//                  `await evaluateAsync` on a fresh engine: the same, with the plan verified by
//                  WebCrypto, which first imports the key (a fresh engine has none)
//   async_warm_median_us
//                  `await evaluateAsync` on one engine whose verification cache is off
//                  (setCacheCapacity(0), so each call verifies) and that has imported the key
//                  already: the steady state of a page that keeps its engine
//   async_cached_median_us
//                  `await evaluateAsync` on one engine with its cache on: the decision repeats,
//                  the cache answers, WebCrypto is not asked (the lower bound of the async path)
// The evaluate and cold batches alternate, as wasm-async.cjs alternates its calls. Every
// decision must admit the image (ALLOWED, verified by the case's key), and WebCrypto must have
// accepted the signature on the async paths (engine.webCryptoStats(): nothing failed, rejected,
// malformed or unavailable, so the engine's fallback verified nothing), or the script exits 1:
// it never times a failure or a fallback. The request is passed as JSON text. The JSON line is
// wasm-async.cjs's, plus runtime ("chromium"), chromium (its version), batch, batches,
// cross_origin_isolated, timer_resolution_us and the *_call_median_us cross-checks.
"use strict";
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

const ROOT = path.resolve(__dirname, "..");
const WASM_DIR = path.join(ROOT, "binauthz-wasm");
const PKG = path.join(WASM_DIR, "pkg-web");
const CASE = "alg-ecdsa-p256-sha256-valid";
const N = Number(process.argv[2] ?? 500);
const K = Math.min(10, N);
const CHROMIUM = process.env.BINAUTHZ_CHROMIUM || "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];

function fail(message, status = 1) {
  console.error(`wasm-browser: ${message}`);
  process.exit(status);
}
/** Something this benchmark needs is not installed: status 2, so a caller can skip it. */
const missing = (message) => fail(`skipped: ${message}`, 2);

if (!Number.isInteger(N) || N < 1) fail(`N must be a positive integer, not ${process.argv[2]}`);
if (!fs.existsSync(CHROMIUM)) missing(`${CHROMIUM} is missing (apt-get install chromium, or set BINAUTHZ_CHROMIUM)`);
for (const f of ["binauthz_wasm.js", "binauthz_wasm_bg.wasm"]) {
  if (!fs.existsSync(path.join(PKG, f))) missing(`no ${path.join(PKG, f)}: build it with bash binauthz-wasm/build.sh`);
}
let chromium;
try {
  ({ chromium } = require(require.resolve("playwright-core", { paths: [WASM_DIR] })));
} catch {
  missing(`no playwright-core in ${path.join(WASM_DIR, "node_modules")} (cd binauthz-wasm && npm ci)`);
}

let config, request, wantKey;
try {
  ({ config, request, wantKey } = require("./wasm-case.cjs").conformanceCase(CASE));
} catch (e) {
  fail(e.message);
}

// The page: it loads the package and hands it to the measurement (inPage, below).
const PAGE = `<!doctype html>
<meta charset="utf-8"><title>binauthz wasm-browser</title><link rel="icon" href="data:,">
<script type="module">
import init, * as binauthz from "/pkg-web/binauthz_wasm.js";
try {
  await init();
  globalThis.binauthz = binauthz;
  document.documentElement.dataset.state = "ready";
} catch (e) {
  document.documentElement.dataset.error = String(e && e.stack || e);
  document.documentElement.dataset.state = "error";
}
</script>
`;
const TYPES = { ".js": "text/javascript; charset=utf-8", ".wasm": "application/wasm", ".ts": "text/plain; charset=utf-8" };
const ISOLATION = {
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-embedder-policy": "require-corp",
  "cross-origin-resource-policy": "same-origin",
  "cache-control": "no-store",
};

/** Serves the page at / and pkg-web/ at /pkg-web/ on 127.0.0.1, on a free port, isolated. */
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    if (url.pathname === "/") {
      res.writeHead(200, { ...ISOLATION, "content-type": "text/html; charset=utf-8" }).end(PAGE);
      return;
    }
    const file = url.pathname.startsWith("/pkg-web/") ? path.join(PKG, decodeURIComponent(url.pathname.slice("/pkg-web/".length))) : "";
    if (!file.startsWith(PKG + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404, ISOLATION).end("not found");
      return;
    }
    res.writeHead(200, { ...ISOLATION, "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/**
 * The measurement, run in the page (serialized by playwright, so it uses only its argument and
 * the page's globals). Throws on any decision or WebCrypto count that is not the expected one.
 */
async function inPage({ config, request, wantKey, n, k }) {
  const binauthz = globalThis.binauthz;
  const now = () => performance.now();
  const batches = Math.ceil(n / k);
  const median = (xs) => {
    const s = [...xs].sort((x, y) => x - y);
    const m = s.length >> 1;
    return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
  };

  function check(decision) {
    const image = decision.images[0];
    const verified = image && image.attestors.some((a) => a.verifiedBy && a.verifiedBy.keyId === wantKey);
    if (decision.allowed !== true || image.verdict !== "ALLOWED" || !verified) {
      throw new Error(`the case was not admitted by a verified signature: ${JSON.stringify(decision).slice(0, 500)}`);
    }
  }
  function checkHost(engine, accepted, keysImported) {
    const s = engine.webCryptoStats();
    if (s.accepted !== accepted || s.keysImported !== keysImported || s.rejected !== 0 || s.failed !== 0 || s.malformed !== 0 || s.unavailable !== 0) {
      throw new Error(`WebCrypto was not used as expected (${accepted} accepted, ${keysImported} key imported): ${JSON.stringify(s)}`);
    }
  }

  // The clock's step: the median difference between consecutive distinct readings.
  const steps = [];
  for (let last = now(); steps.length < 101; ) {
    const t = now();
    if (t !== last) {
      steps.push(t - last);
      last = t;
    }
  }

  /**
   * Calls `call(k)` untimed (the primer), then times `call(i)` for i < k, one after the other;
   * {mean, calls} in µs; the k + 1 results in `out`.
   */
  async function batch(call, out, awaited) {
    const t = new Array(k + 1);
    out[k] = awaited ? await call(k) : call(k);
    t[0] = now();
    if (awaited) for (let i = 0; i < k; i++) (out[i] = await call(i)), (t[i + 1] = now());
    else for (let i = 0; i < k; i++) (out[i] = call(i)), (t[i + 1] = now());
    const calls = [];
    for (let i = 0; i < k; i++) calls.push((t[i + 1] - t[i]) * 1000);
    return { mean: ((t[k] - t[0]) * 1000) / k, calls };
  }
  async function evaluateBatch() {
    const engines = Array.from({ length: k + 1 }, () => new binauthz.Engine(config));
    const out = new Array(k + 1);
    const r = await batch((i) => engines[i].evaluate(request), out, false);
    engines.forEach((e) => e.free());
    out.forEach(check);
    return r;
  }
  async function coldBatch() {
    const engines = Array.from({ length: k + 1 }, () => new binauthz.Engine(config));
    const out = new Array(k + 1);
    const r = await batch((i) => engines[i].evaluateAsync(request), out, true);
    engines.forEach((e) => checkHost(e, 1, 1));
    engines.forEach((e) => e.free());
    out.forEach(check);
    return r;
  }
  async function repeatedBatch(engine) {
    const out = new Array(k + 1);
    const r = await batch(() => engine.evaluateAsync(request), out, true);
    out.forEach(check);
    return r;
  }
  const results = () => ({ means: [], calls: [] });
  const add = (into, r) => (into.means.push(r.mean), into.calls.push(...r.calls));

  // Warm-up, untimed, alternating so that neither path gets the module's code warm first.
  for (let b = 0; b < batches; b++) await evaluateBatch(), await coldBatch();
  const evaluate = results();
  const cold = results();
  for (let b = 0; b < batches; b++) add(evaluate, await evaluateBatch()), add(cold, await coldBatch());

  const warmEngine = new binauthz.Engine(config);
  warmEngine.setCacheCapacity(0);
  const warm = results();
  for (let b = 0; b < batches; b++) await repeatedBatch(warmEngine);
  for (let b = 0; b < batches; b++) add(warm, await repeatedBatch(warmEngine));
  checkHost(warmEngine, 2 * batches * (k + 1), 1);
  warmEngine.free();

  const cachedEngine = new binauthz.Engine(config);
  const cached = results();
  for (let b = 0; b < batches; b++) await repeatedBatch(cachedEngine);
  for (let b = 0; b < batches; b++) add(cached, await repeatedBatch(cachedEngine));
  checkHost(cachedEngine, 1, 1);
  cachedEngine.free();

  return {
    crossOriginIsolated: globalThis.crossOriginIsolated === true,
    userAgent: navigator.userAgent,
    timerResolutionUs: median(steps) * 1000,
    evaluate,
    cold,
    warm,
    cached,
  };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const round = (x) => Math.round(x * 10) / 10;
const summary = (name, xs) => ({ [`${name}_median_us`]: round(median(xs)), [`${name}_min_us`]: round(Math.min(...xs)), [`${name}_max_us`]: round(Math.max(...xs)) });

(async () => {
  const server = await serve();
  let browser;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    const page = await browser.newPage();
    const problems = [];
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
    await page.goto(`http://127.0.0.1:${server.address().port}/`);
    await page.waitForSelector("html[data-state]", { state: "attached", timeout: 30_000 });
    if ((await page.getAttribute("html", "data-state")) !== "ready") {
      throw new Error(`the page could not load pkg-web: ${await page.getAttribute("html", "data-error")}`);
    }
    const r = await page.evaluate(inPage, { config, request, wantKey, n: N, k: K });
    if (problems.length) throw new Error(problems.join("\n"));
    if (!r.crossOriginIsolated) console.error("wasm-browser: warning: the page is not cross-origin isolated; the clock is coarse (the batch figures still hold)");
    console.log(
      JSON.stringify({
        case: CASE,
        package: path.relative(ROOT, PKG),
        runtime: "chromium",
        chromium: browser.version(),
        node: process.version,
        n: N,
        batch: K,
        batches: r.evaluate.means.length,
        cross_origin_isolated: r.crossOriginIsolated,
        timer_resolution_us: round(r.timerResolutionUs),
        ...summary("evaluate", r.evaluate.means),
        ...summary("async_cold", r.cold.means),
        async_warm_median_us: round(median(r.warm.means)),
        async_cached_median_us: round(median(r.cached.means)),
        evaluate_call_median_us: round(median(r.evaluate.calls)),
        async_cold_call_median_us: round(median(r.cold.calls)),
        async_warm_call_median_us: round(median(r.warm.calls)),
        async_cached_call_median_us: round(median(r.cached.calls)),
      }),
    );
  } finally {
    if (browser) await browser.close();
    await new Promise((resolve) => server.close(resolve));
  }
})().catch((e) => fail(e.stack || String(e)));
