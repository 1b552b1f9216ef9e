/* gen.h: nettui-gen, synthetic flow files shaped like the 2019 Trend Micro CTF
 * "Data Analysis for Network Security 101" file, with its ten attacks planted.
 *
 * The program is three steps: options (gen_main.c) build a world of hosts,
 * ports and planted flows (gen_world.c and the units it calls, gen_world.h),
 * then the writer streams the background minute by minute, merging the
 * planted flows in time order (gen_emit.c).  It shares no code with nettui itself, on purpose: it is the
 * independent source of truth the engine is tested against. */
#ifndef NETTUI_GEN_H
#define NETTUI_GEN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GEN_VERSION "0.1.0"

#define GEN_ROWS_MIN 50000ULL
#define GEN_ROWS_MAX 110000000ULL
#define GEN_FULL_ROWS 105747730.0      /* lines in the real CTF file */
#define GEN_START_MS 1578326400000LL   /* 2020-01-06 16:00:00 UTC */
#define GEN_HOURS 120                  /* five days */
#define GEN_MINUTES (GEN_HOURS * 60)
#define GEN_N_INTERNAL 1000            /* default internal hosts */
#define GEN_MAX_INTERNAL 100000
#define GEN_MAX_EXTERNAL 1000000
#define GEN_MAX_FAV 64                 /* favourite external hosts per internal host */
#define GEN_N_COMMON 45                /* outbound ports every host uses */
#define GEN_N_SERVICE 12               /* common ports internal hosts serve */
#define GEN_N_EXFIL 5
#define GEN_N_PORTS 54
#define GEN_PORT_MESH GEN_N_PORTS     /* the extra port of --mesh, after the 54 */
#define GEN_N_BOTS 172                 /* single-purpose sources of the controller */
#define GEN_N_BEACON_BOTS 24
#define GEN_MAX_SERVED 4

/* ---- pseudo-random numbers: xoshiro256**, seeded by splitmix64 ---------- */
typedef struct gen_rng { uint64_t s[4]; } gen_rng;

static inline uint64_t gen_rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t rng_next(gen_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = gen_rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
    s[2] ^= t; s[3] = gen_rotl(s[3], 45);
    return result;
}

