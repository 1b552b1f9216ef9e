/* pane_flows.c: the Flows view: the rows of the flow table behind what is
 * under the cursor (a host, a host pair, a port, a finding's evidence), as
 * a scrollable table sortable by any column, with a filter line in the
 * language of filter.h. It runs its own key loop over the current pane;
 * Backspace or Esc returns to it.
 *
 * A query whose every match involves one of a few hosts walks those hosts'
 * lists in the host index (hostidx.h), built on first use on a thread while
 * the view shows a spinner (q or Esc cancels: that query is then scanned),
 * and kept for the session; any other query is one scan of the columns
 * (filter_scan). At most FLOWS_CAP matching row indexes are kept (the
 * first ones in file order), and the view says so when there were more.
 * On a ClickHouse source, whose table holds groups of flows, the filter
 * goes to the server as WHERE with a LIMIT of FLOWS_CAP (chsource.h:
 * ch_fetch_flows) and the rows index the flows that came back. */
#include <ctype.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nettui/cache.h"
#include "nettui/chsource.h"
#include "nettui/filter.h"
#include "nettui/hostidx.h"
#include "ui.h"

#define FLOWS_CAP 1000000
/* the longest evidence filter is about 2,300 bytes (pane_flows_finding_query) */
#define FLOWS_EXPR_MAX 4096

/* the ten questions in CTF order (engine_detector(i)) */
enum { Q_EXFIL, Q_OFFHOURS, Q_PORT_ABUSE, Q_PRIVATE_CNC, Q_P2P, Q_CONTROLLER, Q_INFECTED, Q_BEACONS, Q_BRUTE, Q_SPY };

enum { COL_TIME, COL_SRC, COL_DST, COL_PORT, COL_BYTES, COL_COUNT };
static const char *const col_name[COL_COUNT] = {"time (UTC)", "src", "dst", "port", "bytes"};

typedef struct flows_view {
    app *a;
    const flow_table *t;       /* the table rows[] index: the app's, or fetched */
    flow_table fetched;        /* a ClickHouse source's flows for this filter */
    char expr[FLOWS_EXPR_MAX];
    char title[256];
    size_t *rows;
    size_t nrows, cap;
    size_t total;              /* matches in the whole file (may exceed nrows) */
    double seconds;            /* the last scan */
    int sort_col, sort_desc;
    int cursor, top;
    char msg[400];
    int msg_error;
    int by_index;              /* the last query walked the host index */
} flows_view;

/* The host index of the explorer's table: built once, on the first query
 * that can use it, kept until the explorer ends. */
static host_index flows_index;
static int flows_index_state;   /* 0 not yet, 1 ready, -1 cannot be had */

/* ---- the query ----------------------------------------------------------- */

static int keep_row(size_t row, void *arg)
{
    flows_view *v = arg;
    if (v->nrows == FLOWS_CAP) return 0;   /* keep counting, stop storing */
    if (v->nrows == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 4096;
        if (cap > FLOWS_CAP) cap = FLOWS_CAP;
        size_t *r = realloc(v->rows, cap * sizeof *r);
        if (!r) return 1;
        v->rows = r;
        v->cap = cap;
    }
    v->rows[v->nrows++] = row;
    return 0;
}

static const flow_table *sort_table;

static int host_cmp(host_id x, host_id y)
{
    const host_dict *d = &sort_table->hosts;
    if (x == y) return 0;
    int sx = d->name_off[x] != UINT32_MAX, sy = d->name_off[y] != UINT32_MAX;
    if (sx != sy) return sx - sy;           /* dotted quads first */
    if (!sx) return d->ip[x] < d->ip[y] ? -1 : d->ip[x] > d->ip[y];
    return strcmp(d->names + d->name_off[x], d->names + d->name_off[y]);
}

static int sort_col_g, sort_desc_g;

