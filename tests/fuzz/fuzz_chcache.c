/* fuzz_chcache.c: libFuzzer harness for the ClickHouse source's local cache
 * reader (src/core/chcache.c: ch_cache_load of ch-HASH.ntw) on arbitrary
 * files. A file must be refused with a reason and an empty table, or
 * loaded into a weighted table the engine can use: host ids in range for
 * rows and calls, weights nonzero and summing to weight_total, every
 * ts_last at or after its ts, big-byte rows found, the engine runs.
 *
 * Random bytes rarely get past the magic, the key and the checksum, so the
 * first byte of an input says what the harness repairs before the reader
 * sees the rest (the file):
 *   bit 0  the magic and the key (when the file's key length is this key's)
 *   bit 1  the column sums, the tail length, the checksum and the trailer
 *          (ch_cache_seal)
 * The seeds (tests/fuzz/corpus_chcache) are real cache files written by
 * ch_cache_save with first byte 3: `fuzz_chcache -write_seeds=DIR FILE.csv...`
 * loads each flow file, makes each flow a group of one (weighted.h) and its
 * first 64 flows calls, and saves them under this harness's key. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nettui/chsource.h"
#include "nettui/engine.h"
#include "nettui/export.h"
#include "nettui/weighted.h"
#include "fuzz_engine.h"
#include "fuzz_files.h"

static const char KEY[] = "nettui clickhouse cache 1\nsource http://fuzz@localhost:8123/nettui.flows\n";
static char dir[64], path[128];

static void cleanup(void)
{
    unlink(path);
    rmdir(dir);
}

static void write_seeds(const char *out_dir, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        load_options lo;
        load_options_default(&lo);
        lo.threads = 1;
        flow_table t, w;
        load_report rep;
        if (load_file(argv[i], &lo, &t, &rep) != EXIT_OK) { fprintf(stderr, "%s: %s\n", argv[i], rep.error); continue; }
        if (weighted_begin(&w)) exit(1);
        char sb[16], db[16];
        for (size_t r = 0; r < t.n; r++) {
            const char *a = hosts_name(&t.hosts, t.src[r], sb), *b = hosts_name(&t.hosts, t.dst[r], db);
            weighted_group g = { a, b, strlen(a), strlen(b), t.port[r], t.ts[r], t.ts[r], 1, flows_bytes_at(&t, r) };
            if (weighted_add(&w, &g) < 0) exit(1);
        }
        weighted_end(&w);
        for (size_t r = 0; r < t.n && r < 64; r++) {
            const char *a = hosts_name(&t.hosts, t.src[r], sb), *b = hosts_name(&t.hosts, t.dst[r], db);
            weighted_group g = { a, b, strlen(a), strlen(b), t.port[r], t.ts[r], t.ts[r], 1, flows_bytes_at(&t, r) };
            if (weighted_add_call(&w, &g, r) < 0) exit(1);
        }
        uint64_t id;
        if (ch_cache_save(path, KEY, &w, &id)) { perror(path); exit(1); }
        flows_free(&w);
        flows_free(&t);
        const char *base = strrchr(argv[i], '/');
        char out[4096];
        snprintf(out, sizeof out, "%s/%s.ntw", out_dir, base ? base + 1 : argv[i]);
        fuzz_write_seed(path, 3, out);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof dir, "/tmp/nettui-fuzzw.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    atexit(cleanup);
    snprintf(path, sizeof path, "%s/ch-fuzz.ntw", dir);
    for (int i = 1; i < *argc; i++)
        if (strncmp((*argv)[i], "-write_seeds=", 13) == 0) {
            write_seeds((*argv)[i] + 13, *argc, *argv);
            exit(0);
        }
    return 0;
}

static void repair(unsigned mode, unsigned char *c, size_t size)
{
    size_t klen = sizeof KEY - 1;
    if ((mode & 1) && size >= 4096 + 16) {
        /* the key opens the tail, which follows the columns */
        uint64_t cap;
        memcpy(c, "NTCHSRC2", 8);
        memcpy(&cap, c + 8, 8);
        uint64_t tail = 4096 + cap * 34;
        if (cap % 2048 == 0 && cap <= (size - 4096) / 34 && tail + 8 + klen <= size) {
            uint64_t stored;
            memcpy(&stored, c + tail, 8);
            if (stored == klen) memcpy(c + tail + 8, KEY, klen);
        }
    }
    if (mode & 2) ch_cache_seal(c, size);
}

static void fail(const char *what, size_t i)
{
    fprintf(stderr, "fuzz_chcache: %s (row %zu)\n", what, i);
    abort();
}

/* A table ch_cache_load accepted must keep what weighted.h promises. */
static void check_table(const flow_table *t)
{
    char b[16];
    if (!t->weight || !t->ts_last) fail("a loaded table without weights", 0);
    for (uint32_t h = 0; h < t->hosts.n; h++)
        if (!hosts_name(&t->hosts, h, b)) fail("a host without a name", h);
    uint64_t sum = 0;
    for (size_t i = 0; i < t->n; i++) {
        if (t->src[i] >= t->hosts.n || t->dst[i] >= t->hosts.n) fail("a host id out of range", i);
        if (!t->weight[i]) fail("a weight of 0", i);
        if (t->ts_last[i] < t->ts[i]) fail("ts_last before ts", i);
        sum += t->weight[i];
        (void)flows_bytes_at(t, i);
    }
    if (sum != t->weight_total) fail("the weights do not sum to weight_total", t->n);
    if (t->calls) {
        const flow_table *c = t->calls;
        if (!c->n) fail("an empty calls table kept", 0);
        for (size_t i = 0; i < c->n; i++) {
            if (c->src[i] >= t->hosts.n || c->dst[i] >= t->hosts.n) fail("a call's host id out of range", i);
            if (c->ts[i] < c->ts_min || c->ts[i] > c->ts_max) fail("a call outside the calls' time range", i);
            (void)flows_bytes_at(c, i);
        }
    }
    fuzz_run_engine(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t n = size - 1;
    unsigned char *c = malloc(n ? n : 1);
    if (!c) return 0;
    memcpy(c, data + 1, n);
    repair(data[0], c, n);
    fuzz_write_file(path, c, n);
    flow_table t;
    uint64_t id = 0;
    cache_reason why = CACHE_REASON_NONE;
    int r = ch_cache_load(path, KEY, &t, &id, &why);
    if (getenv("FUZZ_CHCACHE_VERBOSE")) fprintf(stderr, "fuzz_chcache: %s, reason %d, rows %zu\n", r ? "refused" : "loaded", (int)why, t.n);
    if (r == 0) {
        if (why != CACHE_REASON_NONE) fail("a loaded file with a reason", 0);
        uint64_t stored;
        if (n < 16) fail("a file of less than 16 bytes loaded", n);
        memcpy(&stored, c + n - 16, 8);
        if (id != stored) fail("an identity that is not the file's checksum", 0);
        check_table(&t);
    } else {
        if (r != -1 || why == CACHE_REASON_NONE) fail("a refusal without a reason", 0);
        if (t.n || t.calls || t.weight) fail("a refused file left a table", t.n);
    }
    flows_free(&t);
    free(c);
    return 0;
}
