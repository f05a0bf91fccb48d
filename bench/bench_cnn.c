/* bench_cnn.c — one training step (forward, backward, SGD update) of the two
 * CNNs of the benchmark target, batch 64 of 28 x 28 images, random data:
 *
 *   lenet5  conv 1->6 5x5 pad 2, relu, max pool 2, conv 6->16 5x5, relu,
 *           max pool 2, flatten, linear 400->120, relu, 120->84, relu, 84->10
 *   mnist2  conv 1->32 3x3, relu, conv 32->64 3x3, relu, max pool 2, flatten,
 *           linear 9216->128, relu, 128->10     (PyTorch's MNIST example, no dropout)
 *
 * with cross-entropy.  Prints "cnn_<net>_step_ms <median> cpu_ms <median>";
 * bench/bench_cnn_torch.py does the same step in PyTorch.
 *
 *   build/bench/bench_cnn [steps]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "redes/redes.h"

enum { B = 64 };

/* Parameters as views into one flat buffer (and one flat gradient buffer). */
typedef struct net {
    float *params, *grads;
    size_t count, used;
    rn_var vars[16];
    int n_vars;
} net;

static rn_var *add_param(net *n, int ndim, const int *shape)
{
    size_t size = 1;
    for (int d = 0; d < ndim; d++)
        size *= (size_t)shape[d];
    rn_var *v = &n->vars[n->n_vars++];
    *v = rn_param(rn_tensor_view(n->params + n->used, ndim, shape),
                  rn_tensor_view(n->grads + n->used, ndim, shape));
    n->used += size;
    return v;
}

typedef struct lenet {
    rn_var *c1, *b1, *c2, *b2, *f1, *g1, *f2, *g2, *f3, *g3;
} lenet;
typedef struct mnist2 {
    rn_var *c1, *b1, *c2, *b2, *f1, *g1, *f2, *g2;
} mnist2;

static rn_var *lenet_forward(rn_tape *t, const lenet *m, rn_var *x)
{
    rn_var *h = rn_relu(t, rn_conv2d(t, x, m->c1, m->b1, &(rn_conv_options){.padding = {2, 2}}));
    h = rn_max_pool2d(t, h, 2, 2, 0);
    h = rn_max_pool2d(t, rn_relu(t, rn_conv2d(t, h, m->c2, m->b2, NULL)), 2, 2, 0);
    h = rn_linear_act(t, rn_flatten(t, h), m->f1, m->g1, RN_ACT_RELU, 0.0f);
    h = rn_linear_act(t, h, m->f2, m->g2, RN_ACT_RELU, 0.0f);
    return rn_linear(t, h, m->f3, m->g3);
}

static rn_var *mnist2_forward(rn_tape *t, const mnist2 *m, rn_var *x)
{
    rn_var *h = rn_relu(t, rn_conv2d(t, x, m->c1, m->b1, NULL));
    h = rn_relu(t, rn_conv2d(t, h, m->c2, m->b2, NULL));
    h = rn_max_pool2d(t, h, 2, 2, 0);
    h = rn_linear_act(t, rn_flatten(t, h), m->f1, m->g1, RN_ACT_RELU, 0.0f);
    return rn_linear(t, h, m->f2, m->g2);
}

static void run(const char *name, bool is_lenet, int steps)
{
    net n = {0};
    n.count = 1300000;
    n.params = malloc(n.count * sizeof(float));
    n.grads = calloc(n.count, sizeof(float));
    lenet le = {0};
    mnist2 mn = {0};
    if (is_lenet) {
        le.c1 = add_param(&n, 4, (int[]){6, 1, 5, 5}), le.b1 = add_param(&n, 1, (int[]){6});
        le.c2 = add_param(&n, 4, (int[]){16, 6, 5, 5}), le.b2 = add_param(&n, 1, (int[]){16});
        le.f1 = add_param(&n, 2, (int[]){120, 400}), le.g1 = add_param(&n, 1, (int[]){120});
        le.f2 = add_param(&n, 2, (int[]){84, 120}), le.g2 = add_param(&n, 1, (int[]){84});
        le.f3 = add_param(&n, 2, (int[]){10, 84}), le.g3 = add_param(&n, 1, (int[]){10});
    } else {
        mn.c1 = add_param(&n, 4, (int[]){32, 1, 3, 3}), mn.b1 = add_param(&n, 1, (int[]){32});
        mn.c2 = add_param(&n, 4, (int[]){64, 32, 3, 3}), mn.b2 = add_param(&n, 1, (int[]){64});
        mn.f1 = add_param(&n, 2, (int[]){128, 9216}), mn.g1 = add_param(&n, 1, (int[]){128});
        mn.f2 = add_param(&n, 2, (int[]){10, 128}), mn.g2 = add_param(&n, 1, (int[]){10});
    }
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_rng_fill_normal(&rng, n.params, n.used, 0.0f, 0.05f);
    float *images = malloc((size_t)B * 784 * sizeof(float));
    rn_rng_fill_uniform(&rng, images, (size_t)B * 784, 0.0f, 1.0f);
    int labels[B];
    for (int i = 0; i < B; i++)
        labels[i] = (int)rn_rng_below(&rng, 10);
    rn_tape *tape = rn_tape_create(0);
    double *wall = malloc(sizeof(double) * (size_t)steps), *cpu = malloc(sizeof(double) * (size_t)steps);
    for (int s = -3; s < steps; s++) { /* three warm-up steps grow the arena */
        double t0 = rn_seconds(), c0 = bench_cpu_seconds();
        rn_var *x = rn_tape_input(tape, rn_tensor_view(images, 4, (int[]){B, 1, 28, 28}));
        rn_var *logits = is_lenet ? lenet_forward(tape, &le, x) : mnist2_forward(tape, &mn, x);
        rn_var *loss = rn_cross_entropy_loss(tape, logits, labels);
        if (!loss) {
            fprintf(stderr, "%s: %s\n", name, rn_tape_error(tape));
            exit(1);
        }
        memset(n.grads, 0, n.used * sizeof(float));
        if (rn_backward(tape, loss) != RN_OK) exit(1);
        for (size_t i = 0; i < n.used; i++)
            n.params[i] -= 0.01f * n.grads[i];
        rn_tape_reset(tape);
        if (s >= 0) wall[s] = rn_seconds() - t0, cpu[s] = bench_cpu_seconds() - c0;
    }
    printf("cnn_%s_step_ms %.3f cpu_ms %.3f\n", name, bench_median(wall, steps) * 1e3, bench_median(cpu, steps) * 1e3);
    rn_tape_destroy(tape);
    free(wall), free(cpu), free(images), free(n.params), free(n.grads);
}

int main(int argc, char **argv)
{
    int steps = argc > 1 ? atoi(argv[1]) : 50;
    if (steps < 3) steps = 3;
    printf("# one training step, batch 64, %d threads, gemm %s, median of %d steps\n", rn_threads(),
           rn_gemm_backend(), steps);
    run("lenet5", true, steps);
    if (!getenv("BENCH_CNN_LENET_ONLY")) run("mnist2", false, steps);
    return 0;
}
