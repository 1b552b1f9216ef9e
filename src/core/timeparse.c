/* timeparse.c: times written as text, "2020-01-06 16:00:02", ISO 8601 with
 * 'T', a fraction, 'Z' or an offset; a time without a zone is in the zone of
 * --tz (UTC by default). An IANA zone goes through the C library (mktime
 * under TZ), once per distinct local hour a thread meets, not once a row. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nettui/format.h"

enum { ZONE_UTC, ZONE_FIXED, ZONE_IANA };
static int zone_kind = ZONE_UTC;
static int zone_offset;            /* seconds east of UTC, ZONE_FIXED */
static unsigned zone_generation;   /* a new zone invalidates the hour caches */

/* "+hh:mm", "-hh:mm", "+hhmm", "+hh": seconds east of UTC. 0 or -1. */
static int parse_offset(const char *s, size_t n, int *off)
{
    if (n < 3 || (s[0] != '+' && s[0] != '-')) return -1;
    int d[4], nd = 0;
    for (size_t i = 1; i < n; i++) {
        if (s[i] == ':' && i == 3) continue;
        if (s[i] < '0' || s[i] > '9' || nd == 4) return -1;
        d[nd++] = s[i] - '0';
    }
    if (nd != 2 && nd != 4) return -1;
    if (n == 6 && s[3] != ':') return -1;
    int h = d[0] * 10 + d[1], m = nd == 4 ? d[2] * 10 + d[3] : 0;
    if (h > 23 || m > 59) return -1;
    *off = (s[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
    return 0;
}

int time_set_zone(const char *spec, char *err, size_t errlen)
{
    zone_generation++;
    if (!spec || !*spec || strcmp(spec, "UTC") == 0 || strcmp(spec, "Z") == 0) {
        zone_kind = ZONE_UTC;
        return 0;
    }
    if (parse_offset(spec, strlen(spec), &zone_offset) == 0) {
        zone_kind = ZONE_FIXED;
        return 0;
    }
    /* an IANA name: a file of the zone database, and no way out of it */
    const char *dir = getenv("TZDIR");
    if (!dir || !*dir) dir = "/usr/share/zoneinfo";
    char path[4096];
    struct stat st;
    if (spec[0] == '/' || strstr(spec, "..") || strlen(spec) > 200 ||
        snprintf(path, sizeof path, "%s/%s", dir, spec) >= (int)sizeof path ||
        stat(path, &st) || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "--tz takes UTC, an offset such as +01:00, or a zone name such as Europe/Berlin, not '%s'.", spec);
        return -1;
    }
    if (setenv("TZ", spec, 1)) {
        snprintf(err, errlen, "cannot set the time zone %s.", spec);
        return -1;
    }
    tzset();
    zone_kind = ZONE_IANA;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, int *v)
{
    int x = 0;
    for (int i = 0; i < n; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return -1;
        x = x * 10 + (int)d;
    }
    *v = x;
    return 0;
}

int time_looks_like(const char *s, size_t len)
{
    int v;
    return len >= 10 && s[4] == '-' && s[7] == '-' && digits(s, 4, &v) == 0 && digits(s + 5, 2, &v) == 0 &&
           digits(s + 8, 2, &v) == 0;
}

/* The offset (seconds east of UTC) of local hour `hour` (hours since the
 * epoch, as if local time were UTC) in the IANA zone: cached per thread. */
static int iana_offset(int64_t hour)
{
    enum { SLOTS = 64 };
    static _Thread_local struct { int64_t hour; int off; unsigned gen; } cache[SLOTS];
    unsigned i = (unsigned)((uint64_t)hour % SLOTS);
    if (cache[i].gen == zone_generation + 1 && cache[i].hour == hour) return cache[i].off;
    time_t t = (time_t)(hour * 3600);
    struct tm tm;
    gmtime_r(&t, &tm);            /* the local hour's fields */
    tm.tm_isdst = -1;
    time_t utc = mktime(&tm);
    int off = utc == (time_t)-1 ? 0 : (int)(hour * 3600 - (int64_t)utc);
    cache[i].hour = hour;
    cache[i].off = off;
    cache[i].gen = zone_generation + 1;
    return off;
}

int time_parse_text(const char *s, size_t len, int64_t max_ms, int64_t *ms)
{
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!time_looks_like(s, len)) return -1;
    digits(s, 4, &y);
    digits(s + 5, 2, &mo);
    digits(s + 8, 2, &d);
    size_t i = 10;
    if (i == len) return -1;
    if (s[i] != ' ' && s[i] != 'T' && s[i] != 't') return -1;
    i++;
    if (len - i < 5 || s[i + 2] != ':' || digits(s + i, 2, &h) || digits(s + i + 3, 2, &mi)) return -1;
    i += 5;
    if (i < len && s[i] == ':') {
        if (len - i < 3 || digits(s + i + 1, 2, &sec)) return -1;
        i += 3;
    }
    int frac = 0;
    if (i < len && (s[i] == '.' || s[i] == ',')) {
        i++;
        int nd = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            if (nd < 3) frac = frac * 10 + (s[i] - '0');
            nd++;
            i++;
        }
        if (nd == 0) return -1;
        for (; nd < 3; nd++) frac *= 10;
    }
    int zoned = 0, off = 0;
    if (i < len && s[i] == ' ') i++;          /* "… 16:00:02 +01:00" */
    if (i < len) {
        if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) zoned = 1;
        else if (len - i == 3 && memcmp(s + i, "UTC", 3) == 0) zoned = 1;
        else if (parse_offset(s + i, len - i, &off) == 0) zoned = 1;
        else return -1;
    }
    static const unsigned char mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60) return -1;
    if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0)) return -1;
    if (sec == 60) sec = 59;                  /* a leap second: its second's start */
    int64_t local = days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    if (!zoned) {
        if (zone_kind == ZONE_FIXED) off = zone_offset;
        else if (zone_kind == ZONE_IANA) off = iana_offset(local >= 0 ? local / 3600 : (local - 3599) / 3600);
    }
    int64_t v = (local - off) * 1000 + frac;
    if (v < 0 || v > max_ms) return -1;
    *ms = v;
    return 0;
}
