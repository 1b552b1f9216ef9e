/* graph.c: the per-port undirected graphs of internal traffic, and the
 * exact largest clique through igraph.
 *
 * At build each port's edge list (CSR by port) and node list come from the
 * internal triples, and igraph_coreness gives each port a clique bound (a clique
 * of k hosts needs k hosts of core number k-1, so max core + 1 bounds it).
 * At run, a port is searched only when its bound beats the best clique so
 * far; its graph is first peeled to the vertices of degree >= that best, so
 * a 264-clique among a thousand sparse hosts hands igraph just the clique. */
#include <stdlib.h>
#include <string.h>
#include <igraph/igraph.h>

#include "engine_priv.h"

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Max core number of a graph on n local vertices; -1 on failure. */
static long max_coreness(igraph_integer_t n, const igraph_vector_int_t *ev)
{
    igraph_t g;
    if (igraph_create(&g, ev, n, IGRAPH_UNDIRECTED) != IGRAPH_SUCCESS) return -1;
    igraph_vector_int_t cores;
    if (igraph_vector_int_init(&cores, 0) != IGRAPH_SUCCESS) { igraph_destroy(&g); return -1; }
    long best = -1;
    if (igraph_coreness(&g, &cores, IGRAPH_ALL) == IGRAPH_SUCCESS) {
        best = 0;
        for (igraph_integer_t i = 0; i < igraph_vector_int_size(&cores); i++)
            if (VECTOR(cores)[i] > best) best = (long)VECTOR(cores)[i];
    }
    igraph_vector_int_destroy(&cores);
    igraph_destroy(&g);
    return best;
}

/* Calls fn(ctx, a, b, pid) once per undirected internal edge {a < b} per
 * port, by a then b ascending: a's outbound triples to b > a merged with its
 * inbound ones from b > a (both sorted by (peer, port)). */
typedef void (*edge_fn)(engine *e, void *ctx, uint32_t a, uint32_t b, uint32_t pid);
static void each_edge(engine *e, edge_fn fn, void *ctx)
{
    const uint32_t *ipid = e->sp_int.pid;
    for (uint32_t a = 0; a < e->nint; a++) {
        uint64_t i = tri_src_begin(e, a), ie = tri_src_end(e, a), j = tri_dst_begin(e, a), je = tri_dst_end(e, a);
        while (i < ie && e->tri[i].dst <= a) i++;
        while (j < je && e->tri_in_src[j] <= a) j++;
        while (i < ie || j < je) {
            uint64_t x = i < ie ? (uint64_t)e->tri[i].dst << 16 | e->tri_port[i] : UINT64_MAX;
            uint64_t y = j < je ? (uint64_t)e->tri_in_src[j] << 16 | e->tri_in_port[j] : UINT64_MAX;
            uint64_t m = x < y ? x : y;
            if (x == m) i++;
            if (y == m) j++;
            fn(e, ctx, a, (uint32_t)(m >> 16), ipid[m & 0xffff]);
        }
    }
}

/* Counts an edge of port pid (edge_off, before the prefix sums). */
static void count_edge(engine *e, void *ctx, uint32_t a, uint32_t b, uint32_t pid)
{
    e->edge_off[pid + 1]++;
}

/* Writes an edge at port pid's next place (ctx: the places). */
static void put_edge(engine *e, void *ctx, uint32_t a, uint32_t b, uint32_t pid)
{
    size_t k = ((size_t *)ctx)[pid]++;
    e->edges[2 * k] = e->int_host[a];
    e->edges[2 * k + 1] = e->int_host[b];
}

