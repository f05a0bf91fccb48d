/* hodgkin_huxley.c — the Hodgkin–Huxley membrane, its rates and three integrators.
 *
 * The hot path steps RN_HH_LANES neurons at once: one SIMD lane per neuron,
 * the rates computed with an inlined exp (below) so the compiler can
 * vectorise the whole step; each evaluation of the six rates costs two
 * exponentials and one division (see hh_rates).  rn_hh_simulate is
 * the same code with one neuron.
 */
#define _POSIX_C_SOURCE 200809L
#include "redes/hodgkin_huxley.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef _OPENMP
#define RN_PRAGMA(x) _Pragma(#x)
#define RN_SIMD RN_PRAGMA(omp simd)
#define RN_SIMD_REDUCE_OR(x) RN_PRAGMA(omp simd reduction(| : x))
#else
#define RN_SIMD
#define RN_SIMD_REDUCE_OR(x)
#endif
/* The lane loops vectorise only if everything they call is inlined. */
#define HH_INLINE static inline __attribute__((always_inline))

/* ------------------------------------------------------------ parameters */

rn_hh_params rn_hh_default_params(rn_hh_convention convention)
{
    /* Hodgkin & Huxley (1952), J. Physiol. 117:500, table 3; E_L chosen so
     * that the resting potential is V_ref (to 4 µV). */
    rn_hh_params params = {.capacitance = 1.0, .g_sodium = 120.0, .g_potassium = 36.0, .g_leak = 0.3,
                           .temperature = 6.3};
    if (convention == RN_HH_1952) {
        params.e_sodium = 115.0;
        params.e_potassium = -12.0;
        params.e_leak = 10.613;
        params.v_reference = 0.0;
    } else {
        params.e_sodium = 50.0;
        params.e_potassium = -77.0;
        params.e_leak = -54.387;
        params.v_reference = -65.0;
    }
    return params;
}

double rn_hh_temperature_factor(const rn_hh_params *params)
{
    return pow(3.0, (params->temperature - 6.3) / 10.0);
}

rn_status rn_hh_check_params(const rn_hh_params *p)
{
    const double values[] = {p->capacitance, p->g_sodium, p->g_potassium, p->g_leak, p->e_sodium,
                             p->e_potassium, p->e_leak,   p->v_reference, p->temperature};
    for (size_t k = 0; k < sizeof values / sizeof values[0]; k++)
        if (!isfinite(values[k])) return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: parameters must be finite");
    if (!(p->capacitance > 0))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: capacitance must be positive, got %g", p->capacitance);
    if (p->g_sodium < 0 || p->g_potassium < 0 || p->g_leak < 0)
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: conductances must be >= 0");
    if (p->temperature < -50 || p->temperature > 100)
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: temperature %g °C is out of [-50, 100]",
                        p->temperature);
    return RN_OK;
}

/* Everything the inner step needs, precomputed once per run. */
typedef struct hh_constants {
    double g_sodium, g_potassium, g_leak;
    double e_sodium, e_potassium, e_leak;
    double inverse_capacitance;
    double v_reference;
    double phi; /* temperature factor, multiplies every rate */
} hh_constants;

static hh_constants constants_of(const rn_hh_params *p)
{
    return (hh_constants){p->g_sodium,        p->g_potassium, p->g_leak,
                          p->e_sodium,        p->e_potassium, p->e_leak,
                          1.0 / p->capacitance, p->v_reference, rn_hh_temperature_factor(p)};
}

/* ------------------------------------------------------------ the rates */

/* exp(x) = 2^k · e^r, k = round(x / ln 2), r = x − k ln 2 with |r| <= ln2/2,
 * e^r from its Taylor series to r^13 (truncation < 4e-18 relative), 2^k
 * written into the exponent bits.  Within 1 ulp of libm's exp (tested through
 * the rates) but inlinable, so the lane loops vectorise.  x is clamped to
 * [−708, 709], where the result is a normal double. */
