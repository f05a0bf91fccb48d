/* gemm_portable.c — a plain GEMM that builds anywhere (see gemm.h).
 * Placeholder-simple loop order (i, k, j) so the inner loop is contiguous in
 * B and C; the blocked, vectorised version replaces it. */
#include "redes/gemm.h"

void rn_gemm_portable(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
                      const float *A, int lda, const float *B, int ldb, float beta, float *C,
                      int ldc)
{
    for (int i = 0; i < M; i++) {
        float *c = C + (long)i * ldc;
        for (int j = 0; j < N; j++) c[j] = beta == 0.0f ? 0.0f : beta * c[j];
        for (int k = 0; k < K; k++) {
            float a = alpha * (transpose_a ? A[(long)k * lda + i] : A[(long)i * lda + k]);
            if (transpose_b)
                for (int j = 0; j < N; j++) c[j] += a * B[(long)j * ldb + k];
            else
                for (int j = 0; j < N; j++) c[j] += a * B[(long)k * ldb + j];
        }
    }
}
