/* detect_private_cnc.c, question 4: the port the fewest distinct external
 * hosts send inward on: a private channel. Ports nobody reaches from outside
 * are not candidates. Tie rule: fewest sources, then fewest inbound flows,
 * then the lower port. Score: the runner-up's sources over the answer's. */
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"

#define MEMBERS_MAX 4096

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_PORT, "x fewer", "external sources");
    if (!engine_has_in_ports(e)) {
        finding_why(f, "Not rated: %u hosts x %u ports is too many to keep the ports each source uses.", e->nhosts, e->nports);
        return;
    }
    uint32_t np = e->nports;
    in_port_iter it;
    uint32_t pid;
    uint32_t *src = malloc((np + 1) * sizeof *src);
    if (!src) { finding_why(f, "Out of memory."); return; }
    for (uint32_t k = 0; k < np; k++) src[k] = e->port_ext_sources[k];
    for (uint32_t h = 0; h < e->nhosts; h++) {   /* the person's excluded sources */
        if (!e->excluded[h] || e->int_index[h] != NO_INDEX) continue;
        if (in_ports_begin(e, h, &it))
            while (in_ports_next(&it, &pid)) src[pid]--;
    }
    int64_t best = -1;
    for (pid = 0; pid < np; pid++) {
        if (!src[pid]) continue;
        top_offer(f, e->port_list[pid], (double)src[pid], 0);
        if (best < 0 || src[pid] < src[best]
            || (src[pid] == src[best] && e->f.ps[pid].in_flows < e->f.ps[best].in_flows))
            best = pid;
    }
    if (best < 0) {
        free(src);
        finding_why(f, "No external host sends to internal hosts on any port.");
        return;
    }
    f->found = 1;
    f->value = e->port_list[best];
    /* top[] is by sources then port; put the winner first when flows broke a tie */
    {
        int i = 0;
        while (i < f->ntop && f->top[i].value != f->value) i++;
        if (i == f->ntop) { if (f->ntop < FINDING_TOP) f->ntop++; i = f->ntop - 1; }
        for (int j = i; j > 0; j--) f->top[j] = f->top[j - 1];
        f->top[0].value = f->value;
        f->top[0].metric = src[best];
    }
    double next = 0;
    for (int i = 0; i < f->ntop; i++) if (f->top[i].value != f->value) { next = f->top[i].metric; break; }
    f->score = ratio_over_count(next, src[best]);
    /* the sources themselves */
    host_id *m = malloc(MEMBERS_MAX * sizeof *m);
    size_t nm = 0;
    if (m) {
        for (uint32_t h = 0; h < e->nhosts && nm < MEMBERS_MAX; h++) {
            if (e->int_index[h] != NO_INDEX || e->excluded[h] || !in_ports_begin(e, h, &it)) continue;
            while (in_ports_next(&it, &pid))
                if (pid == (uint32_t)best) { m[nm++] = h; break; }
        }
        finding_members(e, f, m, nm);
        free(m);
    }
    finding_evidence(f, "external sources", src[best]);
    finding_evidence(f, "inbound flows", (double)e->f.ps[best].in_flows);
    finding_evidence(f, "runner-up sources", next);
    finding_evidence(f, "ports reached", f->ntop);
    char h1[64];
    if (src[best] == 1 && nm == 1)
        finding_why(f, "Port %u is reached from outside by one external host only (%s, %.0f flows); every other port by at least %.0f.",
                 f->value, host_text(e, f->members[0], h1), (double)e->f.ps[best].in_flows, next);
    else
        finding_why(f, "Port %u is reached from outside by %u external hosts (%.0f flows); every other port by at least %.0f.",
                 f->value, src[best], (double)e->f.ps[best].in_flows, next);
    free(src);
}

const detector detector_private_cnc = {
    {"private-cnc", "Private C&C channel: the port fewest outsiders use", ANSWER_PORT}, NULL, run,
};
