/* beacon.c: the calls behind question 8, collected and tested at build.
 *
 * A second pass over the flows collects the calls internal hosts made to
 * the candidate callees: external hosts that internal hosts sent at least
 * GROUP_MIN_EVENTS flows. Memory stays bounded by BEACON_CAP_FLOWS calls:
 * when all calls do not fit, every callee keeps at most K of its calls, K
 * as large as the budget allows, chosen at random (a fixed hash of the row,
 * so any thread count keeps the same calls): a random subset of a beacon's
 * calls is still periodic at its period, and no callee, busy or quiet, is
 * left out. Only when even SAMPLE_MIN calls a callee do not fit are
 * callees taken by fewest flows first; how many the budget left out is kept
 * and said, and each series says which share of its calls it saw.
 *
 * The calls are grouped by (callee, port): the bots of one botnet calling
 * one C&C host on one port pool their evidence there. Each bot's bursts are
 * merged (calls within BURST_S of the one before), and each group with
 * enough calls is tested (beacon_test.c): GROUP_MIN_EVENTS calls make a
 * group, and the count of groups is what the p-values are corrected for,
 * so a group that could not reach the bound even with every call in phase
 * is not tested at all. Groups whose p-value passes a loose bound
 * (KEEP_ALPHA over the groups) are kept with each bot's phase sums
 * at the group's period, so that the detector can recompute the p-value
 * without a blacklisted bot or callee, and with their raw call times for
 * the panes. */
#include <math.h>
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "nettui/util.h"

#define GROUP_MIN_EVENTS ENGINE_BEACON_MIN_CALLS   /* fewer calls cannot reach significance */
#define GROUP_MAX_EVENTS 4096         /* above: each bot's calls are thinned evenly */
#define BEACON_CAP_FLOWS (2u << 20)   /* calls collected at most */
#define SAMPLE_MIN 32                 /* calls a callee keeps at least, or it is left out */
#define BURST_S 20.0                  /* calls closer than this are one burst */
#define KEEP_ALPHA 0.1                /* groups kept: p below KEEP_ALPHA / groups (the detector asks 0.01) */

typedef struct call {
    int64_t ts;
    uint32_t src, bytes;
    uint16_t port;
} call;

/* The calls are collected in two passes, so that they are held once, each
 * written straight to its place: the first counts each candidate's calls
 * per thread, the second writes them, thread by thread (file order) within
 * each candidate's span. */
typedef struct collect_job {
    const engine *e;
    const uint32_t *cand_of;   /* [nhosts] candidate index or NO_INDEX */
    const uint32_t *keep_of;   /* [candidates] calls kept when the row hash is below this (of 2^32) */
    size_t lo, hi;
    size_t *at;                /* [candidates]: pass 1 counts, pass 2 the next slot */
    call *all;                 /* pass 2: where the calls go */
    int write;
} collect_job;

/* The rows the calls come from: the table's own, or with weighted rows
 * (a remote source) the individual calls it fetched (flows.h: calls). */
static const flow_table *call_rows(const engine *e)
{
    return e->t->calls ? e->t->calls : e->t;
}

static void *collect_thread(void *arg)
{
    collect_job *j = arg;
    const flow_table *t = call_rows(j->e);
    const uint32_t *ii = j->e->int_index;
    for (size_t lo = j->lo, hi; lo < j->hi; lo = hi) {   /* a slice at a time, let go behind (mapped calls) */
        hi = slice_end(lo, j->hi);
        for (size_t i = lo; i < hi; i++) {
            uint32_t c = j->cand_of[t->dst[i]];
            if (c == NO_INDEX || ii[t->src[i]] == NO_INDEX) continue;
            if (j->keep_of[c] != UINT32_MAX) {   /* a sampled callee: a fixed hash of the row decides */
                uint64_t x = ((t->row ? t->row[i] : i) + 1) * 0x9e3779b97f4a7c15ull;   /* the row among all flows */
                x ^= x >> 31; x *= 0xbf58476d1ce4e5b9ull; x ^= x >> 29;
                if ((uint32_t)x >= j->keep_of[c]) continue;
            }
            if (!j->write) { j->at[c]++; continue; }
            uint64_t b = t->bytes[i];
            if (b == FLOWS_BYTES_BIG) b = flows_bytes_at(t, i);
            j->all[j->at[c]++] = (call){ t->ts[i], t->src[i], b > UINT32_MAX ? UINT32_MAX : (uint32_t)b, t->port[i] };
        }
        flows_release(t, lo, hi);
    }
    return NULL;
}

