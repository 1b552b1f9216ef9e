/* cache_bg.c: the table cache written on a thread.
 *
 * The first open of a file need not wait for its cache: the write (checksums,
 * 2 GB of pwrite at full size, fsync, rename) runs on a thread while the
 * caller goes on with the table, which it must not free before
 * cache_write_finish. The only caller that needs the write is the facts
 * cache, which keys its file on the new cache's identity (cache_table_id):
 * that is known after the checksums, before the slow part, and
 * cache_table_id waits for it alone. One write at a time. */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "cache_priv.h"
#include "nettui/cache.h"
#include "nettui/cache_policy.h"

typedef struct bg_write {
    pthread_t th;
    int active;                     /* started, not joined */
    char cpath[PATH_MAX + 64], abs[PATH_MAX];
    source_key key;
    const flow_table *t;
    load_report rep;
    int threads;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int id_state;                   /* 0: not yet known, 1: known, -1: none */
    uint64_t id;
    int rc;
    char err[PATH_MAX + 256];
    atomic_int finished;            /* the thread is done: joining will not wait */
} bg_write;

static bg_write bg = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static void bg_id(int ok, uint64_t id)
{
    pthread_mutex_lock(&bg.mu);
    if (bg.id_state == 0) {
        bg.id_state = ok ? 1 : -1;
        bg.id = id;
    }
    pthread_cond_broadcast(&bg.cv);
    pthread_mutex_unlock(&bg.mu);
}

static void *bg_thread(void *arg)
{
    (void)arg;
    bg.rc = cache_save_keyed(bg.cpath, bg.abs, &bg.key, bg.t, &bg.rep, bg.threads, bg.err, sizeof bg.err, bg_id);
    bg_id(0, 0);   /* no-op when the identity was given */
    atomic_store(&bg.finished, 1);
    return NULL;
}

int cache_bg_start(const char *cpath, const char *abs, const source_key *key, const flow_table *t,
                   const load_report *rep, int threads)
{
    if (bg.active) return -1;
    snprintf(bg.cpath, sizeof bg.cpath, "%s", cpath);
    snprintf(bg.abs, sizeof bg.abs, "%s", abs);
    bg.key = *key;
    bg.t = t;
    bg.rep = *rep;
    bg.threads = threads;
    bg.id_state = 0;
    bg.rc = 0;
    bg.err[0] = 0;
    atomic_store(&bg.finished, 0);
    if (pthread_create(&bg.th, NULL, bg_thread, NULL)) return -1;
    bg.active = 1;
    return 0;
}

int cache_bg_table_id(const char *cpath, const flow_table *t, uint64_t *id)
{
    if (!bg.active || bg.t != t || !cpath || strcmp(cpath, bg.cpath)) return 0;
    pthread_mutex_lock(&bg.mu);
    while (bg.id_state == 0) pthread_cond_wait(&bg.cv, &bg.mu);
    int ok = bg.id_state == 1;
    *id = bg.id;
    pthread_mutex_unlock(&bg.mu);
    return ok ? 1 : -1;
}

/* A failed write: facts saved meanwhile for the cache that never came
 * (keyed to its identity, cache_table_id) are an orphan; the policy says
 * what goes. */
static void bg_failed_cleanup(void)
{
    cache_decision d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_NOT_WRITTEN);
    cache_apply(&d, bg.cpath);
}

int cache_write_finish(FILE *notes)
{
    if (!bg.active) return 0;
    pthread_join(bg.th, NULL);
    bg.active = 0;
    bg.t = NULL;
    if (bg.rc) bg_failed_cleanup();
    if (bg.rc && notes) fprintf(notes, "nettui: cache not written (%s); going on without it.\n", bg.err);
    return bg.rc ? -1 : 0;
}

int cache_write_pending(void)
{
    return bg.active;
}

int cache_write_poll(char *msg, size_t len)
{
    if (!bg.active || !atomic_load(&bg.finished)) return 0;
    pthread_join(bg.th, NULL);
    bg.active = 0;
    bg.t = NULL;
    if (!bg.rc) return 0;
    bg_failed_cleanup();
    snprintf(msg, len, "cache not written (%s)", bg.err);
    return 1;
}

