#!/bin/sh
# Hostile input and output around the caches, batch mode: the cache cut
# short while runs map it (no signal death, right answers or exit 1), a
# kill during the cache write (no temporary file after the next open), a
# flow file cut short while it loads (exit 1, or the right answers; never
# exit 0 with fewer rows), a first line in another time unit, an unreadable
# flow file beside a valid cache (one sentence, exit 3, the cache kept).
# A corrupt time column under a valid facts cache (a warm open does not check
# the columns): the sentences print "?" for the time, no crash.
# CASES=truncate,kill,unit,unreadable,loadcut,corruptts picks some (default: all).
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] || { echo "62-hostile-io: no $NETTUI" >&2; exit 77; }
[ -x "$NETTUI_GEN" ] || { echo "62-hostile-io: no $NETTUI_GEN" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-io.XXXXXX) || exit 1
CUTTER=
trap '[ -n "$CUTTER" ] && kill "$CUTTER" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "62-hostile-io: $*" >&2; exit 1; }
SAN=${E2E_SAN:-0}
CASES=${CASES:-truncate,kill,unit,unreadable,loadcut,corruptts}
want() { case ",$CASES," in *",$1,"*) return 0;; esac; return 1; }
field() { sed -n "s/^$1: //p" "$2"; }

ROWS=1000000; RUNS=50
[ "$SAN" = 1 ] && { ROWS=200000; RUNS=10; }
F="$T/flows.csv"
"$NETTUI_GEN" --rows "$ROWS" --seed 11 --out "$F" >/dev/null 2>&1 || fail "nettui-gen failed"
"$NETTUI" --answers --no-cache "$F" >"$T/ref.answers" 2>"$T/err" || fail "reference --answers failed: $(cat "$T/err")"
"$NETTUI" --summary --no-cache "$F" >"$T/ref.summary" 2>"$T/err" || fail "reference --summary failed: $(cat "$T/err")"
ROWS_REF=$(field rows "$T/ref.summary")

