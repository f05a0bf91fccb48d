/* test_autograd.c — every op's backward pass against finite differences,
 * error handling, the tape's memory behaviour (no malloc in a steady-state
 * training step) and a few forward values known by hand. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

/* ------------------------------------------------------------------ malloc counting
 * The test binary interposes malloc & co. so that the steady-state test can
 * count every heap allocation made by the library (OpenBLAS and OpenMP
 * included).  Under AddressSanitizer, which owns malloc, only the arena's own
 * counter is checked. */
#if defined(__SANITIZE_ADDRESS__)
#define COUNT_MALLOC 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define COUNT_MALLOC 0
#endif
#endif
#ifndef COUNT_MALLOC
#define COUNT_MALLOC 1
#endif

static volatile long heap_allocations;
#if COUNT_MALLOC
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);
void *malloc(size_t n)
{
    __atomic_add_fetch(&heap_allocations, 1, __ATOMIC_RELAXED);
    return __libc_malloc(n);
}
void *calloc(size_t n, size_t size)
{
    __atomic_add_fetch(&heap_allocations, 1, __ATOMIC_RELAXED);
    return __libc_calloc(n, size);
}
void *realloc(void *p, size_t n)
{
    __atomic_add_fetch(&heap_allocations, 1, __ATOMIC_RELAXED);
    return __libc_realloc(p, n);
}
int posix_memalign(void **p, size_t alignment, size_t n)
{
    __atomic_add_fetch(&heap_allocations, 1, __ATOMIC_RELAXED);
    *p = __libc_memalign(alignment, n);
    return *p ? 0 : ENOMEM;
}
void *aligned_alloc(size_t alignment, size_t n)
{
    __atomic_add_fetch(&heap_allocations, 1, __ATOMIC_RELAXED);
    return __libc_memalign(alignment, n);
}
#endif

/* ------------------------------------------------------------------ helpers */

enum fill { FILL_NORMAL, FILL_AWAY_FROM_ZERO, FILL_POSITIVE, FILL_DISTINCT, FILL_PROBABILITY };

static rn_rng test_rng;

/* A heap tensor filled so that finite differences with h = 1e-2 never cross a
 * kink: AWAY_FROM_ZERO keeps |x| >= 0.1, DISTINCT spaces values 0.1 apart. */
static rn_tensor make_tensor(int ndim, const int *shape, enum fill fill)
{
    rn_tensor t;
    assert_int_equal(rn_tensor_alloc(&t, ndim, shape), RN_OK);
    size_t n = rn_tensor_numel(&t);
    int *order = malloc(n * sizeof(int));
    rn_rng_permutation(&test_rng, order, (int)n);
    for (size_t i = 0; i < n; i++) {
        double u = rn_rng_normal(&test_rng);
        switch (fill) {
        case FILL_NORMAL: t.data[i] = (float)u; break;
        case FILL_AWAY_FROM_ZERO: t.data[i] = (float)(u >= 0 ? 0.1 + u : -0.1 + u); break;
        case FILL_POSITIVE: t.data[i] = (float)(0.5 + fabs(u)); break;
        case FILL_DISTINCT: t.data[i] = (float)(0.1 * order[i] - 0.05 * (double)n + 0.03); break;
        case FILL_PROBABILITY: t.data[i] = (float)rn_rng_uniform(&test_rng); break;
        }
    }
    free(order);
    return t;
}

#define SHAPE(...) (int[]){__VA_ARGS__}

/* Runs the gradient check and fails the test with the library's message. */
static void expect_gradients(const char *name, rn_gradcheck_fn f, void *context, rn_tensor *inputs,
                             int n)
{
    rn_gradcheck_result r;
    rn_status status = rn_gradcheck(f, context, inputs, n, 1e-2, 2e-3, &r);
    if (status != RN_OK) fail_msg("%s: %s", name, rn_error_message());
    assert_true(r.checked > 0);
    for (int j = 0; j < n; j++) rn_tensor_free(&inputs[j]);
}

/* ------------------------------------------------------------------ dense layers */

typedef struct matmul_case {
    bool ta, tb;
} matmul_case;

static rn_var *f_matmul(rn_tape *t, rn_var **in, void *c)
{
    matmul_case *m = c;
    return rn_matmul_ex(t, in[0], m->ta, in[1], m->tb);
}

static void matmul_gradients(void **state)
{
    (void)state;
    for (int combo = 0; combo < 4; combo++) {
        matmul_case m = {combo & 1, combo & 2};
        rn_tensor in[2] = {make_tensor(2, m.ta ? SHAPE(4, 3) : SHAPE(3, 4), FILL_NORMAL),
                           make_tensor(2, m.tb ? SHAPE(5, 4) : SHAPE(4, 5), FILL_NORMAL)};
        expect_gradients("matmul", f_matmul, &m, in, 2);
    }
    matmul_case batched = {false, true};
    rn_tensor in[2] = {make_tensor(3, SHAPE(2, 3, 4), FILL_NORMAL),
                       make_tensor(3, SHAPE(2, 5, 4), FILL_NORMAL)};
    expect_gradients("batched matmul", f_matmul, &batched, in, 2);
}

