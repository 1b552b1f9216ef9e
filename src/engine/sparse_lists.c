/* sparse_lists.c: the internal triples and the (host, port) lists in their
 * final form, from what the fused pass (pass.c) left in the partial: sorted
 * runs of distinct keys, or the dense tables when they fitted. CSR by
 * source and by destination for the triples, by host for the (host, port)
 * entries: what the detectors and facts.c read through the accessors in
 * engine_priv.h. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

/* ---- the sparse lists -------------------------------------------------------- */

/* The dense outbound table as a sorted run of (host * sp_out.n + index). */
static int dense_hp_run(const engine *e, partial *f)
{
    size_t nop = e->sp_out.n, cells = (size_t)e->nint * nop, n = 0;
    for (size_t c = 0; c < cells; c++) n += f->hp[c].out_flows != 0;
    f->hpo = malloc((n + 1) * sizeof *f->hpo);
    if (!f->hpo) return -1;
    for (size_t c = 0; c < cells; c++)
        if (f->hp[c].out_flows) f->hpo[f->nhpo++] = (sp_rec){ c, hp_out_bytes(f, c), f->hp[c].out_flows, 0 };
    zfree(f->hp); zfree(f->hp_hi);
    f->hp = NULL; f->hp_hi = NULL;
    return 0;
}

/* The dense inbound table as a sorted run of (host * sp_in.n + index). */
static int dense_hp_in_run(const engine *e, partial *f)
{
    size_t cells = (size_t)e->nint * e->sp_in.n, n = 0;
    for (size_t c = 0; c < cells; c++) n += f->hp_in[c] != 0;
    f->hpi = malloc((n + 1) * sizeof *f->hpi);
    if (!f->hpi) return -1;
    for (size_t c = 0; c < cells; c++)
        if (f->hp_in[c]) f->hpi[f->nhpi++] = (sp_rec){ c, 0, f->hp_in[c], 0 };
    zfree(f->hp_in);
    f->hp_in = NULL;
    return 0;
}

/* The (host, port) list: the outbound and inbound runs, both sorted by
 * (host, port id) once decoded, merged into one entry per pair. */
static int hp_lists(engine *e)
{
    partial *f = &e->f;
    if ((f->hp && dense_hp_run(e, f)) || (f->hp_in && dense_hp_in_run(e, f))) return -1;
    const uint64_t nop = e->sp_out.n ? e->sp_out.n : 1, nin = e->sp_in.n ? e->sp_in.n : 1;
    e->hp_off = calloc((size_t)e->nint + 2, sizeof *e->hp_off);
    e->hp_pid = malloc((f->nhpo + f->nhpi + 1) * sizeof *e->hp_pid);
    e->hp = malloc((f->nhpo + f->nhpi + 1) * sizeof *e->hp);
    if (!e->hp_off || !e->hp_pid || !e->hp) return -1;
    size_t i = 0, j = 0, n = 0;
    while (i < f->nhpo || j < f->nhpi) {
        uint64_t ao = UINT64_MAX, ai = UINT64_MAX, po = 0, pi = 0;
        if (i < f->nhpo) { ao = f->hpo[i].key / nop; po = e->sp_out.pid[f->hpo[i].key % nop]; }
        if (j < f->nhpi) { ai = f->hpi[j].key / nin; pi = e->sp_in.pid[f->hpi[j].key % nin]; }
        int take_o = ao < ai || (ao == ai && po <= pi), take_i = ai < ao || (ao == ai && pi <= po);
        hp_rec r = { 0, 0, 0 };
        if (take_o) { r.out_bytes = f->hpo[i].v; r.out_flows = f->hpo[i].n; i++; }
        if (take_i) { r.in_flows = f->hpi[j].n; j++; }
        e->hp_pid[n] = (uint16_t)(take_o ? po : pi);
        e->hp[n++] = r;
        e->hp_off[(take_o ? ao : ai) + 1]++;
    }
    for (uint32_t a = 0; a < e->nint; a++) e->hp_off[a + 1] += e->hp_off[a];
    e->nhp = n;
    /* the same pair both ways made one entry of two places: give back the rest */
    uint16_t *pid = realloc(e->hp_pid, (n + 1) * sizeof *pid);
    hp_rec *rec = realloc(e->hp, (n + 1) * sizeof *rec);
    if (pid) e->hp_pid = pid;
    if (rec) e->hp = rec;
    free(f->hpo); free(f->hpi);
    f->hpo = f->hpi = NULL; f->nhpo = f->nhpi = 0;
    return 0;
}

