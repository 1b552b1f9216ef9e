/* filter.c: the flow filter language of filter.h: a tokenizer, a
 * recursive-descent parser into a small n-ary tree, and a block evaluator
 * over the table's columns. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nettui/filter.h"
#include "nettui/format.h"
#include "nettui/load.h"
#include "nettui/util.h"

#define MAX_TOKENS 512
#define MAX_NODES  512
#define MAX_DEPTH  64
#define BLOCK      2048

enum node_kind { N_ALL, N_NOT, N_AND, N_OR, N_HOST, N_SRC, N_DST, N_NET, N_SRCNET, N_DSTNET,
                 N_PORT, N_AFTER, N_BEFORE, N_BYTES, N_HOUR };
enum cmp_op { OP_GT, OP_LT, OP_GE, OP_LE, OP_EQ, OP_NE };

typedef struct node {
    int kind;
    int kid0, nkids;        /* N_NOT, N_AND, N_OR: children kids[kid0 .. kid0+nkids) */
    int op;                 /* N_BYTES */
    int64_t num;            /* port, time, byte count */
    cidr block;             /* net atoms */
    int tok;                /* host atoms: the token naming the host */
    host_id id;             /* bound host (HOST_NONE: unknown, matches nothing) */
    uint8_t *bm;            /* bound net bitmap over host ids */
} node;

typedef struct token {
    int start, len;         /* in the expression; len counts the raw text */
    char *text;             /* the word (quotes removed) */
} token;

struct flow_filter {
    node nodes[MAX_NODES];
    int nnodes;
    int kids[MAX_NODES];
    int nkids;
    int root;
    token toks[MAX_TOKENS];
    int ntoks;
    char *buf;              /* the words, NUL-separated */
    uint32_t nhosts;        /* the host count of the bound table (the net bitmaps' length) */
};

/* ---- time ------------------------------------------------------------------ */

/* TIME: epoch milliseconds, or a UTC date and time in the forms the loader
 * reads (timeparse.c's time_parse_text), with the time of day optional and
 * its seconds too: the text is completed to "YYYY-MM-DD HH:MM:SS[.fff]Z"
 * (Z: a filter's times are UTC whatever --tz says) and handed over. */
int filter_parse_time(const char *s, size_t len, int64_t *ms)
{
    if (len == 0) return -1;
    size_t i = 0;
    while (i < len && isdigit((unsigned char)s[i])) i++;
    if (i == len) {                       /* epoch milliseconds */
        if (len > 18) return -1;
        int64_t v = 0;
        for (i = 0; i < len; i++) v = v * 10 + (s[i] - '0');
        *ms = v;
        return 0;
    }
    if (len < 10 || len > 64 || !time_looks_like(s, len)) return -1;
    char buf[96];
    size_t n = 0;
    memcpy(buf, s, 10);
    n = 10;
    if (len == 10) {
        memcpy(buf + n, " 00:00:00", 9); n += 9;
    } else {
        if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return -1;
        size_t rest = len - 11;
        const char *r = s + 11;
        if (rest && (r[rest - 1] == 'Z' || r[rest - 1] == 'z')) rest--;   /* UTC either way */
        buf[n++] = ' ';
        memcpy(buf + n, r, rest); n += rest;
        if (rest == 5) { memcpy(buf + n, ":00", 3); n += 3; }   /* HH:MM */
    }
    buf[n++] = 'Z';
    return time_parse_text(buf, n, LOAD_TS_MAX_MS, ms);
}

char *filter_format_iso(int64_t ms, char *buf, size_t len)
{
    int64_t s = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int msec = (int)(ms - s * 1000);
    time_t tt = (time_t)s;
    struct tm tm;
    char day[32];
    if (!gmtime_r(&tt, &tm) || !strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm))
        snprintf(buf, len, "%lld", (long long)ms);
    else
        snprintf(buf, len, "%s.%03dZ", day, msec);
    return buf;
}

/* ---- tokens ---------------------------------------------------------------- */

static int is_op_char(char c) { return c == '<' || c == '>' || c == '=' || c == '!'; }

