#!/bin/sh
# The Flows view, driven in tmux: f on an answer shows the rows behind it
# (question 7: the infected host's flows to the controller on the bots'
# port; 1 and 9: a host's flows outside or inside the internal blocks), the
# same rows --flows prints for the filter line; s/r sort with the
# key in the header; / edits the filter (a bad one says why, the rows stay);
# position "1-N of M"; Esc goes back; f in Ports, Graph and Top talkers, f and F
# in the Host pane; q in the view quits with status 0. Before that: the
# evidence printed exactly, and the Host pane's peer counts against awk.
[ "${E2E_SAN:-0}" = 1 ] && { echo "51-tui-flows: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "51-tui-flows: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI_GEN" ] || { echo "51-tui-flows: no $NETTUI_GEN"; exit 77; }
[ -x "$NETTUI" ] || { echo "51-tui-flows: no $NETTUI"; exit 1; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
sock="nettui-flows-$$"
t=$(mktemp -d) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "51-tui-flows: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  exit 1
}
"$gen" --rows 300000 --seed 1 --out flows.csv --answers key >/dev/null || fail "nettui-gen failed"
infected=$(sed -n 7p key); controller=$(sed -n 6p key)

tm_new -d -s tui -x 120 -y 40 \
  "LC_ALL=C.UTF-8 sh -c '\"$nettui\" --no-cache flows.csv; echo \$? > rc; echo EXITED; exec sleep 600'"
wait_for "Flag (md5" 60

# filter_line: the expression on the view's filter line
filter_line() { screen | sed -n 's/^Filter: //p' | sed 's/ *$//'; }
# shown_total: M of "A-B of M flows" on the status line, commas removed
shown_total() { screen | sed -n 's/^[0-9,]*-[0-9,]* of \([0-9,]*\) flows\{0,1\}.*/\1/p' | tr -d ,; }
# batch_total EXPR: the rows --flows prints for EXPR
batch_total() { "$nettui" --no-cache --flows "$1" flows.csv | tail -n +2 | wc -l | tr -d ' '; }

# evidence printed exactly: fractions to three digits, whole numbers in full,
# epoch ms as a UTC date-time (they printed as "0", "1.34K" and "1.58T")
"$nettui" --no-cache --json flows.csv 2>/dev/null | python3 -c '
import json, sys, time
d = json.load(sys.stdin)
for f in d["findings"]:
    for k, v in f["evidence"].items():
        if v is None: continue
        if k.endswith(" ms") and v >= 1e11: s = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(v // 1000))
        elif v == int(v): s = "{:,}".format(int(v))
        elif abs(v) >= 999.5: s = "{:,}".format(round(v))
        else: s = "{:.3g}".format(v)
        print("%d\t%s\t%s" % (f["question"], k, s))' > evidence || fail "--json failed"
[ -s evidence ] || fail "no evidence in --json"
for q in 2 3 7; do
  keys g; i=1; while [ $i -lt $q ]; do keys j; i=$((i + 1)); done
  wait_for "Evidence for $q."
  grep "^$q	" evidence | while IFS='	' read -r _ label want; do
    screen | grep -qE "^.* $label +$want *\$" || { echo "question $q: '$label' should read '$want'"; exit 1; }
  done || fail "question $q's evidence is not printed exactly"
done
screen | grep -qF "first contact ms             20" || fail "first contact not a date"
screen | grep -qF "first contact (UTC)" || fail "the first-contact chart is not labelled as dates"

# the Host pane counts peers exactly (one scan), outside peers and the
# internal peers of an outside host included: check_host HOST against awk
check_host() {
  keys h; wait_for "Host address"
  keys C-u "$1" Enter; wait_for "Host $1 ("
  wait_for "Received from"
  screen > host.screen
  awk -F, -v h="$1" '$2 == h { print "s", $3 } $3 == h { print "r", $2 }' flows.csv | sort | uniq -c > pairs
  python3 - "$1" <<'PY' || fail "Host pane of $1 is not exact"
import re, sys
h = sys.argv[1]
pairs = {}
for line in open("pairs"):
    n, d, peer = line.split()
    pairs[(d, peer)] = int(n)
def distinct(d, internal):
    return sum(1 for (dd, p) in pairs if dd == d and bool(re.match(r"1[234]\.", p)) == internal)
scr = open("host.screen").read().split("\n")
want = {"Sent": (distinct("s", True), distinct("s", False)), "Received": (distinct("r", True), distinct("r", False))}
for line in scr:
    m = re.match(r"(Sent|Received) .*; peers (\d+) int, (\d+) ext", line)
    if m and (int(m.group(2)), int(m.group(3))) != want[m.group(1)]:
        sys.exit("%s: peers %s int, %s ext; awk says %s" % (m.group(1), m.group(2), m.group(3), want[m.group(1)]))
start = next(i for i, l in enumerate(scr) if "Sent to (" in l)
rows = 0
for line in scr[start + 1:]:
    for col, d in ((line[:60], "s"), (line[60:], "r")):
        m = re.match(r"\s*([0-9.]+)\s+([0-9,]+)(\s|$)", col)
        if not m: continue
        got, peer = int(m.group(2).replace(",", "")), m.group(1)
        if pairs.get((d, peer)) != got:
            sys.exit("%s %s: %d conns on screen, awk says %s" % (d, peer, got, pairs.get((d, peer))))
        rows += 1
if rows == 0: sys.exit("no peer rows on screen")
# the top peer each way is the one with the most flows
for d, col in (("s", slice(0, 60)), ("r", slice(60, None))):
    counts = [n for (dd, p), n in pairs.items() if dd == d]
    firsts = [re.match(r"\s*([0-9.]+)\s+([0-9,]+)(\s|$)", l[col]) for l in scr[start + 1:]]
    firsts = [m for m in firsts if m]
    if counts and (not firsts or int(firsts[0].group(2).replace(",", "")) != max(counts)):
        sys.exit("direction %s: the first peer is not the busiest (%d flows)" % (d, max(counts)))
PY
}
outside=$(awk -F, '$3 !~ /^1[234]\./ { c[$3]++ } END { for (h in c) print c[h], h }' flows.csv | sort -rn | awk 'NR == 1 { print $2 }')
check_host "$outside"
check_host "$(sed -n 1p key)"
check_host "$controller"
keys 1; wait_for "Flag (md5"

# question 7: the infected host's flows to the controller
keys g j j j j j j f
wait_for "Flows: question 7"
wait_for " flows; by "   # the rows are in (the first query may build the host index)
e=$(filter_line)
echo "$e" | grep -qF "src $infected and dst $controller and port " || fail "question 7's filter: '$e'"
n=$(shown_total); [ -n "$n" ] && [ "$n" -gt 0 ] || fail "question 7: no count"
[ "$n" = "$(batch_total "$e")" ] || fail "question 7: the view shows $n flows, --flows $(batch_total "$e")"
screen | grep -q "^20[0-9-]* [0-9:.]* *$infected *$controller " || fail "question 7: no row from $infected to $controller"
screen | grep -qF "time (UTC) ▲" || fail "no sort mark on the time column"

# sort: s moves the key to src, r reverses; the header shows it
keys s; wait_for "src ▲"
keys s s s; wait_for "bytes ▲"
keys r; wait_for "bytes ▼"
screen | grep -qF "; by bytes descending;" || fail "status line does not name the sort"
first=$(screen | awk 'NR == 4 { gsub(",", "", $NF); print $NF }')
second=$(screen | awk 'NR == 5 { gsub(",", "", $NF); print $NF }')
[ -z "$second" ] || [ "$first" -ge "$second" ] || fail "bytes descending: $first before $second"

# / edits the filter: a bad one says where, the rows stay; a good one rescans
keys /; wait_for "Filter (Enter applies"
keys C-u "port 27 and bytes >> 5" Enter
wait_for "Bad filter: '>>' at character"
keys /; wait_for "Filter (Enter applies"
keys C-u "port 27 or port 51" Enter
wait_for "Filter: port 27 or port 51"
n=$(shown_total); [ "$n" = "$(batch_total "port 27 or port 51")" ] || fail "port 27 or port 51: the view shows $n"
screen | grep -qE "^1-[0-9,]+ of [0-9,]+ flows" || fail "no position line"
keys NPage; wait_for "36-70 of "
keys Escape; wait_for "Flag (md5"

# questions 1 and 9: the filter joins the internal blocks (--summary's) to
# the host: outside for 1, inside for 9. The filter line is clipped to the
# screen, so it must be the start of the filter we expect, and the count
# must be --flows' for the whole of it.
nets=$("$nettui" --no-cache --summary flows.csv | sed -n 's/^internal: //p' | tr , ' ')
[ -n "$nets" ] || fail "--summary printed no internal blocks"
want1="src $(sed -n 1p key)"; want9="src $(sed -n 9p key)"; sep=" and ("
for b in $nets; do want1="$want1 and not dst net $b"; want9="$want9${sep}dst net $b"; sep=" or "; done
want9="$want9)"
check_question() { # N KEYS WANT
  keys 1; wait_for "Flag (md5"
  keys g $2 f; wait_for "Flows: question $1"
  e=$(filter_line)
  case "$3" in "$e"*) ;; *) fail "question $1's filter: '$e', want '$3'";; esac
  n=$(shown_total); [ -n "$n" ] && [ "$n" -gt 0 ] || fail "question $1: no count"
  [ "$n" = "$(batch_total "$3")" ] || fail "question $1: the view shows $n flows, --flows $(batch_total "$3")"
  keys Escape; wait_for "Flag (md5"
}
check_question 1 "" "$want1"
check_question 9 "j j j j j j j j" "$want9"

