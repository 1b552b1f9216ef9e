/* test_detect_ports.c: the detectors that answer a port (questions 3, 4, 5,
 * 8), each on a table where it must find the planted port and on one where
 * ordinary traffic must not fool it. */
#include <math.h>
#include "test_engine_fixture.h"

static void base(fx *f, uint32_t rows)
{
    fx_init(f, 200000);
    fx_bg o; fx_bg_default(&o);
    o.rows = rows;
    fx_background(f, &o);
    fx_decoys(f);
}

/* 3: on a constant 42-byte port every host sends alike but one sends 17x.
 * Ports with one or two hosts, however lopsided, are not rated. */
static void abuse_found(void **state)
{
    fx f; base(&f, 20000);
    char ip[16];
    for (uint32_t k = 0; k < 60; k++)
        for (int r = 0; r < 10 + (int)(k % 3); r++)
            fx_add(&f, FX_T0 + k * 1000 + r, fx_ip(ip, 13, k), "16.30.0.1", 42, 42);
    for (int r = 0; r < 170; r++) fx_add(&f, FX_T0 + 5000 + r, "13.30.0.7", "16.30.0.1", 42, 42);
    /* a lopsided pair and a lone host: n < 3 */
    fx_add(&f, FX_T0 + 1, "13.30.0.1", "16.30.0.2", 50, 10);
    fx_add(&f, FX_T0 + 2, "13.30.0.2", "16.30.0.2", 50, 4000000000u);
    fx_add(&f, FX_T0 + 3, "13.30.0.3", "16.30.0.2", 51, 4000000000u);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[2].found);
    assert_string_equal(fx_answer(e, out, 2), "42");
    char buf[16];
    assert_string_equal(hosts_name(&f.t.hosts, out[2].subject, buf), "13.30.0.7");
    assert_int_equal(out[2].nadds, 1);
    assert_true(out[2].score > 5);
    port_facts pf;
    assert_int_equal(facts_port(e, 50, &pf), 0);
    assert_true(isnan(pf.abuse_z));
    candidate rk[64];
    size_t n = facts_port_abuse_ranked(e, rk, 64);
    assert_true(n >= 2);
    assert_int_equal(rk[0].value, 42);
    /* the histogram of the port: the abuser first */
    host_id hs[4]; uint64_t bs[4];
    assert_int_equal(facts_port_host_bytes(e, 42, hs, bs, 4), 60);
    assert_int_equal(bs[0], (10 + 7 % 3 + 170) * 42);
    fx_free(&f, e);
}

/* 3 on ordinary traffic: no port rated above z = 5. */
static void abuse_ordinary(void **state)
{
    fx f; base(&f, 20000);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[2].found);          /* some port is always most extreme */
    assert_true(out[2].score < 5);      /* but nothing stands out */
    fx_free(&f, e);
}

/* 4: one external host alone uses port 113 inward; ties go to fewer flows,
 * then the lower port. */
static void private_found(void **state)
{
    fx f; base(&f, 20000);
    fx_add(&f, FX_T0 + 1, "15.104.76.58", "14.47.74.88", 113, 60);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 3), "113");
    assert_int_equal((int)out[3].top[0].metric, 1);
    assert_int_equal(out[3].nmembers, 1);
    assert_true(out[3].score > 10);
    fx_free(&f, e);
}

static void private_tie_rule(void **state)
{
    fx f; fx_init(&f, 1000);
    fx_add(&f, FX_T0 + 1, "15.1.1.1", "13.1.1.1", 300, 60);
    fx_add(&f, FX_T0 + 2, "15.1.1.1", "13.1.1.1", 300, 60);
    fx_add(&f, FX_T0 + 3, "15.1.1.2", "13.1.1.1", 400, 60);   /* one source, one flow */
    fx_add(&f, FX_T0 + 4, "15.1.1.3", "13.1.1.1", 500, 60);   /* same: 400 is lower */
    fx_add(&f, FX_T0 + 5, "15.1.1.3", "13.1.1.2", 200, 60);
    fx_add(&f, FX_T0 + 6, "15.1.1.4", "13.1.1.2", 200, 60);   /* two sources */
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 3), "400");
    fx_free(&f, e);
}

