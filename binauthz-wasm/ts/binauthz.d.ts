// The shapes binauthz reads and returns (spec/README.md §2-§10). Hand-written from the Rust types
// of binauthz-core, checked against real outputs by `tsc` (tests/types.test.cjs) and against the
// JSON Schemas generated from those types, spec/schema/ (tests/schema.test.cjs).

/** The stable category of an error (spec §1). */
export type ErrorCode = "syntax" | "limit" | "invalid" | "reference" | "unsupported";

/** Which input was at fault: the config (policy, attestors) or the request (images, attestations,
 * context, Kubernetes objects, artifact URLs). */
export type ErrorStage = "config" | "request";

/** What every function of this package throws for bad input. */
export interface BinauthzError extends Error {
  name: "BinauthzError";
  /** The stable category. */
  code: ErrorCode;
  /** Which input was at fault. */
  stage: ErrorStage;
  /** The field path within the document, e.g. `defaultAdmissionRule.evaluationMode`; empty for
   * the whole document. */
  path: string;
  /** Every error found: all of them from the checks that report them all ({@link validatePolicy},
   * {@link validateAttestors}, {@link lintPolicy}, {@link Engine.fromPolicy}), else the one that
   * stopped the call; `code` and `path` above are the first one's. The same report as C's
   * `binauthz_error_json` and Go's `binauthz.Error` (spec §8.5). */
  errors: ErrorDetail[];
}

/** One error of one document. */
export interface ErrorDetail {
  /** The document at fault: `config`, `request`, `policy`, `attestors`, … */
  document: string;
  code: ErrorCode;
  /** The field path within that document. */
  path: string;
  /** The message, with the path. */
  message: string;
}

/** Optional parts of the engine a module was built with ({@link features}). */
export type BuildFeature = "pgp";

// ---- inputs: GCP's formats -------------------------------------------------------------------

/** `evaluationMode` of an admission rule. */
export type EvaluationMode = "ALWAYS_ALLOW" | "REQUIRE_ATTESTATION" | "ALWAYS_DENY";

/** `enforcementMode` of an admission rule. */
export type EnforcementMode = "ENFORCED_BLOCK_AND_AUDIT_LOG" | "DRYRUN_AUDIT_LOG_ONLY";

/** `globalPolicyEvaluationMode` of a policy (absent means DISABLE). */
export type GlobalPolicyEvaluationMode = "ENABLE" | "DISABLE";

/** An admission rule as the policy document writes it. */
export interface AdmissionRule {
  evaluationMode: EvaluationMode;
  enforcementMode: EnforcementMode;
  /** Attestor names `projects/P/attestors/A`; required (non-empty) for REQUIRE_ATTESTATION only. */
  /** A single name is a list of one, and null is absent, as gcloud imports them (spec §2.1). */
  requireAttestationsBy?: string[] | string | null;
}

/** A policy, as `gcloud container binauthz policy export` prints it (spec §2.1). */
export interface Policy {
  /** `projects/P/policy`. Any field may be null, which is as if absent (gcloud's import). */
  name?: string | null;
  description?: string | null;
  globalPolicyEvaluationMode?: GlobalPolicyEvaluationMode | null;
  /** A single pattern is a list of one, as gcloud imports it (spec §2.1). */
  admissionWhitelistPatterns?: { namePattern: string }[] | { namePattern: string } | null;
  defaultAdmissionRule: AdmissionRule;
  /** Keyed by `LOCATION.CLUSTER_ID`. At most one kind of specific rule per policy. */
  clusterAdmissionRules?: Record<string, AdmissionRule> | null;
  /** Keyed by namespace. */
  kubernetesNamespaceAdmissionRules?: Record<string, AdmissionRule> | null;
  /** Keyed by `NAMESPACE:NAME`. */
  kubernetesServiceAccountAdmissionRules?: Record<string, AdmissionRule> | null;
  /** Keyed by `[spiffe://]DOMAIN/ns/NS/sa/SA`. */
  istioServiceIdentityAdmissionRules?: Record<string, AdmissionRule> | null;
  etag?: string | null;
  updateTime?: string | null;
}

