/* load_hosts.c: a loading worker's own host table (local_hosts in
 * load_priv.h): local ids in order of first appearance in the worker's
 * chunk, and the text index that spares the hot path an ipv4_parse for a host
 * it has seen. The lookup itself (local_find) is inline in load_priv.h; this
 * file owns growing the table and its index, and freeing them. */
#include <stdlib.h>
#include <string.h>

#include "load_priv.h"

void load_hosts_free(local_hosts *h)
{
    free(h->val); free(h->is_name); free(h->key); free(h->slots); free(h->name_local);
    hosts_free(&h->names);
    memset(h, 0, sizeof *h);
}


/* Adds local id (whose key is set) to the index. */
static int local_index(local_hosts *h, uint32_t id)
{
    if ((h->used + 1) * 4 > h->nslots) {
        uint32_t nslots = h->nslots ? h->nslots * 2 : 8192;
        uint32_t *slots = calloc(nslots, sizeof *slots);
        if (!slots) return -1;
        for (uint32_t j = 0; j < h->nslots; j++) {
            if (!h->slots[j]) continue;
            const text_key_t *k = &h->key[h->slots[j] - 1];
            uint32_t i = text_hash(k->k0, k->k1) & (nslots - 1);
            while (slots[i]) i = (i + 1) & (nslots - 1);
            slots[i] = h->slots[j];
        }
        free(h->slots);
        h->slots = slots;
        h->nslots = nslots;
    }
    const text_key_t *k = &h->key[id];
    uint32_t i = text_hash(k->k0, k->k1) & (h->nslots - 1);
    while (h->slots[i]) i = (i + 1) & (h->nslots - 1);
    h->slots[i] = id + 1;
    h->used++;
    return 0;
}

static uint32_t local_append(local_hosts *h, uint32_t val, uint8_t is_name, const char *s, size_t len)
{
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 1024;
        uint32_t *v = realloc(h->val, cap * sizeof *v);
        if (!v) return HOST_NONE;
        h->val = v;
        uint8_t *k = realloc(h->is_name, cap);
        if (!k) return HOST_NONE;
        h->is_name = k;
        text_key_t *key = realloc(h->key, cap * sizeof *key);
        if (!key) return HOST_NONE;
        h->key = key;
        h->cap = cap;
    }
    h->val[h->n] = val;
    h->is_name[h->n] = is_name;
    if (len <= KEY_MAX) text_key(s, len, &h->key[h->n].k0, &h->key[h->n].k1);
    else h->key[h->n].k0 = h->key[h->n].k1 = 0;   /* never matched: length byte 0 is no text */
    return h->n++;
}

uint32_t load_hosts_intern(local_hosts *h, const char *s, size_t len)
{
    uint32_t id = local_find(h, s, len);
    if (id != HOST_NONE) return id;
    uint32_t ip;
    if (ipv4_parse(s, len, &ip) == 0) {
        id = local_append(h, ip, 0, s, len);
    } else {
        uint32_t before = h->names.n;
        host_id nid = hosts_add_name(&h->names, s, len);
        if (nid == HOST_NONE) return HOST_NONE;
        if (nid < before) return h->name_local[nid];   /* a long name seen before */
        uint32_t *nl = realloc(h->name_local, h->names.cap * sizeof *nl);
        if (!nl) return HOST_NONE;
        h->name_local = nl;
        id = local_append(h, nid, 1, s, len);
        if (id != HOST_NONE) nl[nid] = id;
    }
    if (id == HOST_NONE || (len <= KEY_MAX && local_index(h, id))) return HOST_NONE;
    return id;
}
