/* test_gemm.c — rn_gemm and rn_gemm_portable against a double-precision
 * triple loop: every transpose combination, awkward sizes (1, 7, 63, 65, 513,
 * mixed), leading dimensions wider than the matrix, alpha and beta, and
 * beta = 0 overwriting NaN. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

typedef void gemm_fn(bool, bool, int, int, int, float, const float *, int, const float *, int, float, float *,
                     int);

static void fill_uniform(rn_rng *rng, float *x, size_t n)
{
    for (size_t i = 0; i < n; i++)
        x[i] = (float)(2.0 * rn_rng_uniform(rng) - 1.0);
}

/* Checks one product.  The reference is accumulated in double; the float
 * result may differ by rounding in each of the K terms, so the tolerance is
 * relative to sum_k |a_ik b_kj| (the size of what was added, not of the
 * possibly cancelling result): |error| <= 4 K eps * sum |a b|  + tiny. */
static void check_gemm(gemm_fn *gemm, bool ta, bool tb, int M, int N, int K, float alpha, float beta, int pad,
                       bool nan_in_c)
{
    rn_rng rng;
    rn_rng_seed(&rng, (uint64_t)(M * 1000003 + N * 1009 + K * 7 + ta * 2 + tb));
    int a_rows = ta ? K : M, a_cols = ta ? M : K;
    int b_rows = tb ? N : K, b_cols = tb ? K : N;
    int lda = a_cols + pad, ldb = b_cols + pad, ldc = N + pad;
    float *A = malloc(sizeof(float) * (size_t)a_rows * lda);
    float *B = malloc(sizeof(float) * (size_t)b_rows * ldb);
    float *C = malloc(sizeof(float) * (size_t)M * ldc);
    float *C0 = malloc(sizeof(float) * (size_t)M * ldc);
    assert_non_null(A);
    assert_non_null(B);
    assert_non_null(C);
    assert_non_null(C0);
    fill_uniform(&rng, A, (size_t)a_rows * lda);
    fill_uniform(&rng, B, (size_t)b_rows * ldb);
    fill_uniform(&rng, C0, (size_t)M * ldc);
    if (nan_in_c)
        for (size_t i = 0; i < (size_t)M * ldc; i++)
            C0[i] = NAN;
    memcpy(C, C0, sizeof(float) * (size_t)M * ldc);

    gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);

    const double eps = 1.1920929e-7;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double sum = 0.0, magnitude = 0.0;
            for (int k = 0; k < K; k++) {
                double a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
                double b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
                sum += a * b;
                magnitude += fabs(a * b);
            }
            double c0 = C0[(size_t)i * ldc + j];
            double want = alpha * sum + (beta == 0.0f ? 0.0 : beta * c0);
            double c_term = beta == 0.0f ? 0.0 : fabs(beta * c0);
            double tolerance = 4.0 * (K + 2) * eps * (fabs(alpha) * magnitude + c_term) + 1e-30;
            double got = C[(size_t)i * ldc + j];
            if (!(fabs(got - want) <= tolerance))
                fail_msg("ta=%d tb=%d M=%d N=%d K=%d alpha=%g beta=%g: C[%d][%d] = %.9g, want %.9g "
                         "(tolerance %.3g)",
                         ta, tb, M, N, K, alpha, beta, i, j, got, want, tolerance);
        }
        /* The padding columns beyond N are not ours to touch. */
        for (int j = N; j < ldc; j++)
            assert_memory_equal(&C[(size_t)i * ldc + j], &C0[(size_t)i * ldc + j], sizeof(float));
    }
    free(A);
    free(B);
    free(C);
    free(C0);
}

static const int sizes[][3] = {
    {1, 1, 1},  {7, 7, 7},     {63, 63, 63},   {65, 65, 65},   {1, 65, 7},   {65, 1, 63},
    {7, 63, 1}, {13, 37, 300}, {64, 256, 784}, {100, 33, 257}, {33, 100, 5}, {2, 513, 3},
};

static void all_cases(gemm_fn *gemm)
{
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
        for (int ta = 0; ta < 2; ta++)
            for (int tb = 0; tb < 2; tb++) {
                int pad = (int)(s % 3) * 3; /* 0, 3, 6: leading dimension wider than the matrix */
                check_gemm(gemm, ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1.0f, 0.0f, pad, false);
                check_gemm(gemm, ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], -0.5f, 1.0f, pad, false);
                check_gemm(gemm, ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 2.0f, 0.25f, pad, false);
            }
}

static void portable_all_transposes_and_sizes(void **state)
{
    (void)state;
    all_cases(rn_gemm_portable);
}

