/* load_screen.c: the loading screen. Loads the file through load_file() with
 * a progress callback that draws a bar, rows, MB/s, elapsed and remaining
 * time; then builds the engine on a worker thread while the screen stays
 * alive. Ctrl-C (or q) cancels either phase. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nettui/cache.h"
#include "nettui/chsource.h"
#include "ui.h"
#include "nettui/util.h"

typedef struct load_progress {
    app *a;
    double t0, last_draw;
    uint64_t done, total, rows;
    int cancelled;
} load_progress;


static void fmt_duration(double s, char *buf, size_t len)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, len, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, len, "%ld:%02ld", t / 60, t % 60);
}

static const char *base_name(const char *p)
{
    const char *s = strrchr(p, '/');
    return s ? s + 1 : p;
}

static void draw_frame(app *a, const char *phase, double frac, const load_progress *lp, double elapsed);

/* A ClickHouse source's query about to run (chsource.h: on_query): its
 * name on the loading screen, and how long the one before took. */
static void on_ch_query(void *user, const char *what, double last_seconds)
{
    app *a = user;
    static char done[4][96];   /* the queries before, with their seconds */
    static int ndone;
    static char last[96];
    if (last_seconds < 0) ndone = 0;
    else if (ndone < 4) snprintf(done[ndone++], sizeof done[0], "%5.1f s  %.80s", last_seconds, last);
    snprintf(last, sizeof last, "%s", what);
    char phase[160];
    snprintf(phase, sizeof phase, "ClickHouse: %s, for", what);
    draw_frame(a, phase, -1, NULL, 0);
    int w = COLS - 8 < 72 ? COLS - 8 : 72;
    if (w < 20) w = COLS;
    int x = (COLS - w) / 2 > 0 ? (COLS - w) / 2 : 0, y = LINES / 2 - 5 > 0 ? LINES / 2 - 5 : 0;
    for (int k = 0; k < ndone; k++) draw_text(stdscr, y + 2 + k, x, w, done[k], A_NORMAL, 0);
    refresh();
}

/* One frame: what phase, a bar when the fraction is known, and the numbers. */
static void draw_frame(app *a, const char *phase, double frac, const load_progress *lp, double elapsed)
{
    char b1[32], b2[32], b3[32], line[256];
    erase();
    int w = COLS - 8 < 72 ? COLS - 8 : 72;
    if (w < 20) w = COLS;
    int x = (COLS - w) / 2, y = LINES / 2 - 5;
    if (y < 0) y = 0;
    if (x < 0) x = 0;
    snprintf(line, sizeof line, "nettui: %s %s", phase, base_name(a->opt->path));
    draw_text(stdscr, y, x, w, line, term_attr(ROLE_TITLE), 0);
    if (frac >= 0) {
        int bw = w - 7;
        mvaddch(y + 2, x, '[');
        draw_hbar(stdscr, y + 2, x + 1, bw, frac, term_attr(ROLE_BAR));
        mvaddch(y + 2, x + 1 + bw, ']');
        draw_textf(stdscr, y + 2, x + bw + 3, 5, A_NORMAL, "%3.0f%%", frac * 100);
    }
    if (lp) {
        numfmt_count(lp->rows, b1, sizeof b1);
        draw_textf(stdscr, y + 4, x, w, A_NORMAL, "rows so far    %s", b1);
        double mbps = elapsed > 0 ? lp->done / 1e6 / elapsed : 0;
        fmt_si((double)lp->done, b1, sizeof b1);
        fmt_si((double)lp->total, b2, sizeof b2);
        draw_textf(stdscr, y + 5, x, w, A_NORMAL, "read           %sB of %sB at %.0f MB/s", b1, b2, mbps);
        fmt_duration(elapsed, b1, sizeof b1);
        if (lp->done > 0 && lp->total > lp->done && elapsed > 0.3)
            fmt_duration(elapsed * (double)(lp->total - lp->done) / (double)lp->done, b3, sizeof b3);
        else
            snprintf(b3, sizeof b3, "%s", lp->done >= lp->total && lp->total ? "0:00" : "-");
        draw_textf(stdscr, y + 6, x, w, A_NORMAL, "elapsed        %s   remaining about %s", b1, b3);
    } else {
        fmt_duration(elapsed, b1, sizeof b1);
        draw_textf(stdscr, y + 4, x, w, A_NORMAL, "elapsed        %s", b1);
    }
    draw_text(stdscr, y + 8, x, w, "Ctrl-C or q cancels.", term_attr(ROLE_DIM), 0);
    refresh();
}

/* Polls the keyboard without waiting: 1 when the person asked to cancel. */
static int cancel_requested(void)
{
    nodelay(stdscr, TRUE);
    int ch, cancel = 0;
    while ((ch = getch()) != ERR)
        if (ch == 'q' || ch == 'Q' || ch == 3) cancel = 1;
    nodelay(stdscr, FALSE);
    return cancel || term_interrupted();
}

static int on_progress(void *user, uint64_t done, uint64_t total, uint64_t rows)
{
    load_progress *lp = user;
    lp->done = done; lp->total = total; lp->rows = rows;
    double t = util_now();
    if (t - lp->last_draw >= 0.1) {
        lp->last_draw = t;
        draw_frame(lp->a, "loading", total ? (double)done / (double)total : 0, lp, t - lp->t0);
        if (cancel_requested()) lp->cancelled = 1;
    }
    return lp->cancelled;
}

