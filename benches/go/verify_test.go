// Package verifybench measures Go's standard library verifying the same signatures as binauthz's
// criterion benchmarks verify/* (benches/benches/verify.rs): the keys, payloads and signatures
// are read from the committed conformance cases that ../verify-cases.json names, so the two
// always measure the same bytes. benches/compare.sh runs both, and `openssl speed`, side by side.
//
//	cd benches/go && GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod go test -bench . -benchtime 2s
//
// Each timed verification hashes the payload, as binauthz's PkixKey::verify does; key parsing
// happens once, outside the loop.
package verifybench

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	_ "crypto/sha256" // crypto.SHA256.New
	_ "crypto/sha512" // crypto.SHA384.New, crypto.SHA512.New
)

// The benchmark list shared with the Rust benchmarks, and the conformance cases.
const (
	listPath = "../verify-cases.json"
	casesDir = "../../spec/conformance/cases"
)

// verifyCase is one signature to verify, with its parsed key.
type verifyCase struct {
	id        string // the sub-benchmark name, and the criterion id after verify/
	caseName  string // the conformance case's name
	algorithm string // GCP's signatureAlgorithm
	message   []byte // the decoded serializedPayload
	signature []byte // the decoded signature
	verify    func(message, signature []byte) bool
}

// The parts of a conformance case the benchmarks read.
type conformanceCase struct {
	Name   string `json:"name"`
	Config struct {
		Attestors []struct {
			UserOwnedGrafeasNote struct {
				PublicKeys []struct {
					ID            string `json:"id"`
					PkixPublicKey struct {
						PublicKeyPem       string `json:"publicKeyPem"`
						SignatureAlgorithm string `json:"signatureAlgorithm"`
					} `json:"pkixPublicKey"`
				} `json:"publicKeys"`
			} `json:"userOwnedGrafeasNote"`
		} `json:"attestors"`
	} `json:"config"`
	Request struct {
		Attestations []struct {
			Attestation struct {
				SerializedPayload string `json:"serializedPayload"`
				Signatures        []struct {
					PublicKeyID string `json:"publicKeyId"`
					Signature   string `json:"signature"`
				} `json:"signatures"`
			} `json:"attestation"`
		} `json:"attestations"`
	} `json:"request"`
}

func readJSON(path string, v interface{}) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// loadCases reads ../verify-cases.json and the conformance cases it names, in its order.
func loadCases() ([]verifyCase, error) {
	var list struct {
		Cases []struct {
			ID   string `json:"id"`
			Case string `json:"case"`
		} `json:"cases"`
	}
	if err := readJSON(listPath, &list); err != nil {
		return nil, err
	}
	// The conformance cases by their name field (file names carry a number that may change).
	files, err := filepath.Glob(filepath.Join(casesDir, "*.json"))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	byName := map[string]string{}
	for _, file := range files {
		var c struct {
			Name string `json:"name"`
		}
		if err := readJSON(file, &c); err != nil {
			return nil, err
		}
		byName[c.Name] = file
	}
	var out []verifyCase
	for _, entry := range list.Cases {
		file, ok := byName[entry.Case]
		if !ok {
			return nil, fmt.Errorf("%s: no conformance case is named %q", casesDir, entry.Case)
		}
		var c conformanceCase
		if err := readJSON(file, &c); err != nil {
			return nil, err
		}
		vc, err := parseCase(entry.ID, &c)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		out = append(out, vc)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s lists no cases", listPath)
	}
	return out, nil
}

// parseCase takes the attestor's only key and the only signature, which must be by that key.
func parseCase(id string, c *conformanceCase) (verifyCase, error) {
	if len(c.Config.Attestors) != 1 || len(c.Config.Attestors[0].UserOwnedGrafeasNote.PublicKeys) != 1 {
		return verifyCase{}, fmt.Errorf("need exactly one attestor with exactly one key")
	}
	key := c.Config.Attestors[0].UserOwnedGrafeasNote.PublicKeys[0]
	if len(c.Request.Attestations) != 1 || len(c.Request.Attestations[0].Attestation.Signatures) != 1 {
		return verifyCase{}, fmt.Errorf("need exactly one attestation with exactly one signature")
	}
	att := c.Request.Attestations[0].Attestation
	if att.Signatures[0].PublicKeyID != key.ID {
		return verifyCase{}, fmt.Errorf("the signature is not by the attestor's key %s", key.ID)
	}
	message, err := base64.StdEncoding.DecodeString(att.SerializedPayload)
	if err != nil {
		return verifyCase{}, fmt.Errorf("serializedPayload: %w", err)
	}
	signature, err := base64.StdEncoding.DecodeString(att.Signatures[0].Signature)
	if err != nil {
		return verifyCase{}, fmt.Errorf("signature: %w", err)
	}
	algorithm := key.PkixPublicKey.SignatureAlgorithm
	verify, err := verifier(key.PkixPublicKey.PublicKeyPem, algorithm)
	if err != nil {
		return verifyCase{}, fmt.Errorf("%s: %w", algorithm, err)
	}
	return verifyCase{id: id, caseName: c.Name, algorithm: algorithm, message: message, signature: signature, verify: verify}, nil
}

