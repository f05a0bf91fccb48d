/* cmd_hh.c — `redes hh`: the Hodgkin–Huxley neuron (chapter 1).
 *
 *   redes hh [run]        one simulation: V, m, h, n and currents as CSV and a plot
 *   redes hh rest         the resting state
 *   redes hh rheobase     smallest step current that fires (200 ms step)
 *   redes hh repetitive   onset of repetitive firing (1 s step, last 200 ms)
 *   redes hh fi           the f–I curve
 *   redes hh refractory   absolute and relative refractory periods (two pulses)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "hh_plots.h"
#include "redes/redes.h"

typedef struct hh_options {
    const char *convention, *method, *stimulus, *csv_path, *pulses, *preset;
    double dt, duration, temperature;
    double current, start, width, period, ramp_to;
    int count, record_every;
    double rate_from;
    double from, to, step;
    double window, tolerance;
    double pulse_width, max_factor, margin;
    bool plot_currents, no_plot;
} hh_options;

/* Results are JSON numbers, or null when not defined (no spike, no divergence). */
static json_t *number_or_null(double value)
{
    return isfinite(value) ? json_real(value) : json_null();
}

/* Every failure of an hh experiment comes from the options: a dt too large
 * for the method (divergence), a temperature that abolishes spikes, currents
 * that never fire.  RN_ERR_NUMERIC is therefore bad input here (exit 2), not
 * an internal failure. */
static int fail_hh(const rn_cli_args *args, rn_status status)
{
    int exit_code = rn_cli_fail_status(args, status);
    return status == RN_ERR_NUMERIC ? 2 : exit_code;
}

/* `--preset course`: the course's notebook, read before the options so
 * that explicit options still win. */
static void apply_preset(int argc, char **argv, hh_options *o)
{
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--preset") == 0 && i + 1 < argc) value = argv[i + 1];
        if (strncmp(argv[i], "--preset=", 9) == 0) value = argv[i] + 9;
        if (value && strcmp(value, "course") == 0) {
            /* 1952 convention, forward Euler, dt 0.01 ms, 50 ms, 2.4 µA/cm² from 10 to 16 ms. */
            o->convention = "1952";
            o->method = "euler";
            o->dt = 0.01;
            o->duration = 50;
            o->current = 2.4;
            o->start = 10;
            o->width = 6;
        }
    }
}

static rn_status build_stimulus(const hh_options *o, double duration, rn_stimulus *stimulus)
{
    rn_stimulus_init(stimulus);
    double width = o->width > 0 ? o->width : duration - o->start;
    if (strcmp(o->stimulus, "step") == 0) {
        if (!(width > 0)) return rn_error(RN_ERR_ARGUMENT, "--start %g is not inside the %g ms run", o->start, duration);
        return rn_stimulus_add_pulse(stimulus, o->start, width, o->current);
    }
    if (strcmp(o->stimulus, "ramp") == 0) {
        if (!(width > 0)) return rn_error(RN_ERR_ARGUMENT, "--start %g is not inside the %g ms run", o->start, duration);
        return rn_stimulus_add_ramp(stimulus, o->start, width, o->current, o->ramp_to);
    }
    if (strcmp(o->stimulus, "train") == 0) {
        double pulse = o->width > 0 ? o->width : 1.0;
        return rn_stimulus_add_train(stimulus, o->start, pulse, o->period, o->count, o->current);
    }
    if (strcmp(o->stimulus, "csv") == 0) {
        if (!o->csv_path || !*o->csv_path) return rn_error(RN_ERR_ARGUMENT, "--stimulus csv needs --csv FILE");
        return rn_stimulus_load_csv(stimulus, o->csv_path);
    }
    /* pulses: "START:WIDTH:AMPLITUDE,START:WIDTH:AMPLITUDE,..." */
    if (!o->pulses || !*o->pulses)
        return rn_error(RN_ERR_ARGUMENT, "--stimulus pulses needs --pulses START:WIDTH:AMP[,...]");
    const char *p = o->pulses;
    while (*p) {
        double start, pulse_width, amplitude;
        int used = 0;
        if (sscanf(p, "%lf:%lf:%lf%n", &start, &pulse_width, &amplitude, &used) != 3)
            return rn_error(RN_ERR_ARGUMENT, "--pulses: expected START:WIDTH:AMP, got '%s'", p);
        RN_CHECK(rn_stimulus_add_pulse(stimulus, start, pulse_width, amplitude));
        p += used;
        if (*p == ',') p++;
        else if (*p) return rn_error(RN_ERR_ARGUMENT, "--pulses: unexpected '%s'", p);
    }
    return RN_OK;
}

