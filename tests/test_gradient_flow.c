/* test_gradient_flow.c — the physics of vanishing gradients on a tiny deep
 * net (8 hidden layers of 16, 16 inputs, 4 classes, fixed random data):
 *   sigmoid, default init: ‖∂E/∂W_1‖ is orders of magnitude below ‖∂E/∂W_9‖;
 *   ReLU + batch norm, and ReLU with Kaiming init: the ratio stays near 1;
 *   large init (gain 4) with ReLU: the gradients explode;
 *   with one example, ∂E/∂b_l = δ_l obeys ‖δ_l‖ ≤ ¼ ‖W_{l+1}‖_F ‖δ_{l+1}‖
 *   for the sigmoid (max σ' = ¼) and the per-layer norms match the
 *   Frobenius norms of the gradient buffer read directly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redes/gradient_flow.h"

enum { DEPTH = 8, WIDTH = 16, FEATURES = 16, CLASSES = 4, BATCH = 32, LAYERS = DEPTH + 1 };

typedef struct probe {
    double weight_norms[LAYERS], bias_norms[LAYERS];
    double loss;
} probe;

/* init: "default", "kaiming" or "large". */
static void run_probe(const char *activation, bool batchnorm, const char *init, int batch, probe *out,
                      rn_model *keep)
{
    char spec[RN_MODEL_SPEC_MAX];
    assert_int_equal(rn_deep_mlp_spec(DEPTH, WIDTH, activation, batchnorm, CLASSES, spec, sizeof spec), RN_OK);
    rn_model model;
    int input_shape[3] = {FEATURES, 1, 1};
    assert_int_equal(rn_model_create(&model, spec, input_shape, CLASSES), RN_OK);
    assert_int_equal(rn_model_fc_count(&model), LAYERS);
    rn_rng rng;
    rn_rng_seed(&rng, 42);
    if (strcmp(init, "large") == 0) assert_int_equal(rn_model_init_scaled_normal(&model, 4.0, &rng), RN_OK);
    else
        assert_int_equal(rn_model_init(&model, strcmp(init, "kaiming") == 0 ? RN_INIT_KAIMING_NORMAL : RN_INIT_DEFAULT,
                                       &rng),
                         RN_OK);
    float x[BATCH * FEATURES];
    int labels[BATCH];
    rn_rng data_rng;
    rn_rng_seed(&data_rng, 7);
    rn_rng_fill_normal(&data_rng, x, BATCH * FEATURES, 0.0f, 1.0f);
    for (int b = 0; b < BATCH; b++) labels[b] = (int)rn_rng_below(&data_rng, CLASSES);
    rn_tape *tape = rn_tape_create(0);
    assert_int_equal(rn_model_loss_and_gradient(&model, tape, x, labels, batch, &rng, &out->loss), RN_OK);
    assert_true(isfinite(out->loss));
    assert_int_equal(rn_model_layer_grad_norms(&model, out->weight_norms, out->bias_norms, LAYERS), LAYERS);
    rn_tape_destroy(tape);
    if (keep) *keep = model;
    else rn_model_free(&model);
}

static void sigmoid_gradients_vanish(void **state)
{
    (void)state;
    probe p;
    run_probe("sigmoid", false, "default", BATCH, &p, NULL);
    double ratio = p.weight_norms[0] / p.weight_norms[LAYERS - 1];
    assert_true(p.weight_norms[LAYERS - 1] > 1e-2); /* the output layer does learn */
    assert_true(ratio < 1e-4);                       /* eight sigmoid layers: >= 4 orders of magnitude */
    assert_true(ratio > 0);                          /* but not exactly zero: the gradient does reach layer 1 */
    /* and it shrinks at (almost) every layer on the way down */
    int shrinking = 0;
    for (int l = 0; l + 1 < LAYERS; l++) shrinking += p.weight_norms[l] < p.weight_norms[l + 1];
    assert_true(shrinking >= LAYERS - 2);
}