/** Every `signatureAlgorithm` GCP offers, with its aliases (spec §2.2). */
export type SignatureAlgorithm =
  | "RSA_PSS_2048_SHA256" | "RSA_SIGN_PSS_2048_SHA256"
  | "RSA_PSS_3072_SHA256" | "RSA_SIGN_PSS_3072_SHA256"
  | "RSA_PSS_4096_SHA256" | "RSA_SIGN_PSS_4096_SHA256"
  | "RSA_PSS_4096_SHA512" | "RSA_SIGN_PSS_4096_SHA512"
  | "RSA_SIGN_PKCS1_2048_SHA256"
  | "RSA_SIGN_PKCS1_3072_SHA256"
  | "RSA_SIGN_PKCS1_4096_SHA256"
  | "RSA_SIGN_PKCS1_4096_SHA512"
  | "ECDSA_P256_SHA256" | "EC_SIGN_P256_SHA256"
  | "ECDSA_P384_SHA384" | "EC_SIGN_P384_SHA384"
  | "ECDSA_P521_SHA512" | "EC_SIGN_P521_SHA512";

/** One public key of an attestor. */
export interface AttestorPublicKey {
  /** Optional for PKIX keys: the default is `ni:///sha-256;` + base64url(SHA-256(DER)). */
  id?: string;
  comment?: string;
  pkixPublicKey?: {
    publicKeyPem: string;
    signatureAlgorithm: SignatureAlgorithm;
    /** Must equal `id` when both are set. */
    keyId?: string;
  };
  /** An OpenPGP public key (needs a build with the `pgp` feature; otherwise rejected with code
   * `unsupported`). */
  asciiArmoredPgpPublicKey?: string;
}

/** The note an attestor's attestations are filed under, with its keys. */
export interface AttestorNote {
  /** `projects/P/notes/N`. */
  noteReference: string;
  /** A single key is a list of one (spec §2.2). */
  publicKeys?: AttestorPublicKey[] | AttestorPublicKey | null;
  /** Output-only; ignored. */
  delegationServiceAccountEmail?: string;
}

/** An attestor, as `gcloud container binauthz attestors describe --format=json` prints it. */
export interface Attestor {
  /** `projects/P/attestors/A`. */
  name: string;
  description?: string;
  userOwnedGrafeasNote?: AttestorNote;
  /** v1beta1's name for `userOwnedGrafeasNote`. */
  userOwnedDrydockNote?: AttestorNote;
  updateTime?: string;
  etag?: string;
}

/** What an engine is compiled from (spec §2). */
export interface Config {
  policy: Policy;
  /** May be omitted when the policy requires no attestations. */
  attestors?: Attestor[] | null;
}

/** One signature of an attestation occurrence. */
export interface OccurrenceSignature {
  publicKeyId: string;
  /** Standard or URL-safe base64, padded or not. */
  signature: string;
}

/** A PGP-signed attestation (Grafeas `PgpSignedAttestation`). */
export interface PgpSignedAttestation {
  /** The armored or base64 signature, with the payload attached (or detached over
   * `serializedPayload`). */
  signature: string;
  /** SIMPLE_SIGNING_JSON, or unspecified (proto3's default; spec §11.4). */
  contentType?: "SIMPLE_SIGNING_JSON" | "CONTENT_TYPE_UNSPECIFIED";
  /** The signing key's fingerprint. */
  pgpKeyId: string;
}

/** An attestation occurrence, as `gcloud container binauthz attestations list --format=json`
 * prints it (spec §5). Fields binauthz does not use are accepted and ignored, and every field may
 * also go by its original proto name (`note_name`, `resource_uri`, …). One that cannot be read is
 * skipped (reason `occurrenceMalformed`); as text, an attestations document may also be a YAML
 * stream or a Container Analysis list response (`{"occurrences": [...], "nextPageToken": ...}`). */
