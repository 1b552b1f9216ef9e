#!/bin/sh
# nettui-gen: determinism, the CTF flag in the key, --header / --crlf shapes,
# --bad-lines counted in the key, option and write errors.
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "10-gen-basic: no $gen (make nettui-gen)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
fail() { echo "10-gen-basic: $*"; exit 1; }
rows=100000
flag=ec766132cac80b821793fb9e7fdfd763

# determinism, and the seed matters
"$gen" --rows $rows --seed 5 --out "$t/a.csv" --answers "$t/a.key" || fail "run a failed"
"$gen" --rows $rows --seed 5 --out "$t/b.csv" || fail "run b failed"
"$gen" --rows $rows --seed 6 --out "$t/c.csv" || fail "run c failed"
"$gen" --rows $rows --seed 5 > "$t/d.csv" || fail "run to stdout failed"
ma=$(md5sum < "$t/a.csv"); mb=$(md5sum < "$t/b.csv"); mc=$(md5sum < "$t/c.csv"); md=$(md5sum < "$t/d.csv")
[ "$ma" = "$mb" ] || fail "same seed gave different files"
[ "$ma" = "$md" ] || fail "--out and standard output differ"
[ "$ma" != "$mc" ] || fail "different seeds gave the same file"

# the shape of a plain file: headerless, five fields, sorted, exactly --rows lines
[ "$(wc -l < "$t/a.csv")" -eq $rows ] || fail "line count is not --rows"
awk -F, 'NF != 5 || $1 !~ /^[0-9]+$/ || $4 !~ /^[0-9]+$/ || $5 !~ /^[0-9]+$/ { bad++ }
         $1 + 0 < prev { unsorted++ } { prev = $1 + 0 }
         END { exit (bad || unsorted) }' "$t/a.csv" || fail "plain file has bad or unsorted lines"
head -c 13 "$t/a.csv" | grep -q '^15783' || fail "file does not start on 2020-01-06"

# the key: ten answers, their md5 is the flag, the counts
[ "$(wc -l < "$t/a.key")" -eq 13 ] || fail "key is not 13 lines"
grep -qx "flag: $flag" "$t/a.key" || fail "default key flag is not the CTF flag"
joined=$(head -n 10 "$t/a.key" | paste -sd:)
[ "$(printf %s "$joined" | md5sum | cut -d' ' -f1)" = $flag ] || fail "the ten answers do not hash to the flag"
grep -qx "rows: $rows" "$t/a.key" || fail "key rows wrong"
grep -qx "bad_lines: 0" "$t/a.key" || fail "key bad_lines wrong"

# random hosts and ports: another flag, ports above 255, still 54 ports
"$gen" --rows $rows --seed 3 --hosts random --ports random --out "$t/r.csv" --answers "$t/r.key" || fail "random run failed"
grep -q "flag: $flag" "$t/r.key" && fail "random roles still hash to the CTF flag"
joined=$(head -n 10 "$t/r.key" | paste -sd:)
grep -qx "flag: $(printf %s "$joined" | md5sum | cut -d' ' -f1)" "$t/r.key" || fail "random key flag is not md5 of its answers"
awk -F, '{ p[$4] = 1 } END { for (k in p) { n++; if (k + 0 > 255) h++ } exit !(n == 54 && h >= 5) }' "$t/r.csv" \
    || fail "random ports: not 54 ports with several above 255"

# --header and --crlf
"$gen" --rows $rows --header --crlf --out "$t/h.csv" || fail "header run failed"
[ "$(head -n 1 "$t/h.csv")" = "$(printf 'ts,source,destination,dport,bytes\r')" ] || fail "header line wrong"
[ "$(wc -l < "$t/h.csv")" -eq $((rows + 1)) ] || fail "header file line count wrong"
[ "$(tr -cd '\r' < "$t/h.csv" | wc -c)" -eq $((rows + 1)) ] || fail "not every line ends in CR LF"

