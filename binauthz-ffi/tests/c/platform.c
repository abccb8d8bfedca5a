/* Check-based platform policies through the C ABI (binauthz_platform_validate,
 * binauthz_platform_lint, binauthz_platform_evaluate, binauthz_platform_cv_events; spec/README.md
 * section 15):
 *
 * 1. every platform conformance case (spec/conformance/platform/cases), compared as the Rust
 *    runner compares them: an expected error by its stage, code and path (from the error report,
 *    binauthz_error_json); otherwise the response and the CV events deep-equal to the case's
 *    (json_equal: objects as unordered maps, numbers by value). The `expect` projection is the
 *    Rust runner's alone;
 * 2. the error paths: NULL and non-UTF-8 arguments, an invalid policy's report, and CV's
 *    configErrorEvent for a policy that cannot be read;
 * 3. lint (spec/lint.md section 2a): the worked example (spec/examples/platform, read from the
 *    working directory, the repository's root) has exactly one finding, BZ051; an empty check
 *    set is BZ050 at its path; an invalid policy is validate's error; NULL and non-UTF-8. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binauthz.h"
#include "harness.h"
#include "json.h"

#define TEXT(s) (const uint8_t *)(s), strlen(s)

static const char *or_null(const char *s) { return s ? s : "(null)"; }

static const char *string_at(const jval *v) { return v != NULL && v->type == J_STRING ? v->text : ""; }

/* The report of an error string, parsed (caller frees); NULL when it has none. */
static jval *platform_report(const char *error) {
  const char *json = binauthz_error_json(error);
  return json ? json_parse(json, strlen(json), NULL, 0) : NULL;
}

/* The JSON a call returned, parsed (NULL when it is NULL or not JSON). */
static jval *parsed(const char *text) { return text ? json_parse(text, strlen(text), NULL, 0) : NULL; }

/* ---- 1. conformance ---- */

/* The request text: the object serialized as serde_json does (json_write), or requestText as is,
 * as the Rust runner hands it to the core. */
static int request_text(const jval *c, jbuf *out) {
  const jval *o = json_get(c, "request"), *t = json_get(c, "requestText");
  if (o != NULL && t == NULL) {
    json_write(o, out);
    return 1;
  }
  if (o == NULL && t != NULL && t->type == J_STRING) {
    jbuf_put(out, t->text, t->len);
    return 1;
  }
  return 0;
}

/* Appends "what: expected X, got Y" to msg. */
static void differs(jbuf *msg, const char *what, const jval *want, const char *got) {
  jbuf_puts(msg, what);
  jbuf_puts(msg, ": expected ");
  json_write(want, msg);
  jbuf_puts(msg, ", got ");
  jbuf_puts(msg, or_null(got));
}

