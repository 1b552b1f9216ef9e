# Sourced by the e2e scripts that check nettui --answers against
# nettui-gen's key. Needs $name, $gen, $nettui, $t (a scratch folder) and
# a counter $fails.
#
# check_answers LABEL GEN-OPTIONS...: generate, answer with no option but the
# file, compare with the key's first 11 lines (ten answers and the flag);
# on a difference, both side by side and nettui's stderr.
check_answers() {
  label=$1; shift
  "$gen" --out "$t/f.csv" --answers "$t/f.key" "$@" 2>"$t/generr" || { echo "$name: $label: nettui-gen $* failed: $(cat "$t/generr")"; fails=$((fails+1)); return; }
  if ! "$nettui" --answers --no-cache "$t/f.csv" > "$t/out" 2> "$t/err"; then
    echo "$name: $label: nettui --answers failed: $(head -c 300 "$t/err")"; fails=$((fails+1)); return
  fi
  head -n 11 "$t/f.key" > "$t/want"
  if cmp -s "$t/want" "$t/out"; then
    echo "$name: $label: ten answers and flag match"
  else
    echo "$name: $label: answers differ from the key (want | got):"
    paste -d'|' "$t/want" "$t/out" | sed 's/^/    /'
    sed 's/^/    stderr: /' "$t/err"
    fails=$((fails+1))
  fi
}
