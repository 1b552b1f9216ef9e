#!/bin/sh
# make bench: nettui against what an analyst would use instead, same files,
# same run. Generates (once, kept in $BENCH_DIR) a full-size file of
# $BENCH_ROWS rows (default 105,747,730, the CTF file's size) and a
# 10,000,000-row one with nettui-gen, then times on each:
#   nettui-gen writing it, cat from the page cache (the floor), nettui cold
#   (--answers --no-cache), nettui's first open (writes the cache), nettui warm
#   (from the cache), DuckDB (../shared/peers/duckdb_answers.mjs) and the
#   seed's pandas logic (../shared/peers/seed_pandas.py; full size only with
#   BENCH_PANDAS_FULL=1),
# and checks that every tool gave the generator's ten answers. A missing tool
# is skipped with a message. Exit status 1 when any answers differ.
#
# Then --flows for the key's first host: a scan of the cached table, the
# first host query (builds the host index), and warm (index mapped).
#
# Then a network of 100,000 internal hosts (RFC 1918, inferred) and 1,000,000
# outside hosts in $BENCH_LARGE_ROWS rows (10,000,000): nettui cold, its peak
# memory and the facts' size against the flow table's own 22 bytes a flow,
# and the engine's build and detector times (BENCH_SKIP=large leaves it out).
#
# Then ClickHouse (tests/clickhouse/server.sh: a server of its own on a
# loopback port, its data in $BENCH_DIR/clickhouse, stopped at the end): the
# 10,000,000-row file (or the full one when BENCH_ROWS is smaller) loaded over
# HTTP, nettui --answers on clickhouse://... with --no-cache and then three
# times with a cache folder, against the file path: wall time, nettui's peak
# memory, and the server's own query time from system.query_log (BENCH_SKIP=clickhouse leaves it out; it
# skips with a sentence when nettui has no ClickHouse source or the server
# does not start).
#
# Environment: BENCH_DIR (build/bench), BENCH_ROWS, BENCH_SMALL_ROWS (10000000),
# BENCH_LARGE_ROWS (10000000),
# BENCH_PANDAS_FULL, BENCH_SKIP="duckdb pandas ..." (tools to leave out),
# NETTUI, NETTUI_GEN, PEERS (../shared/peers).
set -u
cd "$(dirname "$0")/../.." || exit 1
BENCH_DIR=${BENCH_DIR:-build/bench}
FULL_ROWS=${BENCH_ROWS:-105747730}
SMALL_ROWS=${BENCH_SMALL_ROWS:-10000000}
NETTUI=${NETTUI:-./nettui}
NETTUI_GEN=${NETTUI_GEN:-./nettui-gen}
PEERS=${PEERS:-../shared/peers}
SKIP=" ${BENCH_SKIP:-} "
mkdir -p "$BENCH_DIR" || exit 1
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)
CACHE_DIR="$BENCH_DIR/cache"
LOG="$BENCH_DIR/log"
mkdir -p "$LOG"
rm -f "$LOG/mismatch"

note() { printf '%s\n' "bench: $*" >&2; }
skipped() { case "$SKIP" in *" $1 "*) return 0;; esac; return 1; }

# ---- tools -------------------------------------------------------------------
TIME=/usr/bin/time
if [ ! -x "$TIME" ]; then
  DEBS=time sh tests/install-debs.sh || true
fi
[ -x "$TIME" ] || { note "/usr/bin/time is missing (apt-get install time); cannot measure"; exit 1; }

have_duckdb=0
NODE_DIR="$BENCH_DIR/node"
if skipped duckdb; then note "DuckDB left out (BENCH_SKIP)"
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then note "no node/npm: DuckDB skipped"
elif [ ! -f "$PEERS/duckdb_answers.mjs" ]; then note "no $PEERS/duckdb_answers.mjs: DuckDB skipped"
else
  if [ ! -d "$NODE_DIR/node_modules/@duckdb/node-api" ]; then
    note "installing @duckdb/node-api into $NODE_DIR"
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || echo '{"private":true}' > "$NODE_DIR/package.json"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund --loglevel=error @duckdb/node-api >"$LOG/npm.log" 2>&1) ||
      note "npm install failed (see $LOG/npm.log): DuckDB skipped"
  fi
  [ -d "$NODE_DIR/node_modules/@duckdb/node-api" ] && have_duckdb=1
