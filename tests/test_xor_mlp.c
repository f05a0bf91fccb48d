/* test_xor_mlp.c — the 2-2-1 XOR network: the hand-written forward pass equals
 * the vectorised one on the tape, the hand-written backpropagation equals the
 * tape's gradient and central finite differences, training solves XOR and
 * makes the hidden representation linearly separable, and a symmetric start
 * (all weights equal) can never solve it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "redes/gradcheck.h"
#include "redes/logic_gates.h"
#include "redes/xor_mlp.h"

static void random_network(rn_xor_mlp *net, uint64_t seed, float scale)
{
    rn_rng rng;
    rn_rng_seed(&rng, seed);
    rn_xor_mlp_init(net, scale, &rng);
}

/* E = ½ Σ (y − t)² on the tape; gradient into `gradient` (9 floats). */
static float tape_error(rn_xor_mlp *net, float *gradient, float *outputs)
{
    rn_tape *tape = rn_tape_create(0);
    assert_non_null(tape);
    int x_shape[2] = {4, 2}, t_shape[2] = {4, 1};
    rn_var layers[4];
    rn_var *x = rn_tape_input(tape, rn_tensor_view((float *)rn_xor_inputs, 2, x_shape));
    rn_var *t = rn_tape_input(tape, rn_tensor_view((float *)rn_xor_targets, 2, t_shape));
    rn_var *y = rn_xor_mlp_forward_tape(net, gradient, layers, tape, x);
    rn_var *e = rn_scale(tape, rn_sum(tape, rn_square(tape, rn_sub(tape, y, t))), 0.5f);
    assert_non_null(e);
    if (gradient) {
        memset(gradient, 0, RN_XOR_PARAMS * sizeof *gradient);
        assert_int_equal(rn_backward(tape, e), RN_OK);
    }
    if (outputs) memcpy(outputs, y->value.data, 4 * sizeof *outputs);
    float value = e->value.data[0];
    rn_tape_destroy(tape);
    return value;
}

static void forward_by_hand_equals_vectorised(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        rn_xor_mlp net;
        random_network(&net, seed, 3.0f);
        float vectorised[4];
        tape_error(&net, NULL, vectorised);
        for (int i = 0; i < 4; i++) {
            rn_xor_mlp_activations a = rn_xor_mlp_forward_by_hand(&net, rn_xor_inputs[2 * i], rn_xor_inputs[2 * i + 1]);
            /* The same products, sums and σ in the same order: the same
             * floats, bit for bit (weights up to ±3, so σ sees both signs
             * and both forms of its formula) */
            if (a.y != vectorised[i])
                fail_msg("seed %llu, example %d: by hand %.9g, vectorised %.9g", (unsigned long long)seed, i, a.y,
                         vectorised[i]);
        }
    }
}

static void backprop_by_hand_equals_autodiff_and_finite_differences(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 10; seed++) {
        rn_xor_mlp net;
        random_network(&net, seed, 2.0f);
        float by_hand[RN_XOR_PARAMS], autodiff[RN_XOR_PARAMS];
        double e_hand = rn_xor_mlp_backward_by_hand(&net, rn_xor_inputs, rn_xor_targets, 4, by_hand);
        float e_tape = tape_error(&net, autodiff, NULL);
        assert_true(fabs(e_hand - e_tape) < 1e-6);
        double largest = 0;
        for (int k = 0; k < RN_XOR_PARAMS; k++) largest = fmax(largest, fabsf(by_hand[k]));
        assert_true(largest > 1e-3); /* a real gradient, not a zero one matching another zero */
        for (int k = 0; k < RN_XOR_PARAMS; k++) {
            assert_true(fabsf(by_hand[k] - autodiff[k]) <= 1e-6f * (float)fmax(1.0, largest));
            /* central difference: (E(θ_k + h) − E(θ_k − h)) / 2h, h = 1e-2
             * (float E: rounding 1e-7 / 1e-2 and O(h²) truncation ≈ 1e-5) */
            const float h = 1e-2f;
            rn_xor_mlp plus = net, minus = net;
            plus.theta[k] += h;
            minus.theta[k] -= h;
            float unused[RN_XOR_PARAMS];
            double numeric = (rn_xor_mlp_backward_by_hand(&plus, rn_xor_inputs, rn_xor_targets, 4, unused) -
                              rn_xor_mlp_backward_by_hand(&minus, rn_xor_inputs, rn_xor_targets, 4, unused)) /
                             (2.0 * h);
            assert_true(fabs(by_hand[k] - numeric) <= 1e-3 * fmax(largest, 1e-2));
        }
    }
}