HH_INLINE double hh_exp(double x)
{
    const double shifter = 0x1.8p52; /* adding it rounds to an integer kept in the low mantissa bits */
    const double log2_e = 0x1.71547652b82fep0;
    const double ln2_high = 0x1.62e42fee00000p-1, ln2_low = 0x1.a39ef35793c76p-33; /* fdlibm's split */
    x = x < -708.0 ? -708.0 : x;
    x = x > 709.0 ? 709.0 : x;
    double shifted = x * log2_e + shifter;
    uint64_t bits;
    memcpy(&bits, &shifted, sizeof bits);
    double k = shifted - shifter;
    double r = (x - k * ln2_high) - k * ln2_low;
    double p = 1.0 / 6227020800.0; /* 1/13! */
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    /* The low 12 bits of `bits` are k mod 4096 (the shifter's are zero). */
    uint64_t scale_bits = (bits + 1023u) << 52;
    double scale;
    memcpy(&scale, &scale_bits, sizeof scale);
    return p * scale;
}

/* x/(eˣ − 1), the "vtrap" that removes the 0/0 of α_n and α_m, given its
 * direct value.  Near x = 0 the subtraction eˣ − 1 cancels (relative error
 * ~ε/|x|), so for |x| < 0.1 we use the series Σ B_k x^k/k!
 *   1 − x/2 + x²/12 − x⁴/720 + x⁶/30240 − x⁸/1209600
 * whose next term is below 2e-18 there; the direct form is good to ~3e-15
 * for |x| >= 0.1. */
HH_INLINE double vtrap(double x, double direct)
{
    double x2 = x * x;
    double series =
        1.0 - 0.5 * x + x2 * (1.0 / 12.0 - x2 * (1.0 / 720.0 - x2 * (1.0 / 30240.0 - x2 * (1.0 / 1209600.0))));
    return fabs(x) < 0.1 ? series : direct;
}

typedef struct hh_rate_values {
    double alpha_m, beta_m, alpha_h, beta_h, alpha_n, beta_n;
} hh_rate_values;

HH_INLINE hh_rate_values hh_rates(const hh_constants *c, double v)
{
    const double e15 = 4.4816890703380645, e2 = 7.3890560989306504; /* e^1.5, e^2 */
    double u = v - c->v_reference;
    /* Two exponentials for all six rates.  b = exp(−u/720) gives the smooth ones:
     *   exp(−u/80) = b⁹, exp(−u/20) = b³⁶, exp(−u/18) = b⁴⁰
     * (6 multiplications instead of 3 exponentials; relative error ~40 ulp,
     * 5e-15, far below any integration error). */
    double b = hh_exp(-u / 720.0);
    double b2 = b * b, b4 = b2 * b2, b8 = b4 * b4;
    double exp_u80 = b8 * b;            /* b⁹ */
    double b18 = exp_u80 * exp_u80;
    double exp_u20 = b18 * b18;         /* b³⁶ */
    double exp_u18 = exp_u20 * b4;      /* b⁴⁰ */
    /* The vtrap denominators cancel near their zeros, so they get their own
     * exponential, accurate to 1 ulp: e^x_n with x_n = (10 − u)/10, and
     *   α_n = 0.01(10−u)/(e^((10−u)/10) − 1) = 0.1·x_n/(e^x_n − 1)
     *   α_m = 0.1(25−u)/(e^((25−u)/10) − 1) = x_m/(e^x_m − 1),  e^x_m = e^1.5·e^x_n
     *   β_h = 1/(e^((30−u)/10) + 1),                             e^((30−u)/10) = e²·e^x_n
     * The three denominators share one division. */
    double x_n = (10.0 - u) / 10.0, x_m = (25.0 - u) / 10.0;
    double exp_n = hh_exp(x_n);
    double denominator_n = exp_n - 1.0, denominator_m = e15 * exp_n - 1.0, denominator_h = e2 * exp_n + 1.0;
    double inverse = 1.0 / (denominator_n * denominator_m * denominator_h);
    hh_rate_values r;
    r.alpha_n = c->phi * 0.1 * vtrap(x_n, x_n * (denominator_m * denominator_h) * inverse);
    r.beta_n = c->phi * 0.125 * exp_u80;
    r.alpha_m = c->phi * vtrap(x_m, x_m * (denominator_n * denominator_h) * inverse);
    r.beta_m = c->phi * 4.0 * exp_u18;
    r.alpha_h = c->phi * 0.07 * exp_u20;
    r.beta_h = c->phi * (denominator_n * denominator_m) * inverse;
    return r;
}