/* Splits expr into words, "(", ")", comparison operators and "quoted words".
 * -1 with a sentence on a bad character or too many words. */
static int tokenize(flow_filter *f, const char *expr, char *err, size_t errlen, int *oom)
{
    size_t n = strlen(expr);
    f->buf = malloc(n * 2 + 2);
    if (!f->buf) { *oom = 1; snprintf(err, errlen, "out of memory."); return -1; }
    char *w = f->buf;
    size_t i = 0;
    while (i < n) {
        if (isspace((unsigned char)expr[i])) { i++; continue; }
        if (f->ntoks == MAX_TOKENS) {
            snprintf(err, errlen, "the expression has more than %d words.", MAX_TOKENS);
            return -1;
        }
        token *t = &f->toks[f->ntoks++];
        t->start = (int)i;
        t->text = w;
        char c = expr[i];
        if (c == '(' || c == ')') {
            *w++ = c; i++;
        } else if (is_op_char(c)) {
            while (i < n && is_op_char(expr[i])) *w++ = expr[i++];
        } else if (c == '"' || c == '\'') {
            size_t j = i + 1;
            while (j < n && expr[j] != c) *w++ = expr[j++];
            if (j == n) {
                snprintf(err, errlen, "the quote at character %zu is never closed.", i + 1);
                return -1;
            }
            i = j + 1;
        } else {
            while (i < n && !isspace((unsigned char)expr[i]) && expr[i] != '(' && expr[i] != ')'
                   && !is_op_char(expr[i]) && expr[i] != '"' && expr[i] != '\'')
                *w++ = expr[i++];
        }
        *w++ = 0;
        t->len = (int)(i - (size_t)t->start);
    }
    return 0;
}

/* ---- parser ---------------------------------------------------------------- */

typedef struct parser {
    flow_filter *f;
    const char *expr;
    int pos;
    int depth;
    char *err;
    size_t errlen;
    int failed;
} parser;

static const char *const keywords[] = {"and", "or", "not", "host", "src", "dst", "port", "net",
                                       "after", "before", "bytes", "hour", "all", "(", ")"};

static int is_keyword(const char *s)
{
    for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
        if (!strcmp(s, keywords[k])) return 1;
    return 0;
}

static const char *peek(parser *p) { return p->pos < p->f->ntoks ? p->f->toks[p->pos].text : NULL; }

/* The word of token t as printable text: at most 40 bytes, control bytes
 * shown as '?', so the sentence stays one line. */
static const char *word_text(const parser *p, const token *t, char *buf, size_t len)
{
    size_t n = (size_t)(t->len > 40 ? 40 : t->len), o = 0;
    for (size_t i = 0; i < n && o + 1 < len; i++) {
        unsigned char c = (unsigned char)p->expr[t->start + (int)i];
        buf[o++] = c < 32 || c == 127 ? '?' : (char)c;
    }
    buf[o] = 0;
    return buf;
}

/* One sentence: the offending word (or the end) and what was expected. */
static int fail(parser *p, const char *expected)
{
    char w[48];
    if (p->failed) return -1;
    p->failed = 1;
    if (p->pos < p->f->ntoks) {
        const token *t = &p->f->toks[p->pos];
        snprintf(p->err, p->errlen, "'%s' at character %d: expected %s.", word_text(p, t, w, sizeof w),
                 t->start + 1, expected);
    } else if (p->f->ntoks) {
        const token *t = &p->f->toks[p->f->ntoks - 1];
        snprintf(p->err, p->errlen, "the expression ends after '%s' at character %d: expected %s.",
                 word_text(p, t, w, sizeof w), t->start + 1, expected);
    } else {
        snprintf(p->err, p->errlen, "the expression is empty: expected %s.", expected);
    }
    return -1;
}

static int new_node(parser *p, int kind)
{
    if (p->f->nnodes == MAX_NODES) {
        if (!p->failed)
            snprintf(p->err, p->errlen, "the expression has more than %d terms.", MAX_NODES);
        p->failed = 1;
        return -1;
    }
    node *nd = &p->f->nodes[p->f->nnodes];
    memset(nd, 0, sizeof *nd);
    nd->kind = kind;
    nd->id = HOST_NONE;
    return p->f->nnodes++;
}

