/* chart.c — write a chapter picture into the run folder and free the plot. */
#include "chart.h"

#include <stdio.h>

rn_status chart_write(rn_plot *plot, rn_status status, const char *base)
{
    if (status == RN_OK) status = rn_plot_write(plot, base);
    rn_plot_destroy(plot);
    return status;
}

rn_status chart_write_in(rn_plot *plot, rn_status status, const char *dir, const char *name)
{
    char base[4200]; /* dir is at most 4096 bytes (rn_cli_out_dir's buffers) */
    snprintf(base, sizeof base, "%s/%s", dir, name);
    return chart_write(plot, status, base);
}
