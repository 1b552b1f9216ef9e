/* pane_ports.c: ports ranked by the port-abuse score; for the selected port,
 * its numbers and the histogram of per-host outbound bytes on it (linear or
 * log scale), with the outlier's bucket marked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

#define PORT_HOSTS_CAP 65536

/* The pane's state (its instance, owned by the app). */
typedef struct ports_state {
    int log_scale, want_port;    /* want_port: the port a request asked for, or -1 */
    uint16_t *ports;             /* the list, in the pane's order */
    double *zs;                  /* each port's abuse z, NAN: not rated */
    size_t nports;
    host_id *ph;                 /* the selected port's senders and their bytes */
    uint64_t *pb;
    ui_table tab;
} ports_state;

/* The list as a table (table.c): port, z (unrated ports: "-", below every z). */
enum { C_PORT, C_Z };
static const table_col cols[] = {{"port", 6, COL_NUM, 1, NULL}, {"z", 8, COL_NUM, 1, "abuse_z"}};

static double cell_num(const ui_table *t, app *a, size_t row, int col)
{
    const ports_state *s = t->ctx;
    (void)a;
    if (col == C_PORT) return s->ports[row];
    return isnan(s->zs[row]) ? -HUGE_VAL : s->zs[row];
}

static void cell_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    const ports_state *s = t->ctx;
    (void)a;
    if (col == C_PORT) snprintf(buf, len, "%u", s->ports[row]);
    else if (isnan(s->zs[row])) snprintf(buf, len, raw ? "" : "-");
    else snprintf(buf, len, raw ? "%.6g" : "%.1f", s->zs[row]);
}

static void ports_init(app *a, void *st)
{
    ports_state *s = st;
    (void)a;
    s->log_scale = 1;
    s->want_port = -1;
    /* the pane's order is z, largest first, then the unrated in port order */
    s->tab = (ui_table){.name = "ports", .cols = cols, .ncols = 2, .text = cell_text, .num = cell_num,
                        .ctx = s, .sort_col = C_Z, .sort_desc = 1};
}

static void ports_done(void *st)
{
    ports_state *s = st;
    free(s->ports); free(s->zs); free(s->ph); free(s->pb); free(s->tab.order);
}

/* The port under the cursor, or -1. */
static int cur_port(const ports_state *s)
{
    size_t r = table_selected(&s->tab);
    return r == SIZE_MAX || r >= s->nports ? -1 : s->ports[r];
}

/* Rated ports first, highest z first, then the others in port order. Rebuilt
 * after every engine_run (z depends on the blacklist). */
static void build_list(app *a, ports_state *s)
{
    size_t total = facts_port_count(a->eng);
    uint16_t *np = realloc(s->ports, (total ? total : 1) * sizeof *np);
    double *nz = realloc(s->zs, (total ? total : 1) * sizeof *nz);
    candidate *rk = malloc((total ? total : 1) * sizeof *rk);
    uint8_t *rated = calloc(65536, 1);   /* one look-up a port, not a scan of the ranked list */
    if (np) s->ports = np;
    if (nz) s->zs = nz;
    if (!np || !nz || !rk || !rated) { free(rk); free(rated); s->nports = 0; return; }
    size_t nr = facts_port_abuse_ranked(a->eng, rk, total);
    s->nports = 0;
    for (size_t i = 0; i < nr; i++) {
        s->ports[s->nports] = (uint16_t)rk[i].value;
        s->zs[s->nports++] = rk[i].metric;
        rated[(uint16_t)rk[i].value] = 1;
    }
    for (size_t i = 0; i < total; i++) {
        uint16_t p = facts_port_at(a->eng, i);
        if (!rated[p]) { s->ports[s->nports] = p; s->zs[s->nports++] = NAN; }
    }
    free(rk);
    free(rated);
    table_reset(&s->tab, a, s->nports);
    if (s->want_port >= 0) {
        for (size_t i = 0; i < s->nports; i++) if (s->ports[i] == s->want_port) table_select_row(&s->tab, i);
        s->want_port = -1;
    }
}

/* REQ_OPEN_PORT: the cursor goes to the port when the pane is entered. */
static void ports_open(app *a, void *st, const pane_request *r)
{
    ports_state *s = st;
    s->want_port = r->port;
    if (a->eng) build_list(a, s);
}

static const char *bin_label(int i, char *buf, size_t len, const void *ctx)
{
    const double *width = ctx;
    return fmt_si(i * *width, buf, len);
}

