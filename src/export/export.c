/* export.c: the ten answers as lines, as an atomically written file, as
 * JSON, and the flag (md5 of the answers joined by ':', through nettle). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <nettle/md5.h>

#include "nettui/atomic.h"
#include "nettui/export.h"
#include "nettui/facts.h"

void export_flag(const engine *e, const finding f[DETECTOR_COUNT], char hex[33])
{
    struct md5_ctx ctx;
    md5_init(&ctx);
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        char buf[256];
        finding_answer_text(e, &f[k], buf, sizeof buf);
        if (k) md5_update(&ctx, 1, (const uint8_t *)":");
        md5_update(&ctx, strlen(buf), (const uint8_t *)buf);
    }
    uint8_t d[MD5_DIGEST_SIZE];
    md5_digest(&ctx, MD5_DIGEST_SIZE, d);
    for (int i = 0; i < MD5_DIGEST_SIZE; i++) snprintf(hex + 2 * i, 3, "%02x", d[i]);
}

int export_answers(FILE *out, const engine *e, const finding f[DETECTOR_COUNT])
{
    char hex[33];
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        char buf[256];
        if (fprintf(out, "%s\n", finding_answer_text(e, &f[k], buf, sizeof buf)) < 0) return -1;
    }
    export_flag(e, f, hex);
    if (fprintf(out, "flag: %s\n", hex) < 0) return -1;
    return fflush(out) ? -1 : 0;
}

/* The answers to a device, a FIFO or a terminal, which no rename may replace
 * (that would put a regular file in its place, in /dev when run as root). A
 * FIFO without a reader fails (ENXIO) instead of waiting for one. */
static int export_to_special(const char *path, const engine *e, const finding f[DETECTOR_COUNT],
                             char *err, size_t errlen)
{
    int saved = 0;
    FILE *out = NULL;
    int fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) saved = errno;
    else {
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        if (!(out = fdopen(fd, "w"))) { saved = errno; close(fd); }
    }
    if (out) {
        if (export_answers(out, e, f)) saved = errno ? errno : EIO;
        if (fclose(out) && !saved) saved = errno;
    }
    if (!saved) return 0;
    snprintf(err, errlen, "cannot write %s: %s.", path, strerror(saved));
    return -1;
}

int export_answers_to_path(const char *path, const engine *e, const finding f[DETECTOR_COUNT], const char *note,
                           char *err, size_t errlen)
{
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return export_to_special(path, e, f, err, errlen);
    /* a symbolic link stays one: the file it names is the one replaced */
    char *real = NULL;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode) && (real = realpath(path, NULL))) path = real;
    atomic_file af;
    int rc = -1, saved = 0;
    if (atomic_open(&af, path) == 0) {
        FILE *out = fdopen(dup(af.fd), "w");
        if (!out) saved = errno;
        else {
            if (export_answers(out, e, f) || (note && (fprintf(out, "# %s\n", note) < 0 || fflush(out))))
                saved = errno ? errno : EIO;
            if (fclose(out) && !saved) saved = errno;
        }
        if (saved) atomic_abort(&af);
        else if (atomic_commit(&af, NULL)) saved = errno;
        else rc = 0;
    } else {
        saved = errno;
    }
    if (rc)
        snprintf(err, errlen, "cannot write %s: %s; any earlier file there is unchanged.", path, strerror(saved ? saved : EIO));
    free(real);
    return rc;
}

static void json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20) fprintf(out, "\\u%04x", *p);
            else fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void json_number(FILE *out, double v)
{
    if (!isfinite(v)) { fputs("null", out); return; }
    if (v == floor(v) && fabs(v) < 9e15) fprintf(out, "%.0f", v);
    else fprintf(out, "%.6g", v);
}

static void json_value_text(FILE *out, const engine *e, answer_kind kind, uint32_t v)
{
    char buf[64], tmp[16];
    if (kind == ANSWER_PORT) snprintf(buf, sizeof buf, "%u", v);
    else snprintf(buf, sizeof buf, "%s", hosts_name(&engine_table(e)->hosts, v, tmp));
    json_string(out, buf);
}

#define JSON_MEMBERS_MAX 300

/* The beacon finding's series, each with its score breakdown: what a
 * person checks the answer against (RITA shows the same per pair). */
static void json_beacon_series(FILE *out, const engine *e)
{
    const beacon_series *s;
    size_t n = facts_beacon_series(e, &s);
    fputs(",\n      \"series\": [", out);
    for (size_t i = 0; i < n && i < JSON_MEMBERS_MAX; i++) {
        fputs(i ? ",\n        {\"bot\": " : "\n        {\"bot\": ", out);
        json_value_text(out, e, ANSWER_HOST, s[i].src);
        fputs(", \"callee\": ", out);
        json_value_text(out, e, ANSWER_HOST, s[i].dst);
        fprintf(out, ", \"port\": %u, \"calls\": %u, \"events\": %u, \"missed_beats\": %u, \"bytes\": %u, \"size_share\": ",
                s[i].port, s[i].calls, s[i].events, s[i].missed, s[i].bytes);
        json_number(out, round(s[i].size_share * 1000) / 1000);
        fputs(", \"period_s\": ", out);
        json_number(out, round(s[i].period_s * 1000) / 1000);
        fputs(", \"phase_s\": ", out);
        json_number(out, round(s[i].phase_s * 1000) / 1000);
        fputs(", \"jitter_s\": ", out);
        json_number(out, round(s[i].jitter_s * 1000) / 1000);
        fputs(", \"group_score\": ", out);
        json_number(out, round(s[i].score * 100) / 100);
        fputs(", \"sample\": ", out);
        json_number(out, round(s[i].sample * 1e4) / 1e4);
        fputc('}', out);
    }
    fputs(n ? "\n      ]" : "]", out);
}

