/* netinfer.c: the internal network, inferred from the flows when the person
 * does not name it (--internal).
 *
 * Why it can be inferred: flows are captured at the network's edge or inside
 * it, so every flow has at least one internal end. The internal space is
 * then a small vertex cover of the "who talks to whom" graph, taken over
 * address blocks rather than hosts:
 *   1. The RFC 1918 blocks (10/8, 172.16/12, 192.168/16) are internal when
 *      any flow has an end in them: nobody routes them on the Internet.
 *   2. While more than NET_UNCOVERED of the flows have no internal end, the
 *      /16 block that appears in the most of those flows is added (greedy
 *      vertex cover: an internal /16 touches its own hosts' flows to every
 *      outside block, an outside /16 only its flows to the inside).
 *   3. A greedy cover can take a popular outside block early (a cloud
 *      provider's /16 that a tenth of the flows reach); once the inside is
 *      taken such a block covers nothing alone, so every added block that
 *      the others make redundant is dropped again.
 *   4. The greedy stops while a few thin internal blocks (a /16 with one or
 *      two hosts) may be left out. A block most of whose own flows have no
 *      internal end cannot be outside (an outside host's flows all reach
 *      the inside), so such a block with at least NET_MIN_FLOWS sampled
 *      flows is added too: one at a time, the one with the most such flows
 *      first (an outside block that only talks to a thin inside block then
 *      becomes covered instead of being taken), at most NET_MAX_THIN.
 *   5. /16 blocks that fill every /16 of their /8 seen in the data are
 *      written as the /8 (the CTF's 12/8, 13/8, 14/8).
 * The blocks are chosen from a sample of at most NET_SAMPLE rows (the choice
 * needs proportions, not counts); the share of flows the result explains is
 * counted exactly by the fused pass (facts_internal_net). Host names (IPv6,
 * DNS names) are never internal. */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

#define NET_SAMPLE (1u << 20)
#define NET_UNCOVERED 0.002      /* flows left with no internal end: stop */
#define NET_MIN_GAIN 0.0005      /* a block must explain this share to be added */
#define NET_MIN_FLOWS 8          /* sampled flows a block needs for step 4 */
#define NET_MAX_THIN 1024        /* blocks step 4 may add */

typedef struct block_pair {
    uint32_t a, b;               /* /16 block numbers, a <= b; NET_NONE for a name */
    uint64_t flows;
} block_pair;

#define NET_NONE UINT32_MAX

static int cmp_pair(const void *x, const void *y)
{
    const block_pair *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->b > q->b) - (p->b < q->b);
}

static int is_rfc1918(uint32_t ip)
{
    return (ip >> 24) == 10 || (ip >> 20) == (0xac10u >> 4) || (ip >> 16) == 0xc0a8u;
}

/* The /16 of host h, or NET_NONE for a string host. */
static uint32_t block_of(const host_dict *d, host_id h)
{
    if (d->name_off[h] != UINT32_MAX) return NET_NONE;
    return d->ip[h] >> 16;
}

/* Distinct (block, block) pairs with their flow counts, from a sample of
 * the rows. Weighted rows (a remote source's) are all taken, each for its
 * flows: the same counts as a file's rows whenever its sample is all of
 * them (fewer than NET_SAMPLE flows); past that the file's path samples
 * rows and the weighted one counts every flow, and both estimate the same
 * proportions. Returns the count, or SIZE_MAX when out of memory. */
/* Sorts v[0..n) and folds equal pairs: the distinct count. */
static size_t fold_pairs(block_pair *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_pair);
    size_t u = 0;
    for (size_t k = 0; k < n; k++) {
        if (u && v[u - 1].a == v[k].a && v[u - 1].b == v[k].b) v[u - 1].flows += v[k].flows;
        else v[u++] = v[k];
    }
    return u;
}

