/* gemm.h — general matrix multiply, the kernel under every dense layer.
 *
 *   C = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T
 *
 * Row-major throughout: A is M x K after op (so lda >= K when not transposed,
 * lda >= M when transposed), B is K x N after op, C is M x N with ldc >= N.
 * rn_gemm uses OpenBLAS when the build has it (unless OpenBLAS detected a CPU
 * older than the build targets, see gemm.c), else the portable kernel.
 * rn_gemm_portable is always compiled: it is the fallback and a test oracle.
 */
#ifndef REDES_GEMM_H
#define REDES_GEMM_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

void rn_gemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
             const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

void rn_gemm_portable(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
                      const float *A, int lda, const float *B, int ldb, float beta, float *C,
                      int ldc);

/* The portable product with B given row by row: row r of the stored B (r < K
 * when B is not transposed, r < N when it is) starts at B + b_rows[r] (rows
 * may overlap).  This is an implicit GEMM: a stride-1 convolution reads its
 * im2col matrix straight from the (padded) image, each row being the image
 * shifted by one kernel tap (see conv.c), instead of copying it out. */
void rn_gemm_portable_rows(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
                           const float *A, int lda, const float *B, const int *b_rows, float beta, float *C,
                           int ldc);

/* "openblas", or "portable" (with the reason when OpenBLAS is linked but not used). */
const char *rn_gemm_backend(void);

#ifdef __cplusplus
}
#endif
#endif
