/* hh_analysis.c — rheobase, repetitive firing, f–I curve, refractory periods. */
#include "redes/hh_analysis.h"

#include <math.h>
#include <stdlib.h>

enum { SEARCH_POINTS = 16 }; /* currents tested per round: two blocks of 8 SIMD lanes */

/* "Does scale × shape make the neuron fire at least min_count spikes in
 * [window_start, window_end)?" for several scales at once. */
typedef struct firing_test {
    const rn_hh_params *params;
    rn_hh_integration integration; /* with the test's duration */
    rn_hh_state rest;
    const rn_stimulus *shape;
    double window_start_ms, window_end_ms;
    int min_count;
} firing_test;

static rn_status test_fires(const firing_test *test, const double *scales, int count, bool *fires)
{
    rn_hh_spike_detector spikes[SEARCH_POINTS];
    rn_hh_outcome outcomes[SEARCH_POINTS];
    for (int k = 0; k < count; k++) rn_hh_spikes_init(&spikes[k], rn_hh_spike_threshold(test->params), test->window_start_ms, test->window_end_ms);
    RN_CHECK(rn_hh_simulate_scaled(test->params, &test->integration, &test->rest, test->shape, scales, count, spikes,
                                   outcomes));
    for (int k = 0; k < count; k++) {
        if (outcomes[k].divergence != RN_HH_BOUNDED) return rn_hh_divergence_error(&test->integration, &outcomes[k]);
        fires[k] = spikes[k].count_in_window >= test->min_count;
    }
    return RN_OK;
}

/* Nothing fires up to 1e4 µA/cm².  With a time step near the width of a
 * spike (about 1 ms) that is the integrator's fault, not the neuron's:
 * exponential Euler at dt 10 ms stays bounded but never shows a spike. */
static rn_status no_firing_error(const rn_hh_integration *integration)
{
    double dt = integration->dt_ms;
    if (dt > 0.1)
        return rn_error(RN_ERR_NUMERIC,
                        "hodgkin-huxley: no spike for currents up to 1e4 µA/cm² with %s at dt %g ms: a step that "
                        "large cannot resolve a spike (about 1 ms); use a smaller dt, e.g. %g ms",
                        rn_hh_method_name(integration->method), dt, rn_hh_suggested_dt(dt));
    return rn_error(RN_ERR_NUMERIC, "hodgkin-huxley: no spike for currents up to 1e4 µA/cm²");
}

/* The smallest scale that fires, assuming firing is monotone in the scale:
 * the bracket [low, high] (low silent, high firing) shrinks 17-fold per round. */
static rn_status search_threshold(const firing_test *test, double low, double tolerance, double *threshold)
{
    bool fires[SEARCH_POINTS];
    double high = low > 0 ? 2 * low : 1.0;
    RN_CHECK(test_fires(test, &low, 1, fires));
    if (fires[0]) return rn_error(RN_ERR_NUMERIC, "hodgkin-huxley: already fires at the lower bound %g", low);
    for (;;) { /* grow the upper end until it fires */
        RN_CHECK(test_fires(test, &high, 1, fires));
        if (fires[0]) break;
        low = high;
        high *= 2;
        if (high > 1e4) return no_firing_error(&test->integration);
    }
    double points[SEARCH_POINTS];
    while (high - low > tolerance) {
        for (int j = 0; j < SEARCH_POINTS; j++) points[j] = low + (j + 1) * (high - low) / (SEARCH_POINTS + 1);
        RN_CHECK(test_fires(test, points, SEARCH_POINTS, fires));
        int first = 0;
        while (first < SEARCH_POINTS && !fires[first]) first++;
        if (first < SEARCH_POINTS) high = points[first];
        if (first > 0) low = points[first - 1];
    }
    *threshold = 0.5 * (low + high);
    return RN_OK;
}

static rn_status check_search(double duration_ms, double tolerance)
{
    if (!(duration_ms > 0) || !isfinite(duration_ms))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: duration must be positive, got %g ms", duration_ms);
    if (!(tolerance > 0) || !isfinite(tolerance))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: tolerance must be positive, got %g", tolerance);
    return RN_OK;
}

static rn_status step_test(firing_test *test, rn_stimulus *unit_step, const rn_hh_params *params,
                           const rn_hh_integration *integration, double duration_ms)
{
    test->params = params;
    test->integration = *integration;
    test->integration.duration_ms = duration_ms;
    RN_CHECK(rn_hh_resting_state(params, &test->rest));
    rn_stimulus_init(unit_step);
    RN_CHECK(rn_stimulus_add_pulse(unit_step, 0.0, duration_ms + 1.0, 1.0));
    test->shape = unit_step;
    return RN_OK;
}

