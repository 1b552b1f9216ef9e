/* load_probe.c: what the first PROBE_BYTES of a flow file say about the
 * rest (load_probe): a header line or not, which column is which (by name, else
 * by position), whether timestamps are seconds (the median of the first good
 * lines), the format (nfdump and Zeek through format.c), whether a quote
 * forces one parser, and the mean line length the regions are sized from.
 * It never fails on content: a layout that fits no line makes every line
 * malformed, and the load says so. */
#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load_num.h"
#include "load_priv.h"
#include "nettui/format.h"

#define PROBE_ROWS 32

/* "Src IP" -> "srcip": lower case, without spaces, '_', '-' and '.'. */
static void header_key(const char *s, size_t len, char *out, size_t outlen)
{
    size_t j = 0;
    for (size_t i = 0; i < len && j + 1 < outlen; i++) {
        char c = s[i];
        if (c == ' ' || c == '_' || c == '-' || c == '.' || c == '\t') continue;
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        out[j++] = c;
    }
    out[j] = 0;
}

static int header_role(const char *s, size_t len)
{
    static const char *const names[ROLE_COUNT][16] = {
        {"timestamp", "ts", "time", "epoch", "timems", "timestampms", "date", NULL},
        {"src", "source", "srcip", "sa", "srcaddr", "sourceip", "sourceaddress", "srcaddress",
         "sip", "from", NULL},
        {"dst", "destination", "dstip", "da", "dstaddr", "dest", "destip", "destinationip",
         "destinationaddress", "dstaddress", "dip", "to", NULL},
        {"port", "dport", "dstport", "dp", "destport", "destinationport", NULL},
        {"bytes", "nbytes", "octets", "byt", "bytesout", "ibyt", "inbytes", "outbytes", "size",
         "numbytes", NULL},
    };
    char key[40];
    header_key(s, len, key, sizeof key);
    for (int r = 0; r < ROLE_COUNT; r++)
        for (int i = 0; names[r][i]; i++)
            if (strcmp(key, names[r][i]) == 0) return r;
    return ROLE_NONE;
}

_Static_assert(ROLE_TS == LOAD_ROLE_TS && ROLE_SRC == LOAD_ROLE_SRC && ROLE_DST == LOAD_ROLE_DST
               && ROLE_PORT == LOAD_ROLE_PORT && ROLE_BYTES == LOAD_ROLE_BYTES, "load.h's roles are the loader's");

int load_column_role(const char *name, size_t len)
{
    int r = header_role(name, len);
    return r == ROLE_NONE ? -1 : r;
}

/* ---- the probe: the first rows of the file ---------------------------------- */

typedef struct probe_row {
    int nfields;
    char *field[LAYOUT_MAX_FIELDS];
    size_t len[LAYOUT_MAX_FIELDS];
} probe_row;

typedef struct probe {
    probe_row rows[PROBE_ROWS];
    int nrows;
    probe_row cur;
    int failed;
} probe;

static void probe_field(void *s, size_t len, void *data)
{
    probe *p = data;
    if (p->nrows >= PROBE_ROWS) return;
    int i = p->cur.nfields++;
    if (i >= LAYOUT_MAX_FIELDS) return;
    char *copy = malloc(len + 1);
    if (!copy) { p->failed = 1; return; }
    memcpy(copy, s ? s : "", len);
    copy[len] = 0;
    p->cur.field[i] = copy;
    p->cur.len[i] = len;
}

static void probe_row_free(probe_row *r)
{
    int n = r->nfields < LAYOUT_MAX_FIELDS ? r->nfields : LAYOUT_MAX_FIELDS;
    for (int i = 0; i < n; i++) free(r->field[i]);
    r->nfields = 0;
}

static void probe_end_row(int c, void *data)
{
    probe *p = data;
    (void)c;
    if (p->cur.nfields == 0) return;     /* a blank line */
    if (p->nrows < PROBE_ROWS) p->rows[p->nrows++] = p->cur;
    else probe_row_free(&p->cur);
    memset(&p->cur, 0, sizeof p->cur);
}

static int is_number(const char *s, size_t len)
{
    int64_t v;
    return parse_ts(s, len, 0, &v) == 0;
}

/* Decides the layout from the probe's rows: header or not, which column is
 * which, seconds or milliseconds. Never fails: a layout that fits no line
 * makes every line malformed, and the load says so. */
