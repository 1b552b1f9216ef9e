/* run_flows.c: --flows EXPR, the flows a filter keeps, as CSV on stdout:
 * "timestamp,src,dst,port,bytes", rows in file order, the timestamp in
 * epoch ms or (--time iso) ISO 8601 UTC with milliseconds. The expression
 * is parsed before the file is loaded, so a bad one costs nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettui/chsource.h"
#include "nettui/cli.h"
#include "nettui/filter.h"

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
    int status = cli_load_table(o, &t, &rep, &from_cache);
    if (status != EXIT_OK) { filter_free(f); return status; }
    out_ctx c = {&t, o->time_iso, NULL, 0, 1 << 20, 0};
    c.buf = malloc(c.cap);
    if (!c.buf || filter_bind(f, &t)) {
        fprintf(stderr, "nettui: out of memory while preparing the filter.\n");
        free(c.buf); filter_free(f); flows_free(&t);
        return EXIT_FAILURE_RUN;
    }
    static const char header[] = "timestamp,src,dst,port,bytes\n";
    memcpy(c.buf, header, sizeof header - 1);
    c.len = sizeof header - 1;
    filter_scan(f, &t, 0, t.n, emit, &c);
    flush_out(&c);
    if (fflush(stdout) || ferror(stdout)) c.failed = 1;
    if (c.failed) {
        fprintf(stderr, "nettui: cannot write the flows to standard output.\n");
        status = EXIT_FAILURE_RUN;
    }
    free(c.buf);
    filter_free(f);
    flows_free(&t);
    return status;
}
