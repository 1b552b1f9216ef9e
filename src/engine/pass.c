/* pass.c: the fused pass over the flow table, and the per-thread copies
 * ("partials") of the aggregates it fills.
 *
 * The pass is split by aggregate as well as by rows (group A and group B,
 * below), each thread keeps its own copy of its group, and copies of one
 * group are merged after. Everything a row touches is small (per host, per
 * port, per hour) or laid out so the row order helps (time-major hour cells
 * and timelines); the sparse tallies (internal triples, and (host, port)
 * when the dense table does not fit) are sorted a block at a time and
 * merged as runs, so they cost memory by what the traffic holds. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_priv.h"

/* Register index from the top 6 bits of a Fibonacci hash of the host id,
 * rank from the rest: one multiply, as host ids are dense small numbers
 * that the golden-ratio multiplier spreads well. */
static inline void hll_add(uint8_t *reg, uint32_t v)
{
    uint64_t h = ((uint64_t)v + 1) * 0x9e3779b97f4a7c15ULL;
    h ^= h >> 31;
    uint32_t idx = (uint32_t)(h >> 58);              /* HLL_M == 64 */
    uint64_t rest = (h << 6) | 0x20;                  /* never zero */
    uint8_t rank = (uint8_t)(__builtin_clzll(rest) + 1);
    if (reg[idx] < rank) reg[idx] = rank;
}

/* SpaceSaving with SS_K slots: a found peer counts up, a new one replaces
 * the smallest. Written without early exits: the compares become
 * conditional moves, as whether a peer is found is a coin toss. */
static inline void ss_add(ss_slot *s, uint32_t h, uint32_t w)
{
    int hit = -1, min = 0;
    for (int k = 0; k < SS_K; k++) {
        hit = s[k].host == h ? k : hit;
        min = s[k].count < s[min].count ? k : min;
    }
    if (hit < 0) { s[min].host = h; hit = min; }
    s[hit].count += w;
}

/* ---- partials ------------------------------------------------------------- */

/* The pass is split by aggregate, not only by rows: group A keeps what is
 * indexed by host and time (per-host totals, hour cells, timelines, ports),
 * group B what is indexed by host and port or host pair (per host and port,
 * peers, votes, the internal triples). With two threads each thread owns one
 * group: each scans every row, but its random accesses land in half the
 * memory, which then fits the core's cache, and nothing needs merging.
 * Group A also keeps what is indexed by external host (single-purpose
 * sources, beacon votes, inbound ports): it balances the two. */

void partial_free(partial *p)
{
    zfree(p->tl_all); zfree(p->ps);
    zfree(p->hs); zfree(p->ext_dst1); zfree(p->in_ports);
    zfree(p->ih); zfree(p->tl); zfree(p->hll); zfree(p->ss); zfree(p->hp); zfree(p->hp_hi); zfree(p->hp_in);
    free(p->hpo); free(p->hpi); free(p->tri);
    memset(p, 0, sizeof *p);
}

size_t partial_bytes(const engine *e, const pass_sizes *z, int groups)
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets, b = 0;
    if (groups & GROUP_A) {
        b += nb * 4 + np * sizeof(port_stat) + nh * (sizeof(host_stat) + 4) + ni * 24 * sizeof(hour_cell);
        if (z->with_timeline) b += ni * nb * 8;
        if (z->with_inports) b += nh * e->sp_in.words * 8;
        if (z->with_hp_in) b += ni * e->sp_in.n * 4;
    }
    if (groups & GROUP_B) {
        b += ni * (2 * HLL_M + 2 * SS_K * sizeof(ss_slot));
        if (z->with_hp) b += ni * e->sp_out.n * (sizeof(host_port_stat) + 8);
    }
    return b;
}

static int partial_alloc(const engine *e, const pass_sizes *z, int groups, partial *p)
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets;
    int bad = 0;
    memset(p, 0, sizeof *p);
    if (groups & GROUP_A) {
        p->tl_all = zalloc(nb, 4);
        p->ps = zalloc(np + 1, sizeof *p->ps);
        p->hs = zalloc(nh + 1, sizeof *p->hs);
        p->ih = zalloc(ni * 24 + 1, sizeof *p->ih);
        p->ext_dst1 = zalloc(nh + 1, 4);
        if (z->with_timeline) p->tl = zalloc(ni * nb * 2 + 1, 4);
        if (z->with_inports) p->in_ports = zalloc(nh * e->sp_in.words + 1, 8);
        if (z->with_hp_in) p->hp_in = zalloc(ni * e->sp_in.n + 1, 4);
        bad |= (z->with_hp_in && !p->hp_in) || !p->tl_all || !p->ps || !p->hs || !p->ih || !p->ext_dst1
             || (z->with_timeline && !p->tl) || (z->with_inports && !p->in_ports);
        if (!bad)
            for (size_t h = 0; h < nh; h++) {
                p->hs[h].first_ms = INT64_MAX;
                p->hs[h].last_ms = INT64_MIN;
                p->ext_dst1[h] = NO_INDEX;
            }
    }
    if (groups & GROUP_B) {
        p->hll = zalloc(ni * 2 * HLL_M + 1, 1);
        p->ss = zalloc(ni * 2 * SS_K + 1, sizeof *p->ss);
        if (z->with_hp) {
            p->hp = zalloc(ni * e->sp_out.n + 1, sizeof *p->hp);
            p->hp_hi = zalloc(ni * e->sp_out.n + 1, 8);
        }
        bad |= !p->hll || !p->ss || (z->with_hp && (!p->hp || !p->hp_hi));
        if (!bad)
            for (size_t k = 0; k < ni * 2 * SS_K; k++) p->ss[k].host = HOST_NONE;
    }
    if (bad) { partial_free(p); return -1; }
    return 0;
}

