/* pool.c — max, average and global-average pooling (see pool.h).
 * Each (b, c) plane is independent, so every loop is parallel over planes. */
/* -O3: GCC's -O2 vectoriser leaves loops with run-time trip counts scalar;
 * with -O3 the max pooling backward pass (scatter-add through argmax) of the
 * MNIST net, 64 x 64 x 24 x 24, one thread, went from 1.4 to 0.67 ms. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "redes/pool.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

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
static inline bool worth_parallel(long elements)
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

/* The 2 x 2, stride 2 pooling of LeNet and most CNNs, without padding.
 *
 * The running maximum picks a candidate when it is larger, or when it is the
 * first NaN (x != x while the best is still a number); later values never
 * replace a NaN (every comparison with it is false).  So the first maximum
 * wins, and the first NaN in a window wins over everything, as in the general
 * path and in PyTorch.  The four candidates of window (i, j) are, in order,
 * (2i, 2j), (2i, 2j+1), (2i+1, 2j), (2i+1, 2j+1). */
static bool two_by_two(const rn_pool2d_geometry *g)
{
    return g->kernel_height == 2 && g->kernel_width == 2 && g->stride_height == 2 && g->stride_width == 2 &&
           g->pad_height == 0 && g->pad_width == 0;
}

#if defined(__AVX512F__)
#include <immintrin.h>

/* AVX-512: a block of up to 16 outputs of one row at a time.  Two masked
 * loads bring the 32 inputs of a top row, two permutes split them into the
 * even and the odd columns (the left and right candidates of 16 windows);
 * the same for the bottom row; then three compare-and-blend steps, with the
 * argmax carried along as integer lanes.  Masked loads and stores never touch
 * memory past the row, so any width works, and rows of 5, 12 or 14 outputs
 * (LeNet-5, the MNIST net) cost one block each.  The scalar loop it replaced
 * compiled to data-dependent branches (10% of a LeNet-5 training step); one
 * thread, batch 64, random data, ms: 64 x 6 x 28 x 28 0.98 -> 0.06,
 * 64 x 16 x 10 x 10 0.33 -> 0.04, 64 x 64 x 24 x 24 8.5 -> 0.52. */
typedef struct pool_lanes {
    __m512i even, odd;  /* permute indices: lanes 0, 2, .., 30 and 1, 3, .., 31 of two vectors */
    __m512i twice_lane; /* 0, 2, 4, .., 30: the input column of each output lane */
} pool_lanes;

static pool_lanes make_pool_lanes(void)
{
    pool_lanes l;
    l.twice_lane = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    l.even = l.twice_lane;
    l.odd = _mm512_add_epi32(l.twice_lane, _mm512_set1_epi32(1));
    return l;
}

/* Masks for a block of n outputs: n output lanes, 2n input lanes over two vectors. */
static inline void block_masks(int n, __mmask16 *out, __mmask16 *in_low, __mmask16 *in_high)
{
    *out = (__mmask16)((1u << n) - 1);
    *in_low = (__mmask16)(2 * n >= 16 ? 0xffffu : (1u << 2 * n) - 1);
    *in_high = (__mmask16)(2 * n > 16 ? (1u << (2 * n - 16)) - 1 : 0u);
}

static inline void take_if_better_x16(__m512 x, __m512i at_x, __m512 *best, __m512i *at)
{
    __mmask16 take = _mm512_cmp_ps_mask(x, *best, _CMP_GT_OQ) |
                     (_mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q) & _mm512_cmp_ps_mask(*best, *best, _CMP_ORD_Q));
    *best = _mm512_mask_mov_ps(*best, take, x);
    *at = _mm512_mask_mov_epi32(*at, take, at_x);
}

static void max_pool_2x2(const float *src, int width, int out_height, int out_width, float *dst, int32_t *arg)
{
    pool_lanes l = make_pool_lanes();
    const __m512i one = _mm512_set1_epi32(1), down = _mm512_set1_epi32(width);
    for (int i = 0; i < out_height; i++) {
        const float *top = src + (size_t)(2 * i) * width, *bottom = top + width;
        for (int j0 = 0; j0 < out_width; j0 += 16) {
            __mmask16 out_mask, low, high;
            block_masks(out_width - j0 < 16 ? out_width - j0 : 16, &out_mask, &low, &high);
            __m512 t0 = _mm512_maskz_loadu_ps(low, top + 2 * j0),
                   t1 = _mm512_maskz_loadu_ps(high, top + 2 * j0 + 16);
            __m512 b0 = _mm512_maskz_loadu_ps(low, bottom + 2 * j0),
                   b1 = _mm512_maskz_loadu_ps(high, bottom + 2 * j0 + 16);
            __m512i base = _mm512_add_epi32(_mm512_set1_epi32(2 * i * width + 2 * j0), l.twice_lane);
            __m512 best = _mm512_permutex2var_ps(t0, l.even, t1);
            __m512i at = base;
            take_if_better_x16(_mm512_permutex2var_ps(t0, l.odd, t1), _mm512_add_epi32(base, one), &best,
                               &at);
            base = _mm512_add_epi32(base, down);
            take_if_better_x16(_mm512_permutex2var_ps(b0, l.even, b1), base, &best, &at);
            take_if_better_x16(_mm512_permutex2var_ps(b0, l.odd, b1), _mm512_add_epi32(base, one), &best,
                               &at);
            _mm512_mask_storeu_ps(dst + (size_t)i * out_width + j0, out_mask, best);
            _mm512_mask_storeu_epi32(arg + (size_t)i * out_width + j0, out_mask, at);
        }
    }
}

