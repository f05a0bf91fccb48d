/* test_perceptron.c — Rosenblatt's rule on the gates (epochs and weights
 * checked against an independent numpy run of the same rule:
 * tests/golden/perceptron_gates_reference.py), XOR's non-convergence, hand-set gates, and the
 * exact separability test (14 of the 16 two-input Boolean functions and 104
 * of the 256 three-input ones are threshold functions: Muroga, "Threshold
 * Logic and its Applications", 1971, table of threshold functions). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redes/dataset.h"
#include "redes/logic_gates.h"
#include "redes/perceptron.h"

static const float gate_inputs[8] = {0, 0, 0, 1, 1, 0, 1, 1};

static void train_gate(const int *targets, rn_perceptron *unit, rn_perceptron_result *result, int *errors)
{
    assert_int_equal(rn_perceptron_init(unit, 2), RN_OK);
    rn_perceptron_options options = rn_perceptron_defaults();
    assert_int_equal(rn_perceptron_train(unit, gate_inputs, targets, 4, &options, NULL, result, errors), RN_OK);
}

static void perceptron_learns_and_in_six_epochs(void **state)
{
    (void)state;
    /* From w = 0, b = 0, eta = 1, order (0,0), (0,1), (1,0), (1,1), step(0) = 1:
     * numpy gives 6 epochs (the 6th mistake-free), 11 updates, w = (2, 1), b = -3. */
    const int and_targets[4] = {0, 0, 0, 1};
    rn_perceptron unit;
    rn_perceptron_result result;
    int errors[100];
    train_gate(and_targets, &unit, &result, errors);
    assert_true(result.converged);
    assert_int_equal(result.epochs, 6);
    assert_int_equal(result.updates, 11);
    assert_int_equal(result.final_errors, 0);
    assert_true(unit.weights[0] == 2.0f && unit.weights[1] == 1.0f && unit.bias == -3.0f);
    assert_int_equal(errors[5], 0);
    assert_true(errors[0] > 0);
    double slope, intercept;
    assert_true(rn_perceptron_line(&unit, &slope, &intercept));
    assert_true(slope == -2.0 && intercept == 3.0);
    rn_perceptron_free(&unit);
}

static void perceptron_learns_or_nand_nor(void **state)
{
    (void)state;
    /* numpy: OR 4 epochs / 5 updates, NAND 6 / 10, NOR 4 / 4. */
    const int targets[3][4] = {{0, 1, 1, 1}, {1, 1, 1, 0}, {1, 0, 0, 0}};
    const int epochs[3] = {4, 6, 4}, updates[3] = {5, 10, 4};
    for (int g = 0; g < 3; g++) {
        rn_perceptron unit;
        rn_perceptron_result result;
        train_gate(targets[g], &unit, &result, NULL);
        assert_true(result.converged);
        assert_int_equal(result.epochs, epochs[g]);
        assert_int_equal(result.updates, updates[g]);
        for (int i = 0; i < 4; i++) assert_int_equal(rn_perceptron_predict(&unit, gate_inputs + 2 * i), targets[g][i]);
        rn_perceptron_free(&unit);
    }
}

static void perceptron_never_converges_on_xor(void **state)
{
    (void)state;
    const int xor_targets[4] = {0, 1, 1, 0};
    rn_perceptron unit;
    rn_perceptron_result result;
    int errors[1000];
    assert_int_equal(rn_perceptron_init(&unit, 2), RN_OK);
    rn_perceptron_options options = rn_perceptron_defaults();
    options.max_epochs = 1000;
    options.order = RN_PERCEPTRON_SHUFFLED;
    rn_rng rng;
    rn_rng_seed(&rng, 3);
    assert_int_equal(rn_perceptron_train(&unit, gate_inputs, xor_targets, 4, &options, &rng, &result, errors), RN_OK);
    assert_false(result.converged);
    assert_int_equal(result.epochs, 1000);
    assert_true(result.final_errors >= 1);
    for (int e = 0; e < 1000; e++) assert_true(errors[e] >= 1); /* every epoch makes a mistake */
    /* The pocket keeps the best unit: one line gets 3 of the 4 points. */
    options.pocket = true;
    memset(unit.weights, 0, 2 * sizeof(float));
    unit.bias = 0;
    assert_int_equal(rn_perceptron_train(&unit, gate_inputs, xor_targets, 4, &options, &rng, &result, NULL), RN_OK);
    assert_false(result.converged);
    assert_int_equal(result.final_errors, 1);
    rn_perceptron_free(&unit);
}

