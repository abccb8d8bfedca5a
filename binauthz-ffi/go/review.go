package binauthz

/*
#include <stdlib.h>
#include "binauthz.h"
*/
import "C"

import (
	"context"
	"encoding/json"
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

// Lint is one finding of LintPolicy (spec/lint.md).
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

// documentsCall runs one of the library's checks of a policy and an attestor document and
// returns the JSON it wrote.
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
	// Decision is the decision, nil when none was made (a DELETE or CONNECT, or a refusal).
	Decision *Decision
	// Error says why the review was refused, nil otherwise.
	Error *Error
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
		b, err := json.Marshal(attestations)
		if err != nil {
			return nil, fmt.Errorf("binauthz: encoding the attestations: %w", err)
		}
		parts[0] = b
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

// decodeAnswer reads `{"response", "decision", "error"}`.
func decodeAnswer(raw []byte) (*ReviewAnswer, error) {
	var parts struct {
		Response json.RawMessage `json:"response"`
		Decision json.RawMessage `json:"decision"`
		Error    json.RawMessage `json:"error"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the answer: %w", err)
	}
	var allowed struct {
		Response struct {
			Allowed bool `json:"allowed"`
		} `json:"response"`
	}
	if err := json.Unmarshal(parts.Response, &allowed); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the response: %w", err)
	}
	answer := &ReviewAnswer{Response: parts.Response, Allowed: allowed.Response.Allowed}
	if len(parts.Decision) > 0 && string(parts.Decision) != "null" {
		answer.Decision = &Decision{}
		if err := json.Unmarshal(parts.Decision, answer.Decision); err != nil {
			return nil, fmt.Errorf("binauthz: decoding the decision: %w", err)
		}
		answer.Decision.JSON = parts.Decision
	}
	report, err := reportError(parts.Error)
	if err != nil {
		return nil, fmt.Errorf("binauthz: decoding the error: %w", err)
	}
	answer.Error = report
	return answer, nil
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