static int row_cmp(const void *pa, const void *pb)
{
    size_t i = *(const size_t *)pa, j = *(const size_t *)pb;
    const flow_table *t = sort_table;
    int c = 0;
    switch (sort_col_g) {
    case COL_TIME: c = t->ts[i] < t->ts[j] ? -1 : t->ts[i] > t->ts[j]; break;
    case COL_SRC: c = host_cmp(t->src[i], t->src[j]); break;
    case COL_DST: c = host_cmp(t->dst[i], t->dst[j]); break;
    case COL_PORT: c = (t->port[i] > t->port[j]) - (t->port[i] < t->port[j]); break;
    default: {
        uint64_t x = flows_bytes_at(t, i), y = flows_bytes_at(t, j);
        c = (x > y) - (x < y);
    }
    }
    if (sort_desc_g) c = -c;
    if (!c) c = (i > j) - (i < j);          /* ties in file order */
    return c;
}

static void sort_rows(flows_view *v)
{
    sort_table = v->t;
    sort_col_g = v->sort_col;
    sort_desc_g = v->sort_desc;
    qsort(v->rows, v->nrows, sizeof *v->rows, row_cmp);
}

static void draw_view(flows_view *v);

typedef struct index_job {
    const app *a;
    char cpath[PATH_MAX + 64];
    int have_cpath, loaded, rc;
    hostidx_progress p;
    char note[PATH_MAX + 400];
} index_job;

static void *index_worker(void *arg)
{
    index_job *j = arg;
    j->rc = hostidx_open(&flows_index, &j->a->table, j->have_cpath ? j->cpath : NULL, j->a->opt->threads, &j->p,
                         &j->loaded, j->note, sizeof j->note);
    return NULL;
}

/* q, Esc or Ctrl-C while the server works on the view's query: stop it
 * (ch_query's cancel hook, on this thread). Other keys typed meanwhile are
 * put back for after the query. */
static int remote_cancel(void *user)
{
    (void)user;
    int keys[64], n = 0, ch, stop = 0;
    wtimeout(stdscr, 0);
    while ((ch = getch()) != ERR) {
        if (ch == 'q' || ch == 'Q' || ch == 27 || ch == 3) stop = 1;
        else if (n < 64) keys[n++] = ch;
    }
    wtimeout(stdscr, 100);
    if (!stop)
        while (n > 0) ungetch(keys[--n]);
    return stop || term_interrupted();
}

/* Builds (or maps) the host index on a thread, drawing a spinner with the
 * share done; q or Esc cancels. 1 when the index is ready, else 0 (the
 * caller scans); a refused or unwritten index file is said in v->msg. */
static int index_ready(flows_view *v)
{
    if (flows_index_state) return flows_index_state > 0;
    app *a = v->a;
    static index_job j;
    memset(&j, 0, sizeof j);
    j.a = a;
    char abs[PATH_MAX], err[256];
    j.have_cpath = !a->opt->no_cache && !a->opt->is_set && realpath(a->opt->path, abs)
                   && !cache_file_path(abs, a->opt->cache_dir, j.cpath, sizeof j.cpath, err, sizeof err);
    pthread_t th;
    if (pthread_create(&th, NULL, index_worker, &j)) {
        index_worker(&j);
    } else {
        static const char *const spin_ascii[] = {"|", "/", "-", "\\"};
        static const char *const spin_uni[] = {"\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb9", "\xe2\xa0\xb8",
                                               "\xe2\xa0\xbc", "\xe2\xa0\xb4", "\xe2\xa0\xa6", "\xe2\xa0\xa7"};
        int frame = 0, cancelled = 0, joined = 0;
        /* a small table's index is there before a spinner would be seen */
        struct timespec nap = {0, 10 * 1000 * 1000};
        for (int k = 0; k < 20 && !(joined = pthread_tryjoin_np(th, NULL) == 0); k++) nanosleep(&nap, NULL);
        while (!joined && pthread_tryjoin_np(th, NULL) != 0) {
            uint64_t done = atomic_load(&j.p.done), total = atomic_load(&j.p.total);
            const char *sp = term_unicode() ? spin_uni[frame % 8] : spin_ascii[frame % 4];
            frame++;
            if (atomic_load(&j.p.saving))   /* built: past cancelling */
                snprintf(v->msg, sizeof v->msg, "%s saving the host index beside the cache...", sp);
            else if (cancelled)
                snprintf(v->msg, sizeof v->msg, "%s cancelling the host index...", sp);
            else
                snprintf(v->msg, sizeof v->msg, "%s building the host index: %d%% (once a file; q or Esc cancels and scans)",
                         sp, total ? (int)(done * 100 / total) : 0);
            v->msg_error = 0;
            draw_view(v);
            wtimeout(stdscr, 100);
            int ch = getch();
            if (term_interrupted() || ch == 'q' || ch == 'Q' || ch == 27) {
                atomic_store(&j.p.cancel, 1);
                cancelled = 1;
            }
        }
        wtimeout(stdscr, 100);
    }
    v->msg[0] = 0;
    if (j.rc == 1) {   /* cancelled: try again on the next query */
        snprintf(v->msg, sizeof v->msg, "Host index cancelled: this query scanned the whole table.");
        v->msg_error = 1;   /* kept on the status line until a key */
        return 0;
    }
    flows_index_state = j.rc == 0 ? 1 : -1;
    if (j.note[0]) {
        snprintf(v->msg, sizeof v->msg, "%.390s", j.note);
        v->msg[0] = (char)toupper((unsigned char)v->msg[0]);
        v->msg_error = 1;
    }
    return flows_index_state > 0;
}

