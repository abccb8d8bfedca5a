/* Links the static and the shared library from C and checks the one entry point the
 * placeholder FFI crate exports. The full C suite (every conformance case, valgrind, ASan,
 * threads) arrives with the FFI issue. */
#include <stdio.h>
#include <string.h>

const char *binauthz_version(void);

int main(int argc, char **argv) {
    int passed = 0, failed = 0;
    const char *want = argc > 1 ? argv[1] : "";
    const char *got = binauthz_version();
    if (got != NULL && strcmp(got, want) == 0) {
        passed++;
    } else {
        fprintf(stderr, "binauthz_version() = %s, expected %s\n", got ? got : "(null)", want);
        failed++;
    }
    printf("%d passed, %d failed\n", passed, failed);
    return failed != 0;
}
