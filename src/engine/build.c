/* build.c: engine_build(), from the flow table to the facts.
 *
 * A pre-scan of the port column fixes the dense port ids (and, with many
 * ports, which direction uses which); the table's time range fixes the
 * timeline's shape; the fused pass (pass.c) fills every aggregate; then
 * small derived facts (distinct counts, port graphs, work hours) and the
 * beacon pass (beacon.c), which reads only the flows to a few callees. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>

#include "engine_priv.h"
#include "nettui/util.h"

/* Memory a single aggregate may take before it is left out (its detector
 * then says so): keeps a hostile file from blowing up the facts. The
 * dense (host, port) tables are only the pass's fast path: over their
 * budget the pass keeps them sparse. */
#define BUDGET_HP      (256u << 20)
#define BUDGET_INPORTS (256u << 20)
#define BUDGET_TIMELINE (64u << 20)
#define MAX_BUCKETS 512

static int stage_timing;   /* NETTUI_TIMING=2: the build's stages on stderr */

/* ---- pre-scan: ports and time span ----------------------------------------- */

typedef struct scan_job {
    const flow_table *t;
    size_t lo, hi;
    int want_ts;      /* the table's own time range is not set */
    uint8_t seen[65536];
    int64_t tmin, tmax;
} scan_job;

static void *scan_thread(void *arg)
{
    scan_job *j = arg;
    const uint16_t *port = j->t->port;
    const int64_t *ts = j->t->ts;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t a = j->lo, b; a < j->hi; a = b) {
        b = slice_end(a, j->hi);
        for (size_t i = a; i < b; i++) j->seen[port[i]] = 1;
        if (j->want_ts)
            for (size_t i = a; i < b; i++) {
                if (ts[i] < lo) lo = ts[i];
                if (ts[i] > hi) hi = ts[i];
            }
        flows_release(j->t, a, b);
    }
    j->tmin = lo; j->tmax = hi;
    return NULL;
}

static int threads_for(const engine_options *o, size_t n)
{
    long c = o->threads > 0 ? o->threads : util_cores(64);
    if (c < 1) c = 1;
    if (c > 64) c = 64;
    size_t by_rows = n / 500000 + 1;   /* small tables are not worth a thread */
    if ((size_t)c > by_rows) c = (long)by_rows;
    return (int)c;
}

/* ---- derived facts ---------------------------------------------------------- */

/* Distinct external sources and internal senders per port, distinct
 * internal peers per internal host. */
static void derive_counts(engine *e)
{
    uint32_t ni = e->nint;
    if (engine_has_in_ports(e))
        for (host_id h = 0; h < e->nhosts; h++) {
            in_port_iter it;
            uint32_t pid;
            if (e->int_index[h] != NO_INDEX || !in_ports_begin(e, h, &it)) continue;
            while (in_ports_next(&it, &pid)) e->port_ext_sources[pid]++;
        }
    for (uint64_t k = 0; k < e->nhp; k++)
        if (e->hp[k].out_flows) e->port_int_senders[e->hp_pid[k]]++;
    for (uint32_t a = 0; a < ni; a++)   /* a's triples come by destination */
        for (uint64_t k = tri_src_begin(e, a); k < tri_src_end(e, a); k++) {
            uint32_t b = e->tri[k].dst;
            if (b == a || (k > tri_src_begin(e, a) && e->tri[k - 1].dst == b)) continue;
            e->int_out_peers[a]++;
            e->int_in_peers[b]++;
        }
}

/* ---- inbound ports as lists ------------------------------------------------- */

#define IN_LIST_CAP (32u << 20)   /* (source, port) pairs kept at most */

typedef struct list_job {
    const engine *e;
    size_t lo, hi;
    uint64_t *v;
    size_t n, cap, limit;
    int failed;
} list_job;

static void *list_thread(void *arg)
{
    list_job *j = arg;
    const flow_table *t = j->e->t;
    const uint32_t *ii = j->e->int_index;
    uint64_t last = UINT64_MAX;
    for (size_t lo = j->lo, hi; lo < j->hi && !j->failed; lo = hi) {   /* a slice at a time, let go behind */
        hi = slice_end(lo, j->hi);
        for (size_t i = lo; i < hi; i++) {
            host_id s = t->src[i];
            if (ii[s] != NO_INDEX || ii[t->dst[i]] == NO_INDEX) continue;
            uint64_t key = ((uint64_t)s << 32) | (uint32_t)j->e->port_id[t->port[i]];
            if (key == last) continue;   /* repeats in a row are common and free to drop */
            last = key;
            if (j->n == j->cap) {
                size_t cap = j->cap ? j->cap * 2 : 65536;
                uint64_t *nv = j->n >= j->limit ? NULL : realloc(j->v, cap * sizeof *nv);
                if (!nv) { j->failed = 1; break; }
                j->v = nv; j->cap = cap;
            }
            j->v[j->n++] = key;
        }
        flows_release(t, lo, hi);
    }
    return NULL;
}

