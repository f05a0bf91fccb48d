/* test_hodgkin_huxley.c — the chapter 1 neuron against published numbers and
 * an independent scipy integration (tests/golden/hh_reference.json, made by
 * tests/golden/make_hh_reference.py: LSODA, rtol = atol = 1e-10). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redes/redes.h"

#define assert_near(value, expected, tolerance)                                                               \
    do {                                                                                                       \
        double value_ = (value), expected_ = (expected);                                                       \
        if (!(fabs(value_ - expected_) <= (tolerance))) {                                                      \
            print_error("%s = %.10g, expected %.10g ± %g\n", #value, value_, expected_, (double)(tolerance)); \
            fail();                                                                                            \
        }                                                                                                      \
    } while (0)

static rn_hh_params modern(void)
{
    return rn_hh_default_params(RN_HH_MODERN);
}

static rn_hh_integration integration(rn_hh_method method, double dt, double duration)
{
    rn_hh_integration in = rn_hh_default_integration();
    in.method = method;
    in.dt_ms = dt;
    in.duration_ms = duration;
    return in;
}

static rn_hh_state resting(const rn_hh_params *params)
{
    rn_hh_state rest;
    assert_int_equal(rn_hh_resting_state(params, &rest), RN_OK);
    return rest;
}

/* One rectangular pulse: `amplitude` from start_ms for duration_ms. */
static rn_stimulus pulse(double start_ms, double duration_ms, double amplitude)
{
    rn_stimulus stimulus;
    rn_stimulus_init(&stimulus);
    assert_int_equal(rn_stimulus_add_pulse(&stimulus, start_ms, duration_ms, amplitude), RN_OK);
    return stimulus;
}

/* Step current `current` from t = 0, from rest; returns the detector's result. */
static rn_hh_outcome step_run(const rn_hh_params *params, const rn_hh_integration *in, double current,
                              double window_start, rn_hh_spike_detector *spikes)
{
    rn_hh_state rest = resting(params);
    rn_stimulus stimulus = pulse(0, in->duration_ms + 1, current);
    rn_hh_spikes_init(spikes, rn_hh_spike_threshold(params), window_start, in->duration_ms);
    rn_hh_outcome outcome;
    assert_int_equal(rn_hh_simulate(params, in, &rest, &stimulus, NULL, spikes, &outcome), RN_OK);
    return outcome;
}

static json_t *golden(void)
{
    json_error_t error;
    json_t *root = json_load_file(REDES_SOURCE_DIR "/tests/golden/hh_reference.json", 0, &error);
    if (!root) print_error("hh_reference.json: %s\n", error.text);
    assert_non_null(root);
    return root;
}

static double golden_number(json_t *root, const char *a, const char *b, const char *c)
{
    json_t *node = json_object_get(root, a);
    if (b) node = json_object_get(node, b);
    if (c) node = json_object_get(node, c);
    assert_non_null(node);
    return json_number_value(node);
}

/* One number of the reference file, for tests that need only one. */
static double golden_value(const char *a, const char *b, const char *c)
{
    json_t *root = golden();
    double value = golden_number(root, a, b, c);
    json_decref(root);
    return value;
}

/* ------------------------------------------------------------ rates and rest */

