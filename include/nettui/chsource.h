/* chsource.h: flows kept in ClickHouse as a source, over its HTTP interface.
 *
 *   clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE.TABLE   (HTTP, port 8123)
 *   clickhouses://...                                           (HTTPS, port 8443,
 *                                                                the certificate verified)
 *
 * The server does the work: one GROUP BY (src, dst, port, hour) gives the
 * weighted rows the engine builds its facts from (weighted.h), a second
 * query the individual calls to the beacon candidates; the flow table
 * itself never travels. Columns are found by name as the CSV loader finds
 * them (load.h: load_column_role) and read by type. Every name that
 * reaches SQL is checked (identifier characters) and back-quoted, every
 * literal quoted; --where is the user's own SQL, sent as one parenthesised
 * condition. The password (from the URL, NETTUI_CLICKHOUSE_PASSWORD or a
 * file only its owner may read) is never printed: messages name the
 * server by ch_url_text, which leaves it out.
 *
 * Files: churl.c (this URL, credentials, identifiers), chhttp.c (one query
 * over libcurl, streamed, errors in one sentence), chsql.c (a --flows
 * filter as SQL, --where's shape), chsource.c (columns, the queries, the
 * table), chcache.c (the local cache of the table); weighted.h builds the
 * weighted table the engine reads. */
#ifndef NETTUI_CHSOURCE_H
#define NETTUI_CHSOURCE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "nettui/cache_policy.h"
#include "nettui/flows.h"
#include "nettui/weighted.h"
#include "nettui/filter.h"
#include "nettui/load.h"

#define CH_NAME_MAX 128

typedef struct ch_url {
    int https;                       /* clickhouses:// */
    char user[CH_NAME_MAX];          /* "default" when the URL names none */
    char password[256];
    int has_password;                /* the URL held one (even empty) */
    char host[256];                  /* as written; an IPv6 address keeps its brackets */
    int port;
    char database[CH_NAME_MAX], table[CH_NAME_MAX];
} ch_url;

/* 1 when text starts with clickhouse:// or clickhouses:// (any case). */
int ch_is_url(const char *text);
/* Parses a source URL; USER and PASSWORD may be percent-encoded ("%40"
 * for '@', "%3A" for ':'). 0, or -1 with one sentence in err (which never
 * holds the password). */
int ch_url_parse(const char *text, ch_url *out, char *err, size_t errlen);
/* "http://USER@HOST:PORT/DATABASE.TABLE" (https for clickhouses), never the
 * password: how messages and the cache key name the source. */
const char *ch_url_text(const ch_url *u, char *buf, size_t len);
/* 1 when s is a ClickHouse identifier nettui accepts: [A-Za-z_][A-Za-z0-9_]*,
 * 1 to CH_NAME_MAX-1 bytes. */
int ch_identifier_ok(const char *s);
/* Fills u->password when the URL held none: NETTUI_CLICKHOUSE_PASSWORD, or
 * the first line of password_file (NULL: none), which must be a regular
 * file no one but its owner can read. 0, or -1 with one sentence in err. */
int ch_password_resolve(ch_url *u, const char *password_file, char *err, size_t errlen);

/* How the columns are read: one SQL expression per role (load.h's
 * LOAD_ROLE_*) giving epoch ms (UInt64), a host text (String), the port
 * (UInt16) and the bytes (UInt64), over the table's own columns. */
typedef struct ch_columns {
    char expr[LOAD_ROLE_COUNT][2 * CH_NAME_MAX + 96];
    char name[LOAD_ROLE_COUNT][CH_NAME_MAX];
    int seconds;                     /* the time column was read as seconds */
} ch_columns;

/* The filter (filter.h) as one SQL condition over the columns' expressions
 * (chsql.c), into sql: every literal is a number nettui formatted or a
 * quoted, escaped string. 0, or -1 when it does not fit in len. */
int ch_filter_sql(const flow_filter *f, const ch_columns *c, char *sql, size_t len);
/* 0 when --where is one condition that cannot close the parentheses it
 * is sent in: quotes closed, parentheses balanced, no ';' or comment
 * outside quotes. Else -1 with one sentence in err. */
int ch_where_ok(const char *where, char *err, size_t errlen);
/* s as a single-quoted SQL string literal into out (backslashes and quotes
 * escaped, control bytes as \xHH). 0, or -1 when it does not fit. */
int ch_quote(const char *s, size_t n, char *out, size_t len);

/* ---- the transport (chhttp.c) ------------------------------------------------ */

