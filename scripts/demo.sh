#!/usr/bin/env bash
# The main job: what a newcomer runs first.
set -euo pipefail
redes=${1:-build/redes}
"$redes" --version
"$redes" help
