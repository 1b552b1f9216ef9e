/* numfmt.c: see numfmt.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nettui/numfmt.h"

char *numfmt_count(uint64_t v, char *buf, size_t len)
{
    char tmp[32];
    int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v);
    size_t o = 0;
    for (int i = 0; i < n && o + 1 < len; i++) {
        if (i && (n - i) % 3 == 0 && o + 2 < len) buf[o++] = ',';
        buf[o++] = tmp[i];
    }
    if (len) buf[o < len ? o : len - 1] = 0;
    return buf;
}

int numfmt_label_is_ms(const char *label)
{
    size_t n = strlen(label);
    if (n >= 4 && !strcmp(label + n - 4, "(ms)")) return 1;
    return n >= 3 && !strcmp(label + n - 3, " ms");
}

/* a signed whole number with separators */
static char *whole(double v, char *buf, size_t len)
{
    char digits[40];
    numfmt_count((uint64_t)fabs(v), digits, sizeof digits);
    snprintf(buf, len, "%s%s", v < 0 ? "-" : "", digits);
    return buf;
}

char *numfmt_evidence(const char *label, double v, char *buf, size_t len)
{
    if (isnan(v)) { snprintf(buf, len, "none"); return buf; }
    if (isinf(v)) { snprintf(buf, len, v > 0 ? "inf" : "-inf"); return buf; }
    if (label && numfmt_label_is_ms(label)) {
        if (v >= 1e11 && v < 1e15) {   /* an epoch time: 1973 to year 33658 */
            int64_t ms = (int64_t)v;
            time_t s = (time_t)(ms / 1000);
            struct tm tm;
            if (gmtime_r(&s, &tm) && strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm)) return buf;
        }
        char n[48];
        if (fabs(v) < 1e15) whole(round(v), n, sizeof n);
        else snprintf(n, sizeof n, "%.3g", v);
        snprintf(buf, len, "%s ms", n);
        return buf;
    }
    if (fabs(v) < 1e15 && v == floor(v)) return whole(v, buf, len);
    if (fabs(v) >= 999.5 && fabs(v) < 1e15) return whole(round(v), buf, len);
    snprintf(buf, len, "%.3g", v);
    return buf;
}

char *numfmt_score(double score, const char *label, double next_metric, int has_next, char *buf, size_t len)
{
    int ratio = !strncmp(label, "x ", 2);
    if (!isfinite(score) || (ratio && (!has_next || next_metric < 1))) snprintf(buf, len, "no runner-up");
    else snprintf(buf, len, "%.1f %s", score, label);
    return buf;
}
