/* hh_plots.c — placeholder until plot.h (branch viz) is implemented: no pictures yet. */
#include "hh_plots.h"

rn_status hh_plot_trace(const rn_hh_trace *trace, bool with_currents, const char *convention, const char *base)
{
    (void)trace, (void)with_currents, (void)convention, (void)base;
    return rn_error(RN_ERR_UNSUPPORTED, "plots are not available in this build yet");
}

rn_status hh_plot_fi(const double *currents, const double *rates_hz, int count, const char *base)
{
    (void)currents, (void)rates_hz, (void)count, (void)base;
    return rn_error(RN_ERR_UNSUPPORTED, "plots are not available in this build yet");
}

rn_status hh_plot_recovery(const double *intervals_ms, const double *thresholds, int count,
                           const rn_hh_refractory *periods, const char *base)
{
    (void)intervals_ms, (void)thresholds, (void)count, (void)periods, (void)base;
    return rn_error(RN_ERR_UNSUPPORTED, "plots are not available in this build yet");
}
