/* gen_plant.c: the planted flows of the ten events (the answers a file's
 * key names), and the --mesh shape, background flows on one extra port. */
#include "gen.h"
#include "gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- planted events ---------------------------------------------------------- */

/* The planted P2P ring's size: 264 hosts at the real file's size, scaled by
 * the square root of the rows, 12 to 264. */
long gen_p2p_size(uint64_t rows)
{
    long k = lround(264.0 * sqrt((double)rows / GEN_FULL_ROWS));
    return k < 12 ? 12 : k > 264 ? 264 : k;
}

void plant(gen_world *w, int64_t ts, uint32_t src, uint32_t dst, uint16_t port, uint64_t bytes)
{
    if (w->nplanted == w->cap_planted) {
        w->cap_planted = w->cap_planted ? 2 * w->cap_planted : 65536;
        w->planted = realloc(w->planted, w->cap_planted * sizeof *w->planted);
        if (!w->planted) {
            fputs("nettui-gen: out of memory.\n", stderr);
            exit(1);
        }
    }
    if (ts < GEN_START_MS) ts = GEN_START_MS;
    if (ts >= END_MS) ts = END_MS - 1;
    gen_flow *f = &w->planted[w->nplanted];
    f->ts = ts; f->src = src; f->dst = dst; f->port = port; f->bytes = bytes;
    f->seq = (uint32_t)w->nplanted++;
}

static uint32_t background_external(const gen_world *w, gen_rng *r)
{
    return w->ext_first + alias_draw(&w->external_pick, r);
}

