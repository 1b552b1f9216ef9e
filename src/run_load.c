/* run_load.c: the one place a mode gets its flow table: options -> loader,
 * with a progress bar on stderr when it is a terminal, through the columnar
 * cache (cache_load_or_parse: mapped when fresh, else parsed and saved). */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "nettui/cache.h"
#include "cli.h"
#include "nettui/chsource.h"
#include "nettui/util.h"

typedef struct progress_bar {
    double start;
    int drawn;
} progress_bar;


static int terminal_columns(void)
{
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 20) return ws.ws_col;
    return 80;
}

/* "loading [#######.......]  45%  312 MB/s  12345678 rows" on one line. */
static int draw_progress(void *user, uint64_t done, uint64_t total, uint64_t rows)
{
    progress_bar *pb = user;
    double elapsed = util_now() - pb->start;
    double frac = total ? (double)done / (double)total : 1.0;
    if (frac > 1) frac = 1;
    double mbs = elapsed > 0 ? (double)done / 1e6 / elapsed : 0;
    char tail[80];
    snprintf(tail, sizeof tail, " %3d%%  %5.0f MB/s  %llu rows", (int)(frac * 100), mbs,
             (unsigned long long)rows);
    /* a bar of steady width: the tail's room is fixed, not its current length */
    int width = terminal_columns() - 11 - 40;   /* "loading [" + "]" + a spare column */
    if (width > 50) width = 50;
    if (width < 0) width = 0;
    int fill = (int)(frac * width);
    char bar[64];
    for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
    bar[width] = 0;
    /* spaces, not ESC [K, clear the rest of the line: a dumb terminal
     * (TERM=dumb, an editor's shell) shows escape sequences as garbage */
    int pad = terminal_columns() - 1 - 10 - width;
    fprintf(stderr, "\rloading [%s]%-*s", bar, pad > 0 ? pad : 0, tail);
    fflush(stderr);
    pb->drawn = 1;
    return 0;
}

/* One line on stderr when more than 1% of the lines were skipped as bad:
 * the share and the kinds, most first ("timestamp: 36.9%"). A file read in
 * the wrong time unit, or mostly not flows, must not pass for a clean one. */
static void bad_lines_note(const load_report *rep)
{
    uint64_t data = rep->lines - (rep->had_header && rep->lines ? 1 : 0);
    if (!data || rep->bad_total * 100 <= data) return;
    int order[BAD_KIND_COUNT], n = 0;
    for (int k = 0; k < BAD_KIND_COUNT; k++)
        if (rep->bad[k]) order[n++] = k;
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && rep->bad[order[j]] > rep->bad[order[j - 1]]; j--) {
            int x = order[j]; order[j] = order[j - 1]; order[j - 1] = x;
        }
    char kinds[256] = "";
    size_t len = 0;
    for (int i = 0; i < n && len < sizeof kinds; i++)
        len += (size_t)snprintf(kinds + len, sizeof kinds - len, "%s%s: %.1f%%", i ? ", " : "",
                                load_bad_kind_name((bad_kind)order[i]), 100.0 * (double)rep->bad[order[i]] / (double)data);
    fprintf(stderr, "nettui: %.1f%% of lines were skipped as bad (%s); --summary lists them.\n",
            100.0 * (double)rep->bad_total / (double)data, kinds);
}

void cli_ch_options(const cli_options *o, ch_options *co)
{
    memset(co, 0, sizeof *co);
    co->where = o->where;
    co->timeout_s = o->timeout;
    co->password_file = o->password_file;
    co->password = o->ch_password;
    co->internal = o->internal;
    co->internal_set = o->internal_set;
    co->progress = o->progress;
    co->cache = o->ch_cache;
    co->cache_dir = o->cache_dir;
}

void cli_engine_options(const cli_options *o, engine_options *eo)
{
    engine_options_default(eo);
    eo->work_start = o->work_start;
    eo->work_end = o->work_end;
    eo->threads = o->threads;
    eo->internal_set = o->internal_set;
    eo->internal = o->internal;
}

static FILE *facts_notes;
static char *facts_buf;
static size_t facts_len;

int cli_finish(void)
{
    int failed = cache_write_finish(stderr);
    if (facts_notes) {
        fclose(facts_notes);
        facts_notes = NULL;
        if (!failed && facts_buf) fputs(facts_buf, stderr);
        free(facts_buf);
        facts_buf = NULL;
    }
    return failed;
}

static int load_table(const cli_options *o, flow_table *t, load_report *rep, int *from_cache, cache_pair *fc,
                      int (*skip_columns)(void *, const char *, uint64_t), void *skip_user);

/* ---- a ClickHouse load that SIGINT, SIGTERM or SIGHUP end cleanly ---------------
 * While the queries run, these signals only set a flag; the running query
 * sees it through ch_query's cancel hook (within a second), drops its
 * connection, and ch_load returns having written nothing (the local cache
 * is written only after every query, whole, and a signal during that write
 * waits for it to finish). Then the signal's own action is restored and the
 * signal raised again, so the program ends as the signal says (status 130
 * for SIGINT in a shell), after one line on stderr. Outside this window the
 * handlers are what they were (atomic.c's removal of temporary files). */
