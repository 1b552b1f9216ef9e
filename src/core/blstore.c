/* blstore.c: the person's blacklist choices between sessions (see blstore.h). */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/atomic.h"
#include "nettui/blstore.h"
#include "nettui/cache.h"

int blstore_path(const char *source, const char *dir, char *out, size_t len, char *err, size_t errlen)
{
    char cpath[PATH_MAX + 64];
    if (cache_file_path(source, dir, cpath, sizeof cpath, err, errlen)) return -1;
    size_t n = strlen(cpath);
    if (n < 4 || strcmp(cpath + n - 4, ".ntc")) { snprintf(err, errlen, "unexpected cache name %s", cpath); return -1; }
    cpath[n - 4] = 0;
    int w = snprintf(out, len, "%s.blacklist", cpath);
    if (w < 0 || (size_t)w >= len) { snprintf(err, errlen, "the blacklist path is too long"); return -1; }
    return 0;
}

/* host text with \, tab and newline escaped; 0 or -1 (write error) */
static int put_host(FILE *f, const char *s)
{
    for (; *s; s++) {
        int r = *s == '\\' ? fputs("\\\\", f) : *s == '\t' ? fputs("\\t", f) : *s == '\n' ? fputs("\\n", f) : fputc(*s, f);
        if (r == EOF) return -1;
    }
    return 0;
}

int blstore_save(const char *path, const char *source, const blacklist *bl, const host_dict *d,
                 char *err, size_t errlen)
{
    uint32_t n = bl->nhosts < d->n ? bl->nhosts : d->n, count = 0;
    for (uint32_t h = 0; h < n; h++) count += bl->user[h] == BL_USER_ADD || bl->user[h] == BL_USER_ALLOW;
    if (!count) {
        if (unlink(path) && errno != ENOENT) {
            snprintf(err, errlen, "cannot remove %s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    char folder[PATH_MAX];
    snprintf(folder, sizeof folder, "%s", path);
    char *slash = strrchr(folder, '/');
    if (slash && slash != folder) {   /* mkdir -p, as the cache does */
        *slash = 0;
        for (char *p = folder + 1; *p; p++)
            if (*p == '/') { *p = 0; mkdir(folder, 0700); *p = '/'; }
        mkdir(folder, 0700);
    }
    atomic_file af;
    if (atomic_open(&af, path)) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        return -1;
    }
    int fd2 = dup(af.fd);
    FILE *f = fd2 >= 0 ? fdopen(fd2, "w") : NULL;
    if (!f) {
        if (fd2 >= 0) close(fd2);
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        atomic_abort(&af);
        return -1;
    }
    int bad = fprintf(f, "# nettui blacklist choices for %s\n", source) < 0;
    for (uint32_t h = 0; h < n && !bad; h++) {
        if (bl->user[h] != BL_USER_ADD && bl->user[h] != BL_USER_ALLOW) continue;
        char buf[16];
        bad = fputs(bl->user[h] == BL_USER_ADD ? "add " : "allow ", f) == EOF
              || put_host(f, hosts_name(d, h, buf)) || fputc('\n', f) == EOF;
    }
    bad |= fflush(f) != 0 || ferror(f);
    int e = errno;
    fclose(f);
    if (bad) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(e ? e : EIO));
        atomic_abort(&af);
        return -1;
    }
    const char *step = NULL;
    if (atomic_commit(&af, &step)) {
        snprintf(err, errlen, "cannot %s %s: %s", step ? step : "write", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* undoes put_host in place; 0, or -1 for a stray backslash */
static int unescape(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s != '\\') { *o++ = *s; continue; }
        s++;
        if (*s == '\\') *o++ = '\\';
        else if (*s == 't') *o++ = '\t';
        else if (*s == 'n') *o++ = '\n';
        else return -1;
    }
    *o = 0;
    return 0;
}

int blstore_load(const char *path, blacklist *bl, const host_dict *d, int *restored, int *unknown,
                 char *err, size_t errlen)
{
    *restored = *unknown = 0;
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT) return 0;
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t cap = 0;
    ssize_t got;
    while ((got = getline(&line, &cap, f)) >= 0) {
        if (got && line[got - 1] == '\n') line[--got] = 0;
        if (!got || line[0] == '#') continue;
        int state;
        char *host;
        if (!strncmp(line, "add ", 4)) { state = BL_USER_ADD; host = line + 4; }
        else if (!strncmp(line, "allow ", 6)) { state = BL_USER_ALLOW; host = line + 6; }
        else { (*unknown)++; continue; }
        host_id h = unescape(host) ? HOST_NONE : hosts_find(d, host);
        if (h == HOST_NONE || h >= bl->nhosts) { (*unknown)++; continue; }
        bl->user[h] = (uint8_t)state;
        (*restored)++;
    }
    int bad = ferror(f);
    free(line);
    fclose(f);
    if (bad) { snprintf(err, errlen, "cannot read %s", path); return -1; }
    return 0;
}
