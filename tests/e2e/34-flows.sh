#!/bin/sh
# --flows EXPR: the flows a filter keeps, as CSV, compared row for row with
# what awk selects from a generated file for host, src and port, net,
# after/before (dates and epoch ms), hour spans, bytes >, not, or with parentheses;
# --time iso; and bad expressions: exit 2 and one sentence naming the word.
name=34-flows
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
fail() { echo "$name: $*" >&2; exit 1; }

"$gen" --rows 200000 --seed 3 --out "$t/f.csv" >/dev/null 2>&1 || fail "nettui-gen failed"
f=$t/f.csv
head -n 1 "$f" | grep -q '^[0-9]' || fail "the generated file has a header; the awk filters expect none"
# a busy source and a busy destination port from the data itself
h=$(cut -d, -f2 "$f" | sort | uniq -c | sort -rn | awk 'NR==1{print $2}')
p=$(cut -d, -f4 "$f" | sort | uniq -c | sort -rn | awk 'NR==3{print $2}')
pre=$(echo "$h" | cut -d. -f1-2)
[ -n "$h" ] && [ -n "$p" ] || fail "no host or port picked"
day2=1578355200000   # 2020-01-07 00:00 UTC
day3=1578441600000   # 2020-01-08 00:00 UTC

# same EXPR AWK-CONDITION: --flows EXPR gives the header, then exactly the rows awk keeps
n=0
same() {
  "$nettui" --no-cache --flows "$1" "$f" > "$t/out" 2> "$t/err" || fail "'$1': exit $?: $(head -c 300 "$t/err")"
  head -n 1 "$t/out" | grep -qx 'timestamp,src,dst,port,bytes' || fail "'$1': no header line"
  tail -n +2 "$t/out" > "$t/got"
  awk -F, "$2" "$f" > "$t/want"
  cmp -s "$t/got" "$t/want" || fail "'$1': $(wc -l < "$t/got") rows, awk keeps $(wc -l < "$t/want"): $(diff "$t/want" "$t/got" | head -n 4)"
  [ -n "$3" ] || [ -s "$t/want" ] || fail "'$1': awk keeps nothing, the test proves little"
  n=$((n+1))
}
same "host $h"                          "\$2==\"$h\" || \$3==\"$h\""
same "src $h and port $p"               "\$2==\"$h\" && \$4==$p"
same "dst host $h"                      "\$3==\"$h\""
same "net $pre.0.0/16"                  "index(\$2, \"$pre.\")==1 || index(\$3, \"$pre.\")==1"
same "after 2020-01-07 and before 2020-01-08T00:00:00Z"  "\$1>=$day2 && \$1<$day3"
same "after $day2 and before '2020-01-08 00:00'"         "\$1>=$day2 && \$1<$day3"
same "bytes > 40000"                    "\$5>40000"
same "bytes<=1000 and port $p"          "\$5<=1000 && \$4==$p"
same "not port $p and not net 13.0.0.0/8" "\$4!=$p && !(\$2 ~ /^13\\./) && !(\$3 ~ /^13\\./)"
same "(port $p or bytes > 60000) and src net 12.0.0.0/8" "(\$4==$p || \$5>60000) && \$2 ~ /^12\\./"
same "port $p or bytes > 60000 and src net 12.0.0.0/8"   "\$4==$p || (\$5>60000 && \$2 ~ /^12\\./)"
same "not hour 16-24 and src net 12.0.0.0/8" "int(\$1/3600000)%24 < 16 && \$2 ~ /^12\\./"
same "hour 22-2"                        "int(\$1/3600000)%24 >= 22 || int(\$1/3600000)%24 < 2"
same "host 1.2.3.4"                     "0" empty-ok
same ""                                 "1"

# --time iso: the same rows, ISO 8601 UTC with milliseconds
"$nettui" --no-cache --flows "host $h" --time iso "$f" > "$t/iso" || fail "--time iso: exit $?"
[ "$(wc -l < "$t/iso")" = "$(awk -F, "\$2==\"$h\" || \$3==\"$h\"" "$f" | wc -l | awk '{print $1+1}')" ] || fail "--time iso: row count"
sed -n 2p "$t/iso" | grep -Eq '^20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z,' || fail "--time iso: $(sed -n 2p "$t/iso")"
first_ms=$(awk -F, "\$2==\"$h\" || \$3==\"$h\" {print \$1; exit}" "$f")
want_iso=$(date -u -d "@$((first_ms / 1000))" +%Y-%m-%dT%H:%M:%S).$(printf %03d $((first_ms % 1000)))Z
sed -n 2p "$t/iso" | grep -q "^$want_iso," || fail "--time iso: want $want_iso, got $(sed -n 2p "$t/iso")"
"$nettui" --no-cache --flows "port 1" --time bogus "$f" > /dev/null 2>&1; [ $? = 2 ] || fail "--time bogus: want exit 2"
"$nettui" --no-cache --summary --time iso "$f" > /dev/null 2>&1; [ $? = 2 ] || fail "--time without --flows: want exit 2"

# host names are written back as CSV (quoted when they hold a comma or a
# quote), byte counts past 2^32 in full
printf '1578326400000,"a,b""c",12.0.0.1,80,5\n1578326400001,12.0.0.1,name.x,81,4294967300\n' > "$t/names.csv"
"$nettui" --no-cache --flows 'host 12.0.0.1' "$t/names.csv" > "$t/out" 2>&1 || fail "names.csv: exit $?"
printf 'timestamp,src,dst,port,bytes\n1578326400000,"a,b""c",12.0.0.1,80,5\n1578326400001,12.0.0.1,name.x,81,4294967300\n' | cmp -s - "$t/out" || fail "names.csv: $(cat "$t/out")"
"$nettui" --no-cache --flows 'bytes > 4294967295 and dst name.x' "$t/names.csv" | tail -n +2 | grep -qx '1578326400001,12.0.0.1,name.x,81,4294967300' || fail "bytes > 2^32-1"

# bad expressions: exit 2, one line on stderr naming the offending word and where it is, no output
bad() {
  "$nettui" --no-cache --flows "$1" "$f" > "$t/out" 2> "$t/err"; rc=$?
  [ "$rc" = 2 ] || fail "'$1': want exit 2, got $rc"
  [ "$(wc -l < "$t/err")" = 1 ] || fail "'$1': want one line on stderr, got: $(cat "$t/err")"
  grep -q "$2" "$t/err" || fail "'$1': want '$2' in: $(cat "$t/err")"
  grep -q '\.$' "$t/err" || fail "'$1': not a sentence: $(cat "$t/err")"
  [ ! -s "$t/out" ] || fail "'$1': printed flows"
}
bad "hots $h"                 "'hots' at character 1"
bad "port 80 and"             "after 'and' at character 9"
bad "port 70000"              "'70000' at character 6"
bad "(port 80 or port 22"     "')'"
bad "port 80 port 22"         "'port' at character 9"
bad "bytes => 5"              "'=>' at character 7"
bad "net 13.0/8"              "'13.0/8' at character 5"
bad "after 2020-02-30"        "'2020-02-30' at character 7"
bad "hour 25"                 "'25' at character 6"
bad "host $h and or port 1"   "'or' at character"
# a bad expression is found before the file is read: a missing file still says 2
"$nettui" --flows "port" "$t/missing.csv" > /dev/null 2>&1; [ $? = 2 ] || fail "bad expression, missing file: want 2"
echo "$name: $n expressions match awk; bad expressions exit 2"
exit 0
