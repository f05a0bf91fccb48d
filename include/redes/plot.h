/* plot.h — charts drawn by gnuplot from files a user can read and edit.
 *
 * A plot collects series (x/y arrays copied in), titles, axis labels, scales
 * and ranges, in one or more panels stacked vertically.  rn_plot_write(plot,
 * "run/loss") writes three files side by side:
 *
 *   run/loss.dat   the numbers, one block per series, with a header comment
 *   run/loss.gp    a readable gnuplot script (change colours, fonts, labels,
 *                  then `gnuplot loss.gp` in run/ redraws the picture)
 *   run/loss.png   the picture, drawn by running gnuplot on loss.gp
 *
 * gnuplot runs as a child process (posix_spawn, never system()); if it fails,
 * the status carries gnuplot's own error message; if gnuplot is not
 * installed the result is RN_ERR_UNSUPPORTED and the .dat and .gp files are
 * still there.  The library never prints.
 *
 *   rn_plot *plot = rn_plot_create();
 *   rn_plot_set_title(plot, "LeNet-5 on MNIST");
 *   rn_plot_set_labels(plot, "epoch", "loss");
 *   rn_plot_set_log(plot, false, true);
 *   rn_plot_add_float(plot, NULL, train_loss, epochs, "train", RN_PLOT_LINESPOINTS);
 *   rn_plot_add_float(plot, NULL, test_loss, epochs, "test", RN_PLOT_LINESPOINTS);
 *   rn_status s = rn_plot_write(plot, "run/loss");
 *   rn_plot_destroy(plot);
 *
 * Multi-panel (Hodgkin–Huxley: voltage above, gating variables below):
 *   rn_plot_set_labels(plot, NULL, "V (mV)");
 *   rn_plot_add(plot, t, v, n, "V", RN_PLOT_LINES);
 *   rn_plot_add_panel(plot);                    // following calls go to panel 2
 *   rn_plot_set_labels(plot, "t (ms)", "gate");
 *   rn_plot_add(plot, t, m, n, "m", RN_PLOT_LINES); ...
 *   rn_plot_share_x(plot, true);                // one x axis, tics only at the bottom
 *
 * Decision regions (perceptron, XOR): a grid of class values as an image,
 * the data points on top:
 *   rn_plot_add_region(plot, classes, 200, 200, -0.5, 1.5, -0.5, 1.5, 2);
 *   rn_plot_add_classes(plot, x, y, label, 4, 2, names, RN_PLOT_POINTS);
 *
 * Setters return RN_OK, or RN_ERR_ARGUMENT / RN_ERR_MEMORY with a message;
 * a failed setter leaves the plot usable.  Strings are copied (control
 * characters become spaces) and drawn literally: gnuplot's enhanced-text
 * markup is off, so "x_1" shows an underscore and "e^z" a caret.
 */
#ifndef REDES_PLOT_H
#define REDES_PLOT_H

#include <stdbool.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_plot rn_plot;

typedef enum rn_plot_style { RN_PLOT_LINES, RN_PLOT_POINTS, RN_PLOT_LINESPOINTS } rn_plot_style;

/* A plot with one empty panel, 800 x 500 pixels (800 x 300 per panel for
 * several panels).  NULL if out of memory. */
rn_plot *rn_plot_create(void);
void rn_plot_destroy(rn_plot *plot);

/* ---------------------------------------------------------------- the figure */

/* Picture size in pixels (64..8192 each). */
rn_status rn_plot_set_size(rn_plot *plot, int width, int height);
/* Adds a panel below the current one; later calls apply to it. */
rn_status rn_plot_add_panel(rn_plot *plot);
/* Selects panel `index` (0 = top) for later calls. */
rn_status rn_plot_select_panel(rn_plot *plot, int index);
/* Panels share the x axis: same x range, tics and label only under the
 * bottom panel, no vertical gap. */
