/* churl.c: owns the ClickHouse source's URL (chsource.h): parsing it,
 * naming it without the password, the password's other sources, and
 * which names may reach SQL. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nettui/chsource.h"

int ch_is_url(const char *text)
{
    return text && (!strncasecmp(text, "clickhouse://", 13) || !strncasecmp(text, "clickhouses://", 14));
}

int ch_identifier_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= CH_NAME_MAX || isdigit((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_') return 0;
    return 1;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes n bytes of s into out (len bytes with the NUL); -1 on a
 * bad escape, a NUL byte, or no room. */
static int decode(const char *s, size_t n, char *out, size_t len)
{
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '%') {
            int hi = i + 1 < n ? hexval(s[i + 1]) : -1;
            int lo = i + 2 < n ? hexval(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || hi * 16 + lo == 0) return -1;
            c = (char)(hi * 16 + lo);
            i += 2;
        }
        if (j + 1 >= len) return -1;
        out[j++] = c;
    }
    out[j] = 0;
    return 0;
}

int ch_url_parse(const char *text, ch_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    if (!ch_is_url(text)) { snprintf(err, errlen, "a ClickHouse source starts with clickhouse:// or clickhouses://."); return -1; }
    u->https = text[10] == 's' || text[10] == 'S';
    const char *p = text + (u->https ? 14 : 13);
    const char *slash = strchr(p, '/');
    if (!slash) {
        snprintf(err, errlen, "the ClickHouse URL names no table: write clickhouse://HOST[:PORT]/DATABASE.TABLE.");
        return -1;
    }
    /* the user part ends at the last '@' before the path: a password may hold '@' */
    const char *at = NULL;
    for (const char *q = p; q < slash; q++) if (*q == '@') at = q;
    strcpy(u->user, "default");
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        size_t ulen = (size_t)((colon ? colon : at) - p);
        if (ulen && decode(p, ulen, u->user, sizeof u->user)) {
            snprintf(err, errlen, "the user in the ClickHouse URL is not valid (too long, or a bad %%-escape).");
            return -1;
        }
        /* the user is named in messages: no control byte reaches the terminal */
        for (const char *c = u->user; *c; c++)
            if ((unsigned char)*c < 0x20 || *c == 0x7f) {
                snprintf(err, errlen, "the user in the ClickHouse URL holds a control character.");
                return -1;
            }
        if (colon) {
            if (decode(colon + 1, (size_t)(at - colon - 1), u->password, sizeof u->password)) {
                snprintf(err, errlen, "the password in the ClickHouse URL is not valid (too long, or a bad %%-escape).");
                return -1;
            }
            u->has_password = 1;
        }
        p = at + 1;
    }
    /* host, [v6], and :port */
    const char *hend = slash, *colon = NULL;
    if (*p == '[') {
        const char *rb = memchr(p, ']', (size_t)(slash - p));
        if (!rb) { snprintf(err, errlen, "the host in the ClickHouse URL opens '[' without closing it."); return -1; }
        if (rb + 1 < slash) { if (rb[1] != ':') { snprintf(err, errlen, "the ClickHouse URL has text after the host's ']'."); return -1; } colon = rb + 1; }
        hend = rb + 1;
    } else {
        colon = memchr(p, ':', (size_t)(slash - p));
        if (colon) hend = colon;
    }
    size_t hlen = (size_t)(hend - p);
    if (hlen == 0 || hlen >= sizeof u->host) { snprintf(err, errlen, "the ClickHouse URL names no host (or one too long)."); return -1; }
    for (size_t i = 0; i < hlen; i++) {
        unsigned char c = (unsigned char)p[i];
        if (!isalnum(c) && !strchr(".-_[]:", c)) { snprintf(err, errlen, "the host in the ClickHouse URL holds a character a host name cannot."); return -1; }
    }
    memcpy(u->host, p, hlen);
    u->port = u->https ? 8443 : 8123;
    if (colon) {
        char *end;
        errno = 0;
        long v = strtol(colon + 1, &end, 10);
        /* digits only: strtol alone would take " 80" and "+80" */
        if (end != slash || colon + 1 == slash || !isdigit((unsigned char)colon[1]) || v < 1 || v > 65535 || errno) {
            snprintf(err, errlen, "the port in the ClickHouse URL must be a number from 1 to 65535.");
            return -1;
        }
        u->port = (int)v;
    }
    /* /DATABASE.TABLE */
    const char *path = slash + 1, *dot = strchr(path, '.');
    if (!*path || !dot) {
        snprintf(err, errlen, "the ClickHouse URL must end in /DATABASE.TABLE, e.g. clickhouse://localhost/nettui.flows.");
        return -1;
    }
    size_t dlen = (size_t)(dot - path), tlen = strlen(dot + 1);
    if (dlen >= CH_NAME_MAX || tlen >= CH_NAME_MAX) { snprintf(err, errlen, "the database or table name in the ClickHouse URL is too long."); return -1; }
    memcpy(u->database, path, dlen);
    memcpy(u->table, dot + 1, tlen);
    if (!ch_identifier_ok(u->database) || !ch_identifier_ok(u->table)) {
        snprintf(err, errlen, "the database and table names in the ClickHouse URL may hold only letters, digits and '_' (not starting with a digit).");
        return -1;
    }
    return 0;
}

const char *ch_url_text(const ch_url *u, char *buf, size_t len)
{
    snprintf(buf, len, "%s://%s@%s:%d/%s.%s", u->https ? "https" : "http", u->user, u->host, u->port, u->database, u->table);
    return buf;
}

int ch_password_resolve(ch_url *u, const char *password_file, char *err, size_t errlen)
{
    if (u->has_password) return 0;
    const char *env = getenv("NETTUI_CLICKHOUSE_PASSWORD");
    if (!password_file && env) {
        if (strlen(env) >= sizeof u->password) { snprintf(err, errlen, "NETTUI_CLICKHOUSE_PASSWORD is longer than 255 bytes."); return -1; }
        strcpy(u->password, env);
        u->has_password = 1;
        return 0;
    }
    if (!password_file) return 0;
    int fd = open(password_file, O_RDONLY | O_NOCTTY);
    struct stat st;
    if (fd < 0 || fstat(fd, &st)) {
        snprintf(err, errlen, "cannot read the password file %s (%s).", password_file, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
        snprintf(err, errlen, "the password file %s is readable by others than its owner; chmod 600 it, as a password there must be private.", password_file);
        close(fd);
        return -1;
    }
    char buf[300];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) { snprintf(err, errlen, "cannot read the password file %s (%s).", password_file, strerror(errno)); return -1; }
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;   /* the first line */
    if (strlen(buf) >= sizeof u->password) { snprintf(err, errlen, "the password in %s is longer than 255 bytes.", password_file); return -1; }
    strcpy(u->password, buf);
    memset(buf, 0, sizeof buf);
    u->has_password = 1;
    return 0;
}
