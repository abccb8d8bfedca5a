package sources

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

// digestC is a third digest, of an image the YAML stream attests.
const digestC = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

// exampleAttestations is spec/examples/attestations.json: two occurrences for imageA, one for
// imageB.
func exampleAttestations(t *testing.T) []byte {
	t.Helper()
	data, err := os.ReadFile("../../../spec/examples/attestations.json")
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// yamlStream is a gcloud-style YAML stream: one attestation of the batch image (digestC), one
// whose resourceUri has no digest (sent with every request that has an image by digest, so that its decisions can say why it does not count), and a build occurrence (ignored).
const yamlStream = `attestation:
  serializedPayload: e30K
  signatures:
  - publicKeyId: //cloudkms.googleapis.com/v1/projects/acme/locations/global/keyRings/k/cryptoKeys/c/cryptoKeyVersions/1
    signature: MEUCIQ==
kind: ATTESTATION
name: projects/acme/occurrences/yaml-1
noteName: projects/acme/notes/built-by-ci
resourceUri: https://us-docker.pkg.dev/acme/payments/batch@` + digestC + `
---
attestation:
  serializedPayload: e30K
  signatures:
  - publicKeyId: k
    signature: MEUCIQ==
kind: ATTESTATION
name: projects/acme/occurrences/yaml-2
noteName: projects/acme/notes/built-by-ci
resourceUri: https://us-docker.pkg.dev/acme/payments/batch:latest
---
kind: BUILD
name: projects/acme/occurrences/yaml-3
resourceUri: https://us-docker.pkg.dev/acme/payments/batch@` + digestC + `
`

// names are the occurrence names of a lookup's answer.
func names(t *testing.T, occurrences []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, o := range occurrences {
		var head struct{ Name string }
		if err := json.Unmarshal(o, &head); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
		out = append(out, strings.TrimPrefix(head.Name, "projects/acme/occurrences/"))
	}
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// lookup is d's answer for images, as occurrence names.
func lookup(t *testing.T, d *Directory, images ...string) string {
	t.Helper()
	got, err := d.Attestations(context.Background(), images)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(names(t, got), " ")
}

const (
	occA1 = "1d2c8f0e-5b7a-4c3e-9f21-6a4d8b0e7c15"
	occB  = "c5f09a3b-7e2d-4b18-8d64-0a9e3f6b2c47"
)

func TestDirectoryIndexesByDigest(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "list.json"), exampleAttestations(t))
	writeFile(t, filepath.Join(dir, "stream.yaml"), []byte(yamlStream))
	writeFile(t, filepath.Join(dir, "again.JSON"), exampleAttestations(t)) // the same occurrences
	writeFile(t, filepath.Join(dir, ".hidden.json"), []byte("not read"))
	writeFile(t, filepath.Join(dir, "README.md"), []byte("not read"))
	if err := os.Mkdir(filepath.Join(dir, "sub.yaml"), 0o700); err != nil {
		t.Fatal(err)
	}
	d, err := NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 4 {
		t.Errorf("Len %d, want 4 (3 in the list, 1 in the stream)", d.Len())
	}
	// An image's own occurrences, then the one filed against a tag (yaml-2), which every request
	// with an image by digest gets: the engine then says why it does not count.
	a := strings.TrimSuffix(lookup(t, d, imageA), " yaml-2")
	if !strings.HasPrefix(a, occA1+" ") || strings.Count(a, " ") != 1 {
		t.Errorf("imageA: %q", a)
	}
	// Each digest once, in the order of the images; another repository with the same digest
	// gets the same occurrences; tags get none.
	if got := lookup(t, d, imageB, "nginx:latest", "mirror.example/api@"+digestA, imageA,
		"us-docker.pkg.dev/acme/payments/batch@"+digestC); got != occB+" "+a+" yaml-1 yaml-2" {
		t.Errorf("several images: %q", got)
	}
	if got := lookup(t, d, "nginx", "x@sha256:"+strings.Repeat("0", 64)); got != "yaml-2" {
		t.Errorf("no attestations: %q", got)
	}
	if got := lookup(t, d, "nginx", "nginx:latest"); got != "" {
		t.Errorf("tags only: %q", got)
	}
	notes := strings.Join(d.Notes(), "\n")
	for _, want := range []string{
		"file stream.yaml: 1 occurrence(s) name no image digest",
		"file list.json: 3 occurrence(s) already read are left out",
		"file stream.yaml: ", // the reader's note on the BUILD occurrence
	} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes %q lack %q", notes, want)
		}
	}
	if !strings.Contains(strings.ToLower(notes), "build") {
		t.Errorf("the BUILD occurrence is not noted: %q", notes)
	}
}

