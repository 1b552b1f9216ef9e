/* engine.c: the detector registry, engine_run() and its blacklist chain,
 * and the small helpers detectors share to fill a finding. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "engine_priv.h"

/* CTF order. */
static const detector *const registry[DETECTOR_COUNT] = {
    &detector_exfil_volume, &detector_offhours_exfil, &detector_port_abuse,
    &detector_private_cnc, &detector_internal_p2p, &detector_malware_controller,
    &detector_infected_host, &detector_botnet_beacons, &detector_lateral_brute,
    &detector_lateral_spy,
};

const detector_info *engine_detector(int i)
{
    if (i < 0 || i >= DETECTOR_COUNT) return NULL;
    return &registry[i]->info;
}

int engine_detector_index(const char *id)
{
    for (int k = 0; k < DETECTOR_COUNT; k++)
        if (!strcmp(registry[k]->info.id, id)) return k;
    return -1;
}

const finding *engine_finding(const finding f[DETECTOR_COUNT], const char *id)
{
    int k = engine_detector_index(id);
    return k < 0 ? NULL : &f[k];
}

const finding *finding_of(const finding *done, const finding *out, const char *id)
{
    int k = engine_detector_index(id);
    /* only detectors before out in this run have their finding */
    return k < 0 || &done[k] >= out ? NULL : &done[k];
}

double finding_evidence_value(const finding *f, const char *label, double dflt)
{
    for (int i = 0; i < f->nevidence; i++)
        if (!strcmp(f->evidence[i].label, label)) return f->evidence[i].value;
    return dflt;
}

int engine_registry_check(void)
{
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        if (engine_detector_index(registry[k]->info.id) != k) return -1;   /* ids unique */
        if (registry[k]->needs) {
            int n = engine_detector_index(registry[k]->needs);
            if (n < 0 || n >= k) return -1;   /* what it reads runs before it */
        }
    }
    return 0;
}

/* ---- blacklist -------------------------------------------------------------- */

int blacklist_init(blacklist *bl, uint32_t nhosts)
{
    bl->nhosts = nhosts;
    bl->user = calloc(nhosts + 1, 1);
    bl->by_detector = malloc(nhosts + 1);
    if (!bl->user || !bl->by_detector) { blacklist_free(bl); return -1; }
    memset(bl->by_detector, -1, nhosts + 1);
    return 0;
}

void blacklist_free(blacklist *bl)
{
    free(bl->user);
    free(bl->by_detector);
    memset(bl, 0, sizeof *bl);
}

int blacklist_contains(const blacklist *bl, host_id h)
{
    if (h >= bl->nhosts) return 0;
    if (bl->user[h] == BL_USER_ADD) return 1;
    if (bl->user[h] == BL_USER_ALLOW) return 0;
    return bl->by_detector[h] >= 0;
}

int blacklist_toggle(blacklist *bl, host_id h)
{
    if (h >= bl->nhosts) return 0;
    if (blacklist_contains(bl, h))
        bl->user[h] = bl->by_detector[h] >= 0 ? BL_USER_ALLOW : BL_NONE;
    else
        bl->user[h] = bl->by_detector[h] >= 0 ? BL_NONE : BL_USER_ADD;
    return blacklist_contains(bl, h);
}

/* ---- finding helpers ---------------------------------------------------------- */

void finding_begin(finding *f, answer_kind kind, const char *score_label, const char *metric_label)
{
    int det = f->detector;
    memset(f, 0, sizeof *f);
    f->detector = det;
    f->kind = kind;
    f->value = UINT32_MAX;
    f->subject = HOST_NONE;
    snprintf(f->score_label, sizeof f->score_label, "%s", score_label);
    snprintf(f->metric_label, sizeof f->metric_label, "%s", metric_label);
}

void finding_evidence(finding *f, const char *label, double value)
{
    if (f->nevidence >= FINDING_EVIDENCE) return;
    evidence_item *it = &f->evidence[f->nevidence++];
    snprintf(it->label, sizeof it->label, "%s", label);
    it->value = value;
}

void finding_why(finding *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->why, sizeof f->why, fmt, ap);
    va_end(ap);
}

void finding_add(finding *f, host_id h)
{
    if (h == HOST_NONE || f->nadds >= FINDING_ADDS) return;
    f->adds[f->nadds++] = h;
}

static int better(double m1, uint32_t v1, double m2, uint32_t v2, int larger)
{
    if (m1 != m2) return larger ? m1 > m2 : m1 < m2;
    return v1 < v2;
}

