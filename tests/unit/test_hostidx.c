/* test_hostidx.c: the host index of hostidx.h on generated tables: every
 * host's list equals a brute-force scan for any thread count; the walk of a
 * filter's plan gives exactly the rows filter_scan gives, on many
 * expressions; the file round-trips, and a truncated, corrupted or foreign
 * file is refused (a corrupted host list when it is used); a cancel stops. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nettui/filter.h"
#include "nettui/hostidx.h"

#define NROWS 300000   /* over four 64K blocks: the build splits it over threads */
#define NHOSTS 600
#define HEADER 96     /* the file's header (hostidx.c); the offsets follow it */

static flow_table table;
static char dir[64];

static uint64_t rng_state = 12345;
static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)((rng_state >> 33) % n);
}

/* Host k: 12.0.(k/256).(k%256) for most, some outside (99.x), two names. */
static host_id host_of(uint32_t k)
{
    static host_id ids[NHOSTS + 2];
    static int made;
    if (!made) {
        for (uint32_t i = 0; i < NHOSTS; i++) {
            uint32_t ip = (i % 3 == 0 ? 99u << 24 : 12u << 24) | (i / 256) << 8 | (i % 256);
            ids[i] = hosts_add_ipv4(&table.hosts, ip, &table.internal);
        }
        ids[NHOSTS] = hosts_add_name(&table.hosts, "host.example", 12);
        ids[NHOSTS + 1] = hosts_add_name(&table.hosts, "other.example", 13);
        made = 1;
    }
    return ids[k];
}

static int setup(void **state)
{
    (void)state;
    memset(&table, 0, sizeof table);
    hosts_init(&table.hosts);
    cidr_list_default(&table.internal);
    if (flows_alloc_columns(&table, NROWS)) return -1;
    for (size_t i = 0; i < NROWS; i++) {
        /* skewed: a few hosts are busy, most are quiet; some flows to self */
        uint32_t a = rnd(4) ? rnd(20) : rnd(NHOSTS + 2);
        uint32_t b = rnd(50) == 0 ? a : rnd(NHOSTS + 2);
        table.ts[i] = 1578326400000 + (int64_t)i * 1000;
        table.src[i] = host_of(a);
        table.dst[i] = host_of(b);
        table.port[i] = (uint16_t)(rnd(3) ? 80 + rnd(5) : rnd(65536));
        table.bytes[i] = rnd(100000);
    }
    table.n = NROWS;
    table.ts_min = table.ts[0];
    table.ts_max = table.ts[NROWS - 1];
    snprintf(dir, sizeof dir, "/tmp/nettui-hidx-test.XXXXXX");
    if (!mkdtemp(dir)) return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) return -1;
    flows_free(&table);
    return 0;
}

/* Every host's list is the rows it is src or dst of, ascending, once. */
static void assert_lists_exact(const host_index *x)
{
    assert_int_equal(x->nhosts, table.hosts.n);
    size_t *want = calloc(table.hosts.n + 1, sizeof *want);
    assert_non_null(want);
    for (size_t i = 0; i < table.n; i++) {
        want[table.src[i]]++;
        if (table.dst[i] != table.src[i]) want[table.dst[i]]++;
    }
    for (host_id h = 0; h < table.hosts.n; h++) {
        const uint32_t *r;
        size_t n;
        char why[128];
        assert_int_equal(hostidx_rows(x, h, &r, &n, why, sizeof why), 0);
        assert_int_equal(n, want[h]);
        assert_int_equal(hostidx_count(x, h), want[h]);
        size_t k = 0;
        for (size_t i = 0; i < table.n && k <= n; i++)
            if (table.src[i] == h || table.dst[i] == h) {
                assert_true(k < n);
                assert_int_equal(r[k], i);
                k++;
            }
        assert_int_equal(k, n);
    }
    free(want);
}

static void test_build_matches_brute_force(void **state)
{
    (void)state;
    for (int threads = 1; threads <= 4; threads++) {
        host_index x;
        hostidx_progress p;
        memset(&p, 0, sizeof p);
        assert_int_equal(hostidx_build(&x, &table, threads, &p), 0);
        assert_int_equal(atomic_load(&p.total), 3 * (uint64_t)NROWS);
        assert_true(atomic_load(&p.done) > 2 * (uint64_t)NROWS);
        assert_lists_exact(&x);
        hostidx_free(&x);
        assert_null(x.off);
    }
}

