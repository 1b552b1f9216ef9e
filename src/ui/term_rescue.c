/* term_rescue.c: puts the terminal back from a signal handler, when the
 * explorer must stop at once (a mapped cache cut short under it, see
 * mapguard.h): endwin() is not async-signal-safe, so the terminal modes
 * saved before curses started are set again with tcsetattr(), and the
 * terminal's own strings for leaving the full-screen mode and showing the
 * cursor, fetched while curses ran, are written with write(). */
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "nettui/mapguard.h"

#include <curses.h>
#include <term.h>   /* last, and no ui.h: its macros (lines, columns) clash */

void term_rescue_save(void);
void term_rescue_arm(void);
void term_rescue_disarm(void);

static struct termios saved;
static int have_saved;
static char leave[256];
static size_t leave_len;

static void add(const char *s)
{
    if (!s || s == (char *)-1) return;
    size_t n = strlen(s);
    if (leave_len + n >= sizeof leave) return;
    memcpy(leave + leave_len, s, n);
    leave_len += n;
}

static void rescue(void)
{
    if (leave_len) {
        ssize_t w = write(STDOUT_FILENO, leave, leave_len);
        (void)w;
    }
    if (have_saved) tcsetattr(STDIN_FILENO, TCSANOW, &saved);
}

void term_rescue_save(void)
{
    have_saved = tcgetattr(STDIN_FILENO, &saved) == 0;
}

void term_rescue_arm(void)
{
    leave_len = 0;
    add("\033[?1000l");                 /* mouse reports off (what mousemask turned on) */
    add(tigetstr("sgr0"));
    add(tigetstr("cnorm"));
    add(tigetstr("rmkx"));
    add(tigetstr("rmcup"));
    add("\r\n");
    mapguard_set_restore(rescue);
}

void term_rescue_disarm(void)
{
    mapguard_set_restore(NULL);
}
