/* load_num.h: the loader's number parsers (port, bytes, timestamp), private
 * to src/core/load*.c.
 *
 * Static inline in a header, not a .c file of their own: they run once per
 * field of every line (the load's hot path), and without link-time
 * optimisation a call into another unit cannot be inlined. Every function
 * here is pure: it reads len bytes of s and writes *out only on success. */
#ifndef NETTUI_LOAD_NUM_H
#define NETTUI_LOAD_NUM_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "nettui/load.h"

/* Unsigned decimal of len bytes: 0, or -1 when not a number or above 2^64-1. */
static inline int parse_u64(const char *s, size_t len, uint64_t *out)
{
    if (len == 0) return -1;
    uint64_t v = 0;
    if (len < 20) {               /* 19 digits cannot overflow: no check per digit */
        for (size_t i = 0; i < len; i++) {
            unsigned d = (unsigned)(unsigned char)s[i] - '0';
            if (d > 9) return -1;
            v = v * 10 + d;
        }
        *out = v;
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) return -1;
        if (v > (UINT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = v;
    return 0;
}

/* The value of the 8 ASCII digits at s, or UINT64_MAX when one is not a
 * digit: three multiplications instead of eight steps (the SWAR method of
 * simdjson's parse_eight_digits_unrolled; the first digit must land in the
 * low byte, so big-endian machines take the plain loop). */
static inline uint64_t eight_digits(const char *s)
{
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
    (void)s;
    return UINT64_MAX;
#endif
    uint64_t v;
    memcpy(&v, s, 8);
    if ((v & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull ||
        ((v + 0x0606060606060606ull) & 0xf0f0f0f0f0f0f0f0ull) != 0x3030303030303030ull)
        return UINT64_MAX;
    v = (v & 0x0f0f0f0f0f0f0f0full) * 2561 >> 8;
    v = (v & 0x00ff00ff00ff00ffull) * 6553601 >> 16;
    return (v & 0x0000ffff0000ffffull) * 42949672960001ull >> 32;
}

/* A timestamp: digits, optionally ".digits" (a fraction of the unit).
 * seconds: the value is in seconds, scaled to milliseconds (fraction kept to
 * the millisecond); else milliseconds (fraction dropped). 0 or -1. */
static inline int parse_ts(const char *s, size_t len, int seconds, int64_t *out)
{
    size_t i = 0;
    uint64_t v = 0;
    size_t safe = len < 18 ? len : 18;   /* 18 digits stay below 2^63 */
    if (len >= 8 && (v = eight_digits(s)) != UINT64_MAX) i = 8;
    else v = 0;
    for (; i < safe; i++) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (d > 9) break;
        v = v * 10 + d;
    }
    while (i < len && (unsigned)(unsigned char)s[i] - '0' <= 9) {
        unsigned d = (unsigned)(unsigned char)s[i] - '0';
        if (v > ((uint64_t)INT64_MAX - d) / 10) return -1;
        v = v * 10 + d;
        i++;
    }
    if (i == 0) return -1;
    uint64_t frac = 0;
    if (i < len) {
        if (s[i] != '.' || i + 1 == len) return -1;
        int digits = 0;
        for (i++; i < len; i++) {
            unsigned d = (unsigned)(unsigned char)s[i] - '0';
            if (d > 9) return -1;
            if (digits < 3) { frac = frac * 10 + d; digits++; }
        }
        while (digits++ < 3) frac *= 10;
    }
    if (seconds) {
        if (v > ((uint64_t)INT64_MAX - frac) / 1000) return -1;
        v = v * 1000 + frac;
    }
    if (v > (uint64_t)LOAD_TS_MAX_MS) return -1;
    *out = (int64_t)v;
    return 0;
}

#endif
