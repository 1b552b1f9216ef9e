/* test_weighted.c: a table of weighted rows (weighted.h) makes the same
 * facts as the flows it stands for, fact by fact and answer by answer.
 *
 * This is the proof behind the ClickHouse source (chsource.h): the server
 * groups the flows by (src, dst, port, hour) and nettui builds its facts
 * from the groups. Here the groups are made from a table in memory, in
 * the order of their first flow (what chsource asks the server for), and
 * the beacon calls are the table's own rows to the candidates beacon.c
 * names; then every facts_* getter and the JSON of all ten findings must
 * match the plain table's. */
#include "test_engine_fixture.h"

#include "nettui/chsource.h"
#include "nettui/export.h"
#include "nettui/load.h"
#include "nettui/weighted.h"

/* ---- grouping, as the server does ------------------------------------------ */

typedef struct grp {
    host_id s, d;
    uint16_t port;
    int64_t hour, first, last;
    uint64_t flows, bytes;
} grp;

static uint64_t grp_hash(host_id s, host_id d, uint16_t port, int64_t hour)
{
    uint64_t x = ((uint64_t)s * 0x9e3779b97f4a7c15ULL) ^ ((uint64_t)d * 0xbf58476d1ce4e5b9ULL)
               ^ ((uint64_t)port << 7) ^ ((uint64_t)hour * 0x94d049bb133111ebULL);
    return x ^ (x >> 29);
}

/* The groups of t in order of their first row. */
static grp *group_rows(const flow_table *t, size_t *ng)
{
    size_t nslot = 1;
    while (nslot < t->n * 2 + 2) nslot *= 2;
    size_t *slot = malloc(nslot * sizeof *slot);
    grp *g = malloc((t->n + 1) * sizeof *g);
    assert_non_null(slot); assert_non_null(g);
    for (size_t k = 0; k < nslot; k++) slot[k] = SIZE_MAX;
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        int64_t hour = t->ts[i] / FX_HOUR;
        size_t k = grp_hash(t->src[i], t->dst[i], t->port[i], hour) & (nslot - 1);
        while (slot[k] != SIZE_MAX) {
            grp *x = &g[slot[k]];
            if (x->s == t->src[i] && x->d == t->dst[i] && x->port == t->port[i] && x->hour == hour) break;
            k = (k + 1) & (nslot - 1);
        }
        uint64_t b = flows_bytes_at(t, i);
        if (slot[k] == SIZE_MAX) {
            slot[k] = n;
            g[n++] = (grp){ t->src[i], t->dst[i], t->port[i], hour, t->ts[i], t->ts[i], 0, 0 };
        }
        grp *x = &g[slot[k]];
        x->flows++;
        x->bytes += b;
        if (t->ts[i] < x->first) x->first = t->ts[i];
        if (t->ts[i] > x->last) x->last = t->ts[i];
    }
    free(slot);
    *ng = n;
    return g;
}

static weighted_group as_group(const flow_table *t, host_id s, host_id d, uint16_t port, int64_t first, int64_t last,
                               uint64_t flows, uint64_t bytes, char sb[16], char db[16])
{
    const char *a = hosts_name(&t->hosts, s, sb), *b = hosts_name(&t->hosts, d, db);
    return (weighted_group){ a, b, strlen(a), strlen(b), port, first, last, flows, bytes };
}

/* The weighted table of t's groups, with its beacon calls. */
static void make_weighted(const flow_table *t, const cidr_list *net, flow_table *w)
{
    size_t ng;
    grp *g = group_rows(t, &ng);
    assert_int_equal(weighted_begin(w), 0);
    char sb[16], db[16];
    for (size_t k = 0; k < ng; k++) {
        weighted_group x = as_group(t, g[k].s, g[k].d, g[k].port, g[k].first, g[k].last, g[k].flows, g[k].bytes, sb, db);
        assert_int_equal(weighted_add(w, &x), 0);
    }
    weighted_end(w);
    assert_int_equal(w->hosts.n, t->hosts.n);
    for (host_id h = 0; h < t->hosts.n; h++) {   /* the ids a file in time order gives */
        char x[16], y[16];
        assert_string_equal(hosts_name(&w->hosts, h, x), hosts_name(&t->hosts, h, y));
    }
    host_id *cand;
    size_t nc = engine_beacon_callees(w, net, &cand);
    assert_true(nc != SIZE_MAX);
    uint8_t *is_cand = calloc(t->hosts.n + 1, 1), *in = calloc(t->hosts.n + 1, 1);
    for (size_t k = 0; k < nc; k++) is_cand[cand[k]] = 1;
    for (host_id h = 0; h < t->hosts.n; h++)
        in[h] = t->hosts.name_off[h] == UINT32_MAX && cidr_list_contains(net, t->hosts.ip[h]);
    size_t ncalls = 0;
    for (size_t i = 0; i < t->n; i++)
        if (in[t->src[i]] && is_cand[t->dst[i]]) {
            weighted_group x = as_group(t, t->src[i], t->dst[i], t->port[i], t->ts[i], t->ts[i], 1, flows_bytes_at(t, i), sb, db);
            assert_int_equal(weighted_add_call(w, &x, i), 0);
            ncalls++;
        }
    assert_int_equal(w->calls ? w->calls->n : 0, ncalls);
    free(is_cand); free(in); free(cand); free(g);
}

