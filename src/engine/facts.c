/* facts.c: the read API of facts.h over the engine's aggregates. Every
 * function here is O(hosts) or less; none reads the flow table. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

const facts_work_hours *facts_work_hours_get(const engine *e) { return &e->wh; }

int facts_is_work_hour(const engine *e, int h)
{
    return h >= 0 && h < 24 && e->work[h];
}

void facts_hour_profile(const engine *e, uint64_t flows[24], uint64_t bytes[24])
{
    for (int h = 0; h < 24; h++) {
        if (flows) flows[h] = e->f.hour_flows[h];
        if (bytes) bytes[h] = e->f.hour_bytes[h];
    }
}

int facts_host_hour_profile(const engine *e, host_id h, uint64_t flows[24], uint64_t bytes[24])
{
    if (h >= e->nhosts || e->int_index[h] == NO_INDEX) return -1;
    size_t a = e->int_index[h];
    for (int k = 0; k < 24; k++) {
        if (flows) flows[k] = e->f.ih[a * 24 + k].flows;
        if (bytes) bytes[k] = e->f.ih[a * 24 + k].bytes;
    }
    return 0;
}

void facts_timeline_get_shape(const engine *e, facts_timeline_shape *s)
{
    s->t0_ms = e->t0_ms;
    s->bucket_ms = e->bucket_ms;
    s->nbuckets = e->nbuckets;
}

const uint32_t *facts_timeline_all(const engine *e) { return e->f.tl_all; }

int facts_host_timeline(const engine *e, host_id h, const uint32_t **sent, const uint32_t **recv)
{
    if (h >= e->nhosts || e->int_index[h] == NO_INDEX || !e->tl_sent) return -1;
    size_t a = e->int_index[h];
    if (sent) *sent = e->tl_sent + a * e->nbuckets;
    if (recv) *recv = e->tl_recv + a * e->nbuckets;
    return 0;
}

/* HyperLogLog estimate with the small-range (linear counting) correction. */
static uint32_t hll_estimate(const uint8_t *reg)
{
    double sum = 0;
    int zeros = 0;
    for (int k = 0; k < HLL_M; k++) { sum += ldexp(1.0, -reg[k]); if (!reg[k]) zeros++; }
    double alpha = 0.7213 / (1.0 + 1.079 / HLL_M);
    double est = alpha * HLL_M * HLL_M / sum;
    if (est <= 2.5 * HLL_M && zeros) est = HLL_M * log((double)HLL_M / zeros);
    /* registers read back from a facts cache may hold any rank */
    return est + 0.5 >= (double)UINT32_MAX ? UINT32_MAX : (uint32_t)(est + 0.5);
}