static long clampl(double x, long lo, long hi)
{
    long v = lround(x);
    return v < lo ? lo : v > hi ? hi : v;
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* the value one of n draws from table is expected to reach at most */
static double largest_of(const uint32_t *table, double n)
{
    uint32_t *sorted = xcalloc(TABLE_SIZE, sizeof *sorted);
    memcpy(sorted, table, TABLE_SIZE * sizeof *sorted);
    qsort(sorted, TABLE_SIZE, sizeof *sorted, u32_cmp);
    double rank = n < 1 ? 0 : TABLE_SIZE * (1.0 - 1.0 / n);
    double v = sorted[rank < TABLE_SIZE - 1 ? (uint32_t)rank : TABLE_SIZE - 1];
    free(sorted);
    return v;
}

/* The sparse beacons (own stream): each bot calls each server only
 * --beacon-calls times.  Periodic: a random subset of the beats of the
 * whole file, each bot and server with its own phase.  Fixed-minute (the
 * real file's shape): each server has one minute and second of the hour;
 * each bot calls it in that minute (+- jitter) in different hours of the
 * day spread over the days, and one bot makes a burst of 3-5 calls. */
static void plant_sparse_beacons(gen_world *w, const uint32_t *bots, const uint32_t minute[2])
{
    const gen_options *opt = w->opt;
    gen_rng q;
    stream(&q, opt, PART_BEACONS);
    if (opt->beacon_style == BEACON_FIXED_MINUTE) {
        uint32_t calls = opt->beacon_calls ? (uint32_t)opt->beacon_calls : 6;
        uint32_t jit = (uint32_t)(opt->beacon_jitter_set ? opt->beacon_jitter : 3);
        for (int c = 0; c < 2; c++) {
            int64_t at = minute[c] * 60000LL + (10 + rng_below(&q, 40)) * 1000LL;
            for (int b = 0; b < GEN_N_BEACON_BOTS; b++) {
                uint32_t hod[24], day[5];
                for (uint32_t i = 0; i < 24; i++) hod[i] = i;
                for (uint32_t i = 0; i < 5; i++) day[i] = i;
                shuffle_u32(hod, 24, &q);
                shuffle_u32(day, 5, &q);
                for (uint32_t i = 0; i < calls; i++) {
                    int64_t h = day[i % 5] * 24 + hod[i];
                    int64_t ts = GEN_START_MS + h * HOUR_MS + at
                               + ((int64_t)rng_below(&q, 2 * jit + 1) - jit) * 1000
                               + rng_below(&q, 1000);
                    plant(w, ts, bots[b], w->cc[c], w->port_beacon, 1337);
                }
            }
            uint32_t b = rng_below(&q, GEN_N_BEACON_BOTS), n = 3 + rng_below(&q, 3);
            int64_t ts = GEN_START_MS + rng_below(&q, GEN_HOURS) * HOUR_MS + at;
            for (uint32_t i = 0; i < n; i++) {
                plant(w, ts, bots[b], w->cc[c], w->port_beacon, 1337);
                ts += (15 + rng_below(&q, 26)) * 1000LL;
            }
        }
        return;
    }
    int64_t period = (opt->beacon_period ? opt->beacon_period : 1800) * 1000LL;
    int64_t jitter = opt->beacon_jitter * 1000LL;
    uint64_t calls = opt->beacon_calls ? (uint64_t)opt->beacon_calls : UINT64_MAX;
    for (int c = 0; c < 2; c++)
        for (int b = 0; b < GEN_N_BEACON_BOTS; b++) {
            int64_t phase = opt->beacon_period
                ? (int64_t)rng_below(&q, (uint32_t)period)
                : minute[c] * 60000LL + rng_below(&q, 50000);
            int64_t first = GEN_START_MS + phase;
            uint64_t beats = (uint64_t)((END_MS - first + period - 1) / period), kept = 0;
            for (uint64_t i = 0; i < beats; i++) {
                /* selection sampling: exactly min(calls, beats) beats */
                if (calls != UINT64_MAX && rng_below(&q, (uint32_t)(beats - i)) >= calls - kept) continue;
                kept++;
                int64_t ts = first + (int64_t)i * period;
                if (jitter) ts += (int64_t)rng_below(&q, (uint32_t)(2 * jitter + 1)) - jitter;
                plant(w, ts, bots[b], w->cc[c], w->port_beacon, 1337);
            }
        }
}

void plant_events(gen_world *w)
{
    const gen_options *opt = w->opt;
    gen_rng r;
    stream(&r, opt, 5);
    double rows = (double)opt->rows, s = w->scale;
    double out_per_host = rows * 0.365 / w->n_internal;
    double int_per_host = rows * 0.184 / w->n_internal;
    double out_bytes_per_host = out_per_host * w->mean_common_bytes;

    /* ordinary internal hosts, shuffled, to draw the crowds of roles from */
    uint32_t *pool = w->pool = xcalloc(w->n_internal, sizeof *pool), npool = 0;
    for (uint32_t i = 8; i < w->n_internal; i++) pool[npool++] = i;
    shuffle_u32(pool, npool, &r);
    w->npool = npool;
    uint32_t next = 0;

    /* 1 exfiltration: 15 more normal hosts' worth of bytes, on its own ports */
    {
        uint32_t dst[3];
        for (int k = 0; k < 3; k++) dst[k] = background_external(w, &r);
        long n = clampl(out_per_host / 4, 25, 1000000);
        double each = 15.0 * out_bytes_per_host / n;
        for (long i = 0; i < n; i++)
            plant(w, time_profile(w, &r), w->exfil, dst[rng_below(&r, 3)],
                  w->port_exfil[rng_below(&r, GEN_N_EXFIL)],
                  (uint64_t)(each * (0.6 + 0.8 * rng_unit(&r))));
    }
    /* 2 nightly job: off-hours bytes ~2.4x what the busiest other host
     * sends off hours, estimated from the host weights and the noise of a
     * sum of that many flows; in small files, by the single biggest flow */
    {
        double off_flows = out_per_host * off_fraction(w);
        double cv = sqrt(w->common_sq_ratio / (off_flows > 1 ? off_flows : 1));
        double mean_off = off_flows * w->mean_common_bytes;
        double top = 1.3 * (1.0 + 3.0 * cv) * mean_off;
        double biggest = largest_of(w->large_bytes, 20 * off_flows * w->n_internal * 12 / GEN_N_COMMON);
        if (biggest + mean_off > top) top = biggest + mean_off;
        double total = 2.4 * top;
        long per_night = 12 + lround(100 * s);
        uint32_t dst[2] = { background_external(w, &r), background_external(w, &r) };
        for (int night = 0; night < 5; night++) {
            int64_t h0 = GEN_START_MS + period_hour(w->nightly_hour, night) * HOUR_MS;
            for (long i = 0; i < per_night; i++)
                plant(w, time_between(h0, h0 + HOUR_MS, &r), w->nightly, dst[i & 1],
                      w->port_nightly,
                      (uint64_t)(total / (5.0 * per_night) * (0.85 + 0.3 * rng_unit(&r))));
        }
    }
    /* 3 port abuse: more and bigger flows on a constant 42-byte port,
     * for ~17x the port's bytes per host; more below a million rows, where
     * a few flows more or less already make a host stand out on a port */
    {
        double normal = out_per_host / GEN_N_COMMON;
        double boost = rows < 1e6 ? sqrt(1e6 / rows) : 1.0;
        long n = clampl(4 * normal * boost, 4, 10000000);
        double each = 16.2 * boost * 42.0 * normal / n;
        if (each < 100) each = 100;
        for (long i = 0; i < n; i++)
            plant(w, time_profile(w, &r), w->abuser, background_external(w, &r), w->port_abuse,
                  (uint64_t)(each * (0.8 + 0.4 * rng_unit(&r))));
    }
    /* 4 private C&C: one external source, one internal host, its own port */
    {
        long n = clampl(rows * 2e-5, 12, 2000);
        for (long i = 0; i < n; i++)
            plant(w, time_between(GEN_START_MS, END_MS, &r), w->private_src, w->private_dst,
                  w->port_private, draw_port_bytes(w, w->service[0], &r));
    }
    /* 5 internal P2P: a clique on its own port during the last day */
    {
        long k = gen_p2p_size(opt->rows);
        uint32_t *m = pool + next;
        next += (uint32_t)k;
        for (long i = 0; i < k; i++)
            for (long j = 0; j < k; j++)
                if (i != j)
                    plant(w, time_between(END_MS - 24 * HOUR_MS, END_MS, &r), m[i], m[j],
                          w->port_p2p, draw_port_bytes(w, w->service[0], &r));
    }
    /* 6 controller: 172 external sources, each reaching only it, on the bots' port */
    for (uint32_t b = 0; b < GEN_N_BOTS; b++) {
        uint32_t n = 1 + rng_below(&r, 4);
        for (uint32_t i = 0; i < n; i++)
            plant(w, time_between(GEN_START_MS, END_MS, &r), w->cc[1] + 1 + b, w->controller,
                  w->port_bot, 200 + rng_below(&r, 700));
    }
    /* 7 infected host: three flows to the controller on the bots' port */
    for (int i = 0; i < 3; i++)
        plant(w, time_between(GEN_START_MS, END_MS, &r), w->infected, w->controller, w->port_bot,
              200 + rng_below(&r, 700));
    /* 8 beacons: 24 hosts call two external hosts every period, 1337 bytes.
     * By default the period is 30 minutes at fixed minutes of the hour.
     * The sparse shapes and --no-beacons still make these draws, planting
     * nothing, so that the events after this one keep theirs. */
    {
        int plain = !opt->beacon_calls && opt->beacon_style == BEACON_PERIODIC && !opt->no_beacons;
        uint32_t *bots = pool + next;
        next += GEN_N_BEACON_BOTS;
        int64_t period = (opt->beacon_period ? opt->beacon_period : 1800) * 1000LL;
        int64_t jitter = opt->beacon_jitter * 1000LL;
        long hours = clampl(GEN_HOURS * rows / 2e6, 12, GEN_HOURS);
        int64_t from = END_MS - hours * HOUR_MS;
        uint32_t minute0 = rng_below(&r, 30), minute1 = (minute0 + 7 + rng_below(&r, 16)) % 30;
        for (int c = 0; c < 2; c++)
            for (int b = 0; b < GEN_N_BEACON_BOTS; b++) {
                int64_t phase = opt->beacon_period
                    ? (int64_t)rng_below(&r, (uint32_t)period)
                    : (c ? minute1 : minute0) * 60000LL + rng_below(&r, 50000);
                for (int64_t t = from + phase; t < END_MS; t += period) {
                    int64_t ts = t;
                    if (jitter) ts += (int64_t)rng_below(&r, (uint32_t)(2 * jitter + 1)) - jitter;
                    if (plain) plant(w, ts, bots[b], w->cc[c], w->port_beacon, 1337);
                }
            }
        uint32_t minute[2] = { minute0, minute1 };
        if (!plain && !opt->no_beacons) plant_sparse_beacons(w, bots, minute);
    }
    /* 9 lateral brute force: every other internal host, in one night hour */
    {
        long n = clampl(65000 * s, 3 * (long)(w->n_internal - 1), 10000000);
        int64_t h0 = GEN_START_MS + period_hour(w->brute_hour, 2) * HOUR_MS;
        uint32_t *order = xcalloc(w->n_internal, sizeof *order), no = 0;
        for (uint32_t i = 0; i < w->n_internal; i++)
            if (i != w->brute) order[no++] = i;
        shuffle_u32(order, no, &r);
        for (long i = 0; i < n; i++) {
            uint32_t dst = i < no ? order[i] : order[rng_below(&r, no)];
            plant(w, time_between(h0, h0 + HOUR_MS, &r), w->brute, dst, w->port_brute,
                  60 + rng_below(&r, 340));
        }
        free(order);
    }
    /* 10 lateral spy: (peer, port) pairs no one else touches, few enough
     * flows that the host's counts stay ordinary */
    {
        uint32_t a = w->peer_off[w->spy], b = w->peer_off[w->spy + 1];
        uint32_t cap = (b - a) * GEN_N_COMMON, nc = 0;
        uint32_t *cand = xcalloc(cap, sizeof *cand);
        for (uint32_t i = a; i < b; i++) {
            uint32_t peer = w->peers[i];
            for (uint16_t p = 0; p < GEN_N_COMMON; p++) {
                int served = 0;
                for (int k = 0; k < w->nserved[peer]; k++) served |= w->served[peer][k] == p;
                if (!served) cand[nc++] = peer << 8 | p;
            }
        }
        long n = clampl(0.3 * int_per_host, 16, 2000);
        if (n > (long)nc) n = nc;
        for (long i = 0; i < n; i++) {
            uint32_t j = (uint32_t)i + rng_below(&r, nc - (uint32_t)i), t = cand[i];
            cand[i] = cand[j]; cand[j] = t;
            uint16_t port = (uint16_t)(cand[i] & 255);
            plant(w, time_profile(w, &r), w->spy, cand[i] >> 8, port, draw_port_bytes(w, port, &r));
        }
        free(cand);
    }
    w->pool_next = next;
}

/* --mesh (own streams): a file-server mesh of ordinary hosts, linked
 * pairwise with probability P, flows both ways on one extra port.  It is
 * background: the answers do not change. */
const char *mesh_build(gen_world *w)
{
    const gen_options *opt = w->opt;
    uint32_t avail = w->npool - w->pool_next;
    if (opt->mesh_n > avail) return "too few ordinary internal hosts for --mesh (see --internal-hosts)";
    uint16_t number = (uint16_t)opt->mesh_port;
    int used = 0;
    for (int i = 0; i < GEN_N_PORTS; i++) used |= w->ports[i].number == number;
    if (number && used) return "the --mesh port is already a port of the file";
    if (!number) {
        gen_rng q;
        stream(&q, opt, PART_MESH_PORT);
        for (number = 445;; number = (uint16_t)(1024 + rng_below(&q, 64512))) {
            used = 0;
            for (int i = 0; i < GEN_N_PORTS; i++) used |= w->ports[i].number == number;
            if (!used) break;
        }
    }
    gen_port *p = &w->ports[GEN_PORT_MESH];
    p->number = number;
    p->cls = BYTES_LARGE;
    p->len = (uint8_t)snprintf(p->text, sizeof p->text, "%u", (unsigned)number);

    gen_rng q;
    stream(&q, opt, PART_MESH);
    uint32_t *m = w->pool + w->pool_next;
    shuffle_u32(m, avail, &q);
    uint32_t n = opt->mesh_n;
    for (uint32_t i = 0; i < n; i++)
        for (uint32_t j = i + 1; j < n; j++) {
            if (rng_unit(&q) >= opt->mesh_p) continue;
            for (int dir = 0; dir < 2; dir++) {
                uint32_t flows = 1 + rng_below(&q, 3);
                for (uint32_t k = 0; k < flows; k++)
                    plant(w, time_profile(w, &q), dir ? m[j] : m[i], dir ? m[i] : m[j],
                          GEN_PORT_MESH, draw_port_bytes(w, GEN_PORT_MESH, &q));
            }
        }
    w->pool_next += n;
    return NULL;
}