typedef struct linear_case {
    rn_activation kind;
    float alpha;
} linear_case;

static rn_var *f_linear(rn_tape *t, rn_var **in, void *c)
{
    linear_case *l = c;
    return rn_linear_act(t, in[0], in[1], in[2], l->kind, l->alpha);
}
static rn_var *f_linear_no_bias(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_linear(t, in[0], in[1], NULL);
}

static void linear_gradients(void **state)
{
    (void)state;
    for (int k = 0; k < RN_ACT_COUNT; k++) {
        if (k == RN_ACT_STEP || k == RN_ACT_SIGN) continue; /* zero derivative */
        linear_case l = {(rn_activation)k, rn_activation_default_alpha((rn_activation)k)};
        if (k == RN_ACT_LEAKY_RELU) l.alpha = 0.2f;
        /* Inputs and weights chosen so pre-activations stay away from 0. */
        rn_tensor in[3] = {make_tensor(2, SHAPE(4, 3), FILL_NORMAL), make_tensor(2, SHAPE(5, 3), FILL_NORMAL),
                           make_tensor(1, SHAPE(5), FILL_AWAY_FROM_ZERO)};
        char name[64];
        snprintf(name, sizeof name, "linear + %s", rn_activation_name(l.kind));
        expect_gradients(name, f_linear, &l, in, 3);
    }
    rn_tensor in[2] = {make_tensor(3, SHAPE(2, 3, 4), FILL_NORMAL), make_tensor(2, SHAPE(2, 4), FILL_NORMAL)};
    expect_gradients("linear (T, B, in) without bias", f_linear_no_bias, NULL, in, 2);
}

/* ------------------------------------------------------------------ element-wise */

static rn_var *f_add(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_add(t, in[0], in[1]); }
static rn_var *f_sub(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_sub(t, in[0], in[1]); }
static rn_var *f_mul(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_mul(t, in[0], in[1]); }
static rn_var *f_div(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_div(t, in[0], in[1]); }
/* x * x + x: fan-out of one variable into three uses. */
static rn_var *f_fan_out(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_add(t, rn_mul(t, in[0], in[0]), in[0]);
}

static void arithmetic_gradients(void **state)
{
    (void)state;
    rn_gradcheck_fn fs[4] = {f_add, f_sub, f_mul, f_div};
    const char *names[4] = {"add", "sub", "mul", "div"};
    for (int k = 0; k < 4; k++) {
        /* same shape, broadcast (2,3,4) op (3,1), and (4) op (2,3,4) */
        rn_tensor same[2] = {make_tensor(2, SHAPE(3, 4), FILL_NORMAL), make_tensor(2, SHAPE(3, 4), FILL_POSITIVE)};
        expect_gradients(names[k], fs[k], NULL, same, 2);
        rn_tensor right[2] = {make_tensor(3, SHAPE(2, 3, 4), FILL_NORMAL), make_tensor(2, SHAPE(3, 1), FILL_POSITIVE)};
        expect_gradients(names[k], fs[k], NULL, right, 2);
        rn_tensor left[2] = {make_tensor(1, SHAPE(4), FILL_POSITIVE), make_tensor(3, SHAPE(2, 3, 4), FILL_POSITIVE)};
        expect_gradients(names[k], fs[k], NULL, left, 2);
    }
    rn_tensor x[1] = {make_tensor(2, SHAPE(3, 4), FILL_NORMAL)};
    expect_gradients("fan-out", f_fan_out, NULL, x, 1);
}

static rn_var *f_unary(rn_tape *t, rn_var **in, void *c)
{
    switch (*(int *)c) {
    case 0: return rn_scale(t, in[0], -1.5f);
    case 1: return rn_add_scalar(t, in[0], 0.75f);
    case 2: return rn_exp(t, in[0]);
    case 3: return rn_log(t, in[0]);
    case 4: return rn_square(t, in[0]);
    default: return rn_sqrt(t, in[0]);
    }
}

static void unary_gradients(void **state)
{
    (void)state;
    for (int k = 0; k < 6; k++) {
        rn_tensor x[1] = {make_tensor(2, SHAPE(3, 4), FILL_POSITIVE)};
        expect_gradients("unary", f_unary, &k, x, 1);
    }
}

/* ------------------------------------------------------------------ reductions and shapes */

typedef struct reduce_case {
    int kind, dim; /* kind: 0 sum 1 mean 2 max; dim 9 = all */
} reduce_case;

static rn_var *f_reduce(rn_tape *t, rn_var **in, void *c)
{
    reduce_case *r = c;
    if (r->dim == 9) return r->kind == 0 ? rn_sum(t, in[0]) : r->kind == 1 ? rn_mean(t, in[0]) : rn_max(t, in[0]);
    return r->kind == 0 ? rn_sum_dim(t, in[0], r->dim)
           : r->kind == 1 ? rn_mean_dim(t, in[0], r->dim)
                          : rn_max_dim(t, in[0], r->dim);
}