fi

have_pandas=0
PY=/usr/bin/python3
if skipped pandas; then note "pandas left out (BENCH_SKIP)"
elif [ ! -f "$PEERS/seed_pandas.py" ]; then note "no $PEERS/seed_pandas.py: pandas skipped"
else
  "$PY" -c 'import pandas, networkx' 2>/dev/null || DEBS="python3-pandas python3-networkx" sh tests/install-debs.sh || true
  if "$PY" -c 'import pandas, networkx' 2>/dev/null; then have_pandas=1; else note "no python3-pandas/networkx: pandas skipped"; fi
fi

[ -x "$NETTUI" ] || { note "no $NETTUI: run make first"; exit 1; }
have_answers=1
# --answers may not be built yet: then nettui is timed on --summary (load only)
"$NETTUI" --answers --no-cache /dev/null >/dev/null 2>"$LOG/probe.err"
grep -q 'not built yet' "$LOG/probe.err" && { have_answers=0; note "nettui --answers is not built yet: timing --summary (load only)"; }

# ---- measuring ----------------------------------------------------------------
# timed NAME CMD...: runs CMD with stdout to $LOG/NAME.out, stderr to
# $LOG/NAME.err; sets SECS (wall), PEAK_KB, CPU (user + system seconds:
# steadier than wall time on a machine others share), RC.
timed() {
  name=$1; shift
  "$TIME" -f '%e %M %U %S' -o "$LOG/$name.time" "$@" >"$LOG/$name.out" 2>"$LOG/$name.err"
  RC=$?
  # GNU time puts "Command exited with non-zero status N" first when N != 0
  set -- $(tail -n 1 "$LOG/$name.time") 0 0 0 0
  SECS=$1; PEAK_KB=$2; CPU=$(awk -v u="$3" -v s="$4" 'BEGIN { print u + s }')
  [ "$RC" = 0 ] || note "$name exited $RC: $(tail -n 2 "$LOG/$name.err" | tr '\n' ' ')"
}

ROWS=0; BYTES=0
# row LABEL SECS PEAK_KB ANSWERS [CPU]: one line of the table
row() {
  awk -v l="$1" -v s="$2" -v kb="$3" -v a="$4" -v c="${5:--}" -v n="$ROWS" -v b="$BYTES" 'BEGIN {
    rps = s > 0 ? n / s / 1e6 : 0; mbs = s > 0 ? b / s / 1e6 : 0
    pk = kb > 0 ? sprintf("%8.0f", kb / 1024) : "       -"
    bpf = kb > 0 && n > 0 ? sprintf("%7.1f", kb * 1024 / n) : "      -"
    cpu = c == "-" ? "       -" : sprintf("%8.2f", c)
    printf "| %-36s | %8.2f | %s | %8.2f | %8.0f | %s | %s | %-12s |\n", l, s, cpu, rps, mbs, pk, bpf, a }' | tee -a "$TABLE"
}
header() {
  { echo
    echo "$1"
    echo
    echo "| tool                                 |  seconds |  cpu s   | Mrows/s  |     MB/s |  peak MB | B/flow  | answers      |"
    echo "|--------------------------------------|---------:|---------:|---------:|---------:|---------:|--------:|--------------|"
  } | tee -a "$TABLE"
}

# check NAME: compares the first ten lines of $LOG/NAME.out with the key's
# answers; prints "ok" or "DIFFERS", and lists differences on stderr.
check() {
  head -n 10 "$LOG/$1.out" > "$LOG/$1.answers"
  if cmp -s "$LOG/$1.answers" "$KEY10"; then echo ok; return; fi
  : > "$LOG/mismatch"     # check runs in $(...): a file outlives the subshell
  note "!!! $1 gave other answers than the generator's key for $FILE:"
  paste -d'|' "$KEY10" "$LOG/$1.answers" | awk -F'|' '{ printf "bench:   q%-2d key %-18s %-18s %s\n", NR, $1, $2, ($1 == $2 ? "" : "<-- DIFFERS") }' >&2
  echo DIFFERS
}

