/* pane_graph.h: the Graph pane's views, shared by pane_graph.c (the port
 * graph and the dispatch) and pane_graph_star.c (controller and beacons). */
#ifndef NETTUI_UI_PANE_GRAPH_H
#define NETTUI_UI_PANE_GRAPH_H

#include "ui.h"

/* Detector indices in CTF order (DATA.md's table, 0-based). */
enum { DET_P2P = 4, DET_CONTROLLER = 5, DET_INFECTED = 6, DET_BEACONS = 7 };
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
