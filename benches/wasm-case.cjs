// The conformance case the WebAssembly benchmarks measure (benches/wasm-verify.cjs,
// wasm-async.cjs, wasm-browser.cjs): found by its name in spec/conformance/cases, with the config
// and request as JSON text and the key id whose signature must admit the image. Throws when the
// case is missing, so no benchmark times something else.
"use strict";
const fs = require("node:fs");
const path = require("node:path");

const CASES = path.resolve(__dirname, "..", "spec", "conformance", "cases");

/** `{ config, request, wantKey }` of the conformance case called `name`. */
function conformanceCase(name) {
  const file = fs
    .readdirSync(CASES)
    .filter((f) => f.endsWith(".json"))
    .find((f) => JSON.parse(fs.readFileSync(path.join(CASES, f), "utf8")).name === name);
  if (!file) throw new Error(`no conformance case named ${name} in ${CASES}`);
  const testCase = JSON.parse(fs.readFileSync(path.join(CASES, file), "utf8"));
  return {
    config: JSON.stringify(testCase.config),
    request: JSON.stringify(testCase.request),
    wantKey: testCase.expect.images[0].verifiedBy[0].keyId,
  };
}

module.exports = { conformanceCase };
