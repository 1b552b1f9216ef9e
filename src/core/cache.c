/* cache.c: the table cache's file format (see cache.h for the contract):
 * writing a table as a cache, reading one back and checking every part of
 * it. What to do when a cache cannot be used is cache_policy.c's call; where
 * the files live is cache_paths.c's.
 *
 * File layout, all integers in the writer's byte order (checked on read):
 *   [0, 4096)       the header: magic, version, source key, options, counts,
 *                   the load report, a table of sections, a header checksum
 *   small sections  source path, host names, host ip / name_off / internal,
 *                   big-bytes list; 8-byte aligned
 *   columns         ts, src, dst, port, bytes; each page aligned, so they
 *                   can be used in place from the mapping
 * Every section carries a checksum; src and dst are also bounds-checked
 * against the host count, in the same threaded pass. The small sections are
 * checked on every load; the columns too, unless the caller says it will
 * not read them (cache_options.skip_columns: its facts are cached), and
 * then cache_check_columns does it before anything reads them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "nettui/atomic.h"
#include "cache_priv.h"
#include "nettui/cache.h"
#include "nettui/util.h"
#include "nettui/mapguard.h"

#define CACHE_MAGIC "NETTUIC\x1a"
#define CACHE_ENDIAN 0x01020304u
#define HEADER_SIZE 4096u
#define COLUMN_ALIGN 4096u
#define KEY_SPAN (1u << 20)      /* the first and last megabyte of the source are hashed */
#define SUM_BLOCK (1u << 20)     /* checksum unit: one per thread at a time */
#define MAX_THREADS 64

enum section_id {
    SEC_PATH, SEC_NAMES, SEC_HOST_IP, SEC_HOST_NAME_OFF, SEC_HOST_INTERNAL, SEC_BIG,
    SEC_TS, SEC_SRC, SEC_DST, SEC_PORT, SEC_BYTES, SEC_COUNT
};
#define SEC_FIRST_COLUMN SEC_TS

typedef struct section {
    uint64_t off, len, sum;
} section;

/* The load report's arrays are stored at these sizes; a change in load.h
 * changes the layout, hence the version. */
_Static_assert(BAD_KIND_COUNT == 5 && LOAD_FIRST_LINES == 5, "bump CACHE_FORMAT_VERSION and the header");

typedef struct cache_header {
    char magic[8];
    uint32_t version, endian;
    uint32_t header_size, nsections;
    source_key key;
    int32_t ninternal, pad0;
    uint32_t internal[CIDR_MAX][2];          /* net, mask */
    uint64_t rows, nhosts, names_len, nbig;
    int64_t ts_min, ts_max;
    uint64_t total_bytes;
    uint64_t file_bytes, lines, bad_total;
    uint64_t bad[BAD_KIND_COUNT];
    uint64_t first_bad[BAD_KIND_COUNT][LOAD_FIRST_LINES];
    int32_t nfirst_bad[BAD_KIND_COUNT];
    int32_t had_header, timestamps_in_seconds;
    int32_t pad1;
    section sec[SEC_COUNT];
    uint64_t header_sum;                     /* over every byte before it */
} cache_header;

_Static_assert(sizeof(cache_header) <= HEADER_SIZE, "header must fit its page");

/* ---- checksums ------------------------------------------------------------- */


/* One section's data to sum: the section checksum is the wrapping sum of its
 * blocks' hashes, so threads may take blocks in any order. */
typedef struct sum_job {
    const unsigned char *p;
    size_t len;
    int ids;                /* also find the largest uint32 (src, dst) */
    uint64_t sum;
    uint32_t max;
} sum_job;

typedef struct sum_work {
    sum_job *jobs;
    int njobs;
    size_t *first_block;    /* per job: index of its first block in the global order */
    size_t nblocks;
    atomic_size_t next;
    pthread_mutex_t lock;
    int ts_job;             /* this job's int64 range goes to tmin, tmax (-1: none) */
    int64_t tmin, tmax;
} sum_work;

