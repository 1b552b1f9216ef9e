/* chcache.c: owns the local cache of a ClickHouse source (chsource.h): the
 * weighted table and its beacon calls, as the server's queries made them,
 * in one file named by a hash of its key and holding the key itself. The
 * key (chsource.c) names the server without the password, the table,
 * --where, the internal network asked for, and the table's row count, time
 * range and sums as the server counts them now: a table that changed gets
 * another key, so a stale file is never read, only left for another key.
 * Reading checks every length, id and order, and builds the host
 * dictionary again from the host texts, after a checksum of the whole
 * file; a file that fails says why (a cache_reason, for the policy) and is
 * rewritten. Written to a temporary file and renamed into place.
 *
 * The file's identity is the checksum of its whole body (key included):
 * the engine's facts cache beside it (<file>.facts, persist.c) is keyed to
 * it as a table cache's facts are to cache_table_id, so facts made from
 * other rows are refused. Equal bytes give an equal identity, and so the
 * facts of a file rewritten with the same rows still hold. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/cache.h"
#include "nettui/cache_policy.h"
#include "nettui/chsource.h"
#include "nettui/weighted.h"

#define MAGIC "NTCHSRC1"
#define TRAILER "NTCHEND1"

static uint64_t fnv(const char *s, uint64_t h)
{
    for (; *s; s++) { h ^= (unsigned char)*s; h *= 0x100000001b3ULL; }
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
    int n = snprintf(out, len, "%s/ch-%016llx%016llx.ntw", base, (unsigned long long)fnv(key, 0xcbf29ce484222325ULL),
                     (unsigned long long)fnv(key, 0x84222325cbf29ce4ULL));
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* A checksum of n bytes continuing from h: 64-bit FNV-1a, a byte at a time
 * (a few ms per 10 MB; the file is read once). */
static uint64_t sum_bytes(const void *p, size_t n, uint64_t h)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) { h ^= b[i]; h *= 0x100000001b3ULL; }
    return h;
}

/* ---- writing ----------------------------------------------------------------- */

static uint64_t wsum;   /* the checksum of what put wrote (one writer at a time: the load's own thread) */

static int put(FILE *f, const void *p, size_t n)
{
    wsum = sum_bytes(p, n, wsum);
    return n && fwrite(p, 1, n, f) != n ? -1 : 0;
}

static int put_u64(FILE *f, uint64_t v) { return put(f, &v, 8); }

static int put_columns(FILE *f, const flow_table *t)
{
    size_t n = t->n;
    return put_u64(f, n) || put_u64(f, t->nbig) || put(f, t->ts, n * 8) || put(f, t->src, n * 4) || put(f, t->dst, n * 4)
        || put(f, t->port, n * 2) || put(f, t->bytes, n * 4) || put(f, t->big, t->nbig * sizeof *t->big);
}

int ch_cache_save(const char *path, const char *key, const flow_table *t, uint64_t *id)
{
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.%d.tmp", path, (int)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *f = fd < 0 ? NULL : fdopen(fd, "wb");
    if (!f) { if (fd >= 0) close(fd); return -1; }
    const host_dict *d = &t->hosts;
    wsum = 0xcbf29ce484222325ULL;
    int bad = put(f, MAGIC, 8) || put_u64(f, strlen(key)) || put(f, key, strlen(key))
           || put_u64(f, t->weight_total) || put_u64(f, t->total_bytes) || put_u64(f, (uint64_t)t->ts_min)
           || put_u64(f, (uint64_t)t->ts_max) || put_u64(f, d->n);
    for (uint32_t h = 0; !bad && h < d->n; h++) {
        if (d->name_off[h] == UINT32_MAX) {
            uint32_t rec[2] = { 0, d->ip[h] };
            bad = put(f, rec, 8);
        } else {
            const char *s = d->names + d->name_off[h];
            uint32_t rec[2] = { 1, (uint32_t)strlen(s) };
            bad = put(f, rec, 8) || put(f, s, rec[1]);
        }
    }
    bad = bad || put_columns(f, t) || put(f, t->weight, t->n * 4) || put(f, t->ts_last, t->n * 8);
    const flow_table *c = t->calls;
    flow_table none;
    memset(&none, 0, sizeof none);
    if (!c) c = &none;
    bad = bad || put_columns(f, c) || put(f, c->row, c->n * 8);
    uint64_t sum = wsum;
    bad = bad || put(f, &sum, 8) || put(f, TRAILER, 8);
    if (fflush(f) || fsync(fileno(f))) bad = 1;
    if (fclose(f)) bad = 1;
    if (bad || rename(tmp, path)) { unlink(tmp); return -1; }
    *id = sum;
    return 0;
}

