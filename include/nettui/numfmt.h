/* numfmt.h: numbers as a person should read them in evidence: integers
 * exactly, fractions with three significant digits, epoch milliseconds as a
 * UTC date-time. No curses here, so the unit tests can check it. */
#ifndef NETTUI_NUMFMT_H
#define NETTUI_NUMFMT_H

#include <stddef.h>
#include <stdint.h>

/* "11,739,003" */
char *numfmt_count(uint64_t v, char *buf, size_t len);

/* The one size formatter, in two spellings. Both scale by 1000 (SI, not
 * 1024) and keep three significant digits once scaled; both are estimates
 * by design (the exact count is numfmt_count's job), rounded to nearest.
 *   numfmt_si:    compact, for narrow table columns: "1337", "12.3K",
 *                 "4.56G"; whole numbers under 10,000 exactly; K M G T P E.
 *   numfmt_bytes: for sentences: "512 B", "9.96 kB", "1.34 GB"; B kB MB GB
 *                 TB PB. */
char *numfmt_si(double v, char *buf, size_t len);
char *numfmt_bytes(double v, char *buf, size_t len);
/* An evidence value under its label: a label ending in "ms" with an epoch
 * time (from 1973 on) prints "2020-01-07 18:18:59 UTC"; other "ms" values
 * "1,200 ms"; whole numbers exactly with thousands separators; others with
 * three significant digits (0.409, 6.4, 87.8), or rounded to a whole number
 * from 1,000 up; infinity "inf", NaN "none". */
char *numfmt_evidence(const char *label, double v, char *buf, size_t len);
/* 1 when a label names epoch milliseconds ("first contact ms",
 * "first contact (ms)"). */
int numfmt_label_is_ms(const char *label);

/* A finding's "stands out" text: "5.5 x next", "24.7 z"; "no runner-up"
 * when the score is infinite or is a ratio ("x ...") over no runner-up
 * (has_next 0, or its metric under 1: the engine floors it at 1, so the
 * ratio would only repeat the winner's count). */
char *numfmt_score(double score, const char *label, double next_metric, int has_next, char *buf, size_t len);

#endif