/* One row of a TabSeparated result, its fields unescaped in place (a NULL
 * is the field "\\N" as it came; chsource.c treats such a row as bad).
 * Returning nonzero stops the query: the callback's reason goes in err. */
typedef int (*ch_row_fn)(void *user, char **field, size_t *len, int nfields, char *err, size_t errlen);

#define CH_MAX_FIELDS 16

typedef struct ch_options ch_options;

/* Runs sql (one SELECT ... FORMAT TabSeparated) on the server, streaming
 * each row of the answer to fn as it arrives: the answer is never held
 * whole. o (may be NULL) gives the timeout (o->timeout_s > 0 bounds the
 * whole query; the server is told too) and the cancel hook (o->cancel,
 * asked from libcurl's progress callback, at least once a second while
 * the query runs: nonzero drops the connection and ch_query returns
 * EXIT_FAILURE_RUN with "cancelled" in err).
 * one_stream: the server reads the table as one stream (max_threads=1),
 * so rowNumberInAllBlocks() numbers the rows in their stored order.
 * *seconds (may be NULL) gets how long it took. EXIT_OK, or an EXIT_*
 * status (load.h) with one sentence in err naming the server without its
 * password: unreachable, the user refused, the table missing, timed out,
 * out of memory, or what the server said. */
int ch_query(const ch_url *u, const ch_options *o, int one_stream, const char *sql, ch_row_fn fn, void *user,
             double *seconds, char *err, size_t errlen);
/* The sentence for a ClickHouse error body ("Code: 60, e.displayText() =
 * DB::Exception: ...", or the newer "Code: 60. DB::Exception: ... (NAME)"),
 * and its EXIT_* status; *code gets the number (0 when none). */
int ch_error_sentence(const ch_url *u, const char *body, int *code, char *err, size_t errlen);

/* For tests and fuzzing: what ch_query does with the n bytes of a 200
 * answer, without a server: split into rows (handed over in pieces of
 * chunk bytes, 0: at once, as libcurl may split them anywhere), each row's
 * fields unescaped and passed to fn, a last row without its newline
 * taken too. EXIT_OK; else ch_query's status and sentence: fn stopped
 * (its reason in err), an exception the server wrote after rows
 * (ch_error_sentence), a row over 1 MB or no memory. */
int ch_parse_tsv(const ch_url *u, const char *data, size_t n, size_t chunk, ch_row_fn fn, void *user, char *err,
                 size_t errlen);

/* For tests and fuzzing: the weighted table ch_load builds from the
 * groups query's answer (ng bytes of groups: s d p flows bytes first last
 * rn) and, when calls is not NULL, the calls query's (nc bytes: s d p t b
 * rn), without a server: the same row callback, into *t (initialised here;
 * flows_free it whatever the status). Bad rows are counted in rep as
 * ch_load counts them. EXIT_OK, or ch_query's status and sentence. */
int ch_parse_groups(const ch_url *u, const char *groups, size_t ng, const char *calls, size_t nc, flow_table *t,
                    load_report *rep, char *err, size_t errlen);

struct ch_options {
    const char *where;               /* --where SQL, or NULL */
    double timeout_s;                /* --timeout, 0: none */
    const char *password_file;       /* --password-file, or NULL */
    const char *password;            /* the URL's own password (main.c takes it out of the URL), or NULL */
    cidr_list internal;              /* --internal, when internal_set */
    int internal_set;
    int progress;                    /* say on stderr which query runs */
    int cache;                       /* read and write the local cache (chcache.c) */
    /* Called before each query with what it does ("grouping the flows by
     * (src, dst, port, hour)") and the seconds the one before took (-1 for
     * the first): the explorer's loading screen shows it. May be NULL. */
    void (*on_query)(void *user, const char *what, double last_seconds);
    void *user;
    const char *cache_dir;           /* --cache-dir, or NULL: the default folder */
    /* Out: when non-NULL, ch_load names here the engine's facts cache for
     * the table it returns: <the .ntw>.facts keyed to the .ntw's identity
     * (enabled only when the local cache was read or written; else zeroed).
     * engine_open then reads the facts instead of building them. */
    cache_pair *facts;
    /* Asked while a query runs (ch_query): nonzero cancels it, and the load
     * fails with "cancelled" and keeps nothing (no cache file is written).
     * May be NULL. Runs on the loading thread, as the on_query hook does. */
    int (*cancel)(void *user);
    void *cancel_user;
};