static void add_common_json(json_t *json, const char *analysis, const hh_options *o, const rn_hh_params *params)
{
    json_object_set_new(json, "command", json_string("hh"));
    json_object_set_new(json, "analysis", json_string(analysis));
    json_object_set_new(json, "convention", json_string(o->convention));
    json_object_set_new(json, "method", json_string(o->method));
    json_object_set_new(json, "dt_ms", json_real(o->dt));
    json_object_set_new(json, "temperature_C", json_real(params->temperature));
}

/* A picture is a bonus: when it cannot be drawn the run still succeeds and
 * says why.  `base` is FOLDER/NAME; on success it becomes the PNG's path. */
static bool plot_written(const rn_cli_args *args, rn_status drawn, char *base, size_t size)
{
    if (drawn != RN_OK) {
        rn_cli_say(args, "no plot: %s", rn_error_message());
        return false;
    }
    strncat(base, ".png", size - strlen(base) - 1);
    return true;
}

/* ------------------------------------------------------------ redes hh [run] */

/* What one run produced, for the report. */
typedef struct run_result {
    rn_hh_state rest;
    const rn_stimulus *stimulus;
    const rn_hh_spike_detector *spikes;
    rn_hh_outcome outcome;
    double rate_from;
    const char *csv, *plot; /* plot NULL when none was drawn */
} run_result;

static void report_run(const rn_cli_args *args, const hh_options *o, const rn_hh_params *params,
                       const rn_hh_integration *integration, const run_result *r)
{
    const rn_hh_spike_detector *spikes = r->spikes;
    const rn_hh_state *rest = &r->rest;
    bool diverged = r->outcome.divergence != RN_HH_BOUNDED;
    double latency = spikes->count ? spikes->first_time_ms - rn_stimulus_onset(r->stimulus) : NAN;
    if (args->json) {
        json_t *json = json_object();
        add_common_json(json, "run", o, params);
        json_object_set_new(json, "duration_ms", json_real(integration->duration_ms));
        json_object_set_new(json, "rest_mV", json_real(rest->v));
        json_object_set_new(json, "rest_m", json_real(rest->m));
        json_object_set_new(json, "rest_h", json_real(rest->h));
        json_object_set_new(json, "rest_n", json_real(rest->n));
        json_object_set_new(json, "threshold_mV", json_real(spikes->threshold_mv));
        json_object_set_new(json, "peak_mV", number_or_null(spikes->first_peak_mv));
        json_object_set_new(json, "peak_time_ms", number_or_null(spikes->first_peak_time_ms));
        json_object_set_new(json, "max_peak_mV", number_or_null(spikes->max_peak_mv));
        json_object_set_new(json, "first_spike_ms", number_or_null(spikes->first_time_ms));
        json_object_set_new(json, "latency_ms", number_or_null(latency));
        json_object_set_new(json, "n_spikes", json_integer(spikes->count));
        /* A run that stopped early did not cover the rate window: no rate. */
        json_object_set_new(json, "rate_hz", diverged ? json_null() : json_real(spikes->rate_hz));
        json_t *window = json_array();
        json_array_append_new(window, json_real(r->rate_from));
        json_array_append_new(window, json_real(integration->duration_ms));
        json_object_set_new(json, "rate_window_ms", window);
        int stored = spikes->count < spikes->capacity ? spikes->count : spikes->capacity;
        json_object_set_new(json, "spike_times_ms", rn_json_doubles(spikes->times_ms, stored));
        json_object_set_new(json, "diverged", json_boolean(diverged));
        json_object_set_new(json, "diverged_at_ms", number_or_null(r->outcome.diverged_at_ms));
        json_object_set_new(json, "divergence", json_string(rn_hh_divergence_name(r->outcome.divergence)));
        json_object_set_new(json, "csv", json_string(r->csv));
        json_object_set_new(json, "plot", r->plot ? json_string(r->plot) : json_null());
        rn_cli_print_json(json);
        return;
    }
    rn_cli_say(args, "Hodgkin-Huxley (%s convention), %s, dt %g ms, %g ms", o->convention, o->method,
               integration->dt_ms, integration->duration_ms);
    rn_cli_say(args, "rest          V = %.4f mV (m %.4f, h %.4f, n %.4f)", rest->v, rest->m, rest->h, rest->n);
    if (spikes->count)
        rn_cli_say(args, "first spike   %.3f ms after onset, peak %.3f mV at %.3f ms", latency,
                   spikes->first_peak_mv, spikes->first_peak_time_ms);
    if (diverged) {
        rn_cli_say(args, "spikes        %d before the run stopped (no rate)", spikes->count);
        rn_cli_say(args, "DIVERGED      at %.3f ms (%s): dt %g ms is too large for %s; try a smaller --dt, e.g. %g",
                   r->outcome.diverged_at_ms, rn_hh_divergence_name(r->outcome.divergence), integration->dt_ms,
                   o->method, rn_hh_suggested_dt(integration->dt_ms));
    } else {
        rn_cli_say(args, "spikes        %d, rate %.2f Hz over [%g, %g) ms", spikes->count, spikes->rate_hz,
                   r->rate_from, integration->duration_ms);
    }
    rn_cli_say(args, "wrote         %s%s%s", r->csv, r->plot ? " and " : "", r->plot ? r->plot : "");
}

