/* png_read.c — any PNG into a float grey image, and the MNIST-style
 * preprocessing of a hand-drawn digit (see include/redes/image.h). */
#include <errno.h>
#include <math.h>
#include <png.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/image.h"
#include "viz/viz_internal.h"

/* 8192 x 8192 RGBA at 16 bits is 512 MB of rows: the most a digit photo needs. */
enum { MAX_READ_SIDE = 8192 };

/* One decoded pixel to grey in [0, 1]: Y = 0.299 R + 0.587 G + 0.114 B
 * (Rec. 601), composited over white with the alpha channel if present. */
static float grey_of(const png_byte *p, int channels, int bit_depth)
{
    float sample[4];
    for (int c = 0; c < channels; c++)
        sample[c] =
            bit_depth == 16 ? (float)((p[2 * c] << 8) | p[2 * c + 1]) / 65535.0f : (float)p[c] / 255.0f;
    float y, alpha = 1.0f;
    switch (channels) {
    case 1: y = sample[0]; break;
    case 2:
        y = sample[0];
        alpha = sample[1];
        break;
    case 3: y = 0.299f * sample[0] + 0.587f * sample[1] + 0.114f * sample[2]; break;
    default:
        y = 0.299f * sample[0] + 0.587f * sample[1] + 0.114f * sample[2];
        alpha = sample[3];
        break;
    }
    return alpha * y + (1.0f - alpha);
}

/* The libpng part; `rows` and `out` are allocated here and released by the
 * caller on failure (their addresses do not change across setjmp). */
static rn_status decode(FILE *file, const char *path, png_bytep **rows, int *rows_allocated, rn_tensor *out)
{
    rn_viz_png_error box = {{0}};
    png_structp png =
        png_create_read_struct(PNG_LIBPNG_VER_STRING, &box, rn_viz_png_on_error, rn_viz_png_on_warning);
    if (!png) return rn_error(RN_ERR_MEMORY, "%s: cannot create PNG reader", path);
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_read_struct(&png, NULL, NULL);
        return rn_error(RN_ERR_MEMORY, "%s: cannot create PNG info", path);
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return rn_error(RN_ERR_FORMAT, "%s: bad PNG: %s", path, box.message);
    }
    png_init_io(png, file);
    png_set_sig_bytes(png, 8);
    png_set_user_limits(png, MAX_READ_SIDE, MAX_READ_SIDE);
    png_read_info(png, info);
    int color_type = png_get_color_type(png, info);
    int bit_depth = png_get_bit_depth(png, info);
    /* Expand everything to 8- or 16-bit grey, grey+alpha, RGB or RGBA. */
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    png_set_interlace_handling(png);
    png_read_update_info(png, info);
    int width = (int)png_get_image_width(png, info);
    int height = (int)png_get_image_height(png, info);
    int channels = png_get_channels(png, info);
    bit_depth = png_get_bit_depth(png, info);
    size_t row_bytes = png_get_rowbytes(png, info);

    *rows = calloc((size_t)height, sizeof **rows);
    if (!*rows) png_error(png, "out of memory for row pointers");
    for (int y = 0; y < height; y++) {
        (*rows)[y] = malloc(row_bytes);
        if (!(*rows)[y]) png_error(png, "out of memory for rows");
        *rows_allocated = y + 1;
    }
    png_read_image(png, *rows);
    png_read_end(png, NULL);
    png_destroy_read_struct(&png, &info, NULL);

    int shape[2] = {height, width};
    RN_CHECK(rn_tensor_alloc(out, 2, shape));
    int bytes_per_pixel = channels * (bit_depth == 16 ? 2 : 1);
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++)
            out->data[(size_t)y * width + x] =
                grey_of((*rows)[y] + (size_t)x * bytes_per_pixel, channels, bit_depth);
    return RN_OK;
}

rn_status rn_png_read_grey(const char *path, rn_tensor *out)
{
    memset(out, 0, sizeof *out);
    if (!path || !*path) return rn_error(RN_ERR_ARGUMENT, "png: empty path");
    FILE *file = fopen(path, "rb");
    if (!file) return rn_error(RN_ERR_IO, "%s: %s", path, strerror(errno));
    png_byte signature[8];
    if (fread(signature, 1, 8, file) != 8 || png_sig_cmp(signature, 0, 8) != 0) {
        fclose(file);
        return rn_error(RN_ERR_FORMAT, "%s: not a PNG file (bad signature)", path);
    }
    png_bytep *rows = NULL;
    int rows_allocated = 0;
    rn_status status = decode(file, path, &rows, &rows_allocated, out);
    for (int y = 0; y < rows_allocated; y++)
        free(rows[y]);
    free(rows);
    fclose(file);
    return status;
}

