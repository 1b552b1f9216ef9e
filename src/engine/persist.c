/* persist.c: the facts cache. The facts engine_build() made are saved next
 * to the table's cache (<cache file>.facts), so that the next open of the
 * same file maps the table, reads the facts and runs the detectors without
 * reading a single flow column.
 *
 * File layout, all integers in the writer's byte order (checked on read):
 *   a header: magic, version, byte order, a layout signature (sizes of the
 *   records), the identity of the table cache the facts belong to (its
 *   header checksum, see cache_table_id), the engine's counts and shapes,
 *   which optional aggregates are present, a table of sections (offset,
 *   length, checksum) and a header checksum; then the sections, 8-aligned.
 *
 * Nothing in the file is trusted: every length must be what the counts say,
 * every checksum must match, and every value the detectors use as an index
 * (host ids, port ids, offsets, times, bits past a bitset's space) is checked
 * against its bounds before the engine is handed out. Work hours are not
 * saved: they are the only facts the options change, and they are remade
 * from the saved hourly profile with the options of this run. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine_priv.h"
#include "nettui/atomic.h"
#include "nettui/cache.h"
#include "nettui/cache_policy.h"
#include "nettui/util.h"

#define FACTS_MAGIC "NETTUIF\x1a"
#define FACTS_VERSION 6u   /* 3: sparse internal triples and (host, port) lists; 4: beacon groups, the internal network; 5: no votes; 6: sampled calls */
#define FACTS_ENDIAN 0x01020304u

enum {
    S_PORT_LIST, S_SP_INT, S_SP_OUT, S_SP_IN, S_HOURS, S_TL_ALL, S_PS, S_HS, S_EXT_DST1, S_IN_PORTS,
    S_IH, S_TL_SENT, S_TL_RECV, S_HLL, S_SS, S_TRI_OFF, S_TRI, S_TRI_PORT, S_TRI_IN_OFF, S_TRI_IN_SRC,
    S_TRI_IN_PORT, S_HP_OFF, S_HP_PID, S_HP, S_IN_OFF, S_IN_PID,
    S_PORT_EXT, S_PORT_INT, S_INT_OUT, S_INT_IN, S_EDGE_OFF, S_EDGES, S_NODE_OFF, S_NODES, S_CLIQUE,
    S_SERIES, S_BEACON_TS, S_BGROUPS, S_COUNT
};

/* Aggregates the build may leave out (budgets), hence may be absent. */
#define SECTIONS_OPTIONAL (1ull << S_IN_PORTS | 1ull << S_TL_SENT | 1ull << S_TL_RECV | 1ull << S_IN_OFF | 1ull << S_IN_PID)
/* Sections of 16-bit values: their length need not be a multiple of 4. */
#define SECTIONS_U16 (1ull << S_PORT_LIST | 1ull << S_TRI_PORT | 1ull << S_TRI_IN_PORT | 1ull << S_HP_PID)

/* A kept beacon series and group as stored: no padding, fixed widths. */
typedef struct series_disk {
    uint32_t src, dst, port, calls;
    double period_s, jitter_s;
    uint32_t bytes, events;
    uint64_t ts_off;
    double phase_s, size_share, score, sample;
    uint32_t missed, group;
    double sum[BEACON_H][2];
} series_disk;

typedef struct group_disk {
    uint32_t callee, port, first, n;
    double period_s, phase_s, meff;
    double phi[BEACON_H][2];
} group_disk;

typedef struct facts_section {
    uint64_t off, len, sum;
} facts_section;

typedef struct facts_header {
    char magic[8];
    uint32_t version, endian;
    uint64_t layout;                 /* record sizes and constants, see layout_signature */
    uint64_t table_id;               /* cache_table_id of the table the facts were made from */
    uint64_t rows;
    uint32_t nhosts, nint, nports, nbuckets;
    uint32_t sp_n[3];                /* internal, outbound, inbound */
    uint32_t net_inferred;           /* 1: net was inferred (no --internal) */
    uint32_t net_n;
    uint32_t net[CIDR_MAX][2];       /* the internal network: net, mask */
    uint64_t present;                /* bit per section; optional ones may be absent */
    int64_t t0_ms, bucket_ms;
    uint64_t nseries, nbeacon_ts, beacon_candidates_flows, bytes_facts;
    uint64_t nbgroups, beacon_groups_tested, beacon_callees_skipped;
    double beacon_best_score;
    uint64_t ntri, nhp;              /* internal triples, (host, port) entries */
    facts_section sec[S_COUNT];
    uint64_t header_sum;             /* over every byte before it */
} facts_header;


static uint64_t layout_signature(void)
{
    uint64_t s = FACTS_VERSION;
    const uint64_t v[] = { sizeof(host_stat), sizeof(port_stat), sizeof(hour_cell), sizeof(tri_rec), sizeof(hp_rec),
                           sizeof(ss_slot), sizeof(series_disk), sizeof(group_disk), sizeof(size_t),
                           HLL_M, SS_K, SS_SAMPLE, sizeof(facts_header) };
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) s = util_mix64(s ^ v[k]) + k;
    return s;
}

/* What each section holds: its bytes in e (for saving), its element size. */
typedef struct sec_ref {
    const void *p;
    size_t n, size;
} sec_ref;

