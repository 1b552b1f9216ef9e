/* test_cache.c: the columnar cache gives back the parsed table exactly, and
 * every cache it cannot trust (truncated, corrupted, foreign, old, stale, made
 * with other options) is refused and then rebuilt. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "nettui/cache.h"
#include "nettui/cache_policy.h"
#include "nettui/hostidx.h"
#include "test_tables.h"

static char dir[64];             /* a fresh folder per test */
static char src[PATH_MAX];       /* the flow file */
static char cdir[PATH_MAX];      /* the cache folder */
static char cpath[PATH_MAX + 64];

/* Rows on every path through the loader: internal and external IPv4, a
 * string host, a byte count past 2^32, a bad line. */
static const char *csv =
    "1578326400001,13.43.52.51,18.70.112.62,40,57354\n"
    "1578326400002,12.30.1.2,13.43.52.51,443,1000\n"
    "1578326400003,15.1.2.3,14.59.0.1,22,5000000000\n"
    "1578326400004,fe80::1,12.30.1.2,80,42\n"
    "1578326400005,13.43.52.51,not a host,80\n"
    "1578326400006,14.59.0.1,12.30.1.2,65535,0\n"
    "1578326400007,12.30.1.2,15.1.2.3,21,18446744073709551615\n";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/nettui-test-cache-XXXXXX");
    if (!mkdtemp(dir)) return -1;
    snprintf(src, sizeof src, "%s/flows.csv", dir);
    snprintf(cdir, sizeof cdir, "%s/cache", dir);
    write_file(src, csv);
    char err[256];
    return cache_file_path(src, cdir, cpath, sizeof cpath, err, sizeof err);
}

static int teardown(void **state)
{
    (void)state;
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd);
}

static void options(load_options *lo, cache_options *co)
{
    load_options_default(lo);
    lo->threads = 1;
    cache_options_default(co);
    co->dir = cdir;
    co->notes = NULL;
}

/* Column for column, host for host, report field for field. */
static void assert_same_table(const flow_table *a, const load_report *ra, const flow_table *b, const load_report *rb)
{
    assert_tables_equal(a, b);
    /* the hash index was rebuilt: every host is found under its own id */
    for (host_id h = 0; h < a->hosts.n; h++) {
        char buf[16];
        assert_int_equal(hosts_find(&b->hosts, hosts_name(&b->hosts, h, buf)), h);
    }
    assert_int_equal(ra->file_bytes, rb->file_bytes);
    assert_int_equal(ra->lines, rb->lines);
    assert_int_equal(ra->bad_total, rb->bad_total);
    assert_memory_equal(ra->bad, rb->bad, sizeof ra->bad);
    assert_memory_equal(ra->first_bad, rb->first_bad, sizeof ra->first_bad);
    assert_memory_equal(ra->nfirst_bad, rb->nfirst_bad, sizeof ra->nfirst_bad);
    assert_int_equal(ra->had_header, rb->had_header);
    assert_int_equal(ra->timestamps_in_seconds, rb->timestamps_in_seconds);
}

/* Parses src (no cache) into *t. */
static void parse(flow_table *t, load_report *rep)
{
    load_options lo;
    cache_options co;
    options(&lo, &co);
    co.enabled = 0;
    int from_cache = -1;
    assert_int_equal(cache_load_or_parse(src, &lo, &co, t, rep, &from_cache), EXIT_OK);
    assert_int_equal(from_cache, 0);
}

/* One open through the cache; returns where the table came from. */
static int open_cached(flow_table *t, load_report *rep)
{
    load_options lo;
    cache_options co;
    options(&lo, &co);
    int from_cache = -1;
    assert_int_equal(cache_load_or_parse(src, &lo, &co, t, rep, &from_cache), EXIT_OK);
    return from_cache;
}

static void test_round_trip(void **state)
{
    (void)state;
    flow_table p, c;
    load_report rp, rc;
    parse(&p, &rp);
    assert_true(p.n >= 5);
    assert_true(p.nbig >= 1);
    assert_int_equal(open_cached(&c, &rc), 0);   /* writes the cache */
    flows_free(&c);
    struct stat st;
    assert_int_equal(stat(cpath, &st), 0);
    assert_int_equal(open_cached(&c, &rc), 1);
    assert_non_null(c.region);
    assert_same_table(&p, &rp, &c, &rc);
    flows_free(&c);
    assert_null(c.region);
    flows_free(&p);
}

/* A cache that cache_load refuses with a reason containing `word`, after
 * which an open parses and rebuilds it, and the next open uses it. */
