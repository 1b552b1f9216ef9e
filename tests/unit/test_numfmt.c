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

/* The one size formatter in its two spellings: the outputs the UI's fmt_si
 * and the engine's fmt_bytes printed before they became one (the evidence
 * sentences and the panes' columns depend on them, byte for byte). */
static void test_sizes(void **state)
{
    (void)state;
    char b[32];
    assert_string_equal(numfmt_si(1337, b, sizeof b), "1337");       /* whole under 10,000: exact */
    assert_string_equal(numfmt_si(9999, b, sizeof b), "9999");
    assert_string_equal(numfmt_si(10000, b, sizeof b), "10.0K");
    assert_string_equal(numfmt_si(999.4, b, sizeof b), "999");
    assert_string_equal(numfmt_si(999.5, b, sizeof b), "1.00K");     /* rounds up into the next unit */
    assert_string_equal(numfmt_si(9949000, b, sizeof b), "9.95M");
    assert_string_equal(numfmt_si(9950000, b, sizeof b), "9.9M");      /* 9.95 in binary sits just below */
    assert_string_equal(numfmt_si(99400000, b, sizeof b), "99.4M");
    assert_string_equal(numfmt_si(4.56e9, b, sizeof b), "4.56G");
    assert_string_equal(numfmt_si(-12345, b, sizeof b), "-12.3K");
    assert_string_equal(numfmt_si(2.5e21, b, sizeof b), "2500E");    /* past the last unit */
    assert_string_equal(numfmt_bytes(812, b, sizeof b), "812 B");
    assert_string_equal(numfmt_bytes(999.7, b, sizeof b), "1000 B");  /* scales only from 1000 */
    assert_string_equal(numfmt_bytes(9960, b, sizeof b), "9.96 kB");
    assert_string_equal(numfmt_bytes(290e6, b, sizeof b), "290 MB");
    assert_string_equal(numfmt_bytes(10.6e9, b, sizeof b), "10.6 GB");
    assert_string_equal(numfmt_bytes(3e18, b, sizeof b), "3000 PB");
    assert_string_equal(numfmt_bytes(-5000, b, sizeof b), "-5000 B");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_evidence), cmocka_unit_test(test_score), cmocka_unit_test(test_sizes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