static void batch_norm_and_kaiming_keep_the_scale(void **state)
{
    (void)state;
    probe bn, kaiming;
    run_probe("relu", true, "default", BATCH, &bn, NULL);
    double ratio = bn.weight_norms[0] / bn.weight_norms[LAYERS - 1];
    assert_true(ratio > 0.1 && ratio < 30);
    run_probe("relu", false, "kaiming", BATCH, &kaiming, NULL);
    ratio = kaiming.weight_norms[0] / kaiming.weight_norms[LAYERS - 1];
    assert_true(ratio > 0.1 && ratio < 10);
    /* the same ReLU net with PyTorch's default init (variance 1/(3 fan_in), a
     * third of Kaiming's) loses a factor ~3 per layer */
    probe small;
    run_probe("relu", false, "default", BATCH, &small, NULL);
    assert_true(small.weight_norms[0] / small.weight_norms[LAYERS - 1] < 1e-2);
}

static void large_init_explodes(void **state)
{
    (void)state;
    probe large, kaiming;
    run_probe("relu", false, "large", BATCH, &large, NULL);
    run_probe("relu", false, "kaiming", BATCH, &kaiming, NULL);
    /* gain 4 instead of √2: activations grow by ~4/√2 per layer, so does the gradient */
    assert_true(large.weight_norms[0] > 1e3 * kaiming.weight_norms[0]);
    assert_true(large.loss > 10 * kaiming.loss);
}

/* One example: ∂E/∂b_l = δ_l and δ_l = σ'(a_l) ⊙ W_{l+1}ᵀ δ_{l+1}. */
static void sigmoid_delta_bound_per_layer(void **state)
{
    (void)state;
    probe p;
    rn_model model;
    run_probe("sigmoid", false, "default", 1, &p, &model);
    int fc[LAYERS], n = 0;
    for (int i = 0; i < model.n_layers; i++)
        if (model.layers[i].kind == RN_LAYER_LINEAR) fc[n++] = i;
    assert_int_equal(n, LAYERS);
    for (int l = 0; l + 1 < LAYERS; l++) {
        const rn_param_view *w_next = &model.params.views[model.layers[fc[l + 1]].weight_index];
        const rn_param_view *w = &model.params.views[model.layers[fc[l]].weight_index];
        double frobenius = 0, grad_norm = 0;
        for (size_t k = 0; k < w_next->numel; k++)
            frobenius += (double)model.params.values[w_next->offset + k] * model.params.values[w_next->offset + k];
        for (size_t k = 0; k < w->numel; k++)
            grad_norm += (double)model.params.grads[w->offset + k] * model.params.grads[w->offset + k];
        assert_true(fabs(sqrt(grad_norm) - p.weight_norms[l]) <= 1e-9 * (1 + p.weight_norms[l]));
        assert_true(p.bias_norms[l] > 0);
        assert_true(p.bias_norms[l] <= 0.25 * sqrt(frobenius) * p.bias_norms[l + 1] * (1 + 1e-5));
    }
    rn_model_free(&model);
}

static void bad_specs_are_rejected(void **state)
{
    (void)state;
    char spec[64];
    assert_int_equal(rn_deep_mlp_spec(0, 16, "relu", false, 10, spec, sizeof spec), RN_ERR_ARGUMENT);
    assert_int_equal(rn_deep_mlp_spec(2, 16, "nonsense", false, 10, spec, sizeof spec), RN_ERR_ARGUMENT);
    assert_int_equal(rn_deep_mlp_spec(50, 1024, "relu", true, 10, spec, sizeof spec), RN_ERR_ARGUMENT);
    assert_int_equal(rn_deep_mlp_spec(2, 8, "tanh", true, 3, spec, sizeof spec), RN_OK);
    assert_string_equal(spec, "fc 8, bn, tanh, fc 8, bn, tanh, fc 3");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sigmoid_gradients_vanish),
        cmocka_unit_test(batch_norm_and_kaiming_keep_the_scale),
        cmocka_unit_test(large_init_explodes),
        cmocka_unit_test(sigmoid_delta_bound_per_layer),
        cmocka_unit_test(bad_specs_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