/* 5: a 12-clique on port 83 beats a complete bipartite K(15,15) on port 84,
 * whose core bound (16) is larger but whose largest clique is 2. */
static void p2p_found(void **state)
{
    fx f; base(&f, 20000);
    char a[16], b[16];
    int64_t ts = FX_T0 + 40 * FX_HOUR;
    for (uint32_t i = 0; i < 12; i++)
        for (uint32_t j = 0; j < 12; j++)
            if (i != j) fx_add(&f, ts++, fx_ip(a, 14, 100 + i), fx_ip(b, 14, 100 + j), 83, 500);
    for (uint32_t i = 0; i < 15; i++)
        for (uint32_t j = 0; j < 15; j++) fx_add(&f, ts++, fx_ip(a, 14, 200 + i), fx_ip(b, 14, 300 + j), 84, 500);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[4].found);
    assert_string_equal(fx_answer(e, out, 4), "83");
    assert_int_equal((int)out[4].score, 12);
    assert_int_equal(out[4].nmembers, 12);
    char m[16];
    assert_string_equal(hosts_name(&f.t.hosts, out[4].members[0], m), "14.30.0.100");
    port_facts pf;
    assert_int_equal(facts_port(e, 84, &pf), 0);
    assert_int_equal(pf.clique_bound, 16);
    assert_int_equal(pf.graph_edges, 225);
    const host_id *ab;
    assert_int_equal(facts_port_edges(e, 83, &ab), 66);
    assert_true(ab[0] < ab[1]);
    const host_id *nodes;
    assert_int_equal(facts_port_nodes(e, 83, &nodes), 12);
    fx_free(&f, e);
}

/* 5: excluding a clique member makes the clique one smaller. */
static void p2p_blacklist(void **state)
{
    fx f; fx_init(&f, 10000);
    char a[16], b[16];
    int64_t ts = FX_T0;
    for (uint32_t i = 0; i < 8; i++)
        for (uint32_t j = i + 1; j < 8; j++) fx_add(&f, ts++, fx_ip(a, 14, i), fx_ip(b, 14, j), 83, 500);
    for (uint32_t i = 0; i < 7; i++)
        for (uint32_t j = i + 1; j < 7; j++) fx_add(&f, ts++, fx_ip(a, 14, 50 + i), fx_ip(b, 14, 50 + j), 90, 500);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 4), "83");
    assert_int_equal((int)out[4].score, 8);
    blacklist_toggle(&f.bl, hosts_find(&f.t.hosts, "14.30.0.3"));
    fx_run(&f, e, out);
    /* 7 on port 83 ties 7 on port 90: the lower port */
    assert_string_equal(fx_answer(e, out, 4), "83");
    assert_int_equal((int)out[4].score, 7);
    blacklist_toggle(&f.bl, hosts_find(&f.t.hosts, "14.30.0.4"));
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 4), "90");
    fx_free(&f, e);
}

/* Beacons from nbots bots to two callees on port, every period_s seconds
 * with +-jitter_s, from FX_T0 over two days. */
static void plant_beacons(fx *f, int nbots, uint16_t port, int period_s, int jitter_s)
{
    char bot[16];
    for (int k = 0; k < nbots; k++) {
        const char *cc = k % 2 ? "17.77.0.1" : "17.77.0.2";
        int64_t phase = (int64_t)fx_below(f, (uint32_t)period_s) * 1000;
        for (int64_t t = FX_T0 + phase; t < FX_T0 + 48 * FX_HOUR; t += (int64_t)period_s * 1000) {
            int64_t j = jitter_s ? (int64_t)fx_below(f, (uint32_t)(2 * jitter_s * 1000)) - jitter_s * 1000 : 0;
            fx_add(f, t + j, fx_ip(bot, 12, 500 + (uint32_t)k), cc, port, 1337);
        }
    }
}