static void sections_of(const engine *e, const series_disk *sd, const group_disk *gd, sec_ref r[S_COUNT])
{
    size_t nh = e->nhosts, ni = e->nint, np = e->nports, nb = e->nbuckets;
    const partial *f = &e->f;
    memset(r, 0, sizeof(sec_ref) * S_COUNT);
#define SET(id, ptr, count) do { r[id].p = (ptr); r[id].n = (ptr) ? (count) : 0; r[id].size = sizeof *(ptr); } while (0)
    SET(S_PORT_LIST, e->port_list, np);
    SET(S_SP_INT, e->sp_int.pid, e->sp_int.n);
    SET(S_SP_OUT, e->sp_out.pid, e->sp_out.n);
    SET(S_SP_IN, e->sp_in.pid, e->sp_in.n);
    r[S_HOURS] = (sec_ref){ f->hour_flows, 48, 8 };   /* hour_flows then hour_bytes */
    SET(S_TL_ALL, f->tl_all, nb);
    SET(S_PS, f->ps, np);
    SET(S_HS, f->hs, nh);
    SET(S_EXT_DST1, f->ext_dst1, nh);
    SET(S_IN_PORTS, f->in_ports, nh * e->sp_in.words);
    SET(S_IH, f->ih, ni * 24);
    SET(S_TL_SENT, e->tl_sent, ni * nb);
    SET(S_TL_RECV, e->tl_recv, ni * nb);
    SET(S_HLL, f->hll, ni * 2 * HLL_M);
    SET(S_SS, f->ss, ni * 2 * SS_K);
    SET(S_TRI_OFF, e->tri_off, ni + 1);
    SET(S_TRI, e->tri, e->ntri);
    SET(S_TRI_PORT, e->tri_port, e->ntri);
    SET(S_TRI_IN_OFF, e->tri_in_off, ni + 1);
    SET(S_TRI_IN_SRC, e->tri_in_src, e->ntri);
    SET(S_TRI_IN_PORT, e->tri_in_port, e->ntri);
    SET(S_HP_OFF, e->hp_off, ni + 1);
    SET(S_HP_PID, e->hp_pid, e->nhp);
    SET(S_HP, e->hp, e->nhp);
    SET(S_IN_OFF, e->in_off, nh + 1);
    SET(S_IN_PID, e->in_pid, e->in_off ? e->in_off[nh] : 0);
    SET(S_PORT_EXT, e->port_ext_sources, np);
    SET(S_PORT_INT, e->port_int_senders, np);
    SET(S_INT_OUT, e->int_out_peers, ni);
    SET(S_INT_IN, e->int_in_peers, ni);
    SET(S_EDGE_OFF, e->edge_off, np + 1);
    SET(S_EDGES, e->edges, e->edge_off ? e->edge_off[np] * 2 : 0);
    SET(S_NODE_OFF, e->node_off, np + 1);
    SET(S_NODES, e->nodes, e->node_off ? e->node_off[np] : 0);
    SET(S_CLIQUE, e->clique_bound, np);
    SET(S_SERIES, sd, e->nseries);
    SET(S_BEACON_TS, e->beacon_ts, e->nbeacon_ts);
    SET(S_BGROUPS, gd, e->nbgroups);
#undef SET
    static const uint64_t none;   /* a required section that is empty */
    for (int s = 0; s < S_COUNT; s++)
        if (!r[s].p && !(SECTIONS_OPTIONAL >> s & 1)) { r[s].p = &none; r[s].n = 0; }
}

_Static_assert(offsetof(partial, hour_bytes) == offsetof(partial, hour_flows) + 24 * sizeof(uint64_t),
               "hour_flows and hour_bytes are saved as one section");

/* ---- save ------------------------------------------------------------------ */

static int write_all(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t w = write(fd, p, chunk);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) { if (w == 0) errno = ENOSPC; return -1; }
        p += w; n -= (size_t)w;
    }
    return 0;
}

int engine_save(const engine *e, const char *path, uint64_t table_id, char *err, size_t errlen)
{
    series_disk *sd = calloc(e->nseries + 1, sizeof *sd);
    group_disk *gd = calloc(e->nbgroups + 1, sizeof *gd);
    facts_header *h = calloc(1, sizeof *h);
    if (!sd || !gd || !h) { free(sd); free(gd); free(h); snprintf(err, errlen, "out of memory"); return -1; }
    for (size_t k = 0; k < e->nseries; k++) {
        const series_rec *s = &e->series[k];
        sd[k] = (series_disk){ s->s.src, s->s.dst, s->s.port, s->s.calls, s->s.period_s, s->s.jitter_s,
                               s->s.bytes, s->events, s->ts_off, s->s.phase_s, s->s.size_share, s->s.score,
                               s->s.sample, s->s.missed, s->group, {{0}} };
        memcpy(sd[k].sum, s->sum, sizeof sd[k].sum);
    }
    for (size_t k = 0; k < e->nbgroups; k++) {
        const beacon_group *g = &e->bgroups[k];
        gd[k] = (group_disk){ g->callee, g->port, g->first, g->n, g->period_s, g->phase_s, g->meff, {{0}} };
        memcpy(gd[k].phi, g->phi, sizeof gd[k].phi);
    }
    sec_ref r[S_COUNT];
    sections_of(e, sd, gd, r);
    memcpy(h->magic, FACTS_MAGIC, 8);
    h->version = FACTS_VERSION;
    h->endian = FACTS_ENDIAN;
    h->layout = layout_signature();
    h->table_id = table_id;
    h->rows = e->t->n;
    h->nhosts = e->nhosts; h->nint = e->nint; h->nports = e->nports; h->nbuckets = e->nbuckets;
    h->sp_n[0] = e->sp_int.n; h->sp_n[1] = e->sp_out.n; h->sp_n[2] = e->sp_in.n;
    h->net_inferred = (uint32_t)e->net_inferred;
    h->net_n = (uint32_t)e->net.n;
    for (int k = 0; k < e->net.n; k++) { h->net[k][0] = e->net.v[k].net; h->net[k][1] = e->net.v[k].mask; }
    h->t0_ms = e->t0_ms; h->bucket_ms = e->bucket_ms;
    h->nseries = e->nseries; h->nbeacon_ts = e->nbeacon_ts;
    h->beacon_candidates_flows = e->beacon_candidates_flows;
    h->nbgroups = e->nbgroups;
    h->beacon_groups_tested = e->beacon_groups_tested;
    h->beacon_callees_skipped = e->beacon_callees_skipped;
    h->beacon_best_score = e->beacon_best_score;
    h->bytes_facts = e->bytes_facts;
    h->ntri = e->ntri; h->nhp = e->nhp;
    uint64_t off = (sizeof *h + 7) / 8 * 8;
    for (int s = 0; s < S_COUNT; s++) {
        if (r[s].p) h->present |= 1ull << s;
        h->sec[s].off = off;
        h->sec[s].len = r[s].n * r[s].size;
        h->sec[s].sum = r[s].p ? util_sum64(r[s].p, h->sec[s].len, (uint64_t)s) : 0;
        off += (h->sec[s].len + 7) / 8 * 8;
    }
    h->header_sum = util_sum64(h, offsetof(facts_header, header_sum), 0);

    atomic_file af;
    if (atomic_open(&af, path)) {
        snprintf(err, errlen, "cannot write next to %s: %s", path, strerror(errno));
        free(sd); free(gd); free(h);
        return -1;
    }
    static const unsigned char zeros[8];
    int rc = -1;
    const char *what = "write";
    if (write_all(af.fd, h, sizeof *h) || write_all(af.fd, zeros, (size_t)(h->sec[0].off - sizeof *h))) goto out;
    for (int s = 0; s < S_COUNT; s++) {
        size_t len = (size_t)h->sec[s].len;
        if (len && (write_all(af.fd, r[s].p, len) || write_all(af.fd, zeros, (8 - len % 8) % 8))) goto out;
    }
    rc = atomic_commit(&af, &what);
    if (rc) snprintf(err, errlen, "cannot %s %s: %s", what, path, strerror(errno));
    free(sd); free(gd); free(h);
    return rc;
out:
    snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
    atomic_abort(&af);
    free(sd); free(gd); free(h);
    return -1;
}

