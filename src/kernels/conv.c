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
#include "redes/conv.h"

#include <string.h>

#include "redes/gemm.h"
#include "redes/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* ----------------------------------------------------------------- geometry */

static int default_one(int value) { return value == 0 ? 1 : value; }

static rn_status check_common(rn_conv2d_geometry *g, const char *what)
{
    g->stride_height = default_one(g->stride_height);
    g->stride_width = default_one(g->stride_width);
    g->dilation_height = default_one(g->dilation_height);
    g->dilation_width = default_one(g->dilation_width);
    g->groups = default_one(g->groups);
    if (g->batch < 1 || g->in_channels < 1 || g->out_channels < 1 || g->in_height < 1 ||
        g->in_width < 1)
        return rn_error(RN_ERR_SHAPE, "%s: batch %d, channels %d -> %d, image %dx%d must be positive",
                        what, g->batch, g->in_channels, g->out_channels, g->in_height, g->in_width);
    if (g->kernel_height < 1 || g->kernel_width < 1 || g->stride_height < 1 ||
        g->stride_width < 1 || g->dilation_height < 1 || g->dilation_width < 1)
        return rn_error(RN_ERR_ARGUMENT, "%s: kernel %dx%d, stride %dx%d, dilation %dx%d must be positive",
                        what, g->kernel_height, g->kernel_width, g->stride_height,
                        g->stride_width, g->dilation_height, g->dilation_width);
    if (g->pad_height < 0 || g->pad_width < 0)
        return rn_error(RN_ERR_ARGUMENT, "%s: padding %dx%d must not be negative", what,
                        g->pad_height, g->pad_width);
    if (g->groups < 1 || g->in_channels % g->groups || g->out_channels % g->groups)
        return rn_error(RN_ERR_SHAPE, "%s: %d groups must divide both %d input and %d output channels",
                        what, g->groups, g->in_channels, g->out_channels);
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

rn_status rn_conv2d_geometry_square(rn_conv2d_geometry *g, int batch, int in_channels, int height,
                                    int width, int out_channels, int kernel, int stride, int pad,
                                    int dilation, int groups)
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
    return (size_t)g->out_channels * (g->in_channels / g->groups) * g->kernel_height *
           g->kernel_width;
}

/* The workspace holds, for a chunk of n_b images, the unrolled patches
 * col (C_in K_h K_w x n_b HW_out) and the outputs in GEMM layout
 * Y' (C_out x n_b HW_out).  Batching the images into one GEMM matters for the
 * small layers of LeNet-like nets: per image the products are tiny (6 x 25 x 784)
 * and would be dominated by packing; batched they are 6 x 25 x 50176. */
static size_t per_image_floats(const rn_conv2d_geometry *g)
{
    return ((size_t)g->in_channels * g->kernel_height * g->kernel_width + g->out_channels) *
           g->out_height * g->out_width;
}

/* Images per chunk: the whole batch if it fits in this many floats (16 MiB,
 * a few times L2, a fraction of L3), else as many as fit (at least one). */
enum { CHUNK_BUDGET_FLOATS = 1 << 22 };

static int chunk_images(const rn_conv2d_geometry *g)
{
    size_t fit = CHUNK_BUDGET_FLOATS / per_image_floats(g);
    if (fit < 1) fit = 1;
    return fit < (size_t)g->batch ? (int)fit : g->batch;
}

size_t rn_conv2d_workspace_floats(const rn_conv2d_geometry *g)
{
    return per_image_floats(g) * (size_t)chunk_images(g);
}

size_t rn_conv_transpose2d_workspace_floats(const rn_conv2d_geometry *t)
{
    rn_conv2d_geometry g = mirror(t);
    return rn_conv2d_workspace_floats(&g);
}