static int parse_or(parser *p);

static int parse_host(parser *p, int kind)
{
    const char *w = peek(p);
    if (!w || is_keyword(w) || is_op_char(*w)) return fail(p, "a host address such as 13.37.0.1 or a host name");
    /* digits and dots only: it must be a dotted quad */
    if (strspn(w, "0123456789.") == strlen(w)) {
        uint32_t ip;
        if (ipv4_parse(w, strlen(w), &ip)) return fail(p, "an IPv4 address such as 13.37.0.1");
    }
    int n = new_node(p, kind);
    if (n < 0) return -1;
    p->f->nodes[n].tok = p->pos++;
    return n;
}

static int parse_net(parser *p, int kind)
{
    const char *w = peek(p);
    cidr_list l;
    char e[200];
    if (!w || strchr(w, ',') || cidr_list_parse(&l, w, e, sizeof e) || l.n != 1)
        return fail(p, "a network block such as 10.0.0.0/8");
    int n = new_node(p, kind);
    if (n < 0) return -1;
    p->f->nodes[n].block = l.v[0];
    p->pos++;
    return n;
}

static int parse_uint(const char *w, int64_t max, int64_t *v)
{
    if (!w || !*w || strspn(w, "0123456789") != strlen(w) || strlen(w) > 18) return -1;
    int64_t x = strtoll(w, NULL, 10);
    if (x > max) return -1;
    *v = x;
    return 0;
}

static int parse_time_atom(parser *p, int kind)
{
    const char *w = peek(p);
    const char *expect = "a time: epoch milliseconds, YYYY-MM-DD[ HH:MM[:SS]] or YYYY-MM-DDTHH:MM:SSZ (UTC)";
    if (!w) return fail(p, expect);
    char text[96];
    snprintf(text, sizeof text, "%s", w);
    int used = 1;
    /* "2020-01-06 16:00": a date, then a time as the next word */
    if (strlen(w) == 10 && w[4] == '-' && p->pos + 1 < p->f->ntoks) {
        const char *nx = p->f->toks[p->pos + 1].text;
        if (isdigit((unsigned char)nx[0]) && strchr(nx, ':') && strlen(w) + strlen(nx) + 2 < sizeof text) {
            snprintf(text, sizeof text, "%s %s", w, nx);
            used = 2;
        }
    }
    int64_t ms;
    if (filter_parse_time(text, strlen(text), &ms)) return fail(p, expect);
    int n = new_node(p, kind);
    if (n < 0) return -1;
    p->f->nodes[n].num = ms;
    p->pos += used;
    return n;
}

