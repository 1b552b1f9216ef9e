/* load_worker.c: one loading thread over one chunk of the file (a worker,
 * load_priv.h): reads the chunk in READ_BYTES pieces, runs libcsv (or
 * format.c's line splitter) over them, checks each field (load_num.h) and
 * writes good rows into the worker's region of the table's columns; counts
 * bad lines by kind. Also owns the two guards that keep hostile input cheap:
 * an over-long line is skipped unread, and a stray quote ends its row instead
 * of swallowing the lines after it. */
#include <csv.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load_num.h"
#include "load_priv.h"
#include "nettui/format.h"

static void worker_reset_row(worker *w)
{
    w->field = 0;
    w->bad_mask = 0;
    w->comment_row = 0;
}

/* A control character other than tab or newline (ESC, NUL, CR, DEL ...) in
 * a host field makes it BAD_HOST: printed as an answer such a name would
 * drive the terminal (escape sequences) or end early (NUL). */
static int host_has_control(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f) return 1;
    }
    return 0;
}

int load_host_ok(const char *s, size_t len)
{
    return len > 0 && len <= HOST_MAX_LEN && !host_has_control(s, len);
}

static void on_field(void *s, size_t len, void *data)
{
    worker *w = data;
    const char *f = s;
    int i = w->field++;
    if (w->quote_seen && len && memchr(f, '\n', len)) {
        for (size_t k = 0; k < len; k++) w->embedded_nl += f[k] == '\n';
    }
    if (i == 0 && w->lay.comments && len && f[0] == '#') w->comment_row = 1;
    if (i >= w->lay.nfields || i >= LAYOUT_MAX_FIELDS) return;
    switch (w->lay.role[i]) {
    case ROLE_TS:
        /* a number first (the hot path), then a date as text (format.h) */
        if (parse_ts(f, len, w->lay.seconds, &w->ts) && time_parse_text(f, len, LOAD_TS_MAX_MS, &w->ts))
            w->bad_mask |= 1u << BAD_TIMESTAMP;
        break;
    case ROLE_SRC:
    case ROLE_DST: {
        int d = w->lay.role[i] == ROLE_DST;
        if (len == 0 || len > HOST_MAX_LEN) { w->bad_mask |= 1u << BAD_HOST; break; }
        w->host[d] = local_find(&w->hosts, f, len);
        if (w->host[d] == HOST_NONE) {       /* new: interned if the row is good */
            if (host_has_control(f, len)) { w->bad_mask |= 1u << BAD_HOST; break; }
            memcpy(w->host_text[d], f, len);
            w->host_len[d] = len;
        }
        break;
    }
    case ROLE_PORT: {
        uint64_t v;
        if (len > 5 || parse_u64(f, len, &v) || v > 65535) w->bad_mask |= 1u << BAD_PORT;
        else w->port = (uint32_t)v;
        break;
    }
    case ROLE_BYTES:
        if (parse_u64(f, len, &w->bytes)) {
            if (w->lay.unset_dash && len == 1 && f[0] == '-') w->bytes = 0;   /* Zeek's unset */
            else w->bad_mask |= 1u << BAD_BYTES;
        }
        break;
    default:
        break;
    }
}

/* n fields format_lines_parse did not hand over (past the last role). */
static void on_skip(size_t n, void *data)
{
    worker *w = data;
    w->field += (int)(n < (1u << 24) ? n : (1u << 24));
}

static void worker_bad(worker *w, bad_kind k)
{
    w->bad_total++;
    w->bad[k]++;
    if (w->nfirst_bad[k] < LOAD_FIRST_LINES) w->first_bad[k][w->nfirst_bad[k]++] = w->line;
}

static int worker_push_big(worker *w, uint64_t row, uint64_t bytes)
{
    if (w->nbig == w->big_cap) {
        size_t cap = w->big_cap ? w->big_cap * 2 : 64;
        flow_big_bytes *b = realloc(w->big, cap * sizeof *b);
        if (!b) return -1;
        w->big = b;
        w->big_cap = cap;
    }
    w->big[w->nbig].row = row;
    w->big[w->nbig].bytes = bytes;
    w->nbig++;
    return 0;
}

/* Ends the worker with outcome o (unless it already has a worse one) and
 * stops the others: every outcome but WORKER_DONE means this parse is void. */
