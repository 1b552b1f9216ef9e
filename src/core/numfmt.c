/* numfmt.c: numbers as text for screens and reports (numfmt.h): counts with
 * thousands separators, sizes scaled by 1000, evidence values and scores. */
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

/* How a size is scaled and spelt (numfmt_si and numfmt_bytes keep the
 * outputs the UI's fmt_si and the engine's fmt_bytes had, byte for byte). */
typedef struct size_style {
    double step;            /* scale up while the value is at least this */
    int max_unit;
    double two_digits;      /* below it "%.2f", below one_digit "%.1f", else "%.0f" */
    double one_digit;
    int magnitude;          /* scale by |v| (negative values too), else by v */
    double exact_below;     /* whole numbers below it unscaled; 0: none */
    const char *sep;        /* between the number and the unit */
    const char *unit[7];
} size_style;

static const size_style style_si = {999.5, 6, 9.95, 99.5, 1, 10000, "", {"", "K", "M", "G", "T", "P", "E"}};
static const size_style style_bytes = {1000.0, 5, 10, 100, 0, 0, " ", {"B", "kB", "MB", "GB", "TB", "PB", ""}};

static char *size_text(const size_style *st, double v, char *buf, size_t len)
{
    double a = st->magnitude && v < 0 ? -v : v;
    /* whole numbers under 10,000 exactly: 1337 bytes is not "1.34K" */
    if (st->exact_below > 0 && a < st->exact_below && v == floor(v)) { snprintf(buf, len, "%.0f", v); return buf; }
    int u = 0;
    while (a >= st->step && u < st->max_unit) { a /= 1000; v /= 1000; u++; }
    int prec = u == 0 ? 0 : a < st->two_digits ? 2 : a < st->one_digit ? 1 : 0;
    snprintf(buf, len, "%.*f%s%s", prec, v, *st->unit[u] ? st->sep : "", st->unit[u]);
    return buf;
}

char *numfmt_si(double v, char *buf, size_t len) { return size_text(&style_si, v, buf, len); }
char *numfmt_bytes(double v, char *buf, size_t len) { return size_text(&style_bytes, v, buf, len); }

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
