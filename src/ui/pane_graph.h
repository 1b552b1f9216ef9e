/* pane_graph.h: the Graph pane's views, shared by pane_graph.c (the port
 * graph and the dispatch) and pane_graph_star.c (controller and beacons). */
#ifndef NETTUI_UI_PANE_GRAPH_H
#define NETTUI_UI_PANE_GRAPH_H

#include "ui.h"

/* The findings the Graph pane draws, by detector name. */
#define FINDING_P2P(a) engine_finding((a)->f, "internal-p2p")
#define FINDING_CONTROLLER(a) engine_finding((a)->f, "malware-controller")
#define FINDING_INFECTED(a) engine_finding((a)->f, "infected-host")
#define FINDING_BEACONS(a) engine_finding((a)->f, "botnet-beacons")
enum { GRAPH_VIEW_PORT, GRAPH_VIEW_CONTROLLER, GRAPH_VIEW_BEACONS };

/* The star views' part of the Graph pane's state: their two tables. */
typedef struct graph_star_state {
    ui_table ctab;               /* the controller's sources */
    const host_id *csources;     /* the finding's members ctab was reset for */
    ui_table btab;               /* the beacon series */
} graph_star_state;

void graph_star_init(app *a, graph_star_state *s);
void graph_star_done(graph_star_state *s);
void graph_controller_draw(app *a, graph_star_state *s, WINDOW *w, int h, int wd);
int graph_controller_key(app *a, graph_star_state *s, int ch);
host_id graph_controller_selected(app *a, graph_star_state *s);
void graph_beacons_draw(app *a, graph_star_state *s, WINDOW *w, int h, int wd);
int graph_beacons_key(app *a, graph_star_state *s, int ch);
host_id graph_beacons_selected(app *a, graph_star_state *s);

#endif
