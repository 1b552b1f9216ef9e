/* term.c: the one file that owns the terminal: the usability check, curses
 * start and stop, colours (or their monochrome stand-ins), and the signals
 * that must leave the terminal sane. */
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "ui.h"

static SCREEN *screen;
static int started;
static int unicode;
static attr_t roles[ROLE_COUNT];
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    interrupted = sig;
}

int term_interrupted(void) { return interrupted != 0; }
void term_clear_interrupt(void) { interrupted = 0; }
int term_unicode(void) { return unicode; }
attr_t term_attr(ui_role r) { return r < ROLE_COUNT ? roles[r] : A_NORMAL; }

/* Contract: NULL when the explorer can run here, else one sentence why not.
 * A dumb or missing TERM cannot address the screen, so it is refused up front;
 * an unknown one is caught by newterm() in term_start(). */
const char *term_unusable_reason(void)
{
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return "nettui: the explorer needs a terminal on stdin and stdout; "
               "use nettui --answers FILE for the answers as text.";
    const char *t = getenv("TERM");
    if (!t || !*t || !strcmp(t, "dumb") || !strcmp(t, "unknown"))
        return "nettui: the terminal type (TERM) cannot draw a full-screen explorer; "
               "use nettui --answers FILE for the answers as text.";
    return NULL;
}

static void set_roles_mono(void)
{
    for (int i = 0; i < ROLE_COUNT; i++) roles[i] = A_NORMAL;
    roles[ROLE_HEADER] = A_REVERSE;
    roles[ROLE_TAB_ACTIVE] = A_REVERSE | A_BOLD;
    roles[ROLE_SELECTED] = A_REVERSE;
    roles[ROLE_OUTLIER] = A_BOLD;
    roles[ROLE_BAR_ALT] = A_BOLD;
    roles[ROLE_WARN] = A_BOLD;
    roles[ROLE_GOOD] = A_BOLD;
    roles[ROLE_KEY] = A_REVERSE;
    roles[ROLE_TITLE] = A_BOLD;
    roles[ROLE_DIM] = A_DIM;
}

static void set_roles_colour(void)
{
    static const struct { short fg, bg; attr_t extra; } def[ROLE_COUNT] = {
        [ROLE_NORMAL] = {-1, -1, 0},
        [ROLE_HEADER] = {COLOR_BLACK, COLOR_CYAN, 0},
        [ROLE_TAB] = {-1, -1, 0},
        [ROLE_TAB_ACTIVE] = {COLOR_BLACK, COLOR_GREEN, A_BOLD},
        [ROLE_SELECTED] = {COLOR_BLACK, COLOR_CYAN, 0},
        [ROLE_BAR] = {COLOR_GREEN, -1, 0},
        [ROLE_BAR_ALT] = {COLOR_YELLOW, -1, A_BOLD},
        [ROLE_OUTLIER] = {COLOR_RED, -1, A_BOLD},
        [ROLE_DIM] = {COLOR_BLUE, -1, A_BOLD},
        [ROLE_WARN] = {COLOR_YELLOW, -1, A_BOLD},
        [ROLE_GOOD] = {COLOR_GREEN, -1, A_BOLD},
        [ROLE_KEY] = {COLOR_BLACK, COLOR_CYAN, 0},
        [ROLE_KEY_LABEL] = {-1, -1, 0},
        [ROLE_TITLE] = {COLOR_CYAN, -1, A_BOLD},
    };
    start_color();
    int have_default = use_default_colors() == OK;
    for (int i = 1; i < ROLE_COUNT; i++) {
        short fg = def[i].fg, bg = def[i].bg;
        if (!have_default) {
            if (fg < 0) fg = COLOR_WHITE;
            if (bg < 0) bg = COLOR_BLACK;
        }
        init_pair((short)i, fg, bg);
        roles[i] = COLOR_PAIR(i) | def[i].extra;
    }
    roles[ROLE_NORMAL] = A_NORMAL;
}

/* Contract: curses runs on stdin/stdout with cbreak, no echo, keypad, a
 * hidden cursor and mouse clicks; colours unless NO_COLOR is set (non-empty)
 * or the terminal has none. Signals that end the program set a flag instead
 * of killing it, so the terminal is always restored by term_stop(). */
int term_start(char *err, size_t errlen)
{
    setlocale(LC_ALL, "");
    const char *cs = nl_langinfo(CODESET);
    unicode = cs && (!strcasecmp(cs, "UTF-8") || !strcasecmp(cs, "utf8"));

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    screen = newterm(NULL, stdout, stdin);
    if (!screen) {
        snprintf(err, errlen, "nettui: the terminal type '%s' is unknown here, so the explorer "
                 "cannot draw; use nettui --answers FILE for the answers as text.",
                 getenv("TERM") ? getenv("TERM") : "");
        return -1;
    }
    set_term(screen);
    started = 1;
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    curs_set(0);
    /* the mouse is off: the terminal's own selection (copy an address)
     * keeps working; F2 turns it on (term_mouse) */
    mousemask(0, NULL);
    mouseinterval(0);

    const char *nc = getenv("NO_COLOR");
    if (has_colors() && !(nc && *nc))
        set_roles_colour();
    else
        set_roles_mono();
    return 0;
}

void term_stop(void)
{
    if (!started) return;
    started = 0;
    curs_set(1);
    endwin();
    delscreen(screen);
    screen = NULL;
}

int term_mouse(int on)
{
    /* clicks select a pane's tab or a row; the wheel scrolls */
    mmask_t want = on ? (BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0;
    mousemask(want, NULL);
    return on;
}
