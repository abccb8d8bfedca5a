/* See json.h. Allocation failures abort: this is test code. */
#include "json.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 512

static void *xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (q == NULL) {
    fputs("out of memory\n", stderr);
    abort();
  }
  return q;
}

void jbuf_put(jbuf *b, const char *s, size_t n) {
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1) cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
  }
  memcpy(b->data + b->len, s, n);
  b->len += n;
  b->data[b->len] = '\0';
}

void jbuf_puts(jbuf *b, const char *s) { jbuf_put(b, s, strlen(s)); }

void jbuf_free(jbuf *b) {
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

jval *json_new(jtype type) {
  jval *v = xrealloc(NULL, sizeof *v);
  memset(v, 0, sizeof *v);
  v->type = type;
  return v;
}

static jval *json_text(jtype type, const char *s, size_t n) {
  jval *v = json_new(type);
  v->text = xrealloc(NULL, n + 1);
  memcpy(v->text, s, n);
  v->text[n] = '\0';
  v->len = n;
  return v;
}

jval *json_string(const char *s) { return json_text(J_STRING, s, strlen(s)); }

void json_free(jval *v) {
  if (v == NULL) return;
  for (size_t i = 0; i < v->count; i++) {
    json_free(v->items[i]);
    if (v->keys) free(v->keys[i]);
  }
  free(v->items);
  free(v->keys);
  free(v->text);
  free(v);
}

static void grow(jval *v) {
  if (v->count < v->cap) return;
  v->cap = v->cap ? v->cap * 2 : 8;
  v->items = xrealloc(v->items, v->cap * sizeof *v->items);
  if (v->type == J_OBJECT) v->keys = xrealloc(v->keys, v->cap * sizeof *v->keys);
}

void json_push(jval *array, jval *item) {
  grow(array);
  array->items[array->count++] = item;
}

/* Like serde_json's map: a repeated key keeps the last value. */
void json_set(jval *object, const char *key, jval *value) {
  for (size_t i = 0; i < object->count; i++) {
    if (strcmp(object->keys[i], key) == 0) {
      json_free(object->items[i]);
      object->items[i] = value;
      return;
    }
  }
  grow(object);
  size_t n = strlen(key);
  object->keys[object->count] = xrealloc(NULL, n + 1);
  memcpy(object->keys[object->count], key, n + 1);
  object->items[object->count++] = value;
}

jval *json_clone(const jval *v) {
  jval *c = json_new(v->type);
  c->boolean = v->boolean;
  if (v->text) {
    c->text = xrealloc(NULL, v->len + 1);
    memcpy(c->text, v->text, v->len + 1);
    c->len = v->len;
  }
  for (size_t i = 0; i < v->count; i++) {
    if (v->type == J_OBJECT)
      json_set(c, v->keys[i], json_clone(v->items[i]));
    else
      json_push(c, json_clone(v->items[i]));
  }
  return c;
}

const jval *json_get(const jval *v, const char *key) {
  if (v == NULL || v->type != J_OBJECT) return NULL;
  for (size_t i = 0; i < v->count; i++)
    if (strcmp(v->keys[i], key) == 0) return v->items[i];
  return NULL;
}

int json_equal(const jval *a, const jval *b) {
  if (a == NULL || b == NULL) return a == b;
  if (a->type != b->type) return 0;
  switch (a->type) {
    case J_NULL: return 1;
    case J_BOOL: return a->boolean == b->boolean;
    case J_NUMBER: return strtod(a->text, NULL) == strtod(b->text, NULL);
    case J_STRING: return a->len == b->len && memcmp(a->text, b->text, a->len) == 0;
    case J_ARRAY:
      if (a->count != b->count) return 0;
      for (size_t i = 0; i < a->count; i++)
        if (!json_equal(a->items[i], b->items[i])) return 0;
      return 1;
    case J_OBJECT:
      if (a->count != b->count) return 0;
      for (size_t i = 0; i < a->count; i++)
        if (!json_equal(a->items[i], json_get(b, a->keys[i]))) return 0;
      return 1;
  }
  return 0;
}

/* ---- parser ---- */

typedef struct {
  const char *p, *end;
  char *err;
  size_t err_len;
  int failed;
} parser;

static void fail(parser *ps, const char *what) {
  if (!ps->failed && ps->err && ps->err_len) snprintf(ps->err, ps->err_len, "%s", what);
  ps->failed = 1;
}

static void skip_ws(parser *ps) {
  while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r'))
    ps->p++;
}

static int hex4(parser *ps, unsigned *out) {
  if (ps->end - ps->p < 4) return 0;
  unsigned v = 0;
  for (int i = 0; i < 4; i++) {
    char c = ps->p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
    else return 0;
  }
  ps->p += 4;
  *out = v;
  return 1;
}

static void put_utf8(jbuf *b, unsigned cp) {
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xC0 | (cp >> 6)); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | (cp >> 12)); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    u[0] = (char)(0xF0 | (cp >> 18)); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  jbuf_put(b, u, n);
}

