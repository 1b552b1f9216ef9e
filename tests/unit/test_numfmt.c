/* test_numfmt.c: evidence values as printed on screen (numfmt.h): the
 * fractions, small values, byte counts and epoch times that fmt_si rounded
 * away ("share off hours 0" for 0.409, "1.34K" for 1337, "1.58T" for a time). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "nettui/numfmt.h"

static const char *ev(const char *label, double v)
{
    static char buf[64];
    return numfmt_evidence(label, v, buf, sizeof buf);
}

static void test_evidence(void **state)
{
    (void)state;
    assert_string_equal(ev("share off hours", 0.409), "0.409");
    assert_string_equal(ev("share off hours", 0.630209), "0.63");
    assert_string_equal(ev("z", 6.4), "6.4");
    assert_string_equal(ev("runner-up z", 5.6), "5.6");
    assert_string_equal(ev("z", 24.7366), "24.7");
    assert_string_equal(ev("bytes per call", 1337), "1,337");
    assert_string_equal(ev("outbound bytes", 11739003), "11,739,003");
    assert_string_equal(ev("port", 27), "27");
    assert_string_equal(ev("beats missed", 0), "0");
    assert_string_equal(ev("port mean bytes", 87.7982), "87.8");
    assert_string_equal(ev("port sd bytes", 101.396), "101");
    assert_string_equal(ev("median jitter s", 0.246578), "0.247");
    assert_string_equal(ev("x", 1234.56), "1,235");
    assert_string_equal(ev("x", -3), "-3");
    assert_string_equal(ev("first contact ms", 1578468455376.0), "2020-01-08 07:27:35 UTC");
    assert_string_equal(ev("busiest bucket ms", 1578538800000.0), "2020-01-09 03:00:00 UTC");
    assert_string_equal(ev("median gap ms", 1200), "1,200 ms");
    assert_string_equal(ev("ratio", INFINITY), "inf");
    assert_string_equal(ev("ratio", NAN), "none");
    assert_true(numfmt_label_is_ms("first contact (ms)"));
    assert_false(numfmt_label_is_ms("items"));
    char b[32];
    assert_string_equal(numfmt_count(105747730, b, sizeof b), "105,747,730");
    assert_string_equal(numfmt_count(0, b, sizeof b), "0");
}

static void test_score(void **state)
{
    (void)state;
    char b[64];
    assert_string_equal(numfmt_score(5.498, "x next", 2135105, 1, b, sizeof b), "5.5 x next");
    /* a count over a runner-up of 0 (floored at 1): "110.0 x next" said nothing true */
    assert_string_equal(numfmt_score(110, "x next", 0, 1, b, sizeof b), "no runner-up");
    assert_string_equal(numfmt_score(110, "x next", 0, 0, b, sizeof b), "no runner-up");
    assert_string_equal(numfmt_score(INFINITY, "x next", 0, 1, b, sizeof b), "no runner-up");
    assert_string_equal(numfmt_score(24.7366, "z", 9.8, 1, b, sizeof b), "24.7 z");
    assert_string_equal(numfmt_score(12, "clique size", 0, 0, b, sizeof b), "12.0 clique size");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_evidence), cmocka_unit_test(test_score)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
