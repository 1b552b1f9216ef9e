/* pane_talkers.c: hosts ranked by what they sent or received, in five
 * directions (internal hosts out, in and among themselves; outside hosts
 * by what they sent in, and by what internal hosts sent them: the top
 * outside destinations), as a table (table.c) with a bar of the ranking
 * metric; d switches the direction, m the metric. Every number is exact:
 * bytes and connections from the facts' per-host totals, distinct peers
 * counted by one scan of the flows for the rows listed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettui/util.h"
#include "ui.h"

#define TALKERS_MAX 500
#define NDIR 5

static const char *const dir_name[NDIR] = {"Outbound (internal hosts sending out)",
                                           "Inbound (internal hosts receiving from outside)",
                                           "Internal (internal hosts sending to internal hosts)",
                                           "External senders (outside hosts sending in)",
                                           "Outside destinations (outside hosts internal hosts sent to)"};
static const char *const dir_file[NDIR] = {"talkers-outbound", "talkers-inbound", "talkers-internal",
                                           "talkers-external-senders", "talkers-outside-destinations"};
static const char *const metric_name[] = {"bytes", "connections", "distinct peers"};

typedef struct talker_row {
    host_id h;
    uint64_t bytes, flows, peers;   /* in the pane's direction, exact */
} talker_row;

/* The pane's state (its instance, owned by the app). */
typedef struct talkers_state {
    int dir, metric;
    int loaded;                  /* dir * 3 + metric the rows are for, or -1 */
    talker_row rows[TALKERS_MAX];
    size_t nrows;
    int peers_state;             /* 0: not counted yet, 1: counted, -1: out of memory ("-" shown) */
    struct peer_count *pc[NDIR]; /* each direction's listed hosts and their exact peers, by host */
    size_t npc[NDIR];
    ui_table t;
    table_col cols[8];           /* the table's columns (the bar's width follows the screen) */
} talkers_state;

enum { C_RANK, C_HOST, C_BAR, C_BYTES, C_CONNS, C_PEERS, C_DET, C_LIST, NCOLS };
static const table_col cols_template[NCOLS] = {
    {"rank", 5, COL_NUM, 1, NULL}, {"host", 16, COL_ADDR, 0, NULL}, {"", 10, COL_BAR, 0, NULL},
    {"bytes", 15, COL_NUM, 1, NULL}, {"conns", 11, COL_NUM, 1, "connections"}, {"peers", 7, COL_NUM, 1, NULL},
    {"detectors", 10, COL_TEXT, 0, NULL}, {"list", 0, COL_TEXT, 0, NULL},
};


/* 1 when direction d counts a flow from s to d's other end toward row host
 * r, which is then *who, and the peer *peer. */
static int flow_side(int dir, const uint8_t *internal, host_id s, host_id d, host_id *who, host_id *peer)
{
    switch (dir) {
    case DIR_OUTBOUND: *who = s; *peer = d; return internal[s] && !internal[d];
    case DIR_INBOUND: *who = d; *peer = s; return internal[d] && !internal[s];
    case DIR_INTERNAL: *who = s; *peer = d; return internal[s] && internal[d];
    case DIR_EXTERNAL_SENDERS: *who = s; *peer = d; return !internal[s] && internal[d];
    default: *who = d; *peer = s; return internal[s] && !internal[d];
    }
}

typedef struct peer_count {
    host_id h;
    uint32_t peers;
} peer_count;

static int by_host(const void *pa, const void *pb)
{
    const peer_count *a = pa, *b = pb;
    return (a->h > b->h) - (a->h < b->h);
}

/* Exact distinct peers of every host any ranking of any direction lists
 * (at most 3 x TALKERS_MAX a direction), all directions in one pass over
 * the flows, once: the traffic does not change, so later d and m only look
 * them up. A hash set of (direction, host, peer): memory is bounded by the
 * distinct pairs of the listed hosts, time by the rows of the file.
 * -1 when out of memory (the peers then show as "-"). */
