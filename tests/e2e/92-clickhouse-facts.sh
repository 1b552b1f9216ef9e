#!/bin/sh
# The ClickHouse source's facts cache (issue 15, "reopening is instant"), on
# a server of its own (tests/clickhouse/server.sh, stopped on every way out):
#  - the first --answers queries the server and writes ch-HASH.ntw and its
#    facts cache ch-HASH.ntw.facts; the second reads both (NETTUI_TIMING says
#    "(facts cache)" and "(cache)"), asks the server only for the table's
#    state (no "groups" query), and prints the same answers as the CSV path;
#  - --internal other than the facts were made for: rebuilt, quietly;
#  - a damaged facts file: refused with one note, rebuilt, same answers;
#  - a changed table: the groups asked again and the facts rebuilt (a new
#    .ntw), and the answers equal the CSV with the added row;
#  - --no-cache: neither file read;
#  - cancel while a query runs (a slow --where): SIGINT ends --answers
#    within 3 s by the signal (status 130) with one line, and q on the
#    explorer's loading screen leaves it (status 1, "cancelled"); neither
#    leaves a file in its cache folder, and nettui sends KILL QUERY;
#  - the password (user analyst) in no cache file.
name=92-clickhouse-facts
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
srv="sh $(dirname "$0")/../clickhouse/server.sh"
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
command -v clickhouse-server > /dev/null || { echo "$name: no clickhouse-server: skipped"; exit 77; }
command -v curl > /dev/null || { echo "$name: no curl: skipped"; exit 77; }
t=$(mktemp -d) || exit 1
ch=$t/server
trap '$srv stop "$ch"; rm -rf "$t"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "$name: $*" >&2; exit 1; }
q() { $srv query "$ch" "$1"; }
same() { cmp -s "$2" "$3" || { diff "$2" "$3" | head -5 >&2; fail "$1: the answers differ from the CSV path's"; }; echo "$name: $1: same answers as the CSV"; }

port=$($srv start "$ch") || fail "the ClickHouse server did not start (the reason is above)"
"$gen" --rows 150000 --seed 5 --out "$t/a.csv" > /dev/null 2>&1 || fail "nettui-gen failed"
$srv load "$ch" "$t/a.csv" n.flows > /dev/null || fail "loading the table"
pw=$(cat "$ch/analyst.password")
url="clickhouse://analyst@127.0.0.1:$port/n.flows"
export NETTUI_CLICKHOUSE_PASSWORD="$pw"
cache=$t/cache
run() {   # OUT ERR ARGS...: --answers with timings into ERR
  o=$1 e=$2; shift 2
  NETTUI_TIMING=1 "$nettui" --answers --cache-dir "$cache" "$@" > "$o" 2> "$e" || fail "exit $?: $(grep -v '^timing\|^clickhouse:' "$e")"
}
"$nettui" --no-cache --answers "$t/a.csv" > "$t/c1" || fail "CSV answers"

run "$t/h1" "$t/e1" "$url"
same "first run" "$t/c1" "$t/h1"
grep -q "(facts cache)" "$t/e1" && fail "the first run claims the facts cache"
ls "$cache"/ch-*.ntw > /dev/null 2>&1 || fail "no .ntw written: $(ls "$cache")"
ntw=$(ls "$cache"/ch-*.ntw)
[ -s "$ntw.facts" ] || fail "no facts cache beside $ntw: $(ls "$cache")"

run "$t/h2" "$t/e2" "$url"
same "second run" "$t/c1" "$t/h2"
grep -q "^timing:.*(facts cache).*(cache)" "$t/e2" || fail "the second run did not read both caches: $(grep '^timing' "$t/e2")"
grep -q "^clickhouse: state" "$t/e2" || fail "the second run did not ask for the table's state"
grep -q "^clickhouse: groups" "$t/e2" && fail "the second run asked for the groups again"
grep -v '^timing\|^clickhouse:' "$t/e2" | grep -q . && fail "the second run said something: $(cat "$t/e2")"
echo "$name: second run: one state query, the rows and the facts from the cache"

