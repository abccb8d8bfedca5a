package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
	"example.invalid/binauthz/binauthz-ffi/go/sources"
)

// BenchmarkLayers measures where a review's time goes, one layer at a time, over the files of
// benches/webhook-load.sh (BINAUTHZ_WEBHOOK_FILES=DIR: what `webhook-files DIR` writes, plus
// tls.crt and tls.key). It is skipped without them. Layers, each including the ones before:
//
//   - cgo: one call into the C library that does nothing (binauthz.Version);
//   - evaluate_json: Engine.EvaluateJSON of {images, attestations}: cgo, the core's JSON in and
//     out, the engine's decision;
//   - answer_review: Engine.AnswerReview: the AdmissionReview read by the core, the attestations
//     marshalled by Go, the response written;
//   - handler: the server's /validate handler without the network: the body read, the images
//     extracted, the directory source, AnswerReview, the audit line and the metrics.
//
// Each for the 1-image pod and the 8-image x 5-attestor pod, warm (the verification cache on) and
// cold (off). benches/webhook-load.sh adds the network and TLS (wrk over HTTPS).
func BenchmarkLayers(b *testing.B) {
	dir := os.Getenv("BINAUTHZ_WEBHOOK_FILES")
	if dir == "" {
		b.Skip("BINAUTHZ_WEBHOOK_FILES is not set (benches/webhook-load.sh sets it)")
	}
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return data
	}
	b.Run("cgo", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = binauthz.Version()
		}
	})
	directory, err := sources.NewDirectory(filepath.Join(dir, "attestations"))
	if err != nil {
		b.Fatal(err)
	}
	for _, pod := range []string{"pod-1", "pod-8x5"} {
		review := read(pod + ".json")
		extracted, err := binauthz.ExtractImages(review)
		if err != nil {
			b.Fatal(err)
		}
		attestations, err := directory.Attestations(context.Background(), extracted.Images)
		if err != nil {
			b.Fatal(err)
		}
		request, err := json.Marshal(map[string]interface{}{"images": extracted.Images,
			"attestations": attestations, "context": extracted.Context})
		if err != nil {
			b.Fatal(err)
		}
		for _, mode := range []struct {
			name    string
			entries int
		}{{"warm", defaultCacheEntries}, {"cold", 0}} {
			engine, err := binauthz.NewEngineFromDocumentsWithCache(read("policy.json"), read("attestors.json"), mode.entries)
			if err != nil {
				b.Fatal(err)
			}
			b.Run("evaluate_json/"+pod+"/"+mode.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					out, err := engine.EvaluateJSON(context.Background(), request)
					if err != nil || !bytes.HasPrefix(out, []byte(`{"allowed":true`)) {
						b.Fatalf("%v %.200s", err, out)
					}
				}
			})
			b.Run("answer_review/"+pod+"/"+mode.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					answer, err := engine.AnswerReview(context.Background(), review, attestations, nil, "")
					if err != nil || !answer.Allowed {
						b.Fatalf("%v %+v", err, answer)
					}
				}
			})
			engine.Close()
			c, err := parseFlags([]string{"--tls-cert", filepath.Join(dir, "tls.crt"), "--tls-key", filepath.Join(dir, "tls.key"),
				"--policy", filepath.Join(dir, "policy.json"), "--attestors", filepath.Join(dir, "attestors.json"),
				"--attestations-dir", filepath.Join(dir, "attestations"), "--cache-entries", strconv.Itoa(mode.entries)}, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			s, err := newServer(ctx, c, newLogger(io.Discard), io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			handler := s.routes()
			b.Run("handler/"+pod+"/"+mode.name, func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					w := httptest.NewRecorder()
					handler.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/validate", bytes.NewReader(review)))
					if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), `"allowed":true`) {
						b.Fatalf("%d %.300s", w.Code, w.Body.String())
					}
				}
			})
			s.policy.close()
			cancel()
		}
	}
}
