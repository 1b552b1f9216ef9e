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
    uint64_t *bits = NULL, *pool = NULL;
    search s;
    memset(&s, 0, sizeof s);
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
    /* 3. branch and bound on bitsets, vertices in degeneracy order (the
     * peel's order, last peeled first, is what makes colourings tight) */
    s.n = left;
    s.nw = (left + 63) / 64;
    bits = calloc((size_t)left * s.nw + 1, sizeof *bits);
    pool = calloc((size_t)(left + 2) * 3 * s.nw + 1, sizeof *pool);
    s.pool = pool;
    s.cur = malloc((left + 1) * sizeof *s.cur);
    s.best = malloc((left + 1) * sizeof *s.best);
    s.order = malloc(((size_t)left + 1) * (left + 1) * sizeof *s.order);
    s.colour = malloc(((size_t)left + 1) * (left + 1) * sizeof *s.colour);
    if (!bits || !pool || !s.cur || !s.best || !s.order || !s.colour) goto done;
    for (size_t k = 0; k < m; k++) {
        if (gone[eu[k]] || gone[ev[k]]) continue;
        uint32_t x = newid[eu[k]], y = newid[ev[k]];
        bits[(size_t)x * s.nw + (y >> 6)] |= 1ull << (y & 63);
        bits[(size_t)y * s.nw + (x >> 6)] |= 1ull << (x & 63);
    }
    s.adj = bits;
    s.budget = *budget;
    /* 2. a greedy clique first: the best bound to prune with */
    {
        uint64_t *cand = pool;
        for (uint32_t v = 0; v < left; v++) cand[v >> 6] |= 1ull << (v & 63);
        for (;;) {
            uint32_t bv = NO_INDEX, bd = 0;
            for (uint32_t v = 0; v < left; v++) {
                if (!bit_test(cand, v)) continue;
                uint32_t d = 0;
                for (uint32_t w = 0; w < s.nw; w++) d += (uint32_t)__builtin_popcountll(cand[w] & bits[(size_t)v * s.nw + w]);
                if (bv == NO_INDEX || d > bd) { bv = v; bd = d; }
            }
            if (bv == NO_INDEX) break;
            s.best[s.nbest++] = bv;
            for (uint32_t w = 0; w < s.nw; w++) cand[w] &= bits[(size_t)bv * s.nw + w];
        }
        memset(cand, 0, s.nw * sizeof *cand);
        s.budget = s.budget > (uint64_t)left * s.nw * 4 ? s.budget - (uint64_t)left * s.nw * 4 : 0;
    }
    if (s.nbest <= at_least) s.nbest = at_least;   /* only a larger clique is of use */
    uint32_t greedy = s.nbest;
    for (uint32_t v = 0; v < left; v++) pool[v >> 6] |= 1ull << (v & 63);
    s.ub = 0;
    expand(&s, 0);
    *budget = s.budget;
    uint32_t found = s.nbest > at_least ? s.nbest : 0;
    uint32_t core = e->clique_bound[pid];
    out->exact = !s.stopped;
    out->upper = s.stopped ? (s.ub > s.nbest ? s.ub : s.nbest) : found;
    if (out->upper > core) out->upper = core;
    if (s.stopped && out->upper < at_least) out->upper = at_least;
    (void)greedy;
    if (found) {
        out->size = found;
        out->members = malloc(found * sizeof *out->members);
        if (!out->members) goto done;
        for (uint32_t k = 0; k < found; k++) out->members[k] = e->nodes[na + back[s.best[k]]];
        for (uint32_t i = 1; i < found; i++)   /* ascending host id */
            for (uint32_t j = i; j > 0 && out->members[j] < out->members[j - 1]; j--) {
                host_id t = out->members[j]; out->members[j] = out->members[j - 1]; out->members[j - 1] = t;
            }
    }
    rc = 0;
done:
    free(local); free(deg); free(eu); free(ev); free(gone); free(adj_off); free(adj); free(queue); free(newid); free(back);
    free(bits); free(pool); free(s.cur); free(s.best); free(s.order); free(s.colour);
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
