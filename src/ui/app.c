/* app.c: the explorer's main loop: the frame every pane shares (header, tabs,
 * status line, key bar), the global keys, the help screen, the prompt, and the
 * app_* calls through which panes change state. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <stdatomic.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "nettui/atomic.h"
#include "nettui/blstore.h"
#include "nettui/cache.h"
#include "ui.h"
#include "nettui/util.h"

#define MIN_COLS 80
#define MIN_LINES 24

static const pane *const panes[PANE_COUNT] = {
    &pane_detectors, &pane_talkers, &pane_hourly, &pane_ports, &pane_graph, &pane_host, &pane_blacklist,
};

/* Where each tab was drawn, for mouse clicks on the tab row. */
static int tab_x0[PANE_COUNT], tab_x1[PANE_COUNT];

void app_message(app *a, int is_error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(a->msg, sizeof a->msg, fmt, ap);
    va_end(ap);
    a->msg_error = is_error;
}

int app_rows_checked(app *a, char *why, size_t len)
{
    if (!a->columns_unchecked) return 0;
    if (cache_check_columns(&a->table, a->opt->threads, why, len)) return -1;   /* stays unchecked: every read refuses */
    a->columns_unchecked = 0;
    return 0;
}

const char *app_host_name(const app *a, host_id h, char *buf16)
{
    if (h == HOST_NONE || h >= a->table.hosts.n) return "-";
    return hosts_name(&a->table.hosts, h, buf16);
}

unsigned app_detectors_naming(const app *a, host_id h)
{
    unsigned m = 0;
    for (int i = 0; i < DETECTOR_COUNT; i++) {
        const finding *f = &a->f[i];
        if (!f->found) continue;
        if ((f->kind == ANSWER_HOST && f->value == h) || f->subject == h) { m |= 1u << i; continue; }
        for (size_t k = 0; k < f->nmembers; k++)
            if (f->members[k] == h) { m |= 1u << i; break; }
    }
    return m;
}

/* Shows pane p; remember: push the pane left on a->back, so Backspace goes
 * back (each pane instance keeps its own cursor, so it comes back where it
 * was left). */
static void show_pane(app *a, int p, int remember)
{
    int to = (p % PANE_COUNT + PANE_COUNT) % PANE_COUNT;
    if (remember && to != a->pane) {
        if (a->nback == APP_BACK_MAX) { memmove(a->back, a->back + 1, (APP_BACK_MAX - 1) * sizeof *a->back); a->nback--; }
        a->back[a->nback++] = a->pane;
    }
    a->pane = to;
    if (panes[a->pane]->enter) panes[a->pane]->enter(a, a->pane_state[a->pane]);
    a->need_redraw = 1;
}

void app_show_pane(app *a, int p)
{
    show_pane(a, p, 1);
}

void app_request(app *a, pane_request r)
{
    a->req = r;
}

void app_open_host(app *a, host_id h)
{
    app_request(a, (pane_request){.kind = REQ_OPEN_HOST, .host = h});
}

void app_open_port(app *a, int port)
{
    app_request(a, (pane_request){.kind = REQ_OPEN_PORT, .port = port});
}

/* Serves the request a key posted: the target pane takes its part (the
 * host, the port, the view), then it is shown, remembered for Backspace. */
static void serve_request(app *a)
{
    pane_request r = a->req;
    a->req.kind = REQ_NONE;
    int to;
    switch (r.kind) {
    case REQ_OPEN_HOST:
        if (r.host == HOST_NONE || r.host >= a->table.hosts.n) return;
        to = PANE_HOST;
        break;
    case REQ_OPEN_PORT: to = PANE_PORTS; break;
    case REQ_GRAPH_PORT: case REQ_GRAPH_VIEW: to = PANE_GRAPH; break;
    default: return;
    }
    if (panes[to]->open) panes[to]->open(a, a->pane_state[to], &r);
    app_show_pane(a, to);
}

static void draw_status(app *a, const char *override);
static int too_small(void);

/* rerun's worker thread: the detectors run while the screen stays alive. */
typedef struct rerun_job {
    app *a;
    atomic_int done;
} rerun_job;

static void *rerun_thread(void *arg)
{
    rerun_job *j = arg;
    engine_run(j->a->eng, &j->a->bl, j->a->f);
    atomic_store(&j->done, 1);
    return NULL;
}

