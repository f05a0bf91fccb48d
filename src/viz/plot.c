/* plot.c — charts through gnuplot: NAME.dat + NAME.gp, then gnuplot makes
 * NAME.png (see include/redes/plot.h). */
#define _GNU_SOURCE /* pipe2 */
#include "redes/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "redes/image.h"
#include "viz/viz_internal.h"

extern char **environ;

enum { MAX_CLASSES = 64, MAX_PANELS = 16, MAX_POINTS = 50000000 };

typedef struct plot_series {
    double *x, *y;
    int *classes; /* NULL, or n class indices (scatter by class) */
    int n, n_classes;
    char *label;
    char **class_labels; /* n_classes names when classes != NULL */
    rn_plot_style style;
} plot_series;

typedef struct plot_region {
    float *values; /* nx * ny, row j = 0 at the bottom */
    int nx, ny, n_classes;
    double x_min, x_max, y_min, y_max;
} plot_region;

typedef struct plot_panel {
    char *title, *x_label, *y_label, *legend;
    bool log_x, log_y, has_xrange, has_yrange;
    double x_min, x_max, y_min, y_max;
    double weight;
    plot_series *series;
    int n_series, capacity;
    plot_region *region;
} plot_panel;

struct rn_plot {
    plot_panel panels[MAX_PANELS];
    int n_panels, current;
    int width, height; /* 0 = default for the number of panels */
    bool share_x;
};

/* ---------------------------------------------------------------- building */

/* A copy with control characters (newlines, tabs) turned into spaces: every
 * string ends up on one line of the script or of a data-file comment. */
static char *copy_string(const char *text)
{
    if (!text) return NULL;
    size_t length = strlen(text);
    char *copy = malloc(length + 1);
    if (!copy) return NULL;
    for (size_t i = 0; i <= length; i++)
        copy[i] = (i < length && (unsigned char)text[i] < 0x20) ? ' ' : text[i];
    return copy;
}

/* Replaces *slot by a copy of text (NULL text: no change). */
static rn_status set_string(char **slot, const char *text, const char *what)
{
    if (!text) return RN_OK;
    char *copy = copy_string(text);
    if (!copy) return rn_error(RN_ERR_MEMORY, "plot: cannot copy the %s", what);
    free(*slot);
    *slot = copy;
    return RN_OK;
}

static void panel_init(plot_panel *panel)
{
    memset(panel, 0, sizeof *panel);
    panel->weight = 1.0;
}

rn_plot *rn_plot_create(void)
{
    rn_plot *plot = calloc(1, sizeof *plot);
    if (!plot) return NULL;
    panel_init(&plot->panels[0]);
    plot->n_panels = 1;
    return plot;
}

static void free_series(plot_series *s)
{
    free(s->x);
    free(s->y);
    free(s->classes);
    free(s->label);
    for (int k = 0; s->class_labels && k < s->n_classes; k++)
        free(s->class_labels[k]);
    free(s->class_labels);
}

void rn_plot_destroy(rn_plot *plot)
{
    if (!plot) return;
    for (int p = 0; p < plot->n_panels; p++) {
        plot_panel *panel = &plot->panels[p];
        for (int i = 0; i < panel->n_series; i++)
            free_series(&panel->series[i]);
        free(panel->series);
        if (panel->region) free(panel->region->values);
        free(panel->region);
        free(panel->title);
        free(panel->x_label);
        free(panel->y_label);
        free(panel->legend);
    }
    free(plot);
}

static plot_panel *current(rn_plot *plot)
{
    return &plot->panels[plot->current];
}

rn_status rn_plot_set_size(rn_plot *plot, int width, int height)
{
    if (width < 64 || height < 64 || width > 8192 || height > 8192)
        return rn_error(RN_ERR_ARGUMENT, "plot: size %dx%d outside 64..8192", width, height);
    plot->width = width;
    plot->height = height;
    return RN_OK;
}

rn_status rn_plot_add_panel(rn_plot *plot)
{
    if (plot->n_panels >= MAX_PANELS) return rn_error(RN_ERR_ARGUMENT, "plot: at most %d panels", MAX_PANELS);
    panel_init(&plot->panels[plot->n_panels]);
    plot->current = plot->n_panels++;
    return RN_OK;
}

rn_status rn_plot_select_panel(rn_plot *plot, int index)
{
    if (index < 0 || index >= plot->n_panels)
        return rn_error(RN_ERR_ARGUMENT, "plot: panel %d does not exist (%d panels)", index, plot->n_panels);
    plot->current = index;
    return RN_OK;
}

void rn_plot_share_x(rn_plot *plot, bool shared)
{
    plot->share_x = shared;
}

rn_status rn_plot_set_panel_weight(rn_plot *plot, double weight)
{
    if (!(weight > 0.0 && weight <= 100.0))
        return rn_error(RN_ERR_ARGUMENT, "plot: panel weight %g outside (0, 100]", weight);
    current(plot)->weight = weight;
    return RN_OK;
}

int rn_plot_panel_count(const rn_plot *plot)
{
    return plot->n_panels;
}

rn_status rn_plot_set_title(rn_plot *plot, const char *title)
{
    return set_string(&current(plot)->title, title, "title");
}

