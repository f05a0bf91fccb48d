/* winograd.c — F(2 x 2, 3 x 3) Winograd convolution (see winograd.h).
 *
 * The three fixed matrices (Lavin & Gray 2016, section 4.1):
 *
 *         | 1  0 -1  0 |          |  1    0    0  |
 *   B^T = | 0  1  1  0 |      G = | 1/2  1/2  1/2 |      A^T = | 1  1  1  0 |
 *         | 0 -1  1  0 |          | 1/2 -1/2  1/2 |            | 0  1 -1 -1 |
 *         | 0  1  0 -1 |          |  0    0    1  |
 *
 * Input tiles overlap by 2 (tile (i, j) is rows 2i .. 2i+3, columns
 * 2j .. 2j+3 of the zero-padded plane); when H_out or W_out is odd the last
 * tiles stick out by one row or column, which the padded plane covers with
 * zeros and the output transform drops.
 *
 * Layouts, for a chunk of n images with T = tiles_high tiles_wide tiles each
 * (column k T + t of a matrix is tile t of image k; the 16 matrices of V and
 * of M a little more than their size apart, see xi_stride_of):
 *   U  [16][C_in][C_out]      V  [16][C_in][n T]      M  [16][C_out][n T]
 * so that M_xi = U_xi^T V_xi is a row-major GEMM for each xi.  (U_xi is
 * stored transposed because the GEMM packs a transposed A with contiguous
 * copies and a plain one with strided stores: 9% -> 3% of the pass.)
 */
/* The transform loops have run-time trip counts: -O3 vectorises them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-tree-loop-distribute-patterns")
#endif
#include "kernels/winograd.h"

#include <string.h>

#include "redes/gemm.h"

enum { TILE = 4, XI = TILE * TILE }; /* 4 x 4 transformed tiles: 16 GEMMs */

rn_winograd_shape rn_winograd_shape_of(int in_channels, int out_channels, int height, int width, int pad)
{
    rn_winograd_shape s;
    s.in_channels = in_channels;
    s.out_channels = out_channels;
    s.height = height;
    s.width = width;
    s.pad = pad;
    s.out_height = height + 2 * pad - 2;
    s.out_width = width + 2 * pad - 2;
    s.tiles_high = (s.out_height + 1) / 2;
    s.tiles_wide = (s.out_width + 1) / 2;
    return s;
}

static size_t tiles_of(const rn_winograd_shape *s)
{
    return (size_t)s->tiles_high * s->tiles_wide;
}

/* The padded plane: every tile's 4 x 4 window lies inside it. */
static int plane_high(const rn_winograd_shape *s)
{
    return 2 * s->tiles_high + 2;
}
static int plane_wide(const rn_winograd_shape *s)
{
    return 2 * s->tiles_wide + 2;
}

size_t rn_winograd_weight_floats(const rn_winograd_shape *s)
{
    return (size_t)XI * s->out_channels * s->in_channels;
}

/* Floats from one xi's matrix of `rows` x `columns` to the next.  Not a
 * multiple of 4 KiB: the transforms write (or read) all 16 matrices at once,
 * and 16 streams 4 KiB apart fall into one set of the 12-way L1 cache (the
 * MNIST net's 64 x 144 matrices are 9 x 4 KiB: its output-gradient transform
 * took 21% of the weight gradient, 3 times its share). */
static size_t xi_stride_of(int rows, size_t columns)
{
    return ((size_t)rows * columns + 15) / 16 * 16 + 16;
}

size_t rn_winograd_scratch_floats(const rn_winograd_shape *s, int images)
{
    size_t columns = tiles_of(s) * images;
    return (size_t)XI * (xi_stride_of(s->in_channels, columns) + xi_stride_of(s->out_channels, columns)) +
           (size_t)plane_high(s) * plane_wide(s);
}

/* ----------------------------------------------------------------- weights */

