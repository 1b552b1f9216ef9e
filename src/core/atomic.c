/* atomic.c: temporary file, fsync, rename (see atomic.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <dirent.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include "nettui/atomic.h"

/* ---- the temporary files in flight ------------------------------------------
 * A signal that ends the program (SIGINT, SIGTERM, SIGHUP) while a file is
 * written would leave its temporary file behind for good. Each temporary file
 * is listed here, in static memory a signal handler may read (no malloc, no
 * lock: a slot is claimed with a compare-and-swap, filled, then published);
 * the handler unlinks every listed file, restores the default action and
 * raises the signal again, so the program ends as it would have. SIGKILL
 * cannot be caught: atomic_sweep_stale() removes what it leaves. */
#define TMP_SLOTS 16
enum { SLOT_FREE, SLOT_FILLING, SLOT_READY };
static struct {
    atomic_int state;
    char path[PATH_MAX];
} tmp_slots[TMP_SLOTS];
static atomic_int handlers_installed;

static int tmp_register(const char *path)
{
    size_t n = strlen(path);
    if (n >= PATH_MAX) return -1;
    for (int i = 0; i < TMP_SLOTS; i++) {
        int expect = SLOT_FREE;
        if (!atomic_compare_exchange_strong(&tmp_slots[i].state, &expect, SLOT_FILLING)) continue;
        memcpy(tmp_slots[i].path, path, n + 1);
        atomic_store(&tmp_slots[i].state, SLOT_READY);
        return i;
    }
    return -1;    /* more than TMP_SLOTS writes at once: this one goes unlisted */
}

static void tmp_unregister(const char *path)
{
    for (int i = 0; i < TMP_SLOTS; i++)
        if (atomic_load(&tmp_slots[i].state) == SLOT_READY && !strcmp(tmp_slots[i].path, path)) {
            atomic_store(&tmp_slots[i].state, SLOT_FREE);
            return;
        }
}

static atomic_int closing;   /* set by atomic_unlink_all: the program is ending */

void atomic_unlink_all(void)
{
    atomic_store(&closing, 1);
    for (int i = 0; i < TMP_SLOTS; i++)
        if (atomic_load(&tmp_slots[i].state) == SLOT_READY) unlink(tmp_slots[i].path);
}