/* ---- sparse tallies ---------------------------------------------------------- */

/* A sparse tally takes (key, value) per row into a block buffer; a full
 * block is radix sorted, its equal keys folded into one sp_rec, and the
 * block's run pushed on a stack of runs merged like a binary counter (a run
 * is merged into the one below while that is not more than twice its size),
 * so a row is moved O(log rows) times and memory stays near the distinct
 * keys. Both folds (min, sum) are order-free, so threads merge in any order. */
enum { SP_MIN = 0, SP_SUM = 1 };   /* v: the earliest value, or the sum */
#define SP_BLOCK 65536
#define SP_RUNS 64

typedef struct sp_acc {
    int mode;
    unsigned bits;                /* significant bits of the keys */
    uint64_t *k, *v, *tk, *tv;    /* the block and the sort's scratch */
    uint32_t *w, *tw;             /* weighted rows: each row's flows (else NULL: 1 a row) */
    size_t nk;
    sp_rec *run[SP_RUNS];
    size_t len[SP_RUNS];
    int nrun;
    int failed;
} sp_acc;

/* Bits needed for keys below n. */
static unsigned key_bits(uint64_t n)
{
    unsigned b = 1;
    while (b < 64 && (n - 1) >> b) b++;
    return b;
}

/* An empty tally of keys below nkeys; -1 (and failed) when out of memory. */
static int sp_init(sp_acc *a, int mode, uint64_t nkeys, int weighted)
{
    memset(a, 0, sizeof *a);
    a->mode = mode;
    a->bits = key_bits(nkeys ? nkeys : 1);
    a->k = malloc(SP_BLOCK * 8); a->v = malloc(SP_BLOCK * 8);
    a->tk = malloc(SP_BLOCK * 8); a->tv = malloc(SP_BLOCK * 8);
    if (weighted) { a->w = malloc(SP_BLOCK * 4); a->tw = malloc(SP_BLOCK * 4); }
    if (!a->k || !a->v || !a->tk || !a->tv || (weighted && (!a->w || !a->tw))) { a->failed = 1; return -1; }
    return 0;
}

/* Frees the buffers and runs; a released tally may be released again. */
static void sp_release(sp_acc *a)
{
    free(a->k); free(a->v); free(a->tk); free(a->tv); free(a->w); free(a->tw);
    for (int r = 0; r < a->nrun; r++) free(a->run[r]);
    a->k = a->v = a->tk = a->tv = NULL;
    a->w = a->tw = NULL;
    a->nrun = 0;
}

/* Folds y (same key) into x: flows saturate at UINT32_MAX. */
static inline void sp_fold(int mode, sp_rec *x, const sp_rec *y)
{
    uint64_t n = (uint64_t)x->n + y->n;
    x->n = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    if (mode == SP_SUM) x->v += y->v;
    else if ((int64_t)y->v < (int64_t)x->v) x->v = y->v;
}

/* Merges sorted runs x and y into a new sorted run (*nz entries), freeing
 * neither; NULL when out of memory. */
static sp_rec *sp_merge(int mode, const sp_rec *x, size_t nx, const sp_rec *y, size_t ny, size_t *nz)
{
    sp_rec *z = malloc((nx + ny + 1) * sizeof *z);
    if (!z) return NULL;
    size_t i = 0, j = 0, n = 0;
    while (i < nx && j < ny) {
        if (x[i].key < y[j].key) z[n++] = x[i++];
        else if (y[j].key < x[i].key) z[n++] = y[j++];
        else { z[n] = x[i++]; sp_fold(mode, &z[n++], &y[j++]); }
    }
    while (i < nx) z[n++] = x[i++];
    while (j < ny) z[n++] = y[j++];
    *nz = n;
    return z;
}

