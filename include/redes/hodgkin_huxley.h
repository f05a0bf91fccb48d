/* hodgkin_huxley.h — the Hodgkin–Huxley (1952) model of the squid giant axon.
 *
 * The membrane is a capacitor C_m in parallel with three conductances:
 *
 *   C_m dV/dt = I(t) − g_Na m³ h (V − E_Na) − g_K n⁴ (V − E_K) − g_L (V − E_L)
 *   dx/dt     = φ [α_x(u) (1 − x) − β_x(u) x]          for x = m, h, n
 *   φ         = 3^((T − 6.3)/10)                        (temperature factor, Q10 = 3)
 *
 * with u = V − V_ref the potential relative to rest in which the rates were
 * fitted (ms⁻¹, u in mV):
 *
 *   α_n = 0.01 (10 − u) / (exp((10 − u)/10) − 1)        β_n = 0.125 exp(−u/80)
 *   α_m = 0.1  (25 − u) / (exp((25 − u)/10) − 1)        β_m = 4 exp(−u/18)
 *   α_h = 0.07 exp(−u/20)                               β_h = 1 / (exp((30 − u)/10) + 1)
 *
 * α_n and α_m are 0/0 at u = 10 and u = 25 (modern V = −55 and −40 mV); they
 * are computed as 0.1·x/(eˣ − 1) and x/(eˣ − 1), x = (10 − u)/10 or (25 − u)/10,
 * with their Taylor series (to x⁸) for |x| < 0.1, so they are exact
 * (limits 0.1 and 1 ms⁻¹) everywhere.
 *
 * Two conventions, same dynamics:
 *   modern  V_ref = −65 mV: E_Na = 50, E_K = −77, E_L = −54.387 mV
 *   1952    V_ref =   0   (V is the depolarisation from rest, the course's
 *           convention): E_Na = 115, E_K = −12, E_L = 10.613 mV
 *   both: g_Na = 120, g_K = 36, g_L = 0.3 mS/cm², C_m = 1 µF/cm².
 * Units: ms, mV, µA/cm², mS/cm², µF/cm².
 */
#ifndef REDES_HODGKIN_HUXLEY_H
#define REDES_HODGKIN_HUXLEY_H

#include <stdbool.h>

#include "redes/current_stimulus.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_hh_convention { RN_HH_MODERN, RN_HH_1952 } rn_hh_convention;

typedef struct rn_hh_params {
    double capacitance;                      /* C_m, µF/cm² */
    double g_sodium, g_potassium, g_leak;    /* maximal conductances, mS/cm² */
    double e_sodium, e_potassium, e_leak;    /* reversal potentials, mV */
    double v_reference;                      /* V_ref: u = V − V_ref in the rates, mV */
    double temperature;                      /* T, °C (6.3 gives φ = 1) */
} rn_hh_params;

/* The standard parameters of a convention (T = 6.3 °C). */
rn_hh_params rn_hh_default_params(rn_hh_convention convention);
/* φ = 3^((T − 6.3)/10). */
double rn_hh_temperature_factor(const rn_hh_params *params);
/* RN_ERR_ARGUMENT unless C_m > 0, conductances >= 0 and everything finite. */
rn_status rn_hh_check_params(const rn_hh_params *params);

typedef struct rn_hh_state {
    double v;       /* membrane potential, mV */
    double m, h, n; /* gating variables in [0, 1] */
} rn_hh_state;

typedef struct rn_hh_rates {
    double alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n; /* ms⁻¹, φ included */
} rn_hh_rates;

void rn_hh_rates_at(const rn_hh_params *params, double v, rn_hh_rates *rates);
/* Steady-state gates x∞ = α/(α + β) at v (with `v` copied into the state). */
rn_hh_state rn_hh_steady_state_at(const rn_hh_params *params, double v);

/* Ionic currents, µA/cm² (positive = outward). */
typedef struct rn_hh_currents {
    double sodium, potassium, leak; /* I_Na = g_Na m³h (V − E_Na), I_K = g_K n⁴ (V − E_K), I_L */
} rn_hh_currents;
rn_hh_currents rn_hh_currents_at(const rn_hh_params *params, const rn_hh_state *state);

/* Time derivative of the state under injected current `current`. */
rn_hh_state rn_hh_derivative(const rn_hh_params *params, const rn_hh_state *state, double current);

/* The resting state: V with I_Na + I_K + I_L = 0 at the steady-state gates
 * (no input), found by bisection on [E_K, E_Na] to machine precision.
 * Modern convention: V = −64.996 mV, m = 0.0530, h = 0.5960, n = 0.3177. */
rn_status rn_hh_resting_state(const rn_hh_params *params, rn_hh_state *rest);

/* ------------------------------------------------------------ integration */

typedef enum rn_hh_method {
    RN_HH_EULER,      /* forward Euler: y += dt·f(y) (the course's method; diverges for dt >= 0.08 ms) */
    RN_HH_RK4,        /* classical Runge–Kutta, 4th order */
    RN_HH_EXPONENTIAL /* exponential Euler: each variable exact for the others frozen */
} rn_hh_method;

/* "euler", "rk4", "exponential" */
const char *rn_hh_method_name(rn_hh_method method);
rn_status rn_hh_method_parse(const char *name, rn_hh_method *method);

typedef struct rn_hh_integration {
    rn_hh_method method;
    double dt_ms;       /* time step */
    double duration_ms; /* simulated time; steps = round(duration / dt) */
    double v_bound_mv;  /* |V| beyond this is divergence (default 1000 mV) */
} rn_hh_integration;