static void layout_decide(const probe *p, layout *lay)
{
    memset(lay, 0, sizeof *lay);
    memset(lay->role, ROLE_NONE, sizeof lay->role);
    lay->nfields = ROLE_COUNT;
    for (int r = 0; r < ROLE_COUNT; r++) lay->role[r] = (signed char)r;
    if (p->nrows == 0) return;

    const probe_row *first = &p->rows[0];
    int nf = first->nfields < LAYOUT_MAX_FIELDS ? first->nfields : LAYOUT_MAX_FIELDS;
    /* A header: the first field is not a number and no field is an address
     * (a data line with a broken timestamp still has its addresses). */
    int header = !is_number(first->field[0], first->len[0]) &&
                 !time_looks_like(first->field[0], first->len[0]);
    for (int i = 0; header && i < nf; i++) {
        uint32_t ip;
        if (ipv4_parse(first->field[i], first->len[i], &ip) == 0) header = 0;
    }
    /* fewer than five names cannot name the columns: such a first line is
     * junk, and counts as a malformed line like any other */
    if (first->nfields > LAYOUT_MAX_FIELDS || first->nfields < ROLE_COUNT) header = 0;
    if (header) {
        lay->has_header = 1;
        lay->nfields = nf;
        memset(lay->role, ROLE_NONE, sizeof lay->role);
        int col_of[ROLE_COUNT];
        for (int r = 0; r < ROLE_COUNT; r++) col_of[r] = -1;
        for (int i = 0; i < nf; i++) {
            int r = header_role(first->field[i], first->len[i]);
            if (r != ROLE_NONE && col_of[r] < 0) { col_of[r] = i; lay->role[i] = (signed char)r; }
        }
        /* roles not named take the unclaimed columns in order */
        int next = 0;
        for (int r = 0; r < ROLE_COUNT; r++) {
            if (col_of[r] >= 0) continue;
            while (next < nf && lay->role[next] != ROLE_NONE) next++;
            if (next == nf) break;    /* cannot happen: nf >= ROLE_COUNT */
            col_of[r] = next;
            lay->role[next] = (signed char)r;
        }
    }
    /* seconds or milliseconds: unit_decide, over many more lines */
}

/* ---- the time unit: the median of the first lines' timestamps ------------------
 * One line cannot decide it: a first line stamped 0, or in the other unit,
 * made every other line a bad timestamp. The median of the first UNIT_LINES
 * good lines (the right number of fields, a number in the timestamp column)
 * of the probe's bytes decides: below 10^11 (1973 in milliseconds, the year
 * 5138 in seconds) the column is seconds. */
#define UNIT_LINES 1000

typedef struct unit_probe {
    const layout *lay;
    int ts_col, field;
    int64_t ts;
    int ts_ok;
    int64_t v[UNIT_LINES];
    int n;
} unit_probe;

static void unit_field(void *s, size_t len, void *data)
{
    unit_probe *u = data;
    if (u->field == u->ts_col) u->ts_ok = parse_ts(s ? s : "", len, 0, &u->ts) == 0;
    u->field++;
}

static void unit_row(int c, void *data)
{
    unit_probe *u = data;
    (void)c;
    if (u->field == u->lay->nfields && u->ts_ok && u->n < UNIT_LINES) u->v[u->n++] = u->ts;
    u->field = 0;
    u->ts_ok = 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* buf: the probe's bytes after the header. 0 when out of memory (the unit
 * then stays milliseconds, as for a file with no good line). */
static void unit_decide(const char *buf, size_t len, int at_eof, layout *lay)
{
    unit_probe *u = calloc(1, sizeof *u);
    if (!u) return;
    u->lay = lay;
    for (int i = 0; i < lay->nfields; i++)
        if (lay->role[i] == ROLE_TS) u->ts_col = i;
    struct csv_parser pp;
    if (csv_init(&pp, 0) == 0) {
        csv_parse(&pp, buf, len, unit_field, unit_row, u);
        if (at_eof) csv_fini(&pp, unit_field, unit_row, u);
        csv_free(&pp);
    }
    if (u->n) {
        qsort(u->v, (size_t)u->n, sizeof u->v[0], cmp_i64);
        lay->seconds = u->v[u->n / 2] < 100000000000LL;
    }
    free(u);
}

