/* test_viz.c — PNG pictures (write/read, grids, colour maps, font, Hinton,
 * heatmaps, confusion matrix), MNIST preprocessing and gnuplot charts. */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <ftw.h>
#include <math.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redes/redes.h"

/* ---------------------------------------------------------------- helpers */

static char temp_dir[64];

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int make_temp_dir(void **state)
{
    (void)state;
    snprintf(temp_dir, sizeof temp_dir, "/tmp/redes_test_viz_XXXXXX");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state)
{
    (void)state;
    return nftw(temp_dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *temp_path(const char *name)
{
    static char path[256];
    snprintf(path, sizeof path, "%s/%s", temp_dir, name);
    return path;
}

static bool file_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static char *read_text(const char *path)
{
    FILE *file = fopen(path, "rb");
    if (!file) return NULL;
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    fseek(file, 0, SEEK_SET);
    char *text = malloc((size_t)size + 1);
    size_t got = fread(text, 1, (size_t)size, file);
    text[got] = '\0';
    fclose(file);
    return text;
}

/* Reads a PNG with libpng's simplified API, independent of our reader. */
static uint8_t *libpng_read(const char *path, png_uint_32 format, int *width, int *height)
{
    png_image image;
    memset(&image, 0, sizeof image);
    image.version = PNG_IMAGE_VERSION;
    if (!png_image_begin_read_from_file(&image, path)) return NULL;
    image.format = format;
    uint8_t *buffer = malloc(PNG_IMAGE_SIZE(image));
    if (!png_image_finish_read(&image, NULL, buffer, 0, NULL)) {
        free(buffer);
        return NULL;
    }
    *width = (int)image.width;
    *height = (int)image.height;
    return buffer;
}

/* Writes a PNG of any colour type and depth with libpng directly. */
static int interlace_type = PNG_INTERLACE_NONE;

static void libpng_write(const char *path, int width, int height, int color_type, int bit_depth,
                         const uint8_t *rows_data, size_t row_bytes, const png_color *palette, int n_palette)
{
    FILE *file = fopen(path, "wb");
    assert_non_null(file);
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    assert_int_equal(setjmp(png_jmpbuf(png)), 0);
    png_init_io(png, file);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, bit_depth, color_type,
                 interlace_type, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    if (palette) png_set_PLTE(png, info, palette, n_palette);
    png_write_info(png, info);
    int passes = png_set_interlace_handling(png);
    for (int pass = 0; pass < passes; pass++)
        for (int y = 0; y < height; y++) png_write_row(png, rows_data + (size_t)y * row_bytes);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    fclose(file);
}

/* ---------------------------------------------------------------- PNG writing */

static void png_write_then_read_exact_pixels(void **state)
{
    (void)state;
    const uint8_t grey[6] = {0, 1, 127, 128, 254, 255};
    assert_int_equal(rn_png_write_grey(temp_path("grey.png"), grey, 3, 2), RN_OK);
    assert_false(file_exists(temp_path("grey.png.tmp")));
    int w, h;
    uint8_t *back = libpng_read(temp_path("grey.png"), PNG_FORMAT_GRAY, &w, &h);
    assert_non_null(back);
    assert_int_equal(w, 3);
    assert_int_equal(h, 2);
    assert_memory_equal(back, grey, 6);
    free(back);

    rn_image image;
    assert_int_equal(rn_image_alloc(&image, 4, 3, 3), RN_OK);
    rn_image_fill(&image, (rn_rgb){10, 20, 30});
    rn_image_set(&image, 3, 2, (rn_rgb){200, 100, 50});
    rn_image_set(&image, 9, 9, RN_WHITE); /* clipped, no effect */
    assert_int_equal(rn_image_write_png(&image, temp_path("rgb.png")), RN_OK);
    back = libpng_read(temp_path("rgb.png"), PNG_FORMAT_RGB, &w, &h);
    assert_non_null(back);
    assert_int_equal(w, 4);
    assert_int_equal(h, 3);
    assert_memory_equal(back, image.pixels, 4 * 3 * 3);
    assert_int_equal(back[(2 * 4 + 3) * 3 + 0], 200);
    assert_int_equal(back[0], 10);
    free(back);
    rn_image_free(&image);

    /* Failure: a folder that does not exist; the message names the file. */
    rn_status status = rn_png_write_grey("/nonexistent/dir/x.png", grey, 3, 2);
    assert_int_equal(status, RN_ERR_IO);
    assert_non_null(strstr(rn_error_message(), "/nonexistent/dir/x.png.tmp"));
    assert_int_equal(rn_png_write_grey(temp_path("bad.png"), grey, 0, 2), RN_ERR_ARGUMENT);
}

/* ---------------------------------------------------------------- colour maps */

static void colormap_endpoints(void **state)
{
    (void)state;
    rn_rgb c = rn_colormap_color(RN_COLORMAP_VIRIDIS, 0.0f);
    assert_true(c.r == 68 && c.g == 1 && c.b == 84);
    c = rn_colormap_color(RN_COLORMAP_VIRIDIS, 1.0f);
    assert_true(c.r == 253 && c.g == 231 && c.b == 37);
    c = rn_colormap_color(RN_COLORMAP_VIRIDIS, 0.5f); /* #21918c */
    assert_true(c.r == 33 && c.g == 145 && c.b == 140);
    c = rn_colormap_color(RN_COLORMAP_DIVERGING, 0.0f);
    assert_true(c.r == 33 && c.g == 102 && c.b == 172);
    c = rn_colormap_color(RN_COLORMAP_DIVERGING, 0.5f);
    assert_true(c.r == 255 && c.g == 255 && c.b == 255);
    c = rn_colormap_color(RN_COLORMAP_DIVERGING, 1.0f);
    assert_true(c.r == 178 && c.g == 24 && c.b == 43);
    c = rn_colormap_color(RN_COLORMAP_GREY, 2.0f); /* clamped */
    assert_true(c.r == 255 && c.g == 255 && c.b == 255);
    c = rn_colormap_color(RN_COLORMAP_GREY, -1.0f);
    assert_true(c.r == 0 && c.g == 0 && c.b == 0);
    c = rn_colormap_color(RN_COLORMAP_GREY, NAN);
    assert_true(c.r == 255 && c.g == 0 && c.b == 255);
}

/* ---------------------------------------------------------------- grids */

static void grid_layout_geometry(void **state)
{
    (void)state;
    rn_grid_options options = rn_grid_defaults();
    options.scale = 2;
    rn_grid_layout layout;
    assert_int_equal(rn_grid_layout_of(10, 28, 28, &options, &layout), RN_OK);
    assert_int_equal(layout.columns, 4); /* ceil(sqrt(10)) */
    assert_int_equal(layout.rows, 3);
    assert_int_equal(layout.tile_width, 56);
    assert_int_equal(layout.step_x, 58);
    assert_int_equal(layout.x0, 2);
    assert_int_equal(layout.width, 2 + 4 * 58);
    assert_int_equal(layout.height, 2 + 3 * 58);
    options.columns = 5;
    options.gap = 0;
    options.scale = 1;
    assert_int_equal(rn_grid_layout_of(64, 3, 2, &options, &layout), RN_OK);
    assert_int_equal(layout.rows, 13);
    assert_int_equal(layout.width, 10);
    assert_int_equal(layout.height, 39);
    assert_int_equal(rn_grid_layout_of(0, 3, 2, &options, &layout), RN_ERR_ARGUMENT);

    /* Pixels: 3 tiles of 2x2, per-image normalisation, gap 1, scale 3. */
    float tiles[3 * 4] = {0,  1, 2, 3, /* tile 0: 0..3 -> black .. white */
                          5,  5, 5, 5, /* tile 1: constant -> mid grey */
                          -1, 0, 0, 1};
    options = rn_grid_defaults();
    options.scale = 3;
    options.columns = 2;
    rn_image image;
    assert_int_equal(rn_image_grid(&image, tiles, 3, 2, 2, &options), RN_OK);
    assert_int_equal(image.width, 3 + 2 * (6 + 3));
    assert_int_equal(image.height, 3 + 2 * (6 + 3));
    assert_int_equal(image.channels, 1);
    assert_int_equal(rn_image_get(&image, 0, 0).r, 128);         /* border gap */
    assert_int_equal(rn_image_get(&image, 3, 3).r, 0);           /* tile 0, pixel (0,0) */
    assert_int_equal(rn_image_get(&image, 3 + 5, 3 + 5).r, 255); /* tile 0, pixel (1,1) scaled */
    assert_int_equal(rn_image_get(&image, 3 + 3, 3).r, 85);      /* 1/3 of 255 */
    assert_int_equal(rn_image_get(&image, 12, 3).r, 128);        /* tile 1: constant */
    assert_int_equal(rn_image_get(&image, 3, 12 + 3).r, 128);    /* tile 2 (row 1): 0 of [-1, 1] */
    rn_image_free(&image);

    options.normalise = RN_NORMALISE_GLOBAL;
    options.colormap = RN_COLORMAP_DIVERGING; /* symmetric: [-5, 5] */
    assert_int_equal(rn_image_grid(&image, tiles, 3, 2, 2, &options), RN_OK);
    assert_int_equal(image.channels, 3);
    rn_rgb zero = rn_image_get(&image, 3 + 3, 12); /* tile 2 pixel (1,0) = 0 */
    assert_true(zero.r == 255 && zero.g == 255 && zero.b == 255);
    rn_image_free(&image);

    /* Captions add a text line under every tile row. */
    const char *captions[3] = {"7>2", NULL, "9"};
    options = rn_grid_defaults();
    options.scale = 10;
    options.captions = captions;
    assert_int_equal(rn_grid_layout_of(3, 2, 2, &options, &layout), RN_OK);
    assert_int_equal(layout.caption_height, 11);
    assert_int_equal(layout.step_y, 20 + 10 + 11);
    assert_int_equal(rn_image_grid(&image, tiles, 3, 2, 2, &options), RN_OK);
    assert_int_equal(image.height, 10 + 2 * 41);
    int ink[2] = {0, 0}; /* black caption pixels under tiles 0 and 1 */
    for (int t = 0; t < 2; t++)
        for (int y = 10 + 20; y < 10 + 20 + 11; y++)
            for (int x = 0; x < 20; x++) ink[t] += rn_image_get(&image, 10 + t * 30 + x, y).r == 0;
    assert_true(ink[0] > 10); /* "7>2", black on the mid-grey gap */
    assert_int_equal(ink[1], 0);
    rn_image_free(&image);

    tiles[5] = NAN;
    assert_int_equal(rn_image_grid(&image, tiles, 3, 2, 2, &options), RN_ERR_NUMERIC);
}

/* ---------------------------------------------------------------- font */

static void font_renders_known_pixels(void **state)
{
    (void)state;
    /* The '1' of the font: stem in column 2, flag at (1,1), base row 6. */
    static const char *one[7] = {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."};
    for (int row = 0; row < 7; row++)
        for (int column = 0; column < 5; column++)
            assert_int_equal(rn_font_pixel('1', column, row), one[row][column] == '#');
    assert_false(rn_font_pixel('1', 2, 7));
    assert_true(rn_font_pixel('g', 1, 8));    /* descender */
    assert_true(rn_font_pixel('\x01', 0, 0)); /* unknown: a box */

    rn_image image;
    assert_int_equal(rn_image_alloc(&image, 20, 20, 1), RN_OK);
    rn_image_text(&image, 1, 2, "7", RN_WHITE, 2);
    static const char *seven[7] = {"#####", "....#", "...#.", "..#..", ".#...", ".#...", ".#..."};
    for (int y = 0; y < 20; y++)
        for (int x = 0; x < 20; x++) {
            int column = (x - 1) / 2, row = (y - 2) / 2;
            bool inside = x >= 1 && y >= 2 && column < 5 && row < 7;
            bool ink = inside && seven[row][column] == '#';
            assert_int_equal(rn_image_get(&image, x, y).r, ink ? 255 : 0);
        }
    rn_image_free(&image);
    assert_int_equal(rn_text_width("12", 1), 11);
    assert_int_equal(rn_text_width("12\n345", 2), 34);
    assert_int_equal(rn_text_height("A", 1), 7);
    assert_int_equal(rn_text_height("A\ng", 1), 18);
    /* UTF-8: one cell per character, not per byte. */
    assert_int_equal(rn_text_width("Hodgkin\u2013Huxley", 1), 14 * 6 - 1);
    assert_int_equal(rn_text_width("\u03b7 = 0.1", 1), 7 * 6 - 1);
    assert_int_equal(rn_text_height("\u03b7", 1), 9); /* eta has a descender */
    /* 'ñ' is drawn with its tilde (row 0), the en dash exactly as '-'. */
    rn_image a, b;
    assert_int_equal(rn_image_alloc(&a, 6, 9, 1), RN_OK);
    assert_int_equal(rn_image_alloc(&b, 6, 9, 1), RN_OK);
    rn_image_text(&a, 0, 0, "\u2013", RN_WHITE, 1);
    rn_image_text(&b, 0, 0, "-", RN_WHITE, 1);
    assert_memory_equal(a.pixels, b.pixels, 6 * 9);
    rn_image_fill(&a, RN_BLACK);
    rn_image_text(&a, 0, 0, "\u00f1", RN_WHITE, 1);
    assert_int_equal(rn_image_get(&a, 1, 0).r, 255);
    assert_int_equal(rn_image_get(&a, 0, 6).r, 255);
    /* Vertical text: the glyph turned so that its rows run left to right:
     * pixel (column, row) of '1' lands at (row, 8 - column) for y_bottom 8. */
    rn_image_fill(&a, RN_BLACK);
    rn_image_free(&b);
    assert_int_equal(rn_image_alloc(&b, 9, 9, 1), RN_OK);
    rn_image_text_vertical(&b, 0, 8, "1", RN_WHITE, 1);
    for (int row = 0; row < 9; row++)
        for (int column = 0; column < 5; column++)
            assert_int_equal(rn_image_get(&b, row, 8 - column).r, rn_font_pixel('1', column, row) ? 255 : 0);
    rn_image_free(&a);
    rn_image_free(&b);
}

/* ---------------------------------------------------------------- Hinton */

static void hinton_squares_by_area_and_sign(void **state)
{
    (void)state;
    assert_int_equal(rn_hinton_square_side(1.0f, 1.0f, 18), 16);
    assert_int_equal(rn_hinton_square_side(-0.25f, 1.0f, 18), 8);
    assert_int_equal(rn_hinton_square_side(0.0625f, 1.0f, 18), 4);
    assert_int_equal(rn_hinton_square_side(0.0f, 1.0f, 18), 0);

    const float weights[4] = {1.0f, -0.25f, 0.0625f, 0.0f};
    rn_hinton_options options = rn_hinton_defaults();
    options.cell = 18;
    rn_image image;
    assert_int_equal(rn_image_hinton(&image, weights, 1, 4, &options), RN_OK);
    /* Find the grey panel: the first pixel of value 128 scanning rows. */
    int panel_x = -1, panel_y = -1;
    for (int y = 0; y < image.height && panel_x < 0; y++)
        for (int x = 0; x < image.width; x++)
            if (rn_image_get(&image, x, y).r == 128) {
                panel_x = x;
                panel_y = y;
                break;
            }
    assert_true(panel_x >= 0);
    int white[4] = {0}, black[4] = {0};
    for (int j = 0; j < 4; j++)
        for (int y = 0; y < 18; y++)
            for (int x = 0; x < 18; x++) {
                int v = rn_image_get(&image, panel_x + j * 18 + x, panel_y + y).r;
                white[j] += v == 255;
                black[j] += v == 0;
            }
    /* Area proportional to |w|: 256, 64, 16, 0 pixels. */
    assert_int_equal(white[0], 256);
    assert_int_equal(black[0], 0);
    assert_int_equal(black[1], 64);
    assert_int_equal(white[1], 0);
    assert_int_equal(white[2], 16);
    assert_int_equal(white[3] + black[3], 0);
    /* The square is centred: the cell's middle is white for w = 1. */
    assert_int_equal(rn_image_get(&image, panel_x + 9, panel_y + 9).r, 255);
    assert_int_equal(rn_image_get(&image, panel_x, panel_y).r, 128); /* 1-px margin */
    /* The key under the panel: one more full square (256 white pixels) for
     * the largest |w|; without it only the weights' 256 + 16. */
    int all_white = 0;
    for (int y = 0; y < image.height; y++)
        for (int x = 0; x < image.width; x++) all_white += rn_image_get(&image, x, y).r == 255;
    assert_int_equal(all_white, 256 + 16 + 256);
    assert_int_equal(rn_image_get(&image, 12 + 9, image.height - 12 - 9).r, 255); /* the key's square */
    int key_height = image.height;
    rn_image_free(&image);
    options.key = false;
    assert_int_equal(rn_image_hinton(&image, weights, 1, 4, &options), RN_OK);
    all_white = 0;
    for (int y = 0; y < image.height; y++)
        for (int x = 0; x < image.width; x++) all_white += rn_image_get(&image, x, y).r == 255;
    assert_int_equal(all_white, 256 + 16);
    assert_true(image.height < key_height);
    rn_image_free(&image);

    /* The family-tree layout: 6 panels of 2 x 12, two to a row. */
    float family[6 * 24];
    for (int i = 0; i < 6 * 24; i++)
        family[i] = (float)((i * 37) % 11) - 5.0f;
    options = rn_hinton_defaults();
    options.panels = 6;
    options.panels_per_row = 2;
    const char *rows[2] = {"English", "Italian"};
    options.row_labels = rows;
    assert_int_equal(rn_png_write_hinton(temp_path("hinton.png"), family, 2, 12, &options), RN_OK);
    assert_int_equal(rn_image_hinton(&image, family, 2, 12, &options), RN_OK);
    assert_true(image.width > 2 * 12 * 16 && image.height > 3 * 2 * 16);
    rn_image_free(&image);
    family[3] = INFINITY;
    assert_int_equal(rn_image_hinton(&image, family, 2, 12, &options), RN_ERR_NUMERIC);
}

/* ---------------------------------------------------------------- heatmap, confusion */

static bool first_pixel_of(const rn_image *image, rn_rgb colour, int *x, int *y)
{
    for (int j = 0; j < image->height; j++)
        for (int i = 0; i < image->width; i++) {
            rn_rgb p = rn_image_get(image, i, j);
            if (p.r == colour.r && p.g == colour.g && p.b == colour.b) {
                *x = i, *y = j;
                return true;
            }
        }
    return false;
}

static bool same_rgb(rn_rgb a, rn_rgb b) { return a.r == b.r && a.g == b.g && a.b == b.b; }

/* A thin weight matrix (one row of 784, one column of 100) was a hairline
 * of 1-px cells: now cells are at least 3 px, the short side is a band of
 * at least 24 px, and indices label the rows and columns. */
static void heatmap_thin_matrices_stay_readable(void **state)
{
    (void)state;
    enum { WIDE = 784, TALL = 100 };
    float row[WIDE], column[TALL];
    /* Black first, then grey to white: only the first cell is black. */
    for (int j = 0; j < WIDE; j++) row[j] = j == 0 ? 0.0f : 0.2f + 0.8f * (float)j / (WIDE - 1);
    for (int i = 0; i < TALL; i++) column[i] = i == 0 ? 0.0f : 0.2f + 0.8f * (float)i / (TALL - 1);
    rn_heatmap_options options = rn_heatmap_defaults();
    options.colormap = RN_COLORMAP_GREY;
    rn_image image;
    assert_int_equal(rn_image_heatmap(&image, row, 1, WIDE, &options), RN_OK);
    int x0, y0;
    assert_true(first_pixel_of(&image, (rn_rgb){0, 0, 0}, &x0, &y0));
    int cell_width = 0, band = 0;
    while (same_rgb(rn_image_get(&image, x0 + cell_width, y0), (rn_rgb){0, 0, 0})) cell_width++;
    while (same_rgb(rn_image_get(&image, x0, y0 + band), (rn_rgb){0, 0, 0})) band++;
    assert_int_equal(cell_width, 3);
    assert_int_equal(band, 24);
    assert_true(image.width >= x0 + WIDE * 3);
    assert_int_equal(rn_image_get(&image, x0 + WIDE * 3 - 1, y0).r, 255); /* the last cell: white */
    /* Column ticks under the band: 0, 20, 40, ..., and 783 at the end. */
    int ticks = 0, first_tick = -1, last_tick = -1;
    for (int x = 0; x < x0 + WIDE * 3; x++) /* (the colour bar's frame is further right) */
        if (same_rgb(rn_image_get(&image, x, y0 + band), (rn_rgb){90, 90, 90})) {
            ticks++;
            if (first_tick < 0) first_tick = x;
            last_tick = x;
        }
    assert_int_equal(first_tick, x0 + 1);               /* centre of column 0 */
    assert_int_equal(last_tick, x0 + 783 * 3 + 1);      /* centre of column 783 */
    assert_true(ticks >= 30 && ticks <= 45);            /* every 20th: readable, not crowded */
    rn_image_free(&image);

    assert_int_equal(rn_image_heatmap(&image, column, TALL, 1, &options), RN_OK);
    assert_true(first_pixel_of(&image, (rn_rgb){0, 0, 0}, &x0, &y0));
    cell_width = band = 0;
    while (same_rgb(rn_image_get(&image, x0 + cell_width, y0), (rn_rgb){0, 0, 0})) cell_width++;
    while (same_rgb(rn_image_get(&image, x0, y0 + band), (rn_rgb){0, 0, 0})) band++;
    assert_int_equal(band, 6);        /* 600 / 100 */
    assert_int_equal(cell_width, 48); /* stretched 8x into a band */
    /* The colour bar labels round values between its ends: tick marks. */
    int bar_ticks = 0, bar_x = x0 + 48 + 14 + 18;
    for (int y = 0; y < image.height; y++)
        bar_ticks += same_rgb(rn_image_get(&image, bar_x + 1, y), (rn_rgb){90, 90, 90});
    assert_true(bar_ticks >= 5);
    rn_image_free(&image);

    /* A cell size given by the caller is kept. */
    options.cell = 1;
    assert_int_equal(rn_image_heatmap(&image, row, 1, WIDE, &options), RN_OK);
    assert_true(image.width < WIDE + 200);
    rn_image_free(&image);
}

static void heatmap_cells_and_colorbar(void **state)
{
    (void)state;
    const float matrix[2 * 3] = {0, 1, 2, 3, 4, 5};
    rn_heatmap_options options = rn_heatmap_defaults();
    options.colormap = RN_COLORMAP_GREY;
    options.cell = 10;
    rn_image image;
    assert_int_equal(rn_image_heatmap(&image, matrix, 2, 3, &options), RN_OK);
    /* Cell (0,0) = 0 is the first pure black pixel (text is grey 20): the
     * map starts 12 px down, right of the row indices. */
    int map_x, map_y;
    assert_true(first_pixel_of(&image, (rn_rgb){0, 0, 0}, &map_x, &map_y));
    assert_int_equal(map_y, 12);
    assert_true(map_x > 12 + 10); /* "0" and "1" left of the rows */
    assert_int_equal(rn_image_get(&image, map_x + 25, map_y + 15).r, 255); /* cell (1,2) = 5 -> white */
    assert_int_equal(rn_image_get(&image, map_x + 15, map_y + 15).r, 204); /* 4/5 */
    /* The colour bar right of the map: white at the top, black at the bottom. */
    int bar_x = map_x + 30 + 14 + 9;
    assert_int_equal(rn_image_get(&image, bar_x, 13).r, 255);
    assert_int_equal(rn_image_get(&image, bar_x, 12 + 120 - 2).r, 0);
    rn_image_free(&image);
    assert_int_equal(rn_png_write_heatmap(temp_path("heat.png"), matrix, 2, 3, NULL), RN_OK);

    int64_t counts[9] = {50, 0, 0, 5, 45, 0, 0, 10, 40};
    const char *labels[3] = {"cat", "dog", "bird"};
    assert_int_equal(rn_image_confusion(&image, counts, 3, labels, "test"), RN_OK);
    assert_true(image.width > 3 * 30 && image.height > 3 * 30);
    rn_image_free(&image);
    assert_int_equal(rn_png_write_confusion(temp_path("confusion.png"), counts, 3, NULL, NULL), RN_OK);
    counts[4] = -1;
    assert_int_equal(rn_image_confusion(&image, counts, 3, NULL, NULL), RN_ERR_ARGUMENT);
}

/* ---------------------------------------------------------------- PNG reading */

static void png_reader_all_formats(void **state)
{
    (void)state;
    rn_tensor t;
    /* 8-bit grey. */
    const uint8_t grey8[4] = {0, 51, 204, 255};
    libpng_write(temp_path("g8.png"), 2, 2, PNG_COLOR_TYPE_GRAY, 8, grey8, 2, NULL, 0);
    assert_int_equal(rn_png_read_grey(temp_path("g8.png"), &t), RN_OK);
    assert_int_equal(t.ndim, 2);
    assert_int_equal(t.shape[0], 2);
    assert_int_equal(t.shape[1], 2);
    assert_float_equal(t.data[1], 0.2f, 1e-7);
    assert_float_equal(t.data[2], 0.8f, 1e-7);
    rn_tensor_free(&t);
    /* RGB: pure red, green, blue, white -> Rec. 601 weights. */
    const uint8_t rgb[12] = {255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255};
    libpng_write(temp_path("rgb.png"), 4, 1, PNG_COLOR_TYPE_RGB, 8, rgb, 12, NULL, 0);
    assert_int_equal(rn_png_read_grey(temp_path("rgb.png"), &t), RN_OK);
    assert_float_equal(t.data[0], 0.299f, 1e-6);
    assert_float_equal(t.data[1], 0.587f, 1e-6);
    assert_float_equal(t.data[2], 0.114f, 1e-6);
    assert_float_equal(t.data[3], 1.0f, 1e-6);
    rn_tensor_free(&t);
    /* RGBA: transparent black shows white; half-transparent black is grey. */
    const uint8_t rgba[8] = {0, 0, 0, 0, 0, 0, 0, 51};
    libpng_write(temp_path("rgba.png"), 2, 1, PNG_COLOR_TYPE_RGBA, 8, rgba, 8, NULL, 0);
    assert_int_equal(rn_png_read_grey(temp_path("rgba.png"), &t), RN_OK);
    assert_float_equal(t.data[0], 1.0f, 1e-6);
    assert_float_equal(t.data[1], 0.8f, 1e-6);
    rn_tensor_free(&t);
    /* 16-bit grey keeps its precision: 0x1234 / 65535. */
    const uint8_t grey16[4] = {0x12, 0x34, 0xff, 0xff};
    libpng_write(temp_path("g16.png"), 2, 1, PNG_COLOR_TYPE_GRAY, 16, grey16, 4, NULL, 0);
    assert_int_equal(rn_png_read_grey(temp_path("g16.png"), &t), RN_OK);
    assert_float_equal(t.data[0], 4660.0f / 65535.0f, 1e-7);
    assert_float_equal(t.data[1], 1.0f, 1e-7);
    rn_tensor_free(&t);
    /* Palette, 2 bits per pixel. */
    const png_color palette[3] = {{0, 0, 0}, {255, 255, 255}, {0, 0, 255}};
    const uint8_t indices[1] = {(0 << 6) | (1 << 4) | (2 << 2)}; /* 0 1 2 0 */
    libpng_write(temp_path("pal.png"), 4, 1, PNG_COLOR_TYPE_PALETTE, 2, indices, 1, palette, 3);
    assert_int_equal(rn_png_read_grey(temp_path("pal.png"), &t), RN_OK);
    assert_float_equal(t.data[0], 0.0f, 1e-6);
    assert_float_equal(t.data[1], 1.0f, 1e-6);
    assert_float_equal(t.data[2], 0.114f, 1e-6);
    rn_tensor_free(&t);
    /* 1-bit grey. */
    const uint8_t bits[1] = {0xA0}; /* 1 0 1 0 */
    libpng_write(temp_path("g1.png"), 4, 1, PNG_COLOR_TYPE_GRAY, 1, bits, 1, NULL, 0);
    assert_int_equal(rn_png_read_grey(temp_path("g1.png"), &t), RN_OK);
    assert_float_equal(t.data[0], 1.0f, 1e-6);
    assert_float_equal(t.data[1], 0.0f, 1e-6);
    rn_tensor_free(&t);

    /* Adam7-interlaced 8-bit grey, 9 x 9 (every pass has pixels). */
    uint8_t ramp[81];
    for (int i = 0; i < 81; i++) ramp[i] = (uint8_t)(3 * i);
    interlace_type = PNG_INTERLACE_ADAM7;
    libpng_write(temp_path("adam7.png"), 9, 9, PNG_COLOR_TYPE_GRAY, 8, ramp, 9, NULL, 0);
    interlace_type = PNG_INTERLACE_NONE;
    assert_int_equal(rn_png_read_grey(temp_path("adam7.png"), &t), RN_OK);
    for (int i = 0; i < 81; i++) assert_float_equal(t.data[i], (float)(3 * i) / 255.0f, 1e-7);
    rn_tensor_free(&t);

    /* Not a PNG; truncated PNG; missing file. */
    FILE *file = fopen(temp_path("text.png"), "w");
    fputs("hello, not a picture", file);
    fclose(file);
    assert_int_equal(rn_png_read_grey(temp_path("text.png"), &t), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "not a PNG"));
    char *whole = read_text(temp_path("rgb.png"));
    file = fopen(temp_path("cut.png"), "wb");
    fwrite(whole, 1, 40, file);
    fclose(file);
    free(whole);
    assert_int_equal(rn_png_read_grey(temp_path("cut.png"), &t), RN_ERR_FORMAT);
    assert_int_equal(rn_png_read_grey(temp_path("missing.png"), &t), RN_ERR_IO);
}

/* ---------------------------------------------------------------- MNIST preprocessing */

static void center_of_mass(const rn_tensor *t, double *cx, double *cy)
{
    double mass = 0, mx = 0, my = 0;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++) {
            double v = t->data[y * 28 + x];
            mass += v;
            mx += v * (x + 0.5);
            my += v * (y + 0.5);
        }
    *cx = mx / mass;
    *cy = my / mass;
}

static void ink_box_of(const rn_tensor *t, int *width, int *height)
{
    int x0 = 28, y0 = 28, x1 = -1, y1 = -1;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            if (t->data[y * 28 + x] > 0.0f) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
    *width = x1 - x0 + 1;
    *height = y1 - y0 + 1;
}

static void mnist_preprocessing_centres_and_fits(void **state)
{
    (void)state;
    /* A dark "7"-like stroke, off-centre, on a light 90 x 120 page (W x H),
     * with a heavy blob so that the centre of mass is not the box centre. */
    enum { W = 90, H = 120 };
    rn_image page;
    assert_int_equal(rn_image_alloc(&page, W, H, 1), RN_OK);
    rn_image_fill(&page, (rn_rgb){240, 240, 240});
    rn_image_fill_rect(&page, 10, 20, 40, 6, (rn_rgb){20, 20, 20});  /* top bar */
    rn_image_fill_rect(&page, 44, 20, 6, 80, (rn_rgb){20, 20, 20});  /* stem */
    rn_image_fill_rect(&page, 30, 80, 20, 20, (rn_rgb){20, 20, 20}); /* blob */
    assert_int_equal(rn_image_write_png(&page, temp_path("digit.png")), RN_OK);
    rn_image_free(&page);

    rn_tensor digit;
    assert_int_equal(rn_png_read_digit(temp_path("digit.png"), &digit), RN_OK);
    assert_int_equal(digit.shape[0], 28);
    assert_int_equal(digit.shape[1], 28);
    /* Inverted: background 0, ink up to 1. */
    assert_float_equal(digit.data[0], 0.0f, 1e-6);
    float peak = 0;
    for (int i = 0; i < 784; i++)
        peak = fmaxf(peak, digit.data[i]);
    assert_float_equal(peak, 1.0f, 1e-5);
    double cx, cy;
    center_of_mass(&digit, &cx, &cy);
    assert_true(fabs(cx - 14.0) <= 0.5);
    assert_true(fabs(cy - 14.0) <= 0.5);
    int box_width, box_height;
    ink_box_of(&digit, &box_width, &box_height);
    /* Ink 40 x 80 -> 10 x 20: the long side is exactly 20. */
    assert_int_equal(box_height, 20);
    assert_int_equal(box_width, 10);
    rn_tensor_free(&digit);

    /* A light-on-dark small wide stroke (no inversion), upscaled. */
    float small[10 * 12] = {0};
    for (int x = 1; x < 9; x++)
        small[4 * 12 + x] = small[5 * 12 + x] = 0.9f;
    small[3 * 12 + 8] = 0.9f;
    int shape[2] = {10, 12};
    rn_tensor picture = rn_tensor_view(small, 2, shape);
    assert_int_equal(rn_mnist_preprocess(&picture, &digit), RN_OK);
    ink_box_of(&digit, &box_width, &box_height);
    assert_true(box_width == 20 && box_height <= 20);
    center_of_mass(&digit, &cx, &cy);
    assert_true(fabs(cx - 14.0) <= 0.5);
    assert_true(fabs(cy - 14.0) <= 0.5);
    rn_tensor_free(&digit);

    /* A thin pen stroke (2 px) on a 300 x 300 canvas still reaches full ink. */
    rn_tensor canvas;
    int canvas_shape[2] = {300, 300};
    assert_int_equal(rn_tensor_alloc(&canvas, 2, canvas_shape), RN_OK);
    rn_tensor_fill(&canvas, 1.0f);
    for (int y = 40; y < 260; y++)
        for (int x = 150 + (y - 40) / 4; x < 152 + (y - 40) / 4; x++)
            canvas.data[y * 300 + x] = 0.0f;
    assert_int_equal(rn_mnist_preprocess(&canvas, &digit), RN_OK);
    peak = 0;
    for (int i = 0; i < 784; i++)
        peak = fmaxf(peak, digit.data[i]);
    assert_float_equal(peak, 1.0f, 1e-6);
    ink_box_of(&digit, &box_width, &box_height);
    assert_int_equal(box_height, 20);
    rn_tensor_free(&digit);
    rn_tensor_free(&canvas);

    /* A blank page has no digit. */
    for (int i = 0; i < 120; i++)
        small[i] = 1.0f;
    assert_int_equal(rn_mnist_preprocess(&picture, &digit), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "no ink"));
}

