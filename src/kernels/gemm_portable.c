/* gemm_portable.c — a blocked, vectorised GEMM in portable C (see gemm.h).
 *
 *   C = alpha * op(A) * op(B) + beta * C          (row-major, M x N result)
 *
 * The structure is Goto's (Goto & van de Geijn, "Anatomy of high-performance
 * matrix multiplication", ACM TOMS 34(3), 2008), the one BLIS and OpenBLAS use:
 *
 *   for jc in N by NC:                  B block  KC x NC  -> packed, shared
 *     for pc in K by KC:
 *       pack B[pc:pc+KC, jc:jc+NC] into NR-wide column panels
 *       pack alpha*A[:, pc:pc+KC]  into MR-tall row panels
 *       for (MC-row block, NR panel) tiles, in parallel:
 *         for each MR panel of the block: micro-kernel MR x NR, KC deep
 *
 * Packing makes the micro-kernel read both operands with unit stride whatever
 * the transposes and leading dimensions were, and it zero-pads the ragged
 * edges so the micro-kernel never needs a bounds check.  The micro-kernel keeps
 * an MR x NR tile of C in registers and does MR*NR/VL fused multiply-adds per
 * k step; it is written with GCC vector extensions, so the same source is AVX-512
 * (16 floats per vector), AVX/AVX2 (8) or SSE/NEON (4) code, chosen by the
 * compiler's target flags.
 *
 * Scratch memory (the packed panels) belongs to each thread (a pthread key)
 * and grows once to the largest size seen: a training step calling GEMM does
 * no malloc in steady state.
 */
/* The packing loops have run-time trip counts; GCC's -O2 leaves such loops
 * scalar and -O3 vectorises them (the micro-kernel is explicit vector code
 * either way). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("O3", "no-tree-loop-distribute-patterns")
#endif
#include "redes/gemm.h"
#include "redes/parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

/* ----------------------------------------------------------------- shapes */

#if defined(__AVX512F__)
#define VEC_BYTES 64
#define MR 6 /* 6 x 2 = 12 accumulators: enough to hide FMA latency (4 cycles x 2 ports) */
#elif defined(__AVX__)
#define VEC_BYTES 32
#define MR 6 /* 6 x 2 = 12 accumulators of the 16 ymm registers */
#else
#define VEC_BYTES 16
#define MR 6 /* 6 x 2 = 12 accumulators of the 16 xmm registers */
#endif
#define VL (VEC_BYTES / (int)sizeof(float)) /* floats per vector */
#define NV 2                                /* vectors per micro-tile row */
#define NR (NV * VL)                        /* columns of a micro-tile */

/* Cache blocking.  KC x NR of B (32 KiB for NR = 32) stays in L1 while an
 * MR-panel of A streams past; an MC x KC block of A (MR*16 rows, 96-192 KiB)
 * stays in L2; KC x NC of B (2 MiB) lives in L2/L3. */
#define KC 256
#define MC (MR * 16)
#define NC 2048

/* Below this many multiply-adds (about 60 us of one core) one thread does
 * the whole product: under OMP_WAIT_POLICY=passive the fork/join of a
 * parallel region (a kernel wake-up) costs more than it saves.  Was 1 << 19:
 * LeNet-5's fc layers (64 x 400 x 120 and smaller) then went parallel, and
 * the MNIST MLP's epoch on 2 threads took 0.92 s against 0.74 s now (1
 * thread: 0.65 s either way). */
#define PARALLEL_MIN_FLOPS (1L << 23)

typedef float vfloat __attribute__((vector_size(VEC_BYTES)));
/* The same vector type for loads and stores to C, which may be unaligned. */
typedef float vfloat_unaligned __attribute__((vector_size(VEC_BYTES), aligned(4)));

/* ----------------------------------------------------------------- scratch */

typedef struct pack_buffer {
    float *data;
    size_t capacity; /* floats */
} pack_buffer;

/* Each thread's two buffers hang off a pthread key whose destructor frees
 * them when the thread ends (OpenMP may retire pool threads when the team
 * size changes; plain _Thread_local pointers would leak then). */
typedef struct pack_buffers {
    pack_buffer a, b;
} pack_buffers;

static pthread_key_t buffers_key;
static pthread_once_t buffers_once = PTHREAD_ONCE_INIT;
static bool buffers_key_ok;

