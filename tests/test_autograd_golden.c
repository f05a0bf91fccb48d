/* test_autograd_golden.c — autograd ops against PyTorch.
 *
 * tests/golden/make_autograd_golden.py ran each layer in PyTorch (float32)
 * and saved inputs, outputs and every gradient; here the same computation
 * runs on our tape.  Acceptance: for every output and gradient,
 *   max |ours - torch| <= 1e-5 * max |torch|.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"
#include "golden_io.h"

/* ------------------------------------------------------------------ cases */

static void golden_matmul(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "matmul");
    rn_tape *tape = rn_tape_create(0);
    rn_var *a = variable(tape, g, "a"), *b = variable(tape, g, "b");
    rn_var *y = rn_matmul(tape, a, b);
    backward_with(tape, y, g, "dy");
    expect_close("matmul y", y->value.data, get(g, "y"));
    expect_close("matmul da", a->grad.data, get(g, "da"));
    expect_close("matmul db", b->grad.data, get(g, "db"));
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_linear(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "linear");
    rn_tape *tape = rn_tape_create(0);
    param w, b;
    param_init(&w, g, "w");
    param_init(&b, g, "b");
    rn_var *x = variable(tape, g, "x");
    rn_var *y = rn_linear(tape, x, &w.var, &b.var);
    backward_with(tape, y, g, "dy");
    expect_close("linear y", y->value.data, get(g, "y"));
    expect_close("linear dx", x->grad.data, get(g, "dx"));
    expect_close("linear dW", w.grad.data, get(g, "dw"));
    expect_close("linear db", b.grad.data, get(g, "db"));
    param_free(&w);
    param_free(&b);
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_activations(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "activations");
    rn_tape *tape = rn_tape_create(0);
    for (int k = 0; k < RN_ACT_COUNT; k++) {
        const char *name = rn_activation_name((rn_activation)k);
        rn_activation kind;
        assert_int_equal(rn_activation_from_name(name, &kind), RN_OK);
        assert_int_equal(kind, k);
        rn_var *x = variable(tape, g, "x");
        rn_var *y = rn_activate(tape, x, kind, rn_activation_default_alpha(kind));
        backward_with(tape, y, g, "dy");
        char key[64], what[64];
        snprintf(key, sizeof key, "y_%s", name);
        snprintf(what, sizeof what, "%s forward", name);
        expect_close(what, y->value.data, get(g, key));
        snprintf(key, sizeof key, "dx_%s", name);
        snprintf(what, sizeof what, "%s backward", name);
        if (x->grad.data) /* step and sign send no gradient at all */
            expect_close(what, x->grad.data, get(g, key));
        rn_tape_reset(tape);
    }
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_softmax(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "softmax");
    rn_tape *tape = rn_tape_create(0);
    rn_var *x = variable(tape, g, "x");
    rn_var *s = rn_softmax(tape, x);
    backward_with(tape, s, g, "dy");
    expect_close("softmax", s->value.data, get(g, "softmax"));
    expect_close("softmax backward", x->grad.data, get(g, "dx_softmax"));
    rn_tape_reset(tape);
    x = variable(tape, g, "x");
    rn_var *l = rn_log_softmax(tape, x);
    backward_with(tape, l, g, "dy");
    expect_close("log_softmax", l->value.data, get(g, "log_softmax"));
    expect_close("log_softmax backward", x->grad.data, get(g, "dx_log_softmax"));
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_losses(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "losses");
    rn_tape *tape = rn_tape_create(0);
    rn_var *p = variable(tape, g, "prediction");
    rn_var *mse = rn_mse_loss(tape, p, input(tape, g, "target"));
    assert_int_equal(rn_backward(tape, mse), RN_OK);
    expect_close("mse", mse->value.data, get(g, "mse"));
    expect_close("mse gradient", p->grad.data, get(g, "d_mse"));
    rn_var *z = variable(tape, g, "logits_b");
    rn_var *bce = rn_bce_with_logits_loss(tape, z, input(tape, g, "target_b"));
    assert_int_equal(rn_backward(tape, bce), RN_OK);
    expect_close("bce_with_logits", bce->value.data, get(g, "bce"));
    expect_close("bce_with_logits gradient", z->grad.data, get(g, "d_bce"));
    int *labels = get_ints(g, "labels");
    rn_var *logits = variable(tape, g, "logits");
    rn_var *ce = rn_cross_entropy_loss(tape, logits, labels);
    assert_int_equal(rn_backward(tape, ce), RN_OK);
    expect_close("cross_entropy", ce->value.data, get(g, "ce"));
    expect_close("cross_entropy gradient", logits->grad.data, get(g, "d_ce"));
    rn_var *lp = variable(tape, g, "log_probs");
    rn_var *nll = rn_nll_loss(tape, lp, labels);
    assert_int_equal(rn_backward(tape, nll), RN_OK);
    expect_close("nll", nll->value.data, get(g, "nll"));
    expect_close("nll gradient", lp->grad.data, get(g, "d_nll"));
    free(labels);
    rn_tape_destroy(tape);
    golden_free(g);
}