static void beacons_jittered_13_minutes(void **state)
{
    fx f; base(&f, 20000);
    plant_beacons(&f, 6, 51, 780, 20);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[7].found);
    assert_string_equal(fx_answer(e, out, 7), "51");
    assert_true(out[7].score > fx_evidence(&out[7], "-log10 p needed"));
    assert_int_equal(out[7].nmembers, 6);
    double period = fx_evidence(&out[7], "period s");
    assert_true(period > 775 && period < 785);
    const beacon_series *bs;
    assert_int_equal(facts_beacon_series(e, &bs), 6);
    assert_int_equal(bs[0].bytes, 1337);
    const int64_t *ts;
    size_t nc = facts_beacon_calls(e, 0, &ts);
    assert_true(nc > 200);
    assert_true(ts[1] > ts[0]);
    uint32_t bins[64]; double w;
    assert_int_equal(facts_beacon_interarrival(e, bins, 64, &w), 64);
    fx_free(&f, e);
}

/* The CTF's shape: calls on fixed minutes (17 and 43) of every hour. */
static void beacons_fixed_minutes(void **state)
{
    fx f; base(&f, 20000);
    char bot[16];
    for (int k = 0; k < 4; k++)
        for (int h = 0; h < 48; h++)
            for (int m = 0; m < 2; m++)
                fx_add(&f, FX_T0 + h * FX_HOUR + (m ? 43 : 17) * FX_MIN + fx_below(&f, 2000), fx_ip(bot, 12, 600 + (uint32_t)k),
                       k % 2 ? "17.77.0.3" : "17.77.0.4", 61, 1337);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 7), "61");
    assert_int_equal(out[7].nmembers, 4);
    /* 17 and 43 minutes past: both are 60 s past an even minute, so the
     * calls keep one phase every 120 s (and two every hour) */
    double period = fx_evidence(&out[7], "period s");
    assert_true(period == 120 || period == 3600);
    fx_free(&f, e);
}

/* Busy random traffic on a port whose every flow is 1337 bytes, to a few
 * callees that receive nothing else, must not look like beacons; nor must a
 * single periodic job (one host is not a botnet). */
static void beacons_not_fooled(void **state)
{
    fx f; base(&f, 20000);
    char src[16], dst[16];
    for (int r = 0; r < 20000; r++) {
        int64_t ts = FX_T0 + (int64_t)(fx_unit(&f) * 48 * FX_HOUR);
        fx_add(&f, ts, fx_ip(src, 13, fx_below(&f, 20)), fx_ip(dst, 17, 900 + fx_below(&f, 3)), 1337, 1337);
    }
    /* a few bots calling often at random times: short gaps, no rhythm */
    for (int k = 0; k < 5; k++)
        for (int r = 0; r < 2000; r++) {
            int64_t ts = FX_T0 + (int64_t)(fx_unit(&f) * 48 * FX_HOUR);
            fx_add(&f, ts, fx_ip(src, 12, 700 + (uint32_t)k), "17.88.0.1", 80, 1337);
        }
    plant_beacons(&f, 1, 77, 600, 5);   /* a lone cron job */
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_false(out[7].found);
    assert_string_equal(fx_answer(e, out, 7), "?");
    const beacon_series *bs;
    assert_int_equal(facts_beacon_series(e, &bs), 0);
    fx_free(&f, e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(abuse_found),
        cmocka_unit_test(abuse_ordinary),
        cmocka_unit_test(private_found),
        cmocka_unit_test(private_tie_rule),
        cmocka_unit_test(p2p_found),
        cmocka_unit_test(p2p_blacklist),
        cmocka_unit_test(beacons_jittered_13_minutes),
        cmocka_unit_test(beacons_fixed_minutes),
        cmocka_unit_test(beacons_not_fooled),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
