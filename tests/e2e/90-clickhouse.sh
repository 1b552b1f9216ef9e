#!/bin/sh
# nettui on a real ClickHouse server (tests/clickhouse/server.sh: loopback,
# its own config and data folder, stopped at the end whatever happens).
#
# The server part, always: start, load nettui-gen files of several seeds and
# shapes (default CTF shape, random hosts and ports, a small enterprise,
# sparse beacons) into MergeTree tables over HTTP, SELECT count() equals each
# file's line count; a Distributed table over two shards holds the first
# file's rows and bytes; at the end stop, and no server process is left.
#
# The nettui part (skipped with one line while `nettui --help` does not
# mention clickhouse): for each table, `--answers URL` is byte-identical to
# `--answers FILE`, and so are `--json` (timings left out) and the data
# lines of `--summary`; a second run (with a cache folder) gives the same;
# `--where` on a time range equals the file cut with awk; `--flows 'host A
# and port N'` keeps the same rows; columns in another order with aliases
# (ts, src_ip, dst_ip, dst_port; and time in epoch seconds, sa, da, dport,
# octets); DateTime times with UInt32 addresses (18.16 has no IPv4 type); a
# Distributed table over two shards; and the errors, each a nonzero exit (no crash)
# with one sentence on stderr: a closed port, a wrong password, a missing
# table, a missing column, a column of an unusable type, --timeout exceeded,
# a --where that holds a second statement or closes its parentheses.
# The password of user analyst given by NETTUI_CLICKHOUSE_PASSWORD, by
# --password-file (refused when others may read it) and in the URL works,
# and appears in no output, no cache file and nothing under HOME.
# E2E_SAN=1 (sanitizer build, slow): one file of the four.
name=90-clickhouse
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
srv="sh $(dirname "$0")/../clickhouse/server.sh"
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
command -v clickhouse-server > /dev/null || { echo "$name: no clickhouse-server (make deps-test installs it): skipped"; exit 77; }
command -v curl > /dev/null || { echo "$name: no curl (make deps-test installs it): skipped"; exit 77; }
t=$(mktemp -d) || exit 1
ch=$t/server
# the server never outlives the test: stopped on every way out
trap '$srv stop "$ch"; rm -rf "$t"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
unset NETTUI_CLICKHOUSE_PASSWORD
NTENV=        # VAR=VALUE for nettui's environment in refused and pw_run
fails=0
fail() { echo "$name: $*"; fails=$((fails+1)); }
q() { $srv query "$ch" "$1"; }

rows=300000
shapes="default random enterprise sparse"
[ "${E2E_SAN:-0}" = 1 ] && { rows=200000; shapes="default"; }
shapes=${E2E_CH_SHAPES:-$shapes}   # a subset, to try one quickly

# ---- the server ----------------------------------------------------------------
port=$($srv start "$ch") || { echo "$name: the ClickHouse server did not start (the reason is above)"; exit 1; }
pid=$(cat "$ch/pid")
echo "$name: clickhouse-server $pid answers on 127.0.0.1:$port"

for s in $shapes; do
  case $s in
    default) opts="--seed 1";;
    random) opts="--seed 4 --hosts random --ports random";;
    enterprise) opts="--seed 5 --shape enterprise --internal-hosts 2000 --external-hosts 5000";;
    sparse) opts="--seed 6 --beacon-calls 4 --hosts random --ports random";;
  esac
  # shellcheck disable=SC2086
  "$gen" --rows $rows $opts --out "$t/$s.csv" 2> "$t/generr" || { fail "nettui-gen $opts: $(cat "$t/generr")"; continue; }
  $srv load "$ch" "$t/$s.csv" "nt.$s" || { fail "loading $s.csv failed"; continue; }
  lines=$(wc -l < "$t/$s.csv" | tr -d ' ')
  n=$(q "SELECT count() FROM nt.$s")
  if [ "$n" = "$lines" ]; then echo "$name: $s: $n rows in nt.$s, as in the file"
  else fail "$s: SELECT count() gives $n, the file has $lines lines"; fi
