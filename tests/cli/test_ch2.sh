#!/usr/bin/env bash
# Chapter 2 commands: perceptron, gates, activations, losses, metrics.
set -u
source "$(dirname "$0")/lib.sh"
SRC=${REDES_SOURCE_DIR:?}
G=$SRC/tests/golden
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT

# json_check 'python expression on j' description: asserts on the last stdout's JSON.
json_check() {
    if printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys,math; j=json.load(sys.stdin); sys.exit(0 if ($1) else 1)"; then
        report ok; else report fail "$2: ($1) is false on: ${check_stdout:0:400}"; fi
}

# --- perceptron: the acceptance lines
run_capture "$REDES" perceptron --data gates --gate xor --json --out "$OUT/xor"
json_check 'j["converged"] is False and j["epochs"] == 100 and j["final_errors"] >= 1' "xor never converges"
expect_output '"converged": ?false' "$REDES" perceptron --data gates --gate xor --json --out "$OUT/xor"
run_capture "$REDES" perceptron --data gates --gate and --json --out "$OUT/and"
json_check 'j["converged"] is True and j["epochs"] == 6 and j["updates"] == 11 and j["weights"] == [2.0, 1.0] and j["bias"] == -3.0' "AND in 6 epochs"
expect_output '"converged": ?true' "$REDES" perceptron --data gates --gate and --json --out "$OUT/and"
[ -s "$OUT/and/perceptron-boundary.png" ] && [ -s "$OUT/and/perceptron-errors.png" ] && report ok || report fail "perceptron pictures"
# XOR's 4 mistakes every epoch sit below the top of a 0..5 axis with whole tics, not on the frame.
grep -q "^set yrange \[0:5\]$" "$OUT/xor/perceptron-errors.gp" && grep -q "^set ytics 1$" "$OUT/xor/perceptron-errors.gp" &&
    report ok || report fail "perceptron-errors.gp: y axis of the mistakes"
for gate in or nand nor; do
    run_capture "$REDES" perceptron --data gates --gate $gate --json --out "$OUT/$gate"
    json_check 'j["converged"] is True and j["train_accuracy"] == 1.0' "$gate converges"
done
# Iris: setosa is separated perfectly, on train and test, with any seed.
for seed in 1 2 3; do
    run_capture "$REDES" perceptron --data iris --seed $seed --json --out "$OUT/iris$seed"
    json_check 'j["converged"] is True and j["train_accuracy"] == 1.0 and j["test_accuracy"] == 1.0 and j["positive_class"] == "setosa"' "iris setosa seed $seed"
done
run_capture "$REDES" perceptron --data iris --features all --json --out "$OUT/iris-all"
json_check 'j["converged"] is True and j["test_accuracy"] == 1.0 and len(j["weights"]) == 4 and j["boundary_png"] is None' "iris 4 features"
# Versicolor is not linearly separable from the rest.
run_capture "$REDES" perceptron --data iris --class versicolor --json --out "$OUT/versicolor"
json_check 'j["converged"] is False and "did not converge" in j["message"]' "versicolor does not converge"
run_capture "$REDES" perceptron --data breast-cancer --pocket --json --out "$OUT/bc"
json_check 'j["standardised"] is True and j["train_accuracy"] > 0.97 and j["test_accuracy"] > 0.9 and j["train"]["examples"] + j["test"]["examples"] == 569' "breast cancer"
# Same seed, same numbers.
a=$("$REDES" perceptron --data breast-cancer --seed 7 --json --out "$OUT/s1" | sed 's/"errors_png".*//')
b=$("$REDES" perceptron --data breast-cancer --seed 7 --json --out "$OUT/s2" | sed 's/"errors_png".*//')
[ "$a" = "$b" ] && report ok || report fail "perceptron not reproducible"
# A CSV file (label last).
printf 'a,b,label\n0,0,no\n0,1,no\n1,0,no\n1,1,yes\n2,2,yes\n0,2,no\n2,0,no\n3,3,yes\n' > "$OUT/tiny.csv"
run_capture "$REDES" perceptron --data "$OUT/tiny.csv" --class yes --test 0.25 --json --out "$OUT/csv"
json_check 'j["converged"] is True and j["positive_class"] == "yes"' "CSV file"
expect_status 2 "$REDES" perceptron --data iris --class daisy
expect_stderr "class 'daisy'.*setosa" "$REDES" perceptron --data iris --class daisy
expect_stderr "features" "$REDES" perceptron --data iris --features 9
expect_status 2 "$REDES" perceptron --data "$OUT/missing.csv"
expect_status 2 "$REDES" perceptron --gate maybe
expect_stderr "--epochs must be between 1 and" "$REDES" perceptron --epochs 0
expect_stderr "--learning-rate expects a number, got 'nan'" "$REDES" perceptron --learning-rate nan
expect_stderr "--test must be between 0 and 0.9" "$REDES" perceptron --data iris --test 0.95
printf 'a,b,label\nnan,2,x\n1,1,y\n' >"$OUT/nan.csv"
expect_status 2 "$REDES" perceptron --data "$OUT/nan.csv" --out "$OUT/bad"
expect_stderr "nan.csv:2: column 1: 'nan' is not a finite number" "$REDES" perceptron --data "$OUT/nan.csv" --out "$OUT/bad"

