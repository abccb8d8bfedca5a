package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
	"example.invalid/binauthz/binauthz-ffi/go/webhook"
)

// server answers the webhook's endpoints.
type server struct {
	policy         *policyHolder
	certs          *certHolder
	source         webhook.AttestationSource
	attestations   *dirStatus // the attestations directory's last reload
	metrics        *metrics
	audit          *auditor
	log            *logger
	requestTimeout time.Duration
	stopping       atomic.Bool // set on SIGTERM: /readyz fails so that no new traffic is sent
}

// maxReview bounds the body read when no policy is in service (webhook.Handler bounds its own).
const maxReview = 9 << 20

// routes is the server's mux.
func (s *server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/validate", s.validate)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("/readyz", s.readyz)
	mux.Handle("/metrics", s.metrics)
	return mux
}

// recorder keeps the status and (a bounded prefix of) the body of a response, to classify and
// log the answer after the handler wrote it.
type recorder struct {
	http.ResponseWriter
	code int
	body bytes.Buffer
}

// maxRecorded bounds what is kept of a response: an AdmissionReview answer's denial text is
// bounded by the engine, far below this.
const maxRecorded = 1 << 20

func (r *recorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if room := maxRecorded - r.body.Len(); room > 0 {
		if len(p) < room {
			room = len(p)
		}
		r.body.Write(p[:room])
	}
	return r.ResponseWriter.Write(p)
}

// answered is the part of an AdmissionReview response the log and metrics need.
type answered struct {
	Response struct {
		UID     string `json:"uid"`
		Allowed bool   `json:"allowed"`
		Status  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"status"`
	} `json:"response"`
}

// validate serves POST /validate: the review is answered by the engine in service, with the
// request's deadline (--request-timeout) bounding the attestation lookup.
func (s *server) validate(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(r.Context(), s.requestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	rec := &recorder{ResponseWriter: w, code: http.StatusOK}

	var review []byte
	var decided *binauthz.ReviewAnswer
	if st := s.policy.acquire(); st != nil {
		// A Handler per request: its Audit hook hands this request's decision back here.
		h := webhook.Handler{Engine: st.engine, Attestations: s.source, Cluster: st.cluster,
			Audit: func(r []byte, a *binauthz.ReviewAnswer) { review, decided = r, a }}
		h.ServeHTTP(rec, r)
		st.release()
	} else {
		s.refuseUnready(rec, r)
	}
	latency := time.Since(start)

	if decided != nil {
		s.metrics.observe(outcomeOf(decided.Audit), latency)
		s.audit.decision(review, decided, latency)
		return
	}
	// No decision: an admission without evaluation (DELETE, CONNECT), a refusal in an
	// AdmissionReview, or an HTTP error.
	var a answered
	if rec.code == http.StatusOK && json.Unmarshal(rec.body.Bytes(), &a) == nil && a.Response.Allowed {
		s.metrics.observe(outcomeAllowed, latency)
		return
	}
	s.metrics.observe(outcomeRefused, latency)
	reason, code := strings.TrimSpace(rec.body.String()), rec.code
	if a.Response.Status != nil {
		reason, code = a.Response.Status.Message, a.Response.Status.Code
	}
	s.audit.refusal(a.Response.UID, code, reason, latency)
}

// refuseUnready answers a review while no policy has compiled: refused (500 in the
// AdmissionReview, so that the API server shows why), never admitted.
func (s *server) refuseUnready(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(w, "POST an AdmissionReview", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxReview))
	if err != nil {
		http.Error(w, "reading the AdmissionReview: "+err.Error(), http.StatusRequestEntityTooLarge)
		return
	}
	response, err := binauthz.RefuseReview(body, "binauthz: no policy is in service yet (see the webhook's /readyz)")
	if err != nil {
		http.Error(w, "binauthz: "+err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(response)
}

// readiness is the /readyz body.
type readiness struct {
	Ready    bool         `json:"ready"`
	Stopping bool         `json:"stopping,omitempty"`
	Policy   policyStatus `json:"policy"`
	TLS      tlsStatus    `json:"tls"`
	// Problems say what is wrong even while ready: a reload that failed (the previous version
	// stays in service).
	Problems []string `json:"problems,omitempty"`
}

// readyz serves /readyz: 200 once a policy compiled (and until shutdown starts), 503 before. A
// failed reload does not make the server unready (the previous policy serves, and taking every
// replica out of service would deny every deploy), but the body says so.
func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	rd := readiness{Policy: s.policy.status(), TLS: s.certs.status(), Stopping: s.stopping.Load()}
	rd.Ready = rd.Policy.Ready && !rd.Stopping
	if l := rd.Policy.LastReload; l != nil && !l.OK {
		rd.Problems = append(rd.Problems, "last policy reload failed: "+l.Error)
	}
	if l := rd.TLS.LastReload; l != nil && !l.OK {
		rd.Problems = append(rd.Problems, "last TLS certificate reload failed: "+l.Error)
	}
	if p := s.attestations.problem(); p != "" {
		rd.Problems = append(rd.Problems, "last attestations reload failed (the previous attestations are in service): "+p)
	}
	body, _ := json.MarshalIndent(rd, "", "  ")
	w.Header().Set("Content-Type", "application/json")
	if !rd.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_, _ = w.Write(append(body, '\n'))
}

// writeMetrics exports the engine's verification cache and readiness.
func (s *server) writeMetrics(b *bytes.Buffer) {
	stats, ok := s.policy.cacheStats()
	ready := 0.0
	if ok {
		ready = 1
	}
	header(b, "binauthz_webhook_policy_loaded", "gauge", "1 once a policy compiled and is in service.")
	sample(b, "binauthz_webhook_policy_loaded", ready)
	failed := 0.0
	if l := s.policy.status().LastReload; l != nil && !l.OK {
		failed = 1
	}
	header(b, "binauthz_webhook_policy_last_reload_failed", "gauge",
		"1 when the last policy reload failed (the previous policy is still in service).")
	sample(b, "binauthz_webhook_policy_last_reload_failed", failed)
	header(b, "binauthz_webhook_engine_cache_hits_total", "counter",
		"Signature checks answered from the engine's verification cache (over every engine compiled).")
	sample(b, "binauthz_webhook_engine_cache_hits_total", float64(stats.Hits))
	header(b, "binauthz_webhook_engine_cache_misses_total", "counter",
		"Signature checks that ran the cryptography (over every engine compiled).")
	sample(b, "binauthz_webhook_engine_cache_misses_total", float64(stats.Misses))
	header(b, "binauthz_webhook_engine_cache_evictions_total", "counter",
		"Entries dropped from the engine's verification cache to stay within its capacity.")
	sample(b, "binauthz_webhook_engine_cache_evictions_total", float64(stats.Evictions))
	header(b, "binauthz_webhook_engine_cache_entries", "gauge", "Entries in the verification cache of the engine in service.")
	sample(b, "binauthz_webhook_engine_cache_entries", float64(stats.Entries))
	header(b, "binauthz_webhook_engine_cache_capacity", "gauge", "Capacity of the verification cache of the engine in service.")
	sample(b, "binauthz_webhook_engine_cache_capacity", float64(stats.Capacity))
}
