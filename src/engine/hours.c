/* hours.c: the work hours, found from the data's own hourly profile (or
 * set by the person), which the off-hours question and the panes use. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "engine_priv.h"

static void why_printf(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void why_printf(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static void describe_hours(char *buf, size_t len, const uint8_t work[24])
{
    size_t off = 0;
    buf[0] = 0;
    /* runs of work hours, starting after an off hour so a run over midnight stays whole */
    int start = 0;
    while (start < 24 && work[start]) start++;
    if (start == 24) { snprintf(buf, len, "0-24"); return; }
    for (int k = 1; k <= 24; k++) {
        int h = (start + k) % 24;
        if (!work[h]) continue;
        int a = h, n = 0;
        while (n < 24 && work[(a + n) % 24]) n++;
        off += (size_t)snprintf(buf + off, off < len ? len - off : 0, "%s%d-%d", off ? "," : "", a, (a + n) % 24 ? (a + n) % 24 : 24);
        k += n - 1;
        if (off >= len) break;
    }
}

/* Work hours: split the 24 hourly connection counts into a low and a high
 * level at the gap that best separates them (two-means on log counts, the
 * threshold the geometric mean of the two levels' means), and call the high
 * hours work hours when the levels differ at least 2.5x. A flat profile
 * (another network, or no day rhythm) has no work hours, and then no hour is
 * "off". The override replaces the split. */
void engine_find_work_hours(engine *e)
{
    const uint64_t *c = e->f.hour_flows;
    facts_work_hours *w = &e->wh;
    memset(w, 0, sizeof *w);
    memset(e->work, 0, sizeof e->work);
    double lv[24];
    int order[24];
    for (int h = 0; h < 24; h++) { lv[h] = log((double)c[h] + 1.0); order[h] = h; }
    for (int a = 1; a < 24; a++)   /* sort hours by count, ascending */
        for (int b = a; b > 0 && lv[order[b]] < lv[order[b - 1]]; b--) { int x = order[b]; order[b] = order[b - 1]; order[b - 1] = x; }
    int best_split = -1;
    double best_cost = INFINITY;
    for (int k = 1; k < 24; k++) {  /* low: order[0..k-1], high: order[k..23] */
        double m1 = 0, m2 = 0, cost = 0;
        for (int i = 0; i < k; i++) m1 += lv[order[i]];
        for (int i = k; i < 24; i++) m2 += lv[order[i]];
        m1 /= k; m2 /= 24 - k;
        for (int i = 0; i < k; i++) cost += (lv[order[i]] - m1) * (lv[order[i]] - m1);
        for (int i = k; i < 24; i++) cost += (lv[order[i]] - m2) * (lv[order[i]] - m2);
        if (cost < best_cost) { best_cost = cost; best_split = k; }
    }
    double lo = 0, hi = 0;
    for (int i = 0; i < best_split; i++) lo += (double)c[order[i]];
    for (int i = best_split; i < 24; i++) hi += (double)c[order[i]];
    lo /= best_split; hi /= 24 - best_split;
    w->ratio = lo > 0 ? hi / lo : (hi > 0 ? INFINITY : 1.0);
    w->threshold = sqrt((lo > 0 ? lo : 1.0) * hi);

    if (e->opt.work_start >= 0 && e->opt.work_end >= 0) {
        int a = e->opt.work_start % 24, b = e->opt.work_end % 24;
        for (int h = a; ; h = (h + 1) % 24) { e->work[h] = 1; if ((h + 1) % 24 == b) break; }
        w->detected = 0;
        w->start = a; w->end = b;
        char hrs[96];
        describe_hours(hrs, sizeof hrs, e->work);
        why_printf(w->why, sizeof w->why, "Work hours %s UTC were set on the command line (the data's own split would give a %.1fx level ratio).", hrs, w->ratio);
        return;
    }
    w->detected = 1;
    if (!(w->ratio >= 2.5) || e->t->n == 0) {
        w->start = w->end = -1;
        snprintf(w->why, sizeof w->why, "No work hours: the busiest hours carry only %.1fx the connections of the quietest (2.5x needed), so no hour counts as off.", w->ratio);
        return;
    }
    for (int i = best_split; i < 24; i++) e->work[order[i]] = 1;
    /* start/end: the longest circular run */
    int best_len = 0, best_start = -1;
    for (int s = 0; s < 24; s++) {
        if (!e->work[s] || e->work[(s + 23) % 24]) continue;
        int n = 0;
        while (n < 24 && e->work[(s + n) % 24]) n++;
        if (n > best_len) { best_len = n; best_start = s; }
    }
    if (best_start < 0) { best_start = 0; best_len = 24; }
    w->start = best_start;
    w->end = (best_start + best_len) % 24;
    char hrs[96];
    describe_hours(hrs, sizeof hrs, e->work);
    why_printf(w->why, sizeof w->why,
             "Hours %s UTC are work hours: each carries %.0f connections over the file on average against %.0f for the other hours (%.1fx); the threshold %.0f is the geometric mean of the two levels.",
             hrs, hi, lo, w->ratio, w->threshold);
}
