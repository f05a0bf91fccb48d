/* test_conv.c — convolution, transposed convolution and pooling kernels
 * against direct loops in double precision (the definitions, written out),
 * over many geometries (stride 1/2, padding 0/1/2, dilation 1/2, groups 1/2,
 * odd sizes, 1x1), plus finite-difference checks of the backward passes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redes/conv.h"
#include "redes/pool.h"
#include "redes/redes.h"

/* ----------------------------------------------------------------- helpers */

static float *random_floats(rn_rng *rng, size_t n)
{
    float *x = malloc(sizeof(float) * (n ? n : 1));
    assert_non_null(x);
    rn_rng_fill_uniform(rng, x, n, -1.0f, 1.0f);
    return x;
}

static double *zeros(size_t n)
{
    double *x = calloc(n ? n : 1, sizeof(double));
    assert_non_null(x);
    return x;
}

/* |got - want| <= 1e-5 (1 + |want|) elementwise: the float sums here have at
 * most a few hundred terms of size ~1. */
static void assert_close(const char *what, const float *got, const double *want, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(fabs(got[i] - want[i]) <= 2e-5 * (1.0 + fabs(want[i]))))
            fail_msg("%s[%zu] = %.8g, want %.8g", what, i, got[i], want[i]);
}

/* Index of x[b, c, y, x] in an NCHW array. */
static size_t at4(int C, int H, int W, int b, int c, int y, int x)
{
    return (((size_t)b * C + c) * H + y) * W + x;
}

/* ----------------------------------------------------------------- references */

/* One (input pixel, kernel tap, output pixel) triple of the convolution sum,
 * read three ways: y += w x, dx += w dy, dw += x dy. */
static void accumulate_tap(const float *x, const float *w, const float *dy, size_t in, size_t wi, size_t out,
                           double *y, double *dx, double *dw)
{
    y[out] += (double)w[wi] * x[in];
    dx[in] += (double)w[wi] * dy[out];
    dw[wi] += (double)x[in] * dy[out];
}

/* The convolution's definition, as a scatter over (input pixel, kernel tap)
 * pairs: every y[b,o,i,j] += w[o,c',u,v] x[b,c,i S - P + u D, j S - P + v D].
 * Forward, backward-data and backward-weight are the same sum read three
 * ways, so one loop nest computes all three. */
static void reference_conv(const rn_conv2d_geometry *g, const float *x, const float *w, const float *bias,
                           const float *dy, double *y, double *dx, double *dw, double *db)
{
    int cin_g = g->in_channels / g->groups, cout_g = g->out_channels / g->groups;
    int K_h = g->kernel_height, K_w = g->kernel_width;
    for (int b = 0; b < g->batch; b++)
        for (int o = 0; o < g->out_channels; o++) {
            int group = o / cout_g;
            for (int i = 0; i < g->out_height; i++)
                for (int j = 0; j < g->out_width; j++) {
                    size_t out = at4(g->out_channels, g->out_height, g->out_width, b, o, i, j);
                    y[out] += bias ? bias[o] : 0.0;
                    db[o] += dy[out];
                    for (int cc = 0; cc < cin_g; cc++)
                        for (int u = 0; u < K_h; u++)
                            for (int v = 0; v < K_w; v++) {
                                int r = i * g->stride_height - g->pad_height + u * g->dilation_height;
                                int s = j * g->stride_width - g->pad_width + v * g->dilation_width;
                                if (r < 0 || r >= g->in_height || s < 0 || s >= g->in_width) continue;
                                size_t in = at4(g->in_channels, g->in_height, g->in_width, b,
                                                group * cin_g + cc, r, s);
                                size_t wi = (((size_t)o * cin_g + cc) * K_h + u) * K_w + v;
                                accumulate_tap(x, w, dy, in, wi, out, y, dx, dw);
                            }
                }
        }
}

/* Transposed convolution by its own definition (not via the mirror): each
 * input pixel x[b,c,i,j] scatters w[c,o',u,v] x into y[b,o,i S - P + u D, ...]. */