/* ---------------------------------------------------------------- MNIST preprocessing */

enum { MNIST_SIDE = 28, MNIST_BOX = 20 };

/* Area-averaging resample of one line: destination sample k covers
 * [k, k+1) n_src/n_dst source pixels and is the mean over that interval
 * (source pixel i spans [i, i+1)).  Exact for the box filter, so doing rows
 * then columns gives the 2-D area average. */
static void resample_line(const float *src, int n_src, ptrdiff_t src_stride, float *dst, int n_dst,
                          ptrdiff_t dst_stride)
{
    double ratio = (double)n_src / (double)n_dst;
    for (int k = 0; k < n_dst; k++) {
        double start = k * ratio, end = (k + 1) * ratio, sum = 0.0;
        for (int i = (int)floor(start); i < n_src && i < end; i++) {
            double overlap = fmin(end, i + 1.0) - fmax(start, (double)i);
            if (overlap > 0) sum += overlap * src[i * src_stride];
        }
        dst[k * dst_stride] = (float)(sum / ratio);
    }
}

/* ---- polarity
 * The background is the picture's median grey level.  A digit is a few
 * strokes: it covers a minority of the picture (MNIST: about a fifth of the
 * 28 x 28 pixels, a pen stroke on a photo far less), so at least half of the
 * pixels are background, whatever frame, border or shadow surrounds it (as
 * long as that too covers less than half).  The picture is dark ink on light
 * paper, and is inverted, when that median lies nearer the lightest level
 * than the darkest: median > (darkest + lightest) / 2.  (The border's mean,
 * used before, took a black frame around white paper for a dark background.) */

enum { GREY_BINS = 1024 };

static int grey_bin(float v) { return (int)(fminf(fmaxf(v, 0.0f), 1.0f) * (GREY_BINS - 1) + 0.5f); }

/* The median of n values in [0, 1]: its histogram bin (1/1024 wide, no
 * sort), then the mean of the values in that bin, so that plain paper comes
 * out as exactly its own grey and maps to exactly 0. */
static float median_grey(const float *values, size_t n)
{
    size_t *count = calloc(GREY_BINS, sizeof *count);
    if (!count) return NAN;
    for (size_t i = 0; i < n; i++) count[grey_bin(values[i])]++;
    size_t seen = 0;
    int bin = 0;
    for (; bin < GREY_BINS; bin++) {
        seen += count[bin];
        if (2 * seen >= n) break;
    }
    free(count);
    double sum = 0.0;
    size_t in_bin = 0;
    for (size_t i = 0; i < n; i++)
        if (grey_bin(values[i]) == bin) sum += values[i], in_bin++;
    return (float)(sum / (double)in_bin);
}

/* ---- frames
 * After the polarity is fixed, a frame drawn around the digit, the dark edge
 * of a scan or the white border of a screenshot is "ink" too, and its
 * bounding box would be the whole picture.  Such ink is connected to the
 * picture's edge and runs along it: an ink region (8-connected, pixels above
 * INK) that covers at least half of one side's edge pixels is taken for a
 * frame and dropped, provided ink is left afterwards (a tightly cropped digit
 * that touches the edges stays whole). */

enum { NOT_SEEN = 0, SEEN = 1, FRAME = 2 };
static const float INK = 0.1f; /* of the stroke contrast: above paper texture and JPEG noise */

/* Finds the ink region (8-connected pixels above INK) containing `seed`,
 * marks it SEEN and leaves its pixels in queue[0..size) (breadth first: each
 * pixel enters the queue once, so W H entries are enough); counts its pixels
 * on each edge of the picture: top, bottom, left, right. */
static size_t find_region(const float *work, unsigned char *mark, int *queue, int width, int height, int seed,
                          int on_edge[4])
{
    size_t head = 0, tail = 0;
    queue[tail++] = seed;
    mark[seed] = SEEN;
    while (head < tail) {
        int i = queue[head++], x = i % width, y = i / width;
        on_edge[0] += y == 0;
        on_edge[1] += y == height - 1;
        on_edge[2] += x == 0;
        on_edge[3] += x == width - 1;
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int nx = x + dx, ny = y + dy;
                if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
                int j = ny * width + nx;
                if (mark[j] != NOT_SEEN || work[j] <= INK) continue;
                mark[j] = SEEN;
                queue[tail++] = j;
            }
    }
    return tail;
}