/* The matches of f through the host index (1), or 0 when f has no plan,
 * the index cannot be had, or the plan's lists are too long (scan). */
static int query_by_index(flows_view *v, const flow_filter *f)
{
    char why[300];
    size_t hits = 0;
    int r = hostidx_scan(&flows_index, f, &v->a->table, keep_row, v, &hits, why, sizeof why);
    if (r < 0) {
        /* a mapped list failed its checks: never trusted; the file goes and
         * the next query builds the index again */
        snprintf(v->msg, sizeof v->msg, "The host index %s; it is removed and will be rebuilt.", why);
        v->msg_error = 1;
        hostidx_free(&flows_index);
        flows_index_state = 0;
        char abs[PATH_MAX], cpath[PATH_MAX + 64], err[256];
        if (!v->a->opt->no_cache && realpath(v->a->opt->path, abs)
            && !cache_file_path(abs, v->a->opt->cache_dir, cpath, sizeof cpath, err, sizeof err))
            hostidx_remove_beside(cpath);
        v->nrows = 0;
        return 0;
    }
    if (r == 1) v->total = hits;
    return r == 1;
}

/* Parses expr and answers it (through the host index or one scan); on a
 * bad expression keeps the current rows and says why. */
static void run_query(flows_view *v, const char *expr)
{
    char err[300];
    int oom = 0;
    int remote = v->a->table.weight != NULL;   /* a ClickHouse source: its rows are groups of flows */
    flow_filter *f = filter_parse(expr, err, sizeof err, &oom);
    if (!f || (!remote && filter_bind(f, &v->a->table))) {
        snprintf(v->msg, sizeof v->msg, "%s%s", oom || f ? "Out of memory: " : "Bad filter: ",
                 f ? "the filter could not be prepared." : err);
        v->msg_error = 1;
        filter_free(f);
        return;
    }
    if (expr != v->expr) snprintf(v->expr, sizeof v->expr, "%s", expr);
    if (!remote && v->a->columns_unchecked) {
        /* the rows are read for the first time: the checks the cache left
         * out on the saved facts' word come first, or a damaged cache would
         * print wrong rows (or host ids past the host list) */
        snprintf(v->msg, sizeof v->msg, "checking the cached columns...");
        v->msg_error = 0;
        draw_view(v);
        char why[300];
        if (app_rows_checked(v->a, why, sizeof why)) {
            snprintf(v->msg, sizeof v->msg, "The cache %s: its flows cannot be shown; quit and run again to rebuild it.", why);
            v->msg_error = 1;
            v->nrows = 0;
            filter_free(f);
            return;
        }
    }
    if (remote) snprintf(v->msg, sizeof v->msg, "asking the ClickHouse server... (q or Esc cancels)");
    else snprintf(v->msg, sizeof v->msg, "scanning %zu flows...", v->a->table.n);
    v->msg_error = 0;
    v->nrows = 0;
    flows_free(&v->fetched);
    v->t = &v->a->table;
    draw_view(v);
    /* the index (a spinner while it builds, once) before the clock starts */
    int indexed = !remote && hostidx_plans(f) && index_ready(v);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    if (remote) {
        ch_options co;
        cli_ch_options(v->a->opt, &co);
        co.progress = 0;   /* stderr is under the screen */
        co.cancel = remote_cancel;   /* asked at least once a second while the server works */
        co.cancel_user = NULL;
        uint64_t total = 0;
        char cerr[1024];
        if (ch_fetch_flows(v->a->opt->path, &co, f, FLOWS_CAP, &v->a->table, &v->fetched, &total, cerr, sizeof cerr)) {
            snprintf(v->msg, sizeof v->msg, "%.399s", cerr);
            v->msg_error = 1;
            v->total = 0;
            filter_free(f);
            return;
        }
        v->t = &v->fetched;
        v->by_index = 0;
        for (size_t i = 0; i < v->fetched.n; i++) keep_row(i, v);
        v->total = total;
    } else {
        v->by_index = indexed && query_by_index(v, f);
        if (!v->by_index) v->total = filter_scan(f, &v->a->table, 0, v->a->table.n, keep_row, v);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    v->seconds = (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    filter_free(f);
    if (v->total > v->nrows && v->nrows < FLOWS_CAP) {
        snprintf(v->msg, sizeof v->msg, "Out of memory after %zu rows: the list is cut.", v->nrows);
        v->msg_error = 1;
    } else if (!v->msg_error) {
        v->msg[0] = 0;
    }
    if (v->sort_col != COL_TIME || v->sort_desc) sort_rows(v);
    v->cursor = v->top = 0;
}

/* ---- drawing --------------------------------------------------------------- */

static void fmt_ms_utc(int64_t ms, char *buf, size_t len)
{
    char iso[40];
    filter_format_iso(ms, iso, sizeof iso);   /* 2020-01-06T16:00:00.000Z */
    iso[10] = ' ';
    iso[23] = 0;
    snprintf(buf, len, "%s", iso);
}

static void draw_view(flows_view *v)
{
    app *a = v->a;
    const flow_table *t = v->t;
    char b1[32], b2[32], b3[32], line[512];
    erase();
    draw_textf(stdscr, 0, 0, COLS, term_attr(ROLE_HEADER), " Flows: %s", v->title);
    draw_text(stdscr, 1, 0, 8, "Filter:", term_attr(ROLE_TITLE), 0);
    draw_text(stdscr, 1, 8, COLS - 8, v->expr[0] ? v->expr : "(all flows)", A_NORMAL, 0);
    const int tw = 23, hw = COLS >= 120 ? 24 : 16, pw = 6, bw = 15;
    const char *arrow = v->sort_desc ? (term_unicode() ? "\xe2\x96\xbc" : "v") : (term_unicode() ? "\xe2\x96\xb2" : "^");
    int x = 0;
    const int widths[COL_COUNT] = {tw, hw, hw, pw, bw};
    for (int c = 0; c < COL_COUNT; c++) {
        char head[64];
        if (c == v->sort_col) snprintf(head, sizeof head, "%s %s", col_name[c], arrow);
        else snprintf(head, sizeof head, "%s", col_name[c]);
        attr_t at = c == v->sort_col ? term_attr(ROLE_TAB_ACTIVE) : term_attr(ROLE_TITLE);
        if (c >= COL_PORT) {   /* numbers are right-aligned */
            int l = (int)strlen(head) - (c == v->sort_col && term_unicode() ? 2 : 0);
            draw_text(stdscr, 2, x + (widths[c] > l ? widths[c] - l : 0), widths[c], head, at, 0);
        } else {
            draw_text(stdscr, 2, x, widths[c], head, at, 0);
        }
        x += widths[c] + 1;
    }
    int page = LINES - 5;
    if (page < 1) page = 1;
    v->top = list_top(v->cursor, (int)v->nrows, page, v->top);
    for (int i = 0; i < page && (size_t)(v->top + i) < v->nrows; i++) {
        size_t r = v->rows[v->top + i];
        char tb[40], sb[16], db[16];
        fmt_ms_utc(t->ts[r], tb, sizeof tb);
        snprintf(line, sizeof line, "%-*s %-*.*s %-*.*s %*u %*s", tw, tb, hw, hw, app_host_name(a, t->src[r], sb), hw, hw,
                 app_host_name(a, t->dst[r], db), pw, t->port[r], bw, numfmt_count(flows_bytes_at(t, r), b1, sizeof b1));
        attr_t at = v->top + i == v->cursor ? term_attr(ROLE_SELECTED) : A_NORMAL;
        draw_text(stdscr, 3 + i, 0, COLS, line, at, v->top + i == v->cursor);
    }
    if (!v->nrows && !v->msg[0])
        draw_text(stdscr, 3, 2, COLS - 2, "No flow matches this filter.", term_attr(ROLE_DIM), 0);
    /* status: position, count, cap, scan time; or a message */
    int y = LINES - 2;
    if (v->msg[0]) {
        draw_text(stdscr, y, 0, COLS, v->msg, term_attr(v->msg_error ? ROLE_OUTLIER : ROLE_WARN), 1);
    } else {
        size_t first = v->nrows ? (size_t)v->top + 1 : 0;
        size_t last = (size_t)v->top + (size_t)page < v->nrows ? (size_t)v->top + (size_t)page : v->nrows;
        int n = snprintf(line, sizeof line, "%s-%s of %s flow%s", numfmt_count(first, b1, sizeof b1),
                         numfmt_count(last, b2, sizeof b2), numfmt_count(v->nrows, b3, sizeof b3), v->nrows == 1 ? "" : "s");
        if (v->total > v->nrows) {
            char b4[32];
            n += snprintf(line + n, sizeof line - n, " (capped: first %s of %s matches%s)", numfmt_count(v->nrows, b3, sizeof b3),
                          numfmt_count(v->total, b4, sizeof b4), v->sort_col != COL_TIME || v->sort_desc ? ", sorted" : "");
        }
        snprintf(line + n, sizeof line - n, "; by %s %s; %s %.0f ms", col_name[v->sort_col],
                 v->sort_desc ? "descending" : "ascending", v->by_index ? "host index" : "scan", v->seconds * 1000);
        draw_text(stdscr, y, 0, COLS, line, term_attr(v->total > v->nrows ? ROLE_WARN : ROLE_DIM), 1);
    }
    static const char *const keys[][2] = {{"Esc", "Back"}, {"/", "Filter"}, {"s", "Sort column"}, {"r", "Reverse"},
                                          {"Enter", "Open src"}, {"d", "Open dst"}, {"q", "Quit"}};
    int kx = 0;
    move(LINES - 1, 0);
    clrtoeol();
    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++) {
        int kl = (int)strlen(keys[k][0]), ll = (int)strlen(keys[k][1]);
        if (kx + kl + ll + 2 > COLS) break;
        draw_text(stdscr, LINES - 1, kx, kl, keys[k][0], term_attr(ROLE_KEY), 0);
        draw_text(stdscr, LINES - 1, kx + kl + 1, ll, keys[k][1], term_attr(ROLE_KEY_LABEL), 0);
        kx += kl + ll + 3;
    }
    refresh();
}

/* ---- the queries behind each pane ------------------------------------------ */

static double evidence(const finding *f, const char *label, double dflt)
{
    for (int i = 0; i < f->nevidence; i++)
        if (!strcmp(f->evidence[i].label, label)) return f->evidence[i].value;
    return dflt;
}

/* The filter being written. A clause that does not fit is never cut:
 * "src 10.1.2.3" cut to "src 10.1.2" names another host, so over marks the
 * whole expression unusable instead. */
typedef struct sbuf {
    char *s;
    size_t n, len;
    int over;
} sbuf;

static void sb_add(sbuf *b, const char *fmt, ...)
{
    if (b->over) return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->s + b->n, b->len - b->n, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= b->len - b->n) { b->over = 1; b->s[b->n] = 0; return; }
    b->n += (size_t)r;
}