static int command_run(const rn_cli_args *args, const hh_options *o, const rn_hh_params *params,
                       const rn_hh_integration *integration)
{
    if (o->rate_from >= integration->duration_ms)
        return rn_cli_fail(args, "--rate-from %g must be before the end of the run (%g ms)", o->rate_from,
                           integration->duration_ms);
    run_result r = {.rate_from = o->rate_from >= 0 ? o->rate_from : 0.5 * integration->duration_ms};
    rn_status status = rn_hh_resting_state(params, &r.rest);
    if (status != RN_OK) return fail_hh(args, status);
    /* Everything below is released at the one exit. */
    rn_stimulus stimulus;
    rn_hh_trace trace = {0};
    enum { MAX_SPIKES = 100000 };
    double *times = malloc(MAX_SPIKES * sizeof *times), *peaks = malloc(MAX_SPIKES * sizeof *peaks);
    status = build_stimulus(o, integration->duration_ms, &stimulus);
    if (status == RN_OK) status = rn_hh_trace_alloc(&trace, integration, o->record_every);
    rn_hh_spike_detector spikes;
    rn_hh_spikes_init(&spikes, rn_hh_spike_threshold(params), r.rate_from, integration->duration_ms);
    spikes.capacity = times && peaks ? MAX_SPIKES : 0;
    spikes.times_ms = times;
    spikes.peaks_mv = peaks;
    if (status == RN_OK) status = rn_hh_simulate(params, integration, &r.rest, &stimulus, &trace, &spikes, &r.outcome);
    char folder[4096] = "", csv[4200] = "", plot[4200] = "";
    if (status == RN_OK) status = rn_cli_out_dir(args, folder, sizeof folder);
    if (status == RN_OK) {
        snprintf(csv, sizeof csv, "%s/hh.csv", folder);
        status = rn_hh_trace_write_csv(&trace, csv);
    }
    bool plotted = false;
    if (status == RN_OK && !o->no_plot) {
        snprintf(plot, sizeof plot, "%s/hh", folder);
        plotted = plot_written(args, hh_plot_trace(&trace, o->plot_currents, o->convention, plot), plot, sizeof plot);
    }
    int exit_code = 0;
    if (status == RN_OK) {
        r.stimulus = &stimulus;
        r.spikes = &spikes;
        r.csv = csv;
        r.plot = plotted ? plot : NULL;
        report_run(args, o, params, integration, &r);
    } else {
        exit_code = fail_hh(args, status);
    }
    free(times), free(peaks);
    rn_hh_trace_free(&trace);
    rn_stimulus_free(&stimulus);
    return exit_code;
}

/* ------------------------------------------------------------ analyses */