/* Parses a string after its opening quote into b. */
static int parse_string_into(parser *ps, jbuf *b) {
  jbuf_put(b, "", 0);
  while (ps->p < ps->end) {
    unsigned char c = (unsigned char)*ps->p++;
    if (c == '"') return 1;
    if (c < 0x20) { fail(ps, "control character in string"); return 0; }
    if (c != '\\') { jbuf_put(b, (const char *)&c, 1); continue; }
    if (ps->p >= ps->end) break;
    char e = *ps->p++;
    unsigned cp;
    switch (e) {
      case '"': jbuf_put(b, "\"", 1); break;
      case '\\': jbuf_put(b, "\\", 1); break;
      case '/': jbuf_put(b, "/", 1); break;
      case 'b': jbuf_put(b, "\b", 1); break;
      case 'f': jbuf_put(b, "\f", 1); break;
      case 'n': jbuf_put(b, "\n", 1); break;
      case 'r': jbuf_put(b, "\r", 1); break;
      case 't': jbuf_put(b, "\t", 1); break;
      case 'u':
        if (!hex4(ps, &cp)) { fail(ps, "bad \\u escape"); return 0; }
        if (cp >= 0xD800 && cp < 0xDC00) {
          unsigned lo;
          if (ps->end - ps->p < 2 || ps->p[0] != '\\' || ps->p[1] != 'u') { fail(ps, "lone surrogate"); return 0; }
          ps->p += 2;
          if (!hex4(ps, &lo) || lo < 0xDC00 || lo > 0xDFFF) { fail(ps, "bad surrogate pair"); return 0; }
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          fail(ps, "lone surrogate");
          return 0;
        }
        put_utf8(b, cp);
        break;
      default: fail(ps, "bad escape"); return 0;
    }
  }
  fail(ps, "unterminated string");
  return 0;
}

static jval *parse_value(parser *ps, int depth);

static jval *parse_string(parser *ps) {
  jbuf b = {0};
  if (!parse_string_into(ps, &b)) { jbuf_free(&b); return NULL; }
  jval *v = json_new(J_STRING);
  v->text = b.data;
  v->len = b.len;
  return v;
}

static int literal(parser *ps, const char *word) {
  size_t n = strlen(word);
  if ((size_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0) return 0;
  ps->p += n;
  return 1;
}

static jval *parse_number(parser *ps) {
  const char *start = ps->p;
  if (ps->p < ps->end && *ps->p == '-') ps->p++;
  const char *digits = ps->p;
  while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
  if (ps->p == digits || (*digits == '0' && ps->p - digits > 1)) { fail(ps, "bad number"); return NULL; }
  if (ps->p < ps->end && *ps->p == '.') {
    ps->p++;
    const char *f = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    if (ps->p == f) { fail(ps, "bad number"); return NULL; }
  }
  if (ps->p < ps->end && (*ps->p == 'e' || *ps->p == 'E')) {
    ps->p++;
    if (ps->p < ps->end && (*ps->p == '+' || *ps->p == '-')) ps->p++;
    const char *x = ps->p;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') ps->p++;
    if (ps->p == x) { fail(ps, "bad number"); return NULL; }
  }
  return json_text(J_NUMBER, start, (size_t)(ps->p - start));
}

static jval *parse_container(parser *ps, int depth, int object) {
  jval *v = json_new(object ? J_OBJECT : J_ARRAY);
  char close = object ? '}' : ']';
  skip_ws(ps);
  if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
  for (;;) {
    jbuf key = {0};
    if (object) {
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != '"') { fail(ps, "expected a key"); break; }
      ps->p++;
      if (!parse_string_into(ps, &key)) { jbuf_free(&key); break; }
      skip_ws(ps);
      if (ps->p >= ps->end || *ps->p != ':') { fail(ps, "expected ':'"); jbuf_free(&key); break; }
      ps->p++;
    }
    jval *item = parse_value(ps, depth + 1);
    if (item == NULL) { jbuf_free(&key); break; }
    if (object) json_set(v, key.data, item); else json_push(v, item);
    jbuf_free(&key);
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
    if (ps->p < ps->end && *ps->p == close) { ps->p++; return v; }
    fail(ps, object ? "expected ',' or '}'" : "expected ',' or ']'");
    break;
  }
  json_free(v);
  return NULL;
}