void top_offer(finding *f, uint32_t value, double metric, int larger)
{
    int n = f->ntop;
    if (n == FINDING_TOP && !better(metric, value, f->top[n - 1].metric, f->top[n - 1].value, larger)) return;
    int i = n < FINDING_TOP ? n : FINDING_TOP - 1;
    while (i > 0 && better(metric, value, f->top[i - 1].metric, f->top[i - 1].value, larger)) {
        f->top[i] = f->top[i - 1];
        i--;
    }
    f->top[i].value = value;
    f->top[i].metric = metric;
    if (n < FINDING_TOP) f->ntop++;
}

int finding_members(engine *e, finding *f, const host_id *m, size_t n)
{
    int k = f->detector;
    if (n > e->members_cap[k]) {
        host_id *nm = realloc(e->members[k], n * sizeof *nm);
        if (!nm) { f->members = NULL; f->nmembers = 0; return -1; }
        e->members[k] = nm;
        e->members_cap[k] = n;
    }
    if (n) memcpy(e->members[k], m, n * sizeof *m);
    f->members = e->members[k];
    f->nmembers = n;
    return 0;
}

const char *host_text(const engine *e, host_id h, char buf[64])
{
    if (h == HOST_NONE) { snprintf(buf, 64, "?"); return buf; }
    char tmp[16];
    const char *s = hosts_name(&e->t->hosts, h, tmp);
    snprintf(buf, 64, "%s", s);
    return buf;
}

const char *fmt_time(int64_t ms, char buf[32])
{
    /* any int64 may come here (a corrupt column under a valid facts cache):
     * outside the loader's range it is "?", before any arithmetic on it */
    if (ms < 0 || ms > 253402300799999LL /* LOAD_TS_MAX_MS */) { snprintf(buf, 32, "?"); return buf; }
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&s, &tm)) { snprintf(buf, 32, "?"); return buf; }
    strftime(buf, 32, "%Y-%m-%d %H:%M UTC", &tm);
    return buf;
}

double finding_take_top(finding *f)
{
    f->found = 1;
    f->value = f->top[0].value;
    return f->ntop > 1 ? f->top[1].metric : 0;
}

double ratio_over(double a, double b)
{
    if (b > 0) return a / b;
    return a > 0 ? INFINITY : 1.0;
}

double ratio_over_count(double a, double b)
{
    return a / (b >= 1 ? b : 1);
}

/* ---- the run ----------------------------------------------------------------- */

/* The chain: before detector k runs, a host is excluded when the person added
 * it, or when a detector before k added it and the person did not allow it.
 * Detectors that rank hosts skip excluded ones as answers and, where they
 * aggregate over hosts (port abuse, P2P, spy...), leave their traffic out. */
void engine_run(engine *e, blacklist *bl, finding out[DETECTOR_COUNT])
{
    double t0 = util_clock(CLOCK_MONOTONIC);
    uint32_t nh = e->nhosts < bl->nhosts ? e->nhosts : bl->nhosts;
    memset(e->excluded, 0, e->nhosts);
    for (uint32_t h = 0; h < bl->nhosts; h++) bl->by_detector[h] = -1;
    for (uint32_t h = 0; h < nh; h++) e->excluded[h] = bl->user[h] == BL_USER_ADD;
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        double td = util_clock(CLOCK_MONOTONIC);
        out[k].detector = k;
        registry[k]->run(e, out, &out[k]);
        e->det_seconds[k] = util_clock(CLOCK_MONOTONIC) - td;
        for (int a = 0; a < out[k].nadds; a++) {
            host_id h = out[k].adds[a];
            if (h >= nh) continue;
            if (bl->by_detector[h] < 0) bl->by_detector[h] = (int8_t)k;
            if (bl->user[h] != BL_USER_ALLOW) e->excluded[h] = 1;
        }
    }
    e->run_seconds = util_clock(CLOCK_MONOTONIC) - t0;
}

const char *finding_answer_text(const engine *e, const finding *f, char *buf, size_t len)
{
    if (!f->found) { snprintf(buf, len, "?"); return buf; }
    if (f->kind == ANSWER_PORT) { snprintf(buf, len, "%u", f->value); return buf; }
    char tmp[16];
    snprintf(buf, len, "%s", hosts_name(&e->t->hosts, f->value, tmp));
    return buf;
}

void engine_timing(const engine *e, double *build_seconds, double *run_seconds)
{
    if (build_seconds) *build_seconds = e->build_seconds;
    if (run_seconds) *run_seconds = e->run_seconds;
}

double engine_detector_seconds(const engine *e, int k)
{
    return k >= 0 && k < DETECTOR_COUNT ? e->det_seconds[k] : 0;
}

double engine_build_cpu_seconds(const engine *e)
{
    return e->build_cpu_seconds;
}
