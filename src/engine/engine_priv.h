/* engine_priv.h: the engine's own layout of the facts, shared by the files of
 * src/engine (build, facts queries, detectors). Nothing outside src/engine
 * includes it: panes read facts.h, the batch modes engine.h.
 *
 * Indexing: hosts by host id (0..nhosts-1); internal hosts also by a dense
 * internal index (0..nint-1, ascending host id); ports by a dense port id
 * (0..nports-1, ascending port number). Per-internal-host arrays are rows of
 * a fixed stride indexed by the internal index. */
#ifndef NETTUI_ENGINE_PRIV_H
#define NETTUI_ENGINE_PRIV_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include "nettui/engine.h"
#include "nettui/facts.h"
#include "nettui/util.h"

#define NO_INDEX UINT32_MAX
#define DST_MULTI (UINT32_MAX - 1)   /* ext_dst1[]: the source reached 2+ internal hosts */
#define HLL_M 64                     /* HyperLogLog registers per host and direction (~13%) */
#define SS_K 8                       /* heavy-hitter slots per host and direction */
#define SS_SAMPLE 4                  /* heavy hitters see every 4th row (a power of two) */
#define HOUR_MS 3600000LL

/* A pass over the rows lets go of them a slice at a time behind itself
 * (flows_release: only a ClickHouse source's mapped groups; a no-op for a
 * file's table): rows [lo, slice_end(lo, hi)). */
#define RELEASE_ROWS FLOWS_RELEASE_ROWS
static inline size_t slice_end(size_t lo, size_t hi)
{
    return hi - lo > RELEASE_ROWS ? lo + RELEASE_ROWS : hi;
}

/* Flows and bytes of one host, split by the class of the peer. */
typedef struct host_stat {
    uint32_t sent_flows[2], recv_flows[2];   /* [PEER_INTERNAL], [PEER_EXTERNAL] */
    uint64_t sent_bytes[2], recv_bytes[2];
    int64_t first_ms, last_ms;
} host_stat;   /* 64 bytes, kept line-aligned */

/* An internal host's outbound traffic on one port, as the pass counts it
 * when the dense host x port table fits: 8 bytes, so the table stays in a
 * core's cache; the bytes' high half lives in a side array touched only on
 * a carry. */
typedef struct host_port_stat {
    uint32_t bytes_lo;
    uint32_t out_flows;
} host_port_stat;

/* A distinct key with its tally, as the pass accumulates sparse
 * aggregates (sorted runs of these, merged): n flows (saturating) and v,
 * either the earliest timestamp or a byte sum, by the accumulator's mode. */
typedef struct sp_rec {
    uint64_t key;
    uint64_t v;
    uint32_t n, pad;
} sp_rec;

/* An internal triple (source, destination, port): its flows and first
 * flow's time (the earliest: the first row's, as the loader keeps rows in
 * time order). The source is implied by the CSR, the port in tri_port. */
typedef struct tri_rec {
    int64_t first_ms;
    uint32_t dst;     /* internal index */
    uint32_t flows;   /* saturating */
} tri_rec;

/* An internal host's traffic on one port with the outside. */
typedef struct hp_rec {
    uint64_t out_bytes;
    uint32_t out_flows, in_flows;
} hp_rec;

/* An internal host's hour of day: one cache line serves a row. */
typedef struct hour_cell {
    uint64_t bytes;       /* sent or received */
    uint64_t out_bytes;   /* sent to external hosts */
    uint64_t flows;       /* sent or received */
    uint64_t pad;         /* 32 bytes: never straddles a cache line */
} hour_cell;

/* All flows on one port, by direction: one cache line serves a row. */
typedef struct port_stat {
    uint64_t flows, bytes;
    uint64_t out_flows, out_bytes;
    uint64_t in_flows, int_flows;
    uint64_t pad[2];
} port_stat;

/* A heavy-hitter slot (SpaceSaving). */
typedef struct ss_slot {
    uint32_t host;   /* HOST_NONE when empty */
    uint32_t count;
} ss_slot;


/* ---- beacons (beacon.c, beacon_test.c) ------------------------------------ */

