/* chsource.c: owns the ClickHouse source's queries (chsource.h): asking
 * for the columns (chcols.c reads their types), the table's state, the
 * GROUP BY whose rows become the weighted table (streamed into a file:
 * chcache.c), the calls to the beacon candidates, and --flows pushed down
 * as WHERE.
 *
 * Every query reads the same base: the table's columns as (t epoch ms, s
 * and d host texts, p port, b bytes, rn the row's place in the table as
 * stored), rows the CSV loader would refuse left out and counted (a NULL,
 * a time outside 0 .. 9999-12-31, a port above 65535, negative bytes), and
 * --where as one parenthesised condition. The SQL keeps to what ClickHouse
 * 18.16 (Debian 12) and current releases both run. */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "chpriv.h"
#include "nettui/cache.h"
#include "nettui/chsource.h"
#include "nettui/engine.h"
#include "nettui/util.h"
#include "nettui/weighted.h"

#define SQL_MAX (64u << 10)

/* ---- one value ---------------------------------------------------------------- */

static int on_engine(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    int *distributed = user;
    if (nf >= 1 && len[0] == 11 && !memcmp(f[0], "Distributed", 11)) *distributed = 1;
    return 0;
}

static int parse_u64(const char *s, size_t n, uint64_t *v)
{
    if (n == 0 || n > 20) return -1;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        uint64_t d = (uint64_t)(s[i] - '0');
        if (x > (UINT64_MAX - d) / 10) return -1;
        x = x * 10 + d;
    }
    *v = x;
    return 0;
}

static int on_single(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    uint64_t *v = user;
    if (nf >= 1 && parse_u64(f[0], len[0], v)) v[0] = UINT64_MAX;
    v[1]++;
    return 0;
}

/* ---- the source ----------------------------------------------------------------- */

typedef struct source {
    ch_url u;
    const ch_options *o;
    double last_start;   /* when the query before began (0: none yet) */
    int one_stream;      /* rn numbers the rows as stored: not on a Distributed table */
    ch_columns c;
    ch_col_scan scan;
    char base[8192];     /* SELECT t, s, d, p, b FROM ... WHERE ...: the rows every query reads */
    char bad_sql[4096];  /* counts the rows --where keeps that the types make bad (empty: none can be) */
    char where_q[4096];
} source;

static void say(source *s, const char *what)
{
    double now = util_now();
    if (s->o->progress) { fprintf(stderr, "\rclickhouse: %-60s", what); fflush(stderr); }
    if (s->o->on_query) s->o->on_query(s->o->user, what, s->last_start > 0 ? now - s->last_start : -1);
    s->last_start = now;
}

static void timing(const char *what, double secs, uint64_t rows)
{
    const char *t = getenv("NETTUI_TIMING");
    if (t && *t && *t != '0') fprintf(stderr, "clickhouse: %s %.3f s, %" PRIu64 " rows\n", what, secs, rows);
}

