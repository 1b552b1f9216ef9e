/* fuzz_filter.c: libFuzzer harness for the flow filter language
 * (src/core/filter.c). Any bytes are an expression: filter_parse must accept
 * it or reject it with one sentence (no newline, ends with '.'), never read
 * out of bounds; an accepted filter is bound to a small table with IPv4 and
 * string hosts and big byte counts, and the block evaluator must agree with
 * the row-at-a-time path and with filter_scan's count. Seeds:
 * tests/fuzz/corpus_filter. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nettui/filter.h"

static flow_table table;

static void make_table(void)
{
    static const char *const names[] = {"12.0.0.1", "99.0.0.1", "13.1.1.1", "host.example", "2001:db8::1", "12.0.0.2"};
    hosts_init(&table.hosts);
    cidr_list_default(&table.internal);
    if (flows_alloc_columns(&table, 5000)) abort();
    host_id ids[6];
    for (int k = 0; k < 6; k++) {
        uint32_t ip;
        ids[k] = ipv4_parse(names[k], strlen(names[k]), &ip) == 0
                     ? hosts_add_ipv4(&table.hosts, ip, &table.internal)
                     : hosts_add_name(&table.hosts, names[k], strlen(names[k]));
    }
    table.big = calloc(64, sizeof *table.big);
    uint64_t x = 0x9e3779b97f4a7c15ull;
    for (size_t i = 0; i < 5000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        table.ts[i] = 1578326400000ll + (int64_t)(i * 97000) - 3600000ll * 30;
        table.src[i] = ids[x % 6];
        table.dst[i] = ids[(x >> 8) % 6];
        table.port[i] = (uint16_t)(x >> 16);
        if (i % 100 == 7 && table.nbig < 64) {
            table.bytes[i] = FLOWS_BYTES_BIG;
            table.big[table.nbig].row = i;
            table.big[table.nbig++].bytes = (x >> 20) + 0xffffffffull;
        } else {
            table.bytes[i] = (uint32_t)(x >> 40) % 100000;
        }
    }
    table.n = 5000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!table.n) make_table();
    char *expr = malloc(size + 1);
    if (!expr) return 0;
    memcpy(expr, data, size);
    expr[size] = 0;
    char err[300];
    int oom;
    flow_filter *f = filter_parse(expr, err, sizeof err, &oom);
    free(expr);
    if (!f) {
        size_t n = strlen(err);
        if (!oom && (n == 0 || err[n - 1] != '.' || strchr(err, '\n'))) abort();
        return 0;
    }
    if (filter_bind(f, &table)) { filter_free(f); return 0; }
    static uint8_t out[5000];
    filter_eval(f, &table, 0, table.n, out);
    size_t ones = 0;
    for (size_t i = 0; i < table.n; i++) {
        if (out[i] > 1) abort();
        ones += out[i];
        if (i % 37 == 0 && filter_match(f, &table, i) != out[i]) abort();
    }
    if (filter_scan(f, &table, 0, table.n, NULL, NULL) != ones) abort();
    filter_free(f);
    return 0;
}
