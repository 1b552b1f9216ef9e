/* ui.h: the explorer, in one page (private to src/ui; curses stays out of include/).
 *
 * States: check the terminal -> loading screen (load_file with a progress
 * callback, then engine_build on a worker thread) -> panes. The app owns the
 * loaded table, the engine, the blacklist and the current findings; panes only
 * read them, and change them through app_* calls (blacklist edits re-run the
 * detectors). term.c is the only file that sets up or tears down curses;
 * draw.c holds the drawing primitives; each pane_*.c is one screen with a
 * draw and a key function, registered in app.c's pane table. */
#ifndef NETTUI_UI_H
#define NETTUI_UI_H

#include <curses.h>
#include <stdint.h>
#include "../cli.h"
#include "nettui/engine.h"
#include "nettui/export.h"
#include "nettui/facts.h"
#include "nettui/numfmt.h"

/* ---- term.c: the terminal ------------------------------------------------ */

/* Colour roles; term_attr() maps each to a colour pair or, in monochrome, to
 * bold/reverse/underline so nothing depends on colour alone. */
typedef enum ui_role {
    ROLE_NORMAL, ROLE_HEADER, ROLE_TAB, ROLE_TAB_ACTIVE, ROLE_SELECTED, ROLE_BAR,
    ROLE_BAR_ALT, ROLE_OUTLIER, ROLE_DIM, ROLE_WARN, ROLE_GOOD, ROLE_KEY, ROLE_KEY_LABEL,
    ROLE_TITLE, ROLE_COUNT
} ui_role;

/* Returns NULL when stdin/stdout are a usable terminal, else one sentence why
 * not. Touches no curses state; call before loading anything. */
const char *term_unusable_reason(void);
/* Starts curses on the controlling terminal (newterm, so an unknown TERM is an
 * error, not an exit). Returns 0, or -1 with a sentence in err. */
int term_start(char *err, size_t errlen);
/* Restores the terminal; safe to call twice and from exit paths. */
void term_stop(void);
/* Mouse reports on (clicks on tabs, the wheel scrolls) or off (the
 * terminal's own selection works: the default). Returns on. */
int term_mouse(int on);
/* The explorer stopped from a signal handler still leaves a sane terminal
 * (term_rescue.c): save before term_start, arm after it, disarm before
 * term_stop. */
void term_rescue_save(void);
void term_rescue_arm(void);
void term_rescue_disarm(void);
attr_t term_attr(ui_role r);
int term_unicode(void);          /* 1 when the locale is UTF-8: block glyphs allowed */
/* Set by SIGINT/SIGTERM/SIGHUP; the loops poll it and leave cleanly. */
int term_interrupted(void);
void term_clear_interrupt(void);

/* ---- draw.c: primitives ---------------------------------------------------- */

