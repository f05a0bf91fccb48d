/* conv_direct.c — direct kernels for small stride-1 convolutions (see conv_direct.h). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3")
#endif
#include "kernels/conv_direct.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#if defined(__AVX512F__)
#define VEC_BYTES 64
#elif defined(__AVX__)
#define VEC_BYTES 32
#else
#define VEC_BYTES 16
#endif
#define VL (VEC_BYTES / (int)sizeof(float))

typedef float vfloat __attribute__((vector_size(VEC_BYTES)));
typedef float vfloat_unaligned __attribute__((vector_size(VEC_BYTES), aligned(4)));

int rn_conv_direct_vector_floats(void)
{
    return VL;
}

/* Accumulator blocks: ROWS output channels x TAPS_FOR(ROWS) taps.  AVX-512
 * has 32 vector registers: up to 24 accumulators (6 x 4 or 4 x 6) plus the
 * dy operands; the tap loads go straight into the multiply-adds (memory
 * operands).  With 16 registers (AVX, SSE): 3 x 3. */
#if VEC_BYTES == 64
#define MAX_ROWS 6
#define MAX_TAPS 6
#define TAPS_FOR(ROWS) ((ROWS) <= 4 ? 6 : 4)
#else
#define MAX_ROWS 3
#define MAX_TAPS 3
#define TAPS_FOR(ROWS) 3
#endif

static inline float sum_lanes(vfloat v)
{
    float total = 0.0f;
    for (int l = 0; l < VL; l++)
        total += v[l];
    return total;
}

typedef struct operands {
    int images;
    size_t dy_image, ld_dy, x_image;
    const float *dy, *x;
    const int *taps;
    float *dw;
    int ld_dw;
} operands;

/* dw[r][t] += dot products of dy rows [o0, o0 + rows) with taps [q0, q0 + taps)
 * over all pixels of all images.  `rows` and `taps` are constants at every
 * call, so the loops unroll and the accumulators live in registers. */
static inline __attribute__((always_inline)) void dot_block(const operands *op, int o0, int q0, int rows,
                                                            int taps)
{
    vfloat acc[MAX_ROWS][MAX_TAPS];
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < taps; t++)
            acc[r][t] = (vfloat){0};
    for (int k = 0; k < op->images; k++) {
        const float *d[MAX_ROWS], *s[MAX_TAPS];
        for (int r = 0; r < rows; r++)
            d[r] = op->dy + (size_t)(o0 + r) * op->ld_dy + (size_t)k * op->dy_image;
        for (int t = 0; t < taps; t++)
            s[t] = op->x + (size_t)k * op->x_image + op->taps[q0 + t];
        for (size_t p = 0; p < op->dy_image; p += VL) {
            vfloat dv[MAX_ROWS];
            for (int r = 0; r < rows; r++)
                dv[r] = *(const vfloat_unaligned *)(d[r] + p);
            for (int t = 0; t < taps; t++) {
                vfloat xv = *(const vfloat_unaligned *)(s[t] + p);
                for (int r = 0; r < rows; r++)
                    acc[r][t] += dv[r] * xv;
            }
        }
    }
    for (int r = 0; r < rows; r++)
        for (int t = 0; t < taps; t++)
            op->dw[(size_t)(o0 + r) * op->ld_dw + q0 + t] += sum_lanes(acc[r][t]);
}

/* The row count is a run-time value: dispatch to a constant one.  Taps
 * left over after the whole blocks go by twos and ones. */
#define DOT_ROWS(ROWS)                                                                                       \
    static void dot_rows_##ROWS(const operands *op, int o0, int patch)                                       \
    {                                                                                                        \
        int q0 = 0;                                                                                          \
        for (; q0 + TAPS_FOR(ROWS) <= patch; q0 += TAPS_FOR(ROWS))                                           \
            dot_block(op, o0, q0, ROWS, TAPS_FOR(ROWS));                                                     \
        for (; q0 + 2 <= patch; q0 += 2)                                                                     \
            dot_block(op, o0, q0, ROWS, 2);                                                                  \
        for (; q0 < patch; q0++)                                                                             \
            dot_block(op, o0, q0, ROWS, 1);                                                                  \
    }
