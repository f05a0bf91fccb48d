/* gemm.c — dispatch to OpenBLAS or the portable kernel (see gemm.h).
 *
 * OpenBLAS picks its kernels at run time from the CPU it detects.  In some
 * virtual machines the detection fails and it falls back to "Prescott" (SSE3)
 * kernels, which run at a third of the speed of our AVX-512 portable kernel
 * (bench/bench_gemm.c on the 2-core Sapphire Rapids VM we develop on: 47 vs
 * 196 GFLOP/s at 1024^3).  So when this build targets AVX2 or better and
 * OpenBLAS reports a core without AVX2 kernels, rn_gemm uses the portable
 * kernel.  OPENBLAS_CORETYPE=SkylakeX (say) overrides the detection, and then
 * OpenBLAS is used again. */
#include "redes/gemm.h"

#include <stdbool.h>
#include <string.h>

#ifdef REDES_HAVE_OPENBLAS
#include <cblas.h>

/* true when OpenBLAS runs kernels older than the ones this build could use. */
static bool openblas_is_slower(void)
{
#if defined(__AVX2__)
    static const char *const pre_avx2[] = {"prescott",    "core2",   "penryn",    "dunnington", "nehalem",
                                           "sandybridge", "atom",    "katmai",    "coppermine", "northwood",
                                           "banias",      "opteron", "barcelona", "bobcat",     "bulldozer",
                                           "piledriver",  "unknown"};
    const char *core = openblas_get_corename();
    for (size_t i = 0; core && i < sizeof pre_avx2 / sizeof pre_avx2[0]; i++)
        if (strcasecmp(core, pre_avx2[i]) == 0) return true;
#endif
    return false;
}

static int use_openblas = -1; /* -1: not decided yet */

static bool openblas_chosen(void)
{
    if (use_openblas < 0) use_openblas = !openblas_is_slower(); /* idempotent: a race is harmless */
    return use_openblas;
}
#endif

void rn_gemm(bool transpose_a, bool transpose_b, int M, int N, int K, float alpha, const float *A, int lda,
             const float *B, int ldb, float beta, float *C, int ldc)
{
#ifdef REDES_HAVE_OPENBLAS
    if (openblas_chosen()) {
        cblas_sgemm(CblasRowMajor, transpose_a ? CblasTrans : CblasNoTrans,
                    transpose_b ? CblasTrans : CblasNoTrans, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
#endif
    rn_gemm_portable(transpose_a, transpose_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

const char *rn_gemm_backend(void)
{
#ifdef REDES_HAVE_OPENBLAS
    return openblas_chosen() ? "openblas" : "portable (OpenBLAS detected an older core)";
#else
    return "portable";
#endif
}
