/* loadset.c: several flow files, or a directory of them, as one data set
 * (as nfdump -R reads a directory): each file is loaded by load_file (its
 * own format, compressed or not), then the tables are appended in order
 * (files in the order given, a directory's regular files by name, dot files
 * left out), the host ids remapped into one dictionary. A set is not cached. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nettui/load.h"

int load_is_set(const char *const *paths, int npaths)
{
    struct stat st;
    return npaths > 1 || (npaths == 1 && stat(paths[0], &st) == 0 && S_ISDIR(st.st_mode));
}

typedef struct file_list {
    char **v;
    uint64_t *size;
    int n, cap;
} file_list;

static int list_add(file_list *l, const char *path, uint64_t size)
{
    if (l->n == l->cap) {
        int cap = l->cap ? l->cap * 2 : 16;
        char **v = realloc(l->v, (size_t)cap * sizeof *v);
        if (!v) return -1;
        l->v = v;
        uint64_t *s = realloc(l->size, (size_t)cap * sizeof *s);
        if (!s) return -1;
        l->size = s;
        l->cap = cap;
    }
    if (!(l->v[l->n] = strdup(path))) return -1;
    l->size[l->n++] = size;
    return 0;
}

static void list_free(file_list *l)
{
    for (int i = 0; i < l->n; i++) free(l->v[i]);
    free(l->v);
    free(l->size);
    memset(l, 0, sizeof *l);
}

/* The files of the set: 0, or an EXIT_* status with rep->error. */
static int expand(const char *const *paths, int npaths, file_list *l, load_report *rep)
{
    for (int i = 0; i < npaths; i++) {
        struct stat st;
        if (stat(paths[i], &st)) {
            snprintf(rep->error, sizeof rep->error, "cannot open %s: %s; check the path.", paths[i], strerror(errno));
            return EXIT_NO_INPUT;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (list_add(l, paths[i], (uint64_t)st.st_size)) goto nomem;
            continue;
        }
        struct dirent **names = NULL;
        int n = scandir(paths[i], &names, NULL, alphasort);
        if (n < 0) {
            snprintf(rep->error, sizeof rep->error, "cannot read the folder %s: %s.", paths[i], strerror(errno));
            return EXIT_NO_INPUT;
        }
        int before = l->n, bad = 0;
        for (int k = 0; k < n; k++) {
            char full[4096];
            struct stat fs;
            if (!bad && names[k]->d_name[0] != '.' &&
                snprintf(full, sizeof full, "%s/%s", paths[i], names[k]->d_name) < (int)sizeof full &&
                stat(full, &fs) == 0 && S_ISREG(fs.st_mode) && list_add(l, full, (uint64_t)fs.st_size))
                bad = 1;
            free(names[k]);
        }
        free(names);
        if (bad) goto nomem;
        if (l->n == before) {
            snprintf(rep->error, sizeof rep->error, "the folder %s holds no flow file.", paths[i]);
            return EXIT_NO_INPUT;
        }
    }
    return 0;
nomem:
    snprintf(rep->error, sizeof rep->error, "cannot load the files: %s.", strerror(ENOMEM));
    return EXIT_FAILURE_RUN;
}

/* Progress over the whole set: the files done, then the one under way. */
typedef struct set_progress {
    const load_options *o;
    uint64_t done, total, rows;
} set_progress;

static int set_progress_cb(void *user, uint64_t bytes, uint64_t total, uint64_t rows)
{
    set_progress *p = user;
    (void)total;
    return p->o->progress(p->o->user, p->done + bytes, p->total, p->rows + rows);
}