DOT_ROWS(1)
DOT_ROWS(2)
DOT_ROWS(3)
#if MAX_ROWS > 3
DOT_ROWS(4)
DOT_ROWS(5)
DOT_ROWS(6)
#endif

typedef void (*dot_rows_fn)(const operands *op, int o0, int patch);

void rn_conv_direct_weight_gradient(int out_channels, int patch, int images, size_t dy_image, const float *dy,
                                    size_t ld_dy, const float *x, size_t x_image, const int *taps, float *dw)
{
    static const dot_rows_fn by_rows[] = {
        NULL,
        dot_rows_1,
        dot_rows_2,
        dot_rows_3,
#if MAX_ROWS > 3
        dot_rows_4,
        dot_rows_5,
        dot_rows_6
#endif
    };
    operands op = {images, dy_image, ld_dy, x_image, dy, x, taps, dw, patch};
    /* Blocks of MAX_ROWS channels, or of 4 when that divides C_out and
     * MAX_ROWS does not (16 channels: four blocks of 4 x 6 taps, not
     * 6 + 6 + 4); the last block takes what is left. */
    int rows = MAX_ROWS;
    if (out_channels % MAX_ROWS != 0 && MAX_ROWS > 4 && out_channels % 4 == 0) rows = 4;
    int o0 = 0;
    for (; o0 + rows <= out_channels; o0 += rows)
        by_rows[rows](&op, o0, patch);
    if (o0 < out_channels) by_rows[out_channels - o0](&op, o0, patch);
}

/* ----------------------------------------------------------------- output rows in vectors */

/* Blocks of CHANNELS output channels x ROWS output rows x one vector of
 * columns.  AVX-512: up to 6 x 4 = 24 accumulators, 4 input vectors and a
 * weight; with 16 registers, 3 x 2. */
#if VEC_BYTES == 64
#define MAX_BLOCK_CHANNELS 6
#define MAX_BLOCK_ROWS 4
#else
#define MAX_BLOCK_CHANNELS 3
#define MAX_BLOCK_ROWS 2
#endif

typedef struct rows_operands {
    int out_channels, in_channels, kernel_height, kernel_width, out_height, out_width, in_columns;
    int row_lo, row_hi;
    size_t in_plane, out_plane;
    const float *in, *w;
    float *out;
} rows_operands;

/* out[m0 .. m0 + CHANNELS)[y0 .. y0 + ROWS)[x0 .. x0 + VL) += the sums. */
static inline __attribute__((always_inline)) void rows_block(const rows_operands *op, int m0, int y0, int x0,
                                                             int CHANNELS, int ROWS)
{
    vfloat acc[MAX_BLOCK_ROWS][MAX_BLOCK_CHANNELS];
    for (int j = 0; j < ROWS; j++)
        for (int m = 0; m < CHANNELS; m++)
            acc[j][m] = (vfloat){0};
    /* only the kernel rows u that put some row y0 + j + u of the block inside
     * [row_lo, row_hi): the others read zero rows */
    int u_lo = op->row_lo - (y0 + ROWS - 1), u_hi = op->row_hi - y0;
    if (u_lo < 0) u_lo = 0;
    if (u_hi > op->kernel_height) u_hi = op->kernel_height;
    size_t w_row = (size_t)op->kernel_width * op->out_channels;
    for (int n = 0; n < op->in_channels; n++) {
        const float *plane = op->in + (size_t)n * op->in_plane + x0;
        const float *w_n = op->w + (size_t)n * op->kernel_height * w_row + m0;
        for (int u = u_lo; u < u_hi; u++) {
            const float *row = plane + (size_t)(y0 + u) * op->in_columns;
            const float *w_u = w_n + (size_t)u * w_row;
            for (int v = 0; v < op->kernel_width; v++) {
                vfloat in[MAX_BLOCK_ROWS];
                for (int j = 0; j < ROWS; j++)
                    in[j] = *(const vfloat_unaligned *)(row + (size_t)j * op->in_columns + v);
                const float *w_v = w_u + (size_t)v * op->out_channels;
                for (int m = 0; m < CHANNELS; m++)
                    for (int j = 0; j < ROWS; j++)
                        acc[j][m] += in[j] * w_v[m]; /* scalar * vector: a broadcast operand of the FMA */
            }
        }
    }
    int lanes = op->out_width - x0 < VL ? op->out_width - x0 : VL;
    for (int j = 0; j < ROWS; j++)
        for (int m = 0; m < CHANNELS; m++) {
            float *dst = op->out + (size_t)(m0 + m) * op->out_plane + (size_t)(y0 + j) * op->out_width + x0;
            if (lanes == VL) {
                *(vfloat_unaligned *)dst += acc[j][m];
                continue;
            }
#if defined(__AVX512F__)
            /* a masked add: the scalar loop cost as much as the products for
             * LeNet-5's conv1, whose rows of 28 end in 12 lanes */
            __mmask16 mask = (__mmask16)((1u << lanes) - 1);
            _mm512_mask_storeu_ps(dst, mask,
                                  _mm512_add_ps(_mm512_maskz_loadu_ps(mask, dst), (__m512)acc[j][m]));
#else
            for (int l = 0; l < lanes; l++)
                dst[l] += acc[j][m][l];
#endif
        }
}

