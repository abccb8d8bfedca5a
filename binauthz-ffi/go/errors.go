package binauthz

/*
#include "binauthz.h"
*/
import "C"

import (
	"encoding/json"
	"errors"
)

// Error is an error reported by the engine: the error report every binding gives
// (spec/README.md §8.5), which the C library hands out with each error message
// (binauthz_error_json).
type Error struct {
	// Status is the C status: the precise one, also for errors of how the library was called
	// (StatusNullArgument, StatusInvalidUTF8, StatusInvalidArgument, StatusPanic).
	Status Status `json:"-"`
	// Code is the stable code of the first error: "syntax", "limit", "invalid", "reference" or
	// "unsupported" (spec/README.md §1). Errors of how the library was called have the nearest
	// code ("invalid" for a NULL argument or a panic, "syntax" for text that is not UTF-8,
	// "limit" for a length out of range); Status tells them apart.
	Code string `json:"code"`
	// Stage says which input was at fault: "config" (the policy and attestors: NewEngine,
	// NewEngineFromDocuments, CheckPolicy, LintPolicy) or "request" (what is evaluated: Evaluate,
	// ExtractImages, AnswerReview, CreateSignaturePayload, CacheStats).
	Stage string `json:"stage"`
	// Path is the first error's field path within its document ("" for the whole document).
	Path string `json:"path"`
	// Message is the engine's message, naming the field path and the value; with several
	// errors, the first one and how many more there are.
	Message string `json:"message"`
	// Errors are every error found, in document order (one when the call stops at the first;
	// CheckPolicy, LintPolicy and NewEngineFromDocuments report them all).
	Errors []ErrorDetail `json:"errors"`
}

// ErrorDetail is one error of one document.
type ErrorDetail struct {
	// Document is the document at fault: "config", "request", "policy", "attestors", or the
	// argument of a call.
	Document string `json:"document"`
	// Code is the error's stable code.
	Code string `json:"code"`
	// Path is the field path within the document ("" for the whole document).
	Path string `json:"path"`
	// Message is the error with its path ("`path`: message").
	Message string `json:"message"`
}

func (e *Error) Error() string { return e.Message }

// ErrClosed is returned by Evaluate, AnswerReview and CacheStats after Close.
var ErrClosed = errors.New("binauthz: the engine is closed")

// newError builds the Error of a failed call from its status and error string (freed here),
// decoding the report the string carries.
func newError(status C.int, message *C.char) error {
	e := &Error{Status: Status(status)}
	if message != nil {
		if report := C.binauthz_error_json(message); report != nil {
			// The library always writes the report; should it not decode, the status and the
			// message below still describe the error.
			_ = json.Unmarshal([]byte(C.GoString(report)), e)
		}
		e.Message = C.GoString(message)
		C.binauthz_string_free(message)
	}
	if e.Code == "" {
		e.Code = e.Status.String()
	}
	if e.Message == "" {
		e.Message = "binauthz: " + e.Status.String()
	}
	return e
}

// callError is an error this package finds before calling the library, reported in the same
// shape.
func callError(status Status, stage, document, code, message string) *Error {
	return &Error{Status: status, Code: code, Stage: stage, Message: message,
		Errors: []ErrorDetail{{Document: document, Code: code, Message: message}}}
}

// reportError decodes an error report the engine wrote into a JSON answer (the error of a
// refused AdmissionReview); Status is its code's.
func reportError(report json.RawMessage) (*Error, error) {
	if len(report) == 0 || string(report) == "null" {
		return nil, nil
	}
	e := &Error{}
	if err := json.Unmarshal(report, e); err != nil {
		return nil, err
	}
	e.Status = statusOfCode(e.Code)
	return e, nil
}

// statusOfCode is the status of a core code ("syntax" … "unsupported").
func statusOfCode(code string) Status {
	for s := StatusSyntax; s <= StatusUnsupported; s++ {
		if s.String() == code {
			return s
		}
	}
	return StatusInvalid
}