/* ---- load ------------------------------------------------------------------ */

static int reject(char *why, size_t len, const char *what)
{
    snprintf(why, len, "%s", what);
    return -1;
}

/* A rejection that is not damage (the default reason): sets *reason too. */
static int reject_as(cache_reason *reason, cache_reason r, char *why, size_t len, const char *what)
{
    *reason = r;
    return reject(why, len, what);
}

/* Reads and checks the header of the facts file fd (size bytes) against
 * table_id. 0, or -1 with why, and *reason when it is not damage. */
static int header_check(int fd, uint64_t size, uint64_t table_id, facts_header *h, char *why, size_t whylen,
                        cache_reason *reason)
{
    if (size < sizeof *h || pread(fd, h, sizeof *h, 0) != (ssize_t)sizeof *h) return reject(why, whylen, "is truncated");
    if (memcmp(h->magic, FACTS_MAGIC, 8)) return reject(why, whylen, "is not a nettui facts cache");
    if (h->endian != FACTS_ENDIAN)
        return reject_as(reason, CACHE_REASON_OTHER_VERSION, why, whylen, "was written on a machine of another byte order");
    if (h->version != FACTS_VERSION || h->layout != layout_signature())
        return reject_as(reason, CACHE_REASON_OTHER_VERSION, why, whylen, "is of another format version");
    if (util_sum64(h, offsetof(facts_header, header_sum), 0) != h->header_sum) return reject(why, whylen, "is corrupted (header checksum)");
    if (h->table_id != table_id) return reject_as(reason, CACHE_REASON_OTHER_TABLE, why, whylen, "belongs to another table cache");
    for (int s = 0; s < S_COUNT; s++)
        if (h->sec[s].off % 8 || h->sec[s].off < sizeof *h || h->sec[s].off > size || h->sec[s].len > size - h->sec[s].off)
            return reject(why, whylen, "is truncated or corrupted (section table)");
    return 0;
}

/* The facts file is read with pread, section by section straight into
 * the engine's arrays, never mapped: a mapping of a file that another
 * process truncates (a rebuild, a cleaner, a full disk) raises SIGBUS on
 * the first touch past the new end, which no check made beforehand can
 * prevent; pread returns short instead, and the file is then refused as
 * truncated like any other. Each section's checksum is verified on the
 * bytes read, before the engine is handed out. */
typedef struct facts_reader {
    int fd;
    const facts_header *h;
    int short_read;   /* a section could not be read whole */
    int bad_sum;      /* a section's checksum did not match */
} facts_reader;

/* n bytes at off, or -1 (an error, or the file ends first). */
static int pread_all(int fd, void *buf, size_t n, uint64_t off)
{
    unsigned char *p = buf;
    while (n) {
        size_t chunk = n > (1u << 30) ? (1u << 30) : n;
        ssize_t r = pread(fd, p, chunk, (off_t)off);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return -1;
        p += r; n -= (size_t)r; off += (uint64_t)r;
    }
    return 0;
}

/* Section s read into dst (its length, bounded by the header check), its
 * checksum verified; failures are marked in ff. */
static void sec_read(facts_reader *ff, int s, void *dst)
{
    const facts_section *sec = &ff->h->sec[s];
    if (!sec->len) { ff->bad_sum |= util_sum64(dst, 0, (uint64_t)s) != sec->sum; return; }
    if (pread_all(ff->fd, dst, (size_t)sec->len, sec->off)) { ff->short_read = 1; return; }
    if (util_sum64(dst, (size_t)sec->len, (uint64_t)s) != sec->sum) ff->bad_sum = 1;
}