/* ---------------------------------------------------------------- digit polarity and frames
 * Synthetic photos of a "7" (a top bar and a stem on the right) as a camera
 * or a scanner gives them: dark ink on white or grey paper, light ink on
 * black, with frames and borders around.  Each must come out as MNIST does:
 * white ink on black, the frame gone, the 7's bar at the top and its stem on
 * the right, the centre of mass at (14, 14). */

enum { PHOTO_W = 80, PHOTO_H = 100 };

static void photo_rect(rn_tensor *t, int x, int y, int w, int h, float grey)
{
    for (int j = y; j < y + h; j++)
        for (int i = x; i < x + w; i++)
            t->data[j * t->shape[1] + i] = grey;
}

/* A 7 of 30 x 50 pixels with its box at (24, 28); the rest `paper`. */
static void photo_of_seven(rn_tensor *t, float paper, float ink)
{
    int shape[2] = {PHOTO_H, PHOTO_W};
    assert_int_equal(rn_tensor_alloc(t, 2, shape), RN_OK);
    rn_tensor_fill(t, paper);
    photo_rect(t, 24, 28, 30, 6, ink); /* bar */
    photo_rect(t, 47, 28, 7, 50, ink); /* stem */
}

/* A frame `thickness` pixels wide along the picture's edges. */
static long photo_frame(rn_tensor *t, int thickness, float grey)
{
    photo_rect(t, 0, 0, PHOTO_W, thickness, grey);
    photo_rect(t, 0, PHOTO_H - thickness, PHOTO_W, thickness, grey);
    photo_rect(t, 0, 0, thickness, PHOTO_H, grey);
    photo_rect(t, PHOTO_W - thickness, 0, thickness, PHOTO_H, grey);
    return (long)PHOTO_W * PHOTO_H - (long)(PHOTO_W - 2 * thickness) * (PHOTO_H - 2 * thickness);
}

