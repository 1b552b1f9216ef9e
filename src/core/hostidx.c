/* hostidx.c: the host index of hostidx.h: its build (a counting pass and a
 * fill pass over the src and dst columns, on threads), its file beside the
 * table cache (<cache>.hidx: save, map, checks), and the walk that answers
 * a filter from the lists of the hosts its plan names. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/atomic.h"
#include "nettui/cache.h"
#include "nettui/hostidx.h"
#include "nettui/mapguard.h"
#include "nettui/util.h"

#define HIDX_MAGIC "NETTUIX\x1a"
#define HIDX_VERSION 1u
#define HIDX_ENDIAN 0x01020304u
#define HIDX_MAX_THREADS 4
#define STEP 65536              /* rows between looks at cancel and progress */
#define STALE_TMP_SECONDS 3600

/* The file: this header, then off[nhosts + 1], sum[nhosts] (uint64) and
 * rows[nentries] (uint32), each 8-aligned; integers in the writer's order. */
typedef struct hidx_header {
    char magic[8];
    uint32_t version, endian;
    uint64_t table_id;          /* cache_table_id of the table cache it belongs to */
    uint64_t nrows, nhosts, nentries;
    uint64_t off_at, sum_at, rows_at, file_size;
    uint64_t dir_sum;           /* over off[] and sum[] */
    uint64_t header_sum;        /* over every byte before it */
} hidx_header;
_Static_assert(sizeof(hidx_header) == 96, "the tests write into the file at offsets past a 96-byte header");

/* Fletcher-style over 64-bit words, mixed: a changed, moved or missing
 * word changes it. n is a byte count. */
static uint64_t sum_words(const void *data, size_t n, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t a = seed, b = 0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, p + i, 8);
        a += w; b += a;
    }
    if (i < n) {
        uint64_t w = 0;
        memcpy(&w, p + i, n - i);
        a += w; b += a;
    }
    return util_mix64(util_mix64(a ^ (uint64_t)n) ^ b);
}

/* The checksum of host h's list (h in the seed: a list moved to another host fails). */
static uint64_t list_sum(const uint32_t *rows, uint64_t n, host_id h)
{
    return sum_words(rows, (size_t)n * sizeof *rows, util_mix64((uint64_t)h + 1));
}

/* ---- build --------------------------------------------------------------------- */

typedef struct build_job {
    const flow_table *t;
    size_t lo, hi;              /* the rows of this thread */
    uint64_t *cur;              /* counts, then write positions, per host */
    uint32_t *rows;
    const uint64_t *off;
    uint64_t *sum;
    uint32_t hlo, hhi;          /* the hosts whose sums this thread makes */
    int pass;                   /* 0 count, 1 fill, 2 sums */
    hostidx_progress *p;
    int stopped;                /* cancelled, or (pass 0) a host id out of range */
    uint32_t nhosts;
} build_job;

static int should_stop(hostidx_progress *p, uint64_t done)
{
    if (!p) return 0;
    atomic_fetch_add(&p->done, done);
    return atomic_load(&p->cancel) != 0;
}

static void *build_worker(void *arg)
{
    build_job *j = arg;
    const host_id *src = j->t->src, *dst = j->t->dst;
    if (j->pass == 2) {
        uint64_t since = 0;
        for (uint32_t h = j->hlo; h < j->hhi; h++) {
            uint64_t n = j->off[h + 1] - j->off[h];
            j->sum[h] = list_sum(j->rows + j->off[h], n, h);
            since += n;
            if (since >= STEP) {
                if (should_stop(j->p, since / 2)) { j->stopped = 1; return NULL; }
                since = 0;
            }
        }
        should_stop(j->p, since / 2);
        return NULL;
    }
    for (size_t b = j->lo; b < j->hi; b += STEP) {
        size_t e = j->hi - b > STEP ? b + STEP : j->hi;
        if (j->pass == 0) {
            /* the columns may not have been checked (a cache whose column
             * pass was left out): an id out of range stops the build */
            for (size_t i = b; i < e; i++) {
                if (src[i] >= j->nhosts || dst[i] >= j->nhosts) { j->stopped = 2; return NULL; }
                j->cur[src[i]]++;
                if (dst[i] != src[i]) j->cur[dst[i]]++;
            }
        } else {
            for (size_t i = b; i < e; i++) {
                j->rows[j->cur[src[i]]++] = (uint32_t)i;
                if (dst[i] != src[i]) j->rows[j->cur[dst[i]]++] = (uint32_t)i;
            }
        }
        if (should_stop(j->p, e - b)) { j->stopped = 1; return NULL; }
    }
    return NULL;
}

