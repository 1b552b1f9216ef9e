/* test_load.c: the CSV loader on real files through real libcsv: every edge
 * case of tests/data/, and threaded loads equal to one parser, id for id. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <zlib.h>

#include "nettui/load.h"
#include "../../src/core/load_priv.h"
#include "test_tables.h"

#define DATA "tests/data/"

static int load(const char *path, int threads, flow_table *t, load_report *rep)
{
    load_options o;
    load_options_default(&o);
    o.threads = threads;
    return load_file(path, &o, t, rep);
}

static const char *host(const flow_table *t, host_id h)
{
    static char buf[4][16];
    static int i;
    i = (i + 1) % 4;
    return hosts_name(&t->hosts, h, buf[i]);
}

static void assert_row(const flow_table *t, size_t i, int64_t ts, const char *src, const char *dst,
                       unsigned port, uint64_t bytes)
{
    assert_true(i < t->n);
    assert_int_equal(t->ts[i], ts);
    assert_string_equal(host(t, t->src[i]), src);
    assert_string_equal(host(t, t->dst[i]), dst);
    assert_int_equal(t->port[i], port);
    assert_int_equal(flows_bytes_at(t, i), bytes);
}

static void assert_lines(const load_report *rep, bad_kind k, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    assert_int_equal(rep->nfirst_bad[k], n);
    for (int i = 0; i < n; i++) assert_int_equal(rep->first_bad[k][i], va_arg(ap, int));
    va_end(ap);
}

/* the two first rows every small file shares */
static void assert_two_rows(const flow_table *t)
{
    assert_row(t, 0, 1578326400001LL, "13.43.52.51", "18.70.112.62", 40, 57354);
    assert_row(t, 1, 1578326400002LL, "12.30.1.2", "13.31.0.9", 443, 1000);
}

static void test_basic(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "basic.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 3);
    assert_two_rows(&t);
    assert_row(&t, 2, 1578326460000LL, "16.1.2.3", "14.59.255.1", 22, 0);
    assert_int_equal(rep.had_header, 0);
    assert_int_equal(rep.timestamps_in_seconds, 0);
    assert_int_equal(rep.lines, 3);
    assert_int_equal(rep.bad_total, 0);
    assert_int_equal(rep.file_bytes, 131);
    assert_int_equal(t.ts_min, 1578326400001LL);
    assert_int_equal(t.ts_max, 1578326460000LL);
    assert_int_equal(t.total_bytes, 58354);
    assert_int_equal(t.nbig, 0);
    /* hosts in order of first appearance, internal = 12/8, 13/8, 14/8 */
    assert_int_equal(t.hosts.n, 6);
    const char *order[] = {"13.43.52.51", "18.70.112.62", "12.30.1.2", "13.31.0.9", "16.1.2.3", "14.59.255.1"};
    const int internal[] = {1, 0, 1, 1, 0, 1};
    for (host_id h = 0; h < 6; h++) {
        assert_string_equal(host(&t, h), order[h]);
        assert_int_equal(t.hosts.internal[h], internal[h]);
    }
    assert_int_equal(t.internal.n, 3);
    flows_free(&t);
}

static void test_header(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "header.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(rep.lines, 3);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    flows_free(&t);
}

static void test_renamed_reordered_columns(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    /* Bytes,DstAddr,Proto,Dst_Port,SrcAddr,Time: named, in another order, one extra */
    assert_int_equal(load(DATA "renamed.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(rep.bad_total, 0);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    flows_free(&t);
}

static void test_unknown_header_is_positional(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "positional_header.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(t.n, 1);
    assert_row(&t, 0, 1578326400001LL, "13.43.52.51", "18.70.112.62", 40, 57354);
    flows_free(&t);
}

static void test_crlf(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "crlf.csv", 3, &t, &rep), EXIT_OK);
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(t.n, 3);
    assert_two_rows(&t);
    assert_row(&t, 2, 1578326400003LL, "12.30.1.2", "13.31.0.9", 443, 7);
    assert_int_equal(rep.bad_total, 1);
    assert_lines(&rep, BAD_TIMESTAMP, 1, 4);
    flows_free(&t);
}