void rn_hh_rates_at(const rn_hh_params *params, double v, rn_hh_rates *rates)
{
    hh_constants c = constants_of(params);
    hh_rate_values r = hh_rates(&c, v);
    *rates = (rn_hh_rates){r.alpha_m, r.beta_m, r.alpha_h, r.beta_h, r.alpha_n, r.beta_n};
}

rn_hh_state rn_hh_steady_state_at(const rn_hh_params *params, double v)
{
    rn_hh_rates r;
    rn_hh_rates_at(params, v, &r);
    return (rn_hh_state){v, r.alpha_m / (r.alpha_m + r.beta_m), r.alpha_h / (r.alpha_h + r.beta_h),
                         r.alpha_n / (r.alpha_n + r.beta_n)};
}

rn_hh_currents rn_hh_currents_at(const rn_hh_params *p, const rn_hh_state *s)
{
    double n2 = s->n * s->n;
    return (rn_hh_currents){p->g_sodium * s->m * s->m * s->m * s->h * (s->v - p->e_sodium),
                            p->g_potassium * n2 * n2 * (s->v - p->e_potassium), p->g_leak * (s->v - p->e_leak)};
}

/* dy/dt for one neuron: C dV/dt = I − I_Na − I_K − I_L, dx/dt = α(1 − x) − βx. */
HH_INLINE void hh_derivative(const hh_constants *c, double v, double m, double h, double n, double current,
                                 double *dv, double *dm, double *dh, double *dn)
{
    hh_rate_values r = hh_rates(c, v);
    double n2 = n * n;
    double g_sodium = c->g_sodium * m * m * m * h, g_potassium = c->g_potassium * n2 * n2;
    *dv = (current - g_sodium * (v - c->e_sodium) - g_potassium * (v - c->e_potassium) -
           c->g_leak * (v - c->e_leak)) *
          c->inverse_capacitance;
    *dm = r.alpha_m * (1.0 - m) - r.beta_m * m;
    *dh = r.alpha_h * (1.0 - h) - r.beta_h * h;
    *dn = r.alpha_n * (1.0 - n) - r.beta_n * n;
}

rn_hh_state rn_hh_derivative(const rn_hh_params *params, const rn_hh_state *s, double current)
{
    hh_constants c = constants_of(params);
    rn_hh_state d;
    hh_derivative(&c, s->v, s->m, s->h, s->n, current, &d.v, &d.m, &d.h, &d.n);
    return d;
}

/* I_ion(V) at the steady-state gates: its zero is the resting potential. */
static double steady_ionic_current(const rn_hh_params *params, double v)
{
    rn_hh_state s = rn_hh_steady_state_at(params, v);
    rn_hh_currents i = rn_hh_currents_at(params, &s);
    return i.sodium + i.potassium + i.leak;
}

rn_status rn_hh_resting_state(const rn_hh_params *params, rn_hh_state *rest)
{
    RN_CHECK(rn_hh_check_params(params));
    /* At E_K every current is inward or zero, at E_Na outward: a sign change. */
    double low = fmin(params->e_potassium, params->e_leak), high = fmax(params->e_sodium, params->e_leak);
    double i_low = steady_ionic_current(params, low), i_high = steady_ionic_current(params, high);
    if (!(i_low <= 0 && i_high >= 0))
        return rn_error(RN_ERR_NUMERIC, "hodgkin-huxley: no resting potential between %g and %g mV", low, high);
    for (int iteration = 0; iteration < 200 && high - low > 0; iteration++) {
        double middle = 0.5 * (low + high);
        if (middle <= low || middle >= high) break; /* adjacent doubles */
        if (steady_ionic_current(params, middle) < 0) low = middle;
        else high = middle;
    }
    *rest = rn_hh_steady_state_at(params, 0.5 * (low + high));
    return RN_OK;
}

/* ------------------------------------------------------------ spike detection */

void rn_hh_spikes_reset(rn_hh_spike_detector *s)
{
    s->count = s->count_in_window = 0;
    s->first_time_ms = s->first_peak_mv = s->first_peak_time_ms = s->max_peak_mv = NAN;
    s->rate_hz = 0;
    s->samples = 0;
    s->rising_spike = false;
}

double rn_hh_spike_threshold(const rn_hh_params *params)
{
    return params->v_reference + 65.0;
}