/* How many images one chunk of the caller's workspace holds (0: not one). */
static rn_status check_workspace(const rn_conv2d_geometry *g, const char *what, const float *workspace,
                                 size_t workspace_floats, int *chunk)
{
    size_t fit = workspace ? workspace_floats / per_image_floats(g) : 0;
    if (fit < 1)
        return rn_error(RN_ERR_ARGUMENT, "%s: workspace of %zu floats is smaller than the %zu one image needs",
                        what, workspace ? workspace_floats : 0, per_image_floats(g));
    *chunk = fit < (size_t)g->batch ? (int)fit : g->batch;
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
static void im2col_strided(const float *image, int channels, int height, int width,
                           int kernel_height, int kernel_width, int stride_height,
                           int stride_width, int pad_height, int pad_width, int dilation_height,
                           int dilation_width, int out_height, int out_width, float *col, size_t ld)
{
    for (int c = 0; c < channels; c++) {
        const float *plane = image + (size_t)c * height * width;
        for (int u = 0; u < kernel_height; u++) {
            for (int v = 0; v < kernel_width; v++) {
                float *row = col + ((size_t)(c * kernel_height + u) * kernel_width + v) * ld;
                int j_lo, j_hi;
                valid_range(width, out_width, stride_width, pad_width, v * dilation_width, &j_lo, &j_hi);
                for (int i = 0; i < out_height; i++) {
                    float *dst = row + (size_t)i * out_width;
                    int y = i * stride_height - pad_height + u * dilation_height;
                    if (y < 0 || y >= height) {
                        memset(dst, 0, sizeof(float) * (size_t)out_width);
                        continue;
                    }
                    const float *src = plane + (size_t)y * width - pad_width + v * dilation_width;
                    for (int j = 0; j < j_lo; j++) dst[j] = 0.0f;
                    if (stride_width == 1)
                        memcpy(dst + j_lo, src + j_lo, sizeof(float) * (size_t)(j_hi - j_lo));
                    else
                        for (int j = j_lo; j < j_hi; j++) dst[j] = src[(size_t)j * stride_width];
                    for (int j = j_hi; j < out_width; j++) dst[j] = 0.0f;
                }
            }
        }
    }
}

static void col2im_strided(const float *col, size_t ld, int channels, int height, int width,
                           int kernel_height, int kernel_width, int stride_height,
                           int stride_width, int pad_height, int pad_width, int dilation_height,
                           int dilation_width, int out_height, int out_width, float *image)
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
                    for (int j = j_lo; j < j_hi; j++) dst[(size_t)j * stride_width] += src[j];
                }
            }
        }
    }
}

void rn_im2col(const float *image, int channels, int height, int width, int kernel_height,
               int kernel_width, int stride_height, int stride_width, int pad_height,
               int pad_width, int dilation_height, int dilation_width, int out_height,
               int out_width, float *col)
{
    im2col_strided(image, channels, height, width, kernel_height, kernel_width, stride_height,
                   stride_width, pad_height, pad_width, dilation_height, dilation_width,
                   out_height, out_width, col, (size_t)out_height * out_width);
}

void rn_col2im(const float *col, int channels, int height, int width, int kernel_height,
               int kernel_width, int stride_height, int stride_width, int pad_height,
               int pad_width, int dilation_height, int dilation_width, int out_height,
               int out_width, float *image)
{
    col2im_strided(col, (size_t)out_height * out_width, channels, height, width, kernel_height,
                   kernel_width, stride_height, stride_width, pad_height, pad_width,
                   dilation_height, dilation_width, out_height, out_width, image);
}
/* ----------------------------------------------------------------- one chunk */

/* A chunk of n_b images starting at image b0, and the matrices of its GEMMs:
 *   col (patch_total x columns),  Y' (C_out x columns),  columns = n_b HW_out,
 * where image b's pixels are the columns [(b - b0) HW_out, (b - b0 + 1) HW_out). */
typedef struct chunk {
    int b0, n_b;
    int pixels;         /* H_out W_out */
    int columns;        /* n_b * pixels: the leading dimension of col and Y' */
    int out_per_group;  /* C_out / G: rows of W_g and of Y'_g */
    int patch;          /* C_in / G * K_h * K_w: columns of W_g, rows of col_g */
    float *col, *out;   /* views into the workspace */
} chunk;

