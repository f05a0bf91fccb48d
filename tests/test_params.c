/* test_params.c — the flat parameter store, regularisation, clipping and the
 * initialisers' statistics (PyTorch's bounds and standard deviations). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "redes/params.h"

static void views_are_contiguous_and_named(void **state)
{
    (void)state;
    rn_params p;
    rn_params_init(&p);
    int w, b, c;
    assert_int_equal(rn_params_add(&p, "fc1.weight", 2, (int[]){3, 4}, &w), RN_OK);
    assert_int_equal(rn_params_add(&p, "fc1.bias", 1, (int[]){3}, &b), RN_OK);
    assert_int_equal(rn_params_add(&p, "conv.weight", 4, (int[]){2, 3, 5, 5}, &c), RN_OK);
    assert_int_equal(rn_params_add(&p, "fc1.bias", 1, (int[]){3}, NULL), RN_ERR_ARGUMENT);
    assert_int_equal(rn_params_add(&p, "bad", 1, (int[]){0}, NULL), RN_ERR_SHAPE);
    assert_int_equal(rn_params_allocate(&p), RN_OK);
    assert_int_equal(rn_params_add(&p, "late", 1, (int[]){2}, NULL), RN_ERR_STATE);
    assert_int_equal(p.count, 12 + 3 + 150);
    assert_int_equal(p.views[b].offset, 12);
    assert_int_equal(p.views[c].offset, 15);
    assert_int_equal(rn_params_find(&p, "conv.weight"), c);
    assert_int_equal(rn_params_find(&p, "nope"), -1);
    rn_tensor t = rn_params_value(&p, w);
    assert_ptr_equal(t.data, p.values);
    assert_int_equal(t.shape[1], 4);
    rn_tensor g = rn_params_grad(&p, c);
    assert_ptr_equal(g.data, p.grads + 15);
    int fan_in, fan_out;
    rn_init_fans(4, p.views[c].shape, &fan_in, &fan_out);
    assert_int_equal(fan_in, 75);
    assert_int_equal(fan_out, 50);
    rn_params_free(&p);
}

static void regularisation_and_clipping(void **state)
{
    (void)state;
    rn_params p;
    rn_params_init(&p);
    assert_int_equal(rn_params_add(&p, "w", 1, (int[]){4}, NULL), RN_OK);
    assert_int_equal(rn_params_allocate(&p), RN_OK);
    const float w[4] = {1, -2, 0, 3};
    memcpy(p.values, w, sizeof w);
    assert_float_equal(rn_params_l2(&p, 0.1), 0.05 * 14, 1e-9);
    assert_float_equal(p.grads[1], -0.2, 1e-7);
    rn_params_zero_grad(&p);
    assert_float_equal(rn_params_l1(&p, 0.5), 3.0, 1e-9);
    assert_float_equal(p.grads[0], 0.5, 0);
    assert_float_equal(p.grads[1], -0.5, 0);
    assert_float_equal(p.grads[2], 0.0, 0);
    /* grads (3, 4, 0, 0): norm 5, clipped to 1 -> (0.6, 0.8) up to 1e-6. */
    const float g[4] = {3, 4, 0, 0};
    memcpy(p.grads, g, sizeof g);
    assert_float_equal(rn_params_clip_grad_norm(&p, 1.0), 5.0, 1e-9);
    assert_float_equal(p.grads[0], 0.6, 1e-6);
    assert_float_equal(p.grads[1], 0.8, 1e-6);
    assert_float_equal(rn_params_clip_grad_norm(&p, 10.0), 1.0, 1e-6);
    assert_float_equal(p.grads[1], 0.8, 1e-6);
    rn_params_free(&p);
}

static void moments(const float *x, size_t n, double *mean, double *stddev, double *max_abs)
{
    double s = 0, s2 = 0, m = 0;
    for (size_t i = 0; i < n; i++) {
        s += x[i];
        s2 += (double)x[i] * x[i];
        m = fmax(m, fabs((double)x[i]));
    }
    *mean = s / n;
    *stddev = sqrt(s2 / n - *mean * *mean);
    *max_abs = m;
}

static void initialisers_have_pytorch_statistics(void **state)
{
    (void)state;
    rn_params p;
    rn_params_init(&p);
    int w, b;
    /* fan_in 400, fan_out 300 */
    assert_int_equal(rn_params_add(&p, "fc.weight", 2, (int[]){300, 400}, &w), RN_OK);
    assert_int_equal(rn_params_add(&p, "fc.bias", 1, (int[]){300}, &b), RN_OK);
    assert_int_equal(rn_params_allocate(&p), RN_OK);
    rn_rng rng;
    rn_rng_seed(&rng, 3);
    const float *x = p.values;
    size_t n = 120000;
    double mean, sd, max_abs;
    struct {
        rn_init_kind kind;
        double gain, expected_sd, bound; /* bound 0: normal */
    } cases[] = {
        {RN_INIT_DEFAULT, 0, 1 / sqrt(400.0) / sqrt(3.0), 1 / sqrt(400.0)},
        {RN_INIT_XAVIER_UNIFORM, 1, sqrt(2.0 / 700), sqrt(6.0 / 700)},
        {RN_INIT_XAVIER_NORMAL, 5.0 / 3, 5.0 / 3 * sqrt(2.0 / 700), 0},
        {RN_INIT_KAIMING_UNIFORM, sqrt(2.0), sqrt(2.0 / 400), sqrt(6.0 / 400)},
        {RN_INIT_KAIMING_NORMAL, sqrt(2.0), sqrt(2.0 / 400), 0},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        assert_int_equal(rn_params_init_view(&p, w, cases[k].kind, cases[k].gain, 0, &rng), RN_OK);
        moments(x, n, &mean, &sd, &max_abs);
        assert_true(fabs(mean) < 0.02 * cases[k].expected_sd * 10);
        assert_true(fabs(sd / cases[k].expected_sd - 1) < 0.01);
        if (cases[k].bound > 0) {
            assert_true(max_abs < cases[k].bound);
            assert_true(max_abs > 0.999 * cases[k].bound);
        }
    }
    /* The default bias bound uses the weight's fan_in. */
    assert_int_equal(rn_params_init_view(&p, b, RN_INIT_DEFAULT, 0, 400, &rng), RN_OK);
    moments(p.values + n, 300, &mean, &sd, &max_abs);
    assert_true(max_abs <= 0.05 && max_abs > 0.045);
    assert_float_equal(rn_init_gain("tanh", 0), 5.0 / 3, 1e-12);
    assert_float_equal(rn_init_gain("leaky_relu", 0.01), sqrt(2.0 / 1.0001), 1e-12);
    assert_true(rn_init_gain("swish", 0) < 0);
    rn_init_kind kind;
    assert_int_equal(rn_init_parse("he-normal", &kind), RN_OK);
    assert_int_equal(kind, RN_INIT_KAIMING_NORMAL);
    assert_int_equal(rn_init_parse("lecun", &kind), RN_ERR_ARGUMENT);
    rn_params_free(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(views_are_contiguous_and_named),
        cmocka_unit_test(regularisation_and_clipping),
        cmocka_unit_test(initialisers_have_pytorch_statistics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