int engine_build_port_graphs(engine *e)
{
    uint32_t np = e->nports, ni = e->nint;
    e->edge_off = calloc(np + 1, sizeof *e->edge_off);
    e->node_off = calloc(np + 1, sizeof *e->node_off);
    e->clique_bound = calloc(np + 1, sizeof *e->clique_bound);
    if (!e->edge_off || !e->node_off || !e->clique_bound) return -1;
    if (ni == 0) return 0;

    each_edge(e, count_edge, NULL);
    for (uint32_t k = 0; k < np; k++) e->edge_off[k + 1] += e->edge_off[k];
    size_t ne = e->edge_off[np];
    e->edges = malloc((ne * 2 + 1) * sizeof *e->edges);
    size_t *pos = malloc((np + 1) * sizeof *pos);
    if (!e->edges || !pos) { free(pos); return -1; }
    memcpy(pos, e->edge_off, (np + 1) * sizeof *pos);
    each_edge(e, put_edge, pos);
    free(pos);

    /* nodes per port, and the core bound */
    uint32_t *stamp = malloc(ni * sizeof *stamp);
    uint32_t *local = malloc(ni * sizeof *local);
    host_id *tmp = malloc((ni + 1) * sizeof *tmp);
    size_t nodes_cap = 1024, nn = 0;
    e->nodes = malloc(nodes_cap * sizeof *e->nodes);
    igraph_vector_int_t ev;
    if (!stamp || !local || !tmp || !e->nodes || igraph_vector_int_init(&ev, 0) != IGRAPH_SUCCESS) {
        free(stamp); free(local); free(tmp);
        return -1;
    }
    for (uint32_t k = 0; k < ni; k++) stamp[k] = NO_INDEX;
    int rc = 0;
    for (uint32_t pid = 0; pid < np && !rc; pid++) {
        size_t a = e->edge_off[pid], b = e->edge_off[pid + 1];
        uint32_t m = 0;
        for (size_t k = a; k < b; k++)
            for (int s = 0; s < 2; s++) {
                uint32_t v = e->int_index[e->edges[2 * k + s]];
                if (stamp[v] != pid) { stamp[v] = pid; tmp[m++] = v; }
            }
        qsort(tmp, m, sizeof *tmp, cmp_u32);
        if (nn + m > nodes_cap) {
            while (nn + m > nodes_cap) nodes_cap *= 2;
            host_id *nv = realloc(e->nodes, nodes_cap * sizeof *nv);
            if (!nv) { rc = -1; break; }
            e->nodes = nv;
        }
        for (uint32_t k = 0; k < m; k++) { local[tmp[k]] = k; e->nodes[nn++] = e->int_host[tmp[k]]; }
        e->node_off[pid + 1] = nn;
        if (b == a) continue;
        if (igraph_vector_int_resize(&ev, (igraph_integer_t)(2 * (b - a))) != IGRAPH_SUCCESS) { rc = -1; break; }
        for (size_t k = a; k < b; k++) {
            VECTOR(ev)[2 * (k - a)] = local[e->int_index[e->edges[2 * k]]];
            VECTOR(ev)[2 * (k - a) + 1] = local[e->int_index[e->edges[2 * k + 1]]];
        }
        long core = max_coreness(m, &ev);
        if (core < 0) { rc = -1; break; }
        e->clique_bound[pid] = (uint32_t)core + 1;
    }
    igraph_vector_int_destroy(&ev);
    free(stamp); free(local); free(tmp);
    return rc;
}