static int parse_factor(parser *p)
{
    const char *w = peek(p);
    if (!w) return fail(p, "a filter such as host, src, dst, port, net, after, before, bytes, not or a parenthesis");
    if (++p->depth > MAX_DEPTH) {
        if (!p->failed) snprintf(p->err, p->errlen, "the expression nests deeper than %d levels.", MAX_DEPTH);
        p->failed = 1;
        return -1;
    }
    int n = -1;
    if (!strcmp(w, "not") || !strcmp(w, "!")) {
        p->pos++;
        int k = parse_factor(p);
        if (k < 0) goto out;
        n = new_node(p, N_NOT);
        if (n < 0) goto out;
        if (p->f->nkids == MAX_NODES) { n = -1; goto out; }
        p->f->nodes[n].kid0 = p->f->nkids;
        p->f->nodes[n].nkids = 1;
        p->f->kids[p->f->nkids++] = k;
    } else if (!strcmp(w, "(")) {
        p->pos++;
        n = parse_or(p);
        if (n < 0) goto out;
        w = peek(p);
        if (!w || strcmp(w, ")")) { n = fail(p, "')' to close the '(' before it"); goto out; }
        p->pos++;
    } else if (!strcmp(w, "host")) {
        p->pos++;
        n = parse_host(p, N_HOST);
    } else if (!strcmp(w, "src") || !strcmp(w, "dst")) {
        int src = w[0] == 's';
        p->pos++;
        const char *x = peek(p);
        if (x && !strcmp(x, "net")) { p->pos++; n = parse_net(p, src ? N_SRCNET : N_DSTNET); }
        else {
            if (x && !strcmp(x, "host")) p->pos++;
            n = parse_host(p, src ? N_SRC : N_DST);
        }
    } else if (!strcmp(w, "net")) {
        p->pos++;
        n = parse_net(p, N_NET);
    } else if (!strcmp(w, "port")) {
        p->pos++;
        int64_t v;
        if (parse_uint(peek(p), 65535, &v)) { n = fail(p, "a port number from 0 to 65535"); goto out; }
        n = new_node(p, N_PORT);
        if (n < 0) goto out;
        p->f->nodes[n].num = v;
        p->pos++;
    } else if (!strcmp(w, "hour")) {
        /* "hour 7" or "hour 16-24": UTC hours of day, B excluded, wrapping midnight */
        p->pos++;
        const char *x = peek(p);
        int64_t a = -1, b = -1;
        const char *dash = x ? strchr(x, '-') : NULL;
        char first[8] = "";
        if (x && dash && dash - x < (int)sizeof first) { memcpy(first, x, (size_t)(dash - x)); first[dash - x] = 0; }
        int ok = x && (dash ? !parse_uint(first, 23, &a) && !parse_uint(dash + 1, 24, &b) && a != b % 24
                            : !parse_uint(x, 23, &a));
        if (!ok) { n = fail(p, "an hour of day from 0 to 23, or a span A-B such as 16-24 or 22-6"); goto out; }
        if (!dash) b = a + 1;
        n = new_node(p, N_HOUR);
        if (n < 0) goto out;
        int64_t mask = 0;
        for (int64_t hh = a; hh != b % 24; hh = (hh + 1) % 24) mask |= (int64_t)1 << hh;
        p->f->nodes[n].num = mask;
        p->pos++;
    } else if (!strcmp(w, "after") || !strcmp(w, "before")) {
        p->pos++;
        n = parse_time_atom(p, w[0] == 'a' ? N_AFTER : N_BEFORE);
    } else if (!strcmp(w, "bytes")) {
        p->pos++;
        const char *o = peek(p);
        static const char *const ops[] = {">", "<", ">=", "<=", "=", "!="};
        int op = -1;
        for (int k = 0; o && k < 6; k++) if (!strcmp(o, ops[k])) op = k;
        if (o && !strcmp(o, "==")) op = OP_EQ;
        if (op < 0) { n = fail(p, "a comparison: >, <, >=, <=, = or !="); goto out; }
        p->pos++;
        int64_t v;
        if (parse_uint(peek(p), INT64_MAX, &v)) { n = fail(p, "a byte count (a whole number)"); goto out; }
        n = new_node(p, N_BYTES);
        if (n < 0) goto out;
        p->f->nodes[n].op = op;
        p->f->nodes[n].num = v;
        p->pos++;
    } else if (!strcmp(w, "all") || !strcmp(w, "any")) {
        p->pos++;
        n = new_node(p, N_ALL);
    } else {
        n = fail(p, "a filter such as host, src, dst, port, net, after, before, bytes, not or a parenthesis");
    }
out:
    p->depth--;
    return n;
}

/* term { sep term }: an n-ary node of kind, or the lone term. */
static int parse_list(parser *p, int kind, const char *sep, int (*sub)(parser *))
{
    int items[MAX_NODES];
    int n = 0;
    int k = sub(p);
    if (k < 0) return -1;
    items[n++] = k;
    while (peek(p) && (!strcmp(peek(p), sep) || (kind == N_AND && !strcmp(peek(p), "&&"))
                       || (kind == N_OR && !strcmp(peek(p), "||")))) {
        p->pos++;
        k = sub(p);
        if (k < 0) return -1;
        if (n == MAX_NODES) return -1;
        items[n++] = k;
    }
    if (n == 1) return items[0];
    if (p->f->nkids + n > MAX_NODES) {
        if (!p->failed) snprintf(p->err, p->errlen, "the expression has more than %d terms.", MAX_NODES);
        p->failed = 1;
        return -1;
    }
    int nd = new_node(p, kind);
    if (nd < 0) return -1;
    p->f->nodes[nd].kid0 = p->f->nkids;
    p->f->nodes[nd].nkids = n;
    memcpy(&p->f->kids[p->f->nkids], items, (size_t)n * sizeof *items);
    p->f->nkids += n;
    return nd;
}

