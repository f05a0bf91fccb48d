/* image.c — the rn_image raster, drawing primitives, colour maps and atomic
 * PNG writing through libpng (see include/redes/image.h). */
#include "redes/image.h"

#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "viz/viz_internal.h"

enum { MAX_SIDE = 32768 };

const rn_rgb RN_BLACK = {0, 0, 0};
const rn_rgb RN_WHITE = {255, 255, 255};
const rn_rgb RN_GREY = {128, 128, 128};

/* ---------------------------------------------------------------- the raster */

rn_status rn_image_alloc(rn_image *out, int width, int height, int channels)
{
    memset(out, 0, sizeof *out);
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE)
        return rn_error(RN_ERR_ARGUMENT, "image: size %dx%d outside 1..%d", width, height, MAX_SIDE);
    if (channels != 1 && channels != 3)
        return rn_error(RN_ERR_ARGUMENT, "image: %d channels (expected 1 = grey or 3 = RGB)", channels);
    out->pixels = calloc((size_t)width * (size_t)height * (size_t)channels, 1);
    if (!out->pixels)
        return rn_error(RN_ERR_MEMORY, "image: cannot allocate %dx%dx%d pixels", width, height, channels);
    out->width = width;
    out->height = height;
    out->channels = channels;
    return RN_OK;
}

void rn_image_free(rn_image *image)
{
    if (!image) return;
    free(image->pixels);
    memset(image, 0, sizeof *image);
}

/* Rec. 601 luma, rounded: how a colour becomes a grey level. */
static uint8_t luminance(rn_rgb c)
{
    return (uint8_t)((299 * c.r + 587 * c.g + 114 * c.b + 500) / 1000);
}

static inline void put_pixel(rn_image *image, int x, int y, rn_rgb colour)
{
    uint8_t *p = image->pixels + ((size_t)y * image->width + x) * image->channels;
    if (image->channels == 1) {
        p[0] = luminance(colour);
    } else {
        p[0] = colour.r;
        p[1] = colour.g;
        p[2] = colour.b;
    }
}

void rn_image_set(rn_image *image, int x, int y, rn_rgb colour)
{
    if (x < 0 || y < 0 || x >= image->width || y >= image->height) return;
    put_pixel(image, x, y, colour);
}

rn_rgb rn_image_get(const rn_image *image, int x, int y)
{
    if (x < 0 || y < 0 || x >= image->width || y >= image->height) return RN_BLACK;
    const uint8_t *p = image->pixels + ((size_t)y * image->width + x) * image->channels;
    if (image->channels == 1) return (rn_rgb){p[0], p[0], p[0]};
    return (rn_rgb){p[0], p[1], p[2]};
}

void rn_image_fill_rect(rn_image *image, int x, int y, int width, int height, rn_rgb colour)
{
    int x_end = x + width, y_end = y + height;
    if (x < 0) x = 0;
    if (y < 0) y = 0;
    if (x_end > image->width) x_end = image->width;
    if (y_end > image->height) y_end = image->height;
    for (int row = y; row < y_end; row++)
        for (int column = x; column < x_end; column++)
            put_pixel(image, column, row, colour);
}

void rn_image_fill(rn_image *image, rn_rgb colour)
{
    rn_image_fill_rect(image, 0, 0, image->width, image->height, colour);
}

void rn_image_draw_rect(rn_image *image, int x, int y, int width, int height, rn_rgb colour)
{
    if (width <= 0 || height <= 0) return;
    rn_image_fill_rect(image, x, y, width, 1, colour);
    rn_image_fill_rect(image, x, y + height - 1, width, 1, colour);
    rn_image_fill_rect(image, x, y, 1, height, colour);
    rn_image_fill_rect(image, x + width - 1, y, 1, height, colour);
}

void rn_image_blit(rn_image *image, const rn_image *source, int x, int y)
{
    for (int row = 0; row < source->height; row++)
        for (int column = 0; column < source->width; column++)
            rn_image_set(image, x + column, y + row, rn_image_get(source, column, row));
}

/* ---------------------------------------------------------------- colours */