static void free_buffers(void *pointer)
{
    pack_buffers *buffers = pointer;
    free(buffers->a.data);
    free(buffers->b.data);
    free(buffers);
}

static void create_buffers_key(void)
{
    buffers_key_ok = pthread_key_create(&buffers_key, free_buffers) == 0;
}

/* This thread's buffers (created empty on first use); NULL if that fails. */
static pack_buffers *thread_buffers(void)
{
    pthread_once(&buffers_once, create_buffers_key);
    if (!buffers_key_ok) return NULL;
    pack_buffers *buffers = pthread_getspecific(buffers_key);
    if (!buffers) {
        buffers = calloc(1, sizeof *buffers);
        if (!buffers) return NULL;
        if (pthread_setspecific(buffers_key, buffers) != 0) {
            free(buffers);
            return NULL;
        }
    }
    return buffers;
}

/* 64-byte-aligned room for `count` floats; NULL if the allocation fails. */
static float *pack_reserve(pack_buffer *buffer, size_t count)
{
    if (buffer->capacity >= count) return buffer->data;
    size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
    float *data = aligned_alloc(64, bytes);
    if (!data) return NULL;
    free(buffer->data);
    buffer->data = data;
    buffer->capacity = count;
    return data;
}

/* ----------------------------------------------------------------- packing */

/* Row r of the stored B (r < K when B is not transposed, r < N when it is):
 * B + r ldb, or B + b_rows[r] when the rows are given by offsets (see
 * rn_gemm_portable_rows in gemm.h). */
static inline const float *b_row(const float *B, int ldb, const int *b_rows, int r)
{
    return b_rows ? B + b_rows[r] : B + (size_t)r * ldb;
}

#if VEC_BYTES == 64 && MR == 6
typedef int vint16 __attribute__((vector_size(VEC_BYTES)));

/* The first depth - depth % 16 steps of a plain (not transposed) A panel, 16
 * at a time: the 6 rows' 16 floats are interleaved into 6 vectors of the
 * panel (float e of the 96 is row e % 6 at step e / 6) by three two-row
 * permutes and a select per vector.  One float per store, as the strided
 * loop below does, made packing 9-16% of a convolution's weight gradient
 * (dY' is this GEMM's A, thousands of columns long). */
static int pack_a_rows_blocks(const float *A, int lda, int i0, int rows, int p0, int depth, float alpha,
                              float *panel)
{
    const vint16 lane = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    vint16 index[MR], select[MR][3];
    for (int m = 0; m < MR; m++) {
        vint16 e = lane + 16 * m, step = e / MR, row = e - step * MR;
        index[m] = (row & 1) * 16 + step; /* lane of the pair (row & ~1, row | 1) */
        for (int pair = 0; pair < 3; pair++)
            select[m][pair] = (row >> 1) == pair;
    }
    int k0 = 0;
    for (; k0 + 16 <= depth; k0 += 16) {
        vfloat row[MR];
        for (int r = 0; r < MR; r++)
            row[r] = r < rows ? alpha * *(const vfloat_unaligned *)(A + (size_t)(i0 + r) * lda + p0 + k0)
                              : (vfloat){0};
        for (int m = 0; m < MR; m++) {
            vint16 mixed = ((vint16)__builtin_shuffle(row[0], row[1], index[m]) & select[m][0]) |
                           ((vint16)__builtin_shuffle(row[2], row[3], index[m]) & select[m][1]) |
                           ((vint16)__builtin_shuffle(row[4], row[5], index[m]) & select[m][2]);
            *(vfloat_unaligned *)(panel + (size_t)k0 * MR + 16 * m) = (vfloat)mixed;
        }
    }
    return k0;
}
#endif

/* alpha * op(A)[i0 : i0+rows, p0 : p0+depth] into MR-row panels, each panel
 * stored k-major (MR consecutive floats per k), rows past `rows` zero. */
