package sources

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestTokenFileRotation(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "token")
	write := func(name, content string) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("token", "first-token\n")
	src := TokenFile(path)
	for i := 0; i < 2; i++ {
		if got, err := src.Token(context.Background()); err != nil || got != "first-token" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	// Rewritten in place with the same size: the modification time tells (set explicitly, as
	// a fast rewrite may keep the time).
	write("token", "other-token\n")
	later := time.Now().Add(time.Hour)
	if err := os.Chtimes(path, later, later); err != nil {
		t.Fatal(err)
	}
	if got, err := src.Token(context.Background()); err != nil || got != "other-token" {
		t.Fatalf("after rewrite: %q, %v", got, err)
	}

	// Projected-volume style: token -> ..data/token, and ..data swapped to a new directory.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"..v1", "..v2"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	write("..v1/token", "token-v1")
	write("..v2/token", "token-v2") // same size, same directory listing: only the target differs
	stamp := time.Now()
	for _, f := range []string{"..v1/token", "..v2/token"} {
		_ = os.Chtimes(filepath.Join(dir, f), stamp, stamp)
	}
	if err := os.Symlink("..v1", filepath.Join(dir, "..data")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("..data/token", path); err != nil {
		t.Fatal(err)
	}
	if got, err := src.Token(context.Background()); err != nil || got != "token-v1" {
		t.Fatalf("v1: %q, %v", got, err)
	}
	swapSymlink(t, filepath.Join(dir, "..data"), "..v2")
	if got, err := src.Token(context.Background()); err != nil || got != "token-v2" {
		t.Fatalf("v2: %q, %v", got, err)
	}
}

// swapSymlink points link at target atomically, as the kubelet does (a new link renamed over
// the old one).
func swapSymlink(t *testing.T, link, target string) {
	t.Helper()
	tmp := link + ".tmp"
	if err := os.Symlink(target, tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, link); err != nil {
		t.Fatal(err)
	}
}

func TestTokenFileErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := TokenFile(filepath.Join(dir, "missing")).Token(context.Background())
	mustError(t, err, "token file", "missing")

	empty := filepath.Join(dir, "empty")
	_ = os.WriteFile(empty, []byte(" \n"), 0o600)
	_, err = TokenFile(empty).Token(context.Background())
	mustError(t, err, "the token is empty")

	bad := filepath.Join(dir, "bad")
	_ = os.WriteFile(bad, []byte("abc def-secret"), 0o600)
	_, err = TokenFile(bad).Token(context.Background())
	mustError(t, err, "not allowed in an HTTP header at byte 3")
	if strings.Contains(err.Error(), "def-secret") {
		t.Errorf("the token is in %q", err)
	}

	big := filepath.Join(dir, "big")
	_ = os.WriteFile(big, []byte(strings.Repeat("a", maxTokenBytes+1)), 0o600)
	_, err = TokenFile(big).Token(context.Background())
	mustError(t, err, "larger than 65536 bytes")
}

// fakeMetadata is a metadata server handing out numbered tokens.
type fakeMetadata struct {
	expiresIn int
	tokenType string
	fetches   atomic.Int64
	gate      chan struct{} // when set, each fetch waits for it
}

func (f *fakeMetadata) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/computeMetadata/v1/instance/service-accounts/default/token" {
		http.NotFound(w, r)
		return
	}
	if r.Header.Get("Metadata-Flavor") != "Google" {
		http.Error(w, "Missing Metadata-Flavor:Google header.", http.StatusForbidden)
		return
	}
	n := f.fetches.Add(1)
	if f.gate != nil {
		<-f.gate
	}
	w.Header().Set("Metadata-Flavor", "Google")
	fmt.Fprintf(w, `{"access_token":"token-%d","expires_in":%d,"token_type":%q}`, n, f.expiresIn, f.tokenType)
}

func newMetadata(t *testing.T, f *fakeMetadata) *metadataToken {
	server := httptest.NewServer(f)
	t.Cleanup(server.Close)
	return MetadataToken(server.URL + "/").(*metadataToken)
}