static void worker_stop(worker *w, worker_outcome o)
{
    if (o > w->outcome) w->outcome = o;
    atomic_store(&w->sh->stop, 1);
}

static void worker_fail(worker *w, int err)
{
    if (!w->error) w->error = err;
    worker_stop(w, WORKER_FAILED);
}

static void worker_store_row(worker *w)
{
    if (w->n == w->cap) {
        if (!w->last_region) {     /* the estimate was short: load again on exact bounds */
            worker_stop(w, WORKER_OVERFLOW);
        } else {
            worker_fail(w, EOVERFLOW);   /* cannot be: no line is shorter than MIN_LINE_BYTES */
        }
        return;
    }
    for (int d = 0; d < 2; d++)
        if (w->host[d] == HOST_NONE &&
            (w->host[d] = load_hosts_intern(&w->hosts, w->host_text[d], w->host_len[d])) == HOST_NONE) {
            worker_fail(w, ENOMEM);
            return;
        }
    uint32_t s = w->host[0], d = w->host[1];
    flow_table *t = w->sh->t;
    size_t r = w->base + w->n;
    t->ts[r] = w->ts;
    t->src[r] = s;
    t->dst[r] = d;
    t->port[r] = (uint16_t)w->port;
    if (w->bytes >= FLOWS_BYTES_BIG) {
        t->bytes[r] = FLOWS_BYTES_BIG;
        if (worker_push_big(w, w->n, w->bytes)) { worker_fail(w, ENOMEM); return; }
    } else {
        t->bytes[r] = (uint32_t)w->bytes;
    }
    if (w->n == 0 || w->ts < w->ts_min) w->ts_min = w->ts;
    if (w->n == 0 || w->ts > w->ts_max) w->ts_max = w->ts;
    w->total_bytes = w->total_bytes + w->bytes < w->total_bytes ? UINT64_MAX : w->total_bytes + w->bytes;
    w->n++;
}

/* The end of a row (c: its terminator, -1 at the end of input). Blank lines
 * arrive as rows of no field (CSV_REPALL_NL), which keeps line numbers exact:
 * a CR LF pair is one line end, a lone CR or LF is one too. */
static void on_row(int c, void *data)
{
    worker *w = data;
    if (w->field == 0) {
        if (c == '\n' && w->pending_cr) w->pending_cr = 0;
        else if (c >= 0) w->line++;
        else w->pending_cr = 0;
        return;
    }
    if (w->comment_row) {
        /* a Zeek '#' line (#close, a header again): no data, no bad line */
        w->comment_row = 0;
    } else if ((w->lines++, w->skip_header)) {
        w->skip_header = 0;
    } else if (w->field != w->lay.nfields) {
        worker_bad(w, BAD_FIELDS);
    } else if (w->bad_mask) {
        bad_kind k = 0;
        while (!(w->bad_mask & (1u << k))) k++;
        worker_bad(w, k);
    } else {
        worker_store_row(w);
    }
    worker_reset_row(w);
    w->line += w->embedded_nl;
    w->embedded_nl = 0;
    if (c >= 0) w->line++;
    w->pending_cr = c == '\r';
}

/* A line longer than this is no flow line, whatever it holds: past it the
 * parser's buffer is dropped and the rest of the line skipped unread, so an
 * endless line (a file of NUL bytes, a binary dump) costs no memory. */
#ifndef LINE_MAX_BYTES              /* the fuzz build makes it small, to reach it */
#define LINE_MAX_BYTES (1u << 20)
#endif
/* A shorter line then fits one read, so checking the line under way at the
 * start of each read finds every longer one, however the reads fall: any
 * thread count drops the same lines. */
_Static_assert(LINE_MAX_BYTES >= READ_BYTES, "LINE_MAX_BYTES below READ_BYTES");

/* Before s[0..n) goes to the parser: when the line under way (line_run bytes
 * so far) is longer than LINE_MAX_BYTES, drops the row the parser holds of it
 * (csv_fini with no callbacks) and starts skipping the line. */
static void line_run_check(worker *w, struct csv_parser *p, const char *s, size_t n)
{
    if (w->line_run + n <= LINE_MAX_BYTES) return;
    size_t i = 0;
    while (i < n && s[i] != '\n' && s[i] != '\r') i++;
    if (w->line_run + i <= LINE_MAX_BYTES) return;
    csv_fini(p, NULL, NULL, NULL);
    w->long_line = 1;
}