static void reduction_gradients(void **state)
{
    (void)state;
    int dims[5] = {9, 0, 1, 2, -1};
    for (int kind = 0; kind < 3; kind++)
        for (int d = 0; d < 5; d++) {
            reduce_case r = {kind, dims[d]};
            rn_tensor x[1] = {make_tensor(3, SHAPE(2, 3, 4), FILL_DISTINCT)};
            expect_gradients("reduce", f_reduce, &r, x, 1);
        }
}

static rn_var *f_shapes(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    /* (2,3,4) -> transpose(0,2) (4,3,2) -> reshape (4,6) -> concat with (4,2) and (4,1) on dim 1
     * -> (4,9) -> slice columns [2, 7) -> (4,5) */
    rn_var *tr = rn_transpose(t, in[0], 0, 2);
    rn_var *r = rn_reshape(t, tr, 2, SHAPE(4, 6));
    rn_var *parts[3] = {r, in[1], in[2]};
    rn_var *cat = rn_concat(t, parts, 3, 1);
    return rn_slice(t, cat, 1, 2, 5);
}

static rn_var *f_concat0(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    rn_var *parts[2] = {in[0], in[1]};
    return rn_slice(t, rn_concat(t, parts, 2, 0), 0, 1, 3);
}

static void shape_gradients(void **state)
{
    (void)state;
    rn_tensor in[3] = {make_tensor(3, SHAPE(2, 3, 4), FILL_NORMAL), make_tensor(2, SHAPE(4, 2), FILL_NORMAL),
                       make_tensor(2, SHAPE(4, 1), FILL_NORMAL)};
    expect_gradients("transpose/reshape/concat/slice", f_shapes, NULL, in, 3);
    rn_tensor in0[2] = {make_tensor(3, SHAPE(2, 2, 3), FILL_NORMAL), make_tensor(3, SHAPE(3, 2, 3), FILL_NORMAL)};
    expect_gradients("concat/slice dim 0", f_concat0, NULL, in0, 2);
}

/* ------------------------------------------------------------------ activations, softmax, losses */

static rn_var *f_activation(rn_tape *t, rn_var **in, void *c)
{
    rn_activation kind = *(rn_activation *)c;
    float alpha = kind == RN_ACT_LEAKY_RELU ? 0.2f : kind == RN_ACT_ELU ? 1.3f : 0.0f;
    return rn_activate(t, in[0], kind, alpha);
}

static void activation_gradients(void **state)
{
    (void)state;
    for (int k = 0; k < RN_ACT_COUNT; k++) {
        rn_activation kind = (rn_activation)k;
        rn_tensor x[1] = {make_tensor(2, SHAPE(4, 5), FILL_AWAY_FROM_ZERO)};
        expect_gradients(rn_activation_name(kind), f_activation, &kind, x, 1);
    }
}

static rn_var *f_softmax(rn_tape *t, rn_var **in, void *c)
{
    return *(int *)c ? rn_log_softmax(t, in[0]) : rn_softmax(t, in[0]);
}

static void softmax_gradients(void **state)
{
    (void)state;
    for (int k = 0; k < 2; k++) {
        rn_tensor x[1] = {make_tensor(3, SHAPE(2, 3, 5), FILL_NORMAL)};
        expect_gradients(k ? "log_softmax" : "softmax", f_softmax, &k, x, 1);
    }
}

static const int labels[4] = {2, 0, 4, 2};
static rn_var *f_mse(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_mse_loss(t, in[0], in[1]); }
static rn_var *f_bce(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_bce_with_logits_loss(t, in[0], in[1]); }
static rn_var *f_ce(rn_tape *t, rn_var **in, void *c) { (void)c; return rn_cross_entropy_loss(t, in[0], labels); }
static rn_var *f_nll(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_nll_loss(t, rn_log_softmax(t, in[0]), labels);
}
/* A loss that is not the root: 3 * CE + 1, to test an upstream gradient != 1. */
static rn_var *f_scaled_ce(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_add_scalar(t, rn_scale(t, rn_cross_entropy_loss(t, in[0], labels), 3.0f), 1.0f);
}

static void loss_gradients(void **state)
{
    (void)state;
    rn_tensor mse[2] = {make_tensor(2, SHAPE(4, 3), FILL_NORMAL), make_tensor(2, SHAPE(4, 3), FILL_NORMAL)};
    expect_gradients("mse", f_mse, NULL, mse, 2);
    rn_tensor bce[2] = {make_tensor(2, SHAPE(4, 3), FILL_NORMAL), make_tensor(2, SHAPE(4, 3), FILL_PROBABILITY)};
    expect_gradients("bce_with_logits", f_bce, NULL, bce, 2);
    rn_tensor ce[1] = {make_tensor(2, SHAPE(4, 5), FILL_NORMAL)};
    expect_gradients("cross_entropy", f_ce, NULL, ce, 1);
    rn_tensor nll[1] = {make_tensor(2, SHAPE(4, 5), FILL_NORMAL)};
    expect_gradients("nll(log_softmax)", f_nll, NULL, nll, 1);
    rn_tensor sce[1] = {make_tensor(2, SHAPE(4, 5), FILL_NORMAL)};
    expect_gradients("3 ce + 1", f_scaled_ce, NULL, sce, 1);
}

/* ------------------------------------------------------------------ dropout, norms, embedding */

