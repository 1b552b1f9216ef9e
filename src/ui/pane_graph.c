/* pane_graph.c: the internal graph of one port (default: the P2P detector's
 * port). A small graph is drawn as nodes and links laid out by igraph on the
 * character grid; a large one as an adjacency matrix ordered clique first, so
 * the clique shows as a solid block. v switches to the star views of the
 * controller and the beacons (pane_graph_star.c). */
#include <igraph.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ui.h"
#include "pane_graph.h"

#define NODE_LINK_MAX 24

/* The picture of one port, cached until the port or the findings change. */
typedef struct port_picture {
    int port, runs;
    size_t n, m;
    const host_id *nodes;
    const host_id *ab;
    uint32_t *order;             /* position -> node index */
    uint32_t *pos;               /* node index -> position */
    uint8_t *in_clique;          /* per node index */
    size_t nclique;
    double *x, *y;               /* layout in [0,1], node-link only */
} port_picture;

/* The pane's state (its instance, owned by the app). */
typedef struct graph_state {
    int view;                    /* GRAPH_VIEW_* */
    int port, want_port;         /* want_port: the port a request asked for, or -1 */
    uint16_t *gports;            /* ports with an internal graph */
    size_t ngports;
    int gcur;
    int mcur;                    /* cursor over the listed hosts, by position */
    int mtop;                    /* the exact matrix's first row on screen */
    int exact_shown;             /* the last draw showed the exact matrix (every host a row) */
    port_picture g;
    graph_star_state star;       /* the controller and beacons views (pane_graph_star.c) */
} graph_state;

static long node_index(const graph_state *s, host_id h)
{
    size_t lo = 0, hi = s->g.n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->g.nodes[mid] < h) lo = mid + 1;
        else hi = mid;
    }
    return lo < s->g.n && s->g.nodes[lo] == h ? (long)lo : -1;
}

/* A node and its sort degree, so qsort needs no global: highest first,
 * ties by node index. */
