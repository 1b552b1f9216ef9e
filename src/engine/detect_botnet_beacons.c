/* detect_botnet_beacons.c, question 8: the port of periodic callbacks from
 * internal hosts to external hosts.
 *
 * The groups (bots -> one callee on one port) were tested at build (see
 * beacon_test.c: phase coherence at candidate periods against the
 * network's own hourly rhythm, pooled over the bots). Here each kept group's
 * p-value is recomputed from its bots' phase sums without the blacklisted
 * bots and callees, and a group counts when its p-value is below
 * BOTNET_ALPHA / (groups tested): then a file of beacon-free traffic shows
 * a false botnet with probability at most BOTNET_ALPHA. One periodic host
 * is a scheduled job (a nightly backup), not a botnet: a group counts only
 * when it still passes without its most periodic bot, and a port needs two
 * or more bots in such groups. Answer: the port of the most significant group (ties: more bots,
 * then the lower port); score: that group's -log10 p. Members: the bots. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "nettui/util.h"

#define BOTNET_MIN_BOTS 2
#define BOTNET_ALPHA 0.01

typedef struct port_tally {
    uint32_t port;
    double score;         /* the best group's -log10 p */
    uint32_t best_group;
    uint32_t bots;        /* distinct bots over its passing groups */
} port_tally;

/* The -log10 p of group g without the excluded hosts (0 when none is
 * left), and in *alone the same without its most periodic bot too. */
static double group_score(const engine *e, const beacon_group *g, uint8_t *skip, double (*sums)[BEACON_H][2], uint32_t *nev,
                          beacon_fit *fit, double *alone)
{
    memset(fit, 0, sizeof *fit);
    *alone = 0;
    if (e->excluded[g->callee]) return 0;
    int64_t top = -1;
    double top_z = -1;
    for (uint32_t k = 0; k < g->n; k++) {
        const series_rec *r = &e->series[g->first + k];
        skip[k] = e->excluded[r->s.src];
        memcpy(sums[k], r->sum, sizeof r->sum);
        nev[k] = r->events;
        double z = 0;
        for (int h = 0; h < BEACON_H && nev[k]; h++) {
            double re = r->sum[h][0] - nev[k] * g->phi[h][0], im = r->sum[h][1] - nev[k] * g->phi[h][1];
            z += (re * re + im * im) / nev[k];
        }
        if (!skip[k] && z > top_z) { top_z = z; top = k; }
    }
    fit->period_s = g->period_s;
    beacon_pool((const double (*)[BEACON_H][2])sums, nev, skip, g->n, g->phi, g->meff, fit);
    if (top >= 0) {
        beacon_fit rest = {0};
        rest.period_s = g->period_s;
        skip[top] = 1;
        beacon_pool((const double (*)[BEACON_H][2])sums, nev, skip, g->n, g->phi, g->meff, &rest);
        skip[top] = 0;
        *alone = -rest.log_p / M_LN10;
    }
    return -fit->log_p / M_LN10;
}

