package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
	"example.invalid/binauthz/binauthz-ffi/go/sources"
)

// maxFileBytes bounds every file the server reads: the engine's largest document (a request's
// 8 MiB; a policy or attestors file is refused above 2 MiB by the engine itself), so a file
// swapped for something huge is an error, not a read of all of it at every interval.
const maxFileBytes = 8 << 20

// readFiles reads files (an empty path reads as empty) and fingerprints their contents. The
// fingerprint is a hash of what was read, not of modification times: a ConfigMap update swaps
// the mount's `..data` symlink, and reading follows it, so the files as they resolve now are
// what is compared; and a rewrite within one mtime tick, or to the same size, is still seen.
// The files are small (the engine bounds a document to 8 MiB), and are read once per interval.
func readFiles(paths ...string) ([][]byte, string, error) {
	h := sha256.New()
	contents := make([][]byte, len(paths))
	for i, path := range paths {
		if path != "" {
			data, err := sources.ReadBounded(path, maxFileBytes)
			var named *os.PathError
			if err != nil && !errors.As(err, &named) {
				err = fmt.Errorf("%s: %w", path, err) // "larger than …" names no file by itself
			}
			if err != nil {
				return nil, "", err
			}
			contents[i] = data
		}
		fmt.Fprintf(h, "%d:", len(contents[i])) // length-prefixed: no two splits hash alike
		h.Write(contents[i])
	}
	return contents, hex.EncodeToString(h.Sum(nil)), nil
}

// engineState is one compiled policy in service. Requests count themselves in while they use
// it (from the attestation lookup to the answer); retiring it waits until they are done before
// closing the engine. A request never waits for a retirement: one that finds its state retiring
// takes the new one, which is already in service.
type engineState struct {
	engine      *binauthz.Engine
	cluster     string
	fingerprint string
	loadedAt    time.Time

	mu       sync.Mutex
	idle     *sync.Cond // signalled when inflight drops to 0 while retiring
	inflight int
	retiring bool
}

func newEngineState(engine *binauthz.Engine, cluster, fingerprint string) *engineState {
	st := &engineState{engine: engine, cluster: cluster, fingerprint: fingerprint, loadedAt: time.Now().UTC()}
	st.idle = sync.NewCond(&st.mu)
	return st
}

// reloadStatus is the last reload attempt of something, for /readyz.
type reloadStatus struct {
	OK    bool      `json:"ok"`
	Error string    `json:"error,omitempty"`
	At    time.Time `json:"at"`
}

// policyHolder keeps the current engine and replaces it when the policy, attestor or cluster
// files change.
type policyHolder struct {
	policyFile, attestorsFile, clusterFile string
	cluster                                string // --cluster, when there is no cluster file
	cacheEntries                           int
	verifyThreads                          int // --verify-threads
	log                                    *logger
	metrics                                *metrics

	cur atomic.Pointer[engineState]

	// statsMu guards live and retired, so that a scrape of the cache counters sees a retiring
	// engine either among the live ones or added to retired, never both or neither: the
	// exported counters never go back.
	statsMu sync.Mutex
	live    []*engineState      // states whose engine is open: cur and those retiring
	retired binauthz.CacheStats // hits, misses and evictions of the engines closed so far

	mu         sync.Mutex // guards the fields below
	attempted  string     // fingerprint of the files last compiled (or that failed)
	readFailed bool       // the last attempt could not read the files
	last       *reloadStatus
}

// acquire returns the state in service, counted in (call release), or nil before any policy has
// compiled.
func (p *policyHolder) acquire() *engineState {
	for {
		st := p.cur.Load()
		if st == nil {
			return nil
		}
		st.mu.Lock()
		if !st.retiring {
			st.inflight++
			st.mu.Unlock()
			return st
		}
		st.mu.Unlock() // retired meanwhile: cur already holds its successor
	}
}

// release counts a request out.
func (st *engineState) release() {
	st.mu.Lock()
	st.inflight--
	if st.inflight == 0 && st.retiring {
		st.idle.Broadcast()
	}
	st.mu.Unlock()
}

// check reads the files and, when they changed since the last attempt, compiles them and puts
// the new engine in service. It reports whether it tried. A failure keeps the engine in service
// (if any), is logged, counted and shown on /readyz, and is not retried until the files change.
func (p *policyHolder) check() bool {
	contents, fingerprint, err := readFiles(p.policyFile, p.attestorsFile, p.clusterFile)
	p.mu.Lock()
	if err == nil && fingerprint == p.attempted {
		if p.readFailed { // readable again, unchanged: what is in service is current again
			p.readFailed = false
			p.last = &reloadStatus{OK: true, At: time.Now().UTC()}
			p.mu.Unlock()
			p.log.log("INFO", "policy files readable again, unchanged", "what", reloadPolicy)
			return false
		}
		p.mu.Unlock()
		return false
	}
	if err != nil && p.last != nil && !p.last.OK && p.last.Error == err.Error() {
		p.mu.Unlock() // the same unreadable file as last time: reported already
		return false
	}
	p.mu.Unlock()

	var st *engineState
	if err == nil {
		st, err = p.compile(contents, fingerprint)
	}
	p.mu.Lock()
	// Compiled, or compiled and failed: either way, wait for the next change.
	p.readFailed = contents == nil
	if contents != nil {
		p.attempted = fingerprint
	}
	p.last = &reloadStatus{OK: err == nil, At: time.Now().UTC()}
	if err != nil {
		p.last.Error = err.Error()
	}
	p.mu.Unlock()
	p.metrics.reloaded(reloadPolicy, err)
	if err != nil {
		severity := "ERROR"
		if p.cur.Load() == nil {
			severity = "CRITICAL" // nothing in service: every review is refused
		}
		p.log.log(severity, "policy reload failed; the previous policy stays in service",
			"what", reloadPolicy, "error", err.Error(), "policy", p.policyFile, "attestors", p.attestorsFile)
		return true
	}
	p.swap(st)
	p.log.log("INFO", "policy loaded", "what", reloadPolicy, "fingerprint", fingerprint,
		"policy", p.policyFile, "attestors", p.attestorsFile, "cluster", st.cluster)
	return true
}