typedef struct by_deg { uint32_t deg, idx; } by_deg;
static int by_degree(const void *pa, const void *pb)
{
    const by_deg *a = pa, *b = pb;
    if (a->deg != b->deg) return a->deg < b->deg ? 1 : -1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

static void layout_node_link(graph_state *s)
{
    igraph_t ig;
    igraph_vector_int_t ev;
    igraph_matrix_t res;
    if (igraph_vector_int_init(&ev, (igraph_integer_t)(2 * s->g.m))) return;
    for (size_t k = 0; k < s->g.m; k++) {
        VECTOR(ev)[2 * k] = node_index(s, s->g.ab[2 * k]);
        VECTOR(ev)[2 * k + 1] = node_index(s, s->g.ab[2 * k + 1]);
    }
    if (igraph_create(&ig, &ev, (igraph_integer_t)s->g.n, IGRAPH_UNDIRECTED)) { igraph_vector_int_destroy(&ev); return; }
    igraph_matrix_init(&res, 0, 0);
    igraph_rng_seed(igraph_rng_default(), 20200106);   /* the same picture every time */
    /* A dense graph reads best on a circle (a clique is then every chord);
     * a sparse one with force-directed placement. */
    double density = s->g.n > 1 ? 2.0 * (double)s->g.m / ((double)s->g.n * (double)(s->g.n - 1)) : 0;
    igraph_error_t rc = density > 0.4
        ? igraph_layout_circle(&ig, &res, igraph_vss_all())
        : igraph_layout_fruchterman_reingold(&ig, &res, 0, 500, sqrt((double)s->g.n), IGRAPH_LAYOUT_NOGRID,
                                             NULL, NULL, NULL, NULL, NULL);
    if (rc == IGRAPH_SUCCESS) {
        double x0 = INFINITY, x1 = -INFINITY, y0 = INFINITY, y1 = -INFINITY;
        for (size_t i = 0; i < s->g.n; i++) {
            double x = MATRIX(res, i, 0), y = MATRIX(res, i, 1);
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
        }
        for (size_t i = 0; i < s->g.n; i++) {
            s->g.x[i] = x1 > x0 ? (MATRIX(res, i, 0) - x0) / (x1 - x0) : 0.5;
            s->g.y[i] = y1 > y0 ? (MATRIX(res, i, 1) - y0) / (y1 - y0) : 0.5;
        }
    }
    igraph_matrix_destroy(&res);
    igraph_destroy(&ig);
    igraph_vector_int_destroy(&ev);
}

/* Loads the port's graph and orders it: clique members first, then by degree. */
static void load_graph(app *a, graph_state *s, int p)
{
    free(s->g.order); free(s->g.pos); free(s->g.in_clique); free(s->g.x); free(s->g.y);
    memset(&s->g, 0, sizeof s->g);
    s->g.port = p;
    s->g.runs = a->runs;
    if (p < 0) return;
    s->g.n = facts_port_nodes(a->eng, (uint16_t)p, &s->g.nodes);
    s->g.m = facts_port_edges(a->eng, (uint16_t)p, &s->g.ab);
    size_t n = s->g.n ? s->g.n : 1;
    s->g.order = malloc(n * sizeof *s->g.order);
    s->g.pos = malloc(n * sizeof *s->g.pos);
    s->g.in_clique = calloc(n, 1);
    s->g.x = calloc(n, sizeof *s->g.x);
    s->g.y = calloc(n, sizeof *s->g.y);
    by_deg *sort_degree = calloc(n, sizeof *sort_degree);
    if (!s->g.order || !s->g.pos || !s->g.in_clique || !s->g.x || !s->g.y || !sort_degree) { s->g.n = s->g.m = 0; free(sort_degree); return; }
    const finding *f = FINDING_P2P(a);
    if (f->found && f->kind == ANSWER_PORT && (int)f->value == p)
        for (size_t k = 0; k < f->nmembers; k++) {
            long i = node_index(s, f->members[k]);
            if (i >= 0 && !s->g.in_clique[i]) { s->g.in_clique[i] = 1; s->g.nclique++; }
        }
    for (size_t k = 0; k < s->g.m; k++) {
        long i = node_index(s, s->g.ab[2 * k]), j = node_index(s, s->g.ab[2 * k + 1]);
        if (i >= 0) sort_degree[i].deg++;
        if (j >= 0) sort_degree[j].deg++;
    }
    /* clique members outrank everyone: lift their degree past the rest */
    for (size_t i = 0; i < s->g.n; i++) if (s->g.in_clique[i]) sort_degree[i].deg += (uint32_t)s->g.n;
    for (size_t i = 0; i < s->g.n; i++) sort_degree[i].idx = (uint32_t)i;
    qsort(sort_degree, s->g.n, sizeof *sort_degree, by_degree);
    for (size_t i = 0; i < s->g.n; i++) s->g.order[i] = sort_degree[i].idx;
    for (size_t i = 0; i < s->g.n; i++) s->g.pos[s->g.order[i]] = (uint32_t)i;
    free(sort_degree);
    if (s->g.n <= NODE_LINK_MAX) layout_node_link(s);
}

static char node_letter(size_t pos)
{
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    return pos < sizeof letters - 1 ? letters[pos] : '?';
}

static void draw_node_link(graph_state *s, WINDOW *w, int y, int x, int h, int wd)
{
    canvas c;
    if (canvas_init(&c, wd, h)) return;
    for (size_t k = 0; k < s->g.m; k++) {
        long i = node_index(s, s->g.ab[2 * k]), j = node_index(s, s->g.ab[2 * k + 1]);
        if (i < 0 || j < 0) continue;
        canvas_line(&c, (int)lround(s->g.x[i] * (wd - 1)), (int)lround(s->g.y[i] * (h - 1)),
                    (int)lround(s->g.x[j] * (wd - 1)), (int)lround(s->g.y[j] * (h - 1)), 0,
                    s->g.in_clique[i] && s->g.in_clique[j] ? ROLE_BAR_ALT : ROLE_DIM);
    }
    for (size_t i = 0; i < s->g.n; i++)
        canvas_put(&c, (int)lround(s->g.x[i] * (wd - 1)), (int)lround(s->g.y[i] * (h - 1)), node_letter(s->g.pos[i]),
                   s->g.in_clique[i] ? ROLE_OUTLIER : ROLE_TITLE);
    canvas_blit(&c, w, y, x);
    canvas_free(&c);
}

/* One cell per block of nodes; its glyph says how dense the block's links are. */
static void draw_matrix(graph_state *s, WINDOW *w, int y, int x, int h, int wd)
{
    int cells = h < wd / 2 ? h : wd / 2;
    if (cells > (int)s->g.n) cells = (int)s->g.n;
    if (cells < 1) return;
    int cw = wd / cells >= 2 ? 2 : 1;
    size_t nc = (size_t)cells * cells;
    uint32_t *cnt = calloc(nc, sizeof *cnt);
    uint32_t *cell_of = malloc(s->g.n * sizeof *cell_of);   /* position -> cell, the inverse of r * n / cells */
    if (!cnt || !cell_of) { free(cnt); free(cell_of); return; }
    for (int r = 0; r < cells; r++)
        for (size_t p = (size_t)r * s->g.n / cells; p < (size_t)(r + 1) * s->g.n / cells; p++) cell_of[p] = (uint32_t)r;
    for (size_t k = 0; k < s->g.m; k++) {
        long i = node_index(s, s->g.ab[2 * k]), j = node_index(s, s->g.ab[2 * k + 1]);
        if (i < 0 || j < 0) continue;
        size_t r = cell_of[s->g.pos[i]], col = cell_of[s->g.pos[j]];
        cnt[r * cells + col]++;
        if (col != r) cnt[col * cells + r]++;
    }
    free(cell_of);
    static const char *const shade_u[] = {" ", "\u00b7", "\u2591", "\u2592", "\u2593", "\u2588"};
    static const char shade_a[] = " .:+#@";
    for (int r = 0; r < cells; r++) {
        size_t r0 = (size_t)r * s->g.n / cells, r1 = (size_t)(r + 1) * s->g.n / cells;
        wmove(w, y + r, x);
        for (int col = 0; col < cells; col++) {
            size_t c0 = (size_t)col * s->g.n / cells, c1 = (size_t)(col + 1) * s->g.n / cells;
            double pairs = r == col ? (double)(r1 - r0) * (double)(r1 - r0 - 1) / 2   /* unordered, no self */
                                    : (double)(r1 - r0) * (double)(c1 - c0);
            double d = pairs > 0 ? cnt[(size_t)r * cells + col] / pairs : 0;
            int level = d <= 0 ? 0 : d < 0.1 ? 1 : d < 0.35 ? 2 : d < 0.65 ? 3 : d < 0.95 ? 4 : 5;
            int clique = r0 < s->g.nclique && c0 < s->g.nclique;
            wattrset(w, term_attr(clique && level >= 4 ? ROLE_OUTLIER : level ? ROLE_BAR : ROLE_DIM));
            for (int k = 0; k < cw; k++) {
                if (term_unicode()) waddstr(w, shade_u[level]);
                else waddch(w, (chtype)(unsigned char)shade_a[level]);
            }
        }
    }
    wattrset(w, A_NORMAL);
    free(cnt);
}

/* The hosts listed beside the picture: every node of a small graph, and of
 * an exact matrix (a row each); of a larger one the clique, else all by
 * degree. */
static size_t listed_count(const graph_state *s)
{
    return s->g.n > NODE_LINK_MAX && s->g.nclique && !s->exact_shown ? s->g.nclique : s->g.n;
}

/* The exact matrix fits when every host has its own column (one or two
 * characters) and a name beside its row. */
#define NAME_W 16
static int exact_fits(const graph_state *s, int wd)
{
    return (int)s->g.n + 2 + NAME_W <= wd;
}

/* One row and one column a host, in the clique-first order: a link is a
 * full cell, the host itself a gap on the diagonal, each row's host named
 * on that row. Taller than the box: the rows around the cursor, and the
 * line above says which ("rows 1-33 of 36"). */
static void draw_matrix_exact(app *a, graph_state *s, WINDOW *w, int y, int h, int wd)
{
    char hb[16], a1[32], a2[32], a3[32];
    int n = (int)s->g.n, cw = 2 * n + 2 + NAME_W <= wd ? 2 : 1;
    uint8_t *adj = calloc((size_t)n * (size_t)n, 1);
    if (!adj) return;
    for (size_t k = 0; k < s->g.m; k++) {
        long i = node_index(s, s->g.ab[2 * k]), j = node_index(s, s->g.ab[2 * k + 1]);
        if (i < 0 || j < 0) continue;
        adj[(size_t)s->g.pos[i] * n + s->g.pos[j]] = adj[(size_t)s->g.pos[j] * n + s->g.pos[i]] = 1;
    }
    int rows = h < n ? h : n;
    s->mtop = list_top(s->mcur, n, rows, s->mtop);
    draw_textf(w, y - 1, 0, wd, term_attr(ROLE_DIM),
               "Adjacency matrix, a row and a column a host, clique first (the gap: the host itself); rows %s%s%s of %s%s",
               numfmt_count((uint64_t)s->mtop + 1, a1, sizeof a1), term_unicode() ? "\u2013" : "-",
               numfmt_count((uint64_t)(s->mtop + rows), a2, sizeof a2), numfmt_count((uint64_t)n, a3, sizeof a3),
               rows < n ? ", Up/Down scroll" : "");
    int nx = n * cw + 2;
    for (int k = 0; k < rows; k++) {
        int r = s->mtop + k;
        wmove(w, y + k, 0);
        for (int c = 0; c < n; c++) {
            int link = adj[(size_t)r * n + c], clique = (size_t)r < s->g.nclique && (size_t)c < s->g.nclique;
            wattrset(w, term_attr(r == c ? ROLE_NORMAL : link ? (clique ? ROLE_OUTLIER : ROLE_BAR) : ROLE_DIM));
            for (int q = 0; q < cw; q++) {
                if (r == c) waddch(w, ' ');
                else if (link && term_unicode()) waddstr(w, "\u2588");
                else if (link) waddch(w, '#');
                else if (q == cw - 1 && term_unicode()) waddstr(w, "\u00b7");
                else waddch(w, q == cw - 1 ? '.' : ' ');
            }
        }
        wattrset(w, A_NORMAL);
        size_t i = s->g.order[r];
        draw_text(w, y + k, nx, wd - nx, app_host_name(a, s->g.nodes[i], hb),
                  r == s->mcur ? term_attr(ROLE_SELECTED) : s->g.in_clique[i] ? term_attr(ROLE_OUTLIER) : A_NORMAL, 0);
    }
    free(adj);
}

static void draw_members(app *a, graph_state *s, WINDOW *w, int y, int x, int h, int wd)
{
    char hb[16];
    if (s->g.n <= NODE_LINK_MAX) {
        draw_text(w, y, x, wd, "Nodes (letter: host)", term_attr(ROLE_TITLE), 0);
        int per_col = h - 1, colw = 21;
        for (size_t p = 0; p < s->g.n; p++) {
            int col = (int)p / per_col, row = (int)p % per_col;
            if (x + (col + 1) * colw > x + wd) break;
            size_t i = s->g.order[p];
            draw_textf(w, y + 1 + row, x + col * colw, colw - 1,
                       (int)p == s->mcur ? term_attr(ROLE_SELECTED) : s->g.in_clique[i] ? term_attr(ROLE_OUTLIER) : A_NORMAL,
                       "%c %-16s", node_letter(p), app_host_name(a, s->g.nodes[i], hb));
        }
        return;
    }
    if (s->g.nclique)
        draw_textf(w, y, x, wd, term_attr(ROLE_TITLE), "Clique: %zu hosts (top-left block)", s->g.nclique);
    else
        draw_textf(w, y, x, wd, term_attr(ROLE_TITLE), "Most connected hosts first");
    /* columns of addresses; when they do not all fit, the page holding the cursor */
    int per_col = h - 1, colw = 16;
    size_t shown = listed_count(s);
    size_t fit = (size_t)per_col * (size_t)(wd / colw);
    if (fit < 2) return;
    size_t first = shown > fit ? (size_t)s->mcur / (fit - 1) * (fit - 1) : 0;
    for (size_t p = first, k = 0; p < shown && k < fit; p++, k++) {
        int col = (int)(k / per_col), row = (int)(k % per_col);
        if (k + 1 == fit && shown > p + 1) {
            draw_textf(w, y + 1 + row, x + col * colw, colw, term_attr(ROLE_DIM), "+%zu more", shown - p);
            break;
        }
        draw_text(w, y + 1 + row, x + col * colw, colw - 1, app_host_name(a, s->g.nodes[s->g.order[p]], hb),
                  (int)p == s->mcur ? term_attr(ROLE_SELECTED) : A_NORMAL, 0);
    }
}

static void collect_ports(app *a, graph_state *s)
{
    size_t total = facts_port_count(a->eng);
    uint16_t *np = realloc(s->gports, (total ? total : 1) * sizeof *np);
    if (!np) return;
    s->gports = np;
    s->ngports = 0;
    for (size_t i = 0; i < total; i++) {
        port_facts pf;
        uint16_t p = facts_port_at(a->eng, i);
        if (!facts_port(a->eng, p, &pf) && pf.graph_edges) s->gports[s->ngports++] = p;
    }
}

static void choose_port(app *a, graph_state *s)
{
    collect_ports(a, s);
    if (s->want_port >= 0) { s->port = s->want_port; s->want_port = -1; }
    if (s->port < 0) {
        const finding *f = FINDING_P2P(a);
        if (f->found && f->kind == ANSWER_PORT) s->port = (int)f->value;
        else if (s->ngports) s->port = s->gports[0];
    }
    /* the cursor in the list of ports with a graph: the port itself, or for
     * a port without one, where it would stand (so Left/Right go to its
     * neighbours, not from wherever the cursor was) */
    s->gcur = -1;
    for (size_t i = 0; i < s->ngports && s->gcur < 0; i++) if (s->gports[i] >= s->port) s->gcur = (int)i - (s->gports[i] != s->port);
    if (s->gcur < -1 || (s->gcur < 0 && s->ngports && s->gports[s->ngports - 1] < s->port)) s->gcur = (int)s->ngports - 1;
    if (s->g.port != s->port || s->g.runs != a->runs) load_graph(a, s, s->port);
}

/* REQ_GRAPH_PORT: the port graph of the port; REQ_GRAPH_VIEW: a view. */
static void graph_open(app *a, void *st, const pane_request *r)
{
    graph_state *s = st;
    (void)a;
    if (r->kind == REQ_GRAPH_PORT) {
        s->want_port = r->port;
        s->view = GRAPH_VIEW_PORT;
    } else if (r->kind == REQ_GRAPH_VIEW) {
        s->view = r->view;
    }
}

static void graph_init(app *a, void *st)
{
    graph_state *s = st;
    s->port = s->want_port = -1;
    s->g.port = -1;
    graph_star_init(a, &s->star);
}

static void graph_done(void *st)
{
    graph_state *s = st;
    free(s->g.order); free(s->g.pos); free(s->g.in_clique); free(s->g.x); free(s->g.y);
    free(s->gports);
    graph_star_done(&s->star);
}

static void port_view_draw(app *a, graph_state *s, WINDOW *w, int h, int wd)
{
    choose_port(a, s);
    if (s->port < 0) { draw_text(w, 0, 0, wd, "No port has internal traffic.", A_NORMAL, 0); return; }
    const finding *f = FINDING_P2P(a);
    int is_p2p = f->found && f->kind == ANSWER_PORT && (int)f->value == s->port;
    int has = s->gcur >= 0 && (size_t)s->gcur < s->ngports && s->gports[s->gcur] == s->port;
    if (has)
        draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Internal graph of port %d: %zu hosts, %zu links%s (Left/Right: port %d of %zu with internal links)",
                   s->port, s->g.n, s->g.m, is_p2p ? ", the P2P detector's port" : "", s->gcur + 1, s->ngports);
    else
        draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Internal graph of port %d: no two internal hosts talk on it (Left/Right: the %zu ports that have links)",
                   s->port, s->ngports);
    if (!s->g.n) {
        draw_wrapped(w, 1, 0, wd, 2, "Nothing to draw: no flow on this port goes from one internal host to another. The Ports pane still rates it for abuse on its outbound bytes.",
                     term_attr(ROLE_DIM));
        return;
    }
    int big = s->g.n > NODE_LINK_MAX;
    s->exact_shown = big && exact_fits(s, wd);
    if (s->exact_shown) { draw_matrix_exact(a, s, w, 2, h - 2, wd); return; }
    draw_text(w, 1, 0, wd, big ? "Adjacency matrix, each cell a block of hosts, ordered clique first then by degree; a solid block is a clique."
                               : "Nodes and links laid out by igraph (a circle when dense, else Fruchterman-Reingold); letters name the hosts listed right.",
              term_attr(ROLE_DIM), 0);
    int gh = h - 2, gw;
    if (big) {
        gw = (gh < (wd * 2 / 3) / 2 ? gh : (wd * 2 / 3) / 2) * 2;
        draw_matrix(s, w, 2, 0, gh, gw);
    } else {
        gw = wd * 3 / 5;
        draw_node_link(s, w, 2, 0, gh, gw);
    }
    draw_members(a, s, w, 2, gw + 2, gh, wd - gw - 2);
}

