#!/bin/sh
# Captures every pane of the explorer as text from tmux (120x40) on a
# generated file, and prints them as the README's "Panes" section body.
# usage: tests/tui/capture-panes.sh [ROWS] > panes.md   (from the repo root)
rows=${1:-2000000}
nettui=$(pwd)/nettui; gen=$(pwd)/nettui-gen
[ -x "$nettui" ] && [ -x "$gen" ] || { echo "build first: make" >&2; exit 1; }
sock="nettui-capture-$$"
t=$(mktemp -d) || exit 1
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server >/dev/null 2>&1; rm -rf "$t"' EXIT INT TERM
cd "$t" || exit 1
"$gen" --rows "$rows" --seed 1 --out network_data.csv --answers key >/dev/null || exit 1
tm new-session -d -s cap -x 120 -y 40 "LC_ALL=C.UTF-8 '$nettui' --no-cache network_data.csv; exec sleep 600"
wait_for() {
  n=0
  while ! tm capture-pane -p -t cap | grep -qF -- "$1"; do
    n=$((n + 1)); [ $n -ge 600 ] && { echo "timed out waiting for '$1'" >&2; exit 1; }
    sleep 0.1
  done
}
shot() {   # KEYS TEXT-TO-WAIT-FOR TITLE
  [ -n "$1" ] && tm send-keys -t cap $1
  wait_for "$2"
  sleep 0.3
  printf '\n### %s\n\n```\n' "$3"
  tm capture-pane -p -t cap | sed 's/[[:space:]]*$//'
  printf '```\n'
}
shot "" "Flag (md5" "1 Detectors (the first screen)"
shot "2" "Top talkers" "2 Top talkers"
shot "3" "Hourly activity" "3 Hourly activity"
shot "4" "Ports 1" "4 Ports"
shot "5" "Internal graph of port" "5 Graph: the P2P port as an adjacency matrix"
shot "v" "Controller star" "5 Graph: the controller star (v)"
shot "v" "Time between calls" "5 Graph: the beacons (v again)"
shot "1 Enter" "Named by" "6 Host (Enter on the first answer)"
shot "7" "Blacklist:" "7 Blacklist"
shot "1 g j j j j j j f" "Flows: question 7" "The Flows view (f on question 7)"
shot "Escape ?" "nettui keys" "The help screen (?)"