int facts_host(const engine *e, host_id h, host_facts *out)
{
    if (h >= e->nhosts) return -1;
    memset(out, 0, sizeof *out);
    const host_stat *s = &e->f.hs[h];
    uint32_t a = e->int_index[h];
    out->internal = a != NO_INDEX;
    for (int c = 0; c < 2; c++) {
        out->sent_flows[c] = s->sent_flows[c]; out->sent_bytes[c] = s->sent_bytes[c];
        out->recv_flows[c] = s->recv_flows[c]; out->recv_bytes[c] = s->recv_bytes[c];
    }
    out->first_ms = s->first_ms == INT64_MAX ? 0 : s->first_ms;
    out->last_ms = s->last_ms == INT64_MIN ? 0 : s->last_ms;
    if (a != NO_INDEX) {
        out->sent_peers[PEER_INTERNAL] = e->int_out_peers[a];
        out->recv_peers[PEER_INTERNAL] = e->int_in_peers[a];
        out->sent_peers_kind[PEER_INTERNAL] = out->recv_peers_kind[PEER_INTERNAL] = PEERS_EXACT;
        out->sent_peers[PEER_EXTERNAL] = s->sent_flows[PEER_EXTERNAL] ? hll_estimate(e->f.hll + (size_t)a * 2 * HLL_M) : 0;
        out->recv_peers[PEER_EXTERNAL] = s->recv_flows[PEER_EXTERNAL] ? hll_estimate(e->f.hll + ((size_t)a * 2 + 1) * HLL_M) : 0;
        out->sent_peers_kind[PEER_EXTERNAL] = out->recv_peers_kind[PEER_EXTERNAL] = PEERS_ESTIMATE;
        /* an estimate never exceeds the flows behind it */
        if (out->sent_peers[PEER_EXTERNAL] > s->sent_flows[PEER_EXTERNAL]) out->sent_peers[PEER_EXTERNAL] = s->sent_flows[PEER_EXTERNAL];
        if (out->recv_peers[PEER_EXTERNAL] > s->recv_flows[PEER_EXTERNAL]) out->recv_peers[PEER_EXTERNAL] = s->recv_flows[PEER_EXTERNAL];
        if (out->sent_flows[PEER_EXTERNAL] && !out->sent_peers[PEER_EXTERNAL]) out->sent_peers[PEER_EXTERNAL] = 1;
        if (out->recv_flows[PEER_EXTERNAL] && !out->recv_peers[PEER_EXTERNAL]) out->recv_peers[PEER_EXTERNAL] = 1;
    } else {
        uint32_t d = e->f.ext_dst1[h];
        out->sent_peers[PEER_INTERNAL] = d == NO_INDEX ? 0 : d == DST_MULTI ? 2 : 1;
        out->sent_peers_kind[PEER_INTERNAL] = d == DST_MULTI ? PEERS_AT_LEAST : PEERS_EXACT;
        out->recv_peers[PEER_INTERNAL] = s->recv_flows[PEER_INTERNAL] ? 1 : 0;
        out->recv_peers_kind[PEER_INTERNAL] = PEERS_AT_LEAST;
        out->sent_peers[PEER_EXTERNAL] = s->sent_flows[PEER_EXTERNAL] ? 1 : 0;
        out->recv_peers[PEER_EXTERNAL] = s->recv_flows[PEER_EXTERNAL] ? 1 : 0;
        out->sent_peers_kind[PEER_EXTERNAL] = out->recv_peers_kind[PEER_EXTERNAL] = PEERS_AT_LEAST;
    }
    return 0;
}

uint32_t facts_internal_count(const engine *e) { return e->nint; }

host_id facts_internal_at(const engine *e, uint32_t i) { return i < e->nint ? e->int_host[i] : HOST_NONE; }

/* Bounded insertion into out[0..*n), largest first, ties to the lower id. */
static void top_insert(candidate *out, size_t *n, size_t cap, uint32_t v, double m)
{
    if (cap == 0) return;
    if (*n == cap && !(m > out[cap - 1].metric || (m == out[cap - 1].metric && v < out[cap - 1].value))) return;
    size_t i = *n < cap ? *n : cap - 1;
    while (i > 0 && (m > out[i - 1].metric || (m == out[i - 1].metric && v < out[i - 1].value))) { out[i] = out[i - 1]; i--; }
    out[i].value = v;
    out[i].metric = m;
    if (*n < cap) (*n)++;
}