static void rates_match_the_formulas_and_their_limits(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_rates r;
    /* The 0/0 points: α_n(−55 mV) = 0.1, α_m(−40 mV) = 1 (ms⁻¹), exactly. */
    rn_hh_rates_at(&params, -55.0, &r);
    assert_near(r.alpha_n, 0.1, 1e-15);
    rn_hh_rates_at(&params, -40.0, &r);
    assert_near(r.alpha_m, 1.0, 1e-15);
    /* Continuous through them: the series and the direct form meet. */
    rn_hh_rates near;
    rn_hh_rates_at(&params, -55.0 + 1e-7, &near);
    assert_near(near.alpha_n, 0.1 + 0.005 * 1e-7, 1e-15); /* slope +0.005 ms⁻¹ per mV */
    rn_hh_rates_at(&params, -56.0 - 1e-12, &r);
    rn_hh_rates_at(&params, -56.0 + 1e-12, &near); /* across the switch at x = 0.1 */
    assert_near(r.alpha_n, near.alpha_n, 1e-14);
    /* Everywhere else, the textbook formulas with libm (relative error). */
    double worst = 0;
    for (double v = -150; v <= 150; v += 0.0173) {
        rn_hh_rates_at(&params, v, &r);
        double u = v + 65;
        double expected[6] = {0.1 * (25 - u) / expm1((25 - u) / 10), 4 * exp(-u / 18), 0.07 * exp(-u / 20),
                              1 / (exp((30 - u) / 10) + 1),          0.01 * (10 - u) / expm1((10 - u) / 10),
                              0.125 * exp(-u / 80)};
        double got[6] = {r.alpha_m, r.beta_m, r.alpha_h, r.beta_h, r.alpha_n, r.beta_n};
        for (int k = 0; k < 6; k++) worst = fmax(worst, fabs(got[k] / expected[k] - 1));
    }
    assert_true(worst < 1e-13);
}

static void conventions_differ_by_65_mV(void **state)
{
    (void)state;
    rn_hh_params a = modern(), b = rn_hh_default_params(RN_HH_1952);
    assert_near(b.e_sodium - a.e_sodium, 65, 1e-12);
    assert_near(b.e_potassium - a.e_potassium, 65, 1e-12);
    assert_near(b.e_leak - a.e_leak, 65, 1e-12);
    rn_hh_rates ra, rb;
    rn_hh_rates_at(&a, -30.0, &ra);
    rn_hh_rates_at(&b, 35.0, &rb);
    assert_near(ra.alpha_m, rb.alpha_m, 1e-15);
    assert_near(ra.beta_h, rb.beta_h, 1e-15);
    /* The same spike, shifted: peak 40.26 mV modern = 105.26 mV above rest. */
    rn_hh_integration in = integration(RN_HH_RK4, 0.01, 20);
    rn_hh_spike_detector sa, sb;
    step_run(&a, &in, 10.0, 0, &sa);
    step_run(&b, &in, 10.0, 0, &sb);
    assert_near(sb.first_peak_mv - sa.first_peak_mv, 65, 1e-9);
    assert_near(sb.first_time_ms, sa.first_time_ms, 1e-9);
}

static void temperature_factor_scales_every_rate(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    assert_near(rn_hh_temperature_factor(&params), 1.0, 1e-15);
    rn_hh_rates cold, warm;
    rn_hh_rates_at(&params, -50, &cold);
    params.temperature = 16.3;
    assert_near(rn_hh_temperature_factor(&params), 3.0, 1e-14);
    rn_hh_rates_at(&params, -50, &warm);
    assert_near(warm.alpha_m / cold.alpha_m, 3.0, 1e-13);
    assert_near(warm.beta_n / cold.beta_n, 3.0, 1e-13);
    /* The rest does not move (x∞ is a ratio of rates) ... */
    rn_hh_state rest_cold, rest_warm;
    params.temperature = 6.3;
    rn_hh_resting_state(&params, &rest_cold);
    params.temperature = 20;
    rn_hh_resting_state(&params, &rest_warm);
    assert_near(rest_warm.v, rest_cold.v, 1e-12);
    /* ... but the dynamics are faster: at 20 °C it fires sooner and more
     * often, and the spikes are smaller (Na inactivation catches up). */
    rn_hh_integration in = integration(RN_HH_RK4, 0.005, 50);
    rn_hh_spike_detector warm_spikes, cold_spikes;
    step_run(&params, &in, 10.0, 0, &warm_spikes);
    params.temperature = 6.3;
    step_run(&params, &in, 10.0, 0, &cold_spikes);
    assert_true(warm_spikes.first_time_ms < cold_spikes.first_time_ms - 0.3);
    assert_true(warm_spikes.count > 2 * cold_spikes.count);
    assert_true(warm_spikes.first_peak_mv < cold_spikes.first_peak_mv - 10);
}

