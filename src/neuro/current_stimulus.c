/* current_stimulus.c — pulses, ramps, trains and CSV tables of injected current. */
#define _POSIX_C_SOURCE 200809L
#include "redes/current_stimulus.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void rn_stimulus_init(rn_stimulus *stimulus)
{
    memset(stimulus, 0, sizeof *stimulus);
}

void rn_stimulus_free(rn_stimulus *stimulus)
{
    free(stimulus->times_ms);
    free(stimulus->currents);
    rn_stimulus_init(stimulus);
}

rn_status rn_stimulus_add_ramp(rn_stimulus *stimulus, double start_ms, double duration_ms, double from, double to)
{
    if (!isfinite(start_ms) || !isfinite(duration_ms) || !isfinite(from) || !isfinite(to))
        return rn_error(RN_ERR_ARGUMENT, "stimulus: start, duration and amplitudes must be finite numbers");
    if (!(duration_ms > 0))
        return rn_error(RN_ERR_ARGUMENT, "stimulus: duration must be positive, got %g ms", duration_ms);
    if (stimulus->n_pieces == RN_STIMULUS_MAX_PIECES)
        return rn_error(RN_ERR_ARGUMENT, "stimulus: more than %d pulses", RN_STIMULUS_MAX_PIECES);
    stimulus->pieces[stimulus->n_pieces++] = (rn_stimulus_piece){start_ms, duration_ms, from, to};
    return RN_OK;
}

rn_status rn_stimulus_add_pulse(rn_stimulus *stimulus, double start_ms, double duration_ms, double amplitude)
{
    return rn_stimulus_add_ramp(stimulus, start_ms, duration_ms, amplitude, amplitude);
}

rn_status rn_stimulus_add_train(rn_stimulus *stimulus, double start_ms, double duration_ms, double period_ms,
                                int count, double amplitude)
{
    if (count < 1) return rn_error(RN_ERR_ARGUMENT, "stimulus: a train needs at least one pulse, got %d", count);
    if (!(period_ms >= duration_ms))
        return rn_error(RN_ERR_ARGUMENT, "stimulus: train period %g ms is shorter than the pulse width %g ms",
                        period_ms, duration_ms);
    for (int k = 0; k < count; k++)
        RN_CHECK(rn_stimulus_add_pulse(stimulus, start_ms + k * period_ms, duration_ms, amplitude));
    return RN_OK;
}

/* Parses "a,b" (spaces allowed); returns false if the line is not two numbers. */
static int parse_pair(const char *line, double *a, double *b)
{
    char *end;
    errno = 0;
    *a = strtod(line, &end);
    if (end == line || errno) return 0;
    while (*end == ' ' || *end == '\t') end++;
    if (*end != ',' && *end != ';') return 0;
    const char *second = end + 1;
    *b = strtod(second, &end);
    if (end == second || errno) return 0;
    while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n') end++;
    return *end == '\0' && isfinite(*a) && isfinite(*b);
}

static rn_status table_append(double **times, double **values, int *count, int *capacity, double t, double v)
{
    if (*count == *capacity) {
        int grown = *capacity ? 2 * *capacity : 256;
        double *new_times = realloc(*times, (size_t)grown * sizeof **times);
        if (!new_times) return rn_error(RN_ERR_MEMORY, "stimulus: out of memory");
        *times = new_times;
        double *new_values = realloc(*values, (size_t)grown * sizeof **values);
        if (!new_values) return rn_error(RN_ERR_MEMORY, "stimulus: out of memory");
        *values = new_values;
        *capacity = grown;
    }
    (*times)[*count] = t;
    (*values)[*count] = v;
    (*count)++;
    return RN_OK;
}

static rn_status read_table(FILE *file, const char *path, double **times, double **values, int *count)
{
    char line[1024];
    int capacity = 0, line_number = 0;
    while (fgets(line, sizeof line, file)) {
        line_number++;
        line[strcspn(line, "\r\n")] = '\0';
        char *p = line;
        while (*p == ' ' || *p == '\t') p++;
        if (*p == '#' || *p == '\0') continue;
        double t, v;
        if (!parse_pair(p, &t, &v)) {
            if (*count == 0 && line_number == 1) continue; /* a header such as "time_ms,current" */
            return rn_error(RN_ERR_FORMAT, "%s:%d: expected 'time_ms,current', got '%.40s'", path, line_number,
                            p);
        }
        if (*count > 0 && !(t > (*times)[*count - 1]))
            return rn_error(RN_ERR_FORMAT, "%s:%d: times must increase (%g after %g)", path, line_number, t,
                            (*times)[*count - 1]);
        RN_CHECK(table_append(times, values, count, &capacity, t, v));
    }
    if (ferror(file)) return rn_error(RN_ERR_IO, "%s: read error: %s", path, strerror(errno));
    if (*count == 0) return rn_error(RN_ERR_FORMAT, "%s: no (time, current) rows", path);
    return RN_OK;
}

rn_status rn_stimulus_load_csv(rn_stimulus *stimulus, const char *path)
{
    FILE *file = fopen(path, "r");
    if (!file) return rn_error(RN_ERR_IO, "%s: %s", path, strerror(errno));
    double *times = NULL, *values = NULL;
    int count = 0;
    rn_status status = read_table(file, path, &times, &values, &count);
    fclose(file);
    if (status != RN_OK) {
        free(times);
        free(values);
        return status;
    }
    free(stimulus->times_ms);
    free(stimulus->currents);
    stimulus->times_ms = times;
    stimulus->currents = values;
    stimulus->n_points = count;
    return RN_OK;
}

/* Linear interpolation in the table; zero outside [t_0, t_last]. */
static double table_at(const rn_stimulus *stimulus, double t)
{
    const double *times = stimulus->times_ms;
    int n = stimulus->n_points;
    if (n == 0 || t < times[0] || t > times[n - 1]) return 0.0;
    if (n == 1) return stimulus->currents[0];
    int low = 0, high = n - 1; /* times[low] <= t <= times[high] */
    while (high - low > 1) {
        int middle = (low + high) / 2;
        if (times[middle] <= t) low = middle;
        else high = middle;
    }
    double fraction = (t - times[low]) / (times[high] - times[low]);
    return stimulus->currents[low] + fraction * (stimulus->currents[high] - stimulus->currents[low]);
}

double rn_stimulus_at(const rn_stimulus *stimulus, double t_ms)
{
    double current = 0.0;
    for (int k = 0; k < stimulus->n_pieces; k++) {
        const rn_stimulus_piece *piece = &stimulus->pieces[k];
        double elapsed = t_ms - piece->start_ms;
        if (elapsed < 0 || elapsed >= piece->duration_ms) continue;
        double fraction = elapsed / piece->duration_ms;
        current += piece->amplitude_start + fraction * (piece->amplitude_end - piece->amplitude_start);
    }
    if (stimulus->n_points) current += table_at(stimulus, t_ms);
    return current;
}

double rn_stimulus_onset(const rn_stimulus *stimulus)
{
    double onset = INFINITY;
    for (int k = 0; k < stimulus->n_pieces; k++) {
        const rn_stimulus_piece *piece = &stimulus->pieces[k];
        if (piece->amplitude_start != 0 || piece->amplitude_end != 0)
            onset = fmin(onset, piece->start_ms);
    }
    for (int k = 0; k < stimulus->n_points; k++)
        if (stimulus->currents[k] != 0) {
            /* Interpolation starts rising right after the previous (zero) point. */
            onset = fmin(onset, k > 0 ? stimulus->times_ms[k - 1] : stimulus->times_ms[0]);
            break;
        }
    return isfinite(onset) ? onset : 0.0;
}
