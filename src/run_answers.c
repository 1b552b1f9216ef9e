/* PLACEHOLDER until the engine lands (owner: engine). */
#include <stdio.h>
#include "nettui/cli.h"
int run_answers(const cli_options *o)
{
    (void)o;
    fprintf(stderr, "nettui: --answers is not built yet.\n");
    return EXIT_FAILURE_RUN;
}