/* The internal blocks joined: open, then sep between, then close. */
static void add_nets(app *a, sbuf *b, const char *open, const char *sep, const char *close)
{
    int inferred;
    double share;
    const cidr_list *l = facts_internal_net(a->eng, &inferred, &share);
    for (int i = 0; i < l->n; i++) {
        char block[19];
        sb_add(b, "%s%s", i ? sep : open, cidr_format(&l->v[i], block));
    }
    if (l->n) sb_add(b, "%s", close);
}

/* " and (src A or src B ...)": up to 40 members, past that the port alone. */
static void add_members(app *a, const finding *f, const char *end, sbuf *b)
{
    if (!f->nmembers || f->nmembers > 40) return;
    for (size_t i = 0; i < f->nmembers; i++) {
        char hb[16];
        sb_add(b, "%s%s %s", i ? " or " : " and (", end, app_host_name(a, f->members[i], hb));
    }
    sb_add(b, ")");
}

#define OUTSIDE " and not dst net "
#define INSIDE_OPEN " and (dst net "
#define INSIDE_SEP " or dst net "

/* The evidence of question q as a filter; 0 when it has none, or when the
 * filter would not fit in len (FLOWS_EXPR_MAX holds the longest: 64 blocks
 * of 35 bytes, or two lists of 40 members of 24). */