/* Merges the top two runs; -1 when out of memory. */
static int sp_merge_top(sp_acc *a)
{
    int r = a->nrun - 2;
    size_t nz;
    sp_rec *z = sp_merge(a->mode, a->run[r], a->len[r], a->run[r + 1], a->len[r + 1], &nz);
    if (!z) return -1;
    free(a->run[r]); free(a->run[r + 1]);
    a->run[r] = z; a->len[r] = nz;
    a->nrun--;
    return 0;
}

/* Sorts the block, folds it into a run, and pushes that. */
static void sp_flush(sp_acc *a)
{
    enum { R = 11, NB = 1 << R };
    size_t n = a->nk, cnt[NB];
    a->nk = 0;
    if (!n || a->failed) return;
    uint64_t *k = a->k, *v = a->v, *tk = a->tk, *tv = a->tv;
    uint32_t *w = a->w, *tw = a->tw;
    for (unsigned shift = 0; shift < a->bits; shift += R) {   /* stable LSD */
        memset(cnt, 0, sizeof cnt);
        for (size_t i = 0; i < n; i++) cnt[(k[i] >> shift) & (NB - 1)]++;
        size_t sum = 0;
        for (size_t b = 0; b < NB; b++) { size_t c = cnt[b]; cnt[b] = sum; sum += c; }
        if (w)   /* weighted rows: the weights move with their keys */
            for (size_t i = 0; i < n; i++) {
                size_t d = cnt[(k[i] >> shift) & (NB - 1)]++;
                tk[d] = k[i]; tv[d] = v[i]; tw[d] = w[i];
            }
        else
            for (size_t i = 0; i < n; i++) {
                size_t d = cnt[(k[i] >> shift) & (NB - 1)]++;
                tk[d] = k[i]; tv[d] = v[i];
            }
        uint64_t *x = k; k = tk; tk = x;
        x = v; v = tv; tv = x;
        uint32_t *y = w; w = tw; tw = y;
    }
    a->k = k; a->v = v; a->tk = tk; a->tv = tv; a->w = w; a->tw = tw;
    size_t u = 0;
    for (size_t i = 0; i < n; i++) u += !i || k[i] != k[i - 1];
    sp_rec *run = malloc(u * sizeof *run);
    if (!run || a->nrun == SP_RUNS) { free(run); a->failed = 1; return; }
    u = 0;
    for (size_t i = 0; i < n; i++) {
        sp_rec one = { k[i], v[i], w ? w[i] : 1, 0 };
        if (i && k[i] == k[i - 1]) sp_fold(a->mode, &run[u - 1], &one);
        else run[u++] = one;
    }
    a->run[a->nrun] = run;
    a->len[a->nrun++] = u;
    while (a->nrun >= 2 && a->len[a->nrun - 2] <= 2 * a->len[a->nrun - 1])
        if (sp_merge_top(a)) { a->failed = 1; return; }
}

/* One row's (key, value) standing for wt flows (a weighted tally's wt,
 * else 1: the weighted flag is a constant where the pass inlines this);
 * rows come in row order. */
static inline void sp_push(sp_acc *a, uint64_t key, uint64_t val, int weighted, uint32_t wt)
{
    a->k[a->nk] = key;
    a->v[a->nk] = val;
    if (weighted) a->w[a->nk] = wt;
    if (++a->nk == SP_BLOCK) sp_flush(a);
}

/* The tally as one sorted run (caller frees *out); -1 when out of memory. */
static int sp_finish(sp_acc *a, sp_rec **out, size_t *n)
{
    sp_flush(a);
    while (!a->failed && a->nrun >= 2) if (sp_merge_top(a)) a->failed = 1;
    *out = NULL; *n = 0;
    if (!a->failed) {
        *out = a->nrun ? a->run[0] : malloc(sizeof **out);
        *n = a->nrun ? a->len[0] : 0;
        a->nrun = 0;
        if (!*out) a->failed = 1;
    }
    int rc = a->failed ? -1 : 0;
    sp_release(a);
    return rc;
}

/* Folds sorted run y into x (both a partial's); -1 when out of memory. */
static int sp_absorb(int mode, sp_rec **x, size_t *nx, sp_rec **y, size_t *ny)
{
    size_t nz;
    sp_rec *z = sp_merge(mode, *x, *nx, *y, *ny, &nz);
    if (!z) return -1;
    free(*x); free(*y);
    *x = z; *nx = nz; *y = NULL; *ny = 0;
    return 0;
}

/* Key of the internal triple (si, di, sp_int index ip). */
static inline uint64_t tri_key(uint64_t ni, uint64_t nsp, uint32_t si, uint32_t di, uint32_t ip)
{
    return ((uint64_t)si * ni + di) * nsp + ip;
}

/* ---- the fused pass ------------------------------------------------------- */

typedef struct pass_job {
    const engine *e;
    partial *p;
    size_t lo, hi;
    int groups;
    int sparse_in;   /* group B tallies inbound (host, port) flows: no dense hp_in */
    int failed;      /* no memory for a sparse tally */
    double cpu;   /* seconds of this thread */
} pass_job;