/* The range of the int64 values of a block (the block was just summed, so it
 * is still in the cache). */
static void ts_range(const unsigned char *p, size_t n, int64_t *lo, int64_t *hi)
{
    for (size_t i = 0; i + 8 <= n; i += 8) {
        int64_t v;
        memcpy(&v, p + i, 8);
        if (v < *lo) *lo = v;
        if (v > *hi) *hi = v;
    }
}

static void *sum_worker(void *arg)
{
    sum_work *w = arg;
    uint64_t sum[SEC_COUNT] = {0};
    uint32_t max[SEC_COUNT] = {0};
    int64_t tmin = INT64_MAX, tmax = INT64_MIN;
    int j = 0;
    for (;;) {
        size_t b = atomic_fetch_add(&w->next, 1);
        if (b >= w->nblocks) break;
        while (j + 1 < w->njobs && b >= w->first_block[j + 1]) j++;
        while (b < w->first_block[j]) j--;
        size_t k = b - w->first_block[j];
        const sum_job *job = &w->jobs[j];
        size_t off = k * SUM_BLOCK;
        size_t n = job->len - off < SUM_BLOCK ? job->len - off : SUM_BLOCK;
        if (job->ids) {
            uint32_t m;
            sum[j] += util_sum64_ids(job->p + off, n, k, &m);
            if (m > max[j]) max[j] = m;
        } else {
            sum[j] += util_sum64(job->p + off, n, k);
        }
        if (j == w->ts_job) ts_range(job->p + off, n, &tmin, &tmax);
    }
    pthread_mutex_lock(&w->lock);
    for (int i = 0; i < w->njobs; i++) {
        w->jobs[i].sum += sum[i];
        if (max[i] > w->jobs[i].max) w->jobs[i].max = max[i];
    }
    if (tmin < w->tmin) w->tmin = tmin;
    if (tmax > w->tmax) w->tmax = tmax;
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static int thread_count(int threads)
{
    if (threads <= 0) {
        threads = util_cores(MAX_THREADS);
    }
    return threads > MAX_THREADS ? MAX_THREADS : threads;
}

/* Sums every job (at most SEC_COUNT) on up to `threads` threads; job ts_job
 * (-1: none) is also read as int64 values, their range into *lo, *hi. */
static void sum_jobs_ts(sum_job *jobs, int njobs, int threads, int ts_job, int64_t *lo, int64_t *hi)
{
    size_t first[SEC_COUNT + 1];
    sum_work w = { .jobs = jobs, .njobs = njobs, .first_block = first,
                   .ts_job = ts_job, .tmin = INT64_MAX, .tmax = INT64_MIN };
    for (int j = 0; j < njobs; j++) {
        first[j] = w.nblocks;
        w.nblocks += (jobs[j].len + SUM_BLOCK - 1) / SUM_BLOCK;
        jobs[j].sum = 0;
        jobs[j].max = 0;
    }
    first[njobs] = w.nblocks;
    atomic_init(&w.next, 0);
    pthread_mutex_init(&w.lock, NULL);
    threads = thread_count(threads);
    if ((size_t)threads > w.nblocks) threads = w.nblocks ? (int)w.nblocks : 1;
    pthread_t tid[MAX_THREADS];
    int started = 0;
    for (int i = 1; i < threads; i++) {
        if (pthread_create(&tid[started], NULL, sum_worker, &w) != 0) break;
        started++;
    }
    sum_worker(&w);   /* this thread works too, and alone if no thread starts */
    for (int i = 0; i < started; i++) pthread_join(tid[i], NULL);
    pthread_mutex_destroy(&w.lock);
    for (int j = 0; j < njobs; j++) jobs[j].sum = util_mix64(jobs[j].sum ^ util_mix64(jobs[j].len));
    if (lo) *lo = w.tmin;
    if (hi) *hi = w.tmax;
}

static void sum_jobs(sum_job *jobs, int njobs, int threads)
{
    sum_jobs_ts(jobs, njobs, threads, -1, NULL, NULL);
}

static uint64_t bytes_sum(const void *p, size_t len)
{
    sum_job j = { .p = p, .len = len };
    sum_jobs(&j, 1, 1);
    return j.sum;
}

/* ---- the source key ---------------------------------------------------------- */

static int pread_all(int fd, void *buf, size_t n, off_t off)
{
    unsigned char *p = buf;
    while (n) {
        ssize_t r = pread(fd, p, n, off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { if (r == 0) errno = EIO; return -1; }
        p += r; n -= (size_t)r; off += r;
    }
    return 0;
}

int cache_source_key(const char *source, source_key *k)
{
    int fd = open(source, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* a FIFO must not block */
    if (fd < 0) return -1;
    struct stat st;
    unsigned char *buf = NULL;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) { if (!errno) errno = EINVAL; goto fail; }
    memset(k, 0, sizeof *k);
    k->size = (uint64_t)st.st_size;
    k->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    size_t span = k->size < KEY_SPAN ? (size_t)k->size : KEY_SPAN;
    buf = malloc(span ? span : 1);
    if (!buf) goto fail;
    if (pread_all(fd, buf, span, 0)) goto fail;
    k->head = bytes_sum(buf, span);
    if (pread_all(fd, buf, span, (off_t)(k->size - span))) goto fail;
    k->tail = bytes_sum(buf, span);
    free(buf);
    close(fd);
    return 0;
fail:;
    int e = errno;
    free(buf);
    close(fd);
    errno = e;
    return -1;
}

/* ---- save ---------------------------------------------------------------------- */

static int pwrite_all(int fd, const void *buf, size_t n, off_t off)
{
    const unsigned char *p = buf;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = pwrite(fd, p, chunk, off);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { if (w == 0) errno = ENOSPC; return -1; }
        p += w; n -= (size_t)w; off += w;
    }
    return 0;
}

static uint64_t align_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) / a * a;
}