/* Runs pass over nt jobs, the first on this thread: 0, 1 when one was
 * cancelled, 2 when one met a host id out of range. */
static int run_pass(build_job *jobs, int nt, int pass)
{
    pthread_t th[HIDX_MAX_THREADS];
    int started[HIDX_MAX_THREADS] = {0};
    for (int k = 0; k < nt; k++) jobs[k].pass = pass;
    for (int k = 1; k < nt; k++) started[k] = pthread_create(&th[k], NULL, build_worker, &jobs[k]) == 0;
    build_worker(&jobs[0]);
    for (int k = 1; k < nt; k++) {
        if (started[k]) pthread_join(th[k], NULL);
        else build_worker(&jobs[k]);        /* no thread: do its part here */
    }
    int stopped = 0;
    for (int k = 0; k < nt; k++) if (jobs[k].stopped > stopped) stopped = jobs[k].stopped;
    return stopped;
}

int hostidx_build(host_index *x, const flow_table *t, int threads, hostidx_progress *p)
{
    memset(x, 0, sizeof *x);
    if (t->n > UINT32_MAX) return -1;   /* 32-bit rows: a bigger table is scanned */
    uint32_t nh = t->hosts.n;
    int nt = threads > 0 ? threads : util_cores(HIDX_MAX_THREADS);
    if (nt > HIDX_MAX_THREADS) nt = HIDX_MAX_THREADS;
    if ((size_t)nt > t->n / STEP + 1) nt = (int)(t->n / STEP + 1);   /* small tables: one thread */
    if (p) atomic_store(&p->total, (uint64_t)t->n * 3);

    uint64_t *off = calloc((size_t)nh + 1, sizeof *off);
    uint64_t *sum = calloc(nh ? nh : 1, sizeof *sum);
    uint64_t *cur = calloc((size_t)nt * (nh ? nh : 1), sizeof *cur);
    uint32_t *rows = NULL;
    build_job jobs[HIDX_MAX_THREADS];
    int rc = -1;
    if (!off || !sum || !cur) goto out;
    for (int k = 0; k < nt; k++)
        jobs[k] = (build_job){ t, t->n * (size_t)k / (size_t)nt, t->n * (size_t)(k + 1) / (size_t)nt,
                               cur + (size_t)k * nh, NULL, off, sum, 0, 0, 0, p, 0, nh };
    int stop = run_pass(jobs, nt, 0);
    if (stop) { rc = stop == 1 ? 1 : -1; goto out; }
    /* off[h]: where h's list starts; each thread's write position for h
     * follows the rows of h the threads before it (earlier rows) hold */
    uint64_t at = 0;
    for (uint32_t h = 0; h < nh; h++) {
        off[h] = at;
        for (int k = 0; k < nt; k++) {
            uint64_t c = jobs[k].cur[h];
            jobs[k].cur[h] = at;
            at += c;
        }
    }
    off[nh] = at;
    rows = malloc(at ? (size_t)at * sizeof *rows : 1);
    if (!rows) goto out;
    for (int k = 0; k < nt; k++) jobs[k].rows = rows;
    if (run_pass(jobs, nt, 1)) { rc = 1; goto out; }
    /* the sums, split by hosts into parts of about equal list lengths */
    uint32_t h0 = 0;
    for (int k = 0; k < nt; k++) {
        uint64_t goal = at * (uint64_t)(k + 1) / (uint64_t)nt;
        uint32_t h1 = h0;
        while (h1 < nh && (k == nt - 1 || off[h1] < goal)) h1++;
        jobs[k].hlo = h0;
        jobs[k].hhi = h1;
        h0 = h1;
    }
    if (run_pass(jobs, nt, 2)) { rc = 1; goto out; }
    x->nhosts = nh;
    x->nrows = t->n;
    x->off = x->mem[0] = off;
    x->sum = x->mem[1] = sum;
    x->rows = x->mem[2] = rows;
    off = sum = NULL;
    rows = NULL;
    rc = 0;
out:
    free(cur);
    free(off);
    free(sum);
    free(rows);
    return rc;
}

