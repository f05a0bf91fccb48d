#!/usr/bin/env bash
# bench/run.sh BUILD_DIR — every benchmark, one section each, our code and the
# reference in the same run; medians and ratios.  Add your section at the end:
#   section "name"; command...
set -uo pipefail
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

section() { printf '\n== %s ==\n' "$1"; }

section "family tree: one run of 10,000 full-batch sweeps, one thread (s): redes, then PyTorch"
"$BUILD/bench/bench_family_tree" 5
/usr/bin/python3 "$ROOT/bench/family_tree_torch.py" 3
