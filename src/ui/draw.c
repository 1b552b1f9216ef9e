/* draw.c: drawing primitives shared by the panes: text that never overflows
 * its box, horizontal bars, sparklines, vertical histograms with labelled
 * axes, and a character canvas for node-link pictures. Block glyphs in a
 * UTF-8 locale, plain ASCII otherwise. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nettui/numfmt.h"
#include "ui.h"

/* numfmt_si, the one size formatter (numfmt.c), under the name the panes use */
char *fmt_si(double v, char *buf, size_t len)
{
    return numfmt_si(v, buf, len);
}

char *fmt_time_utc(int64_t ms, char *buf, size_t len)
{
    /* any int64 (a corrupt column under a valid facts cache): outside the
     * loader's range "?", with no arithmetic on it and no unset tm */
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || ms > LOAD_TS_MAX_MS || !gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M", &tm))
        snprintf(buf, len, "?");
    return buf;
}

/* Contract: writes at most width columns of s at (y, x); s is ASCII (host
 * names, numbers, labels). Pads the rest of the box with spaces when pad. */
void draw_text(WINDOW *w, int y, int x, int width, const char *s, attr_t a, int pad)
{
    if (width <= 0 || y < 0 || y >= getmaxy(w) || x >= getmaxx(w)) return;
    if (x + width > getmaxx(w)) width = getmaxx(w) - x;
    int n = (int)strlen(s);
    if (n > width) n = width;
    wattrset(w, a);
    mvwaddnstr(w, y, x, s, n);
    if (pad)
        for (int i = n; i < width; i++) waddch(w, ' ');
    wattrset(w, A_NORMAL);
}

void draw_textf(WINDOW *w, int y, int x, int width, attr_t a, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    draw_text(w, y, x, width, buf, a, 0);
}

static const char *const eighths_h[8] = {"", "\u258f", "\u258e", "\u258d", "\u258c", "\u258b", "\u258a", "\u2589"};
static const char *const eighths_v[9] = {" ", "\u2581", "\u2582", "\u2583", "\u2584", "\u2585", "\u2586", "\u2587", "\u2588"};
#define FULL_BLOCK "\u2588"

/* Contract: a bar of round(frac*width*8) eighths; a non-zero value always
 * shows at least a sliver, so "tiny" and "none" look different. */
void draw_hbar(WINDOW *w, int y, int x, int width, double frac, attr_t a)
{
    if (width <= 0 || !(frac > 0)) return;
    if (frac > 1) frac = 1;
    wattrset(w, a);
    wmove(w, y, x);
    if (term_unicode()) {
        long e = lround(frac * width * 8);
        if (e < 1) e = 1;
        for (long i = 0; i < e / 8; i++) waddstr(w, FULL_BLOCK);
        if (e % 8) waddstr(w, eighths_h[e % 8]);
    } else {
        long c = lround(frac * width);
        if (c < 1) c = 1;
        for (long i = 0; i < c; i++) waddch(w, '#');
    }
    wattrset(w, A_NORMAL);
}

/* Contract: column c shows the largest of the values that fall into it, so a
 * one-hour spike survives squeezing 120 hours into 60 columns. */
void draw_sparkline(WINDOW *w, int y, int x, int width, const double *v, int n, attr_t a)
{
    static const char ascii[] = " .:-=+*#@";
    if (width <= 0 || n <= 0) return;
    double max = 0;
    for (int i = 0; i < n; i++) if (v[i] > max) max = v[i];
    int cols = n < width ? n : width;
    wattrset(w, a);
    wmove(w, y, x);
    for (int c = 0; c < cols; c++) {
        int i0 = (int)((long)c * n / cols), i1 = (int)((long)(c + 1) * n / cols);
        if (i1 <= i0) i1 = i0 + 1;
        double m = 0;
        for (int i = i0; i < i1 && i < n; i++) if (v[i] > m) m = v[i];
        int level = max > 0 ? (int)lround(m / max * 8) : 0;
        if (m > 0 && level == 0) level = 1;
        if (term_unicode()) waddstr(w, eighths_v[level]);
        else waddch(w, (chtype)(unsigned char)ascii[level]);
    }
    wattrset(w, A_NORMAL);
}