void rn_hh_spikes_init(rn_hh_spike_detector *s, double threshold_mv, double window_start_ms, double window_end_ms)
{
    memset(s, 0, sizeof *s);
    s->threshold_mv = threshold_mv;
    s->window_start_ms = window_start_ms;
    s->window_end_ms = window_end_ms;
    rn_hh_spikes_reset(s);
}

static void record_peak(rn_hh_spike_detector *s, double peak, double t_peak)
{
    int index = s->count - 1;
    if (index == 0) {
        s->first_peak_mv = peak;
        s->first_peak_time_ms = t_peak;
    }
    if (!(peak <= s->max_peak_mv)) s->max_peak_mv = peak; /* also replaces NaN */
    if (index < s->capacity && s->peaks_mv) s->peaks_mv[index] = peak;
}

void rn_hh_spikes_observe(rn_hh_spike_detector *s, double t, double v)
{
    /* Below threshold and not in a spike (most samples): just remember. */
    if (v < s->threshold_mv && s->v_prev < s->threshold_mv && !s->rising_spike) {
        s->v_prev2 = s->v_prev;
        s->v_prev = v;
        s->t_prev = t;
        s->samples++;
        return;
    }
    if (s->samples >= 1) {
        double v_prev = s->v_prev, t_prev = s->t_prev;
        /* Upward crossing of the threshold: a new spike. */
        if (v_prev < s->threshold_mv && v >= s->threshold_mv) {
            double t_cross = t_prev + (s->threshold_mv - v_prev) / (v - v_prev) * (t - t_prev);
            if (s->count < s->capacity) {
                if (s->times_ms) s->times_ms[s->count] = t_cross;
                if (s->peaks_mv) s->peaks_mv[s->count] = NAN;
            }
            if (s->count == 0) s->first_time_ms = t_cross;
            s->count++;
            if (t_cross >= s->window_start_ms && t_cross < s->window_end_ms) {
                s->count_in_window++;
                double window = s->window_end_ms - s->window_start_ms;
                s->rate_hz = isfinite(window) ? 1000.0 * s->count_in_window / window : 0.0;
            }
            s->rising_spike = true;
        }
        /* The maximum of a rising spike: samples v_prev2 < v_prev >= v; the
         * parabola through the three has its vertex at offset δ (in steps). */
        if (s->rising_spike && s->samples >= 2 && v_prev >= v && v_prev > s->v_prev2 && v_prev >= s->threshold_mv) {
            double curvature = s->v_prev2 - 2.0 * v_prev + v;
            double delta = curvature < 0 ? 0.5 * (s->v_prev2 - v) / curvature : 0.0;
            double peak = v_prev - 0.25 * (s->v_prev2 - v) * delta;
            record_peak(s, peak, t_prev + delta * (t - t_prev));
            s->rising_spike = false;
        }
        if (v < s->threshold_mv) s->rising_spike = false;
    }
    s->v_prev2 = s->v_prev;
    s->v_prev = v;
    s->t_prev = t;
    s->samples++;
}

/* ------------------------------------------------------------ integrators */

const char *rn_hh_method_name(rn_hh_method method)
{
    switch (method) {
    case RN_HH_EULER: return "euler";
    case RN_HH_RK4: return "rk4";
    case RN_HH_EXPONENTIAL: return "exponential";
    }
    return "?";
}

rn_status rn_hh_method_parse(const char *name, rn_hh_method *method)
{
    for (int m = RN_HH_EULER; m <= RN_HH_EXPONENTIAL; m++)
        if (strcmp(name, rn_hh_method_name((rn_hh_method)m)) == 0) {
            *method = (rn_hh_method)m;
            return RN_OK;
        }
    return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: unknown method '%s' (euler, rk4 or exponential)", name);
}

const char *rn_hh_divergence_name(rn_hh_divergence reason)
{
    switch (reason) {
    case RN_HH_BOUNDED: return "bounded";
    case RN_HH_NOT_FINITE: return "not finite";
    case RN_HH_VOLTAGE_BOUND: return "voltage beyond bound";
    case RN_HH_GATE_OUT_OF_RANGE: return "gate outside [0, 1]";
    }
    return "?";
}

double rn_hh_suggested_dt(double dt_ms)
{
    return dt_ms > 0.01 ? 0.01 : dt_ms / 10;
}

