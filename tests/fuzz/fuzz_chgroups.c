/* fuzz_chgroups.c: libFuzzer harness for the ClickHouse source's row
 * callback (src/core/chsource.c: on_group, through ch_parse_groups),
 * which turns the TabSeparated fields of the groups and calls queries
 * into weighted rows (weighted.c), without a server. A server is not
 * trusted: any answer must give a table or one sentence, never a crash,
 * and the table must be one the rest of nettui takes:
 *   rows         host ids in range, weights nonzero and summing to
 *                weight_total, times in 0..LOAD_TS_MAX_MS with ts_last at
 *                or after ts, big-byte rows found
 *   calls        host ids the table's own
 *   the cache    ch_cache_save then ch_cache_load gives it back (a table
 *                its own cache refused would be fetched again every time)
 *   the engine   builds its facts and runs the ten detectors
 * The input up to its first NUL byte is the groups answer (s d p flows
 * bytes first last rn), what follows it the calls answer (s d p t b rn).
 * Seeds: tests/fuzz/corpus_chgroups, answers as ClickHouse 18.16 sent
 * them for tests/data/basic.csv-like tables, written by hand. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nettui/chsource.h"
#include "nettui/engine.h"
#include "nettui/export.h"
#include "fuzz_engine.h"

static char dir[64], path[128];
static const char KEY[] = "fuzz_chgroups";

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof dir, "/tmp/nettui-fuzzg.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    atexit(cleanup);
    snprintf(path, sizeof path, "%s/ch-fuzz.ntw", dir);
    return 0;
}

static void fail(const char *what, size_t i)
{
    fprintf(stderr, "fuzz_chgroups: %s (row %zu)\n", what, i);
    abort();
}

static void check_table(const flow_table *t)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->src[i] >= t->hosts.n || t->dst[i] >= t->hosts.n) fail("a host id out of range", i);
        if (!t->weight[i]) fail("a weight of 0", i);
        if (t->ts[i] < 0 || t->ts_last[i] > LOAD_TS_MAX_MS || t->ts_last[i] < t->ts[i]) fail("a time out of order or range", i);
        sum += t->weight[i];
        (void)flows_bytes_at(t, i);
    }
    if (sum != t->weight_total) fail("the weights do not sum to weight_total", t->n);
    if (t->calls)
        for (size_t i = 0; i < t->calls->n; i++)
            if (t->calls->src[i] >= t->hosts.n || t->calls->dst[i] >= t->hosts.n) fail("a call's host id out of range", i);

    uint64_t id, id2;
    if (ch_cache_save(path, KEY, t, &id)) { perror(path); return; }
    flow_table back;
    cache_reason why;
    if (ch_cache_load(path, KEY, &back, &id2, &why)) fail("the cache refuses the table the source built", (size_t)why);
    if (back.n != t->n || back.weight_total != t->weight_total || id != id2
        || (back.calls ? back.calls->n : 0) != (t->calls ? t->calls->n : 0))
        fail("the cache gives back another table", back.n);
    flows_free(&back);

    if (!t->n) return;
    fuzz_run_engine(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ch_url u;
    if (!u.port) {
        char e[256];
        if (ch_url_parse("clickhouse://fuzz@localhost:8123/nettui.flows", &u, e, sizeof e)) abort();
    }
    const char *text = (const char *)data, *nul = memchr(text, 0, size);
    size_t ng = nul ? (size_t)(nul - text) : size;
    flow_table t;
    load_report rep;
    char err[1024];
    err[0] = 0;
    int rc = ch_parse_groups(&u, text, ng, nul ? nul + 1 : NULL, nul ? size - ng - 1 : 0, &t, &rep, err, sizeof err);
    if (getenv("FUZZ_CHGROUPS_VERBOSE"))
        fprintf(stderr, "fuzz_chgroups: status %d, rows %zu, calls %zu, bad %llu%s%s\n", rc, t.n, t.calls ? t.calls->n : 0,
                (unsigned long long)rep.bad_total, rc ? ": " : "", rc ? err : "");
    if (rc != EXIT_OK) {
        if (!err[0]) fail("a failed answer without a sentence", t.n);
    } else {
        check_table(&t);
    }
    flows_free(&t);
    return 0;
}