static void pack_a_panel(bool transpose_a, const float *A, int lda, int i0, int rows, int p0, int depth,
                         float alpha, float *panel)
{
    if (transpose_a) {
        /* op(A) row i is A's column i: for each k the MR values are contiguous. */
        for (int k = 0; k < depth; k++) {
            const float *src = A + (size_t)(p0 + k) * lda + i0;
            float *dst = panel + (size_t)k * MR;
            int r = 0;
            for (; r < rows; r++)
                dst[r] = alpha * src[r];
            for (; r < MR; r++)
                dst[r] = 0.0f;
        }
        return;
    }
    int done = 0;
#if VEC_BYTES == 64 && MR == 6
    done = pack_a_rows_blocks(A, lda, i0, rows, p0, depth, alpha, panel);
    panel += (size_t)done * MR;
    p0 += done;
    depth -= done;
#endif
    (void)done;
    /* Row by row: contiguous reads along k, writes MR floats apart. */
    for (int r = 0; r < MR; r++) {
        float *dst = panel + r;
        if (r < rows) {
            const float *src = A + (size_t)(i0 + r) * lda + p0;
            for (int k = 0; k < depth; k++)
                dst[(size_t)k * MR] = alpha * src[k];
        } else {
            for (int k = 0; k < depth; k++)
                dst[(size_t)k * MR] = 0.0f;
        }
    }
}

#if VEC_BYTES == 64
/* A 16 x 16 block transposed in registers: four butterfly steps, step d
 * swapping bit d of the row index with bit d of the lane index (each a
 * two-source permute, one vpermt2ps).  Element (i, l) of rows[] ends at (l, i). */
typedef int vint __attribute__((vector_size(VEC_BYTES)));

static inline void butterfly(vfloat rows[16], int d, vint lo, vint hi)
{
    for (int i = 0; i < 16; i++)
        if (!(i & d)) {
            vfloat a = rows[i], b = rows[i + d];
            rows[i] = __builtin_shuffle(a, b, lo);
            rows[i + d] = __builtin_shuffle(a, b, hi);
        }
}

static inline void transpose_16x16(vfloat rows[16])
{
    butterfly(rows, 1, (vint){0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30},
              (vint){1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31});
    butterfly(rows, 2, (vint){0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29},
              (vint){2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31});
    butterfly(rows, 4, (vint){0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27},
              (vint){4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31});
    butterfly(rows, 8, (vint){0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23},
              (vint){8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31});
}

/* The first depth - depth % 16 steps of a transposed B panel, in 16 x 16
 * blocks through registers; a ragged last panel too, with zero rows (LeNet-5's
 * conv2 weight gradient has 150 = 4 x 32 + 22 columns: 0.69 -> 0.63 ms).
 * Element by element the packing stores about one float per cycle, which is
 * as slow as the multiplication it feeds when B is a convolution's im2col
 * matrix (see the measurements in docs/kernels.md). */
static int pack_b_transposed_blocks(const float *B, int ldb, const int *b_rows, int p0, int depth, int j0,
                                    int cols, float *panel)
{
    int k0 = 0;
    for (; k0 + 16 <= depth; k0 += 16)
        for (int half = 0; half < NR / 16; half++) {
            vfloat rows[16];
            for (int i = 0; i < 16; i++) /* the columns past `cols` are zeros */
                rows[i] =
                    half * 16 + i < cols
                        ? *(const vfloat_unaligned *)(b_row(B, ldb, b_rows, j0 + half * 16 + i) + p0 + k0)
                        : (vfloat){0};
            transpose_16x16(rows);
            for (int k = 0; k < 16; k++)
                *(vfloat_unaligned *)(panel + (size_t)(k0 + k) * NR + half * 16) = rows[k];
        }
    return k0;
}
#endif

/* op(B)[p0 : p0+depth, j0 : j0+cols] into one NR-column panel, k-major
 * (NR consecutive floats per k), columns past `cols` zero. */
static void pack_b_panel(bool transpose_b, const float *B, int ldb, const int *b_rows, int p0, int depth,
                         int j0, int cols, float *panel)
{
    if (transpose_b) {
        int done = 0;
#if VEC_BYTES == 64
        done = pack_b_transposed_blocks(B, ldb, b_rows, p0, depth, j0, cols, panel);
#endif
        panel += (size_t)done * NR;
        p0 += done;
        depth -= done;
        /* op(B) column j is B's row j: read it contiguously along k. */
        for (int c = 0; c < NR; c++) {
            float *dst = panel + c;
            if (c < cols) {
                const float *src = b_row(B, ldb, b_rows, j0 + c) + p0;
                for (int k = 0; k < depth; k++)
                    dst[(size_t)k * NR] = src[k];
            } else {
                for (int k = 0; k < depth; k++)
                    dst[(size_t)k * NR] = 0.0f;
            }
        }
        return;
    }
    for (int k = 0; k < depth; k++) {
        const float *src = b_row(B, ldb, b_rows, p0 + k) + j0;
        float *dst = panel + (size_t)k * NR;
        int c = 0;
        for (; c < cols; c++)
            dst[c] = src[c];
        for (; c < NR; c++)
            dst[c] = 0.0f;
    }
}

