/* gen_world.h: what the units that build a generated world share, private
 * to src/gen/gen_*.c (world_build in gen_world.c calls them in order). Each
 * build step draws from its own stream (stream, PART_* in gen.h), so that a
 * file without a shape stays as it always was. */
#ifndef NETTUI_GEN_WORLD_H
#define NETTUI_GEN_WORLD_H

#include "gen.h"

#define HOUR_MS 3600000LL
#define END_MS (GEN_START_MS + GEN_HOURS * HOUR_MS)
#define TABLE_SIZE 65536          /* entries of a port's byte-size table */

/* gen_rng.c */
void stream(gen_rng *r, const gen_options *opt, uint64_t part);   /* the stream of one part */
void *xcalloc(size_t n, size_t size);                             /* calloc, or exit with a sentence */
void alias_build(gen_alias *a, const double *weight, uint32_t n);  /* Walker's alias table over weight */

/* gen_hosts.c */
void shuffle_u32(uint32_t *a, uint32_t n, gen_rng *r);
void hosts_build(gen_world *w);

/* gen_traffic.c */
void ports_build(gen_world *w);
void bytes_build(gen_world *w);
void time_build(gen_world *w);
uint64_t draw_port_bytes(const gen_world *w, uint16_t port, gen_rng *r);   /* one flow's bytes on port */
int64_t time_profile(const gen_world *w, gen_rng *r);   /* a time drawn from the hourly profile */
int64_t time_between(int64_t from, int64_t to, gen_rng *r);   /* uniform in [from, to) */
double off_fraction(const gen_world *w);                /* the traffic's share outside work hours */
int period_hour(int hod, int nth);                      /* the nth (0-based) period hour whose UTC hour is hod */

/* gen_relations.c */
void relations_build(gen_world *w);

/* gen_plant.c */
void plant(gen_world *w, int64_t ts, uint32_t src, uint32_t dst, uint16_t port, uint64_t bytes);
void plant_events(gen_world *w);
const char *mesh_build(gen_world *w);   /* NULL, or why --mesh does not fit */

#endif
