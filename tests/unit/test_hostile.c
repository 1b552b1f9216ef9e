/* test_hostile.c: hostile flow files and what the fuzzers found.
 *
 * Each flow file of tests/data/hostile/ (small, hand-written or a fuzzer's
 * find) is loaded with one parser and with several, must give the same
 * table both ways, and, when it has rows, must go through the engine and
 * the exports. The fuzz_chhttp_* and chhttp_* files are ClickHouse answers
 * (first byte: the harness's piece size), chgroups_* a groups answer, read
 * without a server (chsource.h: ch_parse_tsv, ch_parse_groups).
 * Under `make test-san` the same code runs with ASan and UBSan, which is what
 * turns most of these into real checks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <dirent.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "nettui/cache.h"
#include "nettui/chsource.h"
#include "nettui/engine.h"
#include "nettui/export.h"
#include "nettui/load.h"

#define HOSTILE "tests/data/hostile/"

static int load(const char *path, int threads, flow_table *t, load_report *rep)
{
    load_options o;
    load_options_default(&o);
    o.threads = threads;
    return load_file(path, &o, t, rep);
}

/* Builds the facts, runs the ten detectors twice (the second time with the
 * first host answer allowed by the person) and writes both exports. */
static void run_engine(const flow_table *t)
{
    engine_options eo;
    engine_options_default(&eo);
    eo.threads = 2;
    char err[256];
    engine *e = engine_build(t, &eo, err, sizeof err);
    assert_non_null(e);
    blacklist bl;
    assert_int_equal(blacklist_init(&bl, t->hosts.n), 0);
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);
    for (int k = 0; k < DETECTOR_COUNT; k++)
        if (f[k].found && f[k].kind == ANSWER_HOST) { blacklist_toggle(&bl, f[k].value); break; }
    engine_run(e, &bl, f);
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    assert_int_equal(export_answers(null, e, f), 0);
    assert_int_equal(export_json(null, e, f), 0);
    fclose(null);
    blacklist_free(&bl);
    engine_free(e);
}

/* Loads path with 1 and 3 parsers; both must agree with want_status (and,
 * when it is EXIT_OK, on rows and bad lines). Returns the one-parser table. */
static void load_both(const char *path, int want_status, flow_table *t, load_report *rep)
{
    flow_table t3;
    load_report r3;
    assert_int_equal(load(path, 1, t, rep), want_status);
    assert_int_equal(load(path, 3, &t3, &r3), want_status);
    assert_int_equal(t->n, t3.n);
    assert_int_equal(rep->bad_total, r3.bad_total);
    assert_memory_equal(rep->bad, r3.bad, sizeof rep->bad);
    if (want_status != EXIT_OK) {
        assert_non_null(strstr(rep->error, path));   /* the sentence names the file */
        assert_int_equal(t->n, 0);
    }
    flows_free(&t3);
}

/* ---- timestamps out of range ------------------------------------------------ */

/* fuzz_load found it: a timestamp of 2^63-1 ms loaded, and the infected-host
 * detector's first-contact time (a double) no longer fit an int64 (UBSan). */
static void test_fuzz_ts_int64_max(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    load_both(HOSTILE "fuzz_ts_int64_max.csv", EXIT_OK, &t, &rep);
    for (size_t i = 0; i < t.n; i++) assert_true(t.ts[i] <= 253402300799999LL);
    run_engine(&t);
    flows_free(&t);
}

/* The last millisecond of year 9999 is the latest timestamp; later ones, and
 * anything that is not a plain unsigned number, are bad timestamps. */
static void test_ts_range(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    load_both(HOSTILE "ts_range_ms.csv", EXIT_OK, &t, &rep);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.ts[0], 253402300799999LL);
    assert_int_equal(t.ts[1], 0);
    assert_int_equal(rep.bad[BAD_TIMESTAMP], 6);
    assert_int_equal(rep.first_bad[BAD_TIMESTAMP][0], 2);
    run_engine(&t);
    flows_free(&t);

    /* four ordinary lines at the end keep the median, hence the unit, seconds */
    load_both(HOSTILE "ts_range_seconds.csv", EXIT_OK, &t, &rep);
    assert_int_equal(rep.timestamps_in_seconds, 1);
    assert_int_equal(t.n, 6);
    assert_int_equal(t.ts[1], 253402300799999LL);
    assert_int_equal(rep.bad[BAD_TIMESTAMP], 3);
    run_engine(&t);
    flows_free(&t);
}

