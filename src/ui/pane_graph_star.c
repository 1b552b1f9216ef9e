/* pane_graph_star.c: the Graph pane's star views. The controller with its
 * single-purpose sources around it; the beacons as bots linked to their C&C
 * hosts, with the calls over time and the inter-arrival histogram. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pane_graph.h"

/* ---- the controller's sources, a table (table.c): rank, source -------- */
static const table_col ccols[] = {{"#", 4, COL_NUM, 1, "rank"}, {"source", 16, COL_ADDR, 0, NULL}};

static double source_num(const ui_table *t, app *a, size_t row, int col) { (void)t; (void)a; (void)col; return (double)row + 1; }

static void source_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    char hb[16];
    const finding *f = FINDING_CONTROLLER(a);
    (void)t; (void)raw;
    if (col == 0) snprintf(buf, len, "%zu", row + 1);
    else snprintf(buf, len, "%s", row < f->nmembers ? app_host_name(a, f->members[row], hb) : "");
}

/* The rows are the finding's members: reset when a re-run changed them. */
static void sources_sync(app *a, graph_star_state *gs)
{
    const finding *f = FINDING_CONTROLLER(a);
    if (gs->ctab.n != f->nmembers || gs->csources != f->members) {
        gs->csources = f->members;
        table_reset(&gs->ctab, a, f->nmembers);
    }
}

/* ---- the beacons table (table.c) ----------------------------------------
 * bot, C&C, calls, period, phase, jitter, missed beats; a narrow screen
 * shows the same table without the C&C and the phase (not the numbers). */
enum { B_BOT, B_CNC, B_CALLS, B_PERIOD, B_PHASE, B_JIT, B_MISS, B_NCOLS };
static const table_col bcols_wide[B_NCOLS] = {
    {"bot", 15, COL_ADDR, 0, NULL}, {"C&C", 15, COL_ADDR, 0, "cnc"}, {"calls", 6, COL_NUM, 1, NULL},
    {"period", 7, COL_NUM, 1, "period_s"}, {"phase", 6, COL_NUM, 1, "phase_s"}, {"jit.", 5, COL_NUM, 1, "jitter_s"},
    {"miss", 5, COL_NUM, 1, "missed"}};
static const int narrow_map[] = {B_BOT, B_CALLS, B_PERIOD, B_JIT, B_MISS};
static const table_col bcols_narrow[] = {
    {"bot", 15, COL_ADDR, 0, NULL}, {"calls", 6, COL_NUM, 1, NULL}, {"period", 7, COL_NUM, 1, "period_s"},
    {"jit.", 5, COL_NUM, 1, "jitter_s"}, {"miss", 5, COL_NUM, 1, "missed"}};

static int bcol(const ui_table *t, int col) { return t->cols == bcols_narrow ? narrow_map[col] : col; }

static const beacon_series *series_at(app *a, size_t row)
{
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    return row < n ? &s[row] : NULL;
}

static double beacon_num(const ui_table *t, app *a, size_t row, int col)
{
    const beacon_series *b = series_at(a, row);
    if (!b) return 0;
    switch (bcol(t, col)) {
    case B_CALLS: return b->calls;
    case B_PERIOD: return b->period_s;
    case B_PHASE: return b->period_s > 0 ? fmod(b->phase_s, b->period_s) : b->phase_s;
    case B_JIT: return b->jitter_s;
    case B_MISS: return b->missed;
    default: return 0;
    }
}

static void beacon_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    char hb[16];
    const beacon_series *b = series_at(a, row);
    if (!b) { buf[0] = 0; return; }
    int c = bcol(t, col);
    if (c == B_BOT || c == B_CNC) { snprintf(buf, len, "%s", app_host_name(a, c == B_BOT ? b->src : b->dst, hb)); return; }
    double v = beacon_num(t, a, row, col);
    if (c == B_CALLS || c == B_MISS) snprintf(buf, len, "%.0f", v);
    else snprintf(buf, len, raw ? "%.3f" : "%.0fs", v);   /* seconds; the CSV to the millisecond */
}

void graph_star_init(app *a, graph_star_state *gs)
{
    (void)a;
    gs->ctab = (ui_table){.name = "controller-sources", .cols = ccols, .ncols = 2, .text = source_text,
                         .num = source_num, .ctx = gs, .sort_col = 0};
    gs->btab = (ui_table){.name = "beacons", .cols = bcols_wide, .ncols = B_NCOLS, .text = beacon_text,
                         .num = beacon_num, .ctx = gs, .sort_col = -1};
}

void graph_star_done(graph_star_state *gs)
{
    free(gs->ctab.order);
    free(gs->btab.order);
}

static void canvas_text(canvas *c, int x, int y, const char *s, ui_role r)
{
    for (; *s; s++, x++) canvas_put(c, x, y, *s, r);
}

/* ---- controller ------------------------------------------------------------ */

