/* What the C test files share: the pass/fail counters' check() and file reading. */
#ifndef BINAUTHZ_TEST_HARNESS_H
#define BINAUTHZ_TEST_HARNESS_H

#include <stddef.h>

#include "json.h"

/* Counts a passed check, or prints the failure (printf-style) and counts it. */
void check(int ok, const char *fmt, ...);
/* The failures counted so far, so that a suite in another file can report its own. */
int failures(void);
/* The whole file, NUL-terminated (caller frees); NULL when it cannot be read. */
char *read_file(const char *path, size_t *len);

/* Issue 13's hostile inputs through the C ABI: each decided within bounds, with a status. */
void test_hostile(char **case_paths, size_t n);
/* The same for the newer entry points: binauthz_check_policy, binauthz_lint_policy,
 * binauthz_engine_new_from_documents, binauthz_engine_answer_review, binauthz_refuse_review. */
void test_hostile_review(char **case_paths, size_t n);

/* Check-based platform policies (platform.c): every case of the platform conformance directory,
 * then the error paths of binauthz_platform_validate, _evaluate and _cv_events. */
void test_platform(const char *cases_dir);

/* Shared by the hostile suites (hostile.c). */
/* The parsed conformance case whose "name" is `name` (NULL when absent; caller frees). */
jval *load_case(char **paths, size_t n, const char *name);
/* The text of a JSON string, "" for anything else. */
const char *text_at(const jval *v);
/* Appends `data` in standard base64 with padding. */
void put_base64(jbuf *b, const unsigned char *data, size_t len);

#endif