done
# a table of another column order and names, and one of DateTime times and
# UInt32 addresses, both from the first file (INSERT SELECT on the server)
first=${shapes%% *}
q "CREATE TABLE nt.aliases (bytes UInt64, dst_port UInt16, ts UInt64, src_ip String, dst_ip String)
   ENGINE = MergeTree() ORDER BY ts" &&
q "INSERT INTO nt.aliases SELECT bytes, port, timestamp, src, dst FROM nt.$first" &&
q "CREATE TABLE nt.typed (timestamp DateTime, src UInt32, dst UInt32, port UInt16, bytes UInt64)
   ENGINE = MergeTree() ORDER BY timestamp" &&
q "INSERT INTO nt.typed SELECT toDateTime(intDiv(timestamp, 1000)), IPv4StringToNum(src),
   IPv4StringToNum(dst), port, bytes FROM nt.$first" &&
q "CREATE TABLE nt.secs (time UInt32, sa String, da String, dport UInt16, octets UInt64) ENGINE = MergeTree() ORDER BY time" &&
q "INSERT INTO nt.secs SELECT intDiv(timestamp, 1000), src, dst, port, bytes FROM nt.$first" &&
q "CREATE TABLE nt.nobytes (timestamp UInt64, src String, dst String, port UInt16) ENGINE = MergeTree() ORDER BY timestamp" &&
q "INSERT INTO nt.nobytes SELECT timestamp, src, dst, port FROM nt.$first" &&
q "CREATE TABLE nt.badtype (timestamp UInt64, src String, dst String, port Array(UInt16), bytes UInt64)
   ENGINE = MergeTree() ORDER BY timestamp" &&
q "INSERT INTO nt.badtype SELECT timestamp, src, dst, [port], bytes FROM nt.$first" ||
  fail "making the other tables failed"
[ "$(q "SELECT count() FROM nt.typed WHERE IPv4NumToString(src) = '' OR toUInt64(timestamp) = 0")" = 0 ] ||
  fail "nt.typed has empty addresses or times"
[ "$(q "SELECT count() FROM nt.aliases")" = "$(q "SELECT count() FROM nt.$first")" ] || fail "nt.aliases lost rows"
# a Distributed table over two shards (server.sh's cluster nettui_two_shards:
# databases s1 and s2 on this server), each holding half the first file
awk 'NR % 2 == 1' "$t/$first.csv" > "$t/half1.csv"; awk 'NR % 2 == 0' "$t/$first.csv" > "$t/half2.csv"
$srv load "$ch" "$t/half1.csv" s1.flows && $srv load "$ch" "$t/half2.csv" s2.flows &&
q "CREATE TABLE nt.dist AS s1.flows ENGINE = Distributed(nettui_two_shards, '', flows, rand())" ||
  fail "making the Distributed table failed"
[ "$(q "SELECT count(), sum(bytes) FROM nt.dist")" = "$(q "SELECT count(), sum(bytes) FROM nt.$first")" ] ||
  fail "the Distributed table's count and bytes are not the file's"

# ---- nettui on the server ----------------------------------------------------------
if ! "$nettui" --help 2>&1 | grep -qi clickhouse; then
  echo "$name: SKIP: nettui has no ClickHouse source yet (the server part above ran)"
  $srv stop "$ch"
  kill -0 "$pid" 2>/dev/null && fail "clickhouse-server $pid still runs after stop"
  [ $fails = 0 ] || { echo "$name: $fails check(s) failed"; exit 1; }
  exit 77
fi

url=clickhouse://127.0.0.1:$port
C=$t/cache
# the data lines of --summary, which do not depend on where the flows came from
SUMMARY_KEYS='^(rows|first|last|hosts|internal|internal_source|internal_share|internal_hosts|external_hosts|ports|bytes):'

