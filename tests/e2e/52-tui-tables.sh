#!/bin/sh
# The explorer's tables (table.c), driven in tmux on a generated file and
# checked against awk on the same file: Top talkers' outside destinations
# (exact bytes, connections, distinct internal senders), sorting by a column
# (the first row after s and S), the position text, / then n and N landing
# on the matching rows (wrapping, "not found"), and E writing the whole
# table as CSV in its current order (asks before replacing); then the same
# marks in ASCII at 80x24.
[ "${E2E_SAN:-0}" = 1 ] && { echo "52-tui-tables: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "52-tui-tables: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI_GEN" ] || { echo "52-tui-tables: no $NETTUI_GEN"; exit 77; }
[ -x "$NETTUI" ] || { echo "52-tui-tables: no $NETTUI"; exit 1; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
nsock=0; sock="nettui-tables-$$-0"
t=$(mktemp -d) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "52-tui-tables: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  exit 1
}
next_server() { tm kill-server >/dev/null 2>&1; sleep 0.2; nsock=$((nsock + 1)); sock="nettui-tables-$$-$nsock"; }
start() {
  next_server
  tm_new -d -s tui -x "$1" -y "$2" "$3 \"$nettui\" --no-cache flows.csv; echo EXITED; exec sleep 600"
}

"$gen" --rows 300000 --seed 1 --out flows.csv --answers key >/dev/null || fail "nettui-gen failed"
"$nettui" --summary flows.csv | grep -qx "internal: 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8" || fail "the internal network is not 12/8, 13/8, 14/8"

# The outside destinations by awk: host bytes flows distinct-internal-senders,
# largest bytes first (ties: the address).
awk -F, 'function inside(h) { return h ~ /^1[234]\./ }
  inside($2) && !inside($3) { b[$3] += $5; f[$3]++; if (!seen[$3 "," $2]++) p[$3]++ }
  END { for (h in b) print h, b[h], f[h], p[h] }' flows.csv | sort -k2,2nr -k1,1 > dests
n=$(wc -l < dests)
[ "$n" -gt 40 ] || fail "only $n outside destinations"
nfmt=$(printf "%d" "$n" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
commas() { printf "%s" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# talkers_rows: "rank host bytes conns peers" for each row of the Talkers
# table on screen, cut at the header's columns (the numbers are right-aligned
# under their names; the bar before them is multibyte, so by characters).
talkers_rows() {
  screen > screen.txt
  python3 - <<'PY'
import re
lines = open("screen.txt", encoding="utf-8").read().split("\n")
h = next(i for i, l in enumerate(lines) if l.lstrip().startswith("rank"))
head = lines[h]
ends = {}
for name in ("bytes", "conns", "peers"):
    m = re.search(name + r"[▼▲]?( [v^])?", head)
    ends[name] = m.end()
for l in lines[h + 1:]:
    f = l.split()
    if len(f) < 2 or not f[0].isdigit(): break
    out = [f[0], f[1]]
    for name, width in (("bytes", 15), ("conns", 11), ("peers", 7)):
        e = ends[name]
        out.append(l[e - width:e].strip())
    print(" ".join(out))
PY
}
row_of() { talkers_rows | awk -v h="$1" '$2 == h && !done { print; done = 1 }'; }
first_row() { talkers_rows | sed -n 1p; }
first_host() { first_row | cut -d' ' -f2; }

start 120 40 "LC_ALL=C.UTF-8"
wait_for "Flag (md5" 60
keys 2; wait_for "Top talkers: Outbound"
keys d d d d; wait_for "Top talkers: Outside destinations"
wait_for "by bytes; 1–34 of $nfmt"
screen | grep -qF "rank▲ host " || fail "the header does not mark rank as the sort column"

# the first three rows: exact bytes, connections and distinct internal senders
for i in 1 2 3; do
  set -- $(sed -n "${i}p" dests)
  got=$(row_of "$1")
  want="$i $1 $(commas "$2") $(commas "$3") $(commas "$4")"
  [ "$got" = "$want" ] || fail "outside destination $i: screen '$got', awk '$want'"
done

# s: by host, lowest address first (numeric order of the four parts)
keys s; wait_for "host▲"
want=$(cut -d' ' -f1 dests | sort -t. -k1,1n -k2,2n -k3,3n -k4,4n | head -n 1)
[ "$(first_host)" = "$want" ] || fail "sorted by host, the first row is '$(first_host)', not $want"
# s: by bytes, largest first; S: smallest first
keys s; wait_for "bytes▼"
[ "$(first_host)" = "$(sed -n '1s/ .*//p' dests)" ] || fail "sorted by bytes, the first row is not the biggest"
keys S; wait_for "bytes▲"
want=$(sort -k2,2n dests | awk 'NR == 1 { print $2 }')
got=$(first_row | cut -d' ' -f3)
[ "$got" = "$(commas "$want")" ] || fail "sorted by bytes ascending, the first row has $got bytes, awk's least is $want"
keys s; wait_for "conns▼"
want=$(sort -k3,3nr dests | awk 'NR == 1 { print $3 }')
got=$(first_row | cut -d' ' -f4)
[ "$got" = "$(commas "$want")" ] || fail "sorted by connections, the first row has $got, awk's most is $want"
keys s; wait_for "peers▼"
want=$(sort -k4,4nr dests | awk 'NR == 1 { print $4 }')
got=$(first_row | cut -d' ' -f5)
[ "$got" = "$(commas "$want")" ] || fail "sorted by peers, the first row has $got, awk's most is $want"

# back to bytes, largest first; the position moves with a page
keys s s s s s; wait_for "bytes▼"
keys NPage; wait_for "; 2–35 of $nfmt"
keys g; wait_for "; 1–34 of $nfmt"

# / finds: the 30th host by bytes is row 30; n and N step over the rows
# matching a prefix, in the table's order, wrapping
h30=$(sed -n '30s/ .*//p' dests)
keys /; wait_for "Find in this table"
keys "$h30" Enter; wait_for "'$h30': row 30 of $nfmt"
pre=$(sed -n '1s/^\([0-9]*\.[0-9]\).*/\1/p' dests)   # "17.1": the first row's prefix
grep -nF "$pre" dests | cut -d: -f1 > matches
m1=$(sed -n 1p matches); m2=$(sed -n 2p matches); ml=$(tail -n 1 matches)
[ -n "$m2" ] || fail "fewer than two hosts match $pre"
keys g /; wait_for "Find in this table"
keys C-u "$pre" Enter; wait_for "'$pre': row $m1 of $nfmt"
keys n; wait_for "'$pre': row $m2 of $nfmt"
keys N; wait_for "'$pre': row $m1 of $nfmt"
keys N; wait_for "'$pre': row $ml of $nfmt, wrapped"
keys /; wait_for "Find in this table"
keys C-u "no-such-row" Enter; wait_for "Not found: no row in this table has 'no-such-row'."

# E: the whole table, in the order shown (bytes, largest first), raw numbers
keys E; wait_for "Export this table as CSV to"
keys Enter; wait_for "Table written to $t/talkers-outside-destinations.csv: $nfmt rows"
[ "$(head -n 1 talkers-outside-destinations.csv)" = "rank,host,bytes,connections,peers,detectors,list" ] ||
  fail "the CSV header is $(head -n 1 talkers-outside-destinations.csv)"
tail -n +2 talkers-outside-destinations.csv | awk -F, '{ print $2, $3, $4, $5 }' > csvrows
sort dests | cmp -s - "$(sort csvrows > csvsorted; echo csvsorted)" || fail "the CSV's rows differ from awk's outside destinations"
awk 'NR > 1 && $2 > prev { bad = 1 } { prev = $2 } END { exit bad }' csvrows || fail "the CSV is not in the table's order (bytes, largest first)"
# again: it asks before replacing; anything but y keeps the file
echo keep > talkers-outside-destinations.csv
keys E; wait_for "Export this table as CSV to"
keys Enter; wait_for "talkers-outside-destinations.csv exists; replace it?"
keys n Enter; wait_for "Export cancelled; talkers-outside-destinations.csv is unchanged"
[ "$(cat talkers-outside-destinations.csv)" = keep ] || fail "a refused replace changed the CSV"
# a folder that is not there: one sentence, the explorer goes on
keys E; wait_for "Export this table as CSV to"
keys C-u "$t/no-such-folder/x.csv" Enter; wait_for "Could not write $t/no-such-folder/x.csv: No such file or directory."
[ ! -e "$t/no-such-folder" ] || fail "a failed export made something"
keys j; wait_for "Top talkers: Outside destinations"

# the Blacklist and Ports tables sort, and the Host pane's peers table finds
keys 7; wait_for "Blacklist:"
keys s; wait_for "Host▲"
want=$(screen | awk '$2 == "listed" || $2 == "allowed" { print $1 }' | sort -t. -k1,1n -k2,2n -k3,3n -k4,4n | head -n 1)
got=$(screen | awk '/^Host/ { getline; print $1; exit }')
[ "$got" = "$want" ] || fail "the blacklist sorted by host starts with $got, not $want"
keys 4; wait_for "Ports 1"
keys s; wait_for "port▼"
want=$(cut -d, -f4 flows.csv | sort -n | tail -n 1)
got=$(screen | awk '/port▼/ { getline; print $1; exit }')
[ "$got" = "$want" ] || fail "ports sorted by number, largest first, start with $got, not $want"
keys S; wait_for "port▲"
want=$(cut -d, -f4 flows.csv | sort -n | head -n 1)
got=$(screen | awk '/port▲/ { getline; print $1; exit }')
[ "$got" = "$want" ] || fail "ports sorted by number start with $got, not $want"
# the Host pane: three tables; c picks the one the keys work; E writes the
# peers it sent to, every one with its exact connection count
h1=$(sed -n 1p key)
keys h; wait_for "Host address"
keys C-u "$h1" Enter; wait_for "Host $h1 ("
wait_for "> Sent to ("
# its totals exact: connections and bytes to internal and external hosts
want=$(awk -F, -v h="$h1" '$2 == h { k = ($3 ~ /^1[234]\./) ? 0 : 1; f[k]++; b[k] += $5 }
  END { printf "Sent      %d conns %d B to internal, %d conns %d B to external;", f[0], b[0], f[1], b[1] }' flows.csv |
  sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|[^0-9]\)/\1,\2\3/;ta')
screen | grep -qF "$want" || fail "the Host pane's totals are not '$want'"
keys E; wait_for "Export this table as CSV to"
keys Enter; wait_for "Table written to $t/host-sent-to.csv"
awk -F, -v h="$h1" '$2 == h { c[$3]++ } END { for (p in c) print p "," c[p] }' flows.csv | sort > sent.awk
tail -n +2 host-sent-to.csv | cut -d, -f1,2 | sort > sent.csv
cmp -s sent.awk sent.csv || fail "host-sent-to.csv differs from awk's peers of $h1"
[ "$(head -n 1 host-sent-to.csv)" = "peer,conns,list" ] || fail "host-sent-to.csv has the header $(head -n 1 host-sent-to.csv)"
keys c; wait_for "> Received from ("
keys S; wait_for "conns▲"
want=$(awk -F, -v h="$h1" '$3 == h { c[$2]++ } END { for (p in c) print c[p] }' flows.csv | sort -n | head -n 1)
# the right half (from column 61 at 120 columns): the first row under its header
screen | awk '/> Received from/ { getline; getline; print; exit }' | cut -c 61- > recv.first
grep -qE "[0-9.]+ +$want( |\$)" recv.first || fail "received-from sorted ascending does not start with $want connections: $(cat recv.first)"
keys q; wait_for EXITED 10

# ---- 80x24, no UTF-8: ASCII sort marks and position --------------------------
start 80 24 "LC_ALL=C"
wait_for "Flag (md5" 60
keys 2 x; wait_for "Top talkers: External senders"
keys s s; wait_for "bytes v"
screen | grep -qE "by bytes; 1-[0-9]+ of " || fail "no ASCII position at 80x24"
keys q; wait_for EXITED 10
echo "52-tui-tables: outside destinations exact, sort, find, position and CSV export match awk"