static void on_fatal_signal(int sig)
{
    atomic_unlink_all();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* Catches SIGINT, SIGTERM and SIGHUP where they still have their default
 * action (a caller that handles them itself, like the explorer, keeps its
 * handler and finishes or aborts its writes on its own). */
static void install_handlers(void)
{
    if (atomic_exchange(&handlers_installed, 1)) return;
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction cur;
        if (sigaction(sigs[i], NULL, &cur) || (cur.sa_flags & SA_SIGINFO) || cur.sa_handler != SIG_DFL) continue;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_fatal_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

/* "NAME.tmp.PID.XXXXXX" -> PID (0 when the name has no pid: an older nettui). */
static long tmp_name_pid(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    if (!t) return -1;
    t += 5;
    char *end;
    long pid = strtol(t, &end, 10);
    if (end == t || *end != '.' || pid <= 0) return 0;
    return pid;
}

int atomic_sweep_stale(const char *dir, const char *prefix_suffix, int max_age_seconds)
{
    DIR *d = opendir(dir);
    if (!d) return 0;
    int removed = 0;
    time_t now = time(NULL);
    struct dirent *de;
    while ((de = readdir(d))) {
        const char *name = de->d_name;
        const char *t = strstr(name, ".tmp.");
        if (!t) continue;
        /* the file the temporary was for must end in prefix_suffix (".ntc", ".facts" ...) */
        size_t sl = strlen(prefix_suffix);
        if ((size_t)(t - name) < sl || memcmp(t - sl, prefix_suffix, sl)) continue;
        long pid = tmp_name_pid(name);
        if (pid < 0) continue;
        struct stat st;
        if (fstatat(dirfd(d), name, &st, AT_SYMLINK_NOFOLLOW) || !S_ISREG(st.st_mode)) continue;
        if (now - st.st_mtime < max_age_seconds) continue;
        if (pid > 0 && (kill((pid_t)pid, 0) == 0 || errno != ESRCH)) continue;   /* its writer lives */
        if (unlinkat(dirfd(d), name, 0) == 0) removed++;
    }
    closedir(d);
    return removed;
}

/* Six characters of [A-Za-z0-9] (as mkstemp's), from the clock and a counter:
 * the name is ours alone anyway (it holds our pid), O_EXCL settles the rest. */
static void random_suffix(char *x)
{
    static atomic_uint counter;
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    uint64_t v = (uint64_t)ts.tv_nsec * 0x9e3779b97f4a7c15ull ^ (uint64_t)ts.tv_sec ^
                 ((uint64_t)atomic_fetch_add(&counter, 1) << 40);
    v ^= v >> 29; v *= 0xbf58476d1ce4e5b9ull; v ^= v >> 32;
    for (int i = 0; i < 6; i++) { x[i] = set[v % 62]; v /= 62; }
}

static void atomic_release(atomic_file *f)
{
    if (f->tmp) tmp_unregister(f->tmp);
    sigaction(SIGXFSZ, &f->old_xfsz, NULL);
    free(f->path);
    free(f->tmp);
    f->path = f->tmp = NULL;
    f->fd = -1;
}

int atomic_open(atomic_file *f, const char *path)
{
    size_t len = strlen(path);
    f->fd = -1;
    f->path = strdup(path);
    f->tmp = malloc(len + 40);
    if (!f->path || !f->tmp) {
        free(f->path); free(f->tmp);
        f->path = f->tmp = NULL;
        errno = ENOMEM;
        return -1;
    }
    /* the writer's pid in the name: atomic_sweep_stale leaves a live writer's file alone */
    snprintf(f->tmp, len + 40, "%s.tmp.%ld.XXXXXX", path, (long)getpid());
    install_handlers();
    struct sigaction ign = { .sa_handler = SIG_IGN };
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, &f->old_xfsz);
    /* listed before it exists: a signal between mkstemp and the listing
     * would otherwise leave it (unlinking a name not yet made is harmless) */
    char *x = f->tmp + strlen(f->tmp) - 6;
    int slot = -1;
    for (int tries = 0; tries < 100; tries++) {
        random_suffix(x);
        slot = tmp_register(f->tmp);
        f->fd = open(f->tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (f->fd >= 0 && atomic_load(&closing)) {   /* ending: a thread's late write leaves nothing */
            close(f->fd);
            unlink(f->tmp);
            f->fd = -1;
            errno = ECANCELED;
            break;
        }
        if (f->fd >= 0 || errno != EEXIST) break;
        if (slot >= 0) atomic_store(&tmp_slots[slot].state, SLOT_FREE);
        slot = -1;
    }
    if (f->fd < 0) {
        int e = errno;
        if (slot >= 0) atomic_store(&tmp_slots[slot].state, SLOT_FREE);
        free(f->tmp);
        f->tmp = NULL;
        atomic_release(f);
        errno = e ? e : EEXIST;
        return -1;
    }
    fchmod(f->fd, 0644);
    return 0;
}

void atomic_abort(atomic_file *f)
{
    int e = errno;
    if (f->fd >= 0) close(f->fd);
    if (f->tmp) unlink(f->tmp);
    atomic_release(f);
    errno = e;
}

int atomic_commit(atomic_file *f, const char **step)
{
    const char *what = "sync";
    if (fsync(f->fd)) goto fail;
    what = "close";
    int rc = close(f->fd);
    f->fd = -1;
    if (rc) goto fail;
    what = "rename";
    if (rename(f->tmp, f->path)) goto fail;
    /* the rename itself is durable once the folder is synced */
    char *dir = strdup(f->path);
    if (dir) {
        int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) { fsync(dfd); close(dfd); }
        free(dir);
    }
    atomic_release(f);
    return 0;
fail:
    if (step) *step = what;
    atomic_abort(f);
    return -1;
}
