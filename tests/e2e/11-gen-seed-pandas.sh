#!/bin/sh
# The seed notebook's own methods (in pandas, ../shared/peers/seed_pandas.py)
# must find the CTF flag in a default 2,000,000-row file. Skips (77) without
# Debian's python3-pandas and python3-networkx, without the script, and in
# sanitizer runs. Takes one to two minutes.
[ "${E2E_SAN:-0}" = 1 ] && exit 77
gen=${NETTUI_GEN:-./nettui-gen}
root=$(cd "$(dirname "$0")/../.." && pwd)
seed="$root/../shared/peers/seed_pandas.py"
[ -f "$seed" ] || { echo "11-gen-seed-pandas: no $seed"; exit 77; }
/usr/bin/python3 -c 'import pandas, networkx' 2>/dev/null || { echo "11-gen-seed-pandas: no pandas/networkx"; exit 77; }
[ -x "$gen" ] || { echo "11-gen-seed-pandas: no $gen"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
"$gen" --rows 2000000 --out "$t/flows.csv" --answers "$t/key" || exit 1
/usr/bin/python3 "$seed" "$t/flows.csv" > "$t/out" 2> "$t/err"
if ! grep -qx 'md5 ec766132cac80b821793fb9e7fdfd763' "$t/out"; then
    echo "11-gen-seed-pandas: the seed's methods did not find the flag; they said:"
    cat "$t/out" "$t/err"
    echo "expected:"; cat "$t/key"
    exit 1
fi
exit 0
