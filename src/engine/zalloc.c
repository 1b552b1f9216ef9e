/* zalloc.c: the engine's zeroed allocations (zalloc/zfree), for the
 * partials and matrices of the pass and the facts built from them. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "engine_priv.h"

/* Zeroed memory aligned to a cache line, so 64-byte records never straddle
 * two. Big blocks come straight from mmap: zero pages cost nothing until
 * touched, so a matrix that a hostile file barely uses stays small in
 * memory and costs no time to clear. A 64-byte header before the block
 * says how to give it back (zfree). */
#define ZHEAD 64
#define ZBIG (1u << 20)
typedef struct zhead { size_t bytes; int mapped; } zhead;

void *zalloc(size_t n, size_t size)
{
    if (n && size > (SIZE_MAX - ZHEAD) / n) return NULL;
    size_t bytes = (n ? n : 1) * size + ZHEAD;
    char *base;
    int mapped = bytes >= ZBIG;
    if (mapped) {
        base = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
        if (base == MAP_FAILED) return NULL;
    } else {
        void *q = NULL;
        if (posix_memalign(&q, 64, bytes)) return NULL;
        memset(q, 0, bytes);
        base = q;
    }
    zhead *h = (zhead *)base;
    h->bytes = bytes;
    h->mapped = mapped;
    return base + ZHEAD;
}

void zfree(void *p)
{
    if (!p) return;
    zhead *h = (zhead *)((char *)p - ZHEAD);
    if (h->mapped) munmap(h, h->bytes);
    else free(h);
}