static void draw_port(app *a, ports_state *s, WINDOW *w, int x, int h, int wd, uint16_t port)
{
    char b1[32], b2[32], b3[32], hb[16];
    port_facts pf;
    if (facts_port(a->eng, port, &pf)) { draw_text(w, 0, x, wd, "No flow used this port.", A_NORMAL, 0); return; }
    if (!s->ph) s->ph = malloc(PORT_HOSTS_CAP * sizeof *s->ph);
    if (!s->pb) s->pb = malloc(PORT_HOSTS_CAP * sizeof *s->pb);
    if (!s->ph || !s->pb) return;
    host_id *ph = s->ph;
    uint64_t *pb = s->pb;
    size_t n = facts_port_host_bytes(a->eng, port, ph, pb, PORT_HOSTS_CAP);
    if (n > PORT_HOSTS_CAP) n = PORT_HOSTS_CAP;
    /* exact counts (numfmt_count), never rounded */
    draw_textf(w, 0, x, wd, term_attr(ROLE_TITLE), "Port %u: %s flows, %s bytes; %zu internal senders",
               port, numfmt_count(pf.flows, b1, sizeof b1), numfmt_count(pf.bytes, b2, sizeof b2), n);
    draw_textf(w, 1, x, wd, A_NORMAL, "out %s flows %s bytes; in %s flows from %u sources; internal %s flows",
               numfmt_count(pf.out_flows, b1, sizeof b1), numfmt_count(pf.out_bytes, b2, sizeof b2),
               numfmt_count(pf.in_flows, b3, sizeof b3), pf.ext_sources_in,
               numfmt_count(pf.internal_flows, hb, sizeof hb));
    if (isnan(pf.abuse_z) || pf.abuse_host == HOST_NONE)
        draw_text(w, 2, x, wd, "Not rated for port abuse (too few hosts, or no spread).", term_attr(ROLE_DIM), 0);
    else
        draw_textf(w, 2, x, wd, term_attr(ROLE_WARN), "Most extreme host: %s, z = %.1f (marked below)",
                   app_host_name(a, pf.abuse_host, hb), pf.abuse_z);
    if (!n) return;
    /* the histogram: hosts per bucket of per-host outbound bytes */
    int nb = (wd - 10) / 2;
    if (nb > 40) nb = 40;
    if (nb < 8) nb = 8;
    double max = (double)pb[0], width = max / nb;
    if (width <= 0) width = 1;
    double v[40] = {0};
    int hl = -1;
    for (size_t i = 0; i < n; i++) {
        int b = (int)((double)pb[i] / width);
        if (b >= nb) b = nb - 1;
        v[b] += 1;
        if (ph[i] == pf.abuse_host) hl = b;
    }
    int hh = h - 3 - 6;
    if (hh < 6) hh = h - 3;
    vhist hs = {.v = v, .n = nb, .highlight = hl, .log_scale = s->log_scale,
                .y_unit = "hosts (y); x axis: outbound bytes a host sent on the port, linear",
                .xlabel = bin_label, .ctx = &width};
    draw_vhist(w, 3, x, hh, wd, &hs);
    int y = 3 + hh;
    for (size_t i = 0; i < n && y < h; i++, y++)
        draw_textf(w, y, x, wd, ph[i] == pf.abuse_host ? term_attr(ROLE_OUTLIER) : A_NORMAL, "%2zu. %-16s %13s bytes%s",
                   i + 1, app_host_name(a, ph[i], hb), numfmt_count(pb[i], b1, sizeof b1),
                   ph[i] == pf.abuse_host ? "  <- outlier" : "");
}

static void ports_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    ports_state *s = st;
    char pos[48];
    if (!s->nports) build_list(a, s);
    const int lw = 24;
    table_draw(&s->tab, a, w, 1, 0, h - 1, lw - 2);   /* first: the position counts the rows it drew */
    draw_textf(w, 0, 0, lw, term_attr(ROLE_TITLE), "Ports %s", table_position(&s->tab, pos, sizeof pos));
    if (term_unicode()) mvwvline(w, 0, lw, ACS_VLINE, h);
    else mvwvline(w, 0, lw, '|', h);
    if (cur_port(s) >= 0) draw_port(a, s, w, lw + 2, h, wd - lw - 2, (uint16_t)cur_port(s));
}

static host_id ports_selected(app *a, void *st)
{
    port_facts pf;
    int p = cur_port(st);
    if (p < 0 || facts_port(a->eng, (uint16_t)p, &pf)) return HOST_NONE;
    return pf.abuse_host;
}

static int ports_key(app *a, void *st, int ch)
{
    ports_state *s = st;
    if (ch == ERR) return 0;
    if (ch == 'l') { s->log_scale = !s->log_scale; return 1; }
    if (ch == 'v' && cur_port(s) >= 0) {   /* a request: the Graph pane on this port */
        app_request(a, (pane_request){.kind = REQ_GRAPH_PORT, .port = cur_port(s)});
        return 1;
    }
    return table_key(&s->tab, a, ch);
}

static void ports_enter(app *a, void *st) { build_list(a, st); }

static int ports_flows(app *a, void *st, int ch, char *e, size_t elen, char *title, size_t tlen)
{
    int p = cur_port(st);
    (void)a; (void)ch;
    if (p < 0) return 0;
    snprintf(e, elen, "port %d", p);
    snprintf(title, tlen, "port %d", p);
    return 1;
}

const pane pane_ports = {
    .title = "Ports",
    .tab = "Ports",
    .keys = "l:Log/linear|v:Graph|f:Flows|Enter:Outlier|s:Sort|E:CSV",
    .help = "Ports ranked by the port-abuse z (how far the port's most extreme host stands\n"
            "from the others), a table (s sorts, / finds, E exports); move with Up/Down.\n"
            "Right: the port's numbers and a histogram of per-host outbound bytes on it\n"
            "(linear buckets), the outlier's bucket marked;\n"
            "l toggles the host-count (y) axis between log and linear. Enter opens the\n"
            "outlier host; v shows the port's internal graph;\n"
            "f shows the port's flows.",
    .state_size = sizeof(ports_state),
    .init = ports_init,
    .done = ports_done,
    .draw = ports_draw,
    .key = ports_key,
    .selected_host = ports_selected,
    .enter = ports_enter,
    .flows_query = ports_flows,
    .open = ports_open,
};