void hostidx_free(host_index *x)
{
    if (x->map) {
        mapguard_unregister(x->map);
        munmap(x->map, x->map_len);
    }
    for (int k = 0; k < 3; k++) free(x->mem[k]);
    memset(x, 0, sizeof *x);
}

uint64_t hostidx_count(const host_index *x, host_id h)
{
    if (!x->off || h >= x->nhosts) return 0;
    return x->off[h + 1] - x->off[h];
}

int hostidx_rows(const host_index *x, host_id h, const uint32_t **rows, size_t *n, char *why, size_t whylen)
{
    *rows = NULL;
    *n = 0;
    if (!x->off || h >= x->nhosts) return 0;
    uint64_t a = x->off[h], k = x->off[h + 1] - a;
    const uint32_t *r = x->rows + a;
    if (x->mapped) {
        int ok = list_sum(r, k, h) == x->sum[h];
        for (uint64_t i = 0; ok && i < k; i++)
            ok = r[i] < x->nrows && (i == 0 || r[i] > r[i - 1]);
        if (!ok) {
            snprintf(why, whylen, "is corrupted (the list of host %u)", h);
            return -1;
        }
    }
    *rows = r;
    *n = (size_t)k;
    return 0;
}

/* ---- the file -------------------------------------------------------------------- */

int hostidx_path(const char *cpath, char *out, size_t len)
{
    int n = snprintf(out, len, "%s.hidx", cpath);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

void hostidx_remove_beside(const char *cpath)
{
    char ip[PATH_MAX + 80];
    if (cpath && !hostidx_path(cpath, ip, sizeof ip)) unlink(ip);
}

static uint64_t align8(uint64_t v) { return (v + 7) & ~(uint64_t)7; }

/* The layout the counts imply: section offsets and the file size. */
static void layout(hidx_header *h)
{
    h->off_at = align8(sizeof *h);
    h->sum_at = h->off_at + (h->nhosts + 1) * 8;
    h->rows_at = h->sum_at + h->nhosts * 8;
    h->file_size = align8(h->rows_at + h->nentries * 4);
}

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *q = buf;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = write(fd, q, chunk);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { if (w == 0) errno = ENOSPC; return -1; }
        q += w;
        n -= (size_t)w;
    }
    return 0;
}