size_t facts_top_hosts(const engine *e, facts_direction d, facts_metric m, candidate *out, size_t n)
{
    size_t got = 0;
    if (d == DIR_EXTERNAL_SENDERS) {
        for (uint32_t h = 0; h < e->nhosts; h++) {
            if (e->int_index[h] != NO_INDEX) continue;
            const host_stat *s = &e->f.hs[h];
            double v = m == METRIC_BYTES ? (double)s->sent_bytes[PEER_INTERNAL]
                     : m == METRIC_FLOWS ? (double)s->sent_flows[PEER_INTERNAL]
                     : (double)(e->f.ext_dst1[h] == NO_INDEX ? 0 : e->f.ext_dst1[h] == DST_MULTI ? 2 : 1);
            if (v > 0) top_insert(out, &got, n, h, v);
        }
        return got;
    }
    if (d == DIR_EXTERNAL_RECEIVERS) {
        /* the pass already adds every flow into its receiver's recv totals:
         * an outside host's [PEER_INTERNAL] totals are what internal hosts
         * sent it, exact; distinct senders are not kept (see facts.h) */
        if (m == METRIC_PEERS) return 0;
        for (uint32_t h = 0; h < e->nhosts; h++) {
            if (e->int_index[h] != NO_INDEX) continue;
            const host_stat *s = &e->f.hs[h];
            double v = m == METRIC_BYTES ? (double)s->recv_bytes[PEER_INTERNAL] : (double)s->recv_flows[PEER_INTERNAL];
            if (v > 0) top_insert(out, &got, n, h, v);
        }
        return got;
    }
    for (uint32_t a = 0; a < e->nint; a++) {
        host_id h = e->int_host[a];
        const host_stat *s = &e->f.hs[h];
        double v = 0;
        if (d == DIR_OUTBOUND)
            v = m == METRIC_BYTES ? (double)s->sent_bytes[PEER_EXTERNAL] : m == METRIC_FLOWS ? (double)s->sent_flows[PEER_EXTERNAL]
              : (s->sent_flows[PEER_EXTERNAL] ? hll_estimate(e->f.hll + (size_t)a * 2 * HLL_M) : 0);
        else if (d == DIR_INBOUND)
            v = m == METRIC_BYTES ? (double)s->recv_bytes[PEER_EXTERNAL] : m == METRIC_FLOWS ? (double)s->recv_flows[PEER_EXTERNAL]
              : (s->recv_flows[PEER_EXTERNAL] ? hll_estimate(e->f.hll + ((size_t)a * 2 + 1) * HLL_M) : 0);
        else
            v = m == METRIC_BYTES ? (double)s->sent_bytes[PEER_INTERNAL] : m == METRIC_FLOWS ? (double)s->sent_flows[PEER_INTERNAL]
              : (double)e->int_out_peers[a];
        if (v > 0) top_insert(out, &got, n, h, v);
    }
    return got;
}

static int cmp_peer(const void *a, const void *b)
{
    const host_peer *x = a, *y = b;
    if (x->flows != y->flows) return x->flows > y->flows ? -1 : 1;
    return (x->peer > y->peer) - (x->peer < y->peer);
}

size_t facts_host_peers(const engine *e, host_id h, int outgoing, host_peer *out, size_t cap)
{
    if (h >= e->nhosts || cap == 0) return 0;
    uint32_t a = e->int_index[h];
    if (a == NO_INDEX) {
        uint32_t d = e->f.ext_dst1[h];
        if (!outgoing || d == NO_INDEX || d == DST_MULTI) return 0;
        out[0].peer = d;
        out[0].flows = e->f.hs[h].sent_flows[PEER_INTERNAL];
        out[0].approximate = 0;
        return 1;
    }
    /* collect everything, sort, then copy the best cap */
    size_t max = e->nint + SS_K, n = 0;
    host_peer *all = malloc(max * sizeof *all);
    if (!all) return 0;
    /* internal peers by internal index, one entry each: outbound from a's
     * triples (by destination), inbound from its sources (by source) */
    uint64_t k0 = outgoing ? tri_src_begin(e, a) : tri_dst_begin(e, a), k1 = outgoing ? tri_src_end(e, a) : tri_dst_end(e, a);
    for (uint64_t k = k0; k < k1; k++) {
        uint32_t b = outgoing ? e->tri[k].dst : e->tri_in_src[k];
        if (k > k0 && b == (outgoing ? e->tri[k - 1].dst : e->tri_in_src[k - 1])) continue;
        all[n].peer = e->int_host[b];
        all[n].flows = outgoing ? pair_flows(e, a, b, NULL) : pair_flows(e, b, a, NULL);
        all[n].approximate = 0;
        n++;
    }
    const ss_slot *ss = e->f.ss + ((size_t)a * 2 + (outgoing ? 0 : 1)) * SS_K;
    for (int k = 0; k < SS_K; k++) {
        if (ss[k].host == HOST_NONE) continue;
        all[n].peer = ss[k].host; all[n].flows = (uint64_t)ss[k].count * SS_SAMPLE; all[n].approximate = 1; n++;
    }
    qsort(all, n, sizeof *all, cmp_peer);
    if (n > cap) n = cap;
    memcpy(out, all, n * sizeof *out);
    free(all);
    return n;
}