#define SLOTS_PER_DIR (3 * TALKERS_MAX)
static int count_peers(app *a, talkers_state *s)
{
    const flow_table *ft = &a->table;
    char why[300];
    if (app_rows_checked(a, why, sizeof why)) {
        app_message(a, 1, "The cache %s: peers are not counted (quit and run again to rebuild it).", why);
        return -1;
    }
    uint32_t nh = ft->hosts.n ? ft->hosts.n : 1;
    uint16_t *idx = calloc((size_t)NDIR * nh, sizeof *idx);   /* [dir][host] -> slot + 1 */
    uint8_t *internal = calloc(nh, 1);
    size_t cap = 1024, used = 0;
    uint64_t *set = calloc(cap, sizeof *set);                 /* tag << 32 | peer; 0 empty */
    int rc = -1;
    if (!idx || !internal || !set) goto out;
    for (uint32_t i = 0, n = facts_internal_count(a->eng); i < n; i++) {
        host_id h = facts_internal_at(a->eng, i);
        if (h < nh) internal[h] = 1;
    }
    for (int d = 0; d < NDIR; d++) {
        free(s->pc[d]);
        s->pc[d] = calloc(SLOTS_PER_DIR, sizeof *s->pc[d]);
        s->npc[d] = 0;
        if (!s->pc[d]) goto out;
        for (int m = 0; m < 3; m++) {
            candidate c[TALKERS_MAX];
            size_t n = facts_top_hosts(a->eng, (facts_direction)d, (facts_metric)m, c, TALKERS_MAX);
            for (size_t i = 0; i < n; i++) {
                uint16_t *slot = &idx[(size_t)d * nh + c[i].value];
                if (*slot) continue;
                s->pc[d][s->npc[d]].h = c[i].value;
                *slot = (uint16_t)++s->npc[d];
            }
        }
    }
    for (size_t i = 0; i < ft->n; i++) {
        if (i && (i & (FLOWS_RELEASE_ROWS - 1)) == 0) flows_release(ft, i - FLOWS_RELEASE_ROWS, i);   /* a source's mapped groups */
        host_id src = ft->src[i], dst = ft->dst[i];
        for (int d = 0; d < NDIR; d++) {
            host_id who, peer;
            if (!flow_side(d, internal, src, dst, &who, &peer)) continue;
            uint16_t slot = idx[(size_t)d * nh + who];
            if (!slot) continue;
            uint64_t key = (uint64_t)(d * 2048 + slot) << 32 | peer;
            size_t k = util_mix64(key) & (cap - 1);
            while (set[k] && set[k] != key) k = (k + 1) & (cap - 1);
            if (set[k]) continue;
            set[k] = key;
            s->pc[d][slot - 1].peers++;
            if (++used * 2 > cap) {   /* grow at half full */
                uint64_t *ns = calloc(cap * 2, sizeof *ns);
                if (!ns) goto out;
                for (size_t j = 0; j < cap; j++) {
                    if (!set[j]) continue;
                    size_t q = util_mix64(set[j]) & (cap * 2 - 1);
                    while (ns[q]) q = (q + 1) & (cap * 2 - 1);
                    ns[q] = set[j];
                }
                free(set);
                set = ns;
                cap *= 2;
            }
        }
    }
    for (int d = 0; d < NDIR; d++) qsort(s->pc[d], s->npc[d], sizeof *s->pc[d], by_host);
    rc = 0;
out:
    free(idx); free(internal); free(set);
    return rc;
}

/* h's exact distinct peers in direction d (count_peers ran). */
static uint64_t peers_of(const talkers_state *s, int d, host_id h)
{
    peer_count key = {h, 0};
    const peer_count *p = s->npc[d] ? bsearch(&key, s->pc[d], s->npc[d], sizeof key, by_host) : NULL;
    return p ? p->peers : 0;
}

static int by_peers(const void *pa, const void *pb)
{
    const talker_row *a = pa, *b = pb;
    if (a->peers != b->peers) return a->peers < b->peers ? 1 : -1;
    return (a->h > b->h) - (a->h < b->h);
}

