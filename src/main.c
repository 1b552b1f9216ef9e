/* nettui: find the ten planted attacks in a network-flow CSV, in a terminal.
 * main.c parses the command line and hands over to one mode. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nettui/cache.h"
#include "cli.h"
#include "nettui/chsource.h"
#include "nettui/mapguard.h"
#include "nettui/format.h"

#define NETTUI_VERSION "0.1.0"

static void usage(FILE *out)
{
    fputs("usage: nettui [OPTIONS] FILE...\n"
          "       nettui [OPTIONS] DIR\n"
          "       nettui [OPTIONS] clickhouse://[USER[:PASSWORD]@]HOST[:PORT]/DATABASE.TABLE\n"
          "\n"
          "Opens the explorer on a flow file (timestamp,src,dst,port,bytes CSV,\n"
          "nfdump -o csv, Zeek conn.log as TSV or JSON; plain, .gz or .zst),\n"
          "or answers in batch with --summary or --answers. Several files, or a\n"
          "folder of them, are read as one data set (not cached).\n"
          "\n"
          "  --summary            print what was loaded as key: value lines\n"
          "  --answers            print the ten answers and the flag hash\n"
          "  --flows EXPR         print the flows EXPR keeps as CSV (see FILTERS in man nettui)\n"
          "  --time ms|iso        --flows timestamps: epoch ms (default) or ISO 8601 UTC\n"
          "  --json               every finding as JSON (implies --answers)\n"
          "  --export PATH        with --answers: also write the answers to PATH\n"
          "  --work-hours A-B     work hours in UTC (e.g. 16-24); default: from the data\n"
          "  --internal CIDRS     internal network; default: inferred from the flows\n"
          "  --threads N          parser threads (default: number of cores)\n"
          "  --format NAME        csv, nfdump-csv, zeek-conn-tsv or zeek-conn-json\n"
          "                       (default: told from the content)\n"
          "  --tz ZONE            zone of times written without one: UTC (default),\n"
          "                       +hh:mm, or a name such as Europe/Berlin\n"
          "  --cache-dir DIR      where the columnar cache lives\n"
          "  --no-cache           neither read nor write the cache\n"
          "  --fresh              explorer: forget the blacklist choices saved for FILE\n"
          "  --where SQL          ClickHouse: only the rows this SQL condition keeps\n"
          "  --timeout SECONDS    ClickHouse: give up a query after SECONDS\n"
          "  --password-file F    ClickHouse: the password, from a file only you can read\n"
          "                       (or NETTUI_CLICKHOUSE_PASSWORD)\n"
          "  -h, --help           this text\n"
          "  -V, --version        the version\n"
          "\n"
          "See man nettui for the keys of the explorer and the exit statuses.\n", out);
}

/* "A-B" with 0 <= A <= 23, 1 <= B <= 24, A != B (B < A wraps midnight). */
static int parse_work_hours(const char *s, int *a, int *b)
{
    char *end;
    long x = strtol(s, &end, 10);
    if (end == s || *end != '-') return -1;
    const char *t = end + 1;
    long y = strtol(t, &end, 10);
    if (end == t || *end) return -1;
    if (x < 0 || x > 23 || y < 0 || y > 24 || x == y % 24) return -1;
    *a = (int)x; *b = (int)(y % 24);
    return 0;
}

/* EXIT_OK once stdout took everything (--help, --version), else a sentence. */
static int stdout_done(void)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return EXIT_OK;
    fprintf(stderr, "nettui: cannot write to standard output.\n");
    return EXIT_FAILURE_RUN;
}

static int parse_threads(const char *s, int *n)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (end == s || *end || v < 1 || v > 256) return -1;
    *n = (int)v;
    return 0;
}

