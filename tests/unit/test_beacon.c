/* test_beacon.c: the beacon test's false alarms on beacon-free call times,
 * and its hits on sparse, jittered series it was not tuned to.
 *
 * Each case draws many groups (bots calling one callee) and counts how
 * often the test's p-value falls below a level. Beacon-free groups follow
 * an hourly rhythm with work hours (the null the test corrects for), so a
 * correct p-value passes level a in at most a fraction a of them. Beacon
 * groups miss most beats: each bot calls 4 to 10 times over five days, at
 * periods from two minutes to half a day that divide no hour, with up to
 * 10 s of jitter and each bot at its own phase. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../src/engine/engine_priv.h"

#define T0 1578326400.0      /* 2020-01-06 16:00 UTC */
#define DAYS 5
#define BURST 20.0

static uint64_t rng = 0x2545f4914f6cdd1dULL;
static double unit(void)
{
    rng += 0x9e3779b97f4a7c15ULL;
    uint64_t z = rng;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return (double)((z ^ (z >> 31)) >> 11) * 0x1.0p-53;
}
static uint32_t below(uint32_t n) { return (uint32_t)(unit() * n); }

/* The hourly rhythm: hours 16-24 UTC carry 24.7x the calls of the others. */
static double hour_weight(int h) { return h >= 16 ? 24.7 : 1.0; }

static double rhythm_time(void)
{
    double wsum = 0;
    for (int h = 0; h < 24; h++) wsum += hour_weight(h);
    for (;;) {
        double x = unit() * wsum;
        int h = 0;
        while (h < 23 && x >= hour_weight(h)) { x -= hour_weight(h); h++; }
        int day = (int)below(DAYS);
        double t = T0 - 16 * 3600.0 + day * 86400.0 + h * 3600.0 + unit() * 3600.0;
        if (t >= T0 && t < T0 + DAYS * 86400.0) return t;
    }
}

