#!/usr/bin/env bash
# `make install` works for a C programmer: install the build tree into a
# temporary prefix, then compile a program against the installed headers and
# library with `pkg-config --cflags --libs redes`, shared and static, and run
# it.  The shared library and the static link must both reach the OpenMP
# OpenBLAS (through rpath), not whatever libopenblas the system points at.
set -u
source "$(dirname "$0")/lib.sh"
build=$(dirname "$REDES")
if ! command -v pkg-config >/dev/null; then
    echo "skipped: pkg-config is not installed"
    finish
    exit
fi
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT

expect_status 0 cmake --install "$build" --prefix "$prefix"
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}"
expect_output '^0\.' pkg-config --modversion redes
expect_output "redes 0\." "$prefix/bin/redes" --version

cat >"$prefix/use_redes.c" <<'PROGRAM'
#include <redes/redes.h>
#include <stdio.h>

int main(void)
{
    /* C = A B with A = [1 2; 3 4], B = [5 6; 7 8]: [19 22; 43 50]. */
    const float a[4] = {1, 2, 3, 4}, b[4] = {5, 6, 7, 8};
    float c[4] = {0};
    rn_gemm(false, false, 2, 2, 2, 1.0f, a, 2, b, 2, 0.0f, c, 2);
    rn_hh_params params = rn_hh_default_params(RN_HH_MODERN);
    rn_hh_state rest;
    if (rn_hh_resting_state(&params, &rest) != RN_OK) {
        fprintf(stderr, "%s\n", rn_error_message());
        return 1;
    }
    printf("redes %s gemm %g %g %g %g (%s) rest %.2f mV\n", REDES_VERSION, c[0], c[1], c[2], c[3],
           rn_gemm_backend(), rest.v);
    return 0;
}
PROGRAM

# An AddressSanitizer build installs an instrumented library: its users must be too.
flags=()
if grep -q '^REDES_SANITIZE:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
    flags=(-fsanitize=address,undefined)
fi
want='^redes 0\.[0-9.]+ gemm 19 22 43 50 \(.*\) rest -65\.00 mV$'
libdir=$(pkg-config --variable=libdir redes)

# Shared: the program finds libredes.so through its rpath, libredes.so finds OpenBLAS through its own.
read -ra cflags <<<"$(pkg-config --cflags redes)"
read -ra libs <<<"$(pkg-config --libs redes)"
expect_status 0 cc "${flags[@]}" "${cflags[@]}" -o "$prefix/use_shared" "$prefix/use_redes.c" "${libs[@]}" \
    -Wl,-rpath,"$libdir"
expect_output "$want" "$prefix/use_shared"
expect_output 'libredes\.so' ldd "$prefix/use_shared"

# Static: libredes.a and what Libs.private and Requires.private add.
static_libs=()
for word in $(pkg-config --static --libs redes); do [ "$word" = -lredes ] || static_libs+=("$word"); done
expect_status 0 cc "${flags[@]}" "${cflags[@]}" -o "$prefix/use_static" "$prefix/use_redes.c" \
    "$libdir/libredes.a" "${static_libs[@]}"
expect_output "$want" "$prefix/use_static"
run_capture ldd "$prefix/use_static"
if grep -q 'libredes\.so' <<<"$check_stdout"; then report fail "use_static links libredes.so"; else report ok; fi
if grep -q 'libopenblas' <<<"$check_stdout"; then
    expect_output 'libopenblas\.so\.0 => [^ ]*openblas-openmp' ldd "$prefix/use_static"
    expect_output 'libopenblas\.so\.0 => [^ ]*openblas-openmp' ldd "$libdir/libredes.so"
fi
finish
