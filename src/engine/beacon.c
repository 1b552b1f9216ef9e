/* beacon.c: finding periodic call series (internal bot -> external callee).
 *
 * The fused pass keeps, per external host, a majority vote over the
 * (bytes, port) of the flows internal hosts sent it. A callee that receives
 * mostly one size on one port (a beacon's signature) and enough calls is a
 * candidate; a second pass reads only the flows to candidates that carry that
 * size and port, groups them into series per (bot, callee), and tests each
 * series for regular timing. Memory stays bounded: candidates are taken,
 * purest first, until their flows reach BEACON_CAP_FLOWS.
 *
 * The timing test (beacon_series_test) passes a series when either
 *  A. its inter-arrival times are regular: at least 70% lie within 10% of the
 *     median gap, and the median gap is at least 30 s (any period, jitter up
 *     to a tenth of it: a 13-minute period with +-20 s jitter passes), or
 *  B. its calls land on a few fixed minutes of the hour: folded onto the
 *     hour, at least 80% of at least 24 calls spread over 6+ hours fall into
 *     at most 6 two-minute windows (the CTF's "fixed minutes", even when a bot
 *     calls at several minutes so its gaps differ).
 * Random arrivals fail both: exponential gaps put ~7% within 10% of their
 * median, and uniform phases put ~20% into six two-minute windows. */
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

#define BEACON_MIN_CALLS 8
#define BEACON_CAP_FLOWS (4u << 20)
#define PHASE_MIN_CALLS 24
#define PHASE_WINDOW_MS 120000
#define PHASE_MAX_WINDOWS 6

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Test B: fold onto the hour and cover with few windows. */
static int phase_test(const int64_t *ts, size_t n, double *jitter_s)
{
    if (n < PHASE_MIN_CALLS || ts[n - 1] - ts[0] < 6 * HOUR_MS) return 0;
    int64_t *ph = malloc(n * 2 * sizeof *ph);
    uint8_t *alive = malloc(n);
    if (!ph || !alive) { free(ph); free(alive); return 0; }
    for (size_t k = 0; k < n; k++) {
        int64_t r = ts[k] % HOUR_MS;
        ph[k] = r < 0 ? r + HOUR_MS : r;
    }
    qsort(ph, n, sizeof *ph, cmp_i64);
    memset(alive, 1, n);
    size_t covered = 0;
    double dev = 0;
    int64_t *lst = ph + n;   /* scratch: alive phases */
    size_t *idx = malloc(n * sizeof *idx);
    if (!idx) { free(ph); free(alive); return 0; }
    for (int w = 0; w < PHASE_MAX_WINDOWS && covered * 10 < n * 8; w++) {
        size_t m = 0;
        for (size_t k = 0; k < n; k++) if (alive[k]) { lst[m] = ph[k]; idx[m] = k; m++; }
        if (!m) break;
        /* circular two pointers: window starts at lst[a], covers lst[a..] up to +W, wrapping */
        size_t best = 0, best_a = 0, b = 0;
        for (size_t a = 0; a < m; a++) {
            if (b < a + 1) b = a + 1;
            while (b < a + m) {
                int64_t v = b < m ? lst[b] : lst[b - m] + HOUR_MS;
                if (v - lst[a] > PHASE_WINDOW_MS) break;
                b++;
            }
            if (b - a > best) { best = b - a; best_a = a; }
        }
        /* centre: the median of the window's phases */
        size_t mid = best_a + best / 2;
        int64_t centre = mid < m ? lst[mid] : lst[mid - m] + HOUR_MS;
        for (size_t k = 0; k < best; k++) {
            size_t j = (best_a + k) % m;
            int64_t v = lst[j] + (best_a + k >= m ? HOUR_MS : 0);
            dev += fabs((double)(v - centre));
            alive[idx[j]] = 0;
        }
        covered += best;
    }
    free(ph); free(alive); free(idx);
    if (covered * 10 < n * 8) return 0;
    *jitter_s = dev / (double)covered / 1000.0;
    return 1;
}

int beacon_series_test(const int64_t *ts, size_t n, double *period_s, double *jitter_s)
{
    if (n < BEACON_MIN_CALLS) return 0;
    size_t ng = n - 1;
    double *g = malloc(ng * sizeof *g);
    if (!g) return 0;
    for (size_t k = 0; k < ng; k++) g[k] = (double)(ts[k + 1] - ts[k]);
    qsort(g, ng, sizeof *g, cmp_double);
    double m = ng % 2 ? g[ng / 2] : (g[ng / 2 - 1] + g[ng / 2]) / 2;
    *period_s = m / 1000.0;
    int ok = 0;
    if (m >= 30000.0) {
        double tol = 0.1 * m;
        size_t in = 0;
        for (size_t k = 0; k < ng; k++) {
            if (fabs(g[k] - m) <= tol) in++;
            g[k] = fabs(g[k] - m);
        }
        if (in * 10 >= ng * 7) {
            qsort(g, ng, sizeof *g, cmp_double);
            *jitter_s = (ng % 2 ? g[ng / 2] : (g[ng / 2 - 1] + g[ng / 2]) / 2) / 1000.0;
            ok = 1;
        }
    }
    free(g);
    if (ok) return 1;
    return phase_test(ts, n, jitter_s);
}

