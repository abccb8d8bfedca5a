package main

import (
	"bytes"
	"context"
	"encoding/json"
	"sync/atomic"

	"example.invalid/binauthz/binauthz-ffi/go/sources"
	"example.invalid/binauthz/binauthz-ffi/go/webhook"
)

// statser is a source that counts its cache (sources.Cache).
type statser interface {
	Stats() sources.CacheStats
}

// countingSource counts a source's errors. The error itself reaches the review's refusal (and so
// the audit line), named by sources.Combine.
type countingSource struct {
	source webhook.AttestationSource
	errors *atomic.Uint64
}

func (s countingSource) Attestations(ctx context.Context, images []string) ([]json.RawMessage, error) {
	out, err := s.source.Attestations(ctx, images)
	if err != nil {
		s.errors.Add(1)
	}
	return out, err
}

// buildSources makes the attestation source the flags ask for: an attestations directory
// (watched for changes until ctx ends), Container Analysis (through a per-digest cache unless
// --source-cache-entries is 0), or both, combined so that a failure of either refuses the review
// with the failing source named. nil when no source is configured: only rules that need no
// attestation can then admit.
func buildSources(ctx context.Context, c *config, log *logger, m *metrics, status *dirStatus) (webhook.AttestationSource, error) {
	var named []sources.Named
	if c.attestationsDir != "" {
		dir, err := sources.NewDirectory(c.attestationsDir)
		if err != nil {
			return nil, err
		}
		log.log("INFO", "attestations directory loaded", "what", reloadAttestations,
			"directory", c.attestationsDir, "occurrences", dir.Len())
		go dir.Watch(ctx, c.reloadInterval, func(err error) {
			m.reloaded(reloadAttestations, err)
			status.record(err)
			if err != nil {
				log.log("ERROR", "attestations reload failed; the previous attestations stay in service",
					"what", reloadAttestations, "directory", c.attestationsDir, "error", err.Error())
				return
			}
			log.log("INFO", "attestations reloaded", "what", reloadAttestations,
				"directory", c.attestationsDir, "occurrences", dir.Len())
		})
		m.collect(func(b *bytes.Buffer) {
			header(b, "binauthz_webhook_attestations_directory_occurrences", "gauge",
				"Attestation occurrences indexed from --attestations-dir.")
			sample(b, "binauthz_webhook_attestations_directory_occurrences", float64(dir.Len()))
		})
		named = append(named, sources.Named{Name: "directory " + c.attestationsDir,
			Source: countingSource{dir, m.sourceErrorCounter("directory")}})
	}
	if len(c.caProjects) > 0 {
		var token sources.TokenSource
		if c.tokenFile != "" {
			token = sources.TokenFile(c.tokenFile)
		} else {
			token = sources.MetadataToken(c.metadataEndpoint)
		}
		ca := &sources.ContainerAnalysis{Endpoint: c.caEndpoint, Projects: c.caProjects, Token: token, Timeout: c.caTimeout}
		if err := ca.Check(); err != nil {
			return nil, err // a mistyped project refuses to start rather than refusing every review
		}
		var source webhook.AttestationSource = ca
		if c.sourceCacheEntries > 0 {
			cache := sources.NewCache(ca, c.sourceCacheEntries, c.sourceCacheTTL)
			source = cache
			m.collect(func(b *bytes.Buffer) { writeSourceCacheMetrics(b, "containeranalysis", cache) })
		}
		log.log("INFO", "Container Analysis source", "projects", c.caProjects, "endpoint", c.caEndpoint,
			"tokenFile", c.tokenFile, "metadataToken", c.metadataToken, "cacheEntries", c.sourceCacheEntries,
			"cacheTTL", c.sourceCacheTTL.String())
		named = append(named, sources.Named{Name: "container analysis",
			Source: countingSource{source, m.sourceErrorCounter("containeranalysis")}})
	}
	if len(named) == 0 {
		log.log("WARNING", "no attestation source (--attestations-dir, --containeranalysis-projects): only rules that need no attestation can admit")
		return nil, nil
	}
	return sources.Combine(named...), nil
}

// dirStatus is how the attestations directory's last reload went, for /readyz: a failed
// reload keeps the previous attestations in service, so the webhook stays ready, and says so.
type dirStatus struct {
	failed atomic.Pointer[string] // nil after a reload that worked
}

func (r *dirStatus) record(err error) {
	if r == nil {
		return
	}
	if err == nil {
		r.failed.Store(nil)
		return
	}
	message := err.Error()
	r.failed.Store(&message)
}

// problem is the last reload's error, "" when it worked (or there was none).
func (r *dirStatus) problem() string {
	if r == nil {
		return ""
	}
	if p := r.failed.Load(); p != nil {
		return *p
	}
	return ""
}

// writeSourceCacheMetrics exports a source cache's counters.
func writeSourceCacheMetrics(b *bytes.Buffer, source string, s statser) {
	stats := s.Stats()
	header(b, "binauthz_webhook_source_cache_hits_total", "counter", "Attestation lookups answered from the source's cache.")
	sample(b, "binauthz_webhook_source_cache_hits_total", float64(stats.Hits), "source", source)
	header(b, "binauthz_webhook_source_cache_misses_total", "counter", "Attestation lookups the source's cache passed on.")
	sample(b, "binauthz_webhook_source_cache_misses_total", float64(stats.Misses), "source", source)
	header(b, "binauthz_webhook_source_cache_entries", "gauge", "Image digests held in the source's cache.")
	sample(b, "binauthz_webhook_source_cache_entries", float64(stats.Entries), "source", source)
}
