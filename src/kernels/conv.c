/* conv.c — convolution and transposed convolution by im2col + GEMM (see conv.h).
 *
 * Every pass works on a chunk of n_b images at once (the whole batch when it
 * fits the workspace): im2col unrolls all of them side by side (in parallel
 * over the images), then one GEMM per group does the arithmetic (itself
 * parallel), with N = n_b HW_out columns:
 *
 *   forward          Y'_g (C_out/G x N)       = W_g (C_out/G x C_in/G KK) col_g (C_in/G KK x N)
 *   backward data    dcol_g (C_in/G KK x N)   = W_g^T dY'_g,  then col2im -> dx
 *   backward weight  dW_g (C_out/G x C_in/G KK) += dY'_g col_g^T
 *
 * Y' is the output in GEMM layout (C_out, n_b HW_out); a copy moves it to and
 * from NCHW.  The weight gradient is one GEMM over the whole chunk, so it needs
 * no per-thread partial sums and is deterministic.
 *
 * A transposed convolution with geometry T is run as the plain convolution
 * `mirror(T)` whose input is T's output and whose output is T's input.
 */
/* The copy loops of im2col, col2im and the layout changes have run-time trip
 * counts (10-30 floats): GCC's -O2 ("very cheap" vectoriser) leaves them
 * scalar, -O3 vectorises them.  Measured on LeNet-5's conv1 forward pass
 * (batch 64, 1 thread): see docs/kernels.md. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-tree-loop-distribute-patterns")
#endif
#include "redes/conv.h"

#include <string.h>

#include "kernels/conv_direct.h"
#include "kernels/winograd.h"
#include "redes/gemm.h"
#include "redes/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ----------------------------------------------------------------- short rows */

/* The layout changes copy rows of 10-30 floats (LeNet-5: 10 and 14).  The
 * compiler's vector loops need 16 (AVX-512) and leave such rows to scalar
 * epilogues; with AVX-512 masks one row is one or two vector operations.
 * (LeNet-5's gather of dy into the wide layout, its scatter of Y' into y
 * and the crop of the input gradient were 10-13% of its training step.) */
#if defined(__AVX512F__)
#include <immintrin.h>

static inline __mmask16 row_lanes(int n)
{
    return (__mmask16)(n >= 16 ? 0xffffu : n <= 0 ? 0u : (1u << n) - 1);
}

/* dst[0 .. n) = src[0 .. n), then zeros up to dst[length) (length >= n). */
static inline void copy_row_padded(float *dst, const float *src, int n, int length)
{
    for (int j = 0; j < length; j += 16)
        _mm512_mask_storeu_ps(dst + j, row_lanes(length - j),
                              _mm512_maskz_loadu_ps(row_lanes(n - j), src + j));
}

/* dst[j] = src[j] + b, or dst[j] += src[j] + b, for j < n. */
static inline void put_row(float *dst, const float *src, int n, float b, bool accumulate)
{
    __m512 bias = _mm512_set1_ps(b);
    for (int j = 0; j < n; j += 16) {
        __mmask16 lanes = row_lanes(n - j);
        __m512 v = _mm512_add_ps(_mm512_maskz_loadu_ps(lanes, src + j), bias);
        if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(lanes, dst + j));
        _mm512_mask_storeu_ps(dst + j, lanes, v);
    }
}
#else
static inline void copy_row_padded(float *restrict dst, const float *restrict src, int n, int length)
{
    for (int j = 0; j < n; j++)
        dst[j] = src[j];
    for (int j = n; j < length; j++)
        dst[j] = 0.0f;
}

static inline void put_row(float *restrict dst, const float *restrict src, int n, float b, bool accumulate)
{
    if (accumulate)
        for (int j = 0; j < n; j++)
            dst[j] += src[j] + b;
    else
        for (int j = 0; j < n; j++)
            dst[j] = src[j] + b;
}
#endif

/* ----------------------------------------------------------------- geometry */

static int default_one(int value)
{
    return value == 0 ? 1 : value;
}

static rn_status check_common(rn_conv2d_geometry *g, const char *what)
{
    g->stride_height = default_one(g->stride_height);
    g->stride_width = default_one(g->stride_width);
    g->dilation_height = default_one(g->dilation_height);
    g->dilation_width = default_one(g->dilation_width);
    g->groups = default_one(g->groups);
    if (g->batch < 1 || g->in_channels < 1 || g->out_channels < 1 || g->in_height < 1 || g->in_width < 1)
        return rn_error(RN_ERR_SHAPE, "%s: batch %d, channels %d -> %d, image %dx%d must be positive", what,
                        g->batch, g->in_channels, g->out_channels, g->in_height, g->in_width);
    if (g->kernel_height < 1 || g->kernel_width < 1 || g->stride_height < 1 || g->stride_width < 1 ||
        g->dilation_height < 1 || g->dilation_width < 1)
        return rn_error(RN_ERR_ARGUMENT, "%s: kernel %dx%d, stride %dx%d, dilation %dx%d must be positive",
                        what, g->kernel_height, g->kernel_width, g->stride_height, g->stride_width,
                        g->dilation_height, g->dilation_width);
    if (g->pad_height < 0 || g->pad_width < 0)
        return rn_error(RN_ERR_ARGUMENT, "%s: padding %dx%d must not be negative", what, g->pad_height,
                        g->pad_width);
    if (g->groups < 1 || g->in_channels % g->groups || g->out_channels % g->groups)
        return rn_error(RN_ERR_SHAPE, "%s: %d groups must divide both %d input and %d output channels", what,
                        g->groups, g->in_channels, g->out_channels);
    return RN_OK;
}

rn_status rn_conv2d_prepare(rn_conv2d_geometry *g)
{
    RN_CHECK(check_common(g, "conv2d"));
    if (g->output_pad_height || g->output_pad_width)
        return rn_error(RN_ERR_ARGUMENT, "conv2d: output padding is for transposed convolutions only");
    int span_h = g->dilation_height * (g->kernel_height - 1) + 1;
    int span_w = g->dilation_width * (g->kernel_width - 1) + 1;
    int padded_h = g->in_height + 2 * g->pad_height, padded_w = g->in_width + 2 * g->pad_width;
    if (span_h > padded_h || span_w > padded_w)
        return rn_error(RN_ERR_SHAPE, "conv2d: kernel spans %dx%d pixels but the padded image is %dx%d",
                        span_h, span_w, padded_h, padded_w);
    g->out_height = (padded_h - span_h) / g->stride_height + 1;
    g->out_width = (padded_w - span_w) / g->stride_width + 1;
    return RN_OK;
}

rn_status rn_conv_transpose2d_prepare(rn_conv2d_geometry *g)
{
    RN_CHECK(check_common(g, "conv_transpose2d"));
    if (g->output_pad_height < 0 || g->output_pad_width < 0 ||
        (g->output_pad_height >= g->stride_height && g->output_pad_height >= g->dilation_height) ||
        (g->output_pad_width >= g->stride_width && g->output_pad_width >= g->dilation_width))
        return rn_error(RN_ERR_ARGUMENT,
                        "conv_transpose2d: output padding %dx%d must be smaller than the stride "
                        "or the dilation",
                        g->output_pad_height, g->output_pad_width);
    g->out_height = (g->in_height - 1) * g->stride_height - 2 * g->pad_height +
                    g->dilation_height * (g->kernel_height - 1) + g->output_pad_height + 1;
    g->out_width = (g->in_width - 1) * g->stride_width - 2 * g->pad_width +
                   g->dilation_width * (g->kernel_width - 1) + g->output_pad_width + 1;
    if (g->out_height < 1 || g->out_width < 1)
        return rn_error(RN_ERR_SHAPE, "conv_transpose2d: padding %dx%d leaves an empty %dx%d output",
                        g->pad_height, g->pad_width, g->out_height, g->out_width);
    return RN_OK;
}

rn_status rn_conv2d_geometry_square(rn_conv2d_geometry *g, int batch, int in_channels, int height, int width,
                                    int out_channels, int kernel, int stride, int pad, int dilation,
                                    int groups)
{
    *g = (rn_conv2d_geometry){.batch = batch,
                              .in_channels = in_channels,
                              .in_height = height,
                              .in_width = width,
                              .out_channels = out_channels,
                              .kernel_height = kernel,
                              .kernel_width = kernel,
                              .stride_height = stride,
                              .stride_width = stride,
                              .pad_height = pad,
                              .pad_width = pad,
                              .dilation_height = dilation,
                              .dilation_width = dilation,
                              .groups = groups};
    return rn_conv2d_prepare(g);
}

