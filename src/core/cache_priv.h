/* cache_priv.h: what the table cache's units share, private to
 * src/core/cache*.c:
 *   cache.c         the file format: write a table, read and check one;
 *   cache_paths.c   where the files are (cache.h: cache_dir_path, ...);
 *   cache_bg.c      the write on a thread, while the caller goes on;
 *   cache_policy.c  what to use, build or remove (cache_policy.h), and the
 *                   one way in, cache_load_or_parse. */
#ifndef NETTUI_CACHE_PRIV_H
#define NETTUI_CACHE_PRIV_H

#include <stdint.h>

#include "nettui/cache.h"
#include "nettui/cache_policy.h"

/* What identifies the source a cache was made from. */
typedef struct source_key {
    uint64_t size;
    int64_t mtime_ns;
    uint64_t head, tail;      /* hashes of the first and last megabyte */
} source_key;

/* Stats source and hashes its first and last megabyte. 0 or -1 (errno). */
int cache_source_key(const char *source, source_key *k);
static inline int cache_same_key(const source_key *a, const source_key *b)
{
    return a->size == b->size && a->mtime_ns == b->mtime_ns && a->head == b->head && a->tail == b->tail;
}

/* cache_save for a source already keyed (abs_source: its absolute path).
 * on_id (may be NULL) learns the new cache's identity (its header checksum)
 * as soon as it is known, before the slow part (write, fsync, rename), or
 * that there will be none (ok 0). */
int cache_save_keyed(const char *cpath, const char *abs_source, const source_key *key,
                     const flow_table *t, const load_report *rep, int threads,
                     char *err, size_t errlen, void (*on_id)(int ok, uint64_t id));

/* cache_load, where skip (when set) may waive the column pass: it is asked
 * once the header, the source and the small sections check out. On
 * CACHE_REJECTED *reason says why (why says it to a person). */
cache_result cache_load_skip(const char *cpath, const char *source, const cidr_list *internal,
                             int threads, flow_table *t, load_report *rep, char *why, size_t whylen,
                             cache_reason *reason, int (*skip)(void *, const char *, uint64_t), void *user);

/* mkdir -p, the last components private to the user. 0 or -1 (errno). */
int cache_make_dirs(const char *path);

/* cache_bg.c: starts writing t's cache on a thread (one at a time); 0, or -1
 * when one is under way or no thread starts (the caller then writes it). */
int cache_bg_start(const char *cpath, const char *abs, const source_key *key, const flow_table *t,
                   const load_report *rep, int threads);
/* The identity of the cache being written for t at cpath: 1 (id set), 0 (no
 * such write), -1 (the write fails before it has one). */
int cache_bg_table_id(const char *cpath, const flow_table *t, uint64_t *id);

#endif