static void resting_state_matches_reference(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_state rest;
    assert_int_equal(rn_hh_resting_state(&params, &rest), RN_OK);
    /* The numbers: V = −64.996 mV, m 0.0530, h 0.5960, n 0.3177. */
    assert_near(rest.v, -64.996, 5e-4);
    assert_near(rest.m, 0.0530, 5e-5);
    assert_near(rest.h, 0.5960, 5e-5);
    assert_near(rest.n, 0.3177, 5e-5);
    json_t *root = golden();
    assert_near(rest.v, golden_number(root, "rest", "v", NULL), 1e-9);
    assert_near(rest.n, golden_number(root, "rest", "n", NULL), 1e-11);
    /* A steady state: the derivative vanishes. */
    rn_hh_state d = rn_hh_derivative(&params, &rest, 0.0);
    assert_true(fabs(d.v) < 1e-10 && fabs(d.m) < 1e-14 && fabs(d.h) < 1e-14 && fabs(d.n) < 1e-14);
    json_decref(root);
}

/* ------------------------------------------------------------ spikes */

static void spike_at_10_matches_reference(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_integration in = integration(RN_HH_RK4, 0.01, 20);
    rn_hh_spike_detector spikes;
    rn_hh_outcome outcome = step_run(&params, &in, 10.0, 0, &spikes);
    assert_int_equal(outcome.divergence, RN_HH_BOUNDED);
    /* The issue: peak +40.26 ± 0.1 mV, latency 1.90 ± 0.05 ms. */
    assert_near(spikes.first_peak_mv, 40.26, 0.1);
    assert_near(spikes.first_time_ms, 1.90, 0.05);
    /* scipy/LSODA at 1e-10: much tighter. */
    json_t *root = golden();
    assert_near(spikes.first_peak_mv, golden_number(root, "rates", "10", "first_peak"), 2e-3);
    assert_near(spikes.first_time_ms, golden_number(root, "rates", "10", "first_spike"), 1e-4);
    json_decref(root);
}

static void trace_matches_reference(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_integration in = integration(RN_HH_RK4, 0.01, 20);
    rn_hh_state rest = resting(&params);
    rn_stimulus stimulus = pulse(0, 100, 10.0);
    rn_hh_trace trace;
    assert_int_equal(rn_hh_trace_alloc(&trace, &in, 10), RN_OK);
    assert_int_equal(rn_hh_simulate(&params, &in, &rest, &stimulus, &trace, NULL, NULL), RN_OK);
    assert_int_equal(trace.count, 201); /* t = 0, 0.1, ..., 20 */
    json_t *root = golden();
    json_t *t = json_object_get(json_object_get(root, "trace_10"), "t");
    json_t *v = json_object_get(json_object_get(root, "trace_10"), "v");
    json_t *n = json_object_get(json_object_get(root, "trace_10"), "n");
    for (size_t i = 0; i < json_array_size(t); i++) {
        int sample = (int)lround(json_number_value(json_array_get(t, i)) / 0.1);
        assert_near(trace.t[sample], json_number_value(json_array_get(t, i)), 1e-9);
        assert_near(trace.v[sample], json_number_value(json_array_get(v, i)), 0.02);
        assert_near(trace.n[sample], json_number_value(json_array_get(n, i)), 1e-4);
    }
    /* Currents are g·gates·(V − E): at rest they cancel. */
    rn_hh_currents c = rn_hh_currents_at(&params, &rest);
    assert_near(c.sodium + c.potassium + c.leak, 0.0, 1e-9);
    assert_near(trace.i_sodium[0], c.sodium, 1e-12);
    assert_near(trace.i_stim[5], 10.0, 0);
    json_decref(root);
    rn_hh_trace_free(&trace);
}