/* A ClickHouse query running (chsource.h: cancel): the keyboard is
 * polled at most ten times a second, however often libcurl asks. */
static int ch_cancel(void *user)
{
    load_progress *lp = user;
    double t = util_now();
    if (!lp->cancelled && t - lp->last_draw >= 0.1) {
        lp->last_draw = t;
        if (cancel_requested()) lp->cancelled = 1;
    }
    return lp->cancelled || term_interrupted();
}

typedef struct build_job {
    app *a;
    engine_options eo;
    cache_pair fc;   /* the facts cache, named before the table load */
    char err[256];
    atomic_int done;
} build_job;

static void *build_thread(void *arg)
{
    build_job *j = arg;
    app *a = j->a;
    int cached;
    a->eng = engine_open(&a->table, &j->eo, &j->fc, &cached, j->err, sizeof j->err);
    a->columns_unchecked = j->fc.columns_skipped;   /* saved facts: the Flows view checks them first */
    if (a->eng) {
        if (blacklist_init(&a->bl, a->table.hosts.n)) {
            snprintf(j->err, sizeof j->err, "out of memory for the blacklist");
        } else {
            engine_run(a->eng, &a->bl, a->f);
            a->runs = 1;
        }
    }
    atomic_store(&j->done, 1);
    return NULL;
}

int load_screen_run(app *a, char *err, size_t errlen)
{
    const cli_options *o = a->opt;
    load_options lo;
    load_options_default(&lo);
    lo.threads = o->threads;
    lo.format = o->format;
    /* the engine classifies hosts (cli_engine_options), not the table */
    load_progress lp = {.a = a, .t0 = util_now()};
    lo.progress = on_progress;
    lo.user = &lp;
    draw_frame(a, "loading", 0, &lp, 0);

    /* The batch modes' way in (cache_load_or_parse), with our progress hook;
     * cache notes go to a buffer, since stderr is under the screen. */
    cache_options co;
    cache_options_default(&co);
    co.enabled = !o->no_cache;
    co.dir = o->cache_dir;
    co.threads = o->threads;
    co.background = 1;   /* the panes show while a thread writes the cache (app_free waits) */
    static build_job job;   /* outlives a cancelled build */
    memset(&job, 0, sizeof job);
    if (!cache_pair_init(&job.fc, o->path, o->cache_dir, !o->no_cache, NULL)) {
        co.skip_columns = engine_cache_skip_columns;   /* saved facts: no column is read */
        co.user = &job.fc;
    }
    char *notes = NULL;
    size_t notes_len = 0;
    co.notes = open_memstream(&notes, &notes_len);
    int rc;
    if (o->clickhouse) {   /* the server groups the flows (chsource.h); stderr is under the screen */
        ch_options cho;
        cli_ch_options(o, &cho);
        cho.progress = 0;
        cho.on_query = on_ch_query;
        cho.user = a;
        cho.facts = &job.fc;   /* the facts cache beside the source's own cache */
        cho.cancel = ch_cancel;   /* q or Ctrl-C while a query runs */
        cho.cancel_user = &lp;
        draw_frame(a, "querying ClickHouse", 0, &lp, 0);
        rc = ch_load(o->path, &cho, &a->table, &a->report, &a->from_cache);
        job.fc.notes = NULL;   /* stderr is under the screen */
    } else {
        rc = o->is_set ? load_set(o->paths, o->npaths, &lo, &a->table, &a->report)
                       : cache_load_or_parse(o->path, &lo, &co, &a->table, &a->report, &a->from_cache);
    }
    if (co.notes) fclose(co.notes);
    if (notes && notes_len) {
        char *nl = strchr(notes, '\n');
        if (nl) *nl = 0;
        app_message(a, 1, "%s", notes);
    }
    free(notes);
    a->load_seconds = util_now() - lp.t0;
    if (lp.cancelled || term_interrupted()) {
        flows_free(&a->table);
        snprintf(err, errlen, "nettui: loading cancelled.");
        return EXIT_FAILURE_RUN;
    }
    if (rc != EXIT_OK) {
        const char *e = a->report.error[0] ? a->report.error : "the file could not be loaded.";
        snprintf(err, errlen, "%s%s", strncmp(e, "nettui", 6) ? "nettui: " : "", e);
        return rc;
    }

    job.a = a;
    cli_engine_options(o, &job.eo);
    pthread_t th;
    a->build_running = 1;
    if (pthread_create(&th, NULL, build_thread, &job)) {
        build_thread(&job);
    } else {
        double t0 = util_now();
        while (!atomic_load(&job.done)) {
            draw_frame(a, "finding the ten answers in", -1, NULL, util_now() - t0);
            if (cancel_requested()) {
                snprintf(err, errlen, "nettui: cancelled while building the aggregates.");
                return EXIT_FAILURE_RUN;
            }
            napms(100);
        }
        pthread_join(th, NULL);
    }
    a->build_running = 0;
    if (!a->eng || !a->bl.user) {
        snprintf(err, errlen, "nettui: %s", job.err[0] ? job.err : "out of memory while building the aggregates.");
        return EXIT_FAILURE_RUN;
    }
    return EXIT_OK;
}
