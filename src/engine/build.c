/* build.c: engine_build(), the fused pass that turns the flow table into facts.
 *
 * One pre-scan of the port and time columns fixes the dense port ids and the
 * timeline's shape; then one pass over all columns, split by row range across
 * threads, fills every aggregate (each thread its own copy, merged after);
 * then small derived facts (distinct counts, port graphs, work hours) and the
 * beacon pass, which reads only the flows to a few candidate callees. */
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine_priv.h"

/* Memory a single aggregate may take before it is left out (its detector
 * then says so): keeps a hostile file from blowing up the facts. */
#define BUDGET_PAIRS   (256u << 20)
#define BUDGET_HP      (256u << 20)
#define BUDGET_INPORTS (256u << 20)
#define BUDGET_TIMELINE (64u << 20)
#define MAX_BUCKETS 512

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 33; x *= 0xff51afd7ed558ccdULL;
    x ^= x >> 33; x *= 0xc4ceb9fe1a85ec53ULL;
    x ^= x >> 33;
    return x;
}

static inline void hll_add(uint8_t *reg, uint32_t v)
{
    uint64_t h = mix64((uint64_t)v + 0x9e3779b97f4a7c15ULL);
    uint32_t idx = (uint32_t)(h >> 56);              /* HLL_M == 256 */
    uint64_t rest = (h << 8) | 0x80;                  /* never zero */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (reg[idx] < rank) reg[idx] = rank;
}

static inline void ss_add(ss_slot *s, uint32_t h)
{
    int min = 0;
    for (int k = 0; k < SS_K; k++) {
        if (s[k].host == h) { s[k].count++; return; }
        if (s[k].count < s[min].count) min = k;
    }
    s[min].host = h;
    s[min].count++;
}

static inline void bm_add(bm_vote *v, uint64_t key)
{
    if (v->count == 0) { v->key = key; v->count = 1; }
    else if (v->key == key) v->count++;
    else v->count--;
}

/* ---- partials ------------------------------------------------------------- */

static void partial_free(partial *p)
{
    free(p->tl_all); free(p->port_flows); free(p->port_bytes); free(p->port_out_flows);
    free(p->port_out_bytes); free(p->port_in_flows); free(p->port_int_flows);
    free(p->hs); free(p->ext_dst1); free(p->in_ports); free(p->bm);
    free(p->ihour_flows); free(p->ihour_bytes); free(p->iout_hour_bytes);
    free(p->tl_sent); free(p->tl_recv); free(p->hll); free(p->ss); free(p->hp); free(p->pairs);
    memset(p, 0, sizeof *p);
}

typedef struct sizes {
    int with_pairs, with_hp, with_inports, with_timeline;
} sizes;

static size_t partial_bytes(const engine *e, const sizes *z)
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets;
    size_t b = nb * 4 + np * 8 * 6 + nh * (sizeof(host_stat) + 4 + sizeof(bm_vote))
             + ni * (24 * 4 + 24 * 8 * 2 + 2 * HLL_M + 2 * SS_K * sizeof(ss_slot));
    if (z->with_timeline) b += ni * nb * 8;
    if (z->with_inports) b += nh * e->pw * 8;
    if (z->with_hp) b += ni * np * sizeof(host_port_stat);
    if (z->with_pairs) b += ni * ni * e->pstride * 8;
    return b;
}

