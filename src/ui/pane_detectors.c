/* pane_detectors.c: the first screen: the ten questions, their answers, how
 * far each stands out, the override marker, the flag of the current answers,
 * the loader's bad lines, and the selected finding's evidence. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nettui/numfmt.h"
#include "pane_graph.h"
#include "ui.h"

/* The pane's state (its instance, owned by the app). */
typedef struct detectors_state {
    host_id rejected[DETECTOR_COUNT];   /* the host b rejected on each row */
    ui_table tab;
    table_col cols[5];                  /* the title and score widths follow the screen */
} detectors_state;

static void candidate_text(const app *a, const finding *f, const candidate *c, char *buf, size_t len)
{
    char hb[16];
    if (f->kind == ANSWER_PORT) snprintf(buf, len, "port %u", c->value);
    else snprintf(buf, len, "%s", app_host_name(a, c->value, hb));
}

/* ---- the questions, a table (table.c): #, question, answer, how far it
 * stands out, '*' when the person's blacklist edits changed it ---------- */
enum { D_NUM, D_TITLE, D_ANSWER, D_SCORE, D_MARK, D_NCOLS };
static const table_col dcols[D_NCOLS] = {
    {"#", 2, COL_NUM, 1, "question"}, {"Question", 40, COL_TEXT, 0, "question_title"}, {"Answer", 16, COL_TEXT, 0, "answer"},
    {"Stands out", 17, COL_TEXT, 0, "stands_out"}, {"", 0, COL_TEXT, 0, "changed"}};

static double det_num(const ui_table *t, app *a, size_t row, int col) { (void)t; (void)a; (void)col; return (double)row + 1; }

static void det_text(const ui_table *t, app *a, size_t row, int col, int raw, char *buf, size_t len)
{
    const finding *f = &a->f[row];
    char ans[64], score[300];
    finding_answer_text(a->eng, f, ans, sizeof ans);
    switch (col) {
    case D_NUM: snprintf(buf, len, "%zu", row + 1); return;
    case D_TITLE: snprintf(buf, len, "%s", engine_detector((int)row)->title); return;
    case D_ANSWER: snprintf(buf, len, "%s", ans); return;
    case D_MARK: snprintf(buf, len, "%s", strcmp(ans, a->first_answer[row]) ? "*" : ""); return;
    default: break;
    }
    /* "no runner-up" when the ratio is infinite or over nobody (numfmt.h) */
    if (f->found) numfmt_score(f->score, f->score_label, f->ntop > 1 ? f->top[1].metric : 0, f->ntop > 1, score, sizeof score);
    else snprintf(score, sizeof score, "no answer: %s", f->why[0] ? f->why : "nothing stands out");
    /* a question with no answer says why, cut to the column with "...";
     * the whole sentence is in the evidence below (and in the CSV) */
    int scorew = t->cols[D_SCORE].width;
    if (!raw && !f->found && strlen(score) > (size_t)scorew) memcpy(score + scorew - 3, "...", 4);
    snprintf(buf, len, "%s", score);
}

static void detectors_init(app *a, void *st)
{
    detectors_state *s = st;
    for (int i = 0; i < DETECTOR_COUNT; i++) s->rejected[i] = HOST_NONE;
    memcpy(s->cols, dcols, sizeof dcols);
    s->tab = (ui_table){.name = "detectors", .cols = s->cols, .ncols = D_NCOLS, .text = det_text, .num = det_num,
                        .ctx = s, .sort_col = -1};
    table_reset(&s->tab, a, DETECTOR_COUNT);
}

static void detectors_done(void *st)
{
    detectors_state *s = st;
    free(s->tab.order);
}

/* The question under the cursor (0-based). */
static int cur(const detectors_state *s)
{
    size_t r = table_selected(&s->tab);
    return r < DETECTOR_COUNT ? (int)r : 0;
}