rn_status rn_plot_set_labels(rn_plot *plot, const char *x_label, const char *y_label)
{
    RN_CHECK(set_string(&current(plot)->x_label, x_label, "x label"));
    return set_string(&current(plot)->y_label, y_label, "y label");
}

void rn_plot_set_log(rn_plot *plot, bool log_x, bool log_y)
{
    current(plot)->log_x = log_x;
    current(plot)->log_y = log_y;
}

static rn_status check_range(double min, double max, const char *axis)
{
    if (!isfinite(min) || !isfinite(max) || !(min < max))
        return rn_error(RN_ERR_ARGUMENT, "plot: %s range [%g, %g] (need finite min < max)", axis, min, max);
    return RN_OK;
}

rn_status rn_plot_set_xrange(rn_plot *plot, double min, double max)
{
    RN_CHECK(check_range(min, max, "x"));
    plot_panel *panel = current(plot);
    panel->has_xrange = true;
    panel->x_min = min;
    panel->x_max = max;
    return RN_OK;
}

rn_status rn_plot_set_yrange(rn_plot *plot, double min, double max)
{
    RN_CHECK(check_range(min, max, "y"));
    plot_panel *panel = current(plot);
    panel->has_yrange = true;
    panel->y_min = min;
    panel->y_max = max;
    return RN_OK;
}

void rn_plot_auto_range(rn_plot *plot)
{
    current(plot)->has_xrange = false;
    current(plot)->has_yrange = false;
}

rn_status rn_plot_set_legend(rn_plot *plot, const char *position)
{
    if (!position || !*position) return rn_error(RN_ERR_ARGUMENT, "plot: empty legend position");
    /* The position goes into the script verbatim: allow only words. */
    for (const char *p = position; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == ' '))
            return rn_error(RN_ERR_ARGUMENT,
                            "plot: legend position '%s' (use words such as \"top left\" or \"off\")",
                            position);
    return set_string(&current(plot)->legend, position, "legend position");
}

/* Appends an empty series to the current panel. */
static rn_status new_series(rn_plot *plot, int n, plot_series **out)
{
    if (n < 1 || n > MAX_POINTS)
        return rn_error(RN_ERR_ARGUMENT, "plot: %d points (expected 1..%d)", n, MAX_POINTS);
    plot_panel *panel = current(plot);
    if (panel->n_series == panel->capacity) {
        int capacity = panel->capacity ? 2 * panel->capacity : 4;
        plot_series *grown = realloc(panel->series, (size_t)capacity * sizeof *grown);
        if (!grown) return rn_error(RN_ERR_MEMORY, "plot: cannot add a series");
        panel->series = grown;
        panel->capacity = capacity;
    }
    plot_series *s = &panel->series[panel->n_series];
    memset(s, 0, sizeof *s);
    s->n = n;
    s->x = malloc((size_t)n * sizeof *s->x);
    s->y = malloc((size_t)n * sizeof *s->y);
    if (!s->x || !s->y) {
        free_series(s);
        return rn_error(RN_ERR_MEMORY, "plot: cannot copy %d points", n);
    }
    *out = s;
    return RN_OK;
}

static rn_status finish_series(rn_plot *plot, plot_series *s, const char *label, rn_plot_style style)
{
    if (style != RN_PLOT_LINES && style != RN_PLOT_POINTS && style != RN_PLOT_LINESPOINTS) {
        free_series(s);
        return rn_error(RN_ERR_ARGUMENT, "plot: unknown style %d", (int)style);
    }
    for (int i = 0; i < s->n; i++)
        if (!isfinite(s->x[i])) {
            free_series(s);
            return rn_error(RN_ERR_NUMERIC, "plot: x[%d] of \"%s\" is not finite", i, label ? label : "");
        }
    if (label && *label && !(s->label = copy_string(label))) {
        free_series(s);
        return rn_error(RN_ERR_MEMORY, "plot: cannot copy a label");
    }
    s->style = style;
    current(plot)->n_series++;
    return RN_OK;
}

rn_status rn_plot_add(rn_plot *plot, const double *x, const double *y, int n, const char *label,
                      rn_plot_style style)
{
    if (!y) return rn_error(RN_ERR_ARGUMENT, "plot: series \"%s\" has no y values", label ? label : "");
    plot_series *s;
    RN_CHECK(new_series(plot, n, &s));
    for (int i = 0; i < n; i++) {
        s->x[i] = x ? x[i] : (double)(i + 1);
        s->y[i] = y[i];
    }
    return finish_series(plot, s, label, style);
}

rn_status rn_plot_add_float(rn_plot *plot, const float *x, const float *y, int n, const char *label,
                            rn_plot_style style)
{
    if (!y) return rn_error(RN_ERR_ARGUMENT, "plot: series \"%s\" has no y values", label ? label : "");
    plot_series *s;
    RN_CHECK(new_series(plot, n, &s));
    for (int i = 0; i < n; i++) {
        s->x[i] = x ? (double)x[i] : (double)(i + 1);
        s->y[i] = (double)y[i];
    }
    return finish_series(plot, s, label, style);
}