/* The tape's own gradient of the vectorised network, by rn_gradcheck. */
static rn_var *vectorised_error(rn_tape *tape, rn_var **in, void *context)
{
    (void)context;
    int t_shape[2] = {4, 1};
    rn_var *t = rn_tape_input(tape, rn_tensor_view((float *)rn_xor_targets, 2, t_shape));
    rn_var *h = rn_sigmoid(tape, rn_linear(tape, in[0], in[1], in[2]));
    rn_var *y = rn_sigmoid(tape, rn_linear(tape, h, in[3], in[4]));
    return rn_scale(tape, rn_sum(tape, rn_square(tape, rn_sub(tape, y, t))), 0.5f);
}

static void vectorised_gradient_passes_gradcheck(void **state)
{
    (void)state;
    rn_xor_mlp net;
    random_network(&net, 7, 2.0f);
    int x_shape[2] = {4, 2}, w1[2] = {2, 2}, b1[1] = {2}, w2[2] = {1, 2}, b2[1] = {1};
    rn_tensor inputs[5] = {rn_tensor_view((float *)rn_xor_inputs, 2, x_shape),
                           rn_tensor_view(net.theta + RN_XOR_W1, 2, w1), rn_tensor_view(net.theta + RN_XOR_B1, 1, b1),
                           rn_tensor_view(net.theta + RN_XOR_W2, 2, w2), rn_tensor_view(net.theta + RN_XOR_B2, 1, b2)};
    rn_gradcheck_result result;
    assert_int_equal(rn_gradcheck(vectorised_error, NULL, inputs, 5, 1e-2, 1e-2, &result), RN_OK);
    assert_true(result.checked == 8 + 9);
}

static void training_solves_xor_and_separates_hidden_layer(void **state)
{
    (void)state;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_xor_mlp net;
    rn_xor_mlp_init(&net, 1.0f, &rng);
    rn_xor_mlp_train_options options = rn_xor_mlp_train_defaults();
    rn_xor_mlp_train_result result;
    assert_int_equal(rn_xor_mlp_train(&net, &options, &rng, &result, NULL), RN_OK);
    assert_true(result.converged);
    assert_int_equal(rn_xor_mlp_correct(&net), 4);
    assert_true(result.final_error < 4 * 0.5 * 0.1 * 0.1); /* every |y − t| < 0.1 */

    /* XOR itself is not linearly separable; its hidden representation is. */
    float hidden[8];
    int classes[4];
    for (int i = 0; i < 4; i++) {
        rn_xor_mlp_activations a = rn_xor_mlp_forward_by_hand(&net, rn_xor_inputs[2 * i], rn_xor_inputs[2 * i + 1]);
        hidden[2 * i] = a.h1, hidden[2 * i + 1] = a.h2;
        classes[i] = (int)rn_xor_targets[i];
    }
    rn_separability inputs_check, hidden_check;
    assert_int_equal(rn_separability_check(rn_xor_inputs, classes, 4, 2, &inputs_check), RN_OK);
    assert_false(inputs_check.separable);
    assert_int_equal(rn_separability_check(hidden, classes, 4, 2, &hidden_check), RN_OK);
    assert_true(hidden_check.separable);
}

/* With every weight equal the two hidden units compute the same function
 * forever (their deltas are equal too), so the network is a 2-1-1 chain
 * whose output is monotone in w·x: it can never fit XOR. */
static void symmetric_start_never_solves_xor(void **state)
{
    (void)state;
    rn_xor_mlp net;
    for (int k = 0; k < RN_XOR_PARAMS; k++) net.theta[k] = 0.5f;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_xor_mlp_train_options options = rn_xor_mlp_train_defaults();
    options.max_epochs = 3000;
    options.max_restarts = 0;
    rn_xor_mlp_train_result result;
    assert_int_equal(rn_xor_mlp_train(&net, &options, &rng, &result, NULL), RN_OK);
    assert_false(result.converged);
    assert_int_equal(result.restarts, 0);
    assert_true(rn_xor_mlp_correct(&net) < 4);
    assert_true(net.theta[RN_XOR_W1 + 0] == net.theta[RN_XOR_W1 + 2]); /* w11 = w21 */
    assert_true(net.theta[RN_XOR_B1 + 0] == net.theta[RN_XOR_B1 + 1]); /* b1 = b2 */
}

static void bad_options_are_rejected(void **state)
{
    (void)state;
    rn_xor_mlp net = {{0}};
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_xor_mlp_train_options options = rn_xor_mlp_train_defaults();
    options.learning_rate = -1;
    rn_xor_mlp_train_result result;
    assert_int_equal(rn_xor_mlp_train(&net, &options, &rng, &result, NULL), RN_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(forward_by_hand_equals_vectorised),
        cmocka_unit_test(backprop_by_hand_equals_autodiff_and_finite_differences),
        cmocka_unit_test(vectorised_gradient_passes_gradcheck),
        cmocka_unit_test(training_solves_xor_and_separates_hidden_layer),
        cmocka_unit_test(symmetric_start_never_solves_xor),
        cmocka_unit_test(bad_options_are_rejected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