/* Rows are handled in small blocks: a first loop does what every row needs
 * and sorts the block's rows by class (outbound, inbound, internal) into
 * index lists without a branch; then one loop per class does the rest.
 * Classes come in random order, so per-row class branches would be
 * mispredicted about every other row. */
#define CLS_BLOCK 2048
enum { CLS_EXT = 0, CLS_IN = 1, CLS_OUT = 2, CLS_INT = 3 };

typedef struct cls_lists {
    uint16_t idx[4][CLS_BLOCK];   /* row offsets in the block, per class */
    uint32_t n[4];
} cls_lists;

static inline void cls_push(cls_lists *c, unsigned cls, uint16_t off)
{
    c->idx[0][c->n[0]] = off; c->idx[1][c->n[1]] = off;
    c->idx[2][c->n[2]] = off; c->idx[3][c->n[3]] = off;
    c->n[cls]++;
}

/* Group A over rows [lo, hi): per-host totals, hours, timelines, ports,
 * and what is indexed by external host (single-purpose sources, beacon
 * votes, inbound ports). Hour cells and timelines are time-major: the rows
 * come sorted by time, so the current hour's cells (one per internal host)
 * stay in the cache. Weighted rows (flows.h) add their weight where a
 * row adds one, and their last time to the host's last: all of a weighted
 * row's flows share its (src, dst, port, hour), so each lands in the cells
 * the row's first time picks. weighted is a constant at both call sites
 * (pass_rows_a_plain, _weighted): a file's rows pay nothing for it. */