# --bad-lines: extra lines of every kind, counted in the key
"$gen" --rows $rows --seed 5 --bad-lines 0.01 --out "$t/x.csv" --answers "$t/x.key" || fail "bad-lines run failed"
bad=$(sed -n 's/^bad_lines: //p' "$t/x.key")
[ "$bad" -gt 500 ] || fail "too few bad lines ($bad)"
[ "$(wc -l < "$t/x.csv")" -eq $((rows + bad)) ] || fail "lines != rows + bad_lines"
awk -F, -v rows=$rows -v bad="$bad" '
    NF == 5 && $1 ~ /^[0-9]+$/ && $2 != "" && $3 != "" && $4 ~ /^[0-9]+$/ && $4 + 0 <= 65535 &&
    $5 ~ /^[0-9]+$/ && length($5) < 20 { good++; next }
    { nbad++ }
    NF < 5 { few++ } NF > 5 { many++ }
    NF == 5 && $1 !~ /^[0-9]+$/ { ts++ }
    NF == 5 && ($2 == "" || $3 == "") { host++ }
    NF == 5 && $4 !~ /^[0-9]+$/ { pnan++ }
    NF == 5 && $4 ~ /^[0-9]+$/ && $4 + 0 > 65535 { pbig++ }
    NF == 5 && $5 !~ /^[0-9]+$/ { bnan++ }
    NF == 5 && $5 ~ /^[0-9]+$/ && length($5) >= 20 { bbig++ }
    END { if (good != rows || nbad != bad || !few || !many || !ts || !host || !pnan || !pbig || !bnan || !bbig) {
              print "good", good, "bad", nbad, few, many, ts, host, pnan, pbig, bnan, bbig; exit 1 } }' "$t/x.csv" \
    || fail "bad lines are not every kind, or good rows != --rows"
head -n 1 "$t/x.csv" | grep -q '^[0-9]*,[0-9.]*,[0-9.]*,[0-9]*,[0-9]*$' || fail "first line is a bad line"
[ "$(grep -c . "$t/x.key")" -eq 13 ] || fail "bad-lines key shape"
head -n 11 "$t/x.key" > "$t/x11"; head -n 11 "$t/a.key" > "$t/a11"
cmp -s "$t/x11" "$t/a11" || fail "bad lines changed the answers"

# invalid options: one sentence on stderr, exit 2
for args in "--rows 5" "--rows 110000001" "--rows abc" "--rows" "--seed -1" "--hosts foo" \
            "--ports ctf2" "--bogus" "extra" "--work-hours 5-5" "--work-hours 25-3" "--work-hours 7" \
            "--bad-lines 2" "--bad-lines x" "--beacon-period 10" "--beacon-jitter 900" "--out="; do
    # shellcheck disable=SC2086
    "$gen" $args > "$t/o" 2> "$t/e"; rc=$?
    [ $rc -eq 2 ] || fail "'$args' exited $rc, not 2"
    [ "$(wc -l < "$t/e")" -eq 1 ] || fail "'$args' did not print one line on stderr"
    [ -s "$t/o" ] && fail "'$args' wrote to standard output"
done

# write errors: exit 1 with a message naming the file
"$gen" --rows $rows --out "$t/no/such/dir.csv" 2> "$t/e"; rc=$?
[ $rc -eq 1 ] || fail "bad --out path exited $rc, not 1"
grep -q "$t/no/such/dir.csv" "$t/e" || fail "bad --out path message does not name the file"
"$gen" --rows $rows --out "$t/ok.csv" --answers "$t/no/key.txt" 2> "$t/e"; rc=$?
[ $rc -eq 1 ] && grep -q "$t/no/key.txt" "$t/e" || fail "bad --answers path: exit $rc or message"
if [ -w /dev/full ]; then
    "$gen" --rows $rows --out /dev/full 2> "$t/e"; rc=$?
    [ $rc -eq 1 ] && grep -q /dev/full "$t/e" || fail "full disk: exit $rc or message"
fi

"$gen" --help | grep -q -- --beacon-jitter || fail "--help"
"$gen" --version | grep -q '^nettui-gen ' || fail "--version"
exit 0
