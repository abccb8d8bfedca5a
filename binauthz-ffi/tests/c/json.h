/* A small JSON reader and writer for the C test suite (not part of the library).
 *
 * It parses RFC 8259 JSON into a tree, and writes a tree back the way serde_json's
 * Value::to_string does (compact, object keys sorted byte-wise, the same string escapes), so the
 * C runner hands the engine exactly the config and request text the Rust runner does
 * (spec/README.md section 9: "the config object serialized as JSON"). */
#ifndef BINAUTHZ_TEST_JSON_H
#define BINAUTHZ_TEST_JSON_H

#include <stddef.h>

typedef enum { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } jtype;

typedef struct jval {
  jtype type;
  int boolean;         /* J_BOOL */
  char *text;          /* J_STRING: decoded UTF-8 (NUL-terminated, may hold NULs); J_NUMBER: as written */
  size_t len;          /* length of text */
  struct jval **items; /* J_ARRAY, J_OBJECT: values */
  char **keys;         /* J_OBJECT: keys (NUL-terminated) */
  size_t count;
  size_t cap;
} jval;

/* A growable byte buffer. */
typedef struct {
  char *data;
  size_t len, cap;
} jbuf;

void jbuf_put(jbuf *b, const char *s, size_t n);
void jbuf_puts(jbuf *b, const char *s);
void jbuf_free(jbuf *b);

/* Parses `len` bytes; NULL on error with a message in err (err may be NULL). */
jval *json_parse(const char *text, size_t len, char *err, size_t err_len);
void json_free(jval *v);

/* Object member lookup; NULL when absent or when v is not an object. */
const jval *json_get(const jval *v, const char *key);
/* Deep equality; objects compare as unordered maps, numbers by value. */
int json_equal(const jval *a, const jval *b);
/* Appends the compact serde_json serialization of v to b (NUL-terminated). */
void json_write(const jval *v, jbuf *b);

/* Builders for the observed shapes. Each takes ownership of the values it is given. */
jval *json_new(jtype type);
jval *json_string(const char *s);
jval *json_clone(const jval *v);
void json_push(jval *array, jval *item);
void json_set(jval *object, const char *key, jval *value);

#endif
