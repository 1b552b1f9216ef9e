#!/bin/sh
# The columnar cache end to end: the second open comes from the cache with the
# same rows, bad lines and answers; a stale or broken cache costs one line on
# stderr and is rebuilt; an unwritable cache folder or a full disk (ulimit -f)
# costs one warning and nothing else; --no-cache writes nothing.
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] || { echo "40-cache: no $NETTUI" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-cache.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() { echo "40-cache: $*" >&2; exit 1; }

F="$T/flows.csv"
if [ -x "$NETTUI_GEN" ]; then
  "$NETTUI_GEN" --rows 200000 --seed 7 --bad-lines 0.001 --out "$F" >/dev/null 2>&1 || fail "nettui-gen failed"
else
  awk 'BEGIN { for (i = 0; i < 20000; i++)
         printf "%d,12.30.%d.%d,15.1.%d.%d,%d,%d\n", 1578326400000 + i * 1000, i % 200, i % 7, i % 50, i % 3, 21 + i % 50, 100 + i }' > "$F"
  echo "bad,line" >> "$F"
fi
C="$T/cache"

summary() {   # summary OUT ERR [options...]: --summary of $F
  out=$1; err=$2; shift 2
  "$NETTUI" --summary "$@" "$F" >"$out" 2>"$err" || fail "--summary $* exited $? ($(cat "$err"))"
}
field() { sed -n "s/^$1: //p" "$2"; }
lines() { wc -l < "$1" | tr -d ' '; }

# 1. parsed, then from the cache, same table
summary "$T/s1" "$T/e1" --cache-dir "$C"
[ "$(field source "$T/s1")" = parsed ] || fail "first open: source is not 'parsed'"
[ "$(lines "$T/e1")" = 0 ] || fail "first open wrote to stderr: $(cat "$T/e1")"
ls "$C"/*.ntc >/dev/null 2>&1 || fail "no cache file in $C"
summary "$T/s2" "$T/e2" --cache-dir "$C"
[ "$(field source "$T/s2")" = cache ] || fail "second open: source is not 'cache'"
for k in rows bad_lines lines hosts internal_hosts external_hosts ports bytes first last big_byte_rows; do
  [ "$(field $k "$T/s1")" = "$(field $k "$T/s2")" ] || fail "$k differs: $(field $k "$T/s1") parsed, $(field $k "$T/s2") cached"
done
[ -n "$(field rows "$T/s1")" ] || fail "no rows: line"

# 2. the same answers from the cache as from a parse, once --answers exists
if "$NETTUI" --answers --no-cache "$F" >"$T/a0" 2>"$T/ea0"; then
  "$NETTUI" --answers --cache-dir "$C" "$F" >"$T/a1" 2>"$T/ea1" || fail "--answers from the cache failed: $(cat "$T/ea1")"
  cmp -s "$T/a0" "$T/a1" || fail "answers differ from the cache: $(diff "$T/a0" "$T/a1")"
else
  echo "40-cache: --answers not available yet; answers not compared" >&2
fi

# 3. --no-cache neither reads nor writes
summary "$T/s3" "$T/e3" --no-cache --cache-dir "$T/none"
[ "$(field source "$T/s3")" = parsed ] || fail "--no-cache: source is not 'parsed'"
[ ! -e "$T/none" ] || fail "--no-cache made $T/none"

# 4. stale: the source touched -> one line, parsed, then cached again
touch -d '2030-01-01 00:00:00' "$F"
summary "$T/s4" "$T/e4" --cache-dir "$C"
[ "$(field source "$T/s4")" = parsed ] || fail "stale cache was used"
[ "$(lines "$T/e4")" = 1 ] && grep -q stale "$T/e4" || fail "stale cache: expected one line saying so, got: $(cat "$T/e4")"
summary "$T/s5" "$T/e5" --cache-dir "$C"
[ "$(field source "$T/s5")" = cache ] || fail "cache not rebuilt after a stale one"

# 5. truncated and corrupted caches: one line, parsed, same rows
CF=$(ls "$C"/*.ntc)
head -c 5000 "$CF" > "$T/cut" && cat "$T/cut" > "$CF"
summary "$T/s6" "$T/e6" --cache-dir "$C"
[ "$(field source "$T/s6")" = parsed ] && [ "$(lines "$T/e6")" = 1 ] || fail "truncated cache: $(cat "$T/e6")"
[ "$(field rows "$T/s6")" = "$(field rows "$T/s1")" ] || fail "rows differ after a truncated cache"
size=$(wc -c < "$CF")
printf '\377\377\377\377' | dd of="$CF" bs=1 seek=$((size - 100)) conv=notrunc 2>/dev/null
summary "$T/s7" "$T/e7" --cache-dir "$C"
[ "$(field source "$T/s7")" = parsed ] && [ "$(lines "$T/e7")" = 1 ] && grep -q corrupted "$T/e7" ||
  fail "corrupted cache: source $(field source "$T/s7"), stderr: $(cat "$T/e7")"
printf 'not a cache at all' > "$CF"
summary "$T/s8" "$T/e8" --cache-dir "$C"
[ "$(field source "$T/s8")" = parsed ] && [ "$(lines "$T/e8")" = 1 ] || fail "foreign cache: $(cat "$T/e8")"

# 6. an unwritable cache folder (under a regular file: even root cannot) only warns
summary "$T/s9" "$T/e9" --cache-dir "$F/sub"
[ "$(field source "$T/s9")" = parsed ] || fail "unwritable folder: source is not 'parsed'"
[ "$(lines "$T/e9")" = 1 ] && grep -q 'cache not written' "$T/e9" || fail "unwritable folder: expected one warning, got: $(cat "$T/e9")"

# 7. a full disk (ulimit -f, 512-byte blocks in sh) only warns, leaves nothing behind
(ulimit -f 64; "$NETTUI" --summary --cache-dir "$T/full" "$F" >"$T/s10" 2>"$T/e10") || fail "ulimit -f: nettui failed: $(cat "$T/e10")"
[ "$(field source "$T/s10")" = parsed ] || fail "ulimit -f: source is not 'parsed'"
[ "$(lines "$T/e10")" = 1 ] && grep -q 'cache not written' "$T/e10" || fail "ulimit -f: expected one warning, got: $(cat "$T/e10")"
[ -z "$(ls -A "$T/full" 2>/dev/null)" ] || fail "ulimit -f left files: $(ls "$T/full")"

# 8. the default folder: $XDG_CACHE_HOME/nettui
XDG_CACHE_HOME="$T/xdg" "$NETTUI" --summary "$F" >/dev/null 2>&1 || fail "default cache folder run failed"
ls "$T/xdg/nettui/"*.ntc >/dev/null 2>&1 || fail "no cache under \$XDG_CACHE_HOME/nettui"
exit 0