typedef struct cand_rank {
    host_id h;
    uint32_t flows;
} cand_rank;

static int cmp_cand(const void *a, const void *b)
{
    const cand_rank *x = a, *y = b;
    if (x->flows != y->flows) return x->flows < y->flows ? -1 : 1;
    return (x->h > y->h) - (x->h < y->h);
}

static int cmp_call(const void *a, const void *b)
{
    const call *x = a, *y = b;
    if (x->port != y->port) return x->port < y->port ? -1 : 1;
    if (x->src != y->src) return x->src < y->src ? -1 : 1;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return (x->bytes > y->bytes) - (x->bytes < y->bytes);
}

/* What one thread of the group tests keeps. */
typedef struct group_out {
    beacon_group *g; size_t ng, capg;
    series_rec *s; size_t ns, caps;
    int64_t *ts; size_t nts, capts;
    double best_log_p;
    int failed;
} group_out;

typedef struct group_job {
    const engine *e;
    const call *all;
    const size_t *off;         /* [ncand + 1] calls of each candidate */
    const host_id *cand_host;
    const uint32_t *keep_of;   /* [candidates] the sample's share of 2^32, UINT32_MAX: all */
    size_t clo, chi;           /* candidates of this job */
    const beacon_rhythm *rh;
    double keep_log_p;         /* ln(KEEP_ALPHA / groups) */
    call *sorted;              /* the calls, sorted per candidate (phase 1) */
    uint64_t groups;           /* phase 1: groups with GROUP_MIN_EVENTS calls */
    group_out out;
} group_job;

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    void *q = realloc(*p, c * size);
    if (!q) return -1;
    *p = q; *cap = c;
    return 0;
}

/* The bot's own phase and the median distance of its events from it. */
static void bot_phase(const double *ev, uint32_t n, double p, const double sum[2], double *phase, double *jitter, double *scratch)
{
    double a = atan2(sum[1], sum[0]);
    *phase = p * (a < 0 ? a + 2 * M_PI : a) / (2 * M_PI);
    for (uint32_t k = 0; k < n; k++) {
        double d = fmod(ev[k] - *phase, p);
        if (d < 0) d += p;
        scratch[k] = d > p / 2 ? p - d : d;
    }
    qsort(scratch, n, sizeof *scratch, util_cmp_double);
    *jitter = n ? (n % 2 ? scratch[n / 2] : (scratch[n / 2 - 1] + scratch[n / 2]) / 2) : 0;
}

/* Tests the group calls[a..b) (one callee, one port, sorted by bot then
 * time) and keeps it when it passes. 0, or -1 out of memory. */
