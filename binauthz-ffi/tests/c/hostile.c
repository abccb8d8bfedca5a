/* Issue 13 through the C ABI: hostile requests at the documented limits (spec/README.md section
 * 7.2) each get a status and a bounded decision, never an abort. What is asserted is counted
 * (checks run, reasons kept, the decision's size), never time. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binauthz.h"
#include "harness.h"
#include "json.h"

#define MAX_REQUEST (8u << 20)

/* The parsed conformance case whose "name" is `name` (NULL when absent; caller frees). */
jval *load_case(char **paths, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++) {
    if (strstr(paths[i], name) == NULL) continue;
    size_t len;
    char *text = read_file(paths[i], &len);
    if (text == NULL) continue;
    jval *c = json_parse(text, len, NULL, 0);
    free(text);
    const jval *nm = json_get(c, "name");
    if (nm != NULL && nm->type == J_STRING && strcmp(nm->text, name) == 0) return c;
    json_free(c);
  }
  return NULL;
}

static const jval *item(const jval *array, size_t i) {
  return array != NULL && array->type == J_ARRAY && i < array->count ? array->items[i] : NULL;
}

const char *text_at(const jval *v) { return v != NULL && v->type == J_STRING ? v->text : ""; }

static char *json_text(const jval *v) {
  jbuf b = {0};
  json_write(v, &b);
  return b.data;
}

void put_base64(jbuf *b, const unsigned char *data, size_t len) {
  static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  for (size_t i = 0; i < len; i += 3) {
    unsigned v = (unsigned)data[i] << 16;
    if (i + 1 < len) v |= (unsigned)data[i + 1] << 8;
    if (i + 2 < len) v |= data[i + 2];
    char out[4] = {abc[(v >> 18) & 63], abc[(v >> 12) & 63], i + 1 < len ? abc[(v >> 6) & 63] : '=',
                   i + 2 < len ? abc[v & 63] : '='};
    jbuf_put(b, out, 4);
  }
}

static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static unsigned char next_byte(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return (unsigned char)(rng_state >> 24);
}

/* A DER ECDSA signature whose r and s are in range for `len`-byte curves but verify nowhere. */
static size_t forged_ecdsa(unsigned char *out, size_t len) {
  size_t body = 2 * (2 + len), at = 0;
  out[at++] = 0x30;
  if (body >= 0x80) out[at++] = 0x81;
  out[at++] = (unsigned char)body;
  for (int k = 0; k < 2; k++) {
    out[at++] = 0x02;
    out[at++] = (unsigned char)len;
    for (size_t i = 0; i < len; i++) out[at++] = next_byte();
    out[at - len] = len == 66 ? 0x01 : (unsigned char)(0x10 | (out[at - len] & 0x3f));
    if (len == 66) out[at - len + 1] &= 0x7f;
  }
  return at;
}

typedef void (*signature_fn)(jbuf *b, size_t n, const char *key_id);

/* {"images": [image x images], "attestations": [...]} of about 8 MiB: occurrences under `note`
 * for the case's digest, 64 signatures each, from `sig`. */
static char *flood(const jval *occ, const char *image, size_t images, const char *key_id, signature_fn sig,
                   size_t *len) {
  jbuf b = {0};
  jbuf_puts(&b, "{\"images\": [");
  for (size_t i = 0; i < images; i++) {
    jbuf_puts(&b, i ? ",\"" : "\"");
    jbuf_puts(&b, image);
    jbuf_puts(&b, "\"");
  }
  jbuf_puts(&b, "], \"attestations\": [");
  const char *uri = text_at(json_get(occ, "resourceUri"));
  const char *note = text_at(json_get(occ, "noteName"));
  const char *payload = text_at(json_get(json_get(occ, "attestation"), "serializedPayload"));
  size_t n = 0;
  for (size_t o = 0; o < 4096 && b.len < MAX_REQUEST - 64 * 1024; o++) {
    char name[64];
    snprintf(name, sizeof name, "%s{\"name\": \"projects/attacker/occurrences/%06zu\", ", o ? "," : "", o);
    jbuf_puts(&b, name);
    jbuf_puts(&b, "\"resourceUri\": \"");
    jbuf_puts(&b, uri);
    jbuf_puts(&b, "\", \"noteName\": \"");
    jbuf_puts(&b, note);
    jbuf_puts(&b, "\", \"attestation\": {\"serializedPayload\": \"");
    jbuf_puts(&b, payload);
    jbuf_puts(&b, "\", \"signatures\": [");
    for (int s = 0; s < 64 && b.len < MAX_REQUEST - 64 * 1024; s++, n++) {
      if (s) jbuf_puts(&b, ",");
      sig(&b, n, key_id);
    }
    jbuf_puts(&b, "]}}");
  }
  jbuf_puts(&b, "]}");
  *len = b.len;
  return b.data;
}

