/* detect_offhours_exfil.c, question 2: the internal host that sends data
 * out outside the work hours the data shows (or the override).
 *
 * Exfiltration that hides in the night is usually a job: the same night
 * hour on several nights. That shape is tested per host on its timeline
 * (flows sent per hour over the whole period): a night bucket "spikes"
 * when it holds more flows than the host's own off-hours level explains
 * (Poisson, p < SPIKE_P), and a host has the nightly shape when it spikes
 * at the same hour of day on NIGHTS_MIN or more nights. Hosts with that
 * shape are ranked first, by their off-hours bytes out; the shape is what
 * finds the job in a small file, where a few large ordinary flows outweigh
 * it in bytes. Without any such host, the host with the most off-hours
 * bytes out is the answer. With no work hours (a flat day) nothing is off
 * hours, and nothing is found. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"
#include "nettui/numfmt.h"

#define NIGHTS_MIN 3
#define SPIKE_LOG_P (-6.9)     /* ln(1e-3): a bucket's flows against the host's off-hours level */

/* ln P(Poisson(lambda) >= k). */
static double poisson_log_tail(double lambda, double k)
{
    if (k <= lambda) return 0;
    if (lambda <= 0) return k > 0 ? -INFINITY : 0;
    /* the first term dominates for k well above lambda; the rest add at
     * most a factor 1 / (1 - lambda / (k + 1)) */
    double lt = -lambda + k * log(lambda) - lgamma(k + 1);
    double r = lambda / (k + 1);
    return lt - log1p(-(r < 0.999 ? r : 0.999));
}

/* The nightly shape of internal host a: the hour of day at which it spikes
 * on the most nights (-1 when fewer than NIGHTS_MIN), those nights in
 * *nights. Needs hourly timelines (or buckets that divide the day). */