# another --internal: another .ntw (its key holds the network), its own facts
run "$t/h3" "$t/e3" --internal 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8 "$url"
"$nettui" --no-cache --answers --internal 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8 "$t/a.csv" > "$t/c3" || fail "CSV --internal"
same "--internal" "$t/c3" "$t/h3"
run "$t/h3b" "$t/e3b" --internal 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8 "$url"
grep -q "(facts cache)" "$t/e3b" || fail "--internal's second run did not read its facts"
same "--internal from the facts cache" "$t/c3" "$t/h3b"

# a damaged facts file: one note, rebuilt, the same answers; then read again
size=$(wc -c < "$ntw.facts")
printf 'X' | dd of="$ntw.facts" bs=1 seek=$((size / 2)) conv=notrunc 2> /dev/null
run "$t/h4" "$t/e4" "$url"
same "damaged facts rebuilt" "$t/c1" "$t/h4"
grep -q "(facts cache)" "$t/e4" && fail "a damaged facts cache was used"
[ "$(grep -c 'facts cache.*rebuilding' "$t/e4")" = 1 ] || fail "no one note for the damaged facts: $(cat "$t/e4")"
run "$t/h5" "$t/e5" "$url"
grep -q "(facts cache)" "$t/e5" || fail "the rebuilt facts cache was not read"
echo "$name: a damaged facts cache: one note, rebuilt, read on the next run"

# a changed table: new groups, new facts, the answers of the file with the row
echo "1578600000000,13.1.1.1,8.8.8.8,53,100" > "$t/one.csv"
curl -sS "http://127.0.0.1:$port/?query=INSERT%20INTO%20n.flows%20FORMAT%20CSV" --data-binary @"$t/one.csv" || fail "INSERT one"
[ "$(q 'SELECT count() FROM n.flows')" = 150001 ] || fail "the row did not go in"
cat "$t/a.csv" "$t/one.csv" > "$t/b.csv"
"$nettui" --no-cache --answers "$t/b.csv" > "$t/c6" || fail "CSV answers (changed)"
run "$t/h6" "$t/e6" "$url"
grep -q "(facts cache)" "$t/e6" && fail "a changed table's answers came from the old facts"
grep -q "^clickhouse: groups" "$t/e6" || fail "a changed table was not grouped again"
grep -v '^timing\|^clickhouse:' "$t/e6" | grep -q . && fail "a changed table's rebuild was not quiet: $(cat "$t/e6")"
same "changed table" "$t/c6" "$t/h6"
run "$t/h7" "$t/e7" "$url"
grep -q "(facts cache)" "$t/e7" || fail "the changed table's new facts were not read"
same "changed table, from the facts cache" "$t/c6" "$t/h7"

# --no-cache reads neither
NETTUI_TIMING=1 "$nettui" --answers --no-cache --cache-dir "$cache" "$url" > "$t/h8" 2> "$t/e8" || fail "--no-cache exit $?"
grep -q "(facts cache)\|(cache)" "$t/e8" && fail "--no-cache read a cache"
same "--no-cache" "$t/c6" "$t/h8"

# cancel while a query runs: sleep(3) in --where makes each query take
# about 9 s on these rows (three blocks, ClickHouse sleeps 3 s at most a block)
slow="sleep(3) = 0"
# the batch mode on SIGINT: gone within 3 s, one line, by the signal, nothing written
# (a background job of a script ignores SIGINT: env gives it back its default)
# with --internal (and no cache: no state query first) the groups and the
# calls run at once: both are stopped
for internal in "" "--no-cache --internal 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8"; do
rm -rf "$t/cache2"
# shellcheck disable=SC2086
env --default-signal=INT "$nettui" --answers --cache-dir "$t/cache2" $internal --where "$slow" "$url" > "$t/h9" 2> "$t/e9" &
p=$!
sleep 1.5
kill -INT "$p"
start=$(date +%s)
n=0
while kill -0 "$p" 2> /dev/null; do
  n=$((n + 1)); [ $n -ge 100 ] && { kill -KILL "$p"; fail "SIGINT did not end a query within 10 s ($internal)"; }
  sleep 0.1
