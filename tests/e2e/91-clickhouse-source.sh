#!/bin/sh
# The ClickHouse source against a real server of its own
# (tests/clickhouse/server.sh: an ordinary process, its config and data in a
# temporary folder, free loopback ports, stopped on every way out): answers,
# JSON and --flows byte-identical to the CSV path on the same flows, for
# epoch-ms columns and for DateTime seconds with UInt32 addresses under other
# column names; --where against the CSV filtered alike; the local cache; each
# error's one sentence and exit status (server unreachable, user refused,
# table missing, column missing, unusable type, timeout), with the password
# in no message; a password holding '@' and ':' from the environment, a file
# and the URL (percent-encoded); the explorer's Flows view. 90-clickhouse.sh
# covers the shapes, Distributed tables and the bench's loader.
name=91-clickhouse-source
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
command -v clickhouse-server >/dev/null 2>&1 || { echo "$name: no clickhouse-server: skipped"; exit 77; }
command -v curl >/dev/null 2>&1 || { echo "$name: no curl: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "$name: no python3: skipped"; exit 77; }
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
srv="sh $(dirname "$0")/../clickhouse/server.sh"
cleanup() { $srv stop "$t/srv"; rm -rf "$t"; }
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
fail() { echo "$name: $*" >&2; exit 1; }
export XDG_CACHE_HOME="$t/xdg"   # the source's cache goes here, not into the user's

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
# user analyst's password holds '@' and ':', which a URL must percent-encode
http=$(CH_ANALYST_PASSWORD='p@ss:w0rd' $srv start "$t/srv" 2> "$t/start.err") ||
  { echo "$name: the server did not start: $(head -n 1 "$t/start.err"): skipped"; exit 77; }
tcp=$(cat "$t/srv/tcp_port")
q() { curl -sS "http://127.0.0.1:$http/" --data-binary "$1"; }
url=clickhouse://127.0.0.1:$http

# shape 1: epoch ms, String addresses, the generator's own names
"$gen" --rows 120000 --seed 7 --out "$t/a.csv" >/dev/null 2>&1 || fail "nettui-gen failed"
q "CREATE DATABASE n" || fail "CREATE DATABASE"
q "CREATE TABLE n.flows (timestamp UInt64, src String, dst String, port UInt16, bytes UInt64) ENGINE = MergeTree ORDER BY timestamp" || fail "CREATE TABLE"
curl -sS "http://127.0.0.1:$http/?query=INSERT%20INTO%20n.flows%20FORMAT%20CSV" --data-binary @"$t/a.csv" || fail "INSERT"

same() {   # what: CSV-OUTPUT-FILE CH-OUTPUT-FILE
  cmp -s "$2" "$3" || { diff "$2" "$3" | head -5 >&2; fail "$1: the ClickHouse source differs from the CSV path"; }
  echo "$name: $1: byte-identical"
}
"$nettui" --no-cache --answers "$t/a.csv" > "$t/c1" || fail "CSV answers"
"$nettui" --answers "$url/n.flows" > "$t/h1" 2> "$t/e1" || fail "ClickHouse answers: $(cat "$t/e1")"
same "--answers (epoch ms)" "$t/c1" "$t/h1"
"$nettui" --no-cache --json "$t/a.csv" | grep -v '"timing"' > "$t/c2"
"$nettui" --json "$url/n.flows" | grep -v '"timing"' > "$t/h2"
same "--json" "$t/c2" "$t/h2"
for e in "port 42" "net 12.0.0.0/8 and hour 16-24 and not port 80" "bytes > 100000 or dst host 14.45.67.46"; do
  "$nettui" --no-cache --flows "$e" "$t/a.csv" > "$t/c3"
  "$nettui" --flows "$e" "$url/n.flows" > "$t/h3" || fail "--flows '$e' exit $?"
  [ "$(wc -l < "$t/c3")" -gt 1 ] || fail "--flows '$e' keeps nothing: a test that cannot fail"
  same "--flows '$e'" "$t/c3" "$t/h3"
done
# a host text that tries to end the SQL string matches nothing, and breaks nothing
"$nettui" --flows "src host \"x' OR 1=1 OR '\"" "$url/n.flows" > "$t/h4" || fail "hostile --flows literal: exit $?"
[ "$(wc -l < "$t/h4")" = 1 ] || fail "a hostile host literal matched rows"
# --where against the CSV filtered alike
grep -v ',80,[0-9]*$' "$t/a.csv" > "$t/a80.csv"
"$nettui" --no-cache --answers "$t/a80.csv" > "$t/c5"
"$nettui" --answers --where 'port != 80' "$url/n.flows" > "$t/h5"
same "--where 'port != 80'" "$t/c5" "$t/h5"
"$nettui" --summary "$url/n.flows" > "$t/s" || fail "--summary exit $?"
grep -qx "rows: 120000" "$t/s" || fail "--summary rows: $(grep rows "$t/s")"
grep -qx "format: clickhouse" "$t/s" || fail "--summary format"
# the cache: the second run reads it, the same answers; a changed table is asked again
"$nettui" --summary "$url/n.flows" | grep -qx "source: cache" || fail "the second run did not read the cache"
"$nettui" --answers "$url/n.flows" > "$t/h1b" || fail "answers from the cache"
same "--answers from the cache" "$t/c1" "$t/h1b"
"$nettui" --summary --no-cache "$url/n.flows" | grep -qx "source: parsed" || fail "--no-cache read the cache"
echo "1578600000000,13.1.1.1,8.8.8.8,53,100" | curl -sS "http://127.0.0.1:$http/?query=INSERT%20INTO%20n.flows%20FORMAT%20CSV" --data-binary @- || fail "INSERT one"
"$nettui" --summary "$url/n.flows" > "$t/s2"
grep -qx "source: parsed" "$t/s2" && grep -qx "rows: 120001" "$t/s2" || fail "a changed table was read from the cache: $(grep -E '^(rows|source)' "$t/s2")"
q "DROP TABLE n.flows" && q "CREATE TABLE n.flows (timestamp UInt64, src String, dst String, port UInt16, bytes UInt64) ENGINE = MergeTree ORDER BY timestamp" || fail "re-CREATE"
curl -sS "http://127.0.0.1:$http/?query=INSERT%20INTO%20n.flows%20FORMAT%20CSV" --data-binary @"$t/a.csv" || fail "re-INSERT"
echo "$name: the cache: read on the second run, not after the table changed"

# shape 2: DateTime seconds, UInt32 addresses, other names, a password
awk -F, 'function ip(s,  a) { split(s, a, "."); return ((a[1] * 256 + a[2]) * 256 + a[3]) * 256 + a[4] }
         { printf "%d,%d,%d,%d,%d\n", int($1 / 1000), ip($2), ip($3), $4, $5 }' "$t/a.csv" > "$t/b.num"
awk -F, '{ printf "%d,%s,%s,%s,%s\n", int($1 / 1000), $2, $3, $4, $5 }' "$t/a.csv" > "$t/b.csv"
q "CREATE TABLE n.conn (time DateTime, source UInt32, destination UInt32, dport UInt16, octets UInt64) ENGINE = MergeTree ORDER BY time" || fail "CREATE TABLE conn"
curl -sS "http://127.0.0.1:$http/?query=INSERT%20INTO%20n.conn%20FORMAT%20CSV" --data-binary @"$t/b.num" || fail "INSERT conn"
"$nettui" --no-cache --answers "$t/b.csv" > "$t/c6"
NETTUI_CLICKHOUSE_PASSWORD='p@ss:w0rd' "$nettui" --answers "clickhouse://analyst@127.0.0.1:$http/n.conn" > "$t/h6" 2> "$t/e6" || fail "DateTime source: $(cat "$t/e6")"
same "--answers (DateTime seconds, UInt32 addresses, renamed columns)" "$t/c6" "$t/h6"

# shape 3: Nullable columns and signed types: a row holding NULL, a negative
# time, a port past 65535 or negative bytes is left out and counted, as the
# file's loader counts such a line; the answers are the clean file's
q "CREATE TABLE n.nul (ts Nullable(Int64), src Nullable(String), dst String, port Nullable(Int32), bytes Int64) ENGINE = MergeTree ORDER BY tuple()" || fail "CREATE TABLE nul"
{ cat "$t/a.csv"
  printf '1578600000000,\\N,8.8.8.8,53,100\n\\N,13.1.1.1,8.8.8.8,53,100\n1578600000001,13.1.1.1,8.8.8.8,\\N,100\n'
  printf -- '-5,13.1.1.1,8.8.8.8,53,100\n1578600000002,13.1.1.1,8.8.8.8,70000,100\n1578600000003,13.1.1.1,8.8.8.8,53,-1\n'
} | curl -sS "http://127.0.0.1:$http/?query=INSERT%20INTO%20n.nul%20FORMAT%20CSV" --data-binary @- || fail "INSERT nul"
"$nettui" --no-cache --answers "$url/n.nul" > "$t/h9" 2> "$t/e9" || fail "Nullable source: $(cat "$t/e9")"
same "--answers (Nullable and signed columns, 6 bad rows left out)" "$t/c1" "$t/h9"
"$nettui" --no-cache --summary "$url/n.nul" > "$t/s9" 2>&1 || fail "Nullable --summary: $(cat "$t/s9")"
for want in "rows: 120000" "bad_lines: 6" "bad_fields: 3" "bad_timestamp: 1" "bad_port: 1" "bad_bytes: 1"; do
  grep -qx "$want" "$t/s9" || fail "Nullable --summary: want '$want': $(grep -E '^(rows|bad)' "$t/s9" | tr '\n' ' ')"
done
echo "$name: Nullable and signed columns: the 6 bad rows counted by kind, as a file's"

# errors: one sentence, the right exit status, never the password
err() {   # what STATUS PATTERN ARGS...
  what=$1 want=$2 pat=$3; shift 3
  "$nettui" --answers "$@" > /dev/null 2> "$t/err"; rc=$?
  [ "$rc" = "$want" ] || fail "$what: exit $rc, not $want: $(cat "$t/err")"
  [ "$(wc -l < "$t/err")" = 1 ] || fail "$what: not one line: $(cat "$t/err")"
  grep -q "$pat" "$t/err" || fail "$what: $(cat "$t/err")"
  if grep -q 'w0rd\|s3cret' "$t/err"; then fail "$what: the password is in the message"; fi
  echo "$name: $what: $(cat "$t/err")"
}
err "unreachable" 3 "cannot reach" "clickhouse://127.0.0.1:$(free_port)/n.flows"
err "not the HTTP port" 1 "clickhouse-client" "clickhouse://127.0.0.1:$tcp/n.flows"
err "wrong password" 3 "refused user 'analyst'" "clickhouse://analyst:s3cret@127.0.0.1:$http/n.flows"
err "table missing" 3 "does not exist" "$url/n.nope"
q "CREATE TABLE n.nosrc (timestamp UInt64, dst String, port UInt16, bytes UInt64) ENGINE = Memory"
err "column missing" 3 "no source address column" "$url/n.nosrc"
q "CREATE TABLE n.badtype (timestamp Float64, src String, dst String, port UInt16, bytes UInt64) ENGINE = Memory"
err "unusable type" 3 "cannot read as the time" "$url/n.badtype"
err "timeout" 1 "timed out" --where 'sleep(2) = 0' --timeout 1 "$url/n.flows"
err "bad --where" 2 "one condition" --where '1) OR (1' "$url/n.flows"
err "bad URL" 2 "DATABASE.TABLE" "clickhouse://127.0.0.1:$http/flows"
printf 'p@ss:w0rd\n' > "$t/pw"; chmod 644 "$t/pw"
err "open password file" 2 "readable by others" --password-file "$t/pw" "clickhouse://analyst@127.0.0.1:$http/n.flows"
chmod 600 "$t/pw"
"$nettui" --answers --password-file "$t/pw" "clickhouse://analyst@127.0.0.1:$http/n.flows" > "$t/h7" || fail "--password-file: exit $?"
same "--password-file" "$t/c1" "$t/h7"
"$nettui" --answers "clickhouse://analyst:p%40ss%3Aw0rd@127.0.0.1:$http/n.flows" > "$t/h8" 2> "$t/e8" || fail "percent-encoded password in the URL: $(cat "$t/e8")"
same "a password with '@' and ':' percent-encoded in the URL" "$t/c1" "$t/h8"

# the explorer: question 1's Flows view asks the server, and counts what --flows counts on the file
if command -v tmux >/dev/null 2>&1 && [ -z "$E2E_SAN" ]; then
  sock=nettui-e2e-ch-$$
  tmux -L "$sock" new-session -d -x 140 -y 40 "TERM=xterm-256color $nettui '$url/n.flows'; sleep 30"
  ok=
  for i in $(seq 1 40); do tmux -L "$sock" capture-pane -p | grep -q "Flag (md5" && { ok=1; break; }; sleep 0.25; done
  [ -n "$ok" ] || { tmux -L "$sock" kill-server; fail "the explorer did not show the answers"; }
  tmux -L "$sock" send-keys f
  ok=
  for i in $(seq 1 40); do tmux -L "$sock" capture-pane -p | grep -q " of [0-9,]* flows" && { ok=1; break; }; sleep 0.25; done
  tmux -L "$sock" capture-pane -p > "$t/screen"
  tmux -L "$sock" send-keys Escape q
  tmux -L "$sock" kill-server 2>/dev/null
  [ -n "$ok" ] || fail "the Flows view showed no count: $(grep -v '^ *$' "$t/screen" | tail -3)"
  expr=$(sed -n 's/^Filter: //p' "$t/screen" | sed 's/ *$//')
  shown=$(grep -o ' of [0-9,]* flows' "$t/screen" | head -1 | tr -dc 0-9)
  want=$("$nettui" --no-cache --flows "$expr" "$t/a.csv" | tail -n +2 | wc -l)
  [ -n "$expr" ] && [ "$shown" = "$want" ] || fail "Flows view: $shown flows for '$expr', the file has $want"
  echo "$name: explorer Flows view: $shown flows for '$expr', as on the file"
fi
echo "$name: ok"
