/* mapguard.h: what happens when a mapped cache file is cut short.
 *
 * A warm open maps the table cache (cache.c) and reads its columns in place.
 * When another process truncates that file (truncate -s 0, a copy over it),
 * every page past its new end raises SIGBUS on the next read, on whatever
 * thread reads it: the engine's fused pass, the summary, the cache's column
 * check, a detector rerun after a blacklist change in the explorer.
 *
 * The design, and why:
 *  - The small sections (host dictionary, names, big-bytes list) are copied
 *    into ordinary memory at open (cache.c): nothing that prints a host name
 *    touches the mapping.
 *  - The columns stay mapped: a warm --answers with saved facts reads almost
 *    none of them (0.02 s at 2M rows; a pread copy of the 44 MB would double
 *    that, and cost 2 GB of memory and a second at full size).
 *  - A fault can therefore come on any thread, in the middle of a multi-pass
 *    computation (counts from one pass sizing the next). Resuming such code
 *    with made-up data, or unwinding one thread with siglongjmp while the
 *    others go on with half-built arrays, would trade a clean death for
 *    memory corruption, unless every pass of the engine (not this module's
 *    code) learnt to stop. So a fault inside a registered mapping ends the
 *    computation as a whole, from the SIGBUS handler, with only
 *    async-signal-safe calls: the listed temporary files are unlinked
 *    (atomic.h), the cut cache is unlinked (it is wrong now), the terminal
 *    is restored when the explorer registered how, one sentence goes to
 *    stderr, and then
 *      - batch modes (mapguard_allow_reexec) execve themselves once with
 *        NETTUI_CACHE_RETRY=1 set, and that run parses the source instead of
 *        reading the cache: the person gets the right answers, exit 0;
 *        nothing was written to stdout yet (the answers and the summary are
 *        printed after every pass over the columns);
 *      - otherwise, or when the retry is cut short too, _exit(1).
 *  - A fault outside every registered mapping is not ours: the previous
 *    action is restored and the fault repeats, so a genuine bug still ends
 *    the program as before. */
#ifndef NETTUI_MAPGUARD_H
#define NETTUI_MAPGUARD_H

#include <stddef.h>

/* Installs the SIGBUS handler once (later calls do nothing). 0 or -1. */
int mapguard_install(void);

/* Registers the mapping [base, base+len) of the cache file path. 0, or -1
 * when the registry is full (the mapping is then unguarded). */
int mapguard_register(const void *base, size_t len, const char *path);

/* Forgets base; call before munmap. Unknown bases are ignored. */
void mapguard_unregister(const void *base);

/* Batch modes: a fault re-executes the program (argv as given to main) once,
 * with the cache bypassed. Copies what it needs now (not in the handler). */
void mapguard_allow_reexec(char **argv);

/* 1 in the run a fault re-executed: read no cache, parse the source. */
int mapguard_retrying(void);

/* The explorer: an async-signal-safe function that puts the terminal back
 * (termios, cursor, main screen), called before the sentence; NULL: none. */
void mapguard_set_restore(void (*restore)(void));

#endif
