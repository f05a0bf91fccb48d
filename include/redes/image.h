/* image.h — raster pictures written as PNG (libpng): image grids, heatmaps
 * with a colour bar, confusion matrices, Hinton diagrams, a tiny bitmap font,
 * PNG reading into a float grey image and MNIST-style digit preprocessing.
 *
 * An rn_image is 8-bit grey (1 channel) or RGB (3 channels), row-major, the
 * top-left pixel first:  pixel (x, y) channel c is
 *     image.pixels[(y * image.width + x) * image.channels + c].
 *
 * Every rn_png_write_* writes PATH.tmp, fsyncs it and renames it onto PATH,
 * so a reader never sees half a picture.  Functions that build an rn_image
 * (rn_image_grid, rn_image_heatmap, ...) allocate `out`; release it with
 * rn_image_free.  Each has a rn_png_write_* twin that builds and writes in
 * one call.
 *
 *   // 64 MNIST digits (64, 28, 28) in an 8x8 grid, twice the size:
 *   rn_grid_options grid = rn_grid_defaults();
 *   grid.scale = 2;
 *   RN_CHECK(rn_png_write_grid("run/digits.png", images, 64, 28, 28, &grid));
 *
 *   // First-layer weights (10, 784) of a linear classifier as 28x28 tiles,
 *   // signed, blue-white-red with one range for all tiles:
 *   grid.colormap = RN_COLORMAP_DIVERGING;
 *   grid.normalise = RN_NORMALISE_GLOBAL;
 *   RN_CHECK(rn_png_write_grid("run/weights.png", w, 10, 28, 28, &grid));
 */
#ifndef REDES_IMAGE_H
#define REDES_IMAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "redes/status.h"
#include "redes/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ images */

typedef struct rn_image {
    int width, height;
    int channels;    /* 1 = grey, 3 = RGB */
    uint8_t *pixels; /* height * width * channels bytes, row-major */
} rn_image;

typedef struct rn_rgb {
    uint8_t r, g, b;
} rn_rgb;

/* Allocates a width x height image with 1 or 3 channels, filled with zeros
 * (black).  Sizes are limited to 1..32768 per side. */
rn_status rn_image_alloc(rn_image *out, int width, int height, int channels);
/* Releases the pixels and leaves an empty image (safe on an empty image). */
void rn_image_free(rn_image *image);

/* Sets every pixel (grey images take the colour's luminance). */
void rn_image_fill(rn_image *image, rn_rgb colour);
/* Sets one pixel; coordinates outside the image are ignored (clipping). */
void rn_image_set(rn_image *image, int x, int y, rn_rgb colour);
/* Reads one pixel (grey images return r = g = b); (0,0,0) outside. */
rn_rgb rn_image_get(const rn_image *image, int x, int y);
/* Fills the rectangle [x, x+width) x [y, y+height), clipped to the image. */
void rn_image_fill_rect(rn_image *image, int x, int y, int width, int height, rn_rgb colour);
/* Draws a 1-pixel rectangle outline, clipped. */
void rn_image_draw_rect(rn_image *image, int x, int y, int width, int height, rn_rgb colour);
/* Copies `source` into `image` with its top-left corner at (x, y), clipped;
 * grey sources are drawn into RGB images as grey colours and vice versa
 * (luminance). */
void rn_image_blit(rn_image *image, const rn_image *source, int x, int y);

/* Writes an image as an 8-bit PNG (grey or RGB), atomically. */
rn_status rn_image_write_png(const rn_image *image, const char *path);
/* Writes raw 8-bit pixels (height * width bytes, or * 3 for RGB) as PNG. */
rn_status rn_png_write_grey(const char *path, const uint8_t *pixels, int width, int height);
rn_status rn_png_write_rgb(const char *path, const uint8_t *pixels, int width, int height);

/* ------------------------------------------------------------------ colours */

