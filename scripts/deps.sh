#!/usr/bin/env bash
# Installs the Debian packages redes needs, only those missing (a fast no-op
# when all are there).  Called by `make deps`, which every other target runs.
#   scripts/deps.sh            build and test dependencies
#   scripts/deps.sh bench      also the reference systems the benchmarks compare with
set -euo pipefail

packages=(cmake make gcc pkg-config libopenblas-openmp-dev libcmocka-dev libpng-dev zlib1g-dev
          libjansson-dev gnuplot-nox dataset-fashion-mnist python3)
# python3 (standard library only) reads the JSON output in the command-line tests.
if [ "${1:-}" = bench ]; then
    # Reference systems only: the library never links them.
    packages+=(python3-torch python3-brian python3-numpy)
fi
if [ "${1:-}" = golden ]; then
    packages+=(python3-torch python3-sklearn python3-numpy)
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "redes: installing missing packages: ${missing[*]}" >&2
sudo=()
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "redes: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
