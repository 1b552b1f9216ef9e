/* gen_rng.c: the generator's random numbers: the seeding (splitmix64), the
 * normal draw, the per-part streams that keep a file without a shape as it
 * always was, and the alias tables for weighted draws; and its one
 * allocator, which stops the program when memory runs out. */
#include "gen.h"
#include "gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void stream(gen_rng *r, const gen_options *opt, uint64_t part)
{
    rng_stream(r, opt->seed, part);
}

void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fputs("nettui-gen: out of memory.\n", stderr);
        exit(1);
    }
    return p;
}

/* ---- alias tables -------------------------------------------------------------- */

void alias_build(gen_alias *a, const double *weight, uint32_t n)
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