/* Every present section's checksum, reading one section at a time. */
static int sums_ok(int fd, const facts_header *h)
{
    facts_reader ff = { fd, h, 0, 0 };
    uint64_t most = 0;
    for (int s = 0; s < S_COUNT; s++) if ((h->present >> s & 1) && h->sec[s].len > most) most = h->sec[s].len;
    unsigned char *buf = malloc((size_t)most + 8);
    if (!buf) return 0;
    for (int s = 0; s < S_COUNT && !ff.short_read && !ff.bad_sum; s++)
        if (h->present >> s & 1) sec_read(&ff, s, buf);
    free(buf);
    return !ff.short_read && !ff.bad_sum;
}

/* Section s into a fresh zeroed block of n + 1 elements of size bytes
 * (zalloc, for partial's arrays); NULL when out of memory. */
static void *copy_z(facts_reader *ff, int s, size_t n, size_t size)
{
    void *p = zalloc(n + 1, size);
    if (p) sec_read(ff, s, p);
    return p;
}

/* The same through calloc, for the engine's own arrays. */
static void *copy_m(facts_reader *ff, int s, size_t n, size_t size)
{
    void *p = calloc(n + 1, size);
    if (p) sec_read(ff, s, p);
    return p;
}

static int space_restore(port_space *sp, const engine *e, facts_reader *ff, int s, uint32_t n)
{
    sp->n = n;
    sp->words = n ? (n + 63) / 64 : 1;
    sp->pid = copy_m(ff, s, n, 4);
    sp->of = malloc((e->nports + 1) * sizeof *sp->of);
    if (!sp->pid || !sp->of) return -1;
    for (uint32_t k = 0; k < e->nports; k++) sp->of[k] = -1;
    for (uint32_t k = 0; k < n; k++) {
        if (sp->pid[k] >= e->nports || (k && sp->pid[k] <= sp->pid[k - 1])) return 1;
        sp->of[sp->pid[k]] = (int32_t)k;
    }
    return 0;
}

/* No bit set past a space of n in bitsets of `words` words. */
static int bits_in_space(const uint64_t *w, size_t count, uint32_t words, uint32_t n)
{
    if (n >= (uint64_t)words * 64) return 1;
    uint32_t last = n / 64;
    uint64_t ok = n % 64 ? (1ull << (n % 64)) - 1 : 0;
    for (size_t i = 0; i < count; i++) {
        const uint64_t *v = w + i * words;
        if (v[last] & ~ok) return 0;
        for (uint32_t k = last + 1; k < words; k++) if (v[k]) return 0;
    }
    return 1;
}

static int offsets_ok(const size_t *off, size_t n, size_t total)
{
    if (off[0] != 0 || off[n] != total) return 0;
    for (size_t k = 0; k < n; k++) if (off[k + 1] < off[k]) return 0;
    return 1;
}

/* CSR offsets off[0..n]: from 0 to total, never down. */
static int offsets64_ok(const uint64_t *off, size_t n, uint64_t total)
{
    if (off[0] != 0 || off[n] != total) return 0;
    for (size_t k = 0; k < n; k++) if (off[k + 1] < off[k]) return 0;
    return 1;
}

/* The internal triples: by source, distinct and sorted by (destination,
 * port), every index in its space, every first time within the table's;
 * by destination, exactly their transpose. 0 when all holds. */
static int triples_check(const engine *e)
{
    uint64_t ni = e->nint, nsp = e->sp_int.n;
    const flow_table *t = e->t;
    if (!offsets64_ok(e->tri_off, ni, e->ntri) || !offsets64_ok(e->tri_in_off, ni, e->ntri)) return -1;
    for (uint32_t a = 0; a < ni; a++)
        for (uint64_t k = tri_src_begin(e, a); k < tri_src_end(e, a); k++) {
            const tri_rec *r = &e->tri[k];
            if (r->dst >= ni || e->tri_port[k] >= nsp || r->flows == 0) return -1;
            if (t->n == 0 || r->first_ms < t->ts_min || r->first_ms > t->ts_max) return -1;
            if (k > tri_src_begin(e, a) && ((uint64_t)r->dst << 16 | e->tri_port[k])
                                              <= ((uint64_t)e->tri[k - 1].dst << 16 | e->tri_port[k - 1])) return -1;
        }
    uint64_t *pos = malloc((ni + 1) * sizeof *pos);
    if (!pos) return -1;
    memcpy(pos, e->tri_in_off, (ni + 1) * sizeof *pos);
    int bad = 0;
    for (uint32_t a = 0; a < ni && !bad; a++)
        for (uint64_t k = tri_src_begin(e, a); k < tri_src_end(e, a) && !bad; k++) {
            uint32_t b = e->tri[k].dst;
            uint64_t d = pos[b]++;
            bad = d >= e->tri_in_off[b + 1] || e->tri_in_src[d] != a || e->tri_in_port[d] != e->tri_port[k];
        }
    free(pos);
    return bad ? -1 : 0;
}

/* The (host, port) entries: ports ascending per host, each in the space of
 * its direction. 0 when all holds. */
static int host_ports_check(const engine *e)
{
    if (!offsets64_ok(e->hp_off, e->nint, e->nhp)) return -1;
    for (uint32_t a = 0; a < e->nint; a++)
        for (uint64_t k = hp_begin(e, a); k < hp_end(e, a); k++) {
            uint32_t pid = e->hp_pid[k];
            if (pid >= e->nports || (k > hp_begin(e, a) && pid <= e->hp_pid[k - 1])) return -1;
            if ((e->hp[k].out_flows && e->sp_out.of[pid] < 0) || (e->hp[k].in_flows && e->sp_in.of[pid] < 0)) return -1;
            if (!e->hp[k].out_flows && !e->hp[k].in_flows) return -1;
        }
    return 0;
}

