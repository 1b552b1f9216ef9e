#!/bin/sh
# The analyst's blacklist choices are kept: b on an answer saves the choice
# at once (by address, in the cache folder: <hash>.blacklist), the next open
# of the same file restores it and says so on the status line, --fresh starts
# clean and forgets the saved choices, --no-cache keeps none.
[ "${E2E_SAN:-0}" = 1 ] && { echo "64-tui-blacklist-kept: skipped under sanitizers"; exit 77; }
command -v tmux >/dev/null 2>&1 || { echo "64-tui-blacklist-kept: no tmux"; exit 77; }
: "${NETTUI:=./nettui}" "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] && [ -x "$NETTUI_GEN" ] || { echo "64-tui-blacklist-kept: no $NETTUI or $NETTUI_GEN"; exit 77; }

. "$(dirname "$0")/../tui/lib.sh"
nettui=$(abs "$NETTUI"); gen=$(abs "$NETTUI_GEN")
n=0; sock="nettui-blkept-$$-0"
t=$(mktemp -d /tmp/nettui-e2e-blkept.XXXXXX) || exit 1
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$t"; }
trap cleanup EXIT INT TERM
cd "$t" || exit 1
fail() {
  echo "64-tui-blacklist-kept: $*"
  echo "---- screen ----"; tm capture-pane -p -t tui 2>/dev/null; echo "----------------"
  [ -s err ] && { echo "---- stderr ----"; cat err; }
  exit 1
}
"$gen" --rows 200000 --seed 6 --out f.csv --answers f.key >/dev/null || fail "nettui-gen failed"
first=$(sed -n 1p f.key)

start() {   # start [OPTIONS]
  tm kill-server >/dev/null 2>&1; n=$((n + 1)); sock="nettui-blkept-$$-$n"
  rm -f rc
  tm_new -d -s tui -x 110 -y 30 "sh -c 'exec 2>err; \"$nettui\" --cache-dir c $* f.csv; echo \$? > rc; exec sleep 600'"
  wait_for "Flag (md5" 60
}
quit() {
  keys q
  i=0; while [ ! -s rc ]; do i=$((i + 1)); [ $i -ge 300 ] && fail "q: the program did not end"; sleep 0.1; done
  [ "$(cat rc)" = 0 ] || fail "exit status $(cat rc)"
}

start
keys b
wait_for "$first is on the blacklist (by you)" 20
bl=$(ls c/*.blacklist 2>/dev/null) || fail "no choices file in c/ after b: $(ls c)"
grep -q "^add $first\$" "$bl" || fail "the choices file lacks 'add $first': $(cat "$bl")"
quit

start
wait_for "Restored 1 blacklist choice" 10
keys 7
wait_for "you added it" 5
screen | grep -F "you added it" | grep -qF "$first" || fail "the restored choice is not $first"
quit

start --fresh
wait_for "Started clean (--fresh)" 10
keys 7
wait_for "Blacklist:" 5
screen | grep -qF "you added it" && fail "--fresh restored a choice"
[ ! -e "$bl" ] || fail "--fresh left the choices file"
quit

start --no-cache
keys b
wait_for "$first is on the blacklist (by you)" 20
quit
[ ! -e "$bl" ] || fail "--no-cache saved the choices"
exit 0