rn_status rn_hh_divergence_error(const rn_hh_integration *integration, const rn_hh_outcome *outcome)
{
    return rn_error(RN_ERR_NUMERIC,
                    "hodgkin-huxley: dt %g ms is too large for %s: the simulation diverged at %g ms (%s); use a "
                    "smaller dt, e.g. %g ms",
                    integration->dt_ms, rn_hh_method_name(integration->method), outcome->diverged_at_ms,
                    rn_hh_divergence_name(outcome->divergence), rn_hh_suggested_dt(integration->dt_ms));
}

rn_hh_integration rn_hh_default_integration(void)
{
    return (rn_hh_integration){RN_HH_RK4, 0.01, 100.0, 1000.0};
}

enum { LANES = 8 }; /* one AVX-512 register of doubles; two AVX2 registers */

/* The state of LANES neurons, one per SIMD lane. */
typedef struct hh_lanes {
    double v[LANES], m[LANES], h[LANES], n[LANES];
} hh_lanes;

/* Forward Euler: y_{k+1} = y_k + dt f(y_k, I(t_k)). */
static void step_euler(const hh_constants *c, hh_lanes *s, const double *scales, double stim, double dt)
{
    RN_SIMD
    for (int k = 0; k < LANES; k++) {
        double dv, dm, dh, dn;
        hh_derivative(c, s->v[k], s->m[k], s->h[k], s->n[k], scales[k] * stim, &dv, &dm, &dh, &dn);
        s->v[k] += dt * dv;
        s->m[k] += dt * dm;
        s->h[k] += dt * dh;
        s->n[k] += dt * dn;
    }
}

/* Classical RK4 with I at t, t + dt/2 and t + dt:
 *   k1 = f(y, t), k2 = f(y + dt/2 k1, t + dt/2), k3 = f(y + dt/2 k2, t + dt/2), k4 = f(y + dt k3, t + dt)
 *   y_{k+1} = y_k + dt/6 (k1 + 2 k2 + 2 k3 + k4) */
static void step_rk4(const hh_constants *c, hh_lanes *s, const double *scales, double stim_start,
                     double stim_middle, double stim_end, double dt)
{
    const double half = 0.5 * dt, sixth = dt / 6.0;
    RN_SIMD
    for (int k = 0; k < LANES; k++) {
        double v = s->v[k], m = s->m[k], h = s->h[k], n = s->n[k];
        double v1, m1, h1, n1, v2, m2, h2, n2, v3, m3, h3, n3, v4, m4, h4, n4;
        hh_derivative(c, v, m, h, n, scales[k] * stim_start, &v1, &m1, &h1, &n1);
        hh_derivative(c, v + half * v1, m + half * m1, h + half * h1, n + half * n1, scales[k] * stim_middle, &v2,
                      &m2, &h2, &n2);
        hh_derivative(c, v + half * v2, m + half * m2, h + half * h2, n + half * n2, scales[k] * stim_middle, &v3,
                      &m3, &h3, &n3);
        hh_derivative(c, v + dt * v3, m + dt * m3, h + dt * h3, n + dt * n3, scales[k] * stim_end, &v4, &m4, &h4,
                      &n4);
        s->v[k] = v + sixth * (v1 + 2.0 * (v2 + v3) + v4);
        s->m[k] = m + sixth * (m1 + 2.0 * (m2 + m3) + m4);
        s->h[k] = h + sixth * (h1 + 2.0 * (h2 + h3) + h4);
        s->n[k] = n + sixth * (n1 + 2.0 * (n2 + n3) + n4);
    }
}

/* Exponential Euler: every variable obeys dy/dt = (y∞ − y)/τ with y∞, τ
 * frozen at the start of the step, so y_{k+1} = y∞ + (y_k − y∞) e^(−dt/τ):
 *   gates: x∞ = α/(α + β), 1/τ = α + β         (exact for V frozen)
 *   V:     V∞ = (Σ g_i E_i + I)/Σ g_i, 1/τ = Σ g_i / C   (exact for the gates frozen)
 * All from the old state, as Brian2's exponential_euler does. */