/* Every value used as an index, checked. 0 when all is in bounds. */
static int values_check(const engine *e)
{
    const partial *f = &e->f;
    size_t nh = e->nhosts, ni = e->nint, np = e->nports;
#define IS_INT(h) ((h) < nh && e->int_index[(h)] != NO_INDEX)
    for (size_t h = 0; h < nh; h++) {
        uint32_t d = f->ext_dst1[h];
        if (d != NO_INDEX && d != DST_MULTI && !IS_INT(d)) return -1;
    }
    for (size_t k = 0; k < ni * 2 * SS_K; k++)
        if (f->ss[k].host != HOST_NONE && f->ss[k].host >= nh) return -1;
    if (f->in_ports && !bits_in_space(f->in_ports, nh, e->sp_in.words, e->sp_in.n)) return -1;
    if (triples_check(e) || host_ports_check(e)) return -1;
    if (e->in_off) {
        if (e->in_off[0] != 0) return -1;
        for (size_t h = 0; h < nh; h++) if (e->in_off[h + 1] < e->in_off[h]) return -1;
        for (size_t k = 0; k < e->in_off[nh]; k++) if (e->in_pid[k] >= np) return -1;
    }
    if (!offsets_ok(e->edge_off, np, e->edge_off[np]) || !offsets_ok(e->node_off, np, e->node_off[np])) return -1;
    uint32_t *stamp = calloc(nh + 1, sizeof *stamp);
    if (!stamp) return -1;
    int bad = 0;
    for (size_t pid = 0; pid < np && !bad; pid++) {
        size_t na = e->node_off[pid], nb = e->node_off[pid + 1];
        for (size_t k = na; k < nb && !bad; k++) {
            host_id h = e->nodes[k];
            if (!IS_INT(h) || stamp[h] == pid + 1) bad = 1;   /* internal, once per port */
            else stamp[h] = (uint32_t)pid + 1;
        }
        for (size_t k = 2 * e->edge_off[pid]; k < 2 * e->edge_off[pid + 1] && !bad; k++) {
            host_id h = e->edges[k];
            if (!IS_INT(h) || stamp[h] != pid + 1) bad = 1;   /* an edge joins the port's nodes */
        }
        if (e->clique_bound[pid] > nb - na + 1) bad = 1;
    }
    free(stamp);
    if (bad) return -1;
    for (size_t k = 0; k < e->nseries; k++) {
        const series_rec *s = &e->series[k];
        if (!IS_INT(s->s.src) || s->s.dst >= nh || s->s.calls > e->nbeacon_ts || s->ts_off > e->nbeacon_ts - s->s.calls
            || s->group >= e->nbgroups || s->events > s->s.calls)
            return -1;
        /* call times ascend within the table's range (the panes take gaps) */
        const int64_t *ts = e->beacon_ts + s->ts_off;
        for (uint32_t c = 0; c < s->s.calls; c++)
            if (ts[c] < e->t->ts_min || ts[c] > e->t->ts_max || (c && ts[c] < ts[c - 1])) return -1;
        for (int h = 0; h < BEACON_H; h++)   /* a sum of events unit vectors */
            if (!(fabs(s->sum[h][0]) <= s->events) || !(fabs(s->sum[h][1]) <= s->events)) return -1;
        if (!isfinite(s->s.phase_s) || !isfinite(s->s.jitter_s) || !isfinite(s->s.size_share) || !isfinite(s->s.score)) return -1;
    }
    for (size_t k = 0; k < e->nbgroups; k++) {   /* series back to back, each pointing back */
        const beacon_group *g = &e->bgroups[k];
        if (g->callee >= nh || IS_INT(g->callee) || g->port > 65535 || g->first > e->nseries || g->n > e->nseries - g->first
            || !(g->period_s >= BEACON_PMIN_S && g->period_s <= BEACON_PMAX_S) || !(g->meff >= 1 && g->meff < 1e12)
            || !isfinite(g->phase_s))
            return -1;
        for (uint32_t s = 0; s < g->n; s++) if (e->series[g->first + s].group != k) return -1;
        for (int h = 0; h < BEACON_H; h++)
            if (!(fabs(g->phi[h][0]) <= 1.0001) || !(fabs(g->phi[h][1]) <= 1.0001)) return -1;
    }
#undef IS_INT
    return 0;
}