static void reference_conv_transpose(const rn_conv2d_geometry *t, const float *x, const float *w,
                                     const float *bias, const float *dy, double *y, double *dx, double *dw,
                                     double *db)
{
    int cin_g = t->in_channels / t->groups, cout_g = t->out_channels / t->groups;
    int K_h = t->kernel_height, K_w = t->kernel_width;
    size_t out_size = (size_t)t->batch * t->out_channels * t->out_height * t->out_width;
    for (size_t k = 0; k < out_size; k++) {
        int o = (int)(k / ((size_t)t->out_height * t->out_width) % t->out_channels);
        y[k] += bias ? bias[o] : 0.0;
        db[o] += dy[k];
    }
    for (int b = 0; b < t->batch; b++)
        for (int c = 0; c < t->in_channels; c++) {
            int group = c / cin_g;
            for (int i = 0; i < t->in_height; i++)
                for (int j = 0; j < t->in_width; j++) {
                    size_t in = at4(t->in_channels, t->in_height, t->in_width, b, c, i, j);
                    for (int oo = 0; oo < cout_g; oo++)
                        for (int u = 0; u < K_h; u++)
                            for (int v = 0; v < K_w; v++) {
                                int r = i * t->stride_height - t->pad_height + u * t->dilation_height;
                                int s = j * t->stride_width - t->pad_width + v * t->dilation_width;
                                if (r < 0 || r >= t->out_height || s < 0 || s >= t->out_width) continue;
                                size_t out = at4(t->out_channels, t->out_height, t->out_width, b,
                                                 group * cout_g + oo, r, s);
                                size_t wi = (((size_t)c * cout_g + oo) * K_h + u) * K_w + v;
                                accumulate_tap(x, w, dy, in, wi, out, y, dx, dw);
                            }
                }
        }
}

/* ----------------------------------------------------------------- conv cases */

typedef struct conv_case {
    int batch, in_channels, height, width, out_channels, kernel_h, kernel_w, stride, pad, dilation, groups,
        output_pad;
} conv_case;

static const conv_case conv_cases[] = {
    /* B  Cin  H   W  Cout Kh Kw  S  P  D  G  OP */
    {2, 3, 7, 7, 4, 3, 3, 1, 0, 1, 1, 0},
    {2, 3, 7, 9, 4, 3, 3, 1, 1, 1, 1, 0},
    {3, 2, 9, 8, 6, 3, 3, 2, 1, 1, 2, 0},
    {2, 4, 11, 7, 4, 3, 2, 2, 2, 1, 2, 1},
    {2, 2, 9, 9, 3, 3, 3, 1, 2, 2, 1, 0},
    {1, 4, 10, 13, 6, 3, 3, 2, 1, 2, 2, 1},
    {3, 1, 28, 28, 6, 5, 5, 1, 2, 1, 1, 0},
    {2, 6, 14, 14, 16, 5, 5, 1, 0, 1, 1, 0},
    {4, 6, 5, 5, 8, 1, 1, 1, 0, 1, 2, 0},
    {2, 5, 6, 7, 3, 1, 1, 2, 0, 1, 1, 1},
    {5, 3, 1, 1, 2, 1, 1, 1, 0, 1, 1, 0},
    {2, 3, 4, 4, 5, 3, 3, 1, 1, 1, 1, 0},
    {1, 2, 5, 3, 2, 5, 3, 1, 0, 1, 2, 0},
    {2, 4, 8, 8, 2, 4, 4, 2, 1, 1, 2, 1},
    /* many filters, small patches: the weight gradient is computed as dW^T */
    {2, 1, 6, 7, 32, 3, 3, 1, 1, 1, 1, 0},
    {2, 2, 5, 5, 64, 2, 2, 1, 0, 1, 2, 0},
    /* 3 x 3, stride 1, 16 channels or more: Winograd F(2x2, 3x3) for forward and input gradient,
     * with odd output sizes (tiles sticking out) and padding 0, 1, 2 */
    {2, 16, 7, 9, 16, 3, 3, 1, 0, 1, 1, 0},
    {2, 17, 6, 5, 20, 3, 3, 1, 1, 1, 1, 0},
    {1, 16, 5, 6, 18, 3, 3, 1, 2, 1, 1, 0},
    {3, 32, 12, 12, 64, 3, 3, 1, 0, 1, 1, 0},
    {1, 16, 5, 37, 16, 3, 3, 1, 1, 1, 1, 0}, /* rows of 19 tiles: two blocks of 16 */
    /* stride 1, no padding, output rows of 16 or more (LeNet-like sizes are above) */
    /* the direct kernels (conv_direct.h): input-gradient rows of 35 (three
     * vectors, the last part-filled) and 9 rows (4 + 4 + 1); 13 and 7
     * output channels (blocks of 6 + 6 + 1); padding K - 1, a 4 x 2 kernel;
     * padding K (too much for the direct input gradient) and 33 output
     * channels (too many): the GEMM path */
    {2, 5, 9, 35, 7, 5, 5, 1, 2, 1, 1, 0},
    {3, 2, 6, 17, 13, 3, 3, 1, 1, 1, 1, 0},
    {2, 3, 11, 10, 9, 4, 2, 1, 1, 1, 1, 0},
    {1, 2, 6, 6, 3, 3, 3, 1, 3, 1, 1, 0},
    {2, 3, 8, 8, 33, 3, 3, 1, 1, 1, 1, 0},
    {2, 3, 20, 19, 5, 3, 3, 1, 0, 1, 1, 0},
    {2, 4, 21, 20, 4, 3, 3, 1, 0, 2, 2, 0},
};

