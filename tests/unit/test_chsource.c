/* test_chsource.c: the ClickHouse source's parts that need no server: the
 * URL and its credentials, which names may reach SQL, --where's shape,
 * the filter as SQL (hostile host texts included), and error bodies as
 * sentences. The queries themselves run against a real server in
 * tests/e2e (the chinfra branch's 90-clickhouse.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "nettui/chsource.h"

static void test_url_forms(void **state)
{
    (void)state;
    ch_url u;
    char err[300], buf[600];
    assert_int_equal(ch_url_parse("clickhouse://127.0.0.1/nettui.flows", &u, err, sizeof err), 0);
    assert_false(u.https);
    assert_string_equal(u.user, "default");
    assert_false(u.has_password);
    assert_string_equal(u.host, "127.0.0.1");
    assert_int_equal(u.port, 8123);
    assert_string_equal(u.database, "nettui");
    assert_string_equal(u.table, "flows");

    assert_int_equal(ch_url_parse("clickhouses://alice:s3cret@db.example.org:9443/logs.flows_2020", &u, err, sizeof err), 0);
    assert_true(u.https);
    assert_string_equal(u.user, "alice");
    assert_true(u.has_password);
    assert_string_equal(u.password, "s3cret");
    assert_string_equal(u.host, "db.example.org");
    assert_int_equal(u.port, 9443);
    assert_string_equal(u.table, "flows_2020");
    /* the name messages use never holds the password */
    ch_url_text(&u, buf, sizeof buf);
    assert_string_equal(buf, "https://alice@db.example.org:9443/logs.flows_2020");
    assert_null(strstr(buf, "s3cret"));

    assert_int_equal(ch_url_parse("clickhouses://h/d.t", &u, err, sizeof err), 0);
    assert_int_equal(u.port, 8443);
    assert_int_equal(ch_url_parse("CLICKHOUSE://[::1]:28123/d.t", &u, err, sizeof err), 0);
    assert_string_equal(u.host, "[::1]");
    assert_int_equal(u.port, 28123);
    /* an empty password is still a password */
    assert_int_equal(ch_url_parse("clickhouse://bob:@h/d.t", &u, err, sizeof err), 0);
    assert_true(u.has_password);
    assert_string_equal(u.password, "");
}

static void test_url_escapes(void **state)
{
    (void)state;
    ch_url u;
    char err[300];
    /* '@' and ':' in a password, percent-encoded or (the last '@') not */
    assert_int_equal(ch_url_parse("clickhouse://alice:p%40ss%3Aw0rd@h:1/d.t", &u, err, sizeof err), 0);
    assert_string_equal(u.password, "p@ss:w0rd");
    assert_int_equal(ch_url_parse("clickhouse://alice:p@ss:w0rd@h:1/d.t", &u, err, sizeof err), 0);
    assert_string_equal(u.user, "alice");
    assert_string_equal(u.password, "p@ss:w0rd");
    assert_string_equal(u.host, "h");
    assert_int_equal(ch_url_parse("clickhouse://a%2Fb@h/d.t", &u, err, sizeof err), 0);
    assert_string_equal(u.user, "a/b");
    /* a bad escape, or a NUL byte, is refused, and the message has no password */
    assert_int_equal(ch_url_parse("clickhouse://alice:se%ZZcret@h/d.t", &u, err, sizeof err), -1);
    assert_null(strstr(err, "cret"));
    assert_int_equal(ch_url_parse("clickhouse://alice:x%00y@h/d.t", &u, err, sizeof err), -1);
    assert_int_equal(ch_url_parse("clickhouse://alice:x%4@h/d.t", &u, err, sizeof err), -1);
}