/* Checks the 28 x 28 result of a 7: mass centred, 20 high, bar on top, stem
 * on the right (a frame left in would make the box the whole picture). */
static void assert_mnist_seven(const rn_tensor *digit)
{
    double cx, cy;
    center_of_mass(digit, &cx, &cy);
    assert_true(fabs(cx - 14.0) <= 0.5);
    assert_true(fabs(cy - 14.0) <= 0.5);
    int box_width, box_height;
    ink_box_of(digit, &box_width, &box_height);
    assert_int_equal(box_height, 20);
    assert_int_equal(box_width, 12); /* 30 x 50 -> 12 x 20 */
    int top = 28, bottom = -1;
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
            if (digit->data[y * 28 + x] > 0.5f) {
                if (y < top) top = y;
                if (y > bottom) bottom = y;
            }
    int bar = 0, bar_left = 28, stem_left = 28;
    for (int x = 0; x < 28; x++) {
        bar += digit->data[top * 28 + x] > 0.5f;
        if (digit->data[top * 28 + x] > 0.5f && x < bar_left) bar_left = x;
        if (digit->data[bottom * 28 + x] > 0.5f && x < stem_left) stem_left = x;
    }
    assert_true(bar >= 10);                /* the bar: the whole box's width */
    assert_true(stem_left - bar_left >= 8); /* the stem: the right quarter of the box */
    /* The paper inside the 7's box (left of the stem, under the bar) is
     * exactly 0, not a faint grey left by a rounded background level. */
    assert_float_equal(digit->data[bottom * 28 + bar_left], 0.0f, 0.0);
}