static void graph_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    graph_state *s = st;
    static const char *const names[] = {"port graph", "controller star", "beacons"};
    char tabs[128];
    snprintf(tabs, sizeof tabs, "view (v): %s%s%s | %s%s%s | %s%s%s", s->view == 0 ? "[" : "", names[0], s->view == 0 ? "]" : "",
             s->view == 1 ? "[" : "", names[1], s->view == 1 ? "]" : "", s->view == 2 ? "[" : "", names[2], s->view == 2 ? "]" : "");
    int tl = (int)strlen(tabs);
    WINDOW *sub = derwin(w, h - 1, wd, 1, 0);
    draw_text(w, 0, wd - tl > 0 ? wd - tl : 0, tl, tabs, term_attr(ROLE_DIM), 0);
    if (!sub) return;
    if (s->view == GRAPH_VIEW_PORT) port_view_draw(a, s, sub, h - 1, wd);
    else if (s->view == GRAPH_VIEW_CONTROLLER) graph_controller_draw(a, &s->star, sub, h - 1, wd);
    else graph_beacons_draw(a, &s->star, sub, h - 1, wd);
    delwin(sub);
}

static host_id graph_selected(app *a, void *st)
{
    graph_state *s = st;
    if (s->view == GRAPH_VIEW_CONTROLLER) return graph_controller_selected(a, &s->star);
    if (s->view == GRAPH_VIEW_BEACONS) return graph_beacons_selected(a, &s->star);
    return s->mcur < (int)listed_count(s) ? s->g.nodes[s->g.order[s->mcur]] : HOST_NONE;
}

