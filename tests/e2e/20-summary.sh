#!/bin/sh
# --summary on the hand-written files of tests/data: row and bad-line counts,
# the first bad line numbers, and the exit statuses of the man page.
: "${NETTUI:=./nettui}"
out=$(mktemp); tmpdir=$(mktemp -d); trap 'rm -rf "$out" "$tmpdir"' EXIT
fail() { echo "20-summary: $*" >&2; exit 1; }

# summary FILE ROWS BAD [THREADS]: exit 0 and the two counts
summary() {
  "$NETTUI" --summary --no-cache --threads "${4:-2}" "tests/data/$1" >"$out" 2>&1 || fail "$1: exit $?: $(cat "$out")"
  grep -qx "rows: $2" "$out" || fail "$1: want rows: $2, got $(grep '^rows:' "$out")"
  grep -qx "bad_lines: $3" "$out" || fail "$1: want bad_lines: $3, got $(grep '^bad_lines:' "$out")"
}
summary basic.csv 3 0
summary header.csv 2 0
summary renamed.csv 2 0
summary crlf.csv 3 1
summary quoted.csv 4 1 3
summary blank_lines.csv 2 1
summary no_final_newline.csv 2 0
summary one_line.csv 1 0 1

summary bad_kinds.csv 2 12
grep -qx "bad_port_lines: 7,8,14" "$out" || fail "bad_kinds.csv: bad_port_lines"
grep -qx "bad_fields: 2" "$out" || fail "bad_kinds.csv: bad_fields"
summary header.csv 2 0
grep -qx "header: yes" "$out" || fail "header.csv: header: yes"
summary basic.csv 3 0
grep -qx "header: no" "$out" || fail "basic.csv: header: no"
grep -qx "first: 2020-01-06 16:00:00 UTC" "$out" || fail "basic.csv: first"
grep -qx "internal_source: inferred" "$out" || fail "basic.csv: internal_source"
# three flows do not say which end is inside: name the network
"$NETTUI" --summary --no-cache --internal 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8 tests/data/basic.csv >"$out" 2>&1 || fail "basic.csv --internal: exit $?"
grep -qx "internal: 12.0.0.0/8,13.0.0.0/8,14.0.0.0/8" "$out" || fail "basic.csv: internal"
grep -qx "internal_source: given" "$out" || fail "basic.csv: internal_source given"
grep -qx "internal_share: 1.0000" "$out" || fail "basic.csv: internal_share"
grep -qx "internal_hosts: 4" "$out" || fail "basic.csv: internal_hosts"
grep -qx "external_hosts: 2" "$out" || fail "basic.csv: external_hosts"
grep -qx "ports: 3" "$out" || fail "basic.csv: ports"
grep -qx "bytes: 58354" "$out" || fail "basic.csv: bytes"
grep -qx "source: parsed" "$out" || fail "basic.csv: source"
"$NETTUI" --summary --cache-dir "$tmpdir" tests/data/basic.csv >"$out" 2>&1 || fail "--cache-dir: exit $?"
grep -qx "threads: [0-9]*" "$out" || fail "threads line"

# no input: a missing file, a folder without files (a folder is a set of
# flow files), an empty file -> 3 and one sentence
mkdir -p "$tmpdir/no-files"
for f in tests/data/does-not-exist.csv "$tmpdir/no-files" tests/data/empty.csv tests/data/header_only.csv; do
  "$NETTUI" --summary "$f" >"$out" 2>&1; rc=$?
  [ "$rc" = 3 ] || fail "$f: want exit 3, got $rc"
  grep -q "^nettui: .*$f" "$out" || fail "$f: no sentence naming the file: $(cat "$out")"
done
# bad usage -> 2
"$NETTUI" --summary >"$out" 2>&1; rc=$?
[ "$rc" = 2 ] || fail "no file: want exit 2, got $rc"
"$NETTUI" --summary --threads 0 tests/data/basic.csv >"$out" 2>&1; rc=$?
[ "$rc" = 2 ] || fail "--threads 0: want exit 2, got $rc"
"$NETTUI" --summary --bogus tests/data/basic.csv >"$out" 2>&1; rc=$?
[ "$rc" = 2 ] || fail "--bogus: want exit 2, got $rc"
exit 0
