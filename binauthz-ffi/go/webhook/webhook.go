// Package webhook is an example Kubernetes validating admission webhook built on binauthz: an
// http.Handler that takes an admission.k8s.io/v1 AdmissionReview, asks a pluggable
// AttestationSource for the attestations of the pod's images, evaluates them with a
// binauthz.Engine and answers with an AdmissionReview response.
//
//	engine, _ := binauthz.NewEngine(config)
//	http.Handle("/validate", &webhook.Handler{Engine: engine, Attestations: source, Cluster: "us-east1.prod"})
//	log.Fatal(http.ListenAndServeTLS(":8443", "tls.crt", "tls.key", nil))
//
// Register it for CREATE and UPDATE of the kinds binauthz reads (pods, deployments, …; see
// binauthz.ExtractImages). It fails closed: an object it cannot read, an attestation source
// error or an evaluation error is a denial.
package webhook

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

// AttestationSource fetches attestation occurrences for images, for example from the Container
// Analysis API (occurrences of kind ATTESTATION whose resourceUri is the image), in the shape
// `gcloud container binauthz attestations list --format=json` prints. It is called from
// concurrent requests.
type AttestationSource interface {
	Attestations(ctx context.Context, images []string) ([]json.RawMessage, error)
}

// AttestationSourceFunc adapts a function to AttestationSource.
type AttestationSourceFunc func(ctx context.Context, images []string) ([]json.RawMessage, error)

// Attestations calls f.
func (f AttestationSourceFunc) Attestations(ctx context.Context, images []string) ([]json.RawMessage, error) {
	return f(ctx, images)
}

// Handler answers AdmissionReviews.
type Handler struct {
	// Engine is the compiled policy.
	Engine *binauthz.Engine
	// Attestations provides the occurrences for the images (nil: none, so only rules that need
	// no attestation can admit).
	Attestations AttestationSource
	// Cluster is this cluster's LOCATION.CLUSTER_ID, for cluster-specific rules (optional).
	Cluster string
	// Audit, when set, receives every decision (log decision.Audit as it is). It is called from
	// concurrent requests.
	Audit func(review *Review, decision *binauthz.Decision)
}

// maxBody bounds a review: the engine's request limit plus room for the envelope.
const maxBody = 9 << 20

// Review is the part of an admission.k8s.io/v1 AdmissionReview the handler reads.
type Review struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Request    *struct {
		UID       string          `json:"uid"`
		Namespace string          `json:"namespace"`
		Operation string          `json:"operation"`
		Object    json.RawMessage `json:"object"`
	} `json:"request"`
}

// Response is an AdmissionReview response (spec/README.md §10).
type Response struct {
	APIVersion string         `json:"apiVersion"`
	Kind       string         `json:"kind"`
	Response   ResponseFields `json:"response"`
}

// ResponseFields is the `response` of an AdmissionReview.
type ResponseFields struct {
	UID     string  `json:"uid"`
	Allowed bool    `json:"allowed"`
	Status  *Status `json:"status,omitempty"`
	// Warnings carry dry-run and breakglass violations, which are admitted.
	Warnings []string `json:"warnings,omitempty"`
	// AuditAnnotations carry the decision's audit labels (break-glass, dry-run,
	// overridden-verification-result), keyed by their last path segment.
	AuditAnnotations map[string]string `json:"auditAnnotations,omitempty"`
}

// Status is the metav1.Status of a denial.
type Status struct {
	Code    int    `json:"code"`
	Reason  string `json:"reason"`
	Message string `json:"message"`
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		http.Error(w, "reading the AdmissionReview: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	var review Review
	if err := json.Unmarshal(body, &review); err != nil || review.Kind != "AdmissionReview" || review.Request == nil {
		http.Error(w, "the body is not an AdmissionReview with a request", http.StatusBadRequest)
		return
	}
	answer := h.review(r.Context(), &review, body)
	apiVersion := review.APIVersion
	if apiVersion == "" {
		apiVersion = "admission.k8s.io/v1"
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Response{APIVersion: apiVersion, Kind: "AdmissionReview", Response: answer})
}

func deny(uid string, code int, message string) ResponseFields {
	return ResponseFields{UID: uid, Allowed: false, Status: &Status{Code: code, Reason: "VIOLATES_POLICY", Message: message}}
}

func (h *Handler) review(ctx context.Context, review *Review, body []byte) ResponseFields {
	uid := review.Request.UID
	switch review.Request.Operation {
	case "DELETE", "CONNECT":
		return ResponseFields{UID: uid, Allowed: true} // nothing will run
	}
	// The images and context (namespace, service account, breakglass) as the engine reads them.
	extracted, err := binauthz.ExtractImages(body)
	if err != nil {
		return deny(uid, http.StatusBadRequest, "binauthz: "+err.Error())
	}
	var attestations []json.RawMessage
	if h.Attestations != nil {
		if attestations, err = h.Attestations.Attestations(ctx, extracted.Images); err != nil {
			return deny(uid, http.StatusInternalServerError, "binauthz: fetching attestations: "+err.Error())
		}
	}
	where := extracted.Context
	where.Cluster = h.Cluster
	decision, err := h.Engine.Evaluate(ctx, &binauthz.Request{
		Images:       extracted.Images,
		Attestations: attestations,
		Context:      &where,
	})
	if err != nil {
		return deny(uid, http.StatusBadRequest, "binauthz: "+err.Error())
	}
	if h.Audit != nil {
		h.Audit(review, decision)
	}
	answer := ResponseFields{UID: uid, Allowed: decision.Allowed}
	if !decision.Allowed {
		answer.Status = &Status{Code: http.StatusForbidden, Reason: "VIOLATES_POLICY", Message: decision.Message}
	}
	for _, image := range decision.Images {
		switch {
		case image.Denial == "":
		case image.Verdict == binauthz.VerdictDryRunViolation:
			answer.Warnings = append(answer.Warnings, fmt.Sprintf("dry run: %s", image.Denial))
		case image.Verdict == binauthz.VerdictBreakglass:
			answer.Warnings = append(answer.Warnings, fmt.Sprintf("breakglass: %s", image.Denial))
		}
	}
	for key, value := range decision.Audit.Labels {
		if answer.AuditAnnotations == nil {
			answer.AuditAnnotations = map[string]string{}
		}
		answer.AuditAnnotations[key[strings.LastIndex(key, "/")+1:]] = value
	}
	return answer
}