/* Colour stops, evenly spaced over [0, 1], linearly interpolated.
 * Viridis: the nine stops at t = k/8 of matplotlib's viridis (van der Walt and
 * Smith, 2015), #440154 #472d7b #3b528b #2c728e #21918c #28ae80 #5ec962
 * #addc30 #fde725.  Diverging: ColorBrewer's RdBu end points and quarter
 * points around white (#2166ac #67a9cf #ffffff #ef8a62 #b2182b). */
static const rn_rgb viridis_stops[9] = {{68, 1, 84},    {71, 45, 123},  {59, 82, 139},
                                        {44, 114, 142}, {33, 145, 140}, {40, 174, 128},
                                        {94, 201, 98},  {173, 220, 48}, {253, 231, 37}};
static const rn_rgb diverging_stops[5] = {
    {33, 102, 172}, {103, 169, 207}, {255, 255, 255}, {239, 138, 98}, {178, 24, 43}};

static rn_rgb interpolate_stops(const rn_rgb *stops, int n_stops, float t)
{
    float position = t * (float)(n_stops - 1);
    int index = (int)position;
    if (index >= n_stops - 1) return stops[n_stops - 1];
    float f = position - (float)index;
    const rn_rgb a = stops[index], b = stops[index + 1];
    return (rn_rgb){(uint8_t)lrintf((float)a.r + f * ((float)b.r - (float)a.r)),
                    (uint8_t)lrintf((float)a.g + f * ((float)b.g - (float)a.g)),
                    (uint8_t)lrintf((float)a.b + f * ((float)b.b - (float)a.b))};
}

rn_rgb rn_colormap_color(rn_colormap map, float t)
{
    if (isnan(t)) return (rn_rgb){255, 0, 255};
    if (t < 0.0f) t = 0.0f;
    if (t > 1.0f) t = 1.0f;
    switch (map) {
    case RN_COLORMAP_VIRIDIS: return interpolate_stops(viridis_stops, 9, t);
    case RN_COLORMAP_DIVERGING: return interpolate_stops(diverging_stops, 5, t);
    case RN_COLORMAP_GREY:
    default: {
        uint8_t v = (uint8_t)lrintf(t * 255.0f);
        return (rn_rgb){v, v, v};
    }
    }
}

