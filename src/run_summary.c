/* run_summary.c: --summary, what was loaded as "key: value" lines, one fact
 * a line, for people and for scripts (grep '^rows:'). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nettui/cache.h"
#include "cli.h"
#include "nettui/facts.h"
#include "nettui/format.h"

/* "2020-01-06 16:00:00 UTC" */
static const char *format_utc(int64_t ms, char *buf, size_t len)
{
    /* any int64: outside the loader's range, the number itself */
    time_t s = (time_t)(ms / 1000);
    struct tm tm;
    if (ms < 0 || ms > LOAD_TS_MAX_MS || !gmtime_r(&s, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm))
        snprintf(buf, len, "%lld ms", (long long)ms);
    return buf;
}

static size_t distinct_ports(const flow_table *t)
{
    uint8_t *seen = calloc(65536, 1);
    if (!seen) return 0;
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) {
        n += !seen[t->port[i]];
        seen[t->port[i]] = 1;
    }
    free(seen);
    return n;
}

int run_summary(const cli_options *o)
{
    flow_table t;
    load_report rep;
    int from_cache = 0;
    int status = cli_load_table(o, &t, &rep, &from_cache);
    if (status != EXIT_OK) return status;

    /* the internal network: --internal, or what the engine would infer */
    cidr_list net = o->internal;
    int inferred = !o->internal_set;
    if (inferred && engine_infer_internal(&t, &net)) {
        fprintf(stderr, "nettui: out of memory while inferring the internal network.\n");
        cli_finish();
        flows_free(&t);
        return EXIT_FAILURE_RUN;
    }
    size_t internal = 0;
    double share = engine_internal_share(&t, &net, &internal);
    /* every pass over the columns before the first line: a mapped cache cut
     * short under us re-runs the program (mapguard.h), with nothing printed */
    size_t ports = distinct_ports(&t);
    char nettext[1200];
    char first[64], last[64];
    printf("file: %s\n", o->path);   /* a ClickHouse URL is here without its password (main.c) */
    if (o->is_set) printf("files: %d\n", rep.files);
    printf("rows: %llu\n", (unsigned long long)flows_count(&t));
    printf("bad_lines: %llu\n", (unsigned long long)rep.bad_total);
    for (int k = 0; k < BAD_KIND_COUNT; k++) {
        const char *name = load_bad_kind_name((bad_kind)k);
        printf("bad_%s: %llu\n", name, (unsigned long long)rep.bad[k]);
        if (rep.nfirst_bad[k] == 0) continue;
        printf("bad_%s_lines: ", name);
        for (int i = 0; i < rep.nfirst_bad[k]; i++)
            printf("%s%llu", i ? "," : "", (unsigned long long)rep.first_bad[k][i]);
        putchar('\n');
    }
    printf("lines: %llu\n", (unsigned long long)rep.lines);
    int fmt = from_cache ? (int)format_of_file(o->path, (flow_format)o->format) : rep.format;
    printf("format: %s\n", o->clickhouse ? "clickhouse" : format_name((flow_format)fmt));
    if (o->clickhouse) printf("clickhouse_groups: %zu\n", t.n);   /* the weighted rows the server sent */
    printf("header: %s\n", rep.had_header ? "yes" : "no");
    printf("timestamps: %s\n", rep.timestamps_in_seconds ? "seconds" : "milliseconds");
    printf("first: %s\n", format_utc(t.ts_min, first, sizeof first));
    printf("last: %s\n", format_utc(t.ts_max, last, sizeof last));
    printf("hosts: %u\n", t.hosts.n);
    printf("internal: %s\n", cidr_list_text(&net, nettext, sizeof nettext));
    printf("internal_source: %s\n", inferred ? "inferred" : "given");
    printf("internal_share: %.4f\n", share);
    printf("internal_hosts: %zu\n", internal);
    printf("external_hosts: %zu\n", (size_t)t.hosts.n - internal);
    printf("ports: %zu\n", ports);
    printf("bytes: %llu\n", (unsigned long long)t.total_bytes);
    printf("big_byte_rows: %zu\n", t.nbig);
    printf("source: %s\n", from_cache ? "cache" : "parsed");
    printf("threads: %d\n", rep.threads_used);
    printf("file_bytes: %llu\n", (unsigned long long)rep.file_bytes);
    printf("load_seconds: %.2f\n", rep.seconds);
    printf("mb_per_s: %.0f\n", rep.seconds > 0 ? (double)rep.file_bytes / 1e6 / rep.seconds : 0.0);
    /* the summary first, then the cache the parse left to write (cache.h) */
    int out_failed = fflush(stdout) || ferror(stdout);
    cli_finish();
    flows_free(&t);
    if (out_failed) {
        fprintf(stderr, "nettui: cannot write the summary to standard output.\n");
        return EXIT_FAILURE_RUN;
    }
    return EXIT_OK;
}
