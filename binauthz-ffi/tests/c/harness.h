/* What the C test files share: the pass/fail counters' check() and file reading. */
#ifndef BINAUTHZ_TEST_HARNESS_H
#define BINAUTHZ_TEST_HARNESS_H

#include <stddef.h>

/* Counts a passed check, or prints the failure (printf-style) and counts it. */
void check(int ok, const char *fmt, ...);
/* The whole file, NUL-terminated (caller frees); NULL when it cannot be read. */
char *read_file(const char *path, size_t *len);

/* Issue 13's hostile inputs through the C ABI: each decided within bounds, with a status. */
void test_hostile(char **case_paths, size_t n);

#endif