#else
/* Portable: the same running maximum, branch-free, one window at a time. */
static inline void take_if_better(float x, int32_t at_x, float *best, int32_t *at)
{
    bool take = (x > *best) | ((x != x) & (*best == *best));
    *best = take ? x : *best;
    *at = take ? at_x : *at;
}

static void max_pool_2x2(const float *src, int width, int out_height, int out_width, float *dst, int32_t *arg)
{
    for (int i = 0; i < out_height; i++) {
        const float *restrict top = src + (size_t)(2 * i) * width, *restrict bottom = top + width;
        float *restrict out = dst + (size_t)i * out_width;
        int32_t *restrict where = arg + (size_t)i * out_width;
        int32_t row = 2 * i * width;
        for (int j = 0; j < out_width; j++) {
            int32_t base = row + 2 * j;
            float best = top[2 * j];
            int32_t at = base;
            take_if_better(top[2 * j + 1], base + 1, &best, &at);
            take_if_better(bottom[2 * j], base + width, &best, &at);
            take_if_better(bottom[2 * j + 1], base + width + 1, &best, &at);
            out[j] = best;
            where[j] = at;
        }
    }
}

#endif

void rn_max_pool2d_forward(const rn_pool2d_geometry *g, const float *x, float *y, int32_t *argmax)
{
    size_t in_plane = (size_t)g->in_height * g->in_width;
    size_t out_plane = (size_t)g->out_height * g->out_width;
    bool fast = two_by_two(g);
#pragma omp parallel for schedule(static) if (worth_parallel(planes(g) * (long)in_plane))
    for (long p = 0; p < planes(g); p++) {
        const float *src = x + p * in_plane;
        float *dst = y + p * out_plane;
        int32_t *arg = argmax + p * out_plane;
        if (fast) {
            max_pool_2x2(src, g->in_width, g->out_height, g->out_width, dst, arg);
            continue;
        }
        for (int i = 0; i < g->out_height; i++)
            for (int j = 0; j < g->out_width; j++)
                window_max(src, g->in_width, window_at(g, i, j), &dst[i * g->out_width + j],
                           &arg[i * g->out_width + j]);
    }
}

/* dx[argmax] += dy plane by plane, a scatter through argmax; with `assign`
 * each plane of dx is zeroed first, just before its scatter while it sits in
 * L1, so dx's old contents do not matter (the tape then need not zero the
 * whole buffer beforehand: LeNet-5's 1.2 MB a step would be streamed twice).
 * (A vector version for the 2 x 2 case, which builds each row pair of dx
 * from compares with the argmax, was slower on LeNet-5's planes: 0.10 against
 * 0.065 ms for 64 x 6 x 28 x 28, because a masked store followed by a masked
 * load of the next, overlapping row cannot forward and stalls.) */
static void scatter_max(const rn_pool2d_geometry *g, const float *dy, const int32_t *argmax, float *dx,
                        bool assign)
{
    size_t in_plane = (size_t)g->in_height * g->in_width;
    size_t out_plane = (size_t)g->out_height * g->out_width;
#pragma omp parallel for schedule(static) if (worth_parallel(planes(g) * (long)in_plane))
    for (long p = 0; p < planes(g); p++) {
        const float *grad = dy + p * out_plane;
        const int32_t *arg = argmax + p * out_plane;
        float *dst = dx + p * in_plane;
        if (assign) memset(dst, 0, in_plane * sizeof *dst);
        for (size_t k = 0; k < out_plane; k++)
            dst[arg[k]] += grad[k];
    }
}

void rn_max_pool2d_backward(const rn_pool2d_geometry *g, const float *dy, const int32_t *argmax, float *dx)
{
    scatter_max(g, dy, argmax, dx, false);
}

void rn_max_pool2d_backward_assign(const rn_pool2d_geometry *g, const float *dy, const int32_t *argmax, float *dx)
{
    scatter_max(g, dy, argmax, dx, true);
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
