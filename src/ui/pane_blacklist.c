/* pane_blacklist.c: the blacklist as it stands: every host a detector put
 * there or the person added, and the ones the person allowed; who decided
 * each; add and remove. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

/* The pane's state (its instance, owned by the app). */
typedef struct blacklist_state {
    host_id *rows;
    int nrows, cap;
    ui_table tab;
} blacklist_state;

static void describe(const app *a, host_id h, char *state, size_t sl, char *why, size_t wl);

/* The list as a table (table.c): host, state, who put it there. */
enum { C_HOST, C_STATE, C_WHY };
static const table_col cols[] = {{"Host", 18, COL_ADDR, 0, "host"}, {"State", 8, COL_TEXT, 0, "state"},
                                 {"Who put it there", 0, COL_TEXT, 0, "who"}};

static void cell_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    const blacklist_state *s = t->ctx;
    char hb[16], state[16], why[160];
    (void)raw;
    if (col == C_HOST) { snprintf(buf, len, "%s", app_host_name(a, s->rows[row], hb)); return; }
    describe(a, s->rows[row], state, sizeof state, why, sizeof why);
    snprintf(buf, len, "%s", col == C_STATE ? state : why);
}

static double cell_num(const ui_table *t, app *a, size_t row, int col) { (void)t; (void)a; (void)row; (void)col; return 0; }

static void blacklist_pane_init(app *a, void *st)
{
    blacklist_state *s = st;
    (void)a;
    s->tab = (ui_table){.name = "blacklist", .cols = cols, .ncols = 3, .text = cell_text, .num = cell_num,
                        .ctx = s, .sort_col = -1};
}

static void blacklist_pane_done(void *st)
{
    blacklist_state *s = st;
    free(s->rows);
    free(s->tab.order);
}

/* The list is rebuilt on every draw: one byte per host, cheap at any size. */
static void collect(const app *a, blacklist_state *s)
{
    int nrows = 0;
    host_id *rows = s->rows;
    int cap = s->cap;
    for (uint32_t h = 0; h < a->bl.nhosts; h++) {
        if (!a->bl.user[h] && a->bl.by_detector[h] < 0) continue;
        if (nrows == cap) {
            int nc = cap ? cap * 2 : 256;
            host_id *r = realloc(rows, (size_t)nc * sizeof *r);
            if (!r) break;
            rows = r; cap = nc;
        }
        rows[nrows++] = h;
    }
    s->rows = rows;
    s->cap = cap;
    s->nrows = nrows;
    table_reset(&s->tab, (app *)a, (size_t)nrows);
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

static void blacklist_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    blacklist_state *s = st;
    int nrows;
    char pos[48];
    collect(a, s);
    nrows = s->nrows;
    table_draw(&s->tab, a, w, 1, 0, h - 2, wd);   /* first: the position counts the rows it drew */
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE),
               "Blacklist: %d entr%s (%s). Later detectors skip listed hosts; your choices win over the detectors'.",
               nrows, nrows == 1 ? "y" : "ies", table_position(&s->tab, pos, sizeof pos));
    if (!nrows)
        draw_text(w, 3, 2, wd - 2, "The blacklist is empty: no detector added a host and you added none.", A_NORMAL, 0);
    draw_text(w, h - 1, 0, wd, "b or x: toggle the selected host (a detector's entry: allow it; yours: undo it)   a: add a host",
              term_attr(ROLE_DIM), 0);
}

static host_id blacklist_selected(app *a, void *st)
{
    blacklist_state *s = st;
    collect(a, s);
    size_t r = table_selected(&s->tab);
    return r == SIZE_MAX ? HOST_NONE : s->rows[r];
}

static int blacklist_key(app *a, void *st, int ch)
{
    blacklist_state *s = st;
    if (ch == ERR) return 0;
    collect(a, s);
    if (ch == 'b' || ch == 'x' || ch == KEY_DC) {
        if (!s->nrows) { app_message(a, 1, "The blacklist is empty."); return 1; }
        app_toggle_host(a, blacklist_selected(a, s));
        return 1;
    }
    if (ch == 'a') {
        char buf[128] = "";
        if (!app_prompt(a, "Add host to the blacklist (address, Enter adds):", buf, sizeof buf) || !buf[0]) return 1;
        host_id h = hosts_find(&a->table.hosts, buf);
        if (h == HOST_NONE) { app_message(a, 1, "No host '%s' in this file.", buf); return 1; }
        app_set_user(a, h, BL_USER_ADD);
        collect(a, s);
        for (int i = 0; i < s->nrows; i++) if (s->rows[i] == h) table_select_row(&s->tab, (size_t)i);
        return 1;
    }
    return table_key(&s->tab, a, ch);
}

const pane pane_blacklist = {
    .title = "Blacklist",
    .tab = "Blacklist",
    .keys = "x:Remove|a:Add|s:Sort|E:CSV",
    .help = "Every listed host, and who put it there: a detector (chained, as in the notebook)\n"
            "or you. b, x or Delete toggles the selected host: a detector's entry becomes\n"
            "'allowed', your choice is undone; a adds a host by address. Detectors re-run at once.\n"
            "A table: s sorts, / finds, n/N next/previous, E exports it as CSV.",
    .state_size = sizeof(blacklist_state),
    .init = blacklist_pane_init,
    .done = blacklist_pane_done,
    .draw = blacklist_draw,
    .key = blacklist_key,
    .selected_host = blacklist_selected,
};