static float dropout_mask[12] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 0, 1, 1};
static rn_var *f_dropout(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_dropout_mask(t, in[0], 0.25f, dropout_mask);
}

typedef struct norm_case {
    bool training, affine;
    float running_mean[3], running_var[3];
} norm_case;

static rn_var *f_batch_norm(rn_tape *t, rn_var **in, void *c)
{
    norm_case *n = c;
    rn_tape_set_training(t, n->training);
    rn_batch_norm_stats stats = {n->running_mean, n->running_var, 0.1f, 1e-5f};
    return rn_batch_norm(t, in[0], n->affine ? in[1] : NULL, n->affine ? in[2] : NULL, &stats);
}

static rn_var *f_layer_norm(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    return rn_layer_norm(t, in[0], in[1], in[2], 1e-5f);
}

static const int embedding_indices[5] = {3, 1, 3, 0, 3};
static rn_var *f_embedding(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    /* square so the output gradient depends on the rows (not constant). */
    return rn_square(t, rn_embedding(t, in[0], embedding_indices, 5));
}

static void layer_gradients(void **state)
{
    (void)state;
    rn_tensor d[1] = {make_tensor(2, SHAPE(3, 4), FILL_NORMAL)};
    expect_gradients("dropout", f_dropout, NULL, d, 1);
    for (int training = 1; training >= 0; training--) {
        norm_case n = {training, true, {0.1f, -0.2f, 0.3f}, {1.5f, 0.5f, 2.0f}};
        rn_tensor bn2[3] = {make_tensor(2, SHAPE(5, 3), FILL_NORMAL), make_tensor(1, SHAPE(3), FILL_NORMAL),
                            make_tensor(1, SHAPE(3), FILL_NORMAL)};
        expect_gradients("batch_norm (B, C)", f_batch_norm, &n, bn2, 3);
        rn_tensor bn4[3] = {make_tensor(4, SHAPE(2, 3, 2, 2), FILL_NORMAL), make_tensor(1, SHAPE(3), FILL_NORMAL),
                            make_tensor(1, SHAPE(3), FILL_NORMAL)};
        expect_gradients("batch_norm (B, C, H, W)", f_batch_norm, &n, bn4, 3);
    }
    norm_case plain = {true, false, {0}, {1, 1, 1}};
    rn_tensor bn[1] = {make_tensor(2, SHAPE(4, 3), FILL_NORMAL)};
    expect_gradients("batch_norm without affine", f_batch_norm, &plain, bn, 1);
    rn_tensor ln[3] = {make_tensor(3, SHAPE(2, 3, 4), FILL_NORMAL), make_tensor(1, SHAPE(4), FILL_NORMAL),
                       make_tensor(1, SHAPE(4), FILL_NORMAL)};
    expect_gradients("layer_norm", f_layer_norm, NULL, ln, 3);
    rn_tensor e[1] = {make_tensor(2, SHAPE(4, 3), FILL_AWAY_FROM_ZERO)};
    expect_gradients("embedding", f_embedding, NULL, e, 1);
}

/* The checker itself must catch a wrong backward: y = x^3 with dy/dx = 2 x^2
 * (off by a factor 3/2) written with the public op-writing API. */
static void wrong_cube_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    for (size_t i = 0; i < rn_tensor_numel(&x->value); i++)
        x->grad.data[i] += out->grad.data[i] * 2.0f * x->value.data[i] * x->value.data[i];
}
static rn_var *f_wrong_cube(rn_tape *t, rn_var **in, void *c)
{
    (void)c;
    rn_var *out = rn_tape_op(t, "cube", in[0]->value.ndim, in[0]->value.shape, in, 1, wrong_cube_backward);
    for (size_t i = 0; i < rn_tensor_numel(&out->value); i++)
        out->value.data[i] = in[0]->value.data[i] * in[0]->value.data[i] * in[0]->value.data[i];
    return out;
}

static void gradcheck_catches_a_wrong_gradient(void **state)
{
    (void)state;
    rn_tensor x = make_tensor(1, SHAPE(6), FILL_AWAY_FROM_ZERO);
    rn_gradcheck_result r;
    assert_int_equal(rn_gradcheck(f_wrong_cube, NULL, &x, 1, 1e-2, 2e-3, &r), RN_ERR_NUMERIC);
    assert_true(r.max_error > 0.1);
    assert_non_null(strstr(rn_error_message(), "gradcheck: input 0 element"));
    rn_tensor_free(&x);
}

/* ------------------------------------------------------------------ behaviour of the tape */

