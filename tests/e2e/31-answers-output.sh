#!/bin/sh
# --json is valid JSON with every finding; --export writes the answers
# atomically: the file equals standard output, and a write that cannot
# happen leaves an earlier file intact, says why in one sentence, exits 1.
name=31-answers-output
nettui=${NETTUI:-./nettui}
gen=${NETTUI_GEN:-./nettui-gen}
[ -x "$gen" ] || { echo "$name: no $gen yet: skipped"; exit 77; }
t=$(mktemp -d) || exit 1
trap 'chmod -R u+w "$t" 2>/dev/null; rm -rf "$t"' EXIT
fail() { echo "$name: $*"; exit 1; }
"$gen" --rows 200000 --seed 3 --out "$t/f.csv" --answers "$t/f.key" || fail "nettui-gen failed"

# --export: same lines as standard output, no temporary file left behind
"$nettui" --answers --no-cache --export "$t/ans.txt" "$t/f.csv" > "$t/out" || fail "--export failed"
cmp -s "$t/out" "$t/ans.txt" || fail "--export file differs from standard output"
head -n 11 "$t/f.key" | cmp -s - "$t/ans.txt" || fail "--export file does not match the key"
[ "$(ls "$t" | grep -c tmp)" = 0 ] || fail "a temporary file was left behind"

# a failed export keeps the earlier file and exits 1 with one sentence
mkdir "$t/ro" && echo "earlier" > "$t/ro/ans.txt" && chmod a-w "$t/ro"
if [ "$(id -u)" != 0 ]; then
  "$nettui" --answers --no-cache --export "$t/ro/ans.txt" "$t/f.csv" > /dev/null 2> "$t/err"
  rc=$?
  [ $rc = 1 ] || fail "export into a read-only folder exited $rc, not 1"
  [ "$(cat "$t/ro/ans.txt")" = earlier ] || fail "the earlier file was changed"
  [ "$(wc -l < "$t/err")" = 1 ] || fail "the error is not one line: $(cat "$t/err")"
fi
"$nettui" --answers --no-cache --export "$t/missing/dir/ans.txt" "$t/f.csv" > /dev/null 2> "$t/err"
rc=$?
[ $rc = 1 ] || fail "export into a missing folder exited $rc, not 1"
grep -q "missing/dir/ans.txt" "$t/err" || fail "the error does not name the file: $(cat "$t/err")"
[ "$(wc -l < "$t/err")" = 1 ] || fail "the error is not one line: $(cat "$t/err")"

# --json: valid, ten findings with answer, score, why, evidence, runners-up
"$nettui" --json --no-cache "$t/f.csv" > "$t/j.json" || fail "--json failed"
if command -v python3 > /dev/null; then
  python3 -m json.tool "$t/j.json" > /dev/null || fail "--json is not valid JSON"
  python3 - "$t/j.json" "$t/f.key" <<'PY' || fail "--json content is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
key = [l.strip() for l in open(sys.argv[2])][:11]
assert [f["answer"] for f in d["findings"]] == key[:10], "answers differ from the key"
assert d["flag"] == key[10].split(": ")[1], "flag differs"
for f in d["findings"]:
    assert f["found"] and f["why"] and f["evidence"] and f["top"], f["id"]
    assert isinstance(f["score"], (int, float)), f["id"]
    assert f["top"][0]["value"] == f["answer"], f["id"]
assert d["findings"][4]["members_count"] >= 3
assert d["work_hours"]["detected"] is True
PY
fi
exit 0
