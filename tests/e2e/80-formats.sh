#!/bin/sh
# Flow formats told by content: one nettui-gen file written as plain CSV,
# Zeek conn.log TSV (Zeek's header, unset fields, S0 rows, #close) and JSON,
# nfdump -o csv (made by the real nfpcapd and nfdump from a pcap of the
# flows when they are installed, and in nfdump 1.7's layout by awk, unsorted
# with its Summary block, in any case), text times (ISO 8601 with Z and
# offsets, "YYYY-MM-DD HH:MM:SS.fff", --tz), gzip and zstd: the answers of
# each equal the plain CSV's; --summary names the format; a bad line in each
# format is counted by kind with its line number; --format and --tz refuse
# unknown names with exit 2.
name=80-formats
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
here=$(dirname "$0")/formats
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
rows=100000
[ "${E2E_SAN:-0}" = 1 ] && rows=50000
fails=0
fail() { echo "$name: $*"; fails=$((fails+1)); }

"$gen" --rows $rows --seed 3 --out "$t/gen.csv" || { echo "$name: nettui-gen failed"; exit 1; }
# every 97th flow carries no bytes (Zeek: an S0 attempt, orig_bytes unset)
awk -F, 'BEGIN { OFS = "," } NR % 97 == 0 { $5 = 0 } { print }' "$t/gen.csv" > "$t/plain.csv"
"$nettui" --answers --no-cache "$t/plain.csv" > "$t/a.plain" 2> "$t/err" || { echo "$name: plain CSV: $(cat "$t/err")"; exit 1; }

# same FILE LABEL FORMAT [OPTIONS]: answers equal a.plain (or $want), format named, no bad line
same() {
  f=$1; label=$2; fmt=$3; shift 3
  if ! "$nettui" --answers --no-cache "$@" "$f" > "$t/a.out" 2> "$t/err"; then
    fail "$label: --answers failed: $(head -c 300 "$t/err")"; return
  fi
  if cmp -s "${want:-$t/a.plain}" "$t/a.out"; then echo "$name: $label: answers match"
  else fail "$label: answers differ:"; diff "${want:-$t/a.plain}" "$t/a.out" | head -8; fi
  "$nettui" --summary --no-cache "$@" "$f" > "$t/s.out" 2>&1
  grep -qx "format: $fmt" "$t/s.out" || fail "$label: --summary says $(grep '^format:' "$t/s.out"), not $fmt"
  grep -qx "bad_lines: 0" "$t/s.out" || fail "$label: $(grep '^bad_' "$t/s.out" | tr '\n' ' ')"
}

# bad FILE LABEL KIND LINE [OPTIONS]: --summary counts one bad line of KIND, at LINE
bad() {
  f=$1; label=$2; kind=$3; line=$4; shift 4
  "$nettui" --summary --no-cache "$@" "$f" > "$t/s.out" 2>&1 || { fail "$label: --summary failed: $(head -c 300 "$t/s.out")"; return; }
  if grep -qx "bad_lines: 1" "$t/s.out" && grep -qx "bad_$kind: 1" "$t/s.out" && grep -qx "bad_${kind}_lines: $line" "$t/s.out"
  then echo "$name: $label: one bad $kind line, at line $line"
  else fail "$label: want one bad $kind line at $line, got: $(grep '^bad_' "$t/s.out" | tr '\n' ' ')"; fi
}

# ---- rows in no time order (as nfdump writes them): the engine must not care
awk 'BEGIN { srand(7) } { printf "%.8f,%s\n", rand(), $0 }' "$t/plain.csv" | sort -t, -k1,1 | cut -d, -f2- > "$t/shuffled.csv"
same "$t/shuffled.csv" "rows shuffled" csv

# ---- Zeek conn.log, TSV and JSON
awk -f "$here/tozeek.awk" "$t/plain.csv" > "$t/conn.log"
awk -v json=1 -f "$here/tozeek.awk" "$t/plain.csv" > "$t/conn.json"
grep -q '	S0	' "$t/conn.log" && tail -n 1 "$t/conn.log" | grep -q '^#close' || fail "the Zeek log has no S0 row or no #close"
same "$t/conn.log" "zeek conn.log" zeek-conn-tsv
same "$t/conn.json" "zeek JSON" zeek-conn-json
# a bad port in row 10 (line 18: eight header lines); a '#' line in the middle is no bad line
awk 'NR == 18 { sub(/\t[0-9]+\ttcp\t/, "\t70000\ttcp\t") } NR == 40 { print "#close\t2020-01-07-16-00-00" } { print }' \
    "$t/conn.log" > "$t/bad.log"
