/* hh_plots.h — the pictures of `redes hh` (chapter 1), drawn with plot.h. */
#ifndef REDES_CLI_HH_PLOTS_H
#define REDES_CLI_HH_PLOTS_H

#include <stdbool.h>

#include "redes/hh_analysis.h"
#include "redes/hodgkin_huxley.h"

/* BASE.png: V(t) on top, m, h, n below, and with_currents the ionic
 * currents in a third panel. */
rn_status hh_plot_trace(const rn_hh_trace *trace, bool with_currents, const char *convention, const char *base);
/* BASE.png: firing rate against step current. */
rn_status hh_plot_fi(const double *currents, const double *rates_hz, int count, const char *base);
/* BASE.png: second-pulse threshold against the interval between pulses. */
rn_status hh_plot_recovery(const double *intervals_ms, const double *thresholds, int count,
                           const rn_hh_refractory *periods, const char *base);

#endif
