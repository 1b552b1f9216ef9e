/* detect_port_abuse.c, question 3: per port, each internal host's outbound
 * byte total on it; the z of the port's most extreme host is
 * (max - mean) / sd with the sample sd (ddof 1, as the notebook's pandas)
 * over the hosts that sent on the port (blacklisted ones left out). The
 * answer is the port whose most extreme host has the largest z; that host
 * joins the blacklist.
 *
 * Rule for ports that cannot be rated: fewer than 3 hosts, or zero spread.
 * With 2 hosts the z of the larger is always 0.71 whatever the bytes, and a
 * lone host has no spread at all, so such ports say nothing about abuse
 * (the notebook's pandas gives them NaN and, by accident of sorting, could
 * pick one); a port where every host sent the same has no outlier. Ties on z:
 * the lower port. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "engine_priv.h"
#include "nettui/numfmt.h"

#define ABUSE_MIN_HOSTS 3

static void run(engine *e, const finding *done, finding *f)
{
    finding_begin(f, ANSWER_PORT, "z", "max z of a host");
    for (uint32_t k = 0; k < e->nports; k++) { e->port_z[k] = NAN; e->port_z_host[k] = HOST_NONE; }
    /* the (host, port) entries by port, hosts ascending (a counting sort):
     * the sums below run in the same order whatever the storage */
    uint32_t np = e->nports;
    uint64_t *off = calloc((size_t)np + 2, sizeof *off);
    uint64_t *ent = malloc((e->nhp + 1) * sizeof *ent);
    uint32_t *host = malloc((e->nhp + 1) * sizeof *host);
    if (!off || !ent || !host) {
        free(off); free(ent); free(host);
        finding_why(f, "Out of memory.");
        return;
    }
    for (uint64_t k = 0; k < e->nhp; k++) if (e->hp[k].out_flows) off[e->hp_pid[k] + 1]++;
    for (uint32_t pid = 0; pid < np; pid++) off[pid + 1] += off[pid];
    for (uint32_t a = 0; a < e->nint; a++)
        for (uint64_t k = hp_begin(e, a); k < hp_end(e, a); k++)
            if (e->hp[k].out_flows) { uint64_t d = off[e->hp_pid[k]]++; ent[d] = k; host[d] = a; }
    for (uint32_t pid = np; pid > 0; pid--) off[pid] = off[pid - 1];
    off[0] = 0;
    double best_n = 0, best_mean = 0, best_sd = 0, best_max = 0;
    int rated = 0;
    for (uint32_t pid = 0; pid < np; pid++) {
        double n = 0, mean = 0, m2 = 0, mx = -1;
        host_id who = HOST_NONE;
        for (uint64_t i = off[pid]; i < off[pid + 1]; i++) {
            uint32_t a = host[i];
            if (e->excluded[e->int_host[a]]) continue;
            double x = (double)e->hp[ent[i]].out_bytes;
            n += 1;
            double d = x - mean;   /* Welford */
            mean += d / n;
            m2 += d * (x - mean);
            if (x > mx) { mx = x; who = e->int_host[a]; }
        }
        if (n < ABUSE_MIN_HOSTS) continue;
        double sd = sqrt(m2 / (n - 1));
        if (!(sd > 0) || !(sd > 1e-9 * mean)) continue;
        double z = (mx - mean) / sd;
        e->port_z[pid] = z;
        e->port_z_host[pid] = who;
        rated++;
        top_offer(f, e->port_list[pid], z, 1);
        if (f->top[0].value == e->port_list[pid]) { best_n = n; best_mean = mean; best_sd = sd; best_max = mx; }
    }
    free(off); free(ent); free(host);
    if (f->ntop == 0) {
        finding_why(f, "No port has %d or more outbound hosts with any spread in bytes, so none can be rated.", ABUSE_MIN_HOSTS);
        return;
    }
    finding_take_top(f);
    f->score = f->top[0].metric;
    f->subject = e->port_z_host[e->port_id[f->value]];
    double next = f->ntop > 1 ? f->top[1].metric : 0;
    finding_evidence(f, "z", f->score);
    finding_evidence(f, "host bytes", best_max);
    finding_evidence(f, "port mean bytes", best_mean);
    finding_evidence(f, "port sd bytes", best_sd);
    finding_evidence(f, "hosts on port", best_n);
    finding_evidence(f, "x port mean", ratio_over(best_max, best_mean));
    finding_evidence(f, "runner-up z", next);
    finding_evidence(f, "ports rated", rated);
    char h1[64], b1[32], b2[32];
    finding_why(f, "On port %u, %s sent %s out, z = %.1f over the port's %.0f hosts (mean %s, %.1fx it); the next port's most extreme host has z = %.1f.",
             f->value, host_text(e, f->subject, h1), numfmt_bytes(best_max, b1, sizeof b1), f->score, best_n,
             numfmt_bytes(best_mean, b2, sizeof b2), ratio_over(best_max, best_mean), next);
    finding_add(f, f->subject);
}

const detector detector_port_abuse = {
    {"port-abuse", "Port abuse: one host's outbound bytes on a port", ANSWER_PORT}, NULL, run,
};
