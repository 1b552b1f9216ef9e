#!/bin/sh
# nettui-gen's shapes, each checked with awk against its definition: sparse
# and fixed-minute beacons, --no-beacons, the enterprise network (RFC 1918
# internal and public external addresses, their counts, the preset), the
# --mesh decoy, small files; determinism per seed; the default file still
# carries the CTF flag. Prints a line per check. Smaller files when E2E_SAN=1.
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "12-gen-shapes: no $gen (make nettui-gen)"; exit 1; }
t=$(mktemp -d) || exit 1
trap 'rm -rf "$t"' EXIT
fail() { echo "12-gen-shapes: FAIL: $*"; exit 1; }
ok() { echo "12-gen-shapes: ok: $*"; }
flag=ec766132cac80b821793fb9e7fdfd763
if [ "${E2E_SAN:-0}" = 1 ]; then rows=100000; erows=100000; else rows=300000; erows=400000; fi

# the flag line is the md5 of the ten answers as written
flag_ok() {
    joined=$(head -n 10 "$1" | paste -sd:)
    grep -qx "flag: $(printf %s "$joined" | md5sum | cut -d' ' -f1)" "$1"
}
# beacon calls: rows on port $2 of 1337 bytes, per (source, destination)
# pair called at least 3 times, to a destination that 20 such pairs call
# (background pairs on that port rarely repeat): "src dst calls"
beacon_pairs() {
    awk -F, -v port="$2" '$4 == port && $5 == 1337 { n[$2 " " $3]++ }
        END { for (k in n) if (n[k] >= 3) { split(k, a, " "); srcs[a[2]]++ }
              for (k in n) { split(k, a, " "); if (n[k] >= 3 && srcs[a[2]] >= 20) print k, n[k] } }' "$1"
}

# ---- the default file is as it was ------------------------------------------
"$gen" --rows 100000 --seed 5 --out "$t/d.csv" --answers "$t/d.key" || fail "default run"
grep -qx "flag: $flag" "$t/d.key" || fail "default key lost the CTF flag"
ok "default file: CTF flag"

# ---- sparse periodic beacons ------------------------------------------------
"$gen" --rows $rows --seed 3 --beacon-period 1380 --beacon-jitter 20 --beacon-calls 7 \
    --out "$t/p.csv" --answers "$t/p.key" || fail "sparse beacons run"
"$gen" --rows $rows --seed 3 --beacon-period 1380 --beacon-jitter 20 --beacon-calls 7 \
    --out "$t/p2.csv" || fail "sparse beacons run 2"
"$gen" --rows $rows --seed 4 --beacon-period 1380 --beacon-jitter 20 --beacon-calls 7 \
    --out "$t/p3.csv" || fail "sparse beacons run 3"
cmp -s "$t/p.csv" "$t/p2.csv" || fail "sparse beacons: same seed, different files"
cmp -s "$t/p.csv" "$t/p3.csv" && fail "sparse beacons: different seeds, same file"
ok "sparse beacons: deterministic per seed"
port=$(sed -n 8p "$t/p.key")
beacon_pairs "$t/p.csv" "$port" > "$t/pairs"
awk '{ pairs++; if ($3 != 7) bad++; d[$2] = 1 } END { for (k in d) nd++
      if (pairs != 48 || bad || nd != 2) { print "pairs", pairs, "not 7 calls", bad, "servers", nd; exit 1 } }' \
    "$t/pairs" || fail "sparse beacons: not 24 bots x 2 servers x 7 calls"
ok "sparse beacons: 48 pairs of exactly 7 calls"
# each pair keeps its own phase: its calls are on beats of 1380 s, +-20 s,
# spread over the file (not on consecutive beats), and the phases differ
awk -F, -v port="$port" 'FNR == NR { split($0, a, " "); pair[a[1] " " a[2]] = 1; next }
    $4 == port && $5 == 1337 && (($2 " " $3) in pair) { k = $2 " " $3
        if (!(k in first)) first[k] = $1
        d = ($1 - first[k]) % 1380000; if (d > 690000) d -= 1380000; if (d < -690000) d += 1380000
        if (d > 40000 || d < -40000) off++
        last[k] = $1; phase[int((first[k] % 1380000) / 60000)] = 1 }
    END { for (k in first) if (last[k] - first[k] > 40 * 3600000) wide++
          for (p in phase) np++
          if (off || wide < 40 || np < 10) { print "off beat", off, "wide", wide, "phases", np; exit 1 } }' \
    "$t/pairs" "$t/p.csv" || fail "sparse beacons: calls off their beats, bunched, or sharing a phase"
ok "sparse beacons: on each pair's own beats of 1380 s, spread over the file"

# ---- fixed-minute beacons ---------------------------------------------------
"$gen" --rows $rows --seed 8 --beacon-style fixed-minute --beacon-calls 5 \
    --out "$t/f.csv" --answers "$t/f.key" || fail "fixed-minute run"
