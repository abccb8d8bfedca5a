package binauthz

// The Go types against the JSON Schemas of spec/schema/ (generated from the Rust types,
// spec/README.md §8.6): every conformance decision and request decodes into them with unknown
// fields refused, a request decoded and encoded again is decided the same, and their json tags
// name exactly the schemas' properties, recursively, with compatible types.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// schemaDir is spec/schema of the repository.
var schemaDir = filepath.Join("..", "..", "spec", "schema")

// decodeStrictly decodes data into v, refusing fields v does not name and trailing data.
func decodeStrictly(data []byte, v interface{}) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("trailing data after the JSON value")
	}
	return nil
}

// withoutDiagnostics is a decision's JSON without its diagnostics, which count work (a warm
// engine reports hits where a cold one reports misses) and are not part of the outcome.
func withoutDiagnostics(t *testing.T, raw []byte) interface{} {
	var v map[string]interface{}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	delete(v, "diagnostics")
	return v
}

func TestConformanceShapesDecodeStrictly(t *testing.T) {
	ctx := context.Background()
	decisions, requests := 0, 0
	for _, c := range loadCases(t) {
		name := filepath.Base(c.path)
		if _, ok := c.value["expect"]; !ok {
			continue // an error case may break a shape on purpose
		}
		engine, err := NewEngine(c.config)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		raw, err := engine.EvaluateJSON(ctx, c.request)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			engine.Close()
			continue
		}
		var decision Decision
		if err := decodeStrictly(raw, &decision); err != nil {
			t.Errorf("%s: the decision does not decode into Decision: %v\n%s", name, err, raw)
		}
		decisions++
		// The case's request object through the typed Request: nothing may be refused or lost
		// (the request text of a *Text case may be YAML, which the Go types do not read).
		if object, ok := c.value["request"]; ok {
			var req Request
			if err := decodeStrictly(serdeJSON(object), &req); err != nil {
				t.Errorf("%s: the request does not decode into Request: %v", name, err)
			} else if typed, err := engine.Evaluate(ctx, &req); err != nil {
				t.Errorf("%s: the typed request fails: %v", name, err)
			} else if !reflect.DeepEqual(withoutDiagnostics(t, typed.JSON), withoutDiagnostics(t, raw)) {
				t.Errorf("%s: the typed request is decided differently:\n%s\nnot\n%s", name, typed.JSON, raw)
			}
			requests++
		}
		engine.Close()
	}
	if decisions < 200 || requests < 200 {
		t.Fatalf("only %d decisions and %d requests checked", decisions, requests)
	}
	t.Logf("%d decisions and %d requests decoded with unknown fields refused", decisions, requests)
}

// TestEvaluationTimeJudgesKeyExpiry: a PGP key that expires on 2030-01-01 (conformance case
// pgp-expiring-key-before-expiry) verifies at an evaluation time before its expiry, not after it,
// and not without one (the engine reads no clock, spec/README.md §11.3).
func TestEvaluationTimeJudgesKeyExpiry(t *testing.T) {
	var c conformanceCase
	for _, k := range loadCases(t) {
		if strings.HasSuffix(k.path, "-pgp-expiring-key-before-expiry.json") {
			c = k
		}
	}
	if c.config == nil {
		t.Fatal("no conformance case pgp-expiring-key-before-expiry")
	}
	engine, err := NewEngine(c.config)
	if err != nil {
		t.Fatal(err)
	}
	defer engine.Close()
	var req Request
	if err := decodeStrictly(serdeJSON(c.value["request"]), &req); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		time    string
		allowed bool
		reason  string
	}{
		{"2026-06-01T00:00:00Z", true, "attested"},
		{"2029-06-01T00:00:00Z", true, "attested"},
		{"2030-06-01T00:00:00Z", false, "keyExpired"},
		{"", false, "keyExpired"},
	} {
		req.EvaluationTime = tc.time
		d, err := engine.Evaluate(context.Background(), &req)
		if err != nil {
			t.Fatalf("evaluationTime %q: %v", tc.time, err)
		}
		if d.Allowed != tc.allowed || d.Images[0].Reasons[0].Kind != tc.reason {
			t.Errorf("evaluationTime %q: allowed %v, reasons %+v; want %v, %s", tc.time, d.Allowed, d.Images[0].Reasons, tc.allowed, tc.reason)
		}
		if d.Audit.EvaluationTime != tc.time {
			t.Errorf("evaluationTime %q: the audit record says %q", tc.time, d.Audit.EvaluationTime)
		}
	}
	// The engine reads it strictly: an offset instead of Z is refused, naming the field.
	req.EvaluationTime = "2026-06-01T02:00:00+02:00"
	var e *Error
	if _, err := engine.Evaluate(context.Background(), &req); err == nil || !errors.As(err, &e) || e.Code != "invalid" || !strings.Contains(e.Message, "evaluationTime") {
		t.Errorf("an offset time gave %v", err)
	}
}

