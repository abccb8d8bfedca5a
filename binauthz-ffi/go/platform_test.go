package binauthz

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// platformCasesDir is spec/conformance/platform/cases, or BINAUTHZ_PLATFORM_CASES.
func platformCasesDir() string {
	if dir := os.Getenv("BINAUTHZ_PLATFORM_CASES"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "spec", "conformance", "platform", "cases")
}

// sameJSON is whether two JSON texts are deep-equal (objects as unordered maps, numbers by
// value), as the Rust runner compares the response and the CV events.
func sameJSON(a []byte, b interface{}) bool {
	var x interface{}
	if err := json.Unmarshal(a, &x); err != nil {
		return false
	}
	return reflect.DeepEqual(x, normalize(b))
}

// runPlatformCase evaluates a platform conformance case and compares as the Rust runner does:
// an expected error by stage, code and path; otherwise the response and the CV events whole.
// (The `expect` projection is the Rust runner's alone.)
func runPlatformCase(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var c map[string]interface{}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&c); err != nil {
		return err
	}
	policy, ok := c["policyText"].(string)
	request, ok2 := documentText(c, "request", "requestText")
	expectError, hasError := c["expectError"].(map[string]interface{})
	response, hasResponse := c["response"]
	events, hasEvents := c["cvEvents"]
	if !ok || !ok2 || hasError == hasResponse || hasResponse != hasEvents {
		return errors.New("malformed case: needs policyText, request/requestText, and expectError or response and cvEvents")
	}
	got, err := EvaluatePlatformPolicy([]byte(policy), request)
	if hasError {
		var e *Error
		if !errors.As(err, &e) {
			return errorf("expected a *binauthz.Error, got %T: %v (response %s)", err, err, got)
		}
		if e.Stage != expectError["stage"] || e.Code != expectError["code"] || e.Path != expectError["path"] {
			return errorf("expected %s, got stage %q code %q path %q: %s", serdeJSON(expectError), e.Stage, e.Code, e.Path, e.Message)
		}
		return nil
	}
	if err != nil {
		return errorf("expected a response, got error: %v", err)
	}
	if !sameJSON(got, response) {
		return errorf("response: expected\n%s\ngot\n%s", serdeJSON(response), got)
	}
	list, err := PlatformCVEvents([]byte(policy), request)
	if err != nil {
		return errorf("CV events: %v", err)
	}
	if have := serdeJSON(list); !sameJSON(have, events) {
		return errorf("cvEvents: expected\n%s\ngot\n%s", serdeJSON(events), have)
	}
	return nil
}