static chunk chunk_at(const rn_conv2d_geometry *g, int b0, int n_b, float *workspace)
{
    chunk c;
    c.b0 = b0;
    c.n_b = n_b;
    c.pixels = g->out_height * g->out_width;
    c.columns = n_b * c.pixels;
    c.out_per_group = g->out_channels / g->groups;
    c.patch = g->in_channels / g->groups * g->kernel_height * g->kernel_width;
    c.col = workspace;
    c.out = workspace + (size_t)c.patch * g->groups * c.columns;
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

/* Image loops parallelise when there is more than a little work per image. */
static bool parallel_images(const rn_conv2d_geometry *g, const chunk *c)
{
    return (size_t)c->n_b * per_image_floats(g) >= RN_PARALLEL_MIN_ELEMENTS && c->n_b > 1;
}

/* col <- im2col of every image of the chunk. */
static void unroll_chunk(const rn_conv2d_geometry *g, const float *x, const chunk *c)
{
#pragma omp parallel for schedule(static) if (parallel_images(g, c))
    for (int k = 0; k < c->n_b; k++)
        im2col_strided(x + (size_t)(c->b0 + k) * in_image_floats(g), g->in_channels, g->in_height,
                       g->in_width, g->kernel_height, g->kernel_width, g->stride_height,
                       g->stride_width, g->pad_height, g->pad_width, g->dilation_height,
                       g->dilation_width, g->out_height, g->out_width,
                       c->col + (size_t)k * c->pixels, (size_t)c->columns);
}

/* The patches of one image as ROWS: rows[p][(c K_h + u) K_w + v] for output
 * pixel p = i W_out + j (rows `ld` floats apart).  This is col^T; the weight
 * gradient dW = dY' col^T then becomes a plain product whose right operand
 * is read row by row, without a transposition inside the GEMM. */
static void im2col_rows(const rn_conv2d_geometry *g, const float *image, float *rows, size_t ld)
{
    int K_h = g->kernel_height, K_w = g->kernel_width, D_w = g->dilation_width;
    for (int j = 0; j < g->out_width; j++) {
        /* taps v whose column x0 + v D_w lies inside the image: [v_lo, v_hi) */
        int x0 = j * g->stride_width - g->pad_width;
        int v_lo = x0 >= 0 ? 0 : (-x0 + D_w - 1) / D_w;
        int v_hi = g->in_width - 1 - x0 < 0 ? 0 : (g->in_width - 1 - x0) / D_w + 1;
        if (v_hi > K_w) v_hi = K_w;
        if (v_lo > v_hi) v_lo = v_hi;
        for (int i = 0; i < g->out_height; i++) {
            float *dst = rows + (size_t)(i * g->out_width + j) * ld;
            for (int c = 0; c < g->in_channels; c++) {
                const float *plane = image + (size_t)c * g->in_height * g->in_width;
                for (int u = 0; u < K_h; u++, dst += K_w) {
                    int y = i * g->stride_height - g->pad_height + u * g->dilation_height;
                    if (y < 0 || y >= g->in_height) {
                        for (int v = 0; v < K_w; v++) dst[v] = 0.0f;
                        continue;
                    }
                    const float *line = plane + (size_t)y * g->in_width + x0;
                    for (int v = 0; v < v_lo; v++) dst[v] = 0.0f;
                    if (D_w == 1)
                        for (int v = v_lo; v < v_hi; v++) dst[v] = line[v];
                    else
                        for (int v = v_lo; v < v_hi; v++) dst[v] = line[v * D_w];
                    for (int v = v_hi; v < K_w; v++) dst[v] = 0.0f;
                }
            }
        }
    }
}

/* col^T <- the patches of every image of the chunk as rows (columns x patch_total). */
static void unroll_chunk_rows(const rn_conv2d_geometry *g, const float *x, const chunk *c)
{
    size_t patch_total = (size_t)c->patch * g->groups;
#pragma omp parallel for schedule(static) if (parallel_images(g, c))
    for (int k = 0; k < c->n_b; k++)
        im2col_rows(g, x + (size_t)(c->b0 + k) * in_image_floats(g),
                    c->col + (size_t)k * c->pixels * patch_total, patch_total);
}

/* dx[b] += col2im of the chunk's columns of col. */
static void fold_chunk(const rn_conv2d_geometry *g, const chunk *c, float *dx)
{
#pragma omp parallel for schedule(static) if (parallel_images(g, c))
    for (int k = 0; k < c->n_b; k++)
        col2im_strided(c->col + (size_t)k * c->pixels, (size_t)c->columns, g->in_channels,
                       g->in_height, g->in_width, g->kernel_height, g->kernel_width,
                       g->stride_height, g->stride_width, g->pad_height, g->pad_width,
                       g->dilation_height, g->dilation_width, g->out_height, g->out_width,
                       dx + (size_t)(c->b0 + k) * in_image_floats(g));
}

/* Y' <- dy of the chunk, from (n_b, C_out, HW_out) to (C_out, n_b HW_out). */
static void gather_outputs(const rn_conv2d_geometry *g, const float *dy, const chunk *c)
{
#pragma omp parallel for schedule(static) if (parallel_images(g, c))
    for (int k = 0; k < c->n_b; k++)
        for (int o = 0; o < g->out_channels; o++)
            memcpy(c->out + (size_t)o * c->columns + (size_t)k * c->pixels,
                   dy + (size_t)(c->b0 + k) * out_image_floats(g) + (size_t)o * c->pixels,
                   sizeof(float) * (size_t)c->pixels);
}

/* y = Y' (+ bias) back in (n_b, C_out, HW_out) layout; or y += Y' when accumulating. */
static void scatter_outputs(const rn_conv2d_geometry *g, const chunk *c, const float *bias,
                            bool accumulate, float *y)
{
#pragma omp parallel for schedule(static) if (parallel_images(g, c))
    for (int k = 0; k < c->n_b; k++)
        for (int o = 0; o < g->out_channels; o++) {
            const float *src = c->out + (size_t)o * c->columns + (size_t)k * c->pixels;
            float *dst = y + (size_t)(c->b0 + k) * out_image_floats(g) + (size_t)o * c->pixels;
            float b = bias ? bias[o] : 0.0f;
            if (accumulate)
                for (int p = 0; p < c->pixels; p++) dst[p] += src[p] + b;
            else
                for (int p = 0; p < c->pixels; p++) dst[p] = src[p] + b;
        }
}

/* Y'_g = W_g col_g for every group. */
static void multiply_forward(const rn_conv2d_geometry *g, const float *w, const chunk *c)
{
    for (int group = 0; group < g->groups; group++)
        rn_gemm(false, false, c->out_per_group, c->columns, c->patch, 1.0f,
                w + (size_t)group * c->out_per_group * c->patch, c->patch,
                c->col + (size_t)group * c->patch * c->columns, c->columns, 0.0f,
                c->out + (size_t)group * c->out_per_group * c->columns, c->columns);
}

/* col_g = W_g^T Y'_g for every group (Y' holds dy). */
static void multiply_backward_data(const rn_conv2d_geometry *g, const float *w, const chunk *c)
{
    for (int group = 0; group < g->groups; group++)
        rn_gemm(true, false, c->patch, c->columns, c->out_per_group, 1.0f,
                w + (size_t)group * c->out_per_group * c->patch, c->patch,
                c->out + (size_t)group * c->out_per_group * c->columns, c->columns, 0.0f,
                c->col + (size_t)group * c->patch * c->columns, c->columns);
}

/* dW_g += Y'_g col_g^T (Y' holds dy, col holds col^T as rows: a group's
 * patch is a block of columns of it); dbias += row sums of Y'. */
static void multiply_backward_weight(const rn_conv2d_geometry *g, const chunk *c, float *dw,
                                     float *dbias)
{
    int patch_total = c->patch * g->groups;
    if (dw)
        for (int group = 0; group < g->groups; group++)
            rn_gemm(false, false, c->out_per_group, c->patch, c->columns, 1.0f,
                    c->out + (size_t)group * c->out_per_group * c->columns, c->columns,
                    c->col + (size_t)group * c->patch, patch_total, 1.0f,
                    dw + (size_t)group * c->out_per_group * c->patch, c->patch);
    if (dbias)
        for (int o = 0; o < g->out_channels; o++) {
            const float *row = c->out + (size_t)o * c->columns;
            float sum = 0.0f;
            for (int p = 0; p < c->columns; p++) sum += row[p];
            dbias[o] += sum;
        }
}

/* ----------------------------------------------------------------- batch drivers */

static void forward_batch(const rn_conv2d_geometry *g, const float *x, const float *w,
                          const float *bias, bool accumulate, float *y, float *workspace, int n_chunk)
{
    for (int b0 = 0; b0 < g->batch; b0 += n_chunk) {
        chunk c = chunk_at(g, b0, b0 + n_chunk <= g->batch ? n_chunk : g->batch - b0, workspace);
        unroll_chunk(g, x, &c);
        multiply_forward(g, w, &c);
        scatter_outputs(g, &c, bias, accumulate, y);
    }
}

static void backward_data_batch(const rn_conv2d_geometry *g, const float *dy, const float *w,
                                float *dx, float *workspace, int n_chunk)
{
    for (int b0 = 0; b0 < g->batch; b0 += n_chunk) {
        chunk c = chunk_at(g, b0, b0 + n_chunk <= g->batch ? n_chunk : g->batch - b0, workspace);
        gather_outputs(g, dy, &c);
        multiply_backward_data(g, w, &c);
        fold_chunk(g, &c, dx);
    }
}

static void backward_weight_batch(const rn_conv2d_geometry *g, const float *x, const float *dy,
                                  float *dw, float *dbias, float *workspace, int n_chunk)
{
    for (int b0 = 0; b0 < g->batch; b0 += n_chunk) {
        chunk c = chunk_at(g, b0, b0 + n_chunk <= g->batch ? n_chunk : g->batch - b0, workspace);
        if (dw) unroll_chunk_rows(g, x, &c);
        gather_outputs(g, dy, &c);
        multiply_backward_weight(g, &c, dw, dbias);
    }
}

/* ----------------------------------------------------------------- public API */

rn_status rn_conv2d_forward(const rn_conv2d_geometry *g, const float *x, const float *w,
                            const float *bias, float *y, float *workspace, size_t workspace_floats)
{
    int n_chunk = 0;
    RN_CHECK(check_workspace(g, "conv2d forward", workspace, workspace_floats, &n_chunk));
    forward_batch(g, x, w, bias, false, y, workspace, n_chunk);
    return RN_OK;
}

rn_status rn_conv2d_backward_data(const rn_conv2d_geometry *g, const float *dy, const float *w,
                                  float *dx, float *workspace, size_t workspace_floats)
{
    int n_chunk = 0;
    RN_CHECK(check_workspace(g, "conv2d backward", workspace, workspace_floats, &n_chunk));
    backward_data_batch(g, dy, w, dx, workspace, n_chunk);
    return RN_OK;
}

rn_status rn_conv2d_backward_weight(const rn_conv2d_geometry *g, const float *x, const float *dy,
                                    float *dw, float *dbias, float *workspace,
                                    size_t workspace_floats)
{
    int n_chunk = 0;
    RN_CHECK(check_workspace(g, "conv2d backward", workspace, workspace_floats, &n_chunk));
    backward_weight_batch(g, x, dy, dw, dbias, workspace, n_chunk);
    return RN_OK;
}

/* Transposed forward: y = bias, then y += mirror^T x (the mirror's backward-data pass). */
rn_status rn_conv_transpose2d_forward(const rn_conv2d_geometry *t, const float *x, const float *w,
                                      const float *bias, float *y, float *workspace,
                                      size_t workspace_floats)
{
    rn_conv2d_geometry g = mirror(t);
    int n_chunk = 0;
    RN_CHECK(check_workspace(&g, "conv_transpose2d forward", workspace, workspace_floats, &n_chunk));
    size_t plane = (size_t)t->out_height * t->out_width;
    for (int b = 0; b < t->batch; b++)
        for (int o = 0; o < t->out_channels; o++) {
            float *dst = y + ((size_t)b * t->out_channels + o) * plane;
            float value = bias ? bias[o] : 0.0f;
            for (size_t p = 0; p < plane; p++) dst[p] = value;
        }
    backward_data_batch(&g, x, w, y, workspace, n_chunk);
    return RN_OK;
}

/* Transposed backward-data: dx += mirror(dy), the plain convolution without bias. */
rn_status rn_conv_transpose2d_backward_data(const rn_conv2d_geometry *t, const float *dy,
                                            const float *w, float *dx, float *workspace,
                                            size_t workspace_floats)
{
    rn_conv2d_geometry g = mirror(t);
    int n_chunk = 0;
    RN_CHECK(check_workspace(&g, "conv_transpose2d backward", workspace, workspace_floats, &n_chunk));
    forward_batch(&g, dy, w, NULL, true, dx, workspace, n_chunk);
    return RN_OK;
}

/* In the mirror's terms the transposed layer's output gradient dy is the
 * convolution's input and its input x is the convolution's output gradient:
 * dW += X' col(dy)^T.  The bias belongs to the transposed layer's output
 * channels (the mirror's input channels), so it is summed here directly. */
rn_status rn_conv_transpose2d_backward_weight(const rn_conv2d_geometry *t, const float *x,
                                              const float *dy, float *dw, float *dbias,
                                              float *workspace, size_t workspace_floats)
{
    rn_conv2d_geometry g = mirror(t);
    int n_chunk = 0;
    RN_CHECK(check_workspace(&g, "conv_transpose2d backward", workspace, workspace_floats, &n_chunk));
    if (dw) backward_weight_batch(&g, dy, x, dw, NULL, workspace, n_chunk);
    if (dbias) {
        size_t plane = (size_t)t->out_height * t->out_width;
        for (int b = 0; b < t->batch; b++)
            for (int o = 0; o < t->out_channels; o++) {
                const float *src = dy + ((size_t)b * t->out_channels + o) * plane;
                float sum = 0.0f;
                for (size_t p = 0; p < plane; p++) sum += src[p];
                dbias[o] += sum;
            }
    }
    return RN_OK;
}