static void step_exponential(const hh_constants *c, hh_lanes *s, const double *scales, double stim, double dt)
{
    RN_SIMD
    for (int k = 0; k < LANES; k++) {
        double v = s->v[k], m = s->m[k], h = s->h[k], n = s->n[k];
        hh_rate_values r = hh_rates(c, v);
        double n2 = n * n;
        double g_sodium = c->g_sodium * m * m * m * h, g_potassium = c->g_potassium * n2 * n2;
        double g_total = g_sodium + g_potassium + c->g_leak;
        double v_inf = (g_sodium * c->e_sodium + g_potassium * c->e_potassium + c->g_leak * c->e_leak +
                        scales[k] * stim) /
                       g_total;
        s->v[k] = v_inf + (v - v_inf) * hh_exp(-dt * g_total * c->inverse_capacitance);
        double rate_m = r.alpha_m + r.beta_m, rate_h = r.alpha_h + r.beta_h, rate_n = r.alpha_n + r.beta_n;
        double m_inf = r.alpha_m / rate_m, h_inf = r.alpha_h / rate_h, n_inf = r.alpha_n / rate_n;
        s->m[k] = m_inf + (m - m_inf) * hh_exp(-dt * rate_m);
        s->h[k] = h_inf + (h - h_inf) * hh_exp(-dt * rate_h);
        s->n[k] = n_inf + (n - n_inf) * hh_exp(-dt * rate_n);
    }
}

static rn_hh_divergence check_state(double v, double m, double h, double n, double v_bound)
{
    if (!isfinite(v) || !isfinite(m) || !isfinite(h) || !isfinite(n)) return RN_HH_NOT_FINITE;
    if (fabs(v) > v_bound) return RN_HH_VOLTAGE_BOUND;
    if (m < 0 || m > 1 || h < 0 || h > 1 || n < 0 || n > 1) return RN_HH_GATE_OUT_OF_RANGE;
    return RN_HH_BOUNDED;
}

static rn_status check_integration(const rn_hh_integration *integration, long *n_steps)
{
    double dt = integration->dt_ms, duration = integration->duration_ms;
    if (!(dt > 0) || !isfinite(dt))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: time step must be positive, got %g ms", dt);
    if (!(duration > 0) || !isfinite(duration))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: duration must be positive, got %g ms", duration);
    if (!(integration->v_bound_mv > 0))
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: voltage bound must be positive");
    if (integration->method < RN_HH_EULER || integration->method > RN_HH_EXPONENTIAL)
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: unknown integration method %d", (int)integration->method);
    double steps = round(duration / dt);
    if (steps < 1 || steps > 2e9)
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: %g ms at dt %g ms is %.0f steps (1 to 2e9 allowed)",
                        duration, dt, steps);
    *n_steps = (long)steps;
    return RN_OK;
}

static void record_sample(const rn_hh_params *params, rn_hh_trace *trace, double t, const rn_hh_state *s,
                          double stim)
{
    if (trace->count >= trace->capacity) return;
    int i = trace->count++;
    rn_hh_currents currents = rn_hh_currents_at(params, s);
    trace->t[i] = t;
    trace->v[i] = s->v;
    trace->m[i] = s->m;
    trace->h[i] = s->h;
    trace->n[i] = s->n;
    trace->i_sodium[i] = currents.sodium;
    trace->i_potassium[i] = currents.potassium;
    trace->i_leak[i] = currents.leak;
    trace->i_stim[i] = stim;
}

/* After a step that left the valid region in some lane: each newly diverged
 * lane records why and when, and every inactive lane (diverged or unused) is
 * put back to its last good state so that it stays finite.  Returns the
 * number of lanes still running. */
static int retire_diverged_lanes(hh_lanes *state, const hh_lanes *previous, bool *active, rn_hh_outcome *outcomes,
                                 long step, double t_next, double v_bound)
{
    int n_active = 0;
    for (int k = 0; k < LANES; k++) {
        if (active[k]) {
            rn_hh_divergence reason = check_state(state->v[k], state->m[k], state->h[k], state->n[k], v_bound);
            if (reason == RN_HH_BOUNDED) {
                n_active++;
                continue;
            }
            outcomes[k].divergence = reason;
            outcomes[k].diverged_at_ms = t_next;
            outcomes[k].steps = step + 1;
            outcomes[k].final_state = (rn_hh_state){previous->v[k], previous->m[k], previous->h[k], previous->n[k]};
            active[k] = false;
        }
        state->v[k] = previous->v[k], state->m[k] = previous->m[k];
        state->h[k] = previous->h[k], state->n[k] = previous->n[k];
    }
    return n_active;
}

