/* beacon_test.c: the statistical test behind question 8, on the call times
 * of one group (the bots that call one outside host on one port).
 *
 * The model of an implant: it calls at t = phase + k * period + jitter for
 * a subset of the beats k (most beats may be missed: the host sleeps, is
 * off, or the implant skips), with jitter up to tens of seconds, or tens of
 * percent of the period. Bots of one botnet share the period; they may or
 * may not share the phase (a C&C that schedules calls at a fixed minute of
 * the hour makes them share it).
 *
 * The test: phase coherence (Rayleigh, and its sum over the first
 * BEACON_H harmonics, the Z^2_m test, for calls at a few fixed minutes of
 * the hour) at candidate periods, pooled over the bots two ways:
 *   coherent:   Z_c = sum_h |sum_b S_bh - N phi_h|^2 / N          ~ Gamma(H)
 *   incoherent: Z_i = sum_h sum_b |S_bh - n_b phi_h|^2 / n_b     ~ Gamma(H*B)
 * where S_bh = sum over bot b's calls of exp(2 pi i h t / P), n_b its calls,
 * N all calls, B the bots, and phi_h the mean of exp(2 pi i h t / P) under
 * the network's own hourly rhythm (so a period of a day, or a divisor of it,
 * is not "periodic" just because people work by day). Under the null (calls
 * at independent times that follow the hourly rhythm) each |.|^2/n term is
 * about Exp(1), so the tails of Gamma(H) and Gamma(H*B) give p-values.
 *
 * Candidate periods: the clock periods (a minute to a day), and the gaps
 * between a bot's consecutive calls divided by 1..GAP_DIVISORS (a gap is a
 * whole number of beats), each refined on all gaps by fitting whole numbers
 * of beats to them (beacon_refine_period). Since the candidates are chosen
 * from the data, the p-value is multiplied by the number of periods the
 * test could have picked: M = 3 * span * (1/Pmin - 1/Pmax) + 1 independent
 * frequencies over the group's span (3x for the search between grid
 * points), times 4 for the two poolings and two harmonic counts. The result
 * is a p-value a beacon-free group reaches with probability at most p.
 *
 * Bursts (calls within BURST_S of the previous one from the same bot) are
 * merged into one call before the test: a burst is one event, and counting
 * its calls would make any bursty traffic look coherent at every period.
 * For periods over an hour the calls' spread around their phase (the median
 * distance) must stay within JITTER_FRAC of the period and JITTER_MAX_S:
 * a person's habit of the same hours each day, or a nightly job that runs
 * for an hour, concentrates calls at a period of a day (and its divisors)
 * too, but over an hour, where an implant that sleeps hours keeps its
 * calls within minutes. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"
#include "nettui/util.h"

#define GAP_CANDIDATES 4       /* smallest distinct gaps tried */
#define GAP_DIVISORS 4         /* beats per gap tried: 1..4 (a found fraction of the period is promoted) */
#define PROMOTE_LOG_P (-6.9)   /* ln(1e-3): groups this periodic get their period refined */
#define GAP_FIT_MIN 0.3        /* gaps that must fit a gap-derived period */
#define FIT_GAPS 256           /* smallest gaps a period is fitted to */
#define JITTER_FRAC 0.15
#define JITTER_MAX_S 300.0
#define TABLE_BITS 12
#define TABLE_N (1u << TABLE_BITS)

static const double clock_periods[] = {
    60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 10800, 14400, 21600, 28800, 43200, 86400,
};

/* cos and sin of 2 pi k / TABLE_N: a phase to 0.0015 rad is plenty for a
 * statistic, and the lookup is ten times faster than sincos(). */
static double cos_tab[TABLE_N], sin_tab[TABLE_N];
static int tab_ready;

void beacon_tables_init(void)
{
    if (tab_ready) return;
    for (uint32_t k = 0; k < TABLE_N; k++) {
        cos_tab[k] = cos(2.0 * M_PI * k / TABLE_N);
        sin_tab[k] = sin(2.0 * M_PI * k / TABLE_N);
    }
    tab_ready = 1;
}

/* ln of the upper tail of Gamma(k, 1) at x (integer k >= 1): the p-value of
 * a sum of k independent Exp(1) terms reaching x. Computed in logs, so a
 * p-value of 1e-300 and below stays a number. */
