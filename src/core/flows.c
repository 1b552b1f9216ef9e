/* flows.c: the flow table's columns, the host dictionary, IPv4 and CIDR. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "nettui/flows.h"
#include "nettui/mapguard.h"

/* ---- IPv4 ---------------------------------------------------------------- */

int ipv4_parse(const char *s, size_t len, uint32_t *ip)
{
    uint32_t v = 0;
    int octets = 0;
    size_t i = 0;
    while (octets < 4) {
        uint32_t o = 0;
        size_t start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
            o = o * 10 + (uint32_t)(s[i++] - '0');
        /* 1-3 digits, no leading zero on a multi-digit octet ("01" is not a quad) */
        if (i == start || o > 255 || (i - start > 1 && s[start] == '0'))
            return -1;
        v = (v << 8) | o;
        octets++;
        if (octets < 4) {
            if (i >= len || s[i] != '.')
                return -1;
            i++;
        }
    }
    if (i != len)
        return -1;
    *ip = v;
    return 0;
}

char *ipv4_format(uint32_t ip, char *buf)
{
    snprintf(buf, 16, "%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
    return buf;
}

/* ---- CIDR ---------------------------------------------------------------- */

char *cidr_format(const cidr *c, char *buf)
{
    char ip[16];
    snprintf(buf, 19, "%s/%d", ipv4_format(c->net, ip), __builtin_popcount(c->mask));
    return buf;
}

void cidr_list_default(cidr_list *out)
{
    out->n = 3;
    for (int i = 0; i < 3; i++) {
        out->v[i].net = (uint32_t)(12 + i) << 24;
        out->v[i].mask = 0xff000000u;
    }
}

int cidr_list_parse(cidr_list *out, const char *text, char *err, size_t errlen)
{
    cidr_list l = {0};
    const char *p = text;
    for (;;) {
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        const char *slash = memchr(p, '/', len);
        size_t iplen = slash ? (size_t)(slash - p) : len;
        uint32_t ip;
        long bits = 32;
        if (slash) {
            char num[8];
            size_t nlen = len - iplen - 1;
            char *e;
            if (nlen == 0 || nlen >= sizeof num) goto bad;
            memcpy(num, slash + 1, nlen);
            num[nlen] = 0;
            bits = strtol(num, &e, 10);
            if (*e || bits < 0 || bits > 32) goto bad;
        }
        if (ipv4_parse(p, iplen, &ip)) goto bad;
        if (l.n == CIDR_MAX) {
            snprintf(err, errlen, "at most %d blocks are allowed.", CIDR_MAX);
            return -1;
        }
        l.v[l.n].mask = bits == 0 ? 0 : 0xffffffffu << (32 - bits);
        l.v[l.n].net = ip & l.v[l.n].mask;
        l.n++;
        if (!end) break;
        p = end + 1;
        continue;
    bad:
        snprintf(err, errlen, "'%.*s' is not a block such as 10.0.0.0/8; give a comma-separated list.",
                 (int)(len > 64 ? 64 : len), p);
        return -1;
    }
    *out = l;
    return 0;
}

int cidr_list_contains(const cidr_list *l, uint32_t ip)
{
    for (int i = 0; i < l->n; i++)
        if ((ip & l->v[i].mask) == l->v[i].net)
            return 1;
    return 0;
}

/* ---- host dictionary ------------------------------------------------------- */

/* Murmur-style finaliser: IPv4 addresses of one network differ in few bits,
 * so the slot index needs every bit mixed. */
static uint32_t mix32(uint32_t x)
{
    x ^= x >> 16; x *= 0x85ebca6bu;
    x ^= x >> 13; x *= 0xc2b2ae35u;
    x ^= x >> 16;
    return x;
}

static uint32_t hash_name(const char *s, size_t len)
{
    uint32_t h = 2166136261u;   /* FNV-1a */
    for (size_t i = 0; i < len; i++) { h ^= (uint8_t)s[i]; h *= 16777619u; }
    return mix32(h ^ 0x9e3779b9u);
}

void hosts_init(host_dict *d)
{
    memset(d, 0, sizeof *d);
}

void hosts_free(host_dict *d)
{
    free(d->ip); free(d->name_off); free(d->internal); free(d->names); free(d->slots);
    memset(d, 0, sizeof *d);
}

static uint32_t host_hash(const host_dict *d, uint32_t id)
{
    if (d->name_off[id] == UINT32_MAX)
        return mix32(d->ip[id]);
    const char *s = d->names + d->name_off[id];
    return hash_name(s, strlen(s));
}

static int hosts_rehash(host_dict *d, uint32_t nslots)
{
    uint32_t *slots = calloc(nslots, sizeof *slots);
    if (!slots) return -1;
    for (uint32_t id = 0; id < d->n; id++) {
        uint32_t i = host_hash(d, id) & (nslots - 1);
        while (slots[i]) i = (i + 1) & (nslots - 1);
        slots[i] = id + 1;
    }
    free(d->slots);
    d->slots = slots;
    d->nslots = nslots;
    return 0;
}

/* Appends a host record; the caller has checked it is new. */
static host_id hosts_append(host_dict *d, uint32_t ip, uint32_t name_off, uint8_t internal)
{
    if (d->n == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 1024;
        uint32_t *nip = realloc(d->ip, cap * sizeof *nip);
        if (!nip) return HOST_NONE;
        d->ip = nip;
        uint32_t *noff = realloc(d->name_off, cap * sizeof *noff);
        if (!noff) return HOST_NONE;
        d->name_off = noff;
        uint8_t *nint = realloc(d->internal, cap);
        if (!nint) return HOST_NONE;
        d->internal = nint;
        d->cap = cap;
    }
    host_id id = d->n++;
    d->ip[id] = ip;
    d->name_off[id] = name_off;
    d->internal[id] = internal;
    /* keep the index at most half full */
    if ((uint64_t)d->n * 2 > d->nslots) {
        if (hosts_rehash(d, d->nslots ? d->nslots * 2 : 2048)) { d->n--; return HOST_NONE; }
    } else {
        uint32_t i = host_hash(d, id) & (d->nslots - 1);
        while (d->slots[i]) i = (i + 1) & (d->nslots - 1);
        d->slots[i] = id + 1;
    }
    return id;
}

static host_id find_ipv4(const host_dict *d, uint32_t ip)
{
    if (!d->nslots) return HOST_NONE;
    for (uint32_t i = mix32(ip) & (d->nslots - 1); d->slots[i]; i = (i + 1) & (d->nslots - 1)) {
        uint32_t id = d->slots[i] - 1;
        if (d->ip[id] == ip && d->name_off[id] == UINT32_MAX) return id;
    }
    return HOST_NONE;
}

static host_id find_name(const host_dict *d, const char *s, size_t len)
{
    if (!d->nslots) return HOST_NONE;
    for (uint32_t i = hash_name(s, len) & (d->nslots - 1); d->slots[i]; i = (i + 1) & (d->nslots - 1)) {
        uint32_t id = d->slots[i] - 1;
        if (d->name_off[id] == UINT32_MAX) continue;
        const char *n = d->names + d->name_off[id];
        if (strncmp(n, s, len) == 0 && n[len] == 0) return id;
    }
    return HOST_NONE;
}

host_id hosts_add_ipv4(host_dict *d, uint32_t ip, const cidr_list *internal)
{
    host_id id = find_ipv4(d, ip);
    if (id != HOST_NONE) return id;
    return hosts_append(d, ip, UINT32_MAX, (uint8_t)(internal && cidr_list_contains(internal, ip)));
}

host_id hosts_add_name(host_dict *d, const char *s, size_t len)
{
    host_id id = find_name(d, s, len);
    if (id != HOST_NONE) return id;
    if (d->names_len + len + 1 > UINT32_MAX - 1) return HOST_NONE;
    if (d->names_len + len + 1 > d->names_cap) {
        size_t cap = d->names_cap ? d->names_cap * 2 : 4096;
        while (cap < d->names_len + len + 1) cap *= 2;
        char *nn = realloc(d->names, cap);
        if (!nn) return HOST_NONE;
        d->names = nn;
        d->names_cap = cap;
    }
    uint32_t off = (uint32_t)d->names_len;
    memcpy(d->names + off, s, len);
    d->names[off + len] = 0;
    d->names_len += len + 1;
    id = hosts_append(d, 0, off, 0);
    if (id == HOST_NONE) d->names_len = off;
    return id;
}

host_id hosts_find(const host_dict *d, const char *s)
{
    uint32_t ip;
    size_t len = strlen(s);
    if (ipv4_parse(s, len, &ip) == 0) return find_ipv4(d, ip);
    return find_name(d, s, len);
}

const char *hosts_name(const host_dict *d, host_id h, char *buf)
{
    if (h >= d->n) { strcpy(buf, "?"); return buf; }
    if (d->name_off[h] != UINT32_MAX) return d->names + d->name_off[h];
    return ipv4_format(d->ip[h], buf);
}

/* ---- the table ------------------------------------------------------------- */

/* Columns are anonymous mappings reserved for cap rows but committed only
 * where written, so an upper bound on the row count costs no memory. */
static void *map_column(size_t bytes)
{
    if (bytes == 0) bytes = 1;
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void unmap_column(void *p, size_t bytes)
{
    if (p) munmap(p, bytes ? bytes : 1);
}

int flows_alloc_columns(flow_table *t, size_t cap)
{
    t->col_cap = cap;
    t->ts = map_column(cap * sizeof *t->ts);
    t->src = map_column(cap * sizeof *t->src);
    t->dst = map_column(cap * sizeof *t->dst);
    t->port = map_column(cap * sizeof *t->port);
    t->bytes = map_column(cap * sizeof *t->bytes);
    if (!t->ts || !t->src || !t->dst || !t->port || !t->bytes) {
        flows_free(t);
        errno = ENOMEM;
        return -1;
    }
    return 0;
}

void flows_free(flow_table *t)
{
    if (t->region) {
        mapguard_unregister(t->region);
        munmap(t->region, t->region_len);
        free(t->big);   /* copied out of the mapping at open */
    } else if (t->releasable) {
        free(t->big);   /* the columns live in another table's mapping (flows.h) */
    } else {
        size_t cap = t->col_cap;
        unmap_column(t->ts, cap * sizeof *t->ts);
        unmap_column(t->src, cap * sizeof *t->src);
        unmap_column(t->dst, cap * sizeof *t->dst);
        unmap_column(t->port, cap * sizeof *t->port);
        unmap_column(t->bytes, cap * sizeof *t->bytes);
        free(t->big);
    }
    if (!t->region && !t->releasable) {   /* a mapped table's weights live in its mapping */
        free(t->weight);
        free(t->ts_last);
    }
    if (!t->region && !t->releasable) free(t->row);   /* a mapped calls table's rows live in its mapping */
    if (t->calls) { flows_free(t->calls); free(t->calls); }
    hosts_free(&t->hosts);
    memset(t, 0, sizeof *t);
}

/* The page-aligned inside of bytes [lo, hi) of a column, let go. */
static void release_span(const void *col, size_t width, size_t lo, size_t hi)
{
    uintptr_t a = (uintptr_t)col + lo * width, b = (uintptr_t)col + hi * width;
    uintptr_t page = 4096;
    a = (a + page - 1) & ~(page - 1);
    b &= ~(page - 1);
    if (b > a) madvise((void *)a, b - a, MADV_DONTNEED);   /* a hint: a failure only keeps the pages */
}

void flows_release(const flow_table *t, size_t lo, size_t hi)
{
    if (!t->releasable || lo >= hi) return;
    if (hi > t->n) hi = t->n;
    if (lo >= hi) return;
    release_span(t->ts, 8, lo, hi);
    release_span(t->src, 4, lo, hi);
    release_span(t->dst, 4, lo, hi);
    release_span(t->bytes, 4, lo, hi);
    release_span(t->port, 2, lo, hi);
    if (t->weight) release_span(t->weight, 4, lo, hi);
    if (t->ts_last) release_span(t->ts_last, 8, lo, hi);
    if (t->row) release_span(t->row, 8, lo, hi);
}

uint64_t flows_count(const flow_table *t)
{
    return t->weight ? t->weight_total : t->n;
}

uint64_t flows_bytes_at(const flow_table *t, size_t i)
{
    uint32_t b = t->bytes[i];
    if (b != FLOWS_BYTES_BIG) return b;
    size_t lo = 0, hi = t->nbig;   /* big[] is sorted by row */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->big[mid].row < i) lo = mid + 1; else hi = mid;
    }
    return lo < t->nbig && t->big[lo].row == i ? t->big[lo].bytes : b;
}