static int partial_alloc(const engine *e, const sizes *z, partial *p)
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets;
    memset(p, 0, sizeof *p);
    p->tl_all = calloc(nb ? nb : 1, 4);
    p->port_flows = calloc(np + 1, 8); p->port_bytes = calloc(np + 1, 8);
    p->port_out_flows = calloc(np + 1, 8); p->port_out_bytes = calloc(np + 1, 8);
    p->port_in_flows = calloc(np + 1, 8); p->port_int_flows = calloc(np + 1, 8);
    p->hs = calloc(nh + 1, sizeof *p->hs);
    p->ext_dst1 = malloc((nh + 1) * 4);
    p->bm = calloc(nh + 1, sizeof *p->bm);
    p->ihour_flows = calloc(ni * 24 + 1, 4);
    p->ihour_bytes = calloc(ni * 24 + 1, 8);
    p->iout_hour_bytes = calloc(ni * 24 + 1, 8);
    p->hll = calloc(ni * 2 * HLL_M + 1, 1);
    p->ss = malloc((ni * 2 * SS_K + 1) * sizeof *p->ss);
    if (z->with_timeline) { p->tl_sent = calloc(ni * nb + 1, 4); p->tl_recv = calloc(ni * nb + 1, 4); }
    if (z->with_inports) p->in_ports = calloc(nh * e->pw + 1, 8);
    if (z->with_hp) p->hp = calloc(ni * np + 1, sizeof *p->hp);
    if (z->with_pairs) p->pairs = calloc(ni * ni * e->pstride + 1, 8);
    if (!p->tl_all || !p->port_flows || !p->port_bytes || !p->port_out_flows || !p->port_out_bytes
        || !p->port_in_flows || !p->port_int_flows || !p->hs || !p->ext_dst1 || !p->bm
        || !p->ihour_flows || !p->ihour_bytes || !p->iout_hour_bytes || !p->hll || !p->ss
        || (z->with_timeline && (!p->tl_sent || !p->tl_recv))
        || (z->with_inports && !p->in_ports) || (z->with_hp && !p->hp)
        || (z->with_pairs && !p->pairs)) {
        partial_free(p);
        return -1;
    }
    for (size_t h = 0; h < nh; h++) {
        p->hs[h].first_ms = INT64_MAX;
        p->hs[h].last_ms = INT64_MIN;
        p->ext_dst1[h] = NO_INDEX;
    }
    for (size_t k = 0; k < ni * 2 * SS_K; k++) { p->ss[k].host = HOST_NONE; p->ss[k].count = 0; }
    return 0;
}

/* ---- the fused pass ------------------------------------------------------- */

typedef struct pass_job {
    const engine *e;
    partial *p;
    size_t lo, hi;
} pass_job;

static void pass_rows(const engine *e, partial *p, size_t lo, size_t hi)
{
    const flow_table *t = e->t;
    const uint32_t *ii = e->int_index;
    const uint32_t nb = e->nbuckets, np = e->nports, pw = e->pw;
    const int64_t t0 = e->t0_ms, bms = e->bucket_ms;
    enum { PF = 12 };
    for (size_t i = lo; i < hi; i++) {
        /* The pair matrix is the one aggregate too big for the caches: fetch
         * a row's entry a few rows ahead. */
        if (p->pairs && i + PF < hi) {
            uint32_t a = ii[t->src[i + PF]], b = ii[t->dst[i + PF]];
            if (a != NO_INDEX && b != NO_INDEX) __builtin_prefetch(pair_at(e, p, a, b), 1);
        }
        const int64_t ts = t->ts[i];
        const host_id s = t->src[i], d = t->dst[i];
        const uint16_t port = t->port[i];
        uint64_t b = t->bytes[i];
        if (b == FLOWS_BYTES_BIG) b = flows_bytes_at(t, i);
        const uint32_t pid = (uint32_t)e->port_id[port];
        const int64_t hq = floor_div(ts, HOUR_MS);
        const int hour = (int)(hq - floor_div(hq, 24) * 24);
        const uint32_t bucket = (uint32_t)((ts - t0) / bms);
        const uint32_t si = ii[s], di = ii[d];
        const int sc = si != NO_INDEX ? PEER_INTERNAL : PEER_EXTERNAL;
        const int dc = di != NO_INDEX ? PEER_INTERNAL : PEER_EXTERNAL;

        p->hour_flows[hour]++;
        p->hour_bytes[hour] += b;
        p->tl_all[bucket]++;
        p->port_flows[pid]++;
        p->port_bytes[pid] += b;
        host_stat *hs = &p->hs[s];
        hs->sent_flows[dc]++;
        hs->sent_bytes[dc] += b;
        if (ts < hs->first_ms) hs->first_ms = ts;
        if (ts > hs->last_ms) hs->last_ms = ts;
        host_stat *hd = &p->hs[d];
        hd->recv_flows[sc]++;
        hd->recv_bytes[sc] += b;
        if (ts < hd->first_ms) hd->first_ms = ts;
        if (ts > hd->last_ms) hd->last_ms = ts;

        if (si != NO_INDEX) {
            p->ihour_flows[(size_t)si * 24 + hour]++;
            p->ihour_bytes[(size_t)si * 24 + hour] += b;
            if (p->tl_sent) p->tl_sent[(size_t)si * nb + bucket]++;
            if (di != NO_INDEX) {
                p->port_int_flows[pid]++;
                if (p->pairs) {
                    uint64_t *pe = pair_at(e, p, si, di);
                    if ((uint32_t)pe[0] == 0) pe[0] = (uint64_t)i << 32;
                    if ((uint32_t)pe[0] != UINT32_MAX) pe[0]++;
                    pe[1 + (pid >> 6)] |= 1ULL << (pid & 63);
                }
            } else {
                p->port_out_flows[pid]++;
                p->port_out_bytes[pid] += b;
                p->iout_hour_bytes[(size_t)si * 24 + hour] += b;
                if (p->hp) {
                    host_port_stat *h = &p->hp[(size_t)si * np + pid];
                    h->out_bytes += b;
                    h->out_flows++;
                }
                hll_add(p->hll + (size_t)si * 2 * HLL_M, d);
                ss_add(p->ss + (size_t)si * 2 * SS_K, d);
                bm_add(&p->bm[d], (b << 16) | port);
            }
        }
        if (di != NO_INDEX) {
            if (si != di) {
                p->ihour_flows[(size_t)di * 24 + hour]++;
                p->ihour_bytes[(size_t)di * 24 + hour] += b;
            }
            if (p->tl_recv) p->tl_recv[(size_t)di * nb + bucket]++;
            if (si == NO_INDEX) {
                p->port_in_flows[pid]++;
                if (p->hp) p->hp[(size_t)di * np + pid].in_flows++;
                uint32_t *x = &p->ext_dst1[s];
                if (*x == NO_INDEX) *x = d;
                else if (*x != d) *x = DST_MULTI;
                if (p->in_ports) p->in_ports[(size_t)s * pw + (pid >> 6)] |= 1ULL << (pid & 63);
                hll_add(p->hll + ((size_t)di * 2 + 1) * HLL_M, s);
                ss_add(p->ss + ((size_t)di * 2 + 1) * SS_K, s);
            }
        }
    }
}

