/* test_conv_ops.c — the CNN layers as autograd ops: finite-difference
 * gradient checks (rn_gradcheck) for every op and option, shape errors, and a
 * training step that allocates nothing once the arena has grown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

static rn_rng test_rng;

/* A heap tensor with entries uniform in [-1, 1]; `distinct` gives every entry
 * a different value at least 0.02 apart (no ties for max pooling, so a
 * perturbation of h = 1e-2 never changes which entry wins). */
static rn_tensor random_tensor(int ndim, const int *shape, bool distinct)
{
    rn_tensor t;
    assert_int_equal(rn_tensor_alloc(&t, ndim, shape), RN_OK);
    size_t n = rn_tensor_numel(&t);
    if (distinct) {
        int *order = malloc(n * sizeof(int));
        rn_rng_permutation(&test_rng, order, (int)n);
        for (size_t i = 0; i < n; i++)
            t.data[i] = 0.05f * (float)order[i] - 0.025f * (float)n;
        free(order);
    } else {
        rn_rng_fill_uniform(&test_rng, t.data, n, -1.0f, 1.0f);
    }
    return t;
}

#define SHAPE(...)                                                                                           \
    (int[])                                                                                                  \
    {                                                                                                        \
        __VA_ARGS__                                                                                          \
    }

static void expect_gradients(const char *name, rn_gradcheck_fn f, void *context, rn_tensor *inputs, int n)
{
    rn_gradcheck_result r;
    rn_status status = rn_gradcheck(f, context, inputs, n, 1e-2, 2e-3, &r);
    if (status != RN_OK) fail_msg("%s: %s", name, rn_error_message());
    assert_true(r.checked > 0);
    for (int j = 0; j < n; j++)
        rn_tensor_free(&inputs[j]);
}

/* ------------------------------------------------------------------ convolutions */

static rn_var *f_conv(rn_tape *t, rn_var **in, void *c)
{
    return rn_conv2d(t, in[0], in[1], in[2], c);
}
static rn_var *f_conv_no_bias(rn_tape *t, rn_var **in, void *c)
{
    return rn_conv2d(t, in[0], in[1], NULL, c);
}
static rn_var *f_conv_transpose(rn_tape *t, rn_var **in, void *c)
{
    return rn_conv_transpose2d(t, in[0], in[1], in[2], c);
}

static void conv2d_gradients(void **state)
{
    (void)state;
    rn_conv_options plain = {0};
    rn_conv_options strided = {.stride = {2, 2}, .padding = {1, 1}};
    rn_conv_options dilated = {.padding = {2, 1}, .dilation = {2, 1}, .groups = 2};
    rn_conv_options mixed = {.stride = {1, 2}, .padding = {0, 2}, .dilation = {1, 2}};
    expect_gradients("conv2d plain", f_conv, &plain,
                     (rn_tensor[]){random_tensor(4, SHAPE(2, 3, 6, 5), false),
                                   random_tensor(4, SHAPE(4, 3, 3, 3), false),
                                   random_tensor(1, SHAPE(4), false)},
                     3);
    expect_gradients("conv2d stride 2 pad 1", f_conv, &strided,
                     (rn_tensor[]){random_tensor(4, SHAPE(2, 2, 7, 7), false),
                                   random_tensor(4, SHAPE(3, 2, 3, 3), false),
                                   random_tensor(1, SHAPE(3), false)},
                     3);
    expect_gradients("conv2d dilation 2 groups 2", f_conv, &dilated,
                     (rn_tensor[]){random_tensor(4, SHAPE(2, 4, 6, 6), false),
                                   random_tensor(4, SHAPE(4, 2, 3, 2), false),
                                   random_tensor(1, SHAPE(4), false)},
                     3);
    expect_gradients(
        "conv2d mixed, no bias", f_conv_no_bias, &mixed,
        (rn_tensor[]){random_tensor(4, SHAPE(1, 2, 5, 9), false), random_tensor(4, SHAPE(2, 2, 2, 3), false)},
        2);
}

