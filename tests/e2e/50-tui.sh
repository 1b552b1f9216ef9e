#!/bin/sh
# The explorer, driven for real in tmux on a generated file: the ten answers
# on the first screen, every pane key, b and b again, e then Enter, the help
# screen, / search, resize to 60x20 and back, q exits 0 with the terminal
# restored; again at 80x24 in a non-UTF-8 locale; and the refusals (no
# terminal, dumb or unknown TERM).
[ "${E2E_SAN:-0}" = 1 ] && { echo "50-tui: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "50-tui: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI_GEN" ] || { echo "50-tui: no $NETTUI_GEN"; exit 77; }
[ -x "$NETTUI" ] || { echo "50-tui: no $NETTUI"; exit 1; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
# A fresh private socket for each session: killing a server and starting the
# next on the same socket races with its shutdown.
nsock=0; sock="nettui-test-$$-0"
t=$(mktemp -d) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "50-tui: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  exit 1
}

"$gen" --rows 300000 --seed 1 --out flows.csv --answers key >/dev/null || fail "nettui-gen failed"
"$gen" --rows 300000 --seed 2 --bad-lines 0.001 --out bad.csv --answers bad.key >/dev/null || fail "nettui-gen --bad-lines failed"
flag=$(sed -n 's/^flag: //p' key)
keyfile=key

# row_answer I: the answer shown on question I's row of the Detectors pane.
row_answer() {
  screen | awk -v i="$1" '/ Question / && col == 0 { col = index($0, " Answer ") + 1; next }
    col && $1 == i { s = substr($0, col); sub(/^ +/, "", s); sub(/ .*/, "", s); print s; exit }'
}
# check_answers: every question's row shows the key's answer.
check_answers() {
  i=0
  while read -r want; do
    i=$((i + 1)); [ $i -gt 10 ] && break
    got=$(row_answer $i)
    [ "$got" = "$want" ] || fail "question $i shows '$got', the key says '$want' ($1)"
  done < "$keyfile"
}
# start W H [ENV]: the explorer in a fresh tmux server; its exit status goes
# to rc, the terminal settings before and after to stty.before/after.
next_server() { tm kill-server >/dev/null 2>&1; nsock=$((nsock + 1)); sock="nettui-test-$$-$nsock"; }
start() {
  next_server
  rm -f rc stty.before stty.after
  tm_new -d -s tui -x "$1" -y "$2" \
    "$3 sh -c 'trap : INT; stty -g > stty.before; \"$nettui\" --no-cache ${4:-flows.csv}; echo \$? > rc; stty -g > stty.after; echo EXITED; exec sleep 600'"
}
# ended STATUS: the program has ended with STATUS and restored the terminal.
ended() {
  n=0; while [ ! -s stty.after ]; do n=$((n + 1)); [ $n -ge 100 ] && fail "the program did not end"; sleep 0.1; done
  [ "$(cat rc)" = "$1" ] || fail "exit status $(cat rc), not $1"
  cmp -s stty.before stty.after || fail "terminal settings differ after the program ended"
  wait_for EXITED 5
  [ "$(tm display -p -t tui '#{alternate_on}')" = 0 ] || fail "still on the alternate screen after the program ended"
}
# quit: q, then the exit status must be 0 and the terminal as it was.
quit() { keys q; ended 0; }

# ---- 120x40, UTF-8 --------------------------------------------------------
start 120 40 "LC_ALL=C.UTF-8"
wait_for "Flag (md5" 60
screen | grep -qF "$flag" || fail "first screen lacks the flag $flag"
check_answers "first screen"
screen | grep -qF "flows.csv" || fail "header lacks the file name"
screen | grep -qF "300,000 rows" || fail "header lacks the row count"
screen | grep -qF "UTC" || fail "header lacks the time span in UTC"
screen | grep -qF "bad line" || fail "loader line about bad lines missing"

# every pane key shows its pane; Tab and Shift-Tab cycle
keys 2; wait_for "Top talkers: Outbound"
keys m; wait_for "by connections"
keys d; wait_for "Top talkers: Inbound"
keys 3; wait_for "Hourly activity, all flows"
wait_for "per hour of day"
# b on the last host of the list keeps that host on screen, and b again
# puts it back: it does not jump to another host (then off the blacklist)
keys G; sleep 0.3
hl=$(screen | sed -n 's/^Host \([0-9.]*\) .*, \([0-9]*\) of \([0-9]*\) (Left.*/\1/p' | head -n 1)
[ -n "$hl" ] || fail "no host under the hourly histogram"
keys b; wait_for "detectors re-ran"
screen | grep -q "^Host $hl[ ,]" || fail "b in the Hourly pane left $hl for another host"
keys b; wait_for "detectors re-ran"
screen | grep -q "^Host $hl[ ,]" || fail "the second b in the Hourly pane was not on $hl"
keys 1; wait_for "Flag (md5"
check_answers "after b twice in the Hourly pane"
keys 3; wait_for "Hourly activity, all flows"
keys 4; wait_for "Ports 1"
wait_for "x axis: outbound bytes a host sent"
keys 5; wait_for "Internal graph of port"
keys v; wait_for "Controller star"
keys v; wait_for "Time between calls"
keys v; wait_for "Internal graph of port"
keys 6; wait_for "No host chosen yet"
keys 7; wait_for "Blacklist:"
wait_for "detector 1 (exfil"
keys Tab; wait_for "Question"
keys BTab; wait_for "Blacklist:"
# the mouse is off until F2; then a click on a pane's title (X10 mouse
# report: button 1 at column 21, row 2, then release) opens it
keys F2; wait_for "Mouse on"
tm send-keys -t tui -l "$(printf '\033[M 6"\033[M#6"')"; wait_for "Top talkers:"
keys F2; wait_for "Mouse off"
keys 7; wait_for "Blacklist:"
keys '?'; wait_for "nettui keys"
keys x; wait_gone "nettui keys"
# Backspace goes back through the panes seen: Blacklist, then Top talkers
keys BSpace; wait_for "Top talkers:"
keys BSpace; wait_for "Blacklist:"
keys 1; wait_for "Flag (md5"

# b rejects the first answer: it and the answers that hung on it change; b again restores
a1=$(sed -n 1p key)
keys b
wait_for "detectors re-ran"
[ "$(row_answer 1)" != "$a1" ] || fail "b on the first answer did not change it"
screen | grep -qF "changed by your blacklist edits" || fail "no override marker after b"
screen | grep -qF "$flag" && fail "flag unchanged after b"
keys 7; wait_for "you added it"
keys 1; keys b
wait_for "undone"
check_answers "after b twice"
screen | grep -qF "$flag" || fail "flag not restored after b twice"

# h opens a host; b toggles it off the blacklist (a detector put it there), b again restores
keys h; wait_for "Host address"
keys "$a1" Enter
wait_for "Host $a1 (internal), on the blacklist (detector 1"
wait_for "Named by: 1"
keys b; wait_for "is off the blacklist (allowed by you)"
wait_for "allowed by you (off the blacklist)"
keys 7; wait_for "you took it off (detector 1"
keys 6; keys b; wait_for "undone"
keys 1; wait_for "Flag (md5"
check_answers "after b twice in the Host pane"
screen | grep -qF "$flag" || fail "flag not restored after b twice in the Host pane"
keys Enter; wait_for "Host $a1 (internal)"
keys Left; wait_for "Host $a1 (internal)"

# b on an unlisted host in Top talkers puts it on; b again takes it off
keys 2; keys o; wait_for "Top talkers: Outbound"
keys g j
h2=$(screen | awk '$1 == 2 && $2 ~ /^[0-9.]+$/ { print $2; exit }')
[ -n "$h2" ] || fail "no second talker"
keys b; wait_for "$h2 is on the blacklist (by you)"
keys 7; wait_for "you added it"
keys 2; keys b; wait_for "Your choice on $h2 is undone"
keys 1; wait_for "Flag (md5"
check_answers "after b twice in Top talkers"

# e then Enter writes answers.txt here, same lines as the key's first 11
keys e; wait_for "Export answers to"
keys Enter; wait_for "written to $t/answers.txt"
head -n 11 key | cmp -s - answers.txt || fail "answers.txt differs from the key's first 11 lines"
# again: it asks before replacing; anything but y keeps the file
echo keep > answers.txt
keys e; wait_for "Export answers to"
keys Enter; wait_for "answers.txt exists; replace it?"
keys n Enter; wait_for "Export cancelled; answers.txt is unchanged"
[ "$(cat answers.txt)" = keep ] || fail "a refused replace changed answers.txt"
keys e; wait_for "Export answers to"
keys Enter; wait_for "replace it?"
keys y Enter; wait_for "written to $t/answers.txt"
head -n 11 key | cmp -s - answers.txt || fail "a confirmed replace did not write the answers"
# ~ is the home folder
keys e; wait_for "Export answers to"
keys C-u; tm send-keys -t tui -l "~/nettui-e2e-$$.txt"; keys Enter; wait_for "written to $HOME/nettui-e2e-$$.txt"
[ -f "$HOME/nettui-e2e-$$.txt" ] || fail "~ was not the home folder"; rm -f "$HOME/nettui-e2e-$$.txt"

# resize below 80x24 and back
tm resize-window -t tui -x 60 -y 20
wait_for "terminal too small (need 80x24)"
tm resize-window -t tui -x 120 -y 40
wait_for "Flag (md5"
check_answers "after resize"
quit

# ---- 80x24, no UTF-8, no colour, a file with bad lines ---------------------------
keyfile=bad.key
start 80 24 "LC_ALL=C NO_COLOR=1" bad.csv
wait_for "Flag (md5" 60
check_answers "80x24 with bad lines"
nbad=$(sed -n 's/^bad_lines: //p' bad.key)
[ "${nbad:-0}" -gt 0 ] || fail "the generator wrote no bad lines"
screen | grep -qF "Bad lines skipped: $nbad (" || fail "status line does not count $nbad bad lines"
screen | grep -qE "Loaded 300,000 rows in .*; $nbad bad lines skipped: " || fail "Detectors pane does not list the bad lines"
for p in "2 Top talkers" "3 Hourly activity" "4 Ports 1" "5 Internal graph of port" "6 Host" "7 Blacklist:" "1 Flag (md5"; do
  keys "${p%% *}"; wait_for "${p#* }"
done
tm resize-window -t tui -x 79 -y 24; wait_for "terminal too small"
tm resize-window -t tui -x 80 -y 24; wait_for "Flag (md5"
quit

# ---- Ctrl-C quits with status 1 and restores the terminal ------------------------
keyfile=key
start 100 30 ""
wait_for "Flag (md5" 60
keys C-c
ended 1

# ---- refusals ------------------------------------------------------------------
"$nettui" --no-cache flows.csv </dev/null >out 2>err; rc=$?
[ $rc = 1 ] || fail "without a terminal: exit $rc, not 1"
grep -q -- "--answers" err || fail "without a terminal: no pointer to --answers"
[ "$(wc -l < err)" = 1 ] || fail "without a terminal: more than one line on stderr"
for term in dumb nosuchterminal; do
  next_server; rm -f rc
  tm_new -d -s tui -x 100 -y 30 "sh -c 'TERM=$term \"$nettui\" --no-cache flows.csv 2>err.$term; echo \$? > rc; exec sleep 600'"
  n=0; while [ ! -s rc ]; do n=$((n + 1)); [ $n -ge 100 ] && fail "TERM=$term: no exit"; sleep 0.1; done
  [ "$(cat rc)" = 1 ] || fail "TERM=$term: exit $(cat rc), not 1"
  grep -q -- "--answers" "err.$term" || fail "TERM=$term: no pointer to --answers"
done
exit 0
