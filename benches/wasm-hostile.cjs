// Times each hostile class of issue 13 in WebAssembly (the Node package, binauthz-wasm/pkg):
// reads the config and request files `hostile-peak` writes (DIR, default $TMPDIR/binauthz-hostile),
// evaluates each request once on a fresh engine (no verification cache: all the work a first
// request does) and prints Markdown rows for benches/RESULTS.md. Timing only; nothing asserted.
//   cargo run --release -p binauthz-benches --bin hostile-peak && node benches/wasm-hostile.cjs
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { Engine } = require(path.join(__dirname, "..", "binauthz-wasm", "pkg", "binauthz_wasm.js"));

const dir = process.argv[2] || path.join(os.tmpdir(), "binauthz-hostile");
const names = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith(".request"))
  .map((f) => f.slice(0, -".request".length))
  .sort();
console.log("| class | WebAssembly evaluate (one run, Node " + process.version + ") | outcome |");
console.log("|---|---|---|");
for (const name of names) {
  const config = fs.readFileSync(path.join(dir, `${name}.config`), "utf8");
  const request = fs.readFileSync(path.join(dir, `${name}.request`), "utf8");
  const engine = new Engine(config);
  engine.setCacheCapacity(0);
  const start = process.hrtime.bigint();
  let outcome;
  try {
    const d = engine.evaluate(request);
    const g = d.diagnostics;
    outcome = `${d.allowed ? "ALLOWED" : "DENIED"} (checks ${g.signatureChecks}, cost ${g.verificationCost} points)`;
  } catch (e) {
    outcome = `error ${e.code}`;
  }
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  console.log(`| \`hostile/${name}\` | ${ms.toFixed(1)} ms | ${outcome} |`);
}
