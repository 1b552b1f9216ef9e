/* run_flows.c: --flows EXPR, the flows a filter keeps, as CSV on stdout:
 * "timestamp,src,dst,port,bytes", rows in file order, the timestamp in
 * epoch ms or (--time iso) ISO 8601 UTC with milliseconds. The expression
 * is parsed before the file is loaded, so a bad one costs nothing.
 *
 * An expression whose every match involves one of a few hosts (its plan,
 * filter_plan_hosts) is answered from the host index (hostidx.h: mapped
 * from beside the cache, else built and saved there); any other, and any
 * with --no-cache, is one scan of the columns. Both give the same rows in
 * the same order. */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "nettui/cache.h"
#include "nettui/chsource.h"
#include "nettui/filter.h"
#include "nettui/hostidx.h"
#include "nettui/util.h"

typedef struct out_ctx {
    const flow_table *t;
    int iso;
    char *buf;
    size_t len, cap;
    int failed;
} out_ctx;

static char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    int n = 0;
    do { tmp[n++] = (char)('0' + v % 10); v /= 10; } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

static char *put_i64(char *p, int64_t v)
{
    if (v < 0) { *p++ = '-'; return put_u64(p, (uint64_t)0 - (uint64_t)v); }
    return put_u64(p, (uint64_t)v);
}

/* A host as a CSV field: dotted quads as they are, names quoted when they
 * hold a comma, a quote or a line break. */
static char *put_host(char *p, const flow_table *t, host_id h)
{
    const host_dict *d = &t->hosts;
    if (d->name_off[h] == UINT32_MAX) {
        uint32_t ip = d->ip[h];
        for (int k = 3; k >= 0; k--) {
            p = put_u64(p, (ip >> (8 * k)) & 255);
            if (k) *p++ = '.';
        }
        return p;
    }
    const char *s = d->names + d->name_off[h];
    size_t n = strlen(s);
    if (n > 1000) n = 1000;  /* the buffer's margin; the loader keeps names to 255 bytes */
    if (!strpbrk(s, ",\"\r\n")) { memcpy(p, s, n); return p + n; }
    *p++ = '"';
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') *p++ = '"';
        *p++ = s[i];
    }
    *p++ = '"';
    return p;
}

static int flush_out(out_ctx *c)
{
    if (c->len && fwrite(c->buf, 1, c->len, stdout) != c->len) c->failed = 1;
    c->len = 0;
    return c->failed;
}

static int emit(size_t i, void *arg)
{
    out_ctx *c = arg;
    const flow_table *t = c->t;
    if (c->cap - c->len < 4200 && flush_out(c)) return 1;   /* a row is at most ~4.1 kB */
    char *p = c->buf + c->len;
    if (c->iso) {
        filter_format_iso(t->ts[i], p, 40);
        p += strlen(p);
    } else {
        p = put_i64(p, t->ts[i]);
    }
    *p++ = ',';
    p = put_host(p, t, t->src[i]);
    *p++ = ',';
    p = put_host(p, t, t->dst[i]);
    *p++ = ',';
    p = put_u64(p, t->port[i]);
    *p++ = ',';
    p = put_u64(p, flows_bytes_at(t, i));
    *p++ = '\n';
    c->len = (size_t)(p - c->buf);
    return 0;
}

/* ---- the index, with a line on stderr while a slow build runs ---------------- */

typedef struct index_job {
    host_index *x;
    const flow_table *t;
    const char *cpath;
    int threads, loaded, rc;
    hostidx_progress p;
    char note[PATH_MAX + 400];
} index_job;

static void *index_worker(void *arg)
{
    index_job *j = arg;
    j->rc = hostidx_open(j->x, j->t, j->cpath, j->threads, &j->p, &j->loaded, j->note, sizeof j->note);
    return NULL;
}

/* The index of t (see hostidx_open). When stderr is a terminal (progress)
 * and the build passes a second, "indexing hosts  42%" (then "saving the
 * host index") on one line there, gone when it ends. 0, or -1 (no index:
 * the caller scans). */
