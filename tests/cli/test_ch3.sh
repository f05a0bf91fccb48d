#!/usr/bin/env bash
# Chapter 3 demonstrations: redes xor, gradients, modes, regularization (small, fast settings).
set -u
source "$(dirname "$0")/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# XOR: all four cases right, hand-written and vectorised forward passes equal (bit for bit).
expect_output '"accuracy": ?1\.0' "$REDES" xor --json --out "$tmp/xor"
by_hand=$(json_field forward_by_hand) vectorised=$(json_field forward_vectorised)
if /usr/bin/python3 -c "import sys,json; a=json.loads(sys.argv[1]); b=json.loads(sys.argv[2]); sys.exit(0 if len(a)==4 and a==b else 1)" "$by_hand" "$vectorised"; then
    report ok; else report fail "xor: by hand $by_hand vs vectorised $vectorised"; fi
if /usr/bin/python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) == 0 and float(sys.argv[2]) < 1e-6 else 1)" \
    "$(json_field max_difference)" "$(json_field max_gradient_difference)"; then report ok; else
    report fail "xor: max_difference $(json_field max_difference), gradient $(json_field max_gradient_difference)"; fi
for field in epochs restarts final_error weights hidden; do
    if json_field "$field" >/dev/null 2>&1; then report ok; else report fail "xor: no field $field"; fi
done
for picture in boundary hidden error; do
    if [ -s "$tmp/xor/$picture.gp" ]; then report ok; else report fail "xor: no $picture.gp"; fi
done
expect_output '^Trained in 1680 epochs \(lr 0\.5\), no restart; E = 0\.01810, 4/4 right$' "$REDES" xor --seed 1 --out "$tmp/xor1"
expect_output '^Trained in [0-9]+ epochs \(lr 0\.5\), 1 restart from a local minimum;' "$REDES" xor --seed 7 --out "$tmp/xor7"
expect_status 2 "$REDES" xor --lr -1
expect_stderr "redes xor: .*lr" "$REDES" xor --lr -1
expect_stderr "redes xor: .*tolerance" "$REDES" xor --tolerance 0.9

# Gradients: a small deep net, sigmoid vanishes, ReLU + batch norm does not.
expect_output '"variants"' "$REDES" gradients --depth 6 --width 16 --epochs 1 --variants sigmoid,relu-bn --json --out "$tmp/grad"
ratios=$(printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join(str(v['first_last_ratio_start']) for v in d['variants']))")
if /usr/bin/python3 -c "import sys; s,b=map(float,sys.argv[1:3]); sys.exit(0 if s < 1e-3 and 0.1 < b < 30 else 1)" $ratios; then
    report ok; else report fail "gradients: first/last ratios $ratios"; fi
expect_status 2 "$REDES" gradients --variants sigmoid,nonsense
expect_stderr "redes gradients: .*nonsense" "$REDES" gradients --variants sigmoid,nonsense
expect_status 2 "$REDES" gradients --init huge
expect_status 2 "$REDES" gradients --depth 0

# Modes: three modes, online makes N updates per epoch, full-batch one.
expect_output '"modes"' "$REDES" modes --data iris --epochs 2 --minibatch 16 --json --out "$tmp/modes"
updates=$(printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(' '.join(str(m['updates_per_epoch']) for m in d['modes']))")
if [ "$updates" = "$(printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys,math; n=json.load(sys.stdin)['train_examples']; print(n, math.ceil(n/16), 1)")" ]; then
    report ok; else report fail "modes: updates per epoch $updates"; fi
expect_status 2 "$REDES" modes --minibatch 1
expect_stderr "redes modes: .*minibatch" "$REDES" modes --data iris --minibatch 5000

# Regularization: four variants with train/val/test accuracies.
expect_output '"variants"' "$REDES" regularization --data digits --train-size 200 --val-size 200 --layers 64 --epochs 3 --patience 1 --json --out "$tmp/reg"
names=$(printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); print(','.join(v['variant'] for v in d['variants'] if all(k in v for k in ('train_accuracy','val_accuracy','test_accuracy'))))")
if [ "$names" = "none,l2,dropout,early" ]; then report ok; else report fail "regularization variants: $names"; fi
expect_status 2 "$REDES" regularization --data digits --train-size 5000
expect_stderr "redes regularization: .*exceed" "$REDES" regularization --data digits --train-size 5000
expect_status 2 "$REDES" regularization --dropout 1.5
finish
