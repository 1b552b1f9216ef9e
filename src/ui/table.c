/* table.c: the one table every pane's list is drawn and worked through:
 * columns (name, width, how they sort), the order rows are shown in, the
 * cursor and scroll, the sort column and direction, the search, the
 * position text, and the CSV export of the whole table in its current
 * order. The pane owns the rows (it says how many and gives each cell's
 * text and number); the table owns only how they are shown. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "nettui/atomic.h"
#include "ui.h"

/* One row's sort key, filled before qsort so the comparator needs no
 * global state: a number (numbers, addresses) or a text, then tie, which
 * keeps equal rows in the pane's order whichever the direction. */
typedef struct sort_key {
    double k;
    size_t tie;
    size_t row;
    char s[48];
} sort_key;

/* Ascending by k, then s, then tie; a descending sort reverses the result. */
static int cmp_key(const void *pa, const void *pb)
{
    const sort_key *a = pa, *b = pb;
    int c = a->k < b->k ? -1 : a->k > b->k ? 1 : strcmp(a->s, b->s);
    return c ? c : (a->tie > b->tie) - (a->tie < b->tie);
}

/* "13.1.2.3" as the number 13.1.2.3 is (so .9 comes before .10); a name
 * or an IPv6 text sorts after every IPv4 address, by its text. */
static double addr_key(const char *s)
{
    unsigned v[4];
    char end;
    if (sscanf(s, "%u.%u.%u.%u%c", &v[0], &v[1], &v[2], &v[3], &end) == 4 && v[0] < 256 && v[1] < 256 &&
        v[2] < 256 && v[3] < 256)
        return (double)v[0] * 16777216.0 + v[1] * 65536.0 + v[2] * 256.0 + v[3];
    return 4294967296.0;
}

static int sortable(const ui_table *t, int c)
{
    return c >= 0 && c < t->ncols && t->cols[c].kind != COL_BAR;
}

/* Puts the pane's rows in the sort's order; keeps the cursor on the row it
 * was on when that row is still there. */
static void sort_rows(ui_table *t, app *a)
{
    size_t keep = table_selected(t);
    for (size_t i = 0; i < t->n; i++) t->order[i] = i;
    if (sortable(t, t->sort_col) && t->n > 1) {
        sort_key *k = malloc(t->n * sizeof *k);
        if (k) {
            const table_col *c = &t->cols[t->sort_col];
            for (size_t i = 0; i < t->n; i++) {
                k[i].row = i;
                k[i].tie = t->sort_desc ? t->n - 1 - i : i;   /* reversed below: equal rows stay in order */
                k[i].s[0] = 0;
                if (c->kind == COL_NUM) { k[i].k = t->num(t, a, i, t->sort_col); continue; }
                t->text(t, a, i, t->sort_col, 1, k[i].s, sizeof k[i].s);
                k[i].k = c->kind == COL_ADDR ? addr_key(k[i].s) : 0;
            }
            qsort(k, t->n, sizeof *k, cmp_key);
            for (size_t i = 0; i < t->n; i++) t->order[i] = k[t->sort_desc ? t->n - 1 - i : i].row;
            free(k);
        }
    }
    if (keep != SIZE_MAX && keep < t->n) table_select_row(t, keep);
}

int table_reset(ui_table *t, app *a, size_t n)
{
    if (n > t->cap) {
        size_t *o = realloc(t->order, n * sizeof *o);
        if (!o) { t->n = 0; return -1; }
        t->order = o;
        t->cap = n;
    }
    size_t keep = table_selected(t);
    t->n = n;
    sort_rows(t, a);
    if (keep != SIZE_MAX && keep < n) table_select_row(t, keep);
    if (t->cursor >= (int)n) t->cursor = n ? (int)n - 1 : 0;
    if (t->cursor < 0) t->cursor = 0;
    return 0;
}

void table_home(ui_table *t)
{
    t->cursor = t->top = 0;
}

size_t table_selected(const ui_table *t)
{
    return t->order && t->cursor >= 0 && (size_t)t->cursor < t->n ? t->order[t->cursor] : SIZE_MAX;
}

void table_select_row(ui_table *t, size_t row)
{
    for (size_t i = 0; i < t->n; i++)
        if (t->order[i] == row) { t->cursor = (int)i; return; }
}

char *table_position(const ui_table *t, char *buf, size_t len)
{
    char a[32], b[32], c[32];
    if (!t->n) { snprintf(buf, len, "0 of 0"); return buf; }
    int page = t->page > 0 ? t->page : 1;
    size_t first = (size_t)t->top + 1, last = (size_t)t->top + (size_t)page;
    if (last > t->n) last = t->n;
    snprintf(buf, len, "%s%s%s of %s", numfmt_count(first, a, sizeof a), term_unicode() ? "\u2013" : "-",
             numfmt_count(last, b, sizeof b), numfmt_count(t->n, c, sizeof c));
    return buf;
}

/* The header cell of column c: its name and, on the sort column, the
 * direction ("bytes▼", or "bytes v" outside UTF-8). Returns the columns
 * it takes on screen (the arrow is one column, three bytes). */
