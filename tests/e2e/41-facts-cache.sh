#!/bin/sh
# The facts cache end to end: the second --answers reads the facts saved next
# to the table cache (no pass over the flows) and answers exactly as a parse
# does; a corrupted facts file costs one line and is rebuilt; --work-hours is
# applied to cached facts as to built ones; --no-cache writes no facts.
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] || { echo "41-facts-cache: no $NETTUI" >&2; exit 77; }
[ -x "$NETTUI_GEN" ] || { echo "41-facts-cache: no $NETTUI_GEN" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-facts.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() { echo "41-facts-cache: $*" >&2; exit 1; }
lines() { wc -l < "$1" | tr -d ' '; }

F="$T/flows.csv"
"$NETTUI_GEN" --rows 200000 --seed 11 --out "$F" >/dev/null 2>&1 || fail "nettui-gen failed"
C="$T/cache"
answers() {   # answers OUT ERR [options...]
  out=$1; err=$2; shift 2
  NETTUI_TIMING=1 "$NETTUI" --answers "$@" "$F" >"$out" 2>"$err" || fail "--answers $* exited $? ($(cat "$err"))"
  grep -v '^timing:' "$err" > "$err.notes"
}
from_facts() { grep -q '(facts cache)' "$1"; }

# 1. cold: parsed, facts built and saved, nothing said
answers "$T/a0" "$T/e0" --no-cache
answers "$T/a1" "$T/e1" --cache-dir "$C"
[ "$(lines "$T/e1.notes")" = 0 ] || fail "first open wrote to stderr: $(cat "$T/e1.notes")"
FACTS=$(ls "$C"/*.ntc.facts 2>/dev/null) || fail "no facts file in $C"
from_facts "$T/e1" && fail "first open says its facts came from the cache"
cmp -s "$T/a0" "$T/a1" || fail "cold answers differ: $(diff "$T/a0" "$T/a1")"

# 2. warm: facts from the cache, same answers, same JSON findings
answers "$T/a2" "$T/e2" --cache-dir "$C"
from_facts "$T/e2" || fail "second open did not use the facts cache: $(cat "$T/e2")"
[ "$(lines "$T/e2.notes")" = 0 ] || fail "second open wrote to stderr: $(cat "$T/e2.notes")"
cmp -s "$T/a0" "$T/a2" || fail "warm answers differ: $(diff "$T/a0" "$T/a2")"
"$NETTUI" --answers --json --no-cache "$F" | grep -v '"timing"' > "$T/j0" || fail "--json failed"
"$NETTUI" --answers --json --cache-dir "$C" "$F" | grep -v '"timing"' > "$T/j2" || fail "--json warm failed"
cmp -s "$T/j0" "$T/j2" || fail "warm JSON differs: $(diff "$T/j0" "$T/j2" | head)"

# 3. --work-hours: cached facts give what a parse with the same hours gives
answers "$T/w0" "$T/ew0" --no-cache --work-hours 1-5
answers "$T/w2" "$T/ew2" --cache-dir "$C" --work-hours 1-5
from_facts "$T/ew2" || fail "--work-hours did not use the facts cache"
cmp -s "$T/w0" "$T/w2" || fail "--work-hours answers differ from the cache: $(diff "$T/w0" "$T/w2")"
answers "$T/a3" "$T/e3" --cache-dir "$C"
cmp -s "$T/a0" "$T/a3" || fail "after a --work-hours run, the detected hours' answers changed"

# 4. corrupted facts: one line, rebuilt, same answers; then cached again
size=$(wc -c < "$FACTS")
printf 'X' | dd of="$FACTS" bs=1 seek=$((size / 2)) conv=notrunc 2>/dev/null
answers "$T/a4" "$T/e4" --cache-dir "$C"
[ "$(lines "$T/e4.notes")" = 1 ] && grep -q 'facts cache.*corrupted' "$T/e4.notes" ||
  fail "corrupted facts: stderr: $(cat "$T/e4.notes")"
from_facts "$T/e4" && fail "corrupted facts were used"
cmp -s "$T/a0" "$T/a4" || fail "answers after corrupted facts differ: $(diff "$T/a0" "$T/a4")"
answers "$T/a5" "$T/e5" --cache-dir "$C"
from_facts "$T/e5" && [ "$(lines "$T/e5.notes")" = 0 ] || fail "facts not rebuilt: $(cat "$T/e5")"

# 5. truncated facts and a corrupted table column at once: the columns are
#    checked again (no facts to trust), the table reparsed, same answers
head -c 1000 "$FACTS" > "$T/short" && cat "$T/short" > "$FACTS"
NTC=${FACTS%.facts}
nsize=$(wc -c < "$NTC")
printf 'ZZZZ' | dd of="$NTC" bs=1 seek=$((nsize - 4096)) conv=notrunc 2>/dev/null
answers "$T/a6" "$T/e6" --cache-dir "$C"
grep -q 'corrupted' "$T/e6.notes" || fail "a corrupted table cache went unnoticed: $(cat "$T/e6.notes")"
cmp -s "$T/a0" "$T/a6" || fail "answers after a corrupted table cache differ: $(diff "$T/a0" "$T/a6")"
answers "$T/a7" "$T/e7" --cache-dir "$C"
from_facts "$T/e7" && grep -q '(cache)' "$T/e7" || fail "caches not rebuilt: $(cat "$T/e7")"
cmp -s "$T/a0" "$T/a7" || fail "answers differ after the rebuild"

# 6. the facts of another table (the file changed) are not used
answers "$T/b0" "$T/eb0" --cache-dir "$C"
sed -n '1,150000p' "$F" > "$T/part" && cat "$T/part" > "$F"
answers "$T/b1" "$T/eb1" --cache-dir "$C"
from_facts "$T/eb1" && fail "facts of the old file were used for the new one"
answers "$T/b2" "$T/eb2" --no-cache
cmp -s "$T/b1" "$T/b2" || fail "answers of the changed file differ from a parse"

# 7. --no-cache reads and writes no facts
answers "$T/n0" "$T/en0" --no-cache --cache-dir "$T/nc"
[ -e "$T/nc" ] && fail "--no-cache wrote $(ls "$T/nc")"
exit 0
