// Package webhook is an example Kubernetes validating admission webhook built on binauthz: an
// http.Handler that takes an admission.k8s.io/v1 AdmissionReview, asks a pluggable
// AttestationSource for the attestations of the pod's images, and sends back the engine's
// answer (binauthz.Engine.AnswerReview).
//
//	engine, _ := binauthz.NewEngine(config)
//	http.Handle("/validate", &webhook.Handler{Engine: engine, Attestations: source, Cluster: "us-east1.prod"})
//	log.Fatal(http.ListenAndServeTLS(":8443", "tls.crt", "tls.key", nil))
//
// Register it for CREATE and UPDATE of the kinds binauthz reads (pods, deployments, …; see
// binauthz.ExtractImages). The AdmissionReview response is the engine's, as every binding gives
// it (the uid echoed, 403 with the escaped denial, warnings for dry-run and breakglass violations,
// the audit annotations, DELETE and CONNECT admitted). It fails closed: a review the engine
// cannot evaluate is refused (400), and so is one whose attestations could not be fetched (500).
package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"

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
	// Audit, when set, receives the review and the answer of every review that was decided
	// (answer.Audit is not nil): log answer.AuditJSON, the engine's audit record, as it is;
	// answer.Decision() decodes the whole decision, at a price (tens of kilobytes for a pod of
	// many attestations). It is called from concurrent requests.
	Audit func(review []byte, answer *binauthz.ReviewAnswer)
}

// maxBody bounds a review: the engine's request limit plus room for the envelope.
const maxBody = 9 << 20

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
	response, err := h.answer(r.Context(), body)
	if err != nil {
		// No AdmissionReview response could be made (the body is not UTF-8 text, the engine is
		// closed, a bug): an HTTP error, on which the API server applies the webhook's
		// failurePolicy (register it with Fail).
		code := http.StatusInternalServerError
		var e *binauthz.Error
		if errors.As(err, &e) && e.Status != binauthz.StatusPanic {
			code = http.StatusBadRequest
		}
		http.Error(w, "binauthz: "+err.Error(), code)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(response)
}

// answer is the AdmissionReview response to send back for a review.
func (h *Handler) answer(ctx context.Context, review []byte) ([]byte, error) {
	var attestations []json.RawMessage
	// The images as the engine reads them, to fetch their attestations. A review the engine
	// cannot read has none to fetch; AnswerReview refuses it (or admits a DELETE or CONNECT).
	if extracted, err := binauthz.ExtractImages(review); err == nil && h.Attestations != nil {
		if attestations, err = h.Attestations.Attestations(ctx, extracted.Images); err != nil {
			return binauthz.RefuseReview(review, "binauthz: fetching attestations: "+err.Error())
		}
	}
	answer, err := h.Engine.AnswerReview(ctx, review, attestations, &binauthz.Context{Cluster: h.Cluster}, "")
	if err != nil {
		return nil, err
	}
	if answer.Audit != nil && h.Audit != nil {
		h.Audit(review, answer)
	}
	return answer.Response, nil
}
