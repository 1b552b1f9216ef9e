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

/* Shows the Graph pane in view v (GRAPH_VIEW_*). */
void pane_graph_show_view(app *a, int v);
void graph_controller_draw(app *a, WINDOW *w, int h, int wd);
int graph_controller_key(app *a, int ch);
host_id graph_controller_selected(app *a);
void graph_beacons_draw(app *a, WINDOW *w, int h, int wd);
int graph_beacons_key(app *a, int ch);
host_id graph_beacons_selected(app *a);

#endif
