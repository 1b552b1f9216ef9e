/* gen_world.c: the world of a generated file, built in order: hosts
 * (gen_hosts.c), ports, byte sizes and the hourly profile (gen_traffic.c),
 * who talks to whom (gen_relations.c), the planted flows (gen_plant.c), and
 * the key's answers. Everything is drawn from the seed, so the same options
 * give the same world. */
#include "gen.h"
#include "gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
