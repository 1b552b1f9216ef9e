/* fuzz_churl.c: libFuzzer harness for the ClickHouse source's text parsers
 * that need no server (src/core/churl.c, chsql.c): the source URL (with its
 * percent-decoded user and password and its identifier checks), --where's
 * shape check, and the SQL string quoting.
 *
 * The input, cut at its first NUL, is each of: a URL (as it is, and after
 * "clickhouse://" so most inputs get past the scheme), a --where text, and
 * bytes to quote. Promises checked:
 *   ch_url_parse   accepts with every name NUL-terminated in its field,
 *                  database and table identifiers, a port of 1..65535, a
 *                  host of allowed characters, and a ch_url_text without
 *                  the password; or refuses with one sentence (no password)
 *   ch_where_ok    0 or -1 with a sentence; an accepted text has balanced
 *                  parentheses and no ';' outside quotes (re-checked here
 *                  by a plain count when it has no quotes at all)
 *   ch_quote       a literal that starts and ends with a quote, has no
 *                  control byte and no unescaped quote inside
 * Seeds: tests/fuzz/corpus_churl, hand-written URLs and conditions. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettui/chsource.h"

static void fail(const char *what, const char *text)
{
    fprintf(stderr, "fuzz_churl: %s: %s\n", what, text);
    abort();
}

static int terminated(const char *s, size_t cap) { return memchr(s, 0, cap) != NULL; }

static void check_url(const char *text)
{
    ch_url u;
    char err[512];
    err[0] = 0;
    if (ch_url_parse(text, &u, err, sizeof err)) {
        if (!err[0] || !terminated(err, sizeof err)) fail("a refused URL without a sentence", text);
        if (strchr(err, '\n')) fail("a refusal of more than one line", err);
        return;
    }
    if (!terminated(u.user, sizeof u.user) || !terminated(u.password, sizeof u.password)
        || !terminated(u.host, sizeof u.host) || !terminated(u.database, sizeof u.database)
        || !terminated(u.table, sizeof u.table))
        fail("a field without its NUL", text);
    if (!ch_identifier_ok(u.database) || !ch_identifier_ok(u.table)) fail("a database or table that is no identifier", text);
    if (u.port < 1 || u.port > 65535) fail("a port out of range", text);
    if (!u.host[0]) fail("no host", text);
    for (const char *c = u.host; *c; c++)
        if (!isalnum((unsigned char)*c) && !strchr(".-_[]:", *c)) fail("a host character a host cannot hold", text);
    if (!u.user[0]) fail("an empty user", text);
    char shown[1200];
    ch_url_text(&u, shown, sizeof shown);
    if (strncmp(shown, "http", 4)) fail("ch_url_text does not name a http(s) URL", shown);
    /* the password is never shown: a byte of it that the user, the host,
     * the names and the URL's own punctuation cannot hold must not appear */
    static const char other[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-[]:/@";
    for (const char *c = u.password; *c; c++)
        if (!strchr(other, *c) && !strchr(u.user, *c) && strchr(shown, *c)) fail("ch_url_text shows the password", text);
}

static void check_where(const char *w)
{
    char err[512];
    err[0] = 0;
    int r = ch_where_ok(w, err, sizeof err);
    if (r != 0 && (r != -1 || !err[0])) fail("a --where refused without a sentence", w);
    if (r == 0 && !strpbrk(w, "'\"`\\")) {
        int depth = 0;
        for (const char *p = w; *p; p++) {
            if (*p == '(') depth++;
            if (*p == ')' && --depth < 0) fail("an accepted --where closes a parenthesis it did not open", w);
            if (*p == ';' || *p == '#') fail("an accepted --where holds ';' or '#'", w);
            if ((p[0] == '-' && p[1] == '-') || (p[0] == '/' && p[1] == '*')) fail("an accepted --where holds a comment", w);
        }
        if (depth) fail("an accepted --where leaves a parenthesis open", w);
    }
}

static void check_quote(const char *s, size_t n)
{
    size_t cap = 4 * n + 3;
    char *out = malloc(cap + 1);
    if (!out) return;
    if (ch_quote(s, n, out, cap + 1)) fail("ch_quote refused with room for every byte escaped", s);
    size_t m = strlen(out);
    if (m < 2 || out[0] != '\'' || out[m - 1] != '\'') fail("a literal not in quotes", out);
    for (size_t i = 1; i + 1 < m; i++) {
        unsigned char c = (unsigned char)out[i];
        if (c < 0x20 || c == 0x7f) fail("a control byte in a literal", out);
        if (c == '\\') { i++; continue; }
        if (c == '\'') fail("an unescaped quote in a literal", out);
    }
    /* too small a buffer: refused, never overrun (ASan watches) */
    if (cap > 3) (void)ch_quote(s, n, out, cap / 2);
    free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1), *url = malloc(size + 32);
    if (!text || !url) { free(text); free(url); return 0; }
    memcpy(text, data, size);
    text[size] = 0;
    check_url(text);
    snprintf(url, size + 32, "clickhouse://%s", text);
    check_url(url);
    check_where(text);
    check_quote(text, strlen(text));
    free(text);
    free(url);
    return 0;
}
