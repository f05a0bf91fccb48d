#!/usr/bin/env bash
# redes train / eval / predict on small data: acceptance fields, eval agrees
# with train, resume continues exactly, PyTorch loads the model, bad input
# exits 2 with one line.
set -u
source "$(dirname "$0")/lib.sh"
SOURCE=${REDES_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# --- train on iris: JSON fields, files
run_capture "$REDES" train --data iris --layers 16 --activation tanh --optimizer adam --lr 0.01 --batch 8 \
    --epochs 20 --val-fraction 0.2 --seed 3 --out "$work/iris" --json
if [ "$check_status" -eq 0 ]; then report ok; else report fail "train iris exited $check_status: $check_stderr"; fi
train_json=$check_stdout
accuracy=$(json_field test_accuracy)
seconds=$(json_field epoch_seconds)
if /usr/bin/python3 -c "import sys; a=float(sys.argv[1]); sys.exit(0 if a >= 0.85 else 1)" "$accuracy"; then
    report ok; else report fail "iris test accuracy $accuracy < 0.85"; fi
if [[ $seconds == \[*\] ]] && [ "$(json_field epochs_run)" = 20 ]; then report ok; else report fail "epoch_seconds: $seconds"; fi
# The legend of the rising accuracy curves sits bottom right, out of their way.
grep -q "^set key bottom right" "$work/iris/accuracy.gp" && report ok || report fail "accuracy.gp legend"
for f in model.safetensors checkpoint.safetensors history.csv confusion.png; do
    if [ -s "$work/iris/$f" ]; then report ok; else report fail "missing $work/iris/$f"; fi
done
if [ "$(wc -l < "$work/iris/history.csv")" -eq 21 ] && head -1 "$work/iris/history.csv" | grep -q \
    '^epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,lr$'; then report ok; else
    report fail "history.csv: $(head -2 "$work/iris/history.csv")"; fi

# --- eval reproduces the test accuracy
expect_output "\"test_accuracy\":$accuracy," "$REDES" eval --model "$work/iris/model.safetensors" --json
expect_output "wrote $work/eval/confusion.png" "$REDES" eval --model "$work/iris/model.safetensors" --out "$work/eval"
expect_output "\"confusion_png\":null" "$REDES" eval --model "$work/iris/model.safetensors" --json

# --- a user's CSV: the model file records its absolute path, so eval and
# inspect find it from any folder without --data; a moved file is named.
mkdir -p "$work/mine"
cp "$SOURCE/data/sklearn/iris.csv" "$work/mine/flowers.csv"
mine=$(cd "$work/mine" && pwd -P) # as realpath records it
run_capture bash -c "cd '$work/mine' && '$REDES' train --data flowers.csv --layers 8 --epochs 15 --lr 0.01 --out run --json"
csv_accuracy=$(json_field test_accuracy)
expect_output "\"test_accuracy\":$csv_accuracy," "$REDES" eval --model "$work/mine/run/model.safetensors" --json
expect_output "flowers.csv test example 3" "$REDES" inspect --model "$work/mine/run/model.safetensors" --index 3 --out "$work/mine/inspect"
# A file written before data.source existed: the registry name still works.
/usr/bin/python3 - "$work/iris/model.safetensors" "$work/old.safetensors" <<'PY'
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + n])
assert header["__metadata__"].pop("data.source") == "iris"
text = json.dumps(header, separators=(",", ":")).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + blob[8 + n:])
PY
expect_output "\"test_accuracy\":$accuracy," "$REDES" eval --model "$work/old.safetensors" --json
mv "$work/mine/flowers.csv" "$work/mine/moved.csv"
expect_stderr "redes eval: .*model.safetensors was trained on $mine/flowers.csv, which is not there any more.*--data" \
    "$REDES" eval --model "$work/mine/run/model.safetensors"
expect_status 2 "$REDES" eval --model "$work/mine/run/model.safetensors"
expect_stderr "redes inspect: .*trained on $mine/flowers.csv, which is not there" \
    "$REDES" inspect --model "$work/mine/run/model.safetensors" --out "$work/mine/inspect2"
expect_output "\"test_accuracy\":$csv_accuracy," "$REDES" eval --model "$work/mine/run/model.safetensors" --data "$work/mine/moved.csv" --json