static void perceptron_separates_iris_setosa(void **state)
{
    (void)state;
    rn_dataset iris;
    assert_int_equal(rn_dataset_load("iris", &iris), RN_OK);
    assert_int_equal(iris.n_examples, 150);
    assert_int_equal(iris.n_features, 4);
    assert_string_equal(iris.class_names[0], "setosa");
    int targets[150];
    for (int i = 0; i < 150; i++) targets[i] = iris.labels[i] == 0;
    rn_perceptron unit;
    rn_perceptron_result result;
    assert_int_equal(rn_perceptron_init(&unit, 4), RN_OK);
    rn_perceptron_options options = rn_perceptron_defaults();
    assert_int_equal(rn_perceptron_train(&unit, iris.features, targets, 150, &options, NULL, &result, NULL), RN_OK);
    /* File order from w = 0: numpy gives 4 epochs, 5 updates,
     * w = (1.1, 3.6, -5.2, -2.2), b = 1 (perceptron_gates_reference.py). */
    assert_true(result.converged);
    assert_int_equal(result.epochs, 4);
    assert_int_equal(result.updates, 5);
    assert_int_equal(result.final_errors, 0);
    const float want[4] = {1.1f, 3.6f, -5.2f, -2.2f};
    for (int j = 0; j < 4; j++) assert_true(fabsf(unit.weights[j] - want[j]) < 1e-5f);
    assert_true(unit.bias == 1.0f);
    /* Any order converges too (the theorem holds for every order). */
    rn_rng rng;
    rn_rng_seed(&rng, 9);
    options.order = RN_PERCEPTRON_SHUFFLED;
    for (int trial = 0; trial < 5; trial++) {
        memset(unit.weights, 0, 4 * sizeof(float));
        unit.bias = 0;
        assert_int_equal(rn_perceptron_train(&unit, iris.features, targets, 150, &options, &rng, &result, NULL), RN_OK);
        assert_true(result.converged);
        assert_int_equal(rn_perceptron_count_errors(&unit, iris.features, targets, 150), 0);
    }
    rn_perceptron_free(&unit);
    rn_dataset_free(&iris);
}

static void perceptron_shuffled_is_reproducible(void **state)
{
    (void)state;
    /* A separable cloud: two Gaussian blobs. */
    enum { N = 200 };
    float x[2 * N];
    int t[N];
    rn_rng data;
    rn_rng_seed(&data, 11);
    for (int i = 0; i < N; i++) {
        t[i] = i % 2;
        float centre = t[i] ? 3.0f : -3.0f;
        x[2 * i] = centre + (float)rn_rng_normal(&data) * 0.7f;
        x[2 * i + 1] = -centre + (float)rn_rng_normal(&data) * 0.7f;
    }
    rn_perceptron a, b;
    rn_perceptron_result ra, rb;
    rn_perceptron_options options = rn_perceptron_defaults();
    options.order = RN_PERCEPTRON_SHUFFLED;
    options.init_scale = 0.1f;
    options.learning_rate = 0.1;
    rn_rng rng_a, rng_b;
    rn_rng_seed(&rng_a, 5);
    rn_rng_seed(&rng_b, 5);
    assert_int_equal(rn_perceptron_init(&a, 2), RN_OK);
    assert_int_equal(rn_perceptron_init(&b, 2), RN_OK);
    assert_int_equal(rn_perceptron_train(&a, x, t, N, &options, &rng_a, &ra, NULL), RN_OK);
    assert_int_equal(rn_perceptron_train(&b, x, t, N, &options, &rng_b, &rb, NULL), RN_OK);
    assert_true(ra.converged);
    assert_int_equal(ra.epochs, rb.epochs);
    assert_true(memcmp(a.weights, b.weights, 2 * sizeof(float)) == 0 && a.bias == b.bias);
    assert_int_equal(rn_perceptron_count_errors(&a, x, t, N), 0);
    rn_perceptron_free(&a);
    rn_perceptron_free(&b);
}

