/* test_clique.c: the bounded clique search of question 5 (clique.c): the
 * planted clique found exactly beside a dense mesh, a search that runs out
 * of budget reporting true bounds, and a blacklist change that searches
 * again only the ports whose graph it changed. */
#include "../../src/engine/engine_priv.h"
#include "test_engine_fixture.h"

/* A clique of k hosts on port 83 and a G(n, p) mesh on port 445. */
static engine *meshes(fx *f, uint32_t k, uint32_t n, double p)
{
    char a[16], b[16];
    fx_init(f, 400000);
    for (uint32_t i = 0; i < k; i++)
        for (uint32_t j = 0; j < k; j++)
            if (i != j) fx_add(f, FX_T0 + i * 1000 + j, fx_ip(a, 12, i), fx_ip(b, 12, j), 83, 100);
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++)
            if (fx_unit(f) < p) fx_add(f, FX_T0 + 5000000 + i * 1000 + j, fx_ip(a, 13, i), fx_ip(b, 13, j), 445, 100);
    fx_add(f, FX_T0, "14.30.0.1", "16.0.0.1", 80, 1);   /* an outside host, and a host of neither mesh */
    return fx_engine(f, NULL);
}

static void planted_beats_mesh(void **state)
{
    fx f;
    engine *e = meshes(&f, 30, 300, 0.5);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 4), "83");
    assert_int_equal((int)out[4].score, 30);
    assert_int_equal((int)fx_evidence(&out[4], "at most"), 30);
    assert_int_equal((int)fx_evidence(&out[4], "searches stopped"), 0);
    fx_free(&f, e);
}

static void budget_gives_true_bounds(void **state)
{
    fx f;
    engine *e = meshes(&f, 3, 200, 0.8);
    int32_t pid = e->port_id[445];
    assert_true(pid >= 0);
    uint64_t budget = 1u << 20;   /* far too little for G(200, 0.8) */
    clique_result small;
    assert_int_equal(graph_port_clique(e, (uint32_t)pid, 0, &budget, &small), 0);
    assert_false(small.exact);
    assert_true(small.size >= 2 && small.size <= small.upper);
    assert_true(small.upper <= e->clique_bound[pid]);
    /* the found clique is one */
    for (uint32_t i = 0; i < small.size; i++)
        for (uint32_t j = i + 1; j < small.size; j++) {
            int linked = 0;
            for (size_t k = e->edge_off[pid]; k < e->edge_off[pid + 1] && !linked; k++)
                linked = (e->edges[2 * k] == small.members[i] && e->edges[2 * k + 1] == small.members[j])
                      || (e->edges[2 * k] == small.members[j] && e->edges[2 * k + 1] == small.members[i]);
            assert_true(linked);
        }
    /* with the budget it needs, the exact answer lies within the bounds */
    uint64_t big = 1ull << 40;
    clique_result full;
    assert_int_equal(graph_port_clique(e, (uint32_t)pid, 0, &big, &full), 0);
    assert_true(full.exact);
    assert_true(full.size >= small.size && full.size <= small.upper);
    free(small.members); free(full.members);
    fx_free(&f, e);
}

static void blacklist_searches_changed_ports_only(void **state)
{
    fx f;
    engine *e = meshes(&f, 20, 150, 0.5);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 4), "83");
    /* the same blacklist again: every search is taken from the last run */
    fx_run(&f, e, out);
    assert_int_equal(e->clique_fresh, 0);
    /* a host in neither port's graph: still nothing to search again */
    blacklist_toggle(&f.bl, hosts_find(&f.t.hosts, "14.30.0.1"));
    fx_run(&f, e, out);
    assert_int_equal(e->clique_fresh, 0);
    /* a host of the mesh: its port's probe and search run again, the
     * clique's port (whose graph did not change) is not searched again */
    blacklist_toggle(&f.bl, hosts_find(&f.t.hosts, "13.30.0.5"));
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 4), "83");
    assert_int_equal((int)out[4].score, 20);
    assert_int_equal(e->clique_fresh, 2);
    fx_free(&f, e);
}

/* A network too big to search whole (over 1024 hosts left after the
 * peel): the search goes vertex by vertex and still finds the planted
 * clique exactly. */
static void big_sparse_network(void **state)
{
    fx f;
    char a[16], b[16];
    fx_init(&f, 400000);
    for (uint32_t i = 0; i < 30; i++)
        for (uint32_t j = 0; j < 30; j++)
            if (i != j) fx_add(&f, FX_T0 + i * 100 + j, fx_ip(a, 12, i), fx_ip(b, 12, j), 139, 100);
    for (uint32_t i = 0; i < 3000; i++)   /* a sparse mesh: 8 random links each, clique mates included */
        for (int k = 0; k < 8; k++)
            fx_add(&f, FX_T0 + 100000 + i * 10 + k, fx_ip(a, 12, i), fx_ip(b, 12, fx_below(&f, 3000)), 139, 100);
    fx_add(&f, FX_T0, "14.30.0.1", "16.0.0.1", 80, 1);
    engine *e = fx_engine(&f, NULL);
    int32_t pid = e->port_id[139];
    uint64_t budget = 1ull << 40;
    clique_result r;
    assert_int_equal(graph_port_clique(e, (uint32_t)pid, 0, &budget, &r), 0);
    assert_true(r.exact);
    assert_int_equal(r.size, 30);
    free(r.members);
    fx_free(&f, e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(planted_beats_mesh),
        cmocka_unit_test(budget_gives_true_bounds),
        cmocka_unit_test(blacklist_searches_changed_ports_only),
        cmocka_unit_test(big_sparse_network),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
