/* test_engine.c: the facts (what panes read), the blacklist chain and the
 * person's toggles, and tables at the edges (empty, one row, odd times). */
#include <math.h>
#include "test_engine_fixture.h"

/* Facts agree with sums computed here from the rows. */
static void facts_match_rows(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    fx_decoys(&f);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);

    uint64_t flows[24], bytes[24], want[24] = {0}, tot = 0;
    facts_hour_profile(e, flows, bytes);
    for (size_t i = 0; i < f.t.n; i++) want[((f.t.ts[i] / FX_HOUR) % 24)]++;
    for (int h = 0; h < 24; h++) { assert_int_equal(flows[h], want[h]); tot += flows[h]; }
    assert_int_equal(tot, f.t.n);

    /* one internal host: hour profile, timeline, totals, ports */
    host_id h = hosts_find(&f.t.hosts, "13.30.0.7");
    assert_true(h != HOST_NONE);
    uint64_t hf[24], hb[24], sent = 0, recv = 0, out_b = 0, tot_h = 0;
    for (size_t i = 0; i < f.t.n; i++) {
        if (f.t.src[i] == h) { sent++; if (!f.t.hosts.internal[f.t.dst[i]]) out_b += f.t.bytes[i]; }
        if (f.t.dst[i] == h) recv++;
        if (f.t.src[i] == h || f.t.dst[i] == h) tot_h++;
    }
    assert_int_equal(facts_host_hour_profile(e, h, hf, hb), 0);
    uint64_t s = 0;
    for (int k = 0; k < 24; k++) s += hf[k];
    assert_int_equal(s, tot_h);
    facts_timeline_shape sh;
    facts_timeline_get_shape(e, &sh);
    assert_int_equal(sh.bucket_ms, FX_HOUR);
    assert_int_equal(sh.t0_ms, FX_T0);
    const uint32_t *ts_sent, *ts_recv;
    assert_int_equal(facts_host_timeline(e, h, &ts_sent, &ts_recv), 0);
    uint64_t ssum = 0, rsum = 0;
    for (uint32_t k = 0; k < sh.nbuckets; k++) { ssum += ts_sent[k]; rsum += ts_recv[k]; }
    assert_int_equal(ssum, sent);
    assert_int_equal(rsum, recv);
    host_facts hfx;
    assert_int_equal(facts_host(e, h, &hfx), 0);
    assert_true(hfx.internal);
    assert_int_equal(hfx.sent_bytes[PEER_EXTERNAL], out_b);
    assert_int_equal(hfx.sent_flows[PEER_EXTERNAL] + hfx.sent_flows[PEER_INTERNAL], sent);
    /* 80 external peers drawn ~110 times: the estimate is near 80 */
    assert_true(hfx.sent_peers[PEER_EXTERNAL] > 55 && hfx.sent_peers[PEER_EXTERNAL] < 105);
    host_port hp[64];
    size_t np = facts_host_ports(e, h, hp, 64);
    assert_int_equal(np, 10);
    uint64_t pb = 0;
    for (size_t k = 0; k < np; k++) pb += hp[k].out_bytes;
    assert_int_equal(pb, out_b);
    host_peer peers[128];
    size_t npe = facts_host_peers(e, h, 1, peers, 128);
    assert_true(npe > 10);
    for (size_t k = 1; k < npe; k++) assert_true(peers[k - 1].flows >= peers[k].flows);
    /* an external host has no per-host profile */
    assert_int_equal(facts_host_hour_profile(e, hosts_find(&f.t.hosts, "16.30.0.1"), hf, hb), -1);

    /* rankings */
    candidate top[5];
    assert_int_equal(facts_top_hosts(e, DIR_OUTBOUND, METRIC_BYTES, top, 5), 5);
    char buf[16];
    assert_string_equal(hosts_name(&f.t.hosts, top[0].value, buf), "13.98.0.1");
    for (int k = 1; k < 5; k++) assert_true(top[k - 1].metric >= top[k].metric);
    assert_int_equal(facts_top_hosts(e, DIR_INTERNAL, METRIC_PEERS, top, 5), 5);
    assert_true(facts_top_hosts(e, DIR_EXTERNAL_SENDERS, METRIC_FLOWS, top, 5) == 5);
    /* the top outside destinations: flows from internal hosts, counted here
     * from the rows themselves (the fixture has no big byte counts) */
    {
        uint32_t nh = f.t.hosts.n;
        uint64_t *fl = calloc(nh, sizeof *fl);
        assert_non_null(fl);
        host_facts xs, xd;
        for (size_t i = 0; i < f.t.n; i++)
            if (facts_host(e, f.t.src[i], &xs) == 0 && xs.internal && facts_host(e, f.t.dst[i], &xd) == 0 && !xd.internal)
                fl[f.t.dst[i]]++;
        uint64_t best = 0;
        for (uint32_t k = 0; k < nh; k++) if (fl[k] > best) best = fl[k];
        candidate rt[5];
        assert_true(facts_top_hosts(e, DIR_EXTERNAL_RECEIVERS, METRIC_FLOWS, rt, 5) == 5);
        assert_int_equal((uint64_t)rt[0].metric, best);
        assert_int_equal(fl[rt[0].value], best);
        for (int k = 1; k < 5; k++) assert_int_equal((uint64_t)rt[k].metric, fl[rt[k].value]);
        assert_int_equal(facts_top_hosts(e, DIR_EXTERNAL_RECEIVERS, METRIC_PEERS, rt, 5), 0);
        free(fl);
    }

    /* ports */
    assert_int_equal(facts_port_count(e), 12);
    assert_int_equal(facts_port_at(e, 0), 20);
    port_facts pf;
    assert_int_equal(facts_port(e, 20, &pf), 0);
    assert_int_equal(pf.ext_sources_in, 80);
    assert_int_equal(facts_port(e, 19, &pf), -1);
    assert_true(facts_memory(e) > 0);
    fx_free(&f, e);
}

