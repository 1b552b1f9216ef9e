/* test_sparse.c: the engine's sparse facts (internal triples, (host, port)
 * lists) against a brute-force count over the rows: every triple with its
 * flows and first time, both indexes, distinct internal peers, the port
 * graphs' edges, outbound bytes and flows and inbound flows per (host,
 * port); the same from the dense and the sparse (host, port) paths of the
 * pass, with one thread and with four (partials merged); and the lists
 * through a facts-cache round trip. */
#include <unistd.h>

#include "test_engine_fixture.h"
#include "../../src/engine/engine_priv.h"

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    return fx_tmp_facts("nettui-sparse", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
    (void)state;
    fx_tmp_facts_remove(dir, path);
    return 0;
}

/* Random traffic: nint internal hosts (13.*), outside ones (16.*), internal
 * rows on 70 ports (more than 64: the port spaces split by direction),
 * outbound and inbound rows on others, random times. */
static void random_traffic(fx *f, uint32_t nint, uint32_t rows)
{
    char a[16];
    fx_init(f, rows + 16);
    host_id *in = malloc(nint * sizeof *in), *ex = malloc(500 * sizeof *ex);
    for (uint32_t k = 0; k < nint; k++) in[k] = fx_host(f, fx_ip(a, 13, k));
    for (uint32_t k = 0; k < 500; k++) ex[k] = fx_host(f, fx_ip(a, 16, k));
    for (uint32_t r = 0; r < rows; r++) {
        int64_t ts = FX_T0 + (int64_t)fx_below(f, 3 * 24 * (uint32_t)FX_HOUR / 1000) * 1000 + r % 1000;
        uint32_t bytes = 1 + fx_below(f, 100000);
        switch (fx_below(f, 3)) {
        case 0: fx_add_ids(f, ts, in[fx_below(f, nint)], ex[fx_below(f, 500)], (uint16_t)(3000 + fx_below(f, 40)), bytes); break;
        case 1: fx_add_ids(f, ts, ex[fx_below(f, 500)], in[fx_below(f, nint)], (uint16_t)(5000 + fx_below(f, 30)), bytes); break;
        default: {
            /* skewed: a few busy pairs repeat, self traffic happens */
            uint32_t s = fx_below(f, 4) ? fx_below(f, nint) : fx_below(f, 8);
            uint32_t d = fx_below(f, 4) ? fx_below(f, nint) : fx_below(f, 8);
            fx_add_ids(f, ts, in[s], in[d], (uint16_t)(100 + fx_below(f, 70)), bytes);
        }
        }
    }
    free(in); free(ex);
}

typedef struct tri_bf {
    uint32_t a, b, ip;
    uint32_t flows;
    int64_t first;
} tri_bf;

static int cmp_tri_src(const void *x, const void *y)
{
    const tri_bf *p = x, *q = y;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    return (p->ip > q->ip) - (p->ip < q->ip);
}

static int cmp_tri_dst(const void *x, const void *y)
{
    const tri_bf *p = x, *q = y;
    if (p->b != q->b) return p->b < q->b ? -1 : 1;
    if (p->a != q->a) return p->a < q->a ? -1 : 1;
    return (p->ip > q->ip) - (p->ip < q->ip);
}

