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

# the password is in no file the runs left
[ -n "$pw" ] || fail "no password to look for"
grep -rqF "$pw" "$cache" && fail "the password is in a cache file"
echo "$name: the password is in no cache file ($(ls "$cache" | wc -l) files)"
echo "$name: ok"