#define ROWS_FN(CHANNELS, ROWS, NAME)                                                                        \
    static void rows_##CHANNELS##_##NAME(const rows_operands *op, int m0, int y0)                            \
    {                                                                                                        \
        for (int x0 = 0; x0 < op->out_width; x0 += VL)                                                       \
            rows_block(op, m0, y0, x0, CHANNELS, ROWS);                                                      \
    }
#define ROWS_FNS(CHANNELS)                                                                                   \
    ROWS_FN(CHANNELS, 1, one) ROWS_FN(CHANNELS, 2, two) ROWS_FN(CHANNELS, MAX_BLOCK_ROWS, most)
ROWS_FNS(1)
ROWS_FNS(2)
ROWS_FNS(3)
#if MAX_BLOCK_CHANNELS > 3
ROWS_FNS(4)
ROWS_FNS(5)
ROWS_FNS(6)
#endif

typedef void (*rows_fn)(const rows_operands *op, int m0, int y0);

/* rows_by_channels[c - 1] = {1 row, 2 rows, MAX_BLOCK_ROWS rows} for blocks of c channels */
#define ROWS_ENTRY(CHANNELS)                                                                                 \
    {                                                                                                        \
        rows_##CHANNELS##_one, rows_##CHANNELS##_two, rows_##CHANNELS##_most                                 \
    }
static const rows_fn rows_by_channels[][3] = {
    ROWS_ENTRY(1), ROWS_ENTRY(2), ROWS_ENTRY(3),
#if MAX_BLOCK_CHANNELS > 3
    ROWS_ENTRY(4), ROWS_ENTRY(5), ROWS_ENTRY(6),
#endif
};

static void rows_for_channels(const rows_operands *op, int m0, int channels)
{
    const rows_fn *by_rows = rows_by_channels[channels - 1];
    int y0 = 0;
    for (; y0 + MAX_BLOCK_ROWS <= op->out_height; y0 += MAX_BLOCK_ROWS)
        by_rows[2](op, m0, y0);
    for (; y0 + 2 <= op->out_height; y0 += 2)
        by_rows[1](op, m0, y0);
    for (; y0 < op->out_height; y0++)
        by_rows[0](op, m0, y0);
}

void rn_conv_direct_rows(int out_channels, int in_channels, int kernel_height, int kernel_width,
                         int out_height, int out_width, const float *in, int in_columns, size_t in_plane,
                         int row_lo, int row_hi, const float *w, float *out, size_t out_plane)
{
    rows_operands op = {
        out_channels, in_channels, kernel_height, kernel_width, out_height, out_width, in_columns,
        row_lo,       row_hi,      in_plane,      out_plane,    in,         w,         out};
    /* equal blocks: 16 channels as 6 + 5 + 5, not 6 + 6 + 4 */
    int blocks = (out_channels + MAX_BLOCK_CHANNELS - 1) / MAX_BLOCK_CHANNELS;
    for (int b = 0, m0 = 0; b < blocks; b++) {
        int channels = (out_channels - m0 + (blocks - b) - 1) / (blocks - b);
        rows_for_channels(&op, m0, channels);
        m0 += channels;
    }
}