/* The distinct internal triples of the rows, by (src, dst, port). */
static tri_bf *brute_triples(const engine *e, size_t *n)
{
    const flow_table *t = e->t;
    tri_bf *v = malloc((t->n + 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t a = e->int_index[t->src[i]], b = e->int_index[t->dst[i]];
        if (a == NO_INDEX || b == NO_INDEX) continue;
        v[m++] = (tri_bf){ a, b, (uint32_t)e->sp_int.of[e->port_id[t->port[i]]], 1, t->ts[i] };
    }
    qsort(v, m, sizeof *v, cmp_tri_src);
    size_t u = 0;
    for (size_t k = 0; k < m; k++) {
        if (u && !cmp_tri_src(&v[u - 1], &v[k])) {
            v[u - 1].flows++;
            if (v[k].first < v[u - 1].first) v[u - 1].first = v[k].first;
        } else v[u++] = v[k];
    }
    *n = u;
    return v;
}

static void check_triples(const engine *e)
{
    size_t n;
    tri_bf *v = brute_triples(e, &n);
    assert_true(n > 1000);
    assert_int_equal(e->ntri, n);
    size_t k = 0;
    for (uint32_t a = 0; a < e->nint; a++)
        for (uint64_t i = tri_src_begin(e, a); i < tri_src_end(e, a); i++, k++) {
            assert_int_equal(v[k].a, a);
            assert_int_equal(v[k].b, e->tri[i].dst);
            assert_int_equal(v[k].ip, e->tri_port[i]);
            assert_int_equal(v[k].flows, e->tri[i].flows);
            assert_true(v[k].first == e->tri[i].first_ms);
            assert_int_equal(tri_lookup(e, a, v[k].b, v[k].ip), i);
        }
    assert_int_equal(k, n);
    /* pair totals, and distinct peers (self traffic left out) */
    uint32_t *outp = calloc(e->nint, 4), *inp = calloc(e->nint, 4);
    for (size_t s = 0; s < n;) {
        size_t q = s;
        uint64_t flows = 0;
        int64_t first = INT64_MAX;
        for (; q < n && v[q].a == v[s].a && v[q].b == v[s].b; q++) {
            flows += v[q].flows;
            if (v[q].first < first) first = v[q].first;
        }
        int64_t got_first;
        assert_int_equal(pair_flows(e, v[s].a, v[s].b, &got_first), flows);
        assert_true(got_first == first);
        if (v[s].a != v[s].b) { outp[v[s].a]++; inp[v[s].b]++; }
        s = q;
    }
    for (uint32_t a = 0; a < e->nint; a++) {
        assert_int_equal(e->int_out_peers[a], outp[a]);
        assert_int_equal(e->int_in_peers[a], inp[a]);
        host_facts hf;
        assert_int_equal(facts_host(e, e->int_host[a], &hf), 0);
        assert_int_equal(hf.sent_peers[PEER_INTERNAL], outp[a]);
    }
    /* the destination index: (dst, src, port) */
    qsort(v, n, sizeof *v, cmp_tri_dst);
    k = 0;
    for (uint32_t b = 0; b < e->nint; b++)
        for (uint64_t i = tri_dst_begin(e, b); i < tri_dst_end(e, b); i++, k++) {
            assert_int_equal(v[k].b, b);
            assert_int_equal(v[k].a, e->tri_in_src[i]);
            assert_int_equal(v[k].ip, e->tri_in_port[i]);
        }
    assert_int_equal(k, n);
    /* facts_host_peers: the internal peers of a few hosts, with pair flows */
    host_peer *hp = malloc((e->nint + SS_K) * sizeof *hp);
    for (uint32_t a = 0; a < e->nint; a += 37) {
        size_t np = facts_host_peers(e, e->int_host[a], 1, hp, e->nint + SS_K), internal = 0;
        for (size_t j = 0; j < np; j++) {
            if (hp[j].approximate) continue;
            internal++;
            assert_int_equal(hp[j].flows, pair_flows(e, a, e->int_index[hp[j].peer], NULL));
        }
        size_t want = outp[a] + (pair_flows(e, a, a, NULL) ? 1 : 0);   /* self traffic is a peer here */
        assert_int_equal(internal, want);
    }
    free(hp);
    free(outp); free(inp);
    free(v);
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t p = *(const uint64_t *)x, q = *(const uint64_t *)y;
    return (p > q) - (p < q);
}

/* Each port's edge list: every unordered internal pair {a < b} that talked
 * on it in either direction, once, by (a, b). */
static void check_graphs(const engine *e)
{
    const flow_table *t = e->t;
    uint64_t *v = malloc((t->n + 1) * sizeof *v);
    size_t m = 0;
    for (size_t i = 0; i < t->n; i++) {
        uint32_t a = e->int_index[t->src[i]], b = e->int_index[t->dst[i]];
        if (a == NO_INDEX || b == NO_INDEX || a == b) continue;
        uint32_t lo = a < b ? a : b, hi = a < b ? b : a;
        v[m++] = ((uint64_t)e->port_id[t->port[i]] << 40) | ((uint64_t)lo << 20) | hi;
    }
    assert_true(e->nint < (1u << 20));
    qsort(v, m, sizeof *v, cmp_u64);
    size_t u = 0;
    for (size_t k = 0; k < m; k++) if (!u || v[k] != v[u - 1]) v[u++] = v[k];
    assert_int_equal(e->edge_off[e->nports], u);
    for (uint32_t pid = 0; pid < e->nports; pid++)
        for (size_t k = e->edge_off[pid]; k < e->edge_off[pid + 1]; k++) {
            assert_int_equal(v[k] >> 40, pid);
            assert_int_equal(e->edges[2 * k], e->int_host[(v[k] >> 20) & 0xfffff]);
            assert_int_equal(e->edges[2 * k + 1], e->int_host[v[k] & 0xfffff]);
        }
    free(v);
}

/* Outbound bytes and flows, inbound flows, per (internal host, port). */
static void check_host_ports(const engine *e)
{
    const flow_table *t = e->t;
    size_t cells = (size_t)e->nint * e->nports;
    uint64_t *bytes = calloc(cells, 8);
    uint32_t *outf = calloc(cells, 4), *inf = calloc(cells, 4);
    for (size_t i = 0; i < t->n; i++) {
        uint32_t a = e->int_index[t->src[i]], b = e->int_index[t->dst[i]], pid = (uint32_t)e->port_id[t->port[i]];
        if (a != NO_INDEX && b == NO_INDEX) { bytes[(size_t)a * e->nports + pid] += flows_bytes_at(t, i); outf[(size_t)a * e->nports + pid]++; }
        if (a == NO_INDEX && b != NO_INDEX) inf[(size_t)b * e->nports + pid]++;
    }
    size_t entries = 0;
    for (uint32_t a = 0; a < e->nint; a++)
        for (uint32_t pid = 0; pid < e->nports; pid++) {
            size_t c = (size_t)a * e->nports + pid;
            uint64_t k = hp_lookup(e, a, pid);
            if (!outf[c] && !inf[c]) { assert_true(k == UINT64_MAX); continue; }
            entries++;
            assert_true(k != UINT64_MAX);
            assert_true(e->hp[k].out_bytes == bytes[c]);
            assert_int_equal(e->hp[k].out_flows, outf[c]);
            assert_int_equal(e->hp[k].in_flows, inf[c]);
        }
    assert_int_equal(e->nhp, entries);
    /* the ports pane's histogram: every host that sent on the port */
    for (uint32_t pid = 0; pid < e->nports; pid++) {
        size_t want = 0;
        for (uint32_t a = 0; a < e->nint; a++) want += bytes[(size_t)a * e->nports + pid] != 0;
        host_id hosts[4];
        uint64_t b[4];
        assert_int_equal(facts_port_host_bytes(e, e->port_list[pid], hosts, b, 4), want);
    }
    free(bytes); free(outf); free(inf);
}

static void same_lists(const engine *x, const engine *y)
{
    assert_int_equal(x->ntri, y->ntri);
    assert_int_equal(x->nhp, y->nhp);
    size_t ni = x->nint + 1, nt = x->ntri, nh = x->nhp;
    assert_memory_equal(x->tri_off, y->tri_off, ni * 8);
    assert_memory_equal(x->tri, y->tri, nt * sizeof *x->tri);
    assert_memory_equal(x->tri_port, y->tri_port, nt * 2);
    assert_memory_equal(x->tri_in_off, y->tri_in_off, ni * 8);
    assert_memory_equal(x->tri_in_src, y->tri_in_src, nt * 4);
    assert_memory_equal(x->tri_in_port, y->tri_in_port, nt * 2);
    assert_memory_equal(x->hp_off, y->hp_off, ni * 8);
    assert_memory_equal(x->hp_pid, y->hp_pid, nh * 2);
    assert_memory_equal(x->hp, y->hp, nh * sizeof *x->hp);
    assert_memory_equal(x->int_out_peers, y->int_out_peers, x->nint * 4);
    assert_memory_equal(x->int_in_peers, y->int_in_peers, x->nint * 4);
    assert_memory_equal(x->port_int_senders, y->port_int_senders, x->nports * 4);
}

static engine *build_with(fx *f, int threads, int sparse_hp)
{
    engine_options o;
    fx_options(&o);
    o.threads = threads;
    if (sparse_hp) setenv("NETTUI_SPARSE_HP", "1", 1);
    else unsetenv("NETTUI_SPARSE_HP");
    char err[256];
    engine *e = engine_build(&f->t, &o, err, sizeof err);
    unsetenv("NETTUI_SPARSE_HP");
    if (!e) fail_msg("engine_build: %s", err);
    return e;
}

/* 1.6M rows: four threads get two group-B partials, and each tally sees
 * many blocks (runs merged). */
static void test_against_rows(void **state)
{
    (void)state;
    fx f;
    random_traffic(&f, 1500, 1600000);
    fx_finish(&f);
    engine *one = build_with(&f, 1, 0);
    check_triples(one);
    check_graphs(one);
    check_host_ports(one);
    engine *four = build_with(&f, 4, 0), *sparse = build_with(&f, 4, 1), *sparse1 = build_with(&f, 1, 1);
    same_lists(one, four);
    same_lists(one, sparse);
    same_lists(one, sparse1);
    assert_memory_equal(one->edge_off, sparse->edge_off, (one->nports + 1) * sizeof *one->edge_off);
    assert_memory_equal(one->edges, sparse->edges, one->edge_off[one->nports] * 2 * sizeof *one->edges);
    engine_free(four); engine_free(sparse); engine_free(sparse1);
    engine_free(one);
    flows_free(&f.t);
}

/* The lists saved and loaded are the lists built; the same answers. */
static void test_cache_round_trip(void **state)
{
    (void)state;
    fx f;
    random_traffic(&f, 700, 120000);
    fx_finish(&f);
    engine_options o;
    fx_options(&o);
    engine *e = build_with(&f, 1, 0);
    char err[256];
    assert_int_equal(engine_save(e, path, 42, err, sizeof err), 0);
    cache_reason absent;
    engine *l = engine_load(&f.t, &o, path, 42, &absent, err, sizeof err);
    if (!l) fail_msg("engine_load: %s", err);
    same_lists(e, l);
    check_triples(l);
    check_host_ports(l);
    blacklist bl;
    finding a[DETECTOR_COUNT], b[DETECTOR_COUNT];
    assert_int_equal(blacklist_init(&bl, f.t.hosts.n), 0);
    engine_run(e, &bl, a);
    blacklist_free(&bl);
    assert_int_equal(blacklist_init(&bl, f.t.hosts.n), 0);
    engine_run(l, &bl, b);
    blacklist_free(&bl);
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        assert_int_equal(a[k].found, b[k].found);
        assert_true(a[k].value == b[k].value);
        assert_string_equal(a[k].why, b[k].why);
        assert_true(strncmp(a[k].why, "Not rated", 9) != 0);
    }
    engine_free(l);
    engine_free(e);
    flows_free(&f.t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_against_rows),
        cmocka_unit_test_setup_teardown(test_cache_round_trip, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
