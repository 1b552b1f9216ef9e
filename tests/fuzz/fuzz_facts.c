/* fuzz_facts.c: libFuzzer harness for the facts cache reader (engine_load,
 * src/engine/persist.c) on arbitrary facts files. engine_load must reject or
 * accept any bytes safely, and an engine it accepts must run the ten
 * detectors and answer every facts_* query a pane makes without reading out
 * of bounds.
 *
 * A facts file belongs to one table: the harness makes one at start (a
 * synthetic flow file of a few hundred rows, loaded for real) and gives every
 * input to engine_load against it. The first byte of an input says what the
 * harness repairs in the rest before engine_load sees it:
 *   bit 0  magic, version, byte order, layout signature, table identity
 *   bit 1  every section checksum whose bounds lie inside the file
 *   any    then the header checksum
 * so mutations reach the counts, section lengths and value checks. The seed
 * (tests/fuzz/corpus_facts) is this table's real facts file with first byte
 * 3; `fuzz_facts -write_seeds=DIR` makes it again.
 *
 * persist.c's header layout and checksums are static, so the harness
 * includes it, and is built without linking persist.c again. */
#include "../../src/engine/persist.c"

#include "nettui/export.h"
#include "nettui/facts.h"
#include "nettui/load.h"
#include "fuzz_files.h"

#define TABLE_ID 0x6e657474756921ull

static char dir[64], csv_path[128], facts_file[128];
static flow_table table;

static void cleanup(void)
{
    flows_free(&table);
    unlink(facts_file);
    unlink(csv_path);
    rmdir(dir);
}

/* A few hundred flows with a bit of everything the facts keep: internal and
 * external hosts, many ports, internal pairs, a periodic caller, hours. */
static void make_table(void)
{
    FILE *f = fopen(csv_path, "w");
    if (!f) { perror(csv_path); exit(1); }
    for (int i = 0; i < 600; i++) {
        long long ts = 1578326400000LL + (long long)i * 397 * 1000;
        int k = i % 23;
        if (i % 5 == 0)        /* internal to internal, a few ports */
            fprintf(f, "%lld,12.0.0.%d,13.0.0.%d,%d,%d\n", ts, k % 9, (k * 7) % 11, 445 + i % 3, 100 + i);
        else if (i % 5 == 1)   /* outbound */
            fprintf(f, "%lld,12.0.0.%d,18.%d.0.1,%d,%d\n", ts, k % 9, k, 80 + i % 40, 1000 + i * 13);
        else if (i % 5 == 2)   /* inbound */
            fprintf(f, "%lld,19.0.%d.2,14.0.0.%d,%d,%d\n", ts, i % 50, k % 6, 22 + i % 7, 60 + i % 9);
        else if (i % 5 == 3)   /* a beacon: every 397 s, same size */
            fprintf(f, "%lld,12.0.0.3,20.1.1.1,8443,512\n", ts);
        else                   /* a named host */
            fprintf(f, "%lld,12.0.0.%d,cdn.example,443,%d\n", ts, k % 9, 4000 + i);
    }
    fclose(f);
    load_options lo;
    load_options_default(&lo);
    lo.threads = 1;
    load_report rep;
    if (load_file(csv_path, &lo, &table, &rep) != EXIT_OK) { fprintf(stderr, "fuzz_facts: %s\n", rep.error); exit(1); }
}

static void write_seed(const char *out_dir)
{
    engine_options eo;
    engine_options_default(&eo);
    eo.threads = 1;
    char err[256], out[PATH_MAX];
    engine *e = engine_build(&table, &eo, err, sizeof err);
    if (!e || engine_save(e, facts_file, TABLE_ID, err, sizeof err)) { fprintf(stderr, "fuzz_facts: %s\n", err); exit(1); }
    engine_free(e);
    snprintf(out, sizeof out, "%s/table.facts", out_dir);
    fuzz_write_seed(facts_file, 3, out);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    snprintf(dir, sizeof dir, "/tmp/nettui-fuzzf.XXXXXX");
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    atexit(cleanup);
    snprintf(csv_path, sizeof csv_path, "%s/flows.csv", dir);
    snprintf(facts_file, sizeof facts_file, "%s/flows.facts", dir);
    make_table();
    for (int i = 1; i < *argc; i++)
        if (strncmp((*argv)[i], "-write_seeds=", 13) == 0) { write_seed((*argv)[i] + 13); exit(0); }
    return 0;
}