/* ---- stray quotes --------------------------------------------------------- */

/* A quote that opens a field and never closes used to swallow every line up
 * to the next quote in the file (1000 good lines after one mangled line were
 * lost with a single bad line reported). Now a quoted field may run over a
 * line end only when it closes on the next line (a real multi-line host). */
static void test_stray_quotes(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    load_both(HOSTILE "stray_quotes.csv", EXIT_OK, &t, &rep);
    assert_int_equal(t.n, 7);
    const int64_t want[] = {1, 3, 4, 5, 7, 9, 10};
    for (size_t i = 0; i < 7; i++) assert_int_equal(t.ts[i], 1578326400000LL + want[i]);
    char b[16];
    assert_string_equal(hosts_name(&t.hosts, t.src[3], b), "multi\nline host");
    assert_int_equal(rep.bad_total, 5);
    assert_int_equal(rep.bad[BAD_FIELDS], 3);
    assert_int_equal(rep.first_bad[BAD_FIELDS][0], 2);
    assert_int_equal(rep.first_bad[BAD_FIELDS][1], 7);
    assert_int_equal(rep.first_bad[BAD_FIELDS][2], 11);
    assert_int_equal(rep.bad[BAD_BYTES], 2);
    assert_int_equal(rep.first_bad[BAD_BYTES][0], 9);
    assert_int_equal(rep.first_bad[BAD_BYTES][1], 13);
    flows_free(&t);
}

/* ---- control characters in host names ------------------------------------------ */

/* A host field like "ESC ]0;owned BEL" or "ESC [2J" was kept as a named
 * host, and --answers would print it raw to the terminal; "a NUL b" was cut
 * to "a" when the workers' hosts were merged. Control characters other than
 * tab and newline now make the line a bad host line. */
static void test_control_characters_in_hosts(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    load_both(HOSTILE "control_hosts.csv", EXIT_OK, &t, &rep);
    assert_int_equal(t.n, 4);
    assert_int_equal(rep.bad_total, 5);
    assert_int_equal(rep.bad[BAD_HOST], 5);
    const int want[] = {2, 3, 4, 5, 9};
    for (int i = 0; i < 5; i++) assert_int_equal(rep.first_bad[BAD_HOST][i], want[i]);
    for (uint32_t h = 0; h < t.hosts.n; h++) {
        char b[16];
        for (const unsigned char *c = (const unsigned char *)hosts_name(&t.hosts, h, b); *c; c++)
            assert_true((*c >= 0x20 && *c != 0x7f) || *c == '\t' || *c == '\n');
    }
    char b[16];
    assert_string_equal(hosts_name(&t.hosts, t.src[1], b), "multi\nline");
    assert_string_equal(hosts_name(&t.hosts, t.src[2], b), "tab\there");
    run_engine(&t);
    flows_free(&t);
}

/* ---- what a ClickHouse server may answer -------------------------------------- */

/* A fuzzer's input (first byte: its harness's mode) into a NUL-terminated
 * buffer of *n bytes without that byte; the caller frees it. */
static char *read_finding(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *buf = malloc(1 << 16);
    assert_non_null(buf);
    size_t got = fread(buf, 1, (1 << 16) - 1, f);
    fclose(f);
    assert_true(got >= 1);
    memmove(buf, buf + 1, got - 1);
    buf[got - 1] = 0;
    *n = got - 1;
    return buf;
}

static int count_rows(void *user, char **field, size_t *len, int nf, char *err, size_t errlen)
{
    (void)field; (void)len; (void)nf; (void)err; (void)errlen;
    ++*(int *)user;
    return 0;
}