#define BEACON_H 3               /* harmonics of the phase test */
#define BEACON_PMIN_S 60.0       /* periods tested: a minute ... */
#define BEACON_PMAX_S 86400.0    /* ... to a day */

/* The network's hourly rhythm, the null of the phase test: flows per
 * bucket of bucket_s seconds from t0_s, as weights summing to 1. */
typedef struct beacon_rhythm {
    double t0_s, bucket_s;
    uint32_t nb;
    const double *weight;
    int prepared;                 /* clock_phi filled (beacon_rhythm_prepare) */
    double clock_phi[16][BEACON_H][2];
} beacon_rhythm;

/* Computes the rhythm's phasors at the clock periods once, for every group. */
void beacon_rhythm_prepare(beacon_rhythm *rh);

/* What the test found for a group at its best period. */
typedef struct beacon_fit {
    double period_s, phase_s;    /* phase: seconds after a multiple of the period since the epoch */
    double jitter_s;             /* median distance of a call from its phase */
    double log_p;                /* natural log of the p-value, corrected for the periods tried (<= 0) */
    double meff;                 /* periods the test could have picked */
    double z_coh, z_inc;         /* the pooled statistic that decided */
    double phi[BEACON_H][2];     /* expected phasor of a call under the rhythm */
    int coherent, harmonics;     /* which pooling and how many harmonics decided */
    uint32_t calls, bots;
} beacon_fit;

/* The best period of the calls of nbots bots (ev[off[b]..off[b+1]), seconds
 * since the epoch, each bot's ascending with bursts merged) and its p-value;
 * sums[b] gets each bot's phase sums at that period. 0, or -1 out of memory. */
int beacon_fit_group(const double *ev, const uint32_t *off, uint32_t nbots, const beacon_rhythm *rh,
                     beacon_fit *fit, double (*sums)[BEACON_H][2]);
/* The pooled p-value at a fixed period from per-bot sums, leaving out the
 * bots with skip[b] set (skip may be NULL): what a blacklist change costs. */
void beacon_pool(const double (*sums)[BEACON_H][2], const uint32_t *nev, const uint8_t *skip, uint32_t nbots,
                 const double phi[BEACON_H][2], double meff, beacon_fit *fit);
double beacon_refine_period(const double *gaps, size_t ng, double p);
double beacon_log_gamma_tail(double k, double x);
void beacon_tables_init(void);

/* A group (internal bots -> one external callee on one port) that passed
 * the beacon test at build (loosely: the detector applies the real bound). */
typedef struct beacon_group {
    host_id callee;
    uint32_t port;
    double period_s, phase_s, meff;
    double phi[BEACON_H][2];
    uint32_t first, n;           /* its series: series[first .. first + n) */
} beacon_group;

/* One bot's calls in a group. */
typedef struct series_rec {
    beacon_series s;
    size_t ts_off;               /* raw call times in engine.beacon_ts (s.calls of them) */
    uint32_t group;
    uint32_t events;             /* calls with bursts merged */
    double sum[BEACON_H][2];     /* its phase sums at the group's period */
} series_rec;

/* A dense numbering of the ports used in one direction (internal,
 * outbound, inbound): what a per-host port table or bitset is indexed by,
 * so ports seen only in other directions cost nothing there. With at most
 * 64 ports in all, each space is simply all ports. */
typedef struct port_space {
    uint32_t n;        /* ports in the space */
    uint32_t words;    /* 64-bit words of a bitset over the space (at least 1) */
    int32_t *of;       /* [nports]: port id -> index in the space, or -1 */
    uint32_t *pid;     /* [n]: index in the space -> port id */
} port_space;

/* What one thread of the fused pass accumulates; thread 0's copy becomes
 * the engine's after the merge. */
