/* chpriv.h: what chsource.c and chcols.c share, nothing else: the columns
 * a table's system.columns rows name for each role, and how they are read
 * (chcols.c). */
#ifndef NETTUI_CHPRIV_H
#define NETTUI_CHPRIV_H

#include "nettui/chsource.h"
#include "nettui/load.h"

/* What system.columns said of the table: the first column of each role
 * (by name, load_column_role) and its type. */
typedef struct ch_col_scan {
    ch_columns *c;
    char type[LOAD_ROLE_COUNT][CH_NAME_MAX];
    int found[LOAD_ROLE_COUNT];
    int ncols;
} ch_col_scan;

/* One system.columns row (name, type) into user, a ch_col_scan. */
int ch_on_column(void *user, char **f, size_t *len, int nf, char *err, size_t errlen);
/* An integer type (UInt*, Int*). */
int ch_type_is_int(const char *t);
/* t without LowCardinality( ) or Nullable( ) around it, in buf. */
const char *ch_type_bare(const char *t, char *buf, size_t len);
/* Each role's name in a message, and the column names it is found by. */
extern const char *const ch_role_names[LOAD_ROLE_COUNT];
extern const char *const ch_role_hint[LOAD_ROLE_COUNT];
/* One SQL expression per role into c->expr; -1 with a sentence for a type
 * nettui cannot read. */
int ch_role_exprs(ch_columns *c, ch_col_scan *s, const ch_url *u, char *err, size_t errlen);

/* The four conditions a good row meets, in the order a bad one is counted
 * (each "1" when the types make it always true), and the bad_kind each
 * failure counts as (load.h). */
enum { CH_COND_NULL, CH_COND_TS, CH_COND_PORT, CH_COND_BYTES, CH_NCOND };
extern const bad_kind ch_cond_kind[CH_NCOND];
void ch_valid_conds(const ch_columns *c, const ch_col_scan *s, char cond[CH_NCOND][512]);

#endif