/* Sets mark[i] = FRAME for the pixels of frame regions (others NOT_SEEN or
 * SEEN) and counts them; none if dropping them would leave no ink. */
static rn_status find_frame(const float *work, int width, int height, unsigned char *mark, size_t *frame_pixels)
{
    size_t n = (size_t)width * height, ink = 0, frame = 0;
    *frame_pixels = 0;
    memset(mark, NOT_SEEN, n);
    int *queue = malloc(n * sizeof *queue);
    if (!queue) return rn_error(RN_ERR_MEMORY, "digit: cannot allocate %dx%d", height, width);
    for (size_t i = 0; i < n; i++) {
        int x = (int)(i % width), y = (int)(i / width);
        bool on_edge = x == 0 || y == 0 || x == width - 1 || y == height - 1;
        if (!on_edge || mark[i] != NOT_SEEN || work[i] <= INK) continue;
        int count[4] = {0, 0, 0, 0};
        size_t size = find_region(work, mark, queue, width, height, (int)i, count);
        bool along_a_side = 2 * count[0] >= width || 2 * count[1] >= width || 2 * count[2] >= height ||
                            2 * count[3] >= height;
        if (!along_a_side) continue;
        for (size_t k = 0; k < size; k++) mark[queue[k]] = FRAME;
        frame += size;
    }
    free(queue);
    for (size_t i = 0; i < n; i++) ink += work[i] > INK;
    if (frame < ink) *frame_pixels = frame;
    else memset(mark, NOT_SEEN, n); /* all the ink touches the edges: a tight crop, keep it */
    return RN_OK;
}

typedef struct ink_box {
    int x0, y0, width, height;
} ink_box;

/* Normalises contrast so that the background is 0 and the brightest ink 1,
 * inverting first if the picture is dark-on-light (see "polarity"), drops a
 * frame (see "frames") and finds the ink's bounding box.  Writes into `work`
 * (H x W, contiguous). */
static rn_status normalise_ink(const rn_tensor *grey, float *work, ink_box *box, rn_digit_report *report)
{
    int height = grey->shape[0], width = grey->shape[1];
    size_t n = (size_t)height * width;
    float darkest = INFINITY, lightest = -INFINITY;
    for (int y = 0; y < height; y++)
        for (int x = 0; x < width; x++) {
            float v = *rn_tensor_at2(grey, y, x);
            if (!isfinite(v)) return rn_error(RN_ERR_NUMERIC, "digit: pixel (%d, %d) is not finite", x, y);
            work[(size_t)y * width + x] = v;
            darkest = fminf(darkest, v);
            lightest = fmaxf(lightest, v);
        }
    if (lightest - darkest < 0.05f)
        return rn_error(RN_ERR_ARGUMENT,
                        "digit: no ink found: the picture is flat (every pixel between %.3f and %.3f)",
                        (double)darkest, (double)lightest);
    float background = median_grey(work, n);
    if (isnan(background)) return rn_error(RN_ERR_MEMORY, "digit: out of memory for the histogram");
    bool invert = background > 0.5f * (darkest + lightest);
    report->background = background;
    report->inverted = invert;
    float peak = invert ? 1.0f - darkest : lightest;
    if (invert) background = 1.0f - background;
    float contrast = peak - background;
    if (contrast < 0.05f)
        return rn_error(RN_ERR_ARGUMENT, "digit: no ink found (contrast %.3f between background and strokes)",
                        (double)contrast);
    for (size_t i = 0; i < n; i++) {
        float v = invert ? 1.0f - work[i] : work[i];
        work[i] = fminf(fmaxf((v - background) / contrast, 0.0f), 1.0f);
    }

    unsigned char *mark = malloc(n);
    if (!mark) return rn_error(RN_ERR_MEMORY, "digit: cannot allocate %dx%d", height, width);
    size_t frame_pixels = 0;
    rn_status status = find_frame(work, width, height, mark, &frame_pixels);
    int x0 = width, y0 = height, x1 = -1, y1 = -1;
    for (int y = 0; status == RN_OK && y < height; y++)
        for (int x = 0; x < width; x++) {
            size_t i = (size_t)y * width + x;
            if (mark[i] == FRAME) work[i] = 0.0f;
            if (work[i] <= INK) continue;
            if (x < x0) x0 = x;
            if (x > x1) x1 = x;
            if (y < y0) y0 = y;
            if (y > y1) y1 = y;
        }
    free(mark);
    RN_CHECK(status);
    report->frame_pixels = (long)frame_pixels;
    *box = (ink_box){x0, y0, x1 - x0 + 1, y1 - y0 + 1};
    report->ink_x = box->x0;
    report->ink_y = box->y0;
    report->ink_width = box->width;
    report->ink_height = box->height;
    return RN_OK;
}