export interface Occurrence {
  /** `projects/P/occurrences/ID`. */
  name?: string;
  /** `[https://]REGISTRY/PATH@sha256:HEX` (or the legacy `resource.uri`). */
  resourceUri?: string;
  /** The legacy (v1beta1) form of `resourceUri`. */
  resource?: { uri: string; [field: string]: unknown };
  /** `projects/P/notes/N`: counts for the attestor with that `noteReference`. */
  noteName: string;
  /** `ATTESTATION` (or 7); an occurrence of any other kind is ignored, with a note. */
  kind?: string | number;
  attestation: {
    /** base64 of the signed payload (see {@link createSignaturePayload}); optional with a
     * PGP-signed attestation that carries it. */
    serializedPayload?: string;
    signatures?: OccurrenceSignature[];
    pgpSignedAttestation?: PgpSignedAttestation;
    /** The v1beta1 nesting. */
    attestation?: { pgpSignedAttestation?: PgpSignedAttestation; genericSignedAttestation?: unknown };
    [field: string]: unknown;
  };
  [field: string]: unknown;
}

/** Where the images are being deployed; selects the specific rule that applies (spec §7). */
export interface Context {
  /** `LOCATION.CLUSTER_ID`. */
  cluster?: string;
  namespace?: string;
  /** Within `namespace`; `default` when a namespace is given without it. */
  serviceAccount?: string;
  /** With or without `spiffe://`. */
  istioIdentity?: string;
  /** Admit everything, but still evaluate and record what would have happened. */
  breakglass?: boolean;
  /** Cloud Run only: evaluate under the engine's policy even when the object does not enable
   * Binary Authorization, or names a platform policy binauthz does not compile (spec §13). */
  assumeEnabled?: boolean;
  /** The Cloud Run service or job the images belong to (spec §13). */
  cloudRun?: CloudRunContext;
}

/** A Cloud Run service or job, as a request's and a decision's context carry it (spec §13). */
export interface CloudRunContext {
  kind: "service" | "job";
  name?: string;
  /** v1 `metadata.namespace` (a project number or id), or the project of a v2 `name`. */
  project?: string;
  /** The `cloud.googleapis.com/location` label, or the location of a v2 `name`. */
  location?: string;
  /** The revision template's name (services only). */
  revision?: string;
  /** `default`, or `projects/P/platforms/cloudRun/NAME`; absent when not enabled. */
  binaryAuthorization?: string;
  /** The breakglass justification (at most 4,096 bytes). */
  breakglassJustification?: string;
}

/** Kubernetes object metadata (the fields binauthz reads; others are allowed). */
export interface ObjectMeta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [field: string]: unknown;
}

/** A Kubernetes workload (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController, Job, CronJob or PodTemplate: spec §10), or a Cloud Run service
 * (`serving.knative.dev/v1` Service) or job (`run.googleapis.com/v1` Job) as gcloud exports them (§13). */
export interface KubernetesObject {
  apiVersion?: string;
  kind: string;
  metadata?: ObjectMeta;
  [field: string]: unknown;
}

/** A Cloud Run Admin API v2 service or job body: no `kind`, recognised by its `name`
 * (`projects/P/locations/L/services/S` or `.../jobs/J`) and `template` (spec §13). */
export interface CloudRunV2Object {
  name: string;
  kind?: never;
  template: { containers?: unknown[]; template?: { containers?: unknown[]; [field: string]: unknown }; [field: string]: unknown };
  binaryAuthorization?: { useDefault?: boolean; policy?: string; breakglassJustification?: string };
  [field: string]: unknown;
}

/** An `admission.k8s.io/v1` AdmissionReview request. */
export interface AdmissionReview {
  apiVersion: string;
  kind: "AdmissionReview";
  request: {
    uid: string;
    namespace?: string;
    object: KubernetesObject;
    [field: string]: unknown;
  };
}

/** A request naming its images. */
export interface ImagesRequest {
  images: string[];
  object?: never;
  attestations?: Occurrence[] | null;
  context?: Context | null;
  /** RFC 3339: when PGP key and signature expiry is judged (the engine reads no clock). */
  evaluationTime?: string | null;
}

/** A request carrying a Kubernetes object (or AdmissionReview) instead of images: the images and
 * the namespace, service account and breakglass come from the object. */
export interface ObjectRequest {
  object: KubernetesObject | CloudRunV2Object | AdmissionReview;
  images?: never;
  attestations?: Occurrence[] | null;
  context?: Context | null;
  /** RFC 3339: when PGP key and signature expiry is judged (the engine reads no clock). */
  evaluationTime?: string | null;
}

