package webhook

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

var spec = filepath.Join("..", "..", "..", "spec")

func read(t *testing.T, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{spec}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func indent(text []byte) string {
	return "  " + strings.ReplaceAll(string(text), "\n", "\n  ") + "\n"
}

// exampleEngine compiles spec/examples: the acme policy (both attestors by default, CI only and
// dry run in staging) and its two attestors, as a YAML config.
func exampleEngine(t *testing.T) *binauthz.Engine {
	t.Helper()
	config := "policy:\n" + indent(read(t, "examples", "policy.yaml")) +
		"attestors:\n" + indent(read(t, "examples", "attestors.yaml"))
	engine, err := binauthz.NewEngine([]byte(config))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { engine.Close() })
	return engine
}

// fakeSource serves spec/examples/attestations.json and records what it was asked.
type fakeSource struct {
	mu     sync.Mutex
	asked  [][]string
	all    []json.RawMessage
	broken bool
}

func (s *fakeSource) Attestations(_ context.Context, images []string) ([]json.RawMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, images)
	if s.broken {
		return nil, errors.New("container analysis unavailable")
	}
	return s.all, nil
}

func newSource(t *testing.T) *fakeSource {
	s := &fakeSource{}
	if err := json.Unmarshal(read(t, "examples", "attestations.json"), &s.all); err != nil {
		t.Fatal(err)
	}
	return s
}

// Response is the AdmissionReview response the handler sends (spec/README.md §10).
type Response struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Response   struct {
		UID     string `json:"uid"`
		Allowed bool   `json:"allowed"`
		Status  *struct {
			Code    int    `json:"code"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"status"`
		Warnings         []string          `json:"warnings"`
		AuditAnnotations map[string]string `json:"auditAnnotations"`
	} `json:"response"`
}

func post(t *testing.T, server *httptest.Server, body []byte) (int, Response) {
	t.Helper()
	res, err := http.Post(server.URL, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out Response
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
	}
	return res.StatusCode, out
}

// podReview wraps a pod with the given images in an AdmissionReview.
func podReview(namespace string, labels map[string]string, images ...string) []byte {
	containers := []map[string]string{}
	for _, image := range images {
		containers = append(containers, map[string]string{"name": "c", "image": image})
	}
	review := map[string]interface{}{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]interface{}{
			"uid": "uid-1", "namespace": namespace, "operation": "CREATE",
			"object": map[string]interface{}{
				"apiVersion": "v1", "kind": "Pod",
				"metadata": map[string]interface{}{"name": "p", "labels": labels},
				"spec":     map[string]interface{}{"containers": containers},
			},
		},
	}
	body, _ := json.Marshal(review)
	return body
}

const (
	api    = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6"
	worker = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff"
)