rn_status rn_mnist_preprocess(const rn_tensor *grey, rn_tensor *out)
{
    rn_digit_report report;
    return rn_mnist_preprocess_report(grey, out, &report);
}

rn_status rn_mnist_preprocess_report(const rn_tensor *grey, rn_tensor *out, rn_digit_report *report)
{
    memset(out, 0, sizeof *out);
    memset(report, 0, sizeof *report);
    if (!grey || grey->ndim != 2 || grey->shape[0] < 1 || grey->shape[1] < 1)
        return rn_error(RN_ERR_SHAPE, "digit: expected a grey picture (H, W)");
    int height = grey->shape[0], width = grey->shape[1];
    size_t n = (size_t)height * width;
    float *work = malloc(n * sizeof *work);
    float *rows_done = NULL;
    if (!work) return rn_error(RN_ERR_MEMORY, "digit: cannot allocate %dx%d", height, width);
    ink_box box = {0, 0, 0, 0};
    rn_status status = normalise_ink(grey, work, &box, report);
    if (status != RN_OK) goto done;

    /* Fit the box into 20x20 keeping the aspect ratio. */
    double scale = (double)MNIST_BOX / (box.width > box.height ? box.width : box.height);
    int fit_width = (int)lround(box.width * scale), fit_height = (int)lround(box.height * scale);
    if (fit_width < 1) fit_width = 1;
    if (fit_height < 1) fit_height = 1;
    float fitted[MNIST_BOX * MNIST_BOX];
    rows_done = malloc((size_t)box.height * fit_width * sizeof *rows_done);
    if (!rows_done) {
        status = rn_error(RN_ERR_MEMORY, "digit: cannot allocate the resampling buffer");
        goto done;
    }
    for (int y = 0; y < box.height; y++)
        resample_line(work + (size_t)(box.y0 + y) * width + box.x0, box.width, 1,
                      rows_done + (size_t)y * fit_width, fit_width, 1);
    for (int x = 0; x < fit_width; x++)
        resample_line(rows_done + x, box.height, fit_width, fitted + x, fit_height, fit_width);

    /* A thin stroke on a large canvas averages down to faint grey; MNIST
     * digits reach full intensity, so the brightest pixel is made 1. */
    float brightest = 0.0f;
    for (int i = 0; i < fit_width * fit_height; i++)
        brightest = fmaxf(brightest, fitted[i]);
    if (brightest > 0.0f)
        for (int i = 0; i < fit_width * fit_height; i++)
            fitted[i] /= brightest;

    /* Centre of mass, pixel centres at i + 0.5. */
    double mass = 0.0, mx = 0.0, my = 0.0;
    for (int y = 0; y < fit_height; y++)
        for (int x = 0; x < fit_width; x++) {
            double v = fitted[y * fit_width + x];
            mass += v;
            mx += v * (x + 0.5);
            my += v * (y + 0.5);
        }
    int offset_x = (MNIST_SIDE - fit_width) / 2, offset_y = (MNIST_SIDE - fit_height) / 2;
    if (mass > 0.0) {
        offset_x = (int)lround(MNIST_SIDE / 2.0 - mx / mass);
        offset_y = (int)lround(MNIST_SIDE / 2.0 - my / mass);
    }
    if (offset_x < 0) offset_x = 0;
    if (offset_y < 0) offset_y = 0;
    if (offset_x > MNIST_SIDE - fit_width) offset_x = MNIST_SIDE - fit_width;
    if (offset_y > MNIST_SIDE - fit_height) offset_y = MNIST_SIDE - fit_height;

    int shape[2] = {MNIST_SIDE, MNIST_SIDE};
    status = rn_tensor_alloc(out, 2, shape);
    if (status != RN_OK) goto done;
    for (int y = 0; y < fit_height; y++)
        for (int x = 0; x < fit_width; x++)
            out->data[(offset_y + y) * MNIST_SIDE + offset_x + x] = fitted[y * fit_width + x];
done:
    free(rows_done);
    free(work);
    return status;
}

rn_status rn_png_read_digit(const char *path, rn_tensor *out)
{
    rn_tensor grey;
    RN_CHECK(rn_png_read_grey(path, &grey));
    rn_status status = rn_mnist_preprocess(&grey, out);
    rn_tensor_free(&grey);
    if (status != RN_OK) return rn_error_context(status, "%s", path);
    return RN_OK;
}