/* Runs one case; NULL when it passes, else a message (malloc'd). */
static char *run_platform_case(const char *path) {
  jbuf msg = {0}, request = {0};
  size_t len;
  char *text = read_file(path, &len);
  if (text == NULL) {
    jbuf_puts(&msg, "cannot read the case file");
    return msg.data;
  }
  char err[128] = "";
  jval *c = json_parse(text, len, err, sizeof err);
  free(text);
  if (c == NULL) {
    jbuf_puts(&msg, "case file is not JSON: ");
    jbuf_puts(&msg, err);
    return msg.data;
  }
  const jval *policy = json_get(c, "policyText"), *expect_error = json_get(c, "expectError");
  const jval *response = json_get(c, "response"), *events = json_get(c, "cvEvents");
  char *out = NULL, *error = NULL;
  jval *got = NULL;
  if (policy == NULL || policy->type != J_STRING || !request_text(c, &request) ||
      (expect_error == NULL) == (response == NULL) || (response != NULL && events == NULL)) {
    jbuf_puts(&msg, "malformed case: needs policyText, request/requestText, and expectError or response+cvEvents");
    goto done;
  }
  int status = binauthz_platform_evaluate((const uint8_t *)policy->text, policy->len, (const uint8_t *)request.data,
                                          request.len, &out, &error);
  if (expect_error != NULL) {
    if (status == BINAUTHZ_STATUS_OK) {
      jbuf_puts(&msg, "expected an error, got a response: ");
      jbuf_puts(&msg, or_null(out));
      goto done;
    }
    jval *r = platform_report(error);
    const char *fields[] = {"stage", "code", "path"};
    for (size_t i = 0; i < 3 && msg.data == NULL; i++) {
      const jval *want = json_get(expect_error, fields[i]);
      if (want == NULL || !json_equal(want, json_get(r, fields[i]))) {
        jbuf_puts(&msg, "expected ");
        json_write(expect_error, &msg);
        jbuf_puts(&msg, ", got ");
        jbuf_puts(&msg, or_null(binauthz_error_json(error)));
      }
    }
    json_free(r);
    goto done;
  }
  if (status != BINAUTHZ_STATUS_OK) {
    jbuf_puts(&msg, "expected a response, got error ");
    jbuf_puts(&msg, binauthz_status_name(status));
    jbuf_puts(&msg, ": ");
    jbuf_puts(&msg, or_null(error));
    goto done;
  }
  got = parsed(out);
  if (got == NULL || !json_equal(got, response)) {
    differs(&msg, "response", response, out);
    goto done;
  }
  json_free(got);
  binauthz_string_free(out);
  got = NULL;
  out = NULL;
  status = binauthz_platform_cv_events((const uint8_t *)policy->text, policy->len, (const uint8_t *)request.data,
                                       request.len, &out, &error);
  if (status != BINAUTHZ_STATUS_OK) {
    jbuf_puts(&msg, "CV events: error ");
    jbuf_puts(&msg, binauthz_status_name(status));
    jbuf_puts(&msg, ": ");
    jbuf_puts(&msg, or_null(error));
    goto done;
  }
  got = parsed(out);
  if (got == NULL || !json_equal(got, events)) differs(&msg, "cvEvents", events, out);
done:
  json_free(got);
  binauthz_string_free(out);
  binauthz_string_free(error);
  jbuf_free(&request);
  json_free(c);
  return msg.data;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* The *.json files of dir, sorted (caller frees). */
static size_t platform_cases(const char *dir, char ***out) {
  DIR *d = opendir(dir);
  size_t n = 0, cap = 0;
  char **names = NULL;
  *out = NULL;
  if (d == NULL) return 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    size_t len = strlen(e->d_name);
    if (len < 6 || strcmp(e->d_name + len - 5, ".json") != 0) continue;
    if (n == cap) {
      cap = cap ? cap * 2 : 64;
      names = realloc(names, cap * sizeof *names);
    }
    names[n] = malloc(strlen(dir) + len + 2);
    sprintf(names[n++], "%s/%s", dir, e->d_name);
  }
  closedir(d);
  if (n > 0) qsort(names, n, sizeof *names, by_name);
  *out = names;
  return n;
}

static void test_platform_conformance(const char *dir) {
  char **paths;
  size_t n = platform_cases(dir, &paths);
  int before = failures();
  for (size_t i = 0; i < n; i++) {
    char *problem = run_platform_case(paths[i]);
    check(problem == NULL, "platform %s: %s", strrchr(paths[i], '/') + 1, or_null(problem));
    free(problem);
    free(paths[i]);
  }
  free(paths);
  printf("platform conformance: %zu cases, %d failed\n", n, failures() - before);
  /* An empty or missing directory must not pass as "nothing failed". */
  check(n > 0, "no platform conformance cases in %s", dir);
}

/* ---- 2. error paths ---- */

static const char *POLICY = "{\"gkePolicy\": {\"checkSets\": [{\"displayName\": \"deny\", "
                            "\"checks\": [{\"displayName\": \"no\", \"alwaysDeny\": true}]}]}}";
static const char *REQUEST = "{\"object\": {\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": "
                             "\"web\", \"namespace\": \"prod\"}, \"spec\": {\"containers\": [{\"name\": \"c\", "
                             "\"image\": \"gcr.io/acme/app:1\"}]}}}";
/* Two errors: an unknown field in a check, and a service account without its namespace. */
static const char *INVALID = "{\"gkePolicy\": {\"checkSets\": [{\"scope\": {\"kubernetesServiceAccount\": \"sa\"}, "
                             "\"checks\": [{\"alwaysDenyy\": true}]}, {\"checks\": []}]}}";

typedef int (*two_documents)(const uint8_t *, size_t, const uint8_t *, size_t, char **, char **);

/* A call's status, with its out string and the error's report checked for the given stage, code,
 * the document of the first detail (NULL: any) and the precise status. */
