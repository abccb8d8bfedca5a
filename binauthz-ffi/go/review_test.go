package binauthz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readSpec(t *testing.T, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{"..", "..", "spec"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// Every error carries the engine's report: code, stage, path, message and every error found.
func TestErrorReports(t *testing.T) {
	var e *Error
	policy := []byte(`{"defaultAdmissionRule": {"evaluationMode": "SOMETIMES",
		"enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}, "bogus": 1}`)
	attestors := []byte(`[{"name": "projects/p/attestors/a", "surprise": true}]`)
	_, err := CheckPolicy(policy, attestors)
	if !errors.As(err, &e) || e.Status != StatusInvalid || e.Code != "invalid" || e.Stage != "config" ||
		len(e.Errors) < 3 || e.Errors[0].Document != "policy" || e.Errors[len(e.Errors)-1].Document != "attestors" ||
		!strings.HasPrefix(e.Message, "invalid policy: ") || e.Path != e.Errors[0].Path {
		t.Fatalf("check: %#v", err)
	}
	for _, d := range e.Errors {
		if d.Code == "" || d.Message == "" {
			t.Fatalf("detail: %#v", d)
		}
	}
	if _, err := NewEngineFromDocuments(policy, attestors); !errors.As(err, &e) || len(e.Errors) < 3 {
		t.Fatalf("compile: %#v", err)
	}
	if _, err := LintPolicy(policy, nil); !errors.As(err, &e) || e.Stage != "config" || len(e.Errors) < 2 {
		t.Fatalf("lint: %#v", err)
	}

	engine, err := NewEngine([]byte(denyAll))
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	_, err = engine.EvaluateJSON(context.Background(), []byte(`{"images": []}`))
	if !errors.As(err, &e) || e.Stage != "request" || e.Code != "invalid" || e.Path != "images" ||
		len(e.Errors) != 1 || e.Errors[0].Document != "request" || e.Message != "invalid request: "+e.Errors[0].Message {
		t.Fatalf("request: %#v", err)
	}
	// The library's own errors of how it was called: the precise status, the nearest code.
	if _, err := CreateSignaturePayload("gcr.io/p/\xff@sha256:0"); !errors.As(err, &e) ||
		e.Status != StatusInvalidUTF8 || e.Code != "syntax" || e.Stage != "request" ||
		e.Errors[0].Document != "artifact_url" {
		t.Fatalf("not UTF-8: %#v", err)
	}
	if _, err := CreateSignaturePayload("gcr.io/p/app:1"); !errors.As(err, &e) || e.Stage != "request" ||
		e.Errors[0].Document != "artifact URL" {
		t.Fatalf("no digest: %#v", err)
	}
}

func TestDocuments(t *testing.T) {
	policy, attestors := readSpec(t, "examples", "policy.yaml"), readSpec(t, "examples", "attestors.yaml")
	summary, err := CheckPolicy(policy, attestors)
	if err != nil || summary.Name != "projects/acme/policy" || summary.GlobalPolicyEvaluationMode != "ENABLE" ||
		summary.DefaultAdmissionRule.EvaluationMode != "REQUIRE_ATTESTATION" || len(summary.RequiredAttestors) != 2 ||
		summary.SpecificRules == nil || summary.SpecificRules.Kind != "namespace" ||
		summary.SpecificRules.Rules[0].Key != "staging" ||
		summary.SpecificRules.Rules[0].EnforcementMode != "DRYRUN_AUDIT_LOG_ONLY" || len(summary.JSON) == 0 {
		t.Fatalf("summary: %v %+v", err, summary)
	}
	// The policy alone: no attestor is required to be defined.
	if _, err := CheckPolicy(policy, nil); err != nil {
		t.Fatal(err)
	}
	findings, err := LintPolicy(policy, attestors)
	if err != nil || findings == nil {
		t.Fatalf("lint: %v %v", err, findings)
	}
	for _, f := range findings {
		if !strings.HasPrefix(f.Code, "BZ") || (f.Severity != "warning" && f.Severity != "info") {
			t.Fatalf("finding %+v", f)
		}
	}
	var e *Error
	if _, err := NewEngineFromDocuments(policy, nil); !errors.As(err, &e) || e.Status != StatusReference ||
		e.Code != "reference" || e.Errors[0].Document != "policy" {
		t.Fatalf("no attestors: %#v", err)
	}
	engine, err := NewEngineFromDocuments(policy, attestors)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	d, err := engine.Evaluate(context.Background(), &Request{Images: []string{"us-docker.pkg.dev/acme/base-images/migrate:1.2"}})
	if err != nil || !d.Allowed {
		t.Fatalf("allowlisted: %v %+v", err, d)
	}
}

// The answer's response, decoded.
type admissionResponse struct {
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
		Warnings []string `json:"warnings"`
	} `json:"response"`
}

func TestAnswerReview(t *testing.T) {
	ctx := context.Background()
	engine, err := NewEngineFromDocuments(readSpec(t, "examples", "policy.yaml"), readSpec(t, "examples", "attestors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	var occurrences []json.RawMessage
	if err := json.Unmarshal(readSpec(t, "examples", "attestations.json"), &occurrences); err != nil {
		t.Fatal(err)
	}
	review := readSpec(t, "kubernetes", "admission-review.json")
	answer, err := engine.AnswerReview(ctx, review, occurrences, &Context{Cluster: "us-east1.prod"}, "2025-06-01T00:00:00Z")
	if err != nil {
		t.Fatal(err)
	}
	var res admissionResponse
	if err := json.Unmarshal(answer.Response, &res); err != nil {
		t.Fatal(err)
	}
	if answer.Allowed || res.Response.Allowed || res.Response.UID != "705ab4f5-6393-11e8-b7cc-42010a800002" ||
		res.Response.Status == nil || res.Response.Status.Code != 403 || answer.Audit == nil ||
		answer.Audit.Context.Cluster != "us-east1.prod" || answer.Audit.Context.Namespace != "payments" ||
		answer.Error != nil || len(answer.DecisionJSON) == 0 {
		t.Fatalf("answer: %s audit %s error %v", answer.Response, answer.AuditJSON, answer.Error)
	}
	// The audit record is the decision's own, and the decision decodes on demand, whole.
	decision, err := answer.Decision()
	if err != nil || decision.Allowed || len(decision.Images) != len(answer.Audit.Images) ||
		decision.Audit.Context != answer.Audit.Context || string(decision.JSON) != string(answer.DecisionJSON) {
		t.Fatalf("decision: %v %d images, audit %s", err, len(decision.Images), answer.AuditJSON)
	}
	var whole struct {
		Audit json.RawMessage `json:"audit"`
	}
	if err := json.Unmarshal(answer.DecisionJSON, &whole); err != nil || !bytes.Equal(whole.Audit, answer.AuditJSON) {
		t.Fatalf("the audit record differs from the decision's: %v\n%s\n%s", err, whole.Audit, answer.AuditJSON)
	}
	// The host's attestations cannot be used: a 500 refusal, with the error; no decision.
	for _, bad := range []json.RawMessage{json.RawMessage(`"not an occurrence"`), json.RawMessage(`{"unclosed": `), nil} {
		answer, err = engine.AnswerReview(ctx, review, []json.RawMessage{bad}, nil, "")
		if err != nil || answer.Allowed || answer.Audit != nil || answer.DecisionJSON != nil || answer.Error == nil ||
			answer.Error.Stage != "request" || !strings.Contains(string(answer.Response), `"code":500`) {
			t.Fatalf("bad attestations %q: %v %s %.200s", bad, err, answer.Response, answer.DecisionJSON)
		}
		if d, err := answer.Decision(); d != nil || err != nil {
			t.Fatalf("a refusal has a decision: %+v %v", d, err)
		}
	}
	// Not a review: a 400 refusal.
	answer, err = engine.AnswerReview(ctx, []byte(`{"kind": "Pod"}`), nil, nil, "")
	if err != nil || answer.Allowed || answer.Error == nil || answer.Error.Status != StatusInvalid ||
		!strings.Contains(string(answer.Response), `"reason":"BadRequest"`) {
		t.Fatalf("not a review: %v %+v", err, answer)
	}
	// No answer at all: the review is not UTF-8.
	var e *Error
	if _, err := engine.AnswerReview(ctx, []byte("\xff"), nil, nil, ""); !errors.As(err, &e) || e.Status != StatusSyntax {
		t.Fatalf("not UTF-8: %v", err)
	}
	refusal, err := RefuseReview(review, "source down \x1b[2J")
	if err := json.Unmarshal(refusal, &res); err != nil {
		t.Fatal(err)
	}
	if res.Response.Allowed || res.Response.Status.Code != 500 || strings.ContainsRune(res.Response.Status.Message, 0x1b) ||
		res.Response.UID != "705ab4f5-6393-11e8-b7cc-42010a800002" {
		t.Fatalf("refusal: %v %s", err, refusal)
	}
	engine.Close()
	if _, err := engine.AnswerReview(ctx, review, nil, nil, ""); !errors.Is(err, ErrClosed) {
		t.Fatalf("closed: %v", err)
	}
}
