/* fuzz_engine.h: what the harnesses that end in a table do with it: the
 * engine built on one thread, the detectors run, the answers and JSON
 * written to /dev/null. Out of memory is a fair answer to a hostile input
 * (the build then returns NULL and nothing else runs); a crash, leak or
 * undefined behaviour anywhere on the way is a finding. */
#ifndef NETTUI_FUZZ_ENGINE_H
#define NETTUI_FUZZ_ENGINE_H

#include <stdio.h>
#include "nettui/engine.h"
#include "nettui/export.h"

static void fuzz_run_engine(const flow_table *t)
{
    engine_options eo;
    engine_options_default(&eo);
    eo.threads = 1;
    char err[256];
    engine *e = engine_build(t, &eo, err, sizeof err);
    if (!e) return;
    blacklist bl;
    if (blacklist_init(&bl, t->hosts.n)) { engine_free(e); return; }
    finding f[DETECTOR_COUNT];
    engine_run(e, &bl, f);
    FILE *null = fopen("/dev/null", "w");
    if (null) { export_answers(null, e, f); export_json(null, e, f); fclose(null); }
    blacklist_free(&bl);
    engine_free(e);
}

#endif