/* Parses the URL, finds the columns and builds the base query. */
static int source_open(source *s, const char *url, const ch_options *o, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->o = o;
    if (ch_url_parse(url, &s->u, err, errlen)) return EXIT_USAGE;
    if (o->password && !s->u.has_password) {
        snprintf(s->u.password, sizeof s->u.password, "%s", o->password);
        s->u.has_password = 1;
    }
    if (ch_password_resolve(&s->u, o->password_file, err, errlen)) return EXIT_USAGE;
    if (o->where && ch_where_ok(o->where, err, errlen)) return EXIT_USAGE;
    if (o->where && strlen(o->where) > sizeof s->where_q - 8) {
        snprintf(err, errlen, "--where is longer than %zu bytes.", sizeof s->where_q - 8);
        return EXIT_USAGE;
    }
    char sql[1024];
    s->scan.c = &s->c;
    /* database and table are checked identifiers: safe inside quotes */
    snprintf(sql, sizeof sql, "SELECT name, type FROM system.columns WHERE database = '%s' AND table = '%s' FORMAT TabSeparated",
             s->u.database, s->u.table);
    say(s, "reading the columns");
    double secs;
    int rc = ch_query(&s->u, o, 0, sql, ch_on_column, &s->scan, &secs, err, errlen);
    if (rc != EXIT_OK) return rc;
    timing("columns", secs, (uint64_t)s->scan.ncols);
    char where[600];
    if (s->scan.ncols == 0) {
        snprintf(err, errlen, "table %s.%s does not exist on the ClickHouse server %s.", s->u.database, s->u.table,
                 ch_url_text(&s->u, where, sizeof where));
        return EXIT_NO_INPUT;
    }
    for (int r = 0; r < LOAD_ROLE_COUNT; r++)
        if (!s->scan.found[r]) {
            snprintf(err, errlen, "table %s.%s has no %s column (named %s).", s->u.database, s->u.table, ch_role_names[r], ch_role_hint[r]);
            return EXIT_NO_INPUT;
        }
    snprintf(s->where_q, sizeof s->where_q, "(%s)", o->where && *o->where ? o->where : "1");
    /* seconds or milliseconds, as the loader decides: the median of the
     * first (here: earliest) thousand times below 10^11 is seconds */
    char tb[CH_NAME_MAX];
    if (ch_type_is_int(ch_type_bare(s->scan.type[LOAD_ROLE_TS], tb, sizeof tb))) {
        snprintf(sql, sizeof sql, "SELECT toUInt64(quantileExact(0.5)(x)) FROM (SELECT toUInt64(greatest(assumeNotNull(`%s`), 0)) AS x FROM `%s`.`%s` WHERE isNotNull(`%s`) ORDER BY `%s` LIMIT 1000) FORMAT TabSeparated",
                 s->c.name[LOAD_ROLE_TS], s->u.database, s->u.table, s->c.name[LOAD_ROLE_TS], s->c.name[LOAD_ROLE_TS]);
        uint64_t v[2] = {0, 0};
        rc = ch_query(&s->u, o, 0, sql, on_single, v, &secs, err, errlen);
        if (rc != EXIT_OK) return rc;
        s->c.seconds = v[0] < 100000000000ULL;
    }
    if (ch_role_exprs(&s->c, &s->scan, &s->u, err, errlen)) return EXIT_NO_INPUT;
    /* a Distributed table is read by its shards at once: its rows have no
     * one stored order to keep, and one stream would slow every shard */
    int distributed = 0;
    snprintf(sql, sizeof sql, "SELECT engine FROM system.tables WHERE database = '%s' AND name = '%s' FORMAT TabSeparated",
             s->u.database, s->u.table);
    rc = ch_query(&s->u, o, 0, sql, on_engine, &distributed, &secs, err, errlen);
    if (rc != EXIT_OK) return rc;
    s->one_stream = !distributed;
    char cond[CH_NCOND][512], valid[2200];
    ch_valid_conds(&s->c, &s->scan, cond);
    snprintf(valid, sizeof valid, "(%s) AND (%s) AND (%s) AND (%s)", cond[0], cond[1], cond[2], cond[3]);
    /* each bad row once, under the first condition it fails */
    s->bad_sql[0] = 0;
    if (strcmp(cond[0], "1") || strcmp(cond[1], "1") || strcmp(cond[2], "1") || strcmp(cond[3], "1")) {
        int m = snprintf(s->bad_sql, sizeof s->bad_sql,
                         "SELECT countIf(NOT (%s)), countIf((%s) AND NOT (%s)), countIf((%s) AND (%s) AND NOT (%s)), "
                         "countIf((%s) AND (%s) AND (%s) AND NOT (%s)), count() FROM `%s`.`%s` WHERE %s FORMAT TabSeparated",
                         cond[0], cond[0], cond[1], cond[0], cond[1], cond[2], cond[0], cond[1], cond[2], cond[3],
                         s->u.database, s->u.table, s->where_q);
        if (m < 0 || (size_t)m >= sizeof s->bad_sql) { snprintf(err, errlen, "--where is too long."); return EXIT_USAGE; }
    }
    int n = snprintf(s->base, sizeof s->base,
                     "SELECT %s AS t, %s AS s, %s AS d, %s AS p, %s AS b, rowNumberInAllBlocks() AS rn FROM `%s`.`%s` WHERE (%s) AND %s",
                     s->c.expr[LOAD_ROLE_TS], s->c.expr[LOAD_ROLE_SRC], s->c.expr[LOAD_ROLE_DST], s->c.expr[LOAD_ROLE_PORT],
                     s->c.expr[LOAD_ROLE_BYTES], s->u.database, s->u.table, valid, s->where_q);
    if (n < 0 || (size_t)n >= sizeof s->base) { snprintf(err, errlen, "--where is too long."); return EXIT_USAGE; }
    return EXIT_OK;
}

/* ---- groups and calls ----------------------------------------------------------------- */

typedef struct load_ctx {
    flow_table *t;
    load_report *rep;    /* NULL for calls gathered apart (no row of them is counted) */
    int calls;           /* rows are calls, not groups */
    int apart;           /* calls into t, a table of their own (weighted_add_call_apart) */
    ch_spill *spill;     /* groups go to this file (NULL: into t's own columns) */
    const weighted_sink *sink;
    const char *table;   /* "DATABASE.TABLE", for a message */
} load_ctx;

/* One sentence for a temporary file that cannot be made. */
static int temp_failed(load_report *rep, int err)
{
    snprintf(rep->error, sizeof rep->error, "cannot make a temporary file for the groups in %s (%s): set TMPDIR to a writable folder with room.",
             ch_spill_tmpdir(), strerror(err));
    return EXIT_FAILURE_RUN;
}