# --- gates
run_capture "$REDES" gates --json --out "$OUT/gates"
json_check 'j["all_correct"] and [r["y"] for r in j["gates"]["and"]["truth_table"]] == [0,0,0,1] and [r["y"] for r in j["gates"]["xor"]["truth_table"]] == [0,1,1,0]' "gate truth tables"
json_check '[r["y"] for r in j["gates"]["nand"]["truth_table"]] == [1,1,1,0] and [r["y"] for r in j["gates"]["nor"]["truth_table"]] == [1,0,0,0] and [r["y"] for r in j["gates"]["not"]["truth_table"]] == [1,0]' "nand nor not"
json_check 'j["xor_single_unit"]["separable"] is False and j["xor_single_unit"]["certificate"] == [1,1,1,1] and j["gates"]["xor"]["layers"] == 2' "xor proof"
json_check 'j["boolean_functions_2_inputs"]["separable"] == 14 and sorted(j["boolean_functions_2_inputs"]["not_separable"]) == ["xnor","xor"]' "14 of 16"
json_check 'len(j["pngs"]) == 5' "five gate pictures"
[ -s "$OUT/gates/gates-xor.png" ] && report ok || report fail "gates-xor.png"
expect_output "XOR in two layers" "$REDES" gates --out "$OUT/gates"
expect_stderr "must be one of" "$REDES" gates --gate maybe

# --- activations
run_capture "$REDES" activations --json --points 11 --out "$OUT/act"
json_check 'set(j["functions"]) == {"identity","step","sign","sigmoid","tanh","relu","leaky_relu","elu","softplus","gelu"} and "softmax" in j' "all activations"
json_check 'abs(j["functions"]["sigmoid"]["f"][5] - 0.5) < 1e-7 and abs(j["functions"]["sigmoid"]["df"][5] - 0.25) < 1e-7 and j["functions"]["relu"]["df"][5] == 0.0 and j["functions"]["step"]["f"][5] == 1.0' "values at 0"
json_check 'abs(j["functions"]["tanh"]["df"][0] - (1 - math.tanh(-5)**2)) < 1e-6 and abs(j["functions"]["gelu"]["f"][10] - 5 * 0.5 * (1 + math.erf(5 / math.sqrt(2)))) < 1e-5' "tanh' and gelu"
json_check 'j["max_derivative_error"] < 1e-4' "derivatives agree with finite differences"
n_png=$(ls "$OUT/act"/activation-*.png 2>/dev/null | wc -l)
[ "$n_png" -eq 11 ] && report ok || report fail "expected 11 activation pictures, found $n_png"
expect_stderr "smaller than" "$REDES" activations --from 1 --to 0
expect_stderr "--points must be between 2 and" "$REDES" activations --points 1
expect_stderr "--from expects a number, got 'nan'" "$REDES" activations --from nan
expect_stderr "--function must be one of" "$REDES" activations --function swish