// boundTypes are the Go types of the schema files; notBound says why a file has none.
var boundTypes = map[string]reflect.Type{
	"decision.schema.json":            reflect.TypeOf(Decision{}),
	"audit-record.schema.json":        reflect.TypeOf(AuditRecord{}),
	"request.schema.json":             reflect.TypeOf(Request{}),
	"cache-stats.schema.json":         reflect.TypeOf(CacheStats{}),
	"extracted.schema.json":           reflect.TypeOf(Extracted{}),
	"attestation-entries.schema.json": reflect.TypeOf(Attestations{}),
	"error-report.schema.json":        reflect.TypeOf(Error{}),
}

var notBound = map[string]string{
	"config.schema.json":            "NewEngine takes the config as a document ([]byte)",
	"test-suite.schema.json":        "policy tests run from the CLI, Rust and WebAssembly; the C ABI has no runner (spec §14)",
	"test-report.schema.json":       "policy tests run from the CLI, Rust and WebAssembly; the C ABI has no runner (spec §14)",
	"platform-response.schema.json": "EvaluatePlatformPolicy returns the core's JSON as it is (json.RawMessage), compared byte for byte with the platform vectors",
	"cv-event.schema.json":          "PlatformCVEvents returns the core's JSON lines as they are (json.RawMessage), compared byte for byte with the platform vectors",
}

func loadSchema(t *testing.T, name string) map[string]interface{} {
	data, err := os.ReadFile(filepath.Join(schemaDir, name))
	if err != nil {
		t.Fatal(err)
	}
	var schema map[string]interface{}
	if err := json.Unmarshal(data, &schema); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return schema
}

func TestGoTypesMatchTheSchemas(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(schemaDir, "*.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) < len(boundTypes)+len(notBound) {
		t.Fatalf("only %d schema files in %s", len(files), schemaDir)
	}
	for _, file := range files {
		name := filepath.Base(file)
		typ, bound := boundTypes[name]
		if !bound {
			if _, ok := notBound[name]; !ok {
				t.Errorf("%s: no Go type is checked against it; add one to boundTypes or say why in notBound", name)
			}
			continue
		}
		root := loadSchema(t, name)
		c := &comparison{root: root, input: name == "request.schema.json"}
		c.object(root, typ, typ.Name())
		for _, problem := range c.problems {
			t.Errorf("%s: %s", name, problem)
		}
		// A guard that the comparison ran at all: the smallest shape (attestation entries) has 4.
		if c.properties < 4 {
			t.Errorf("%s: only %d properties compared", name, c.properties)
		}
		t.Logf("%s: %d properties compared with %s", name, c.properties, typ)
	}
}

// The checker must find a missing field, an extra field, a wrong type and an omitempty on a
// required input field.
func TestTheSchemaComparisonFindsDrift(t *testing.T) {
	root := loadSchema(t, "decision.schema.json")
	type drifted struct {
		CacheHits      uint64 `json:"cacheHits"`
		CacheMisses    string `json:"cacheMisses"`
		CacheHitRatio  uint64 `json:"cacheHitRatio"`
		SignatureCheck uint64 `json:"signatureChecks,omitempty"`
	}
	c := &comparison{root: root, input: true}
	diagnostics := root["$defs"].(map[string]interface{})["Diagnostics"].(map[string]interface{})
	c.object(diagnostics, reflect.TypeOf(drifted{}), "drifted")
	got := strings.Join(c.problems, "\n")
	for _, want := range []string{`"reusedAttestorChecks" has no Go field`, `cacheHitRatio`, `cacheMisses: the schema says integer`, `signatureChecks: omitempty`} {
		if !strings.Contains(got, want) {
			t.Errorf("the comparison did not report %q; it reported:\n%s", want, got)
		}
	}
}

// comparison compares Go types with a root schema and collects what differs.
type comparison struct {
	root       map[string]interface{}
	input      bool // an input shape: a required property must not be omitempty
	problems   []string
	properties int
}

func (c *comparison) problemf(format string, args ...interface{}) {
	c.problems = append(c.problems, fmt.Sprintf(format, args...))
}