static size_t sample_pairs(const flow_table *t, block_pair **out, uint64_t *total)
{
    size_t step = t->weight ? 1 : t->n / NET_SAMPLE + 1, m = t->n / step + 1, n = 0;
    /* weighted rows are all taken, folded whenever the buffer fills: it
     * holds about the distinct pairs (a few thousand), not the rows, and
     * the rows (a source's mapped groups) are let go behind */
    if (t->weight && m > NET_SAMPLE) m = NET_SAMPLE;
    block_pair *v = malloc(m * sizeof *v);
    if (!v) return SIZE_MAX;
    uint64_t flows = 0;
    for (size_t i = 0; i < t->n; i += step) {
        if (n == m) {   /* weighted rows only: m holds a file's whole sample */
            n = fold_pairs(v, n);
            if (n > m / 2) {
                block_pair *nv = realloc(v, 2 * m * sizeof *v);
                if (!nv) { free(v); return SIZE_MAX; }
                v = nv;
                m *= 2;
            }
        }
        if (t->weight && i && (i & (RELEASE_ROWS - 1)) == 0) flows_release(t, i - RELEASE_ROWS, i);
        uint32_t a = block_of(&t->hosts, t->src[i]), b = block_of(&t->hosts, t->dst[i]);
        if (a > b) { uint32_t x = a; a = b; b = x; }
        uint32_t w = flows_weight_at(t, i);
        v[n++] = (block_pair){ a, b, w };
        flows += w;
    }
    *total = flows;
    *out = v;
    return fold_pairs(v, n);
}

/* Flows of the sample with no end in a chosen block. */
static uint64_t uncovered(const block_pair *p, size_t n, const uint8_t *chosen)
{
    uint64_t u = 0;
    for (size_t k = 0; k < n; k++) {
        int ca = p[k].a != NET_NONE && chosen[p[k].a], cb = p[k].b != NET_NONE && chosen[p[k].b];
        if (!ca && !cb) u += p[k].flows;
    }
    return u;
}

static void list_add(cidr_list *l, uint32_t net, int bits)
{
    if (l->n >= CIDR_MAX) return;
    l->v[l->n].net = net;
    l->v[l->n].mask = bits ? 0xffffffffu << (32 - bits) : 0;
    l->n++;
}

