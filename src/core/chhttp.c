/* chhttp.c: owns talking to a ClickHouse server (chsource.h): one query
 * POSTed over its HTTP interface through libcurl, the TabSeparated answer
 * split into rows as it streams in (a row is held only until its callback
 * returns), and every failure turned into one sentence and an exit status.
 * The password goes to libcurl alone (basic authentication), never into a
 * URL or a message. A caller's cancel hook is asked from libcurl's progress
 * callback; a cancelled query is also stopped on the server (KILL QUERY by
 * the query_id each query is sent with). */
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "nettui/chsource.h"
#include "nettui/util.h"

#ifndef LINE_MAX_BYTES                 /* the fuzz build (tests/fuzz/fuzz.sh) sets a small one */
#define LINE_MAX_BYTES (1u << 20)   /* a longer row is not one nettui asked for */
#endif
#define ERR_BODY_MAX 4096           /* an error answer is kept up to this much */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_start(void) { curl_global_init(CURL_GLOBAL_DEFAULT); }

typedef struct stream {
    CURL *curl;
    ch_row_fn fn;
    void *user;
    char *line;                 /* the row being received */
    size_t len, cap;
    char body[ERR_BODY_MAX];    /* an error answer (not 200), or an exception after rows */
    size_t body_len;
    int is_error;               /* the answer is an error, not rows */
    int stopped;                /* the callback or memory stopped the transfer */
    int oom;
    int cancelled;              /* the caller's cancel hook said so */
    const ch_options *o;
    char *err; size_t errlen;
} stream;

/* TabSeparated escapes, undone in place: \t \n \\ \' \b \f \r \0; "\N"
 * (NULL) is left as it is. Returns the new length. */
static size_t unescape(char *s, size_t n)
{
    if (n == 2 && s[0] == '\\' && s[1] == 'N') return n;
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n) {
            char e = s[++i];
            c = e == 't' ? '\t' : e == 'n' ? '\n' : e == 'b' ? '\b' : e == 'f' ? '\f' : e == 'r' ? '\r' : e == '0' ? '\0' : e;
        }
        s[j++] = c;
    }
    return j;
}

static void keep_body(stream *s, const char *p, size_t n)
{
    size_t room = sizeof s->body - 1 - s->body_len;
    if (n > room) n = room;
    memcpy(s->body + s->body_len, p, n);
    s->body_len += n;
    s->body[s->body_len] = 0;
}

/* One complete line (no newline): an exception the server wrote after
 * rows it had sent, or a row for the callback. */
static int take_line(stream *s, char *p, size_t n)
{
    if (n >= 6 && !memcmp(p, "Code: ", 6) && !memchr(p, '\t', n)) {
        s->is_error = 1;
        keep_body(s, p, n);
        return -1;
    }
    char *field[CH_MAX_FIELDS];
    size_t len[CH_MAX_FIELDS];
    int nf = 0;
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || p[i] == '\t') {
            if (nf < CH_MAX_FIELDS) {
                field[nf] = p + start;
                len[nf] = unescape(p + start, i - start);
                nf++;
            }
            start = i + 1;
        }
    for (int k = 0; k < nf; k++) field[k][len[k]] = 0;   /* each field ends where a tab or the end was */
    if (s->fn(s->user, field, len, nf, s->err, s->errlen)) { s->stopped = 1; return -1; }
    return 0;
}

/* n bytes of a 200 answer into rows: n when all were taken, 0 when the
 * transfer must stop (a callback said so, an exception line, no memory). */
static size_t feed(stream *s, const char *p, size_t n)
{
    for (size_t i = 0; i < n; ) {
        char *nl = memchr(p + i, '\n', n - i);
        size_t part = nl ? (size_t)(nl - (p + i)) : n - i;
        if (s->len + part + 1 > s->cap) {
            size_t need = s->len + part + 1, cap = s->cap ? s->cap : 4096;
            while (cap < need) cap *= 2;
            if (cap > LINE_MAX_BYTES) cap = LINE_MAX_BYTES;   /* the limit is on the row, not on a power of two */
            char *q = need > LINE_MAX_BYTES ? NULL : realloc(s->line, cap);
            if (!q) { s->oom = 1; s->stopped = 1; return 0; }
            s->line = q; s->cap = cap;
        }
        memcpy(s->line + s->len, p + i, part);
        s->len += part;
        i += part;
        if (nl) {
            i++;
            size_t len = s->len;
            s->len = 0;
            if (take_line(s, s->line, len)) return 0;
        }
    }
    return n;
}

static size_t on_data(char *p, size_t size, size_t nmemb, void *arg)
{
    stream *s = arg;
    size_t n = size * nmemb;
    long status = 0;
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &status);
    if (status != 200) { s->is_error = 1; keep_body(s, p, n); return n; }
    return feed(s, p, n);
}

