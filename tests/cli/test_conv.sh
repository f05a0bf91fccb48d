#!/usr/bin/env bash
# redes conv: the pictures and statistics of a convolution, and its errors.
set -u
source "$(dirname "$0")/lib.sh"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The generated pattern with every kernel: JSON fields and four pictures.
for kernel in sobel sobel-x sobel-y gauss laplace sharpen box emboss; do
    expect_output '"command": ?"conv"' "$REDES" conv --pattern --kernel "$kernel" --json --out "$out/$kernel"
    for f in input kernel output conv; do
        if [ -s "$out/$kernel/$f.png" ]; then report ok; else report fail "$kernel: $f.png missing"; fi
    done
done

# Known values: the Laplacian sums to 0, so on a picture that is constant away
# from the shapes its output averages ~0 and takes both signs; the box filter
# keeps values in [0, 1]; "same" padding keeps the size; stride 2 halves it.
run_capture "$REDES" conv --pattern --kernel laplace --json --out "$out/l"
if [ "$(json_field output_min)" = "-3.0" ] && [ "$(json_field output_max)" = "2.0" ]; then report ok; else
    report fail "laplace on the pattern: min/max $(json_field output_min) $(json_field output_max), want -3 and 2"; fi
if [ "$(json_field kernel_values)" = "[[0.0, 1.0, 0.0], [1.0, -4.0, 1.0], [0.0, 1.0, 0.0]]" ]; then report ok; else
    report fail "laplace kernel values: $(json_field kernel_values)"; fi
run_capture "$REDES" conv --pattern --kernel box --json --out "$out/b"
/usr/bin/python3 -c "import sys,json; d=json.loads(sys.argv[1]); sys.exit(0 if 0<=d['output_min'] and d['output_max']<=1.0+1e-6 and d['output_shape']==[64,64] else 1)" "$check_stdout" \
    && report ok || report fail "box: $check_stdout"
run_capture "$REDES" conv --pattern --kernel gauss --stride 2 --json --out "$out/g"
if [ "$(json_field output_shape)" = "[32, 32]" ]; then report ok; else report fail "gauss stride 2: $(json_field output_shape)"; fi

# A PNG as input: the picture written above (64 x 64 scaled by 5).
expect_output '"input_shape": ?\[320, ?320\]' "$REDES" conv --image "$out/sobel/input.png" --kernel sobel-y --json --out "$out/png"
# Without --image: the first MNIST test digit (a 7), when the data set is there.
if [ -f "${REDES_SOURCE_DIR:-.}/data/mnist/t10k-images-idx3-ubyte.gz" ]; then
    run_capture "$REDES" conv --kernel gauss --json --out "$out/digit"
    if [ "$(json_field source)" = '"mnist-test"' ] && [ "$(json_field input_shape)" = "[28, 28]" ]; then report ok; else
        report fail "digit: $check_stdout"; fi
fi
# Human output mentions the run folder.
expect_output "wrote .*conv.png" "$REDES" conv --pattern --out "$out/human"
expect_output "^gauss: binomial blur \\(approximates a Gaussian, sigma 1\\); on pattern 64x64 -> 64x64, stride 1, padding 2$" "$REDES" conv --pattern --kernel gauss --out "$out/human-gauss"

# Bad input: exit 2 with one line.
expect_status 2 "$REDES" conv --kernel blur
expect_stderr "kernel" "$REDES" conv --kernel blur
expect_status 2 "$REDES" conv --image "$out/no-such.png"
expect_stderr "no-such.png" "$REDES" conv --image "$out/no-such.png"
expect_status 2 "$REDES" conv --image "$out/sobel/input.png" --pattern
expect_stderr "exclude" "$REDES" conv --image "$out/sobel/input.png" --pattern
expect_status 2 "$REDES" conv --pattern --stride 0
finish