int engine_infer_internal(const flow_table *t, cidr_list *out)
{
    memset(out, 0, sizeof *out);
    if (t->n == 0) return 0;
    block_pair *p = NULL;
    uint64_t total = 0;
    size_t n = sample_pairs(t, &p, &total);
    if (n == SIZE_MAX) return -1;
    uint8_t *present = calloc(65536, 1), *chosen = calloc(65536, 1), *rfc = calloc(65536, 1);
    uint64_t *gain = calloc(65536, sizeof *gain);
    uint32_t *order = malloc(65536 * sizeof *order);
    if (!present || !chosen || !rfc || !gain || !order) {
        free(p); free(present); free(chosen); free(rfc); free(gain); free(order);
        return -1;
    }
    int has10 = 0, has172 = 0, has192 = 0;
    for (size_t k = 0; k < n; k++)
        for (int s = 0; s < 2; s++) {
            uint32_t b = s ? p[k].b : p[k].a;
            if (b == NET_NONE) continue;
            present[b] = 1;
            if (is_rfc1918(b << 16)) {
                chosen[b] = rfc[b] = 1;
                has10 |= (b >> 8) == 10;
                has172 |= (b >> 4) == (0xac10u >> 4);
                has192 |= b == 0xc0a8u;
            }
        }
    /* step 1 done; step 2: greedy over /16 blocks */
    uint32_t nadded = 0;
    uint64_t left = uncovered(p, n, chosen);
    while ((double)left > NET_UNCOVERED * (double)total) {
        memset(gain, 0, 65536 * sizeof *gain);
        for (size_t k = 0; k < n; k++) {
            uint32_t a = p[k].a, b = p[k].b;
            if ((a != NET_NONE && chosen[a]) || (b != NET_NONE && chosen[b])) continue;
            if (a != NET_NONE) gain[a] += p[k].flows;
            if (b != NET_NONE && b != a) gain[b] += p[k].flows;
        }
        uint32_t best = NET_NONE;
        for (uint32_t b = 0; b < 65536; b++)
            if (gain[b] && (best == NET_NONE || gain[b] > gain[best])) best = b;
        if (best == NET_NONE || (double)gain[best] < NET_MIN_GAIN * (double)total) break;
        chosen[best] = 1;
        order[nadded++] = best;
        left -= gain[best];
    }
    /* step 3: drop added blocks the others make redundant, latest first */
    uint64_t limit = left > (uint64_t)(NET_UNCOVERED * (double)total) ? left : (uint64_t)(NET_UNCOVERED * (double)total);
    for (uint32_t k = nadded; k-- > 0;) {
        chosen[order[k]] = 0;
        if (uncovered(p, n, chosen) > limit) chosen[order[k]] = 1;
    }
    /* step 4: blocks whose own flows are mostly without an internal end */
    for (int round = 0, changed = 1; changed && round < NET_MAX_THIN; round++) {
        changed = 0;
        memset(gain, 0, 65536 * sizeof *gain);
        uint64_t *own = calloc(65536, sizeof *own);
        if (!own) break;
        for (size_t k = 0; k < n; k++) {
            uint32_t a = p[k].a, b = p[k].b;
            int ca = a != NET_NONE && chosen[a], cb = b != NET_NONE && chosen[b];
            if (a != NET_NONE) { own[a] += p[k].flows; if (!ca && !cb) gain[a] += p[k].flows; }
            if (b != NET_NONE && b != a) { own[b] += p[k].flows; if (!ca && !cb) gain[b] += p[k].flows; }
        }
        uint32_t best = NET_NONE;
        for (uint32_t b = 0; b < 65536; b++)
            if (!chosen[b] && own[b] >= NET_MIN_FLOWS && gain[b] * 2 > own[b] && (best == NET_NONE || gain[b] > gain[best]))
                best = b;
        if (best != NET_NONE) { chosen[best] = 1; changed = 1; }
        free(own);
    }
    /* step 5: write the list; /16 blocks that fill their /8 (or too many
     * blocks for the list) as whole /8s */
    if (has10) list_add(out, 10u << 24, 8);
    if (has172) list_add(out, 0xac100000u, 12);
    if (has192) list_add(out, 0xc0a80000u, 16);
    int base = out->n, wide = 0;
    for (int pass = 0; pass < 2; pass++) {
        out->n = base;
        for (uint32_t a8 = 0; a8 < 256; a8++) {
            int any = 0, all = 1;
            for (uint32_t b = a8 << 8; b < (a8 + 1) << 8; b++) {
                if (rfc[b]) continue;
                if (chosen[b]) any = 1;
                else if (present[b]) all = 0;
            }
            if (!any) continue;
            if (all || wide) { list_add(out, a8 << 24, 8); continue; }
            for (uint32_t b = a8 << 8; b < (a8 + 1) << 8; b++)
                if (chosen[b] && !rfc[b]) {
                    if (out->n == CIDR_MAX) wide = 1;
                    else list_add(out, b << 16, 16);
                }
        }
        if (!wide) break;
    }
    free(p); free(present); free(chosen); free(rfc); free(gain); free(order);
    return 0;
}

double engine_internal_share(const flow_table *t, const cidr_list *net, size_t *internal_hosts)
{
    const host_dict *d = &t->hosts;
    uint8_t *in = malloc((size_t)d->n + 1);
    size_t nin = 0, covered = 0;
    if (!in) { if (internal_hosts) *internal_hosts = 0; return 0; }
    for (uint32_t h = 0; h < d->n; h++) {
        in[h] = d->name_off[h] == UINT32_MAX && cidr_list_contains(net, d->ip[h]);
        nin += in[h];
    }
    for (size_t lo = 0, hi; lo < t->n; lo = hi) {
        hi = slice_end(lo, t->n);
        for (size_t i = lo; i < hi; i++) covered += (size_t)(in[t->src[i]] | in[t->dst[i]]) * flows_weight_at(t, i);
        flows_release(t, lo, hi);
    }
    free(in);
    if (internal_hosts) *internal_hosts = nin;
    uint64_t all = flows_count(t);
    return all ? (double)covered / (double)all : 1.0;
}