static void no_id(int ok, uint64_t id)
{
    (void)ok; (void)id;
}

static void header_fill_report(cache_header *h, const load_report *rep)
{
    h->file_bytes = rep->file_bytes;
    h->lines = rep->lines;
    h->bad_total = rep->bad_total;
    for (int k = 0; k < BAD_KIND_COUNT; k++) {
        h->bad[k] = rep->bad[k];
        h->nfirst_bad[k] = rep->nfirst_bad[k];
        for (int i = 0; i < LOAD_FIRST_LINES; i++) h->first_bad[k][i] = rep->first_bad[k][i];
    }
    h->had_header = rep->had_header;
    h->timestamps_in_seconds = rep->timestamps_in_seconds;
}

int cache_save_keyed(const char *cpath, const char *abs_source, const source_key *key,
                     const flow_table *t, const load_report *rep, int threads,
                     char *err, size_t errlen, void (*on_id)(int ok, uint64_t id))
{
    if (!on_id) on_id = no_id;
    char folder[PATH_MAX];
    const char *slash = strrchr(cpath, '/');
    size_t flen = slash ? (size_t)(slash - cpath) : 1;
    if (flen >= sizeof folder) { snprintf(err, errlen, "the cache path is too long"); return -1; }
    if (slash) { memcpy(folder, cpath, flen); folder[flen] = 0; if (!flen) strcpy(folder, "/"); }
    else strcpy(folder, ".");
    if (cache_make_dirs(folder)) {
        snprintf(err, errlen, "cannot create %s: %s", folder, strerror(errno));
        on_id(0, 0);
        return -1;
    }

    const host_dict *d = &t->hosts;
    cache_header *h = calloc(1, HEADER_SIZE);
    if (!h) { snprintf(err, errlen, "out of memory"); on_id(0, 0); return -1; }
    memcpy(h->magic, CACHE_MAGIC, 8);
    h->version = CACHE_FORMAT_VERSION;
    h->endian = CACHE_ENDIAN;
    h->header_size = sizeof *h;
    h->nsections = SEC_COUNT;
    h->key = *key;
    h->ninternal = t->internal.n;
    for (int i = 0; i < t->internal.n; i++) {
        h->internal[i][0] = t->internal.v[i].net;
        h->internal[i][1] = t->internal.v[i].mask;
    }
    h->rows = t->n; h->nhosts = d->n; h->names_len = d->names_len; h->nbig = t->nbig;
    h->ts_min = t->ts_min; h->ts_max = t->ts_max; h->total_bytes = t->total_bytes;
    header_fill_report(h, rep);

    sum_job jobs[SEC_COUNT] = {
        [SEC_PATH] = { (const unsigned char *)abs_source, strlen(abs_source) + 1, 0, 0, 0 },
        [SEC_NAMES] = { (const unsigned char *)d->names, d->names_len, 0, 0, 0 },
        [SEC_HOST_IP] = { (const unsigned char *)d->ip, (size_t)d->n * 4, 0, 0, 0 },
        [SEC_HOST_NAME_OFF] = { (const unsigned char *)d->name_off, (size_t)d->n * 4, 0, 0, 0 },
        [SEC_HOST_INTERNAL] = { d->internal, d->n, 0, 0, 0 },
        [SEC_BIG] = { (const unsigned char *)t->big, t->nbig * sizeof *t->big, 0, 0, 0 },
        [SEC_TS] = { (const unsigned char *)t->ts, t->n * 8, 0, 0, 0 },
        [SEC_SRC] = { (const unsigned char *)t->src, t->n * 4, 1, 0, 0 },
        [SEC_DST] = { (const unsigned char *)t->dst, t->n * 4, 1, 0, 0 },
        [SEC_PORT] = { (const unsigned char *)t->port, t->n * 2, 0, 0, 0 },
        [SEC_BYTES] = { (const unsigned char *)t->bytes, t->n * 4, 0, 0, 0 },
    };
    sum_jobs(jobs, SEC_COUNT, threads);
    uint64_t off = HEADER_SIZE;
    for (int s = 0; s < SEC_COUNT; s++) {
        off = align_up(off, s >= SEC_FIRST_COLUMN ? COLUMN_ALIGN : 8);
        h->sec[s].off = off;
        h->sec[s].len = jobs[s].len;
        h->sec[s].sum = jobs[s].sum;
        off += jobs[s].len;
    }
    uint64_t file_len = off;
    h->header_sum = bytes_sum(h, offsetof(cache_header, header_sum));
    on_id(1, h->header_sum);

    atomic_file af;
    if (atomic_open(&af, cpath)) {
        snprintf(err, errlen, "cannot write in %s: %s", folder, strerror(errno));
        free(h);
        return -1;
    }
    int rc = -1;
    const char *what = "write";
    for (int s = 0; s < SEC_COUNT; s++)
        if (jobs[s].len && pwrite_all(af.fd, jobs[s].p, jobs[s].len, (off_t)h->sec[s].off)) goto out;
    if (ftruncate(af.fd, (off_t)file_len)) goto out;
    if (pwrite_all(af.fd, h, HEADER_SIZE, 0)) goto out;
    rc = atomic_commit(&af, &what);
    if (rc) snprintf(err, errlen, "cannot %s the cache %s: %s", what, cpath, strerror(errno));
    free(h);
    return rc;
out:
    snprintf(err, errlen, "cannot write the cache %s: %s", cpath, strerror(errno));
    atomic_abort(&af);
    free(h);
    return -1;
}