int pane_flows_finding_query(app *a, int q, char *e, size_t len, char *title, size_t tlen)
{
    const finding *f = &a->f[q];
    if (!f->found || !len) return 0;
    char hb[16], cb[16];
    const char *h = f->kind == ANSWER_HOST ? app_host_name(a, f->value, hb) : "";
    sbuf b = { e, 0, len, 0 };
    e[0] = 0;
    int port = (int)evidence(f, "port", -1);
    switch (q) {
    case Q_EXFIL:
        sb_add(&b, "src %s", h);
        add_nets(a, &b, OUTSIDE, OUTSIDE, "");
        snprintf(title, tlen, "question 1: %s's flows to outside", h);
        break;
    case Q_OFFHOURS: {
        int ws = (int)evidence(f, "work start", -1), we = (int)evidence(f, "work end", -1);
        sb_add(&b, "src %s", h);
        if (ws >= 0 && we >= 0 && ws != we) sb_add(&b, " and not hour %d-%d", ws, we == 0 ? 24 : we);
        add_nets(a, &b, OUTSIDE, OUTSIDE, "");
        snprintf(title, tlen, "question 2: %s's off-hours flows to outside", h);
        break;
    }
    case Q_PORT_ABUSE:
        if (f->subject != HOST_NONE)
            sb_add(&b, "port %u and src %s", f->value, app_host_name(a, f->subject, cb));
        else
            sb_add(&b, "port %u", f->value);
        snprintf(title, tlen, "question 3: port %u%s%s", f->value, f->subject != HOST_NONE ? " from its outlier " : "",
                 f->subject != HOST_NONE ? cb : "");
        break;
    case Q_PRIVATE_CNC:
        if (f->nmembers == 1)
            sb_add(&b, "port %u and src %s", f->value, app_host_name(a, f->members[0], cb));
        else
            sb_add(&b, "port %u", f->value);
        snprintf(title, tlen, "question 4: the private channel, port %u%s%s", f->value, f->nmembers == 1 ? ", from its lone source " : "",
                 f->nmembers == 1 ? cb : "");
        break;
    case Q_P2P:
        sb_add(&b, "port %u", f->value);
        add_members(a, f, "src", &b);
        add_members(a, f, "dst", &b);
        snprintf(title, tlen, "question 5: the peer-to-peer clique on port %u", f->value);
        break;
    case Q_CONTROLLER:
        sb_add(&b, "dst %s", h);
        if (port >= 0) sb_add(&b, " and port %d", port);
        snprintf(title, tlen, "question 6: flows to the controller %s", h);
        break;
    case Q_INFECTED: {
        const finding *c = &a->f[Q_CONTROLLER];
        sb_add(&b, "src %s", h);
        if (c->found && c->kind == ANSWER_HOST) sb_add(&b, " and dst %s", app_host_name(a, c->value, cb));
        if (port >= 0) sb_add(&b, " and port %d", port);
        snprintf(title, tlen, "question 7: %s's flows to the controller", h);
        break;
    }
    case Q_BEACONS:
        sb_add(&b, "port %u", f->value);
        add_members(a, f, "src", &b);
        snprintf(title, tlen, "question 8: the beacons on port %u", f->value);
        break;
    default:
        if (f->kind == ANSWER_HOST) {
            sb_add(&b, "src %s", h);
            if (q == Q_BRUTE || q == Q_SPY) add_nets(a, &b, INSIDE_OPEN, INSIDE_SEP, ")");
            snprintf(title, tlen, "question %d: %s's flows%s", q + 1, h, q == Q_BRUTE || q == Q_SPY ? " inside" : "");
        } else {
            sb_add(&b, "port %u", f->value);
            snprintf(title, tlen, "question %d: port %u", q + 1, f->value);
        }
        break;
    }
    return !b.over;
}

