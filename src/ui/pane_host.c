/* pane_host.c: one host in depth: totals, its activity over the whole period
 * and per hour of day, its ports, its peers both ways, its place on the
 * blacklist and the detectors that name it. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

#define PEERS_CAP 64
#define PORTS_CAP 1024
#define HISTORY 32


/* The pane's state (its instance, owned by the app). */
typedef struct host_state {
    host_peer *peers_out, *peers_in;   /* every peer (the facts' top PEERS_CAP when out of memory) */
    size_t nout, nin;
    host_port hports[PORTS_CAP];
    size_t nports;
    int focus;                         /* the table the keys work: 0 ports, 1 sent to, 2 received from */
    host_id loaded;                    /* the host the tables are for */
    host_id history[HISTORY];          /* the hosts opened before, for Backspace */
    int nhistory;
    /* the exact peer scan (below) */
    uint32_t *cnt[2];                  /* [0] flows h sent to each host, [1] received from */
    host_id *touched[2];
    size_t ntouched[2], touched_cap[2];
    uint32_t cnt_hosts;
    uint32_t npeers[2][2];             /* [sent/received][PEER_INTERNAL/PEER_EXTERNAL]: distinct, exact */
    int exact_ok;                      /* 0: out of memory, the facts' peers are shown */
    ui_table tabs[3];                  /* ports, sent to, received from */
} host_state;

static int by_out_bytes(const void *pa, const void *pb)
{
    const host_port *a = pa, *b = pb;
    uint64_t x = a->out_bytes + a->out_flows + a->in_flows, y = b->out_bytes + b->out_flows + b->in_flows;
    return x < y ? 1 : x > y ? -1 : (a->port > b->port) - (a->port < b->port);
}

/* ---- exact peers: one scan of the src and dst columns ------------------------
 * The facts keep external peers as an 8-slot heavy-hitter sketch (a peer
 * with 2 flows could show as "96+", the real top peers missing) and an
 * external host's internal peers as "0, 1 or 2+". The Host pane counts them
 * exactly instead: one pass over src[] and dst[] when a host is opened,
 * per-peer counters indexed by host id, kept for the host on screen. */

static int touch(host_state *s, int d, host_id p)
{
    if (s->ntouched[d] == s->touched_cap[d]) {
        size_t cap = s->touched_cap[d] ? s->touched_cap[d] * 2 : 1024;
        host_id *t = realloc(s->touched[d], cap * sizeof *t);
        if (!t) return -1;
        s->touched[d] = t;
        s->touched_cap[d] = cap;
    }
    s->touched[d][s->ntouched[d]++] = p;
    return 0;
}

static int by_flows(const void *pa, const void *pb)
{
    const host_peer *a = pa, *b = pb;
    if (a->flows != b->flows) return a->flows < b->flows ? 1 : -1;
    return (a->peer > b->peer) - (a->peer < b->peer);
}

/* Every peer of direction d into *out (malloc'd, busiest first); the exact
 * distinct counts. */
static size_t collect(app *a, host_state *s, int d, host_peer **out)
{
    int inferred;
    double share;
    const cidr_list *net = facts_internal_net(a->eng, &inferred, &share);
    const host_dict *hd = &a->table.hosts;
    size_t n = s->ntouched[d], kept = 0;
    host_peer *all = malloc((n ? n : 1) * sizeof *all);
    s->npeers[d][0] = s->npeers[d][1] = 0;
    for (size_t i = 0; i < n; i++) {
        host_id p = s->touched[d][i];
        int internal = hd->name_off[p] == UINT32_MAX && cidr_list_contains(net, hd->ip[p]);
        s->npeers[d][internal ? PEER_INTERNAL : PEER_EXTERNAL]++;
        if (all) all[i] = (host_peer){p, s->cnt[d][p], 0};
        s->cnt[d][p] = 0;
    }
    if (all) {
        qsort(all, n, sizeof *all, by_flows);
        kept = n;
        free(*out);
        *out = all;
    }
    s->ntouched[d] = 0;
    return kept;
}

