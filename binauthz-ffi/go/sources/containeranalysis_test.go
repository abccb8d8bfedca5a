package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const (
	digestA = "sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6"
	digestB = "sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff"
	imageA  = "us-docker.pkg.dev/acme/payments/api@" + digestA
	imageB  = "us-docker.pkg.dev/acme/payments/worker@" + digestB
	secret  = "ya29.secret-token"
)

// staticToken is a TokenSource with a fixed answer.
type staticToken struct {
	token string
	err   error
}

func (s staticToken) Token(context.Context) (string, error) { return s.token, s.err }

// occurrence is an attestation occurrence of image, told apart by n.
func occurrence(image string, n int) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"kind":"ATTESTATION","name":"projects/p/occurrences/%d","resourceUri":"https://%s"}`, n, image))
}

// fakeCA is a Container Analysis server: occurrences per project, served pageSize at a time
// (its own page size, smaller than what the client asks, as the API may do).
type fakeCA struct {
	t        *testing.T
	projects map[string][]json.RawMessage
	pageSize int
	requests atomic.Int64
}

func (f *fakeCA) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.requests.Add(1)
	if r.Method != http.MethodGet {
		http.Error(w, "method", http.StatusMethodNotAllowed)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer "+secret {
		http.Error(w, `{"error":{"code":401,"message":"bad credentials","status":"UNAUTHENTICATED"}}`, http.StatusUnauthorized)
		return
	}
	rest := strings.TrimPrefix(r.URL.Path, "/v1/projects/")
	project := strings.TrimSuffix(rest, "/occurrences")
	if rest == r.URL.Path || project == rest || strings.Contains(project, "/") {
		http.NotFound(w, r)
		return
	}
	occurrences, ok := f.projects[project]
	if !ok {
		http.Error(w, `{"error":{"code":403,"message":"Permission denied on project `+project+`"}}`, http.StatusForbidden)
		return
	}
	q := r.URL.Query()
	const prefix = `kind="ATTESTATION" AND resourceUrl="https://`
	filter := q.Get("filter")
	if !strings.HasPrefix(filter, prefix) || !strings.HasSuffix(filter, `"`) {
		f.t.Errorf("filter %q", filter)
		http.Error(w, "bad filter", http.StatusBadRequest)
		return
	}
	resource := "https://" + strings.TrimSuffix(strings.TrimPrefix(filter, prefix), `"`)
	if n, err := strconv.Atoi(q.Get("pageSize")); err != nil || n <= 0 || n > 1000 {
		f.t.Errorf("pageSize %q", q.Get("pageSize"))
	}
	var matching []json.RawMessage
	for _, o := range occurrences {
		// A byte search, not a decode: the bound tests serve thousands of occurrences.
		if strings.Contains(string(o), `"resourceUri":"`+resource+`"`) {
			matching = append(matching, o)
		}
	}
	start := 0
	if tok := q.Get("pageToken"); tok != "" {
		var err error
		if start, err = strconv.Atoi(strings.TrimPrefix(tok, "page-")); err != nil {
			http.Error(w, "bad page token", http.StatusBadRequest)
			return
		}
	}
	end := start + f.pageSize
	resp := map[string]interface{}{}
	if end < len(matching) {
		resp["nextPageToken"] = "page-" + strconv.Itoa(end)
	} else {
		end = len(matching)
	}
	if end > start {
		resp["occurrences"] = matching[start:end]
	}
	_ = json.NewEncoder(w).Encode(resp)
}

func newFakeCA(t *testing.T, projects map[string][]json.RawMessage) (*fakeCA, *ContainerAnalysis) {
	f := &fakeCA{t: t, projects: projects, pageSize: 2}
	server := httptest.NewServer(f)
	t.Cleanup(server.Close)
	return f, &ContainerAnalysis{Endpoint: server.URL, Projects: []string{"acme"}, Token: staticToken{token: secret}}
}

func TestContainerAnalysisPagesAndProjects(t *testing.T) {
	var acme []json.RawMessage
	for i := 0; i < 5; i++ {
		acme = append(acme, occurrence(imageA, i))
	}
	acme = append(acme, occurrence(imageB, 100))
	f, ca := newFakeCA(t, map[string][]json.RawMessage{
		"acme":  acme,
		"other": {occurrence(imageA, 200)},
	})
	ca.Projects = []string{"acme", "other"}
	got, err := ca.Attestations(context.Background(), []string{imageA, "nginx:latest", imageA})
	if err != nil {
		t.Fatal(err)
	}
	want := append(append([]json.RawMessage(nil), acme[:5]...), occurrence(imageA, 200))
	if !equalRaw(got, want) {
		t.Fatalf("got %s\nwant %s", got, want)
	}
	// 3 pages in acme (2+2+1), 1 in other; the repeated image and the tag make none.
	if n := f.requests.Load(); n != 4 {
		t.Errorf("%d requests, want 4", n)
	}
	got, err = ca.Attestations(context.Background(), []string{imageA, imageB})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 7 || !strings.Contains(string(got[6]), `"name":"projects/p/occurrences/100"`) {
		t.Errorf("two images: %s", got)
	}
}

