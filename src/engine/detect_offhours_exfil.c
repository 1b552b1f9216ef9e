/* detect_offhours_exfil.c, question 2: the internal host that sent the most
 * bytes out outside the work hours the data shows (or the override). With
 * no work hours (a flat day) nothing is off-hours, and nothing is found. */
#include <stdio.h>

#include "engine_priv.h"

static void run(engine *e, finding *f)
{
    finding_begin(f, 1, ANSWER_HOST, "x next", "off-hours outbound bytes");
    const facts_work_hours *w = &e->wh;
    int any_off = 0, any_work = 0;
    for (int h = 0; h < 24; h++) { if (e->work[h]) any_work = 1; else any_off = 1; }
    if (!any_work || !any_off) {
        finding_why(f, "%s", w->why);
        return;
    }
    for (uint32_t a = 0; a < e->nint; a++) {
        host_id h = e->int_host[a];
        if (e->excluded[h]) continue;
        const hour_cell *hc = e->f.ih + (size_t)a * 24;
        uint64_t v = 0;
        for (int k = 0; k < 24; k++) if (!e->work[k]) v += hc[k].out_bytes;
        if (v) top_offer(f, h, (double)v, 1);
    }
    if (f->ntop == 0) {
        finding_why(f, "No internal host sent bytes out in off hours. %s", w->why);
        return;
    }
    double next = finding_take_top(f);
    f->score = ratio_over(f->top[0].metric, next);
    uint32_t a = e->int_index[f->value];
    uint64_t hb[24];
    for (int k = 0; k < 24; k++) hb[k] = e->f.ih[(size_t)a * 24 + k].out_bytes;
    int peak = 0;
    for (int k = 1; k < 24; k++) if (!e->work[k] && (e->work[peak] || hb[k] > hb[peak])) peak = k;
    double total = (double)e->f.hs[f->value].sent_bytes[PEER_EXTERNAL];
    finding_evidence(f, "off-hours bytes", f->top[0].metric);
    finding_evidence(f, "runner-up bytes", next);
    finding_evidence(f, "work start", w->start);
    finding_evidence(f, "work end", w->end);
    finding_evidence(f, "peak off hour", peak);
    finding_evidence(f, "peak hour bytes", (double)hb[peak]);
    finding_evidence(f, "share off hours", total > 0 ? f->top[0].metric / total : 0);
    finding_evidence(f, "work/off level", w->ratio);
    char h1[64], b1[32], b2[32], b3[32];
    finding_why(f, "%s sent %s out in off hours, %.1fx the next host (%s), %s of it in hour %02d; work hours %02d-%02d UTC were %s.",
             host_text(e, f->value, h1), fmt_bytes(f->top[0].metric, b1), f->score, fmt_bytes(next, b2),
             fmt_bytes((double)hb[peak], b3), peak, w->start, w->end ? w->end : 24,
             w->detected ? "found from the hourly profile" : "set by the user");
    finding_add(f, f->value);
}

const detector detector_offhours_exfil = {
    {"offhours-exfil", "Off-hours exfiltration", ANSWER_HOST}, run,
};