/* The two directions share their signatures, so one table drives both. */
typedef struct conv_direction {
    const char *name;
    rn_status (*prepare)(rn_conv2d_geometry *g);
    size_t (*workspace_floats)(const rn_conv2d_geometry *g);
    rn_status (*forward)(const rn_conv2d_geometry *g, const float *x, const float *w, const float *bias,
                         float *y, float *ws, size_t ws_n);
    rn_status (*backward_data)(const rn_conv2d_geometry *g, const float *dy, const float *w, float *dx,
                               float *ws, size_t ws_n);
    rn_status (*backward_weight)(const rn_conv2d_geometry *g, const float *x, const float *dy, float *dw,
                                 float *db, float *ws, size_t ws_n);
} conv_direction;

static const conv_direction directions[2] = {
    {"conv2d", rn_conv2d_prepare, rn_conv2d_workspace_floats, rn_conv2d_forward, rn_conv2d_backward_data,
     rn_conv2d_backward_weight},
    {"conv_transpose2d", rn_conv_transpose2d_prepare, rn_conv_transpose2d_workspace_floats,
     rn_conv_transpose2d_forward, rn_conv_transpose2d_backward_data, rn_conv_transpose2d_backward_weight},
};

/* Element counts of x, y and w for geometry g. */
typedef struct conv_sizes {
    size_t x, y, w;
} conv_sizes;

static conv_sizes sizes_of(const rn_conv2d_geometry *g, bool transposed)
{
    return (conv_sizes){
        .x = (size_t)g->batch * g->in_channels * g->in_height * g->in_width,
        .y = (size_t)g->batch * g->out_channels * g->out_height * g->out_width,
        .w = transposed ? (size_t)g->in_channels * (g->out_channels / g->groups) * g->kernel_height *
                              g->kernel_width
                        : rn_conv2d_weight_count(g),
    };
}

static rn_conv2d_geometry geometry_of(const conv_case *c, bool transposed)
{
    rn_conv2d_geometry g = {.batch = c->batch,
                            .in_channels = c->in_channels,
                            .in_height = c->height,
                            .in_width = c->width,
                            .out_channels = c->out_channels,
                            .kernel_height = c->kernel_h,
                            .kernel_width = c->kernel_w,
                            .stride_height = c->stride,
                            .stride_width = c->stride,
                            .pad_height = c->pad,
                            .pad_width = c->pad,
                            .dilation_height = c->dilation,
                            .dilation_width = c->dilation,
                            .groups = c->groups};
    if (transposed) g.output_pad_height = g.output_pad_width = c->output_pad;
    assert_int_equal(directions[transposed].prepare(&g), RN_OK);
    return g;
}

