/* test_detect_hosts.c: the detectors that answer a host (questions 1, 2, 6,
 * 7, 9, 10), each on a table where it must find the planted host and on one
 * where ordinary traffic must not fool it. */
#include "test_engine_fixture.h"

static void plant_outbound(fx *f, const char *src, const char *dst, uint16_t port, int n, int hour, uint32_t bytes)
{
    for (int k = 0; k < n; k++) {
        int64_t ts = FX_T0 + (int64_t)(k % 2) * 24 * FX_HOUR + (int64_t)((hour - 16 + 24) % 24) * FX_HOUR + (int64_t)k * 1000;
        fx_add(f, ts, src, dst, port, bytes);
    }
}

/* 1: the planted sender wins; a host receiving more from outside does not. */
static void exfil_found(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    plant_outbound(&f, "13.99.0.1", "17.1.1.1", 444, 200, 18, 50000);   /* 10 MB out */
    plant_outbound(&f, "17.2.2.2", "13.99.0.2", 445, 400, 18, 50000);   /* 20 MB in: not exfil */
    fx_add(&f, FX_T0 + 5, "13.99.0.3", "13.99.0.4", 446, 4000000000u); /* internal: not exfil */
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[0].found);
    assert_string_equal(fx_answer(e, out, 0), "13.99.0.1");
    assert_true(out[0].score > 10);
    assert_true(out[0].ntop >= 2);
    assert_int_equal(out[0].nadds, 1);
    assert_true(strlen(out[0].why) > 20);
    fx_free(&f, e);
}

static void exfil_none(void **state)
{
    fx f; fx_init(&f, 1000);
    fx_add(&f, FX_T0, "16.1.1.1", "13.1.1.1", 80, 100);
    fx_add(&f, FX_T0 + 1, "13.1.1.1", "13.1.1.2", 80, 100);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_false(out[0].found);
    assert_string_equal(fx_answer(e, out, 0), "?");
    fx_free(&f, e);
}

/* 2: a nightly job at 07:00 wins off-hours even though another host sends
 * more in work hours; the work hours come from the profile. */
static void offhours_found(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    plant_outbound(&f, "13.99.0.1", "17.1.1.1", 444, 300, 18, 60000);  /* day: 18 MB */
    plant_outbound(&f, "13.99.0.2", "17.1.1.2", 445, 100, 7, 60000);   /* night: 6 MB */
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    const facts_work_hours *w = facts_work_hours_get(e);
    assert_true(w->detected);
    assert_int_equal(w->start, 16);
    assert_int_equal(w->end, 0);
    assert_string_equal(fx_answer(e, out, 0), "13.99.0.1");
    assert_true(out[1].found);
    assert_string_equal(fx_answer(e, out, 1), "13.99.0.2");
    assert_int_equal((int)fx_evidence(&out[1], "peak off hour"), 7);
    fx_free(&f, e);
}

/* Work hours elsewhere in the day (2-10) are found; the override wins. */
static void offhours_shifted_and_override(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    o.ws = 2; o.we = 10;
    fx_background(&f, &o);
    plant_outbound(&f, "13.99.0.2", "17.1.1.2", 445, 100, 20, 60000);  /* 20:00 is off here */
    plant_outbound(&f, "13.99.0.3", "17.1.1.3", 446, 100, 4, 90000);   /* 04:00 is work */
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    const facts_work_hours *w = facts_work_hours_get(e);
    assert_int_equal(w->start, 2);
    assert_int_equal(w->end, 10);
    assert_true(facts_is_work_hour(e, 5));
    assert_false(facts_is_work_hour(e, 20));
    /* 13.99.0.3 sends the most overall: it is answer 1 and blacklisted */
    assert_string_equal(fx_answer(e, out, 0), "13.99.0.3");
    assert_string_equal(fx_answer(e, out, 1), "13.99.0.2");
    engine_free(e);

    engine_options eo;
    fx_options(&eo);
    eo.work_start = 18; eo.work_end = 22;   /* now 04:00 is off, 20:00 is work */
    char err[200];
    e = engine_build(&f.t, &eo, err, sizeof err);
    assert_non_null(e);
    fx_run(&f, e, out);
    assert_false(facts_work_hours_get(e)->detected);
    assert_false(facts_is_work_hour(e, 4));
    assert_true(facts_is_work_hour(e, 20));
    /* 13.99.0.3 is blacklisted by answer 1; the next night sender is background */
    assert_string_not_equal(fx_answer(e, out, 1), "13.99.0.2");
    fx_free(&f, e);
}

/* A flat day has no work hours, so nothing is off-hours. */
static void offhours_flat_day(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    o.ws = 0; o.we = 24;   /* every hour alike */
    fx_background(&f, &o);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_int_equal(facts_work_hours_get(e)->start, -1);
    assert_false(out[1].found);
    fx_free(&f, e);
}

/* 6 and 7: 25 bots each talk only to the controller on port 127; one
 * internal host talks to the controller on 127, another on a different port. */
