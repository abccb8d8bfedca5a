package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	binauthz "example.invalid/binauthz/binauthz-ffi/go"
)

// logger writes one JSON object per line, in the shape Cloud Logging reads from a container's
// stdout and stderr (structured logging: `severity`, `message`, `time`, other fields kept as the
// entry's jsonPayload). Every value goes through encoding/json, so text from a review, a file or
// a source (untrusted) cannot break a line or forge a field.
type logger struct {
	mu sync.Mutex // one line is one Write, lines never interleave
	w  io.Writer
}

func newLogger(w io.Writer) *logger { return &logger{w: w} }

// log writes severity, message, time and then the key/value pairs in order (keys are strings;
// a json.RawMessage value is written as it is).
func (l *logger) log(severity, message string, kv ...interface{}) {
	var b bytes.Buffer
	b.WriteString(`{"severity":`)
	writeJSON(&b, severity)
	b.WriteString(`,"message":`)
	writeJSON(&b, message)
	b.WriteString(`,"time":`)
	writeJSON(&b, time.Now().UTC().Format(time.RFC3339Nano))
	for i := 0; i+1 < len(kv); i += 2 {
		key, _ := kv[i].(string)
		b.WriteByte(',')
		writeJSON(&b, key)
		b.WriteByte(':')
		writeJSON(&b, kv[i+1])
	}
	b.WriteString("}\n")
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.w.Write(b.Bytes())
}

// writeJSON appends v as JSON; a value that cannot be encoded (an invalid RawMessage, say) is
// written as a string saying so rather than breaking the line.
func writeJSON(b *bytes.Buffer, v interface{}) {
	out, err := json.Marshal(v)
	if err != nil {
		out, _ = json.Marshal("unencodable value: " + err.Error())
	}
	b.Write(out)
}

// Outcomes: the verdict of one review, as counted in the decisions metric and labelled in the
// audit log.
const (
	outcomeAllowed    = "allowed"
	outcomeDenied     = "denied"
	outcomeDryRun     = "dry-run"
	outcomeBreakglass = "breakglass"
	outcomeRefused    = "refused" // no decision: the review or a source failed, or no policy
)

// outcomes lists them in the order the metrics print them.
var outcomes = []string{outcomeAllowed, outcomeDenied, outcomeDryRun, outcomeBreakglass, outcomeRefused}

// outcomeOf classifies a decision by its audit record. A denial wins (a dry-run violation beside
// a denied image is still a denial); breakglass admits everything, so it is checked before dry run.
func outcomeOf(a *binauthz.AuditRecord) string {
	switch {
	case !a.Allowed:
		return outcomeDenied
	case a.Breakglass:
		return outcomeBreakglass
	case a.DryRun:
		return outcomeDryRun
	default:
		return outcomeAllowed
	}
}

// severityOf is the Cloud Logging severity of an outcome: admissions that bypassed the policy
// (breakglass) or would have been denied (dry run) are WARNINGs, so that they stand out from
// ordinary admissions; a refusal is an ERROR (something is broken, not a policy at work).
func severityOf(outcome string) string {
	switch outcome {
	case outcomeAllowed:
		return "INFO"
	case outcomeDenied:
		return "NOTICE"
	case outcomeDryRun, outcomeBreakglass:
		return "WARNING"
	default:
		return "ERROR"
	}
}

// outcomeLabel is the audit line's label (also a top-level field) naming the outcome.
const outcomeLabel = "binauthz.dev/outcome"

// reviewInfo is what an audit line says about the AdmissionReview itself (who asked for what),
// beside the engine's audit record.
type reviewInfo struct {
	UID       string `json:"uid,omitempty"`
	Kind      string `json:"kind,omitempty"`
	Namespace string `json:"namespace,omitempty"`
	Name      string `json:"name,omitempty"`
	Operation string `json:"operation,omitempty"`
	User      string `json:"user,omitempty"`
}

// readReviewInfo reads the request fields an audit line names; a review that does not have them
// (or is not JSON) gives what could be read.
func readReviewInfo(review []byte) reviewInfo {
	var r struct {
		APIVersion string `json:"apiVersion"`
		Request    struct {
			UID  string `json:"uid"`
			Kind struct {
				Kind string `json:"kind"`
			} `json:"kind"`
			Namespace string `json:"namespace"`
			Name      string `json:"name"`
			Operation string `json:"operation"`
			UserInfo  struct {
				Username string `json:"username"`
			} `json:"userInfo"`
		} `json:"request"`
	}
	_ = json.Unmarshal(review, &r)
	return reviewInfo{UID: r.Request.UID, Kind: r.Request.Kind.Kind, Namespace: r.Request.Namespace,
		Name: r.Request.Name, Operation: r.Request.Operation, User: r.Request.UserInfo.Username}
}

// auditor writes the audit lines (stdout).
type auditor struct {
	out     *logger
	enabled bool
}

// decision logs one decision: the engine's audit record exactly as the engine wrote it, the
// outcome, the review's identity and the latency. The message is what the response told the
// client: the denial text, else the warnings (dry run, breakglass), else how many images were
// admitted; the decision itself is not decoded (it can be tens of kilobytes).
func (a *auditor) decision(review []byte, answer *binauthz.ReviewAnswer, latency time.Duration) {
	if !a.enabled {
		return
	}
	outcome := outcomeOf(answer.Audit)
	var told struct {
		Response struct {
			Status *struct {
				Message string `json:"message"`
			} `json:"status"`
			Warnings []string `json:"warnings"`
		} `json:"response"`
	}
	_ = json.Unmarshal(answer.Response, &told) // the engine's own response: it decodes
	message := fmt.Sprintf("%d image(s) admitted", len(answer.Audit.Images))
	switch {
	case told.Response.Status != nil && told.Response.Status.Message != "":
		message = told.Response.Status.Message
	case len(told.Response.Warnings) > 0:
		message = strings.Join(told.Response.Warnings, "; ")
	}
	a.out.log(severityOf(outcome), outcome+": "+message,
		"logging.googleapis.com/labels", map[string]string{outcomeLabel: outcome},
		outcomeLabel, outcome,
		"review", readReviewInfo(review),
		"latencySeconds", latency.Seconds(),
		"audit", answer.AuditJSON)
}

// refusal logs a review answered without a decision (refused, or an HTTP error), with the
// reason sent back.
func (a *auditor) refusal(uid string, code int, reason string, latency time.Duration) {
	if !a.enabled {
		return
	}
	a.out.log(severityOf(outcomeRefused), outcomeRefused+": "+reason,
		"logging.googleapis.com/labels", map[string]string{outcomeLabel: outcomeRefused},
		outcomeLabel, outcomeRefused,
		"review", reviewInfo{UID: uid},
		"code", code,
		"latencySeconds", latency.Seconds())
}
