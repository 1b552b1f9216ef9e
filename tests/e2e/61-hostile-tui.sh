#!/bin/sh
# The explorer under hostile terminal events, in tmux on a private socket:
# resizes (SIGWINCH) in a burst while a big file loads and again once it is
# loaded, Ctrl-C during the load, Ctrl-C right after a blacklist change sets
# the detectors re-running, SIGTERM during the load. Each time: the exit
# status of the man page, one sentence at most, the terminal as it was
# (stty settings, main screen). The tidy-path TUI tests are 50-tui.sh.
[ "${E2E_SAN:-0}" = 1 ] && { echo "61-hostile-tui: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "61-hostile-tui: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] && [ -x "$NETTUI_GEN" ] || { echo "61-hostile-tui: no $NETTUI or $NETTUI_GEN"; exit 77; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
nsock=0; sock="nettui-hostile-$$-0"
t=$(mktemp -d /tmp/nettui-e2e-tui.XXXXXX) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "61-hostile-tui: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  [ -s err ] && { echo "---- stderr ----"; cat err; }
  exit 1
}

# big enough that one parser takes a few seconds: the load is there to hit
"$gen" --rows 4000000 --seed 3 --out big.csv --answers big.key >/dev/null || fail "nettui-gen failed"
"$gen" --rows 200000 --seed 4 --out small.csv --answers small.key >/dev/null || fail "nettui-gen failed"
flag=$(sed -n 's/^flag: //p' small.key)

next_server() { tm kill-server >/dev/null 2>&1; nsock=$((nsock + 1)); sock="nettui-hostile-$$-$nsock"; }
# start FILE [OPTIONS]: the explorer in a fresh server at 100x30; its pid in
# pid, exit status in rc, stderr in err, terminal settings in stty.*
start() {
  next_server
  rm -f rc pid err stty.before stty.after
  tm_new -d -s tui -x 100 -y 30 \
    "sh -c 'trap : INT TERM; stty -g > stty.before; echo \$\$ > pid; exec 2>err; \"$nettui\" --no-cache $2 $1; echo \$? > rc; stty -g > stty.after; echo EXITED; exec sleep 600'"
}
# ended STATUS SECONDS: the program ended with STATUS within SECONDS and left
# the terminal as it found it
ended() {
  n=0; lim=$(( $2 * 10 ))
  while [ ! -s stty.after ]; do n=$((n + 1)); [ $n -ge $lim ] && fail "the program did not end within $2 s"; sleep 0.1; done
  [ "$(cat rc)" = "$1" ] || fail "exit status $(cat rc), not $1"
  cmp -s stty.before stty.after || fail "terminal settings differ after the program ended"
  wait_for EXITED 5
  [ "$(tm display -p -t tui '#{alternate_on}')" = 0 ] || fail "still on the alternate screen after the program ended"
  [ "$(wc -l < err)" -le 1 ] || fail "more than one line on stderr: $(cat err)"
  grep -qiE 'segmentation|abort|assert|core dumped' err && fail "a C-level error on stderr: $(cat err)"
  return 0
}
# the explorer's own pid: the one child of the pane's shell
app_pid() { ps -o pid= --ppid "$(cat pid)" 2>/dev/null | tr -d ' ' | head -n 1; }
burst() {   # burst N: N resizes between odd sizes, SIGWINCH each time
  i=0
  while [ $i -lt "$1" ]; do
    case $((i % 4)) in 0) w=60 h=20;; 1) w=132 h=43;; 2) w=80 h=24;; *) w=41 h=9;; esac
    tm resize-window -t tui -x $w -y $h 2>/dev/null
    i=$((i + 1))
  done
  tm resize-window -t tui -x 100 -y 30
}

# ---- resizes while loading and after, then q ---------------------------------
start big.csv "--threads 1"
wait_for "loading" 30
burst 40
wait_for "Flag (md5" 120
burst 40
wait_for "Flag (md5" 10
screen | grep -qF "$(sed -n 's/^flag: //p' big.key)" || fail "the flag after the resizes is not the key's"
keys q; ended 0 10

# ---- Ctrl-C during the load ---------------------------------------------------
start big.csv "--threads 1"
wait_for "loading" 30
sleep 0.3
screen | grep -qF "Flag (md5" && fail "the load ended before Ctrl-C could hit it (the file is too small here)"
keys C-c
ended 1 10
grep -qi "cancel" err || fail "Ctrl-C during the load: no sentence saying it was cancelled: $(cat err)"

# ---- SIGTERM during the load --------------------------------------------------
start big.csv "--threads 1"
wait_for "loading" 30
p=$(app_pid); [ -n "$p" ] || fail "no explorer process"
kill -TERM "$p"
n=0; while [ ! -s rc ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
[ -s rc ] || fail "SIGTERM during the load: the program did not end"
r=$(cat rc)
[ "$r" = 1 ] || [ "$r" = 143 ] || fail "SIGTERM during the load: exit $r"
cmp -s stty.before stty.after || fail "SIGTERM during the load: terminal settings differ"
wait_for EXITED 5
[ "$(tm display -p -t tui '#{alternate_on}')" = 0 ] || fail "SIGTERM during the load: still on the alternate screen"

# ---- Ctrl-C as the detectors re-run after b --------------------------------
start small.csv
wait_for "Flag (md5" 60
screen | grep -qF "$flag" || fail "the first screen lacks the key's flag"
keys b C-c
ended 1 10

# ---- resizes right as it starts, before anything is drawn -------------------
start small.csv
burst 20
wait_for "Flag (md5" 60
screen | grep -qF "$flag" || fail "after resizes at start the flag is not the key's"
keys q; ended 0 10
exit 0
