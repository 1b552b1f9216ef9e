#!/bin/sh
# Hostile flow files, batch mode: a file cut at any byte, random bytes, only
# NUL bytes, one 10 MB line, empty and header-only files, a few percent of
# mangled lines (the answers on the clean part stay right), a scan from a
# million distinct external addresses (memory bounded, detectors in seconds),
# a 10,000-character host, timestamps, ports and byte counts at and past
# their limits, and files that are no files (a folder, a FIFO, a device).
#
# For every case: the exit status is one of the man page's (0, 1, 2, 3),
# never a signal; a failure prints exactly one line on stderr, "nettui: ..."
# naming the file; a success prints nothing there but, when more than 1% of
# its lines are bad, the one line saying how many. The big files are made
# here, in a temporary folder; under E2E_SAN=1 they are smaller. A failing
# case keeps its input in /tmp/nettui-hostile-kept.* to replay.
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] || { echo "60-hostile: no $NETTUI" >&2; exit 77; }
[ -x "$NETTUI_GEN" ] || { echo "60-hostile: no $NETTUI_GEN" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-hostile.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
SAN=${E2E_SAN:-0}
cases=0

# fail MSG [FILE]: keeps FILE for a replay, then fails
fail() {
  if [ -n "${2:-}" ] && [ -e "$2" ]; then
    k=$(mktemp -d /tmp/nettui-hostile-kept.XXXXXX) && cp "$2" "$k/" 2>/dev/null && set -- "$1 (input kept in $k)"
  fi
  echo "60-hostile: $1" >&2
  exit 1
}

# try "WANT..." FILE [options...]: runs nettui [options] FILE (default
# --summary --no-cache), checks the status is one of WANT and the stderr rule.
try() {
  want=$1; f=$2; shift 2
  [ $# -gt 0 ] || set -- --summary --no-cache
  cases=$((cases + 1))
  "$NETTUI" "$@" "$f" >"$T/out" 2>"$T/err"; rc=$?
  [ "$rc" -lt 128 ] || fail "$f: nettui died on signal $((rc - 128))" "$f"
  case " $want " in *" $rc "*) ;; *) fail "$f: exit $rc, want one of $want: $(head -c 300 "$T/err")" "$f";; esac
  if [ "$rc" = 0 ]; then
    # a success says nothing on stderr, but that more than 1% of lines were
    # bad (one line) and why a question has no answer
    grep -v '^nettui: [0-9.]*% of lines were skipped as bad (.*); --summary lists them\.$' "$T/err" |
      grep -v '^nettui: question [0-9]* ([a-z0-9-]*) has no answer: ' > "$T/err.other"
    [ ! -s "$T/err.other" ] && [ "$(grep -c 'lines were skipped as bad' "$T/err")" -le 1 ] ||
      fail "$f: success, yet stderr says: $(head -c 300 "$T/err")" "$f"
  else
    [ "$(wc -l < "$T/err")" = 1 ] || fail "$f: want one line on stderr, got: $(head -c 600 "$T/err")" "$f"
    grep -q "^nettui: .*$f" "$T/err" || fail "$f: the sentence does not name the file: $(cat "$T/err")" "$f"
    if grep -Eqi 'segmentation|assert|abort|core dumped|errno|\(null\)' "$T/err"; then
      fail "$f: a C-level error: $(cat "$T/err")" "$f"
    fi
  fi
}
field() { sed -n "s/^$1: //p" "$T/out"; }
want_field() {   # want_field KEY VALUE FILE
  [ "$(field "$1")" = "$2" ] || fail "$3: want $1: $2, got '$(field "$1")'" "$3"
}

# ---- a clean generated file and its key -------------------------------------
C="$T/clean.csv"
"$NETTUI_GEN" --rows 100000 --seed 21 --out "$C" --answers "$T/clean.key" >/dev/null 2>&1 || fail "nettui-gen failed"
clean_rows=100000
head -n 11 "$T/clean.key" > "$T/clean.answers"

