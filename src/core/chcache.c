/* chcache.c: owns the file a ClickHouse source's groups live in (chsource.h):
 * ch-HASH.ntw, the local cache, or the same layout in an unnamed temporary
 * file when there is no cache. The weighted table's columns are never held
 * in nettui's memory: the groups stream from the server into the file
 * (ch_spill_*), the file is mapped, and the engine's passes read it and let
 * go of each stretch behind them (flows_release), so nettui's resident
 * memory is the facts, the host dictionary and the beacon calls, and the
 * groups are page cache the kernel may drop (see chsource.h).
 *
 * Layout (native byte order, as the table cache):
 *   [0, 4096)          prefix: magic, cap, n, tail length, one sum per column,
 *                      where the calls' columns begin
 *   [4096, tail)       columns ts, ts_last, src, dst, bytes, weight, port,
 *                      each cap rows (cap a multiple of 2048, so each starts
 *                      on a page); rows n..cap are zeros (a hole on disk)
 *   [tail, calls)      key, totals, host texts, big-byte rows, the calls'
 *                      count and big-byte rows, zeros to a page
 *   [calls, end - 16)  the calls' columns ts, row, src, dst, bytes, port
 *                      (n each, the last padded to 8 bytes)
 *   [end - 16, end)    the checksum of prefix and tail, and a trailer
 * The calls are mapped like the groups (ch_spill_map_calls, and on a
 * reopen), so the beacon candidates' calls are not held in memory either.
 * cap is set before the first group comes (the server's row count bounds
 * the groups), so the columns can be written as they stream in, at fixed
 * places, each through its own buffer.
 *
 * The key names the server without the password, the table, --where, the
 * internal network asked for, and the table's row count, time range and
 * sums as the server counts them now: a table that changed gets another
 * key, so a stale file is never read, only left for another key. Reading
 * checks every length, id and order, and every column's sum, a stretch at
 * a time; a file that fails says why (a cache_reason, for the policy) and
 * is rewritten. A named file is written as path.PID.tmp and renamed.
 *
 * The file's identity is its checksum (which covers the column sums): the
 * engine's facts cache beside it (<file>.facts, persist.c) is keyed to it
 * as a table cache's facts are to cache_table_id, so facts made from other
 * rows are refused. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/cache.h"
#include "nettui/cache_policy.h"
#include "nettui/chsource.h"
#include "nettui/mapguard.h"
#include "nettui/weighted.h"

#define MAGIC "NTCHSRC2"
#define TRAILER "NTCHEND2"
#define PAGE 4096u
#define CAP_ALIGN 2048u          /* cap * 2 (the port column) fills whole pages */
#define ROW_BYTES 34u
#define PREFIX_BYTES (8 + 8 * 4 + 8 * NCOL)
#define SPILL_BUF (64u << 10)     /* per column: a multiple of every column's width */
#define CHECK_ROWS FLOWS_RELEASE_ROWS   /* rows read (and let go) at a time; a multiple of CAP_ALIGN */
#define FNV_BASIS 0xcbf29ce484222325ULL
#define FNV_PRIME 0x100000001b3ULL

enum { COL_TS, COL_TS_LAST, COL_SRC, COL_DST, COL_BYTES, COL_WEIGHT, COL_PORT, NCOL };
static const unsigned col_width[NCOL] = { 8, 8, 4, 4, 4, 4, 2 };
/* A calls spill (an unnamed file of calls alone): ts, row, src, dst,
 * bytes, port, the order of the calls' columns in the tail. */
enum { CALL_TS, CALL_ROW, CALL_SRC, CALL_DST, CALL_BYTES, CALL_PORT, NCALL };
static const unsigned call_width[NCALL] = { 8, 8, 4, 4, 4, 2 };

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++) { h ^= (unsigned char)*s; h *= FNV_PRIME; }
    return h;
}

int ch_cache_path(const char *dir, const char *key, char *out, size_t len)
{
    char base[3800];
    if (cache_dir_path(dir, base, sizeof base)) return -1;
    /* the folder (0700) and its parent, as the table cache makes them */
    char parent[3800];
    snprintf(parent, sizeof parent, "%s", base);
    char *slash = strrchr(parent, '/');
    if (slash && slash != parent) { *slash = 0; if (mkdir(parent, 0700) && errno != EEXIST) return -1; }
    if (mkdir(base, 0700) && errno != EEXIST) return -1;
    int n = snprintf(out, len, "%s/ch-%016llx%016llx.ntw", base, (unsigned long long)fnv(key, FNV_BASIS),
                     (unsigned long long)fnv(key, 0x84222325cbf29ce4ULL));
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* The checksum of the prefix and tail: 64-bit FNV-1a a byte at a time
 * (they are small). */
static uint64_t sum_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= FNV_PRIME; }
    return h;
}