/* u = G g G^T for one 3 x 3 kernel g (row-major), u 4 x 4 row-major. */
static void transform_kernel(const float g[9], float u[16])
{
    float h[4][3]; /* G g: 4 x 3 */
    for (int c = 0; c < 3; c++) {
        h[0][c] = g[c];
        h[1][c] = 0.5f * (g[c] + g[3 + c] + g[6 + c]);
        h[2][c] = 0.5f * (g[c] - g[3 + c] + g[6 + c]);
        h[3][c] = g[6 + c];
    }
    for (int a = 0; a < 4; a++) { /* (G g) G^T */
        u[4 * a + 0] = h[a][0];
        u[4 * a + 1] = 0.5f * (h[a][0] + h[a][1] + h[a][2]);
        u[4 * a + 2] = 0.5f * (h[a][0] - h[a][1] + h[a][2]);
        u[4 * a + 3] = h[a][2];
    }
}

void rn_winograd_transform_weights(const rn_winograd_shape *s, const float *w, bool adjoint, float *U)
{
    int C_in = s->in_channels, C_out = s->out_channels;
    for (int o = 0; o < C_out; o++)
        for (int c = 0; c < C_in; c++) {
            float g[9], u[16];
            if (adjoint) { /* w is (C_in, C_out, 3, 3) here: g = w[c][o] turned by 180 degrees */
                const float *k = w + ((size_t)c * C_out + o) * 9;
                for (int e = 0; e < 9; e++)
                    g[e] = k[8 - e];
            } else {
                memcpy(g, w + ((size_t)o * C_in + c) * 9, sizeof g);
            }
            transform_kernel(g, u);
            for (int xi = 0; xi < XI; xi++)
                U[((size_t)xi * C_in + c) * C_out + o] = u[xi];
        }
}

/* ----------------------------------------------------------------- input tiles */

#if !defined(__AVX512F__)
/* The zero-padded plane of one input channel, each row stored as its even
 * columns then its odd columns (tiles_wide + 1 of each): the tile loops then
 * read four unit-stride streams per row instead of stride-2 ones, and
 * vectorise. */
static void pad_plane(const rn_winograd_shape *s, const float *channel, float *plane)
{
    int high = plane_high(s), wide = plane_wide(s), half = wide / 2, P = s->pad;
    memset(plane, 0, sizeof(float) * (size_t)high * wide);
    /* pixel x goes to padded column x + P: the even pixels land among the
     * even columns when P is even, among the odd ones when P is odd */
    int even_at = P % 2 == 0 ? P / 2 : half + (P - 1) / 2;
    int odd_at = P % 2 == 0 ? half + P / 2 : (P + 1) / 2;
    for (int y = 0; y < s->height; y++) {
        float *restrict row = plane + (size_t)(y + P) * wide;
        const float *restrict src = channel + (size_t)y * s->width;
        float *restrict to_even = row + even_at, *restrict to_odd = row + odd_at;
        for (int k = 0; k < (s->width + 1) / 2; k++)
            to_even[k] = src[2 * k];
        for (int k = 0; k < s->width / 2; k++)
            to_odd[k] = src[2 * k + 1];
    }
}

/* V[xi][column0 + t] = (B^T d_t B)_xi for every tile t of one padded plane.
 * Along a row, d B for the tile starting at column 2j is (with e, o the even
 * and odd columns) e[j] - e[j+1], o[j] + e[j+1], e[j+1] - o[j], o[j] - o[j+1];
 * then B^T combines the four rows r0..r3 the same way: r0 - r2, r1 + r2,
 * r2 - r1, r1 - r3. */
static void transform_tiles_scalar(const rn_winograd_shape *s, const float *restrict plane, float *restrict V,
                                   size_t xi_stride)
{
    int wide = plane_wide(s), half = wide / 2, tw = s->tiles_wide;
    for (int i = 0; i < s->tiles_high; i++) {
        const float *restrict row = plane + (size_t)(2 * i) * wide;
        float *restrict out = V + (size_t)i * tw;
        for (int j = 0; j < tw; j++) {
            float q[4][4]; /* q[r][b]: row r of the tile times B */
            for (int r = 0; r < 4; r++) {
                const float *even = row + (size_t)r * wide, *odd = even + half;
                q[r][0] = even[j] - even[j + 1];
                q[r][1] = odd[j] + even[j + 1];
                q[r][2] = even[j + 1] - odd[j];
                q[r][3] = odd[j] - odd[j + 1];
            }
            for (int b = 0; b < 4; b++) {
                out[(size_t)(0 + b) * xi_stride + j] = q[0][b] - q[2][b];
                out[(size_t)(4 + b) * xi_stride + j] = q[1][b] + q[2][b];
                out[(size_t)(8 + b) * xi_stride + j] = q[2][b] - q[1][b];
                out[(size_t)(12 + b) * xi_stride + j] = q[1][b] - q[3][b];
            }
        }
    }
}

