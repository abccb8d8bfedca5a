package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var spec = filepath.Join("..", "..", "..", "..", "spec")

func read(t *testing.T, parts ...string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(append([]string{spec}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

const (
	api    = "us-docker.pkg.dev/acme/payments/api@sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6"
	worker = "us-docker.pkg.dev/acme/payments/worker@sha256:f902dfc35a58ee5073167c3776c130f250af83d09e7e21548f3ce6c8f9125cff"
	// alwaysDeny is a policy that denies every image but the system images.
	alwaysDeny = "name: projects/acme/policy\ndefaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n"
	// brokenPolicy does not compile (an unknown evaluation mode).
	brokenPolicy = "name: projects/acme/policy\ndefaultAdmissionRule:\n  evaluationMode: SOMETIMES\n  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n"
)

// waitFor polls cond until it holds; after a generous deadline (a reload is polled every
// --reload-interval) the test fails with cond's last word. No timing is asserted.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		ok, last := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s; last: %s", what, last)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// syncBuffer is an io.Writer the server writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// lines decodes every line as a JSON object; a line that is not one fails the test (every line
// the server writes must be JSON).
func (s *syncBuffer) lines(t *testing.T) []map[string]interface{} {
	t.Helper()
	var out []map[string]interface{}
	sc := bufio.NewScanner(strings.NewReader(s.String()))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var m map[string]interface{}
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not a JSON object: %v: %q", err, sc.Text())
		}
		out = append(out, m)
	}
	return out
}

// find returns the first line for which match holds.
func find(lines []map[string]interface{}, match func(map[string]interface{}) bool) map[string]interface{} {
	for _, l := range lines {
		if match(l) {
			return l
		}
	}
	return nil
}

// listeningAddress is the address of the "listening" line, "" before it.
func listeningAddress(t *testing.T, stderr *syncBuffer) string {
	l := find(stderr.lines(t), func(l map[string]interface{}) bool { return l["message"] == "listening" })
	if l == nil {
		return ""
	}
	addr, _ := l["address"].(string)
	return addr
}

// certificate makes a self-signed certificate and key with openssl, as the deploy
// instructions do, and returns their PEM.
func certificate(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	dir := t.TempDir()
	cert, key := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	cmd := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-days", "1", "-subj", "/CN=binauthz-webhook.binauthz.svc",
		"-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", key, "-out", cert)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	certPEM, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM, err = os.ReadFile(key)
	if err != nil {
		t.Fatal(err)
	}
	return certPEM, keyPEM
}

// pemFingerprint is the SHA-256 of a PEM certificate's DER, as the server reports it.
func pemFingerprint(t *testing.T, certPEM []byte) string {
	t.Helper()
	block, _ := pem.Decode(certPEM)
	if block == nil {
		t.Fatal("no PEM block")
	}
	sum := sha256.Sum256(block.Bytes)
	return hex.EncodeToString(sum[:])
}

// mount is a directory laid out as the kubelet mounts a ConfigMap or Secret: each file a symlink
// through `..data`, itself a symlink to a timestamped directory; an update writes a new
// directory and renames a new `..data` over the old one (atomic).
type mount struct {
	t   *testing.T
	dir string
	gen int
}

