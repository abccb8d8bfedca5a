/* The C test suite of the binauthz C API (scripts/test-ffi.sh builds and runs it, natively, under
 * valgrind and under ASan/UBSan).
 *
 *   test_ffi CASES_DIR VERSION PLATFORM_CASES_DIR
 *
 * 1. every conformance case in CASES_DIR (spec/README.md section 9), compared on exactly the fields
 *    the Rust runner (binauthz-core/tests/conformance.rs) compares; and every platform-policy case
 *    in PLATFORM_CASES_DIR (spec/conformance/platform/cases, platform.c);
 * 2. error paths: bad configs and requests, NULL arguments, invalid UTF-8, huge inputs; the error
 *    reports (binauthz_error_json) and the entry points over the core's API (documents, checks,
 *    lint, AdmissionReview answers);
 * 3. 8 threads sharing one engine per case, with results identical to a single thread's;
 * 4. the panic guard, when the library was built with the `test-panic` feature (compile with
 *    -DBINAUTHZ_TEST_PANIC).
 *
 * Ends with the line "N passed, M failed"; exits non-zero when anything failed.
 * BINAUTHZ_THREAD_ROUNDS (default 2) sets how often each thread evaluates each case. */
#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binauthz.h"
#include "harness.h"
#include "json.h"

#define THREADS 8
#define MAX_THREAD_CASES 24

static int passed, failed;

void check(int ok, const char *fmt, ...) {
  if (ok) {
    passed++;
    return;
  }
  failed++;
  va_list ap;
  va_start(ap, fmt);
  fputs("FAIL: ", stderr);
  vfprintf(stderr, fmt, ap);
  fputc('\n', stderr);
  va_end(ap);
}

int failures(void) { return failed; }

char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) return NULL;
  jbuf b = {0};
  char chunk[65536];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) jbuf_put(&b, chunk, n);
  fclose(f);
  if (b.data == NULL) jbuf_put(&b, "", 0);
  *len = b.len;
  return b.data;
}

static int has_prefix(const char *s, const char *prefix) {
  return s != NULL && strncmp(s, prefix, strlen(prefix)) == 0;
}

static int contains(const char *s, const char *needle) { return s != NULL && strstr(s, needle) != NULL; }

static const char *str_or(const char *s) { return s ? s : "(null)"; }

/* ---- 1. conformance ---- */