uint32_t graph_port_clique(const engine *e, uint32_t pid, uint32_t at_least, int complete_only, host_id **members)
{
    if (members) *members = NULL;
    size_t a = e->edge_off[pid], b = e->edge_off[pid + 1];
    size_t na = e->node_off[pid], nb = e->node_off[pid + 1];
    uint32_t n = (uint32_t)(nb - na);
    if (b == a || n == 0) return 0;
    uint32_t *local = malloc(e->nint * sizeof *local);
    uint32_t *deg = calloc(n, sizeof *deg);
    uint32_t *eu = malloc((b - a) * sizeof *eu), *evv = malloc((b - a) * sizeof *evv);
    uint8_t *gone = calloc(n, 1);
    uint32_t *adj_off = calloc(n + 1, sizeof *adj_off), *adj = NULL, *queue = NULL, *newid = NULL;
    uint32_t result = 0;
    if (!local || !deg || !eu || !evv || !gone || !adj_off) goto done;
    for (uint32_t k = 0; k < n; k++) {
        host_id h = e->nodes[na + k];
        local[e->int_index[h]] = k;
        if (e->excluded[h]) gone[k] = 1;
    }
    size_t m = 0;
    for (size_t k = a; k < b; k++) {
        uint32_t u = local[e->int_index[e->edges[2 * k]]], v = local[e->int_index[e->edges[2 * k + 1]]];
        if (gone[u] || gone[v]) continue;
        eu[m] = u; evv[m] = v; m++;
        deg[u]++; deg[v]++;
    }
    /* peel to the at_least-core: a clique larger than at_least needs degree >= at_least */
    for (uint32_t k = 0; k < n; k++) adj_off[k + 1] = adj_off[k] + deg[k];
    adj = malloc((2 * m + 1) * sizeof *adj);
    queue = malloc((n + 1) * sizeof *queue);
    newid = malloc((n + 1) * sizeof *newid);
    if (!adj || !queue || !newid) goto done;
    {
        uint32_t *fill = malloc((n + 1) * sizeof *fill);
        if (!fill) goto done;
        memcpy(fill, adj_off, n * sizeof *fill);
        for (size_t k = 0; k < m; k++) { adj[fill[eu[k]]++] = evv[k]; adj[fill[evv[k]]++] = eu[k]; }
        free(fill);
    }
    size_t qh = 0, qt = 0;
    for (uint32_t k = 0; k < n; k++)
        if (!gone[k] && deg[k] < at_least) { gone[k] = 1; queue[qt++] = k; }
    while (qh < qt) {
        uint32_t v = queue[qh++];
        for (uint32_t j = adj_off[v]; j < adj_off[v + 1]; j++) {
            uint32_t u = adj[j];
            if (gone[u]) continue;
            if (--deg[u] < at_least) { gone[u] = 1; queue[qt++] = u; }
        }
    }
    uint32_t left = 0;
    for (uint32_t k = 0; k < n; k++) newid[k] = gone[k] ? NO_INDEX : left++;
    if (left == 0 || left <= at_least) goto done;
    {
        /* What is left may be a clique already (a planted P2P mesh peels to
         * exactly itself): then it is the largest, as nothing larger
         * survives the peel, and igraph need not enumerate it. */
        size_t m_left = 0;
        for (size_t k = 0; k < m; k++) m_left += !gone[eu[k]] && !gone[evv[k]];
        if (m_left == (size_t)left * (left - 1) / 2) {
            result = left;
            if (members) {
                host_id *hs = malloc((size_t)left * sizeof *hs);
                if (hs) {
                    uint32_t j = 0;
                    for (uint32_t k = 0; k < n; k++) if (!gone[k]) hs[j++] = e->nodes[na + k];
                    *members = hs;   /* ascending: nodes are */
                }
            }
            goto done;
        }
        if (complete_only) goto done;
    }
    {
        igraph_vector_int_t ev;
        if (igraph_vector_int_init(&ev, 0) != IGRAPH_SUCCESS) goto done;
        for (size_t k = 0; k < m; k++) {
            if (gone[eu[k]] || gone[evv[k]]) continue;
            igraph_vector_int_push_back(&ev, newid[eu[k]]);
            igraph_vector_int_push_back(&ev, newid[evv[k]]);
        }
        igraph_t g;
        if (igraph_create(&g, &ev, left, IGRAPH_UNDIRECTED) != IGRAPH_SUCCESS) { igraph_vector_int_destroy(&ev); goto done; }
        igraph_vector_int_destroy(&ev);
        igraph_integer_t cn = 0;
        if (igraph_clique_number(&g, &cn) == IGRAPH_SUCCESS && (uint32_t)cn > at_least && !members) {
            result = (uint32_t)cn;
        } else if ((uint32_t)cn > at_least) {
            igraph_vector_int_list_t list;
            if (igraph_vector_int_list_init(&list, 0) == IGRAPH_SUCCESS) {
                if (igraph_largest_cliques(&g, &list) == IGRAPH_SUCCESS && igraph_vector_int_list_size(&list) > 0) {
                    /* the clique whose smallest member is smallest, for a stable answer */
                    uint32_t *back = malloc(left * sizeof *back);
                    host_id *best = NULL;
                    if (back) {
                        for (uint32_t k = 0; k < n; k++) if (newid[k] != NO_INDEX) back[newid[k]] = k;
                        for (igraph_integer_t c = 0; c < igraph_vector_int_list_size(&list); c++) {
                            igraph_vector_int_t *cl = igraph_vector_int_list_get_ptr(&list, c);
                            igraph_integer_t sz = igraph_vector_int_size(cl);
                            host_id *hs = malloc((size_t)sz * sizeof *hs);
                            if (!hs) break;
                            for (igraph_integer_t i = 0; i < sz; i++) hs[i] = e->nodes[na + back[VECTOR(*cl)[i]]];
                            qsort(hs, (size_t)sz, sizeof *hs, cmp_u32);
                            if (!best || hs[0] < best[0]) { free(best); best = hs; }
                            else free(hs);
                        }
                        free(back);
                    }
                    if (best) { *members = best; result = (uint32_t)cn; }
                }
                igraph_vector_int_list_destroy(&list);
            }
            if (!*members) result = (uint32_t)cn;
        }
        igraph_destroy(&g);
    }
done:
    free(local); free(deg); free(eu); free(evv); free(gone); free(adj_off); free(adj); free(queue); free(newid);
    return result;
}
