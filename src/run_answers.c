/* run_answers.c: --answers, --json, --export: load, build the facts, run the
 * ten detectors once, print the answers (or every finding as JSON) and
 * write the answers file. NETTUI_TIMING=1 prints the engine's times on
 * stderr: build (the fused pass), run, and a second run (a blacklist change). */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "nettui/cache.h"
#include "cli.h"
#include "nettui/engine.h"
#include "nettui/export.h"

int run_answers(const cli_options *o)
{
    flow_table t;
    load_report rep;
    int from_cache = 0, facts_cached = 0;
    cache_pair fc;
    int status = cli_load_table_facts(o, &t, &rep, &from_cache, &fc);
    if (status != EXIT_OK) return status;

    engine_options eo;
    cli_engine_options(o, &eo);
    char err[256];
    engine *e = engine_open(&t, &eo, &fc, &facts_cached, err, sizeof err);
    if (!e) {
        fprintf(stderr, "nettui: %s\n", err);
        cli_finish();
        flows_free(&t);
        return EXIT_FAILURE_RUN;
    }
    blacklist bl;
    if (blacklist_init(&bl, t.hosts.n)) {
        fprintf(stderr, "nettui: out of memory for the blacklist.\n");
        engine_free(e);
        cli_finish();
        flows_free(&t);
        return EXIT_FAILURE_RUN;
    }
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);
    const char *timing = getenv("NETTUI_TIMING");
    if (timing && *timing && *timing != '0') {
        /* rerun: the same blacklist; change: the person excludes a member of
         * the P2P clique (the costliest change: the clique search redone) */
        double tb, tr, tr2, tr3 = 0;
        engine_timing(e, &tb, &tr);
        finding again[DETECTOR_COUNT];
        engine_run(e, &bl, again);
        engine_timing(e, NULL, &tr2);
        const finding *p2p = engine_finding(f, "internal-p2p");
        if (p2p->found && p2p->nmembers) {
            host_id m = p2p->members[0];
            blacklist_toggle(&bl, m);
            engine_run(e, &bl, again);
            engine_timing(e, NULL, &tr3);
            blacklist_toggle(&bl, m);
            engine_run(e, &bl, again);
        }
        fprintf(stderr, "timing: rows %zu build %.3f s (cpu %.3f s)%s run %.3f s rerun %.3f s change %.3f s load %.3f s%s\n",
                t.n, tb, engine_build_cpu_seconds(e), facts_cached ? " (facts cache)" : "", tr, tr2, tr3,
                rep.seconds, from_cache ? " (cache)" : "");
        if (*timing == '2')
            for (int k = 0; k < DETECTOR_COUNT; k++)
                fprintf(stderr, "timing: %-20s %.4f s\n", engine_detector(k)->id, engine_detector_seconds(e, k));
    }
    int rc = o->json ? export_json(stdout, e, f) : export_answers(stdout, e, f);
    if (rc) {
        fprintf(stderr, "nettui: cannot write the answers to standard output.\n");
        status = EXIT_FAILURE_RUN;
    }
    if (status == EXIT_OK && o->export_path && export_answers_to_path(o->export_path, e, f, NULL, err, sizeof err)) {
        fprintf(stderr, "nettui: %s\n", err);
        status = EXIT_FAILURE_RUN;
    }
    /* the answers first, then the cache the parse left to write (cache.h) */
    if (fflush(stdout) && status == EXIT_OK) {
        fprintf(stderr, "nettui: cannot write the answers to standard output.\n");
        status = EXIT_FAILURE_RUN;
    }
    /* no silent '?': a question without an answer says why, one line each
     * (after a failure, the failure's one sentence is all there is) */
    for (int k = 0; status == EXIT_OK && k < DETECTOR_COUNT; k++)
        if (!f[k].found)
            fprintf(stderr, "nettui: question %d (%s) has no answer: %s\n", k + 1, engine_detector(k)->id,
                    f[k].why[0] ? f[k].why : "nothing stands out.");
    cli_finish();
    blacklist_free(&bl);
    engine_free(e);
    flows_free(&t);
    return status;
}
