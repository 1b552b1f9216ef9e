/* test_filter.c: the flow filter language of filter.h: precedence, every
 * atom against a hand-built table, times, and the one-sentence errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nettui/filter.h"

/* rows: ts, src, dst, port, bytes */
static const struct { int64_t ts; const char *src, *dst; uint16_t port; uint64_t bytes; } rows[] = {
    {1000, "12.0.0.1", "99.0.0.1", 80, 100},
    {2000, "12.0.0.2", "12.0.0.1", 22, 5000},
    {3000, "99.0.0.1", "12.0.0.2", 443, 70000},
    {4000, "13.1.1.1", "99.0.0.2", 80, 5000000000ull},
    {5000, "host.example", "12.0.0.1", 53, 1},
};
#define NROWS (sizeof rows / sizeof *rows)

static flow_table table;

static int setup(void **state)
{
    (void)state;
    memset(&table, 0, sizeof table);
    hosts_init(&table.hosts);
    cidr_list_default(&table.internal);
    if (flows_alloc_columns(&table, 16)) return -1;
    table.big = calloc(1, sizeof *table.big);
    for (size_t i = 0; i < NROWS; i++) {
        host_id h[2];
        const char *names[2] = {rows[i].src, rows[i].dst};
        for (int k = 0; k < 2; k++) {
            uint32_t ip;
            h[k] = ipv4_parse(names[k], strlen(names[k]), &ip) == 0
                       ? hosts_add_ipv4(&table.hosts, ip, &table.internal)
                       : hosts_add_name(&table.hosts, names[k], strlen(names[k]));
        }
        table.ts[i] = rows[i].ts;
        table.src[i] = h[0];
        table.dst[i] = h[1];
        table.port[i] = rows[i].port;
        if (rows[i].bytes >= FLOWS_BYTES_BIG) {
            table.bytes[i] = FLOWS_BYTES_BIG;
            table.big[table.nbig].row = i;
            table.big[table.nbig++].bytes = rows[i].bytes;
        } else {
            table.bytes[i] = (uint32_t)rows[i].bytes;
        }
    }
    table.n = NROWS;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    flows_free(&table);
    return 0;
}

/* The matching rows as a string of 0/1, row order; "ERR" when it fails. */
static const char *run(const char *expr)
{
    static char out[NROWS + 1];
    char err[300];
    flow_filter *f = filter_parse(expr, err, sizeof err, NULL);
    if (!f) return "ERR";
    assert_int_equal(filter_bind(f, &table), 0);
    uint8_t m[NROWS];
    filter_eval(f, &table, 0, NROWS, m);
    for (size_t i = 0; i < NROWS; i++) {
        out[i] = (char)('0' + m[i]);
        assert_int_equal(filter_match(f, &table, i), m[i]);
    }
    out[NROWS] = 0;
    size_t ones = 0;
    for (size_t i = 0; i < NROWS; i++) ones += m[i];
    assert_int_equal(filter_scan(f, &table, 0, NROWS, NULL, NULL), ones);
    filter_free(f);
    return out;
}

static size_t count(const char *s) { size_t n = 0; for (; *s; s++) n += *s == '1'; return n; }

static void test_atoms(void **state)
{
    (void)state;
    assert_string_equal(run("host 12.0.0.1"), "11001");
    assert_string_equal(run("src 12.0.0.1"), "10000");
    assert_string_equal(run("dst host 12.0.0.1"), "01001");
    assert_string_equal(run("host host.example"), "00001");
    assert_string_equal(run("host 1.2.3.4"), "00000");      /* unknown: nothing */
    assert_string_equal(run("port 80"), "10010");
    assert_string_equal(run("net 99.0.0.0/8"), "10110");
    assert_string_equal(run("src net 12.0.0.0/8"), "11000");
    assert_string_equal(run("dst net 12.0.0.0/24"), "01101");
    assert_string_equal(run("after 3000"), "00111");
    assert_string_equal(run("before 3000"), "11000");
    assert_string_equal(run("bytes > 5000"), "00110");
    assert_string_equal(run("bytes >= 5000"), "01110");
    assert_string_equal(run("bytes<5000"), "10001");
    assert_string_equal(run("bytes <= 100"), "10001");
    assert_string_equal(run("bytes = 5000000000"), "00010");
    assert_string_equal(run("bytes != 5000"), "10111");
    assert_string_equal(run(""), "11111");
    /* rows are at 1..5 s after midnight UTC: hour 0 */
    assert_string_equal(run("hour 0"), "11111");
    assert_string_equal(run("hour 1-24"), "00000");
    assert_string_equal(run("hour 22-1"), "11111");
    assert_string_equal(run("hour 23"), "00000");
    assert_string_equal(run("all"), "11111");
}