/* ---- comparing ---------------------------------------------------------------- */

static char *json_of(const engine *e, const finding *f)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(export_json(m, e, f), 0);
    assert_int_equal(export_answers(m, e, f), 0);
    fclose(m);
    char *t = strstr(buf, "\"timing\"");   /* the build's seconds differ from run to run */
    if (t) { char *nl = strchr(t, '\n'); memmove(t, nl + 1, strlen(nl + 1) + 1); }
    return buf;
}

/* The first line where a and b differ, to say what went wrong. */
static void same_text(const char *a, const char *b)
{
    size_t i = 0, line = 1;
    while (a[i] && a[i] == b[i]) { if (a[i] == '\n') line++; i++; }
    if (a[i] == b[i]) return;
    const char *la = a + i, *lb = b + i;
    while (la > a && la[-1] != '\n') la--;
    while (lb > b && lb[-1] != '\n') lb--;
    fail_msg("line %zu differs:\n  %.300s\n  %.300s", line, la, lb);
}

static void same_facts(const engine *a, const engine *b, uint32_t nhosts)
{
    uint64_t fa[24], ba[24], fb[24], bb[24];
    facts_hour_profile(a, fa, ba);
    facts_hour_profile(b, fb, bb);
    assert_memory_equal(fa, fb, sizeof fa);
    assert_memory_equal(ba, bb, sizeof ba);
    facts_timeline_shape sa, sb;
    memset(&sa, 0, sizeof sa);   /* its padding */
    memset(&sb, 0, sizeof sb);
    facts_timeline_get_shape(a, &sa);
    facts_timeline_get_shape(b, &sb);
    assert_memory_equal(&sa, &sb, sizeof sa);
    for (host_id h = 0; h < nhosts; h++) {
        host_facts x, y;
        memset(&x, 0, sizeof x);   /* padding, and a host facts_host refuses: both compare equal */
        memset(&y, 0, sizeof y);
        int rx = facts_host(a, h, &x);
        assert_int_equal(rx, facts_host(b, h, &y));
        assert_int_equal(rx, 0);
        assert_memory_equal(&x, &y, sizeof x);
        if (facts_host_hour_profile(a, h, fa, ba) == 0) {
            assert_int_equal(facts_host_hour_profile(b, h, fb, bb), 0);
            assert_memory_equal(fa, fb, sizeof fa);
            assert_memory_equal(ba, bb, sizeof ba);
        }
        host_port pa[64], pb[64];
        size_t na = facts_host_ports(a, h, pa, 64), nb = facts_host_ports(b, h, pb, 64);
        assert_int_equal(na, nb);
        if (na) assert_memory_equal(pa, pb, (na < 64 ? na : 64) * sizeof *pa);
    }
    assert_int_equal(facts_port_count(a), facts_port_count(b));
    for (size_t k = 0; k < facts_port_count(a); k++) {
        port_facts x, y;
        memset(&x, 0, sizeof x);   /* padding */
        memset(&y, 0, sizeof y);
        assert_int_equal(facts_port_at(a, k), facts_port_at(b, k));
        assert_int_equal(facts_port(a, facts_port_at(a, k), &x), facts_port(b, facts_port_at(b, k), &y));
        assert_memory_equal(&x, &y, sizeof x);
    }
    const beacon_series *ra, *rb;
    size_t na = facts_beacon_series(a, &ra), nb = facts_beacon_series(b, &rb);
    assert_int_equal(na, nb);
}

