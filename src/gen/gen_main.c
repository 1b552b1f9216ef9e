/* gen_main.c: nettui-gen's main: options, then the world, the flow file and the key file.
 * Exit status: 0 done, 1 a file could not be written, 2 bad options. */
#include "gen.h"

#include <errno.h>
#include <math.h>
#include <nettle/md5.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const char usage_text[] =
    "Usage: nettui-gen [OPTION]...\n"
    "Write a synthetic network-flow CSV file (timestamp,src,dst,port,bytes) shaped\n"
    "like the 2019 Trend Micro CTF file, with its ten attacks planted.\n"
    "\n"
    "  --rows N               good rows to write, 50000 to 110000000 (default 2000000)\n"
    "  --seed N               seed of every random choice (default 1)\n"
    "  --out FILE             write the flows to FILE (default standard output)\n"
    "  --answers FILE         write the key: the ten answers, flag, row counts\n"
    "  --hosts ctf|random     addresses of the planted roles (default ctf)\n"
    "  --ports ctf|random     port numbers, planted and background (default ctf)\n"
    "  --header               start with the line ts,source,destination,dport,bytes\n"
    "  --crlf                 end lines with CR LF\n"
    "  --work-hours A-B       work from hour A to hour B, UTC, B excluded (default 16-24)\n"
    "  --beacon-period SECS   beacons every SECS seconds, not at fixed minutes\n"
    "  --beacon-jitter SECS   move each beacon by up to SECS seconds either way\n"
    "  --bad-lines RATE       add about RATE malformed lines per good row (0 to 1)\n"
    "\n"
    "Shapes (without them the file is as it always was):\n"
    "  --beacon-calls N       each bot calls each C&C host only N times (1 to 10000),\n"
    "                         on a random subset of the beats over the whole file\n"
    "  --beacon-style periodic|fixed-minute\n"
    "                         fixed-minute: the real file's shape, N calls (default 6,\n"
    "                         at most 24) in one minute of the hour, in different\n"
    "                         hours and days, and one burst of 3-5 calls per C&C host\n"
    "  --no-beacons           leave the beacons out; the key's line 8 is 'none'\n"
    "  --internal-hosts N     internal hosts, 1000 to 100000 (default 1000)\n"
    "  --external-hosts N     background external hosts, 200 to 1000000\n"
    "                         (default rows/1000, 200 to 3000)\n"
    "  --net ctf|rfc1918|rfc1918-172\n"
    "                         addresses: the CTF's (default), or private internal\n"
    "                         (10/8 and 192.168/16; rfc1918-172: also 172.16/12)\n"
    "                         and public external addresses\n"
    "  --favourites N         favourite external hosts per internal host, 0 to 64,\n"
    "                         that 60 % of its outbound rows go to (default 0 on the\n"
    "                         CTF's network, 8 once --net or a host count is given)\n"
    "  --mesh N:P[:PORT]      N ordinary internal hosts linked pairwise with\n"
    "                         probability P on one extra port (default 445), both ways\n"
    "  --shape enterprise     --net rfc1918 --internal-hosts 12000 --external-hosts 20000\n"
    "                         --work-hours 13-21 --ports random --hosts random\n"
    "                         --beacon-period 1500 --beacon-jitter 10 --beacon-calls 8\n"
    "                         (options after it override it)\n"
    "\n"
    "  --help                 show this help and exit\n"
    "  --version              show the version and exit\n";

static void usage_error(const char *fmt, ...)
{
    va_list ap;
    fputs("nettui-gen: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputs(" (see nettui-gen --help).\n", stderr);
    exit(2);
}

/* a whole decimal number, digits only, no overflow */
static int parse_u64(const char *s, uint64_t *out)
{
    uint64_t v = 0;
    if (!*s) return 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9') return 0;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10) return 0;
        v = v * 10 + d;
    }
    *out = v;
    return 1;
}

static int parse_hours(const char *s, int *a, int *b)
{
    const char *dash = strchr(s, '-');
    if (!dash) return 0;
    char left[8];
    size_t n = (size_t)(dash - s);
    if (n == 0 || n >= sizeof left) return 0;
    memcpy(left, s, n);
    left[n] = '\0';
    uint64_t x, y;
    if (!parse_u64(left, &x) || !parse_u64(dash + 1, &y) || x > 23 || y > 24) return 0;
    *a = (int)x;
    *b = (int)y;
    return 1;
}

/* N:P or N:P:PORT */
static int parse_mesh(const char *val, gen_options *opt)
{
    char buf[64], *colon, *end;
    uint64_t n, port = 0;
    if (strlen(val) >= sizeof buf) return 0;
    strcpy(buf, val);
    if (!(colon = strchr(buf, ':'))) return 0;
    *colon = '\0';
    char *pstr = colon + 1, *pcolon = strchr(pstr, ':');
    if (pcolon) {
        *pcolon = '\0';
        if (!parse_u64(pcolon + 1, &port) || port < 1 || port > 65535) return 0;
    }
    if (!parse_u64(buf, &n) || n < 2 || n > 20000) return 0;
    errno = 0;
    double p = strtod(pstr, &end);
    if (!*pstr || *end || errno || !(p > 0 && p <= 1)) return 0;
    opt->mesh_n = (uint32_t)n;
    opt->mesh_p = p;
    opt->mesh_port = (int)port;
    return 1;
}