static int parse_and(parser *p) { return parse_list(p, N_AND, "and", parse_factor); }
static int parse_or(parser *p) { return parse_list(p, N_OR, "or", parse_and); }

flow_filter *filter_parse(const char *expr, char *err, size_t errlen, int *oom)
{
    int dummy;
    if (!oom) oom = &dummy;
    *oom = 0;
    flow_filter *f = calloc(1, sizeof *f);
    if (!f) { *oom = 1; snprintf(err, errlen, "out of memory."); return NULL; }
    if (tokenize(f, expr ? expr : "", err, errlen, oom)) { filter_free(f); return NULL; }
    parser p = {f, expr, 0, 0, err, errlen, 0};
    if (f->ntoks == 0) {
        f->root = new_node(&p, N_ALL);
        return f;
    }
    f->root = parse_or(&p);
    if (f->root >= 0 && p.pos < f->ntoks) {
        const char *w = peek(&p);
        fail(&p, !strcmp(w, ")") ? "no ')' here: it closes no '('" : "'and', 'or' or the end of the expression");
        f->root = -1;
    }
    if (f->root < 0) {
        if (!p.failed) snprintf(err, errlen, "the expression is not valid.");
        filter_free(f);
        return NULL;
    }
    return f;
}

void filter_free(flow_filter *f)
{
    if (!f) return;
    for (int i = 0; i < f->nnodes; i++) free(f->nodes[i].bm);
    free(f->buf);
    free(f);
}

int filter_is_all(const flow_filter *f)
{
    return f->nodes[f->root].kind == N_ALL;
}

/* ---- binding and evaluation --------------------------------------------------- */

int filter_bind(flow_filter *f, const flow_table *t)
{
    const host_dict *d = &t->hosts;
    f->nhosts = d->n;
    for (int i = 0; i < f->nnodes; i++) {
        node *nd = &f->nodes[i];
        switch (nd->kind) {
        case N_HOST: case N_SRC: case N_DST:
            nd->id = hosts_find(d, f->toks[nd->tok].text);
            break;
        case N_NET: case N_SRCNET: case N_DSTNET: {
            free(nd->bm);
            nd->bm = calloc(d->n ? d->n : 1, 1);
            if (!nd->bm) return -1;
            for (uint32_t h = 0; h < d->n; h++)
                nd->bm[h] = d->name_off[h] == UINT32_MAX && (d->ip[h] & nd->block.mask) == nd->block.net;
            break;
        }
        default: break;
        }
    }
    return 0;
}

static int cmp_bytes(uint64_t v, int op, uint64_t n)
{
    switch (op) {
    case OP_GT: return v > n;
    case OP_LT: return v < n;
    case OP_GE: return v >= n;
    case OP_LE: return v <= n;
    case OP_EQ: return v == n;
    default: return v != n;
    }
}

