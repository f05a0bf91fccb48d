/* hh_plots.c — the pictures of `redes hh`: the spike, the f–I curve, the
 * recovery of excitability (drawn by gnuplot through plot.h). */
#include "hh_plots.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chart.h"
#include "redes/plot.h"

rn_status hh_plot_trace(const rn_hh_trace *trace, bool with_currents, const char *convention, const char *base)
{
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "plot: out of memory");
    int n = trace->count;
    bool relative = strcmp(convention, "1952") == 0;
    char title[128];
    snprintf(title, sizeof title, "Hodgkin-Huxley neuron (%s convention)", convention);
    rn_status s = rn_plot_set_size(plot, 900, with_currents ? 900 : 700);
    if (s == RN_OK) s = rn_plot_set_title(plot, title);
    if (s == RN_OK) s = rn_plot_set_labels(plot, NULL, relative ? "V - V_rest (mV)" : "V (mV)");
    if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->v, n, "V", RN_PLOT_LINES);
    if (s == RN_OK) s = rn_plot_set_panel_weight(plot, 2.0);
    if (s == RN_OK) s = rn_plot_set_legend(plot, "off");
    if (s == RN_OK) s = rn_plot_add_panel(plot);
    if (s == RN_OK) s = rn_plot_set_labels(plot, "t (ms)", "gates");
    if (s == RN_OK) s = rn_plot_set_yrange(plot, 0.0, 1.0);
    if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->m, n, "m (Na activation)", RN_PLOT_LINES);
    if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->h, n, "h (Na inactivation)", RN_PLOT_LINES);
    if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->n, n, "n (K activation)", RN_PLOT_LINES);
    if (s == RN_OK) s = rn_plot_set_legend(plot, "outside right");
    if (with_currents) {
        if (s == RN_OK) s = rn_plot_add_panel(plot);
        if (s == RN_OK) s = rn_plot_set_labels(plot, "t (ms)", "I (µA/cm²)");
        if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->i_sodium, n, "I_Na", RN_PLOT_LINES);
        if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->i_potassium, n, "I_K", RN_PLOT_LINES);
        if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->i_leak, n, "I_L", RN_PLOT_LINES);
        if (s == RN_OK) s = rn_plot_add(plot, trace->t, trace->i_stim, n, "I_stim", RN_PLOT_LINES);
        if (s == RN_OK) s = rn_plot_set_legend(plot, "outside right");
    }
    /* The top panel keeps its legend off (one curve, named by the axis):
     * plot.h gives every panel the right margin of the widest legend, so
     * the plot areas still line up. */
    rn_plot_share_x(plot, true);
    return chart_write(plot, s, base);
}

rn_status hh_plot_fi(const double *currents, const double *rates_hz, int count, const char *base)
{
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "plot: out of memory");
    rn_status s = rn_plot_set_title(plot, "Hodgkin-Huxley f-I curve (rate over the second half of each step)");
    if (s == RN_OK) s = rn_plot_set_labels(plot, "step current I (µA/cm²)", "firing rate (Hz)");
    if (s == RN_OK) s = rn_plot_add(plot, currents, rates_hz, count, "rate", RN_PLOT_LINESPOINTS);
    if (s == RN_OK) s = rn_plot_set_legend(plot, "off");
    return chart_write(plot, s, base);
}

rn_status hh_plot_recovery(const double *intervals_ms, const double *thresholds, int count,
                           const rn_hh_refractory *periods, const char *base)
{
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "plot: out of memory");
    char title[200];
    snprintf(title, sizeof title, "Refractoriness: absolute %.2f ms, relative %.2f ms", periods->absolute_ms,
             periods->relative_ms);
    /* Thresholds relative to the resting one; INFINITY (no spike) leaves a gap. */
    double relative[count > 0 ? count : 1];
    for (int k = 0; k < count; k++) relative[k] = thresholds[k] / periods->threshold;
    double line_x[2] = {intervals_ms[0], intervals_ms[count - 1]}, line_y[2] = {1.0, 1.0};
    rn_status s = rn_plot_set_title(plot, title);
    if (s == RN_OK) s = rn_plot_set_labels(plot, "interval between pulse onsets (ms)", "second-pulse threshold / rest threshold");
    if (s == RN_OK) s = rn_plot_add(plot, intervals_ms, relative, count, "threshold of the second pulse", RN_PLOT_LINESPOINTS);
    if (s == RN_OK) s = rn_plot_add(plot, line_x, line_y, 2, "resting threshold", RN_PLOT_LINES);
    return chart_write(plot, s, base);
}