// resolve follows a $ref into $defs and unwraps `anyOf: [X, {"type": "null"}]` to X.
func (c *comparison) resolve(s map[string]interface{}) map[string]interface{} {
	for {
		if ref, ok := s["$ref"].(string); ok {
			name := strings.TrimPrefix(ref, "#/$defs/")
			def, ok := c.root["$defs"].(map[string]interface{})[name].(map[string]interface{})
			if !ok {
				c.problemf("unresolvable $ref %s", ref)
				return map[string]interface{}{}
			}
			s = def
			continue
		}
		if arms, ok := s["anyOf"].([]interface{}); ok {
			var rest []map[string]interface{}
			for _, arm := range arms {
				a := arm.(map[string]interface{})
				if a["type"] != "null" {
					rest = append(rest, a)
				}
			}
			if len(rest) == 1 {
				s = rest[0]
				continue
			}
		}
		return s
	}
}

// kinds are the JSON types a schema allows, null left out.
func (c *comparison) kinds(s map[string]interface{}) map[string]bool {
	s = c.resolve(s)
	out := map[string]bool{}
	switch t := s["type"].(type) {
	case string:
		out[t] = true
	case []interface{}:
		for _, x := range t {
			out[x.(string)] = true
		}
	}
	if _, ok := s["const"].(string); ok {
		out["string"] = true
	}
	for _, key := range []string{"oneOf", "anyOf"} {
		arms, _ := s[key].([]interface{})
		for _, arm := range arms {
			for k := range c.kinds(arm.(map[string]interface{})) {
				out[k] = true
			}
		}
	}
	delete(out, "null")
	return out
}

var rawMessage = reflect.TypeOf(json.RawMessage{})

// value compares one Go type with one schema.
func (c *comparison) value(s map[string]interface{}, typ reflect.Type, path string) {
	for typ.Kind() == reflect.Ptr {
		typ = typ.Elem()
	}
	kinds := c.kinds(s)
	want := ""
	switch {
	case typ == rawMessage:
		want = "object" // a document the engine reads (an object, or an occurrence)
	case typ.Kind() == reflect.Struct || typ.Kind() == reflect.Map:
		want = "object"
	case typ.Kind() == reflect.Slice:
		want = "array"
	case typ.Kind() == reflect.String:
		want = "string"
	case typ.Kind() == reflect.Bool:
		want = "boolean"
	case typ.Kind() >= reflect.Int && typ.Kind() <= reflect.Uint64:
		want = "integer"
	default:
		c.problemf("%s: the Go type %s is not compared", path, typ)
		return
	}
	if !kinds[want] {
		var have []string
		for k := range kinds {
			have = append(have, k)
		}
		sort.Strings(have)
		c.problemf("%s: the schema says %s, the Go type %s is %s", path, strings.Join(have, " or "), typ, want)
		return
	}
	resolved := c.resolve(s)
	switch {
	case typ == rawMessage:
	case typ.Kind() == reflect.Struct:
		c.object(resolved, typ, path)
	case typ.Kind() == reflect.Slice:
		if items, ok := resolved["items"].(map[string]interface{}); ok {
			c.value(items, typ.Elem(), path+"[]")
		}
	case typ.Kind() == reflect.Map:
		// A map holds any keys: each property the schema names, or its additionalProperties.
		props, _ := resolved["properties"].(map[string]interface{})
		for name, p := range props {
			c.value(p.(map[string]interface{}), typ.Elem(), path+"."+name)
		}
		if extra, ok := resolved["additionalProperties"].(map[string]interface{}); ok {
			c.value(extra, typ.Elem(), path+"[*]")
		}
	}
}

// object compares a struct's json fields with an object schema's properties, both ways.
func (c *comparison) object(s map[string]interface{}, typ reflect.Type, path string) {
	props, _ := s["properties"].(map[string]interface{})
	required := map[string]bool{}
	list, _ := s["required"].([]interface{})
	for _, name := range list {
		required[name.(string)] = true
	}
	fields := map[string]reflect.StructField{}
	omitempty := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		f := typ.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" || !f.IsExported() {
			continue
		}
		parts := strings.Split(tag, ",")
		name := parts[0]
		if name == "" {
			name = f.Name
		}
		fields[name] = f
		for _, option := range parts[1:] {
			if option == "omitempty" {
				omitempty[name] = true
			}
		}
	}
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		f, ok := fields[name]
		if !ok {
			c.problemf("%s: the schema's property %q has no Go field", path, name)
			continue
		}
		c.properties++
		if c.input && required[name] && omitempty[name] {
			c.problemf("%s.%s: omitempty, but the schema requires it", path, name)
		}
		c.value(props[name].(map[string]interface{}), f.Type, path+"."+name)
	}
	for name, f := range fields {
		if _, ok := props[name]; !ok {
			c.problemf("%s: the Go field %s (json %q) is not in the schema", path, f.Name, name)
		}
	}
}
