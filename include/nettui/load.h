/* load.h: CSV flow file -> flow table, through libcsv, on several threads.
 *
 * The file is read in chunks split at line boundaries, one csv_parser per
 * thread, results merged in file order. A file with a quote character anywhere
 * is parsed by one thread (a quoted field may hold a newline). The first line
 * is a header when its first field is not a number; known column names are
 * mapped, else columns are taken by position. A malformed line is counted by
 * kind and skipped; it never stops the load and never changes an answer. */
#ifndef NETTUI_LOAD_H
#define NETTUI_LOAD_H

#include <stdint.h>
#include "nettui/flows.h"
#include "nettui/status.h"   /* load_file returns EXIT_* */

typedef enum bad_kind {
    BAD_FIELDS,     /* wrong number of fields */
    BAD_TIMESTAMP,  /* not a number, or out of range */
    BAD_HOST,       /* empty, over-long, or with a control character (not tab or newline) */
    BAD_PORT,       /* not a number, or above 65535 */
    BAD_BYTES,      /* not a number, or above 2^64-1 */
    BAD_KIND_COUNT
} bad_kind;

/* Stable lower-case names: "fields", "timestamp", "host", "port", "bytes". */
const char *load_bad_kind_name(bad_kind k);

/* The role a column name (a header field) has, as the loader maps it:
 * LOAD_ROLE_TS .. LOAD_ROLE_BYTES ("Src IP", "dport", "octets" ...), or -1.
 * Other sources (chsource.c) find their columns by the same names. */
enum { LOAD_ROLE_TS, LOAD_ROLE_SRC, LOAD_ROLE_DST, LOAD_ROLE_PORT, LOAD_ROLE_BYTES, LOAD_ROLE_COUNT };
int load_column_role(const char *name, size_t len);
/* 1 when len bytes at s make a good host field (not empty, at most 255
 * bytes, no control character but tab or newline), else 0 (BAD_HOST). */
int load_host_ok(const char *s, size_t len);

#define LOAD_FIRST_LINES 5

/* The latest timestamp a flow may have, 9999-12-31 23:59:59.999 UTC in epoch
 * milliseconds; a later one is BAD_TIMESTAMP. No timestamp is negative. */
#define LOAD_TS_MAX_MS 253402300799999LL

typedef struct load_options {
    int threads;                 /* 0: number of cores */
    cidr_list internal;          /* internal blocks */
    /* Called from the loading threads' coordinator at least 10 times a second;
     * may be NULL. Returning non-zero cancels the load. */
    int (*progress)(void *user, uint64_t bytes_done, uint64_t bytes_total, uint64_t rows);
    void *user;
    int format;                  /* flow_format (format.h): FORMAT_AUTO (0) decides from the content */
} load_options;

typedef struct load_report {
    uint64_t file_bytes;
    uint64_t lines;                        /* non-blank lines seen, header included */
    uint64_t bad_total;
    uint64_t bad[BAD_KIND_COUNT];
    uint64_t first_bad[BAD_KIND_COUNT][LOAD_FIRST_LINES];  /* 1-based line numbers */
    int nfirst_bad[BAD_KIND_COUNT];
    int had_header;
    int timestamps_in_seconds;             /* the ts column was read as seconds */
    int format;                            /* flow_format (format.h) the load found; not cached */
    int files;                             /* load_set: the files of the set (0: one file) */
    int threads_used;
    double seconds;
    char error[512];                       /* one sentence when load_file fails */
} load_report;

void load_options_default(load_options *o);
/* Loads path into *out (which it initialises). Returns EXIT_OK, or an EXIT_*
 * status with report->error set (the table is then empty and freed). A file
 * that changes while it is read (a short read, another size, mtime or file
 * behind the path afterwards) is read again once; a second change is
 * EXIT_FAILURE_RUN. */
int load_file(const char *path, const load_options *o, flow_table *out, load_report *report);

/* Several files, or directories of them (their regular files by name, dot
 * files left out), as one data set (loadset.c): each file loaded by
 * load_file in its own format, the tables appended in order. A file without
 * a flow (empty, every line bad) adds only its counts; the report's counts
 * add up, and its first bad line numbers are within their own file. */
int load_set(const char *const *paths, int npaths, const load_options *o, flow_table *out, load_report *report);
/* 1 when paths name a set: more than one path, or a directory. */
int load_is_set(const char *const *paths, int npaths);

#endif
