/* fuzz_chhttp.c: libFuzzer harness for what nettui makes of a ClickHouse
 * server's answer (src/core/chhttp.c), without a server: the TabSeparated
 * row splitter and unescaper ch_query streams a 200 answer through
 * (ch_parse_tsv, the same code), and the error-body parser
 * (ch_error_sentence). A server is not trusted: any bytes must give rows
 * or one sentence, never a crash.
 *
 * The first byte of an input is the size of the pieces the answer arrives
 * in (0: at once; libcurl may cut anywhere), the rest is the answer.
 * Promises checked:
 *   each row     1 to CH_MAX_FIELDS fields, each NUL-terminated at its
 *                length, inside the row (no overlap); a field "STOP" makes
 *                the callback refuse, and then the status says so with
 *                the callback's sentence
 *   the status   EXIT_OK, or EXIT_FAILURE_RUN / EXIT_NO_INPUT with one
 *                sentence of printable text
 *   the pieces   cutting the answer differently gives the same rows
 *   error body   ch_error_sentence on the answer (up to its first NUL):
 *                a status and one sentence without control bytes, the
 *                code (when not 0) the very number after "Code: "
 * Seeds: tests/fuzz/corpus_chhttp, rows as a server sends them (groups,
 * calls, escapes, NULL), and error bodies of ClickHouse 18 to 23. */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettui/chsource.h"

typedef struct seen {
    uint64_t rows, hash;     /* every row's fields, hashed, to compare two cuttings */
} seen;

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ULL; }
    return h;
}

static int on_row(void *user, char **field, size_t *len, int nf, char *err, size_t errlen)
{
    seen *s = user;
    if (nf < 1 || nf > CH_MAX_FIELDS) { fprintf(stderr, "fuzz_chhttp: a row of %d fields\n", nf); abort(); }
    for (int k = 0; k < nf; k++) {
        if (field[k][len[k]] != 0) { fprintf(stderr, "fuzz_chhttp: field %d not NUL-terminated at its length\n", k); abort(); }
        if (k && field[k] <= field[k - 1] + len[k - 1]) { fprintf(stderr, "fuzz_chhttp: fields %d and %d overlap\n", k - 1, k); abort(); }
        s->hash = mix(s->hash, field[k], len[k] + 1);
    }
    s->rows++;
    s->hash = mix(s->hash, &nf, sizeof nf);
    if (len[0] == 4 && !memcmp(field[0], "STOP", 4)) {
        snprintf(err, errlen, "the row said STOP.");
        return 1;
    }
    return 0;
}

static void check_sentence(const char *what, const char *err)
{
    if (!err[0]) { fprintf(stderr, "fuzz_chhttp: %s without a sentence\n", what); abort(); }
    for (const unsigned char *c = (const unsigned char *)err; *c; c++)
        if (*c < 0x20 || *c == 0x7f) { fprintf(stderr, "fuzz_chhttp: %s: a control byte in \"%s\"\n", what, err); abort(); }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    static ch_url u;
    if (!u.port) {
        char e[256];
        if (ch_url_parse("clickhouse://fuzz@localhost:8123/nettui.flows", &u, e, sizeof e)) abort();
    }
    const char *answer = (const char *)data + 1;
    size_t n = size - 1;
    char err[1024];
    seen a = { 0, 0xcbf29ce484222325ULL }, b = a;
    int ra = ch_parse_tsv(&u, answer, n, data[0], on_row, &a, err, sizeof err);
    if (ra != EXIT_OK) {
        if (ra != EXIT_FAILURE_RUN && ra != EXIT_NO_INPUT) { fprintf(stderr, "fuzz_chhttp: status %d\n", ra); abort(); }
        check_sentence("a failed answer", err);
    }
    int rb = ch_parse_tsv(&u, answer, n, 0, on_row, &b, err, sizeof err);
    if (ra != rb || a.rows != b.rows || a.hash != b.hash) {
        fprintf(stderr, "fuzz_chhttp: pieces of %u bytes gave %d, %llu rows; at once %d, %llu rows\n", data[0], ra,
                (unsigned long long)a.rows, rb, (unsigned long long)b.rows);
        abort();
    }

    char *body = malloc(n + 1);
    if (!body) return 0;
    memcpy(body, answer, n);
    body[n] = 0;
    int code = -1;
    int r = ch_error_sentence(&u, body, &code, err, sizeof err);
    if (r != EXIT_FAILURE_RUN && r != EXIT_NO_INPUT) { fprintf(stderr, "fuzz_chhttp: error status %d\n", r); abort(); }
    /* the code shown is the server's: the number right after the first
     * "Code: ", or 0 when there is none or it does not fit an int */
    const char *at = strstr(body, "Code: ");
    long long want = 0;
    if (at && (at[6] == '-' || (at[6] >= '0' && at[6] <= '9'))) {
        errno = 0;
        want = strtoll(at + 6, NULL, 10);
        if (errno || want < -INT_MAX || want > INT_MAX) want = 0;
    }
    if (code != want) { fprintf(stderr, "fuzz_chhttp: code %d is not the server's \"%.24s\"\n", code, at ? at : ""); abort(); }
    check_sentence("an error body", err);
    free(body);
    return 0;
}