/* ----------------------------------------------------------------- micro-kernel */

/* tile[MR][NR] = sum over k < depth of a[k][r] * b[k][c]: a packed, b either
 * packed (b_stride = NR) or B itself when its rows are long enough (b_stride =
 * ldb, or row k at b + b_rows[k] when b_rows is not NULL; the callers pass a
 * constant NULL or not, and inlining makes two loops without a test). */
static inline __attribute__((always_inline)) void micro_kernel(int depth, const float *restrict a,
                                                               const float *restrict b, size_t b_stride,
                                                               const int *b_rows, vfloat tile[MR][NV])
{
    vfloat acc[MR][NV];
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            acc[r][v] = (vfloat){0};
    for (int k = 0; k < depth; k++) {
        const vfloat_unaligned *bk =
            (const vfloat_unaligned *)(b_rows ? b + b_rows[k] : b + (size_t)k * b_stride);
        vfloat b0 = bk[0], b1 = bk[1];
        const float *ak = a + (size_t)k * MR;
#pragma GCC unroll 16
        for (int r = 0; r < MR; r++) {
            acc[r][0] += ak[r] * b0; /* scalar * vector broadcasts: one FMA */
            acc[r][1] += ak[r] * b1;
        }
    }
#pragma GCC unroll 16
    for (int r = 0; r < MR; r++)
#pragma GCC unroll 4
        for (int v = 0; v < NV; v++)
            tile[r][v] = acc[r][v];
}

/* C[0:rows, 0:cols] = tile + beta * C.  beta == 0 overwrites C without reading
 * it, so NaN or garbage in C does not leak into the result (BLAS semantics). */
static void store_tile(vfloat tile[MR][NV], int rows, int cols, float beta, float *C, int ldc)
{
    if (rows == MR && cols == NR) {
        for (int r = 0; r < MR; r++) {
            vfloat_unaligned *c = (vfloat_unaligned *)(C + (size_t)r * ldc);
            for (int v = 0; v < NV; v++) {
                if (beta == 0.0f)
                    c[v] = tile[r][v];
                else if (beta == 1.0f)
                    c[v] += tile[r][v];
                else
                    c[v] = tile[r][v] + beta * c[v];
            }
        }
        return;
    }
    /* A ragged tile: whole vectors where the columns allow (a tile of 16 of
     * 32 columns is one vector per row), then the rest: with AVX-512 one
     * masked vector (LeNet-5's rows of 140, 120 and 84 columns end in 12, 24
     * and 20: the float-by-float tail made storing 4% of its step), else
     * single floats.  beta == 0 still never reads C. */
    for (int r = 0; r < rows; r++) {
        const float *t = (const float *)tile[r];
        float *c = C + (size_t)r * ldc;
        int j = 0, v = 0;
        for (; v < NV && j + VL <= cols; v++, j += VL) {
            vfloat_unaligned *cv = (vfloat_unaligned *)(c + j);
            *cv = beta == 0.0f ? tile[r][v] : tile[r][v] + beta * *cv;
        }
#if VEC_BYTES == 64
        if (j < cols) {
            __mmask16 lanes = (__mmask16)((1u << (cols - j)) - 1);
            __m512 value = (__m512)tile[r][v];
            if (beta != 0.0f)
                value = _mm512_fmadd_ps(_mm512_set1_ps(beta), _mm512_maskz_loadu_ps(lanes, c + j), value);
            _mm512_mask_storeu_ps(c + j, lanes, value);
            continue;
        }
#endif
        for (; j < cols; j++)
            c[j] = beta == 0.0f ? t[j] : t[j] + beta * c[j];
    }
}

/* ----------------------------------------------------------------- driver */

static int min_int(int a, int b)
{
    return a < b ? a : b;
}

/* C = beta * C, the whole answer when K == 0 or alpha == 0. */
static void scale_c(int M, int N, float beta, float *C, int ldc)
{
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        if (beta == 0.0f)
            memset(c, 0, (size_t)N * sizeof(float));
        else
            for (int j = 0; j < N; j++)
                c[j] *= beta;
    }
}