static rn_status attach_classes(plot_series *s, const int *classes, int n_classes,
                                const char *const *class_labels)
{
    s->n_classes = n_classes;
    s->classes = malloc((size_t)s->n * sizeof *s->classes);
    s->class_labels = calloc((size_t)n_classes, sizeof *s->class_labels);
    if (!s->classes || !s->class_labels) return rn_error(RN_ERR_MEMORY, "plot: cannot copy classes");
    for (int i = 0; i < s->n; i++) {
        if (classes[i] < 0 || classes[i] >= n_classes)
            return rn_error(RN_ERR_ARGUMENT, "plot: point %d has class %d (expected 0..%d)", i, classes[i],
                            n_classes - 1);
        s->classes[i] = classes[i];
    }
    for (int k = 0; k < n_classes; k++) {
        char name[32];
        const char *label = class_labels && class_labels[k] ? class_labels[k] : name;
        snprintf(name, sizeof name, "class %d", k);
        if (!(s->class_labels[k] = copy_string(label)))
            return rn_error(RN_ERR_MEMORY, "plot: cannot copy class labels");
    }
    return RN_OK;
}

static rn_status add_classes(rn_plot *plot, const double *xd, const double *yd, const float *xf,
                             const float *yf, const int *classes, int n, int n_classes,
                             const char *const *class_labels, rn_plot_style style)
{
    if (!(xd || xf) || !(yd || yf) || !classes)
        return rn_error(RN_ERR_ARGUMENT, "plot: a class scatter needs x, y and classes");
    if (n_classes < 1 || n_classes > MAX_CLASSES)
        return rn_error(RN_ERR_ARGUMENT, "plot: %d classes (expected 1..%d)", n_classes, MAX_CLASSES);
    plot_series *s;
    RN_CHECK(new_series(plot, n, &s));
    for (int i = 0; i < n; i++) {
        s->x[i] = xd ? xd[i] : (double)xf[i];
        s->y[i] = yd ? yd[i] : (double)yf[i];
    }
    rn_status status = attach_classes(s, classes, n_classes, class_labels);
    if (status != RN_OK) {
        free_series(s);
        return status;
    }
    return finish_series(plot, s, NULL, style);
}

rn_status rn_plot_add_classes(rn_plot *plot, const double *x, const double *y, const int *classes, int n,
                              int n_classes, const char *const *class_labels, rn_plot_style style)
{
    return add_classes(plot, x, y, NULL, NULL, classes, n, n_classes, class_labels, style);
}

rn_status rn_plot_add_classes_float(rn_plot *plot, const float *x, const float *y, const int *classes, int n,
                                    int n_classes, const char *const *class_labels, rn_plot_style style)
{
    return add_classes(plot, NULL, NULL, x, y, classes, n, n_classes, class_labels, style);
}

rn_status rn_plot_add_region(rn_plot *plot, const float *values, int nx, int ny, double x_min, double x_max,
                             double y_min, double y_max, int n_classes)
{
    if (!values || nx < 1 || ny < 1 || (long long)nx * ny > MAX_POINTS)
        return rn_error(RN_ERR_ARGUMENT, "plot: region grid %dx%d", nx, ny);
    if (n_classes == 1 || n_classes < 0 || n_classes > MAX_CLASSES)
        return rn_error(RN_ERR_ARGUMENT, "plot: region with %d classes (0 = continuous, or 2..%d)", n_classes,
                        MAX_CLASSES);
    RN_CHECK(check_range(x_min, x_max, "region x"));
    RN_CHECK(check_range(y_min, y_max, "region y"));
    size_t n = (size_t)nx * (size_t)ny;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i])) return rn_error(RN_ERR_NUMERIC, "plot: region value %zu is not finite", i);
        if (n_classes >= 2 && (values[i] < -0.5f || values[i] > (float)n_classes - 0.5f))
            return rn_error(RN_ERR_ARGUMENT, "plot: region value %g is not a class 0..%d", (double)values[i],
                            n_classes - 1);
    }
    plot_region *region = calloc(1, sizeof *region);
    float *copy = malloc(n * sizeof *copy);
    if (!region || !copy) {
        free(region);
        free(copy);
        return rn_error(RN_ERR_MEMORY, "plot: cannot copy a %dx%d region", nx, ny);
    }
    memcpy(copy, values, n * sizeof *copy);
    *region = (plot_region){copy, nx, ny, n_classes, x_min, x_max, y_min, y_max};
    plot_panel *panel = current(plot);
    if (panel->region) free(panel->region->values);
    free(panel->region);
    panel->region = region;
    panel->has_xrange = panel->has_yrange = true;
    panel->x_min = x_min;
    panel->x_max = x_max;
    panel->y_min = y_min;
    panel->y_max = y_max;
    return RN_OK;
}

/* ---------------------------------------------------------------- the data file */

/* Block numbering: for each panel, its region (if any) first, then its
 * series in order.  The script addresses them with `index k`. */

static void write_number(FILE *file, double value)
{
    if (isfinite(value))
        fprintf(file, "%.9g", value);
    else
        fputs("NaN", file);
}