int cache_save(const char *cpath, const char *source, const flow_table *t, const load_report *rep,
               int threads, char *err, size_t errlen)
{
    char abs[PATH_MAX];
    source_key key;
    if (!realpath(source, abs) || cache_source_key(abs, &key)) {
        snprintf(err, errlen, "cannot read %s: %s", source, strerror(errno));
        return -1;
    }
    return cache_save_keyed(cpath, abs, &key, t, rep, threads, err, errlen, NULL);
}

/* ---- load ---------------------------------------------------------------------- */

/* A file that cannot be used: the sentence for the person, the reason for
 * cache_decide (columns_check has no reason out: its failures are damage). */
static cache_result reject_as(cache_reason *reason, cache_reason r, char *why, size_t len, const char *fmt, const char *a)
{
    if (reason) *reason = r;
    snprintf(why, len, fmt, a);
    return CACHE_REJECTED;
}
#define reject(why, len, fmt, a) reject_as(NULL, CACHE_REASON_DAMAGED, why, len, fmt, a)

/* The length each section must have, from the header's counts; -1 if the
 * counts cannot belong to a file of file_size bytes. */
static int expected_lengths(const cache_header *h, uint64_t file_size, uint64_t len[SEC_COUNT])
{
    /* every row takes 22 bytes, every host at least 9: bound before multiplying */
    if (h->rows > file_size / 22 || h->nhosts > file_size / 9 || h->nhosts >= HOST_NONE ||
        h->nbig > h->rows || h->names_len > file_size || h->names_len >= UINT32_MAX)
        return -1;
    len[SEC_PATH] = h->sec[SEC_PATH].len;   /* checked against the source's path */
    len[SEC_NAMES] = h->names_len;
    len[SEC_HOST_IP] = h->nhosts * 4;
    len[SEC_HOST_NAME_OFF] = h->nhosts * 4;
    len[SEC_HOST_INTERNAL] = h->nhosts;
    len[SEC_BIG] = h->nbig * sizeof(flow_big_bytes);
    len[SEC_TS] = h->rows * 8;
    len[SEC_SRC] = h->rows * 4;
    len[SEC_DST] = h->rows * 4;
    len[SEC_PORT] = h->rows * 2;
    len[SEC_BYTES] = h->rows * 4;
    return 0;
}

