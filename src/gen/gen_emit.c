/* gen_emit.c: the writer: the background minute by minute, in time order, with the
 * planted flows merged in and, on request, malformed lines between rows.
 * Numbers are formatted by hand into one big buffer: at 100 million rows
 * printf alone would take longer than the two minutes the file may take. */
#include "gen.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define OUT_BUF (4u << 20)
#define ROW_MAX 160     /* longest row or bad line, with room for 16-byte copies */

typedef struct writer {
    const gen_world *w;
    FILE *f;
    const char *name;
    char *buf;
    size_t len;
    int err;
    int crlf;
    gen_rng bad_rng;
    double bad_rate;
    uint64_t good, bad;
} writer;

static char digit_pairs[200];

static void writer_flush(writer *o)
{
    if (o->len && !o->err && fwrite(o->buf, 1, o->len, o->f) != o->len)
        o->err = errno ? errno : EIO;
    o->len = 0;
}

static inline char *put_u64(char *p, uint64_t v)
{
    char tmp[24];
    char *e = tmp + sizeof tmp, *q = e;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100) * 2;
        v /= 100;
        *--q = digit_pairs[d + 1];
        *--q = digit_pairs[d];
    }
    if (v >= 10) {
        *--q = digit_pairs[v * 2 + 1];
        *--q = digit_pairs[v * 2];
    } else {
        *--q = (char)('0' + v);
    }
    size_t n = (size_t)(e - q);
    memcpy(p, q, n);
    return p + n;
}

static inline char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

static inline char *put_host(char *p, const gen_host *h)
{
    memcpy(p, h->text, 16);   /* fixed-size copy; the tail is overwritten */
    return p + h->len;
}

static inline char *put_eol(char *p, int crlf)
{
    if (crlf) *p++ = '\r';
    *p++ = '\n';
    return p;
}

/* One malformed line of a randomly chosen kind, built from the row that
 * follows it so it looks like a damaged copy of real data. */
static char *put_bad(writer *o, char *p, int64_t ts, const gen_host *s, const gen_host *d,
                     const gen_port *port, uint64_t bytes)
{
    /* an ISO time with month 13: a date the loader reads, but an impossible one */
    static const char *const bad_ts[] = { "2020-13-07T03:12:44Z", "timestamp", "NaN", "15783x2640001" };
    static const char *const bad_port[] = { "ssh", "80a", "-", "0x50" };
    static const char *const bad_bytes[] = { "12kB", "n/a", "1e3x", "-" };
    static const char *const huge[] = { "18446744073709551616", "99999999999999999999",
                                        "184467440737095516150" };
    gen_rng *r = &o->bad_rng;
    uint32_t kind = rng_below(r, 9), v = rng_below(r, 4);
    const char *alt = NULL;
    if (kind == 2) alt = bad_ts[v];
    if (kind == 2) p = put_str(p, alt, strlen(alt)); else p = put_u64(p, (uint64_t)ts);
    *p++ = ',';
    if (kind != 3) p = put_host(p, s);
    *p++ = ',';
    if (kind != 4) p = put_host(p, d);
    *p++ = ',';
    if (kind == 5) p = put_str(p, bad_port[v], strlen(bad_port[v]));
    else if (kind == 6) p = put_u64(p, 65536 + rng_below(r, 934464));
    else p = put_str(p, port->text, port->len);
    if (kind != 0) {   /* kind 0: a field short */
        *p++ = ',';
        if (kind == 7) p = put_str(p, bad_bytes[v], strlen(bad_bytes[v]));
        else if (kind == 8) p = put_str(p, huge[v % 3], strlen(huge[v % 3]));
        else p = put_u64(p, bytes);
        if (kind == 1) {   /* a field too many */
            *p++ = ',';
            p = put_u64(p, 1 + rng_below(r, 999));
        }
    }
    o->bad++;
    return put_eol(p, o->crlf);
}