func TestPlatformConformance(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join(platformCasesDir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	// A missing or empty directory must fail, not pass with nothing compared.
	if len(paths) == 0 {
		t.Fatalf("no platform conformance cases in %s", platformCasesDir())
	}
	sort.Strings(paths)
	failed := 0
	for _, p := range paths {
		if err := runPlatformCase(p); err != nil {
			failed++
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
	t.Logf("platform: %d passed, %d failed", len(paths)-failed, failed)
}

const (
	platformDeny = `{"gkePolicy": {"checkSets": [{"displayName": "deny",
		"checks": [{"displayName": "no", "alwaysDeny": true}]}]}}`
	platformPod = `{"object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web", "namespace": "prod"},
		"spec": {"containers": [{"name": "c", "image": "gcr.io/acme/app:1"}]}}}`
	// Two errors: an unknown field in a check, a service account without its namespace.
	platformInvalid = `{"gkePolicy": {"checkSets": [{"scope": {"kubernetesServiceAccount": "sa"},
		"checks": [{"alwaysDenyy": true}]}, {"checks": []}]}}`
)

func TestPlatformPolicyAPI(t *testing.T) {
	summary, err := ValidatePlatformPolicy([]byte(platformDeny))
	if err != nil {
		t.Fatal(err)
	}
	want := []PlatformCheckSet{{DisplayName: "deny", Scope: "*", AllowPatterns: []string{},
		Checks: []PlatformCheck{{DisplayName: "no", Type: "AlwaysDeny", AllowPatterns: []string{}}}}}
	if !reflect.DeepEqual(summary.CheckSets, want) || summary.AllowPatterns == nil || len(summary.JSON) == 0 {
		t.Fatalf("summary %+v\n%s", summary, summary.JSON)
	}
	// The typed summary keeps every field the engine wrote.
	if !sameJSON(serdeJSON(summary), normalize(json.RawMessage(summary.JSON))) {
		t.Errorf("the typed summary drops fields: %s, engine %s", serdeJSON(summary), summary.JSON)
	}

	response, err := EvaluatePlatformPolicy([]byte(platformDeny), []byte(platformPod))
	if err != nil {
		t.Fatal(err)
	}
	var r struct{ Verdict string }
	if err := json.Unmarshal(response, &r); err != nil || r.Verdict != "NON_CONFORMANT" {
		t.Fatalf("response %s (%v)", response, err)
	}
	events, err := PlatformCVEvents([]byte(platformDeny), []byte(platformPod))
	if err != nil || len(events) != 1 || !bytes.Contains(events[0], []byte(`"podEvent"`)) {
		t.Fatalf("events %s (%v)", events, err)
	}

	// An invalid policy: every error, each naming the platform policy; CV logs it instead.
	_, verr := ValidatePlatformPolicy([]byte(platformInvalid))
	var e *Error
	if !errors.As(verr, &e) || e.Status != StatusInvalid || e.Stage != "config" || e.Code != "invalid" || len(e.Errors) < 2 {
		t.Fatalf("validate: %#v", verr)
	}
	for _, d := range e.Errors {
		if d.Document != "platform policy" {
			t.Errorf("detail %+v", d)
		}
	}
	_, err = EvaluatePlatformPolicy([]byte(platformInvalid), []byte(platformPod))
	if !reflect.DeepEqual(err, verr) {
		t.Errorf("evaluate reports %#v, validate %#v", err, verr)
	}
	events, err = PlatformCVEvents([]byte(platformInvalid), []byte(platformPod))
	var event struct {
		ConfigErrorEvent struct{ Description string } `json:"configErrorEvent"`
	}
	if err != nil || len(events) != 1 || json.Unmarshal(events[0], &event) != nil ||
		event.ConfigErrorEvent.Description != e.Message {
		t.Fatalf("CV events of an invalid policy: %s (%v)", events, err)
	}

	// Documents that are not UTF-8 and empty documents.
	for _, tc := range []struct {
		name             string
		policy, request  string
		stage, code, doc string
	}{
		{"policy not UTF-8", "{\"gkePolicy\": {\"name\": \"\xc3\x28\"}}", platformPod, "config", "syntax", "platform policy"},
		{"request not UTF-8", platformDeny, "{\"object\": \"\xff\"}", "request", "syntax", "request"},
		{"empty request", platformDeny, "", "request", "", "request"},
	} {
		_, err := EvaluatePlatformPolicy([]byte(tc.policy), []byte(tc.request))
		if !errors.As(err, &e) || e.Stage != tc.stage || (tc.code != "" && e.Code != tc.code) ||
			len(e.Errors) == 0 || e.Errors[0].Document != tc.doc {
			t.Errorf("%s: %#v", tc.name, err)
		}
	}
	if _, err := ValidatePlatformPolicy(nil); !errors.As(err, &e) || e.Stage != "config" {
		t.Errorf("empty policy: %#v", err)
	}
	if events, err := PlatformCVEvents([]byte("{\"gkePolicy\": \"\xff\"}"), []byte(platformPod)); err != nil ||
		len(events) != 1 || !strings.Contains(string(events[0]), "configErrorEvent") {
		t.Errorf("CV events of a policy that is not UTF-8: %s (%v)", events, err)
	}
}

func TestLintPlatformPolicy(t *testing.T) {
	// The worked example: exactly one finding, BZ051.
	example, err := os.ReadFile(filepath.Join("..", "..", "spec", "examples", "platform", "platform-policy.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	findings, err := LintPlatformPolicy(example)
	if err != nil || len(findings) != 1 || findings[0].Code != "BZ051" || findings[0].Message == "" || findings[0].Fix == "" {
		t.Fatalf("worked example: %+v (%v)", findings, err)
	}
	// An empty check set: BZ050 at its path.
	empty := `{"gkePolicy":{"checkSets":[{"scope":{"kubernetesNamespace":"dev"},"checks":[]},{"checks":[{"alwaysDeny":true}]}]}}`
	findings, err = LintPlatformPolicy([]byte(empty))
	if err != nil || len(findings) != 1 || findings[0].Code != "BZ050" || findings[0].Path != "gkePolicy.checkSets[0].checks" {
		t.Fatalf("empty check set: %+v (%v)", findings, err)
	}
	// An invalid policy: ValidatePlatformPolicy's error, stage config.
	_, verr := ValidatePlatformPolicy([]byte(platformInvalid))
	_, err = LintPlatformPolicy([]byte(platformInvalid))
	var e *Error
	if !errors.As(err, &e) || e.Stage != "config" || e.Code != "invalid" || len(e.Errors) < 2 ||
		e.Errors[0].Document != "platform policy" || !reflect.DeepEqual(err, verr) {
		t.Fatalf("invalid policy: %#v, validate %#v", err, verr)
	}
	// Not UTF-8, and the empty document.
	if _, err := LintPlatformPolicy([]byte("{\"gkePolicy\": {\"name\": \"\xc3\x28\"}}")); !errors.As(err, &e) ||
		e.Stage != "config" || e.Code != "syntax" || len(e.Errors) == 0 || e.Errors[0].Document != "platform policy" {
		t.Errorf("not UTF-8: %#v", err)
	}
	if _, err := LintPlatformPolicy(nil); !errors.As(err, &e) || e.Stage != "config" {
		t.Errorf("empty policy: %#v", err)
	}
}