/* Rebuilds the host dictionary (with its hash index) from the saved arrays;
 * ids must come out exactly as saved. 0, or -1 when the arrays are not a
 * dictionary the loader could have made. */
static int hosts_restore(host_dict *d, const unsigned char *base, const cache_header *h,
                         const cidr_list *internal)
{
    const char *names = (const char *)base + h->sec[SEC_NAMES].off;
    const unsigned char *ipb = base + h->sec[SEC_HOST_IP].off;
    const unsigned char *offb = base + h->sec[SEC_HOST_NAME_OFF].off;
    const uint8_t *intl = base + h->sec[SEC_HOST_INTERNAL].off;
    if (h->names_len && names[h->names_len - 1] != 0) return -1;
    hosts_init(d);
    for (uint64_t id = 0; id < h->nhosts; id++) {
        uint32_t ip, off;
        memcpy(&ip, ipb + id * 4, 4);
        memcpy(&off, offb + id * 4, 4);
        host_id got;
        if (off == UINT32_MAX) {
            got = hosts_add_ipv4(d, ip, internal);
        } else {
            if (off >= h->names_len) return -1;
            got = hosts_add_name(d, names + off, strlen(names + off));
        }
        if (got != id || d->internal[id] != intl[id]) return -1;
    }
    return 0;
}

/* The column pass: every column's checksum, every src/dst id below the host
 * count, every timestamp inside the header's range. 0, or -1 with why. */