static inline void put_row(writer *o, int64_t ts, const gen_host *s, const gen_host *d,
                           const gen_port *port, uint64_t bytes)
{
    if (o->len > OUT_BUF - 2 * ROW_MAX) writer_flush(o);
    char *p = o->buf + o->len;
    /* never first, so a damaged first line cannot pass for a header */
    if (o->bad_rate > 0 && o->good > 0 && rng_unit(&o->bad_rng) < o->bad_rate)
        p = put_bad(o, p, ts, s, d, port, bytes);
    p = put_u64(p, (uint64_t)ts);
    *p++ = ',';
    p = put_host(p, s);
    *p++ = ',';
    p = put_host(p, d);
    *p++ = ',';
    p = put_str(p, port->text, port->len);
    *p++ = ',';
    p = put_u64(p, bytes);
    p = put_eol(p, o->crlf);
    o->len = (size_t)(p - o->buf);
    o->good++;
}

/* sorts n millisecond offsets (< 65536) by two byte-wide counting passes */
static void sort_offsets(uint16_t *a, uint16_t *tmp, uint32_t n)
{
    uint32_t count[256];
    for (int shift = 0; shift < 16; shift += 8) {
        memset(count, 0, sizeof count);
        for (uint32_t i = 0; i < n; i++) count[(a[i] >> shift) & 255]++;
        uint32_t sum = 0;
        for (int b = 0; b < 256; b++) { uint32_t c = count[b]; count[b] = sum; sum += c; }
        for (uint32_t i = 0; i < n; i++) tmp[count[(a[i] >> shift) & 255]++] = a[i];
        memcpy(a, tmp, n * sizeof *a);
    }
}

/* One background row at time ts: the direction by the DATA.md mix, then
 * the hosts, port and size that direction implies.  With favourites, an
 * outbound row goes to one of the source's favourites instead, on that
 * pair's port, by draws from fr alone, so r draws as it always did. */
static inline void background_row(writer *o, gen_rng *r, gen_rng *fr, int64_t ts)
{
    const gen_world *w = o->w;
    uint32_t dir = (uint32_t)(rng_next(r) >> 32);
    uint32_t src, dst;
    uint16_t port;
    if (dir < 1567663063u) {                 /* 36.5 %: internal to external */
        src = alias_draw(&w->internal_pick, r);
        dst = w->ext_first + alias_draw(&w->external_pick, r);
        port = (uint16_t)rng_below(r, GEN_N_COMMON);
        if (w->nfav && rng_unit(fr) < 0.6) {
            size_t k = (size_t)src * w->nfav + w->fav_pick[rng_next(fr) >> 56];
            dst = w->ext_first + w->fav[k];
            port = w->fav_port[k];
        }
    } else if (dir < 2357937897u) {          /* 18.4 %: internal to internal */
        src = alias_draw(&w->internal_pick, r);
        uint32_t a = w->peer_off[src], n = w->peer_off[src + 1] - a;
        dst = w->peers[a + rng_below(r, n)];
        port = w->served[dst][rng_below(r, w->nserved[dst])];
    } else {                                 /* 45.1 %: external to internal */
        uint32_t e = alias_draw(&w->external_pick, r);
        src = w->ext_first + e;
        uint32_t a = w->target_off[e], n = w->target_off[e + 1] - a;
        dst = w->targets[a + rng_below(r, n)];
        port = w->served[dst][rng_below(r, w->nserved[dst])];
    }
    const gen_port *p = &w->ports[port];
    uint32_t i = (uint32_t)(rng_next(r) >> 48);
    uint64_t bytes = p->cls == BYTES_CONST ? p->const_bytes
                   : p->cls == BYTES_LARGE ? w->large_bytes[i] : w->normal_bytes[i];
    put_row(o, ts, &w->hosts[src], &w->hosts[dst], p, bytes);
}