/* One sentence for a group the spill file could not take. */
static void spill_failed(const load_ctx *x, char *err, size_t errlen)
{
    int e = ch_spill_error(x->spill), in_cache;
    const char *dir = ch_spill_dir(x->spill, &in_cache);
    if (e == EOVERFLOW)
        snprintf(err, errlen, "table %s grew while nettui read it (more groups than the rows it counted first); run again, or hold the rows still with --where.", x->table);
    else
        snprintf(err, errlen, "cannot write the groups to %s (%s): free some room there, or point %s at a folder with room.", dir, strerror(e),
                 in_cache ? "--cache-dir (or run with --no-cache)" : "TMPDIR");
}

/* A row the loader would refuse: counted once, with its group (a call's
 * row is one of a group's flows). */
static int bad_row(load_ctx *x, bad_kind k, uint64_t flows)
{
    if (x->calls) return 0;
    x->rep->bad[k] += flows;
    x->rep->bad_total += flows;
    return 0;
}

/* groups: s d p flows bytes first last (first row); calls: s d p t b rn */
static int on_group(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    load_ctx *x = user;
    uint64_t v[4] = {0, 0, 0, 0}, port;
    int want = x->calls ? 6 : 8, nvals = x->calls ? 3 : 4;
    if (nf != want) { snprintf(err, errlen, "the ClickHouse server sent a row of %d fields where %d were asked for.", nf, want); return -1; }
    for (int k = 0; k < nvals; k++)
        if (parse_u64(f[3 + k], len[3 + k], &v[k])) return bad_row(x, BAD_FIELDS, 1);
    if (parse_u64(f[2], len[2], &port) || port > 65535) return bad_row(x, BAD_PORT, 1);
    weighted_group g = { f[0], f[1], len[0], len[1], (uint16_t)port, 0, 0, 0, 0 };
    if (x->calls) { g.first_ms = g.last_ms = (int64_t)v[0]; g.bytes = v[1]; g.flows = 1; }
    else { g.flows = v[0]; g.bytes = v[1]; g.first_ms = (int64_t)v[2]; g.last_ms = (int64_t)v[3]; }
    /* what a GROUP BY cannot give: a group of no flow, or of more than 2^40
     * (a trillion in one hour: 256 rows of it, and sent on purpose enough
     * to fill memory), or its last flow before its first; weighted.h and
     * the cache (chcache.c) take neither */
    if (g.flows == 0 || g.flows > (1ULL << 40)) return bad_row(x, BAD_FIELDS, 1);
    if (g.first_ms < 0 || g.first_ms > LOAD_TS_MAX_MS || g.last_ms > LOAD_TS_MAX_MS || g.last_ms < g.first_ms)
        return bad_row(x, BAD_TIMESTAMP, g.flows);
    int rc = x->apart ? weighted_add_call_apart_to(x->t, &g, v[2], x->sink)
           : x->calls ? weighted_add_call_to(x->t, &g, v[2], x->sink)
                      : weighted_add_to(x->t, &g, x->sink);
    if (rc < 0) {
        if (x->spill && ch_spill_error(x->spill)) spill_failed(x, err, errlen);
        else snprintf(err, errlen, "the ClickHouse result is larger than memory (%zu rows came).", x->t->n);
        return -1;
    }
    if (rc > 0 && !x->calls) bad_row(x, BAD_HOST, g.flows);
    return 0;
}

int ch_parse_groups(const ch_url *u, const char *groups, size_t ng, const char *calls, size_t nc, flow_table *t,
                    load_report *rep, char *err, size_t errlen)
{
    memset(rep, 0, sizeof *rep);
    memset(t, 0, sizeof *t);
    if (weighted_begin(t)) { snprintf(err, errlen, "out of memory."); return EXIT_FAILURE_RUN; }
    load_ctx x = { t, rep, 0, 0, NULL, NULL, "" };
    int rc = ch_parse_tsv(u, groups, ng, 0, on_group, &x, err, errlen);
    if (rc == EXIT_OK) weighted_end(t);
    if (rc == EXIT_OK && calls) {
        x.calls = 1;
        rc = ch_parse_tsv(u, calls, nc, 0, on_group, &x, err, errlen);
    }
    return rc;
}

/* "(int(s1) OR int(s2) ...)": the host text is an IPv4 address inside
 * one of the blocks (canonical, as ipv4_parse reads it); "0" for none. */
