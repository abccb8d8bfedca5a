package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

// The bounds of a Directory. A file is one attestations document, within the engine's own
// document limit; the totals keep the index (held in memory for the life of the process)
// bounded whatever is mounted.
const (
	dirMaxFileBytes   = 8 << 20
	dirMaxFiles       = 1000
	dirMaxTotalBytes  = 64 << 20
	dirMaxOccurrences = 100000
	dirMaxNotes       = 100
	dirMaxAnyImage    = 64
)

// Directory serves attestations read from the files of a directory: *.json, *.yaml and *.yml,
// each an attestations document as `gcloud container binauthz attestations list` prints it
// (a YAML stream or a JSON list of occurrences, one occurrence, or a ListOccurrencesResponse),
// read by binauthz.ReadAttestations. The occurrences are indexed by the digest their
// resourceUri names, so a lookup is a map access.
//
// It is made for a mounted ConfigMap: names starting with '.' are skipped (the kubelet's
// `..data` and `..2024_…` entries), files are read through their symlinks, subdirectories are
// ignored, and Watch notices the kubelet's atomic `..data` swap as well as files rewritten in
// place. It is safe for concurrent use; a reload replaces the whole index at once, so a lookup
// sees the old files or the new ones, never a mix.
type Directory struct {
	dir   string
	index atomic.Pointer[dirIndex]

	mu     sync.Mutex // serializes reloads; guards failed
	failed string     // fingerprint of the files the last failed reload read ("" after a success)
}

// dirIndex is what one load read.
type dirIndex struct {
	byDigest map[string][]json.RawMessage
	// anyImage are the occurrences whose resourceUri names no digest that can be read (filed
	// against a tag, say). The engine skips such an occurrence and lists it, as the reason it could
	// not help, for every image it could concern, which is every image (spec §5.1): so they go
	// with every request that has an image by digest, and a denial caused by an attestation filed
	// against a tag says so. At most dirMaxAnyImage are kept; the rest are noted.
	anyImage    []json.RawMessage
	count       int
	fingerprint string
	notes       []string
}

// NewDirectory reads the attestation files of dir. Unlike a later Reload, which keeps the
// previous index, it fails when the directory cannot be read or any file in it is not a
// readable attestations document: there is nothing to fall back on, and a webhook that starts
// without the attestations it was given would deny what it should admit without saying why.
func NewDirectory(dir string) (*Directory, error) {
	d := &Directory{dir: dir}
	if err := d.Reload(); err != nil {
		return nil, err
	}
	return d, nil
}

// Reload reads the directory again and replaces the index. On any error (the directory or a
// file cannot be read, a file is too large or is not an attestations document, a bound is
// exceeded) the previous index is kept, and the error names the directory and the file: one
// bad file must not drop every attestation, which would deny every deploy. Occurrences that
// name no image digest are not an error (they can match no request): Notes counts them.
func (d *Directory) Reload() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	fingerprint, files, err := d.scan()
	if err != nil {
		return err
	}
	idx, err := d.load(files)
	if err != nil {
		d.failed = fingerprint
		return err
	}
	idx.fingerprint = fingerprint
	d.failed = ""
	d.index.Store(idx)
	return nil
}

// Watch checks the directory every interval (2s when every is 0 or less) until ctx ends, and
// reloads it when its fingerprint changes: the names, resolved symlink targets, sizes and
// modification times of its attestation files. onReload (optional) is called with each
// reload's result, nil for a success, and with an error when the directory cannot be listed;
// the same failure is reported once, not at every tick, and files that failed to load are not
// read again until they change. When, after a failure, the files are again those in service,
// nil is reported though nothing is reloaded: the failure is over. Watch blocks: run it in its
// own goroutine.
func (d *Directory) Watch(ctx context.Context, every time.Duration, onReload func(error)) {
	if every <= 0 {
		every = 2 * time.Second
	}
	if onReload == nil {
		onReload = func(error) {}
	}
	ticker := time.NewTicker(every)
	defer ticker.Stop()
	lastScanError := ""
	// failing: the last report was a failure, so a return to the files in service is reported
	// too (the failure is over, though nothing was reloaded).
	failing := false
	report := func(err error) {
		failing = err != nil
		onReload(err)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		}
		fingerprint, _, err := d.scan()
		if err != nil {
			if err.Error() != lastScanError {
				lastScanError = err.Error()
				report(err)
			}
			continue
		}
		lastScanError = ""
		d.mu.Lock()
		inService, failedBefore := fingerprint == d.loaded().fingerprint, fingerprint == d.failed
		d.mu.Unlock()
		switch {
		case inService:
			if failing {
				// A later return to the failed files is a new failure: read them again then.
				d.mu.Lock()
				d.failed = ""
				d.mu.Unlock()
				report(nil)
			}
		case failedBefore:
		default:
			report(d.Reload())
		}
	}
}

// Attestations implements webhook.AttestationSource: the occurrences indexed under the digest
// of each image pinned by one (each digest once, in the order of the images). Images with the
// same digest under another repository name get the same occurrences: the engine matches each
// occurrence's resourceUri to the image it checks. More than MaxRequestAttestations is an error.
func (d *Directory) Attestations(ctx context.Context, images []string) ([]json.RawMessage, error) {
	idx := d.index.Load()
	if idx == nil {
		return nil, fmt.Errorf("directory %s: not loaded (make it with NewDirectory)", d.dir)
	}
	var out []json.RawMessage
	seen := make(map[string]bool)
	for _, image := range images {
		digest, ok := ImageDigest(image)
		if !ok || seen[digest] {
			continue
		}
		seen[digest] = true
		found := idx.byDigest[digest]
		if len(out)+len(found) > MaxRequestAttestations {
			return nil, fmt.Errorf("directory %s: more than %d attestations for the request", d.dir, MaxRequestAttestations)
		}
		out = append(out, found...)
	}
	if len(seen) > 0 && len(idx.anyImage) > 0 {
		if len(out)+len(idx.anyImage) > MaxRequestAttestations {
			return nil, fmt.Errorf("directory %s: more than %d attestations for the request", d.dir, MaxRequestAttestations)
		}
		out = append(out, idx.anyImage...)
	}
	return out, nil
}

