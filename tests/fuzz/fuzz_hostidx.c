/* fuzz_hostidx.c: libFuzzer harness for the host index file reader
 * (src/core/hostidx.c: hostidx_load of <cache>.hidx) against a small fixed
 * table, then hostidx_rows on every host and hostidx_scan with a few
 * expressions on what loaded. A file must be refused (with a sentence) or
 * mapped; once mapped, a host list is used only after its checks pass:
 * every row hostidx_rows hands over is below the row count and ascending,
 * every row hostidx_scan passes on is in the table, ascending, kept by the
 * filter, and no more than a full scan finds.
 *
 * Random bytes rarely get past the header's checks, so the first byte of
 * an input says what the harness repairs before hostidx_load sees the rest:
 *   bit 0  magic, version, byte order, table id, row and host counts, the
 *          section offsets and file size the counts imply (nentries kept)
 *   bit 1  the directory checksum (over off[] and sum[], where inside)
 *   bit 2  the file cut or padded with zeros to the size the header says
 *   any    then the header checksum
 * The seeds (tests/fuzz/corpus_hostidx) are index files hostidx_build and
 * hostidx_save made of the fixed table, with first byte 7 (and one with 0):
 * `fuzz_hostidx -write_seeds=DIR`.
 *
 * The header layout and checksums are static in hostidx.c, so the harness
 * includes it and is built without linking hostidx.c again. */
#include "../../src/core/hostidx.c"

#include "nettui/load.h"
#include "fuzz_files.h"

#define TABLE_ID 0x5eed0fb1ab1eULL

static char dir[64], csv_path[128], idx_path[128];
static flow_table table;
static flow_filter *filters[6];
static int nfilters;

/* 24 flows between 7 hosts, some to themselves, a name host among them */
static const char CSV[] =
    "1578326400001,13.1.1.1,18.1.1.1,80,100\n1578326400002,13.1.1.2,18.1.1.1,443,200\n"
    "1578326400003,13.1.1.1,13.1.1.1,53,1\n1578326400004,18.1.1.1,13.1.1.3,80,50\n"
    "1578326400005,13.1.1.3,gw.local,22,9\n1578326400006,gw.local,13.1.1.1,22,9\n"
    "1578326400007,13.1.1.2,18.1.1.2,80,70\n1578326400008,13.1.1.1,18.1.1.2,8080,5000000000\n"
    "1578326400009,13.1.1.4,18.1.1.1,80,1\n1578326400010,13.1.1.4,18.1.1.1,80,2\n"
    "1578326400011,13.1.1.4,18.1.1.1,80,3\n1578326400012,13.1.1.1,18.1.1.1,80,4\n"
    "1578326400013,18.1.1.2,18.1.1.2,123,5\n1578326400014,13.1.1.2,gw.local,22,6\n"
    "1578326400015,13.1.1.3,18.1.1.1,80,7\n1578326400016,13.1.1.1,18.1.1.1,443,8\n"
    "1578326400017,13.1.1.2,18.1.1.1,80,9\n1578326400018,13.1.1.3,18.1.1.2,80,10\n"
    "1578326400019,13.1.1.4,gw.local,22,11\n1578326400020,gw.local,18.1.1.1,80,12\n"
    "1578326400021,13.1.1.1,18.1.1.2,53,13\n1578326400022,13.1.1.2,13.1.1.3,80,14\n"
    "1578326400023,18.1.1.1,18.1.1.2,80,15\n1578326400024,13.1.1.4,18.1.1.1,80,16\n";

static const char *const EXPRS[] = {
    "host 13.1.1.1", "src 13.1.1.4 or dst gw.local", "host 18.1.1.2 and port 80",
    "host gw.local or host 13.1.1.3", "not host 18.1.1.1", "dst 18.1.1.2 and bytes > 10",
};

static void cleanup(void)
{
    unlink(idx_path);
    unlink(csv_path);
    rmdir(dir);
}

static void write_seeds(const char *out_dir)
{
    host_index x;
    char err[256];
    if (hostidx_build(&x, &table, 1, NULL) || hostidx_save(&x, idx_path, TABLE_ID, err, sizeof err)) {
        fprintf(stderr, "fuzz_hostidx: cannot build or save the seed index (%s)\n", err);
        exit(1);
    }
    hostidx_free(&x);
    char out[4096];
    for (int mode = 0; mode <= 7; mode += 7) {
        snprintf(out, sizeof out, "%s/index-mode%d.hidx", out_dir, mode);
        fuzz_write_seed(idx_path, (unsigned)mode, out);
    }
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof dir, "/tmp/nettui-fuzzx.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    atexit(cleanup);
    snprintf(csv_path, sizeof csv_path, "%s/flows.csv", dir);
    snprintf(idx_path, sizeof idx_path, "%s/flows.ntc.hidx", dir);
    fuzz_write_file(csv_path, CSV, sizeof CSV - 1);
    load_options lo;
    load_options_default(&lo);
    lo.threads = 1;
    load_report rep;
    if (load_file(csv_path, &lo, &table, &rep) != EXIT_OK || table.n != 24) { fprintf(stderr, "fuzz_hostidx: the fixed table: %s\n", rep.error); exit(1); }
    for (size_t k = 0; k < sizeof EXPRS / sizeof EXPRS[0]; k++) {
        char err[256];
        int oom = 0;
        flow_filter *f = filter_parse(EXPRS[k], err, sizeof err, &oom);
        if (!f || filter_bind(f, &table)) { fprintf(stderr, "fuzz_hostidx: %s: %s\n", EXPRS[k], err); exit(1); }
        filters[nfilters++] = f;
    }
    for (int i = 1; i < *argc; i++)
        if (strncmp((*argv)[i], "-write_seeds=", 13) == 0) {
            write_seeds((*argv)[i] + 13);
            exit(0);
        }
    return 0;
}

