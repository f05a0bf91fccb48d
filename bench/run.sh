#!/usr/bin/env bash
# bench/run.sh BUILD_DIR — every benchmark, one section each, our code and the
# reference in the same run; medians and ratios.  Add your section at the end:
#   section "name"; command...
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

section() { printf '\n== %s ==\n' "$1"; }

section "gemm: portable blocked GEMM vs OpenBLAS (GFLOP/s)"
"$BUILD/bench/bench_gemm" 15

section "conv2d: LeNet-5 and 2-conv MNIST layers, batch 64 (ms): redes, then PyTorch"
"$BUILD/bench/bench_conv" 21
/usr/bin/python3 "$ROOT/bench/bench_conv_torch.py" 21

section "mlp: one MNIST epoch, 784-256-128-10, SGD momentum, batch 64 (s, median of 3; max RSS)"
mlp_results=$(mktemp)
for threads in 1 2; do
    "$BUILD/bench/bench_mlp" 3 "$threads" | tee -a "$mlp_results"
    /usr/bin/python3 "$ROOT/bench/bench_mlp_torch.py" 3 "$threads" | tee -a "$mlp_results"
done
awk '/^RESULT/ { split($3, t, "="); split($4, m, "="); split($7, r, "=");
                 if ($2 == "redes") { if (!rs || m[2] < rs) rs = m[2]; if (r[2] > rr) rr = r[2] }
                 else { if (!ts || m[2] < ts) ts = m[2]; if (r[2] > tr) tr = r[2] } }
     END { printf "best redes %.3f s, best torch %.3f s: redes/torch = %.2f; max RSS redes %.0f MB, torch %.0f MB\n",
                  rs, ts, rs / ts, rr, tr }' "$mlp_results"
rm -f "$mlp_results"

section "data: MNIST load and one epoch of batches (ms): redes, then numpy"
"$BUILD/bench/bench_data_load" 7
/usr/bin/python3 "$ROOT/bench/data_load_numpy.py" 7

section "autograd: MLP 784-256-128-10 forward+backward step, batch 64 (ms): redes, then PyTorch"
autograd_ours=$("$BUILD/bench/bench_autograd" 300); echo "$autograd_ours"
autograd_torch=$(/usr/bin/python3 "$ROOT/bench/bench_autograd_torch.py" 300); echo "$autograd_torch"
awk '/^autograd_mlp_step_ms/ {ours = $2} /^torch_mlp_step_ms/ {torch = $2}
     END {if (ours > 0 && torch > 0) printf "ratio torch/redes %.2f (above 1: redes is faster)\n", torch / ours}' \
    <<<"$autograd_ours"$'\n'"$autograd_torch"