/* ---- the candidate pass -------------------------------------------------- */

typedef struct call {
    uint32_t cand, src;
    int64_t ts;
} call;

typedef struct collect_job {
    const engine *e;
    const uint32_t *cand_of;   /* [nhosts] candidate index or NO_INDEX */
    const uint64_t *cand_key;
    size_t lo, hi;
    call *v;
    size_t n, cap;
    int failed;
} collect_job;

static void *collect_thread(void *arg)
{
    collect_job *j = arg;
    const flow_table *t = j->e->t;
    const uint32_t *ii = j->e->int_index;
    for (size_t i = j->lo; i < j->hi; i++) {
        uint32_t c = j->cand_of[t->dst[i]];
        if (c == NO_INDEX) continue;
        host_id s = t->src[i];
        if (ii[s] == NO_INDEX) continue;
        uint64_t b = t->bytes[i];
        if (b == FLOWS_BYTES_BIG) b = flows_bytes_at(t, i);
        if (((b << 16) | t->port[i]) != j->cand_key[c]) continue;
        if (j->n == j->cap) {
            size_t cap = j->cap ? j->cap * 2 : 4096;
            call *nv = realloc(j->v, cap * sizeof *nv);
            if (!nv) { j->failed = 1; return NULL; }
            j->v = nv; j->cap = cap;
        }
        j->v[j->n].cand = c;
        j->v[j->n].src = s;
        j->v[j->n].ts = t->ts[i];
        j->n++;
    }
    return NULL;
}

typedef struct cand_rank {
    host_id h;
    double purity;
    uint32_t flows;
} cand_rank;

static int cmp_cand(const void *a, const void *b)
{
    const cand_rank *x = a, *y = b;
    if (x->purity != y->purity) return x->purity > y->purity ? -1 : 1;
    return (x->h > y->h) - (x->h < y->h);
}

static int cmp_call_src_ts(const void *a, const void *b)
{
    const call *x = a, *y = b;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    return (x->ts > y->ts) - (x->ts < y->ts);
}

static int add_series(engine *e, size_t *cap_s, size_t *cap_ts, host_id src, host_id dst, uint64_t key,
                      const call *c, size_t n, double period, double jitter)
{
    if (e->nseries == *cap_s) {
        size_t cap = *cap_s ? *cap_s * 2 : 64;
        series_rec *ns = realloc(e->series, cap * sizeof *ns);
        if (!ns) return -1;
        e->series = ns; *cap_s = cap;
    }
    if (e->nbeacon_ts + n > *cap_ts) {
        size_t cap = *cap_ts ? *cap_ts : 1024;
        while (cap < e->nbeacon_ts + n) cap *= 2;
        int64_t *nt = realloc(e->beacon_ts, cap * sizeof *nt);
        if (!nt) return -1;
        e->beacon_ts = nt; *cap_ts = cap;
    }
    series_rec *r = &e->series[e->nseries++];
    r->s.src = src; r->s.dst = dst;
    r->s.port = (uint16_t)(key & 0xffff);
    r->s.bytes = (uint32_t)((key >> 16) > UINT32_MAX ? UINT32_MAX : key >> 16);
    r->s.calls = (uint32_t)n;
    r->s.period_s = period;
    r->s.jitter_s = jitter;
    r->ts_off = e->nbeacon_ts;
    for (size_t k = 0; k < n; k++) e->beacon_ts[e->nbeacon_ts++] = c[k].ts;
    return 0;
}

