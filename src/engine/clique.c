/* clique.c: the largest clique of a port's internal graph, with a bound on
 * the work.
 *
 * Exact maximum clique is exponential in the worst case, and real networks
 * have that case: a file-server mesh of hundreds of hosts on port 445 with
 * half the pairs linked. So the search is a branch and bound with a budget:
 *   1. Hosts on the blacklist leave the graph; the rest is peeled to its
 *      at_least-core (a clique of more than at_least hosts needs that many
 *      neighbours each). A planted P2P mesh peels to exactly itself: when
 *      what is left is complete it is the answer, found in linear time.
 *   2. A greedy clique (highest degree first) gives a first lower bound.
 *   3. Tomita's MCQ on adjacency bitsets: vertices ordered by degeneracy,
 *      each branch bounded by a greedy colouring (a clique needs a colour
 *      per member), branches that cannot beat the best pruned.
 *   4. Every colouring step spends the budget by the words it touches.
 *      When the budget runs out, the branches not yet explored each say
 *      how large a clique they could hold (size so far + colours), and the
 *      largest of those, with the core bound, is the upper bound reported
 *      with the best clique found: "at least 38, at most 41".
 * Results are kept per port with the set of blacklisted hosts in its graph
 * (a hash), so a blacklist change searches again only the ports whose
 * graph it changed. */
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

#define DENSE_MAX 1024           /* larger remaining graphs are searched vertex by vertex */

typedef struct search {
    uint32_t n, nw;              /* vertices, 64-bit words a row */
    const uint64_t *adj;         /* n rows of nw words */
    uint32_t *cur, ncur;         /* the clique being grown */
    uint32_t *best, nbest;
    uint32_t ub;                 /* largest bound of an unexplored branch */
    uint64_t budget;             /* words left to touch */
    int stopped;
    uint64_t *pool;              /* per depth: candidate set + colouring scratch */
    uint32_t *order, *colour;    /* per depth: vertices in colour order, their colour */
} search;

static inline int bit_test(const uint64_t *s, uint32_t v) { return (int)(s[v >> 6] >> (v & 63) & 1); }

/* Bits set in x, without the library call __builtin_popcountll becomes
 * when the build may not assume the popcnt instruction. */
static inline uint32_t popcount64(uint64_t x)
{
    x = x - ((x >> 1) & 0x5555555555555555ull);
    x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
    x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0full;
    return (uint32_t)((x * 0x0101010101010101ull) >> 56);
}

/* The largest clique of more than floor vertices among sub[0..m) (vertex
 * numbers of the adjacency lists adj_off/adj; pos[v] must be -1 for every
 * vertex, and is left so), spending *budget: its vertices into found
 * (room for m), its size returned (0: none above floor). *stopped is set
 * when the budget ran out, *ub then raised to what the unexplored branches
 * could hold. -1 out of memory. */
static int clique_in_subset(const uint32_t *adj_off, const uint32_t *adj, const uint32_t *sub, uint32_t m, int32_t *pos,
                            uint32_t floor, uint64_t *budget, uint32_t *found, int *stopped, uint32_t *ub);

/* Greedy colouring of set p (nw words, destroyed) into order[]/col[]
 * ascending by colour; only vertices whose colour could still beat the
 * best (colour >= kmin) are listed. Returns how many were listed. */
static uint32_t colour_sort(search *s, uint64_t *p, uint64_t *u, uint32_t kmin, uint32_t *order, uint32_t *col)
{
    uint32_t m = 0, k = 0, nw = s->nw;
    for (;;) {
        int any = 0;
        for (uint32_t w = 0; w < nw; w++) if (p[w]) { any = 1; break; }
        if (!any) break;
        k++;
        memcpy(u, p, nw * sizeof *u);
        for (uint32_t w = 0; w < nw; w++)
            while (u[w]) {
                uint32_t v = w * 64 + (uint32_t)__builtin_ctzll(u[w]);
                u[w] &= u[w] - 1;
                p[w] &= ~(1ull << (v & 63));
                const uint64_t *nv = s->adj + (size_t)v * nw;
                for (uint32_t x = w; x < nw; x++) u[x] &= ~nv[x];
                if (k >= kmin) { order[m] = v; col[m] = k; m++; }
            }
        s->budget = s->budget > (uint64_t)nw * 4 ? s->budget - (uint64_t)nw * 4 : 0;
    }
    return m;
}

