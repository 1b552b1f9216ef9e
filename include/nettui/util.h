/* util.h: the few helpers every room needs: clocks, the core count, the
 * 64-bit mixer and the checksum the caches are built on, and the qsort
 * comparators. One copy each. */
#ifndef NETTUI_UTIL_H
#define NETTUI_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* Seconds on clock c (CLOCK_MONOTONIC for elapsed time,
 * CLOCK_PROCESS_CPUTIME_ID / CLOCK_THREAD_CPUTIME_ID for CPU time). */
double util_clock(clockid_t c);
/* Elapsed seconds on the monotonic clock. */
double util_now(void);
/* Online cores, at least 1 and at most max. */
int util_cores(int max);
/* splitmix64's finalizer: a bijective 64-bit mix (cache and facts checksums
 * are built on it, so it must never change). */
uint64_t util_mix64(uint64_t x);
/* The caches' checksum of n bytes at p (any alignment), seeded (a block's
 * index, a section's number): a Fletcher-style sum over 64-bit words in four
 * lanes, mixed by util_mix64; memory bound. Files on disk hold its values:
 * it must never change. util_sum64_ids also reads the bytes as uint32 values
 * and puts the largest in *max (the host-id bounds check, in the same pass). */
uint64_t util_sum64(const void *p, size_t n, uint64_t seed);
uint64_t util_sum64_ids(const void *p, size_t n, uint64_t seed, uint32_t *max);
/* qsort comparators, ascending. */
int util_cmp_u32(const void *a, const void *b);
int util_cmp_u64(const void *a, const void *b);
int util_cmp_double(const void *a, const void *b);

#endif
