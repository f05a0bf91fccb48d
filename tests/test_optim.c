/* test_optim.c — every optimiser against torch.optim, step by step
 * (fixtures by tests/golden/make_optim_golden.py), and the schedules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "redes/optim.h"

enum { N_PARAMS = 12, N_STEPS = 10 };

static double number(const json_t *object, const char *key, double fallback)
{
    const json_t *value = json_object_get(object, key);
    if (!value) return fallback;
    if (json_is_boolean(value)) return json_is_true(value);
    return json_number_value(value);
}

static rn_optim_config config_from_json(const json_t *json)
{
    const char *kind = json_string_value(json_object_get(json, "kind"));
    rn_optim_config c;
    assert_int_equal(rn_optim_parse(kind, &c), RN_OK);
    c.learning_rate = number(json, "lr", c.learning_rate);
    c.weight_decay = number(json, "weight_decay", c.weight_decay);
    c.momentum = number(json, "momentum", c.momentum);
    c.dampening = number(json, "dampening", c.dampening);
    c.nesterov = number(json, "nesterov", 0) != 0;
    c.alpha = number(json, "alpha", c.alpha);
    c.centered = number(json, "centered", 0) != 0;
    c.lr_decay = number(json, "lr_decay", c.lr_decay);
    c.initial_accumulator_value = number(json, "initial_accumulator_value", 0);
    c.beta1 = number(json, "beta1", c.beta1);
    c.beta2 = number(json, "beta2", c.beta2);
    c.eps = number(json, "eps", c.eps);
    return c;
}

static void floats_from_json(const json_t *array, float *out, int n)
{
    assert_int_equal(json_array_size(array), n);
    for (int i = 0; i < n; i++) out[i] = (float)json_number_value(json_array_get(array, (size_t)i));
}

/* g = c (θ − t) + 0.1 θ³, in float32 as the script does. */
static void gradient(const float *theta, const float *c, const float *t, float *g)
{
    for (int i = 0; i < N_PARAMS; i++) g[i] = c[i] * (theta[i] - t[i]) + 0.1f * theta[i] * theta[i] * theta[i];
}

static void optimisers_match_torch(void **state)
{
    (void)state;
    json_error_t error;
    json_t *golden = json_load_file(REDES_SOURCE_DIR "/tests/golden/optim_golden.json", 0, &error);
    if (!golden) fail_msg("optim_golden.json: %s (line %d)", error.text, error.line);
    float initial[N_PARAMS], target[N_PARAMS], curvature[N_PARAMS];
    floats_from_json(json_object_get(golden, "initial"), initial, N_PARAMS);
    floats_from_json(json_object_get(golden, "target"), target, N_PARAMS);
    floats_from_json(json_object_get(golden, "curvature"), curvature, N_PARAMS);
    const json_t *cases = json_object_get(golden, "cases");
    assert_true(json_array_size(cases) >= 13);
    for (size_t k = 0; k < json_array_size(cases); k++) {
        const json_t *one = json_array_get(cases, k);
        const char *name = json_string_value(json_object_get(one, "name"));
        rn_optim_config config = config_from_json(json_object_get(one, "config"));
        rn_optimizer optimizer;
        assert_int_equal(rn_optim_create(&optimizer, &config, N_PARAMS), RN_OK);
        float theta[N_PARAMS], g[N_PARAMS], expected[N_PARAMS];
        memcpy(theta, initial, sizeof theta);
        const json_t *trajectory = json_object_get(one, "trajectory");
        assert_int_equal(json_array_size(trajectory), N_STEPS);
        for (int step = 0; step < N_STEPS; step++) {
            gradient(theta, curvature, target, g);
            rn_optim_step(&optimizer, theta, g, config.learning_rate);
            floats_from_json(json_array_get(trajectory, (size_t)step), expected, N_PARAMS);
            double max_diff = 0, max_value = 0;
            for (int i = 0; i < N_PARAMS; i++) {
                max_diff = fmax(max_diff, fabs((double)theta[i] - expected[i]));
                max_value = fmax(max_value, fabs((double)expected[i]));
            }
            if (max_diff > 1e-5 * max_value)
                fail_msg("%s step %d: max |diff| %.3g > 1e-5 x %.3g", name, step + 1, max_diff, max_value);
        }
        rn_optim_free(&optimizer);
    }
    json_decref(golden);
}