void graph_controller_draw(app *a, graph_star_state *gs, WINDOW *w, int h, int wd)
{
    char hb2[16];
    const finding *f = FINDING_CONTROLLER(a);
    sources_sync(a, gs);
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
                       member == table_selected(&gs->ctab) ? ROLE_OUTLIER : ROLE_BAR);
        }
        const char *name = ans;
        int lx = cx - (int)strlen(name) / 2;
        canvas_text(&c, lx, cy, name, ROLE_OUTLIER);
        canvas_blit(&c, w, y0, 0);
        canvas_free(&c);
        if (k < f->nmembers)
            draw_textf(w, h - 1, 0, cw, term_attr(ROLE_DIM), "each o stands for one or more of the %zu sources", f->nmembers);
    }
    /* the sources, a table */
    char pos[48];
    int lx = cw + 2, lw = wd - lx;
    table_draw(&gs->ctab, a, w, y0 + 1, lx, h - y0 - 1, lw);
    draw_textf(w, y0, lx, lw, term_attr(ROLE_TITLE), "Sources %s (Enter opens)", table_position(&gs->ctab, pos, sizeof pos));
}

int graph_controller_key(app *a, graph_star_state *gs, int ch)
{
    sources_sync(a, gs);
    return table_key(&gs->ctab, a, ch);
}

host_id graph_controller_selected(app *a, graph_star_state *gs)
{
    const finding *f = FINDING_CONTROLLER(a);
    sources_sync(a, gs);
    size_t r = table_selected(&gs->ctab);
    if (r < f->nmembers) return f->members[r];
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
static void draw_bipartite(app *a, const graph_star_state *gs, WINDOW *w, int y, int h, int wd, const beacon_series *s, size_t n)
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
                    '.', i == table_selected(&gs->btab) ? ROLE_BAR_ALT : ROLE_DIM);
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

void graph_beacons_draw(app *a, graph_star_state *gs, WINDOW *w, int h, int wd)
{
    char hb[16];
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    const finding *f = FINDING_BEACONS(a);
    if (!f->found || !n) {
        draw_text(w, 0, 0, wd, "The beacon detector found no periodic calls to draw.", A_NORMAL, 0);
        return;
    }
    char ans[64];
    finding_answer_text(a->eng, f, ans, sizeof ans);

    /* the reason whole, wrapped (three lines at most), then the views */
    int y0 = 1 + draw_wrapped(w, 1, 0, wd, 4, f->why, term_attr(ROLE_DIM));
    if (gs->btab.n != n) table_reset(&gs->btab, a, n);
    int top_h = (h - y0) / 2;
    int gw = wd * 2 / 5;
    /* the series table, with a cursor: each bot's calls, the group's period,
     * the bot's phase in it, its jitter and the beats it missed; a narrow
     * screen leaves out the C&C and the phase, not the numbers */
    int tx = gw + 2, tw = wd - tx, wide = tw >= 66;
    const table_col *want = wide ? bcols_wide : bcols_narrow;
    if (gs->btab.cols != want) {
        gs->btab.cols = want;
        gs->btab.ncols = wide ? B_NCOLS : (int)(sizeof bcols_narrow / sizeof *bcols_narrow);
        gs->btab.sort_col = -1;
        table_reset(&gs->btab, a, n);
    }
    table_draw(&gs->btab, a, w, y0, tx, top_h, tw);
    draw_bipartite(a, gs, w, y0, top_h, gw, s, n);
    int top = gs->btab.top;
    char pos[48];
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Beacons: %zu series (table: %s), answer %s: bots (left) call their C&C hosts (right)",
               n, table_position(&gs->btab, pos, sizeof pos), ans);
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
        size_t row = gs->btab.order[top + i];   /* the table's rows, in its order */
        size_t nc = facts_beacon_calls(a->eng, row, &ts);
        memset(v, 0, shape.nbuckets * sizeof *v);
        for (size_t k = 0; k < nc; k++) {
            int64_t b = shape.bucket_ms > 0 ? (ts[k] - shape.t0_ms) / shape.bucket_ms : 0;
            if (b >= 0 && b < (int64_t)shape.nbuckets) v[b] += 1;
        }
        draw_text(w, y + 1 + i, 0, 16, app_host_name(a, s[row].src, hb),
                  top + i == gs->btab.cursor ? term_attr(ROLE_SELECTED) : A_NORMAL, 0);
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

int graph_beacons_key(app *a, graph_star_state *gs, int ch)
{
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    if (gs->btab.n != n) table_reset(&gs->btab, a, n);
    return table_key(&gs->btab, a, ch);
}

host_id graph_beacons_selected(app *a, graph_star_state *gs)
{
    const beacon_series *s;
    size_t n = facts_beacon_series(a->eng, &s);
    size_t r = table_selected(&gs->btab);
    return r < n ? s[r].src : HOST_NONE;
}
