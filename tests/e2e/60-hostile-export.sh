#!/bin/sh
# No lost work: --export to a path that cannot be written, past a file-size
# limit (ulimit -f) and onto a full disk (a small tmpfs, when mount works)
# exits 1 with one sentence naming the path and leaves the earlier answers
# file as it was, with no temporary file left over; cache writes in the same
# trouble cost one warning and nothing else; --export onto a device, a FIFO
# or a link keeps them what they are; a cache path that is a folder, a FIFO,
# a link or under a file costs warnings only.
: "${NETTUI:=./nettui}"; : "${NETTUI_GEN:=./nettui-gen}"
[ -x "$NETTUI" ] && [ -x "$NETTUI_GEN" ] || { echo "60-hostile-export: no $NETTUI or $NETTUI_GEN" >&2; exit 77; }
T=$(mktemp -d /tmp/nettui-e2e-export.XXXXXX) || exit 1
MNT=
cleanup() { [ -n "$MNT" ] && umount "$MNT" 2>/dev/null; rm -rf "$T"; }
trap cleanup EXIT
fail() { echo "60-hostile-export: $*" >&2; exit 1; }
# lines on stderr besides the reasons why a question has no answer
warnings() { grep -v '^nettui: question [0-9]* ([a-z0-9-]*) has no answer: ' "$1" | wc -l; }
cases=0

F="$T/flows.csv"
"$NETTUI_GEN" --rows 100000 --seed 5 --out "$T/full.csv" --answers "$T/key" >/dev/null 2>&1 || fail "nettui-gen failed"
head -n 20000 "$T/full.csv" > "$F"
"$NETTUI" --answers --no-cache "$F" > "$T/answers.want" 2>"$T/err" || fail "--answers failed: $(cat "$T/err")"

earlier() { printf 'EARLIER ANSWERS\n' > "$1"; }
# refused A ERR: the export to A failed properly (status in $rc)
refused() {
  cases=$((cases + 1))
  [ "$rc" = 1 ] || fail "--export $1: exit $rc, want 1 ($(head -c 300 "$2"))"
  [ "$(wc -l < "$2")" = 1 ] || fail "--export $1: want one line on stderr, got: $(cat "$2")"
  grep -q "^nettui: .*$(basename "$1")" "$2" || fail "--export $1: the sentence does not name it: $(cat "$2")"
  if [ -f "$1" ]; then
    [ "$(cat "$1")" = "EARLIER ANSWERS" ] || fail "--export $1: the earlier file changed"
  fi
  ls "$1".tmp.* >/dev/null 2>&1 && fail "--export $1: a temporary file is left over: $(ls "$1".tmp.*)"
  return 0
}
# run_limited BLOCKS ARGS...: nettui ARGS under ulimit -f BLOCKS, every
# output through a pipe (the limit would stop the shell's own writes too)
run_limited() {
  blocks=$1; shift
  ( ulimit -f "$blocks" && { "$NETTUI" "$@" 2>&1 >&3 3>&-; echo "rc=$?"; } ) 3>&1 | cat > "$T/limited.all"
  rc=$(sed -n 's/^rc=//p' "$T/limited.all")
  grep -v '^rc=' "$T/limited.all" | grep '^nettui: ' > "$T/err"
  grep -v '^rc=' "$T/limited.all" | grep -v '^nettui: ' > "$T/out"
}

# ---- unwritable places --------------------------------------------------------
"$NETTUI" --answers --no-cache --export "$T/answers.want/x.txt" "$F" >/dev/null 2>"$T/err"; rc=$?
refused "$T/answers.want/x.txt" "$T/err"                     # the folder is a file
"$NETTUI" --answers --no-cache --export "$T/no/such/folder/a.txt" "$F" >/dev/null 2>"$T/err"; rc=$?
refused "$T/no/such/folder/a.txt" "$T/err"
mkdir "$T/adir" && touch "$T/adir/keep"
"$NETTUI" --answers --no-cache --export "$T/adir" "$F" >/dev/null 2>"$T/err"; rc=$?
refused "$T/adir" "$T/err"; [ -f "$T/adir/keep" ] || fail "--export onto a folder harmed it"
# a folder the user may not write in: chmod, or as root the nobody user
mkdir "$T/ro" && earlier "$T/ro/answers.txt"
if [ "$(id -u)" != 0 ]; then
  chmod 555 "$T/ro"
  "$NETTUI" --answers --no-cache --export "$T/ro/answers.txt" "$F" >/dev/null 2>"$T/err"; rc=$?
  refused "$T/ro/answers.txt" "$T/err"
  chmod 755 "$T/ro"