static volatile sig_atomic_t ch_signal;

static void on_ch_signal(int sig) { ch_signal = sig; }

static int ch_interrupted(void *user) { (void)user; return ch_signal != 0; }

static int ch_load_interruptible(const char *url, const ch_options *co, flow_table *t, load_report *rep, int *from_cache)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    struct sigaction old[3], sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_ch_signal;
    sigemptyset(&sa.sa_mask);
    int caught[3] = {0, 0, 0};
    for (int k = 0; k < 3; k++)   /* only where the signal would end the program */
        caught[k] = !sigaction(sigs[k], NULL, &old[k]) && !(old[k].sa_flags & SA_SIGINFO) && old[k].sa_handler == SIG_DFL
                    && !sigaction(sigs[k], &sa, NULL);
    ch_signal = 0;
    int status = ch_load(url, co, t, rep, from_cache);
    for (int k = 0; k < 3; k++) if (caught[k]) sigaction(sigs[k], &old[k], NULL);
    int sig = ch_signal;
    if (sig) {
        flows_free(t);
        fprintf(stderr, "nettui: interrupted while querying ClickHouse; nothing was kept.\n");
        raise(sig);
        return EXIT_FAILURE_RUN;   /* the signal was ignored after all */
    }
    return status;
}

int cli_load_table(const cli_options *o, flow_table *t, load_report *rep, int *from_cache)
{
    return load_table(o, t, rep, from_cache, NULL, NULL, NULL);
}

int cli_load_table_facts(const cli_options *o, flow_table *t, load_report *rep, int *from_cache, cache_pair *fc)
{
    return load_table(o, t, rep, from_cache, fc, NULL, NULL);
}

int cli_load_table_skip(const cli_options *o, flow_table *t, load_report *rep, int *from_cache,
                        int (*skip_columns)(void *user, const char *cpath, uint64_t table_id), void *user)
{
    return load_table(o, t, rep, from_cache, NULL, skip_columns, user);
}

static int load_table(const cli_options *o, flow_table *t, load_report *rep, int *from_cache, cache_pair *fc,
                      int (*skip_columns)(void *, const char *, uint64_t), void *skip_user)
{
    if (o->clickhouse) {   /* the server groups the flows; its own cache (chcache.c) names the facts cache */
        if (fc) memset(fc, 0, sizeof *fc);
        *from_cache = 0;
        ch_options co;
        cli_ch_options(o, &co);
        co.facts = fc;
        co.cancel = ch_interrupted;
        int status = ch_load_interruptible(o->path, &co, t, rep, from_cache);
        if (status != EXIT_OK) fprintf(stderr, "nettui: %s\n", rep->error);
        return status;
    }
    load_options lo;
    load_options_default(&lo);
    lo.threads = o->threads;
    lo.format = o->format;
    /* the table's own internal flags are the loader's default; the engine
     * classifies hosts itself (engine_options.internal), so the table cache
     * does not depend on --internal */
    progress_bar pb = {util_now(), 0};
    if (o->progress) {
        lo.progress = draw_progress;
        lo.user = &pb;
    }
    *from_cache = 0;
    cache_options co;
    cache_options_default(&co);
    co.enabled = !o->no_cache;
    co.dir = o->cache_dir;
    co.threads = o->threads;
    co.background = 1;   /* the caller prints first, then cache_write_finish */
    /* the facts cache's notes wait for cli_finish: a table cache that
     * cannot be written makes the facts cache fail too, and one line says it */
    if (fc && !facts_notes) facts_notes = open_memstream(&facts_buf, &facts_len);
    if (fc && !cache_pair_init(fc, o->path, o->cache_dir, !o->no_cache, facts_notes ? facts_notes : stderr)) {
        co.skip_columns = engine_cache_skip_columns;
        co.user = fc;
    }
    if (skip_columns) {
        co.skip_columns = skip_columns;
        co.user = skip_user;
    }
    char *notes = NULL;    /* the cache's notes wait until the bar is gone */
    size_t notes_len = 0;
    co.notes = open_memstream(&notes, &notes_len);
    if (!co.notes) co.notes = stderr;
    int status = o->is_set ? load_set(o->paths, o->npaths, &lo, t, rep)
                           : cache_load_or_parse(o->path, &lo, &co, t, rep, from_cache);
    if (co.notes != stderr) fclose(co.notes);
    if (pb.drawn) {
        fprintf(stderr, "\r%*s\r", terminal_columns() - 1, "");   /* the bar goes once the table is there */
        fflush(stderr);
    }
    if (notes) fputs(notes, stderr);
    free(notes);
    if (status != EXIT_OK) fprintf(stderr, "nettui: %s\n", rep->error);
    else bad_lines_note(rep);
    return status;
}