static void options_are_validated(void **state)
{
    (void)state;
    rn_optim_config c;
    assert_int_equal(rn_optim_parse("lbfgs", &c), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "unknown 'lbfgs'"));
    assert_int_equal(rn_optim_parse("nesterov", &c), RN_OK);
    assert_true(c.kind == RN_OPTIM_SGD && c.nesterov && c.momentum == 0.9);
    c.dampening = 0.5;
    assert_int_equal(rn_optim_validate(&c), RN_ERR_ARGUMENT);
    assert_int_equal(rn_optim_parse("adamw", &c), RN_OK);
    assert_true(c.weight_decay == 1e-2 && c.eps == 1e-8 && c.beta2 == 0.999);
    c.learning_rate = -1;
    rn_optimizer o;
    assert_int_equal(rn_optim_create(&o, &c, 4), RN_ERR_ARGUMENT);
}

static void schedules_follow_pytorch_closed_forms(void **state)
{
    (void)state;
    rn_schedule s;
    assert_int_equal(rn_schedule_parse("step", 30, &s), RN_OK);
    s.step_size = 3;
    assert_float_equal(rn_schedule_rate(&s, 1.0, 2), 1.0, 1e-12);
    assert_float_equal(rn_schedule_rate(&s, 1.0, 3), 0.1, 1e-12);
    assert_float_equal(rn_schedule_rate(&s, 1.0, 7), 0.01, 1e-12);
    assert_int_equal(rn_schedule_parse("exponential", 30, &s), RN_OK);
    assert_float_equal(rn_schedule_rate(&s, 2.0, 2), 2.0 * 0.95 * 0.95, 1e-12);
    assert_int_equal(rn_schedule_parse("cosine", 10, &s), RN_OK);
    assert_float_equal(rn_schedule_rate(&s, 1.0, 0), 1.0, 1e-12);
    assert_float_equal(rn_schedule_rate(&s, 1.0, 5), 0.5, 1e-12);
    assert_float_equal(rn_schedule_rate(&s, 1.0, 10), 0.0, 1e-12);
    assert_int_equal(rn_schedule_parse("warmup", 10, &s), RN_ERR_ARGUMENT);
}


/* A weight whose gradient becomes zero must not leave subnormal floats in the
 * optimiser's state (they make every later step ~100x slower on x86): after
 * one real gradient and 2000 zero ones, each moment is 0 or a normal float,
 * and the moments of a weight with a live gradient are untouched. */
static void moments_never_go_subnormal(void **state)
{
    (void)state;
    const rn_optim_kind kinds[] = {RN_OPTIM_ADAM, RN_OPTIM_ADAMW, RN_OPTIM_SGD, RN_OPTIM_RMSPROP};
    for (size_t k = 0; k < sizeof kinds / sizeof *kinds; k++) {
        rn_optim_config config = rn_optim_defaults(kinds[k]);
        if (kinds[k] == RN_OPTIM_SGD || kinds[k] == RN_OPTIM_RMSPROP) config.momentum = 0.9;
        rn_optimizer o;
        assert_int_equal(rn_optim_create(&o, &config, 2), RN_OK);
        float theta[2] = {0.5f, 0.5f};
        for (int step = 0; step < 2000; step++) {
            float g[2] = {step == 0 ? 1e-3f : 0.0f, 1e-3f};
            rn_optim_step(&o, theta, g, 1e-3);
        }
        bool dead_is_zero = false;
        for (int s = 0; s < o.n_slots; s++) {
            assert_true(fpclassify(o.slot[s][0]) != FP_SUBNORMAL);
            assert_true(fpclassify(o.slot[s][1]) == FP_NORMAL);
            if (o.slot[s][0] == 0.0f) dead_is_zero = true;
        }
        assert_true(dead_is_zero);
        rn_optim_free(&o);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(optimisers_match_torch),
        cmocka_unit_test(moments_never_go_subnormal),
        cmocka_unit_test(options_are_validated),
        cmocka_unit_test(schedules_follow_pytorch_closed_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
