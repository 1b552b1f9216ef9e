#!/bin/sh
# Installs the Debian packages named in $DEBS that are missing. As root it runs
# apt-get; otherwise it prints the one command a user should run.
missing=""
for p in $DEBS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ]; then
  echo "installing:$missing"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends $missing >/dev/null || {
    echo "apt-get could not install:$missing" >&2; exit 1; }
else
  echo "missing packages:$missing" >&2
  echo "run: sudo apt-get install$missing" >&2
  exit 1
fi
