/* blstore.h: the person's blacklist choices, kept between sessions.
 *
 * The explorer saves every choice as it is made (BL_USER_ADD or
 * BL_USER_ALLOW per host) in the cache folder, next to the table cache and
 * keyed like it by the flow file's absolute path (<hash>.blacklist), written
 * atomically (atomic.h). Hosts are saved by their text (the address), not
 * their id: ids follow the order hosts appear in the file, the text does
 * not. A reopen of the same file restores the choices whose hosts it still
 * has. The file is text, one choice a line:
 *     # nettui blacklist choices for /abs/path/flows.csv
 *     add 10.1.2.3
 *     allow 10.4.5.6
 * with a backslash, a tab or a newline in a host name written \\, \t, \n. */
#ifndef NETTUI_BLSTORE_H
#define NETTUI_BLSTORE_H

#include <stddef.h>
#include "nettui/engine.h"
#include "nettui/flows.h"

/* The choices file of source (dir: --cache-dir or NULL). 0, or -1 with a
 * sentence in err. */
int blstore_path(const char *source, const char *dir, char *out, size_t len, char *err, size_t errlen);

/* Writes every BL_USER_ADD / BL_USER_ALLOW of bl, by host text, atomically
 * (no choice at all: the file is removed). 0, or -1 with a sentence in err. */
int blstore_save(const char *path, const char *source, const blacklist *bl, const host_dict *d,
                 char *err, size_t errlen);

/* Sets bl->user from the file at path for the hosts d has; *restored counts
 * them, *unknown the lines naming a host d lacks or not understood. 0 (also
 * when there is no file: *restored 0), or -1 with a sentence in err. */
int blstore_load(const char *path, blacklist *bl, const host_dict *d, int *restored, int *unknown,
                 char *err, size_t errlen);

#endif