/* The chain: answer 1 is excluded from question 2 on; the person adding a
 * host excludes it everywhere; allowing a detector's host keeps it in. */
static void blacklist_chain_and_toggles(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    fx_decoys(&f);
    /* 13.98.0.1 also sends the most at night: without the chain it would be answer 2 */
    for (int k = 0; k < 300; k++) fx_add(&f, FX_T0 + 14 * FX_HOUR + k * 1000, "13.98.0.1", "17.98.0.1", 4001, 100000);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    host_id a1 = hosts_find(&f.t.hosts, "13.98.0.1"), a2 = hosts_find(&f.t.hosts, "13.98.0.2");
    assert_int_equal(out[0].value, a1);
    assert_int_equal(out[1].value, a2);
    assert_int_equal(f.bl.by_detector[a1], 0);
    assert_int_equal(f.bl.by_detector[a2], 1);
    assert_true(blacklist_contains(&f.bl, a1));

    /* allow answer 1: question 2 sees it again */
    assert_int_equal(blacklist_toggle(&f.bl, a1), 0);
    fx_run(&f, e, out);
    assert_int_equal(out[0].value, a1);
    assert_int_equal(out[1].value, a1);
    assert_false(blacklist_contains(&f.bl, a1));
    /* toggle back: the detector's entry counts again */
    assert_int_equal(blacklist_toggle(&f.bl, a1), 1);
    fx_run(&f, e, out);
    assert_int_equal(out[1].value, a2);

    /* the person adds answer 2's host: gone from every question, even 1 */
    assert_int_equal(blacklist_toggle(&f.bl, a2), 0);   /* it was on (by detector 2): now allowed */
    assert_int_equal(blacklist_toggle(&f.bl, a2), 1);   /* back to the detector's */
    host_id x = hosts_find(&f.t.hosts, "13.30.0.3");
    assert_int_equal(blacklist_toggle(&f.bl, a1), 0);
    assert_int_equal(blacklist_toggle(&f.bl, a1), 1);
    assert_false(blacklist_contains(&f.bl, x));
    assert_int_equal(blacklist_toggle(&f.bl, x), 1);
    assert_int_equal(f.bl.user[x], BL_USER_ADD);
    assert_int_equal(blacklist_toggle(&f.bl, a1), 0);
    assert_int_equal(f.bl.user[a1], BL_USER_ALLOW);
    assert_int_equal(blacklist_toggle(&f.bl, a1), 1);
    assert_int_equal(f.bl.user[a1], BL_NONE);
    blacklist_toggle(&f.bl, a1);   /* allowed */
    blacklist_toggle(&f.bl, a1);   /* back */
    /* user-add a1: question 1 moves on */
    f.bl.user[a1] = BL_USER_ADD;
    fx_run(&f, e, out);
    assert_int_not_equal(out[0].value, a1);
    for (int k = 0; k < DETECTOR_COUNT; k++)
        if (out[k].found && out[k].kind == ANSWER_HOST) assert_int_not_equal(out[k].value, a1);
    fx_free(&f, e);
}

/* Re-running gives the same findings (no state leaks between runs). */
static void rerun_is_stable(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    fx_decoys(&f);
    engine *e = fx_engine(&f, NULL);
    finding a[DETECTOR_COUNT], b[DETECTOR_COUNT];
    fx_run(&f, e, a);
    fx_run(&f, e, b);
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        assert_int_equal(a[k].found, b[k].found);
        assert_int_equal(a[k].value, b[k].value);
        assert_string_equal(a[k].why, b[k].why);
        assert_int_equal(a[k].ntop, b[k].ntop);
    }
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        const detector_info *di = engine_detector(k);
        assert_non_null(di);
        assert_true(strlen(di->id) > 3);
    }
    assert_null(engine_detector(DETECTOR_COUNT));
    fx_free(&f, e);
}