static void internal_sql(const cidr_list *net, const char *expr, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "(0");
    for (int k = 0; k < net->n && n < len; k++)
        n += (size_t)snprintf(out + n, len - n, " OR bitAnd(IPv4StringToNum(%s), %" PRIu32 ") = %" PRIu32, expr,
                              net->v[k].mask, net->v[k].net & net->v[k].mask);
    if (n < len) n += (size_t)snprintf(out + n, len - n, ") AND IPv4NumToString(IPv4StringToNum(%s)) = %s", expr, expr);
    if (net->n == 0) snprintf(out, len, "0");
}

/* The calls query under the internal network net into sql (SQL_MAX):
 * internal to external, to callees with at least ENGINE_BEACON_MIN_CALLS
 * such calls (beacon.c's rule for a candidate), in the file's order. 0, or
 * -1 when it does not fit (or no memory). */
static int calls_sql(const source *s, const cidr_list *net, char *sql)
{
    char *ins = malloc(4 * 4096), *ind = ins ? ins + 2 * 4096 : NULL;
    if (!ins) return -1;
    internal_sql(net, "s", ins, 2 * 4096);
    internal_sql(net, "d", ind, 2 * 4096);
    int n = snprintf(sql, SQL_MAX,
             "SELECT s, d, p, t, b, rn FROM (%s) WHERE (%s) AND NOT (%s) AND d IN (SELECT d FROM (%s) WHERE (%s) AND NOT (%s) "
             "GROUP BY d HAVING count() >= %d) ORDER BY t, rn FORMAT TabSeparated",
             s->base, ins, ind, s->base, ins, ind, ENGINE_BEACON_MIN_CALLS);
    free(ins);
    return n < 0 || (size_t)n >= SQL_MAX ? -1 : 0;
}

/* The calls query on a thread of its own, while the groups query runs on
 * the loading thread: its rows go into a table of their own (apart), merged
 * once the groups are in. It is cancelled through stop (set by the loading
 * thread: its own query failed, or the person cancelled), never by the
 * caller's hook, which may only run on the loading thread (the explorer's
 * polls the keyboard). */
typedef struct calls_job {
    const source *s;
    ch_options o;        /* the caller's, with the cancel hook on stop */
    const char *sql;
    const char *table;
    flow_table apart;
    ch_spill *spill;     /* the file apart's calls go to */
    weighted_sink sink;
    atomic_int stop, done;
    int rc;
    double secs;
    char err[512];
} calls_job;

static int calls_stop(void *user) { return atomic_load(&((calls_job *)user)->stop); }

static void *calls_thread(void *arg)
{
    calls_job *j = arg;
    load_ctx x = { &j->apart, NULL, 1, 1, j->spill, &j->sink, j->table };
    j->rc = ch_query(&j->s->u, &j->o, j->s->one_stream, j->sql, on_group, &x, &j->secs, j->err, sizeof j->err);
    atomic_store(&j->done, 1);
    return NULL;
}

/* count, min(t), max(t), sum(b), sum(p): the table's state in the key */
static int on_state(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    uint64_t *v = user;
    for (int k = 0; k < 5; k++)
        if (nf != 5 || parse_u64(f[k], len[k], &v[k])) v[k] = UINT64_MAX;
    return 0;
}

/* The cache key: the source without its password, what shapes the rows
 * and the calls, and the table's state now. */
static void cache_key(const source *s, const ch_options *o, const uint64_t st[5], char *key, size_t len)
{
    char where[600], net[1200] = "inferred";
    if (o->internal_set) {
        size_t n = 0;
        for (int k = 0; k < o->internal.n && n < sizeof net; k++)
            n += (size_t)snprintf(net + n, sizeof net - n, "%08x/%08x,", o->internal.v[k].net, o->internal.v[k].mask);
    }
    snprintf(key, len, "nettui clickhouse cache 2\nsource %s\nwhere %s\ninternal %s\nbase %s\nstate %llu %llu %llu %llu %llu\n",
             ch_url_text(&s->u, where, sizeof where), o->where ? o->where : "", net, s->base, (unsigned long long)st[0],
             (unsigned long long)st[1], (unsigned long long)st[2], (unsigned long long)st[3], (unsigned long long)st[4]);
}

