/* weighted.c: owns building a table of weighted rows from groups of flows
 * (weighted.h). The columns are the loader's kind (anonymous mappings,
 * grown by mremap as groups arrive, whose count is not known before the
 * result streams in); weight and ts_last are malloc'd. Or the rows go
 * to a sink (a file: chcache.c) and only the hosts, the big-byte rows and
 * the totals stay here. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nettui/load.h"
#include "nettui/weighted.h"

#define FIRST_CAP 65536

int weighted_begin_sink(flow_table *t)
{
    memset(t, 0, sizeof *t);
    hosts_init(&t->hosts);
    cidr_list_default(&t->internal);   /* as the loader: the engine classifies hosts itself */
    return 0;
}

int weighted_begin(flow_table *t)
{
    weighted_begin_sink(t);
    if (flows_alloc_columns(t, FIRST_CAP)) return -1;
    t->weight = malloc(FIRST_CAP * sizeof *t->weight);
    t->ts_last = malloc(FIRST_CAP * sizeof *t->ts_last);
    if (!t->weight || !t->ts_last) { flows_free(t); return -1; }
    return 0;
}

static int grow_column(void **col, size_t old_bytes, size_t new_bytes)
{
    void *p = mremap(*col, old_bytes, new_bytes, MREMAP_MAYMOVE);
    if (p == MAP_FAILED) return -1;
    *col = p;
    return 0;
}

static int grow_realloc(void **col, size_t bytes)
{
    void *p = realloc(*col, bytes);
    if (!p) return -1;
    *col = p;
    return 0;
}

/* Doubles the capacity of the five columns (grow_calls) and of weight and
 * ts_last (grow). Each column is valid after a failure
 * (mremap leaves the old mapping; col_cap only moves when all grew), so
 * flows_free still releases them; a failed grow leaves some larger mapped
 * than col_cap says, and munmap of the smaller length leaks at most their
 * tails until exit. */
static int grow_calls(flow_table *t)
{
    size_t c = t->col_cap, n = c * 2;
    if (grow_column((void **)&t->ts, c * 8, n * 8) || grow_column((void **)&t->src, c * 4, n * 4)
        || grow_column((void **)&t->dst, c * 4, n * 4) || grow_column((void **)&t->port, c * 2, n * 2)
        || grow_column((void **)&t->bytes, c * 4, n * 4))
        return -1;
    t->col_cap = n;
    return 0;
}

static int grow(flow_table *t)
{
    size_t n = t->col_cap * 2;
    if (grow_calls(t)) return -1;
    if (grow_realloc((void **)&t->weight, n * sizeof *t->weight) || grow_realloc((void **)&t->ts_last, n * sizeof *t->ts_last))
        return -1;
    return 0;
}

static host_id intern(flow_table *t, const char *s, size_t len)
{
    uint32_t ip;
    if (ipv4_parse(s, len, &ip) == 0) return hosts_add_ipv4(&t->hosts, ip, &t->internal);
    return hosts_add_name(&t->hosts, s, len);
}

static int add_big(flow_table *t, size_t row, uint64_t bytes)
{
    if ((t->nbig & (t->nbig - 1)) == 0) {   /* a power of two (or 0): double */
        flow_big_bytes *nb = realloc(t->big, (t->nbig ? t->nbig * 2 : 16) * sizeof *nb);
        if (!nb) return -1;
        t->big = nb;
    }
    t->big[t->nbig++] = (flow_big_bytes){ row, bytes };
    return 0;
}

/* Row r of t's own columns. */
static int put_own(flow_table *t, const weighted_row *w)
{
    if (t->n == t->col_cap && grow(t)) return -1;
    size_t r = t->n;
    t->ts[r] = w->ts;
    t->ts_last[r] = w->ts_last;
    t->src[r] = w->src;
    t->dst[r] = w->dst;
    t->port[r] = w->port;
    t->weight[r] = w->weight;
    t->bytes[r] = w->bytes;
    return 0;
}

int weighted_add_to(flow_table *t, const weighted_group *g, const weighted_sink *sink)
{
    if (!load_host_ok(g->src, g->src_len) || !load_host_ok(g->dst, g->dst_len)) return 1;
    host_id s = intern(t, g->src, g->src_len);   /* src first, as the loader does */
    host_id d = s == HOST_NONE ? HOST_NONE : intern(t, g->dst, g->dst_len);
    if (d == HOST_NONE) return -1;
    uint64_t left = g->flows, bytes = g->bytes;
    do {
        uint32_t w = left > UINT32_MAX ? UINT32_MAX : (uint32_t)left;
        weighted_row row = { g->first_ms, g->last_ms, s, d, bytes >= FLOWS_BYTES_BIG ? FLOWS_BYTES_BIG : (uint32_t)bytes, w, g->port, 0 };
        if (bytes >= FLOWS_BYTES_BIG && add_big(t, t->n, bytes)) return -1;
        if (sink ? sink->put(sink->user, &row) : put_own(t, &row)) return -1;
        if (t->n == 0 || row.ts < t->ts_min) t->ts_min = row.ts;
        if (t->n == 0 || row.ts_last > t->ts_max) t->ts_max = row.ts_last;
        t->total_bytes = t->total_bytes + bytes < t->total_bytes ? UINT64_MAX : t->total_bytes + bytes;
        t->weight_total += w;
        t->n++;
        left -= w;
        bytes = 0;
    } while (left);
    return 0;
}

