/* heatmap.c — a matrix as coloured cells with a colour bar, and the
 * confusion matrix with counts in its cells (see include/redes/image.h). */
#include <inttypes.h>
#include <stdbool.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "redes/image.h"
#include "viz/viz_internal.h"

/* Layout constants, in pixels. Text is drawn at scale 2 (10x14 glyphs) where
 * it is read, scale 1 where it must fit small cells. */
enum {
    MARGIN = 12,
    TEXT_SCALE = 2,
    BAR_GAP = 14,
    BAR_WIDTH = 18,
    BAR_MIN_HEIGHT = 120,
    LABEL_GAP = 6,
    TICK = 4,
    /* Automatic cells: at least MIN_CELL px a side, so that one entry is
     * still a visible patch when a viewer shrinks the picture; a thin map
     * (one row, a long column) is stretched across its short side to at
     * least MIN_MAP_SIDE px, a band instead of a hairline, cells at most
     * MAX_STRETCH times longer than wide. */
    MIN_CELL = 3,
    MIN_MAP_SIDE = 120,
    MAX_STRETCH = 8,
};

static const rn_rgb TEXT_COLOUR = {20, 20, 20};
static const rn_rgb FRAME_COLOUR = {90, 90, 90};

rn_heatmap_options rn_heatmap_defaults(void)
{
    return (rn_heatmap_options){.colormap = RN_COLORMAP_VIRIDIS,
                                .cell = 0,
                                .symmetric = false,
                                .min = 0.0f,
                                .max = 0.0f,
                                .colorbar = true,
                                .title = NULL};
}