static void test_url_refused(void **state)
{
    (void)state;
    ch_url u;
    char err[300];
    const char *bad[] = {
        "clickhouse://h",                 /* no table */
        "clickhouse://h/",                /* no table */
        "clickhouse://h/flows",           /* no database */
        "clickhouse://h/d.",              /* empty table */
        "clickhouse://h/.t",              /* empty database */
        "clickhouse://h/d.t;DROP",        /* not an identifier */
        "clickhouse://h/d.t`x",
        "clickhouse://h/d.t.u",
        "clickhouse://h/1d.t",            /* starts with a digit */
        "clickhouse://h:0/d.t",           /* port out of range */
        "clickhouse://h:65536/d.t",
        "clickhouse://h:80x/d.t",
        "clickhouse://h:/d.t",
        "clickhouse://h:+80/d.t",         /* a sign: strtol would take it */
        "clickhouse://h: 80/d.t",
        "clickhouse://a%1Bb@h/d.t",      /* a control byte in the user, named in messages */
        "clickhouse:///d.t",              /* no host */
        "clickhouse://h o/d.t",           /* not a host name */
        "clickhouse://[::1/d.t",
        "http://h/d.t",                   /* not ours */
    };
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        err[0] = 0;
        if (ch_url_parse(bad[k], &u, err, sizeof err) != -1) fail_msg("accepted %s", bad[k]);
        assert_true(strlen(err) > 10);
        assert_int_equal(err[strlen(err) - 1], '.');   /* one sentence */
    }
    assert_true(ch_is_url("clickhouse://x"));
    assert_true(ch_is_url("ClickHouses://x"));
    assert_false(ch_is_url("clickhouse.csv"));
    assert_false(ch_is_url(NULL));
}

static void test_identifiers(void **state)
{
    (void)state;
    assert_true(ch_identifier_ok("flows"));
    assert_true(ch_identifier_ok("_x9"));
    assert_true(ch_identifier_ok("Flows_2020"));
    assert_false(ch_identifier_ok(""));
    assert_false(ch_identifier_ok("9x"));
    assert_false(ch_identifier_ok("a-b"));
    assert_false(ch_identifier_ok("a`b"));
    assert_false(ch_identifier_ok("a b"));
    assert_false(ch_identifier_ok("a'b"));
    assert_false(ch_identifier_ok("sch\xc3\xa9ma"));
    char long_name[200];
    memset(long_name, 'a', sizeof long_name - 1);
    long_name[sizeof long_name - 1] = 0;
    assert_false(ch_identifier_ok(long_name));
}

static void test_password_sources(void **state)
{
    (void)state;
    ch_url u;
    char err[300], path[64];
    assert_int_equal(ch_url_parse("clickhouse://alice@h/d.t", &u, err, sizeof err), 0);
    setenv("NETTUI_CLICKHOUSE_PASSWORD", "from-env", 1);
    assert_int_equal(ch_password_resolve(&u, NULL, err, sizeof err), 0);
    assert_string_equal(u.password, "from-env");
    unsetenv("NETTUI_CLICKHOUSE_PASSWORD");
    /* a file: its first line, and only when no one else can read it */
    snprintf(path, sizeof path, "/tmp/test_chsource_pw_%d", (int)getpid());
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("from-file\nsecond line\n", f);
    fclose(f);
    chmod(path, 0644);
    assert_int_equal(ch_url_parse("clickhouse://alice@h/d.t", &u, err, sizeof err), 0);
    assert_int_equal(ch_password_resolve(&u, path, err, sizeof err), -1);
    assert_non_null(strstr(err, "readable by others"));
    assert_null(strstr(err, "from-file"));
    chmod(path, 0600);
    assert_int_equal(ch_password_resolve(&u, path, err, sizeof err), 0);
    assert_string_equal(u.password, "from-file");
    unlink(path);
    assert_int_equal(ch_url_parse("clickhouse://alice@h/d.t", &u, err, sizeof err), 0);
    assert_int_equal(ch_password_resolve(&u, path, err, sizeof err), -1);   /* gone */
    /* the URL's own password wins */
    assert_int_equal(ch_url_parse("clickhouse://alice:url@h/d.t", &u, err, sizeof err), 0);
    setenv("NETTUI_CLICKHOUSE_PASSWORD", "from-env", 1);
    assert_int_equal(ch_password_resolve(&u, NULL, err, sizeof err), 0);
    assert_string_equal(u.password, "url");
    unsetenv("NETTUI_CLICKHOUSE_PASSWORD");
}