static void write_region_block(FILE *file, const plot_region *r)
{
    double dx = (r->x_max - r->x_min) / r->nx, dy = (r->y_max - r->y_min) / r->ny;
    for (int j = 0; j < r->ny; j++) {
        for (int i = 0; i < r->nx; i++) {
            write_number(file, r->x_min + (i + 0.5) * dx);
            fputc(' ', file);
            write_number(file, r->y_min + (j + 0.5) * dy);
            fputc(' ', file);
            write_number(file, r->values[(size_t)j * r->nx + i]);
            fputc('\n', file);
        }
        fputc('\n', file); /* one blank line between scan lines */
    }
}

static void write_series_block(FILE *file, const plot_series *s)
{
    for (int i = 0; i < s->n; i++) {
        write_number(file, s->x[i]);
        fputc(' ', file);
        write_number(file, s->y[i]);
        if (s->classes) fprintf(file, " %d", s->classes[i]);
        fputc('\n', file);
    }
}

static void write_data(FILE *file, const rn_plot *plot, const char *name)
{
    fprintf(file, "# %s.dat — data for %s.gp (written by redes)\n", name, name);
    fprintf(file, "# Blocks are separated by two blank lines; gnuplot selects block k with `index k`.\n");
    int block = 0;
    for (int p = 0; p < plot->n_panels; p++) {
        const plot_panel *panel = &plot->panels[p];
        if (panel->region) {
            fprintf(file, "%s# index %d: panel %d, decision region %dx%d (columns: x y %s)\n",
                    block ? "\n\n" : "", block, p + 1, panel->region->nx, panel->region->ny,
                    panel->region->n_classes ? "class" : "value");
            write_region_block(file, panel->region);
            block++;
        }
        for (int i = 0; i < panel->n_series; i++) {
            const plot_series *s = &panel->series[i];
            fprintf(file, "%s# index %d: panel %d, series \"%s\" (columns: x y%s)\n", block ? "\n\n" : "",
                    block, p + 1, s->label ? s->label : (s->classes ? "by class" : ""),
                    s->classes ? " class" : "");
            write_series_block(file, s);
            block++;
        }
    }
}

/* ---------------------------------------------------------------- the script */

/* A gnuplot single-quoted string: only ' needs escaping (as ''). */
static void write_quoted(FILE *file, const char *text)
{
    fputc('\'', file);
    for (const char *p = text; *p; p++) {
        if (*p == '\'') fputc('\'', file);
        fputc(*p, file);
    }
    fputc('\'', file);
}

static const char *const line_colours[10] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                             "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
/* Decision regions: the light partners of the line colours (tab20) mixed
 * half and half with white, pale enough that points of the same class stay
 * visible on them (tab20's own #ffbb78 under a #ff7f0e point hid it). */
static const char *const region_colours[10] = {"#d6e3f4", "#ffddbc", "#ccefc4", "#ffccca", "#e2d8ea",
                                               "#e2ceca", "#fbdae8", "#e3e3e3", "#ededc6", "#ceecf2"};
/* The dark ring drawn around every class point (see write_plot_command). */
static const char *const point_outline_colour = "#222222";

static void default_size(const rn_plot *plot, int *width, int *height)
{
    *width = plot->width ? plot->width : 800;
    *height = plot->height ? plot->height : (plot->n_panels == 1 ? 500 : 300 * plot->n_panels);
}

static void write_preamble(FILE *file, const rn_plot *plot, const char *name)
{
    int width, height;
    default_size(plot, &width, &height);
    fprintf(file,
            "# %s.gp — written by redes. Edit freely, then run `gnuplot %s.gp` in this folder\n"
            "# to redraw %s.png from %s.dat.\n\n",
            name, name, name, name);
    fprintf(file,
            "# redes passes redes_output (a temporary file it renames); by hand, %s.png.\n"
            "if (!exists(\"redes_output\")) redes_output = '%s.png'\n"
            "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
            "    set terminal pngcairo size %d,%d noenhanced font 'Sans,11' linewidth 1.5\n"
            "} else {\n"
            "    set terminal png size %d,%d noenhanced\n"
            "}\n"
            "set output redes_output\n\n",
            name, name, width, height, width, height);
    fprintf(file, "# Colours of series 1..10 (and of classes 0..9).\n");
    for (int k = 0; k < 10; k++)
        fprintf(file, "set linetype %d linecolor rgb '%s' linewidth 1.5 pointtype 7 pointsize 0.8\n", k + 1,
                line_colours[k]);
    fprintf(file, "set linetype cycle 10\n"
                  "set style line 100 linecolor rgb '#dddddd' linewidth 1\n"
                  "set grid back linestyle 100\n"
                  "set border linecolor rgb '#444444'\n"
                  "set datafile missing 'NaN'\n\n");
}

static const char *style_words(rn_plot_style style)
{
    switch (style) {
    case RN_PLOT_POINTS: return "points";
    case RN_PLOT_LINESPOINTS: return "linespoints";
    case RN_PLOT_LINES:
    default: return "lines";
    }
}

