/* fuzz_cache.c: libFuzzer harness for the cache reader on arbitrary cache
 * files. cache_load must reject or accept any bytes safely, and a table it
 * accepts must be one the rest of nettui can use (host ids in range, big-byte
 * rows found, the engine runs).
 *
 * Random bytes rarely get past the magic and the checksums, so the first
 * byte of an input says what the harness repairs before cache_load sees the
 * rest (the cache file):
 *   bit 0  the source key and path, to match this run's source file
 *   bit 1  magic, version, byte order, header size, section count
 *   bit 2  every section checksum whose bounds lie inside the file
 *   any    then the header checksum
 * so the fuzzer reaches the section table, host dictionary and id checks.
 * The seeds (tests/fuzz/corpus_cache) are real caches of small flow files
 * with first byte 7; `fuzz_cache -write_seeds=DIR FILE.csv...` makes more.
 *
 * The cache's internals (header layout, checksums) are static in cache.c, so
 * the harness includes it, and is built without linking cache.c again. */
#include "../../src/core/cache.c"

#include "nettui/engine.h"
#include "nettui/export.h"
#include "fuzz_engine.h"
#include "fuzz_files.h"

static char dir[64], src_path[128], cache_path[128], abs_src[PATH_MAX];
static source_key src_key;
static cidr_list internal;

/* The source the caches pretend to describe; its content does not matter
 * (bit 0 rewrites the key), only that it is fixed. */
static const char SOURCE_TEXT[] = "1578326400001,13.43.52.51,18.70.112.62,40,57354\n";

static void cleanup(void)
{
    unlink(cache_path);
    unlink(src_path);
    rmdir(dir);
}

/* Writes a cache of each CSV given as it would be for this run's source, with
 * first byte 7, into out_dir. */
static void write_seeds(const char *out_dir, int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (argv[i][0] == '-') continue;
        FILE *in = fopen(argv[i], "rb");
        if (!in) { perror(argv[i]); exit(1); }
        static char buf[1 << 20];
        size_t n = fread(buf, 1, sizeof buf, in);
        fclose(in);
        fuzz_write_file(src_path, buf, n);
        load_options lo;
        load_options_default(&lo);
        lo.threads = 1;
        flow_table t;
        load_report rep;
        char err[512];
        if (load_file(src_path, &lo, &t, &rep) != EXIT_OK) { fprintf(stderr, "%s: %s\n", argv[i], rep.error); continue; }
        if (cache_save(cache_path, src_path, &t, &rep, 1, err, sizeof err)) { fprintf(stderr, "%s\n", err); exit(1); }
        flows_free(&t);
        const char *base = strrchr(argv[i], '/');
        char out[PATH_MAX];
        snprintf(out, sizeof out, "%s/%s.ntc", out_dir, base ? base + 1 : argv[i]);
        fuzz_write_seed(cache_path, 7, out);
    }
    fuzz_write_file(src_path, SOURCE_TEXT, sizeof SOURCE_TEXT - 1);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    /* a fixed-length folder name, so a seed's saved path can be repaired */
    snprintf(dir, sizeof dir, "/tmp/nettui-fuzzc.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    atexit(cleanup);
    snprintf(src_path, sizeof src_path, "%s/source.csv", dir);
    snprintf(cache_path, sizeof cache_path, "%s/cache.ntc", dir);
    cidr_list_default(&internal);
    for (int i = 1; i < *argc; i++)
        if (strncmp((*argv)[i], "-write_seeds=", 13) == 0) {
            write_seeds((*argv)[i] + 13, *argc, *argv);
            exit(0);
        }
    fuzz_write_file(src_path, SOURCE_TEXT, sizeof SOURCE_TEXT - 1);
    if (!realpath(src_path, abs_src) || cache_source_key(abs_src, &src_key)) { perror(src_path); exit(1); }
    return 0;
}

static int section_inside(const section *s, size_t size)
{
    return s->off <= size && s->len <= size - s->off;
}

/* Repairs what the mode byte says in the cache image c (size bytes). */
static void repair(unsigned mode, unsigned char *c, size_t size)
{
    if (!(mode & 7) || size < sizeof(cache_header)) return;
    cache_header h;
    memcpy(&h, c, sizeof h);
    if (mode & 1) {
        h.key = src_key;
        size_t plen = strlen(abs_src) + 1;
        const section *p = &h.sec[SEC_PATH];
        if (p->len == plen && section_inside(p, size)) memcpy(c + p->off, abs_src, plen);
    }
    if (mode & 2) {
        memcpy(h.magic, CACHE_MAGIC, 8);
        h.version = CACHE_FORMAT_VERSION;
        h.endian = CACHE_ENDIAN;
        h.header_size = sizeof h;
        h.nsections = SEC_COUNT;
    }
    if (mode & 4)
        for (int s = 0; s < SEC_COUNT; s++)
            if (section_inside(&h.sec[s], size)) {
                sum_job j = { .p = c + h.sec[s].off, .len = h.sec[s].len };
                sum_jobs(&j, 1, 1);
                h.sec[s].sum = j.sum;
            }
    h.header_sum = bytes_sum(&h, offsetof(cache_header, header_sum));
    memcpy(c, &h, sizeof h);
}

/* A table cache_load accepted must keep the promises the loader keeps. */
static void check_table(const flow_table *t)
{
    char b[16];
    if (t->n && (t->ts_min < 0 || t->ts_max > LOAD_TS_MAX_MS || t->ts_min > t->ts_max)) {
        fprintf(stderr, "fuzz_cache: time range %lld..%lld out of bounds\n", (long long)t->ts_min, (long long)t->ts_max);
        abort();
    }
    for (uint32_t h = 0; h < t->hosts.n; h++)
        if (!hosts_name(&t->hosts, h, b)) abort();
    for (size_t i = 0; i < t->n; i++) {
        if (t->src[i] >= t->hosts.n || t->dst[i] >= t->hosts.n) {
            fprintf(stderr, "fuzz_cache: row %zu has a host id out of range\n", i);
            abort();
        }
        if (t->ts[i] < t->ts_min || t->ts[i] > t->ts_max) {
            fprintf(stderr, "fuzz_cache: row %zu has a timestamp outside ts_min..ts_max\n", i);
            abort();
        }
        (void)flows_bytes_at(t, i);
    }
    fuzz_run_engine(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    unsigned mode = data[0];
    size_t n = size - 1;
    unsigned char *c = malloc(n ? n : 1);
    if (!c) return 0;
    memcpy(c, data + 1, n);
    repair(mode, c, n);
    fuzz_write_file(cache_path, c, n);
    free(c);

    flow_table t;
    load_report rep;
    char why[512];
    why[0] = 0;
    cache_result r = cache_load(cache_path, src_path, &internal, 1 + (mode >> 7), &t, &rep, why, sizeof why);
    if (getenv("FUZZ_CACHE_VERBOSE"))
        fprintf(stderr, "fuzz_cache: %s%s rows %zu\n", r == CACHE_HIT ? "hit" : "rejected: ", r == CACHE_HIT ? "" : why, t.n);
    if (r == CACHE_HIT) {
        check_table(&t);
    } else {
        if (r != CACHE_REJECTED || !why[0]) { fprintf(stderr, "fuzz_cache: a rejection without a reason\n"); abort(); }
        if (t.n || t.region) { fprintf(stderr, "fuzz_cache: a rejected cache left a table\n"); abort(); }
    }
    flows_free(&t);
    return 0;
}