static int columns_check(const unsigned char *base, const cache_header *h, int threads, char *why, size_t whylen)
{
    sum_job jobs[SEC_COUNT];
    int nc = SEC_COUNT - SEC_FIRST_COLUMN;
    for (int s = SEC_FIRST_COLUMN; s < SEC_COUNT; s++)
        jobs[s - SEC_FIRST_COLUMN] = (sum_job){ base + h->sec[s].off, h->sec[s].len, s == SEC_SRC || s == SEC_DST, 0, 0 };
    int64_t ts_lo, ts_hi;
    sum_jobs_ts(jobs, nc, threads, SEC_TS - SEC_FIRST_COLUMN, &ts_lo, &ts_hi);
    for (int s = SEC_FIRST_COLUMN; s < SEC_COUNT; s++) {
        if (jobs[s - SEC_FIRST_COLUMN].sum != h->sec[s].sum) { reject(why, whylen, "%s", "is corrupted (checksum)"); return -1; }
    }
    if (h->rows && (jobs[SEC_SRC - SEC_FIRST_COLUMN].max >= h->nhosts || jobs[SEC_DST - SEC_FIRST_COLUMN].max >= h->nhosts)) {
        reject(why, whylen, "%s", "is corrupted (host ids)");
        return -1;
    }
    /* the loader's promise the engine builds on: every timestamp in
     * [ts_min, ts_max], and that range inside [0, LOAD_TS_MAX_MS] */
    if (h->rows && (ts_lo != h->ts_min || ts_hi != h->ts_max)) {
        reject(why, whylen, "%s", "is corrupted (timestamps)");
        return -1;
    }
    return 0;
}