/* The naive triple loop, for when the scratch buffers cannot be allocated:
 * slower, but a GEMM has no way to report failure. */
static void gemm_unpacked(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
                          const float *A, int lda, const float *B, int ldb, const int *b_rows, float beta,
                          float *C, int ldc)
{
    scale_c(M, N, beta, C, ldc);
    for (int i = 0; i < M; i++) {
        float *c = C + (size_t)i * ldc;
        for (int k = 0; k < K; k++) {
            float a = alpha * (transpose_a ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k]);
            for (int j = 0; j < N; j++)
                c[j] += a * (transpose_b ? b_row(B, ldb, b_rows, j)[k] : b_row(B, ldb, b_rows, k)[j]);
        }
    }
}

/* The blocked product on one thread: C[M x N] = alpha op(A) op(B) + beta C,
 * with this thread's packing buffers. */
static void gemm_serial(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float *A,
                        int lda, const float *B, int ldb, const int *b_rows, float beta, float *C, int ldc)
{
    int m_panels = (M + MR - 1) / MR;
    int nc_max = min_int(N, NC);
    int kc_max = min_int(K, KC);
    pack_buffers *buffers = thread_buffers();
    float *packed_a = buffers ? pack_reserve(&buffers->a, (size_t)m_panels * MR * kc_max) : NULL;
    float *packed_b =
        buffers ? pack_reserve(&buffers->b, (size_t)((nc_max + NR - 1) / NR) * NR * kc_max) : NULL;
    if (!packed_a || !packed_b) {
        gemm_unpacked(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, b_rows, beta, C, ldc);
        return;
    }
    /* With few rows each packed element of B is used only M / MR times, and
     * packing does not pay: up to 96 rows the micro-kernel reads full NR-wide
     * panels of B where they are (measured, one thread: 64 x 576 x 288 at 150
     * instead of 138 GFLOP/s, 64 x 256 x 784 at 142 instead of 130; at 512 rows
     * packing wins, 138 against 116).  Only a ragged last panel is packed. */
    /* Not when B's rows are a multiple of 1 KiB apart (ldb % 256 == 0): the
     * kc rows of a panel then fall into a few sets of the L1 cache and evict
     * each other (the MNIST net's fc1 input gradient, 64 x 9216 x 128 with
     * rows of 36 KiB: 87 GF/s read in place, packed: see the commit). */
    bool b_direct = !transpose_b && M <= 16 * MR && (b_rows || ldb % 256 != 0);

    /* K in equal blocks of at most KC (288 = 144 + 144, not 256 + 32: a thin
     * last block would pay the full cost of loading and storing C tiles). */
    int k_blocks = (K + KC - 1) / KC, k_block = (K + k_blocks - 1) / k_blocks;
    for (int jc = 0; jc < N; jc += NC) {
        int nc = min_int(NC, N - jc);
        int n_panels = (nc + NR - 1) / NR;
        for (int pc = 0; pc < K; pc += k_block) {
            int kc = min_int(k_block, K - pc);
            float beta_block = pc == 0 ? beta : 1.0f; /* later K blocks accumulate */
            for (int jp = 0; jp < n_panels; jp++)
                if (!b_direct || nc - jp * NR < NR)
                    pack_b_panel(transpose_b, B, ldb, b_rows, pc, kc, jc + jp * NR, min_int(NR, nc - jp * NR),
                                 packed_b + (size_t)jp * NR * kc);
            for (int ip = 0; ip < m_panels; ip++)
                pack_a_panel(transpose_a, A, lda, ip * MR, min_int(MR, M - ip * MR), pc, kc, alpha,
                             packed_a + (size_t)ip * MR * kc);
            /* MC rows of packed A (in L2) against every NR panel of B (in L1). */
            for (int i_block = 0; i_block < m_panels; i_block += MC / MR) {
                int ip_end = min_int(m_panels, i_block + MC / MR);
                for (int jp = 0; jp < n_panels; jp++) {
                    int j0 = jp * NR, cols = min_int(NR, nc - j0);
                    bool direct = b_direct && cols == NR;
                    /* direct with row offsets: row pc + k of the panel at B + b_rows[pc + k] + jc + j0 */
                    bool by_offsets = direct && b_rows;
                    const float *b_panel = !direct  ? packed_b + (size_t)jp * NR * kc
                                           : b_rows ? B + jc + j0
                                                    : B + (size_t)pc * ldb + jc + j0;
                    size_t b_stride = direct ? (size_t)ldb : NR;
                    for (int ip = i_block; ip < ip_end; ip++) {
                        int i0 = ip * MR, rows = min_int(MR, M - i0);
                        vfloat tile[MR][NV];
                        const float *a_panel = packed_a + (size_t)ip * MR * kc;
                        if (by_offsets)
                            micro_kernel(kc, a_panel, b_panel, 0, b_rows + pc, tile);
                        else
                            micro_kernel(kc, a_panel, b_panel, b_stride, NULL, tile);
                        store_tile(tile, rows, cols, beta_block, C + (size_t)i0 * ldc + jc + j0, ldc);
                    }
                }
            }
        }
    }
}