engine *engine_load(const flow_table *t, const engine_options *o, const char *path, uint64_t table_id,
                    cache_reason *reason, char *why, size_t whylen)
{
    double t0 = util_clock(CLOCK_MONOTONIC), c0 = util_clock(CLOCK_PROCESS_CPUTIME_ID);
    *reason = CACHE_REASON_DAMAGED;   /* unless a check below says otherwise */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT || errno == ENOTDIR) { *reason = CACHE_REASON_ABSENT; snprintf(why, whylen, "is absent"); }
        else { *reason = CACHE_REASON_UNREADABLE; snprintf(why, whylen, "cannot be opened (%s)", strerror(errno)); }
        return NULL;
    }
    struct stat st;
    facts_header h;
    engine *e = NULL;
    series_disk *sd = NULL;
    group_disk *gdisk = NULL;
    if (fstat(fd, &st) || !S_ISREG(st.st_mode)) { reject(why, whylen, "is not a regular file"); goto fail; }
    uint64_t size = (uint64_t)st.st_size;
    if (header_check(fd, size, table_id, &h, why, whylen, reason)) goto fail;

    /* the internal network: the one asked for, or an inferred one when none is */
    cidr_list net = {0};
    if (h.net_n > CIDR_MAX) { reject(why, whylen, "is corrupted (internal network)"); goto fail; }
    net.n = (int)h.net_n;
    for (uint32_t k = 0; k < h.net_n; k++) { net.v[k].net = h.net[k][0]; net.v[k].mask = h.net[k][1]; }
    int want_inferred = o ? !o->internal_set : (int)h.net_inferred;   /* no options: as saved */
    if ((int)h.net_inferred != want_inferred
        || (!want_inferred && o && (net.n != o->internal.n || memcmp(net.v, o->internal.v, sizeof net.v[0] * (size_t)net.n)))) {
        reject_as(reason, CACHE_REASON_OTHER_NETWORK, why, whylen, "was made for another internal network");
        goto fail;
    }
    uint32_t nint = 0;
    for (uint32_t k = 0; k < t->hosts.n; k++)
        nint += t->hosts.name_off[k] == UINT32_MAX && cidr_list_contains(&net, t->hosts.ip[k]);
    /* the counts against the table, then every length against the counts */
    if (h.rows != t->n || h.nhosts != t->hosts.n || h.nint != nint || h.nports > 65536 || h.nbuckets == 0
        || h.bucket_ms <= 0 || h.sp_n[0] > h.nports || h.sp_n[1] > h.nports || h.sp_n[2] > h.nports
        || h.nseries > size || h.nbeacon_ts > size || h.nbgroups > size) {
        reject(why, whylen, "does not match the table (counts)");
        goto fail;
    }
    uint64_t nh = h.nhosts, ni = h.nint, np = h.nports, nb = h.nbuckets;
    uint64_t w_in = h.sp_n[2] ? (h.sp_n[2] + 63) / 64 : 1;
    /* bound the products before they are formed: no section exceeds the file */
    if (ni > size || nb > size || ni * nb > size || nh * w_in > size || h.ntri > size || h.nhp > size) {
        reject(why, whylen, "does not match the table (counts)");
        goto fail;
    }
    facts_reader ffile = { fd, &h, 0, 0 }, *ff = &ffile;
    const uint64_t expect[S_COUNT] = {
        [S_PORT_LIST] = np * 2, [S_SP_INT] = h.sp_n[0] * 4ull, [S_SP_OUT] = h.sp_n[1] * 4ull,
        [S_SP_IN] = h.sp_n[2] * 4ull, [S_HOURS] = 48 * 8, [S_TL_ALL] = nb * 4, [S_PS] = np * sizeof(port_stat),
        [S_HS] = nh * sizeof(host_stat), [S_EXT_DST1] = nh * 4, [S_IN_PORTS] = nh * w_in * 8,
        [S_IH] = ni * 24 * sizeof(hour_cell), [S_TL_SENT] = ni * nb * 4,
        [S_TL_RECV] = ni * nb * 4, [S_HLL] = ni * 2 * HLL_M, [S_SS] = ni * 2 * SS_K * sizeof(ss_slot),
        [S_TRI_OFF] = (ni + 1) * 8, [S_TRI] = h.ntri * sizeof(tri_rec), [S_TRI_PORT] = h.ntri * 2,
        [S_TRI_IN_OFF] = (ni + 1) * 8, [S_TRI_IN_SRC] = h.ntri * 4, [S_TRI_IN_PORT] = h.ntri * 2,
        [S_HP_OFF] = (ni + 1) * 8, [S_HP_PID] = h.nhp * 2, [S_HP] = h.nhp * sizeof(hp_rec), [S_IN_OFF] = (nh + 1) * 4,
        [S_IN_PID] = h.sec[S_IN_PID].len, [S_PORT_EXT] = np * 4, [S_PORT_INT] = np * 4, [S_INT_OUT] = ni * 4,
        [S_INT_IN] = ni * 4, [S_EDGE_OFF] = (np + 1) * sizeof(size_t), [S_EDGES] = h.sec[S_EDGES].len,
        [S_NODE_OFF] = (np + 1) * sizeof(size_t), [S_NODES] = h.sec[S_NODES].len, [S_CLIQUE] = np * 4,
        [S_SERIES] = h.nseries * sizeof(series_disk), [S_BEACON_TS] = h.nbeacon_ts * 8,
        [S_BGROUPS] = h.nbgroups * sizeof(group_disk),
    };
    const uint64_t optional = SECTIONS_OPTIONAL;
    if ((h.present | optional) != (1ull << S_COUNT) - 1 || !(h.present >> S_TL_SENT & 1) != !(h.present >> S_TL_RECV & 1)
        || !(h.present >> S_IN_OFF & 1) != !(h.present >> S_IN_PID & 1)) {
        reject(why, whylen, "is corrupted (sections)");
        goto fail;
    }
    for (int s = 0; s < S_COUNT; s++) {
        uint64_t want = h.present >> s & 1 ? expect[s] : 0;
        if (h.sec[s].len != want || (!(SECTIONS_U16 >> s & 1) && s != S_HLL && h.sec[s].len % 4)) {
            reject(why, whylen, "is corrupted (section lengths)");
            goto fail;
        }
    }

    e = calloc(1, sizeof *e);
    if (!e) { reject_as(reason, CACHE_REASON_UNREADABLE, why, whylen, "cannot be read (out of memory)"); goto fail; }
    e->t = t;
    if (o) e->opt = *o;
    else engine_options_default(&e->opt);
    e->nhosts = (uint32_t)nh; e->nports = (uint32_t)np; e->nbuckets = (uint32_t)nb;
    e->t0_ms = h.t0_ms; e->bucket_ms = h.bucket_ms;
    e->beacon_candidates_flows = h.beacon_candidates_flows;
    e->bytes_facts = h.bytes_facts;
    int bad = 0;
    /* internal index, from the table's dictionary and the saved network */
    e->net = net;
    e->net_inferred = want_inferred;
    if (engine_index_internal(e)) goto oom;
    /* ports */
    e->port_list = copy_m(ff, S_PORT_LIST, np, 2);
    if (!e->port_list) goto oom;
    for (int k = 0; k < 65536; k++) e->port_id[k] = -1;
    for (uint32_t k = 0; k < np; k++) {
        if (k && e->port_list[k] <= e->port_list[k - 1]) bad = 1;
        e->port_id[e->port_list[k]] = (int32_t)k;
    }
    int r1 = space_restore(&e->sp_int, e, ff, S_SP_INT, h.sp_n[0]);
    int r2 = space_restore(&e->sp_out, e, ff, S_SP_OUT, h.sp_n[1]);
    int r3 = space_restore(&e->sp_in, e, ff, S_SP_IN, h.sp_n[2]);
    if (r1 < 0 || r2 < 0 || r3 < 0) goto oom;
    bad |= r1 | r2 | r3;
    /* the aggregates: partial's through zalloc (partial_free), the rest malloc */
    partial *f = &e->f;
    sec_read(ff, S_HOURS, f->hour_flows);   /* hour_flows then hour_bytes */
