/* export.h: the answers file, JSON, and the flag hash. */
#ifndef NETTUI_EXPORT_H
#define NETTUI_EXPORT_H

#include <stdio.h>
#include "nettui/engine.h"

/* md5 (hex, 33 bytes with NUL) of the ten answers joined by ':'. */
void export_flag(const engine *e, const finding f[DETECTOR_COUNT], char hex[33]);
/* Writes the ten answers, one a line, then "flag: <md5>". Returns 0 or -1 (errno). */
int export_answers(FILE *out, const engine *e, const finding f[DETECTOR_COUNT]);
/* The same lines to path, atomically (temporary file in the same folder, fsync,
 * rename): on failure an earlier file is left intact and err says why. A
 * note (NULL: none) follows the flag line as "# note". */
int export_answers_to_path(const char *path, const engine *e, const finding f[DETECTOR_COUNT], const char *note,
                           char *err, size_t errlen);
/* Every finding as one JSON document. */
int export_json(FILE *out, const engine *e, const finding f[DETECTOR_COUNT]);

#endif