static inline __attribute__((always_inline))
void pass_rows_a(const engine *e, partial *restrict p, size_t lo, size_t hi, const int weighted)
{
    const flow_table *t = e->t;
    const int64_t *restrict tsc = t->ts;
    const host_id *restrict srcc = t->src, *restrict dstc = t->dst;
    const uint16_t *restrict portc = t->port;
    const uint32_t *restrict bytesc = t->bytes;
    const uint32_t *restrict ii = e->int_index;
    const int32_t *restrict port_id = e->port_id;
    const size_t ni = e->nint;
    const int64_t t0 = e->t0_ms;
    const uint32_t h0 = (uint32_t)(floor_div(t0, HOUR_MS) - floor_div(floor_div(t0, HOUR_MS), 24) * 24);
    const uint32_t width = (uint32_t)(e->bucket_ms / HOUR_MS), nbk = e->nbuckets;
    uint64_t *restrict hour_flows = p->hour_flows, *restrict hour_bytes = p->hour_bytes;
    uint32_t *restrict tl_all = p->tl_all, *restrict tl = p->tl;
    port_stat *restrict ps = p->ps;
    host_stat *restrict hsa = p->hs;
    hour_cell *restrict ih = p->ih;
    uint32_t *restrict ext_dst1 = p->ext_dst1;
    uint64_t *restrict in_ports = p->in_ports;
    uint32_t *restrict hp_in = p->hp_in;
    const uint32_t inw = e->sp_in.words, nin = e->sp_in.n;
    const int32_t *restrict in_of = e->sp_in.of;
    cls_lists cl;
    uint8_t hourv[CLS_BLOCK];
    uint32_t bucketv[CLS_BLOCK], pidv[CLS_BLOCK];
    uint64_t bv[CLS_BLOCK];
    uint32_t wv[CLS_BLOCK];
    const uint32_t *restrict wc = t->weight;
    const int64_t *restrict tlc = t->ts_last;

    for (size_t blo = lo; blo < hi; blo += CLS_BLOCK) {
        const size_t bhi = blo + CLS_BLOCK < hi ? blo + CLS_BLOCK : hi;
        cl.n[0] = cl.n[1] = cl.n[2] = cl.n[3] = 0;
        for (size_t i = blo; i < bhi; i++) {
            const size_t o = i - blo;
            const host_id s = srcc[i], d = dstc[i];
            const int64_t ts = tsc[i];
            const uint32_t w = weighted ? wc[i] : 1;
            const int64_t tlast = weighted ? tlc[i] : ts;
            uint64_t b = bytesc[i];
            if (b == FLOWS_BYTES_BIG) b = flows_bytes_at(t, i);
            const uint32_t pid = (uint32_t)port_id[portc[i]];
            const uint64_t hidx = ts >= t0 ? (uint64_t)(ts - t0) / (uint64_t)HOUR_MS : 0;
            const uint32_t hour = (uint32_t)((h0 + hidx) % 24);
            uint32_t bucket = width == 1 ? (uint32_t)hidx : (uint32_t)(hidx / width);
            if (hidx > (uint64_t)UINT32_MAX || bucket >= nbk) bucket = nbk - 1;
            const unsigned sint = ii[s] != NO_INDEX, dint = ii[d] != NO_INDEX;
            const int sc = sint ? PEER_INTERNAL : PEER_EXTERNAL;
            const int dc = dint ? PEER_INTERNAL : PEER_EXTERNAL;
            hour_flows[hour] += w;
            hour_bytes[hour] += b;
            tl_all[bucket] += w;
            port_stat *pst = &ps[pid];
            pst->flows += w;
            pst->bytes += b;
            host_stat *hs = &hsa[s];
            hs->sent_flows[dc] += w;
            hs->sent_bytes[dc] += b;
            if (ts < hs->first_ms) hs->first_ms = ts;
            if (tlast > hs->last_ms) hs->last_ms = tlast;
            host_stat *hd = &hsa[d];
            hd->recv_flows[sc] += w;
            hd->recv_bytes[sc] += b;
            if (ts < hd->first_ms) hd->first_ms = ts;
            if (tlast > hd->last_ms) hd->last_ms = tlast;
            hourv[o] = (uint8_t)hour; bucketv[o] = bucket; pidv[o] = pid; bv[o] = b;
            if (weighted) wv[o] = w;
            cls_push(&cl, sint * 2 + dint, (uint16_t)o);
        }
        for (uint32_t k = 0; k < cl.n[CLS_OUT]; k++) {
            const uint32_t o = cl.idx[CLS_OUT][k];
            const size_t i = blo + o;
            const uint32_t si = ii[srcc[i]];
            const uint64_t b = bv[o];
            const uint32_t w = weighted ? wv[o] : 1;
            hour_cell *hc = &ih[(size_t)hourv[o] * ni + si];
            hc->flows += w;
            hc->bytes += b;
            hc->out_bytes += b;
            if (tl) tl[((size_t)bucketv[o] * ni + si) * 2] += w;
            port_stat *pst = &ps[pidv[o]];
            pst->out_flows += w;
            pst->out_bytes += b;
        }
        for (uint32_t k = 0; k < cl.n[CLS_IN]; k++) {
            const uint32_t o = cl.idx[CLS_IN][k];
            const size_t i = blo + o;
            const host_id s = srcc[i], d = dstc[i];
            const uint32_t di = ii[d], pid = pidv[o];
            const uint32_t w = weighted ? wv[o] : 1;
            hour_cell *hc = &ih[(size_t)hourv[o] * ni + di];
            hc->flows += w;
            hc->bytes += bv[o];
            if (tl) tl[((size_t)bucketv[o] * ni + di) * 2 + 1] += w;
            ps[pid].in_flows += w;
            const uint32_t npid = (uint32_t)in_of[pid];
            if (hp_in) hp_in[(size_t)di * nin + npid] += w;
            uint32_t x = ext_dst1[s];
            if (x == NO_INDEX) ext_dst1[s] = d;
            else if (x != d) ext_dst1[s] = DST_MULTI;
            if (in_ports) in_ports[(size_t)s * inw + (npid >> 6)] |= 1ULL << (npid & 63);
        }
        for (uint32_t k = 0; k < cl.n[CLS_INT]; k++) {
            const uint32_t o = cl.idx[CLS_INT][k];
            const size_t i = blo + o;
            const uint32_t si = ii[srcc[i]], di = ii[dstc[i]];
            const uint64_t b = bv[o];
            const uint32_t w = weighted ? wv[o] : 1;
            hour_cell *hc = &ih[(size_t)hourv[o] * ni + si];
            hc->flows += w;
            hc->bytes += b;
            if (si != di) {
                hour_cell *hd = &ih[(size_t)hourv[o] * ni + di];
                hd->flows += w;
                hd->bytes += b;
            }
            if (tl) {
                tl[((size_t)bucketv[o] * ni + si) * 2] += w;
                tl[((size_t)bucketv[o] * ni + di) * 2 + 1] += w;
            }
            ps[pidv[o]].int_flows += w;
        }
    }
}

static void pass_rows_a_plain(const engine *e, partial *restrict p, size_t lo, size_t hi)
{
    pass_rows_a(e, p, lo, hi, 0);
}

static void pass_rows_a_weighted(const engine *e, partial *restrict p, size_t lo, size_t hi)
{
    pass_rows_a(e, p, lo, hi, 1);
}

/* Group B over rows [lo, hi): per host and port, external peers, and
 * the internal triples (into tri, with their time; into hpo and hpi the
 * outbound bytes and inbound flows per (host, port) when the dense tables
 * are left out: here rather than in group A, which is the longer). Heavy hitters are
 * fed every SS_SAMPLE-th row: they only need to see the heavy peers, and a
 * sample does (facts scale the counts back); a sampled weighted row adds
 * its weight, so the peers shown are approximate on both paths. weighted
 * is a constant at both call sites, as for group A. */