static void test_where_shape(void **state)
{
    (void)state;
    char err[300];
    assert_int_equal(ch_where_ok("port = 80", err, sizeof err), 0);
    assert_int_equal(ch_where_ok("src = 'a)b' AND (x OR y)", err, sizeof err), 0);
    assert_int_equal(ch_where_ok("src = 'it\\'s'", err, sizeof err), 0);
    assert_int_equal(ch_where_ok("`odd)name` = 1", err, sizeof err), 0);
    assert_int_equal(ch_where_ok("1) OR (1", err, sizeof err), -1);
    assert_int_equal(ch_where_ok("(1", err, sizeof err), -1);
    assert_int_equal(ch_where_ok("src = 'open", err, sizeof err), -1);
    assert_int_equal(ch_where_ok("1; DROP TABLE t", err, sizeof err), -1);
    assert_int_equal(ch_where_ok("1 -- and the rest", err, sizeof err), -1);
    assert_int_equal(ch_where_ok("1 /* x */", err, sizeof err), -1);
    assert_int_equal(ch_where_ok("1 # x", err, sizeof err), -1);
}

static const char *sql_of(const char *expr, char *buf, size_t len)
{
    char err[300];
    flow_filter *f = filter_parse(expr, err, sizeof err, NULL);
    if (!f) fail_msg("filter_parse(%s): %s", expr, err);
    ch_columns c;
    memset(&c, 0, sizeof c);
    strcpy(c.expr[LOAD_ROLE_TS], "t"); strcpy(c.expr[LOAD_ROLE_SRC], "s"); strcpy(c.expr[LOAD_ROLE_DST], "d");
    strcpy(c.expr[LOAD_ROLE_PORT], "p"); strcpy(c.expr[LOAD_ROLE_BYTES], "b");
    int rc = ch_filter_sql(f, &c, buf, len);
    filter_free(f);
    return rc ? NULL : buf;
}

static void test_filter_sql(void **state)
{
    (void)state;
    char b[4096];
    assert_string_equal(sql_of("", b, sizeof b), "1");
    assert_string_equal(sql_of("port 443", b, sizeof b), "(p = 443)");
    assert_string_equal(sql_of("src host 13.1.2.3", b, sizeof b), "(s = '13.1.2.3')");
    assert_string_equal(sql_of("host 13.1.2.3", b, sizeof b), "((s = '13.1.2.3') OR (d = '13.1.2.3'))");
    assert_string_equal(sql_of("bytes >= 1000 and not port 80", b, sizeof b), "((b >= 1000) AND (NOT (p = 80)))");
    assert_string_equal(sql_of("after 1578326400000 or before 2020-01-06", b, sizeof b), "((t >= 1578326400000) OR (t < 1578268800000))");
    assert_string_equal(sql_of("dst net 12.0.0.0/8", b, sizeof b),
                        "(IPv4NumToString(IPv4StringToNum(d)) = d AND bitAnd(IPv4StringToNum(d), 4278190080) = 201326592)");
    /* hour 16-24: bits 16..23 */
    assert_string_equal(sql_of("hour 16-24", b, sizeof b), "(bitAnd(bitShiftRight(16711680, intDiv(t, 3600000) % 24), 1) = 1)");
    assert_string_equal(sql_of("hour 22-2", b, sizeof b), "(bitAnd(bitShiftRight(12582915, intDiv(t, 3600000) % 24), 1) = 1)");
}