rn_hh_integration rn_hh_default_integration(void); /* RK4, dt 0.01 ms, 100 ms, bound 1000 mV */

/* Why a simulation stopped early. */
typedef enum rn_hh_divergence {
    RN_HH_BOUNDED = 0,
    RN_HH_NOT_FINITE,     /* NaN or infinity in the state */
    RN_HH_VOLTAGE_BOUND,  /* |V| > v_bound_mv */
    RN_HH_GATE_OUT_OF_RANGE /* a gate left [0, 1] */
} rn_hh_divergence;

const char *rn_hh_divergence_name(rn_hh_divergence reason);

/* A time step to suggest when `dt_ms` diverged: 0.01 ms (the default, stable
 * for all three methods), or dt / 10 when dt is already that small. */
double rn_hh_suggested_dt(double dt_ms);

/* Spike detection, fed one step at a time.  A spike is an upward crossing of
 * threshold_mv (0 mV by default; its time interpolated linearly between steps);
 * its peak is the vertex of the parabola through the three samples around the
 * maximum.  count_in_window counts spikes with window_start <= t < window_end;
 * rate_hz = count_in_window / window length. */
typedef struct rn_hh_spike_detector {
    /* settings */
    double threshold_mv;
    double window_start_ms, window_end_ms;
    int capacity;         /* size of the optional buffers below (0 = none) */
    double *times_ms;     /* crossing time of each spike (first `capacity`) */
    double *peaks_mv;     /* peak of each spike (NaN until found) */
    /* results */
    int count, count_in_window;
    double first_time_ms; /* NaN without spikes */
    double first_peak_mv; /* NaN without spikes */
    double first_peak_time_ms;
    double max_peak_mv;   /* NaN without spikes */
    double rate_hz;
    /* tracking (private) */
    double v_prev2, v_prev, t_prev;
    int samples;
    bool rising_spike;
} rn_hh_spike_detector;

/* The usual spike threshold: 0 mV in the modern convention, which is
 * V_ref + 65 mV (65 mV above rest in the 1952 convention). */
double rn_hh_spike_threshold(const rn_hh_params *params);
/* Rate window [window_start, window_end); no buffers. */
void rn_hh_spikes_init(rn_hh_spike_detector *spikes, double threshold_mv, double window_start_ms,
                       double window_end_ms);
/* Clears the results (keeps the settings and buffers). */
void rn_hh_spikes_reset(rn_hh_spike_detector *spikes);
/* Feeds the sample V(t); samples come at increasing times. */
void rn_hh_spikes_observe(rn_hh_spike_detector *spikes, double t_ms, double v_mv);

/* A recorded trajectory: every `every`-th step (and t = 0). */
typedef struct rn_hh_trace {
    int capacity, count, every;
    double *t, *v, *m, *h, *n;                       /* ms, mV, gates */
    double *i_sodium, *i_potassium, *i_leak, *i_stim; /* µA/cm² */
} rn_hh_trace;

/* Allocates room for a whole run: steps/every + 1 samples. */
rn_status rn_hh_trace_alloc(rn_hh_trace *trace, const rn_hh_integration *integration, int every);
void rn_hh_trace_free(rn_hh_trace *trace);
/* Writes t_ms,V_mV,m,h,n,I_Na,I_K,I_L,I_stim as CSV (atomically). */
rn_status rn_hh_trace_write_csv(const rn_hh_trace *trace, const char *path);

typedef struct rn_hh_outcome {
    rn_hh_divergence divergence; /* RN_HH_BOUNDED if the run finished */
    double diverged_at_ms;       /* NaN if bounded */
    long steps;                  /* steps taken */
    rn_hh_state final_state;     /* last finite state */
} rn_hh_outcome;

/* Sets and returns the error for a run that diverged (RN_ERR_NUMERIC):
 *   "hodgkin-huxley: dt 10 ms is too large for rk4: the simulation diverged
 *    at 40 ms (voltage beyond bound); use a smaller dt, e.g. 0.01 ms"
 * The experiments of hh_analysis.h return it when one of their runs diverges. */
rn_status rn_hh_divergence_error(const rn_hh_integration *integration, const rn_hh_outcome *outcome);

/* Integrates from `initial` under `stimulus` for integration->duration_ms.
 * trace and spikes may be NULL.  Divergence is a result, not an error: the run
 * stops, outcome->divergence says why and when, and the function returns
 * RN_OK.  Errors: RN_ERR_ARGUMENT for bad parameters, dt or duration. */
rn_status rn_hh_simulate(const rn_hh_params *params, const rn_hh_integration *integration,
                         const rn_hh_state *initial, const rn_stimulus *stimulus, rn_hh_trace *trace,
                         rn_hh_spike_detector *spikes, rn_hh_outcome *outcome);

/* `count` neurons at once, neuron k driven by scales[k] · stimulus(t) (e.g. a
 * unit step scaled to each current of an f–I curve).  Neurons run in SIMD
 * lanes and lane blocks in OpenMP threads.  spikes[k] must be initialised
 * (rn_hh_spikes_init); outcomes may be NULL. */
rn_status rn_hh_simulate_scaled(const rn_hh_params *params, const rn_hh_integration *integration,
                                const rn_hh_state *initial, const rn_stimulus *stimulus,
                                const double *scales, int count, rn_hh_spike_detector *spikes,
                                rn_hh_outcome *outcomes);

#ifdef __cplusplus
}
#endif
#endif