/* Contract: re-runs the ten detectors from the current blacklist on a worker
 * thread; past 50 ms a spinner with the elapsed time keeps the screen alive
 * (panes are not drawn meanwhile: the findings are being rewritten). q or
 * Ctrl-C still quit. Then says how many answers changed. */
static void rerun(app *a, const char *what)
{
    char before[DETECTOR_COUNT][64];
    for (int i = 0; i < DETECTOR_COUNT; i++)
        finding_answer_text(a->eng, &a->f[i], before[i], sizeof before[i]);
    static rerun_job job;   /* outlives a quit during the run */
    job.a = a;
    atomic_store(&job.done, 0);
    pthread_t th;
    if (pthread_create(&th, NULL, rerun_thread, &job)) {
        rerun_thread(&job);
    } else {
        double t0 = util_now();
        int spin = 0;
        while (!atomic_load(&job.done)) {
            double el = util_now() - t0;
            if (el < 0.05) { napms(1); continue; }
            char buf[200];
            snprintf(buf, sizeof buf, "%c Re-running the ten detectors from the new blacklist (%.1f s)... q quits",
                     "|/-\\"[spin++ % 4], el);
            if (!too_small()) draw_status(a, buf);
            refresh();
            wtimeout(stdscr, 25);
            int ch = getch();
            if (term_interrupted() || ch == 'q' || ch == 'Q') {
                a->quit = term_interrupted() ? 2 : 1;
                a->build_running = 1;   /* the run cannot be stopped: leave its memory be */
                return;
            }
        }
        pthread_join(th, NULL);
    }
    a->runs++;
    int changed = 0;
    for (int i = 0; i < DETECTOR_COUNT; i++) {
        char now[64];
        finding_answer_text(a->eng, &a->f[i], now, sizeof now);
        if (strcmp(now, before[i])) changed++;
    }
    app_message(a, 0, "%s; detectors re-ran: %d answer%s changed.", what, changed, changed == 1 ? "" : "s");
    if (panes[a->pane]->enter) panes[a->pane]->enter(a, a->pane_state[a->pane]);
    a->need_redraw = 1;
}

/* The person's choices file (blstore.h); empty: not kept (--no-cache, no
 * cache folder). */
static char bl_path[PATH_MAX + 64];

/* Saves the person's choices as they are now; a failure is said, once per
 * choice, and costs nothing else. */
static int save_choices(app *a, char *err, size_t errlen)
{
    if (!bl_path[0]) return 0;
    char abs[PATH_MAX];
    const char *src = realpath(a->opt->path, abs) ? abs : a->opt->path;
    return blstore_save(bl_path, src, &a->bl, &a->table.hosts, err, errlen);
}

/* Says what the person's choice on h now is, saves the choices, then
 * re-runs the detectors. */
static void rerun_after_choice(app *a, host_id h)
{
    char name[16], what[128], err[PATH_MAX + 128];
    const char *hn = app_host_name(a, h, name);
    if (a->bl.user[h] == BL_USER_ADD) snprintf(what, sizeof what, "%s is on the blacklist (by you)", hn);
    else if (a->bl.user[h] == BL_USER_ALLOW) snprintf(what, sizeof what, "%s is off the blacklist (allowed by you)", hn);
    else snprintf(what, sizeof what, "Your choice on %s is undone", hn);
    int failed = save_choices(a, err, sizeof err);
    rerun(a, what);
    if (failed) app_message(a, 1, "%s; your blacklist choices are not saved: %s.", what, err);
}

/* Restores the choices saved for this file (or, with --fresh, forgets them),
 * re-running the detectors when there were any; says so on the status line. */
static void restore_choices(app *a)
{
    const cli_options *o = a->opt;
    char err[PATH_MAX + 128];
    bl_path[0] = 0;
    if (o->no_cache || blstore_path(o->path, o->cache_dir, bl_path, sizeof bl_path, err, sizeof err)) {
        bl_path[0] = 0;
        return;
    }
    if (o->fresh) {
        if (unlink(bl_path) == 0) app_message(a, 0, "Started clean (--fresh): the blacklist choices saved for this file are forgotten.");
        return;
    }
    int restored = 0, unknown = 0;
    if (blstore_load(bl_path, &a->bl, &a->table.hosts, &restored, &unknown, err, sizeof err)) {
        app_message(a, 1, "Your saved blacklist choices could not be read: %s.", err);
        return;
    }
    if (!restored) return;
    char what[200];
    snprintf(what, sizeof what, "Restored %d blacklist choice%s of your last session on this file%s (--fresh starts clean)",
             restored, restored == 1 ? "" : "s", unknown ? ", some hosts absent now" : "");
    rerun(a, what);
}

