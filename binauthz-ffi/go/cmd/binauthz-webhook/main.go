// Command binauthz-webhook is a Kubernetes validating admission webhook that enforces a Google
// Cloud Binary Authorization policy with the binauthz engine (issue 18).
//
// It serves admission.k8s.io/v1 and v1beta1 AdmissionReviews over HTTPS on /validate, and
// /healthz, /readyz and /metrics. The policy, the attestors, the cluster name and the TLS
// certificate are files as a ConfigMap or Secret mount provides them; they are re-read when they
// change, and a change that does not compile (or a certificate that does not load) keeps the
// previous one in service and is reported. Attestations come from a directory of attestation
// documents, the Container Analysis API, or both. Every decision is logged as one JSON line on
// stdout, in the shape Cloud Logging ingests; the server's own log is JSON lines on stderr.
//
//	binauthz-webhook --tls-cert /tls/tls.crt --tls-key /tls/tls.key \
//	    --policy /config/policy.yaml --attestors /config/attestors.yaml \
//	    --cluster us-east1.prod --containeranalysis-projects acme --metadata-token
//
// Fail closed: a review that cannot be evaluated, or whose attestations cannot be fetched, is
// refused; before a policy has compiled every review is refused.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

// config is the command line.
type config struct {
	listen         string
	tlsCert        string
	tlsKey         string
	policy         string
	attestors      string
	cluster        string
	clusterFile    string
	reloadInterval time.Duration
	requestTimeout time.Duration
	cacheEntries   int
	verifyThreads  int

	attestationsDir    string
	caProjects         []string
	caEndpoint         string
	caTimeout          time.Duration
	tokenFile          string
	metadataToken      bool
	metadataEndpoint   string
	sourceCacheEntries int
	sourceCacheTTL     time.Duration

	audit           bool
	shutdownTimeout time.Duration
	shutdownDelay   time.Duration
}

// defaultCacheEntries is the engine's own default verification cache (binauthz.NewEngine).
const defaultCacheEntries = 10000

// parseFlags reads the command line; errors are usage errors.
func parseFlags(args []string, stderr io.Writer) (*config, error) {
	c := &config{}
	fs := flag.NewFlagSet("binauthz-webhook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", ":8443", "`address` to serve HTTPS on (host:port; port 0 picks one, logged as \"listening\")")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "TLS certificate `file` (PEM, chain first leaf), re-read when it changes")
	fs.StringVar(&c.tlsKey, "tls-key", "", "TLS private key `file` (PEM), re-read when it changes")
	fs.StringVar(&c.policy, "policy", "", "policy `file` as `gcloud container binauthz policy export` prints it (YAML or JSON)")
	fs.StringVar(&c.attestors, "attestors", "", "attestors `file` (one attestor or a list, YAML or JSON; optional when the policy needs none)")
	fs.StringVar(&c.cluster, "cluster", "", "this cluster as LOCATION.CLUSTER_ID, for cluster-specific rules")
	fs.StringVar(&c.clusterFile, "cluster-file", "", "`file` holding LOCATION.CLUSTER_ID, instead of --cluster (re-read with the policy)")
	fs.DurationVar(&c.reloadInterval, "reload-interval", 2*time.Second, "how often to look for changed files")
	fs.DurationVar(&c.requestTimeout, "request-timeout", 8*time.Second, "deadline of one review (keep it below the webhook's timeoutSeconds)")
	fs.IntVar(&c.cacheEntries, "cache-entries", defaultCacheEntries, "engine verification cache entries (0: off)")
	fs.IntVar(&c.verifyThreads, "verify-threads", 1, "threads one review's signatures may be verified on (spec §7.3; 1: the request's own)")
	fs.StringVar(&c.attestationsDir, "attestations-dir", "", "`directory` of attestation documents (*.json, *.yaml, *.yml), re-read when it changes")
	projects := fs.String("containeranalysis-projects", "", "comma-separated `projects` whose Container Analysis occurrences hold the attestations")
	fs.StringVar(&c.caEndpoint, "containeranalysis-endpoint", "", "Container Analysis API `URL` (default https://containeranalysis.googleapis.com)")
	fs.DurationVar(&c.caTimeout, "containeranalysis-timeout", 0, "deadline of one image's Container Analysis lookup (0: the source's default, 5s)")
	fs.StringVar(&c.tokenFile, "token-file", "", "`file` holding the bearer token for Container Analysis (re-read when it rotates)")
	fs.BoolVar(&c.metadataToken, "metadata-token", false, "get the Container Analysis token from the GKE metadata server")
	fs.StringVar(&c.metadataEndpoint, "metadata-endpoint", "", "metadata server `URL` for --metadata-token (default http://metadata.google.internal)")
	fs.IntVar(&c.sourceCacheEntries, "source-cache-entries", 10000, "Container Analysis answers cached, per image digest (0: no cache)")
	fs.DurationVar(&c.sourceCacheTTL, "source-cache-ttl", 30*time.Second, "how long a cached Container Analysis answer is used")
	fs.BoolVar(&c.audit, "audit", true, "log one JSON line per decision on stdout")
	fs.DurationVar(&c.shutdownTimeout, "shutdown-timeout", 0, "how long SIGTERM waits for running reviews (0: --request-timeout plus 2s)")
	fs.DurationVar(&c.shutdownDelay, "shutdown-delay", 0, "after SIGTERM, keep serving this long with /readyz failing, so that the Service stops sending reviews before the listener closes")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, p := range strings.Split(*projects, ",") {
		if p = strings.TrimSpace(p); p != "" {
			c.caProjects = append(c.caProjects, p)
		}
	}
	var problems []string
	if c.tlsCert == "" || c.tlsKey == "" {
		problems = append(problems, "--tls-cert and --tls-key are required")
	}
	if c.policy == "" {
		problems = append(problems, "--policy is required")
	}
	if c.cluster != "" && c.clusterFile != "" {
		problems = append(problems, "give --cluster or --cluster-file, not both")
	}
	if c.reloadInterval <= 0 {
		problems = append(problems, "--reload-interval must be positive")
	}
	if c.requestTimeout <= 0 {
		problems = append(problems, "--request-timeout must be positive")
	}
	if c.cacheEntries < 0 || c.sourceCacheEntries < 0 || c.verifyThreads < 0 {
		problems = append(problems, "--cache-entries, --source-cache-entries and --verify-threads must be 0 or more")
	}
	if len(c.caProjects) > 0 && (c.tokenFile == "") == !c.metadataToken {
		problems = append(problems, "--containeranalysis-projects needs exactly one of --token-file and --metadata-token")
	}
	if len(c.caProjects) == 0 && (c.tokenFile != "" || c.metadataToken || c.caEndpoint != "") {
		problems = append(problems, "--token-file, --metadata-token and --containeranalysis-endpoint need --containeranalysis-projects")
	}
	if c.shutdownDelay < 0 {
		problems = append(problems, "--shutdown-delay must be 0 or more")
	}
	if c.shutdownTimeout == 0 {
		c.shutdownTimeout = c.requestTimeout + 2*time.Second
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "; "))
	}
	return c, nil
}