/* Grows s->cur from the candidates at depth (s->pool + depth * 3 words
 * rows: candidates, colouring scratch, a copy the colouring leaves whole);
 * the children's candidates go to the next depth's row. */
static void expand(search *s, uint32_t depth)
{
    uint32_t nw = s->nw;
    uint64_t *p = s->pool + (size_t)depth * 3 * nw, *u = p + nw, *keep = p + 2 * nw, *next = p + 3 * nw;
    uint32_t *order = s->order + (size_t)depth * s->n, *col = s->colour + (size_t)depth * s->n;
    memcpy(keep, p, nw * sizeof *keep);
    uint32_t kmin = s->nbest >= s->ncur ? s->nbest - s->ncur + 1 : 1;
    uint32_t m = colour_sort(s, p, u, kmin > 1 ? kmin : 1, order, col);
    for (uint32_t i = m; i-- > 0;) {
        if (s->ncur + col[i] <= s->nbest) return;
        if (s->stopped || !s->budget) {
            s->stopped = 1;
            if (s->ncur + col[i] > s->ub) s->ub = s->ncur + col[i];
            return;
        }
        uint32_t v = order[i];
        s->cur[s->ncur++] = v;
        const uint64_t *nv = s->adj + (size_t)v * nw;
        int any = 0;
        for (uint32_t w = 0; w < nw; w++) { next[w] = keep[w] & nv[w]; any |= next[w] != 0; }
        if (!any) {
            if (s->ncur > s->nbest) { s->nbest = s->ncur; memcpy(s->best, s->cur, s->ncur * sizeof *s->cur); }
        } else {
            expand(s, depth + 1);
        }
        s->ncur--;
        keep[v >> 6] &= ~(1ull << (v & 63));
    }
}

/* The cached result of port pid, if its graph's blacklisted hosts and the
 * threshold are what they were. */
static uint64_t excluded_signature(const engine *e, uint32_t pid)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (size_t k = e->node_off[pid]; k < e->node_off[pid + 1]; k++)
        if (e->excluded[e->nodes[k]]) { h ^= e->nodes[k] + 1; h *= 0xbf58476d1ce4e5b9ull; h ^= h >> 29; }
    return h;
}

void clique_cache_free(engine *e)
{
    if (!e->clique_cache) return;
    for (size_t k = 0; k < 2 * (size_t)e->nports; k++) free(e->clique_cache[k].members);
    free(e->clique_cache);
    e->clique_cache = NULL;
}