void app_set_user(app *a, host_id h, int state)
{
    if (h == HOST_NONE || h >= a->bl.nhosts) return;
    a->bl.user[h] = (uint8_t)state;
    rerun_after_choice(a, h);
}

/* blacklist_toggle: a listed host comes off (allowed, or your entry undone),
 * an unlisted one goes on; pressing b twice restores the findings. */
void app_toggle_host(app *a, host_id h)
{
    if (h == HOST_NONE || h >= a->bl.nhosts) { app_message(a, 1, "No host under the cursor."); return; }
    blacklist_toggle(&a->bl, h);
    rerun_after_choice(a, h);
}

int list_key(int ch, int *cursor, int n, int page)
{
    int c = *cursor;
    if (page < 1) page = 1;
    switch (ch) {
    case KEY_UP: case 'k': c--; break;
    case KEY_DOWN: case 'j': c++; break;
    case KEY_PPAGE: c -= page; break;
    case KEY_NPAGE: case ' ': c += page; break;
    case KEY_HOME: case 'g': c = 0; break;
    case KEY_END: case 'G': c = n - 1; break;
    default: return 0;
    }
    if (c >= n) c = n - 1;
    if (c < 0) c = 0;
    *cursor = c;
    return 1;
}

int list_top(int cursor, int n, int page, int top)
{
    if (page < 1) page = 1;
    if (cursor < top) top = cursor;
    if (cursor >= top + page) top = cursor - page + 1;
    if (top > n - page) top = n - page;
    if (top < 0) top = 0;
    return top;
}

/* ---- frame ------------------------------------------------------------- */

/* The top line: the file, its rows, its time span and the internal network
 * (inferred or given). What does not fit gives way in steps, never cut
 * mid-word: the list of blocks becomes their count, the dates lose the
 * year, then the network goes (--summary and the Detectors pane keep it). */
static void draw_header(app *a)
{
    char rows[32], t0[32], t1[32], buf[768], net[2][256] = {"", ""};
    const char *base = strrchr(a->opt->path, '/');
    base = base ? base + 1 : a->opt->path;
    numfmt_count(flows_count(&a->table), rows, sizeof rows);   /* flows, also when the rows are weighted groups */
    fmt_time_utc(a->table.ts_min, t0, sizeof t0);
    fmt_time_utc(a->table.ts_max, t1, sizeof t1);
    if (a->eng) {
        int inferred;
        double share;
        char blocks[200];
        const cidr_list *l = facts_internal_net(a->eng, &inferred, &share);
        snprintf(net[0], sizeof net[0], " | internal %s (%s, %.1f%% of flows)", cidr_list_text(l, blocks, sizeof blocks),
                 inferred ? "inferred" : "given", share * 100);
        snprintf(net[1], sizeof net[1], " | internal: %d block%s, %s", l->n, l->n == 1 ? "" : "s", inferred ? "inferred" : "given");
    }
    /* "2020-01-06 16:00" -> "01-06 16:00" when the year must give way */
    const char *s0 = strlen(t0) > 5 ? t0 + 5 : t0, *s1 = strlen(t1) > 5 ? t1 + 5 : t1;
    const struct { const char *a, *b, *net; } steps[] = {
        { t0, t1, net[0] }, { t0, t1, net[1] }, { s0, s1, net[1] }, { t0, t1, "" },
    };
    for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
        int n = snprintf(buf, sizeof buf, " nettui | %s | %s rows | %s to %s UTC%s", base, rows, steps[k].a, steps[k].b, steps[k].net);
        if (n <= COLS) break;
    }
    draw_text(stdscr, 0, 0, COLS, buf, term_attr(ROLE_HEADER), 1);
}

