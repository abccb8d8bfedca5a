package sources

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// TokenSource gives the OAuth 2.0 access token (bearer token) to call Google APIs with. It is
// called from concurrent lookups. Errors must not contain the token.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// maxTokenBytes bounds a token file and a metadata server answer: access tokens are a few
// kilobytes at most, so anything larger is not one.
const maxTokenBytes = 64 << 10

// checkToken refuses a token that cannot be sent in an Authorization header. It is checked
// here because net/http's own error for a bad header value quotes the value, which would put
// the token in a log.
func checkToken(token string) error {
	if token == "" {
		return errors.New("the token is empty")
	}
	for i := 0; i < len(token); i++ {
		if c := token[i]; c <= ' ' || c >= 0x7f {
			return fmt.Errorf("the token has a character not allowed in an HTTP header at byte %d", i)
		}
	}
	return nil
}

// TokenFile reads the token from a file, re-reading it when the file changes (its size,
// modification time or identity, following symlinks): Kubernetes projected service-account
// tokens and mounted Secrets are rotated by swapping the file under the same path. Surrounding
// whitespace is trimmed. The file is also re-read at least once a minute, in case a rewrite kept
// the same size within the file system's timestamp granularity.
func TokenFile(path string) TokenSource {
	return &tokenFile{path: path}
}

// tokenFile is TokenFile's source.
type tokenFile struct {
	path string

	mu    sync.Mutex
	info  os.FileInfo // of the file the token was read from
	read  time.Time   // when it was read
	token string
}

// tokenFileMaxAge is how long a token read from a file is used without re-reading the file,
// when the file seems unchanged.
const tokenFileMaxAge = time.Minute

// Token implements TokenSource.
func (t *tokenFile) Token(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	info, err := os.Stat(t.path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.token != "" && t.info != nil && os.SameFile(info, t.info) && info.Size() == t.info.Size() &&
		info.ModTime().Equal(t.info.ModTime()) && time.Since(t.read) < tokenFileMaxAge {
		return t.token, nil
	}
	f, err := os.Open(t.path)
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	defer f.Close()
	// Stat the open file: the path may have been swapped between the Stat above and Open.
	if info, err = f.Stat(); err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxTokenBytes+1))
	if err != nil {
		return "", fmt.Errorf("token file: %w", err)
	}
	if len(data) > maxTokenBytes {
		return "", fmt.Errorf("token file %s: larger than %d bytes", t.path, maxTokenBytes)
	}
	token := strings.TrimSpace(string(data))
	if err := checkToken(token); err != nil {
		return "", fmt.Errorf("token file %s: %w", t.path, err)
	}
	t.token, t.info, t.read = token, info, time.Now()
	return token, nil
}

// MetadataToken gets the token of the instance's default service account from the GCE/GKE
// metadata server (Workload Identity on GKE): GET
// {endpoint}/computeMetadata/v1/instance/service-accounts/default/token with the header
// Metadata-Flavor: Google. endpoint "" is http://metadata.google.internal. The token is kept
// until shortly before it expires (expires_in), and one fetch at a time is made: concurrent
// callers wait for it instead of each asking the server.
func MetadataToken(endpoint string) TokenSource {
	if endpoint == "" {
		endpoint = "http://metadata.google.internal"
	}
	return &metadataToken{
		url:    strings.TrimRight(endpoint, "/") + "/computeMetadata/v1/instance/service-accounts/default/token",
		client: &http.Client{Timeout: 10 * time.Second, CheckRedirect: noRedirects},
		now:    time.Now,
		sem:    make(chan struct{}, 1),
	}
}

// metadataToken is MetadataToken's source.
type metadataToken struct {
	url    string
	client *http.Client
	now    func() time.Time // the clock, replaced by tests

	// sem is held while fetching (a channel, unlike a mutex, lets a waiter give up when its
	// context ends); it guards token and expires.
	sem     chan struct{}
	token   string
	expires time.Time // when to stop using token: shortly before it expires

	waiting atomic.Int64 // callers waiting for sem (observed by tests)
}

// metadataTokenMargin is how long before its expiry a token stops being used: a token handed
// out must stay valid for the requests it is used in, and clocks drift.
const metadataTokenMargin = 5 * time.Minute

// Token implements TokenSource.
func (m *metadataToken) Token(ctx context.Context) (string, error) {
	m.waiting.Add(1)
	select {
	case m.sem <- struct{}{}:
		m.waiting.Add(-1)
	case <-ctx.Done():
		m.waiting.Add(-1)
		return "", fmt.Errorf("metadata server: waiting for the token: %w", ctx.Err())
	}
	defer func() { <-m.sem }()
	if m.token != "" && m.now().Before(m.expires) {
		return m.token, nil
	}
	token, lifetime, err := m.fetch(ctx)
	if err != nil {
		return "", err
	}
	// Keep the token for its lifetime less the margin, or half its lifetime when that is
	// shorter (a short-lived token is still reused a little); never for a token without one.
	margin := metadataTokenMargin
	if lifetime/2 < margin {
		margin = lifetime / 2
	}
	m.token, m.expires = token, m.now().Add(lifetime-margin)
	return token, nil
}

// fetch asks the metadata server for a token and its lifetime.
func (m *metadataToken) fetch(ctx context.Context) (string, time.Duration, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.url, nil)
	if err != nil {
		return "", 0, fmt.Errorf("metadata server: %w", err)
	}
	req.Header.Set("Metadata-Flavor", "Google")
	resp, err := m.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("metadata server: GET %s: %w", m.url, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenBytes+1))
	if err != nil {
		return "", 0, fmt.Errorf("metadata server: GET %s: reading the response: %w", m.url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return "", 0, fmt.Errorf("metadata server: GET %s: %s%s", m.url, resp.Status, errorDetail(body))
	}
	if len(body) > maxTokenBytes {
		return "", 0, fmt.Errorf("metadata server: GET %s: the response is larger than %d bytes", m.url, maxTokenBytes)
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
		TokenType   string `json:"token_type"`
	}
	if err := json.Unmarshal(body, &answer); err != nil {
		// The decoder's message quotes no more than a type and an offset: it cannot leak the
		// token.
		return "", 0, fmt.Errorf("metadata server: GET %s: the response is not a token: %v", m.url, err)
	}
	if answer.TokenType != "" && !strings.EqualFold(answer.TokenType, "Bearer") {
		return "", 0, fmt.Errorf("metadata server: GET %s: token_type is %q, not Bearer", m.url, answer.TokenType)
	}
	if err := checkToken(answer.AccessToken); err != nil {
		return "", 0, fmt.Errorf("metadata server: GET %s: %w", m.url, err)
	}
	if answer.ExpiresIn < 0 || answer.ExpiresIn > 24*3600 {
		return "", 0, fmt.Errorf("metadata server: GET %s: expires_in is %d seconds", m.url, answer.ExpiresIn)
	}
	return answer.AccessToken, time.Duration(answer.ExpiresIn) * time.Second, nil
}