static void errors_name_the_shapes_and_chain(void **state)
{
    (void)state;
    rn_tape *tape = rn_tape_create(0);
    float a_data[6] = {0}, b_data[6] = {0};
    rn_var *a = rn_tape_input(tape, rn_tensor_view(a_data, 2, SHAPE(2, 3)));
    rn_var *b = rn_tape_input(tape, rn_tensor_view(b_data, 2, SHAPE(2, 3)));
    rn_var *c = rn_matmul(tape, a, b);
    assert_null(c);
    assert_int_equal(rn_tape_status(tape), RN_ERR_SHAPE);
    assert_string_equal(rn_tape_error(tape),
                        "matmul: a is (2, 3), b is (2, 3): inner dimensions differ (3 vs 2)");
    /* A chain after the failure returns NULL and keeps the first message. */
    rn_var *loss = rn_mean(tape, rn_relu(tape, rn_add(tape, c, a)));
    assert_null(loss);
    assert_string_equal(rn_tape_error(tape),
                        "matmul: a is (2, 3), b is (2, 3): inner dimensions differ (3 vs 2)");
    assert_int_equal(rn_backward(tape, loss), RN_ERR_STATE);
    /* Reset clears the error; broadcasting errors say which shapes. */
    rn_tape_reset(tape);
    a = rn_tape_input(tape, rn_tensor_view(a_data, 2, SHAPE(2, 3)));
    b = rn_tape_input(tape, rn_tensor_view(b_data, 1, SHAPE(2)));
    assert_null(rn_add(tape, a, b));
    assert_string_equal(rn_tape_error(tape), "add: shapes (2, 3) and (2) do not broadcast");
    rn_tape_reset(tape);
    a = rn_tape_input(tape, rn_tensor_view(a_data, 2, SHAPE(2, 3)));
    int bad_labels[2] = {1, 3};
    assert_null(rn_cross_entropy_loss(tape, a, bad_labels));
    assert_string_equal(rn_tape_error(tape), "cross_entropy: label 3 of row 1 is outside [0, 3)");
    rn_tape_destroy(tape);
}

/* A parameter used twice accumulates both gradients; backward adds into
 * the caller's gradient buffer; inputs get no gradient. */
static void parameters_accumulate(void **state)
{
    (void)state;
    float w_value[2] = {2.0f, -3.0f}, w_grad[2] = {10.0f, 10.0f}, x_value[2] = {1.0f, 4.0f};
    rn_var w = rn_param(rn_tensor_view(w_value, 1, SHAPE(2)), rn_tensor_view(w_grad, 1, SHAPE(2)));
    rn_tape *tape = rn_tape_create(0);
    rn_var *x = rn_tape_input(tape, rn_tensor_view(x_value, 1, SHAPE(2)));
    /* L = sum(w * x) + sum(w * w) -> dL/dw = x + 2 w */
    rn_var *loss = rn_add(tape, rn_sum(tape, rn_mul(tape, &w, x)), rn_sum(tape, rn_mul(tape, &w, &w)));
    assert_non_null(loss);
    assert_float_equal(loss->value.data[0], (2 - 12) + (4 + 9), 1e-6);
    assert_int_equal(rn_backward(tape, loss), RN_OK);
    assert_float_equal(w_grad[0], 10 + 1 + 4, 1e-6);
    assert_float_equal(w_grad[1], 10 + 4 - 6, 1e-6);
    assert_null(x->grad.data);
    /* A second backward on the same tape adds the same amount again. */
    assert_int_equal(rn_backward(tape, loss), RN_OK);
    assert_float_equal(w_grad[0], 10 + 2 * 5, 1e-6);
    rn_tape_reset(tape);
    /* Without gradients nothing is recorded for backward. */
    rn_tape_set_grad_enabled(tape, false);
    x = rn_tape_input(tape, rn_tensor_view(x_value, 1, SHAPE(2)));
    rn_var *y = rn_mul(tape, &w, x);
    assert_false(y->requires_grad);
    assert_null(y->backward);
    rn_tape_destroy(tape);
}

static void more_errors_and_modes(void **state)
{
    (void)state;
    rn_tape *tape = rn_tape_create(0);
    float data[12] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
    rn_var *x = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(3, 4)));
    /* backward needs a scalar */
    assert_int_equal(rn_backward(tape, x), RN_ERR_SHAPE);
    assert_string_equal(rn_error_message(), "backward: loss must have one element, got shape (3, 4)");
    /* a diverged loss */
    float nan_value = NAN;
    rn_var *nan_loss = rn_tape_variable(tape, rn_tensor_view(&nan_value, 1, SHAPE(1)));
    assert_int_equal(rn_backward(tape, nan_loss), RN_ERR_NUMERIC);
    assert_string_equal(rn_error_message(), "backward: the loss is nan (training diverged?)");
    /* embedding index out of range */
    int bad_index[2] = {0, 3};
    assert_null(rn_embedding(tape, x, bad_index, 2));
    assert_string_equal(rn_tape_error(tape), "embedding: index 3 at position 1 is outside [0, 3)");
    rn_tape_reset(tape);
    /* batch norm: one value per channel cannot be normalised in training;
     * evaluation needs running statistics */
    x = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(1, 12)));
    assert_null(rn_batch_norm(tape, x, NULL, NULL, NULL));
    assert_non_null(strstr(rn_tape_error(tape), "training needs more than 1"));
    rn_tape_reset(tape);
    rn_tape_set_training(tape, false);
    x = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(3, 4)));
    assert_null(rn_batch_norm(tape, x, NULL, NULL, NULL));
    assert_string_equal(rn_tape_error(tape), "batch_norm: evaluation mode needs running statistics");
    rn_tape_reset(tape);
    rn_tape_set_training(tape, true);
    /* concat and linear say which shapes disagree */
    x = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(3, 4)));
    rn_var *y = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(4, 3)));
    rn_var *parts[2] = {x, y};
    assert_null(rn_concat(tape, parts, 2, 0));
    assert_string_equal(rn_tape_error(tape),
                        "concat: input 0 is (3, 4), input 1 is (4, 3): all dimensions but 0 must agree");
    rn_tape_reset(tape);
    x = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(3, 4)));
    y = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(4, 3)));
    assert_null(rn_linear(tape, x, y, NULL));
    assert_string_equal(rn_tape_error(tape),
                        "linear: x is (3, 4) but weight is (4, 3) (out, in): x's last dimension must be 3");
    rn_tape_reset(tape);
    /* detach stops the gradient; full makes constants */
    x = rn_tape_variable(tape, rn_tensor_view(data, 2, SHAPE(3, 4)));
    rn_var *two = rn_tape_full(tape, 1, SHAPE(4), 2.0f);
    rn_var *loss = rn_sum(tape, rn_add(tape, rn_mul(tape, x, two), rn_square(tape, rn_detach(tape, x))));
    assert_float_equal(loss->value.data[0], 2 * 78 + 650, 1e-3);
    assert_int_equal(rn_backward(tape, loss), RN_OK);
    for (int i = 0; i < 12; i++) assert_float_equal(x->grad.data[i], 2.0f, 0); /* not 2 + 2x */
    rn_tape_destroy(tape);
}