/* Repairs what the mode byte says in the image *c of *size bytes (may
 * reallocate it, bit 2). */
static void repair(unsigned mode, unsigned char **c, size_t *size)
{
    if (!(mode & 7) || *size < sizeof(hidx_header)) return;
    hidx_header h;
    memcpy(&h, *c, sizeof h);
    if (mode & 1) {
        memcpy(h.magic, HIDX_MAGIC, 8);
        h.version = HIDX_VERSION;
        h.endian = HIDX_ENDIAN;
        h.table_id = TABLE_ID;
        h.nrows = table.n;
        h.nhosts = table.hosts.n;
        layout(&h);
    }
    if ((mode & 4) && h.file_size >= sizeof h && h.file_size <= (1u << 20)) {
        unsigned char *b = realloc(*c, (size_t)h.file_size);
        if (b) {
            if (h.file_size > *size) memset(b + *size, 0, (size_t)h.file_size - *size);
            *c = b;
            *size = (size_t)h.file_size;
        }
    }
    if ((mode & 2) && h.nhosts <= (1u << 16) && h.off_at <= *size && h.sum_at <= *size
        && (h.nhosts + 1) * 8 <= *size - h.off_at && h.nhosts * 8 <= *size - h.sum_at)
        h.dir_sum = util_mix64(sum_words(*c + h.off_at, (size_t)(h.nhosts + 1) * 8, 1) ^ sum_words(*c + h.sum_at, (size_t)h.nhosts * 8, 2));
    h.header_sum = sum_words(&h, offsetof(hidx_header, header_sum), 0);
    memcpy(*c, &h, sizeof h);
}

static void fail(const char *what, uint64_t a, uint64_t b)
{
    fprintf(stderr, "fuzz_hostidx: %s (%llu, %llu)\n", what, (unsigned long long)a, (unsigned long long)b);
    abort();
}

typedef struct walk {
    const flow_filter *f;
    size_t last, n;
} walk;

static int on_row(size_t row, void *arg)
{
    walk *w = arg;
    if (row >= table.n) fail("a row past the table", row, table.n);
    if (w->n && row <= w->last) fail("rows out of order", w->last, row);
    if (!filter_match(w->f, &table, row)) fail("a row the filter does not keep", row, 0);
    w->last = row;
    w->n++;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t n = size - 1;
    unsigned char *c = malloc(n ? n : 1);
    if (!c) return 0;
    memcpy(c, data + 1, n);
    repair(data[0], &c, &n);
    fuzz_write_file(idx_path, c, n);
    free(c);

    host_index x;
    char why[256];
    hostidx_load_result r = hostidx_load(&x, idx_path, TABLE_ID, &table, why, sizeof why);
    if (getenv("FUZZ_HOSTIDX_VERBOSE")) fprintf(stderr, "fuzz_hostidx: %s%s\n", r == HOSTIDX_HIT ? "mapped" : "refused: ", r == HOSTIDX_HIT ? "" : why);
    if (r == HOSTIDX_REJECTED || r == HOSTIDX_FOREIGN) {
        if (!why[0]) fail("a refusal without a sentence", r, 0);
        if (x.map || x.off) fail("a refused file left a mapping", r, 0);
        return 0;
    }
    if (r != HOSTIDX_HIT) fail("an unexpected answer", r, 0);
    if (x.nhosts != table.hosts.n || x.nrows != table.n) fail("an index for another table", x.nhosts, x.nrows);
    for (host_id h = 0; h < x.nhosts; h++) {
        const uint32_t *rows;
        size_t k;
        if (hostidx_rows(&x, h, &rows, &k, why, sizeof why)) {
            if (!why[0]) fail("a list refused without a sentence", h, 0);
            continue;
        }
        for (size_t i = 0; i < k; i++)
            if (rows[i] >= table.n || (i && rows[i] <= rows[i - 1])) fail("a list handed over unchecked", h, i);
    }
    for (int k = 0; k < nfilters; k++) {
        walk w = { filters[k], 0, 0 };
        size_t hits = 0;
        why[0] = 0;
        int s = hostidx_scan(&x, filters[k], &table, on_row, &w, &hits, why, sizeof why);
        if (s == -1 && (!why[0] || w.n)) fail("a failed walk without a sentence, or after rows", k, w.n);
        if (s == 1) {
            size_t full = 0;
            for (size_t i = 0; i < table.n; i++) full += (size_t)filter_match(filters[k], &table, i);
            if (hits != w.n || hits > full) fail("a walk that counts wrong", hits, full);
        }
    }
    hostidx_free(&x);
    return 0;
}
