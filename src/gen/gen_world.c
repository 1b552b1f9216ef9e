/* The world of a generated file: hosts, ports, who talks to whom, the hourly
 * profile, and the planted flows of the ten events.  Everything here is
 * drawn from the seed, so the same options give the same world. */
#include "gen.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define HOUR_MS 3600000LL
#define END_MS (GEN_START_MS + GEN_HOURS * HOUR_MS)

/* ---- random numbers --------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(gen_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

/* A standard normal draw (Box-Muller; the second value is discarded so a
 * draw always consumes the same two numbers). */
double rng_normal(gen_rng *r)
{
    double u1 = 1.0 - rng_unit(r), u2 = rng_unit(r);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* Each part of the world gets its own stream, so that changing one option
 * (say --bad-lines) leaves every other part of the file as it was.  Parts
 * 1-5 are the world of every file; the shapes' options draw from their own
 * parts only (PART_* in gen.h), so that a file without them is as it
 * always was. */

void rng_stream(gen_rng *r, uint64_t seed, uint64_t part)
{
    rng_seed(r, seed * 0x2545f4914f6cdd1dULL + part * 0x9e3779b97f4a7c15ULL + 1);
}

static void stream(gen_rng *r, const gen_options *opt, uint64_t part)
{
    rng_stream(r, opt->seed, part);
}

long gen_p2p_size(uint64_t rows)
{
    long k = lround(264.0 * sqrt((double)rows / GEN_FULL_ROWS));
    return k < 12 ? 12 : k > 264 ? 264 : k;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("nettui-gen: out of memory.\n", stderr);
        exit(1);
    }
    return p;
}

/* ---- alias tables -------------------------------------------------------------- */

static void alias_build(gen_alias *a, const double *weight, uint32_t n)
{
    a->n = n;
    a->prob = xcalloc(n, sizeof *a->prob);
    a->alias = xcalloc(n, sizeof *a->alias);
    double *p = xcalloc(n, sizeof *p), sum = 0;
    uint32_t *small = xcalloc(n, sizeof *small), *large = xcalloc(n, sizeof *large);
    uint32_t ns = 0, nl = 0;
    for (uint32_t i = 0; i < n; i++)
        sum += weight[i];
    for (uint32_t i = 0; i < n; i++) {
        p[i] = weight[i] * n / sum;
        if (p[i] < 1.0) small[ns++] = i; else large[nl++] = i;
    }
    while (ns && nl) {
        uint32_t s = small[--ns], l = large[--nl];
        a->prob[s] = (uint32_t)(p[s] * 4294967296.0);
        a->alias[s] = l;
        p[l] -= 1.0 - p[s];
        if (p[l] < 1.0) small[ns++] = l; else large[nl++] = l;
    }
    while (nl) { uint32_t l = large[--nl]; a->prob[l] = UINT32_MAX; a->alias[l] = l; }
    while (ns) { uint32_t s = small[--ns]; a->prob[s] = UINT32_MAX; a->alias[s] = s; }
    free(p); free(small); free(large);
}

/* ---- hosts ------------------------------------------------------------------- */

/* open addressing, at least twice the hosts' slots (a power of two) */
typedef struct addr_set { uint32_t mask, *slot; } addr_set;

static void addr_set_init(addr_set *s, uint32_t hosts)
{
    uint32_t size = 16384;
    while (size < 2 * (uint64_t)hosts) size *= 2;
    s->mask = size - 1;
    s->slot = xcalloc(size, sizeof *s->slot);
}

/* Adds addr; returns 0 if it was already there. Address 0 is never used. */
static int addr_set_add(addr_set *s, uint32_t addr)
{
    uint32_t i = (addr * 2654435761u) & s->mask;
    while (s->slot[i]) {
        if (s->slot[i] == addr) return 0;
        i = (i + 1) & s->mask;
    }
    s->slot[i] = addr;
    return 1;
}