/* small_workspace: room for one image only, so the kernels work image by image. */
static void check_case(const conv_case *c, bool transposed, bool small_workspace)
{
    const conv_direction *kind = &directions[transposed];
    rn_conv2d_geometry g = geometry_of(c, transposed);
    rn_rng rng;
    rn_rng_seed(&rng, 7);
    conv_sizes n = sizes_of(&g, transposed);
    size_t n_x = n.x, n_y = n.y, n_w = n.w;
    float *x = random_floats(&rng, n_x), *w = random_floats(&rng, n_w);
    float *bias = random_floats(&rng, (size_t)g.out_channels), *dy = random_floats(&rng, n_y);
    float *y = random_floats(&rng, n_y); /* garbage: forward must overwrite */
    float *dx = random_floats(&rng, n_x), *dw = random_floats(&rng, n_w);
    float *db = random_floats(&rng, (size_t)g.out_channels);
    double *ry = zeros(n_y), *rdx = zeros(n_x), *rdw = zeros(n_w), *rdb = zeros((size_t)g.out_channels);
    /* backward passes add: start the reference from the same initial values */
    for (size_t i = 0; i < n_x; i++)
        rdx[i] = dx[i];
    for (size_t i = 0; i < n_w; i++)
        rdw[i] = dw[i];
    for (int i = 0; i < g.out_channels; i++)
        rdb[i] = db[i];
    if (transposed)
        reference_conv_transpose(&g, x, w, bias, dy, ry, rdx, rdw, rdb);
    else
        reference_conv(&g, x, w, bias, dy, ry, rdx, rdw, rdb);

    /* small: the documented minimum, what the same geometry needs for one image */
    rn_conv2d_geometry one = g;
    one.batch = 1;
    size_t ws_n = kind->workspace_floats(small_workspace ? &one : &g);
    float *ws = malloc(sizeof(float) * ws_n);
    assert_non_null(ws);
    assert_int_equal(kind->forward(&g, x, w, bias, y, ws, ws_n), RN_OK);
    assert_int_equal(kind->backward_data(&g, dy, w, dx, ws, ws_n), RN_OK);
    assert_int_equal(kind->backward_weight(&g, x, dy, dw, db, ws, ws_n), RN_OK);
    assert_close("y", y, ry, n_y);
    assert_close("dx", dx, rdx, n_x);
    assert_close("dw", dw, rdw, n_w);
    assert_close("dbias", db, rdb, (size_t)g.out_channels);
    free(ws);
    free(x), free(w), free(bias), free(dy), free(y), free(dx), free(dw), free(db);
    free(ry), free(rdx), free(rdw), free(rdb);
}

static void conv_matches_direct_loops(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
        check_case(&conv_cases[i], false, false);
        check_case(&conv_cases[i], false, true);
    }
}

static void conv_transpose_matches_direct_loops(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i++) {
        check_case(&conv_cases[i], true, false);
        check_case(&conv_cases[i], true, true);
    }
}

/* Kernels called from inside a parallel region (a caller's own, or a
 * data-parallel training shard's) run on that thread alone: their plans must
 * not count on the other threads' parts of the workspace (rn_threads() is 1
 * there).  Two threads each run the three passes of LeNet-5's conv2 (the
 * direct kernels) and of a Winograd layer on their own buffers. */
#ifdef _OPENMP
static bool passes_match_reference(const conv_case *c)
{
    rn_conv2d_geometry g = geometry_of(c, false);
    rn_rng rng;
    rn_rng_seed(&rng, 11);
    conv_sizes n = sizes_of(&g, false);
    float *x = random_floats(&rng, n.x), *w = random_floats(&rng, n.w), *dy = random_floats(&rng, n.y);
    float *bias = random_floats(&rng, (size_t)g.out_channels);
    double *ry = zeros(n.y), *rdx = zeros(n.x), *rdw = zeros(n.w), *rdb = zeros((size_t)g.out_channels);
    reference_conv(&g, x, w, bias, dy, ry, rdx, rdw, rdb);
    size_t ws_n = rn_conv2d_workspace_floats(&g);
    float *ws = malloc(sizeof(float) * ws_n), *y = malloc(sizeof(float) * n.y);
    float *dx = calloc(n.x, sizeof(float)), *dw = calloc(n.w, sizeof(float));
    float *db = calloc((size_t)g.out_channels, sizeof(float));
    bool ok = ws && y && dx && dw && db && rn_conv2d_forward(&g, x, w, bias, y, ws, ws_n) == RN_OK &&
              rn_conv2d_backward_data(&g, dy, w, dx, ws, ws_n) == RN_OK &&
              rn_conv2d_backward_weight(&g, x, dy, dw, db, ws, ws_n) == RN_OK;
    const struct {
        const float *got;
        const double *want;
        size_t count;
    } checks[] = {{y, ry, n.y}, {dx, rdx, n.x}, {dw, rdw, n.w}, {db, rdb, (size_t)g.out_channels}};
    for (size_t k = 0; ok && k < 4; k++)
        for (size_t i = 0; i < checks[k].count; i++)
            ok = ok && fabs(checks[k].got[i] - checks[k].want[i]) <= 2e-5 * (1.0 + fabs(checks[k].want[i]));
    free(x), free(w), free(dy), free(bias), free(ws), free(y), free(dx), free(dw), free(db);
    free(ry), free(rdx), free(rdw), free(rdb);
    return ok;
}
#endif