static int graph_key(app *a, void *st, int ch)
{
    graph_state *s = st;
    if (ch == ERR) return 0;
    if (ch == 'v') { s->view = (s->view + 1) % 3; return 1; }
    if (ch == 'V') { s->view = (s->view + 2) % 3; return 1; }
    if (s->view == GRAPH_VIEW_CONTROLLER) return graph_controller_key(a, &s->star, ch);
    if (s->view == GRAPH_VIEW_BEACONS) return graph_beacons_key(a, &s->star, ch);
    if (!s->ngports) return 0;
    if (list_key(ch, &s->mcur, (int)listed_count(s), 10)) return 1;
    if (ch == KEY_RIGHT) s->gcur = (s->gcur + 1) % (int)s->ngports;
    else if (ch == KEY_LEFT) {
        /* from a port without links, Left is the one just below it */
        int on = s->gcur >= 0 && s->gports[s->gcur] == s->port;
        s->gcur = on ? (s->gcur + (int)s->ngports - 1) % (int)s->ngports : (s->gcur >= 0 ? s->gcur : (int)s->ngports - 1);
    } else return 0;
    s->port = s->gports[s->gcur];
    s->mcur = s->mtop = 0;
    return 1;
}

/* f in the port graph: the selected host's flows on the port shown (the
 * star views: the selected host's flows, the default) */
