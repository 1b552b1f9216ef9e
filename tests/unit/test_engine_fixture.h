/* test_engine_fixture.h: small flow tables built in a test, for the engine's
 * and the detectors' unit tests. Header-only; each test file includes it.
 *
 *   fx f; fx_init(&f, 100000);
 *   fx_add(&f, ts_ms, "13.1.1.1", "15.2.2.2", 80, 1000);
 *   fx_background(&f, &opts);             // ordinary traffic
 *   engine *e = fx_engine(&f, NULL);      // sorts rows by time, builds
 *   fx_run(&f, e, out);                   // fresh blacklist, engine_run
 */
#ifndef TEST_ENGINE_FIXTURE_H
#define TEST_ENGINE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <unistd.h>

#include "nettui/engine.h"
#include "nettui/facts.h"
#include "nettui/flows.h"

#define FX_T0 1578326400000LL      /* 2020-01-06 16:00 UTC */
#define FX_HOUR 3600000LL
#define FX_MIN 60000LL

typedef struct fx {
    flow_table t;
    size_t cap;
    cidr_list internal;
    uint64_t rng;
    blacklist bl;
    int bl_ready;
} fx;

static inline uint64_t fx_rand(fx *f)
{
    f->rng ^= f->rng << 13; f->rng ^= f->rng >> 7; f->rng ^= f->rng << 17;
    return f->rng;
}

static inline uint32_t fx_below(fx *f, uint32_t n) { return (uint32_t)(fx_rand(f) % n); }
static inline double fx_unit(fx *f) { return (double)(fx_rand(f) >> 11) * 0x1.0p-53; }

static inline void fx_init(fx *f, size_t cap)
{
    memset(f, 0, sizeof *f);
    f->cap = cap;
    f->rng = 0x9e3779b97f4a7c15ULL;
    cidr_list_default(&f->internal);
    f->t.internal = f->internal;
    hosts_init(&f->t.hosts);
    assert_int_equal(flows_alloc_columns(&f->t, cap), 0);
}

static inline host_id fx_host(fx *f, const char *ip)
{
    uint32_t a;
    assert_int_equal(ipv4_parse(ip, strlen(ip), &a), 0);
    host_id h = hosts_add_ipv4(&f->t.hosts, a, &f->internal);
    assert_true(h != HOST_NONE);
    return h;
}

/* "13.x.y.z" style addresses from an index. */
static inline const char *fx_ip(char buf[16], int first, uint32_t k)
{
    snprintf(buf, 16, "%d.%u.%u.%u", first, 30 + (k >> 16) % 30, (k >> 8) & 255, k & 255);
    return buf;
}

static inline void fx_add_ids(fx *f, int64_t ts, host_id s, host_id d, uint16_t port, uint32_t bytes)
{
    assert_true(f->t.n < f->cap);
    size_t i = f->t.n++;
    f->t.ts[i] = ts; f->t.src[i] = s; f->t.dst[i] = d; f->t.port[i] = port; f->t.bytes[i] = bytes;
}

static inline void fx_add(fx *f, int64_t ts, const char *src, const char *dst, uint16_t port, uint32_t bytes)
{
    host_id s = fx_host(f, src);   /* the source first: ids in order of appearance */
    host_id d = fx_host(f, dst);
    fx_add_ids(f, ts, s, d, port, bytes);
}

/* Hosts that take answers 1 and 2 (and so the blacklist's first places),
 * for tests about later questions. */
static inline void fx_decoys(fx *f)
{
    for (int k = 0; k < 200; k++) {
        fx_add(f, FX_T0 + 2 * FX_HOUR + k * 1000, "13.98.0.1", "17.98.0.1", 4001, 100000);       /* 20 MB, work hours */
        fx_add(f, FX_T0 + 15 * FX_HOUR + k * 1000, "13.98.0.2", "17.98.0.2", 4002, 50000);       /* 10 MB at 07:00 */
    }
}

/* Ordinary traffic: nint internal hosts (13.*), next external hosts (16.*),
 * rows flows over days days from FX_T0, busier in work hours [ws, we) UTC
 * (weight 20 vs 1), on ports from 20 upward (nports of them), a third each
 * outbound, inbound, internal, bytes around 1 kB with spread. */
typedef struct fx_bg {
    uint32_t nint, next, nports, rows, days;
    int ws, we;
    uint16_t first_port;
} fx_bg;

static inline void fx_bg_default(fx_bg *o)
{
    o->nint = 60; o->next = 80; o->nports = 10; o->rows = 20000; o->days = 2;
    o->ws = 16; o->we = 24; o->first_port = 20;
}

static inline int fx_is_work(const fx_bg *o, int h)
{
    return o->ws < o->we ? (h >= o->ws && h < o->we) : (h >= o->ws || h < o->we);
}