/* When the bitsets of inbound ports per source did not fit, one more scan
 * collects the distinct (source, port) pairs as sorted lists: a scan from a
 * million addresses has about a pair each. Beyond IN_LIST_CAP pairs the
 * questions that need them say they are not rated. 0, or -1 out of memory. */
static int collect_in_lists(engine *e, int nth)
{
    list_job *jobs = calloc((size_t)nth, sizeof *jobs);
    if (!jobs) return -1;
    for (int k = 0; k < nth; k++) {
        jobs[k].e = e;
        jobs[k].lo = e->t->n * (size_t)k / (size_t)nth;
        jobs[k].hi = e->t->n * (size_t)(k + 1) / (size_t)nth;
        jobs[k].limit = IN_LIST_CAP / (size_t)nth;
    }
    run_threads(nth, list_thread, jobs, sizeof *jobs);
    size_t n = 0;
    int failed = 0;
    for (int k = 0; k < nth; k++) { n += jobs[k].n; failed |= jobs[k].failed; }
    uint64_t *all = failed ? NULL : malloc((n + 1) * sizeof *all);
    if (all) {
        size_t m = 0;
        for (int k = 0; k < nth; k++) {
            if (jobs[k].n) memcpy(all + m, jobs[k].v, jobs[k].n * sizeof *all);   /* v is NULL when n is 0 */
            m += jobs[k].n;
        }
    }
    for (int k = 0; k < nth; k++) free(jobs[k].v);
    free(jobs);
    if (!all) return 0;   /* too many pairs: left out, not an error */
    qsort(all, n, sizeof *all, util_cmp_u64);
    size_t u = 0;
    for (size_t k = 0; k < n; k++) if (!u || all[k] != all[u - 1]) all[u++] = all[k];
    e->in_off = calloc((size_t)e->nhosts + 2, sizeof *e->in_off);
    e->in_pid = malloc((u + 1) * sizeof *e->in_pid);
    if (!e->in_off || !e->in_pid) { free(all); return -1; }
    for (size_t k = 0; k < u; k++) { e->in_off[(all[k] >> 32) + 1]++; e->in_pid[k] = (uint32_t)all[k]; }
    for (uint32_t h = 0; h < e->nhosts; h++) e->in_off[h + 1] += e->in_off[h];
    free(all);
    return 0;
}

/* ---- port spaces ------------------------------------------------------------- */

typedef struct dir_job {
    const flow_table *t;
    const uint32_t *int_index;
    size_t lo, hi;
    uint8_t seen[3][65536];   /* internal, outbound, inbound */
} dir_job;

static void *dir_thread(void *arg)
{
    dir_job *j = arg;
    const uint32_t *ii = j->int_index;
    for (size_t lo = j->lo, hi; lo < j->hi; lo = hi) {
        hi = slice_end(lo, j->hi);
        for (size_t i = lo; i < hi; i++) {
            unsigned a = ii[j->t->src[i]] != NO_INDEX, b = ii[j->t->dst[i]] != NO_INDEX;
            unsigned cls = a && b ? 0 : a ? 1 : b ? 2 : 3;
            if (cls < 3) j->seen[cls][j->t->port[i]] = 1;
        }
        flows_release(j->t, lo, hi);
    }
    return NULL;
}

static int space_from(port_space *sp, const engine *e, const uint8_t *seen)
{
    sp->n = 0;
    sp->of = malloc((e->nports + 1) * sizeof *sp->of);
    sp->pid = malloc((e->nports + 1) * sizeof *sp->pid);
    if (!sp->of || !sp->pid) return -1;
    for (uint32_t k = 0; k < e->nports; k++) {
        if (!seen || seen[e->port_list[k]]) { sp->of[k] = (int32_t)sp->n; sp->pid[sp->n++] = k; }
        else sp->of[k] = -1;
    }
    sp->words = sp->n ? (sp->n + 63) / 64 : 1;
    return 0;
}