static double weights[DAYS * 24];
static beacon_rhythm rhythm(void)
{
    double s = 0;
    for (int k = 0; k < DAYS * 24; k++) s += weights[k] = hour_weight((16 + k) % 24);
    for (int k = 0; k < DAYS * 24; k++) weights[k] /= s;
    beacon_rhythm rh = { T0, 3600.0, DAYS * 24, weights, 0, {{{0}}} };
    beacon_rhythm_prepare(&rh);
    return rh;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct group { double ev[2048]; uint32_t off[257]; uint32_t nbots; } group;

/* Adds a bot's calls (sorted here, bursts merged as beacon.c does). */
static void add_bot(group *g, double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    uint32_t m = g->off[g->nbots];
    double last = -1e300;
    for (int k = 0; k < n; k++) {
        if (t[k] - last >= BURST) g->ev[m++] = t[k];
        last = t[k];
    }
    g->off[++g->nbots] = m;
}

static double fit_log_p(group *g, const beacon_rhythm *rh, beacon_fit *fit)
{
    double (*sums)[BEACON_H][2] = malloc(((size_t)g->nbots + 1) * sizeof *sums);
    assert_non_null(sums);
    assert_int_equal(beacon_fit_group(g->ev, g->off, g->nbots, rh, fit, sums), 0);
    free(sums);
    return fit->log_p;
}

/* Beacon-free: bots calling at random times of the rhythm. */
static void false_alarms_on_random_calls(void **state)
{
    beacon_rhythm rh = rhythm();
    static group g;
    int groups = 3000, at_1pc = 0, at_01pc = 0;
    for (int r = 0; r < groups; r++) {
        memset(&g, 0, sizeof g);
        uint32_t bots = 1 + below(40);
        for (uint32_t b = 0; b < bots; b++) {
            double t[12];
            int n = 1 + (int)below(12);
            for (int k = 0; k < n; k++) t[k] = rhythm_time();
            add_bot(&g, t, n);
        }
        beacon_fit fit;
        double lp = fit_log_p(&g, &rh, &fit);
        at_1pc += lp <= log(0.01);
        at_01pc += lp <= log(0.001);
    }
    print_message("beacon-free groups: %d of %d at p <= 0.01, %d at p <= 0.001\n", at_1pc, groups, at_01pc);
    assert_true(at_1pc <= groups / 100 + 10);
    assert_true(at_01pc <= groups / 1000 + 5);
}

/* Beacon-free, but each bot calls in bursts and only in its own two work
 * hours of the day (a person's habit): still no periodicity. */
static void false_alarms_on_habits(void **state)
{
    beacon_rhythm rh = rhythm();
    static group g;
    int groups = 1000, hits = 0;
    for (int r = 0; r < groups; r++) {
        memset(&g, 0, sizeof g);
        uint32_t bots = 2 + below(20);
        for (uint32_t b = 0; b < bots; b++) {
            double t[12];
            int n = 0, h0 = 16 + (int)below(7);
            while (n < 12) {
                double s = T0 - 16 * 3600.0 + below(DAYS) * 86400.0 + (h0 + unit() * 2) * 3600.0;
                for (int k = 0, m = 1 + (int)below(3); k < m && n < 12; k++) t[n++] = s + k * unit() * 10;
            }
            add_bot(&g, t, n);
        }
        beacon_fit fit;
        hits += fit_log_p(&g, &rh, &fit) <= log(0.01);
    }
    print_message("habit groups: %d of %d at p <= 0.01\n", hits, groups);
    assert_true(hits <= groups / 100 + 5);
}

/* Sparse, jittered beacons: most beats missed, each bot its own phase. */
static void hits_on_sparse_beacons(void **state)
{
    beacon_rhythm rh = rhythm();
    static group g;
    int groups = 300, hits = 0, period_ok = 0;
    double need = log(0.01 / 10000);   /* as in a file of 10,000 groups */
    for (int r = 0; r < groups; r++) {
        memset(&g, 0, sizeof g);
        double p = 120.0 * pow(360.0, unit());   /* 2 min to 12 h */
        uint32_t bots = 3 + below(20);
        for (uint32_t b = 0; b < bots; b++) {
            double t[10], phase = unit() * p;
            int n = 4 + (int)below(7);
            uint32_t beats = (uint32_t)(DAYS * 86400.0 / p);
            for (int k = 0; k < n; k++)
                t[k] = T0 + phase + (double)below(beats) * p + (unit() * 20 - 10);
            add_bot(&g, t, n);
        }
        beacon_fit fit;
        if (fit_log_p(&g, &rh, &fit) <= need) {
            hits++;
            if (getenv("BT_DEBUG") && !(fabs(fit.period_s - p) < 0.01 * p)) print_message("p %.1f got %.1f ratio %.3f\n", p, fit.period_s, fit.period_s / p);
            period_ok += fabs(fit.period_s - p) < 0.01 * p;
        }
    }
    print_message("sparse beacons: %d of %d found, %d at the period\n", hits, groups, period_ok);
    assert_true(hits >= groups * 9 / 10);
    assert_true(period_ok >= hits * 9 / 10);
}

/* The CTF's shape: bots call a handful of times at one minute of the hour,
 * in random hours of random days, plus one burst. */
static void hits_on_fixed_minute_calls(void **state)
{
    beacon_rhythm rh = rhythm();
    static group g;
    int groups = 100, hits = 0;
    double need = log(0.01 / 10000);
    for (int r = 0; r < groups; r++) {
        memset(&g, 0, sizeof g);
        double minute = below(60) * 60.0 + below(50);
        for (uint32_t b = 0; b < 24; b++) {
            double t[8];
            int n = 2 + (int)below(4);
            for (int k = 0; k < n; k++) t[k] = T0 + below(DAYS * 24) * 3600.0 + minute + unit() * 6 - 3;
            if (b == 0) for (int k = n; k < n + 3; k++) t[k] = t[0] + 25.0 * (k - n + 1);
            add_bot(&g, t, b == 0 ? n + 3 : n);
        }
        beacon_fit fit;
        hits += fit_log_p(&g, &rh, &fit) <= need && fabs(fmod(fit.period_s, 60.0)) < 1e-6;
    }
    print_message("fixed-minute botnets: %d of %d found\n", hits, groups);
    assert_true(hits >= groups * 95 / 100);
}

static void gamma_tail(void **state)
{
    /* P(Exp(1) >= 5) = e^-5; P(Gamma(2) >= 4) = 5 e^-4 */
    assert_true(fabs(beacon_log_gamma_tail(1, 5) + 5) < 1e-9);
    assert_true(fabs(beacon_log_gamma_tail(2, 4) - (log(5.0) - 4)) < 1e-9);
    assert_true(beacon_log_gamma_tail(3, 2) == 0);          /* at or below the mean: 1 */
    assert_true(beacon_log_gamma_tail(4, 5000) < -4900);    /* no underflow */
}

static void refine_period(void **state)
{
    /* gaps of 1, 7, 30 and 101 beats of 1234.5 s, each off by up to 15 s */
    double gaps[] = { 1234.5 + 10, 7 * 1234.5 - 15, 30 * 1234.5 + 5, 101 * 1234.5 - 12 };
    double p = beacon_refine_period(gaps, 4, 1244.5);
    assert_true(fabs(p - 1234.5) < 0.5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gamma_tail),
        cmocka_unit_test(refine_period),
        cmocka_unit_test(false_alarms_on_random_calls),
        cmocka_unit_test(false_alarms_on_habits),
        cmocka_unit_test(hits_on_sparse_beacons),
        cmocka_unit_test(hits_on_fixed_minute_calls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