/* The rows for the direction and metric on screen: the top TALKERS_MAX by
 * the metric from the facts, their exact totals, then their exact peers. */
static void refresh_rows(app *a, talkers_state *s)
{
    int key = s->dir * 3 + s->metric;
    if (key == s->loaded) return;
    s->loaded = key;
    candidate c[TALKERS_MAX];
    /* distinct peers rank internal hosts (estimated for outside peers, then
     * counted exactly below); outside hosts rank by bytes or connections */
    size_t n = facts_top_hosts(a->eng, (facts_direction)s->dir, (facts_metric)s->metric, c, TALKERS_MAX);
    for (size_t i = 0; i < n; i++) {
        host_facts hf;
        talker_row *r = &s->rows[i];
        r->h = c[i].value;
        r->bytes = r->flows = r->peers = 0;
        if (facts_host(a->eng, r->h, &hf)) continue;
        int to = s->dir == DIR_INBOUND || s->dir == DIR_EXTERNAL_RECEIVERS;   /* received */
        int k = s->dir == DIR_OUTBOUND || s->dir == DIR_INBOUND ? PEER_EXTERNAL : PEER_INTERNAL;
        r->bytes = to ? hf.recv_bytes[k] : hf.sent_bytes[k];
        r->flows = to ? hf.recv_flows[k] : hf.sent_flows[k];
    }
    s->nrows = n;
    if (!s->peers_state) {
        /* one pass over the flows, once (about 60 ms per million rows on
         * one core): a big file says so while it runs */
        if (a->table.n > 5000000) {
            char rows[32];
            draw_textf(stdscr, LINES - 2, 0, COLS, term_attr(ROLE_WARN),
                       "Counting each listed host's distinct peers exactly: one pass over %s rows...",
                       numfmt_count(a->table.n, rows, sizeof rows));
            refresh();
        }
        s->peers_state = count_peers(a, s) == 0 ? 1 : -1;
    }
    if (s->peers_state > 0)
        for (size_t i = 0; i < n; i++) s->rows[i].peers = peers_of(s, s->dir, s->rows[i].h);
    if (s->metric == METRIC_PEERS && s->peers_state > 0) qsort(s->rows, n, sizeof *s->rows, by_peers);
    table_home(&s->t);
    table_reset(&s->t, a, n);
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

static double cell_num(const ui_table *t, app *a, size_t row, int col)
{
    const talkers_state *s = t->ctx;
    const talker_row *r = &s->rows[row];
    switch (col) {
    case C_RANK: return (double)row + 1;
    case C_BYTES: return (double)r->bytes;
    case C_CONNS: return (double)r->flows;
    case C_PEERS: return (double)r->peers;
    case C_BAR: return s->metric == METRIC_BYTES ? (double)r->bytes : s->metric == METRIC_FLOWS ? (double)r->flows
                                                                                                : (double)r->peers;
    default: return 0;
    }
}

static void cell_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    const talkers_state *s = t->ctx;
    const talker_row *r = &s->rows[row];
    char hb[16];
    uint64_t v = 0;
    switch (col) {
    case C_HOST: snprintf(buf, len, "%s", app_host_name(a, r->h, hb)); return;
    case C_DET: naming_text(a, r->h, buf, len); return;
    case C_LIST:
        snprintf(buf, len, "%s", a->bl.user[r->h] == BL_USER_ADD ? "yours" : a->bl.user[r->h] == BL_USER_ALLOW ? "allowed"
                                 : blacklist_contains(&a->bl, r->h) ? "listed" : "");
        return;
    case C_PEERS:
        if (s->peers_state < 0) { snprintf(buf, len, "-"); return; }
        v = r->peers; break;
    case C_RANK: v = row + 1; break;
    case C_BYTES: v = r->bytes; break;
    case C_CONNS: v = r->flows; break;
    default: buf[0] = 0; return;
    }
    if (raw) snprintf(buf, len, "%llu", (unsigned long long)v);
    else numfmt_count(v, buf, len);
}

