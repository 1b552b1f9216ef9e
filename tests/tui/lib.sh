# tests/tui/lib.sh: helpers shared by the tests that drive the explorer in
# tmux. Source it before changing folder; the caller sets `sock` (a private
# tmux socket name) and defines fail MESSAGE.
abs() { (cd "$(dirname "$1")" && printf '%s/%s\n' "$(pwd)" "$(basename "$1")"); }
tm() { tmux -L "$sock" -f /dev/null "$@"; }
# tm_new ARGS: tm new-session ARGS, tried up to three times: on a loaded
# machine tmux's first start now and then says "server exited unexpectedly"
# (seen about 1 run in 5 of 64-tui-blacklist-kept, on any commit); that is
# the harness, not the program under test.
tm_new() {
  i=0
  until tm new-session "$@"; do
    i=$((i + 1)); [ $i -ge 3 ] && return 1
    tm kill-server >/dev/null 2>&1; sleep 0.5
  done
}
screen() { tm capture-pane -p -t tui; }
keys() { tm send-keys -t tui "$@"; }
# wait_for TEXT [SECONDS]: polls the screen until TEXT (fixed string) shows.
wait_for() {
  n=0; lim=$(( ${2:-30} * 10 ))
  while ! screen 2>/dev/null | grep -qF -- "$1"; do
    n=$((n + 1)); [ $n -ge $lim ] && fail "timed out waiting for '$1'"
    sleep 0.1
  done
}
# wait_gone TEXT [SECONDS]: polls the screen until TEXT is no longer there.
wait_gone() {
  n=0; lim=$(( ${2:-30} * 10 ))
  while screen 2>/dev/null | grep -qF -- "$1"; do
    n=$((n + 1)); [ $n -ge $lim ] && fail "timed out waiting for '$1' to go"
    sleep 0.1
  done
}
