/* chart.h — the last step of every chapter picture: write the plot next to
 * the run's other files and free it (plot.h does the drawing). */
#ifndef REDES_CLI_CHART_H
#define REDES_CLI_CHART_H

#include "redes/plot.h"

/* If status is RN_OK, writes BASE.dat, BASE.gp and BASE.png (rn_plot_write);
 * destroys the plot either way.  Returns status if it was already a failure
 * (building the plot went wrong), else what the write returned
 * (RN_ERR_UNSUPPORTED when gnuplot is missing: the caller decides whether
 * that is an error). */
rn_status chart_write(rn_plot *plot, rn_status status, const char *base);

/* chart_write with BASE = DIR/NAME. */
rn_status chart_write_in(rn_plot *plot, rn_status status, const char *dir, const char *name);

#endif