/* fuzz_chhttp found it: an error body holding a DEL byte (0x7f) went into
 * the one-sentence message as it was, to the terminal; every control byte
 * of what the server said is now a space. The same bytes as rows are two
 * rows of fields. */
static void test_fuzz_chhttp_del(void **state)
{
    (void)state;
    size_t n;
    char *body = read_finding(HOSTILE "fuzz_chhttp_del.bin", &n);
    assert_non_null(memchr(body, 0x7f, n));
    ch_url u;
    char err[1024];
    assert_int_equal(ch_url_parse("clickhouse://fuzz@localhost/nettui.flows", &u, err, sizeof err), 0);
    int code = -1;
    assert_int_equal(ch_error_sentence(&u, body, &code, err, sizeof err), EXIT_FAILURE_RUN);
    assert_int_equal(code, 0);
    assert_non_null(strstr(err, "answered with an error: 10.0.0.1 8.8.8.8 53"));
    for (const unsigned char *c = (const unsigned char *)err; *c; c++) assert_true(*c >= 0x20 && *c != 0x7f);
    int rows = 0;
    assert_int_equal(ch_parse_tsv(&u, body, n, 7, count_rows, &rows, err, sizeof err), EXIT_OK);
    assert_int_equal(rows, 2);
    free(body);
}

/* An error body whose code does not fit an int ("Code: 4294967356", by
 * hand after fuzz_chhttp's check of the code): atoi wrapped it to 60, and
 * the sentence said the table did not exist. Now such a code is none. */
static void test_chhttp_code_overflow(void **state)
{
    (void)state;
    size_t n;
    char *body = read_finding(HOSTILE "chhttp_code_overflow.bin", &n);
    ch_url u;
    char err[1024];
    assert_int_equal(ch_url_parse("clickhouse://fuzz@localhost/nettui.flows", &u, err, sizeof err), 0);
    int code = -1;
    assert_int_equal(ch_error_sentence(&u, body, &code, err, sizeof err), EXIT_FAILURE_RUN);
    assert_int_equal(code, 0);
    assert_null(strstr(err, "does not exist"));
    assert_non_null(strstr(err, "answered with an error: Table x doesn't exist"));
    /* and codes that fit are still read */
    assert_int_equal(ch_error_sentence(&u, "Code: 60, e.displayText() = DB::Exception: gone", &code, err, sizeof err), EXIT_NO_INPUT);
    assert_int_equal(code, 60);
    ch_error_sentence(&u, "Code: 2147483647. DB::Exception: big", &code, err, sizeof err);
    assert_int_equal(code, 2147483647);
    ch_error_sentence(&u, "Code: 2147483648. DB::Exception: bigger", &code, err, sizeof err);
    assert_int_equal(code, 0);
    free(body);
}

/* A groups answer no GROUP BY gives (a group of no flow, of 2^64-1 flows,
 * of 2^40+1, its last flow before its first), written by hand after
 * fuzz_chgroups's checks: a weight of 0 and a ts_last before its ts were
 * kept, so the table's own cache refused it on every open, and 2^64-1
 * flows asked for 2^32 rows. Now those are bad rows, counted; a group of
 * 2^33+1 flows still takes its three rows. */
