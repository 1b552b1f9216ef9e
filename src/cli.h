/* cli.h: the parsed command line and the modes it chooses; the program's
 * own glue, not part of the library (include/nettui/), so it lives in src/.
 *
 * main.c parses; each mode lives in its own file (run_*.c, src/ui) and
 * returns an exit status (nettui/status.h: EXIT_OK, EXIT_USAGE, ...). */
#ifndef NETTUI_CLI_H
#define NETTUI_CLI_H

#include "nettui/flows.h"
#include "nettui/load.h"
#include "nettui/engine.h"
#include "nettui/status.h"

typedef enum cli_mode { MODE_TUI, MODE_SUMMARY, MODE_ANSWERS, MODE_FLOWS } cli_mode;

typedef struct cli_options {
    cli_mode mode;
    const char *path;          /* the flow file (the first path of a set) */
    const char *const *paths;  /* every path on the command line (npaths) */
    int npaths;
    int is_set;                /* several files or a directory: load_set, no cache */
    const char *export_path;   /* --export PATH, or NULL */
    int json;                  /* --json */
    int threads;               /* --threads N, 0: cores */
    int work_start, work_end;  /* --work-hours A-B, -1: from the data */
    cidr_list internal;        /* --internal */
    int internal_set;          /* 1: --internal given; 0: inferred from the flows */
    int no_cache;              /* --no-cache */
    const char *cache_dir;     /* --cache-dir DIR, or NULL for the default */
    int fresh;                 /* --fresh: the explorer forgets the saved blacklist choices */
    int progress;              /* draw a progress bar on stderr (it is a terminal) */
    const char *filter;        /* --flows EXPR */
    int time_iso;              /* --time iso: ISO 8601 UTC timestamps in --flows */
    int format;                /* --format NAME: flow_format (format.h), 0 auto */
    const char *tz;            /* --tz ZONE, or NULL (UTC) */
    /* a ClickHouse source (chsource.h): path is then its URL without the
     * password, which main.c moved here out of the command line */
    int clickhouse;            /* path is a clickhouse:// or clickhouses:// URL */
    const char *ch_password;   /* the URL's password, or NULL */
    const char *where;         /* --where SQL, or NULL */
    double timeout;            /* --timeout SECONDS, 0: none */
    const char *password_file; /* --password-file F, or NULL */
    int ch_cache;              /* the source's own cache (chcache.c): no --no-cache */
} cli_options;

/* The ClickHouse source's options from the command line. */
struct ch_options;
void cli_ch_options(const cli_options *o, struct ch_options *co);

/* Loads o->path into t (from the cache when it is fresh, else by parsing,
 * then writes the cache), printing progress on stderr when o->progress.
 * *from_cache says which. Returns EXIT_OK or an EXIT_* status after printing
 * one sentence on stderr. */
int cli_load_table(const cli_options *o, flow_table *t, load_report *rep, int *from_cache);
/* The same, and names the facts cache in *fc for engine_open (its columns
 * then go unchecked when saved facts for the cache exist). */
int cli_load_table_facts(const cli_options *o, flow_table *t, load_report *rep, int *from_cache, cache_pair *fc);
/* The same, with the table cache's column pass left to the caller when
 * skip_columns says so (cache_options.skip_columns): the caller must run
 * cache_check_columns before it reads a column it has not checked itself. */
int cli_load_table_skip(const cli_options *o, flow_table *t, load_report *rep, int *from_cache,
                        int (*skip_columns)(void *user, const char *cpath, uint64_t table_id), void *user);

/* After the output: finishes the cache write the load started on a thread
 * (cache_write_finish) and prints the cache notes held back until then (a
 * failed table cache write is one line, and the facts cache's own failure
 * is then not repeated). Call before freeing the table. -1 when the write
 * failed, else 0. */
int cli_finish(void);

/* The engine's options from the command line (work hours, threads, the
 * internal network). */
void cli_engine_options(const cli_options *o, engine_options *eo);

int run_summary(const cli_options *o);   /* --summary: key: value lines */
int run_answers(const cli_options *o);   /* --answers [--json] [--export PATH] */
int run_flows(const cli_options *o);     /* --flows EXPR [--time iso]: matching flows as CSV */
int ui_run(const cli_options *o);        /* the explorer (src/ui) */

#endif