/** What {@link Engine.evaluate} reads (spec §8.1; named so as not to shadow the DOM's `Request`). */
export type EvaluationRequest = ImagesRequest | ObjectRequest;

// ---- outputs ---------------------------------------------------------------------------------

/** The outcome for one image. */
export type Verdict = "ALLOWED" | "DENIED" | "DRY_RUN_VIOLATION" | "BREAKGLASS";

/** The evaluation step that settled an image. */
export type Stage = "breakglass" | "systemImage" | "allowlist" | "rule" | "notEnabled";

/** The kind of rule that applied. */
export type RuleKind = "default" | "cluster" | "namespace" | "serviceAccount" | "istioIdentity";

/** The stable kinds of reasons (spec §8.2). */
export type ReasonKind =
  | "breakglass" | "notEnabled" | "systemImage" | "allowlisted" | "alwaysAllow" | "alwaysDeny" | "attested"
  | "tagReference" | "invalidReference" | "noAttestation" | "noPublicKeys" | "noSignatures"
  | "occurrenceMalformed" | "unknownKeyId"
  | "signatureInvalid" | "payloadNotJson" | "payloadMissingDigest" | "payloadDigestMismatch"
  | "keyExpired" | "keyRevoked" | "signatureExpired" | "signedDataMismatch" | "budgetExhausted";

/** One explanation. */
export interface Reason {
  kind: ReasonKind;
  /** A sentence for people. */
  message: string;
  attestor?: string;
  keyId?: string;
  /** The occurrence's name, or its resource URI. */
  occurrence?: string;
  /** The allowlist or system pattern. */
  pattern?: string;
}

/** The rule that applied to an image. */
export interface AppliedRule {
  kind: RuleKind;
  /** The normalised map key of a specific rule; null for the default rule. */
  key: string | null;
  evaluationMode: EvaluationMode;
  enforcementMode: EnforcementMode;
}

/** The attestation that satisfied an attestor. */
export interface VerifiedBy {
  keyId: string;
  occurrence: string;
}

/** How one attestor fared for one image. */
export interface AttestorResult {
  attestor: string;
  satisfied: boolean;
  verifiedBy: VerifiedBy | null;
  /** `attested` when satisfied; the failures otherwise, a bounded number of them (spec §7.2). */
  reasons: Reason[];
  /** Failures found but not listed in `reasons`; absent when none (spec §7.2). */
  omittedReasons?: number;
}

/** The decision for one image. */
export interface ImageDecision {
  image: string;
  /** `sha256:…`, or null when the reference has no valid digest. */
  digest: string | null;
  allowed: boolean;
  verdict: Verdict;
  stage: Stage;
  matchedPattern: string | null;
  /** Null when an allowlist or system pattern settled the image (reported under breakglass). */
  rule: AppliedRule | null;
  attestors: AttestorResult[];
  /** Why, at most 64 across the image's attestors plus the first of each further kind (spec §7.2). */
  reasons: Reason[];
  /** Reasons found but not listed in `reasons`; absent when none (spec §7.2). */
  omittedReasons?: number;
  /** GCP-style denial text for a violation (also for dry-run and breakglass violations). */
  denial: string | null;
}

/** The request context as a decision reports it. */
export interface DecisionContext {
  cluster?: string;
  namespace?: string;
  serviceAccount?: string;
  istioIdentity?: string;
  breakglass: boolean;
  assumeEnabled?: boolean;
  cloudRun?: CloudRunContext;
}

/** A verified attestation in the audit record. */
export interface AuditVerification {
  attestor: string;
  keyId: string;
  occurrence: string;
}

/** One image in the audit record. */
export interface AuditImage {
  image: string;
  digest: string | null;
  verdict: Verdict;
  /** `default`, `cluster:KEY`, `namespace:KEY`, …, or `allowlist` / `systemImage`. */
  rule: string;
  verifiedBy: AuditVerification[];
  violations: string[];
}

/** GKE's audit-log labels (spec §8.3); each only when it applies. */
export interface AuditLabels {
  "imagepolicywebhook.image-policy.k8s.io/break-glass"?: "true";
  "imagepolicywebhook.image-policy.k8s.io/dry-run"?: "true";
  "imagepolicywebhook.image-policy.k8s.io/overridden-verification-result"?: string;
}