/* Repairs what the mode byte says in the facts image c (size bytes). */
static void repair(unsigned mode, unsigned char *c, size_t size)
{
    if (!(mode & 3) || size < sizeof(facts_header)) return;
    facts_header h;
    memcpy(&h, c, sizeof h);
    if (mode & 1) {
        memcpy(h.magic, FACTS_MAGIC, 8);
        h.version = FACTS_VERSION;
        h.endian = FACTS_ENDIAN;
        h.layout = layout_signature();
        h.table_id = TABLE_ID;
    }
    if (mode & 2)
        for (int s = 0; s < S_COUNT; s++)
            if (h.sec[s].off <= size && h.sec[s].len <= size - h.sec[s].off)
                h.sec[s].sum = util_sum64(c + h.sec[s].off, (size_t)h.sec[s].len, (uint64_t)s);
    h.header_sum = util_sum64(&h, offsetof(facts_header, header_sum), 0);
    memcpy(c, &h, sizeof h);
}

/* Every query a pane makes, on every host and port. */
static void query_all(engine *e)
{
    const flow_table *t = &table;
    uint64_t fl[24], by[24];
    facts_work_hours_get(e);
    for (int h = 0; h < 24; h++) facts_is_work_hour(e, h);
    facts_hour_profile(e, fl, by);
    facts_timeline_shape shape;
    facts_timeline_get_shape(e, &shape);
    const uint32_t *all = facts_timeline_all(e);
    volatile uint64_t sink = 0;
    for (uint32_t b = 0; all && b < shape.nbuckets; b++) sink += all[b];
    candidate top[64];
    for (int d = 0; d <= DIR_EXTERNAL_RECEIVERS; d++)
        for (int m = 0; m < 3; m++) facts_top_hosts(e, (facts_direction)d, (facts_metric)m, top, 64);
    for (uint32_t h = 0; h <= t->hosts.n; h++) {   /* one past the end too */
        host_facts hf;
        facts_host(e, h, &hf);
        facts_host_hour_profile(e, h, fl, by);
        const uint32_t *sent, *recv;
        if (facts_host_timeline(e, h, &sent, &recv) == 0)
            for (uint32_t b = 0; b < shape.nbuckets; b++) sink += sent[b] + recv[b];
        host_peer peers[32];
        facts_host_peers(e, h, 0, peers, 32);
        facts_host_peers(e, h, 1, peers, 32);
        host_port ports[64];
        facts_host_ports(e, h, ports, 64);
    }
    for (uint32_t i = 0; i < facts_internal_count(e); i++) sink += facts_internal_at(e, i);
    size_t np = facts_port_count(e);
    for (size_t i = 0; i < np; i++) {
        uint16_t port = facts_port_at(e, i);
        port_facts pf;
        facts_port(e, port, &pf);
        host_id hosts[32];
        uint64_t bytes[32];
        facts_port_host_bytes(e, port, hosts, bytes, 32);
        const host_id *ab, *nodes;
        size_t ne = facts_port_edges(e, port, &ab);
        for (size_t k = 0; k < 2 * ne; k++) sink += ab[k];
        size_t nn = facts_port_nodes(e, port, &nodes);
        for (size_t k = 0; k < nn; k++) sink += nodes[k];
    }
    facts_port_abuse_ranked(e, top, 64);
    const beacon_series *bs;
    size_t ns = facts_beacon_series(e, &bs);
    for (size_t i = 0; i < ns; i++) {
        const int64_t *ts;
        size_t nc = facts_beacon_calls(e, i, &ts);
        for (size_t k = 0; k < nc; k++) sink += (uint64_t)ts[k];
    }
    uint32_t bins[128];
    double bin_s;
    facts_beacon_interarrival(e, bins, 128, &bin_s);
    sink += facts_memory(e);
    (void)sink;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0) return 0;
    size_t n = size - 1;
    unsigned char *c = malloc(n ? n : 1);
    if (!c) return 0;
    memcpy(c, data + 1, n);
    repair(data[0], c, n);
    fuzz_write_file(facts_file, c, n);
    free(c);

    engine_options eo;
    engine_options_default(&eo);
    eo.threads = 1;
    cache_reason absent = CACHE_REASON_NONE;
    char why[256] = "";
    engine *e = engine_load(&table, &eo, facts_file, TABLE_ID, &absent, why, sizeof why);
    if (getenv("FUZZ_FACTS_VERBOSE")) fprintf(stderr, "fuzz_facts: %s%s\n", e ? "accepted" : "rejected: ", e ? "" : why);
    if (!e) {
        if (!why[0] || absent == CACHE_REASON_ABSENT) { fprintf(stderr, "fuzz_facts: a rejection without a reason\n"); abort(); }
        return 0;
    }
    blacklist bl;
    if (blacklist_init(&bl, table.hosts.n)) { engine_free(e); return 0; }
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);
    for (int k = 0; k < DETECTOR_COUNT; k++)
        if (f[k].found && f[k].kind == ANSWER_HOST) { blacklist_toggle(&bl, f[k].value); break; }
    engine_run(e, &bl, f);
    query_all(e);
    FILE *null = fopen("/dev/null", "w");
    if (null) { export_answers(null, e, f); export_json(null, e, f); fclose(null); }
    blacklist_free(&bl);
    engine_free(e);
    return 0;
}
