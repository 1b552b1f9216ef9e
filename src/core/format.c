/* format.c: the flow format of a file from its content, the column map of
 * each format, nfdump's trailing Summary block, and Zeek's JSON rows. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nettui/format.h"

static const char *const names[FORMAT_COUNT] = {"auto", "csv", "nfdump-csv", "zeek-conn-tsv", "zeek-conn-json"};

const char *format_name(flow_format f)
{
    return (unsigned)f < FORMAT_COUNT ? names[f] : "?";
}

int format_from_name(const char *s, flow_format *out)
{
    for (int f = 0; f < FORMAT_COUNT; f++)
        if (strcmp(s, names[f]) == 0) { *out = (flow_format)f; return 0; }
    return -1;
}

/* ---- detection ------------------------------------------------------------- */

/* The end of the line at p (its newline, or end). */
static const char *line_end(const char *p, const char *end)
{
    if (p >= end) return end;
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    return nl ? nl : end;
}

/* Column i of the delim-separated fields in [p, e): maps the names of the
 * roles (names[role], exact) to their columns. Returns the field count. */
static int map_columns(const char *p, const char *e, char delim, const char *const role_names[FROLE_COUNT],
                       int col[FROLE_COUNT])
{
    int n = 0;
    while (p <= e) {
        const char *f = p;
        while (p < e && *p != delim) p++;
        const char *fe = p;
        while (fe > f && (fe[-1] == '\r' || fe[-1] == ' ')) fe--;
        while (f < fe && *f == ' ') f++;
        for (int r = 0; r < FROLE_COUNT; r++)
            if (col[r] < 0 && (size_t)(fe - f) == strlen(role_names[r]) && memcmp(f, role_names[r], (size_t)(fe - f)) == 0)
                col[r] = n;
        n++;
        if (p == e) break;
        p++;
    }
    return n;
}

static void set_cols(int col[FROLE_COUNT], int a, int b, int c, int d, int e)
{
    col[0] = a; col[1] = b; col[2] = c; col[3] = d; col[4] = e;
}

static void fill_defaults(int col[FROLE_COUNT], const int def[FROLE_COUNT])
{
    for (int r = 0; r < FROLE_COUNT; r++)
        if (col[r] < 0) col[r] = def[r];
}