static void write_region_palette(FILE *file, const plot_region *r)
{
    if (r->n_classes >= 2) {
        /* One flat colour per class: the palette has exactly n_classes
         * colours and the colour range puts class k at its centre. */
        fprintf(file, "set palette maxcolors %d\nset palette defined (", r->n_classes);
        for (int k = 0; k < r->n_classes; k++)
            fprintf(file, "%s%d '%s'", k ? ", " : "", k, region_colours[k % 10]);
        fprintf(file, ")\nset cbrange [-0.5:%g]\nunset colorbox\n", r->n_classes - 0.5);
    } else {
        float lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < (size_t)r->nx * r->ny; i++) {
            lo = fminf(lo, r->values[i]);
            hi = fmaxf(hi, r->values[i]);
        }
        fprintf(file, "set palette defined (0 '#92c5de', 0.5 '#f7f7f7', 1 '#f4a582')\n");
        if (lo >= 0.0f && hi <= 1.0f)
            fprintf(file, "set cbrange [0:1]\n");
        else
            fprintf(file, "set cbrange [*:*]\n");
        fprintf(file, "set colorbox\n");
    }
}

/* True when every x (axis 0) or y (axis 1) of every series in panels[0..n)
 * is a whole number and they span at most 10: epochs 1..5, mistakes per
 * epoch.  gnuplot would put tics at 1.5, 2.5, ...; "set xtics 1" puts them
 * on the whole numbers only. */
static bool few_whole(const plot_panel *panels, int n, int axis)
{
    double lo = INFINITY, hi = -INFINITY;
    for (int p = 0; p < n; p++) {
        const plot_panel *panel = &panels[p];
        if (panel->region || (axis == 0 ? panel->log_x : panel->log_y)) return false;
        bool has_range = axis == 0 ? panel->has_xrange : panel->has_yrange;
        double range_lo = axis == 0 ? panel->x_min : panel->y_min, range_hi = axis == 0 ? panel->x_max : panel->y_max;
        if (has_range && (range_lo != floor(range_lo) || range_hi != floor(range_hi))) return false;
        if (has_range) lo = fmin(lo, range_lo), hi = fmax(hi, range_hi);
        for (int i = 0; i < panel->n_series; i++) {
            const plot_series *s = &panel->series[i];
            const double *values = axis == 0 ? s->x : s->y;
            for (int k = 0; k < s->n; k++) {
                if (!isfinite(values[k])) continue; /* gaps */
                if (values[k] != floor(values[k])) return false;
                lo = fmin(lo, values[k]);
                hi = fmax(hi, values[k]);
            }
        }
    }
    return lo <= hi && hi - lo <= 10; /* one epoch too: a single tic at 1 */
}

static void write_axes(FILE *file, const plot_panel *panel, bool show_x, bool whole_x_tics)
{
    const char *legend = panel->legend ? panel->legend : "top right";
    fprintf(file, "set title ");
    write_quoted(file, panel->title ? panel->title : "");
    fprintf(file, "\nset xlabel ");
    write_quoted(file, show_x && panel->x_label ? panel->x_label : "");
    fprintf(file, " offset 0,%s", strstr(legend, "below") ? "0.5" : "0"); /* see the key below */
    fprintf(file, "\nset ylabel ");
    write_quoted(file, panel->y_label ? panel->y_label : "");
    fprintf(file, "\nset format x %s\n", show_x ? "'% h'" : "''");
    fprintf(file, "set xtics %s\n", whole_x_tics ? "1" : "autofreq");
    fprintf(file, "set ytics %s\n", few_whole(panel, 1, 1) ? "1" : "autofreq");
    fprintf(file, "%s logscale x\n%s logscale y\n", panel->log_x ? "set" : "unset",
            panel->log_y ? "set" : "unset");
    if (panel->has_xrange)
        fprintf(file, "set xrange [%.10g:%.10g]\n", panel->x_min, panel->x_max);
    else
        fprintf(file, "set xrange [*:*]\n");
    if (panel->has_yrange)
        fprintf(file, "set yrange [%.10g:%.10g]\n", panel->y_min, panel->y_max);
    else
        fprintf(file, "set yrange [*:*]\n");
    if (strcmp(legend, "off") == 0)
        fprintf(file, "unset key\n");
    else if (strstr(legend, "below"))
        /* gnuplot 5.4 leaves too little room between the x label and a key
         * below the plot: an opaque key box covered the label.  A taller box
         * and the label half a line up keep both readable (checked by eye
         * on `redes xor`'s pictures). */
        fprintf(file, "set key %s box linecolor rgb '#cccccc' height 0.5\n", legend);
    else
        fprintf(file, "set key %s opaque box linecolor rgb '#cccccc'\n", legend);
    if (panel->region)
        write_region_palette(file, panel->region);
    else
        fprintf(file, "unset colorbox\n");
}

