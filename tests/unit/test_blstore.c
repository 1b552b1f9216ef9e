/* test_blstore.c: the person's blacklist choices survive a reopen: saved by
 * host text, restored onto another table of the same hosts in another id
 * order, hosts the table lacks skipped, names with tabs and newlines kept,
 * an empty set removes the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "nettui/blstore.h"

static void add_hosts(host_dict *d, const char *const *names, int n)
{
    cidr_list net;
    cidr_list_default(&net);
    hosts_init(d);
    for (int i = 0; i < n; i++) {
        uint32_t ip;
        if (ipv4_parse(names[i], strlen(names[i]), &ip) == 0) hosts_add_ipv4(d, ip, &net);
        else hosts_add_name(d, names[i], strlen(names[i]));
    }
}

static void test_round_trip(void **state)
{
    (void)state;
    char dir[] = "/tmp/nettui-blstore.XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[256], err[256];
    snprintf(path, sizeof path, "%s/x.blacklist", dir);

    static const char *const a[] = {"13.37.84.125", "12.55.77.96", "odd\tname\nwith\\breaks", "14.1.1.1"};
    static const char *const b[] = {"14.1.1.1", "odd\tname\nwith\\breaks", "12.55.77.96", "15.0.0.9"};
    host_dict da, db;
    add_hosts(&da, a, 4);
    add_hosts(&db, b, 4);
    blacklist bl;
    assert_int_equal(blacklist_init(&bl, da.n), 0);
    bl.user[0] = BL_USER_ADD;
    bl.user[1] = BL_USER_ALLOW;
    bl.user[2] = BL_USER_ADD;
    assert_int_equal(blstore_save(path, "/data/flows.csv", &bl, &da, err, sizeof err), 0);
    blacklist_free(&bl);

    /* the same hosts in another order, one missing (13.37.84.125), one new */
    assert_int_equal(blacklist_init(&bl, db.n), 0);
    int restored = -1, unknown = -1;
    assert_int_equal(blstore_load(path, &bl, &db, &restored, &unknown, err, sizeof err), 0);
    assert_int_equal(restored, 2);
    assert_int_equal(unknown, 1);
    assert_int_equal(bl.user[0], 0);              /* 14.1.1.1: no choice */
    assert_int_equal(bl.user[1], BL_USER_ADD);    /* the odd name */
    assert_int_equal(bl.user[2], BL_USER_ALLOW);  /* 12.55.77.96 */
    assert_int_equal(bl.user[3], 0);

    /* no choice left: the file goes */
    memset(bl.user, 0, bl.nhosts);
    assert_int_equal(blstore_save(path, "/data/flows.csv", &bl, &db, err, sizeof err), 0);
    assert_int_not_equal(access(path, F_OK), 0);
    assert_int_equal(blstore_load(path, &bl, &db, &restored, &unknown, err, sizeof err), 0);
    assert_int_equal(restored, 0);
    blacklist_free(&bl);
    hosts_free(&da);
    hosts_free(&db);
    rmdir(dir);
}

static void test_path_keyed_like_cache(void **state)
{
    (void)state;
    char p[4352], err[256];
    assert_int_equal(blstore_path("/", "/tmp/cachedir", p, sizeof p, err, sizeof err), 0);
    size_t n = strlen(p);
    assert_true(n > 10 && strcmp(p + n - 10, ".blacklist") == 0);
    assert_int_equal(strncmp(p, "/tmp/cachedir/", 14), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_path_keyed_like_cache),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
