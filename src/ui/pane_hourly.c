/* pane_hourly.c: connections or bytes per UTC hour of day, for all flows and
 * for one host, with the work hours the detectors used marked. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define HOURLY_HOSTS 16

/* The pane's state (its instance, owned by the app). */
typedef struct hourly_state {
    int metric;                  /* 0 connections, 1 bytes */
    int pick;                    /* index into the host list */
    host_id hosts[HOURLY_HOSTS];
    int nhosts;
    host_id chosen;              /* the host shown: it stays when the list changes */
    host_id last_opened;         /* a->host when the pane was last entered */
} hourly_state;

static void hourly_init(app *a, void *st)
{
    hourly_state *s = st;
    (void)a;
    s->chosen = s->last_opened = HOST_NONE;
}

/* The hosts worth a look: the one the person opened, the one shown (so a
 * b that takes it off the blacklist, and out of the answers, leaves it on
 * screen for the next b), then the detectors' hosts. */
static void collect_hosts(const app *a, hourly_state *s)
{
    s->nhosts = 0;
    host_facts hf;
    host_id cand[3 + 2 * DETECTOR_COUNT];
    int n = 0;
    cand[n++] = a->host;
    cand[n++] = s->chosen;
    const finding *off = engine_finding(a->f, "offhours-exfil");
    if (off->found && off->kind == ANSWER_HOST) cand[n++] = off->value;   /* the off-hours sender */
    for (int i = 0; i < DETECTOR_COUNT; i++) {
        if (!a->f[i].found) continue;
        if (a->f[i].kind == ANSWER_HOST) cand[n++] = a->f[i].value;
        if (a->f[i].subject != HOST_NONE) cand[n++] = a->f[i].subject;
    }
    for (int i = 0; i < n && s->nhosts < HOURLY_HOSTS; i++) {
        host_id h = cand[i];
        if (h == HOST_NONE || facts_host(a->eng, h, &hf) || !hf.internal) continue;
        int dup = 0;
        for (int k = 0; k < s->nhosts; k++) dup |= s->hosts[k] == h;
        if (!dup) s->hosts[s->nhosts++] = h;
    }
    s->pick = 0;
    for (int k = 0; k < s->nhosts; k++) if (s->hosts[k] == s->chosen) s->pick = k;
    if (s->nhosts) s->chosen = s->hosts[s->pick];
}

static const char *hour_label(int i, char *buf, size_t len, const void *ctx)
{
    (void)ctx;
    snprintf(buf, len, "%02d", i);
    return buf;
}

static void draw_profile(app *a, const hourly_state *s, WINDOW *w, int y, int h, int wd, const uint64_t flows[24], const uint64_t bytes[24])
{
    double v[24];
    uint8_t mark[24];
    for (int i = 0; i < 24; i++) {
        v[i] = (double)(s->metric ? bytes[i] : flows[i]);
        mark[i] = (uint8_t)facts_is_work_hour(a->eng, i);
    }
    vhist hs = {.v = v, .n = 24, .mark = mark, .mark_label = "work hours", .highlight = -1,
                .y_unit = s->metric ? "bytes per hour of day (x axis: UTC hour)" : "connections per hour of day (x axis: UTC hour)",
                .xlabel = hour_label};
    draw_vhist(w, y, 0, h, wd, &hs);
}

static void hourly_draw(app *a, void *st, WINDOW *w, int h, int wd)
{
    hourly_state *s = st;
    uint64_t flows[24], bytes[24];
    char hb[16];
    collect_hosts(a, s);
    const facts_work_hours *wh = facts_work_hours_get(a->eng);
    if (wh->start >= 0)
        draw_textf(w, 0, 0, wd, term_attr(ROLE_TITLE), "Hourly activity, all flows: work hours %02d:00-%02d:00 UTC (%s, highlighted)",
                   wh->start, wh->end ? wh->end : 24, wh->detected ? "found in the data" : "set by --work-hours");
    else
        draw_text(w, 0, 0, wd, "Hourly activity, all flows: no work hours stand out", term_attr(ROLE_TITLE), 0);
    /* the reason whole, wrapped (two lines at most) */
    int wl = draw_wrapped(w, 1, 0, wd, 2, wh->why, term_attr(ROLE_DIM));
    int h1 = (h - 2 - wl) / 2, h2 = h - 2 - wl - h1;
    facts_hour_profile(a->eng, flows, bytes);
    draw_profile(a, s, w, 1 + wl, h1, wd, flows, bytes);
    int y = 1 + wl + h1;
    if (!s->nhosts) {
        draw_text(w, y, 0, wd, "No internal host to show yet: open one with / or Enter elsewhere.", A_NORMAL, 0);
        return;
    }
    host_id sel = s->hosts[s->pick];
    unsigned m = app_detectors_naming(a, sel);
    char det[64] = "";
    size_t n = 0;
    for (int i = 0; i < DETECTOR_COUNT && n + 8 < sizeof det; i++)
        if (m & (1u << i)) n += (size_t)snprintf(det + n, sizeof det - n, "%s%d", n ? "," : " (detector ", i + 1);
    if (n) snprintf(det + n, sizeof det - n, ")");
    draw_textf(w, y, 0, wd, term_attr(ROLE_TITLE), "Host %s%s, %d of %d (Left/Right: another host)",
               app_host_name(a, sel, hb), det, s->pick + 1, s->nhosts);
    if (facts_host_hour_profile(a->eng, sel, flows, bytes))
        draw_text(w, y + 1, 0, wd, "No hour profile kept for this host.", A_NORMAL, 0);
    else
        draw_profile(a, s, w, y + 1, h2, wd, flows, bytes);
}

static host_id hourly_selected(app *a, void *st)
{
    hourly_state *s = st;
    collect_hosts(a, s);
    return s->nhosts ? s->hosts[s->pick] : HOST_NONE;
}

static int hourly_key(app *a, void *st, int ch)
{
    hourly_state *s = st;
    if (ch == ERR) return 0;
    collect_hosts(a, s);
    if (ch == 'm') { s->metric = !s->metric; return 1; }
    if (!s->nhosts) return 0;
    if (ch == KEY_RIGHT || ch == KEY_DOWN || ch == 'j') s->pick = (s->pick + 1) % s->nhosts;
    else if (ch == KEY_LEFT || ch == KEY_UP || ch == 'k') s->pick = (s->pick + s->nhosts - 1) % s->nhosts;
    else if (ch == 'g' || ch == KEY_HOME) s->pick = 0;
    else if (ch == 'G' || ch == KEY_END) s->pick = s->nhosts - 1;
    else return 0;
    s->chosen = s->hosts[s->pick];
    return 1;
}

/* Entered from another pane, or again after the detectors re-ran: a host
 * opened since the last visit is shown first; else the one on screen stays. */
static void hourly_enter(app *a, void *st)
{
    hourly_state *s = st;
    if (a->host != s->last_opened || s->chosen == HOST_NONE) {
        s->last_opened = a->host;
        s->chosen = a->host;
    }
    collect_hosts(a, s);
}

const pane pane_hourly = {
    .title = "Hourly activity",
    .tab = "Hourly",
    .keys = "m:Conns/bytes|Left/Right:Host",
    .help = "Connections (or bytes, m) per UTC hour of day over the whole file, work hours\n"
            "highlighted; below, the same for one host: the one you opened last, then the\n"
            "hosts the detectors name (Left/Right or j/k step through them).",
    .state_size = sizeof(hourly_state),
    .init = hourly_init,
    .draw = hourly_draw,
    .key = hourly_key,
    .selected_host = hourly_selected,
    .enter = hourly_enter,
};
