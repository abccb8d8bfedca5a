// Shared by the node tests: where things are, and the package under test (pkg/, built by
// build.sh).
const fs = require("node:fs");
const path = require("node:path");

const HERE = path.resolve(__dirname, "..");
const ROOT = path.resolve(HERE, "..");
/** Files the tests leave for people (screenshot, generated type fixtures). */
const ARTIFACTS = process.env.BINAUTHZ_WASM_ARTIFACTS || path.join(ROOT, "target", "binauthz-wasm");

/** The Node package (pkg/: the full engine, with PGP). */
const binauthz = require(path.join(HERE, "pkg", "binauthz_wasm.js"));

/** The engine of the browser package (built without PGP), bound for Node by build.sh; null when
 * it has not been built. */
const NOPGP_DIR =
  process.env.BINAUTHZ_WASM_NOPGP_PKG ||
  path.join(process.env.CARGO_TARGET_DIR || path.join(ROOT, "target"), "binauthz-wasm", "pkg-nopgp-node");
const nopgp = fs.existsSync(path.join(NOPGP_DIR, "binauthz_wasm.js")) ? require(path.join(NOPGP_DIR, "binauthz_wasm.js")) : null;

const example = (name) => fs.readFileSync(path.join(ROOT, "spec", "examples", name), "utf8");

const API = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
const WORKER = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff";
const MIGRATE = "us-docker.pkg.dev/acme/base-images/migrate:1.2";

/** The conformance cases (spec §9): the committed ones, or BINAUTHZ_CONFORMANCE_CASES. */
function conformanceCases() {
  const dir = process.env.BINAUTHZ_CONFORMANCE_CASES || path.join(ROOT, "spec", "conformance", "cases");
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => ({ file, ...JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) }));
}

/** The platform-policy conformance cases (spec §15): the committed ones, or
 * BINAUTHZ_PLATFORM_CASES. A directory that is missing or empty throws: a runner over no cases
 * must not pass. */
function platformCases() {
  const dir = process.env.BINAUTHZ_PLATFORM_CASES || path.join(ROOT, "spec", "conformance", "platform", "cases");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  if (files.length === 0) throw new Error(`no platform conformance cases in ${dir}`);
  return files.map((file) => ({ file, ...JSON.parse(fs.readFileSync(path.join(dir, file), "utf8")) }));
}

/** Calls `fn`; returns its value, or the thrown error under `error`. */
function attempt(fn) {
  try {
    return { value: fn() };
  } catch (error) {
    return { error };
  }
}

module.exports = { HERE, ROOT, ARTIFACTS, binauthz, nopgp, NOPGP_DIR, example, conformanceCases, platformCases, attempt, API, WORKER, MIGRATE };
