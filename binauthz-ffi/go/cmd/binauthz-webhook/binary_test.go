package main

import (
	"bufio"
	"errors"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestBinary builds the command and runs it as a process: it serves a review over HTTPS, logs
// its audit line on stdout, and stops cleanly (exit 0) on SIGTERM.
func TestBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "binauthz-webhook")
	build := exec.Command(filepath.Join(runtime.GOROOT(), "bin", "go"), "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	// Bad flags: a usage error, exit 2, before anything starts.
	out, err := exec.Command(bin, "--policy", "p.yaml").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 || !strings.Contains(string(out), "--tls-cert and --tls-key are required") {
		t.Fatalf("bad flags: %v\n%s", err, out)
	}

	certPEM, keyPEM := certificate(t)
	secret := newMount(t, map[string][]byte{"tls.crt": certPEM, "tls.key": keyPEM})
	attestations := t.TempDir()
	if err := os.WriteFile(filepath.Join(attestations, "acme.json"), read(t, "examples", "attestations.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--listen", "127.0.0.1:0", "--tls-cert", secret.path("tls.crt"), "--tls-key", secret.path("tls.key"),
		"--policy", filepath.Join(spec, "examples", "policy.yaml"), "--attestors", filepath.Join(spec, "examples", "attestors.yaml"),
		"--attestations-dir", attestations)
	stdout, stderr := &syncBuffer{}, &syncBuffer{}
	cmd.Stdout = stdout
	stderrPipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	copied := make(chan struct{})
	go func() {
		defer close(copied)
		// Line by line, so that the test never reads half a line.
		sc := bufio.NewScanner(stderrPipe)
		for sc.Scan() {
			_, _ = stderr.Write(append(sc.Bytes(), '\n'))
		}
		_, _ = io.Copy(io.Discard, stderrPipe)
	}()
	exited := make(chan error, 1)
	go func() { <-copied; exited <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})

	var addr string
	waitFor(t, "the listening line", func() (bool, string) {
		addr = listeningAddress(t, stderr)
		return addr != "", stderr.String()
	})
	c := client(t, certPEM)
	code, res := post(t, c, "https://"+addr+"/validate", read(t, "kubernetes", "admission-review.json"))
	if code != http.StatusOK || res.Response.Allowed || res.Response.UID != "705ab4f5-6393-11e8-b7cc-42010a800002" ||
		!strings.Contains(res.message(), worker) {
		t.Fatalf("review: %d %+v", code, res.Response)
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		if err != nil {
			t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr)
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("no exit after SIGTERM:\n%s", stderr)
	}
	if l := find(stderr.lines(t), func(l map[string]interface{}) bool { return l["message"] == "stopped" }); l == nil {
		t.Fatalf("no stopped line:\n%s", stderr)
	}
	lines := stdout.lines(t)
	if len(lines) != 1 || lines[0][outcomeLabel] != "denied" {
		t.Fatalf("audit lines:\n%s", stdout)
	}
}
