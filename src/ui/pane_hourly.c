/* pane_hourly.c: connections or bytes per UTC hour of day, for all flows and
 * for one host, with the work hours the detectors used marked. */
#include <stdio.h>
#include <string.h>

#include "ui.h"

#define HOURLY_HOSTS 16

static int metric;          /* 0 connections, 1 bytes */
static int pick;            /* index into the host list */
static host_id hosts[HOURLY_HOSTS];
static int nhosts;
static host_id chosen = HOST_NONE;        /* the host shown: it stays when the list changes */
static host_id last_opened = HOST_NONE;   /* a->host when the pane was last entered */

/* The hosts worth a look: the one the person opened, the one shown (so a
 * b that takes it off the blacklist, and out of the answers, leaves it on
 * screen for the next b), then the detectors' hosts. */
static void collect_hosts(const app *a)
{
    nhosts = 0;
    host_facts hf;
    host_id cand[3 + 2 * DETECTOR_COUNT];
    int n = 0;
    cand[n++] = a->host;
    cand[n++] = chosen;
    const finding *off = engine_finding(a->f, "offhours-exfil");
    if (off->found && off->kind == ANSWER_HOST) cand[n++] = off->value;   /* the off-hours sender */
    for (int i = 0; i < DETECTOR_COUNT; i++) {
        if (!a->f[i].found) continue;
        if (a->f[i].kind == ANSWER_HOST) cand[n++] = a->f[i].value;
        if (a->f[i].subject != HOST_NONE) cand[n++] = a->f[i].subject;
    }
    for (int i = 0; i < n && nhosts < HOURLY_HOSTS; i++) {
        host_id h = cand[i];
        if (h == HOST_NONE || facts_host(a->eng, h, &hf) || !hf.internal) continue;
        int dup = 0;
        for (int k = 0; k < nhosts; k++) dup |= hosts[k] == h;
        if (!dup) hosts[nhosts++] = h;
    }
    pick = 0;
    for (int k = 0; k < nhosts; k++) if (hosts[k] == chosen) pick = k;
    if (nhosts) chosen = hosts[pick];
}

static const char *hour_label(int i, char *buf, size_t len, const void *ctx)
{
    (void)ctx;
    snprintf(buf, len, "%02d", i);
    return buf;
}

static void draw_profile(app *a, WINDOW *w, int y, int h, int wd, const uint64_t flows[24], const uint64_t bytes[24])
{
    double v[24];
    uint8_t mark[24];
    for (int i = 0; i < 24; i++) {
        v[i] = (double)(metric ? bytes[i] : flows[i]);
        mark[i] = (uint8_t)facts_is_work_hour(a->eng, i);
    }
    vhist hs = {.v = v, .n = 24, .mark = mark, .mark_label = "work hours", .highlight = -1,
                .y_unit = metric ? "bytes per hour of day (x axis: UTC hour)" : "connections per hour of day (x axis: UTC hour)",
                .xlabel = hour_label};
    draw_vhist(w, y, 0, h, wd, &hs);
}

static void hourly_draw(app *a, WINDOW *w, int h, int wd)
{
    uint64_t flows[24], bytes[24];
    char hb[16];
    collect_hosts(a);
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
    draw_profile(a, w, 1 + wl, h1, wd, flows, bytes);
    int y = 1 + wl + h1;
    if (!nhosts) {
        draw_text(w, y, 0, wd, "No internal host to show yet: open one with / or Enter elsewhere.", A_NORMAL, 0);
        return;
    }
    host_id sel = hosts[pick];
    unsigned m = app_detectors_naming(a, sel);
    char det[64] = "";
    size_t n = 0;
    for (int i = 0; i < DETECTOR_COUNT && n + 8 < sizeof det; i++)
        if (m & (1u << i)) n += (size_t)snprintf(det + n, sizeof det - n, "%s%d", n ? "," : " (detector ", i + 1);
    if (n) snprintf(det + n, sizeof det - n, ")");
    draw_textf(w, y, 0, wd, term_attr(ROLE_TITLE), "Host %s%s, %d of %d (Left/Right: another host)",
               app_host_name(a, sel, hb), det, pick + 1, nhosts);
    if (facts_host_hour_profile(a->eng, sel, flows, bytes))
        draw_text(w, y + 1, 0, wd, "No hour profile kept for this host.", A_NORMAL, 0);
    else
        draw_profile(a, w, y + 1, h2, wd, flows, bytes);
}

static host_id hourly_selected(app *a)
{
    collect_hosts(a);
    return nhosts ? hosts[pick] : HOST_NONE;
}

static int hourly_key(app *a, int ch)
{
    if (ch == ERR) return 0;
    collect_hosts(a);
    if (ch == 'm') { metric = !metric; return 1; }
    if (!nhosts) return 0;
    if (ch == KEY_RIGHT || ch == KEY_DOWN || ch == 'j') pick = (pick + 1) % nhosts;
    else if (ch == KEY_LEFT || ch == KEY_UP || ch == 'k') pick = (pick + nhosts - 1) % nhosts;
    else if (ch == 'g' || ch == KEY_HOME) pick = 0;
    else if (ch == 'G' || ch == KEY_END) pick = nhosts - 1;
    else return 0;
    chosen = hosts[pick];
    return 1;
}

/* Entered from another pane, or again after the detectors re-ran: a host
 * opened since the last visit is shown first; else the one on screen stays. */
static void hourly_enter(app *a)
{
    if (a->host != last_opened || chosen == HOST_NONE) {
        last_opened = a->host;
        chosen = a->host;
    }
    collect_hosts(a);
}

const pane pane_hourly = {
    .title = "Hourly activity",
    .tab = "Hourly",
    .keys = "m:Conns/bytes|Left/Right:Host",
    .help = "Connections (or bytes, m) per UTC hour of day over the whole file, work hours\n"
            "highlighted; below, the same for one host: the one you opened last, then the\n"
            "hosts the detectors name (Left/Right or j/k step through them).",
    .draw = hourly_draw,
    .key = hourly_key,
    .selected_host = hourly_selected,
    .enter = hourly_enter,
};