int main(int argc, char **argv)
{
    enum { OPT_SUMMARY = 256, OPT_ANSWERS, OPT_JSON, OPT_EXPORT, OPT_WORK, OPT_INTERNAL,
           OPT_THREADS, OPT_CACHE_DIR, OPT_NO_CACHE, OPT_FRESH, OPT_FLOWS, OPT_TIME, OPT_FORMAT, OPT_TZ,
           OPT_WHERE, OPT_TIMEOUT, OPT_PASSWORD_FILE };
    static const struct option longopts[] = {
        {"summary", no_argument, 0, OPT_SUMMARY},
        {"answers", no_argument, 0, OPT_ANSWERS},
        {"json", no_argument, 0, OPT_JSON},
        {"flows", required_argument, 0, OPT_FLOWS},
        {"time", required_argument, 0, OPT_TIME},
        {"export", required_argument, 0, OPT_EXPORT},
        {"work-hours", required_argument, 0, OPT_WORK},
        {"internal", required_argument, 0, OPT_INTERNAL},
        {"threads", required_argument, 0, OPT_THREADS},
        {"cache-dir", required_argument, 0, OPT_CACHE_DIR},
        {"no-cache", no_argument, 0, OPT_NO_CACHE},
        {"fresh", no_argument, 0, OPT_FRESH},
        {"format", required_argument, 0, OPT_FORMAT},
        {"tz", required_argument, 0, OPT_TZ},
        {"where", required_argument, 0, OPT_WHERE},
        {"timeout", required_argument, 0, OPT_TIMEOUT},
        {"password-file", required_argument, 0, OPT_PASSWORD_FILE},
        {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0},
    };
    cli_options o;
    memset(&o, 0, sizeof o);
    o.mode = MODE_TUI;
    o.work_start = o.work_end = -1;
    cidr_list_default(&o.internal);
    o.progress = isatty(STDERR_FILENO);
    /* A write past `ulimit -f` then fails with EFBIG, and says so, instead
     * of ending nettui with SIGXFSZ. */
    signal(SIGXFSZ, SIG_IGN);

    int c, time_set = 0;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
        char err[200];
        switch (c) {
        case OPT_SUMMARY: o.mode = MODE_SUMMARY; break;
        case OPT_ANSWERS: o.mode = MODE_ANSWERS; break;
        case OPT_JSON: o.json = 1; o.mode = MODE_ANSWERS; break;
        case OPT_EXPORT: o.export_path = optarg; break;
        case OPT_FLOWS: o.mode = MODE_FLOWS; o.filter = optarg; break;
        case OPT_TIME:
            if (strcmp(optarg, "ms") && strcmp(optarg, "iso")) {
                fprintf(stderr, "nettui: --time takes ms or iso, not '%s'.\n", optarg);
                return EXIT_USAGE;
            }
            o.time_iso = optarg[0] == 'i';
            time_set = 1;
            break;
        case OPT_WORK:
            if (parse_work_hours(optarg, &o.work_start, &o.work_end)) {
                fprintf(stderr, "nettui: --work-hours takes A-B, whole UTC hours such as 16-24 or 22-6, not '%s'.\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_INTERNAL:
            if (cidr_list_parse(&o.internal, optarg, err, sizeof err)) {
                fprintf(stderr, "nettui: --internal: %s\n", err);
                return EXIT_USAGE;
            }
            o.internal_set = 1;
            break;
        case OPT_THREADS:
            if (parse_threads(optarg, &o.threads)) {
                fprintf(stderr, "nettui: --threads takes a whole number from 1 to 256, not '%s'.\n", optarg);
                return EXIT_USAGE;
            }
            break;
        case OPT_CACHE_DIR: o.cache_dir = optarg; break;
        case OPT_NO_CACHE: o.no_cache = 1; break;
        case OPT_FRESH: o.fresh = 1; break;
        case OPT_FORMAT: {
            flow_format f;
            if (format_from_name(optarg, &f)) {
                fprintf(stderr, "nettui: --format takes csv, nfdump-csv, zeek-conn-tsv, zeek-conn-json or auto, not '%s'.\n", optarg);
                return EXIT_USAGE;
            }
            o.format = (int)f;
            break;
        }
        case OPT_TZ:
            if (time_set_zone(optarg, err, sizeof err)) {
                fprintf(stderr, "nettui: %s\n", err);
                return EXIT_USAGE;
            }
            o.tz = optarg;
            break;
        case OPT_WHERE: o.where = optarg; break;
        case OPT_TIMEOUT: {
            char *end;
            double v = strtod(optarg, &end);
            if (end == optarg || *end || !(v > 0) || v > 86400) {
                fprintf(stderr, "nettui: --timeout takes seconds from 0.001 to 86400, not '%s'.\n", optarg);
                return EXIT_USAGE;
            }
            o.timeout = v;
            break;
        }
        case OPT_PASSWORD_FILE: o.password_file = optarg; break;
        case 'h': usage(stdout); return stdout_done();
        case 'V': printf("nettui %s\n", NETTUI_VERSION); return stdout_done();
        default:
            if (optopt && optopt < 256)
                fprintf(stderr, "nettui: unknown option '-%c'; see nettui --help.\n", optopt);
            else
                fprintf(stderr, "nettui: unknown or incomplete option '%s'; see nettui --help.\n", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "nettui: name one flow file, e.g. nettui network_data.csv (see nettui --help).\n");
        return EXIT_USAGE;
    }
    o.path = argv[optind];
    o.paths = (const char *const *)argv + optind;
    o.npaths = argc - optind;
    if (ch_is_url(o.path)) {
        /* the password leaves the URL, and the command line ps shows
         * (overwritten in argv); path keeps the URL without it */
        static ch_url u;
        static char shown[1200], password[256];
        char err[300];
        if (o.npaths > 1) { fprintf(stderr, "nettui: a ClickHouse source goes alone, without other files.\n"); return EXIT_USAGE; }
        if (ch_url_parse(o.path, &u, err, sizeof err)) { fprintf(stderr, "nettui: %s\n", err); return EXIT_USAGE; }
        if (u.has_password) {
            snprintf(password, sizeof password, "%s", u.password);
            o.ch_password = password;
            char *at = strrchr(argv[optind], '@'), *colon = argv[optind] + (u.https ? 14 : 13);
            colon = strchr(colon, ':');
            if (at && colon && colon < at) memset(colon + 1, '*', (size_t)(at - colon - 1));
        }
        memset(u.password, 0, sizeof u.password);
        snprintf(shown, sizeof shown, "clickhouse%s://%s@%s:%d/%s.%s", u.https ? "s" : "", u.user, u.host, u.port, u.database, u.table);
        o.path = shown;
        o.paths = (const char *const *)&o.path;
        o.clickhouse = 1;
        o.ch_cache = !o.no_cache;   /* its own cache (chcache.c), not the files' */
        o.no_cache = 1;
    } else if (o.where || o.timeout > 0 || o.password_file) {
        fprintf(stderr, "nettui: --where, --timeout and --password-file go with a clickhouse:// source.\n");
        return EXIT_USAGE;
    }
    /* several files, or a folder: one data set (load_set), not cached */
    o.is_set = load_is_set(o.paths, o.npaths);
    if (o.is_set) o.no_cache = 1;
    if (o.export_path && o.mode != MODE_ANSWERS) {
        fprintf(stderr, "nettui: --export goes with --answers or --json.\n");
        return EXIT_USAGE;
    }
    if (time_set && o.mode != MODE_FLOWS) {
        fprintf(stderr, "nettui: --time goes with --flows.\n");
        return EXIT_USAGE;
    }
    /* a cache cut short under a batch run: the run starts over on the
     * source (mapguard.h); the explorer cannot, it stops and says why */
    if (o.mode != MODE_TUI) mapguard_allow_reexec(argv);
    /* --format and --tz can make another table from the same file: their
     * caches live in a folder of their own inside the cache folder */
    static char variant_dir[4096];
    if (!o.no_cache && (o.format || o.tz)) {
        char base[3500], tz[200];
        size_t j = 0;
        for (const char *z = o.tz ? o.tz : "UTC"; *z && j + 1 < sizeof tz; z++)
            tz[j++] = (*z == '/' || *z == '.') ? '_' : *z;
        tz[j] = 0;
        if (cache_dir_path(o.cache_dir, base, sizeof base) == 0) {
            snprintf(variant_dir, sizeof variant_dir, "%s/%s-tz%s", base, format_name((flow_format)o.format), tz);
            o.cache_dir = variant_dir;
        }
    }
    switch (o.mode) {
    case MODE_FLOWS: return run_flows(&o);
    case MODE_SUMMARY: return run_summary(&o);
    case MODE_ANSWERS: return run_answers(&o);
    default: return ui_run(&o);
    }
}