// Len is the number of occurrences indexed (those that name a digest).
func (d *Directory) Len() int { return d.loaded().count }

// Notes are what the last successful load reported, each naming its file: occurrences that
// name no image digest (sent with every request), duplicates, and what binauthz.ReadAttestations
// noted (occurrences of other kinds, a next page token, …). At most 100, then a count.
func (d *Directory) Notes() []string {
	return append([]string(nil), d.loaded().notes...)
}

// loaded is the current index; an empty one for a Directory not made by NewDirectory.
func (d *Directory) loaded() *dirIndex {
	if idx := d.index.Load(); idx != nil {
		return idx
	}
	return &dirIndex{}
}

// scan lists the attestation files of the directory and fingerprints them.
func (d *Directory) scan() (string, []string, error) {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		return "", nil, fmt.Errorf("directory %s: %w", d.dir, err)
	}
	var fp strings.Builder
	// Never "", which Directory.failed uses for "no failure": an emptied directory must
	// still be told from one that failed.
	fp.WriteString("attestation files:\n")
	var files []string
	for _, e := range entries { // sorted by name
		name := e.Name()
		if strings.HasPrefix(name, ".") || !attestationFile(name) {
			continue
		}
		path := filepath.Join(d.dir, name)
		info, err := os.Stat(path) // through symlinks
		if err != nil {
			return "", nil, fmt.Errorf("directory %s: file %s: %w", d.dir, name, err)
		}
		if info.IsDir() {
			continue
		}
		resolved := path
		if e.Type()&os.ModeSymlink != 0 {
			// The kubelet swaps `..data` to a new directory: the target names the version
			// even if the size and time of the file are the same.
			if resolved, err = filepath.EvalSymlinks(path); err != nil {
				return "", nil, fmt.Errorf("directory %s: file %s: %w", d.dir, name, err)
			}
		}
		if len(files) == dirMaxFiles {
			return "", nil, fmt.Errorf("directory %s: more than %d attestation files", d.dir, dirMaxFiles)
		}
		files = append(files, name)
		fmt.Fprintf(&fp, "%q %q %d %d\n", name, resolved, info.Size(), info.ModTime().UnixNano())
	}
	return fp.String(), files, nil
}

// attestationFile reports whether a file name is read as an attestations document.
func attestationFile(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json", ".yaml", ".yml":
		return true
	}
	return false
}

// load reads the files into a new index.
func (d *Directory) load(files []string) (*dirIndex, error) {
	idx := &dirIndex{byDigest: make(map[string][]json.RawMessage)}
	seen := make(map[string]bool) // digest and occurrence, to drop the same one filed twice
	total, notes := 0, 0
	note := func(format string, args ...interface{}) {
		notes++
		if notes <= dirMaxNotes {
			idx.notes = append(idx.notes, fmt.Sprintf(format, args...))
		}
	}
	for _, name := range files {
		fail := func(err error) error { return fmt.Errorf("directory %s: file %s: %w", d.dir, name, err) }
		data, err := ReadBounded(filepath.Join(d.dir, name), dirMaxFileBytes)
		if err != nil {
			return nil, fail(err)
		}
		if total += len(data); total > dirMaxTotalBytes {
			return nil, fmt.Errorf("directory %s: the files are larger than %d bytes in all", d.dir, dirMaxTotalBytes)
		}
		read, err := binauthz.ReadAttestations(data)
		if err != nil {
			return nil, fail(err)
		}
		unattached, dropped, duplicates := 0, 0, 0
		for _, e := range read.Entries {
			key := e.Digest + "\x00" + string(e.Occurrence)
			if seen[key] {
				duplicates++
				continue
			}
			seen[key] = true
			if !validDigest(e.Digest) {
				if len(idx.anyImage) == dirMaxAnyImage {
					dropped++
					continue
				}
				unattached++
				idx.anyImage = append(idx.anyImage, e.Occurrence)
				continue
			}
			if idx.count == dirMaxOccurrences {
				return nil, fmt.Errorf("directory %s: more than %d occurrences in all", d.dir, dirMaxOccurrences)
			}
			idx.byDigest[e.Digest] = append(idx.byDigest[e.Digest], e.Occurrence)
			idx.count++
		}
		if unattached > 0 {
			note("file %s: %d occurrence(s) name no image digest in resourceUri; the engine cannot use them, and they go with every request so that its decisions say why", name, unattached)
		}
		if dropped > 0 {
			note("file %s: %d more occurrence(s) name no image digest and are left out (at most %d are kept)", name, dropped, dirMaxAnyImage)
		}
		if duplicates > 0 {
			note("file %s: %d occurrence(s) already read are left out", name, duplicates)
		}
		for _, n := range read.Notes {
			note("file %s: %s", name, n)
		}
	}
	if notes > dirMaxNotes {
		idx.notes = append(idx.notes, fmt.Sprintf("and %d more notes", notes-dirMaxNotes))
	}
	return idx, nil
}

// ReadBounded reads a file of at most limit bytes; a larger one is an error, not a truncation:
// what a mount holds is read whole only when it is within the bound the engine would apply.
func ReadBounded(path string, limit int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("larger than %d bytes", limit)
	}
	return data, nil
}