static void test_filter_sql_hostile(void **state)
{
    (void)state;
    char b[4096];
    /* a quote, a backslash and a control byte in a host name stay inside
     * one string literal */
    assert_string_equal(sql_of("src host \"x' OR 1=1 --\"", b, sizeof b), "(s = 'x\\' OR 1=1 --')");
    /* the filter keeps backslashes as written: each one is escaped */
    assert_string_equal(sql_of("dst host \"a\\\\\"", b, sizeof b), "(d = 'a\\\\\\\\')");
    char q[64];
    assert_int_equal(ch_quote("a\nb'\\", 5, q, sizeof q), 0);
    assert_string_equal(q, "'a\\x0Ab\\'\\\\'");
    assert_int_equal(ch_quote("abcdef", 6, q, 6), -1);   /* no room: refused, not cut */
    /* a literal never ends the string early: every quote inside is escaped */
    const char *lit = strchr(b, '\'');
    int open = 0;
    for (const char *p = lit; *p; p++) {
        if (*p == '\\') { p++; continue; }
        if (*p == '\'') open = !open;
    }
    assert_false(open);
    /* no room: refused, not cut */
    assert_null(sql_of("host 13.1.2.3 or host 13.1.2.4", b, 20));
}

static void test_error_sentences(void **state)
{
    (void)state;
    ch_url u;
    char err[1024];
    int code;
    assert_int_equal(ch_url_parse("clickhouse://alice:secret@h:1/d.t", &u, err, sizeof err), 0);
    assert_int_equal(ch_error_sentence(&u, "Code: 60, e.displayText() = DB::Exception: Table d.t doesn't exist., e.what() = DB::Exception\n",
                                       &code, err, sizeof err), EXIT_NO_INPUT);
    assert_int_equal(code, 60);
    assert_string_equal(err, "table d.t does not exist on the ClickHouse server http://alice@h:1/d.t.");
    assert_int_equal(ch_error_sentence(&u, "Code: 193, e.displayText() = DB::Exception: Wrong password for user alice, e.what() = DB::Exception",
                                       &code, err, sizeof err), EXIT_NO_INPUT);
    assert_non_null(strstr(err, "refused user 'alice'"));
    assert_null(strstr(err, "secret"));
    assert_int_equal(ch_error_sentence(&u, "Code: 516. DB::Exception: alice: Authentication failed: password is incorrect. (AUTHENTICATION_FAILED) (version 23.8.1.1)",
                                       &code, err, sizeof err), EXIT_NO_INPUT);
    assert_int_equal(code, 516);
    assert_int_equal(ch_error_sentence(&u, "Code: 47. DB::Exception: Missing columns: 'nope' while processing query. (UNKNOWN_IDENTIFIER) (version 23.8.1.1)",
                                       &code, err, sizeof err), EXIT_FAILURE_RUN);
    assert_string_equal(err, "the ClickHouse server http://alice@h:1/d.t refused the query: Missing columns: 'nope' while processing query (code 47).");
    assert_int_equal(ch_error_sentence(&u, "Code: 159, e.displayText() = DB::Exception: Timeout exceeded: elapsed 1.0 seconds, e.what() = DB::Exception",
                                       &code, err, sizeof err), EXIT_FAILURE_RUN);
    assert_non_null(strstr(err, "timed out"));
    assert_int_equal(ch_error_sentence(&u, "Code: 241, e.displayText() = DB::Exception: Memory limit (for query) exceeded, e.what() = DB::Exception",
                                       &code, err, sizeof err), EXIT_FAILURE_RUN);
    assert_non_null(strstr(err, "ran out of memory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_forms),
        cmocka_unit_test(test_url_escapes),
        cmocka_unit_test(test_url_refused),
        cmocka_unit_test(test_identifiers),
        cmocka_unit_test(test_password_sources),
        cmocka_unit_test(test_where_shape),
        cmocka_unit_test(test_filter_sql),
        cmocka_unit_test(test_filter_sql_hostile),
        cmocka_unit_test(test_error_sentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
