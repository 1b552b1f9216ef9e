/* load.c: CSV flow file -> flow table, through libcsv, on several threads.
 *
 * The plan of a load:
 *   1. probe: the first 64 kB decide header or not, the column layout, and
 *      whether timestamps are seconds (the median of up to 1000 good lines);
 *   2. split the file at line boundaries into one chunk per thread; each
 *      worker reads its chunk piece by piece into one small buffer (so the
 *      file never adds to the resident memory), runs its own csv_parser over
 *      it, and writes good rows straight into its own region of the table's
 *      columns, with host ids local to the worker;
 *   3. merge, in file order: the workers' hosts go into the table's dictionary
 *      (first appearance in the file decides the id, so any thread count gives
 *      the same table), then each column is compacted region by region while
 *      local host ids are remapped, releasing the pages left behind.
 * A worker that sees a quote character stops everyone, and the load restarts
 * on one parser: a quoted field may hold a newline, which chunking would cut.
 */
#include <csv.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nettui/format.h"
#include "nettui/load.h"
#include "nettui/util.h"

#define ROLE_TS 0
#define ROLE_SRC 1
#define ROLE_DST 2
#define ROLE_PORT 3
#define ROLE_BYTES 4
#define ROLE_COUNT 5
#define ROLE_NONE (-1)

#define LAYOUT_MAX_FIELDS 64     /* a wider first line is not taken as a header */
#define HOST_MAX_LEN 255         /* longer host fields are BAD_HOST */
#define MIN_LINE_BYTES 10        /* "0,a,b,0,0\n": no valid line is shorter */
#ifndef READ_BYTES               /* the fuzz build makes it small, to cross reads often */
#define READ_BYTES (64u << 10)   /* one worker's buffer: small enough to stay in the cache */
#endif
#define PROBE_BYTES (64u << 10)
#define PROBE_ROWS 32
/* 9999-12-31 23:59:59.999 UTC: later timestamps are out of range (BAD_TIMESTAMP),
 * so every time the engine derives stays exact in a double and formattable. */
#define TS_MAX_MS LOAD_TS_MAX_MS

static const char *const bad_names[BAD_KIND_COUNT] = {"fields", "timestamp", "host", "port", "bytes"};

const char *load_bad_kind_name(bad_kind k)
{
    return (unsigned)k < BAD_KIND_COUNT ? bad_names[k] : "?";
}

void load_options_default(load_options *o)
{
    memset(o, 0, sizeof *o);
    cidr_list_default(&o->internal);
}

/* ---- numbers: hand-written digit loops, the hot path ---------------------- */