static void dispatched_all_transposes_and_sizes(void **state)
{
    (void)state;
    all_cases(rn_gemm);
}

/* 513 in every dimension crosses the K block (256) twice and the M block;
 * these sizes run in parallel (columns or rows split between threads). */
static void large_513(void **state)
{
    (void)state;
    check_gemm(rn_gemm_portable, false, false, 513, 513, 513, 1.0f, 0.0f, 1, false);
    check_gemm(rn_gemm_portable, true, true, 513, 65, 513, 0.5f, 2.0f, 0, false);
    check_gemm(rn_gemm_portable, false, true, 65, 2100, 300, 1.0f, 1.0f, 0, false); /* crosses NC */
    check_gemm(rn_gemm, true, false, 513, 513, 65, 1.0f, 0.0f, 0, false);
    /* Few columns, many rows: threads split the rows (with 2 or more threads). */
    check_gemm(rn_gemm_portable, false, false, 513, 40, 300, 1.0f, 0.5f, 3, false);
    check_gemm(rn_gemm_portable, true, true, 513, 40, 300, 1.0f, 0.0f, 0, true);
}

/* Long products of rows, A B^T with K >= 1024 and few rows and columns (the
 * weight gradient of a convolution), take the dot-product path. */
static void long_dot_products(void **state)
{
    (void)state;
    check_gemm(rn_gemm_portable, false, true, 6, 25, 7840, 1.0f, 1.0f, 0, false);
    check_gemm(rn_gemm_portable, false, true, 13, 37, 2001, 0.5f, 0.0f, 5, true);
    check_gemm(rn_gemm_portable, false, true, 1, 1, 1024, 1.0f, 2.0f, 1, false);
    check_gemm(rn_gemm_portable, false, true, 64, 9, 3000, 1.0f, 0.0f, 0, false);
    check_gemm(rn_gemm, false, true, 16, 150, 6400, -1.0f, 1.0f, 0, false);
    /* M N >= 4096: packed after all (the MNIST net's fc 9216 -> 128 forward, shorter) */
    check_gemm(rn_gemm_portable, false, true, 64, 128, 1100, 1.0f, 0.0f, 2, false);
}

/* op(B) = B^T in full 32-column panels is packed through 16 x 16 register
 * transposes, with the last K % 16 steps element by element: a conv weight
 * gradient (64 x 288 x 576) and ragged shapes around the blocks. */
static void transposed_b_blocks(void **state)
{
    (void)state;
    check_gemm(rn_gemm_portable, false, true, 64, 288, 576, 1.0f, 1.0f, 0, false);
    check_gemm(rn_gemm_portable, false, true, 7, 64, 31, 1.0f, 0.0f, 1, false);
    check_gemm(rn_gemm_portable, true, true, 13, 97, 50, -2.0f, 0.5f, 3, false);
    check_gemm(rn_gemm_portable, false, true, 5, 32, 16, 1.0f, 0.0f, 0, false);
}

static void beta_zero_ignores_nan(void **state)
{
    (void)state;
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm(rn_gemm_portable, ta, tb, 65, 63, 300, 1.0f, 0.0f, 2, true);
            check_gemm(rn_gemm, ta, tb, 65, 63, 300, 1.0f, 0.0f, 2, true);
        }
    /* K = 0 and alpha = 0 leave beta * C, and beta = 0 still means zeros. */
    float C[4] = {NAN, NAN, 3, 4}, A[1] = {1}, B[1] = {1};
    rn_gemm_portable(false, false, 2, 2, 0, 1.0f, A, 1, B, 2, 0.0f, C, 2);
    for (int i = 0; i < 4; i++)
        assert_true(C[i] == 0.0f);
    float D[4] = {1, 2, 3, 4};
    rn_gemm_portable(false, false, 2, 2, 1, 0.0f, A, 1, B, 2, 2.0f, D, 2);
    assert_true(D[0] == 2.0f && D[3] == 8.0f);
}

/* rn_gemm_portable_rows with the rows of B moved apart and in reverse order,
 * so that only the offsets find them: must equal the plain product. */
static void gemm_by_row_offsets(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
                                const float *B, int ldb, float beta, float *C, int ldc)
{
    int rows = tb ? N : K, cols = tb ? K : N;
    size_t stride = (size_t)cols + 5;
    float *moved = malloc(sizeof(float) * (stride * rows + 1));
    int *offsets = malloc(sizeof(int) * (size_t)rows);
    assert_non_null(moved);
    assert_non_null(offsets);
    for (int r = 0; r < rows; r++) {
        offsets[r] = (int)((size_t)(rows - 1 - r) * stride);
        memcpy(moved + offsets[r], B + (size_t)r * ldb, sizeof(float) * (size_t)cols);
    }
    rn_gemm_portable_rows(ta, tb, M, N, K, alpha, A, lda, moved, offsets, beta, C, ldc);
    free(moved);
    free(offsets);
}