static void draw_tabs(app *a)
{
    int x = 0;
    move(1, 0);
    clrtoeol();
    for (int i = 0; i < PANE_COUNT; i++) {
        char buf[40];
        snprintf(buf, sizeof buf, " %d %s ", i + 1, panes[i]->tab);
        int l = (int)strlen(buf);
        if (x + l > COLS) l = COLS - x;
        if (l <= 0) break;
        tab_x0[i] = x; tab_x1[i] = x + l;
        draw_text(stdscr, 1, x, l, buf, term_attr(i == a->pane ? ROLE_TAB_ACTIVE : ROLE_TAB), 0);
        x += l + 1;
    }
}

static void draw_status(app *a, const char *override)
{
    char buf[512], n1[32];
    int y = LINES - 2;
    move(y, 0);
    clrtoeol();
    if (override) {
        draw_text(stdscr, y, 0, COLS, override, term_attr(ROLE_WARN), 1);
        return;
    }
    if (a->msg[0]) {
        draw_text(stdscr, y, 0, COLS, a->msg, term_attr(a->msg_error ? ROLE_OUTLIER : ROLE_GOOD), 1);
        return;
    }
    uint32_t mine = 0, listed = 0;
    for (uint32_t h = 0; h < a->bl.nhosts; h++) {
        if (a->bl.user[h]) mine++;
        if (blacklist_contains(&a->bl, h)) listed++;
    }
    int n = snprintf(buf, sizeof buf, "Blacklist: %u hosts (%u your choices). ", listed, mine);
    if (a->report.bad_total) {
        n += snprintf(buf + n, sizeof buf - n, "Bad lines skipped: %s (", numfmt_count(a->report.bad_total, n1, sizeof n1));
        const char *sep = "";
        for (int k = 0; k < BAD_KIND_COUNT; k++) {
            if (!a->report.bad[k]) continue;
            n += snprintf(buf + n, sizeof buf - n, "%s%s %llu", sep, load_bad_kind_name((bad_kind)k),
                          (unsigned long long)a->report.bad[k]);
            sep = ", ";
        }
        snprintf(buf + n, sizeof buf - n, ").");
    } else {
        snprintf(buf + n, sizeof buf - n, "No bad lines in the file.");
    }
    draw_text(stdscr, y, 0, COLS, buf, term_attr(a->report.bad_total ? ROLE_WARN : ROLE_DIM), 1);
}

static void key_bar_item(int *x, const char *key, const char *label)
{
    int kl = (int)strlen(key), need = kl + (int)strlen(label) + 3;
    if (*x + need - 1 > COLS) { *x = COLS; return; }
    draw_text(stdscr, LINES - 1, *x, kl, key, term_attr(ROLE_KEY), 0);
    draw_text(stdscr, LINES - 1, *x + kl + 1, (int)strlen(label), label, term_attr(ROLE_KEY_LABEL), 0);
    *x += need;
}

/* htop's function-key bar: the pane's own keys first, then the global ones. */
static void draw_key_bar(app *a)
{
    int x = 0;
    move(LINES - 1, 0);
    clrtoeol();
    key_bar_item(&x, "?", "Help");
    key_bar_item(&x, "q", "Quit");
    const char *k = panes[a->pane]->keys;
    while (k && *k) {   /* "key:label|key:label" */
        char key[16], label[32];
        const char *colon = strchr(k, ':'), *bar = strchr(k, '|');
        if (!colon) break;
        if (!bar) bar = k + strlen(k);
        snprintf(key, sizeof key, "%.*s", (int)(colon - k), k);
        snprintf(label, sizeof label, "%.*s", (int)(bar - colon - 1), colon + 1);
        key_bar_item(&x, key, label);
        k = *bar ? bar + 1 : bar;
    }
    key_bar_item(&x, "Tab", "Pane");
    key_bar_item(&x, "h", "Host");
    const char *own = panes[a->pane]->keys;
    if (!own || (strncmp(own, "b:", 2) && !strstr(own, "|b:"))) key_bar_item(&x, "b", "Blacklist");
    key_bar_item(&x, "e", "Export");
}