static void test_build_cancel_and_empty(void **state)
{
    (void)state;
    host_index x;
    hostidx_progress p;
    memset(&p, 0, sizeof p);
    atomic_store(&p.cancel, 1);
    assert_int_equal(hostidx_build(&x, &table, 2, &p), 1);
    assert_null(x.off);
    assert_null(x.rows);

    flow_table empty;
    memset(&empty, 0, sizeof empty);
    hosts_init(&empty.hosts);
    assert_int_equal(hostidx_build(&x, &empty, 2, NULL), 0);
    assert_int_equal(x.nhosts, 0);
    assert_int_equal(hostidx_count(&x, 0), 0);
    hostidx_free(&x);
    hosts_free(&empty.hosts);
}

static size_t collect_n;
static uint32_t *collect_rows;
static int collect(size_t row, void *arg)
{
    (void)arg;
    collect_rows[collect_n++] = (uint32_t)row;
    return 0;
}

/* Runs expr both ways; returns what hostidx_scan returned (1 walked, 0 not). */
static int compare_ways(const host_index *x, const char *expr)
{
    char err[300];
    flow_filter *f = filter_parse(expr, err, sizeof err, NULL);
    if (!f) fail_msg("'%s' does not parse: %s", expr, err);
    assert_int_equal(filter_bind(f, &table), 0);
    uint32_t *scan = malloc(NROWS * sizeof *scan);
    collect_rows = scan;
    collect_n = 0;
    size_t nscan = filter_scan(f, &table, 0, table.n, collect, NULL);
    assert_int_equal(nscan, collect_n);
    uint32_t *walk = malloc(NROWS * sizeof *walk);
    collect_rows = walk;
    collect_n = 0;
    size_t hits = 0;
    char why[128];
    int r = hostidx_scan(x, f, &table, collect, NULL, &hits, why, sizeof why);
    assert_true(r == 0 || r == 1);
    if (r == 1) {
        if (hits != nscan) fail_msg("'%s': %zu rows by the index, %zu by a scan", expr, hits, nscan);
        assert_int_equal(collect_n, nscan);
        assert_memory_equal(walk, scan, nscan * sizeof *scan);
    } else {
        assert_int_equal(collect_n, 0);
    }
    free(scan);
    free(walk);
    filter_free(f);
    return r;
}

static void test_walk_equals_scan(void **state)
{
    (void)state;
    host_index x;
    assert_int_equal(hostidx_build(&x, &table, 2, NULL), 0);
    /* quiet hosts are 12.0.1.x / 99.0.1.x (ids >= 256): their lists are short */
    static const char *const planned[] = {
        "host 12.0.1.100", "src 12.0.1.100", "dst 12.0.1.100", "src host 99.0.1.200",
        "host 12.0.1.100 and port 80", "port 81 and dst 12.0.1.102 and bytes > 50000",
        "src 12.0.1.100 or dst 12.0.1.102", "host 12.0.1.100 or host 99.0.1.101 or host 12.0.1.100",
        "(host 12.0.1.100 or host 12.0.1.102) and not port 80",
        "host 12.0.1.100 and host 99.0.1.101", "host 12.0.1.100 and not host 12.0.1.102",
        "host 12.0.0.1 and host 12.0.1.100", "host 12.0.1.100 and (port 80 or bytes < 1000)",
        "net 12.0.1.0/28", "src net 12.0.1.0/28 and port 82", "dst net 99.0.2.0/24",
        "host 12.0.1.100 and before 1578326500000", "host 12.0.1.100 and hour 16-18",
        "host 1.2.3.4", "host 1.2.3.4 or host 12.0.1.100", "host 1.2.3.4 and port 80",
        "host host.example", "src other.example and dst host.example",
        "(src 12.0.1.100 and port 80) or (dst 12.0.1.120 and port 81)",
        "not not host 12.0.1.100",
    };
    for (size_t i = 0; i < sizeof planned / sizeof *planned; i++)
        if (compare_ways(&x, planned[i]) != 1
            && strcmp(planned[i], "not not host 12.0.1.100"))   /* a not is never planned */
            fail_msg("'%s' was not answered from the index", planned[i]);
    /* no plan, or a plan past an eighth of the rows: the caller scans */
    static const char *const scanned[] = {
        "port 80", "after 1578326500000", "not host 12.0.1.100", "host 12.0.1.100 or port 80",
        "all", "", "net 12.0.0.0/8", "host 12.0.0.1 or host 12.0.0.2 or host 12.0.0.4 or host 12.0.0.5",
    };
    for (size_t i = 0; i < sizeof scanned / sizeof *scanned; i++)
        assert_int_equal(compare_ways(&x, scanned[i]), 0);
    /* random host pairs and combinations, against the scan */
    char expr[256];
    for (int k = 0; k < 200; k++) {
        char a[16], b[16];
        hosts_name(&table.hosts, host_of(20 + rnd(NHOSTS - 20)), a);
        hosts_name(&table.hosts, host_of(20 + rnd(NHOSTS - 20)), b);
        static const char *const forms[] = {"host %s", "src %s and dst %s", "host %s or host %s",
                                            "(src %s or dst %s) and port 80", "host %s and not host %s"};
        snprintf(expr, sizeof expr, forms[k % 5], a, b);
        compare_ways(&x, expr);
    }
    hostidx_free(&x);
}