/* A column's sum: FNV-1a over 8-byte words (eight times the speed of the
 * byte-wise one over the big part of the file). */
static uint64_t sum_words(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, b + i, 8);
        h = (h ^ w) * FNV_PRIME;
    }
    return h;
}

/* sum_words continued over k zero words: h * prime^k. */
static uint64_t sum_zero_words(uint64_t h, uint64_t k)
{
    uint64_t p = FNV_PRIME, r = 1;
    for (; k; k >>= 1, p *= p) if (k & 1) r *= p;
    return h * r;
}

/* Lets go of the whole pages inside [p, p + n) of a mapping nettui only
 * reads (they stay in the page cache). */
static void let_go(const void *p, size_t n)
{
    uintptr_t a = ((uintptr_t)p + PAGE - 1) & ~(uintptr_t)(PAGE - 1), b = ((uintptr_t)p + n) & ~(uintptr_t)(PAGE - 1);
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);   /* a hint: a failure only keeps the pages */
}

/* Byte offset of column c of widths w in a file of capacity cap. */
static uint64_t off_in(const unsigned *w, uint64_t cap, int c)
{
    uint64_t off = PAGE;
    for (int k = 0; k < c; k++) off += cap * w[k];
    return off;
}

static uint64_t col_off(uint64_t cap, int c)
{
    return off_in(col_width, cap, c);
}

/* Calls' columns from b, cap rows each one after another (a calls spill's,
 * or the cache tail's with cap = n), into c: n rows, let go by passes. */
static void attach_calls(flow_table *c, unsigned char *b, uint64_t cap, uint64_t n)
{
    c->n = n;
    c->releasable = 1;
    c->ts = (int64_t *)(b + off_in(call_width, cap, CALL_TS) - PAGE);
    c->row = (uint64_t *)(b + off_in(call_width, cap, CALL_ROW) - PAGE);
    c->src = (host_id *)(b + off_in(call_width, cap, CALL_SRC) - PAGE);
    c->dst = (host_id *)(b + off_in(call_width, cap, CALL_DST) - PAGE);
    c->bytes = (uint32_t *)(b + off_in(call_width, cap, CALL_BYTES) - PAGE);
    c->port = (uint16_t *)(b + off_in(call_width, cap, CALL_PORT) - PAGE);
}

/* ---- writing: the spill ------------------------------------------------------ */

struct ch_spill {
    int fd;
    int calls;                 /* a calls spill (call_width), else groups (col_width) */
    int ncol;
    const unsigned *width;
    int named;                 /* path.PID.tmp, renamed to path by ch_spill_finish */
    int unlinked;              /* ... which has no name yet (O_TMPFILE): linked at the end */
    int in_cache;              /* made in the cache folder (else TMPDIR's) */
    char dir[4200];            /* the folder it is in, for a message */
    char path[4200], tmp[4300];
    uint64_t cap, n;
    uint64_t sum[NCOL];
    uint64_t written[NCOL];    /* bytes of each column on disk */
    size_t len[NCOL];
    unsigned char *buf[NCOL];
    int err;                   /* errno of the first failed write, or 0 */
    void *map;                 /* the columns, once mapped */
    size_t map_len;
    uint64_t calls_off, ncalls;   /* where ch_spill_finish put the calls' columns */
};

static int spill_flush(ch_spill *s, int c, int last)
{
    size_t n = s->len[c];
    if (last) while (n % 8) s->buf[c][n++] = 0;   /* the rest of the word is the column's zero tail */
    s->sum[c] = sum_words(s->buf[c], n, s->sum[c]);
    for (size_t done = 0; done < n && !s->err;) {
        ssize_t w = pwrite(s->fd, s->buf[c] + done, n - done, (off_t)(off_in(s->width, s->cap, c) + s->written[c] + done));
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) s->err = w < 0 ? errno : EIO;
        else done += (size_t)w;
    }
    s->written[c] += n;
    s->len[c] = 0;
    return s->err ? -1 : 0;
}

static int spill_put(ch_spill *s, int c, const void *v)
{
    memcpy(s->buf[c] + s->len[c], v, s->width[c]);
    s->len[c] += s->width[c];
    return s->len[c] == SPILL_BUF ? spill_flush(s, c, 0) : 0;
}