static void assert_rejected_then_rebuilt(const char *word, const cidr_list *internal)
{
    flow_table t;
    load_report rep;
    char why[512] = "";
    cidr_list def;
    cidr_list_default(&def);
    assert_int_equal(cache_load(cpath, src, internal ? internal : &def, 1, &t, &rep, why, sizeof why), CACHE_REJECTED);
    assert_null(t.region);
    assert_int_equal(t.n, 0);
    if (!strstr(why, word)) fail_msg("reason '%s' does not say '%s'", why, word);
    flow_table p;
    load_report rp;
    parse(&p, &rp);
    assert_int_equal(open_cached(&t, &rep), 0);
    flows_free(&t);
    assert_int_equal(open_cached(&t, &rep), 1);
    assert_same_table(&p, &rp, &t, &rep);
    flows_free(&t);
    flows_free(&p);
}

static void make_cache(void)
{
    flow_table t;
    load_report rep;
    unlink(cpath);
    assert_int_equal(open_cached(&t, &rep), 0);
    flows_free(&t);
}

static off_t file_size(const char *path)
{
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    return st.st_size;
}

static void flip_byte(const char *path, off_t at)
{
    int fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    unsigned char b;
    assert_int_equal(pread(fd, &b, 1, at), 1);
    b ^= 0x5a;
    assert_int_equal(pwrite(fd, &b, 1, at), 1);
    close(fd);
}

static void test_truncated(void **state)
{
    (void)state;
    make_cache();
    off_t size = file_size(cpath);
    off_t cuts[] = { 0, 7, 100, 4095, 4096, 4100, size / 2, size - 1 };
    for (size_t i = 0; i < sizeof cuts / sizeof *cuts; i++) {
        make_cache();
        assert_int_equal(truncate(cpath, cuts[i]), 0);
        assert_rejected_then_rebuilt("truncated", NULL);
    }
}

static void test_corrupted(void **state)
{
    (void)state;
    make_cache();
    off_t size = file_size(cpath);
    /* a count in the header, the first small section, a middle and the last column byte */
    off_t spots[] = { 200, 4096, 4097, size / 2, size - 1 };
    for (size_t i = 0; i < sizeof spots / sizeof *spots; i++) {
        make_cache();
        flip_byte(cpath, spots[i]);
        assert_rejected_then_rebuilt("", NULL);
    }
    make_cache();
    flip_byte(cpath, 200);
    assert_rejected_then_rebuilt("corrupted", NULL);
    make_cache();
    flip_byte(cpath, size - 1);
    assert_rejected_then_rebuilt("corrupted", NULL);
}

static void test_foreign(void **state)
{
    (void)state;
    char text[8192];
    for (size_t i = 0; i < sizeof text - 1; i++) text[i] = (char)('a' + i % 26);
    text[sizeof text - 1] = 0;
    assert_int_equal(mkdir(cdir, 0700) == 0 || access(cdir, F_OK) == 0, 1);
    write_file(cpath, text);
    assert_rejected_then_rebuilt("not a nettui cache", NULL);
}

static void test_old_version(void **state)
{
    (void)state;
    make_cache();
    int fd = open(cpath, O_RDWR);
    assert_true(fd >= 0);
    uint32_t v = CACHE_FORMAT_VERSION - 1;
    assert_int_equal(pwrite(fd, &v, 4, 8), 4);   /* the version follows the 8-byte magic */
    close(fd);
    assert_rejected_then_rebuilt("version", NULL);
}

static void test_stale(void **state)
{
    (void)state;
    /* touched: same bytes, new mtime */
    make_cache();
    struct timespec later[2] = { { 0, UTIME_OMIT }, { 2000000000, 123 } };
    assert_int_equal(utimensat(AT_FDCWD, src, later, 0), 0);
    assert_rejected_then_rebuilt("stale", NULL);

    /* rewritten in place with the same size and the old mtime put back */
    make_cache();
    struct stat st;
    assert_int_equal(stat(src, &st), 0);
    flip_byte(src, 2);
    struct timespec back[2] = { st.st_atim, st.st_mtim };
    assert_int_equal(utimensat(AT_FDCWD, src, back, 0), 0);
    assert_rejected_then_rebuilt("stale", NULL);

    /* appended to */
    make_cache();
    FILE *f = fopen(src, "a");
    assert_non_null(f);
    fputs("1578326400008,12.30.1.2,15.1.2.3,21,7\n", f);
    fclose(f);
    assert_rejected_then_rebuilt("stale", NULL);
}

