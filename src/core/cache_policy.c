/* cache_policy.c: what happens to a source's two caches (cache_policy.h):
 * the decisions for every state a table cache or a facts cache can be in,
 * the removals they call for, the pair of cache names a mode uses, and the
 * one way in for every mode, cache_load_or_parse (the table from its cache
 * when the policy says use it, else parsed and a new cache written). */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cache_priv.h"
#include "nettui/atomic.h"
#include "nettui/cache.h"
#include "nettui/cache_policy.h"
#include "nettui/hostidx.h"
#include "nettui/load.h"
#include "nettui/mapguard.h"
#include "nettui/util.h"

#define STALE_TMP_SECONDS 3600   /* a temporary file this old, of a dead writer, is removed */

/* ---- the decisions --------------------------------------------------------- */

cache_decision cache_decide(cache_kind kind, cache_reason why)
{
    cache_decision d = {0};
    switch (why) {
    case CACHE_REASON_NONE:
        d.use = 1;
        break;
    case CACHE_REASON_ABSENT:
        break;                          /* build it, write it */
    case CACHE_REASON_COLUMNS_DAMAGED:
        /* the table in hand is the damaged one: both caches go (the facts
         * are keyed to it), and the run stops; the next one rebuilds */
        d.remove_table = d.remove_facts = d.remove_index = d.fail = 1;
        break;
    case CACHE_REASON_NOT_WRITTEN:
        /* facts and an index saved meanwhile for a table cache that never came */
        d.remove_facts = d.remove_index = 1;
        break;
    case CACHE_REASON_OTHER_TABLE:
    case CACHE_REASON_OTHER_NETWORK:
        /* facts: the expected miss after a rebuilt table cache or another
         * --internal; rewritten quietly. A table cache for another
         * --internal list is said, as any other miss of a table cache. */
        if (kind == CACHE_KIND_TABLE) d.remove_table = d.remove_index = d.note = 1;
        break;
    case CACHE_REASON_STALE:
    case CACHE_REASON_OTHER_SOURCE:
    case CACHE_REASON_OTHER_VERSION:
    case CACHE_REASON_DAMAGED:
    case CACHE_REASON_UNREADABLE:
    case CACHE_REASON_SOURCE_UNREADABLE:
        /* a table cache that cannot serve goes before the parse (no use to
         * anyone, and a failed parse must not leave it to be rejected
         * again); a facts file is written over by the build's save */
        d.note = 1;
        d.remove_table = d.remove_index = kind == CACHE_KIND_TABLE;
        break;
    }
    return d;
}

const char *cache_reason_name(cache_reason why)
{
    switch (why) {
    case CACHE_REASON_NONE: return "none";
    case CACHE_REASON_ABSENT: return "absent";
    case CACHE_REASON_STALE: return "stale";
    case CACHE_REASON_OTHER_SOURCE: return "other source";
    case CACHE_REASON_OTHER_NETWORK: return "other network";
    case CACHE_REASON_OTHER_TABLE: return "other table";
    case CACHE_REASON_OTHER_VERSION: return "other version";
    case CACHE_REASON_DAMAGED: return "damaged";
    case CACHE_REASON_UNREADABLE: return "unreadable";
    case CACHE_REASON_SOURCE_UNREADABLE: return "source unreadable";
    case CACHE_REASON_COLUMNS_DAMAGED: return "columns damaged";
    case CACHE_REASON_NOT_WRITTEN: return "not written";
    }
    return "?";
}

void cache_apply(const cache_decision *d, const char *table_cache)
{
    if (d->remove_table) unlink(table_cache);
    char fp[PATH_MAX + 80];
    if (d->remove_facts && !cache_facts_path(table_cache, fp, sizeof fp)) unlink(fp);
    if (d->remove_index) hostidx_remove_beside(table_cache);
}