double beacon_log_gamma_tail(double k, double x)
{
    if (!(x > 0)) return 0.0;
    if (k <= 1) return -x;
    /* P(X >= x) = exp(-x) sum_{j<k} x^j / j!: for x > k the terms grow up
     * to the last, so sum them in logs from the top down */
    if (x > k) {
        double lt = (k - 1) * log(x) - lgamma(k), s = 0, term = 1;
        for (double j = k - 1; j >= 0 && term > 1e-18; j--) {
            s += term;
            term *= j / x;
        }
        double v = -x + lt + log(s);
        return v < 0 ? v : 0;
    }
    /* x <= k: at or below the mean the tail is over 0.4; saying 1 keeps
     * the p-value an upper bound and costs no significance anyone needs */
    return 0;
}

/* Gaps between a bot's consecutive calls into g (sorted); returns the count. */
static size_t collect_gaps(const double *ev, const uint32_t *off, uint32_t nbots, double *g)
{
    size_t n = 0;
    for (uint32_t b = 0; b < nbots; b++)
        for (uint32_t k = off[b] + 1; k < off[b + 1]; k++) g[n++] = ev[k] - ev[k - 1];
    return n;
}

/* Fits whole numbers of beats to the gaps (ascending): starting from p, the gaps of at
 * most kmax beats (kmax doubling each round) that lie within a tolerance
 * of k beats set p by least squares (p = sum k g / sum k^2). The tolerance
 * grows with k by what the period is still unsure of (the tolerance over
 * the most beats fitted so far), so a period good to 1% from one gap is
 * brought to what hundreds of beats say. */
double beacon_refine_period(const double *gaps, size_t ng, double p)
{
    double tol = fmax(20.0, fmin(0.05 * p, 300.0)), kfit = 1;
    for (double kmax = 2; kmax < 1e7;) {
        double skg = 0, skk = 0, kbig = kfit;
        size_t used = 0, i = 0;
        /* gaps ascend: the ones within kmax beats come first */
        for (; i < ng; i++) {
            double k = floor(gaps[i] / p + 0.5);
            if (k > kmax) break;
            if (k < 1 || fabs(gaps[i] - k * p) > tol + k * tol / kfit) continue;
            skg += k * gaps[i]; skk += k * k; used++;
            if (k > kbig) kbig = k;
        }
        if (used) { p = skg / skk; kfit = kbig; }
        if (i == ng) break;
        /* the next round takes at least the next gap: no empty rounds */
        double knext = floor(gaps[i] / p + 0.5);
        kmax = knext > 2 * kmax ? knext : 2 * kmax;
    }
    return p;
}

/* The share of the gaps that lie within the refinement's tolerance of a
 * whole number of beats of p: the gaps' common period test. Gaps of random
 * calls fit a wrong period about a tenth of the time; a beacon's nearly
 * all do. A candidate whose gaps do not fit (GAP_FIT_MIN) is not worth the
 * phase test. */
static double gap_fit(const double *gaps, size_t ng, double p)
{
    double tol = fmax(20.0, fmin(0.05 * p, 300.0));
    size_t fit = 0, used = 0;
    for (size_t i = 0; i < ng; i++) {
        double k = floor(gaps[i] / p + 0.5);
        if (k < 1) continue;
        used++;
        fit += fabs(gaps[i] - k * p) <= tol;
    }
    return used && fit >= 2 ? (double)fit / (double)used : 0;
}

/* The expected phasor of one call at frequency f under the hourly rhythm:
 * the rhythm's weights per bucket, each bucket's mean of exp(2 pi i f t). */
static void rhythm_phasor(const beacon_rhythm *rh, double f, double out[2])
{
    out[0] = out[1] = 0;
    if (!rh || !rh->nb) return;
    double w = rh->bucket_s, x = M_PI * f * w;
    double sinc = fabs(x) < 1e-12 ? 1.0 : sin(x) / x;
    if (fabs(sinc) < 1e-6) return;
    /* sum_k w_k exp(2 pi i f c_k), c_k = t0 + (k + 1/2) w: Horner in
     * z = exp(2 pi i f w), from the last bucket down */
    double zc = cos(2 * M_PI * fmod(f * w, 1.0)), zs = sin(2 * M_PI * fmod(f * w, 1.0));
    double re = 0, im = 0;
    for (uint32_t k = rh->nb; k-- > 0;) {
        double nr = re * zc - im * zs + rh->weight[k], ni = re * zs + im * zc;
        re = nr; im = ni;
    }
    double a = 2 * M_PI * fmod(f * (rh->t0_s + 0.5 * w), 1.0), ac = cos(a), as = sin(a);
    out[0] = (re * ac - im * as) * sinc;
    out[1] = (re * as + im * ac) * sinc;
}