/* ---- the view's loop ---------------------------------------------------------- */

static void open_row_host(flows_view *v, int dst)
{
    if (!v->nrows) return;
    size_t r = v->rows[v->cursor];
    app_open_host(v->a, dst ? v->t->dst[r] : v->t->src[r]);
}

/* Returns when the person goes back (Esc, Backspace), opens a host, or quits. */
static void view_loop(flows_view *v)
{
    app *a = v->a;
    for (;;) {
        draw_view(v);
        wtimeout(stdscr, 100);
        int ch = getch();
        if (term_interrupted()) return;
        if (ch == ERR || ch == KEY_RESIZE) continue;
        if (v->msg[0] && !v->msg_error) v->msg[0] = 0;
        if (ch == 'q' || ch == 'Q') { a->quit = 1; return; }
        if (ch == 27 || ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == KEY_LEFT) return;
        int page = LINES - 5;
        if (ch == KEY_NPAGE || ch == ' ' || ch == KEY_PPAGE) {   /* the view moves a page, not only the cursor */
            int d = ch == KEY_PPAGE ? -page : page;
            int last = v->nrows ? (int)v->nrows - 1 : 0;
            v->top += d;
            if (v->top > last - page + 1) v->top = last - page + 1;
            if (v->top < 0) v->top = 0;
            v->cursor += d;
            if (v->cursor > last) v->cursor = last;
            if (v->cursor < 0) v->cursor = 0;
            continue;
        }
        if (list_key(ch, &v->cursor, (int)v->nrows, page)) { v->msg[0] = 0; continue; }
        v->msg[0] = 0;
        if (ch == '/' || ch == 'F') {
            char buf[FLOWS_EXPR_MAX];
            snprintf(buf, sizeof buf, "%s", v->expr);
            if (app_prompt(a, "Filter (Enter applies, Esc cancels):", buf, sizeof buf)) run_query(v, buf);
        } else if (ch == 's' || ch == KEY_RIGHT || ch == '>') {
            v->sort_col = (v->sort_col + 1) % COL_COUNT;
            sort_rows(v);
            v->cursor = v->top = 0;
        } else if (ch == '<') {
            v->sort_col = (v->sort_col + COL_COUNT - 1) % COL_COUNT;
            sort_rows(v);
            v->cursor = v->top = 0;
        } else if (ch == 'r') {
            v->sort_desc = !v->sort_desc;
            sort_rows(v);
            v->cursor = v->top = 0;
        } else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
            if (v->nrows) { open_row_host(v, 0); return; }
        } else if (ch == 'd') {
            if (v->nrows) { open_row_host(v, 1); return; }
        }
    }
}

static flows_view view;

int pane_flows_open(app *a, const pane *p, void *st, int ch)
{
    char e[FLOWS_EXPR_MAX] = "", title[256] = "";
    int got = 0;
    if (p->flows_query) got = p->flows_query(a, st, ch, e, sizeof e, title, sizeof title);
    if (!got) {
        host_id h = p->selected_host ? p->selected_host(a, st) : HOST_NONE;
        if (h == HOST_NONE) { app_message(a, 1, "Nothing under the cursor to show flows for."); return 1; }
        char hb[16];
        const char *name = app_host_name(a, h, hb);
        if (strpbrk(name, " ()\"'<>=!")) { app_message(a, 1, "This host's name cannot be written in a filter."); return 1; }
        snprintf(e, sizeof e, "host %s", name);
        snprintf(title, sizeof title, "%s's flows", name);
    }
    view.a = a;
    view.t = &a->table;
    view.sort_col = COL_TIME;
    view.sort_desc = 0;
    snprintf(view.title, sizeof view.title, "%s", title);
    snprintf(view.expr, sizeof view.expr, "%s", e);
    view.msg[0] = 0;
    run_query(&view, view.expr);
    view_loop(&view);
    a->need_redraw = 1;
    return 1;
}