static void test_chgroups_impossible(void **state)
{
    (void)state;
    size_t n;
    FILE *f = fopen(HOSTILE "chgroups_impossible.tsv", "rb");
    assert_non_null(f);
    static char text[4096];
    n = fread(text, 1, sizeof text, f);
    fclose(f);
    ch_url u;
    char err[1024];
    assert_int_equal(ch_url_parse("clickhouse://fuzz@localhost/nettui.flows", &u, err, sizeof err), 0);
    flow_table t;
    load_report rep;
    assert_int_equal(ch_parse_groups(&u, text, n, NULL, 0, &t, &rep, err, sizeof err), EXIT_OK);
    assert_int_equal(t.n, 3);
    assert_int_equal(t.weight_total, 8589934593ULL);
    for (size_t i = 0; i < t.n; i++) {
        assert_true(t.weight[i] > 0);
        assert_true(t.ts_last[i] >= t.ts[i]);
    }
    assert_int_equal(rep.bad[BAD_FIELDS], 3);
    assert_int_equal(rep.bad[BAD_TIMESTAMP], 1);
    assert_int_equal(rep.bad_total, 4);
    /* and the cache takes the table back */
    char path[] = "/tmp/nettui-test-chgroups.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    uint64_t id, id2;
    assert_int_equal(ch_cache_save(path, "key", &t, &id), 0);
    flow_table back;
    cache_reason why;
    assert_int_equal(ch_cache_load(path, "key", &back, &id2, &why), 0);
    assert_int_equal(back.n, 3);
    assert_int_equal(id, id2);
    flows_free(&back);
    flows_free(&t);
    unlink(path);
}

/* ---- endless lines ------------------------------------------------------------ */

/* Writes head, then a line of n copies of c (after prefix), then tail. */
static void write_long_line_file(const char *path, const char *head, const char *prefix, char c,
                                 size_t n, const char *tail)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(head, f);
    fputs(prefix, f);
    char block[4096];
    memset(block, c, sizeof block);
    for (size_t done = 0; done < n; done += sizeof block)
        fwrite(block, 1, n - done < sizeof block ? n - done : sizeof block, f);
    fputs(tail, f);
    fclose(f);
}

/* One line of megabytes with no line end (a NUL-filled or binary file) was
 * buffered whole by libcsv: 300 MB of NUL bytes took 300 MB of memory and,
 * under ASan, minutes. Past 1 MB a line is now skipped unread and counted as
 * one bad line, with the line numbers after it still right. */
static void test_endless_lines(void **state)
{
    (void)state;
    static const struct {
        const char *head, *prefix, *tail;
        char fill;
        int rows, bad_line;
    } cases[] = {
        {"1578326400001,13.1.1.1,18.1.1.1,80,1\n", "1578326400002,", "\n1578326400003,13.1.1.1,18.1.1.1,80,3\n", 'x', 2, 2},
        {"1578326400001,13.1.1.1,18.1.1.1,80,1\r\n", "", "\r\n1578326400003,13.1.1.1,18.1.1.1,80,3\r\n", 0, 2, 2},
        {"1578326400001,13.1.1.1,18.1.1.1,80,1\r", "", "\r1578326400003,13.1.1.1,18.1.1.1,80,3\r", 0, 2, 2},
        {"1578326400001,13.1.1.1,18.1.1.1,80,1\n", "1578326400002,\"", "\n1578326400003,13.1.1.1,18.1.1.1,80,3\n", 'q', 2, 2},
        {"ts,src,dst,port,bytes\n1578326400001,13.1.1.1,18.1.1.1,80,1\n\n", "", "\n\n1578326400003,13.1.1.1,18.1.1.1,80,3\n", ',', 2, 4},
        {"1578326400001,13.1.1.1,18.1.1.1,80,1\n1578326400003,13.1.1.1,18.1.1.1,80,3\n", "", "", 'z', 2, 3},
    };
    char path[] = "/tmp/nettui-test-long.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        write_long_line_file(path, cases[k].head, cases[k].prefix, cases[k].fill, 3u << 20, cases[k].tail);
        flow_table t;
        load_report rep;
        load_both(path, EXIT_OK, &t, &rep);
        assert_int_equal(t.n, cases[k].rows);
        assert_int_equal(rep.bad_total, 1);
        assert_int_equal(rep.bad[BAD_FIELDS], 1);
        assert_int_equal(rep.first_bad[BAD_FIELDS][0], cases[k].bad_line);
        assert_int_equal(t.ts[0], 1578326400001LL);
        assert_int_equal(t.ts[1], 1578326400003LL);
        flows_free(&t);
    }

    /* a line of exactly 1 MB is read, one byte more is dropped, however the
     * file's reads fall (shifted by short lines) and on any thread count */
    const char *pre = "1578326400002,13.1.1.1,18.1.1.1,80,";
    for (int shift = 0; shift < 3; shift++) {
        FILE *f = fopen(path, "wb");
        assert_non_null(f);
        for (int i = 0; i < shift * 997; i++) fputs("1578326400001,13.1.1.1,18.1.1.1,80,1\n", f);
        for (size_t len = (1u << 20); len <= (1u << 20) + 1; len++) {
            fputs(pre, f);
            for (size_t k = strlen(pre); k + 1 < len; k++) fputc('0', f);
            fputs("5\n", f);
        }
        fputs("1578326400003,13.1.1.1,18.1.1.1,80,3\n", f);
        fclose(f);
        flow_table t;
        load_report rep;
        load_both(path, EXIT_OK, &t, &rep);
        assert_int_equal(t.n, (size_t)shift * 997 + 2);
        assert_int_equal(t.ts[t.n - 2], 1578326400002LL);
        assert_int_equal(flows_bytes_at(&t, t.n - 2), 5);
        assert_int_equal(rep.bad[BAD_FIELDS], 1);
        assert_int_equal(rep.first_bad[BAD_FIELDS][0], shift * 997 + 2);
        flows_free(&t);
    }

    /* 64 MB of NUL bytes between two good lines: the peak memory barely moves */
    write_long_line_file(path, cases[0].head, "", 0, 64u << 20, cases[0].tail);
    struct rusage before, after;
    getrusage(RUSAGE_SELF, &before);
    flow_table t;
    load_report rep;
    assert_int_equal(load(path, 2, &t, &rep), EXIT_OK);
    getrusage(RUSAGE_SELF, &after);
    assert_int_equal(t.n, 2);
    assert_int_equal(rep.bad[BAD_FIELDS], 1);
    flows_free(&t);
    assert_true(after.ru_maxrss - before.ru_maxrss < 32 * 1024);   /* kB */
    unlink(path);
}