static void firing_rates_match_reference(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_integration in = rn_hh_default_integration();
    const double currents[3] = {10, 20, 50};
    const double expected[3] = {68, 86, 116}; /* the issue, ± 2 Hz */
    double rates[3];
    int counts[3], diverged[3];
    assert_int_equal(rn_hh_fi_curve(&params, &in, currents, 3, 1000, 500, rates, counts, diverged), RN_OK);
    json_t *root = golden();
    const char *keys[3] = {"10", "20", "50"};
    for (int k = 0; k < 3; k++) {
        assert_near(rates[k], expected[k], 2.0);
        assert_near(rates[k], golden_number(root, "rates", keys[k], "rate_hz"), 1e-9);
        assert_int_equal(counts[k], (int)golden_number(root, "rates", keys[k], "n_spikes"));
        assert_int_equal(diverged[k], 0);
    }
    json_decref(root);
}

static void batch_equals_one_at_a_time(void **state)
{
    (void)state;
    /* Lanes are independent: 11 neurons in two blocks give exactly the
     * numbers of 11 separate runs. */
    rn_hh_params params = modern();
    rn_hh_integration in = integration(RN_HH_EXPONENTIAL, 0.02, 60);
    rn_hh_state rest = resting(&params);
    rn_stimulus unit = pulse(5, 100, 1.0);
    enum { N = 11 };
    double scales[N];
    rn_hh_spike_detector batch[N];
    for (int k = 0; k < N; k++) {
        scales[k] = 1.5 * k;
        rn_hh_spikes_init(&batch[k], 0, 0, 60);
    }
    assert_int_equal(rn_hh_simulate_scaled(&params, &in, &rest, &unit, scales, N, batch, NULL), RN_OK);
    for (int k = 0; k < N; k++) {
        rn_stimulus single = pulse(5, 100, scales[k]);
        rn_hh_spike_detector alone;
        rn_hh_spikes_init(&alone, 0, 0, 60);
        rn_hh_simulate(&params, &in, &rest, &single, NULL, &alone, NULL);
        assert_int_equal(batch[k].count, alone.count);
        if (alone.count) assert_true(batch[k].first_time_ms == alone.first_time_ms);
    }
}

/* ------------------------------------------------------------ thresholds */

static void rheobase_matches_reference(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_integration in = rn_hh_default_integration();
    double rheobase;
    assert_int_equal(rn_hh_rheobase(&params, &in, 200, 1e-4, &rheobase), RN_OK);
    assert_near(rheobase, 2.240, 0.02);
    assert_near(rheobase, golden_value("rheobase", NULL, NULL), 2e-3);
    /* Just below: silent; just above: one spike. */
    rn_hh_spike_detector spikes;
    step_run(&params, &(rn_hh_integration){RN_HH_RK4, 0.01, 200, 1000}, rheobase - 0.01, 0, &spikes);
    assert_int_equal(spikes.count, 0);
    step_run(&params, &(rn_hh_integration){RN_HH_RK4, 0.01, 200, 1000}, rheobase + 0.01, 0, &spikes);
    assert_true(spikes.count >= 1);
}

static void repetitive_onset_matches_reference(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_integration in = rn_hh_default_integration();
    double onset;
    assert_int_equal(rn_hh_repetitive_onset(&params, &in, 1000, 200, 1e-3, &onset), RN_OK);
    assert_near(onset, 6.26, 0.03);
    assert_near(onset, golden_value("repetitive_onset", NULL, NULL), 5e-3);
}