static void row_offsets_all_transposes_and_sizes(void **state)
{
    (void)state;
    all_cases(gemm_by_row_offsets);
    check_gemm(gemm_by_row_offsets, false, true, 6, 25, 7840, 1.0f, 1.0f, 0, false); /* dot products */
    check_gemm(gemm_by_row_offsets, false, true, 13, 37, 2001, 0.5f, 0.0f, 5, true);
    check_gemm(gemm_by_row_offsets, false, false, 64, 700, 288, 1.0f, 0.0f, 0, false); /* B read directly */
    check_gemm(gemm_by_row_offsets, false, false, 200, 90, 40, 1.0f, 0.5f, 1, false);  /* B packed */
    check_gemm(gemm_by_row_offsets, false, true, 64, 288, 600, 1.0f, 1.0f, 0, false);
}

/* The convolution's use: overlapping rows, each the same image shifted by one
 * tap (c, u, v) of a 3 x 3 kernel over 5 channels of 9 x 11 pixels, and the
 * rows (K = 45 taps) x (N = 7 x 11 pixels) product and its transpose. */
static void overlapping_row_offsets(void **state)
{
    (void)state;
    enum { C = 5, H = 9, W = 11, KH = 3, KW = 3, TAPS = C * KH * KW, PIXELS = (H - KH + 1) * W, M = 7 };
    rn_rng rng;
    rn_rng_seed(&rng, 5);
    float image[C * H * W + KW - 1], A[M * TAPS], A_long[M * PIXELS], C_fwd[M * PIXELS], C_dw[M * TAPS];
    int offsets[TAPS];
    fill_uniform(&rng, image, sizeof image / sizeof image[0]);
    fill_uniform(&rng, A, M * TAPS);
    fill_uniform(&rng, A_long, M * PIXELS);
    for (int c = 0, t = 0; c < C; c++)
        for (int u = 0; u < KH; u++)
            for (int v = 0; v < KW; v++, t++)
                offsets[t] = (c * H + u) * W + v;
    for (int threads = 1; threads <= 2; threads++) {
        rn_set_threads(threads);
        rn_gemm_portable_rows(false, false, M, PIXELS, TAPS, 1.0f, A, TAPS, image, offsets, 0.0f, C_fwd,
                              PIXELS);
        rn_gemm_portable_rows(false, true, M, TAPS, PIXELS, 1.0f, A_long, PIXELS, image, offsets, 0.0f, C_dw,
                              TAPS);
        for (int i = 0; i < M; i++) {
            for (int p = 0; p < PIXELS; p++) {
                double want = 0;
                for (int t = 0; t < TAPS; t++)
                    want += (double)A[i * TAPS + t] * image[offsets[t] + p];
                assert_float_equal(C_fwd[i * PIXELS + p], want, 1e-5 * (1 + fabs(want)));
            }
            for (int t = 0; t < TAPS; t++) {
                double want = 0;
                for (int p = 0; p < PIXELS; p++)
                    want += (double)A_long[i * PIXELS + p] * image[offsets[t] + p];
                assert_float_equal(C_dw[i * TAPS + t], want, 1e-4 * (1 + fabs(want)));
            }
        }
    }
    rn_set_threads(1);
}

/* A known product, by hand: [1 2; 3 4] [5 6; 7 8] = [19 22; 43 50]. */
static void known_product(void **state)
{
    (void)state;
    const float A[4] = {1, 2, 3, 4}, B[4] = {5, 6, 7, 8};
    float C[4] = {0};
    rn_gemm_portable(false, false, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
    assert_true(C[0] == 19 && C[1] == 22 && C[2] == 43 && C[3] == 50);
    /* A^T B = [1 3; 2 4] [5 6; 7 8] = [26 30; 38 44] */
    rn_gemm_portable(true, false, 2, 2, 2, 1.0f, A, 2, B, 2, 0.0f, C, 2);
    assert_true(C[0] == 26 && C[1] == 30 && C[2] == 38 && C[3] == 44);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(known_product),
        cmocka_unit_test(portable_all_transposes_and_sizes),
        cmocka_unit_test(dispatched_all_transposes_and_sizes),
        cmocka_unit_test(large_513),
        cmocka_unit_test(long_dot_products),
        cmocka_unit_test(transposed_b_blocks),
        cmocka_unit_test(beta_zero_ignores_nan),
        cmocka_unit_test(row_offsets_all_transposes_and_sizes),
        cmocka_unit_test(overlapping_row_offsets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
