/* bench_autograd.c — one training step (forward + backward) of a
 * 784-256-128-10 ReLU MLP with cross-entropy, batch 64: the median over many
 * steps, and the same step's GEMMs alone, to show how much of the step is
 * matrix multiplication.  bench/bench_autograd.py times PyTorch on the same
 * step; bench/run.sh prints both and the ratio.
 *
 *   build/bench/bench_autograd [steps]       (prints "autograd_mlp_step_ms <median>")
 */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

enum { B = 64, N0 = 784, N1 = 256, N2 = 128, N3 = 10 };

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 300;
    if (steps < 5) steps = 5;
    size_t n_params = (size_t)N1 * N0 + N1 + (size_t)N2 * N1 + N2 + (size_t)N3 * N2 + N3;
    float *params = malloc(n_params * sizeof(float)), *grads = calloc(n_params, sizeof(float));
    float *x = malloc((size_t)B * N0 * sizeof(float));
    int labels[B];
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_rng_fill_normal(&rng, params, n_params, 0.0f, 0.05f);
    rn_rng_fill_uniform(&rng, x, (size_t)B * N0, 0.0f, 1.0f);
    for (int i = 0; i < B; i++) labels[i] = (int)rn_rng_below(&rng, N3);

    const int sizes[4] = {N0, N1, N2, N3};
    rn_var weight[3], bias[3];
    float *p = params, *g = grads;
    for (int l = 0; l < 3; l++) {
        int ws[2] = {sizes[l + 1], sizes[l]}, bs[1] = {sizes[l + 1]};
        weight[l] = rn_param(rn_tensor_view(p, 2, ws), rn_tensor_view(g, 2, ws));
        p += (size_t)ws[0] * ws[1], g += (size_t)ws[0] * ws[1];
        bias[l] = rn_param(rn_tensor_view(p, 1, bs), rn_tensor_view(g, 1, bs));
        p += bs[0], g += bs[0];
    }
    rn_tape *tape = rn_tape_create(0);
    double *times = malloc((size_t)steps * sizeof(double));
    int xs[2] = {B, N0};
    for (int step = -10; step < steps; step++) { /* 10 warm-up steps */
        double start = rn_seconds();
        rn_var *input = rn_tape_input(tape, rn_tensor_view(x, 2, xs));
        rn_var *h = rn_linear_act(tape, input, &weight[0], &bias[0], RN_ACT_RELU, 0);
        h = rn_linear_act(tape, h, &weight[1], &bias[1], RN_ACT_RELU, 0);
        rn_var *loss = rn_cross_entropy_loss(tape, rn_linear(tape, h, &weight[2], &bias[2]), labels);
        memset(grads, 0, n_params * sizeof(float));
        if (rn_backward(tape, loss) != RN_OK) {
            fprintf(stderr, "bench_autograd: %s\n", rn_error_message());
            return 1;
        }
        rn_tape_reset(tape);
        if (step >= 0) times[step] = rn_seconds() - start;
    }
    double step_ms = 1e3 * bench_median(times, steps);

    /* The same GEMMs alone: forward y = x W^T, backward dx = dy W, dW = dy^T x
     * (no dx for the first layer, as in the step). */
    float *a = calloc((size_t)B * N0, sizeof(float)), *c = calloc((size_t)B * N0, sizeof(float));
    float *w = calloc((size_t)N1 * N0, sizeof(float)), *dw = calloc((size_t)N1 * N0, sizeof(float));
    for (int step = -10; step < steps; step++) {
        double start = rn_seconds();
        for (int l = 0; l < 3; l++) {
            int in = sizes[l], out = sizes[l + 1];
            rn_gemm(false, true, B, out, in, 1.0f, a, in, w, in, 0.0f, c, out);
            if (l > 0) rn_gemm(false, false, B, in, out, 1.0f, c, out, w, in, 1.0f, a, in);
            rn_gemm(true, false, out, in, B, 1.0f, c, out, a, in, 1.0f, dw, in);
        }
        if (step >= 0) times[step] = rn_seconds() - start;
    }
    double gemm_ms = 1e3 * bench_median(times, steps);
    printf("autograd_mlp_step_ms %.4f\n", step_ms);
    printf("autograd_mlp_gemm_only_ms %.4f\n", gemm_ms);
    printf("autograd_mlp_gemm_share %.3f\n", gemm_ms / step_ms);
    printf("threads %d  gemm %s  steps %d  arena_peak_bytes %zu\n", rn_threads(), rn_gemm_backend(),
           steps, rn_arena_peak_bytes(rn_tape_arena(tape)));
    rn_tape_destroy(tape);
    free(times), free(params), free(grads), free(x), free(a), free(c), free(w), free(dw);
    return 0;
}