bad "$t/bad.log" "zeek conn.log" port 18
awk 'NR == 7 { print "not json"; next } { print }' "$t/conn.json" > "$t/bad.json"
bad "$t/bad.json" "zeek JSON" fields 7
awk 'NR == 9 { sub(/"id.orig_h":"[^"]*"/, "\"id.orig_h\":\"\"") } { print }' "$t/conn.json" > "$t/bad2.json"
bad "$t/bad2.json" "zeek JSON" host 9

# ---- text times: ISO 8601 (Z, +01:30, -07:00), "YYYY-MM-DD HH:MM:SS.fff", epoch seconds
awk -f "$here/toiso.awk" "$t/plain.csv" > "$t/iso.csv"
same "$t/iso.csv" "ISO times" csv
awk -v shift=3600 -f "$here/toiso.awk" "$t/plain.csv" > "$t/iso1.csv"
same "$t/iso1.csv" "times without a zone at +01:00 (--tz +01:00)" csv --tz +01:00
"$nettui" --summary --no-cache "$t/plain.csv" | grep '^first:' > "$t/first.want"
"$nettui" --summary --no-cache --tz +01:00 "$t/iso1.csv" | grep '^first:' > "$t/first.got"
cmp -s "$t/first.want" "$t/first.got" || fail "--tz +01:00: $(cat "$t/first.got"), want $(cat "$t/first.want")"
awk 'NR == 5 { $0 = "2020-02-30T10:00:00Z" substr($0, index($0, ",")) } { print }' "$t/iso.csv" > "$t/badiso.csv"
bad "$t/badiso.csv" "ISO times" timestamp 5

# ---- nfdump -o csv in nfdump 1.7's layout (the times whole seconds, local:
# here UTC), rows out of time order, the Summary block at the end
awk -F, 'BEGIN { OFS = "," } { $1 = sprintf("%.0f", int($1 / 1000) * 1000); print }' "$t/plain.csv" > "$t/plain_s.csv"
"$nettui" --answers --no-cache "$t/plain_s.csv" > "$t/a.plain_s"
awk -F, -f "$here/tonfdump.awk" "$t/plain_s.csv" > "$t/nfdump.csv"
want=$t/a.plain_s same "$t/nfdump.csv" "nfdump layout (awk)" nfdump-csv
awk 'NR == 6 { sub(/,TCP,/, ",TCP,x,") } { print }' "$t/nfdump.csv" > "$t/badnf.csv"
bad "$t/badnf.csv" "nfdump layout" fields 6

# ---- the real nfdump: a pcap of the flows through nfpcapd, nfdump -R -o csv
if command -v nfpcapd > /dev/null && command -v nfdump > /dev/null && command -v python3 > /dev/null; then
  python3 "$here/topcap.py" "$t/plain.csv" "$t/flows.pcap" "$t/nf_want.csv" || fail "topcap.py failed"
  mkdir "$t/nf"
  if nfpcapd -r "$t/flows.pcap" -w "$t/nf" > "$t/nfpcapd.log" 2>&1; then
    # nfdump prints local time: made in Berlin, read with --tz Europe/Berlin
    TZ=UTC nfdump -R "$t/nf" -o csv > "$t/real.csv" 2> "$t/err" || fail "nfdump failed: $(head -c 300 "$t/err")"
    "$nettui" --answers --no-cache "$t/nf_want.csv" > "$t/a.nf_want"
    want=$t/a.nf_want same "$t/real.csv" "real nfdump (TZ=UTC)" nfdump-csv
    if [ -f /usr/share/zoneinfo/Europe/Berlin ]; then
      TZ=Europe/Berlin nfdump -R "$t/nf" -o csv > "$t/berlin.csv" 2> "$t/err"
      want=$t/a.nf_want same "$t/berlin.csv" "real nfdump (TZ=Europe/Berlin, --tz Europe/Berlin)" nfdump-csv --tz Europe/Berlin
      "$nettui" --summary --no-cache "$t/nf_want.csv" | grep -E '^(first|last|rows|bytes):' > "$t/s.want"
      "$nettui" --summary --no-cache --tz Europe/Berlin "$t/berlin.csv" | grep -E '^(first|last|rows|bytes):' > "$t/s.got"
      cmp -s "$t/s.want" "$t/s.got" || fail "real nfdump in Berlin time: $(tr '\n' ' ' < "$t/s.got"), want $(tr '\n' ' ' < "$t/s.want")"
    fi
  else
    fail "nfpcapd -r -w failed: $(tail -n 3 "$t/nfpcapd.log")"
  fi
else
  echo "$name: no nfpcapd/nfdump/python3 (make test installs them): the real nfdump part skipped"
fi

