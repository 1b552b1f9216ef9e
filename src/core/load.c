/* load.c: a flow file -> flow table, on several threads: the coordinator.
 *
 * The plan of a load:
 *   1. open and check the file, decompress gzip or zstd (decompress.c);
 *   2. probe (load_probe.c): the first 64 kB decide header or not, the column
 *      layout, the format and the time unit;
 *   3. split the file at line boundaries into one chunk per thread; each
 *      worker (load_worker.c) reads its chunk piece by piece into one small
 *      buffer (so the file never adds to the resident memory), runs its own
 *      csv_parser over it, and writes good rows straight into its own region
 *      of the table's columns, with host ids local to the worker;
 *   4. merge (load_merge.c), in file order.
 * Two outcomes of the workers restart the parse (parse_file): a quote seen on
 * several threads (a quoted field may hold a newline, which chunking would
 * cut) restarts it on one parser, and a region sized from the probe's mean
 * line length that fills up restarts it on sure bounds. A file that changes
 * while it is read is read again once (load_file).
 */
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

#include "load_priv.h"
#include "nettui/format.h"
#include "nettui/load.h"
#include "nettui/util.h"

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

/* ---- the thread split and its restarts ------------------------------------ */

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
    for (int k = 0; k < nw; k++) load_worker_free(&w[k]);
    flows_free(out);
    hosts_init(&out->hosts);
    out->internal = o->internal;
    atomic_store(&sh->stop, 0);
    atomic_store(&sh->done, 0);
}

/* How one parse of the file ended. */
typedef enum parse_result {
    PARSE_OK,
    PARSE_FAILED,      /* *err: the errno (out of memory, a read error) */
    PARSE_CANCELLED,   /* the progress callback asked */
    PARSE_OVERFLOW,    /* a region estimated from the probe was full: again, on sure bounds */
    PARSE_QUOTED,      /* a quote on several threads: again, on one */
} parse_result;

/* Splits [data_start, sh->size) into nw chunks at line starts and gives each
 * worker its chunk and its region of the columns. The rows of all regions. */
static size_t plan_chunks(shared *sh, worker *w, int nw, uint64_t data_start)
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
    return cap;
}

/* Waits for the nw running workers, reporting progress ten times a second.
 * 1 when the progress callback cancelled the load (the workers then stop). */
static int wait_workers(shared *sh, worker *w, int nw, uint64_t data_start, const load_options *o)
{
    uint64_t total = sh->size;
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
    return cancelled;
}

/* Runs the workers over the file, and tells how it went from the worst of
 * their outcomes (a failure, then a quote, then an overflow). */
static parse_result parse_all(shared *sh, worker *w, int nw, uint64_t data_start, const load_options *o, int *err)
{
    uint64_t total = sh->size;
    size_t cap = plan_chunks(sh, w, nw, data_start);
    if (flows_alloc_columns(sh->t, cap)) { *err = ENOMEM; return PARSE_FAILED; }
    columns_advise(sh->t, MADV_HUGEPAGE);

    /* a first call before any work, so a caller can cancel even a tiny load */
    if (o->progress && o->progress(o->user, 0, total, 0)) return PARSE_CANCELLED;
    int started = 0;
    for (; started < nw; started++)
        if (pthread_create(&w[started].thread, NULL, load_worker_run, &w[started])) break;
    if (started < nw) {
        atomic_store(&sh->stop, 1);
        for (int k = 0; k < started; k++) pthread_join(w[k].thread, NULL);
        *err = ENOMEM;
        return PARSE_FAILED;
    }
    if (wait_workers(sh, w, nw, data_start, o)) return PARSE_CANCELLED;
    worker_outcome worst = WORKER_DONE;
    for (int k = 0; k < nw; k++)
        if (w[k].outcome > worst) worst = w[k].outcome;
    switch (worst) {
    case WORKER_FAILED:
        for (int k = 0; k < nw; k++)
            if (w[k].outcome == WORKER_FAILED) { *err = w[k].error; break; }
        return PARSE_FAILED;
    case WORKER_QUOTED: return PARSE_QUOTED;
    case WORKER_OVERFLOW: return PARSE_OVERFLOW;
    case WORKER_DONE: break;
    }
    return PARSE_OK;
}

/* ---- load_file ------------------------------------------------------------ */

/* 1 when the file changed between two looks: size, mtime, or (by path) another file. */
static int file_changed(const struct stat *a, const struct stat *b)
{
    return a->st_size != b->st_size || a->st_mtim.tv_sec != b->st_mtim.tv_sec ||
           a->st_mtim.tv_nsec != b->st_mtim.tv_nsec || a->st_ino != b->st_ino || a->st_dev != b->st_dev;
}

static int load_file_once(const char *path, const load_options *o, flow_table *out, load_report *rep, int *changed,
                          int *cancelled);

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
 * when the file is not compressed), else the EXIT_* status of a failure
 * (*cancelled set when the progress callback cancelled it). */