static void draw_too_small(void)
{
    erase();
    const char *l1 = "terminal too small (need 80x24)";
    char l2[64];
    snprintf(l2, sizeof l2, "now %dx%d; enlarge it, or press q to quit", COLS, LINES);
    int y = LINES / 2 - 1;
    if (y < 0) y = 0;
    draw_text(stdscr, y, COLS > (int)strlen(l1) ? (COLS - (int)strlen(l1)) / 2 : 0, COLS, l1, term_attr(ROLE_WARN), 0);
    draw_text(stdscr, y + 1, COLS > (int)strlen(l2) ? (COLS - (int)strlen(l2)) / 2 : 0, COLS, l2, A_NORMAL, 0);
}

static int too_small(void) { return COLS < MIN_COLS || LINES < MIN_LINES; }

static void draw_all(app *a)
{
    if (too_small()) { draw_too_small(); refresh(); return; }
    erase();
    draw_header(a);
    draw_tabs(a);
    int h = LINES - 4, w = COLS;
    WINDOW *body = derwin(stdscr, h, w, 2, 0);
    if (body) {
        panes[a->pane]->draw(a, a->pane_state[a->pane], body, h, w);
        delwin(body);
    }
    draw_status(a, NULL);
    draw_key_bar(a);
    refresh();
}

/* ---- help and prompt ------------------------------------------------------ */

static const char *const global_help[] = {
    "q            quit (restores the terminal, exit status 0)",
    "Ctrl-C       quit with exit status 1 (on the loading screen: cancel the load)",
    "?  F1        this help; movement keys scroll it, any other key closes it",
    "1 .. 7       jump to a pane; Tab / Shift-Tab cycle",
    "F2           mouse on (a click on a pane title opens it, the wheel scrolls) or off (the",
    "             default: the terminal's own selection, to copy an address, works)",
    "Up/Down j/k  move the cursor;  PgUp/PgDn  a page;  g/G  first/last",
    "Enter        drill into the host (or port) under the cursor",
    "Backspace    back to the pane before (the Host pane first steps back through its hosts)",
    "h            type a host address and open it in the Host pane (also / in a pane without a table)",
    "Tables       (Detectors, Talkers, Ports, Graph's sources and beacons, Host's three, Blacklist)",
    "             s sorts by the next column (numbers largest first), S reverses; the header marks",
    "             the sort column and the title the rows shown. / finds text in the table, n and N",
    "             go to the next and previous match (wrapping); E writes the whole table, in its",
    "             order, as CSV (exact numbers; asks for a path, ~ is home, asks before replacing)",
    "b            toggle the host under the cursor on the blacklist: a listed host comes off,",
    "             another goes on (every detector skips it); the ten detectors re-run at once",
    "e            export the ten answers and the flag (asks for a path, default answers.txt)",
    "f            the flows behind what is under the cursor (a host, a port, an answer's evidence):",
    "             sortable (s/</> column, r reverse), / or F edits the filter, Esc goes back",
    "In a prompt  Enter accepts, Esc or Ctrl-G cancels, Backspace deletes, Ctrl-U clears",
};

/* The help: global keys, then each pane's; scrolls when taller than the
 * screen (movement keys), any other key closes it. */
static void show_help(app *a)
{
    static char lines[128][160];
    int n = 0;
    for (size_t i = 0; i < sizeof global_help / sizeof *global_help && n < 128; i++)
        snprintf(lines[n++], sizeof lines[0], "  %s", global_help[i]);
    for (int p = 0; p < PANE_COUNT && n < 127; p++) {
        const char *s = panes[p]->help;
        if (!s) continue;
        snprintf(lines[n++], sizeof lines[0], "%d %s", p + 1, panes[p]->title);
        while (*s && n < 128) {
            const char *nl = strchr(s, '\n');
            int l = nl ? (int)(nl - s) : (int)strlen(s);
            snprintf(lines[n++], sizeof lines[0], "  %.*s", l, s);
            s += l + (nl ? 1 : 0);
        }
    }
    /* open at the section of the pane on screen (its title line) */
    int top = 0;
    char want[160];
    snprintf(want, sizeof want, "%d %s", a->pane + 1, panes[a->pane]->title);
    for (int i = 0; i < n; i++) if (!strcmp(lines[i], want)) { top = i; break; }
    for (;;) {
        int page = LINES - 1;
        if (top > n - page) top = n - page;
        if (top < 0) top = 0;
        erase();
        draw_text(stdscr, 0, 0, COLS, n > page ? " nettui keys (Up/Down/PgUp/PgDn scroll, any other key closes)"
                                               : " nettui keys (any key closes)", term_attr(ROLE_HEADER), 1);
        for (int i = 0; i < page && top + i < n; i++)
            draw_text(stdscr, 1 + i, 0, COLS, lines[top + i], lines[top + i][0] != ' ' ? term_attr(ROLE_TITLE) : A_NORMAL, 0);
        refresh();
        wtimeout(stdscr, 100);
        int ch;
        while ((ch = getch()) == ERR && !term_interrupted()) {}
        if (term_interrupted() || ch == KEY_RESIZE) { if (ch == KEY_RESIZE) continue; break; }
        if (ch == KEY_DOWN || ch == 'j') top++;
        else if (ch == KEY_UP || ch == 'k') top--;
        else if (ch == KEY_NPAGE || ch == ' ') top += page - 1;
        else if (ch == KEY_PPAGE) top -= page - 1;
        else if (ch == 'g' || ch == KEY_HOME) top = 0;
        else if (ch == 'G' || ch == KEY_END) top = n;
        else break;
    }
    a->need_redraw = 1;
}

