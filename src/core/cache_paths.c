/* cache_paths.c: where the caches live (cache.h): the cache folder, a
 * source's table cache (named by a hash of its absolute path), the facts
 * cache beside it, and making the folder. Names only; no file is read. */
#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache_priv.h"
#include "nettui/cache.h"

int cache_dir_path(const char *dir, char *out, size_t len)
{
    int n;
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (dir && *dir) {
        n = snprintf(out, len, "%s", dir);
    } else if (xdg && xdg[0] == '/') {   /* the spec ignores relative values */
        n = snprintf(out, len, "%s/nettui", xdg);
    } else {
        const char *home = getenv("HOME");
        if (!home || !*home) {
            struct passwd *pw = getpwuid(getuid());
            home = pw ? pw->pw_dir : NULL;
        }
        if (!home || !*home) return -1;
        n = snprintf(out, len, "%s/.cache/nettui", home);
    }
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

int cache_file_path(const char *source, const char *dir, char *out, size_t len, char *err, size_t errlen)
{
    char abs[PATH_MAX], folder[PATH_MAX];
    if (!realpath(source, abs)) {
        snprintf(err, errlen, "cannot resolve %s: %s", source, strerror(errno));
        return -1;
    }
    if (cache_dir_path(dir, folder, sizeof folder)) {
        snprintf(err, errlen, "no cache folder: set --cache-dir, $XDG_CACHE_HOME or $HOME");
        return -1;
    }
    uint64_t h = 1469598103934665603ull;   /* FNV-1a 64 */
    for (const char *p = abs; *p; p++) { h ^= (uint8_t)*p; h *= 1099511628211ull; }
    int n = snprintf(out, len, "%s/%016llx.ntc", folder, (unsigned long long)h);
    if (n < 0 || (size_t)n >= len) {
        snprintf(err, errlen, "the cache path under %s is too long", folder);
        return -1;
    }
    return 0;
}

int cache_make_dirs(const char *path)
{
    char buf[PATH_MAX];
    size_t n = strlen(path);
    if (n >= sizeof buf) { errno = ENAMETOOLONG; return -1; }
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0) continue;
        char c = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0700) && errno != EEXIST) return -1;
        buf[i] = c;
    }
    struct stat st;
    if (stat(path, &st)) return -1;
    if (!S_ISDIR(st.st_mode)) { errno = ENOTDIR; return -1; }
    return 0;
}


int cache_facts_path(const char *table_cache, char *out, size_t len)
{
    int n = snprintf(out, len, "%s.facts", table_cache);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}