static rn_var *f_conv_act(rn_tape *t, rn_var **in, void *c)
{
    return rn_conv2d_act(t, in[0], in[1], in[2], &(rn_conv_options){.padding = {1, 1}}, *(rn_activation *)c, 0.1f);
}

/* conv2d_act: smooth activations by finite differences, both the path that
 * keeps z (gelu, softplus) and the ones that take f' from y (tanh, sigmoid). */
static void conv2d_act_gradients(void **state)
{
    (void)state;
    const rn_activation kinds[] = {RN_ACT_TANH, RN_ACT_SIGMOID, RN_ACT_GELU, RN_ACT_SOFTPLUS};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        rn_activation kind = kinds[k];
        expect_gradients(rn_activation_name(kind), f_conv_act, &kind,
                         (rn_tensor[]){random_tensor(4, SHAPE(2, 2, 5, 4), false),
                                       random_tensor(4, SHAPE(3, 2, 3, 3), false),
                                       random_tensor(1, SHAPE(3), false)},
                         3);
    }
}

/* y, dx, dw, db of loss = sum(r * f(conv(x))): fused (one node, f in place)
 * or as two nodes. */
static void conv_then_activation(rn_activation kind, bool fused, rn_tensor *x, rn_tensor *w, rn_tensor *b,
                                 rn_tensor *r, float *y, float *dx, float *dw, float *db)
{
    rn_tape *tape = rn_tape_create(0);
    rn_var *vx = rn_tape_variable(tape, *x), *vw = rn_tape_variable(tape, *w), *vb = rn_tape_variable(tape, *b);
    rn_conv_options options = {.stride = {1, 2}, .padding = {1, 1}};
    rn_var *out = fused ? rn_conv2d_act(tape, vx, vw, vb, &options, kind, 0.1f)
                        : rn_activate(tape, rn_conv2d(tape, vx, vw, vb, &options), kind, 0.1f);
    assert_non_null(out);
    const char *fused_name = kind == RN_ACT_IDENTITY ? "conv2d" : "conv2d_act";
    assert_string_equal(out->op, fused ? fused_name : rn_activation_name(kind));
    memcpy(y, out->value.data, rn_tensor_numel(&out->value) * sizeof(float));
    assert_int_equal(rn_backward(tape, rn_sum(tape, rn_mul(tape, out, rn_tape_input(tape, *r)))), RN_OK);
    memcpy(dx, vx->grad.data, rn_tensor_numel(x) * sizeof(float));
    memcpy(dw, vw->grad.data, rn_tensor_numel(w) * sizeof(float));
    memcpy(db, vb->grad.data, rn_tensor_numel(b) * sizeof(float));
    rn_tape_destroy(tape);
}

/* The fused layer computes exactly what conv2d followed by the activation
 * computes, values and gradients to the bit (the same float operations in
 * the same order), including relu and leaky relu whose f' comes from y. */
static void conv2d_act_matches_unfused(void **state)
{
    (void)state;
    enum { NX = 2 * 3 * 7 * 6, NW = 4 * 3 * 3 * 3, NY = 2 * 4 * 7 * 3 };
    rn_tensor x = random_tensor(4, SHAPE(2, 3, 7, 6), false), w = random_tensor(4, SHAPE(4, 3, 3, 3), false);
    rn_tensor b = random_tensor(1, SHAPE(4), false), r = random_tensor(4, SHAPE(2, 4, 7, 3), false);
    const rn_activation kinds[] = {RN_ACT_RELU, RN_ACT_LEAKY_RELU, RN_ACT_SIGMOID, RN_ACT_TANH,
                                   RN_ACT_ELU,  RN_ACT_GELU,       RN_ACT_IDENTITY};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        static float y[2][NY], dx[2][NX], dw[2][NW], db[2][4];
        for (int fused = 0; fused < 2; fused++)
            conv_then_activation(kinds[k], fused, &x, &w, &b, &r, y[fused], dx[fused], dw[fused], db[fused]);
        assert_memory_equal(y[0], y[1], sizeof y[0]);
        assert_memory_equal(dx[0], dx[1], sizeof dx[0]);
        assert_memory_equal(dw[0], dw[1], sizeof dw[0]);
        assert_memory_equal(db[0], db[1], sizeof db[0]);
    }
    rn_tensor *all[] = {&x, &w, &b, &r};
    for (size_t i = 0; i < 4; i++)
        rn_tensor_free(all[i]);
}