/* "25 min", "1 h", "90 s" */
static const char *fmt_period(double s, char buf[32])
{
    if (s >= 3600 && fabs(s / 3600 - floor(s / 3600 + 0.5)) < 0.01) snprintf(buf, 32, "%.0f h", s / 3600);
    else if (s >= 120) snprintf(buf, 32, "%.1f min", s / 60);
    else snprintf(buf, 32, "%.0f s", s);
    return buf;
}

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_PORT, "-log10 p", "-log10 p of its best group");
    e->nfound_series = 0;
    double tested = e->beacon_groups_tested > 0 ? (double)e->beacon_groups_tested : 1;
    double need = log10(tested / BOTNET_ALPHA);   /* a group's score must reach this */
    uint32_t most = 0;
    for (size_t i = 0; i < e->nbgroups; i++) if (e->bgroups[i].n > most) most = e->bgroups[i].n;
    uint8_t *skip = malloc(most + 1);
    double (*sums)[BEACON_H][2] = malloc((most + 1) * sizeof *sums);
    uint32_t *nev = malloc((most + 1) * sizeof *nev);
    double *gscore = malloc((e->nbgroups + 1) * sizeof *gscore);
    port_tally *pt = calloc(e->nbgroups + 1, sizeof *pt);
    uint32_t *bots = malloc((e->nseries + 1) * sizeof *bots);
    if (!skip || !sums || !nev || !gscore || !pt || !bots) {
        free(skip); free(sums); free(nev); free(gscore); free(pt); free(bots);
        finding_why(f, "Out of memory.");
        return;
    }
    double best_any = e->beacon_best_score;
    size_t npt = 0;
    for (size_t i = 0; i < e->nbgroups; i++) {
        beacon_fit fit;
        double without_top;
        gscore[i] = group_score(e, &e->bgroups[i], skip, sums, nev, &fit, &without_top);
        if (gscore[i] < need || without_top < need) { gscore[i] = 0; continue; }
        size_t k = 0;
        while (k < npt && pt[k].port != e->bgroups[i].port) k++;
        if (k == npt) pt[npt++] = (port_tally){ e->bgroups[i].port, 0, (uint32_t)i, 0 };
        if (gscore[i] > pt[k].score) { pt[k].score = gscore[i]; pt[k].best_group = (uint32_t)i; }
    }
    /* bots per port: distinct sources of its passing groups */
    for (size_t k = 0; k < npt; k++) {
        size_t nb = 0;
        for (size_t i = 0; i < e->nbgroups; i++) {
            const beacon_group *g = &e->bgroups[i];
            if (g->port != pt[k].port || gscore[i] <= 0) continue;
            for (uint32_t s = 0; s < g->n; s++)
                if (!e->excluded[e->series[g->first + s].s.src]) bots[nb++] = e->series[g->first + s].s.src;
        }
        qsort(bots, nb, sizeof *bots, util_cmp_u32);
        uint32_t d = 0;
        for (size_t s = 0; s < nb; s++) d += !s || bots[s] != bots[s - 1];
        pt[k].bots = d;
    }
    int64_t win = -1;
    for (size_t k = 0; k < npt; k++) {
        if (pt[k].bots < BOTNET_MIN_BOTS) continue;
        top_offer(f, pt[k].port, pt[k].score, 1);
        if (win < 0 || pt[k].score > pt[win].score
            || (pt[k].score == pt[win].score && (pt[k].bots > pt[win].bots
                || (pt[k].bots == pt[win].bots && pt[k].port < pt[win].port))))
            win = (int64_t)k;
    }
    if (win < 0) {
        char kept[160] = "";
        if (e->beacon_callees_skipped)
            snprintf(kept, sizeof kept, " (%" PRIu64 " busiest callees were over the budget of calls and not tested)", e->beacon_callees_skipped);
        finding_why(f, "No port has periodic callbacks from %d or more internal hosts: %" PRIu64 " groups (callee, port) with 8+ calls were tested%s, the most periodic reached -log10 p = %.1f where %.1f is needed (a false alarm in at most 1%% of files).",
                    BOTNET_MIN_BOTS, e->beacon_groups_tested, kept, best_any, need);
        free(skip); free(sums); free(nev); free(gscore); free(pt); free(bots);
        return;
    }
    const port_tally *w = &pt[win];
    f->found = 1;
    f->value = w->port;
    f->score = w->score;
    /* the winner first even when bots or the port broke a tie */
    {
        int i = 0;
        while (i < f->ntop && f->top[i].value != f->value) i++;
        if (i == f->ntop) { if (f->ntop < FINDING_TOP) f->ntop++; i = f->ntop - 1; }
        for (int j = i; j > 0; j--) f->top[j] = f->top[j - 1];
        f->top[0].value = f->value;
        f->top[0].metric = w->score;
    }
    /* the series behind it: the bots of its passing groups, most calls first */
    size_t ns = 0;
    for (size_t i = 0; i < e->nbgroups; i++)
        if (e->bgroups[i].port == w->port && gscore[i] > 0) ns += e->bgroups[i].n;
    if (ns > e->found_series_cap) {
        size_t *nf = realloc(e->found_series, ns * sizeof *nf);
        if (nf) e->found_series = nf;
        beacon_series *nc = realloc(e->found_copy, ns * sizeof *nc);
        if (nc) e->found_copy = nc;
        if (nf && nc) e->found_series_cap = ns;
    }
    uint64_t calls = 0, missed = 0;
    double sample = 1;
    size_t ncallees = 0, nb = 0;
    double *jit = malloc((ns + 1) * sizeof *jit);
    for (size_t i = 0; i < e->nbgroups; i++) {
        const beacon_group *g = &e->bgroups[i];
        if (g->port != w->port || gscore[i] <= 0) continue;
        ncallees++;
        for (uint32_t s = 0; s < g->n; s++) {
            const series_rec *r = &e->series[g->first + s];
            if (e->excluded[r->s.src]) continue;
            calls += r->s.calls;
            missed += r->s.missed;
            if (r->s.sample < sample) sample = r->s.sample;
            bots[nb++] = r->s.src;
            if (jit) jit[e->nfound_series] = r->s.jitter_s;
            if (e->found_series_cap >= ns) {
                e->found_copy[e->nfound_series] = r->s;
                e->found_copy[e->nfound_series].score = gscore[i];
                e->found_series[e->nfound_series] = g->first + s;
            }
            e->nfound_series++;
        }
    }
    if (e->found_series_cap < ns) e->nfound_series = 0;
    /* most calls first (stable on the group order for equal calls) */
    for (size_t a = 1; a < e->nfound_series; a++)
        for (size_t b = a; b > 0 && e->found_copy[b].calls > e->found_copy[b - 1].calls; b--) {
            beacon_series t = e->found_copy[b]; e->found_copy[b] = e->found_copy[b - 1]; e->found_copy[b - 1] = t;
            size_t x = e->found_series[b]; e->found_series[b] = e->found_series[b - 1]; e->found_series[b - 1] = x;
        }
    double mjit = 0;
    if (jit && e->nfound_series) {
        qsort(jit, e->nfound_series, sizeof *jit, util_cmp_double);
        mjit = jit[e->nfound_series / 2];
    }
    free(jit);
    qsort(bots, nb, sizeof *bots, util_cmp_u32);
    size_t nu = 0;
    for (size_t s = 0; s < nb; s++) if (!nu || bots[s] != bots[nu - 1]) bots[nu++] = bots[s];
    finding_members(e, f, bots, nu);
    const beacon_group *bg = &e->bgroups[w->best_group];
    double next = f->ntop > 1 ? f->top[1].metric : 0;
    finding_evidence(f, "bots", (double)nu);
    finding_evidence(f, "callees", (double)ncallees);
    finding_evidence(f, "calls", (double)calls);
    finding_evidence(f, "period s", bg->period_s);
    finding_evidence(f, "median jitter s", mjit);
    finding_evidence(f, "beats missed", (double)missed);
    finding_evidence(f, "-log10 p needed", need);
    finding_evidence(f, "runner-up -log10 p", next);
    char per[32], h1[64], seen[64] = "";
    double ph = fmod(bg->phase_s, bg->period_s);
    if (sample < 1) snprintf(seen, sizeof seen, "; a busy callee's calls sampled, %.1f%% seen", sample * 100);
    finding_why(f, "%zu internal hosts call %zu external host%s (%s first) on port %u every %s (phase %.0f s, jitter %.1f s; %" PRIu64 " calls, %" PRIu64 " beats missed%s); p = 10^-%.1f under the hourly rhythm, 10^-%.1f needed (1%% false alarms over %" PRIu64 " groups).",
                nu, ncallees, ncallees == 1 ? "" : "s", host_text(e, bg->callee, h1), f->value, fmt_period(bg->period_s, per),
                ph, mjit, calls, missed, seen, w->score, need, e->beacon_groups_tested);
    free(skip); free(sums); free(nev); free(gscore); free(pt); free(bots);
}

const detector detector_botnet_beacons = {
    {"botnet-beacons", "Botnet beacons: the port of periodic callbacks", ANSWER_PORT}, NULL, run,
};