static int graph_flows(app *a, void *st, int ch, char *e, size_t elen, char *title, size_t tlen)
{
    graph_state *s = st;
    (void)ch;
    if (s->view != GRAPH_VIEW_PORT || s->port < 0) return 0;
    host_id h = graph_selected(a, s);
    char hb[16];
    if (h == HOST_NONE) {
        snprintf(e, elen, "port %d", s->port);
        snprintf(title, tlen, "port %d", s->port);
    } else {
        const char *hn = app_host_name(a, h, hb);
        snprintf(e, elen, "port %d and host %s", s->port, hn);
        snprintf(title, tlen, "%s on port %d", hn, s->port);
    }
    return 1;
}

const pane pane_graph = {
    .title = "Graph",
    .tab = "Graph",
    .keys = "v:View|Left/Right:Port|f:Flows|Enter:Open host",
    .help = "v cycles three views. Port graph: the internal graph of a port (first the P2P\n"
            "detector's; Left/Right step through ports), small ones as nodes and links, large\n"
            "ones as an adjacency matrix where a clique is a solid block: a row and a column a\n"
            "host, named on its row, when they fit the width (taller than the screen: Up/Down\n"
            "scroll, the line above says which rows), else a cell a block of hosts with the\n"
            "members listed right. Up/Down pick a host, Enter opens it.\n"
            "Controller star: the controller and its single-purpose sources. Beacons: bots and\n"
            "their C&C hosts, the calls over time, and the inter-arrival histogram (the period\n"
            "is its spike). Up/Down pick a source or a series; Enter opens its host.\n"
            "f shows the flows of the selected host (on the port shown, in the port graph).",
    .state_size = sizeof(graph_state),
    .init = graph_init,
    .done = graph_done,
    .draw = graph_draw,
    .key = graph_key,
    .selected_host = graph_selected,
    .flows_query = graph_flows,
    .open = graph_open,
};