static inline __attribute__((always_inline))
void pass_rows_b(const engine *e, partial *restrict p, size_t lo, size_t hi, sp_acc *tri, sp_acc *hpo, sp_acc *hpi,
                 const int weighted)
{
    const flow_table *t = e->t;
    const host_id *restrict srcc = t->src, *restrict dstc = t->dst;
    const uint16_t *restrict portc = t->port;
    const uint32_t *restrict bytesc = t->bytes;
    const uint32_t *restrict ii = e->int_index;
    const int32_t *restrict port_id = e->port_id;
    const uint32_t nop = e->sp_out.n;
    const int32_t *restrict out_of = e->sp_out.of, *restrict int_of = e->sp_int.of, *restrict in_of = e->sp_in.of;
    const uint64_t nin = e->sp_in.n;
    const uint64_t ni = e->nint, nsp = e->sp_int.n;
    const int64_t *restrict tsc = t->ts;
    host_port_stat *restrict hp = p->hp;
    uint64_t *restrict hp_hi = p->hp_hi;
    uint8_t *restrict hll = p->hll;
    ss_slot *restrict ss = p->ss;
    cls_lists cl;
    uint32_t siv[CLS_BLOCK], div_[CLS_BLOCK];
    const uint32_t *restrict wc = t->weight;

    for (size_t blo = lo; blo < hi; blo += CLS_BLOCK) {
        const size_t bhi = blo + CLS_BLOCK < hi ? blo + CLS_BLOCK : hi;
        cl.n[0] = cl.n[1] = cl.n[2] = cl.n[3] = 0;
        for (size_t i = blo; i < bhi; i++) {
            const size_t o = i - blo;
            const uint32_t si = ii[srcc[i]], di = ii[dstc[i]];
            siv[o] = si; div_[o] = di;
            cls_push(&cl, (si != NO_INDEX) * 2 + (di != NO_INDEX), (uint16_t)o);
        }
        for (uint32_t k = 0; k < cl.n[CLS_OUT]; k++) {
            const uint32_t o = cl.idx[CLS_OUT][k];
            const size_t i = blo + o;
            const uint32_t si = siv[o], opid = (uint32_t)out_of[port_id[portc[i]]];
            uint64_t b = bytesc[i];
            if (b == FLOWS_BYTES_BIG) b = flows_bytes_at(t, i);
            const uint32_t w = weighted ? wc[i] : 1;
            if (hp) {
                size_t c = (size_t)si * nop + opid;
                uint64_t low = (uint64_t)hp[c].bytes_lo + (b & 0xffffffffu);
                hp[c].bytes_lo = (uint32_t)low;
                hp[c].out_flows += w;
                if ((low >> 32) | (b >> 32)) hp_hi[c] += (low >> 32) + (b >> 32);
            } else sp_push(hpo, (uint64_t)si * nop + opid, b, weighted, w);   /* hpo is set when hp is not */
            hll_add(hll + (size_t)si * 2 * HLL_M, dstc[i]);
            if ((i & (SS_SAMPLE - 1)) == 0) ss_add(ss + (size_t)si * 2 * SS_K, dstc[i], w);
        }
        for (uint32_t k = 0; k < cl.n[CLS_IN]; k++) {
            const uint32_t o = cl.idx[CLS_IN][k];
            const size_t i = blo + o;
            const uint32_t di = div_[o];
            const uint32_t w = weighted ? wc[i] : 1;
            hll_add(hll + ((size_t)di * 2 + 1) * HLL_M, srcc[i]);
            if (hpi) sp_push(hpi, (uint64_t)di * nin + (uint32_t)in_of[port_id[portc[i]]], 0, weighted, w);
            if ((i & (SS_SAMPLE - 1)) == 0) ss_add(ss + ((size_t)di * 2 + 1) * SS_K, srcc[i], w);
        }
        for (uint32_t k = 0; k < cl.n[CLS_INT]; k++) {
            const uint32_t o = cl.idx[CLS_INT][k];
            const size_t i = blo + o;
            sp_push(tri, tri_key(ni, nsp, siv[o], div_[o], (uint32_t)int_of[port_id[portc[i]]]), (uint64_t)tsc[i],
                    weighted, weighted ? wc[i] : 1);
        }
    }
}

static void pass_rows_b_plain(const engine *e, partial *restrict p, size_t lo, size_t hi, sp_acc *tri, sp_acc *hpo, sp_acc *hpi)
{
    pass_rows_b(e, p, lo, hi, tri, hpo, hpi, 0);
}

static void pass_rows_b_weighted(const engine *e, partial *restrict p, size_t lo, size_t hi, sp_acc *tri, sp_acc *hpo, sp_acc *hpi)
{
    pass_rows_b(e, p, lo, hi, tri, hpo, hpi, 1);
}

/* One job: its groups over its rows, its sparse tallies finished into its
 * partial (failed set when out of memory). */