static void expect_failure(const char *name, int status, char *out, char *error, int want_status,
                           const char *stage, const char *code, const char *document) {
  jval *r = platform_report(error);
  const jval *errors = json_get(r, "errors");
  const jval *first = errors != NULL && errors->type == J_ARRAY && errors->count > 0 ? errors->items[0] : NULL;
  check(status == want_status && out == NULL && r != NULL && strcmp(string_at(json_get(r, "stage")), stage) == 0 &&
            strcmp(string_at(json_get(r, "code")), code) == 0 &&
            strcmp(string_at(json_get(r, "message")), or_null(error)) == 0 &&
            (document == NULL || strcmp(string_at(json_get(first, "document")), document) == 0),
        "%s: %s %s", name, binauthz_status_name(status), or_null(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(out);
  binauthz_string_free(error);
}

static void test_platform_errors(void) {
  char *out, *error;
  int status;
  two_documents calls[] = {binauthz_platform_evaluate, binauthz_platform_cv_events};
  const char *names[] = {"platform_evaluate", "platform_cv_events"};

  /* A valid policy: a summary, a response, events. */
  status = binauthz_platform_validate(TEXT(POLICY), &out, &error);
  jval *v = parsed(out);
  const jval *sets = json_get(v, "checkSets");
  check(status == BINAUTHZ_STATUS_OK && error == NULL && sets != NULL && sets->count == 1,
        "platform_validate(good): %s %s %s", binauthz_status_name(status), or_null(out), or_null(error));
  json_free(v);
  binauthz_string_free(out);
  status = binauthz_platform_evaluate(TEXT(POLICY), TEXT(REQUEST), &out, &error);
  v = parsed(out);
  check(status == BINAUTHZ_STATUS_OK && strcmp(string_at(json_get(v, "verdict")), "NON_CONFORMANT") == 0,
        "platform_evaluate(deny): %s %s %s", binauthz_status_name(status), or_null(out), or_null(error));
  json_free(v);
  binauthz_string_free(out);
  status = binauthz_platform_cv_events(TEXT(POLICY), TEXT(REQUEST), &out, &error);
  v = parsed(out);
  check(status == BINAUTHZ_STATUS_OK && v != NULL && v->type == J_ARRAY && v->count == 1 &&
            json_get(v->items[0], "podEvent") != NULL,
        "platform_cv_events(deny): %s %s %s", binauthz_status_name(status), or_null(out), or_null(error));
  json_free(v);
  binauthz_string_free(out);

  /* An invalid policy: every error in the report, each naming the platform policy. */
  status = binauthz_platform_validate(TEXT(INVALID), &out, &error);
  jval *r = platform_report(error);
  const jval *errors = json_get(r, "errors");
  int all_named = errors != NULL && errors->type == J_ARRAY && errors->count >= 2;
  for (size_t i = 0; all_named && i < errors->count; i++)
    all_named = strcmp(string_at(json_get(errors->items[i], "document")), "platform policy") == 0 &&
                json_get(errors->items[i], "path") != NULL && json_get(errors->items[i], "message") != NULL;
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL && all_named &&
            strcmp(string_at(json_get(r, "stage")), "config") == 0 &&
            strcmp(string_at(json_get(r, "code")), "invalid") == 0 &&
            strcmp(string_at(json_get(r, "message")), or_null(error)) == 0 && json_get(r, "path") != NULL,
        "platform_validate(2 errors): %s %s", binauthz_status_name(status), or_null(binauthz_error_json(error)));
  /* evaluate reports the same, and CV logs its message as one configErrorEvent. */
  char *validate_error = error;
  status = binauthz_platform_evaluate(TEXT(INVALID), TEXT(REQUEST), &out, &error);
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL &&
            strcmp(or_null(binauthz_error_json(error)), or_null(binauthz_error_json(validate_error))) == 0,
        "platform_evaluate(2 errors) reports as validate: %s", or_null(binauthz_error_json(error)));
  binauthz_string_free(error);
  status = binauthz_platform_cv_events(TEXT(INVALID), TEXT(REQUEST), &out, &error);
  v = parsed(out);
  const jval *event = v != NULL && v->type == J_ARRAY && v->count == 1 ? json_get(v->items[0], "configErrorEvent") : NULL;
  check(status == BINAUTHZ_STATUS_OK && error == NULL && event != NULL &&
            strcmp(string_at(json_get(event, "description")), or_null(validate_error)) == 0,
        "platform_cv_events(invalid policy): %s %s", binauthz_status_name(status), or_null(out));
  json_free(v);
  json_free(r);
  binauthz_string_free(out);
  binauthz_string_free(validate_error);

  /* NULL documents with a length, NULL out-pointers; error_out may be NULL. */
  status = binauthz_platform_validate(NULL, 1, &out, &error);
  expect_failure("platform_validate(NULL policy)", status, out, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "config",
                 "invalid", "policy");
  status = binauthz_platform_validate(TEXT(POLICY), NULL, &error);
  expect_failure("platform_validate(NULL out)", status, NULL, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "config",
                 "invalid", "summary_json_out");
  out = (char *)(uintptr_t)1;
  status = binauthz_platform_validate(TEXT(INVALID), &out, NULL);
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL, "platform_validate(error_out NULL): %s",
        binauthz_status_name(status));
  /* (NULL, 0) is the empty document: a syntax or invalid error of the policy, not a crash. */
  status = binauthz_platform_validate(NULL, 0, &out, &error);
  check(status != BINAUTHZ_STATUS_OK && status != BINAUTHZ_STATUS_NULL_ARGUMENT && out == NULL && error != NULL,
        "platform_validate(NULL, 0): %s %s", binauthz_status_name(status), or_null(error));
  binauthz_string_free(error);
  for (size_t i = 0; i < 2; i++) {
    char name[96];
    snprintf(name, sizeof name, "%s(NULL policy)", names[i]);
    status = calls[i](NULL, 4, TEXT(REQUEST), &out, &error);
    expect_failure(name, status, out, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "request", "invalid", "policy");
    snprintf(name, sizeof name, "%s(NULL request)", names[i]);
    status = calls[i](TEXT(POLICY), NULL, 4, &out, &error);
    expect_failure(name, status, out, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "request", "invalid", "request");
    snprintf(name, sizeof name, "%s(NULL out)", names[i]);
    status = calls[i](TEXT(POLICY), TEXT(REQUEST), NULL, &error);
    expect_failure(name, status, NULL, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "request", "invalid", NULL);
    snprintf(name, sizeof name, "%s(huge length)", names[i]);
    status = calls[i](TEXT(POLICY), (const uint8_t *)REQUEST, SIZE_MAX, &out, &error);
    expect_failure(name, status, out, error, BINAUTHZ_STATUS_INVALID_ARGUMENT, "request", "limit", "request");
    /* A request that is not UTF-8: the request's syntax error. */
    snprintf(name, sizeof name, "%s(request not UTF-8)", names[i]);
    status = calls[i](TEXT(POLICY), TEXT("{\"object\": \"\xff\"}"), &out, &error);
    expect_failure(name, status, out, error, BINAUTHZ_STATUS_SYNTAX, "request", "syntax", "request");
  }
  /* A policy that is not UTF-8: the policy's syntax error (stage config), and for CV a
     configErrorEvent, as CV logs any policy it cannot read. */
  const char *not_utf8 = "{\"gkePolicy\": {\"name\": \"\xc3\x28\"}}";
  status = binauthz_platform_validate(TEXT(not_utf8), &out, &error);
  expect_failure("platform_validate(not UTF-8)", status, out, error, BINAUTHZ_STATUS_SYNTAX, "config", "syntax",
                 "platform policy");
  status = binauthz_platform_evaluate(TEXT(not_utf8), TEXT(REQUEST), &out, &error);
  expect_failure("platform_evaluate(not UTF-8)", status, out, error, BINAUTHZ_STATUS_SYNTAX, "config", "syntax",
                 "platform policy");
  status = binauthz_platform_cv_events(TEXT(not_utf8), TEXT(REQUEST), &out, &error);
  v = parsed(out);
  check(status == BINAUTHZ_STATUS_OK && error == NULL && v != NULL && v->type == J_ARRAY && v->count == 1 &&
            json_get(v->items[0], "configErrorEvent") != NULL,
        "platform_cv_events(not UTF-8): %s %s %s", binauthz_status_name(status), or_null(out), or_null(error));
  json_free(v);
  binauthz_string_free(out);
}