/* The plain convolution whose backward-data pass is the transposed one's forward. */
static rn_conv2d_geometry mirror(const rn_conv2d_geometry *t)
{
    rn_conv2d_geometry g = *t;
    g.in_channels = t->out_channels;
    g.in_height = t->out_height;
    g.in_width = t->out_width;
    g.out_channels = t->in_channels;
    g.out_height = t->in_height;
    g.out_width = t->in_width;
    g.output_pad_height = g.output_pad_width = 0;
    return g;
}

size_t rn_conv2d_weight_count(const rn_conv2d_geometry *g)
{
    return (size_t)g->out_channels * (g->in_channels / g->groups) * g->kernel_height * g->kernel_width;
}

/* Work is split into chunks of n_b images.  For a chunk the workspace holds
 * the unrolled patches col (C_in K_h K_w x n_b HW_out) and the outputs in
 * GEMM layout Y' (C_out x n_b HW_out).  Batching images into one GEMM matters
 * for the small layers of LeNet-like nets: per image the products are tiny
 * (6 x 25 x 784) and dominated by packing; for 10 images they are 6 x 25 x 7840.
 *
 * Each thread takes whole chunks and owns a slice of the workspace (its
 * chunk's col and Y', and a partial weight gradient), so a call is one
 * parallel region with no barrier between im2col, GEMM and the copies: on
 * small layers the barriers would cost more than the arithmetic. */
/* Stride-1 convolutions use the "wide" layout.  Zero-pad the image once into
 * (C_in, H + 2P_h, W_p = W + 2P_w); give every output row W_p columns instead
 * of W_out (the last W_p - W_out of each row are not outputs: they are
 * computed and thrown away).  Then the im2col row of tap (c, u, v) is ONE
 * contiguous piece of the padded image, starting at (c, u D_h, v D_w), of
 * length H_out W_p: a memcpy instead of H_out copies of 10-30 floats, which
 * took most of LeNet-5's conv2 forward pass.  col2im is the same in reverse
 * (adds of whole pieces into a padded gradient, then a crop).  The price is
 * W_p / W_out more GEMM columns (14/10 for LeNet-5's conv2, 26/24 for the
 * MNIST net's conv2).  Pieces of the last rows run past the plane by
 * (K_w - 1) D_w floats into the next channel or a zero tail: only the thrown-
 * away columns see those values, and their output gradients are zero. */
/* With the implicit GEMM (below) the forward pass and the weight gradient
 * read the im2col rows straight from the padded image, so every stride-1
 * layer uses the wide layout.  (With im2col copies the MNIST net's conv2,
 * unpadded with rows of 24, had been faster in the plain layout; implicit,
 * one thread, batch 64, ms: forward 13.7 -> 12.7, weight gradient
 * 16.5 -> 14.7, input gradient 12.7 -> 14.1 (8% more columns).) */
static bool is_wide(const rn_conv2d_geometry *g)
{
    return g->stride_height == 1 && g->stride_width == 1;
}

/* Columns per output row in the GEMM layout. */
static int row_length(const rn_conv2d_geometry *g)
{
    return is_wide(g) ? g->in_width + 2 * g->pad_width : g->out_width;
}

/* The padded image (or gradient) of one image, with its zero tail. */
static size_t padded_floats(const rn_conv2d_geometry *g)
{
    if (!is_wide(g)) return 0;
    return (size_t)g->in_channels * (g->in_height + 2 * g->pad_height) * (g->in_width + 2 * g->pad_width) +
           (size_t)(g->kernel_width - 1) * g->dilation_width;
}

static size_t per_image_floats(const rn_conv2d_geometry *g)
{
    return ((size_t)g->in_channels * g->kernel_height * g->kernel_width + g->out_channels) * g->out_height *
           row_length(g);
}

/* A chunk's col and Y' stay within this many floats (1 MiB: half of the L2
 * cache of the machine we measured on), so that the GEMM reads what im2col
 * just wrote from L2: 2^18 beat 2^17, 2^19, 2^20 and 2^22 on every layer of
 * bench/bench_conv.c. */
enum { CHUNK_BUDGET_FLOATS = 1 << 18 };

typedef struct plan {
    int threads, chunk_images;
    size_t per_thread; /* floats of workspace per thread */
} plan;

/* The wide layout's table of tap offsets (one int per row of col_g), kept
 * in the workspace: an int takes the room of a float. */
static size_t tap_table_floats(const rn_conv2d_geometry *g)
{
    return is_wide(g) ? (size_t)g->in_channels / g->groups * g->kernel_height * g->kernel_width : 0;
}

/* Winograd's F(2 x 2, 3 x 3) (winograd.h) for the forward and input-gradient
 * passes of 3 x 3, stride-1 layers: 2.25 times fewer multiply-adds.  Only
 * with at least WINOGRAD_MIN_CHANNELS channels on both sides: its 16 GEMMs
 * have C_in (forward) or C_out (input gradient) as their depth, and the
 * transforms cost per channel what im2col does.  Measured on the MNIST net's
 * conv2 (32 -> 64, 26 x 26, batch 64, one thread, CPU ms): see the commit. */
enum { WINOGRAD_MIN_CHANNELS = 16 };

static bool use_winograd(const rn_conv2d_geometry *g)
{
    return g->kernel_height == 3 && g->kernel_width == 3 && g->stride_height == 1 && g->stride_width == 1 &&
           g->dilation_height == 1 && g->dilation_width == 1 && g->groups == 1 &&
           g->pad_height == g->pad_width && g->pad_height <= 2 && g->in_channels >= WINOGRAD_MIN_CHANNELS &&
           g->out_channels >= WINOGRAD_MIN_CHANNELS;
}

/* The forward pass's Winograd shape, and the input gradient's: a convolution
 * of dy (C_out channels, H_out x W_out) with padding 2 - P back to x's size. */
static rn_winograd_shape winograd_forward_shape(const rn_conv2d_geometry *g)
{
    return rn_winograd_shape_of(g->in_channels, g->out_channels, g->in_height, g->in_width, g->pad_height);
}
static rn_winograd_shape winograd_adjoint_shape(const rn_conv2d_geometry *g)
{
    return rn_winograd_shape_of(g->out_channels, g->in_channels, g->out_height, g->out_width,
                                2 - g->pad_height);
}

static size_t max_size(size_t a, size_t b)
{
    return a > b ? a : b;
}

/* The weight gradient of the other stride-1, ungrouped layers is computed
 * directly (conv_direct.h) from the chunk's padded images, side by side, and
 * its output gradient in rows of whole vectors: image k's pixels (wide
 * layout) at [k P_v, k P_v + H_out W_p), zeros up to P_v, the next multiple
 * of the vector length.  Each padded image is followed by P_v - H_out W_p
 * zeros, so the last tap's reads up to P_v stay inside it. */
static bool use_direct_weight_gradient(const rn_conv2d_geometry *g)
{
    return is_wide(g) && g->groups == 1 && !use_winograd(g);
}

static size_t direct_pixels(const rn_conv2d_geometry *g)
{
    size_t vl = (size_t)rn_conv_direct_vector_floats();
    size_t pixels = (size_t)g->out_height * row_length(g);
    return (pixels + vl - 1) / vl * vl;
}

static size_t direct_x_image(const rn_conv2d_geometry *g)
{
    return padded_floats(g) + direct_pixels(g) - (size_t)g->out_height * row_length(g);
}

static size_t direct_image_floats(const rn_conv2d_geometry *g)
{
    return direct_x_image(g) + (size_t)g->out_channels * direct_pixels(g);
}

/* The input gradient of small stride-1 layers is computed directly too
 * (rn_conv_direct_rows): dx is the full correlation of dy, zero-padded by
 * K - 1 - P on every side, with the flipped kernels,
 *
 *   dx[c][y][x] = sum_{o,u,v} W[o][c][K_h-1-u][K_w-1-v] dy_pad[o][y + u][x + v],
 *
 * one output row of dx a vector (LeNet-5's conv2: rows of 14 in vectors of
 * 16), skipping the kernel rows that meet only padding.  For many output
 * channels (the GEMM's depth) the GEMM + col2im does better. */
enum { DIRECT_DATA_MAX_OUT_CHANNELS = 32 };

