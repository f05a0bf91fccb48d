/* test_activation.c — the activation kernels: names, values known in closed
 * form, derivatives against central differences of the forward kernel. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "redes/redes.h"

static void names_round_trip(void **state)
{
    (void)state;
    for (int k = 0; k < RN_ACT_COUNT; k++) {
        rn_activation kind;
        assert_int_equal(rn_activation_from_name(rn_activation_name((rn_activation)k), &kind), RN_OK);
        assert_int_equal(kind, k);
    }
    rn_activation kind;
    assert_int_equal(rn_activation_from_name("leaky_relu", &kind), RN_OK);
    assert_int_equal(kind, RN_ACT_LEAKY_RELU);
    assert_int_equal(rn_activation_from_name("linear", &kind), RN_OK);
    assert_int_equal(kind, RN_ACT_IDENTITY);
    assert_int_equal(rn_activation_from_name("swish", &kind), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "unknown name 'swish'"));
    assert_string_equal(rn_activation_name(RN_ACT_COUNT), "?");
    assert_float_equal(rn_activation_default_alpha(RN_ACT_LEAKY_RELU), 0.01f, 0);
    assert_float_equal(rn_activation_default_alpha(RN_ACT_ELU), 1.0f, 0);
}

static float f(rn_activation kind, float alpha, float x)
{
    float y;
    rn_activation_forward(kind, alpha, &x, &y, 1);
    return y;
}

static void known_values(void **state)
{
    (void)state;
    assert_float_equal(f(RN_ACT_STEP, 0, 0.0f), 1.0f, 0);
    assert_float_equal(f(RN_ACT_STEP, 0, -1e-6f), 0.0f, 0);
    assert_float_equal(f(RN_ACT_SIGN, 0, 0.0f), 0.0f, 0);
    assert_float_equal(f(RN_ACT_SIGN, 0, -3.0f), -1.0f, 0);
    assert_float_equal(f(RN_ACT_SIGMOID, 0, 0.0f), 0.5f, 0);
    assert_float_equal(f(RN_ACT_SIGMOID, 0, -100.0f), 0.0f, 1e-30); /* no overflow */
    assert_float_equal(f(RN_ACT_SIGMOID, 0, 2.0f), 1.0 / (1.0 + exp(-2.0)), 1e-7);
    assert_float_equal(f(RN_ACT_TANH, 0, 0.5f), tanh(0.5), 1e-7);
    assert_float_equal(f(RN_ACT_RELU, 0, -2.0f), 0.0f, 0);
    assert_float_equal(f(RN_ACT_LEAKY_RELU, 0.01f, -2.0f), -0.02f, 1e-9);
    assert_float_equal(f(RN_ACT_ELU, 1.0f, -1.0f), exp(-1.0) - 1.0, 1e-7);
    assert_float_equal(f(RN_ACT_SOFTPLUS, 0, 0.0f), log(2.0), 1e-7);
    assert_float_equal(f(RN_ACT_SOFTPLUS, 0, 100.0f), 100.0f, 0); /* no overflow */
    /* GELU(1) = Phi(1) = 0.841344746... (exact erf form). */
    assert_float_equal(f(RN_ACT_GELU, 0, 1.0f), 0.8413447460685429, 1e-7);
    assert_float_equal(f(RN_ACT_GELU, 0, -1.0f), -0.15865525393145707, 1e-7);
}

/* f' against (f(x+h) - f(x-h)) / 2h at points away from the kinks, for the
 * derivative kernel with and without y, and the accumulating backward. */
static void derivatives_match_differences(void **state)
{
    (void)state;
    enum { N = 41 };
    float x[N], y[N], d_with_y[N], d_without_y[N], dx[N], dy[N];
    for (int i = 0; i < N; i++) {
        x[i] = -4.0f + 0.2f * i + 0.013f; /* never exactly 0 */
        dy[i] = 0.5f + 0.01f * i;
    }
    for (int k = 0; k < RN_ACT_COUNT; k++) {
        rn_activation kind = (rn_activation)k;
        float alpha = kind == RN_ACT_LEAKY_RELU ? 0.1f : kind == RN_ACT_ELU ? 1.5f : 0.0f;
        rn_activation_forward(kind, alpha, x, y, N);
        rn_activation_derivative(kind, alpha, x, y, d_with_y, N);
        rn_activation_derivative(kind, alpha, x, NULL, d_without_y, N);
        for (int i = 0; i < N; i++) dx[i] = 1.0f;
        rn_activation_backward(kind, alpha, x, y, dy, dx, N);
        for (int i = 0; i < N; i++) {
            double h = 1e-3;
            double numeric = ((double)f(kind, alpha, x[i] + (float)h) - f(kind, alpha, x[i] - (float)h)) / (2 * h);
            if (kind == RN_ACT_STEP || kind == RN_ACT_SIGN) numeric = 0.0;
            assert_float_equal(d_with_y[i], numeric, 2e-3);
            assert_float_equal(d_without_y[i], d_with_y[i], 1e-6);
            assert_float_equal(dx[i], 1.0f + dy[i] * d_with_y[i], 1e-6);
        }
    }
}

/* Large arrays take the OpenMP path; results must equal the serial ones. */
static void large_arrays_match_small(void **state)
{
    (void)state;
    enum { N = 1 << 17 };
    static float x[N], y[N];
    for (int i = 0; i < N; i++) x[i] = (float)((i % 2001) - 1000) / 250.0f;
    rn_activation_forward(RN_ACT_GELU, 0, x, y, N);
    for (int i = 0; i < N; i += 997) assert_float_equal(y[i], f(RN_ACT_GELU, 0, x[i]), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(names_round_trip),
        cmocka_unit_test(known_values),
        cmocka_unit_test(derivatives_match_differences),
        cmocka_unit_test(large_arrays_match_small),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