static uint32_t quad(unsigned a, unsigned b, unsigned c, unsigned d)
{
    return (uint32_t)a << 24 | (uint32_t)b << 16 | (uint32_t)c << 8 | d;
}

static void host_set(gen_host *h, uint32_t addr)
{
    memset(h->text, 0, sizeof h->text);
    h->len = (uint8_t)snprintf(h->text, sizeof h->text, "%u.%u.%u.%u", addr >> 24,
                               (addr >> 16) & 255, (addr >> 8) & 255, addr & 255);
    h->addr = addr;
}

static uint32_t parse_quad(const char *s)
{
    unsigned a, b, c, d;
    sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d);
    return quad(a, b, c, d);
}

static uint32_t draw_internal(gen_rng *r, addr_set *set)
{
    for (;;) {
        uint32_t a = quad(12 + rng_below(r, 3), 30 + rng_below(r, 30), rng_below(r, 256),
                          1 + rng_below(r, 254));
        if (addr_set_add(set, a)) return a;
    }
}

static uint32_t draw_external(gen_rng *r, addr_set *set)
{
    for (;;) {
        uint32_t a = quad(15 + rng_below(r, 4), rng_below(r, 256), rng_below(r, 256),
                          1 + rng_below(r, 254));
        if (addr_set_add(set, a)) return a;
    }
}

/* --net rfc1918: 10.0.0.0/8 and 192.168.0.0/16, and 172.16.0.0/12 too
 * with rfc1918-172; the last octet 1 to 254 */
static uint32_t draw_private(gen_rng *r, addr_set *set, int with172)
{
    for (;;) {
        uint32_t u = rng_below(r, 100), a;
        if (u < (with172 ? 60u : 75u))
            a = quad(10, rng_below(r, 256), rng_below(r, 256), 1 + rng_below(r, 254));
        else if (!with172 || u < 85)
            a = quad(192, 168, rng_below(r, 256), 1 + rng_below(r, 254));
        else
            a = quad(172, 16 + rng_below(r, 16), rng_below(r, 256), 1 + rng_below(r, 254));
        if (addr_set_add(set, a)) return a;
    }
}

/* public unicast: not 0/8, 10/8, 100.64/10, 127/8, 169.254/16, 172.16/12,
 * 192.168/16, nor 224.0.0.0 and up */
static int is_public(uint32_t a)
{
    uint32_t o1 = a >> 24, o2 = (a >> 16) & 255;
    if (o1 == 0 || o1 == 10 || o1 == 127 || o1 >= 224) return 0;
    if ((o1 == 100 && (o2 & 0xc0) == 64) || (o1 == 169 && o2 == 254)) return 0;
    if ((o1 == 172 && (o2 & 0xf0) == 16) || (o1 == 192 && o2 == 168)) return 0;
    return 1;
}

static uint32_t draw_public(gen_rng *r, addr_set *set)
{
    for (;;) {
        uint32_t a = (uint32_t)(rng_next(r) >> 32) & ~255u;
        a |= 1 + rng_below(r, 254);
        if (is_public(a) && addr_set_add(set, a)) return a;
    }
}

/* The CTF's own addresses of the planted roles, in world order (see
 * hosts_build): exfil, nightly, abuser, private_dst, controller, infected,
 * brute, spy, then the private channel's external source. */
static const char *const ctf_roles[] = {
    "13.37.84.125", "12.55.77.96", "12.30.96.87", "14.47.74.88", "14.45.67.46",
    "14.51.84.50", "13.42.70.40", "12.49.123.62", "15.104.76.58",
};

static void shuffle_u32(uint32_t *a, uint32_t n, gen_rng *r)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rng_below(r, i), t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

