/* pane_ports.c: ports ranked by the port-abuse score; for the selected port,
 * its numbers and the histogram of per-host outbound bytes on it (linear or
 * log scale), with the outlier's bucket marked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"

#define PORT_HOSTS_CAP 65536

static int log_scale = 1, want_port = -1;
static uint16_t *ports;
static double *zs;
static size_t nports;
static host_id *ph;
static uint64_t *pb;

/* The list as a table (table.c): port, z (unrated ports: "-", below every z). */
enum { C_PORT, C_Z };
static const table_col cols[] = {{"port", 6, COL_NUM, 1, NULL}, {"z", 8, COL_NUM, 1, "abuse_z"}};
static ui_table tab;

static double cell_num(const ui_table *t, app *a, size_t row, int col)
{
    (void)t; (void)a;
    if (col == C_PORT) return ports[row];
    return isnan(zs[row]) ? -HUGE_VAL : zs[row];
}

static void cell_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    (void)t; (void)a;
    if (col == C_PORT) snprintf(buf, len, "%u", ports[row]);
    else if (isnan(zs[row])) snprintf(buf, len, raw ? "" : "-");
    else snprintf(buf, len, raw ? "%.6g" : "%.1f", zs[row]);
}

static void table_init(app *a)
{
    (void)a;
    if (tab.cols) return;
    /* the pane's order is z, largest first, then the unrated in port order */
    tab = (ui_table){.name = "ports", .cols = cols, .ncols = 2, .text = cell_text, .num = cell_num,
                     .sort_col = C_Z, .sort_desc = 1};
}

/* The port under the cursor, or -1. */
static int cur_port(void)
{
    size_t r = table_selected(&tab);
    return r == SIZE_MAX || r >= nports ? -1 : ports[r];
}

/* Rated ports first, highest z first, then the others in port order. Rebuilt
 * after every engine_run (z depends on the blacklist). */
static void build_list(app *a)
{
    size_t total = facts_port_count(a->eng);
    uint16_t *np = realloc(ports, (total ? total : 1) * sizeof *np);
    double *nz = realloc(zs, (total ? total : 1) * sizeof *nz);
    candidate *rk = malloc((total ? total : 1) * sizeof *rk);
    if (np) ports = np;
    if (nz) zs = nz;
    if (!np || !nz || !rk) { free(rk); nports = 0; return; }
    size_t nr = facts_port_abuse_ranked(a->eng, rk, total);
    nports = 0;
    for (size_t i = 0; i < nr; i++) { ports[nports] = (uint16_t)rk[i].value; zs[nports++] = rk[i].metric; }
    for (size_t i = 0; i < total; i++) {
        uint16_t p = facts_port_at(a->eng, i);
        int seen = 0;
        for (size_t k = 0; k < nr && !seen; k++) seen = rk[k].value == p;
        if (!seen) { ports[nports] = p; zs[nports++] = NAN; }
    }
    free(rk);
    table_init(a);
    table_reset(&tab, a, nports);
    if (want_port >= 0) {
        for (size_t i = 0; i < nports; i++) if (ports[i] == want_port) table_select_row(&tab, i);
        want_port = -1;
    }
}

void pane_ports_select(app *a, int port)
{
    want_port = port;
    if (a->eng) build_list(a);
}

static const char *bin_label(int i, char *buf, size_t len, const void *ctx)
{
    const double *width = ctx;
    return fmt_si(i * *width, buf, len);
}