int export_json(FILE *out, const engine *e, const finding f[DETECTOR_COUNT])
{
    char hex[33], buf[256];
    export_flag(e, f, hex);
    const facts_work_hours *w = facts_work_hours_get(e);
    double tb = 0, tr = 0;
    engine_timing(e, &tb, &tr);
    fputs("{\n  \"answers\": [", out);
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        if (k) fputs(", ", out);
        json_string(out, finding_answer_text(e, &f[k], buf, sizeof buf));
    }
    fprintf(out, "],\n  \"flag\": \"%s\",\n  \"rows\": %llu,\n", hex, (unsigned long long)flows_count(engine_table(e)));
    fprintf(out, "  \"work_hours\": {\"start\": %d, \"end\": %d, \"detected\": %s, \"ratio\": ",
            w->start, w->end, w->detected ? "true" : "false");
    json_number(out, w->ratio);
    fputs(", \"why\": ", out);
    json_string(out, w->why);
    fputs("},\n  \"timing\": {\"build_seconds\": ", out);
    json_number(out, round(tb * 1000) / 1000);
    fputs(", \"run_seconds\": ", out);
    json_number(out, round(tr * 1000) / 1000);
    int inferred = 0;
    double share = 1;
    char nets[1200];
    const cidr_list *net = facts_internal_net(e, &inferred, &share);
    fputs("},\n  \"internal_network\": {\"blocks\": ", out);
    json_string(out, cidr_list_text(net, nets, sizeof nets));
    fprintf(out, ", \"inferred\": %s, \"share_of_flows\": ", inferred ? "true" : "false");
    json_number(out, round(share * 1e6) / 1e6);
    fprintf(out, "},\n  \"facts_bytes\": %zu,\n  \"findings\": [\n", facts_memory(e));
    for (int k = 0; k < DETECTOR_COUNT; k++) {
        const finding *x = &f[k];
        const detector_info *di = engine_detector(k);
        fprintf(out, "    {\n      \"question\": %d,\n      \"id\": ", k + 1);
        json_string(out, di->id);
        fputs(",\n      \"title\": ", out);
        json_string(out, di->title);
        fprintf(out, ",\n      \"kind\": \"%s\",\n      \"found\": %s,\n      \"answer\": ",
                x->kind == ANSWER_PORT ? "port" : "host", x->found ? "true" : "false");
        json_string(out, finding_answer_text(e, x, buf, sizeof buf));
        fputs(",\n      \"score\": ", out);
        json_number(out, x->found ? x->score : NAN);
        fputs(", \"score_label\": ", out);
        json_string(out, x->score_label);
        if (x->subject != HOST_NONE) {
            fputs(",\n      \"subject\": ", out);
            json_value_text(out, e, ANSWER_HOST, x->subject);
        }
        fputs(",\n      \"why\": ", out);
        json_string(out, x->why);
        fputs(",\n      \"metric\": ", out);
        json_string(out, x->metric_label);
        fputs(",\n      \"top\": [", out);
        for (int i = 0; i < x->ntop; i++) {
            fputs(i ? ", {\"value\": " : "{\"value\": ", out);
            json_value_text(out, e, x->kind, x->top[i].value);
            fputs(", \"metric\": ", out);
            json_number(out, x->top[i].metric);
            fputc('}', out);
        }
        fputs("],\n      \"evidence\": {", out);
        for (int i = 0; i < x->nevidence; i++) {
            if (i) fputs(", ", out);
            json_string(out, x->evidence[i].label);
            fputs(": ", out);
            json_number(out, x->evidence[i].value);
        }
        fputs("},\n      \"blacklist_adds\": [", out);
        for (int i = 0; i < x->nadds; i++) {
            if (i) fputs(", ", out);
            json_value_text(out, e, ANSWER_HOST, x->adds[i]);
        }
        fprintf(out, "],\n      \"members_count\": %zu,\n      \"members\": [", x->nmembers);
        for (size_t i = 0; i < x->nmembers && i < JSON_MEMBERS_MAX; i++) {
            if (i) fputs(", ", out);
            json_value_text(out, e, ANSWER_HOST, x->members[i]);
        }
        fputc(']', out);
        if (x->found && !strcmp(di->id, "botnet-beacons")) json_beacon_series(out, e);
        fprintf(out, "\n    }%s\n", k + 1 < DETECTOR_COUNT ? "," : "");
    }
    fputs("  ]\n}\n", out);
    return fflush(out) || ferror(out) ? -1 : 0;
}
