/* load_priv.h: what the loader's units share, private to src/core/load*.c.
 *
 * The loader (include/nettui/load.h) is split by job:
 *   load.c         the coordinator: opens the file, splits it into chunks,
 *                  runs the workers, restarts them, builds the report;
 *   load_probe.c   the first 64 kB: header or not, the column layout, the
 *                  time unit, quotes and the mean line length;
 *   load_num.h     the number parsers of the hot path (inline);
 *   load_hosts.c   a worker's own host table (local ids, text index);
 *   load_worker.c  one thread over one chunk: libcsv's callbacks, the
 *                  long-line and stray-quote guards;
 *   load_merge.c   the merge: hosts into the table's dictionary in file
 *                  order, then the regions compacted column by column.
 * Nothing here is public API; the names carry a load_ prefix only because the
 * library is one static archive. */
#ifndef NETTUI_LOAD_PRIV_H
#define NETTUI_LOAD_PRIV_H

#include <csv.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nettui/flows.h"
#include "nettui/format.h"
#include "nettui/load.h"

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

/* ---- the column layout (load_probe.c decides it) -------------------------- */

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

/* What the probe of the file's first PROBE_BYTES found. */
typedef struct load_probe_result {
    layout lay;
    format_layout fl;            /* the format (FORMAT_CSV unless nfdump or Zeek) */
    uint64_t data_start;         /* the first byte of the first chunk (after a BOM, or a format's header lines) */
    uint64_t header_end;         /* quotes before this offset are the header's, harmless */
    uint64_t data_size;          /* where the data ends (nfdump's Summary block cut off) */
    int quoted;                  /* a quote after the header: one parser from the start */
    double line_bytes;           /* mean line length of the probe, 0: too few lines to tell */
} load_probe_result;

typedef enum load_probe_status {
    LOAD_PROBE_OK,
    LOAD_PROBE_NO_MEMORY,
    LOAD_PROBE_READ_FAILED,      /* errno tells why */
} load_probe_status;

/* Reads the first PROBE_BYTES of fd (data_size bytes of data in all) and
 * decides the layout; format is the --format choice (flow_format). */
load_probe_status load_probe(int fd, uint64_t data_size, int format, load_probe_result *pr);

/* ---- a worker's own host table (load_hosts.c) ----------------------------- */

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

void load_hosts_free(local_hosts *h);
/* Interns a host text of a good row: its local id, or HOST_NONE (no memory). */
uint32_t load_hosts_intern(local_hosts *h, const char *s, size_t len);

/* ---- workers (load_worker.c) ---------------------------------------------- */

/* How a worker ended, worst last: a worker keeps the worst that happened to
 * it, and the coordinator acts on the worst of all (load.c, parse_all). */
typedef enum worker_outcome {
    WORKER_DONE,          /* its chunk parsed, or stopped because another worker asked */
    WORKER_OVERFLOW,      /* its region, estimated from the mean line length, was full:
                           * parse again on sure bounds */
    WORKER_QUOTED,        /* a quote on a multi-chunk parse: a quoted field may hold a
                           * newline a chunk boundary cut, so parse again on one thread */
    WORKER_FAILED,        /* out of memory or a read error: error holds the errno */
} worker_outcome;

typedef struct shared {
    int fd;
    uint64_t size;
    const layout *lay;
    flow_table *t;
    int single;                   /* one parser: quotes allowed */
    uint64_t scan_from;           /* quotes before this offset (the header's) are harmless */
    double line_bytes;            /* mean line length from the probe, 0: unknown */
    atomic_int stop;              /* cancel, a quote seen, a region full, or an error */
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
    worker_outcome outcome;       /* how the worker ended: see worker_outcome */
    int error;                    /* WORKER_FAILED: the errno of the failure (for its message) */

    atomic_uint_least64_t bytes_done, rows_done;
    pthread_t thread;
} worker;

/* The thread body: parses bytes [start, end) of the file into the worker's
 * region, sets outcome, and signals sh->cv when done. */
void *load_worker_run(void *arg);
void load_worker_free(worker *w);

/* libcsv keeps no documented way to ask whether it stands inside a quoted
 * field; load_worker.c reads it from its struct (see there). 1 when p is
 * inside a quoted field, with *held the bytes of that field it holds. */
int load_csv_in_quotes(const struct csv_parser *p, size_t *held);

/* ---- the merge (load_merge.c) --------------------------------------------- */

/* Builds the table's dictionary in file order (so any thread count gives the
 * same table) and compacts the workers' regions into one run of rows.
 * 0, or -1 when out of memory. */
int load_merge(flow_table *t, worker *w, int nw, const cidr_list *internal, long pagesz);

#endif
