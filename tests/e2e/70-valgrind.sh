#!/bin/sh
# Batch runs under valgrind memcheck: no invalid read or write, no use of
# uninitialised memory, no definite or indirect leak (exit 9 otherwise).
# --answers --no-cache on 50,000 generated rows; --summary on a file with
# bad lines, a header and CR LF; --json --export writing the cache, then
# --answers reading it back; a missing file. Skips under E2E_SAN=1 (ASan
# and valgrind do not mix) and without valgrind.
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
[ "${E2E_SAN:-0}" = 1 ] && { echo "70-valgrind: skipped under sanitizers" >&2; exit 77; }
command -v valgrind >/dev/null 2>&1 || { echo "70-valgrind: no valgrind" >&2; exit 77; }
[ -x "$NETTUI" ] && [ -x "$NETTUI_GEN" ] || { echo "70-valgrind: no $NETTUI or $NETTUI_GEN" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-valgrind.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() { echo "70-valgrind: $*" >&2; exit 1; }

"$NETTUI_GEN" --rows 100000 --seed 8 --out "$T/full.csv" --answers "$T/key" >/dev/null 2>&1 || fail "nettui-gen failed"
head -n 50000 "$T/full.csv" > "$T/flows.csv"
"$NETTUI_GEN" --rows 100000 --seed 9 --bad-lines 0.05 --header --crlf --out "$T/bad_full.csv" --answers "$T/bad_key" >/dev/null 2>&1 ||
  fail "nettui-gen --bad-lines failed"
head -n 30000 "$T/bad_full.csv" > "$T/bad.csv"

# vg WANT_STATUS ARGS...: nettui ARGS under memcheck
vg() {
  want=$1; shift
  valgrind -q --leak-check=full --error-exitcode=9 --errors-for-leak-kinds=definite,indirect \
    --log-file="$T/vg.log" "$NETTUI" "$@" >"$T/out" 2>"$T/err"; rc=$?
  [ "$rc" = 9 ] && fail "nettui $*: memcheck errors: $(head -c 2000 "$T/vg.log")"
  [ -s "$T/vg.log" ] && fail "nettui $*: memcheck says: $(head -c 2000 "$T/vg.log")"
  [ "$rc" = "$want" ] || fail "nettui $*: exit $rc, want $want: $(head -c 300 "$T/err")"
}
vg 0 --answers --no-cache "$T/flows.csv"
[ "$(wc -l < "$T/out")" = 11 ] || fail "--answers: not ten answers and a flag"
vg 0 --summary --no-cache "$T/bad.csv"
grep -q '^bad_lines: [1-9]' "$T/out" || fail "--summary: no bad lines counted in $T/bad.csv"
vg 0 --json --export "$T/answers.txt" --cache-dir "$T/cache" "$T/flows.csv"
[ -s "$T/answers.txt" ] || fail "--export wrote nothing"
vg 0 --answers --cache-dir "$T/cache" "$T/flows.csv"
cmp -s "$T/out" "$T/answers.txt" || fail "answers from the cache differ from the exported ones"
# --flows through the host index: built and saved, then mapped; the same rows
h=$(sed -n 1p "$T/key")
vg 0 --flows "host $h or dst $h" --cache-dir "$T/cache" "$T/flows.csv"
ls "$T/cache"/*.hidx >/dev/null 2>&1 || fail "--flows wrote no host index"
cp "$T/out" "$T/flows1"
vg 0 --flows "host $h or dst $h" --cache-dir "$T/cache" "$T/flows.csv"
cmp -s "$T/out" "$T/flows1" && [ "$(wc -l < "$T/out")" -gt 1 ] || fail "--flows from the mapped index differs or is empty"
vg 3 --summary --no-cache "$T/missing.csv"
exit 0