/* Contract: edits buf (pre-filled by the caller) on the status line; Enter
 * accepts (1), Esc or Ctrl-G cancels (0). */
int app_prompt(app *a, const char *question, char *buf, size_t len)
{
    size_t n = strlen(buf);
    int y = LINES - 2, ok = 0;
    curs_set(1);
    for (;;) {
        move(y, 0);
        clrtoeol();
        int qx = (int)strlen(question);
        draw_text(stdscr, y, 0, COLS, question, term_attr(ROLE_TITLE), 0);
        int room = COLS - qx - 2;
        const char *shown = buf + (n > (size_t)room && room > 0 ? n - (size_t)room : 0);
        draw_text(stdscr, y, qx + 1, room, shown, A_NORMAL, 0);
        move(y, qx + 1 + (int)strlen(shown));
        refresh();
        wtimeout(stdscr, 100);
        int ch = getch();
        if (term_interrupted()) break;
        if (ch == ERR) continue;
        if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) { ok = 1; break; }
        if (ch == 27 || ch == 7) break;
        if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) { if (n) buf[--n] = 0; continue; }
        if (ch == 21) { n = 0; buf[0] = 0; continue; }   /* Ctrl-U */
        if (ch >= 32 && ch < 127 && n + 1 < len) { buf[n++] = (char)ch; buf[n] = 0; }
    }
    curs_set(0);
    a->need_redraw = 1;
    return ok;
}

static void do_search(app *a)
{
    char buf[128] = "";
    if (!app_prompt(a, "Host address (Enter opens it, Esc cancels):", buf, sizeof buf) || !buf[0]) return;
    char *s = buf;
    while (*s == ' ') s++;
    char *e = s + strlen(s);
    while (e > s && e[-1] == ' ') *--e = 0;
    host_id h = hosts_find(&a->table.hosts, s);
    if (h == HOST_NONE) { app_message(a, 1, "No host '%s' in this file.", s); return; }
    a->msg[0] = 0;
    app_open_host(a, h);
}

/* Export: '~' is the home folder; an existing file is replaced only when
 * the person says so; when the person's blacklist edits changed answers,
 * the file (a "# ..." line after the flag) and the message say which. */
int app_ask_path(app *a, const char *question, const char *dflt, char *path, size_t len)
{
    char typed[PATH_MAX];
    snprintf(typed, sizeof typed, "%s", dflt);
    if (!app_prompt(a, question, typed, sizeof typed) || !typed[0]) {
        app_message(a, 0, "Export cancelled.");
        return 0;
    }
    const char *home = getenv("HOME");
    if (typed[0] == '~' && (typed[1] == '/' || !typed[1]) && home && *home)
        snprintf(path, len, "%s%s", home, typed + 1);
    else
        snprintf(path, len, "%s", typed);
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
        char yes[8] = "";
        char q[PATH_MAX + 320];
        snprintf(q, sizeof q, "%s exists; replace it? (y replaces, anything else keeps it):", path);
        if (!app_prompt(a, q, yes, sizeof yes) || (strcmp(yes, "y") && strcmp(yes, "yes") && strcmp(yes, "Y"))) {
            app_message(a, 0, "Export cancelled; %s is unchanged.", path);
            return 0;
        }
    }
    return 1;
}

