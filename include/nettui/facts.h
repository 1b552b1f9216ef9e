/* facts.h: the aggregates ("facts") engine_build() makes, read by panes.
 *
 * Every function here reads what engine_build() computed in its pass over the
 * flow table (and, for the blacklist-dependent ones, what the last engine_run()
 * computed); none touches the flows, so each answers in well under 50 ms at
 * full scale. Pointers returned are owned by the engine and valid until
 * engine_free() (or, where said, the next engine_run()).
 *
 * Words: an "internal" host lies in the table's internal CIDR list. Outbound
 * is internal -> external, inbound external -> internal, internal is
 * internal -> internal. Per-host facts that cost memory per host (hour
 * profiles, timelines, ports, peers) are kept for internal hosts only; a query
 * about an external host then returns -1 or 0 entries. */
#ifndef NETTUI_FACTS_H
#define NETTUI_FACTS_H

#include <stddef.h>
#include <stdint.h>
#include "nettui/flows.h"
#include "nettui/engine.h"

/* ---- time of day ------------------------------------------------------- */

typedef struct facts_work_hours {
    int start, end;       /* UTC hours [start, end), end < start wraps midnight;
                           * start == end == -1: no work hours found (flat profile) */
    int detected;         /* 1: found from the data; 0: set by engine_options */
    double threshold;     /* connections an hour above which an hour is "work" */
    double ratio;         /* mean connections of a work hour / of an off hour */
    char why[256];        /* one sentence: which hours and why */
} facts_work_hours;

/* The work hours the detectors used (the override, or what the data shows). */
const facts_work_hours *facts_work_hours_get(const engine *e);
/* 1 if UTC hour h (0..23) is inside the work hours, else 0. */
int facts_is_work_hour(const engine *e, int h);

/* Connections and bytes per UTC hour of day (0..23) over all flows. */
void facts_hour_profile(const engine *e, uint64_t flows[24], uint64_t bytes[24]);
/* The same for the flows internal host h sent or received. 0, or -1 when h is
 * not internal (or the profile was not kept). */
int facts_host_hour_profile(const engine *e, host_id h, uint64_t flows[24], uint64_t bytes[24]);

/* ---- timelines (the whole period in buckets, normally one hour each) --- */

typedef struct facts_timeline_shape {
    int64_t t0_ms;        /* start of bucket 0 (ts_min floored to the hour) */
    int64_t bucket_ms;    /* bucket width: 3,600,000 unless the period is long */
    uint32_t nbuckets;
} facts_timeline_shape;

void facts_timeline_get_shape(const engine *e, facts_timeline_shape *s);
/* Flows per bucket over all flows (nbuckets entries). */
const uint32_t *facts_timeline_all(const engine *e);
/* Flows internal host h sent (*sent) and received (*recv) per bucket; 0, or
 * -1 when h is not internal (or timelines were too big to keep). */
int facts_host_timeline(const engine *e, host_id h, const uint32_t **sent, const uint32_t **recv);

/* ---- hosts --------------------------------------------------------------- */

enum { PEER_INTERNAL = 0, PEER_EXTERNAL = 1 };

typedef enum peers_kind {
    PEERS_EXACT = 0,      /* the count is exact */
    PEERS_ESTIMATE = 1,   /* a HyperLogLog estimate (64 registers: about +-13%) */
    PEERS_AT_LEAST = 2    /* at least this many (external hosts: 0, 1 or "2+") */
} peers_kind;

typedef struct host_facts {
    int internal;
    uint64_t sent_flows[2], sent_bytes[2];   /* [PEER_INTERNAL] / [PEER_EXTERNAL] */
    uint64_t recv_flows[2], recv_bytes[2];
    uint32_t sent_peers[2], recv_peers[2];   /* distinct peers */
    peers_kind sent_peers_kind[2], recv_peers_kind[2];
    int64_t first_ms, last_ms;               /* first and last flow it took part in */
} host_facts;

/* Fills *out for any host id; -1 when h is out of range. */
int facts_host(const engine *e, host_id h, host_facts *out);

/* Number of internal hosts, and the i-th (ascending host id). */
uint32_t facts_internal_count(const engine *e);
host_id facts_internal_at(const engine *e, uint32_t i);

typedef enum facts_direction {
    DIR_OUTBOUND = 0,     /* internal hosts by what they sent to external hosts */
    DIR_INBOUND = 1,      /* internal hosts by what they received from external hosts */
    DIR_INTERNAL = 2,     /* internal hosts by what they sent to internal hosts */
    DIR_EXTERNAL_SENDERS = 3, /* external hosts by what they sent to internal hosts */
    DIR_EXTERNAL_RECEIVERS = 4 /* external hosts by what internal hosts sent them (the top outside
                                * destinations): bytes and flows exact from the pass's per-host
                                * totals; METRIC_PEERS is not kept for them and ranks nothing (0) */
} facts_direction;

typedef enum facts_metric { METRIC_BYTES = 0, METRIC_FLOWS = 1, METRIC_PEERS = 2 } facts_metric;

/* The top n hosts by direction x metric, largest first (ties: lower id),
 * into out[] (value = host id, metric = the number). Returns how many. */
size_t facts_top_hosts(const engine *e, facts_direction d, facts_metric m, candidate *out, size_t n);

typedef struct host_peer {
    host_id peer;
    uint64_t flows;       /* flows between the two in that direction */
    int approximate;      /* 1: a heavy-hitter count (external peers), from a 1-in-4
                           * sample of the flows, scaled back: roughly right */
} host_peer;