rn_status rn_hh_rheobase(const rn_hh_params *params, const rn_hh_integration *integration, double duration_ms,
                         double tolerance, double *rheobase)
{
    RN_CHECK(check_search(duration_ms, tolerance));
    firing_test test;
    rn_stimulus unit_step;
    RN_CHECK(step_test(&test, &unit_step, params, integration, duration_ms));
    test.window_start_ms = 0;
    test.window_end_ms = INFINITY;
    test.min_count = 1;
    return search_threshold(&test, 0.0, tolerance, rheobase);
}

rn_status rn_hh_repetitive_onset(const rn_hh_params *params, const rn_hh_integration *integration,
                                 double duration_ms, double window_ms, double tolerance, double *onset)
{
    RN_CHECK(check_search(duration_ms, tolerance));
    if (!(window_ms > 0 && window_ms <= duration_ms))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: window %g ms must be in (0, %g] ms", window_ms, duration_ms);
    firing_test test;
    rn_stimulus unit_step;
    RN_CHECK(step_test(&test, &unit_step, params, integration, duration_ms));
    test.window_start_ms = duration_ms - window_ms;
    test.window_end_ms = INFINITY;
    test.min_count = 1;
    return search_threshold(&test, 0.0, tolerance, onset);
}

rn_status rn_hh_fi_curve(const rn_hh_params *params, const rn_hh_integration *integration, const double *currents,
                         int count, double duration_ms, double rate_from_ms, double *rates_hz, int *counts,
                         int *diverged)
{
    RN_CHECK(check_search(duration_ms, 1.0));
    if (!(rate_from_ms >= 0 && rate_from_ms < duration_ms))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: rate window start %g ms must be in [0, %g) ms",
                        rate_from_ms, duration_ms);
    if (count < 1) return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: f-I curve needs at least one current");
    firing_test test;
    rn_stimulus unit_step;
    RN_CHECK(step_test(&test, &unit_step, params, integration, duration_ms));
    rn_hh_spike_detector *spikes = malloc((size_t)count * sizeof *spikes);
    rn_hh_outcome *outcomes = malloc((size_t)count * sizeof *outcomes);
    if (!spikes || !outcomes) {
        free(spikes);
        free(outcomes);
        return rn_error(RN_ERR_MEMORY, "hodgkin-huxley: out of memory");
    }
    for (int k = 0; k < count; k++) rn_hh_spikes_init(&spikes[k], rn_hh_spike_threshold(params), rate_from_ms, duration_ms + 1.0);
    rn_status status =
        rn_hh_simulate_scaled(params, &test.integration, &test.rest, &unit_step, currents, count, spikes, outcomes);
    for (int k = 0; status == RN_OK && k < count; k++) {
        bool bad = outcomes[k].divergence != RN_HH_BOUNDED;
        /* The window is [rate_from, duration): its length, not the detector's open end. */
        rates_hz[k] = bad ? NAN : 1000.0 * spikes[k].count_in_window / (duration_ms - rate_from_ms);
        if (counts) counts[k] = spikes[k].count;
        if (diverged) diverged[k] = bad;
    }
    free(spikes);
    free(outcomes);
    return status;
}

/* ------------------------------------------------------------ refractory periods */

enum { FIRST_PULSE_MS = 5 };

/* Spikes fired by a pulse of `first` at 5 ms and one of `second` `interval` ms later. */
static rn_status two_pulse_spikes(const firing_test *test, double pulse_ms, double first, double interval_ms,
                                  double second, int *count)
{
    rn_stimulus stimulus;
    rn_stimulus_init(&stimulus);
    RN_CHECK(rn_stimulus_add_pulse(&stimulus, FIRST_PULSE_MS, pulse_ms, first));
    RN_CHECK(rn_stimulus_add_pulse(&stimulus, FIRST_PULSE_MS + interval_ms, pulse_ms, second));
    rn_hh_integration integration = test->integration;
    integration.duration_ms = FIRST_PULSE_MS + interval_ms + pulse_ms + 30.0;
    rn_hh_spike_detector spikes;
    rn_hh_outcome outcome;
    rn_hh_spikes_init(&spikes, rn_hh_spike_threshold(test->params), 0, INFINITY);
    RN_CHECK(rn_hh_simulate(test->params, &integration, &test->rest, &stimulus, NULL, &spikes, &outcome));
    if (outcome.divergence != RN_HH_BOUNDED) return rn_hh_divergence_error(&integration, &outcome);
    *count = spikes.count;
    return RN_OK;
}

