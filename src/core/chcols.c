/* chcols.c: owns reading a ClickHouse table's columns (chsource.h): which
 * column plays each role (by name, as a CSV header is read: load.h's role
 * table), the SQL expression that reads it as the loader's type, and the
 * conditions a row must meet to be one the loader would keep (chpriv.h).
 * The types: integers, DateTime, DateTime64, Date for the time; String,
 * FixedString, IPv4, UInt32, IPv6 for addresses; integers for the port and
 * bytes; any of them Nullable or LowCardinality. */
#include <stdio.h>
#include <string.h>

#include "chpriv.h"

int ch_on_column(void *user, char **f, size_t *len, int nf, char *err, size_t errlen)
{
    ch_col_scan *s = user;
    if (nf < 2) return 0;
    s->ncols++;
    int r = load_column_role(f[0], len[0]);
    if (r < 0 || s->found[r] || len[0] >= CH_NAME_MAX || !ch_identifier_ok(f[0])) return 0;   /* the first of a role wins, as in a header */
    s->found[r] = 1;
    snprintf(s->c->name[r], CH_NAME_MAX, "%s", f[0]);
    snprintf(s->type[r], CH_NAME_MAX, "%.*s", (int)(len[1] < CH_NAME_MAX ? len[1] : CH_NAME_MAX - 1), f[1]);
    return 0;
}

int ch_type_is_int(const char *t)
{
    return !strncmp(t, "UInt", 4) || !strncmp(t, "Int", 3);
}

/* The type without LowCardinality( ) or Nullable( ) around it. */
const char *ch_type_bare(const char *t, char *buf, size_t len)
{
    snprintf(buf, len, "%s", t);
    for (;;) {
        size_t skip = !strncmp(buf, "LowCardinality(", 15) ? 15 : !strncmp(buf, "Nullable(", 9) ? 9 : 0, n = strlen(buf);
        if (!skip || n <= skip || buf[n - 1] != ')') return buf;
        buf[n - 1] = 0;
        memmove(buf, buf + skip, n - skip);
    }
}

/* The column can hold NULL: its rows that do are left out (a file's line
 * with an empty field is refused), the others read through assumeNotNull. */
static int is_nullable(const char *t)
{
    return strstr(t, "Nullable(") != NULL;
}

const char *const ch_role_names[LOAD_ROLE_COUNT] = {"time", "source address", "destination address", "port", "bytes"};
const char *const ch_role_hint[LOAD_ROLE_COUNT] = {"timestamp, ts or time", "src, source or srcip", "dst, destination or dstip",
                                                       "port, dport or dstport", "bytes, octets or size"};

/* One SQL expression per role over the found columns; -1 with a sentence
 * for a type nettui cannot read. */