int graph_port_clique(engine *e, uint32_t pid, uint32_t at_least, uint64_t *budget, clique_result *out)
{
    memset(out, 0, sizeof *out);
    out->upper = at_least;
    out->exact = 1;
    /* two memos a port: the probe at its bound, and the search below it */
    if (!e->clique_cache && !(e->clique_cache = calloc(2 * (size_t)e->nports + 1, sizeof *e->clique_cache))) return -1;
    clique_memo *memo = &e->clique_cache[2 * (size_t)pid + (at_least + 1 != e->clique_bound[pid])];
    uint64_t sig = excluded_signature(e, pid);
    if (memo->valid && memo->signature == sig && memo->at_least == at_least && (memo->result.exact || *budget == memo->budget)) {
        *out = memo->result;
        out->members = NULL;
        if (memo->result.size) {
            out->members = malloc(memo->result.size * sizeof *out->members);
            if (!out->members) return -1;
            memcpy(out->members, memo->members, memo->result.size * sizeof *out->members);
        }
        out->cached = 1;
        return 0;
    }
    uint64_t budget_in = *budget;

    size_t a = e->edge_off[pid], b = e->edge_off[pid + 1];
    size_t na = e->node_off[pid];
    uint32_t n = (uint32_t)(e->node_off[pid + 1] - na);
    int rc = -1;
    uint32_t *local = NULL, *deg = NULL, *eu = NULL, *ev = NULL, *adj_off = NULL, *adj = NULL, *queue = NULL, *newid = NULL, *back = NULL;
    uint8_t *gone = NULL;
    if (b == a || n == 0) { rc = 0; goto done; }
    local = malloc((size_t)e->nint * sizeof *local);
    deg = calloc(n, sizeof *deg);
    eu = malloc((b - a) * sizeof *eu);
    ev = malloc((b - a) * sizeof *ev);
    gone = calloc(n, 1);
    adj_off = calloc(n + 1, sizeof *adj_off);
    queue = malloc((n + 1) * sizeof *queue);
    newid = malloc((n + 1) * sizeof *newid);
    if (!local || !deg || !eu || !ev || !gone || !adj_off || !queue || !newid) goto done;
    for (uint32_t k = 0; k < n; k++) {
        host_id h = e->nodes[na + k];
        local[e->int_index[h]] = k;
        if (e->excluded[h]) gone[k] = 1;
    }
    size_t m = 0;
    for (size_t k = a; k < b; k++) {
        uint32_t u = local[e->int_index[e->edges[2 * k]]], v = local[e->int_index[e->edges[2 * k + 1]]];
        if (gone[u] || gone[v] || u == v) continue;
        eu[m] = u; ev[m] = v; m++;
        deg[u]++; deg[v]++;
    }
    /* 1. peel to the at_least-core */
    for (uint32_t k = 0; k < n; k++) adj_off[k + 1] = adj_off[k] + deg[k];
    adj = malloc((2 * m + 1) * sizeof *adj);
    if (!adj) goto done;
    {
        uint32_t *fill = malloc((n + 1) * sizeof *fill);
        if (!fill) goto done;
        memcpy(fill, adj_off, n * sizeof *fill);
        for (size_t k = 0; k < m; k++) { adj[fill[eu[k]]++] = ev[k]; adj[fill[ev[k]]++] = eu[k]; }
        free(fill);
    }
    size_t qh = 0, qt = 0;
    for (uint32_t k = 0; k < n; k++)
        if (!gone[k] && deg[k] < at_least) { gone[k] = 1; queue[qt++] = k; }
    while (qh < qt) {
        uint32_t v = queue[qh++];
        for (uint32_t j = adj_off[v]; j < adj_off[v + 1]; j++) {
            uint32_t u = adj[j];
            if (!gone[u] && --deg[u] < at_least) { gone[u] = 1; queue[qt++] = u; }
        }
    }
    uint32_t left = 0;
    for (uint32_t k = 0; k < n; k++) newid[k] = gone[k] ? NO_INDEX : left++;
    if (left <= at_least) { rc = 0; goto done; }
    size_t m_left = 0;
    for (size_t k = 0; k < m; k++) m_left += !gone[eu[k]] && !gone[ev[k]];
    back = malloc((left + 1) * sizeof *back);
    if (!back) goto done;
    for (uint32_t k = 0; k < n; k++) if (newid[k] != NO_INDEX) back[newid[k]] = k;
    /* what is left may be a clique already: the planted mesh peels to itself */
    if (m_left == (size_t)left * (left - 1) / 2) {
        out->size = out->upper = left;
        out->members = malloc((size_t)left * sizeof *out->members);
        if (!out->members) goto done;
        for (uint32_t k = 0; k < left; k++) out->members[k] = e->nodes[na + back[k]];   /* ascending: nodes are */
        rc = 0;
        goto done;
    }
    /* 3. branch and bound. A remaining graph of at most DENSE_MAX vertices
     * is searched whole on bitsets; a larger one (a big sparse network's
     * core) vertex by vertex in degeneracy order: the clique through v among
     * v's later neighbours, of whom there are at most the degeneracy, so
     * every bitset stays small. */
    uint32_t *sub = malloc((left + 1) * sizeof *sub), *got = malloc((left + 1) * sizeof *got);
    uint32_t *best = malloc((left + 1) * sizeof *best);
    int32_t *pos = malloc((n + 1) * sizeof *pos);
    if (!sub || !got || !best || !pos) { free(sub); free(got); free(best); free(pos); goto done; }
    for (uint32_t k = 0; k < n; k++) pos[k] = -1;
    uint32_t nbest = 0, ub = 0;
    int stopped = 0;
    if (left <= DENSE_MAX) {
        uint32_t ms = 0;
        for (uint32_t k = 0; k < n; k++) if (!gone[k]) sub[ms++] = k;
        int r = clique_in_subset(adj_off, adj, sub, ms, pos, at_least, budget, got, &stopped, &ub);
        if (r < 0) { free(sub); free(got); free(best); free(pos); goto done; }
        if (r > 0) { nbest = (uint32_t)r; memcpy(best, got, nbest * sizeof *best); }
    } else {
        /* degeneracy order: peel the least connected first (queue by degree) */
        uint32_t *order = queue, maxd = 0, no = 0;
        for (uint32_t k = 0; k < n; k++) if (!gone[k] && deg[k] > maxd) maxd = deg[k];
        uint32_t *bucket = calloc(maxd + 2, sizeof *bucket), *slot = malloc((n + 1) * sizeof *slot);
        uint32_t *vert = malloc((n + 1) * sizeof *vert), *rank = malloc((n + 1) * sizeof *rank);
        if (!bucket || !slot || !vert || !rank) {
            free(bucket); free(slot); free(vert); free(rank); free(sub); free(got); free(best); free(pos);
            goto done;
        }
        for (uint32_t k = 0; k < n; k++) if (!gone[k]) bucket[deg[k] + 1]++;
        for (uint32_t d = 0; d <= maxd; d++) bucket[d + 1] += bucket[d];
        for (uint32_t k = 0; k < n; k++) if (!gone[k]) { slot[k] = bucket[deg[k]]++; vert[slot[k]] = k; }
        for (uint32_t d = maxd + 1; d > 0; d--) bucket[d] = bucket[d - 1];
        bucket[0] = 0;
        for (uint32_t i = 0; i < left; i++) {   /* Batagelj-Zaversnik */
            uint32_t v = vert[i];
            order[no++] = v;
            rank[v] = i;
            gone[v] = 2;
            for (uint32_t j = adj_off[v]; j < adj_off[v + 1]; j++) {
                uint32_t u = adj[j];
                if (gone[u] || deg[u] <= deg[v]) continue;
                uint32_t du = deg[u], pw = bucket[du], w = vert[pw];
                if (u != w) { vert[slot[u]] = w; slot[w] = slot[u]; vert[pw] = u; slot[u] = pw; }
                bucket[du]++;
                deg[u]--;
            }
        }
        for (uint32_t i = 0; i < left; i++) {
            uint32_t v = order[i], ms = 0;
            for (uint32_t j = adj_off[v]; j < adj_off[v + 1]; j++) {
                uint32_t u = adj[j];
                if (gone[u] == 2 && rank[u] > i) sub[ms++] = u;
            }
            uint32_t floor = nbest > at_least ? nbest : at_least;
            if (ms + 1 <= floor) continue;
            if (stopped || !*budget) { stopped = 1; if (ms + 1 > ub) ub = ms + 1; continue; }
            uint32_t sub_ub = 0;
            int sub_stopped = 0;
            /* a clique through v beats floor when v's later neighbours hold one above floor - 1 */
            int r = ms ? clique_in_subset(adj_off, adj, sub, ms, pos, floor ? floor - 1 : 0, budget, got, &sub_stopped, &sub_ub) : 0;
            if (!ms && floor == 0) { nbest = 1; best[0] = v; }
            if (r < 0) { free(bucket); free(slot); free(vert); free(rank); free(sub); free(got); free(best); free(pos); goto done; }
            if (sub_stopped) { stopped = 1; if (sub_ub + 1 > ub) ub = sub_ub + 1; }
            if (r > 0 && (uint32_t)r + 1 > floor) {
                nbest = (uint32_t)r + 1;
                best[0] = v;
                memcpy(best + 1, got, (size_t)r * sizeof *best);
            }
        }
        free(bucket); free(slot); free(vert); free(rank);
    }
    free(sub); free(got); free(pos);
    uint32_t found = nbest > at_least ? nbest : 0;
    uint32_t core = e->clique_bound[pid];
    out->exact = !stopped;
    out->upper = stopped ? (ub > nbest ? ub : nbest) : found;
    if (out->upper > core) out->upper = core;
    if (stopped && out->upper < at_least) out->upper = at_least;
    if (found) {
        out->size = found;
        out->members = malloc(found * sizeof *out->members);
        if (!out->members) { free(best); goto done; }
        for (uint32_t k = 0; k < found; k++) out->members[k] = e->nodes[na + best[k]];
        for (uint32_t i = 1; i < found; i++)   /* ascending host id */
            for (uint32_t j = i; j > 0 && out->members[j] < out->members[j - 1]; j--) {
                host_id t = out->members[j]; out->members[j] = out->members[j - 1]; out->members[j - 1] = t;
            }
    }
    free(best);
    rc = 0;
    goto done;
done:
    free(local); free(deg); free(eu); free(ev); free(gone); free(adj_off); free(adj); free(queue); free(newid); free(back);
    if (rc == 0) {
        free(memo->members);
        memo->members = NULL;
        memo->valid = 1;
        memo->signature = sig;
        memo->at_least = at_least;
        memo->budget = budget_in;
        memo->result = *out;
        memo->result.members = NULL;
        if (out->size && out->members && (memo->members = malloc(out->size * sizeof *memo->members)))
            memcpy(memo->members, out->members, out->size * sizeof *memo->members);
        else if (out->size) memo->valid = 0;
    }
    return rc;
}