static void digit_polarity_and_frames(void **state)
{
    (void)state;
    rn_tensor photo, digit;
    rn_digit_report report;

    /* Dark ink on white paper inside a black 2-pixel frame: the border is
     * black, yet the paper (most of the picture) is the background. */
    photo_of_seven(&photo, 1.0f, 0.1f);
    long frame = photo_frame(&photo, 2, 0.0f);
    assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_OK);
    assert_true(report.inverted);
    assert_float_equal(report.background, 1.0f, 1e-3);
    assert_int_equal(report.frame_pixels, frame);
    assert_int_equal(report.ink_x, 24);
    assert_int_equal(report.ink_y, 28);
    assert_int_equal(report.ink_width, 30);
    assert_int_equal(report.ink_height, 50);
    assert_mnist_seven(&digit);
    rn_tensor_free(&digit);
    rn_tensor_free(&photo);

    /* White ink on black inside a thin white frame: not inverted, frame dropped. */
    photo_of_seven(&photo, 0.0f, 0.95f);
    frame = photo_frame(&photo, 1, 1.0f);
    assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_OK);
    assert_false(report.inverted);
    assert_int_equal(report.frame_pixels, frame);
    assert_int_equal(report.ink_width, 30);
    assert_mnist_seven(&digit);
    rn_tensor_free(&digit);
    rn_tensor_free(&photo);

    /* Plain: dark on white, light on black; no frame found in either. */
    for (int light_ink = 0; light_ink < 2; light_ink++) {
        photo_of_seven(&photo, light_ink ? 0.05f : 0.9f, light_ink ? 0.8f : 0.2f);
        assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_OK);
        assert_int_equal(report.inverted, !light_ink);
        assert_int_equal(report.frame_pixels, 0);
        assert_mnist_seven(&digit);
        rn_tensor_free(&digit);
        rn_tensor_free(&photo);
    }

    /* Grey paper (0.7) in a white 5-pixel scanner margin: the margin is
     * lighter than the paper, so after inversion it is background, not ink. */
    photo_of_seven(&photo, 0.7f, 0.15f);
    photo_frame(&photo, 5, 1.0f);
    assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_OK);
    assert_true(report.inverted);
    assert_float_equal(report.background, 0.7f, 1e-3);
    assert_int_equal(report.frame_pixels, 0);
    assert_mnist_seven(&digit);
    rn_tensor_free(&digit);
    rn_tensor_free(&photo);

    /* A scan's dark shadow along the left edge only (6 pixels wide). */
    photo_of_seven(&photo, 0.95f, 0.1f);
    photo_rect(&photo, 0, 0, 6, PHOTO_H, 0.05f);
    assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_OK);
    assert_true(report.inverted);
    assert_int_equal(report.frame_pixels, 6 * PHOTO_H);
    assert_mnist_seven(&digit);
    rn_tensor_free(&digit);
    rn_tensor_free(&photo);

    /* A 7 cropped tightly touches every edge: it is all the ink, so it stays. */
    int tight_shape[2] = {50, 30};
    assert_int_equal(rn_tensor_alloc(&photo, 2, tight_shape), RN_OK);
    rn_tensor_fill(&photo, 1.0f);
    photo_rect(&photo, 0, 0, 30, 6, 0.0f);
    photo_rect(&photo, 23, 0, 7, 50, 0.0f);
    assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_OK);
    assert_true(report.inverted);
    assert_int_equal(report.frame_pixels, 0);
    assert_int_equal(report.ink_width * report.ink_height, 30 * 50);
    assert_mnist_seven(&digit);
    rn_tensor_free(&digit);
    rn_tensor_free(&photo);

    /* A flat picture has no strokes: a precise error, nothing allocated. */
    int flat_shape[2] = {20, 20};
    assert_int_equal(rn_tensor_alloc(&photo, 2, flat_shape), RN_OK);
    rn_tensor_fill(&photo, 0.5f);
    photo.data[7] = 0.52f; /* paper texture, below the 0.05 that counts as a stroke */
    assert_int_equal(rn_mnist_preprocess_report(&photo, &digit, &report), RN_ERR_ARGUMENT);
    assert_string_equal(rn_error_message(),
                        "digit: no ink found: the picture is flat (every pixel between 0.500 and 0.520)");
    assert_null(digit.data);
    rn_tensor_free(&photo);
}