/* Per-bot sums S_bh at period p into sums[b][h]. */
static void bot_sums(const double *ev, const uint32_t *off, uint32_t nbots, double p, double (*sums)[BEACON_H][2])
{
    double inv = 1.0 / p;
    for (uint32_t b = 0; b < nbots; b++) {
        double s[BEACON_H][2] = {{0}};
        for (uint32_t k = off[b]; k < off[b + 1]; k++) {
            double x = ev[k] * inv;
            uint32_t idx = (uint32_t)((x - floor(x)) * TABLE_N) & (TABLE_N - 1);
            double c1 = cos_tab[idx], s1 = sin_tab[idx];
            double c = c1, sn = s1;
            for (int h = 0; h < BEACON_H; h++) {
                s[h][0] += c; s[h][1] += sn;
                double nc = c * c1 - sn * s1;
                sn = sn * c1 + c * s1;
                c = nc;
            }
        }
        memcpy(sums[b], s, sizeof s);
    }
}

void beacon_pool(const double (*sums)[BEACON_H][2], const uint32_t *nev, const uint8_t *skip, uint32_t nbots,
                 const double phi[BEACON_H][2], double meff, beacon_fit *fit)
{
    double tot[BEACON_H][2] = {{0}}, zi1 = 0, zi = 0;
    double n = 0, bots = 0, ibots = 0;
    for (uint32_t b = 0; b < nbots; b++) {
        if (skip && skip[b]) continue;
        double nb = nev[b];
        if (!nb) continue;
        n += nb; bots++;
        for (int h = 0; h < BEACON_H; h++) { tot[h][0] += sums[b][h][0]; tot[h][1] += sums[b][h][1]; }
        /* a bot's own coherence needs two calls: one call is in phase with
         * itself at every period, and says only when in the day it came */
        if (nb < 2) continue;
        ibots++;
        for (int h = 0; h < BEACON_H; h++) {
            double re = sums[b][h][0] - nb * phi[h][0], im = sums[b][h][1] - nb * phi[h][1];
            double z = (re * re + im * im) / nb;
            zi += z;
            if (h == 0) zi1 += z;
        }
    }
    double zc = 0, zc1 = 0;
    for (int h = 0; h < BEACON_H && n > 0; h++) {
        double re = tot[h][0] - n * phi[h][0], im = tot[h][1] - n * phi[h][1];
        zc += (re * re + im * im) / n;
        if (h == 0) zc1 = zc;
    }
    double lp[4] = {
        beacon_log_gamma_tail(1, zc1), beacon_log_gamma_tail(BEACON_H, zc),
        ibots ? beacon_log_gamma_tail(ibots, zi1) : 0, ibots ? beacon_log_gamma_tail(BEACON_H * ibots, zi) : 0,
    };
    int best = 0;
    for (int k = 1; k < 4; k++) if (lp[k] < lp[best]) best = k;
    fit->z_coh = best < 2 ? (best ? zc : zc1) : 0;
    fit->z_inc = best >= 2 ? (best == 3 ? zi : zi1) : 0;
    fit->coherent = best < 2;
    fit->harmonics = best % 2 ? BEACON_H : 1;
    fit->calls = (uint32_t)n;
    fit->bots = (uint32_t)bots;
    double v = n > 0 ? lp[best] + log(4.0 * meff) : 0;
    fit->log_p = v < 0 ? v : 0;
    double ph = atan2(tot[0][1], tot[0][0]);
    fit->phase_s = fit->period_s * (ph < 0 ? ph + 2 * M_PI : ph) / (2 * M_PI);
}

/* Median distance of each call from its bot's own phase (or the common
 * one), in seconds. */
static double spread_s(const double *ev, const uint32_t *off, uint32_t nbots, double p, const double (*sums)[BEACON_H][2],
                       int coherent, double phase_s, double *scratch)
{
    size_t m = 0;
    for (uint32_t b = 0; b < nbots; b++) {
        double ph = phase_s;
        if (!coherent) {
            double a = atan2(sums[b][0][1], sums[b][0][0]);
            ph = p * (a < 0 ? a + 2 * M_PI : a) / (2 * M_PI);
        }
        for (uint32_t k = off[b]; k < off[b + 1]; k++) {
            double d = fmod(ev[k] - ph, p);
            if (d < 0) d += p;
            if (d > p / 2) d = p - d;
            scratch[m++] = d;
        }
    }
    if (!m) return 0;
    qsort(scratch, m, sizeof *scratch, util_cmp_double);
    return m % 2 ? scratch[m / 2] : (scratch[m / 2 - 1] + scratch[m / 2]) / 2;
}