// run is the command: it serves until ctx ends (SIGTERM or SIGINT in main), then shuts down
// gracefully: the listener closes, running reviews finish (up to --shutdown-timeout), and the
// engine is closed. The log goes to stderr as JSON lines, the audit lines to stdout. It returns
// an error when it cannot start (bad flags, no TLS certificate, an attestation source that
// cannot be set up, the address taken); a policy that does not compile is not such an error:
// the server starts unready and refuses reviews until a policy compiles.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	lg := newLogger(stderr)
	lg.log("INFO", "starting", "version", binauthz.Version(), "args", args)

	// The watchers (policy, certificate, attestations) stop with watchCtx, after the server.
	watchCtx, stopWatching := context.WithCancel(context.Background())
	defer stopWatching()
	s, err := newServer(watchCtx, c, lg, stdout)
	if err != nil {
		return err
	}
	defer s.policy.close()
	policy, certs := s.policy, s.certs

	ln, err := net.Listen("tcp", c.listen)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler: s.routes(),
		TLSConfig: &tls.Config{
			MinVersion:     tls.VersionTLS12,
			GetCertificate: certs.getCertificate,
		},
		// The API server sends a review within its timeout; a slow client cannot hold a
		// connection (or a policy state) longer than these.
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       c.requestTimeout + 10*time.Second,
		WriteTimeout:      c.requestTimeout + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          log.New(logWriter{lg}, "", 0),
	}
	go watch(watchCtx, c.reloadInterval, policy.check)
	go watch(watchCtx, c.reloadInterval, certs.check)

	served := make(chan error, 1)
	go func() { served <- srv.ServeTLS(ln, "", "") }()
	lg.log("INFO", "listening", "address", ln.Addr().String())

	select {
	case err := <-served:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	s.stopping.Store(true)
	if c.shutdownDelay > 0 {
		// Endpoints learn that this replica is going only when /readyz fails or the pod is
		// removed; reviews sent meanwhile must still be answered, not refused by a closed port.
		lg.log("INFO", "unready; serving until the delay ends", "delay", c.shutdownDelay.String())
		select {
		case <-time.After(c.shutdownDelay):
		case err := <-served:
			return fmt.Errorf("serving: %w", err)
		}
	}
	lg.log("INFO", "shutting down", "timeout", c.shutdownTimeout.String())
	shutdownCtx, cancel := context.WithTimeout(context.Background(), c.shutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	stopWatching()
	if err != nil {
		lg.log("WARNING", "shutdown timed out; closing the remaining connections", "error", err.Error())
		_ = srv.Close()
	}
	lg.log("INFO", "stopped")
	return nil
}

// newServer loads what the server serves: the certificate (an error when it cannot be loaded),
// the policy (one that does not compile leaves the server unready, not an error) and the
// attestation sources, whose watchers stop with ctx. The caller closes s.policy.
func newServer(ctx context.Context, c *config, lg *logger, stdout io.Writer) (*server, error) {
	m := newMetrics()
	certs := &certHolder{certFile: c.tlsCert, keyFile: c.tlsKey, log: lg, metrics: m}
	if err := certs.load(); err != nil {
		return nil, err
	}
	policy := &policyHolder{policyFile: c.policy, attestorsFile: c.attestors, clusterFile: c.clusterFile,
		cluster: c.cluster, cacheEntries: c.cacheEntries, verifyThreads: c.verifyThreads, log: lg, metrics: m}
	policy.check()
	attestations := &dirStatus{}
	source, err := buildSources(ctx, c, lg, m, attestations)
	if err != nil {
		policy.close()
		return nil, err
	}
	s := &server{policy: policy, certs: certs, source: source, attestations: attestations, metrics: m,
		audit: &auditor{out: newLogger(stdout), enabled: c.audit}, log: lg, requestTimeout: c.requestTimeout}
	m.collect(s.writeMetrics)
	m.collect(certs.writeMetrics)
	return s, nil
}

// logWriter passes the http.Server's own log lines (TLS handshake errors, ...) into the JSON log.
type logWriter struct{ l *logger }

func (w logWriter) Write(p []byte) (int, error) {
	w.l.log("WARNING", strings.TrimSpace(string(p)), "component", "http.Server")
	return len(p), nil
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			newLogger(os.Stderr).log("ERROR", "exiting", "error", err.Error())
		}
		stop()
		os.Exit(2)
	}
}