static void *pass_thread(void *arg)
{
    pass_job *j = arg;
    pass_rows(j->e, j->p, j->lo, j->hi);
    return NULL;
}

/* Folds b into a. b covers later rows than a. */
static void ss_merge(ss_slot *a, const ss_slot *b)
{
    ss_slot all[2 * SS_K];
    int n = 0;
    for (int k = 0; k < SS_K; k++) if (a[k].host != HOST_NONE) all[n++] = a[k];
    for (int k = 0; k < SS_K; k++) {
        if (b[k].host == HOST_NONE) continue;
        int found = 0;
        for (int m = 0; m < n; m++)
            if (all[m].host == b[k].host) { all[m].count += b[k].count; found = 1; break; }
        if (!found) all[n++] = b[k];
    }
    /* keep the SS_K largest */
    for (int k = 0; k < SS_K; k++) {
        int best = -1;
        for (int m = 0; m < n; m++)
            if (all[m].host != HOST_NONE && (best < 0 || all[m].count > all[best].count)) best = m;
        if (best < 0) { a[k].host = HOST_NONE; a[k].count = 0; continue; }
        a[k] = all[best];
        all[best].host = HOST_NONE;
    }
}

static void partial_merge(const engine *e, partial *a, const partial *b)
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets;
    for (int h = 0; h < 24; h++) { a->hour_flows[h] += b->hour_flows[h]; a->hour_bytes[h] += b->hour_bytes[h]; }
    for (size_t k = 0; k < nb; k++) a->tl_all[k] += b->tl_all[k];
    for (size_t k = 0; k < np; k++) {
        a->port_flows[k] += b->port_flows[k]; a->port_bytes[k] += b->port_bytes[k];
        a->port_out_flows[k] += b->port_out_flows[k]; a->port_out_bytes[k] += b->port_out_bytes[k];
        a->port_in_flows[k] += b->port_in_flows[k]; a->port_int_flows[k] += b->port_int_flows[k];
    }
    for (size_t h = 0; h < nh; h++) {
        host_stat *x = &a->hs[h];
        const host_stat *y = &b->hs[h];
        for (int c = 0; c < 2; c++) {
            x->sent_flows[c] += y->sent_flows[c]; x->recv_flows[c] += y->recv_flows[c];
            x->sent_bytes[c] += y->sent_bytes[c]; x->recv_bytes[c] += y->recv_bytes[c];
        }
        if (y->first_ms < x->first_ms) x->first_ms = y->first_ms;
        if (y->last_ms > x->last_ms) x->last_ms = y->last_ms;
        uint32_t u = a->ext_dst1[h], v = b->ext_dst1[h];
        if (u == NO_INDEX) a->ext_dst1[h] = v;
        else if (v != NO_INDEX && v != u) a->ext_dst1[h] = DST_MULTI;
        bm_vote *va = &a->bm[h];
        const bm_vote *vb = &b->bm[h];
        if (vb->count) {
            if (va->count == 0 || va->key == vb->key) { va->key = vb->key; va->count += vb->count; }
            else if (vb->count > va->count) { va->key = vb->key; va->count = vb->count - va->count; }
            else va->count -= vb->count;
        }
    }
    if (a->in_ports) for (size_t k = 0; k < nh * e->pw; k++) a->in_ports[k] |= b->in_ports[k];
    for (size_t k = 0; k < ni * 24; k++) {
        a->ihour_flows[k] += b->ihour_flows[k];
        a->ihour_bytes[k] += b->ihour_bytes[k];
        a->iout_hour_bytes[k] += b->iout_hour_bytes[k];
    }
    if (a->tl_sent)
        for (size_t k = 0; k < ni * nb; k++) { a->tl_sent[k] += b->tl_sent[k]; a->tl_recv[k] += b->tl_recv[k]; }
    for (size_t k = 0; k < ni * 2 * HLL_M; k++) if (b->hll[k] > a->hll[k]) a->hll[k] = b->hll[k];
    for (size_t k = 0; k < ni * 2; k++) ss_merge(a->ss + k * SS_K, b->ss + k * SS_K);
    if (a->hp)
        for (size_t k = 0; k < ni * np; k++) {
            a->hp[k].out_bytes += b->hp[k].out_bytes;
            a->hp[k].out_flows += b->hp[k].out_flows;
            a->hp[k].in_flows += b->hp[k].in_flows;
        }
    if (a->pairs) {
        size_t n = ni * ni, st = e->pstride;
        for (size_t k = 0; k < n; k++) {
            uint64_t *x = a->pairs + k * st;
            const uint64_t *y = b->pairs + k * st;
            uint32_t cy = (uint32_t)y[0];
            if (!cy) continue;
            uint32_t cx = (uint32_t)x[0];
            uint64_t c = (uint64_t)cx + cy;
            if (c > UINT32_MAX) c = UINT32_MAX;
            uint64_t first = cx ? (x[0] >> 32) : (y[0] >> 32);
            x[0] = (first << 32) | c;
            for (uint32_t w = 1; w < st; w++) x[w] |= y[w];
        }
    }
}