void beacon_rhythm_prepare(beacon_rhythm *rh)
{
    for (size_t k = 0; k < sizeof clock_periods / sizeof clock_periods[0]; k++)
        for (int h = 0; h < BEACON_H; h++) rhythm_phasor(rh, (h + 1) / clock_periods[k], rh->clock_phi[k][h]);
    rh->prepared = 1;
}

/* The spread of the calls around their phase from the phase sums alone,
 * as a median distance (a normal's 0.6745 sd, from the circular sd
 * sqrt(-2 ln R) of the mean resultant length R): a cheap check, made on
 * every candidate; the exact median is taken for the answer only. */
static double spread_from_sums(const double (*sums)[BEACON_H][2], const uint32_t *nev, uint32_t nbots, int coherent, double p)
{
    double r2;
    if (coherent) {
        double re = 0, im = 0, n = 0;
        for (uint32_t b = 0; b < nbots; b++) { re += sums[b][0][0]; im += sums[b][0][1]; n += nev[b]; }
        r2 = n > 0 ? (re * re + im * im) / (n * n) : 0;
    } else {   /* pooled over the bots with two or more calls: unbiased for R^2 */
        double num = 0, den = 0;
        for (uint32_t b = 0; b < nbots; b++) {
            double nb = nev[b];
            if (nb < 2) continue;
            num += sums[b][0][0] * sums[b][0][0] + sums[b][0][1] * sums[b][0][1] - nb;
            den += nb * (nb - 1);
        }
        r2 = den > 0 ? num / den : 0;
    }
    if (!(r2 > 1e-12)) return p / 2;
    if (r2 > 1) r2 = 1;
    return 0.6745 * sqrt(-log(r2)) * p / (2 * M_PI);   /* sqrt(-2 ln R) with ln R = ln(R^2) / 2 */
}

/* Tests period p and makes it *best when it beats it. */
static void try_period(const double *ev, const uint32_t *off, uint32_t nbots, const beacon_rhythm *rh, double p, double meff,
                       double (*tmp)[BEACON_H][2], const uint32_t *nev, double *scratch, beacon_fit *best)
{
    double phi[BEACON_H][2];
    size_t ck = 0;
    while (ck < sizeof clock_periods / sizeof clock_periods[0] && clock_periods[ck] != p) ck++;
    if (rh && rh->prepared && ck < sizeof clock_periods / sizeof clock_periods[0]) memcpy(phi, rh->clock_phi[ck], sizeof phi);
    else for (int h = 0; h < BEACON_H; h++) rhythm_phasor(rh, (h + 1) / p, phi[h]);
    bot_sums(ev, off, nbots, p, tmp);
    beacon_fit f = {0};
    f.period_s = p;
    beacon_pool((const double (*)[BEACON_H][2])tmp, nev, NULL, nbots, phi, meff, &f);
    (void)scratch;
    /* ties: the longer period */
    int better = f.log_p < best->log_p - 1e-9 || (fabs(f.log_p - best->log_p) <= 1e-9 && p > best->period_s);
    if (better && p > 3600) {   /* a long period must keep its calls to a narrow phase */
        f.jitter_s = spread_from_sums((const double (*)[BEACON_H][2])tmp, nev, nbots, f.coherent, p);
        if (f.jitter_s > fmin(JITTER_FRAC * p, JITTER_MAX_S)) better = 0;
    }
    if (better) {
        *best = f;
        memcpy(best->phi, phi, sizeof phi);
    }
}

