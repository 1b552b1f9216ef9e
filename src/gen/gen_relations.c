/* gen_relations.c: who talks to whom in the background: each internal
 * host's internal peers, the hosts it serves, its external targets and
 * favourites. */
#include "gen.h"
#include "gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void relations_build(gen_world *w)
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
