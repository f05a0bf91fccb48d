#!/usr/bin/env bash
# `redes hh` (chapter 1): the acceptance commands, their fields and ranges, and bad input.
set -u
source "$(dirname "$0")/lib.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

in_range() { # field low high: the last JSON output's number is in [low, high]
    local value
    value=$(json_field "$1")
    if /usr/bin/python3 -c "import sys; v=float('$value'); sys.exit(0 if $2 <= v <= $3 else 1)" 2>/dev/null; then
        report ok; else report fail "$1 = $value, expected in [$2, $3]"; fi
}

expect_status 0 "$REDES" hh --method rk4 --dt 0.01 --current 10 --duration 100 --json --out "$out/run"
for field in rest_mV peak_mV first_spike_ms n_spikes rate_hz diverged; do
    expect_output "\"$field\":" printf '%s' "$check_stdout"
done
run_capture "$REDES" hh --method rk4 --dt 0.01 --current 10 --duration 100 --json --out "$out/run"
in_range rest_mV -65.0 -64.99
in_range peak_mV 40.16 40.36
in_range first_spike_ms 1.85 1.95
in_range n_spikes 7 7
expect_output '"diverged":false' printf '%s' "$check_stdout"
[ -s "$out/run/hh.csv" ] && report ok || report fail "no hh.csv"
expect_output '^t_ms,V_mV,m,h,n,I_Na,I_K,I_L,I_stim$' head -1 "$out/run/hh.csv"

# Divergence is a result: exit 0 and "diverged": true with the time.
expect_status 0 "$REDES" hh --method euler --dt 0.08 --current 10 --duration 100 --json --out "$out/euler"
expect_output '"diverged":true' printf '%s' "$check_stdout"
expect_output '"rate_hz":null' printf '%s' "$check_stdout" # the run stopped before the rate window
in_range diverged_at_ms 0.5 100
expect_output '"diverged":false' "$REDES" hh --method euler --dt 0.06 --current 10 --duration 100 --json --out "$out/e6"
expect_output '"diverged":false' "$REDES" hh --method exponential --dt 0.1 --current 10 --duration 100 --json --out "$out/x"

run_capture "$REDES" hh rheobase --json
in_range rheobase 2.22 2.26
run_capture "$REDES" hh repetitive --json --tolerance 1e-3
in_range onset 6.23 6.29
run_capture "$REDES" hh fi --from 0 --to 60 --step 10 --json --out "$out/fi"
expect_output '"current":\[0(\.0)?,10(\.0)?,20(\.0)?,30(\.0)?,40(\.0)?,50(\.0)?,60(\.0)?\]' printf '%s' "$check_stdout"
expect_output '"rate_hz":\[0(\.0)?,68(\.0)?,86(\.0)?,' printf '%s' "$check_stdout"
[ -s "$out/fi/fi.csv" ] && report ok || report fail "no fi.csv"
run_capture "$REDES" hh rest --json --convention 1952
in_range rest_mV 0.003 0.004

# The course's preset: 1952 convention, Euler, peak ~100.8 mV at ~16.65 ms.
run_capture "$REDES" hh --preset course --json --out "$out/course"
in_range peak_mV 100.7 100.9
in_range peak_time_ms 16.6 16.7
expect_output '"convention":"1952"' printf '%s' "$check_stdout"

# Stimuli: pulses, train, ramp and a CSV table.
expect_output '"n_spikes":2' "$REDES" hh --stimulus pulses --pulses 5:1:20,30:1:20 --duration 50 --json --out "$out/p"
expect_output '"n_spikes":3' "$REDES" hh --stimulus train --current 20 --start 5 --width 1 --period 20 --count 3 \
    --duration 70 --json --out "$out/t"
expect_status 0 "$REDES" hh --stimulus ramp --current 0 --ramp-to 20 --duration 50 --json --out "$out/r"
printf 'time_ms,current\n0,0\n10,0\n10.01,10\n40,10\n' >"$out/stim.csv"
expect_output '"n_spikes":2' "$REDES" hh --stimulus csv --csv "$out/stim.csv" --duration 40 --json --out "$out/c"
expect_output '"latency_ms":1\.9' printf '%s' "$check_stdout"