typedef enum rn_colormap {
    RN_COLORMAP_GREY,     /* black (low) to white (high) */
    RN_COLORMAP_VIRIDIS,  /* perceptually uniform dark blue - green - yellow */
    RN_COLORMAP_DIVERGING /* blue (negative) - white (0) - red (positive), for signed weights */
} rn_colormap;

/* The colour of t in [0, 1] (clamped; NaN gives magenta so it stands out).
 * Endpoints: grey 0 -> (0,0,0), 1 -> (255,255,255); viridis 0 -> (68,1,84),
 * 1 -> (253,231,37); diverging 0 -> (33,102,172), 0.5 -> (255,255,255),
 * 1 -> (178,24,43). */
rn_rgb rn_colormap_color(rn_colormap map, float t);

/* Standard colours used by the pictures. */
extern const rn_rgb RN_BLACK, RN_WHITE, RN_GREY;
/* A qualitative palette of 10 distinguishable colours for classes
 * (class k uses rn_class_color(k % 10)). */
rn_rgb rn_class_color(int k);

/* ------------------------------------------------------------------ text */

/* The built-in 5x7 bitmap font.  Text is UTF-8: all printable ASCII, the
 * Spanish letters á é í ó ú ü ñ ¿ ¡ (capitals with accents are drawn without
 * them), the Greek letters α β δ ε η θ λ μ π σ τ φ ω Σ Δ and ° ² · × →;
 * dashes and typographic quotes are drawn as their ASCII look-alikes, other
 * characters as a box.  Every glyph occupies a 6x9 cell at scale 1 (5x7 plus
 * spacing; descenders use rows 7-8). */
enum { RN_FONT_WIDTH = 5, RN_FONT_HEIGHT = 7, RN_FONT_ADVANCE = 6, RN_FONT_LINE = 9 };

/* Whether pixel (column, row) of an ASCII character's glyph is set, column
 * 0..4, row 0..8 (rows 7 and 8 are the descender area). */
bool rn_font_pixel(char character, int column, int row);
/* Draws text with its top-left corner at (x, y); each font pixel becomes a
 * scale x scale block.  Newlines start a new line.  Clipped. */
void rn_image_text(rn_image *image, int x, int y, const char *text, rn_rgb colour, int scale);
/* One line of text read bottom to top (turned 90 degrees counter-clockwise),
 * for labels under narrow columns: the first character's bottom-left corner
 * (before turning) is at (x, y_bottom); the text occupies
 * [x, x + 9 scale) x (y_bottom - rn_text_width(text, scale), y_bottom]. */
void rn_image_text_vertical(rn_image *image, int x, int y_bottom, const char *text, rn_rgb colour, int scale);
/* Size in pixels the text occupies at `scale` (widest line, all lines). */
int rn_text_width(const char *text, int scale);
int rn_text_height(const char *text, int scale);

/* ------------------------------------------------------------------ grids */

typedef enum rn_normalise {
    RN_NORMALISE_PER_IMAGE, /* each tile maps its own [min, max] to [0, 1] */
    RN_NORMALISE_GLOBAL,    /* one [min, max] over all tiles (compare magnitudes) */
    RN_NORMALISE_NONE       /* values are already in [0, 1] (clamped) */
} rn_normalise;

typedef struct rn_grid_options {
    int columns; /* tiles per row; 0 = ceil(sqrt(count)) */
    int gap;     /* pixels between tiles and around the border, before scaling */
    int scale;   /* integer enlargement of every pixel (>= 1) */
    rn_normalise normalise;
    rn_colormap colormap; /* for 1-channel tiles */
    bool symmetric;       /* map [-m, m], m = max |v|, so 0 is the middle colour
                             (default for RN_COLORMAP_DIVERGING) */
    int channels;         /* 1 (tiles are H x W) or 3 (tiles are 3 x H x W, RGB planes) */
    rn_rgb background;    /* colour of the gaps */
    /* NULL, or one short caption per tile drawn under it in the 5x7 font
     * (e.g. "7>2" for a misclassified digit); a NULL entry draws nothing. */
    const char *const *captions;
} rn_grid_options;

