/* test_loss.c — loss, softmax and element-wise kernels on plain arrays:
 * values worked out by hand and gradients against central differences. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "redes/redes.h"

static void mse_and_bce_values(void **state)
{
    (void)state;
    float y[3] = {1, 2, 3}, t[3] = {1, 0, 4}, g[3];
    /* (0 + 4 + 1) / 3 */
    assert_float_equal(rn_loss_mse(y, t, 3, g), 5.0 / 3.0, 1e-12);
    assert_float_equal(g[1], 2.0 * 2.0 / 3.0, 1e-7);
    assert_float_equal(g[2], 2.0 * -1.0 / 3.0, 1e-7);
    /* BCE on probabilities: -(ln 0.8 + ln 0.6) / 2 */
    float p[2] = {0.8f, 0.4f}, target[2] = {1, 0};
    assert_float_equal(rn_loss_bce(p, target, 2, g), -(log(0.8) + log(0.6)) / 2, 1e-7);
    assert_float_equal(g[0], (0.8 - 1.0) / (0.8 * 0.2) / 2, 1e-6);
    /* p = 0 with target 1 is clamped at ln = -100 as PyTorch. */
    float zero = 0.0f, one = 1.0f;
    assert_float_equal(rn_loss_bce(&zero, &one, 1, NULL), 100.0, 0);
    /* With logits: equals BCE of sigmoid(z); stable at |z| = 100. */
    float z[2] = {1.3862944f, -0.4054651f}; /* ln 4 -> p = 0.8; ln(2/3) -> p = 0.4 */
    assert_float_equal(rn_loss_bce_with_logits(z, target, 2, g), -(log(0.8) + log(0.6)) / 2, 1e-6);
    assert_float_equal(g[0], (0.8 - 1.0) / 2, 1e-6);
    float big[2] = {100.0f, -100.0f};
    assert_float_equal(rn_loss_bce_with_logits(big, target, 2, NULL), 0.0, 1e-30);
}

static void class_losses(void **state)
{
    (void)state;
    float logits[6] = {1, 2, 3, 0, 0, 0}, g[6];
    int labels[2] = {2, 1};
    double loss;
    assert_int_equal(rn_loss_cross_entropy(logits, labels, 2, 3, &loss, g), RN_OK);
    double e = exp(1.0) + exp(2.0) + exp(3.0);
    assert_float_equal(loss, ((log(e) - 3.0) + log(3.0)) / 2, 1e-12);
    assert_float_equal(g[2], (exp(3.0) / e - 1.0) / 2, 1e-7);
    assert_float_equal(g[3], (1.0 / 3.0) / 2, 1e-7);
    /* Gradient sums to zero per row. */
    assert_float_equal(g[0] + g[1] + g[2], 0.0, 1e-7);
    float log_probs[6];
    rn_log_softmax_rows(logits, log_probs, 2, 3);
    double nll;
    assert_int_equal(rn_loss_nll(log_probs, labels, 2, 3, &nll, g), RN_OK);
    assert_float_equal(nll, loss, 1e-6);
    assert_float_equal(g[4], -0.5f, 0);
    assert_float_equal(g[5], 0.0f, 0);
    labels[1] = -1;
    assert_int_equal(rn_loss_cross_entropy(logits, labels, 2, 3, &loss, g), RN_ERR_ARGUMENT);
    assert_string_equal(rn_error_message(), "cross_entropy: label -1 of row 1 is outside [0, 3)");
}

static void softmax_rows(void **state)
{
    (void)state;
    float z[4] = {1000, 1001, -5, -5}, y[4], log_y[4];
    rn_softmax_rows(z, y, 2, 2); /* no overflow at 1000 */
    assert_float_equal(y[1], 1.0 / (1.0 + exp(-1.0)), 1e-7);
    assert_float_equal(y[2], 0.5, 0);
    rn_log_softmax_rows(z, log_y, 2, 2);
    assert_float_equal(log_y[0], -log1p(exp(1.0)), 1e-6);
    /* Backward: L = sum dy * softmax(z) against central differences. */
    float zz[5] = {0.3f, -1.2f, 2.0f, 0.5f, 0.0f}, dy[5] = {1, -2, 0.5f, 3, -1}, dz[5] = {0}, dz_log[5] = {0};
    float s[5], ls[5];
    rn_softmax_rows(zz, s, 1, 5);
    rn_log_softmax_rows(zz, ls, 1, 5);
    rn_softmax_rows_backward(s, dy, dz, 1, 5);
    rn_log_softmax_rows_backward(ls, dy, dz_log, 1, 5);
    for (int i = 0; i < 5; i++) {
        float up[5], down[5], su[5], sd[5];
        memcpy(up, zz, sizeof up);
        memcpy(down, zz, sizeof down);
        up[i] += 1e-2f;
        down[i] -= 1e-2f;
        rn_softmax_rows(up, su, 1, 5);
        rn_softmax_rows(down, sd, 1, 5);
        double numeric = (rn_vec_dot(dy, su, 5) - rn_vec_dot(dy, sd, 5)) / ((double)up[i] - down[i]);
        assert_float_equal(dz[i], numeric, 1e-3);
        rn_log_softmax_rows(up, su, 1, 5);
        rn_log_softmax_rows(down, sd, 1, 5);
        numeric = (rn_vec_dot(dy, su, 5) - rn_vec_dot(dy, sd, 5)) / ((double)up[i] - down[i]);
        assert_float_equal(dz_log[i], numeric, 1e-3);
    }
}

static void vector_kernels(void **state)
{
    (void)state;
    float a[4] = {1, 2, 3, 4}, b[4] = {2, 2, 2, 2}, y[4];
    rn_vec_div(a, b, y, 4);
    assert_float_equal(y[3], 2.0f, 0);
    rn_vec_affine(a, 2.0f, 1.0f, y, 4);
    assert_float_equal(y[0], 3.0f, 0);
    rn_vec_axpy(-1.0f, a, y, 4);
    assert_float_equal(y[3], 5.0f, 0);
    assert_float_equal(rn_vec_sum(a, 4), 10.0, 0);
    assert_float_equal(rn_vec_dot(a, b, 4), 20.0, 0);
    assert_int_equal(rn_vec_argmax(a, 4), 3);
    assert_float_equal(rn_vec_max(b, 4), 2.0f, 0);
    float m[6] = {1, 2, 3, 4, 5, 6}, v[3] = {10, 20, 30}, out[6], s[3] = {1, 1, 1};
    rn_rows_add_vector(m, v, out, 2, 3);
    assert_float_equal(out[5], 36.0f, 0);
    rn_rows_sum_acc(m, s, 2, 3);
    assert_float_equal(s[0], 1 + 1 + 4, 0);
    assert_float_equal(s[2], 1 + 3 + 6, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(mse_and_bce_values),
        cmocka_unit_test(class_losses),
        cmocka_unit_test(softmax_rows),
        cmocka_unit_test(vector_kernels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
