package binauthz

/*
#include <stdlib.h>
#include "binauthz.h"
*/
import "C"

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"unsafe"
)

// NewEngineFromDocuments compiles a policy document and an attestor document as gcloud prints
// them (`gcloud container binauthz policy export`; `gcloud container binauthz attestors describe
// --format=json`, one attestor or a list), YAML or JSON; attestors may be empty. Every attestor the
// policy names must be defined, and none twice; the *Error lists every error found, each naming
// its document ("policy" or "attestors").
func NewEngineFromDocuments(policy, attestors []byte) (*Engine, error) {
	var ptr *C.struct_BinauthzEngine
	var msg *C.char
	status := C.binauthz_engine_new_from_documents(bytesPtr(policy), C.size_t(len(policy)),
		bytesPtr(attestors), C.size_t(len(attestors)), &ptr, &msg)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(attestors)
	return newEngine(status, ptr, msg)
}

// PolicySummary is a checked policy as the engine understood it (CheckPolicy).
type PolicySummary struct {
	// Name is projects/P/policy, if the document names it.
	Name string `json:"name"`
	// Description is the policy's description, if any.
	Description string `json:"description"`
	// GlobalPolicyEvaluationMode is "ENABLE" or "DISABLE".
	GlobalPolicyEvaluationMode string `json:"globalPolicyEvaluationMode"`
	// AdmissionWhitelistPatterns are the allowlist patterns.
	AdmissionWhitelistPatterns []string `json:"admissionWhitelistPatterns"`
	// DefaultAdmissionRule is the default rule.
	DefaultAdmissionRule RuleSummary `json:"defaultAdmissionRule"`
	// SpecificRules are the specific rules, nil when the policy has none.
	SpecificRules *SpecificRules `json:"specificRules"`
	// RequiredAttestors is every attestor some rule requires, sorted, without duplicates.
	RequiredAttestors []string `json:"requiredAttestors"`
	// JSON is the summary exactly as the engine wrote it.
	JSON json.RawMessage `json:"-"`
}

// RuleSummary is one admission rule.
type RuleSummary struct {
	EvaluationMode  string `json:"evaluationMode"`
	EnforcementMode string `json:"enforcementMode"`
	// RequireAttestationsBy are the attestors a REQUIRE_ATTESTATION rule needs.
	RequireAttestationsBy []string `json:"requireAttestationsBy"`
}

// SpecificRules are the specific rules of a policy (one kind per policy).
type SpecificRules struct {
	// Kind is "cluster", "namespace", "serviceAccount" or "istioIdentity".
	Kind string `json:"kind"`
	// Field is the policy field they came from, e.g. "kubernetesNamespaceAdmissionRules".
	Field string `json:"field"`
	// Rules are the rules in key order, keys normalised.
	Rules []KeyedRule `json:"rules"`
}

// KeyedRule is a specific rule with its map key.
type KeyedRule struct {
	Key string `json:"key"`
	RuleSummary
}

// Lint is one finding of LintPolicy or LintPlatformPolicy (spec/lint.md).
type Lint struct {
	// Code is stable, e.g. "BZ002".
	Code string `json:"code"`
	// Severity is "warning" (probably a mistake) or "info" (often intended).
	Severity string `json:"severity"`
	// Attestor is the attestor the finding is about ("" for the policy).
	Attestor string `json:"attestor"`
	// Path is the field path, e.g. "kubernetesNamespaceAdmissionRules.dev.evaluationMode".
	Path    string `json:"path"`
	Message string `json:"message"`
	// Fix says how to fix it, in one line.
	Fix string `json:"fix"`
}

// documentsCall runs one of the library's calls over two documents (a policy and an attestor
// document, or a platform policy and a request) and returns the JSON it wrote.
func documentsCall(policy, attestors []byte,
	call func(p *C.uint8_t, pl C.size_t, a *C.uint8_t, al C.size_t, out, msg **C.char) C.int) ([]byte, error) {
	var out, msg *C.char
	status := call(bytesPtr(policy), C.size_t(len(policy)), bytesPtr(attestors), C.size_t(len(attestors)), &out, &msg)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(attestors)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	return take(out), nil
}