# ---- no flows at all: exit 3 ------------------------------------------------
: > "$T/empty.csv";                                      try 3 "$T/empty.csv"
echo "timestamp,src,dst,port,bytes" > "$T/header.csv";  try 3 "$T/header.csv"
printf 'ts,src,dst,port,bytes\r\n\r\n\n\n' > "$T/header_blank.csv"; try 3 "$T/header_blank.csv"
printf '\n\n\n' > "$T/blank.csv";                        try 3 "$T/blank.csv"
head -c 1048576 /dev/zero > "$T/nul.bin";               try 3 "$T/nul.bin"
head -c 1048576 /dev/urandom > "$T/random.bin";         try "0 3" "$T/random.bin"
head -c 1048576 /dev/urandom | tr -d '\n"' > "$T/random_one_line.bin"; try 3 "$T/random_one_line.bin"
head -c 10485760 /dev/zero | tr '\0' 'a' > "$T/one_line_10mb.txt"; try 3 "$T/one_line_10mb.txt"
head -c 10485760 /dev/zero | tr '\0' '7' > "$T/one_number_10mb.txt"; try 3 "$T/one_number_10mb.txt"
head -c 10485760 /dev/zero | tr '\0' ',' > "$T/commas_10mb.txt"; try 3 "$T/commas_10mb.txt"
head -c 1048576 /dev/zero | tr '\0' '"' > "$T/quotes.txt"; try 3 "$T/quotes.txt"