static void *pass_thread(void *arg)
{
    pass_job *j = arg;
    const engine *e = j->e;
    partial *p = j->p;
    double c0 = util_clock(CLOCK_THREAD_CPUTIME_ID);
    const int weighted = e->t->weight != NULL;
    /* weighted rows (a source's mapped groups) a slice at a time, each let
     * go once read; a file's table in one go */
    const size_t step = weighted ? RELEASE_ROWS : SIZE_MAX;
    if (j->groups & GROUP_A)
        for (size_t lo = j->lo, hi; lo < j->hi; lo = hi) {
            hi = j->hi - lo > step ? lo + step : j->hi;
            (weighted ? pass_rows_a_weighted : pass_rows_a_plain)(e, p, lo, hi);
            flows_release(e->t, lo, hi);
        }
    if (j->groups & GROUP_B) {
        sp_acc tri, hpo, hpi;
        uint64_t ntri = (uint64_t)e->nint * e->nint * (e->sp_int.n ? e->sp_int.n : 1);
        if (sp_init(&tri, SP_MIN, ntri, weighted) | sp_init(&hpo, SP_SUM, (uint64_t)e->nint * e->sp_out.n, weighted)
            | sp_init(&hpi, SP_SUM, (uint64_t)e->nint * e->sp_in.n, weighted)) j->failed = 1;
        else {
            for (size_t lo = j->lo, hi; lo < j->hi; lo = hi) {
                hi = j->hi - lo > step ? lo + step : j->hi;
                (weighted ? pass_rows_b_weighted : pass_rows_b_plain)(e, p, lo, hi, &tri, p->hp ? NULL : &hpo,
                                                                     j->sparse_in ? &hpi : NULL);
                flows_release(e->t, lo, hi);
            }
            if (sp_finish(&tri, &p->tri, &p->ntri)) j->failed = 1;
            if (!p->hp && sp_finish(&hpo, &p->hpo, &p->nhpo)) j->failed = 1;
            if (j->sparse_in && sp_finish(&hpi, &p->hpi, &p->nhpi)) j->failed = 1;
        }
        sp_release(&tri); sp_release(&hpo); sp_release(&hpi);
    }
    j->cpu = util_clock(CLOCK_THREAD_CPUTIME_ID) - c0;
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

/* Folds partial b (same groups, later rows) into a; -1 when out of memory. */
static int partial_merge(const engine *e, partial *a, partial *b)
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets;
    if (a->hs && b->hs) {
        for (int h = 0; h < 24; h++) { a->hour_flows[h] += b->hour_flows[h]; a->hour_bytes[h] += b->hour_bytes[h]; }
        for (size_t k = 0; k < nb; k++) a->tl_all[k] += b->tl_all[k];
        for (size_t k = 0; k < np; k++) {
            port_stat *x = &a->ps[k];
            const port_stat *y = &b->ps[k];
            x->flows += y->flows; x->bytes += y->bytes; x->out_flows += y->out_flows;
            x->out_bytes += y->out_bytes; x->in_flows += y->in_flows; x->int_flows += y->int_flows;
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
        }
        for (size_t k = 0; k < ni * 24; k++) {
            a->ih[k].flows += b->ih[k].flows;
            a->ih[k].bytes += b->ih[k].bytes;
            a->ih[k].out_bytes += b->ih[k].out_bytes;
        }
        if (a->tl && b->tl) for (size_t k = 0; k < ni * nb * 2; k++) a->tl[k] += b->tl[k];
    }
    if (a->ext_dst1 && b->ext_dst1) {
        for (size_t h = 0; h < nh; h++) {
            uint32_t u = a->ext_dst1[h], v = b->ext_dst1[h];
            if (u == NO_INDEX) a->ext_dst1[h] = v;
            else if (v != NO_INDEX && v != u) a->ext_dst1[h] = DST_MULTI;
        }
        if (a->in_ports && b->in_ports) for (size_t k = 0; k < nh * e->sp_in.words; k++) a->in_ports[k] |= b->in_ports[k];
        if (a->hp_in && b->hp_in) for (size_t k = 0; k < ni * e->sp_in.n; k++) a->hp_in[k] += b->hp_in[k];
    }
    if (a->hll && b->hll) {
        for (size_t k = 0; k < ni * 2 * HLL_M; k++) if (b->hll[k] > a->hll[k]) a->hll[k] = b->hll[k];
        for (size_t k = 0; k < ni * 2; k++) ss_merge(a->ss + k * SS_K, b->ss + k * SS_K);
        if (a->hp && b->hp)
            for (size_t k = 0; k < ni * e->sp_out.n; k++) {
                uint64_t sum = hp_out_bytes(a, k) + hp_out_bytes(b, k);
                a->hp[k].bytes_lo = (uint32_t)sum;
                a->hp_hi[k] = sum >> 32;
                a->hp[k].out_flows += b->hp[k].out_flows;
            }
        if (!a->hp && sp_absorb(SP_SUM, &a->hpo, &a->nhpo, &b->hpo, &b->nhpo)) return -1;
        if ((a->hpi || b->hpi) && sp_absorb(SP_SUM, &a->hpi, &a->nhpi, &b->hpi, &b->nhpi)) return -1;
        if (sp_absorb(SP_MIN, &a->tri, &a->ntri, &b->tri, &b->ntri)) return -1;
    }
    return 0;
}