size_t facts_host_ports(const engine *e, host_id h, host_port *out, size_t cap)
{
    if (h >= e->nhosts || e->int_index[h] == NO_INDEX) return 0;
    uint32_t a = e->int_index[h], np = e->nports;
    /* internal peers per sp_int port: a's triples are distinct (dst, port) */
    uint32_t *peers = calloc((size_t)e->sp_int.n + 1, sizeof *peers);
    if (!peers) return 0;
    for (uint64_t k = tri_src_begin(e, a); k < tri_src_end(e, a); k++) peers[e->tri_port[k]]++;
    size_t n = 0;
    uint64_t k = hp_begin(e, a), kend = hp_end(e, a);   /* ports ascending, as pid */
    for (uint32_t pid = 0; pid < np && n < cap; pid++) {
        host_port r;
        memset(&r, 0, sizeof r);
        r.port = e->port_list[pid];
        int32_t tp = e->sp_int.of[pid];
        while (k < kend && e->hp_pid[k] < pid) k++;
        if (k < kend && e->hp_pid[k] == pid) {
            r.out_bytes = e->hp[k].out_bytes;
            r.out_flows = e->hp[k].out_flows;
            r.in_flows = e->hp[k].in_flows;
        }
        if (tp >= 0) r.int_peers = peers[tp];
        if (r.out_flows || r.in_flows || r.int_peers) out[n++] = r;
    }
    free(peers);
    return n;
}

size_t facts_port_count(const engine *e) { return e->nports; }

uint16_t facts_port_at(const engine *e, size_t i) { return i < e->nports ? e->port_list[i] : 0; }

int facts_port(const engine *e, uint16_t port, port_facts *out)
{
    int32_t pid = e->port_id[port];
    if (pid < 0) return -1;
    memset(out, 0, sizeof *out);
    out->port = port;
    out->flows = e->f.ps[pid].flows;
    out->bytes = e->f.ps[pid].bytes;
    out->out_flows = e->f.ps[pid].out_flows;
    out->out_bytes = e->f.ps[pid].out_bytes;
    out->in_flows = e->f.ps[pid].in_flows;
    out->internal_flows = e->f.ps[pid].int_flows;
    out->ext_sources_in = e->port_ext_sources[pid];
    out->int_senders_out = e->port_int_senders[pid];
    out->graph_nodes = (uint32_t)(e->node_off[pid + 1] - e->node_off[pid]);
    out->graph_edges = (uint32_t)(e->edge_off[pid + 1] - e->edge_off[pid]);
    out->clique_bound = e->clique_bound[pid];
    out->abuse_z = e->port_z[pid];
    out->abuse_host = e->port_z_host[pid];
    return 0;
}

size_t facts_port_host_bytes(const engine *e, uint16_t port, host_id *hosts, uint64_t *bytes, size_t cap)
{
    int32_t pid = e->port_id[port];
    if (pid < 0 || e->sp_out.of[pid] < 0) return 0;
    size_t total = 0, n = 0;
    for (uint32_t a = 0; a < e->nint; a++) {
        uint64_t k = hp_lookup(e, a, (uint32_t)pid);
        uint64_t v = k == UINT64_MAX ? 0 : e->hp[k].out_bytes;
        if (!v) continue;
        total++;
        if (cap == 0) continue;
        if (n == cap && v <= bytes[n - 1]) continue;
        size_t i = n < cap ? n : cap - 1;
        while (i > 0 && v > bytes[i - 1]) { bytes[i] = bytes[i - 1]; hosts[i] = hosts[i - 1]; i--; }
        bytes[i] = v;
        hosts[i] = e->int_host[a];
        if (n < cap) n++;
    }
    return total;
}