static rn_var *f_max_pool_act(rn_tape *t, rn_var **in, void *c)
{
    return rn_max_pool2d_act(t, in[0], 2, 2, 0, *(rn_activation *)c, 0.1f);
}

/* max_pool2d_act by finite differences (distinct inputs: no ties), with f'
 * from y (tanh) and from the kept maxima (gelu). */
static void max_pool2d_act_gradients(void **state)
{
    (void)state;
    const rn_activation kinds[] = {RN_ACT_TANH, RN_ACT_GELU};
    for (int k = 0; k < 2; k++) {
        rn_activation kind = kinds[k];
        rn_tensor in[1] = {random_tensor(4, SHAPE(2, 2, 4, 6), true)};
        expect_gradients(rn_activation_name(kind), f_max_pool_act, &kind, in, 1);
    }
}

/* y, dx, dw of loss = sum(r * maxpool(f(conv(x)))), either as the three ops
 * in that order or as rn_model_forward runs them for relu and leaky relu:
 * conv, then max_pool2d_act (f after the pooling). */
static void conv_activation_pool(rn_activation kind, bool pool_first, rn_tensor *x, rn_tensor *w, rn_tensor *r,
                                 float *y, float *dx, float *dw)
{
    rn_tape *tape = rn_tape_create(0);
    rn_var *vx = rn_tape_variable(tape, *x), *vw = rn_tape_variable(tape, *w);
    rn_var *z = rn_conv2d(tape, vx, vw, NULL, &(rn_conv_options){.padding = {1, 1}});
    rn_var *out = pool_first ? rn_max_pool2d_act(tape, z, 2, 2, 0, kind, 0.1f)
                             : rn_max_pool2d(tape, rn_activate(tape, z, kind, 0.1f), 2, 2, 0);
    assert_non_null(out);
    memcpy(y, out->value.data, rn_tensor_numel(&out->value) * sizeof(float));
    assert_int_equal(rn_backward(tape, rn_sum(tape, rn_mul(tape, out, rn_tape_input(tape, *r)))), RN_OK);
    memcpy(dx, vx->grad.data, rn_tensor_numel(x) * sizeof(float));
    memcpy(dw, vw->grad.data, rn_tensor_numel(w) * sizeof(float));
    rn_tape_destroy(tape);
}

/* relu(max z) = max relu(z): the same values and gradients to the bit, also
 * where a whole window is negative (many ties at 0 after relu). */
static void activation_after_pooling_is_the_same(void **state)
{
    (void)state;
    enum { NX = 2 * 2 * 6 * 8, NW = 3 * 2 * 3 * 3, NY = 2 * 3 * 3 * 4 };
    rn_tensor x = random_tensor(4, SHAPE(2, 2, 6, 8), false), w = random_tensor(4, SHAPE(3, 2, 3, 3), false);
    rn_tensor r = random_tensor(4, SHAPE(2, 3, 3, 4), false);
    const rn_activation kinds[] = {RN_ACT_RELU, RN_ACT_LEAKY_RELU};
    int zero_windows = 0;
    for (int k = 0; k < 2; k++) {
        static float y[2][NY], dx[2][NX], dw[2][NW];
        for (int pool_first = 0; pool_first < 2; pool_first++)
            conv_activation_pool(kinds[k], pool_first, &x, &w, &r, y[pool_first], dx[pool_first], dw[pool_first]);
        assert_memory_equal(y[0], y[1], sizeof y[0]);
        assert_memory_equal(dx[0], dx[1], sizeof dx[0]);
        assert_memory_equal(dw[0], dw[1], sizeof dw[0]);
        for (int i = 0; i < NY; i++) zero_windows += kinds[k] == RN_ACT_RELU && y[0][i] == 0.0f;
    }
    assert_true(zero_windows > 0); /* the tie case did occur */
    rn_tensor *all[] = {&x, &w, &r};
    for (size_t i = 0; i < 3; i++)
        rn_tensor_free(all[i]);
}