# --- losses
run_capture "$REDES" losses --pred 0.9,0.2 --target 1,0 --probs "0.7,0.2,0.1;0.1,0.3,0.6" --classes 0,1 --json --out "$OUT/loss"
json_check 'abs(j["binary"]["mse"]["loss"] - (0.01 + 0.04) / 2) < 1e-7 and abs(j["binary"]["bce"]["loss"] + (math.log(0.9) + math.log(0.8)) / 2) < 1e-6' "loss values"
json_check 'abs(j["binary"]["bce"]["grad"][0] - (0.9 - 1) / (0.9 * 0.1 * 2)) < 1e-5 and abs(j["binary"]["bce_logits"]["grad"][1] - 0.2 / 2) < 1e-6' "bce gradients"
json_check 'abs(j["categorical"]["loss"] + (math.log(0.7) + math.log(0.3)) / 2) < 1e-6 and abs(j["categorical"]["grad_logits"][0] - (0.7 - 1) / 2) < 1e-6' "categorical"
[ -s "$OUT/loss/losses-binary.png" ] && [ -s "$OUT/loss/losses-categorical.png" ] && report ok || report fail "loss pictures"
expect_stderr "--pred has 2 values but --target has 1" "$REDES" losses --pred 0.1,0.2 --target 1
expect_stderr "sums to" "$REDES" losses --probs "0.5,0.6"
expect_stderr "expected numbers" "$REDES" losses --pred abc
expect_stderr "--pred: value 1 is 1.5, must be in \[0, 1\]" "$REDES" losses --pred 1.5 --target 1
expect_stderr "row 2 has 1 value, row 1 has 2" "$REDES" losses --probs "0.5,0.5;1" --classes 0,0
expect_stderr "--classes: value 1 is 2, must be a class 0..1" "$REDES" losses --probs "0.5,0.5" --classes 2

# --- metrics: equal to scikit-learn (fixture from tests/golden/make_metrics_golden.py)
run_capture "$REDES" metrics --true "$G/metrics_strings_true.txt" --pred "$G/metrics_strings_pred.txt" --json --out "$OUT/m"
want() { grep "^$1 " "$G/metrics_strings.txt" | cut -d' ' -f2; }
json_check "abs(j['accuracy'] - $(want accuracy)) < 1e-9 and abs(j['precision_macro'] - $(want precision_macro)) < 1e-9 and abs(j['recall_macro'] - $(want recall_macro)) < 1e-9" "metrics vs sklearn"
json_check "abs(j['f1_macro'] - $(want f1_macro)) < 1e-9 and abs(j['f1_weighted'] - $(want f1_weighted)) < 1e-9 and sum(map(sum, j['confusion'])) == 30 and j['labels'][0] == 'Zebra'" "f1 vs sklearn"
[ -s "$OUT/m/confusion.png" ] && report ok || report fail "confusion.png"
expect_output "macro avg" "$REDES" metrics --true "$G/metrics_strings_true.txt" --pred "$G/metrics_strings_pred.txt" --out "$OUT/m"
printf '1\n2\n' > "$OUT/short.txt"
printf '' > "$OUT/empty.txt"
expect_status 2 "$REDES" metrics --true "$G/metrics_strings_true.txt" --pred "$OUT/short.txt"
expect_stderr "has 30 labels but .* has 2" "$REDES" metrics --true "$G/metrics_strings_true.txt" --pred "$OUT/short.txt"
expect_stderr "empty file" "$REDES" metrics --true "$OUT/empty.txt" --pred "$OUT/short.txt"
expect_stderr "No such file" "$REDES" metrics --true "$OUT/nope.txt" --pred "$OUT/short.txt"
expect_stderr "needs --true FILE and --pred FILE" "$REDES" metrics --true "$OUT/short.txt"
expect_stderr "needs --true FILE and --pred FILE" "$REDES" metrics --true "" --pred "$OUT/short.txt"
expect_stderr "read error: Is a directory" "$REDES" metrics --true "$OUT" --pred "$OUT/short.txt"
head -c 2000 /dev/urandom | tr -d '\n' | head -c 100 >"$OUT/binary.txt"; printf '\0' >>"$OUT/binary.txt"
expect_stderr "contains a NUL byte" "$REDES" metrics --true "$OUT/binary.txt" --pred "$OUT/binary.txt"
expect_stderr "--beta expects a number, got 'nan'" "$REDES" metrics --true "$OUT/short.txt" --pred "$OUT/short.txt" --beta nan
# A bad --out fails alone: one line on stderr, before any other output.
for command in gates activations losses perceptron; do
    expect_stderr "exists and is not a folder" "$REDES" "$command" --json --out "$OUT/short.txt"
done
finish
