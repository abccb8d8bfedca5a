package sources

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode"
)

// ContainerAnalysis reads attestations from the Container Analysis REST API (v1), where
// `gcloud container binauthz attestations create` stores them: for each image and each project,
// GET {Endpoint}/v1/projects/{P}/occurrences with
// filter=kind="ATTESTATION" AND resourceUrl="https://IMAGE", following nextPageToken. The
// occurrences are returned as the API gives them, which is the shape the engine reads.
//
// Set the fields before the first call and do not change them after: it is called from
// concurrent requests. Wrap it in a Cache so that each image is looked up once per TTL.
type ContainerAnalysis struct {
	// Endpoint is the API's base URL (default "https://containeranalysis.googleapis.com").
	Endpoint string
	// Projects are the projects whose occurrences are searched (at least one): the attestors'
	// projects, where the attestations are stored.
	Projects []string
	// Token gives the bearer token (required).
	Token TokenSource
	// Client makes the requests (default: a client that follows no redirects, so the token
	// is only sent to Endpoint).
	Client *http.Client
	// Timeout bounds the lookup of one image, every project and page and the token included
	// (default 5s): an admission webhook must answer within the API server's timeout.
	Timeout time.Duration
}

// The bounds of one image's lookup. The pages bound times the page size is more than the
// request bound, so a complete answer always fits; anything more is an error, not a truncated
// list.
const (
	caPageSize       = 500
	caMaxPages       = 20
	caMaxPageBytes   = 8 << 20
	caDefaultTimeout = 5 * time.Second
)

// defaultClient is the client used when ContainerAnalysis.Client is nil.
var defaultClient = &http.Client{Timeout: time.Minute, CheckRedirect: noRedirects}

// noRedirects makes a client return a redirect as the response instead of following it (it is
// then an unexpected status): Google APIs do not redirect, and the token must go nowhere else.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Attestations implements webhook.AttestationSource: the occurrences of every image pinned by
// digest, looked up concurrently (each distinct image once).
func (c *ContainerAnalysis) Attestations(ctx context.Context, images []string) ([]json.RawMessage, error) {
	return lookupImages(ctx, images, byImage, c.ImageAttestations)
}

