/* test_persist.c: the facts cache (src/engine/persist.c). Facts saved and
 * loaded answer exactly as freshly built ones (all ten detectors, the
 * facts queries panes use); a corrupted, truncated, foreign or missing
 * facts file is refused with a reason; options (work hours) are applied to
 * loaded facts as to built ones. */
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <unistd.h>

#include "test_engine_fixture.h"

static char dir[64], path[128];

static int setup(void **state)
{
    (void)state;
    return fx_tmp_facts("nettui-persist", dir, sizeof dir, path, sizeof path);
}

static int teardown(void **state)
{
    (void)state;
    fx_tmp_facts_remove(dir, path);
    return 0;
}

/* Background, decoys, a clique on 7777, beacons to one callee, a port scan. */
static void scenario(fx *f)
{
    char a[16], b[16];
    fx_init(f, 200000);
    fx_bg o;
    fx_bg_default(&o);
    fx_background(f, &o);
    fx_decoys(f);
    int64_t ts = FX_T0 + 3 * FX_HOUR;
    for (uint32_t i = 0; i < 9; i++)
        for (uint32_t j = i + 1; j < 9; j++)
            for (int r = 0; r < 3; r++) fx_add(f, ts++, fx_ip(a, 14, 100 + i), fx_ip(b, 14, 100 + j), 7777, 500);
    for (uint32_t bot = 0; bot < 4; bot++)
        for (int k = 0; k < 120; k++)
            fx_add(f, FX_T0 + bot * 7000 + k * 60000LL, fx_ip(a, 13, 200 + bot), "17.66.6.6", 8443, 333);
    for (uint32_t k = 0; k < 300; k++) fx_add(f, FX_T0 + 5 * FX_HOUR + k, "18.7.7.7", fx_ip(b, 13, k % 60), (uint16_t)(1000 + k), 60);
}

static void same_double(double x, double y)
{
    if (isnan(x)) assert_true(isnan(y));
    else assert_true(x == y);
}

static void same_findings(const finding *a, const finding *b)
{
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        assert_int_equal(a[k].found, b[k].found);
        assert_int_equal(a[k].value, b[k].value);
        assert_int_equal(a[k].subject, b[k].subject);
        same_double(a[k].score, b[k].score);
        assert_string_equal(a[k].why, b[k].why);
        assert_int_equal(a[k].ntop, b[k].ntop);
        for (int i = 0; i < a[k].ntop; i++) {
            assert_int_equal(a[k].top[i].value, b[k].top[i].value);
            same_double(a[k].top[i].metric, b[k].top[i].metric);
        }
        assert_int_equal(a[k].nevidence, b[k].nevidence);
        for (int i = 0; i < a[k].nevidence; i++) same_double(a[k].evidence[i].value, b[k].evidence[i].value);
        assert_int_equal(a[k].nadds, b[k].nadds);
        assert_int_equal(a[k].nmembers, b[k].nmembers);
        if (a[k].nmembers) assert_memory_equal(a[k].members, b[k].members, a[k].nmembers * sizeof(host_id));
    }
}