static int header_cell(const ui_table *t, int c, char *buf, size_t len)
{
    const char *name = t->cols[c].name;
    if (c != t->sort_col) { snprintf(buf, len, "%s", name); return (int)strlen(buf); }
    if (term_unicode()) {
        snprintf(buf, len, "%s%s", name, t->sort_desc ? "\u25bc" : "\u25b2");
        return (int)strlen(name) + 1;
    }
    snprintf(buf, len, "%s %s", name, t->sort_desc ? "v" : "^");
    return (int)strlen(buf);
}

void table_draw(ui_table *t, app *a, WINDOW *w, int y, int x, int h, int wd)
{
    char cell[256], hb[80];
    int page = h - 1;
    if (page < 1) page = 1;
    t->page = page;
    t->top = list_top(t->cursor, (int)t->n, page, t->top);
    /* the header: right-aligned names over right-aligned numbers */
    int cx = x;
    for (int c = 0; c < t->ncols && cx < x + wd; c++) {
        int cw = t->cols[c].width ? t->cols[c].width : x + wd - cx;
        int cols = header_cell(t, c, hb, sizeof hb);
        int extra = (int)strlen(hb) - cols;   /* bytes past the columns (the UTF-8 arrow) */
        int pad = t->cols[c].right && cols < cw ? cw - cols : 0;
        draw_text(w, y, cx + pad, cw - pad + extra, hb, term_attr(c == t->sort_col ? ROLE_TITLE : ROLE_DIM), 0);
        cx += cw + 1;
    }
    /* a bar column's scale is the largest value in the whole table */
    double max[8] = {0};
    for (int c = 0; c < t->ncols && c < 8; c++)
        if (t->cols[c].kind == COL_BAR)
            for (size_t r = 0; r < t->n; r++) {
                double v = t->num(t, a, r, c);
                if (v > max[c]) max[c] = v;
            }
    for (int i = 0; i < page && t->top + i < (int)t->n; i++) {
        int pos = t->top + i;
        size_t row = t->order[pos];
        int sel = pos == t->cursor && !t->unfocused;
        attr_t at = sel ? term_attr(ROLE_SELECTED) : A_NORMAL;
        if (!sel && t->row_role) at = term_attr(t->row_role(t, a, row));
        if (sel) draw_text(w, y + 1 + i, x, wd, "", at, 1);
        cx = x;
        for (int c = 0; c < t->ncols && cx < x + wd; c++) {
            int cw = t->cols[c].width ? t->cols[c].width : x + wd - cx;
            if (cx + cw > x + wd) cw = x + wd - cx;
            if (t->cols[c].kind == COL_BAR) {
                double v = t->num(t, a, row, c);
                ui_role br = t->bar_role ? t->bar_role(t, a, row) : ROLE_BAR;
                draw_hbar(w, y + 1 + i, cx, cw, c < 8 && max[c] > 0 ? v / max[c] : 0, term_attr(br));
            } else {
                t->text(t, a, row, c, 0, cell, sizeof cell);
                int l = (int)strlen(cell);
                int pad = t->cols[c].right && l < cw ? cw - l : 0;
                draw_text(w, y + 1 + i, cx + pad, cw - pad, cell, at, 0);
            }
            cx += cw + 1;
        }
    }
}

/* ---- search ------------------------------------------------------------ */

static int row_matches(const ui_table *t, app *a, size_t row, const char *s)
{
    char cell[256];
    for (int c = 0; c < t->ncols; c++) {
        if (t->cols[c].kind == COL_BAR) continue;
        t->text(t, a, row, c, 0, cell, sizeof cell);
        if (strcasestr(cell, s)) return 1;
        t->text(t, a, row, c, 1, cell, sizeof cell);   /* "1337" finds "1,337" too */
        if (strcasestr(cell, s)) return 1;
    }
    return 0;
}

/* Moves to the next (step 1) or previous (-1) row matching the search,
 * from the cursor (from the cursor's own row when here), wrapping; says
 * in the status line where it landed, or that nothing matched. */
static void find_next(ui_table *t, app *a, int step, int here)
{
    char pos[32], tot[32];
    if (!t->find[0]) { app_message(a, 1, "No search yet: press / and type what to find."); return; }
    if (!t->n) { app_message(a, 1, "Not found: the table is empty."); return; }
    for (size_t k = here ? 0 : 1; k <= t->n; k++) {
        size_t at = (size_t)(((long long)t->cursor + step * (long long)k) % (long long)t->n + (long long)t->n) % t->n;
        if (!row_matches(t, a, t->order[at], t->find)) continue;
        int wrapped = k && (step > 0 ? at <= (size_t)t->cursor : at >= (size_t)t->cursor);
        t->cursor = (int)at;
        app_message(a, 0, "'%s': row %s of %s%s (n next, N previous).", t->find, numfmt_count(at + 1, pos, sizeof pos),
                    numfmt_count(t->n, tot, sizeof tot), wrapped && k < t->n ? ", wrapped" : "");
        return;
    }
    app_message(a, 1, "Not found: no row in this table has '%s'.", t->find);
}