int hostidx_save(const host_index *x, const char *ipath, uint64_t table_id, char *err, size_t errlen)
{
    hidx_header h;
    memset(&h, 0, sizeof h);
    memcpy(h.magic, HIDX_MAGIC, 8);
    h.version = HIDX_VERSION;
    h.endian = HIDX_ENDIAN;
    h.table_id = table_id;
    h.nrows = x->nrows;
    h.nhosts = x->nhosts;
    h.nentries = x->off[x->nhosts];
    layout(&h);
    h.dir_sum = util_mix64(sum_words(x->off, (size_t)(h.nhosts + 1) * 8, 1) ^ sum_words(x->sum, (size_t)h.nhosts * 8, 2));
    h.header_sum = sum_words(&h, offsetof(hidx_header, header_sum), 0);

    /* temporary files of index writers that died, in this folder */
    char folder[PATH_MAX + 80];
    snprintf(folder, sizeof folder, "%s", ipath);
    char *slash = strrchr(folder, '/');
    if (slash) {
        *slash = 0;
        atomic_sweep_stale(folder[0] ? folder : "/", ".ntc.hidx", STALE_TMP_SECONDS);
    }
    atomic_file f;
    if (atomic_open(&f, ipath)) {
        snprintf(err, errlen, "cannot write in the cache folder: %s", strerror(errno));
        return -1;
    }
    static const unsigned char zeros[8];
    const char *step = "write";
    int bad = write_all(f.fd, &h, sizeof h) || write_all(f.fd, zeros, (size_t)(h.off_at - sizeof h))
              || write_all(f.fd, x->off, (size_t)(h.nhosts + 1) * 8) || write_all(f.fd, x->sum, (size_t)h.nhosts * 8)
              || write_all(f.fd, x->rows, (size_t)h.nentries * 4)
              || write_all(f.fd, zeros, (size_t)(h.file_size - h.rows_at - h.nentries * 4));
    if (bad) {
        int e = errno;
        atomic_abort(&f);
        snprintf(err, errlen, "cannot write %s: %s", ipath, strerror(e));
        return -1;
    }
    if (atomic_commit(&f, &step)) {
        snprintf(err, errlen, "cannot %s %s: %s", step, ipath, strerror(errno));
        return -1;
    }
    return 0;
}

