#!/usr/bin/env bash
# The command line's contract: help, version, and precise errors with exit status 2.
set -u
source "$(dirname "$0")/lib.sh"

expect_status 0 "$REDES" --version
expect_output "redes 0\." "$REDES" --version
expect_status 0 "$REDES" help
expect_status 2 "$REDES" no-such-command
expect_stderr "unknown command 'no-such-command'" "$REDES" no-such-command
finish