func TestAdmissionReviews(t *testing.T) {
	source := newSource(t)
	var audited []*binauthz.AuditRecord
	handler := &Handler{
		Engine:       exampleEngine(t),
		Attestations: source,
		Cluster:      "us-east1.prod",
		Audit:        func(_ []byte, a *binauthz.ReviewAnswer) { audited = append(audited, a.Audit) },
	}
	server := httptest.NewServer(handler)
	defer server.Close()

	// The example pod: api is attested by both attestors, worker has no security-scan attestation.
	code, res := post(t, server, read(t, "kubernetes", "admission-review.json"))
	if code != http.StatusOK || res.Kind != "AdmissionReview" || res.APIVersion != "admission.k8s.io/v1" ||
		res.Response.UID != "705ab4f5-6393-11e8-b7cc-42010a800002" || res.Response.Allowed ||
		res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden ||
		!strings.HasPrefix(res.Response.Status.Message, "Image "+worker+" denied by Binary Authorization default admission rule.") {
		t.Fatalf("admission-review.json: %d %+v %+v", code, res, res.Response.Status)
	}
	if !reflect.DeepEqual(source.asked[0], []string{api, worker}) {
		t.Fatalf("the source was asked for %v", source.asked)
	}
	last := audited[len(audited)-1]
	if last.Context.Namespace != "payments" || last.Context.ServiceAccount != "payments" ||
		last.Context.Cluster != "us-east1.prod" || last.Images[0].Verdict != binauthz.VerdictAllowed {
		t.Fatalf("audit: %+v", last)
	}

	// The api image alone is admitted.
	if _, res := post(t, server, podReview("payments", nil, api)); !res.Response.Allowed || res.Response.Status != nil {
		t.Fatalf("api alone: %+v", res.Response)
	}

	// Staging: a tag under the dry-run namespace rule is admitted with a warning and an annotation.
	_, res = post(t, server, read(t, "kubernetes", "admission-review-staging.json"))
	if !res.Response.Allowed || len(res.Response.Warnings) != 1 ||
		!strings.HasPrefix(res.Response.Warnings[0], "dry run: Image us-docker.pkg.dev/acme/payments/api:v1.4.2 denied") ||
		res.Response.AuditAnnotations["dry-run"] != "true" {
		t.Fatalf("staging: %+v", res.Response)
	}

	// Breakglass (GKE's pod label): admitted, with a warning and the break-glass annotation.
	_, res = post(t, server, podReview("payments", map[string]string{"image-policy.k8s.io/break-glass": "true"}, worker))
	if !res.Response.Allowed || len(res.Response.Warnings) != 1 || !strings.HasPrefix(res.Response.Warnings[0], "breakglass: ") ||
		res.Response.AuditAnnotations["break-glass"] != "true" {
		t.Fatalf("breakglass: %+v", res.Response)
	}

	// DELETE: nothing runs, nothing to check.
	del := []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u2", "operation": "DELETE"}}`)
	if _, res := post(t, server, del); !res.Response.Allowed || res.Response.UID != "u2" {
		t.Fatalf("delete: %+v", res.Response)
	}
}

func TestFailsClosed(t *testing.T) {
	source := newSource(t)
	source.broken = true
	server := httptest.NewServer(&Handler{Engine: exampleEngine(t), Attestations: source})
	defer server.Close()

	_, res := post(t, server, podReview("payments", nil, api))
	if res.Response.Allowed || res.Response.UID != "uid-1" || res.Response.Status.Code != http.StatusInternalServerError ||
		!strings.Contains(res.Response.Status.Message, "fetching attestations: container analysis unavailable") {
		t.Fatalf("source error: %+v", res.Response)
	}
	service := []byte(`{"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {"uid": "u3",
		"operation": "CREATE", "object": {"kind": "Service", "metadata": {"name": "s"}, "spec": {}}}}`)
	if _, res := post(t, server, service); res.Response.Allowed || !strings.Contains(res.Response.Status.Message, "`Service`") {
		t.Fatalf("service: %+v", res.Response)
	}
	// Text that is not an image reference is an image of its own (spec section 4): the policy
	// denies it (403) with its reason; the review is not refused.
	bad := podReview("payments", nil, "gcr.io/acme/app with space")
	source.broken = false
	if _, res := post(t, server, bad); res.Response.Allowed || res.Response.Status.Code != http.StatusForbidden ||
		!strings.Contains(res.Response.Status.Message, "Invalid image reference: it contains a space") {
		t.Fatalf("bad image: %+v %+v", res.Response, res.Response.Status)
	}
	// An occurrence from the source that cannot be read is skipped and explained (spec section
	// 5): the image it could concern is denied (403) saying so, not the review refused.
	source.all = []json.RawMessage{json.RawMessage(`{"noteName": "projects/acme/notes/built-by-ci"}`)}
	if code, res := post(t, server, podReview("payments", nil, api)); code != http.StatusOK || res.Response.Allowed ||
		res.Response.UID != "uid-1" || res.Response.Status.Code != http.StatusForbidden ||
		!strings.Contains(res.Response.Status.Message, "was skipped and cannot satisfy the attestor") {
		t.Fatalf("unreadable occurrence: %d %+v %+v", code, res.Response, res.Response.Status)
	}
	// Attestations from the source that cannot be read at all (here one that is not even a
	// mapping) are the host's error: still answered, refused for the review's uid (500
	// InternalError), with the error as the message.
	source.all = []json.RawMessage{json.RawMessage(`"not an occurrence"`)}
	if code, res := post(t, server, podReview("payments", nil, api)); code != http.StatusOK || res.Response.Allowed ||
		res.Response.UID != "uid-1" || res.Response.Status.Code != http.StatusInternalServerError ||
		res.Response.Status.Reason != "InternalError" ||
		!strings.Contains(res.Response.Status.Message, "invalid request: `attestations[0]`") {
		t.Fatalf("engine input error: %d %+v %+v", code, res.Response, res.Response.Status)
	}
	// A body that is not an AdmissionReview is refused (400 BadRequest) in an AdmissionReview
	// response; one that is not even text gets an HTTP error.
	if code, res := post(t, server, []byte(`{"kind": "Pod"}`)); code != http.StatusOK || res.Response.Allowed ||
		res.Response.Status.Code != http.StatusBadRequest || res.Response.Status.Reason != "BadRequest" {
		t.Fatalf("not a review: %d %+v", code, res.Response)
	}
	if code, _ := post(t, server, []byte("\xff")); code != http.StatusBadRequest {
		t.Fatalf("not UTF-8: %d", code)
	}
	res2, err := http.Get(server.URL)
	if err != nil {
		t.Fatal(err)
	}
	res2.Body.Close()
	if res2.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET: %d", res2.StatusCode)
	}
}