int engine_find_beacon_series(engine *e, int threads)
{
    const partial *p = &e->f;
    size_t nc = 0;
    cand_rank *cr = NULL;
    for (uint32_t h = 0; h < e->nhosts; h++) {
        uint32_t n = p->hs[h].recv_flows[PEER_INTERNAL];
        if (e->int_index[h] != NO_INDEX || n < BEACON_MIN_CALLS) continue;
        if ((uint64_t)p->bm[h].count * 4 < n) continue;   /* no clear majority size and port */
        nc++;
    }
    if (nc == 0) return 0;
    cr = malloc(nc * sizeof *cr);
    if (!cr) return -1;
    nc = 0;
    for (uint32_t h = 0; h < e->nhosts; h++) {
        uint32_t n = p->hs[h].recv_flows[PEER_INTERNAL];
        if (e->int_index[h] != NO_INDEX || n < BEACON_MIN_CALLS) continue;
        if ((uint64_t)p->bm[h].count * 4 < n) continue;
        cr[nc].h = h; cr[nc].flows = n; cr[nc].purity = (double)p->bm[h].count / n;
        nc++;
    }
    qsort(cr, nc, sizeof *cr, cmp_cand);
    uint64_t total = 0;
    size_t keep = 0;
    while (keep < nc && total + cr[keep].flows <= BEACON_CAP_FLOWS) total += cr[keep++].flows;
    e->beacon_candidates_flows = total;
    if (keep == 0) { free(cr); return 0; }

    uint32_t *cand_of = malloc((e->nhosts + 1) * sizeof *cand_of);
    uint64_t *cand_key = malloc(keep * sizeof *cand_key);
    host_id *cand_host = malloc(keep * sizeof *cand_host);
    collect_job *jobs = calloc((size_t)threads, sizeof *jobs);
    if (!cand_of || !cand_key || !cand_host || !jobs) goto fail;
    for (uint32_t h = 0; h < e->nhosts; h++) cand_of[h] = NO_INDEX;
    for (size_t k = 0; k < keep; k++) {
        cand_of[cr[k].h] = (uint32_t)k;
        cand_key[k] = p->bm[cr[k].h].key;
        cand_host[k] = cr[k].h;
    }
    const size_t n = e->t->n;
    for (int k = 0; k < threads; k++) {
        jobs[k].e = e; jobs[k].cand_of = cand_of; jobs[k].cand_key = cand_key;
        jobs[k].lo = n * (size_t)k / (size_t)threads;
        jobs[k].hi = n * (size_t)(k + 1) / (size_t)threads;
    }
    {
        pthread_t th[64];
        int started = 0;
        for (int k = 1; k < threads; k++) {
            if (pthread_create(&th[k], NULL, collect_thread, &jobs[k])) break;
            started = k;
        }
        collect_thread(&jobs[0]);
        for (int k = started + 1; k < threads; k++) collect_thread(&jobs[k]);
        for (int k = 1; k <= started; k++) pthread_join(th[k], NULL);
    }
    size_t ncalls = 0;
    for (int k = 0; k < threads; k++) { if (jobs[k].failed) goto fail; ncalls += jobs[k].n; }

    /* counting sort by candidate, row order kept */
    size_t *off = calloc(keep + 1, sizeof *off);
    call *all = malloc((ncalls + 1) * sizeof *all);
    if (!off || !all) { free(off); free(all); goto fail; }
    for (int k = 0; k < threads; k++)
        for (size_t i = 0; i < jobs[k].n; i++) off[jobs[k].v[i].cand + 1]++;
    for (size_t k = 0; k < keep; k++) off[k + 1] += off[k];
    {
        size_t *pos = malloc((keep + 1) * sizeof *pos);
        if (!pos) { free(off); free(all); goto fail; }
        memcpy(pos, off, (keep + 1) * sizeof *pos);
        for (int k = 0; k < threads; k++)
            for (size_t i = 0; i < jobs[k].n; i++) all[pos[jobs[k].v[i].cand]++] = jobs[k].v[i];
        free(pos);
    }
    for (int k = 0; k < threads; k++) { free(jobs[k].v); jobs[k].v = NULL; }

    size_t cap_s = 0, cap_ts = 0;
    for (size_t c = 0; c < keep; c++) {
        size_t a = off[c], b = off[c + 1];
        /* the vote's key must be a true majority of what the callee received */
        if ((b - a) * 2 < p->hs[cand_host[c]].recv_flows[PEER_INTERNAL]) continue;
        qsort(all + a, b - a, sizeof *all, cmp_call_src_ts);
        int64_t *tsbuf = malloc((b - a + 1) * sizeof *tsbuf);
        if (!tsbuf) { free(off); free(all); goto fail; }
        for (size_t i = a; i < b;) {
            size_t j = i;
            while (j < b && all[j].src == all[i].src) j++;
            size_t m = j - i;
            for (size_t k = 0; k < m; k++) tsbuf[k] = all[i + k].ts;
            double period = 0, jitter = 0;
            if (beacon_series_test(tsbuf, m, &period, &jitter)
                && add_series(e, &cap_s, &cap_ts, all[i].src, cand_host[c], cand_key[c], all + i, m, period, jitter)) {
                free(tsbuf); free(off); free(all); goto fail;
            }
            i = j;
        }
        free(tsbuf);
    }
    free(off); free(all);
    free(cand_of); free(cand_key); free(cand_host); free(jobs); free(cr);
    return 0;
fail:
    if (jobs) for (int k = 0; k < threads; k++) free(jobs[k].v);
    free(cand_of); free(cand_key); free(cand_host); free(jobs); free(cr);
    return -1;
}