/** A flat record of the decision for an audit log. */
export interface AuditRecord {
  allowed: boolean;
  /** `cloudRun` for a Cloud Run service or job; absent on GKE (spec §13). */
  platform?: "cloudRun";
  policy: string | null;
  breakglass: boolean;
  dryRun: boolean;
  context: DecisionContext;
  /** The request's `evaluationTime`, when it gave one. */
  evaluationTime?: string;
  images: AuditImage[];
  labels: AuditLabels;
}

/** The decision for a whole request (spec §8.2). */
export interface Decision {
  /** Whether the deploy may proceed: every image is admitted. */
  allowed: boolean;
  /** `cloudRun` for a Cloud Run service or job; absent on GKE (spec §13). */
  platform?: "cloudRun";
  breakglass: boolean;
  /** The policy's name, if it has one. */
  policy: string | null;
  /** GCP-style denial text, or a summary of what was admitted. */
  message: string;
  /** Remarks about how the request was interpreted (the default rule used for want of a
   * context value; occurrences skipped, of other kinds, or on further pages), each bounded. */
  notes: string[];
  /** Per image, in request order. */
  images: ImageDecision[];
  audit: AuditRecord;
  /** What the evaluation did and saved; not part of the outcome (spec §7.1). */
  diagnostics: Diagnostics;
}

/** Counters of one evaluation: a warm engine reports hits where a cold one reports misses. */
export interface Diagnostics {
  /** Signature checks answered by the engine's verification cache. */
  cacheHits: number;
  /** Signature checks that ran the cryptography. */
  cacheMisses: number;
  /** Attestor checks reused from an earlier image of the request with the same digest. */
  reusedAttestorChecks: number;
  /** Signature checks started (run or answered by the cache), counted against spec §7.2's limits. */
  signatureChecks: number;
  /** Signature checks not run because a limit of spec §7.2 was reached. */
  checksNotTried: number;
  /** Points of the verification budget spent (spec §7.2), the same cold or warm. */
  verificationCost: number;
  /** Reasons found but not listed, over every image and attestor. */
  reasonsOmitted: number;
}

/** An engine's verification-cache counters since it was built (`Engine.cacheStats()`, spec §7.1). */
export interface CacheStats {
  /** The most entries the cache holds (0: no cache). */
  capacity: number;
  /** Entries held now. */
  entries: number;
  /** Signature checks answered from the cache. */
  hits: number;
  /** Signature checks that ran the cryptography. */
  misses: number;
  /** Entries dropped to stay within the capacity. */
  evictions: number;
}

/**
 * What `Engine.evaluateAsync` asked the host's WebCrypto (`crypto.subtle`) and what it answered,
 * since the engine was built (`Engine.webCryptoStats()`). Whatever WebCrypto did not accept is
 * verified by the engine itself, so none of this changes a decision.
 */
export interface WebCryptoStats {
  /** `importKey` calls made: once per key and engine (again only after a failed import). */
  keysImported: number;
  /** Signatures WebCrypto accepted (each counted only after the engine checked its structure). */
  accepted: number;
  /** Signatures WebCrypto rejected (verified again by the engine, which gives the reason). */
  rejected: number;
  /** Imports or verifications that threw or rejected (verified by the engine instead). */
  failed: number;
  /** Signatures never sent to WebCrypto: the engine found them malformed. */
  malformed: number;
  /** `evaluateAsync` calls that found no `crypto.subtle` (the engine verified everything). */
  unavailable: number;
}

/** Which list of the pod spec a container comes from. */
export type ContainerType = "CONTAINER" | "INIT_CONTAINER" | "EPHEMERAL_CONTAINER";

/** What {@link extractImages} returns (spec §10). */
export interface ExtractedImages {
  kind: string;
  name: string | null;
  /** The images in container order: a request's `images`. */
  images: string[];
  containers: { name: string; image: string; type: ContainerType }[];
  /** The context to evaluate with: a request's `context`. */
  context: DecisionContext;
}

/** One occurrence of an attestations document that is, or may be, an attestation
 * ({@link readAttestations}). */
