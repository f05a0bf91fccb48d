/* current_stimulus.h — injected current I(t) in µA/cm² for neuron models.
 *
 * A stimulus is a sum of pieces, each zero outside its interval:
 *   pulse   amplitude A on  start <= t < start + duration       (a step is one long pulse)
 *   ramp    linear from A0 at t = start to A1 at t = start + duration
 *   train   `count` pulses of width `duration`, one every `period` ms
 *   table   a (time, current) series read from CSV, linearly interpolated between
 *           its points and zero outside [first time, last time]
 *
 *   rn_stimulus stimulus;
 *   rn_stimulus_init(&stimulus);
 *   rn_stimulus_add_pulse(&stimulus, 10.0, 6.0, 2.4);     // 2.4 µA/cm² from 10 to 16 ms
 *   double current = rn_stimulus_at(&stimulus, 12.0);     // 2.4
 *   rn_stimulus_free(&stimulus);
 */
#ifndef REDES_CURRENT_STIMULUS_H
#define REDES_CURRENT_STIMULUS_H

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RN_STIMULUS_MAX_PIECES = 256 };

/* One pulse or ramp: amplitude_start at t = start, amplitude_end just before
 * start + duration (equal for a rectangular pulse). */
typedef struct rn_stimulus_piece {
    double start_ms, duration_ms;
    double amplitude_start, amplitude_end; /* µA/cm² */
} rn_stimulus_piece;

typedef struct rn_stimulus {
    int n_pieces;
    rn_stimulus_piece pieces[RN_STIMULUS_MAX_PIECES];
    /* Table from CSV (owned; NULL when none), times strictly increasing. */
    int n_points;
    double *times_ms, *currents;
} rn_stimulus;

void rn_stimulus_init(rn_stimulus *stimulus);
void rn_stimulus_free(rn_stimulus *stimulus);

/* duration_ms <= 0 is an error; so are non-finite values. */
rn_status rn_stimulus_add_pulse(rn_stimulus *stimulus, double start_ms, double duration_ms, double amplitude);
rn_status rn_stimulus_add_ramp(rn_stimulus *stimulus, double start_ms, double duration_ms, double from,
                               double to);
/* count pulses of width duration_ms at start, start + period, ...; needs period >= duration. */
rn_status rn_stimulus_add_train(rn_stimulus *stimulus, double start_ms, double duration_ms, double period_ms,
                                int count, double amplitude);
/* Reads "time_ms,current" lines (an optional header line of text, '#'
 * comments and blank lines allowed); times must increase strictly.  Replaces
 * any earlier table. */
rn_status rn_stimulus_load_csv(rn_stimulus *stimulus, const char *path);

/* I(t) in µA/cm². */
double rn_stimulus_at(const rn_stimulus *stimulus, double t_ms);
/* Time of the first non-zero piece or table point (0 if empty): the onset
 * from which latencies are measured. */
double rn_stimulus_onset(const rn_stimulus *stimulus);

#ifdef __cplusplus
}
#endif
#endif