#endif

/* ----------------------------------------------------------------- output tiles */

/* The 2 x 2 outputs of tile j (of one tile row) from its 16 values m_xi =
 * M[xi * xi_stride + j]: A^T m A, i.e. rows m0 + m1 + m2 and m1 - m2 - m3,
 * then the same on columns. */
static inline void output_block(const float *restrict M, size_t xi_stride, int j, float out[2][2])
{
    float r[2][4];
    for (int e = 0; e < 4; e++) {
        float m0 = M[(size_t)e * xi_stride + j], m1 = M[(size_t)(4 + e) * xi_stride + j];
        float m2 = M[(size_t)(8 + e) * xi_stride + j], m3 = M[(size_t)(12 + e) * xi_stride + j];
        r[0][e] = m0 + m1 + m2;
        r[1][e] = m1 - m2 - m3;
    }
    for (int a = 0; a < 2; a++) {
        out[a][0] = r[a][0] + r[a][1] + r[a][2];
        out[a][1] = r[a][1] - r[a][2] - r[a][3];
    }
}

static void untransform_rows(const rn_winograd_shape *s, const float *restrict M, size_t xi_stride,
                             float bias, bool accumulate, float *restrict y, int first_row);

/* y (one output channel of one image) = A^T m A + bias for every tile, or
 * y += A^T m A.  Whole tiles in a loop the compiler vectorises; the last
 * column of tiles separately when W_out is odd, the last row when H_out is. */

/* The tiles of untransform_tiles from tile row `first_row` on (the vector
 * version does the rows before and comes here for the last, ragged one). */
static void untransform_rows(const rn_winograd_shape *s, const float *restrict M, size_t xi_stride,
                             float bias, bool accumulate, float *restrict y, int first_row)
{
    int tw = s->tiles_wide, H = s->out_height, W = s->out_width, whole = W / 2;
    for (int i = first_row; i < s->tiles_high; i++) {
        const float *m = M + (size_t)i * tw;
        float *restrict top = y + (size_t)(2 * i) * W;
        float *restrict bottom = 2 * i + 1 < H ? top + W : NULL;
        if (accumulate && bottom)
            for (int j = 0; j < whole; j++) {
                float out[2][2];
                output_block(m, xi_stride, j, out);
                top[2 * j] += out[0][0] + bias, top[2 * j + 1] += out[0][1] + bias;
                bottom[2 * j] += out[1][0] + bias, bottom[2 * j + 1] += out[1][1] + bias;
            }
        else if (bottom)
            for (int j = 0; j < whole; j++) {
                float out[2][2];
                output_block(m, xi_stride, j, out);
                top[2 * j] = out[0][0] + bias, top[2 * j + 1] = out[0][1] + bias;
                bottom[2 * j] = out[1][0] + bias, bottom[2 * j + 1] = out[1][1] + bias;
            }
        for (int j = bottom ? whole : 0; j < tw; j++) { /* ragged edges */
            float out[2][2];
            output_block(m, xi_stride, j, out);
            for (int a = 0; a < (bottom ? 2 : 1); a++)
                for (int b = 0; b < 2 && 2 * j + b < W; b++) {
                    float *pixel = y + (size_t)(2 * i + a) * W + 2 * j + b;
                    *pixel = (accumulate ? *pixel : 0.0f) + out[a][b] + bias;
                }
        }
    }
}

#if defined(__AVX512F__)
#include <immintrin.h>

/* AVX-512: 16 tiles of a tile row at a time, with masks for the rows of
 * fewer than 16 tiles that the MNIST-sized planes have (12 or 13).  GCC
 * leaves the loops above scalar (16 output streams), and scalar transforms
 * cost as much as the 16 GEMMs. */