export interface AttestationEntry {
  /** The sha256 digest its resource URI names (`sha256:<64 hex>`), read leniently; null when
   * none can be read, so it concerns no image. */
  digest: string | null;
  /** The occurrence as JSON, field names as the Container Analysis API writes them. */
  occurrence: Occurrence;
}

/** What {@link readAttestations} returns (spec §5.1). */
export interface AttestationEntries {
  /** Every occurrence that is, or may be, an attestation, in the document's order. */
  entries: AttestationEntry[];
  /** What a decision would note about the document (unreadable occurrences, other kinds, …). */
  notes: string[];
}

/** One admission rule, as the engine understood it. */
export interface RuleSummary {
  evaluationMode: EvaluationMode;
  enforcementMode: EnforcementMode;
  requireAttestationsBy: string[];
}

/** What {@link validatePolicy} returns. */
export interface PolicySummary {
  name: string | null;
  description: string | null;
  globalPolicyEvaluationMode: GlobalPolicyEvaluationMode;
  admissionWhitelistPatterns: string[];
  defaultAdmissionRule: RuleSummary;
  specificRules: {
    kind: Exclude<RuleKind, "default">;
    field:
      | "clusterAdmissionRules" | "kubernetesNamespaceAdmissionRules"
      | "kubernetesServiceAccountAdmissionRules" | "istioServiceIdentityAdmissionRules";
    /** In key order; keys normalised (Istio identities without `spiffe://`). */
    rules: (RuleSummary & { key: string })[];
  } | null;
  /** Every attestor some rule requires, sorted. */
  requiredAttestors: string[];
}

/** What {@link validateAttestors} returns for each attestor. */
export interface AttestorSummary {
  name: string;
  description: string | null;
  noteReference: string;
  publicKeys: {
    /** The id signatures must name (GCP's default id when the document left it blank). */
    id: string;
    /** The canonical algorithm name; `PGP_RSA`, `PGP_ECDSA`, `PGP_EDDSA` or `PGP` for PGP keys. */
    signatureAlgorithm: SignatureAlgorithm | "PGP_RSA" | "PGP_ECDSA" | "PGP_EDDSA" | "PGP";
    comment: string | null;
  }[];
}

/** A stable lint code (spec/lint.md). */
export type LintCode =
  | "BZ001" | "BZ002" | "BZ003" | "BZ004" | "BZ005" | "BZ006" | "BZ007" | "BZ008" | "BZ009"
  | "BZ010" | "BZ011" | "BZ012" | "BZ013" | "BZ014"
  | "BZ020" | "BZ021" | "BZ022" | "BZ023"
  | "BZ030" | "BZ031" | "BZ032"
  | "BZ050" | "BZ051" | "BZ052";

/** One finding of {@link lintPolicy} or {@link lintPlatformPolicy} (`BZ050`…). */
export interface LintFinding {
  code: LintCode;
  /** `warning`: probably a mistake; `info`: often intended, worth a look. */
  severity: "warning" | "info";
  /** The attestor the finding is about (then `path` is within that attestor), or null for the
   * policy. */
  attestor: string | null;
  /** The field path, e.g. `kubernetesNamespaceAdmissionRules.dev.evaluationMode`. */
  path: string;
  message: string;
  /** How to fix it, in one line. */
  fix: string;
}

// ---- policy tests (spec §14) -----------------------------------------------------------------

/** A verdict a test case expects. */
export type ExpectedVerdict = Verdict;

/** A rule kind a test case expects. */
export type ExpectedRule = RuleKind;

/** Occurrences signed when the test runs (the binauthz CLI only; {@link runTests} reports such
 * a case as an error). */
export interface SignEntry {
  /** The private key (PEM), relative to the test file. */
  key: string;
  /** The attestor to sign for, `projects/P/attestors/A`. */
  attestor: string;
  /** The images to sign, by digest. */
  images: string[];
}

/** Attestations of a test: a file of occurrences, or occurrences signed with a test key. */
export type AttestationSource = string | { sign: SignEntry };

/** What one image's decision must say (at least one field). */
export interface ImageExpectation {
  verdict?: ExpectedVerdict;
  rule?: ExpectedRule;
  /** The stage that settled the image, e.g. `allowlist`. */
  stage?: string;
  /** Reason kinds that must all appear among the image's reasons. */
  reasonKinds?: string[];
}

