/* test_format.c: format.h: detection by content and column maps, the line
 * splitter (delimited and JSON), times as text and --tz zones, the magic
 * bytes of compressed input; and load_file on small files of each format. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nettui/format.h"
#include "nettui/load.h"

#define MAXMS LOAD_TS_MAX_MS

static int64_t tp(const char *s)
{
    int64_t v = -1;
    if (time_parse_text(s, strlen(s), MAXMS, &v)) return -1;
    return v;
}

static void test_times(void **state)
{
    (void)state;
    char err[300];
    assert_int_equal(time_set_zone("UTC", err, sizeof err), 0);
    assert_true(tp("2020-01-06 16:00:00") == 1578326400000LL);
    assert_true(tp("2020-01-06 16:00:02.5") == 1578326402500LL);
    assert_true(tp("2020-01-06T16:00:02.123456Z") == 1578326402123LL);
    assert_true(tp("2020-01-06T17:00:02+01:00") == 1578326402000LL);
    assert_true(tp("2020-01-06T10:30:02-05:30") == 1578326402000LL);
    assert_true(tp("2020-01-06T17:00:02+0100") == 1578326402000LL);
    assert_true(tp("2020-01-06 16:00") == 1578326400000LL);
    assert_true(tp("1970-01-01 00:00:00") == 0);
    assert_true(tp("2020-02-29 00:00:00") == 1582934400000LL);
    const char *bad[] = {"", "2020", "2020-01-06", "2020-13-01 00:00:00", "2019-02-29 00:00:00",
                         "2020-01-32 00:00:00", "2020-01-06 24:00:00", "2020-01-06 16:00:00+25:00",
                         "2020-01-06 16:00:00 junk", "1969-12-31 23:59:59", "2020-01-06X16:00:00",
                         "2020-01-06 16:00:00.", "10000-01-01 00:00:00"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_true(tp(bad[i]) == -1);
    /* zones for times written without one */
    assert_int_equal(time_set_zone("+01:00", err, sizeof err), 0);
    assert_true(tp("2020-01-06 17:00:00") == 1578326400000LL);
    assert_true(tp("2020-01-06T16:00:00Z") == 1578326400000LL);     /* its own zone wins */
    assert_int_equal(time_set_zone("-07:00", err, sizeof err), 0);
    assert_true(tp("2020-01-06 09:00:00") == 1578326400000LL);
    if (access("/usr/share/zoneinfo/Europe/Berlin", R_OK) == 0) {
        assert_int_equal(time_set_zone("Europe/Berlin", err, sizeof err), 0);
        assert_true(tp("2020-01-06 17:00:00") == 1578326400000LL);     /* CET, +01:00 */
        assert_true(tp("2020-07-06 18:00:00") == 1594051200000LL);     /* CEST, +02:00 */
        assert_true(tp("2020-07-06 18:30:00") == 1594053000000LL);     /* the hour's cache */
    }
    assert_int_equal(time_set_zone("Mars/Olympus", err, sizeof err), -1);
    assert_non_null(strstr(err, "Mars/Olympus"));
    assert_int_equal(time_set_zone("../../etc/passwd", err, sizeof err), -1);
    assert_int_equal(time_set_zone("+25:00", err, sizeof err), -1);
    assert_int_equal(time_set_zone("UTC", err, sizeof err), 0);
    assert_true(time_looks_like("2020-01-06", 10));
    assert_false(time_looks_like("1578326400", 10));
}