static void one_byte_signature(jbuf *b, size_t n, const char *key_id) {
  char id[64];
  snprintf(id, sizeof id, "attacker-%zu", n);
  jbuf_puts(b, "{\"publicKeyId\": \"");
  jbuf_puts(b, n % 2 ? id : key_id);
  jbuf_puts(b, "\", \"signature\": \"AA==\"}");
}

static void forged_p521_signature(jbuf *b, size_t n, const char *key_id) {
  (void)n;
  unsigned char der[160];
  size_t len = forged_ecdsa(der, 66);
  jbuf_puts(b, "{\"publicKeyId\": \"");
  jbuf_puts(b, key_id);
  jbuf_puts(b, "\", \"signature\": \"");
  put_base64(b, der, len);
  jbuf_puts(b, "\"}");
}

static BinauthzEngine *engine_for(const jval *c, size_t cache) {
  char *config = json_text(json_get(c, "config"));
  BinauthzEngine *engine = NULL;
  char *error = NULL;
  int status = binauthz_engine_new_with_cache((const uint8_t *)config, strlen(config), cache, &engine, &error);
  check(status == BINAUTHZ_STATUS_OK, "hostile: engine: %s %s", binauthz_status_name(status), error ? error : "");
  binauthz_string_free(error);
  free(config);
  return engine;
}

/* Evaluates; returns the status and the decision (caller frees with binauthz_string_free). */
static int run(const BinauthzEngine *engine, const char *request, size_t len, char **decision) {
  char *error = NULL;
  *decision = NULL;
  int status = binauthz_engine_evaluate(engine, (const uint8_t *)request, len, decision, &error);
  if (status != BINAUTHZ_STATUS_OK) {
    *decision = error;
  } else {
    binauthz_string_free(error);
  }
  return status;
}

static long number_after(const char *json, const char *key) {
  const char *at = json ? strstr(json, key) : NULL;
  return at ? strtol(at + strlen(key), NULL, 10) : -1;
}

/* Findings 1 and 2: memory and CPU under floods of bad signatures. */
static void test_floods(char **paths, size_t n) {
  jval *c = load_case(paths, n, "alg-ecdsa-p256-sha256-valid");
  jval *c521 = load_case(paths, n, "alg-ecdsa-p521-sha512-valid");
  check(c != NULL && c521 != NULL, "hostile: conformance cases found");
  if (c == NULL || c521 == NULL) goto out;
  const jval *req = json_get(c, "request");
  const char *image = text_at(item(json_get(req, "images"), 0));
  const jval *occ = item(json_get(req, "attestations"), 0);
  const char *key_id = text_at(json_get(item(json_get(json_get(occ, "attestation"), "signatures"), 0), "publicKeyId"));

  /* Finding 1: 1,024 images of one digest and 8 MiB of 1-byte signatures. Before, every
   * rejection was a reason copied into every image: a 1 MB request aborted the host (SIGABRT). */
  size_t len;
  char *request = flood(occ, image, 1024, key_id, one_byte_signature, &len);
  BinauthzEngine *engine = engine_for(c, 10000);
  char *decision;
  int status = run(engine, request, len, &decision);
  check(status == BINAUTHZ_STATUS_OK && strncmp(decision, "{\"allowed\":false,", 17) == 0 &&
            strstr(decision, "\"budgetExhausted\"") && strstr(decision, "\"omittedReasons\"") &&
            strlen(decision) < (40u << 20),
        "hostile memory: status %s, decision of %zu bytes", binauthz_status_name(status),
        decision ? strlen(decision) : 0);
  binauthz_string_free(decision);
  free(request);
  binauthz_engine_free(engine);

  /* Finding 2: 8 MiB of well-formed forged P-521 signatures that claim the attestor's key. */
  req = json_get(c521, "request");
  occ = item(json_get(req, "attestations"), 0);
  key_id = text_at(json_get(item(json_get(json_get(occ, "attestation"), "signatures"), 0), "publicKeyId"));
  request = flood(occ, text_at(item(json_get(req, "images"), 0)), 1, key_id, forged_p521_signature, &len);
  engine = engine_for(c521, 10000);
  status = run(engine, request, len, &decision);
  check(status == BINAUTHZ_STATUS_OK && strncmp(decision, "{\"allowed\":false,", 17) == 0 &&
            number_after(decision, "\"signatureChecks\":") == 32 && number_after(decision, "\"checksNotTried\":") > 5000,
        "hostile CPU: status %s, checks %ld, not tried %ld", binauthz_status_name(status),
        number_after(decision, "\"signatureChecks\":"), number_after(decision, "\"checksNotTried\":"));
  binauthz_string_free(decision);
  free(request);
  binauthz_engine_free(engine);
out:
  json_free(c);
  json_free(c521);
}