static int test_group(group_job *j, const call *c, size_t n, host_id callee, double sample, double *ev, uint32_t *off,
                      uint32_t *bot_first, double *scratch)
{
    /* events: each bot's calls with bursts merged */
    uint32_t nbots = 0;
    size_t nev = 0;
    for (size_t i = 0; i < n;) {
        size_t k = i;
        off[nbots] = (uint32_t)nev;
        bot_first[nbots] = (uint32_t)i;
        double last = -1e300;
        while (k < n && c[k].src == c[i].src) {
            double t = (double)c[k].ts / 1000.0;
            if (t - last >= BURST_S) ev[nev++] = t;
            last = t;
            k++;
        }
        nbots++;
        i = k;
    }
    off[nbots] = (uint32_t)nev;
    bot_first[nbots] = (uint32_t)n;
    if (nev < GROUP_MIN_EVENTS) return 0;
    /* every call in phase at every harmonic would give Z = H * calls; the
     * periods the test would correct for are those of the group's span */
    {
        double lo = ev[0], hi = ev[0];
        for (size_t k = 1; k < nev; k++) { lo = ev[k] < lo ? ev[k] : lo; hi = ev[k] > hi ? ev[k] : hi; }
        double pmax = fmin(BEACON_PMAX_S, (hi - lo) / 2);
        if (pmax < BEACON_PMIN_S) return 0;
        double meff = 3.0 * (hi - lo) * (1.0 / BEACON_PMIN_S - 1.0 / pmax) + 1.0;
        if (beacon_log_gamma_tail(BEACON_H, BEACON_H * (double)nev) + log(4.0 * meff) > j->keep_log_p) return 0;
    }
    if (nev > GROUP_MAX_EVENTS) {
        /* thin at random (a fixed hash of the position): a random subset of
         * beats is still periodic at the same period, where every k-th beat
         * would be periodic at k periods too */
        uint64_t keep = (uint64_t)GROUP_MAX_EVENTS * 0x100000000ull / nev;
        size_t m = 0;
        for (uint32_t b = 0; b < nbots; b++) {
            uint32_t a0 = off[b], b0 = off[b + 1];
            off[b] = (uint32_t)m;
            for (uint32_t k = a0; k < b0; k++) {
                uint64_t x = (k + 1) * 0x9e3779b97f4a7c15ull;
                if (((x ^ (x >> 29)) & 0xffffffffull) < keep) ev[m++] = ev[k];
            }
        }
        off[nbots] = (uint32_t)m;
        nev = m;
    }

    double (*sums)[BEACON_H][2] = malloc(((size_t)nbots + 1) * sizeof *sums);
    if (!sums) return -1;
    beacon_fit fit;
    if (beacon_fit_group(ev, off, nbots, j->rh, &fit, sums)) { free(sums); return -1; }
    if (fit.log_p < j->out.best_log_p) j->out.best_log_p = fit.log_p;
    if (!(fit.period_s > 0) || fit.log_p > j->keep_log_p) { free(sums); return 0; }

    group_out *o = &j->out;
    if (grow((void **)&o->g, &o->capg, o->ng + 1, sizeof *o->g) || grow((void **)&o->s, &o->caps, o->ns + nbots, sizeof *o->s)
        || grow((void **)&o->ts, &o->capts, o->nts + n, sizeof *o->ts)) { free(sums); return -1; }
    beacon_group *g = &o->g[o->ng];
    *g = (beacon_group){ callee, c[0].port, fit.period_s, fit.phase_s, fit.meff, {{0}}, (uint32_t)o->ns, nbots };
    memcpy(g->phi, fit.phi, sizeof g->phi);
    double score = -fit.log_p / M_LN10;
    uint32_t *sizes = (uint32_t *)scratch;   /* scratch holds n doubles: room for n sizes */
    for (uint32_t b = 0; b < nbots; b++) {
        series_rec *r = &o->s[o->ns++];
        memset(r, 0, sizeof *r);
        const call *bc = c + bot_first[b];
        uint32_t calls = bot_first[b + 1] - bot_first[b], events = off[b + 1] - off[b];
        for (uint32_t k = 0; k < calls; k++) sizes[k] = bc[k].bytes;
        qsort(sizes, calls, sizeof *sizes, util_cmp_u32);
        uint32_t mode = sizes[0], best = 0;
        for (uint32_t k = 0; k < calls;) {
            uint32_t m = k;
            while (m < calls && sizes[m] == sizes[k]) m++;
            if (m - k > best) { best = m - k; mode = sizes[k]; }
            k = m;
        }
        double phase = 0, jitter = 0;
        memcpy(r->sum, sums[b], sizeof r->sum);
        bot_phase(ev + off[b], events, fit.period_s, sums[b][0], &phase, &jitter, scratch + calls);
        /* beats from its first call to its last, and how many of them it
         * called on (from the raw calls: thinning left some out) */
        double t0 = (double)bc[0].ts / 1000.0, beats = floor(((double)bc[calls - 1].ts / 1000.0 - t0) / fit.period_s + 0.5) + 1;
        uint32_t hit = 0;
        for (uint32_t k = 0; k < calls; k++) {
            double beat = floor(((double)bc[k].ts / 1000.0 - t0) / fit.period_s + 0.5);
            if (!k || beat != floor(((double)bc[k - 1].ts / 1000.0 - t0) / fit.period_s + 0.5)) hit++;
        }
        r->s = (beacon_series){ bc[0].src, callee, c[0].port, calls, fit.period_s, jitter, mode, phase, events,
                                beats > hit ? (uint32_t)(beats - hit) : 0, (double)best / calls, score, sample };
        r->group = (uint32_t)o->ng;
        r->events = events;
        r->ts_off = o->nts;
        for (uint32_t k = 0; k < calls; k++) o->ts[o->nts++] = bc[k].ts;
    }
    o->ng++;
    free(sums);
    return 0;
}

