/* hinton.c — Hinton diagrams: each weight a square on grey, white for
 * positive, black for negative, area proportional to |w| (see image.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "redes/image.h"
#include "viz/viz_internal.h"

enum { MARGIN = 12, TITLE_SCALE = 2, LABEL_GAP = 4 };

static const rn_rgb BACKGROUND = {128, 128, 128};
static const rn_rgb PAGE = {160, 160, 160};
static const rn_rgb TEXT_COLOUR = {0, 0, 0};

rn_hinton_options rn_hinton_defaults(void)
{
    return (rn_hinton_options){.panels = 1,
                               .panels_per_row = 0,
                               .cell = 16,
                               .max_abs = 0.0f,
                               .panel_labels = NULL,
                               .row_labels = NULL,
                               .column_labels = NULL,
                               .title = NULL,
                               .key = true};
}

/* side = (cell - 2) sqrt(|w| / max_abs): the area (side^2) grows with |w|, and
 * the largest weight leaves a 1-pixel margin so that neighbours stay apart. */
int rn_hinton_square_side(float w, float max_abs, int cell)
{
    if (!(max_abs > 0.0f) || cell < 3 || !isfinite(w)) return 0;
    float fraction = fminf(fabsf(w) / max_abs, 1.0f);
    return (int)lrintf((float)(cell - 2) * sqrtf(fraction));
}

static int widest(const char *const *labels, int n)
{
    int w = 0;
    for (int i = 0; labels && i < n; i++) {
        int t = rn_text_width(labels[i], 1);
        if (t > w) w = t;
    }
    return w;
}

typedef struct hinton_layout {
    int cell, panels_per_row, panel_grid_rows;
    int panel_width, panel_height; /* the grey weight area */
    int step_x, step_y;            /* one panel with its labels and gap */
    int label_left, label_above, label_below;
    bool vertical_columns;
    int title_height;
    int key_y; /* top of the key line (when o->key) */
    int width, height;
} hinton_layout;

/* "= |w| 0.3  (full square; white +, black -)" for the key. */
static void key_text(float max_abs, char *text, size_t size)
{
    char number[32];
    rn_viz_format_number(number, sizeof number, max_abs);
    snprintf(text, size, "= |w| %s  (area ~ |w|; white +, black -)", number);
}

static rn_status layout_of(int panel_rows, int panel_columns, const rn_hinton_options *o, float max_abs,
                           hinton_layout *L)
{
    memset(L, 0, sizeof *L);
    L->cell = o->cell;
    L->panels_per_row = o->panels_per_row > 0 ? o->panels_per_row : 1;
    if (L->panels_per_row > o->panels) L->panels_per_row = o->panels;
    L->panel_grid_rows = (o->panels + L->panels_per_row - 1) / L->panels_per_row;
    L->panel_width = panel_columns * L->cell;
    L->panel_height = panel_rows * L->cell;
    L->label_left = o->row_labels ? widest(o->row_labels, panel_rows) + LABEL_GAP : 0;
    L->label_above = o->panel_labels ? RN_FONT_LINE + LABEL_GAP : 0;
    int column_width = widest(o->column_labels, panel_columns);
    L->vertical_columns = o->column_labels && column_width > L->cell - 2;
    if (o->column_labels) L->label_below = LABEL_GAP + (L->vertical_columns ? column_width : RN_FONT_LINE);
    int gap = L->cell > MARGIN ? L->cell : MARGIN;
    L->step_x = L->label_left + L->panel_width + gap;
    /* Column labels are drawn once, under the lowest panel of each column of
     * panels, so rows of panels need no room for them in between. */
    L->step_y = L->label_above + L->panel_height + gap;
    L->title_height = o->title ? rn_text_height(o->title, TITLE_SCALE) + MARGIN : 0;
    long long width = 2LL * MARGIN + (long long)L->panels_per_row * L->step_x - gap;
    long long height =
        2LL * MARGIN + L->title_height + (long long)L->panel_grid_rows * L->step_y - gap + L->label_below;
    if (o->title) {
        long long title_width = rn_text_width(o->title, TITLE_SCALE) + 2LL * MARGIN;
        if (title_width > width) width = title_width;
    }
    if (o->key) {
        char text[96];
        key_text(max_abs, text, sizeof text);
        L->key_y = (int)(height - MARGIN + LABEL_GAP + (o->column_labels ? LABEL_GAP : 0));
        height = L->key_y + L->cell + MARGIN;
        long long key_width = 2LL * MARGIN + L->cell + LABEL_GAP + rn_text_width(text, 1);
        if (key_width > width) width = key_width;
    }
    if (width > 16384 || height > 16384)
        return rn_error(RN_ERR_ARGUMENT, "hinton diagram: %lldx%lld pixels is too large", width, height);
    L->width = (int)width;
    L->height = (int)height;
    return RN_OK;
}