/* Edge tables: empty, one row, times before 1970, one huge byte count. */
static void edge_tables(void **state)
{
    fx f; fx_init(&f, 10);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    for (int k = 0; k < DETECTOR_COUNT; k++) assert_false(out[k].found);
    fx_free(&f, e);

    fx_init(&f, 10);
    fx_add(&f, -5 * FX_HOUR - 1, "13.1.1.1", "16.1.1.1", 80, 100);
    fx_add(&f, -5 * FX_HOUR, "16.1.1.1", "13.1.1.1", 80, 100);
    e = fx_engine(&f, NULL);
    fx_run(&f, e, out);
    assert_true(out[0].found);
    facts_timeline_shape sh;
    facts_timeline_get_shape(e, &sh);
    assert_int_equal(sh.t0_ms, -6 * FX_HOUR);
    assert_int_equal(sh.nbuckets, 2);
    uint64_t fl[24];
    facts_hour_profile(e, fl, NULL);
    assert_int_equal(fl[18], 1);
    assert_int_equal(fl[19], 1);
    fx_free(&f, e);

    /* ten years: wider buckets, at most 512 */
    fx_init(&f, 10);
    fx_add(&f, FX_T0, "13.1.1.1", "16.1.1.1", 80, 100);
    fx_add(&f, FX_T0 + 3650LL * 24 * FX_HOUR, "13.1.1.1", "16.1.1.1", 80, 100);
    e = fx_engine(&f, NULL);
    fx_run(&f, e, out);
    facts_timeline_get_shape(e, &sh);
    assert_true(sh.nbuckets <= 512);
    assert_true(sh.bucket_ms > FX_HOUR);
    assert_int_equal(facts_timeline_all(e)[sh.nbuckets - 1], 1);
    fx_free(&f, e);
}

/* A scan on thousands of ports from outside must not cost the internal
 * questions their pair matrix (ports are numbered per direction). */
static void many_inbound_ports(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    fx_decoys(&f);
    char a[16], b[16];
    for (uint32_t k = 0; k < 5000; k++) fx_add(&f, FX_T0 + k, fx_ip(a, 18, k), fx_ip(b, 13, k % 60), (uint16_t)(1000 + k), 60);
    int64_t ts = FX_T0 + 30 * FX_HOUR;
    for (uint32_t i = 0; i < 9; i++)
        for (uint32_t j = i + 1; j < 9; j++) fx_add(&f, ts++, fx_ip(a, 14, 100 + i), fx_ip(b, 14, 100 + j), 7777, 500);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_int_equal(facts_port_count(e), 5000 + 10 + 1);   /* the decoys' ports are among the scanned */
    assert_string_equal(fx_answer(e, out, 4), "7777");
    assert_int_equal((int)out[4].score, 9);
    assert_true(out[3].found);            /* a scanned port: one source each */
    assert_int_equal((int)out[3].top[0].metric, 1);
    host_port hp[64];
    assert_int_equal(facts_host_ports(e, hosts_find(&f.t.hosts, "14.30.0.100"), hp, 64), 1);
    assert_int_equal(hp[0].port, 7777);
    assert_int_equal(hp[0].int_peers, 8);
    fx_free(&f, e);
}

/* A million-address scan on every port does not fit per-source port
 * bitsets; the build keeps sorted lists instead and question 4 still works. */
static void inbound_port_lists(void **state)
{
    fx f; fx_init(&f, 200000);
    char a[16], b[16];
    uint32_t src = 0;
    for (uint32_t port = 1000; port < 65000; port++)
        for (int k = 0; k < (port == 30000 ? 1 : 2); k++, src++)
            fx_add(&f, FX_T0 + src, fx_ip(a, 18, src), fx_ip(b, 13, src % 50), (uint16_t)port, 60);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[3].found);
    assert_string_equal(fx_answer(e, out, 3), "30000");
    assert_int_equal(out[3].nmembers, 1);
    port_facts pf;
    assert_int_equal(facts_port(e, 1000, &pf), 0);
    assert_int_equal(pf.ext_sources_in, 2);
    fx_free(&f, e);
}

/* Detectors are found by name, and one that reads another's finding runs
 * after it. */
static void registry_by_name(void **state)
{
    assert_int_equal(engine_registry_check(), 0);
    for (int k = 0; k < DETECTOR_COUNT; k++) assert_int_equal(engine_detector_index(engine_detector(k)->id), k);
    assert_int_equal(engine_detector_index("no-such-detector"), -1);
    assert_true(engine_detector_index("malware-controller") < engine_detector_index("infected-host"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(registry_by_name),
        cmocka_unit_test(facts_match_rows),
        cmocka_unit_test(blacklist_chain_and_toggles),
        cmocka_unit_test(rerun_is_stable),
        cmocka_unit_test(edge_tables),
        cmocka_unit_test(many_inbound_ports),
        cmocka_unit_test(inbound_port_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