/* Plain and weighted engines of t, their facts and both answer texts. */
static void check_table(flow_table *t, const engine_options *o)
{
    engine *a = NULL, *b = NULL;
    char err[256];
    a = engine_build(t, o, err, sizeof err);
    if (!a) fail_msg("engine_build: %s", err);
    int inferred;
    double share;
    cidr_list net = *facts_internal_net(a, &inferred, &share);
    flow_table w;
    make_weighted(t, &net, &w);
    assert_true(w.n < t->n);   /* the groups did fold flows */
    assert_int_equal(flows_count(&w), t->n);
    assert_int_equal(w.total_bytes, t->total_bytes);
    assert_int_equal(w.ts_min, t->ts_min);
    assert_int_equal(w.ts_max, t->ts_max);
    b = engine_build(&w, o, err, sizeof err);
    if (!b) fail_msg("engine_build (weighted): %s", err);
    cidr_list netb = *facts_internal_net(b, &inferred, &share);
    assert_memory_equal(&net, &netb, sizeof net);
    same_facts(a, b, t->hosts.n);
    blacklist la, lb;
    assert_int_equal(blacklist_init(&la, t->hosts.n), 0);
    assert_int_equal(blacklist_init(&lb, w.hosts.n), 0);
    finding fa[DETECTOR_COUNT], fb[DETECTOR_COUNT];
    engine_run(a, &la, fa);
    engine_run(b, &lb, fb);
    char *ja = json_of(a, fa), *jb = json_of(b, fb);
    same_text(ja, jb);
    free(ja); free(jb);
    blacklist_free(&la); blacklist_free(&lb);
    engine_free(a); engine_free(b);
    flows_free(&w);
}

/* The flow file at path into t through the real loader, then the file goes. */
static void load_and_remove(const char *path, flow_table *t)
{
    load_options lo;
    load_options_default(&lo);
    load_report rep;
    int rc = load_file(path, &lo, t, &rep);
    unlink(path);
    assert_int_equal(rc, EXIT_OK);
}

/* Background traffic, the decoys and a beacon, many flows to a group. */
static void test_weighted_fixture(void **state)
{
    (void)state;
    fx f;
    fx_init(&f, 100000);
    fx_bg o;
    fx_bg_default(&o);
    o.rows = 40000; o.nint = 30; o.next = 20; o.nports = 4;
    fx_background(&f, &o);
    fx_decoys(&f);
    for (int k = 0; k < 200; k++)   /* a bot calling home every 10 minutes */
        fx_add(&f, FX_T0 + k * 10 * FX_MIN + 7, "13.77.0.1", "18.77.0.1", 443, 300);
    fx_finish(&f);
    /* through a file and the loader, so that host ids come in order of
     * appearance, as they do for every file */
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_weighted_fx_%d.csv", (int)getpid());
    FILE *out = fopen(path, "w");
    assert_non_null(out);
    for (size_t i = 0; i < f.t.n; i++) {
        char a[16], b[16];
        fprintf(out, "%lld,%s,%s,%u,%u\n", (long long)f.t.ts[i], hosts_name(&f.t.hosts, f.t.src[i], a),
                hosts_name(&f.t.hosts, f.t.dst[i], b), f.t.port[i], f.t.bytes[i]);
    }
    assert_int_equal(fclose(out), 0);
    flows_free(&f.t);
    flow_table t;
    load_and_remove(path, &t);
    engine_options eo;
    fx_options(&eo);
    check_table(&t, &eo);
    engine_options_default(&eo);   /* the internal network inferred from the weights */
    check_table(&t, &eo);
    setenv("NETTUI_SPARSE_HP", "1", 1);   /* the sparse (host, port) tallies carry weights too */
    check_table(&t, &eo);
    unsetenv("NETTUI_SPARSE_HP");
    flows_free(&t);
}

/* A generated file, through the loader, when nettui-gen is there. */
static void test_weighted_generated(void **state)
{
    (void)state;
    const char *gen = getenv("NETTUI_GEN") ? getenv("NETTUI_GEN") : "./nettui-gen";
    if (access(gen, X_OK)) { print_message("no %s: skipped\n", gen); skip(); }
    char path[64], cmd[512];
    snprintf(path, sizeof path, "/tmp/test_weighted_%d.csv", (int)getpid());
    snprintf(cmd, sizeof cmd, "%s --rows 60000 --seed 5 --out %s", gen, path);
    assert_int_equal(system(cmd), 0);
    flow_table t;
    load_and_remove(path, &t);
    engine_options eo;
    engine_options_default(&eo);
    check_table(&t, &eo);
    flows_free(&t);
}