// CheckPolicy checks a policy document with an attestor document (as NewEngineFromDocuments;
// with no attestors only the policy is checked) and summarises the policy. The *Error lists
// every error of both documents.
func CheckPolicy(policy, attestors []byte) (*PolicySummary, error) {
	raw, err := documentsCall(policy, attestors, func(p *C.uint8_t, pl C.size_t, a *C.uint8_t, al C.size_t, out, msg **C.char) C.int {
		return C.binauthz_check_policy(p, pl, a, al, out, msg)
	})
	if err != nil {
		return nil, err
	}
	summary := &PolicySummary{}
	if err := json.Unmarshal(raw, summary); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the policy summary: %w", err)
	}
	summary.JSON = raw
	return summary, nil
}

// LintPolicy lints a policy document with an attestor document (spec/lint.md; attestors may be
// empty). The documents are checked first, as CheckPolicy checks them.
func LintPolicy(policy, attestors []byte) ([]Lint, error) {
	raw, err := documentsCall(policy, attestors, func(p *C.uint8_t, pl C.size_t, a *C.uint8_t, al C.size_t, out, msg **C.char) C.int {
		return C.binauthz_lint_policy(p, pl, a, al, out, msg)
	})
	if err != nil {
		return nil, err
	}
	findings := []Lint{}
	if err := json.Unmarshal(raw, &findings); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the findings: %w", err)
	}
	return findings, nil
}

// ReviewAnswer is the engine's answer to an AdmissionReview (AnswerReview).
type ReviewAnswer struct {
	// Response is the AdmissionReview to send back, exactly as the engine wrote it: for the
	// review's uid, the decision's answer (403 with the escaped denial, warnings for dry-run and
	// breakglass violations, the audit annotations), an admission of a DELETE or CONNECT, or a
	// refusal (400 BadRequest: the review cannot be evaluated; 500 InternalError: the
	// attestations, context or time given cannot be read).
	Response json.RawMessage
	// Allowed is the response's `allowed`.
	Allowed bool
	// Audit is the decision's audit record (spec/README.md §8.3): whether it was allowed, by
	// breakglass or in dry run, and each image's verdict, rule and verifying attestations. Nil
	// when no decision was made (a DELETE or CONNECT, or a refusal).
	Audit *AuditRecord
	// AuditJSON is the audit record exactly as the engine wrote it, for a host to log as it is.
	AuditJSON json.RawMessage
	// DecisionJSON is the decision exactly as the engine wrote it (§8.2), nil when none was made.
	// It is left undecoded: for a pod of many attestations it is tens of kilobytes, whose
	// decoding would cost more than the engine's whole answer. Decision decodes it.
	DecisionJSON json.RawMessage
	// Error says why the review was refused, nil otherwise.
	Error *Error
}

// Decision decodes DecisionJSON; nil, nil when no decision was made.
func (a *ReviewAnswer) Decision() (*Decision, error) {
	if len(a.DecisionJSON) == 0 {
		return nil, nil
	}
	d := &Decision{}
	if err := json.Unmarshal(a.DecisionJSON, d); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the decision: %w", err)
	}
	d.JSON = a.DecisionJSON
	return d, nil
}

// AnswerReview answers an admission.k8s.io AdmissionReview as a validating webhook must
// (spec/README.md §10): it evaluates the review's object with the attestations at hand (nil:
// none), completing the object's context (namespace, service account, breakglass) with where
// (the cluster, and anything the object does not say; nil: none), at evaluationTime (RFC 3339;
// "": now). The answer's Response is always the AdmissionReview to send back, even when the
// review is refused.
//
// The error is non-nil only when there is no answer at all (the review is not UTF-8, the engine
// is closed, a bug); the caller must then refuse the review itself.
func (e *Engine) AnswerReview(ctx context.Context, review []byte, attestations []json.RawMessage,
	where *Context, evaluationTime string) (*ReviewAnswer, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var parts [3][]byte
	if attestations != nil {
		parts[0] = jsonList(attestations)
	}
	if where != nil {
		b, err := json.Marshal(where)
		if err != nil {
			return nil, fmt.Errorf("binauthz: encoding the context: %w", err)
		}
		parts[1] = b
	}
	if evaluationTime != "" {
		b, _ := json.Marshal(evaluationTime) // a string always encodes
		parts[2] = b
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return nil, ErrClosed
	}
	var out, msg *C.char
	status := C.binauthz_engine_answer_review(e.ptr, bytesPtr(review), C.size_t(len(review)),
		bytesPtr(parts[0]), C.size_t(len(parts[0])), bytesPtr(parts[1]), C.size_t(len(parts[1])),
		bytesPtr(parts[2]), C.size_t(len(parts[2])), &out, &msg)
	runtime.KeepAlive(review)
	runtime.KeepAlive(parts)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	return decodeAnswer(take(out))
}