/* Phase 1: each candidate's calls sorted by port, bot and time, and the
 * groups counted. */
static void *sort_thread(void *arg)
{
    group_job *j = arg;
    for (size_t c = j->clo; c < j->chi; c++) {
        call *v = j->sorted + j->off[c];
        size_t n = j->off[c + 1] - j->off[c];
        qsort(v, n, sizeof *v, cmp_call);
        for (size_t i = 0; i < n;) {
            size_t k = i;
            while (k < n && v[k].port == v[i].port) k++;
            j->groups += k - i >= GROUP_MIN_EVENTS;
            i = k;
        }
    }
    return NULL;
}

static void *group_thread(void *arg)
{
    group_job *j = arg;
    size_t most = 0;
    for (size_t c = j->clo; c < j->chi; c++)
        if (j->off[c + 1] - j->off[c] > most) most = j->off[c + 1] - j->off[c];
    double *ev = malloc((most + 1) * sizeof *ev), *scratch = malloc((2 * most + 2) * sizeof *scratch);
    uint32_t *off = malloc((most + 2) * sizeof *off), *first = malloc((most + 2) * sizeof *first);
    if (!ev || !scratch || !off || !first) { j->out.failed = 1; goto done; }
    for (size_t c = j->clo; c < j->chi && !j->out.failed; c++) {
        size_t a = j->off[c], b = j->off[c + 1];
        const call *buf = j->sorted + a;
        for (size_t i = 0; i < b - a;) {
            size_t k = i;
            while (k < b - a && buf[k].port == buf[i].port) k++;
            double sample = j->keep_of[c] == UINT32_MAX ? 1.0 : j->keep_of[c] / 4294967296.0;
            if (test_group(j, buf + i, k - i, j->cand_host[c], sample, ev, off, first, scratch)) j->out.failed = 1;
            i = k;
        }
    }
done:
    free(ev); free(scratch); free(off); free(first);
    return NULL;
}

size_t engine_beacon_callees(const flow_table *t, const cidr_list *net, host_id **out)
{
    uint32_t nh = t->hosts.n;
    uint64_t *calls = calloc((size_t)nh + 1, sizeof *calls);
    uint8_t *in = malloc((size_t)nh + 1);
    *out = NULL;
    if (!calls || !in) { free(calls); free(in); return SIZE_MAX; }
    for (uint32_t h = 0; h < nh; h++)
        in[h] = t->hosts.name_off[h] == UINT32_MAX && cidr_list_contains(net, t->hosts.ip[h]);
    for (size_t lo = 0, hi; lo < t->n; lo = hi) {
        hi = slice_end(lo, t->n);
        for (size_t i = lo; i < hi; i++)
            if (in[t->src[i]] && !in[t->dst[i]]) calls[t->dst[i]] += flows_weight_at(t, i);
        flows_release(t, lo, hi);
    }
    size_t n = 0;
    for (uint32_t h = 0; h < nh; h++) n += calls[h] >= GROUP_MIN_EVENTS;
    host_id *v = malloc((n + 1) * sizeof *v);
    if (v) {
        n = 0;
        for (uint32_t h = 0; h < nh; h++) if (calls[h] >= GROUP_MIN_EVENTS) v[n++] = h;
    }
    free(calls); free(in);
    if (!v) return SIZE_MAX;
    *out = v;
    return n;
}

/* The candidates: external hosts that internal hosts sent enough flows,
 * fewest flows first, within the budget. Returns how many (in *cr). */