/* The text the engine gets: the object serialized as JSON, or the *Text string as is. */
static int document_text(const jval *c, const char *object, const char *text, jbuf *out) {
  const jval *o = json_get(c, object), *t = json_get(c, text);
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

static int by_string(const void *a, const void *b) {
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Observed verifiedBy: [{attestor, keyId}] of the satisfied attestors, sorted by serialization. */
static jval *observed_verified_by(const jval *image) {
  const jval *attestors = json_get(image, "attestors");
  size_t n = attestors && attestors->type == J_ARRAY ? attestors->count : 0;
  char **texts = calloc(n ? n : 1, sizeof *texts);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const jval *a = attestors->items[i];
    const jval *by = json_get(a, "verifiedBy");
    if (by == NULL || by->type == J_NULL) continue;
    jval *o = json_new(J_OBJECT);
    const jval *name = json_get(a, "attestor"), *key = json_get(by, "keyId");
    json_set(o, "attestor", name ? json_clone(name) : json_new(J_NULL));
    json_set(o, "keyId", key ? json_clone(key) : json_new(J_NULL));
    jbuf b = {0};
    json_write(o, &b);
    json_free(o);
    texts[k++] = b.data;
  }
  qsort(texts, k, sizeof *texts, by_string);
  jval *out = json_new(J_ARRAY);
  for (size_t i = 0; i < k; i++) {
    json_push(out, json_parse(texts[i], strlen(texts[i]), NULL, 0));
    free(texts[i]);
  }
  free(texts);
  return out;
}

/* The fields of an image decision that a case may pin, in the case's shape
 * (observed_image in binauthz-core/tests/conformance.rs). */
static jval *observed_image(const jval *image, const jval *expected) {
  jval *out = json_new(J_OBJECT);
  const char *plain[] = {"image", "verdict", "stage"};
  for (size_t i = 0; i < 3; i++) {
    const jval *v = json_get(image, plain[i]);
    json_set(out, plain[i], v ? json_clone(v) : json_new(J_NULL));
  }
  const jval *reasons = json_get(image, "reasons");
  size_t n = reasons && reasons->type == J_ARRAY ? reasons->count : 0;
  const char **kinds = calloc(n ? n : 1, sizeof *kinds);
  size_t k = 0;
  for (size_t i = 0; i < n; i++) {
    const jval *kind = json_get(reasons->items[i], "kind");
    if (kind && kind->type == J_STRING) kinds[k++] = kind->text;
  }
  qsort(kinds, k, sizeof *kinds, by_string);
  jval *list = json_new(J_ARRAY);
  for (size_t i = 0; i < k; i++)
    if (i == 0 || strcmp(kinds[i], kinds[i - 1]) != 0) json_push(list, json_string(kinds[i]));
  free(kinds);
  json_set(out, "reasonKinds", list);
  if (json_get(expected, "rule") != NULL) {
    const jval *rule = json_get(image, "rule");
    if (rule == NULL || rule->type == J_NULL) {
      json_set(out, "rule", json_new(J_NULL));
    } else {
      jval *r = json_new(J_OBJECT);
      const jval *kind = json_get(rule, "kind"), *key = json_get(rule, "key");
      json_set(r, "kind", kind ? json_clone(kind) : json_new(J_NULL));
      json_set(r, "key", key ? json_clone(key) : json_new(J_NULL));
      json_set(out, "rule", r);
    }
  }
  if (json_get(expected, "matchedPattern") != NULL) {
    const jval *p = json_get(image, "matchedPattern");
    json_set(out, "matchedPattern", p ? json_clone(p) : json_new(J_NULL));
  }
  if (json_get(expected, "verifiedBy") != NULL) json_set(out, "verifiedBy", observed_verified_by(image));
  return out;
}

/* Runs one case; returns NULL when it passes, else a message (malloc'd). */
static char *run_case(const char *path) {
  jbuf msg = {0};
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
  jbuf config = {0}, request = {0};
  const jval *expect = json_get(c, "expect"), *expect_error = json_get(c, "expectError");
  BinauthzEngine *engine = NULL;
  char *decision = NULL, *error = NULL;
  const char *stage = "config";
  int status;
  if (!document_text(c, "config", "configText", &config) ||
      !document_text(c, "request", "requestText", &request) || (expect == NULL) == (expect_error == NULL)) {
    jbuf_puts(&msg, "malformed case: needs config/configText, request/requestText, expect/expectError");
    goto done;
  }
  status = binauthz_engine_new((const uint8_t *)config.data, config.len, &engine, &error);
  if (status == BINAUTHZ_STATUS_OK) {
    stage = "request";
    status = binauthz_engine_evaluate(engine, (const uint8_t *)request.data, request.len, &decision, &error);
  }
  if (expect != NULL) {
    if (status != BINAUTHZ_STATUS_OK) {
      jbuf_puts(&msg, "expected a decision, got error ");
      jbuf_puts(&msg, binauthz_status_name(status));
      jbuf_puts(&msg, ": ");
      jbuf_puts(&msg, str_or(error));
      goto done;
    }
    jval *got = json_parse(decision, strlen(decision), err, sizeof err);
    if (got == NULL) {
      jbuf_puts(&msg, "the decision is not JSON: ");
      jbuf_puts(&msg, err);
      goto done;
    }
    const jval *want_images = json_get(expect, "images"), *have_images = json_get(got, "images");
    if (!json_equal(json_get(got, "allowed"), json_get(expect, "allowed"))) {
      jbuf_puts(&msg, "allowed differs; decision: ");
      jbuf_puts(&msg, decision);
    } else if (want_images == NULL || have_images == NULL || want_images->count != have_images->count) {
      jbuf_puts(&msg, "image count differs; decision: ");
      jbuf_puts(&msg, decision);
    } else {
      for (size_t i = 0; i < want_images->count; i++) {
        jval *observed = observed_image(have_images->items[i], want_images->items[i]);
        if (!json_equal(observed, want_images->items[i])) {
          char idx[64];
          snprintf(idx, sizeof idx, "image %zu: expected ", i);
          jbuf_puts(&msg, idx);
          json_write(want_images->items[i], &msg);
          jbuf_puts(&msg, " got ");
          json_write(observed, &msg);
          json_free(observed);
          break;
        }
        json_free(observed);
      }
    }
    /* Each text of notesContain is part of one of the decision's notes (spec section 9). */
    const jval *want_notes = json_get(expect, "notesContain"), *notes = json_get(got, "notes");
    for (size_t i = 0; msg.data == NULL && want_notes != NULL && i < want_notes->count; i++) {
      int found = 0;
      for (size_t j = 0; notes != NULL && j < notes->count; j++) {
        found |= strstr(notes->items[j]->text, want_notes->items[i]->text) != NULL;
      }
      if (!found) {
        jbuf_puts(&msg, "no note contains ");
        json_write(want_notes->items[i], &msg);
        jbuf_puts(&msg, "; decision: ");
        jbuf_puts(&msg, decision);
      }
    }
    /* The same decision, byte for byte, with the signatures verified on two threads (spec section 7.3). */
    if (msg.data == NULL) {
      BinauthzEngine *threaded = NULL;
      char *again = NULL;
      int s = binauthz_engine_new((const uint8_t *)config.data, config.len, &threaded, NULL);
      if (s == BINAUTHZ_STATUS_OK) s = binauthz_engine_set_verify_threads(threaded, 2, NULL);
      if (s == BINAUTHZ_STATUS_OK)
        s = binauthz_engine_evaluate(threaded, (const uint8_t *)request.data, request.len, &again, NULL);
      if (s != BINAUTHZ_STATUS_OK || strcmp(again, decision) != 0) {
        jbuf_puts(&msg, "two verification threads decide otherwise: ");
        jbuf_puts(&msg, s == BINAUTHZ_STATUS_OK ? again : binauthz_status_name(s));
      }
      binauthz_string_free(again);
      binauthz_engine_free(threaded);
    }
    json_free(got);
  } else {
    const jval *want_stage = json_get(expect_error, "stage"), *want_code = json_get(expect_error, "code");
    const jval *want_text = json_get(expect_error, "messageContains");
    const char *code = binauthz_status_name(status);
    if (status == BINAUTHZ_STATUS_OK) {
      jbuf_puts(&msg, "expected an error, got a decision: ");
      jbuf_puts(&msg, str_or(decision));
    } else if (want_stage == NULL || want_code == NULL || strcmp(want_stage->text, stage) != 0 ||
               strcmp(want_code->text, code) != 0 || (want_text != NULL && !contains(error, want_text->text))) {
      jbuf_puts(&msg, "expected ");
      json_write(expect_error, &msg);
      jbuf_puts(&msg, ", got ");
      jbuf_puts(&msg, stage);
      jbuf_puts(&msg, " error ");
      jbuf_puts(&msg, code);
      jbuf_puts(&msg, ": ");
      jbuf_puts(&msg, str_or(error));
    }
  }
done:
  binauthz_string_free(decision);
  binauthz_string_free(error);
  binauthz_engine_free(engine);
  jbuf_free(&config);
  jbuf_free(&request);
  json_free(c);
  return msg.data;
}

static size_t list_cases(const char *dir, char ***out) {
  DIR *d = opendir(dir);
  size_t n = 0, cap = 0;
  char **names = NULL;
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
  qsort(names, n, sizeof *names, by_string);
  *out = names;
  return n;
}

static void test_conformance(char **paths, size_t n) {
  int before = failed;
  for (size_t i = 0; i < n; i++) {
    char *problem = run_case(paths[i]);
    check(problem == NULL, "%s: %s", strrchr(paths[i], '/') + 1, str_or(problem));
    free(problem);
  }
  printf("conformance: %zu cases, %d failed\n", n, failed - before);
  check(n >= 60, "only %zu conformance cases found", n);
}

/* ---- 2. error paths ---- */

/* A string literal and its length. */
#define TEXT(s) s, strlen(s)

static const char *DENY =
    "{\"policy\": {\"defaultAdmissionRule\": {\"evaluationMode\": \"ALWAYS_DENY\", "
    "\"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}}";

/* engine_new on text; returns the status, stores the message (caller frees). */
static int new_engine(const char *config, size_t len, BinauthzEngine **engine, char **error) {
  *engine = (BinauthzEngine *)(uintptr_t)1; /* must be overwritten */
  *error = (char *)(uintptr_t)1;
  return binauthz_engine_new((const uint8_t *)config, len, engine, error);
}

static void expect_config_error(const char *name, const char *config, size_t len, int want, const char *text) {
  BinauthzEngine *engine;
  char *error;
  int status = new_engine(config, len, &engine, &error);
  check(status == want && engine == NULL && has_prefix(error, "invalid config: ") && contains(error, text),
        "config %s: status %s, engine %p, error %s", name, binauthz_status_name(status), (void *)engine,
        str_or(error));
  binauthz_string_free(error);
}

static int evaluate(const BinauthzEngine *engine, const char *request, size_t len, char **decision, char **error) {
  *decision = (char *)(uintptr_t)1;
  *error = (char *)(uintptr_t)1;
  return binauthz_engine_evaluate(engine, (const uint8_t *)request, len, decision, error);
}

static void expect_request_error(const BinauthzEngine *engine, const char *name, const char *request, size_t len,
                                 int want, const char *text) {
  char *decision, *error;
  int status = evaluate(engine, request, len, &decision, &error);
  check(status == want && decision == NULL && has_prefix(error, "invalid request: ") && contains(error, text),
        "request %s: status %s, error %s", name, binauthz_status_name(status), str_or(error));
  binauthz_string_free(decision);
  binauthz_string_free(error);
}

static char *repeat(const char *prefix, const char *unit, size_t times, const char *suffix, size_t *len) {
  size_t p = strlen(prefix), u = strlen(unit), s = strlen(suffix);
  *len = p + u * times + s;
  char *out = malloc(*len + 1);
  memcpy(out, prefix, p);
  for (size_t i = 0; i < times; i++) memcpy(out + p + i * u, unit, u);
  memcpy(out + p + u * times, suffix, s + 1);
  return out;
}

static void test_errors(const char *version) {
  BinauthzEngine *engine;
  char *error, *decision;
  size_t len;
  char *big;

  /* Configs. */
  expect_config_error("unknown field", TEXT("{\"policy\": {}, \"bogus\": 1}"), BINAUTHZ_STATUS_INVALID, "bogus");
  expect_config_error("JSON syntax", TEXT("{\"policy\": "), BINAUTHZ_STATUS_SYNTAX, "");
  expect_config_error("YAML syntax", TEXT("policy: ["), BINAUTHZ_STATUS_SYNTAX, "");
  const char *missing =
      "{\"policy\": {\"defaultAdmissionRule\": {\"evaluationMode\": \"REQUIRE_ATTESTATION\", "
      "\"requireAttestationsBy\": [\"projects/p/attestors/a\"], "
      "\"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}}";
  expect_config_error("missing attestor", missing, strlen(missing), BINAUTHZ_STATUS_REFERENCE,
                      "projects/p/attestors/a");
  expect_config_error("not UTF-8", TEXT("{\"policy\": \"\xff\xfe\"}"), BINAUTHZ_STATUS_SYNTAX, "UTF-8");
  expect_config_error("empty (NULL, 0)", NULL, 0, BINAUTHZ_STATUS_SYNTAX, "");
  big = repeat("{\"policy\": \"", "x", 3u << 20, "\"}", &len);
  expect_config_error("3 MiB", big, len, BINAUTHZ_STATUS_LIMIT, "");
  free(big);
  big = repeat("", "[", 200, "", &len); /* 100 levels: past the core's 64, within serde_json's 128 */
  memset(big + 100, ']', 100);
  expect_config_error("nested 100 deep", big, len, BINAUTHZ_STATUS_LIMIT, "");
  free(big);

  int status = new_engine(NULL, 5, &engine, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && engine == NULL && contains(error, "`config`"),
        "engine_new(NULL, 5): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  error = NULL;
  status = binauthz_engine_new((const uint8_t *)DENY, strlen(DENY), NULL, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && contains(error, "`engine_out` is NULL"),
        "engine_new(engine_out NULL): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_engine_new((const uint8_t *)"{", 1, &engine, NULL);
  check(status == BINAUTHZ_STATUS_SYNTAX && engine == NULL, "engine_new(error_out NULL): %s",
        binauthz_status_name(status));
  status = new_engine(DENY, (size_t)PTRDIFF_MAX + 1, &engine, &error);
  check(status == BINAUTHZ_STATUS_INVALID_ARGUMENT && engine == NULL && contains(error, "PTRDIFF_MAX"),
        "engine_new(len > PTRDIFF_MAX): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);

  /* A good engine; its error pointer is NULL. */
  status = new_engine(DENY, strlen(DENY), &engine, &error);
  check(status == BINAUTHZ_STATUS_OK && engine != NULL && error == NULL, "engine_new(DENY): %s %s",
        binauthz_status_name(status), str_or(error));
  if (status != BINAUTHZ_STATUS_OK) return;

  const char *ok = "{\"images\": [\"gcr.io/acme/app:1\"]}";
  status = evaluate(engine, ok, strlen(ok), &decision, &error);
  check(status == BINAUTHZ_STATUS_OK && error == NULL && has_prefix(decision, "{\"allowed\":false,"),
        "evaluate(ok): %s %s %s", binauthz_status_name(status), str_or(error), str_or(decision));
  binauthz_string_free(decision);
  const char *yaml = "images: [gcr.io/acme/app:1]\ncontext: {namespace: payments}\n";
  status = evaluate(engine, yaml, strlen(yaml), &decision, &error);
  check(status == BINAUTHZ_STATUS_OK && contains(decision, "\"namespace\":\"payments\""), "evaluate(YAML): %s %s",
        binauthz_status_name(status), str_or(error));
  binauthz_string_free(decision);
  binauthz_string_free(error);
  status = binauthz_engine_evaluate(engine, (const uint8_t *)ok, strlen(ok), &decision, NULL);
  check(status == BINAUTHZ_STATUS_OK && decision != NULL, "evaluate(error_out NULL): %s",
        binauthz_status_name(status));
  binauthz_string_free(decision);

  /* Requests. */
  expect_request_error(engine, "JSON syntax", TEXT("{\"images\": ["), BINAUTHZ_STATUS_SYNTAX, "");
  expect_request_error(engine, "unknown field", TEXT("{\"images\": [\"a\"], \"extra\": 1}"), BINAUTHZ_STATUS_INVALID,
                       "extra");
  expect_request_error(engine, "no images", TEXT("{\"images\": []}"), BINAUTHZ_STATUS_INVALID, "images");
  expect_request_error(engine, "not UTF-8", TEXT("{\"images\": [\"gcr.io/\xc3\x28\"]}"), BINAUTHZ_STATUS_SYNTAX,
                       "UTF-8");
  expect_request_error(engine, "empty (NULL, 0)", NULL, 0, BINAUTHZ_STATUS_SYNTAX, "");
  big = repeat("{\"images\": [\"gcr.io/acme/app:1\"], \"context\": {\"namespace\": \"", "x", 9u << 20, "\"}}", &len);
  expect_request_error(engine, "9 MiB", big, len, BINAUTHZ_STATUS_LIMIT, "");
  free(big);
  big = repeat("{\"images\": [\"a\"", ", \"a\"", 1024, "]}", &len);
  expect_request_error(engine, "1025 images", big, len, BINAUTHZ_STATUS_LIMIT, "1024");
  free(big);
  big = repeat("{\"images\": [\"", "a", 4097, "\"]}", &len);
  expect_request_error(engine, "image of 4097 bytes", big, len, BINAUTHZ_STATUS_LIMIT, "images[0]");
  free(big);
  /* Text that is not an image reference is an image of its own (spec section 4), decided by the
     rule (ALWAYS_DENY here); its raw text stays in the JSON, escaped by JSON itself, and the
     denial text a person reads quotes it escaped. */
  const char *nul = "{\"images\": [\"a\\u0000b\"]}";
  status = evaluate(engine, nul, strlen(nul), &decision, &error);
  check(status == BINAUTHZ_STATUS_OK && error == NULL && contains(decision, "\"image\":\"a\\u0000b\"") &&
            contains(decision, "Image `a\\\\u{0}b` denied") && contains(decision, "\"alwaysDeny\""),
        "evaluate(NUL in an image): %s %s %s", binauthz_status_name(status), str_or(error), str_or(decision));
  binauthz_string_free(decision);
  /* A message quoting a NUL from the input: C strings cannot hold it, so it becomes U+FFFD. */
  expect_request_error(engine, "NUL in a field name", TEXT("{\"images\": [\"a\"], \"x\\u0000y\": 1}"),
                       BINAUTHZ_STATUS_INVALID, "x\xEF\xBF\xBDy");

  status = evaluate(engine, NULL, 3, &decision, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && decision == NULL && contains(error, "`request`"),
        "evaluate(NULL, 3): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = evaluate(NULL, ok, strlen(ok), &decision, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && decision == NULL && contains(error, "`engine`"),
        "evaluate(engine NULL): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  error = NULL;
  status = binauthz_engine_evaluate(engine, (const uint8_t *)ok, strlen(ok), NULL, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && contains(error, "`decision_json_out`"),
        "evaluate(decision_json_out NULL): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = evaluate(engine, ok, SIZE_MAX, &decision, &error);
  check(status == BINAUTHZ_STATUS_INVALID_ARGUMENT && decision == NULL, "evaluate(len SIZE_MAX): %s",
        binauthz_status_name(status));
  binauthz_string_free(error);
  binauthz_engine_free(engine);
  binauthz_engine_free(NULL);
  binauthz_string_free(NULL);

  /* Signature payloads: byte-identical to gcloud's (spec section 6). */
  const char *url =
      "https://us-docker.pkg.dev/acme/app:1.0@sha256:"
      "d64c6b66b20c10c1330b90ca360b7cff9bdb3337895067ebfa09caa2f8f80e98";
  const char *want =
      "{\n  \"critical\": {\n    \"identity\": {\n      \"docker-reference\": \"us-docker.pkg.dev/acme/app\"\n"
      "    },\n    \"image\": {\n      \"docker-manifest-digest\": "
      "\"sha256:d64c6b66b20c10c1330b90ca360b7cff9bdb3337895067ebfa09caa2f8f80e98\"\n    },\n"
      "    \"type\": \"Google cloud binauthz container signature\"\n  }\n}\n";
  char *payload = (char *)(uintptr_t)1;
  error = (char *)(uintptr_t)1;
  status = binauthz_create_signature_payload(url, &payload, &error);
  check(status == BINAUTHZ_STATUS_OK && error == NULL && payload != NULL && strcmp(payload, want) == 0,
        "payload: %s %s [%s]", binauthz_status_name(status), str_or(error), str_or(payload));
  binauthz_string_free(payload);
  status = binauthz_create_signature_payload("gcr.io/p/app@sha256:ABC", &payload, &error);
  check(status == BINAUTHZ_STATUS_INVALID && payload == NULL && contains(error, "invalid digest: sha256:ABC"),
        "payload(bad digest): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_create_signature_payload("gcr.io/p/\xff@sha256:0", &payload, &error);
  check(status == BINAUTHZ_STATUS_INVALID_UTF8 && payload == NULL && contains(error, "not UTF-8"),
        "payload(not UTF-8): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_create_signature_payload(NULL, &payload, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && payload == NULL && contains(error, "`artifact_url`"),
        "payload(NULL url): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_create_signature_payload(url, NULL, NULL);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT, "payload(NULL out): %s", binauthz_status_name(status));

  /* Kubernetes objects: extraction, and evaluation of a request carrying the object. */
  const char *review =
      "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"u1\", "
      "\"namespace\": \"payments\", \"object\": {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {"
      "\"serviceAccountName\": \"deployer\", \"containers\": [{\"name\": \"api\", \"image\": \"gcr.io/acme/api:1\"}], "
      "\"initContainers\": [{\"name\": \"init\", \"image\": \"gcr.io/acme/init:1\"}]}}}}";
  char *extracted = (char *)(uintptr_t)1;
  error = (char *)(uintptr_t)1;
  status = binauthz_extract_images((const uint8_t *)review, strlen(review), &extracted, &error);
  jval *x = status == BINAUTHZ_STATUS_OK ? json_parse(extracted, strlen(extracted), NULL, 0) : NULL;
  const jval *images = json_get(x, "images"), *context = json_get(x, "context");
  const jval *ns = json_get(context, "namespace"), *sa = json_get(context, "serviceAccount");
  check(error == NULL && images != NULL && images->count == 2 && strcmp(images->items[0]->text, "gcr.io/acme/api:1") == 0 &&
            strcmp(images->items[1]->text, "gcr.io/acme/init:1") == 0 && ns && strcmp(ns->text, "payments") == 0 &&
            sa && strcmp(sa->text, "deployer") == 0,
        "extract(AdmissionReview): %s %s %s", binauthz_status_name(status), str_or(error), str_or(extracted));
  json_free(x);
  binauthz_string_free(extracted);
  const char *deployment =
      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d, namespace: staging}\nspec:\n  template:\n"
      "    metadata: {labels: {image-policy.k8s.io/break-glass: \"true\"}}\n"
      "    spec: {containers: [{name: c, image: gcr.io/acme/app:2}]}\n";
  status = binauthz_extract_images((const uint8_t *)deployment, strlen(deployment), &extracted, &error);
  check(status == BINAUTHZ_STATUS_OK && contains(extracted, "\"images\":[\"gcr.io/acme/app:2\"]") &&
            contains(extracted, "\"namespace\":\"staging\"") && contains(extracted, "\"breakglass\":true"),
        "extract(Deployment YAML): %s %s %s", binauthz_status_name(status), str_or(error), str_or(extracted));
  binauthz_string_free(extracted);
  binauthz_string_free(error);
  const char *service = "{\"kind\": \"Service\", \"spec\": {}}";
  status = binauthz_extract_images((const uint8_t *)service, strlen(service), &extracted, &error);
  check(status == BINAUTHZ_STATUS_INVALID && extracted == NULL && contains(error, "`Service`"),
        "extract(Service): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_extract_images((const uint8_t *)"kind: \xff", 8, &extracted, &error);
  check(status == BINAUTHZ_STATUS_SYNTAX && extracted == NULL && contains(error, "not UTF-8"),
        "extract(not UTF-8): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_extract_images((const uint8_t *)review, strlen(review), NULL, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && contains(error, "`extracted_json_out`"),
        "extract(NULL out): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_extract_images(NULL, 1, &extracted, NULL);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && extracted == NULL, "extract(NULL, 1): %s",
        binauthz_status_name(status));
  {
    jbuf req = {0};
    jbuf_puts(&req, "{\"object\": ");
    jbuf_puts(&req, review);
    jbuf_puts(&req, ", \"context\": {\"cluster\": \"us-east1.prod\"}}");
    BinauthzEngine *deny = NULL;
    status = binauthz_engine_new((const uint8_t *)DENY, strlen(DENY), &deny, NULL);
    if (status == BINAUTHZ_STATUS_OK) status = evaluate(deny, req.data, req.len, &decision, &error);
    check(status == BINAUTHZ_STATUS_OK && contains(decision, "\"image\":\"gcr.io/acme/init:1\"") &&
              contains(decision, "\"serviceAccount\":\"deployer\"") && contains(decision, "\"cluster\":\"us-east1.prod\""),
          "evaluate(object): %s %s %s", binauthz_status_name(status), str_or(error), str_or(decision));
    binauthz_string_free(decision);
    binauthz_string_free(error);
    binauthz_engine_free(deny);
    jbuf_free(&req);
  }

  /* Static strings. */
  const char *names[] = {"ok", "syntax", "limit", "invalid", "reference", "unsupported",
                         "null_argument", "invalid_utf8", "invalid_argument", "panic"};
  for (int i = 0; i < 10; i++)
    check(strcmp(binauthz_status_name(i), names[i]) == 0, "status_name(%d) = %s", i, binauthz_status_name(i));
  check(strcmp(binauthz_status_name(BINAUTHZ_STATUS_PANIC), "panic") == 0, "status_name(PANIC)");
  check(strcmp(binauthz_status_name(10), "unknown") == 0 && strcmp(binauthz_status_name(-1), "unknown") == 0,
        "status_name(out of range)");
  check(strcmp(binauthz_version(), version) == 0, "version %s, expected %s", binauthz_version(), version);
}

/* ---- 2b. the core API: error reports (binauthz_error_json) and the entry points over it ---- */

/* The report of an error string, parsed (caller frees); NULL when it has none or it is not JSON. */
static jval *report_of(const char *error) {
  const char *json = binauthz_error_json(error);
  return json ? json_parse(json, strlen(json), NULL, 0) : NULL;
}

static const char *text_of(const jval *v) { return v != NULL && v->type == J_STRING ? v->text : ""; }

/* Whether a report has the spec shape: code, stage, path, message (the error string itself) and a
 * non-empty errors list whose details have document, code, path and message. */
static int report_shaped(const jval *r, const char *error) {
  const jval *errors = json_get(r, "errors");
  if (error == NULL || r == NULL || r->type != J_OBJECT || json_get(r, "code") == NULL || json_get(r, "stage") == NULL ||
      json_get(r, "path") == NULL || strcmp(text_of(json_get(r, "message")), error) != 0 || errors == NULL ||
      errors->type != J_ARRAY || errors->count == 0)
    return 0;
  for (size_t i = 0; i < errors->count; i++) {
    const jval *d = errors->items[i];
    if (json_get(d, "document") == NULL || json_get(d, "code") == NULL || json_get(d, "path") == NULL ||
        json_get(d, "message") == NULL)
      return 0;
  }
  return 1;
}

/* The AdmissionReview of a pod with one container running `image` (JSON-escaped already). */
static char *pod_review(const char *operation, const char *image) {
  jbuf b = {0};
  jbuf_puts(&b, "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"u-7\", "
                "\"namespace\": \"payments\", \"operation\": \"");
  jbuf_puts(&b, operation);
  jbuf_puts(&b, "\", \"object\": {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": {\"containers\": "
                "[{\"name\": \"c\", \"image\": \"");
  jbuf_puts(&b, image);
  jbuf_puts(&b, "\"}]}}}}");
  return b.data;
}

/* answer_review on a review and an optional context; returns the status, the parsed answer. */
static int answer(const BinauthzEngine *engine, const char *review, const char *context, const char *time,
                  jval **parsed, char **error) {
  char *out = (char *)(uintptr_t)1;
  *error = (char *)(uintptr_t)1;
  int status = binauthz_engine_answer_review(engine, (const uint8_t *)review, strlen(review), NULL, 0,
                                             (const uint8_t *)context, context ? strlen(context) : 0,
                                             (const uint8_t *)time, time ? strlen(time) : 0, &out, error);
  *parsed = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  binauthz_string_free(out);
  return status;
}

static const jval *at(const jval *v, const char *a, const char *b, const char *c) {
  v = json_get(v, a);
  if (b) v = json_get(v, b);
  if (c) v = json_get(v, c);
  return v;
}

/* Whether v is the number `n` (as written) / a boolean that is `b` / of type t; false for NULL. */
static int number_is(const jval *v, const char *n) { return v != NULL && v->type == J_NUMBER && strcmp(v->text, n) == 0; }
static int bool_is(const jval *v, int b) { return v != NULL && v->type == J_BOOL && v->boolean == b; }
static int type_is(const jval *v, jtype t) { return v != NULL && v->type == t; }

static void test_api(void) {
  char *error, *out;
  jval *r;
  int status;
  check(binauthz_abi_version() == BINAUTHZ_ABI_VERSION, "abi version %d, header %d", binauthz_abi_version(),
        BINAUTHZ_ABI_VERSION);
  check(binauthz_error_json(NULL) == NULL, "error_json(NULL)");

  /* A config error with several errors (two in the policy, one in the attestors): every one in the
     report, each naming its document. */
  const char *policy = "{\"defaultAdmissionRule\": {\"evaluationMode\": \"SOMETIMES\", "
                       "\"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}, \"bogus\": 1}";
  const char *attestors = "[{\"name\": \"projects/p/attestors/a\", \"surprise\": true}]";
  out = (char *)(uintptr_t)1;
  status = binauthz_check_policy((const uint8_t *)policy, strlen(policy), (const uint8_t *)attestors,
                                 strlen(attestors), &out, &error);
  r = report_of(error);
  const jval *errors = json_get(r, "errors");
  int documents_ok = errors != NULL && errors->count >= 3 &&
                     strcmp(text_of(json_get(errors->items[0], "document")), "policy") == 0 &&
                     strcmp(text_of(json_get(errors->items[errors->count - 1], "document")), "attestors") == 0;
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "stage")), "config") == 0 &&
            strcmp(text_of(json_get(r, "code")), "invalid") == 0 && has_prefix(error, "invalid policy: ") &&
            contains(error, "more errors)") && documents_ok,
        "check_policy(3 errors): %s %s %s", binauthz_status_name(status), str_or(error),
        str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);

  /* The same documents without their errors: a summary, findings, an engine. */
  const char *good = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n"
                     "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
  status = binauthz_check_policy((const uint8_t *)good, strlen(good), NULL, 0, &out, &error);
  r = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  check(status == BINAUTHZ_STATUS_OK && error == NULL &&
            strcmp(text_of(at(r, "defaultAdmissionRule", "evaluationMode", NULL)), "ALWAYS_DENY") == 0,
        "check_policy(good): %s %s %s", binauthz_status_name(status), str_or(error), str_or(out));
  json_free(r);
  binauthz_string_free(out);
  check(binauthz_error_json(NULL) == NULL, "error_json(NULL)");
  status = binauthz_lint_policy((const uint8_t *)good, strlen(good), NULL, 0, &out, &error);
  r = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  check(status == BINAUTHZ_STATUS_OK && error == NULL && r != NULL && r->type == J_ARRAY,
        "lint_policy(good): %s %s %s", binauthz_status_name(status), str_or(error), str_or(out));
  json_free(r);
  binauthz_string_free(out);
  status = binauthz_lint_policy((const uint8_t *)"{", 1, NULL, 0, &out, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_SYNTAX && out == NULL && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "code")), "syntax") == 0,
        "lint_policy(bad): %s %s", binauthz_status_name(status), str_or(error));
  json_free(r);
  binauthz_string_free(error);
  status = binauthz_lint_policy((const uint8_t *)good, strlen(good), NULL, 0, NULL, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && contains(error, "`findings_json_out`"),
        "lint_policy(NULL out): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);

  const char *require = "{\"defaultAdmissionRule\": {\"evaluationMode\": \"REQUIRE_ATTESTATION\", "
                        "\"requireAttestationsBy\": [\"projects/p/attestors/a\"], "
                        "\"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}";
  BinauthzEngine *engine = (BinauthzEngine *)(uintptr_t)1;
  status = binauthz_engine_new_from_documents((const uint8_t *)require, strlen(require), NULL, 0, &engine, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_REFERENCE && engine == NULL && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "code")), "reference") == 0 && contains(error, "projects/p/attestors/a"),
        "new_from_documents(missing attestor): %s %s", binauthz_status_name(status), str_or(error));
  json_free(r);
  binauthz_string_free(error);
  status = binauthz_engine_new_from_documents((const uint8_t *)good, strlen(good), NULL, 0, &engine, &error);
  check(status == BINAUTHZ_STATUS_OK && engine != NULL && error == NULL, "new_from_documents(good): %s %s",
        binauthz_status_name(status), str_or(error));
  if (status != BINAUTHZ_STATUS_OK) return;

  /* A request error: the report of the core's first error, with its path. */
  const char *bad = "{\"images\": []}";
  status = evaluate(engine, bad, strlen(bad), &out, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_INVALID && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "stage")), "request") == 0 &&
            strcmp(text_of(json_get(r, "code")), "invalid") == 0 &&
            strcmp(text_of(json_get(r, "path")), "images") == 0 && json_get(r, "errors")->count == 1,
        "evaluate(no images) report: %s %s", str_or(error), str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  /* A decision is not an error string: no report. */
  const char *ok = "{\"images\": [\"gcr.io/acme/app:1\"]}";
  status = evaluate(engine, ok, strlen(ok), &out, &error);
  check(status == BINAUTHZ_STATUS_OK && has_prefix(out, "{\"allowed\":false,") && binauthz_error_json(out) == NULL,
        "evaluate(documents engine): %s %s", binauthz_status_name(status), str_or(out));
  binauthz_string_free(out);

  /* Errors of how the API was called get a report too: the call's stage, the nearest code. */
  status = binauthz_engine_new_from_documents((const uint8_t *)good, strlen(good), NULL, 0, NULL, &error);
  r = report_of(error);
  errors = json_get(r, "errors");
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && report_shaped(r, error) &&
            strcmp(error, "argument `engine_out` is NULL") == 0 &&
            strcmp(text_of(json_get(r, "stage")), "config") == 0 &&
            strcmp(text_of(json_get(r, "code")), "invalid") == 0 &&
            strcmp(text_of(json_get(errors->items[0], "document")), "engine_out") == 0,
        "NULL argument report: %s %s", str_or(error), str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  status = evaluate(NULL, ok, strlen(ok), &out, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "stage")), "request") == 0,
        "NULL engine report: %s %s", str_or(error), str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  status = binauthz_create_signature_payload("gcr.io/p/\xff@sha256:0", &out, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_INVALID_UTF8 && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "code")), "syntax") == 0,
        "not UTF-8 report: %s %s", str_or(error), str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  status = evaluate(engine, ok, SIZE_MAX, &out, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_INVALID_ARGUMENT && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "code")), "limit") == 0,
        "length report: %s %s", str_or(error), str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  /* A message that quoted a NUL: the error string has U+FFFD in its place, the report (JSON can
     carry it) the NUL itself. */
  const char *nul = "{\"images\": [\"a\"], \"x\\u0000y\": 1}";
  status = evaluate(engine, nul, strlen(nul), &out, &error);
  r = report_of(error);
  const jval *path = json_get(r, "path");
  check(status == BINAUTHZ_STATUS_INVALID && contains(error, "x\xEF\xBF\xBDy") && path != NULL &&
            path->type == J_STRING && path->len == 3 && memcmp(path->text, "x\0y", 3) == 0,
        "NUL report: %s %s", str_or(error), str_or(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);

  /* AdmissionReviews, answered by the core. */
  char *review = pod_review("CREATE", "gcr.io/acme/app:1");
  status = answer(engine, review, "{\"cluster\": \"us-east1.prod\"}", "\"2025-01-01T00:00:00Z\"", &r, &error);
  check(status == BINAUTHZ_STATUS_OK && error == NULL &&
            strcmp(text_of(at(r, "response", "response", "uid")), "u-7") == 0 &&
            strcmp(text_of(at(r, "response", "kind", NULL)), "AdmissionReview") == 0 &&
            bool_is(at(r, "response", "response", "allowed"), 0) &&
            number_is(json_get(at(r, "response", "response", "status"), "code"), "403") &&
            strcmp(text_of(json_get(at(r, "decision", "audit", "context"), "cluster")), "us-east1.prod") == 0 &&
            type_is(at(r, "error", NULL, NULL), J_NULL),
        "answer_review(deny): %s %s", binauthz_status_name(status), str_or(error));
  json_free(r);
  free(review);
  /* A denial quoting an image with a control character: the message kubectl prints is escaped. */
  review = pod_review("CREATE", "gcr.io/acme/app\\u001b[31m:1");
  status = answer(engine, review, NULL, NULL, &r, &error);
  const char *message = text_of(json_get(at(r, "response", "response", "status"), "message"));
  check(status == BINAUTHZ_STATUS_OK && contains(message, "denied") && strchr(message, 0x1b) == NULL,
        "answer_review(control character): %s [%s]", binauthz_status_name(status), message);
  json_free(r);
  free(review);
  review = pod_review("DELETE", "gcr.io/acme/app:1");
  status = answer(engine, review, NULL, NULL, &r, &error);
  check(status == BINAUTHZ_STATUS_OK && bool_is(at(r, "response", "response", "allowed"), 1) &&
            type_is(at(r, "decision", NULL, NULL), J_NULL),
        "answer_review(DELETE): %s", binauthz_status_name(status));
  json_free(r);
  free(review);
  /* The host's context cannot be read: a 500 refusal, and the error. */
  review = pod_review("CREATE", "gcr.io/acme/app:1");
  status = answer(engine, review, "[", NULL, &r, &error);
  check(status == BINAUTHZ_STATUS_OK &&
            number_is(json_get(at(r, "response", "response", "status"), "code"), "500") &&
            strcmp(text_of(at(r, "error", "stage", NULL)), "request") == 0,
        "answer_review(bad context): %s", binauthz_status_name(status));
  json_free(r);
  /* Not a review of a workload: a 400 refusal. */
  status = answer(engine, "{\"kind\": \"Pod\"}", NULL, NULL, &r, &error);
  check(status == BINAUTHZ_STATUS_OK &&
            number_is(json_get(at(r, "response", "response", "status"), "code"), "400") &&
            strcmp(text_of(json_get(at(r, "response", "response", "status"), "reason")), "BadRequest") == 0,
        "answer_review(not a review): %s", binauthz_status_name(status));
  json_free(r);
  status = answer(engine, "\xff", NULL, NULL, &r, &error);
  jval *er = report_of(error);
  check(status == BINAUTHZ_STATUS_SYNTAX && r == NULL && report_shaped(er, error),
        "answer_review(not UTF-8): %s %s", binauthz_status_name(status), str_or(error));
  json_free(er);
  binauthz_string_free(error);
  status = binauthz_engine_answer_review(NULL, (const uint8_t *)review, strlen(review), NULL, 0, NULL, 0, NULL, 0,
                                         &out, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && out == NULL && contains(error, "`engine`"),
        "answer_review(NULL engine): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  /* The host's own refusal. */
  status = binauthz_refuse_review((const uint8_t *)review, strlen(review), "source down \x1b[31m", &out, &error);
  r = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  message = text_of(at(r, "response", "status", "message"));
  check(status == BINAUTHZ_STATUS_OK && strcmp(text_of(at(r, "response", "uid", NULL)), "u-7") == 0 &&
            number_is(at(r, "response", "status", "code"), "500") && has_prefix(message, "source down ") &&
            strchr(message, 0x1b) == NULL,
        "refuse_review: %s %s", binauthz_status_name(status), str_or(out));
  json_free(r);
  binauthz_string_free(out);
  free(review);
  binauthz_engine_free(engine);
}

/* ---- 3. threads ---- */

typedef struct {
  BinauthzEngine *engine;
  jbuf request;
  char *reference; /* the decision a single thread got */
} thread_case;

typedef struct {
  thread_case *cases;
  size_t count;
  int rounds;
  int mismatches;
} thread_job;

/* A decision without its trailing "diagnostics" member (cache counters, spec §7.1), which differ
 * between a cold and a warm engine: the length of the part that must be identical. */
static size_t outcome_len(const char *decision) {
  const char *diagnostics = strstr(decision, ",\"diagnostics\":{");
  return diagnostics ? (size_t)(diagnostics - decision) : strlen(decision);
}

static int same_outcome(const char *a, const char *b) {
  size_t n = outcome_len(a);
  return n == outcome_len(b) && strncmp(a, b, n) == 0;
}

static void *thread_main(void *arg) {
  thread_job *job = arg;
  for (int r = 0; r < job->rounds; r++) {
    for (size_t i = 0; i < job->count; i++) {
      /* Start each thread at a different case so that threads overlap on every engine. */
      thread_case *tc = &job->cases[(i + (size_t)r) % job->count];
      char *decision = NULL, *error = NULL;
      int status = binauthz_engine_evaluate(tc->engine, (const uint8_t *)tc->request.data, tc->request.len,
                                            &decision, &error);
      if (status != BINAUTHZ_STATUS_OK || decision == NULL || !same_outcome(decision, tc->reference))
        job->mismatches++;
      binauthz_string_free(decision);
      binauthz_string_free(error);
    }
  }
  return NULL;
}

/* What a webhook needs beside the engine: an attestations document split by digest (YAML stream,
   an unreadable occurrence still filed under its image, another kind only noted), and an engine
   from documents with its own cache size. */
static void test_host_support(void) {
  char *error, *out;
  const char *digest = "sha256:cc3ee79228b782d6da9f514307292a5c017ed8c67615686dabfff7c05fdd3ce6";
  const char *stream = "kind: ATTESTATION\nnoteName: projects/p/notes/n\n"
                       "resourceUri: https://gcr.io/p/a@sha256:CC3EE79228B782D6DA9F514307292A5C017ED8C67615686DABFFF7C05FDD3CE6\n"
                       "attestation: {serializedPayload: '!!'}\n---\n"
                       "kind: VULNERABILITY\nresourceUri: https://gcr.io/p/a\n";
  int status = binauthz_read_attestations((const uint8_t *)stream, strlen(stream), &out, &error);
  jval *r = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  const jval *entries = json_get(r, "entries");
  const jval *notes = json_get(r, "notes");
  check(status == BINAUTHZ_STATUS_OK && error == NULL && entries != NULL && entries->count == 1 &&
            strcmp(text_of(json_get(entries->items[0], "digest")), digest) == 0 &&
            strcmp(text_of(at(entries->items[0], "occurrence", "kind", NULL)), "ATTESTATION") == 0 &&
            notes != NULL && notes->count == 2,
        "read_attestations(stream): %s %s %s", binauthz_status_name(status), str_or(error), str_or(out));
  json_free(r);
  binauthz_string_free(out);
  status = binauthz_read_attestations((const uint8_t *)"[1]", 3, &out, &error);
  r = report_of(error);
  check(status == BINAUTHZ_STATUS_INVALID && out == NULL && report_shaped(r, error) &&
            strcmp(text_of(json_get(r, "path")), "[0]") == 0 &&
            strcmp(text_of(json_get(r, "stage")), "request") == 0,
        "read_attestations([1]): %s %s", binauthz_status_name(status), str_or(error));
  json_free(r);
  binauthz_string_free(error);
  /* Hostile documents: nested 100,000 deep, one byte over 8 MiB, a key given twice. */
  size_t deep_len;
  char *deep = repeat("", "[", 100000, "", &deep_len);
  size_t huge_len;
  char *huge = repeat("[\"", "a", 8 * 1024 * 1024, "\"]", &huge_len);
  const char *twice = "[{\"kind\": \"ATTESTATION\", \"resourceUri\": \"a\", \"resourceUri\": \"b\"}]";
  struct {
    const char *what, *text;
    size_t len;
    int status;
    const char *code;
  } hostile[] = {{"100,000 deep", deep, deep_len, BINAUTHZ_STATUS_LIMIT, "limit"},
                 {"over 8 MiB", huge, huge_len, BINAUTHZ_STATUS_LIMIT, "limit"},
                 {"a key twice", twice, strlen(twice), BINAUTHZ_STATUS_SYNTAX, "syntax"}};
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    status = binauthz_read_attestations((const uint8_t *)hostile[i].text, hostile[i].len, &out, &error);
    r = report_of(error);
    check(status == hostile[i].status && out == NULL && report_shaped(r, error) &&
              strcmp(text_of(json_get(r, "code")), hostile[i].code) == 0,
          "read_attestations(%s): %s %s", hostile[i].what, binauthz_status_name(status), str_or(error));
    json_free(r);
    binauthz_string_free(error);
  }
  free(deep);
  free(huge);
  status = binauthz_read_attestations(NULL, 0, &out, &error);
  check(status == BINAUTHZ_STATUS_OK && out != NULL && contains(out, "\"entries\":[]"),
        "read_attestations(empty): %s %s", binauthz_status_name(status), str_or(out));
  binauthz_string_free(out);

  const char *good = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\n"
                     "  enforcementMode: ENFORCED_BLOCK_AND_AUDIT_LOG\n";
  BinauthzEngine *engine = NULL;
  status = binauthz_engine_new_from_documents_with_cache((const uint8_t *)good, strlen(good), NULL, 0, 0, &engine,
                                                         &error);
  check(status == BINAUTHZ_STATUS_OK && engine != NULL, "new_from_documents_with_cache: %s %s",
        binauthz_status_name(status), str_or(error));
  if (engine == NULL) return;
  status = binauthz_engine_cache_stats(engine, &out, &error);
  check(status == BINAUTHZ_STATUS_OK && contains(out, "\"capacity\":0"), "cache off: %s", str_or(out));
  binauthz_string_free(out);
  binauthz_engine_free(engine);
}

