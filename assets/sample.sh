#!/bin/sh
# The bundled sample is a recipe, not a file: `make run` calls this to build
# build/sample/sample.csv (300,000 rows, seed 1) and its key once.
set -eu
cd "$(dirname "$0")/.."
gen=${NETTUI_GEN:-./nettui-gen}
dir=build/sample
[ -s "$dir/sample.csv" ] && [ -s "$dir/answers.txt" ] && exit 0
mkdir -p "$dir"
"$gen" --rows 300000 --seed 1 --out "$dir/sample.csv.tmp" --answers "$dir/answers.txt.tmp"
mv "$dir/sample.csv.tmp" "$dir/sample.csv"
mv "$dir/answers.txt.tmp" "$dir/answers.txt"
echo "sample: $dir/sample.csv (key in $dir/answers.txt)"
