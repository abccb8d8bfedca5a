// Compile-only: the API as a TypeScript user writes it. `tsc --strict` must accept every line,
// and every `@ts-expect-error` must really be an error (so the types are not `any`).
import {
  Engine,
  createSignaturePayload,
  extractImages,
  features,
  lintPlatformPolicy,
  lintPolicy,
  evaluatePlatformPolicy,
  platformCvEvents,
  validateAttestors,
  validatePlatformPolicy,
  validatePolicy,
  version,
  type AttestorSummary,
  type BinauthzError,
  type CacheStats,
  type Config,
  type Decision,
  type ContinuousValidationEvent,
  type ErrorCode,
  type EvaluateGkePolicyResponse,
  type EvaluationRequest,
  type ExtractedImages,
  type ImageDecision,
  type LintFinding,
  type PlatformPolicy,
  type PlatformPolicySummary,
  type PlatformRequest,
  type PolicySummary,
  type ReasonKind,
  type Verdict,
  type WebCryptoStats,
} from "../../pkg/binauthz_wasm";
import init, { Engine as WebEngine, type InitOutput } from "../../pkg-web/binauthz_wasm";

const config: Config = {
  policy: {
    name: "projects/p/policy",
    globalPolicyEvaluationMode: "ENABLE",
    admissionWhitelistPatterns: [{ namePattern: "gcr.io/p/base/**" }],
    defaultAdmissionRule: {
      evaluationMode: "REQUIRE_ATTESTATION",
      enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG",
      requireAttestationsBy: ["projects/p/attestors/ci"],
    },
    kubernetesNamespaceAdmissionRules: {
      staging: { evaluationMode: "ALWAYS_ALLOW", enforcementMode: "DRYRUN_AUDIT_LOG_ONLY" },
    },
  },
  attestors: [
    {
      name: "projects/p/attestors/ci",
      userOwnedGrafeasNote: {
        noteReference: "projects/p/notes/ci",
        publicKeys: [{ pkixPublicKey: { publicKeyPem: "-----BEGIN PUBLIC KEY-----…", signatureAlgorithm: "EC_SIGN_P256_SHA256" } }],
      },
    },
  ],
};

const engine: Engine = new Engine(config);
const fromText: Engine = new Engine("policy: {defaultAdmissionRule: {}}");
const fromDocs: Engine = Engine.fromPolicy(config.policy, config.attestors ?? null);
Engine.fromPolicy("defaultAdmissionRule: {}");
const name: string | undefined = engine.policyName;
const attestorNames: string[] = engine.attestorNames;

const request: EvaluationRequest = {
  images: ["gcr.io/p/app@sha256:0000000000000000000000000000000000000000000000000000000000000000"],
  attestations: [
    {
      name: "projects/p/occurrences/1",
      resourceUri: "https://gcr.io/p/app@sha256:0000000000000000000000000000000000000000000000000000000000000000",
      noteName: "projects/p/notes/ci",
      kind: "ATTESTATION",
      createTime: "2025-01-01T00:00:00Z",
      attestation: { serializedPayload: "e30=", signatures: [{ publicKeyId: "k", signature: "AA==" }] },
    },
  ],
  context: { namespace: "staging", breakglass: false },
};
const objectRequest: EvaluationRequest = {
  object: { apiVersion: "v1", kind: "Pod", metadata: { name: "x" }, spec: { containers: [] } },
};

const decision: Decision = engine.evaluate(request);
engine.evaluate(objectRequest);
engine.evaluate("images: [gcr.io/p/app:1]");
const first: ImageDecision | undefined = decision.images[0];
const verdict: Verdict | undefined = first?.verdict;
const kinds: ReasonKind[] = decision.images.flatMap((i) => i.reasons.map((r) => r.kind));
const denied: string[] = decision.images.filter((i) => !i.allowed).map((i) => i.denial ?? "");
const ruleKey: string | null | undefined = first?.rule?.key;
const verifiedKey: string | undefined = first?.attestors[0]?.verifiedBy?.keyId;
const dryRunLabel: "true" | undefined = decision.audit.labels["imagepolicywebhook.image-policy.k8s.io/dry-run"];
engine.evaluateImages(["gcr.io/p/app:1"]);
engine.evaluateImages(["gcr.io/p/app:1"], "[]", { cluster: "us-east1-a.prod" });
engine.evaluateImages(["gcr.io/p/app:1"], request.attestations ?? null, null);