static void conv_transpose2d_gradients(void **state)
{
    (void)state;
    rn_conv_options up = {.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}};
    rn_conv_options grouped = {.padding = {1, 0}, .dilation = {1, 2}, .groups = 2};
    expect_gradients("conv_transpose2d stride 2", f_conv_transpose, &up,
                     (rn_tensor[]){random_tensor(4, SHAPE(2, 3, 4, 4), false),
                                   random_tensor(4, SHAPE(3, 2, 4, 4), false),
                                   random_tensor(1, SHAPE(2), false)},
                     3);
    expect_gradients("conv_transpose2d groups", f_conv_transpose, &grouped,
                     (rn_tensor[]){random_tensor(4, SHAPE(2, 4, 3, 5), false),
                                   random_tensor(4, SHAPE(4, 3, 3, 3), false),
                                   random_tensor(1, SHAPE(6), false)},
                     3);
}

/* DCGAN's generator step: 4x4 kernel, stride 2, padding 1 doubles the size. */
static void conv_transpose2d_shape(void **state)
{
    (void)state;
    rn_tape *tape = rn_tape_create(0);
    rn_tensor x = random_tensor(4, SHAPE(2, 8, 7, 7), false), w = random_tensor(4, SHAPE(8, 4, 4, 4), false);
    rn_var *out = rn_conv_transpose2d(tape, rn_tape_input(tape, x), rn_tape_input(tape, w), NULL,
                                      &(rn_conv_options){.stride = {2, 2}, .padding = {1, 1}});
    assert_non_null(out);
    assert_int_equal(out->value.shape[1], 4);
    assert_int_equal(out->value.shape[2], 14);
    assert_int_equal(out->value.shape[3], 14);
    rn_tensor_free(&x);
    rn_tensor_free(&w);
    rn_tape_destroy(tape);
}

/* ------------------------------------------------------------------ pooling */

typedef struct pool_case {
    int kernel, stride, padding;
} pool_case;

static rn_var *f_max_pool(rn_tape *t, rn_var **in, void *c)
{
    const pool_case *p = c;
    return rn_max_pool2d(t, in[0], p->kernel, p->stride, p->padding);
}
static rn_var *f_avg_pool(rn_tape *t, rn_var **in, void *c)
{
    const pool_case *p = c;
    return rn_avg_pool2d(t, in[0], p->kernel, p->stride, p->padding);
}
static rn_var *f_global_pool(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_global_avg_pool2d(t, in[0]);
}
/* flatten then a product, so the flattened shape matters to the result */
static rn_var *f_flatten(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_matmul(t, rn_flatten(t, in[0]), in[1]);
}

static void pooling_gradients(void **state)
{
    (void)state;
    const pool_case cases[] = {{2, 0, 0}, {3, 2, 1}, {3, 1, 1}, {2, 1, 0}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pool_case c = cases[i];
        expect_gradients("max_pool2d", f_max_pool, &c,
                         (rn_tensor[]){random_tensor(4, SHAPE(2, 2, 7, 6), true)}, 1);
        expect_gradients("avg_pool2d", f_avg_pool, &c,
                         (rn_tensor[]){random_tensor(4, SHAPE(2, 2, 7, 6), false)}, 1);
    }
    expect_gradients("global_avg_pool2d", f_global_pool, NULL,
                     (rn_tensor[]){random_tensor(4, SHAPE(3, 4, 5, 2), false)}, 1);
    expect_gradients(
        "flatten", f_flatten, NULL,
        (rn_tensor[]){random_tensor(4, SHAPE(2, 3, 2, 2), false), random_tensor(2, SHAPE(12, 3), false)}, 2);
}

/* ------------------------------------------------------------------ errors and memory */