# ---- compressed input, told by magic bytes (not the name)
if command -v gzip > /dev/null; then
  gzip -c "$t/plain.csv" > "$t/plain.data"
  same "$t/plain.data" "gzip (no .gz name)" csv
  gzip -c "$t/conn.log" > "$t/conn.log.gz"
  same "$t/conn.log.gz" "gzip'd zeek conn.log" zeek-conn-tsv
  gzip -c "$t/bad.log" > "$t/bad.log.gz"
  bad "$t/bad.log.gz" "gzip'd zeek conn.log" port 18
  # two gzip members one after the other
  head -n 1000 "$t/plain.csv" | gzip -c > "$t/two.gz"; tail -n +1001 "$t/plain.csv" | gzip -c >> "$t/two.gz"
  same "$t/two.gz" "two gzip members" csv
  # cached: the second run comes from the cache, keyed on the compressed file
  "$nettui" --summary --cache-dir "$t/cache" "$t/conn.log.gz" > /dev/null 2>&1
  "$nettui" --summary --cache-dir "$t/cache" "$t/conn.log.gz" > "$t/s.out" 2>&1
  grep -qx "source: cache" "$t/s.out" && grep -qx "format: zeek-conn-tsv" "$t/s.out" || fail "gzip'd conn.log from the cache: $(grep -E '^(source|format):' "$t/s.out" | tr '\n' ' ')"
  grep -qx "file_bytes: $(wc -c < "$t/conn.log.gz" | tr -d ' ')" "$t/s.out" || fail "file_bytes is not the compressed size"
else
  echo "$name: no gzip: skipped that part"
fi
if command -v zstd > /dev/null; then
  zstd -q -c "$t/conn.json" > "$t/conn.json.zst"
  same "$t/conn.json.zst" "zstd'd zeek JSON" zeek-conn-json
  zstd -q -c "$t/iso.csv" > "$t/iso.zst"
  same "$t/iso.zst" "zstd'd ISO times" csv
else
  echo "$name: no zstd: skipped that part"
fi

# ---- a set: several files, or a folder of them, as one data set (each
# file in its own format: plain CSV, gzip'd Zeek TSV, zstd'd Zeek JSON)
if command -v gzip > /dev/null && command -v zstd > /dev/null; then
  n3=$((rows / 3))
  mkdir "$t/set"
  head -n $n3 "$t/plain.csv" > "$t/set/1-part.csv"
  sed -n "$((n3 + 1)),$((2 * n3))p" "$t/plain.csv" | awk -f "$here/tozeek.awk" | gzip -c > "$t/set/2-part.log.gz"
  tail -n +$((2 * n3 + 1)) "$t/plain.csv" | awk -v json=1 -f "$here/tozeek.awk" | zstd -q -c > "$t/set/3-part.json.zst"
  touch "$t/set/4-empty.csv" "$t/set/.hidden"
  same "$t/set" "a folder of three formats" csv
  grep -qx "files: 4" "$t/s.out" || fail "the folder: $(grep "^files:" "$t/s.out"), want files: 4 (the dot file left out)"
  same "$t/set/3-part.json.zst" "three files named" csv "$t/set/1-part.csv" "$t/set/2-part.log.gz"
fi

# ---- --format and --tz
# --tz makes another table from the same bytes: a cache of its own
"$nettui" --summary --cache-dir "$t/tzc" "$t/nfdump.csv" > /dev/null 2>&1
"$nettui" --summary --cache-dir "$t/tzc" --tz +01:00 "$t/nfdump.csv" > "$t/s1" 2>&1
"$nettui" --summary --cache-dir "$t/tzc" --tz +01:00 "$t/nfdump.csv" > "$t/s2" 2>&1
"$nettui" --summary --cache-dir "$t/tzc" "$t/nfdump.csv" > "$t/s3" 2>&1
grep -q '^source: parsed' "$t/s1" && grep -q '^source: cache' "$t/s2" && grep -q '^source: cache' "$t/s3" &&
  [ "$(grep '^first:' "$t/s1")" = "$(grep '^first:' "$t/s2")" ] &&
  [ "$(grep '^first:' "$t/s1")" != "$(grep '^first:' "$t/s3")" ] || fail "--tz and the cache: $(grep -h -E '^(first|source):' "$t/s1" "$t/s2" "$t/s3" | tr '\n' ' ')"
same "$t/conn.log" "--format zeek-conn-tsv" zeek-conn-tsv --format zeek-conn-tsv
"$nettui" --summary --no-cache --format yaml "$t/plain.csv" > /dev/null 2> "$t/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$t/err")" = 1 ] || fail "--format yaml: exit $rc, $(cat "$t/err")"
"$nettui" --summary --no-cache --tz Mars/Olympus "$t/plain.csv" > /dev/null 2> "$t/err"; rc=$?
[ $rc = 2 ] && [ "$(wc -l < "$t/err")" = 1 ] || fail "--tz Mars/Olympus: exit $rc, $(cat "$t/err")"

[ $fails = 0 ] || { echo "$name: $fails failed"; exit 1; }
echo "$name: all formats give the plain CSV's answers"
