// Package binauthz evaluates container images against a Google Cloud Binary Authorization
// policy, in process, through the binauthz C library (cgo, linked statically).
//
// Compile an Engine once from a config (the policy and its attestors, YAML or JSON), then
// evaluate requests from any number of goroutines:
//
//	engine, err := binauthz.NewEngine(config)
//	if err != nil { ... }
//	defer engine.Close()
//	decision, err := engine.Evaluate(ctx, &binauthz.Request{Images: images, Attestations: occurrences})
//	if err != nil || !decision.Allowed { deny }
//
// The config, request and decision shapes are those of spec/README.md in the binauthz
// repository; errors are *Error, the error report every binding gives (the engine's message, its
// stable code, the stage and path, and every error a check found). An error never means
// "allowed": treat it as a denial.
//
// Building: cgo finds binauthz.h in ../include and libbinauthz.a in ../../target/release (build
// it with `cargo build --release -p binauthz-ffi`); set CGO_LDFLAGS=-L<dir> to link a
// libbinauthz.a from elsewhere.
package binauthz

/*
#cgo CFLAGS: -I${SRCDIR}/../include
#cgo LDFLAGS: -L${SRCDIR}/../../target/release -l:libbinauthz.a -lm -ldl -lpthread
#include <stdlib.h>
#include <string.h>
#include "binauthz.h"
*/
import "C"

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Status is the C library's status code (BinauthzStatus in binauthz.h).
type Status int

// The statuses. 1–5 are the engine's stable error codes; see Error.Code.
const (
	StatusOK              Status = C.BINAUTHZ_STATUS_OK
	StatusSyntax          Status = C.BINAUTHZ_STATUS_SYNTAX
	StatusLimit           Status = C.BINAUTHZ_STATUS_LIMIT
	StatusInvalid         Status = C.BINAUTHZ_STATUS_INVALID
	StatusReference       Status = C.BINAUTHZ_STATUS_REFERENCE
	StatusUnsupported     Status = C.BINAUTHZ_STATUS_UNSUPPORTED
	StatusNullArgument    Status = C.BINAUTHZ_STATUS_NULL_ARGUMENT
	StatusInvalidUTF8     Status = C.BINAUTHZ_STATUS_INVALID_UTF8
	StatusInvalidArgument Status = C.BINAUTHZ_STATUS_INVALID_ARGUMENT
	StatusPanic           Status = C.BINAUTHZ_STATUS_PANIC
)

// String is the status's name: the engine's error code ("syntax", "limit", "invalid",
// "reference", "unsupported") or "ok", "null_argument", "invalid_utf8", "invalid_argument",
// "panic", "unknown".
func (s Status) String() string {
	return C.GoString(C.binauthz_status_name(C.int(s)))
}

// take copies a string the library returned and frees it.
func take(s *C.char) []byte {
	if s == nil {
		return nil
	}
	defer C.binauthz_string_free(s)
	return C.GoBytes(unsafe.Pointer(s), C.int(C.strlen(s)))
}

// bytesPtr passes a byte slice to C without copying (it holds no Go pointers); empty is NULL.
func bytesPtr(b []byte) *C.uint8_t {
	if len(b) == 0 {
		return nil
	}
	return (*C.uint8_t)(unsafe.Pointer(&b[0]))
}

// Engine is a compiled policy with its attestors. It is immutable: share one Engine between
// goroutines. Close frees it; a finalizer frees an Engine that was not closed.
type Engine struct {
	// mu guards ptr against Close during an evaluation; evaluations only take the read lock.
	mu  sync.RWMutex
	ptr *C.struct_BinauthzEngine
}

// finalized counts engines freed by the finalizer (for tests).
var finalized atomic.Int64

// NewEngine compiles a config document: {"policy": {...}, "attestors": [...]} as YAML or JSON
// (spec/README.md §2). The policy as `gcloud container binauthz policy export` prints it, the
// attestors as `gcloud container binauthz attestors describe --format=json` prints them.
func NewEngine(config []byte) (*Engine, error) {
	var ptr *C.struct_BinauthzEngine
	var msg *C.char
	status := C.binauthz_engine_new(bytesPtr(config), C.size_t(len(config)), &ptr, &msg)
	runtime.KeepAlive(config)
	return newEngine(status, ptr, msg)
}

// NewEngineWithCache is NewEngine with a verification cache of at most cacheEntries entries
// (spec/README.md §7.1; 0 turns it off). The cache remembers signature checks across
// evaluations, keyed by key, signature, payload and digest, so it never changes a decision.
// NewEngine uses 10,000 entries, about 3.3 MB when full.
func NewEngineWithCache(config []byte, cacheEntries int) (*Engine, error) {
	if cacheEntries < 0 {
		return nil, fmt.Errorf("binauthz: cacheEntries is %d; it must be 0 (no cache) or more", cacheEntries)
	}
	var ptr *C.struct_BinauthzEngine
	var msg *C.char
	status := C.binauthz_engine_new_with_cache(bytesPtr(config), C.size_t(len(config)),
		C.size_t(cacheEntries), &ptr, &msg)
	runtime.KeepAlive(config)
	return newEngine(status, ptr, msg)
}

