#!/bin/sh
# The Flows view and the host index, driven in tmux: f on question 1 (a
# host's flows) answers through the index, says "host index" on the status
# line, shows the count --flows prints, and leaves <cache>.hidx beside the
# cache; a port query is a scan; a corrupted index is refused on the status
# line with a sentence and rebuilt, the count unchanged; with --no-cache the
# view still answers through an index built in memory and writes nothing.
[ "${E2E_SAN:-0}" = 1 ] && { echo "52-tui-flows-index: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "52-tui-flows-index: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI_GEN" ] || { echo "52-tui-flows-index: no $NETTUI_GEN"; exit 77; }
[ -x "$NETTUI" ] || { echo "52-tui-flows-index: no $NETTUI"; exit 1; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
sock="nettui-fidx-$$"
t=$(mktemp -d) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "52-tui-flows-index: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  exit 1
}
"$gen" --rows 300000 --seed 2 --out flows.csv >/dev/null || fail "nettui-gen failed"
filter_line() { screen | sed -n 's/^Filter: //p' | sed 's/ *$//'; }
shown_total() { screen | sed -n 's/^[0-9,]*-[0-9,]* of \([0-9,]*\) flows\{0,1\}.*/\1/p' | tr -d ,; }
batch_total() { "$nettui" --no-cache --flows "$1" flows.csv | tail -n +2 | wc -l | tr -d ' '; }

# explore ARGS...: the explorer on flows.csv in a fresh session, at its answers
# (each on a tmux server of its own: a new session on a server that is
# shutting down fails)
runs=0
explore() {
  tm kill-server >/dev/null 2>&1
  runs=$((runs + 1)); sock="nettui-fidx-$$-$runs"
  tm_new -d -s tui -x 120 -y 40 "LC_ALL=C.UTF-8 sh -c '\"$nettui\" $* flows.csv; echo \$? > rc; exec sleep 600'"
  wait_for "Flag (md5" 60
}
# question1: f on the first answer; prints the view's count once the rows are in
question1() {
  keys g f
  wait_for "Flows: question 1"
  wait_for " flows; by "
}
quit_view() { rm -f rc; keys q; n=0; while [ ! -s rc ]; do n=$((n + 1)); [ $n -ge 100 ] && fail "did not quit"; sleep 0.1; done; }

# 1. first use: built, saved, answered through it
explore --cache-dir cache
question1
e=$(filter_line)
screen | grep -q "; host index [0-9]* ms" || fail "question 1 did not go through the host index"
n1=$(shown_total)
[ -n "$n1" ] && [ "$n1" = "$(batch_total "$e")" ] || fail "the view shows '$n1' flows, --flows $(batch_total "$e")"
# a port alone is a scan
keys /; wait_for "Filter (Enter"
keys C-u "port 80" Enter
wait_for "Filter: port 80"; wait_for " flows; by "
screen | grep -q "; scan [0-9]* ms" || fail "a port query did not scan"
quit_view
IX=$(ls cache/*.ntc.hidx 2>/dev/null)
[ -n "$IX" ] || fail "no host index beside the cache"
size=$(wc -c < "$IX")

# 2. corrupted: refused on the status line with a sentence, rebuilt, same count
printf 'XX' | dd of="$IX" bs=1 seek=40 conv=notrunc 2>/dev/null
explore --cache-dir cache
keys g f
wait_for "Flows: question 1"
wait_for "rebuilding it."
screen | grep -q "host index .*\.hidx is corrupted" || fail "no sentence about the corrupted index"
keys j
wait_for " flows; by "
[ "$(shown_total)" = "$n1" ] || fail "after a corrupted index: $(shown_total) flows, before $n1"
screen | grep -q "; host index [0-9]* ms" || fail "the rebuilt index is not used"
quit_view
[ "$(wc -c < "$IX")" = "$size" ] || fail "the index was not rebuilt whole"

# 3. --no-cache: an index in memory, nothing written
explore --no-cache --cache-dir none
question1
screen | grep -q "; host index [0-9]* ms" || fail "--no-cache: no host index in memory"
[ "$(shown_total)" = "$n1" ] || fail "--no-cache: $(shown_total) flows, with the cache $n1"
quit_view
[ ! -e none ] || fail "--no-cache wrote $(ls -R none)"

echo "52-tui-flows-index: host index used, refused when corrupted and rebuilt, in memory with --no-cache"
