/* fuzz_files.h: the one way the harnesses write a file (a seed, or the
 * fuzzed bytes as the file the code under test opens): whole, or the
 * harness stops with the path and the reason, since a harness that cannot
 * write its input would fuzz nothing. */
#ifndef NETTUI_FUZZ_FILES_H
#define NETTUI_FUZZ_FILES_H

#include <stdio.h>
#include <stdlib.h>

static void fuzz_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) { perror(path); exit(1); }
}

#endif
