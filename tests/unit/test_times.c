/* test_times.c: formatting a time is safe for any int64 (a corrupt time
 * column under a valid facts cache reaches the detectors' sentences
 * unchecked): out of [0, LOAD_TS_MAX_MS] it is "?", never an overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nettui/load.h"
#include "../../src/engine/engine_priv.h"

static void test_fmt_time_range(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(fmt_time(0, buf), "1970-01-01 00:00 UTC");
    assert_string_equal(fmt_time(1578326400001LL, buf), "2020-01-06 16:00 UTC");
    assert_string_equal(fmt_time(LOAD_TS_MAX_MS, buf), "9999-12-31 23:59 UTC");
    const int64_t bad[] = { -1, -1000, INT64_MIN, INT64_MIN + 1, LOAD_TS_MAX_MS + 1, INT64_MAX, INT64_MAX - 998 };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_string_equal(fmt_time(bad[i], buf), "?");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fmt_time_range),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