/* ----------------------------------------------------------------- long products */

/* C = alpha A B^T + beta C when K is long and M, N are short: every entry is a
 * dot product of two contiguous rows (a row of A, a row of B), so nothing
 * needs packing.  This is the weight gradient of a convolution,
 * dW = dY col^T with K = images x pixels (6 x 25 x 7840 for LeNet-5's first
 * layer), where packing the transposed B cost more than the arithmetic.
 * A 4 x 4 block of dot products keeps 16 vector accumulators: each step
 * loads 8 vectors and does 16 FMAs. */
enum { DOT_BLOCK = 4, DOT_MAX_ENTRIES = 4096 };

static float sum_lanes(vfloat v)
{
    float total = 0.0f;
    for (int l = 0; l < VL; l++)
        total += v[l];
    return total;
}

/* Rows [i0, i0 + rows) of A against rows [j0, j0 + cols) of B. */
static void gemm_dot_block(int rows, int cols, int K, float alpha, const float *A, int lda, const float *B,
                           int ldb, const int *b_rows, int j0, float beta, float *C, int ldc)
{
    const float *a[DOT_BLOCK], *b[DOT_BLOCK];
    for (int r = 0; r < DOT_BLOCK; r++)
        a[r] = A + (size_t)(r < rows ? r : 0) * lda;
    for (int c = 0; c < DOT_BLOCK; c++)
        b[c] = b_row(B, ldb, b_rows, j0 + (c < cols ? c : 0));
    vfloat acc[DOT_BLOCK][DOT_BLOCK];
    for (int r = 0; r < DOT_BLOCK; r++)
        for (int c = 0; c < DOT_BLOCK; c++)
            acc[r][c] = (vfloat){0};
    int k = 0;
    for (; k + VL <= K; k += VL) {
        vfloat av[DOT_BLOCK], bv[DOT_BLOCK];
        for (int r = 0; r < DOT_BLOCK; r++)
            av[r] = *(const vfloat_unaligned *)(a[r] + k);
        for (int c = 0; c < DOT_BLOCK; c++)
            bv[c] = *(const vfloat_unaligned *)(b[c] + k);
        for (int r = 0; r < DOT_BLOCK; r++)
            for (int c = 0; c < DOT_BLOCK; c++)
                acc[r][c] += av[r] * bv[c];
    }
    for (int r = 0; r < rows; r++)
        for (int c = 0; c < cols; c++) {
            float dot = sum_lanes(acc[r][c]);
            for (int kk = k; kk < K; kk++)
                dot += a[r][kk] * b[c][kk];
            float *out = C + (size_t)r * ldc + c;
            *out = beta == 0.0f ? alpha * dot : alpha * dot + beta * *out;
        }
}

static void gemm_dot(int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb,
                     const int *b_rows, float beta, float *C, int ldc)
{
    int row_blocks = (M + DOT_BLOCK - 1) / DOT_BLOCK, col_blocks = (N + DOT_BLOCK - 1) / DOT_BLOCK;
    bool parallel = (long)M * N * K >= PARALLEL_MIN_FLOPS && row_blocks * col_blocks > 1;
#ifdef _OPENMP
    if (omp_in_parallel()) parallel = false;
#else
    (void)parallel;
#endif
#pragma omp parallel for collapse(2) schedule(static) if (parallel)
    for (int ib = 0; ib < row_blocks; ib++)
        for (int jb = 0; jb < col_blocks; jb++) {
            int i0 = ib * DOT_BLOCK, j0 = jb * DOT_BLOCK;
            gemm_dot_block(min_int(DOT_BLOCK, M - i0), min_int(DOT_BLOCK, N - j0), K, alpha,
                           A + (size_t)i0 * lda, lda, B, ldb, b_rows, j0, beta, C + (size_t)i0 * ldc + j0,
                           ldc);
        }
}

