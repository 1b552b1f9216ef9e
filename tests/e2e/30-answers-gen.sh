#!/bin/sh
# nettui --answers against nettui-gen's key: the CTF-shaped default file
# must give the CTF flag, and files with random hosts and ports (five seeds
# at least), shifted work hours (given to the generator only: nettui must
# find them), a 13-minute jittered beacon, a header with CR LF line ends
# and malformed lines must all give the key's ten answers and flag.
# E2E_SAN=1 (sanitizer build, slow): fewer and smaller files.
name=30-answers-gen
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
flag=ec766132cac80b821793fb9e7fdfd763
rows=2000000
seeds="1 2 3 4 5"
if [ "${E2E_SAN:-0}" = 1 ]; then rows=300000; seeds="1"; fi
fails=0

. "$(dirname "$0")/lib/answers.sh"
check() { label=$1; shift; check_answers "$label" --rows $rows "$@"; }

check "default (CTF shape)"
grep -qx "flag: $flag" "$t/out" || { echo "$name: the default file does not give the CTF flag"; fails=$((fails+1)); }
for s in $seeds; do
  check "seed $s, random hosts and ports" --seed $s --hosts random --ports random
done
check "work hours 2-10 (found from the data)" --work-hours 2-10 --seed 7
check "beacons every 780 s, jitter 20 s" --beacon-period 780 --beacon-jitter 20 --seed 8 --hosts random --ports random
check "header and CR LF" --header --crlf --seed 9
check "1% malformed lines" --bad-lines 0.01 --seed 10 --hosts random --ports random
if [ "${E2E_SAN:-0}" != 1 ]; then
  check "work hours 22-6, beacons every 1380 s, jitter 40 s" --work-hours 22-6 --beacon-period 1380 --beacon-jitter 40 --seed 11 --hosts random --ports random
fi
[ $fails = 0 ] || { echo "$name: $fails check(s) failed"; exit 1; }
exit 0