static void same_facts(const engine *x, const engine *y, uint32_t nhosts)
{
    uint64_t f1[24], b1[24], f2[24], b2[24];
    facts_hour_profile(x, f1, b1);
    facts_hour_profile(y, f2, b2);
    assert_memory_equal(f1, f2, sizeof f1);
    assert_memory_equal(b1, b2, sizeof b1);
    facts_timeline_shape s1, s2;
    facts_timeline_get_shape(x, &s1);
    facts_timeline_get_shape(y, &s2);
    assert_true(s1.t0_ms == s2.t0_ms && s1.bucket_ms == s2.bucket_ms && s1.nbuckets == s2.nbuckets);
    assert_memory_equal(facts_timeline_all(x), facts_timeline_all(y), s1.nbuckets * 4);
    for (int d = 0; d <= DIR_EXTERNAL_RECEIVERS; d++)
        for (int m = 0; m <= METRIC_PEERS; m++) {
            candidate c1[20], c2[20];
            size_t n1 = facts_top_hosts(x, (facts_direction)d, (facts_metric)m, c1, 20);
            size_t n2 = facts_top_hosts(y, (facts_direction)d, (facts_metric)m, c2, 20);
            assert_int_equal(n1, n2);
            for (size_t i = 0; i < n1; i++) { assert_int_equal(c1[i].value, c2[i].value); same_double(c1[i].metric, c2[i].metric); }
        }
    for (host_id h = 0; h < nhosts; h++) {
        host_facts h1, h2;
        memset(&h1, 0, sizeof h1); memset(&h2, 0, sizeof h2);
        assert_int_equal(facts_host(x, h, &h1), facts_host(y, h, &h2));
        assert_memory_equal(&h1, &h2, sizeof h1);
        host_peer p1[32], p2[32];
        for (int out = 0; out < 2; out++) {
            size_t n1 = facts_host_peers(x, h, out, p1, 32), n2 = facts_host_peers(y, h, out, p2, 32);
            assert_int_equal(n1, n2);
            for (size_t i = 0; i < n1; i++) assert_true(p1[i].peer == p2[i].peer && p1[i].flows == p2[i].flows);
        }
        host_port q1[64], q2[64];
        size_t n1 = facts_host_ports(x, h, q1, 64), n2 = facts_host_ports(y, h, q2, 64);
        assert_int_equal(n1, n2);
        for (size_t i = 0; i < n1; i++)
            assert_true(q1[i].port == q2[i].port && q1[i].out_bytes == q2[i].out_bytes && q1[i].in_flows == q2[i].in_flows
                        && q1[i].int_peers == q2[i].int_peers);
        const uint32_t *s_1, *r_1, *s_2, *r_2;
        int t1 = facts_host_timeline(x, h, &s_1, &r_1), t2 = facts_host_timeline(y, h, &s_2, &r_2);
        assert_int_equal(t1, t2);
        if (t1 > 0) { assert_memory_equal(s_1, s_2, s1.nbuckets * 4); assert_memory_equal(r_1, r_2, s1.nbuckets * 4); }
    }
    assert_int_equal(facts_port_count(x), facts_port_count(y));
    for (size_t i = 0; i < facts_port_count(x); i++) {
        uint16_t p = facts_port_at(x, i);
        assert_int_equal(p, facts_port_at(y, i));
        port_facts a, b;
        assert_int_equal(facts_port(x, p, &a), facts_port(y, p, &b));
        assert_true(a.flows == b.flows && a.bytes == b.bytes && a.out_bytes == b.out_bytes && a.in_flows == b.in_flows
                    && a.ext_sources_in == b.ext_sources_in && a.int_senders_out == b.int_senders_out
                    && a.graph_nodes == b.graph_nodes && a.graph_edges == b.graph_edges && a.clique_bound == b.clique_bound);
        const host_id *e1, *e2;
        size_t n1 = facts_port_edges(x, p, &e1), n2 = facts_port_edges(y, p, &e2);
        assert_int_equal(n1, n2);
        if (n1) assert_memory_equal(e1, e2, n1 * 2 * sizeof(host_id));
        n1 = facts_port_nodes(x, p, &e1); n2 = facts_port_nodes(y, p, &e2);
        assert_int_equal(n1, n2);
        if (n1) assert_memory_equal(e1, e2, n1 * sizeof(host_id));
    }
    const beacon_series *bs1, *bs2;
    size_t n1 = facts_beacon_series(x, &bs1), n2 = facts_beacon_series(y, &bs2);
    assert_int_equal(n1, n2);
    for (size_t i = 0; i < n1; i++) {
        assert_true(bs1[i].src == bs2[i].src && bs1[i].dst == bs2[i].dst && bs1[i].calls == bs2[i].calls);
        const int64_t *c1, *c2;
        size_t m1 = facts_beacon_calls(x, i, &c1), m2 = facts_beacon_calls(y, i, &c2);
        assert_int_equal(m1, m2);
        assert_memory_equal(c1, c2, m1 * 8);
    }
}

static engine *load_ok(fx *f, const engine_options *o, uint64_t id)
{
    char why[256];
    cache_reason reason = CACHE_REASON_ABSENT;
    engine *e = engine_load(&f->t, o, path, id, &reason, why, sizeof why);
    if (!e) fail_msg("engine_load: %s", why);
    assert_int_equal(reason, CACHE_REASON_NONE);
    return e;
}

static void test_round_trip(void **state)
{
    (void)state;
    fx f;
    scenario(&f);
    engine *e1 = fx_engine(&f, NULL);
    char err[256];
    assert_int_equal(engine_save(e1, path, 42, err, sizeof err), 0);
    engine *e2 = load_ok(&f, NULL, 42);
    finding a[DETECTOR_COUNT], b[DETECTOR_COUNT];
    blacklist bl2;
    assert_int_equal(blacklist_init(&bl2, f.t.hosts.n), 0);
    fx_run(&f, e1, a);
    engine_run(e2, &bl2, b);
    same_findings(a, b);
    int found = 0;
    for (int k = 0; k < DETECTOR_COUNT; k++) found += a[k].found;
    assert_true(found >= 5);   /* the scenario gives the detectors something to find */
    same_facts(e1, e2, f.t.hosts.n);
    /* a person's blacklist change answers alike too */
    if (a[4].found && a[4].nmembers) {
        blacklist_toggle(&f.bl, a[4].members[0]);
        blacklist_toggle(&bl2, a[4].members[0]);
        fx_run(&f, e1, a);
        engine_run(e2, &bl2, b);
        same_findings(a, b);
    }
    blacklist_free(&bl2);
    engine_free(e2);
    fx_free(&f, e1);
}