static bool use_direct_input_gradient(const rn_conv2d_geometry *g)
{
    return is_wide(g) && g->groups == 1 && !use_winograd(g) && g->dilation_height == 1 &&
           g->dilation_width == 1 && g->pad_height <= g->kernel_height - 1 &&
           g->pad_width <= g->kernel_width - 1 && g->out_channels <= DIRECT_DATA_MAX_OUT_CHANNELS;
}

/* The forward pass of the same layers, by the same kernel: y is the
 * correlation of the zero-padded x with the kernels, one output row a
 * vector.  With more output channels the GEMM wins (one thread, batch 64:
 * the MNIST net's conv1, 1 -> 32, 3 x 3, forward 0.61 ms by GEMM, 0.77 direct;
 * LeNet-5's conv2, 6 -> 16, 0.49 by GEMM, 0.40 direct). */
enum { DIRECT_FORWARD_MAX_OUT_CHANNELS = 16 };

static bool use_direct_forward(const rn_conv2d_geometry *g)
{
    return is_wide(g) && g->groups == 1 && !use_winograd(g) && g->dilation_height == 1 &&
           g->dilation_width == 1 && g->out_channels <= DIRECT_FORWARD_MAX_OUT_CHANNELS;
}

/* x_pad's geometry: rows H + 2P_h, columns enough for whole vectors of output. */
static int input_pad_columns(const rn_conv2d_geometry *g)
{
    int vl = rn_conv_direct_vector_floats();
    int needed = (g->out_width + vl - 1) / vl * vl + g->kernel_width - 1;
    int padded = g->in_width + 2 * g->pad_width;
    return needed > padded ? needed : padded;
}
static size_t input_pad_floats(const rn_conv2d_geometry *g)
{
    return (size_t)g->in_channels * (g->in_height + 2 * g->pad_height) * input_pad_columns(g);
}

/* dy_pad's geometry: rows H + K_h - 1, columns W rounded up to whole vectors + K_w - 1. */
static int gradient_pad_rows(const rn_conv2d_geometry *g)
{
    return g->in_height + g->kernel_height - 1;
}
static int gradient_pad_columns(const rn_conv2d_geometry *g)
{
    int vl = rn_conv_direct_vector_floats();
    return (g->in_width + vl - 1) / vl * vl + g->kernel_width - 1;
}
static size_t gradient_pad_floats(const rn_conv2d_geometry *g)
{
    return (size_t)g->out_channels * gradient_pad_rows(g) * gradient_pad_columns(g);
}

/* Workspace shared by the threads, after their slices: the transformed weights. */
static size_t shared_floats(const rn_conv2d_geometry *g)
{
    if (use_direct_input_gradient(g) || use_direct_forward(g)) return rn_conv2d_weight_count(g);
    if (!use_winograd(g)) return 0;
    rn_winograd_shape shape = winograd_forward_shape(g);
    return rn_winograd_weight_floats(&shape);
}

/* A chunk's col and Y', a partial dW and dbias, a padded image and the tap
 * table; or Winograd's scratch for the chunk if that is more. */
static size_t per_thread_floats(const rn_conv2d_geometry *g, int chunk_images)
{
    size_t floats = per_image_floats(g) * (size_t)chunk_images + rn_conv2d_weight_count(g) +
                    (size_t)g->out_channels + padded_floats(g) + tap_table_floats(g);
    if (use_direct_weight_gradient(g))
        floats = max_size(floats, direct_image_floats(g) * (size_t)chunk_images + rn_conv2d_weight_count(g) +
                                      (size_t)g->out_channels + tap_table_floats(g));
    if (use_direct_input_gradient(g)) floats = max_size(floats, gradient_pad_floats(g));
    if (use_direct_forward(g)) floats = max_size(floats, input_pad_floats(g));
    if (use_winograd(g)) {
        rn_winograd_shape forward = winograd_forward_shape(g), adjoint = winograd_adjoint_shape(g);
        /* the weight gradient's scratch and its per-thread sums: P and the bias */
        floats = max_size(floats, rn_winograd_scratch_floats(&forward, chunk_images) +
                                      rn_winograd_weight_floats(&forward) + (size_t)g->out_channels);
        floats = max_size(floats, rn_winograd_scratch_floats(&adjoint, chunk_images));
    }
    return floats;
}

/* The plan for an unlimited workspace: every thread gets at least one chunk. */
static plan ideal_plan(const rn_conv2d_geometry *g)
{
    plan p;
    p.threads = rn_threads() < g->batch ? rn_threads() : g->batch;
    /* As many chunks as the budget needs, rounded up to a multiple of the
     * threads so that they all get the same number; then equal chunks. */
    size_t fit = CHUNK_BUDGET_FLOATS / per_image_floats(g);
    if (fit < 1) fit = 1;
    int chunks = (int)(((size_t)g->batch + fit - 1) / fit);
    chunks = (chunks + p.threads - 1) / p.threads * p.threads;
    p.chunk_images = (g->batch + chunks - 1) / chunks;
    p.per_thread = per_thread_floats(g, p.chunk_images);
    return p;
}

size_t rn_conv2d_workspace_floats(const rn_conv2d_geometry *g)
{
    plan p = ideal_plan(g);
    return p.per_thread * (size_t)p.threads + shared_floats(g);
}

size_t rn_conv_transpose2d_workspace_floats(const rn_conv2d_geometry *t)
{
    rn_conv2d_geometry g = mirror(t);
    return rn_conv2d_workspace_floats(&g);
}

/* Fits the plan into the caller's workspace: fewer threads, then smaller chunks. */
static rn_status make_plan(const rn_conv2d_geometry *g, const char *what, const float *workspace,
                           size_t workspace_floats, plan *p)
{
    *p = ideal_plan(g);
    if (!workspace) workspace_floats = 0;
    size_t shared = shared_floats(g);
    workspace_floats = workspace_floats > shared ? workspace_floats - shared : 0;
    while (p->threads > 1 && p->per_thread * (size_t)p->threads > workspace_floats) {
        p->threads--;
        p->per_thread = per_thread_floats(g, p->chunk_images);
    }
    while (p->chunk_images > 1 && p->per_thread > workspace_floats) {
        p->chunk_images--;
        p->per_thread = per_thread_floats(g, p->chunk_images);
    }
    if (p->per_thread > workspace_floats)
        return rn_error(RN_ERR_ARGUMENT,
                        "%s: workspace of %zu floats is smaller than the %zu one image needs", what,
                        workspace_floats + shared, p->per_thread + shared);
    return RN_OK;
}

/* ----------------------------------------------------------------- im2col */

/* The range of output columns j whose input column j S - P + v D lies in [0, width). */
static void valid_range(int width, int out_width, int stride, int pad, int offset, int *lo, int *hi)
{
    /* j S - P + offset >= 0  <=>  j >= ceil((P - offset) / S) */
    int start = pad - offset;
    *lo = start <= 0 ? 0 : (start + stride - 1) / stride;
    /* j S - P + offset <= width - 1  <=>  j <= floor((width - 1 + P - offset) / S) */
    int end = width - 1 + pad - offset;
    *hi = end < 0 ? 0 : end / stride + 1;
    if (*hi > out_width) *hi = out_width;
    if (*lo > *hi) *lo = *hi;
}

/* im2col into columns [0, H_out W_out) of a matrix whose rows are `ld` floats apart. */
/* One row of im2col: dst[j] = src[j * stride] for j in [lo, hi), 0 elsewhere
 * in [0, n).  restrict: dst and src never overlap, which lets the compiler
 * vectorise without run-time overlap checks (the rows are only 10-30 long). */
static inline void gather_row(float *restrict dst, const float *restrict src, int lo, int hi, int n,
                              int stride)
{
    for (int j = 0; j < lo; j++)
        dst[j] = 0.0f;
    if (stride == 1)
        for (int j = lo; j < hi; j++)
            dst[j] = src[j];
    else
        for (int j = lo; j < hi; j++)
            dst[j] = src[(size_t)j * stride];
    for (int j = hi; j < n; j++)
        dst[j] = 0.0f;
}