int ch_load(const char *url, const ch_options *o, flow_table *out, load_report *rep, int *from_cache)
{
    *from_cache = 0;
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);   /* flows_free takes a zeroed table */
    char *key = NULL, cpath[4200];
    int cached = 0;
    uint64_t id = 0;   /* the .ntw's identity, once read or written */
    calls_job *calls = NULL;
    ch_spill *spill = NULL, *cspill = NULL;   /* the groups' file, the calls' */
    char *csql = NULL;
    int threaded = 0;   /* the calls query runs on a thread */
    double t0 = util_now();
    source *s = calloc(1, sizeof *s);
    char *sql = malloc(SQL_MAX);
    int rc = EXIT_FAILURE_RUN;
    if (!s || !sql) { snprintf(rep->error, sizeof rep->error, "out of memory."); goto done; }
    rc = source_open(s, url, o, rep->error, sizeof rep->error);
    if (rc != EXIT_OK) goto done;
    rep->timestamps_in_seconds = s->c.seconds;
    rep->threads_used = 1;
    /* the table's state as the server counts it: the local cache's key,
     * and the room the groups' file needs (a group is one flow or more) */
    uint64_t st[5] = {0, 0, 0, 0, 0};
    snprintf(sql, SQL_MAX, "SELECT count(), min(t), max(t), sum(b), sum(p) FROM (%s) FORMAT TabSeparated", s->base);
    say(s, "counting the rows");
    double ks;
    rc = ch_query(&s->u, o, 0, sql, on_state, st, &ks, rep->error, sizeof rep->error);
    if (rc != EXIT_OK) goto done;
    timing("state", ks, st[0]);
    if (s->bad_sql[0]) {   /* rows the types make bad: counted, as a file's bad lines (on_state: five numbers) */
        uint64_t b[5] = {0, 0, 0, 0, 0};
        say(s, "counting the rows nettui leaves out");
        rc = ch_query(&s->u, o, 0, s->bad_sql, on_state, b, &ks, rep->error, sizeof rep->error);
        if (rc != EXIT_OK) goto done;
        timing("left out", ks, b[0] + b[1] + b[2] + b[3]);
        for (int k = 0; k < CH_NCOND; k++)
            if (b[k] != UINT64_MAX) { rep->bad[ch_cond_kind[k]] += b[k]; rep->bad_total += b[k]; }
    }
    if (st[0] == UINT64_MAX) {
        snprintf(rep->error, sizeof rep->error, "the ClickHouse server did not give the row count of %s.%s.", s->u.database, s->u.table);
        rc = EXIT_FAILURE_RUN;
        goto done;
    }
    if (o->cache) {
        key = malloc(SQL_MAX);
        if (key && st[0] != UINT64_MAX) {
            cache_key(s, o, st, key, SQL_MAX);
            cached = ch_cache_path(o->cache_dir, key, cpath, sizeof cpath) == 0;
        }
        if (cached) {
            cache_reason why;
            if (ch_cache_load(cpath, key, out, &id, &why) == 0) {
                *from_cache = 1;
                rep->lines = flows_count(out) + rep->bad_total;
                rc = EXIT_OK;
                goto done;
            }
            /* the policy's word on a file that cannot serve (a damaged one
             * goes now, its facts refused by their key once it is rewritten) */
            cache_decision d = cache_decide(CACHE_KIND_TABLE, why);
            if (d.note) fprintf(stderr, "nettui: the ClickHouse cache %s is %s; rebuilding it.\n", cpath, cache_reason_name(why));
            cache_apply(&d, cpath);
        }
    }
    /* the groups, in order of their first flow, flows of one millisecond
     * in the order the table stores them (rn: one stream, max_threads=1):
     * hosts then get the ids the file the table was filled from gives
     * them, when it was in time order and went in as one insert (a table
     * MergeTree ordered by time keeps such rows in file order) */
    snprintf(sql, SQL_MAX,
             "SELECT s, d, p, count() AS n_, sum(b) AS b_, min(t) AS t0_, max(t) AS t1_, min(rn) AS r0_ FROM (%s) "
             "GROUP BY s, d, p, intDiv(t, 3600000) ORDER BY t0_, r0_ FORMAT TabSeparated", s->base);
    /* the groups go to a file as they come, never into memory: the cache
     * file itself, or an unnamed one when there is none */
    int serr = 0;
    if (cached && ch_spill_open(&spill, cpath, st[0], 0, &serr)) {
        fprintf(stderr, "nettui: the ClickHouse cache %s could not be written; going on without it.\n", cpath);
        cache_decision d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_NOT_WRITTEN);
        cache_apply(&d, cpath);
        cached = 0;
    }
    if (!spill && ch_spill_open(&spill, NULL, st[0], 0, &serr)) {
        rc = temp_failed(rep, serr);
        goto done;
    }
    weighted_begin_sink(out);
    weighted_sink sink = ch_spill_sink(spill);
    char table[2 * CH_NAME_MAX + 2];
    snprintf(table, sizeof table, "%s.%s", s->u.database, s->u.table);
    /* the calls beacon.c tests: internal to external, to the hosts its
     * own rule makes candidates, under the internal network the engine
     * will use; each with its rn, which is its row index on the file (one
     * stream, the base's own filter): when the calls pass beacon.c's
     * budget, its fixed sample hashes that index and keeps the very calls
     * it keeps on the file.
     * With --internal the network is known before any group comes, so the
     * calls query runs at once with the groups query, on a second
     * connection (calls_job); the server runs both. Without it the network
     * is inferred from the groups (engine_infer_internal), so the calls
     * query can only be written, and run, after them. The state query goes
     * first either way: its answer decides whether the others run at all. */
    calls = calloc(1, sizeof *calls);
    csql = malloc(SQL_MAX);
    if (!calls || !csql) { rc = EXIT_FAILURE_RUN; snprintf(rep->error, sizeof rep->error, "out of memory."); goto done; }
    weighted_begin_sink(&calls->apart);
    calls->table = table;
    pthread_t th;
    if (o->internal_set) {
        /* the calls, and the calls apart, go to files of their own too */
        if (ch_spill_open(&calls->spill, NULL, st[0], 1, &serr)) { rc = temp_failed(rep, serr); goto done; }
        calls->sink = ch_spill_sink(calls->spill);
        if (calls_sql(s, &o->internal, csql)) { rc = EXIT_USAGE; snprintf(rep->error, sizeof rep->error, "--where is too long."); goto done; }
        calls->s = s;
        calls->o = *o;
        calls->o.cancel = calls_stop;
        calls->o.cancel_user = calls;
        calls->o.on_query = NULL;
        calls->o.progress = 0;
        calls->o.facts = NULL;
        calls->sql = csql;
        threaded = pthread_create(&th, NULL, calls_thread, calls) == 0;
        if (!threaded) {   /* no thread: the calls first, then the groups */
            calls_thread(calls);
            if (calls->rc != EXIT_OK) { rc = calls->rc; snprintf(rep->error, sizeof rep->error, "%s", calls->err); goto done; }
        }
    }
    load_ctx x = { out, rep, 0, 0, spill, &sink, table };
    say(s, threaded ? "grouping the flows, and fetching the calls to the beacon candidates at once"
                    : "grouping the flows by (src, dst, port, hour)");
    double secs;
    rc = ch_query(&s->u, o, s->one_stream, sql, on_group, &x, &secs, rep->error, sizeof rep->error);
    if (threaded) {   /* wait for the calls, still asking the caller's hook */
        if (rc != EXIT_OK) atomic_store(&calls->stop, 1);
        else if (!atomic_load(&calls->done)) say(s, "fetching the calls to the beacon candidates");
        while (!atomic_load(&calls->done)) {
            if (o->cancel && o->cancel(o->cancel_user)) atomic_store(&calls->stop, 1);
            struct timespec nap = { 0, 20 * 1000 * 1000 };
            nanosleep(&nap, NULL);
        }
        pthread_join(th, NULL);
        threaded = 0;
        if (rc == EXIT_OK && calls->rc != EXIT_OK) { rc = calls->rc; snprintf(rep->error, sizeof rep->error, "%s", calls->err); }
    }
    if (rc == EXIT_OK && ch_spill_map(spill, out)) {
        spill_failed(&x, rep->error, sizeof rep->error);
        rc = EXIT_FAILURE_RUN;
    }
    if (rc != EXIT_OK) goto done;
    weighted_end(out);
    rep->lines = flows_count(out) + rep->bad_total;   /* the rows of the table --where kept, as a file's lines */
    timing("groups", secs, out->n);
    if (out->n == 0) {
        snprintf(rep->error, sizeof rep->error, "table %s.%s holds no flow%s.", s->u.database, s->u.table, o->where ? " that --where keeps" : "");
        rc = EXIT_NO_INPUT;
        goto done;
    }
    cidr_list net = o->internal;
    if (!o->internal_set && engine_infer_internal(out, &net)) { rc = EXIT_FAILURE_RUN; snprintf(rep->error, sizeof rep->error, "out of memory."); goto done; }
    host_id *cand = NULL;
    size_t ncand = engine_beacon_callees(out, &net, &cand);
    free(cand);
    if (ncand == SIZE_MAX) { rc = EXIT_FAILURE_RUN; snprintf(rep->error, sizeof rep->error, "out of memory."); goto done; }
    /* no candidate: no calls (the sequential way does not ask for them) */
    if (ncand && ch_spill_open(&cspill, NULL, st[0], 1, &serr)) { rc = temp_failed(rep, serr); goto done; }
    weighted_sink csink = cspill ? ch_spill_sink(cspill) : sink;
    x.spill = cspill;
    x.sink = &csink;
    if (ncand && o->internal_set) {
        /* the calls that came apart, read back from their file (their
         * hosts by name into the groups' ids) into the calls' own */
        if (ch_spill_map(calls->spill, &calls->apart) || weighted_merge_calls_to(out, &calls->apart, &csink)) {
            if (ch_spill_error(calls->spill)) spill_failed(&(load_ctx){ out, rep, 1, 1, calls->spill, NULL, table }, rep->error, sizeof rep->error);
            else if (ch_spill_error(cspill)) spill_failed(&x, rep->error, sizeof rep->error);
            else snprintf(rep->error, sizeof rep->error, "out of memory.");
            rc = EXIT_FAILURE_RUN;
            goto done;
        }
        timing("calls", calls->secs, out->calls ? out->calls->n : 0);
    } else if (ncand) {
        if (calls_sql(s, &net, csql)) { rc = EXIT_USAGE; snprintf(rep->error, sizeof rep->error, "--where is too long."); goto done; }
        x.calls = 1;
        say(s, "fetching the calls to the beacon candidates");
        uint64_t lines = rep->lines;
        rc = ch_query(&s->u, o, s->one_stream, csql, on_group, &x, &secs, rep->error, sizeof rep->error);
        rep->lines = lines;
        if (rc != EXIT_OK) goto done;
        timing("calls", secs, out->calls ? out->calls->n : 0);
    }
    if (out->calls && ch_spill_map(cspill, out->calls)) {
        spill_failed(&x, rep->error, sizeof rep->error);
        rc = EXIT_FAILURE_RUN;
        goto done;
    }
    rc = EXIT_OK;
    /* the cache file's tail (key, hosts, calls); its calls are then read
     * from it, and the calls' own file goes (without a cache the calls
     * stay in theirs) */
    if (cached && ch_spill_finish(spill, key, out, &id)) {
        fprintf(stderr, "nettui: the ClickHouse cache %s could not be written; going on without it.\n", cpath);
        cache_decision d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_NOT_WRITTEN);   /* its facts go too */
        cache_apply(&d, cpath);
        cached = 0;
    } else if (cached && out->calls && ch_spill_map_calls(spill, out)) {
        /* not mapped: they stay in their own file, the same calls */
    }