// compile builds the engine for the files' contents.
func (p *policyHolder) compile(contents [][]byte, fingerprint string) (*engineState, error) {
	cluster := p.cluster
	if p.clusterFile != "" {
		cluster = strings.TrimSpace(string(contents[2]))
		if cluster == "" {
			return nil, fmt.Errorf("cluster file %s is empty", p.clusterFile)
		}
	}
	engine, err := compileEngine(contents[0], contents[1], p.cacheEntries)
	if err != nil {
		return nil, err
	}
	// Before the engine is shared: the setting is not safe to change under evaluations.
	if err := engine.SetVerifyThreads(p.verifyThreads); err != nil {
		engine.Close()
		return nil, err
	}
	return newEngineState(engine, cluster, fingerprint), nil
}

// compileEngine compiles the documents with a verification cache of cacheEntries entries.
func compileEngine(policy, attestors []byte, cacheEntries int) (*binauthz.Engine, error) {
	return binauthz.NewEngineFromDocumentsWithCache(policy, attestors, cacheEntries)
}

// swap puts st in service and retires the state it replaces.
func (p *policyHolder) swap(st *engineState) {
	p.statsMu.Lock()
	p.live = append(p.live, st)
	old := p.cur.Swap(st)
	p.statsMu.Unlock()
	if old != nil {
		p.retire(old)
	}
}

// retire closes a state's engine once the requests running on it are done (Close itself waits
// only for evaluations, not for a request still fetching attestations), keeping its cache
// counters.
func (p *policyHolder) retire(old *engineState) {
	old.mu.Lock()
	old.retiring = true
	for old.inflight > 0 {
		old.idle.Wait()
	}
	old.mu.Unlock()
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	if stats, err := old.engine.CacheStats(); err == nil {
		p.retired.Hits += stats.Hits
		p.retired.Misses += stats.Misses
		p.retired.Evictions += stats.Evictions
	}
	for i, st := range p.live {
		if st == old {
			p.live = append(p.live[:i], p.live[i+1:]...)
			break
		}
	}
	old.engine.Close()
}

// cacheStats are the verification-cache counters over every engine this process compiled, with
// the size and capacity of the one in service.
func (p *policyHolder) cacheStats() (binauthz.CacheStats, bool) {
	p.statsMu.Lock()
	defer p.statsMu.Unlock()
	total := p.retired
	cur := p.cur.Load()
	for _, st := range p.live {
		stats, err := st.engine.CacheStats()
		if err != nil {
			continue
		}
		total.Hits += stats.Hits
		total.Misses += stats.Misses
		total.Evictions += stats.Evictions
		if st == cur {
			total.Entries, total.Capacity = stats.Entries, stats.Capacity
		}
	}
	return total, cur != nil
}

// watch calls check every interval until ctx ends: the policy and the certificate are files a
// mount updates (a ConfigMap's `..data` swap), which polling sees whatever the filesystem.
func watch(ctx context.Context, every time.Duration, check func() bool) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			check()
		}
	}
}

// policyStatus is the policy's part of /readyz.
type policyStatus struct {
	Ready       bool          `json:"ready"`
	Fingerprint string        `json:"fingerprint,omitempty"`
	LoadedAt    *time.Time    `json:"loadedAt,omitempty"`
	Cluster     string        `json:"cluster,omitempty"`
	LastReload  *reloadStatus `json:"lastReload,omitempty"`
}

func (p *policyHolder) status() policyStatus {
	var s policyStatus
	if st := p.cur.Load(); st != nil {
		loaded := st.loadedAt
		s = policyStatus{Ready: true, Fingerprint: st.fingerprint, LoadedAt: &loaded, Cluster: st.cluster}
	}
	p.mu.Lock()
	if p.last != nil {
		last := *p.last
		s.LastReload = &last
	}
	p.mu.Unlock()
	return s
}

// close retires the engine in service (at shutdown, once the server stopped).
func (p *policyHolder) close() {
	p.statsMu.Lock()
	old := p.cur.Swap(nil)
	p.statsMu.Unlock()
	if old != nil {
		p.retire(old)
	}
}
