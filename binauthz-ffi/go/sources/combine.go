package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"

	"example.invalid/binauthz/binauthz-ffi/go/webhook"
)

// Named is a source with the name its errors are reported under ("container analysis",
// "directory /etc/attestations").
type Named struct {
	// Name prefixes the source's errors.
	Name string
	// Source is asked for the attestations (nil: skipped).
	Source webhook.AttestationSource
}

// Every source of this package is an AttestationSource; the per-image ones are ImageSources,
// so that a Cache can wrap them.
var (
	_ webhook.AttestationSource = (*Directory)(nil)
	_ webhook.AttestationSource = (*ContainerAnalysis)(nil)
	_ webhook.AttestationSource = (*Cache)(nil)
	_ ImageSource               = (*ContainerAnalysis)(nil)
	_ ImageSource               = (*Cache)(nil)
)

// SourceError is the error of one source in a combined lookup: which source failed, and how.
type SourceError struct {
	// Source is the failing source's name.
	Source string
	// Err is its error.
	Err error
}

// Error is the source's error after its name, unless the error already starts with it (the
// sources of this package name themselves): "container analysis: image …: 403 Forbidden".
func (e *SourceError) Error() string {
	msg := e.Err.Error()
	if strings.HasPrefix(msg, e.Source+":") {
		return msg
	}
	return e.Source + ": " + msg
}

// Unwrap returns the source's error (errors.Is(err, context.DeadlineExceeded) works through it).
func (e *SourceError) Unwrap() error { return e.Err }

// Combine returns a source that asks every source at once and concatenates their occurrences
// in the order of the sources. If any source fails the whole lookup fails, with a *SourceError
// naming it (the first failing one in the order of the sources; the others are cancelled, and
// their cancellations are not errors of theirs): a request must not be decided on part of its
// attestations. Nil sources are skipped. More than MaxRequestAttestations occurrences in all
// is an error.
func Combine(sources ...Named) webhook.AttestationSource {
	var live []Named
	for _, s := range sources {
		if s.Source != nil {
			live = append(live, s)
		}
	}
	return combined(live)
}

// combined is Combine's source.
type combined []Named

// Attestations implements webhook.AttestationSource.
func (c combined) Attestations(ctx context.Context, images []string) ([]json.RawMessage, error) {
	if len(c) == 1 {
		out, err := c[0].Source.Attestations(ctx, images)
		if err != nil {
			return nil, &SourceError{Source: c[0].Name, Err: err}
		}
		return c.bounded([][]json.RawMessage{out})
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	outs := make([][]json.RawMessage, len(c))
	errs := make([]error, len(c))
	var wg sync.WaitGroup
	for i, s := range c {
		i, s := i, s
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i], errs[i] = s.Source.Attestations(ctx, images)
			if errs[i] != nil {
				cancel()
			}
		}()
	}
	wg.Wait()
	var first *SourceError
	for i, err := range errs {
		if err == nil {
			continue
		}
		e := &SourceError{Source: c[i].Name, Err: err}
		// A cancellation is the source's own error only if nothing else failed: it is what
		// the others get once one fails.
		if first == nil || (errors.Is(first.Err, context.Canceled) && !errors.Is(err, context.Canceled)) {
			first = e
		}
	}
	if first != nil {
		return nil, first
	}
	return c.bounded(outs)
}

// bounded concatenates the sources' answers within MaxRequestAttestations.
func (c combined) bounded(outs [][]json.RawMessage) ([]json.RawMessage, error) {
	var all []json.RawMessage
	for i, out := range outs {
		if len(all)+len(out) > MaxRequestAttestations {
			return nil, &SourceError{Source: c[i].Name,
				Err: fmt.Errorf("more than %d attestations for the request in all", MaxRequestAttestations)}
		}
		all = append(all, out...)
	}
	return all, nil
}
