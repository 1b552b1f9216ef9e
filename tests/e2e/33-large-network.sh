#!/bin/sh
# An enterprise-sized network: 20,000 internal hosts in 10.0.0.0/8 (far
# more than a dense host x host matrix could hold), outside hosts in public
# space, internal traffic between random pairs, and one planted host that
# reaches every other internal host. With --internal 10.0.0.0/8 every
# question must be rated (no "Not rated" in --json), the planted host must
# be question 9's answer, and a warm open from the facts cache must answer
# the same. E2E_SAN=1 (sanitizer build, slow): a smaller network.
name=33-large-network
nettui=${NETTUI:-./nettui}
[ -x "$nettui" ] || { echo "$name: no $nettui (make)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
rows=300000; nint=20000; next=20000
if [ "${E2E_SAN:-0}" = 1 ]; then rows=60000; nint=6000; next=5000; fi
fails=0

# 40% outbound, 30% inbound, 30% internal between random pairs; host 0
# (10.0.0.1) reaches every other internal host on port 445. Timestamps are
# printed as "1578" and nine digits: mawk prints large numbers as %g.
awk -v rows=$rows -v nint=$nint -v next_=$next -v seed=7 '
function ip_in(k) { k++; return "10." int(k / 65536) "." (int(k / 256) % 256) "." (k % 256) }
function ip_ex(k) { k++; return "44." (int(k / 65536) % 256) "." (int(k / 256) % 256) "." (k % 256) }
BEGIN {
    srand(seed); span = 3 * 86400000
    step = int(rows / nint); if (step < 1) step = 1
    j = 0
    for (i = 0; i < rows; i++) {
        ts = sprintf("1578%09d", 326400000 + int(i * (span / rows)))
        if (i % step == 0 && j < nint - 1) { j++; print ts "," ip_in(0) "," ip_in(j) ",445," 60 + int(rand() * 40); continue }
        r = rand()
        a = 1 + int(rand() * (nint - 1))
        if (r < 0.4) print ts "," ip_in(a) "," ip_ex(int(rand() * next_)) "," 80 + int(rand() * 50) "," 200 + int(rand() * 5000)
        else if (r < 0.7) print ts "," ip_ex(int(rand() * next_)) "," ip_in(a) "," 1000 + int(rand() * 1000) "," 100 + int(rand() * 1000)
        else print ts "," ip_in(a) "," ip_in(1 + int(rand() * (nint - 1))) "," 20 + int(rand() * 20) "," 100 + int(rand() * 2000)
    }
}' > "$t/f.csv" || { echo "$name: awk failed"; exit 1; }

if ! "$nettui" --json --no-cache --internal 10.0.0.0/8 "$t/f.csv" > "$t/json" 2> "$t/err"; then
    echo "$name: nettui --json failed: $(head -c 300 "$t/err")"; exit 1
fi
if grep -q "Not rated" "$t/json"; then
    echo "$name: questions not rated on $nint internal hosts:"; grep "Not rated" "$t/json" | sed 's/^/    /'
    fails=$((fails+1))
else
    echo "$name: all ten questions rated on $nint internal hosts"
fi
if ! "$nettui" --answers --no-cache --internal 10.0.0.0/8 "$t/f.csv" > "$t/cold" 2> "$t/err"; then
    echo "$name: nettui --answers failed: $(head -c 300 "$t/err")"; exit 1
fi
q9=$(sed -n 9p "$t/cold")
if [ "$q9" = 10.0.0.1 ]; then echo "$name: question 9 is the planted host"
else echo "$name: question 9 is '$q9', not the planted 10.0.0.1"; fails=$((fails+1)); fi

# the facts cache: written on the first open, read on the second
mkdir "$t/cache"
for run in write read; do
    if ! "$nettui" --answers --cache-dir "$t/cache" --internal 10.0.0.0/8 "$t/f.csv" > "$t/$run" 2> "$t/err"; then
        echo "$name: nettui --answers (cache $run) failed: $(head -c 300 "$t/err")"; exit 1
    fi
done
ls "$t/cache"/*.facts > /dev/null 2>&1 || { echo "$name: no facts cache written"; fails=$((fails+1)); }
if cmp -s "$t/cold" "$t/write" && cmp -s "$t/cold" "$t/read"; then echo "$name: the facts cache answers the same"
else echo "$name: answers differ through the facts cache"; fails=$((fails+1)); fi
[ $fails = 0 ] || { echo "$name: $fails check(s) failed"; exit 1; }
exit 0
