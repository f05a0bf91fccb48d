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
"$BUILD/bench/bench_bench_gemm" 15

section "conv2d: LeNet-5 and 2-conv MNIST layers, batch 64 (ms): redes, then PyTorch"
"$BUILD/bench/bench_bench_conv" 21
/usr/bin/python3 "$ROOT/bench/bench_conv_torch.py" 21