/** What a test case expects (at least one field; `allowed` or `decision`, not both). */
export interface Expectation {
  allowed?: boolean;
  decision?: "allowed" | "blocked";
  /** Keyed by the image reference as the request has it, or by its index (`"0"`). */
  images?: Record<string, ImageExpectation>;
}

/** One test case: `images` or `object`, and an expectation. */
export interface TestCase {
  /** Unique within the file. */
  name: string;
  images?: string[];
  /** A Kubernetes or Cloud Run object: a file relative to the test file, or the object. */
  object?: string | KubernetesObject | CloudRunV2Object;
  context?: Context;
  /** RFC 3339, UTC. */
  evaluationTime?: string;
  /** After the suite's attestations. */
  attestations?: AttestationSource[];
  expect?: Expectation;
}

/** A policy test file (spec §14; spec/schema/test-suite.schema.json). */
export interface TestSuite {
  /** The policy file, relative to the test file. */
  policy: string;
  attestors?: string[];
  /** Attestations every case has. */
  attestations?: AttestationSource[];
  /** At least one. */
  cases: TestCase[];
}

/** How a test case ended. */
export type CaseStatus = "passed" | "failed" | "error";

/** One difference between a case's expectation and the decision. */
export interface Mismatch {
  /** The expectation's field, e.g. `images["0"].verdict`. */
  field: string;
  expected: string;
  actual: string;
}

/** One image's decision, in brief. */
export interface ImageOutcome {
  image: string;
  verdict: Verdict;
  stage: Stage;
  rule?: RuleKind;
  /** The image's and its attestors' reason kinds, each once. */
  reasonKinds: ReasonKind[];
}

/** The parts of a decision a case can expect. */
export interface Outcome {
  allowed: boolean;
  images: ImageOutcome[];
}

/** One test case's result. */
export interface CaseResult {
  name: string;
  status: CaseStatus;
  /** When it failed. */
  mismatches?: Mismatch[];
  /** When it could not run. */
  error?: string;
  /** What the policy decided, when it ran. */
  outcome?: Outcome;
}

/** The results of one test file ({@link runTests}). */
export interface TestSuiteResult {
  file: string;
  passed: number;
  failed: number;
  errors: number;
  cases: CaseResult[];
}

/** The results of every test file of a run (`binauthz test --output json`;
 * spec/schema/test-report.schema.json). */
export interface TestReport {
  suites: TestSuiteResult[];
}

// ---- Check-based platform policies (GCP's gkePolicy; spec/README.md §15) ----

/** An allowlist of a platform policy, a check set or a check. */
export interface ImageAllowlist {
  allowPattern: string[];
}

/** A platform policy document, as `gcloud beta container binauthz policy create --platform=gke`
 * takes it ({@link validatePlatformPolicy}, {@link evaluatePlatformPolicy}). */
export interface PlatformPolicy {
  /** `projects/P/platforms/gke/policies/NAME`. */
  name?: string;
  description?: string;
  etag?: string;
  updateTime?: string;
  gkePolicy: {
    imageAllowlist?: ImageAllowlist;
    /** Tried in order; the first whose scope matches the pod applies. */
    checkSets?: PlatformCheckSetDocument[];
  };
}

/** One check set of a {@link PlatformPolicy}. */
export interface PlatformCheckSetDocument {
  displayName?: string;
  /** One of the two, or absent for the catch-all set (which must be last). */
  scope?: { kubernetesNamespace?: string; kubernetesServiceAccount?: string };
  imageAllowlist?: ImageAllowlist;
  checks?: PlatformCheckDocument[];
}

/** One check of a {@link PlatformCheckSetDocument}: a display name, an allowlist, and exactly one
 * check kind. */
export interface PlatformCheckDocument {
  displayName?: string;
  imageAllowlist?: ImageAllowlist;
  alwaysDeny?: boolean;
  trustedDirectoryCheck?: { trustedDirPatterns: string[] };
  imageFreshnessCheck?: { maxUploadAgeDays: number };
  simpleSigningAttestationCheck?: object;
  sigstoreSignatureCheck?: object;
  vulnerabilityCheck?: object;
  slsaCheck?: object;
}