static void im2col_strided(const float *image, int channels, int height, int width, int kernel_height,
                           int kernel_width, int stride_height, int stride_width, int pad_height,
                           int pad_width, int dilation_height, int dilation_width, int out_height,
                           int out_width, float *col, size_t ld)
{
    for (int c = 0; c < channels; c++) {
        const float *plane = image + (size_t)c * height * width;
        for (int u = 0; u < kernel_height; u++) {
            for (int v = 0; v < kernel_width; v++) {
                float *row = col + ((size_t)(c * kernel_height + u) * kernel_width + v) * ld;
                int j_lo, j_hi;
                valid_range(width, out_width, stride_width, pad_width, v * dilation_width, &j_lo, &j_hi);
                const float *shifted = plane - pad_width + v * dilation_width;
                for (int i = 0; i < out_height; i++) {
                    int y = i * stride_height - pad_height + u * dilation_height;
                    if (y < 0 || y >= height) /* a row of padding */
                        gather_row(row + (size_t)i * out_width, plane, 0, 0, out_width, 1);
                    else
                        gather_row(row + (size_t)i * out_width, shifted + (size_t)y * width, j_lo, j_hi,
                                   out_width, stride_width);
                }
            }
        }
    }
}

static void col2im_strided(const float *col, size_t ld, int channels, int height, int width,
                           int kernel_height, int kernel_width, int stride_height, int stride_width,
                           int pad_height, int pad_width, int dilation_height, int dilation_width,
                           int out_height, int out_width, float *image)
{
    for (int c = 0; c < channels; c++) {
        float *plane = image + (size_t)c * height * width;
        for (int u = 0; u < kernel_height; u++) {
            for (int v = 0; v < kernel_width; v++) {
                const float *row = col + ((size_t)(c * kernel_height + u) * kernel_width + v) * ld;
                int j_lo, j_hi;
                valid_range(width, out_width, stride_width, pad_width, v * dilation_width, &j_lo, &j_hi);
                for (int i = 0; i < out_height; i++) {
                    int y = i * stride_height - pad_height + u * dilation_height;
                    if (y < 0 || y >= height) continue;
                    const float *src = row + (size_t)i * out_width;
                    float *dst = plane + (size_t)y * width - pad_width + v * dilation_width;
                    for (int j = j_lo; j < j_hi; j++)
                        dst[(size_t)j * stride_width] += src[j];
                }
            }
        }
    }
}

void rn_im2col(const float *image, int channels, int height, int width, int kernel_height, int kernel_width,
               int stride_height, int stride_width, int pad_height, int pad_width, int dilation_height,
               int dilation_width, int out_height, int out_width, float *col)
{
    im2col_strided(image, channels, height, width, kernel_height, kernel_width, stride_height, stride_width,
                   pad_height, pad_width, dilation_height, dilation_width, out_height, out_width, col,
                   (size_t)out_height * out_width);
}

void rn_col2im(const float *col, int channels, int height, int width, int kernel_height, int kernel_width,
               int stride_height, int stride_width, int pad_height, int pad_width, int dilation_height,
               int dilation_width, int out_height, int out_width, float *image)
{
    col2im_strided(col, (size_t)out_height * out_width, channels, height, width, kernel_height, kernel_width,
                   stride_height, stride_width, pad_height, pad_width, dilation_height, dilation_width,
                   out_height, out_width, image);
}
/* ----------------------------------------------------------------- one chunk */

/* A chunk of n_b images starting at image b0, and the matrices of its GEMMs:
 *   col (patch_total x columns),  Y' (C_out x columns),  columns = n_b HW_out,
 * where image b's pixels are the columns [(b - b0) HW_out, (b - b0 + 1) HW_out). */
typedef struct chunk {
    int b0, n_b;
    int row;           /* columns per output row: W_out, or W_p in the wide layout */
    int pixels;        /* H_out row: GEMM columns per image */
    int columns;       /* n_b * pixels: the leading dimension of col and Y' */
    int out_per_group; /* C_out / G: rows of W_g and of Y'_g */
    int patch;         /* C_in / G * K_h * K_w: columns of W_g, rows of col_g */
    float *col, *out;  /* views into the workspace */
    const float *dy;   /* the output gradient in GEMM layout: out, or dy itself (see in_place) */
    float *padded;     /* the wide layout's padded image (after the partial sums) */
    int *taps;         /* the wide layout's tap offsets: row q of col_g is padded + taps[q] (+ group) */
} chunk;

static chunk chunk_at(const rn_conv2d_geometry *g, int b0, int n_b, float *workspace, size_t padded_offset)
{
    chunk c;
    c.b0 = b0;
    c.n_b = n_b;
    c.row = row_length(g);
    c.pixels = g->out_height * c.row;
    c.columns = n_b * c.pixels;
    c.out_per_group = g->out_channels / g->groups;
    c.patch = g->in_channels / g->groups * g->kernel_height * g->kernel_width;
    c.col = workspace;
    c.out = workspace + (size_t)c.patch * g->groups * c.columns;
    c.dy = c.out;
    c.padded = workspace + padded_offset;
    c.taps = (int *)(c.padded + padded_floats(g));
    return c;
}

static size_t in_image_floats(const rn_conv2d_geometry *g)
{
    return (size_t)g->in_channels * g->in_height * g->in_width;
}
static size_t out_image_floats(const rn_conv2d_geometry *g)
{
    return (size_t)g->out_channels * g->out_height * g->out_width;
}

/* The wide layout's padded copy of one image (C_in, H + 2P_h, W_p) and its
 * zero tail; only the border is cleared (without padding: only the tail). */
static void pad_image(const rn_conv2d_geometry *g, const float *image, float *padded)
{
    int Hp = g->in_height + 2 * g->pad_height, Wp = g->in_width + 2 * g->pad_width;
    size_t border_rows = (size_t)g->pad_height * Wp;
    for (int c = 0; c < g->in_channels; c++) {
        float *plane = padded + (size_t)c * Hp * Wp;
        memset(plane, 0, sizeof(float) * border_rows);
        memset(plane + (size_t)(Hp - g->pad_height) * Wp, 0, sizeof(float) * border_rows);
        for (int y = 0; y < g->in_height; y++) {
            float *row = plane + (size_t)(y + g->pad_height) * Wp;
            const float *src = image + ((size_t)c * g->in_height + y) * g->in_width;
            for (int x = 0; x < g->pad_width; x++)
                row[x] = 0.0f;
            copy_row_padded(row + g->pad_width, src, g->in_width, Wp - g->pad_width); /* and the right pad */
        }
    }
    size_t image_floats = (size_t)g->in_channels * Hp * Wp;
    memset(padded + image_floats, 0, sizeof(float) * (padded_floats(g) - image_floats));
}

/* Where the piece of tap (c, u, v) starts in the padded image. */
static size_t tap_offset(const rn_conv2d_geometry *g, int c, int u, int v)
{
    int Hp = g->in_height + 2 * g->pad_height, Wp = g->in_width + 2 * g->pad_width;
    return ((size_t)c * Hp + (size_t)u * g->dilation_height) * Wp + (size_t)v * g->dilation_width;
}

/* taps[q] = where row q = (c, u, v) of col_g starts in a group's padded image. */
static void fill_tap_table(const rn_conv2d_geometry *g, int *taps)
{
    int q = 0;
    for (int ch = 0; ch < g->in_channels / g->groups; ch++)
        for (int u = 0; u < g->kernel_height; u++)
            for (int v = 0; v < g->kernel_width; v++)
                taps[q++] = (int)tap_offset(g, ch, u, v);
}

/* Where group `group`'s channels start in the padded image. */
static const float *group_image(const rn_conv2d_geometry *g, const chunk *c, int group)
{
    int Hp = g->in_height + 2 * g->pad_height, Wp = g->in_width + 2 * g->pad_width;
    return c->padded + (size_t)group * (g->in_channels / g->groups) * Hp * Wp;
}

/* col <- im2col of every image of the chunk. */
static void unroll_chunk(const rn_conv2d_geometry *g, const float *x, const chunk *c)
{
    for (int k = 0; k < c->n_b; k++) {
        const float *image = x + (size_t)(c->b0 + k) * in_image_floats(g);
        float *columns = c->col + (size_t)k * c->pixels;
        if (!is_wide(g)) {
            im2col_strided(image, g->in_channels, g->in_height, g->in_width, g->kernel_height,
                           g->kernel_width, g->stride_height, g->stride_width, g->pad_height, g->pad_width,
                           g->dilation_height, g->dilation_width, g->out_height, g->out_width, columns,
                           (size_t)c->columns);
            continue;
        }
        pad_image(g, image, c->padded);
        size_t tap = 0;
        for (int ch = 0; ch < g->in_channels; ch++)
            for (int u = 0; u < g->kernel_height; u++)
                for (int v = 0; v < g->kernel_width; v++, tap++)
                    memcpy(columns + tap * c->columns, c->padded + tap_offset(g, ch, u, v),
                           sizeof(float) * (size_t)c->pixels);
    }
}