static void batch_norm_case(const char *name, bool training)
{
    golden *g = golden_load("autograd", name);
    rn_tape *tape = rn_tape_create(0);
    rn_tape_set_training(tape, training);
    param gamma, beta;
    param_init(&gamma, g, "gamma");
    param_init(&beta, g, "beta");
    rn_tensor *rm0 = get(g, "running_mean0"), *rv0 = get(g, "running_var0");
    size_t channels = rn_tensor_numel(rm0);
    float running_mean[16], running_var[16];
    memcpy(running_mean, rm0->data, channels * sizeof(float));
    memcpy(running_var, rv0->data, channels * sizeof(float));
    rn_batch_norm_stats stats = {running_mean, running_var, 0.1f, 1e-5f};
    rn_var *x = variable(tape, g, "x");
    rn_var *y = rn_batch_norm(tape, x, &gamma.var, &beta.var, &stats);
    backward_with(tape, y, g, "dy");
    expect_close("batch_norm y", y->value.data, get(g, "y"));
    expect_close("batch_norm dx", x->grad.data, get(g, "dx"));
    expect_close("batch_norm dgamma", gamma.grad.data, get(g, "dgamma"));
    expect_close("batch_norm dbeta", beta.grad.data, get(g, "dbeta"));
    expect_close("batch_norm running mean", running_mean, get(g, "running_mean"));
    expect_close("batch_norm running var", running_var, get(g, "running_var"));
    param_free(&gamma);
    param_free(&beta);
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_batch_norm(void **state)
{
    (void)state;
    batch_norm_case("batch_norm_2d", true);
    batch_norm_case("batch_norm_4d", true);
    batch_norm_case("batch_norm_eval", false);
}

static void golden_layer_norm(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "layer_norm");
    rn_tape *tape = rn_tape_create(0);
    param gamma, beta;
    param_init(&gamma, g, "gamma");
    param_init(&beta, g, "beta");
    rn_var *x = variable(tape, g, "x");
    rn_var *y = rn_layer_norm(tape, x, &gamma.var, &beta.var, 1e-5f);
    backward_with(tape, y, g, "dy");
    expect_close("layer_norm y", y->value.data, get(g, "y"));
    expect_close("layer_norm dx", x->grad.data, get(g, "dx"));
    expect_close("layer_norm dgamma", gamma.grad.data, get(g, "dgamma"));
    expect_close("layer_norm dbeta", beta.grad.data, get(g, "dbeta"));
    param_free(&gamma);
    param_free(&beta);
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_embedding(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "embedding");
    rn_tape *tape = rn_tape_create(0);
    param w;
    param_init(&w, g, "w");
    int *indices = get_ints(g, "indices");
    rn_var *y = rn_embedding(tape, &w.var, indices, (int)rn_tensor_numel(get(g, "indices")));
    backward_with(tape, y, g, "dy");
    expect_close("embedding y", y->value.data, get(g, "y"));
    expect_close("embedding dW", w.grad.data, get(g, "dw"));
    free(indices);
    param_free(&w);
    rn_tape_destroy(tape);
    golden_free(g);
}

