package sources

import (
	"container/list"
	"context"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

// ImageSource looks up the attestations of one image pinned by digest. ContainerAnalysis
// implements it, and so does Cache (caches can be layered).
type ImageSource interface {
	ImageAttestations(ctx context.Context, image string) ([]json.RawMessage, error)
}

// Cache remembers an ImageSource's answers per image for a while, so that the pods of one
// rollout (every replica admitted separately) cost one upstream lookup per image. It is keyed
// by the whole image reference (REPOSITORY@sha256:HEX), which includes the digest: the same
// digest under two repositories has different resource URIs, hence different attestations.
//
// It holds at most a fixed number of entries, dropping the least recently used; an entry
// expires after the TTL, so that a new attestation is seen within it (and a revoked one, as
// long as the policy relies on its absence, stops counting within it). Errors are not cached:
// the next request asks again. Concurrent requests for one image share one upstream call.
type Cache struct {
	src     ImageSource
	entries int
	ttl     time.Duration
	now     func() time.Time // the clock, replaced by tests

	mu       sync.Mutex
	lru      *list.List               // of *cacheEntry, most recently used first
	index    map[string]*list.Element // image → its element in lru
	inflight map[string]*cacheCall    // image → the upstream call being made

	hits, misses atomic.Uint64
}

// cacheEntry is one cached answer.
type cacheEntry struct {
	image   string
	out     []json.RawMessage
	expires time.Time
}

// cacheCall is an upstream call in flight, which callers for the same image wait for.
type cacheCall struct {
	done chan struct{} // closed when out and err are set
	out  []json.RawMessage
	err  error
	// abandoned is set when the call failed because its caller's context ended: the
	// waiters, whose contexts may still be live, make their own call instead of sharing a
	// cancellation that is not theirs.
	abandoned bool
}

// CacheStats counts what a Cache did since it was made.
type CacheStats struct {
	// Hits counts image lookups answered from a stored entry.
	Hits uint64 `json:"hits"`
	// Misses counts image lookups that were not: they called the source or waited for a
	// call already in flight.
	Misses uint64 `json:"misses"`
	// Entries is the number of entries held now (expired ones included until they are
	// looked up or pushed out).
	Entries uint64 `json:"entries"`
}

// NewCache caches src's answers: at most entries images, each for ttl. With entries or ttl 0
// or less nothing is stored, but concurrent lookups of one image are still shared.
func NewCache(src ImageSource, entries int, ttl time.Duration) *Cache {
	return &Cache{
		src:      src,
		entries:  entries,
		ttl:      ttl,
		now:      time.Now,
		lru:      list.New(),
		index:    make(map[string]*list.Element),
		inflight: make(map[string]*cacheCall),
	}
}

// Attestations implements webhook.AttestationSource: the occurrences of every image pinned by
// digest, each distinct image looked up once (concurrently), through the cache.
func (c *Cache) Attestations(ctx context.Context, images []string) ([]json.RawMessage, error) {
	return lookupImages(ctx, images, byImage, c.ImageAttestations)
}

// ImageAttestations implements ImageSource: the cached answer for image, or the source's,
// which is then cached. An image not pinned by a digest has none and is not looked up. The
// slice returned is the caller's, but the occurrences in it are shared: do not modify them.
func (c *Cache) ImageAttestations(ctx context.Context, image string) ([]json.RawMessage, error) {
	if _, ok := ImageDigest(image); !ok {
		return nil, nil
	}
	missed := false // whether this lookup has been counted as a miss
	miss := func() {
		// Counted before waiting, so that Stats shows who is waiting (tests rely on it).
		if !missed {
			missed = true
			c.misses.Add(1)
		}
	}
	for {
		c.mu.Lock()
		if e, ok := c.index[image]; ok {
			entry := e.Value.(*cacheEntry)
			if c.now().Before(entry.expires) {
				c.lru.MoveToFront(e)
				c.mu.Unlock()
				c.hits.Add(1)
				return append([]json.RawMessage(nil), entry.out...), nil
			}
			c.lru.Remove(e)
			delete(c.index, image)
		}
		if call, ok := c.inflight[image]; ok {
			c.mu.Unlock()
			miss()
			select {
			case <-call.done:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			if call.abandoned && ctx.Err() == nil {
				continue // make the call this caller's context allows
			}
			if call.err != nil {
				return nil, call.err
			}
			return append([]json.RawMessage(nil), call.out...), nil
		}
		call := &cacheCall{done: make(chan struct{})}
		c.inflight[image] = call
		c.mu.Unlock()
		miss()
		c.call(ctx, image, call)
		if call.err != nil {
			return nil, call.err
		}
		return append([]json.RawMessage(nil), call.out...), nil
	}
}

// call makes the upstream call for image, stores a success and wakes the waiters. A panic in
// the source still wakes them (with an error) before it goes on up.
func (c *Cache) call(ctx context.Context, image string, call *cacheCall) {
	finished := false
	defer func() {
		if !finished {
			call.err = errSourcePanicked
		}
		c.mu.Lock()
		delete(c.inflight, image)
		if call.err == nil {
			c.store(image, call.out)
		}
		c.mu.Unlock()
		close(call.done)
	}()
	call.out, call.err = c.src.ImageAttestations(ctx, image)
	call.abandoned = call.err != nil && ctx.Err() != nil
	finished = true
}

// errSourcePanicked is what waiters get when the call they waited for panicked.
var errSourcePanicked = errorString("the attestation source panicked")

// errorString is a constant error.
type errorString string

func (e errorString) Error() string { return string(e) }

// store adds an entry, dropping the least recently used ones beyond the bound. c.mu is held.
func (c *Cache) store(image string, out []json.RawMessage) {
	if c.entries <= 0 || c.ttl <= 0 {
		return
	}
	if e, ok := c.index[image]; ok {
		c.lru.Remove(e)
	}
	c.index[image] = c.lru.PushFront(&cacheEntry{image: image, out: out, expires: c.now().Add(c.ttl)})
	for c.lru.Len() > c.entries {
		oldest := c.lru.Back()
		c.lru.Remove(oldest)
		delete(c.index, oldest.Value.(*cacheEntry).image)
	}
}

// Stats returns the cache's counters.
func (c *Cache) Stats() CacheStats {
	c.mu.Lock()
	entries := c.lru.Len()
	c.mu.Unlock()
	return CacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Entries: uint64(entries)}
}
