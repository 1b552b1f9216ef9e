/* graph.c: the per-port undirected graphs of internal traffic and their
 * core-number bounds (igraph).
 *
 * At build each port's edge list (CSR by port) and node list come from the
 * internal triples, and igraph_coreness gives each port a clique bound (a clique
 * of k hosts needs k hosts of core number k-1, so max core + 1 bounds it).
 * The search itself is in clique.c. */
#include <stdlib.h>
#include <string.h>
#include <igraph/igraph.h>

#include "engine_priv.h"
#include "nettui/util.h"

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
        qsort(tmp, m, sizeof *tmp, util_cmp_u32);
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