static void refractory_periods_are_consistent(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_integration in = rn_hh_default_integration();
    rn_hh_refractory r;
    assert_int_equal(rn_hh_refractory_periods(&params, &in, 1.0, 5.0, 0.05, &r), RN_OK);
    assert_true(r.threshold > 2.24 && r.threshold < 20); /* a 1 ms pulse needs more than the rheobase */
    assert_true(r.absolute_ms > 2 && r.absolute_ms < r.relative_ms && r.relative_ms < 40);
    /* The definition: the second-pulse threshold is 5x at the absolute
     * period and 1.05x at the relative one (recovery curve, same protocol). */
    double intervals[2] = {r.absolute_ms + 0.01, r.relative_ms + 0.01}, thresholds[2];
    assert_int_equal(rn_hh_recovery_curve(&params, &in, 1.0, 5.0, intervals, 2, thresholds), RN_OK);
    assert_true(thresholds[0] <= 5.0 * r.threshold && thresholds[0] > 4.0 * r.threshold);
    assert_true(thresholds[1] <= 1.05 * r.threshold && thresholds[1] > 0.95 * r.threshold);
    intervals[0] = r.absolute_ms - 0.01;
    assert_int_equal(rn_hh_recovery_curve(&params, &in, 1.0, 5.0, intervals, 1, thresholds), RN_OK);
    assert_true(isinf(thresholds[0]));
}

/* ------------------------------------------------------------ integrators */

static void euler_diverges_above_0_08_ms(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_spike_detector spikes;
    /* The issue: forward Euler diverges at I = 10 for dt >= 0.08 ms and
     * stays bounded at 0.06 ms; exponential Euler is bounded at 0.1 ms. */
    const double diverging[] = {0.08, 0.09, 0.1, 0.12};
    for (size_t k = 0; k < sizeof diverging / sizeof diverging[0]; k++) {
        rn_hh_integration in = integration(RN_HH_EULER, diverging[k], 100);
        rn_hh_outcome outcome = step_run(&params, &in, 10.0, 0, &spikes);
        assert_int_not_equal(outcome.divergence, RN_HH_BOUNDED);
        assert_true(outcome.diverged_at_ms > 0 && outcome.diverged_at_ms < 100);
        /* The last good state is finite with gates in [0, 1]. */
        assert_true(isfinite(outcome.final_state.v) && outcome.final_state.m >= 0 && outcome.final_state.m <= 1);
    }
    /* In a batch, a diverged lane stops alone: at rest (I = 0) Euler is fine. */
    rn_hh_state rest = resting(&params);
    rn_stimulus unit = pulse(0, 200, 1.0);
    const double scales[3] = {0.0, 10.0, 0.0};
    rn_hh_spike_detector batch[3];
    rn_hh_outcome outcomes[3];
    for (int k = 0; k < 3; k++) rn_hh_spikes_init(&batch[k], 0, 0, 100);
    rn_hh_integration in = integration(RN_HH_EULER, 0.08, 100);
    assert_int_equal(rn_hh_simulate_scaled(&params, &in, &rest, &unit, scales, 3, batch, outcomes), RN_OK);
    assert_int_equal(outcomes[0].divergence, RN_HH_BOUNDED);
    assert_int_equal(outcomes[1].divergence, RN_HH_GATE_OUT_OF_RANGE);
    assert_near(outcomes[1].diverged_at_ms, 2.96, 1e-9); /* numpy's forward Euler: m = 1.07 at 2.96 ms */
    assert_int_equal(outcomes[2].divergence, RN_HH_BOUNDED);
    assert_near(outcomes[2].final_state.v, rest.v, 1e-9);

    in = integration(RN_HH_EULER, 0.06, 100);
    assert_int_equal(step_run(&params, &in, 10.0, 0, &spikes).divergence, RN_HH_BOUNDED);
    assert_int_equal(spikes.count, 7);
    in = integration(RN_HH_EXPONENTIAL, 0.1, 100);
    assert_int_equal(step_run(&params, &in, 10.0, 0, &spikes).divergence, RN_HH_BOUNDED);
    assert_int_equal(spikes.count, 7);
}