/* h = x*x feeds an element-wise chain (tanh, dropout, reshape) and a second
 * consumer, recorded after the chain (its gradient arrives first, so tanh
 * must add into h's buffer) or before it (tanh gets h's buffer handed over,
 * then the other consumer adds).  Both orders by finite differences. */
static rn_var *f_chain(rn_tape *t, rn_var **in, void *c)
{
    bool other_first = *(bool *)c;
    rn_var *h = rn_mul(t, in[0], in[0]);
    rn_var *other = other_first ? rn_mul(t, h, in[1]) : NULL;
    rn_var *chain = rn_reshape(t, rn_dropout_mask(t, rn_tanh(t, h), 0.25f, dropout_mask), 1, SHAPE(12));
    if (!other_first) other = rn_mul(t, h, in[1]);
    return rn_add(t, rn_mul(t, chain, rn_reshape(t, in[1], 1, SHAPE(12))), rn_reshape(t, other, 1, SHAPE(12)));
}

/* linear writes its input's gradient with beta = 0 when it is the first to
 * reach it (assigns_grads), and adds when another consumer was first. */
static rn_var *f_linear_fan_out(rn_tape *t, rn_var **in, void *c)
{
    bool other_first = *(bool *)c;
    rn_var *h = rn_tanh(t, in[0]);
    rn_var *other = other_first ? rn_sum(t, rn_mul(t, h, h)) : NULL;
    rn_var *y = rn_sum(t, rn_square(t, rn_linear(t, h, in[1], NULL)));
    if (!other_first) other = rn_sum(t, rn_mul(t, h, h));
    return rn_add(t, y, other);
}

static void element_wise_chains_hand_over_gradients(void **state)
{
    (void)state;
    for (int order = 0; order < 2; order++) {
        bool other_first = order;
        rn_tensor in[2] = {make_tensor(2, SHAPE(3, 4), FILL_NORMAL), make_tensor(2, SHAPE(2, 4), FILL_NORMAL)};
        expect_gradients(other_first ? "linear, other consumer recorded first" : "linear, other consumer recorded last",
                         f_linear_fan_out, &other_first, in, 2);
    }
    for (int order = 0; order < 2; order++) {
        bool other_first = order;
        rn_tensor in[2] = {make_tensor(2, SHAPE(3, 4), FILL_NORMAL), make_tensor(2, SHAPE(3, 4), FILL_NORMAL)};
        expect_gradients(other_first ? "chain, other consumer first" : "chain, other consumer last", f_chain,
                         &other_first, in, 2);
    }
    /* The buffers really are shared: reshape's gradient became dropout's and
     * then tanh's, while the leaf x keeps its own. */
    rn_tensor x = make_tensor(2, SHAPE(3, 4), FILL_NORMAL);
    rn_tape *tape = rn_tape_create(0);
    rn_var *vx = rn_tape_variable(tape, x);
    rn_var *h = rn_mul(tape, vx, vx), *t = rn_tanh(tape, h);
    rn_var *d = rn_dropout_mask(tape, t, 0.25f, dropout_mask);
    rn_var *r = rn_reshape(tape, d, 1, SHAPE(12));
    rn_var *leaf_relu = rn_relu(tape, vx);
    assert_int_equal(rn_backward(tape, rn_add(tape, rn_sum(tape, r), rn_sum(tape, leaf_relu))), RN_OK);
    assert_ptr_equal(d->grad.data, r->grad.data);
    assert_ptr_equal(t->grad.data, r->grad.data);
    assert_ptr_equal(h->grad.data, r->grad.data);
    assert_true(vx->grad.data != leaf_relu->grad.data);
    /* d sum / dx = 2x tanh'(x^2) m / 0.75 + [x > 0] */
    for (int i = 0; i < 12; i++) {
        float xi = x.data[i], th = tanhf(xi * xi);
        float expected = 2.0f * xi * (1.0f - th * th) * dropout_mask[i] / 0.75f + (xi > 0.0f ? 1.0f : 0.0f);
        assert_float_equal(vx->grad.data[i], expected, 1e-5f);
    }
    rn_tape_destroy(tape);
    rn_tensor_free(&x);
}