# Bad input: exit 2, one line on stderr.
expect_status 2 "$REDES" hh --dt -1
expect_stderr "dt must be between" "$REDES" hh --dt -1
expect_stderr "method must be one of" "$REDES" hh --method rk5
expect_stderr "unknown analysis 'spikes'" "$REDES" hh spikes
expect_stderr "needs --csv" "$REDES" hh --stimulus csv --out "$out/bad"
expect_stderr "No such file" "$REDES" hh --stimulus csv --csv "$out/missing.csv" --out "$out/bad"
printf '0,0\n5,1\n2,3\n' >"$out/bad.csv"
expect_stderr "times must increase" "$REDES" hh --stimulus csv --csv "$out/bad.csv" --out "$out/bad"
expect_stderr "expected START:WIDTH:AMP" "$REDES" hh --stimulus pulses --pulses 5:x --out "$out/bad"
expect_stderr "rate-from 200 must be before" "$REDES" hh --rate-from 200 --duration 100 --out "$out/bad"
expect_stderr "unknown option '--bogus'" "$REDES" hh --bogus
for value in nan abc inf 1e400; do expect_stderr "--dt expects a number, got '$value'" "$REDES" hh --dt "$value"; done
expect_stderr "--duration must be between 0 and" "$REDES" hh --duration -5
expect_stderr "--count expects an integer, got '2.5'" "$REDES" hh --count 2.5
expect_stderr "--record-every must be between 1 and" "$REDES" hh --record-every 0
expect_stderr "--dt needs a value" "$REDES" hh --dt
expect_stderr "unexpected argument 'extra'" "$REDES" hh run extra
expect_stderr "--from 10 must not be above --to 0" "$REDES" hh fi --from 10 --to 0 --out "$out/bad"
expect_stderr "needs --pulses" "$REDES" hh --stimulus pulses --pulses "" --out "$out/bad"
expect_stderr "--margin 0.05 must be below --max-factor - 1" "$REDES" hh refractory --max-factor 1.01
expect_stderr "exists and is not a folder" "$REDES" hh --json --out "$out/stim.csv"
expect_stderr "read error: Is a directory" "$REDES" hh --stimulus csv --csv "$out" --out "$out/bad"
printf 'time_ms,current\n0,0\n10,' >"$out/cut.csv"
expect_stderr "cut.csv:3: expected 'time_ms,current'" "$REDES" hh --stimulus csv --csv "$out/cut.csv" --out "$out/bad"
printf 'time_ms,current\n0,nan\n' >"$out/nan.csv"
expect_stderr "nan.csv:2: expected 'time_ms,current'" "$REDES" hh --stimulus csv --csv "$out/nan.csv" --out "$out/bad"
expect_stderr "--out needs a folder name" "$REDES" hh --out ""
expect_stderr "needs --csv FILE" "$REDES" hh --stimulus csv --csv "" --out "$out/bad"
# A dt that makes the integrator diverge during an analysis is bad input:
# exit 2, one line naming the dt and method and suggesting a smaller step.
for analysis in rheobase repetitive refractory; do
    expect_status 2 "$REDES" hh "$analysis" --dt 10 --out "$out/bad"
    expect_stderr "^redes hh: hodgkin-huxley: dt 10 ms is too large for rk4: the simulation diverged at [0-9.]+ ms \(.*\); use a smaller dt, e\.g\. 0\.01 ms$" \
        "$REDES" hh "$analysis" --dt 10 --out "$out/bad"
done
expect_stderr "dt 0.2 ms is too large for euler: the simulation diverged at" "$REDES" hh rheobase --method euler --dt 0.2
expect_status 2 "$REDES" hh fi --dt 0.1 --to 5 --out "$out/bad"
expect_stderr "dt 0.1 ms is too large for rk4: the simulation diverged for 3 of 6 currents \(first at 3 µA/cm²\); use a smaller dt, e\.g\. 0\.01 ms" \
    "$REDES" hh fi --dt 0.1 --to 5 --out "$out/bad"
# Bounded but too coarse to show a spike: the same advice, exit 2.
expect_stderr "no spike for currents up to 1e4 µA/cm² with exponential at dt 10 ms: .*smaller dt, e\.g\. 0\.01 ms" \
    "$REDES" hh refractory --method exponential --dt 10 --out "$out/bad"
expect_status 2 "$REDES" hh refractory --method exponential --dt 10 --out "$out/bad"
# A coarse dt that works gets a note (stderr with --json), the run itself says when it diverged.
run_capture "$REDES" hh rheobase --method exponential --dt 0.5 --json
if [ "$check_status" -eq 0 ] && grep -q "note: dt 0.5 ms is coarse" <<<"$check_stderr"; then report ok; else
    report fail "coarse dt note: $check_status $check_stderr"; fi
expect_output "DIVERGED .*dt 0.08 ms is too large for euler; try a smaller --dt, e.g. 0.01" \
    "$REDES" hh --method euler --dt 0.08 --out "$out/euler-text"
expect_status 0 "$REDES" hh --help
finish