# ---- files that are no files ------------------------------------------------
mkdir "$T/no-files" "$T/no-files/sub"; : > "$T/no-files/.hidden"
try 3 "$T/no-files"                           # a folder with no flow file (a folder is a set)
try 3 "$T/does-not-exist.csv"
ln -s "$T/nowhere.csv" "$T/dangling.csv";     try 3 "$T/dangling.csv"
if mkfifo "$T/fifo.csv" 2>/dev/null; then     # must not wait for a writer
  cases=$((cases + 1))
  ( "$NETTUI" --summary --no-cache "$T/fifo.csv" >"$T/out" 2>"$T/err"; echo $? > "$T/fifo.rc" ) &
  pid=$!; i=0
  while [ ! -s "$T/fifo.rc" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
  if [ ! -s "$T/fifo.rc" ]; then
    : > "$T/fifo.csv" & sleep 1; kill "$pid" 2>/dev/null
    fail "a FIFO: nettui waits for a writer instead of saying it is no file"
  fi
  [ "$(cat "$T/fifo.rc")" = 3 ] || fail "a FIFO: exit $(cat "$T/fifo.rc"), want 3"
  grep -q "^nettui: .*fifo.csv" "$T/err" || fail "a FIFO: no sentence naming it: $(cat "$T/err")"
fi
[ -c /dev/zero ] && try 3 /dev/zero

# ---- good lines around garbage: the good ones load, the rest are counted ----
head -n 1000 "$C" > "$T/head.csv"
cat "$T/head.csv" "$T/random.bin" > "$T/head_random.csv"
try 0 "$T/head_random.csv"; [ "$(field rows)" -ge 1000 ] || fail "head_random: lost good rows ($(field rows))"
{ cat "$T/head.csv"; head -c 10485760 /dev/zero | tr '\0' '7'; } > "$T/head_long_line.csv"
try 0 "$T/head_long_line.csv"; want_field rows 1000 "$T/head_long_line.csv"; want_field bad_lines 1 "$T/head_long_line.csv"
{ cat "$T/head.csv"; head -c 1048576 /dev/zero; printf '\n'; cat "$T/head.csv"; } > "$T/head_nul_head.csv"
try 0 "$T/head_nul_head.csv" --summary --no-cache --threads 2; want_field rows 2000 "$T/head_nul_head.csv"
{ cat "$T/head.csv"; printf '"'; cat "$T/head.csv"; } > "$T/head_quote_head.csv"
try 0 "$T/head_quote_head.csv"; want_field rows 1999 "$T/head_quote_head.csv"; want_field bad_lines 1 "$T/head_quote_head.csv"

# ---- a host of 10,000 characters, and 100,000 fields ------------------------
long=$(head -c 10000 /dev/zero | tr '\0' 'h')
{ head -n 3 "$C"
  echo "1578326400001,$long,13.1.1.1,80,5"
  echo "1578326400002,13.1.1.1,$long,80,5"
  echo "$long,13.1.1.1,14.1.1.1,80,5"
  echo "1578326400003,13.1.1.1,14.1.1.1,$long,5"
  echo "1578326400004,13.1.1.1,14.1.1.1,80,$long"
  head -c 100000 /dev/zero | tr '\0' ','; echo
  tail -n 3 "$C"; } > "$T/long_fields.csv"
for th in 1 2; do
  try 0 "$T/long_fields.csv" --summary --no-cache --threads $th
  want_field rows 6 "$T/long_fields.csv"; want_field bad_host 2 "$T/long_fields.csv"
  want_field bad_timestamp 1 "$T/long_fields.csv"; want_field bad_port 1 "$T/long_fields.csv"
  want_field bad_bytes 1 "$T/long_fields.csv"; want_field bad_fields 1 "$T/long_fields.csv"
done
try 0 "$T/long_fields.csv" --answers --no-cache

# ---- limits: timestamps, ports, byte counts ---------------------------------
H=tests/data/hostile
try 0 $H/limits.csv
want_field rows 6 $H/limits.csv; want_field bad_port 4 $H/limits.csv; want_field bad_bytes 4 $H/limits.csv
want_field bytes 18446744073709551615 $H/limits.csv       # 2^64-1 and more: the sum saturates
want_field big_byte_rows 2 $H/limits.csv
try 0 $H/limits.csv --answers --no-cache
try 0 $H/limits.csv --json --no-cache
try 0 $H/ts_range_ms.csv; want_field rows 2 $H/ts_range_ms.csv; want_field bad_timestamp 6 $H/ts_range_ms.csv
want_field last "9999-12-31 23:59:59 UTC" $H/ts_range_ms.csv
try 0 $H/ts_range_ms.csv --answers --no-cache
# (the unit is the median of the lines': four more ordinary lines keep it seconds)
try 0 $H/ts_range_seconds.csv; want_field bad_timestamp 3 $H/ts_range_seconds.csv; want_field timestamps seconds $H/ts_range_seconds.csv
try 0 $H/stray_quotes.csv; want_field rows 7 $H/stray_quotes.csv

# ---- a file cut at arbitrary bytes ------------------------------------------
size=$(wc -c < "$C")
for cut in 1 9 47 48 49 1000 $((size / 2 + 13)) $((size / 3 + 1)) $((size - 2)) $((size - 1)); do
  head -c "$cut" "$C" > "$T/cut_$cut.csv"
  whole=$(head -c "$cut" "$C" | tr -cd '\n' | wc -c)
  try "0 3" "$T/cut_$cut.csv" --summary --no-cache --threads 2
  [ "$rc" = 0 ] || continue
  rows=$(field rows)
  [ "$rows" -ge "$whole" ] && [ "$rows" -le $((whole + 1)) ] ||
    fail "cut at $cut: $rows rows, want $whole or $((whole + 1))" "$T/cut_$cut.csv"
  [ "$(field bad_lines)" -le 1 ] || fail "cut at $cut: $(field bad_lines) bad lines" "$T/cut_$cut.csv"
  [ "$cut" -gt 100000 ] || continue
  try 0 "$T/cut_$cut.csv" --answers --no-cache
done

# ---- a few percent of mangled lines: the answers of the clean part ---------
# Each mangled line is an extra copy of a good line with two fields merged,
# cut before its last field, an extra field, or a stray quote; every good line
# stays, so the generator's key of the clean file must still hold.
awk -F, -v SEED=5 -v RATE=0.03 '
BEGIN { srand(SEED) }
{ sub(/\r$/, ""); print; if (rand() >= RATE || NF != 5) next
  k = int(rand() * 5); line = $0; split(line, f, ",")
  if (k == 0) { j = 1 + int(rand() * 4); out = ""
    for (i = 1; i <= 5; i++) out = out f[i] (i == 5 || i == j ? "" : ",") }
  else if (k == 1) { cut = index(line, "," f[5]) - int(rand() * (length(f[4]) + 1)); if (cut < 1) cut = 1
    out = substr(line, 1, cut - 1) }
  else if (k == 2) out = line "," int(rand() * 1000)
  else if (k == 3) { j = 1 + int(rand() * 5); out = ""
    for (i = 1; i <= 5; i++) out = out (i == j ? "\"" : "") f[i] (i < 5 ? "," : "") }
  else { j = (rand() < 0.5) ? 1 : 4 + int(rand() * 2); p = 1 + int(rand() * length(f[j]))
    f[j] = substr(f[j], 1, p) "\"" substr(f[j], p + 1); out = f[1] "," f[2] "," f[3] "," f[4] "," f[5] }
  print out; n++ }
END { print n > "/dev/stderr" }' "$C" > "$T/mangled.csv" 2>"$T/mangled.n" || fail "awk failed"
mangled=$(cat "$T/mangled.n")
[ "$mangled" -gt 2000 ] || fail "the mangler made only $mangled lines"
try 0 "$T/mangled.csv"
want_field rows $clean_rows "$T/mangled.csv"; want_field bad_lines "$mangled" "$T/mangled.csv"
for th in 1 2; do
  try 0 "$T/mangled.csv" --answers --no-cache --threads $th
  diff "$T/clean.answers" "$T/out" >"$T/diff" || fail "mangled lines changed the answers ($th threads): $(cat "$T/diff")" "$T/mangled.csv"
done

# ---- a scan from a million distinct external addresses ----------------------
# Every address sends one flow to internal hosts, on 1024 ports and then on
# every port; the facts must stay within their budgets and the detectors
# finish in seconds. (Under ASan: 200,000 addresses and no memory bound.)
nscan=1000000; [ "$SAN" = 1 ] && nscan=200000
for ports in 1024 65535; do
  { cat "$C"
    awk -v N=$nscan -v P=$ports 'BEGIN { for (i = 0; i < N; i++)
      printf "%.0f,%d.%d.%d.%d,13.%d.%d.%d,%d,%d\n", 1578326400000 + i * 37, 20 + int(i / 65536), int(i / 256) % 256,
             i % 256, 1 + (i * 7) % 250, 30 + i % 5, i % 7, 1 + i % 9, 1 + (i * 13) % P, 40 + i % 20 }'
  } > "$T/scan.csv"
  cases=$((cases + 1))
  if [ -x /usr/bin/time ]; then
    NETTUI_TIMING=1 /usr/bin/time -f 'rss_kb %M' "$NETTUI" --answers --no-cache "$T/scan.csv" >"$T/out" 2>"$T/err"; rc=$?
  else
    NETTUI_TIMING=1 "$NETTUI" --answers --no-cache "$T/scan.csv" >"$T/out" 2>"$T/err"; rc=$?
  fi
  [ "$rc" = 0 ] || fail "scan ($ports ports): exit $rc: $(head -c 300 "$T/err")"
  [ "$(wc -l < "$T/out")" = 11 ] || fail "scan ($ports ports): not ten answers and a flag"
  run=$(sed -n 's/.* run \([0-9.]*\) s.*/\1/p' "$T/err")
  [ -n "$run" ] || fail "scan ($ports ports): no timing line: $(cat "$T/err")"
  awk -v r="$run" 'BEGIN { exit !(r < 10) }' || fail "scan ($ports ports): the detectors took $run s"
  rss=$(sed -n 's/^rss_kb //p' "$T/err")
  if [ "$SAN" != 1 ] && [ -n "$rss" ] && [ "$rss" -gt 1048576 ]; then
    fail "scan ($ports ports): peak RSS $rss kB, want at most 1 GB"
  fi
  echo "60-hostile: scan of $nscan addresses on $ports ports: detectors $run s, peak ${rss:-?} kB" >&2
done

echo "60-hostile: $cases hostile cases, no crash, no signal, one sentence for each failure" >&2
exit 0
