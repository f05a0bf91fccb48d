/* grid.c — many small images (digits, learned filters) tiled into one
 * picture (see include/redes/image.h). */
#include <math.h>
#include <string.h>

#include "redes/image.h"
#include "viz/viz_internal.h"

rn_grid_options rn_grid_defaults(void)
{
    return (rn_grid_options){.columns = 0,
                             .gap = 1,
                             .scale = 1,
                             .normalise = RN_NORMALISE_PER_IMAGE,
                             .colormap = RN_COLORMAP_GREY,
                             .symmetric = false,
                             .channels = 1,
                             .background = {128, 128, 128},
                             .captions = NULL};
}

rn_status rn_grid_layout_of(int count, int height, int width, const rn_grid_options *options,
                            rn_grid_layout *out)
{
    rn_grid_options o = options ? *options : rn_grid_defaults();
    memset(out, 0, sizeof *out);
    if (count < 1 || height < 1 || width < 1)
        return rn_error(RN_ERR_ARGUMENT, "image grid: %d images of %dx%d (all must be >= 1)", count, height,
                        width);
    if (o.scale < 1 || o.scale > 64)
        return rn_error(RN_ERR_ARGUMENT, "image grid: scale %d outside 1..64", o.scale);
    if (o.gap < 0 || o.gap > 256)
        return rn_error(RN_ERR_ARGUMENT, "image grid: gap %d outside 0..256", o.gap);
    if (o.columns < 0) return rn_error(RN_ERR_ARGUMENT, "image grid: %d columns", o.columns);
    int columns = o.columns;
    if (columns == 0) {
        columns = (int)ceil(sqrt((double)count));
        while (columns * columns < count)
            columns++; /* guard against sqrt rounding */
    }
    if (columns > count) columns = count;
    out->columns = columns;
    out->rows = (count + columns - 1) / columns;
    out->tile_width = width * o.scale;
    out->tile_height = height * o.scale;
    out->step_x = out->tile_width + o.gap * o.scale;
    /* A caption line: the font's 9 rows plus 2 pixels above. */
    out->caption_height = o.captions ? RN_FONT_LINE + 2 : 0;
    out->step_y = out->tile_height + o.gap * o.scale + out->caption_height;
    out->x0 = o.gap * o.scale;
    out->y0 = o.gap * o.scale;
    /* Border gap on both sides: n tiles need n + 1 gaps. */
    long long picture_width = (long long)out->x0 + (long long)columns * out->step_x;
    long long picture_height = (long long)out->y0 + (long long)out->rows * out->step_y;
    if (picture_width > 32768 || picture_height > 32768)
        return rn_error(RN_ERR_ARGUMENT, "image grid: picture of %lldx%lld pixels is too large",
                        picture_width, picture_height);
    out->width = (int)picture_width;
    out->height = (int)picture_height;
    return RN_OK;
}

/* The value range one tile is mapped through. */
static void tile_range(const rn_grid_options *o, float lo, float hi, float *out_lo, float *out_hi)
{
    if (o->normalise == RN_NORMALISE_NONE) {
        lo = 0.0f;
        hi = 1.0f;
    }
    bool symmetric = o->symmetric || o->colormap == RN_COLORMAP_DIVERGING;
    if (symmetric && o->normalise != RN_NORMALISE_NONE) {
        float m = fmaxf(fabsf(lo), fabsf(hi));
        lo = -m;
        hi = m;
    }
    *out_lo = lo;
    *out_hi = hi;
}

static void draw_tile(rn_image *image, const rn_grid_layout *layout, const rn_grid_options *o, int index,
                      const float *tile, int height, int width, float lo, float hi)
{
    int x0 = layout->x0 + (index % layout->columns) * layout->step_x;
    int y0 = layout->y0 + (index / layout->columns) * layout->step_y;
    size_t plane = (size_t)height * (size_t)width;
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            size_t at = (size_t)y * width + x;
            rn_rgb colour;
            if (o->channels == 3) {
                colour.r = (uint8_t)lrintf(255.0f * fminf(fmaxf(rn_viz_unit(tile[at], lo, hi), 0), 1));
                colour.g =
                    (uint8_t)lrintf(255.0f * fminf(fmaxf(rn_viz_unit(tile[plane + at], lo, hi), 0), 1));
                colour.b =
                    (uint8_t)lrintf(255.0f * fminf(fmaxf(rn_viz_unit(tile[2 * plane + at], lo, hi), 0), 1));
            } else {
                colour = rn_colormap_color(o->colormap, rn_viz_unit(tile[at], lo, hi));
            }
            rn_image_fill_rect(image, x0 + x * o->scale, y0 + y * o->scale, o->scale, o->scale, colour);
        }
    }
}

/* Centred under its tile, black on light gaps and white on dark ones. */
static void draw_caption(rn_image *image, const rn_grid_layout *layout, const rn_grid_options *o, int index,
                         const char *caption)
{
    int x = layout->x0 + (index % layout->columns) * layout->step_x;
    int y = layout->y0 + (index / layout->columns) * layout->step_y + layout->tile_height + 2;
    int light = 299 * o->background.r + 587 * o->background.g + 114 * o->background.b > 500 * 255;
    rn_image_text(image, x + (layout->tile_width - rn_text_width(caption, 1)) / 2, y, caption,
                  light ? RN_BLACK : RN_WHITE, 1);
}

rn_status rn_image_grid(rn_image *out, const float *images, int count, int height, int width,
                        const rn_grid_options *options)
{
    memset(out, 0, sizeof *out);
    rn_grid_options o = options ? *options : rn_grid_defaults();
    if (o.channels != 1 && o.channels != 3)
        return rn_error(RN_ERR_ARGUMENT, "image grid: %d channels (expected 1 or 3)", o.channels);
    if (!images) return rn_error(RN_ERR_ARGUMENT, "image grid: no data");
    rn_grid_layout layout;
    RN_CHECK(rn_grid_layout_of(count, height, width, &o, &layout));

    size_t tile_size = (size_t)o.channels * (size_t)height * (size_t)width;
    float global_lo, global_hi;
    RN_CHECK(rn_viz_range(images, tile_size * (size_t)count, &global_lo, &global_hi, "image grid"));

    bool colour = o.channels == 3 || o.colormap != RN_COLORMAP_GREY || o.background.r != o.background.g ||
                  o.background.g != o.background.b;
    RN_CHECK(rn_image_alloc(out, layout.width, layout.height, colour ? 3 : 1));
    rn_image_fill(out, o.background);
    for (int i = 0; i < count; i++) {
        const float *tile = images + (size_t)i * tile_size;
        float lo = global_lo, hi = global_hi;
        if (o.normalise == RN_NORMALISE_PER_IMAGE)
            rn_viz_range(tile, tile_size, &lo, &hi, "image grid"); /* finite: checked above */
        tile_range(&o, lo, hi, &lo, &hi);
        draw_tile(out, &layout, &o, i, tile, height, width, lo, hi);
        if (o.captions && o.captions[i]) draw_caption(out, &layout, &o, i, o.captions[i]);
    }
    return RN_OK;
}

rn_status rn_png_write_grid(const char *path, const float *images, int count, int height, int width,
                            const rn_grid_options *options)
{
    rn_image image;
    rn_status rendered = rn_image_grid(&image, images, count, height, width, options);
    return rn_viz_write_rendered(path, rendered, &image);
}