void format_detect(const char *head, size_t len, int whole, flow_format forced, format_layout *fl)
{
    (void)whole;
    memset(fl, 0, sizeof *fl);
    fl->delim = ',';
    for (int r = 0; r < FROLE_COUNT; r++) fl->col[r] = r;
    const char *end = head + len, *p = head;
    if (len >= 3 && memcmp(p, "\xef\xbb\xbf", 3) == 0) p += 3;
    const char *start = p;
    /* the first non-blank character */
    const char *q = p;
    while (q < end && (*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n')) q++;

    flow_format f = forced;
    if (f == FORMAT_AUTO) {
        if ((size_t)(end - p) >= 10 && memcmp(p, "#separator", 10) == 0) f = FORMAT_ZEEK_TSV;
        else if (q < end && *q == '{') f = FORMAT_ZEEK_JSON;
        else if ((size_t)(end - p) >= 15 && memcmp(p, "ts,te,td,sa,da,", 15) == 0) f = FORMAT_NFDUMP_CSV;
        else f = FORMAT_CSV;
    }
    fl->format = f;
    switch (f) {
    case FORMAT_NFDUMP_CSV: {
        static const char *const rn[FROLE_COUNT] = {"ts", "sa", "da", "dp", "ibyt"};
        static const int def[FROLE_COUNT] = {0, 3, 4, 6, 12};
        set_cols(fl->col, -1, -1, -1, -1, -1);
        const char *e = line_end(p, end);
        if ((size_t)(e - p) >= 3 && memcmp(p, "ts,", 3) == 0) {
            fl->nfields = map_columns(p, e, ',', rn, fl->col);
            fl->data_start = (uint64_t)(e - head) + (e < end);
            fl->header_lines = 1;
        } else {
            fl->nfields = map_columns(p, e, ',', rn, fl->col);   /* a data line: count only */
            fl->data_start = (uint64_t)(start - head);
        }
        fill_defaults(fl->col, def);
        break;
    }
    case FORMAT_ZEEK_TSV: {
        static const char *const rn[FROLE_COUNT] = {"ts", "id.orig_h", "id.resp_h", "id.resp_p", "orig_bytes"};
        static const int def[FROLE_COUNT] = {0, 2, 4, 5, 9};
        set_cols(fl->col, -1, -1, -1, -1, -1);
        fl->delim = '\t';
        fl->seconds = 1;
        fl->unset_dash = 1;
        fl->comments = 1;
        /* the leading '#' lines are the header; #fields names the columns */
        while (p < end && *p == '#') {
            const char *e = line_end(p, end);
            /* "#separator \x09" (Zeek's default, and all we have met) */
            if ((size_t)(e - p) >= 15 && memcmp(p, "#separator \\x", 13) == 0) {
                unsigned v = 0;
                for (int i = 13; i < 15; i++) {
                    char c = p[i];
                    v = v * 16 + (unsigned)(c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                            : c >= 'A' && c <= 'F' ? c - 'A' + 10 : 0);
                }
                if (v && v != '\n' && v != '\r' && v != '"') fl->delim = (char)v;
            }
            if ((size_t)(e - p) > 8 && memcmp(p, "#fields", 7) == 0 && p[7] == fl->delim)
                fl->nfields = map_columns(p + 8, e, fl->delim, rn, fl->col);
            fl->header_lines++;
            p = e < end ? e + 1 : end;
        }
        fl->data_start = (uint64_t)(p - head);
        if (!fl->nfields) {          /* no #fields: conn.log's own order, the first row's width */
            const char *e = line_end(p, end);
            int n = 1;
            for (const char *c = p; c < e; c++) n += *c == fl->delim;
            fl->nfields = n;
        }
        fill_defaults(fl->col, def);
        break;
    }
    case FORMAT_ZEEK_JSON:
        fl->nfields = FROLE_COUNT;
        fl->seconds = 1;
        fl->json = 1;
        fl->data_start = (uint64_t)(start - head);
        break;
    default:
        break;
    }
    fl->lines = f != FORMAT_CSV;
    /* every role its own column inside the row, else no row fits the
     * format: nfields 0 makes each a bad line of kind "fields" */
    for (int r = 0; f != FORMAT_CSV && r < FROLE_COUNT; r++) {
        int ok = fl->col[r] >= 0 && fl->col[r] < fl->nfields;
        for (int k = 0; ok && k < r; k++) ok = fl->col[k] != fl->col[r];
        if (!ok) {
            fl->nfields = 0;
            set_cols(fl->col, 0, 1, 2, 3, 4);
            break;
        }
    }
}

uint64_t format_data_end(int fd, uint64_t size, const format_layout *fl)
{
    if (fl->format != FORMAT_NFDUMP_CSV || size == 0) return size;
    char buf[65536 + 1];
    uint64_t from = size > 65536 ? size - 65536 : 0;
    ssize_t got = pread(fd, buf, (size_t)(size - from), (off_t)from);
    if (got <= 0) return size;
    buf[got] = 0;
    /* the last "Summary" that is a line of its own */
    uint64_t found = size;
    for (ssize_t i = 0; i + 7 <= got; i++) {
        if (memcmp(buf + i, "Summary", 7) != 0) continue;
        if (i > 0 && buf[i - 1] != '\n') continue;
        if (i == 0 && from > 0) continue;
        size_t k = (size_t)i + 7;
        if (k < (size_t)got && buf[k] == '\r') k++;
        if (k < (size_t)got && buf[k] != '\n') continue;
        found = from + (uint64_t)i;
    }
    return found;
}

/* ---- JSON rows ---------------------------------------------------------------- */

void format_lines_init(format_line_parser *p, char delim, int last_col)
{
    memset(p, 0, sizeof *p);
    p->delim = delim;
    p->last_col = last_col;
}

void format_lines_drop(format_line_parser *p)
{
    p->len = 0;
}

void format_lines_free(format_line_parser *p)
{
    free(p->line);
    for (int r = 0; r < FROLE_COUNT; r++) free(p->field[r]);
    memset(p, 0, sizeof *p);
}

static int grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return 0;
    size_t c = *cap ? *cap : 64;
    while (c < need) c *= 2;
    char *b = realloc(*buf, c + 16);   /* 16 spare bytes: the loader's text_key (load_priv.h) */
    if (!b) return -1;
    memset(b + c, 0, 16);
    *buf = b;
    *cap = c;
    return 0;
}

static const char *skip_ws(const char *s, const char *e)
{
    while (s < e && (*s == ' ' || *s == '\t' || *s == '\r')) s++;
    return s;
}

/* Past the string whose opening quote is at s, or NULL. *esc: it has escapes. */
static const char *skip_string(const char *s, const char *e, int *esc)
{
    for (s++; s < e; s++) {
        const char *q = memchr(s, '"', (size_t)(e - s));
        if (!q) return NULL;
        /* escaped when an odd number of backslashes stand before it */
        const char *b = q;
        while (b > s && b[-1] == '\\') b--;
        if (((q - b) & 1) == 0) return q + 1;
        if (esc) *esc = 1;
        s = q;
    }
    return NULL;
}

/* Past the value at s (string, number, literal, object or array), or NULL. */
static const char *skip_value(const char *s, const char *e)
{
    if (s >= e) return NULL;
    if (*s == '"') return skip_string(s, e, NULL);
    if (*s == '{' || *s == '[') {
        int depth = 0;
        while (s < e) {
            if (*s == '"') { s = skip_string(s, e, NULL); if (!s) return NULL; continue; }
            if (*s == '{' || *s == '[') depth++;
            else if (*s == '}' || *s == ']') { if (--depth == 0) return s + 1; }
            s++;
        }
        return NULL;
    }
    const char *v = s;
    while (s < e && *s != ',' && *s != '}' && *s != ' ' && *s != '\t' && *s != '\r') s++;
    return s > v ? s : NULL;
}

static int json_role(const char *k, size_t n)
{
    switch (n) {        /* by length first: most keys are none of the five */
    case 2: return k[0] == 't' && k[1] == 's' ? FROLE_TS : -1;
    case 9:
        if (memcmp(k, "id.orig_h", 9) == 0) return FROLE_SRC;
        if (memcmp(k, "id.resp_h", 9) == 0) return FROLE_DST;
        if (memcmp(k, "id.resp_p", 9) == 0) return FROLE_PORT;
        return -1;
    case 10: return memcmp(k, "orig_bytes", 10) == 0 ? FROLE_BYTES : -1;
    default: return -1;
    }
}

/* Copies a value's text into field r: a string without its quotes (simple
 * escapes undone), anything else as written. */
static int set_field(format_line_parser *p, int r, const char *v, const char *ve, size_t *flen)
{
    int str = *v == '"';
    if (str) { v++; ve--; }
    size_t n = (size_t)(ve - v);
    if (grow(&p->field[r], &p->fcap[r], n + 1)) return -1;
    size_t j = 0;
    for (const char *c = v; c < ve; c++) {
        if (str && *c == '\\' && c + 1 < ve) {
            c++;
            char x = *c == 'n' ? '\n' : *c == 't' ? '\t' : *c == 'r' ? '\r' : *c == 'b' ? '\b' : *c == 'f' ? '\f' : *c;
            p->field[r][j++] = x;
        } else {
            p->field[r][j++] = *c;
        }
    }
    p->field[r][j] = 0;
    flen[r] = j;
    return 0;
}

/* The bytes equal to d in [s, e): eight at a time (an exact zero-byte count
 * of s ^ d, no borrow between bytes), the tail one by one. */
static size_t count_byte(const char *s, const char *e, char d)
{
    size_t k = 0;
    const uint64_t ones = 0x0101010101010101ull, low7 = 0x7f7f7f7f7f7f7f7full;
    const uint64_t dd = ones * (unsigned char)d;
    for (; e - s >= 8; s += 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        v ^= dd;
        uint64_t t = (v & low7) + low7;
        t = ~(t | v | low7);               /* 0x80 in each byte that was d */
        k += (size_t)__builtin_popcountll(t);
    }
    for (; s < e; s++) k += *s == d;
    return k;
}

/* One delimited line: the fields up to last_col one by one, the rest counted. */
static void split_line(const format_line_parser *p, const char *s, size_t n, int term, format_field_cb cb1,
                       format_row_cb cb2, format_skip_cb skip, void *data)
{
    while (n && s[n - 1] == '\r') n--;
    if (n == 0) { cb2(term, data); return; }
    const char *f = s, *e = s + n;
    char d = p->delim;
    for (int col = 0;; col++) {
        if (col > p->last_col) {        /* the unused rest: only counted */
            skip(1 + count_byte(f, e, d), data);
            break;
        }
        const char *x = f;
        while (x < e && *x != d) x++;   /* fields are short: no memchr call */
        cb1((void *)f, (size_t)(x - f), data);
        if (x == e) break;
        f = x + 1;
    }
    cb2(term, data);
}

static int json_line(format_line_parser *p, const char *s, size_t n, int term,
                     void (*cb1)(void *, size_t, void *), void (*cb2)(int, void *), void *data)
{
    const char *e = s + n;
    while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t')) e--;
    const char *c = skip_ws(s, e);
    if (c == e) { cb2(term, data); return 0; }    /* a blank line */
    size_t flen[FROLE_COUNT];
    int have[FROLE_COUNT] = {0};
    int ok = *c == '{';
    if (ok) {
        c = skip_ws(c + 1, e);
        if (c < e && *c == '}') c++;
        else for (;;) {
            if (c >= e || *c != '"') { ok = 0; break; }
            const char *k = c + 1;
            const char *ke = skip_string(c, e, NULL);
            if (!ke) { ok = 0; break; }
            c = skip_ws(ke, e);
            if (c >= e || *c != ':') { ok = 0; break; }
            c = skip_ws(c + 1, e);
            const char *v = c;
            const char *ve = skip_value(c, e);
            if (!ve) { ok = 0; break; }
            int r = json_role(k, (size_t)(ke - 1 - k));
            int null = ve - v == 4 && memcmp(v, "null", 4) == 0;
            if (r >= 0 && !null) {
                if (set_field(p, r, v, ve, flen)) return -1;
                have[r] = 1;
            }
            c = skip_ws(ve, e);
            if (c < e && *c == ',') { c = skip_ws(c + 1, e); continue; }
            if (c < e && *c == '}') { c++; break; }
            ok = 0;
            break;
        }
        if (ok && skip_ws(c, e) != e) ok = 0;
    }
    if (!ok) {   /* not an object: one field, a bad line of kind "fields" */
        if (grow(&p->field[0], &p->fcap[0], 1)) return -1;
        p->field[0][0] = 0;
        cb1(p->field[0], 0, data);
        cb2(term, data);
        return 0;
    }
    if (!have[FROLE_BYTES]) {      /* Zeek leaves an unset orig_bytes out: 0 bytes */
        static const char zero[] = "0";
        if (set_field(p, FROLE_BYTES, zero, zero + 1, flen)) return -1;
        have[FROLE_BYTES] = 1;
    }
    for (int r = 0; r < FROLE_COUNT; r++) {
        if (!have[r]) {
            if (grow(&p->field[r], &p->fcap[r], 1)) return -1;
            p->field[r][0] = 0;
            flen[r] = 0;
        }
        cb1(p->field[r], flen[r], data);
    }
    cb2(term, data);
    return 0;
}

static int one_line(format_line_parser *p, const char *s, size_t n, int term, format_field_cb cb1,
                    format_row_cb cb2, format_skip_cb skip, void *data)
{
    if (!p->delim) return json_line(p, s, n, term, cb1, cb2, data);
    split_line(p, s, n, term, cb1, cb2, skip, data);
    return 0;
}

int format_lines_parse(format_line_parser *p, const char *s, size_t len, format_field_cb cb1,
                       format_row_cb cb2, format_skip_cb skip, void *data)
{
    size_t i = 0;
    while (i < len) {
        const char *nl = memchr(s + i, '\n', len - i);
        size_t take = nl ? (size_t)(nl - (s + i)) : len - i;
        if (!nl || p->len) {
            if (grow(&p->line, &p->cap, p->len + take + 1)) return -1;
            memcpy(p->line + p->len, s + i, take);
            p->len += take;
        }
        if (!nl) break;
        int rc = p->len ? one_line(p, p->line, p->len, '\n', cb1, cb2, skip, data)
                        : one_line(p, s + i, take, '\n', cb1, cb2, skip, data);
        p->len = 0;
        if (rc) return -1;
        i += take + 1;
    }
    return 0;
}

void format_lines_fini(format_line_parser *p, format_field_cb cb1, format_row_cb cb2, format_skip_cb skip,
                       void *data)
{
    if (p->len) one_line(p, p->line, p->len, -1, cb1, cb2, skip, data);
    p->len = 0;
}
