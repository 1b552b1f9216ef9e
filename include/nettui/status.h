/* status.h: the statuses a load or a mode ends with, which are also the
 * program's exit statuses (documented in the man page, EXIT STATUS).
 *
 * Why in the library and not in the program's own layer (src/cli.h): the
 * core returns them. load_file, load_set and cache_load_or_parse tell a
 * missing or flowless file (EXIT_NO_INPUT) from a failed run
 * (EXIT_FAILURE_RUN), and every mode passes that status on unchanged as its
 * exit status; a second set of load results mapped onto these would be one
 * more table to keep in step. EXIT_USAGE is the program's alone (main.c),
 * kept here so the four numbers stay in one list. */
#ifndef NETTUI_STATUS_H
#define NETTUI_STATUS_H

enum {
    EXIT_OK = 0,
    EXIT_FAILURE_RUN = 1,  /* a write failed, the terminal is unusable, cancelled */
    EXIT_USAGE = 2,        /* bad command line */
    EXIT_NO_INPUT = 3,     /* missing, unreadable, a directory, or no good line */
};

#endif
