// The TypeScript declarations (ts/binauthz.d.ts, emitted into pkg/*.d.ts) against reality:
// tsc --strict type-checks tests/types/usage.ts, and a file of real outputs and inputs —
// every decision of the conformance cases and examples as `Decision` object literals, every
// valid case's config and request as `Config` / `EvaluationRequest`, and summaries, extractions
// and errors — so a field the declarations miss, misname or mistype fails the check.
const test = require("node:test");
const assert = require("node:assert/strict");
const fs = require("node:fs");
const path = require("node:path");
const { execFileSync } = require("node:child_process");
const { HERE, ARTIFACTS, binauthz, example, conformanceCases, platformCases, attempt, API, WORKER, MIGRATE } = require("./helpers.cjs");

const OUT = path.join(ARTIFACTS, "types");

function realOutputs() {
  const decisions = [];
  const configs = [];
  const requests = [];
  const errors = [];
  for (const c of conformanceCases()) {
    const config = c.config ?? c.configText;
    const request = c.request ?? c.requestText;
    const outcome = attempt(() => new binauthz.Engine(config).evaluate(request));
    if (outcome.error) {
      const { name, code, stage, path: where, message } = outcome.error;
      errors.push({ name, code, stage, path: where, message });
    } else {
      decisions.push(outcome.value);
      if (c.config) configs.push(c.config);
      // Occurrences the engine tolerates but that are not the shape to write (spec §5: original
      // proto field names; occurrences skipped as unreadable or ignored as another kind) are
      // decided, and their decisions typed, but the request itself is not a typed input.
      const tolerated =
        outcome.value.images.some((i) => i.reasons.some((r) => r.kind === "occurrenceMalformed")) ||
        outcome.value.notes.some((n) => /skipped|ignored/.test(n)) ||
        /"[a-z]+(_[a-z]+)+":/.test(JSON.stringify(c.request?.attestations ?? []));
      if (c.request && !tolerated) requests.push(c.request);
    }
  }
  const engine = binauthz.Engine.fromPolicy(example("policy.yaml"), example("attestors.yaml"));
  const attestations = example("attestations.json");
  for (const context of [undefined, { namespace: "staging" }, { breakglass: true }, { cluster: "us-east1-a.prod", istioIdentity: "spiffe://x/ns/a/sa/b" }]) {
    decisions.push(engine.evaluateImages([MIGRATE, API, WORKER, "gke.gcr.io/kube-proxy:v1", "us-docker.pkg.dev/acme/payments/api:v1"], attestations, context));
  }
  const extracted = [binauthz.extractImages(example("deployment.yaml")), binauthz.extractImages(example("cloud-run-service.yaml"))];
  const policies = [binauthz.validatePolicy(example("policy.yaml"))];
  for (const c of conformanceCases()) {
    const p = c.config?.policy && attempt(() => binauthz.validatePolicy(c.config.policy));
    if (p?.value && p.value.specificRules) policies.push(p.value);
  }
  const attestorSummaries = binauthz.validateAttestors(example("attestors.yaml"));
  const lints = [binauthz.lintPolicy(example("policy.yaml"), example("attestors.yaml"))];
  const validationErrors = [];
  for (const c of conformanceCases()) {
    if (c.config?.policy) {
      const found = attempt(() => binauthz.lintPolicy(c.config.policy, c.config.attestors ?? null));
      if (found.value?.length) lints.push(found.value);
      if (found.error?.errors) validationErrors.push(found.error.errors);
    }
    for (const a of c.config?.attestors ?? []) {
      const s = attempt(() => binauthz.validateAttestors(a));
      if (s.value) attestorSummaries.push(...s.value);
    }
  }
  // Platform policies: every case's response, CV events, summary, and its policy and request
  // where they are JSON objects (policies in YAML are read, not typed).
  const platform = { responses: [], events: [], summaries: [], policies: [], requests: [] };
  for (const c of platformCases()) {
    const request = c.request ?? c.requestText;
    const response = attempt(() => binauthz.evaluatePlatformPolicy(c.policyText, request));
    if (response.error) continue;
    platform.responses.push(response.value);
    platform.events.push(...binauthz.platformCvEvents(c.policyText, request));
    platform.summaries.push(binauthz.validatePlatformPolicy(c.policyText));
    const platformLints = binauthz.lintPlatformPolicy(c.policyText);
    if (platformLints.length) lints.push(platformLints);
    const policy = attempt(() => JSON.parse(c.policyText));
    if (policy.value) platform.policies.push(policy.value);
    if (c.request) platform.requests.push(c.request);
  }
  platform.events.push(...binauthz.platformCvEvents("gkePolicy: {checkSets: 1}", "{}"));
  lints.push(binauthz.lintPlatformPolicy(example("platform/platform-policy.yaml")));
  return { decisions, configs, requests, errors, extracted, policies, attestorSummaries, lints, validationErrors, platform, features: binauthz.features() };
}