/* dx[b] += col2im of the chunk's columns of col. */
static void fold_chunk(const rn_conv2d_geometry *g, const chunk *c, float *dx)
{
    int Hp = g->in_height + 2 * g->pad_height, Wp = g->in_width + 2 * g->pad_width;
    for (int k = 0; k < c->n_b; k++) {
        const float *columns = c->col + (size_t)k * c->pixels;
        float *image = dx + (size_t)(c->b0 + k) * in_image_floats(g);
        if (!is_wide(g)) {
            col2im_strided(columns, (size_t)c->columns, g->in_channels, g->in_height, g->in_width,
                           g->kernel_height, g->kernel_width, g->stride_height, g->stride_width,
                           g->pad_height, g->pad_width, g->dilation_height, g->dilation_width, g->out_height,
                           g->out_width, image);
            continue;
        }
        float *padded = c->padded;
        memset(padded, 0, sizeof(float) * padded_floats(g));
        /* Channel innermost: consecutive taps then add into pieces a plane
         * apart.  In col's order (v innermost) each piece starts one float
         * after the previous one, whose stores its loads overlap
         * misaligned, and such loads wait for the stores to retire (one
         * thread, LeNet-5's conv2 input gradient 0.64 -> 0.61 ms). */
        for (int v = 0; v < g->kernel_width; v++)
            for (int u = 0; u < g->kernel_height; u++)
                for (int ch = 0; ch < g->in_channels; ch++) {
                    size_t tap = ((size_t)ch * g->kernel_height + u) * g->kernel_width + v;
                    float *restrict dst = padded + tap_offset(g, ch, u, v);
                    const float *restrict src = columns + tap * c->columns;
                    for (int p = 0; p < c->pixels; p++)
                        dst[p] += src[p];
                }
        /* crop: the padding's gradient belongs to no pixel */
        for (int ch = 0; ch < g->in_channels; ch++)
            for (int y = 0; y < g->in_height; y++)
                put_row(image + ((size_t)ch * g->in_height + y) * g->in_width,
                        padded + ((size_t)ch * Hp + y + g->pad_height) * Wp + g->pad_width, g->in_width, 0.0f,
                        true);
    }
}

/* A chunk of one image in the plain layout has Y' (C_out x H_out W_out) laid
 * out exactly like that image's output (C_out, H_out, W_out): the GEMMs then
 * read and write y and dy where they are, with no copies (the MNIST net's
 * conv2, whose 576-column images fill a chunk each: the copies were 5-6% of
 * its training step). */
static bool in_place(const rn_conv2d_geometry *g, const chunk *c)
{
    return c->n_b == 1 && c->row == g->out_width;
}

/* Y' <- dy of the chunk, from (n_b, C_out, H_out, W_out) to (C_out, n_b H_out row),
 * with zeros in the wide layout's thrown-away columns; c->dy points at it. */
static void gather_outputs(const rn_conv2d_geometry *g, const float *dy, chunk *c)
{
    if (in_place(g, c)) {
        c->dy = dy + (size_t)c->b0 * out_image_floats(g);
        return;
    }
    c->dy = c->out;
    for (int k = 0; k < c->n_b; k++)
        for (int o = 0; o < g->out_channels; o++) {
            const float *src =
                dy + (size_t)(c->b0 + k) * out_image_floats(g) + (size_t)o * g->out_height * g->out_width;
            float *dst = c->out + (size_t)o * c->columns + (size_t)k * c->pixels;
            if (c->row == g->out_width) {
                memcpy(dst, src, sizeof(float) * (size_t)c->pixels);
                continue;
            }
            for (int i = 0; i < g->out_height; i++)
                copy_row_padded(dst + (size_t)i * c->row, src + (size_t)i * g->out_width, g->out_width,
                                c->row);
        }
}

/* y = Y' (+ bias) back in (n_b, C_out, H_out, W_out) layout; or y += Y' when accumulating. */
static void scatter_outputs(const rn_conv2d_geometry *g, const chunk *c, const float *bias, bool accumulate,
                            float *y)
{
    for (int k = 0; k < c->n_b; k++)
        for (int o = 0; o < g->out_channels; o++) {
            float b = bias ? bias[o] : 0.0f;
            for (int i = 0; i < g->out_height; i++) {
                const float *src =
                    c->out + (size_t)o * c->columns + (size_t)k * c->pixels + (size_t)i * c->row;
                float *dst = y + (size_t)(c->b0 + k) * out_image_floats(g) +
                             ((size_t)o * g->out_height + i) * g->out_width;
                put_row(dst, src, g->out_width, b, accumulate);
            }
        }
}

/* Implicit GEMM, the wide layout: col_g is never written out.  Its row
 * q = (c, u, v) for one image is the padded image read from taps[q] on, so
 * the GEMM reads it there (rn_gemm_portable_rows) and the im2col copy, 6 to
 * 8% of a training step of the MNIST net and 10% of LeNet-5's, is gone. */

/* Y'_g[:, image k] = W_g col_g(image k) for every group and image of the chunk. */
static void forward_implicit(const rn_conv2d_geometry *g, const float *x, const float *w, const chunk *c,
                             float *out, float beta)
{
    for (int k = 0; k < c->n_b; k++) {
        pad_image(g, x + (size_t)(c->b0 + k) * in_image_floats(g), c->padded);
        for (int group = 0; group < g->groups; group++)
            rn_gemm_portable_rows(false, false, c->out_per_group, c->pixels, c->patch, 1.0f,
                                  w + (size_t)group * c->out_per_group * c->patch, c->patch,
                                  group_image(g, c, group), c->taps, beta,
                                  out + (size_t)group * c->out_per_group * c->columns + (size_t)k * c->pixels,
                                  c->columns);
    }
}

/* dW_g += dY'_g(image k) col_g(image k)^T for every group and image of the chunk. */
static void backward_weight_implicit(const rn_conv2d_geometry *g, const float *x, const chunk *c,
                                     float *partial_dw)
{
    for (int k = 0; k < c->n_b; k++) {
        pad_image(g, x + (size_t)(c->b0 + k) * in_image_floats(g), c->padded);
        for (int group = 0; group < g->groups; group++)
            rn_gemm_portable_rows(false, true, c->out_per_group, c->patch, c->pixels, 1.0f,
                                  c->dy + (size_t)group * c->out_per_group * c->columns +
                                      (size_t)k * c->pixels,
                                  c->columns, group_image(g, c, group), c->taps, 1.0f,
                                  partial_dw + (size_t)group * c->out_per_group * c->patch, c->patch);
    }
}

/* out_g = W_g col_g + beta out_g for every group, out being Y' or the output itself. */
static void multiply_forward(const rn_conv2d_geometry *g, const float *w, const chunk *c, float *out,
                             float beta)
{
    for (int group = 0; group < g->groups; group++)
        rn_gemm(false, false, c->out_per_group, c->columns, c->patch, 1.0f,
                w + (size_t)group * c->out_per_group * c->patch, c->patch,
                c->col + (size_t)group * c->patch * c->columns, c->columns, beta,
                out + (size_t)group * c->out_per_group * c->columns, c->columns);
}

/* y += bias, per channel of one image computed in place. */
static void add_bias(const rn_conv2d_geometry *g, const float *bias, float *y_image)
{
    size_t plane = (size_t)g->out_height * g->out_width;
    for (int o = 0; o < g->out_channels; o++) {
        float *restrict dst = y_image + (size_t)o * plane;
        for (size_t p = 0; p < plane; p++)
            dst[p] += bias[o];
    }
}

/* col_g = W_g^T Y'_g for every group (Y' holds dy). */
static void multiply_backward_data(const rn_conv2d_geometry *g, const float *w, const chunk *c)
{
    for (int group = 0; group < g->groups; group++)
        rn_gemm(true, false, c->patch, c->columns, c->out_per_group, 1.0f,
                w + (size_t)group * c->out_per_group * c->patch, c->patch,
                c->dy + (size_t)group * c->out_per_group * c->columns, c->columns, 0.0f,
                c->col + (size_t)group * c->patch * c->columns, c->columns);
}