static int exact_peers(app *a, host_state *s, host_id h)
{
    const flow_table *t = &a->table;
    char why[300];
    if (app_rows_checked(a, why, sizeof why)) {
        app_message(a, 1, "The cache %s: the peers below are the saved facts' (quit and run again to rebuild it).", why);
        return -1;
    }
    if (s->cnt_hosts != t->hosts.n) {
        free(s->cnt[0]); free(s->cnt[1]);
        s->cnt[0] = calloc(t->hosts.n ? t->hosts.n : 1, sizeof *s->cnt[0]);
        s->cnt[1] = calloc(t->hosts.n ? t->hosts.n : 1, sizeof *s->cnt[1]);
        s->cnt_hosts = s->cnt[0] && s->cnt[1] ? t->hosts.n : 0;
        if (!s->cnt_hosts) return -1;
    }
    s->ntouched[0] = s->ntouched[1] = 0;
    int oom = 0;
    const host_id *src = t->src, *dst = t->dst;
    for (size_t i = 0; i < t->n; i++) {
        const uint32_t w = flows_weight_at(t, i);   /* a weighted row is w flows */
        if (src[i] == h && (s->cnt[0][dst[i]] += w) == w) oom |= touch(s, 0, dst[i]);
        if (dst[i] == h && (s->cnt[1][src[i]] += w) == w) oom |= touch(s, 1, src[i]);
        if (((i + 1) & (FLOWS_RELEASE_ROWS - 1)) == 0) flows_release(t, i + 1 - FLOWS_RELEASE_ROWS, i + 1);   /* a source's mapped groups */
    }
    if (oom) {   /* leave the counters zeroed for the next host */
        for (size_t i = 0; i < t->n; i++) { s->cnt[0][dst[i]] = 0; s->cnt[1][src[i]] = 0; }
        s->ntouched[0] = s->ntouched[1] = 0;
        return -1;
    }
    s->nout = collect(a, s, 0, &s->peers_out);
    s->nin = collect(a, s, 1, &s->peers_in);
    return 0;
}

/* ---- the three tables (table.c) ---------------------------------------- */

enum { P_PORT, P_OUTB, P_OUTF, P_INF, P_INTP, P_NCOLS };
static const table_col port_cols[P_NCOLS] = {
    {"port", 6, COL_NUM, 1, NULL}, {"out bytes", 13, COL_NUM, 1, "out_bytes"}, {"out conns", 10, COL_NUM, 1, "out_conns"},
    {"in conns", 10, COL_NUM, 1, "in_conns"}, {"int peers", 9, COL_NUM, 1, "int_peers"}};
enum { Q_PEER, Q_CONNS, Q_LIST, Q_NCOLS };
static const table_col peer_cols[Q_NCOLS] = {
    {"peer", 16, COL_ADDR, 0, NULL}, {"conns", 11, COL_NUM, 1, NULL}, {"list", 0, COL_TEXT, 0, NULL}};

static uint64_t port_value(const host_state *s, size_t row, int col)
{
    const host_port *p = &s->hports[row];
    return col == P_PORT ? p->port : col == P_OUTB ? p->out_bytes : col == P_OUTF ? p->out_flows
         : col == P_INF ? p->in_flows : p->int_peers;
}

static double port_num(const ui_table *t, app *a, size_t row, int col) { (void)a; return (double)port_value(t->ctx, row, col); }

static void port_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    (void)a;
    uint64_t v = port_value(t->ctx, row, col);
    if (raw || col == P_PORT) snprintf(buf, len, "%llu", (unsigned long long)v);
    else numfmt_count(v, buf, len);
}

static const host_peer *peer_at(const ui_table *t, size_t row)
{
    const host_state *s = t->ctx;
    return t == &s->tabs[1] ? &s->peers_out[row] : &s->peers_in[row];
}

static double peer_num(const ui_table *t, app *a, size_t row, int col) { (void)a; (void)col; return (double)peer_at(t, row)->flows; }

static void peer_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    char hb[16];
    const host_peer *q = peer_at(t, row);
    if (col == Q_PEER) snprintf(buf, len, "%s", app_host_name(a, q->peer, hb));
    else if (col == Q_LIST) snprintf(buf, len, "%s", blacklist_contains(&a->bl, q->peer) ? "listed" : "");
    else if (raw) snprintf(buf, len, "%llu%s", (unsigned long long)q->flows, q->approximate ? "+" : "");
    else { numfmt_count(q->flows, buf, len); if (q->approximate && strlen(buf) + 2 < len) strcat(buf, "+"); }
}

