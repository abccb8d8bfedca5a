package binauthz

/*
#include "binauthz.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
)

// PlatformPolicySummary is a check-based platform policy (GCP's gkePolicy, spec/README.md §15)
// as the engine understood it (ValidatePlatformPolicy).
type PlatformPolicySummary struct {
	// Name is the policy's resource name, if the document gives one.
	Name string `json:"name,omitempty"`
	// AllowPatterns is the policy-level allowlist.
	AllowPatterns []string `json:"allowPatterns"`
	// CheckSets are the check sets, in the order they are tried.
	CheckSets []PlatformCheckSet `json:"checkSets"`
	// JSON is the summary exactly as the engine wrote it.
	JSON json.RawMessage `json:"-"`
}

// PlatformCheckSet is one check set of a PlatformPolicySummary.
type PlatformCheckSet struct {
	// DisplayName is the set's displayName, if any.
	DisplayName string `json:"displayName,omitempty"`
	// Scope is the namespace, "namespace:serviceAccount", or "*" for the catch-all set.
	Scope string `json:"scope"`
	// AllowPatterns is the set's allowlist.
	AllowPatterns []string `json:"allowPatterns"`
	// Checks are the set's checks.
	Checks []PlatformCheck `json:"checks"`
}

// PlatformCheck is one check of a PlatformCheckSet.
type PlatformCheck struct {
	// DisplayName is the check's displayName, if any.
	DisplayName string `json:"displayName,omitempty"`
	// Type is the check's type, e.g. "SimpleSigningAttestationCheck".
	Type string `json:"type"`
	// AllowPatterns is the check's allowlist.
	AllowPatterns []string `json:"allowPatterns"`
	// KeyIDs are a simple-signing check's key ids (default ids filled in).
	KeyIDs []string `json:"keyIds,omitempty"`
}

// ValidatePlatformPolicy validates a check-based platform policy document ({"gkePolicy": ...},
// YAML or JSON) and summarises it. The *Error (stage "config", document "platform policy")
// lists every error of the document.
func ValidatePlatformPolicy(policy []byte) (*PlatformPolicySummary, error) {
	raw, err := documentsCall(policy, nil, func(p *C.uint8_t, pl C.size_t, _ *C.uint8_t, _ C.size_t, out, msg **C.char) C.int {
		return C.binauthz_platform_validate(p, pl, out, msg)
	})
	if err != nil {
		return nil, err
	}
	summary := &PlatformPolicySummary{}
	if err := json.Unmarshal(raw, summary); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the platform policy summary: %w", err)
	}
	summary.JSON = raw
	return summary, nil
}

// LintPlatformPolicy lints a check-based platform policy (spec/lint.md §2a): the findings, in
// LintPolicy's shape (none: an empty list). The policy is validated first: an invalid policy is
// ValidatePlatformPolicy's *Error (stage "config", document "platform policy").
func LintPlatformPolicy(policy []byte) ([]Lint, error) {
	raw, err := documentsCall(policy, nil, func(p *C.uint8_t, pl C.size_t, _ *C.uint8_t, _ C.size_t, out, msg **C.char) C.int {
		return C.binauthz_platform_lint(p, pl, out, msg)
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

// EvaluatePlatformPolicy evaluates a platform policy for the pods of a request (spec/README.md
// §15.5: {"object": a Pod, Deployment, …, AdmissionReview or {"kind": "List", "items": [pods]},
// "attestations", "cosignSignatures", "dockerImages", "vulnerabilities", "evaluationTime"},
// YAML or JSON) and returns GCP's EvaluateGkePolicyResponse as the engine wrote it; its
// "verdict" says whether the pods conform. The *Error has stage "config" when the policy is
// invalid (every error of it), "request" when the request is.
func EvaluatePlatformPolicy(policy, request []byte) (json.RawMessage, error) {
	raw, err := documentsCall(policy, request, func(p *C.uint8_t, pl C.size_t, r *C.uint8_t, rl C.size_t, out, msg **C.char) C.int {
		return C.binauthz_platform_evaluate(p, pl, r, rl, out, msg)
	})
	if err != nil {
		return nil, err
	}
	return raw, nil
}

// PlatformCVEvents returns the Continuous Validation log's events for the pods of a request
// under a platform policy (spec/README.md §15.6), each a ContinuousValidationEvent as the engine
// wrote it: one podEvent per pod that does not conform (none when all do). A policy that cannot
// be read is not an error, as Continuous Validation logs it: one configErrorEvent with the
// policy's error message. A request that cannot be read is an *Error (stage "request").
func PlatformCVEvents(policy, request []byte) ([]json.RawMessage, error) {
	raw, err := documentsCall(policy, request, func(p *C.uint8_t, pl C.size_t, r *C.uint8_t, rl C.size_t, out, msg **C.char) C.int {
		return C.binauthz_platform_cv_events(p, pl, r, rl, out, msg)
	})
	if err != nil {
		return nil, err
	}
	events := []json.RawMessage{}
	if err := json.Unmarshal(raw, &events); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the CV events: %w", err)
	}
	return events, nil
}