static const char *exception_text(const char *body, char *buf, size_t len)
{
    const char *m = strstr(body, "DB::Exception: ");
    m = m ? m + 15 : body;
    size_t n = strcspn(m, "\n");
    const char *what = strstr(m, ", e.what()");
    if (what && (size_t)(what - m) < n) n = (size_t)(what - m);
    /* the newer form ends "... (UNKNOWN_TABLE) (version 23.8.1.1)" */
    const char *ver = strstr(m, " (version ");
    if (ver && (size_t)(ver - m) < n) n = (size_t)(ver - m);
    if (n && m[n - 1] == ')') {
        const char *open = NULL;
        for (const char *q = m + n - 1; q > m; q--) if (*q == '(') { open = q; break; }
        if (open && open > m && open[-1] == ' ') n = (size_t)(open - 1 - m);
    }
    if (n >= len) n = len - 1;
    memcpy(buf, m, n);
    for (size_t i = 0; i < n; i++) if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f) buf[i] = ' ';   /* no control byte reaches the terminal */
    while (n && (buf[n - 1] == '.' || buf[n - 1] == ' ')) n--;   /* the sentence brings its own full stop */
    buf[n] = 0;
    return buf;
}

/* The number after the first "Code: ", or 0 when there is none or it does
 * not fit an int (atoi wrapped "Code: 4294967356" into 60, "the table does
 * not exist"). */
static int error_code(const char *body)
{
    const char *c = strstr(body, "Code: ");
    if (!c) return 0;
    c += 6;
    int neg = *c == '-';
    long long v = 0;
    for (c += neg; *c >= '0' && *c <= '9'; c++)
        if ((v = v * 10 + (*c - '0')) > INT_MAX) return 0;
    return neg ? -(int)v : (int)v;
}

int ch_error_sentence(const ch_url *u, const char *body, int *code, char *err, size_t errlen)
{
    char where[600], msg[700];
    ch_url_text(u, where, sizeof where);
    *code = error_code(body);
    exception_text(body, msg, sizeof msg);
    switch (*code) {
    case 192: case 193: case 194: case 516:
        snprintf(err, errlen, "the ClickHouse server %s refused user '%s': wrong user name or password.", where, u->user);
        return EXIT_NO_INPUT;
    case 60: case 81:
        snprintf(err, errlen, "table %s.%s does not exist on the ClickHouse server %s.", u->database, u->table, where);
        return EXIT_NO_INPUT;
    case 159:
        snprintf(err, errlen, "the ClickHouse query timed out on the server %s (--timeout).", where);
        return EXIT_FAILURE_RUN;
    case 241: case 173:
        snprintf(err, errlen, "the ClickHouse server %s ran out of memory for the query (%s); narrow it with --where.", where, msg);
        return EXIT_FAILURE_RUN;
    default:
        if (*code) snprintf(err, errlen, "the ClickHouse server %s refused the query: %s (code %d).", where, msg, *code);
        else snprintf(err, errlen, "the ClickHouse server %s answered with an error: %s.", where, msg[0] ? msg : "no reason given");
        return EXIT_FAILURE_RUN;
    }
}

int ch_parse_tsv(const ch_url *u, const char *data, size_t n, size_t chunk, ch_row_fn fn, void *user, char *err,
                 size_t errlen)
{
    stream s;
    memset(&s, 0, sizeof s);
    s.fn = fn; s.user = user; s.err = err; s.errlen = errlen;
    err[0] = 0;
    if (!chunk) chunk = n ? n : 1;
    int go = 1;
    for (size_t i = 0; go && i < n; i += chunk) {
        size_t m = n - i < chunk ? n - i : chunk;
        go = feed(&s, data + i, m) == m;
    }
    /* a last row without its newline, as ch_query takes it */
    if (go && !s.is_error && s.len) {
        size_t len = s.len;
        s.len = 0;
        take_line(&s, s.line, len);
    }
    free(s.line);
    char where[600];
    ch_url_text(u, where, sizeof where);
    int code;
    if (s.oom) { snprintf(err, errlen, "the answer of the ClickHouse server %s is larger than memory (or has a row over 1 MB).", where); return EXIT_FAILURE_RUN; }
    if (s.stopped && !s.is_error) return EXIT_FAILURE_RUN;
    if (s.is_error) return ch_error_sentence(u, s.body, &code, err, errlen);
    return EXIT_OK;
}

/* libcurl's progress callback: called at least once a second while the
 * query runs (also while the server computes and sends nothing), so a
 * cancel is seen within a second. Nonzero aborts the transfer. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
    stream *s = arg;
    (void)dltotal; (void)dlnow; (void)ultotal; (void)ulnow;
    if (s->o && s->o->cancel && s->o->cancel(s->o->cancel_user)) s->cancelled = 1;
    return s->cancelled;
}

static int ignore_row(void *user, char **f, size_t *len, int nf, char *err, size_t errlen) { return 0; }

/* Asks the server to stop the query qid (ours: the same user may), without
 * waiting for it to stop; bounded by 2 s, its answer and failure ignored:
 * the cancel has already happened on our side. */
static void kill_query(const ch_url *u, const char *qid)
{
    char sql[160], e[256];
    snprintf(sql, sizeof sql, "KILL QUERY WHERE query_id = '%s' ASYNC FORMAT TabSeparated", qid);   /* qid: our own characters */
    ch_options ko;
    memset(&ko, 0, sizeof ko);
    ko.timeout_s = 2;
    ch_query(u, &ko, 0, sql, ignore_row, NULL, NULL, e, sizeof e);
}

