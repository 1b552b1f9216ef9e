/* detect_infected_host.c, question 7: internal hosts (not blacklisted) that
 * talk to the malware controller on the port its single-purpose sources use.
 * The answer is the one that did so first (the only one, in the CTF); score:
 * its flows to the controller. Runners-up ranked by first contact.
 *
 * Resolution: the internal triples keep, per (src, dst, port), the flow
 * count and the first flow's time; "on the port" is exact, while the first
 * contact and the flow count are those of the pair over all its ports (as
 * they always were here). */
#include <stdio.h>

#include "engine_priv.h"

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_HOST, "flows", "first contact (ms)");
    char h1[64], h2[64], t1[32];
    /* the controller and its bots' port, from question 6's finding */
    const finding *ctrl = finding_of(done, f, "malware-controller");
    double port = ctrl ? finding_evidence_value(ctrl, "port", -1) : -1;
    if (!ctrl || !ctrl->found || !(port >= 0 && port <= 65535) || e->int_index[ctrl->value] == NO_INDEX) {
        finding_why(f, "No malware controller (or its port) was found, so no host can be tied to it.");
        return;
    }
    host_id ctrl_host = ctrl->value;
    int ctrl_port = (int)port;
    uint32_t c = e->int_index[ctrl_host];
    int32_t ipid = e->port_id[ctrl_port] < 0 ? -1 : e->sp_int.of[e->port_id[ctrl_port]];
    if (ipid < 0) {
        finding_why(f, "No internal host talks to anyone on the bots' port %d, so none talks to the controller %s on it.",
                    ctrl_port, host_text(e, ctrl_host, h1));
        return;
    }
    uint32_t cands = 0;
    for (uint64_t k = tri_dst_begin(e, c); k < tri_dst_end(e, c); k++) {   /* by source, then port */
        uint32_t a = e->tri_in_src[k];
        host_id h = e->int_host[a];
        if (a == c || e->excluded[h] || e->tri_in_port[k] != (uint32_t)ipid) continue;
        int64_t first;
        pair_flows(e, a, c, &first);
        cands++;
        top_offer(f, h, (double)first, 0);
    }
    if (f->ntop == 0) {
        finding_why(f, "No internal host outside the blacklist talks to the controller %s on port %d.",
                 host_text(e, ctrl_host, h1), ctrl_port);
        return;
    }
    finding_take_top(f);
    f->score = (double)pair_flows(e, e->int_index[f->value], c, NULL);
    finding_evidence(f, "flows to controller", f->score);
    finding_evidence(f, "first contact ms", f->top[0].metric);
    finding_evidence(f, "hosts on that port", cands);
    finding_evidence(f, "port", ctrl_port);
    if (cands == 1)
        finding_why(f, "%s is the only internal host outside the blacklist that talks to the controller %s on its bots' port %d (%.0f flows, first %s).",
                 host_text(e, f->value, h1), host_text(e, ctrl_host, h2), ctrl_port, f->score, fmt_time((int64_t)f->top[0].metric, t1));
    else
        finding_why(f, "%s is the first of %u internal hosts to talk to the controller %s on its bots' port %d (%.0f flows, first %s).",
                 host_text(e, f->value, h1), cands, host_text(e, ctrl_host, h2), ctrl_port, f->score, fmt_time((int64_t)f->top[0].metric, t1));
    finding_add(f, f->value);
}

const detector detector_infected_host = {
    {"infected-host", "Infected host: talks to the controller on its bots' port", ANSWER_HOST}, "malware-controller", run,
};