typedef struct partial {
    uint64_t hour_flows[24], hour_bytes[24];
    uint32_t *tl_all;                 /* [nbuckets] */
    port_stat *ps;                    /* [nports] */
    host_stat *hs;                    /* [nhosts] */
    uint32_t *ext_dst1;               /* [nhosts]: an external source's internal dst, NO_INDEX, DST_MULTI */
    uint64_t *in_ports;               /* [nhosts * sp_in.words]: ports an external source sent inward on */
    hour_cell *ih;                    /* [nint * 24] */
    uint32_t *tl;                     /* [nint * nbuckets * 2]: flows sent, received, interleaved */
    uint8_t *hll;                     /* [nint * 2 * HLL_M] external peers: [0] sent to, [1] received from */
    ss_slot *ss;                      /* [nint * 2 * SS_K] */
    /* The pass's own (host, port) and pair tallies; build.c turns them
     * into the engine's sparse lists and frees them. */
    host_port_stat *hp;               /* [nint * sp_out.n] dense when it fits, else NULL */
    uint64_t *hp_hi;                  /* [nint * sp_out.n] high part of out bytes, in 2^32 */
    uint32_t *hp_in;                  /* [nint * sp_in.n] inbound flows, dense when it fits */
    sp_rec *hpo, *hpi, *tri;          /* group B's sorted distinct keys: (host, out port) bytes when
                                       * hp is NULL, (host, in port) flows when hp_in is, triples */
    size_t nhpo, nhpi, ntri;
} partial;

/* ---- cliques (clique.c) ---------------------------------------------------- */

typedef struct clique_result {
    uint32_t size;               /* the largest clique found above at_least, 0: none found */
    uint32_t upper;              /* no clique above this exists (== size when exact) */
    int exact;                   /* 0: the budget ran out; size is a lower bound */
    int cached;                  /* 1: from the last run (the graph's blacklisted hosts unchanged) */
    host_id *members;            /* size hosts, ascending (caller frees) */
} clique_result;

typedef struct clique_memo {
    int valid;
    uint64_t signature, budget;
    uint32_t at_least;
    clique_result result;
    host_id *members;
} clique_memo;

struct engine {
    const flow_table *t;
    engine_options opt;
    uint32_t nhosts, nint, nports;
    cidr_list net;                    /* the internal network the facts were made for */
    int net_inferred;                 /* 1: inferred from the flows (netinfer.c) */
    uint32_t *int_index;              /* [nhosts] -> internal index or NO_INDEX */
    host_id *int_host;                /* [nint] */
    int32_t port_id[65536];           /* -1 when unused */
    uint16_t *port_list;              /* [nports] ascending */
    port_space sp_int, sp_out, sp_in; /* ports of internal, outbound, inbound flows */
    int64_t t0_ms, bucket_ms;
    uint32_t nbuckets;

    partial f;                        /* the merged facts */
    uint32_t *tl_sent, *tl_recv;      /* [nint * nbuckets], from f.tl after the merge */

    /* When the inbound-port bitsets do not fit (a million sources on
     * thousands of ports), the same sets as sorted lists per source. */
    uint32_t *in_off;                 /* [nhosts + 1] into in_pid, or NULL */
    uint32_t *in_pid;                 /* port ids */

    /* Internal traffic, one entry per distinct (source, destination, port
     * of sp_int): memory follows the traffic, never nint^2. Read it through
     * the tri_* accessors below. */
    uint64_t ntri;
    uint64_t *tri_off;                /* [nint + 1] CSR by source into tri, tri_port */
    tri_rec *tri;                     /* [ntri] sorted by (source, destination, port) */
    uint16_t *tri_port;               /* [ntri] sp_int index */
    uint64_t *tri_in_off;             /* [nint + 1] CSR by destination into tri_in_* */
    uint32_t *tri_in_src;             /* [ntri] sorted by (destination, source, port) */
    uint16_t *tri_in_port;            /* [ntri] sp_int index */

    /* An internal host's traffic with the outside per port, one entry per
     * (host, port) with any: CSR by internal index, ports ascending. */
    uint64_t nhp;
    uint64_t *hp_off;                 /* [nint + 1] */
    uint16_t *hp_pid;                 /* [nhp] port id */
    hp_rec *hp;                       /* [nhp] */