static void test_quoted_fields(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "quoted.csv", 4, &t, &rep), EXIT_OK);
    assert_int_equal(rep.threads_used, 1);   /* quotes: one parser */
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(t.n, 4);
    assert_row(&t, 0, 1578326400001LL, "13.43.52.51", "18.70.112.62", 40, 57354);
    assert_row(&t, 1, 1578326400002LL, "host, with comma", "12.30.1.2", 443, 1000);
    assert_row(&t, 2, 1578326400003LL, "multi\nline host", "12.30.1.2", 443, 5);
    assert_row(&t, 3, 1578326400005LL, "12.30.1.2", "13.31.0.9", 80, 6);
    /* the quoted newline makes the bad port line 6 of the file, not row 5 */
    assert_int_equal(rep.bad_total, 1);
    assert_lines(&rep, BAD_PORT, 1, 6);
    flows_free(&t);
}

static void test_quoted_header_keeps_threads(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    /* "ts","src",...: quotes in the header line alone */
    assert_int_equal(load(DATA "quoted_header.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(rep.threads_used, 2);
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    flows_free(&t);
}

static void test_byte_order_mark(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "bom.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(rep.had_header, 1);
    assert_int_equal(rep.bad_total, 0);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    flows_free(&t);
}

static void test_junk_first_line(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    /* one field, no address: not a header that names five columns, so a bad line */
    assert_int_equal(load(DATA "junk_first_line.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(rep.had_header, 0);
    assert_int_equal(rep.bad_total, 1);
    assert_lines(&rep, BAD_FIELDS, 1, 1);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    flows_free(&t);
}

static void test_blank_lines(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "blank_lines.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    assert_int_equal(rep.lines, 3);
    assert_int_equal(rep.bad_total, 1);   /* blank lines are not bad */
    assert_lines(&rep, BAD_PORT, 1, 7);
    flows_free(&t);
}

static void test_bad_kinds(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "bad_kinds.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 2);
    assert_row(&t, 0, 1578326400001LL, "13.43.52.51", "18.70.112.62", 40, 57354);
    assert_row(&t, 1, 1578326400012LL, "13.43.52.51", "18.70.112.62", 65535, UINT64_MAX);
    assert_int_equal(rep.lines, 14);
    assert_int_equal(rep.bad_total, 12);
    assert_int_equal(rep.bad[BAD_FIELDS], 2);
    assert_int_equal(rep.bad[BAD_TIMESTAMP], 3);
    assert_int_equal(rep.bad[BAD_HOST], 2);
    assert_int_equal(rep.bad[BAD_PORT], 3);
    assert_int_equal(rep.bad[BAD_BYTES], 2);
    assert_lines(&rep, BAD_FIELDS, 2, 2, 3);
    assert_lines(&rep, BAD_TIMESTAMP, 3, 4, 5, 11);
    assert_lines(&rep, BAD_HOST, 2, 6, 13);
    assert_lines(&rep, BAD_PORT, 3, 7, 8, 14);
    assert_lines(&rep, BAD_BYTES, 2, 9, 10);
    assert_int_equal(t.total_bytes, UINT64_MAX);   /* saturates */
    assert_string_equal(load_bad_kind_name(BAD_PORT), "port");
    flows_free(&t);
}

static void test_no_final_newline_and_one_line(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "no_final_newline.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 2);
    assert_two_rows(&t);
    flows_free(&t);
    assert_int_equal(load(DATA "one_line.csv", 7, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 1);
    assert_row(&t, 0, 1578326400001LL, "13.43.52.51", "18.70.112.62", 40, 57354);
    flows_free(&t);
}

static void test_seconds(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "seconds.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(rep.timestamps_in_seconds, 1);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.ts[0], 1578326400000LL);
    assert_int_equal(t.ts[1], 1578326401500LL);
    flows_free(&t);
}

static void test_timestamp_digits(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "timestamps.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(rep.timestamps_in_seconds, 0);
    /* a non-digit inside the first eight, a slash just past '9' in ASCII,
     * and past year 9999: bad; a fraction of a millisecond is dropped;
     * leading zeros are only zeros */
    assert_int_equal(rep.bad[BAD_TIMESTAMP], 3);
    assert_lines(&rep, BAD_TIMESTAMP, 3, 2, 6, 7);
    assert_int_equal(t.n, 5);
    assert_int_equal(t.ts[0], 1578326400001LL);
    assert_int_equal(t.ts[1], 15783264000031LL);
    assert_int_equal(t.ts[2], 1578326400004LL);
    assert_int_equal(t.ts[3], 12345678LL);
    assert_int_equal(t.ts[4], 1578326400008LL);
    flows_free(&t);
}

static void test_string_hosts(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "names.csv", 1, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 4);
    assert_int_equal(rep.bad_total, 0);
    assert_row(&t, 0, 1578326400001LL, "2001:db8::1", "13.43.52.51", 443, 100);
    assert_row(&t, 2, 1578326400003LL, "2001:db8::1", "mail.example.com", 25, 300);
    assert_int_equal(t.hosts.n, 4);
    host_id v6 = hosts_find(&t.hosts, "2001:db8::1");
    assert_int_equal(v6, 0);
    assert_int_equal(t.hosts.internal[v6], 0);
    assert_int_not_equal(hosts_find(&t.hosts, "1.2.3.256"), HOST_NONE);
    flows_free(&t);
}

static void test_big_bytes(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    assert_int_equal(load(DATA "big_bytes.csv", 2, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 4);
    assert_int_equal(t.bytes[0], 4294967294u);
    assert_int_equal(t.bytes[1], FLOWS_BYTES_BIG);
    assert_int_equal(t.bytes[2], FLOWS_BYTES_BIG);
    assert_int_equal(t.nbig, 2);
    assert_int_equal(flows_bytes_at(&t, 1), 4294967295ULL);
    assert_int_equal(flows_bytes_at(&t, 2), 10000000000ULL);
    assert_int_equal(flows_bytes_at(&t, 3), 1);
    assert_int_equal(t.total_bytes, 18589934590ULL);
    flows_free(&t);
}

static void assert_no_input(const char *path, const char *why)
{
    flow_table t;
    load_report rep;
    assert_int_equal(load(path, 2, &t, &rep), EXIT_NO_INPUT);
    assert_non_null(strstr(rep.error, path));
    assert_non_null(strstr(rep.error, why));
    assert_int_equal(t.n, 0);
    assert_null(t.ts);
    assert_int_equal(t.hosts.n, 0);
    flows_free(&t);   /* harmless on a failed load */
}

static void test_no_input(void **state)
{
    (void)state;
    assert_no_input(DATA "empty.csv", "is empty");
    assert_no_input(DATA "header_only.csv", "header line but no flows");
    assert_no_input(DATA "blank_only.csv", "only blank lines");
    assert_no_input(DATA "does-not-exist.csv", "No such file");
    assert_no_input("tests/data", "is a directory");
    assert_no_input(DATA "not_flows.csv", "no valid flow line");
}

static void test_all_lines_bad(void **state)
{
    (void)state;
    char path[] = "/tmp/nettui-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("1578326400001,13.43.52.51,18.70.112.62,40\n1578326400001,13.43.52.51,18.70.112.62,99999,1\n", f);
    fclose(f);
    flow_table t;
    load_report rep;
    assert_int_equal(load(path, 1, &t, &rep), EXIT_NO_INPUT);
    assert_non_null(strstr(rep.error, "no valid flow line"));
    assert_int_equal(rep.bad_total, 2);
    unlink(path);
}

static int cancel_at_once(void *user, uint64_t done, uint64_t total, uint64_t rows)
{
    (void)done; (void)total; (void)rows;
    ++*(int *)user;
    return 1;
}

typedef struct seen_progress {
    int calls;
    uint64_t last_done, last_total, last_rows;
} seen_progress;

static int record_progress(void *user, uint64_t done, uint64_t total, uint64_t rows)
{
    seen_progress *s = user;
    s->calls++;
    assert_true(done <= total);
    s->last_done = done; s->last_total = total; s->last_rows = rows;
    return 0;
}

static void test_progress_and_cancel(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    load_options o;
    load_options_default(&o);
    int calls = 0;
    o.progress = cancel_at_once;
    o.user = &calls;
    assert_int_equal(load_file(DATA "basic.csv", &o, &t, &rep), EXIT_FAILURE_RUN);
    assert_string_equal(rep.error, "cancelled");
    assert_int_equal(calls, 1);
    assert_int_equal(t.n, 0);

    seen_progress s = {0};
    o.progress = record_progress;
    o.user = &s;
    assert_int_equal(load_file(DATA "basic.csv", &o, &t, &rep), EXIT_OK);
    assert_true(s.calls >= 2);
    assert_int_equal(s.last_done, 131);
    assert_int_equal(s.last_total, 131);
    assert_int_equal(s.last_rows, 3);
    flows_free(&t);
}

/* A gzip file cancelled while it decompresses: one EXIT_FAILURE_RUN with
 * "cancelled", no second attempt (load_file reads a file again only when it
 * changed, never after a cancel), and the callback asked once. */
static void test_cancel_while_decompressing(void **state)
{
    (void)state;
    char path[] = "/tmp/nettui-test-gz-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    gzFile gz = gzdopen(fd, "wb");
    assert_non_null(gz);
    for (int i = 0; i < 20000; i++)
        gzprintf(gz, "%lld,13.1.%d.%d,18.70.112.62,40,%d\n", 1578326400000LL + i, i % 200, i % 7, 100 + i);
    assert_int_equal(gzclose(gz), Z_OK);
    flow_table t;
    load_report rep;
    load_options o;
    load_options_default(&o);
    int calls = 0;
    o.progress = cancel_at_once;
    o.user = &calls;
    assert_int_equal(load_file(path, &o, &t, &rep), EXIT_FAILURE_RUN);
    assert_string_equal(rep.error, "cancelled");
    assert_int_equal(calls, 1);
    assert_int_equal(t.n, 0);
    o.progress = NULL;
    assert_int_equal(load_file(path, &o, &t, &rep), EXIT_OK);   /* the same file loads */
    assert_int_equal(t.n, 20000);
    flows_free(&t);
    unlink(path);
}

static void test_internal_blocks(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    load_options o;
    load_options_default(&o);
    char err[200];
    assert_int_equal(cidr_list_parse(&o.internal, "18.70.0.0/16", err, sizeof err), 0);
    assert_int_equal(load_file(DATA "basic.csv", &o, &t, &rep), EXIT_OK);
    assert_int_equal(t.hosts.internal[hosts_find(&t.hosts, "18.70.112.62")], 1);
    assert_int_equal(t.hosts.internal[hosts_find(&t.hosts, "13.43.52.51")], 0);
    assert_int_equal(t.internal.n, 1);
    flows_free(&t);
}

/* A file of some thousands of lines: a few hundred hosts, big byte counts,
 * blank lines, CRLF on some lines, and bad lines only late in the file, so
 * that their line numbers come from the last threads' chunks. */
static void write_generated(const char *path, int nlines, int *bad_lines, int bad_cap, int *nbad)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    unsigned x = 12345;
    *nbad = 0;
    for (int line = 1; line <= nlines; line++) {
        x = x * 1103515245u + 12345u;
        unsigned r = x >> 8;
        if (line % 97 == 0) { fputs("\n", f); continue; }
        if (line > nlines * 3 / 4 && line % 251 == 0) {
            fprintf(f, "1578326400000,12.30.1.1,16.0.0.1,%u,1\n", 70000 + r % 100);
            if (*nbad < bad_cap) bad_lines[*nbad] = line;
            ++*nbad;
            continue;
        }
        uint64_t bytes = r % 50 == 0 ? 5000000000ULL + r : r % 60000;
        if (line % 503 == 0) {   /* a string host now and then */
            fprintf(f, "%lld,host-%u.example,2001:db8::%x,%u,%llu\n", 1578326400000LL + line * 7, r % 3, r % 5,
                    r % 1000, (unsigned long long)bytes);
            continue;
        }
        fprintf(f, "%lld,%u.%u.%u.%u,%u.%u.%u.%u,%u,%llu%s\n", 1578326400000LL + line * 7,
                12 + r % 6, 30 + r % 30, (r >> 5) % 4, (r >> 7) % 8,
                12 + (r >> 3) % 6, 30 + (r >> 9) % 30, (r >> 11) % 3, (r >> 13) % 9,
                21 + (r >> 4) % 100, (unsigned long long)bytes, line % 5 == 0 ? "\r" : "");
    }
    fclose(f);
}

static void test_threads_equal_one_parser(void **state)
{
    (void)state;
    char path[] = "/tmp/nettui-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int bad[64], nbad;
    write_generated(path, 6000, bad, 64, &nbad);
    assert_true(nbad >= LOAD_FIRST_LINES);

    flow_table one, many;
    load_report r1, rn;
    assert_int_equal(load(path, 1, &one, &r1), EXIT_OK);
    assert_int_equal(r1.bad_total, (uint64_t)nbad);
    assert_int_equal(r1.bad[BAD_PORT], (uint64_t)nbad);
    assert_int_equal(r1.nfirst_bad[BAD_PORT], LOAD_FIRST_LINES);
    for (int i = 0; i < LOAD_FIRST_LINES; i++) assert_int_equal(r1.first_bad[BAD_PORT][i], bad[i]);
    assert_int_equal(one.n + (size_t)nbad, r1.lines);
    assert_true(one.nbig > 0);
    assert_true(one.hosts.n > 100);

    const int threads[] = {2, 3, 7, 16};
    for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
        assert_int_equal(load(path, threads[k], &many, &rn), EXIT_OK);
        assert_int_equal(rn.threads_used, threads[k]);
        assert_tables_equal(&one, &many);
        assert_int_equal(rn.lines, r1.lines);
        assert_memory_equal(rn.bad, r1.bad, sizeof rn.bad);
        assert_memory_equal(rn.first_bad, r1.first_bad, sizeof rn.first_bad);
        assert_memory_equal(rn.nfirst_bad, r1.nfirst_bad, sizeof rn.nfirst_bad);
        flows_free(&many);
    }
    flows_free(&one);
    unlink(path);
}

/* Big enough that every region spans many pages and compaction moves and
 * releases memory in several steps. */
static void test_threads_equal_big_regions(void **state)
{
    (void)state;
    char path[] = "/tmp/nettui-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    int bad[8], nbad;
    write_generated(path, 400000, bad, 8, &nbad);
    flow_table one, many;
    load_report r1, rn;
    assert_int_equal(load(path, 1, &one, &r1), EXIT_OK);
    assert_int_equal(r1.bad_total, (uint64_t)nbad);
    for (int i = 0; i < LOAD_FIRST_LINES; i++) assert_int_equal(r1.first_bad[BAD_PORT][i], bad[i]);
    assert_true(one.n > 390000);
    const int threads[] = {2, 5};
    for (size_t k = 0; k < sizeof threads / sizeof *threads; k++) {
        assert_int_equal(load(path, threads[k], &many, &rn), EXIT_OK);
        assert_tables_equal(&one, &many);
        assert_memory_equal(rn.first_bad, r1.first_bad, sizeof rn.first_bad);
        flows_free(&many);
    }
    flows_free(&one);
    unlink(path);
}

/* Long lines first, then short ones: the row estimate taken from the first
 * lines is too small for the first chunk, and the load must run again on
 * sure bounds and still equal one parser. */
static void test_threads_short_lines_after_long(void **state)
{
    (void)state;
    char path[] = "/tmp/nettui-test-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    for (int i = 0; i < 3000; i++)
        fprintf(f, "%lld,a-long-host-name-to-make-the-line-long-%d.example.org,13.31.%d.%d,443,%d\n",
                1578326400000LL + i, i % 50, i % 7, i % 200, i);
    for (int i = 0; i < 200000; i++) fprintf(f, "%d,1.2.%d.4,1.2.3.%d,%d,%d\n", i, i % 9, i % 5, i % 1000, i);
    fclose(f);
    flow_table one, many;
    load_report r1, rn;
    assert_int_equal(load(path, 1, &one, &r1), EXIT_OK);
    assert_int_equal(one.n, 203000);
    for (int threads = 2; threads <= 4; threads++) {
        assert_int_equal(load(path, threads, &many, &rn), EXIT_OK);
        assert_int_equal(rn.threads_used, threads);
        assert_tables_equal(&one, &many);
        flows_free(&many);
    }
    flows_free(&one);
    unlink(path);
}

/* load_csv_in_quotes reads libcsv's undocumented struct fields (quoted,
 * entry_pos): the stray-quote guard depends on what they mean, so a libcsv
 * release that changes them must fail here, not silently in a load. */
static void count_field(void *s, size_t len, void *data) { (void)s; (void)len; ++*(int *)data; }
static void count_row(int c, void *data) { (void)c; (void)data; }

static void test_csv_in_quotes(void **state)
{
    (void)state;
    struct csv_parser p;
    assert_int_equal(csv_init(&p, CSV_APPEND_NULL | CSV_REPALL_NL), 0);
    int fields = 0;
    size_t held = 99;
    const char *plain = "1,a,";
    csv_parse(&p, plain, strlen(plain), count_field, count_row, &fields);
    assert_int_equal(load_csv_in_quotes(&p, &held), 0);   /* between fields, unquoted */
    const char *open = "\"b,c\nd";                          /* a quoted field over a line end */
    csv_parse(&p, open, strlen(open), count_field, count_row, &fields);
    assert_int_equal(fields, 2);
    assert_int_equal(load_csv_in_quotes(&p, &held), 1);
    assert_int_equal(held, 5);                              /* b , c \n d */
    const char *close = "\",7\n";
    csv_parse(&p, close, strlen(close), count_field, count_row, &fields);
    assert_int_equal(load_csv_in_quotes(&p, &held), 0);
    assert_int_equal(fields, 4);
    csv_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_renamed_reordered_columns),
        cmocka_unit_test(test_unknown_header_is_positional),
        cmocka_unit_test(test_crlf),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_quoted_header_keeps_threads),
        cmocka_unit_test(test_byte_order_mark),
        cmocka_unit_test(test_junk_first_line),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_bad_kinds),
        cmocka_unit_test(test_no_final_newline_and_one_line),
        cmocka_unit_test(test_seconds),
        cmocka_unit_test(test_timestamp_digits),
        cmocka_unit_test(test_string_hosts),
        cmocka_unit_test(test_big_bytes),
        cmocka_unit_test(test_no_input),
        cmocka_unit_test(test_all_lines_bad),
        cmocka_unit_test(test_progress_and_cancel),
        cmocka_unit_test(test_cancel_while_decompressing),
        cmocka_unit_test(test_internal_blocks),
        cmocka_unit_test(test_threads_equal_one_parser),
        cmocka_unit_test(test_threads_equal_big_regions),
        cmocka_unit_test(test_threads_short_lines_after_long),
        cmocka_unit_test(test_csv_in_quotes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