static double scale_value(double v, int log_scale)
{
    if (v <= 0) return 0;
    return log_scale ? log10(1 + v) : v;
}

/* Contract: when there are more buckets than columns, k neighbours merge into
 * one column (summed; marked if any is; the highlight follows its bucket), and
 * xlabel is asked for the first bucket of each column. */
int draw_vhist(WINDOW *w, int y, int x, int h, int width, const vhist *hs)
{
    char buf[32];
    const int axis = 8;                 /* "10.6G |" */
    if (hs->n <= 0 || h < 5 || width < axis + 4) return 0;
    int cols_free = width - axis;
    int k = (hs->n + cols_free - 1) / cols_free;
    if (k < 1) k = 1;
    int n = (hs->n + k - 1) / k;
    double *v = calloc((size_t)n, sizeof *v);
    uint8_t *mark = calloc((size_t)n, 1);
    if (!v || !mark) { free(v); free(mark); return 0; }
    for (int i = 0; i < hs->n; i++) {
        v[i / k] += hs->v[i];
        if (hs->mark && hs->mark[i]) mark[i / k] = 1;
    }
    int highlight = hs->highlight >= 0 ? hs->highlight / k : -1;
    double max = 0;
    for (int i = 0; i < n; i++) if (v[i] > max) max = v[i];
    int under = hs->mark && hs->mark_label ? 1 : 0;
    int bars_h = h - 3 - under;         /* unit line on top, axis + labels (+ mark line) below */
    int bw = cols_free / n;
    if (bw < 1) bw = 1;
    double smax = scale_value(max, hs->log_scale);

    /* the scale is the y axis's: say so, as the unit may name the x axis too */
    draw_textf(w, y, x, width, term_attr(ROLE_DIM), "%s%s", hs->y_unit ? hs->y_unit : "",
               hs->log_scale ? " (y axis: log scale)" : "");
    for (int r = 0; r < bars_h; r++) {
        int yy = y + 1 + r;
        if (r == 0 || r == bars_h / 2) {   /* axis labels: the top and the middle */
            double lv = smax * (1.0 - (double)r / bars_h);
            fmt_si(hs->log_scale ? pow(10, lv) - 1 : lv, buf, sizeof buf);
            draw_textf(w, yy, x, axis - 1, term_attr(ROLE_DIM), "%6s", buf);
        }
        mvwaddch(w, yy, x + axis - 1, term_unicode() ? ACS_VLINE : '|');
    }
    for (int i = 0; i < n; i++) {
        double sv = scale_value(v[i], hs->log_scale);
        long e = lround(smax > 0 ? sv / smax * bars_h * 8 : 0);
        if (v[i] > 0 && e < 1) e = 1;
        ui_role role = i == highlight ? ROLE_OUTLIER : mark[i] ? ROLE_BAR_ALT : ROLE_BAR;
        wattrset(w, term_attr(role));
        for (int r = 0; r < bars_h; r++) {
            long level = e - (long)(bars_h - 1 - r) * 8;   /* eighths in this row */
            if (level <= 0) continue;
            if (level > 8) level = 8;
            for (int c = 0; c < bw - (bw > 2 ? 1 : 0); c++) {
                wmove(w, y + 1 + r, x + axis + i * bw + c);
                if (term_unicode()) waddstr(w, eighths_v[level]);
                else waddch(w, level >= 4 ? (i == highlight ? '@' : mark[i] ? '%' : '#') : '.');
            }
        }
        wattrset(w, A_NORMAL);
    }
    /* x axis with 0 at its left end, and as many labels as fit without touching */
    int yy = y + 1 + bars_h;
    draw_textf(w, yy, x, axis - 1, term_attr(ROLE_DIM), "%6s", "0");
    wmove(w, yy, x + axis - 1);
    waddch(w, term_unicode() ? ACS_LLCORNER : '+');
    for (int c = 0; c < n * bw; c++) waddch(w, term_unicode() ? ACS_HLINE : '-');
    if (hs->xlabel) {
        int next_free = 0;
        for (int i = 0; i < n; i++) {
            hs->xlabel(i * k, buf, sizeof buf, hs->ctx);
            int lx = axis + i * bw, l = (int)strlen(buf);
            if (!l || lx < next_free) continue;
            if (lx + l > width) break;
            draw_text(w, yy + 1, x + lx, l, buf, term_attr(i == highlight ? ROLE_OUTLIER : ROLE_DIM), 0);
            next_free = lx + l + 1;
        }
    }
    if (under) {   /* "=== work hours ===" under each marked run, so it shows without colour */
        int i = 0;
        while (i < n) {
            if (!mark[i]) { i++; continue; }
            int j = i;
            while (j < n && mark[j]) j++;
            int x0 = x + axis + i * bw, len = (j - i) * bw - (bw > 2 ? 1 : 0);
            char line[512];
            if (len > (int)sizeof line - 1) len = (int)sizeof line - 1;
            memset(line, '=', (size_t)len);
            line[len] = 0;
            int ll = (int)strlen(hs->mark_label), at = (len - ll) / 2;
            if (ll + 4 <= len) {
                line[at - 1] = ' ';
                memcpy(line + at, hs->mark_label, (size_t)ll);
                line[at + ll] = ' ';
            }
            draw_text(w, yy + 2, x0, len, line, term_attr(ROLE_BAR_ALT), 0);
            i = j;
        }
    }
    free(v);
    free(mark);
    return bw;
}