static void perceptron_rejects_bad_input(void **state)
{
    (void)state;
    rn_perceptron unit;
    rn_perceptron_result result;
    rn_perceptron_options options = rn_perceptron_defaults();
    assert_int_equal(rn_perceptron_init(&unit, 0), RN_ERR_ARGUMENT);
    assert_int_equal(rn_perceptron_init(&unit, 2), RN_OK);
    const int bad_targets[4] = {0, 2, 1, 0};
    assert_int_equal(rn_perceptron_train(&unit, gate_inputs, bad_targets, 4, &options, NULL, &result, NULL),
                     RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "target of example 1 is 2"));
    const float nan_inputs[8] = {0, 0, NAN, 1, 1, 0, 1, 1};
    const int targets[4] = {0, 0, 0, 1};
    assert_int_equal(rn_perceptron_train(&unit, nan_inputs, targets, 4, &options, NULL, &result, NULL),
                     RN_ERR_NUMERIC);
    options.order = RN_PERCEPTRON_SHUFFLED;
    assert_int_equal(rn_perceptron_train(&unit, gate_inputs, targets, 4, &options, NULL, &result, NULL),
                     RN_ERR_ARGUMENT);
    options = rn_perceptron_defaults();
    options.learning_rate = 0;
    assert_int_equal(rn_perceptron_train(&unit, gate_inputs, targets, 4, &options, NULL, &result, NULL),
                     RN_ERR_ARGUMENT);
    rn_perceptron_free(&unit);
}

static void gates_truth_tables(void **state)
{
    (void)state;
    /* Rows (0,0), (0,1), (1,0), (1,1). */
    const int expected[5][4] = {{0, 0, 0, 1}, {0, 1, 1, 1}, {1, 1, 1, 0}, {1, 0, 0, 0}, {0, 1, 1, 0}};
    const rn_gate gates[5] = {RN_GATE_AND, RN_GATE_OR, RN_GATE_NAND, RN_GATE_NOR, RN_GATE_XOR};
    for (int g = 0; g < 5; g++)
        for (int r = 0; r < 4; r++) {
            int x[2] = {r >> 1, r & 1};
            assert_int_equal(rn_gate_fire(gates[g], x), expected[g][r]);
            assert_int_equal(rn_gate_truth(gates[g], x), expected[g][r]);
        }
    int zero = 0, one = 1;
    assert_int_equal(rn_gate_fire(RN_GATE_NOT, &zero), 1);
    assert_int_equal(rn_gate_fire(RN_GATE_NOT, &one), 0);
    rn_threshold_unit unit;
    assert_int_equal(rn_gate_unit(RN_GATE_XOR, &unit), RN_ERR_ARGUMENT);
    assert_int_equal(rn_gate_unit(RN_GATE_AND, &unit), RN_OK);
    assert_true(unit.bias == -1.5f);
    /* XOR's hidden layer: OR and NAND. */
    rn_xor_network network = rn_xor_network_default();
    int hidden[2], x11[2] = {1, 1}, x01[2] = {0, 1};
    assert_int_equal(rn_xor_network_fire(&network, x11, hidden), 0);
    assert_true(hidden[0] == 1 && hidden[1] == 0);
    assert_int_equal(rn_xor_network_fire(&network, x01, hidden), 1);
    assert_true(hidden[0] == 1 && hidden[1] == 1);
    rn_gate parsed;
    assert_int_equal(rn_gate_from_name("nand", &parsed), RN_OK);
    assert_int_equal(parsed, RN_GATE_NAND);
    assert_int_equal(rn_gate_from_name("maybe", &parsed), RN_ERR_ARGUMENT);
}