/* Loads the source named by url into *out as weighted rows with their
 * beacon calls (flows.h). Returns EXIT_OK, or an EXIT_* status (load.h)
 * with one sentence in rep->error: the server unreachable, the user
 * refused, the table or a column missing, a query timed out, the result
 * larger than memory. rep's counts say what came: lines the groups, and
 * the time unit. */
int ch_load(const char *url, const ch_options *o, flow_table *out, load_report *rep, int *from_cache);

/* ---- the local cache (chcache.c) --------------------------------------------------- */

/* The cache file for key (a text naming the source and the table's state)
 * in the cache folder dir (NULL: the default; made when missing). 0, or -1. */
int ch_cache_path(const char *dir, const char *key, char *out, size_t len);
/* The weighted table and its calls from path when the file holds this very
 * key and passes every check: 0, with the file's identity (the checksum of
 * its body) in *id; else -1 (t is then empty) and *why says why, for the
 * cache policy (cache_policy.h): absent, unreadable, damaged, or another
 * key's (two keys, one hash). */
int ch_cache_load(const char *path, const char *key, flow_table *t, uint64_t *id, cache_reason *why);
/* Writes t (weighted, with its calls) and key to path, atomically: 0 with
 * the file's identity in *id (as ch_cache_load gives it), or -1. */
int ch_cache_save(const char *path, const char *key, const flow_table *t, uint64_t *id);

/* The file the groups stream into as they come, in the cache's layout, so
 * that nettui never holds them in memory (ch_load):
 *   ch_spill_open   path (written as path.PID.tmp, renamed by
 *                   ch_spill_finish), or NULL: an unnamed temporary file in
 *                   TMPDIR (else /tmp); room for at most rows rows. calls:
 *                   a file of calls alone (unnamed), mapped into a calls
 *                   table (weighted_add_call_to). 0, or -1 with an errno
 *                   value in *err.
 *   ch_spill_sink   the sink weighted_add_to writes the rows to (a row past
 *                   the room fails with EOVERFLOW in ch_spill_error)
 *   ch_spill_map    maps the rows written into t's columns (t from
 *                   weighted_begin_sink): t owns the mapping from then on
 *   ch_spill_finish writes key, t's hosts, totals and calls, and renames
 *                   the named file into place: 0 with its identity, or -1
 *                   (nothing is left at path; t keeps its mapping)
 *   ch_spill_map_calls  after ch_spill_finish: t's calls come from the file
 *                   (mapped) and their memory goes. 0, or -1 (unchanged)
 *   ch_spill_close  frees the writer; an unfinished named file goes. */
typedef struct ch_spill ch_spill;
int ch_spill_open(ch_spill **out, const char *path, uint64_t rows, int calls, int *err);
weighted_sink ch_spill_sink(ch_spill *s);
int ch_spill_error(const ch_spill *s);
/* The folder the file is in, and whether that is the cache folder (else
 * TMPDIR's: ch_spill_tmpdir), for a message. */
const char *ch_spill_dir(const ch_spill *s, int *in_cache);
const char *ch_spill_tmpdir(void);
int ch_spill_map(ch_spill *s, flow_table *t);
int ch_spill_finish(ch_spill *s, const char *key, const flow_table *t, uint64_t *id);
int ch_spill_map_calls(ch_spill *s, flow_table *t);
void ch_spill_close(ch_spill *s);

/* For the fuzz harness: rewrites the column sums, tail length, checksum
 * and trailer of a cache file's image so that a mutation reaches the
 * checks behind them. 0, or -1 when its capacity does not fit its size. */
int ch_cache_seal(unsigned char *file, size_t size);
/* --flows on a source: the flows the filter keeps, pushed down as WHERE
 * with a LIMIT of limit rows (0: none), written to out as the CSV the file
 * path prints ("timestamp,src,dst,port,bytes", ISO times when iso), in
 * time order. EXIT_OK, or an EXIT_* status after one sentence in err. */
int ch_flows(const char *url, const ch_options *o, const flow_filter *f, int iso, uint64_t limit, FILE *out,
             char *err, size_t errlen);

/* The explorer's Flows view on a source: the first cap of the flows the
 * filter keeps, in the file's order (time, then the table's stored order),
 * into *out (host ids those of hosts_of, the loaded table: weighted.h,
 * weighted_add_flow), and in *total how many the filter keeps in all. The
 * filter goes down as WHERE, the cap as LIMIT. EXIT_OK, or an EXIT_*
 * status with one sentence in err (*out is then empty). */
int ch_fetch_flows(const char *url, const ch_options *o, const flow_filter *f, size_t cap, const flow_table *hosts_of,
                   flow_table *out, uint64_t *total, char *err, size_t errlen);

#endif
