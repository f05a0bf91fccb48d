#!/usr/bin/env bash
# The command line's contract: help, version, and precise errors with exit status 2.
set -u
source "$(dirname "$0")/lib.sh"

expect_status 0 "$REDES" --version
expect_output "redes 0\." "$REDES" --version
expect_status 0 "$REDES" help
expect_status 2 "$REDES" no-such-command
expect_stderr "unknown command 'no-such-command'" "$REDES" no-such-command
expect_stderr "unknown command 'nope' \\(see 'redes help'\\)$" "$REDES" help nope
# Likely typos get a suggestion (edit distance 1 for short words, 2 from 5
# letters on); unrelated words do not.
expect_status 2 "$REDES" trian
expect_stderr "unknown command 'trian' \\(did you mean 'train'\\? see 'redes help'\\)$" "$REDES" trian
expect_stderr "did you mean 'gradients'\\?" "$REDES" help gradent
expect_stderr "unknown command 'xyz' \\(see 'redes help'\\)$" "$REDES" xyz
expect_status 2 "$REDES" train --epoch 3
expect_stderr "unknown option '--epoch' \\(did you mean --epochs\\? see 'redes train --help'\\)$" "$REDES" train --epoch 3
expect_stderr "did you mean --json\\?" "$REDES" hh --jsn
expect_stderr "unknown option '--bogus' \\(see 'redes train --help'\\)$" "$REDES" train --bogus

# --help of the finished commands: usage first, lines of at most 100 characters,
# every option's text in one column, the common options last.
for command in hh data perceptron gates activations losses metrics; do
    run_capture "$REDES" "$command" --help
    if [ "$check_status" -eq 0 ] && [[ "$check_stdout" == "usage: redes $command"* ]]; then report ok; else
        report fail "redes $command --help: exit $check_status, starts '${check_stdout:0:40}'"; fi
    long=$(/usr/bin/python3 -c 'import sys; print("".join(l for l in sys.stdin if len(l.rstrip("\n")) > 100), end="")' \
        <<<"$check_stdout")
    [ -z "$long" ] && report ok || report fail "redes $command --help: lines over 100 characters: $long"
    misaligned=$(grep -E '^  --' <<<"$check_stdout" | awk 'NF > 2 && substr($0, 31, 1) != " "')
    [ -z "$misaligned" ] && report ok || report fail "redes $command --help: misaligned: $misaligned"
    grep -q '^common options:' <<<"$check_stdout" && report ok || report fail "redes $command --help: no common options"
done
expect_output '^stimulus \(run\):$' "$REDES" hh --help
expect_output '^  --seed N +random seed' "$REDES" help hh
finish
