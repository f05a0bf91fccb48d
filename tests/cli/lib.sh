# Helpers for the command-line tests: each check prints a line and counts.
REDES=${REDES:?set REDES to the built redes binary}
passed=0
failed=0
check_last_output=""

run_capture() {
    local out err
    out=$(mktemp) err=$(mktemp)
    "$@" >"$out" 2>"$err"
    check_status=$?
    check_stdout=$(cat "$out")
    check_stderr=$(cat "$err")
    rm -f "$out" "$err"
}

report() { # ok|fail description
    if [ "$1" = ok ]; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "FAIL: $2" >&2; fi
}

expect_status() { # status command...
    local want=$1; shift
    run_capture "$@"
    if [ "$check_status" -eq "$want" ]; then report ok; else
        report fail "'$*' exited $check_status, expected $want; stderr: $check_stderr"; fi
}

expect_output() { # regex command...  (stdout must match)
    local pattern=$1; shift
    run_capture "$@"
    # JSON is printed with ", " and ": " separators; a pattern may be written
    # either way, so it is also tried against the output without those spaces.
    local compact
    compact=$(sed -E 's/": /":/g; s/, /,/g' <<<"$check_stdout")
    if grep -Eq -- "$pattern" <<<"$check_stdout" || grep -Eq -- "$pattern" <<<"$compact"; then report ok; else
        report fail "'$*' stdout does not match /$pattern/: $check_stdout"; fi
}

expect_stderr() { # regex command...  (stderr must match, exactly one line)
    local pattern=$1; shift
    run_capture "$@"
    local lines
    lines=$(printf '%s' "$check_stderr" | grep -c '')
    if grep -Eq -- "$pattern" <<<"$check_stderr" && [ "$lines" -eq 1 ]; then report ok; else
        report fail "'$*' stderr is not one line matching /$pattern/: $check_stderr"; fi
}

# json_get FIELD: prints a field of the JSON on stdout of the last run (uses python3 if present, else jq-less grep)
json_field() { # field
    printf '%s' "$check_stdout" | /usr/bin/python3 -c "import json,sys; v=json.load(sys.stdin)['$1']; print(json.dumps(v))"
}

finish() {
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]
}