static __mmask16 first_lanes(int n)
{
    return (__mmask16)(n >= 16 ? 0xffffu : n <= 0 ? 0u : (1u << n) - 1);
}

/* Lanes l of a 16-float load starting at column `start` that fall inside a row of `width`. */
static __mmask16 inside(int start, int width)
{
    int lo = start < 0 ? -start : 0, hi = width - start < 16 ? width - start : 16;
    if (hi <= lo) return 0;
    return (__mmask16)(first_lanes(hi) & ~first_lanes(lo));
}

/* V[xi][t] for the tiles of one channel, read straight from the unpadded
 * channel: masked loads give the padding's zeros (lanes outside the row are
 * neither read nor faulted on), and two permutes per pair of loads split a
 * row into its even and odd columns.  (A padded, deinterleaved copy of each
 * plane first cost 3.5% of an MNIST-net step.) */
static void transform_channel(const rn_winograd_shape *s, const float *channel, float *plane, float *V,
                              size_t xi_stride)
{
    (void)plane;
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    int tw = s->tiles_wide, W = s->width, P = s->pad;
    for (int i = 0; i < s->tiles_high; i++) {
        float *out = V + (size_t)i * tw;
        for (int j0 = 0; j0 < tw; j0 += 16) {
            __mmask16 lanes = first_lanes(tw - j0);
            int c0 = 2 * j0 - P; /* image column of the first tile's left edge */
            __mmask16 m0 = inside(c0, W), m1 = inside(c0 + 16, W), m2 = inside(c0 + 2, W),
                      m3 = inside(c0 + 18, W);
            __m512 q[4][4];
            for (int r = 0; r < 4; r++) {
                int y = 2 * i + r - P;
                __m512 e0 = _mm512_setzero_ps(), o0 = e0, e1 = e0, o1 = e0;
                if (y >= 0 && y < s->height) {
                    const float *row = channel + (size_t)y * W;
                    __m512 v0 = _mm512_maskz_loadu_ps(m0, row + c0),
                           v1 = _mm512_maskz_loadu_ps(m1, row + c0 + 16);
                    __m512 w0 = _mm512_maskz_loadu_ps(m2, row + c0 + 2),
                           w1 = _mm512_maskz_loadu_ps(m3, row + c0 + 18);
                    e0 = _mm512_permutex2var_ps(v0, even, v1); /* columns c0 + 2l */
                    o0 = _mm512_permutex2var_ps(v0, odd, v1);  /* c0 + 2l + 1 */
                    e1 = _mm512_permutex2var_ps(w0, even, w1); /* c0 + 2l + 2 */
                    o1 = _mm512_permutex2var_ps(w0, odd, w1);  /* c0 + 2l + 3 */
                }
                q[r][0] = _mm512_sub_ps(e0, e1);
                q[r][1] = _mm512_add_ps(o0, e1);
                q[r][2] = _mm512_sub_ps(e1, o0);
                q[r][3] = _mm512_sub_ps(o0, o1);
            }
            for (int b = 0; b < 4; b++) {
                _mm512_mask_storeu_ps(out + (size_t)(0 + b) * xi_stride + j0, lanes,
                                      _mm512_sub_ps(q[0][b], q[2][b]));
                _mm512_mask_storeu_ps(out + (size_t)(4 + b) * xi_stride + j0, lanes,
                                      _mm512_add_ps(q[1][b], q[2][b]));
                _mm512_mask_storeu_ps(out + (size_t)(8 + b) * xi_stride + j0, lanes,
                                      _mm512_sub_ps(q[2][b], q[1][b]));
                _mm512_mask_storeu_ps(out + (size_t)(12 + b) * xi_stride + j0, lanes,
                                      _mm512_sub_ps(q[1][b], q[3][b]));
            }
        }
    }
}

/* Whole 2 x 2 blocks of full tile rows: the even and odd output columns of 16
 * tiles are interleaved by two permutes into 32 consecutive pixels. */
