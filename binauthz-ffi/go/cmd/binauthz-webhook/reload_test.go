package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

// An engine replaced by a reload is closed only once the requests that started on it are done;
// meanwhile new requests get the new engine without waiting.
func TestRetireWaitsForRequests(t *testing.T) {
	m := newMetrics()
	p := &policyHolder{cacheEntries: defaultCacheEntries, log: newLogger(&syncBuffer{}), metrics: m}
	compile := func(policy string) *engineState {
		engine, err := compileEngine([]byte(policy), nil, defaultCacheEntries)
		if err != nil {
			t.Fatal(err)
		}
		return newEngineState(engine, "", policy)
	}
	first := compile(alwaysDeny)
	p.swap(first)
	held := p.acquire()
	if held != first {
		t.Fatal("acquire did not return the state in service")
	}
	second := compile(strings.Replace(alwaysDeny, "ALWAYS_DENY", "ALWAYS_ALLOW", 1))
	swapped := make(chan struct{})
	go func() { p.swap(second); close(swapped) }()

	// The swap is in service before the old state is retired: new requests get it at once.
	waitFor(t, "the new state", func() (bool, string) { return p.cur.Load() == second, "" })
	st := p.acquire()
	if st != second {
		t.Fatal("a new request did not get the new state")
	}
	st.release()
	select {
	case <-swapped:
		t.Fatal("the old engine was retired while a request held it")
	default:
	}
	// The held engine still evaluates.
	review := review("admission.k8s.io/v1", "u", "default", pod(nil, api))
	if answer, err := held.engine.AnswerReview(context.Background(), review, nil, nil, ""); err != nil || answer.Allowed {
		t.Fatalf("the held engine: %v %+v", err, answer)
	}
	held.release()
	<-swapped
	if _, err := first.engine.CacheStats(); !errors.Is(err, binauthz.ErrClosed) {
		t.Fatalf("the retired engine is not closed: %v", err)
	}
	p.close()
	if _, err := second.engine.CacheStats(); !errors.Is(err, binauthz.ErrClosed) {
		t.Fatalf("close left the engine open: %v", err)
	}
	if p.acquire() != nil {
		t.Fatal("acquire after close")
	}
}

// A server whose policy does not compile starts unready and refuses every review, until the
// policy is fixed.
func TestStartsUnready(t *testing.T) {
	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	config := newMount(t, map[string][]byte{"policy.yaml": []byte(brokenPolicy), "cluster": []byte("us-east1.prod\n")})
	in := start(t, "--tls-cert", secret.path("tls.crt"), "--tls-key", secret.path("tls.key"),
		"--policy", config.path("policy.yaml"), "--cluster-file", config.path("cluster"), "--reload-interval", "50ms")
	c := client(t, certPEM)
	if code, body := get(t, c, in.url+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, "SOMETIMES") {
		t.Fatalf("/readyz: %d %s", code, body)
	}
	_, res := post(t, c, in.url+"/validate", review("admission.k8s.io/v1", "u1", "default", pod(nil, api)))
	if res.Response.Allowed || res.Response.UID != "u1" || !strings.Contains(res.message(), "no policy is in service") {
		t.Fatalf("unready review: %+v %q", res.Response, res.message())
	}
	if l := find(in.stderr.lines(t), func(l map[string]interface{}) bool { return l["severity"] == "CRITICAL" }); l == nil {
		t.Fatalf("no CRITICAL line:\n%s", in.stderr)
	}

	config.update(map[string][]byte{"policy.yaml": []byte(alwaysDeny), "cluster": []byte("us-east1.prod\n")})
	waitFor(t, "readiness", func() (bool, string) {
		code, body := get(t, c, in.url+"/readyz")
		return code == http.StatusOK && strings.Contains(body, `"cluster": "us-east1.prod"`), body
	})
	_, res = post(t, c, in.url+"/validate", review("admission.k8s.io/v1", "u2", "default", pod(nil, api)))
	if res.Response.Allowed || res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden {
		t.Fatalf("ready review: %+v %q", res.Response, res.message())
	}
	// The cluster from the file reaches the decision.
	l := find(in.stdout.lines(t), func(l map[string]interface{}) bool { return l["review"].(map[string]interface{})["uid"] == "u2" })
	if l == nil || l["audit"].(map[string]interface{})["context"].(map[string]interface{})["cluster"] != "us-east1.prod" {
		t.Fatalf("audit line: %v", l)
	}
}

