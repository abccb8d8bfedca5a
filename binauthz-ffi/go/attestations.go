package binauthz

/*
#include <stdlib.h>
#include "binauthz.h"
*/
import "C"

import (
	"encoding/json"
	"fmt"
	"runtime"
)

// AttestationEntry is one attestation occurrence read from an attestations document.
type AttestationEntry struct {
	// Digest is the "sha256:<64 hex>" its resourceUri names, read leniently so that an occurrence
	// the engine will skip is still filed under the image it concerns (and explained in that
	// image's decisions); "" when none can be read, so it concerns no image.
	Digest string `json:"digest"`
	// Occurrence is the occurrence as JSON (a YAML document converted, field names as the
	// Container Analysis API writes them): give it back as one of the attestations of
	// AnswerReview or Evaluate, which read it again.
	Occurrence json.RawMessage `json:"occurrence"`
}

// Attestations is what ReadAttestations found in one document.
type Attestations struct {
	// Entries is every occurrence that is, or may be, an attestation, in the document's order,
	// readable or not. Occurrences of other kinds are not listed.
	Entries []AttestationEntry `json:"entries"`
	// Notes is what a decision would note about the document: occurrences that cannot be read
	// and why, occurrences of other kinds, further pages not given, unreachable locations.
	Notes []string `json:"notes"`
}

// ReadAttestations splits an attestations document as gcloud prints it (a YAML stream or a JSON
// list, one occurrence, or a Container Analysis ListOccurrencesResponse), within the engine's
// limits for a request's attestations (8 MiB, 10,000 occurrences, 64 levels), into its
// attestation occurrences, each with the digest it concerns: for a host that files occurrences
// by image before any review arrives (binauthz-webhook's attestation directory). The error is a
// *Error naming the path in the document.
func ReadAttestations(document []byte) (*Attestations, error) {
	var out, msg *C.char
	status := C.binauthz_read_attestations(bytesPtr(document), C.size_t(len(document)), &out, &msg)
	runtime.KeepAlive(document)
	if status != C.BINAUTHZ_STATUS_OK {
		return nil, newError(status, msg)
	}
	a := &Attestations{}
	if err := json.Unmarshal(take(out), a); err != nil {
		return nil, fmt.Errorf("binauthz: decoding the attestations: %w", err)
	}
	return a, nil
}

// NewEngineFromDocumentsWithCache is NewEngineFromDocuments with a verification cache of at most
// cacheEntries entries (0 turns it off), as NewEngineWithCache.
func NewEngineFromDocumentsWithCache(policy, attestors []byte, cacheEntries int) (*Engine, error) {
	if cacheEntries < 0 {
		return nil, fmt.Errorf("binauthz: cacheEntries is %d; it must be 0 (no cache) or more", cacheEntries)
	}
	var ptr *C.struct_BinauthzEngine
	var msg *C.char
	status := C.binauthz_engine_new_from_documents_with_cache(bytesPtr(policy), C.size_t(len(policy)),
		bytesPtr(attestors), C.size_t(len(attestors)), C.size_t(cacheEntries), &ptr, &msg)
	runtime.KeepAlive(policy)
	runtime.KeepAlive(attestors)
	return newEngine(status, ptr, msg)
}