static void conv_inside_a_parallel_region(void **state)
{
    (void)state;
#ifndef _OPENMP
    skip();
#else
    static const conv_case cases[] = {{4, 6, 14, 14, 16, 5, 5, 1, 0, 1, 1, 0},
                                      {4, 16, 9, 9, 16, 3, 3, 1, 1, 1, 1, 0}};
    rn_set_threads(2);
    bool ok[2][2] = {{false, false}, {false, false}}, alone[2] = {false, false};
#pragma omp parallel num_threads(2)
    {
        int t = omp_get_thread_num();
        if (t < 2) {
            alone[t] = rn_threads() == 1;
            for (int k = 0; k < 2; k++)
                ok[t][k] = passes_match_reference(&cases[k]);
        }
    }
    rn_set_threads(0);
    for (int t = 0; t < 2; t++) {
        if (!alone[t]) fail_msg("thread %d: rn_threads() is not 1 inside a parallel region", t);
        for (int k = 0; k < 2; k++)
            if (!ok[t][k]) fail_msg("thread %d, case %d: wrong numbers inside a parallel region", t, k);
    }
#endif
}

/* ----------------------------------------------------------------- finite differences */

/* L = sum_k r_k y_k with y = conv(x, w) + bias.  dL/dx, dL/dw and dL/dbias
 * from the backward passes (with dy = r) against central differences in
 * x, w and bias.  L is linear in each, so the difference quotient is exact up
 * to float rounding of L (about 1e-7 |L| / h). */
static double loss_of(const rn_conv2d_geometry *g, bool transposed, const float *x, const float *w,
                      const float *bias, const float *r, float *y, float *ws, size_t ws_n)
{
    directions[transposed].forward(g, x, w, bias, y, ws, ws_n);
    double loss = 0.0;
    size_t n_y = sizes_of(g, transposed).y;
    for (size_t k = 0; k < n_y; k++)
        loss += (double)r[k] * y[k];
    return loss;
}

static void finite_difference_case(const conv_case *c, bool transposed)
{
    const conv_direction *kind = &directions[transposed];
    rn_conv2d_geometry g = geometry_of(c, transposed);
    rn_rng rng;
    rn_rng_seed(&rng, 11);
    conv_sizes n = sizes_of(&g, transposed);
    size_t n_x = n.x, n_y = n.y, n_w = n.w;
    float *x = random_floats(&rng, n_x), *w = random_floats(&rng, n_w);
    float *bias = random_floats(&rng, (size_t)g.out_channels), *r = random_floats(&rng, n_y);
    float *y = malloc(sizeof(float) * n_y);
    float *dx = calloc(n_x, sizeof(float)), *dw = calloc(n_w, sizeof(float)),
          *db = calloc((size_t)g.out_channels, sizeof(float));
    size_t ws_n = kind->workspace_floats(&g);
    float *ws = malloc(sizeof(float) * ws_n);
    assert_true(y && dx && dw && db && ws);
    kind->backward_data(&g, r, w, dx, ws, ws_n);
    kind->backward_weight(&g, x, r, dw, db, ws, ws_n);
    const float h = 1e-2f;
    struct {
        float *values, *grad;
        size_t n;
        const char *name;
    } params[] = {{x, dx, n_x, "x"}, {w, dw, n_w, "w"}, {bias, db, (size_t)g.out_channels, "bias"}};
    for (int p = 0; p < 3; p++)
        for (int trial = 0; trial < 12; trial++) {
            size_t k = rn_rng_below(&rng, (uint32_t)params[p].n);
            float saved = params[p].values[k];
            params[p].values[k] = saved + h;
            double plus = loss_of(&g, transposed, x, w, bias, r, y, ws, ws_n);
            params[p].values[k] = saved - h;
            double minus = loss_of(&g, transposed, x, w, bias, r, y, ws, ws_n);
            params[p].values[k] = saved;
            double numeric = (plus - minus) / (2.0 * h);
            double analytic = params[p].grad[k];
            double tolerance = 1e-3 * (1.0 + fabs(analytic)) + 1e-6 * fabs(plus) / h;
            if (fabs(numeric - analytic) > tolerance)
                fail_msg("%s d%s[%zu]: backward %.6g, finite difference %.6g", kind->name, params[p].name, k,
                         analytic, numeric);
        }
    free(x), free(w), free(bias), free(r), free(y), free(dx), free(dw), free(db), free(ws);
}