cache_result cache_load_skip(const char *cpath, const char *source, const cidr_list *internal,
                             int threads, flow_table *t, load_report *rep, char *why, size_t whylen,
                             cache_reason *reason, int (*skip)(void *, const char *, uint64_t), void *user)
{
    cache_reason unused;
    if (!reason) reason = &unused;
    *reason = CACHE_REASON_DAMAGED;   /* unless a check below says otherwise */
    memset(t, 0, sizeof *t);
    int fd = open(cpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) { *reason = CACHE_REASON_ABSENT; return CACHE_ABSENT; }
        return reject_as(reason, CACHE_REASON_UNREADABLE, why, whylen, "cannot be opened (%s)", strerror(errno));
    }
    cache_result res = CACHE_REJECTED;
    void *map = MAP_FAILED;
    uint64_t size = 0;
    cache_header h;
    struct stat st;
    char abs[PATH_MAX];
    source_key key;
    uint64_t len[SEC_COUNT];

    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) { reject(why, whylen, "%s", "is not a regular file"); goto out; }
    size = (uint64_t)st.st_size;
    if (size < HEADER_SIZE || pread_all(fd, &h, sizeof h, 0)) { reject(why, whylen, "%s", "is truncated"); goto out; }
    if (memcmp(h.magic, CACHE_MAGIC, 8)) { reject(why, whylen, "%s", "is not a nettui cache"); goto out; }
    if (h.endian != CACHE_ENDIAN) { reject_as(reason, CACHE_REASON_OTHER_VERSION, why, whylen, "%s", "was written on a machine of another byte order"); goto out; }
    if (h.version != CACHE_FORMAT_VERSION) {
        char v[64];
        snprintf(v, sizeof v, "%u, this nettui reads %u", h.version, CACHE_FORMAT_VERSION);
        reject_as(reason, CACHE_REASON_OTHER_VERSION, why, whylen, "is of format version %s", v);
        goto out;
    }
    if (h.header_size != sizeof h || h.nsections != SEC_COUNT ||
        bytes_sum(&h, offsetof(cache_header, header_sum)) != h.header_sum) {
        reject(why, whylen, "%s", "is corrupted (header checksum)");
        goto out;
    }
    if (expected_lengths(&h, size, len)) { reject(why, whylen, "%s", "is truncated or corrupted (counts)"); goto out; }
    for (int s = 0; s < SEC_COUNT; s++) {
        const section *sec = &h.sec[s];
        if (sec->len != len[s] || sec->off < HEADER_SIZE ||
            sec->off % (s >= SEC_FIRST_COLUMN ? COLUMN_ALIGN : 8)) {
            reject(why, whylen, "%s", "is corrupted (section table)");
            goto out;
        }
        if (sec->off > size || sec->len > size - sec->off) { reject(why, whylen, "%s", "is truncated"); goto out; }
    }

    /* The source: same path, same size, same mtime, same first and last MB. */
    if (!realpath(source, abs) || cache_source_key(abs, &key)) {
        reject_as(reason, CACHE_REASON_SOURCE_UNREADABLE, why, whylen, "cannot be checked against the source (%s)", strerror(errno));
        goto out;
    }
    {
        size_t plen = strlen(abs) + 1;
        char saved[PATH_MAX];
        if (h.sec[SEC_PATH].len != plen || pread_all(fd, saved, plen, (off_t)h.sec[SEC_PATH].off) ||
            memcmp(saved, abs, plen)) {
            reject_as(reason, CACHE_REASON_OTHER_SOURCE, why, whylen, "%s", "belongs to another file");
            goto out;
        }
    }
    if (key.size != h.key.size || key.mtime_ns != h.key.mtime_ns || key.head != h.key.head || key.tail != h.key.tail) {
        reject_as(reason, CACHE_REASON_STALE, why, whylen, "%s", "is stale (the file changed since)");
        goto out;
    }
    int same = h.ninternal == internal->n;
    for (int i = 0; same && i < internal->n; i++)
        same = h.internal[i][0] == internal->v[i].net && h.internal[i][1] == internal->v[i].mask;
    if (!same) { reject_as(reason, CACHE_REASON_OTHER_NETWORK, why, whylen, "%s", "was made with another --internal list"); goto out; }

    /* Map it all; the checksum pass below touches every page anyway, and
     * faulting them in from several threads beats MAP_POPULATE's one. */
    map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) { reject_as(reason, CACHE_REASON_UNREADABLE, why, whylen, "cannot be mapped (%s)", strerror(errno)); goto out; }
    /* From here the file may be cut short under us: see mapguard.h. */
    mapguard_register(map, size, cpath);
    const unsigned char *base = map;
    /* The small sections (path, dictionary, big-bytes list) always. */
    sum_job jobs[SEC_COUNT];
    for (int s = 0; s < SEC_COUNT; s++)
        jobs[s] = (sum_job){ base + h.sec[s].off, h.sec[s].len, s == SEC_SRC || s == SEC_DST, 0, 0 };
    sum_jobs(jobs, SEC_FIRST_COLUMN, threads);
    for (int s = 0; s < SEC_FIRST_COLUMN; s++) {
        if (jobs[s].sum != h.sec[s].sum) { reject(why, whylen, "%s", "is corrupted (checksum)"); goto out; }
    }
    if (h.rows && (h.ts_min < 0 || h.ts_max > LOAD_TS_MAX_MS || h.ts_min > h.ts_max)) {
        reject(why, whylen, "%s", "is corrupted (timestamps)");
        goto out;
    }
    /* The columns (2 GB at full size) only when the caller will read them:
     * a caller whose facts for this very cache are saved reads none. */
    if (!skip || !skip(user, cpath, h.header_sum)) {
        madvise(map, size, MADV_WILLNEED);
        if (columns_check(base, &h, threads, why, whylen)) goto out;
    }
    const flow_big_bytes *big = (const flow_big_bytes *)(base + h.sec[SEC_BIG].off);
    for (uint64_t i = 0; i < h.nbig; i++) {
        if (big[i].row >= h.rows || (i && big[i].row <= big[i - 1].row)) {
            reject(why, whylen, "%s", "is corrupted (big byte counts)");
            goto out;
        }
    }
    if (hosts_restore(&t->hosts, base, &h, internal)) {
        hosts_free(&t->hosts);
        reject(why, whylen, "%s", "is corrupted (host dictionary)");
        goto out;
    }
    /* The small sections live in ordinary memory from here (the dictionary
     * was rebuilt above, the big-bytes list is copied): what prints host
     * names never touches the mapping. */
    flow_big_bytes *big_copy = NULL;
    if (h.nbig && !(big_copy = malloc(h.nbig * sizeof *big_copy))) {
        hosts_free(&t->hosts);
        reject_as(reason, CACHE_REASON_UNREADABLE, why, whylen, "%s", "cannot be read (out of memory)");
        goto out;
    }
    if (h.nbig) memcpy(big_copy, big, h.nbig * sizeof *big_copy);

    t->n = h.rows;
    t->ts = (int64_t *)(base + h.sec[SEC_TS].off);
    t->src = (host_id *)(base + h.sec[SEC_SRC].off);
    t->dst = (host_id *)(base + h.sec[SEC_DST].off);
    t->port = (uint16_t *)(base + h.sec[SEC_PORT].off);
    t->bytes = (uint32_t *)(base + h.sec[SEC_BYTES].off);
    t->big = big_copy;
    t->nbig = h.nbig;
    t->ts_min = h.ts_min; t->ts_max = h.ts_max; t->total_bytes = h.total_bytes;
    t->internal = *internal;
    t->region = map;
    t->region_len = size;
    map = MAP_FAILED;

    memset(rep, 0, sizeof *rep);
    rep->file_bytes = h.file_bytes;
    rep->lines = h.lines;
    rep->bad_total = h.bad_total;
    for (int k = 0; k < BAD_KIND_COUNT; k++) {
        rep->bad[k] = h.bad[k];
        rep->nfirst_bad[k] = h.nfirst_bad[k] < 0 ? 0
                           : h.nfirst_bad[k] > LOAD_FIRST_LINES ? LOAD_FIRST_LINES : h.nfirst_bad[k];
        for (int i = 0; i < LOAD_FIRST_LINES; i++) rep->first_bad[k][i] = h.first_bad[k][i];
    }
    rep->had_header = h.had_header;
    rep->timestamps_in_seconds = h.timestamps_in_seconds;
    res = CACHE_HIT;
    *reason = CACHE_REASON_NONE;
