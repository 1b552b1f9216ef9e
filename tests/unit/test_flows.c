/* test_flows.c: IPv4 parsing and formatting, CIDR lists, the host dictionary,
 * big byte counts: the functions of flows.h. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "nettui/flows.h"

static int parse(const char *s, uint32_t *ip)
{
    return ipv4_parse(s, strlen(s), ip);
}

static void test_ipv4_parse(void **state)
{
    (void)state;
    uint32_t ip = 0;
    assert_int_equal(parse("13.43.52.51", &ip), 0);
    assert_int_equal(ip, 0x0d2b3433u);
    assert_int_equal(parse("0.0.0.0", &ip), 0);
    assert_int_equal(ip, 0);
    assert_int_equal(parse("255.255.255.255", &ip), 0);
    assert_int_equal(ip, 0xffffffffu);
    const char *bad[] = {"", "1", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.256", "1..2.3", "1.2.3.4 ",
                         " 1.2.3.4", "01.2.3.4", "1.2.3.-4", "a.b.c.d", "1.2.3.4.", "1234.1.1.1",
                         "2001:db8::1", "host.example"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) assert_int_equal(parse(bad[i], &ip), -1);
    /* only len bytes count: the rest of the buffer is not part of the address */
    assert_int_equal(ipv4_parse("10.0.0.1,17", 8, &ip), 0);
    assert_int_equal(ip, 0x0a000001u);
}

static void test_ipv4_format_round_trip(void **state)
{
    (void)state;
    char buf[16];
    assert_string_equal(ipv4_format(0x0d2b3433u, buf), "13.43.52.51");
    assert_string_equal(ipv4_format(0xffffffffu, buf), "255.255.255.255");
    for (uint32_t ip = 1; ip < 0xfff00000u; ip += 0x01010101u * 7 + 13) {
        uint32_t back;
        assert_int_equal(parse(ipv4_format(ip, buf), &back), 0);
        assert_int_equal(back, ip);
    }
}

static void test_cidr(void **state)
{
    (void)state;
    cidr_list l;
    char err[200];
    cidr_list_default(&l);
    assert_int_equal(l.n, 3);
    uint32_t ip;
    parse("12.0.0.0", &ip); assert_true(cidr_list_contains(&l, ip));
    parse("14.255.255.255", &ip); assert_true(cidr_list_contains(&l, ip));
    parse("15.0.0.0", &ip); assert_false(cidr_list_contains(&l, ip));
    parse("11.255.255.255", &ip); assert_false(cidr_list_contains(&l, ip));

    assert_int_equal(cidr_list_parse(&l, "10.1.0.0/16,192.168.1.7", err, sizeof err), 0);
    assert_int_equal(l.n, 2);
    parse("10.1.200.3", &ip); assert_true(cidr_list_contains(&l, ip));
    parse("10.2.0.1", &ip); assert_false(cidr_list_contains(&l, ip));
    parse("192.168.1.7", &ip); assert_true(cidr_list_contains(&l, ip));   /* no prefix: /32 */
    parse("192.168.1.8", &ip); assert_false(cidr_list_contains(&l, ip));
    /* host bits of the network are dropped */
    assert_int_equal(cidr_list_parse(&l, "10.1.2.3/8", err, sizeof err), 0);
    assert_int_equal(l.v[0].net, 0x0a000000u);
    assert_int_equal(l.v[0].mask, 0xff000000u);
    assert_int_equal(cidr_list_parse(&l, "0.0.0.0/0", err, sizeof err), 0);
    parse("200.1.1.1", &ip); assert_true(cidr_list_contains(&l, ip));

    const char *bad[] = {"", "10.0.0.0/33", "10.0.0.0/", "10.0.0/8", "10.0.0.0/8,", "x", "10.0.0.0/-1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        cidr_list keep;
        cidr_list_default(&keep);
        err[0] = 0;
        assert_int_equal(cidr_list_parse(&keep, bad[i], err, sizeof err), -1);
        assert_true(strlen(err) > 0);
        assert_int_equal(keep.n, 3);   /* untouched on error */
    }
}

static void test_hosts(void **state)
{
    (void)state;
    host_dict d;
    cidr_list l;
    cidr_list_default(&l);
    hosts_init(&d);
    uint32_t a, b;
    parse("13.1.1.1", &a);
    parse("18.1.1.1", &b);
    assert_int_equal(hosts_add_ipv4(&d, a, &l), 0);
    assert_int_equal(hosts_add_ipv4(&d, b, &l), 1);
    assert_int_equal(hosts_add_name(&d, "2001:db8::1", 11), 2);
    assert_int_equal(hosts_add_ipv4(&d, a, &l), 0);
    assert_int_equal(hosts_add_name(&d, "2001:db8::1,x", 11), 2);
    assert_int_equal(d.internal[0], 1);
    assert_int_equal(d.internal[1], 0);
    assert_int_equal(d.internal[2], 0);
    assert_int_equal(hosts_find(&d, "18.1.1.1"), 1);
    assert_int_equal(hosts_find(&d, "2001:db8::1"), 2);
    assert_int_equal(hosts_find(&d, "18.1.1.2"), HOST_NONE);
    char buf[16];
    assert_string_equal(hosts_name(&d, 1, buf), "18.1.1.1");
    assert_string_equal(hosts_name(&d, 2, buf), "2001:db8::1");
    /* many hosts: dense ids in order, through several rehashes */
    for (uint32_t i = 0; i < 100000; i++) assert_int_equal(hosts_add_ipv4(&d, 0x0c000000u + i * 3, &l), 3 + i);
    for (uint32_t i = 0; i < 100000; i += 997) assert_int_equal(hosts_add_ipv4(&d, 0x0c000000u + i * 3, &l), 3 + i);
    assert_int_equal(d.n, 100003);
    hosts_free(&d);
}

static void test_bytes_at(void **state)
{
    (void)state;
    flow_table t;
    memset(&t, 0, sizeof t);
    assert_int_equal(flows_alloc_columns(&t, 10), 0);
    flow_big_bytes big[2] = {{2, 5000000000ULL}, {7, UINT64_MAX}};
    for (size_t i = 0; i < 10; i++) t.bytes[i] = (uint32_t)i;
    t.bytes[2] = t.bytes[7] = FLOWS_BYTES_BIG;
    t.big = malloc(sizeof big);
    memcpy(t.big, big, sizeof big);
    t.nbig = 2;
    t.n = 10;
    assert_int_equal(flows_bytes_at(&t, 1), 1);
    assert_int_equal(flows_bytes_at(&t, 2), 5000000000ULL);
    assert_int_equal(flows_bytes_at(&t, 7), UINT64_MAX);
    assert_int_equal(flows_bytes_at(&t, 9), 9);
    flows_free(&t);
    assert_null(t.ts);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ipv4_parse),
        cmocka_unit_test(test_ipv4_format_round_trip),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_hosts),
        cmocka_unit_test(test_bytes_at),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