/* With at most 64 ports every space is all ports (one word of bits); with
 * more, one more scan (source, destination and port columns) finds the
 * ports of each direction, so that thousands of ports seen only inbound (a
 * scan from outside) do not inflate the per-host port tables or the
 * internal triples' port numbers. */
static int port_spaces(engine *e, int nth)
{
    if (e->nports <= 64)
        return space_from(&e->sp_int, e, NULL) || space_from(&e->sp_out, e, NULL) || space_from(&e->sp_in, e, NULL) ? -1 : 0;
    dir_job *jobs = calloc((size_t)nth, sizeof *jobs);
    if (!jobs) return -1;
    for (int k = 0; k < nth; k++) {
        jobs[k].t = e->t;
        jobs[k].int_index = e->int_index;
        jobs[k].lo = e->t->n * (size_t)k / (size_t)nth;
        jobs[k].hi = e->t->n * (size_t)(k + 1) / (size_t)nth;
    }
    run_threads(nth, dir_thread, jobs, sizeof *jobs);
    for (int k = 1; k < nth; k++)
        for (int c = 0; c < 3; c++)
            for (int pnum = 0; pnum < 65536; pnum++) jobs[0].seen[c][pnum] |= jobs[k].seen[c][pnum];
    int rc = space_from(&e->sp_int, e, jobs[0].seen[0]) || space_from(&e->sp_out, e, jobs[0].seen[1])
             || space_from(&e->sp_in, e, jobs[0].seen[2]) ? -1 : 0;
    free(jobs);
    return rc;
}

void engine_options_default(engine_options *o)
{
    memset(o, 0, sizeof *o);
    o->work_start = o->work_end = -1;
}

int engine_index_internal(engine *e)
{
    const host_dict *d = &e->t->hosts;
    e->int_index = malloc((e->nhosts + 1) * sizeof *e->int_index);
    e->int_host = malloc((e->nhosts + 1) * sizeof *e->int_host);
    if (!e->int_index || !e->int_host) return -1;
    e->nint = 0;
    for (uint32_t h = 0; h < e->nhosts; h++) {
        int in = d->name_off[h] == UINT32_MAX && cidr_list_contains(&e->net, d->ip[h]);
        if (in) { e->int_index[h] = e->nint; e->int_host[e->nint++] = h; }
        else e->int_index[h] = NO_INDEX;
    }
    return 0;
}

/* The internal network: the person's, or inferred from the flows. */
static int choose_internal(engine *e, const engine_options *o)
{
    e->net_inferred = !o->internal_set;
    if (o->internal_set) { e->net = o->internal; return 0; }
    return engine_infer_internal(e->t, &e->net);
}

/* Dense port ids (and the per-direction spaces), and the timeline's shape:
 * hour buckets from the first hour, wider when the period is long. The
 * loader and the cache record the time range, and reading the whole time
 * column again would cost more than the port scan; the pass clamps, so a
 * wrong range cannot write out of bounds. */
static int index_ports_and_time(engine *e, int nth)
{
    const flow_table *t = e->t;
    scan_job *jobs = calloc((size_t)nth, sizeof *jobs);
    if (!jobs) return -1;
    int have_range = t->n > 0 && t->ts_min <= t->ts_max && t->ts[0] >= t->ts_min && t->ts[0] <= t->ts_max
                     && t->ts[t->n - 1] >= t->ts_min && t->ts[t->n - 1] <= t->ts_max;
    for (int k = 0; k < nth; k++) {
        jobs[k].want_ts = !have_range;
        jobs[k].t = t;
        jobs[k].lo = t->n * (size_t)k / (size_t)nth;
        jobs[k].hi = t->n * (size_t)(k + 1) / (size_t)nth;
    }
    run_threads(nth, scan_thread, jobs, sizeof *jobs);
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    for (int k = 0; k < nth; k++) {
        if (jobs[k].tmin < tmin) tmin = jobs[k].tmin;
        if (jobs[k].tmax > tmax) tmax = jobs[k].tmax;
    }
    if (have_range) { tmin = t->ts_min; tmax = t->ts_max; }
    if (t->n == 0) tmin = tmax = 0;
    for (int pnum = 0; pnum < 65536; pnum++) {
        int seen = 0;
        for (int k = 0; k < nth; k++) seen |= jobs[k].seen[pnum];
        e->port_id[pnum] = seen ? (int32_t)e->nports++ : -1;
    }
    free(jobs);
    e->port_list = malloc((e->nports + 1) * sizeof *e->port_list);
    if (!e->port_list) return -1;
    for (int pnum = 0; pnum < 65536; pnum++)
        if (e->port_id[pnum] >= 0) e->port_list[e->port_id[pnum]] = (uint16_t)pnum;
    if (port_spaces(e, nth)) return -1;
    e->t0_ms = floor_div(tmin, HOUR_MS) * HOUR_MS;
    uint64_t hours = (uint64_t)((tmax - e->t0_ms) / HOUR_MS) + 1;
    uint64_t width = (hours + MAX_BUCKETS - 1) / MAX_BUCKETS;
    while (width < hours && (uint64_t)e->nint * ((hours + width - 1) / width) * 8 > BUDGET_TIMELINE) width *= 2;
    e->bucket_ms = (int64_t)width * HOUR_MS;
    e->nbuckets = (uint32_t)((tmax - e->t0_ms) / e->bucket_ms) + 1;
    return 0;
}