/* ---------------------------------------------------------------- label placement */

static void labels_never_overlap_names_or_points(void **state)
{
    (void)state;
    /* 24 names around 6 crowded spots, 4 points each, two of them on top of
     * each other (as coincident codes in the family-tree plot are). */
    enum { N = 24 };
    double x[N], y[N], w[N], h[N];
    for (int i = 0; i < N; i++) {
        int spot = i / 4, k = i % 4;
        x[i] = 80 + 160 * (spot % 3) + (k == 3 ? 0 : 6 * k);
        y[i] = 100 + 250 * (spot / 3) + (k == 3 ? 0 : 4 * k);
        w[i] = 6.0 * (5 + i % 7) + 4; /* "Christopher" and "Gina" */
        h[i] = 13;
    }
    rn_label_rect key = {440, 440, 560, 480};
    rn_label_area area = {.width = 560, .height = 480, .marker_radius = 7, .obstacles = &key, .n_obstacles = 1};
    rn_label_box boxes[N];
    assert_int_equal(rn_labels_place(x, y, w, h, N, &area, boxes), RN_OK);
    int leaders = 0;
    for (int i = 0; i < N; i++) {
        const rn_label_rect *r = &boxes[i].rect;
        assert_float_equal(boxes[i].overlap, 0.0, 0.0);
        assert_float_equal(r->right - r->left, w[i], 1e-9);
        assert_true(r->left >= 0 && r->top >= 0 && r->right <= 560 && r->bottom <= 480);
        assert_float_equal(rn_label_rect_overlap(r, &key), 0.0, 0.0);
        for (int j = 0; j < N; j++) {
            rn_label_rect marker = {x[j] - 7, y[j] - 7, x[j] + 7, y[j] + 7};
            assert_float_equal(rn_label_rect_overlap(r, &marker), 0.0, 0.0);
            if (j != i) assert_float_equal(rn_label_rect_overlap(r, &boxes[j].rect), 0.0, 0.0);
        }
        /* Near its point: within 8 lines; a leader line for the farther ones
         * ends on the box's edge. */
        double cx = (r->left + r->right) / 2, cy = (r->top + r->bottom) / 2;
        assert_true(fabs(cx - x[i]) <= w[i] / 2 + 9 + 8 * 13 && fabs(cy - y[i]) <= 13 / 2.0 + 9 + 8 * 13);
        if (boxes[i].leader) {
            leaders++;
            bool on_edge = fabs(boxes[i].leader_x - r->left) < 1e-9 || fabs(boxes[i].leader_x - r->right) < 1e-9 ||
                           fabs(boxes[i].leader_y - r->top) < 1e-9 || fabs(boxes[i].leader_y - r->bottom) < 1e-9;
            assert_true(on_edge);
        }
    }
    assert_true(leaders > 0 && leaders < N); /* the crowd needs some, not all */

    /* Same input, same boxes. */
    rn_label_box again[N];
    assert_int_equal(rn_labels_place(x, y, w, h, N, &area, again), RN_OK);
    for (int i = 0; i < N; i++)
        assert_memory_equal(&again[i].rect, &boxes[i].rect, sizeof boxes[i].rect);

    /* Bad input is named. */
    w[3] = 0;
    assert_int_equal(rn_labels_place(x, y, w, h, N, &area, boxes), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "labels: name 3"));
}