/** What {@link evaluatePlatformPolicy} and {@link platformCvEvents} evaluate (spec §15.5). */
export interface PlatformRequest {
  /** A Pod, a workload (Deployment, …), an AdmissionReview, or `{kind: "List", items: [pods]}`. */
  object: KubernetesObject | AdmissionReview | { kind: "List"; items: KubernetesObject[] };
  /** Container Analysis attestation occurrences, as for the project policy. */
  attestations?: Occurrence[];
  /** cosign signatures of the images (spec §15.5). */
  cosignSignatures?: object[];
  /** Artifact Registry's DockerImage resources (upload times, for imageFreshnessCheck). */
  dockerImages?: object[];
  /** Container Analysis vulnerability occurrences (for vulnerabilityCheck). */
  vulnerabilities?: object[];
  /** RFC 3339; when freshness is judged. */
  evaluationTime?: string;
}

/** What {@link validatePlatformPolicy} returns. */
export interface PlatformPolicySummary {
  name?: string;
  allowPatterns: string[];
  checkSets: {
    displayName?: string;
    /** The namespace, `namespace:serviceAccount`, or `*` for the catch-all set. */
    scope: string;
    allowPatterns: string[];
    checks: {
      displayName?: string;
      /** The check's type, e.g. `SimpleSigningAttestationCheck`. */
      type: string;
      allowPatterns: string[];
      /** A simple-signing check's key ids (GCP's default ids filled in). */
      keyIds?: string[];
    }[];
  }[];
}

/** A verdict of GCP's `EvaluateGkePolicy`. */
export type PlatformVerdict = "CONFORMANT" | "NON_CONFORMANT" | "ERROR";

/** The allowlist pattern that exempted an image or a check. */
export interface AllowlistResult {
  matchedPattern: string;
}

/** A check set's scope in results. */
export interface ScopeResult {
  kubernetesNamespace?: string;
  kubernetesServiceAccount?: string;
}

/** GCP's `EvaluateGkePolicyResponse` ({@link evaluatePlatformPolicy}; spec §15.6). */
export interface EvaluateGkePolicyResponse {
  verdict: PlatformVerdict;
  /** Left out when there are no pods (proto3 JSON leaves out empty lists). */
  results?: {
    podName?: string;
    kubernetesNamespace: string;
    kubernetesServiceAccount: string;
    verdict: PlatformVerdict;
    /** Left out for a pod without containers. */
    imageResults?: {
      imageUri: string;
      verdict: PlatformVerdict;
      allowlistResult?: AllowlistResult;
      checkSetResult?: {
        /** The check set's index, as a string. */
        index: string;
        displayName?: string;
        scope?: ScopeResult;
        allowlistResult?: AllowlistResult;
        checkResults?: {
          results: {
            /** The check's index, as a string. */
            index: string;
            displayName?: string;
            type: string;
            allowlistResult?: AllowlistResult;
            evaluationResult?: { verdict: PlatformVerdict };
            explanation: string;
          }[];
        };
        explanation?: string;
      };
      explanation?: string;
    }[];
  }[];
}

/** One line of the Continuous Validation log ({@link platformCvEvents}; spec §15.6): a pod that
 * violates the policy, or a policy that cannot be applied. */
export interface ContinuousValidationEvent {
  "@type": "type.googleapis.com/google.cloud.binaryauthorization.v1beta1.ContinuousValidationEvent";
  podEvent?: {
    podNamespace: string;
    pod: string;
    policyName?: string;
    verdict: "VIOLATES_POLICY";
    images: {
      image: string;
      containerName: string;
      containerType: "CONTAINER" | "INIT_CONTAINER" | "EPHEMERAL_CONTAINER";
      result: "ALLOW" | "DENY";
      description: string;
      checkResults?: {
        checkSetIndex: string;
        checkSetName?: string;
        checkSetScope?: ScopeResult;
        checkIndex: string;
        checkName?: string;
        checkType: string;
        verdict: PlatformVerdict;
        explanation: string;
      }[];
    }[];
  };
  configErrorEvent?: { description: string };
}