// Untrusted text in a denial (here an image reference with a terminal escape) reaches kubectl
// escaped: no control character but the line breaks between image denials.
func TestDenialIsEscaped(t *testing.T) {
	server := httptest.NewServer(&Handler{Engine: exampleEngine(t), Attestations: newSource(t)})
	defer server.Close()
	image := "us-docker.pkg.dev/acme/payments/api\x1b[2J:1"
	_, res := post(t, server, podReview("payments", nil, image, worker))
	if res.Response.Allowed || res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden {
		t.Fatalf("control character: %+v", res.Response)
	}
	message := res.Response.Status.Message
	for _, r := range message {
		if r < 0x20 && r != '\n' || r == 0x7f {
			t.Fatalf("unescaped control character %q in %q", r, message)
		}
	}
	if !strings.Contains(message, "us-docker.pkg.dev/acme/payments/api") || !strings.Contains(message, worker) {
		t.Fatalf("message: %q", message)
	}
	// The source's error text is escaped too.
	source := AttestationSourceFunc(func(context.Context, []string) ([]json.RawMessage, error) {
		return nil, errors.New("unavailable \x1b[31m")
	})
	server2 := httptest.NewServer(&Handler{Engine: exampleEngine(t), Attestations: source})
	defer server2.Close()
	_, res = post(t, server2, podReview("payments", nil, api))
	if res.Response.Allowed || strings.ContainsRune(res.Response.Status.Message, 0x1b) ||
		!strings.Contains(res.Response.Status.Message, "unavailable") {
		t.Fatalf("source error escaped: %q", res.Response.Status.Message)
	}
}

// Many concurrent reviews share the handler's engine (run with -race).
func TestConcurrentReviews(t *testing.T) {
	server := httptest.NewServer(&Handler{Engine: exampleEngine(t), Attestations: newSource(t)})
	defer server.Close()
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			images := []string{api}
			if g%2 == 1 {
				images = append(images, worker)
			}
			for i := 0; i < 5; i++ {
				_, res := post(t, server, podReview("payments", nil, images...))
				if res.Response.Allowed != (g%2 == 0) {
					t.Errorf("goroutine %d: allowed %v", g, res.Response.Allowed)
				}
			}
		}(g)
	}
	wg.Wait()
}
