package binauthz

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkBinding is the price of the Go binding (issue 19): the warm one-image decision of
// criterion's evaluate/warm_1img_1att_p256 (one image, one attestor, one P-256 attestation, the
// verification cache holding the conclusion), over the same bytes
// (benches/fixtures/warm_1img_1att_p256, which benches/tests/bindings.rs keeps equal to the Rust
// scenario). benches/compare.sh reports each sub-benchmark X as go/X, beside criterion's ffi/*
// and json/* (the C ABI and the Rust JSON path) and Node's wasm/*:
//
//   - warm_1img_1att_p256: Engine.Evaluate as a user calls it: the Request (images and
//     attestations as json.RawMessage) encoded by encoding/json, the cgo call, the decision
//     copied out and decoded into a Decision;
//   - evaluate_json_1img_1att_p256: Engine.EvaluateJSON of the request's bytes, no Go JSON: the
//     cgo call and the decision's copy (C.GoBytes) around the C ABI's own time;
//   - marshal_request_1img_1att_p256 and unmarshal_decision_1img_1att_p256: the two encoding/json
//     steps of Evaluate alone;
//   - cgo_call: one cgo call that does nothing (Version), the floor of a crossing.
func BenchmarkBinding(b *testing.B) {
	dir := filepath.Join("..", "..", "benches", "fixtures", "warm_1img_1att_p256")
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			b.Fatal(err)
		}
		return bytes.TrimSpace(data)
	}
	config, requestJSON := read("config.json"), read("request.json")
	var request Request
	if err := json.Unmarshal(requestJSON, &request); err != nil {
		b.Fatal(err)
	}
	engine, err := NewEngine(config)
	if err != nil {
		b.Fatal(err)
	}
	defer engine.Close()
	ctx := context.Background()
	// The first evaluation verifies and fills the cache; every timed one is answered from it.
	for i := 0; i < 2; i++ {
		d, err := engine.Evaluate(ctx, &request)
		if err != nil || !d.Allowed {
			b.Fatalf("the scenario is not admitted: %v %.300s", err, d.JSON)
		}
		if i == 1 && d.Diagnostics.CacheHits != 1 {
			b.Fatalf("not warm: %.300s", d.JSON)
		}
	}
	raw, err := engine.EvaluateJSON(ctx, requestJSON)
	if err != nil {
		b.Fatal(err)
	}

	b.Run("warm_1img_1att_p256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d, err := engine.Evaluate(ctx, &request)
			if err != nil || !d.Allowed {
				b.Fatal(err)
			}
		}
	})
	b.Run("evaluate_json_1img_1att_p256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := engine.EvaluateJSON(ctx, requestJSON); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshal_request_1img_1att_p256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			if _, err := json.Marshal(&request); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("unmarshal_decision_1img_1att_p256", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			d := &Decision{}
			if err := json.Unmarshal(raw, d); err != nil || !d.Allowed {
				b.Fatal(err)
			}
		}
	})
	b.Run("cgo_call", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = Version()
		}
	})
}