int cache_pair_init(cache_pair *c, const char *source, const char *dir, int enabled, FILE *notes)
{
    memset(c, 0, sizeof *c);
    c->notes = notes;
    char abs[PATH_MAX], err[256];
    if (!enabled || !realpath(source, abs)
        || cache_file_path(abs, dir, c->table_cache, sizeof c->table_cache, err, sizeof err)
        || cache_facts_path(c->table_cache, c->facts, sizeof c->facts))
        return -1;
    c->enabled = 1;
    return 0;
}

/* ---- the one way in ------------------------------------------------------ */

void cache_options_default(cache_options *o)
{
    memset(o, 0, sizeof *o);
    o->enabled = 1;
    o->notes = stderr;
}

int cache_load_or_parse(const char *path, const load_options *lo, const cache_options *co,
                        flow_table *t, load_report *rep, int *from_cache)
{
    char cpath[PATH_MAX + 64], abs[PATH_MAX], msg[PATH_MAX + 256];
    source_key before, after;
    int use_cache = co && co->enabled;
    FILE *notes = co ? co->notes : NULL;
    *from_cache = 0;

    /* A source that cannot be resolved is load_file's to report. */
    if (use_cache && (!realpath(path, abs) || cache_file_path(abs, co->dir, cpath, sizeof cpath, msg, sizeof msg)))
        use_cache = 0;
    /* A source that cannot be read now (permissions, a vanished mount) is
     * load_file's to report, in one sentence; its caches are not wrong, so
     * they stay untouched for when it can be read again. */
    if (use_cache && cache_source_key(abs, &before)) use_cache = 0;
    /* temporary files of writers that died (SIGKILL, a crash) in this folder */
    if (use_cache) {
        char folder[sizeof cpath];
        snprintf(folder, sizeof folder, "%s", cpath);
        char *slash = strrchr(folder, '/');
        if (slash) {
            *slash = 0;
            atomic_sweep_stale(folder[0] ? folder : "/", ".ntc", STALE_TMP_SECONDS);
            atomic_sweep_stale(folder[0] ? folder : "/", ".ntc.facts", STALE_TMP_SECONDS);
            atomic_sweep_stale(folder[0] ? folder : "/", ".blacklist", STALE_TMP_SECONDS);
        }
    }
    /* the run after a cache was cut short under it (mapguard.h) parses */
    if (use_cache && !mapguard_retrying()) {
        double t0 = util_now();
        cache_reason why;
        cache_load_skip(cpath, abs, &lo->internal, co->threads ? co->threads : lo->threads,
                        t, rep, msg, sizeof msg, &why, co->skip_columns, co->user);
        cache_decision d = cache_decide(CACHE_KIND_TABLE, why);
        if (d.use) {
            rep->seconds = util_now() - t0;
            *from_cache = 1;
            return EXIT_OK;
        }
        if (d.note && notes) fprintf(notes, "nettui: the cache %s %s; rebuilding it.\n", cpath, msg);
        cache_apply(&d, cpath);
    }
    if (use_cache && cache_source_key(abs, &before)) use_cache = 0;

    int rc = load_file(path, lo, t, rep);
    if (rc != EXIT_OK || !use_cache || t->n == 0) return rc;

    /* The key is the one taken before parsing: a file that changes while it
     * is read gets no cache, and one that changes later a stale one. */
    if (cache_source_key(abs, &after) || !cache_same_key(&before, &after)) {
        if (notes) fprintf(notes, "nettui: %s changed while it was read; not caching it.\n", path);
        return rc;
    }
    int threads = co->threads ? co->threads : lo->threads;
    if (co->background && cache_bg_start(cpath, abs, &before, t, rep, threads) == 0) return rc;
    if (cache_save_keyed(cpath, abs, &before, t, rep, threads, msg, sizeof msg, NULL)) {
        if (notes) fprintf(notes, "nettui: cache not written (%s); going on without it.\n", msg);
    }
    return rc;
}
