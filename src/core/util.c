/* util.c: clocks, the core count, the 64-bit mixer (util.h). */
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
