#!/bin/sh
# nettui --answers on shapes the detectors were not built on, against
# nettui-gen's key, with no option but the file: sparse beacons that miss
# most beats at periods that divide no hour, with jitter; the CTF's real
# beacon shape (a handful of calls at one minute of random hours, and a
# burst); a dense file-server mesh beside the P2P clique; small files; an
# enterprise network in RFC 1918 space (the internal network inferred);
# and beacon-free traffic, where question 8 must say why it has no answer.
# E2E_SAN=1 (sanitizer build, slow): fewer and smaller files.
name=32-answers-shapes
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
rows=2000000
san=${E2E_SAN:-0}
[ "$san" = 1 ] && rows=300000
fails=0

. "$(dirname "$0")/lib/answers.sh"
check() { check_answers "$@"; }

check "sparse beacons, 6 calls a bot, 25 min, 10 s jitter" --rows $rows --beacon-calls 6 --beacon-period 1500 --beacon-jitter 10
check "sparse beacons, 4 calls a bot, 23 min, 30 s jitter, random hosts and ports" --rows $rows --seed 7 \
  --beacon-calls 4 --beacon-period 1380 --beacon-jitter 30 --hosts random --ports random
check "the CTF's beacons: one minute of random hours, and a burst" --rows $rows --seed 3 --beacon-style fixed-minute
check "small file" --rows 200000 --seed 4 --beacon-calls 8 --beacon-period 4000 --beacon-jitter 20
if [ "$san" = 0 ]; then
  check "a 400-host file-server mesh at p 0.5" --rows $rows --seed 2 --mesh 400:0.5
  check "the CTF's beacons, another seed" --rows $rows --seed 5 --beacon-style fixed-minute --beacon-calls 4 --hosts random
  check "enterprise: 12,000 hosts in 10/8 and 192.168/16, work 13-21" --rows 1000000 --shape enterprise
fi

# beacon-free: question 8 has no answer, and says why on stderr
"$gen" --rows $rows --seed 6 --no-beacons --out "$t/f.csv" --answers "$t/f.key" || { echo "$name: --no-beacons failed"; exit 1; }
"$nettui" --answers --no-cache "$t/f.csv" > "$t/out" 2> "$t/err" || { echo "$name: beacon-free: exit $?"; fails=$((fails+1)); }
if [ "$(sed -n 8p "$t/out")" = "?" ] && grep -q "^nettui: question 8 (botnet-beacons) has no answer: No port has periodic callbacks" "$t/err" \
   && [ "$(sed -n 1,7p "$t/out")" = "$(sed -n 1,7p "$t/f.key")" ]; then
  echo "$name: beacon-free: no botnet, and the reason on stderr"
else
  echo "$name: beacon-free: want '?' for question 8 with a reason on stderr; got:"
  sed 's/^/    /' "$t/out" "$t/err"
  fails=$((fails+1))
fi
[ "$fails" = 0 ]