/* Dropout draws its mask from the rng: about p of the values are zeroed, the
 * rest scaled by 1/(1-p), the gradient uses the same mask, and the same seed
 * gives the same mask. */
static void dropout_statistics(void **state)
{
    (void)state;
    enum { N = 20000 };
    static float ones[N];
    for (int i = 0; i < N; i++) ones[i] = 1.0f;
    rn_tape *tape = rn_tape_create(0);
    rn_rng rng;
    rn_rng_seed(&rng, 7);
    rn_var *x = rn_tape_variable(tape, rn_tensor_view(ones, 1, SHAPE(N)));
    rn_var *y = rn_dropout(tape, x, 0.3f, &rng);
    int zeros = 0;
    for (int i = 0; i < N; i++) {
        if (y->value.data[i] == 0.0f) zeros++;
        else assert_float_equal(y->value.data[i], 1.0f / 0.7f, 1e-6);
    }
    assert_true(fabs(zeros / (double)N - 0.3) < 0.015); /* 4.6 standard deviations */
    assert_int_equal(rn_backward(tape, rn_sum(tape, y)), RN_OK);
    for (int i = 0; i < N; i++) assert_float_equal(x->grad.data[i], y->value.data[i], 0);
    float first = y->value.data[0], hundredth = y->value.data[99];
    rn_tape_reset(tape);
    rn_rng_seed(&rng, 7);
    x = rn_tape_variable(tape, rn_tensor_view(ones, 1, SHAPE(N)));
    y = rn_dropout(tape, x, 0.3f, &rng);
    assert_float_equal(y->value.data[0], first, 0);
    assert_float_equal(y->value.data[99], hundredth, 0);
    assert_null(rn_dropout(tape, x, 1.5f, &rng));
    assert_string_equal(rn_tape_error(tape), "dropout: probability 1.5 is outside [0, 1]");
    rn_tape_destroy(tape);
}

/* Batch norm on an input large enough to take the threaded path: each output
 * channel has mean 0 and variance 1, and each channel's dx sums to 0 (the
 * mean is subtracted), as the formulas require. */
static void batch_norm_large_input(void **state)
{
    (void)state;
    enum { B = 9, C = 4, H = 32, W = 32, S = H * W };
    rn_tensor x = make_tensor(4, SHAPE(B, C, H, W), FILL_NORMAL);
    rn_tape *tape = rn_tape_create(0);
    rn_var *v = rn_tape_variable(tape, x);
    rn_var *y = rn_batch_norm(tape, v, NULL, NULL, NULL);
    rn_var *loss = rn_sum(tape, rn_mul(tape, y, rn_tape_variable(tape, x))); /* non-trivial dy */
    assert_int_equal(rn_backward(tape, loss), RN_OK);
    for (int c = 0; c < C; c++) {
        double sum = 0, squares = 0, dx_sum = 0;
        for (int b = 0; b < B; b++)
            for (int s = 0; s < S; s++) {
                size_t i = ((size_t)b * C + c) * S + s;
                sum += y->value.data[i];
                squares += (double)y->value.data[i] * y->value.data[i];
                dx_sum += v->grad.data[i];
            }
        assert_float_equal(sum / (B * S), 0.0, 1e-5);
        assert_float_equal(squares / (B * S), 1.0, 1e-4);
        assert_float_equal(dx_sum, 0.0, 1e-2);
    }
    rn_tape_destroy(tape);
    rn_tensor_free(&x);
}

static void forward_values(void **state)
{
    (void)state;
    rn_tape *tape = rn_tape_create(0);
    float z[6] = {1, 2, 3, 1, 1, 1};
    rn_var *logits = rn_tape_input(tape, rn_tensor_view(z, 2, SHAPE(2, 3)));
    rn_var *p = rn_softmax(tape, logits);
    double e = exp(1.0) + exp(2.0) + exp(3.0);
    assert_float_equal(p->value.data[2], exp(3.0) / e, 1e-7);
    assert_float_equal(p->value.data[4], 1.0 / 3.0, 1e-7);
    int y[2] = {2, 0};
    rn_var *ce = rn_cross_entropy_loss(tape, logits, y);
    assert_float_equal(ce->value.data[0], 0.5 * ((log(e) - 3.0) + log(3.0)), 1e-6);
    /* Broadcast (2, 3) + (3): row-wise bias. */
    float bias[3] = {10, 20, 30};
    rn_var *s = rn_add(tape, logits, rn_tape_input(tape, rn_tensor_view(bias, 1, SHAPE(3))));
    assert_float_equal(s->value.data[5], 31, 0);
    /* Max along dim 1 of (2, 3). */
    rn_var *m = rn_max_dim(tape, logits, 1);
    assert_int_equal(m->value.ndim, 1);
    assert_float_equal(m->value.data[0], 3, 0);
    /* Dropout is the identity in evaluation mode. */
    rn_tape_set_training(tape, false);
    assert_ptr_equal(rn_dropout(tape, logits, 0.5f, &test_rng), logits);
    rn_tape_destroy(tape);
}