/* Which big aggregates fit their budgets; a left-out one makes its
 * detectors say "not rated" instead of blowing up the memory. */
static void choose_sizes(const engine *e, pass_sizes *z)
{
    memset(z, 0, sizeof *z);
    z->with_timeline = (uint64_t)e->nint * e->nbuckets * 8 <= BUDGET_TIMELINE;
    /* the bitsets only while they cost less than 8 bytes a row: past that
     * (a million sources on a thousand ports) the lists are far smaller, and
     * with fewer (source, port) pairs than rows they always fit their cap */
    uint64_t inports = (uint64_t)e->nhosts * e->sp_in.words * 8;
    z->with_inports = inports <= BUDGET_INPORTS && inports <= (uint64_t)e->t->n * 8;
    z->with_hp = (uint64_t)e->nint * e->sp_out.n * (sizeof(host_port_stat) + 8) <= BUDGET_HP;
    z->with_hp_in = (uint64_t)e->nint * e->sp_in.n * 4 <= BUDGET_HP;
    /* NETTUI_SPARSE_HP=1: the sparse path at any size, for the tests */
    if (getenv("NETTUI_SPARSE_HP") && atoi(getenv("NETTUI_SPARSE_HP"))) z->with_hp = z->with_hp_in = 0;
}

/* The sparse tallies key a triple as one 64-bit number (source,
 * destination, port): true up to 2^24 internal hosts on all 65536 ports. */
static int triple_keys_fit(const engine *e)
{
    uint64_t nsp = e->sp_int.n ? e->sp_int.n : 1;
    return (uint64_t)e->nint * e->nint <= UINT64_MAX / nsp;
}

/* The pass keeps hour cells and timelines time-major (the rows come sorted
 * by time, so the current hour's cells stay in the cache); facts read them
 * host-major. */
static int to_host_major(engine *e)
{
    size_t ni = e->nint, nb = e->nbuckets;
    hour_cell *ih = zalloc(ni * 24 + 1, sizeof *ih);
    if (!ih) return -1;
    for (size_t a = 0; a < ni; a++)
        for (size_t h = 0; h < 24; h++) ih[a * 24 + h] = e->f.ih[h * ni + a];
    zfree(e->f.ih);
    e->f.ih = ih;
    if (!e->f.tl) return 0;
    e->tl_sent = malloc((ni * nb + 1) * 4);
    e->tl_recv = malloc((ni * nb + 1) * 4);
    if (!e->tl_sent || !e->tl_recv) return -1;
    for (size_t a = 0; a < ni; a++)
        for (size_t k = 0; k < nb; k++) {
            e->tl_sent[a * nb + k] = e->f.tl[(k * ni + a) * 2];
            e->tl_recv[a * nb + k] = e->f.tl[(k * ni + a) * 2 + 1];
        }
    zfree(e->f.tl);
    e->f.tl = NULL;
    return 0;
}

static int alloc_derived(engine *e)
{
    e->port_ext_sources = calloc(e->nports + 1, 4);
    e->port_int_senders = calloc(e->nports + 1, 4);
    e->int_out_peers = calloc(e->nint + 1, 4);
    e->int_in_peers = calloc(e->nint + 1, 4);
    e->port_z = malloc((e->nports + 1) * sizeof *e->port_z);
    e->port_z_host = malloc((e->nports + 1) * sizeof *e->port_z_host);
    e->excluded = calloc(e->nhosts + 1, 1);
    if (!e->port_ext_sources || !e->port_int_senders || !e->int_out_peers || !e->int_in_peers
        || !e->port_z || !e->port_z_host || !e->excluded)
        return -1;
    for (uint32_t k = 0; k < e->nports; k++) { e->port_z[k] = NAN; e->port_z_host[k] = HOST_NONE; }
    return 0;
}