static void parse_options(int argc, char **argv, gen_options *opt)
{
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            fputs(usage_text, stdout);
            exit(0);
        }
        if (!strcmp(arg, "--version")) {
            puts("nettui-gen " GEN_VERSION);
            exit(0);
        }
        if (!strcmp(arg, "--header")) { opt->header = 1; continue; }
        if (!strcmp(arg, "--crlf")) { opt->crlf = 1; continue; }
        if (!strcmp(arg, "--no-beacons")) { opt->no_beacons = 1; continue; }
        if (strncmp(arg, "--", 2) != 0)
            usage_error("unexpected argument '%s'", arg);

        /* the rest take a value: --name VALUE or --name=VALUE */
        char name[32];
        const char *eq = strchr(arg, '='), *val;
        size_t n = eq ? (size_t)(eq - arg) : strlen(arg);
        if (n >= sizeof name) usage_error("unknown option '%s'", arg);
        memcpy(name, arg, n);
        name[n] = '\0';
        static const char *const known[] = { "--rows", "--seed", "--out", "--answers", "--hosts",
            "--ports", "--work-hours", "--beacon-period", "--beacon-jitter", "--bad-lines",
            "--beacon-calls", "--beacon-style", "--internal-hosts", "--external-hosts", "--net",
            "--favourites", "--mesh", "--shape" };
        int k = -1;
        for (int j = 0; j < (int)(sizeof known / sizeof *known); j++)
            if (!strcmp(name, known[j])) k = j;
        if (k < 0) usage_error("unknown option '%s'", arg);
        if (eq) val = eq + 1;
        else if (i + 1 < argc) val = argv[++i];
        else usage_error("option '%s' needs a value", name);

        uint64_t v;
        switch (k) {
        case 0:
            if (!parse_u64(val, &v) || v < GEN_ROWS_MIN || v > GEN_ROWS_MAX)
                usage_error("--rows must be a whole number from 50000 to 110000000, not '%s'", val);
            opt->rows = v;
            break;
        case 1:
            if (!parse_u64(val, &v)) usage_error("--seed must be a whole number, not '%s'", val);
            opt->seed = v;
            break;
        case 2:
            if (!*val) usage_error("--out needs a file name");
            opt->out_path = strcmp(val, "-") ? val : NULL;
            break;
        case 3:
            if (!*val) usage_error("--answers needs a file name");
            opt->answers_path = val;
            break;
        case 4: case 5: {
            int random = !strcmp(val, "random");
            if (!random && strcmp(val, "ctf")) usage_error("%s must be ctf or random, not '%s'", name, val);
            if (k == 4) opt->random_hosts = random; else opt->random_ports = random;
            break;
        }
        case 6: {
            int a, b;
            if (!parse_hours(val, &a, &b) || a == b % 24)
                usage_error("--work-hours must be two different hours A-B (A 0-23, B 0-24), not '%s'", val);
            opt->work_start = a;
            opt->work_end = b;
            break;
        }
        case 7:
            if (!parse_u64(val, &v) || v < 60 || v > 86400)
                usage_error("--beacon-period must be 60 to 86400 seconds, not '%s'", val);
            opt->beacon_period = (int)v;
            break;
        case 8:
            if (!parse_u64(val, &v) || v > 3600)
                usage_error("--beacon-jitter must be 0 to 3600 seconds, not '%s'", val);
            opt->beacon_jitter = (int)v;
            opt->beacon_jitter_set = 1;
            break;
        case 9: {
            char *end;
            errno = 0;
            double rate = strtod(val, &end);
            if (!*val || *end || errno || !(rate >= 0 && rate <= 1))
                usage_error("--bad-lines must be a rate from 0 to 1, not '%s'", val);
            opt->bad_rate = rate;
            break;
        }
        case 10:
            if (!parse_u64(val, &v) || v < 1 || v > 10000)
                usage_error("--beacon-calls must be 1 to 10000, not '%s'", val);
            opt->beacon_calls = (int)v;
            break;
        case 11:
            if (!strcmp(val, "periodic")) opt->beacon_style = BEACON_PERIODIC;
            else if (!strcmp(val, "fixed-minute")) opt->beacon_style = BEACON_FIXED_MINUTE;
            else usage_error("--beacon-style must be periodic or fixed-minute, not '%s'", val);
            break;
        case 12:
            if (!parse_u64(val, &v) || v < GEN_N_INTERNAL || v > GEN_MAX_INTERNAL)
                usage_error("--internal-hosts must be 1000 to 100000, not '%s'", val);
            opt->n_internal = (uint32_t)v;
            break;
        case 13:
            if (!parse_u64(val, &v) || v < 200 || v > GEN_MAX_EXTERNAL)
                usage_error("--external-hosts must be 200 to 1000000, not '%s'", val);
            opt->n_external = (uint32_t)v;
            break;
        case 14:
            if (!strcmp(val, "ctf")) opt->net = NET_CTF;
            else if (!strcmp(val, "rfc1918")) opt->net = NET_RFC1918;
            else if (!strcmp(val, "rfc1918-172")) opt->net = NET_RFC1918_172;
            else usage_error("--net must be ctf, rfc1918 or rfc1918-172, not '%s'", val);
            break;
        case 15:
            if (!parse_u64(val, &v) || v > GEN_MAX_FAV)
                usage_error("--favourites must be 0 to 64, not '%s'", val);
            opt->favourites = (int)v;
            break;
        case 16:
            if (!parse_mesh(val, opt))
                usage_error("--mesh must be N:P or N:P:PORT (N 2 to 20000 hosts, P above 0 and"
                            " at most 1, PORT 1 to 65535), not '%s'", val);
            break;
        case 17:
            if (strcmp(val, "enterprise"))
                usage_error("--shape must be enterprise, not '%s'", val);
            opt->net = NET_RFC1918;
            opt->n_internal = 12000;
            opt->n_external = 20000;
            opt->work_start = 13;
            opt->work_end = 21;
            opt->random_ports = opt->random_hosts = 1;
            opt->beacon_period = 1500;
            opt->beacon_jitter = 10;
            opt->beacon_jitter_set = 1;
            opt->beacon_calls = 8;
            break;
        }
    }
    if (opt->beacon_style == BEACON_FIXED_MINUTE) {
        if (opt->beacon_calls > 24)
            usage_error("--beacon-style fixed-minute takes at most 24 --beacon-calls");
        if (opt->beacon_jitter_set && opt->beacon_jitter > 9)
            usage_error("--beacon-style fixed-minute takes a --beacon-jitter of at most 9 seconds");
    }
    if (opt->mesh_n) {
        /* a G(N,P) graph's largest clique is about 2 log N / log(1/P) + 1 */
        long planted = gen_p2p_size(opt->rows);
        double clique = opt->mesh_p >= 1 ? opt->mesh_n
                      : 2 * log(opt->mesh_n) / log(1 / opt->mesh_p) + 1;
        if (clique > opt->mesh_n) clique = opt->mesh_n;
        if (planted <= clique + 4)
            usage_error("--mesh %u:%g could hold a clique of about %.0f hosts, too close to the"
                        " planted P2P clique of %ld at %llu rows; use fewer hosts, a lower"
                        " probability or more rows", (unsigned)opt->mesh_n, opt->mesh_p, clique,
                        planted, (unsigned long long)opt->rows);
    }
    int period = opt->beacon_period ? opt->beacon_period : 1800;
    if (2 * opt->beacon_jitter >= period)
        usage_error("--beacon-jitter must be less than half the beacon period");
}

