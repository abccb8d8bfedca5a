package main

import (
	"bytes"
	"fmt"
	"math"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// metrics are the server's counters, written in the Prometheus text exposition format (0.0.4)
// by hand: the module uses the standard library only. Counters are atomics, so recording a
// request takes no lock.
type metrics struct {
	decisions map[string]*atomic.Uint64 // by outcome; the map is fixed at creation

	latencyBuckets []float64       // upper bounds, seconds
	latencyCounts  []atomic.Uint64 // per bucket (not cumulative; summed when written)
	latencyNanos   atomic.Uint64   // sum
	latencyCount   atomic.Uint64   // observations
	reloads        map[reloadKey]*atomic.Uint64

	mu           sync.Mutex // guards what is registered after creation
	sourceErrors map[string]*atomic.Uint64
	collectors   []func(*bytes.Buffer) // gauges and counters read from elsewhere when scraped
}

// reloadKey labels binauthz_webhook_reloads_total.
type reloadKey struct{ what, result string }

// What is reloaded.
const (
	reloadPolicy       = "policy"
	reloadTLS          = "tls"
	reloadAttestations = "attestations"
)

func newMetrics() *metrics {
	m := &metrics{
		decisions:      map[string]*atomic.Uint64{},
		latencyBuckets: []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10},
		reloads:        map[reloadKey]*atomic.Uint64{},
		sourceErrors:   map[string]*atomic.Uint64{},
	}
	m.latencyCounts = make([]atomic.Uint64, len(m.latencyBuckets)+1) // the last is +Inf
	for _, o := range outcomes {
		m.decisions[o] = new(atomic.Uint64)
	}
	for _, what := range []string{reloadPolicy, reloadTLS, reloadAttestations} {
		for _, result := range []string{"ok", "failed"} {
			m.reloads[reloadKey{what, result}] = new(atomic.Uint64)
		}
	}
	return m
}

// observe records one answered review.
func (m *metrics) observe(outcome string, latency time.Duration) {
	if c := m.decisions[outcome]; c != nil {
		c.Add(1)
	}
	s := latency.Seconds()
	i := sort.SearchFloat64s(m.latencyBuckets, s) // first bound >= s: "le" is inclusive
	m.latencyCounts[i].Add(1)
	m.latencyNanos.Add(uint64(latency.Nanoseconds()))
	m.latencyCount.Add(1)
}

// reloaded counts a reload of what.
func (m *metrics) reloaded(what string, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.reloads[reloadKey{what, result}].Add(1)
}

// sourceErrorCounter is the error counter of a named source (created at 0, so that it is
// exported before the first error).
func (m *metrics) sourceErrorCounter(source string) *atomic.Uint64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.sourceErrors[source]
	if c == nil {
		c = new(atomic.Uint64)
		m.sourceErrors[source] = c
	}
	return c
}

// collect registers a function that writes more metrics when scraped.
func (m *metrics) collect(f func(*bytes.Buffer)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.collectors = append(m.collectors, f)
}

// header writes a metric's HELP and TYPE lines.
func header(b *bytes.Buffer, name, kind, help string) {
	fmt.Fprintf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
}

// sample writes one sample; labels are name/value pairs, values quoted as the format says.
func sample(b *bytes.Buffer, name string, value float64, labels ...string) {
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(escapeLabel(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(formatFloat(value))
	b.WriteByte('\n')
}

// escapeLabel escapes a label value: backslash, double quote and line feed.
func escapeLabel(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		switch r {
		case '\\':
			b.WriteString(`\\`)
		case '"':
			b.WriteString(`\"`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func formatFloat(v float64) string {
	if math.IsInf(v, 1) {
		return "+Inf"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// write renders every metric.
func (m *metrics) write(b *bytes.Buffer) {
	header(b, "binauthz_webhook_decisions_total", "counter",
		"Reviews answered, by outcome (allowed, denied, dry-run, breakglass, refused: no decision could be made).")
	for _, o := range outcomes {
		sample(b, "binauthz_webhook_decisions_total", float64(m.decisions[o].Load()), "verdict", o)
	}

	header(b, "binauthz_webhook_request_duration_seconds", "histogram",
		"Time to answer a review on /validate, from the request to the response written.")
	var cumulative uint64
	for i, bound := range m.latencyBuckets {
		cumulative += m.latencyCounts[i].Load()
		sample(b, "binauthz_webhook_request_duration_seconds_bucket", float64(cumulative), "le", formatFloat(bound))
	}
	cumulative += m.latencyCounts[len(m.latencyBuckets)].Load()
	sample(b, "binauthz_webhook_request_duration_seconds_bucket", float64(cumulative), "le", "+Inf")
	sample(b, "binauthz_webhook_request_duration_seconds_sum", float64(m.latencyNanos.Load())/1e9)
	// The count is the +Inf bucket, so that the two agree even while requests are recorded.
	sample(b, "binauthz_webhook_request_duration_seconds_count", float64(cumulative))

	header(b, "binauthz_webhook_reloads_total", "counter",
		"Reloads of changed files, by what (policy, tls, attestations) and result (ok, failed: the previous one is kept).")
	for _, what := range []string{reloadPolicy, reloadTLS, reloadAttestations} {
		for _, result := range []string{"ok", "failed"} {
			sample(b, "binauthz_webhook_reloads_total", float64(m.reloads[reloadKey{what, result}].Load()),
				"what", what, "result", result)
		}
	}

	m.mu.Lock()
	names := make([]string, 0, len(m.sourceErrors))
	for name := range m.sourceErrors {
		names = append(names, name)
	}
	sort.Strings(names)
	header(b, "binauthz_webhook_source_errors_total", "counter",
		"Attestation lookups that failed, by source (each refuses its review).")
	for _, name := range names {
		sample(b, "binauthz_webhook_source_errors_total", float64(m.sourceErrors[name].Load()), "source", name)
	}
	collectors := append([]func(*bytes.Buffer){}, m.collectors...)
	m.mu.Unlock()
	for _, f := range collectors {
		f(b)
	}
}

// ServeHTTP serves /metrics.
func (m *metrics) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "GET /metrics", http.StatusMethodNotAllowed)
		return
	}
	var b bytes.Buffer
	m.write(&b)
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	_, _ = w.Write(b.Bytes())
}