/* ---- files that are no files ------------------------------------------------ */

/* A FIFO used to block nettui in open() until some writer came along: the
 * loader and the cache's source check now open without waiting and say it is
 * no regular file. alarm() turns a hang back into a failure. */
static void test_fifo_does_not_block(void **state)
{
    (void)state;
    char dir[] = "/tmp/nettui-test-fifo.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/flows.csv", dir);
    assert_int_equal(mkfifo(path, 0600), 0);
    alarm(20);
    flow_table t;
    load_report rep;
    assert_int_equal(load(path, 2, &t, &rep), EXIT_NO_INPUT);
    assert_non_null(strstr(rep.error, path));

    load_options lo;
    load_options_default(&lo);
    cache_options co;
    cache_options_default(&co);
    co.dir = dir;
    co.notes = NULL;
    int from_cache = 1;
    assert_int_equal(cache_load_or_parse(path, &lo, &co, &t, &rep, &from_cache), EXIT_NO_INPUT);
    assert_int_equal(from_cache, 0);
    assert_non_null(strstr(rep.error, path));
    alarm(0);
    unlink(path);
    rmdir(dir);
}

/* ---- no lost work ------------------------------------------------------------ */

static int files_in(const char *dir)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; d && (e = readdir(d)); ) n += e->d_name[0] != '.';
    if (d) closedir(d);
    return n;
}

/* Past `ulimit -f`, writing the answers file raised SIGXFSZ, which ended the
 * program (the TUI with it) and left the temporary file behind. Now the
 * write fails, the earlier file stays as it was, and nothing is left over. */
