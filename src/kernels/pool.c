/* pool.c — max, average and global-average pooling (see pool.h).
 * Each (b, c) plane is independent, so every loop is parallel over planes. */
#include "redes/pool.h"

#include <math.h>
#include <stddef.h>

#include "redes/parallel.h"

rn_status rn_pool2d_prepare(rn_pool2d_geometry *g)
{
    if (g->stride_height == 0) g->stride_height = g->kernel_height;
    if (g->stride_width == 0) g->stride_width = g->kernel_width;
    if (g->batch < 1 || g->channels < 1 || g->in_height < 1 || g->in_width < 1)
        return rn_error(RN_ERR_SHAPE, "pool2d: batch %d, channels %d, image %dx%d must be positive", g->batch,
                        g->channels, g->in_height, g->in_width);
    if (g->kernel_height < 1 || g->kernel_width < 1 || g->stride_height < 1 || g->stride_width < 1)
        return rn_error(RN_ERR_ARGUMENT, "pool2d: kernel %dx%d and stride %dx%d must be positive",
                        g->kernel_height, g->kernel_width, g->stride_height, g->stride_width);
    if (g->pad_height < 0 || g->pad_width < 0 || 2 * g->pad_height > g->kernel_height ||
        2 * g->pad_width > g->kernel_width)
        return rn_error(RN_ERR_ARGUMENT, "pool2d: padding %dx%d must be between 0 and half the %dx%d kernel",
                        g->pad_height, g->pad_width, g->kernel_height, g->kernel_width);
    int padded_h = g->in_height + 2 * g->pad_height, padded_w = g->in_width + 2 * g->pad_width;
    if (g->kernel_height > padded_h || g->kernel_width > padded_w)
        return rn_error(RN_ERR_SHAPE, "pool2d: %dx%d kernel is larger than the padded %dx%d image",
                        g->kernel_height, g->kernel_width, padded_h, padded_w);
    g->out_height = (padded_h - g->kernel_height) / g->stride_height + 1;
    g->out_width = (padded_w - g->kernel_width) / g->stride_width + 1;
    return RN_OK;
}

rn_status rn_pool2d_geometry_square(rn_pool2d_geometry *g, int batch, int channels, int height, int width,
                                    int kernel, int stride, int pad)
{
    *g = (rn_pool2d_geometry){.batch = batch,
                              .channels = channels,
                              .in_height = height,
                              .in_width = width,
                              .kernel_height = kernel,
                              .kernel_width = kernel,
                              .stride_height = stride,
                              .stride_width = stride,
                              .pad_height = pad,
                              .pad_width = pad};
    return rn_pool2d_prepare(g);
}

/* The window of output (i, j) clipped to the image: rows [y0, y1), columns [x0, x1). */
typedef struct window {
    int y0, y1, x0, x1;
} window;

static window window_at(const rn_pool2d_geometry *g, int i, int j)
{
    window w;
    w.y0 = i * g->stride_height - g->pad_height;
    w.x0 = j * g->stride_width - g->pad_width;
    w.y1 = w.y0 + g->kernel_height;
    w.x1 = w.x0 + g->kernel_width;
    if (w.y0 < 0) w.y0 = 0;
    if (w.x0 < 0) w.x0 = 0;
    if (w.y1 > g->in_height) w.y1 = g->in_height;
    if (w.x1 > g->in_width) w.x1 = g->in_width;
    return w;
}

static long planes(const rn_pool2d_geometry *g)
{
    return (long)g->batch * g->channels;
}
static bool worth_parallel(long elements)
{
    return elements >= RN_PARALLEL_MIN_ELEMENTS;
}

/* One step of a running maximum, without a branch (random data would
 * mispredict half of them): take `value` if it is larger or a NaN, unless
 * best is already NaN. */
static inline void max_step(float value, int32_t index, float *best, int32_t *at)
{
    bool take = !(value <= *best) && *best == *best;
    *best = take ? value : *best;
    *at = take ? index : *at;
}

/* The maximum of one window and where it is.  "value > best" keeps the first
 * maximum; a NaN wins and then stays (PyTorch propagates NaN): the test
 * !(value <= best) is true for a larger value or a NaN, and best == best is
 * false once best is NaN. */
static inline void window_max(const float *plane, int width, window w, float *best_out, int32_t *index_out)
{
    float best = -INFINITY;
    int32_t best_index = w.y0 * width + w.x0;
    for (int r = w.y0; r < w.y1; r++) {
        const float *row = plane + (size_t)r * width;
        for (int c = w.x0; c < w.x1; c++)
            max_step(row[c], r * width + c, &best, &best_index);
    }
    *best_out = best;
    *index_out = best_index;
}

/* The 2 x 2, stride 2 pooling of LeNet and most CNNs, without padding.  NaN
 * is rare, so it is tested once per window (one well-predicted branch); the
 * ordinary case is three compare-and-selects the compiler makes branch-free. */
static void max_pool_2x2(const float *src, int width, int out_height, int out_width, float *dst, int32_t *arg)
{
    for (int i = 0; i < out_height; i++) {
        const float *top = src + (size_t)(2 * i) * width, *bottom = top + width;
        for (int j = 0; j < out_width; j++) {
            float a = top[2 * j], b = top[2 * j + 1], c = bottom[2 * j], d = bottom[2 * j + 1];
            int32_t base = 2 * i * width + 2 * j;
            float best;
            int32_t at;
            if ((a != a) | (b != b) | (c != c) | (d != d)) { /* NaN: the first one wins */
                at = a != a ? base : b != b ? base + 1 : c != c ? base + width : base + width + 1;
                best = NAN;
            } else {
                best = a, at = base;
                at = b > best ? base + 1 : at, best = b > best ? b : best;
                at = c > best ? base + width : at, best = c > best ? c : best;
                at = d > best ? base + width + 1 : at, best = d > best ? d : best;
            }
            dst[i * out_width + j] = best;
            arg[i * out_width + j] = at;
        }
    }
}