static void host_init(app *a, void *st)
{
    host_state *s = st;
    (void)a;
    s->focus = 1;
    s->loaded = HOST_NONE;
    /* the ports table keeps the pane's order (busiest first) until s */
    s->tabs[0] = (ui_table){.name = "host-ports", .cols = port_cols, .ncols = P_NCOLS, .text = port_text,
                            .num = port_num, .ctx = s, .sort_col = -1};
    s->tabs[1] = (ui_table){.name = "host-sent-to", .cols = peer_cols, .ncols = Q_NCOLS, .text = peer_text,
                            .num = peer_num, .ctx = s, .sort_col = Q_CONNS, .sort_desc = 1};
    s->tabs[2] = (ui_table){.name = "host-received-from", .cols = peer_cols, .ncols = Q_NCOLS, .text = peer_text,
                            .num = peer_num, .ctx = s, .sort_col = Q_CONNS, .sort_desc = 1};
}

static void host_done(void *st)
{
    host_state *s = st;
    free(s->peers_out); free(s->peers_in);
    for (int d = 0; d < 2; d++) { free(s->cnt[d]); free(s->touched[d]); }
    for (int k = 0; k < 3; k++) free(s->tabs[k].order);
}

static void load_host(app *a, host_state *s)
{
    if (s->loaded == a->host) return;
    s->loaded = a->host;
    s->nout = s->nin = s->nports = 0;
    if (a->host == HOST_NONE) return;
    s->exact_ok = exact_peers(a, s, a->host) == 0;
    if (!s->exact_ok) {
        host_peer *po = realloc(s->peers_out, PEERS_CAP * sizeof *po);
        if (po) s->peers_out = po;
        host_peer *pi = realloc(s->peers_in, PEERS_CAP * sizeof *pi);
        if (pi) s->peers_in = pi;
        s->nout = po ? facts_host_peers(a->eng, a->host, 1, s->peers_out, PEERS_CAP) : 0;
        s->nin = pi ? facts_host_peers(a->eng, a->host, 0, s->peers_in, PEERS_CAP) : 0;
    }
    s->nports = facts_host_ports(a->eng, a->host, s->hports, PORTS_CAP);
    qsort(s->hports, s->nports, sizeof *s->hports, by_out_bytes);
    size_t n[3] = {s->nports, s->nout, s->nin};
    for (int k = 0; k < 3; k++) { table_home(&s->tabs[k]); table_reset(&s->tabs[k], a, n[k]); }
}

/* The peer under the focused peers table's cursor, or HOST_NONE. */
static host_id focused_peer(host_state *s)
{
    if (s->focus == 0) return HOST_NONE;
    size_t r = table_selected(&s->tabs[s->focus]);
    if (r == SIZE_MAX) return HOST_NONE;
    return s->focus == 1 ? s->peers_out[r].peer : s->peers_in[r].peer;
}

/* REQ_OPEN_HOST: the host goes on screen; the one before goes on the
 * history Backspace walks back (the app checked the host exists). */
static void host_open(app *a, void *st, const pane_request *r)
{
    host_state *s = st;
    a->host = r->host;
    if (a->host == s->loaded) return;
    if (s->loaded != HOST_NONE) {
        if (s->nhistory == HISTORY) { memmove(s->history, s->history + 1, (HISTORY - 1) * sizeof *s->history); s->nhistory--; }
        s->history[s->nhistory++] = s->loaded;
    }
    load_host(a, s);
}

typedef struct timeline_ctx {
    facts_timeline_shape shape;
    int merge;
} timeline_ctx;

