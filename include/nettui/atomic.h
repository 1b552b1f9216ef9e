/* atomic.h: write a file so that it is either wholly new or wholly old.
 *
 * Exports, the table cache and the facts cache all need the same steps: a
 * temporary file beside the target, fsync, rename over it, fsync the folder.
 * A failure at any step (full disk, `ulimit -f`, no permission) removes the
 * temporary file and leaves any earlier file at the path untouched. */
#ifndef NETTUI_ATOMIC_H
#define NETTUI_ATOMIC_H

#include <signal.h>

typedef struct atomic_file {
    int fd;                  /* write the new contents here */
    char *path;              /* the target (malloc'd copy) */
    char *tmp;               /* the temporary file beside it (malloc'd) */
    struct sigaction old_xfsz;
} atomic_file;

/* Creates the temporary file (mode 0644) beside path. Until atomic_commit or
 * atomic_abort, SIGXFSZ is ignored so that a write past `ulimit -f` fails
 * with EFBIG instead of ending the program. 0, or -1 with errno set. */
int atomic_open(atomic_file *f, const char *path);
/* fsync, close, rename over the path, fsync the folder. 0, or -1 with errno
 * set and *step naming the step that failed ("sync", "close", "rename");
 * on failure the temporary file is removed. step may be NULL. */
int atomic_commit(atomic_file *f, const char **step);
/* Gives up: closes and removes the temporary file, keeping errno. */
void atomic_abort(atomic_file *f);

/* Temporary files are named <path>.tmp.<writer pid>.XXXXXX and listed while
 * they exist; SIGINT, SIGTERM and SIGHUP (when they still have their default
 * action) remove every listed file, then end the program as the signal
 * would have. atomic_unlink_all() does that removal; async-signal-safe, for
 * other fatal paths (mapguard.c) and a program that ends with a write still
 * running on a thread (after it, atomic_open fails with ECANCELED). */
void atomic_unlink_all(void);

/* Removes the temporary files in dir left by writers that died (SIGKILL, a
 * crash, a power cut): those whose target name ends in suffix (".ntc"),
 * older than max_age_seconds, and whose writer pid is no longer running
 * (a name without a pid, from an older nettui, only needs the age). Returns
 * how many were removed. */
int atomic_sweep_stale(const char *dir, const char *suffix, int max_age_seconds);

#endif