    /* derived at build */
    uint32_t *port_ext_sources;       /* [nports] distinct external sources sending inward */
    uint32_t *port_int_senders;       /* [nports] distinct internal hosts sending outward */
    uint32_t *int_out_peers, *int_in_peers;   /* [nint] distinct internal peers */
    size_t *edge_off;                 /* [nports + 1] CSR into edges */
    host_id *edges;                   /* 2 per undirected internal edge */
    size_t *node_off;                 /* [nports + 1] */
    host_id *nodes;
    uint32_t *clique_bound;           /* [nports] core number + 1 */
    facts_work_hours wh;
    uint8_t work[24];
    int work_override;

    /* beacon groups that passed the test at build, and their series */
    beacon_group *bgroups;
    size_t nbgroups;
    series_rec *series;
    size_t nseries;
    int64_t *beacon_ts;               /* call times of all kept series, back to back */
    size_t nbeacon_ts;
    uint64_t beacon_candidates_flows; /* flows the second pass collected */
    uint64_t beacon_groups_tested;    /* groups with enough calls to be tested */
    uint64_t beacon_callees_skipped;  /* callees left out by the flow budget */
    double beacon_best_score;         /* -log10 p of the best group tested, blacklist aside */

    /* results of the last engine_run() */
    host_id *members[DETECTOR_COUNT];
    size_t members_cap[DETECTOR_COUNT];
    double *port_z;                   /* [nports], NAN when not rated */
    host_id *port_z_host;             /* [nports] */
    size_t *found_series;             /* indexes into series[] behind the beacon finding */
    beacon_series *found_copy;        /* the same series, as facts hand them out */
    size_t nfound_series, found_series_cap;
    uint8_t *excluded;                /* [nhosts] working blacklist during a run */
    clique_memo *clique_cache;        /* [2 * nports]: the last searches of each port (clique.c) */
    uint32_t clique_fresh;            /* searches the last run could not take from clique_cache */

    double build_seconds, run_seconds, det_seconds[DETECTOR_COUNT];
    double build_cpu_seconds;         /* CPU time of all threads during the build */
    size_t bytes_facts;
};

/* Outbound bytes of dense cell k (internal index * sp_out.n + sp_out index). */
static inline uint64_t hp_out_bytes(const partial *p, size_t k)
{
    return (p->hp_hi[k] << 32) + p->hp[k].bytes_lo;
}

/* ---- internal triples: accessors --------------------------------------------
 * By source a (internal index):
 *   for (uint64_t k = tri_src_begin(e, a); k < tri_src_end(e, a); k++)
 *       e->tri[k].dst, e->tri_port[k], e->tri[k].flows, e->tri[k].first_ms
 * By destination b, sorted by (source, port), the transpose:
 *   for (uint64_t k = tri_dst_begin(e, b); k < tri_dst_end(e, b); k++)
 *       e->tri_in_src[k], e->tri_in_port[k]                                   */
static inline uint64_t tri_src_begin(const engine *e, uint32_t a) { return e->tri_off[a]; }
static inline uint64_t tri_src_end(const engine *e, uint32_t a) { return e->tri_off[a + 1]; }
static inline uint64_t tri_dst_begin(const engine *e, uint32_t b) { return e->tri_in_off[b]; }
static inline uint64_t tri_dst_end(const engine *e, uint32_t b) { return e->tri_in_off[b + 1]; }