elif command -v setpriv >/dev/null 2>&1 &&
     setpriv --reuid=65534 --regid=65534 --clear-groups true 2>/dev/null; then
  chmod 755 "$T"; chmod 644 "$F"
  if setpriv --reuid=65534 --regid=65534 --clear-groups "$NETTUI" --version >/dev/null 2>&1; then
    setpriv --reuid=65534 --regid=65534 --clear-groups \
      "$NETTUI" --answers --no-cache --export "$T/ro/answers.txt" "$F" >/dev/null 2>"$T/err"; rc=$?
    refused "$T/ro/answers.txt" "$T/err"
  fi
  chmod 700 "$T"
fi

# ---- past a file-size limit (SIGXFSZ must not end nettui) -------------------
earlier "$T/answers.txt"
run_limited 0 --answers --no-cache --export "$T/answers.txt" "$F"
refused "$T/answers.txt" "$T/err"
cmp -s "$T/out" "$T/answers.want" || fail "ulimit -f 0: the answers on stdout are not all there"
# stdout itself a file past the limit: --json is longer than 512 bytes
( ulimit -f 1 && "$NETTUI" --json --no-cache "$F" > "$T/json.out" 2>&3 3>&-; echo "rc=$?" >&3 ) 3>&1 | cat > "$T/limited.all"
rc=$(sed -n 's/^rc=//p' "$T/limited.all"); cases=$((cases + 1))
[ "$rc" = 1 ] || fail "--json past ulimit -f: exit $rc, want 1 ($(cat "$T/limited.all"))"
grep -q '^nettui: .*standard output' "$T/limited.all" || fail "--json past ulimit -f: no sentence: $(cat "$T/limited.all")"
# room for the answers, none for the cache: a warning, the answers written
run_limited 8 --answers --cache-dir "$T/cache" --export "$T/answers.txt" "$F"
cases=$((cases + 1))
[ "$rc" = 0 ] || fail "cache past ulimit -f: exit $rc, want 0 ($(cat "$T/err"))"
[ "$(warnings "$T/err")" = 1 ] && grep -q 'cache' "$T/err" || fail "cache past ulimit -f: want one warning, got: $(cat "$T/err")"
cmp -s "$T/answers.txt" "$T/answers.want" || fail "cache past ulimit -f: the answers file is not the answers"
ls "$T/cache"/*.ntc* >/dev/null 2>&1 && fail "cache past ulimit -f: a cache file is left: $(ls "$T/cache")"

# ---- a full disk: a small tmpfs, filled ------------------------------------
mkdir "$T/mnt"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=256k tmpfs "$T/mnt" 2>/dev/null; then
  MNT="$T/mnt"
  earlier "$MNT/answers.txt"
  dd if=/dev/zero of="$MNT/fill" bs=4096 count=1000 2>/dev/null
  "$NETTUI" --answers --no-cache --export "$MNT/answers.txt" "$F" >/dev/null 2>"$T/err"; rc=$?
  refused "$MNT/answers.txt" "$T/err"
  "$NETTUI" --answers --cache-dir "$MNT/cache" "$F" >"$T/out" 2>"$T/err"; rc=$?
  cases=$((cases + 1))
  [ "$rc" = 0 ] || fail "cache on a full disk: exit $rc ($(cat "$T/err"))"
  [ "$(warnings "$T/err")" = 1 ] || fail "cache on a full disk: want one warning, got: $(cat "$T/err")"
  cmp -s "$T/out" "$T/answers.want" || fail "cache on a full disk: different answers"
  ls "$MNT/cache"/*.ntc* >/dev/null 2>&1 && fail "cache on a full disk: a cache file is left"
  rm -f "$MNT/fill"
  "$NETTUI" --answers --no-cache --export "$MNT/answers.txt" "$F" >/dev/null 2>"$T/err" ||
    fail "--export once the disk has room again: $(cat "$T/err")"
  cmp -s "$MNT/answers.txt" "$T/answers.want" || fail "--export after the disk had room: wrong file"
  umount "$MNT" && MNT=
else
  echo "60-hostile-export: no tmpfs mount here; the full-disk cases rest on ulimit -f" >&2
fi

# ---- devices, FIFOs and links stay what they are ----------------------------
ln -s /dev/null "$T/null"
"$NETTUI" --answers --no-cache --export "$T/null" "$F" >/dev/null 2>"$T/err" || fail "--export to a link to /dev/null: $(cat "$T/err")"
[ -L "$T/null" ] || fail "--export replaced a link to /dev/null by a file"
cases=$((cases + 1))
"$NETTUI" --answers --no-cache --export /dev/stdout "$F" 2>"$T/err" | cat > "$T/out"   # stdout a pipe
[ "$(wc -l < "$T/out")" = 22 ] || fail "--export /dev/stdout: want the answers twice on stdout ($(cat "$T/err"))"
[ -c /dev/null ] || fail "/dev/null is no longer a device"
cases=$((cases + 1))
if mkfifo "$T/fifo" 2>/dev/null; then
  "$NETTUI" --answers --no-cache --export "$T/fifo" "$F" >/dev/null 2>"$T/err"; rc=$?
  refused "$T/fifo" "$T/err"
  [ -p "$T/fifo" ] || fail "--export replaced a FIFO by a file"
fi
echo target > "$T/target.txt"; ln -s target.txt "$T/link.txt"
"$NETTUI" --answers --no-cache --export "$T/link.txt" "$F" >/dev/null 2>"$T/err" || fail "--export to a link: $(cat "$T/err")"
[ -L "$T/link.txt" ] && cmp -s "$T/target.txt" "$T/answers.want" || fail "--export to a link: the link or its target is wrong"
cases=$((cases + 1))

# ---- a cache path taken by something else: warnings, the same answers -----
"$NETTUI" --answers --cache-dir "$T/c" "$F" >/dev/null 2>&1 || fail "first cached run failed"
c=$(ls "$T/c"/*.ntc) || fail "no cache file written"
echo "KEEP ME" > "$T/outside.txt"
for kind in dir fifo link file-as-folder; do
  rm -rf "$c"
  case $kind in
    dir) mkdir "$c" ;;
    fifo) mkfifo "$c" || continue ;;
    link) ln -s "$T/outside.txt" "$c" ;;
  esac
  dir="$T/c"; [ "$kind" = file-as-folder ] && { echo x > "$T/cfile"; dir="$T/cfile"; }
  "$NETTUI" --answers --cache-dir "$dir" "$F" >"$T/out" 2>"$T/err"; rc=$?
  cases=$((cases + 1))
  [ "$rc" = 0 ] || fail "cache path a $kind: exit $rc ($(cat "$T/err"))"
  cmp -s "$T/out" "$T/answers.want" || fail "cache path a $kind: different answers"
  [ "$(warnings "$T/err")" -le 2 ] || fail "cache path a $kind: more than two warnings: $(cat "$T/err")"
  grep -v '^nettui: .*cache' "$T/err" | grep -v '^nettui: question [0-9]* ([a-z0-9-]*) has no answer: ' && fail "cache path a $kind: a line that is no cache warning"
  [ "$(cat "$T/outside.txt")" = "KEEP ME" ] || fail "cache path a $kind: the file a link named was changed"
done

echo "60-hostile-export: $cases cases, no earlier file lost" >&2
exit 0