/* uniform in [0, n), by multiply-shift (bias below 2^-32, and deterministic) */
static inline uint32_t rng_below(gen_rng *r, uint32_t n)
{
    return (uint32_t)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

/* uniform in [0, 1) */
static inline double rng_unit(gen_rng *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

void rng_seed(gen_rng *r, uint64_t seed);
/* the parts of a file that draw from streams of their own (see gen_rng.c) */
enum { PART_HOSTS = 1, PART_PORTS, PART_TIME, PART_RELATIONS, PART_EVENTS,
       PART_FAVOURITES, PART_MESH, PART_BEACONS, PART_FAV_USE, PART_MESH_PORT };
/* the stream of one part of the file (see gen_rng.c) */
void rng_stream(gen_rng *r, uint64_t seed, uint64_t part);
double rng_normal(gen_rng *r);

/* ---- options ------------------------------------------------------------ */
typedef struct gen_options {
    uint64_t rows;
    uint64_t seed;
    const char *out_path;        /* NULL: stdout */
    const char *answers_path;    /* NULL: no key file */
    int random_hosts, random_ports;
    int header, crlf;
    int work_start, work_end;    /* hours; work is [start, end) modulo 24 */
    int beacon_period;           /* seconds; 0 = default fixed minutes */
    int beacon_jitter;           /* seconds */
    double bad_rate;
    /* shapes; each zero value keeps the file as it always was */
    int beacon_calls;            /* calls per bot and server; 0 = every beat */
    int beacon_style;            /* BEACON_PERIODIC or BEACON_FIXED_MINUTE */
    int beacon_jitter_set;       /* --beacon-jitter was given */
    int no_beacons;
    uint32_t n_internal;         /* 0: GEN_N_INTERNAL */
    uint32_t n_external;         /* 0: from the rows, as always */
    int net;                     /* NET_CTF, NET_RFC1918, NET_RFC1918_172 */
    int favourites;              /* per internal host; -1: 8 unless the network is the CTF's */
    uint32_t mesh_n;             /* 0: no mesh */
    double mesh_p;
    int mesh_port;               /* 0: drawn */
} gen_options;

enum { BEACON_PERIODIC, BEACON_FIXED_MINUTE };
enum { NET_CTF, NET_RFC1918, NET_RFC1918_172 };

/* hosts of the P2P clique for a file of that many rows */
long gen_p2p_size(uint64_t rows);

/* ---- the world ------------------------------------------------------------ */
enum { BYTES_NORMAL, BYTES_LARGE, BYTES_CONST, BYTES_PLANTED };

typedef struct gen_port {
    uint16_t number;
    uint8_t cls;          /* BYTES_* */
    uint8_t len;
    uint32_t const_bytes; /* for BYTES_CONST */
    char text[8];
} gen_port;

typedef struct gen_host {
    char text[16];        /* dotted quad, padded with zeros for 16-byte copies */
    uint8_t len;
    uint32_t addr;
} gen_host;

/* one planted flow; host and port are indexes into the world's tables */
typedef struct gen_flow {
    int64_t ts;
    uint64_t bytes;
    uint32_t src, dst;
    uint32_t seq;         /* creation order, a tie-breaker for a stable sort */
    uint16_t port;
} gen_flow;

/* Walker/Vose alias table: O(1) draws from a fixed discrete distribution */
typedef struct gen_alias {
    uint32_t n;
    uint32_t *prob;       /* threshold scaled to 2^32 */
    uint32_t *alias;
} gen_alias;

static inline uint32_t alias_draw(const gen_alias *a, gen_rng *r)
{
    uint64_t x = rng_next(r);
    uint32_t i = (uint32_t)(((x >> 32) * (uint64_t)a->n) >> 32);
    return (uint32_t)x < a->prob[i] ? i : a->alias[i];
}

enum { ANS_EXFIL, ANS_NIGHTLY, ANS_ABUSE_PORT, ANS_PRIVATE_PORT, ANS_P2P_PORT,
       ANS_CONTROLLER, ANS_INFECTED, ANS_BEACON_PORT, ANS_BRUTE, ANS_SPY, ANS_COUNT };

typedef struct gen_world {
    const gen_options *opt;
    double scale;                  /* rows / rows of the real file */

    gen_host *hosts;               /* internal first, then background externals, then the rest */
    uint32_t nhosts, n_internal, ext_first, n_ext;

    gen_port ports[GEN_N_PORTS + 1];/* 0..44 common, then exfil, private, p2p, bot, brute, mesh */
    uint16_t service[GEN_N_SERVICE];
    uint16_t port_abuse, port_beacon, port_private, port_p2p, port_bot, port_brute;
    uint16_t port_exfil[GEN_N_EXFIL], port_nightly;

    double *weight;                /* activity of each internal host */
    gen_alias internal_pick, external_pick;
    uint32_t *peer_off, *peers;    /* internal peers of each internal host (CSR) */
    uint8_t *nserved;              /* ports each internal host serves */
    uint16_t (*served)[GEN_MAX_SERVED];
    uint32_t *target_off, *targets;/* internal hosts each background external reaches */
    uint32_t nfav;                 /* favourite externals of each internal host (0: none) */
    uint32_t *fav;                 /* n_internal * nfav external indexes */
    uint16_t *fav_port;            /* and the port each pair uses */
    uint8_t fav_pick[256];         /* a random byte to a favourite, the first most used */
    uint32_t *pool, npool, pool_next; /* ordinary internal hosts; from pool_next on, free of roles */

    uint32_t exfil, nightly, abuser, private_dst, private_src, controller,
             infected, brute, spy;
    uint32_t cc[2];

    /* time */
    int work[24];                  /* 1 if that UTC hour is a work hour */
    int nightly_hour, brute_hour;
    double hour_weight[GEN_HOURS];
    double hour_cum[GEN_HOURS + 1];
    uint64_t minute_weight[GEN_HOURS]; /* integer weight of each minute of that hour */

    /* byte tables: draws are table[random 16 bits] */
    uint32_t *normal_bytes, *large_bytes;
    double class_mean[3], mean_common_bytes, common_sq_ratio;

    gen_flow *planted;
    size_t nplanted, cap_planted;
    uint64_t background_rows;

    char answers[ANS_COUNT][24];
} gen_world;

/* Returns NULL, or a sentence saying why the world cannot be built. */
const char *world_build(gen_world *w, const gen_options *opt);
void world_free(gen_world *w);

/* Streams the whole file. Returns 0, or -1 after printing a sentence that
 * names the file that could not be written. *bad_out receives the number of
 * malformed lines written. */
int emit_file(const gen_world *w, uint64_t *bad_out);

/* md5 of data as 32 lowercase hex digits (nettle), for the key's flag */
void md5_hex(const void *data, size_t len, char out[33]);

#endif