/* After s[0..n) went through the parser: the bytes of the line under way. */
static void line_run_update(worker *w, const char *s, size_t n)
{
    size_t i = n;
    while (i > 0 && s[i - 1] != '\n' && s[i - 1] != '\r') i--;
    w->line_run = i > 0 ? n - i : w->line_run + n;
}

/* While skipping an over-long line: takes s up to and including its line
 * end, then counts the line as one bad line (fields). at_eof: the file ends
 * inside it. Returns the bytes taken. */
static size_t long_line_skip(worker *w, const char *s, size_t n, int at_eof)
{
    size_t i = 0;
    while (i < n && s[i] != '\n' && s[i] != '\r') i++;
    if (i == n && !at_eof) return n;
    w->long_line = 0;
    w->line_run = 0;
    w->lines++;
    if (w->skip_header) w->skip_header = 0;
    else worker_bad(w, BAD_FIELDS);
    worker_reset_row(w);
    w->line += w->embedded_nl + (i < n);
    w->embedded_nl = 0;
    w->pending_cr = i < n && s[i] == '\r';
    return i < n ? i + 1 : n;
}

/* A line end inside a quoted field is kept there only when the field closes
 * on the next line: a quote followed by a comma or a line end, within
 * HOST_MAX_LEN bytes of field (no longer field is a good value anyway). Else
 * the quote was stray, a mangled line, and would swallow every line up to the
 * next quote in the file. */
static int quote_closes_soon(const worker *w, size_t held, uint64_t at)
{
    char look[HOST_MAX_LEN + 2];
    if (held >= HOST_MAX_LEN) return 0;
    if (at >= w->end) return 1;          /* the end of the file closes it */
    size_t want = HOST_MAX_LEN - held + 1;
    if (want > w->end - at) want = (size_t)(w->end - at);
    ssize_t got = pread(w->sh->fd, look, want, (off_t)at);
    if (got <= 0) return 1;
    int at_eof = at + (uint64_t)got >= w->end;
    for (ssize_t i = 0; i < got && look[i] != '\n' && look[i] != '\r'; i++) {
        if (look[i] != '"') continue;
        if (i + 1 == got) return at_eof;
        if (look[i + 1] == ',' || look[i + 1] == '\n' || look[i + 1] == '\r') return 1;
    }
    return 0;
}

/* libcsv 3.0.3 has no documented call that tells whether the parser stands
 * inside a quoted field, so the stray-quote guard reads two fields of its
 * struct (csv.h declares them, with comments, but the manual does not):
 * quoted (the current field began with a quote) and entry_pos (the bytes of
 * the field held so far). This is the only place that reads libcsv's
 * insides; test_load.c's test_csv_in_quotes fails if a libcsv release
 * changes their meaning. (Counting quotes ourselves would mean a second CSV
 * state machine next to libcsv's, for the rare file with quotes.) */
int load_csv_in_quotes(const struct csv_parser *p, size_t *held)
{
    *held = p->entry_pos;
    return p->quoted != 0;
}

/* csv_parse over a buffer of a file with quotes, a line at a time: when a
 * line end went into a quoted field that does not close soon, the row ends
 * there (csv_fini), one bad line. 0, or -1 when libcsv is out of memory. */
static int parse_quoted(worker *w, struct csv_parser *p, const char *s, size_t n, uint64_t pos)
{
    size_t i = 0;
    while (i < n) {
        const char *nl = memchr(s + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - s) + 1 : n;
        if (csv_parse(p, s + i, end - i, on_field, on_row, w) != end - i) return -1;
        i = end;
        size_t held;
        if (nl && load_csv_in_quotes(p, &held) && !quote_closes_soon(w, held, pos + i))
            csv_fini(p, on_field, on_row, w);
    }
    return 0;
}

/* libcsv's field buffer, with 16 bytes to spare so text_key may load 16
 * bytes from the start of any field. */
static void *parser_realloc(void *p, size_t size)
{
    return realloc(p, size + 16);
}

