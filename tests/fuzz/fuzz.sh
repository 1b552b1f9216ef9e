#!/bin/sh
# make fuzz: builds the libFuzzer harnesses (clang, ASan + UBSan) against the
# library sources into build/fuzz and runs each for FUZZ_SECONDS (default 60):
# the flow loader, table cache, facts cache and filter (fuzz_load, fuzz_cache,
# fuzz_facts, fuzz_filter), the ClickHouse URL and --where (fuzz_churl), its
# answers and error bodies (fuzz_chhttp), its row callback (fuzz_chgroups),
# its cache file (fuzz_chcache) and the host index file (fuzz_hostidx).
#   FUZZ_SECONDS=900 make fuzz          longer
#   FUZZ_TARGETS=fuzz_cache make fuzz   one harness
#   FUZZ_ARGS='-max_len=65536' make fuzz
# Each harness grows a working corpus in build/fuzz/corpus_NAME, seeded from
# tests/fuzz/corpus_NAME (the seeds stay untouched); a crash, leak or hang is
# written to build/fuzz/crash-NAME-* and fails the run. To keep a finding as a
# regression test, copy it under tests/data/hostile/ and load it in
# tests/unit/test_hostile.c.
set -u
: "${FUZZ_SECONDS:=60}"
: "${FUZZ_TARGETS:=fuzz_load fuzz_cache fuzz_facts fuzz_filter fuzz_churl fuzz_chhttp fuzz_chcache fuzz_hostidx fuzz_chgroups}"
: "${FUZZ_ARGS:=}"
: "${FUZZ_CC:=}"
OUT=build/fuzz
if [ -z "$FUZZ_CC" ]; then
  for c in clang clang-14 clang-15 clang-16; do
    command -v "$c" >/dev/null 2>&1 && { FUZZ_CC=$c; break; }
  done
fi
[ -n "$FUZZ_CC" ] || { echo "fuzz: needs clang with libFuzzer (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
PKGS="igraph nettle zlib libzstd libcurl"
# Small reads and line limit: inputs of a few kB cross reads and reach the
# loader's over-long-line path (LINE_MAX_BYTES must stay >= READ_BYTES) and
# the ClickHouse answer's over-long-row path (chhttp.c)
CFLAGS="-std=c11 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
 -DREAD_BYTES=512 -DLINE_MAX_BYTES=1500 \
 -fno-sanitize-recover=undefined -Wall -Wextra -Wshadow -Wno-unused-parameter \
 -D_GNU_SOURCE -Iinclude -pthread $(pkg-config --cflags $PKGS 2>/dev/null)"
LIBS="$(pkg-config --libs $PKGS 2>/dev/null) -lcsv -lm -pthread"
LIB_SRC=$(ls src/core/*.c src/engine/*.c src/export/*.c)
mkdir -p "$OUT"

# fuzz_cache includes src/core/cache.c itself, fuzz_facts src/engine/persist.c,
# fuzz_hostidx src/core/hostidx.c (they need the file layouts to repair
# checksums), so each is built without it.
build() {
  name=$1; srcs=$LIB_SRC
  [ "$name" = fuzz_cache ] && srcs=$(echo "$LIB_SRC" | grep -v '^src/core/cache\.c$')
  [ "$name" = fuzz_facts ] && srcs=$(echo "$LIB_SRC" | grep -v '^src/engine/persist\.c$')
  [ "$name" = fuzz_hostidx ] && srcs=$(echo "$LIB_SRC" | grep -v '^src/core/hostidx\.c$')
  echo "fuzz: building $OUT/$name"
  # shellcheck disable=SC2086
  $FUZZ_CC $CFLAGS -o "$OUT/$name" "tests/fuzz/$name.c" $srcs $LIBS || exit 1
}

rc=0
for name in $FUZZ_TARGETS; do
  build "$name"
  corpus="$OUT/corpus_${name#fuzz_}"
  mkdir -p "$corpus"
  seeds="tests/fuzz/corpus_${name#fuzz_}"
  maxlen=16384                                   # a flow file
  [ "$name" = fuzz_cache ] && maxlen=32768       # a table cache is 24 kB at least
  [ "$name" = fuzz_facts ] && maxlen=98304       # the seed's facts are 37 kB (73 kB before version 3)
  [ "$name" = fuzz_filter ] && maxlen=2048       # a --flows expression
  [ "$name" = fuzz_churl ] && maxlen=1024        # a URL or a --where condition
  [ "$name" = fuzz_chhttp ] && maxlen=8192       # rows past the fuzz build's 1500-byte row limit
  [ "$name" = fuzz_chcache ] && maxlen=8192      # the seeds are 1 to 3 kB
  [ "$name" = fuzz_hostidx ] && maxlen=4096      # the seeds' index files are under 1 kB
  [ "$name" = fuzz_chgroups ] && maxlen=4096     # a few dozen groups and calls
  echo "fuzz: $name for $FUZZ_SECONDS s (corpus $corpus, seeds $seeds)"
  # shellcheck disable=SC2086
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
  UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
  "$OUT/$name" -max_total_time="$FUZZ_SECONDS" -timeout=20 -rss_limit_mb=2560 \
      -max_len=$maxlen -print_final_stats=1 -artifact_prefix="$OUT/crash-$name-" \
      $FUZZ_ARGS "$corpus" "$seeds" 2>"$OUT/$name.log"
  r=$?
  grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+ *DONE)' "$OUT/$name.log"
  if [ $r != 0 ]; then
    echo "fuzz: $name FAILED (exit $r); see $OUT/$name.log and $OUT/crash-$name-*" >&2
    grep -E 'ERROR|SUMMARY|fuzz_[a-z]+:' "$OUT/$name.log" | head -5 >&2
    rc=1
  fi
done
exit $rc
