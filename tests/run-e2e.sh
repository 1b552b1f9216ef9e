#!/bin/sh
# Runs tests/e2e/*.sh in name order. Each script exits 0 (pass), 77 (skip) or
# other (fail). NETTUI / NETTUI_GEN name the binaries under test; E2E_SAN=1 marks
# a sanitizer run, where scripts that drive the TUI or need full speed skip.
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
export NETTUI NETTUI_GEN
# Caches the scripts do not place themselves go to a folder of this run,
# never into the person's own ~/.cache/nettui, and go with it.
E2E_CACHE=$(mktemp -d) || exit 1
trap 'rm -rf "$E2E_CACHE"' EXIT
XDG_CACHE_HOME=$E2E_CACHE
export XDG_CACHE_HOME
pass=0; fail=0; skip=0
for t in tests/e2e/*.sh; do
  [ -f "$t" ] || continue
  sh "$t"; rc=$?
  case $rc in
    0) pass=$((pass+1)); echo "ok   $t";;
    77) skip=$((skip+1)); echo "skip $t";;
    *) fail=$((fail+1)); echo "FAIL $t (exit $rc)";;
  esac
done
echo "e2e: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
