#!/bin/sh
# --flows through the host index (<cache>.hidx): a host query builds the
# index beside the cache once and maps it after; its output equals the full
# scan's (--no-cache) and awk's on many expressions; a port or time query
# builds none; a truncated or corrupted index is refused with one line on
# stderr and rebuilt, the answers unchanged; a rejected cache takes its index
# with it; --no-cache writes nothing.
name=35-flows-index
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
fail() { echo "$name: $*" >&2; exit 1; }

"$gen" --rows 200000 --seed 5 --out "$t/f.csv" >/dev/null 2>&1 || fail "nettui-gen failed"
f=$t/f.csv
C=$t/cache
# a busy source, a quiet one (fewest flows), a busy port, from the data
busy=$(cut -d, -f2 "$f" | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
quiet=$(cut -d, -f2,3 "$f" | tr , '\n' | sort | uniq -c | sort -n | awk 'NR==1{print $2}')
p=$(cut -d, -f4 "$f" | sort | uniq -c | sort -rn | awk 'NR==2{print $2}')
qnet=$(echo "$quiet" | cut -d. -f1-3)
[ -n "$busy" ] && [ -n "$quiet" ] && [ -n "$p" ] || fail "no hosts or port picked"
day2=1578355200000   # 2020-01-07 00:00 UTC

ls_index() { ls "$C"/*.ntc.hidx 2>/dev/null; }

# 0. a port query and a time query build no index
"$nettui" --cache-dir "$C" --flows "port $p" "$f" > "$t/p0" 2> "$t/e0" || fail "port query: exit $?"
"$nettui" --cache-dir "$C" --flows "after $day2" "$f" > /dev/null 2>> "$t/e0" || fail "time query: exit $?"
[ -z "$(ls_index)" ] || fail "a port or time query built a host index"
[ ! -s "$t/e0" ] || fail "stderr on a port query: $(cat "$t/e0")"

# same EXPR AWK: the indexed run (twice: built, then mapped), the scan and awk agree
n=0
same() {
  "$nettui" --no-cache --flows "$1" "$f" > "$t/scan" 2> "$t/err" || fail "'$1' --no-cache: exit $?"
  "$nettui" --cache-dir "$C" --flows "$1" "$f" > "$t/idx1" 2> "$t/err1" || fail "'$1': exit $?: $(cat "$t/err1")"
  "$nettui" --cache-dir "$C" --flows "$1" "$f" > "$t/idx2" 2> "$t/err2" || fail "'$1' warm: exit $?: $(cat "$t/err2")"
  [ ! -s "$t/err1" ] && [ ! -s "$t/err2" ] || fail "'$1': stderr: $(cat "$t/err1" "$t/err2")"
  cmp -s "$t/scan" "$t/idx1" || fail "'$1': the first indexed run differs from the scan: $(diff "$t/scan" "$t/idx1" | head -n 4)"
  cmp -s "$t/scan" "$t/idx2" || fail "'$1': the mapped index differs from the scan: $(diff "$t/scan" "$t/idx2" | head -n 4)"
  tail -n +2 "$t/scan" > "$t/got"
  awk -F, "$2" "$f" > "$t/want"
  cmp -s "$t/got" "$t/want" || fail "'$1': $(wc -l < "$t/got") rows, awk keeps $(wc -l < "$t/want")"
  [ -n "$3" ] || [ -s "$t/want" ] || fail "'$1': awk keeps nothing, the test proves little"
  n=$((n+1))
}
same "host $quiet"                         "\$2==\"$quiet\" || \$3==\"$quiet\""
[ -n "$(ls_index)" ] || fail "no host index beside the cache after a host query"
same "host $busy"                          "\$2==\"$busy\" || \$3==\"$busy\""
same "src $busy and port $p"               "\$2==\"$busy\" && \$4==$p"
same "dst $quiet or src $busy"             "\$3==\"$quiet\" || \$2==\"$busy\""
same "(host $quiet or host $busy) and not port $p" "(\$2==\"$quiet\" || \$3==\"$quiet\" || \$2==\"$busy\" || \$3==\"$busy\") && \$4!=$p"
same "host $busy and after $day2 and bytes > 1000" "(\$2==\"$busy\" || \$3==\"$busy\") && \$1>=$day2 && \$5>1000"
same "host $busy and host $quiet"          "(\$2==\"$busy\" && \$3==\"$quiet\") || (\$3==\"$busy\" && \$2==\"$quiet\")" empty-ok
same "net $qnet.0/24"                      "index(\$2, \"$qnet.\")==1 || index(\$3, \"$qnet.\")==1"
same "host 1.2.3.4"                        "0" empty-ok
same "host 1.2.3.4 or host $quiet"         "\$2==\"$quiet\" || \$3==\"$quiet\""
same "port $p and (src $quiet or dst $busy)" "\$4==$p && (\$2==\"$quiet\" || \$3==\"$busy\")" empty-ok

IX=$(ls_index)
[ "$(echo "$IX" | wc -l)" = 1 ] || fail "more than one index file: $IX"
size=$(wc -c < "$IX")
"$nettui" --no-cache --flows "host $busy" "$f" > "$t/want_busy" || fail "scan of host $busy"

# refused: ONE line on stderr naming the file and why, same rows, rebuilt whole
refused() {   # refused WHAT WORD
  "$nettui" --cache-dir "$C" --flows "host $busy" "$f" > "$t/got" 2> "$t/err" || fail "$1: exit $?"
  cmp -s "$t/want_busy" "$t/got" || fail "$1: the rows changed"
  [ "$(wc -l < "$t/err")" = 1 ] && grep -q "host index .*\.hidx .*$2.*rebuilding it" "$t/err" ||
    fail "$1: want one line saying '$2', got: $(cat "$t/err")"
  [ "$(wc -c < "$IX")" = "$size" ] || fail "$1: not rebuilt whole ($(wc -c < "$IX") bytes, was $size)"
  "$nettui" --cache-dir "$C" --flows "host $busy" "$f" > "$t/got" 2> "$t/err" || fail "$1, then: exit $?"
  cmp -s "$t/want_busy" "$t/got" && [ ! -s "$t/err" ] || fail "$1: the rebuilt index is not used quietly: $(cat "$t/err")"
}
head -c $((size / 2)) "$IX" > "$t/cut" && cat "$t/cut" > "$IX"
refused "a truncated index" "truncated"
printf 'XX' | dd of="$IX" bs=1 seek=40 conv=notrunc 2>/dev/null
refused "a corrupted header" "corrupted"
# the file: a 96-byte header, off[hosts + 1], sum[hosts] (8 bytes each), then the rows
printf '\377\377\377\377' | dd of="$IX" bs=1 seek=$((96 + 8)) conv=notrunc 2>/dev/null
refused "corrupted offsets" "corrupted"
# the first row's source is host 0: its list starts the rows section
first=$(head -n 1 "$f" | cut -d, -f2)
"$nettui" --no-cache --flows "host $first" "$f" > "$t/want_first" || fail "scan of host $first"
nh=$("$nettui" --cache-dir "$C" --summary "$f" | sed -n 's/^hosts: //p')
[ -n "$nh" ] || fail "no hosts: line"
printf '\001\002\003\004' | dd of="$IX" bs=1 seek=$((96 + 8 * (nh + 1) + 8 * nh)) conv=notrunc 2>/dev/null
"$nettui" --cache-dir "$C" --flows "host $first" "$f" > "$t/got" 2> "$t/err" || fail "a corrupted host list: exit $?"
cmp -s "$t/want_first" "$t/got" || fail "a corrupted host list: the rows changed: $(diff "$t/want_first" "$t/got" | head -n 4)"
[ "$(wc -l < "$t/err")" = 1 ] && grep -q "host index .*corrupted (the list of host 0).*rebuilding it" "$t/err" ||
  fail "a corrupted host list: want one line, got: $(cat "$t/err")"
"$nettui" --cache-dir "$C" --flows "host $first" "$f" > "$t/got" 2> "$t/err" && cmp -s "$t/want_first" "$t/got" && [ ! -s "$t/err" ] ||
  fail "after a corrupted host list: $(cat "$t/err")"
printf 'not an index' > "$IX"
refused "a foreign file" "truncated"

# a cache rejected (the source changed) takes its index with it
touch -d '2030-01-01 00:00:00' "$f"
"$nettui" --cache-dir "$C" --summary "$f" > /dev/null 2> "$t/err" || fail "--summary after touch: exit $?"
grep -q stale "$t/err" || fail "the cache was not found stale: $(cat "$t/err")"
[ -z "$(ls_index)" ] || fail "the index of a rejected cache is still there: $(ls_index)"
# and the next host query builds one for the new cache, with the same rows
"$nettui" --cache-dir "$C" --flows "host $busy" "$f" > "$t/got" 2> "$t/err" && cmp -s "$t/want_busy" "$t/got" ||
  fail "after the cache was rebuilt: $(cat "$t/err")"
[ -n "$(ls_index)" ] || fail "no index for the rebuilt cache"

# --no-cache writes nothing
"$nettui" --no-cache --cache-dir "$t/none" --flows "host $busy" "$f" > /dev/null || fail "--no-cache: exit $?"
[ ! -e "$t/none" ] || fail "--no-cache made $t/none"

echo "$name: ok ($n expressions, index refusals and removal)"