done:
    /* the facts cache beside the .ntw, keyed to its identity (engine_open) */
    if (o->facts) {
        memset(o->facts, 0, sizeof *o->facts);
        if (rc == EXIT_OK && cached && !cache_facts_path(cpath, o->facts->facts, sizeof o->facts->facts)
            && strlen(cpath) < sizeof o->facts->table_cache) {
            snprintf(o->facts->table_cache, sizeof o->facts->table_cache, "%s", cpath);
            o->facts->enabled = o->facts->id_known = 1;
            o->facts->id = id;
            o->facts->notes = stderr;
        }
    }
    free(key);
    ch_spill_close(spill);
    ch_spill_close(cspill);
    if (calls) { flows_free(&calls->apart); ch_spill_close(calls->spill); }
    free(calls);
    free(csql);
    if (s && o->progress) { fprintf(stderr, "\r%70s\r", ""); fflush(stderr); }
    if (rc != EXIT_OK) flows_free(out);
    rep->seconds = util_now() - t0;
    if (s) memset(&s->u, 0, sizeof s->u);   /* the password leaves no copy behind */
    free(s);
    free(sql);
    return rc;
}

/* ---- --flows ------------------------------------------------------------------------ */

typedef struct flows_out {
    FILE *out;
    int iso;
    int failed;
} flows_out;