static void test_other_internal(void **state)
{
    (void)state;
    make_cache();
    cidr_list other;
    char err[128];
    assert_int_equal(cidr_list_parse(&other, "10.0.0.0/8", err, sizeof err), 0);
    flow_table t;
    load_report rep;
    char why[512];
    assert_int_equal(cache_load(cpath, src, &other, 1, &t, &rep, why, sizeof why), CACHE_REJECTED);
    assert_non_null(strstr(why, "--internal"));
    /* an open with the other list rebuilds the cache for it */
    load_options lo;
    cache_options co;
    options(&lo, &co);
    lo.internal = other;
    int from_cache = -1;
    assert_int_equal(cache_load_or_parse(src, &lo, &co, &t, &rep, &from_cache), EXIT_OK);
    assert_int_equal(from_cache, 0);
    for (host_id h = 0; h < t.hosts.n; h++) assert_int_equal(t.hosts.internal[h], 0);
    flows_free(&t);
    assert_int_equal(cache_load_or_parse(src, &lo, &co, &t, &rep, &from_cache), EXIT_OK);
    assert_int_equal(from_cache, 1);
    for (host_id h = 0; h < t.hosts.n; h++) assert_int_equal(t.hosts.internal[h], 0);
    flows_free(&t);
}

/* A cache whose checksums are right but whose host ids are not (a writer's
 * bug, not a disk's): the bounds check refuses it. */
static void test_host_ids_bounded(void **state)
{
    (void)state;
    flow_table p;
    load_report rp;
    parse(&p, &rp);
    p.src[1] = p.hosts.n;   /* the loader's columns are writable */
    char err[256], why[512];
    assert_int_equal(cache_save(cpath, src, &p, &rp, 1, err, sizeof err), 0);
    flow_table t;
    load_report rep;
    assert_int_equal(cache_load(cpath, src, &p.internal, 1, &t, &rep, why, sizeof why), CACHE_REJECTED);
    assert_non_null(strstr(why, "host ids"));
    flows_free(&p);
}

static void test_unwritable_dir(void **state)
{
    (void)state;
    /* a folder under a regular file cannot be made, even by root */
    load_options lo;
    cache_options co;
    options(&lo, &co);
    char bad[PATH_MAX + 16];
    snprintf(bad, sizeof bad, "%s/sub", src);
    co.dir = bad;
    char log[PATH_MAX + 16];
    snprintf(log, sizeof log, "%s/notes.txt", dir);
    co.notes = fopen(log, "w");
    assert_non_null(co.notes);
    flow_table t;
    load_report rep;
    int from_cache = -1;
    assert_int_equal(cache_load_or_parse(src, &lo, &co, &t, &rep, &from_cache), EXIT_OK);
    assert_int_equal(from_cache, 0);
    assert_true(t.n >= 5);
    flows_free(&t);
    fclose(co.notes);
    FILE *f = fopen(log, "r");
    char line[1024] = "", extra[8];
    assert_non_null(fgets(line, sizeof line, f));
    if (fgets(extra, sizeof extra, f)) fail_msg("more than one line: %s%s", line, extra);
    fclose(f);
    assert_non_null(strstr(line, "cache not written"));
}

/* `ulimit -f`: the write fails with EFBIG instead of killing the program. */
static void test_file_size_limit(void **state)
{
    (void)state;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = { 4096 + 100, 4096 + 100 };
        setrlimit(RLIMIT_FSIZE, &rl);
        load_options lo;
        cache_options co;
        options(&lo, &co);
        flow_table t;
        load_report rep;
        int from_cache = -1;
        int rc = cache_load_or_parse(src, &lo, &co, &t, &rep, &from_cache);
        _exit(rc == EXIT_OK && t.n >= 5 && access(cpath, F_OK) != 0 ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    /* no temporary file is left behind */
    char cmd[PATH_MAX + 64];
    snprintf(cmd, sizeof cmd, "ls '%s' | grep -q tmp", cdir);
    assert_int_not_equal(system(cmd), 0);
}

static void test_cache_paths(void **state)
{
    (void)state;
    char a[PATH_MAX + 64], b[PATH_MAX + 64], err[256], rel[PATH_MAX + 8];
    assert_int_equal(cache_file_path(src, "/x", a, sizeof a, err, sizeof err), 0);
    assert_int_equal(strncmp(a, "/x/", 3), 0);
    assert_non_null(strstr(a, ".ntc"));
    /* the same file by another name is the same cache */
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(dir), 0);
    snprintf(rel, sizeof rel, "./flows.csv");
    assert_int_equal(cache_file_path(rel, "/x", b, sizeof b, err, sizeof err), 0);
    assert_int_equal(chdir(cwd), 0);
    assert_string_equal(a, b);
    assert_int_equal(cache_file_path("/no/such/file.csv", "/x", b, sizeof b, err, sizeof err), -1);

    char d[PATH_MAX];
    setenv("XDG_CACHE_HOME", "/xdg", 1);
    assert_int_equal(cache_dir_path(NULL, d, sizeof d), 0);
    assert_string_equal(d, "/xdg/nettui");
    unsetenv("XDG_CACHE_HOME");
    setenv("HOME", "/home/someone", 1);
    assert_int_equal(cache_dir_path(NULL, d, sizeof d), 0);
    assert_string_equal(d, "/home/someone/.cache/nettui");
    assert_int_equal(cache_dir_path("/chosen", d, sizeof d), 0);
    assert_string_equal(d, "/chosen");
}

