/* hostidx.h: the host index, so that one host's flows are found without a
 * pass over the whole flow table.
 *
 * For each host id, the rows where it is the source or the destination, in
 * ascending row order (so the output stays in file order), in CSR layout:
 * off[nhosts + 1] (64-bit) into rows[] (32-bit row numbers). A flow from a
 * host to itself is listed once. Cost: 4 bytes per (flow, end), about 8 bytes
 * a flow, plus 16 bytes a host (offsets and a checksum per host list); built
 * in two passes over the src and dst columns (count, then fill), split over
 * threads by row ranges so each thread's part of a list stays in order.
 * Tables of more than 2^32-1 rows get no index (the callers scan).
 *
 * The index of a cached table is saved beside its table cache as
 * <cache>.hidx, keyed to that cache's identity (cache_table_id), and mapped
 * on the next open. Nothing in it is trusted: the header, its checksum, the
 * file size, the counts and the per-host offsets are checked when it is
 * opened (16 bytes a host), and each host list is checked (its checksum,
 * ascending, below the row count) before any of its rows is used; a check
 * that fails refuses the file with one sentence, and the caller removes it
 * and builds the index again. The mapping is registered with mapguard.h. */
#ifndef NETTUI_HOSTIDX_H
#define NETTUI_HOSTIDX_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "nettui/filter.h"
#include "nettui/flows.h"

typedef struct host_index {
    uint32_t nhosts;
    uint64_t nrows;          /* rows of the table it was built from */
    const uint64_t *off;     /* nhosts + 1 */
    const uint64_t *sum;     /* nhosts: checksum of each host's list */
    const uint32_t *rows;    /* off[nhosts] entries */
    int mapped;              /* 1: off, sum and rows point into a mapped file */
    void *map;
    size_t map_len;
    void *mem[3];            /* built: the malloc'd off, sum and rows */
} host_index;

/* Shared with a thread that builds: work done so far out of total (units
 * of rows), and a request to stop. Zero it before a build. */
typedef struct hostidx_progress {
    atomic_uint_fast64_t done, total;
    atomic_int cancel;
    atomic_int saving;       /* set by hostidx_open while it writes the file */
} hostidx_progress;

/* Builds the index of t in memory with up to threads threads (0: cores,
 * at most 4). 0; 1 when p->cancel was set (x is then empty); -1 when t has
 * too many rows, a host id out of range (columns of a cache not checked
 * yet, and wrong), or memory ran out (x empty). p may be NULL. */
int hostidx_build(host_index *x, const flow_table *t, int threads, hostidx_progress *p);

/* Frees what x owns (or unmaps it) and zeroes it. */
void hostidx_free(host_index *x);

/* How many rows host h takes part in (0 for an id out of range). */
uint64_t hostidx_count(const host_index *x, host_id h);

/* Host h's rows into *rows and *n. For a mapped index the list is checked
 * first (checksum, ascending, below nrows): -1 with a sentence in why when
 * it fails; else 0. */
int hostidx_rows(const host_index *x, host_id h, const uint32_t **rows, size_t *n, char *why, size_t whylen);

/* The index file beside the table cache cpath (<cpath>.hidx) into out; 0 or -1. */
int hostidx_path(const char *cpath, char *out, size_t len);

/* Removes the index file beside the table cache cpath (and nothing else):
 * the cache's code calls it when it removes a cache it rejected. */
void hostidx_remove_beside(const char *cpath);

/* 1 when the index file beside the table cache cpath looks like the index
 * of the cache identity table_id (header, checksum, size; nothing mapped):
 * the question a caller asks before it lets the table cache leave its
 * column pass out (cache_options.skip_columns). */
int hostidx_file_sound(const char *cpath, uint64_t table_id);

typedef enum hostidx_load_result {
    HOSTIDX_HIT = 0,        /* mapped, for this very table */
    HOSTIDX_ABSENT,         /* no file */
    HOSTIDX_FOREIGN,        /* a sound file for another table cache (replace it quietly) */
    HOSTIDX_REJECTED,       /* truncated, corrupted, another version: why says which */
} hostidx_load_result;

/* Maps the index file ipath if it is the index of t under the table cache
 * identity table_id. Never crashes on any content of ipath. */
hostidx_load_result hostidx_load(host_index *x, const char *ipath, uint64_t table_id, const flow_table *t,
                                 char *why, size_t whylen);

/* Writes x as the index of the table cache identity table_id at ipath,
 * atomically (atomic.h). 0, or -1 with a sentence in err (nothing left behind). */
int hostidx_save(const host_index *x, const char *ipath, uint64_t table_id, char *err, size_t errlen);

/* The one way in for --flows and the Flows view: the index of t, from the
 * file beside its table cache cpath when that file is this table's, else
 * built (progress and cancel through p) and, when cpath is not NULL and the
 * cache's identity is known, saved there. A refused file (why in note) is
 * removed first. note gets at most one sentence for the person (a refused
 * or unwritten index), else "". Returns 0, 1 when cancelled, -1 when no
 * index can be had (the callers scan). *loaded is 1 when it came from the file. */
int hostidx_open(host_index *x, const flow_table *t, const char *cpath, int threads, hostidx_progress *p,
                 int *loaded, char *note, size_t notelen);

/* A plan naming more hosts than this (a wide net) is not walked. */
#define HOSTIDX_PLAN_MAX_HOSTS 4096

/* 1 when the index can serve f: f (bound) has a host plan of at most
 * HOSTIDX_PLAN_MAX_HOSTS hosts; else 0 (a port or a time alone, a wide
 * net, or out of memory: the caller scans). */
int hostidx_plans(const flow_filter *f);

/* The flows f keeps, in file order, through the index when f's plan
 * (filter_plan_hosts) names few enough hosts, else not at all: returns 1 and
 * calls fn(row, arg) for each match (a nonzero return stops), with the
 * number of matches in *hits; 0 when the caller must scan (no plan, or the
 * hosts' lists hold more than an eighth of the rows); -1 with a sentence in
 * why when a host list of a mapped index fails its checks, or one of its
 * rows lacks that host at either end or holds a host id out of range
 * (nothing was passed to fn yet: the index or the table's columns are
 * wrong). Only the src and dst of the listed rows are checked, so t's
 * columns need not have been (cache_check_columns); the other fields of the
 * rows passed on are read as they are. f must be bound to t. */
int hostidx_scan(const host_index *x, const flow_filter *f, const flow_table *t,
                 int (*fn)(size_t row, void *arg), void *arg, size_t *hits, char *why, size_t whylen);

#endif
