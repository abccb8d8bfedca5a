// The Node example of binauthz-wasm/README.md (and of the repository README, once it carries the
// same marked block) runs as written, from the repository root, and prints what the README shows.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { HERE, ROOT } = require("./helpers.cjs");

/** The fenced block that follows `<!-- marker -->`. */
function block(text, marker) {
  const at = text.indexOf(`<!-- ${marker} -->`);
  if (at < 0) return null;
  const match = /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at));
  assert.ok(match, `no fenced block after <!-- ${marker} -->`);
  return match[1];
}

const readmes = [path.join(HERE, "README.md"), path.join(ROOT, "README.md")];

for (const readme of readmes) {
  const text = fs.readFileSync(readme, "utf8");
  const code = block(text, "node-example");
  const expected = block(text, "node-example-output");
  const name = path.relative(ROOT, readme);
  test(`the Node example in ${name} runs as written`, { skip: code === null && readme !== readmes[0] && "no marked example" }, () => {
    assert.ok(code, `${name} has no <!-- node-example --> block`);
    assert.ok(code.trimEnd().split("\n").length <= 10, "the example is at most 10 lines");
    const output = execFileSync(process.execPath, ["-e", code], { cwd: ROOT, encoding: "utf8" });
    assert.equal(output, expected, "the output the README shows");
  });
}