static int open_decompressed(int *fd, uint64_t *data_size, const load_options **o, load_options *o_whole,
                             progress_whole *pw, load_report *rep, flow_table *out, const char *path, int *cancelled)
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
        if (dfd == DECOMPRESS_CANCELLED) {
            *cancelled = 1;
            return fail(rep, out, EXIT_FAILURE_RUN, "cancelled%s%s", "", "");
        }
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
    int changed = 0, cancelled = 0;
    int rc = load_file_once(path, o, out, rep, &changed, &cancelled);
    /* a file found with no flow that changed meanwhile was being written
     * (opened between an overwrite's truncation and its first bytes): read
     * again too, not "empty" */
    if ((rc == EXIT_OK || rc == EXIT_NO_INPUT) && changed) {
        flows_free(out);
        rc = load_file_once(path, o, out, rep, &changed, &cancelled);
        if (rc == EXIT_OK ? changed : !cancelled) {   /* e.g. still being written: empty, or changing */
            flows_free(out);   /* whatever the second load left: a table, or an empty one */
            hosts_init(&out->hosts);
            snprintf(rep->error, sizeof rep->error,
                     "%s changed while it was read, twice; run again once it is complete.", path);
            rc = EXIT_FAILURE_RUN;
        }
    }
    rep->seconds = util_now() - t0;
    return rc;
}

/* Opens path for a load and checks it is a regular, non-empty file. The fd
 * (O_RDONLY), or -1 with *status the EXIT_* status and rep->error set. */
static int open_flow_file(const char *path, struct stat *st, load_report *rep, flow_table *out, int *status)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);   /* a FIFO must not wait for a writer */
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            *status = fail(rep, out, EXIT_NO_INPUT, "cannot open %s: %s; check the path.", path, strerror(e));
        else if (e == EACCES)
            *status = fail(rep, out, EXIT_NO_INPUT, "cannot open %s: %s; check its permissions.", path, strerror(e));
        else
            *status = fail(rep, out, EXIT_NO_INPUT, "cannot open %s: %s.", path, strerror(e));
        return -1;
    }
    const char *fmt = NULL, *why = "";
    if (fstat(fd, st)) {
        fmt = "cannot read %s: %s.";
        why = strerror(errno);
    } else if (S_ISDIR(st->st_mode)) {
        fmt = "%s is a directory; name a flow file (CSV) instead%s.";
    } else if (!S_ISREG(st->st_mode)) {
        fmt = "%s is not a regular file; save the flows to a file first%s.";
    } else if ((rep->file_bytes = (uint64_t)st->st_size) == 0) {
        fmt = "%s is empty; a flow file has lines like 1578326400001,13.43.52.51,18.70.112.62,40,57354%s.";
    }
    if (fmt) {
        char why_copy[128];   /* strerror's text outlives close */
        snprintf(why_copy, sizeof why_copy, "%s", why);
        close(fd);
        *status = fail(rep, out, EXIT_NO_INPUT, fmt, path, why_copy);
        return -1;
    }
    return fd;
}

/* One parse of the file on nw threads, with its two restarts: a region that
 * overflowed its estimate (again on sure bounds), a quote seen by one of
 * several threads (again on one; *nw becomes 1). Returns PARSE_OK,
 * PARSE_CANCELLED or PARSE_FAILED (*err set), never a restart. */
static parse_result parse_file(shared *sh, worker *w, int *nw, uint64_t data_start, const load_options *o,
                               flow_table *out, int *err)
{
    if (!w) { *err = ENOMEM; return PARSE_FAILED; }
    parse_result r = parse_all(sh, w, *nw, data_start, o, err);
    if (r == PARSE_OVERFLOW) {
        parse_reset(sh, w, *nw, out, o);
        sh->line_bytes = 0;
        r = parse_all(sh, w, *nw, data_start, o, err);
    }
    if (r == PARSE_QUOTED) {
        parse_reset(sh, w, *nw, out, o);
        *nw = 1;
        sh->single = 1;
        r = parse_all(sh, w, *nw, data_start, o, err);
    }
    if (r == PARSE_OVERFLOW || r == PARSE_QUOTED) {   /* cannot be: sure bounds, one parser */
        *err = EOVERFLOW;
        r = PARSE_FAILED;
    }
    return r;
}

/* The report's counts from the workers', and the first bad line numbers in
 * file order (line_offset: the lines before the first chunk's, a format's
 * header lines). */
static void report_counts(load_report *rep, const worker *w, int nw, uint64_t line_offset)
{
    rep->lines = line_offset;
    for (int k = 0; k < nw; k++) {
        rep->lines += w[k].lines;
        rep->bad_total += w[k].bad_total;
        for (int b = 0; b < BAD_KIND_COUNT; b++) {
            rep->bad[b] += w[k].bad[b];
            for (int i = 0; i < w[k].nfirst_bad[b] && rep->nfirst_bad[b] < LOAD_FIRST_LINES; i++)
                rep->first_bad[b][rep->nfirst_bad[b]++] = w[k].first_bad[b][i] + line_offset;
        }
        line_offset += w[k].line - 1;
    }
}