static void put_csv_host(FILE *out, const char *s, size_t n)
{
    uint32_t ip;
    if (ipv4_parse(s, n, &ip) == 0 || !strpbrk(s, ",\"\r\n")) { fwrite(s, 1, n, out); return; }
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') fputc('"', out);
        fputc(s[i], out);
    }
    fputc('"', out);
}

static int on_flow(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    flows_out *x = user;
    uint64_t ts;
    if (nf != 5 || parse_u64(f[0], len[0], &ts)) return 0;
    if (!load_host_ok(f[1], len[1]) || !load_host_ok(f[2], len[2])) return 0;   /* the file path never loads such a row */
    if (x->iso) {
        char buf[40];
        fputs(filter_format_iso((int64_t)ts, buf, sizeof buf), x->out);
    } else {
        fwrite(f[0], 1, len[0], x->out);
    }
    fputc(',', x->out);
    put_csv_host(x->out, f[1], len[1]);
    fputc(',', x->out);
    put_csv_host(x->out, f[2], len[2]);
    fprintf(x->out, ",%s,%s\n", f[3], f[4]);
    if (ferror(x->out)) { snprintf(err, errlen, "cannot write the flows to standard output."); x->failed = 1; return -1; }
    return 0;
}

/* The filter over the base's own names, into cond; -1 when too long. */
static int filter_cond(const flow_filter *f, char *cond, size_t len)
{
    ch_columns named;
    memset(&named, 0, sizeof named);
    strcpy(named.expr[LOAD_ROLE_TS], "t"); strcpy(named.expr[LOAD_ROLE_SRC], "s"); strcpy(named.expr[LOAD_ROLE_DST], "d");
    strcpy(named.expr[LOAD_ROLE_PORT], "p"); strcpy(named.expr[LOAD_ROLE_BYTES], "b");
    return ch_filter_sql(f, &named, cond, len);
}

