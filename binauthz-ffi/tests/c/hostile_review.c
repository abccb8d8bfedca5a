/* Hostile inputs through the newer entry points of the C ABI: binauthz_check_policy,
 * binauthz_lint_policy, binauthz_engine_new_from_documents, binauthz_engine_answer_review and
 * binauthz_refuse_review. Each input within the limits of spec/README.md section 1 is decided
 * (or answered) within the bounds of section 7.2; each input beyond them gets its error, with the
 * code and the document at fault, never a hang or an abort. What is asserted is the result's
 * shape and counts (status, error code, document, path, the decision's diagnostics), never time:
 * a parser that needed quadratic time in the nesting would not fail these, it would make the suite
 * take minutes, which the suite's runner notices. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binauthz.h"
#include "harness.h"
#include "json.h"

#define MAX_CONFIG (2u << 20)
#define MAX_REQUEST (8u << 20)
#define MAX_VERIFICATION_COST 2400
#define MAX_DIAGNOSIS_COST 240
#define P521_POINTS 15
#define MAX_OCCURRENCES 4096

static const char *GOOD_POLICY = "{\"defaultAdmissionRule\": {\"evaluationMode\": \"ALWAYS_DENY\", "
                                 "\"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}";

static const char *or_null(const char *s) { return s ? s : "(null)"; }
static int bool_is_false(const jval *v) { return v != NULL && v->type == J_BOOL && !v->boolean; }
static int bool_is_true(const jval *v) { return v != NULL && v->type == J_BOOL && v->boolean; }
static long number_of(const jval *v) { return v != NULL && v->type == J_NUMBER ? strtol(v->text, NULL, 10) : -1; }

/* `prefix`, then `unit` `times` times, then `suffix`; NUL-terminated, length in *len. */
static char *repeated(const char *prefix, const char *unit, size_t times, const char *suffix, size_t *len) {
  jbuf b = {0};
  jbuf_puts(&b, prefix);
  size_t u = strlen(unit);
  for (size_t i = 0; i < times; i++) jbuf_put(&b, unit, u);
  jbuf_puts(&b, suffix);
  *len = b.len;
  return b.data;
}

/* YAML's billion laughs: nine levels of ten aliases each, a billion strings once expanded, in
 * 500 bytes; `key` names the expansion. */