# --- predict: one example and several, JSON and text
expect_output '^\{"class":0,"label":"setosa","probabilities":\[' "$REDES" predict --model "$work/iris/model.safetensors" 5.1,3.5,1.4,0.2 --json
expect_output '"predictions":\[\{"class":0.*\{"class":2' "$REDES" predict --model "$work/iris/model.safetensors" 5.1,3.5,1.4,0.2 6.9,3.1,5.4,2.1 --json
expect_output 'class 2 \(virginica\)' "$REDES" predict --model "$work/iris/model.safetensors" 6.9,3.1,5.4,2.1

# --- resume: 2 epochs + resume to 4 equals 4 epochs, loss for loss (a
# constant rate: the default cosine anneals over the epochs a run plans)
common=(train --data wine --layers 8 --dropout 0.2 --optimizer momentum --lr 0.05 --batch 16 --val-fraction 0.2 --seed 5
        --schedule constant --json)
run_capture "$REDES" "${common[@]}" --epochs 4 --out "$work/whole"
whole=$(json_field train_loss)
run_capture "$REDES" "${common[@]}" --epochs 2 --out "$work/part"
run_capture "$REDES" "${common[@]}" --epochs 4 --out "$work/resumed" --resume "$work/part/checkpoint.safetensors"
resumed=$(json_field train_loss)
if [ -n "$whole" ] && [ "$whole" = "$resumed" ]; then report ok; else report fail "resume: $whole vs $resumed"; fi

# --- bare --resume: data, net, optimiser, batch, split and seed come from the
# checkpoint.  A 4-epoch run stopped after epoch 2 is the 2-epoch run's
# checkpoint with 4 planned epochs (all else is equal for a constant rate):
# resuming it alone must give the uninterrupted run's numbers.
/usr/bin/python3 - "$work/part/checkpoint.safetensors" "$work/stopped.safetensors" <<'PY'
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
n = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + n])
meta = header["__metadata__"]
options, state = json.loads(meta["train.options"]), json.loads(meta["trainer.state"])
assert options["epochs"] == 2 and state["epochs"] == 2 and state["epochs_done"] == 2
options["epochs"] = options["t-max"] = state["epochs"] = 4
meta["train.options"], meta["trainer.state"] = json.dumps(options), json.dumps(state)
text = json.dumps(header, separators=(",", ":")).encode()
text += b" " * (-len(text) % 8)
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + blob[8 + n:])
PY
run_capture "$REDES" train --resume "$work/stopped.safetensors" --out "$work/bare" --json
bare=$(json_field train_loss)
if [ "$check_status" -eq 0 ] && [ -n "$whole" ] && [ "$whole" = "$bare" ]; then report ok; else
    report fail "bare --resume: $whole vs $bare ($check_stderr)"; fi
for field in data net parameters mode optimizer epochs_run test_accuracy learning_rate model out; do
    grep -q "\"$field\":" <<<"$check_stdout" && report ok || report fail "bare --resume: no $field in $check_stdout"
done
if cmp -s "$work/whole/model.safetensors" "$work/bare/model.safetensors"; then report ok; else
    report fail "bare --resume: model.safetensors differs from the uninterrupted run's"; fi
# --epochs extends a finished run: the same as --data with every option.
run_capture "$REDES" train --resume "$work/part/checkpoint.safetensors" --epochs 4 --out "$work/extended" --json
if [ "$(json_field train_loss)" = "$whole" ]; then report ok; else report fail "--resume --epochs 4: $(json_field train_loss)"; fi
# Options that agree are accepted; options that differ are refused by name.
expect_status 0 "$REDES" train --resume "$work/stopped.safetensors" --data wine --layers 8 --seed 5 --lr 0.05 \
    --batch 16 --optimizer momentum --out "$work/agree" --quiet
hint="a resumed run keeps its recipe; only --epochs, --out and the output options may change"
expect_stderr "^redes train: --layers '9' conflicts with the checkpoint's '8': $hint\$" \
    "$REDES" train --resume "$work/stopped.safetensors" --layers 9 --out "$work/bad"
expect_status 2 "$REDES" train --resume "$work/stopped.safetensors" --layers 9 --out "$work/bad"
expect_stderr "^redes train: --lr 0.01 conflicts with the checkpoint's 0.05: " \
    "$REDES" train --resume "$work/stopped.safetensors" --lr 0.01 --out "$work/bad"
expect_stderr "^redes train: --batch 32 conflicts with the checkpoint's 16: " \
    "$REDES" train --resume "$work/stopped.safetensors" --batch 32 --out "$work/bad"