static void xor_is_not_separable_with_certificate(void **state)
{
    (void)state;
    const int xor_classes[4] = {0, 1, 1, 0};
    rn_separability result;
    assert_int_equal(rn_separability_check(gate_inputs, xor_classes, 4, 2, &result), RN_OK);
    assert_false(result.separable);
    /* The certificate of the header: the four constraints added, each once. */
    for (int i = 0; i < 4; i++) assert_true(fabs(result.certificate[i] - 1.0) < 1e-12);
    const int and_classes[4] = {0, 0, 0, 1};
    assert_int_equal(rn_separability_check(gate_inputs, and_classes, 4, 2, &result), RN_OK);
    assert_true(result.separable);
    for (int i = 0; i < 4; i++) {
        double net = result.bias + result.weights[0] * gate_inputs[2 * i] + result.weights[1] * gate_inputs[2 * i + 1];
        assert_true(and_classes[i] ? net >= 1 - 1e-5 : net <= -1 + 1e-5);
    }
}

/* Counts the threshold functions among all 2^(2^d) Boolean functions of d inputs. */
static int count_separable(int d)
{
    int n = 1 << d, count = 0;
    float x[8 * 3];
    for (int r = 0; r < n; r++)
        for (int j = 0; j < d; j++) x[r * d + j] = (float)((r >> (d - 1 - j)) & 1);
    for (int f = 0; f < (1 << n); f++) {
        int classes[8];
        for (int r = 0; r < n; r++) classes[r] = (f >> r) & 1;
        rn_separability result;
        assert_int_equal(rn_separability_check(x, classes, n, d, &result), RN_OK);
        if (result.separable) {
            count++;
            for (int r = 0; r < n; r++) { /* the witness really separates */
                double net = result.bias;
                for (int j = 0; j < d; j++) net += result.weights[j] * x[r * d + j];
                assert_int_equal(net >= 0, classes[r]);
            }
        } else {
            /* Farkas: sum_i lambda_i s_i (x_i, 1) = 0 with lambda >= 0, not all 0. */
            double total = 0, sum[4] = {0};
            for (int r = 0; r < n; r++) {
                double s = classes[r] ? 1 : -1;
                assert_true(result.certificate[r] >= 0);
                total += result.certificate[r];
                for (int j = 0; j < d; j++) sum[j] += result.certificate[r] * s * x[r * d + j];
                sum[d] += result.certificate[r] * s;
            }
            assert_true(total > 0);
            for (int j = 0; j <= d; j++) assert_true(fabs(sum[j]) < 1e-9);
        }
    }
    return count;
}

static void threshold_function_counts(void **state)
{
    (void)state;
    assert_int_equal(count_separable(2), 14);  /* all but XOR and XNOR */
    assert_int_equal(count_separable(3), 104);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(perceptron_learns_and_in_six_epochs),
        cmocka_unit_test(perceptron_learns_or_nand_nor),
        cmocka_unit_test(perceptron_never_converges_on_xor),
        cmocka_unit_test(perceptron_separates_iris_setosa),
        cmocka_unit_test(perceptron_shuffled_is_reproducible),
        cmocka_unit_test(perceptron_rejects_bad_input),
        cmocka_unit_test(gates_truth_tables),
        cmocka_unit_test(xor_is_not_separable_with_certificate),
        cmocka_unit_test(threshold_function_counts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