int hostidx_file_sound(const char *cpath, uint64_t table_id)
{
    char ip[PATH_MAX + 80];
    if (!cpath || hostidx_path(cpath, ip, sizeof ip)) return 0;
    int fd = open(ip, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    struct stat st;
    hidx_header h;
    int ok = !fstat(fd, &st) && S_ISREG(st.st_mode) && pread(fd, &h, sizeof h, 0) == (ssize_t)sizeof h;
    close(fd);
    if (!ok || memcmp(h.magic, HIDX_MAGIC, 8) || h.endian != HIDX_ENDIAN || h.version != HIDX_VERSION
        || sum_words(&h, offsetof(hidx_header, header_sum), 0) != h.header_sum || h.table_id != table_id
        || h.nentries > 2 * h.nrows || h.nhosts > UINT32_MAX || h.nrows > UINT32_MAX)
        return 0;
    hidx_header want = h;
    layout(&want);
    return h.file_size == want.file_size && (uint64_t)st.st_size == h.file_size;
}

static hostidx_load_result refuse(char *why, size_t whylen, const char *text)
{
    snprintf(why, whylen, "%s", text);
    return HOSTIDX_REJECTED;
}

hostidx_load_result hostidx_load(host_index *x, const char *ipath, uint64_t table_id, const flow_table *t,
                                 char *why, size_t whylen)
{
    memset(x, 0, sizeof *x);
    why[0] = 0;
    int fd = open(ipath, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) return HOSTIDX_ABSENT;
        snprintf(why, whylen, "cannot be opened (%s)", strerror(errno));
        return HOSTIDX_REJECTED;
    }
    struct stat st;
    hidx_header h;
    hostidx_load_result r = HOSTIDX_REJECTED;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) { r = refuse(why, whylen, "is not a regular file"); goto out; }
    if ((uint64_t)st.st_size < sizeof h || pread(fd, &h, sizeof h, 0) != (ssize_t)sizeof h) {
        r = refuse(why, whylen, "is truncated");
        goto out;
    }
    if (memcmp(h.magic, HIDX_MAGIC, 8) || h.endian != HIDX_ENDIAN) { r = refuse(why, whylen, "is not a host index"); goto out; }
    if (h.version != HIDX_VERSION) { r = refuse(why, whylen, "was written by another version of nettui"); goto out; }
    if (sum_words(&h, offsetof(hidx_header, header_sum), 0) != h.header_sum) {
        r = refuse(why, whylen, "is corrupted (header checksum)");
        goto out;
    }
    if (h.table_id != table_id || h.nrows != t->n || h.nhosts != t->hosts.n) {
        snprintf(why, whylen, "belongs to another table cache");
        r = HOSTIDX_FOREIGN;
        goto out;
    }
    hidx_header want = h;
    layout(&want);
    if (h.nentries > 2 * h.nrows || h.off_at != want.off_at || h.sum_at != want.sum_at || h.rows_at != want.rows_at
        || h.file_size != want.file_size) {
        r = refuse(why, whylen, "is corrupted (layout)");
        goto out;
    }
    if ((uint64_t)st.st_size != h.file_size || h.file_size > SIZE_MAX) {
        r = refuse(why, whylen, (uint64_t)st.st_size < h.file_size ? "is truncated" : "is corrupted (size)");
        goto out;
    }
    void *map = mmap(NULL, (size_t)h.file_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) { snprintf(why, whylen, "cannot be mapped (%s)", strerror(errno)); goto out; }
    /* from here the file may be cut short under us: see mapguard.h */
    mapguard_register(map, (size_t)h.file_size, ipath);
    x->map = map;
    x->map_len = (size_t)h.file_size;
    x->off = (const uint64_t *)((const char *)map + h.off_at);
    x->sum = (const uint64_t *)((const char *)map + h.sum_at);
    x->rows = (const uint32_t *)((const char *)map + h.rows_at);
    x->nhosts = (uint32_t)h.nhosts;
    x->nrows = h.nrows;
    x->mapped = 1;
    int ok = util_mix64(sum_words(x->off, (size_t)(h.nhosts + 1) * 8, 1) ^ sum_words(x->sum, (size_t)h.nhosts * 8, 2))
             == h.dir_sum;
    ok = ok && x->off[0] == 0 && x->off[h.nhosts] == h.nentries;
    for (uint64_t k = 0; ok && k < h.nhosts; k++) ok = x->off[k] <= x->off[k + 1];
    if (!ok) {
        hostidx_free(x);
        r = refuse(why, whylen, "is corrupted (offsets checksum)");
        goto out;
    }
    r = HOSTIDX_HIT;
out:
    close(fd);
    return r;
}

int hostidx_open(host_index *x, const flow_table *t, const char *cpath, int threads, hostidx_progress *p,
                 int *loaded, char *note, size_t notelen)
{
    char ip[PATH_MAX + 80], why[256];
    uint64_t id = 0;
    int keyed = cpath && !hostidx_path(cpath, ip, sizeof ip) && !cache_table_id(cpath, t, &id);
    *loaded = 0;
    note[0] = 0;
    memset(x, 0, sizeof *x);
    if (t->n > UINT32_MAX) return -1;
    /* the run after a cache was cut short (mapguard.h) reads no cache file */
    if (keyed && !mapguard_retrying()) {
        hostidx_load_result r = hostidx_load(x, ip, id, t, why, sizeof why);
        if (r == HOSTIDX_HIT) { *loaded = 1; return 0; }
        if (r != HOSTIDX_ABSENT) unlink(ip);
        if (r == HOSTIDX_REJECTED) snprintf(note, notelen, "the host index %s %s; rebuilding it.", ip, why);
    }
    int rc = hostidx_build(x, t, threads, p);
    if (rc) return rc;
    if (p) atomic_store(&p->saving, 1);
    if (keyed && !mapguard_retrying() && hostidx_save(x, ip, id, why, sizeof why) && !note[0])
        snprintf(note, notelen, "host index not written (%s); going on without it.", why);
    return 0;
}

/* ---- answering a filter ------------------------------------------------------------- */

