/* detect_lateral_spy.c, question 10: the internal host (not blacklisted)
 * with the most internal (destination, port) pairs that no other
 * non-blacklisted host touches. Ties: the lower host id. Score: its count
 * over the runner-up's. The blacklist matters here: the brute-force host
 * touches nearly everything, and left in it would make every pair shared. */
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_HOST, "x next", "pairs only it touches");
    uint32_t ni = e->nint, np = e->sp_int.n;
    /* per port of the destination at hand: how many sources, and the last
     * one; touched[] lists the ports to reset before the next destination */
    uint32_t *cnt = calloc((size_t)np + 1, sizeof *cnt);
    uint32_t *who = malloc(((size_t)np + 1) * sizeof *who);
    uint32_t *touched = malloc(((size_t)np + 1) * sizeof *touched);
    uint32_t *uniq = calloc(ni + 1, sizeof *uniq), *pairs = calloc(ni + 1, sizeof *pairs);
    if (!cnt || !who || !touched || !uniq || !pairs) {
        free(cnt); free(who); free(touched); free(uniq); free(pairs);
        finding_why(f, "Out of memory.");
        return;
    }
    for (uint32_t b = 0; b < ni; b++) {
        uint32_t nt = 0;
        for (uint64_t k = tri_dst_begin(e, b); k < tri_dst_end(e, b); k++) {
            uint32_t a = e->tri_in_src[k], ip = e->tri_in_port[k];
            if (e->excluded[e->int_host[a]]) continue;
            if (!cnt[ip]++) touched[nt++] = ip;
            who[ip] = a;
            pairs[a]++;
        }
        for (uint32_t t = 0; t < nt; t++) {
            if (cnt[touched[t]] == 1) uniq[who[touched[t]]]++;
            cnt[touched[t]] = 0;
        }
    }
    free(touched);
    for (uint32_t a = 0; a < ni; a++) if (uniq[a]) top_offer(f, e->int_host[a], uniq[a], 1);
    if (f->ntop == 0) {
        free(cnt); free(who); free(uniq); free(pairs);
        finding_why(f, "Every internal (host, port) pair is touched by two or more hosts outside the blacklist.");
        return;
    }
    double next = finding_take_top(f);
    f->score = ratio_over_count(f->top[0].metric, next);
    uint32_t a = e->int_index[f->value];
    finding_evidence(f, "pairs only it touches", f->top[0].metric);
    finding_evidence(f, "runner-up pairs", next);
    finding_evidence(f, "its (host, port) pairs", pairs[a]);
    finding_evidence(f, "internal hosts reached", e->int_out_peers[a]);
    finding_evidence(f, "internal flows", (double)e->f.hs[f->value].sent_flows[PEER_INTERNAL]);
    char h1[64], rest[96];
    if (next > 0) snprintf(rest, sizeof rest, "%.1fx the next host (%.0f)", f->score, next);
    else snprintf(rest, sizeof rest, "and no other host touches any pair alone");
    finding_why(f, "%s is the only host to touch %.0f internal (host, port) pairs, %s, while it reaches only %u hosts in %.0f flows.",
             host_text(e, f->value, h1), f->top[0].metric, rest, e->int_out_peers[a],
             (double)e->f.hs[f->value].sent_flows[PEER_INTERNAL]);
    free(cnt); free(who); free(uniq); free(pairs);
}

const detector detector_lateral_spy = {
    {"lateral-spy", "Lateral spy: (host, port) pairs nobody else touches", ANSWER_HOST}, NULL, run,
};