/* The plot command of one panel; *block is the first data block it uses. */
static void write_plot_command(FILE *file, const plot_panel *panel, const char *name, int *block)
{
    fprintf(file, "plot ");
    const char *separator = "";
    if (panel->region) {
        fprintf(file, "'%s.dat' index %d using 1:2:3 with image notitle", name, (*block)++);
        separator = ", \\\n     ";
    }
    int colour = 1;
    for (int i = 0; i < panel->n_series; i++, (*block)++) {
        const plot_series *s = &panel->series[i];
        if (s->classes) {
            /* Each class: filled points in its colour, then a dark ring of the
             * same size (pointtype 6) around them, so that a point stays
             * readable on a region of its own colour and on any shading. */
            for (int k = 0; k < s->n_classes; k++) {
                fprintf(file,
                        "%s'%s.dat' index %d using 1:($3 == %d ? $2 : NaN) with %s "
                        "linetype %d pointsize 1.5 title ",
                        separator, name, *block, k, style_words(s->style), k % 10 + 1);
                write_quoted(file, s->class_labels[k]);
                separator = ", \\\n     ";
                if (s->style == RN_PLOT_LINES) continue;
                fprintf(file,
                        "%s'%s.dat' index %d using 1:($3 == %d ? $2 : NaN) with points "
                        "pointtype 6 pointsize 1.5 linewidth 1 linecolor rgb '%s' notitle",
                        separator, name, *block, k, point_outline_colour);
            }
            /* Lines drawn after the classes (boundaries) take the next
             * colours, not those of the classes they separate. */
            if (colour <= s->n_classes) colour = s->n_classes + 1;
            continue;
        }
        fprintf(file, "%s'%s.dat' index %d using 1:2 with %s linetype %d ", separator, name, *block,
                style_words(s->style), (colour++ - 1) % 10 + 1);
        if (s->label) {
            fprintf(file, "title ");
            write_quoted(file, s->label);
        } else {
            fprintf(file, "notitle");
        }
        separator = ", \\\n     ";
    }
    fprintf(file, "\n");
}

/* The x range every panel shows when they share the x axis: the first
 * explicit range, else the extent of all the data. */
static bool shared_x_range(const rn_plot *plot, double *lo, double *hi)
{
    for (int p = 0; p < plot->n_panels; p++)
        if (plot->panels[p].has_xrange) {
            *lo = plot->panels[p].x_min;
            *hi = plot->panels[p].x_max;
            return true;
        }
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int p = 0; p < plot->n_panels; p++)
        for (int i = 0; i < plot->panels[p].n_series; i++) {
            const plot_series *s = &plot->panels[p].series[i];
            for (int k = 0; k < s->n; k++) {
                *lo = fmin(*lo, s->x[k]);
                *hi = fmax(*hi, s->x[k]);
            }
        }
    return *lo < *hi;
}

/* Characters in the longest legend entry of a panel. */
static int longest_label(const plot_panel *panel)
{
    size_t longest = 0;
    for (int i = 0; i < panel->n_series; i++) {
        const plot_series *s = &panel->series[i];
        if (s->label && strlen(s->label) > longest) longest = strlen(s->label);
        for (int k = 0; s->classes && k < s->n_classes; k++)
            if (strlen(s->class_labels[k]) > longest) longest = strlen(s->class_labels[k]);
    }
    return longest > 60 ? 60 : (int)longest;
}

/* Several panels stacked with `set multiplot`: every panel gets explicit
 * screen margins so the plot areas line up (same left and right edges) and
 * split the height in proportion to their weights. */
static void write_multiplot(FILE *file, const rn_plot *plot, const char *name)
{
    int width, height;
    default_size(plot, &width, &height);
    int n = plot->n_panels;
    double header[MAX_PANELS], footer[MAX_PANELS], total_weight = 0.0, fixed = 0.0;
    for (int p = 0; p < n; p++) {
        const plot_panel *panel = &plot->panels[p];
        bool last = p == n - 1;
        /* Shared axes: a 12 px gap keeps the end tick labels of neighbours apart. */
        header[p] = panel->title ? 34.0 : (plot->share_x && p > 0 ? 12.0 : 14.0);
        footer[p] = plot->share_x && !last ? 0.0 : (panel->x_label ? 52.0 : 30.0);
        fixed += header[p] + footer[p];
        total_weight += panel->weight;
    }
    double available = height - fixed;
    if (available < 40.0 * n) available = 40.0 * n;
    double shared_lo = 0, shared_hi = 0;
    bool has_shared = plot->share_x && shared_x_range(plot, &shared_lo, &shared_hi);
    /* Every panel gets the same right margin (so the plot areas line up):
     * wide enough for a colour box or a legend placed outside on the right. */
    int right_margin = 3;
    for (int p = 0; p < n; p++) {
        const plot_panel *panel = &plot->panels[p];
        if (panel->region && panel->region->n_classes == 0 && right_margin < 12) right_margin = 12;
        if (panel->legend && strstr(panel->legend, "outside")) {
            int widest_label = longest_label(panel);
            if (right_margin < widest_label + 13) right_margin = widest_label + 13;
        }
    }

    /* The left margin is fixed so the panels line up; log axes label their
     * tics "0.0001" and "1e-06", which pushed the y label off the picture
     * at 10 characters (redes gradients' norms.png). */
    int left_margin = 10;
    for (int p = 0; p < n; p++)
        if (plot->panels[p].log_y) left_margin = 12;

    fprintf(file, "# %d panels, top to bottom; margins in screen coordinates (0 = bottom, 1 = top).\n", n);
    fprintf(file, "set multiplot\nset lmargin %d\nset rmargin %d\n", left_margin, right_margin);
    /* Shared axes get the same tics in every panel. */
    bool whole_x_tics = plot->share_x && few_whole(plot->panels, n, 0);
    double y = height;
    int block = 0;
    for (int p = 0; p < n; p++) {
        const plot_panel *panel = &plot->panels[p];
        double top = y - header[p];
        double bottom = top - available * panel->weight / total_weight;
        y = bottom - footer[p];
        bool show_x = !plot->share_x || p == n - 1;
        fprintf(file, "\n# ---- panel %d\n", p + 1);
        fprintf(file, "set tmargin at screen %.4f\nset bmargin at screen %.4f\n", top / height,
                bottom / height);
        write_axes(file, panel, show_x, whole_x_tics || (!plot->share_x && few_whole(panel, 1, 0)));
        if (has_shared && !panel->has_xrange)
            fprintf(file, "set xrange [%.10g:%.10g]\n", shared_lo, shared_hi);
        write_plot_command(file, panel, name, &block);
    }
    fprintf(file, "unset multiplot\n");
}