int canvas_init(canvas *c, int w, int h)
{
    c->w = w; c->h = h;
    c->cell = malloc((size_t)w * h);
    c->role = malloc((size_t)w * h);
    if (!c->cell || !c->role) { free(c->cell); free(c->role); c->cell = NULL; c->role = NULL; return -1; }
    memset(c->cell, ' ', (size_t)w * h);
    memset(c->role, ROLE_DIM, (size_t)w * h);
    return 0;
}

void canvas_free(canvas *c)
{
    free(c->cell); free(c->role);
    c->cell = NULL; c->role = NULL;
}

void canvas_put(canvas *c, int x, int y, char ch, ui_role r)
{
    if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
    c->cell[(size_t)y * c->w + x] = ch;
    c->role[(size_t)y * c->w + x] = (uint8_t)r;
}

/* Bresenham; an edge never overwrites a node or another edge already drawn
 * (except dots); ch 0 picks - | / \\ by the slope. */
void canvas_line(canvas *c, int x0, int y0, int x1, int y1, char ch, ui_role r)
{
    if (!ch) {   /* by slope; a cell is about twice as tall as wide */
        int vx = x1 - x0, vy = 2 * (y1 - y0);
        if (abs(vx) >= 2 * abs(vy)) ch = '-';
        else if (abs(vy) >= 2 * abs(vx)) ch = '|';
        else ch = (vx > 0) == (vy > 0) ? '\\' : '/';
    }
    int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
    int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
    int err = dx + dy;
    for (;;) {
        if (x0 >= 0 && y0 >= 0 && x0 < c->w && y0 < c->h) {
            char *cell = &c->cell[(size_t)y0 * c->w + x0];
            if (*cell == ' ' || *cell == '.') canvas_put(c, x0, y0, ch, r);
        }
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * err;
        if (e2 >= dy) { err += dy; x0 += sx; }
        if (e2 <= dx) { err += dx; y0 += sy; }
    }
}

void canvas_blit(const canvas *c, WINDOW *w, int y, int x)
{
    for (int r = 0; r < c->h; r++) {
        wmove(w, y + r, x);
        for (int col = 0; col < c->w; col++) {
            size_t i = (size_t)r * c->w + col;
            wattrset(w, term_attr((ui_role)c->role[i]));
            waddch(w, (chtype)(unsigned char)c->cell[i]);
        }
    }
    wattrset(w, A_NORMAL);
}

/* Contract: word-wraps s into at most maxlines lines of width columns;
 * returns the lines used. */
int draw_wrapped(WINDOW *w, int y, int x, int width, int maxlines, const char *s, attr_t a)
{
    int used = 0;
    while (*s && used < maxlines && width > 0) {
        while (*s == ' ') s++;
        int n = (int)strlen(s);
        if (n > width) {
            n = width;
            while (n > 0 && s[n] != ' ') n--;
            if (n == 0) n = width;
        }
        char line[512];
        snprintf(line, sizeof line, "%.*s", n, s);
        draw_text(w, y + used, x, width, line, a, 0);
        used++;
        s += n;
    }
    return used;
}