/* nfdump, Zeek (format.c): the format's column map replaces the CSV layout. */
static void layout_from_format(layout *lay, const format_layout *fl)
{
    lay->has_header = 0;          /* the header lines lie before data_start */
    /* rows may be wider than LAYOUT_MAX_FIELDS (on_field looks no further),
     * but every role must lie within it, else no row fits (nfields 0) */
    lay->nfields = fl->nfields;
    memset(lay->role, ROLE_NONE, sizeof lay->role);
    for (int r = 0; r < ROLE_COUNT; r++)
        if (fl->col[r] >= LAYOUT_MAX_FIELDS) lay->nfields = 0;
    for (int r = 0; lay->nfields && r < ROLE_COUNT; r++) lay->role[fl->col[r]] = (signed char)r;
    lay->seconds = fl->seconds;
    lay->delim = fl->delim;
    lay->json = (char)fl->json;
    lay->unset_dash = (char)fl->unset_dash;
    lay->comments = (char)fl->comments;
    lay->lines = (char)fl->lines;
    lay->last_col = 0;
    for (int r = 0; r < ROLE_COUNT; r++)
        if (fl->col[r] > lay->last_col) lay->last_col = fl->col[r];
}

/* The offset just past the first non-blank line when its quotes pair up (so
 * no quoted newline runs on), else 0. */
static size_t header_line_end(const char *buf, size_t len)
{
    size_t i = 0;
    for (;;) {
        size_t start = i;
        while (i < len && (buf[i] == ' ' || buf[i] == '\t' || buf[i] == '\r')) i++;
        if (i < len && buf[i] == '\n') { i++; continue; }   /* a blank line */
        const char *nl = memchr(buf + start, '\n', len - start);
        if (!nl) return 0;
        size_t quotes = 0;
        for (const char *c = buf + start; c < nl; c++) quotes += *c == '"';
        return quotes % 2 ? 0 : (size_t)(nl - buf) + 1;
    }
}

/* The mean length of the whole lines in buf (the probe), or 0 when it holds
 * too few to tell. */
static double mean_line_bytes(const char *buf, size_t len)
{
    size_t lines = 0, last = 0;
    for (const char *p = buf, *end = buf + len; (p = memchr(p, '\n', (size_t)(end - p))) != NULL; p++) {
        lines++;
        last = (size_t)(p - buf) + 1;
    }
    return lines >= 16 ? (double)last / (double)lines : 0;
}

/* The probe of a load: the first PROBE_BYTES decide header or not, the
 * layout, the unit and the format; a quote there means one parser from the
 * start. */
load_probe_status load_probe(int fd, uint64_t data_size, int format, load_probe_result *res)
{
    memset(res, 0, sizeof *res);
    res->data_size = data_size;
    char *head = malloc(PROBE_BYTES);
    if (!head) return LOAD_PROBE_NO_MEMORY;
    ssize_t got = pread(fd, head, PROBE_BYTES, 0);
    if (got < 0) {
        int e = errno;
        free(head);
        errno = e;
        return LOAD_PROBE_READ_FAILED;
    }
    /* a UTF-8 byte order mark is not part of the first field */
    size_t bom = got >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    probe pr;
    memset(&pr, 0, sizeof pr);
    struct csv_parser pp;
    size_t header_end = 0;
    if (csv_init(&pp, 0) == 0) {
        csv_parse(&pp, head + bom, (size_t)got - bom, probe_field, probe_end_row, &pr);
        if ((uint64_t)got == data_size || pr.nrows == 0) csv_fini(&pp, probe_field, probe_end_row, &pr);
        csv_free(&pp);
    }
    probe_row_free(&pr.cur);
    layout *lay = &res->lay;
    layout_decide(&pr, lay);
    for (int i = 0; i < pr.nrows; i++) probe_row_free(&pr.rows[i]);
    /* quotes in the header alone (as some tools write it) need not cost the
     * threads: the header is a line of its own when its quotes pair up */
    header_end = bom;
    if (lay->has_header) header_end = bom + header_line_end(head + bom, (size_t)got - bom);
    /* nfdump, Zeek: format.c's column map replaces the CSV layout (and says
     * the unit); a CSV's unit is the median of its first good lines */
    format_layout *fl = &res->fl;
    format_detect(head, (size_t)got, (uint64_t)got == data_size, (flow_format)format, fl);
    if (fl->format != FORMAT_CSV) {
        layout_from_format(lay, fl);
        bom = header_end = fl->data_start < (uint64_t)got ? (size_t)fl->data_start : (size_t)got;
        res->data_size = format_data_end(fd, data_size, fl);    /* nfdump's Summary block */
        if (res->data_size < header_end) res->data_size = header_end;
    } else {
        unit_decide(head + header_end, (size_t)got - header_end, (uint64_t)got == data_size, lay);
    }
    res->quoted = !lay->lines && memchr(head + header_end, '"', (size_t)got - header_end) != NULL;
    res->line_bytes = mean_line_bytes(head + header_end, (size_t)got - header_end);
    res->data_start = bom;
    res->header_end = header_end;
    free(head);
    return LOAD_PROBE_OK;
}