# Ports: f shows the port's flows
keys 4; wait_for "Ports 1"
keys f; wait_for "Flows: port "
p=$(filter_line)
[ "$(shown_total)" = "$(batch_total "$p")" ] || fail "Ports '$p': count differs from --flows"
keys Escape; wait_for "Ports 1"

# Graph: f in the port graph shows the selected host's flows on that port
keys 5; wait_for "Internal graph of port"
keys f; wait_for "Flows: "
e=$(filter_line)
echo "$e" | grep -Eq '^port [0-9]+ and host [0-9.]+$' || fail "Graph: filter '$e'"
[ "$(shown_total)" = "$(batch_total "$e")" ] || fail "Graph '$e': count differs from --flows"
keys Escape; wait_for "Internal graph of port"

# Top talkers: f shows the host's flows; Enter on a row opens its source host
keys 2; wait_for "Top talkers:"
keys f; wait_for "Flows: "
h=$(filter_line | sed -n 's/^host //p')
[ -n "$h" ] || fail "Top talkers: filter '$(filter_line)'"
[ "$(shown_total)" = "$(batch_total "host $h")" ] || fail "Top talkers host $h: count differs from --flows"
keys Enter; wait_for "Host $h ("

# Host pane: f the host's flows, F the flows with the peer under the cursor
keys f; wait_for "Flows: $h's flows"
keys BSpace; wait_for "Host $h ("
keys F; wait_for "Flows: between $h and "
e=$(filter_line)
[ "$(shown_total)" = "$(batch_total "$e")" ] || fail "pair '$e': count differs from --flows"
keys q
n=0; while [ ! -s rc ]; do n=$((n + 1)); [ $n -ge 100 ] && fail "q in the Flows view did not quit"; sleep 0.1; done
[ "$(cat rc)" = 0 ] || fail "q in the Flows view: exit $(cat rc)"
echo "51-tui-flows: questions 1, 7 and 9, sorting, filter edits, Ports, Top talkers and Host match --flows"
exit 0