/* Which way round to compute the weight gradient.  dW_g (C_out/G x patch) is
 * a product of two long, thin matrices; the GEMM works in MR x NR = 6 x 32
 * tiles (with AVX-512), so a first layer with 32 filters of 3 x 3 x 1 would
 * fill only 9 of every 32 columns as dY' col^T, but all of them as
 * dW^T = col dY'^T (patch 9 rows, 32 columns).  Pick the orientation whose
 * tiles are fuller (measured: 3.1 -> 1.5 ms for that layer, batch 64). */
static double tile_fill(int rows, int columns)
{
    const int mr = 6, nr = 32; /* the portable kernel's AVX-512 tile; a fair guess elsewhere */
    return (double)rows / ((rows + mr - 1) / mr * mr) * columns / ((columns + nr - 1) / nr * nr);
}

static bool weight_gradient_transposed(const chunk *c)
{
    return tile_fill(c->patch, c->out_per_group) > 1.2 * tile_fill(c->out_per_group, c->patch);
}

/* sum of row[0 .. n): in SUM_LANES interleaved partial sums, which the
 * compiler turns into vector adds (one running sum is a chain of dependent
 * scalar adds, 4 cycles each: 2.4 M of them for the bias gradient of the
 * MNIST net's conv2, about 3% of its training step). */
enum { SUM_LANES = 16 };

static float row_sum(const float *row, int n)
{
    float lanes[SUM_LANES] = {0};
    int p = 0;
    for (; p + SUM_LANES <= n; p += SUM_LANES)
        for (int l = 0; l < SUM_LANES; l++)
            lanes[l] += row[p + l];
    float sum = 0.0f;
    for (int l = 0; l < SUM_LANES; l++)
        sum += lanes[l];
    for (; p < n; p++)
        sum += row[p];
    return sum;
}

/* partial += dY'_g col_g^T per group (Y' holds dy), stored as dW_g
 * (C_out/G x patch) or, when `transposed`, as dW_g^T (patch x C_out/G);
 * partial_db += row sums of Y'. */
static void multiply_backward_weight(const rn_conv2d_geometry *g, const chunk *c, bool transposed,
                                     float *partial_dw, float *partial_db)
{
    if (partial_dw)
        for (int group = 0; group < g->groups; group++) {
            const float *dy_g = c->dy + (size_t)group * c->out_per_group * c->columns;
            const float *col_g = c->col + (size_t)group * c->patch * c->columns;
            float *dw_g = partial_dw + (size_t)group * c->out_per_group * c->patch;
            if (transposed)
                rn_gemm(false, true, c->patch, c->out_per_group, c->columns, 1.0f, col_g, c->columns, dy_g,
                        c->columns, 1.0f, dw_g, c->out_per_group);
            else
                rn_gemm(false, true, c->out_per_group, c->patch, c->columns, 1.0f, dy_g, c->columns, col_g,
                        c->columns, 1.0f, dw_g, c->patch);
        }
    if (partial_db)
        for (int o = 0; o < g->out_channels; o++)
            partial_db[o] += row_sum(c->dy + (size_t)o * c->columns, c->columns);
}

/* ----------------------------------------------------------------- batch drivers */

static int chunk_count(const rn_conv2d_geometry *g, const plan *p)
{
    return (g->batch + p->chunk_images - 1) / p->chunk_images;
}

static chunk chunk_number(const rn_conv2d_geometry *g, const plan *p, int k, float *workspace)
{
    int b0 = k * p->chunk_images;
    int n_b = b0 + p->chunk_images <= g->batch ? p->chunk_images : g->batch - b0;
    size_t padded_offset =
        per_image_floats(g) * (size_t)p->chunk_images + rn_conv2d_weight_count(g) + (size_t)g->out_channels;
    return chunk_at(g, b0, n_b, workspace + p->per_thread * (size_t)rn_thread_index(), padded_offset);
}

/* The shared part of the workspace, after every thread's slice. */
static float *shared_workspace(float *workspace, const plan *p)
{
    return workspace + p->per_thread * (size_t)p->threads;
}

/* y (+)= conv(x) by Winograd for the chunks, each thread in its own slice. */
static void winograd_batch(const rn_conv2d_geometry *g, const rn_winograd_shape *shape, const float *x,
                           const float *U, const float *bias, bool accumulate, float *y, float *workspace,
                           const plan *p)
{
    size_t in_image = (size_t)shape->in_channels * shape->height * shape->width;
    size_t out_image = (size_t)shape->out_channels * shape->out_height * shape->out_width;
#pragma omp parallel for schedule(static) num_threads(p->threads) if (p->threads > 1)
    for (int k = 0; k < chunk_count(g, p); k++) {
        int b0 = k * p->chunk_images;
        int n_b = b0 + p->chunk_images <= g->batch ? p->chunk_images : g->batch - b0;
        rn_winograd_convolve(shape, x + b0 * in_image, U, bias, accumulate, y + b0 * out_image, n_b,
                             workspace + p->per_thread * (size_t)rn_thread_index());
    }
}

/* Copies an image (channels, height, width) into the inside of a buffer of
 * planes `plane` floats apart, rows `columns` long, from row `top`, column
 * `left` on; the border around it is left as it is (zeros). */
static void place_inside(const float *image, int channels, int height, int width, float *padded, size_t plane,
                         int columns, int top, int left)
{
    for (int c = 0; c < channels; c++)
        for (int i = 0; i < height; i++)
            memcpy(padded + c * plane + (size_t)(top + i) * columns + left,
                   image + ((size_t)c * height + i) * width, sizeof(float) * (size_t)width);
}

/* y (+)= bias + the correlation of x, zero-padded, with the kernels
 * (rn_conv_direct_rows), image by image, each thread in its slice. */
static void forward_direct(const rn_conv2d_geometry *g, const float *x, const float *w, const float *bias,
                           bool accumulate, float *y, float *workspace, const plan *p)
{
    /* w_t[c][u][v][o] = W[o][c][u][v]: the output channel innermost */
    float *w_t = shared_workspace(workspace, p);
    size_t taps = (size_t)g->kernel_height * g->kernel_width;
    for (int o = 0; o < g->out_channels; o++)
        for (int c = 0; c < g->in_channels; c++)
            for (size_t t = 0; t < taps; t++)
                w_t[((size_t)c * taps + t) * g->out_channels + o] =
                    w[((size_t)o * g->in_channels + c) * taps + t];
    int rows = g->in_height + 2 * g->pad_height, columns = input_pad_columns(g);
    size_t plane = (size_t)rows * columns, out_plane = (size_t)g->out_height * g->out_width;
#pragma omp parallel num_threads(p->threads) if (p->threads > 1)
    {
        /* the zero border is written once; each image fills the inside */
        float *x_pad = workspace + p->per_thread * (size_t)rn_thread_index();
        memset(x_pad, 0, sizeof(float) * input_pad_floats(g));
#pragma omp for schedule(static)
        for (int b = 0; b < g->batch; b++) {
            place_inside(x + (size_t)b * in_image_floats(g), g->in_channels, g->in_height, g->in_width, x_pad,
                         plane, columns, g->pad_height, g->pad_width);
            float *y_image = y + (size_t)b * out_image_floats(g);
            /* the kernel adds into y: start from the bias (or add it) */
            if (!accumulate) memset(y_image, 0, sizeof(float) * out_image_floats(g));
            if (bias) add_bias(g, bias, y_image);
            rn_conv_direct_rows(g->out_channels, g->in_channels, g->kernel_height, g->kernel_width,
                                g->out_height, g->out_width, x_pad, columns, plane, g->pad_height,
                                g->pad_height + g->in_height, w_t, y_image, out_plane);
        }
    }
}