static void test_threads(char **paths, size_t n) {
  thread_case cases[MAX_THREAD_CASES];
  size_t count = 0;
  const char *env = getenv("BINAUTHZ_THREAD_ROUNDS");
  int rounds = env ? atoi(env) : 2;
  /* Every algorithm and attestor case with a decision: the crypto paths are the shared state
   * worth racing on. */
  for (size_t i = 0; i < n && count < MAX_THREAD_CASES; i++) {
    size_t len;
    char *text = read_file(paths[i], &len);
    jval *c = text ? json_parse(text, len, NULL, 0) : NULL;
    free(text);
    jbuf config = {0};
    thread_case tc = {0};
    if (c != NULL && json_get(c, "expect") != NULL && document_text(c, "config", "configText", &config) &&
        document_text(c, "request", "requestText", &tc.request) &&
        binauthz_engine_new((const uint8_t *)config.data, config.len, &tc.engine, NULL) == BINAUTHZ_STATUS_OK &&
        binauthz_engine_evaluate(tc.engine, (const uint8_t *)tc.request.data, tc.request.len, &tc.reference,
                                 NULL) == BINAUTHZ_STATUS_OK) {
      cases[count++] = tc;
    } else {
      binauthz_engine_free(tc.engine);
      jbuf_free(&tc.request);
    }
    jbuf_free(&config);
    json_free(c);
  }
  check(count > 0, "threads: no case to run");
  pthread_t threads[THREADS];
  thread_job jobs[THREADS];
  for (int t = 0; t < THREADS; t++) {
    jobs[t] = (thread_job){cases, count, rounds, 0};
    check(pthread_create(&threads[t], NULL, thread_main, &jobs[t]) == 0, "pthread_create %d", t);
  }
  int mismatches = 0;
  for (int t = 0; t < THREADS; t++) {
    pthread_join(threads[t], NULL);
    mismatches += jobs[t].mismatches;
  }
  check(mismatches == 0, "threads: %d of %zu evaluations differ from the single-threaded decision", mismatches,
        (size_t)THREADS * (size_t)rounds * count);
  printf("threads: %d threads x %d rounds x %zu shared engines, %d mismatches\n", THREADS, rounds, count,
         mismatches);
  for (size_t i = 0; i < count; i++) {
    binauthz_engine_free(cases[i].engine);
    binauthz_string_free(cases[i].reference);
    jbuf_free(&cases[i].request);
  }
}