/* Facts saved with detected work hours serve a run with the hours set. */
static void test_options_applied(void **state)
{
    (void)state;
    fx f;
    scenario(&f);
    engine *e1 = fx_engine(&f, NULL);
    char err[256];
    assert_int_equal(engine_save(e1, path, 7, err, sizeof err), 0);
    engine_free(e1);
    engine_options o;
    fx_options(&o);
    o.work_start = 0; o.work_end = 6;
    char err2[256];
    engine *built = engine_build(&f.t, &o, err2, sizeof err2);
    assert_non_null(built);
    engine *loaded = load_ok(&f, &o, 7);
    assert_int_equal(facts_work_hours_get(loaded)->detected, 0);
    assert_string_equal(facts_work_hours_get(built)->why, facts_work_hours_get(loaded)->why);
    finding a[DETECTOR_COUNT], b[DETECTOR_COUNT];
    blacklist bl2;
    assert_int_equal(blacklist_init(&bl2, f.t.hosts.n), 0);
    fx_run(&f, built, a);
    engine_run(loaded, &bl2, b);
    same_findings(a, b);
    blacklist_free(&bl2);
    engine_free(loaded);
    fx_free(&f, built);
}

/* The facts at path are refused, with word in the sentence and the reason
 * the cache policy acts on (cache_policy.h). */
static void expect_refused(fx *f, uint64_t id, const char *word, cache_reason want)
{
    char why[256] = "";
    cache_reason reason = CACHE_REASON_NONE;
    engine *e = engine_load(&f->t, NULL, path, id, &reason, why, sizeof why);
    if (e) { engine_free(e); fail_msg("a bad facts file was accepted (wanted: %s)", word); }
    if (!strstr(why, word)) fail_msg("reason \"%s\" lacks \"%s\"", why, word);
    if (reason != want) fail_msg("reason %s, wanted %s", cache_reason_name(reason), cache_reason_name(want));
}

static void rewrite_byte(long off, int xor_with)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char c;
    assert_int_equal(pread(fd, &c, 1, off), 1);
    c ^= (unsigned char)xor_with;
    assert_int_equal(pwrite(fd, &c, 1, off), 1);
    close(fd);
}

static void test_refused(void **state)
{
    (void)state;
    fx f;
    scenario(&f);
    engine *e1 = fx_engine(&f, NULL);
    char err[256], why[256];
    cache_reason reason = CACHE_REASON_NONE;
    /* absent */
    assert_null(engine_load(&f.t, NULL, path, 1, &reason, why, sizeof why));
    assert_int_equal(reason, CACHE_REASON_ABSENT);
    assert_int_equal(engine_save(e1, path, 1, err, sizeof err), 0);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    /* another table cache's facts */
    expect_refused(&f, 2, "another table", CACHE_REASON_OTHER_TABLE);
    /* a flipped byte in the data, in the header */
    rewrite_byte((long)st.st_size / 2, 0x10);
    expect_refused(&f, 1, "corrupted", CACHE_REASON_DAMAGED);
    rewrite_byte((long)st.st_size / 2, 0x10);
    engine_free(load_ok(&f, NULL, 1));
    rewrite_byte(40, 0x01);
    expect_refused(&f, 1, "corrupted", CACHE_REASON_DAMAGED);
    rewrite_byte(40, 0x01);
    rewrite_byte(8, 0x7f);   /* the version */
    expect_refused(&f, 1, "version", CACHE_REASON_OTHER_VERSION);
    rewrite_byte(8, 0x7f);
    rewrite_byte(0, 0xff);
    expect_refused(&f, 1, "not a nettui", CACHE_REASON_DAMAGED);
    rewrite_byte(0, 0xff);
    /* truncated, at several lengths */
    off_t cuts[] = { st.st_size - 1, st.st_size / 3, 100, 0 };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        assert_int_equal(truncate(path, cuts[i]), 0);
        expect_refused(&f, 1, "", CACHE_REASON_DAMAGED);
    }
    /* a table that is not the one the facts were made from */
    assert_int_equal(engine_save(e1, path, 1, err, sizeof err), 0);
    fx g;
    fx_init(&g, 1000);
    fx_add(&g, FX_T0, "13.1.1.1", "16.1.1.1", 80, 100);
    fx_finish(&g);
    char why2[256];
    assert_null(engine_load(&g.t, NULL, path, 1, &reason, why2, sizeof why2));
    assert_non_null(strstr(why2, "does not match"));
    assert_int_equal(reason, CACHE_REASON_DAMAGED);
    flows_free(&g.t);
    /* an unwritable place costs the save only */
    assert_int_equal(engine_save(e1, "/nonexistent-dir/x.facts", 1, err, sizeof err), -1);
    assert_true(err[0] != 0);
    fx_free(&f, e1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_options_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