static void golden_elementwise(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "elementwise");
    rn_tape *tape = rn_tape_create(0);
    const char *names[4] = {"add", "sub", "mul", "div"};
    rn_var *(*ops[4])(rn_tape *, rn_var *, rn_var *) = {rn_add, rn_sub, rn_mul, rn_div};
    char key[64];
    for (int k = 0; k < 4; k++) {
        rn_var *a = variable(tape, g, "a"), *b = variable(tape, g, "b");
        rn_var *y = ops[k](tape, a, b);
        snprintf(key, sizeof key, "dy_%s", names[k]);
        backward_with(tape, y, g, key);
        snprintf(key, sizeof key, "y_%s", names[k]);
        expect_close(key, y->value.data, get(g, key));
        snprintf(key, sizeof key, "da_%s", names[k]);
        expect_close(key, a->grad.data, get(g, key));
        snprintf(key, sizeof key, "db_%s", names[k]);
        expect_close(key, b->grad.data, get(g, key));
        rn_tape_reset(tape);
    }
    const char *reductions[5] = {"sum1", "mean2", "max0", "sum", "mean"};
    for (int k = 0; k < 5; k++) {
        rn_var *a = variable(tape, g, "a");
        rn_var *y = k == 0 ? rn_sum_dim(tape, a, 1)
                    : k == 1 ? rn_mean_dim(tape, a, -1)
                    : k == 2 ? rn_max_dim(tape, a, 0)
                    : k == 3 ? rn_sum(tape, a)
                             : rn_mean(tape, a);
        snprintf(key, sizeof key, "dy_%s", reductions[k]);
        backward_with(tape, y, g, key);
        snprintf(key, sizeof key, "y_%s", reductions[k]);
        expect_close(key, y->value.data, get(g, key));
        snprintf(key, sizeof key, "da_%s", reductions[k]);
        expect_close(key, a->grad.data, get(g, key));
        rn_tape_reset(tape);
    }
    /* cat([a.transpose(0, 1)[1:3], c], 0) */
    rn_var *a = variable(tape, g, "a"), *c = variable(tape, g, "c");
    rn_var *parts[2] = {rn_slice(tape, rn_transpose(tape, a, 0, 1), 0, 1, 2), c};
    rn_var *y = rn_concat(tape, parts, 2, 0);
    backward_with(tape, y, g, "dy_shape");
    expect_close("transpose/slice/concat", y->value.data, get(g, "y_shape"));
    expect_close("transpose/slice/concat da", a->grad.data, get(g, "da_shape"));
    expect_close("transpose/slice/concat dc", c->grad.data, get(g, "dc_shape"));
    rn_tape_destroy(tape);
    golden_free(g);
}

/* Linear(10,16, no bias) - BatchNorm - ReLU - Dropout(0.5, fixed mask) - Linear(16,12) - tanh
 * - Linear(12,4) - cross-entropy: the loss, logits, running statistics and all
 * seven parameter gradients. */
static void golden_mlp(void **state)
{
    (void)state;
    golden *g = golden_load("autograd", "mlp");
    const char *names[7] = {"w1", "gamma", "beta", "w2", "b2", "w3", "b3"};
    param p[7];
    for (int i = 0; i < 7; i++) param_init(&p[i], g, names[i]);
    float running_mean[16] = {0}, running_var[16];
    for (int i = 0; i < 16; i++) running_var[i] = 1.0f;
    rn_batch_norm_stats stats = {running_mean, running_var, 0.1f, 1e-5f};
    int *labels = get_ints(g, "labels");
    rn_tape *tape = rn_tape_create(0);
    rn_var *x = input(tape, g, "x");
    rn_var *h = rn_linear(tape, x, &p[0].var, NULL);
    h = rn_relu(tape, rn_batch_norm(tape, h, &p[1].var, &p[2].var, &stats));
    h = rn_dropout_mask(tape, h, 0.5f, get(g, "mask")->data);
    h = rn_linear_act(tape, h, &p[3].var, &p[4].var, RN_ACT_TANH, 0.0f);
    rn_var *logits = rn_linear(tape, h, &p[5].var, &p[6].var);
    rn_var *loss = rn_cross_entropy_loss(tape, logits, labels);
    assert_int_equal(rn_tape_status(tape), RN_OK);
    assert_int_equal(rn_backward(tape, loss), RN_OK);
    expect_close("mlp logits", logits->value.data, get(g, "logits"));
    expect_close("mlp loss", loss->value.data, get(g, "loss"));
    expect_close("mlp running mean", running_mean, get(g, "running_mean"));
    expect_close("mlp running var", running_var, get(g, "running_var"));
    for (int i = 0; i < 7; i++) {
        char key[16];
        snprintf(key, sizeof key, "d%s", names[i]);
        expect_close(key, p[i].grad.data, get(g, key));
        param_free(&p[i]);
    }
    free(labels);
    rn_tape_destroy(tape);
    golden_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_matmul),     cmocka_unit_test(golden_linear),
        cmocka_unit_test(golden_activations), cmocka_unit_test(golden_softmax),
        cmocka_unit_test(golden_losses),     cmocka_unit_test(golden_batch_norm),
        cmocka_unit_test(golden_layer_norm), cmocka_unit_test(golden_embedding),
        cmocka_unit_test(golden_elementwise), cmocka_unit_test(golden_mlp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