out:
    if (map != MAP_FAILED) { mapguard_unregister(map); munmap(map, size); }
    close(fd);
    return res;
}

cache_result cache_load(const char *cpath, const char *source, const cidr_list *internal,
                        int threads, flow_table *t, load_report *rep, char *why, size_t whylen)
{
    return cache_load_skip(cpath, source, internal, threads, t, rep, why, whylen, NULL, NULL, NULL);
}

/* The mapped header of a table cache_load made, or NULL. */
static const cache_header *mapped_header(const flow_table *t)
{
    const cache_header *h = t->region;
    if (!h || t->region_len < HEADER_SIZE || memcmp(h->magic, CACHE_MAGIC, 8) || h->version != CACHE_FORMAT_VERSION)
        return NULL;
    return h;
}

int cache_table_id(const char *cpath, const flow_table *t, uint64_t *id)
{
    int pending = cache_bg_table_id(cpath, t, id);
    if (pending) return pending > 0 ? 0 : -1;
    const cache_header *m = mapped_header(t);
    cache_header h;
    if (m) {
        h = *m;
    } else {
        int fd = cpath ? open(cpath, O_RDONLY | O_CLOEXEC | O_NONBLOCK) : -1;
        if (fd < 0) return -1;
        int bad = pread_all(fd, &h, sizeof h, 0);
        close(fd);
        if (bad || memcmp(h.magic, CACHE_MAGIC, 8) || h.version != CACHE_FORMAT_VERSION || h.endian != CACHE_ENDIAN
            || h.header_size != sizeof h || bytes_sum(&h, offsetof(cache_header, header_sum)) != h.header_sum)
            return -1;
    }
    /* the cache on disk must be the table in hand (a parse just saved it) */
    if (h.rows != t->n || h.nhosts != t->hosts.n || h.names_len != t->hosts.names_len || h.nbig != t->nbig
        || h.ts_min != t->ts_min || h.ts_max != t->ts_max || h.total_bytes != t->total_bytes
        || (int)h.ninternal != t->internal.n)
        return -1;
    *id = h.header_sum;
    return 0;
}

int cache_check_columns(const flow_table *t, int threads, char *why, size_t whylen)
{
    const cache_header *h = mapped_header(t);
    if (!h) return 0;   /* parsed, not mapped: the loader made the columns */
    return columns_check(t->region, h, threads, why, whylen);
}