// jsonList writes a JSON list of the occurrences as they are. The engine reads every one as
// untrusted input, within its limits, so they are not validated here first (encoding/json's
// Marshal would validate and compact each, which cost more than the engine's whole answer for a
// pod of 40 attestations); an entry that is not JSON makes the answer a refusal that says so.
func jsonList(items []json.RawMessage) []byte {
	n := 2
	for _, item := range items {
		n += len(item) + 1
	}
	out := make([]byte, 0, n)
	out = append(out, '[')
	for i, item := range items {
		if i > 0 {
			out = append(out, ',')
		}
		if len(item) == 0 {
			out = append(out, "null"...) // as json.Marshal writes a nil RawMessage
		} else {
			out = append(out, item...)
		}
	}
	return append(out, ']')
}

// decodeAnswer reads `{"response", "error", "audit", "decision"}`. The engine writes the decision
// last (spec/README.md §10), so it is taken as the rest of the text without being scanned;
// everything before it is decoded.
func decodeAnswer(raw []byte) (*ReviewAnswer, error) {
	answer := &ReviewAnswer{}
	var report json.RawMessage
	sawAudit := false
	dec := json.NewDecoder(bytes.NewReader(raw))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil, fmt.Errorf("binauthz: decoding the answer: not an object (%v)", err)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("binauthz: decoding the answer: %w", err)
		}
		var into interface{}
		switch t {
		case "response":
			into = &answer.Response
		case "error":
			into = &report
		case "audit":
			into, sawAudit = &answer.AuditJSON, true
		case "decision":
			if !sawAudit {
				// Not the layout that puts the decision last (an older library): read it whole.
				into = &answer.DecisionJSON
				break
			}
			// The last member: after the key, a colon, the decision, and the closing brace.
			rest := bytes.TrimSpace(raw[dec.InputOffset():])
			if len(rest) < 3 || rest[0] != ':' || rest[len(rest)-1] != '}' {
				return nil, errors.New("binauthz: decoding the answer: the decision is not its last member")
			}
			answer.DecisionJSON = bytes.TrimSpace(rest[1 : len(rest)-1])
			return answer.finish(report)
		default:
			into = new(json.RawMessage)
		}
		if err := dec.Decode(into); err != nil {
			return nil, fmt.Errorf("binauthz: decoding the answer's %v: %w", t, err)
		}
	}
	return answer.finish(report)
}

// finish decodes what decodeAnswer kept raw: the response's `allowed`, the audit record and the
// error report.
func (a *ReviewAnswer) finish(report json.RawMessage) (*ReviewAnswer, error) {
	var allowed struct {
		Response struct {
			Allowed bool `json:"allowed"`
		} `json:"response"`
	}
	if err := json.Unmarshal(a.Response, &allowed); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the response: %w", err)
	}
	a.Allowed = allowed.Response.Allowed
	if string(a.AuditJSON) == "null" {
		a.AuditJSON = nil
	}
	if string(a.DecisionJSON) == "null" {
		a.DecisionJSON = nil
	}
	if len(a.AuditJSON) > 0 {
		a.Audit = &AuditRecord{}
		if err := json.Unmarshal(a.AuditJSON, a.Audit); err != nil {
			return nil, fmt.Errorf("binauthz: decoding the audit record: %w", err)
		}
	}
	e, err := reportError(report)
	if err != nil {
		return nil, fmt.Errorf("binauthz: decoding the error: %w", err)
	}
	a.Error = e
	return a, nil
}

// RefuseReview refuses an AdmissionReview the host could not evaluate for a reason of its own
// (its attestation source failed, say): the AdmissionReview response for the review's uid with
// allowed false, status 500 InternalError and message, escaped as the engine escapes what
// kubectl prints.
func RefuseReview(review []byte, message string) ([]byte, error) {
	message = strings.ReplaceAll(message, "\x00", "\uFFFD") // C strings cannot hold NUL
	cMessage := C.CString(message)
	defer C.free(unsafe.Pointer(cMessage))
	var out, msg *C.char
	status := C.binauthz_refuse_review(bytesPtr(review), C.size_t(len(review)), cMessage, &out, &msg)
	runtime.KeepAlive(review)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	return take(out), nil
}
