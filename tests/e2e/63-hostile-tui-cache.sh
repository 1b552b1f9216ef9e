#!/bin/sh
# The explorer on a warm cache that is cut short under it (truncate -s 0 of
# the .ntc, then b: the detectors re-run from the facts in memory, and host
# names come from the dictionary copied at open): no "Bus error", it keeps
# running, q ends it with the terminal as it was (stty settings, main
# screen), and the next run works again. (A pass over the cut columns ends
# the explorer with one sentence instead: 62-hostile-io covers the guard.)
[ "${E2E_SAN:-0}" = 1 ] && { echo "63-hostile-tui-cache: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "63-hostile-tui-cache: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] && [ -x "$NETTUI_GEN" ] || { echo "63-hostile-tui-cache: no $NETTUI or $NETTUI_GEN"; exit 77; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
sock="nettui-tuicache-$$"
t=$(mktemp -d /tmp/nettui-e2e-tuicache.XXXXXX) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "63-hostile-tui-cache: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  [ -s err ] && { echo "---- stderr ----"; cat err; }
  exit 1
}

"$gen" --rows 300000 --seed 5 --out f.csv >/dev/null || fail "nettui-gen failed"
"$nettui" --answers --cache-dir c f.csv >/dev/null 2>&1 || fail "cold --answers failed"
cf=$(ls c/*.ntc) || fail "no cache"
[ -f "$cf.facts" ] || fail "no facts cache"

tm_new -d -s tui -x 100 -y 30 \
  "sh -c 'trap : INT TERM; stty -g > stty.before; exec 2>err; \"$nettui\" --cache-dir c f.csv; echo \$? > rc; stty -g > stty.after; echo EXITED; exec sleep 600'"
wait_for "Flag (md5" 60
truncate -s 0 "$cf"
keys b
wait_for "detectors re-ran" 10
keys b
sleep 0.5
keys q
n=0; while [ ! -s stty.after ]; do n=$((n + 1)); [ $n -ge 100 ] && fail "the program did not end within 10 s"; sleep 0.1; done
[ "$(cat rc)" = 0 ] || fail "exit status $(cat rc), not 0: $(cat err)"
cmp -s stty.before stty.after || fail "terminal settings differ after the program ended"
wait_for EXITED 5
[ "$(tm display -p -t tui '#{alternate_on}')" = 0 ] || fail "still on the alternate screen after the program ended"
grep -qi 'bus error' err && fail "Bus error"
"$nettui" --answers --cache-dir c f.csv >/dev/null 2>err2 || fail "the run after: $(cat err2)"

# ---- a first open writes its cache on a thread; q right away: the cache is
# finished or absent, never a temporary file
tm kill-server >/dev/null 2>&1; sock="nettui-tuicache-$$-2"
rm -rf c2 stty.after rc
tm_new -d -s tui -x 100 -y 30 \
  "sh -c 'trap : INT TERM; stty -g > stty.before; exec 2>err; \"$nettui\" --cache-dir c2 f.csv; echo \$? > rc; stty -g > stty.after; echo EXITED; exec sleep 600'"
wait_for "Flag (md5" 60
keys q
n=0; while [ ! -s stty.after ]; do n=$((n + 1)); [ $n -ge 300 ] && fail "q: the program did not end within 30 s"; sleep 0.1; done
[ "$(cat rc)" = 0 ] || fail "q: exit status $(cat rc)"
ls c2 | grep -q '\.tmp\.' && fail "q during the cache write left $(ls c2)"
"$nettui" --summary --cache-dir c2 f.csv > s2 2>err2 || fail "the run after q: $(cat err2)"
[ ! -s err2 ] || fail "the cache after q was not whole: $(cat err2)"
grep -q '^source: cache' s2 || fail "q did not finish the cache write"
exit 0
