/* pane_talkers.c: hosts ranked by what they sent or received, as horizontal
 * bars; d switches the direction, m the metric. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define TALKERS_MAX 500

static const char *const dir_name[] = {"Outbound (internal hosts sending out)",
                                       "Inbound (internal hosts receiving from outside)",
                                       "Internal (internal hosts sending to internal hosts)",
                                       "External senders (outside hosts sending in)"};
static const char *const metric_name[] = {"bytes", "connections", "distinct peers"};

static int dir, metric, cursor, top;
static candidate rows[TALKERS_MAX];
static int nrows, loaded = -1;

static void refresh_rows(app *a)
{
    int key = dir * 3 + metric;
    if (key == loaded) return;
    nrows = (int)facts_top_hosts(a->eng, (facts_direction)dir, (facts_metric)metric, rows, TALKERS_MAX);
    loaded = key;
    if (cursor >= nrows) cursor = nrows ? nrows - 1 : 0;
}

/* "1,6" for the detectors that name h. */
static void naming_text(const app *a, host_id h, char *buf, size_t len)
{
    unsigned m = app_detectors_naming(a, h);
    size_t n = 0;
    buf[0] = 0;
    for (int i = 0; i < DETECTOR_COUNT && n + 4 < len; i++)
        if (m & (1u << i)) n += (size_t)snprintf(buf + n, len - n, "%s%d", n ? "," : "", i + 1);
}

static void talkers_draw(app *a, WINDOW *w, int h, int wd)
{
    char hb[16], val[32], det[40];
    refresh_rows(a);
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Top talkers: %s, by %s", dir_name[dir], metric_name[metric]);
    draw_textf(w, 1, 0, wd, term_attr(ROLE_DIM), "%4s  %-16s %-*s %8s  %-10s %s", "rank", "host", wd - 52, "(bar: share of the first)",
               metric == METRIC_BYTES ? "bytes" : metric == METRIC_FLOWS ? "conns" : "peers", "detectors", "list");
    int page = h - 2;
    top = list_top(cursor, nrows, page, top);
    double max = nrows ? rows[0].metric : 0;
    int barw = wd - 52;
    for (int i = 0; i < page && top + i < nrows; i++) {
        int r = top + i;
        host_id hh = rows[r].value;
        int sel = r == cursor;
        attr_t at = sel ? term_attr(ROLE_SELECTED) : A_NORMAL;
        naming_text(a, hh, det, sizeof det);
        fmt_si(rows[r].metric, val, sizeof val);
        const char *bl = a->bl.user[hh] == BL_USER_ADD ? "yours" : a->bl.user[hh] == BL_USER_ALLOW ? "allowed"
                         : blacklist_contains(&a->bl, hh) ? "listed" : "";
        draw_textf(w, 2 + i, 0, 23, at, "%4d  %-16s ", r + 1, app_host_name(a, hh, hb));
        draw_hbar(w, 2 + i, 23, barw - 1, max > 0 ? rows[r].metric / max : 0,
                  term_attr(det[0] ? ROLE_BAR_ALT : ROLE_BAR));
        draw_textf(w, 2 + i, 23 + barw, wd - 23 - barw, at, "%8s  %-10s %-7s", val, det, bl);
    }
    if (!nrows) draw_text(w, 3, 2, wd - 2, "No host has traffic in this direction.", A_NORMAL, 0);
}

static host_id talkers_selected(app *a)
{
    refresh_rows(a);
    return nrows ? rows[cursor].value : HOST_NONE;
}

static int talkers_key(app *a, int ch)
{
    if (ch == ERR) return 0;
    refresh_rows(a);
    if (list_key(ch, &cursor, nrows, getmaxy(stdscr) - 6)) return 1;
    if (ch == 'd') { dir = (dir + 1) % 4; cursor = top = 0; return 1; }
    if (ch == 'D') { dir = (dir + 3) % 4; cursor = top = 0; return 1; }
    if (ch == 'm') { metric = (metric + 1) % 3; cursor = top = 0; return 1; }
    if (ch == 'M') { metric = (metric + 2) % 3; cursor = top = 0; return 1; }
    if (ch == 'o' || ch == 'i' || ch == 'n' || ch == 'x') {
        dir = ch == 'o' ? 0 : ch == 'i' ? 1 : ch == 'n' ? 2 : 3;
        cursor = top = 0;
        return 1;
    }
    return 0;
}

const pane pane_talkers = {
    .title = "Top talkers",
    .tab = "Talkers",
    .keys = "d:Direction|m:Metric",
    .help = "Hosts ranked by what they sent or received, largest first, bars against the first.\n"
            "d (or o, i, n, x) switches outbound / inbound / internal / external senders;\n"
            "m switches bytes / connections / distinct peers. Highlighted bars: hosts a\n"
            "detector names (their numbers in the detectors column). Enter opens the host.",
    .draw = talkers_draw,
    .key = talkers_key,
    .selected_host = talkers_selected,
};