/* Runs lanes [0, used) of one block (unused lanes copy lane 0 and are ignored). */
static void run_block(const rn_hh_params *params, const hh_constants *c, const rn_hh_integration *integration,
                      long n_steps, const rn_hh_state *initial, const rn_stimulus *stimulus,
                      const double *block_scales, int used, rn_hh_spike_detector *spikes, rn_hh_outcome *outcomes,
                      rn_hh_trace *trace)
{
    double scales[LANES];
    hh_lanes state, previous;
    bool active[LANES];
    for (int k = 0; k < LANES; k++) {
        scales[k] = block_scales[k < used ? k : 0];
        state.v[k] = initial->v;
        state.m[k] = initial->m;
        state.h[k] = initial->h;
        state.n[k] = initial->n;
        active[k] = k < used;
    }
    const double dt = integration->dt_ms;
    rn_hh_outcome outcome = {RN_HH_BOUNDED, NAN, n_steps, *initial};
    for (int k = 0; k < used; k++) {
        outcomes[k] = outcome;
        if (spikes) {
            rn_hh_spikes_reset(&spikes[k]);
            rn_hh_spikes_observe(&spikes[k], 0.0, initial->v);
        }
    }
    if (trace) {
        trace->count = 0;
        record_sample(params, trace, 0.0, initial, scales[0] * rn_stimulus_at(stimulus, 0.0));
    }
    int n_active = used;
    for (long step = 0; step < n_steps && n_active > 0; step++) {
        double t = step * dt, t_next = (step + 1) * dt;
        double stim = rn_stimulus_at(stimulus, t);
        previous = state;
        switch (integration->method) {
        case RN_HH_EULER: step_euler(c, &state, scales, stim, dt); break;
        case RN_HH_EXPONENTIAL: step_exponential(c, &state, scales, stim, dt); break;
        case RN_HH_RK4:
            step_rk4(c, &state, scales, stim, rn_stimulus_at(stimulus, t + 0.5 * dt), rn_stimulus_at(stimulus, t_next),
                     dt);
            break;
        }
        /* One vectorised test for every lane: NaN fails every comparison, so
         * !(in range) also catches non-finite values. */
        int any_bad = 0;
        const double bound = integration->v_bound_mv;
        RN_SIMD_REDUCE_OR(any_bad)
        for (int k = 0; k < LANES; k++)
            any_bad |= !(fabs(state.v[k]) <= bound) | !(state.m[k] >= 0.0 && state.m[k] <= 1.0) |
                       !(state.h[k] >= 0.0 && state.h[k] <= 1.0) | !(state.n[k] >= 0.0 && state.n[k] <= 1.0);
        if (any_bad) n_active = retire_diverged_lanes(&state, &previous, active, outcomes, step, t_next, bound);
        if (spikes)
            for (int k = 0; k < used; k++)
                if (active[k]) rn_hh_spikes_observe(&spikes[k], t_next, state.v[k]);
        if (trace && active[0] && (step + 1) % trace->every == 0) {
            rn_hh_state s0 = {state.v[0], state.m[0], state.h[0], state.n[0]};
            record_sample(params, trace, t_next, &s0, scales[0] * rn_stimulus_at(stimulus, t_next));
        }
    }
    for (int k = 0; k < used; k++)
        if (active[k]) outcomes[k].final_state = (rn_hh_state){state.v[k], state.m[k], state.h[k], state.n[k]};
}

static rn_status check_initial(const rn_hh_state *s)
{
    if (check_state(s->v, s->m, s->h, s->n, 1e6) != RN_HH_BOUNDED)
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: initial state must be finite with gates in [0, 1]");
    return RN_OK;
}

rn_status rn_hh_simulate(const rn_hh_params *params, const rn_hh_integration *integration,
                         const rn_hh_state *initial, const rn_stimulus *stimulus, rn_hh_trace *trace,
                         rn_hh_spike_detector *spikes, rn_hh_outcome *outcome)
{
    long n_steps;
    RN_CHECK(rn_hh_check_params(params));
    RN_CHECK(check_integration(integration, &n_steps));
    RN_CHECK(check_initial(initial));
    if (trace && trace->every < 1) return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: trace not allocated");
    hh_constants c = constants_of(params);
    const double one = 1.0;
    rn_hh_outcome local;
    run_block(params, &c, integration, n_steps, initial, stimulus, &one, 1, spikes, outcome ? outcome : &local,
              trace);
    return RN_OK;
}

