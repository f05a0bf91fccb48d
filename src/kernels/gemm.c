/* gemm.c — dispatch to OpenBLAS or the portable kernel (see gemm.h). */
#include "redes/gemm.h"

#ifdef REDES_HAVE_OPENBLAS
#include <cblas.h>
#endif

void rn_gemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha,
             const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
#ifdef REDES_HAVE_OPENBLAS
    cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
                transpose_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C,
                ldc);
#else
    rn_gemm_portable(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

const char *rn_gemm_backend(void)
{
#ifdef REDES_HAVE_OPENBLAS
    return "openblas";
#else
    return "portable";
#endif
}