const pod: ExtractedImages = extractImages("kind: Pod");
engine.evaluateImages(pod.images, null, pod.context);
extractImages({ apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", request: { uid: "u", object: { kind: "Pod" } } });
const policy: PolicySummary = validatePolicy(config.policy);
const rulesKind: "cluster" | "namespace" | "serviceAccount" | "istioIdentity" | undefined = policy.specificRules?.kind;
const attestors: AttestorSummary[] = validateAttestors("[]");
const payload: string = createSignaturePayload("gcr.io/p/app@sha256:0000000000000000000000000000000000000000000000000000000000000000");
const v: string = version();
const hasPgp: boolean = features().includes("pgp");
const findings: LintFinding[] = lintPolicy(config.policy, config.attestors ?? null);
const warnings: string[] = findings.filter((f) => f.severity === "warning").map((f) => `${f.code} ${f.path}: ${f.message} (${f.fix})`);
engine.evaluateImages(["gcr.io/p/app:1"], null, null, "2026-01-01T00:00:00Z");
engine.setCacheCapacity(100);
const cache: CacheStats = engine.cacheStats();
const hitRate: number = cache.hits / Math.max(1, cache.hits + cache.misses);
const cacheHits: number = decision.diagnostics.cacheHits;

// Check-based platform policies: documents as objects or text.
const platformPolicy: PlatformPolicy = {
  gkePolicy: { checkSets: [{ displayName: "deny", checks: [{ displayName: "no", alwaysDeny: true }] }] },
};
const platformRequest: PlatformRequest = {
  object: { apiVersion: "v1", kind: "Pod", metadata: { name: "web", namespace: "prod" } },
  evaluationTime: "2026-01-01T00:00:00Z",
};
const platformSummary: PlatformPolicySummary = validatePlatformPolicy(platformPolicy);
const firstScope: string | undefined = platformSummary.checkSets[0]?.scope;
const gke: EvaluateGkePolicyResponse = evaluatePlatformPolicy(platformPolicy, platformRequest);
const conforms: boolean = gke.verdict === "CONFORMANT";
const fromYaml: EvaluateGkePolicyResponse = evaluatePlatformPolicy("gkePolicy: {}", JSON.stringify(platformRequest));
const cvEvents: ContinuousValidationEvent[] = platformCvEvents(platformPolicy, platformRequest);
const platformFindings: LintFinding[] = lintPlatformPolicy(platformPolicy);
const emptySets: string[] = platformFindings.filter((f) => f.code === "BZ050").map((f) => f.path);
const cvErrors: string[] = cvEvents.flatMap((e) => (e.configErrorEvent ? [e.configErrorEvent.description] : []));

async function webCrypto(): Promise<void> {
  const d: Decision = await engine.evaluateAsync(request);
  const fromText: Decision = await engine.evaluateAsync("images: [gcr.io/p/app:1]");
  const stats: WebCryptoStats = engine.webCryptoStats();
  const used: number = stats.accepted + stats.rejected + stats.failed;
  // @ts-expect-error: evaluateAsync resolves to a decision; it is not one
  const notAwaited: Decision = engine.evaluateAsync(request);
  void [d, fromText, used, notAwaited];
}

try {
  engine.evaluate({ images: [] });
} catch (e) {
  const err = e as BinauthzError;
  const code: ErrorCode = err.code;
  const stage: "config" | "request" = err.stage;
  const where: string = err.path;
  const message: string = err.message;
  const all: string[] = (err.errors ?? []).map((d) => `${d.code} ${d.path} ${d.message}`);
  void [code, stage, where, message, all];
}

async function web(): Promise<void> {
  const output: InitOutput = await init();
  const e = new WebEngine(config);
  const d: Decision = e.evaluate(request);
  void [output, d];
}

// ---- what must not compile -------------------------------------------------------------------

// @ts-expect-error: an unknown evaluation mode
new Engine({ policy: { defaultAdmissionRule: { evaluationMode: "SOMETIMES", enforcementMode: "ENFORCED_BLOCK_AND_AUDIT_LOG" } } });
// @ts-expect-error: the default rule is required
new Engine({ policy: {} });
// @ts-expect-error: an unknown policy field
new Engine({ policy: { ...config.policy, admissionAllowlistPatterns: [] } });
// @ts-expect-error: images and object together
engine.evaluate({ images: ["a"], object: { kind: "Pod" } });
// @ts-expect-error: images must be a list
engine.evaluate({ images: "gcr.io/p/app:1" });
// @ts-expect-error: context fields are strings
engine.evaluateImages(["a"], null, { namespace: 1 });
// @ts-expect-error: allowed is a boolean
const notNumber: number = decision.allowed;
// @ts-expect-error: a cache size is a number
engine.setCacheCapacity("100");
// @ts-expect-error: not a verdict
const notVerdict: Verdict = "MAYBE";
// @ts-expect-error: digest may be null
const digest: string = decision.images[0]!.digest;
const invalidReference: ReasonKind = "invalidReference";
// @ts-expect-error: not a reason kind
const notKind: ReasonKind = "signatureValid";
// @ts-expect-error: not an error code
const notCode: ErrorCode = "internal";
// @ts-expect-error: not a lint code
const notLint: LintFinding["code"] = "BZ999";
// @ts-expect-error: evaluationTime is text
engine.evaluateImages(["a"], null, null, 1700000000);
// @ts-expect-error: not a platform verdict
const notPlatformVerdict: EvaluateGkePolicyResponse["verdict"] = "ALLOWED";
// @ts-expect-error: a platform request needs an object
evaluatePlatformPolicy(platformPolicy, { evaluationTime: "2026-01-01T00:00:00Z" });
// @ts-expect-error: a platform policy is under gkePolicy
validatePlatformPolicy({ checkSets: [] });
// @ts-expect-error: unknown algorithm
const notAlgorithm: AttestorSummary["publicKeys"][number]["signatureAlgorithm"] = "ML_DSA_65";

void [fromText, fromDocs, name, attestorNames, verdict, kinds, denied, ruleKey, verifiedKey, dryRunLabel, rulesKind, attestors, payload, v, web, webCrypto];
void [notNumber, notVerdict, digest, invalidReference, notKind, notCode, notAlgorithm, notLint, hasPgp, warnings, hitRate, cacheHits];
void [firstScope, conforms, fromYaml, cvErrors, emptySets, notPlatformVerdict];