test("the TypeScript declarations describe the real shapes (tsc --strict)", (t) => {
  const outputs = realOutputs();
  assert.ok(outputs.decisions.length >= 50 && outputs.errors.length >= 20);
  assert.ok(outputs.platform.responses.length >= 10 && outputs.platform.events.length >= 5, "platform outputs");
  fs.mkdirSync(OUT, { recursive: true });
  let pkg = path.relative(OUT, path.join(HERE, "pkg", "binauthz_wasm")).split(path.sep).join("/");
  if (!pkg.startsWith(".")) pkg = `./${pkg}`;
  const lines = [
    "// Generated by binauthz-wasm/tests/types.test.cjs from real outputs; do not edit.",
    `import type { AttestorSummary, BinauthzError, BuildFeature, Config, ContinuousValidationEvent, Decision, EvaluateGkePolicyResponse, EvaluationRequest, ExtractedImages, LintFinding, PlatformPolicy, PlatformPolicySummary, PlatformRequest, PolicySummary } from ${JSON.stringify(pkg)};`,
    `export const decisions: Decision[] = ${JSON.stringify(outputs.decisions, null, 1)};`,
    `export const configs: Config[] = ${JSON.stringify(outputs.configs, null, 1)};`,
    `export const requests: EvaluationRequest[] = ${JSON.stringify(outputs.requests, null, 1)};`,
    `export const errors: Pick<BinauthzError, "name" | "code" | "stage" | "path" | "message">[] = ${JSON.stringify(outputs.errors, null, 1)};`,
    `export const extracted: ExtractedImages[] = ${JSON.stringify(outputs.extracted, null, 1)};`,
    `export const policies: PolicySummary[] = ${JSON.stringify(outputs.policies, null, 1)};`,
    `export const attestors: AttestorSummary[] = ${JSON.stringify(outputs.attestorSummaries, null, 1)};`,
    `export const lints: LintFinding[][] = ${JSON.stringify(outputs.lints, null, 1)};`,
    `export const validationErrors: NonNullable<BinauthzError["errors"]>[] = ${JSON.stringify(outputs.validationErrors, null, 1)};`,
    `export const features: BuildFeature[] = ${JSON.stringify(outputs.features)};`,
    `export const platformResponses: EvaluateGkePolicyResponse[] = ${JSON.stringify(outputs.platform.responses, null, 1)};`,
    `export const platformEvents: ContinuousValidationEvent[] = ${JSON.stringify(outputs.platform.events, null, 1)};`,
    `export const platformSummaries: PlatformPolicySummary[] = ${JSON.stringify(outputs.platform.summaries, null, 1)};`,
    `export const platformPolicies: PlatformPolicy[] = ${JSON.stringify(outputs.platform.policies, null, 1)};`,
    `export const platformRequests: PlatformRequest[] = ${JSON.stringify(outputs.platform.requests, null, 1)};`,
    "",
  ];
  fs.writeFileSync(path.join(OUT, "outputs.ts"), lines.join("\n"));
  const tsconfig = {
    compilerOptions: {
      strict: true,
      noEmit: true,
      noUnusedLocals: true,
      exactOptionalPropertyTypes: false,
      target: "es2022",
      module: "node16",
      lib: ["es2022", "esnext.disposable", "dom"],
      types: [],
    },
    files: [path.join(HERE, "tests", "types", "usage.ts"), path.join(OUT, "outputs.ts")],
  };
  fs.writeFileSync(path.join(OUT, "tsconfig.json"), JSON.stringify(tsconfig, null, 2));
  const tsc = path.join(HERE, "node_modules", "typescript", "bin", "tsc");
  let output = "";
  try {
    output = execFileSync(process.execPath, [tsc, "-p", path.join(OUT, "tsconfig.json"), "--pretty", "false"], { encoding: "utf8" });
  } catch (e) {
    assert.fail(`tsc found errors:\n${e.stdout}${e.stderr}`);
  }
  t.diagnostic(`tsc checked ${outputs.decisions.length} decisions, ${outputs.configs.length} configs, ${outputs.requests.length} requests, ${outputs.errors.length} errors, ${outputs.attestorSummaries.length} attestor summaries, ${outputs.lints.flat().length} lint findings ${output}`.trim());
});

test("the declarations are not `any`: pkg/*.d.ts name every shape", () => {
  for (const dir of ["pkg", "pkg-web"]) {
    const dts = fs.readFileSync(path.join(HERE, dir, "binauthz_wasm.d.ts"), "utf8");
    for (const signature of [
      "constructor(config: Config | string);",
      "evaluate(request: EvaluationRequest | string): Decision;",
      "evaluateImages(images: string[], attestations?: Occurrence | Occurrence[] | string | null, context?: Context | null, evaluationTime?: string | null): Decision;",
      "export function lintPolicy(policy: Policy | string, attestors?: Attestor | Attestor[] | string | null): LintFinding[];",
      "export function features(): BuildFeature[];",
      "static fromPolicy(policy: Policy | string, attestors?: Attestor | Attestor[] | string | null): Engine;",
      "export function extractImages(k8sObject: KubernetesObject | CloudRunV2Object | AdmissionReview | string): ExtractedImages;",
      "export function validatePolicy(policy: Policy | string): PolicySummary;",
      "export function validatePlatformPolicy(policy: PlatformPolicy | string): PlatformPolicySummary;",
      "export function evaluatePlatformPolicy(policy: PlatformPolicy | string, request: PlatformRequest | string): EvaluateGkePolicyResponse;",
      "export function lintPlatformPolicy(policy: PlatformPolicy | string): LintFinding[];",
      "export function platformCvEvents(policy: PlatformPolicy | string, request: PlatformRequest | string): ContinuousValidationEvent[];",
      "export function validateAttestors(attestors: Attestor | Attestor[] | string): AttestorSummary[];",
      "export function createSignaturePayload(artifactUrl: string): string;",
      "export interface Decision {",
      "setCacheCapacity(entries: number): void;",
      "cacheStats(): CacheStats;",
    ]) {
      assert.ok(dts.includes(signature), `${dir}/binauthz_wasm.d.ts lacks ${signature}`);
    }
    const publicPart = dts.split("export type InitInput")[0];
    assert.doesNotMatch(publicPart.replace(/\/\*\*[\s\S]*?\*\//g, ""), /:\s*any\b/, `${dir}: an \`any\` in the public declarations`);
  }
});
