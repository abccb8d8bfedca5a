package binauthz

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestReadAttestationsFilesEachOccurrenceUnderItsDigest(t *testing.T) {
	document := readSpec(t, "examples", "attestations.json")
	var all []map[string]interface{}
	if err := json.Unmarshal(document, &all); err != nil {
		t.Fatal(err)
	}
	read, err := ReadAttestations(document)
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Entries) != len(all) || len(read.Notes) != 0 {
		t.Fatalf("%d entries, notes %q; the file has %d occurrences", len(read.Entries), read.Notes, len(all))
	}
	for i, entry := range read.Entries {
		uri := all[i]["resourceUri"].(string)
		if want := uri[strings.LastIndexByte(uri, '@')+1:]; entry.Digest != want {
			t.Errorf("entry %d: digest %q, want %q", i, entry.Digest, want)
		}
	}

	// An unreadable occurrence is still filed under its image; another kind is only noted.
	stream := "kind: ATTESTATION\nresourceUri: https://gcr.io/p/a@sha256:" + strings.Repeat("A", 64) +
		"\nattestation: {serializedPayload: '!!'}\n---\nkind: BUILD\nresourceUri: https://gcr.io/p/a\n"
	read, err = ReadAttestations([]byte(stream))
	if err != nil {
		t.Fatal(err)
	}
	if len(read.Entries) != 1 || read.Entries[0].Digest != "sha256:"+strings.Repeat("a", 64) || len(read.Notes) != 2 {
		t.Fatalf("%+v", read)
	}
}

func TestReadAttestationsRefusesWhatARequestWould(t *testing.T) {
	_, err := ReadAttestations([]byte("[1]"))
	var e *Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Path != "[0]" {
		t.Fatalf("%#v", err)
	}
	_, err = ReadAttestations([]byte(strings.Repeat("[", 100000)))
	if !errors.As(err, &e) || e.Code != "limit" {
		t.Fatalf("%#v", err)
	}
}

func TestNewEngineFromDocumentsWithCache(t *testing.T) {
	policy := readSpec(t, "examples", "policy.yaml")
	attestors := readSpec(t, "examples", "attestors.yaml")
	for _, size := range []int{0, 7} {
		engine, err := NewEngineFromDocumentsWithCache(policy, attestors, size)
		if err != nil {
			t.Fatal(err)
		}
		stats, err := engine.CacheStats()
		if err != nil || stats.Capacity != uint64(size) {
			t.Errorf("cache %d: %+v %v", size, stats, err)
		}
		engine.Close()
	}
	if _, err := NewEngineFromDocumentsWithCache(policy, attestors, -1); err == nil {
		t.Error("a negative cache size was accepted")
	}
}