static void packet(jbuf *b, unsigned char tag, const unsigned char *body, size_t len) {
  unsigned char head[6] = {(unsigned char)(0xc0 | tag), 0xff, (unsigned char)(len >> 24), (unsigned char)(len >> 16),
                           (unsigned char)(len >> 8), (unsigned char)len};
  jbuf_put(b, (const char *)head, sizeof head);
  jbuf_put(b, (const char *)body, len);
}

/* Finding 3: a PGP message of 63 forged signature packets over literal data. */
static void test_pgp(char **paths, size_t n) {
  jval *c = load_case(paths, n, "pgp-rsa3072-attached-armored");
  if (c == NULL) {
    check(0, "hostile PGP: case pgp-rsa3072-attached-armored not found");
    return;
  }
  BinauthzEngine *engine = engine_for(c, 0);
  /* The key's fingerprint, from the genuine attestation's verifiedBy. */
  char *request = json_text(json_get(c, "request"));
  char *decision;
  run(engine, request, strlen(request), &decision);
  const char *at = decision ? strstr(decision, "\"keyId\":\"") : NULL;
  char fpr[41] = {0};
  if (at) memcpy(fpr, at + 9, 40);
  binauthz_string_free(decision);
  free(request);
  unsigned char fp[20];
  for (int i = 0; i < 20; i++) {
    unsigned v = 0;
    sscanf(fpr + 2 * i, "%2x", &v);
    fp[i] = (unsigned char)v;
  }
  jbuf msg = {0};
  for (int p = 0; p < 63; p++) {
    unsigned char s[128] = {4, 0x01, 1, 14, 0, 29, 5, 2, 0x65, 0x5f, 0x00, (unsigned char)p, 22, 33, 4};
    memcpy(s + 15, fp, 20);
    size_t at2 = 35;
    s[at2++] = 0;
    s[at2++] = 10;
    s[at2++] = 9;
    s[at2++] = 16;
    memcpy(s + at2, fp + 12, 8);
    at2 += 8;
    s[at2++] = 0x12; /* hash prefix */
    s[at2++] = 0x34;
    s[at2++] = 0x00; /* a 16-bit MPI */
    s[at2++] = 16;
    s[at2++] = 0x80;
    s[at2++] = 0x01;
    packet(&msg, 2, s, at2);
  }
  unsigned char literal[1030] = {'t', 0, 0, 0, 0, 0};
  memset(literal + 6, 'x', sizeof literal - 6);
  packet(&msg, 11, literal, sizeof literal);
  const jval *occ = item(json_get(json_get(c, "request"), "attestations"), 0);
  jbuf b = {0};
  jbuf_puts(&b, "{\"evaluationTime\": \"2026-06-01T00:00:00Z\", \"images\": [\"");
  jbuf_puts(&b, text_at(item(json_get(json_get(c, "request"), "images"), 0)));
  jbuf_puts(&b, "\"], \"attestations\": [{\"name\": \"projects/attacker/occurrences/pgp\", \"resourceUri\": \"");
  jbuf_puts(&b, text_at(json_get(occ, "resourceUri")));
  jbuf_puts(&b, "\", \"noteName\": \"");
  jbuf_puts(&b, text_at(json_get(occ, "noteName")));
  jbuf_puts(&b, "\", \"attestation\": {\"signatures\": [{\"publicKeyId\": \"");
  jbuf_puts(&b, fpr);
  jbuf_puts(&b, "\", \"signature\": \"");
  put_base64(&b, (const unsigned char *)msg.data, msg.len);
  jbuf_puts(&b, "\"}], \"serializedPayload\": \"");
  jbuf_puts(&b, text_at(json_get(json_get(occ, "attestation"), "serializedPayload")));
  jbuf_puts(&b, "\"}}]}");
  int status = run(engine, b.data, b.len, &decision);
  check(status == BINAUTHZ_STATUS_OK && strncmp(decision, "{\"allowed\":false,", 17) == 0 &&
            strstr(decision, "63 signature packets, more than the 4 binauthz reads") != NULL,
        "hostile PGP: status %s, %.300s", binauthz_status_name(status), decision ? decision : "");
  binauthz_string_free(decision);
  jbuf_free(&b);
  jbuf_free(&msg);
  binauthz_engine_free(engine);
  json_free(c);
}