/* Labels the first column of each UTC day ("01-07"), nothing else. */
static const char *day_label(int i, char *buf, size_t len, const void *pctx)
{
    const timeline_ctx *c = pctx;
    int64_t t = c->shape.t0_ms + (int64_t)i * c->merge * c->shape.bucket_ms;
    int64_t day = 86400000;
    buf[0] = 0;
    if (i == 0 || t % day < (int64_t)c->merge * c->shape.bucket_ms) {
        char full[32];
        fmt_time_utc(t, full, sizeof full);
        snprintf(buf, len, "%.5s", full + 5);   /* "MM-DD" */
        if (i == 0 && t % day) snprintf(buf, len, "%.5s %.2sh", full + 5, full + 11);
    }
    return buf;
}

static const char *hour_label(int i, char *buf, size_t len, const void *ctx)
{
    (void)ctx;
    snprintf(buf, len, "%02d", i);
    return buf;
}

static void draw_timeline(app *a, WINDOW *w, int y, int h, int wd)
{
    const uint32_t *sent, *recv;
    timeline_ctx ctx;
    facts_timeline_get_shape(a->eng, &ctx.shape);
    if (facts_host_timeline(a->eng, a->host, &sent, &recv) || !ctx.shape.nbuckets) {
        draw_text(w, y, 0, wd, "No timeline kept for this host (timelines are kept for internal hosts).", term_attr(ROLE_DIM), 0);
        return;
    }
    int cols = wd - 9;
    ctx.merge = ((int)ctx.shape.nbuckets + cols - 1) / cols;
    if (ctx.merge < 1) ctx.merge = 1;
    int n = ((int)ctx.shape.nbuckets + ctx.merge - 1) / ctx.merge;
    double *v = calloc((size_t)n, sizeof *v);
    if (!v) return;
    for (uint32_t b = 0; b < ctx.shape.nbuckets; b++) v[b / ctx.merge] += (double)sent[b] + recv[b];
    char unit[96], per[32];
    int64_t span = ctx.merge * ctx.shape.bucket_ms;
    if (span == 3600000) snprintf(per, sizeof per, "hour");
    else if (span % 3600000 == 0) snprintf(per, sizeof per, "%lld hours", (long long)(span / 3600000));
    else snprintf(per, sizeof per, "%lld minutes", (long long)(span / 60000));
    snprintf(unit, sizeof unit, "connections per %s over the whole period (x axis: UTC date)", per);
    vhist hs = {.v = v, .n = n, .highlight = -1, .y_unit = unit, .xlabel = day_label, .ctx = &ctx};
    draw_vhist(w, y, 0, h, wd, &hs);
    free(v);
}

static void draw_hour_profile(app *a, WINDOW *w, int y, int x, int h, int wd)
{
    uint64_t flows[24], bytes[24];
    if (facts_host_hour_profile(a->eng, a->host, flows, bytes)) return;
    double v[24];
    uint8_t mark[24];
    for (int i = 0; i < 24; i++) { v[i] = (double)flows[i]; mark[i] = (uint8_t)facts_is_work_hour(a->eng, i); }
    vhist hs = {.v = v, .n = 24, .mark = mark, .mark_label = "work", .highlight = -1,
                .y_unit = "connections per UTC hour of day (work hours highlighted)", .xlabel = hour_label};
    draw_vhist(w, y, x, h, wd, &hs);
}

/* A table's title: "> " marks the one the keys work (c switches). */
static void table_title(app *a, host_state *s, WINDOW *w, int y, int x, int wd, int k, const char *title)
{
    char pos[48];
    draw_textf(w, y, x, wd, term_attr(k == s->focus ? ROLE_TITLE : ROLE_DIM), "%s%s, %s", k == s->focus ? "> " : "  ", title,
               table_position(&s->tabs[k], pos, sizeof pos));
    (void)a;
}

static void draw_ports(app *a, host_state *s, WINDOW *w, int y, int x, int h, int wd)
{
    char title[64];
    s->tabs[0].unfocused = s->focus != 0;
    table_draw(&s->tabs[0], a, w, y + 1, x, h - 1, wd);
    snprintf(title, sizeof title, "Ports (%zu)", s->nports);
    table_title(a, s, w, y, x, wd, 0, title);
    if (!s->nports) draw_text(w, y + 2, x, wd, "(ports are kept for internal hosts)", term_attr(ROLE_DIM), 0);
}

