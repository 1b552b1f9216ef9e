/* pane_graph_star.c: the Graph pane's star views. The controller with its
 * single-purpose sources around it; the beacons as bots linked to their C&C
 * hosts, with the calls over time and the inter-arrival histogram. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane_graph.h"

static int ccur, bcur;   /* cursors: controller sources, beacon series */

static void canvas_text(canvas *c, int x, int y, const char *s, ui_role r)
{
    for (; *s; s++, x++) canvas_put(c, x, y, *s, r);
}

/* ---- controller ------------------------------------------------------------ */

void graph_controller_draw(app *a, WINDOW *w, int h, int wd)
{
    char hb[16], hb2[16];
    const finding *f = FINDING_CONTROLLER(a);
    if (!f->found) {
        draw_text(w, 0, 0, wd, "The malware-controller detector found nothing to draw.", A_NORMAL, 0);
        return;
    }
    char ans[64];
    finding_answer_text(a->eng, f, ans, sizeof ans);
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Controller star: %s and its %zu single-purpose sources",
               ans, f->nmembers);
    /* the reason whole, wrapped (two lines at most) */
    int y0 = 1 + draw_wrapped(w, 1, 0, wd, 2, f->why, term_attr(ROLE_DIM));
    const finding *inf = FINDING_INFECTED(a);
    if (inf->found && inf->kind == ANSWER_HOST)
        draw_textf(w, y0++, 0, wd, A_NORMAL, "Infected host (detector 7): %s", app_host_name(a, inf->value, hb2));
    int ch = h - y0, cw = wd * 3 / 5;
    canvas c;
    if (ch >= 5 && !canvas_init(&c, cw, ch)) {
        int cx = cw / 2, cy = ch / 2;
        double rx = cw / 2.0 - 2, ry = ch / 2.0 - 1;
        /* no more leaves than fit on the ellipse's rim without touching */
        size_t rim = (size_t)(M_PI * (rx + ry));
        size_t k = f->nmembers < rim ? f->nmembers : rim;
        for (size_t i = 0; i < k; i++) {
            double t = 2 * M_PI * (double)i / (double)k;
            int lx = cx + (int)lround(rx * cos(t)), ly = cy + (int)lround(ry * sin(t));
            canvas_line(&c, cx, cy, lx, ly, '.', ROLE_DIM);
        }
        for (size_t i = 0; i < k; i++) {
            double t = 2 * M_PI * (double)i / (double)k;
            size_t member = i * f->nmembers / k;
            canvas_put(&c, cx + (int)lround(rx * cos(t)), cy + (int)lround(ry * sin(t)), 'o',
                       (int)member == ccur ? ROLE_OUTLIER : ROLE_BAR);
        }
        const char *name = ans;
        int lx = cx - (int)strlen(name) / 2;
        canvas_text(&c, lx, cy, name, ROLE_OUTLIER);
        canvas_blit(&c, w, y0, 0);
        canvas_free(&c);
        if (k < f->nmembers)
            draw_textf(w, h - 1, 0, cw, term_attr(ROLE_DIM), "each o stands for one or more of the %zu sources", f->nmembers);
    }
    /* the sources, one a line, with a cursor */
    int lx = cw + 2, lw = wd - lx, page = h - y0 - 1;
    draw_text(w, y0, lx, lw, "Sources (Up/Down, Enter opens)", term_attr(ROLE_TITLE), 0);
    if (ccur >= (int)f->nmembers) ccur = f->nmembers ? (int)f->nmembers - 1 : 0;
    int top = list_top(ccur, (int)f->nmembers, page, 0);
    for (int i = 0; i < page && top + i < (int)f->nmembers; i++)
        draw_textf(w, y0 + 1 + i, lx, lw, top + i == ccur ? term_attr(ROLE_SELECTED) : A_NORMAL, "%4d %-16s",
                   top + i + 1, app_host_name(a, f->members[top + i], hb));
}

int graph_controller_key(app *a, int ch)
{
    return list_key(ch, &ccur, (int)FINDING_CONTROLLER(a)->nmembers, 10);
}

host_id graph_controller_selected(app *a)
{
    const finding *f = FINDING_CONTROLLER(a);
    if (f->nmembers && ccur < (int)f->nmembers) return f->members[ccur];
    return f->found && f->kind == ANSWER_HOST ? f->value : HOST_NONE;
}

/* ---- beacons ---------------------------------------------------------------- */