/* The triples by source from the pass's run (sorted by source, destination,
 * port: the key's order), then by destination with one stable counting
 * sort, so each destination's entries come by (source, port). The run is
 * freed before the destination index is made: the two never coexist. */
static int tri_lists(engine *e)
{
    partial *f = &e->f;
    const uint64_t ni = e->nint, nsp = e->sp_int.n ? e->sp_int.n : 1, n = f->ntri;
    if (n >= UINT32_MAX) return -1;
    e->ntri = n;
    e->tri_off = calloc(ni + 2, sizeof *e->tri_off);
    e->tri_in_off = calloc(ni + 2, sizeof *e->tri_in_off);
    e->tri = malloc((n + 1) * sizeof *e->tri);
    e->tri_port = malloc((n + 1) * sizeof *e->tri_port);
    if (!e->tri_off || !e->tri_in_off || !e->tri || !e->tri_port) return -1;
    for (uint64_t k = 0; k < n; k++) {
        const sp_rec *r = &f->tri[k];
        uint64_t pair = r->key / nsp;
        e->tri[k] = (tri_rec){ (int64_t)r->v, (uint32_t)(pair % ni), r->n };
        e->tri_port[k] = (uint16_t)(r->key % nsp);
        e->tri_off[pair / ni + 1]++;
        e->tri_in_off[e->tri[k].dst + 1]++;
    }
    free(f->tri);
    f->tri = NULL; f->ntri = 0;
    for (uint64_t a = 0; a < ni; a++) { e->tri_off[a + 1] += e->tri_off[a]; e->tri_in_off[a + 1] += e->tri_in_off[a]; }
    e->tri_in_src = malloc((n + 1) * sizeof *e->tri_in_src);
    e->tri_in_port = malloc((n + 1) * sizeof *e->tri_in_port);
    uint64_t *pos = malloc((ni + 1) * sizeof *pos);
    if (!e->tri_in_src || !e->tri_in_port || !pos) { free(pos); return -1; }
    memcpy(pos, e->tri_in_off, (ni + 1) * sizeof *pos);
    for (uint32_t a = 0; a < ni; a++)
        for (uint64_t k = e->tri_off[a]; k < e->tri_off[a + 1]; k++) {
            uint64_t d = pos[e->tri[k].dst]++;
            e->tri_in_src[d] = a;
            e->tri_in_port[d] = e->tri_port[k];
        }
    free(pos);
    return 0;
}

typedef struct lists_job {
    engine *e;
    int which;   /* 0: triples, 1: (host, port) */
    int rc;
} lists_job;

static void *lists_thread(void *arg)
{
    lists_job *j = arg;
    j->rc = j->which ? hp_lists(j->e) : tri_lists(j->e);
    return NULL;
}

/* The two kinds of lists touch disjoint fields: one thread each. */
int engine_sparse_lists(engine *e, int nth)
{
    lists_job jobs[2] = { { e, 0, 0 }, { e, 1, 0 } };
    run_threads(nth >= 2 ? 2 : 1, lists_thread, jobs, sizeof jobs[0]);
    if (nth < 2) lists_thread(&jobs[1]);
    return jobs[0].rc || jobs[1].rc ? -1 : 0;
}

size_t engine_sparse_bytes(const engine *e)
{
    size_t per_tri = sizeof(tri_rec) + sizeof *e->tri_port + sizeof *e->tri_in_src + sizeof *e->tri_in_port;
    return (size_t)e->ntri * per_tri + ((size_t)e->nint + 1) * 3 * 8
           + (size_t)e->nhp * (sizeof(hp_rec) + sizeof *e->hp_pid);
}