// ImageAttestations implements ImageSource: the ATTESTATION occurrences whose resourceUri is
// "https://" + image, in every project, in project order. An image that is not pinned by a
// digest has none (no request is made). Errors start with "container analysis:" and name the
// image, the project and the URL (never the token).
func (c *ContainerAnalysis) ImageAttestations(ctx context.Context, image string) ([]json.RawMessage, error) {
	if _, ok := ImageDigest(image); !ok {
		return nil, nil
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	if strings.ContainsAny(image, "\"\\") || strings.IndexFunc(image, unicode.IsControl) >= 0 {
		// Not an image reference, and it would change the filter's meaning.
		return nil, fmt.Errorf("container analysis: image %q cannot be put in a filter", image)
	}
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = caDefaultTimeout
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	fail := func(project string, err error) error {
		where := "image " + image
		if project != "" {
			where += ", project " + project
		}
		if ctx.Err() == nil && errors.Is(lctx.Err(), context.DeadlineExceeded) {
			return fmt.Errorf("container analysis: %s: timed out after %v: %w", where, timeout, err)
		}
		return fmt.Errorf("container analysis: %s: %w", where, err)
	}
	token, err := c.Token.Token(lctx)
	if err != nil {
		return nil, fail("", fmt.Errorf("getting the token: %w", err))
	}
	if err := checkToken(token); err != nil {
		return nil, fail("", err)
	}
	var all []json.RawMessage
	for _, project := range c.Projects {
		found, err := c.list(lctx, token, project, image, MaxRequestAttestations-len(all))
		if err != nil {
			return nil, fail(project, err)
		}
		all = append(all, found...)
	}
	return all, nil
}

// Check reports a configuration that cannot work (no project, a project that is not an ID, no
// token source), as every lookup would; a host checks it at startup.
func (c *ContainerAnalysis) Check() error {
	if len(c.Projects) == 0 {
		return errors.New("container analysis: no project is configured")
	}
	for _, p := range c.Projects {
		if p == "" || strings.ContainsAny(p, "/?#") {
			return fmt.Errorf("container analysis: %q is not a project ID", p)
		}
	}
	if c.Token == nil {
		return errors.New("container analysis: no token source is configured")
	}
	return nil
}

// list returns one project's attestations of image, reading at most caMaxPages pages and
// at most room occurrences.
func (c *ContainerAnalysis) list(ctx context.Context, token, project, image string, room int) ([]json.RawMessage, error) {
	endpoint := c.Endpoint
	if endpoint == "" {
		endpoint = "https://containeranalysis.googleapis.com"
	}
	// The URL named in errors: the query is left out (the filter repeats the image, already
	// named); the token is in a header, never in the URL.
	base := strings.TrimRight(endpoint, "/") + "/v1/projects/" + url.PathEscape(project) + "/occurrences"
	resource := "https://" + image
	query := url.Values{}
	query.Set("filter", `kind="ATTESTATION" AND resourceUrl="`+resource+`"`)
	query.Set("pageSize", fmt.Sprint(caPageSize))
	var found []json.RawMessage
	seen := map[string]bool{}
	for page := 0; ; page++ {
		if page == caMaxPages {
			return nil, fmt.Errorf("GET %s: more than %d pages of occurrences", base, caMaxPages)
		}
		resp, err := c.page(ctx, token, base, query)
		if err != nil {
			return nil, err
		}
		for _, o := range resp.Occurrences {
			var head struct {
				Kind        string `json:"kind"`
				ResourceURI string `json:"resourceUri"`
			}
			if err := json.Unmarshal(o, &head); err != nil {
				return nil, fmt.Errorf("GET %s: an occurrence is not an object: %v", base, err)
			}
			// The filter asked for exactly these; anything else (a server that ignores part
			// of the filter) is not this image's attestation and is left out.
			if head.Kind != "ATTESTATION" || head.ResourceURI != resource {
				continue
			}
			if len(found) == room {
				return nil, fmt.Errorf("GET %s: more than %d attestations", base, MaxRequestAttestations)
			}
			found = append(found, o)
		}
		if resp.NextPageToken == "" {
			return found, nil
		}
		if seen[resp.NextPageToken] {
			return nil, fmt.Errorf("GET %s: the server repeated a page token", base)
		}
		seen[resp.NextPageToken] = true
		query.Set("pageToken", resp.NextPageToken)
	}
}

// occurrencesPage is a ListOccurrencesResponse (proto3 JSON: fields left out when empty).
type occurrencesPage struct {
	Occurrences   []json.RawMessage `json:"occurrences"`
	NextPageToken string            `json:"nextPageToken"`
}

// page makes one ListOccurrences call.
func (c *ContainerAnalysis) page(ctx context.Context, token, base string, query url.Values) (*occurrencesPage, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"?"+query.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", base, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	client := c.Client
	if client == nil {
		client = defaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", base, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, caMaxPageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: reading the response: %w", base, err)
	}
	if resp.StatusCode != http.StatusOK {
		detail := strings.ReplaceAll(errorDetail(body), token, "[token]")
		return nil, fmt.Errorf("GET %s: %s%s", base, resp.Status, detail)
	}
	if len(body) > caMaxPageBytes {
		return nil, fmt.Errorf("GET %s: the response is larger than %d bytes", base, caMaxPageBytes)
	}
	var p occurrencesPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, fmt.Errorf("GET %s: the response is not a ListOccurrencesResponse: %v", base, err)
	}
	return &p, nil
}

// unwrapURLError drops the *url.Error around a client error: it repeats the whole URL, query
// included, which the caller's message already names without the query.
func unwrapURLError(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Err
	}
	return err
}

// errorDetail is what an error response says, for the error message: a Google API error's
// message ({"error": {"message": …}}) or the start of the body, printable characters only.
func errorDetail(body []byte) string {
	var g struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	text := string(bytes.TrimSpace(body))
	if json.Unmarshal(body, &g) == nil && g.Error.Message != "" {
		text = g.Error.Message
	}
	if text == "" {
		return ""
	}
	const most = 300
	var b strings.Builder
	for _, r := range text {
		if b.Len() >= most {
			b.WriteString("…")
			break
		}
		if !unicode.IsPrint(r) {
			r = ' '
		}
		b.WriteRune(r)
	}
	return ": " + b.String()
}