func TestContainerAnalysisTagsMakeNoRequest(t *testing.T) {
	f, ca := newFakeCA(t, map[string][]json.RawMessage{"acme": {occurrence(imageA, 1)}})
	got, err := ca.Attestations(context.Background(), []string{"nginx:1.25", "us-docker.pkg.dev/a/b/c@sha256:ABC",
		"x@sha256:" + strings.ToUpper(digestA[7:]), "x@sha512:" + digestA[7:]})
	if err != nil || got != nil {
		t.Fatalf("got %s, %v", got, err)
	}
	if n := f.requests.Load(); n != 0 {
		t.Errorf("%d requests for tags", n)
	}
}

func TestContainerAnalysisSkipsOtherOccurrences(t *testing.T) {
	// A server that ignores the filter: what is not this image's ATTESTATION is left out.
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"occurrences":[%s,%s,{"kind":"VULNERABILITY","resourceUri":"https://%s"}]}`,
			occurrence(imageA, 1), occurrence(imageB, 2), imageA)
	}))
	defer server.Close()
	ca := &ContainerAnalysis{Endpoint: server.URL, Projects: []string{"acme"}, Token: staticToken{token: secret}}
	got, err := ca.ImageAttestations(context.Background(), imageA)
	if err != nil || !equalRaw(got, []json.RawMessage{occurrence(imageA, 1)}) {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestContainerAnalysisEmptyResponse(t *testing.T) {
	_, ca := newFakeCA(t, map[string][]json.RawMessage{"acme": nil})
	got, err := ca.Attestations(context.Background(), []string{imageA})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %s, %v", got, err)
	}
}

func TestContainerAnalysisErrors(t *testing.T) {
	_, ca := newFakeCA(t, map[string][]json.RawMessage{"acme": {occurrence(imageA, 1)}})
	ca.Projects = []string{"acme", "forbidden"}
	_, err := ca.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "container analysis: image "+imageA+", project forbidden", "403 Forbidden",
		"Permission denied on project forbidden", "/v1/projects/forbidden/occurrences")

	bad := *ca
	bad.Projects = []string{"acme"}
	bad.Token = staticToken{token: "wrong"}
	_, err = bad.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "401 Unauthorized", "bad credentials")

	bad.Token = staticToken{err: errors.New("no credentials here")}
	_, err = bad.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "container analysis: image "+imageA+": getting the token: no credentials here")

	bad.Token = staticToken{token: secret + "\r\nX-Evil: 1"}
	_, err = bad.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "not allowed in an HTTP header")

	_, err = (&ContainerAnalysis{Token: staticToken{token: secret}}).Attestations(context.Background(), []string{imageA})
	mustError(t, err, "container analysis: no project is configured")
	_, err = (&ContainerAnalysis{Projects: []string{"acme"}}).Attestations(context.Background(), []string{imageA})
	mustError(t, err, "container analysis: no token source is configured")
	_, err = (&ContainerAnalysis{Projects: []string{"a/b"}, Token: bad.Token}).Attestations(context.Background(), []string{imageA})
	mustError(t, err, `"a/b" is not a project ID`)

	_, err = ca.Attestations(context.Background(), []string{`evil" OR kind="x@` + digestA})
	mustError(t, err, "cannot be put in a filter")
}

func TestContainerAnalysisTokenNotInErrors(t *testing.T) {
	// A server that echoes the Authorization header in its error.
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "denied for "+r.Header.Get("Authorization"), http.StatusForbidden)
	}))
	defer server.Close()
	ca := &ContainerAnalysis{Endpoint: server.URL, Projects: []string{"acme"}, Token: staticToken{token: secret}}
	_, err := ca.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "403 Forbidden", "denied for Bearer [token]")
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the token is in %q", err)
	}
}

func TestContainerAnalysisTimeout(t *testing.T) {
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer server.Close()
	defer close(release)
	ca := &ContainerAnalysis{Endpoint: server.URL, Projects: []string{"acme"}, Token: staticToken{token: secret},
		Timeout: 1} // 1ns: expired before the request is made
	_, err := ca.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "container analysis: image "+imageA, "timed out after 1ns")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("%v is not a deadline error", err)
	}
	// The caller's own cancellation is reported as such, not as a timeout.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	ca.Timeout = 0
	_, err = ca.Attestations(ctx, []string{imageA})
	if err == nil || strings.Contains(err.Error(), "timed out") || !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestContainerAnalysisHangingServer(t *testing.T) {
	// The server answers the headers, then never finishes the body: the lookup's timeout
	// still ends it.
	release := make(chan struct{})
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = w.Write([]byte(`{"occurrences":[`))
		w.(http.Flusher).Flush()
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer server.Close()
	defer close(release)
	ca := &ContainerAnalysis{Endpoint: server.URL, Projects: []string{"acme"}, Token: staticToken{token: secret},
		Timeout: 500 * time.Millisecond}
	_, err := ca.Attestations(context.Background(), []string{imageA})
	mustError(t, err, "container analysis: image "+imageA+", project acme: timed out after 500ms")
}

func TestContainerAnalysisBounds(t *testing.T) {
	var pages atomic.Int64
	huge := strings.Repeat(" ", caMaxPageBytes)
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := pages.Add(1)
		switch r.URL.Query().Get("filter") {
		case `kind="ATTESTATION" AND resourceUrl="https://big@` + digestA + `"`:
			_, _ = w.Write([]byte(`{"occurrences":[]}` + huge))
		case `kind="ATTESTATION" AND resourceUrl="https://endless@` + digestA + `"`:
			fmt.Fprintf(w, `{"occurrences":[],"nextPageToken":"t%d"}`, n)
		case `kind="ATTESTATION" AND resourceUrl="https://loop@` + digestA + `"`:
			fmt.Fprint(w, `{"nextPageToken":"same"}`)
		default:
			fmt.Fprint(w, `{"occurrences":{}}`)
		}
	}))
	defer server.Close()
	ca := &ContainerAnalysis{Endpoint: server.URL, Projects: []string{"acme"}, Token: staticToken{token: secret}}
	_, err := ca.Attestations(context.Background(), []string{"big@" + digestA})
	mustError(t, err, "the response is larger than 8388608 bytes")

	pages.Store(0)
	_, err = ca.Attestations(context.Background(), []string{"endless@" + digestA})
	mustError(t, err, "more than 20 pages")
	if n := pages.Load(); n != caMaxPages {
		t.Errorf("%d pages read, want %d", n, caMaxPages)
	}
	_, err = ca.Attestations(context.Background(), []string{"loop@" + digestA})
	mustError(t, err, "repeated a page token")
	_, err = ca.Attestations(context.Background(), []string{"other@" + digestA})
	mustError(t, err, "not a ListOccurrencesResponse")
}

func TestContainerAnalysisTooManyOccurrences(t *testing.T) {
	// One more occurrence than a request may have: the lookup fails, it does not truncate.
	var all []json.RawMessage
	for i := 0; i <= MaxRequestAttestations; i++ {
		all = append(all, occurrence(imageA, i))
	}
	f, ca := newFakeCA(t, map[string][]json.RawMessage{"acme": all})
	f.pageSize = 1000 // more than asked for, so that the pages bound is not reached first
	_, err := ca.Attestations(context.Background(), []string{imageA})
	mustError(t, err, fmt.Sprintf("more than %d attestations", MaxRequestAttestations))
	// Exactly the bound is fine.
	f.projects["acme"] = all[:MaxRequestAttestations]
	got, err := ca.Attestations(context.Background(), []string{imageA})
	if err != nil || len(got) != MaxRequestAttestations {
		t.Fatalf("%d, %v", len(got), err)
	}
}

func TestImageDigest(t *testing.T) {
	for image, want := range map[string]string{
		imageA:                            digestA,
		"a@b@" + digestB:                  digestB,
		"nginx":                           "",
		"nginx:1@sha256:abc":              "",
		"@" + digestA:                     "",
		"x@" + digestA + "0":              "",
		"x@sha256:" + digestA[7:70] + "g": "",
	} {
		got, ok := ImageDigest(image)
		if got != want || ok != (want != "") {
			t.Errorf("ImageDigest(%q) = %q, %v", image, got, ok)
		}
	}
}

// mustError fails unless err's message contains every part.
func mustError(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want one with %q", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

// equalRaw compares occurrence lists byte for byte.
func equalRaw(a, b []json.RawMessage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if string(a[i]) != string(b[i]) {
			return false
		}
	}
	return true
}