/* Peers of host h, most flows first: outgoing != 0 gives hosts h sent to,
 * else hosts that sent to h. Internal peers of an internal host are exact and
 * complete; external peers are the top heavy hitters (at most 8). For an
 * external host: its single internal peer when it has one. Returns the count
 * written (at most cap). */
size_t facts_host_peers(const engine *e, host_id h, int outgoing, host_peer *out, size_t cap);

typedef struct host_port {
    uint16_t port;
    uint64_t out_bytes;   /* internal host h -> external on this port */
    uint64_t out_flows;
    uint64_t in_flows;    /* external -> h on this port */
    uint32_t int_peers;   /* distinct internal hosts h sent to on this port */
} host_port;

/* Ports internal host h used (any of the numbers above non-zero), ascending
 * port. Returns the count written (at most cap); 0 for an external host. */
size_t facts_host_ports(const engine *e, host_id h, host_port *out, size_t cap);

/* ---- ports --------------------------------------------------------------- */

/* Distinct ports seen in any flow, ascending. */
size_t facts_port_count(const engine *e);
uint16_t facts_port_at(const engine *e, size_t i);

typedef struct port_facts {
    uint16_t port;
    uint64_t flows, bytes;              /* all flows on the port */
    uint64_t out_flows, out_bytes;      /* outbound */
    uint64_t in_flows, internal_flows;
    uint32_t ext_sources_in;            /* distinct external sources sending inward */
    uint32_t int_senders_out;           /* distinct internal hosts sending outward */
    uint32_t graph_nodes, graph_edges;  /* the port's undirected internal graph */
    uint32_t clique_bound;              /* core number + 1: no clique is larger */
    double abuse_z;                     /* last engine_run(): z of its most extreme host (NAN: not rated) */
    host_id abuse_host;                 /* that host, or HOST_NONE */
} port_facts;

/* Fills *out; -1 when no flow used the port. */
int facts_port(const engine *e, uint16_t port, port_facts *out);

/* Per internal host, outbound bytes on the port (the ports pane's histogram):
 * writes up to cap (host, bytes) pairs, bytes descending, hosts with zero
 * left out. Returns the number of hosts with non-zero bytes (may exceed cap). */
size_t facts_port_host_bytes(const engine *e, uint16_t port, host_id *hosts, uint64_t *bytes, size_t cap);

/* Port-abuse z per port from the last engine_run() (non-blacklisted hosts),
 * largest first: value = port, metric = z. Ports not rated (fewer than the
 * minimum hosts, or zero spread) are left out. Returns the count written. */
size_t facts_port_abuse_ranked(const engine *e, candidate *out, size_t cap);

/* The undirected internal graph of a port: *ab gets 2*n host ids (edge k joins
 * ab[2k] and ab[2k+1], ab[2k] < ab[2k+1]); returns n. 0 when none. */
size_t facts_port_edges(const engine *e, uint16_t port, const host_id **ab);
/* Its nodes, ascending host id; returns the count. */
size_t facts_port_nodes(const engine *e, uint16_t port, const host_id **nodes);

/* ---- beacons ------------------------------------------------------------- */

/* One bot's calls to a callee that the beacon detector found periodic
 * (last engine_run()): the group (callee, port) shares the period. */
typedef struct beacon_series {
    host_id src, dst;     /* internal bot, external callee */
    uint16_t port;
    uint32_t calls;       /* flows from src to dst on port */
    double period_s;      /* the group's period */
    double jitter_s;      /* median distance of this bot's calls from its phase */
    uint32_t bytes;       /* the most common byte count */
    double phase_s;       /* this bot's phase: seconds after a multiple of the period */
    uint32_t events;      /* calls with bursts (within 20 s) merged */
    uint32_t missed;      /* beats between its first and last call with no call */
    double size_share;    /* share of its calls of exactly `bytes` bytes */
    double score;         /* the group's -log10 p-value (see man nettui) */
    double sample;        /* share of the calls to this callee the test saw (1: all; less
                           * when the callee had more calls than the budget: calls,
                           * events and missed then count what was seen) */
} beacon_series;

/* The series behind the beacon finding, most calls first. Returns the count;
 * *out valid until the next engine_run(). */
size_t facts_beacon_series(const engine *e, const beacon_series **out);
/* Call timestamps (ms, ascending) of series i of facts_beacon_series(). */
size_t facts_beacon_calls(const engine *e, size_t i, const int64_t **ts);
/* Histogram of the inter-arrival times of all found series together:
 * bins of width *bin_s seconds from 0; returns the bin count (<= cap). */
size_t facts_beacon_interarrival(const engine *e, uint32_t *bins, size_t cap, double *bin_s);

/* ---- controller ---------------------------------------------------------- */
/* The controller's single-purpose sources are the malware-controller
 * finding's members (finding.members); its port is in that finding's
 * evidence ("port"). */

/* ---- the internal network -------------------------------------------------- */

/* The internal network the facts were made for: *inferred 1 when it was
 * inferred from the flows (no --internal), and *share the exact share of
 * flows with at least one end inside it (a capture at the edge or inside
 * gives 1.0). */
const cidr_list *facts_internal_net(const engine *e, int *inferred, double *share);
/* "12.0.0.0/8,13.0.0.0/8" into buf (cut short with "..." when too long). */
const char *cidr_list_text(const cidr_list *l, char *buf, size_t len);

/* ---- sizes --------------------------------------------------------------- */

/* Bytes the facts occupy, for --json and the status bar. */
size_t facts_memory(const engine *e);

#endif