static void untransform_tiles(const rn_winograd_shape *s, const float *M, size_t xi_stride, float bias,
                              bool accumulate, float *y)
{
    int tw = s->tiles_wide, W = s->out_width, whole = W / 2, full_rows = s->out_height / 2;
    const __m512i low = _mm512_set_epi32(23, 7, 22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
    const __m512i high = _mm512_set_epi32(31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8);
    const __m512 b = _mm512_set1_ps(bias);
    for (int i = 0; i < full_rows; i++) {
        const float *m = M + (size_t)i * tw;
        for (int j0 = 0; j0 < whole; j0 += 16) {
            int n = whole - j0 < 16 ? whole - j0 : 16;
            __mmask16 lanes = first_lanes(n), pixels_low = first_lanes(2 * n),
                      pixels_high = first_lanes(2 * n - 16);
            __m512 r[2][4];
            for (int e = 0; e < 4; e++) {
                __m512 m0 = _mm512_maskz_loadu_ps(lanes, m + (size_t)e * xi_stride + j0);
                __m512 m1 = _mm512_maskz_loadu_ps(lanes, m + (size_t)(4 + e) * xi_stride + j0);
                __m512 m2 = _mm512_maskz_loadu_ps(lanes, m + (size_t)(8 + e) * xi_stride + j0);
                __m512 m3 = _mm512_maskz_loadu_ps(lanes, m + (size_t)(12 + e) * xi_stride + j0);
                r[0][e] = _mm512_add_ps(_mm512_add_ps(m0, m1), m2);
                r[1][e] = _mm512_sub_ps(_mm512_sub_ps(m1, m2), m3);
            }
            for (int a = 0; a < 2; a++) {
                __m512 left = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(r[a][0], r[a][1]), r[a][2]), b);
                __m512 right = _mm512_add_ps(_mm512_sub_ps(_mm512_sub_ps(r[a][1], r[a][2]), r[a][3]), b);
                __m512 lo = _mm512_permutex2var_ps(left, low, right),
                       hi = _mm512_permutex2var_ps(left, high, right);
                float *row = y + (size_t)(2 * i + a) * W + 2 * j0;
                if (accumulate) {
                    lo = _mm512_add_ps(lo, _mm512_maskz_loadu_ps(pixels_low, row));
                    hi = _mm512_add_ps(hi, _mm512_maskz_loadu_ps(pixels_high, row + 16));
                }
                _mm512_mask_storeu_ps(row, pixels_low, lo);
                _mm512_mask_storeu_ps(row + 16, pixels_high, hi);
            }
        }
        for (int j = whole; j < tw; j++) { /* odd W_out: the last tile's left column */
            float out[2][2];
            output_block(m, xi_stride, j, out);
            for (int a = 0; a < 2; a++) {
                float *pixel = y + (size_t)(2 * i + a) * W + 2 * j;
                *pixel = (accumulate ? *pixel : 0.0f) + out[a][0] + bias;
            }
        }
    }
    untransform_rows(s, M, xi_stride, bias, accumulate, y, full_rows);
}
/* Q[xi][t] = (A dy_t A^T)_xi for the tiles of one output-gradient channel
 * (the 2 x 2 block dy_t at rows 2i, 2i + 1 and columns 2j, 2j + 1, zero past
 * the edges), 16 tiles at a time: A dy: rows dy0, dy0 + dy1, dy0 - dy1, -dy1;
 * then the same on columns. */
