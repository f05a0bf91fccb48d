#!/usr/bin/env bash
# The main job, what a newcomer runs first (`make demo`): LeNet-5 learns the
# bundled MNIST digits, then shows what it learned.
#
#   scripts/demo.sh [REDES] [--out DIR] [--epochs N] [--threads N]
#
# About 15 seconds on 2 idle cores (an epoch of LeNet-5 is about 1.4 s on
# two threads, 2.2 s on one; a busy machine can make it several times that),
# and about 99.2-99.3 % test accuracy (the cosine schedule matters: at a
# constant rate LeNet-5 stays near 98.9 %, in PyTorch too).
# Writes into runs/demo-YYYYmmdd-HHMMSS/ (or --out DIR):
#   model.safetensors  history.csv  loss.png  accuracy.png  confusion.png
#   misclassified.png  inspect/filters.png  inspect/features-*.png
#   inspect/input.png  inspect/weights-fc*.png
set -euo pipefail
redes=build/redes
if [ $# -gt 0 ] && [[ $1 != --* ]]; then redes=$1; shift; fi
out=runs/demo-$(date +%Y%m%d-%H%M%S)
epochs=10
threads=()
while [ $# -gt 0 ]; do
    case $1 in
    --out) out=${2:?--out needs a folder}; shift 2 ;;
    --epochs) epochs=${2:?--epochs needs a number}; shift 2 ;;
    --threads) threads=(--threads "${2:?--threads needs a number}"); shift 2 ;;
    *) echo "demo.sh: unknown option '$1' (--out DIR, --epochs N, --threads N)" >&2; exit 2 ;;
    esac
done
export OMP_WAIT_POLICY=${OMP_WAIT_POLICY:-passive}

"$redes" --version
echo
echo "== LeNet-5 on MNIST: 54000 training and 6000 validation images of 28x28 digits, 10000 test images"
echo "   conv 6 5x5 pad 2, relu, maxpool 2, conv 16 5x5, relu, maxpool 2, fc 120, relu, fc 84, relu, fc 10"
echo "   Adam, learning rate 3e-3 on a cosine schedule, batch 64, $epochs epochs"
echo
start=$(date +%s)
"$redes" train --net lenet5 --data mnist --epochs "$epochs" --schedule cosine --val-fraction 0.1 --seed 1 --out "$out" "${threads[@]}"
echo
# The first test digit: what the network sees, layer by layer.
"$redes" inspect --model "$out/model.safetensors" --index 0 --out "$out/inspect" "${threads[@]}"
seconds=$(($(date +%s) - start))

cat <<EOF

== Done in $seconds s.  Everything is in $out/
   loss.png, accuracy.png      learning curves per epoch (history.csv has the numbers)
   confusion.png               which digits get confused with which (test set)
   misclassified.png           test digits the network got wrong
   inspect/filters.png         the 6 learned 5x5 filters of the first convolution
   inspect/input.png           the first test digit (a 7) ...
   inspect/features-*.png      ... after each convolution and pooling layer
   inspect/weights-fc*.png     the fully connected layers' weights
   model.safetensors           the trained model (loads in PyTorch too); try
     $redes predict --model $out/model.safetensors YOUR-DIGIT.png
     $redes inspect --model $out/model.safetensors --index 7
EOF