func TestDirectoryReloadKeepsTheOldIndexOnError(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "list.json"), exampleAttestations(t))
	d, err := NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "stream.yml"), []byte(yamlStream))
	if err := d.Reload(); err != nil || d.Len() != 4 {
		t.Fatalf("added a file: %d, %v", d.Len(), err)
	}
	before := lookup(t, d, imageA, imageB, "b@"+digestC)

	writeFile(t, filepath.Join(dir, "broken.json"), []byte(`{"kind": "ATTESTATION", `))
	err = d.Reload()
	mustError(t, err, "directory "+dir+": file broken.json: ")
	if d.Len() != 4 || lookup(t, d, imageA, imageB, "b@"+digestC) != before {
		t.Errorf("the old index was not kept: %d", d.Len())
	}

	writeFile(t, filepath.Join(dir, "broken.json"), []byte(strings.Repeat(" ", dirMaxFileBytes+1)))
	mustError(t, d.Reload(), "file broken.json: larger than 8388608 bytes")

	if err := os.Remove(filepath.Join(dir, "broken.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(filepath.Join(dir, "list.json")); err != nil {
		t.Fatal(err)
	}
	if err := d.Reload(); err != nil || d.Len() != 1 || lookup(t, d, imageA) != "yaml-2" {
		t.Errorf("removed a file: %d, %v", d.Len(), err)
	}
}

func TestNewDirectoryErrors(t *testing.T) {
	_, err := NewDirectory(filepath.Join(t.TempDir(), "missing"))
	mustError(t, err, "directory ", "missing")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "broken.yaml"), []byte("- [unclosed"))
	_, err = NewDirectory(dir)
	mustError(t, err, "file broken.yaml")

	dir = t.TempDir()
	for i := 0; i <= dirMaxFiles; i++ {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("%04d.json", i)), []byte("[]"))
	}
	_, err = NewDirectory(dir)
	mustError(t, err, "more than 1000 attestation files")

	dir = t.TempDir()
	if err := os.Symlink("nowhere.json", filepath.Join(dir, "dangling.json")); err != nil {
		t.Fatal(err)
	}
	_, err = NewDirectory(dir)
	mustError(t, err, "file dangling.json")

	var zero Directory
	if _, err := zero.Attestations(context.Background(), []string{imageA}); err == nil || zero.Len() != 0 {
		t.Errorf("a Directory not made by NewDirectory: %v", err)
	}
}

// configMap lays dir out as the kubelet mounts a ConfigMap: attestations.json ->
// ..data/attestations.json, ..data -> ..v1.
func configMap(t *testing.T, dir string, versions map[string][]byte) {
	t.Helper()
	for v, data := range versions {
		if err := os.Mkdir(filepath.Join(dir, v), 0o700); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, v, "attestations.json"), data)
	}
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..data/attestations.json", filepath.Join(dir, "attestations.json")); err != nil {
		t.Fatal(err)
	}
}

// nextReload waits for Watch to report; the guard only keeps a broken Watch from hanging the
// test binary.
func nextReload(t *testing.T, reloads <-chan error) error {
	t.Helper()
	select {
	case err := <-reloads:
		return err
	case <-time.After(time.Minute):
		t.Fatal("Watch did not reload")
		return nil
	}
}

func TestDirectoryWatchConfigMapSwap(t *testing.T) {
	dir := t.TempDir()
	v1 := exampleAttestations(t)
	// v2 attests digestC instead of the worker's digest: same size, and (below) the same
	// modification time, so only the symlink's new target tells the versions apart.
	v2 := []byte(strings.Replace(string(v1), "worker@"+digestB, "worker@"+digestC, 1))
	if len(v2) != len(v1) || string(v2) == string(v1) {
		t.Fatal("v2 is not a same-size edit of v1")
	}
	configMap(t, dir, map[string][]byte{"..v1": v1, "..v2": v2, "..v3": []byte("{broken")})
	stamp := time.Now().Add(-time.Hour)
	for _, v := range []string{"..v1", "..v2"} {
		if err := os.Chtimes(filepath.Join(dir, v, "attestations.json"), stamp, stamp); err != nil {
			t.Fatal(err)
		}
	}
	d, err := NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, d, imageB); got != occB {
		t.Fatalf("v1: %q", got)
	}
	ctx, cancel := context.WithCancel(context.Background())
	reloads := make(chan error, 16)
	done := make(chan struct{})
	go func() {
		defer close(done)
		d.Watch(ctx, time.Millisecond, func(err error) { reloads <- err })
	}()

	swapSymlink(t, filepath.Join(dir, "..data"), "..v2")
	if err := nextReload(t, reloads); err != nil {
		t.Fatal(err)
	}
	if got := lookup(t, d, "worker@"+digestC); got != occB || lookup(t, d, imageB) != "" {
		t.Errorf("v2 not loaded: %q", got)
	}

	// A broken version is reported, once, and v2 stays; the next good version loads.
	swapSymlink(t, filepath.Join(dir, "..data"), "..v3")
	mustError(t, nextReload(t, reloads), "file attestations.json")
	if got := lookup(t, d, "worker@"+digestC); got != occB {
		t.Errorf("v2 not kept: %q", got)
	}
	// Back to v2, the version in service: nothing is reloaded, but the end of the failure is
	// reported; broken again is a failure again.
	swapSymlink(t, filepath.Join(dir, "..data"), "..v2")
	if err := nextReload(t, reloads); err != nil {
		t.Errorf("back to v2: %v", err)
	}
	swapSymlink(t, filepath.Join(dir, "..data"), "..v3")
	mustError(t, nextReload(t, reloads), "file attestations.json")
	swapSymlink(t, filepath.Join(dir, "..data"), "..v1")
	if err := nextReload(t, reloads); err != nil {
		t.Errorf("back to v1: %v", err)
	}
	if got := lookup(t, d, imageB); got != occB {
		t.Errorf("v1 not loaded: %q", got)
	}
	cancel()
	<-done
}