static void draw_evidence(app *a, detectors_state *s, WINDOW *w, int y, int h, int wd)
{
    int cursor = cur(s);
    const finding *f = &a->f[cursor];
    const detector_info *d = engine_detector(cursor);
    char buf[64], ans[64];
    finding_answer_text(a->eng, f, ans, sizeof ans);
    mvwhline(w, y, 0, term_unicode() ? ACS_HLINE : '-', wd);
    draw_textf(w, y, 2, wd - 4, term_attr(ROLE_TITLE), " Evidence for %d. %s ", cursor + 1, d->title);
    y++; h--;
    if (h <= 0) return;
    int left = wd / 2 - 1, rx = wd / 2 + 1, rw = wd - rx - 1;
    /* right: why, the numbers behind it, and what the finding adds */
    int ry = y;
    ry += draw_wrapped(w, ry, rx, rw, 3, f->why[0] ? f->why : "Nothing stands out for this question.", A_NORMAL);
    for (int i = 0; i < f->nevidence && ry < y + h; i++) {
        /* exact: integers in full, fractions to three digits, times as dates */
        numfmt_evidence(f->evidence[i].label, f->evidence[i].value, buf, sizeof buf);
        draw_textf(w, ry++, rx, rw, term_attr(ROLE_DIM), "%-28s %s", f->evidence[i].label, buf);
    }
    if (f->nmembers && ry < y + h)
        draw_textf(w, ry++, rx, rw, A_NORMAL, "%zu hosts behind it (Graph pane, 5)", f->nmembers);
    if (f->nadds && ry < y + h) {
        char list[200] = "";
        size_t n = 0;
        for (int i = 0; i < f->nadds && n + 20 < sizeof list; i++) {
            char hb[16];
            n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", app_host_name(a, f->adds[i], hb));
        }
        draw_textf(w, ry++, rx, rw, term_attr(ROLE_DIM), "later detectors skip: %s", list);
    }
    /* left: the answer and its runners-up, bars against the largest; a
     * metric in epoch ms (first contact) is a date, not a bar */
    int is_time = numfmt_label_is_ms(f->metric_label);
    char mlabel[64];
    snprintf(mlabel, sizeof mlabel, "%s", f->metric_label[0] ? f->metric_label : "metric");
    if (is_time) {
        char *p = strstr(mlabel, "(ms)");
        if (p) snprintf(p, sizeof mlabel - (size_t)(p - mlabel), "(UTC)");
        else if (strlen(mlabel) >= 3) snprintf(mlabel + strlen(mlabel) - 3, 12, " (UTC)");
    }
    draw_textf(w, y, 0, left, term_attr(ROLE_DIM), "%s (answer first)", mlabel);
    double max = 0;
    for (int i = 0; i < f->ntop; i++) if (f->top[i].metric > max) max = f->top[i].metric;
    int namew = f->kind == ANSWER_PORT ? 10 : 16;
    for (int i = 0; i < f->ntop && i + 1 < h; i++) {
        char name[64];
        candidate_text(a, f, &f->top[i], name, sizeof name);
        ui_role r = i == 0 && f->found ? ROLE_OUTLIER : ROLE_NORMAL;
        draw_text(w, y + 1 + i, 0, namew, name, term_attr(r), 0);
        if (is_time) {
            char tb[32];
            fmt_time_utc((int64_t)f->top[i].metric, tb, sizeof tb);   /* 2020-01-06 16:00 */
            draw_textf(w, y + 1 + i, namew + 1, left - namew - 1, A_NORMAL, "%s", tb);
            continue;
        }
        /* a z or a ratio to three digits; counts exactly under 10,000, else SI */
        double m = f->top[i].metric;
        if (m != floor(m) && fabs(m) < 999.5) snprintf(buf, sizeof buf, "%.3g", m);
        else fmt_si(m, buf, sizeof buf);
        draw_textf(w, y + 1 + i, left - 7, 7, A_NORMAL, "%7s", buf);
        draw_hbar(w, y + 1 + i, namew + 1, left - namew - 9, max > 0 ? f->top[i].metric / max : 0,
                  term_attr(i == 0 && f->found ? ROLE_BAR_ALT : ROLE_BAR));
    }
}

static void draw_loader_line(app *a, WINDOW *w, int y, int wd)
{
    char b1[32], b2[32], line[512];
    const load_report *r = &a->report;
    int n = snprintf(line, sizeof line, "Loaded %s rows in %.1f s%s; %s bad line%s skipped",
                     numfmt_count(flows_count(&a->table), b1, sizeof b1), a->load_seconds,
                     a->from_cache ? " (from the cache)" : "",
                     numfmt_count(r->bad_total, b2, sizeof b2), r->bad_total == 1 ? "" : "s");
    const char *sep = ": ";
    for (int k = 0; k < BAD_KIND_COUNT && n < (int)sizeof line - 64; k++) {
        if (!r->bad[k]) continue;
        n += snprintf(line + n, sizeof line - n, "%s%s %llu (line", sep, load_bad_kind_name((bad_kind)k),
                      (unsigned long long)r->bad[k]);
        for (int i = 0; i < r->nfirst_bad[k] && i < 3; i++)
            n += snprintf(line + n, sizeof line - n, " %llu", (unsigned long long)r->first_bad[k][i]);
        n += snprintf(line + n, sizeof line - n, "%s)", r->bad[k] > 3 ? " ..." : "");
        sep = ", ";
    }
    snprintf(line + n, sizeof line - n, ".%s", r->had_header ? " The first line was a header." : "");
    draw_text(w, y, 0, wd, line, term_attr(r->bad_total ? ROLE_WARN : ROLE_DIM), 0);
}

