/* hh_analysis.h — experiments on the Hodgkin–Huxley neuron: rheobase, onset
 * of repetitive firing, the f–I curve and the refractory periods.
 *
 * Every experiment starts at the resting state and uses the method and dt of
 * `integration` (its duration is set by the experiment).  Current searches
 * test 16 currents per round (two blocks of SIMD lanes, in parallel), which
 * shrinks the bracket 17-fold per round: a bisection with more points.
 */
#ifndef REDES_HH_ANALYSIS_H
#define REDES_HH_ANALYSIS_H

#include "redes/hodgkin_huxley.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Rheobase: the smallest step current (from t = 0, for duration_ms, e.g.
 * 200 ms) that fires at least one spike, to within `tolerance` µA/cm².
 * Modern convention: 2.240 µA/cm². */
rn_status rn_hh_rheobase(const rn_hh_params *params, const rn_hh_integration *integration, double duration_ms,
                         double tolerance, double *rheobase);

/* Onset of repetitive firing: the smallest step current (duration_ms, e.g.
 * 1000 ms) that still fires in the last window_ms (e.g. 200 ms).
 * Modern convention: 6.26 µA/cm². */
rn_status rn_hh_repetitive_onset(const rn_hh_params *params, const rn_hh_integration *integration,
                                 double duration_ms, double window_ms, double tolerance, double *onset);

/* f–I curve: for each current a step of duration_ms; rates_hz[k] = spikes in
 * [rate_from_ms, duration_ms) per second, counts[k] = all spikes (may be NULL),
 * diverged[k] = 1 if the run diverged (may be NULL; its rate is then NaN). */
rn_status rn_hh_fi_curve(const rn_hh_params *params, const rn_hh_integration *integration, const double *currents,
                         int count, double duration_ms, double rate_from_ms, double *rates_hz, int *counts,
                         int *diverged);

/* Refractory periods by two pulses of width pulse_ms, the first at 5 ms with
 * twice the single-pulse threshold, the second `interval` ms after the first
 * (onset to onset).  A second spike is a second upward 0 mV crossing.
 *   absolute_ms  the shortest interval at which a second pulse of
 *                max_factor × threshold can fire a second spike;
 *   relative_ms  the shortest interval at which a second pulse of
 *                (1 + relative_margin) × threshold fires one: after it the
 *                neuron is (almost) as excitable as at rest. */
typedef struct rn_hh_refractory {
    double threshold;   /* single-pulse threshold, µA/cm² */
    double absolute_ms;
    double relative_ms;
} rn_hh_refractory;

rn_status rn_hh_refractory_periods(const rn_hh_params *params, const rn_hh_integration *integration,
                                   double pulse_ms, double max_factor, double relative_margin,
                                   rn_hh_refractory *result);

/* Threshold of the second pulse at each interval (µA/cm²; INFINITY if even
 * max_factor × threshold fails): the recovery of excitability. */
rn_status rn_hh_recovery_curve(const rn_hh_params *params, const rn_hh_integration *integration, double pulse_ms,
                               double max_factor, const double *intervals_ms, int count, double *thresholds);

#ifdef __cplusplus
}
#endif
#endif