done
wait "$p"; rc=$?
took=$(( $(date +%s) - start ))
[ "$rc" = 130 ] || fail "SIGINT during a query ($internal): exit $rc, not 130 (ended by SIGINT): $(cat "$t/e9")"
[ "$took" -le 3 ] || fail "SIGINT during a query ($internal) took $took s to end"
[ "$(wc -l < "$t/e9")" = 1 ] && grep -q "interrupted while querying ClickHouse" "$t/e9" || fail "SIGINT ($internal): $(cat "$t/e9")"
[ -z "$(ls -A "$t/cache2" 2>/dev/null)" ] || fail "SIGINT during a query ($internal) left files: $(ls -A "$t/cache2")"
echo "$name: SIGINT during a query ${internal:+($internal) }ended in $took s by the signal, nothing kept: $(cat "$t/e9")"
done
# nettui asked the server to stop it (KILL QUERY by its query_id); 18.16
# accepts that but lets a running GROUP BY finish, so this is not timed:
# the query_log shows the request, and the next test waits for the query
kills() { q "SYSTEM FLUSH LOGS" > /dev/null 2>&1; q "SELECT count() FROM system.query_log WHERE type = 2 AND query LIKE 'KILL QUERY WHERE query_id = %nettui-%'"; }
n=0   # the log is written every 7.5 s (SYSTEM FLUSH LOGS is newer than 18.16)
until [ "$(kills)" -ge 1 ] 2> /dev/null; do n=$((n + 1)); [ $n -ge 150 ] && fail "no KILL QUERY for the cancelled query in the server's query_log"; sleep 0.1; done
running() { q "SELECT count() FROM system.processes WHERE query LIKE '%sleep(3)%' AND query NOT LIKE '%system.processes%'"; }
n=0
until [ "$(running)" = 0 ]; do n=$((n + 1)); [ $n -ge 300 ] && fail "the cancelled query still runs on the server after 30 s"; sleep 0.1; done
echo "$name: nettui asked the server to stop the cancelled query (KILL QUERY)"
# the explorer: q on the loading screen while a query runs
if command -v tmux > /dev/null 2>&1 && [ -z "$E2E_SAN" ]; then
  . "$(dirname "$0")/../tui/lib.sh"
  sock=nettui-e2e-chq-$$
  tfail() { tm kill-server > /dev/null 2>&1; fail "$@"; }
  tm_new -d -s tui -x 120 -y 30 "sh -c 'NETTUI_CLICKHOUSE_PASSWORD=\"$pw\" TERM=xterm-256color \"$(abs "$nettui")\" --cache-dir \"$t/cache3\" --where \"$slow\" \"$url\" 2> \"$t/e10\"; echo \$? > \"$t/rc10\"; exec sleep 60'" || fail "tmux"
  n=0
  until screen | grep -q "ClickHouse: "; do n=$((n + 1)); [ $n -ge 100 ] && tfail "no query on the loading screen: $(screen | grep -v '^ *$')"; sleep 0.1; done
  sleep 1
  keys q
  start=$(date +%s)
  n=0
  until [ -s "$t/rc10" ]; do n=$((n + 1)); [ $n -ge 50 ] && tfail "q did not cancel the query within 5 s: $(screen | grep -v '^ *$' | head -3)"; sleep 0.1; done
  took=$(( $(date +%s) - start ))
  tm kill-server > /dev/null 2>&1
  [ "$(cat "$t/rc10")" = 1 ] || fail "the cancelled explorer exit $(cat "$t/rc10"), not 1"
  grep -q "cancelled" "$t/e10" || fail "the cancelled explorer said: $(cat "$t/e10")"
  [ -z "$(ls -A "$t/cache3" 2>/dev/null)" ] || fail "a cancelled query left files: $(ls -A "$t/cache3")"
  echo "$name: q while a query runs: the explorer left in about $took s: $(cat "$t/e10")"
  n=0
  until [ "$(running)" = 0 ]; do n=$((n + 1)); [ $n -ge 300 ] && fail "the explorer's cancelled query still runs on the server after 30 s"; sleep 0.1; done
fi

# the password is in no file the runs left
[ -n "$pw" ] || fail "no password to look for"
grep -rqF "$pw" "$cache" && fail "the password is in a cache file"
echo "$name: the password is in no cache file ($(ls "$cache" | wc -l) files)"
echo "$name: ok"
