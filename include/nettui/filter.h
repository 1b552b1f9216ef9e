/* filter.h: a small flow filter language in the style of nfdump's, for
 * --flows and the explorer's Flows view.
 *
 *   expr  := term { "or" term }
 *   term  := factor { "and" factor }          ("and" binds tighter than "or")
 *   factor:= "not" factor | "(" expr ")" | atom
 *   atom  := "host" HOST | "src" [ "host" ] HOST | "dst" [ "host" ] HOST
 *          | "port" N | "net" CIDR | "src net" CIDR | "dst net" CIDR
 *          | "after" TIME | "before" TIME | "bytes" OP N | "all"
 *          | "hour" H | "hour" A-B               (UTC hour of day; B excluded, wraps)
 *   OP    := ">" | "<" | ">=" | "<=" | "=" | "==" | "!="
 *   TIME  := epoch milliseconds | YYYY-MM-DD [HH:MM[:SS[.mmm]]] | ISO 8601 UTC
 *            (YYYY-MM-DDTHH:MM[:SS[.mmm]][Z]); all times are UTC
 *
 * "after T" keeps flows with ts >= T, "before T" flows with ts < T, so
 * "after T and before U" is the half-open span [T, U). An empty expression
 * keeps every flow. A host the table does not know matches nothing.
 *
 * A parsed filter is bound to one table (filter_bind): host and net atoms
 * become host-id tests (an id, or a bitmap over the host dictionary), so
 * evaluation touches only the columns, a block at a time. */
#ifndef NETTUI_FILTER_H
#define NETTUI_FILTER_H

#include <stddef.h>
#include <stdint.h>

#include "nettui/flows.h"

typedef struct flow_filter flow_filter;

/* Parses expr. NULL with one sentence in err (naming the offending word and
 * its 1-based character position) on a bad expression; *oom set to 1 when
 * the reason is memory (oom may be NULL). */
flow_filter *filter_parse(const char *expr, char *err, size_t errlen, int *oom);
/* Resolves host and net atoms against t's host dictionary; 0, or -1 when
 * out of memory. Must be called before filter_eval/filter_scan, and again
 * for another table. */
int filter_bind(flow_filter *f, const flow_table *t);
/* Rows [begin, end) of t: out[i - begin] = 1 if row i matches, else 0. */
void filter_eval(const flow_filter *f, const flow_table *t, size_t begin, size_t end, uint8_t *out);
/* 1 if row i matches (slow path, for tests). */
int filter_match(const flow_filter *f, const flow_table *t, size_t i);
/* Calls fn(row, arg) for every matching row in [begin, end), in order; a
 * nonzero return from fn stops the scan. Returns the number of matches seen. */
size_t filter_scan(const flow_filter *f, const flow_table *t, size_t begin, size_t end,
                   int (*fn)(size_t row, void *arg), void *arg);
void filter_free(flow_filter *f);
/* 1 when the filter keeps every flow (an empty expression or "all"). */
int filter_is_all(const flow_filter *f);

/* The plan for a host index (hostidx.h): when every row f keeps must have
 * one of a few hosts as its src or dst (a host, src or dst atom, a net with
 * at most max hosts, an "and" with such a conjunct, an "or" of such terms),
 * writes those hosts, distinct and ascending, into out and returns how many
 * (0: f keeps no row, e.g. a host the table lacks); -1 when there is no such
 * set (a "not", a port, a time... alone: the caller scans). Of the conjuncts
 * of an "and" that have a set, the one whose lists are shortest by
 * cost(h, user) (a host's row count) is taken. f must be bound (filter_bind). */
int filter_plan_hosts(const flow_filter *f, uint64_t (*cost)(host_id h, void *user), void *user,
                      host_id *out, int max);
/* A read-only view of a parsed filter's tree, for translating it into
 * another language (chsql.c: SQL). Node kinds and operators: */
enum { FILTER_ALL, FILTER_NOT, FILTER_AND, FILTER_OR, FILTER_HOST, FILTER_SRC, FILTER_DST, FILTER_NET,
       FILTER_SRCNET, FILTER_DSTNET, FILTER_PORT, FILTER_AFTER, FILTER_BEFORE, FILTER_BYTES, FILTER_HOUR };
enum { FILTER_GT, FILTER_LT, FILTER_GE, FILTER_LE, FILTER_EQ, FILTER_NE };
typedef struct filter_view {
    int kind;
    int nkids;          /* FILTER_NOT, _AND, _OR: children (filter_kid) */
    int op;             /* FILTER_BYTES */
    int64_t num;        /* port, time (epoch ms), byte count; FILTER_HOUR: a mask of UTC hours (bit h) */
    cidr block;         /* net atoms */
    const char *host;   /* host atoms: the host's text as written */
} filter_view;
/* The root node's index. */
int filter_root(const flow_filter *f);
/* Node i as a view. */
void filter_node_view(const flow_filter *f, int i, filter_view *out);
/* Node i's k-th child's index. */
int filter_kid(const flow_filter *f, int i, int k);

/* Parses a TIME (see above) of len bytes into epoch ms; 0 or -1. */
int filter_parse_time(const char *s, size_t len, int64_t *ms);
/* "2020-01-06T16:00:00.000Z" into buf (at least 32 bytes); returns buf. */
char *filter_format_iso(int64_t ms, char *buf, size_t len);

#endif
