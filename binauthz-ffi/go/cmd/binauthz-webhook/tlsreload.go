package main

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// certHolder serves the current TLS certificate (tls.Config.GetCertificate) and replaces it when
// the certificate or key file changes, as cert-manager or a Secret update rewrites them. A pair
// that does not load (a half-written rotation: the new certificate with the old key) keeps the
// previous one in service and is reported; the next change is tried again.
type certHolder struct {
	certFile, keyFile string
	log               *logger
	metrics           *metrics

	cur atomic.Pointer[tls.Certificate] // Leaf is set

	mu        sync.Mutex // guards the fields below
	attempted string     // fingerprint of the files last tried
	last      *reloadStatus
}

// load reads and checks the pair; it is the first load's error that run returns (no certificate
// at all cannot serve).
func (c *certHolder) load() error {
	c.check()
	if c.cur.Load() != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.last != nil && c.last.Error != "" {
		return fmt.Errorf("loading the TLS certificate: %s", c.last.Error)
	}
	return errors.New("no TLS certificate loaded")
}

// check reloads the pair when the files changed since the last attempt; it reports whether it
// tried.
func (c *certHolder) check() bool {
	contents, fingerprint, err := readFiles(c.certFile, c.keyFile)
	c.mu.Lock()
	if (err == nil && fingerprint == c.attempted) || (err != nil && c.last != nil && !c.last.OK && c.last.Error == err.Error()) {
		c.mu.Unlock()
		return false
	}
	c.mu.Unlock()
	var cert *tls.Certificate
	if err == nil {
		cert, err = parsePair(contents[0], contents[1])
	}
	c.mu.Lock()
	if contents != nil {
		c.attempted = fingerprint
	}
	c.last = &reloadStatus{OK: err == nil, At: time.Now().UTC()}
	if err != nil {
		c.last.Error = err.Error()
	}
	c.mu.Unlock()
	c.metrics.reloaded(reloadTLS, err)
	if err != nil {
		c.log.log("ERROR", "TLS certificate reload failed; the previous certificate stays in service",
			"what", reloadTLS, "error", err.Error(), "cert", c.certFile, "key", c.keyFile)
		return true
	}
	c.cur.Store(cert)
	c.log.log("INFO", "TLS certificate loaded", "what", reloadTLS, "serial", cert.Leaf.SerialNumber.String(),
		"sha256", certFingerprint(cert.Leaf), "notAfter", cert.Leaf.NotAfter.UTC(), "dnsNames", cert.Leaf.DNSNames)
	return true
}

// parsePair loads a certificate chain and its key and parses the leaf.
func parsePair(certPEM, keyPEM []byte) (*tls.Certificate, error) {
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate: %v", err)
	}
	cert.Leaf = leaf
	return &cert, nil
}

// certFingerprint is the SHA-256 of the certificate's DER, in hex.
func certFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return hex.EncodeToString(sum[:])
}

// getCertificate is tls.Config.GetCertificate: each handshake takes the current certificate,
// so a new one is served on the next connection without a restart.
func (c *certHolder) getCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	if cert := c.cur.Load(); cert != nil {
		return cert, nil
	}
	return nil, errors.New("no TLS certificate loaded")
}

// tlsStatus is the certificate's part of /readyz.
type tlsStatus struct {
	Serial     string        `json:"serial,omitempty"`
	SHA256     string        `json:"sha256,omitempty"`
	NotAfter   *time.Time    `json:"notAfter,omitempty"`
	LastReload *reloadStatus `json:"lastReload,omitempty"`
}

func (c *certHolder) status() tlsStatus {
	var s tlsStatus
	if cert := c.cur.Load(); cert != nil {
		notAfter := cert.Leaf.NotAfter.UTC()
		s = tlsStatus{Serial: cert.Leaf.SerialNumber.String(), SHA256: certFingerprint(cert.Leaf), NotAfter: &notAfter}
	}
	c.mu.Lock()
	if c.last != nil {
		last := *c.last
		s.LastReload = &last
	}
	c.mu.Unlock()
	return s
}

// writeMetrics exports the certificate's expiry, for alerting before it lapses.
func (c *certHolder) writeMetrics(b *bytes.Buffer) {
	cert := c.cur.Load()
	if cert == nil {
		return
	}
	header(b, "binauthz_webhook_tls_certificate_expiry_timestamp_seconds", "gauge",
		"NotAfter of the TLS certificate in service, as a Unix time.")
	sample(b, "binauthz_webhook_tls_certificate_expiry_timestamp_seconds", float64(cert.Leaf.NotAfter.Unix()))
}