/* ---- 4. the verification cache (spec section 7.1) ---- */

/* The number `name` of a decision's "diagnostics" or of cache statistics; -1 when absent. */
static long counter(const char *json, const char *object, const char *name) {
  jval *v = json ? json_parse(json, strlen(json), NULL, 0) : NULL;
  const jval *holder = object ? json_get(v, object) : v;
  const jval *n = json_get(holder, name);
  long out = (n != NULL && n->type == J_NUMBER) ? strtol(n->text, NULL, 10) : -1;
  json_free(v);
  return out;
}

static char *cache_stats(const BinauthzEngine *engine) {
  char *stats = NULL, *error = NULL;
  int status = binauthz_engine_cache_stats(engine, &stats, &error);
  check(status == BINAUTHZ_STATUS_OK && stats != NULL && error == NULL, "cache_stats: %s %s",
        binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  return stats;
}

/* Evaluates `request` twice on an engine with `entries` cache entries (-1: binauthz_engine_new's
 * default) and checks the counters: with a cache the second evaluation verifies nothing. */
static void cache_round(const jbuf *config, const jbuf *request, long entries, const char *reference) {
  BinauthzEngine *engine = NULL;
  int status = entries < 0
                   ? binauthz_engine_new((const uint8_t *)config->data, config->len, &engine, NULL)
                   : binauthz_engine_new_with_cache((const uint8_t *)config->data, config->len, (size_t)entries,
                                                    &engine, NULL);
  check(status == BINAUTHZ_STATUS_OK, "cache %ld: engine: %s", entries, binauthz_status_name(status));
  char *first = NULL, *second = NULL;
  binauthz_engine_evaluate(engine, (const uint8_t *)request->data, request->len, &first, NULL);
  binauthz_engine_evaluate(engine, (const uint8_t *)request->data, request->len, &second, NULL);
  check(first && second && same_outcome(first, reference) && same_outcome(second, reference),
        "cache %ld: decisions differ from the uncached one", entries);
  long misses = counter(first, "diagnostics", "cacheMisses");
  check(misses >= 1 && counter(first, "diagnostics", "cacheHits") == 0, "cache %ld: first evaluation %ld misses",
        entries, misses);
  long hits = counter(second, "diagnostics", "cacheHits");
  long again = counter(second, "diagnostics", "cacheMisses");
  /* Every check is a hit or a miss; a cache at least as large as the request remembers them all. */
  int expected = hits + again == misses && (entries == 0 ? hits == 0 : entries < misses || again == 0);
  check(expected, "cache %ld: second evaluation %ld hits, %ld misses after %ld", entries, hits, again, misses);
  char *stats = cache_stats(engine);
  long capacity = entries < 0 ? 10000 : entries;
  check(counter(stats, NULL, "capacity") == capacity && counter(stats, NULL, "hits") == hits &&
            counter(stats, NULL, "misses") == misses + again && counter(stats, NULL, "entries") <= capacity &&
            counter(stats, NULL, "evictions") >= 0,
        "cache %ld: stats %s", entries, str_or(stats));
  binauthz_string_free(stats);
  binauthz_string_free(first);
  binauthz_string_free(second);
  binauthz_engine_free(engine);
}

static void test_cache(char **paths, size_t n) {
  int before = failed, found = 0;
  /* The first case whose decision verified a signature. */
  for (size_t i = 0; i < n && !found; i++) {
    size_t len;
    char *text = read_file(paths[i], &len);
    jval *c = text ? json_parse(text, len, NULL, 0) : NULL;
    free(text);
    jbuf config = {0}, request = {0};
    BinauthzEngine *engine = NULL;
    char *reference = NULL;
    if (c != NULL && json_get(c, "expect") != NULL && document_text(c, "config", "configText", &config) &&
        document_text(c, "request", "requestText", &request) &&
        binauthz_engine_new_with_cache((const uint8_t *)config.data, config.len, 0, &engine, NULL) ==
            BINAUTHZ_STATUS_OK &&
        binauthz_engine_evaluate(engine, (const uint8_t *)request.data, request.len, &reference, NULL) ==
            BINAUTHZ_STATUS_OK &&
        counter(reference, "diagnostics", "cacheMisses") >= 1) {
      found = 1;
      cache_round(&config, &request, -1, reference);
      cache_round(&config, &request, 0, reference);
      cache_round(&config, &request, 1, reference);
      cache_round(&config, &request, 1000, reference);
    }
    binauthz_string_free(reference);
    binauthz_engine_free(engine);
    jbuf_free(&config);
    jbuf_free(&request);
    json_free(c);
  }
  check(found, "cache: no case verifies a signature");
  /* Errors: NULL engine or out-pointer. */
  char *stats = (char *)(uintptr_t)1, *error = NULL;
  int status = binauthz_engine_cache_stats(NULL, &stats, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && stats == NULL && contains(error, "`engine` is NULL"),
        "cache_stats(NULL engine): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_engine_set_verify_threads(NULL, 4, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && contains(error, "`engine` is NULL"),
        "set_verify_threads(NULL engine): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  BinauthzEngine *engine = NULL;
  binauthz_engine_new((const uint8_t *)DENY, strlen(DENY), &engine, NULL);
  /* Any count is accepted: 0 and 1 mean one thread, more than 64 means 64 (spec section 7.3). */
  status = binauthz_engine_set_verify_threads(engine, (size_t)-1, &error);
  check(status == BINAUTHZ_STATUS_OK && error == NULL, "set_verify_threads(SIZE_MAX): %s %s",
        binauthz_status_name(status), str_or(error));
  status = binauthz_engine_cache_stats(engine, NULL, &error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && contains(error, "`stats_json_out` is NULL"),
        "cache_stats(NULL out): %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  binauthz_engine_free(engine);
  engine = (BinauthzEngine *)(uintptr_t)1;
  status = binauthz_engine_new_with_cache((const uint8_t *)"{", 1, 5, &engine, &error);
  check(status == BINAUTHZ_STATUS_SYNTAX && engine == NULL && has_prefix(error, "invalid config: "),
        "new_with_cache on bad config: %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  printf("cache: %d failed\n", failed - before);
}

/* ---- 5. panic guard ---- */

static void test_panic_guard(void) {
#if defined(BINAUTHZ_TEST_PANIC)
  char *error = NULL;
  int status = binauthz_test_panic(&error);
  check(status == BINAUTHZ_STATUS_PANIC && contains(error, "deliberate panic from binauthz_test_panic") &&
            contains(error, "this is a bug"),
        "panic guard: %s %s", binauthz_status_name(status), str_or(error));
  binauthz_string_free(error);
  status = binauthz_test_panic(NULL);
  check(status == BINAUTHZ_STATUS_PANIC, "panic guard without error_out: %s", binauthz_status_name(status));
  /* The library still works after a caught panic. */
  BinauthzEngine *engine = NULL;
  char *decision = NULL;
  const char *ok = "{\"images\": [\"gcr.io/acme/app:1\"]}";
  status = binauthz_engine_new((const uint8_t *)DENY, strlen(DENY), &engine, NULL);
  if (status == BINAUTHZ_STATUS_OK)
    status = binauthz_engine_evaluate(engine, (const uint8_t *)ok, strlen(ok), &decision, NULL);
  check(status == BINAUTHZ_STATUS_OK && decision != NULL, "evaluate after a panic: %s", binauthz_status_name(status));
  binauthz_string_free(decision);
  binauthz_engine_free(engine);
  printf("panic guard: tested\n");
#else
  printf("panic guard: not in this build (library without the test-panic feature)\n");
#endif
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s CASES_DIR VERSION PLATFORM_CASES_DIR\n", argv[0]);
    return 2;
  }
  char **paths = NULL;
  size_t n = list_cases(argv[1], &paths);
  test_conformance(paths, n);
  test_platform(argv[3]);
  int before = failed;
  test_errors(argv[2]);
  printf("error paths: %d failed\n", failed - before);
  before = failed;
  test_api();
  test_host_support();
  printf("error reports and the API entry points: %d failed\n", failed - before);
  test_threads(paths, n);
  test_cache(paths, n);
  test_panic_guard();
  before = failed;
  test_hostile(paths, n);
  printf("hostile inputs: %d failed\n", failed - before);
  before = failed;
  test_hostile_review(paths, n);
  printf("hostile inputs to the review and document entry points: %d failed\n", failed - before);
  for (size_t i = 0; i < n; i++) free(paths[i]);
  free(paths);
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
