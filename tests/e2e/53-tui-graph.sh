#!/bin/sh
# The Graph pane's port matrix at 120x40 on a 2M-row generated file, whose
# P2P clique has 36 hosts: one matrix row a host (no row stands for two),
# the rows shown counted exactly ("rows 1–33 of 36"), every row with its
# gap on the diagonal and no other, each row's name on the row itself, the
# 36 names the hosts awk finds talking on the port; Up/Down scroll to the
# last rows; Right/Left step one port among the ports with internal links;
# a port without internal links says so (not a blank graph).
[ "${E2E_SAN:-0}" = 1 ] && { echo "53-tui-graph: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "53-tui-graph: no tmux"; exit 77; }
command -v python3 >/dev/null 2>&1 || { echo "53-tui-graph: no python3"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI_GEN" ] || { echo "53-tui-graph: no $NETTUI_GEN"; exit 77; }
[ -x "$NETTUI" ] || { echo "53-tui-graph: no $NETTUI"; exit 1; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
sock="nettui-graph-$$"
t=$(mktemp -d) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "53-tui-graph: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  exit 1
}

"$gen" --rows 2000000 --seed 1 --out flows.csv --answers key >/dev/null || fail "nettui-gen failed"
p2p=$(sed -n 5p key)
# the port's internal hosts, by awk
awk -F, -v p="$p2p" '$4 == p && $2 ~ /^1[234]\./ && $3 ~ /^1[234]\./ { print $2; print $3 }' flows.csv | sort -u > members
[ "$(wc -l < members)" = 36 ] || fail "the P2P port $p2p has $(wc -l < members) internal hosts, the test wants 36"

tm_new -d -s tui -x 120 -y 40 "LC_ALL=C.UTF-8 \"$nettui\" --no-cache flows.csv; echo EXITED; exec sleep 600"
wait_for "Flag (md5" 120
keys 5; wait_for "Internal graph of port $p2p: 36 hosts, 630 links"
wait_for "rows 1–33 of 36, Up/Down scroll"

# check_rows FIRST: the matrix rows on screen are positions FIRST.. in order:
# 36 cells each (two characters a cell), one gap, at the row's own position,
# and the row's host named right of the matrix on the same line
check_rows() {
  screen > screen.txt
  python3 - "$1" <<'PY' || fail "the matrix rows are not one host each with its gap and name (from row $1)"
import re, sys
first = int(sys.argv[1])
lines = open("screen.txt", encoding="utf-8").read().split("\n")
start = next(i for i, l in enumerate(lines) if "Adjacency matrix" in l) + 1
rows = []
for l in lines[start:]:
    m = re.match(r"^([ \u2588\u00b7]{72})  (\d+\.\d+\.\d+\.\d+)\s*$", l)
    if not m: break
    rows.append((m.group(1), m.group(2)))
if len(rows) != 33: sys.exit("%d matrix rows on screen, not 33" % len(rows))
for k, (cells, name) in enumerate(rows):
    pos = first - 1 + k
    pairs = [cells[2 * c:2 * c + 2] for c in range(36)]
    gaps = [c for c, x in enumerate(pairs) if x == "  "]
    if gaps != [pos]: sys.exit("row %d (%s): gaps at %s, not at its own column %d" % (pos + 1, name, gaps, pos))
    if any(x != "\u2588\u2588" for c, x in enumerate(pairs) if c != pos):
        sys.exit("row %d (%s): a clique member without a link to another" % (pos + 1, name))
with open("shown", "a") as f:
    for _, name in rows: f.write(name + "\n")
PY
}
rm -f shown
check_rows 1
keys G; wait_for "rows 4–36 of 36"
check_rows 4
sort -u shown | cmp -s - members || fail "the names on the matrix rows are not the port's 36 internal hosts"
keys g; wait_for "rows 1–33 of 36"

# Right and Left step one port among the ports with internal links
k=$(screen | sed -n 's/.*(Left\/Right: port \([0-9]*\) of \([0-9]*\) with internal links).*/\1 \2/p')
set -- $k
[ -n "$1" ] || fail "no 'port K of N' in the title"
keys Right; wait_for "port $(( $1 % $2 + 1 )) of $2 with internal links"
keys Left; wait_for "port $1 of $2 with internal links"
wait_for "Internal graph of port $p2p: 36 hosts"

# a port without internal links: its graph says so (from Ports, v on the top port)
nolink=$(awk -F, -v p="$p2p" '$2 ~ /^1[234]\./ && $3 ~ /^1[234]\./ { l[$4] = 1 } { all[$4] = 1 }
  END { for (p in all) if (!(p in l)) print p }' flows.csv | sort -n | head -n 1)
[ -n "$nolink" ] || fail "every port has internal links"
keys 4; wait_for "Ports 1"
keys /; wait_for "Find in this table"
keys "$nolink" Enter; wait_for "'$nolink': row"
# the text may match other rows first ("27" in "127" or a z of 2.7): n until the port itself
i=0
while ! screen | grep -qF "│ Port $nolink:"; do
  i=$((i + 1)); [ $i -gt 60 ] && fail "/ and n never reached port $nolink"
  keys n; sleep 0.1
done
keys v; wait_for "Internal graph of port $nolink: no two internal hosts talk on it"
wait_for "Nothing to draw: no flow on this port goes from one internal host to another."
keys q; wait_for EXITED 10
echo "53-tui-graph: the 36-host clique's matrix rows, gaps, names, scrolling and port steps are right at 120x40"
