package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// fakeContainerAnalysis serves the occurrences of spec/examples/attestations.json as the
// Container Analysis REST API does: GET /v1/projects/P/occurrences?filter=kind="ATTESTATION" AND
// resourceUrl="https://IMAGE", with a bearer token; failing answers 503 from the switch on.
type fakeContainerAnalysis struct {
	t           *testing.T
	occurrences []json.RawMessage
	failing     atomic.Bool
	hanging     atomic.Bool // answers only when the client gives up
	mu          sync.Mutex
	asked       []string // the images asked for
}

func (f *fakeContainerAnalysis) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet || r.URL.Path != "/v1/projects/acme/occurrences" {
		http.Error(w, `{"error": {"code": 404, "status": "NOT_FOUND"}}`, http.StatusNotFound)
		return
	}
	if r.Header.Get("Authorization") != "Bearer test-token" {
		http.Error(w, `{"error": {"code": 401, "status": "UNAUTHENTICATED"}}`, http.StatusUnauthorized)
		return
	}
	if f.hanging.Load() {
		<-r.Context().Done()
		return
	}
	if f.failing.Load() {
		http.Error(w, `{"error": {"code": 503, "status": "UNAVAILABLE"}}`, http.StatusServiceUnavailable)
		return
	}
	filter := r.URL.Query().Get("filter")
	const prefix = `resourceUrl="`
	i := strings.Index(filter, prefix)
	if !strings.Contains(filter, `kind="ATTESTATION"`) || i < 0 {
		http.Error(w, `{"error": {"code": 400, "status": "INVALID_ARGUMENT"}}`, http.StatusBadRequest)
		return
	}
	url := strings.TrimSuffix(filter[i+len(prefix):], `"`)
	f.mu.Lock()
	f.asked = append(f.asked, url)
	f.mu.Unlock()
	var found []json.RawMessage
	for _, o := range f.occurrences {
		var occ struct {
			ResourceURI string `json:"resourceUri"`
		}
		if err := json.Unmarshal(o, &occ); err == nil && occ.ResourceURI == url {
			found = append(found, o)
		}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]interface{}{"occurrences": found})
}

func (f *fakeContainerAnalysis) lookups() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.asked)
}

// TestContainerAnalysis takes the attestations from a fake Container Analysis API, through the
// source cache; when the API starts failing, reviews that need it are refused naming it.
func TestContainerAnalysis(t *testing.T) {
	ca := &fakeContainerAnalysis{t: t}
	if err := json.Unmarshal(read(t, "examples", "attestations.json"), &ca.occurrences); err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(ca)
	defer server.Close()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("test-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	in := start(t, "--tls-cert", secret.path("tls.crt"), "--tls-key", secret.path("tls.key"),
		"--policy", filepath.Join(spec, "examples", "policy.yaml"), "--attestors", filepath.Join(spec, "examples", "attestors.yaml"),
		"--containeranalysis-projects", "acme", "--containeranalysis-endpoint", server.URL, "--token-file", token,
		"--source-cache-ttl", "1h", "--request-timeout", "2s")
	c := client(t, certPEM)
	validate := in.url + "/validate"

	for i := 0; i < 2; i++ {
		if _, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-api", "payments", pod(nil, api))); !res.Response.Allowed {
			t.Fatalf("api attested in Container Analysis: %+v %q", res.Response, res.message())
		}
	}
	if n := ca.lookups(); n != 1 {
		t.Errorf("the second review should come from the source cache; the API was asked %d times", n)
	}

	// The API fails: a review of an image not cached is refused, naming the source.
	ca.failing.Store(true)
	_, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-worker", "payments", pod(nil, worker)))
	if res.Response.Allowed || res.Response.UID != "uid-worker" || res.Response.Status == nil ||
		res.Response.Status.Code != http.StatusInternalServerError ||
		!strings.Contains(res.message(), "container analysis") || !strings.Contains(res.message(), "503") ||
		strings.Contains(res.message(), "test-token") {
		t.Fatalf("source failure: %+v %q", res.Response, res.message())
	}
	_, text := get(t, c, in.url+"/metrics")
	m := metricsOf(t, text)
	if m[`binauthz_webhook_source_errors_total{source="containeranalysis"}`] != 1 ||
		m[`binauthz_webhook_decisions_total{verdict="refused"}`] != 1 ||
		m[`binauthz_webhook_source_cache_hits_total{source="containeranalysis"}`] < 1 ||
		m[`binauthz_webhook_source_cache_misses_total{source="containeranalysis"}`] < 2 {
		t.Fatalf("metrics:\n%s", text)
	}

	// The API hangs: the request's deadline (--request-timeout) refuses the review.
	ca.failing.Store(false)
	ca.hanging.Store(true)
	_, res = post(t, c, validate, review("admission.k8s.io/v1", "uid-hang", "payments", pod(nil, worker)))
	if res.Response.Allowed || res.Response.UID != "uid-hang" || res.Response.Status == nil ||
		res.Response.Status.Code != http.StatusInternalServerError || !strings.Contains(res.message(), "container analysis") {
		t.Fatalf("hanging source: %+v %q", res.Response, res.message())
	}

	// The API is gone (its server killed): refused, naming the source, as before.
	ca.hanging.Store(false)
	server.Close()
	_, res = post(t, c, validate, review("admission.k8s.io/v1", "uid-gone", "payments", pod(nil, worker)))
	if res.Response.Allowed || res.Response.UID != "uid-gone" || res.Response.Status == nil ||
		res.Response.Status.Code != http.StatusInternalServerError || !strings.Contains(res.message(), "container analysis") {
		t.Fatalf("killed source: %+v %q", res.Response, res.message())
	}
	// An image already answered is still served from the source's cache.
	if _, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-api-2", "payments", pod(nil, api))); !res.Response.Allowed {
		t.Fatalf("api from the cache with the API gone: %+v %q", res.Response, res.message())
	}

	refusal := find(in.stdout.lines(t), func(l map[string]interface{}) bool { return l[outcomeLabel] == "refused" })
	if refusal == nil || refusal["severity"] != "ERROR" || !strings.Contains(refusal["message"].(string), "container analysis") ||
		refusal["review"].(map[string]interface{})["uid"] != "uid-worker" {
		t.Fatalf("refusal audit line: %v\n%s", refusal, in.stdout)
	}
	if strings.Contains(in.stdout.String()+in.stderr.String(), "test-token") {
		t.Fatal("the bearer token was logged")
	}
}
