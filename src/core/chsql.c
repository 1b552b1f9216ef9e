/* chsql.c: owns turning a --flows filter (filter.h) into one SQL condition
 * for the ClickHouse source (chsource.h), from the parsed tree, never from
 * the text: numbers are written by nettui, host texts quoted and escaped,
 * so no word of the expression reaches SQL unchecked. Each atom means
 * what filter.c's evaluation means on a file:
 *   host H     src or dst is the text H (a dotted quad has one spelling)
 *   net B      an IPv4 host (a canonical dotted quad) inside block B
 *   hour ...   the UTC hour of day of the time, in the mask */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nettui/chsource.h"

typedef struct sql_buf {
    char *s;
    size_t len, cap;
    int over;
} sql_buf;

static void put(sql_buf *b, const char *fmt, ...)
{
    if (b->over) return;
    va_list ap;
    va_start(ap, fmt);
    int r = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    if (r < 0 || (size_t)r >= b->cap - b->len) { b->over = 1; return; }
    b->len += (size_t)r;
}

int ch_quote(const char *s, size_t n, char *out, size_t len)
{
    size_t j = 0;
    if (len < 3) return -1;
    out[j++] = '\'';
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (j + 5 >= len) return -1;
        if (c == '\'' || c == '\\') { out[j++] = '\\'; out[j++] = (char)c; }
        else if (c < 0x20 || c == 0x7f) j += (size_t)snprintf(out + j, len - j, "\\x%02X", c);
        else out[j++] = (char)c;
    }
    out[j++] = '\'';
    out[j] = 0;
    return 0;
}

static void put_host_eq(sql_buf *b, const char *expr, const char *host)
{
    char q[1100];
    if (ch_quote(host, strlen(host), q, sizeof q)) { b->over = 1; return; }
    put(b, "(%s = %s)", expr, q);
}

/* An IPv4 host inside the block: the text must be the canonical dotted
 * quad of its number, as ipv4_parse accepts only those (no "01.2.3.4"). */
static void put_net(sql_buf *b, const char *expr, const cidr *c)
{
    put(b, "(IPv4NumToString(IPv4StringToNum(%s)) = %s AND bitAnd(IPv4StringToNum(%s), %" PRIu32 ") = %" PRIu32 ")",
        expr, expr, expr, c->mask, c->net & c->mask);
}

static void put_node(sql_buf *b, const flow_filter *f, int i, const ch_columns *c)
{
    filter_view v;
    filter_node_view(f, i, &v);
    const char *ts = c->expr[LOAD_ROLE_TS], *src = c->expr[LOAD_ROLE_SRC], *dst = c->expr[LOAD_ROLE_DST];
    static const char *const ops[] = {">", "<", ">=", "<=", "=", "!="};
    switch (v.kind) {
    case FILTER_ALL: put(b, "1"); return;
    case FILTER_NOT:
        put(b, "(NOT ");
        put_node(b, f, filter_kid(f, i, 0), c);
        put(b, ")");
        return;
    case FILTER_AND: case FILTER_OR:
        put(b, "(");
        for (int k = 0; k < v.nkids; k++) {
            if (k) put(b, v.kind == FILTER_AND ? " AND " : " OR ");
            put_node(b, f, filter_kid(f, i, k), c);
        }
        put(b, ")");
        return;
    case FILTER_HOST:
        put(b, "(");
        put_host_eq(b, src, v.host);
        put(b, " OR ");
        put_host_eq(b, dst, v.host);
        put(b, ")");
        return;
    case FILTER_SRC: put_host_eq(b, src, v.host); return;
    case FILTER_DST: put_host_eq(b, dst, v.host); return;
    case FILTER_NET:
        put(b, "(");
        put_net(b, src, &v.block);
        put(b, " OR ");
        put_net(b, dst, &v.block);
        put(b, ")");
        return;
    case FILTER_SRCNET: put_net(b, src, &v.block); return;
    case FILTER_DSTNET: put_net(b, dst, &v.block); return;
    case FILTER_PORT: put(b, "(%s = %" PRId64 ")", c->expr[LOAD_ROLE_PORT], v.num); return;
    case FILTER_AFTER: put(b, "(%s >= %" PRId64 ")", ts, v.num); return;
    case FILTER_BEFORE: put(b, "(%s < %" PRId64 ")", ts, v.num); return;
    case FILTER_BYTES:
        put(b, "(%s %s %" PRIu64 ")", c->expr[LOAD_ROLE_BYTES], v.op >= 0 && v.op <= 5 ? ops[v.op] : "=", (uint64_t)v.num);
        return;
    case FILTER_HOUR:
        put(b, "(bitAnd(bitShiftRight(%" PRId64 ", intDiv(%s, 3600000) %% 24), 1) = 1)", v.num, ts);
        return;
    default:
        b->over = 1;   /* a kind this file does not know: refuse rather than guess */
    }
}

int ch_filter_sql(const flow_filter *f, const ch_columns *c, char *sql, size_t len)
{
    sql_buf b = { sql, 0, len, 0 };
    if (len) sql[0] = 0;
    put_node(&b, f, filter_root(f), c);
    return b.over ? -1 : 0;
}

int ch_where_ok(const char *w, char *err, size_t errlen)
{
    int depth = 0;
    char quote = 0;
    for (const char *p = w; *p; p++) {
        if (quote) {
            if (*p == '\\' && p[1]) p++;
            else if (*p == quote) quote = 0;
            continue;
        }
        if (*p == '\'' || *p == '"' || *p == '`') quote = *p;
        else if (*p == '(') depth++;
        else if (*p == ')' && --depth < 0) break;
        else if (*p == ';' || (p[0] == '/' && p[1] == '*') || (p[0] == '-' && p[1] == '-') || *p == '#') {
            snprintf(err, errlen, "--where must be one condition: no ';' or comment outside a quoted string.");
            return -1;
        }
    }
    if (quote || depth != 0) {
        snprintf(err, errlen, "--where must be one condition with its quotes closed and its parentheses balanced.");
        return -1;
    }
    return 0;
}