int ch_query(const ch_url *u, const ch_options *o, int one_stream, const char *sql, ch_row_fn fn, void *user,
             double *seconds, char *err, size_t errlen)
{
    double timeout_s = o ? o->timeout_s : 0;
    pthread_once(&curl_once, curl_start);
    double t0 = util_now();
    char where[600], url[800];
    ch_url_text(u, where, sizeof where);
    char host[300];
    snprintf(host, sizeof host, "%s", u->host);
    /* the database goes as a parameter (checked identifier); the server
     * stops a query past the timeout too, so it does not run on alone */
    int n = snprintf(url, sizeof url, "%s://%s:%d/?database=%s&max_query_size=1048576&max_bytes_before_external_group_by=600000000&max_bytes_before_external_sort=600000000", u->https ? "https" : "http",
                     host, u->port, u->database);
    if (timeout_s > 0) n += snprintf(url + n, sizeof url - (size_t)n, "&max_execution_time=%.0f", timeout_s < 1 ? 1 : timeout_s);
    if (one_stream) n += snprintf(url + n, sizeof url - (size_t)n, "&max_threads=1");
    /* an id of our own, so that a cancelled query can be stopped on the
     * server too (18.16 has no cancel_http_readonly_queries_on_client_close:
     * a closed connection alone leaves a GROUP BY running to its end) */
    static atomic_uint seq;
    char qid[64];
    snprintf(qid, sizeof qid, "nettui-%ld-%u-%lld", (long)getpid(), atomic_fetch_add(&seq, 1), (long long)(t0 * 1000));
    snprintf(url + n, sizeof url - (size_t)n, "&query_id=%s", qid);
    stream s;
    memset(&s, 0, sizeof s);
    s.fn = fn; s.user = user; s.err = err; s.errlen = errlen; s.o = o;
    err[0] = 0;
    CURL *c = curl_easy_init();
    if (!c) { snprintf(err, errlen, "out of memory for the connection to %s.", where); return EXIT_FAILURE_RUN; }
    s.curl = c;
    curl_easy_setopt(c, CURLOPT_URL, url);
#if LIBCURL_VERSION_NUM >= 0x075500
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
#endif
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_POST, 1L);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, sql);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(sql));
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERNAME, u->user);
    curl_easy_setopt(c, CURLOPT_PASSWORD, u->password);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_s > 0 && timeout_s < 10 ? (long)(timeout_s * 1000) : 10000L);
    if (timeout_s > 0) curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)(timeout_s * 1000));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "nettui");
    if (o && o->cancel) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, &s);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode rc = curl_easy_perform(c);
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    /* a last row without its newline */
    if (rc == CURLE_OK && !s.is_error && s.len && status == 200) {
        size_t len = s.len;
        s.len = 0;
        if (take_line(&s, s.line, len)) rc = CURLE_WRITE_ERROR;
    }
    curl_easy_cleanup(c);
    free(s.line);
    if (seconds) *seconds = util_now() - t0;
    int code;
    if (s.cancelled) {
        kill_query(u, qid);
        snprintf(err, errlen, "the ClickHouse query on %s was cancelled.", where);
        return EXIT_FAILURE_RUN;
    }
    if (s.oom) { snprintf(err, errlen, "the answer of the ClickHouse server %s is larger than memory (or has a row over 1 MB).", where); return EXIT_FAILURE_RUN; }
    if (s.stopped && !s.is_error) return EXIT_FAILURE_RUN;   /* the callback said why */
    if (s.is_error || (rc == CURLE_OK && status != 200)) {
        if (s.body_len == 0 && (status == 401 || status == 403)) {
            snprintf(err, errlen, "the ClickHouse server %s refused user '%s': wrong user name or password.", where, u->user);
            return EXIT_NO_INPUT;
        }
        return ch_error_sentence(u, s.body, &code, err, errlen);
    }
    switch (rc) {
    case CURLE_OK: return EXIT_OK;
    case CURLE_COULDNT_RESOLVE_HOST: case CURLE_COULDNT_CONNECT: case CURLE_COULDNT_RESOLVE_PROXY:
        snprintf(err, errlen, "cannot reach the ClickHouse server %s (%s).", where, curl_easy_strerror(rc));
        return EXIT_NO_INPUT;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(err, errlen, "the ClickHouse query timed out after %g s (--timeout) on %s.", timeout_s > 0 ? timeout_s : 10, where);
        return EXIT_FAILURE_RUN;
    case CURLE_PEER_FAILED_VERIFICATION: case CURLE_SSL_CONNECT_ERROR: case CURLE_SSL_CACERT_BADFILE:
        snprintf(err, errlen, "cannot verify the TLS certificate of the ClickHouse server %s (%s).", where, curl_easy_strerror(rc));
        return EXIT_NO_INPUT;
    default:
        snprintf(err, errlen, "the connection to the ClickHouse server %s failed (%s).", where, curl_easy_strerror(rc));
        return EXIT_NO_INPUT;
    }
}