static void draw_port(app *a, WINDOW *w, int x, int h, int wd, uint16_t port)
{
    char b1[32], b2[32], b3[32], hb[16];
    port_facts pf;
    if (facts_port(a->eng, port, &pf)) { draw_text(w, 0, x, wd, "No flow used this port.", A_NORMAL, 0); return; }
    if (!ph) { ph = malloc(PORT_HOSTS_CAP * sizeof *ph); pb = malloc(PORT_HOSTS_CAP * sizeof *pb); }
    if (!ph || !pb) return;
    size_t n = facts_port_host_bytes(a->eng, port, ph, pb, PORT_HOSTS_CAP);
    if (n > PORT_HOSTS_CAP) n = PORT_HOSTS_CAP;
    draw_textf(w, 0, x, wd, term_attr(ROLE_TITLE), "Port %u: %s flows, %sB; %zu internal senders",
               port, fmt_si((double)pf.flows, b1, sizeof b1), fmt_si((double)pf.bytes, b2, sizeof b2), n);
    draw_textf(w, 1, x, wd, A_NORMAL, "out %s flows %sB; in %s flows from %u sources; internal %s flows",
               fmt_si((double)pf.out_flows, b1, sizeof b1), fmt_si((double)pf.out_bytes, b2, sizeof b2),
               fmt_si((double)pf.in_flows, b3, sizeof b3), pf.ext_sources_in,
               fmt_si((double)pf.internal_flows, hb, sizeof hb));
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
    vhist hs = {.v = v, .n = nb, .highlight = hl, .log_scale = log_scale,
                .y_unit = "hosts (y); x axis: outbound bytes a host sent on the port, linear",
                .xlabel = bin_label, .ctx = &width};
    draw_vhist(w, 3, x, hh, wd, &hs);
    int y = 3 + hh;
    for (size_t i = 0; i < n && y < h; i++, y++)
        draw_textf(w, y, x, wd, ph[i] == pf.abuse_host ? term_attr(ROLE_OUTLIER) : A_NORMAL, "%2zu. %-16s %8sB%s",
                   i + 1, app_host_name(a, ph[i], hb), fmt_si((double)pb[i], b1, sizeof b1),
                   ph[i] == pf.abuse_host ? "  <- outlier" : "");
}

static void ports_draw(app *a, WINDOW *w, int h, int wd)
{
    char pos[48];
    if (!nports) build_list(a);
    const int lw = 24;
    table_draw(&tab, a, w, 1, 0, h - 1, lw - 2);   /* first: the position counts the rows it drew */
    draw_textf(w, 0, 0, lw, term_attr(ROLE_TITLE), "Ports %s", table_position(&tab, pos, sizeof pos));
    if (term_unicode()) mvwvline(w, 0, lw, ACS_VLINE, h);
    else mvwvline(w, 0, lw, '|', h);
    if (cur_port() >= 0) draw_port(a, w, lw + 2, h, wd - lw - 2, (uint16_t)cur_port());
}

static host_id ports_selected(app *a)
{
    port_facts pf;
    if (cur_port() < 0 || facts_port(a->eng, (uint16_t)cur_port(), &pf)) return HOST_NONE;
    return pf.abuse_host;
}

static int ports_key(app *a, int ch)
{
    if (ch == ERR) return 0;
    table_init(a);
    if (ch == 'l') { log_scale = !log_scale; return 1; }
    if (ch == 'v' && cur_port() >= 0) { pane_graph_select_port(a, cur_port()); return 1; }
    return table_key(&tab, a, ch);
}

static void ports_enter(app *a) { build_list(a); }

static int ports_flows(app *a, int ch, char *e, size_t elen, char *title, size_t tlen)
{
    (void)a; (void)ch;
    if (cur_port() < 0) return 0;
    snprintf(e, elen, "port %d", cur_port());
    snprintf(title, tlen, "port %d", cur_port());
    return 1;
}

const pane pane_ports = {
    .title = "Ports",
    .tab = "Ports",
    .keys = "l:Log/linear|v:Graph|f:Flows|Enter:Outlier|s:Sort|E:CSV",
    .help = "Ports ranked by the port-abuse z (how far the port's most extreme host stands\n"
            "from the others), a table (s sorts, / finds, E exports); move with Up/Down. Right: the port's numbers and a histogram\n"
            "of per-host outbound bytes on it (linear buckets), the outlier's bucket marked;\n"
            "l toggles the host-count (y) axis between log and linear. Enter opens the\n"
            "outlier host; v shows the port's internal graph;\n"
            "f shows the port's flows.",
    .draw = ports_draw,
    .key = ports_key,
    .selected_host = ports_selected,
    .enter = ports_enter,
    .flows_query = ports_flows,
};