static void eval_node(const flow_filter *f, int ni, const flow_table *t, size_t b, size_t e, uint8_t *out)
{
    const node *nd = &f->nodes[ni];
    size_t m = e - b;
    switch (nd->kind) {
    case N_ALL: memset(out, 1, m); return;
    case N_HOST: {
        const host_id *s = t->src + b, *d = t->dst + b;
        host_id h = nd->id;
        for (size_t k = 0; k < m; k++) out[k] = (uint8_t)((s[k] == h) | (d[k] == h));
        return;
    }
    case N_SRC: case N_DST: {
        const host_id *s = (nd->kind == N_SRC ? t->src : t->dst) + b;
        host_id h = nd->id;
        for (size_t k = 0; k < m; k++) out[k] = s[k] == h;
        return;
    }
    case N_NET: {
        const host_id *s = t->src + b, *d = t->dst + b;
        const uint8_t *bm = nd->bm;
        for (size_t k = 0; k < m; k++) out[k] = bm[s[k]] | bm[d[k]];
        return;
    }
    case N_SRCNET: case N_DSTNET: {
        const host_id *s = (nd->kind == N_SRCNET ? t->src : t->dst) + b;
        const uint8_t *bm = nd->bm;
        for (size_t k = 0; k < m; k++) out[k] = bm[s[k]];
        return;
    }
    case N_PORT: {
        const uint16_t *p = t->port + b;
        uint16_t v = (uint16_t)nd->num;
        for (size_t k = 0; k < m; k++) out[k] = p[k] == v;
        return;
    }
    case N_AFTER: {
        const int64_t *ts = t->ts + b;
        int64_t v = nd->num;
        for (size_t k = 0; k < m; k++) out[k] = ts[k] >= v;
        return;
    }
    case N_BEFORE: {
        const int64_t *ts = t->ts + b;
        int64_t v = nd->num;
        for (size_t k = 0; k < m; k++) out[k] = ts[k] < v;
        return;
    }
    case N_BYTES: {
        const uint32_t *by = t->bytes + b;
        uint64_t v = (uint64_t)nd->num;
        for (size_t k = 0; k < m; k++) {
            uint64_t x = by[k] != FLOWS_BYTES_BIG ? by[k] : flows_bytes_at(t, b + k);
            out[k] = (uint8_t)cmp_bytes(x, nd->op, v);
        }
        return;
    }
    case N_HOUR: {
        const int64_t *ts = t->ts + b;
        uint32_t mask = (uint32_t)nd->num;
        for (size_t k = 0; k < m; k++) {
            int64_t hrs = ts[k] >= 0 ? ts[k] / 3600000 : -((-ts[k] + 3599999) / 3600000);
            int hh = (int)(hrs % 24);
            if (hh < 0) hh += 24;
            out[k] = (uint8_t)((mask >> hh) & 1);
        }
        return;
    }
    case N_NOT:
        eval_node(f, f->kids[nd->kid0], t, b, e, out);
        for (size_t k = 0; k < m; k++) out[k] ^= 1;
        return;
    case N_AND: case N_OR: {
        uint8_t tmp[BLOCK];
        eval_node(f, f->kids[nd->kid0], t, b, e, out);
        for (int c = 1; c < nd->nkids; c++) {
            /* stop early once the block is decided */
            int any = memchr(out, nd->kind == N_AND ? 1 : 0, m) != NULL;
            if (!any) return;
            eval_node(f, f->kids[nd->kid0 + c], t, b, e, tmp);
            if (nd->kind == N_AND) for (size_t k = 0; k < m; k++) out[k] &= tmp[k];
            else for (size_t k = 0; k < m; k++) out[k] |= tmp[k];
        }
        return;
    }
    }
}

void filter_eval(const flow_filter *f, const flow_table *t, size_t begin, size_t end, uint8_t *out)
{
    for (size_t b = begin; b < end; b += BLOCK) {
        size_t e = end - b > BLOCK ? b + BLOCK : end;
        eval_node(f, f->root, t, b, e, out + (b - begin));
    }
}

int filter_match(const flow_filter *f, const flow_table *t, size_t i)
{
    uint8_t r;
    eval_node(f, f->root, t, i, i + 1, &r);
    return r;
}

size_t filter_scan(const flow_filter *f, const flow_table *t, size_t begin, size_t end,
                   int (*fn)(size_t row, void *arg), void *arg)
{
    uint8_t out[BLOCK];
    size_t hits = 0;
    for (size_t b = begin; b < end; b += BLOCK) {
        size_t e = end - b > BLOCK ? b + BLOCK : end;
        eval_node(f, f->root, t, b, e, out);
        const uint8_t *p = out, *stop = out + (e - b);
        while ((p = memchr(p, 1, (size_t)(stop - p))) != NULL) {
            hits++;
            if (fn && fn(b + (size_t)(p - out), arg)) return hits;
            p++;
        }
    }
    return hits;
}

/* ---- planning for the host index ---------------------------------------------------- */