/* ---- 3. lint ---- */

static const char *EXAMPLE = "spec/examples/platform/platform-policy.yaml";
/* An empty check set (BZ050) before a catch-all set that denies. */
static const char *EMPTY_SET = "{\"gkePolicy\":{\"checkSets\":[{\"scope\":{\"kubernetesNamespace\":\"dev\"},"
                               "\"checks\":[]},{\"checks\":[{\"alwaysDeny\":true}]}]}}";

/* Lints a policy; checks that it succeeds with exactly one finding of the given code and path (NULL:
 * any path), every member of the finding's shape present. */
static void expect_one_finding(const char *name, const uint8_t *policy, size_t len, const char *code,
                               const char *path) {
  char *out = NULL, *error = NULL;
  int status = binauthz_platform_lint(policy, len, &out, &error);
  jval *v = parsed(out);
  const jval *f = v != NULL && v->type == J_ARRAY && v->count == 1 ? v->items[0] : NULL;
  const char *members[] = {"code", "severity", "attestor", "path", "message", "fix"};
  int shaped = f != NULL && f->type == J_OBJECT;
  for (size_t i = 0; shaped && i < 6; i++) shaped = json_get(f, members[i]) != NULL;
  check(status == BINAUTHZ_STATUS_OK && error == NULL && shaped && strcmp(string_at(json_get(f, "code")), code) == 0 &&
            (path == NULL || strcmp(string_at(json_get(f, "path")), path) == 0),
        "%s: %s %s %s", name, binauthz_status_name(status), or_null(out), or_null(error));
  json_free(v);
  binauthz_string_free(out);
  binauthz_string_free(error);
}