/* The first of a's triples whose destination is b or more (binary search). */
static inline uint64_t tri_lower(const engine *e, uint32_t a, uint32_t b)
{
    uint64_t lo = e->tri_off[a], hi = e->tri_off[a + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (e->tri[mid].dst < b) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The triple (a, b, sp_int index ip), or UINT64_MAX when a never sent to b on it. */
static inline uint64_t tri_lookup(const engine *e, uint32_t a, uint32_t b, uint32_t ip)
{
    for (uint64_t k = tri_lower(e, a, b); k < e->tri_off[a + 1] && e->tri[k].dst == b; k++)
        if (e->tri_port[k] == ip) return k;
    return UINT64_MAX;
}

/* Flows from a to b over all ports (saturating; 0 when none), and the
 * first one's time in *first_ms (INT64_MAX when none) when first_ms is not
 * NULL. */
static inline uint32_t pair_flows(const engine *e, uint32_t a, uint32_t b, int64_t *first_ms)
{
    uint64_t n = 0;
    int64_t first = INT64_MAX;
    for (uint64_t k = tri_lower(e, a, b); k < e->tri_off[a + 1] && e->tri[k].dst == b; k++) {
        n += e->tri[k].flows;
        if (e->tri[k].first_ms < first) first = e->tri[k].first_ms;
    }
    if (first_ms) *first_ms = first;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

/* ---- (internal host, port): accessors ---------------------------------------
 *   for (uint64_t k = hp_begin(e, a); k < hp_end(e, a); k++)
 *       e->hp_pid[k], e->hp[k].out_bytes, .out_flows, .in_flows              */
static inline uint64_t hp_begin(const engine *e, uint32_t a) { return e->hp_off[a]; }
static inline uint64_t hp_end(const engine *e, uint32_t a) { return e->hp_off[a + 1]; }

/* a's entry on port id pid, or UINT64_MAX when a has none (binary search). */
static inline uint64_t hp_lookup(const engine *e, uint32_t a, uint32_t pid)
{
    uint64_t lo = e->hp_off[a], hi = e->hp_off[a + 1];
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (e->hp_pid[mid] < pid) lo = mid + 1;
        else hi = mid;
    }
    return lo < e->hp_off[a + 1] && e->hp_pid[lo] == pid ? lo : UINT64_MAX;
}

/* ---- the fused pass (pass.c) ------------------------------------------------ */

static inline int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Group A: what is indexed by host and time, and by external host; group
 * B: what is indexed by host and port, or by host pair. */
enum { GROUP_A = 1, GROUP_B = 2 };

/* Which of the big aggregates fit their budgets (the (host, port) tables
 * are kept sparse when the dense ones do not fit). */
typedef struct pass_sizes {
    int with_hp, with_hp_in, with_inports, with_timeline;
} pass_sizes;

/* Bytes of one partial holding the given groups. */
size_t partial_bytes(const engine *e, const pass_sizes *z, int groups);
void partial_free(partial *p);
/* Zeroed, 64-byte aligned; big blocks lazily committed. Free with zfree. */
void *zalloc(size_t n, size_t size);
void zfree(void *p);
/* Runs fn on jobs[0..n-1] (job_size bytes apart), jobs[0] on this thread. */
int run_threads(int n, void *(*fn)(void *), void *jobs, size_t job_size);
/* The fused pass with nth threads into e->f (the port spaces, sizes and
 * time shape must be set); 0, or -1 when out of memory. */
int pass_run(engine *e, const pass_sizes *z, int nth, int stage_timing);

/* The engine's sparse lists from the pass's tallies: internal triples by
 * source and by destination, (host, port) entries (pass.c), with up to two
 * of nth threads. 0, or -1 out of memory. */
int engine_sparse_lists(engine *e, int nth);
/* Bytes of the sparse lists, for facts_memory. */
size_t engine_sparse_bytes(const engine *e);

/* The ports an external host sent inward on, from the bitsets or the
 * lists, whichever the build kept:
 *   in_port_iter it; uint32_t pid;
 *   if (in_ports_begin(e, h, &it)) while (in_ports_next(&it, &pid)) ... */
typedef struct in_port_iter {
    const uint64_t *w;            /* bitset words, or NULL */
    const uint32_t *space;        /* sp_in.pid */
    uint32_t nw, k;
    uint64_t bits;
    const uint32_t *p, *end;      /* list */
} in_port_iter;

static inline int engine_has_in_ports(const engine *e)
{
    return e->f.in_ports || e->in_off;
}

static inline int in_ports_begin(const engine *e, host_id h, in_port_iter *it)
{
    it->w = NULL; it->p = it->end = NULL;
    it->space = NULL; it->nw = it->k = 0; it->bits = 0;
    if (e->f.in_ports) {
        it->w = e->f.in_ports + (size_t)h * e->sp_in.words;
        it->space = e->sp_in.pid;
        it->nw = e->sp_in.words;
        it->k = 0;
        it->bits = it->w[0];
        return 1;
    }
    if (e->in_off) { it->p = e->in_pid + e->in_off[h]; it->end = e->in_pid + e->in_off[h + 1]; return 1; }
    return 0;
}

static inline int in_ports_next(in_port_iter *it, uint32_t *pid)
{
    if (it->w) {
        while (!it->bits) {
            if (++it->k >= it->nw) return 0;
            it->bits = it->w[it->k];
        }
        *pid = it->space[it->k * 64 + (uint32_t)__builtin_ctzll(it->bits)];
        it->bits &= it->bits - 1;
        return 1;
    }
    if (it->p < it->end) { *pid = *it->p++; return 1; }
    return 0;
}

/* ---- detectors ------------------------------------------------------------- */

/* A detector reads the facts and e->excluded (the chain's blacklist so far,
 * with the person's adds and allows applied) and fills out. It may keep
 * members and per-run results in e. What it needs from an earlier
 * detector it names in needs and reads from that one's finding (found by
 * name with finding_of), never from engine fields set in run order; the
 * registry's order must put it after what it needs (engine_run checks). */
typedef struct detector {
    detector_info info;
    const char *needs;   /* the id of an earlier detector it reads, or NULL */
    void (*run)(engine *e, const finding *done, finding *out);
} detector;

/* The finding of detector id among those done so far in this run (done is
 * the run's array), or NULL when it has not run. */
const finding *finding_of(const finding *done, const finding *out, const char *id);
/* The value of evidence label in f, or dflt when f has none. */
double finding_evidence_value(const finding *f, const char *label, double dflt);

extern const detector detector_exfil_volume, detector_offhours_exfil, detector_port_abuse,
    detector_private_cnc, detector_internal_p2p, detector_malware_controller,
    detector_infected_host, detector_botnet_beacons, detector_lateral_brute, detector_lateral_spy;

/* Helpers for detectors (engine.c). */
/* Clears f for a new run, keeping its detector index (set by engine_run). */
void finding_begin(finding *f, answer_kind kind, const char *score_label, const char *metric_label);
void finding_evidence(finding *f, const char *label, double value);
void finding_add(finding *f, host_id h);
/* Sets the one-sentence why (truncated to fit). */
void finding_why(finding *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Keeps top[] the best FINDING_TOP (value, metric) pairs: largest metric first
 * when larger != 0, else smallest first; ties by lower value. */
void top_offer(finding *f, uint32_t value, double metric, int larger);
/* Sets members of detector k (copied into engine storage); -1 when out of memory. */
int finding_members(engine *e, finding *f, const host_id *m, size_t n);
/* Host text for sentences. */
const char *host_text(const engine *e, host_id h, char buf[64]);
/* "2020-01-07 03:12 UTC" */
const char *fmt_time(int64_t ms, char buf[32]);
/* Makes the first candidate (ntop > 0) the answer; returns the runner-up's
 * metric, or 0 when there is none. */
double finding_take_top(finding *f);
/* Score of a winner over its runner-up: a / b, infinite when b is 0. */
double ratio_over(double a, double b);
/* The same for counts: a runner-up of 0 counts as 1, so the score stays a
 * finite number (the winner's count) when nobody else comes close. */
double ratio_over_count(double a, double b);

/* int_index and int_host from e->net (build.c). 0, or -1 out of memory. */
int engine_index_internal(engine *e);

/* Work hours from the hourly profile (hours.c): fills e->wh and e->work. */
void engine_find_work_hours(engine *e);

/* Second pass over the flows: collects the calls to candidate callees and
 * keeps the groups that pass the beacon test (beacon.c). */
int engine_find_beacon_series(engine *e, int threads);

/* Port graphs (graph.c). */
int engine_build_port_graphs(engine *e);


/* The largest clique of port pid's graph without the blacklisted hosts,
 * looking only for cliques of more than at_least hosts, spending at most
 * *budget (decreased by what it spent). 0, or -1 out of memory. */
int graph_port_clique(engine *e, uint32_t pid, uint32_t at_least, uint64_t *budget, clique_result *out);
void clique_cache_free(engine *e);


#endif