static size_t pick_candidates(engine *e, cand_rank **out, uint32_t *cap)
{
    const partial *p = &e->f;
    size_t nc = 0;
    for (uint32_t h = 0; h < e->nhosts; h++)
        nc += e->int_index[h] == NO_INDEX && p->hs[h].recv_flows[PEER_INTERNAL] >= GROUP_MIN_EVENTS;
    cand_rank *cr = malloc((nc + 1) * sizeof *cr);
    if (!cr) return SIZE_MAX;
    nc = 0;
    for (uint32_t h = 0; h < e->nhosts; h++) {
        uint32_t n = p->hs[h].recv_flows[PEER_INTERNAL];
        if (e->int_index[h] == NO_INDEX && n >= GROUP_MIN_EVENTS) cr[nc++] = (cand_rank){ h, n };
    }
    qsort(cr, nc, sizeof *cr, cmp_cand);
    /* the largest per-callee cap k whose calls fit the budget */
    uint64_t all = 0;
    for (size_t i = 0; i < nc; i++) all += cr[i].flows;
    uint32_t k = UINT32_MAX;
    if (all > BEACON_CAP_FLOWS) {
        uint32_t lo = SAMPLE_MIN, hi = cr[nc - 1].flows;
        while (lo < hi) {   /* cr ascends: sum of min(flows, mid) */
            uint32_t mid = lo + (hi - lo + 1) / 2;
            uint64_t s = 0;
            for (size_t i = 0; i < nc && s <= BEACON_CAP_FLOWS; i++) s += cr[i].flows < mid ? cr[i].flows : mid;
            if (s <= BEACON_CAP_FLOWS) lo = mid; else hi = mid - 1;
        }
        k = lo;
    }
    uint64_t total = 0;
    size_t keep = 0;
    while (keep < nc) {
        uint64_t f = cr[keep].flows < k ? cr[keep].flows : k;
        if (total + f > BEACON_CAP_FLOWS) break;
        total += f;
        keep++;
    }
    e->beacon_candidates_flows = total;
    e->beacon_callees_skipped = nc - keep;
    *cap = k;
    *out = cr;
    return keep;
}

