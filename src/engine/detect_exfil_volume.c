/* detect_exfil_volume.c, question 1: the internal host that sent the most
 * bytes to external hosts. Score: its bytes over the runner-up's. */
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"
#include "nettui/numfmt.h"
#include "nettui/util.h"

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_HOST, "x next", "outbound bytes");
    uint64_t *all = malloc((e->nint + 1) * sizeof *all);
    size_t n = 0;
    for (uint32_t a = 0; a < e->nint; a++) {
        host_id h = e->int_host[a];
        uint64_t v = e->f.hs[h].sent_bytes[PEER_EXTERNAL];
        if (e->excluded[h] || v == 0) continue;
        top_offer(f, h, (double)v, 1);
        if (all) all[n++] = v;
    }
    if (f->ntop == 0) {
        finding_why(f, "No internal host sent any bytes to an external host.");
        free(all);
        return;
    }
    double next = finding_take_top(f);
    f->score = ratio_over(f->top[0].metric, next);
    double median = 0;
    if (all && n) { qsort(all, n, sizeof *all, util_cmp_u64); median = (double)all[n / 2]; }
    free(all);
    const host_stat *hs = &e->f.hs[f->value];
    finding_evidence(f, "outbound bytes", f->top[0].metric);
    finding_evidence(f, "runner-up bytes", next);
    finding_evidence(f, "median host bytes", median);
    finding_evidence(f, "x median", ratio_over(f->top[0].metric, median));
    finding_evidence(f, "outbound flows", (double)hs->sent_flows[PEER_EXTERNAL]);
    finding_evidence(f, "senders", (double)n);
    char h1[64], h2[64], b1[32], b2[32], b3[32];
    finding_why(f, "%s sent %s to external hosts, %.1fx the next sender %s (%s) and %.1fx the median host (%s).",
             host_text(e, f->value, h1), numfmt_bytes(f->top[0].metric, b1, sizeof b1), f->score,
             f->ntop > 1 ? host_text(e, f->top[1].value, h2) : "(none)", numfmt_bytes(next, b2, sizeof b2),
             ratio_over(f->top[0].metric, median), numfmt_bytes(median, b3, sizeof b3));
    finding_add(f, f->value);
}

const detector detector_exfil_volume = {
    {"exfil-volume", "Exfiltration: biggest outbound sender", ANSWER_HOST}, NULL, run,
};