static void backward_passes_match_finite_differences(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof conv_cases / sizeof conv_cases[0]; i += 3) {
        finite_difference_case(&conv_cases[i], false);
        finite_difference_case(&conv_cases[i], true);
    }
}

/* A 3x3 box kernel on a 3x3 image of ones, padding 1: the output counts the
 * pixels each window covers (4 6 4 / 6 9 6 / 4 6 4). */
static void known_box_convolution(void **state)
{
    (void)state;
    rn_conv2d_geometry g;
    assert_int_equal(rn_conv2d_geometry_square(&g, 1, 1, 3, 3, 1, 3, 1, 1, 1, 1), RN_OK);
    assert_int_equal(g.out_height, 3);
    float x[9], w[9], y[9], ws[256];
    for (int i = 0; i < 9; i++)
        x[i] = w[i] = 1.0f;
    assert_true(rn_conv2d_workspace_floats(&g) <= 256);
    assert_int_equal(rn_conv2d_forward(&g, x, w, NULL, y, ws, 256), RN_OK);
    const float want[9] = {4, 6, 4, 6, 9, 6, 4, 6, 4};
    for (int i = 0; i < 9; i++)
        assert_true(y[i] == want[i]);
}

static void bad_geometry_is_an_error(void **state)
{
    (void)state;
    rn_conv2d_geometry g;
    assert_int_equal(rn_conv2d_geometry_square(&g, 1, 3, 8, 8, 4, 3, 1, 0, 1, 2), RN_ERR_SHAPE);
    assert_non_null(strstr(rn_error_message(), "groups"));
    assert_int_equal(rn_conv2d_geometry_square(&g, 1, 1, 2, 2, 1, 5, 1, 0, 1, 1), RN_ERR_SHAPE);
    assert_int_equal(rn_conv2d_geometry_square(&g, 1, 1, 8, 8, 1, 3, 1, -1, 1, 1), RN_ERR_ARGUMENT);
    assert_int_equal(rn_conv2d_geometry_square(&g, 1, 1, 8, 8, 1, 3, 1, 0, 1, 1), RN_OK);
    float ws[4], x[64] = {0}, w[9] = {0}, y[36];
    assert_int_equal(rn_conv2d_forward(&g, x, w, NULL, y, ws, 4), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "workspace"));
    rn_conv2d_geometry t = {.batch = 1,
                            .in_channels = 1,
                            .in_height = 4,
                            .in_width = 4,
                            .out_channels = 1,
                            .kernel_height = 3,
                            .kernel_width = 3,
                            .stride_height = 2,
                            .stride_width = 2,
                            .output_pad_height = 2};
    assert_int_equal(rn_conv_transpose2d_prepare(&t), RN_ERR_ARGUMENT);
}

/* ----------------------------------------------------------------- pooling */

/* Index in x of tap (u, v) of output pixel (i, j) of plane p, or -1 in the padding. */
static int window_pixel(const rn_pool2d_geometry *g, int p, int i, int j, int u, int v)
{
    int r = i * g->stride_height - g->pad_height + u;
    int s = j * g->stride_width - g->pad_width + v;
    if (r < 0 || r >= g->in_height || s < 0 || s >= g->in_width) return -1;
    return (p * g->in_height + r) * g->in_width + s;
}

static void reference_pool(const rn_pool2d_geometry *g, bool max, const float *x, const float *dy, double *y,
                           double *dx)
{
    for (int p = 0; p < g->batch * g->channels; p++)
        for (int i = 0; i < g->out_height; i++)
            for (int j = 0; j < g->out_width; j++) {
                double best = -INFINITY, sum = 0.0;
                int best_at = -1, count = 0;
                for (int u = 0; u < g->kernel_height; u++)
                    for (int v = 0; v < g->kernel_width; v++) {
                        int k = window_pixel(g, p, i, j, u, v);
                        if (k < 0) continue;
                        if (x[k] > best) best = x[k], best_at = k;
                        sum += x[k];
                        count++;
                    }
                size_t out = ((size_t)p * g->out_height + i) * g->out_width + j;
                int n = g->exclude_pad ? count : g->kernel_height * g->kernel_width;
                if (max) {
                    y[out] = best;
                    dx[best_at] += dy[out];
                } else {
                    y[out] = sum / n;
                    for (int u = 0; u < g->kernel_height; u++)
                        for (int v = 0; v < g->kernel_width; v++) {
                            int k = window_pixel(g, p, i, j, u, v);
                            if (k >= 0) dx[k] += dy[out] / n;
                        }
                }
            }
}