// CacheStats counts what an engine's verification cache has done since the engine was built
// (spec/README.md §7.1). Each decision's own counters are its Diagnostics.
type CacheStats struct {
	// Capacity is the most entries the cache holds (0: no cache).
	Capacity uint64 `json:"capacity"`
	// Entries is the number of entries held now.
	Entries uint64 `json:"entries"`
	// Hits counts signature checks answered from the cache.
	Hits uint64 `json:"hits"`
	// Misses counts signature checks that ran the cryptography.
	Misses uint64 `json:"misses"`
	// Evictions counts entries dropped to stay within the capacity.
	Evictions uint64 `json:"evictions"`
}

// CacheStats returns the engine's verification-cache counters.
func (e *Engine) CacheStats() (CacheStats, error) {
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return CacheStats{}, ErrClosed
	}
	var out, msg *C.char
	status := C.binauthz_engine_cache_stats(e.ptr, &out, &msg)
	if status != C.BINAUTHZ_STATUS_OK {
		return CacheStats{}, newError(status, msg)
	}
	var stats CacheStats
	if err := json.Unmarshal(take(out), &stats); err != nil {
		return CacheStats{}, fmt.Errorf("binauthz: decoding the cache statistics: %w", err)
	}
	return stats, nil
}

// SetVerifyThreads sets how many threads one evaluation may verify signatures on
// (spec/README.md §7.3): a request needing more than one verification that the cache cannot
// answer has them verified in parallel, with the same decision as on one thread. 0 and 1 mean
// the calling thread alone (the default); more than 64 means 64. The threads are the library's
// own, started per evaluation, so size it to the cores one request may use. It waits for
// running evaluations.
func (e *Engine) SetVerifyThreads(threads int) error {
	if threads < 0 {
		return fmt.Errorf("binauthz: threads is %d; it must be 0 or more", threads)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ptr == nil {
		return ErrClosed
	}
	var msg *C.char
	if status := C.binauthz_engine_set_verify_threads(e.ptr, C.size_t(threads), &msg); status != C.BINAUTHZ_STATUS_OK {
		return newError(status, msg)
	}
	return nil
}

// newEngine wraps what binauthz_engine_new or binauthz_engine_new_with_cache returned.
func newEngine(status C.int, ptr *C.struct_BinauthzEngine, msg *C.char) (*Engine, error) {
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	e := &Engine{ptr: ptr}
	runtime.SetFinalizer(e, func(e *Engine) {
		e.Close()
		finalized.Add(1)
	})
	return e, nil
}

// Close frees the engine. It waits for running evaluations; later ones return ErrClosed.
// Calling Close more than once is harmless.
func (e *Engine) Close() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.ptr != nil {
		C.binauthz_engine_free(e.ptr)
		e.ptr = nil
		runtime.SetFinalizer(e, nil)
	}
	return nil
}

// EvaluateJSON evaluates a request document (YAML or JSON, spec/README.md §8.1) and returns the
// decision JSON (§8.2) as the engine wrote it. ctx is checked before the evaluation starts; a
// running evaluation is not interrupted (it is CPU-bound and bounded by the engine's limits).
func (e *Engine) EvaluateJSON(ctx context.Context, request []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if e.ptr == nil {
		return nil, ErrClosed
	}
	var out, msg *C.char
	status := C.binauthz_engine_evaluate(e.ptr, bytesPtr(request), C.size_t(len(request)), &out, &msg)
	runtime.KeepAlive(request)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	return take(out), nil
}

// Evaluate evaluates a request and decodes the decision. The deploy may proceed only when the
// error is nil and decision.Allowed is true.
func (e *Engine) Evaluate(ctx context.Context, req *Request) (*Decision, error) {
	if req == nil {
		return nil, errors.New("binauthz: nil request")
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, fmt.Errorf("binauthz: encoding the request: %w", err)
	}
	raw, err := e.EvaluateJSON(ctx, body)
	if err != nil {
		return nil, err
	}
	d := &Decision{}
	if err := json.Unmarshal(raw, d); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the decision: %w", err)
	}
	d.JSON = raw
	return d, nil
}

// ExtractImages reads a Kubernetes workload object (Pod, Deployment, StatefulSet, DaemonSet,
// ReplicaSet, ReplicationController, Job, CronJob, PodTemplate) or an admission.k8s.io/v1
// AdmissionReview, YAML or JSON, and returns its images and the context to evaluate them with,
// so that attestations can be fetched before evaluating (spec/README.md §10).
func ExtractImages(object []byte) (*Extracted, error) {
	var out, msg *C.char
	status := C.binauthz_extract_images(bytesPtr(object), C.size_t(len(object)), &out, &msg)
	runtime.KeepAlive(object)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	x := &Extracted{}
	if err := json.Unmarshal(take(out), x); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the extraction: %w", err)
	}
	return x, nil
}

// CreateSignaturePayload returns the payload an attestation signs for artifactURL
// (REGISTRY/PATH@sha256:HEX), byte-identical to
// `gcloud container binauthz create-signature-payload --artifact-url=URL`.
func CreateSignaturePayload(artifactURL string) ([]byte, error) {
	if strings.IndexByte(artifactURL, 0) >= 0 {
		// C strings cannot hold NUL: reported as the core reports a bad URL.
		return nil, callError(StatusInvalid, "request", "artifact URL", "invalid", "artifact URL contains a NUL byte")
	}
	url := C.CString(artifactURL)
	defer C.free(unsafe.Pointer(url))
	var out, msg *C.char
	status := C.binauthz_create_signature_payload(url, &out, &msg)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	return take(out), nil
}

// Version is the C library's version.
func Version() string {
	return C.GoString(C.binauthz_version())
}