/* A search whose runs diverge, or cannot resolve a spike, says which dt is
 * at fault and suggests a smaller one (the CLI turns this into exit 2). */
static void analyses_name_a_diverging_dt(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    double value;
    rn_hh_integration in = integration(RN_HH_RK4, 10.0, 200);
    assert_int_equal(rn_hh_rheobase(&params, &in, 200, 1e-4, &value), RN_ERR_NUMERIC);
    assert_non_null(strstr(rn_error_message(), "dt 10 ms is too large for rk4: the simulation diverged at 40 ms"));
    assert_non_null(strstr(rn_error_message(), "use a smaller dt, e.g. 0.01 ms"));
    in = integration(RN_HH_EULER, 0.2, 200);
    assert_int_equal(rn_hh_repetitive_onset(&params, &in, 1000, 200, 1e-3, &value), RN_ERR_NUMERIC);
    assert_non_null(strstr(rn_error_message(), "dt 0.2 ms is too large for euler"));
    rn_hh_refractory r;
    in = integration(RN_HH_EXPONENTIAL, 10.0, 200);
    assert_int_equal(rn_hh_refractory_periods(&params, &in, 1.0, 5.0, 0.05, &r), RN_ERR_NUMERIC);
    assert_non_null(strstr(rn_error_message(), "no spike for currents up to 1e4 µA/cm² with exponential at dt 10 ms"));
    assert_true(rn_hh_suggested_dt(10) == 0.01);
    assert_true(rn_hh_suggested_dt(0.005) == 0.0005);
}

static void integrators_converge_with_their_order(void **state)
{
    (void)state;
    /* V(5 ms) under I = 10 (mid-AHP, smooth) against RK4 at dt = 0.001. */
    rn_hh_params params = modern();
    rn_hh_state rest = resting(&params);
    rn_stimulus stimulus = pulse(0, 100, 10.0);
    rn_hh_outcome outcome;
    rn_hh_integration in = integration(RN_HH_RK4, 0.001, 5);
    rn_hh_simulate(&params, &in, &rest, &stimulus, NULL, NULL, &outcome);
    double reference = outcome.final_state.v;
    double errors[3][2];
    for (int method = 0; method < 3; method++)
        for (int k = 0; k < 2; k++) {
            in = integration((rn_hh_method)method, k ? 0.005 : 0.01, 5);
            rn_hh_simulate(&params, &in, &rest, &stimulus, NULL, NULL, &outcome);
            errors[method][k] = fabs(outcome.final_state.v - reference);
        }
    /* Halving dt: Euler and exponential Euler (order 1) halve the error, RK4 (order 4) divides it by 16. */
    assert_near(errors[RN_HH_EULER][0] / errors[RN_HH_EULER][1], 2.0, 0.3);
    assert_near(errors[RN_HH_EXPONENTIAL][0] / errors[RN_HH_EXPONENTIAL][1], 2.0, 0.3);
    assert_near(errors[RN_HH_RK4][0] / errors[RN_HH_RK4][1], 16.0, 3.0);
}

