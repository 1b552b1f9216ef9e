/* detect_internal_p2p.c, question 5: the port whose undirected internal
 * graph holds the largest clique (clique.c: peel, colour bounds, branch
 * and bound with a work budget). Ports are tried in order of their clique
 * bound (core number + 1) and skipped once the bound cannot beat the best
 * clique. Every port is first asked for a clique as large as its bound,
 * which a planted mesh answers at once (its graph peels to itself), so the
 * search below the bounds starts from the best such clique. The search of a whole run spends at most
 * P2P_BUDGET; a port whose search stops says how large its clique could be,
 * and the finding says so ("at least 38, at most 41; search stopped").
 * Ties: the lower port. Members: the clique. Runners-up: the other ports
 * with their bound (or the searched upper bound, when lower). */
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"

/* Words the colourings may touch in one run: about a second on one core. */
#define P2P_BUDGET (600ull << 20)

/* Ports by bound, largest first, then port id: sorted as (bound, pid)
 * keys, so the order needs no engine behind qsort. */
static int cmp_desc_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x < y) - (x > y);
}

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_PORT, "clique size", "clique size (others: bound)");
    uint32_t np = e->nports;
    uint32_t *order = malloc((np + 1) * sizeof *order);
    uint32_t *upper = malloc((np + 1) * sizeof *upper);   /* what each port could hold */
    if (!order || !upper) { free(order); free(upper); finding_why(f, "Out of memory."); return; }
    uint64_t *keys = malloc((np + 1) * sizeof *keys);
    if (!keys) { free(order); free(upper); finding_why(f, "Out of memory."); return; }
    uint32_t n = 0;
    for (uint32_t k = 0; k < np; k++) {
        upper[k] = e->clique_bound[k];
        /* bound high, port id low (complemented) so one descending sort orders both */
        if (e->clique_bound[k] >= 2) keys[n++] = (uint64_t)e->clique_bound[k] << 32 | (uint32_t)~k;
    }
    qsort(keys, n, sizeof *keys, cmp_desc_u64);
    for (uint32_t i = 0; i < n; i++) order[i] = ~(uint32_t)keys[i];
    free(keys);
    uint64_t budget = P2P_BUDGET;
    uint32_t best = 0, searched = 0, stopped = 0, calls = 0, cached = 0;
    int64_t win = -1;
    int win_exact = 1;
    uint32_t win_upper = 0;
    host_id *members = NULL;
    /* the probes: a clique as large as the bound */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = order[i], bound = e->clique_bound[pid];
        int lower_port = win >= 0 && pid < (uint32_t)win;
        if (bound < best || (bound == best && !lower_port)) continue;
        clique_result r;
        if (graph_port_clique(e, pid, bound - 1, &budget, &r)) goto oom;
        calls++;
        cached += r.cached;
        if (r.size > best || (r.size == best && r.size > 0 && lower_port)) {
            free(members);
            members = r.members;
            best = r.size; win = pid; win_exact = 1; win_upper = r.size;
        } else free(r.members);
    }
    /* the searches below the bounds that can still beat it */
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = order[i];
        uint32_t bound = e->clique_bound[pid];
        int lower_port = win >= 0 && pid < (uint32_t)win;
        if (bound < best || (bound == best && !lower_port)) continue;
        if ((int64_t)pid == win) continue;   /* its probe found its bound */
        uint32_t at_least = lower_port && best > 0 ? best - 1 : best;
        clique_result r;
        if (graph_port_clique(e, pid, at_least, &budget, &r)) goto oom;
        searched++;
        calls++;
        cached += r.cached;
        if (!r.exact) stopped++;
        upper[pid] = r.exact ? (r.size > at_least ? r.size : at_least) : r.upper;
        if (r.size > best || (r.size == best && r.size > 0 && lower_port)) {
            free(members);
            members = r.members;
            best = r.size;
            win = pid;
            win_exact = r.exact;
            win_upper = r.upper;
        } else free(r.members);
    }
    e->clique_fresh = calls - cached;
    if (win < 0 || best < 2) {
        free(order); free(upper); free(members);
        if (stopped)
            finding_why(f, "No clique was found before the search stopped at its work budget (%u port%s unresolved).", stopped, stopped == 1 ? "" : "s");
        else
            finding_why(f, "No port carries internal traffic between two hosts.");
        return;
    }
    f->found = 1;
    f->value = e->port_list[win];
    f->score = best;
    top_offer(f, f->value, best, 1);
    /* Runners-up by what they could hold: the core bound, or what their
     * search proved. */
    double next = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t pid = order[i];
        if ((int64_t)pid == win) continue;
        top_offer(f, e->port_list[pid], upper[pid], 1);
        if (upper[pid] > next) next = upper[pid];
    }
    finding_members(e, f, members, best);
    free(members);
    free(order);
    free(upper);
    finding_evidence(f, "clique size", best);
    finding_evidence(f, "at most", win_exact ? best : win_upper);
    finding_evidence(f, "port graph nodes", (double)(e->node_off[win + 1] - e->node_off[win]));
    finding_evidence(f, "port graph edges", (double)(e->edge_off[win + 1] - e->edge_off[win]));
    finding_evidence(f, "runner-up bound", next);
    finding_evidence(f, "ports searched", searched);
    finding_evidence(f, "searches stopped", stopped);
    finding_evidence(f, "ports with graphs", n);
    if (win_exact && !stopped)
        finding_why(f, "On port %u, %u internal hosts all talk to each other (an exact largest clique); no other port's graph can hold a clique of more than %.0f hosts.",
                    f->value, best, next);
    else if (win_exact)
        finding_why(f, "On port %u, %u internal hosts all talk to each other (an exact largest clique); %u other port%s search stopped at its work budget and could hold up to %.0f.",
                    f->value, best, stopped, stopped == 1 ? "'s" : "s'", next);
    else
        finding_why(f, "On port %u, a clique of at least %u, at most %u internal hosts (search stopped at its work budget); no other port's graph can hold more than %.0f.",
                    f->value, best, win_upper, next);
    return;
oom:
    free(order); free(upper); free(members);
    finding_why(f, "Out of memory.");
}

const detector detector_internal_p2p = {
    {"internal-p2p", "Internal P2P: the port of the largest clique", ANSWER_PORT}, NULL, run,
};