static rn_status single_pulse_threshold(firing_test *test, rn_stimulus *pulse, const rn_hh_params *params,
                                        const rn_hh_integration *integration, double pulse_ms, double *threshold)
{
    if (!(pulse_ms > 0 && pulse_ms <= 50))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: pulse width must be in (0, 50] ms, got %g", pulse_ms);
    test->params = params;
    test->integration = *integration;
    test->integration.duration_ms = FIRST_PULSE_MS + pulse_ms + 30.0;
    RN_CHECK(rn_hh_resting_state(params, &test->rest));
    rn_stimulus_init(pulse);
    RN_CHECK(rn_stimulus_add_pulse(pulse, FIRST_PULSE_MS, pulse_ms, 1.0));
    test->shape = pulse;
    test->window_start_ms = 0;
    test->window_end_ms = INFINITY;
    test->min_count = 1;
    return search_threshold(test, 0.0, 1e-4, threshold);
}

/* The shortest interval in [pulse_ms, 100] ms at which a second pulse of
 * `second` fires a second spike: a 0.5 ms scan, then bisection to 1 µs. */
static rn_status shortest_interval(const firing_test *test, double pulse_ms, double first, double second,
                                   double *interval_ms)
{
    double low = pulse_ms, high = -1;
    int spikes;
    for (double interval = pulse_ms; interval <= 100.0; interval += 0.5) {
        RN_CHECK(two_pulse_spikes(test, pulse_ms, first, interval, second, &spikes));
        if (spikes >= 2) {
            high = interval;
            break;
        }
        low = interval;
    }
    if (high < 0) return rn_error(RN_ERR_NUMERIC, "hodgkin-huxley: no second spike within 100 ms");
    if (high == pulse_ms) {
        *interval_ms = pulse_ms;
        return RN_OK;
    }
    while (high - low > 1e-3) {
        double middle = 0.5 * (low + high);
        RN_CHECK(two_pulse_spikes(test, pulse_ms, first, middle, second, &spikes));
        if (spikes >= 2) high = middle;
        else low = middle;
    }
    *interval_ms = 0.5 * (low + high);
    return RN_OK;
}

rn_status rn_hh_refractory_periods(const rn_hh_params *params, const rn_hh_integration *integration,
                                   double pulse_ms, double max_factor, double relative_margin,
                                   rn_hh_refractory *result)
{
    if (!(max_factor > 1 && max_factor <= 100))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: max factor must be in (1, 100], got %g", max_factor);
    if (!(relative_margin > 0 && relative_margin < max_factor - 1))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: relative margin must be in (0, %g), got %g",
                        max_factor - 1, relative_margin);
    firing_test test;
    rn_stimulus pulse;
    double threshold;
    RN_CHECK(single_pulse_threshold(&test, &pulse, params, integration, pulse_ms, &threshold));
    result->threshold = threshold;
    RN_CHECK(shortest_interval(&test, pulse_ms, 2 * threshold, max_factor * threshold, &result->absolute_ms));
    RN_CHECK(shortest_interval(&test, pulse_ms, 2 * threshold, (1 + relative_margin) * threshold,
                               &result->relative_ms));
    return RN_OK;
}

rn_status rn_hh_recovery_curve(const rn_hh_params *params, const rn_hh_integration *integration, double pulse_ms,
                               double max_factor, const double *intervals_ms, int count, double *thresholds)
{
    firing_test test;
    rn_stimulus pulse;
    double threshold;
    RN_CHECK(single_pulse_threshold(&test, &pulse, params, integration, pulse_ms, &threshold));
    for (int k = 0; k < count; k++) {
        if (!(intervals_ms[k] >= pulse_ms))
            return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: interval %g ms is shorter than the pulse", intervals_ms[k]);
        int spikes;
        double low = 0, high = max_factor * threshold;
        RN_CHECK(two_pulse_spikes(&test, pulse_ms, 2 * threshold, intervals_ms[k], high, &spikes));
        if (spikes < 2) {
            thresholds[k] = INFINITY;
            continue;
        }
        while (high - low > 1e-3 * threshold) {
            double middle = 0.5 * (low + high);
            RN_CHECK(two_pulse_spikes(&test, pulse_ms, 2 * threshold, intervals_ms[k], middle, &spikes));
            if (spikes >= 2) high = middle;
            else low = middle;
        }
        thresholds[k] = 0.5 * (low + high);
    }
    return RN_OK;
}