static void forward_batch(const rn_conv2d_geometry *g, const float *x, const float *w, const float *bias,
                          bool accumulate, float *y, float *workspace, const plan *p)
{
    if (use_direct_forward(g)) {
        forward_direct(g, x, w, bias, accumulate, y, workspace, p);
        return;
    }
    if (use_winograd(g)) {
        rn_winograd_shape shape = winograd_forward_shape(g);
        float *U = shared_workspace(workspace, p);
        rn_winograd_transform_weights(&shape, w, false, U);
        winograd_batch(g, &shape, x, U, bias, accumulate, y, workspace, p);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(p->threads) if (p->threads > 1)
    for (int k = 0; k < chunk_count(g, p); k++) {
        chunk c = chunk_number(g, p, k, workspace);
        bool implicit = is_wide(g);
        if (implicit)
            fill_tap_table(g, c.taps);
        else
            unroll_chunk(g, x, &c);
        if (in_place(g, &c)) {
            float *y_image = y + (size_t)c.b0 * out_image_floats(g);
            if (implicit)
                forward_implicit(g, x, w, &c, y_image, accumulate ? 1.0f : 0.0f);
            else
                multiply_forward(g, w, &c, y_image, accumulate ? 1.0f : 0.0f);
            if (bias) add_bias(g, bias, y_image);
        } else {
            if (implicit)
                forward_implicit(g, x, w, &c, c.out, 0.0f);
            else
                multiply_forward(g, w, &c, c.out, 0.0f);
            scatter_outputs(g, &c, bias, accumulate, y);
        }
    }
}

/* dx += the full correlation of dy with the flipped kernels (see
 * use_direct_input_gradient), image by image, each thread in its slice. */
static void backward_data_direct(const rn_conv2d_geometry *g, const float *dy, const float *w, float *dx,
                                 float *workspace, const plan *p)
{
    /* w_flipped[o][u][v][c] = W[o][c][K_h-1-u][K_w-1-v]: the output channel of
     * this correlation (c) innermost */
    float *w_flipped = shared_workspace(workspace, p);
    int Kh = g->kernel_height, Kw = g->kernel_width;
    for (int o = 0; o < g->out_channels; o++)
        for (int c = 0; c < g->in_channels; c++)
            for (int u = 0; u < Kh; u++)
                for (int v = 0; v < Kw; v++)
                    w_flipped[(((size_t)o * Kh + u) * Kw + v) * g->in_channels + c] =
                        w[(((size_t)o * g->in_channels + c) * Kh + Kh - 1 - u) * Kw + Kw - 1 - v];
    int rows = gradient_pad_rows(g), columns = gradient_pad_columns(g);
    int top = Kh - 1 - g->pad_height, left = Kw - 1 - g->pad_width;
    size_t plane = (size_t)rows * columns;
#pragma omp parallel num_threads(p->threads) if (p->threads > 1)
    {
        /* the zero border is written once; each image fills the inside */
        float *dy_pad = workspace + p->per_thread * (size_t)rn_thread_index();
        memset(dy_pad, 0, sizeof(float) * gradient_pad_floats(g));
#pragma omp for schedule(static)
        for (int b = 0; b < g->batch; b++) {
            place_inside(dy + (size_t)b * out_image_floats(g), g->out_channels, g->out_height, g->out_width,
                         dy_pad, plane, columns, top, left);
            rn_conv_direct_rows(g->in_channels, g->out_channels, Kh, Kw, g->in_height, g->in_width, dy_pad,
                                columns, plane, top, top + g->out_height, w_flipped,
                                dx + (size_t)b * in_image_floats(g), (size_t)g->in_height * g->in_width);
        }
    }
}

static void backward_data_batch(const rn_conv2d_geometry *g, const float *dy, const float *w, float *dx,
                                float *workspace, const plan *p)
{
    if (use_direct_input_gradient(g)) {
        backward_data_direct(g, dy, w, dx, workspace, p);
        return;
    }
    if (use_winograd(g)) { /* dx += the convolution of dy with the turned, transposed kernels */
        rn_winograd_shape shape = winograd_adjoint_shape(g);
        float *U = shared_workspace(workspace, p);
        rn_winograd_transform_weights(&shape, w, true, U);
        winograd_batch(g, &shape, dy, U, NULL, true, dx, workspace, p);
        return;
    }
#pragma omp parallel for schedule(static) num_threads(p->threads) if (p->threads > 1)
    for (int k = 0; k < chunk_count(g, p); k++) {
        chunk c = chunk_number(g, p, k, workspace);
        gather_outputs(g, dy, &c);
        multiply_backward_data(g, w, &c);
        fold_chunk(g, &c, dx);
    }
}

/* Each thread sums its chunks into its own partial dW and dbias (after its
 * chunk's col and Y' in the workspace); then the partials are added into dw
 * and dbias in thread order (deterministic for a given thread count),
 * transposing back when the partials are dW^T. */
/* The weight gradient by Winograd (winograd.h): each thread sums its chunks'
 * 16 C_in x C_out products P in its slice (after its scratch), and its bias
 * sums after them while the chunk's dy is in cache; then the threads' sums
 * are added in thread order (deterministic for a thread count) and P is
 * transformed back into dw once. */
static void backward_weight_winograd(const rn_conv2d_geometry *g, const float *x, const float *dy, float *dw,
                                     float *dbias, float *workspace, const plan *p)
{
    rn_winograd_shape shape = winograd_forward_shape(g);
    size_t sums_offset = rn_winograd_scratch_floats(&shape, p->chunk_images);
    size_t sums = rn_winograd_weight_floats(&shape);
    size_t in_image = in_image_floats(g), out_image = out_image_floats(g);
    int plane = g->out_height * g->out_width;
#pragma omp parallel num_threads(p->threads) if (p->threads > 1)
    {
        float *mine = workspace + p->per_thread * (size_t)rn_thread_index();
        memset(mine + sums_offset, 0, sizeof(float) * (sums + (size_t)g->out_channels));
        float *bias_sums = mine + sums_offset + sums;
#pragma omp for schedule(static)
        for (int k = 0; k < chunk_count(g, p); k++) {
            int b0 = k * p->chunk_images;
            int n_b = b0 + p->chunk_images <= g->batch ? p->chunk_images : g->batch - b0;
            rn_winograd_weight_sums(&shape, x + b0 * in_image, dy + b0 * out_image, mine + sums_offset, n_b,
                                    mine);
            for (int b = b0; dbias && b < b0 + n_b; b++)
                for (int o = 0; o < g->out_channels; o++)
                    bias_sums[o] += row_sum(dy + b * out_image + (size_t)o * plane, plane);
        }
    }
    float *total = workspace + sums_offset;
    for (int t = 1; t < p->threads; t++) {
        const float *theirs = workspace + p->per_thread * (size_t)t + sums_offset;
        for (size_t i = 0; i < sums + (size_t)g->out_channels; i++)
            total[i] += theirs[i];
    }
    rn_winograd_weight_finish(&shape, total, dw);
    if (dbias)
        for (int o = 0; o < g->out_channels; o++)
            dbias[o] += total[sums + o];
}

/* Thread slice of the direct weight gradient: the chunk's padded images,
 * its dy in vector rows, then the partial dW and dbias, then the tap table. */
typedef struct direct_slice {
    float *x, *dy, *partial_dw, *partial_db;
    int *taps;
} direct_slice;

static direct_slice direct_slice_of(const rn_conv2d_geometry *g, const plan *p, float *workspace, int thread)
{
    direct_slice d;
    d.x = workspace + p->per_thread * (size_t)thread;
    d.dy = d.x + direct_x_image(g) * (size_t)p->chunk_images;
    d.partial_dw = d.dy + (size_t)g->out_channels * direct_pixels(g) * (size_t)p->chunk_images;
    d.partial_db = d.partial_dw + rn_conv2d_weight_count(g);
    d.taps = (int *)(d.partial_db + g->out_channels);
    return d;
}

/* dW += sum over the batch of dY' col^T, directly (conv_direct.h); each
 * thread sums its chunks into its partials, which are then added in thread
 * order (deterministic for a given thread count). */
static void backward_weight_direct(const rn_conv2d_geometry *g, const float *x, const float *dy, float *dw,
                                   float *dbias, float *workspace, const plan *p)
{
    size_t weight_count = rn_conv2d_weight_count(g);
    size_t x_image = direct_x_image(g), P = direct_pixels(g);
    int row = row_length(g), pixels = g->out_height * row, patch = (int)tap_table_floats(g);
#pragma omp parallel num_threads(p->threads) if (p->threads > 1)
    {
        direct_slice mine = direct_slice_of(g, p, workspace, rn_thread_index());
        memset(mine.partial_dw, 0, sizeof(float) * weight_count);
        memset(mine.partial_db, 0, sizeof(float) * (size_t)g->out_channels);
        fill_tap_table(g, mine.taps);
#pragma omp for schedule(static)
        for (int k = 0; k < chunk_count(g, p); k++) {
            int b0 = k * p->chunk_images;
            int n_b = b0 + p->chunk_images <= g->batch ? p->chunk_images : g->batch - b0;
            size_t ld_dy = P * (size_t)n_b;
            for (int b = 0; b < n_b; b++) {
                float *padded = mine.x + (size_t)b * x_image;
                pad_image(g, x + (size_t)(b0 + b) * in_image_floats(g), padded);
                memset(padded + padded_floats(g), 0, sizeof(float) * (x_image - padded_floats(g)));
                for (int o = 0; o < g->out_channels; o++) {
                    const float *src = dy + (size_t)(b0 + b) * out_image_floats(g) +
                                       (size_t)o * g->out_height * g->out_width;
                    float *dst = mine.dy + (size_t)o * ld_dy + (size_t)b * P;
                    for (int i = 0; i < g->out_height; i++)
                        copy_row_padded(dst + (size_t)i * row, src + (size_t)i * g->out_width, g->out_width,
                                        row);
                    memset(dst + pixels, 0, sizeof(float) * (P - (size_t)pixels));
                }
            }
            rn_conv_direct_weight_gradient(g->out_channels, patch, n_b, P, mine.dy, ld_dy, mine.x, x_image,
                                           mine.taps, mine.partial_dw);
            for (int o = 0; o < g->out_channels; o++)
                mine.partial_db[o] += row_sum(mine.dy + (size_t)o * ld_dy, (int)ld_dy);
        }
        /* implicit barrier: every partial is complete */
#pragma omp for schedule(static)
        for (size_t i = 0; i < weight_count; i++)
            for (int t = 0; t < p->threads; t++)
                dw[i] += direct_slice_of(g, p, workspace, t).partial_dw[i];
#pragma omp single
        if (dbias)
            for (int o = 0; o < g->out_channels; o++)
                for (int t = 0; t < p->threads; t++)
                    dbias[o] += direct_slice_of(g, p, workspace, t).partial_db[o];
    }
}

static void backward_weight_batch(const rn_conv2d_geometry *g, const float *x, const float *dy, float *dw,
                                  float *dbias, float *workspace, const plan *p)
{
    if (use_winograd(g) && dw) {
        backward_weight_winograd(g, x, dy, dw, dbias, workspace, p);
        return;
    }
    if (use_direct_weight_gradient(g) && dw) {
        backward_weight_direct(g, x, dy, dw, dbias, workspace, p);
        return;
    }
    size_t weight_count = rn_conv2d_weight_count(g);
    size_t partial_offset = per_image_floats(g) * (size_t)p->chunk_images;
    size_t bias_offset = partial_offset + weight_count;
    chunk first = chunk_number(g, p, 0, workspace);
    /* implicit: dW_g straight from the padded image, always as dY' col^T (the
     * table gives the rows of col, not of col^T); for narrow patches the GEMM
     * then takes dot products of rows (gemm_portable.c) */
    bool implicit = is_wide(g);
    bool transposed = !implicit && weight_gradient_transposed(&first);
    int out_per_group = first.out_per_group, patch = first.patch;
#pragma omp parallel num_threads(p->threads) if (p->threads > 1)
    {
        float *mine = workspace + p->per_thread * (size_t)rn_thread_index();
        float *partial_dw = dw ? mine + partial_offset : NULL;
        float *partial_db = dbias ? mine + bias_offset : NULL;
        if (partial_dw) memset(partial_dw, 0, sizeof(float) * weight_count);
        if (partial_db) memset(partial_db, 0, sizeof(float) * (size_t)g->out_channels);
#pragma omp for schedule(static)
        for (int k = 0; k < chunk_count(g, p); k++) {
            chunk c = chunk_number(g, p, k, workspace);
            gather_outputs(g, dy, &c);
            if (implicit) {
                fill_tap_table(g, c.taps);
                if (dw) backward_weight_implicit(g, x, &c, partial_dw);
                multiply_backward_weight(g, &c, transposed, NULL, partial_db);
                continue;
            }
            if (dw) unroll_chunk(g, x, &c);
            multiply_backward_weight(g, &c, transposed, partial_dw, partial_db);
        }
        /* implicit barrier: every partial is complete */
#pragma omp for schedule(static)
        for (size_t i = 0; i < weight_count; i++) {
            if (!dw) continue;
            /* element i of dw is (group, o, q); in a transposed partial it sits at (group, q, o) */
            size_t source = i;
            if (transposed) {
                size_t per_group = (size_t)out_per_group * patch, group = i / per_group;
                size_t o = i % per_group / patch, q = i % patch;
                source = group * per_group + q * out_per_group + o;
            }
            for (int t = 0; t < p->threads; t++)
                dw[i] += workspace[p->per_thread * t + partial_offset + source];
        }
#pragma omp single
        if (dbias)
            for (int o = 0; o < g->out_channels; o++)
                for (int t = 0; t < p->threads; t++)
                    dbias[o] += workspace[p->per_thread * t + bias_offset + o];
    }
}

/* ----------------------------------------------------------------- public API */

rn_status rn_conv2d_forward(const rn_conv2d_geometry *g, const float *x, const float *w, const float *bias,
                            float *y, float *workspace, size_t workspace_floats)
{
    plan p;
    RN_CHECK(make_plan(g, "conv2d forward", workspace, workspace_floats, &p));
    forward_batch(g, x, w, bias, false, y, workspace, &p);
    return RN_OK;
}

rn_status rn_conv2d_backward_data(const rn_conv2d_geometry *g, const float *dy, const float *w, float *dx,
                                  float *workspace, size_t workspace_floats)
{
    plan p;
    RN_CHECK(make_plan(g, "conv2d backward", workspace, workspace_floats, &p));
    backward_data_batch(g, dy, w, dx, workspace, &p);
    return RN_OK;
}

rn_status rn_conv2d_backward_weight(const rn_conv2d_geometry *g, const float *x, const float *dy, float *dw,
                                    float *dbias, float *workspace, size_t workspace_floats)
{
    plan p;
    RN_CHECK(make_plan(g, "conv2d backward", workspace, workspace_floats, &p));
    backward_weight_batch(g, x, dy, dw, dbias, workspace, &p);
    return RN_OK;
}

/* Transposed forward: y = bias, then y += mirror^T x (the mirror's backward-data pass). */
rn_status rn_conv_transpose2d_forward(const rn_conv2d_geometry *t, const float *x, const float *w,
                                      const float *bias, float *y, float *workspace, size_t workspace_floats)
{
    rn_conv2d_geometry g = mirror(t);
    plan p;
    RN_CHECK(make_plan(&g, "conv_transpose2d forward", workspace, workspace_floats, &p));
    size_t plane = (size_t)t->out_height * t->out_width;
    for (int b = 0; b < t->batch; b++)
        for (int o = 0; o < t->out_channels; o++) {
            float *dst = y + ((size_t)b * t->out_channels + o) * plane;
            float value = bias ? bias[o] : 0.0f;
            for (size_t p = 0; p < plane; p++)
                dst[p] = value;
        }
    backward_data_batch(&g, x, w, y, workspace, &p);
    return RN_OK;
}

/* Transposed backward-data: dx += mirror(dy), the plain convolution without bias. */
rn_status rn_conv_transpose2d_backward_data(const rn_conv2d_geometry *t, const float *dy, const float *w,
                                            float *dx, float *workspace, size_t workspace_floats)
{
    rn_conv2d_geometry g = mirror(t);
    plan p;
    RN_CHECK(make_plan(&g, "conv_transpose2d backward", workspace, workspace_floats, &p));
    forward_batch(&g, dy, w, NULL, true, dx, workspace, &p);
    return RN_OK;
}

/* In the mirror's terms the transposed layer's output gradient dy is the
 * convolution's input and its input x is the convolution's output gradient:
 * dW += X' col(dy)^T.  The bias belongs to the transposed layer's output
 * channels (the mirror's input channels), so it is summed here directly. */
rn_status rn_conv_transpose2d_backward_weight(const rn_conv2d_geometry *t, const float *x, const float *dy,
                                              float *dw, float *dbias, float *workspace,
                                              size_t workspace_floats)
{
    rn_conv2d_geometry g = mirror(t);
    plan p;
    RN_CHECK(make_plan(&g, "conv_transpose2d backward", workspace, workspace_floats, &p));
    if (dw) backward_weight_batch(&g, dy, x, dw, NULL, workspace, &p);
    if (dbias) {
        size_t plane = (size_t)t->out_height * t->out_width;
        for (int b = 0; b < t->batch; b++)
            for (int o = 0; o < t->out_channels; o++) {
                const float *src = dy + ((size_t)b * t->out_channels + o) * plane;
                float sum = 0.0f;
                for (size_t p = 0; p < plane; p++)
                    sum += src[p];
                dbias[o] += sum;
            }
    }
    return RN_OK;
}