static void controller_and_infected(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    char ip[16];
    for (int k = 0; k < 25; k++)
        for (int r = 0; r < 3; r++)
            fx_add(&f, FX_T0 + k * 1000 + r * FX_HOUR, fx_ip(ip, 18, (uint32_t)k), "13.50.0.5", 127, 300);
    /* a scanner reaching many internal hosts is not single-purpose */
    for (int k = 0; k < 30; k++) fx_add(&f, FX_T0 + k, "18.200.0.1", fx_ip(ip, 13, (uint32_t)k), 127, 60);
    fx_add(&f, FX_T0 + 10 * FX_HOUR, "13.50.0.9", "13.50.0.5", 127, 100);       /* infected */
    fx_add(&f, FX_T0 + 11 * FX_HOUR, "13.50.0.9", "13.50.0.5", 127, 100);
    fx_add(&f, FX_T0 + 5 * FX_HOUR, "13.50.0.8", "13.50.0.5", 128, 100);        /* other port */
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_true(out[5].found);
    assert_string_equal(fx_answer(e, out, 5), "13.50.0.5");
    assert_int_equal(out[5].nmembers, 25);
    assert_int_equal((int)fx_evidence(&out[5], "port"), 127);
    assert_true(out[6].found);
    assert_string_equal(fx_answer(e, out, 6), "13.50.0.9");
    assert_int_equal((int)out[6].score, 2);
    fx_free(&f, e);
}

/* 7: the first in time of several hosts on the bots' port. */
static void infected_first_in_time(void **state)
{
    fx f; fx_init(&f, 10000);
    char ip[16];
    for (int k = 0; k < 10; k++) fx_add(&f, FX_T0 + k, fx_ip(ip, 18, (uint32_t)k), "13.50.0.5", 127, 300);
    fx_add(&f, FX_T0 + 9 * FX_HOUR, "13.50.0.7", "13.50.0.5", 127, 100);
    fx_add(&f, FX_T0 + 3 * FX_HOUR, "13.50.0.6", "13.50.0.5", 127, 100);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 6), "13.50.0.6");
    assert_int_equal((int)fx_evidence(&out[6], "hosts on that port"), 2);
    fx_free(&f, e);
}

/* 9: one host reaches every internal host; background hosts reach few. */
static void brute_found(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    o.nint = 200; o.rows = 6000;
    fx_background(&f, &o);
    char ip[16];
    for (uint32_t k = 0; k < 200; k++) fx_add(&f, FX_T0 + 8 * FX_HOUR + k, "13.99.9.9", fx_ip(ip, 13, k), 22, 80);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 8), "13.99.9.9");
    assert_int_equal((int)out[8].top[0].metric, 200);
    assert_true(out[8].score > 2);
    /* its facts agree */
    host_facts hf;
    assert_int_equal(facts_host(e, hosts_find(&f.t.hosts, "13.99.9.9"), &hf), 0);
    assert_int_equal(hf.sent_peers[PEER_INTERNAL], 200);
    assert_int_equal(hf.sent_peers_kind[PEER_INTERNAL], PEERS_EXACT);
    fx_free(&f, e);
}

/* 10: the spy touches (host, port) pairs nobody else does, on ports the
 * background never uses; the brute host touches them too, and only the
 * blacklist (answer 9) keeps it from hiding the spy. */
static void spy_needs_the_chain(void **state)
{
    fx f; fx_init(&f, 100000);
    fx_bg o; fx_bg_default(&o);
    fx_background(&f, &o);
    char ip[16];
    for (uint32_t k = 0; k < 60; k++)
        for (uint16_t p = 900; p < 903; p++) fx_add(&f, FX_T0 + k * 100 + p, "13.99.9.9", fx_ip(ip, 13, k), p, 80);
    for (uint32_t k = 0; k < 40; k++) fx_add(&f, FX_T0 + 7 * FX_HOUR + k, "13.77.7.7", fx_ip(ip, 13, k), 901, 80);
    engine *e = fx_engine(&f, NULL);
    finding out[DETECTOR_COUNT];
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 8), "13.99.9.9");
    assert_true(out[9].found);
    assert_string_equal(fx_answer(e, out, 9), "13.77.7.7");
    assert_int_equal((int)out[9].top[0].metric, 40);

    /* the person allows the brute host back: now it shares every pair */
    host_id brute = hosts_find(&f.t.hosts, "13.99.9.9");
    assert_int_equal(blacklist_toggle(&f.bl, brute), 0);
    fx_run(&f, e, out);
    assert_string_equal(fx_answer(e, out, 8), "13.99.9.9");   /* still the answer */
    assert_false(blacklist_contains(&f.bl, brute));
    assert_string_not_equal(fx_answer(e, out, 9), "13.77.7.7");
    fx_free(&f, e);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exfil_found),
        cmocka_unit_test(exfil_none),
        cmocka_unit_test(offhours_found),
        cmocka_unit_test(offhours_shifted_and_override),
        cmocka_unit_test(offhours_flat_day),
        cmocka_unit_test(controller_and_infected),
        cmocka_unit_test(infected_first_in_time),
        cmocka_unit_test(brute_found),
        cmocka_unit_test(spy_needs_the_chain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