static int command_rest(const rn_cli_args *args, const hh_options *o, const rn_hh_params *params)
{
    rn_hh_state rest;
    rn_status status = rn_hh_resting_state(params, &rest);
    if (status != RN_OK) return fail_hh(args, status);
    rn_hh_currents currents = rn_hh_currents_at(params, &rest);
    if (args->json) {
        json_t *json = json_object();
        add_common_json(json, "rest", o, params);
        json_object_set_new(json, "rest_mV", json_real(rest.v));
        json_object_set_new(json, "m", json_real(rest.m));
        json_object_set_new(json, "h", json_real(rest.h));
        json_object_set_new(json, "n", json_real(rest.n));
        json_object_set_new(json, "I_Na", json_real(currents.sodium));
        json_object_set_new(json, "I_K", json_real(currents.potassium));
        json_object_set_new(json, "I_L", json_real(currents.leak));
        rn_cli_print_json(json);
    } else {
        rn_cli_say(args, "rest V = %.6f mV, m = %.6f, h = %.6f, n = %.6f", rest.v, rest.m, rest.h, rest.n);
        rn_cli_say(args, "     I_Na = %.6f, I_K = %.6f, I_L = %.6f µA/cm² (they cancel)", currents.sodium,
                   currents.potassium, currents.leak);
    }
    return 0;
}

static int command_threshold(const rn_cli_args *args, const hh_options *o, const rn_hh_params *params,
                             const rn_hh_integration *integration, bool repetitive)
{
    double duration = o->duration > 0 ? o->duration : (repetitive ? 1000.0 : 200.0);
    double value;
    rn_status status = repetitive ? rn_hh_repetitive_onset(params, integration, duration, o->window, o->tolerance, &value)
                                  : rn_hh_rheobase(params, integration, duration, o->tolerance, &value);
    if (status != RN_OK) return fail_hh(args, status);
    const char *name = repetitive ? "onset" : "rheobase";
    if (args->json) {
        json_t *json = json_object();
        add_common_json(json, name, o, params);
        json_object_set_new(json, name, json_real(value));
        json_object_set_new(json, "duration_ms", json_real(duration));
        if (repetitive) json_object_set_new(json, "window_ms", json_real(o->window));
        json_object_set_new(json, "tolerance", json_real(o->tolerance));
        rn_cli_print_json(json);
    } else if (repetitive) {
        rn_cli_say(args, "onset of repetitive firing: %.4f µA/cm² (still firing in the last %g ms of a %g ms step)",
                   value, o->window, duration);
    } else {
        rn_cli_say(args, "rheobase: %.4f µA/cm² (smallest %g ms step that fires a spike)", value, duration);
    }
    return 0;
}

static rn_status write_fi_csv(const char *path, const double *currents, const double *rates, const int *counts,
                              int n)
{
    char temporary[4300];
    snprintf(temporary, sizeof temporary, "%s.tmp", path);
    FILE *file = fopen(temporary, "w");
    if (!file) return rn_error(RN_ERR_IO, "%s: cannot write", temporary);
    fprintf(file, "current,rate_hz,n_spikes\n");
    for (int k = 0; k < n; k++) fprintf(file, "%.10g,%.10g,%d\n", currents[k], rates[k], counts[k]);
    if (fclose(file) != 0 || rename(temporary, path) != 0) return rn_error(RN_ERR_IO, "%s: write failed", path);
    return RN_OK;
}