static int nightly_hour(const engine *e, uint32_t a, int *nights)
{
    *nights = 0;
    if (!e->tl_sent || e->bucket_ms % HOUR_MS || (24 * HOUR_MS) % e->bucket_ms) return -1;
    uint32_t w = (uint32_t)(e->bucket_ms / HOUR_MS), per_day = 24 / w;
    const uint32_t *tl = e->tl_sent + (size_t)a * e->nbuckets;
    int h0 = (int)(floor_div(e->t0_ms, HOUR_MS) - floor_div(floor_div(e->t0_ms, HOUR_MS), 24) * 24);
    /* the host's off-hours level: flows per off bucket */
    double off_flows = 0, off_buckets = 0;
    for (uint32_t k = 0; k < e->nbuckets; k++) {
        int hod = (h0 + (int)(k * w)) % 24;
        if (e->work[hod]) continue;
        off_flows += tl[k];
        off_buckets++;
    }
    if (off_buckets < 1) return -1;
    int count[24] = {0};
    for (uint32_t k = 0; k < e->nbuckets; k++) {
        int hod = (h0 + (int)(k * w)) % 24;
        if (e->work[hod] || tl[k] < 3) continue;
        /* the level without this bucket, so a job does not hide itself */
        double lambda = (off_flows - tl[k]) / (off_buckets > 1 ? off_buckets - 1 : 1);
        if (poisson_log_tail(lambda, tl[k]) <= SPIKE_LOG_P) count[(hod / (int)w) % (int)per_day]++;
    }
    int best = -1;
    for (uint32_t s = 0; s < per_day; s++)
        if (count[s] >= NIGHTS_MIN && (best < 0 || count[s] > count[best])) best = (int)s;
    if (best < 0) return -1;
    *nights = count[best];
    return best * (int)w;
}

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_HOST, "x next", "off-hours outbound bytes");
    const facts_work_hours *w = &e->wh;
    int any_off = 0, any_work = 0;
    for (int h = 0; h < 24; h++) { if (e->work[h]) any_work = 1; else any_off = 1; }
    if (!any_work || !any_off) {
        finding_why(f, "%s", w->why);
        return;
    }
    /* first the hosts with the nightly shape, then (when none has it) all */
    int shaped = 0;
    for (int pass = 0; pass < 2 && f->ntop == 0; pass++)
        for (uint32_t a = 0; a < e->nint; a++) {
            host_id h = e->int_host[a];
            if (e->excluded[h]) continue;
            int nights;
            if (pass == 0 && nightly_hour(e, a, &nights) < 0) continue;
            const hour_cell *hc = e->f.ih + (size_t)a * 24;
            uint64_t v = 0;
            for (int k = 0; k < 24; k++) if (!e->work[k]) v += hc[k].out_bytes;
            if (v) { top_offer(f, h, (double)v, 1); shaped = pass == 0; }
        }
    if (f->ntop == 0) {
        finding_why(f, "No internal host sent bytes out in off hours. %s", w->why);
        return;
    }
    finding_take_top(f);
    /* the runner-up is the next host by off-hours bytes, shaped or not
     * (and listed among the runners-up when the shape left it out) */
    double next = 0;
    host_id next_h = HOST_NONE;
    for (uint32_t b = 0; b < e->nint; b++) {
        host_id h = e->int_host[b];
        if (e->excluded[h] || h == f->value) continue;
        const hour_cell *hc = e->f.ih + (size_t)b * 24;
        uint64_t v = 0;
        for (int k = 0; k < 24; k++) if (!e->work[k]) v += hc[k].out_bytes;
        if ((double)v > next) { next = (double)v; next_h = h; }
    }
    if (next_h != HOST_NONE && f->ntop < FINDING_TOP) {
        int listed = 0;
        for (int i = 0; i < f->ntop; i++) listed |= f->top[i].value == next_h;
        if (!listed) f->top[f->ntop++] = (candidate){ next_h, next };
    }
    f->score = ratio_over(f->top[0].metric, next);
    uint32_t a = e->int_index[f->value];
    uint64_t hb[24];
    for (int k = 0; k < 24; k++) hb[k] = e->f.ih[(size_t)a * 24 + k].out_bytes;
    int peak = 0;
    for (int k = 1; k < 24; k++) if (!e->work[k] && (e->work[peak] || hb[k] > hb[peak])) peak = k;
    int nights = 0, job_hour = nightly_hour(e, a, &nights);
    double total = (double)e->f.hs[f->value].sent_bytes[PEER_EXTERNAL];
    finding_evidence(f, "off-hours bytes", f->top[0].metric);
    finding_evidence(f, "runner-up bytes", next);
    finding_evidence(f, "work start", w->start);
    finding_evidence(f, "work end", w->end);
    finding_evidence(f, "peak off hour", peak);
    finding_evidence(f, "peak hour bytes", (double)hb[peak]);
    finding_evidence(f, "nights of the job", nights);
    finding_evidence(f, "share off hours", total > 0 ? f->top[0].metric / total : 0);
    char h1[64], b1[32], b2[32], b3[32], shape[128] = "";
    if (job_hour >= 0)
        snprintf(shape, sizeof shape, "; it runs a job at %02d:00 on %d nights%s", job_hour, nights,
                 shaped ? " (a nightly job: such hosts are ranked first)" : "");
    finding_why(f, "%s sent %s out in off hours, %.1fx the next host (%s), %s of it in hour %02d%s; work hours %02d-%02d UTC were %s.",
             host_text(e, f->value, h1), numfmt_bytes(f->top[0].metric, b1, sizeof b1), f->score, numfmt_bytes(next, b2, sizeof b2),
             numfmt_bytes((double)hb[peak], b3, sizeof b3), peak, shape, w->start, w->end ? w->end : 24,
             w->detected ? "found from the hourly profile" : "set by the user");
    finding_add(f, f->value);
}

const detector detector_offhours_exfil = {
    {"offhours-exfil", "Off-hours exfiltration", ANSWER_HOST}, NULL, run,
};
