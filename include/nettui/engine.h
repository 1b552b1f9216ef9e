/* engine.h: the ten detectors over the facts, one blacklist, findings.
 *
 * engine_build() makes the facts (aggregates, see facts.h) in one fused pass
 * over the flow table; engine_run() then runs the ten detectors in the CTF's
 * order from the facts alone, so a blacklist change never rescans the flows.
 * The batch modes and the TUI make the very same calls. */
#ifndef NETTUI_ENGINE_H
#define NETTUI_ENGINE_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include "nettui/cache_policy.h"
#include "nettui/flows.h"

#define DETECTOR_COUNT 10
#define FINDING_TOP 16
#define FINDING_ADDS 4

typedef enum answer_kind { ANSWER_HOST, ANSWER_PORT } answer_kind;

/* A runner-up: a host id or a port, with the metric the detector ranks by. */
typedef struct candidate {
    uint32_t value;
    double metric;
} candidate;

/* One named number behind a finding, for the evidence view and --json. */
typedef struct evidence_item {
    char label[40];
    double value;
} evidence_item;
#define FINDING_EVIDENCE 8

typedef struct finding {
    int detector;                 /* 0..9 */
    answer_kind kind;
    int found;                    /* 0: nothing stands out (value is then unset) */
    uint32_t value;               /* host id (ANSWER_HOST) or port (ANSWER_PORT) */
    uint32_t subject;             /* a host behind a port answer (port abuse), else HOST_NONE */
    double score;                 /* how far it stands out; meaning in score_label */
    char score_label[32];         /* "x next", "z", "sources", "clique size" ... */
    char metric_label[32];        /* what top[].metric is: "outbound bytes" ... */
    candidate top[FINDING_TOP];   /* the answer first, then runners-up */
    int ntop;
    char why[256];                /* one sentence a person can check */
    evidence_item evidence[FINDING_EVIDENCE];
    int nevidence;
    host_id adds[FINDING_ADDS];   /* hosts this finding puts on the blacklist */
    int nadds;
    /* Members behind the answer (clique, single-purpose sources, bots),
     * owned by the engine, valid until the next engine_run() or engine_free(). */
    const host_id *members;
    size_t nmembers;
} finding;

typedef struct detector_info {
    const char *id;       /* "exfil-volume" */
    const char *title;    /* "Exfiltration: biggest outbound sender" */
    answer_kind kind;
} detector_info;

/* The ten detectors in CTF order. */
const detector_info *engine_detector(int i);
/* A detector found by its id ("botnet-beacons"): its index in the run
 * order, or -1. Callers name detectors, never count them. */
int engine_detector_index(const char *id);
/* The finding of detector id in a run's ten, or NULL for an unknown id. */
const finding *engine_finding(const finding f[DETECTOR_COUNT], const char *id);
/* 0 when the registry is sound: ids unique, and every detector that reads
 * an earlier one's finding runs after it. */
int engine_registry_check(void);

/* The blacklist: hosts excluded from detectors. Each entry is either put there
 * by a detector (its finding's adds, chained as in the seed notebook) or by the
 * person. The person's choices win: a host the person added is excluded from
 * every detector, first to last; a host the person removed is never excluded,
 * even when a detector would add it. */
typedef enum bl_origin { BL_NONE = 0, BL_DETECTOR = 1, BL_USER_ADD = 2, BL_USER_ALLOW = 3 } bl_origin;

typedef struct blacklist {
    uint32_t nhosts;
    uint8_t *user;        /* per host: 0, BL_USER_ADD or BL_USER_ALLOW */
    int8_t *by_detector;  /* per host: detector index that added it, or -1 */
} blacklist;

int blacklist_init(blacklist *bl, uint32_t nhosts);   /* 0 or -1 (no memory) */
void blacklist_free(blacklist *bl);
/* Toggles the person's view of h: an excluded host becomes allowed, an
 * included one excluded. Returns the host's new state (1 excluded, 0 not). */
int blacklist_toggle(blacklist *bl, host_id h);
/* 1 if h is on the blacklist now (detector or person, less person's allows). */
int blacklist_contains(const blacklist *bl, host_id h);

typedef struct engine engine;