static int command_fi(const rn_cli_args *args, const hh_options *o, const rn_hh_params *params,
                      const rn_hh_integration *integration)
{
    if (o->to < o->from) return rn_cli_fail(args, "--from %g must not be above --to %g", o->from, o->to);
    int n = (int)floor((o->to - o->from) / o->step + 1e-9) + 1;
    if (n > 100000) return rn_cli_fail(args, "too many currents (%d); raise --step", n);
    double duration = o->duration > 0 ? o->duration : 1000.0;
    double rate_from = o->rate_from >= 0 ? o->rate_from : 0.5 * duration;
    double *currents = malloc((size_t)n * sizeof *currents), *rates = malloc((size_t)n * sizeof *rates);
    int *counts = malloc((size_t)n * sizeof *counts), *diverged = malloc((size_t)n * sizeof *diverged);
    rn_status status = currents && rates && counts && diverged ? RN_OK : rn_error(RN_ERR_MEMORY, "out of memory");
    for (int k = 0; status == RN_OK && k < n; k++) currents[k] = o->from + k * o->step;
    double started = rn_seconds();
    if (status == RN_OK)
        status = rn_hh_fi_curve(params, integration, currents, n, duration, rate_from, rates, counts, diverged);
    double seconds = rn_seconds() - started;
    /* A curve with holes is no f-I curve: a divergence anywhere means the
     * step is too large, as in the searches. */
    int first_diverged = -1, n_diverged = 0;
    for (int k = 0; status == RN_OK && k < n; k++)
        if (diverged[k]) {
            if (first_diverged < 0) first_diverged = k;
            n_diverged++;
        }
    if (first_diverged >= 0)
        status = rn_error(RN_ERR_NUMERIC,
                          "hodgkin-huxley: dt %g ms is too large for %s: the simulation diverged for %d of %d "
                          "currents (first at %g µA/cm²); use a smaller dt, e.g. %g ms",
                          integration->dt_ms, o->method, n_diverged, n, currents[first_diverged],
                          rn_hh_suggested_dt(integration->dt_ms));
    char folder[4096], csv[4200], plot[4200];
    bool plotted = false;
    if (status == RN_OK) status = rn_cli_out_dir(args, folder, sizeof folder);
    if (status == RN_OK) {
        snprintf(csv, sizeof csv, "%s/fi.csv", folder);
        status = write_fi_csv(csv, currents, rates, counts, n);
    }
    if (status == RN_OK && !o->no_plot) {
        snprintf(plot, sizeof plot, "%s/fi", folder);
        plotted = plot_written(args, hh_plot_fi(currents, rates, n, plot), plot, sizeof plot);
    }
    int exit_code = 0;
    if (status != RN_OK) {
        exit_code = fail_hh(args, status);
    } else if (args->json) {
        json_t *json = json_object();
        add_common_json(json, "fi", o, params);
        json_object_set_new(json, "duration_ms", json_real(duration));
        json_object_set_new(json, "rate_from_ms", json_real(rate_from));
        json_object_set_new(json, "current", rn_json_doubles(currents, n));
        json_t *rate_array = json_array();
        for (int k = 0; k < n; k++) json_array_append_new(rate_array, number_or_null(rates[k]));
        json_object_set_new(json, "rate_hz", rate_array);
        json_object_set_new(json, "n_spikes", rn_json_ints(counts, n));
        json_object_set_new(json, "diverged", rn_json_ints(diverged, n));
        json_object_set_new(json, "seconds", json_real(seconds));
        json_object_set_new(json, "csv", json_string(csv));
        json_object_set_new(json, "plot", plotted ? json_string(plot) : json_null());
        rn_cli_print_json(json);
    } else {
        rn_cli_say(args, "f-I curve: %d currents, %g ms steps, rate over [%g, %g) ms (%.3f s)", n, duration, rate_from,
                   duration, seconds);
        for (int k = 0; k < n; k++)
            rn_cli_say(args, "  I = %8.3f µA/cm²  %7.2f Hz", currents[k], rates[k]);
        rn_cli_say(args, "wrote %s%s%s", csv, plotted ? " and " : "", plotted ? plot : "");
    }
    free(currents), free(rates), free(counts), free(diverged);
    return exit_code;
}

static int command_refractory(const rn_cli_args *args, const hh_options *o, const rn_hh_params *params,
                              const rn_hh_integration *integration)
{
    /* The relative period ends where a second pulse of (1 + margin) x threshold
     * fires, so that pulse must be weaker than the strongest one tried. */
    if (1 + o->margin >= o->max_factor)
        return rn_cli_fail(args, "--margin %g must be below --max-factor - 1 (%g)", o->margin, o->max_factor - 1);
    rn_hh_refractory result;
    rn_status status =
        rn_hh_refractory_periods(params, integration, o->pulse_width, o->max_factor, o->margin, &result);
    if (status != RN_OK) return fail_hh(args, status);
    /* The recovery curve: second-pulse threshold against the interval. */
    enum { N_INTERVALS = 40 };
    double intervals[N_INTERVALS], thresholds[N_INTERVALS];
    for (int k = 0; k < N_INTERVALS; k++) intervals[k] = o->pulse_width + 0.75 * (k + 1);
    status = rn_hh_recovery_curve(params, integration, o->pulse_width, o->max_factor, intervals, N_INTERVALS,
                                  thresholds);
    char folder[4096], plot[4200];
    bool plotted = false;
    if (status == RN_OK) status = rn_cli_out_dir(args, folder, sizeof folder);
    if (status != RN_OK) return fail_hh(args, status);
    if (!o->no_plot) {
        snprintf(plot, sizeof plot, "%s/refractory", folder);
        plotted = plot_written(args, hh_plot_recovery(intervals, thresholds, N_INTERVALS, &result, plot), plot,
                               sizeof plot);
    }
    if (args->json) {
        json_t *json = json_object();
        add_common_json(json, "refractory", o, params);
        json_object_set_new(json, "pulse_ms", json_real(o->pulse_width));
        json_object_set_new(json, "threshold", json_real(result.threshold));
        json_object_set_new(json, "absolute_ms", json_real(result.absolute_ms));
        json_object_set_new(json, "relative_ms", json_real(result.relative_ms));
        json_object_set_new(json, "max_factor", json_real(o->max_factor));
        json_object_set_new(json, "margin", json_real(o->margin));
        json_object_set_new(json, "intervals_ms", rn_json_doubles(intervals, N_INTERVALS));
        json_t *array = json_array();
        for (int k = 0; k < N_INTERVALS; k++) json_array_append_new(array, number_or_null(thresholds[k]));
        json_object_set_new(json, "second_threshold", array);
        json_object_set_new(json, "plot", plotted ? json_string(plot) : json_null());
        rn_cli_print_json(json);
    } else {
        rn_cli_say(args, "single %g ms pulse threshold: %.4f µA/cm²", o->pulse_width, result.threshold);
        rn_cli_say(args, "absolute refractory period: %.3f ms (no second spike even at %g x threshold)",
                   result.absolute_ms, o->max_factor);
        rn_cli_say(args, "relative refractory period: %.3f ms (second pulse needs more than %g x threshold)",
                   result.relative_ms, 1 + o->margin);
        if (plotted) rn_cli_say(args, "wrote %s", plot);
    }
    return 0;
}

