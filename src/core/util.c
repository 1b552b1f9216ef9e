/* util.c: clocks, the core count, the 64-bit mixer, the caches' checksum,
 * the qsort comparators (util.h). */
#include <string.h>
#include <unistd.h>

#include "nettui/util.h"

double util_clock(clockid_t c)
{
    struct timespec ts;
    clock_gettime(c, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double util_now(void)
{
    return util_clock(CLOCK_MONOTONIC);
}

int util_cores(int max)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) n = 1;
    return n > max ? max : (int)n;
}

uint64_t util_mix64(uint64_t x)
{
    x ^= x >> 30; x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27; x *= 0x94d049bb133111ebull;
    x ^= x >> 31;
    return x;
}

int util_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int util_cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

int util_cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* A Fletcher-style sum over 64-bit words in four lanes: cheap enough to run
 * over 2 GB of columns on every open (memory bound), and it catches flipped,
 * zeroed and shifted data. When ids is set the words are also read as pairs
 * of uint32 and their maximum returned in *max (the host-id bounds check).
 * The one checksum of the table cache (cache.c, per 1 MB block) and the
 * facts cache (persist.c, per section): both files on disk depend on it, so
 * it must never change without their format versions. */
static inline __attribute__((always_inline))
uint64_t sum_impl(const unsigned char *p, size_t n, uint64_t index, int ids, uint32_t *max)
{
    uint64_t a0 = 0, a1 = 0, a2 = 0, a3 = 0, b0 = 0, b1 = 0, b2 = 0, b3 = 0;
    uint32_t m0 = 0, m1 = 0, m2 = 0, m3 = 0;
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        uint64_t w[4];
        memcpy(w, p + i, 32);
        a0 += w[0]; b0 += a0;
        a1 += w[1]; b1 += a1;
        a2 += w[2]; b2 += a2;
        a3 += w[3]; b3 += a3;
        if (ids) {
            uint32_t v[8];
            memcpy(v, p + i, 32);
            m0 = v[0] > m0 ? v[0] : m0; m1 = v[1] > m1 ? v[1] : m1;
            m2 = v[2] > m2 ? v[2] : m2; m3 = v[3] > m3 ? v[3] : m3;
            m0 = v[4] > m0 ? v[4] : m0; m1 = v[5] > m1 ? v[5] : m1;
            m2 = v[6] > m2 ? v[6] : m2; m3 = v[7] > m3 ? v[7] : m3;
        }
    }
    for (; i < n; i += 8) {
        uint64_t w = 0;
        size_t k = n - i < 8 ? n - i : 8;
        memcpy(&w, p + i, k);
        a0 += w; b0 += a0;
        if (ids) {
            for (size_t j = 0; j + 4 <= k; j += 4) {
                uint32_t v;
                memcpy(&v, p + i + j, 4);
                m0 = v > m0 ? v : m0;
            }
        }
    }
    if (ids) {
        m0 = m1 > m0 ? m1 : m0; m2 = m3 > m2 ? m3 : m2;
        *max = m2 > m0 ? m2 : m0;
    }
    uint64_t h = util_mix64(index * 0x9e3779b97f4a7c15ull + n);
    h = util_mix64(h ^ a0); h = util_mix64(h ^ b0); h = util_mix64(h ^ a1); h = util_mix64(h ^ b1);
    h = util_mix64(h ^ a2); h = util_mix64(h ^ b2); h = util_mix64(h ^ a3); h = util_mix64(h ^ b3);
    return h;
}

uint64_t util_sum64(const void *p, size_t n, uint64_t seed)
{
    uint32_t unused;
    return sum_impl(p, n, seed, 0, &unused);
}

uint64_t util_sum64_ids(const void *p, size_t n, uint64_t seed, uint32_t *max)
{
    return sum_impl(p, n, seed, 1, max);
}
