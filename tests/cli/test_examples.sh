#!/usr/bin/env bash
# Every program in examples/ is built into build/examples/ and run here, and
# one line of its output is checked, so that no example rots.  A new example
# needs a line in `expected` below (the test fails until it has one).
set -u
source "$(dirname "$0")/lib.sh"
examples="$(dirname "$REDES")/examples"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT

# Example name (examples/NAME.c) -> a regular expression one stdout line must match.
declare -A expected=(
    [hh_spike]='^rest -64\.99[0-9] mV; first spike at 1\.90[0-9] ms, peak 40\.2[0-9] mV; 7 spikes, .* bounded$'
    [perceptron_gates]='^XOR linearly separable: no'
    [autograd_mlp]='^accuracy: training 0\.9[0-9]+, test (0\.9[0-9]+|1\.000)$'
    [pictures]='^wrote 7 pictures into '
    # Chapter 4, from the family branch: listed ahead so that its merge keeps this test green.
    [family_tree_collapse]='^recipe hinton1986, seed 1, all 104 cases$'
)
# Examples that take arguments.
declare -A arguments=([pictures]="$dir")

found=0
for program in "$examples"/example_*; do
    [ -x "$program" ] || continue
    name=${program##*/example_}
    found=$((found + 1))
    if [ -z "${expected[$name]+set}" ]; then
        report fail "examples/$name.c has no expected line in tests/cli/test_examples.sh"
        continue
    fi
    # shellcheck disable=SC2086  # arguments are words
    expect_status 0 "$program" ${arguments[$name]:-}
    expect_output "${expected[$name]}" printf '%s\n' "$check_stdout"
done
# The chapter 2 example also shows the perceptron learning AND and failing on XOR.
if [ -x "$examples/example_perceptron_gates" ]; then
    expect_output '^AND converged after [0-9]+ epochs.*0 of 4 wrong$' "$examples/example_perceptron_gates"
    expect_output '^XOR did NOT converge after 100 epochs' printf '%s\n' "$check_stdout"
fi
[ "$found" -ge 4 ] && report ok || report fail "only $found example programs in $examples"
finish