/* ---------------------------------------------------------------- gnuplot charts */

static void check_png_header(const char *path, uint32_t width, uint32_t height)
{
    FILE *file = fopen(path, "rb");
    assert_non_null(file);
    uint8_t header[24];
    assert_int_equal(fread(header, 1, 24, file), 24);
    fclose(file);
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    assert_memory_equal(header, signature, 8);
    assert_memory_equal(header + 12, "IHDR", 4);
    uint32_t w = (uint32_t)header[16] << 24 | header[17] << 16 | header[18] << 8 | header[19];
    uint32_t h = (uint32_t)header[20] << 24 | header[21] << 16 | header[22] << 8 | header[23];
    assert_int_equal(w, width);
    assert_int_equal(h, height);
}

static void plot_writes_data_script_and_png(void **state)
{
    (void)state;
    rn_plot *plot = rn_plot_create();
    assert_non_null(plot);
    const float loss[3] = {2.5f, 0.5f, 0.125f};
    const double x[2] = {0.5, 1.5}, y[2] = {-1.0, NAN};
    assert_int_equal(rn_plot_set_title(plot, "It's a loss"), RN_OK);
    assert_int_equal(rn_plot_set_labels(plot, "epoch", "loss"), RN_OK);
    rn_plot_set_log(plot, false, true);
    assert_int_equal(rn_plot_add_float(plot, NULL, loss, 3, "train", RN_PLOT_LINESPOINTS), RN_OK);
    assert_int_equal(rn_plot_add_panel(plot), RN_OK);
    assert_int_equal(rn_plot_add(plot, x, y, 2, "other\nline", RN_PLOT_POINTS), RN_OK);
    rn_plot_share_x(plot, true);
    assert_int_equal(rn_plot_set_size(plot, 640, 480), RN_OK);
    assert_int_equal(rn_plot_set_legend(plot, "x; system(1)"), RN_ERR_ARGUMENT);
    assert_int_equal(rn_plot_write(plot, temp_path("loss.png")), RN_OK);
    check_png_header(temp_path("loss.png"), 640, 480);
    assert_false(file_exists(temp_path("loss.png.tmp")));

    char *data = read_text(temp_path("loss.dat"));
    assert_non_null(data);
    assert_non_null(
        strstr(data, "# index 0: panel 1, series \"train\" (columns: x y)\n1 2.5\n2 0.5\n3 0.125\n"));
    assert_non_null(
        strstr(data, "\n\n\n# index 1: panel 2, series \"other line\" (columns: x y)\n0.5 -1\n1.5 NaN\n"));
    free(data);
    char *script = read_text(temp_path("loss.gp"));
    assert_non_null(script);
    assert_non_null(strstr(script, "set logscale y\n"));
    assert_non_null(strstr(script, "set title 'It''s a loss'\n"));
    assert_non_null(strstr(script, "set multiplot\nset lmargin 12\n")); /* room for log tics like 0.0001 */
    assert_non_null(strstr(script, "plot 'loss.dat' index 0 using 1:2 with linespoints"));
    assert_non_null(strstr(script, "'loss.dat' index 1 using 1:2 with points linetype 1 title 'other line'"));
    assert_non_null(strstr(script, "set xrange [0.5:3]\n")); /* shared x axis */
    assert_non_null(strstr(script, "set xtics autofreq\n"));  /* x = 0.5, 1.5 are not whole */
    assert_null(strstr(script, "set xtics 1\n"));
    free(script);
    rn_plot_destroy(plot);

    /* Five epochs: tics on the whole numbers only (not at 1.5, 2.5, ...). */
    plot = rn_plot_create();
    const double five[5] = {1.0, 0.8, 0.6, 0.5, 0.45};
    assert_int_equal(rn_plot_add(plot, NULL, five, 5, "loss", RN_PLOT_LINES), RN_OK);
    assert_int_equal(rn_plot_write_script(plot, temp_path("epochs")), RN_OK);
    script = read_text(temp_path("epochs.gp"));
    assert_non_null(strstr(script, "set xtics 1\n"));
    assert_non_null(strstr(script, "set ytics autofreq\n")); /* losses are not whole */
    free(script);
    rn_plot_destroy(plot);
    /* Mistakes per epoch: whole numbers on both axes. */
    plot = rn_plot_create();
    const double mistakes[6] = {2, 3, 3, 2, 1, 0};
    assert_int_equal(rn_plot_add(plot, NULL, mistakes, 6, "mistakes", RN_PLOT_LINESPOINTS), RN_OK);
    assert_int_equal(rn_plot_write_script(plot, temp_path("mistakes")), RN_OK);
    script = read_text(temp_path("mistakes.gp"));
    assert_non_null(strstr(script, "set xtics 1\nset ytics 1\n"));
    free(script);
    rn_plot_destroy(plot);

    /* A decision region with classes on top, default size. */
    plot = rn_plot_create();
    float region[4 * 3];
    for (int i = 0; i < 12; i++)
        region[i] = (float)(i % 2);
    const double px[4] = {0, 0, 1, 1}, py[4] = {0, 1, 0, 1};
    const int classes[4] = {0, 1, 1, 0};
    assert_int_equal(rn_plot_add_region(plot, region, 4, 3, -0.5, 1.5, -0.5, 1.5, 2), RN_OK);
    assert_int_equal(rn_plot_add_classes(plot, px, py, classes, 4, 2, NULL, RN_PLOT_POINTS), RN_OK);
    const double line_x[2] = {-0.5, 1.5}, line_y[2] = {1.5, -0.5};
    assert_int_equal(rn_plot_add(plot, line_x, line_y, 2, "boundary", RN_PLOT_LINES), RN_OK);
    assert_int_equal(rn_plot_set_legend(plot, "below horizontal"), RN_OK);
    assert_int_equal(rn_plot_write(plot, temp_path("xor")), RN_OK);
    check_png_header(temp_path("xor.png"), 800, 500);
    script = read_text(temp_path("xor.gp"));
    assert_non_null(strstr(script, "'xor.dat' index 0 using 1:2:3 with image"));
    assert_non_null(strstr(script, "using 1:($3 == 1 ? $2 : NaN) with points linetype 2 pointsize 1.5 title 'class 1'"));
    /* Every class's points get a dark ring (readable on a region of their
     * own colour), pale region colours, and the boundary line a colour of
     * its own (linetype 3, not class 0's blue). */
    assert_non_null(strstr(script, "'xor.dat' index 1 using 1:($3 == 1 ? $2 : NaN) with points pointtype 6 "
                                   "pointsize 1.5 linewidth 1 linecolor rgb '#222222' notitle"));
    assert_non_null(strstr(script, "set palette defined (0 '#d6e3f4', 1 '#ffddbc')"));
    assert_non_null(strstr(script, "'xor.dat' index 2 using 1:2 with lines linetype 3 title 'boundary'"));
    /* A key below the plot leaves the x label room (no opaque box over it). */
    assert_non_null(strstr(script, "set xlabel '' offset 0,0.5\n"));
    assert_non_null(strstr(script, "set key below horizontal box linecolor rgb '#cccccc' height 0.5\n"));
    free(script);
    data = read_text(temp_path("xor.dat"));
    assert_non_null(strstr(data, "-0.25 -0.166666667 0\n0.25 -0.166666667 1\n"));
    assert_non_null(strstr(data, "(columns: x y class)\n0 0 0\n0 1 1\n1 0 1\n1 1 0\n"));
    free(data);
    const int bad_classes[4] = {0, 1, 2, 0};
    assert_int_equal(rn_plot_add_classes(plot, px, py, bad_classes, 4, 2, NULL, RN_PLOT_POINTS),
                     RN_ERR_ARGUMENT);
    rn_plot_destroy(plot);
}