int emit_file(const gen_world *w, uint64_t *bad_out)
{
    const gen_options *opt = w->opt;
    for (int i = 0; i < 100; i++) {
        digit_pairs[2 * i] = (char)('0' + i / 10);
        digit_pairs[2 * i + 1] = (char)('0' + i % 10);
    }
    writer o = { .w = w, .crlf = opt->crlf, .bad_rate = opt->bad_rate };
    o.name = opt->out_path ? opt->out_path : "standard output";
    o.f = opt->out_path ? fopen(opt->out_path, "wb") : stdout;
    if (!o.f) {
        fprintf(stderr, "nettui-gen: cannot open %s for writing: %s.\n", opt->out_path, strerror(errno));
        return -1;
    }
    o.buf = malloc(OUT_BUF);
    rng_seed(&o.bad_rng, opt->seed ^ 0xbad11e5ULL);
    gen_rng r, fr;
    rng_seed(&r, opt->seed * 0x9e3779b97f4a7c15ULL + 0x62670000ULL);
    rng_stream(&fr, opt->seed, PART_FAV_USE);

    if (opt->header) {
        const char *h = "ts,source,destination,dport,bytes";
        o.len = strlen(h);
        memcpy(o.buf, h, o.len);
        o.len = (size_t)(put_eol(o.buf + o.len, o.crlf) - o.buf);
    }

    /* rows per minute: the background total spread by the hourly weights,
     * by cumulative rounding so the minutes add up to exactly that total */
    uint64_t total_w = 0, max_n = 0, bg = w->background_rows;
    for (int h = 0; h < GEN_HOURS; h++) total_w += 60 * w->minute_weight[h];
    uint64_t cum = 0, done = 0;
    for (int m = 0; m < GEN_MINUTES; m++) {
        cum += w->minute_weight[m / 60];
        uint64_t upto = (uint64_t)((unsigned __int128)bg * cum / total_w);
        if (upto - done > max_n) max_n = upto - done;
        done = upto;
    }
    uint16_t *off = malloc((max_n + 1) * sizeof *off), *tmp = malloc((max_n + 1) * sizeof *tmp);
    if (!o.buf || !off || !tmp) {
        fputs("nettui-gen: out of memory.\n", stderr);
        exit(1);
    }

    size_t pi = 0;
    cum = 0; done = 0;
    for (int m = 0; m < GEN_MINUTES && !o.err; m++) {
        cum += w->minute_weight[m / 60];
        uint64_t upto = (uint64_t)((unsigned __int128)bg * cum / total_w);
        uint32_t n = (uint32_t)(upto - done);
        done = upto;
        for (uint32_t i = 0; i < n; i++) off[i] = (uint16_t)rng_below(&r, 60000);
        sort_offsets(off, tmp, n);
        int64_t t0 = GEN_START_MS + (int64_t)m * 60000;
        for (uint32_t i = 0; i < n; i++) {
            int64_t ts = t0 + off[i];
            while (pi < w->nplanted && w->planted[pi].ts <= ts) {
                const gen_flow *f = &w->planted[pi++];
                put_row(&o, f->ts, &w->hosts[f->src], &w->hosts[f->dst], &w->ports[f->port], f->bytes);
            }
            background_row(&o, &r, &fr, ts);
        }
        int64_t t1 = t0 + 60000;
        while (pi < w->nplanted && w->planted[pi].ts < t1) {
            const gen_flow *f = &w->planted[pi++];
            put_row(&o, f->ts, &w->hosts[f->src], &w->hosts[f->dst], &w->ports[f->port], f->bytes);
        }
    }
    writer_flush(&o);
    if (!o.err && fflush(o.f) != 0) o.err = errno ? errno : EIO;
    if (opt->out_path && fclose(o.f) != 0 && !o.err) o.err = errno ? errno : EIO;
    free(o.buf); free(off); free(tmp);
    *bad_out = o.bad;
    if (o.err) {
        fprintf(stderr, "nettui-gen: cannot write %s: %s.\n", o.name, strerror(o.err));
        return -1;
    }
    return 0;
}