/* ---- pre-scan: ports and time span ----------------------------------------- */

typedef struct scan_job {
    const flow_table *t;
    size_t lo, hi;
    uint8_t seen[65536];
    int64_t tmin, tmax;
} scan_job;

static void *scan_thread(void *arg)
{
    scan_job *j = arg;
    const uint16_t *port = j->t->port;
    const int64_t *ts = j->t->ts;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (size_t i = j->lo; i < j->hi; i++) {
        j->seen[port[i]] = 1;
        if (ts[i] < lo) lo = ts[i];
        if (ts[i] > hi) hi = ts[i];
    }
    j->tmin = lo; j->tmax = hi;
    return NULL;
}

static int run_threads(int n, void *(*fn)(void *), void *jobs, size_t job_size)
{
    pthread_t th[64];
    int started = 0;
    for (int k = 1; k < n; k++) {
        if (pthread_create(&th[k], NULL, fn, (char *)jobs + (size_t)k * job_size)) break;
        started = k;
    }
    fn(jobs);
    /* a thread that could not start runs here */
    for (int k = started + 1; k < n; k++) fn((char *)jobs + (size_t)k * job_size);
    for (int k = 1; k <= started; k++) pthread_join(th[k], NULL);
    return 0;
}

static int threads_for(const engine_options *o, size_t n)
{
    long c = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    if (c < 1) c = 1;
    if (c > 64) c = 64;
    size_t by_rows = n / 500000 + 1;   /* small tables are not worth a thread */
    if ((size_t)c > by_rows) c = (long)by_rows;
    return (int)c;
}