static void hosts_build(gen_world *w)
{
    const gen_options *opt = w->opt;
    gen_rng r;
    stream(&r, opt, 1);
    uint64_t ext = opt->rows / 1000;
    w->n_ext = (uint32_t)(ext < 200 ? 200 : ext > 3000 ? 3000 : ext);
    if (opt->n_external) w->n_ext = opt->n_external;
    w->n_internal = opt->n_internal ? opt->n_internal : GEN_N_INTERNAL;
    w->ext_first = w->n_internal;
    w->private_src = w->ext_first + w->n_ext;
    w->cc[0] = w->private_src + 1;
    w->cc[1] = w->private_src + 2;
    w->nhosts = w->private_src + 3 + GEN_N_BOTS;
    w->hosts = xcalloc(w->nhosts, sizeof *w->hosts);
    addr_set set_, *set = &set_;
    addr_set_init(set, w->nhosts + 16);
    int ctf_roles_used = !opt->random_hosts && opt->net == NET_CTF;

    w->exfil = 0; w->nightly = 1; w->abuser = 2; w->private_dst = 3;
    w->controller = 4; w->infected = 5; w->brute = 6; w->spy = 7;
    if (ctf_roles_used)
        for (int i = 0; i < 9; i++)
            addr_set_add(set, parse_quad(ctf_roles[i]));
    for (uint32_t i = 0; i < w->nhosts; i++) {
        int role = -1;
        if (i < 8) role = (int)i;
        else if (i == w->private_src) role = 8;
        uint32_t a;
        if (role >= 0 && ctf_roles_used) a = parse_quad(ctf_roles[role]);
        else if (opt->net != NET_CTF)
            a = i < w->n_internal ? draw_private(&r, set, opt->net == NET_RFC1918_172)
                                  : draw_public(&r, set);
        else if (i < w->n_internal) a = draw_internal(&r, set);
        else a = draw_external(&r, set);
        host_set(&w->hosts[i], a);
    }
    free(set->slot);
}

/* ---- ports ------------------------------------------------------------------- */

/* Port table layout: 0 abuse (42 B), 1 beacon (1337 B), 2..7 the other
 * constant-size ports, 8..19 the ~35 kB ports, 20..44 the ~1 kB ports, then
 * 45..49 exfiltration, 50 private C&C, 51 P2P, 52 bots, 53 brute force. */
static void ports_build(gen_world *w)
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

#define TABLE_SIZE 65536

static void bytes_build(gen_world *w)
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

static uint64_t draw_port_bytes(const gen_world *w, uint16_t port, gen_rng *r)
{
    const gen_port *p = &w->ports[port];
    uint32_t i = (uint32_t)(rng_next(r) >> 48);
    if (p->cls == BYTES_CONST) return p->const_bytes;
    if (p->cls == BYTES_LARGE) return w->large_bytes[i];
    return w->normal_bytes[i];
}

/* ---- time ------------------------------------------------------------------- */

static int hour_of(int h) { return (16 + h) % 24; }   /* UTC hour of period hour h */

static void time_build(gen_world *w)
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

static double off_fraction(const gen_world *w)
{
    double off = 0;
    for (int h = 0; h < GEN_HOURS; h++)
        if (!w->work[hour_of(h)]) off += w->hour_weight[h];
    return off / w->hour_cum[GEN_HOURS];
}

/* a time that follows the traffic's hourly profile */
static int64_t time_profile(const gen_world *w, gen_rng *r)
{
    double u = rng_unit(r) * w->hour_cum[GEN_HOURS];
    int lo = 0, hi = GEN_HOURS - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (w->hour_cum[mid + 1] > u) hi = mid; else lo = mid + 1;
    }
    return GEN_START_MS + lo * HOUR_MS + rng_below(r, (uint32_t)HOUR_MS);
}

static int64_t time_between(int64_t from, int64_t to, gen_rng *r)
{
    return from + (int64_t)(rng_unit(r) * (double)(to - from));
}

/* the n-th (0-based) period hour whose UTC hour is hod */
static int period_hour(int hod, int nth)
{
    for (int h = 0; h < GEN_HOURS; h++)
        if (hour_of(h) == hod && nth-- == 0) return h;
    return 0;
}

