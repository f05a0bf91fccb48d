/* test_conv_golden.c — the CNN layers against PyTorch.
 *
 * tests/golden/make_conv_golden.py ran each layer alone, and a small CNN with
 * every layer kind (conv with stride/padding/dilation/groups, transposed conv,
 * batch norm, max and average pooling, global pooling, dropout with a fixed
 * mask, flatten, linear, cross-entropy), in float32, and saved inputs,
 * outputs and every gradient.  Acceptance: for every output and gradient,
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

/* ------------------------------------------------------------------ single layers */

typedef rn_var *layer_fn(rn_tape *tape, rn_var **inputs);

static rn_var *l_conv(rn_tape *t, rn_var **in)
{
    return rn_conv2d(t, in[0], in[1], in[2], &(rn_conv_options){.stride = {2, 2}, .padding = {1, 1}});
}
static rn_var *l_dilated(rn_tape *t, rn_var **in)
{
    return rn_conv2d(t, in[0], in[1], in[2],
                     &(rn_conv_options){.padding = {2, 1}, .dilation = {2, 2}, .groups = 2});
}
static rn_var *l_transposed(rn_tape *t, rn_var **in)
{
    return rn_conv_transpose2d(
        t, in[0], in[1], in[2],
        &(rn_conv_options){.stride = {2, 2}, .padding = {1, 1}, .output_padding = {1, 1}, .groups = 2});
}
static rn_var *l_maxpool(rn_tape *t, rn_var **in)
{
    return rn_max_pool2d(t, in[0], 3, 2, 1);
}
static rn_var *l_avgpool(rn_tape *t, rn_var **in)
{
    return rn_avg_pool2d(t, in[0], 3, 2, 1);
}
static rn_var *l_global(rn_tape *t, rn_var **in)
{
    return rn_global_avg_pool2d(t, in[0]);
}
static rn_var *l_winograd(rn_tape *t, rn_var **in)
{
    return rn_conv2d(t, in[0], in[1], in[2], &(rn_conv_options){.padding = {1, 1}});
}
static rn_var *l_maxpool2(rn_tape *t, rn_var **in)
{
    return rn_max_pool2d(t, in[0], 2, 2, 0);
}

/* Runs PREFIX's layer on variables PREFIX_in0.., seeds PREFIX_dy and compares
 * PREFIX_y and every PREFIX_d<i>. */
static void check_layer(golden *g, const char *prefix, layer_fn *fn, int n_inputs)
{
    rn_tape *tape = rn_tape_create(0);
    rn_var *inputs[3];
    char name[64];
    for (int i = 0; i < n_inputs; i++) {
        snprintf(name, sizeof name, "%s_in%d", prefix, i);
        inputs[i] = variable(tape, g, name);
    }
    rn_var *y = fn(tape, inputs);
    if (!y) fail_msg("%s: %s", prefix, rn_tape_error(tape));
    snprintf(name, sizeof name, "%s_y", prefix);
    expect_close(name, y->value.data, get(g, name));
    snprintf(name, sizeof name, "%s_dy", prefix);
    backward_with(tape, y, g, name);
    for (int i = 0; i < n_inputs; i++) {
        snprintf(name, sizeof name, "%s_d%d", prefix, i);
        expect_close(name, inputs[i]->grad.data, get(g, name));
    }
    rn_tape_destroy(tape);
}

static void golden_layers(void **state)
{
    (void)state;
    golden *g = golden_load("conv", "layers");
    check_layer(g, "conv", l_conv, 3);
    check_layer(g, "dilated", l_dilated, 3);
    check_layer(g, "transposed", l_transposed, 3);
    check_layer(g, "maxpool", l_maxpool, 1);
    check_layer(g, "avgpool", l_avgpool, 1);
    check_layer(g, "global", l_global, 1);
    check_layer(g, "winograd", l_winograd, 3);
    check_layer(g, "maxpool2", l_maxpool2, 1);
    golden_free(g);
}

/* ------------------------------------------------------------------ the CNN */

static void golden_cnn(void **state)
{
    (void)state;
    golden *g = golden_load("conv", "cnn");
    /* conv 1 has no bias: batch norm right after it would cancel it */
    static const char *const names[] = {"w1", "gamma", "beta", "w2",  "b2",  "wt", "bt",
                                        "w3", "b3",    "wl1",  "bl1", "wl2", "bl2"};
    enum { N_PARAMS = sizeof names / sizeof names[0] };
    param p[N_PARAMS];
    for (int i = 0; i < N_PARAMS; i++)
        param_init(&p[i], g, names[i]);
    rn_var *W1 = &p[0].var, *gamma = &p[1].var, *beta = &p[2].var;
    rn_var *W2 = &p[3].var, *B2 = &p[4].var, *WT = &p[5].var, *BT = &p[6].var;
    rn_var *W3 = &p[7].var, *B3 = &p[8].var, *WL1 = &p[9].var, *BL1 = &p[10].var;
    rn_var *WL2 = &p[11].var, *BL2 = &p[12].var;
    int *labels = get_ints(g, "labels");

    rn_tape *tape = rn_tape_create(0);
    rn_var *x = variable(tape, g, "x");
    rn_var *h = rn_conv2d(tape, x, W1, NULL, &(rn_conv_options){.padding = {1, 1}});
    h = rn_batch_norm(tape, h, gamma, beta, NULL);
    h = rn_max_pool2d(tape, rn_relu(tape, h), 2, 0, 0);
    h = rn_relu(tape, rn_conv2d(tape, h, W2, B2,
                                &(rn_conv_options){.padding = {2, 2}, .dilation = {2, 2}, .groups = 2}));
    h = rn_avg_pool2d(tape, h, 2, 0, 0);
    h = rn_relu(tape, rn_conv_transpose2d(tape, h, WT, BT, &(rn_conv_options){.stride = {2, 2}}));
    h = rn_conv2d(tape, h, W3, B3, &(rn_conv_options){.stride = {2, 2}, .padding = {1, 1}});
    rn_var *flat = rn_dropout_mask(tape, rn_flatten(tape, h), 0.25f, get(g, "mask")->data);
    rn_var *pooled = rn_global_avg_pool2d(tape, h);
    rn_var *logits = rn_add(tape, rn_linear(tape, flat, WL1, BL1), rn_linear(tape, pooled, WL2, BL2));
    rn_var *loss = rn_cross_entropy_loss(tape, logits, labels);
    if (!loss) fail_msg("cnn: %s", rn_tape_error(tape));
    expect_close("h", h->value.data, get(g, "h"));
    expect_close("logits", logits->value.data, get(g, "logits"));
    expect_close("loss", loss->value.data, get(g, "loss"));
    assert_int_equal(rn_backward(tape, loss), RN_OK);
    expect_close("dx", x->grad.data, get(g, "dx"));
    for (int i = 0; i < N_PARAMS; i++) {
        char name[32];
        snprintf(name, sizeof name, "d%s", names[i]);
        expect_close(name, p[i].grad.data, get(g, name));
    }
    rn_tape_destroy(tape);
    for (int i = 0; i < N_PARAMS; i++)
        param_free(&p[i]);
    free(labels);
    golden_free(g);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(golden_layers),
        cmocka_unit_test(golden_cnn),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
