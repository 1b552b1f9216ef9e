/* mapguard.c: a mapped cache cut short ends the computation cleanly (see
 * mapguard.h for the design and the reasons). */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nettui/atomic.h"
#include "nettui/mapguard.h"

#define SLOTS 16
#define RETRY_ENV "NETTUI_CACHE_RETRY"

typedef struct slot {
    _Atomic uintptr_t base;     /* 0: free; published last on register */
    size_t len;
    char path[PATH_MAX];
} slot;

static slot slots[SLOTS];
static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sigaction previous;
static atomic_int installed;
static char **reexec_argv;               /* NULL: no re-execution */
static char **reexec_envp;
static void (*_Atomic restore_fn)(void);

static void put(const char *s)
{
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(STDERR_FILENO, s, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return;
        s += w; n -= (size_t)w;
    }
}

/* Not our fault: the previous action, or the default one (the fault repeats
 * when the handler returns and ends the program with SIGBUS). */
static void not_ours(int sig, siginfo_t *si, void *ctx)
{
    if (previous.sa_flags & SA_SIGINFO) {
        if (previous.sa_sigaction) { previous.sa_sigaction(sig, si, ctx); return; }
    } else if (previous.sa_handler != SIG_DFL && previous.sa_handler != SIG_IGN) {
        previous.sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGBUS, &dfl, NULL);
}

static void on_sigbus(int sig, siginfo_t *si, void *ctx)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    const slot *s = NULL;
    for (int i = 0; i < SLOTS && !s; i++) {
        uintptr_t b = atomic_load_explicit(&slots[i].base, memory_order_acquire);
        if (b && a >= b && a - b < slots[i].len) s = &slots[i];
    }
    if (!s) { not_ours(sig, si, ctx); return; }

    /* one thread does this; any other faulting thread waits for the end */
    static atomic_flag once = ATOMIC_FLAG_INIT;
    if (atomic_flag_test_and_set(&once)) { for (;;) pause(); }
    atomic_unlink_all();
    unlink(s->path);
    void (*restore)(void) = atomic_load(&restore_fn);
    if (restore) restore();
    put("nettui: the cache ");
    put(s->path);
    if (reexec_argv && !mapguard_retrying()) {
        put(" was cut short while nettui read it; it is removed and the flow file is read again.\n");
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGBUS);
        sigprocmask(SIG_UNBLOCK, &set, NULL);
        execve("/proc/self/exe", reexec_argv, reexec_envp);
        put("nettui: cannot run again; run nettui once more.\n");
        _exit(1);
    }
    put(" was cut short while nettui read it; it is removed: run nettui again.\n");
    _exit(1);
}

int mapguard_install(void)
{
    if (atomic_exchange(&installed, 1)) return 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGBUS, &sa, &previous)) {
        atomic_store(&installed, 0);
        return -1;
    }
    return 0;
}

int mapguard_register(const void *base, size_t len, const char *path)
{
    if (mapguard_install() || strlen(path) >= PATH_MAX) return -1;
    int rc = -1;
    pthread_mutex_lock(&reg_lock);
    for (int i = 0; i < SLOTS; i++) {
        if (atomic_load(&slots[i].base)) continue;
        slots[i].len = len;
        strcpy(slots[i].path, path);
        atomic_store_explicit(&slots[i].base, (uintptr_t)base, memory_order_release);
        rc = 0;
        break;
    }
    pthread_mutex_unlock(&reg_lock);
    return rc;
}

void mapguard_unregister(const void *base)
{
    if (!base) return;
    pthread_mutex_lock(&reg_lock);
    for (int i = 0; i < SLOTS; i++)
        if (atomic_load(&slots[i].base) == (uintptr_t)base) atomic_store(&slots[i].base, 0);
    pthread_mutex_unlock(&reg_lock);
}

void mapguard_allow_reexec(char **argv)
{
    extern char **environ;
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **envp = malloc((n + 2) * sizeof *envp);
    if (!envp) return;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(environ[i], RETRY_ENV "=", sizeof RETRY_ENV)) envp[k++] = environ[i];
    envp[k++] = RETRY_ENV "=1";
    envp[k] = NULL;
    reexec_envp = envp;
    reexec_argv = argv;
    mapguard_retrying();   /* read the variable now, not in the handler */
}

int mapguard_retrying(void)
{
    static int cached = -1;
    if (cached < 0) {
        const char *v = getenv(RETRY_ENV);
        cached = v && *v == '1';
    }
    return cached;
}

void mapguard_set_restore(void (*restore)(void))
{
    atomic_store(&restore_fn, restore);
}
