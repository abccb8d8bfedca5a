// Package sources provides attestation sources for the binauthz admission webhook: where the
// attestation occurrences of a request's images come from. Each one implements
// webhook.AttestationSource.
//
//   - Directory: attestation documents (as `gcloud container binauthz attestations list`
//     prints them) in a directory, typically a mounted ConfigMap, indexed by image digest and
//     reloaded when the files change.
//   - ContainerAnalysis: the Container Analysis REST API (v1), with a TokenSource (TokenFile for
//     a projected service-account token, MetadataToken for the GKE metadata server).
//   - Cache: a bounded, expiring per-image cache with one upstream call per image in flight.
//   - Combine: several sources asked together.
//
// Every source fails closed: an error names the source and what happened, and a partial list is
// never returned as a success (a missing attestation would only deny, but a source that silently
// drops part of its answer hides an outage). Only images pinned by digest
// (REPOSITORY@sha256:HEX) can have attestations: a tag never satisfies an attestation check, so
// other images get none and cause no lookup. Everything read is bounded (response and file
// sizes, pages, files, occurrences), because a webhook must answer within the API server's
// timeout whatever the upstream does.
package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
)

// MaxRequestAttestations is the most occurrences a source returns for one request: the engine
// refuses a request with more (spec/README.md §1: 4,096 attestation occurrences per request), so
// a larger answer is an error here, named after the source, rather than an engine limit error
// that names nothing.
const MaxRequestAttestations = 4096

// maxConcurrentLookups bounds the per-image lookups one request runs at once, so that a pod
// with many containers does not open that many upstream connections.
const maxConcurrentLookups = 4

// ImageDigest returns the digest ("sha256:<64 lowercase hex>") an image is pinned by, the part
// after its last '@', and whether there is one. Images as binauthz.ExtractImages returns them;
// anything else (a tag, an upper-case or short digest, another algorithm) has no attestations.
func ImageDigest(image string) (string, bool) {
	at := strings.LastIndexByte(image, '@')
	if at <= 0 {
		return "", false
	}
	digest := image[at+1:]
	if !validDigest(digest) {
		return "", false
	}
	return digest, true
}

// validDigest reports whether digest is "sha256:" and 64 lowercase hex digits, the only form
// the engine and Container Analysis use in resource URIs.
func validDigest(digest string) bool {
	const prefix = "sha256:"
	if len(digest) != len(prefix)+64 || !strings.HasPrefix(digest, prefix) {
		return false
	}
	for _, c := range digest[len(prefix):] {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// lookupImages runs lookup once for each distinct key among images (key returns false for an
// image that needs no lookup), at most maxConcurrentLookups at once, and concatenates the
// results in the order of the images. The first error cancels the other lookups and is
// returned alone (the others would only be cancellations); more than MaxRequestAttestations
// occurrences is an error.
func lookupImages(ctx context.Context, images []string, key func(string) (string, bool),
	lookup func(ctx context.Context, image string) ([]json.RawMessage, error)) ([]json.RawMessage, error) {
	type job struct {
		image string
		out   []json.RawMessage
		err   error
	}
	var jobs []*job
	seen := make(map[string]bool)
	for _, image := range images {
		k, ok := key(image)
		if !ok || seen[k] {
			continue
		}
		seen[k] = true
		jobs = append(jobs, &job{image: image})
	}
	if len(jobs) == 0 {
		return nil, nil
	}
	if len(jobs) == 1 {
		// The common case (one image) without goroutines.
		out, err := lookup(ctx, jobs[0].image)
		if err != nil {
			return nil, err
		}
		if len(out) > MaxRequestAttestations {
			return nil, fmt.Errorf("more than %d attestations for the request", MaxRequestAttestations)
		}
		return out, nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		firstErr error
	)
	slots := make(chan struct{}, maxConcurrentLookups)
	for _, j := range jobs {
		j := j
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-slots }()
			j.out, j.err = lookup(ctx, j.image)
			if j.err != nil {
				mu.Lock()
				if firstErr == nil {
					firstErr = j.err
					cancel()
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	var all []json.RawMessage
	for _, j := range jobs {
		if len(all)+len(j.out) > MaxRequestAttestations {
			return nil, fmt.Errorf("more than %d attestations for the request", MaxRequestAttestations)
		}
		all = append(all, j.out...)
	}
	return all, nil
}

// byImage is the lookup key of lookups made per image: the image itself, when it is pinned by
// a digest.
func byImage(image string) (string, bool) {
	_, ok := ImageDigest(image)
	return image, ok
}

// byDigest is the lookup key of lookups made per digest (the same digest under two repository
// names is one lookup).
func byDigest(image string) (string, bool) {
	return ImageDigest(image)
}