static void test_platform_lint(void) {
  char *out, *error;
  int status;
  size_t len;
  char *example = read_file(EXAMPLE, &len);
  check(example != NULL, "platform_lint: cannot read %s (run from the repository's root)", EXAMPLE);
  if (example != NULL) expect_one_finding("platform_lint(worked example)", (const uint8_t *)example, len, "BZ051", NULL);
  free(example);
  expect_one_finding("platform_lint(empty check set)", TEXT(EMPTY_SET), "BZ050", "gkePolicy.checkSets[0].checks");

  /* An invalid policy: validate's report (stage config, every error naming the platform policy). */
  status = binauthz_platform_validate(TEXT(INVALID), &out, &error);
  check(status == BINAUTHZ_STATUS_INVALID && error != NULL, "platform_validate(invalid): %s",
        binauthz_status_name(status));
  char *validate_error = error;
  status = binauthz_platform_lint(TEXT(INVALID), &out, &error);
  jval *r = platform_report(error);
  const jval *errors = json_get(r, "errors");
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL && errors != NULL && errors->type == J_ARRAY &&
            errors->count >= 2 && strcmp(string_at(json_get(r, "stage")), "config") == 0 &&
            strcmp(string_at(json_get(errors->items[0], "document")), "platform policy") == 0 &&
            strcmp(or_null(binauthz_error_json(error)), or_null(binauthz_error_json(validate_error))) == 0,
        "platform_lint(invalid) reports as validate: %s %s", binauthz_status_name(status),
        or_null(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  binauthz_string_free(validate_error);

  /* NULL and non-UTF-8 arguments, as for validate. */
  status = binauthz_platform_lint(NULL, 1, &out, &error);
  expect_failure("platform_lint(NULL policy)", status, out, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "config", "invalid",
                 "policy");
  status = binauthz_platform_lint(TEXT(POLICY), NULL, &error);
  expect_failure("platform_lint(NULL out)", status, NULL, error, BINAUTHZ_STATUS_NULL_ARGUMENT, "config", "invalid",
                 "findings_json_out");
  out = (char *)(uintptr_t)1;
  status = binauthz_platform_lint(TEXT(INVALID), &out, NULL);
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL, "platform_lint(error_out NULL): %s",
        binauthz_status_name(status));
  status = binauthz_platform_lint(NULL, 0, &out, &error);
  check(status != BINAUTHZ_STATUS_OK && status != BINAUTHZ_STATUS_NULL_ARGUMENT && out == NULL && error != NULL,
        "platform_lint(NULL, 0): %s %s", binauthz_status_name(status), or_null(error));
  binauthz_string_free(error);
  status = binauthz_platform_lint(TEXT("{\"gkePolicy\": {\"name\": \"\xc3\x28\"}}"), &out, &error);
  expect_failure("platform_lint(not UTF-8)", status, out, error, BINAUTHZ_STATUS_SYNTAX, "config", "syntax",
                 "platform policy");
}

void test_platform(const char *cases_dir) {
  test_platform_conformance(cases_dir);
  int before = failures();
  test_platform_errors();
  printf("platform policy error paths: %d failed\n", failures() - before);
  before = failures();
  test_platform_lint();
  printf("platform policy lint: %d failed\n", failures() - before);
}