static ui_role bar_role(const ui_table *t, app *a, size_t row)
{
    const talkers_state *s = t->ctx;
    return app_detectors_naming(a, s->rows[row].h) ? ROLE_BAR_ALT : ROLE_BAR;
}

static void talkers_init(app *a, void *st)
{
    talkers_state *s = st;
    (void)a;
    s->loaded = -1;
    memcpy(s->cols, cols_template, sizeof cols_template);
    s->t = (ui_table){.cols = s->cols, .ncols = NCOLS, .text = cell_text, .num = cell_num, .bar_role = bar_role,
                      .ctx = s, .sort_col = C_RANK};   /* rank▲: the ranking's own order */
}

static void talkers_done(void *st)
{
    talkers_state *s = st;
    free(s->t.order);
    for (int d = 0; d < NDIR; d++) free(s->pc[d]);
}

static void talkers_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    talkers_state *s = st;
    char pos[64];
    refresh_rows(a, s);
    s->t.name = dir_file[s->dir];
    int fixed = 0;
    for (int c = 0; c < NCOLS; c++) if (c != C_BAR && c != C_LIST) fixed += s->cols[c].width + 1;
    s->cols[C_BAR].width = wd - fixed - 8;
    if (s->cols[C_BAR].width < 2) s->cols[C_BAR].width = 2;   /* at 80 columns the list column keeps "listed" */
    table_draw(&s->t, a, w, 1, 0, h - 1, wd);
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Top talkers: %s, by %s; %s", dir_name[s->dir],
               metric_name[s->metric], table_position(&s->t, pos, sizeof pos));
    if (!s->nrows) draw_text(w, 3, 2, wd - 2, "No host has traffic in this direction.", A_NORMAL, 0);
}

static host_id talkers_selected(app *a, void *st)
{
    talkers_state *s = st;
    refresh_rows(a, s);
    size_t r = table_selected(&s->t);
    return r == SIZE_MAX ? HOST_NONE : s->rows[r].h;
}

static int talkers_key(app *a, void *st, int ch)
{
    talkers_state *s = st;
    if (ch == ERR) return 0;
    refresh_rows(a, s);
    int dir = s->dir, metric = s->metric;
    if (ch == 'd') dir = (dir + 1) % NDIR;
    else if (ch == 'D') dir = (dir + NDIR - 1) % NDIR;
    else if (ch == 'm') metric = (metric + 1) % 3;
    else if (ch == 'M') metric = (metric + 2) % 3;
    else if (ch == 'o' || ch == 'i' || ch == 'x') dir = ch == 'o' ? 0 : ch == 'i' ? 1 : 3;
    else return table_key(&s->t, a, ch);
    /* outside hosts rank by bytes or connections (facts.h) */
    if (dir >= DIR_EXTERNAL_SENDERS && metric == METRIC_PEERS) metric = ch == 'M' ? METRIC_FLOWS : METRIC_BYTES;
    s->dir = dir;
    s->metric = metric;
    return 1;
}

const pane pane_talkers = {
    .title = "Top talkers",
    .tab = "Talkers",
    .keys = "d:Direction|m:Metric|s:Sort|E:CSV",
    .help = "Hosts ranked by what they sent or received, largest first, bars against the first.\n"
            "d (D back) switches outbound / inbound / internal / external senders / outside\n"
            "destinations (outside hosts by what internal hosts sent them); o, i and x jump to\n"
            "outbound, inbound and external senders. m switches the ranking: bytes, connections,\n"
            "distinct peers (outside hosts: bytes or connections). The table lists the top 500;\n"
            "every number is exact. Highlighted bars: hosts a detector names (their numbers in\n"
            "the detectors column). Enter opens the host.",
    .state_size = sizeof(talkers_state),
    .init = talkers_init,
    .done = talkers_done,
    .draw = talkers_draw,
    .key = talkers_key,
    .selected_host = talkers_selected,
};
