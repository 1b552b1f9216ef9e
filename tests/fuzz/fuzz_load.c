/* fuzz_load.c: libFuzzer harness for the CSV loader, the cache writer and
 * the engine, on arbitrary bytes.
 *
 * Each input becomes a file (in a private folder, on tmpfs when there is one)
 * and goes through what `nettui --answers` does with it:
 *   - load_file with one parser and with two: both must give the same status
 *     and, on success, the same table and report (the loader promises any
 *     thread count makes the same table); a failure must name the file;
 *   - a loaded table is saved as a cache and mapped back, and must come back
 *     the same;
 *   - engine_build, engine_run, the answers and JSON exports.
 * A mismatch aborts, so libFuzzer keeps the input as a crash. */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/cache.h"
#include "nettui/engine.h"
#include "nettui/export.h"
#include "nettui/load.h"

static char dir[256], src_path[300], cache_path[300];
static FILE *devnull;

static void die(const char *what, const uint8_t *data, size_t size)
{
    (void)data;
    fprintf(stderr, "fuzz_load: %s (input of %zu bytes)\n", what, size);
    abort();
}

static void cleanup(void)
{
    unlink(src_path);
    unlink(cache_path);
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/nettui-fuzz-load.XXXXXX", base);
    if (!mkdtemp(dir)) { perror("mkdtemp"); exit(1); }
    atexit(cleanup);
    snprintf(src_path, sizeof src_path, "%s/in.csv", dir);
    snprintf(cache_path, sizeof cache_path, "%s/in.ntc", dir);
    devnull = fopen("/dev/null", "w");
    if (!devnull) { perror("/dev/null"); exit(1); }
    return 0;
}

static void write_input(const uint8_t *data, size_t size)
{
    int fd = open(src_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) { perror(src_path); exit(1); }
    size_t done = 0;
    while (done < size) {
        ssize_t w = write(fd, data + done, size - done);
        if (w <= 0) { perror("write"); exit(1); }
        done += (size_t)w;
    }
    close(fd);
}

static int load(int threads, flow_table *t, load_report *rep)
{
    load_options o;
    load_options_default(&o);
    o.threads = threads;
    return load_file(src_path, &o, t, rep);
}

static int same_host(const flow_table *a, host_id x, const flow_table *b, host_id y)
{
    char ba[16], bb[16];
    return strcmp(hosts_name(&a->hosts, x, ba), hosts_name(&b->hosts, y, bb)) == 0;
}

/* Same rows, same hosts (same ids), same totals. */
static int same_table(const flow_table *a, const flow_table *b)
{
    if (a->n != b->n || a->nbig != b->nbig || a->hosts.n != b->hosts.n) return 0;
    if (a->ts_min != b->ts_min || a->ts_max != b->ts_max || a->total_bytes != b->total_bytes) return 0;
    for (uint32_t h = 0; h < a->hosts.n; h++) {
        if (!same_host(a, h, b, h)) return 0;
        if (a->hosts.internal[h] != b->hosts.internal[h]) return 0;
    }
    for (size_t i = 0; i < a->n; i++) {
        if (a->ts[i] != b->ts[i] || a->src[i] != b->src[i] || a->dst[i] != b->dst[i] ||
            a->port[i] != b->port[i] || flows_bytes_at(a, i) != flows_bytes_at(b, i))
            return 0;
        if (a->src[i] >= a->hosts.n || a->dst[i] >= a->hosts.n) return 0;
        if (a->ts[i] < a->ts_min || a->ts[i] > a->ts_max) return 0;
    }
    return 1;
}

static int same_report(const load_report *a, const load_report *b)
{
    if (a->lines != b->lines || a->bad_total != b->bad_total || a->had_header != b->had_header ||
        a->timestamps_in_seconds != b->timestamps_in_seconds || a->file_bytes != b->file_bytes)
        return 0;
    for (int k = 0; k < BAD_KIND_COUNT; k++) {
        if (a->bad[k] != b->bad[k] || a->nfirst_bad[k] != b->nfirst_bad[k]) return 0;
        for (int i = 0; i < a->nfirst_bad[k]; i++)
            if (a->first_bad[k][i] != b->first_bad[k][i]) return 0;
    }
    return 1;
}

static void check_engine(const flow_table *t, const uint8_t *data, size_t size)
{
    engine_options eo;
    engine_options_default(&eo);
    eo.threads = 1 + (size & 1);
    char err[256];
    engine *e = engine_build(t, &eo, err, sizeof err);
    if (!e) die("engine_build failed on a loaded table", data, size);
    blacklist bl;
    if (blacklist_init(&bl, t->hosts.n)) die("blacklist_init", data, size);
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);
    /* the person toggles the answer of the first finding, the chain reruns */
    for (int k = 0; k < DETECTOR_COUNT; k++)
        if (f[k].found && f[k].kind == ANSWER_HOST) { blacklist_toggle(&bl, f[k].value); break; }
    engine_run(e, &bl, f);
    export_answers(devnull, e, f);
    export_json(devnull, e, f);
    blacklist_free(&bl);
    engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    write_input(data, size);
    flow_table t1, t2;
    load_report r1, r2;
    int s1 = load(1, &t1, &r1);
    int s2 = load(2, &t2, &r2);
    if (s1 != s2) die("one parser and two parsers disagree on the status", data, size);
    if (s1 != EXIT_OK) {
        if (!r1.error[0] || !strstr(r1.error, src_path)) die("a failed load does not name the file", data, size);
        if (s1 != EXIT_NO_INPUT && s1 != EXIT_FAILURE_RUN) die("a failed load has no documented status", data, size);
        if (t1.n || t2.n) die("a failed load left rows", data, size);
        flows_free(&t1);
        flows_free(&t2);
        return 0;
    }
    if (t1.n == 0) die("a successful load has no rows", data, size);
    if (!same_table(&t1, &t2)) die("one parser and two parsers make different tables", data, size);
    if (!same_report(&r1, &r2)) die("one parser and two parsers make different reports", data, size);
    flows_free(&t2);

    /* the cache round trip */
    char why[512];
    if (cache_save(cache_path, src_path, &t1, &r1, 1, why, sizeof why) == 0) {
        flow_table t3;
        load_report r3;
        cache_result cr = cache_load(cache_path, src_path, &t1.internal, 1, &t3, &r3, why, sizeof why);
        if (cr != CACHE_HIT) die("a cache just written is not read back", data, size);
        if (!same_table(&t1, &t3)) die("the cache gives a different table", data, size);
        if (!same_report(&r1, &r3)) die("the cache gives a different report", data, size);
        flows_free(&t3);
        unlink(cache_path);
    }

    check_engine(&t1, data, size);
    flows_free(&t1);
    return 0;
}