/* The cache policy (cache_policy.h): the decision for each state of each
 * cache, and cache_apply removing exactly the files a decision names. */
static void touch(const char *p)
{
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fclose(f);
}

static void test_policy(void **state)
{
    (void)state;
    cache_decision d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_NONE);
    assert_true(d.use && !d.remove_table && !d.note && !d.fail);
    d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_ABSENT);
    assert_true(!d.use && !d.remove_table && !d.remove_facts && !d.note);
    /* a table cache that cannot serve is said and removed, whatever the reason */
    for (cache_reason r = CACHE_REASON_STALE; r <= CACHE_REASON_SOURCE_UNREADABLE; r++) {
        d = cache_decide(CACHE_KIND_TABLE, r);
        assert_true(!d.use && d.remove_table && d.note && !d.fail);
    }
    d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_COLUMNS_DAMAGED);
    assert_true(d.remove_table && d.remove_facts && d.remove_index && d.fail);
    d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_NOT_WRITTEN);
    assert_true(!d.remove_table && d.remove_facts && d.remove_index && !d.fail);
    /* the host index is keyed to the table cache: it goes with it */
    for (cache_reason r = CACHE_REASON_STALE; r <= CACHE_REASON_SOURCE_UNREADABLE; r++)
        assert_true(cache_decide(CACHE_KIND_TABLE, r).remove_index);
    assert_false(cache_decide(CACHE_KIND_FACTS, CACHE_REASON_OTHER_NETWORK).remove_index);
    /* facts: the expected misses are rebuilt quietly, the others said; a
     * facts file is written over, never removed first */
    d = cache_decide(CACHE_KIND_FACTS, CACHE_REASON_OTHER_TABLE);
    assert_true(!d.use && !d.note && !d.remove_facts && !d.remove_table);
    d = cache_decide(CACHE_KIND_FACTS, CACHE_REASON_OTHER_NETWORK);
    assert_true(!d.use && !d.note);
    d = cache_decide(CACHE_KIND_FACTS, CACHE_REASON_DAMAGED);
    assert_true(!d.use && d.note && !d.remove_facts && !d.remove_table);
    d = cache_decide(CACHE_KIND_FACTS, CACHE_REASON_ABSENT);
    assert_true(!d.use && !d.note);
    assert_string_equal(cache_reason_name(CACHE_REASON_STALE), "stale");

    /* cache_pair names both files; cache_apply removes what it is told */
    cache_pair c;
    assert_int_equal(cache_pair_init(&c, src, dir, 1, NULL), 0);
    assert_true(c.enabled);
    char fp[sizeof c.facts];
    assert_int_equal(cache_facts_path(c.table_cache, fp, sizeof fp), 0);
    assert_string_equal(c.facts, fp);
    assert_int_equal(strcmp(c.facts + strlen(c.facts) - 10, ".ntc.facts"), 0);
    char ip[sizeof c.facts];
    assert_int_equal(hostidx_path(c.table_cache, ip, sizeof ip), 0);
    touch(c.table_cache);
    touch(c.facts);
    touch(ip);
    d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_NOT_WRITTEN);
    cache_apply(&d, c.table_cache);
    assert_int_equal(access(c.table_cache, F_OK), 0);
    assert_int_equal(access(c.facts, F_OK), -1);
    assert_int_equal(access(ip, F_OK), -1);
    touch(c.facts);
    d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_COLUMNS_DAMAGED);
    cache_apply(&d, c.table_cache);
    assert_int_equal(access(c.table_cache, F_OK), -1);
    assert_int_equal(access(c.facts, F_OK), -1);
    assert_int_equal(cache_pair_init(&c, src, dir, 0, NULL), -1);   /* --no-cache */
    assert_false(c.enabled);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_foreign, setup, teardown),
        cmocka_unit_test_setup_teardown(test_old_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_internal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_host_ids_bounded, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unwritable_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_size_limit, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_policy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