/* Training steps of a small MLP with batch norm and dropout: after the first
 * step, neither the arena nor anything else calls malloc. */
static void steady_state_makes_no_heap_allocation(void **state)
{
    (void)state;
    enum { B = 16, IN = 20, H = 32, OUT = 5 };
    static float params[H * IN + H + H + H + OUT * H + OUT], grads[sizeof params / sizeof(float)];
    rn_rng_fill_normal(&test_rng, params, sizeof params / sizeof(float), 0.0f, 0.1f);
    float *p = params, *g = grads;
    rn_var w1 = rn_param(rn_tensor_view(p, 2, SHAPE(H, IN)), rn_tensor_view(g, 2, SHAPE(H, IN)));
    p += H * IN, g += H * IN;
    rn_var b1 = rn_param(rn_tensor_view(p, 1, SHAPE(H)), rn_tensor_view(g, 1, SHAPE(H)));
    p += H, g += H;
    rn_var gamma = rn_param(rn_tensor_view(p, 1, SHAPE(H)), rn_tensor_view(g, 1, SHAPE(H)));
    for (int i = 0; i < H; i++) p[i] = 1.0f;
    p += H, g += H;
    rn_var beta = rn_param(rn_tensor_view(p, 1, SHAPE(H)), rn_tensor_view(g, 1, SHAPE(H)));
    p += H, g += H;
    rn_var w2 = rn_param(rn_tensor_view(p, 2, SHAPE(OUT, H)), rn_tensor_view(g, 2, SHAPE(OUT, H)));
    p += OUT * H, g += OUT * H;
    rn_var b2 = rn_param(rn_tensor_view(p, 1, SHAPE(OUT)), rn_tensor_view(g, 1, SHAPE(OUT)));
    float running_mean[H] = {0}, running_var[H];
    for (int i = 0; i < H; i++) running_var[i] = 1.0f;
    rn_batch_norm_stats stats = {running_mean, running_var, 0.1f, 1e-5f};
    static float x[B * IN];
    int y[B];
    rn_rng_fill_normal(&test_rng, x, B * IN, 0.0f, 1.0f);
    for (int i = 0; i < B; i++) y[i] = i % OUT;
    rn_tape *tape = rn_tape_create(4096); /* small on purpose: it must grow, then settle */
    float first_loss = 0, last_loss = 0;
    long heap_before = 0;
    size_t blocks_before = 0;
    for (int step = 0; step < 30; step++) {
        if (step == 3) {
            heap_before = heap_allocations;
            blocks_before = rn_arena_block_allocations(rn_tape_arena(tape));
        }
        rn_var *input = rn_tape_input(tape, rn_tensor_view(x, 2, SHAPE(B, IN)));
        rn_var *h = rn_linear(tape, input, &w1, &b1);
        h = rn_activate(tape, rn_batch_norm(tape, h, &gamma, &beta, &stats), RN_ACT_GELU, 0);
        h = rn_dropout(tape, h, 0.1f, &test_rng);
        rn_var *loss = rn_cross_entropy_loss(tape, rn_linear(tape, h, &w2, &b2), y);
        assert_non_null(loss);
        memset(grads, 0, sizeof grads);
        assert_int_equal(rn_backward(tape, loss), RN_OK);
        for (size_t i = 0; i < sizeof params / sizeof(float); i++) params[i] -= 0.5f * grads[i];
        if (step == 0) first_loss = loss->value.data[0];
        last_loss = loss->value.data[0];
        rn_tape_reset(tape);
    }
    assert_int_equal(rn_arena_block_allocations(rn_tape_arena(tape)), blocks_before);
    if (COUNT_MALLOC) assert_int_equal(heap_allocations - heap_before, 0);
    printf("loss %g -> %g\n", first_loss, last_loss);
    assert_true(last_loss < 0.5f * first_loss); /* it learns the 16 points */
    rn_tape_destroy(tape);
}

int main(void)
{
    rn_rng_seed(&test_rng, 42);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matmul_gradients),
        cmocka_unit_test(linear_gradients),
        cmocka_unit_test(arithmetic_gradients),
        cmocka_unit_test(unary_gradients),
        cmocka_unit_test(reduction_gradients),
        cmocka_unit_test(shape_gradients),
        cmocka_unit_test(activation_gradients),
        cmocka_unit_test(softmax_gradients),
        cmocka_unit_test(loss_gradients),
        cmocka_unit_test(layer_gradients),
        cmocka_unit_test(gradcheck_catches_a_wrong_gradient),
        cmocka_unit_test(errors_name_the_shapes_and_chain),
        cmocka_unit_test(parameters_accumulate),
        cmocka_unit_test(more_errors_and_modes),
        cmocka_unit_test(dropout_statistics),
        cmocka_unit_test(element_wise_chains_hand_over_gradients),
        cmocka_unit_test(batch_norm_large_input),
        cmocka_unit_test(forward_values),
        cmocka_unit_test(steady_state_makes_no_heap_allocation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