int ch_flows(const char *url, const ch_options *o, const flow_filter *f, int iso, uint64_t limit, FILE *out,
             char *err, size_t errlen)
{
    source *s = calloc(1, sizeof *s);
    char *sql = malloc(SQL_MAX), *cond = malloc(SQL_MAX / 2);
    int rc = EXIT_FAILURE_RUN;
    if (!s || !sql || !cond) { snprintf(err, errlen, "out of memory."); goto done; }
    rc = source_open(s, url, o, err, errlen);
    if (rc != EXIT_OK) goto done;
    if (filter_cond(f, cond, SQL_MAX / 2)) { rc = EXIT_USAGE; snprintf(err, errlen, "the filter is too long to send."); goto done; }
    char lim[40] = "";
    if (limit) snprintf(lim, sizeof lim, " LIMIT %" PRIu64, limit);
    /* in time order, a millisecond's flows in the table's stored order: the file's */
    snprintf(sql, SQL_MAX, "SELECT t, s, d, p, b FROM (%s) WHERE %s ORDER BY t, rn%s FORMAT TabSeparated", s->base, cond, lim);
    flows_out x = { out, iso, 0 };
    fputs("timestamp,src,dst,port,bytes\n", out);
    say(s, "fetching the flows the filter keeps");
    double secs;
    rc = ch_query(&s->u, o, s->one_stream, sql, on_flow, &x, &secs, err, errlen);
    if (o->progress) { fprintf(stderr, "\r%70s\r", ""); fflush(stderr); }
    timing("flows", secs, 0);
done:
    if (s) memset(&s->u, 0, sizeof s->u);
    free(s); free(sql); free(cond);
    return rc;
}

/* ---- the explorer's Flows view ------------------------------------------------------ */

typedef struct fetch_ctx {
    flow_table *out;
    const host_dict *hosts;
} fetch_ctx;

static int on_fetch(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    fetch_ctx *x = user;
    uint64_t ts, port, bytes, rn;
    if (nf != 6 || parse_u64(f[0], len[0], &ts) || parse_u64(f[3], len[3], &port) || port > 65535
        || parse_u64(f[4], len[4], &bytes) || parse_u64(f[5], len[5], &rn) || ts > (uint64_t)LOAD_TS_MAX_MS)
        return 0;
    weighted_group g = { f[1], f[2], len[1], len[2], (uint16_t)port, (int64_t)ts, (int64_t)ts, 1, bytes };
    if (weighted_add_flow(x->out, x->hosts, &g, rn) < 0) {
        snprintf(err, errlen, "out of memory after %zu flows.", x->out->n);
        return -1;
    }
    return 0;
}

int ch_fetch_flows(const char *url, const ch_options *o, const flow_filter *f, size_t cap, const flow_table *hosts_of,
                   flow_table *out, uint64_t *total, char *err, size_t errlen)
{
    source *s = calloc(1, sizeof *s);
    char *sql = malloc(SQL_MAX), *cond = malloc(SQL_MAX / 2);
    int rc = EXIT_FAILURE_RUN;
    *total = 0;
    memset(out, 0, sizeof *out);
    if (!s || !sql || !cond || weighted_flows_begin(out)) { snprintf(err, errlen, "out of memory."); goto done; }
    rc = source_open(s, url, o, err, errlen);
    if (rc != EXIT_OK) goto done;
    if (filter_cond(f, cond, SQL_MAX / 2)) { rc = EXIT_USAGE; snprintf(err, errlen, "the filter is too long to send."); goto done; }
    uint64_t v[2] = {0, 0};
    say(s, "counting the flows the filter keeps");
    snprintf(sql, SQL_MAX, "SELECT count() FROM (%s) WHERE %s FORMAT TabSeparated", s->base, cond);
    rc = ch_query(&s->u, o, 0, sql, on_single, v, NULL, err, errlen);
    if (rc != EXIT_OK) goto done;
    *total = v[0] == UINT64_MAX ? 0 : v[0];
    snprintf(sql, SQL_MAX, "SELECT t, s, d, p, b, rn FROM (%s) WHERE %s ORDER BY t, rn LIMIT %zu FORMAT TabSeparated",
             s->base, cond, cap);
    fetch_ctx x = { out, &hosts_of->hosts };
    say(s, "fetching the flows the filter keeps");
    rc = ch_query(&s->u, o, s->one_stream, sql, on_fetch, &x, NULL, err, errlen);
done:
    if (rc != EXIT_OK) flows_free(out);
    if (s) memset(&s->u, 0, sizeof s->u);
    free(s); free(sql); free(cond);
    return rc;
}