#define PRESENT(s) (h.present >> (s) & 1)
    f->tl_all = copy_z(ff, S_TL_ALL, nb, 4);
    f->ps = copy_z(ff, S_PS, np, sizeof *f->ps);
    f->hs = copy_z(ff, S_HS, nh, sizeof *f->hs);
    f->ext_dst1 = copy_z(ff, S_EXT_DST1, nh, 4);
    f->ih = copy_z(ff, S_IH, ni * 24, sizeof *f->ih);
    f->hll = copy_z(ff, S_HLL, ni * 2 * HLL_M, 1);
    f->ss = copy_z(ff, S_SS, ni * 2 * SS_K, sizeof *f->ss);
    if (!f->tl_all || !f->ps || !f->hs || !f->ext_dst1 || !f->ih || !f->hll || !f->ss) goto oom;
    if (PRESENT(S_IN_PORTS) && !(f->in_ports = copy_z(ff, S_IN_PORTS, nh * w_in, 8))) goto oom;
    e->ntri = h.ntri; e->nhp = h.nhp;
    e->tri_off = copy_m(ff, S_TRI_OFF, ni + 1, 8);
    e->tri = copy_m(ff, S_TRI, h.ntri, sizeof *e->tri);
    e->tri_port = copy_m(ff, S_TRI_PORT, h.ntri, 2);
    e->tri_in_off = copy_m(ff, S_TRI_IN_OFF, ni + 1, 8);
    e->tri_in_src = copy_m(ff, S_TRI_IN_SRC, h.ntri, 4);
    e->tri_in_port = copy_m(ff, S_TRI_IN_PORT, h.ntri, 2);
    e->hp_off = copy_m(ff, S_HP_OFF, ni + 1, 8);
    e->hp_pid = copy_m(ff, S_HP_PID, h.nhp, 2);
    e->hp = copy_m(ff, S_HP, h.nhp, sizeof *e->hp);
    if (!e->tri_off || !e->tri || !e->tri_port || !e->tri_in_off || !e->tri_in_src || !e->tri_in_port
        || !e->hp_off || !e->hp_pid || !e->hp) goto oom;
    if (PRESENT(S_TL_SENT) && (!(e->tl_sent = copy_m(ff, S_TL_SENT, ni * nb, 4))
                               || !(e->tl_recv = copy_m(ff, S_TL_RECV, ni * nb, 4)))) goto oom;
    if (PRESENT(S_IN_OFF)) {
        e->in_off = copy_m(ff, S_IN_OFF, nh + 1, sizeof *e->in_off);
        e->in_pid = copy_m(ff, S_IN_PID, h.sec[S_IN_PID].len / 4, 4);
        if (!e->in_off || !e->in_pid) goto oom;
        if (e->in_off[nh] != h.sec[S_IN_PID].len / 4) bad = 1;
    }
