/* bench_conv.c — convolution forward + backward (data, weight, bias) for the
 * shapes of LeNet-5 and of a 2-conv MNIST net, batch 64.
 *
 *   build/bench/bench_conv [repeats [name-filter]]
 *
 * Prints one line per layer: median milliseconds of forward, of the three
 * backward passes together, and the total; the fastest total; and the median
 * CPU time of the total over all threads (robust on a busy machine).  bench/bench_conv_torch.py times
 * torch.nn.functional.conv2d on the same shapes; bench/run.sh prints both. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "redes/redes.h"

typedef struct layer {
    const char *name;
    int batch, cin, h, w, cout, k, stride, pad;
} layer;

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 21;
    if (repeats < 1 || repeats > 101) repeats = 21;
    const char *filter = argc > 2 ? argv[2] : ""; /* only the layers whose name contains it */
    static const layer layers[] = {
        {"lenet5.conv1 1->6 5x5 pad2 28x28", 64, 1, 28, 28, 6, 5, 1, 2},
        {"lenet5.conv2 6->16 5x5 14x14", 64, 6, 14, 14, 16, 5, 1, 0},
        {"mnist2.conv1 1->32 3x3 28x28", 64, 1, 28, 28, 32, 3, 1, 0},
        {"mnist2.conv2 32->64 3x3 26x26", 64, 32, 26, 26, 64, 3, 1, 0},
    };
    printf("# conv2d, batch 64, %d threads, gemm %s, median of %d runs (ms)\n", rn_threads(),
           rn_gemm_backend(), repeats);
    printf("%-34s %9s %9s %9s %9s %9s\n", "layer", "forward", "backward", "total", "min", "cpu");
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    for (size_t l = 0; l < sizeof layers / sizeof layers[0]; l++) {
        const layer *L = &layers[l];
        if (!strstr(L->name, filter)) continue;
        rn_conv2d_geometry g;
        if (rn_conv2d_geometry_square(&g, L->batch, L->cin, L->h, L->w, L->cout, L->k, L->stride, L->pad, 1,
                                      1) != RN_OK) {
            fprintf(stderr, "%s\n", rn_error_message());
            return 1;
        }
        size_t n_x = (size_t)g.batch * g.in_channels * g.in_height * g.in_width;
        size_t n_y = (size_t)g.batch * g.out_channels * g.out_height * g.out_width;
        size_t n_w = rn_conv2d_weight_count(&g), n_ws = rn_conv2d_workspace_floats(&g);
        float *x = malloc(n_x * 4), *y = malloc(n_y * 4), *dy = malloc(n_y * 4), *dx = malloc(n_x * 4);
        float *w = malloc(n_w * 4), *dw = malloc(n_w * 4), *b = malloc(g.out_channels * 4),
              *db = malloc(g.out_channels * 4), *ws = malloc(n_ws * 4);
        if (!x || !y || !dy || !dx || !w || !dw || !b || !db || !ws) return 1;
        rn_rng_fill_uniform(&rng, x, n_x, -1, 1);
        rn_rng_fill_uniform(&rng, dy, n_y, -1, 1);
        rn_rng_fill_uniform(&rng, w, n_w, -1, 1);
        rn_rng_fill_uniform(&rng, b, (size_t)g.out_channels, -1, 1);
        double forward[101], backward[101], total[101], cpu[101], data[101], weight[101];
        for (int r = -2; r < repeats; r++) { /* two warm-up runs */
            double c0 = bench_cpu_seconds(), t0 = rn_seconds();
            rn_conv2d_forward(&g, x, w, b, y, ws, n_ws);
            double t1 = rn_seconds();
            /* gradients are accumulated; zeroing them is part of a training step */
            for (size_t i = 0; i < n_x; i++)
                dx[i] = 0.0f;
            for (size_t i = 0; i < n_w; i++)
                dw[i] = 0.0f;
            for (int i = 0; i < g.out_channels; i++)
                db[i] = 0.0f;
            double t_data = rn_seconds();
            if (l != 0 && l != 2) /* a first layer needs no input gradient */
                rn_conv2d_backward_data(&g, dy, w, dx, ws, n_ws);
            double t_weight = rn_seconds();
            rn_conv2d_backward_weight(&g, x, dy, dw, db, ws, n_ws);
            double t2 = rn_seconds(), c2 = bench_cpu_seconds();
            if (r >= 0) {
                forward[r] = t1 - t0, backward[r] = t2 - t1, total[r] = t2 - t0, cpu[r] = c2 - c0;
                data[r] = t_weight - t_data, weight[r] = t2 - t_weight;
            }
        }
        qsort(forward, (size_t)repeats, sizeof(double), bench_compare_doubles);
        qsort(backward, (size_t)repeats, sizeof(double), bench_compare_doubles);
        qsort(total, (size_t)repeats, sizeof(double), bench_compare_doubles);
        qsort(cpu, (size_t)repeats, sizeof(double), bench_compare_doubles);
        qsort(data, (size_t)repeats, sizeof(double), bench_compare_doubles);
        qsort(weight, (size_t)repeats, sizeof(double), bench_compare_doubles);
        printf("%-34s %9.3f %9.3f %9.3f %9.3f %9.3f   (backward: data %.3f, weight %.3f)\n", L->name,
               forward[repeats / 2] * 1e3, backward[repeats / 2] * 1e3, total[repeats / 2] * 1e3,
               total[0] * 1e3, cpu[repeats / 2] * 1e3, data[repeats / 2] * 1e3, weight[repeats / 2] * 1e3);
        free(x), free(y), free(dy), free(dx), free(w), free(dw), free(b), free(db), free(ws);
    }
    return 0;
}