typedef struct planner {
    const flow_filter *f;
    uint64_t (*cost)(host_id, void *);
    void *user;
    int max;
} planner;

/* Sorts and removes repeats; returns the new count. */
static int hosts_unique(host_id *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, util_cmp_u32);
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!m || v[m - 1] != v[i]) v[m++] = v[i];
    return m;
}

/* The hosts one of which every row node ni keeps has at an end, into out
 * (room for pl->max), or -1. Recursion is bounded by the parser's depth. */
static int plan_node(const planner *pl, int ni, host_id *out)
{
    const flow_filter *f = pl->f;
    const node *nd = &f->nodes[ni];
    switch (nd->kind) {
    case N_HOST: case N_SRC: case N_DST:
        if (nd->id == HOST_NONE) return 0;
        out[0] = nd->id;
        return 1;
    case N_NET: case N_SRCNET: case N_DSTNET: {
        int n = 0;
        for (uint32_t h = 0; h < f->nhosts; h++) {
            if (!nd->bm[h]) continue;
            if (n == pl->max) return -1;
            out[n++] = h;
        }
        return n;
    }
    case N_OR: {
        int n = 0;
        host_id *tmp = malloc((size_t)pl->max * sizeof *tmp);
        if (!tmp) return -1;
        for (int c = 0; c < nd->nkids; c++) {
            int k = plan_node(pl, f->kids[nd->kid0 + c], tmp);
            if (k < 0 || k > pl->max - n) { n = -1; break; }
            memcpy(out + n, tmp, (size_t)k * sizeof *tmp);
            n = hosts_unique(out, n + k);
        }
        free(tmp);
        return n;
    }
    case N_AND: {
        /* any conjunct's set will do: the one with the shortest lists */
        int best = -1;
        uint64_t best_cost = 0;
        host_id *tmp = malloc((size_t)pl->max * sizeof *tmp);
        if (!tmp) return -1;
        for (int c = 0; c < nd->nkids; c++) {
            int k = plan_node(pl, f->kids[nd->kid0 + c], tmp);
            if (k < 0) continue;
            uint64_t cost = 0;
            for (int i = 0; i < k; i++) cost += pl->cost ? pl->cost(tmp[i], pl->user) : 1;
            if (best < 0 || cost < best_cost) {
                best = k;
                best_cost = cost;
                memcpy(out, tmp, (size_t)k * sizeof *tmp);
            }
        }
        free(tmp);
        return best;
    }
    default:
        return -1;   /* not, all, port, times, bytes, hours: rows of any host */
    }
}

int filter_plan_hosts(const flow_filter *f, uint64_t (*cost)(host_id h, void *user), void *user,
                      host_id *out, int max)
{
    if (max < 1) return -1;
    planner pl = { f, cost, user, max };
    int n = plan_node(&pl, f->root, out);
    return n < 0 ? -1 : hosts_unique(out, n);
}

/* ---- the tree, read-only -------------------------------------------------------- */

_Static_assert((int)N_HOUR == (int)FILTER_HOUR && (int)N_ALL == (int)FILTER_ALL && (int)N_BYTES == (int)FILTER_BYTES,
               "filter.h's kinds are node_kind");
_Static_assert((int)OP_NE == (int)FILTER_NE && (int)OP_GT == (int)FILTER_GT, "filter.h's operators are cmp_op");

int filter_root(const flow_filter *f)
{
    return f->root;
}

void filter_node_view(const flow_filter *f, int i, filter_view *out)
{
    const node *nd = &f->nodes[i];
    memset(out, 0, sizeof *out);
    out->kind = nd->kind;
    out->nkids = nd->kind == N_NOT || nd->kind == N_AND || nd->kind == N_OR ? nd->nkids : 0;
    out->op = nd->op;
    out->num = nd->num;
    out->block = nd->block;
    if (nd->kind == N_HOST || nd->kind == N_SRC || nd->kind == N_DST) out->host = f->toks[nd->tok].text;
}

int filter_kid(const flow_filter *f, int i, int k)
{
    return f->kids[f->nodes[i].kid0 + k];
}