/* The plan's host sets themselves. */
static void test_plan_sets(void **state)
{
    (void)state;
    static const struct { const char *expr; int n; } cases[] = {
        {"host 12.0.1.100", 1}, {"src 12.0.1.100 or dst 12.0.1.102", 2}, {"host 12.0.1.100 or src 12.0.1.100", 1},
        {"host 1.2.3.4", 0}, {"host 1.2.3.4 or host 12.0.1.100", 1}, {"host 1.2.3.4 and port 80", 0},
        {"not host 12.0.1.100", -1}, {"port 80", -1}, {"host 12.0.1.100 or port 80", -1},
        {"port 80 and (host 12.0.1.100 or host 12.0.1.102)", 2}, {"net 12.0.1.0/30", 3},
    };
    host_id out[HOSTIDX_PLAN_MAX_HOSTS];
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char err[300];
        flow_filter *f = filter_parse(cases[i].expr, err, sizeof err, NULL);
        assert_non_null(f);
        assert_int_equal(filter_bind(f, &table), 0);
        int n = filter_plan_hosts(f, NULL, NULL, out, HOSTIDX_PLAN_MAX_HOSTS);
        if (n != cases[i].n) fail_msg("'%s': plan of %d hosts, expected %d", cases[i].expr, n, cases[i].n);
        for (int k = 1; k < n; k++) assert_true(out[k - 1] < out[k]);
        filter_free(f);
    }
    /* a net of more hosts than max has no plan */
    char err[300];
    flow_filter *f = filter_parse("net 12.0.0.0/8", err, sizeof err, NULL);
    assert_int_equal(filter_bind(f, &table), 0);
    assert_int_equal(filter_plan_hosts(f, NULL, NULL, out, 10), -1);
    filter_free(f);
}

/* The table's columns may not have been checked (a warm open that left the
 * cache's column pass out): a listed row without its host at either end,
 * or with a host id out of range, stops the walk before any row is passed
 * on; a build meets an id out of range and gives up. */
static void test_walk_checks_the_columns(void **state)
{
    (void)state;
    host_index x;
    assert_int_equal(hostidx_build(&x, &table, 2, NULL), 0);
    host_id h = host_of(356);   /* 12.0.1.100 */
    const uint32_t *r;
    size_t n;
    char why[128];
    assert_int_equal(hostidx_rows(&x, h, &r, &n, why, sizeof why), 0);
    assert_true(n > 0);
    uint32_t row = r[n / 2];
    host_id old_src = table.src[row], old_dst = table.dst[row];
    flow_filter *f = filter_parse("host 12.0.1.100", why, sizeof why, NULL);
    assert_int_equal(filter_bind(f, &table), 0);
    size_t hits = 99;
    collect_rows = malloc(NROWS * sizeof *collect_rows);
    /* the row no longer names the host */
    table.src[row] = table.dst[row] = host_of(0) == h ? host_of(1) : host_of(0);
    collect_n = 0;
    assert_int_equal(hostidx_scan(&x, f, &table, collect, NULL, &hits, why, sizeof why), -1);
    assert_non_null(strstr(why, "does not match the table"));
    assert_int_equal(collect_n, 0);
    /* an id past the dictionary */
    table.src[row] = h;
    table.dst[row] = table.hosts.n + 5;
    collect_n = 0;
    assert_int_equal(hostidx_scan(&x, f, &table, collect, NULL, &hits, why, sizeof why), -1);
    assert_int_equal(collect_n, 0);
    host_index y;
    assert_int_equal(hostidx_build(&y, &table, 2, NULL), -1);
    assert_null(y.off);
    table.src[row] = old_src;
    table.dst[row] = old_dst;
    collect_n = 0;
    assert_int_equal(hostidx_scan(&x, f, &table, collect, NULL, &hits, why, sizeof why), 1);
    assert_int_equal(collect_n, hits);
    free(collect_rows);
    filter_free(f);
    hostidx_free(&x);
}

static long file_size(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f) return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