/* Moves group B's arrays of src into dst (which holds group A's). */
static void partial_take_b(partial *dst, partial *src)
{
    dst->hll = src->hll; dst->ss = src->ss; dst->hp = src->hp; dst->hp_hi = src->hp_hi;
    dst->hpo = src->hpo; dst->nhpo = src->nhpo; dst->tri = src->tri; dst->ntri = src->ntri;
    dst->hpi = src->hpi; dst->nhpi = src->nhpi;
    src->hll = NULL; src->ss = NULL; src->hp = NULL; src->hp_hi = NULL; src->hpo = NULL; src->tri = NULL; src->hpi = NULL;
}

/* ---- running it --------------------------------------------------------- */

int run_threads(int n, void *(*fn)(void *), void *jobs, size_t job_size)
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

int pass_run(engine *e, const pass_sizes *z, int nth, int stage_timing)
{
    /* Jobs: one thread runs both groups; two or more split into a group-A
     * half and a group-B half, each half splitting the rows among its
     * threads (each with its own copy of its group, merged after). More
     * threads only while their copies stay small next to the table. */
    while (nth > 2 && (partial_bytes(e, z, GROUP_A) + partial_bytes(e, z, GROUP_B)) * (size_t)nth / 2
                      > 64u * 1024 * 1024 + e->t->n * 4) nth -= 2;
    if (nth > 2 && nth % 2) nth--;
    int na = nth >= 2 ? nth / 2 : 1, nbt = nth >= 2 ? nth - nth / 2 : 0;
    int njobs = nth >= 2 ? nth : 1;
    partial *parts = calloc((size_t)njobs, sizeof *parts);
    pass_job *jobs = calloc((size_t)njobs, sizeof *jobs);
    if (!parts || !jobs) { free(parts); free(jobs); return -1; }
    for (int k = 0; k < njobs; k++) {
        int groups, idx, of;
        if (njobs == 1) { groups = GROUP_A | GROUP_B; idx = 0; of = 1; }
        else if (k < na) { groups = GROUP_A; idx = k; of = na; }
        else { groups = GROUP_B; idx = k - na; of = nbt; }
        if (partial_alloc(e, z, groups, &parts[k])) {
            for (int m = 0; m < k; m++) partial_free(&parts[m]);
            free(parts); free(jobs);
            return -1;
        }
        jobs[k].e = e;
        jobs[k].p = &parts[k];
        jobs[k].groups = groups;
        jobs[k].sparse_in = !z->with_hp_in;
        jobs[k].lo = e->t->n * (size_t)idx / (size_t)of;
        jobs[k].hi = e->t->n * (size_t)(idx + 1) / (size_t)of;
    }
    double tp = util_clock(CLOCK_MONOTONIC), cp = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    run_threads(njobs, pass_thread, jobs, sizeof *jobs);
    if (stage_timing) {
        fprintf(stderr, "pass: %.3f s cpu %.3f jobs %d:", util_clock(CLOCK_MONOTONIC) - tp, util_clock(CLOCK_PROCESS_CPUTIME_ID) - cp, njobs);
        for (int k = 0; k < njobs; k++) fprintf(stderr, " %s %.3f", jobs[k].groups == GROUP_A ? "A" : jobs[k].groups == GROUP_B ? "B" : "AB", jobs[k].cpu);
        fputc('\n', stderr);
    }
    int failed = 0;
    for (int k = 0; k < njobs; k++) failed |= jobs[k].failed;
    if (failed) {
        for (int m = 0; m < njobs; m++) partial_free(&parts[m]);
        free(parts); free(jobs);
        return -1;
    }
    if (njobs > 1) {
        for (int k = 1; k < na; k++) failed |= partial_merge(e, &parts[0], &parts[k]);
        for (int k = na + 1; k < njobs; k++) failed |= partial_merge(e, &parts[na], &parts[k]);
        for (int k = 1; k < njobs; k++) if (k != na) partial_free(&parts[k]);
        if (failed) {
            partial_free(&parts[0]); partial_free(&parts[na]);
            free(parts); free(jobs);
            return -1;
        }
        partial_take_b(&parts[0], &parts[na]);
        partial_free(&parts[na]);
    }
    e->f = parts[0];
    free(parts);
    free(jobs);
    return 0;
}