/* Findings 4, 5, 6, 10 and 11: documents and objects read as the platform reads them. */
static void test_documents(char **paths, size_t n) {
  jval *c = load_case(paths, n, "alg-ecdsa-p256-sha256-valid");
  if (c == NULL) return;
  const jval *req = json_get(c, "request");
  const char *image = text_at(item(json_get(req, "images"), 0));
  BinauthzEngine *engine = engine_for(c, 0);
  char *decision;
  jbuf b = {0};

  /* Finding 4: 60,000 unclosed `{` in a YAML request (9-18 s before). */
  jbuf_puts(&b, "images: [a]\ncontext: ");
  for (int i = 0; i < 60000; i++) jbuf_puts(&b, "{");
  int status = run(engine, b.data, b.len, &decision);
  check(status == BINAUTHZ_STATUS_LIMIT || status == BINAUTHZ_STATUS_SYNTAX, "hostile YAML nesting: %s %.200s",
        binauthz_status_name(status), decision ? decision : "");
  binauthz_string_free(decision);
  b.len = 0;

  /* Finding 5: a YAML merge key brings an init container in; it must be evaluated. */
  jbuf_puts(&b, "object:\n  kind: Pod\n  metadata: {name: p}\n  spec:\n    <<: {initContainers: [{name: i, image: "
                "'gcr.io/attacker/x:1'}]}\n    containers: [{name: c, image: '");
  jbuf_puts(&b, image);
  jbuf_puts(&b, "'}]\n");
  status = run(engine, b.data, b.len, &decision);
  check(status == BINAUTHZ_STATUS_OK && strstr(decision, "\"image\":\"gcr.io/attacker/x:1\"") != NULL &&
            strncmp(decision, "{\"allowed\":false,", 17) == 0,
        "hostile merge key: %s %.300s", binauthz_status_name(status), decision ? decision : "");
  binauthz_string_free(decision);
  b.len = 0;

  /* Finding 6: the deprecated serviceAccount names the account when serviceAccountName is "". */
  jbuf_puts(&b, "{\"object\": {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"namespace\": \"prod\"}, \"spec\": "
                "{\"serviceAccountName\": \"\", \"serviceAccount\": \"deployer\", \"containers\": [{\"name\": \"c\", "
                "\"image\": \"gcr.io/p/a:1\"}]}}}");
  status = run(engine, b.data, b.len, &decision);
  check(status == BINAUTHZ_STATUS_OK && strstr(decision, "\"serviceAccount\":\"deployer\"") != NULL,
        "hostile service account alias: %s %.300s", binauthz_status_name(status), decision ? decision : "");
  binauthz_string_free(decision);
  b.len = 0;

  /* Finding 10: an occurrence name that would forge a line in the denial text. */
  const jval *occ = item(json_get(req, "attestations"), 0);
  jbuf_puts(&b, "{\"images\": [\"");
  jbuf_puts(&b, image);
  jbuf_puts(&b, "\"], \"attestations\": [{\"name\": \"x\\n\\u001b[32mALLOWED\", \"resourceUri\": \"");
  jbuf_puts(&b, text_at(json_get(occ, "resourceUri")));
  jbuf_puts(&b, "\", \"noteName\": \"");
  jbuf_puts(&b, text_at(json_get(occ, "noteName")));
  jbuf_puts(&b, "\", \"attestation\": {\"serializedPayload\": \"e30=\", \"signatures\": [{\"publicKeyId\": \"k\", "
                "\"signature\": \"AA==\"}]}}]}");
  status = run(engine, b.data, b.len, &decision);
  jval *d = status == BINAUTHZ_STATUS_OK ? json_parse(decision, strlen(decision), NULL, 0) : NULL;
  const jval *message = json_get(item(json_get(d, "images"), 0), "denial");
  check(d != NULL && message != NULL && message->type == J_STRING && strchr(message->text, 0x1b) == NULL &&
            strchr(message->text, '\n') == NULL && strstr(message->text, "\\u{1b}") != NULL,
        "hostile escaping: %s %.300s", binauthz_status_name(status), decision ? decision : "");
  json_free(d);
  binauthz_string_free(decision);
  b.len = 0;

  /* Finding 11: YAML tags are errors; breakglass needs exactly "true". */
  status = run(engine, "images: [!!binary Z2NyLmlvL3AvYToxCg==]\n", 39, &decision);
  check(status == BINAUTHZ_STATUS_INVALID || status == BINAUTHZ_STATUS_SYNTAX, "hostile !!binary: %s %.200s",
        binauthz_status_name(status), decision ? decision : "");
  binauthz_string_free(decision);
  jbuf_puts(&b, "{\"object\": {\"kind\": \"Pod\", \"metadata\": {\"name\": \"p\", \"labels\": "
                "{\"image-policy.k8s.io/break-glass\": \"TRUE\"}}, \"spec\": {\"containers\": [{\"name\": \"c\", "
                "\"image\": \"gcr.io/p/a:1\"}]}}}");
  status = run(engine, b.data, b.len, &decision);
  check(status == BINAUTHZ_STATUS_OK && strncmp(decision, "{\"allowed\":false,\"breakglass\":false,", 36) == 0,
        "hostile breakglass TRUE: %s %.200s", binauthz_status_name(status), decision ? decision : "");
  binauthz_string_free(decision);

  jbuf_free(&b);
  binauthz_engine_free(engine);
  json_free(c);
}

