package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestEndToEnd runs the server over HTTPS with the spec's example policy, attestors and
// attestations, as ConfigMap and Secret mounts give them, and reloads each of them mid-run.
func TestEndToEnd(t *testing.T) {
	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	policyYAML, attestorsYAML := read(t, "examples", "policy.yaml"), read(t, "examples", "attestors.yaml")
	config := newMount(t, map[string][]byte{"policy.yaml": policyYAML, "attestors.yaml": attestorsYAML})
	attestations := t.TempDir()
	if err := os.WriteFile(filepath.Join(attestations, "acme.json"), read(t, "examples", "attestations.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := start(t, "--tls-cert", secret.path("tls.crt"), "--tls-key", secret.path("tls.key"),
		"--policy", config.path("policy.yaml"), "--attestors", config.path("attestors.yaml"),
		"--cluster", "us-east1.prod", "--attestations-dir", attestations,
		"--reload-interval", "50ms", "--cache-entries", "50", "--verify-threads", "2")
	c := client(t, certPEM)
	validate := in.url + "/validate"

	if code, body := get(t, c, in.url+"/healthz"); code != http.StatusOK {
		t.Fatalf("/healthz: %d %s", code, body)
	}
	if code, body := get(t, c, in.url+"/readyz"); code != http.StatusOK || !strings.Contains(body, `"ready": true`) {
		t.Fatalf("/readyz: %d %s", code, body)
	}

	// The spec's example pod: api is attested by both attestors, worker lacks its scan.
	_, res := post(t, c, validate, read(t, "kubernetes", "admission-review.json"))
	if res.Response.Allowed || res.Response.UID != "705ab4f5-6393-11e8-b7cc-42010a800002" ||
		res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden ||
		!strings.HasPrefix(res.message(), "Image "+worker+" denied by Binary Authorization default admission rule.") {
		t.Fatalf("admission-review.json: %+v %q", res.Response, res.message())
	}
	workloads := []struct {
		name    string
		object  map[string]interface{}
		allowed bool
	}{
		{"pod api", pod(nil, api), true},
		{"pod api again (cache)", pod(nil, api), true},
		{"deployment api", deployment(api), true},
		{"deployment api+worker", deployment(api, worker), false},
		{"cronjob api", cronJob(api), true},
		{"cronjob worker", cronJob(worker), false},
		{"pod by tag", pod(nil, "us-docker.pkg.dev/acme/payments/api:v1"), false},
		{"pod allowlisted", pod(nil, "us-docker.pkg.dev/acme/base-images/migrate:1.2"), true},
	}
	for i, w := range workloads {
		uid := fmt.Sprintf("uid-%d", i)
		code, res := post(t, c, validate, review("admission.k8s.io/v1", uid, "payments", w.object))
		if code != http.StatusOK || res.Response.UID != uid || res.Response.Allowed != w.allowed {
			t.Errorf("%s: %d %+v %q", w.name, code, res.Response, res.message())
		}
	}

	// Breakglass: admitted with a warning.
	_, res = post(t, c, validate, review("admission.k8s.io/v1", "uid-breakglass", "payments",
		pod(map[string]string{"image-policy.k8s.io/break-glass": "true"}, worker)))
	if !res.Response.Allowed || len(res.Response.Warnings) != 1 || !strings.HasPrefix(res.Response.Warnings[0], "breakglass: ") {
		t.Fatalf("breakglass: %+v", res.Response)
	}
	// Dry run (the staging namespace rule): admitted with the violation as a warning; and the
	// same review as admission.k8s.io/v1beta1 is answered in v1beta1.
	for _, version := range []string{"admission.k8s.io/v1", "admission.k8s.io/v1beta1"} {
		staging := bytes.Replace(read(t, "kubernetes", "admission-review-staging.json"),
			[]byte(`"admission.k8s.io/v1"`), []byte(`"`+version+`"`), 1)
		_, res = post(t, c, validate, staging)
		if res.APIVersion != version || !res.Response.Allowed || len(res.Response.Warnings) != 1 ||
			!strings.HasPrefix(res.Response.Warnings[0], "dry run: Image us-docker.pkg.dev/acme/payments/api:v1.4.2 denied") ||
			res.Response.AuditAnnotations["dry-run"] != "true" {
			t.Fatalf("staging %s: %+v", version, res)
		}
	}
	// DELETE starts nothing: admitted without evaluation.
	del := []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "uid-delete", "operation": "DELETE"}}`)
	if _, res := post(t, c, validate, del); !res.Response.Allowed || res.Response.UID != "uid-delete" {
		t.Fatalf("delete: %+v", res.Response)
	}

	// Bad input: refused, never admitted.
	if code, res := post(t, c, validate, []byte("this is not JSON {")); code != http.StatusOK || res.Response.Allowed ||
		res.Response.Status == nil || res.Response.Status.Code != http.StatusBadRequest {
		t.Fatalf("not JSON: %d %+v", code, res.Response)
	}
	if code, _ := post(t, c, validate, []byte("\xff\xfe")); code != http.StatusBadRequest {
		t.Fatalf("not UTF-8: %d", code)
	}
	if code, _ := post(t, c, validate, bytes.Repeat([]byte(" "), 10<<20)); code != http.StatusRequestEntityTooLarge {
		t.Fatalf("too large: %d", code)
	}
	if code, _ := get(t, c, validate); code != http.StatusMethodNotAllowed {
		t.Fatalf("GET /validate: %d", code)
	}

	// The audit log: one JSON line per decision on stdout, the engine's audit record as it is.
	lines := in.stdout.lines(t)
	byUID := func(uid string) map[string]interface{} {
		return find(lines, func(l map[string]interface{}) bool {
			r, _ := l["review"].(map[string]interface{})
			return r != nil && r["uid"] == uid
		})
	}
	denied := byUID("705ab4f5-6393-11e8-b7cc-42010a800002")
	if denied == nil || denied["severity"] != "NOTICE" || denied[outcomeLabel] != "denied" || denied["time"] == nil ||
		!strings.HasPrefix(denied["message"].(string), "denied: Image "+worker) {
		t.Fatalf("denied audit line: %v\nstdout:\n%s", denied, in.stdout)
	}
	record, _ := denied["audit"].(map[string]interface{})
	images, _ := record["images"].([]interface{})
	if record["policy"] != "projects/acme/policy" || len(images) != 2 ||
		images[1].(map[string]interface{})["verdict"] != "DENIED" ||
		record["context"].(map[string]interface{})["cluster"] != "us-east1.prod" {
		t.Fatalf("audit record: %v", record)
	}
	for uid, want := range map[string][2]string{
		"uid-0":                                {"INFO", "allowed"},
		"uid-breakglass":                       {"WARNING", "breakglass"},
		"b3c1e0a2-0001-4d6e-9a57-staging00001": {"WARNING", "dry-run"},
	} {
		l := byUID(uid)
		labels, _ := l["logging.googleapis.com/labels"].(map[string]interface{})
		if l == nil || l["severity"] != want[0] || l[outcomeLabel] != want[1] || labels[outcomeLabel] != want[1] {
			t.Errorf("audit line of %s: %v", uid, l)
		}
	}
	if l := find(lines, func(l map[string]interface{}) bool { return l[outcomeLabel] == "refused" }); l == nil || l["severity"] != "ERROR" {
		t.Errorf("no refusal audit line: %v", l)
	}

	// Metrics.
	_, text := get(t, c, in.url+"/metrics")
	m := metricsOf(t, text)
	for series, want := range map[string]float64{
		`binauthz_webhook_decisions_total{verdict="allowed"}`:       6, // 5 workloads and the DELETE
		`binauthz_webhook_decisions_total{verdict="denied"}`:        4,
		`binauthz_webhook_decisions_total{verdict="breakglass"}`:    1,
		`binauthz_webhook_decisions_total{verdict="dry-run"}`:       2,
		`binauthz_webhook_decisions_total{verdict="refused"}`:       4,
		`binauthz_webhook_request_duration_seconds_count`:           17,
		`binauthz_webhook_reloads_total{what="policy",result="ok"}`: 1,
		`binauthz_webhook_engine_cache_capacity`:                    50,
		`binauthz_webhook_policy_loaded`:                            1,
	} {
		if m[series] != want {
			t.Errorf("%s is %v, want %v", series, m[series], want)
		}
	}
	if m[`binauthz_webhook_engine_cache_hits_total`] == 0 || m[`binauthz_webhook_engine_cache_misses_total`] == 0 ||
		m[`binauthz_webhook_request_duration_seconds_bucket{le="+Inf"}`] != 17 {
		t.Errorf("metrics:\n%s", text)
	}
	hitsBefore := m[`binauthz_webhook_engine_cache_hits_total`]

	// Policy reload: always-deny replaces the example policy; the same pod is now denied. Reviews
	// sent meanwhile are each answered by one policy or the other, never refused (the old
	// engine is closed only after the reviews running on it).
	stop := make(chan struct{})
	var hammering sync.WaitGroup
	for g := 0; g < 4; g++ {
		hammering.Add(1)
		go func() {
			defer hammering.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				res, err := c.Post(validate, "application/json",
					bytes.NewReader(review("admission.k8s.io/v1", "uid-during", "payments", pod(nil, api))))
				if err != nil {
					t.Errorf("during the reload: %v", err)
					return
				}
				var out Response
				err = json.NewDecoder(res.Body).Decode(&out)
				res.Body.Close()
				if err != nil || res.StatusCode != http.StatusOK ||
					!(out.Response.Allowed || out.Response.Status != nil && out.Response.Status.Code == http.StatusForbidden) {
					t.Errorf("during the reload: %d %v %+v %q", res.StatusCode, err, out.Response, out.message())
					return
				}
			}
		}()
	}
	config.update(map[string][]byte{"policy.yaml": []byte(alwaysDeny), "attestors.yaml": attestorsYAML})
	waitFor(t, "the always-deny policy", func() (bool, string) {
		_, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-reload", "payments", pod(nil, api)))
		return !res.Response.Allowed && strings.Contains(res.message(), "denied by Binary Authorization default admission rule"), res.message()
	})
	close(stop)
	hammering.Wait()
	// A broken policy: the always-deny one stays in service; /readyz says ready but reports it.
	config.update(map[string][]byte{"policy.yaml": []byte(brokenPolicy), "attestors.yaml": attestorsYAML})
	waitFor(t, "the failed reload on /readyz", func() (bool, string) {
		code, body := get(t, c, in.url+"/readyz")
		return code == http.StatusOK && strings.Contains(body, "last policy reload failed") && strings.Contains(body, "SOMETIMES"), body
	})
	_, res = post(t, c, validate, review("admission.k8s.io/v1", "uid-broken", "payments", pod(nil, api)))
	if res.Response.Allowed || res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden {
		t.Fatalf("after the broken policy, the previous one should still deny: %+v %q", res.Response, res.message())
	}
	_, text = get(t, c, in.url+"/metrics")
	m = metricsOf(t, text)
	if m[`binauthz_webhook_reloads_total{what="policy",result="ok"}`] != 2 ||
		m[`binauthz_webhook_reloads_total{what="policy",result="failed"}`] != 1 ||
		m[`binauthz_webhook_policy_last_reload_failed`] != 1 || m[`binauthz_webhook_engine_cache_hits_total`] < hitsBefore {
		t.Fatalf("metrics after the reloads:\n%s", text)
	}
	if l := find(in.stderr.lines(t), func(l map[string]interface{}) bool {
		return l["message"] == "policy reload failed; the previous policy stays in service" && l["severity"] == "ERROR"
	}); l == nil || !strings.Contains(l["error"].(string), "SOMETIMES") {
		t.Fatalf("no log line for the failed reload: %v\n%s", l, in.stderr)
	}
	// Fixed again: the example policy is back.
	config.update(map[string][]byte{"policy.yaml": policyYAML, "attestors.yaml": attestorsYAML})
	waitFor(t, "the example policy again", func() (bool, string) {
		_, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-back", "payments", pod(nil, api)))
		return res.Response.Allowed, res.message()
	})
	if code, body := get(t, c, in.url+"/readyz"); code != http.StatusOK || strings.Contains(body, "problems") {
		t.Fatalf("/readyz after the fix: %d %s", code, body)
	}

	// Certificate reload: a new pair is served on new connections; a bad pair keeps it.
	newCert, newKey := certificate(t)
	secret.update(map[string][]byte{"tls.crt": newCert, "tls.key": newKey})
	want := pemFingerprint(t, newCert)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(certPEM)
	pool.AppendCertsFromPEM(newCert)
	served := func() string {
		conn, err := tls.Dial("tcp", strings.TrimPrefix(in.url, "https://"), &tls.Config{RootCAs: pool, ServerName: "localhost"})
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		sum := sha256.Sum256(conn.ConnectionState().PeerCertificates[0].Raw)
		return hex.EncodeToString(sum[:])
	}
	waitFor(t, "the new certificate", func() (bool, string) { got := served(); return got == want, got })
	secret.update(map[string][]byte{"tls.crt": certPEM, "tls.key": newKey}) // mismatched
	c = client(t, newCert)
	waitFor(t, "the failed certificate reload", func() (bool, string) {
		_, body := get(t, c, in.url+"/readyz")
		return strings.Contains(body, "last TLS certificate reload failed"), body
	})
	if got := served(); got != want {
		t.Fatalf("a bad pair replaced the certificate: %s", got)
	}
	if _, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-tls", "payments", pod(nil, api))); !res.Response.Allowed {
		t.Fatalf("after the certificate reloads: %+v", res.Response)
	}

	// An attestations file that cannot be read: the previous attestations are kept, the
	// failure is counted.
	if err := os.WriteFile(filepath.Join(attestations, "broken.json"), []byte(`[{"kind": `), 0o644); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the failed attestations reload", func() (bool, string) {
		_, text := get(t, c, in.url+"/metrics")
		return metricsOf(t, text)[`binauthz_webhook_reloads_total{what="attestations",result="failed"}`] >= 1, text
	})
	if _, res := post(t, c, validate, review("admission.k8s.io/v1", "uid-att", "payments", pod(nil, api))); !res.Response.Allowed {
		t.Fatalf("the previous attestations should still serve: %+v %q", res.Response, res.message())
	}
	// Still ready (the previous attestations serve), and /readyz says why they are not the new ones.
	if code, body := get(t, c, in.url+"/readyz"); code != http.StatusOK ||
		!strings.Contains(body, "last attestations reload failed") || !strings.Contains(body, "broken.json") {
		t.Fatalf("/readyz after a failed attestations reload: %d %s", code, body)
	}
	// Mended: the problem is gone from /readyz.
	if err := os.Remove(filepath.Join(attestations, "broken.json")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the mended attestations reload", func() (bool, string) {
		_, body := get(t, c, in.url+"/readyz")
		return !strings.Contains(body, "last attestations reload failed"), body
	})
}