/* 1, 2 or 5 times a power of ten: the smallest at least `x` (x > 0)... */
static double nice_step(double x)
{
    double power = pow(10.0, floor(log10(x)));
    double m = x / power;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

/* ... or the nearest to `x` (on a log scale, roughly). */
static double nice_near(double x)
{
    double power = pow(10.0, floor(log10(x)));
    double m = x / power;
    return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * power;
}

/* The colour bar: top = hi, bottom = lo, labelled at both ends and at round
 * values in between (about one label every 40 px, none crowding an end
 * label); for a range through zero drawn diverging, zero is one of them. */
static void draw_colorbar(rn_image *image, int x, int y, int height, rn_colormap map, float lo, float hi)
{
    for (int row = 0; row < height; row++) {
        float t = height > 1 ? 1.0f - (float)row / (float)(height - 1) : 0.5f;
        rn_image_fill_rect(image, x, y + row, BAR_WIDTH, 1, rn_colormap_color(map, t));
    }
    rn_image_draw_rect(image, x - 1, y - 1, BAR_WIDTH + 2, height + 2, FRAME_COLOUR);
    char label[32];
    const int text_x = x + BAR_WIDTH + LABEL_GAP, text_height = RN_FONT_HEIGHT * TEXT_SCALE;
    rn_viz_format_number(label, sizeof label, hi);
    rn_image_text(image, text_x, y, label, TEXT_COLOUR, TEXT_SCALE);
    rn_viz_format_number(label, sizeof label, lo);
    rn_image_text(image, text_x, y + height - text_height, label, TEXT_COLOUR, TEXT_SCALE);
    if (!(hi > lo) || height < 3 * text_height) return;
    double wanted = (hi - lo) * 32.0 / height, step = nice_near(wanted);
    if (step < 0.75 * wanted) step = nice_step(wanted); /* labels at least 24 px apart */
    for (double value = ceil(lo / step) * step; value < hi; value += step) {
        int row = (int)lround((height - 1) * (hi - value) / (hi - lo));
        if (row < text_height + 4 || row > height - 1 - text_height - 4) continue; /* clear of the ends */
        rn_image_fill_rect(image, x + BAR_WIDTH, y + row, TICK, 1, FRAME_COLOUR);
        rn_viz_format_number(label, sizeof label, fabs(value) < step * 1e-6 ? 0.0 : value);
        rn_image_text(image, text_x, y + row - text_height / 2, label, TEXT_COLOUR, TEXT_SCALE);
    }
}

/* The widest label the colour bar can print: its ends, or a tick between. */
static int colorbar_label_width(float lo, float hi)
{
    char text[32];
    int widest = 0;
    double values[4] = {hi, lo, 0.0, 0.0};
    if (hi > lo) {
        double step = nice_near((hi - lo) * 32.0 / BAR_MIN_HEIGHT) / 64; /* the finest a tall bar uses */
        values[2] = ceil(lo / step) * step + step;
        values[3] = floor(hi / step) * step - step;
    }
    for (int k = 0; k < 4; k++) {
        rn_viz_format_number(text, sizeof text, values[k]);
        int w = rn_text_width(text, TEXT_SCALE);
        if (w > widest) widest = w;
    }
    return widest;
}

/* Indices along one side of the map, 0 and the last always, round ones in
 * between where they do not crowd (at least a label's width plus a gap
 * apart).  `cell` px an entry; `along_columns`: below the map, else left. */
typedef struct axis_ticks {
    int count, cell;
    int step; /* index step between labels */
} axis_ticks;

static axis_ticks ticks_for(int count, int cell, bool along_columns)
{
    char text[16];
    snprintf(text, sizeof text, "%d", count - 1);
    int room = along_columns ? rn_text_width(text, TEXT_SCALE) + 3 * LABEL_GAP
                             : RN_FONT_HEIGHT * TEXT_SCALE + 2 * LABEL_GAP;
    int step = (int)nice_step(fmax(1.0, (double)room / cell));
    return (axis_ticks){count, cell, step};
}

static bool tick_shown(const axis_ticks *t, int index, int room)
{
    if (index == 0 || index == t->count - 1) return true;
    if (index % t->step != 0) return false;
    /* Not so near the last label that the two run together. */
    return (t->count - 1 - index) * t->cell >= room;
}

static int row_label_width(int rows)
{
    char text[16];
    snprintf(text, sizeof text, "%d", rows - 1);
    return rn_text_width(text, TEXT_SCALE) + TICK + LABEL_GAP;
}

static void draw_ticks(rn_image *image, int map_x, int map_y, int rows, int columns, int cell_width,
                       int cell_height)
{
    char text[16];
    axis_ticks along = ticks_for(columns, cell_width, true), down = ticks_for(rows, cell_height, false);
    int below = map_y + rows * cell_height;
    for (int j = 0; j < columns; j++) {
        snprintf(text, sizeof text, "%d", j);
        int w = rn_text_width(text, TEXT_SCALE), centre = map_x + j * cell_width + cell_width / 2;
        if (!tick_shown(&along, j, w + 2 * LABEL_GAP)) continue;
        rn_image_fill_rect(image, centre, below, 1, TICK, FRAME_COLOUR);
        int left = centre - w / 2;
        if (j == columns - 1 && columns > 1) left = centre - w + RN_FONT_WIDTH; /* keep the last inside */
        if (j == 0) left = centre - RN_FONT_WIDTH;
        rn_image_text(image, left < 0 ? 0 : left, below + TICK + 2, text, TEXT_COLOUR, TEXT_SCALE);
    }
    for (int i = 0; i < rows; i++) {
        snprintf(text, sizeof text, "%d", i);
        int centre = map_y + i * cell_height + cell_height / 2;
        if (!tick_shown(&down, i, RN_FONT_HEIGHT * TEXT_SCALE + LABEL_GAP)) continue;
        rn_image_fill_rect(image, map_x - TICK, centre, TICK, 1, FRAME_COLOUR);
        /* Centred on its row, but not above the map nor below it (where
         * the column labels are). */
        int top = centre - RN_FONT_HEIGHT * TEXT_SCALE / 2, lowest = below - RN_FONT_HEIGHT * TEXT_SCALE;
        if (top > lowest) top = lowest;
        if (top < map_y) top = map_y;
        rn_image_text(image, map_x - TICK - 2 - rn_text_width(text, TEXT_SCALE), top, text, TEXT_COLOUR,
                      TEXT_SCALE);
    }
}

static rn_status heatmap_range(const float *matrix, size_t n, const rn_heatmap_options *o, float *lo,
                               float *hi)
{
    RN_CHECK(rn_viz_range(matrix, n, lo, hi, "heatmap"));
    if (o->min < o->max) {
        *lo = o->min;
        *hi = o->max;
    } else if (o->symmetric || o->colormap == RN_COLORMAP_DIVERGING) {
        float m = fmaxf(fabsf(*lo), fabsf(*hi));
        *lo = -m;
        *hi = m;
    }
    return RN_OK;
}

/* Cell sides: o->cell if given, else about 400 px across and at most 600 px
 * down, at least MIN_CELL, a thin map stretched into a band. */
static void cell_sides(int rows, int columns, int given, int *cell_width, int *cell_height)
{
    if (given > 0) {
        *cell_width = *cell_height = given;
        return;
    }
    int cell = 400 / columns;
    if (rows * cell > 600) cell = 600 / rows;
    if (cell < MIN_CELL) cell = MIN_CELL;
    *cell_width = *cell_height = cell;
    int band_height = (MIN_MAP_SIDE + rows - 1) / rows, band_width = (MIN_MAP_SIDE + columns - 1) / columns;
    if (rows * cell < MIN_MAP_SIDE) *cell_height = band_height < MAX_STRETCH * cell ? band_height : MAX_STRETCH * cell;
    if (columns * cell < MIN_MAP_SIDE) *cell_width = band_width < MAX_STRETCH * cell ? band_width : MAX_STRETCH * cell;
}

rn_status rn_image_heatmap(rn_image *out, const float *matrix, int rows, int columns,
                           const rn_heatmap_options *options)
{
    memset(out, 0, sizeof *out);
    rn_heatmap_options o = options ? *options : rn_heatmap_defaults();
    if (!matrix || rows < 1 || columns < 1)
        return rn_error(RN_ERR_ARGUMENT, "heatmap: %dx%d matrix (both must be >= 1)", rows, columns);
    if (o.cell < 0 || o.cell > 256)
        return rn_error(RN_ERR_ARGUMENT, "heatmap: cell size %d outside 0..256", o.cell);
    float lo, hi;
    RN_CHECK(heatmap_range(matrix, (size_t)rows * columns, &o, &lo, &hi));

    int cell_width, cell_height;
    cell_sides(rows, columns, o.cell, &cell_width, &cell_height);
    if ((long long)cell_width * columns > 16384 || (long long)cell_height * rows > 16384)
        return rn_error(RN_ERR_ARGUMENT, "heatmap: %dx%d cells of %dx%d px are too large", rows, columns,
                        cell_width, cell_height);
    int map_width = cell_width * columns, map_height = cell_height * rows;
    int title_height = o.title ? rn_text_height(o.title, TEXT_SCALE) + MARGIN : 0;
    int bar_height = map_height > BAR_MIN_HEIGHT ? map_height : BAR_MIN_HEIGHT;
    int map_x = MARGIN + row_label_width(rows), map_y = MARGIN + title_height;
    int column_labels_height = TICK + 2 + RN_FONT_HEIGHT * TEXT_SCALE;
    int width = map_x + map_width + MARGIN;
    if (o.colorbar) width += BAR_GAP - MARGIN + BAR_WIDTH + LABEL_GAP + colorbar_label_width(lo, hi) + MARGIN;
    int content_height = map_height + column_labels_height;
    if (o.colorbar && bar_height > content_height) content_height = bar_height;
    int height = map_y + content_height + MARGIN;
    int title_width = o.title ? rn_text_width(o.title, TEXT_SCALE) + 2 * MARGIN : 0;
    if (title_width > width) width = title_width;

    RN_CHECK(rn_image_alloc(out, width, height, 3));
    rn_image_fill(out, RN_WHITE);
    if (o.title) rn_image_text(out, MARGIN, MARGIN, o.title, TEXT_COLOUR, TEXT_SCALE);
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < columns; j++) {
            float t = rn_viz_unit(matrix[(size_t)i * columns + j], lo, hi);
            rn_image_fill_rect(out, map_x + j * cell_width, map_y + i * cell_height, cell_width, cell_height,
                               rn_colormap_color(o.colormap, t));
        }
    draw_ticks(out, map_x, map_y, rows, columns, cell_width, cell_height);
    if (o.colorbar)
        draw_colorbar(out, map_x + map_width + BAR_GAP, map_y + 1, bar_height - 2, o.colormap, lo, hi);
    return RN_OK;
}

