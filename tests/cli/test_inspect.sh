#!/usr/bin/env bash
# redes inspect on a tiny conv net trained here (300 MNIST images, 2 epochs,
# about a second): files and JSON fields, the same probabilities as
# redes predict, an MLP's weight pictures, bad input exits 2 with one line.
set -u
source "$(dirname "$0")/lib.sh"
SOURCE=${REDES_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
MNIST=${REDES_DATA_DIR:-$SOURCE/data}/mnist
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- a folder of IDX files with the first 300 training and 100 test images
idx_header() { # magic(3 images, 1 labels) count
    printf "\\x00\\x00\\x08\\x0$1"
    printf '%08x' "$2" | xxd -r -p
    if [ "$1" = 3 ]; then printf '%08x%08x' 28 28 | xxd -r -p; fi
}
tiny=$work/tiny
mkdir -p "$tiny"
{ idx_header 3 300; zcat "$MNIST/train-images-idx3-ubyte.gz" | tail -c +17 | head -c $((300 * 784)); } >"$tiny/train-images-idx3-ubyte"
{ idx_header 1 300; zcat "$MNIST/train-labels-idx1-ubyte.gz" | tail -c +9 | head -c 300; } >"$tiny/train-labels-idx1-ubyte"
{ idx_header 3 100; zcat "$MNIST/t10k-images-idx3-ubyte.gz" | tail -c +17 | head -c $((100 * 784)); } >"$tiny/t10k-images-idx3-ubyte"
{ idx_header 1 100; zcat "$MNIST/t10k-labels-idx1-ubyte.gz" | tail -c +9 | head -c 100; } >"$tiny/t10k-labels-idx1-ubyte"

net="conv 4 5 pad 2, relu, maxpool 2, conv 8 5, relu, maxpool 2, fc 16, relu, fc 10"
expect_status 0 "$REDES" train --data "$tiny" --net "$net" --epochs 2 --seed 2 --out "$work/cnn" --quiet
model=$work/cnn/model.safetensors

# --- a test example: JSON fields and the files they name
run_capture "$REDES" inspect --model "$model" --data "$tiny" --index 0 --out "$work/inspect" --json
if [ "$check_status" -eq 0 ]; then report ok; else report fail "inspect exited $check_status: $check_stderr"; fi
fields_ok=$(printf '%s' "$check_stdout" | /usr/bin/python3 -c '
import json, os, sys
d = json.load(sys.stdin)
p = d["probabilities"]
files = d["files"]
ok = (d["true_class"] == 7 and d["class"] == max(range(10), key=lambda k: p[k]) and len(p) == 10
      and abs(sum(p) - 1) < 1e-4 and [l["kind"] for l in d["layers"]][:3] == ["conv", "relu", "maxpool"]
      and d["layers"][3]["output_shape"] == [8, 10, 10]
      and [os.path.basename(f) for f in files["feature_maps"]]
          == ["features-1-conv1.png", "features-2-pool1.png", "features-3-conv2.png", "features-4-pool2.png"]
      and [os.path.basename(f) for f in files["weights"]] == ["weights-fc1.png", "weights-fc2.png"]
      and all(os.path.getsize(f) > 0 for f in [files["input"], files["filters"]] + files["feature_maps"] + files["weights"]))
print("yes" if ok else "no: " + json.dumps(d))')
if [ "$fields_ok" = yes ]; then report ok; else report fail "inspect JSON: $fields_ok"; fi
# PNG sizes: 4 conv1 kernels of 5x5 at scale 12 in one row with 1-pixel gaps: 4*60 + 5*12 = 300 by 60 + 2*12 = 84.
size=$(/usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", d[16:24]))' "$work/inspect/filters.png")
if [ "$size" = "300 84" ]; then report ok; else report fail "filters.png is $size, expected 300 84"; fi

# --- a PNG: the same probabilities as redes predict
png=$work/inspect/input.png
run_capture "$REDES" predict --model "$model" "$png" --json
predicted=$(json_field probabilities)
run_capture "$REDES" inspect --model "$model" "$png" --out "$work/png" --json
inspected=$(json_field probabilities)
if [ -n "$predicted" ] && [ "$predicted" = "$inspected" ]; then report ok; else
    report fail "inspect $inspected vs predict $predicted"; fi
expect_output 'predicted [0-9] with probability' "$REDES" inspect --model "$model" "$png" --out "$work/png2"
# input.png is the digit alone, 28 x 8 = 224 pixels, without a grey frame
# (predict took a frame for a light background and inverted the digit).
size=$(/usr/bin/python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(24); print(*struct.unpack(">II", d[16:24]))' "$png")
if [ "$size" = "224 224" ]; then report ok; else report fail "input.png is $size, expected 224 224"; fi

# --- an MLP on iris: Hinton diagrams, no pictures of inputs
expect_status 0 "$REDES" train --data iris --layers 6 --epochs 3 --seed 1 --out "$work/iris" --quiet
expect_output '"weights":\[[^]]*weights-fc1.png[^]]*weights-fc2.png' "$REDES" inspect --model "$work/iris/model.safetensors" --index 2 --out "$work/iris-inspect" --json
if [ ! -e "$work/iris-inspect/input.png" ] && [ ! -e "$work/iris-inspect/filters.png" ]; then report ok; else
    report fail "iris: pictures of a tabular input"; fi

# --- digits (8x8 images stored as floats 0..16): the input is a picture too
expect_status 0 "$REDES" train --data digits --net "conv 4 3 pad 1, relu, maxpool 2, fc 10" --epochs 1 --out "$work/digits" --quiet
expect_output 'pictures in .*: input.png, filters.png, 2 feature-map grids, 1 weight picture$' \
    "$REDES" inspect --model "$work/digits/model.safetensors" --index 3 --out "$work/digits-inspect"
[ -s "$work/digits-inspect/input.png" ] && report ok || report fail "digits: no input.png"

# --- bad input: exit 2, one line
expect_status 2 "$REDES" inspect
expect_stderr 'redes inspect: --model is required' "$REDES" inspect --index 1
expect_stderr 'redes inspect: .*' "$REDES" inspect --model "$work/nothing.safetensors"
expect_status 2 "$REDES" inspect --model "$work/nothing.safetensors"
expect_stderr 'index 100: the test set of .*tiny has 100 examples' "$REDES" inspect --model "$model" --data "$tiny" --index 100 --out "$work/x"
# The model file records the IDX folder's path: no --data needed, until it moves.
expect_output 'tiny test example 5, true class' "$REDES" inspect --model "$model" --index 5 --out "$work/x"
mv "$tiny" "$work/moved"
expect_stderr 'model.safetensors was trained on .*/tiny, which is not there any more .*give the data with --data' \
    "$REDES" inspect --model "$model" --out "$work/x"
expect_output 'moved test example 5, true class' "$REDES" inspect --model "$model" --data "$work/moved" --index 5 --out "$work/x"
expect_stderr 'must be a .png picture' "$REDES" inspect --model "$model" notes.txt
expect_stderr 'either a PNG picture or --data/--index' "$REDES" inspect --model "$model" "$png" --index 2
expect_stderr 'the model takes 4 inputs' "$REDES" inspect --model "$work/iris/model.safetensors" "$png" --out "$work/x"
expect_stderr 'index' "$REDES" inspect --model "$model" --index -3
printf 'not a model' >"$work/bad.safetensors"
expect_status 2 "$REDES" inspect --model "$work/bad.safetensors"

finish