static int clique_in_subset(const uint32_t *adj_off, const uint32_t *adj, const uint32_t *sub, uint32_t m, int32_t *pos,
                            uint32_t floor, uint64_t *budget, uint32_t *found, int *stopped, uint32_t *ub)
{
    if (m <= floor) return 0;
    search s;
    memset(&s, 0, sizeof s);
    s.n = m;
    s.nw = (m + 63) / 64;
    uint64_t *bits = calloc((size_t)m * s.nw + 1, sizeof *bits);
    s.pool = calloc((size_t)(m + 2) * 3 * s.nw + 1, sizeof *s.pool);
    s.cur = malloc((m + 1) * sizeof *s.cur);
    s.best = malloc((m + 1) * sizeof *s.best);
    s.order = malloc(((size_t)m + 1) * (m + 1) * sizeof *s.order);
    s.colour = malloc(((size_t)m + 1) * (m + 1) * sizeof *s.colour);
    int rc = -1;
    if (!bits || !s.pool || !s.cur || !s.best || !s.order || !s.colour) goto out;
    for (uint32_t i = 0; i < m; i++) pos[sub[i]] = (int32_t)i;
    uint64_t work = 0;
    for (uint32_t i = 0; i < m; i++)
        for (uint32_t j = adj_off[sub[i]]; j < adj_off[sub[i] + 1]; j++) {
            int32_t k = pos[adj[j]];
            if (k >= 0) bits[(size_t)i * s.nw + ((uint32_t)k >> 6)] |= 1ull << (k & 63);
            work++;
        }
    for (uint32_t i = 0; i < m; i++) pos[sub[i]] = -1;
    s.adj = bits;
    s.budget = *budget > work + (uint64_t)m * s.nw ? *budget - work - (uint64_t)m * s.nw : 0;
    /* a greedy clique first: the best bound to prune with */
    uint64_t *cand = s.pool;
    for (uint32_t v = 0; v < m; v++) cand[v >> 6] |= 1ull << (v & 63);
    for (;;) {
        uint32_t bv = NO_INDEX, bd = 0;
        for (uint32_t v = 0; v < m; v++) {
            if (!bit_test(cand, v)) continue;
            uint32_t d = 0;
            for (uint32_t w = 0; w < s.nw; w++) d += popcount64(cand[w] & bits[(size_t)v * s.nw + w]);
            if (bv == NO_INDEX || d > bd) { bv = v; bd = d; }
        }
        if (bv == NO_INDEX) break;
        s.best[s.nbest++] = bv;
        for (uint32_t w = 0; w < s.nw; w++) cand[w] &= bits[(size_t)bv * s.nw + w];
        s.budget = s.budget > (uint64_t)m * s.nw ? s.budget - (uint64_t)m * s.nw : 0;
    }
    if (s.nbest <= floor) s.nbest = floor;   /* only a larger clique is of use */
    memset(cand, 0, s.nw * sizeof *cand);
    for (uint32_t v = 0; v < m; v++) cand[v >> 6] |= 1ull << (v & 63);
    expand(&s, 0);
    *budget = s.budget;
    if (s.stopped) { *stopped = 1; if (s.ub > *ub) *ub = s.ub; }
    rc = 0;
    if (s.nbest > floor) {
        for (uint32_t k = 0; k < s.nbest; k++) found[k] = sub[s.best[k]];
        rc = (int)s.nbest;
    }
out:
    free(bits); free(s.pool); free(s.cur); free(s.best); free(s.order); free(s.colour);
    return rc;
}