void rn_max_pool2d_forward(const rn_pool2d_geometry *g, const float *x, float *y, int32_t *argmax)
{
    size_t in_plane = (size_t)g->in_height * g->in_width;
    size_t out_plane = (size_t)g->out_height * g->out_width;
    bool two_by_two = g->kernel_height == 2 && g->kernel_width == 2 && g->stride_height == 2 &&
                      g->stride_width == 2 && g->pad_height == 0 && g->pad_width == 0;
#pragma omp parallel for schedule(static) if (worth_parallel(planes(g) * (long)in_plane))
    for (long p = 0; p < planes(g); p++) {
        const float *src = x + p * in_plane;
        float *dst = y + p * out_plane;
        int32_t *arg = argmax + p * out_plane;
        if (two_by_two) {
            max_pool_2x2(src, g->in_width, g->out_height, g->out_width, dst, arg);
            continue;
        }
        for (int i = 0; i < g->out_height; i++)
            for (int j = 0; j < g->out_width; j++)
                window_max(src, g->in_width, window_at(g, i, j), &dst[i * g->out_width + j],
                           &arg[i * g->out_width + j]);
    }
}

void rn_max_pool2d_backward(const rn_pool2d_geometry *g, const float *dy, const int32_t *argmax, float *dx)
{
    size_t in_plane = (size_t)g->in_height * g->in_width;
    size_t out_plane = (size_t)g->out_height * g->out_width;
#pragma omp parallel for schedule(static) if (worth_parallel(planes(g) * (long)in_plane))
    for (long p = 0; p < planes(g); p++) {
        const float *grad = dy + p * out_plane;
        const int32_t *arg = argmax + p * out_plane;
        float *dst = dx + p * in_plane;
        for (size_t k = 0; k < out_plane; k++)
            dst[arg[k]] += grad[k];
    }
}

/* 1/n for the window: K_h K_w, or the real pixels when padding is excluded. */
static float window_scale(const rn_pool2d_geometry *g, window w)
{
    int n = g->exclude_pad ? (w.y1 - w.y0) * (w.x1 - w.x0) : g->kernel_height * g->kernel_width;
    return 1.0f / (float)n;
}

void rn_avg_pool2d_forward(const rn_pool2d_geometry *g, const float *x, float *y)
{
    size_t in_plane = (size_t)g->in_height * g->in_width;
    size_t out_plane = (size_t)g->out_height * g->out_width;
#pragma omp parallel for schedule(static) if (worth_parallel(planes(g) * (long)in_plane))
    for (long p = 0; p < planes(g); p++) {
        const float *src = x + p * in_plane;
        float *dst = y + p * out_plane;
        for (int i = 0; i < g->out_height; i++)
            for (int j = 0; j < g->out_width; j++) {
                window w = window_at(g, i, j);
                float sum = 0.0f;
                for (int r = w.y0; r < w.y1; r++)
                    for (int c = w.x0; c < w.x1; c++)
                        sum += src[r * g->in_width + c];
                dst[i * g->out_width + j] = sum * window_scale(g, w);
            }
    }
}

void rn_avg_pool2d_backward(const rn_pool2d_geometry *g, const float *dy, float *dx)
{
    size_t in_plane = (size_t)g->in_height * g->in_width;
    size_t out_plane = (size_t)g->out_height * g->out_width;
#pragma omp parallel for schedule(static) if (worth_parallel(planes(g) * (long)in_plane))
    for (long p = 0; p < planes(g); p++) {
        const float *grad = dy + p * out_plane;
        float *dst = dx + p * in_plane;
        for (int i = 0; i < g->out_height; i++)
            for (int j = 0; j < g->out_width; j++) {
                window w = window_at(g, i, j);
                float share = grad[i * g->out_width + j] * window_scale(g, w);
                for (int r = w.y0; r < w.y1; r++)
                    for (int c = w.x0; c < w.x1; c++)
                        dst[r * g->in_width + c] += share;
            }
    }
}

void rn_global_avg_pool2d_forward(int batch, int channels, int height, int width, const float *x, float *y)
{
    size_t plane = (size_t)height * width;
    long n_planes = (long)batch * channels;
#pragma omp parallel for schedule(static) if (worth_parallel(n_planes * (long)plane))
    for (long p = 0; p < n_planes; p++) {
        const float *src = x + p * plane;
        float sum = 0.0f;
        for (size_t k = 0; k < plane; k++)
            sum += src[k];
        y[p] = sum / (float)plane;
    }
}

void rn_global_avg_pool2d_backward(int batch, int channels, int height, int width, const float *dy, float *dx)
{
    size_t plane = (size_t)height * width;
    long n_planes = (long)batch * channels;
#pragma omp parallel for schedule(static) if (worth_parallel(n_planes * (long)plane))
    for (long p = 0; p < n_planes; p++) {
        float share = dy[p] / (float)plane;
        float *dst = dx + p * plane;
        for (size_t k = 0; k < plane; k++)
            dst[k] += share;
    }
}
