/* detect_internal_p2p.c, question 5: the port whose undirected internal
 * graph holds the largest clique, found exactly (igraph, after k-core
 * pruning: see graph.c). Ports are tried in order of their clique bound
 * (core number + 1) and skipped once the bound cannot beat the best clique.
 * Ties: the lower port. Members: the clique. Runners-up: the other ports
 * with their clique bound. */
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"

static const engine *sort_e;
static int cmp_bound(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    uint32_t bx = sort_e->clique_bound[x], by = sort_e->clique_bound[y];
    if (bx != by) return bx > by ? -1 : 1;
    return (x > y) - (x < y);
}

static void run(engine *e, finding *f)
{
    finding_begin(f, 4, ANSWER_PORT, "clique size", "clique size (others: bound)");
    uint32_t np = e->nports;
    uint32_t *order = malloc((np + 1) * sizeof *order);
    if (!order) { finding_why(f, "Out of memory."); return; }
    uint32_t n = 0;
    for (uint32_t k = 0; k < np; k++) if (e->clique_bound[k] >= 2) order[n++] = k;
    sort_e = e;
    qsort(order, n, sizeof *order, cmp_bound);
    uint32_t best = 0;
    int64_t win = -1;
    host_id *members = NULL;
    uint32_t searched = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = order[i];
        uint32_t bound = e->clique_bound[pid];
        int lower_port = win >= 0 && pid < (uint32_t)win;
        if (bound < best || (bound == best && !lower_port)) continue;
        uint32_t at_least = lower_port && best > 0 ? best - 1 : best;
        host_id *m = NULL;
        /* first: does the port hold a clique as large as its bound? */
        uint32_t s = graph_port_clique(e, pid, bound - 1, 1, &m);
        if (!s) s = graph_port_clique(e, pid, at_least, 0, &m);
        searched++;
        if (s > best || (s == best && s > 0 && lower_port)) {
            free(members);
            members = m;
            best = s;
            win = pid;
        } else free(m);
    }
    if (win < 0 || best < 2) {
        free(order); free(members);
        finding_why(f, "No port carries internal traffic between two hosts.");
        return;
    }
    f->found = 1;
    f->value = e->port_list[win];
    f->score = best;
    top_offer(f, f->value, best, 1);
    /* Runners-up by their bound: an exact clique search on a thousand-host
     * background graph costs ~0.1 s a port, too much for every keypress,
     * and the bound already says no port can beat the answer. */
    double next = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = order[i];
        if ((int64_t)pid == win) continue;
        top_offer(f, e->port_list[pid], e->clique_bound[pid], 1);
        if (e->clique_bound[pid] > next) next = e->clique_bound[pid];
    }
    if (members) finding_members(e, f, members, best);
    free(members);
    free(order);
    finding_evidence(f, "clique size", best);
    finding_evidence(f, "port graph nodes", (double)(e->node_off[win + 1] - e->node_off[win]));
    finding_evidence(f, "port graph edges", (double)(e->edge_off[win + 1] - e->edge_off[win]));
    finding_evidence(f, "runner-up bound", next);
    finding_evidence(f, "ports searched", searched);
    finding_evidence(f, "ports with graphs", n);
    finding_why(f, "On port %u, %u internal hosts all talk to each other (an exact largest clique); no other port's graph can hold a clique of more than %.0f hosts (core number + 1).",
             f->value, best, next);
}

const detector detector_internal_p2p = {
    {"internal-p2p", "Internal P2P: the port of the largest clique", ANSWER_PORT}, run,
};
