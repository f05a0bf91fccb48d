#!/usr/bin/env bash
# examples/pictures.c draws every kind of picture (docs/pictures.md shows them):
# run it and check that each PNG is a real PNG and each chart left its .dat/.gp.
set -u
source "$(dirname "$0")/lib.sh"

example="$(dirname "$REDES")/examples/example_pictures"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

expect_status 0 "$example" "$dir"
for name in filters heatmap confusion hinton loss panels xor; do
    if [ "$(head -c 8 "$dir/$name.png" 2>/dev/null | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]; then
        report ok
    else
        report fail "$name.png is missing or not a PNG"
    fi
done
for name in loss panels xor; do
    if [ -s "$dir/$name.dat" ] && grep -q "^plot '$name.dat' index 0" "$dir/$name.gp"; then report ok; else
        report fail "$name.dat/$name.gp missing or without a plot command"; fi
done
# Restyling: the script redraws on its own, into another file.
if (cd "$dir" && gnuplot -e "redes_output='again.png'" loss.gp) && [ -s "$dir/again.png" ]; then report ok; else
    report fail "gnuplot loss.gp does not redraw"; fi
expect_status 2 "$example"
finish