static uint64_t plan_cost(host_id h, void *user) { return hostidx_count(user, h); }

/* One host list being merged: its rows and where it is. */
typedef struct cursor {
    const uint32_t *r;
    size_t n, at;
} cursor;

static void heap_down(cursor *c, int *heap, int n, int i)
{
    for (;;) {
        int l = 2 * i + 1, m = i;
        if (l < n && c[heap[l]].r[c[heap[l]].at] < c[heap[m]].r[c[heap[m]].at]) m = l;
        if (l + 1 < n && c[heap[l + 1]].r[c[heap[l + 1]].at] < c[heap[m]].r[c[heap[m]].at]) m = l + 1;
        if (m == i) return;
        int tmp = heap[i]; heap[i] = heap[m]; heap[m] = tmp;
        i = m;
    }
}

int hostidx_scan(const host_index *x, const flow_filter *f, const flow_table *t,
                 int (*fn)(size_t row, void *arg), void *arg, size_t *hits, char *why, size_t whylen)
{
    *hits = 0;
    if (!x->off || x->nrows != t->n || x->nhosts != t->hosts.n) return 0;
    host_id *hosts = malloc(HOSTIDX_PLAN_MAX_HOSTS * sizeof *hosts);
    if (!hosts) return 0;
    int nh = filter_plan_hosts(f, plan_cost, (void *)x, hosts, HOSTIDX_PLAN_MAX_HOSTS);
    uint64_t total = 0;
    for (int i = 0; i < nh; i++) total += hostidx_count(x, hosts[i]);
    /* a walk of more than an eighth of the rows, in random order, is no
     * faster than the block scan */
    if (nh < 0 || total > t->n / 8 + 1024) { free(hosts); return 0; }
    cursor *c = calloc(nh ? (size_t)nh : 1, sizeof *c);
    int *heap = malloc((nh ? (size_t)nh : 1) * sizeof *heap);
    int rc = 1;
    if (!c || !heap) { rc = 0; goto out; }
    /* every list is checked before the first row is passed on: its own
     * checks, and each row has the host at an end and no id out of range
     * (the table's columns may not have been checked: see hostidx.h) */
    for (int i = 0; i < nh; i++) {
        host_id h = hosts[i];
        if (hostidx_rows(x, h, &c[i].r, &c[i].n, why, whylen)) { rc = -1; goto out; }
        for (size_t k = 0; k < c[i].n; k++) {
            host_id s = t->src[c[i].r[k]], d = t->dst[c[i].r[k]];
            if (s >= x->nhosts || d >= x->nhosts || (s != h && d != h)) {
                snprintf(why, whylen, "does not match the table (row %u, host %u)", c[i].r[k], h);
                rc = -1;
                goto out;
            }
        }
    }
    int n = 0;
    for (int i = 0; i < nh; i++) if (c[i].n) heap[n++] = i;
    for (int i = n / 2 - 1; i >= 0; i--) heap_down(c, heap, n, i);
    uint32_t last = 0;
    int any = 0;
    while (n) {
        cursor *top = &c[heap[0]];
        uint32_t row = top->r[top->at];
        if (++top->at == top->n) heap[0] = heap[--n];
        if (n) heap_down(c, heap, n, 0);
        if (any && row == last) continue;   /* a row of two listed hosts, once */
        any = 1;
        last = row;
        if (filter_match(f, t, row)) {
            ++*hits;
            if (fn && fn(row, arg)) break;
        }
    }
out:
    free(c);
    free(heap);
    free(hosts);
    return rc;
}

int hostidx_plans(const flow_filter *f)
{
    host_id *plan = malloc(HOSTIDX_PLAN_MAX_HOSTS * sizeof *plan);
    int planned = plan && filter_plan_hosts(f, NULL, NULL, plan, HOSTIDX_PLAN_MAX_HOSTS) >= 0;
    free(plan);
    return planned;
}
