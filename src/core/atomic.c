/* atomic.c: temporary file, fsync, rename (see atomic.h). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/atomic.h"

static void atomic_release(atomic_file *f)
{
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
    f->tmp = malloc(len + 16);
    if (!f->path || !f->tmp) {
        free(f->path); free(f->tmp);
        errno = ENOMEM;
        return -1;
    }
    snprintf(f->tmp, len + 16, "%s.tmp.XXXXXX", path);
    struct sigaction ign = { .sa_handler = SIG_IGN };
    sigemptyset(&ign.sa_mask);
    sigaction(SIGXFSZ, &ign, &f->old_xfsz);
    f->fd = mkstemp(f->tmp);
    if (f->fd < 0) {
        int e = errno;
        atomic_release(f);
        errno = e;
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