/* Unsigned decimal of len bytes: 0, or -1 when not a number or above 2^64-1. */
static int parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0) return -1;
    uint64_t v = 0;
    if (len < 20) {               /* 19 digits cannot overflow: no check per digit */
        for (size_t i = 0; i < len; i++) {
            unsigned d = (unsigned)(unsigned char)s[i] - '0';
            if (d > 9) return -1;
            v = v * 10 + d;
        }
        *out = v;
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return -1;
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* The value of the 8 ASCII digits at s, or UINT64_MAX when one is not a
 * digit: three multiplications instead of eight steps (the SWAR method of
 * simdjson's parse_eight_digits_unrolled; the first digit must land in the
 * low byte, so big-endian machines take the plain loop). */
static inline uint64_t eight_digits(const char *s)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    (void)s;
    return UINT64_MAX;
#endif
    uint64_t v;
    memcpy(&v, s, 8);
    if ((v & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
        ((v + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull)
        return UINT64_MAX;
    v = (v & 0x0f0f0f0f0f0f0f0full) * 2561 >> 8;
    v = (v & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
    return (v & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
}

/* A timestamp: digits, optionally ".digits" (a fraction of the unit).
 * seconds: the value is in seconds, scaled to milliseconds (fraction kept to
 * the millisecond); else milliseconds (fraction dropped). 0 or -1. */
static int parse_ts(const char *s, size_t len, int seconds, int64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    size_t safe = len < 18 ? len : 18;   /* 18 digits stay below 2^63 */
    if (len >= 8 && (v = eight_digits(s)) != UINT64_MAX) i = 8;
    else v = 0;
    for (; i < safe; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) break;
        v = v * 10 + d;
    }
    while (i < len && (unsigned)(unsigned char)s[i] - '0' <= 9) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (v > ((uint64_t)INT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
        i++;
    }
    if (i == 0) return -1;
    uint64_t frac = 0;
    if (i < len) {
        if (s[i] != '.' || i + 1 == len) return -1;
        int digits = 0;
        for (i++; i < len; i++) {
            unsigned d = (unsigned)(unsigned char)s[i] - '0';
            if (d > 9) return -1;
            if (digits < 3) { frac = frac * 10 + d; digits++; }
        }
        while (digits++ < 3) frac *= 10;
    }
    if (seconds) {
        if (v > ((uint64_t)INT64_MAX - frac) / 1000) return -1;
        v = v * 1000 + frac;
    }
    if (v > (uint64_t)TS_MAX_MS) return -1;
    *out = (int64_t)v;
    return 0;
}

/* ---- the column layout ---------------------------------------------------- */

typedef struct layout {
    int has_header;
    int nfields;                     /* fields a good line has */
    signed char role[LAYOUT_MAX_FIELDS];
    int seconds;                     /* timestamps are seconds */
    /* set from format.c's format_layout (nfdump, Zeek), else ',' and 0 */
    char delim;
    char json, unset_dash, comments;
    char lines;                      /* no quoting: format_lines_parse, not libcsv */
    int last_col;                    /* the last column with a role */
} layout;

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

int load_column_role(const char *name, size_t len)
{
    return header_role(name, len);
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

/* ---- a worker's own host table -------------------------------------------- */

/* Local ids in order of first appearance in the worker's chunk. The hot path
 * never parses an address it has seen: a host field of up to 15 bytes (every
 * dotted quad) is looked up by its text in a small open-addressing index, and
 * only a new text goes through ipv4_parse. A valid dotted quad has exactly one
 * spelling (ipv4_parse refuses leading zeros), so text identity is address
 * identity. String hosts (rare) also live in a host_dict of their own, which
 * keeps longer names unique. */
#define KEY_MAX 15

typedef struct text_key_t {
    uint64_t k0, k1;      /* the text, zero-padded, its length in the last byte */
} text_key_t;

typedef struct local_hosts {
    uint32_t n, cap;
    uint32_t *val;        /* ip, or the id in names */
    uint8_t *is_name;
    text_key_t *key;      /* per local id: its text, when at most KEY_MAX bytes */
    /* The index holds only ids (4 bytes a slot), so for a few thousand hosts
     * it stays in the L1/L2 cache next to the parser's buffers: its misses
     * were a third of the hot path with 24-byte slots. */
    uint32_t *slots;      /* local id + 1, 0 empty */
    uint32_t nslots, used;   /* nslots a power of two, at most a quarter used: few collisions */
    host_dict names;
    uint32_t *name_local; /* names id -> local id */
} local_hosts;

/* The key of a host text of at most 15 bytes: two unaligned 8-byte loads,
 * masked to len, the length in the last byte. Reads 16 bytes from s: the
 * parser's field buffer is padded for it (parser_realloc), and the row's own
 * copies are HOST_MAX_LEN + 1 bytes long. (Loads, not a memcpy into a stack
 * buffer: that one stalled on store forwarding in every lookup.) */
static inline void text_key(const char *s, size_t len, uint64_t *k0, uint64_t *k1)
{
    uint64_t a, b;
    memcpy(&a, s, 8);
    memcpy(&b, s + 8, 8);
    if (len < 8) {
        a &= len ? ~0ull >> (64 - 8 * len) : 0;
        b = 0;
    } else {
        b &= len > 8 ? ~0ull >> (64 - 8 * (len - 8)) : 0;
    }
    *k0 = a;
    *k1 = b | (uint64_t)len << 56;
}

static inline uint32_t text_hash(uint64_t k0, uint64_t k1)
{
    uint64_t h = k0 * 0x9e3779b97f4a7c15ull ^ k1 * 0xc2b2ae3d27d4eb4full;
    return (uint32_t)((h ^ (h >> 29)) >> 16);
}

static void local_hosts_free(local_hosts *h)
{
    free(h->val); free(h->is_name); free(h->key); free(h->slots); free(h->name_local);
    hosts_free(&h->names);
    memset(h, 0, sizeof *h);
}

/* The local id of a host text seen before, or HOST_NONE. */
static inline uint32_t local_find(const local_hosts *h, const char *s, size_t len)
{
    if (len > KEY_MAX || !h->nslots) return HOST_NONE;
    uint64_t k0, k1;
    text_key(s, len, &k0, &k1);
    uint32_t mask = h->nslots - 1;
    for (uint32_t i = text_hash(k0, k1) & mask; h->slots[i]; i = (i + 1) & mask) {
        const text_key_t *k = &h->key[h->slots[i] - 1];
        if (k->k0 == k0 && k->k1 == k1) return h->slots[i] - 1;
    }
    return HOST_NONE;
}

/* Adds local id (whose key is set) to the index. */
static int local_index(local_hosts *h, uint32_t id)
{
    if ((h->used + 1) * 4 > h->nslots) {
        uint32_t nslots = h->nslots ? h->nslots * 2 : 8192;
        uint32_t *slots = calloc(nslots, sizeof *slots);
        if (!slots) return -1;
        for (uint32_t j = 0; j < h->nslots; j++) {
            if (!h->slots[j]) continue;
            const text_key_t *k = &h->key[h->slots[j] - 1];
            uint32_t i = text_hash(k->k0, k->k1) & (nslots - 1);
            while (slots[i]) i = (i + 1) & (nslots - 1);
            slots[i] = h->slots[j];
        }
        free(h->slots);
        h->slots = slots;
        h->nslots = nslots;
    }
    const text_key_t *k = &h->key[id];
    uint32_t i = text_hash(k->k0, k->k1) & (h->nslots - 1);
    while (h->slots[i]) i = (i + 1) & (h->nslots - 1);
    h->slots[i] = id + 1;
    h->used++;
    return 0;
}

static uint32_t local_append(local_hosts *h, uint32_t val, uint8_t is_name, const char *s, size_t len)
{
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 1024;
        uint32_t *v = realloc(h->val, cap * sizeof *v);
        if (!v) return HOST_NONE;
        h->val = v;
        uint8_t *k = realloc(h->is_name, cap);
        if (!k) return HOST_NONE;
        h->is_name = k;
        text_key_t *key = realloc(h->key, cap * sizeof *key);
        if (!key) return HOST_NONE;
        h->key = key;
        h->cap = cap;
    }
    h->val[h->n] = val;
    h->is_name[h->n] = is_name;
    if (len <= KEY_MAX) text_key(s, len, &h->key[h->n].k0, &h->key[h->n].k1);
    else h->key[h->n].k0 = h->key[h->n].k1 = 0;   /* never matched: length byte 0 is no text */
    return h->n++;
}

/* Interns a host text of a good row: its local id, or HOST_NONE (no memory). */
static uint32_t local_intern(local_hosts *h, const char *s, size_t len)
{
    uint32_t id = local_find(h, s, len);
    if (id != HOST_NONE) return id;
    uint32_t ip;
    if (ipv4_parse(s, len, &ip) == 0) {
        id = local_append(h, ip, 0, s, len);
    } else {
        uint32_t before = h->names.n;
        host_id nid = hosts_add_name(&h->names, s, len);
        if (nid == HOST_NONE) return HOST_NONE;
        if (nid < before) return h->name_local[nid];   /* a long name seen before */
        uint32_t *nl = realloc(h->name_local, h->names.cap * sizeof *nl);
        if (!nl) return HOST_NONE;
        h->name_local = nl;
        id = local_append(h, nid, 1, s, len);
        if (id != HOST_NONE) nl[nid] = id;
    }
    if (id == HOST_NONE || (len <= KEY_MAX && local_index(h, id))) return HOST_NONE;
    return id;
}

/* ---- workers -------------------------------------------------------------- */

typedef struct shared {
    int fd;
    uint64_t size;
    const layout *lay;
    flow_table *t;
    int single;                   /* one parser: quotes allowed */
    uint64_t scan_from;           /* quotes before this offset (the header's) are harmless */
    double line_bytes;            /* mean line length from the probe, 0: unknown */
    atomic_int overflow;          /* a region estimated from line_bytes was too small */
    atomic_int stop;              /* cancel, a quote seen, or an error */
    atomic_int quote_seen;
    atomic_int done;              /* workers finished */
    atomic_int short_read;        /* the file ended before a chunk did: it shrank */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    long pagesz;
} shared;

typedef struct worker {
    shared *sh;
    uint64_t start, end;          /* byte range, starts at a line start */
    size_t base, cap;             /* row region in the columns */
    int skip_header;              /* chunk 0 of a file with a header */
    int last_region;              /* the last region: its capacity is exact, not estimated */

    layout lay;                   /* a copy: no pointer to chase per field */

    /* the row being parsed */
    int field;
    unsigned bad_mask;            /* 1 << bad_kind */
    int64_t ts;
    uint32_t host[2];             /* src, dst: local id, or HOST_NONE until interned */
    size_t host_len[2];
    char host_text[2][HOST_MAX_LEN + 1];
    uint32_t port;
    uint64_t bytes;
    uint64_t line;                /* 1-based line of the row, local to the chunk */
    uint64_t embedded_nl;         /* newlines inside quoted fields of this row */
    int pending_cr;
    int quote_seen;               /* one parser, and a quote seen: fields may hold newlines */
    uint64_t line_run;            /* bytes since the last line end (LF or CR) */
    int comment_row;              /* the row's first field starts with '#' (Zeek) */
    format_line_parser lp;        /* lay.lines: format.c's line splitter */
    int long_line;                /* skipping the rest of an over-long line */

    /* results */
    size_t n;
    local_hosts hosts;
    uint64_t lines, bad_total;
    uint64_t bad[BAD_KIND_COUNT];
    uint64_t first_bad[BAD_KIND_COUNT][LOAD_FIRST_LINES];
    int nfirst_bad[BAD_KIND_COUNT];
    flow_big_bytes *big;
    size_t nbig, big_cap;
    int64_t ts_min, ts_max;
    uint64_t total_bytes;
    int error;                    /* errno-style, 0 fine */

    atomic_uint_least64_t bytes_done, rows_done;
    pthread_t thread;
} worker;

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
        if (parse_ts(f, len, w->lay.seconds, &w->ts) && time_parse_text(f, len, TS_MAX_MS, &w->ts))
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

static void worker_fail(worker *w, int err)
{
    if (!w->error) w->error = err;
    atomic_store(&w->sh->stop, 1);
}

static void worker_store_row(worker *w)
{
    if (w->n == w->cap) {
        if (!w->last_region) {     /* the estimate was short: load again on exact bounds */
            atomic_store(&w->sh->overflow, 1);
            atomic_store(&w->sh->stop, 1);
        } else {
            worker_fail(w, EOVERFLOW);   /* cannot be: no line is shorter than MIN_LINE_BYTES */
        }
        return;
    }
    for (int d = 0; d < 2; d++)
        if (w->host[d] == HOST_NONE &&
            (w->host[d] = local_intern(&w->hosts, w->host_text[d], w->host_len[d])) == HOST_NONE) {
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
        if (nl && p->quoted && !quote_closes_soon(w, p->entry_pos, pos + i))
            csv_fini(p, on_field, on_row, w);
    }
    return 0;
}

/* Parses bytes [start, end) of the file, read piece by piece into one small
 * buffer: the quote scan pulls each piece into the cache just before the
 * parser reads it, and only the columns grow resident, never the file.
 * (read, not mmap: a file cut short while it loads gives a short read here,
 * where a mapping would kill the process with SIGBUS.) */
/* libcsv's field buffer, with 16 bytes to spare so text_key may load 16
 * bytes from the start of any field. */
static void *parser_realloc(void *p, size_t size)
{
    return realloc(p, size + 16);
}

static void *worker_run(void *arg)
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
                atomic_store(&sh->quote_seen, 1);
                atomic_store(&sh->stop, 1);
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

static void worker_free(worker *w)
{
    local_hosts_free(&w->hosts);
    free(w->big);
}

/* ---- merge: compact the regions, remap hosts ------------------------------ */

typedef struct compact_job {
    flow_table *t;
    worker *w;
    int nw;
    uint32_t **maps;        /* per worker: local id -> table id */
    const size_t *dest;     /* per worker: first row in the final table */
    atomic_int next;        /* the next column to compact */
    long pagesz;
} compact_job;

/* Releases the whole pages inside [lo, hi) of a column. */
static void release_range(char *lo, char *hi, long pagesz)
{
    uintptr_t a = ((uintptr_t)lo + (uintptr_t)pagesz - 1) & ~(uintptr_t)(pagesz - 1);
    uintptr_t b = (uintptr_t)hi & ~(uintptr_t)(pagesz - 1);
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}

#define COMPACT_STEP ((size_t)1 << 16)   /* rows moved between page releases */

/* Moves each worker's region of one column down to its final place, in file
 * order (a region only moves down, onto rows already moved or never used),
 * releasing the source pages behind it so the peak stays one column. */
static void compact_column(compact_job *j, int col)
{
    flow_table *t = j->t;
    size_t esz;
    char *base;
    switch (col) {
    case 0: base = (char *)t->ts; esz = sizeof *t->ts; break;
    case 1: base = (char *)t->src; esz = sizeof *t->src; break;
    case 2: base = (char *)t->dst; esz = sizeof *t->dst; break;
    case 3: base = (char *)t->port; esz = sizeof *t->port; break;
    default: base = (char *)t->bytes; esz = sizeof *t->bytes; break;
    }
    int remap = col == 1 || col == 2;
    for (int k = 0; k < j->nw; k++) {
        worker *w = &j->w[k];
        size_t from = w->base, to = j->dest[k];
        if (!remap && from == to) continue;
        const uint32_t *map = j->maps[k];
        for (size_t done = 0; done < w->n; ) {
            size_t step = w->n - done < COMPACT_STEP ? w->n - done : COMPACT_STEP;
            if (remap) {
                uint32_t *c = (uint32_t *)base;
                for (size_t i = 0; i < step; i++) c[to + done + i] = map[c[from + done + i]];
            } else {
                memmove(base + (to + done) * esz, base + (from + done) * esz, step * esz);
            }
            done += step;
            if (from != to) {
                /* consumed source rows, except those the region's own rows
                 * will still land on (a small shift reuses its own pages) */
                size_t keep = to + w->n > from ? to + w->n : from;
                if (from + done > keep)
                    release_range(base + keep * esz, base + (from + done) * esz, j->pagesz);
            }
        }
    }
    /* everything above the last row goes back to the system */
    release_range(base + t->n * esz, base + t->col_cap * esz, j->pagesz);
}

static void *compact_run(void *arg)
{
    compact_job *j = arg;
    for (int col; (col = atomic_fetch_add(&j->next, 1)) < 5; ) compact_column(j, col);
    return NULL;
}

/* Builds the table's dictionary in file order and compacts the columns.
 * 0, or -1 when out of memory. */
static int merge(flow_table *t, worker *w, int nw, const cidr_list *internal, long pagesz)
{
    uint32_t **maps = calloc((size_t)nw, sizeof *maps);
    size_t *dest = calloc((size_t)nw, sizeof *dest);
    int rc = -1;
    if (!maps || !dest) goto out;
    size_t n = 0, nbig = 0;
    for (int k = 0; k < nw; k++) {
        dest[k] = n;
        n += w[k].n;
        nbig += w[k].nbig;
        maps[k] = malloc(((size_t)w[k].hosts.n + 1) * sizeof *maps[k]);
        if (!maps[k]) goto out;
        for (uint32_t i = 0; i < w[k].hosts.n; i++) {
            host_id id;
            if (w[k].hosts.is_name[i]) {
                char b[16];
                const char *s = hosts_name(&w[k].hosts.names, w[k].hosts.val[i], b);
                id = hosts_add_name(&t->hosts, s, strlen(s));
            } else {
                id = hosts_add_ipv4(&t->hosts, w[k].hosts.val[i], internal);
            }
            if (id == HOST_NONE) goto out;
            maps[k][i] = id;
        }
    }
    t->n = n;
    if (nbig) {
        t->big = malloc(nbig * sizeof *t->big);
        if (!t->big) goto out;
        for (int k = 0; k < nw; k++)
            for (size_t i = 0; i < w[k].nbig; i++) {
                t->big[t->nbig].row = w[k].big[i].row + dest[k];
                t->big[t->nbig].bytes = w[k].big[i].bytes;
                t->nbig++;
            }
    }
    int first = 1;
    for (int k = 0; k < nw; k++) {
        if (!w[k].n) continue;
        if (first || w[k].ts_min < t->ts_min) t->ts_min = w[k].ts_min;
        if (first || w[k].ts_max > t->ts_max) t->ts_max = w[k].ts_max;
        first = 0;
        uint64_t sum = t->total_bytes + w[k].total_bytes;
        t->total_bytes = sum < t->total_bytes ? UINT64_MAX : sum;
    }

    compact_job job = {.t = t, .w = w, .nw = nw, .maps = maps, .dest = dest, .pagesz = pagesz};
    atomic_init(&job.next, 0);
    int helpers = nw > 1 ? (nw < 5 ? nw - 1 : 4) : 0;
    pthread_t th[4];
    int started = 0;
    while (started < helpers && pthread_create(&th[started], NULL, compact_run, &job) == 0) started++;
    compact_run(&job);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    rc = 0;
out:
    if (maps)
        for (int k = 0; k < nw; k++) free(maps[k]);
    free(maps);
    free(dest);
    return rc;
}

/* ---- load_file ------------------------------------------------------------ */

static int cpu_count(void) { return util_cores(256); }

/* The first line start at or after pos (pos itself when it is 0). */
static uint64_t next_line_start(int fd, uint64_t pos, uint64_t size)
{
    if (pos == 0) return 0;
    char buf[4096];
    pos--;                       /* a line starts at pos if pos-1 is a newline */
    while (pos < size) {
        ssize_t got = pread(fd, buf, sizeof buf, (off_t)pos);
        if (got <= 0) return size;
        char *nl = memchr(buf, '\n', (size_t)got);
        if (nl) return pos + (uint64_t)(nl - buf) + 1;
        pos += (uint64_t)got;
    }
    return size;
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

static int fail(load_report *rep, flow_table *t, int status, const char *fmt, const char *path, const char *why)
{
    snprintf(rep->error, sizeof rep->error, fmt, path, why);
    flows_free(t);
    hosts_init(&t->hosts);
    return status;
}

/* Advice on every column mapping: huge pages make the first write of the
 * columns (hundreds of MB) cost a fault every 2 MB instead of every 4 kB. */
static void columns_advise(flow_table *t, int advice)
{
    size_t c = t->col_cap;
    madvise(t->ts, c * sizeof *t->ts, advice);
    madvise(t->src, c * sizeof *t->src, advice);
    madvise(t->dst, c * sizeof *t->dst, advice);
    madvise(t->port, c * sizeof *t->port, advice);
    madvise(t->bytes, c * sizeof *t->bytes, advice);
}

/* Forgets a parse that must run again: the workers' results and the table. */
static void parse_reset(shared *sh, worker *w, int nw, flow_table *out, const load_options *o)
{
    for (int k = 0; k < nw; k++) worker_free(&w[k]);
    flows_free(out);
    hosts_init(&out->hosts);
    out->internal = o->internal;
    atomic_store(&sh->stop, 0);
    atomic_store(&sh->quote_seen, 0);
    atomic_store(&sh->overflow, 0);
    atomic_store(&sh->done, 0);
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

/* Runs the workers over the file; 0 when they finished, else the worker error,
 * ECANCELED, or EAGAIN when a quote was seen and one parser must start over. */
static int parse_all(shared *sh, worker *w, int nw, uint64_t data_start, const load_options *o)
{
    uint64_t total = sh->size;
    /* chunk boundaries at line starts; region capacities from chunk sizes */
    uint64_t bounds[257];
    bounds[0] = data_start;
    for (int k = 1; k < nw; k++) {
        uint64_t want = data_start + (total - data_start) * (uint64_t)k / (uint64_t)nw;
        uint64_t b = next_line_start(sh->fd, want, total);
        bounds[k] = b < bounds[k - 1] ? bounds[k - 1] : b;
    }
    bounds[nw] = total;
    size_t cap = 0;
    for (int k = 0; k < nw; k++) {
        memset(&w[k], 0, sizeof w[k]);
        w[k].sh = sh;
        w[k].start = bounds[k];
        w[k].end = bounds[k + 1];
        w[k].base = cap;
        /* A region must hold every row its chunk can have: chunk/10+1 rows is
         * sure. With a mean line length from the probe, all regions but the
         * last get an estimate 6% above it instead (the mean of a flow file's
         * first 64 kB is within 0.2% of the whole file's), so that compaction
         * shifts each region down by a small gap, over pages it already uses,
         * not onto fresh ones; a chunk of shorter lines overflows its
         * estimate, and the load runs again on sure bounds. */
        uint64_t len = w[k].end - w[k].start;
        w[k].cap = (size_t)(len / MIN_LINE_BYTES + 1);
        w[k].last_region = k == nw - 1;
        if (sh->line_bytes > 0 && !w[k].last_region) {
            size_t est = (size_t)((double)len / sh->line_bytes * 1.06) + 4096;
            if (est < w[k].cap) w[k].cap = est;
        }
        w[k].skip_header = k == 0 && sh->lay->has_header;
        w[k].lay = *sh->lay;
        cap += w[k].cap;
    }
    if (flows_alloc_columns(sh->t, cap)) return ENOMEM;
    columns_advise(sh->t, MADV_HUGEPAGE);

    /* a first call before any work, so a caller can cancel even a tiny load */
    if (o->progress && o->progress(o->user, 0, total, 0)) return ECANCELED;
    int started = 0;
    for (; started < nw; started++)
        if (pthread_create(&w[started].thread, NULL, worker_run, &w[started])) break;
    if (started < nw) {
        atomic_store(&sh->stop, 1);
        for (int k = 0; k < started; k++) pthread_join(w[k].thread, NULL);
        return ENOMEM;
    }
    /* report progress ten times a second while the workers run */
    int cancelled = 0;
    pthread_mutex_lock(&sh->mu);
    while (atomic_load(&sh->done) < nw) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 80 * 1000000L;
        if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
        pthread_cond_timedwait(&sh->cv, &sh->mu, &until);
        if (atomic_load(&sh->done) >= nw) break;
        if (o->progress && !cancelled) {
            uint64_t bytes = data_start, rows = 0;
            for (int k = 0; k < nw; k++) {
                bytes += atomic_load_explicit(&w[k].bytes_done, memory_order_relaxed);
                rows += atomic_load_explicit(&w[k].rows_done, memory_order_relaxed);
            }
            pthread_mutex_unlock(&sh->mu);
            if (o->progress(o->user, bytes, total, rows)) { cancelled = 1; atomic_store(&sh->stop, 1); }
            pthread_mutex_lock(&sh->mu);
        }
    }
    pthread_mutex_unlock(&sh->mu);
    for (int k = 0; k < nw; k++) pthread_join(w[k].thread, NULL);
    if (cancelled) return ECANCELED;
    for (int k = 0; k < nw; k++)
        if (w[k].error) return w[k].error;
    if (atomic_load(&sh->quote_seen)) return EAGAIN;
    if (atomic_load(&sh->overflow)) return ERANGE;
    return 0;
}

/* 1 when the file changed between two looks: size, mtime, or (by path) another file. */
static int file_changed(const struct stat *a, const struct stat *b)
{
    return a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
           a->st_mtim.tv_nsec != b->st_mtim.tv_nsec || a->st_ino != b->st_ino || a->st_dev != b->st_dev;
}

static int load_file_once(const char *path, const load_options *o, flow_table *out, load_report *rep, int *changed);

/* The parse of a decompressed file: the bar stays at the compressed bytes
 * (all read by then), the rows go on counting. */
typedef struct progress_whole {
    const load_options *o;
    uint64_t total;
} progress_whole;

static int progress_at_whole(void *user, uint64_t done, uint64_t total, uint64_t rows)
{
    const progress_whole *p = user;
    (void)done; (void)total;
    return p->o->progress(p->o->user, p->total, p->total, rows);
}

/* A gzip or zstd file (told by its magic bytes) is decompressed into a
 * temporary file that replaces *fd, then parsed as any file, the progress
 * bar held at the compressed bytes (all read by then). -1 to go on (also
 * when the file is not compressed), else the EXIT_* status of a failure. */
static int open_decompressed(int *fd, uint64_t *data_size, const load_options **o, load_options *o_whole,
                             progress_whole *pw, load_report *rep, flow_table *out, const char *path)
{
    unsigned char magic[4];
    ssize_t m = pread(*fd, magic, sizeof magic, 0);
    compress_kind ck = compress_detect(magic, m > 0 ? (size_t)m : 0);
    if (ck == COMPRESS_NONE) return -1;
    char why[300];
    int dfd = decompress_to_temp(*fd, ck, rep->file_bytes, (*o)->progress, (*o)->user, why, sizeof why);
    close(*fd);
    *fd = -1;
    if (dfd < 0) {
        if (strcmp(why, "cancelled") == 0) return fail(rep, out, EXIT_FAILURE_RUN, "cancelled%s%s", "", "");
        return fail(rep, out, EXIT_NO_INPUT, "%s: %s.", path, why);
    }
    off_t end = lseek(dfd, 0, SEEK_END);
    *data_size = end > 0 ? (uint64_t)end : 0;
    if (*data_size == 0) {
        close(dfd);
        return fail(rep, out, EXIT_NO_INPUT, "%s decompresses to nothing%s.", path, "");
    }
    *fd = dfd;
    if ((*o)->progress) {
        *o_whole = **o;
        o_whole->progress = progress_at_whole;
        o_whole->user = pw;
        *o = o_whole;
    }
    return -1;
}

/* A file cut short or overwritten while it loads would give the answers of a
 * part of it, or of two files: the load is checked (a short read, the size,
 * the mtime, the file behind the path) and done again once; a second change
 * is an error. */
int load_file(const char *path, const load_options *o, flow_table *out, load_report *rep)
{
    double t0 = util_now();
    int changed = 0;
    int rc = load_file_once(path, o, out, rep, &changed);
    if (rc == EXIT_OK && changed) {
        flows_free(out);
        rc = load_file_once(path, o, out, rep, &changed);
        if (rc == EXIT_OK ? changed : strcmp(rep->error, "cancelled") != 0) {   /* e.g. still being written: empty, or changing */
            if (rc == EXIT_OK) flows_free(out);
            hosts_init(&out->hosts);
            snprintf(rep->error, sizeof rep->error,
                     "%s changed while it was read, twice; run again once it is complete.", path);
            rc = EXIT_FAILURE_RUN;
        }
    }
    rep->seconds = util_now() - t0;
    return rc;
}

static int load_file_once(const char *path, const load_options *o_in, flow_table *out, load_report *rep, int *changed)
{
    const load_options *o = o_in;
    double t0 = util_now();
    *changed = 0;
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);
    hosts_init(&out->hosts);
    out->internal = o->internal;

    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* a FIFO must not wait for a writer */
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return fail(rep, out, EXIT_NO_INPUT, "cannot open %s: %s; check the path.", path, strerror(e));
        if (e == EACCES)
            return fail(rep, out, EXIT_NO_INPUT, "cannot open %s: %s; check its permissions.", path, strerror(e));
        return fail(rep, out, EXIT_NO_INPUT, "cannot open %s: %s.", path, strerror(e));
    }
    struct stat st;
    if (fstat(fd, &st)) {
        int e = errno;
        close(fd);
        return fail(rep, out, EXIT_NO_INPUT, "cannot read %s: %s.", path, strerror(e));
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return fail(rep, out, EXIT_NO_INPUT, "%s is a directory; name a flow file (CSV) instead%s.", path, "");
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return fail(rep, out, EXIT_NO_INPUT, "%s is not a regular file; save the flows to a file first%s.", path, "");
    }
    rep->file_bytes = (uint64_t)st.st_size;
    if (st.st_size == 0) {
        close(fd);
        return fail(rep, out, EXIT_NO_INPUT,
                    "%s is empty; a flow file has lines like 1578326400001,13.43.52.51,18.70.112.62,40,57354%s.",
                    path, "");
    }
    /* gzip or zstd (by magic bytes): decompressed first (decompress.c) */
    uint64_t data_size = rep->file_bytes;
    load_options o_whole;
    progress_whole pw = {o_in, rep->file_bytes};
    int fd0 = fd;
    int zst = open_decompressed(&fd, &data_size, &o, &o_whole, &pw, rep, out, path);
    if (zst >= 0) return zst;
    int decompressed = fd != fd0;   /* fd is then a temporary file: the source is checked by path */

    /* probe the first rows: header, layout, seconds; and a quote there means
     * one parser from the start */
    char *head = malloc(PROBE_BYTES);
    if (!head) { close(fd); return fail(rep, out, EXIT_FAILURE_RUN, "cannot load %s: %s.", path, strerror(ENOMEM)); }
    ssize_t got = pread(fd, head, PROBE_BYTES, 0);
    if (got < 0) {
        int e = errno;
        free(head);
        close(fd);
        return fail(rep, out, EXIT_NO_INPUT, "cannot read %s: %s.", path, strerror(e));
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
    layout lay;
    layout_decide(&pr, &lay);
    for (int i = 0; i < pr.nrows; i++) probe_row_free(&pr.rows[i]);
    /* quotes in the header alone (as some tools write it) need not cost the
     * threads: the header is a line of its own when its quotes pair up */
    header_end = bom;
    if (lay.has_header) header_end = bom + header_line_end(head + bom, (size_t)got - bom);
    /* nfdump, Zeek: format.c's column map replaces the CSV layout (and says
     * the unit); a CSV's unit is the median of its first good lines */
    format_layout fl;
    format_detect(head, (size_t)got, (uint64_t)got == data_size, (flow_format)o->format, &fl);
    if (fl.format != FORMAT_CSV) {
        layout_from_format(&lay, &fl);
        bom = header_end = fl.data_start < (uint64_t)got ? (size_t)fl.data_start : (size_t)got;
        data_size = format_data_end(fd, data_size, &fl);    /* nfdump's Summary block */
        if (data_size < header_end) data_size = header_end;
    } else {
        unit_decide(head + header_end, (size_t)got - header_end, (uint64_t)got == data_size, &lay);
    }
    rep->format = fl.format;
    int quoted = !lay.lines && memchr(head + header_end, '"', (size_t)got - header_end) != NULL;
    double line_bytes = mean_line_bytes(head + header_end, (size_t)got - header_end);
    free(head);
    rep->had_header = lay.has_header || fl.header_lines > 0;
    rep->timestamps_in_seconds = lay.seconds;

    int nw = o->threads > 0 ? o->threads : cpu_count();
    if (nw > 256) nw = 256;
    if (quoted) nw = 1;
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.fd = fd;
    sh.size = data_size;
    sh.lay = &lay;
    sh.t = out;
    sh.single = nw == 1;
    sh.scan_from = header_end;
    sh.line_bytes = line_bytes;
    sh.pagesz = sysconf(_SC_PAGESIZE);
    pthread_mutex_init(&sh.mu, NULL);
    pthread_cond_init(&sh.cv, NULL);
    worker *w = calloc((size_t)nw, sizeof *w);
    int perr = w ? parse_all(&sh, w, nw, bom, o) : ENOMEM;
    if (perr == ERANGE) {
        /* a chunk had more rows than its estimate: again, on sure bounds */
        parse_reset(&sh, w, nw, out, o);
        sh.line_bytes = 0;
        perr = parse_all(&sh, w, nw, bom, o);
    }
    if (perr == EAGAIN) {
        /* a quote somewhere: one parser over the whole file */
        parse_reset(&sh, w, nw, out, o);
        nw = 1;
        sh.single = 1;
        perr = parse_all(&sh, w, nw, bom, o);
    }
    rep->threads_used = nw;
    {
        struct stat now_fd, now_path;
        *changed = atomic_load(&sh.short_read) || (!decompressed && (fstat(fd, &now_fd) || file_changed(&st, &now_fd))) ||
                   stat(path, &now_path) || file_changed(&st, &now_path);
    }
    close(fd);

    int status = EXIT_OK;
    if (perr) {
        if (perr == ECANCELED) snprintf(rep->error, sizeof rep->error, "cancelled");
        else snprintf(rep->error, sizeof rep->error, "cannot load %s: %s.", path, strerror(perr));
        status = EXIT_FAILURE_RUN;
    }
    /* the report: counts, and the first bad line numbers in file order */
    uint64_t line_offset = fl.format != FORMAT_CSV ? fl.header_lines : 0;
    rep->lines = line_offset;
    for (int k = 0; status == EXIT_OK && k < nw; k++) {
        rep->lines += w[k].lines;
        rep->bad_total += w[k].bad_total;
        for (int b = 0; b < BAD_KIND_COUNT; b++) {
            rep->bad[b] += w[k].bad[b];
            for (int i = 0; i < w[k].nfirst_bad[b] && rep->nfirst_bad[b] < LOAD_FIRST_LINES; i++)
                rep->first_bad[b][rep->nfirst_bad[b]++] = w[k].first_bad[b][i] + line_offset;
        }
        line_offset += w[k].line - 1;
    }
    if (status == EXIT_OK && merge(out, w, nw, &o->internal, sh.pagesz)) {
        snprintf(rep->error, sizeof rep->error, "cannot load %s: %s.", path, strerror(ENOMEM));
        status = EXIT_FAILURE_RUN;
    }
    if (status == EXIT_OK && o->progress) o->progress(o->user, rep->file_bytes, rep->file_bytes, out->n);
    for (int k = 0; w && k < nw; k++) worker_free(&w[k]);
    free(w);
    pthread_mutex_destroy(&sh.mu);
    pthread_cond_destroy(&sh.cv);

    if (status == EXIT_OK && out->n == 0) {
        status = EXIT_NO_INPUT;
        if (rep->lines == 0)
            snprintf(rep->error, sizeof rep->error,
                     "%s has only blank lines; a flow file has lines like 1578326400001,13.43.52.51,18.70.112.62,40,57354.",
                     path);
        else if (rep->bad_total == 0)
            snprintf(rep->error, sizeof rep->error,
                     "%s has a header line but no flows; check that the file is complete.", path);
        else {
            int worst = 0;
            for (int b = 1; b < BAD_KIND_COUNT; b++)
                if (rep->bad[b] > rep->bad[worst]) worst = b;
            static const char *const what[BAD_KIND_COUNT] = {
                "a wrong number of fields", "a bad timestamp", "an empty or over-long host",
                "a bad port", "a bad byte count"};
            snprintf(rep->error, sizeof rep->error,
                     "%s has no valid flow line: all %llu lines are malformed, most with %s "
                     "(first at line %llu); a flow line is timestamp,src,dst,port,bytes "
                     "such as 1578326400001,13.43.52.51,18.70.112.62,40,57354.",
                     path, (unsigned long long)rep->bad_total, what[worst],
                     (unsigned long long)rep->first_bad[worst][0]);
        }
    }
    if (status != EXIT_OK) {
        flows_free(out);
        hosts_init(&out->hosts);
    } else {
        out->internal = o->internal;
    }
    rep->seconds = util_now() - t0;
    return status;
}