expect_stderr "^redes train: --optimizer 'adam' conflicts with the checkpoint's 'momentum': " \
    "$REDES" train --resume "$work/stopped.safetensors" --optimizer adam --out "$work/bad"
expect_stderr "^redes train: --seed 6 conflicts with the checkpoint's 5: " \
    "$REDES" train --resume "$work/stopped.safetensors" --seed 6 --out "$work/bad"
expect_stderr "^redes train: --batchnorm conflicts with the checkpoint, trained without it: " \
    "$REDES" train --resume "$work/stopped.safetensors" --batchnorm --out "$work/bad"
expect_stderr "^redes train: --data iris conflicts with the checkpoint's data wine " \
    "$REDES" train --resume "$work/stopped.safetensors" --data iris --out "$work/bad"
expect_stderr "the run finished its 2 epochs; give --epochs N \(more than 2\)" \
    "$REDES" train --resume "$work/part/checkpoint.safetensors" --out "$work/bad"
expect_stderr "no trainer.state in __metadata__ \(a model file, not a checkpoint\?\)" \
    "$REDES" train --resume "$work/part/model.safetensors" --out "$work/bad"
# A cosine schedule anneals over the run's epochs: extending it is refused.
run_capture "$REDES" train --data iris --layers 4 --schedule cosine --epochs 2 --out "$work/cosine" --quiet
expect_stderr "--epochs 3 goes past the checkpoint's cosine schedule, which anneals over 2 epochs" \
    "$REDES" train --resume "$work/cosine/checkpoint.safetensors" --epochs 3 --out "$work/bad"
# A user's CSV that moved: named, and --data gives its new place.
cp "$SOURCE/data/sklearn/iris.csv" "$work/grapes.csv"
run_capture "$REDES" train --data "$work/grapes.csv" --layers 8 --epochs 2 --schedule constant --out "$work/grapes" --quiet
mv "$work/grapes.csv" "$work/vines.csv"
expect_stderr "grapes.csv, which is not there any more .*give the data with --data" \
    "$REDES" train --resume "$work/grapes/checkpoint.safetensors" --epochs 3 --out "$work/bad"
expect_status 0 "$REDES" train --resume "$work/grapes/checkpoint.safetensors" --data "$work/vines.csv" --epochs 3 \
    --out "$work/vines" --quiet

# --- PyTorch loads the file and computes the same probabilities
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
    torch_out=$(/usr/bin/python3 "$SOURCE/tests/golden/torch_model.py" "$work/iris/model.safetensors" --inputs 6.9,3.1,5.4,2.1)
    ours=$("$REDES" predict --model "$work/iris/model.safetensors" 6.9,3.1,5.4,2.1 --json 2>/dev/null)
    if /usr/bin/python3 - "$torch_out" "$ours" <<'PY'
import json, sys
a = json.loads(sys.argv[1])["probabilities"]; b = json.loads(sys.argv[2])["probabilities"]
sys.exit(0 if max(abs(x - y) for x, y in zip(a, b)) < 1e-5 else 1)
PY
    then report ok; else report fail "torch vs redes probabilities: $torch_out / $ours"; fi
fi

# --- an image model on MNIST (one quick epoch) predicts a PNG of any size
if [ -e "$SOURCE/data/mnist/train-images-idx3-ubyte.gz" ]; then
    run_capture "$REDES" train --data mnist --layers 32 --batch 128 --epochs 1 --out "$work/mnist" --json
    if [ "$check_status" -eq 0 ]; then report ok; else report fail "train mnist: $check_stderr"; fi
    # A hand-made 60x80 picture of a "1": a dark vertical bar on white.
    /usr/bin/python3 - "$work/one.png" <<'PY'
import struct, sys, zlib
w, h = 60, 80
rows = b"".join(b"\x00" + bytes(0 if 26 <= x < 34 and 10 <= y < 70 else 255 for x in range(w)) for y in range(h))
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                              + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
PY
    expect_output '^\{"class":1,"label":"1","probabilities":\[' "$REDES" predict --model "$work/mnist/model.safetensors" "$work/one.png" --json
    # The same 1 photographed inside a black 3-pixel frame, and as white ink
    # on black in a white frame: the frame is dropped and the polarity found,
    # so the model sees exactly the same 28 x 28 picture.
    /usr/bin/python3 - "$work" <<'PY'
