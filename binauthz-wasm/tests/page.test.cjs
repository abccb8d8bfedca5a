// The preview page (www/) end to end in headless Chromium: served from 127.0.0.1 by a small
// static server in this process, loaded, edited, and photographed. Needs Debian's chromium
// (scripts/test-wasm.sh installs it); playwright-core drives it and downloads nothing.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");
const { HERE, ARTIFACTS, API, WORKER, MIGRATE } = require("./helpers.cjs");

const CHROMIUM = process.env.BINAUTHZ_CHROMIUM || "/usr/bin/chromium";
const FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm",
  ".json": "application/json",
  ".ts": "text/plain; charset=utf-8",
};

/** Serves binauthz-wasm/ (the page imports ../pkg-web/) on 127.0.0.1, on a free port. */
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://127.0.0.1");
    const file = path.join(HERE, decodeURIComponent(url.pathname));
    const inside = file === HERE || file.startsWith(HERE + path.sep);
    if (!inside || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end("not found");
      return;
    }
    res.writeHead(200, { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream", "cache-control": "no-store" });
    fs.createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

/** The verdict shown on the card of each image, by image reference. */
async function verdicts(page) {
  return page.$$eval('[data-testid="image"]', (cards) =>
    Object.fromEntries(cards.map((c) => [c.dataset.image, c.querySelector('[data-testid="verdict"]').textContent])),
  );
}

/** Replaces an editor's text as a person would (select all, type) and waits for the re-evaluation. */
async function edit(page, selector, text) {
  const before = Number(await page.getAttribute("body", "data-evaluations"));
  await page.fill(selector, text);
  await page.waitForFunction((n) => Number(document.body.dataset.evaluations) > n, before);
}

/** Opens the page in a fresh Chromium, waits until it has evaluated; closes both after the test. */
async function openPage(t) {
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (apt-get install chromium)`);
  assert.ok(fs.existsSync(path.join(HERE, "pkg-web", "examples.js")), "pkg-web/ is missing (bash binauthz-wasm/build.sh)");
  const { chromium } = require("playwright-core");
  const server = await serve();
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
  t.after(async () => {
    await browser.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const problems = [];
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("console", (m) => m.type() === "error" && problems.push(`console error: ${m.text()}`));
  page.on("request", (r) => !r.url().startsWith(origin) && problems.push(`request outside the page's origin: ${r.url()}`));

  await page.goto(`${origin}/www/index.html`);
  await page.waitForSelector('body[data-state="ready"]', { timeout: 30_000 });
  return { page, problems };
}

/** The example policy with its default rule replaced by ALWAYS_DENY. */
function alwaysDeny(policy) {
  const denyAll = policy.replace(
    /defaultAdmissionRule:\n(?: {2}.*\n|\s*\n)+?(?=\S)/,
    "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n\n",
  );
  assert.notEqual(denyAll, policy);
  return denyAll;
}

test("the preview page decides as the engine does, and follows edits", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await openPage(t);
  assert.match(await page.textContent("#version"), /^binauthz \d+\.\d+\.\d+/);

  // Pre-filled from spec/examples: the Deployment in namespace payments is blocked by the worker.
  assert.match(await page.textContent("#overall"), /^BLOCKED/);
  assert.deepStrictEqual(await verdicts(page), { [API]: "ALLOWED", [WORKER]: "DENIED", [MIGRATE]: "ALLOWED" });
  assert.match(await page.textContent("#policy-status"), /✓ projects\/acme\/policy: default rule REQUIRE_ATTESTATION by 2 attestor/);
  assert.match(await page.textContent("#attestors-status"), /ni:\/\/\/sha-256;NUvkVLjvbQ_HbWbZy16K2HnJWV0Stc1v1MeDFfBItgA/);
  assert.match(await page.textContent("#workload-status"), /Deployment payments: 3 containers, namespace payments/);
  const lintCodes = () => page.$$eval("#warnings li.lint code", (l) => l.map((x) => x.textContent));
  assert.deepStrictEqual(await lintCodes(), ["BZ004"]);
  const worker = page.locator(`[data-testid="image"][data-image="${WORKER}"]`);
  assert.deepStrictEqual(await worker.locator(".reasons li").evaluateAll((l) => l.map((x) => x.dataset.kind)), ["attested", "noAttestation"]);
  assert.match(await worker.locator(".denial").textContent(), /denied by attestor projects\/acme\/attestors\/security-scan/);

  // Change the policy to ALWAYS_DENY: the api image flips from ALLOWED to DENIED; the allowlist
  // still admits the base image.
  const policy = await page.inputValue("#policy");
  await edit(page, "#policy", alwaysDeny(policy));
  assert.deepStrictEqual(await verdicts(page), { [API]: "DENIED", [WORKER]: "DENIED", [MIGRATE]: "ALLOWED" });
  const api = page.locator(`[data-testid="image"][data-image="${API}"]`);
  assert.deepStrictEqual(await api.locator(".reasons li").evaluateAll((l) => l.map((x) => x.dataset.kind)), ["alwaysDeny"]);
  assert.match(await page.textContent("#policy-status"), /default rule ALWAYS_DENY/);
  // ... and the linter notices that no rule needs the security-scan attestor any more.
  assert.deepStrictEqual(await lintCodes(), ["BZ004", "BZ023"]);
  assert.match(await page.textContent("#overall"), /^BLOCKED/);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const screenshot = path.join(ARTIFACTS, "preview-always-deny.png");
  await page.screenshot({ path: screenshot, fullPage: true });
  t.diagnostic(`screenshot: ${screenshot}`);

  // An invalid policy shows the engine's error, with its code, under the policy editor.
  await edit(page, "#policy", "defaultAdmissionRule:\n  evaluationMode: SOMETIMES\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n");
  assert.match(await page.textContent("#policy-status"), /`defaultAdmissionRule\.evaluationMode`.*\[code: invalid\]/);
  assert.match(await page.textContent("#overall"), /^NO DECISION/);
  assert.equal(await page.locator('[data-testid="image"]').count(), 0);

  // Back to the example policy; the image-list mode with namespace staging admits everything
  // (the worker by the dry-run staging rule, a tag as DRY_RUN_VIOLATION).
  await edit(page, "#policy", policy);
  await page.check('input[name="mode"][value="images"]');
  await page.fill("#namespace", "staging");
  await edit(page, "#images", `${WORKER}\nus-docker.pkg.dev/acme/payments/api:v1.4.2\n`);
  assert.match(await page.textContent("#overall"), /^ADMITTED/);
  assert.deepStrictEqual(await verdicts(page), { [WORKER]: "ALLOWED", "us-docker.pkg.dev/acme/payments/api:v1.4.2": "DRY RUN VIOLATION" });
  await page.screenshot({ path: path.join(ARTIFACTS, "preview-staging.png"), fullPage: true });

  // The Cloud Run example (spec/examples/cloud-run-service.yaml): the api and its envoy sidecar
  // are admitted under the default rule only; the namespace field no longer applies.
  const before = Number(await page.getAttribute("body", "data-evaluations"));
  await page.selectOption("#example", "cloudRunService");
  await page.waitForFunction((n) => Number(document.body.dataset.evaluations) > n, before);
  const ENVOY = "us-docker.pkg.dev/acme/base-images/envoy:1.30";
  assert.match(await page.textContent("#workload-status"), /Service payments-api: 2 containers, Cloud Run service in us-central1, Binary Authorization default/);
  assert.match(await page.textContent("#overall"), /^ADMITTED.*Cloud Run service `payments-api`/);
  assert.deepStrictEqual(await verdicts(page), { [API]: "ALLOWED", [ENVOY]: "ALLOWED" });
  const notes = () => page.$$eval("#warnings li.note", (l) => l.map((x) => x.textContent));
  assert.ok((await notes()).some((n) => /only the default rule applies/.test(n)), "the default-rule note");
  // Without the annotation Cloud Run checks nothing; "assume enabled" previews the policy.
  const manifest = await page.inputValue("#manifest");
  await edit(page, "#manifest", manifest.replace("    run.googleapis.com/binary-authorization: default\n", ""));
  assert.deepStrictEqual(await verdicts(page), { [API]: "ALLOWED", [ENVOY]: "ALLOWED" });
  assert.equal(await page.locator('[data-testid="image"] .reasons li[data-kind="notEnabled"]').count(), 2);
  const unchecked = Number(await page.getAttribute("body", "data-evaluations"));
  await page.check("#assumeEnabled");
  await page.waitForFunction((n) => Number(document.body.dataset.evaluations) > n, unchecked);
  assert.equal(await page.locator('[data-testid="image"] .reasons li[data-kind="notEnabled"]').count(), 0);
  assert.deepStrictEqual(await verdicts(page), { [API]: "ALLOWED", [ENVOY]: "ALLOWED" });
  await page.screenshot({ path: path.join(ARTIFACTS, "preview-cloud-run.png"), fullPage: true });

  assert.deepStrictEqual(problems, []);
});

/** Each test case row of the policy-tests panel: its badge and name. */
async function cases(page) {
  return page.$$eval('#tests-out [data-testid="case"]', (rows) =>
    rows.map((r) => ({ badge: r.querySelector(".badge").textContent, name: r.querySelector(".name").textContent })),
  );
}

test("the policy-tests panel runs a test file against the page's editors", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await openPage(t);

  // The pre-filled suite tests the pre-filled policy: every case passes.
  assert.ok(await page.isVisible("#tests"), "the test-file editor is shown");
  assert.match(await page.inputValue("#tests"), /^policy: policy\.yaml$/m);
  const passing = await cases(page);
  assert.ok(passing.length >= 4, `cases shown: ${JSON.stringify(passing)}`);
  assert.deepStrictEqual(passing.filter((c) => c.badge !== "PASS"), []);
  assert.ok(passing.some((c) => c.name === "the deployment is blocked by its worker image"), "the case on deployment.yaml");
  assert.equal(await page.textContent("#tests-status"), `✓ ${passing.length} passed, 0 failed, 0 errors`);
  assert.equal(await page.getAttribute("#tests-status", "role"), "status");

  // The tests run against the policy editor's text: ALWAYS_DENY fails the case that expects
  // the attested api image to be admitted, with each mismatch's field, expectation and result.
  const policy = await page.inputValue("#policy");
  await edit(page, "#policy", alwaysDeny(policy));
  const failing = page.locator('#tests-out [data-testid="case"][data-status="failed"]', { hasText: "an image attested by both attestors is admitted" });
  assert.equal(await failing.count(), 1);
  assert.equal(await failing.locator(".badge").textContent(), "FAIL");
  const mismatches = await failing.locator("tbody tr").evaluateAll((rows) => rows.map((r) => [...r.cells].map((c) => c.textContent)));
  assert.ok(mismatches.some(([field, expected, actual]) => field === "allowed" && expected === "true" && actual === "false"), JSON.stringify(mismatches));
  assert.ok(mismatches.some(([field, expected, actual]) => field === 'images["0"].verdict' && expected === "ALLOWED" && actual === "DENIED"), JSON.stringify(mismatches));
  assert.match(await page.textContent("#tests-status"), /^✗ \d+ passed, [1-9]\d* failed, 0 errors$/);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.locator(".tests").screenshot({ path: path.join(ARTIFACTS, "preview-policy-tests.png") });

  // Back to the example policy: everything passes again.
  await edit(page, "#policy", policy);
  assert.deepStrictEqual((await cases(page)).filter((c) => c.badge !== "PASS"), []);

  // A malformed test file (a misspelt field) shows the engine's error with its path, and no rows.
  const suite = await page.inputValue("#tests");
  await edit(page, "#tests", suite.replace("    allowed: true\n", "    allowd: true\n"));
  assert.match(await page.textContent("#tests-status"), /cases\[0\]\.expect\.allowd.*\[code: invalid\]/s);
  assert.match(await page.getAttribute("#tests-status", "class"), /\berror\b/);
  assert.equal(await page.locator('#tests-out [data-testid="case"]').count(), 0);
  // The decision panel is not affected by the test file.
  assert.match(await page.textContent("#overall"), /^BLOCKED/);

  // Text from the test file is shown as text, never as markup.
  await edit(page, "#tests", suite.replace("- name: an image attested by both attestors is admitted", '- name: "<img src=x onerror=alert(1)>"'));
  assert.equal((await cases(page))[0].name, "<img src=x onerror=alert(1)>");
  assert.equal(await page.locator("#tests-out img").count(), 0);

  assert.deepStrictEqual(problems, []);
});