port=$(sed -n 8p "$t/f.key")
beacon_pairs "$t/f.csv" "$port" > "$t/pairs"
awk '{ pairs++; if ($3 == 5) five++; else if ($3 >= 8 && $3 <= 10) burst++; else bad++ }
     END { if (pairs != 48 || bad || five < 46 || burst < 1) { print pairs, five, burst, bad; exit 1 } }' \
    "$t/pairs" || fail "fixed-minute: not 5 calls a pair plus one burst a server"
ok "fixed-minute: 48 pairs of 5 calls, bursts on top"
awk -F, -v port="$port" 'FNR == NR { split($0, a, " "); srcs[a[2] " " a[1]] = 1; n[a[1] " " a[2]] = a[3]; next }
    $4 == port && $5 == 1337 && (($3 " " $2) in srcs) { k = $2 " " $3
        calls[$3]++; m[$3 " " int($1 / 60000) % 60]++
        if (n[k] == 5) { h = int($1 / 3600000) % 24; if (seen[k " " h]++) samehour++
                         if (!day[k " " int(($1 - 1578326400000) / 86400000)]++) days[k]++ } }
    END { for (x in m) { split(x, a, " "); if (m[x] > top[a[1]]) top[a[1]] = m[x] }
          for (d in calls) if (calls[d] - top[d] > 5) spread++
          for (k in days) if (days[k] < 5) fewdays++
          if (spread || samehour || fewdays) { print "spread", spread, "same hour", samehour, "few days", fewdays; exit 1 } }' \
    "$t/pairs" "$t/f.csv" || fail "fixed-minute: calls not on one minute of the hour, or not in different hours and days"
ok "fixed-minute: each server's calls on one minute of the hour (bursts aside), different hours, five days"

# ---- no beacons -------------------------------------------------------------
"$gen" --rows $rows --seed 8 --beacon-style fixed-minute --no-beacons \
    --out "$t/n.csv" --answers "$t/n.key" || fail "no-beacons run"
[ "$(sed -n 8p "$t/n.key")" = none ] || fail "--no-beacons: key line 8 is not 'none'"
flag_ok "$t/n.key" || fail "--no-beacons: flag is not md5 of the answers"
head -n 7 "$t/n.key" > "$t/n7"; head -n 7 "$t/f.key" > "$t/f7"
cmp -s "$t/n7" "$t/f7" || fail "--no-beacons changed other answers"
[ "$(sed -n 9,10p "$t/n.key")" = "$(sed -n 9,10p "$t/f.key")" ] || fail "--no-beacons changed other answers"
[ -z "$(beacon_pairs "$t/n.csv" "$port")" ] || fail "--no-beacons: beacon calls left in the file"
ok "--no-beacons: key line 8 'none', other answers kept, no beacons"

# ---- enterprise network -----------------------------------------------------
"$gen" --rows $erows --seed 2 --net rfc1918 --internal-hosts 3000 --external-hosts 2000 \
    --out "$t/e.csv" --answers "$t/e.key" || fail "rfc1918 run"
"$gen" --rows $erows --seed 2 --net rfc1918 --internal-hosts 3000 --external-hosts 2000 \
    --out "$t/e2.csv" || fail "rfc1918 run 2"
cmp -s "$t/e.csv" "$t/e2.csv" || fail "rfc1918: same seed, different files"
awk -F, 'function priv(a) { return a ~ /^10\./ || a ~ /^192\.168\./ || a ~ /^172\.(1[6-9]|2[0-9]|3[01])\./ }
    function bad(a,  o) { split(a, o, "."); return o[1] == 0 || o[1] == 10 || o[1] == 127 || o[1] >= 224 ||
                          (o[1] == 172 && o[2] >= 16 && o[2] <= 31) || (o[1] == 192 && o[2] == 168) }
    { for (i = 2; i <= 3; i++) if (priv($i)) { if ($i ~ /^172\./) p172++; in_[$i] = 1 } else { if (bad($i)) b++; ex[$i] = 1 } }
    END { for (k in in_) ni++; for (k in ex) ne++
          if (ni != 3000 || ne != 2175 || b || p172) { print "internal", ni, "external", ne, "bad", b, "172", p172; exit 1 } }' \
    "$t/e.csv" || fail "rfc1918: not 3000 private internal and 2000+175 public external addresses"
ok "rfc1918: 3000 internal in 10/8 and 192.168/16, 2000 (+175 planted) public external"
# favourites: the brute force still reaches every other internal host, and
# (host, external) pairs repeat
brute=$(sed -n 9p "$t/e.key")
awk -F, -v b="$brute" '$2 == b && ($3 ~ /^10\./ || $3 ~ /^192\.168\./) { d[$3] = 1 }
    $2 ~ /^(10\.|192\.168\.)/ && !($3 ~ /^(10\.|192\.168\.)/) { if (++p[$2 " " $3] == 6) rep++ }
    END { for (k in d) n++; if (n != 2999 || rep < 100) { print "brute reaches", n, "repeating pairs", rep; exit 1 } }' \
    "$t/e.csv" || fail "rfc1918: brute force misses hosts, or no favourite externals"