static void transform_gradient(const rn_winograd_shape *s, const float *channel, float *Q, size_t xi_stride)
{
    const __m512i even = _mm512_set_epi32(30, 28, 26, 24, 22, 20, 18, 16, 14, 12, 10, 8, 6, 4, 2, 0);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    int tw = s->tiles_wide, W = s->out_width;
    for (int i = 0; i < s->tiles_high; i++) {
        float *out = Q + (size_t)i * tw;
        for (int j0 = 0; j0 < tw; j0 += 16) {
            __mmask16 lanes = first_lanes(tw - j0), m0 = inside(2 * j0, W), m1 = inside(2 * j0 + 16, W);
            __m512 d[2][2]; /* d[r][s]: row 2i + r, column 2j + s */
            for (int r = 0; r < 2; r++) {
                d[r][0] = d[r][1] = _mm512_setzero_ps();
                if (2 * i + r >= s->out_height) continue;
                const float *row = channel + (size_t)(2 * i + r) * W + 2 * j0;
                __m512 v0 = _mm512_maskz_loadu_ps(m0, row), v1 = _mm512_maskz_loadu_ps(m1, row + 16);
                d[r][0] = _mm512_permutex2var_ps(v0, even, v1);
                d[r][1] = _mm512_permutex2var_ps(v0, odd, v1);
            }
            __m512 h[4][2];
            for (int c = 0; c < 2; c++) {
                h[0][c] = d[0][c];
                h[1][c] = _mm512_add_ps(d[0][c], d[1][c]);
                h[2][c] = _mm512_sub_ps(d[0][c], d[1][c]);
                h[3][c] = _mm512_sub_ps(_mm512_setzero_ps(), d[1][c]);
            }
            for (int a = 0; a < 4; a++) {
                float *q = out + (size_t)(4 * a) * xi_stride + j0;
                _mm512_mask_storeu_ps(q, lanes, h[a][0]);
                _mm512_mask_storeu_ps(q + xi_stride, lanes, _mm512_add_ps(h[a][0], h[a][1]));
                _mm512_mask_storeu_ps(q + 2 * xi_stride, lanes, _mm512_sub_ps(h[a][0], h[a][1]));
                _mm512_mask_storeu_ps(q + 3 * xi_stride, lanes, _mm512_sub_ps(_mm512_setzero_ps(), h[a][1]));
            }
        }
    }
}
#else
static void transform_gradient(const rn_winograd_shape *s, const float *channel, float *Q, size_t xi_stride)
{
    int tw = s->tiles_wide, H = s->out_height, W = s->out_width;
    for (int i = 0; i < s->tiles_high; i++)
        for (int j = 0; j < tw; j++) {
            float d[2][2], h[4][2];
            for (int r = 0; r < 2; r++)
                for (int c = 0; c < 2; c++)
                    d[r][c] =
                        2 * i + r < H && 2 * j + c < W ? channel[(size_t)(2 * i + r) * W + 2 * j + c] : 0.0f;
            for (int c = 0; c < 2; c++) {
                h[0][c] = d[0][c];
                h[1][c] = d[0][c] + d[1][c];
                h[2][c] = d[0][c] - d[1][c];
                h[3][c] = -d[1][c];
            }
            float *q = Q + (size_t)i * tw + j;
            for (int a = 0; a < 4; a++) {
                q[(size_t)(4 * a) * xi_stride] = h[a][0];
                q[(size_t)(4 * a + 1) * xi_stride] = h[a][0] + h[a][1];
                q[(size_t)(4 * a + 2) * xi_stride] = h[a][0] - h[a][1];
                q[(size_t)(4 * a + 3) * xi_stride] = -h[a][1];
            }
        }
}

static void transform_channel(const rn_winograd_shape *s, const float *channel, float *plane, float *V,
                              size_t xi_stride)
{
    pad_plane(s, channel, plane);
    transform_tiles_scalar(s, plane, V, xi_stride);
}

static void untransform_tiles(const rn_winograd_shape *s, const float *M, size_t xi_stride, float bias,
                              bool accumulate, float *y)
{
    untransform_rows(s, M, xi_stride, bias, accumulate, y, 0);
}
#endif

/* ----------------------------------------------------------------- the convolution */

void rn_winograd_convolve(const rn_winograd_shape *s, const float *x, const float *U, const float *bias,
                          bool accumulate, float *y, int images, float *scratch)
{
    int C_in = s->in_channels, C_out = s->out_channels;
    size_t T = tiles_of(s), columns = T * images;
    size_t v_stride = xi_stride_of(C_in, columns), m_stride = xi_stride_of(C_out, columns);
    float *V = scratch, *M = V + XI * v_stride, *plane = M + XI * m_stride;
    size_t in_image = (size_t)C_in * s->height * s->width, out_plane = (size_t)s->out_height * s->out_width;
    for (int k = 0; k < images; k++)
        for (int c = 0; c < C_in; c++) {
            transform_channel(s, x + k * in_image + (size_t)c * s->height * s->width, plane,
                              V + (size_t)c * columns + k * T, v_stride);
        }
    for (int xi = 0; xi < XI; xi++)
        rn_gemm(true, false, C_out, (int)columns, C_in, 1.0f, U + (size_t)xi * C_out * C_in, C_out,
                V + xi * v_stride, (int)columns, 0.0f, M + xi * m_stride, (int)columns);
    for (int k = 0; k < images; k++)
        for (int o = 0; o < C_out; o++)
            untransform_tiles(s, M + (size_t)o * columns + k * T, m_stride, bias ? bias[o] : 0.0f, accumulate,
                              y + ((size_t)k * C_out + o) * out_plane);
}