static void test_detect(void **state)
{
    (void)state;
    format_layout fl;
    const char *csv = "1578326400001,1.2.3.4,5.6.7.8,80,100\n";
    format_detect(csv, strlen(csv), 1, FORMAT_AUTO, &fl);
    assert_int_equal(fl.format, FORMAT_CSV);
    assert_int_equal(fl.nfields, 0);

    const char *nf = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt\n"
                     "2020-01-06 16:00:02,2020-01-06 16:00:02,0.000,1.2.3.4,5.6.7.8,1024,80,TCP,......,0,0,1,100,0,0\n";
    format_detect(nf, strlen(nf), 1, FORMAT_AUTO, &fl);
    assert_int_equal(fl.format, FORMAT_NFDUMP_CSV);
    assert_int_equal(fl.nfields, 15);
    int want_nf[FROLE_COUNT] = {0, 3, 4, 6, 12};
    for (int r = 0; r < FROLE_COUNT; r++) assert_int_equal(fl.col[r], want_nf[r]);
    assert_int_equal(fl.header_lines, 1);
    assert_int_equal(fl.data_start, strchr(nf, '\n') - nf + 1);

    const char *zk = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
                     "#open\t2020-01-06-16-00-00\n"
                     "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\n"
                     "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\n"
                     "1578326400.000000\tC1\t1.2.3.4\t5\t5.6.7.8\t80\ttcp\t-\t-\t-\t-\n";
    format_detect(zk, strlen(zk), 1, FORMAT_AUTO, &fl);
    assert_int_equal(fl.format, FORMAT_ZEEK_TSV);
    assert_int_equal(fl.nfields, 11);
    int want_zk[FROLE_COUNT] = {0, 2, 4, 5, 9};
    for (int r = 0; r < FROLE_COUNT; r++) assert_int_equal(fl.col[r], want_zk[r]);
    assert_int_equal(fl.header_lines, 8);
    assert_int_equal(fl.delim, '\t');
    assert_true(fl.seconds && fl.unset_dash && fl.comments && fl.lines);

    const char *js = "\n{\"ts\":1578326400.0,\"id.orig_h\":\"1.2.3.4\"}\n";
    format_detect(js, strlen(js), 1, FORMAT_AUTO, &fl);
    assert_int_equal(fl.format, FORMAT_ZEEK_JSON);
    assert_true(fl.json && fl.lines);

    /* forced: the plain CSV read as nfdump takes nfdump's default columns */
    format_detect(csv, strlen(csv), 1, FORMAT_NFDUMP_CSV, &fl);
    assert_int_equal(fl.format, FORMAT_NFDUMP_CSV);
    assert_int_equal(fl.header_lines, 0);

    flow_format f;
    assert_int_equal(format_from_name("zeek-conn-json", &f), 0);
    assert_int_equal(f, FORMAT_ZEEK_JSON);
    assert_int_equal(format_from_name("auto", &f), 0);
    assert_int_equal(f, FORMAT_AUTO);
    assert_int_equal(format_from_name("Zeek", &f), -1);
    assert_string_equal(format_name(FORMAT_NFDUMP_CSV), "nfdump-csv");

    const unsigned char gz[] = {0x1f, 0x8b, 8, 0}, zs[] = {0x28, 0xb5, 0x2f, 0xfd}, no[] = {'1', '5', '7', '8'};
    assert_int_equal(compress_detect(gz, 4), COMPRESS_GZIP);
    assert_int_equal(compress_detect(zs, 4), COMPRESS_ZSTD);
    assert_int_equal(compress_detect(no, 4), COMPRESS_NONE);
    assert_int_equal(compress_detect(gz, 1), COMPRESS_NONE);
}

/* the splitter's callbacks write "field|field|...;" per row into out */
typedef struct rec {
    char out[4096];
    int skipped;
} rec;

static void r_field(void *s, size_t len, void *data)
{
    rec *r = data;
    strncat(r->out, s, len);
    strcat(r->out, "|");
}

static void r_row(int c, void *data)
{
    rec *r = data;
    strcat(r->out, c == '\n' ? ";" : c < 0 ? "$" : "?");
}

static void r_skip(size_t n, void *data)
{
    rec *r = data;
    r->skipped += (int)n;
    char b[16];
    snprintf(b, sizeof b, "+%zu", n);
    strcat(r->out, b);
}

static void feed(format_line_parser *p, rec *r, const char *s, size_t step)
{
    memset(r, 0, sizeof *r);
    size_t n = strlen(s);
    for (size_t i = 0; i < n; i += step) {
        size_t k = n - i < step ? n - i : step;
        char *copy = calloc(1, k + 16);    /* the 16 spare bytes a caller gives */
        memcpy(copy, s + i, k);
        assert_int_equal(format_lines_parse(p, copy, k, r_field, r_row, r_skip, r), 0);
        free(copy);
    }
    format_lines_fini(p, r_field, r_row, r_skip, r);
}

static void test_lines(void **state)
{
    (void)state;
    format_line_parser p;
    rec r;
    for (size_t step = 1; step <= 64; step *= 4) {
        format_lines_init(&p, ',', 2);
        feed(&p, &r, "a,b,c,d,e\r\n\n1,2\nx,y,z,,w,v", step);
        assert_string_equal(r.out, "a|b|c|+2;;1|2|;x|y|z|+3$");
        format_lines_free(&p);

        format_lines_init(&p, 0, 0);
        feed(&p, &r,
             "{\"ts\":1.5,\"uid\":\"C\\\"x\",\"id.orig_h\":\"1.2.3.4\",\"id.orig_p\":5,\"id.resp_h\":\"5.6.7.8\","
             "\"id.resp_p\":80,\"tunnel_parents\":[\"}\",{\"a\":1}],\"orig_bytes\":7}\n"
             "{\"ts\":\"2020-01-06T16:00:00Z\",\"id.orig_h\":\"a\",\"id.resp_h\":\"b\",\"id.resp_p\":1}\n"
             "not json\n"
             "  \n"
             "{\"ts\":1,\"id.orig_h\":null,\"id.resp_h\":\"b\",\"id.resp_p\":1,\"orig_bytes\":2",
             step);
        assert_string_equal(r.out, "1.5|1.2.3.4|5.6.7.8|80|7|;"
                                   "2020-01-06T16:00:00Z|a|b|1|0|;"   /* orig_bytes left out: 0 */
                                   "|;"                               /* not an object: one field */
                                   ";"                                /* a blank line */
                                   "|$");                             /* cut short at the end */
        format_lines_free(&p);
    }
}