static char *laughs(const char *prefix, const char *key) {
  jbuf b = {0};
  jbuf_puts(&b, prefix);
  jbuf_puts(&b, "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
  for (int i = 1; i < 9; i++) {
    char line[160];
    snprintf(line, sizeof line, "a%d: &a%d [*a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d, *a%d]\n", i, i, i - 1,
             i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1);
    jbuf_puts(&b, line);
  }
  jbuf_puts(&b, key);
  jbuf_puts(&b, ": *a8\n");
  return b.data;
}

/* An error string's report, parsed (NULL when there is none). */
static jval *report(const char *error) {
  const char *r = binauthz_error_json(error);
  return r ? json_parse(r, strlen(r), NULL, 0) : NULL;
}

/* Whether `r` is a report with code `code` whose first error names `document` (NULL: any). */
static int reports(const jval *r, const char *code, const char *document) {
  const jval *errors = json_get(r, "errors");
  const jval *first = errors != NULL && errors->type == J_ARRAY && errors->count > 0 ? errors->items[0] : NULL;
  return r != NULL && first != NULL && strcmp(text_at(json_get(r, "code")), code) == 0 &&
         strcmp(text_at(json_get(first, "code")), code) == 0 &&
         (document == NULL || strcmp(text_at(json_get(first, "document")), document) == 0);
}

/* ---- binauthz_check_policy, binauthz_lint_policy, binauthz_engine_new_from_documents ---- */

typedef int (*documents_fn)(const uint8_t *, size_t, const uint8_t *, size_t, char **, char **);

/* binauthz_engine_new_from_documents in the shape of the other two: "engine" for an engine. */
static int new_from_documents(const uint8_t *p, size_t pl, const uint8_t *a, size_t al, char **out, char **error) {
  BinauthzEngine *engine = (BinauthzEngine *)(uintptr_t)1;
  int status = binauthz_engine_new_from_documents(p, pl, a, al, &engine, error);
  *out = NULL;
  if (engine != NULL) {
    const char engine_text[] = "engine";
    *out = malloc(sizeof engine_text);
    if (*out) memcpy(*out, engine_text, sizeof engine_text);
  }
  binauthz_engine_free(engine);
  return status;
}

static const struct {
  const char *name;
  documents_fn call;
} DOCUMENT_CALLS[] = {
    {"check_policy", binauthz_check_policy},
    {"lint_policy", binauthz_lint_policy},
    {"new_from_documents", new_from_documents},
};

static void free_out(size_t call, char *out) {
  if (DOCUMENT_CALLS[call].call == new_from_documents) {
    free(out);
  } else {
    binauthz_string_free(out);
  }
}

/* Calls entry point `call` on the two documents and checks the status, and for an error its
 * report's code and document (`code` NULL: success, with a result). */
static void expect_documents(size_t call, const char *what, const char *policy, size_t policy_len,
                             const char *attestors, size_t attestors_len, int want, const char *code,
                             const char *document) {
  char *out = (char *)(uintptr_t)1, *error = (char *)(uintptr_t)1;
  int status = DOCUMENT_CALLS[call].call((const uint8_t *)policy, policy_len, (const uint8_t *)attestors,
                                         attestors_len, &out, &error);
  jval *r = report(error);
  int ok = status == want &&
           (code == NULL ? out != NULL && error == NULL : out == NULL && error != NULL && reports(r, code, document));
  check(ok, "hostile %s, %s: status %s (want %s) %.300s | %.300s", DOCUMENT_CALLS[call].name, what,
        binauthz_status_name(status), binauthz_status_name(want), or_null(error),
        or_null(binauthz_error_json(error)));
  json_free(r);
  binauthz_string_free(error);
  free_out(call, out);
}

/* A JSON policy of exactly `size` bytes: GOOD_POLICY with a description padding it out. */
static char *policy_of_size(size_t size) {
  const char *head = "{\"description\": \"", *tail_fmt = "\", \"defaultAdmissionRule\": {\"evaluationMode\": "
                                                         "\"ALWAYS_DENY\", \"enforcementMode\": "
                                                         "\"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}";
  size_t fixed = strlen(head) + strlen(tail_fmt);
  char *text = malloc(size + 1);
  if (text == NULL || size < fixed) return text;
  memcpy(text, head, strlen(head));
  memset(text + strlen(head), 'x', size - fixed);
  memcpy(text + size - strlen(tail_fmt), tail_fmt, strlen(tail_fmt));
  text[size] = 0;
  return text;
}

/* A JSON attestor document of exactly `size` bytes: one attestor with a long description. */
static char *attestors_of_size(size_t size) {
  const char *head = "{\"name\": \"projects/p/attestors/a\", \"description\": \"";
  const char *tail = "\", \"userOwnedGrafeasNote\": {\"noteReference\": \"projects/p/notes/a\"}}";
  size_t fixed = strlen(head) + strlen(tail);
  char *text = malloc(size + 1);
  if (text == NULL || size < fixed) return text;
  memcpy(text, head, strlen(head));
  memset(text + strlen(head), 'y', size - fixed);
  memcpy(text + size - strlen(tail), tail, strlen(tail));
  text[size] = 0;
  return text;
}

static void test_documents_calls(void) {
  size_t deep_len, deep_json_len, deep_attestors_len;
  /* 100,000 levels: in a YAML policy, a top-level JSON policy and a YAML attestor document. */
  char *deep = repeated("defaultAdmissionRule: ", "[", 100000, "", &deep_len);
  char *deep_json = repeated("", "{\"a\": ", 100000, "", &deep_json_len);
  char *deep_attestors = repeated("- ", "{a: ", 100000, "", &deep_attestors_len);
  char *bomb = laughs("", "defaultAdmissionRule");
  char *bomb_attestors = laughs("", "laughs");
  char *at_limit = policy_of_size(MAX_CONFIG), *over = policy_of_size(MAX_CONFIG + 1);
  char *attestors_at_limit = attestors_of_size(MAX_CONFIG), *attestors_over = attestors_of_size(MAX_CONFIG + 1);
  const char *good = GOOD_POLICY;
  size_t good_len = strlen(good);
  /* A good policy and then a NUL: the length says the NUL is part of the document. */
  char with_nul[256];
  snprintf(with_nul, sizeof with_nul, "%s", good);
  size_t with_nul_len = good_len + 6;
  memcpy(with_nul + good_len, "\0junk", 6);
  const char *yaml_nul = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_DENY\0\n";
  const char *not_utf8 = "defaultAdmissionRule:\n  evaluationMode: ALWAYS_\xff\xfe\n";
  const char *lone_surrogate = "{\"description\": \"\xed\xa0\x80\"}"; /* CESU-8 U+D800 */
  for (size_t c = 0; c < sizeof DOCUMENT_CALLS / sizeof *DOCUMENT_CALLS; c++) {
    expect_documents(c, "100,000-deep YAML policy", deep, deep_len, NULL, 0, BINAUTHZ_STATUS_LIMIT, "limit", "policy");
    expect_documents(c, "100,000-deep JSON policy", deep_json, deep_json_len, NULL, 0, BINAUTHZ_STATUS_LIMIT, "limit",
                     "policy");
    expect_documents(c, "100,000-deep YAML attestors", good, good_len, deep_attestors, deep_attestors_len,
                     BINAUTHZ_STATUS_LIMIT, "limit", "attestors");
    expect_documents(c, "billion laughs policy", bomb, strlen(bomb), NULL, 0, BINAUTHZ_STATUS_LIMIT, "limit", "policy");
    expect_documents(c, "billion laughs attestors", good, good_len, bomb_attestors, strlen(bomb_attestors),
                     BINAUTHZ_STATUS_LIMIT, "limit", "attestors");
    expect_documents(c, "policy of 2 MiB", at_limit, MAX_CONFIG, NULL, 0, BINAUTHZ_STATUS_OK, NULL, NULL);
    expect_documents(c, "policy of 2 MiB + 1", over, MAX_CONFIG + 1, NULL, 0, BINAUTHZ_STATUS_LIMIT, "limit",
                     "policy");
    expect_documents(c, "attestors of 2 MiB", good, good_len, attestors_at_limit, MAX_CONFIG, BINAUTHZ_STATUS_OK, NULL,
                     NULL);
    expect_documents(c, "attestors of 2 MiB + 1", good, good_len, attestors_over, MAX_CONFIG + 1,
                     BINAUTHZ_STATUS_LIMIT, "limit", "attestors");
    expect_documents(c, "policy not UTF-8", not_utf8, strlen(not_utf8), NULL, 0, BINAUTHZ_STATUS_SYNTAX, "syntax",
                     "policy");
    expect_documents(c, "attestors not UTF-8", good, good_len, "\xff", 1, BINAUTHZ_STATUS_SYNTAX, "syntax",
                     "attestors");
    expect_documents(c, "policy with an encoded surrogate", lone_surrogate, strlen(lone_surrogate), NULL, 0,
                     BINAUTHZ_STATUS_SYNTAX, "syntax", "policy");
    expect_documents(c, "JSON policy, NUL, junk", with_nul, with_nul_len, NULL, 0, BINAUTHZ_STATUS_SYNTAX, "syntax",
                     "policy");
    expect_documents(c, "YAML policy with a NUL", yaml_nul, strlen(yaml_nul) + 2, NULL, 0, BINAUTHZ_STATUS_SYNTAX,
                     "syntax", "policy");
    /* NULL with a length is a NULL argument (the ABI: NULL only with length 0); NULL attestors
     * with length 0 are no attestor document. */
    expect_documents(c, "NULL policy, length 7", NULL, 7, NULL, 0, BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid", "policy");
    expect_documents(c, "NULL attestors, length 7", good, good_len, NULL, 7, BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid",
                     "attestors");
    expect_documents(c, "NULL attestors, length 0", good, good_len, NULL, 0, BINAUTHZ_STATUS_OK, NULL, NULL);
    expect_documents(c, "attestors of length 0 (not read)", good, good_len, "\xff", 0, BINAUTHZ_STATUS_OK, NULL, NULL);
    expect_documents(c, "NULL policy, length 0", NULL, 0, NULL, 0, BINAUTHZ_STATUS_SYNTAX, "syntax", "policy");
    expect_documents(c, "policy length SIZE_MAX", good, SIZE_MAX, NULL, 0, BINAUTHZ_STATUS_INVALID_ARGUMENT, "limit",
                     "policy");
    expect_documents(c, "attestors length SIZE_MAX", good, good_len, good, SIZE_MAX, BINAUTHZ_STATUS_INVALID_ARGUMENT,
                     "limit", "attestors");
  }
  /* The summary of the 2 MiB policy holds its description whole: handled, not truncated. */
  char *out = NULL, *error = NULL;
  int status = binauthz_check_policy((const uint8_t *)at_limit, MAX_CONFIG, NULL, 0, &out, &error);
  jval *summary = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  const jval *description = json_get(summary, "description");
  check(status == BINAUTHZ_STATUS_OK && description != NULL && description->type == J_STRING &&
            description->len == MAX_CONFIG - (strlen(GOOD_POLICY) + strlen("\"description\": \"\", ")),
        "hostile check_policy, 2 MiB policy: the summary's description has %zu bytes",
        description ? description->len : 0);
  json_free(summary);
  binauthz_string_free(out);
  binauthz_string_free(error);
  free(deep);
  free(deep_json);
  free(deep_attestors);
  free(bomb);
  free(bomb_attestors);
  free(at_limit);
  free(over);
  free(attestors_at_limit);
  free(attestors_over);
}

/* ---- binauthz_engine_answer_review ---- */

typedef struct {
  const char *ptr;
  size_t len;
} part;

static part text(const char *s) { return (part){s, s ? strlen(s) : 0}; }

/* The answer's parts: status, the parsed answer (NULL on a failure status), the error string. */
typedef struct {
  int status;
  jval *answer;
  char *error;
  size_t answer_len;
} answered;

static answered answer_parts(const BinauthzEngine *engine, part review, part attestations, part context, part time) {
  answered a = {0};
  char *out = (char *)(uintptr_t)1;
  a.error = (char *)(uintptr_t)1;
  a.status = binauthz_engine_answer_review(engine, (const uint8_t *)review.ptr, review.len,
                                           (const uint8_t *)attestations.ptr, attestations.len,
                                           (const uint8_t *)context.ptr, context.len, (const uint8_t *)time.ptr,
                                           time.len, &out, &a.error);
  a.answer_len = out ? strlen(out) : 0;
  a.answer = out ? json_parse(out, a.answer_len, NULL, 0) : NULL;
  if (out != NULL && a.answer == NULL) check(0, "hostile answer_review: the answer is not JSON: %.200s", out);
  binauthz_string_free(out);
  return a;
}

static void answered_free(answered *a) {
  json_free(a->answer);
  binauthz_string_free(a->error);
}

static const jval *response_of(const jval *answer) { return json_get(json_get(answer, "response"), "response"); }

/* Whether the answer is a refusal with HTTP `code` for `uid`, no decision, and an error report of
 * code `error_code` (NULL: any). */
static int refusal(const answered *a, const char *code, const char *uid, const char *error_code) {
  const jval *response = response_of(a->answer), *status = json_get(response, "status");
  const jval *allowed = json_get(response, "allowed"), *decision = json_get(a->answer, "decision");
  const jval *error = json_get(a->answer, "error"), *http = json_get(status, "code");
  return a->status == BINAUTHZ_STATUS_OK && a->error == NULL && allowed != NULL && allowed->type == J_BOOL &&
         !allowed->boolean && http != NULL && http->type == J_NUMBER && strcmp(http->text, code) == 0 &&
         strcmp(text_at(json_get(status, "reason")), strcmp(code, "400") == 0 ? "BadRequest" : "InternalError") == 0 &&
         strcmp(text_at(json_get(response, "uid")), uid) == 0 && decision != NULL && decision->type == J_NULL &&
         error != NULL && error->type == J_OBJECT &&
         (error_code == NULL || strcmp(text_at(json_get(error, "code")), error_code) == 0);
}

static void expect_refusal(const char *what, answered a, const char *code, const char *uid, const char *error_code) {
  const jval *response = response_of(a.answer);
  check(refusal(&a, code, uid, error_code), "hostile answer_review, %s: status %s, want %s %s for uid \"%s\": %.300s",
        what, binauthz_status_name(a.status), code, error_code ? error_code : "", uid,
        text_at(json_get(json_get(response, "status"), "message")));
  answered_free(&a);
}

/* A call that gives no answer at all: status `want`, no answer, a report naming `document`. */
static void expect_no_answer(const char *what, answered a, int want, const char *code, const char *document) {
  jval *r = report(a.error);
  check(a.status == want && a.answer == NULL && reports(r, code, document),
        "hostile answer_review, %s: status %s (want %s) %.300s", what, binauthz_status_name(a.status),
        binauthz_status_name(want), or_null(binauthz_error_json(a.error)));
  json_free(r);
  answered_free(&a);
}

/* The AdmissionReview of a pod: `images` containers running `image(i)`, and an annotation of
 * `pad` bytes (to size the document). */
static char *review_of(size_t images, const char *(*image)(size_t, void *), void *arg, size_t pad) {
  jbuf b = {0};
  jbuf_puts(&b, "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", "
                "\"request\": {\"uid\": \"u-7\", \"namespace\": \"payments\", \"operation\": \"CREATE\", "
                "\"object\": {\"kind\": \"Pod\", \"metadata\": "
                "{\"name\": \"p\", \"annotations\": {\"pad\": \"");
  for (size_t i = 0; i < pad; i++) jbuf_put(&b, "z", 1);
  jbuf_puts(&b, "\"}}, \"spec\": {\"containers\": [");
  for (size_t i = 0; i < images; i++) {
    char name[64];
    snprintf(name, sizeof name, "%s{\"name\": \"c%zu\", \"image\": \"", i ? ", " : "", i);
    jbuf_puts(&b, name);
    jbuf_puts(&b, image(i, arg));
    jbuf_puts(&b, "\"}");
  }
  jbuf_puts(&b, "]}}}}");
  return b.data;
}

static const char *fixed_image(size_t i, void *arg) {
  (void)i;
  return arg;
}

/* The length of review_of(1, ...) with no padding, to pad a review to an exact size. */
static size_t review_overhead(const char *image) {
  char *r = review_of(1, fixed_image, (void *)image, 0);
  size_t len = strlen(r);
  free(r);
  return len;
}

/* Whether the answer is a denial (403) with a decision that denies, for uid u-7. */
static int denial(const answered *a) {
  const jval *response = response_of(a->answer), *decision = json_get(a->answer, "decision");
  const jval *allowed = json_get(decision, "allowed"), *http = json_get(json_get(response, "status"), "code");
  return a->status == BINAUTHZ_STATUS_OK && allowed != NULL && allowed->type == J_BOOL && !allowed->boolean &&
         http != NULL && strcmp(http->text, "403") == 0 && strcmp(text_at(json_get(response, "uid")), "u-7") == 0 &&
         json_get(a->answer, "error") != NULL && json_get(a->answer, "error")->type == J_NULL;
}

static void test_answer_review_documents(const BinauthzEngine *engine, const char *image) {
  size_t len;
  char *review = review_of(1, fixed_image, (void *)image, 0);
  part good = text(review), none = {NULL, 0};

  /* Sanity: the plain review is answered with a denial (the image has no attestation). */
  answered a = answer_parts(engine, good, none, none, none);
  check(denial(&a), "hostile answer_review, plain review: %s", binauthz_status_name(a.status));
  answered_free(&a);

  /* Deep nesting in the review: a 400 refusal, uid unreadable. */
  char *deep = repeated("apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\nrequest: {uid: u-7, object: ", "[",
                        100000, "", &len);
  expect_refusal("100,000-deep YAML review", answer_parts(engine, (part){deep, len}, none, none, none), "400", "",
                 "limit");
  free(deep);
  deep = repeated("{\"request\": {\"uid\": \"u-7\", \"object\": ", "{\"a\": ", 100000, "", &len);
  expect_refusal("100,000-deep JSON review", answer_parts(engine, (part){deep, len}, none, none, none), "400", "",
                 "limit");
  free(deep);
  char *bomb = laughs("apiVersion: admission.k8s.io/v1\nkind: AdmissionReview\n", "request");
  expect_refusal("billion laughs review", answer_parts(engine, text(bomb), none, none, none), "400", "", "limit");
  free(bomb);

  /* Deep nesting in the host's parts: a 500 refusal for the review's uid. */
  deep = repeated("- name: projects/p/occurrences/o\n  attestation: ", "[", 100000, "", &len);
  expect_refusal("100,000-deep YAML attestations", answer_parts(engine, good, (part){deep, len}, none, none), "500",
                 "u-7", "limit");
  free(deep);
  deep = repeated("", "[", 100000, "", &len);
  expect_refusal("100,000-deep JSON attestations", answer_parts(engine, good, (part){deep, len}, none, none), "500",
                 "u-7", "limit");
  expect_refusal("100,000-deep context", answer_parts(engine, good, none, (part){deep, len}, none), "500", "u-7",
                 "limit");
  expect_refusal("100,000-deep evaluation time", answer_parts(engine, good, none, none, (part){deep, len}), "500",
                 "u-7", "limit");
  free(deep);
  bomb = laughs("", "laughs");
  expect_refusal("billion laughs attestations", answer_parts(engine, good, text(bomb), none, none), "500", "u-7",
                 "limit");
  free(bomb);

  /* Size: a review of exactly 8 MiB is evaluated; one byte more is refused. */
  size_t overhead = review_overhead(image);
  char *big = review_of(1, fixed_image, (void *)image, MAX_REQUEST - overhead);
  a = answer_parts(engine, (part){big, strlen(big)}, none, none, none);
  check(strlen(big) == MAX_REQUEST && denial(&a) && a.answer_len < 64 * 1024,
        "hostile answer_review, review of 8 MiB (%zu bytes): status %s, answer of %zu bytes", strlen(big),
        binauthz_status_name(a.status), a.answer_len);
  answered_free(&a);
  free(big);
  big = review_of(1, fixed_image, (void *)image, MAX_REQUEST - overhead + 1);
  expect_refusal("review of 8 MiB + 1", answer_parts(engine, (part){big, strlen(big)}, none, none, none), "400", "",
                 "limit");
  free(big);

  /* Attestations of exactly 8 MiB (one occurrence whose name is most of it) are read, and the name
   * is quoted in the decision only up to its bound; one byte more is a 500 refusal. */
  const char *head = "[{\"name\": \"", *mid = "\", \"resourceUri\": \"https://";
  const char *tail = "\", \"noteName\": \"projects/acme/notes/built-by-ci\", \"attestation\": {\"serializedPayload\": "
                     "\"e30=\", \"signatures\": [{\"publicKeyId\": \"k\", \"signature\": \"AA==\"}]}}]";
  size_t fixed = strlen(head) + strlen(mid) + strlen(image) + strlen(tail);
  for (int extra = 0; extra < 2; extra++) {
    jbuf b = {0};
    jbuf_puts(&b, head);
    for (size_t i = 0; i < MAX_REQUEST - fixed + (size_t)extra; i++) jbuf_put(&b, "n", 1);
    jbuf_puts(&b, mid);
    jbuf_puts(&b, image);
    jbuf_puts(&b, tail);
    if (extra == 0) {
      a = answer_parts(engine, good, (part){b.data, b.len}, none, none);
      check(b.len == MAX_REQUEST && denial(&a) && a.answer_len < 256 * 1024,
            "hostile answer_review, attestations of 8 MiB (%zu bytes): status %s, answer of %zu bytes", b.len,
            binauthz_status_name(a.status), a.answer_len);
      answered_free(&a);
    } else {
      expect_refusal("attestations of 8 MiB + 1", answer_parts(engine, good, (part){b.data, b.len}, none, none), "500",
                     "u-7", "limit");
    }
    jbuf_free(&b);
  }
  /* A context and an evaluation time over 8 MiB: refused (500) by size. */
  big = repeated("\"", "9", MAX_REQUEST, "\"", &len);
  expect_refusal("evaluation time over 8 MiB", answer_parts(engine, good, none, none, (part){big, len}), "500", "u-7",
                 "limit");
  free(big);

  /* Not UTF-8: no answer at all (the ABI says so), with the document or part named. */
  expect_no_answer("review not UTF-8", answer_parts(engine, text("{\"request\": \"\xff\"}"), none, none, none),
                   BINAUTHZ_STATUS_SYNTAX, "syntax", "AdmissionReview");
  expect_no_answer("attestations not UTF-8", answer_parts(engine, good, (part){"[\xc3]", 3}, none, none),
                   BINAUTHZ_STATUS_SYNTAX, "syntax", "request");
  expect_no_answer("context not UTF-8", answer_parts(engine, good, none, text("{\"cluster\": \"\xe2\x82\"}"), none),
                   BINAUTHZ_STATUS_SYNTAX, "syntax", "request");
  expect_no_answer("evaluation time not UTF-8", answer_parts(engine, good, none, none, text("\"\xf0\"")),
                   BINAUTHZ_STATUS_SYNTAX, "syntax", "request");

  /* NUL bytes: within the length they are part of the document, never its end. */
  char *nul_review = malloc(strlen(review) + 2);
  memcpy(nul_review, review, strlen(review));
  memcpy(nul_review + strlen(review), "\0x", 2);
  expect_refusal("review, NUL, junk", answer_parts(engine, (part){nul_review, strlen(review) + 2}, none, none, none),
                 "400", "", "syntax");
  free(nul_review);
  static const char raw_nul[] = "{\"request\": {\"uid\": \"u-\0\", \"object\": {}}}";
  expect_refusal("raw NUL in the uid", answer_parts(engine, (part){raw_nul, sizeof raw_nul - 1}, none, none, none),
                 "400", "", "syntax");
  /* An escaped NUL in the uid is echoed whole (JSON escapes it; the C string is not cut). */
  const char *escaped =
      "{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"a\\u0000b\", "
      "\"operation\": \"CREATE\", \"object\": {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}, \"spec\": "
      "{\"containers\": [{\"name\": \"c\", \"image\": \"gcr.io/p/a:1\"}]}}}}";
  a = answer_parts(engine, text(escaped), none, none, none);
  const jval *uid = json_get(response_of(a.answer), "uid");
  check(a.status == BINAUTHZ_STATUS_OK && uid != NULL && uid->type == J_STRING && uid->len == 3 &&
            memcmp(uid->text, "a\0b", 3) == 0 && bool_is_false(json_get(response_of(a.answer), "allowed")),
        "hostile answer_review, escaped NUL in the uid: status %s, uid of %zu bytes", binauthz_status_name(a.status),
        uid ? uid->len : 0);
  answered_free(&a);
  expect_refusal("attestations, NUL, junk", answer_parts(engine, good, (part){"[]\0x", 4}, none, none), "500", "u-7",
                 "syntax");
  expect_refusal("evaluation time with a NUL", answer_parts(engine, good, none, none, text("\"2025\\u0000\"")),
                 "500", "u-7", "invalid");

  /* NULL pointers: with a length, a NULL argument naming it; with length 0, the part is absent
   * (and a non-NULL pointer with length 0 is never read). */
  expect_no_answer("NULL review, length 1", answer_parts(engine, (part){NULL, 1}, none, none, none),
                   BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid", "review");
  expect_no_answer("NULL attestations, length 1", answer_parts(engine, good, (part){NULL, 1}, none, none),
                   BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid", "attestations");
  expect_no_answer("NULL context, length 1", answer_parts(engine, good, none, (part){NULL, 1}, none),
                   BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid", "context");
  expect_no_answer("NULL evaluation time, length 1", answer_parts(engine, good, none, none, (part){NULL, 1}),
                   BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid", "evaluationTime");
  expect_no_answer("NULL engine", answer_parts(NULL, good, none, none, none), BINAUTHZ_STATUS_NULL_ARGUMENT, "invalid",
                   "engine");
  expect_no_answer("review length SIZE_MAX", answer_parts(engine, (part){review, SIZE_MAX}, none, none, none),
                   BINAUTHZ_STATUS_INVALID_ARGUMENT, "limit", "review");
  expect_no_answer("attestations length SIZE_MAX", answer_parts(engine, good, (part){review, SIZE_MAX}, none, none),
                   BINAUTHZ_STATUS_INVALID_ARGUMENT, "limit", "attestations");
  a = answer_parts(engine, good, (part){"\xff", 0}, (part){"\xff", 0}, (part){"\xff", 0});
  check(denial(&a), "hostile answer_review, parts of length 0 are absent: %s", binauthz_status_name(a.status));
  answered_free(&a);
  a = answer_parts(engine, (part){NULL, 0}, none, none, none);
  check(refusal(&a, "400", "", "syntax"), "hostile answer_review, NULL review of length 0: %s",
        binauthz_status_name(a.status));
  answered_free(&a);
  char *error = NULL;
  int status = binauthz_engine_answer_review(engine, (const uint8_t *)review, strlen(review), NULL, 0, NULL, 0, NULL, 0,
                                             NULL, &error);
  jval *r = report(error);
  check(status == BINAUTHZ_STATUS_NULL_ARGUMENT && reports(r, "invalid", "answer_json_out"),
        "hostile answer_review, NULL answer_json_out: %s %s", binauthz_status_name(status), or_null(error));
  json_free(r);
  binauthz_string_free(error);
  free(review);
}

/* ---- the signature flood through answer_review ---- */

typedef struct {
  char images[64][160];
} digests;

static const char *nth_image(size_t i, void *arg) { return ((digests *)arg)->images[i % 64]; }

/* A pod of 1,024 containers over 64 digests, and 4,096 occurrences (the limit) under the
 * attestor's note, spread over the 64 digests, each with gcloud's payload for its digest and as
 * many 1-byte signatures claiming the attestor's key as fit in 8 MiB. A 1-byte signature costs
 * nothing to reject, but each check is charged its algorithm's points (spec 7.2), so the flood
 * spends the request's verification budget and the rest is not tried. */
static void test_flood(char **paths, size_t n) {
  jval *c = load_case(paths, n, "alg-ecdsa-p521-sha512-valid");
  if (c == NULL) {
    check(0, "hostile answer_review flood: case alg-ecdsa-p521-sha512-valid not found");
    return;
  }
  /* The case's attestor with its key under the short id "k", so that a signature is 41 bytes. */
  jval *config = json_clone(json_get(c, "config"));
  jval *attestor = json_get(config, "attestors")->items[0];
  jval *key = (jval *)json_get(json_get(attestor, "userOwnedGrafeasNote"), "publicKeys")->items[0];
  json_set(key, "id", json_string("k"));
  jbuf cb = {0};
  json_write(config, &cb);
  BinauthzEngine *engine = NULL;
  char *error = NULL;
  int status = binauthz_engine_new((const uint8_t *)cb.data, cb.len, &engine, &error);
  check(status == BINAUTHZ_STATUS_OK, "hostile flood: engine: %s", or_null(error));
  binauthz_string_free(error);
  jbuf_free(&cb);
  json_free(config);
  if (engine == NULL) goto out;

  const char *repo = "us-docker.pkg.dev/acme/prod/payments-api";
  static digests d;
  jbuf payloads[64] = {{0}};
  for (int i = 0; i < 64; i++) {
    snprintf(d.images[i], sizeof d.images[i], "%s@sha256:%064x", repo, i + 1);
    char *payload = NULL;
    status = binauthz_create_signature_payload(d.images[i], &payload, &error);
    if (status != BINAUTHZ_STATUS_OK) {
      check(0, "hostile flood: payload: %s", or_null(error));
      binauthz_string_free(error);
      goto free_engine;
    }
    put_base64(&payloads[i], (const unsigned char *)payload, strlen(payload));
    binauthz_string_free(payload);
  }
  char *review = review_of(1024, nth_image, &d, 0);
  jbuf b = {0};
  jbuf_puts(&b, "[");
  size_t signatures = 0, occurrences = 0;
  const char *signature = "{\"publicKeyId\": \"k\", \"signature\": \"AA==\"}";
  /* Room for each of the 4,096 occurrences: its share of 8 MiB, less what it says besides. */
  size_t share = (MAX_REQUEST - 64) / MAX_OCCURRENCES;
  for (size_t o = 0; o < MAX_OCCURRENCES; o++, occurrences++) {
    size_t start = b.len;
    char name[48];
    snprintf(name, sizeof name, "%s{\"name\": \"o%zu\", \"resourceUri\": \"https://", o ? "," : "", o);
    jbuf_puts(&b, name);
    jbuf_puts(&b, d.images[o % 64]);
    jbuf_puts(&b, "\", \"noteName\": \"projects/acme/notes/built-by-ci\", \"attestation\": {\"serializedPayload\": \"");
    jbuf_put(&b, payloads[o % 64].data, payloads[o % 64].len);
    jbuf_puts(&b, "\", \"signatures\": [");
    for (int s = 0; s < 64 && b.len - start + strlen(signature) + 8 < share; s++, signatures++) {
      if (s) jbuf_puts(&b, ",");
      jbuf_puts(&b, signature);
    }
    jbuf_puts(&b, "]}}");
  }
  jbuf_puts(&b, "]");
  answered a = answer_parts(engine, text(review), (part){b.data, b.len}, text("{\"cluster\": \"us-east1.prod\"}"),
                            text("\"2026-01-01T00:00:00Z\""));
  const jval *decision = json_get(a.answer, "decision"), *diagnostics = json_get(decision, "diagnostics");
  const jval *images = json_get(decision, "images");
  long checks = number_of(json_get(diagnostics, "signatureChecks"));
  long not_tried = number_of(json_get(diagnostics, "checksNotTried"));
  long cost = number_of(json_get(diagnostics, "verificationCost"));
  /* Every image denied, and the budget's reason said where it stopped the checks. */
  size_t denied = 0, budget_reasons = 0;
  for (size_t i = 0; images != NULL && i < images->count; i++) {
    const jval *image = images->items[i];
    denied += strcmp(text_at(json_get(image, "verdict")), "DENIED") == 0;
    const jval *attestors = json_get(image, "attestors");
    for (size_t t = 0; attestors != NULL && t < attestors->count; t++) {
      const jval *reasons = json_get(attestors->items[t], "reasons");
      for (size_t k = 0; reasons != NULL && k < reasons->count; k++) {
        const jval *reason = reasons->items[k];
        budget_reasons += strcmp(text_at(json_get(reason, "kind")), "budgetExhausted") == 0 &&
                          strstr(text_at(json_get(reason, "message")), "verification budget of 2400 points") != NULL;
      }
    }
  }
  const jval *response = response_of(a.answer);
  check(occurrences == MAX_OCCURRENCES && b.len <= MAX_REQUEST && signatures > 100000,
        "hostile flood: %zu occurrences, %zu signatures in %zu bytes", occurrences, signatures, b.len);
  check(a.status == BINAUTHZ_STATUS_OK && denial(&a) && !bool_is_true(json_get(response, "allowed")) &&
            strcmp(text_at(json_get(json_get(response, "status"), "reason")), "VIOLATES_POLICY") == 0 &&
            images != NULL && images->count == 1024 && denied == 1024 && budget_reasons > 0,
        "hostile flood: status %s, %zu images, %zu denied, %zu budget reasons: %.300s", binauthz_status_name(a.status),
        images ? images->count : 0, denied, budget_reasons,
        text_at(json_get(json_get(response, "status"), "message")));
  /* The budget counted every check and capped their cost: checks run plus checks not tried are
   * every signature, and the points spent stop within one check (and the diagnosis allowance)
   * of the budget. */
  check(checks > 0 && checks + not_tried == (long)signatures && cost >= MAX_VERIFICATION_COST &&
            cost <= MAX_VERIFICATION_COST + P521_POINTS + MAX_DIAGNOSIS_COST &&
            checks <= MAX_VERIFICATION_COST / P521_POINTS + 1,
        "hostile flood: %ld checks, %ld not tried, of %zu signatures; cost %ld points", checks, not_tried, signatures,
        cost);
  answered_free(&a);
  jbuf_free(&b);
  free(review);
free_engine:
  for (int i = 0; i < 64; i++) jbuf_free(&payloads[i]);
  binauthz_engine_free(engine);
out:
  json_free(c);
}

/* ---- binauthz_refuse_review ---- */

static void expect_refused(const char *what, const char *review, size_t len, const char *message, int want,
                           const char *uid) {
  char *out = (char *)(uintptr_t)1, *error = (char *)(uintptr_t)1;
  int status = binauthz_refuse_review((const uint8_t *)review, len, message, &out, &error);
  jval *r = out ? json_parse(out, strlen(out), NULL, 0) : NULL;
  const jval *response = json_get(r, "response");
  int ok = status == want &&
           (want == BINAUTHZ_STATUS_OK
                ? error == NULL && bool_is_false(json_get(response, "allowed")) &&
                      strcmp(text_at(json_get(response, "uid")), uid) == 0 &&
                      number_of(json_get(json_get(response, "status"), "code")) == 500
                : out == NULL && error != NULL);
  check(ok, "hostile refuse_review, %s: status %s (want %s) %.200s", what, binauthz_status_name(status),
        binauthz_status_name(want), or_null(error));
  json_free(r);
  binauthz_string_free(out);
  binauthz_string_free(error);
}

static void test_refuse_review(const char *image) {
  size_t len;
  char *deep = repeated("{\"request\": {\"uid\": \"u-7\", \"object\": ", "[", 100000, "", &len);
  expect_refused("100,000-deep review", deep, len, "source down", BINAUTHZ_STATUS_OK, "");
  free(deep);
  char *bomb = laughs("request: {uid: u-7}\n", "laughs");
  expect_refused("billion laughs review", bomb, strlen(bomb), "source down", BINAUTHZ_STATUS_OK, "");
  free(bomb);
  size_t overhead = review_overhead(image);
  char *big = review_of(1, fixed_image, (void *)image, MAX_REQUEST - overhead);
  expect_refused("review of 8 MiB", big, strlen(big), "source down", BINAUTHZ_STATUS_OK, "u-7");
  free(big);
  big = review_of(1, fixed_image, (void *)image, MAX_REQUEST - overhead + 1);
  expect_refused("review of 8 MiB + 1", big, strlen(big), "source down", BINAUTHZ_STATUS_OK, "");
  free(big);
  char *review = review_of(1, fixed_image, (void *)image, 0);
  big = repeated("", "m", MAX_REQUEST, "", &len);
  expect_refused("a message of 8 MiB", review, strlen(review), big, BINAUTHZ_STATUS_OK, "u-7");
  free(big);
  expect_refused("NULL review, length 5", NULL, 5, "source down", BINAUTHZ_STATUS_NULL_ARGUMENT, "");
  expect_refused("NULL message", review, strlen(review), NULL, BINAUTHZ_STATUS_NULL_ARGUMENT, "");
  expect_refused("message not UTF-8", review, strlen(review), "down \xff", BINAUTHZ_STATUS_INVALID_UTF8, "");
  expect_refused("review not UTF-8", "\xff", 1, "down", BINAUTHZ_STATUS_SYNTAX, "");
  expect_refused("review length SIZE_MAX", review, SIZE_MAX, "down", BINAUTHZ_STATUS_INVALID_ARGUMENT, "");
  free(review);
}

void test_hostile_review(char **paths, size_t n) {
  test_documents_calls();
  jval *c = load_case(paths, n, "alg-ecdsa-p256-sha256-valid");
  if (c == NULL) {
    check(0, "hostile review: case alg-ecdsa-p256-sha256-valid not found");
    return;
  }
  jbuf config = {0};
  json_write(json_get(c, "config"), &config);
  const char *image = text_at(json_get(json_get(c, "request"), "images")->items[0]);
  BinauthzEngine *engine = NULL;
  char *error = NULL;
  int status = binauthz_engine_new((const uint8_t *)config.data, config.len, &engine, &error);
  check(status == BINAUTHZ_STATUS_OK, "hostile review: engine: %s", or_null(error));
  binauthz_string_free(error);
  if (engine != NULL) test_answer_review_documents(engine, image);
  binauthz_engine_free(engine);
  test_refuse_review(image);
  jbuf_free(&config);
  json_free(c);
  test_flood(paths, n);
}
