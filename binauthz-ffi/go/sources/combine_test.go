package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"example.invalid/binauthz/binauthz-ffi/go/webhook"
)

// fixed is a source with a fixed answer.
func fixed(out []json.RawMessage, err error) webhook.AttestationSource {
	return webhook.AttestationSourceFunc(func(context.Context, []string) ([]json.RawMessage, error) {
		return out, err
	})
}

func TestCombineConcatenates(t *testing.T) {
	one := []json.RawMessage{occurrence(imageA, 1)}
	two := []json.RawMessage{occurrence(imageA, 2), occurrence(imageB, 3)}
	src := Combine(Named{"one", fixed(one, nil)}, Named{"none", nil}, Named{"two", fixed(two, nil)})
	got, err := src.Attestations(context.Background(), []string{imageA, imageB})
	if err != nil || !equalRaw(got, append(append([]json.RawMessage(nil), one...), two...)) {
		t.Fatalf("got %s, %v", got, err)
	}
	if got, err := Combine().Attestations(context.Background(), []string{imageA}); got != nil || err != nil {
		t.Errorf("no sources: %s, %v", got, err)
	}
}

func TestCombineNamesTheFailingSource(t *testing.T) {
	// "slow" only returns once the combined lookup cancels it, after "broken" failed: its
	// cancellation is not reported, the failure is.
	slow := webhook.AttestationSourceFunc(func(ctx context.Context, _ []string) ([]json.RawMessage, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	})
	src := Combine(Named{"slow", slow}, Named{"directory /x", fixed(nil, errors.New("boom"))},
		Named{"fine", fixed([]json.RawMessage{occurrence(imageA, 1)}, nil)})
	got, err := src.Attestations(context.Background(), []string{imageA})
	if got != nil || err == nil || err.Error() != "directory /x: boom" {
		t.Fatalf("got %s, %v", got, err)
	}
	var se *SourceError
	if !errors.As(err, &se) || se.Source != "directory /x" {
		t.Errorf("not a SourceError: %#v", err)
	}

	// A source that names itself is not named twice.
	src = Combine(Named{"container analysis", fixed(nil, errors.New("container analysis: 403 Forbidden"))})
	if _, err := src.Attestations(context.Background(), []string{imageA}); err == nil ||
		err.Error() != "container analysis: 403 Forbidden" {
		t.Errorf("single source: %v", err)
	}

	// The caller's cancellation goes through.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Combine(Named{"a", slow}, Named{"b", slow}).Attestations(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestCombineBound(t *testing.T) {
	half := make([]json.RawMessage, MaxRequestAttestations/2+1)
	for i := range half {
		half[i] = occurrence(imageA, i)
	}
	src := Combine(Named{"a", fixed(half, nil)}, Named{"b", fixed(half, nil)})
	_, err := src.Attestations(context.Background(), []string{imageA})
	mustError(t, err, fmt.Sprintf("b: more than %d attestations for the request in all", MaxRequestAttestations))
	got, err := Combine(Named{"a", fixed(half, nil)}).Attestations(context.Background(), []string{imageA})
	if err != nil || len(got) != len(half) {
		t.Errorf("%d, %v", len(got), err)
	}
}