/* Threads in the current parallel region (1 outside, or without OpenMP). */
static int team_size(void)
{
#ifdef _OPENMP
    return omp_get_num_threads();
#else
    return 1;
#endif
}

/* Threads split C into independent blocks, each computed by gemm_serial with
 * that thread's own packing: no barrier inside the product (on a shared
 * machine a barrier can cost a whole scheduler time slice).  Columns are
 * split in whole NR panels when there are enough of them (each thread then
 * packs all of A, which is the smaller operand in the shapes of dense and
 * convolutional layers), otherwise rows in whole MR panels. */
static void gemm_driver(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float *A,
                        int lda, const float *B, int ldb, const int *b_rows, float beta, float *C, int ldc)
{
    if (M <= 0 || N <= 0) return;
    if (K <= 0 || alpha == 0.0f) {
        scale_c(M, N, beta, C, ldc);
        return;
    }
    /* Long thin products of rows (conv weight gradients): dot products.  From
     * K = 1024 on; at K = 576 (one image of the MNIST net's conv2, 64 x 288)
     * packing was faster (19 against 25 ms for the layer's weight gradient).
     * Only for small C: the dot blocks read every row of A N/4 times and of B
     * M/4 times, so from M N = 4096 on packing wins (one thread, ms: 64 x 128
     * x 9216, the MNIST net's fc 9216 -> 128 forward, 3.34 dot vs 1.95 packed;
     * 64 x 64 x 4096 0.54 vs 0.48; 24 x 120 x 4096 0.41 vs 0.47; 16 x 150 x
     * 6400, LeNet-5's conv2 weight gradient, 0.61 vs 0.87). */
    if (!transpose_a && transpose_b && (K >= 1024 || (K >= 512 && (long)M * N <= 1024)) && M <= 64 &&
        N <= 512 && (long)M * N < DOT_MAX_ENTRIES) {
        gemm_dot(M, N, K, alpha, A, lda, B, ldb, b_rows, beta, C, ldc);
        return;
    }
    int threads = 1;
#ifdef _OPENMP
    if ((long)M * N * K >= PARALLEL_MIN_FLOPS && !omp_in_parallel()) threads = omp_get_max_threads();
#endif
    int n_panels = (N + NR - 1) / NR, m_panels = (M + MR - 1) / MR;
    bool split_columns = n_panels >= 2 * threads || n_panels >= m_panels;
    int units = split_columns ? n_panels : m_panels;
    if (threads > units) threads = units;
    if (threads <= 1) {
        gemm_serial(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, b_rows, beta, C, ldc);
        return;
    }
#pragma omp parallel num_threads(threads)
    {
        int t = rn_thread_index(), n_threads = team_size();
        int first = (int)((long)units * t / n_threads), last = (int)((long)units * (t + 1) / n_threads);
        if (split_columns) {
            int j0 = first * NR, j1 = min_int(N, last * NR);
            if (j1 > j0) {
                /* columns j0.. of op(B): rows j0.. of a transposed B, or every row from column j0 */
                const float *B_part = transpose_b ? (b_rows ? B : B + (size_t)j0 * ldb) : B + j0;
                const int *rows_part = b_rows && transpose_b ? b_rows + j0 : b_rows;
                gemm_serial(transpose_a, transpose_b, M, j1 - j0, K, alpha, A, lda, B_part, ldb, rows_part,
                            beta, C + j0, ldc);
            }
        } else {
            int i0 = first * MR, i1 = min_int(M, last * MR);
            if (i1 > i0) {
                const float *A_part = transpose_a ? A + i0 : A + (size_t)i0 * lda;
                gemm_serial(transpose_a, transpose_b, i1 - i0, N, K, alpha, A_part, lda, B, ldb, b_rows, beta,
                            C + (size_t)i0 * ldc, ldc);
            }
        }
    }
}

void rn_gemm_portable(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float *A,
                      int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
    gemm_driver(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, NULL, beta, C, ldc);
}

void rn_gemm_portable_rows(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
                           const float *A, int lda, const float *B, const int *b_rows, float beta, float *C,
                           int ldc)
{
    gemm_driver(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, 0, b_rows, beta, C, ldc);
}