static void draw_peers(app *a, host_state *s, WINDOW *w, int y, int x, int h, int wd, const char *title, int k, int d)
{
    char b2[32], t2[128];
    ui_table *t = &s->tabs[k];
    size_t n = t->n;
    int approx = 0;
    for (size_t i = 0; i < n; i++) approx |= peer_at(t, i)->approximate;
    uint32_t all = s->exact_ok ? s->npeers[d][0] + s->npeers[d][1] : (uint32_t)n;
    t->unfocused = s->focus != k;
    table_draw(t, a, w, y + 1, x, h - 1, wd);
    if (s->exact_ok) snprintf(t2, sizeof t2, "%s (%s)", title, numfmt_count(all, b2, sizeof b2));
    else snprintf(t2, sizeof t2, "%s (%s%zu)%s", title, n == PEERS_CAP ? "top " : "", n, approx ? ", +: at least" : "");
    table_title(a, s, w, y, x, wd, k, t2);
}

static void describe_lists(const app *a, char *buf, size_t len)
{
    host_id h = a->host;
    int d = a->bl.by_detector[h];
    switch (a->bl.user[h]) {
    case BL_USER_ADD: snprintf(buf, len, "on the blacklist (you added it)"); break;
    case BL_USER_ALLOW: snprintf(buf, len, "allowed by you (off the blacklist)"); break;
    default:
        if (d >= 0) snprintf(buf, len, "on the blacklist (detector %d, %s)", d + 1, engine_detector(d)->id);
        else snprintf(buf, len, "not on the blacklist");
    }
}

static void host_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    host_state *s = st;
    char hb[16], b1[32], b2[32], b3[32], b4[32], t0[32], t1[32], lists[96], det[200];
    if (a->host == HOST_NONE) {
        draw_text(w, 1, 2, wd - 2, "No host chosen yet: press / and type an address, or Enter on a host in any pane.", A_NORMAL, 0);
        return;
    }
    load_host(a, s);
    host_facts hf;
    facts_host(a->eng, a->host, &hf);
    if (s->exact_ok)   /* distinct peers from the scan, exact for every host */
        for (int k = 0; k < 2; k++) { hf.sent_peers[k] = s->npeers[0][k]; hf.recv_peers[k] = s->npeers[1][k]; }
    describe_lists(a, lists, sizeof lists);
    unsigned m = app_detectors_naming(a, a->host);
    size_t n = 0;
    det[0] = 0;
    for (int i = 0; i < DETECTOR_COUNT && n + 40 < sizeof det; i++)
        if (m & (1u << i)) n += (size_t)snprintf(det + n, sizeof det - n, "%s%d %s", n ? ", " : "", i + 1, engine_detector(i)->id);
    draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Host %s (%s), %s", app_host_name(a, a->host, hb),
               hf.internal ? "internal" : "external", lists);
    draw_textf(w, 1, 0, wd, m ? term_attr(ROLE_WARN) : term_attr(ROLE_DIM), "Named by: %s",
               m ? det : "no detector");
    /* exact counts (numfmt_count), never rounded */
    draw_textf(w, 2, 0, wd, A_NORMAL, "Sent      %s conns %s B to internal, %s conns %s B to external; peers %u int, %u ext",
               numfmt_count(hf.sent_flows[0], b1, sizeof b1), numfmt_count(hf.sent_bytes[0], b2, sizeof b2),
               numfmt_count(hf.sent_flows[1], b3, sizeof b3), numfmt_count(hf.sent_bytes[1], b4, sizeof b4),
               hf.sent_peers[0], hf.sent_peers[1]);
    draw_textf(w, 3, 0, wd, A_NORMAL, "Received  %s conns %s B from internal, %s conns %s B from external; peers %u int, %u ext",
               numfmt_count(hf.recv_flows[0], b1, sizeof b1), numfmt_count(hf.recv_bytes[0], b2, sizeof b2),
               numfmt_count(hf.recv_flows[1], b3, sizeof b3), numfmt_count(hf.recv_bytes[1], b4, sizeof b4),
               hf.recv_peers[0], hf.recv_peers[1]);
    draw_textf(w, 4, 0, wd, term_attr(ROLE_DIM), "Seen from %s to %s UTC", fmt_time_utc(hf.first_ms, t0, sizeof t0),
               fmt_time_utc(hf.last_ms, t1, sizeof t1));
    int rest = h - 5;
    int th = rest * 2 / 7, mh = rest * 2 / 7, ph = rest - th - mh;
    if (th < 6) th = 6;
    if (mh < 6) mh = 6;
    ph = rest - th - mh;
    draw_timeline(a, w, 5, th, wd);
    int half = wd / 2;
    draw_hour_profile(a, w, 5 + th, 0, mh, half - 1);
    draw_ports(a, s, w, 5 + th, half + 1, mh, wd - half - 1);
    if (ph >= 3) {
        draw_peers(a, s, w, 5 + th + mh, 0, ph, half - 1, "Sent to", 1, 0);
        draw_peers(a, s, w, 5 + th + mh, half + 1, ph, wd - half - 1, "Received from", 2, 1);
    }
}