func TestDirectoryRequestBound(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("[")
	for i := 0; i <= MaxRequestAttestations/2; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"kind":"ATTESTATION","name":"projects/acme/occurrences/%d","noteName":"projects/acme/notes/n",`+
			`"resourceUri":"https://x@%s"}`, i, []string{digestA, digestB}[i%2])
	}
	b.WriteString("]")
	writeFile(t, filepath.Join(dir, "many.json"), []byte(b.String()))
	// Two files of 2,049 occurrences each, over the two digests: one digest fits, both do not.
	writeFile(t, filepath.Join(dir, "more.json"), []byte(strings.ReplaceAll(b.String(), "occurrences/", "occurrences/more-")))
	d, err := NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2*(MaxRequestAttestations/2+1) {
		t.Fatalf("Len %d", d.Len())
	}
	if got, err := d.Attestations(context.Background(), []string{imageA}); err != nil || len(got) != MaxRequestAttestations/2+2 {
		t.Errorf("one digest: %d, %v", len(got), err)
	}
	_, err = d.Attestations(context.Background(), []string{imageA, imageB})
	mustError(t, err, fmt.Sprintf("directory %s: more than %d attestations for the request", dir, MaxRequestAttestations))
}

func TestDirectoryWatchEmptied(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "list.json"), exampleAttestations(t))
	d, err := NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reloads := make(chan error, 16)
	go d.Watch(ctx, time.Millisecond, func(err error) { reloads <- err })
	if err := os.Remove(filepath.Join(dir, "list.json")); err != nil {
		t.Fatal(err)
	}
	if err := nextReload(t, reloads); err != nil || d.Len() != 0 || lookup(t, d, imageA) != "" {
		t.Errorf("emptied: %d, %v", d.Len(), err)
	}
	// Written aside and renamed, as an update should be: Watch never sees half a file, so
	// this is one reload.
	writeFile(t, filepath.Join(dir, ".list.json.tmp"), exampleAttestations(t))
	if err := os.Rename(filepath.Join(dir, ".list.json.tmp"), filepath.Join(dir, "list.json")); err != nil {
		t.Fatal(err)
	}
	if err := nextReload(t, reloads); err != nil || d.Len() != 3 {
		t.Fatalf("refilled: %d, %v", d.Len(), err)
	}
	// A directory that cannot be listed is reported; the index is kept.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	mustError(t, nextReload(t, reloads), "directory "+dir, "no such file or directory")
	if d.Len() != 3 {
		t.Errorf("the index was dropped: %d", d.Len())
	}
}

// An attestation filed against a tag cannot satisfy anything, but the denial of the image it was
// meant for must say why: the directory sends it with the request, and the engine explains it.
func TestAnOccurrenceFiledAgainstATagIsExplainedInTheDenial(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "stream.yaml"), []byte(yamlStream))
	d, err := NewDirectory(dir)
	if err != nil {
		t.Fatal(err)
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join("..", "..", "..", "spec", "examples", name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	engine, err := binauthz.NewEngineFromDocuments(read("policy.yaml"), read("attestors.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	image := "us-docker.pkg.dev/acme/payments/batch@" + digestC
	attestations, err := d.Attestations(context.Background(), []string{image})
	if err != nil {
		t.Fatal(err)
	}
	decision, err := engine.Evaluate(context.Background(), &binauthz.Request{Images: []string{image}, Attestations: attestations})
	if err != nil {
		t.Fatal(err)
	}
	if decision.Allowed || !strings.Contains(string(decision.JSON), "occurrenceMalformed") ||
		!strings.Contains(string(decision.JSON), "batch:latest") {
		t.Errorf("the denial does not explain the occurrence filed against the tag: %s", decision.JSON)
	}
}
