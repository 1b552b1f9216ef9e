/* detect_lateral_brute.c, question 9: the internal host that reaches the
 * most distinct internal hosts. Ties: more internal flows, then the lower
 * host id. Score: its count over the runner-up's. */
#include <stdio.h>

#include "engine_priv.h"

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_HOST, "x next", "internal hosts reached");
    int64_t best = -1;
    for (uint32_t a = 0; a < e->nint; a++) {
        host_id h = e->int_host[a];
        if (e->excluded[h] || !e->int_out_peers[a]) continue;
        top_offer(f, h, e->int_out_peers[a], 1);
        if (best < 0 || e->int_out_peers[a] > e->int_out_peers[best]
            || (e->int_out_peers[a] == e->int_out_peers[best]
                && e->f.hs[h].sent_flows[PEER_INTERNAL] > e->f.hs[e->int_host[best]].sent_flows[PEER_INTERNAL]))
            best = a;
    }
    if (best < 0) {
        finding_why(f, "No internal host outside the blacklist talks to another internal host.");
        return;
    }
    f->found = 1;
    f->value = e->int_host[best];
    {
        int i = 0;
        while (i < f->ntop && f->top[i].value != f->value) i++;
        if (i == f->ntop) { if (f->ntop < FINDING_TOP) f->ntop++; i = f->ntop - 1; }
        for (int j = i; j > 0; j--) f->top[j] = f->top[j - 1];
        f->top[0].value = f->value;
        f->top[0].metric = e->int_out_peers[best];
    }
    double next = f->ntop > 1 ? f->top[1].metric : 0;
    f->score = ratio_over_count(f->top[0].metric, next);
    /* its busiest hour, from the timeline */
    double peak = 0, peak_ms = 0;
    if (e->tl_sent) {
        const uint32_t *tl = e->tl_sent + (size_t)best * e->nbuckets;
        uint32_t pk = 0;
        for (uint32_t k = 1; k < e->nbuckets; k++) if (tl[k] > tl[pk]) pk = k;
        peak = tl[pk];
        peak_ms = (double)(e->t0_ms + (int64_t)pk * e->bucket_ms);
    }
    finding_evidence(f, "hosts reached", f->top[0].metric);
    finding_evidence(f, "runner-up reached", next);
    finding_evidence(f, "internal flows", (double)e->f.hs[f->value].sent_flows[PEER_INTERNAL]);
    finding_evidence(f, "internal hosts", e->nint);
    finding_evidence(f, "busiest bucket flows", peak);
    finding_evidence(f, "busiest bucket ms", peak_ms);
    char h1[64], t1[32];
    finding_why(f, "%s reached %.0f of %u internal hosts, %.1fx the next host (%.0f); its busiest hour (%s) holds %.0f of its flows.",
             host_text(e, f->value, h1), f->top[0].metric, e->nint, f->score, next, fmt_time((int64_t)peak_ms, t1), peak);
    finding_add(f, f->value);
}

const detector detector_lateral_brute = {
    {"lateral-brute", "Lateral brute force: reaches the most internal hosts", ANSWER_HOST}, NULL, run,
};