/* Writes the 32 lowercase hex digits of md5(data) and a NUL into out. */
void md5_hex(const void *data, size_t len, char out[33])
{
    struct md5_ctx ctx;
    uint8_t digest[MD5_DIGEST_SIZE];
    static const char hex[] = "0123456789abcdef";
    md5_init(&ctx);
    md5_update(&ctx, len, data);
    md5_digest(&ctx, sizeof digest, digest);
    for (int i = 0; i < MD5_DIGEST_SIZE; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[32] = '\0';
}

static int write_answers(const gen_world *w, const char *path, uint64_t bad)
{
    char joined[ANS_COUNT * 24], flag[33];
    size_t n = 0;
    for (int i = 0; i < ANS_COUNT; i++)
        n += (size_t)snprintf(joined + n, sizeof joined - n, "%s%s", i ? ":" : "", w->answers[i]);
    md5_hex(joined, n, flag);
    FILE *f = fopen(path, "w");
    if (!f) {
        fprintf(stderr, "nettui-gen: cannot open %s for writing: %s.\n", path, strerror(errno));
        return -1;
    }
    for (int i = 0; i < ANS_COUNT; i++)
        fprintf(f, "%s\n", w->answers[i]);
    fprintf(f, "flag: %s\nrows: %llu\nbad_lines: %llu\n", flag,
            (unsigned long long)w->opt->rows, (unsigned long long)bad);
    int err = ferror(f) ? (errno ? errno : EIO) : 0;
    if (fclose(f) != 0 && !err) err = errno ? errno : EIO;
    if (err) {
        fprintf(stderr, "nettui-gen: cannot write %s: %s.\n", path, strerror(err));
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    gen_options opt = { .rows = 2000000, .seed = 1, .work_start = 16, .work_end = 24,
                        .favourites = -1 };
    parse_options(argc, argv, &opt);
    gen_world w;
    const char *err = world_build(&w, &opt);
    if (err) {
        fprintf(stderr, "nettui-gen: %s.\n", err);
        return 2;
    }
    uint64_t bad = 0;
    int rc = emit_file(&w, &bad) == 0 ? 0 : 1;
    if (rc == 0 && opt.answers_path && write_answers(&w, opt.answers_path, bad) != 0)
        rc = 1;
    world_free(&w);
    return rc;
}