/* ---- who talks to whom -------------------------------------------------------- */

/* Draws n distinct ids below limit into out: an id is taken when its stamp
 * is not yet mark, and then stamped (the caller stamps ids to leave out). */
static void draw_distinct(gen_rng *r, uint32_t limit, uint32_t n, uint32_t *stamp, uint32_t mark, uint32_t *out)
{
    for (uint32_t k = 0; k < n; k++) {
        uint32_t p;
        do p = rng_below(r, limit); while (stamp[p] == mark);
        stamp[p] = mark;
        out[k] = p;
    }
}

static void relations_build(gen_world *w)
{
    gen_rng r;
    stream(&r, w->opt, 4);
    uint32_t ni = w->n_internal, ne = w->n_ext;

    w->weight = xcalloc(ni, sizeof *w->weight);
    for (uint32_t i = 0; i < ni; i++)
        w->weight[i] = 0.7 + 0.6 * rng_unit(&r);
    w->weight[w->exfil] = 1.0;
    w->weight[w->abuser] = 1.0;
    w->weight[w->nightly] = 0.9;
    w->weight[w->spy] = 0.8;     /* its extra probes then keep it average */
    alias_build(&w->internal_pick, w->weight, ni);
    double *ew = xcalloc(ne, sizeof *ew);
    for (uint32_t i = 0; i < ne; i++)
        ew[i] = 0.7 + 0.6 * rng_unit(&r);
    alias_build(&w->external_pick, ew, ne);
    free(ew);

    /* each internal host serves 2-4 of the service ports */
    w->nserved = xcalloc(ni, 1);
    w->served = xcalloc(ni, sizeof *w->served);
    for (uint32_t i = 0; i < ni; i++) {
        uint16_t s[GEN_N_SERVICE];
        memcpy(s, w->service, sizeof s);
        uint8_t n = (uint8_t)(2 + rng_below(&r, 3));
        for (uint8_t k = 0; k < n; k++) {
            uint32_t j = k + rng_below(&r, GEN_N_SERVICE - k);
            uint16_t t = s[k]; s[k] = s[j]; s[j] = t;
            w->served[i][k] = s[k];
        }
        w->nserved[i] = n;
    }

    /* internal peers: a bounded set (20-200) per host */
    uint32_t *stamp = xcalloc(ni, sizeof *stamp);
    w->peer_off = xcalloc(ni + 1, sizeof *w->peer_off);
    w->peers = xcalloc((size_t)ni * 200, sizeof *w->peers);
    uint32_t np = 0;
    for (uint32_t i = 0; i < ni; i++) {
        w->peer_off[i] = np;
        uint32_t n = 20 + rng_below(&r, 181);
        stamp[i] = i + 1;
        draw_distinct(&r, ni, n, stamp, i + 1, w->peers + np);
        np += n;
    }
    w->peer_off[ni] = np;

    /* each background external host reaches 3-12 internal hosts */
    memset(stamp, 0, ni * sizeof *stamp);
    w->target_off = xcalloc(ne + 1, sizeof *w->target_off);
    w->targets = xcalloc((size_t)ne * 12, sizeof *w->targets);
    uint32_t nt = 0;
    for (uint32_t e = 0; e < ne; e++) {
        w->target_off[e] = nt;
        uint32_t n = 3 + rng_below(&r, 10);
        draw_distinct(&r, ni, n, stamp, e + 1, w->targets + nt);
        nt += n;
    }
    w->target_off[ne] = nt;
    free(stamp);

    /* favourite external hosts (their own stream): each internal host goes
     * back to a few, the first most, each pair on one port of its own */
    const gen_options *opt = w->opt;
    int nfav = opt->favourites;
    if (nfav < 0) nfav = opt->net != NET_CTF || opt->n_internal || opt->n_external ? 8 : 0;
    w->nfav = (uint32_t)nfav;
    if (nfav) {
        gen_rng q;
        stream(&q, opt, PART_FAVOURITES);
        w->fav = xcalloc((size_t)ni * nfav, sizeof *w->fav);
        w->fav_port = xcalloc((size_t)ni * nfav, sizeof *w->fav_port);
        for (size_t k = 0; k < (size_t)ni * nfav; k++) {
            w->fav[k] = alias_draw(&w->external_pick, &q);
            w->fav_port[k] = (uint16_t)(8 + rng_below(&q, GEN_N_COMMON - 8));  /* not a constant-size port */
        }
        /* favourite k is picked with weight 1/(k+1) */
        double sum = 0, cum = 0;
        for (int k = 0; k < nfav; k++) sum += 1.0 / (k + 1);
        int k = 0;
        for (int b = 0; b < 256; b++) {
            while (k < nfav - 1 && (b + 0.5) / 256 > (cum + 1.0 / (k + 1)) / sum) cum += 1.0 / (k++ + 1);
            w->fav_pick[b] = (uint8_t)k;
        }
    }
}