func TestMetadataTokenCachedUntilExpiry(t *testing.T) {
	f := &fakeMetadata{expiresIn: 3599, tokenType: "Bearer"}
	m := newMetadata(t, f)
	now := time.Now()
	m.now = func() time.Time { return now }
	for i := 0; i < 3; i++ {
		if got, err := m.Token(context.Background()); err != nil || got != "token-1" {
			t.Fatalf("got %q, %v", got, err)
		}
	}
	// Still used just before the margin; refreshed within it (5 minutes before expiry).
	now = now.Add(3599*time.Second - metadataTokenMargin - time.Second)
	if got, _ := m.Token(context.Background()); got != "token-1" {
		t.Errorf("before the margin: %q", got)
	}
	now = now.Add(time.Second)
	if got, _ := m.Token(context.Background()); got != "token-2" {
		t.Errorf("within the margin: %q", got)
	}
	if n := f.fetches.Load(); n != 2 {
		t.Errorf("%d fetches", n)
	}
}

func TestMetadataTokenShortLived(t *testing.T) {
	// A token without a lifetime is never reused.
	f := &fakeMetadata{expiresIn: 0, tokenType: "Bearer"}
	m := newMetadata(t, f)
	_, _ = m.Token(context.Background())
	if got, err := m.Token(context.Background()); err != nil || got != "token-2" {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestMetadataTokenOneFetchAtATime(t *testing.T) {
	f := &fakeMetadata{expiresIn: 3599, gate: make(chan struct{})}
	m := newMetadata(t, f)
	const callers = 8
	var wg sync.WaitGroup
	got := make([]string, callers)
	for i := 0; i < callers; i++ {
		i := i
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i], _ = m.Token(context.Background())
		}()
	}
	// One fetch reached the server (and waits for the gate) while every other caller waits
	// for it; only then does the server answer. (Should a second fetch reach the server, the
	// wait ends and the count below fails.)
	for n := f.fetches.Load(); n == 0 || n == 1 && m.waiting.Load() < callers-1; n = f.fetches.Load() {
		time.Sleep(time.Millisecond)
	}
	close(f.gate)
	wg.Wait()
	for i, g := range got {
		if g != "token-1" {
			t.Errorf("caller %d got %q", i, g)
		}
	}
	if n := f.fetches.Load(); n != 1 {
		t.Errorf("%d fetches for %d concurrent callers", n, callers)
	}
}

func TestMetadataTokenErrors(t *testing.T) {
	m := newMetadata(t, &fakeMetadata{expiresIn: 60, tokenType: "MAC"})
	_, err := m.Token(context.Background())
	mustError(t, err, "metadata server: GET http://", `token_type is "MAC"`)

	m = newMetadata(t, &fakeMetadata{expiresIn: -1})
	_, err = m.Token(context.Background())
	mustError(t, err, "expires_in is -1 seconds")

	// Without the header the real server refuses; so does the fake (the header is sent, so
	// this checks the fake, through a client that drops it).
	server := httptest.NewServer(&fakeMetadata{})
	defer server.Close()
	resp, err := http.Get(server.URL + "/computeMetadata/v1/instance/service-accounts/default/token")
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("fake without the header: %v %v", resp, err)
	}
	resp.Body.Close()

	m = MetadataToken(server.URL + "/nowhere").(*metadataToken)
	_, err = m.Token(context.Background())
	mustError(t, err, "metadata server: GET "+server.URL+"/nowhere/computeMetadata", "404 Not Found")

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	m = newMetadata(t, &fakeMetadata{expiresIn: 60})
	m.sem <- struct{}{} // a fetch in progress
	_, err = m.Token(ctx)
	mustError(t, err, "metadata server: waiting for the token: context canceled")
}

func TestMetadataTokenDefaultEndpoint(t *testing.T) {
	m := MetadataToken("").(*metadataToken)
	if want := "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"; m.url != want {
		t.Errorf("url %q", m.url)
	}
}