/* The "tab10" qualitative palette (Tableau 10), also used by plot.c. */
static const rn_rgb class_palette[10] = {{31, 119, 180},  {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                         {148, 103, 189}, {140, 86, 75},  {227, 119, 194}, {127, 127, 127},
                                         {188, 189, 34},  {23, 190, 207}};

rn_rgb rn_class_color(int k)
{
    if (k < 0) k = -k;
    return class_palette[k % 10];
}

/* ---------------------------------------------------------------- atomic files */

rn_status rn_viz_open_tmp(const char *path, char *tmp_path, size_t size, FILE **out)
{
    int written = snprintf(tmp_path, size, "%s.tmp", path);
    if (written < 0 || (size_t)written >= size) return rn_error(RN_ERR_ARGUMENT, "%s: path too long", path);
    *out = fopen(tmp_path, "wb");
    if (!*out) return rn_error(RN_ERR_IO, "%s: %s", tmp_path, strerror(errno));
    return RN_OK;
}

rn_status rn_viz_commit_tmp(FILE *file, const char *tmp_path, const char *path)
{
    int failed = fflush(file) != 0 || fsync(fileno(file)) != 0 || ferror(file);
    int saved_errno = errno;
    if (fclose(file) != 0 && !failed) {
        failed = 1;
        saved_errno = errno;
    }
    if (failed) {
        remove(tmp_path);
        return rn_error(RN_ERR_IO, "%s: write failed: %s", tmp_path, strerror(saved_errno));
    }
    if (rename(tmp_path, path) != 0) {
        saved_errno = errno;
        remove(tmp_path);
        return rn_error(RN_ERR_IO, "%s: cannot rename onto %s: %s", tmp_path, path, strerror(saved_errno));
    }
    return RN_OK;
}

void rn_viz_abort_tmp(FILE *file, const char *tmp_path)
{
    if (file) fclose(file);
    remove(tmp_path);
}

/* ---------------------------------------------------------------- PNG writing */

void rn_viz_png_on_error(png_structp png, png_const_charp message)
{
    rn_viz_png_error *box = png_get_error_ptr(png);
    snprintf(box->message, sizeof box->message, "%s", message);
    png_longjmp(png, 1);
}

void rn_viz_png_on_warning(png_structp png, png_const_charp message)
{
    (void)png;
    (void)message; /* warnings are not errors; the library never prints */
}

rn_status rn_viz_write_rendered(const char *path, rn_status rendered, rn_image *image)
{
    if (rendered != RN_OK) return rn_error_context(rendered, "%s", path);
    rn_status status = rn_image_write_png(image, path);
    rn_image_free(image);
    return status;
}

/* The libpng part, separate so that no local changes across setjmp. */
static rn_status encode_png(FILE *file, const uint8_t *pixels, int width, int height, int channels,
                            const char *path)
{
    rn_viz_png_error box = {{0}};
    png_structp png =
        png_create_write_struct(PNG_LIBPNG_VER_STRING, &box, rn_viz_png_on_error, rn_viz_png_on_warning);
    if (!png) return rn_error(RN_ERR_MEMORY, "%s: cannot create PNG writer", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        return rn_error(RN_ERR_MEMORY, "%s: cannot create PNG info", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return rn_error(RN_ERR_IO, "%s: libpng: %s", path, box.message);
    }
    png_init_io(png, file);
    /* Level 6: within a few per cent of level 9 for these pictures, much faster. */
    png_set_compression_level(png, 6);
    png_set_IHDR(png, info, (png_uint_32)width, (png_uint_32)height, 8,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    size_t stride = (size_t)width * (size_t)channels;
    for (int row = 0; row < height; row++)
        png_write_row(png, pixels + (size_t)row * stride);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    return RN_OK;
}

static rn_status write_png(const char *path, const uint8_t *pixels, int width, int height, int channels)
{
    if (!path || !*path) return rn_error(RN_ERR_ARGUMENT, "png: empty path");
    if (!pixels) return rn_error(RN_ERR_ARGUMENT, "%s: no pixels", path);
    if (width < 1 || height < 1 || width > MAX_SIDE || height > MAX_SIDE)
        return rn_error(RN_ERR_ARGUMENT, "%s: size %dx%d outside 1..%d", path, width, height, MAX_SIDE);
    char tmp_path[4096];
    FILE *file;
    RN_CHECK(rn_viz_open_tmp(path, tmp_path, sizeof tmp_path, &file));
    rn_status status = encode_png(file, pixels, width, height, channels, path);
    if (status != RN_OK) {
        rn_viz_abort_tmp(file, tmp_path);
        return status;
    }
    return rn_viz_commit_tmp(file, tmp_path, path);
}

rn_status rn_png_write_grey(const char *path, const uint8_t *pixels, int width, int height)
{
    return write_png(path, pixels, width, height, 1);
}

rn_status rn_png_write_rgb(const char *path, const uint8_t *pixels, int width, int height)
{
    return write_png(path, pixels, width, height, 3);
}

rn_status rn_image_write_png(const rn_image *image, const char *path)
{
    if (!image || (image->channels != 1 && image->channels != 3))
        return rn_error(RN_ERR_ARGUMENT, "%s: not an image (channels must be 1 or 3)", path ? path : "png");
    return write_png(path, image->pixels, image->width, image->height, image->channels);
}

/* ---------------------------------------------------------------- helpers for the pictures */

rn_status rn_viz_range(const float *values, size_t n, float *min, float *max, const char *what)
{
    float lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        float v = values[i];
        if (!isfinite(v))
            return rn_error(RN_ERR_NUMERIC, "%s: value %zu is %s", what, i, isnan(v) ? "NaN" : "infinite");
        if (v < lo) lo = v;
        if (v > hi) hi = v;
    }
    *min = n ? lo : 0.0f;
    *max = n ? hi : 0.0f;
    return RN_OK;
}

void rn_viz_format_number(char *buffer, size_t size, double value)
{
    /* Four significant digits are plenty for a label read by eye. */
    snprintf(buffer, size, "%.4g", value);
    if (strcmp(buffer, "-0") == 0) snprintf(buffer, size, "0");
}