/* A group of more than 2^32-1 flows or bytes keeps its sums. */
static void test_weighted_big(void **state)
{
    (void)state;
    flow_table w;
    assert_int_equal(weighted_begin(&w), 0);
    weighted_group g = { "13.0.0.1", "8.8.8.8", 8, 7, 53, 1000, 2000, 5000000000ULL, 9000000000ULL };
    assert_int_equal(weighted_add(&w, &g), 0);
    weighted_group bad = { "", "8.8.8.8", 0, 7, 53, 1000, 2000, 1, 1 };
    assert_int_equal(weighted_add(&w, &bad), 1);
    weighted_end(&w);
    assert_int_equal(w.n, 2);
    assert_int_equal(flows_count(&w), 5000000000ULL);
    assert_int_equal(flows_bytes_at(&w, 0), 9000000000ULL);
    assert_int_equal(flows_bytes_at(&w, 1), 0);
    assert_int_equal(w.total_bytes, 9000000000ULL);
    assert_int_equal(w.ts_max, 2000);
    flows_free(&w);
}

/* The ClickHouse source's cache file: what is saved comes back, column
 * for column; another key, a flipped byte or a cut file is refused. */
static void test_weighted_cache(void **state)
{
    (void)state;
    flow_table w, r;
    assert_int_equal(weighted_begin(&w), 0);
    for (int k = 0; k < 300; k++) {
        char s[16], d[16];
        snprintf(s, sizeof s, "13.0.%d.%d", k % 7, k % 250);
        snprintf(d, sizeof d, "8.8.%d.8", k % 11);
        weighted_group g = { s, d, strlen(s), strlen(d), (uint16_t)(k % 5 + 20), 1000 + k * 10, 1000 + k * 10 + 5,
                             (uint64_t)(k % 4 + 1), k == 7 ? 9000000000ULL : (uint64_t)k * 3 };
        assert_int_equal(weighted_add(&w, &g), 0);
    }
    weighted_group name = { "host.example", "8.8.0.8", 12, 7, 443, 5000, 5000, 2, 10 };
    assert_int_equal(weighted_add(&w, &name), 0);
    weighted_end(&w);
    for (int k = 0; k < 50; k++) {
        weighted_group c = { "13.0.1.1", "8.8.1.8", 8, 7, 20, 1000 + k, 1000 + k, 1, (uint64_t)k };
        assert_int_equal(weighted_add_call(&w, &c, (uint64_t)k * 3), 0);
    }
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_weighted_cache_%d.ntw", (int)getpid());
    const char *key = "nettui clickhouse cache test\nstate 301\n";
    uint64_t id_saved = 0, id_read = 1;
    cache_reason why;
    assert_int_equal(ch_cache_save(path, key, &w, &id_saved), 0);
    assert_int_equal(ch_cache_load(path, key, &r, &id_read, &why), 0);
    assert_true(id_read == id_saved);   /* the identity the facts cache is keyed to */
    assert_int_equal(why, CACHE_REASON_NONE);
    assert_int_equal(r.n, w.n);
    assert_int_equal(r.nbig, w.nbig);
    assert_int_equal(r.hosts.n, w.hosts.n);
    assert_int_equal(flows_count(&r), flows_count(&w));
    assert_int_equal(r.total_bytes, w.total_bytes);
    assert_int_equal(r.ts_max, w.ts_max);
    assert_memory_equal(r.ts, w.ts, w.n * 8);
    assert_memory_equal(r.src, w.src, w.n * 4);
    assert_memory_equal(r.dst, w.dst, w.n * 4);
    assert_memory_equal(r.port, w.port, w.n * 2);
    assert_memory_equal(r.bytes, w.bytes, w.n * 4);
    assert_memory_equal(r.weight, w.weight, w.n * 4);
    assert_memory_equal(r.ts_last, w.ts_last, w.n * 8);
    assert_int_equal(flows_bytes_at(&r, 7), 9000000000ULL);
    for (host_id h = 0; h < w.hosts.n; h++) {
        char a[16], b[16];
        assert_string_equal(hosts_name(&r.hosts, h, a), hosts_name(&w.hosts, h, b));
    }
    assert_non_null(r.calls);
    assert_int_equal(r.calls->n, 50);
    assert_memory_equal(r.calls->row, w.calls->row, 50 * 8);
    assert_memory_equal(r.calls->ts, w.calls->ts, 50 * 8);
    flows_free(&r);
    assert_int_equal(ch_cache_load(path, "another key", &r, &id_read, &why), -1);
    assert_int_equal(why, CACHE_REASON_OTHER_SOURCE);
    /* one flipped byte in a row's column, in the tail before the calls, in a
     * call's column: each refused; one past the rows (the zeros up to the
     * file's room, which nothing reads) is not */
    FILE *f = fopen(path, "r+b");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    long at[] = { 4096 + 3, size - 16 - 30 * 50 - 40, size - 17, 4096 + (long)w.n * 8 + 64 };
    for (int k = 0; k < 4; k++) {
        f = fopen(path, "r+b");
        assert_non_null(f);
        fseek(f, at[k], SEEK_SET);
        int c = fgetc(f);
        fseek(f, at[k], SEEK_SET);
        fputc(c ^ 0x10, f);
        fclose(f);
        int rc = ch_cache_load(path, key, &r, &id_read, &why);
        if (k < 3) {
            assert_int_equal(rc, -1);
            assert_int_equal(why, CACHE_REASON_DAMAGED);
            assert_int_equal(r.n, 0);
        } else {
            assert_int_equal(rc, 0);
            assert_memory_equal(r.ts, w.ts, w.n * 8);
            flows_free(&r);
        }
        f = fopen(path, "r+b");
        fseek(f, at[k], SEEK_SET);
        fputc(c, f);
        fclose(f);
    }
    assert_int_equal(ch_cache_load(path, key, &r, &id_read, &why), 0);   /* restored */
    flows_free(&r);
    assert_int_equal(truncate(path, size / 3), 0);
    assert_int_equal(ch_cache_load(path, key, &r, &id_read, &why), -1);
    assert_int_equal(why, CACHE_REASON_DAMAGED);
    unlink(path);
    assert_int_equal(ch_cache_load(path, key, &r, &id_read, &why), -1);
    assert_int_equal(why, CACHE_REASON_ABSENT);
    flows_free(&w);
}