/* "10.6G", "35.1K", "512": decimal units, at most 6 columns. */
char *fmt_si(double v, char *buf, size_t len);
/* counts with thousands separators: numfmt_count() in nettui/numfmt.h */
/* "2020-01-06 16:00" (UTC) from epoch milliseconds. */
char *fmt_time_utc(int64_t ms, char *buf, size_t len);
/* Writes s clipped to width columns (pads with spaces when pad). */
void draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t a, int pad);
/* printf into draw_text. */
void draw_textf(WINDOW *w, int y, int x, int width, attr_t a, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
/* Word-wraps s into at most maxlines lines; returns the lines used. */
int draw_wrapped(WINDOW *w, int y, int x, int width, int maxlines, const char *s, attr_t a);
/* A horizontal bar of frac (0..1) of width columns, eighth-blocks in UTF-8. */
void draw_hbar(WINDOW *w, int y, int x, int width, double frac, attr_t a);
/* A one-line sparkline of n values squeezed or stretched into width columns. */
void draw_sparkline(WINDOW *w, int y, int x, int width, const double *v, int n, attr_t a);

/* A vertical histogram with a labelled y axis and an x axis of n buckets.
 * mark[i] non-zero draws bucket i in the alt role (work hours, an outlier);
 * xlabel(i) names bucket i (called for the buckets that get a label). */
typedef struct vhist {
    const double *v;
    int n;
    const uint8_t *mark;         /* may be NULL */
    const char *mark_label;      /* with mark: a line under the labels names the marked run */
    int highlight;               /* a bucket drawn as the outlier, or -1 */
    const char *y_unit;          /* "connections", "bytes" */
    int log_scale;
    const char *(*xlabel)(int i, char *buf, size_t len, const void *ctx);
    const void *ctx;
} vhist;
/* Draws into the box (y, x, h, w). Returns the columns a bucket took. */
int draw_vhist(WINDOW *w, int y, int x, int h, int width, const vhist *hist);

/* A character canvas for node-link pictures. */
typedef struct canvas {
    int w, h;
    char *cell;                  /* w*h, ' ' empty */
    uint8_t *role;               /* ui_role per cell */
} canvas;
int canvas_init(canvas *c, int w, int h);
void canvas_free(canvas *c);
/* A straight line of ch (0: - | / \\ by slope) that never covers a drawn cell. */
void canvas_line(canvas *c, int x0, int y0, int x1, int y1, char ch, ui_role r);
void canvas_put(canvas *c, int x, int y, char ch, ui_role r);
void canvas_blit(const canvas *c, WINDOW *w, int y, int x);

/* ---- app.c: the program state the panes read ------------------------------- */

#define PANE_COUNT 7
enum { PANE_DETECTORS, PANE_TALKERS, PANE_HOURLY, PANE_PORTS, PANE_GRAPH, PANE_HOST, PANE_BLACKLIST };

/* Navigation is a request to the app, never a call into another pane
 * (htop's HandlerResult, with an argument): a key handler posts one with
 * app_request (or app_open_host / app_open_port); after the key the app
 * hands it to the target pane's open(), shows that pane and keeps the
 * Backspace history. */
typedef enum pane_req {
    REQ_NONE,
    REQ_OPEN_HOST,    /* the Host pane on host */
    REQ_OPEN_PORT,    /* the Ports pane on port */
    REQ_GRAPH_PORT,   /* the Graph pane's port graph of port */
    REQ_GRAPH_VIEW    /* the Graph pane in view (its GRAPH_VIEW_*) */
} pane_req;

typedef struct pane_request {
    pane_req kind;
    host_id host;
    int port;
    int view;
} pane_request;

typedef struct app {
    const cli_options *opt;
    flow_table table;
    load_report report;
    double load_seconds;
    int from_cache;                           /* the table came from the columnar cache */
    int columns_unchecked;                    /* mapped on the saved facts' word: the columns'
                                               * checksums and host ids are checked before
                                               * anything reads a row (cache_check_columns) */
    engine *eng;
    blacklist bl;
    finding f[DETECTOR_COUNT];
    char first_answer[DETECTOR_COUNT][64];   /* answers before any edit: override marker */
    int runs;                                 /* engine_run calls so far */
    int pane;
    host_id host;                             /* the Host pane's host */
    char msg[256];                            /* one-shot message for the status line */
    int msg_error;
    int need_redraw;
    int build_running;                        /* left while engine_build/engine_run ran */
    int quit;                                 /* 1: q, 2: Ctrl-C, pressed during a re-run */
    pane_request req;                         /* posted by a key, served after it (REQ_NONE: none) */
#define APP_BACK_MAX 32
    int back[APP_BACK_MAX], nback;            /* the panes left, most recent last: Backspace */
    void *pane_state[PANE_COUNT];             /* each pane instance's state (pane.state_size bytes) */
} app;

/* Before a pane reads the flow rows themselves (not the facts): the table
 * cache's column checks (checksums, host ids in range) that the load left
 * out on the saved facts' word (columns_unchecked) run once, here. 0, or -1
 * with the reason in why (a damaged cache: the rows must not be read). */
int app_rows_checked(app *a, char *why, size_t len);

/* load_screen.c: loads o->path, builds the engine and runs the detectors with
 * a progress screen. EXIT_OK, or an EXIT_* status with a sentence in err. */
int load_screen_run(app *a, char *err, size_t errlen);

/* A pane class: one screen with its own drawing and keys (ncdu/htop
 * style). The app owns one instance of each: state_size zeroed bytes,
 * set up by init and released by done, passed as st to every function;
 * a pane keeps no state of its own outside it. */
typedef struct pane {
    const char *title;           /* "Detectors" */
    const char *tab;             /* short tab label */
    const char *keys;            /* its own keys for the key bar, "key:label|key:label" */
    const char *help;            /* lines for the help screen, '\n'-separated */
    size_t state_size;
    void (*init)(app *a, void *st);   /* may be NULL */
    void (*done)(void *st);           /* may be NULL */
    void (*draw)(app *a, void *st, WINDOW *w, int h, int wd);
    /* Returns 1 when the key was used. */
    int (*key)(app *a, void *st, int ch);
    /* The host under the cursor for Enter and b, or HOST_NONE. */
    host_id (*selected_host)(app *a, void *st);
    /* Called when the pane is shown (e.g. after findings changed). */
    void (*enter)(app *a, void *st);
    /* The flows behind what is under the cursor, for f (or F, ch) as a
     * filter (filter.h) and a title; 0 when the pane has none (the Flows
     * view then shows the selected host's flows). May be NULL. */
    int (*flows_query)(app *a, void *st, int ch, char *expr, size_t elen, char *title, size_t tlen);
    /* A request meant for this pane, before the app shows it. May be NULL. */
    void (*open)(app *a, void *st, const pane_request *r);
} pane;

extern const pane pane_detectors, pane_talkers, pane_hourly, pane_ports, pane_graph,
    pane_host, pane_blacklist;

void app_message(app *a, int is_error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Shows pane p (PANE_*). */
void app_show_pane(app *a, int p);
/* Posts a navigation request, served after the key (see pane_req). */
void app_request(app *a, pane_request r);
/* Requests the Host pane on host h (app_request). */
void app_open_host(app *a, host_id h);
/* Requests the Ports pane on port p (app_request). */
void app_open_port(app *a, int port);
/* Sets the person's choice on h (0, BL_USER_ADD, BL_USER_ALLOW) and re-runs. */
void app_set_user(app *a, host_id h, int state);
/* blacklist_toggle(h), then re-runs every detector and says what changed. */
void app_toggle_host(app *a, host_id h);
/* The host's text ("13.1.2.3"). */
const char *app_host_name(const app *a, host_id h, char *buf16);
/* Asks where to write a file (dflt pre-filled), expands '~', and asks
 * before replacing a file. 1 with the path in path, 0 when the person
 * cancelled (the status line says so). */
int app_ask_path(app *a, const char *question, const char *dflt, char *path, size_t len);
/* Asks for a line at the bottom; returns 1 with text in buf, 0 when cancelled. */
int app_prompt(app *a, const char *question, char *buf, size_t len);
/* Which detectors name h (answer, subject or member): a bitmask of 1<<i. */
unsigned app_detectors_naming(const app *a, host_id h);
/* Cursor helper for lists: applies arrows/j/k/PgUp/PgDn/g/G; returns 1 if used. */
int list_key(int ch, int *cursor, int n, int page);
/* Keeps the cursor visible in a list of page rows. */
int list_top(int cursor, int n, int page, int top);

/* ---- table.c: the one table module every pane's list goes through ------- */

/* How a column sorts: COL_TEXT by its text, COL_NUM by num() (largest
 * first when chosen), COL_ADDR by address order (13.1.2.9 before
 * 13.1.2.10); COL_BAR is drawn as a bar of num() against the table's
 * largest, and neither sorts nor is exported. */
typedef enum col_kind { COL_TEXT, COL_NUM, COL_ADDR, COL_BAR } col_kind;

typedef struct table_col {
    const char *name;     /* the header */
    int width;            /* screen columns; 0: the rest of the line */
    col_kind kind;
    int right;            /* 1: right-aligned (numbers) */
    const char *csv;      /* the CSV header when it differs from name, or NULL */
} table_col;

/* A table: the pane fills cols, text, num and ctx once and calls
 * table_reset whenever its rows change; the rest is the table's state.
 * Rows are the pane's indexes 0..n-1; the table keeps the order they are
 * shown in (the pane's own order until s picks a column). */
typedef struct ui_table {
    const char *name;     /* the default CSV file name, "talkers" -> talkers.csv */
    const table_col *cols;
    int ncols;
    /* the cell's text: on screen (raw 0), or for search and the CSV (raw 1:
     * integers in full, no separators or units) */
    void (*text)(const struct ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len);
    /* the cell's number, for COL_NUM and COL_BAR */
    double (*num)(const struct ui_table *t, app *a, size_t row, int col);
    ui_role (*row_role)(const struct ui_table *t, app *a, size_t row);   /* may be NULL */
    ui_role (*bar_role)(const struct ui_table *t, app *a, size_t row);   /* may be NULL */
    void *ctx;            /* the pane's state */
    /* state */
    size_t n, cap;
    size_t *order;        /* order[i]: the pane's row shown i-th */
    int sort_col;         /* -1: the pane's own order */
    int sort_desc;
    int cursor, top;      /* positions in the shown order */
    int page;             /* rows the last draw showed */
    int unfocused;        /* 1: the keys work another table; its cursor is not drawn */
    char find[64];        /* the last search */
} ui_table;

/* The pane's rows changed (now n): re-sorts, keeps the cursor on its row
 * when it is still there. 0, or -1 when out of memory (the table is empty). */
int table_reset(ui_table *t, app *a, size_t n);
void table_home(ui_table *t);
/* The pane's row under the cursor, or SIZE_MAX when the table is empty. */
size_t table_selected(const ui_table *t);
void table_select_row(ui_table *t, size_t row);
/* "41–80 of 1,000" ("41-80" outside UTF-8): the rows on screen, exact. */
char *table_position(const ui_table *t, char *buf, size_t len);
/* The header on line y, the rows under it, in the box (y, x, h, wd). */
void table_draw(ui_table *t, app *a, WINDOW *w, int y, int x, int h, int wd);
/* The table's keys: movement, s (sort by the next column) and S (reverse),
 * / (find), n and N (next and previous match, wrapping), E (export the
 * whole table in its order as CSV). Returns 1 when the key was used. */
int table_key(ui_table *t, app *a, int ch);
/* The whole table as CSV (a header, then every row in the order shown,
 * raw cells). 0, or -1 on a write error. */
int table_write_csv(const ui_table *t, app *a, FILE *f);

/* pane_flows.c: the Flows view over pane p's selection (f, F): its own key
 * loop; returns 1 once it is closed (a->quit set when q was pressed). */
int pane_flows_open(app *a, const pane *p, void *st, int ch);
/* The rows behind question q's answer, as a filter and a title; 0 when the
 * question has no answer. */
int pane_flows_finding_query(app *a, int q, char *expr, size_t elen, char *title, size_t tlen);

#endif