int rn_cmd_hh(int argc, char **argv)
{
    hh_options o = {.convention = "modern", .method = "rk4", .stimulus = "step", .dt = 0.01, .duration = 0,
                    .temperature = 6.3, .current = 10, .start = 0, .width = 0, .period = 10, .ramp_to = 20,
                    .count = 5, .record_every = 1, .rate_from = -1, .from = 0, .to = 60, .step = 1,
                    .window = 200, .tolerance = 1e-4, .pulse_width = 1, .max_factor = 5, .margin = 0.05};
    apply_preset(argc, argv, &o);
    const rn_cli_option options[] = {
        {"model and integration", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL},
        {"convention", RN_OPT_CHOICE, &o.convention, "modern (rest -65 mV) or 1952 (V from rest)", 0, 0, "modern|1952"},
        {"method", RN_OPT_CHOICE, &o.method, "integrator", 0, 0, "euler|rk4|exponential"},
        {"dt", RN_OPT_DOUBLE, &o.dt,
         "time step, ms (euler diverges above about 0.07, rk4 above 0.09; exponential stays bounded but loses "
         "accuracy)", 1e-6, 10,
         NULL},
        {"duration", RN_OPT_DOUBLE, &o.duration,
         "simulated ms (default 0: 100 for run, 200 rheobase, 1000 repetitive and fi)", 0, 1e7, NULL},
        {"temperature", RN_OPT_DOUBLE, &o.temperature, "temperature, °C (rates x 3^((T-6.3)/10))", -50, 100, NULL},
        {"preset", RN_OPT_CHOICE, &o.preset, "the course notebook: 1952, euler, dt 0.01, 50 ms, 2.4 µA/cm² from 10 to 16 ms", 0, 0,
         "course"},
        {"stimulus (run)", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL},
        {"stimulus", RN_OPT_CHOICE, &o.stimulus, "injected current", 0, 0, "step|pulses|train|ramp|csv"},
        {"current", RN_OPT_DOUBLE, &o.current, "amplitude, µA/cm² (step, train; ramp start)", -1e4, 1e4, NULL},
        {"start", RN_OPT_DOUBLE, &o.start, "stimulus onset, ms", 0, 1e7, NULL},
        {"width", RN_OPT_DOUBLE, &o.width, "step/ramp length or train pulse width, ms (default 0: to the end; 1 for trains)",
         0, 1e7, NULL},
        {"period", RN_OPT_DOUBLE, &o.period, "train period, ms", 1e-6, 1e7, NULL},
        {"count", RN_OPT_INT, &o.count, "pulses in a train", 1, RN_STIMULUS_MAX_PIECES, NULL},
        {"ramp-to", RN_OPT_DOUBLE, &o.ramp_to, "ramp end amplitude, µA/cm²", -1e4, 1e4, NULL},
        {"pulses", RN_OPT_STRING, &o.pulses, "pulses START:WIDTH:AMP,... (ms, ms, µA/cm²)", 0, 0, "LIST"},
        {"csv", RN_OPT_STRING, &o.csv_path, "stimulus table: time_ms,current per line", 0, 0, "FILE"},
        {"output (run)", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL},
        {"record-every", RN_OPT_INT, &o.record_every, "keep every N-th step in the CSV and plot", 1, 1000000, NULL},
        {"rate-from", RN_OPT_DOUBLE, &o.rate_from, "rate window start, ms (default: half the run)", 0, 1e7, NULL},
        {"plot-currents", RN_OPT_FLAG, &o.plot_currents, "add a panel with I_Na, I_K, I_L", 0, 0, NULL},
        {"no-plot", RN_OPT_FLAG, &o.no_plot, "write the CSV only", 0, 0, NULL},
        {"analyses", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL},
        {"from", RN_OPT_DOUBLE, &o.from, "fi: first current, µA/cm²", -1e4, 1e4, NULL},
        {"to", RN_OPT_DOUBLE, &o.to, "fi: last current, µA/cm²", -1e4, 1e4, NULL},
        {"step", RN_OPT_DOUBLE, &o.step, "fi: current step, µA/cm²", 1e-6, 1e4, NULL},
        {"window", RN_OPT_DOUBLE, &o.window, "repetitive: must still fire in the last X ms", 1e-3, 1e7, NULL},
        {"tolerance", RN_OPT_DOUBLE, &o.tolerance, "rheobase/repetitive: current tolerance, µA/cm²", 1e-9, 10, NULL},
        {"pulse-width", RN_OPT_DOUBLE, &o.pulse_width, "refractory: pulse width, ms", 1e-3, 50, NULL},
        {"max-factor", RN_OPT_DOUBLE, &o.max_factor, "refractory: strongest second pulse, x threshold", 1.01, 100,
         NULL},
        {"margin", RN_OPT_DOUBLE, &o.margin, "refractory: relative period ends when 1+margin x threshold fires",
         1e-4, 10, NULL},
        {0}};
    const rn_cli_spec spec = {"hh", "[run|rest|rheobase|repetitive|fi|refractory] [options]",
                              "The Hodgkin-Huxley neuron (chapter 1): simulate a stimulus and write V, m, h, n and "
                              "the ionic currents (CSV + plot), or run an analysis: rest (the resting state), rheobase (the "
                              "smallest 200 ms step that fires), repetitive (the onset of repetitive firing), fi (the "
                              "f-I curve) or refractory (absolute and relative refractory periods). Units: ms, mV, "
                              "µA/cm².",
                              options, 0, 1};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;

    const char *analysis = args.n_positional ? args.positional[0] : "run";
    rn_hh_params params = rn_hh_default_params(strcmp(o.convention, "1952") == 0 ? RN_HH_1952 : RN_HH_MODERN);
    params.temperature = o.temperature;
    rn_hh_integration integration = rn_hh_default_integration();
    if (rn_hh_method_parse(o.method, &integration.method) != RN_OK) return rn_cli_fail_status(&args, RN_ERR_ARGUMENT);
    integration.dt_ms = o.dt;
    integration.duration_ms = o.duration > 0 ? o.duration : 100.0;

    if (strcmp(analysis, "rest") == 0) return command_rest(&args, &o, &params);
    /* Stable is not accurate: exponential Euler stays bounded at any dt, but
     * its rheobase is 2.33 µA/cm² at dt 0.1 ms, 2.82 at 0.5 and 44 at 5
     * (2.240 at 0.01).  Say so instead of printing such numbers silently. */
    if (o.dt > 0.1)
        rn_cli_say(&args, "note: dt %g ms is coarse for a spike about 1 ms wide; results depend on dt (0.01 ms is "
                          "accurate)", o.dt);
    if (strcmp(analysis, "run") == 0) return command_run(&args, &o, &params, &integration);
    if (strcmp(analysis, "rheobase") == 0) return command_threshold(&args, &o, &params, &integration, false);
    if (strcmp(analysis, "repetitive") == 0) return command_threshold(&args, &o, &params, &integration, true);
    if (strcmp(analysis, "fi") == 0) return command_fi(&args, &o, &params, &integration);
    if (strcmp(analysis, "refractory") == 0) return command_refractory(&args, &o, &params, &integration);
    return rn_cli_fail(&args, "unknown analysis '%s' (run, rest, rheobase, repetitive, fi or refractory)", analysis);
}
