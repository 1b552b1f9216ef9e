/* test_atomic.c: temporary files carry their writer's pid; the sweep removes
 * those of dead writers once they are old, and nothing else; a write after
 * atomic_unlink_all (the program ending) leaves nothing. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "nettui/atomic.h"

static char dir[64];

static void make_file(const char *name, int age_seconds)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    int fd = open(p, O_CREAT | O_WRONLY | O_TRUNC, 0644);
    assert_true(fd >= 0);
    close(fd);
    struct timeval tv[2];
    gettimeofday(&tv[0], NULL);
    tv[0].tv_sec -= age_seconds;
    tv[1] = tv[0];
    assert_int_equal(utimes(p, tv), 0);
}

static int exists(const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

static void test_pid_in_name(void **state)
{
    (void)state;
    char path[128], want[64];
    snprintf(path, sizeof path, "%s/a.ntc", dir);
    atomic_file f;
    assert_int_equal(atomic_open(&f, path), 0);
    snprintf(want, sizeof want, "a.ntc.tmp.%ld.", (long)getpid());
    assert_non_null(strstr(f.tmp, want));
    assert_int_equal(atomic_commit(&f, NULL), 0);
    assert_true(exists("a.ntc"));
}

static void test_sweep(void **state)
{
    (void)state;
    pid_t dead = fork();
    if (dead == 0) _exit(0);
    waitpid(dead, NULL, 0);
    char old_dead[64], young_dead[64], old_live[64], other[64];
    snprintf(old_dead, sizeof old_dead, "b.ntc.tmp.%ld.AAAAAA", (long)dead);
    snprintf(young_dead, sizeof young_dead, "c.ntc.tmp.%ld.AAAAAA", (long)dead);
    snprintf(old_live, sizeof old_live, "d.ntc.tmp.%ld.AAAAAA", (long)getpid());
    snprintf(other, sizeof other, "e.csv.tmp.%ld.AAAAAA", (long)dead);
    make_file(old_dead, 7200);
    make_file(young_dead, 10);
    make_file(old_live, 7200);
    make_file(other, 7200);
    make_file("f.ntc.tmp.XYZabc", 7200);      /* an older nettui's name: no pid */
    assert_int_equal(atomic_sweep_stale(dir, ".ntc", 3600), 2);
    assert_false(exists(old_dead));
    assert_true(exists(young_dead));
    assert_true(exists(old_live));
    assert_true(exists(other));
    assert_false(exists("f.ntc.tmp.XYZabc"));
}

/* last: it leaves the module in its "ending" state */
static void test_closing(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/g.ntc", dir);
    atomic_unlink_all();
    atomic_file f;
    assert_int_equal(atomic_open(&f, path), -1);
    assert_int_equal(errno, ECANCELED);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "ls %s | grep -q '^g\\.ntc'", dir);
    assert_int_not_equal(system(cmd), 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/nettui-atomic.XXXXXX");
    if (!mkdtemp(dir)) return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pid_in_name),
        cmocka_unit_test(test_sweep),
        cmocka_unit_test(test_closing),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd)) rc = rc ? rc : 1;
    return rc;
}