/* columns 0, gap 1, scale 1, per-image grey, channels 1, mid-grey gaps, no captions. */
rn_grid_options rn_grid_defaults(void);

/* Where tiles go.  Tile i sits in row i / columns, column i % columns, with
 * its top-left pixel at (x0 + column * step_x, y0 + row * step_y). */
typedef struct rn_grid_layout {
    int rows, columns;
    int tile_width, tile_height; /* W * scale, H * scale */
    int step_x, step_y;          /* tile size + gap * scale (+ caption_height down) */
    int caption_height;          /* room under each tile for its caption (0 without) */
    int x0, y0;                  /* gap * scale */
    int width, height;           /* the whole picture */
} rn_grid_layout;

rn_status rn_grid_layout_of(int count, int height, int width, const rn_grid_options *options,
                            rn_grid_layout *out);

/* `images` holds `count` tiles of height x width floats (x channels), one
 * after the other (a (count, H, W) or (count, 3, H, W) tensor's data).
 * NaN/inf values are rejected with RN_ERR_NUMERIC.  options NULL = defaults. */
rn_status rn_image_grid(rn_image *out, const float *images, int count, int height, int width,
                        const rn_grid_options *options);
rn_status rn_png_write_grid(const char *path, const float *images, int count, int height, int width,
                            const rn_grid_options *options);

/* ------------------------------------------------------------------ heatmaps */

typedef struct rn_heatmap_options {
    rn_colormap colormap; /* default viridis */
    int cell;             /* pixels per matrix entry; 0 = chosen so the map is ~400 px wide */
    bool symmetric;       /* range [-m, m], m = max |v| (default for diverging) */
    float min, max;       /* explicit range when min < max (overrides symmetric) */
    bool colorbar;        /* a vertical colour bar with max (top) and min (bottom) labels */
    const char *title;    /* drawn above, may be NULL */
} rn_heatmap_options;

/* viridis, automatic cell size, colour bar on. */
rn_heatmap_options rn_heatmap_defaults(void);

/* A rows x columns matrix (row-major), row 0 at the top. */
rn_status rn_image_heatmap(rn_image *out, const float *matrix, int rows, int columns,
                           const rn_heatmap_options *options);
rn_status rn_png_write_heatmap(const char *path, const float *matrix, int rows, int columns,
                               const rn_heatmap_options *options);

/* ------------------------------------------------------------------ confusion matrix */

/* counts[true_class * classes + predicted_class].  Rows are true classes
 * (labelled on the left), columns predicted classes (labelled on top); each
 * cell shows its count, shaded by the count as a fraction of its row (so
 * per-class recall is what the eye sees).  labels may be NULL (0, 1, ...),
 * title may be NULL.  Up to 100 classes. */
rn_status rn_image_confusion(rn_image *out, const int64_t *counts, int classes, const char *const *labels,
                             const char *title);
rn_status rn_png_write_confusion(const char *path, const int64_t *counts, int classes,
                                 const char *const *labels, const char *title);

/* ------------------------------------------------------------------ Hinton diagrams */

/* A Hinton diagram draws each weight as a square on a grey background:
 * white for positive, black for negative, with AREA proportional to |w|
 * (side = cell * sqrt(|w| / max_abs), so a weight of max_abs fills its
 * cell but for a 1-pixel margin).
 *
 * The weights form `panels` blocks of panel_rows x panel_columns, one after
 * the other, arranged `panels_per_row` to a row of the picture.  One panel
 * is the classic picture of a matrix.  For the family-tree network (Hinton
 * 1986) each of the 6 hidden units is a panel of 2 x 12 weights: the 12
 * English people in the top row, their Italian counterparts beneath. */