typedef struct engine_options {
    int work_start, work_end;   /* UTC hours [start,end), may wrap; -1: from the data */
    int threads;                /* 0: number of cores */
    int internal_set;           /* 1: internal is the internal network; 0: inferred from the flows */
    cidr_list internal;
} engine_options;

/* The internal network inferred from the flows of t (see netinfer.c): the
 * RFC 1918 blocks present, then the fewest /16 (or /8) blocks that give
 * nearly every flow an internal end. 0, or -1 when out of memory. */
int engine_infer_internal(const flow_table *t, cidr_list *out);
/* Calls (flows from internal hosts) an external host needs to be a beacon
 * candidate: fewer cannot reach significance. */
#define ENGINE_BEACON_MIN_CALLS 8
/* The external hosts (under net) that internal hosts sent enough flows to
 * be beacon candidates, by beacon.c's own rule, ascending, into *out
 * (caller frees): a remote source fetches the calls to these alone
 * (flows.h: calls). Their count, or SIZE_MAX when out of memory. */
size_t engine_beacon_callees(const flow_table *t, const cidr_list *net, host_id **out);
/* One pass over t: how many hosts lie in net, and the share of flows with
 * at least one end in it (for --summary, which builds no facts). */
double engine_internal_share(const flow_table *t, const cidr_list *net, size_t *internal_hosts);

void engine_options_default(engine_options *o);
/* Builds the facts from the table (which must outlive the engine). NULL when
 * out of memory, with a sentence in err. */
engine *engine_build(const flow_table *t, const engine_options *o, char *err, size_t errlen);
void engine_free(engine *e);
const flow_table *engine_table(const engine *e);

/* Runs the ten detectors in order from the facts and the blacklist; fills
 * out[0..9] and updates bl->by_detector from the chain. */
void engine_run(engine *e, blacklist *bl, finding out[DETECTOR_COUNT]);

/* Seconds the last engine_build() and engine_run() took. */
void engine_timing(const engine *e, double *build_seconds, double *run_seconds);
/* CPU seconds (all threads) the last engine_build() took. */
double engine_build_cpu_seconds(const engine *e);
/* Seconds detector k took in the last engine_run(). */
double engine_detector_seconds(const engine *e, int k);

/* ---- the facts cache (persist.c) --------------------------------------------
 * The facts of a table, saved next to its columnar cache (<cache file>.facts)
 * and keyed by that cache's identity (cache_table_id), so that a warm open
 * reads no flow column at all. Work hours, the only facts the options
 * change, are not saved: they are remade from the saved hourly profile. */

/* Writes e's facts to path atomically (temporary file, fsync, rename).
 * 0, or -1 with a sentence in err (nothing is then left behind). */
int engine_save(const engine *e, const char *path, uint64_t table_id, char *err, size_t errlen);
/* The facts saved at path for the table t (table_id: its cache's identity)
 * and for o's internal network (o NULL: whatever network they were made
 * for), checked (version, lengths, checksums, every index in bounds). NULL with a
 * sentence in why and *reason why (cache_policy.h: CACHE_REASON_ABSENT, "is
 * absent", when there is no file); CACHE_REASON_NONE on success. */
engine *engine_load(const flow_table *t, const engine_options *o, const char *path, uint64_t table_id,
                    cache_reason *reason, char *why, size_t whylen);

/* For cache_options.skip_columns (user: the cache_pair, cache_policy.h): 1 when saved
 * facts for that table cache exist, so its columns need no check now. */
int engine_cache_skip_columns(void *user, const char *cpath, uint64_t table_id);
/* The facts of t: loaded from the facts cache when it holds them for this
 * very table, else built (engine_build) and saved (a failed save costs one
 * line on c->notes). c NULL or disabled: built only. *facts_cached says
 * which. NULL with a sentence in err when out of memory, or when the
 * table's cache turns out corrupted (it is then removed). */
engine *engine_open(const flow_table *t, const engine_options *o, cache_pair *c, int *facts_cached,
                    char *err, size_t errlen);

/* The answer of a finding as text ("13.1.2.3", "443", "?" when not found). */
const char *finding_answer_text(const engine *e, const finding *f, char *buf, size_t len);

#endif