static void test_precedence(void **state)
{
    (void)state;
    /* and binds tighter than or */
    assert_string_equal(run("port 80 or port 22 and bytes > 1000"), "11010");
    assert_string_equal(run("(port 80 or port 22) and bytes > 1000"), "01010");
    assert_string_equal(run("port 22 and bytes > 1000 or port 80"), "11010");
    assert_string_equal(run("not port 80 and not port 22"), "00101");
    assert_string_equal(run("not (port 80 or port 22)"), "00101");
    assert_string_equal(run("not not port 80"), "10010");
    assert_string_equal(run("((host 12.0.0.1))"), "11001");
    assert_string_equal(run("host 12.0.0.1 and (port 22 or port 53) or bytes > 60000"), "01111");
    assert_string_equal(run("port 80 && bytes > 1000 || port 53"), "00011");
    assert_int_equal(count(run("port 80 or not port 80")), NROWS);
}

static void test_times(void **state)
{
    (void)state;
    int64_t ms;
    assert_int_equal(filter_parse_time("1578326400000", 13, &ms), 0);
    assert_int_equal(ms, 1578326400000);
    const char *same[] = {"2020-01-06 16:00", "2020-01-06 16:00:00", "2020-01-06T16:00:00Z",
                          "2020-01-06T16:00:00.000Z", "2020-01-06T16:00"};
    for (size_t i = 0; i < sizeof same / sizeof *same; i++) {
        assert_int_equal(filter_parse_time(same[i], strlen(same[i]), &ms), 0);
        assert_int_equal(ms, 1578326400000);
    }
    assert_int_equal(filter_parse_time("2020-01-06", 10, &ms), 0);
    assert_int_equal(ms, 1578268800000);
    assert_int_equal(filter_parse_time("2020-01-06T16:00:00.5Z", 22, &ms), 0);
    assert_int_equal(ms, 1578326400500);
    /* the loader's range: no flow is before 1970, nor is a TIME */
    assert_int_equal(filter_parse_time("1969-12-31T23:59:59.999Z", 24, &ms), -1);
    const char *bad[] = {"2020-13-01", "2020-02-30", "2019-02-29", "2020-01-06 24:00", "2020-01-06T16", "2020-1-06",
                         "2020-01-06x", "1.5", "2020-01-06T16:00:00+01:00", ""};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        assert_int_equal(filter_parse_time(bad[i], strlen(bad[i]), &ms), -1);
    char buf[40];
    assert_string_equal(filter_format_iso(1578326400123, buf, sizeof buf), "2020-01-06T16:00:00.123Z");
    assert_string_equal(filter_format_iso(-1, buf, sizeof buf), "1969-12-31T23:59:59.999Z");
    /* a date and a time as two words in the expression */
    assert_string_equal(run("after 1970-01-01 00:00:03"), "00111");
    assert_string_equal(run("after \"1970-01-01 00:00:02\" and before 1970-01-01T00:00:04Z"), "01100");
}

/* Each bad expression: NULL, one sentence naming the word and position. */
static void expect_error(const char *expr, const char *want)
{
    char err[300];
    int oom = 1;
    flow_filter *f = filter_parse(expr, err, sizeof err, &oom);
    if (f) fail_msg("'%s' parsed", expr);
    assert_int_equal(oom, 0);
    if (!strstr(err, want)) fail_msg("'%s': want '%s' in '%s'", expr, want, err);
    size_t n = strlen(err);
    assert_true(n > 0 && err[n - 1] == '.');
    assert_null(strchr(err, '\n'));
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("hots 1.2.3.4", "'hots' at character 1");
    expect_error("host", "ends after 'host' at character 1");
    expect_error("port 80 and", "ends after 'and' at character 9");
    expect_error("port 99999", "'99999' at character 6");
    expect_error("port x", "'x' at character 6");
    expect_error("(port 80 or port 22", "')'");
    expect_error("port 80)", "')' at character 8");
    expect_error("port 80 port 22", "'port' at character 9");
    expect_error("bytes >> 3", "'>>' at character 7");
    expect_error("bytes > -3", "at character 9");
    expect_error("net 10.0.0/8", "'10.0.0/8' at character 5");
    expect_error("host 1.2.3", "'1.2.3' at character 6");
    expect_error("after yesterday", "'yesterday' at character 7");
    expect_error("host and", "'and' at character 6");
    expect_error("not", "ends after 'not'");
    expect_error("()", "')' at character 2");
    expect_error("hour 24", "'24' at character 6");
    expect_error("hour 5-5", "'5-5' at character 6");
    expect_error("port 1 and \"x", "never closed");
    /* a control byte in the word does not break the one-line sentence (fuzz_filter) */
    expect_error("before \"&01-07\n\nT00.5Z\"", "'\"&01-07??T00.5Z\"' at character 8");
    char deep[400] = "";
    for (int i = 0; i < 100; i++) strcat(deep, "(");
    expect_error(deep, "deeper");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_atoms),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
