/* replay.c: a libFuzzer harness without libFuzzer. Feeds each file named on
 * the command line to LLVMFuzzerTestOneInput once, so any compiler can replay
 * the seed corpus and the fuzzers' finds (tests/data/hostile/fuzz_*) in
 * `make test` (tests/e2e/60-hostile-replay.sh). A harness aborts on a broken
 * promise, so a failure is a non-zero exit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    LLVMFuzzerInitialize(&argc, &argv);
    int n = 0;
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) { perror(argv[i]); return 1; }
        size_t cap = 1 << 16, len = 0;
        uint8_t *buf = malloc(cap);
        for (size_t got; buf && (got = fread(buf + len, 1, cap - len, f)) > 0; ) {
            len += got;
            if (len == cap) { uint8_t *b = realloc(buf, cap *= 2); if (!b) { free(buf); buf = NULL; } else buf = b; }
        }
        fclose(f);
        if (!buf) { fprintf(stderr, "replay: out of memory for %s\n", argv[i]); return 1; }
        LLVMFuzzerTestOneInput(buf, len);
        free(buf);
        n++;
    }
    printf("replay: %d inputs\n", n);
    return 0;
}
