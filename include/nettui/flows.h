/* flows.h: the flow table, the one in-memory copy of a flow file.
 *
 * Columns, not rows: 22 bytes a flow (ts 8, src 4, dst 4, port 2, bytes 4).
 * Hosts are interned into dense ids at load; a host is either an IPv4 address
 * (the common case) or a string (an IPv6 address or a name, kept verbatim).
 * Byte counts of 2^32-1 or more are rare: the column holds FLOWS_BYTES_BIG and
 * the true value sits in a small side list, read through flows_bytes_at(). */
#ifndef NETTUI_FLOWS_H
#define NETTUI_FLOWS_H

#include <stddef.h>
#include <stdint.h>

typedef uint32_t host_id;
#define HOST_NONE UINT32_MAX
#define FLOWS_BYTES_BIG UINT32_MAX

/* One CIDR block of the internal network. */
typedef struct cidr {
    uint32_t net;   /* network address, host byte order */
    uint32_t mask;  /* e.g. 0xff000000 for /8 */
} cidr;

#define CIDR_MAX 64
typedef struct cidr_list {
    int n;
    cidr v[CIDR_MAX];
} cidr_list;

/* Parses "12.0.0.0/8,13.0.0.0/8"; returns 0, or -1 with a sentence in err. */
int cidr_list_parse(cidr_list *out, const char *text, char *err, size_t errlen);
/* The default internal network of the CTF data: 12/8, 13/8, 14/8. */
void cidr_list_default(cidr_list *out);
/* 1 if ip (host byte order) lies in one of the blocks. */
int cidr_list_contains(const cidr_list *l, uint32_t ip);

/* Parses a dotted quad of exactly len bytes; returns 0 and sets *ip, or -1. */
int ipv4_parse(const char *s, size_t len, uint32_t *ip);
/* Writes a dotted quad into buf (at least 16 bytes); returns buf. */
char *ipv4_format(uint32_t ip, char *buf);
/* Writes "10.0.0.0/8" into buf (at least 19 bytes); returns buf. */
char *cidr_format(const cidr *c, char *buf);

/* The host dictionary: dense ids 0..n-1. */
typedef struct host_dict {
    uint32_t n, cap;
    uint32_t *ip;        /* IPv4 address, or 0 for a string host */
    uint32_t *name_off;  /* offset into names for a string host, UINT32_MAX for IPv4 */
    uint8_t *internal;   /* 1 if internal (IPv4 in the internal CIDR list) */
    char *names;         /* NUL-terminated string hosts, back to back */
    size_t names_len, names_cap;
    /* open-addressing index: slot -> id+1 (0 empty); keyed by ip, or by name hash */
    uint32_t *slots;
    uint32_t nslots;     /* power of two */
} host_dict;

void hosts_init(host_dict *d);
void hosts_free(host_dict *d);
/* Interns an IPv4 host; returns its id, or HOST_NONE when out of memory. */
host_id hosts_add_ipv4(host_dict *d, uint32_t ip, const cidr_list *internal);
/* Interns a string host (len bytes, no NUL needed); returns id or HOST_NONE. */
host_id hosts_add_name(host_dict *d, const char *s, size_t len);
/* Looks up "1.2.3.4" or a string host; HOST_NONE when absent. */
host_id hosts_find(const host_dict *d, const char *s);
/* The host as text: buf must hold 16 bytes; string hosts return their own text. */
const char *hosts_name(const host_dict *d, host_id h, char *buf);

/* A row of bytes >= 2^32-1, sorted by row. */
typedef struct flow_big_bytes {
    uint64_t row;
    uint64_t bytes;
} flow_big_bytes;

typedef struct flow_table {
    size_t n;            /* good flows */
    int64_t *ts;         /* epoch milliseconds, UTC */
    host_id *src, *dst;
    uint16_t *port;
    uint32_t *bytes;     /* FLOWS_BYTES_BIG: see big[] */
    flow_big_bytes *big;
    size_t nbig;
    host_dict hosts;
    int64_t ts_min, ts_max;   /* over all flows; 0 when n == 0 */
    uint64_t total_bytes;     /* saturating sum */
    cidr_list internal;       /* the blocks the table was classified with */
    /* Ownership: columns come either from the loader (each its own mapping,
     * released by flows_free) or from a cache mapping (one region). */
    void *region; size_t region_len;    /* non-NULL when mapped from a cache (the
                                         * columns only; big is then a malloc'd copy) */
    size_t col_cap;                     /* loader: capacity of each column mapping */
    int releasable;                     /* the columns are a read-only mapping of a file
                                         * nettui wrote (a source's groups or calls,
                                         * chcache.c): flows_release may let go of them;
                                         * with no region of its own, they live in
                                         * another table's (the calls in their groups'
                                         * file) and flows_free leaves them */
    /* Weighted rows (a remote source's pre-aggregated table, chsource.h):
     * NULL for a file. Row i then stands for weight[i] flows of one (src,
     * dst, port, hour), ts[i] the first and ts_last[i] the last of them,
     * bytes[i] their sum. Both are malloc'd, or both in the region (a
     * ClickHouse source's file, chcache.c), or both NULL. */
    uint32_t *weight;
    int64_t *ts_last;
    uint64_t weight_total;              /* the flows the rows stand for (weighted rows only) */
    /* With weighted rows: the individual flows from internal hosts to the
     * beacon candidates (beacon.c needs each call's time), host ids the
     * ones of this table (calls->hosts stays empty), no weights; NULL
     * otherwise: beacon.c then reads this table itself. Owned. */
    struct flow_table *calls;
    /* In a calls table: each call's row index among the flows it came
     * from, which beacon.c's fixed sample hashes (so a sampled callee keeps
     * the calls it keeps on the file); NULL elsewhere (the row itself). */
    uint64_t *row;
} flow_table;

/* Lets go of rows [lo, hi) of a table whose columns map a file nettui
 * wrote (releasable: a ClickHouse source's groups and calls, chsource.h):
 * their pages leave the process's memory and stay in the page cache (a
 * read after faults them back in). A pass over such a table calls it
 * behind itself, so reading the groups costs nettui no memory. Does
 * nothing to any other table (a file's columns are its only copy). */
void flows_release(const flow_table *t, size_t lo, size_t hi);
/* The slice a pass lets go of at a time: 256k rows (8 MB of groups). */
#define FLOWS_RELEASE_ROWS ((size_t)1 << 18)

/* The flows the table holds: rows, or the weights' sum for weighted rows. */
uint64_t flows_count(const flow_table *t);
/* The flows row i stands for: 1, or its weight. */
static inline uint32_t flows_weight_at(const flow_table *t, size_t i)
{
    return t->weight ? t->weight[i] : 1;
}

/* The true byte count of row i. */
uint64_t flows_bytes_at(const flow_table *t, size_t i);
/* Frees everything the table owns and zeroes it. */
void flows_free(flow_table *t);
/* Allocates columns for at most cap rows (lazily committed memory); 0 or -1. */
int flows_alloc_columns(flow_table *t, size_t cap);

#endif