#undef PRESENT
    e->port_ext_sources = copy_m(ff, S_PORT_EXT, np, 4);
    e->port_int_senders = copy_m(ff, S_PORT_INT, np, 4);
    e->int_out_peers = copy_m(ff, S_INT_OUT, ni, 4);
    e->int_in_peers = copy_m(ff, S_INT_IN, ni, 4);
    e->edge_off = copy_m(ff, S_EDGE_OFF, np + 1, sizeof(size_t));
    e->edges = copy_m(ff, S_EDGES, h.sec[S_EDGES].len / 4, 4);
    e->node_off = copy_m(ff, S_NODE_OFF, np + 1, sizeof(size_t));
    e->nodes = copy_m(ff, S_NODES, h.sec[S_NODES].len / 4, 4);
    e->clique_bound = copy_m(ff, S_CLIQUE, np, 4);
    e->series = calloc(h.nseries + 1, sizeof *e->series);
    e->bgroups = calloc(h.nbgroups + 1, sizeof *e->bgroups);
    e->beacon_ts = copy_m(ff, S_BEACON_TS, h.nbeacon_ts, 8);
    e->port_z = malloc((np + 1) * sizeof *e->port_z);
    e->port_z_host = malloc((np + 1) * sizeof *e->port_z_host);
    e->excluded = calloc(nh + 1, 1);
    if (!e->port_ext_sources || !e->port_int_senders || !e->int_out_peers || !e->int_in_peers || !e->edge_off
        || !e->edges || !e->node_off || !e->nodes || !e->clique_bound || !e->series || !e->bgroups || !e->beacon_ts
        || !e->port_z || !e->port_z_host || !e->excluded)
        goto oom;
    for (uint32_t k = 0; k < np; k++) { e->port_z[k] = NAN; e->port_z_host[k] = HOST_NONE; }
    /* the CSR offsets must end where their arrays do */
    if (h.sec[S_EDGES].len % 8 || e->edge_off[np] != h.sec[S_EDGES].len / 8 || e->node_off[np] != h.sec[S_NODES].len / 4)
        bad = 1;
    if (!(sd = copy_m(ff, S_SERIES, h.nseries, sizeof *sd))) goto oom;
    if (!(gdisk = copy_m(ff, S_BGROUPS, h.nbgroups, sizeof *gdisk))) goto oom;
    if (ff->short_read) { reject(why, whylen, "is truncated"); goto fail; }
    if (ff->bad_sum) { reject(why, whylen, "is corrupted (checksum)"); goto fail; }
    for (size_t k = 0; k < h.nseries; k++) {
        series_disk d;
        memcpy(&d, sd + k, sizeof d);
        if (d.port > 65535) bad = 1;
        e->series[k].s = (beacon_series){ d.src, d.dst, (uint16_t)d.port, d.calls, d.period_s, d.jitter_s, d.bytes,
                                          d.phase_s, d.events, d.missed, d.size_share, d.score,
                                          d.sample > 0 && d.sample <= 1 ? d.sample : 1 };
        e->series[k].ts_off = (size_t)d.ts_off;
        e->series[k].group = d.group;
        e->series[k].events = d.events;
        memcpy(e->series[k].sum, d.sum, sizeof d.sum);
    }
    for (size_t k = 0; k < h.nbgroups; k++) {
        group_disk d;
        memcpy(&d, gdisk + k, sizeof d);
        e->bgroups[k] = (beacon_group){ d.callee, d.port, d.period_s, d.phase_s, d.meff, {{0}}, d.first, d.n };
        memcpy(e->bgroups[k].phi, d.phi, sizeof d.phi);
    }
    e->nbgroups = (size_t)h.nbgroups;
    e->beacon_groups_tested = h.beacon_groups_tested;
    e->beacon_callees_skipped = h.beacon_callees_skipped;
    e->beacon_best_score = isfinite(h.beacon_best_score) && h.beacon_best_score >= 0 ? h.beacon_best_score : 0;
    e->nseries = (size_t)h.nseries;
    e->nbeacon_ts = (size_t)h.nbeacon_ts;
    if (bad || values_check(e)) {
        reject(why, whylen, "is corrupted (values out of bounds)");
        goto fail;
    }
    engine_find_work_hours(e);   /* the options' part of the facts: remade, never saved */
    free(sd);
    free(gdisk);
    close(fd);
    e->build_seconds = util_clock(CLOCK_MONOTONIC) - t0;
    e->build_cpu_seconds = util_clock(CLOCK_PROCESS_CPUTIME_ID) - c0;
    *reason = CACHE_REASON_NONE;
    return e;
oom:
    reject_as(reason, CACHE_REASON_UNREADABLE, why, whylen, "cannot be read (out of memory)");
fail:
    engine_free(e);
    free(sd);
    free(gdisk);
    close(fd);
    return NULL;
}

/* ---- the glue: table cache + facts cache ------------------------------------- */

int engine_cache_skip_columns(void *user, const char *cpath, uint64_t table_id)
{
    cache_pair *c = user;
    char why[128];
    cache_reason reason;
    if (!c || !c->enabled || strcmp(cpath, c->table_cache)) return 0;
    int fd = open(c->facts, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return 0;
    struct stat st;
    facts_header h;
    int ok = !fstat(fd, &st) && S_ISREG(st.st_mode) &&
             !header_check(fd, (uint64_t)st.st_size, table_id, &h, why, sizeof why, &reason);
    if (ok) ok = sums_ok(fd, &h);   /* and its sections' checksums: a few ms, against 2 GB of columns */
    close(fd);
    c->columns_skipped = ok;
    return ok;
}

engine *engine_open(const flow_table *t, const engine_options *o, cache_pair *c, int *facts_cached,
                    char *err, size_t errlen)
{
    char why[256];
    uint64_t id = 0;
    /* a ClickHouse source's loader gives its .ntw's identity (id_known) */
    int keyed = c && c->enabled && (c->id_known ? (id = c->id, 1) : !cache_table_id(c->table_cache, t, &id));
    *facts_cached = 0;
    if (keyed) {
        cache_reason reason;
        engine *e = engine_load(t, o, c->facts, id, &reason, why, sizeof why);
        cache_decision d = cache_decide(CACHE_KIND_FACTS, reason);
        if (e) { *facts_cached = 1; return e; }
        if (d.note && c->notes) fprintf(c->notes, "nettui: the facts cache %s %s; rebuilding it.\n", c->facts, why);
        cache_apply(&d, c->table_cache);
    }
    /* building reads the columns: the ones the table cache left unchecked
     * (on the facts' word) are checked first */
    if (c && c->columns_skipped) {
        if (cache_check_columns(t, o ? o->threads : 0, why, sizeof why)) {
            cache_decision d = cache_decide(CACHE_KIND_TABLE, CACHE_REASON_COLUMNS_DAMAGED);
            cache_apply(&d, c->table_cache);
            if (d.fail) {
                snprintf(err, errlen, "the cache %s %s; it is removed, run again to rebuild it.", c->table_cache, why);
                return NULL;
            }
        }
        c->columns_skipped = 0;
    }
    engine *e = engine_build(t, o, err, errlen);
    if (e && keyed && engine_save(e, c->facts, id, why, sizeof why) && c->notes)
        fprintf(c->notes, "nettui: facts cache not written (%s); going on without it.\n", why);
    return e;
}