static void detectors_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    detectors_state *s = st;
    char flag[33];
    const int answ = 16, scorew = wd >= 100 ? 22 : 17, markw = 2;
    s->cols[D_TITLE].width = wd - 3 - answ - scorew - markw - 3;   /* "#" and a space before it */
    s->cols[D_SCORE].width = scorew;
    table_draw(&s->tab, a, w, 0, 0, 1 + DETECTOR_COUNT, wd);
    int y = 1 + DETECTOR_COUNT;
    export_flag(a->eng, a->f, flag);
    draw_textf(w, y, 0, wd, A_NORMAL, "Flag (md5 of the ten answers joined by ':'): ");
    draw_text(w, y, 45, wd - 45, flag, term_attr(ROLE_GOOD), 0);
    int marked = 0;
    for (int i = 0; i < DETECTOR_COUNT; i++) {
        char now[64];
        finding_answer_text(a->eng, &a->f[i], now, sizeof now);
        if (strcmp(now, a->first_answer[i])) marked = 1;
    }
    if (marked && wd > 45 + 34 + 40)
        draw_text(w, y, 45 + 34, wd - 79, "* changed by your blacklist edits", term_attr(ROLE_WARN), 0);
    draw_loader_line(a, w, y + 1, wd);
    if (h > y + 3) draw_evidence(a, s, w, y + 2, h - y - 2, wd);
}

static host_id detectors_selected(app *a, void *st)
{
    const finding *f = &a->f[cur(st)];
    if (!f->found) return HOST_NONE;
    if (f->kind == ANSWER_HOST) return f->value;
    return f->subject;
}

static int detectors_key(app *a, void *st, int ch)
{
    detectors_state *s = st;
    host_id *rejected = s->rejected;
    if (ch == ERR) return 0;
    int cursor = cur(s);
    if (ch == 'b') {
        /* b rejects the row's answer; b again on the row takes the rejection back */
        host_id r = rejected[cursor];
        if (r != HOST_NONE && r < a->bl.nhosts && a->bl.user[r] == BL_USER_ADD) {
            rejected[cursor] = HOST_NONE;
            app_set_user(a, r, 0);
            return 1;
        }
        host_id h = detectors_selected(a, s);
        if (h == HOST_NONE) { app_message(a, 1, "This answer is not a host."); return 1; }
        if (a->bl.user[h]) { app_set_user(a, h, 0); return 1; }
        rejected[cursor] = h;
        app_set_user(a, h, BL_USER_ADD);
        return 1;
    }
    if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
        const finding *f = &a->f[cursor];
        if (!f->found) return 1;
        if (f->kind == ANSWER_HOST) { app_open_host(a, f->value); return 1; }
        /* each port answer opens where its evidence is drawn: the clique's
         * graph, the beacons' star, the lone outsider of a private channel */
        const char *id = engine_detector(cursor)->id;
        if (!strcmp(id, "internal-p2p")) {
            app_request(a, (pane_request){.kind = REQ_GRAPH_PORT, .port = (int)f->value});
            return 1;
        }
        if (!strcmp(id, "botnet-beacons")) {
            app_request(a, (pane_request){.kind = REQ_GRAPH_VIEW, .view = GRAPH_VIEW_BEACONS});
            return 1;
        }
        if (f->nmembers) { app_open_host(a, f->members[0]); return 1; }
        app_open_port(a, (int)f->value);
        return 1;
    }
    return table_key(&s->tab, a, ch);
}

static int detectors_flows(app *a, void *st, int ch, char *e, size_t elen, char *title, size_t tlen)
{
    (void)ch;
    return pane_flows_finding_query(a, cur(st), e, elen, title, tlen);
}

const pane pane_detectors = {
    .title = "Detectors",
    .tab = "Detectors",
    .keys = "Enter:Open answer|f:Flows|b:Reject answer",
    .help = "Up/Down pick a question; its evidence (runners-up, the reason) shows below.\n"
            "Enter opens the answer: a host in the Host pane; port abuse in Ports, P2P and beacons\n"
            "in Graph, the private C&C channel as its lone outside host.\n"
            "b rejects the selected answer (every detector skips that host); b again on the\n"
            "same row takes it back. '*' marks answers your blacklist edits changed.\n"
            "f shows the flows behind the answer (e.g. the infected host's flows to the\n"
            "controller on the bots' port) in the Flows view.",
    .state_size = sizeof(detectors_state),
    .init = detectors_init,
    .done = detectors_done,
    .draw = detectors_draw,
    .key = detectors_key,
    .selected_host = detectors_selected,
    .flows_query = detectors_flows,
};