rn_status rn_hh_simulate_scaled(const rn_hh_params *params, const rn_hh_integration *integration,
                                const rn_hh_state *initial, const rn_stimulus *stimulus, const double *scales,
                                int count, rn_hh_spike_detector *spikes, rn_hh_outcome *outcomes)
{
    long n_steps;
    RN_CHECK(rn_hh_check_params(params));
    RN_CHECK(check_integration(integration, &n_steps));
    RN_CHECK(check_initial(initial));
    if (count < 0) return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: negative neuron count %d", count);
    for (int k = 0; k < count; k++)
        if (!isfinite(scales[k])) return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: current %d is not finite", k);
    rn_hh_outcome *local = NULL;
    if (!outcomes) {
        local = malloc((size_t)(count > 0 ? count : 1) * sizeof *local);
        if (!local) return rn_error(RN_ERR_MEMORY, "hodgkin-huxley: out of memory");
        outcomes = local;
    }
    hh_constants c = constants_of(params);
    int n_blocks = (count + LANES - 1) / LANES;
#pragma omp parallel for schedule(dynamic, 1) if (n_blocks > 1)
    for (int block = 0; block < n_blocks; block++) {
        int first = block * LANES;
        int used = count - first < LANES ? count - first : LANES;
        run_block(params, &c, integration, n_steps, initial, stimulus, scales + first, used,
                  spikes ? spikes + first : NULL, outcomes + first, NULL);
    }
    free(local);
    return RN_OK;
}

/* ------------------------------------------------------------ traces */

rn_status rn_hh_trace_alloc(rn_hh_trace *trace, const rn_hh_integration *integration, int every)
{
    long n_steps;
    memset(trace, 0, sizeof *trace);
    RN_CHECK(check_integration(integration, &n_steps));
    if (every < 1) return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: record every %d steps?", every);
    long samples = n_steps / every + 1;
    if (samples > 50000000L)
        return rn_error(RN_ERR_ARGUMENT, "hodgkin-huxley: %ld samples is too many to record (raise --record-every)",
                        samples);
    double *block = calloc((size_t)samples * 9, sizeof *block);
    if (!block) return rn_error(RN_ERR_MEMORY, "hodgkin-huxley: out of memory for %ld samples", samples);
    double **columns[] = {&trace->t,           &trace->v,           &trace->m,
                          &trace->h,           &trace->n,           &trace->i_sodium,
                          &trace->i_potassium, &trace->i_leak,      &trace->i_stim};
    for (int k = 0; k < 9; k++) *columns[k] = block + (size_t)k * samples;
    trace->capacity = (int)samples;
    trace->every = every;
    return RN_OK;
}

void rn_hh_trace_free(rn_hh_trace *trace)
{
    free(trace->t); /* the block holding all columns */
    memset(trace, 0, sizeof *trace);
}

rn_status rn_hh_trace_write_csv(const rn_hh_trace *trace, const char *path)
{
    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary)
        return rn_error(RN_ERR_ARGUMENT, "%s: path too long", path);
    FILE *file = fopen(temporary, "w");
    if (!file) return rn_error(RN_ERR_IO, "%s: %s", temporary, strerror(errno));
    fprintf(file, "t_ms,V_mV,m,h,n,I_Na,I_K,I_L,I_stim\n");
    for (int i = 0; i < trace->count; i++)
        fprintf(file, "%.6f,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g,%.17g\n", trace->t[i], trace->v[i],
                trace->m[i], trace->h[i], trace->n[i], trace->i_sodium[i], trace->i_potassium[i], trace->i_leak[i],
                trace->i_stim[i]);
    bool failed = ferror(file) != 0;
    failed |= fflush(file) != 0;
    failed |= fsync(fileno(file)) != 0;
    failed |= fclose(file) != 0;
    if (failed) {
        remove(temporary);
        return rn_error(RN_ERR_IO, "%s: write failed", temporary);
    }
    if (rename(temporary, path) != 0) {
        remove(temporary);
        return rn_error(RN_ERR_IO, "%s: cannot rename: %s", path, strerror(errno));
    }
    return RN_OK;
}
