/* pane_blacklist.c: the blacklist as it stands: every host a detector put
 * there or the person added, and the ones the person allowed; who decided
 * each; add and remove. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

static int cursor, top;
static host_id *rows;
static int nrows, cap;

/* The list is rebuilt on every draw: one byte per host, cheap at any size. */
static void collect(const app *a)
{
    nrows = 0;
    for (uint32_t h = 0; h < a->bl.nhosts; h++) {
        if (!a->bl.user[h] && a->bl.by_detector[h] < 0) continue;
        if (nrows == cap) {
            int nc = cap ? cap * 2 : 256;
            host_id *r = realloc(rows, (size_t)nc * sizeof *r);
            if (!r) return;
            rows = r; cap = nc;
        }
        rows[nrows++] = h;
    }
    if (cursor >= nrows) cursor = nrows ? nrows - 1 : 0;
}

static void describe(const app *a, host_id h, char *state, size_t sl, char *why, size_t wl)
{
    int d = a->bl.by_detector[h];
    const char *did = d >= 0 ? engine_detector(d)->id : NULL;
    switch (a->bl.user[h]) {
    case BL_USER_ADD:
        snprintf(state, sl, "listed");
        if (did) snprintf(why, wl, "you added it (detector %d, %s, would too)", d + 1, did);
        else snprintf(why, wl, "you added it");
        break;
    case BL_USER_ALLOW:
        snprintf(state, sl, "allowed");
        if (did) snprintf(why, wl, "you took it off (detector %d, %s, put it there)", d + 1, did);
        else snprintf(why, wl, "you allowed it");
        break;
    default:
        snprintf(state, sl, "listed");
        snprintf(why, wl, "detector %d (%s): %s", d + 1, did ? did : "?", engine_detector(d)->title);
    }
}

static void blacklist_draw(app *a, WINDOW *w, int h, int wd)
{
    char hb[16], state[16], why[160];
    collect(a);
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE),
               "Blacklist: %d entr%s. Later detectors skip listed hosts; your choices win over the detectors'.",
               nrows, nrows == 1 ? "y" : "ies");
    draw_textf(w, 1, 0, wd, term_attr(ROLE_DIM), "%-18s %-8s %s", "Host", "State", "Who put it there");
    int page = h - 3;
    top = list_top(cursor, nrows, page, top);
    for (int i = 0; i < page && top + i < nrows; i++) {
        host_id hh = rows[top + i];
        describe(a, hh, state, sizeof state, why, sizeof why);
        attr_t at = top + i == cursor ? term_attr(ROLE_SELECTED) : A_NORMAL;
        draw_textf(w, 2 + i, 0, wd, at, "%-18s %-8s %s", app_host_name(a, hh, hb), state, why);
        int x = getcurx(w);
        if (top + i == cursor && x < wd) draw_text(w, 2 + i, x, wd - x, "", at, 1);
    }
    if (!nrows)
        draw_text(w, 3, 2, wd - 2, "The blacklist is empty: no detector added a host and you added none.", A_NORMAL, 0);
    draw_text(w, h - 1, 0, wd, "b or x: toggle the selected host (a detector's entry: allow it; yours: undo it)   a: add a host",
              term_attr(ROLE_DIM), 0);
}

static host_id blacklist_selected(app *a)
{
    collect(a);
    return nrows ? rows[cursor] : HOST_NONE;
}

static int blacklist_key(app *a, int ch)
{
    if (ch == ERR) return 0;
    collect(a);
    if (list_key(ch, &cursor, nrows, getmaxy(stdscr) - 7)) return 1;
    if (ch == 'b' || ch == 'x' || ch == KEY_DC) {
        if (!nrows) { app_message(a, 1, "The blacklist is empty."); return 1; }
        app_toggle_host(a, rows[cursor]);
        return 1;
    }
    if (ch == 'a') {
        char buf[128] = "";
        if (!app_prompt(a, "Add host to the blacklist (address, Enter adds):", buf, sizeof buf) || !buf[0]) return 1;
        host_id h = hosts_find(&a->table.hosts, buf);
        if (h == HOST_NONE) { app_message(a, 1, "No host '%s' in this file.", buf); return 1; }
        app_set_user(a, h, BL_USER_ADD);
        collect(a);
        for (int i = 0; i < nrows; i++) if (rows[i] == h) cursor = i;
        return 1;
    }
    return 0;
}

const pane pane_blacklist = {
    .title = "Blacklist",
    .tab = "Blacklist",
    .keys = "x:Remove|a:Add",
    .help = "Every listed host, and who put it there: a detector (chained, as in the notebook)\n"
            "or you. b, x or Delete toggles the selected host: a detector's entry becomes\n"
            "'allowed', your choice is undone; a adds a host by address. Detectors re-run at once.",
    .draw = blacklist_draw,
    .key = blacklist_key,
    .selected_host = blacklist_selected,
};
