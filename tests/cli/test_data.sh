#!/usr/bin/env bash
# `redes data`: info and split on the bundled sets; corrupt files exit 2 with one line.
set -u
source "$(dirname "$0")/lib.sh"
SOURCE=${REDES_SOURCE_DIR:?set REDES_SOURCE_DIR to the source tree}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect_output '"examples": 70000' "$REDES" data info mnist --json
if [ "$(json_field train_class_counts)" = "[5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]" ]; then
    report ok; else report fail "mnist train_class_counts: $(json_field train_class_counts)"; fi
if [ "$(json_field image_chw)" = "[1, 28, 28]" ]; then report ok; else report fail "mnist image_chw"; fi
expect_output '^0 +setosa +50$' "$REDES" data info iris
expect_output "^features: uint8 pixels, read as value / 255 \\(in \\[0, 1\\]\\)$" "$REDES" data info mnist
expect_output '"class_counts": \[212, 357\]' "$REDES" data info breast-cancer --json
expect_output 'value counts \(0\.\.9\): 980 1135 1032' "$REDES" data info "$SOURCE/data/mnist/t10k-labels-idx1-ubyte.gz"

expect_output '"train": \{"examples": 105' "$REDES" data split iris --train 0.7 --val 0.15 --json
if [ "$(json_field test)" = '{"examples": 21, "fraction": 0.14, "class_counts": [7, 7, 7]}' ]; then
    report ok; else report fail "iris test part: $(json_field test)"; fi
expect_output '^test +10000' "$REDES" data split mnist --official --val 0.1

# A truncated IDX file (plain and gzip) and a wrong magic number: exit 2, one line naming the problem.
zcat "$SOURCE/data/mnist/train-images-idx3-ubyte.gz" | head -c 1000 >"$tmp/broken.idx"
expect_status 2 "$REDES" data info "$tmp/broken.idx"
expect_stderr "broken.idx: expected 47040016 bytes, found 1000 \(truncated\?\)" "$REDES" data info "$tmp/broken.idx"
head -c 5000 "$SOURCE/data/mnist/train-images-idx3-ubyte.gz" >"$tmp/broken.idx.gz"
expect_stderr "broken.idx.gz: expected 47040016 bytes, found [0-9]+ \(truncated\?\)" "$REDES" data info "$tmp/broken.idx.gz"
printf 'not an idx file at all' >"$tmp/text.idx"
expect_stderr "text.idx: bad magic number 0x6E6F7420" "$REDES" data info "$tmp/text.idx"

# A folder whose images file is truncated fails the same way.
mkdir "$tmp/mnist-copy"
cp "$SOURCE"/data/mnist/*.gz "$tmp/mnist-copy/"
head -c 3000 "$SOURCE/data/mnist/t10k-images-idx3-ubyte.gz" >"$tmp/mnist-copy/t10k-images-idx3-ubyte.gz"
expect_stderr "t10k-images-idx3-ubyte.gz: expected 7840016 bytes, found [0-9]+ \(truncated\?\)" \
    "$REDES" data info "$tmp/mnist-copy"

# CSV errors carry the line and column.
printf 'a,b,label\n1,2,x\n3,oops,y\n' >"$tmp/bad.csv"
expect_status 2 "$REDES" data info "$tmp/bad.csv"
expect_stderr "bad.csv:3: column 2: 'oops' is not a number" "$REDES" data info "$tmp/bad.csv"
printf 'a,b,label\n1,2,x\n3,4,y\n5,6,x\n' >"$tmp/good.csv"
expect_output '"class_names": \["x", "y"\]' "$REDES" data info "$tmp/good.csv" --json
printf '3,0.5\n1,1.5\n3,2.5\n' >"$tmp/first.csv"
expect_output '"class_counts": \[1, 2\]' "$REDES" data info "$tmp/first.csv" --label-column 1 --header no --json
expect_stderr "label column 4 does not exist" "$REDES" data info "$tmp/first.csv" --label-column 4

# Bad input.
expect_stderr "unknown data set 'nope'" "$REDES" data info nope
expect_stderr "unknown action 'frobnicate'" "$REDES" data frobnicate iris
expect_stderr "must be at most 1" "$REDES" data split iris --train 0.9 --val 0.2
expect_stderr "no official train/test split" "$REDES" data split iris --official
expect_status 2 "$REDES" data info
expect_stderr "expected an action and a data set" "$REDES" data
expect_stderr "--train expects a number, got 'nan'" "$REDES" data split iris --train nan
expect_stderr "--train must be between 0 and 1, got -0.1" "$REDES" data split iris --train -0.1
expect_stderr "--label-column must be between 0 and" "$REDES" data info iris --label-column -1
# Malformed files: a NaN, a short row, an empty file, a gzip stream cut in its header, a folder.
printf 'a,b,label\nnan,2,x\n' >"$tmp/nan.csv"
expect_status 2 "$REDES" data info "$tmp/nan.csv"
expect_stderr "nan.csv:2: column 1: 'nan' is not a finite number" "$REDES" data info "$tmp/nan.csv"
printf 'a,b,label\n1,2,x\n3,4\n' >"$tmp/short.csv"
expect_stderr "short.csv:3: expected 3 columns, found 2" "$REDES" data info "$tmp/short.csv"
: >"$tmp/empty.csv"
expect_stderr "empty.csv: empty file" "$REDES" data info "$tmp/empty.csv"
head -c 15 "$SOURCE/data/mnist/t10k-labels-idx1-ubyte.gz" >"$tmp/cut.idx.gz"
expect_stderr "cut.idx.gz: gzip stream ends before any data \(truncated\?\)" "$REDES" data info "$tmp/cut.idx.gz"
expect_stderr "train-images-idx3-ubyte\[.gz\] not found" "$REDES" data info "$tmp/mnist-copy/.."
finish