static void course_preset_peaks_near_100_8(void **state)
{
    (void)state;
    /* The course: 1952 convention, Euler, dt 0.01 ms, 50 ms, 2.4 µA/cm² from 10 to 16 ms. */
    rn_hh_params params = rn_hh_default_params(RN_HH_1952);
    rn_hh_state rest = resting(&params);
    assert_near(rest.v, 0.0036, 1e-4);
    rn_stimulus stimulus = pulse(10, 6, 2.4);
    rn_hh_integration in = integration(RN_HH_EULER, 0.01, 50);
    rn_hh_spike_detector spikes;
    rn_hh_spikes_init(&spikes, rn_hh_spike_threshold(&params), 0, 50);
    assert_near(spikes.threshold_mv, 65.0, 0);
    rn_hh_outcome outcome;
    rn_hh_trace trace;
    assert_int_equal(rn_hh_trace_alloc(&trace, &in, 1), RN_OK);
    assert_int_equal(rn_hh_simulate(&params, &in, &rest, &stimulus, &trace, &spikes, &outcome), RN_OK);
    assert_int_equal(spikes.count, 1);
    assert_near(spikes.first_peak_mv, 100.8, 0.1);
    assert_near(spikes.first_peak_time_ms, 16.65, 0.05);
    /* The same forward Euler as a plain numpy loop: the same samples. */
    int top = 0;
    for (int i = 1; i < trace.count; i++)
        if (trace.v[i] > trace.v[top]) top = i;
    json_t *root = golden();
    assert_near(rest.v, golden_number(root, "course", "rest", NULL), 1e-12);
    assert_near(trace.v[top], golden_number(root, "course", "max_v", NULL), 1e-8);
    assert_near(trace.t[top], golden_number(root, "course", "max_t", NULL), 1e-9);
    json_decref(root);
    rn_hh_trace_free(&trace);
}

/* ------------------------------------------------------------ stimuli and errors */

static void stimuli_have_the_right_shape(void **state)
{
    (void)state;
    rn_stimulus s;
    rn_stimulus_init(&s);
    assert_int_equal(rn_stimulus_add_pulse(&s, 10, 6, 2.4), RN_OK);
    assert_near(rn_stimulus_at(&s, 9.999), 0, 0);
    assert_near(rn_stimulus_at(&s, 10), 2.4, 0);
    assert_near(rn_stimulus_at(&s, 15.999), 2.4, 0);
    assert_near(rn_stimulus_at(&s, 16), 0, 0);
    assert_int_equal(rn_stimulus_add_ramp(&s, 20, 10, 0, 10), RN_OK);
    assert_near(rn_stimulus_at(&s, 25), 5, 1e-12);
    assert_int_equal(rn_stimulus_add_train(&s, 40, 1, 5, 3, 7), RN_OK);
    assert_near(rn_stimulus_at(&s, 45.5), 7, 0);
    assert_near(rn_stimulus_at(&s, 47), 0, 0);
    assert_near(rn_stimulus_at(&s, 50.2), 7, 0);
    assert_near(rn_stimulus_at(&s, 55.2), 0, 0);
    assert_near(rn_stimulus_onset(&s), 10, 0);
    assert_int_equal(rn_stimulus_add_pulse(&s, 0, -1, 1), RN_ERR_ARGUMENT);
    assert_int_equal(rn_stimulus_add_train(&s, 0, 2, 1, 3, 1), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "shorter than the pulse width"));

    char path[] = "/tmp/redes_stimulus_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *file = fdopen(fd, "w");
    fprintf(file, "time_ms,current\n# a comment\n0,0\n10,0\n20,10\n30,10\n");
    fclose(file);
    rn_stimulus table;
    rn_stimulus_init(&table);
    assert_int_equal(rn_stimulus_load_csv(&table, path), RN_OK);
    assert_int_equal(table.n_points, 4);
    assert_near(rn_stimulus_at(&table, 15), 5, 1e-12);
    assert_near(rn_stimulus_at(&table, 25), 10, 0);
    assert_near(rn_stimulus_at(&table, 31), 0, 0);
    assert_near(rn_stimulus_onset(&table), 10, 0);
    file = fopen(path, "w");
    fprintf(file, "0,0\n10,1\n5,2\n");
    fclose(file);
    assert_int_equal(rn_stimulus_load_csv(&table, path), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), ":3: times must increase"));
    file = fopen(path, "w");
    fprintf(file, "0,0\n10;x\n");
    fclose(file);
    assert_int_equal(rn_stimulus_load_csv(&table, path), RN_ERR_FORMAT);
    assert_int_equal(table.n_points, 4); /* the old table survives a failed load */
    unlink(path);
    assert_int_equal(rn_stimulus_load_csv(&table, path), RN_ERR_IO);
    rn_stimulus_free(&table);
}

