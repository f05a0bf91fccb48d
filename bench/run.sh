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

section "data: MNIST load and one epoch of batches (ms): redes, then numpy"
"$BUILD/bench/bench_data_load" 7
/usr/bin/python3 "$ROOT/bench/data_load_numpy.py" 7

section "autograd: MLP 784-256-128-10 forward+backward step, batch 64 (ms): redes, then PyTorch"
autograd_ours=$("$BUILD/bench/bench_autograd" 300); echo "$autograd_ours"
autograd_torch=$(/usr/bin/python3 "$ROOT/bench/bench_autograd_torch.py" 300); echo "$autograd_torch"
awk '/^autograd_mlp_step_ms/ {ours = $2} /^torch_mlp_step_ms/ {torch = $2}
     END {if (ours > 0 && torch > 0) printf "ratio torch/redes %.2f (above 1: redes is faster)\n", torch / ours}' \
    <<<"$autograd_ours"$'\n'"$autograd_torch"

section "chapter 2: metrics report of 1e6 labels, perceptron 100 epochs on breast-cancer (ms): redes, then scikit-learn"
"$BUILD/bench/bench_ch2" 11
/usr/bin/python3 "$ROOT/bench/bench_ch2_sklearn.py" 11

section "hh: f-I sweep, 60 Hodgkin-Huxley neurons x 1 s at dt 0.01 ms (s): redes, then Brian2 (cython)"
hh_ours=$("$BUILD/bench/bench_hh" 5)
echo "$hh_ours"
hh_brian=$(OMP_NUM_THREADS=1 /usr/bin/python3 "$ROOT/bench/bench_hh_brian2.py" 3 cython 2>/dev/null)
echo "$hh_brian"
for method in rk4 exponential; do
    ours=$(awk -v k="redes_${method}_s" '$1 == k {print $2, $4}' <<<"$hh_ours")
    theirs=$(awk -v k="brian2_${method}_s" '$1 == k {print $2, $4}' <<<"$hh_brian")
    [ -n "$ours" ] && [ -n "$theirs" ] &&
        awk -v m="$method" -v a="$ours" -v b="$theirs" 'BEGIN {
            split(a, x, " "); split(b, y, " ");
            printf "hh %-12s wall: redes %.4f s, Brian2 %.4f s, ratio %.1fx   CPU: redes %.4f s, Brian2 %.4f s, ratio %.1fx\n",
                   m, x[1], y[1], y[1] / x[1], x[2], y[2], y[2] / x[2] }'
done

section "family tree: one run of 10,000 full-batch sweeps, one thread (s): redes, then PyTorch"
family_ours=$("$BUILD/bench/bench_family_tree" 5); echo "$family_ours"
family_torch=$(/usr/bin/python3 "$ROOT/bench/bench_family_tree_torch.py" 3); echo "$family_torch"
awk '/^redes by hand:/ {ours = $4} /^pytorch/ {torch = $3}
     END {if (ours > 0 && torch > 0) printf "ratio torch/redes (by hand) %.1f (above 1: redes is faster)\n", torch / ours}' \
    <<<"$family_ours"$'\n'"$family_torch"

section "cnn: one training step of LeNet-5 and of the 2-conv MNIST net, batch 64 (ms): redes, then PyTorch"
cnn_ours=$("$BUILD/bench/bench_cnn" 50); echo "$cnn_ours"
cnn_torch=$(/usr/bin/python3 "$ROOT/bench/bench_cnn_torch.py" 50); echo "$cnn_torch"
for net in lenet5 mnist2; do
    awk -v n="$net" '$1 == "cnn_" n "_step_ms" {ours = $2; ours_cpu = $4} $1 == "torch_" n "_step_ms" {torch = $2; torch_cpu = $4}
        END {if (ours > 0 && torch > 0) printf "%s: ratio torch/redes wall %.2f, CPU %.2f (above 1: redes is faster)\n", n, torch / ours, torch_cpu / ours_cpu}' \
        <<<"$cnn_ours"$'\n'"$cnn_torch"
done

section "mlp: one MNIST epoch, 784-256-128-10, SGD momentum, batch 64 (s, median of 3; max RSS)"
mlp_results=$(mktemp)
for threads in 1 2; do
    "$BUILD/bench/bench_mlp" 3 "$threads" | tee -a "$mlp_results"
    /usr/bin/python3 "$ROOT/bench/bench_mlp_torch.py" 3 "$threads" | tee -a "$mlp_results"
done
# Best (over thread counts) median wall and CPU seconds of each side, their ratio, and peak memory.
awk '/^RESULT/ { who = $2; for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
                 if (!(who in wall) || v["median_s"] < wall[who]) wall[who] = v["median_s"]
                 if (!(who in cpu) || v["cpu_s"] < cpu[who]) cpu[who] = v["cpu_s"]
                 if (v["maxrss_mb"] > rss[who]) rss[who] = v["maxrss_mb"] }
     END { printf "wall: redes %.2f s, torch %.2f s, redes/torch %.2f;  CPU: redes %.2f s, torch %.2f s, redes/torch %.2f;  max RSS: redes %.0f MB, torch %.0f MB\n",
                  wall["redes"], wall["torch"], wall["redes"] / wall["torch"], cpu["redes"], cpu["torch"],
                  cpu["redes"] / cpu["torch"], rss["redes"], rss["torch"] }' "$mlp_results"
rm -f "$mlp_results"

section "cnn epoch: one MNIST epoch of LeNet-5 (SGD 0.05 m 0.9) and mnist-cnn (Adam 1e-3; 200 batches scaled to 938), batch 64: redes, then PyTorch (s, median of 3; best of 1 and 2 threads; max RSS)"
cnn_results=$(mktemp)
for net in lenet5 mnist-cnn; do
    batches=0
    [ "$net" = mnist-cnn ] && batches=200
    for threads in 1 2; do
        "$BUILD/bench/bench_cnn_epoch" "$net" 3 "$threads" "$batches" | tee -a "$cnn_results"
        /usr/bin/python3 "$ROOT/bench/bench_cnn_epoch_torch.py" "$net" 3 "$threads" "$batches" | tee -a "$cnn_results"
    done
done
"$ROOT/bench/cnn_ratio.sh" "$cnn_results"
rm -f "$cnn_results"