static bool plot_is_empty(const rn_plot *plot)
{
    for (int p = 0; p < plot->n_panels; p++)
        if (plot->panels[p].n_series > 0 || plot->panels[p].region) return false;
    return true;
}

static void write_script(FILE *file, const rn_plot *plot, const char *name)
{
    write_preamble(file, plot, name);
    if (plot->n_panels == 1) {
        int block = 0;
        write_axes(file, &plot->panels[0], true, few_whole(&plot->panels[0], 1, 0));
        write_plot_command(file, &plot->panels[0], name, &block);
    } else {
        write_multiplot(file, plot, name);
    }
}

/* ---------------------------------------------------------------- files and gnuplot */

typedef struct plot_paths {
    char directory[4096]; /* "." when base has no folder */
    char name[512];       /* base name without .png */
    char base[4096];      /* directory/name */
} plot_paths;

static rn_status split_base(const char *base, plot_paths *out)
{
    if (!base || !*base) return rn_error(RN_ERR_ARGUMENT, "plot: empty output name");
    size_t length = strlen(base);
    if (length >= 5 && strcmp(base + length - 4, ".png") == 0) length -= 4;
    if (length == 0 || base[length - 1] == '/' || length >= sizeof out->base - 8)
        return rn_error(RN_ERR_ARGUMENT, "plot: bad output name '%s'", base);
    memcpy(out->base, base, length);
    out->base[length] = '\0';
    const char *slash = strrchr(out->base, '/');
    const char *name = slash ? slash + 1 : out->base;
    size_t name_length = strlen(name);
    if (name_length >= sizeof out->name)
        return rn_error(RN_ERR_ARGUMENT, "plot: output name '%s' too long", base);
    for (const char *p = name; *p; p++)
        if (*p == '\'' || *p == '\n' || *p == '\\')
            return rn_error(RN_ERR_ARGUMENT, "plot: output name '%s' has a quote, backslash or newline",
                            base);
    memcpy(out->name, name, name_length + 1);
    if (!slash)
        snprintf(out->directory, sizeof out->directory, ".");
    else if (slash == out->base)
        snprintf(out->directory, sizeof out->directory, "/");
    else
        snprintf(out->directory, sizeof out->directory, "%.*s", (int)(slash - out->base), out->base);
    return RN_OK;
}

typedef void (*file_writer)(FILE *file, const rn_plot *plot, const char *name);

static rn_status write_atomically(const char *path, file_writer writer, const rn_plot *plot, const char *name)
{
    char tmp_path[4200];
    FILE *file;
    RN_CHECK(rn_viz_open_tmp(path, tmp_path, sizeof tmp_path, &file));
    writer(file, plot, name);
    return rn_viz_commit_tmp(file, tmp_path, path);
}

rn_status rn_plot_write_script(const rn_plot *plot, const char *base)
{
    if (!plot) return rn_error(RN_ERR_ARGUMENT, "plot: NULL plot");
    plot_paths paths;
    RN_CHECK(split_base(base, &paths));
    if (plot_is_empty(plot))
        return rn_error(RN_ERR_ARGUMENT, "plot %s: nothing to draw (no series)", paths.base);
    for (int p = 0; p < plot->n_panels; p++)
        if (plot->panels[p].n_series == 0 && !plot->panels[p].region)
            return rn_error(RN_ERR_ARGUMENT, "plot %s: panel %d of %d has nothing to draw", paths.base, p + 1,
                            plot->n_panels);
    char path[4200];
    snprintf(path, sizeof path, "%s.dat", paths.base);
    RN_CHECK(write_atomically(path, write_data, plot, paths.name));
    snprintf(path, sizeof path, "%s.gp", paths.base);
    return write_atomically(path, write_script, plot, paths.name);
}

/* Appends one line of gnuplot's stderr to `out`, whitespace runs collapsed,
 * separated from what is there by " | ". */
static void append_line(char *out, size_t size, const char *line, size_t length)
{
    size_t used = strlen(out);
    if (used > 0 && used + 3 < size) {
        memcpy(out + used, " | ", 3);
        used += 3;
    }
    bool space = false;
    for (size_t i = 0; i < length && used + 1 < size; i++) {
        bool blank = line[i] == ' ' || line[i] == '\t' || line[i] == '\r';
        if (blank && (space || used == 0 || out[used - 1] == ' ')) continue;
        space = blank;
        out[used++] = blank ? ' ' : line[i];
    }
    while (used > 0 && out[used - 1] == ' ')
        used--;
    out[used] = '\0';
}