static void test_json_tail(void **state)
{
    (void)state;
    format_line_parser p;
    rec r;
    format_lines_init(&p, 0, 0);
    /* an object cut short (no closing brace) is not an object: one field */
    feed(&p, &r, "{\"ts\":1,\"id.orig_h\":null,\"id.resp_h\":\"b\",\"id.resp_p\":1,\"orig_bytes\":2", 7);
    assert_string_equal(r.out, "|$");
    format_lines_free(&p);
    format_lines_init(&p, 0, 0);
    /* null is unset: an empty host field (a bad line of kind host in load.c) */
    feed(&p, &r, "{\"ts\":1,\"id.orig_h\":null,\"id.resp_h\":\"b\",\"id.resp_p\":1,\"orig_bytes\":2}\n", 5);
    assert_string_equal(r.out, "1||b|1|2|;");
    format_lines_free(&p);
}

/* load_file on a small file of text */
static int load_text(const char *text, int format, flow_table *t, load_report *rep)
{
    char path[] = "/tmp/test_format_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    load_options o;
    load_options_default(&o);
    o.threads = 2;
    o.format = format;
    int rc = load_file(path, &o, t, rep);
    unlink(path);
    return rc;
}

static void test_load_formats(void **state)
{
    (void)state;
    flow_table t;
    load_report rep;
    const char *zk = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n"
                     "#open\t2020-01-06-16-00-00\n"
                     "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\n"
                     "#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\n"
                     "1578326400.250000\tC1\t10.0.0.1\t5000\t10.0.0.2\t80\ttcp\thttp\t0.5\t100\t20\tSF\n"
                     "1578326401.000000\tC2\t10.0.0.1\t5001\t10.0.0.3\t443\ttcp\t-\t-\t-\t-\tS0\n"
                     "1578326402.000000\tC3\t10.0.0.1\t5002\t10.0.0.3\t99999\ttcp\t-\t-\t-\t-\tS0\n"
                     "#close\t2020-01-06-17-00-00\n";
    assert_int_equal(load_text(zk, 0, &t, &rep), EXIT_OK);
    assert_int_equal(rep.format, FORMAT_ZEEK_TSV);
    assert_int_equal(t.n, 2);
    assert_true(t.ts[0] == 1578326400250LL);
    assert_int_equal(t.bytes[0], 100);
    assert_int_equal(t.bytes[1], 0);                 /* "-": 0 bytes, a good row */
    assert_int_equal(t.port[1], 443);
    assert_int_equal(rep.bad_total, 1);
    assert_int_equal(rep.bad[BAD_PORT], 1);
    assert_int_equal(rep.first_bad[BAD_PORT][0], 11);
    flows_free(&t);

    const char *nf = "ts,te,td,sa,da,sp,dp,pr,flg,fwd,stos,ipkt,ibyt,opkt,obyt\n"
                     "2020-01-06 16:00:02,2020-01-06 16:00:02,0.000,10.0.0.1,10.0.0.2,1024,80,TCP,......,0,0,1,100,0,0\n"
                     "2020-01-06 16:00:01,2020-01-06 16:00:01,0.000,10.0.0.1,10.0.0.3,1024,22,TCP,......,0,0,1,7,0,0\n"
                     "Summary\n"
                     "flows,bytes,packets,avg_bps,avg_pps,avg_bpp\n"
                     "2,107,2,0,0,53\n";
    assert_int_equal(load_text(nf, 0, &t, &rep), EXIT_OK);
    assert_int_equal(rep.format, FORMAT_NFDUMP_CSV);
    assert_int_equal(t.n, 2);
    assert_int_equal(rep.bad_total, 0);
    assert_true(t.ts[0] == 1578326402000LL && t.ts[1] == 1578326401000LL);
    assert_true(t.ts_min == 1578326401000LL);
    assert_int_equal(t.port[1], 22);
    assert_int_equal(t.bytes[0], 100);
    flows_free(&t);

    /* the same nfdump text forced as plain CSV: the times and Summary block
     * are then the CSV's to judge */
    assert_int_equal(load_text(nf, FORMAT_CSV, &t, &rep), EXIT_OK);
    assert_int_equal(rep.format, FORMAT_CSV);
    assert_int_equal(rep.bad_total, 3);
    flows_free(&t);

    /* a Zeek log whose #fields lack columns the roles need: no row fits, each
     * is a bad line of kind fields, no row is stored half-read (fuzz_load) */
    const char *narrow = "#separator \\x09\n#fields\tts\tid.orig_h\tid.resp_h\n1.0\t1.2.3.4\t5.6.7.8\n2.0\ta\tb\n";
    assert_int_equal(load_text(narrow, 0, &t, &rep), EXIT_NO_INPUT);
    assert_int_equal(rep.bad[BAD_FIELDS], 2);
    assert_int_equal(rep.first_bad[BAD_FIELDS][0], 3);
    const char *odd = "#separator \\x10\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\n"
                      "1.0\tC\t1.2.3.4\t5\t5.6.7.8\t80\n";
    assert_int_equal(load_text(odd, 0, &t, &rep), EXIT_NO_INPUT);
    assert_int_equal(rep.bad[BAD_FIELDS], 1);

    const char *iso = "2020-01-06T16:00:00.5Z,1.2.3.4,5.6.7.8,80,1\n"
                      "2020-01-06 17:00:00+01:00,1.2.3.4,5.6.7.8,80,1\n"
                      "2020-01-06 16:00:00,1.2.3.4,5.6.7.8,80,1\n";
    assert_int_equal(load_text(iso, 0, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 3);
    assert_true(t.ts[0] == 1578326400500LL && t.ts[1] == 1578326400000LL && t.ts[2] == 1578326400000LL);
    flows_free(&t);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* a folder as one data set: files by name, dot files left out, an empty
 * file adds nothing, hosts shared across the files */
static void test_load_set(void **state)
{
    (void)state;
    char dir[] = "/tmp/test_format_set_XXXXXX";
    assert_non_null(mkdtemp(dir));
    char a[256], b[256], c[256], h[256];
    snprintf(a, sizeof a, "%s/a.csv", dir);
    snprintf(b, sizeof b, "%s/b.json", dir);
    snprintf(c, sizeof c, "%s/c.csv", dir);
    snprintf(h, sizeof h, "%s/.hidden.csv", dir);
    write_file(a, "1578326400000,10.0.0.1,10.0.0.2,80,5\nbad\n");
    write_file(b, "{\"ts\":1578326401.0,\"id.orig_h\":\"10.0.0.2\",\"id.resp_h\":\"10.0.0.1\",\"id.resp_p\":22,\"orig_bytes\":7}\n");
    write_file(c, "");
    write_file(h, "1578326400000,10.9.9.9,10.9.9.8,80,5\n");
    const char *paths[] = {dir};
    assert_true(load_is_set(paths, 1));
    assert_false(load_is_set((const char *[]){a}, 1));
    load_options o;
    load_options_default(&o);
    o.threads = 2;
    flow_table t;
    load_report rep;
    assert_int_equal(load_set(paths, 1, &o, &t, &rep), EXIT_OK);
    assert_int_equal(rep.files, 3);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.hosts.n, 2);                  /* 10.0.0.1 and .2, shared */
    assert_int_equal(t.src[0], t.dst[1]);
    assert_int_equal(t.src[1], t.dst[0]);
    assert_int_equal(t.port[1], 22);
    assert_int_equal(t.total_bytes, 12);
    assert_int_equal(rep.bad_total, 1);
    assert_int_equal(rep.first_bad[BAD_FIELDS][0], 2);
    assert_true(t.ts_min == 1578326400000LL && t.ts_max == 1578326401000LL);
    flows_free(&t);
    /* two files named, in the order given */
    const char *two[] = {b, a};
    assert_int_equal(load_set(two, 2, &o, &t, &rep), EXIT_OK);
    assert_int_equal(t.n, 2);
    assert_int_equal(t.port[0], 22);
    assert_int_equal(rep.format, FORMAT_ZEEK_JSON);
    flows_free(&t);
    /* nothing to load */
    const char *none[] = {c};
    assert_int_equal(load_set(none, 1, &o, &t, &rep), EXIT_NO_INPUT);
    unlink(a); unlink(b); unlink(c); unlink(h);
    rmdir(dir);
    assert_int_equal(load_set(paths, 1, &o, &t, &rep), EXIT_NO_INPUT);
    assert_non_null(strstr(rep.error, dir));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_detect),
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_json_tail),
        cmocka_unit_test(test_load_formats),
        cmocka_unit_test(test_load_set),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