# same_as_file LABEL FILE URL [OPTIONS]: --answers, --json and --summary of
# URL equal those of FILE; --answers a second time (from the cache where
# nettui keeps one for a server) too
same_as_file() {
  # (sh has no locals: sa_* names, so the callers' f, u and label stay)
  sa_label=$1; sa_file=$2; sa_url=$3; shift 3
  "$nettui" --answers --no-cache "$sa_file" > "$t/a.want" 2> "$t/err" || { fail "$sa_label: --answers on the file failed: $(head -c 300 "$t/err")"; return; }
  if ! "$nettui" --answers --cache-dir "$C" "$@" "$sa_url" > "$t/a.got" 2> "$t/err"; then
    fail "$sa_label: --answers $sa_url failed: $(head -c 300 "$t/err")"; return
  fi
  if cmp -s "$t/a.want" "$t/a.got"; then echo "$name: $sa_label: answers equal the file's"
  else fail "$sa_label: answers differ (file | server):"; paste -d'|' "$t/a.want" "$t/a.got" | sed 's/^/    /'; fi
  "$nettui" --answers --cache-dir "$C" "$@" "$sa_url" > "$t/a.warm" 2> "$t/err" || fail "$sa_label: a second --answers failed: $(head -c 300 "$t/err")"
  cmp -s "$t/a.want" "$t/a.warm" || fail "$sa_label: the second run gave other answers"
  "$nettui" --json --no-cache "$sa_file" 2> /dev/null | grep -v '"timing"' > "$t/j.want"
  "$nettui" --json --no-cache "$@" "$sa_url" 2> "$t/err" | grep -v '"timing"' > "$t/j.got"
  cmp -s "$t/j.want" "$t/j.got" || { fail "$sa_label: --json differs:"; diff "$t/j.want" "$t/j.got" | head -6; }
  "$nettui" --summary --no-cache "$sa_file" 2> /dev/null | grep -E "$SUMMARY_KEYS" > "$t/s.want"
  "$nettui" --summary --no-cache "$@" "$sa_url" 2> "$t/err" | grep -E "$SUMMARY_KEYS" > "$t/s.got"
  [ "$(wc -l < "$t/s.want")" -ge 11 ] || fail "$sa_label: the file's --summary lacks lines: $(tr '\n' ' ' < "$t/s.want")"
  cmp -s "$t/s.want" "$t/s.got" || { fail "$sa_label: --summary differs:"; diff "$t/s.want" "$t/s.got" | head -8; }
}

for s in $shapes; do
  [ -f "$t/$s.csv" ] && same_as_file "$s" "$t/$s.csv" "$url/nt.$s"
done
f=$t/$first.csv
same_as_file "a Distributed table over two shards" "$f" "$url/nt.dist"
same_as_file "columns in another order, named ts, src_ip, dst_ip, dst_port" "$f" "$url/nt.aliases"
awk -F, 'BEGIN { OFS = "," } { $1 = sprintf("%.0f", int($1 / 1000) * 1000); print }' "$f" > "$t/seconds.csv"
same_as_file "DateTime times, UInt32 addresses" "$t/seconds.csv" "$url/nt.typed"
same_as_file "epoch seconds (UInt32 time), columns sa, da, dport, octets" "$t/seconds.csv" "$url/nt.secs"

# ---- --where: a time range, against the file cut with awk
t0=$(head -n 1 "$f" | cut -d, -f1)
a=$(( (t0 / 86400000 + 1) * 86400000 )); b=$((a + 2 * 86400000))
awk -F, -v a=$a -v b=$b '$1 >= a && $1 < b' "$f" > "$t/cut.csv"
[ -s "$t/cut.csv" ] || fail "the cut file is empty"
same_as_file "--where on two days" "$t/cut.csv" "$url/nt.$first" --where "timestamp >= $a AND timestamp < $b"