typedef struct rn_hinton_options {
    int panels;                       /* >= 1 (default 1) */
    int panels_per_row;               /* 0 = all panels in one column */
    int cell;                         /* pixels per weight (default 16) */
    float max_abs;                    /* |w| that fills a cell; 0 = max |w| over all panels */
    const char *const *panel_labels;  /* one per panel, drawn above it, or NULL */
    const char *const *row_labels;    /* panel_rows labels drawn left of each panel, or NULL */
    const char *const *column_labels; /* panel_columns labels under the lowest panels, or NULL */
    const char *title;                /* or NULL */
    /* A key under the diagram: a full square and the |w| it stands for, so
     * that sizes can be read as numbers (default on). */
    bool key;
} rn_hinton_options;

rn_hinton_options rn_hinton_defaults(void);

/* Side in pixels of the square drawn for weight w (0 for w = 0). */
int rn_hinton_square_side(float w, float max_abs, int cell);

rn_status rn_image_hinton(rn_image *out, const float *weights, int panel_rows, int panel_columns,
                          const rn_hinton_options *options);
rn_status rn_png_write_hinton(const char *path, const float *weights, int panel_rows, int panel_columns,
                              const rn_hinton_options *options);

/* ------------------------------------------------------------------ reading */

/* Reads any PNG (grey, grey+alpha, RGB, RGBA, palette, 1- to 16-bit) into a
 * heap tensor of shape (H, W) with values in [0, 1], 0 = black, 1 = white.
 * Colour is converted by luminance Y = 0.299 R + 0.587 G + 0.114 B (Rec. 601);
 * transparent pixels are composited over white (how a viewer shows them).
 * 16-bit samples keep their precision.  Release with rn_tensor_free. */
rn_status rn_png_read_grey(const char *path, rn_tensor *out);

/* ------------------------------------------------------------------ MNIST preprocessing */

/* Turns a grey picture (H, W) in [0, 1] of one hand-written digit into the
 * MNIST form: a (28, 28) heap tensor in [0, 1] with white ink (1) on black
 * background (0), as LeCun et al. made the data set:
 *   1. polarity: the background is the median grey level (a digit covers a
 *      minority of the picture); the picture is dark-on-light, and is
 *      inverted, when that median lies nearer the lightest pixel than the
 *      darkest.  Then the contrast is stretched so that the background
 *      becomes 0 and the brightest ink 1.  A flat picture (lightest - darkest
 *      below 0.05) or one without ink beyond the background is
 *      RN_ERR_ARGUMENT ("no ink found");
 *   2. frames: ink (pixels above 0.1 after step 1, 8-connected) that touches
 *      the picture's edge along at least half of a side is a frame, a scan's
 *      dark edge or a white border, and is dropped, unless nothing else is
 *      left (a digit cropped tightly touches the edges and stays);
 *   3. the bounding box of the remaining ink is resampled by area averaging
 *      to fit 20 x 20, keeping the aspect ratio, and scaled so that its
 *      brightest pixel is 1 (thin strokes on a large canvas would otherwise
 *      average down to faint grey);
 *   4. the 20 x 20 box is placed in 28 x 28 so that the ink's centre of mass
 *      falls on the centre (14, 14) (pixel centres at i + 0.5), shifted by a
 *      whole number of pixels and kept inside the frame.
 * Not handled: a frame or shadow covering half of the picture or more (it
 * would be taken for the background), and a frame drawn inside a margin
 * (it does not touch the edge, so it is taken for ink). */
rn_status rn_mnist_preprocess(const rn_tensor *grey, rn_tensor *out);

/* What rn_mnist_preprocess decided, for tests and for explaining a result. */
typedef struct rn_digit_report {
    float background;  /* the median grey level of the picture, before inversion */
    bool inverted;     /* dark ink on light paper: the picture was inverted */
    long frame_pixels; /* ink pixels dropped as a frame or border (0: none) */
    int ink_x, ink_y, ink_width, ink_height; /* the ink's bounding box in the picture */
} rn_digit_report;

rn_status rn_mnist_preprocess_report(const rn_tensor *grey, rn_tensor *out, rn_digit_report *report);

/* rn_png_read_grey followed by rn_mnist_preprocess: `redes predict digit.png`. */
rn_status rn_png_read_digit(const char *path, rn_tensor *out);

#ifdef __cplusplus
}
#endif
#endif