void rn_plot_share_x(rn_plot *plot, bool shared);
/* Relative height of the current panel (default 1). */
rn_status rn_plot_set_panel_weight(rn_plot *plot, double weight);
int rn_plot_panel_count(const rn_plot *plot);

/* ---------------------------------------------------------------- the current panel */

/* Title above the panel (the top panel's title acts as the figure's). */
rn_status rn_plot_set_title(rn_plot *plot, const char *title);
/* Axis labels; NULL leaves one unchanged, "" removes it. */
rn_status rn_plot_set_labels(rn_plot *plot, const char *x_label, const char *y_label);
/* Logarithmic axes (the data must then be > 0 on that axis). */
void rn_plot_set_log(rn_plot *plot, bool log_x, bool log_y);
/* Explicit ranges (min < max); rn_plot_auto_range removes them. */
rn_status rn_plot_set_xrange(rn_plot *plot, double min, double max);
rn_status rn_plot_set_yrange(rn_plot *plot, double min, double max);
void rn_plot_auto_range(rn_plot *plot);
/* Legend position: a gnuplot key position such as "top right",
 * "bottom left", "outside right", or "off".  Default "top right". */
rn_status rn_plot_set_legend(rn_plot *plot, const char *position);

/* ---------------------------------------------------------------- series */

/* n points (x[i], y[i]); x NULL means x = 1, 2, ..., n (epochs, steps).
 * label NULL or "" leaves the series out of the legend.  Non-finite y
 * values are written as NaN and leave a gap in a line. */
rn_status rn_plot_add(rn_plot *plot, const double *x, const double *y, int n, const char *label,
                      rn_plot_style style);
rn_status rn_plot_add_float(rn_plot *plot, const float *x, const float *y, int n, const char *label,
                            rn_plot_style style);

/* A scatter plot coloured by class: point i belongs to class classes[i]
 * (0..n_classes-1, up to 10 colours cycling), each class a legend entry
 * named class_labels[k] (NULL: "class k").  Points get a dark ring so they
 * stay readable on a region of their own colour.  One data block, two plot
 * clauses per class (the points, the ring) in the .gp file; series added
 * after it take the colours after the classes'. */
rn_status rn_plot_add_classes(rn_plot *plot, const double *x, const double *y, const int *classes, int n,
                              int n_classes, const char *const *class_labels, rn_plot_style style);
rn_status rn_plot_add_classes_float(rn_plot *plot, const float *x, const float *y, const int *classes, int n,
                                    int n_classes, const char *const *class_labels, rn_plot_style style);

/* A 2-D decision region in the current panel, drawn under the points:
 * values[j * nx + i] is the network's answer at
 *   x = x_min + (i + 0.5) (x_max - x_min) / nx,  y = y_min + (j + 0.5) (y_max - y_min) / ny
 * (row j = 0 at the bottom).  With n_classes >= 2 values are class indices
 * drawn in pale versions of the class colours of rn_plot_add_classes; with
 * n_classes = 0 they are continuous (e.g. P(class 1)) and shaded
 * blue-white-red with a colour box.  Sets the panel's ranges to the grid. */
rn_status rn_plot_add_region(rn_plot *plot, const float *values, int nx, int ny, double x_min, double x_max,
                             double y_min, double y_max, int n_classes);

/* ---------------------------------------------------------------- output */

/* Writes BASE.dat and BASE.gp (atomically), then runs gnuplot to make
 * BASE.png.  `base` may end in ".png" (it is stripped).  Fails with
 * RN_ERR_ARGUMENT on an empty plot, RN_ERR_UNSUPPORTED when gnuplot is not
 * installed, RN_ERR_IO when gnuplot fails (the message includes its stderr). */
rn_status rn_plot_write(const rn_plot *plot, const char *base);

/* Writes only BASE.dat and BASE.gp (no gnuplot). */
rn_status rn_plot_write_script(const rn_plot *plot, const char *base);

#ifdef __cplusplus
}
#endif
#endif