int beacon_fit_group(const double *ev, const uint32_t *off, uint32_t nbots, const beacon_rhythm *rh,
                     beacon_fit *fit, double (*sums)[BEACON_H][2])
{
    beacon_tables_init();
    memset(fit, 0, sizeof *fit);
    size_t n = off[nbots];
    if (n < 2) return 0;
    double lo = ev[0], hi = ev[0];
    for (size_t k = 0; k < n; k++) { if (ev[k] < lo) lo = ev[k]; if (ev[k] > hi) hi = ev[k]; }
    double span = hi - lo, pmax = fmin(BEACON_PMAX_S, span / 2);
    if (pmax < BEACON_PMIN_S) return 0;
    double meff = 3.0 * span * (1.0 / BEACON_PMIN_S - 1.0 / pmax) + 1.0;

    double *gaps = malloc((n + 1) * sizeof *gaps), *scratch = malloc((n + 1) * sizeof *scratch);
    double (*tmp)[BEACON_H][2] = malloc(((size_t)nbots + 1) * sizeof *tmp);
    uint32_t *nev = malloc(((size_t)nbots + 1) * sizeof *nev);
    if (!gaps || !scratch || !tmp || !nev) { free(gaps); free(scratch); free(tmp); free(nev); return -1; }
    for (uint32_t b = 0; b < nbots; b++) nev[b] = off[b + 1] - off[b];
    size_t ng = collect_gaps(ev, off, nbots, gaps);
    qsort(gaps, ng, sizeof *gaps, util_cmp_double);
    /* a few hundred gaps fit a period as precisely as the phase test needs
     * (a busy group's thousands would only cost time): every k-th of the
     * sorted gaps, still sorted, and not the smallest, which are biased to
     * the jitter's short side */
    size_t nfit = ng;
    if (ng > FIT_GAPS) {
        size_t step = (ng + FIT_GAPS - 1) / FIT_GAPS;
        nfit = 0;
        for (size_t i = 0; i < ng; i += step) scratch[nfit++] = gaps[i];
    }
    const double *fitg = ng > FIT_GAPS ? scratch : gaps;

    /* candidates: clock periods, then gap / k refined */
    double cand[sizeof clock_periods / sizeof clock_periods[0] + GAP_CANDIDATES * GAP_DIVISORS];
    int nc = 0;
    for (size_t k = 0; k < sizeof clock_periods / sizeof clock_periods[0]; k++)
        if (clock_periods[k] <= pmax) cand[nc++] = clock_periods[k];
    int taken = 0;
    double last = -1;
    for (size_t i = 0; i < ng && taken < GAP_CANDIDATES; i++) {
        if (gaps[i] < BEACON_PMIN_S * 0.9 || (last > 0 && gaps[i] < last * 1.02)) continue;
        last = gaps[i];
        taken++;
        for (int d = 1; d <= GAP_DIVISORS; d++) {
            double p = beacon_refine_period(fitg, nfit, gaps[i] / d);
            if (p < BEACON_PMIN_S || p > pmax || gap_fit(fitg, nfit, p) < GAP_FIT_MIN) continue;
            int dup = 0;
            for (int j = 0; j < nc && !dup; j++) dup = fabs(cand[j] - p) < 1e-3 * p;
            if (!dup) cand[nc++] = p;
        }
    }

    beacon_fit best = {0};
    best.log_p = 1;
    for (int c = 0; c < nc; c++) {
        double p = cand[c];
        try_period(ev, off, nbots, rh, p, meff, tmp, nev, scratch, &best);
    }
    /* A series on beats of P is as coherent at P/2, P/3...: what the gaps
     * propose for a sparse series is often such a fraction. The period is
     * the longest multiple of the best that keeps 95% of its evidence. */
    if (best.period_s > 0 && best.log_p <= PROMOTE_LOG_P) {
        beacon_fit base = best;
        for (int k = 2; k <= 12 && base.period_s * k <= pmax; k++) {
            beacon_fit m = {0};
            m.log_p = 1;
            double p = beacon_refine_period(fitg, nfit, base.period_s * k);
            if (fabs(p - base.period_s * k) > 0.01 * p) p = base.period_s * k;
            try_period(ev, off, nbots, rh, p, meff, tmp, nev, scratch, &m);
            if (m.period_s > 0 && m.log_p <= 0.95 * base.log_p && m.period_s > best.period_s) best = m;
        }
    }
    if (best.log_p > 0) best.log_p = 0;
    if (best.period_s > 0) {
        bot_sums(ev, off, nbots, best.period_s, sums);
        best.jitter_s = spread_s(ev, off, nbots, best.period_s, (const double (*)[BEACON_H][2])sums, best.coherent,
                                 best.phase_s, scratch);
    }
    best.meff = meff;
    *fit = best;
    free(gaps); free(scratch); free(tmp); free(nev);
    return 0;
}