/** The verdict shown on each pod card of a platform-policy response, by namespace/name. */
async function podVerdicts(page) {
  return page.$$eval('[data-testid="pod"]', (cards) =>
    Object.fromEntries(cards.map((c) => [c.dataset.pod, c.querySelector(':scope > header [data-testid="verdict"]').textContent])),
  );
}

/** Checks a radio button and waits for the re-evaluation it starts. */
async function choose(page, selector) {
  const before = Number(await page.getAttribute("body", "data-evaluations"));
  await page.check(selector);
  await page.waitForFunction((n) => Number(document.body.dataset.evaluations) > n, before);
}

test("the preview page switches to a platform policy and evaluates it with evaluatePlatformPolicy", { timeout: 120_000 }, async (t) => {
  const { page, problems } = await openPage(t);
  assert.ok(await page.isVisible("#policy"), "the project policy is shown first");
  assert.ok(!(await page.isVisible("#platform-policy")), "the platform policy editor is hidden at first");

  // The worked example of spec/README.md §15.7 decides as its table says.
  await choose(page, "#kind-platform");
  assert.ok(await page.isVisible("#platform-policy") && await page.isVisible("#platform-request"));
  for (const id of ["#policy", "#attestors", "#attestations", "#manifest", "#tests"]) {
    assert.ok(!(await page.isVisible(id)), `${id} is hidden for a platform policy`);
  }
  assert.match(await page.textContent("#platform-policy-status"), /^✓ .*payments \(payments: 3 checks\); everything else \(every other pod: 2 checks\), 1 allowlist pattern/);
  assert.match(await page.textContent("#overall"), /^NON CONFORMANT\s*4 pods: 2 conformant, 2 non-conformant, 0 could not be evaluated/);
  assert.equal(await page.getAttribute("#overall", "data-verdict"), "NON_CONFORMANT");
  // Its one lint finding (lintPlatformPolicy): the freshness check needs upload times.
  assert.deepStrictEqual(await page.$$eval("#warnings li.lint code", (l) => l.map((x) => x.textContent)), ["BZ051"]);
  assert.deepStrictEqual(await podVerdicts(page), {
    "payments/api-7d4b9": "CONFORMANT",
    "payments/worker-5f8c2": "NON CONFORMANT",
    "tools/reports-28190": "CONFORMANT",
    "default/miner": "NON CONFORMANT",
  });
  // Each image shows its check set's checks, with the engine's explanations.
  const worker = page.locator('[data-testid="pod"][data-pod="payments/worker-5f8c2"]');
  const failing = await worker.locator('[data-testid="check"].verdict-NON_CONFORMANT .name').allTextContents();
  assert.deepStrictEqual(failing.sort(), ["fresh (ImageFreshnessCheck)", "scanned (VulnerabilityCheck)"]);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, "preview-platform.png"), fullPage: true });

  // An invalid platform policy shows every error under its editor, and no decision.
  const policy = await page.inputValue("#platform-policy");
  await edit(page, "#platform-policy", policy.replace("imageFreshnessCheck:", "imageFreshnesCheck:"));
  assert.match(await page.textContent("#platform-policy-status"), /imageFreshnesCheck.*\[code: invalid\]/s);
  assert.match(await page.textContent("#overall"), /^NO DECISION/);
  assert.equal(await page.locator('[data-testid="pod"]').count(), 0);
  // A request that cannot be read: the engine's error under the request editor.
  await edit(page, "#platform-policy", policy);
  const request = await page.inputValue("#platform-request");
  await edit(page, "#platform-request", request.replace('"evaluationTime": "2026-11-30T12:00:00Z"', '"evaluationTime": "yesterday"'));
  assert.match(await page.textContent("#platform-request-status"), /evaluationTime.*\[code: invalid\]/s);
  assert.match(await page.textContent("#overall"), /^NO DECISION/);
  await edit(page, "#platform-request", request);
  assert.match(await page.textContent("#overall"), /^NON CONFORMANT/);

  // Back to the project policy: its decision again, from the editors as they were left.
  await choose(page, "#kind-project");
  assert.ok(await page.isVisible("#policy") && !(await page.isVisible("#platform-policy")));
  assert.match(await page.textContent("#overall"), /^BLOCKED/);
  assert.equal(await page.getAttribute("#overall", "data-verdict"), null);
  assert.deepStrictEqual(await verdicts(page), { [API]: "ALLOWED", [WORKER]: "DENIED", [MIGRATE]: "ALLOWED" });
  assert.deepStrictEqual(problems, []);
});
