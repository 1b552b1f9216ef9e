/* fuzz_files.h: the one way the harnesses write a file (a seed, or the
 * fuzzed bytes as the file the code under test opens): whole, or the
 * harness stops with the path and the reason, since a harness that cannot
 * write its input would fuzz nothing. And the one way a seed is made from
 * a file the real writer wrote: its first byte the harness's mode (what it
 * repairs), then the file whole, whatever its size. */
#ifndef NETTUI_FUZZ_FILES_H
#define NETTUI_FUZZ_FILES_H

#include <stdio.h>
#include <stdlib.h>

static void fuzz_write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f || (size && fwrite(data, 1, size, f) != size) || fclose(f)) { perror(path); exit(1); }
}

/* out = the byte mode, then the whole of file from; says so on stdout. */
static void fuzz_write_seed(const char *from, unsigned mode, const char *out)
{
    FILE *in = fopen(from, "rb");
    long size = -1;
    if (!in || fseek(in, 0, SEEK_END) || (size = ftell(in)) < 0 || fseek(in, 0, SEEK_SET)) { perror(from); exit(1); }
    unsigned char *buf = malloc((size_t)size + 1);
    if (!buf) { perror(from); exit(1); }
    buf[0] = (unsigned char)mode;
    if ((size && fread(buf + 1, 1, (size_t)size, in) != (size_t)size) || fclose(in)) { perror(from); exit(1); }
    fuzz_write_file(out, buf, (size_t)size + 1);
    printf("%s (%ld bytes)\n", out, size + 1);
    free(buf);
}

#endif