/* gnuplot's stderr, reduced to one line for an error message.  gnuplot
 * echoes the failing command and a caret before the diagnosis
 * ('"loss.gp" line 35: all points y value undefined!'); when such
 * diagnoses are present only they are kept, otherwise every non-blank line. */
static void read_messages(int fd, char *out, size_t size)
{
    char text[4096];
    size_t used = 0;
    char chunk[512];
    for (;;) {
        ssize_t got = read(fd, chunk, sizeof chunk);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        size_t keep = (size_t)got < sizeof text - 1 - used ? (size_t)got : sizeof text - 1 - used;
        memcpy(text + used, chunk, keep); /* the rest is drained and dropped */
        used += keep;
    }
    text[used] = '\0';
    out[0] = '\0';
    bool has_diagnosis = strstr(text, " line ") != NULL;
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        size_t length = end ? (size_t)(end - line) : strlen(line);
        char saved = line[length];
        line[length] = '\0';
        bool diagnosis = strstr(line, " line ") != NULL && strchr(line, ':') != NULL;
        bool blank = strspn(line, " \t\r^") == length;
        if (!blank && (!has_diagnosis || diagnosis)) append_line(out, size, line, length);
        line[length] = saved;
        line += length + (end ? 1 : 0);
    }
}

/* Doubles single quotes for a gnuplot single-quoted string. */
static rn_status quote_into(char *buffer, size_t size, const char *prefix, const char *text,
                            const char *suffix)
{
    size_t used = (size_t)snprintf(buffer, size, "%s'", prefix);
    for (const char *p = text; *p && used + 2 < size; p++) {
        if (*p == '\'') buffer[used++] = '\'';
        buffer[used++] = *p;
    }
    if (used + strlen(suffix) + 2 >= size) return rn_error(RN_ERR_ARGUMENT, "plot: path too long");
    snprintf(buffer + used, size - used, "'%s", suffix);
    return RN_OK;
}

static rn_status run_gnuplot(const plot_paths *paths)
{
    char cd_command[8300], output_command[700], script[600];
    RN_CHECK(quote_into(cd_command, sizeof cd_command, "cd ", paths->directory, ""));
    snprintf(output_command, sizeof output_command, "redes_output = '%s.png.tmp'", paths->name);
    snprintf(script, sizeof script, "%s.gp", paths->name);
    char *argv[] = {"gnuplot", "-e", cd_command, "-e", output_command, script, NULL};

    int pipe_fds[2];
    /* Close-on-exec, so that gnuplots spawned by other threads do not hold
     * this pipe open (dup2 onto stderr clears the flag for our child). */
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) return rn_error(RN_ERR_IO, "plot: pipe: %s", strerror(errno));
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[1]);
    pid_t pid;
    int spawn_error = posix_spawnp(&pid, "gnuplot", &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    close(pipe_fds[1]);
    if (spawn_error != 0) {
        close(pipe_fds[0]);
        if (spawn_error == ENOENT)
            return rn_error(RN_ERR_UNSUPPORTED,
                            "plot %s: gnuplot is not installed (%s.gp and %s.dat are written; "
                            "install gnuplot and run `gnuplot %s.gp` in %s)",
                            paths->base, paths->name, paths->name, paths->name, paths->directory);
        return rn_error(RN_ERR_IO, "plot %s: cannot run gnuplot: %s", paths->base, strerror(spawn_error));
    }
    char messages[600];
    read_messages(pipe_fds[0], messages, sizeof messages);
    close(pipe_fds[0]);
    int wait_status;
    while (waitpid(pid, &wait_status, 0) < 0)
        if (errno != EINTR) return rn_error(RN_ERR_IO, "plot: waitpid: %s", strerror(errno));
    char tmp_png[4200], png[4200];
    snprintf(tmp_png, sizeof tmp_png, "%s.png.tmp", paths->base);
    snprintf(png, sizeof png, "%s.png", paths->base);
    if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
        remove(tmp_png);
        return rn_error(RN_ERR_IO, "plot %s: gnuplot failed (%s %d): %s", paths->base,
                        WIFEXITED(wait_status) ? "exit status" : "signal",
                        WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : WTERMSIG(wait_status),
                        messages[0] ? messages : "no message");
    }
    /* gnuplot closed the file at exit; make it durable, then publish it. */
    int fd = open(tmp_png, O_RDONLY);
    if (fd < 0)
        return rn_error(RN_ERR_IO, "plot %s: gnuplot wrote no picture (%s)", paths->base,
                        messages[0] ? messages : "no message");
    fsync(fd);
    close(fd);
    if (rename(tmp_png, png) != 0) {
        int saved = errno;
        remove(tmp_png);
        return rn_error(RN_ERR_IO, "plot: cannot rename %s onto %s: %s", tmp_png, png, strerror(saved));
    }
    return RN_OK;
}

rn_status rn_plot_write(const rn_plot *plot, const char *base)
{
    RN_CHECK(rn_plot_write_script(plot, base));
    plot_paths paths;
    RN_CHECK(split_base(base, &paths));
    return run_gnuplot(&paths);
}
