package binauthz

// Hostile inputs through the newer entry points of the Go package: CheckPolicy, LintPolicy,
// NewEngineFromDocuments and Engine.AnswerReview. Each input within the limits of spec/README.md
// §1 is decided (or answered) within the bounds of §7.2, each one beyond them gets its error with
// the code and the document at fault. Results are asserted by their shape and counts, never time.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const (
	maxConfig           = 2 << 20
	maxRequest          = 8 << 20
	maxOccurrences      = 4096
	maxVerificationCost = 2400
	maxDiagnosisCost    = 240
	p521Points          = 15
)

const hostileGoodPolicy = `{"defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY", ` +
	`"enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}`

// billionLaughs is YAML's alias bomb: nine levels of ten aliases, a billion strings once expanded.
func billionLaughs(prefix, key string) []byte {
	var b strings.Builder
	b.WriteString(prefix)
	b.WriteString("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n")
	for i := 1; i < 9; i++ {
		refs := strings.TrimSuffix(strings.Repeat(fmt.Sprintf("*a%d, ", i-1), 10), ", ")
		fmt.Fprintf(&b, "a%d: &a%d [%s]\n", i, i, refs)
	}
	fmt.Fprintf(&b, "%s: *a8\n", key)
	return []byte(b.String())
}

// policyOfSize is hostileGoodPolicy with a description padding it to exactly size bytes.
func policyOfSize(size int) []byte {
	head := `{"description": "`
	tail := `", ` + strings.TrimPrefix(hostileGoodPolicy, "{")
	return []byte(head + strings.Repeat("x", size-len(head)-len(tail)) + tail)
}

// wantError checks that err is an *Error with the status, code and first document given.
func wantError(t *testing.T, what string, err error, status Status, code, document string) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) || e.Status != status || e.Code != code || len(e.Errors) == 0 ||
		e.Errors[0].Code != code || e.Errors[0].Document != document {
		t.Errorf("%s: want %v %s in %s, got %#v", what, status, code, document, err)
	}
}

func TestHostileDocuments(t *testing.T) {
	good := []byte(hostileGoodPolicy)
	calls := map[string]func(policy, attestors []byte) error{
		"CheckPolicy": func(p, a []byte) error { _, err := CheckPolicy(p, a); return err },
		"LintPolicy":  func(p, a []byte) error { _, err := LintPolicy(p, a); return err },
		"NewEngineFromDocuments": func(p, a []byte) error {
			e, err := NewEngineFromDocuments(p, a)
			if e != nil {
				e.Close()
			}
			return err
		},
	}
	cases := []struct {
		what              string
		policy, attestors []byte
		status            Status
		code, document    string
	}{
		{"100,000-deep YAML policy", []byte("defaultAdmissionRule: " + strings.Repeat("[", 100000)), nil,
			StatusLimit, "limit", "policy"},
		{"100,000-deep JSON policy", []byte(strings.Repeat(`{"a": `, 100000)), nil, StatusLimit, "limit", "policy"},
		{"100,000-deep YAML attestors", good, []byte("- " + strings.Repeat("{a: ", 100000)),
			StatusLimit, "limit", "attestors"},
		{"billion laughs policy", billionLaughs("", "defaultAdmissionRule"), nil, StatusLimit, "limit", "policy"},
		{"billion laughs attestors", good, billionLaughs("", "laughs"), StatusLimit, "limit", "attestors"},
		{"policy of 2 MiB", policyOfSize(maxConfig), nil, StatusOK, "", ""},
		{"policy of 2 MiB + 1", policyOfSize(maxConfig + 1), nil, StatusLimit, "limit", "policy"},
		{"policy not UTF-8", []byte("defaultAdmissionRule:\n  evaluationMode: \xff\n"), nil,
			StatusSyntax, "syntax", "policy"},
		{"attestors not UTF-8", good, []byte("\xfe"), StatusSyntax, "syntax", "attestors"},
		{"policy, NUL, junk", append(append([]byte{}, good...), 0, 'x'), nil, StatusSyntax, "syntax", "policy"},
		{"YAML policy with a NUL", []byte("defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\x00\n"), nil,
			StatusSyntax, "syntax", "policy"},
	}
	for name, call := range calls {
		for _, c := range cases {
			err := call(c.policy, c.attestors)
			if c.status == StatusOK {
				if err != nil {
					t.Errorf("%s, %s: %v", name, c.what, err)
				}
				continue
			}
			wantError(t, name+", "+c.what, err, c.status, c.code, c.document)
		}
	}
}