// verifier parses the PEM key and returns a function that hashes a message and verifies a
// signature over it as GCP's signatureAlgorithm says: ECDSA with an ASN.1 DER signature, RSA-PSS
// with MGF1 and a salt as long as the digest, or RSA PKCS#1 v1.5.
func verifier(publicKeyPem, algorithm string) (func(message, signature []byte) bool, error) {
	block, _ := pem.Decode([]byte(publicKeyPem))
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, fmt.Errorf("no PUBLIC KEY PEM block")
	}
	pub, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	var hash crypto.Hash
	switch {
	case strings.HasSuffix(algorithm, "_SHA256"):
		hash = crypto.SHA256
	case strings.HasSuffix(algorithm, "_SHA384"):
		hash = crypto.SHA384
	case strings.HasSuffix(algorithm, "_SHA512"):
		hash = crypto.SHA512
	default:
		return nil, fmt.Errorf("unknown digest")
	}
	digest := func(message []byte) []byte {
		h := hash.New()
		h.Write(message)
		return h.Sum(nil)
	}
	switch {
	case strings.HasPrefix(algorithm, "ECDSA_") || strings.HasPrefix(algorithm, "EC_SIGN_"):
		key, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("not an EC key")
		}
		parts := strings.Split(algorithm, "_") // ECDSA_P256_SHA256, EC_SIGN_P256_SHA256
		curves := map[string]elliptic.Curve{"P256": elliptic.P256(), "P384": elliptic.P384(), "P521": elliptic.P521()}
		curve := curves[parts[len(parts)-2]]
		if curve == nil || key.Curve != curve {
			return nil, fmt.Errorf("the key is on %s", key.Curve.Params().Name)
		}
		return func(message, signature []byte) bool {
			return ecdsa.VerifyASN1(key, digest(message), signature)
		}, nil
	case strings.HasPrefix(algorithm, "RSA_PSS_") || strings.HasPrefix(algorithm, "RSA_SIGN_PSS_"):
		key, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("not an RSA key")
		}
		opts := &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: hash}
		return func(message, signature []byte) bool {
			return rsa.VerifyPSS(key, hash, digest(message), signature, opts) == nil
		}, nil
	case strings.HasPrefix(algorithm, "RSA_SIGN_PKCS1_"):
		key, ok := pub.(*rsa.PublicKey)
		if !ok {
			return nil, fmt.Errorf("not an RSA key")
		}
		return func(message, signature []byte) bool {
			return rsa.VerifyPKCS1v15(key, hash, digest(message), signature) == nil
		}, nil
	}
	return nil, fmt.Errorf("unknown signature algorithm")
}

// Every signature verifies, and no longer does over a changed payload: the benchmarks measure
// the success path of a real verification.
func TestVerify(t *testing.T) {
	cases, err := loadCases()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if !c.verify(c.message, c.signature) {
			t.Errorf("%s (%s, %s): the signature does not verify", c.id, c.caseName, c.algorithm)
		}
		changed := bytes.Replace(c.message, []byte("sha256:"), []byte("sha256;"), 1)
		if bytes.Equal(changed, c.message) || c.verify(changed, c.signature) {
			t.Errorf("%s (%s): the signature verifies over a changed payload", c.id, c.caseName)
		}
	}
}

// BenchmarkVerify/<id>: one verification (hash and verify) of a valid signature.
func BenchmarkVerify(b *testing.B) {
	cases, err := loadCases()
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range cases {
		c := c
		if !c.verify(c.message, c.signature) {
			b.Fatalf("%s (%s): the signature does not verify", c.id, c.caseName)
		}
		b.Run(c.id, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if !c.verify(c.message, c.signature) {
					b.Fatal("the signature does not verify")
				}
			}
		})
	}
}