static void draw_panel(rn_image *image, const hinton_layout *L, const rn_hinton_options *o,
                       const float *weights, int panel_rows, int panel_columns, float max_abs, int x, int y,
                       int panel)
{
    if (o->panel_labels && o->panel_labels[panel])
        rn_image_text(image, x + L->label_left, y, o->panel_labels[panel], TEXT_COLOUR, 1);
    int grid_x = x + L->label_left, grid_y = y + L->label_above;
    rn_image_fill_rect(image, grid_x, grid_y, L->panel_width, L->panel_height, BACKGROUND);
    for (int i = 0; i < panel_rows; i++) {
        if (o->row_labels && o->row_labels[i]) {
            int w = rn_text_width(o->row_labels[i], 1);
            rn_image_text(image, grid_x - LABEL_GAP - w,
                          grid_y + i * L->cell + (L->cell - RN_FONT_HEIGHT) / 2, o->row_labels[i],
                          TEXT_COLOUR, 1);
        }
        for (int j = 0; j < panel_columns; j++) {
            float w = weights[(size_t)i * panel_columns + j];
            int side = rn_hinton_square_side(w, max_abs, L->cell);
            if (side == 0) continue;
            int offset = (L->cell - side) / 2;
            rn_image_fill_rect(image, grid_x + j * L->cell + offset, grid_y + i * L->cell + offset, side,
                               side, w > 0 ? RN_WHITE : RN_BLACK);
        }
    }
    bool lowest_in_column = panel + L->panels_per_row >= o->panels;
    if (!o->column_labels || !lowest_in_column) return;
    int below = grid_y + L->panel_height + LABEL_GAP;
    for (int j = 0; j < panel_columns; j++) {
        const char *label = o->column_labels[j];
        if (!label) continue;
        if (L->vertical_columns) {
            int x_text = grid_x + j * L->cell + (L->cell - RN_FONT_HEIGHT) / 2;
            rn_image_text_vertical(image, x_text, below + rn_text_width(label, 1) - 1, label, TEXT_COLOUR, 1);
        } else {
            int w = rn_text_width(label, 1);
            rn_image_text(image, grid_x + j * L->cell + (L->cell - w) / 2, below, label, TEXT_COLOUR, 1);
        }
    }
}

rn_status rn_image_hinton(rn_image *out, const float *weights, int panel_rows, int panel_columns,
                          const rn_hinton_options *options)
{
    memset(out, 0, sizeof *out);
    rn_hinton_options o = options ? *options : rn_hinton_defaults();
    if (!weights || panel_rows < 1 || panel_columns < 1 || o.panels < 1)
        return rn_error(RN_ERR_ARGUMENT, "hinton diagram: %d panels of %dx%d weights (all must be >= 1)",
                        o.panels, panel_rows, panel_columns);
    if (o.cell < 4 || o.cell > 128)
        return rn_error(RN_ERR_ARGUMENT, "hinton diagram: cell %d outside 4..128", o.cell);
    if (o.panels_per_row < 0 || !(o.max_abs >= 0.0f))
        return rn_error(RN_ERR_ARGUMENT, "hinton diagram: bad panels_per_row %d or max_abs %g",
                        o.panels_per_row, (double)o.max_abs);
    size_t panel_size = (size_t)panel_rows * (size_t)panel_columns;
    float lo, hi;
    RN_CHECK(rn_viz_range(weights, panel_size * (size_t)o.panels, &lo, &hi, "hinton diagram"));
    float max_abs = o.max_abs > 0.0f ? o.max_abs : fmaxf(fabsf(lo), fabsf(hi));

    hinton_layout L;
    RN_CHECK(layout_of(panel_rows, panel_columns, &o, max_abs, &L));
    RN_CHECK(rn_image_alloc(out, L.width, L.height, 1));
    rn_image_fill(out, PAGE);
    if (o.title) rn_image_text(out, MARGIN, MARGIN, o.title, TEXT_COLOUR, TITLE_SCALE);
    for (int p = 0; p < o.panels; p++) {
        int x = MARGIN + (p % L.panels_per_row) * L.step_x;
        int y = MARGIN + L.title_height + (p / L.panels_per_row) * L.step_y;
        draw_panel(out, &L, &o, weights + (size_t)p * panel_size, panel_rows, panel_columns, max_abs, x, y,
                   p);
    }
    if (o.key) {
        char text[96];
        key_text(max_abs, text, sizeof text);
        int side = rn_hinton_square_side(max_abs, max_abs, L.cell), offset = (L.cell - side) / 2;
        rn_image_fill_rect(out, MARGIN, L.key_y, L.cell, L.cell, BACKGROUND);
        rn_image_fill_rect(out, MARGIN + offset, L.key_y + offset, side, side, RN_WHITE);
        rn_image_text(out, MARGIN + L.cell + LABEL_GAP, L.key_y + (L.cell - RN_FONT_HEIGHT) / 2, text, TEXT_COLOUR,
                      1);
    }
    return RN_OK;
}

rn_status rn_png_write_hinton(const char *path, const float *weights, int panel_rows, int panel_columns,
                              const rn_hinton_options *options)
{
    rn_image image;
    rn_status rendered = rn_image_hinton(&image, weights, panel_rows, panel_columns, options);
    return rn_viz_write_rendered(path, rendered, &image);
}