int engine_find_beacon_series(engine *e, int threads)
{
    beacon_tables_init();
    cand_rank *cr = NULL;
    uint32_t cap = UINT32_MAX;
    size_t keep = pick_candidates(e, &cr, &cap);
    if (keep == SIZE_MAX) return -1;
    if (keep == 0) { free(cr); return 0; }
    int rc = -1;
    uint32_t *cand_of = malloc((e->nhosts + 1) * sizeof *cand_of);
    host_id *cand_host = malloc(keep * sizeof *cand_host);
    uint32_t *keep_of = malloc((keep + 1) * sizeof *keep_of);
    collect_job *jobs = calloc((size_t)threads, sizeof *jobs);
    group_job *gj = calloc((size_t)threads, sizeof *gj);
    size_t *off = calloc(keep + 1, sizeof *off);
    double *w = malloc((e->nbuckets + 1) * sizeof *w);
    call *all = NULL;
    if (!cand_of || !cand_host || !keep_of || !jobs || !gj || !off || !w) goto out;
    for (uint32_t h = 0; h < e->nhosts; h++) cand_of[h] = NO_INDEX;
    for (size_t k = 0; k < keep; k++) {
        cand_of[cr[k].h] = (uint32_t)k;
        cand_host[k] = cr[k].h;
        /* keep cap of its flows: a share of 2^32 the row hash is compared with */
        keep_of[k] = cr[k].flows <= cap ? UINT32_MAX : (uint32_t)((double)cap / cr[k].flows * 4294967296.0);
    }
    const size_t n = call_rows(e)->n;
    for (int k = 0; k < threads; k++) {
        jobs[k].e = e; jobs[k].cand_of = cand_of; jobs[k].keep_of = keep_of;
        jobs[k].lo = n * (size_t)k / (size_t)threads;
        jobs[k].hi = n * (size_t)(k + 1) / (size_t)threads;
    }
    double c0 = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    for (int k = 0; k < threads; k++)
        if (!(jobs[k].at = calloc(keep + 1, sizeof *jobs[k].at))) goto out;
    run_threads(threads, collect_thread, jobs, sizeof *jobs);
    /* each candidate's span, and each thread's start in it */
    for (size_t c = 0; c < keep; c++) {
        size_t start = off[c];
        for (int k = 0; k < threads; k++) { size_t n_k = jobs[k].at[c]; jobs[k].at[c] = start; start += n_k; }
        off[c + 1] = start;
    }
    size_t ncalls = off[keep];
    all = malloc((ncalls + 1) * sizeof *all);
    if (!all) goto out;
    for (int k = 0; k < threads; k++) { jobs[k].all = all; jobs[k].write = 1; }
    run_threads(threads, collect_thread, jobs, sizeof *jobs);
    for (int k = 0; k < threads; k++) { free(jobs[k].at); jobs[k].at = NULL; }
    double c1 = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    /* the network's hourly rhythm: the test's null */
    uint64_t sum = 0;
    for (uint32_t k = 0; k < e->nbuckets; k++) sum += e->f.tl_all[k];
    for (uint32_t k = 0; k < e->nbuckets; k++) w[k] = sum ? (double)e->f.tl_all[k] / (double)sum : 0;
    beacon_rhythm rh = { (double)e->t0_ms / 1000.0, (double)e->bucket_ms / 1000.0, e->nbuckets, w, 0, {{{0}}} };
    beacon_rhythm_prepare(&rh);
    /* the groups, split among threads by callee, in callee order: first
     * sorted and counted, then tested against the count */
    for (int k = 0; k < threads; k++) {
        gj[k].e = e; gj[k].all = all; gj[k].sorted = all; gj[k].off = off; gj[k].cand_host = cand_host; gj[k].rh = &rh;
        gj[k].keep_of = keep_of;
        gj[k].clo = keep * (size_t)k / (size_t)threads;
        gj[k].chi = keep * (size_t)(k + 1) / (size_t)threads;
    }
    run_threads(threads, sort_thread, gj, sizeof *gj);
    uint64_t groups = 0;
    for (int k = 0; k < threads; k++) groups += gj[k].groups;
    e->beacon_groups_tested = groups;
    for (int k = 0; k < threads; k++) gj[k].keep_log_p = log(KEEP_ALPHA / (double)(groups ? groups : 1));
    double c2 = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    run_threads(threads, group_thread, gj, sizeof *gj);
    if (getenv("NETTUI_TIMING") && atoi(getenv("NETTUI_TIMING")) >= 2)
        fprintf(stderr, "beacons: %zu callees, %zu calls, %llu groups; collect %.3f sort %.3f test %.3f (cpu s)\n", keep, ncalls,
                (unsigned long long)groups, c1 - c0, c2 - c1, util_clock(CLOCK_PROCESS_CPUTIME_ID) - c2);
    size_t ng = 0, ns = 0, nts = 0;
    for (int k = 0; k < threads; k++) {
        if (gj[k].out.failed) goto out;
        ng += gj[k].out.ng; ns += gj[k].out.ns; nts += gj[k].out.nts;
        if (-gj[k].out.best_log_p / M_LN10 > e->beacon_best_score) e->beacon_best_score = -gj[k].out.best_log_p / M_LN10;
    }
    e->bgroups = malloc((ng + 1) * sizeof *e->bgroups);
    e->series = malloc((ns + 1) * sizeof *e->series);
    e->beacon_ts = malloc((nts + 1) * sizeof *e->beacon_ts);
    if (!e->bgroups || !e->series || !e->beacon_ts) goto out;
    for (int k = 0; k < threads; k++) {
        group_out *o = &gj[k].out;
        for (size_t i = 0; i < o->ng; i++) {
            beacon_group g = o->g[i];
            g.first += (uint32_t)e->nseries;
            e->bgroups[e->nbgroups + i] = g;
        }
        for (size_t i = 0; i < o->ns; i++) {
            series_rec r = o->s[i];
            r.group += (uint32_t)e->nbgroups;
            r.ts_off += e->nbeacon_ts;
            e->series[e->nseries + i] = r;
        }
        if (o->nts) memcpy(e->beacon_ts + e->nbeacon_ts, o->ts, o->nts * sizeof *o->ts);   /* o->ts is NULL when empty */
        e->nbgroups += o->ng; e->nseries += o->ns; e->nbeacon_ts += o->nts;
    }
    rc = 0;
out:
    if (jobs) for (int k = 0; k < threads; k++) free(jobs[k].at);
    if (gj) for (int k = 0; k < threads; k++) { free(gj[k].out.g); free(gj[k].out.s); free(gj[k].out.ts); }
    free(cand_of); free(cand_host); free(keep_of); free(jobs); free(gj); free(off); free(w); free(all); free(cr);
    return rc;
}