static host_id host_selected(app *a, void *st)
{
    (void)st;
    return a->host;   /* b acts on the host shown; Enter on a peer is handled below */
}

static int host_key(app *a, void *st, int ch)
{
    host_state *s = st;
    if (ch == ERR || a->host == HOST_NONE) return 0;
    load_host(a, s);
    if (ch == 'c') { s->focus = (s->focus + 1) % 3; return 1; }
    if (ch == 'C') { s->focus = (s->focus + 2) % 3; return 1; }
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        if (s->focus == 0) {   /* a port: the Ports pane on it */
            size_t r = table_selected(&s->tabs[0]);
            if (r != SIZE_MAX) app_open_port(a, s->hports[r].port);
            return 1;
        }
        host_id p = focused_peer(s);
        if (p != HOST_NONE) app_open_host(a, p);
        return 1;
    }
    if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8 || ch == KEY_LEFT) && s->nhistory) {
        a->host = s->history[--s->nhistory];
        load_host(a, s);
        return 1;
    }
    return table_key(&s->tabs[s->focus], a, ch);
}

/* f: the host's flows; F: the flows between it and the peer under the cursor */
static int host_flows(app *a, void *st, int ch, char *e, size_t elen, char *title, size_t tlen)
{
    host_state *s = st;
    char hb[16], pb[16];
    if (a->host == HOST_NONE) return 0;
    load_host(a, s);
    const char *h = app_host_name(a, a->host, hb);
    if (ch == 'F' && s->focus == 0 && table_selected(&s->tabs[0]) != SIZE_MAX) {
        unsigned port = s->hports[table_selected(&s->tabs[0])].port;
        snprintf(e, elen, "host %s and port %u", h, port);
        snprintf(title, tlen, "%s on port %u", h, port);
        return 1;
    }
    if (ch == 'F' && focused_peer(s) != HOST_NONE) {
        host_id p = focused_peer(s);
        const char *pn = app_host_name(a, p, pb);
        snprintf(e, elen, "host %s and host %s", h, pn);
        snprintf(title, tlen, "between %s and %s", h, pn);
        return 1;
    }
    snprintf(e, elen, "host %s", h);
    snprintf(title, tlen, "%s's flows", h);
    return 1;
}

const pane pane_host = {
    .title = "Host",
    .tab = "Host",
    .keys = "c:Table|Enter:Open|f:Flows|F:Pair flows|Bksp:Back",
    .help = "One host: totals, connections per hour over the whole period (a scan or a nightly\n"
            "job shows as a spike), per UTC hour of day, its ports, its peers both ways, its\n"
            "place on the blacklist and the detectors that name it. Its three tables (ports,\n"
            "sent to, received from: every peer, exact) take the table keys; c (C back) picks\n"
            "the one the keys work, marked '>'. Enter opens the peer (a port: in Ports),\n"
            "Backspace or Left goes back; b toggles the host shown on the blacklist. f shows\n"
            "the host's flows, F the flows between it and the peer (or on the port) under\n"
            "the cursor.",
    .state_size = sizeof(host_state),
    .init = host_init,
    .done = host_done,
    .draw = host_draw,
    .key = host_key,
    .selected_host = host_selected,
    .flows_query = host_flows,
    .open = host_open,
};