# ---- 1. the .ntc cut short and restored while warm runs map it ------------
if want truncate; then
  C="$T/c1"
  "$NETTUI" --summary --cache-dir "$C" "$F" >/dev/null 2>&1 || fail "cold run failed"
  CF=$(ls "$C"/*.ntc) || fail "no cache made"
  cp "$CF" "$T/ntc.saved"
  size=$(wc -c < "$CF")
  # the cutter: in place (same inode, as a mapping sees it), to half and to
  # zero, then back; a rebuilt cache (another inode) is cut the same way
  ( i=0
    while :; do
      i=$((i + 1))
      if [ $((i % 2)) = 0 ]; then truncate -s 0 "$CF" 2>/dev/null; else truncate -s $((size / 2)) "$CF" 2>/dev/null; fi
      sleep 0.03
      cat "$T/ntc.saved" > "$CF" 2>/dev/null
      sleep 0.05
    done ) &
  CUTTER=$!
  deaths=0; exit1=0; ok=0; n=0; again=0
  start=$(date +%s)
  while [ $n -lt "$RUNS" ]; do
    n=$((n + 1))
    case $((n % 3)) in
      0) mode=--summary ;;
      1) mode=--answers ;;
      2) mode=--answers; rm -f "$CF.facts" ;;   # the facts rebuilt: the engine reads every column
    esac
    "$NETTUI" $mode --cache-dir "$C" "$F" >"$T/out" 2>"$T/err"; rc=$?
    if [ "$rc" -ge 128 ]; then deaths=$((deaths + 1)); echo "62-hostile-io: run $n ($mode) died on signal $((rc - 128)): $(head -c 200 "$T/err")" >&2; continue; fi
    if [ "$rc" = 1 ]; then
      exit1=$((exit1 + 1))
      [ "$(wc -l < "$T/err")" -ge 1 ] && [ ! -s "$T/out" ] || fail "run $n: exit 1 without one sentence or with output: $(cat "$T/err")"
      continue
    fi
    [ "$rc" = 0 ] || fail "run $n ($mode): exit $rc: $(cat "$T/err")"
    ok=$((ok + 1))
    grep -q 'cut short while nettui read it' "$T/err" && again=$((again + 1))
    if [ "$mode" = --summary ]; then
      [ "$(field rows "$T/out")" = "$ROWS_REF" ] || fail "run $n: --summary rows $(field rows "$T/out"), want $ROWS_REF"
    else
      cmp -s "$T/out" "$T/ref.answers" || fail "run $n: --answers differ: $(diff "$T/out" "$T/ref.answers" | head -5)"
    fi
  done
  kill "$CUTTER" 2>/dev/null; wait "$CUTTER" 2>/dev/null; CUTTER=
  echo "62-hostile-io: truncation loop: $n runs in $(( $(date +%s) - start )) s: $ok right ($again of them read the file again after a fault), $exit1 exit 1, $deaths signal deaths" >&2
  [ "$deaths" = 0 ] || fail "$deaths of $n runs died on a signal"
fi

# ---- 3. killed while the cache is written: nothing left behind -------------
# SIGTERM, SIGHUP, SIGINT: the temporary file goes at once; SIGKILL: the next
# open removes it once it is an hour old and its writer is dead
if want kill; then
  for sig in TERM HUP INT KILL; do
    C="$T/c3"; rm -rf "$C"; mkdir -p "$C"
    "$NETTUI" --summary --cache-dir "$C" "$F" >/dev/null 2>&1 &
    pid=$!
    n=0
    while ! ls "$C" | grep -q '\.tmp\.'; do
      n=$((n + 1)); [ $n -ge 20000 ] && break
      kill -0 $pid 2>/dev/null || break
    done
    kill -$sig $pid 2>/dev/null
    wait $pid 2>/dev/null
    if [ $sig = KILL ]; then
      ls "$C" | grep -q '\.tmp\.' || { echo "62-hostile-io: SIGKILL missed the cache write" >&2; continue; }
      for f in "$C"/*.tmp.*; do touch -d '2 hours ago' "$f"; done
      "$NETTUI" --summary --cache-dir "$C" "$F" >/dev/null 2>"$T/err" || fail "the open after SIGKILL failed: $(cat "$T/err")"
    fi
    left=$(ls "$C" | grep '\.tmp\.')
    [ -z "$left" ] || fail "SIG$sig during the cache write left $left"
  done
fi

# ---- 4. the time unit decided by most lines, not the first -----------------
# and a batch run says so on stderr when more than 1% of lines are bad
if want unit; then
  U="$T/unit.csv"   # (awk's %d stops at 2^31-1 in mawk: %.0f for milliseconds)
  { echo "0,12.0.0.1,13.0.0.2,80,100"
    awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%.0f,12.0.%d.%d,15.1.0.%d,443,%d\n", 1578326400000 + i * 1000, i % 200, i % 7, i % 50, 100 + i }'
  } > "$U"
  "$NETTUI" --summary --no-cache "$U" >"$T/out" 2>"$T/err" || fail "unit: exit $?: $(cat "$T/err")"
  [ "$(field timestamps "$T/out")" = milliseconds ] && [ "$(field bad_timestamp "$T/out")" = 0 ] && [ "$(field rows "$T/out")" = 3001 ] ||
    fail "a first line of 0 decided the unit: $(field timestamps "$T/out"), bad_timestamp $(field bad_timestamp "$T/out"), rows $(field rows "$T/out")"
  [ ! -s "$T/err" ] || fail "unit: stderr: $(cat "$T/err")"
  { echo "1578326400000,12.0.0.1,13.0.0.2,80,100"
    awk 'BEGIN { for (i = 0; i < 3000; i++) printf "%d,12.0.%d.%d,15.1.0.%d,443,%d\n", 1578326400 + i, i % 200, i % 7, i % 50, 100 + i }'
  } > "$U"
  "$NETTUI" --summary --no-cache "$U" >"$T/out" 2>"$T/err" || fail "unit: exit $?: $(cat "$T/err")"
  [ "$(field timestamps "$T/out")" = seconds ] && [ "$(field rows "$T/out")" = 3000 ] ||
    fail "a first line in ms decided the unit of a file in seconds: $(field timestamps "$T/out"), rows $(field rows "$T/out")"
  # 1 bad line in 3001 (0.03%): no stderr line; 40% bad timestamps: one
  [ ! -s "$T/err" ] || fail "one bad line in 3001 printed: $(cat "$T/err")"
  awk 'BEGIN { for (i = 0; i < 1000; i++) printf "%s,12.0.%d.%d,15.1.0.%d,443,%d\n", (i % 5 < 2) ? "x" : sprintf("%.0f", 1578326400000 + i), i % 200, i % 7, i % 50, 100 + i }' > "$U"
  for mode in --summary --answers; do
    "$NETTUI" $mode --no-cache "$U" >"$T/out" 2>"$T/err"
    [ "$(grep -vc '^nettui: question [0-9]* ([a-z0-9-]*) has no answer: ' "$T/err")" = 1 ] && grep -q '^nettui: 40.0% of lines were skipped as bad (timestamp: 40.0%)' "$T/err" ||
      fail "$mode with 40% bad lines: stderr: $(cat "$T/err")"
  done
fi

# ---- 5. an unreadable flow file beside its valid cache ------------------------
# one sentence, exit 3, and both caches kept (they are not wrong). Root reads
# anything: as root the case runs as nobody (setpriv), else it is left out.
if want unreadable; then
  as=
  if [ "$(id -u)" = 0 ]; then
    command -v setpriv >/dev/null 2>&1 && as="setpriv --reuid=65534 --regid=65534 --clear-groups"
  fi
  if [ "$(id -u)" != 0 ] || [ -n "$as" ]; then
    D="$T/u5"; mkdir -p "$D"; chmod 777 "$T" "$D"
    cp "$F" "$D/f.csv"; chmod 644 "$D/f.csv"
    nb=$(cd "$D" && ls -d "$(pwd)")
    $as "$NETTUI" --answers --cache-dir "$nb/c" "$nb/f.csv" >/dev/null 2>"$T/err" || fail "unreadable: the first run failed: $(cat "$T/err")"
    before=$(ls "$D/c")
    [ -n "$before" ] || fail "unreadable: no cache made"
    chmod 000 "$D/f.csv" 2>/dev/null || chmod 000 "$D/f.csv"
    $as "$NETTUI" --answers --cache-dir "$nb/c" "$nb/f.csv" >"$T/out" 2>"$T/err"; rc=$?
    [ "$rc" = 3 ] || fail "unreadable: exit $rc, want 3: $(cat "$T/err")"
    [ "$(wc -l < "$T/err")" = 1 ] || fail "unreadable: want one sentence, got: $(cat "$T/err")"
    [ "$(ls "$D/c")" = "$before" ] || fail "unreadable: the caches changed: $before -> $(ls "$D/c")"
    chmod 644 "$D/f.csv"
    $as "$NETTUI" --summary --cache-dir "$nb/c" "$nb/f.csv" >"$T/out" 2>"$T/err" || fail "unreadable: the run after: $(cat "$T/err")"
    [ "$(field source "$T/out")" = cache ] || fail "unreadable: the cache was not used once the file was readable again"
  else
    echo "62-hostile-io: unreadable: left out (root without setpriv)" >&2
  fi
fi

# ---- 6. a corrupt time column under a valid facts cache ----------------------
# every timestamp -1 (0xff bytes); the header's section table gives the ts
# column's place (sec[SEC_TS] at byte 1072 of the header: offset, length)
if want corruptts; then
  C="$T/c6"
  "$NETTUI" --json --cache-dir "$C" "$F" >/dev/null 2>"$T/err" || fail "corrupt ts: the first run: $(cat "$T/err")"
  CF=$(ls "$C"/*.ntc)
  set -- $(od -A n -t d8 -j 1072 -N 16 "$CF")
  [ "$2" = $((ROWS_REF * 8)) ] || fail "corrupt ts: the section table moved (ts length $2, want $((ROWS_REF * 8)))"
  head -c "$2" /dev/zero | tr '\0' '\377' > "$T/ff"
  dd if="$T/ff" of="$CF" bs=4096 seek=$(($1 / 4096)) conv=notrunc 2>/dev/null || fail "corrupt ts: dd failed"
  "$NETTUI" --json --cache-dir "$C" "$F" >"$T/out" 2>"$T/err"; rc=$?
  [ "$rc" -lt 128 ] || fail "corrupt ts: died on signal $((rc - 128))"
  [ "$rc" = 0 ] || [ "$rc" = 1 ] || fail "corrupt ts: exit $rc: $(cat "$T/err")"
  grep -q '1969-12-31' "$T/out" && fail "corrupt ts: a time of -1 ms printed as 1969: $(grep -o '"why": "[^"]*1969[^"]*"' "$T/out")"
fi

# ---- 2. the flow file cut short, or overwritten, while it loads ------------
# exit 1 with one sentence, or exit 0 with the rows of the file as it was
# before (the cut came after the load) or as it is after (read again): never
# exit 0 with the rows of a half-read file
if want loadcut; then
  G="$T/big.csv"
  "$NETTUI_GEN" --rows $((ROWS * 2)) --seed 12 --out "$T/big.orig" >/dev/null 2>&1 || fail "nettui-gen failed"
  half=$(( $(wc -c < "$T/big.orig") / 2 ))
  head -c "$half" "$T/big.orig" > "$T/big.half"
  rows_full=$("$NETTUI" --summary --no-cache "$T/big.orig" 2>/dev/null | sed -n 's/^rows: //p')
  rows_half=$("$NETTUI" --summary --no-cache "$T/big.half" 2>/dev/null | sed -n 's/^rows: //p')
  rows_small=$(field rows "$T/ref.summary")
  partial=0; tries=0
  for how in cut cut cut over over over; do
    for delay in 0.05 0.15; do
      tries=$((tries + 1))
      cp "$T/big.orig" "$G"
      "$NETTUI" --summary --no-cache --threads 1 "$G" >"$T/out" 2>"$T/err" &
      pid=$!
      sleep $delay
      if [ $how = cut ]; then truncate -s "$half" "$G"; else cat "$F" > "$G"; fi
      wait $pid; rc=$?
      [ "$rc" -lt 128 ] || fail "load $how: died on signal $((rc - 128))"
      if [ "$rc" = 0 ]; then
        r=$(field rows "$T/out")
        case "$how:$r" in
          *:"$rows_full"|cut:"$rows_half"|over:"$rows_small") ;;
          *) partial=$((partial + 1)); echo "62-hostile-io: load $how after $delay s: exit 0 with $r rows (full $rows_full, half $rows_half, other file $rows_small)" >&2 ;;
        esac
      elif [ "$how:$rc" = over:3 ] && grep -q ' is empty; ' "$T/err"; then
        # nettui opened the file after the shell's '>' had emptied it and
        # before cat wrote (the exec of cat between): it read an empty file
        # that did not change while it read, and said so; no part answered
        [ "$(wc -l < "$T/err")" = 1 ] || fail "load over: more than one line: $(cat "$T/err")"
      else
        [ "$rc" = 1 ] && [ "$(wc -l < "$T/err")" = 1 ] || fail "load $how: exit $rc: $(cat "$T/err")"
      fi
    done
  done
  [ "$partial" = 0 ] || fail "$partial of $tries loads cut short answered from a part of the file"
fi

echo "62-hostile-io: ok" >&2
exit 0