static void plot_reports_gnuplot_errors_and_absence(void **state)
{
    (void)state;
    /* Log scale on negative data: gnuplot refuses, and says why. */
    rn_plot *plot = rn_plot_create();
    const double y[2] = {-1.0, -2.0};
    assert_int_equal(rn_plot_add(plot, NULL, y, 2, "negative", RN_PLOT_LINES), RN_OK);
    rn_plot_set_log(plot, false, true);
    assert_int_equal(rn_plot_write(plot, temp_path("bad")), RN_ERR_IO);
    assert_non_null(strstr(rn_error_message(), "gnuplot failed"));
    assert_non_null(strstr(rn_error_message(), "\"bad.gp\" line "));
    assert_non_null(strstr(rn_error_message(), "all points y value undefined"));
    assert_false(file_exists(temp_path("bad.png")));
    assert_false(file_exists(temp_path("bad.png.tmp")));

    /* No gnuplot on PATH: unsupported, but the .dat and .gp are there. */
    char *old_path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
    setenv("PATH", "/nonexistent", 1);
    rn_plot_set_log(plot, false, false);
    rn_status status = rn_plot_write(plot, temp_path("nognuplot"));
    if (old_path) {
        setenv("PATH", old_path, 1);
        free(old_path);
    }
    assert_int_equal(status, RN_ERR_UNSUPPORTED);
    assert_true(file_exists(temp_path("nognuplot.dat")));
    assert_true(file_exists(temp_path("nognuplot.gp")));
    assert_false(file_exists(temp_path("nognuplot.png")));
    rn_plot_destroy(plot);

    plot = rn_plot_create();
    assert_int_equal(rn_plot_write(plot, temp_path("empty")), RN_ERR_ARGUMENT);
    assert_int_equal(rn_plot_add(plot, NULL, y, 2, "a", RN_PLOT_LINES), RN_OK);
    assert_int_equal(rn_plot_add_panel(plot), RN_OK);
    assert_int_equal(rn_plot_write(plot, temp_path("half")), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "panel 2 of 2 has nothing to draw"));
    assert_int_equal(rn_plot_select_panel(plot, 2), RN_ERR_ARGUMENT);
    assert_int_equal(rn_plot_write(plot, temp_path("empty/")), RN_ERR_ARGUMENT);
    rn_plot_destroy(plot);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(png_write_then_read_exact_pixels),
        cmocka_unit_test(colormap_endpoints),
        cmocka_unit_test(grid_layout_geometry),
        cmocka_unit_test(font_renders_known_pixels),
        cmocka_unit_test(hinton_squares_by_area_and_sign),
        cmocka_unit_test(heatmap_cells_and_colorbar),
        cmocka_unit_test(png_reader_all_formats),
        cmocka_unit_test(mnist_preprocessing_centres_and_fits),
        cmocka_unit_test(digit_polarity_and_frames),
        cmocka_unit_test(heatmap_thin_matrices_stay_readable),
        cmocka_unit_test(labels_never_overlap_names_or_points),
        cmocka_unit_test(plot_writes_data_script_and_png),
        cmocka_unit_test(plot_reports_gnuplot_errors_and_absence),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