size_t facts_port_abuse_ranked(const engine *e, candidate *out, size_t cap)
{
    size_t n = 0;
    for (uint32_t pid = 0; pid < e->nports; pid++)
        if (!isnan(e->port_z[pid])) top_insert(out, &n, cap, e->port_list[pid], e->port_z[pid]);
    return n;
}

size_t facts_port_edges(const engine *e, uint16_t port, const host_id **ab)
{
    int32_t pid = e->port_id[port];
    if (pid < 0 || !e->edges) { if (ab) *ab = NULL; return 0; }
    if (ab) *ab = e->edges + 2 * e->edge_off[pid];
    return e->edge_off[pid + 1] - e->edge_off[pid];
}

size_t facts_port_nodes(const engine *e, uint16_t port, const host_id **nodes)
{
    int32_t pid = e->port_id[port];
    if (pid < 0 || !e->nodes) { if (nodes) *nodes = NULL; return 0; }
    if (nodes) *nodes = e->nodes + e->node_off[pid];
    return e->node_off[pid + 1] - e->node_off[pid];
}

size_t facts_beacon_series(const engine *e, const beacon_series **out)
{
    *out = e->found_copy;
    return e->nfound_series;
}

size_t facts_beacon_calls(const engine *e, size_t i, const int64_t **ts)
{
    if (i >= e->nfound_series) { *ts = NULL; return 0; }
    const series_rec *r = &e->series[e->found_series[i]];
    *ts = e->beacon_ts + r->ts_off;
    return r->s.calls;
}

size_t facts_beacon_interarrival(const engine *e, uint32_t *bins, size_t cap, double *bin_s)
{
    if (cap == 0) return 0;
    double mx = 0;
    for (size_t i = 0; i < e->nfound_series; i++) {
        const series_rec *r = &e->series[e->found_series[i]];
        const int64_t *t = e->beacon_ts + r->ts_off;
        for (uint32_t k = 1; k < r->s.calls; k++) if ((double)(t[k] - t[k - 1]) > mx) mx = (double)(t[k] - t[k - 1]);
    }
    double w = ceil(mx / 1000.0 / (double)cap);
    if (w < 1) w = 1;
    *bin_s = w;
    memset(bins, 0, cap * sizeof *bins);
    for (size_t i = 0; i < e->nfound_series; i++) {
        const series_rec *r = &e->series[e->found_series[i]];
        const int64_t *t = e->beacon_ts + r->ts_off;
        for (uint32_t k = 1; k < r->s.calls; k++) {
            if (t[k] < t[k - 1]) continue;   /* never from the build; the cache's check refuses it */
            size_t b = (size_t)((double)(t[k] - t[k - 1]) / 1000.0 / w);
            if (b >= cap) b = cap - 1;
            bins[b]++;
        }
    }
    return cap;
}

size_t facts_memory(const engine *e) { return e->bytes_facts; }

const cidr_list *facts_internal_net(const engine *e, int *inferred, double *share)
{
    if (inferred) *inferred = e->net_inferred;
    if (share) {
        uint64_t all = 0, outside = 0;
        for (uint32_t k = 0; k < e->nports; k++) {
            const port_stat *p = &e->f.ps[k];
            all += p->flows;
            outside += p->flows - p->out_flows - p->in_flows - p->int_flows;
        }
        *share = all ? 1.0 - (double)outside / (double)all : 1.0;
    }
    return &e->net;
}

const char *cidr_list_text(const cidr_list *l, char *buf, size_t len)
{
    size_t off = 0;
    buf[0] = 0;
    if (l->n == 0) { snprintf(buf, len, "none"); return buf; }
    for (int k = 0; k < l->n; k++) {
        char block[19], item[24];
        int n = snprintf(item, sizeof item, "%s%s", k ? "," : "", cidr_format(&l->v[k], block));
        if (off + (size_t)n + 4 >= len) { snprintf(buf + off, len - off, ",..."); break; }
        memcpy(buf + off, item, (size_t)n + 1);
        off += (size_t)n;
    }
    return buf;
}