/* ---- export ------------------------------------------------------------ */

/* A CSV field: quoted when it holds a comma, a quote or a line break. */
static int put_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) return fputs(s, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF) return -1;
    for (; *s; s++) {
        if (*s == '"' && fputc('"', f) == EOF) return -1;
        if (fputc(*s, f) == EOF) return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

int table_write_csv(const ui_table *t, app *a, FILE *f)
{
    char cell[256];
    int first = 1;
    for (int c = 0; c < t->ncols; c++) {
        if (t->cols[c].kind == COL_BAR) continue;
        if ((!first && fputc(',', f) == EOF) || put_field(f, t->cols[c].csv ? t->cols[c].csv : t->cols[c].name)) return -1;
        first = 0;
    }
    if (fputc('\n', f) == EOF) return -1;
    for (size_t i = 0; i < t->n; i++) {
        first = 1;
        for (int c = 0; c < t->ncols; c++) {
            if (t->cols[c].kind == COL_BAR) continue;
            t->text(t, a, t->order[i], c, 1, cell, sizeof cell);
            if ((!first && fputc(',', f) == EOF) || put_field(f, cell)) return -1;
            first = 0;
        }
        if (fputc('\n', f) == EOF) return -1;
    }
    return 0;
}

/* E: the whole table, in its current order, to a CSV the person names
 * (atomic: a failed write leaves any earlier file as it was). */
static void export_csv(ui_table *t, app *a)
{
    char dflt[96], path[PATH_MAX + 256], cnt[32];
    snprintf(dflt, sizeof dflt, "%s.csv", t->name ? t->name : "table");
    if (!app_ask_path(a, "Export this table as CSV to (Enter accepts, Esc cancels):", dflt, path, sizeof path)) return;
    atomic_file af;
    if (atomic_open(&af, path)) { app_message(a, 1, "Could not write %s: %s.", path, strerror(errno)); return; }
    FILE *f = fdopen(af.fd, "w");
    if (!f) { int e = errno; atomic_abort(&af); app_message(a, 1, "Could not write %s: %s.", path, strerror(e)); return; }
    int bad = table_write_csv(t, a, f);
    if (fflush(f) == EOF) bad = -1;
    int e = errno;
    af.fd = dup(fileno(f));   /* atomic_commit closes its own descriptor */
    fclose(f);
    if (bad || af.fd < 0) { atomic_abort(&af); app_message(a, 1, "Could not write %s: %s.", path, strerror(e)); return; }
    const char *step = NULL;
    if (atomic_commit(&af, &step)) {
        app_message(a, 1, "Could not write %s (%s): %s.", path, step ? step : "write", strerror(errno));
        return;
    }
    char where[PATH_MAX * 2 + 300], cwd[PATH_MAX];
    if (path[0] != '/' && getcwd(cwd, sizeof cwd)) snprintf(where, sizeof where, "%s/%s", cwd, path);
    else snprintf(where, sizeof where, "%s", path);
    app_message(a, 0, "Table written to %s: %s rows in the order shown.", where, numfmt_count(t->n, cnt, sizeof cnt));
}

/* ---- keys ------------------------------------------------------------- */

int table_key(ui_table *t, app *a, int ch)
{
    if (list_key(ch, &t->cursor, (int)t->n, t->page > 0 ? t->page : 10)) return 1;
    if (ch == 's') {   /* the next sortable column; a number sorts largest first */
        int c = t->sort_col;
        for (int k = 0; k < t->ncols; k++) {
            c = (c + 1) % t->ncols;
            if (sortable(t, c)) break;
        }
        t->sort_col = c;
        t->sort_desc = t->cols[c].kind == COL_NUM;
        sort_rows(t, a);
        table_home(t);   /* a new order is read from its first row */
        app_message(a, 0, "Sorted by %s, %s (s: next column, S: reverse).", t->cols[c].name,
                    t->sort_desc ? "largest first" : "smallest first");
        return 1;
    }
    if (ch == 'S') {
        if (!sortable(t, t->sort_col)) { app_message(a, 1, "Press s first to choose a column to sort by."); return 1; }
        t->sort_desc = !t->sort_desc;
        sort_rows(t, a);
        table_home(t);
        app_message(a, 0, "Sorted by %s, %s.", t->cols[t->sort_col].name, t->sort_desc ? "largest first" : "smallest first");
        return 1;
    }
    if (ch == '/') {
        char buf[sizeof t->find];
        snprintf(buf, sizeof buf, "%s", t->find);
        if (!app_prompt(a, "Find in this table (Enter finds, Esc cancels):", buf, sizeof buf) || !buf[0]) return 1;
        snprintf(t->find, sizeof t->find, "%s", buf);
        find_next(t, a, 1, 1);
        return 1;
    }
    if (ch == 'n') { find_next(t, a, 1, 0); return 1; }
    if (ch == 'N') { find_next(t, a, -1, 0); return 1; }
    if (ch == 'E') { export_csv(t, a); return 1; }
    return 0;
}
