/* gen_traffic.c: the shape of the background traffic: the port table and
 * its roles, the byte sizes each port draws from, and the hourly profile
 * (work hours, nights) times are drawn from. */
#include "gen.h"
#include "gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- ports ------------------------------------------------------------------- */

/* Port table layout: 0 abuse (42 B), 1 beacon (1337 B), 2..7 the other
 * constant-size ports, 8..19 the ~35 kB ports, 20..44 the ~1 kB ports, then
 * 45..49 exfiltration, 50 private C&C, 51 P2P, 52 bots, 53 brute force. */
void ports_build(gen_world *w)
{
    const gen_options *opt = w->opt;
    uint16_t num[GEN_N_PORTS];
    gen_rng r;
    if (!opt->random_ports) {
        /* the CTF's ports, the rest drawn once from a fixed stream between
         * 21 and 124, so every ctf-mode file has the same 54 ports */
        static const uint16_t fixed[] = { 124, 51, 113, 83, 27 };
        uint16_t cand[104];
        uint32_t nc = 0;
        for (uint16_t p = 21; p <= 124; p++) {
            int taken = 0;
            for (int k = 0; k < 5; k++) taken |= fixed[k] == p;
            if (!taken) cand[nc++] = p;
        }
        rng_seed(&r, 0x6e6574747569ULL);
        for (uint32_t i = nc; i > 1; i--) {
            uint32_t j = rng_below(&r, i);
            uint16_t t = cand[i - 1]; cand[i - 1] = cand[j]; cand[j] = t;
        }
        num[0] = 124; num[1] = 51; num[50] = 113; num[51] = 83; num[52] = 27;
        uint32_t k = 0;
        for (int i = 0; i < GEN_N_PORTS; i++)
            if (i >= 2 && (i < 50 || i > 52)) num[i] = cand[k++];
    } else {
        stream(&r, opt, 2);
        uint8_t *used = xcalloc(65536, 1);
        int high = 0;
        for (int i = 0; i < GEN_N_PORTS; i++) {
            uint16_t p;
            do p = (uint16_t)(1 + rng_below(&r, 65535)); while (used[p]);
            used[p] = 1;
            num[i] = p;
            high += p > 255;
        }
        /* a port above 255 is what breaks a uint8 port column: make sure the
         * answers carry some, whatever the draw */
        if (high < 8)
            for (int i = 0; i < GEN_N_PORTS; i++)
                if (num[i] <= 255) num[i] = (uint16_t)(num[i] + 256 * (1 + i));
        free(used);
    }
    static const uint32_t const_bytes[8] = { 42, 1337, 42, 255, 255, 1337, 1500, 1500 };
    for (int i = 0; i < GEN_N_PORTS; i++) {
        gen_port *p = &w->ports[i];
        p->number = num[i];
        if (i < 8) { p->cls = BYTES_CONST; p->const_bytes = const_bytes[i]; }
        else if (i < 20) p->cls = BYTES_LARGE;
        else if (i < 45) p->cls = BYTES_NORMAL;
        else p->cls = BYTES_PLANTED;
        p->len = (uint8_t)snprintf(p->text, sizeof p->text, "%u", (unsigned)num[i]);
    }
    w->port_abuse = 0; w->port_beacon = 1; w->port_nightly = 12;
    for (int i = 0; i < GEN_N_EXFIL; i++) w->port_exfil[i] = (uint16_t)(45 + i);
    w->port_private = 50; w->port_p2p = 51; w->port_bot = 52; w->port_brute = 53;
    for (int i = 0; i < 8; i++) w->service[i] = (uint16_t)(20 + i);
    for (int i = 0; i < 4; i++) w->service[8 + i] = (uint16_t)(8 + i);
}

/* ---- byte sizes ----------------------------------------------------------------- */


