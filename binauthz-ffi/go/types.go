package binauthz

import "encoding/json"

// Request is what to evaluate (spec/README.md §8.1): Images, or an Object (a Kubernetes workload
// or AdmissionReview, whose images and namespace, service account and breakglass are used, or a
// Cloud Run service or job, §13),
// the attestation occurrences at hand, and where the images run.
type Request struct {
	// Images are image references, e.g. "gcr.io/p/app@sha256:...".
	Images []string `json:"images,omitempty"`
	// Object is a Kubernetes workload object or AdmissionReview, instead of Images.
	Object json.RawMessage `json:"object,omitempty"`
	// Attestations are occurrences as `gcloud container binauthz attestations list
	// --format=json` prints them (or as the Container Analysis API returns them).
	Attestations []json.RawMessage `json:"attestations,omitempty"`
	// Context selects the specific admission rule that applies.
	Context *Context `json:"context,omitempty"`
	// EvaluationTime is when PGP key and signature expiry is judged: RFC 3339 in UTC with a
	// "Z", e.g. time.Now().UTC().Format(time.RFC3339) (spec/README.md §8.1). The engine reads no
	// clock: when it is empty, a PGP key or signature that has an expiry counts as expired.
	EvaluationTime string `json:"evaluationTime,omitempty"`
}

// Context says where the images are deployed.
type Context struct {
	// Cluster is LOCATION.CLUSTER_ID, for cluster rules.
	Cluster string `json:"cluster,omitempty"`
	// Namespace is the Kubernetes namespace, for namespace and service-account rules.
	Namespace string `json:"namespace,omitempty"`
	// ServiceAccount is the Kubernetes service account within Namespace ("default" when empty).
	ServiceAccount string `json:"serviceAccount,omitempty"`
	// IstioIdentity is the Istio/ASM service identity, with or without "spiffe://".
	IstioIdentity string `json:"istioIdentity,omitempty"`
	// Breakglass admits everything, while still recording what the policy would have done.
	Breakglass bool `json:"breakglass,omitempty"`
	// AssumeEnabled evaluates a Cloud Run object under the engine's policy even when it does
	// not enable Binary Authorization or names a platform policy (spec/README.md §13).
	AssumeEnabled bool `json:"assumeEnabled,omitempty"`
	// CloudRun is the Cloud Run service or job the images belong to; nil on GKE.
	CloudRun *CloudRunContext `json:"cloudRun,omitempty"`
}

// CloudRunContext is a Cloud Run service or job and its Binary Authorization settings
// (spec/README.md §13).
type CloudRunContext struct {
	// Kind is "service" or "job".
	Kind string `json:"kind"`
	Name string `json:"name,omitempty"`
	// Project is v1 metadata.namespace (a project number or id), or a v2 name's project.
	Project string `json:"project,omitempty"`
	// Location is the cloud.googleapis.com/location label, or a v2 name's location.
	Location string `json:"location,omitempty"`
	// Revision is the revision template's name (services only).
	Revision string `json:"revision,omitempty"`
	// BinaryAuthorization is "default" or projects/P/platforms/cloudRun/NAME; "" when not enabled.
	BinaryAuthorization string `json:"binaryAuthorization,omitempty"`
	// BreakglassJustification is the breakglass justification, when breakglass is used.
	BreakglassJustification string `json:"breakglassJustification,omitempty"`
}

// Verdict is the outcome for one image.
type Verdict string

// The verdicts. Only VerdictDenied blocks the image.
const (
	VerdictAllowed         Verdict = "ALLOWED"
	VerdictDenied          Verdict = "DENIED"
	VerdictDryRunViolation Verdict = "DRY_RUN_VIOLATION"
	VerdictBreakglass      Verdict = "BREAKGLASS"
)

// Decision is the engine's decision for a request (spec/README.md §8.2).
type Decision struct {
	// Allowed says whether the deploy may proceed: every image is admitted.
	Allowed bool `json:"allowed"`
	// Platform is "cloudRun" for a Cloud Run service or job, "" on GKE (spec/README.md §13).
	Platform string `json:"platform,omitempty"`
	// Breakglass says whether breakglass was requested.
	Breakglass bool `json:"breakglass"`
	// Policy is the policy's name ("" when it has none).
	Policy string `json:"policy"`
	// Message is GCP-style denial text, or a summary of what was admitted.
	Message string `json:"message"`
	// Notes are remarks about how the request was interpreted (the default rule used for want of
	// a context value; occurrences skipped, of other kinds, or on further pages), each bounded.
	Notes []string `json:"notes"`
	// Images holds one decision per image, in request order.
	Images []ImageDecision `json:"images"`
	// Audit is the audit record, for a host to log as it is.
	Audit AuditRecord `json:"audit"`
	// Diagnostics counts the work the decision took (cache hits and misses); not part of the
	// outcome: a warm engine reports hits where a cold one reports misses (spec/README.md §7.1).
	Diagnostics Diagnostics `json:"diagnostics"`
	// JSON is the decision exactly as the engine wrote it.
	JSON json.RawMessage `json:"-"`
}

// Diagnostics counts what a decision's evaluation did and saved (spec/README.md §7.1).
type Diagnostics struct {
	// CacheHits counts signature checks answered by the engine's verification cache.
	CacheHits uint64 `json:"cacheHits"`
	// CacheMisses counts signature checks that ran the cryptography.
	CacheMisses uint64 `json:"cacheMisses"`
	// ReusedAttestorChecks counts attestor checks reused from an earlier image with the same digest.
	ReusedAttestorChecks uint64 `json:"reusedAttestorChecks"`
	// SignatureChecks counts signature checks started (run or answered by the cache), counted
	// against the limits of spec/README.md §7.2.
	SignatureChecks uint64 `json:"signatureChecks"`
	// ChecksNotTried counts signature checks not run because a limit of §7.2 was reached.
	ChecksNotTried uint64 `json:"checksNotTried"`
	// VerificationCost is the points of the verification budget spent (§7.2), the same cold or warm.
	VerificationCost uint64 `json:"verificationCost"`
	// ReasonsOmitted counts reasons found but not listed, over every image and attestor.
	ReasonsOmitted uint64 `json:"reasonsOmitted"`
}