static jval *parse_value(parser *ps, int depth) {
  if (depth > MAX_DEPTH) { fail(ps, "nested too deeply"); return NULL; }
  skip_ws(ps);
  if (ps->p >= ps->end) { fail(ps, "unexpected end"); return NULL; }
  char c = *ps->p;
  if (c == '{' || c == '[') { ps->p++; return parse_container(ps, depth, c == '{'); }
  if (c == '"') { ps->p++; return parse_string(ps); }
  if (c == '-' || (c >= '0' && c <= '9')) return parse_number(ps);
  if (literal(ps, "true")) { jval *v = json_new(J_BOOL); v->boolean = 1; return v; }
  if (literal(ps, "false")) return json_new(J_BOOL);
  if (literal(ps, "null")) return json_new(J_NULL);
  fail(ps, "unexpected character");
  return NULL;
}

jval *json_parse(const char *text, size_t len, char *err, size_t err_len) {
  parser ps = {text, text + len, err, err_len, 0};
  jval *v = parse_value(&ps, 0);
  skip_ws(&ps);
  if (v != NULL && ps.p != ps.end) {
    fail(&ps, "trailing characters");
    json_free(v);
    return NULL;
  }
  return v;
}

/* ---- writer (serde_json's compact format) ---- */

static void write_string(const char *s, size_t n, jbuf *b) {
  static const char hex[] = "0123456789abcdef";
  jbuf_put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    switch (c) {
      case '"': jbuf_put(b, "\\\"", 2); break;
      case '\\': jbuf_put(b, "\\\\", 2); break;
      case '\b': jbuf_put(b, "\\b", 2); break;
      case '\f': jbuf_put(b, "\\f", 2); break;
      case '\n': jbuf_put(b, "\\n", 2); break;
      case '\r': jbuf_put(b, "\\r", 2); break;
      case '\t': jbuf_put(b, "\\t", 2); break;
      default:
        if (c < 0x20) {
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          jbuf_put(b, u, 6);
        } else {
          jbuf_put(b, (const char *)&c, 1);
        }
    }
  }
  jbuf_put(b, "\"", 1);
}

static const jval *sort_object;
static int by_key(const void *x, const void *y) {
  return strcmp(sort_object->keys[*(const size_t *)x], sort_object->keys[*(const size_t *)y]);
}

void json_write(const jval *v, jbuf *b) {
  switch (v->type) {
    case J_NULL: jbuf_puts(b, "null"); break;
    case J_BOOL: jbuf_puts(b, v->boolean ? "true" : "false"); break;
    case J_NUMBER: jbuf_put(b, v->text, v->len); break;
    case J_STRING: write_string(v->text, v->len, b); break;
    case J_ARRAY:
      jbuf_put(b, "[", 1);
      for (size_t i = 0; i < v->count; i++) {
        if (i) jbuf_put(b, ",", 1);
        json_write(v->items[i], b);
      }
      jbuf_put(b, "]", 1);
      break;
    case J_OBJECT: {
      size_t *order = xrealloc(NULL, v->count * sizeof *order);
      for (size_t i = 0; i < v->count; i++) order[i] = i;
      sort_object = v; /* single-threaded use only */
      qsort(order, v->count, sizeof *order, by_key);
      jbuf_put(b, "{", 1);
      for (size_t i = 0; i < v->count; i++) {
        if (i) jbuf_put(b, ",", 1);
        write_string(v->keys[order[i]], strlen(v->keys[order[i]]), b);
        jbuf_put(b, ":", 1);
        json_write(v->items[order[i]], b);
      }
      jbuf_put(b, "}", 1);
      free(order);
      break;
    }
  }
}
