/* detect_botnet_beacons.c, question 8: the port of periodic callbacks from
 * internal hosts to external hosts. The series were found at build (see
 * beacon.c: one size on one port to a callee, regular gaps or fixed minutes
 * of the hour); here they are grouped by port, leaving out blacklisted bots
 * and callees. A botnet is at least two bots on a port (one periodic host is
 * a scheduled job, not a botnet). Answer: the port with the most bots, then
 * the most calls, then the lower port. Members: the bots. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"

#define BOTNET_MIN_BOTS 2

static const engine *sort_e;
static int cmp_series(const void *a, const void *b)
{
    const series_rec *x = &sort_e->series[*(const size_t *)a], *y = &sort_e->series[*(const size_t *)b];
    if (x->s.port != y->s.port) return x->s.port < y->s.port ? -1 : 1;
    if (x->s.src != y->s.src) return x->s.src < y->s.src ? -1 : 1;
    return (x->s.dst > y->s.dst) - (x->s.dst < y->s.dst);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void run(engine *e, finding *f)
{
    finding_begin(f, 7, ANSWER_PORT, "bots", "periodic bots");
    e->nfound_series = 0;
    size_t *idx = malloc((e->nseries + 1) * sizeof *idx);
    if (!idx) { finding_why(f, "Out of memory."); return; }
    size_t n = 0;
    for (size_t i = 0; i < e->nseries; i++)
        if (!e->excluded[e->series[i].s.src] && !e->excluded[e->series[i].s.dst]) idx[n++] = i;
    sort_e = e;
    qsort(idx, n, sizeof *idx, cmp_series);
    int best_port = -1;
    uint32_t best_bots = 0;
    uint64_t best_calls = 0;
    size_t best_a = 0, best_b = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        uint16_t port = e->series[idx[i]].s.port;
        uint32_t bots = 0;
        uint64_t calls = 0;
        host_id last = HOST_NONE;
        while (j < n && e->series[idx[j]].s.port == port) {
            const beacon_series *s = &e->series[idx[j]].s;
            if (s->src != last) { bots++; last = s->src; }
            calls += s->calls;
            j++;
        }
        if (bots >= BOTNET_MIN_BOTS) {
            top_offer(f, port, bots, 1);
            if (bots > best_bots || (bots == best_bots && calls > best_calls)) {
                best_port = port; best_bots = bots; best_calls = calls; best_a = i; best_b = j;
            }
        }
        i = j;
    }
    if (best_port < 0) {
        finding_why(f, "No port has periodic callbacks from %d or more internal hosts (%zu periodic series in all, %.0f candidate flows tested).",
                 BOTNET_MIN_BOTS, n, (double)e->beacon_candidates_flows);
        free(idx);
        return;
    }
    f->found = 1;
    f->value = (uint32_t)best_port;
    f->score = best_bots;
    /* the winner first even when calls broke a tie */
    {
        int i = 0;
        while (i < f->ntop && f->top[i].value != f->value) i++;
        if (i == f->ntop) { if (f->ntop < FINDING_TOP) f->ntop++; i = f->ntop - 1; }
        for (int j = i; j > 0; j--) f->top[j] = f->top[j - 1];
        f->top[0].value = f->value;
        f->top[0].metric = best_bots;
    }
    size_t ns = best_b - best_a;
    if (ns > e->found_series_cap) {
        size_t *nf = realloc(e->found_series, ns * sizeof *nf);
        if (nf) e->found_series = nf;
        beacon_series *nc2 = realloc(e->found_copy, ns * sizeof *nc2);
        if (nc2) e->found_copy = nc2;
        if (nf && nc2) e->found_series_cap = ns;
    }
    host_id *bots = malloc(ns * sizeof *bots);
    double *per = malloc(ns * sizeof *per), *jit = malloc(ns * sizeof *jit);
    host_id *callees = malloc(ns * sizeof *callees);
    size_t nb = 0, nc = 0;
    for (size_t k = best_a; k < best_b; k++) {
        const beacon_series *s = &e->series[idx[k]].s;
        if (e->found_series_cap >= ns) {
            e->found_copy[e->nfound_series] = *s;
            e->found_series[e->nfound_series++] = idx[k];
        }
        if (bots && (nb == 0 || bots[nb - 1] != s->src)) bots[nb++] = s->src;
        if (callees) {
            size_t c = 0;
            while (c < nc && callees[c] != s->dst) c++;
            if (c == nc) callees[nc++] = s->dst;
        }
        if (per) per[k - best_a] = s->period_s;
        if (jit) jit[k - best_a] = s->jitter_s;
    }
    double mper = 0, mjit = 0;
    if (per && jit) {
        qsort(per, ns, sizeof *per, cmp_double);
        qsort(jit, ns, sizeof *jit, cmp_double);
        mper = per[ns / 2];
        mjit = jit[ns / 2];
    }
    if (bots) finding_members(e, f, bots, nb);
    uint32_t size = e->series[idx[best_a]].s.bytes;
    double next = f->ntop > 1 ? f->top[1].metric : 0;
    finding_evidence(f, "bots", best_bots);
    finding_evidence(f, "callees", (double)nc);
    finding_evidence(f, "series", (double)ns);
    finding_evidence(f, "calls", (double)best_calls);
    finding_evidence(f, "median gap s", mper);
    finding_evidence(f, "median jitter s", mjit);
    finding_evidence(f, "bytes per call", size);
    finding_evidence(f, "runner-up bots", next);
    finding_why(f, "%u internal hosts call %zu external hosts on port %u at regular times (median gap %.0f s, jitter %.1f s), always %u bytes: %" PRIu64 " calls.",
             best_bots, nc, f->value, mper, mjit, size, best_calls);
    free(bots); free(per); free(jit); free(callees); free(idx);
}

const detector detector_botnet_beacons = {
    {"botnet-beacons", "Botnet beacons: the port of periodic callbacks", ANSWER_PORT}, run,
};