ratio() {   # ratio LABEL A B
  awk -v l="$1" -v a="$2" -v b="$3" 'BEGIN { if (a > 0 && b > 0) printf "%s: %.3f\n", l, a / b }' | tee -a "$TABLE"
}

# ---- one file -------------------------------------------------------------------
bench_file() {
  n=$1
  FILE="$BENCH_DIR/flows-$n.csv"
  KEY="$BENCH_DIR/flows-$n.key"
  KEY10="$LOG/key-$n.answers"
  if [ ! -f "$FILE" ] || [ ! -f "$KEY" ]; then
    [ -x "$NETTUI_GEN" ] || { note "no $NETTUI_GEN and no $FILE: skipping $n rows"; return; }
    note "generating $FILE ($n rows)"
    timed "gen-$n" "$NETTUI_GEN" --rows "$n" --seed 1 --out "$FILE.tmp" --answers "$KEY.tmp"
    if [ "$RC" != 0 ]; then rm -f "$FILE.tmp" "$KEY.tmp"; note "nettui-gen failed"; return; fi
    echo "$SECS $PEAK_KB $CPU" > "$BENCH_DIR/flows-$n.gen-time"
    mv "$FILE.tmp" "$FILE" && mv "$KEY.tmp" "$KEY"
  fi
  head -n 10 "$KEY" > "$KEY10"
  ROWS=$(sed -n 's/^rows: //p' "$KEY"); ROWS=${ROWS:-$n}
  BYTES=$(wc -c < "$FILE" | tr -d ' ')
  header "$(basename "$FILE"): $ROWS rows, $(awk -v b="$BYTES" 'BEGIN { printf "%.0f MB", b / 1e6 }'), bad lines $(sed -n 's/^bad_lines: //p' "$KEY")"

  if [ -f "$BENCH_DIR/flows-$n.gen-time" ]; then
    read -r gs gk gc < "$BENCH_DIR/flows-$n.gen-time"
    row "nettui-gen (writes the file)" "$gs" "$gk" "key" "${gc:--}"
  fi

  cat "$FILE" > /dev/null     # into the page cache, for everyone alike
  timed "cat-$n" sh -c 'cat "$1" > /dev/null' sh "$FILE"
  row "cat > /dev/null (floor)" "$SECS" 0 "-" "$CPU"

  if [ "$have_answers" = 1 ]; then mode=--answers; else mode=--summary; fi
  timed "cold-$n" "$NETTUI" $mode --no-cache "$FILE"
  cold=$SECS
  if [ "$have_answers" = 1 ]; then a=$(check "cold-$n"); else a="(load only)"; fi
  row "nettui cold ($mode --no-cache)" "$SECS" "$PEAK_KB" "$a" "$CPU"

  rm -rf "$CACHE_DIR"
  timed "first-$n" "$NETTUI" $mode --cache-dir "$CACHE_DIR" "$FILE"
  first=$SECS
  row "nettui first open (+ cache)" "$SECS" "$PEAK_KB" "-" "$CPU"
  best=""; bestkb=0; bestcpu=0
  for i in 1 2 3; do
    timed "warm-$n" "$NETTUI" $mode --cache-dir "$CACHE_DIR" "$FILE"
    if [ -z "$best" ] || awk -v a="$SECS" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$SECS; bestkb=$PEAK_KB; bestcpu=$CPU; fi
  done
  if [ "$have_answers" = 1 ]; then a=$(check "warm-$n"); else a="(load only)"; fi
  if [ "$mode" = --summary ] && ! grep -q '^source: cache' "$LOG/warm-$n.out"; then a="NOT CACHED"; fi
  row "nettui warm (cache, best of 3)" "$best" "$bestkb" "$a" "$bestcpu"
  du -sm "$CACHE_DIR" | awk '{ printf "bench: cache size %s MB\n", $1 }' >&2
  bench_flows "$n"

  duck=0
  if [ "$have_duckdb" = 1 ]; then
    timed "duckdb-$n" env NODE_PATH="$NODE_DIR/node_modules" node "$PEERS/duckdb_answers.mjs" "$FILE"
    duck=$SECS
    row "DuckDB (node, same questions)" "$SECS" "$PEAK_KB" "$(check "duckdb-$n")" "$CPU"
  fi
  pandas=0
  if [ "$have_pandas" = 1 ] && { [ "$n" -le "$SMALL_ROWS" ] || [ "${BENCH_PANDAS_FULL:-0}" = 1 ]; }; then
    timed "pandas-$n" "$PY" "$PEERS/seed_pandas.py" "$FILE"
    pandas=$SECS
    row "pandas (the seed's logic)" "$SECS" "$PEAK_KB" "$(check "pandas-$n")" "$CPU"
  elif [ "$have_pandas" = 1 ]; then
    note "pandas not run on $n rows (takes many minutes; BENCH_PANDAS_FULL=1 runs it)"
  fi
  echo | tee -a "$TABLE"
  ratio "nettui first open / cold (target 1.1)" "$first" "$cold"
  ratio "nettui cold / DuckDB" "$cold" "$duck"
  ratio "nettui warm / DuckDB" "$best" "$duck"
  ratio "nettui cold / pandas" "$cold" "$pandas"
  ratio "nettui warm / pandas" "$best" "$pandas"
}