/* ---- reading ------------------------------------------------------------------- */

/* The file is read a section at a time straight into the table's columns
 * (no second copy of it in memory), the checksum kept on the way and
 * compared at the end. */
typedef struct reader {
    FILE *f;
    uint64_t left;     /* bytes of the body not read yet */
    uint64_t sum;
    int bad;
} reader;

static int rd(reader *r, void *dst, size_t n)
{
    if (r->bad || n > r->left || (n && fread(dst, 1, n, r->f) != n)) { r->bad = 1; return -1; }
    r->sum = sum_bytes(dst, n, r->sum);
    r->left -= n;
    return 0;
}

static uint64_t rd_u64(reader *r)
{
    uint64_t v = 0;
    rd(r, &v, 8);
    return v;
}

/* n rows of columns into t (allocated here), host ids below nhosts, big
 * rows ascending and in range. */
static int take_columns(reader *r, flow_table *t, uint32_t nhosts, int with_row)
{
    uint64_t n = rd_u64(r), nbig = rd_u64(r);
    if (r->bad || n > r->left / 22 || nbig > n) return -1;
    if (flows_alloc_columns(t, n ? n : 1)) return -1;
    if (rd(r, t->ts, n * 8) || rd(r, t->src, n * 4) || rd(r, t->dst, n * 4) || rd(r, t->port, n * 2) || rd(r, t->bytes, n * 4))
        return -1;
    t->n = n;
    for (size_t i = 0; i < n; i++)
        if (t->src[i] >= nhosts || t->dst[i] >= nhosts || t->ts[i] < 0 || t->ts[i] > LOAD_TS_MAX_MS) return -1;
    if (nbig) {
        t->big = malloc(nbig * sizeof *t->big);
        if (!t->big || rd(r, t->big, nbig * sizeof *t->big)) return -1;
        t->nbig = nbig;
        for (size_t k = 0; k < nbig; k++)
            if (t->big[k].row >= n || (k && t->big[k].row <= t->big[k - 1].row) || t->bytes[t->big[k].row] != FLOWS_BYTES_BIG) return -1;
    }
    size_t nb = 0;
    for (size_t i = 0; i < n; i++) nb += t->bytes[i] == FLOWS_BYTES_BIG;
    if (nb != nbig) return -1;
    if (with_row && (!(t->row = malloc((n ? n : 1) * 8)) || rd(r, t->row, n * 8))) return -1;
    return 0;
}

/* 0, or -1 with *why DAMAGED unless load_from says otherwise. */
static int load_from(reader *r, const char *key, flow_table *t, cache_reason *why)
{
    char m[8], k[8192];
    uint64_t klen;
    if (rd(r, m, 8) || memcmp(m, MAGIC, 8)) return -1;
    klen = rd_u64(r);
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
    if (take_columns(r, t, (uint32_t)nh, 0)) return -1;
    size_t n = t->n;
    if (!(t->weight = malloc((n ? n : 1) * 4)) || !(t->ts_last = malloc((n ? n : 1) * 8))
        || rd(r, t->weight, n * 4) || rd(r, t->ts_last, n * 8))
        return -1;
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!t->weight[i] || t->ts_last[i] < t->ts[i] || t->ts_last[i] > LOAD_TS_MAX_MS) return -1;
        sum += t->weight[i];
    }
    if (sum != t->weight_total) return -1;
    flow_table *c = calloc(1, sizeof *c);
    if (!c) return -1;
    hosts_init(&c->hosts);
    t->calls = c;
    if (take_columns(r, c, (uint32_t)nh, 1)) return -1;
    /* the body is read: its checksum and the trailer follow, outside it */
    uint64_t stored;
    char end[8];
    if (r->left || fread(&stored, 1, 8, r->f) != 8 || fread(end, 1, 8, r->f) != 8 || fgetc(r->f) != EOF
        || stored != r->sum || memcmp(end, TRAILER, 8))
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        if (i == 0 || c->ts[i] < c->ts_min) c->ts_min = c->ts[i];
        if (i == 0 || c->ts[i] > c->ts_max) c->ts_max = c->ts[i];
    }
    if (c->n == 0) { flows_free(c); free(c); t->calls = NULL; }
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
    FILE *f = NULL;
    if (fd >= 0 && (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size < 16 || !(f = fdopen(fd, "rb")))) { close(fd); fd = -1; }
    if (!f) { flows_free(t); return -1; }
    reader r = { f, (uint64_t)st.st_size - 16, 0xcbf29ce484222325ULL, 0 };
    int rc = load_from(&r, key, t, why);
    fclose(f);
    if (rc) flows_free(t);
    else { *id = r.sum; *why = CACHE_REASON_NONE; }
    return rc;
}