// hostileCase is the conformance case named name.
func hostileCase(t *testing.T, name string) map[string]interface{} {
	t.Helper()
	paths, _ := filepath.Glob(filepath.Join("..", "..", "spec", "conformance", "cases", "*-"+name+".json"))
	if len(paths) != 1 {
		t.Fatalf("conformance case %s: %v", name, paths)
	}
	data, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	var c map[string]interface{}
	if err := json.Unmarshal(data, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

// podReview is the AdmissionReview (uid u-7) of a pod running images, with an annotation of pad
// bytes to size it.
func podReview(images []string, pad int) []byte {
	containers := make([]map[string]string, len(images))
	for i, image := range images {
		containers[i] = map[string]string{"name": fmt.Sprintf("c%d", i), "image": image}
	}
	review, _ := json.Marshal(map[string]interface{}{
		"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
		"request": map[string]interface{}{
			"uid": "u-7", "namespace": "payments", "operation": "CREATE",
			"object": map[string]interface{}{
				"kind":     "Pod",
				"metadata": map[string]interface{}{"name": "p", "annotations": map[string]string{"pad": strings.Repeat("z", pad)}},
				"spec":     map[string]interface{}{"containers": containers},
			},
		},
	})
	return review
}

// wantRefusal checks an answer refusing the review with HTTP code for uid, with no decision and
// an error of errorCode.
func wantRefusal(t *testing.T, what string, answer *ReviewAnswer, err error, code int, uid, errorCode string) {
	t.Helper()
	var res admissionResponse
	if err != nil || json.Unmarshal(answer.Response, &res) != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	reason := map[int]string{400: "BadRequest", 500: "InternalError"}[code]
	if answer.Allowed || res.Response.Allowed || res.Response.Status == nil || res.Response.Status.Code != code ||
		res.Response.Status.Reason != reason || res.Response.UID != uid || answer.DecisionJSON != nil || answer.Audit != nil ||
		answer.Error == nil || answer.Error.Code != errorCode {
		t.Errorf("%s: want a %d refusal (%s) for %q: %s %+v", what, code, errorCode, uid, answer.Response, answer.Error)
	}
}

// wantDenial checks an answer denying the review (403) with a decision.
func wantDenial(t *testing.T, what string, answer *ReviewAnswer, err error) {
	t.Helper()
	var res admissionResponse
	if err != nil || json.Unmarshal(answer.Response, &res) != nil {
		t.Errorf("%s: %v", what, err)
		return
	}
	if answer.Allowed || res.Response.Status == nil || res.Response.Status.Code != 403 ||
		res.Response.Status.Reason != "VIOLATES_POLICY" || res.Response.UID != "u-7" ||
		answer.Audit == nil || answer.Audit.Allowed || answer.DecisionJSON == nil || answer.Error != nil {
		t.Errorf("%s: want a denial: %.300s", what, answer.Response)
	}
}

func TestHostileAnswerReview(t *testing.T) {
	ctx := context.Background()
	c := hostileCase(t, "alg-ecdsa-p256-sha256-valid")
	config, _ := json.Marshal(c["config"])
	engine, err := NewEngine(config)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	image := c["request"].(map[string]interface{})["images"].([]interface{})[0].(string)
	review := podReview([]string{image}, 0)
	answer, err := engine.AnswerReview(ctx, review, nil, nil, "")
	wantDenial(t, "plain review", answer, err)

	// Deep nesting and alias bombs in the review: a 400 refusal (the uid cannot be read).
	for what, deep := range map[string][]byte{
		"100,000-deep YAML review": []byte("apiVersion: admission.k8s.io/v1\nrequest: {uid: u-7, object: " +
			strings.Repeat("[", 100000)),
		"100,000-deep JSON review": []byte(`{"request": {"uid": "u-7", "object": ` + strings.Repeat(`{"a": `, 100000)),
		"billion laughs review":    billionLaughs("apiVersion: admission.k8s.io/v1\n", "request"),
	} {
		answer, err := engine.AnswerReview(ctx, deep, nil, nil, "")
		wantRefusal(t, what, answer, err, 400, "", "limit")
	}
	// In the host's attestations: a 500 refusal for the review's uid. AnswerReview hands the
	// occurrences to the engine as they are, so the engine's bound is the one that holds.
	for _, depth := range []int{1000, 100000} {
		deep := json.RawMessage(strings.Repeat("[", depth) + strings.Repeat("]", depth))
		answer, err = engine.AnswerReview(ctx, review, []json.RawMessage{deep}, nil, "")
		wantRefusal(t, fmt.Sprintf("%d-deep attestation", depth), answer, err, 500, "u-7", "limit")
	}

	// Size: a review of exactly 8 MiB is evaluated; one byte more is refused.
	overhead := len(podReview([]string{image}, 0))
	big := podReview([]string{image}, maxRequest-overhead)
	answer, err = engine.AnswerReview(ctx, big, nil, nil, "")
	if len(big) != maxRequest {
		t.Fatalf("review of %d bytes", len(big))
	}
	wantDenial(t, "review of 8 MiB", answer, err)
	answer, err = engine.AnswerReview(ctx, podReview([]string{image}, maxRequest-overhead+1), nil, nil, "")
	wantRefusal(t, "review of 8 MiB + 1", answer, err, 400, "", "limit")
	// An evaluation time over 8 MiB, and one with a NUL: refused (500), by size and as invalid.
	answer, err = engine.AnswerReview(ctx, review, nil, nil, strings.Repeat("9", maxRequest))
	wantRefusal(t, "evaluation time over 8 MiB", answer, err, 500, "u-7", "limit")
	answer, err = engine.AnswerReview(ctx, review, nil, nil, "2025-01-01T00:00:00Z\x00")
	wantRefusal(t, "evaluation time with a NUL", answer, err, 500, "u-7", "invalid")
	// An occurrence with a 4 MiB name, under the attestor's note for each of 64 images of
	// the digest: the name is written cut, so the answer stays small.
	occ := fmt.Sprintf(`{"name": "%s", "resourceUri": "https://%s", "noteName": "projects/acme/notes/built-by-ci",`+
		` "attestation": {"serializedPayload": "e30=", "signatures": [{"publicKeyId": "%s", "signature": "AA=="}]}}`,
		strings.Repeat("n", 4<<20), image, strings.Repeat("k", 3<<20))
	images := make([]string, 64)
	for i := range images {
		images[i] = image
	}
	answer, err = engine.AnswerReview(ctx, podReview(images, 0), []json.RawMessage{json.RawMessage(occ)}, nil, "")
	if err == nil && len(answer.DecisionJSON) > 16<<20 {
		t.Errorf("long names: a decision of %d bytes", len(answer.DecisionJSON))
	}
	if err == nil && !strings.Contains(string(answer.DecisionJSON), "… (4194304 bytes in all)") {
		t.Errorf("long names: the occurrence name is not cut")
	}

	// Not UTF-8, and NUL bytes after the document: no answer, or a 400 refusal.
	if _, err := engine.AnswerReview(ctx, append(append([]byte{}, review...), 0xff), nil, nil, ""); err == nil {
		t.Errorf("review not UTF-8: answered")
	} else {
		wantError(t, "review not UTF-8", err, StatusSyntax, "syntax", "AdmissionReview")
	}
	answer, err = engine.AnswerReview(ctx, append(append([]byte{}, review...), 0, 'x'), nil, nil, "")
	wantRefusal(t, "review, NUL, junk", answer, err, 400, "", "syntax")
}

// The signature flood of spec §7.2 through AnswerReview: a pod of 1,024 containers over 64
// digests, and 4,096 occurrences (the limit) spread over them, each with gcloud's payload for its
// digest and as many 1-byte signatures claiming the attestor's key as fit in 8 MiB. Each check is
// charged its algorithm's points whatever the signature, so the budget stops the checks.
func TestHostileAnswerReviewFlood(t *testing.T) {
	c := hostileCase(t, "alg-ecdsa-p521-sha512-valid")
	cfg := c["config"].(map[string]interface{})
	attestor := cfg["attestors"].([]interface{})[0].(map[string]interface{})
	key := attestor["userOwnedGrafeasNote"].(map[string]interface{})["publicKeys"].([]interface{})[0].(map[string]interface{})
	key["id"] = "k"
	config, _ := json.Marshal(cfg)
	engine, err := NewEngine(config)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	digests := make([]string, 64)
	payloads := make([]string, 64)
	for i := range digests {
		digests[i] = fmt.Sprintf("us-docker.pkg.dev/acme/prod/payments-api@sha256:%064x", i+1)
		payload, err := CreateSignaturePayload(digests[i])
		if err != nil {
			t.Fatal(err)
		}
		payloads[i] = base64.StdEncoding.EncodeToString(payload)
	}
	images := make([]string, 1024)
	for i := range images {
		images[i] = digests[i%64]
	}
	const signature = `{"publicKeyId":"k","signature":"AA=="}`
	share := (maxRequest - 64) / maxOccurrences
	occurrences := make([]json.RawMessage, maxOccurrences)
	size, signatures := 2, 0
	for o := range occurrences {
		head := fmt.Sprintf(`{"name":"o%d","resourceUri":"https://%s","noteName":"projects/acme/notes/built-by-ci",`+
			`"attestation":{"serializedPayload":"%s","signatures":[`, o, digests[o%64], payloads[o%64])
		var sigs []string
		for len(sigs) < 64 && len(head)+(len(signature)+1)*(len(sigs)+1)+8 < share {
			sigs = append(sigs, signature)
		}
		signatures += len(sigs)
		occurrences[o] = json.RawMessage(head + strings.Join(sigs, ",") + "]}}")
		size += len(occurrences[o]) + 1
	}
	if size > maxRequest || signatures < 100000 {
		t.Fatalf("the flood: %d bytes, %d signatures", size, signatures)
	}
	answer, err := engine.AnswerReview(context.Background(), podReview(images, 0), occurrences,
		&Context{Cluster: "us-east1.prod"}, "2026-01-01T00:00:00Z")
	wantDenial(t, "flood", answer, err)
	if answer == nil || answer.DecisionJSON == nil {
		t.FailNow()
	}
	full, err := answer.Decision()
	if err != nil {
		t.Fatal(err)
	}
	d := full.Diagnostics
	if d.SignatureChecks == 0 || d.SignatureChecks+d.ChecksNotTried != uint64(signatures) ||
		d.VerificationCost < maxVerificationCost || d.VerificationCost > maxVerificationCost+p521Points+maxDiagnosisCost ||
		d.SignatureChecks > maxVerificationCost/p521Points+1 {
		t.Errorf("flood: %+v of %d signatures", d, signatures)
	}
	var decision struct {
		Images []struct {
			Verdict   string `json:"verdict"`
			Attestors []struct {
				Reasons []struct {
					Kind    string `json:"kind"`
					Message string `json:"message"`
				} `json:"reasons"`
			} `json:"attestors"`
		} `json:"images"`
	}
	if err := json.Unmarshal(answer.DecisionJSON, &decision); err != nil {
		t.Fatal(err)
	}
	denied, budget := 0, 0
	for _, image := range decision.Images {
		if image.Verdict == "DENIED" {
			denied++
		}
		for _, a := range image.Attestors {
			for _, r := range a.Reasons {
				if r.Kind == "budgetExhausted" && strings.Contains(r.Message, "verification budget of 2400 points") {
					budget++
				}
			}
		}
	}
	if len(decision.Images) != 1024 || denied != 1024 || budget == 0 {
		t.Errorf("flood: %d images, %d denied, %d budget reasons", len(decision.Images), denied, budget)
	}
}