#define MAX_SIDE 64

/* Distinct values of one side (src or dst) of the series, in first-seen order. */
static int distinct_side(const beacon_series *s, size_t n, int dst, host_id *out)
{
    int k = 0;
    for (size_t i = 0; i < n; i++) {
        host_id h = dst ? s[i].dst : s[i].src;
        int seen = 0;
        for (int j = 0; j < k && !seen; j++) seen = out[j] == h;
        if (!seen && k < MAX_SIDE) out[k++] = h;
    }
    return k;
}

static int side_index(const host_id *v, int n, host_id h)
{
    for (int i = 0; i < n; i++) if (v[i] == h) return i;
    return -1;
}

static const char *secs_label(int i, char *buf, size_t len, const void *ctx)
{
    const double *bin_s = ctx;
    double s = i * *bin_s;
    if (s >= 60 && fmod(s, 60) == 0) snprintf(buf, len, "%.0fm", s / 60);
    else snprintf(buf, len, "%.0fs", s);
    return buf;
}

/* Row of item i of n on a side drawn in h rows (n <= h). */
static int side_row(int i, int n, int h)
{
    return n > 1 ? i * (h - 1) / (n - 1) : h / 2;
}

/* Bots on the left, C&C hosts on the right, a line per series. A side with
 * more hosts than rows shows the first h-1 and a "+N more" line. */
static void draw_bipartite(app *a, WINDOW *w, int y, int h, int wd, const beacon_series *s, size_t n)
{
    host_id bots[MAX_SIDE], cnc[MAX_SIDE];
    char hb[16], more[32];
    int nb = distinct_side(s, n, 0, bots), nc = distinct_side(s, n, 1, cnc);
    canvas c;
    if (h < 3 || canvas_init(&c, wd, h)) return;
    int sb = nb > h ? h - 1 : nb, sc = nc > h ? h - 1 : nc;
    int hb_rows = sb < nb ? h - 1 : h, hc_rows = sc < nc ? h - 1 : h;   /* leave the "+N more" line */
    int lx = 17, rx = wd - 17;
    for (size_t i = 0; i < n; i++) {
        int bi = side_index(bots, sb, s[i].src), ci = side_index(cnc, sc, s[i].dst);
        if (bi < 0 || ci < 0) continue;
        canvas_line(&c, lx + 1, side_row(bi, sb, hb_rows), rx - 1, side_row(ci, sc, hc_rows),
                    '.', (int)i == bcur ? ROLE_BAR_ALT : ROLE_DIM);
    }
    for (int i = 0; i < sb; i++) {
        int by = side_row(i, sb, hb_rows);
        canvas_text(&c, 0, by, app_host_name(a, bots[i], hb), ROLE_BAR);
        canvas_put(&c, lx, by, 'o', ROLE_BAR);
    }
    if (sb < nb) {
        snprintf(more, sizeof more, "+%d more bots", nb - sb);
        canvas_text(&c, 0, h - 1, more, ROLE_DIM);
    }
    for (int i = 0; i < sc; i++) {
        int cy = side_row(i, sc, hc_rows);
        canvas_put(&c, rx, cy, '@', ROLE_OUTLIER);
        canvas_text(&c, rx + 2, cy, app_host_name(a, cnc[i], hb), ROLE_OUTLIER);
    }
    if (sc < nc) {
        snprintf(more, sizeof more, "+%d more", nc - sc);
        canvas_text(&c, rx + 2, h - 1, more, ROLE_DIM);
    }
    canvas_blit(&c, w, y, 0);
    canvas_free(&c);
}

