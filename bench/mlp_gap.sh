#!/bin/sh
# mlp_gap.sh — which half of the chapter-3 MNIST MLP recipe (initial weights,
# or batch order and implementation) carries a difference between redes and
# PyTorch (docs/chapter3-mlp.md, section 9).  Not a timing benchmark.
#
# For every seed S, the MLP 784-256-128-10 (ReLU, Adam 1e-3, batch 64,
# EPOCHS epochs, inputs in [0, 1]) is trained five ways:
#
#   A  redes:   redes's init,   redes's orders  (= `redes train ... --schedule constant --seed S --threads 1`)
#   B  PyTorch: redes's init,   redes's orders  (same start and batches as A)
#   C  PyTorch: redes's init,   PyTorch's orders
#   D  PyTorch: PyTorch's init, PyTorch's orders (= mnist_mlp_torch_reference.py --no-normalize S)
#   E  redes:   PyTorch's init, redes's orders
#
# and one line "GAP cond=X seed=S test_accuracy=A" per run is appended to
# OUT (the summary at the end prints mean ± sd per condition).
#
#   bench/mlp_gap.sh OUT EPOCHS SEED...      (from the repository root, after make)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TRACE="$ROOT/build/bench/bench_mlp_trace"
TORCH="/usr/bin/python3 $ROOT/bench/mlp_trace_torch.py"
OUT=$1
EPOCHS=$2
shift 2
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
last() { sed -n 's/.*test_accuracy=\([0-9.]*\).*/\1/p' | tail -1; }
for S in "$@"; do
    mkdir -p "$WORK/A$S" "$WORK/E$S"
    "$TRACE" "$S" "$EPOCHS" "$WORK/A$S" 1 2>/dev/null
    echo "GAP cond=A seed=$S test_accuracy=$(tail -1 "$WORK/A$S/test.txt" | cut -d' ' -f3)" >>"$OUT"
    echo "GAP cond=B seed=$S test_accuracy=$($TORCH "$WORK/A$S" --seed "$S" --init redes --order redes | last)" >>"$OUT"
    echo "GAP cond=C seed=$S test_accuracy=$($TORCH "$WORK/A$S" --seed "$S" --epochs "$EPOCHS" --init redes --order torch | last)" >>"$OUT"
    echo "GAP cond=D seed=$S test_accuracy=$($TORCH "$WORK/A$S" --seed "$S" --epochs "$EPOCHS" --init torch --order torch | last)" >>"$OUT"
    $TORCH "$WORK/A$S" --seed "$S" --write-init "$WORK/torch_init$S.f32" >/dev/null
    "$TRACE" "$S" "$EPOCHS" "$WORK/E$S" 1 "$WORK/torch_init$S.f32" 2>/dev/null
    echo "GAP cond=E seed=$S test_accuracy=$(tail -1 "$WORK/E$S/test.txt" | cut -d' ' -f3)" >>"$OUT"
    grep "seed=$S " "$OUT" | tail -5
done
/usr/bin/python3 - "$OUT" <<'EOF'
import re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.match(r"GAP cond=(\w) seed=(\d+) test_accuracy=([0-9.]+)", line)
    if m:
        runs.setdefault(m.group(1), {})[int(m.group(2))] = float(m.group(3))
names = {"A": "redes   init redes, order redes", "B": "PyTorch init redes, order redes",
         "C": "PyTorch init redes, order torch", "D": "PyTorch init torch, order torch",
         "E": "redes   init torch, order redes"}
for c in sorted(runs):
    v = list(runs[c].values())
    sd = statistics.stdev(v) if len(v) > 1 else 0.0
    print("%s  %s  n=%2d  mean %.4f  sd %.4f  se %.4f" % (c, names[c], len(v), statistics.mean(v), sd,
                                                        sd / len(v) ** 0.5))
EOF
