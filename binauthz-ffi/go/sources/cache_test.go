package sources

import (
	"context"
	"encoding/json"
	"errors"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingSource answers each image with one occurrence numbered by the call, counting calls.
// fail makes a call fail; block makes it wait for gate (or its context).
type countingSource struct {
	calls atomic.Int64
	fail  func(n int64) error
	block func(n int64) bool
	gate  chan struct{}
}

func (s *countingSource) ImageAttestations(ctx context.Context, image string) ([]json.RawMessage, error) {
	n := s.calls.Add(1)
	if s.block != nil && s.block(n) {
		select {
		case <-s.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if s.fail != nil {
		if err := s.fail(n); err != nil {
			return nil, err
		}
	}
	return []json.RawMessage{occurrence(image, int(n))}, nil
}

// fakeClock is a settable clock for the cache.
func fakeClock(c *Cache) *time.Time {
	now := time.Now()
	c.now = func() time.Time { return now }
	return &now
}

func TestCacheHitsAndExpiry(t *testing.T) {
	src := &countingSource{}
	c := NewCache(src, 10, time.Minute)
	now := fakeClock(c)
	ctx := context.Background()
	for i := 0; i < 3; i++ {
		got, err := c.Attestations(ctx, []string{imageA, "nginx:latest"})
		if err != nil || !equalRaw(got, []json.RawMessage{occurrence(imageA, 1)}) {
			t.Fatalf("lookup %d: %s, %v", i, got, err)
		}
	}
	if st := c.Stats(); st != (CacheStats{Hits: 2, Misses: 1, Entries: 1}) {
		t.Errorf("stats %+v", st)
	}
	*now = now.Add(time.Minute - time.Nanosecond)
	if got, _ := c.ImageAttestations(ctx, imageA); !equalRaw(got, []json.RawMessage{occurrence(imageA, 1)}) {
		t.Errorf("before the TTL: %s", got)
	}
	*now = now.Add(time.Nanosecond)
	if got, _ := c.ImageAttestations(ctx, imageA); !equalRaw(got, []json.RawMessage{occurrence(imageA, 2)}) {
		t.Errorf("after the TTL: %s", got)
	}
	if n := src.calls.Load(); n != 2 {
		t.Errorf("%d upstream calls", n)
	}
	// The answer handed out is the caller's own slice.
	got, _ := c.ImageAttestations(ctx, imageA)
	got[0] = nil
	if again, _ := c.ImageAttestations(ctx, imageA); again[0] == nil {
		t.Error("a caller changed the cached answer")
	}
}

func TestCacheErrorsNotCached(t *testing.T) {
	src := &countingSource{fail: func(n int64) error {
		if n == 1 {
			return errors.New("upstream down")
		}
		return nil
	}}
	c := NewCache(src, 10, time.Hour)
	if _, err := c.Attestations(context.Background(), []string{imageA}); err == nil || err.Error() != "upstream down" {
		t.Fatalf("first: %v", err)
	}
	got, err := c.Attestations(context.Background(), []string{imageA})
	if err != nil || !equalRaw(got, []json.RawMessage{occurrence(imageA, 2)}) {
		t.Fatalf("second: %s, %v", got, err)
	}
	if st := c.Stats(); st.Entries != 1 || src.calls.Load() != 2 {
		t.Errorf("stats %+v, %d calls", st, src.calls.Load())
	}
}

func TestCacheBoundedLRU(t *testing.T) {
	src := &countingSource{}
	c := NewCache(src, 2, time.Hour)
	ctx := context.Background()
	a, b, d := "a@"+digestA, "b@"+digestA, "d@"+digestA
	for _, image := range []string{a, b, a, d} { // d pushes out b, the least recently used
		if _, err := c.ImageAttestations(ctx, image); err != nil {
			t.Fatal(err)
		}
	}
	if n := src.calls.Load(); n != 3 {
		t.Fatalf("%d calls", n)
	}
	_, _ = c.ImageAttestations(ctx, a)
	if n := src.calls.Load(); n != 3 {
		t.Errorf("a was pushed out: %d calls", n)
	}
	_, _ = c.ImageAttestations(ctx, b)
	if n := src.calls.Load(); n != 4 {
		t.Errorf("b was kept: %d calls", n)
	}
	if st := c.Stats(); st.Entries != 2 {
		t.Errorf("stats %+v", st)
	}
	// Keyed by the whole image: another repository with the same digest is another lookup.
	if got, _ := c.Attestations(ctx, []string{a, b}); len(got) != 2 {
		t.Errorf("two repositories, one digest: %s", got)
	}
}

func TestCacheDisabledStillShares(t *testing.T) {
	src := &countingSource{}
	c := NewCache(src, 0, time.Hour)
	_, _ = c.ImageAttestations(context.Background(), imageA)
	_, _ = c.ImageAttestations(context.Background(), imageA)
	if n, st := src.calls.Load(), c.Stats(); n != 2 || st.Entries != 0 {
		t.Errorf("%d calls, stats %+v", n, st)
	}
}

// waitMisses waits until the cache has counted n misses: every caller has joined (a miss is
// counted before waiting for the call in flight).
func waitMisses(c *Cache, n uint64) {
	for c.Stats().Misses < n {
		runtime.Gosched()
		time.Sleep(time.Millisecond)
	}
}

func TestCacheSingleflight(t *testing.T) {
	src := &countingSource{gate: make(chan struct{}), block: func(int64) bool { return true }}
	c := NewCache(src, 10, time.Hour)
	const callers = 16
	results := make([][]json.RawMessage, callers)
	errs := make([]error, callers)
	var wg sync.WaitGroup
	for i := 0; i < callers; i++ {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Attestations(context.Background(), []string{imageA})
		}()
	}
	waitMisses(c, callers) // all of them waiting on the one call, which waits for the gate
	close(src.gate)
	wg.Wait()
	for i := range results {
		if errs[i] != nil || !equalRaw(results[i], []json.RawMessage{occurrence(imageA, 1)}) {
			t.Errorf("caller %d: %s, %v", i, results[i], errs[i])
		}
	}
	if n := src.calls.Load(); n != 1 {
		t.Errorf("%d upstream calls for %d concurrent requests", n, callers)
	}
}

func TestCacheSharedErrorAndAbandonedCall(t *testing.T) {
	// A failing call in flight fails its waiters too (not cached).
	src := &countingSource{gate: make(chan struct{}), block: func(n int64) bool { return n == 1 },
		fail: func(n int64) error {
			if n == 1 {
				return errors.New("boom")
			}
			return nil
		}}
	c := NewCache(src, 10, time.Hour)
	errs := make(chan error, 2)
	for i := 0; i < 2; i++ {
		go func() {
			_, err := c.ImageAttestations(context.Background(), imageA)
			errs <- err
		}()
	}
	waitMisses(c, 2)
	close(src.gate)
	for i := 0; i < 2; i++ {
		if err := <-errs; err == nil || err.Error() != "boom" {
			t.Errorf("waiter %d: %v", i, err)
		}
	}

	// The first caller gives up (its context ends): a waiter with a live context makes its
	// own call rather than failing with the other's cancellation.
	src = &countingSource{gate: make(chan struct{}), block: func(n int64) bool { return n == 1 }}
	c = NewCache(src, 10, time.Hour)
	ctx, cancel := context.WithCancel(context.Background())
	first := make(chan error, 1)
	go func() {
		_, err := c.ImageAttestations(ctx, imageA)
		first <- err
	}()
	waitMisses(c, 1)
	second := make(chan []json.RawMessage, 1)
	go func() {
		got, err := c.ImageAttestations(context.Background(), imageA)
		if err != nil {
			t.Errorf("the waiter failed: %v", err)
		}
		second <- got
	}()
	waitMisses(c, 2)
	cancel()
	if err := <-first; !errors.Is(err, context.Canceled) {
		t.Errorf("first: %v", err)
	}
	if got := <-second; !equalRaw(got, []json.RawMessage{occurrence(imageA, 2)}) {
		t.Errorf("second: %s", got)
	}
}

func TestCacheOverContainerAnalysis(t *testing.T) {
	f, ca := newFakeCA(t, map[string][]json.RawMessage{"acme": {occurrence(imageA, 1), occurrence(imageB, 2)}})
	c := NewCache(ca, 100, time.Hour)
	for i := 0; i < 3; i++ {
		got, err := c.Attestations(context.Background(), []string{imageA, imageB, "nginx"})
		if err != nil || len(got) != 2 {
			t.Fatalf("got %s, %v", got, err)
		}
	}
	if n := f.requests.Load(); n != 2 {
		t.Errorf("%d requests, want one per image", n)
	}
}