/* Calls gathered apart (as the calls query fills them while the groups
 * still come) and merged give the very calls table that adding them one
 * by one after the groups gives: same rows, ids, order, big bytes, skips
 * (a call of a host no group holds, a host the loader refuses). */
/* The process's pages of mapped files, in kB (/proc/self/status). */
static long rss_file_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "RssFile: %ld", &kb) == 1) break;
    if (f) fclose(f);
    return kb;
}

/* A source's table is a mapping of its file (chcache.c): a pass that let
 * go of what it read (flows_release) leaves nettui's memory as it was,
 * and the rows read the same after. A file's table is never let go. */
static void test_weighted_release(void **state)
{
    (void)state;
    flow_table w, r;
    assert_int_equal(weighted_begin(&w), 0);
    const size_t n = 400000;
    for (size_t k = 0; k < n; k++) {
        char a[32], b[32];
        int la = snprintf(a, sizeof a, "13.0.%zu.%zu", k / 250 % 250, k % 250);
        int lb = snprintf(b, sizeof b, "8.8.%zu.%zu", k / 7 % 250, k % 7);
        int64_t t0 = 1578326400000LL + (int64_t)k * 1000;
        weighted_group g = { a, b, (size_t)la, (size_t)lb, (uint16_t)(k % 1000), t0, t0 + 10, 1 + k % 3, k };
        assert_int_equal(weighted_add(&w, &g), 0);
    }
    weighted_end(&w);
    char path[64];
    snprintf(path, sizeof path, "/tmp/test_weighted_release_%d.ntw", (int)getpid());
    uint64_t id, id2;
    cache_reason why;
    assert_int_equal(ch_cache_save(path, "release", &w, &id), 0);
    assert_int_equal(ch_cache_load(path, "release", &r, &id2, &why), 0);
    assert_true(r.releasable);
    long before = rss_file_kb();
    assert_true(before >= 0);
    uint64_t sum = 0;
    for (size_t i = 0; i < r.n; i++) sum += (uint64_t)r.ts[i] + r.ts_last[i] + r.src[i] + r.dst[i] + r.port[i] + r.bytes[i] + r.weight[i];
    long touched = rss_file_kb();
    long cols_kb = (long)(n * 34 / 1024);
    assert_true(touched - before >= cols_kb * 8 / 10);   /* reading brought the columns in */
    flows_release(&r, 0, r.n);
    long after = rss_file_kb();
    assert_true(touched - after >= cols_kb * 8 / 10);    /* ... and letting go took them out */
    uint64_t again = 0;
    for (size_t i = 0; i < r.n; i++) again += (uint64_t)r.ts[i] + r.ts_last[i] + r.src[i] + r.dst[i] + r.port[i] + r.bytes[i] + r.weight[i];
    assert_true(again == sum);
    assert_memory_equal(r.ts, w.ts, n * 8);
    flows_release(&w, 0, w.n);   /* memory of its own: nothing happens */
    assert_memory_equal(r.ts, w.ts, n * 8);
    assert_memory_equal(r.weight, w.weight, n * 4);
    flows_free(&r);
    flows_free(&w);
    unlink(path);
}