int weighted_add(flow_table *t, const weighted_group *g)
{
    return weighted_add_to(t, g, NULL);
}

void weighted_end(flow_table *t)
{
    if (t->n == 0) t->ts_min = t->ts_max = 0;   /* the range is kept as rows come */
}

static host_id find(const host_dict *h, const char *s, size_t len)
{
    char buf[256];
    if (len >= sizeof buf) return HOST_NONE;   /* longer is never a good host */
    memcpy(buf, s, len);
    buf[len] = 0;
    return hosts_find(h, buf);
}

int weighted_flows_begin(flow_table *c)
{
    memset(c, 0, sizeof *c);
    hosts_init(&c->hosts);
    if (flows_alloc_columns(c, FIRST_CAP)) return -1;
    if (!(c->row = malloc(FIRST_CAP * sizeof *c->row))) { flows_free(c); return -1; }
    return 0;
}

int weighted_add_call_to(flow_table *t, const weighted_group *g, uint64_t row, const weighted_sink *sink)
{
    if (!t->calls) {
        flow_table *c = calloc(1, sizeof *c);
        if (!c) return -1;
        if (sink) hosts_init(&c->hosts);
        else if (weighted_flows_begin(c)) { free(c); return -1; }
        t->calls = c;
    }
    return weighted_add_flow_to(t->calls, &t->hosts, g, row, sink);
}

int weighted_add_call(flow_table *t, const weighted_group *g, uint64_t row)
{
    return weighted_add_call_to(t, g, row, NULL);
}

/* Call r of c's own columns. */
static int put_own_flow(flow_table *c, const weighted_row *w)
{
    if (c->n == c->col_cap && (grow_calls(c) || grow_realloc((void **)&c->row, c->col_cap * sizeof *c->row))) return -1;
    size_t r = c->n;
    c->row[r] = w->row;
    c->ts[r] = w->ts;
    c->src[r] = w->src;
    c->dst[r] = w->dst;
    c->port[r] = w->port;
    c->bytes[r] = w->bytes;
    return 0;
}

int weighted_add_flow_to(flow_table *c, const host_dict *hosts, const weighted_group *g, uint64_t row, const weighted_sink *sink)
{
    host_id s = find(hosts, g->src, g->src_len), d = find(hosts, g->dst, g->dst_len);
    if (s == HOST_NONE || d == HOST_NONE) return 1;
    weighted_row w = { g->first_ms, g->first_ms, s, d, g->bytes >= FLOWS_BYTES_BIG ? FLOWS_BYTES_BIG : (uint32_t)g->bytes, 1,
                       g->port, row };
    if (g->bytes >= FLOWS_BYTES_BIG && add_big(c, c->n, g->bytes)) return -1;
    if (sink ? sink->put(sink->user, &w) : put_own_flow(c, &w)) return -1;
    if (c->n == 0 || g->first_ms < c->ts_min) c->ts_min = g->first_ms;
    if (c->n == 0 || g->first_ms > c->ts_max) c->ts_max = g->first_ms;
    c->n++;
    return 0;
}

int weighted_add_flow(flow_table *c, const host_dict *hosts, const weighted_group *g, uint64_t row)
{
    return weighted_add_flow_to(c, hosts, g, row, NULL);
}

int weighted_add_call_apart_to(flow_table *c, const weighted_group *g, uint64_t row, const weighted_sink *sink)
{
    /* a host the loader refuses is never in the groups' dictionary: skipped, as there */
    if (!load_host_ok(g->src, g->src_len) || !load_host_ok(g->dst, g->dst_len)) return 1;
    if (intern(c, g->src, g->src_len) == HOST_NONE || intern(c, g->dst, g->dst_len) == HOST_NONE) return -1;
    return weighted_add_flow_to(c, &c->hosts, g, row, sink);
}

int weighted_add_call_apart(flow_table *c, const weighted_group *g, uint64_t row)
{
    return weighted_add_call_apart_to(c, g, row, NULL);
}

int weighted_merge_calls_to(flow_table *t, const flow_table *c, const weighted_sink *sink)
{
    for (size_t i = 0; i < c->n; i++) {
        char a[64], b[64];
        const char *s = hosts_name(&c->hosts, c->src[i], a), *d = hosts_name(&c->hosts, c->dst[i], b);
        weighted_group g = { s, d, strlen(s), strlen(d), c->port[i], c->ts[i], c->ts[i], 1, flows_bytes_at(c, i) };
        if (weighted_add_call_to(t, &g, c->row[i], sink) < 0) return -1;
        if (((i + 1) & (FLOWS_RELEASE_ROWS - 1)) == 0) flows_release(c, i + 1 - FLOWS_RELEASE_ROWS, i + 1);   /* a mapped c: behind */
    }
    return 0;
}

int weighted_merge_calls(flow_table *t, const flow_table *c)
{
    return weighted_merge_calls_to(t, c, NULL);
}
