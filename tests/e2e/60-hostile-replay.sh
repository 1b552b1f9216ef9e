#!/bin/sh
# The fuzz harnesses (tests/fuzz/fuzz_load.c, fuzz_cache.c, fuzz_facts.c) built with the
# ordinary compiler against the library under test, without libFuzzer, and
# fed the seed corpora and every input the fuzzers ever broke nettui with
# (tests/data/hostile/fuzz_*): each bug they found stays found. Under
# E2E_SAN=1 the harnesses get ASan and UBSan too, like the library.
: "${NETTUI:=./nettui}"; : "${CC:=cc}"
fail() { echo "60-hostile-replay: $*" >&2; exit 1; }
case "$NETTUI" in
  */*/nettui) LIB=$(dirname "$NETTUI")/libnettui.a ;;
  *) LIB=build/libnettui.a ;;
esac
[ -f "$LIB" ] || { echo "60-hostile-replay: no $LIB" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-replay.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
SAN=
[ "${E2E_SAN:-0}" = 1 ] && SAN="-fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow"
FLAGS="-std=c11 -O1 -g -Wall -Wextra -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -D_GNU_SOURCE -Iinclude -pthread $SAN $(pkg-config --cflags igraph nettle zlib libzstd 2>/dev/null)"
LIBS="$(pkg-config --libs igraph nettle zlib libzstd 2>/dev/null) -lcsv -lm -pthread"
for h in load cache facts; do
  # fuzz_cache.c includes src/core/cache.c, fuzz_facts.c src/engine/persist.c,
  # so the archive's copy stays out
  # shellcheck disable=SC2086
  $CC $FLAGS -o "$T/replay_$h" "tests/fuzz/fuzz_$h.c" tests/fuzz/replay.c "$LIB" $LIBS 2>"$T/cc.log" ||
    fail "cannot build the $h harness: $(head -5 "$T/cc.log")"
done
"$T/replay_load" tests/fuzz/corpus_load/* tests/data/*.csv tests/data/hostile/*.csv >"$T/out" 2>&1 ||
  fail "fuzz_load harness failed: $(tail -5 "$T/out")"
"$T/replay_cache" tests/fuzz/corpus_cache/* tests/data/hostile/fuzz_cache_* >"$T/out" 2>&1 ||
  fail "fuzz_cache harness failed: $(tail -5 "$T/out")"
"$T/replay_facts" tests/fuzz/corpus_facts/* $(ls tests/data/hostile/fuzz_facts_* 2>/dev/null) >"$T/out" 2>&1 ||
  fail "fuzz_facts harness failed: $(tail -5 "$T/out")"
exit 0