import struct, sys, zlib
w, h = 60, 80
def write(path, pixel):
    rows = b"".join(b"\x00" + bytes(pixel(x, y) for x in range(w)) for y in range(h))
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    open(path, "wb").write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
                           + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
bar = lambda x, y: 26 <= x < 34 and 10 <= y < 70
edge = lambda x, y, t: x < t or y < t or x >= w - t or y >= h - t
write(sys.argv[1] + "/one-framed.png", lambda x, y: 0 if bar(x, y) or edge(x, y, 3) else 255)
write(sys.argv[1] + "/one-negative.png", lambda x, y: 255 if bar(x, y) or edge(x, y, 1) else 0)
PY
    probabilities() { "$REDES" predict --model "$work/mnist/model.safetensors" "$1" --json 2>/dev/null |
        /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(d['probabilities'], d['inverted'], d['frame_pixels'])"; }
    plain=$(probabilities "$work/one.png")
    framed=$(probabilities "$work/one-framed.png")
    negative=$(probabilities "$work/one-negative.png")
    # The same numbers; inverted or not, and the frame's pixels (60 x 80 less 54 x 74, less 58 x 78).
    if [ "${plain% True 0}" != "$plain" ] && [ "$framed" = "${plain% True 0} True 804" ]; then report ok; else
        report fail "framed: $framed vs $plain"; fi
    if [ "$negative" = "${plain% True 0} False 276" ]; then report ok; else report fail "negative: $negative vs $plain"; fi
    expect_output "one-framed.png \(dark ink on light, inverted; a frame of 804 px dropped\): class 1" \
        "$REDES" predict --model "$work/mnist/model.safetensors" "$work/one-framed.png"
    if [ -s "$work/mnist/misclassified.png" ]; then report ok; else report fail "no misclassified.png"; fi
fi

# --- the lenet5 preset brings its recipe: Adam 3e-3 on a cosine schedule,
# unless --lr or another optimiser is given (two epochs and one on 6 000 images)
if [ -e "$SOURCE/data/mnist/train-images-idx3-ubyte.gz" ]; then
    run_capture "$REDES" train --net lenet5 --data mnist --val-fraction 0.9 --test-fraction 0.01 --epochs 2 --out "$work/lenet5" --json
    if [ "$(json_field learning_rate)" = "[0.003, 0.0015]" ]; then report ok; else
        report fail "lenet5 preset rates: $(json_field learning_rate) $check_stderr"; fi
    run_capture "$REDES" train --net lenet5 --data mnist --val-fraction 0.9 --test-fraction 0.01 --epochs 1 --lr 0.001 --out "$work/lenet5-lr" --json
    if [ "$(json_field learning_rate)" = "[0.001]" ]; then report ok; else
        report fail "lenet5 --lr 0.001: $(json_field learning_rate)"; fi
fi

# --- bad input: exit 2, one line
expect_status 2 "$REDES" train --data no-such-set --out "$work/bad"
expect_stderr "redes train: --data is required" "$REDES" train --out "$work/bad"
expect_stderr "redes train: .*unknown layer 'swish'" "$REDES" train --data iris --net "fc 8, swish" --out "$work/bad"
expect_stderr "redes train: --layers '8,x'" "$REDES" train --data iris --layers 8,x --out "$work/bad"
expect_status 2 "$REDES" train --data iris --optimizer lbfgs --out "$work/bad"
expect_stderr "--patience needs a validation split" "$REDES" train --data iris --patience 3 --out "$work/bad"
expect_stderr "--layers .9. conflicts with the checkpoint.s .8." "$REDES" train --data wine --layers 9 --epochs 3 --out "$work/bad" --resume "$work/part/checkpoint.safetensors"
expect_stderr "redes eval: .*cannot open" "$REDES" eval --model "$work/none.safetensors"
head -c 100 "$work/iris/model.safetensors" > "$work/truncated.safetensors"
expect_stderr "header length [0-9]+ exceeds the file" "$REDES" eval --model "$work/truncated.safetensors"
expect_stderr "expected 4 comma-separated numbers, found 2" "$REDES" predict --model "$work/iris/model.safetensors" 1,2
expect_stderr "not a 28x28 picture" "$REDES" predict --model "$work/iris/model.safetensors" "$work/x.png"
expect_status 2 "$REDES" predict --model "$work/iris/model.safetensors"
finish