func newMount(t *testing.T, files map[string][]byte) *mount {
	m := &mount{t: t, dir: t.TempDir()}
	m.update(files)
	for name := range files {
		if err := os.Symlink(filepath.Join("..data", name), filepath.Join(m.dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func (m *mount) path(name string) string { return filepath.Join(m.dir, name) }

// update replaces every file at once.
func (m *mount) update(files map[string][]byte) {
	m.t.Helper()
	m.gen++
	gen := fmt.Sprintf("..2026_11_30_12_00_00.%d", m.gen)
	if err := os.Mkdir(filepath.Join(m.dir, gen), 0o755); err != nil {
		m.t.Fatal(err)
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(m.dir, gen, name), data, 0o644); err != nil {
			m.t.Fatal(err)
		}
	}
	tmp := filepath.Join(m.dir, "..data_tmp")
	if err := os.Symlink(gen, tmp); err != nil {
		m.t.Fatal(err)
	}
	if err := os.Rename(tmp, filepath.Join(m.dir, "..data")); err != nil {
		m.t.Fatal(err)
	}
}

// client is an HTTPS client trusting certPEM only, on new connections every time (so that a
// reloaded certificate is seen).
func client(t *testing.T, certPEM []byte) *http.Client {
	t.Helper()
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(certPEM) {
		t.Fatal("bad certificate PEM")
	}
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
}

// Response is the AdmissionReview response.
type Response struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Response   struct {
		UID     string `json:"uid"`
		Allowed bool   `json:"allowed"`
		Status  *struct {
			Code    int    `json:"code"`
			Reason  string `json:"reason"`
			Message string `json:"message"`
		} `json:"status"`
		Warnings         []string          `json:"warnings"`
		AuditAnnotations map[string]string `json:"auditAnnotations"`
	} `json:"response"`
}

// message is the response's status message, "" when none.
func (r Response) message() string {
	if r.Response.Status == nil {
		return ""
	}
	return r.Response.Status.Message
}

// post sends a review; a 200 answer is decoded.
func post(t *testing.T, c *http.Client, url string, body []byte) (int, Response) {
	t.Helper()
	res, err := c.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out Response
	if res.StatusCode == http.StatusOK {
		if err := json.NewDecoder(res.Body).Decode(&out); err != nil {
			t.Fatal(err)
		}
	} else {
		_, _ = io.Copy(io.Discard, res.Body)
	}
	return res.StatusCode, out
}

// get fetches a URL's status and body.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	res, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(body)
}

// metricsOf parses a Prometheus text exposition into series ("name{labels}") and values,
// failing on a line that is not a comment or a sample.
func metricsOf(t *testing.T, text string) map[string]float64 {
	t.Helper()
	out := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if i < 0 {
			t.Fatalf("metrics line %q", line)
		}
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// review wraps a workload object in an admission.k8s.io AdmissionReview.
func review(apiVersion, uid, namespace string, object interface{}) []byte {
	body, _ := json.Marshal(map[string]interface{}{
		"apiVersion": apiVersion, "kind": "AdmissionReview",
		"request": map[string]interface{}{
			"uid": uid, "namespace": namespace, "operation": "CREATE",
			"kind":     map[string]string{"group": "", "version": "v1", "kind": "Pod"},
			"userInfo": map[string]string{"username": "test@example.com"},
			"object":   object,
		},
	})
	return body
}

// podSpec is a pod spec running images.
func podSpec(images ...string) map[string]interface{} {
	containers := []map[string]string{}
	for i, image := range images {
		containers = append(containers, map[string]string{"name": fmt.Sprintf("c%d", i), "image": image})
	}
	return map[string]interface{}{"containers": containers}
}

func pod(labels map[string]string, images ...string) map[string]interface{} {
	return map[string]interface{}{"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]interface{}{"name": "p", "labels": labels}, "spec": podSpec(images...)}
}

func deployment(images ...string) map[string]interface{} {
	return map[string]interface{}{"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]interface{}{"name": "d"},
		"spec": map[string]interface{}{"template": map[string]interface{}{
			"metadata": map[string]interface{}{"labels": map[string]string{"app": "d"}}, "spec": podSpec(images...)}}}
}

func cronJob(images ...string) map[string]interface{} {
	return map[string]interface{}{"apiVersion": "batch/v1", "kind": "CronJob",
		"metadata": map[string]interface{}{"name": "cj"},
		"spec": map[string]interface{}{"schedule": "@hourly", "jobTemplate": map[string]interface{}{
			"spec": map[string]interface{}{"template": map[string]interface{}{"spec": podSpec(images...)}}}}}
}

// instance is a server started with run in this process.
type instance struct {
	url            string
	stdout, stderr *syncBuffer
	stop           func() error
}

// start runs the command with args plus --listen 127.0.0.1:0 until the test ends, and waits for
// its address.
func start(t *testing.T, args ...string) *instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	in := &instance{stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	done := make(chan error, 1)
	go func() { done <- run(ctx, append([]string{"--listen", "127.0.0.1:0"}, args...), in.stdout, in.stderr) }()
	var once sync.Once
	var stopErr error
	in.stop = func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(20 * time.Second):
				stopErr = fmt.Errorf("the server did not stop")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := in.stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	waitFor(t, "the listening line", func() (bool, string) {
		select {
		case err := <-done:
			done <- err
			t.Fatalf("run returned %v; stderr:\n%s", err, in.stderr)
		default:
		}
		addr := listeningAddress(t, in.stderr)
		in.url = "https://" + addr
		return addr != "", in.stderr.String()
	})
	return in
}
