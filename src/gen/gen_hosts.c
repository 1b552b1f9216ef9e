/* gen_hosts.c: the hosts of a generated world: internal and external
 * addresses (the CTF's network, or private and public ones), the planted
 * roles among them, and their weights. */
#include "gen.h"
#include "gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void shuffle_u32(uint32_t *a, uint32_t n, gen_rng *r)
{
    for (uint32_t i = n; i > 1; i--) {
        uint32_t j = rng_below(r, i), t = a[i - 1];
        a[i - 1] = a[j];
        a[j] = t;
    }
}

void hosts_build(gen_world *w)
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