static void pooling_matches_direct_loops(void **state)
{
    (void)state;
    static const int cases[][7] = {
        /* B C H W K S P */
        {2, 3, 8, 8, 2, 2, 0},   {2, 2, 7, 9, 3, 2, 1}, {1, 3, 5, 5, 3, 1, 1},
        {3, 1, 28, 28, 2, 0, 0}, {2, 2, 6, 7, 4, 3, 2}, {1, 1, 3, 3, 3, 3, 0},
    };
    rn_rng rng;
    rn_rng_seed(&rng, 3);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++)
        for (int kind = 0; kind < 3; kind++) { /* max, avg, avg excluding padding */
            rn_pool2d_geometry g;
            const int *k = cases[c];
            assert_int_equal(rn_pool2d_geometry_square(&g, k[0], k[1], k[2], k[3], k[4], k[5], k[6]), RN_OK);
            g.exclude_pad = kind == 2;
            size_t n_x = (size_t)g.batch * g.channels * g.in_height * g.in_width;
            size_t n_y = (size_t)g.batch * g.channels * g.out_height * g.out_width;
            float *x = random_floats(&rng, n_x), *dy = random_floats(&rng, n_y);
            float *y = random_floats(&rng, n_y), *dx = random_floats(&rng, n_x);
            int32_t *argmax = malloc(sizeof(int32_t) * n_y);
            double *ry = zeros(n_y), *rdx = zeros(n_x);
            for (size_t i = 0; i < n_x; i++)
                rdx[i] = dx[i];
            reference_pool(&g, kind == 0, x, dy, ry, rdx);
            if (kind == 0) {
                rn_max_pool2d_forward(&g, x, y, argmax);
                /* assigning: whatever dx_new held (here random values) is
                 * replaced by the scatter alone, overlapping windows included */
                float *dx_new = random_floats(&rng, n_x);
                double *rdx_new = zeros(n_x);
                for (size_t i = 0; i < n_x; i++)
                    rdx_new[i] = rdx[i] - dx[i];
                rn_max_pool2d_backward_assign(&g, dy, argmax, dx_new);
                assert_close("maxpool dx (assigned)", dx_new, rdx_new, n_x);
                free(dx_new), free(rdx_new);
                rn_max_pool2d_backward(&g, dy, argmax, dx);
            } else {
                rn_avg_pool2d_forward(&g, x, y);
                rn_avg_pool2d_backward(&g, dy, dx);
            }
            assert_close(kind == 0 ? "maxpool y" : "avgpool y", y, ry, n_y);
            assert_close(kind == 0 ? "maxpool dx" : "avgpool dx", dx, rdx, n_x);
            free(x), free(dy), free(y), free(dx), free(argmax), free(ry), free(rdx);
        }
}

/* NaN wins its window and stays (as in PyTorch); ties keep the first maximum. */
static void max_pool_nan_and_ties(void **state)
{
    (void)state;
    float x[16] = {1, 5, 5, 2, 5, 0, NAN, 3, 4, 4, 7, 7, 4, 4, 7, 9};
    float y[4];
    int32_t arg[4];
    rn_pool2d_geometry g;
    assert_int_equal(rn_pool2d_geometry_square(&g, 1, 1, 4, 4, 2, 2, 0), RN_OK);
    rn_max_pool2d_forward(&g, x, y, arg); /* the 2 x 2 fast path */
    assert_true(y[0] == 5 && arg[0] == 1);
    assert_true(isnan(y[1]) && arg[1] == 6);
    assert_true(y[2] == 4 && arg[2] == 8);
    assert_true(y[3] == 9 && arg[3] == 15);
    assert_int_equal(rn_pool2d_geometry_square(&g, 1, 1, 4, 4, 3, 1, 0), RN_OK);
    rn_max_pool2d_forward(&g, x, y, arg); /* the general path */
    assert_true(isnan(y[0]) && isnan(y[1]) && isnan(y[2]) && isnan(y[3]));
    assert_true(arg[0] == 6 && arg[3] == 6);
}