static int index_get(const cli_options *o, const flow_table *t, const char *cpath, host_index *x)
{
    index_job j;
    memset(&j, 0, sizeof j);
    j.x = x; j.t = t; j.cpath = cpath; j.threads = o->threads;
    pthread_t th;
    if (!o->progress || pthread_create(&th, NULL, index_worker, &j)) {
        index_worker(&j);
    } else {
        double t0 = util_now();
        int drawn = 0;
        struct timespec nap = {0, 100 * 1000 * 1000};
        while (pthread_tryjoin_np(th, NULL) != 0) {
            nanosleep(&nap, NULL);
            if (util_now() - t0 < 1.0) continue;
            uint64_t done = atomic_load(&j.p.done), total = atomic_load(&j.p.total);
            if (atomic_load(&j.p.saving)) fprintf(stderr, "\rsaving the host index   ");
            else fprintf(stderr, "\rindexing hosts %3d%%    ", total ? (int)(done * 100 / total) : 0);
            fflush(stderr);
            drawn = 1;
        }
        if (drawn) { fprintf(stderr, "\r%24s\r", ""); fflush(stderr); }
    }
    if (j.note[0]) fprintf(stderr, "nettui: %s\n", j.note);
    return j.rc == 0 ? 0 : -1;
}

/* The table cache of o's file, when there is one (not --no-cache, not a set). */
static const char *table_cache_path(const cli_options *o, char *out, size_t len)
{
    char abs[PATH_MAX], err[256];
    if (o->no_cache || o->is_set || !realpath(o->path, abs) || cache_file_path(abs, o->cache_dir, out, len, err, sizeof err))
        return NULL;
    return out;
}

/* A warm open leaves the table cache's column pass (checksums and host-id
 * bounds of 2 GB at full size) out when the query has a host plan and a
 * sound index file waits beside the cache: the answer then reads only the
 * listed rows, whose host ids hostidx_scan checks against the index. Any
 * other read of the columns checks them first (columns_checked). */
typedef struct skip_ctx {
    int planned;     /* the expression has a host plan, whatever the hosts */
    int skipped;     /* the cache left its column pass to us */
} skip_ctx;

static int skip_if_indexed(void *user, const char *cpath, uint64_t table_id)
{
    skip_ctx *s = user;
    s->skipped = s->planned && hostidx_file_sound(cpath, table_id);
    return s->skipped;
}

/* The column pass the cache left out, before a read beyond the index's
 * rows: 0, or -1 after one sentence (the cache is corrupt: it is removed,
 * with its index; the person runs again). */
static int columns_checked(const cli_options *o, const flow_table *t, skip_ctx *s, const char *cp)
{
    if (!s->skipped) return 0;
    s->skipped = 0;
    char why[300];
    if (cache_check_columns(t, o->threads, why, sizeof why) == 0) return 0;
    fprintf(stderr, "nettui: the cache %s %s; it is removed, run again to rebuild it.\n", cp ? cp : "", why);
    if (cp) { unlink(cp); hostidx_remove_beside(cp); }
    return -1;
}

/* The rows f keeps through the index when its plan allows: 1 (done), 0
 * (scan instead, the columns checked), -1 (the cache is corrupt, said).
 * An index that fails its checks costs one line, the file, and a rebuild;
 * then the walk again. */
