/* cache_policy.h: what happens to the caches of a flow file: use them, build
 * and write them, remove them. One place decides, for both caches:
 *   the table cache  (cache.h: <folder>/<hash>.ntc, the parsed columns)
 *   the facts cache  (engine.h: <table cache>.facts, the engine's facts,
 *                     keyed to the table cache's identity)
 * The format code (cache.c, persist.c) only reads and writes; when it cannot
 * use a file it says why as a cache_reason (with a sentence for the person),
 * and cache_decide turns the reason into a decision. Reasons are enums so no
 * caller ever branches on a message's wording. */
#ifndef NETTUI_CACHE_POLICY_H
#define NETTUI_CACHE_POLICY_H

#include <stdint.h>
#include <stdio.h>

typedef enum cache_kind {
    CACHE_KIND_TABLE,
    CACHE_KIND_FACTS,
} cache_kind;

typedef enum cache_reason {
    CACHE_REASON_NONE,              /* usable */
    CACHE_REASON_ABSENT,            /* no file */
    /* sound files made for other input: expected after a change */
    CACHE_REASON_STALE,             /* the source changed since */
    CACHE_REASON_OTHER_SOURCE,      /* another file's (two paths, one hash) */
    CACHE_REASON_OTHER_NETWORK,     /* made with another internal network */
    CACHE_REASON_OTHER_TABLE,       /* facts of another table cache (that one was rebuilt) */
    CACHE_REASON_OTHER_VERSION,     /* another format version or byte order */
    /* trouble */
    CACHE_REASON_DAMAGED,           /* not a cache, truncated, a checksum or a bound fails */
    CACHE_REASON_UNREADABLE,        /* cannot be opened, mapped or read (errno, memory) */
    CACHE_REASON_SOURCE_UNREADABLE, /* the source cannot be checked against it */
    /* found after the fact */
    CACHE_REASON_COLUMNS_DAMAGED,   /* the table cache's columns, checked late (their
                                     * check was skipped on the facts' word), fail */
    CACHE_REASON_NOT_WRITTEN,       /* a new table cache could not be written */
} cache_reason;

typedef struct cache_decision {
    int use;            /* read it: nothing to build */
    int remove_table;   /* remove the table cache (and so its facts, keyed to it) */
    int remove_facts;   /* remove the facts cache */
    int remove_index;   /* remove the host index (hostidx.h, keyed to the table cache too) */
    int note;           /* tell the person why, in one line (an unexpected miss) */
    int fail;           /* the run cannot go on: the table in hand came from the cache */
} cache_decision;

/* The decision for a cache of kind that is in state why. Anything not used
 * is built (and written, when caching is on) by the caller. */
cache_decision cache_decide(cache_kind kind, cache_reason why);
/* A stable short name ("stale", "damaged", ...) for tests and logs. */
const char *cache_reason_name(cache_reason why);
/* Removes the files d says, for the table cache at table_cache. */
void cache_apply(const cache_decision *d, const char *table_cache);

/* The two caches of one source, named once before the load (moved here from
 * engine.h: which files a mode uses, and where notes go, is policy). */
typedef struct cache_pair {
    int enabled;                /* 0: neither read nor write (--no-cache, no cache folder) */
    char table_cache[4352];     /* the table cache (cache_file_path) */
    char facts[4352 + 8];       /* its facts cache (cache_facts_path) */
    int columns_skipped;        /* the table was mapped without its column check */
    int id_known;               /* id is the table cache's identity, given by its loader
                                 * (a ClickHouse source's .ntw, chcache.c) instead of
                                 * read by cache_table_id */
    uint64_t id;
    FILE *notes;                /* one line per cache event, or NULL */
} cache_pair;

/* Names the caches of source (dir: --cache-dir or NULL). 0, or -1 when
 * disabled or no cache can be named (c->enabled is then 0). */
int cache_pair_init(cache_pair *c, const char *source, const char *dir, int enabled, FILE *notes);

#endif