static void poke(const char *p, long at, unsigned char v)
{
    FILE *f = fopen(p, "r+b");
    assert_non_null(f);
    fseek(f, at, SEEK_SET);
    fputc(v, f);
    fclose(f);
}

static void copy_file(const char *from, const char *to, long len)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
    assert_non_null(a);
    assert_non_null(b);
    int c;
    for (long i = 0; (len < 0 || i < len) && (c = fgetc(a)) != EOF; i++) fputc(c, b);
    fclose(a);
    fclose(b);
}

static void test_file_round_trip_and_refusals(void **state)
{
    (void)state;
    char cpath[128], ip[160], good[200], why[256];
    snprintf(cpath, sizeof cpath, "%s/0123456789abcdef.ntc", dir);
    assert_int_equal(hostidx_path(cpath, ip, sizeof ip), 0);
    assert_string_equal(ip + strlen(ip) - 9, ".ntc.hidx");
    host_index x, y;
    assert_int_equal(hostidx_build(&x, &table, 2, NULL), 0);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_ABSENT);
    assert_int_equal(hostidx_save(&x, ip, 42, why, sizeof why), 0);
    snprintf(good, sizeof good, "%s.good", ip);
    copy_file(ip, good, -1);

    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_HIT);
    assert_int_equal(y.mapped, 1);
    assert_lists_exact(&y);
    assert_int_equal(compare_ways(&y, "host 12.0.1.100 or dst 99.0.1.101"), 1);
    hostidx_free(&y);
    /* another table cache's index: refused as foreign, quietly */
    assert_int_equal(hostidx_load(&y, ip, 43, &table, why, sizeof why), HOSTIDX_FOREIGN);
    assert_null(y.off);

    long size = file_size(ip);
    /* cut short */
    copy_file(good, ip, size - 4096);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_REJECTED);
    assert_non_null(strstr(why, "truncated"));
    copy_file(good, ip, 20);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_REJECTED);
    assert_non_null(strstr(why, "truncated"));
    /* a header byte, an offset byte */
    copy_file(good, ip, -1);
    poke(ip, 30, 0x5a);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_REJECTED);
    assert_non_null(strstr(why, "corrupted"));
    copy_file(good, ip, -1);
    poke(ip, HEADER + 8 * 5 + 1, 0x77);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_REJECTED);
    assert_non_null(strstr(why, "corrupted"));
    /* a row of the last host's list: the file opens, that list is refused
     * when used, and the walk passes nothing on */
    copy_file(good, ip, -1);
    host_id last = table.hosts.n - 1;
    uint64_t end = x.off[last + 1];
    assert_true(end > x.off[last]);
    long rows_at = HEADER + 8 * (long)(table.hosts.n + 1) + 8 * (long)table.hosts.n;
    poke(ip, rows_at + 4 * (long)(end - 1), 0x01);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_HIT);
    const uint32_t *r;
    size_t n;
    assert_int_equal(hostidx_rows(&y, last, &r, &n, why, sizeof why), -1);
    assert_non_null(strstr(why, "corrupted"));
    char expr[64], hb[64];
    snprintf(expr, sizeof expr, "host %s", hosts_name(&table.hosts, last, hb));
    flow_filter *f = filter_parse(expr, why, sizeof why, NULL);
    assert_non_null(f);
    assert_int_equal(filter_bind(f, &table), 0);
    size_t hits = 99;
    collect_rows = malloc(NROWS * sizeof *collect_rows);
    collect_n = 0;
    assert_int_equal(hostidx_scan(&y, f, &table, collect, NULL, &hits, why, sizeof why), -1);
    assert_int_equal(collect_n, 0);
    assert_int_equal(hits, 0);
    free(collect_rows);
    filter_free(f);
    hostidx_free(&y);
    /* not an index at all */
    FILE *g = fopen(ip, "wb");
    fputs("not an index, but long enough to hold a header of one hundred and twenty-eight bytes ......................................", g);
    fclose(g);
    assert_int_equal(hostidx_load(&y, ip, 42, &table, why, sizeof why), HOSTIDX_REJECTED);
    /* removed beside its cache */
    hostidx_remove_beside(cpath);
    assert_int_equal(access(ip, F_OK), -1);
    hostidx_free(&x);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_matches_brute_force),
        cmocka_unit_test(test_build_cancel_and_empty),
        cmocka_unit_test(test_walk_equals_scan),
        cmocka_unit_test(test_plan_sets),
        cmocka_unit_test(test_walk_checks_the_columns),
        cmocka_unit_test(test_file_round_trip_and_refusals),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