/* weighted_sink's put: one row into the seven buffers. */
static int spill_row(void *user, const weighted_row *r)
{
    ch_spill *s = user;
    if (s->err) return -1;
    if (s->n == s->cap) { s->err = EOVERFLOW; return -1; }   /* more rows than the room: see chsource.h */
    if (s->calls) {
        int bad = spill_put(s, CALL_TS, &r->ts) | spill_put(s, CALL_ROW, &r->row) | spill_put(s, CALL_SRC, &r->src)
                | spill_put(s, CALL_DST, &r->dst) | spill_put(s, CALL_BYTES, &r->bytes) | spill_put(s, CALL_PORT, &r->port);
        s->n++;
        return bad ? -1 : 0;
    }
    int bad = spill_put(s, COL_TS, &r->ts) | spill_put(s, COL_TS_LAST, &r->ts_last) | spill_put(s, COL_SRC, &r->src)
            | spill_put(s, COL_DST, &r->dst) | spill_put(s, COL_BYTES, &r->bytes) | spill_put(s, COL_WEIGHT, &r->weight)
            | spill_put(s, COL_PORT, &r->port);
    s->n++;
    return bad ? -1 : 0;
}

/* TMPDIR, else /tmp. */
const char *ch_spill_tmpdir(void)
{
    const char *dir = getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

/* A temporary file in TMPDIR (else /tmp), gone once closed and unmapped. */
static int open_unnamed(void)
{
    const char *dir = ch_spill_tmpdir();
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    char tmpl[4200];
    snprintf(tmpl, sizeof tmpl, "%s/nettui-groups.XXXXXX", dir);
    fd = mkstemp(tmpl);
    if (fd >= 0) unlink(tmpl);
    return fd;
}

int ch_spill_open(ch_spill **out, const char *path, uint64_t rows, int calls, int *err)
{
    *out = NULL;
    *err = 0;
    ch_spill *s = calloc(1, sizeof *s);
    if (!s) { *err = ENOMEM; return -1; }
    s->fd = -1;
    s->calls = calls;
    s->ncol = calls ? NCALL : NCOL;
    s->width = calls ? call_width : col_width;
    if (calls) path = NULL;   /* calls alone are never a cache file */
    /* at most a row a flow (the server's count), and a little room for a
     * table filled while it is read */
    uint64_t cap = rows + rows / 16;
    s->cap = cap ? (cap + CAP_ALIGN - 1) / CAP_ALIGN * CAP_ALIGN : CAP_ALIGN;
    if (s->cap > (UINT64_MAX - PAGE) / ROW_BYTES / 2) { free(s); *err = EFBIG; return -1; }
    for (int c = 0; c < s->ncol; c++) {
        s->sum[c] = FNV_BASIS;
        if (!(s->buf[c] = malloc(SPILL_BUF))) { *err = ENOMEM; ch_spill_close(s); return -1; }
    }
    if (path) {
        s->named = 1;
        snprintf(s->path, sizeof s->path, "%s", path);
        snprintf(s->tmp, sizeof s->tmp, "%s.%d.tmp", path, (int)getpid());
        /* unnamed until finished where the system allows (a nettui killed
         * while the groups stream leaves nothing behind), else named tmp */
        char dir[4200];
        snprintf(dir, sizeof dir, "%s", path);
        char *slash = strrchr(dir, '/');
        if (slash) *slash = 0;
        s->in_cache = 1;
        snprintf(s->dir, sizeof s->dir, "%s", slash ? dir : ".");
        s->fd = open(slash ? dir : ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (s->fd >= 0) s->unlinked = 1;
        else s->fd = open(s->tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    } else {
        snprintf(s->dir, sizeof s->dir, "%s", ch_spill_tmpdir());
        s->fd = open_unnamed();
    }
    if (s->fd < 0) { *err = errno; s->named = 0; ch_spill_close(s); return -1; }
    *out = s;
    return 0;
}

weighted_sink ch_spill_sink(ch_spill *s)
{
    weighted_sink k = { spill_row, s };
    return k;
}

int ch_spill_error(const ch_spill *s)
{
    return s->err;
}

const char *ch_spill_dir(const ch_spill *s, int *in_cache)
{
    *in_cache = s->in_cache;
    return s->dir;
}

/* Columns at base (cap rows each) into t, which owns the mapping. */
static void attach(flow_table *t, unsigned char *base, size_t len, uint64_t cap, uint64_t n)
{
    t->region = base;
    t->region_len = len;
    t->releasable = 1;
    t->n = n;
    t->ts = (int64_t *)(base + col_off(cap, COL_TS));
    t->ts_last = (int64_t *)(base + col_off(cap, COL_TS_LAST));
    t->src = (host_id *)(base + col_off(cap, COL_SRC));
    t->dst = (host_id *)(base + col_off(cap, COL_DST));
    t->bytes = (uint32_t *)(base + col_off(cap, COL_BYTES));
    t->weight = (uint32_t *)(base + col_off(cap, COL_WEIGHT));
    t->port = (uint16_t *)(base + col_off(cap, COL_PORT));
}

int ch_spill_map(ch_spill *s, flow_table *t)
{
    for (int c = 0; c < s->ncol; c++) if (spill_flush(s, c, 1)) return -1;
    /* each column's zero tail counts in its sum, as the reader reads it */
    for (int c = 0; c < s->ncol; c++) {
        uint64_t bytes = s->cap * s->width[c];
        s->sum[c] = sum_zero_words(s->sum[c], (bytes - s->written[c]) / 8);
    }
    size_t len = (size_t)off_in(s->width, s->cap, s->ncol);
    if (ftruncate(s->fd, (off_t)len)) { s->err = errno; return -1; }
    void *m = mmap(NULL, len, PROT_READ, MAP_SHARED, s->fd, 0);
    if (m == MAP_FAILED) { s->err = errno; return -1; }
    mapguard_register(m, len, s->named ? s->tmp : "the temporary file of the groups");
    s->map = m;
    s->map_len = len;
    if (!s->calls) {
        attach(t, m, len, s->cap, s->n);
        return 0;
    }
    t->region = m;
    t->region_len = len;
    attach_calls(t, (unsigned char *)m + PAGE, s->cap, s->n);
    return 0;
}

/* ---- the tail (key, totals, hosts, big rows, calls) -------------------------------- */

/* The tail is written through f, then summed from the file (finish): its
 * length, in the prefix the sum starts with, is known only at the end. */
static int put(FILE *f, const void *p, size_t n)
{
    return n && fwrite(p, 1, n, f) != n ? -1 : 0;
}

static int put_u64(FILE *f, uint64_t v) { return put(f, &v, 8); }

static int put_hosts(FILE *w, const host_dict *d)
{
    if (put_u64(w, d->n)) return -1;
    for (uint32_t h = 0; h < d->n; h++) {
        if (d->name_off[h] == UINT32_MAX) {
            uint32_t rec[2] = { 0, d->ip[h] };
            if (put(w, rec, 8)) return -1;
        } else {
            const char *s = d->names + d->name_off[h];
            uint32_t rec[2] = { 1, (uint32_t)strlen(s) };
            if (put(w, rec, 8) || put(w, s, rec[1])) return -1;
        }
    }
    return 0;
}

/* Bytes of n calls' columns: 30 a call, padded to whole 8-byte words. */
static uint64_t calls_len(uint64_t n)
{
    return (n * 30 + 7) / 8 * 8;
}

static int put_calls(FILE *w, const flow_table *c, uint64_t *calls_off)
{
    static const unsigned char zeros[PAGE];
    size_t n = c ? c->n : 0, nbig = c ? c->nbig : 0;
    if (put_u64(w, n) || put_u64(w, nbig) || (nbig && put(w, c->big, nbig * sizeof *c->big))) return -1;
    off_t at = ftello(w);
    if (at < 0) return -1;
    size_t pad = (size_t)((PAGE - (uint64_t)at % PAGE) % PAGE);
    if (put(w, zeros, pad)) return -1;
    *calls_off = (uint64_t)at + pad;
    if (!n) return 0;
    /* the columns as they are (finish sums them from the file, by words),
     * a stretch at a time, let go behind when they are mapped */
    const void *col[NCALL] = { c->ts, c->row, c->src, c->dst, c->bytes, c->port };
    for (int k = 0; k < NCALL; k++)
        for (size_t lo = 0; lo < n; lo += CHECK_ROWS) {
            size_t hi = n - lo > CHECK_ROWS ? lo + CHECK_ROWS : n;
            if (fwrite((const unsigned char *)col[k] + lo * call_width[k], call_width[k], hi - lo, w) != hi - lo) return -1;
            flows_release(c, lo, hi);
        }
    size_t tail = (size_t)(calls_len(n) - n * 30);
    return fwrite(zeros, 1, tail, w) != tail ? -1 : 0;
}

static void prefix_of(const ch_spill *s, uint64_t tail_len, uint64_t calls_off, unsigned char p[PREFIX_BYTES])
{
    uint64_t v[4 + NCOL] = { s->cap, s->n, tail_len };
    for (int c = 0; c < NCOL; c++) v[3 + c] = s->sum[c];
    v[3 + NCOL] = calls_off;
    memcpy(p, MAGIC, 8);
    memcpy(p + 8, v, sizeof v);
}

int ch_spill_finish(ch_spill *s, const char *key, const flow_table *t, uint64_t *id)
{
    if (!s->map || s->err || s->calls) return -1;
    uint64_t tail_off = col_off(s->cap, NCOL);
    int fd = dup(s->fd);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "r+b");
    if (!f) { if (fd >= 0) close(fd); return -1; }
    int bad = fseeko(f, (off_t)tail_off, SEEK_SET) || put_u64(f, strlen(key)) || put(f, key, strlen(key))
           || put_u64(f, t->weight_total) || put_u64(f, t->total_bytes) || put_u64(f, (uint64_t)t->ts_min)
           || put_u64(f, (uint64_t)t->ts_max) || put_hosts(f, &t->hosts) || put_u64(f, t->nbig)
           || put(f, t->big, t->nbig * sizeof *t->big);
    uint64_t calls_off = 0;
    bad = bad || put_calls(f, t->calls, &calls_off);
    off_t end = bad ? -1 : ftello(f);
    bad = bad || end < 0 || fflush(f);
    uint64_t tail_len = bad ? 0 : (uint64_t)end - tail_off;
    unsigned char pre[PREFIX_BYTES];
    prefix_of(s, tail_len, calls_off, pre);
    uint64_t sum = sum_bytes(pre, sizeof pre, FNV_BASIS);
    /* the tail again, from the file, after the prefix: bytes to the
     * calls' columns, words over them */
    unsigned char buf[1 << 16];
    for (uint64_t at = 0; !bad && at < tail_len;) {
        uint64_t stop = tail_off + at < calls_off ? calls_off - tail_off : tail_len;
        size_t k = stop - at < sizeof buf ? (size_t)(stop - at) : sizeof buf;
        if (pread(s->fd, buf, k, (off_t)(tail_off + at)) != (ssize_t)k) bad = 1;
        sum = tail_off + at < calls_off ? sum_bytes(buf, k, sum) : sum_words(buf, k, sum);
        at += k;
    }
    bad = bad || fseeko(f, end, SEEK_SET) || fwrite(&sum, 1, 8, f) != 8 || fwrite(TRAILER, 1, 8, f) != 8 || fflush(f)
       || pwrite(s->fd, pre, sizeof pre, 0) != (ssize_t)sizeof pre || fsync(s->fd);
    if (fclose(f)) bad = 1;
    if (!bad && s->named && s->unlinked) {   /* a name for it now, then renamed over path */
        char self[64];
        snprintf(self, sizeof self, "/proc/self/fd/%d", s->fd);
        unlink(s->tmp);
        bad = linkat(AT_FDCWD, self, AT_FDCWD, s->tmp, AT_SYMLINK_FOLLOW) != 0;
        s->unlinked = bad;
    }
    if (bad || (s->named && rename(s->tmp, s->path))) {
        if (s->named && !s->unlinked) unlink(s->tmp);
        s->named = 0;
        return -1;
    }
    s->named = 0;   /* renamed: nothing to remove */
    s->calls_off = calls_off;
    s->ncalls = t->calls ? t->calls->n : 0;
    *id = sum;
    return 0;
}

int ch_spill_map_calls(ch_spill *s, flow_table *t)
{
    flow_table *c = t->calls;
    if (!c || !s->ncalls || c->n != s->ncalls || c->region) return -1;
    uint64_t n = s->ncalls, len = calls_len(n);
    void *m = mmap(NULL, (size_t)len, PROT_READ, MAP_SHARED, s->fd, (off_t)s->calls_off);
    if (m == MAP_FAILED) return -1;
    mapguard_register(m, (size_t)len, s->path[0] ? s->path : "the temporary file of the groups");
    /* the columns they came in go (a calls spill's mapping, or memory);
     * the big rows stay (a copy, as a table cache's) */
    if (c->region) {
        mapguard_unregister(c->region);
        munmap(c->region, c->region_len);
    } else {
        size_t cap = c->col_cap;
        munmap(c->ts, cap * 8); munmap(c->src, cap * 4); munmap(c->dst, cap * 4); munmap(c->port, cap * 2); munmap(c->bytes, cap * 4);
        free(c->row);
    }
    c->region = m;
    c->region_len = (size_t)len;
    c->col_cap = 0;
    attach_calls(c, m, n, n);
    return 0;
}

void ch_spill_close(ch_spill *s)
{
    if (!s) return;
    if (s->named && !s->unlinked) unlink(s->tmp);
    if (s->fd >= 0) close(s->fd);   /* the mapping, now the table's, keeps the file */
    for (int c = 0; c < s->ncol; c++) free(s->buf[c]);
    free(s);
}

int ch_cache_save(const char *path, const char *key, const flow_table *t, uint64_t *id)
{
    ch_spill *s;
    int err;
    if (ch_spill_open(&s, path, t->n, 0, &err)) return -1;
    weighted_sink k = ch_spill_sink(s);
    for (size_t i = 0; i < t->n; i++) {
        weighted_row r = { t->ts[i], t->ts_last[i], t->src[i], t->dst[i], t->bytes[i], t->weight[i], t->port[i], 0 };
        if (k.put(k.user, &r)) { ch_spill_close(s); return -1; }
    }
    flow_table m;
    memset(&m, 0, sizeof m);
    int rc = ch_spill_map(s, &m) || ch_spill_finish(s, key, t, id) ? -1 : 0;
    if (m.region) { mapguard_unregister(m.region); munmap(m.region, m.region_len); }
    ch_spill_close(s);
    return rc;
}

/* ---- reading ------------------------------------------------------------------- */

/* The tail is read from the mapping into the heap, the checksum kept on
 * the way. */
typedef struct reader {
    const unsigned char *p;
    uint64_t left;
    uint64_t sum;
    int bad;
} reader;

static int rd(reader *r, void *dst, size_t n)
{
    if (r->bad || n > r->left) { r->bad = 1; return -1; }
    memcpy(dst, r->p, n);
    r->sum = sum_bytes(r->p, n, r->sum);
    r->p += n;
    r->left -= n;
    return 0;
}

static uint64_t rd_u64(reader *r)
{
    uint64_t v = 0;
    rd(r, &v, 8);
    return v;
}

/* The calls into t->calls, their columns mapped at base + off: host ids
 * below nhosts, big rows ascending and in range, each stretch summed and
 * let go as it is read. r continues the checksum. 0, or -1. */
static int take_calls(reader *r, const unsigned char *base, uint64_t calls_off, flow_table *t, uint32_t nhosts)
{
    uint64_t n = rd_u64(r), nbig = rd_u64(r);
    if (r->bad || n > r->left / 30 || nbig > n || nbig > r->left / sizeof(flow_big_bytes)) return -1;
    flow_big_bytes *big = NULL;
    if (nbig && (!(big = malloc(nbig * sizeof *big)) || rd(r, big, nbig * sizeof *big))) { free(big); return -1; }
    uint64_t at = (uint64_t)(r->p - base), pad = (PAGE - at % PAGE) % PAGE;
    unsigned char zeros[PAGE] = {0};
    if (at + pad != calls_off || pad > r->left || rd(r, zeros, pad)) { free(big); return -1; }
    uint64_t len = calls_len(n);
    if (r->left != len) { free(big); return -1; }
    if (!n) { free(big); return nbig ? -1 : 0; }
    flow_table *c = calloc(1, sizeof *c);
    if (!c) { free(big); return -1; }
    hosts_init(&c->hosts);
    t->calls = c;
    c->big = big;
    c->nbig = nbig;
    attach_calls(c, (unsigned char *)r->p, n, n);   /* in t's mapping (region NULL: flows.h), which t's munmap frees */
    size_t nb = 0, bi = 0;
    for (uint64_t lo = 0; lo < n; lo += CHECK_ROWS) {
        uint64_t hi = lo + CHECK_ROWS < n ? lo + CHECK_ROWS : n;
        for (uint64_t i = lo; i < hi; i++) {
            if (c->src[i] >= nhosts || c->dst[i] >= nhosts || c->ts[i] < 0 || c->ts[i] > LOAD_TS_MAX_MS) return -1;
            if (c->bytes[i] == FLOWS_BYTES_BIG) {
                if (bi >= nbig || big[bi].row != i) return -1;
                bi++;
                nb++;
            }
            if (i == 0 || c->ts[i] < c->ts_min) c->ts_min = c->ts[i];
            if (i == 0 || c->ts[i] > c->ts_max) c->ts_max = c->ts[i];
        }
        flows_release(c, (size_t)lo, (size_t)hi);
    }
    if (nb != nbig) return -1;
    /* the checksum over the columns, by words, a stretch at a time */
    for (uint64_t at2 = 0; at2 < len;) {
        uint64_t k = len - at2 < (64u << 20) ? len - at2 : (64u << 20);
        r->sum = sum_words(r->p, (size_t)k, r->sum);
        let_go(r->p, (size_t)k);
        r->p += k;
        r->left -= k;
        at2 += k;
    }
    return 0;
}

/* The tail into t: key, totals, hosts, big rows (checked against the
 * columns later), calls. 0, or -1 with *why DAMAGED unless it says other. */
static int take_tail(reader *r, const unsigned char *base, uint64_t calls_off, const char *key, flow_table *t, cache_reason *why)
{
    char k[8192];
    uint64_t klen = rd_u64(r);
    if (r->bad || klen > sizeof k || rd(r, k, klen)) return -1;
    if (klen != strlen(key) || memcmp(k, key, klen)) { *why = CACHE_REASON_OTHER_SOURCE; return -1; }   /* two keys, one hash */
    t->weight_total = rd_u64(r);
    t->total_bytes = rd_u64(r);
    t->ts_min = (int64_t)rd_u64(r);
    t->ts_max = (int64_t)rd_u64(r);
    uint64_t nh = rd_u64(r);
    if (r->bad || nh > UINT32_MAX || nh > r->left / 8) return -1;
    for (uint64_t h = 0; h < nh; h++) {
        uint32_t rec[2];
        char name[256];
        if (rd(r, rec, 8)) return -1;
        host_id id;
        if (rec[0] == 0) id = hosts_add_ipv4(&t->hosts, rec[1], &t->internal);
        else {
            if (rec[0] != 1 || rec[1] >= sizeof name || rd(r, name, rec[1]) || !load_host_ok(name, rec[1])) return -1;
            id = hosts_add_name(&t->hosts, name, rec[1]);
        }
        if (id != h) return -1;   /* a duplicate, or no memory */
    }
    uint64_t nbig = rd_u64(r);
    if (r->bad || nbig > t->n || nbig > r->left / sizeof *t->big) return -1;
    if (nbig) {
        if (!(t->big = malloc(nbig * sizeof *t->big)) || rd(r, t->big, nbig * sizeof *t->big)) return -1;
        t->nbig = nbig;
        for (size_t j = 0; j < nbig; j++)
            if (t->big[j].row >= t->n || (j && t->big[j].row <= t->big[j - 1].row)) return -1;
    }
    return take_calls(r, base, calls_off, t, (uint32_t)nh) || r->left ? -1 : 0;
}

/* Every column's sum and every row's bounds, a stretch at a time, each
 * stretch let go once read (its pages stay in the page cache for the
 * engine, out of nettui's memory). A sum runs over the column's n rows to
 * a whole word, then over the zeros to its cap rows, which are never read
 * (a hole in the file): damage there could change no answer. 0, or -1. */
static int check_columns(const flow_table *t, uint64_t cap, const uint64_t sums[NCOL])
{
    uint64_t h[NCOL], wsum = 0;
    size_t nb = 0, bi = 0;
    const uint64_t n = t->n;
    const unsigned char *col[NCOL] = { (void *)t->ts, (void *)t->ts_last, (void *)t->src, (void *)t->dst,
                                       (void *)t->bytes, (void *)t->weight, (void *)t->port };
    for (int c = 0; c < NCOL; c++) h[c] = FNV_BASIS;
    for (uint64_t lo = 0; lo < n; lo += CHECK_ROWS) {
        uint64_t hi = lo + CHECK_ROWS < n ? lo + CHECK_ROWS : n;
        for (int c = 0; c < NCOL; c++) {
            uint64_t a = lo * col_width[c], b = hi == n ? (n * col_width[c] + 7) / 8 * 8 : hi * col_width[c];
            h[c] = sum_words(col[c] + a, (size_t)(b - a), h[c]);
        }
        for (uint64_t i = lo; i < hi; i++) {
            if (t->src[i] >= t->hosts.n || t->dst[i] >= t->hosts.n || t->ts[i] < 0 || t->ts[i] > LOAD_TS_MAX_MS
                || !t->weight[i] || t->ts_last[i] < t->ts[i] || t->ts_last[i] > LOAD_TS_MAX_MS)
                return -1;
            wsum += t->weight[i];
            if (t->bytes[i] == FLOWS_BYTES_BIG) {
                if (bi >= t->nbig || t->big[bi].row != i) return -1;
                bi++;
                nb++;
            }
        }
        flows_release(t, (size_t)lo, (size_t)hi);
    }
    for (int c = 0; c < NCOL; c++) {
        uint64_t used = (n * col_width[c] + 7) / 8 * 8;
        if (sum_zero_words(h[c], (cap * col_width[c] - used) / 8) != sums[c]) return -1;
    }
    return wsum == t->weight_total && nb == t->nbig ? 0 : -1;
}

/* 0, or -1 with *why DAMAGED unless load_from says otherwise. */
static int load_from(unsigned char *base, size_t size, const char *key, flow_table *t, uint64_t *id, cache_reason *why)
{
    uint64_t v[4 + NCOL];
    if (size < PAGE + 16 || memcmp(base, MAGIC, 8)) return -1;
    memcpy(v, base + 8, sizeof v);
    uint64_t cap = v[0], n = v[1], tail_len = v[2], calls_off = v[3 + NCOL];
    if (cap % CAP_ALIGN || n > cap || cap > (size - PAGE) / ROW_BYTES) return -1;
    uint64_t tail_off = col_off(cap, NCOL);
    if (tail_off > size - 16 || tail_len != size - 16 - tail_off || calls_off < tail_off || calls_off > size - 16
        || calls_off % PAGE)
        return -1;
    attach(t, base, size, cap, n);
    reader r = { base + tail_off, tail_len, sum_bytes(base, PREFIX_BYTES, FNV_BASIS), 0 };
    if (take_tail(&r, base, calls_off, key, t, why)) return -1;
    uint64_t stored;
    memcpy(&stored, base + size - 16, 8);
    if (stored != r.sum || memcmp(base + size - 8, TRAILER, 8)) return -1;
    let_go(base + tail_off, size - tail_off);
    if (check_columns(t, cap, v + 3)) return -1;
    *id = stored;
    return 0;
}

int ch_cache_load(const char *path, const char *key, flow_table *t, uint64_t *id, cache_reason *why)
{
    memset(t, 0, sizeof *t);
    hosts_init(&t->hosts);
    cidr_list_default(&t->internal);
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    *why = fd < 0 ? (errno == ENOENT || errno == ENOTDIR ? CACHE_REASON_ABSENT : CACHE_REASON_UNREADABLE) : CACHE_REASON_DAMAGED;
    struct stat st;
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode))) { close(fd); fd = -1; }
    if (fd < 0) { flows_free(t); return -1; }
    void *m = st.st_size >= (off_t)(PAGE + 16) ? mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd, 0) : MAP_FAILED;
    close(fd);
    if (m == MAP_FAILED) {
        if (st.st_size >= (off_t)(PAGE + 16)) *why = CACHE_REASON_UNREADABLE;
        flows_free(t);
        return -1;
    }
    /* from here the file may be cut short under us: see mapguard.h */
    mapguard_register(m, (size_t)st.st_size, path);
    int rc = load_from(m, (size_t)st.st_size, key, t, id, why);
    if (rc) {
        if (!t->region) { mapguard_unregister(m); munmap(m, (size_t)st.st_size); }
        flows_free(t);
    } else {
        *why = CACHE_REASON_NONE;
    }
    return rc;
}

