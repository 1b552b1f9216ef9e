/* load_merge.c: the end of a parallel load. The workers' local hosts go into
 * the table's dictionary in file order (first appearance decides the id, so
 * any thread count gives the same table); the byte counts too big for the
 * 32-bit column, the time span and the byte total are gathered; then each
 * column's regions are moved down into one run of rows while host ids are
 * remapped, releasing the pages left behind so the peak stays one column
 * above the table. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "load_priv.h"

typedef struct compact_job {
    flow_table *t;
    worker *w;
    int nw;
    uint32_t **maps;        /* per worker: local id -> table id */
    const size_t *dest;     /* per worker: first row in the final table */
    atomic_int next;        /* the next column to compact */
    long pagesz;
} compact_job;

/* Releases the whole pages inside [lo, hi) of a column. */
static void release_range(char *lo, char *hi, long pagesz)
{
    uintptr_t a = ((uintptr_t)lo + (uintptr_t)pagesz - 1) & ~(uintptr_t)(pagesz - 1);
    uintptr_t b = (uintptr_t)hi & ~(uintptr_t)(pagesz - 1);
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);
}

#define COMPACT_STEP ((size_t)1 << 16)   /* rows moved between page releases */

/* Moves each worker's region of one column down to its final place, in file
 * order (a region only moves down, onto rows already moved or never used),
 * releasing the source pages behind it so the peak stays one column. */
static void compact_column(compact_job *j, int col)
{
    flow_table *t = j->t;
    size_t esz;
    char *base;
    switch (col) {
    case 0: base = (char *)t->ts; esz = sizeof *t->ts; break;
    case 1: base = (char *)t->src; esz = sizeof *t->src; break;
    case 2: base = (char *)t->dst; esz = sizeof *t->dst; break;
    case 3: base = (char *)t->port; esz = sizeof *t->port; break;
    default: base = (char *)t->bytes; esz = sizeof *t->bytes; break;
    }
    int remap = col == 1 || col == 2;
    for (int k = 0; k < j->nw; k++) {
        worker *w = &j->w[k];
        size_t from = w->base, to = j->dest[k];
        if (!remap && from == to) continue;
        const uint32_t *map = j->maps[k];
        for (size_t done = 0; done < w->n; ) {
            size_t step = w->n - done < COMPACT_STEP ? w->n - done : COMPACT_STEP;
            if (remap) {
                uint32_t *c = (uint32_t *)base;
                for (size_t i = 0; i < step; i++) c[to + done + i] = map[c[from + done + i]];
            } else {
                memmove(base + (to + done) * esz, base + (from + done) * esz, step * esz);
            }
            done += step;
            if (from != to) {
                /* consumed source rows, except those the region's own rows
                 * will still land on (a small shift reuses its own pages) */
                size_t keep = to + w->n > from ? to + w->n : from;
                if (from + done > keep)
                    release_range(base + keep * esz, base + (from + done) * esz, j->pagesz);
            }
        }
    }
    /* everything above the last row goes back to the system */
    release_range(base + t->n * esz, base + t->col_cap * esz, j->pagesz);
}

static void *compact_run(void *arg)
{
    compact_job *j = arg;
    for (int col; (col = atomic_fetch_add(&j->next, 1)) < 5; ) compact_column(j, col);
    return NULL;
}

/* The table's dictionary in file order, then the columns compacted, up to
 * five threads (one per column). */
int load_merge(flow_table *t, worker *w, int nw, const cidr_list *internal, long pagesz)
{
    uint32_t **maps = calloc((size_t)nw, sizeof *maps);
    size_t *dest = calloc((size_t)nw, sizeof *dest);
    int rc = -1;
    if (!maps || !dest) goto out;
    size_t n = 0, nbig = 0;
    for (int k = 0; k < nw; k++) {
        dest[k] = n;
        n += w[k].n;
        nbig += w[k].nbig;
        maps[k] = malloc(((size_t)w[k].hosts.n + 1) * sizeof *maps[k]);
        if (!maps[k]) goto out;
        for (uint32_t i = 0; i < w[k].hosts.n; i++) {
            host_id id;
            if (w[k].hosts.is_name[i]) {
                char b[16];
                const char *s = hosts_name(&w[k].hosts.names, w[k].hosts.val[i], b);
                id = hosts_add_name(&t->hosts, s, strlen(s));
            } else {
                id = hosts_add_ipv4(&t->hosts, w[k].hosts.val[i], internal);
            }
            if (id == HOST_NONE) goto out;
            maps[k][i] = id;
        }
    }
    t->n = n;
    if (nbig) {
        t->big = malloc(nbig * sizeof *t->big);
        if (!t->big) goto out;
        for (int k = 0; k < nw; k++)
            for (size_t i = 0; i < w[k].nbig; i++) {
                t->big[t->nbig].row = w[k].big[i].row + dest[k];
                t->big[t->nbig].bytes = w[k].big[i].bytes;
                t->nbig++;
            }
    }
    int first = 1;
    for (int k = 0; k < nw; k++) {
        if (!w[k].n) continue;
        if (first || w[k].ts_min < t->ts_min) t->ts_min = w[k].ts_min;
        if (first || w[k].ts_max > t->ts_max) t->ts_max = w[k].ts_max;
        first = 0;
        uint64_t sum = t->total_bytes + w[k].total_bytes;
        t->total_bytes = sum < t->total_bytes ? UINT64_MAX : sum;
    }

    compact_job job = {.t = t, .w = w, .nw = nw, .maps = maps, .dest = dest, .pagesz = pagesz};
    atomic_init(&job.next, 0);
    int helpers = nw > 1 ? (nw < 5 ? nw - 1 : 4) : 0;
    pthread_t th[4];
    int started = 0;
    while (started < helpers && pthread_create(&th[started], NULL, compact_run, &job) == 0) started++;
    compact_run(&job);
    for (int i = 0; i < started; i++) pthread_join(th[i], NULL);
    rc = 0;
out:
    if (maps)
        for (int k = 0; k < nw; k++) free(maps[k]);
    free(maps);
    free(dest);
    return rc;
}