/* Finding 7: allowlist wildcards that could reach another registry or port. */
static void test_allowlist(void) {
  const char *patterns[] = {"gcr.io:**", "localhost:5000**", "local-image:**"};
  for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
    char config[512];
    snprintf(config, sizeof config,
             "{\"policy\": {\"admissionWhitelistPatterns\": [{\"namePattern\": \"%s\"}], \"defaultAdmissionRule\": "
             "{\"evaluationMode\": \"ALWAYS_DENY\", \"enforcementMode\": \"ENFORCED_BLOCK_AND_AUDIT_LOG\"}}}",
             patterns[i]);
    BinauthzEngine *engine = NULL;
    char *error = NULL;
    int status = binauthz_engine_new((const uint8_t *)config, strlen(config), &engine, &error);
    check(status == BINAUTHZ_STATUS_INVALID && engine == NULL, "hostile allowlist %s: %s %s", patterns[i],
          binauthz_status_name(status), error ? error : "");
    binauthz_string_free(error);
    binauthz_engine_free(engine);
  }
}

/* Finding 9: the decision does not depend on the order of occurrences and signatures. */
static void test_order(char **paths, size_t n) {
  jval *c = load_case(paths, n, "several-occurrences-one-valid");
  if (c == NULL) {
    check(0, "hostile order: case several-occurrences-one-valid not found");
    return;
  }
  BinauthzEngine *engine = engine_for(c, 0);
  char *request = json_text(json_get(c, "request"));
  char *first;
  run(engine, request, strlen(request), &first);
  jval *reversed = json_clone(json_get(c, "request"));
  jval *occs = (jval *)json_get(reversed, "attestations");
  for (size_t i = 0; occs && i < occs->count / 2; i++) {
    jval *t = occs->items[i];
    occs->items[i] = occs->items[occs->count - 1 - i];
    occs->items[occs->count - 1 - i] = t;
  }
  char *second_request = json_text(reversed);
  char *second;
  run(engine, second_request, strlen(second_request), &second);
  check(first != NULL && second != NULL && strcmp(first, second) == 0 && strcmp(request, second_request) != 0,
        "hostile order: decisions differ when the occurrences are reversed");
  binauthz_string_free(first);
  binauthz_string_free(second);
  free(request);
  free(second_request);
  json_free(reversed);
  binauthz_engine_free(engine);
  json_free(c);
}

void test_hostile(char **paths, size_t n) {
  test_floods(paths, n);
  test_pgp(paths, n);
  test_documents(paths, n);
  test_allowlist();
  test_order(paths, n);
}