static void do_export(app *a)
{
    char path[PATH_MAX + 256], err[256] = "";
    if (!app_ask_path(a, "Export answers to (Enter accepts, Esc cancels):", "answers.txt", path, sizeof path)) return;
    char changed[128] = "", note[200] = "";
    size_t cl = 0;
    for (int i = 0; i < DETECTOR_COUNT; i++) {
        char now[64];
        finding_answer_text(a->eng, &a->f[i], now, sizeof now);
        if (strcmp(now, a->first_answer[i]) && cl < sizeof changed - 8)
            cl += (size_t)snprintf(changed + cl, sizeof changed - cl, "%s%d", cl ? ", " : "", i + 1);
    }
    if (cl) snprintf(note, sizeof note, "the analyst's blacklist edits changed the answers to questions %s", changed);
    if (export_answers_to_path(path, a->eng, a->f, cl ? note : NULL, err, sizeof err)) {
        app_message(a, 1, "Could not write %s: %s", path, err[0] ? err : strerror(errno));
        return;
    }
    char where[sizeof path + PATH_MAX + 2], cwd[PATH_MAX];
    if (path[0] != '/' && getcwd(cwd, sizeof cwd))
        snprintf(where, sizeof where, "%s/%s", cwd, path);
    else
        snprintf(where, sizeof where, "%s", path);
    if (cl) app_message(a, 0, "Answers and flag written to %s; your blacklist edits changed questions %s.", where, changed);
    else app_message(a, 0, "Answers and flag written to %s", where);
}

/* ---- the loop ----------------------------------------------------------- */

static void on_mouse(app *a)
{
    MEVENT ev;
    if (getmouse(&ev) != OK) return;
    /* the wheel scrolls what the pane scrolls with Up/Down */
    const pane *p = panes[a->pane];
    if (ev.bstate & (BUTTON4_PRESSED | BUTTON5_PRESSED)) {
        int key = ev.bstate & BUTTON4_PRESSED ? KEY_UP : KEY_DOWN;
        for (int i = 0; i < 3 && p->key; i++) p->key(a, a->pane_state[a->pane], key);
        return;
    }
    if (ev.y != 1) return;
    for (int i = 0; i < PANE_COUNT; i++)
        if (ev.x >= tab_x0[i] && ev.x < tab_x1[i]) { a->msg[0] = 0; app_show_pane(a, i); return; }
}

/* NETTUI_KEY_LOG=FILE: one line per key, "key ms", the time from reading the
 * key to the end of the redraw it caused (how the 50 ms budget is checked). */
static FILE *key_log;

static int main_loop(app *a)
{
    const char *log_path = getenv("NETTUI_KEY_LOG");
    if (log_path && *log_path) key_log = fopen(log_path, "a");
    a->need_redraw = 1;
    app_show_pane(a, PANE_DETECTORS);
    for (;;) {
        if (a->need_redraw) { a->need_redraw = 0; draw_all(a); }
        wtimeout(stdscr, 100);
        int ch = getch();
        if (term_interrupted()) return EXIT_FAILURE_RUN;
        char cmsg[400];
        if (cache_write_poll(cmsg, sizeof cmsg)) {
            app_message(a, 1, "%s", cmsg);
            a->need_redraw = 1;
        }
        if (ch == ERR) continue;
        double t0 = util_now();
        a->need_redraw = 1;
        if (ch == 'q' || ch == 'Q') return EXIT_OK;
        if (ch == KEY_RESIZE || too_small()) continue;
        a->msg[0] = 0;
        const pane *p = panes[a->pane];
        void *st = a->pane_state[a->pane];
        if (ch == KEY_MOUSE) on_mouse(a);
        else if (ch == '?' || ch == KEY_F(1)) show_help(a);
        else if (ch == KEY_F(2)) {
            static int mouse_on;
            mouse_on = term_mouse(!mouse_on);
            app_message(a, 0, mouse_on ? "Mouse on: click a pane's tab, the wheel scrolls (F2: off, for the terminal's own selection)."
                                       : "Mouse off: the terminal's own selection works (F2: on).");
        }
        else if (ch >= '1' && ch <= '0' + PANE_COUNT) app_show_pane(a, ch - '1');
        else if (ch == '\t') app_show_pane(a, a->pane + 1);
        else if (ch == KEY_BTAB) app_show_pane(a, a->pane - 1);
        else if (ch == '/') { if (!(p->key && p->key(a, st, ch))) do_search(a); }   /* a table's own search first */
        else if (ch == 'h') do_search(a);
        else if (ch == 'e') do_export(a);
        else if (ch == 'f' || ch == 'F') pane_flows_open(a, p, st, ch);
        else if (p->key && p->key(a, st, ch)) {}
        else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
            if (a->nback) show_pane(a, a->back[--a->nback], 0);
            else app_message(a, 0, "Nothing to go back to: this is the first pane you saw.");
        } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
            host_id h = p->selected_host ? p->selected_host(a, st) : HOST_NONE;
            if (h != HOST_NONE) app_open_host(a, h);
        } else if (ch == 'b') {
            app_toggle_host(a, p->selected_host ? p->selected_host(a, st) : HOST_NONE);
        } else {
            a->need_redraw = 0;
        }
        if (a->req.kind != REQ_NONE) serve_request(a);
        if (a->quit) return a->quit == 1 ? EXIT_OK : EXIT_FAILURE_RUN;
        if (key_log) {
            if (a->need_redraw) { a->need_redraw = 0; draw_all(a); }
            fprintf(key_log, "%s %.2f\n", keyname(ch) ? keyname(ch) : "?", (util_now() - t0) * 1000);
            fflush(key_log);
        }
    }
}