engine *engine_build(const flow_table *t, const engine_options *o, char *err, size_t errlen)
{
    double t_start = util_clock(CLOCK_MONOTONIC), c_start = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    stage_timing = getenv("NETTUI_TIMING") && atoi(getenv("NETTUI_TIMING")) >= 2;
    engine_options def;
    if (!o) { engine_options_default(&def); o = &def; }
    engine *e = calloc(1, sizeof *e);
    if (!e) { snprintf(err, errlen, "out of memory for the engine."); return NULL; }
    e->t = t;
    e->opt = *o;
    e->nhosts = t->hosts.n;
    int nth = threads_for(o, t->n);
    pass_sizes z;
    if (choose_internal(e, o) || engine_index_internal(e) || index_ports_and_time(e, nth)) goto oom;
    if (!triple_keys_fit(e)) {
        snprintf(err, errlen, "%u internal hosts is more than the facts can index.", e->nint);
        engine_free(e);
        return NULL;
    }
    choose_sizes(e, &z);
    double c_pass = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    if (pass_run(e, &z, nth, stage_timing)) goto oom;
    double c_lists = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    if (engine_sparse_lists(e, nth)) goto oom;
    double c_after = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    if (to_host_major(e) || alloc_derived(e)) goto oom;
    pass_sizes kept = z;   /* the dense (host, port) tables went into the lists */
    kept.with_hp = kept.with_hp_in = 0;
    e->bytes_facts = partial_bytes(e, &kept, GROUP_A | GROUP_B) + engine_sparse_bytes(e);
    if (!z.with_inports && collect_in_lists(e, nth)) goto oom;
    double c_derive = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    derive_counts(e);
    engine_find_work_hours(e);
    double c_graphs = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    if (engine_build_port_graphs(e)) goto oom;
    double c_beacons = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    if (engine_find_beacon_series(e, nth)) goto oom;
    if (stage_timing)
        fprintf(stderr, "pre-scan %.3f lists %.3f derive %.3f graphs %.3f beacons %.3f (cpu s); %llu triples, %llu (host, port), facts %zu bytes\n",
                c_pass - c_start, c_after - c_lists, c_graphs - c_derive, c_beacons - c_graphs, util_clock(CLOCK_PROCESS_CPUTIME_ID) - c_beacons,
                (unsigned long long)e->ntri, (unsigned long long)e->nhp, e->bytes_facts);
    e->build_seconds = util_clock(CLOCK_MONOTONIC) - t_start;
    e->build_cpu_seconds = util_clock(CLOCK_PROCESS_CPUTIME_ID) - c_start;
    return e;
oom:
    snprintf(err, errlen, "out of memory while building the facts (%s).", strerror(ENOMEM));
    engine_free(e);
    return NULL;
}

void engine_free(engine *e)
{
    if (!e) return;
    partial_free(&e->f);
    free(e->sp_int.of); free(e->sp_int.pid); free(e->sp_out.of); free(e->sp_out.pid);
    free(e->sp_in.of); free(e->sp_in.pid);
    free(e->in_off); free(e->in_pid);
    free(e->int_index); free(e->int_host); free(e->port_list); free(e->tl_sent); free(e->tl_recv);
    free(e->port_ext_sources); free(e->port_int_senders); free(e->int_out_peers); free(e->int_in_peers);
    free(e->tri_off); free(e->tri); free(e->tri_port); free(e->tri_in_off); free(e->tri_in_src); free(e->tri_in_port);
    free(e->hp_off); free(e->hp_pid); free(e->hp);
    free(e->edge_off); free(e->edges); free(e->node_off); free(e->nodes); free(e->clique_bound);
    free(e->series); free(e->beacon_ts); free(e->bgroups);
    clique_cache_free(e);
    for (int k = 0; k < DETECTOR_COUNT; k++) free(e->members[k]);
    free(e->port_z); free(e->port_z_host); free(e->found_series); free(e->found_copy); free(e->excluded);
    free(e);
}

const flow_table *engine_table(const engine *e)
{
    return e->t;
}