/* ----------------------------------------------------------------- the weight gradient */

/* y = A^T [U .* V] A is linear in U = G g G^T, so
 *   dL/dg = G^T [ sum over tiles t of (A dy_t A^T) .* (B^T d_t B) ] G :
 * the same input tiles V, the output gradient's 2 x 2 blocks taken to 4 x 4
 * by A, and 16 GEMMs that sum over the tiles, P_xi (C_in x C_out) += V_xi
 * Q_xi^T, each tile's products being 16 C_in C_out multiply-adds instead of
 * the 36 C_in C_out of dW = dY col^T.  The rows of V_xi and Q_xi are long
 * (the tiles) and the GEMM packs both: as V_xi Q_xi^T the larger Q is packed
 * by register transposes, the smaller V by the strided copy. */
void rn_winograd_weight_sums(const rn_winograd_shape *s, const float *x, const float *dy, float *P,
                             int images, float *scratch)
{
    int C_in = s->in_channels, C_out = s->out_channels;
    size_t T = tiles_of(s), columns = T * images;
    size_t v_stride = xi_stride_of(C_in, columns), q_stride = xi_stride_of(C_out, columns);
    float *V = scratch, *Q = V + XI * v_stride, *plane = Q + XI * q_stride;
    size_t in_image = (size_t)C_in * s->height * s->width, out_plane = (size_t)s->out_height * s->out_width;
    for (int k = 0; k < images; k++) {
        for (int c = 0; c < C_in; c++)
            transform_channel(s, x + k * in_image + (size_t)c * s->height * s->width, plane,
                              V + (size_t)c * columns + k * T, v_stride);
        for (int o = 0; o < C_out; o++)
            transform_gradient(s, dy + ((size_t)k * C_out + o) * out_plane, Q + (size_t)o * columns + k * T,
                               q_stride);
    }
    for (int xi = 0; xi < XI; xi++)
        rn_gemm(false, true, C_in, C_out, (int)columns, 1.0f, V + xi * v_stride, (int)columns,
                Q + xi * q_stride, (int)columns, 1.0f, P + (size_t)xi * C_in * C_out, C_out);
}

/* dw[o][c] += G^T P_oc G for every pair: G^T combines the rows of the 4 x 4
 * P_oc as P0 + (P1 + P2)/2, (P1 - P2)/2, (P1 + P2)/2 + P3, then the columns. */
void rn_winograd_weight_finish(const rn_winograd_shape *s, const float *P, float *dw)
{
    int C_in = s->in_channels, C_out = s->out_channels;
    for (int o = 0; o < C_out; o++)
        for (int c = 0; c < C_in; c++) {
            float p[4][4], h[3][4];
            for (int xi = 0; xi < XI; xi++)
                p[xi / 4][xi % 4] = P[((size_t)xi * C_in + c) * C_out + o];
            for (int b = 0; b < 4; b++) {
                h[0][b] = p[0][b] + 0.5f * (p[1][b] + p[2][b]);
                h[1][b] = 0.5f * (p[1][b] - p[2][b]);
                h[2][b] = 0.5f * (p[1][b] + p[2][b]) + p[3][b];
            }
            float *k = dw + ((size_t)o * C_in + c) * 9;
            for (int u = 0; u < 3; u++) {
                k[3 * u + 0] += h[u][0] + 0.5f * (h[u][1] + h[u][2]);
                k[3 * u + 1] += 0.5f * (h[u][1] - h[u][2]);
                k[3 * u + 2] += 0.5f * (h[u][1] + h[u][2]) + h[u][3];
            }
        }
}