/* Parses bytes [start, end) of the file, read piece by piece into one small
 * buffer: the quote scan pulls each piece into the cache just before the
 * parser reads it, and only the columns grow resident, never the file.
 * (read, not mmap: a file cut short while it loads gives a short read here,
 * where a mapping would kill the process with SIGBUS.) */
void *load_worker_run(void *arg)
{
    worker *w = arg;
    shared *sh = w->sh;
    struct csv_parser p;
    char *buf = NULL;
    w->line = 1;
    worker_reset_row(w);
    if (csv_init(&p, CSV_APPEND_NULL | CSV_REPALL_NL)) { worker_fail(w, ENOMEM); goto out; }
    csv_set_realloc_func(&p, parser_realloc);
    if (w->lay.delim) csv_set_delim(&p, (unsigned char)w->lay.delim);
    format_lines_init(&w->lp, w->lay.json ? 0 : w->lay.delim, w->lay.last_col);
    /* libcsv grows a field's buffer by blk_size bytes at a time (128 by
     * default): a 10 MB field meant 80,000 reallocs, quadratic wherever
     * realloc copies (ASan, other allocators). 64 kB steps keep it linear enough. */
    csv_set_blk_size(&p, 64 * 1024);
    /* 16 bytes to spare: format_lines_parse hands over fields in place */
    if (!(buf = malloc(READ_BYTES + 16))) { worker_fail(w, ENOMEM); goto fini; }
    memset(buf + READ_BYTES, 0, 16);
    uint64_t pos = w->start;
    while (pos < w->end) {
        if (atomic_load_explicit(&sh->stop, memory_order_relaxed)) goto fini;
        size_t want = (size_t)((w->end - pos) < READ_BYTES ? (w->end - pos) : READ_BYTES);
        ssize_t got = pread(sh->fd, buf, want, (off_t)pos);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) { worker_fail(w, errno); goto fini; }
        if (got == 0) {              /* the file shrank under us: load_file reads it again */
            atomic_store(&sh->short_read, 1);
            break;
        }
        size_t len = (size_t)got;
        uint64_t skip64 = pos < sh->scan_from ? sh->scan_from - pos : 0;   /* the header's quotes */
        size_t skip = skip64 < len ? (size_t)skip64 : len;
        if (!w->quote_seen && !w->lay.lines && memchr(buf + skip, '"', len - skip)) {
            if (!sh->single) {      /* chunks may cut a quoted field: start over on one parser */
                worker_stop(w, WORKER_QUOTED);
                goto fini;
            }
            w->quote_seen = 1;
        }
        if (!w->long_line) line_run_check(w, &p, buf, len);
        if (w->long_line) format_lines_drop(&w->lp);     /* the splitter's part of it goes too */
        size_t from = w->long_line ? long_line_skip(w, buf, len, 0) : 0;
        if (from < len) {
            if (w->lay.lines ? format_lines_parse(&w->lp, buf + from, len - from, on_field, on_row, on_skip, w) != 0
                : w->quote_seen ? parse_quoted(w, &p, buf + from, len - from, pos + from) != 0
                              : csv_parse(&p, buf + from, len - from, on_field, on_row, w) != len - from)
                worker_fail(w, ENOMEM);
            line_run_update(w, buf + from, len - from);
        }
        pos += len;
        atomic_store_explicit(&w->bytes_done, pos - w->start, memory_order_relaxed);
        atomic_store_explicit(&w->rows_done, w->n, memory_order_relaxed);
    }
fini:
    if (!atomic_load(&sh->stop) && w->long_line) long_line_skip(w, "", 0, 1);   /* the file ends in it */
    if (!atomic_load(&sh->stop)) {      /* a last line without newline */
        if (w->lay.lines) format_lines_fini(&w->lp, on_field, on_row, on_skip, w);
        else csv_fini(&p, on_field, on_row, w);
    }
    csv_free(&p);
    format_lines_free(&w->lp);
out:
    free(buf);
    atomic_store_explicit(&w->rows_done, w->n, memory_order_relaxed);
    pthread_mutex_lock(&sh->mu);
    atomic_fetch_add(&sh->done, 1);
    pthread_cond_signal(&sh->cv);
    pthread_mutex_unlock(&sh->mu);
    return NULL;
}

void load_worker_free(worker *w)
{
    load_hosts_free(&w->hosts);
    free(w->big);
}
