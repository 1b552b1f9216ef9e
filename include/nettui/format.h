/* format.h: which flow format a file is, told by its content, not its name;
 * the column map of each format; times as text; compressed input.
 *
 *   csv             timestamp,src,dst,port,bytes (header or not): load.c's own layout
 *   nfdump-csv      nfdump -o csv: header ts,te,td,sa,da,sp,dp,pr,...; a
 *                   "Summary" block at the end is not data
 *   zeek-conn-tsv   Zeek conn.log: #separator ... #fields ... #types, tab
 *                   separated rows, "-" unset, #close at the end
 *   zeek-conn-json  Zeek conn.log as JSON, one object per line
 *
 * Kept out of load.c on purpose: load.c only calls the hooks below. */
#ifndef NETTUI_FORMAT_H
#define NETTUI_FORMAT_H

#include <stddef.h>
#include <stdint.h>

typedef enum flow_format {
    FORMAT_AUTO = 0,       /* decide from the content */
    FORMAT_CSV,
    FORMAT_NFDUMP_CSV,
    FORMAT_ZEEK_TSV,
    FORMAT_ZEEK_JSON,
    FORMAT_COUNT
} flow_format;

/* "csv", "nfdump-csv", "zeek-conn-tsv", "zeek-conn-json" ("auto" for FORMAT_AUTO). */
const char *format_name(flow_format f);
/* 0 and *out for a known name (auto included), else -1. */
int format_from_name(const char *s, flow_format *out);

/* The roles of format_layout.col, in load.c's order. */
enum { FROLE_TS, FROLE_SRC, FROLE_DST, FROLE_PORT, FROLE_BYTES, FROLE_COUNT };

typedef struct format_layout {
    flow_format format;       /* never FORMAT_AUTO after format_detect */
    int nfields;              /* fields a data row has; 0 for csv (load.c decides) */
    int col[FROLE_COUNT];     /* role -> column */
    char delim;               /* ',' or '\t' */
    int seconds;              /* numeric timestamps are epoch seconds */
    int json;                 /* rows are JSON objects (format_json_parse) */
    int unset_dash;           /* a bytes field "-" is 0 bytes (Zeek's unset) */
    int comments;             /* a row whose first field starts with '#' is no data */
    uint64_t data_start;      /* offset of the first data line, past the header lines */
    uint64_t header_lines;    /* lines before data_start */
} format_layout;

/* Decides the format of a file from its first bytes head[0..len) (the whole
 * file when whole). forced: FORMAT_AUTO, or the format --format named. */
void format_detect(const char *head, size_t len, int whole, flow_format forced, format_layout *fl);

/* nfdump-csv: the offset of the "Summary" line that starts nfdump's trailing
 * block (looked for in the last 64 kB of fd), else size. */
uint64_t format_data_end(int fd, uint64_t size, const format_layout *fl);

/* JSON rows: a line splitter with csv_parse's callbacks. Each line becomes
 * the five fields of the layout's roles in order (ts, src, dst, port, bytes)
 * then a row end; a line that is not an object becomes one field (a bad
 * line of kind "fields"); a blank line a row of no field. Each field's
 * buffer has 16 spare bytes after it (load.c's text_key reads 16). */
typedef struct format_json_parser {
    char *line;
    size_t len, cap;
    char *field[FROLE_COUNT];
    size_t fcap[FROLE_COUNT];
} format_json_parser;

void format_json_init(format_json_parser *p);
/* 0, or -1 when out of memory. */
int format_json_parse(format_json_parser *p, const char *s, size_t len,
                      void (*cb1)(void *, size_t, void *), void (*cb2)(int, void *), void *data);
/* The last line when it has no newline. */
void format_json_fini(format_json_parser *p, void (*cb1)(void *, size_t, void *), void (*cb2)(int, void *),
                      void *data);
void format_json_free(format_json_parser *p);

/* ---- times (timeparse.c) ---- */

/* The zone of times written without one: "UTC" (the default), "+hh:mm" /
 * "-hh:mm", or an IANA name such as Europe/Berlin (through the C library's
 * TZ: this sets TZ for the process, so call it before any thread starts).
 * 0, or -1 with one sentence in err. */
int time_set_zone(const char *spec, char *err, size_t errlen);
/* "YYYY-MM-DD HH:MM:SS[.fff]", with 'T' for the space, an optional 'Z' or
 * +hh:mm / -hh:mm offset: epoch milliseconds in *ms (0 .. max_ms). 0 or -1. */
int time_parse_text(const char *s, size_t len, int64_t max_ms, int64_t *ms);
/* 1 when s starts like such a time (YYYY-MM-DD). */
int time_looks_like(const char *s, size_t len);

/* ---- compressed input (decompress.c) ---- */

typedef enum compress_kind { COMPRESS_NONE = 0, COMPRESS_GZIP, COMPRESS_ZSTD } compress_kind;

/* From the first bytes (magic numbers, not the name). */
compress_kind compress_detect(const unsigned char *head, size_t len);
/* Decompresses all of fd (total bytes) into an unlinked temporary file in
 * $TMPDIR (else /tmp) and returns its descriptor, or -1 with one sentence in
 * err. progress(user, done, total, 0) is called with compressed bytes read;
 * a non-zero return cancels (err "cancelled"). */
int decompress_to_temp(int fd, compress_kind kind, uint64_t total,
                       int (*progress)(void *, uint64_t, uint64_t, uint64_t), void *user,
                       char *err, size_t errlen);

/* The format load_file finds in path (forced: --format, or FORMAT_AUTO),
 * from its first 64 kB (decompressed): for a table that came from the cache.
 * FORMAT_CSV when the file cannot be read. */
flow_format format_of_file(const char *path, flow_format forced);

#endif