# ---- --flows: one host's flows, scanned and through the host index ------------
# The host is the key's first answer (the exfiltration host). "not not (...)"
# keeps the same rows but has no host plan, so it is the scan of the cached
# table; then the first host query (builds and saves <cache>.hidx) and the
# warm one (maps it), each checked against the scan's rows.
bench_flows() {
  n=$1
  h=$(sed -n 1p "$KEY")
  [ -n "$h" ] || { note "no host in $KEY: --flows not timed"; return; }
  q="host $h"
  timed "flows-scan-$n" "$NETTUI" --flows "not not ($q)" --cache-dir "$CACHE_DIR" "$FILE"
  row "nettui --flows host (scan)" "$SECS" "$PEAK_KB" "$(wc -l < "$LOG/flows-scan-$n.out") lines" "$CPU"
  rm -f "$CACHE_DIR"/*.hidx
  timed "flows-first-$n" "$NETTUI" --flows "$q" --cache-dir "$CACHE_DIR" "$FILE"
  same=same; cmp -s "$LOG/flows-scan-$n.out" "$LOG/flows-first-$n.out" || { same=DIFFERS; : > "$LOG/mismatch"; }
  row "nettui --flows host first (+ index)" "$SECS" "$PEAK_KB" "$same" "$CPU"
  best=""; bestkb=0; bestcpu=0
  for i in 1 2 3; do
    timed "flows-warm-$n" "$NETTUI" --flows "$q" --cache-dir "$CACHE_DIR" "$FILE"
    if [ -z "$best" ] || awk -v a="$SECS" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$SECS; bestkb=$PEAK_KB; bestcpu=$CPU; fi
  done
  same=same; cmp -s "$LOG/flows-scan-$n.out" "$LOG/flows-warm-$n.out" || { same=DIFFERS; : > "$LOG/mismatch"; }
  row "nettui --flows host warm (best of 3)" "$best" "$bestkb" "$same" "$bestcpu"
}

# ---- ClickHouse ----------------------------------------------------------------
CH_DIR=""
ch_stop() { [ -z "$CH_DIR" ] || sh tests/clickhouse/server.sh stop "$CH_DIR"; CH_DIR=""; }
trap ch_stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ch_server_time SINCE: the server's own record of the queries nettui sent
# since epoch second SINCE (curl's, from server.sh, left out): how many, their
# summed and longest duration, rows read, the most memory one used
ch_server_time() {
  sh tests/clickhouse/server.sh query "$CH_DIR" "SYSTEM FLUSH LOGS" > /dev/null 2>&1
  sh tests/clickhouse/server.sh query "$CH_DIR" "SELECT count(), sum(query_duration_ms) / 1000, max(query_duration_ms) / 1000,
      sum(read_rows), max(memory_usage) / 1048576 FROM system.query_log
      WHERE type = 2 AND query_start_time >= toDateTime($1) AND http_user_agent NOT LIKE 'curl/%'" |
    awk -F'\t' '{ printf "%d queries, %.2f s summed, %.2f s the longest, %.0f rows read, %.0f MB the most memory of one", $1, $2, $3, $4, $5 }'
}

bench_clickhouse() {
  if [ "$FULL_ROWS" -gt "$SMALL_ROWS" ]; then n=$SMALL_ROWS; else n=$FULL_ROWS; fi
  FILE="$BENCH_DIR/flows-$n.csv"
  KEY="$BENCH_DIR/flows-$n.key"
  KEY10="$LOG/key-ch.answers"
  if ! "$NETTUI" --help 2>&1 | grep -qi clickhouse; then note "nettui has no ClickHouse source: the ClickHouse section skipped"; return; fi
  if ! command -v clickhouse-server > /dev/null || ! command -v curl > /dev/null; then
    note "no clickhouse-server or curl (make deps-test installs them): the ClickHouse section skipped"; return
  fi
  [ -f "$FILE" ] && [ -f "$KEY" ] || { note "no $FILE: the ClickHouse section skipped"; return; }
  head -n 10 "$KEY" > "$KEY10"
  ROWS=$(sed -n 's/^rows: //p' "$KEY"); ROWS=${ROWS:-$n}
  BYTES=$(wc -c < "$FILE" | tr -d ' ')
  CH_DIR="$BENCH_DIR/clickhouse"
  sh tests/clickhouse/server.sh stop "$CH_DIR"     # one a killed bench left
  if ! port=$(sh tests/clickhouse/server.sh start "$CH_DIR" 2> "$LOG/ch-start.err"); then
    note "the ClickHouse server did not start: the ClickHouse section skipped ($(head -n 1 "$LOG/ch-start.err"))"
    CH_DIR=""; return
  fi
  version=$(sh tests/clickhouse/server.sh query "$CH_DIR" "SELECT version()")
  header "$(basename "$FILE") in ClickHouse $version (MergeTree, one local server, 127.0.0.1:$port)"
  timed ch-load sh tests/clickhouse/server.sh load "$CH_DIR" "$FILE" bench.flows
  [ "$RC" = 0 ] || { note "loading $FILE into ClickHouse failed: the ClickHouse section skipped"; ch_stop; return; }
  row "ClickHouse: INSERT the CSV over HTTP" "$SECS" 0 "-" "$CPU"
  sh tests/clickhouse/server.sh query "$CH_DIR" "OPTIMIZE TABLE bench.flows FINAL" > /dev/null 2>&1
  du -sm "$CH_DIR/data" | awk '{ printf "bench: ClickHouse data folder %s MB\n", $1 }' >&2
  url="clickhouse://127.0.0.1:$port/bench.flows"

  timed "ch-file-$n" "$NETTUI" --answers --no-cache "$FILE"
  file_secs=$SECS; file_kb=$PEAK_KB
  row "nettui on the file (--no-cache)" "$SECS" "$PEAK_KB" "$(check "ch-file-$n")" "$CPU"

  since=$(date +%s)
  timed "ch-cold-$n" env NETTUI_TIMING=1 "$NETTUI" --answers --no-cache "$url"
  ch_secs=$SECS; ch_kb=$PEAK_KB
  row "nettui on ClickHouse (--no-cache)" "$SECS" "$PEAK_KB" "$(check "ch-cold-$n")" "$CPU"
  server=$(ch_server_time "$since")
  cmp -s "$LOG/ch-file-$n.out" "$LOG/ch-cold-$n.out" || { : > "$LOG/mismatch"; note "!!! nettui on ClickHouse and on the file differ (see $LOG/ch-*-$n.out)"; }

  # again with a cache folder: a client that caches the facts sends no
  # GROUP BY the second time, which the server's log below shows
  rm -rf "$CACHE_DIR/ch"
  "$NETTUI" --answers --cache-dir "$CACHE_DIR/ch" "$url" > /dev/null 2>&1
  sleep 1     # query_log's times are whole seconds: the runs below start after
  since=$(date +%s)
  best=""; bestkb=0; bestcpu=0
  for i in 1 2 3; do
    timed "ch-warm-$n" "$NETTUI" --answers --cache-dir "$CACHE_DIR/ch" "$url"
    if [ -z "$best" ] || awk -v a="$SECS" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$SECS; bestkb=$PEAK_KB; bestcpu=$CPU; fi
  done
  row "nettui on ClickHouse again (best 3)" "$best" "$bestkb" "$(check "ch-warm-$n")" "$bestcpu"
  again=$(ch_server_time "$since")
  echo | tee -a "$TABLE"
  echo "ClickHouse server, the --no-cache run: $server" | tee -a "$TABLE"
  echo "ClickHouse server, the three runs again: $again" | tee -a "$TABLE"
  grep '^timing:\|^clickhouse:' "$LOG/ch-cold-$n.err" | sed 's/^/bench: /' >&2
  ratio "nettui on ClickHouse / on the file (wall)" "$ch_secs" "$file_secs"
  ratio "nettui on ClickHouse / on the file (peak memory)" "$ch_kb" "$file_kb"
  ch_stop
}

# ---- a large network ----------------------------------------------------------
bench_large() {
  n=${BENCH_LARGE_ROWS:-10000000}
  FILE="$BENCH_DIR/enterprise-100k-$n.csv"
  KEY="$BENCH_DIR/enterprise-100k-$n.key"
  KEY10="$LOG/key-large.answers"
  if [ ! -f "$FILE" ] || [ ! -f "$KEY" ]; then
    [ -x "$NETTUI_GEN" ] || { note "no $NETTUI_GEN: skipping the large network"; return; }
    note "generating $FILE (100,000 internal hosts, 1,000,000 outside)"
    timed "gen-large" "$NETTUI_GEN" --rows "$n" --seed 1 --shape enterprise --internal-hosts 100000 \
      --external-hosts 1000000 --out "$FILE.tmp" --answers "$KEY.tmp"
    if [ "$RC" != 0 ]; then rm -f "$FILE.tmp" "$KEY.tmp"; note "nettui-gen failed"; return; fi
    mv "$FILE.tmp" "$FILE" && mv "$KEY.tmp" "$KEY"
  fi
  head -n 10 "$KEY" > "$KEY10"
  ROWS=$(sed -n 's/^rows: //p' "$KEY"); ROWS=${ROWS:-$n}
  BYTES=$(wc -c < "$FILE" | tr -d ' ')
  header "$(basename "$FILE"): $ROWS rows, 100,000 internal hosts in RFC 1918 space (inferred), 1,000,000 outside hosts"
  cat "$FILE" > /dev/null
  timed "large-cold" env NETTUI_TIMING=1 "$NETTUI" --answers --no-cache "$FILE"
  row "nettui cold (--answers --no-cache)" "$SECS" "$PEAK_KB" "$(check large-cold)" "$CPU"
  timed "large-json" "$NETTUI" --json --no-cache "$FILE"
  facts=$(sed -n 's/^  "facts_bytes": \([0-9]*\),$/\1/p' "$LOG/large-json.out")
  grep '^timing:' "$LOG/large-cold.err" | sed 's/^/bench: /' >&2
  # (the ratio outside printf: mawk reads "n > 0" there as a redirection)
  awk -v f="${facts:-0}" -v n="$ROWS" 'BEGIN { r = (n > 0) ? f / n : 0; printf "facts: %.0f MB, %.1f bytes a flow (the flow table: 22)\n", f / 1e6, r }' | tee -a "$TABLE"
}

TABLE="$BENCH_DIR/results-$(date -u +%Y%m%d-%H%M%S).md"
{ echo "nettui bench, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo),"
  echo "$(${CC:-cc} --version | head -n 1), $(uname -sr)"; } | tee "$TABLE"
if [ "$FULL_ROWS" -gt "$SMALL_ROWS" ]; then
  bench_file "$SMALL_ROWS"
fi
bench_file "$FULL_ROWS"
skipped clickhouse || bench_clickhouse
skipped large || bench_large
echo
if [ ! -e "$LOG/mismatch" ]; then
  echo "answers: every tool that ran gave the generator's ten answers" | tee -a "$TABLE"
else
  echo "answers: MISMATCH, see the lines marked DIFFERS above (logs in $LOG)" | tee -a "$TABLE"
fi
echo "table saved in $TABLE"
[ ! -e "$LOG/mismatch" ]