static void bad_arguments_are_errors(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_state rest = resting(&params);
    rn_stimulus s; /* no input */
    rn_stimulus_init(&s);
    rn_hh_integration in = integration(RN_HH_RK4, -1, 10);
    assert_int_equal(rn_hh_simulate(&params, &in, &rest, &s, NULL, NULL, NULL), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "time step must be positive"));
    in = integration(RN_HH_RK4, 0.01, NAN);
    assert_int_equal(rn_hh_simulate(&params, &in, &rest, &s, NULL, NULL, NULL), RN_ERR_ARGUMENT);
    in = integration(RN_HH_RK4, 0.01, 10);
    rn_hh_state bad = rest;
    bad.m = 1.5;
    assert_int_equal(rn_hh_simulate(&params, &in, &bad, &s, NULL, NULL, NULL), RN_ERR_ARGUMENT);
    params.capacitance = 0;
    assert_int_equal(rn_hh_simulate(&params, &in, &rest, &s, NULL, NULL, NULL), RN_ERR_ARGUMENT);
    rn_hh_method method;
    assert_int_equal(rn_hh_method_parse("rk5", &method), RN_ERR_ARGUMENT);
    assert_int_equal(rn_hh_method_parse("exponential", &method), RN_OK);
    assert_int_equal(method, RN_HH_EXPONENTIAL);
}

static void trace_csv_is_written_atomically(void **state)
{
    (void)state;
    rn_hh_params params = modern();
    rn_hh_state rest = resting(&params);
    rn_stimulus s; /* no input */
    rn_stimulus_init(&s);
    rn_hh_integration in = integration(RN_HH_RK4, 0.01, 1);
    rn_hh_trace trace;
    assert_int_equal(rn_hh_trace_alloc(&trace, &in, 1), RN_OK);
    assert_int_equal(rn_hh_simulate(&params, &in, &rest, &s, &trace, NULL, NULL), RN_OK);
    assert_int_equal(trace.count, 101);
    char path[] = "/tmp/redes_trace_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(rn_hh_trace_write_csv(&trace, path), RN_OK);
    FILE *file = fopen(path, "r");
    char line[512];
    assert_non_null(fgets(line, sizeof line, file));
    assert_string_equal(line, "t_ms,V_mV,m,h,n,I_Na,I_K,I_L,I_stim\n");
    int lines = 0;
    double t = 0, v = 0;
    while (fgets(line, sizeof line, file)) lines++, sscanf(line, "%lf,%lf", &t, &v);
    fclose(file);
    unlink(path);
    assert_int_equal(lines, 101);
    assert_near(t, 1.0, 1e-9);
    assert_near(v, rest.v, 1e-9); /* no input: stays at rest */
    rn_hh_trace_free(&trace);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(rates_match_the_formulas_and_their_limits),
        cmocka_unit_test(conventions_differ_by_65_mV),
        cmocka_unit_test(temperature_factor_scales_every_rate),
        cmocka_unit_test(resting_state_matches_reference),
        cmocka_unit_test(spike_at_10_matches_reference),
        cmocka_unit_test(trace_matches_reference),
        cmocka_unit_test(firing_rates_match_reference),
        cmocka_unit_test(batch_equals_one_at_a_time),
        cmocka_unit_test(rheobase_matches_reference),
        cmocka_unit_test(repetitive_onset_matches_reference),
        cmocka_unit_test(refractory_periods_are_consistent),
        cmocka_unit_test(euler_diverges_above_0_08_ms),
        cmocka_unit_test(analyses_name_a_diverging_dt),
        cmocka_unit_test(integrators_converge_with_their_order),
        cmocka_unit_test(course_preset_peaks_near_100_8),
        cmocka_unit_test(stimuli_have_the_right_shape),
        cmocka_unit_test(bad_arguments_are_errors),
        cmocka_unit_test(trace_csv_is_written_atomically),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