void bytes_build(gen_world *w)
{
    gen_rng r;
    rng_seed(&r, 0x6279746573ULL);   /* the same shapes for every seed */
    w->normal_bytes = xcalloc(TABLE_SIZE, sizeof *w->normal_bytes);
    w->large_bytes = xcalloc(TABLE_SIZE, sizeof *w->large_bytes);
    double sn = 0, sl = 0, qn = 0, ql = 0;
    for (int i = 0; i < TABLE_SIZE; i++) {
        double n = 1000.0 + 150.0 * rng_normal(&r);
        if (n < 64) n = 64;
        /* ~35 kB: a lognormal body with a heavier right tail, for a mean
         * near 35,100, a median near 30,600 and a long tail */
        double z = rng_normal(&r);
        double l = rng_unit(&r) < 0.031 ? 98000.0 * exp(0.65 * z) : 30100.0 * exp(0.40 * z);
        if (l > 500000) l = 500000 - 1000 * rng_unit(&r);   /* long, not unbounded */
        w->normal_bytes[i] = (uint32_t)lround(n);
        w->large_bytes[i] = (uint32_t)lround(l);
        sn += w->normal_bytes[i]; sl += w->large_bytes[i];
        qn += (double)w->normal_bytes[i] * w->normal_bytes[i];
        ql += (double)w->large_bytes[i] * w->large_bytes[i];
    }
    w->class_mean[BYTES_NORMAL] = sn / TABLE_SIZE;
    w->class_mean[BYTES_LARGE] = sl / TABLE_SIZE;
    double m = 0, q = 0;
    for (int i = 0; i < GEN_N_COMMON; i++) {
        const gen_port *p = &w->ports[i];
        if (p->cls == BYTES_CONST) { m += p->const_bytes; q += (double)p->const_bytes * p->const_bytes; }
        else if (p->cls == BYTES_LARGE) { m += sl / TABLE_SIZE; q += ql / TABLE_SIZE; }
        else { m += sn / TABLE_SIZE; q += qn / TABLE_SIZE; }
    }
    m /= GEN_N_COMMON; q /= GEN_N_COMMON;
    w->mean_common_bytes = m;
    w->common_sq_ratio = q / (m * m);
}

uint64_t draw_port_bytes(const gen_world *w, uint16_t port, gen_rng *r)
{
    const gen_port *p = &w->ports[port];
    uint32_t i = (uint32_t)(rng_next(r) >> 48);
    if (p->cls == BYTES_CONST) return p->const_bytes;
    if (p->cls == BYTES_LARGE) return w->large_bytes[i];
    return w->normal_bytes[i];
}

/* ---- time ------------------------------------------------------------------- */

static int hour_of(int h) { return (16 + h) % 24; }   /* UTC hour of period hour h */

void time_build(gen_world *w)
{
    const gen_options *opt = w->opt;
    int off[24], noff = 0;
    for (int h = 0; h < 24; h++) {
        int a = opt->work_start, b = opt->work_end % 24;
        w->work[h] = a < b ? (h >= a && h < b) : (h >= a || h < b);
    }
    for (int i = 0; i < 24; i++) {     /* off hours, in order from the end of work */
        int h = (opt->work_end + i) % 24;
        if (!w->work[h]) off[noff++] = h;
    }
    /* the nightly job at 07 for the default 16-24 work day: 15 hours after
     * work starts, if that is an off hour; else the middle of the night */
    int nh = (opt->work_start + 15) % 24;
    w->nightly_hour = w->work[nh] ? off[noff / 2] : nh;
    int bh = (opt->work_start + 11) % 24;
    if (w->work[bh] || bh == w->nightly_hour)
        bh = off[noff / 4] != w->nightly_hour ? off[noff / 4] : off[(noff / 4 + 1) % noff];
    w->brute_hour = bh;

    gen_rng r;
    stream(&r, opt, 3);
    w->hour_cum[0] = 0;
    for (int h = 0; h < GEN_HOURS; h++) {
        double base = w->work[hour_of(h)] ? 24.7 : 1.0;
        w->hour_weight[h] = base * (0.94 + 0.12 * rng_unit(&r));
        w->hour_cum[h + 1] = w->hour_cum[h] + w->hour_weight[h];
        w->minute_weight[h] = (uint64_t)llround(w->hour_weight[h] * 1000.0);
    }
}

double off_fraction(const gen_world *w)
{
    double off = 0;
    for (int h = 0; h < GEN_HOURS; h++)
        if (!w->work[hour_of(h)]) off += w->hour_weight[h];
    return off / w->hour_cum[GEN_HOURS];
}

/* a time that follows the traffic's hourly profile */
int64_t time_profile(const gen_world *w, gen_rng *r)
{
    double u = rng_unit(r) * w->hour_cum[GEN_HOURS];
    int lo = 0, hi = GEN_HOURS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w->hour_cum[mid + 1] > u) hi = mid; else lo = mid + 1;
    }
    return GEN_START_MS + lo * HOUR_MS + rng_below(r, (uint32_t)HOUR_MS);
}

int64_t time_between(int64_t from, int64_t to, gen_rng *r)
{
    return from + (int64_t)(rng_unit(r) * (double)(to - from));
}

/* the n-th (0-based) period hour whose UTC hour is hod */
int period_hour(int hod, int nth)
{
    for (int h = 0; h < GEN_HOURS; h++)
        if (hour_of(h) == hod && nth-- == 0) return h;
    return 0;
}