/* The one sentence for a file that gave no flow: only blank lines, a header
 * alone, or every line malformed (then the commonest fault and its first line). */
static void no_flow_message(load_report *rep, const char *path)
{
    if (rep->lines == 0) {
        snprintf(rep->error, sizeof rep->error,
                 "%s has only blank lines; a flow file has lines like 1578326400001,13.43.52.51,18.70.112.62,40,57354.",
                 path);
    } else if (rep->bad_total == 0) {
        snprintf(rep->error, sizeof rep->error,
                 "%s has a header line but no flows; check that the file is complete.", path);
    } else {
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

/* One load of path: open, decompress, probe, parse, merge. *changed: the
 * file changed while it was read (load_file then reads it again);
 * *cancelled: the progress callback cancelled it. */
static int load_file_once(const char *path, const load_options *o_in, flow_table *out, load_report *rep, int *changed,
                          int *cancelled)
{
    const load_options *o = o_in;
    double t0 = util_now();
    *changed = *cancelled = 0;
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);
    hosts_init(&out->hosts);
    out->internal = o->internal;

    struct stat st;
    int status = EXIT_OK;
    int fd = open_flow_file(path, &st, rep, out, &status);
    if (fd < 0) return status;
    /* gzip or zstd (by magic bytes): decompressed first (decompress.c) */
    uint64_t data_size = rep->file_bytes;
    load_options o_whole;
    progress_whole pw = {o_in, rep->file_bytes};
    int fd0 = fd;
    int zst = open_decompressed(&fd, &data_size, &o, &o_whole, &pw, rep, out, path, cancelled);
    if (zst >= 0) return zst;
    int decompressed = fd != fd0;   /* fd is then a temporary file: the source is checked by path */

    load_probe_result pr;
    switch (load_probe(fd, data_size, o->format, &pr)) {
    case LOAD_PROBE_OK: break;
    case LOAD_PROBE_NO_MEMORY:
        close(fd);
        return fail(rep, out, EXIT_FAILURE_RUN, "cannot load %s: %s.", path, strerror(ENOMEM));
    case LOAD_PROBE_READ_FAILED: {
        int e = errno;
        close(fd);
        return fail(rep, out, EXIT_NO_INPUT, "cannot read %s: %s.", path, strerror(e));
    }
    }
    rep->format = pr.fl.format;
    rep->had_header = pr.lay.has_header || pr.fl.header_lines > 0;
    rep->timestamps_in_seconds = pr.lay.seconds;

    int nw = o->threads > 0 ? o->threads : cpu_count();
    if (nw > 256) nw = 256;
    if (pr.quoted) nw = 1;
    shared sh;
    memset(&sh, 0, sizeof sh);
    sh.fd = fd;
    sh.size = pr.data_size;
    sh.lay = &pr.lay;
    sh.t = out;
    sh.single = nw == 1;
    sh.scan_from = pr.header_end;
    sh.line_bytes = pr.line_bytes;
    sh.pagesz = sysconf(_SC_PAGESIZE);
    pthread_mutex_init(&sh.mu, NULL);
    pthread_cond_init(&sh.cv, NULL);
    worker *w = calloc((size_t)nw, sizeof *w);
    int perr = 0;
    parse_result res = parse_file(&sh, w, &nw, pr.data_start, o, out, &perr);
    rep->threads_used = nw;
    {
        struct stat now_fd, now_path;
        *changed = atomic_load(&sh.short_read) || (!decompressed && (fstat(fd, &now_fd) || file_changed(&st, &now_fd))) ||
                   stat(path, &now_path) || file_changed(&st, &now_path);
    }
    close(fd);

    if (res == PARSE_CANCELLED) {
        *cancelled = 1;
        snprintf(rep->error, sizeof rep->error, "cancelled");
        status = EXIT_FAILURE_RUN;
    } else if (res != PARSE_OK) {
        snprintf(rep->error, sizeof rep->error, "cannot load %s: %s.", path, strerror(perr));
        status = EXIT_FAILURE_RUN;
    }
    if (status == EXIT_OK) report_counts(rep, w, nw, pr.fl.format != FORMAT_CSV ? pr.fl.header_lines : 0);
    if (status == EXIT_OK && load_merge(out, w, nw, &o->internal, sh.pagesz)) {
        snprintf(rep->error, sizeof rep->error, "cannot load %s: %s.", path, strerror(ENOMEM));
        status = EXIT_FAILURE_RUN;
    }
    if (status == EXIT_OK && o->progress) o->progress(o->user, rep->file_bytes, rep->file_bytes, out->n);
    for (int k = 0; w && k < nw; k++) load_worker_free(&w[k]);
    free(w);
    pthread_mutex_destroy(&sh.mu);
    pthread_cond_destroy(&sh.cv);

    if (status == EXIT_OK && out->n == 0) {
        status = EXIT_NO_INPUT;
        no_flow_message(rep, path);
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