/* Appends part to out (columns of capacity out->col_cap, n rows so far). */
static int append(flow_table *out, const flow_table *part, const cidr_list *internal)
{
    uint32_t *map = malloc(((size_t)part->hosts.n + 1) * sizeof *map);
    if (!map) return -1;
    for (uint32_t h = 0; h < part->hosts.n; h++) {
        char b[16];
        host_id id = part->hosts.name_off[h] == UINT32_MAX
                         ? hosts_add_ipv4(&out->hosts, part->hosts.ip[h], internal)
                         : hosts_add_name(&out->hosts, hosts_name(&part->hosts, h, b),
                                          strlen(hosts_name(&part->hosts, h, b)));
        if (id == HOST_NONE) { free(map); return -1; }
        map[h] = id;
    }
    size_t base = out->n;
    for (size_t i = 0; i < part->n; i++) {
        out->ts[base + i] = part->ts[i];
        out->src[base + i] = map[part->src[i]];
        out->dst[base + i] = map[part->dst[i]];
        out->port[base + i] = part->port[i];
        out->bytes[base + i] = part->bytes[i];
    }
    free(map);
    if (part->nbig) {
        flow_big_bytes *b = realloc(out->big, (out->nbig + part->nbig) * sizeof *b);
        if (!b) return -1;
        out->big = b;
        for (size_t i = 0; i < part->nbig; i++) {
            out->big[out->nbig].row = part->big[i].row + base;
            out->big[out->nbig].bytes = part->big[i].bytes;
            out->nbig++;
        }
    }
    if (part->n) {
        if (out->n == 0 || part->ts_min < out->ts_min) out->ts_min = part->ts_min;
        if (out->n == 0 || part->ts_max > out->ts_max) out->ts_max = part->ts_max;
        uint64_t sum = out->total_bytes + part->total_bytes;
        out->total_bytes = sum < out->total_bytes ? UINT64_MAX : sum;
    }
    out->n += part->n;
    return 0;
}

int load_set(const char *const *paths, int npaths, const load_options *o, flow_table *out, load_report *rep)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    memset(rep, 0, sizeof *rep);
    memset(out, 0, sizeof *out);
    hosts_init(&out->hosts);
    out->internal = o->internal;
    file_list l = {0};
    int status = expand(paths, npaths, &l, rep);
    flow_table *parts = NULL;
    if (status) goto done;
    parts = calloc((size_t)l.n, sizeof *parts);
    if (!parts) { status = EXIT_FAILURE_RUN; snprintf(rep->error, sizeof rep->error, "out of memory."); goto done; }
    set_progress sp = {o, 0, 0, 0};
    for (int i = 0; i < l.n; i++) sp.total += l.size[i];
    load_options fo = *o;
    if (o->progress) { fo.progress = set_progress_cb; fo.user = &sp; }
    size_t rows = 0;
    char last_error[512] = "";
    int loaded = 0;
    for (int i = 0; i < l.n; i++) {
        load_report r;
        int rc = load_file(l.v[i], &fo, &parts[i], &r);
        sp.done += l.size[i];
        if (rc == EXIT_NO_INPUT) {     /* a file with no flow (empty, all bad) costs the set nothing */
            snprintf(last_error, sizeof last_error, "%s", r.error);
        } else if (rc != EXIT_OK) {
            snprintf(rep->error, sizeof rep->error, "%s", r.error);
            status = rc;
            goto done;
        } else {
            loaded++;
            if (loaded == 1) {
                rep->format = r.format;
                rep->had_header = r.had_header;
                rep->timestamps_in_seconds = r.timestamps_in_seconds;
            }
            rep->threads_used = r.threads_used;
        }
        rows += parts[i].n;
        sp.rows = rows;
        /* the counts add up; line numbers are within their own file */
        rep->file_bytes += r.file_bytes;
        rep->lines += r.lines;
        rep->bad_total += r.bad_total;
        for (int b = 0; b < BAD_KIND_COUNT; b++) {
            rep->bad[b] += r.bad[b];
            for (int k = 0; k < r.nfirst_bad[b] && rep->nfirst_bad[b] < LOAD_FIRST_LINES; k++)
                rep->first_bad[b][rep->nfirst_bad[b]++] = r.first_bad[b][k];
        }
    }
    rep->files = l.n;
    if (rows == 0) {
        snprintf(rep->error, sizeof rep->error, "no file of the set holds a valid flow line (the last one: %.400s)",
                 last_error[0] ? last_error : "empty");
        status = EXIT_NO_INPUT;
        goto done;
    }
    if (flows_alloc_columns(out, rows)) {
        snprintf(rep->error, sizeof rep->error, "cannot load the files: %s.", strerror(ENOMEM));
        status = EXIT_FAILURE_RUN;
        goto done;
    }
    for (int i = 0; i < l.n; i++) {
        if (append(out, &parts[i], &o->internal)) {
            snprintf(rep->error, sizeof rep->error, "cannot load the files: %s.", strerror(ENOMEM));
            status = EXIT_FAILURE_RUN;
            goto done;
        }
        flows_free(&parts[i]);
    }
    if (o->progress) o->progress(o->user, sp.total, sp.total, out->n);
done:
    for (int i = 0; parts && i < l.n; i++) flows_free(&parts[i]);
    free(parts);
    list_free(&l);
    if (status != EXIT_OK) {
        flows_free(out);
        hosts_init(&out->hosts);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    rep->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    return status;
}