static inline void fx_background(fx *f, const fx_bg *o)
{
    char a[16], b[16];
    host_id *in = malloc(o->nint * sizeof *in), *ex = malloc(o->next * sizeof *ex);
    for (uint32_t k = 0; k < o->nint; k++) in[k] = fx_host(f, fx_ip(a, 13, k));
    for (uint32_t k = 0; k < o->next; k++) ex[k] = fx_host(f, fx_ip(b, 16, k));
    double wsum = 0;
    for (int h = 0; h < 24; h++) wsum += fx_is_work(o, h) ? 20 : 1;
    for (uint32_t r = 0; r < o->rows; r++) {
        /* pick an hour by weight, then a day and an instant in it */
        double x = fx_unit(f) * wsum;
        int h = 0;
        for (; h < 23; h++) { x -= fx_is_work(o, (h + 16) % 24) ? 20 : 1; if (x < 0) break; }
        int64_t ts = FX_T0 + (int64_t)fx_below(f, o->days) * 24 * FX_HOUR + (int64_t)h * FX_HOUR
                   + (int64_t)fx_below(f, (uint32_t)FX_HOUR);
        uint16_t port = (uint16_t)(o->first_port + fx_below(f, o->nports));
        uint32_t bytes = 500 + fx_below(f, 1000);
        host_id s, d;
        switch (fx_below(f, 3)) {
        case 0: s = in[fx_below(f, o->nint)]; d = ex[fx_below(f, o->next)]; break;
        case 1: s = ex[fx_below(f, o->next)]; d = in[fx_below(f, o->nint)]; break;
        default:
            s = in[fx_below(f, o->nint)];
            do d = in[fx_below(f, o->nint)]; while (d == s);
        }
        fx_add_ids(f, ts, s, d, port, bytes);
    }
    free(in); free(ex);
}

static int fx_cmp_row(const void *x, const void *y)
{
    const int64_t *a = x, *b = y;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    return (a[1] > b[1]) - (a[1] < b[1]);
}

/* Sorts the rows by time (stable by insertion), fixes the table's summary. */
static inline void fx_finish(fx *f)
{
    size_t n = f->t.n;
    int64_t *k = malloc((n + 1) * 2 * sizeof *k);
    for (size_t i = 0; i < n; i++) { k[2 * i] = f->t.ts[i]; k[2 * i + 1] = (int64_t)i; }
    qsort(k, n, 2 * sizeof *k, fx_cmp_row);
    host_id *s = malloc((n + 1) * sizeof *s), *d = malloc((n + 1) * sizeof *d);
    uint16_t *p = malloc((n + 1) * sizeof *p);
    uint32_t *b = malloc((n + 1) * sizeof *b);
    for (size_t i = 0; i < n; i++) {
        size_t j = (size_t)k[2 * i + 1];
        s[i] = f->t.src[j]; d[i] = f->t.dst[j]; p[i] = f->t.port[j]; b[i] = f->t.bytes[j];
    }
    for (size_t i = 0; i < n; i++) {
        f->t.ts[i] = k[2 * i]; f->t.src[i] = s[i]; f->t.dst[i] = d[i]; f->t.port[i] = p[i]; f->t.bytes[i] = b[i];
    }
    f->t.ts_min = n ? f->t.ts[0] : 0;
    f->t.ts_max = n ? f->t.ts[n - 1] : 0;
    free(k); free(s); free(d); free(p); free(b);
}

/* The fixtures' hosts are named in the CTF's internal network: tests of the
 * detectors give it, so that they do not depend on the inference. */
static inline void fx_options(engine_options *o)
{
    engine_options_default(o);
    o->internal_set = 1;
    cidr_list_default(&o->internal);
}

static inline engine *fx_engine(fx *f, const engine_options *o)
{
    engine_options def;
    if (!o) { fx_options(&def); o = &def; }
    fx_finish(f);
    char err[256];
    engine *e = engine_build(&f->t, o, err, sizeof err);
    if (!e) fail_msg("engine_build: %s", err);
    if (!f->bl_ready) {
        assert_int_equal(blacklist_init(&f->bl, f->t.hosts.n), 0);
        f->bl_ready = 1;
    }
    return e;
}

static inline void fx_run(fx *f, engine *e, finding out[DETECTOR_COUNT])
{
    engine_run(e, &f->bl, out);
}

static inline void fx_free(fx *f, engine *e)
{
    engine_free(e);
    if (f->bl_ready) blacklist_free(&f->bl);
    flows_free(&f->t);
}

/* The answer text of finding k. */
static inline const char *fx_answer(const engine *e, const finding *out, int k)
{
    static char buf[4][64];
    static int turn;
    turn = (turn + 1) % 4;
    return finding_answer_text(e, &out[k], buf[turn], sizeof buf[turn]);
}

static inline double fx_evidence(const finding *f, const char *label)
{
    for (int i = 0; i < f->nevidence; i++)
        if (!strcmp(f->evidence[i].label, label)) return f->evidence[i].value;
    fail_msg("no evidence '%s'", label);
    return 0;
}

/* A facts file in a fresh temporary folder, for the cache tests: name is
 * the folder's stem ("/tmp/NAME-XXXXXX"), path gets "<folder>/t.ntc.facts".
 * Returns 0, or -1 when the folder cannot be made. */
static inline int fx_tmp_facts(const char *name, char *dir, size_t dlen, char *path, size_t plen)
{
    snprintf(dir, dlen, "/tmp/%s-XXXXXX", name);
    if (!mkdtemp(dir)) return -1;
    snprintf(path, plen, "%s/t.ntc.facts", dir);
    return 0;
}

static inline void fx_tmp_facts_remove(const char *dir, const char *path)
{
    unlink(path);
    rmdir(dir);
}

#endif