rn_status rn_png_write_heatmap(const char *path, const float *matrix, int rows, int columns,
                               const rn_heatmap_options *options)
{
    rn_image image;
    rn_status rendered = rn_image_heatmap(&image, matrix, rows, columns, options);
    return rn_viz_write_rendered(path, rendered, &image);
}

/* ---------------------------------------------------------------- confusion matrix */

/* White to dark blue (ColorBrewer "Blues" end points #f7fbff and #08306b). */
static rn_rgb blues(float t)
{
    const rn_rgb a = {247, 251, 255}, b = {8, 48, 107};
    return (rn_rgb){(uint8_t)lrintf(a.r + t * (b.r - a.r)), (uint8_t)lrintf(a.g + t * (b.g - a.g)),
                    (uint8_t)lrintf(a.b + t * (b.b - a.b))};
}

static const char *class_label(const char *const *labels, int k, char *buffer, size_t size)
{
    if (labels && labels[k]) return labels[k];
    snprintf(buffer, size, "%d", k);
    return buffer;
}

rn_status rn_image_confusion(rn_image *out, const int64_t *counts, int classes, const char *const *labels,
                             const char *title)
{
    memset(out, 0, sizeof *out);
    if (!counts || classes < 1 || classes > 100)
        return rn_error(RN_ERR_ARGUMENT, "confusion matrix: %d classes (expected 1..100)", classes);
    char buffer[32];
    int64_t largest = 0;
    for (int i = 0; i < classes * classes; i++) {
        if (counts[i] < 0)
            return rn_error(RN_ERR_ARGUMENT, "confusion matrix: negative count %" PRId64 " at (%d, %d)",
                            counts[i], i / classes, i % classes);
        if (counts[i] > largest) largest = counts[i];
    }
    /* Counts at scale 2 where they fit a reasonable picture, else scale 1. */
    snprintf(buffer, sizeof buffer, "%" PRId64, largest);
    int count_scale = classes <= 16 ? 2 : 1;
    int cell = rn_text_width(buffer, count_scale) + 16;
    if (cell < 8 * count_scale + 20) cell = 8 * count_scale + 20;
    /* Labels at scale 2 if the widest fits a cell, otherwise scale 1. */
    int widest_label = 0;
    for (int k = 0; k < classes; k++) {
        int w = rn_text_width(class_label(labels, k, buffer, sizeof buffer), 1);
        if (w > widest_label) widest_label = w;
    }
    int label_scale = 2 * widest_label + 6 <= cell ? 2 : 1;
    if (widest_label + 6 > cell) cell = widest_label + 6;
    /* Row labels sit left of the grid where there is room: as large as the counts. */
    int row_scale = count_scale;
    if ((long long)cell * classes > 16000)
        return rn_error(RN_ERR_ARGUMENT, "confusion matrix: too large to draw");

    const char *axis_true = "true", *axis_predicted = "predicted";
    int row_label_width = widest_label * row_scale;
    if (rn_text_width(axis_true, TEXT_SCALE) > row_label_width)
        row_label_width = rn_text_width(axis_true, TEXT_SCALE);
    int title_height = title ? rn_text_height(title, TEXT_SCALE) + MARGIN : 0;
    int axis_height = RN_FONT_LINE * TEXT_SCALE + LABEL_GAP;
    int column_label_height = RN_FONT_LINE * label_scale + LABEL_GAP;
    int grid_x = MARGIN + row_label_width + LABEL_GAP;
    int grid_y = MARGIN + title_height + axis_height + column_label_height;
    int width = grid_x + classes * cell + MARGIN;
    int height = grid_y + classes * cell + MARGIN;
    int title_width = title ? rn_text_width(title, TEXT_SCALE) + 2 * MARGIN : 0;
    if (title_width > width) width = title_width;

    RN_CHECK(rn_image_alloc(out, width, height, 3));
    rn_image_fill(out, RN_WHITE);
    if (title) rn_image_text(out, MARGIN, MARGIN, title, TEXT_COLOUR, TEXT_SCALE);
    int axis_y = MARGIN + title_height;
    rn_image_text(out, grid_x + (classes * cell - rn_text_width(axis_predicted, TEXT_SCALE)) / 2, axis_y,
                  axis_predicted, TEXT_COLOUR, TEXT_SCALE);
    rn_image_text(out, MARGIN, grid_y - RN_FONT_LINE * TEXT_SCALE, axis_true, TEXT_COLOUR, TEXT_SCALE);

    for (int k = 0; k < classes; k++) {
        const char *label = class_label(labels, k, buffer, sizeof buffer);
        int w = rn_text_width(label, label_scale);
        rn_image_text(out, grid_x + k * cell + (cell - w) / 2, grid_y - column_label_height, label,
                      TEXT_COLOUR, label_scale);
        rn_image_text(out, grid_x - LABEL_GAP - rn_text_width(label, row_scale),
                      grid_y + k * cell + (cell - RN_FONT_HEIGHT * row_scale) / 2, label, TEXT_COLOUR,
                      row_scale);
    }
    for (int i = 0; i < classes; i++) {
        int64_t row_total = 0;
        for (int j = 0; j < classes; j++)
            row_total += counts[i * classes + j];
        for (int j = 0; j < classes; j++) {
            int64_t count = counts[i * classes + j];
            float fraction = row_total > 0 ? (float)((double)count / (double)row_total) : 0.0f;
            int x = grid_x + j * cell, y = grid_y + i * cell;
            rn_image_fill_rect(out, x, y, cell, cell, blues(fraction));
            rn_image_draw_rect(out, x, y, cell + 1, cell + 1, (rn_rgb){200, 200, 200});
            snprintf(buffer, sizeof buffer, "%" PRId64, count);
            rn_rgb ink = fraction > 0.5f ? RN_WHITE : TEXT_COLOUR;
            if (count == 0) ink = (rn_rgb){170, 170, 170};
            rn_image_text(out, x + (cell - rn_text_width(buffer, count_scale)) / 2 + 1,
                          y + (cell - RN_FONT_HEIGHT * count_scale) / 2 + 1, buffer, ink, count_scale);
        }
    }
    rn_image_draw_rect(out, grid_x, grid_y, classes * cell + 1, classes * cell + 1, FRAME_COLOUR);
    return RN_OK;
}

rn_status rn_png_write_confusion(const char *path, const int64_t *counts, int classes,
                                 const char *const *labels, const char *title)
{
    rn_image image;
    rn_status rendered = rn_image_confusion(&image, counts, classes, labels, title);
    return rn_viz_write_rendered(path, rendered, &image);
}
