/* PLACEHOLDER until the explorer lands (owner: ui). */
#include <stdio.h>
#include "nettui/cli.h"
int ui_run(const cli_options *o)
{
    (void)o;
    fprintf(stderr, "nettui: the explorer is not built yet; use --summary.\n");
    return EXIT_FAILURE_RUN;
}