/* The 2 x 2 stride 2 fast path (vector blocks of 16 outputs) against a scalar
 * loop with the same rules, on odd sizes (rows of 1, 5, 14, 16, 17 and 33
 * outputs: partial, whole and several blocks), values from {0, 1, 2} so that
 * most windows have ties, and a few NaNs.  Backward: dx += dy at the argmax,
 * on top of nonzero dx. */
static void max_pool_fast_path_matches_loops(void **state)
{
    (void)state;
    static const int cases[][4] = {
        /* B C H W */
        {1, 1, 2, 2}, {2, 3, 7, 11}, {1, 2, 28, 28}, {2, 1, 5, 33}, {1, 1, 3, 35}, {1, 2, 9, 67},
    };
    rn_rng rng;
    rn_rng_seed(&rng, 11);
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        rn_pool2d_geometry g;
        const int *k = cases[c];
        assert_int_equal(rn_pool2d_geometry_square(&g, k[0], k[1], k[2], k[3], 2, 2, 0), RN_OK);
        size_t n_x = (size_t)g.batch * g.channels * g.in_height * g.in_width;
        size_t n_y = (size_t)g.batch * g.channels * g.out_height * g.out_width;
        float *x = random_floats(&rng, n_x), *dy = random_floats(&rng, n_y), *dx = random_floats(&rng, n_x);
        float *y = malloc(sizeof(float) * n_y);
        int32_t *argmax = malloc(sizeof(int32_t) * n_y);
        double *rdx = zeros(n_x);
        for (size_t i = 0; i < n_x; i++) {
            x[i] = floorf(1.5f * (x[i] + 1.0f)); /* 0, 1 or 2 */
            if (i % 23 == 5) x[i] = NAN;
            rdx[i] = dx[i];
        }
        rn_max_pool2d_forward(&g, x, y, argmax);
        rn_max_pool2d_backward(&g, dy, argmax, dx);
        int plane_in = g.in_height * g.in_width;
        for (int p = 0; p < g.batch * g.channels; p++)
            for (int i = 0; i < g.out_height; i++)
                for (int j = 0; j < g.out_width; j++) {
                    const float *plane = x + (size_t)p * plane_in;
                    int at = 2 * i * g.in_width + 2 * j;
                    int candidates[3] = {at + 1, at + g.in_width, at + g.in_width + 1};
                    for (int q = 0; q < 3; q++) {
                        float value = plane[candidates[q]], best = plane[at];
                        if (value > best || (isnan(value) && !isnan(best))) at = candidates[q];
                    }
                    size_t out = ((size_t)p * g.out_height + i) * g.out_width + j;
                    assert_int_equal(argmax[out], at);
                    if (isnan(plane[at]))
                        assert_true(isnan(y[out]));
                    else
                        assert_true(y[out] == plane[at]);
                    rdx[(size_t)p * plane_in + at] += dy[out];
                }
        assert_close("maxpool 2x2 dx", dx, rdx, n_x);
        free(x), free(dy), free(dx), free(y), free(argmax), free(rdx);
    }
}

static void global_average_pool(void **state)
{
    (void)state;
    float x[2 * 3 * 4], y[6], dx[24] = {0}, dy[6] = {1, 2, 3, 4, 5, 6};
    for (int i = 0; i < 24; i++)
        x[i] = (float)i;
    rn_global_avg_pool2d_forward(2, 3, 2, 2, x, y);
    for (int p = 0; p < 6; p++)
        assert_float_equal(y[p], 4 * p + 1.5f, 1e-6);
    rn_global_avg_pool2d_backward(2, 3, 2, 2, dy, dx);
    for (int i = 0; i < 24; i++)
        assert_float_equal(dx[i], dy[i / 4] / 4.0f, 1e-7);
    rn_pool2d_geometry g;
    assert_int_equal(rn_pool2d_geometry_square(&g, 1, 1, 4, 4, 2, 2, 2), RN_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_box_convolution),
        cmocka_unit_test(bad_geometry_is_an_error),
        cmocka_unit_test(conv_matches_direct_loops),
        cmocka_unit_test(conv_inside_a_parallel_region),
        cmocka_unit_test(conv_transpose_matches_direct_loops),
        cmocka_unit_test(backward_passes_match_finite_differences),
        cmocka_unit_test(pooling_matches_direct_loops),
        cmocka_unit_test(max_pool_nan_and_ties),
        cmocka_unit_test(max_pool_fast_path_matches_loops),
        cmocka_unit_test(global_average_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
