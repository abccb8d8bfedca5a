package binauthz

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// casesDir is spec/conformance/cases, or BINAUTHZ_CONFORMANCE_CASES (freshly generated vectors).
func casesDir() string {
	if dir := os.Getenv("BINAUTHZ_CONFORMANCE_CASES"); dir != "" {
		return dir
	}
	return filepath.Join("..", "..", "spec", "conformance", "cases")
}

type conformanceCase struct {
	path    string
	value   map[string]interface{}
	config  []byte
	request []byte
}

// serdeJSON writes v as serde_json's Value::to_string does: compact, keys sorted, no HTML escapes.
func serdeJSON(v interface{}) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		panic(err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

// documentText is the object serialized as JSON, or the *Text string as it is (spec §9).
func documentText(c map[string]interface{}, object, text string) ([]byte, bool) {
	o, hasObject := c[object]
	t, hasText := c[text]
	switch {
	case hasObject && !hasText:
		return serdeJSON(o), true
	case hasText && !hasObject:
		s, ok := t.(string)
		return []byte(s), ok
	}
	return nil, false
}

func loadCases(t testing.TB) []conformanceCase {
	paths, err := filepath.Glob(filepath.Join(casesDir(), "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(paths)
	if len(paths) < 60 {
		t.Fatalf("only %d conformance cases in %s", len(paths), casesDir())
	}
	var cases []conformanceCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		c := conformanceCase{path: p}
		if err := dec.Decode(&c.value); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		var ok1, ok2 bool
		c.config, ok1 = documentText(c.value, "config", "configText")
		c.request, ok2 = documentText(c.value, "request", "requestText")
		if !ok1 || !ok2 {
			t.Fatalf("%s: needs config/configText and request/requestText", p)
		}
		cases = append(cases, c)
	}
	return cases
}

func field(v interface{}, key string) interface{} {
	if m, ok := v.(map[string]interface{}); ok {
		return m[key]
	}
	return nil
}

// observedImage is the fields of an image decision a case may pin, in the case's shape
// (observed_image in binauthz-core/tests/conformance.rs).
func observedImage(image, expected map[string]interface{}) map[string]interface{} {
	kinds := []string{}
	seen := map[string]bool{}
	for _, r := range image["reasons"].([]interface{}) {
		k := field(r, "kind").(string)
		if !seen[k] {
			seen[k] = true
			kinds = append(kinds, k)
		}
	}
	sort.Strings(kinds)
	kindList := make([]interface{}, len(kinds))
	for i, k := range kinds {
		kindList[i] = k
	}
	out := map[string]interface{}{
		"image":       image["image"],
		"verdict":     image["verdict"],
		"stage":       image["stage"],
		"reasonKinds": kindList,
	}
	if _, ok := expected["rule"]; ok {
		if rule, ok := image["rule"].(map[string]interface{}); ok {
			out["rule"] = map[string]interface{}{"kind": rule["kind"], "key": rule["key"]}
		} else {
			out["rule"] = nil
		}
	}
	if _, ok := expected["matchedPattern"]; ok {
		out["matchedPattern"] = image["matchedPattern"]
	}
	if _, ok := expected["verifiedBy"]; ok {
		verified := []interface{}{}
		for _, a := range image["attestors"].([]interface{}) {
			by := field(a, "verifiedBy")
			if by == nil {
				continue
			}
			verified = append(verified, map[string]interface{}{"attestor": field(a, "attestor"), "keyId": field(by, "keyId")})
		}
		sort.Slice(verified, func(i, j int) bool {
			return string(serdeJSON(verified[i])) < string(serdeJSON(verified[j]))
		})
		out["verifiedBy"] = verified
	}
	return out
}

// normalize round-trips v through JSON so that observed and expected values compare with
// reflect.DeepEqual.
func normalize(v interface{}) interface{} {
	var out interface{}
	if err := json.Unmarshal(serdeJSON(v), &out); err != nil {
		panic(err)
	}
	return out
}

func runCase(c conformanceCase) error {
	expect, hasExpect := c.value["expect"].(map[string]interface{})
	expectError, hasError := c.value["expectError"].(map[string]interface{})
	if hasExpect == hasError {
		return errors.New("case needs exactly one of `expect` and `expectError`")
	}
	ctx := context.Background()
	var decision *Decision
	engine, err := NewEngine(c.config)
	if err == nil {
		defer engine.Close()
		// The case's own request text (it may be YAML), decoded into the typed Decision as
		// Evaluate does, so that every decision shape exercises the Go types too.
		var raw []byte
		raw, err = engine.EvaluateJSON(ctx, c.request)
		if err == nil {
			decision = &Decision{}
			if uerr := json.Unmarshal(raw, decision); uerr != nil {
				return uerr
			}
			decision.JSON = raw
		}
	}
	if hasExpect {
		if err != nil {
			return errorf("expected a decision, got error: %v", err)
		}
		var got map[string]interface{}
		if err := json.Unmarshal(decision.JSON, &got); err != nil {
			return err
		}
		// The same decision, byte for byte, with the signatures verified on two threads
		// (spec/README.md §7.3).
		threaded, terr := NewEngine(c.config)
		if terr != nil {
			return terr
		}
		defer threaded.Close()
		if terr := threaded.SetVerifyThreads(2); terr != nil {
			return terr
		}
		if again, terr := threaded.EvaluateJSON(ctx, c.request); terr != nil || !bytes.Equal(again, decision.JSON) {
			return errorf("two verification threads decide otherwise (%v):\n%s", terr, again)
		}
		if !reflect.DeepEqual(got["allowed"], expect["allowed"]) || decision.Allowed != got["allowed"] {
			return errorf("allowed: expected %v, got %v\n%s", expect["allowed"], got["allowed"], decision.JSON)
		}
		want := expect["images"].([]interface{})
		have := got["images"].([]interface{})
		if len(want) != len(have) {
			return errorf("expected %d images, got %d", len(want), len(have))
		}
		for i := range want {
			w := want[i].(map[string]interface{})
			observed := normalize(observedImage(have[i].(map[string]interface{}), w))
			if !reflect.DeepEqual(observed, normalize(w)) {
				return errorf("image %d: expected\n%s\ngot\n%s", i, serdeJSON(w), serdeJSON(observed))
			}
			if decision.Images[i].Image != have[i].(map[string]interface{})["image"] {
				return errorf("image %d: typed decision differs", i)
			}
		}
		// Each text of notesContain is part of one of the decision's notes (spec §9).
		wantNotes, _ := expect["notesContain"].([]interface{})
		for _, text := range wantNotes {
			found := false
			for _, note := range decision.Notes {
				if strings.Contains(note, text.(string)) {
					found = true
				}
			}
			if !found {
				return errorf("no note contains %q: %q", text, decision.Notes)
			}
		}
		return nil
	}
	if err == nil {
		return errorf("expected an error, got a decision:\n%s", decision.JSON)
	}
	var e *Error
	if !errors.As(err, &e) {
		return errorf("expected a *binauthz.Error, got %T: %v", err, err)
	}
	stage, code := expectError["stage"].(string), expectError["code"].(string)
	contains, _ := expectError["messageContains"].(string)
	if e.Stage != stage || e.Code != code || !strings.Contains(e.Message, contains) {
		return errorf("expected %s error %s containing %q, got %s error %s: %s", stage, code, contains, e.Stage, e.Code, e.Message)
	}
	return nil
}

type caseError string

func (e caseError) Error() string { return string(e) }

func errorf(format string, args ...interface{}) error {
	return caseError(strings.TrimSpace(fmt.Sprintf(format, args...)))
}

func TestConformance(t *testing.T) {
	cases := loadCases(t)
	failed := 0
	for _, c := range cases {
		if err := runCase(c); err != nil {
			failed++
			t.Errorf("%s: %v", filepath.Base(c.path), err)
		}
	}
	t.Logf("%d passed, %d failed", len(cases)-failed, failed)
}

// 16 goroutines share one engine per case; every decision must equal the sequential one. Run
// with -race.
func TestConcurrentEvaluation(t *testing.T) {
	type shared struct {
		engine  *Engine
		request []byte
		want    []byte
	}
	var all []shared
	ctx := context.Background()
	for _, c := range loadCases(t) {
		if _, ok := c.value["expect"]; !ok || len(all) == 24 {
			continue
		}
		engine, err := NewEngine(c.config)
		if err != nil {
			t.Fatal(err)
		}
		defer engine.Close()
		want, err := engine.EvaluateJSON(ctx, c.request)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, shared{engine, c.request, want})
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := 0; g < 16; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for round := 0; round < 3; round++ {
				for i := range all {
					s := all[(i+g)%len(all)]
					got, err := s.engine.EvaluateJSON(ctx, s.request)
					if err != nil || !bytes.Equal(outcome(got), outcome(s.want)) {
						errs <- errorf("goroutine %d: decision differs (err %v)", g, err)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// outcome is a decision's JSON without its trailing "diagnostics" member (cache counters, which
// differ between a cold and a warm engine; spec/README.md §7.1).
func outcome(decision []byte) []byte {
	if i := bytes.Index(decision, []byte(`,"diagnostics":{`)); i >= 0 {
		return decision[:i]
	}
	return decision
}

const denyAll = `{"policy": {"defaultAdmissionRule": {"evaluationMode": "ALWAYS_DENY", "enforcementMode": "ENFORCED_BLOCK_AND_AUDIT_LOG"}}}`

func TestErrors(t *testing.T) {
	ctx := context.Background()
	_, err := NewEngine([]byte(`{"policy": {}, "bogus": 1}`))
	var e *Error
	if !errors.As(err, &e) || e.Code != "invalid" || e.Stage != "config" || e.Status != StatusInvalid ||
		!strings.HasPrefix(e.Message, "invalid config: ") || !strings.Contains(e.Message, "bogus") {
		t.Fatalf("bad config: %#v", err)
	}
	if _, err := NewEngine(nil); !errors.As(err, &e) || e.Code != "syntax" {
		t.Fatalf("empty config: %v", err)
	}
	if _, err := NewEngine([]byte("{\"policy\": \"\xff\"}")); !errors.As(err, &e) || e.Code != "syntax" ||
		!strings.Contains(e.Message, "UTF-8") {
		t.Fatalf("config not UTF-8: %v", err)
	}
	engine, err := NewEngine([]byte(denyAll))
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	if _, err := engine.Evaluate(ctx, &Request{}); !errors.As(err, &e) || e.Code != "invalid" ||
		e.Stage != "request" || !strings.HasPrefix(e.Message, "invalid request: ") {
		t.Fatalf("empty request: %v", err)
	}
	huge := bytes.Repeat([]byte(" "), 9<<20)
	if _, err := engine.EvaluateJSON(ctx, huge); !errors.As(err, &e) || e.Code != "limit" {
		t.Fatalf("huge request: %v", err)
	}
	canceled, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := engine.Evaluate(canceled, &Request{Images: []string{"gcr.io/p/a:1"}}); !errors.Is(err, context.Canceled) {
		t.Fatalf("canceled context: %v", err)
	}
	d, err := engine.Evaluate(ctx, &Request{Images: []string{"gcr.io/p/a:1"}, Context: &Context{Namespace: "ns"}})
	if err != nil || d.Allowed || d.Images[0].Verdict != VerdictDenied || d.Images[0].Reasons[0].Kind != "alwaysDeny" ||
		d.Images[0].Rule == nil || d.Images[0].Rule.Kind != "default" || d.Audit.Context.Namespace != "ns" {
		t.Fatalf("deny-all decision: %v %+v", err, d)
	}
	if err := engine.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := engine.Evaluate(ctx, &Request{Images: []string{"gcr.io/p/a:1"}}); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
	if StatusPanic.String() != "panic" || Status(42).String() != "unknown" {
		t.Fatal("status names")
	}
}

func TestCloseWhileEvaluating(t *testing.T) {
	engine, err := NewEngine([]byte(denyAll))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				_, err := engine.Evaluate(context.Background(), &Request{Images: []string{"gcr.io/p/a:1"}})
				if errors.Is(err, ErrClosed) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	time.Sleep(time.Millisecond)
	engine.Close()
	wg.Wait()
}

func TestSetVerifyThreads(t *testing.T) {
	engine, err := NewEngine([]byte(denyAll))
	if err != nil {
		t.Fatal(err)
	}
	if err := engine.SetVerifyThreads(-1); err == nil {
		t.Error("SetVerifyThreads(-1) was accepted")
	}
	for _, n := range []int{0, 1, 8, 1 << 20} {
		if err := engine.SetVerifyThreads(n); err != nil {
			t.Errorf("SetVerifyThreads(%d): %v", n, err)
		}
	}
	engine.Close()
	if err := engine.SetVerifyThreads(2); !errors.Is(err, ErrClosed) {
		t.Errorf("SetVerifyThreads after Close: %v", err)
	}
}

func TestFinalizerFreesAnUnclosedEngine(t *testing.T) {
	before := finalized.Load()
	func() {
		if _, err := NewEngine([]byte(denyAll)); err != nil {
			t.Fatal(err)
		}
	}()
	for i := 0; i < 100 && finalized.Load() == before; i++ {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if finalized.Load() == before {
		t.Fatal("the finalizer did not free the engine")
	}
}

func TestSignaturePayload(t *testing.T) {
	digest := "sha256:d64c6b66b20c10c1330b90ca360b7cff9bdb3337895067ebfa09caa2f8f80e98"
	got, err := CreateSignaturePayload("https://us-docker.pkg.dev/acme/app:1.0@" + digest)
	want := "{\n  \"critical\": {\n    \"identity\": {\n      \"docker-reference\": \"us-docker.pkg.dev/acme/app\"\n    },\n" +
		"    \"image\": {\n      \"docker-manifest-digest\": \"" + digest + "\"\n    },\n" +
		"    \"type\": \"Google cloud binauthz container signature\"\n  }\n}\n"
	if err != nil || string(got) != want {
		t.Fatalf("payload: %v %q", err, got)
	}
	var e *Error
	if _, err := CreateSignaturePayload("gcr.io/p/app:1"); !errors.As(err, &e) || e.Code != "invalid" {
		t.Fatalf("no digest: %v", err)
	}
	if _, err := CreateSignaturePayload("gcr.io/p/app\x00@" + digest); !errors.As(err, &e) || e.Code != "invalid" {
		t.Fatalf("NUL: %v", err)
	}
	if Version() == "" {
		t.Fatal("empty version")
	}
}

func TestExtractImages(t *testing.T) {
	review, err := os.ReadFile(filepath.Join("..", "..", "spec", "kubernetes", "admission-review.json"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := ExtractImages(review)
	if err != nil {
		t.Fatal(err)
	}
	if x.Kind != "Pod" || len(x.Images) != 2 || x.Containers[1].Type != "CONTAINER" ||
		x.Context.Namespace != "payments" || x.Context.ServiceAccount != "payments" || x.Context.Breakglass {
		t.Fatalf("extracted %+v", x)
	}
	var e *Error
	if _, err := ExtractImages([]byte(`{"kind": "Service"}`)); !errors.As(err, &e) || e.Code != "invalid" || e.Stage != "request" ||
		len(e.Errors) != 1 || e.Errors[0].Document != "Kubernetes object" {
		t.Fatalf("Service: %v", err)
	}
}

// The verification cache (spec/README.md §7.1) never changes a decision: an engine without one,
// with the default one and with a small one decide alike, and only the counters differ.
func TestVerificationCache(t *testing.T) {
	ctx := context.Background()
	for _, c := range loadCases(t) {
		if _, ok := c.value["expect"]; !ok {
			continue
		}
		uncached, err := NewEngineWithCache(c.config, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer uncached.Close()
		reference, err := uncached.EvaluateJSON(ctx, c.request)
		if err != nil {
			t.Fatal(err)
		}
		checks := diagnostics(t, reference).CacheMisses
		if checks == 0 {
			continue // no signature to verify: nothing to cache
		}
		for _, entries := range []int{-1, 0, 1, 1000} {
			engine, err := NewEngine(c.config)
			capacity := uint64(10000)
			if entries >= 0 {
				engine, err = NewEngineWithCache(c.config, entries)
				capacity = uint64(entries)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer engine.Close()
			first, err1 := engine.EvaluateJSON(ctx, c.request)
			second, err2 := engine.EvaluateJSON(ctx, c.request)
			if err1 != nil || err2 != nil || !bytes.Equal(outcome(first), outcome(reference)) ||
				!bytes.Equal(outcome(second), outcome(reference)) {
				t.Fatalf("%s, %d entries: decisions differ from the uncached one (%v, %v)", c.path, entries, err1, err2)
			}
			d := diagnostics(t, second)
			bigEnough := entries < 0 || uint64(entries) >= checks
			if d.CacheHits+d.CacheMisses != checks || (entries == 0 && d.CacheHits != 0) || (bigEnough && d.CacheHits != checks) {
				t.Fatalf("%s, %d entries: second evaluation %+v after %d checks", c.path, entries, d, checks)
			}
			stats, err := engine.CacheStats()
			if err != nil || stats.Capacity != capacity || stats.Hits != d.CacheHits ||
				stats.Misses != checks+d.CacheMisses || stats.Entries > capacity {
				t.Fatalf("%s, %d entries: stats %+v (%v)", c.path, entries, stats, err)
			}
		}
		engine, _ := NewEngine(c.config)
		engine.Close()
		if _, err := engine.CacheStats(); err != ErrClosed {
			t.Fatalf("CacheStats after Close: %v", err)
		}
		if _, err := NewEngineWithCache(c.config, -1); err == nil {
			t.Fatal("a negative cache size was accepted")
		}
		return // one case with signatures is enough
	}
	t.Fatal("no conformance case verifies a signature")
}

func diagnostics(t *testing.T, decision []byte) Diagnostics {
	t.Helper()
	var d Decision
	if err := json.Unmarshal(decision, &d); err != nil {
		t.Fatalf("decision: %v", err)
	}
	return d.Diagnostics
}
