/* weighted.h: a flow table of weighted rows, built from groups of flows.
 *
 * A remote source (chsource.h) hands over its flows already grouped by
 * (src, dst, port, hour): each group becomes one weighted row (flows.h:
 * weight, ts_last), hosts interned the way the CSV loader interns them
 * (a dotted quad is an IPv4 host, any other good text a string host), in
 * the order the groups come. Given the groups in order of their first
 * flow, hosts get the ids a file in time order gives them, so the facts,
 * the host ids and the inferred internal network come out the same. */
#ifndef NETTUI_WEIGHTED_H
#define NETTUI_WEIGHTED_H

#include <stddef.h>
#include <stdint.h>
#include "nettui/flows.h"

/* One group of flows with the same (src, dst, port, hour). */
typedef struct weighted_group {
    const char *src, *dst;     /* host texts, not NUL-terminated */
    size_t src_len, dst_len;
    uint16_t port;
    int64_t first_ms, last_ms; /* epoch ms of its first and last flow, same hour */
    uint64_t flows, bytes;     /* flows >= 1; bytes their sum */
} weighted_group;

/* An empty weighted table into *t (initialised here). 0, or -1 (no memory). */
int weighted_begin(flow_table *t);

/* One weighted row as weighted_add makes it (bytes FLOWS_BYTES_BIG: the
 * table's big[] holds them), or one call (weight 1, ts_last its ts, row
 * its row index among all the flows: flows.h). */
typedef struct weighted_row {
    int64_t ts, ts_last;
    host_id src, dst;
    uint32_t bytes, weight;
    uint16_t port;
    uint64_t row;
} weighted_row;

/* Where weighted_add_to puts each row instead of the table's own columns
 * (chcache.c: the file the groups stream into). put: 0, or -1. */
typedef struct weighted_sink {
    int (*put)(void *user, const weighted_row *r);
    void *user;
} weighted_sink;

/* An empty weighted table with no columns (its rows go to a sink): the
 * dictionary, the big rows, the totals and the time range grow here. 0. */
int weighted_begin_sink(flow_table *t);
/* weighted_add, each row to sink (NULL: the table's columns); t->n still
 * counts the rows. Same returns (-1 also when the sink fails). */
int weighted_add_to(flow_table *t, const weighted_group *g, const weighted_sink *sink);
/* Appends one group: 0; 1 when a host text is not a good host (load.h:
 * load_host_ok; the group is skipped, as the loader skips the line); -1
 * when out of memory. A group of more than 2^32-1 flows takes several
 * rows (the first with the bytes). */
int weighted_add(flow_table *t, const weighted_group *g);
/* Ends the table (its time range, totals and flows are kept as rows come). */
void weighted_end(flow_table *t);

/* The individual calls beacon.c reads (flows.h: calls), one flow each:
 * g->first_ms its time, g->bytes its bytes, g->flows ignored, row its row
 * index among all the flows (flows.h: row). Its hosts
 * must be the table's own (a call to a host the groups never named is
 * skipped: 1). Calls come in the order a file in time order holds them.
 * 0, 1 (skipped), or -1 when out of memory. */
int weighted_add_call(flow_table *t, const weighted_group *g, uint64_t row);

/* A table of single flows whose host ids are another table's (a calls
 * table, or the flows the explorer fetched): weighted_flows_begin makes
 * it empty, weighted_add_flow appends one as weighted_add_call does,
 * looking its hosts up in hosts (1: a host hosts does not hold, skipped).
 * 0, 1, or -1 when out of memory. */
int weighted_flows_begin(flow_table *c);
int weighted_add_flow(flow_table *c, const host_dict *hosts, const weighted_group *g, uint64_t row);

/* Calls gathered apart, while the groups still stream in (chsource.c runs
 * the two queries at once): c (weighted_flows_begin) keeps its own host
 * dictionary, weighted_add_call_apart appends a call to it (0, 1: a host
 * the loader refuses, skipped, -1: out of memory), and weighted_merge_calls
 * then adds c's calls to t, once t's groups are all in, exactly as
 * weighted_add_call would have added them one by one (same order, same
 * skips, so the same table). 0, or -1 when out of memory. */
int weighted_add_call_apart(flow_table *c, const weighted_group *g, uint64_t row);
int weighted_merge_calls(flow_table *t, const flow_table *c);

/* The same, each call to sink instead of the calls table's own columns
 * (chcache.c: a file; the table then has no columns of its own until the
 * file is mapped, and keeps the count, the big rows and the time range).
 * A calls table a sink fills starts as weighted_begin_sink's (or is made
 * so by weighted_add_call_to); c given to weighted_merge_calls_to may be a
 * mapped file (its rows are let go behind). */
int weighted_add_call_to(flow_table *t, const weighted_group *g, uint64_t row, const weighted_sink *sink);
int weighted_add_flow_to(flow_table *c, const host_dict *hosts, const weighted_group *g, uint64_t row, const weighted_sink *sink);
int weighted_add_call_apart_to(flow_table *c, const weighted_group *g, uint64_t row, const weighted_sink *sink);
int weighted_merge_calls_to(flow_table *t, const flow_table *c, const weighted_sink *sink);

#endif