// --cache-entries sizes the engine's verification cache (0 turns it off); a policy's own errors
// are reported as they are.
func TestCacheEntries(t *testing.T) {
	policyYAML, attestorsYAML := read(t, "examples", "policy.yaml"), read(t, "examples", "attestors.yaml")
	for _, entries := range []int{0, 7} {
		engine, err := compileEngine(policyYAML, attestorsYAML, entries)
		if err != nil {
			t.Fatalf("%d: %v", entries, err)
		}
		stats, err := engine.CacheStats()
		engine.Close()
		if err != nil || stats.Capacity != uint64(entries) {
			t.Fatalf("%d: %v %+v", entries, err, stats)
		}
	}
	if _, err := compileEngine([]byte(brokenPolicy), nil, 7); err == nil || !strings.Contains(err.Error(), "SOMETIMES") {
		t.Fatalf("broken policy: %v", err)
	}
}

// With --shutdown-delay, SIGTERM (here: the context) first makes /readyz fail while reviews are
// still answered, so that the Service stops sending them before the listener closes.
func TestShutdownDelayKeepsServingWhileUnready(t *testing.T) {
	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	config := newMount(t, map[string][]byte{"policy.yaml": []byte(alwaysDeny)})
	in := start(t, "--tls-cert", secret.path("tls.crt"), "--tls-key", secret.path("tls.key"),
		"--policy", config.path("policy.yaml"), "--shutdown-delay", "5s")
	c := client(t, certPEM)
	stopped := make(chan error, 1)
	go func() { stopped <- in.stop() }()
	waitFor(t, "the unready line", func() (bool, string) {
		return strings.Contains(in.stderr.String(), "unready; serving until the delay ends"), in.stderr.String()
	})
	if code, body := get(t, c, in.url+"/readyz"); code != http.StatusServiceUnavailable || !strings.Contains(body, `"stopping": true`) {
		t.Fatalf("/readyz during the delay: %d %s", code, body)
	}
	if _, res := post(t, c, in.url+"/validate", review("admission.k8s.io/v1", "late", "default", pod(nil, api))); res.Response.UID != "late" ||
		res.Response.Allowed || res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden {
		t.Fatalf("a review during the delay: %+v", res.Response)
	}
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
}

// A Container Analysis project that is not a project ID stops the start, rather than refusing
// every review later.
func TestABadProjectStopsTheStart(t *testing.T) {
	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	config := newMount(t, map[string][]byte{"policy.yaml": []byte(alwaysDeny), "token": []byte("t")})
	err := run(context.Background(), []string{"--listen", "127.0.0.1:0", "--tls-cert", secret.path("tls.crt"),
		"--tls-key", secret.path("tls.key"), "--policy", config.path("policy.yaml"),
		"--containeranalysis-projects", "acme,projects/acme", "--token-file", config.path("token")}, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), `"projects/acme" is not a project ID`) {
		t.Fatalf("run: %v", err)
	}
}

// A policy file swapped for something larger than any document the engine reads is not read
// whole: the reload fails, naming the file and the bound, and the policy in service stays.
func TestAHugePolicyFileIsRefusedUnread(t *testing.T) {
	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	config := newMount(t, map[string][]byte{"policy.yaml": []byte(alwaysDeny)})
	in := start(t, "--tls-cert", secret.path("tls.crt"), "--tls-key", secret.path("tls.key"),
		"--policy", config.path("policy.yaml"), "--reload-interval", "50ms")
	c := client(t, certPEM)
	config.update(map[string][]byte{"policy.yaml": append([]byte(alwaysDeny+"#"), make([]byte, maxFileBytes)...)})
	waitFor(t, "the failed reload", func() (bool, string) {
		code, body := get(t, c, in.url+"/readyz")
		return code == http.StatusOK && strings.Contains(body, "policy.yaml: larger than 8388608 bytes"), body
	})
	_, res := post(t, c, in.url+"/validate", review("admission.k8s.io/v1", "u", "default", pod(nil, api)))
	if res.Response.Allowed || res.Response.Status == nil || res.Response.Status.Code != http.StatusForbidden {
		t.Fatalf("the policy in service should still deny: %+v", res.Response)
	}
}