ok "rfc1918: the brute force reaches all 2999 others; favourite pairs repeat"
"$gen" --rows $rows --net rfc1918-172 --out "$t/e3.csv" || fail "rfc1918-172 run"
awk -F, '$2 ~ /^172\.(1[6-9]|2[0-9]|3[01])\./ { n++ } END { exit !(n > 1000) }' "$t/e3.csv" \
    || fail "rfc1918-172: no 172.16/12 internal hosts"
ok "rfc1918-172: 172.16/12 internal hosts"
"$gen" --shape enterprise --rows $erows --external-hosts 4000 --out "$t/x.csv" --answers "$t/x.key" || fail "enterprise run"
awk -F, -v brute="$(sed -n 9p "$t/x.key")" '{ for (i = 2; i <= 3; i++) if ($i ~ /^(10\.|192\.168\.)/) in_[$i] = 1; else ex[$i] = 1 }
    $2 != brute { h = int($1 / 3600000) % 24; if (h >= 13 && h < 21) work++; else off++ }
    END { for (k in in_) ni++; for (k in ex) ne++
          if (ni != 12000 || ne != 4175 || work < 4 * off) { print ni, ne, work, off; exit 1 } }' "$t/x.csv" \
    || fail "--shape enterprise: not 12000 internal, the overriding 4000 external, work hours 13-21"
flag_ok "$t/x.key" || fail "--shape enterprise: flag"
grep -qx "flag: $flag" "$t/x.key" && fail "--shape enterprise: CTF roles"
beacon_pairs "$t/x.csv" "$(sed -n 8p "$t/x.key")" | awk '{ if ($3 == 8) n++ } END { exit n != 48 }' \
    || fail "--shape enterprise: not 48 beacon pairs of 8 calls"
ok "--shape enterprise: 12000 internal, 4000 external (overridden), work 13-21, 8 beacon calls"

# ---- mesh decoy -------------------------------------------------------------
"$gen" --rows $rows --seed 3 --beacon-period 1380 --beacon-jitter 20 --beacon-calls 7 --mesh 60:0.3:4445 \
    --out "$t/m.csv" --answers "$t/m.key" || fail "mesh run"
cmp -s "$t/m.key" "$t/p.key" || fail "--mesh changed the key"
awk -F, '$4 == 4445 { if (!($2 ~ /^1[234]\./ && $3 ~ /^1[234]\./)) ext++
        e[$2 < $3 ? $2 " " $3 : $3 " " $2] = 1; d[$2 " " $3] = 1; h[$2] = 1; h[$3] = 1 }
    END { for (k in e) ne++; for (k in d) nd++; for (k in h) nh++
          dens = nh > 1 ? ne / (nh * (nh - 1) / 2) : 0
          if (ext || nh != 60 || nd != 2 * ne || dens < 0.25 || dens > 0.35) { print "hosts", nh, "edges", ne, "directed", nd, "density", dens; exit 1 } }' \
    "$t/m.csv" || fail "--mesh: not 60 internal hosts at density 0.3 on port 4445, both ways"
ok "--mesh: 60 hosts, density near 0.3, both directions, one port, key unchanged"
"$gen" --rows 200000 --mesh 400:0.5 --out "$t/o" 2> "$t/err"; rc=$?
[ $rc -eq 2 ] && grep -q clique "$t/err" || fail "--mesh too dense for the P2P clique was not refused (exit $rc)"
ok "--mesh: a mesh that could rival the P2P clique is refused"

# ---- small files ------------------------------------------------------------
"$gen" --rows 50000 --out "$t/s.csv" --answers "$t/s.key" || fail "50000-row run"
grep -qx "flag: $flag" "$t/s.key" || fail "50000 rows: not the CTF flag"
[ "$(wc -l < "$t/s.csv")" -eq 50000 ] || fail "50000 rows: line count"
nightly=$(sed -n 2p "$t/s.key")
awk -F, -v h="$nightly" '$2 == h { c[$3]++; t[$3] = t[$3] " " $1 }
    END { for (d in c) if (c[d] >= 10) { peers++; n = split(t[d], ts, " ")
              for (i = 1; i <= n; i++) { hour[int(ts[i] / 3600000) % 24] = 1; night[int((ts[i] - 1578326400000) / 86400000)] = 1 } }
          for (x in hour) nh++; for (x in night) nn++
          if (peers < 1 || peers > 2 || nh != 1 || nn != 5) { print "peers", peers, "hours", nh, "nights", nn; exit 1 } }' \
    "$t/s.csv" || fail "50000 rows: the nightly job is not one hour on five nights to one or two peers"
ok "50000 rows: CTF flag, the nightly job one hour a night, five nights"
exit 0