static void shape_errors_are_messages(void **state)
{
    (void)state;
    rn_tape *tape = rn_tape_create(0);
    rn_tensor x = random_tensor(4, SHAPE(2, 3, 8, 8), false), w = random_tensor(4, SHAPE(4, 2, 3, 3), false);
    rn_var *out = rn_conv2d(tape, rn_tape_input(tape, x), rn_tape_input(tape, w), NULL, NULL);
    assert_null(out);
    assert_int_equal(rn_tape_status(tape), RN_ERR_SHAPE);
    assert_non_null(
        strstr(rn_tape_error(tape), "conv2d: weight (4, 2, 3, 3) does not fit input (2, 3, 8, 8)"));
    /* a failed op propagates NULL without replacing the first message */
    assert_null(rn_max_pool2d(tape, out, 2, 2, 0));
    assert_non_null(strstr(rn_tape_error(tape), "conv2d"));
    rn_tape_reset(tape);
    assert_null(rn_max_pool2d(tape, rn_tape_input(tape, x), 3, 1, 2));
    assert_non_null(strstr(rn_tape_error(tape), "max_pool2d: pool2d: padding"));
    rn_tensor_free(&x);
    rn_tensor_free(&w);
    rn_tape_destroy(tape);
}

/* LeNet-style step (conv, pool, conv, pool, flatten, linear): after the first
 * step the arena has its size and the later steps allocate no blocks. */
static void training_step_allocates_nothing(void **state)
{
    (void)state;
    rn_tensor x = random_tensor(4, SHAPE(4, 1, 12, 12), false);
    rn_tensor w1 = random_tensor(4, SHAPE(3, 1, 3, 3), false), b1 = random_tensor(1, SHAPE(3), false);
    rn_tensor w2 = random_tensor(4, SHAPE(4, 3, 3, 3), false), w3 = random_tensor(2, SHAPE(5, 16), false);
    rn_tensor g1, gb1, g2, g3;
    rn_tensor_alloc(&g1, 4, w1.shape), rn_tensor_alloc(&gb1, 1, b1.shape);
    rn_tensor_alloc(&g2, 4, w2.shape), rn_tensor_alloc(&g3, 2, w3.shape);
    rn_var W1 = rn_param(w1, g1), B1 = rn_param(b1, gb1), W2 = rn_param(w2, g2), W3 = rn_param(w3, g3);
    rn_tape *tape = rn_tape_create(4096);
    size_t blocks = 0;
    for (int step = 0; step < 4; step++) {
        rn_var *h = rn_relu(
            tape, rn_conv2d(tape, rn_tape_input(tape, x), &W1, &B1, &(rn_conv_options){.padding = {1, 1}}));
        h = rn_max_pool2d(tape, h, 2, 2, 0);                    /* (4, 3, 6, 6) */
        h = rn_relu(tape, rn_conv2d(tape, h, &W2, NULL, NULL)); /* (4, 4, 4, 4) */
        h = rn_avg_pool2d(tape, h, 2, 2, 0);                    /* (4, 4, 2, 2) */
        rn_var *logits = rn_linear(tape, rn_flatten(tape, h), &W3, NULL);
        rn_var *loss = rn_cross_entropy_loss(tape, logits, (int[]){0, 1, 2, 3});
        assert_non_null(loss);
        assert_int_equal(rn_backward(tape, loss), RN_OK);
        rn_tape_reset(tape);
        if (step == 1) blocks = rn_arena_block_allocations(rn_tape_arena(tape));
        if (step > 1) assert_int_equal(rn_arena_block_allocations(rn_tape_arena(tape)), blocks);
    }
    assert_true(fabsf(g1.data[0]) > 0.0f);
    rn_tape_destroy(tape);
    rn_tensor *all[] = {&x, &w1, &b1, &w2, &w3, &g1, &gb1, &g2, &g3};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        rn_tensor_free(all[i]);
}

int main(void)
{
    rn_rng_seed(&test_rng, 2024);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conv2d_gradients),          cmocka_unit_test(conv_transpose2d_gradients),
        cmocka_unit_test(conv2d_act_gradients),      cmocka_unit_test(conv2d_act_matches_unfused),
        cmocka_unit_test(max_pool2d_act_gradients),  cmocka_unit_test(activation_after_pooling_is_the_same),
        cmocka_unit_test(conv_transpose2d_shape),    cmocka_unit_test(pooling_gradients),
        cmocka_unit_test(shape_errors_are_messages), cmocka_unit_test(training_step_allocates_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