static int flows_by_index(const cli_options *o, const flow_filter *f, const flow_table *t, out_ctx *c, skip_ctx *s)
{
    /* no plan, no index: a port or a time span alone is one scan, and
     * building an index for it would cost more than the scan */
    int planned = hostidx_plans(f);
    /* without a cache (--no-cache, a set of files) the index could serve
     * this one query only, and its build reads the host columns twice: one
     * scan is cheaper */
    char cpath[PATH_MAX + 64], why[300];
    const char *cp = table_cache_path(o, cpath, sizeof cpath);
    if (!planned || !cp) return columns_checked(o, t, s, cp);
    /* unchecked columns: only a mapped index is read before they are checked */
    host_index x;
    uint64_t id;
    char ip[PATH_MAX + 80];
    memset(&x, 0, sizeof x);
    if (s->skipped && (hostidx_path(cp, ip, sizeof ip) || cache_table_id(cp, t, &id)
                       || hostidx_load(&x, ip, id, t, why, sizeof why) != HOSTIDX_HIT)) {
        hostidx_free(&x);
        if (columns_checked(o, t, s, cp)) return -1;
    }
    if (!x.off && index_get(o, t, cp, &x)) return columns_checked(o, t, s, cp);
    size_t hits;
    int r = hostidx_scan(&x, f, t, emit, c, &hits, why, sizeof why);
    if (r < 0) {
        /* the index or the columns: the columns are checked first */
        hostidx_free(&x);
        if (columns_checked(o, t, s, cp)) return -1;
        fprintf(stderr, "nettui: the host index %s %s; rebuilding it.\n", !hostidx_path(cp, ip, sizeof ip) ? ip : "", why);
        hostidx_remove_beside(cp);
        r = index_get(o, t, cp, &x) ? 0 : hostidx_scan(&x, f, t, emit, c, &hits, why, sizeof why);
        if (r < 0) r = 0;
    }
    hostidx_free(&x);
    if (r == 0 && columns_checked(o, t, s, cp)) return -1;
    return r;
}

int run_flows(const cli_options *o)
{
    char err[1024];
    int oom = 0;
    flow_filter *f = filter_parse(o->filter, err, sizeof err, &oom);
    if (!f) {
        if (oom) { fprintf(stderr, "nettui: out of memory while reading the filter.\n"); return EXIT_FAILURE_RUN; }
        fprintf(stderr, "nettui: bad filter: %s\n", err);
        return EXIT_USAGE;
    }
    if (o->clickhouse) {   /* pushed down: the server filters, nettui prints */
        ch_options co;
        cli_ch_options(o, &co);
        int rc = ch_flows(o->path, &co, f, o->time_iso, 0, stdout, err, sizeof err);
        if (fflush(stdout) && rc == EXIT_OK) { snprintf(err, sizeof err, "cannot write the flows to standard output."); rc = EXIT_FAILURE_RUN; }
        if (rc != EXIT_OK) fprintf(stderr, "nettui: %s\n", err);
        filter_free(f);
        return rc;
    }
    flow_table t;
    load_report rep;
    int from_cache = 0;
    skip_ctx skip = {0, 0};
    host_id none;   /* the plan's shape, before the hosts are known (filter_plan_hosts) */
    skip.planned = filter_plan_hosts(f, NULL, NULL, &none, 1) >= 0;
    int status = cli_load_table_skip(o, &t, &rep, &from_cache, skip_if_indexed, &skip);
    if (status != EXIT_OK) { filter_free(f); return status; }
    out_ctx c = {&t, o->time_iso, NULL, 0, 1 << 20, 0};
    c.buf = malloc(c.cap);
    if (!c.buf || filter_bind(f, &t)) {
        fprintf(stderr, "nettui: out of memory while preparing the filter.\n");
        free(c.buf); filter_free(f); cli_finish(); flows_free(&t);
        return EXIT_FAILURE_RUN;
    }
    static const char header[] = "timestamp,src,dst,port,bytes\n";
    memcpy(c.buf, header, sizeof header - 1);
    c.len = sizeof header - 1;
    int by = flows_by_index(o, f, &t, &c, &skip);
    if (by < 0) {
        free(c.buf); filter_free(f); cli_finish(); flows_free(&t);
        return EXIT_FAILURE_RUN;
    }
    if (!by) filter_scan(f, &t, 0, t.n, emit, &c);
    flush_out(&c);
    if (fflush(stdout) || ferror(stdout)) c.failed = 1;
    if (c.failed) {
        fprintf(stderr, "nettui: cannot write the flows to standard output.\n");
        status = EXIT_FAILURE_RUN;
    }
    free(c.buf);
    filter_free(f);
    cli_finish();   /* the cache write on a thread reads the columns: wait before freeing them */
    flows_free(&t);
    return status;
}