int ch_cache_seal(unsigned char *file, size_t size)
{
    uint64_t v[4 + NCOL];
    if (size < PAGE + 16) return -1;
    memcpy(file, MAGIC, 8);
    memcpy(v, file + 8, sizeof v);
    uint64_t cap = v[0], calls_off = v[3 + NCOL];
    if (cap % CAP_ALIGN || cap > (size - PAGE) / ROW_BYTES) return -1;
    uint64_t tail_off = col_off(cap, NCOL);
    if (tail_off > size - 16 || calls_off < tail_off || calls_off > size - 16 || (size - 16 - calls_off) % 8) return -1;
    v[2] = size - 16 - tail_off;
    uint64_t n = v[1] < cap ? v[1] : cap;
    for (int c = 0; c < NCOL; c++) {
        uint64_t bytes = (n * col_width[c] + 7) / 8 * 8;
        v[3 + c] = sum_zero_words(sum_words(file + col_off(cap, c), bytes, FNV_BASIS), (cap * col_width[c] - bytes) / 8);
    }
    memcpy(file + 8, v, sizeof v);
    uint64_t sum = sum_bytes(file, PREFIX_BYTES, FNV_BASIS);
    sum = sum_bytes(file + tail_off, calls_off - tail_off, sum);
    sum = sum_words(file + calls_off, size - 16 - calls_off, sum);
    memcpy(file + size - 16, &sum, 8);
    memcpy(file + size - 8, TRAILER, 8);
    return 0;
}
