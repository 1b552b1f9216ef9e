/* cache.h: the columnar cache, so that reopening a flow file skips the parse.
 *
 * After a parse the flow table (columns, host dictionary, big-bytes list,
 * totals) and the load report are written to one file per source, named by a
 * hash of the source's absolute path. The next open maps that file and points
 * the columns into it (flow_table.region): no parse, no copy of the columns.
 * The small sections (host dictionary, big-bytes list) are copied out of the
 * mapping; a mapping whose file is cut short under a run is handled by
 * mapguard.h (the run starts over on the source, or stops with one sentence).
 *
 * A cache is used only when everything matches: magic, format version, byte
 * order, header checksum, the source's path, size, mtime (ns) and a hash of its
 * first and last megabyte, the internal CIDR list, every section's bounds and
 * checksum, and every host id in the src/dst columns below the host count
 * (the columns' part deferred to cache_check_columns when the caller's facts
 * are cached: then no column page is read at all). Anything else is a miss
 * (cache_policy.h decides what follows: the cache is removed, the file
 * parsed, the cache rebuilt). Writes go to a temporary file in the same
 * folder, fsync, rename, so a reader sees the old cache or the new one, never
 * half of one.
 *
 * Columns mapped from a cache are read-only memory: never write through
 * flow_table's column pointers. */
#ifndef NETTUI_CACHE_H
#define NETTUI_CACHE_H

#include <stdio.h>
#include "nettui/flows.h"
#include "nettui/load.h"

/* Bump when the file layout changes, or when the loader would now make a
 * different table from the same bytes: older caches are then rebuilt. */
#define CACHE_FORMAT_VERSION 5   /* 4: the time unit from the median of 1000 lines; 5: the formats (nfdump, Zeek, ISO times) */

typedef enum cache_result {
    CACHE_HIT = 0,      /* the table came from the cache */
    CACHE_ABSENT,       /* no cache file for this source */
    CACHE_REJECTED,     /* a cache file exists but cannot be used; why says why */
} cache_result;

typedef struct cache_options {
    int enabled;        /* 0: neither read nor write (--no-cache) */
    const char *dir;    /* NULL: $XDG_CACHE_HOME/nettui, else ~/.cache/nettui */
    int threads;        /* for checksumming the columns; 0: number of cores */
    FILE *notes;        /* one line per cache event (rejected, not written), or NULL */
    /* Optional. Asked once a cache's header, source and small sections check
     * out, with the cache's identity (cache_table_id): 1 when the caller will
     * read none of the columns (its facts for that cache are saved), and the
     * 2 GB column pass (checksums, host-id bounds) is then left out; the
     * caller must run cache_check_columns before it reads a column. */
    int (*skip_columns)(void *user, const char *cpath, uint64_t table_id);
    void *user;
    /* 1: cache_load_or_parse writes a new cache on a thread and returns at
     * once; the caller must call cache_write_finish before it frees the
     * table (and before it exits, to keep the cache). */
    int background;
} cache_options;

void cache_options_default(cache_options *o);

/* The cache folder for dir (NULL: the default) into out; 0, or -1 when no
 * folder can be named (no $HOME) or out is too small. */
int cache_dir_path(const char *dir, char *out, size_t len);

/* The cache file of source into out: <cache folder>/<hash of absolute path>.ntc.
 * 0, or -1 with a sentence in err (source has no absolute path, too long). */
int cache_file_path(const char *source, const char *dir, char *out, size_t len, char *err, size_t errlen);

/* The facts cache beside the table cache table_cache: "<table_cache>.facts".
 * 0, or -1 when out is too small. (Files kept beside a table cache are named
 * from its path by functions here, so every room agrees on them.) */
int cache_facts_path(const char *table_cache, char *out, size_t len);

/* Maps cache file cpath for source into *t (which it initialises; the table
 * then owns the mapping: flows_free releases it) and fills *rep as the parse
 * that made the cache had, except seconds and threads_used. internal must be
 * the list the caller would parse with. Returns CACHE_HIT; CACHE_ABSENT when
 * cpath does not exist; CACHE_REJECTED with one sentence in why otherwise
 * (*t is then empty). Never crashes on any content of cpath. */
cache_result cache_load(const char *cpath, const char *source, const cidr_list *internal,
                        int threads, flow_table *t, load_report *rep, char *why, size_t whylen);

/* Writes t and rep as the cache of source at cpath, atomically (temporary
 * file in the same folder, fsync, rename), creating the folder if needed.
 * 0, or -1 with a sentence in err; on failure nothing is left behind and an
 * earlier cache file is untouched. */
int cache_save(const char *cpath, const char *source, const flow_table *t, const load_report *rep,
               int threads, char *err, size_t errlen);

/* The identity of the cache behind t: the header checksum of the mapping t
 * came from, or, for a parsed table, of the cache file cpath when that file
 * holds the same table (counts, range, totals). 0, or -1 (no such cache). */
int cache_table_id(const char *cpath, const flow_table *t, uint64_t *id);

/* The column pass cache_load left out when skip_columns said so: checksums,
 * host ids below the host count, timestamps in range. 0 (also for a table
 * that was parsed, not mapped), or -1 with a sentence in why. */
int cache_check_columns(const flow_table *t, int threads, char *why, size_t whylen);

/* Waits for the cache write cache_load_or_parse started in the background
 * (nothing to wait for: 0). A failed write costs one line on notes (may be
 * NULL) and returns -1. The write stays atomic either way. */
int cache_write_finish(FILE *notes);
/* 1 while a background write has not been waited for. */
int cache_write_pending(void);
/* Without waiting: when the background write has ended, joins it and
 * returns 1 with a sentence in msg if it failed; else 0. */
int cache_write_poll(char *msg, size_t len);

/* The one way in for every mode: the table of path from its cache when the
 * cache is fresh, else load_file(path, lo) and, when that succeeds, a new
 * cache (on a thread when co->background). Cache trouble (rejected,
 * unwritable, disk full) costs a line on co->notes (for a background write:
 * on cache_write_finish's), never the load; what is kept, rebuilt or removed
 * is cache_policy.h's decision (cache_policy.c). *from_cache says where the
 * table came from. Returns what load_file returns (EXIT_OK or an EXIT_* with rep->error). */
int cache_load_or_parse(const char *path, const load_options *lo, const cache_options *co,
                        flow_table *t, load_report *rep, int *from_cache);

#endif