static void test_weighted_calls_apart(void **state)
{
    (void)state;
    flow_table a, b, apart;
    assert_int_equal(weighted_begin(&a), 0);
    assert_int_equal(weighted_begin(&b), 0);
    for (int k = 0; k < 40; k++) {
        char s[16], d[16];
        snprintf(s, sizeof s, "13.0.0.%d", k % 9);
        snprintf(d, sizeof d, "8.8.%d.8", k % 5);
        weighted_group g = { s, d, strlen(s), strlen(d), 443, 1000 + k, 1000 + k, 2, 10 };
        assert_int_equal(weighted_add(&a, &g), 0);
        assert_int_equal(weighted_add(&b, &g), 0);
    }
    weighted_end(&a);
    weighted_end(&b);
    assert_int_equal(weighted_flows_begin(&apart), 0);
    for (int k = 0; k < 200; k++) {
        char s[16], d[32];
        /* hosts in another order than the groups', one never grouped, one refused */
        snprintf(s, sizeof s, "13.0.0.%d", (k * 7) % 10);
        if (k % 50 == 3) snprintf(d, sizeof d, "bad host\t%d", k);
        else snprintf(d, sizeof d, "8.8.%d.8", (k * 3) % 5);
        weighted_group g = { s, d, strlen(s), strlen(d), (uint16_t)(k % 3 + 80), 5000 + k, 5000 + k, 1,
                             k == 11 ? 7000000000ULL : (uint64_t)k };
        int r1 = weighted_add_call(&a, &g, (uint64_t)k * 2);
        int r2 = weighted_add_call_apart(&apart, &g, (uint64_t)k * 2);
        assert_true(r1 >= 0 && r2 >= 0);
    }
    assert_int_equal(weighted_merge_calls(&b, &apart), 0);
    assert_non_null(a.calls);
    assert_non_null(b.calls);
    assert_true(a.calls->n > 0 && a.calls->n < 200);   /* some were skipped */
    assert_int_equal(b.calls->n, a.calls->n);
    assert_int_equal(b.hosts.n, a.hosts.n);
    size_t n = a.calls->n;
    assert_memory_equal(b.calls->ts, a.calls->ts, n * 8);
    assert_memory_equal(b.calls->src, a.calls->src, n * 4);
    assert_memory_equal(b.calls->dst, a.calls->dst, n * 4);
    assert_memory_equal(b.calls->port, a.calls->port, n * 2);
    assert_memory_equal(b.calls->bytes, a.calls->bytes, n * 4);
    assert_memory_equal(b.calls->row, a.calls->row, n * 8);
    assert_int_equal(b.calls->nbig, 1);
    assert_int_equal(b.calls->nbig, a.calls->nbig);
    assert_true(b.calls->big[0].bytes == 7000000000ULL && b.calls->big[0].row == a.calls->big[0].row);
    flows_free(&apart);
    flows_free(&a);
    flows_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_weighted_big),
        cmocka_unit_test(test_weighted_cache),
        cmocka_unit_test(test_weighted_calls_apart),
        cmocka_unit_test(test_weighted_fixture),
        cmocka_unit_test(test_weighted_generated),
        cmocka_unit_test(test_weighted_release),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