/* One instance of each pane class, zeroed then set up by its init. */
static int panes_new(app *a)
{
    for (int i = 0; i < PANE_COUNT; i++) {
        a->pane_state[i] = calloc(1, panes[i]->state_size ? panes[i]->state_size : 1);
        if (!a->pane_state[i]) return -1;
        if (panes[i]->init) panes[i]->init(a, a->pane_state[i]);
    }
    return 0;
}

static void panes_free(app *a)
{
    for (int i = 0; i < PANE_COUNT; i++) {
        if (a->pane_state[i] && panes[i]->done) panes[i]->done(a->pane_state[i]);
        free(a->pane_state[i]);
        a->pane_state[i] = NULL;
    }
}

static void app_free(app *a)
{
    panes_free(a);
    cache_write_finish(NULL);   /* quitting mid-write finishes it (the table is its source) */
    if (a->eng) engine_free(a->eng);
    blacklist_free(&a->bl);
    flows_free(&a->table);
}

int ui_run(const cli_options *o)
{
    const char *why = term_unusable_reason();
    if (why) {
        fprintf(stderr, "%s\n", why);
        return EXIT_FAILURE_RUN;
    }
    char err[512] = "";
    term_rescue_save();
    if (term_start(err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return EXIT_FAILURE_RUN;
    }
    term_rescue_arm();
    app *a = calloc(1, sizeof *a);
    if (!a) { term_rescue_disarm(); term_stop(); fprintf(stderr, "nettui: out of memory.\n"); return EXIT_FAILURE_RUN; }
    a->opt = o;
    a->host = HOST_NONE;
    int rc = load_screen_run(a, err, sizeof err);
    if (rc == EXIT_OK) {
        for (int i = 0; i < DETECTOR_COUNT; i++)
            finding_answer_text(a->eng, &a->f[i], a->first_answer[i], sizeof a->first_answer[i]);
        if (panes_new(a)) {
            snprintf(err, sizeof err, "nettui: out of memory for the panes.");
            rc = EXIT_FAILURE_RUN;
        } else {
            restore_choices(a);   /* may re-run the detectors: the panes exist first */
            rc = a->quit ? (a->quit == 1 ? EXIT_OK : EXIT_FAILURE_RUN) : main_loop(a);
        }
    }
    term_rescue_disarm();
    term_stop();
    /* the explorer catches SIGINT, SIGTERM, SIGHUP itself: a write still
     * under way when it ends leaves no temporary file (atomic.h) */
    atomic_unlink_all();
    if (rc != EXIT_OK && err[0]) fprintf(stderr, "%s\n", err);
    else if (rc != EXIT_OK && term_interrupted()) fprintf(stderr, "nettui: cancelled.\n");
    if (a->build_running)   /* a cancelled engine_build cannot be stopped: the exit ends it */
        return rc;
    app_free(a);
    free(a);
    return rc;
}