void graph_beacons_draw(app *a, WINDOW *w, int h, int wd)
{
    char hb[16], hb2[16];
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    const finding *f = FINDING_BEACONS(a);
    if (!f->found || !n) {
        draw_text(w, 0, 0, wd, "The beacon detector found no periodic calls to draw.", A_NORMAL, 0);
        return;
    }
    char ans[64];
    finding_answer_text(a->eng, f, ans, sizeof ans);
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Beacons: %zu series, answer %s: bots (left) call their C&C hosts (right)",
               n, ans);
    /* the reason whole, wrapped (three lines at most), then the views */
    int y0 = 1 + draw_wrapped(w, 1, 0, wd, 4, f->why, term_attr(ROLE_DIM));
    if (bcur >= (int)n) bcur = (int)n - 1;
    int top_h = (h - y0) / 2;
    int gw = wd * 2 / 5;
    draw_bipartite(a, w, y0, top_h, gw, s, n);
    /* the series table, with a cursor: each bot's calls, the group's period,
     * the bot's phase in it, its jitter and the beats it missed; a narrow
     * screen leaves out the C&C and the phase, not the numbers */
    int tx = gw + 2, tw = wd - tx, wide = tw >= 66;
    if (wide)
        draw_textf(w, y0, tx, tw, term_attr(ROLE_DIM), "%-15s %-15s %5s %7s %6s %5s %5s", "bot", "C&C", "calls", "period", "phase",
                   "jit.", "miss");
    else
        draw_textf(w, y0, tx, tw, term_attr(ROLE_DIM), "%-15s %5s %7s %5s %5s", "bot", "calls", "period", "jit.", "miss");
    int page = top_h - 1;
    int top = list_top(bcur, (int)n, page, 0);
    for (int i = 0; i < page && top + i < (int)n; i++) {
        const beacon_series *b = &s[top + i];
        attr_t at = top + i == bcur ? term_attr(ROLE_SELECTED) : A_NORMAL;
        if (wide)
            draw_textf(w, y0 + 1 + i, tx, tw, at, "%-15s %-15s %5u %6.0fs %5.0fs %4.0fs %5u", app_host_name(a, b->src, hb),
                       app_host_name(a, b->dst, hb2), b->calls, b->period_s, fmod(b->phase_s, b->period_s), b->jitter_s, b->missed);
        else
            draw_textf(w, y0 + 1 + i, tx, tw, at, "%-15s %5u %6.0fs %4.0fs %5u", app_host_name(a, b->src, hb), b->calls,
                       b->period_s, b->jitter_s, b->missed);
    }
    /* bottom left: calls over time, one sparkline a series */
    int y = y0 + top_h, bh = h - y;
    facts_timeline_shape shape;
    facts_timeline_get_shape(a->eng, &shape);
    char t0[32], t1[32];
    fmt_time_utc(shape.t0_ms, t0, sizeof t0);
    fmt_time_utc(shape.t0_ms + (int64_t)shape.nbuckets * shape.bucket_ms, t1, sizeof t1);
    draw_textf(w, y, 0, gw, term_attr(ROLE_TITLE), "Calls per hour, %s to %s UTC", t0, t1);
    double *v = shape.nbuckets ? calloc(shape.nbuckets, sizeof *v) : NULL;
    for (int i = 0; v && i < bh - 1 && top + i < (int)n; i++) {
        const int64_t *ts;
        size_t nc = facts_beacon_calls(a->eng, (size_t)(top + i), &ts);
        memset(v, 0, shape.nbuckets * sizeof *v);
        for (size_t k = 0; k < nc; k++) {
            int64_t b = shape.bucket_ms > 0 ? (ts[k] - shape.t0_ms) / shape.bucket_ms : 0;
            if (b >= 0 && b < (int64_t)shape.nbuckets) v[b] += 1;
        }
        draw_text(w, y + 1 + i, 0, 16, app_host_name(a, s[top + i].src, hb),
                  top + i == bcur ? term_attr(ROLE_SELECTED) : A_NORMAL, 0);
        draw_sparkline(w, y + 1 + i, 17, gw - 18, v, (int)shape.nbuckets, term_attr(ROLE_BAR));
    }
    free(v);
    /* bottom right: inter-arrival histogram */
    uint32_t bins[64];
    double bin_s = 1;
    size_t nbins = facts_beacon_interarrival(a->eng, bins, 64, &bin_s);
    double hv[64];
    int peak = 0;
    for (size_t i = 0; i < nbins; i++) {
        hv[i] = bins[i];
        if (bins[i] > bins[peak]) peak = (int)i;
    }
    if (nbins) {
        draw_textf(w, y, tx, tw, term_attr(ROLE_TITLE), "Time between calls (bins of %.0f s); spike = period", bin_s);
        vhist hs = {.v = hv, .n = (int)nbins, .highlight = peak, .y_unit = "calls", .xlabel = secs_label, .ctx = &bin_s};
        draw_vhist(w, y + 1, tx, bh - 1, tw, &hs);
    }
}

int graph_beacons_key(app *a, int ch)
{
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    return list_key(ch, &bcur, (int)n, 8);
}

host_id graph_beacons_selected(app *a)
{
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    return n && bcur < (int)n ? s[bcur].src : HOST_NONE;
}