// ImageDecision is the decision for one image.
type ImageDecision struct {
	Image string `json:"image"`
	// Digest is "sha256:..." when the reference has a valid digest, else "".
	Digest  string  `json:"digest"`
	Allowed bool    `json:"allowed"`
	Verdict Verdict `json:"verdict"`
	// Stage is the step that settled the image: "breakglass", "systemImage", "allowlist", "rule",
	// or "notEnabled" (a Cloud Run object that does not enable Binary Authorization).
	Stage string `json:"stage"`
	// MatchedPattern is the allowlist or system pattern that matched, if one settled the image.
	MatchedPattern string `json:"matchedPattern"`
	// Rule is the admission rule that applied (nil when a pattern settled the image).
	Rule      *AppliedRule     `json:"rule"`
	Attestors []AttestorResult `json:"attestors"`
	// Reasons say why the image was settled this way; Reason.Kind is stable. At most 64 across
	// the image's attestors (plus the first of each further kind), spec/README.md §7.2.
	Reasons []Reason `json:"reasons"`
	// OmittedReasons counts reasons found but not listed in Reasons.
	OmittedReasons uint64 `json:"omittedReasons"`
	// Denial is GCP-style denial text for a violation, else "".
	Denial string `json:"denial"`
}

// AppliedRule is the admission rule that applied to an image.
type AppliedRule struct {
	// Kind is "default", "cluster", "namespace", "serviceAccount" or "istioIdentity".
	Kind string `json:"kind"`
	// Key is the specific rule's map key (nil for the default rule).
	Key             *string `json:"key"`
	EvaluationMode  string  `json:"evaluationMode"`
	EnforcementMode string  `json:"enforcementMode"`
}

// AttestorResult is how one attestor fared for one image.
type AttestorResult struct {
	Attestor  string `json:"attestor"`
	Satisfied bool   `json:"satisfied"`
	// VerifiedBy names the key and occurrence that satisfied the attestor.
	VerifiedBy *VerifiedBy `json:"verifiedBy"`
	// Reasons are "attested" when satisfied, else a bounded number of failures (§7.2).
	Reasons []Reason `json:"reasons"`
	// OmittedReasons counts failures found but not listed in Reasons.
	OmittedReasons uint64 `json:"omittedReasons"`
}

// VerifiedBy is the attestation that satisfied an attestor.
type VerifiedBy struct {
	KeyID      string `json:"keyId"`
	Occurrence string `json:"occurrence"`
}

// Reason is one explanation, with the attestor, key, occurrence or pattern concerned.
type Reason struct {
	// Kind is stable: "attested", "noAttestation", "signatureInvalid", "occurrenceMalformed", ...
	// (spec/README.md §8.2).
	Kind       string `json:"kind"`
	Message    string `json:"message"`
	Attestor   string `json:"attestor,omitempty"`
	KeyID      string `json:"keyId,omitempty"`
	Occurrence string `json:"occurrence,omitempty"`
	Pattern    string `json:"pattern,omitempty"`
}

// AuditRecord is a flat record of a decision with GKE's audit-log labels (spec/README.md §8.3).
type AuditRecord struct {
	Allowed bool `json:"allowed"`
	// Platform is "cloudRun" for a Cloud Run service or job, "" on GKE.
	Platform   string  `json:"platform,omitempty"`
	Policy     string  `json:"policy"`
	Breakglass bool    `json:"breakglass"`
	DryRun     bool    `json:"dryRun"`
	Context    Context `json:"context"`
	// EvaluationTime is the request's evaluation time (RFC 3339), "" when it gave none.
	EvaluationTime string            `json:"evaluationTime,omitempty"`
	Images         []AuditImage      `json:"images"`
	Labels         map[string]string `json:"labels"`
}

// AuditImage is one image of an audit record.
type AuditImage struct {
	Image   string  `json:"image"`
	Digest  string  `json:"digest"`
	Verdict Verdict `json:"verdict"`
	// Rule is "default", "KIND:KEY", "allowlist", "systemImage" or "notEnabled".
	Rule       string              `json:"rule"`
	VerifiedBy []AuditVerification `json:"verifiedBy"`
	Violations []string            `json:"violations"`
}

// AuditVerification is a verified attestation in an audit record.
type AuditVerification struct {
	Attestor   string `json:"attestor"`
	KeyID      string `json:"keyId"`
	Occurrence string `json:"occurrence"`
}

// Extracted is what ExtractImages reads from a Kubernetes object (spec/README.md §10).
type Extracted struct {
	// Kind is the object's kind ("Pod", "Deployment", ...).
	Kind string `json:"kind"`
	// Name is the object's name, if set.
	Name string `json:"name"`
	// Images are the images of every container, init container and ephemeral container.
	Images []string `json:"images"`
	// Containers are the containers with their names and types.
	Containers []Container `json:"containers"`
	// Context is the context to evaluate the images with (namespace, service account,
	// breakglass).
	Context Context `json:"context"`
}

// Container is one container of a Kubernetes object.
type Container struct {
	Name  string `json:"name"`
	Image string `json:"image"`
	// Type is "CONTAINER", "INIT_CONTAINER" or "EPHEMERAL_CONTAINER".
	Type string `json:"type"`
}