# ---- --flows: the same rows (the server's order of equal times may differ),
# in time order
h=$(cut -d, -f2 "$f" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
p=$(awk -F, -v h="$h" '$2 == h || $3 == h { print $4 }' "$f" | sort | uniq -c | sort -rn | awk 'NR == 1 { print $2 }')
"$nettui" --no-cache --flows "host $h and port $p" "$f" > "$t/fl.want" 2> "$t/err" || fail "--flows on the file: $(cat "$t/err")"
if "$nettui" --no-cache --flows "host $h and port $p" "$url/nt.$first" > "$t/fl.got" 2> "$t/err"; then
  [ "$(head -n 1 "$t/fl.got")" = "$(head -n 1 "$t/fl.want")" ] || fail "--flows: header $(head -n 1 "$t/fl.got")"
  tail -n +2 "$t/fl.want" | sort > "$t/fl.want.s"; tail -n +2 "$t/fl.got" | sort > "$t/fl.got.s"
  [ -s "$t/fl.want.s" ] || fail "--flows 'host $h and port $p' keeps nothing: the test proves little"
  if cmp -s "$t/fl.want.s" "$t/fl.got.s"; then echo "$name: --flows 'host $h and port $p': the same $(wc -l < "$t/fl.got.s" | tr -d ' ') rows"
  else fail "--flows 'host $h and port $p': $(wc -l < "$t/fl.got.s") rows, the file gives $(wc -l < "$t/fl.want.s")"; fi
  tail -n +2 "$t/fl.got" | awk -F, 'NR > 1 && $1 < last { bad = 1 } { last = $1 } END { exit bad }' || fail "--flows: rows not in time order"
else
  fail "--flows on the server failed: $(head -c 300 "$t/err")"
fi

# ---- errors: nonzero exit (not a signal), one sentence, naming the matter
# refused LABEL PATTERN nettui-args...: PATTERN (grep -E -i) must be in the sentence
refused() {
  label=$1; pat=$2; shift 2
  # shellcheck disable=SC2086
  env $NTENV "$nettui" "$@" > "$t/out" 2> "$t/err"; rc=$?
  if [ $rc = 0 ] || [ $rc -ge 128 ]; then fail "$label: exit $rc, want a failure: $(head -c 300 "$t/err")"
  elif [ "$(wc -l < "$t/err")" != 1 ]; then fail "$label: stderr is not one line: $(head -c 400 "$t/err")"
  elif ! grep -E -i -q "$pat" "$t/err"; then fail "$label: the sentence does not say /$pat/: $(cat "$t/err")"
  else echo "$name: $label: exit $rc, \"$(cat "$t/err")\""; fi
}
closed=
for c in 1 2 3 4 5 6 7 8 9; do
  cp=$((port + c * 7))
  curl -s --max-time 2 "http://127.0.0.1:$cp/" > /dev/null 2>&1
  [ $? = 7 ] && { closed=$cp; break; }
done
[ -n "$closed" ] || fail "found no closed port near $port"
refused "a closed port" "$closed|reach|connect" --answers --no-cache "clickhouse://127.0.0.1:$closed/nt.$first"
refused "a missing table" "nosuch" --answers --no-cache "$url/nt.nosuch"
refused "a missing column (bytes)" "bytes" --answers --no-cache "$url/nt.nobytes"
refused "a column of an unusable type (port Array(UInt16))" "port" --answers --no-cache "$url/nt.badtype"
# the groups go to a file, never into memory: where it cannot be made or
# written, one sentence that names the way out
ntenv_saved=$NTENV
NTENV="$NTENV TMPDIR=$t/nosuch"
refused "TMPDIR that does not exist (--no-cache)" "TMPDIR" --answers --no-cache "$url/nt.$first"
NTENV=$ntenv_saved
( ulimit -f 64 && env $NTENV "$nettui" --answers --no-cache "$url/nt.$first" > "$t/out" 2> "$t/err"; echo "rc=$?" > "$t/rc" )
rc=$(sed 's/rc=//' "$t/rc")
if [ "$rc" = 0 ] || [ "$rc" -ge 128 ]; then fail "past ulimit -f 64: exit $rc, want a failure: $(head -c 300 "$t/err")"
elif [ "$(wc -l < "$t/err")" != 1 ] || ! grep -q "cannot write the groups.*room" "$t/err"; then fail "past ulimit -f 64: $(head -c 400 "$t/err")"
else echo "$name: the groups' file past ulimit -f 64: exit $rc, \"$(cat "$t/err")\""; fi
# sleep(1) runs once a block: well over 2 s on these rows
start=$(date +%s)
refused "--timeout 2 exceeded" "time" --answers --no-cache --timeout 2 --where "sleep(1) = 0" "$url/nt.$first"
took=$(( $(date +%s) - start ))
[ $took -le 6 ] || fail "--timeout 2 took $took s"
# --where is sent as one parenthesised condition: a second statement is refused
refused "--where with a second statement" "where|;" --answers --no-cache --where "1 = 1; DROP TABLE nt.$first" "$url/nt.$first"
refused "--where closing its parentheses" "where|paren|balanc" --answers --no-cache --where "1) OR (1" "$url/nt.$first"
[ "$(q "SELECT count() FROM nt.$first")" = "$(wc -l < "$f" | tr -d ' ')" ] || fail "nt.$first lost rows to a --where"

# ---- the analyst's password: environment, file, URL; never written anywhere
# (the wrong one tried below holds the right one, so an echo of it is found too)
pw=$(cat "$ch/analyst.password")
home=$t/home; mkdir -p "$home"
PC=$t/pwcache
ua=clickhouse://analyst@127.0.0.1:$port/nt.$first
"$nettui" --answers --no-cache "$f" > "$t/a.want" 2> "$t/err"
# pw_run LABEL nettui-args...: with HOME and caches in $home and $PC, all output kept
pw_run() {
  label=$1; shift
  # shellcheck disable=SC2086
  env $NTENV HOME="$home" XDG_CACHE_HOME="$home/.cache" "$nettui" --answers --cache-dir "$PC" "$@" > "$t/pw.out" 2> "$t/pw.err"; rc=$?
  cat "$t/pw.out" "$t/pw.err" >> "$t/pw.all"
  if [ $rc = 0 ] && cmp -s "$t/a.want" "$t/pw.out"; then echo "$name: $label: answers equal the file's"
  elif [ $rc = 0 ]; then fail "$label: answers differ from the file's: $(diff "$t/a.want" "$t/pw.out" | head -n 4 | tr '\n' ' ')"
  else fail "$label: exit $rc, $(head -c 300 "$t/pw.err")"; fi
}
: > "$t/pw.all"
NTENV=NETTUI_CLICKHOUSE_PASSWORD=$pw pw_run "password from NETTUI_CLICKHOUSE_PASSWORD" "$ua"; NTENV=
(umask 077; printf '%s\n' "$pw" > "$t/pwfile")
pw_run "password from --password-file (0600)" --password-file "$t/pwfile" "$ua"
pw_run "password in the URL" "clickhouse://analyst:$pw@127.0.0.1:$port/nt.$first"
HOME=$home "$nettui" --json --cache-dir "$PC" --password-file "$t/pwfile" "$ua" >> "$t/pw.all" 2>&1
HOME=$home "$nettui" --summary --cache-dir "$PC" --password-file "$t/pwfile" "$ua" >> "$t/pw.all" 2>&1
cp "$t/pwfile" "$t/pwopen"; chmod 644 "$t/pwopen"
refused "a password file others may read (0644)" "pwopen|read|permission|mode" --answers --no-cache --password-file "$t/pwopen" "$ua"
cat "$t/err" >> "$t/pw.all"
wrong=Wr0ng$pw
NTENV=NETTUI_CLICKHOUSE_PASSWORD=$wrong refused "a wrong password (user analyst)" "auth|password|denied|refused|user" --answers --no-cache "$ua"
NTENV=
cat "$t/out" "$t/err" >> "$t/pw.all"
refused "a wrong password in the URL" "auth|password|denied|refused|user" --answers --no-cache "clickhouse://analyst:$wrong@127.0.0.1:$port/nt.$first"
cat "$t/out" "$t/err" >> "$t/pw.all"
refused "no password for user analyst" "auth|password|denied|refused|user" --answers --no-cache "$ua"
# (the client may keep no cache for a server: then only the output is searched)
[ -n "$(find "$PC" "$home" -type f 2>/dev/null | head -n 1)" ] || echo "$name: nettui wrote no cache and nothing under HOME for the server"
[ -s "$t/pw.all" ] || fail "the password runs printed nothing: the grep below proves little"
if grep -r -F -l -e "$pw" "$t/pw.all" "$PC" "$home" 2>/dev/null; then fail "the password was written (files above)"
else echo "$name: the password is in no output, cache file or file under HOME"; fi

# ---- the end: the server stops, nothing left running
$srv stop "$ch"
kill -0 "$pid" 2>/dev/null && fail "clickhouse-server $pid still runs after stop"
[ -d "$ch" ] && fail "the server's folder is left behind"
[ $fails = 0 ] || { echo "$name: $fails check(s) failed"; exit 1; }
echo "$name: nettui on ClickHouse equals the file path"
exit 0