/* ---- planted events ---------------------------------------------------------- */

static void plant(gen_world *w, int64_t ts, uint32_t src, uint32_t dst, uint16_t port, uint64_t bytes)
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

static void plant_events(gen_world *w)
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
static const char *mesh_build(gen_world *w)
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

static int flow_cmp(const void *a, const void *b)
{
    const gen_flow *x = a, *y = b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void answers_build(gen_world *w)
{
    const uint32_t hosts[] = { w->exfil, w->nightly, 0, 0, 0, w->controller, w->infected, 0,
                               w->brute, w->spy };
    const uint16_t ports[] = { 0, 0, w->port_abuse, w->port_private, w->port_p2p, 0, 0,
                               w->port_beacon, 0, 0 };
    for (int i = 0; i < ANS_COUNT; i++) {
        if (i == ANS_BEACON_PORT && w->opt->no_beacons)
            snprintf(w->answers[i], sizeof w->answers[i], "none");
        else if (ports[i] || i == ANS_ABUSE_PORT)
            snprintf(w->answers[i], sizeof w->answers[i], "%u", (unsigned)w->ports[ports[i]].number);
        else
            snprintf(w->answers[i], sizeof w->answers[i], "%s", w->hosts[hosts[i]].text);
    }
}

/* Builds everything the writer needs. Returns NULL, or a sentence saying
 * why not (the planted events would not leave room for background rows,
 * or a shape does not fit). */
const char *world_build(gen_world *w, const gen_options *opt)
{
    memset(w, 0, sizeof *w);
    w->opt = opt;
    w->scale = (double)opt->rows / GEN_FULL_ROWS;
    hosts_build(w);
    ports_build(w);
    bytes_build(w);
    time_build(w);
    relations_build(w);
    if (w->n_internal - 8 < (uint32_t)gen_p2p_size(opt->rows) + GEN_N_BEACON_BOTS + 1)
        return "too few internal hosts for the planted events";
    plant_events(w);
    if (opt->mesh_n) {
        const char *err = mesh_build(w);
        if (err) return err;
    }
    qsort(w->planted, w->nplanted, sizeof *w->planted, flow_cmp);
    answers_build(w);
    if (w->nplanted >= opt->rows / 2) return "too few rows for the planted events";
    w->background_rows = opt->rows - w->nplanted;
    return NULL;
}

void world_free(gen_world *w)
{
    free(w->hosts); free(w->weight);
    free(w->internal_pick.prob); free(w->internal_pick.alias);
    free(w->external_pick.prob); free(w->external_pick.alias);
    free(w->peer_off); free(w->peers); free(w->nserved); free(w->served);
    free(w->target_off); free(w->targets);
    free(w->fav); free(w->fav_port); free(w->pool);
    free(w->normal_bytes); free(w->large_bytes); free(w->planted);
    memset(w, 0, sizeof *w);
}