static void test_export_past_file_size_limit(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load("tests/data/basic.csv", 1, &t, &rep), EXIT_OK);
    engine_options eo;
    engine_options_default(&eo);
    char err[256];
    engine *e = engine_build(&t, &eo, err, sizeof err);
    assert_non_null(e);
    blacklist bl;
    assert_int_equal(blacklist_init(&bl, t.hosts.n), 0);
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);

    char dir[] = "/tmp/nettui-test-export.XXXXXX", path[64];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/answers.txt", dir);
    FILE *earlier = fopen(path, "w");
    assert_non_null(earlier);
    fputs("EARLIER\n", earlier);
    fclose(earlier);

    struct rlimit old, small;
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 4;               /* bytes: "EARLIER\n" is there already */
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
    int rc = export_answers_to_path(path, e, f, NULL, err, sizeof err);
    setrlimit(RLIMIT_FSIZE, &old);    /* before cmocka prints anything */
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, path));
    char buf[32] = {0};
    FILE *in = fopen(path, "r");
    assert_non_null(in);
    assert_non_null(fgets(buf, sizeof buf, in));
    fclose(in);
    assert_string_equal(buf, "EARLIER\n");
    assert_int_equal(files_in(dir), 1);   /* no temporary file left over */

    /* and without the limit the same call replaces it */
    assert_int_equal(export_answers_to_path(path, e, f, NULL, err, sizeof err), 0);
    assert_int_equal(files_in(dir), 1);
    unlink(path);
    rmdir(dir);
    blacklist_free(&bl);
    engine_free(e);
    flows_free(&t);
}

/* --export onto something that is no regular file used to rename a temporary
 * file over it: /dev/null (as root), /dev/stdout or a FIFO became a regular
 * file, a symbolic link lost its target. Now devices and FIFOs are written
 * directly (a FIFO without reader fails instead of waiting) and a link's
 * target is what gets replaced. */
static void test_export_onto_special_files(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load("tests/data/basic.csv", 1, &t, &rep), EXIT_OK);
    engine_options eo;
    engine_options_default(&eo);
    char err[256], dir[] = "/tmp/nettui-test-special.XXXXXX", p[96], q[96];
    engine *e = engine_build(&t, &eo, err, sizeof err);
    assert_non_null(e);
    blacklist bl;
    assert_int_equal(blacklist_init(&bl, t.hosts.n), 0);
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);
    assert_non_null(mkdtemp(dir));
    struct stat st;

    snprintf(p, sizeof p, "%s/null", dir);              /* a link to a device */
    assert_int_equal(symlink("/dev/null", p), 0);
    assert_int_equal(export_answers_to_path(p, e, f, NULL, err, sizeof err), 0);
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat("/dev/null", &st), 0);
    assert_true(S_ISCHR(st.st_mode));
    unlink(p);

    snprintf(p, sizeof p, "%s/fifo", dir);              /* a FIFO nobody reads */
    assert_int_equal(mkfifo(p, 0600), 0);
    alarm(20);
    assert_int_equal(export_answers_to_path(p, e, f, NULL, err, sizeof err), -1);
    alarm(0);
    assert_non_null(strstr(err, p));
    assert_int_equal(lstat(p, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    unlink(p);

    snprintf(p, sizeof p, "%s/target.txt", dir);        /* a link to a file */
    snprintf(q, sizeof q, "%s/link.txt", dir);
    FILE *x = fopen(p, "w");
    assert_non_null(x);
    fclose(x);
    assert_int_equal(symlink("target.txt", q), 0);
    assert_int_equal(export_answers_to_path(q, e, f, NULL, err, sizeof err), 0);
    assert_int_equal(lstat(q, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_int_equal(stat(p, &st), 0);
    assert_true(st.st_size > 0);
    assert_int_equal(files_in(dir), 2);
    unlink(q);
    unlink(p);
    rmdir(dir);
    blacklist_free(&bl);
    engine_free(e);
    flows_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fuzz_ts_int64_max),
        cmocka_unit_test(test_ts_range),
        cmocka_unit_test(test_stray_quotes),
        cmocka_unit_test(test_control_characters_in_hosts),
        cmocka_unit_test(test_fuzz_chhttp_del),
        cmocka_unit_test(test_chgroups_impossible),
        cmocka_unit_test(test_chhttp_code_overflow),
        cmocka_unit_test(test_endless_lines),
        cmocka_unit_test(test_fifo_does_not_block),
        cmocka_unit_test(test_export_past_file_size_limit),
        cmocka_unit_test(test_export_onto_special_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
