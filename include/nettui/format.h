/* format.h: which flow format a file is, told by its content, not its name;
 * the column map of each format; times as text; compressed input.
 *
 *   csv             timestamp,src,dst,port,bytes (header or not): the loader's own layout (load_probe.c)
 *   nfdump-csv      nfdump -o csv: header ts,te,td,sa,da,sp,dp,pr,...; a
 *                   "Summary" block at the end is not data
 *   zeek-conn-tsv   Zeek conn.log: #separator ... #fields ... #types, tab
 *                   separated rows, "-" unset, #close at the end
 *   zeek-conn-json  Zeek conn.log as JSON, one object per line
 *
 * Kept out of the loader (load*.c) on purpose: it only calls the hooks below. */
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

/* The roles of format_layout.col, in the loader's order (load_priv.h). */
enum { FROLE_TS, FROLE_SRC, FROLE_DST, FROLE_PORT, FROLE_BYTES, FROLE_COUNT };

typedef struct format_layout {
    flow_format format;       /* never FORMAT_AUTO after format_detect */
    int nfields;              /* fields a data row has; 0 for csv (load_probe.c decides) */
    int col[FROLE_COUNT];     /* role -> column */
    char delim;               /* ',' or '\t' */
    int seconds;              /* numeric timestamps are epoch seconds */
    int json;                 /* rows are JSON objects (format_lines_parse) */
    int lines;                /* no quoting: format_lines_parse, not libcsv */
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

/* Rows without libcsv, a line at a time, with csv_parse's callbacks, for
 * the formats that never quote (Zeek TSV, nfdump, Zeek JSON): chunks need no
 * quote scan, and the fields past the last one used are only counted.
 *   delim (',' or '\t'): the fields up to column last_col go to field(),
 *     the rest are counted by skip(n);
 *   delim 0 (JSON): each object becomes the five fields of the roles in
 *     order (ts, src, dst, port, bytes); a line that is not an object one
 *     field (a bad line of kind "fields").
 * A blank line is a row of no field; a row ends with row('\n'), or row(-1)
 * for a last line without newline. Each field is followed by 16 readable
 * bytes (the loader's text_key reads 16): the caller's buffer must have them. */
typedef struct format_line_parser {
    char delim;
    int last_col;
    char *line;                       /* a line cut by the end of a buffer */
    size_t len, cap;
    char *field[FROLE_COUNT];         /* JSON values */
    size_t fcap[FROLE_COUNT];
} format_line_parser;

typedef void (*format_field_cb)(void *, size_t, void *);
typedef void (*format_row_cb)(int, void *);
typedef void (*format_skip_cb)(size_t, void *);

void format_lines_init(format_line_parser *p, char delim, int last_col);
/* 0, or -1 when out of memory. */
int format_lines_parse(format_line_parser *p, const char *s, size_t len, format_field_cb field,
                       format_row_cb row, format_skip_cb skip, void *data);
/* The last line when it has no newline. */
void format_lines_fini(format_line_parser *p, format_field_cb field, format_row_cb row, format_skip_cb skip,
                       void *data);
/* Forgets a line under way (load_worker.c skips an over-long line). */
void format_lines_drop(format_line_parser *p);
void format_lines_free(format_line_parser *p);

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
 * a non-zero return cancels (DECOMPRESS_CANCELLED, err "cancelled"). */
#define DECOMPRESS_CANCELLED (-2)
int decompress_to_temp(int fd, compress_kind kind, uint64_t total,
                       int (*progress)(void *, uint64_t, uint64_t, uint64_t), void *user,
                       char *err, size_t errlen);

/* The format load_file finds in path (forced: --format, or FORMAT_AUTO),
 * from its first 64 kB (decompressed): for a table that came from the cache.
 * FORMAT_CSV when the file cannot be read. */
flow_format format_of_file(const char *path, flow_format forced);

#endif
