/* test_tables.h: one check that two flow tables are the same table, column
 * for column and host for host, for the tests that build a table two ways
 * (one thread and many; parsed and from the cache). Include after cmocka.h. */
#ifndef NETTUI_TEST_TABLES_H
#define NETTUI_TEST_TABLES_H

#include "nettui/flows.h"

static void assert_tables_equal(const flow_table *a, const flow_table *b)
{
    assert_int_equal(a->n, b->n);
    assert_memory_equal(a->ts, b->ts, a->n * sizeof *a->ts);
    assert_memory_equal(a->src, b->src, a->n * sizeof *a->src);
    assert_memory_equal(a->dst, b->dst, a->n * sizeof *a->dst);
    assert_memory_equal(a->port, b->port, a->n * sizeof *a->port);
    assert_memory_equal(a->bytes, b->bytes, a->n * sizeof *a->bytes);
    assert_int_equal(a->nbig, b->nbig);
    if (a->nbig) assert_memory_equal(a->big, b->big, a->nbig * sizeof *a->big);
    for (size_t i = 0; i < a->n; i++) assert_int_equal(flows_bytes_at(a, i), flows_bytes_at(b, i));
    assert_int_equal(a->ts_min, b->ts_min);
    assert_int_equal(a->ts_max, b->ts_max);
    assert_int_equal(a->total_bytes, b->total_bytes);
    assert_int_equal(a->hosts.n, b->hosts.n);
    assert_memory_equal(a->hosts.ip, b->hosts.ip, a->hosts.n * sizeof *a->hosts.ip);
    assert_memory_equal(a->hosts.name_off, b->hosts.name_off, a->hosts.n * sizeof *a->hosts.name_off);
    assert_memory_equal(a->hosts.internal, b->hosts.internal, a->hosts.n);
    assert_int_equal(a->hosts.names_len, b->hosts.names_len);
    if (a->hosts.names_len) assert_memory_equal(a->hosts.names, b->hosts.names, a->hosts.names_len);
    for (host_id h = 0; h < a->hosts.n; h++) {
        char ba[16], bb[16];
        assert_string_equal(hosts_name(&a->hosts, h, ba), hosts_name(&b->hosts, h, bb));
    }
}

#endif