/* ---- derived facts ---------------------------------------------------------- */

static void derive_counts(engine *e)
{
    const partial *p = &e->f;
    size_t np = e->nports, ni = e->nint;
    if (p->in_ports)
        for (size_t h = 0; h < e->nhosts; h++) {
            const uint64_t *w = p->in_ports + h * e->pw;
            for (uint32_t k = 0; k < e->pw; k++) {
                uint64_t m = w[k];
                while (m) {
                    int b = __builtin_ctzll(m);
                    m &= m - 1;
                    e->port_ext_sources[k * 64 + (uint32_t)b]++;
                }
            }
        }
    if (p->hp)
        for (size_t a = 0; a < ni; a++)
            for (size_t k = 0; k < np; k++)
                if (p->hp[a * np + k].out_flows) e->port_int_senders[k]++;
    if (p->pairs)
        for (uint32_t a = 0; a < ni; a++)
            for (uint32_t b = 0; b < ni; b++)
                if (a != b && (uint32_t)pair_at(e, p, a, b)[0]) { e->int_out_peers[a]++; e->int_in_peers[b]++; }
}

void engine_options_default(engine_options *o)
{
    o->work_start = o->work_end = -1;
    o->threads = 0;
}

engine *engine_build(const flow_table *t, const engine_options *o, char *err, size_t errlen)
{
    double t_start = now_seconds();
    engine_options def;
    if (!o) { engine_options_default(&def); o = &def; }
    engine *e = calloc(1, sizeof *e);
    if (!e) { snprintf(err, errlen, "out of memory for the engine."); return NULL; }
    e->t = t;
    e->opt = *o;
    e->nhosts = t->hosts.n;
    int nth = threads_for(o, t->n);

    /* internal index */
    e->int_index = malloc((e->nhosts + 1) * sizeof *e->int_index);
    e->int_host = malloc((e->nhosts + 1) * sizeof *e->int_host);
    if (!e->int_index || !e->int_host) goto oom;
    for (uint32_t h = 0; h < e->nhosts; h++) {
        if (t->hosts.internal[h]) { e->int_index[h] = e->nint; e->int_host[e->nint++] = h; }
        else e->int_index[h] = NO_INDEX;
    }

    /* ports and time span */
    {
        scan_job *jobs = calloc((size_t)nth, sizeof *jobs);
        if (!jobs) goto oom;
        for (int k = 0; k < nth; k++) {
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
        for (int pnum = 0; pnum < 65536; pnum++) {
            int seen = 0;
            for (int k = 0; k < nth; k++) seen |= jobs[k].seen[pnum];
            e->port_id[pnum] = seen ? (int32_t)e->nports++ : -1;
        }
        free(jobs);
        if (t->n == 0) tmin = tmax = 0;
        e->port_list = malloc((e->nports + 1) * sizeof *e->port_list);
        if (!e->port_list) goto oom;
        for (int pnum = 0; pnum < 65536; pnum++)
            if (e->port_id[pnum] >= 0) e->port_list[e->port_id[pnum]] = (uint16_t)pnum;
        e->pw = (e->nports + 63) / 64;
        if (e->pw == 0) e->pw = 1;
        e->pstride = 1 + e->pw;
        e->t0_ms = floor_div(tmin, HOUR_MS) * HOUR_MS;
        uint64_t hours = (uint64_t)((tmax - e->t0_ms) / HOUR_MS) + 1;
        uint64_t width = (hours + MAX_BUCKETS - 1) / MAX_BUCKETS;
        while (width < hours && (uint64_t)e->nint * ((hours + width - 1) / width) * 8 > BUDGET_TIMELINE) width *= 2;
        e->bucket_ms = (int64_t)width * HOUR_MS;
        e->nbuckets = (uint32_t)((tmax - e->t0_ms) / e->bucket_ms) + 1;
    }

    /* what fits */
    sizes z = {0};
    z.with_timeline = (uint64_t)e->nint * e->nbuckets * 8 <= BUDGET_TIMELINE;
    z.with_inports = (uint64_t)e->nhosts * e->pw * 8 <= BUDGET_INPORTS;
    z.with_hp = (uint64_t)e->nint * e->nports * sizeof(host_port_stat) <= BUDGET_HP;
    z.with_pairs = (uint64_t)e->nint * e->nint * e->pstride * 8 <= BUDGET_PAIRS && e->nint < 65536;
    /* more threads only while their copies stay small next to the table */
    size_t pb = partial_bytes(e, &z);
    while (nth > 1 && pb * (size_t)nth > 64u * 1024 * 1024 + t->n * 4) nth--;

    partial *parts = calloc((size_t)nth, sizeof *parts);
    pass_job *jobs = calloc((size_t)nth, sizeof *jobs);
    if (!parts || !jobs) { free(parts); free(jobs); goto oom; }
    for (int k = 0; k < nth; k++) {
        if (partial_alloc(e, &z, &parts[k])) {
            for (int m = 0; m < k; m++) partial_free(&parts[m]);
            free(parts); free(jobs);
            goto oom;
        }
        jobs[k].e = e;
        jobs[k].p = &parts[k];
        jobs[k].lo = t->n * (size_t)k / (size_t)nth;
        jobs[k].hi = t->n * (size_t)(k + 1) / (size_t)nth;
    }
    run_threads(nth, pass_thread, jobs, sizeof *jobs);
    for (int k = 1; k < nth; k++) { partial_merge(e, &parts[0], &parts[k]); partial_free(&parts[k]); }
    e->f = parts[0];
    free(parts);
    free(jobs);
    e->bytes_facts = pb;

    e->port_ext_sources = calloc(e->nports + 1, 4);
    e->port_int_senders = calloc(e->nports + 1, 4);
    e->int_out_peers = calloc(e->nint + 1, 4);
    e->int_in_peers = calloc(e->nint + 1, 4);
    e->port_z = malloc((e->nports + 1) * sizeof *e->port_z);
    e->port_z_host = malloc((e->nports + 1) * sizeof *e->port_z_host);
    e->excluded = calloc(e->nhosts + 1, 1);
    if (!e->port_ext_sources || !e->port_int_senders || !e->int_out_peers || !e->int_in_peers
        || !e->port_z || !e->port_z_host || !e->excluded)
        goto oom;
    for (uint32_t k = 0; k < e->nports; k++) { e->port_z[k] = NAN; e->port_z_host[k] = HOST_NONE; }
    derive_counts(e);
    engine_find_work_hours(e);
    if (engine_build_port_graphs(e)) goto oom;
    if (engine_find_beacon_series(e, nth)) goto oom;
    e->build_seconds = now_seconds() - t_start;
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
    free(e->int_index); free(e->int_host); free(e->port_list);
    free(e->port_ext_sources); free(e->port_int_senders); free(e->int_out_peers); free(e->int_in_peers);
    free(e->edge_off); free(e->edges); free(e->node_off); free(e->nodes); free(e->clique_bound);
    free(e->series); free(e->beacon_ts);
    for (int k = 0; k < DETECTOR_COUNT; k++) free(e->members[k]);
    free(e->port_z); free(e->port_z_host); free(e->found_series); free(e->found_copy); free(e->excluded);
    free(e);
}

const flow_table *engine_table(const engine *e)
{
    return e->t;
}

/* ---- work hours ---------------------------------------------------------------- */

static void why_printf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_printf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static void describe_hours(char *buf, size_t len, const uint8_t work[24])
{
    size_t off = 0;
    buf[0] = 0;
    /* runs of work hours, starting after an off hour so a run over midnight stays whole */
    int start = 0;
    while (start < 24 && work[start]) start++;
    if (start == 24) { snprintf(buf, len, "0-24"); return; }
    for (int k = 1; k <= 24; k++) {
        int h = (start + k) % 24;
        if (!work[h]) continue;
        int a = h, n = 0;
        while (n < 24 && work[(a + n) % 24]) n++;
        off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%d-%d", off ? "," : "", a, (a + n) % 24 ? (a + n) % 24 : 24);
        k += n - 1;
        if (off >= len) break;
    }
}

/* Work hours: split the 24 hourly connection counts into a low and a high
 * level at the gap that best separates them (two-means on log counts, the
 * threshold the geometric mean of the two levels' means), and call the high
 * hours work hours when the levels differ at least 2.5x. A flat profile
 * (another network, or no day rhythm) has no work hours, and then no hour is
 * "off". The override replaces the split. */
void engine_find_work_hours(engine *e)
{
    const uint64_t *c = e->f.hour_flows;
    facts_work_hours *w = &e->wh;
    memset(w, 0, sizeof *w);
    memset(e->work, 0, sizeof e->work);
    double lv[24];
    int order[24];
    for (int h = 0; h < 24; h++) { lv[h] = log((double)c[h] + 1.0); order[h] = h; }
    for (int a = 1; a < 24; a++)   /* sort hours by count, ascending */
        for (int b = a; b > 0 && lv[order[b]] < lv[order[b - 1]]; b--) { int x = order[b]; order[b] = order[b - 1]; order[b - 1] = x; }
    int best_split = -1;
    double best_cost = INFINITY;
    for (int k = 1; k < 24; k++) {  /* low: order[0..k-1], high: order[k..23] */
        double m1 = 0, m2 = 0, cost = 0;
        for (int i = 0; i < k; i++) m1 += lv[order[i]];
        for (int i = k; i < 24; i++) m2 += lv[order[i]];
        m1 /= k; m2 /= 24 - k;
        for (int i = 0; i < k; i++) cost += (lv[order[i]] - m1) * (lv[order[i]] - m1);
        for (int i = k; i < 24; i++) cost += (lv[order[i]] - m2) * (lv[order[i]] - m2);
        if (cost < best_cost) { best_cost = cost; best_split = k; }
    }
    double lo = 0, hi = 0;
    for (int i = 0; i < best_split; i++) lo += (double)c[order[i]];
    for (int i = best_split; i < 24; i++) hi += (double)c[order[i]];
    lo /= best_split; hi /= 24 - best_split;
    w->ratio = lo > 0 ? hi / lo : (hi > 0 ? INFINITY : 1.0);
    w->threshold = sqrt((lo > 0 ? lo : 1.0) * hi);

    if (e->opt.work_start >= 0 && e->opt.work_end >= 0) {
        int a = e->opt.work_start % 24, b = e->opt.work_end % 24;
        for (int h = a; ; h = (h + 1) % 24) { e->work[h] = 1; if ((h + 1) % 24 == b) break; }
        w->detected = 0;
        w->start = a; w->end = b;
        char hrs[96];
        describe_hours(hrs, sizeof hrs, e->work);
        why_printf(w->why, sizeof w->why, "Work hours %s UTC were set on the command line (the data's own split would give a %.1fx level ratio).", hrs, w->ratio);
        return;
    }
    w->detected = 1;
    if (!(w->ratio >= 2.5) || e->t->n == 0) {
        w->start = w->end = -1;
        snprintf(w->why, sizeof w->why, "No work hours: the busiest hours carry only %.1fx the connections of the quietest (2.5x needed), so no hour counts as off.", w->ratio);
        return;
    }
    for (int i = best_split; i < 24; i++) e->work[order[i]] = 1;
    /* start/end: the longest circular run */
    int best_len = 0, best_start = -1;
    for (int s = 0; s < 24; s++) {
        if (!e->work[s] || e->work[(s + 23) % 24]) continue;
        int n = 0;
        while (n < 24 && e->work[(s + n) % 24]) n++;
        if (n > best_len) { best_len = n; best_start = s; }
    }
    if (best_start < 0) { best_start = 0; best_len = 24; }
    w->start = best_start;
    w->end = (best_start + best_len) % 24;
    char hrs[96];
    describe_hours(hrs, sizeof hrs, e->work);
    why_printf(w->why, sizeof w->why,
             "Hours %s UTC are work hours: each carries %.0f connections over the file on average against %.0f for the other hours (%.1fx); the threshold %.0f is the geometric mean of the two levels.",
             hrs, hi, lo, w->ratio, w->threshold);
}