int ch_role_exprs(ch_columns *c, ch_col_scan *s, const ch_url *u, char *err, size_t errlen)
{
    for (int r = 0; r < LOAD_ROLE_COUNT; r++) {
        char q[CH_NAME_MAX + 24], tb[CH_NAME_MAX];
        snprintf(q, sizeof q, is_nullable(s->type[r]) ? "assumeNotNull(`%s`)" : "`%s`", c->name[r]);
        const char *t = ch_type_bare(s->type[r], tb, sizeof tb);
        char *e = c->expr[r];
        size_t el = sizeof c->expr[r];
        int ok = 1;
        switch (r) {
        case LOAD_ROLE_TS:
            if (ch_type_is_int(t)) snprintf(e, el, c->seconds ? "toUInt64(%s) * 1000" : "toUInt64(%s)", q);
            else if (!strcmp(t, "DateTime") || !strncmp(t, "DateTime(", 9)) snprintf(e, el, "toUInt64(%s) * 1000", q);
            else if (!strncmp(t, "DateTime64", 10)) snprintf(e, el, "toUInt64(toUnixTimestamp64Milli(%s))", q);
            else if (!strcmp(t, "Date")) snprintf(e, el, "toUInt64(toDateTime(%s)) * 1000", q);
            else ok = 0;
            break;
        case LOAD_ROLE_SRC: case LOAD_ROLE_DST:
            if (!strcmp(t, "String") || !strncmp(t, "FixedString(", 12)) snprintf(e, el, "toString(%s)", q);
            else if (!strcmp(t, "IPv4") || !strcmp(t, "UInt32")) snprintf(e, el, "IPv4NumToString(toUInt32(%s))", q);
            else if (!strcmp(t, "IPv6"))   /* an IPv4 address mapped into IPv6 reads as the dotted quad */
                snprintf(e, el, "replaceRegexpOne(IPv6NumToString(%s), '^::ffff:([0-9.]+)$', '\\\\1')", q);
            else ok = 0;
            break;
        case LOAD_ROLE_PORT:
            if (ch_type_is_int(t)) snprintf(e, el, "toUInt16(%s)", q);
            else ok = 0;
            break;
        default:
            if (ch_type_is_int(t)) snprintf(e, el, "toUInt64(%s)", q);
            else ok = 0;
        }
        if (!ok) {
            snprintf(err, errlen, "column %s of %s.%s has type %s, which nettui cannot read as the %s.", c->name[r], u->database,
                     u->table, s->type[r], ch_role_names[r]);
            return -1;
        }
    }
    return 0;
}

/* Rows the loader would refuse, by the column types, as four conditions a
 * good row meets, in the order a bad one is counted: no NULL in any role
 * (a missing field), a time in range, a port in range, bytes not negative.
 * Each is "1" when the types make it always true. */
const bad_kind ch_cond_kind[CH_NCOND] = { BAD_FIELDS, BAD_TIMESTAMP, BAD_PORT, BAD_BYTES };

void ch_valid_conds(const ch_columns *c, const ch_col_scan *s, char cond[CH_NCOND][512])
{
    char tb[CH_NAME_MAX];
    size_t n = (size_t)snprintf(cond[CH_COND_NULL], 512, "1");
    for (int r = 0; r < LOAD_ROLE_COUNT && n < 512; r++)
        if (is_nullable(s->type[r])) n += (size_t)snprintf(cond[CH_COND_NULL] + n, 512 - n, " AND isNotNull(`%s`)", c->name[r]);
    const char *tt = ch_type_bare(s->type[LOAD_ROLE_TS], tb, sizeof tb);
    n = (size_t)snprintf(cond[CH_COND_TS], 512, "1");
    if (!strncmp(tt, "Int", 3)) n += (size_t)snprintf(cond[CH_COND_TS] + n, 512 - n, " AND `%s` >= 0", c->name[LOAD_ROLE_TS]);
    if (ch_type_is_int(tt))
        snprintf(cond[CH_COND_TS] + n, 512 - n, " AND `%s` <= %lld", c->name[LOAD_ROLE_TS],
                 (long long)(c->seconds ? LOAD_TS_MAX_MS / 1000 : LOAD_TS_MAX_MS));
    const char *pt = ch_type_bare(s->type[LOAD_ROLE_PORT], tb, sizeof tb);
    snprintf(cond[CH_COND_PORT], 512, "1");
    if (strcmp(pt, "UInt8") && strcmp(pt, "UInt16"))
        snprintf(cond[CH_COND_PORT], 512, "`%s` >= 0 AND `%s` <= 65535", c->name[LOAD_ROLE_PORT], c->name[LOAD_ROLE_PORT]);
    const char *bt = ch_type_bare(s->type[LOAD_ROLE_BYTES], tb, sizeof tb);
    snprintf(cond[CH_COND_BYTES], 512, "1");
    if (!strncmp(bt, "Int", 3)) snprintf(cond[CH_COND_BYTES], 512, "`%s` >= 0", c->name[LOAD_ROLE_BYTES]);
}
