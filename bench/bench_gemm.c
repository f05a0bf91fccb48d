/* bench_gemm.c — GFLOP/s of the portable blocked GEMM against OpenBLAS.
 *
 *   build/bench/bench_gemm [repeats]
 *
 * For each shape: the median over `repeats` runs (default 15) of the time of
 * one C = A B (or the transposes the MLP's backward pass uses), as GFLOP/s =
 * 2 M N K / time.  The first line estimates the machine's peak:
 *   cores x GHz x (FMA units per core) x (floats per vector) x 2 flops per FMA
 * from /proc/cpuinfo (cores, MHz) and the compiler's target (vector width);
 * the FMA unit count is an assumption (2 on server x86 since Haswell). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "redes/redes.h"

typedef void gemm_fn(bool, bool, int, int, int, float, const float *, int, const float *, int, float, float *,
                     int);

/* OpenBLAS itself, even when rn_gemm chose the portable kernel.  Declared here
 * (CBLAS's row-major/transpose codes are 101 and 111/112) and weak, so that
 * the benchmark still builds and runs without OpenBLAS. */
void cblas_sgemm(int order, int transpose_a, int transpose_b, int M, int N, int K, float alpha,
                 const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
    __attribute__((weak));

static void openblas_gemm(bool ta, bool tb, int M, int N, int K, float alpha, const float *A, int lda,
                          const float *B, int ldb, float beta, float *C, int ldc)
{
    cblas_sgemm(101, ta ? 112 : 111, tb ? 112 : 111, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

static double median_seconds(gemm_fn *gemm, bool ta, bool tb, int M, int N, int K, const float *A,
                             const float *B, float *C, int repeats)
{
    double times[101];
    if (repeats > 101) repeats = 101;
    gemm(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N); /* warm up */
    for (int r = 0; r < repeats; r++) {
        /* Small shapes: time a batch of calls so the clock's resolution does not matter. */
        int calls = (long)M * N * K < (1L << 22) ? 20 : 1;
        double start = rn_seconds();
        for (int c = 0; c < calls; c++)
            gemm(ta, tb, M, N, K, 1.0f, A, ta ? M : K, B, tb ? K : N, 0.0f, C, N);
        times[r] = (rn_seconds() - start) / calls;
    }
    qsort(times, (size_t)repeats, sizeof(double), bench_compare_doubles);
    return times[repeats / 2];
}

static double cpu_mhz(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    double mhz = 0.0;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, "cpu MHz", 7) == 0 && sscanf(strchr(line, ':') + 1, "%lf", &mhz) == 1) break;
    if (f) fclose(f);
    return mhz;
}

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 15;
    if (repeats < 1) repeats = 1;
#if defined(__AVX512F__)
    int vector_floats = 16;
#elif defined(__AVX__)
    int vector_floats = 8;
#else
    int vector_floats = 4;
#endif
    int threads = rn_threads();
    double ghz = cpu_mhz() / 1000.0;
    double peak = threads * ghz * 2 * vector_floats * 2;
    printf("# gemm: %d threads, %.2f GHz (cpuinfo), %d-float vectors, 2 FMA units assumed\n", threads, ghz,
           vector_floats);
    printf("# peak estimate = threads x GHz x 2 FMA x %d floats x 2 flops = %.0f GFLOP/s\n", vector_floats,
           peak);
    printf("# backend of rn_gemm: %s; median of %d runs\n", rn_gemm_backend(), repeats);
    printf("%-22s %10s %10s %8s\n", "shape (ta tb M N K)", "portable", "openblas", "ratio");

    static const struct {
        bool ta, tb;
        int M, N, K;
        const char *what;
    } shapes[] = {
        {false, false, 64, 256, 784, "MLP fwd 784->256"},
        {false, true, 64, 784, 256, "MLP dX"},
        {true, false, 784, 256, 64, "MLP dW"},
        {false, false, 64, 10, 256, "MLP fwd 256->10"},
        {false, false, 6, 784, 25, "LeNet conv1 im2col"},
        {false, false, 16, 100, 150, "LeNet conv2 im2col"},
        {false, false, 256, 256, 256, "square 256"},
        {false, false, 1024, 1024, 1024, "square 1024"},
    };
    size_t largest = 1024 * 1024;
    float *A = malloc(largest * sizeof(float)), *B = malloc(largest * sizeof(float)),
          *C = malloc(largest * sizeof(float));
    if (!A || !B || !C) return 1;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_rng_fill_uniform(&rng, A, largest, -1, 1);
    rn_rng_fill_uniform(&rng, B, largest, -1, 1);
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        int M = shapes[s].M, N = shapes[s].N, K = shapes[s].K;
        double flops = 2.0 * M * N * K;
        double portable =
            median_seconds(rn_gemm_portable, shapes[s].ta, shapes[s].tb, M, N, K, A, B, C, repeats);
        double blas = !cblas_sgemm ? NAN
                                   : median_seconds(openblas_gemm, shapes[s].ta, shapes[s].tb, M, N, K, A, B,
                                                    C, repeats);
        char label[64];
        snprintf(label, sizeof label, "%c%c %dx%dx%d", shapes[s].ta ? 'T' : 'N', shapes[s].tb ? 'T' : 'N', M,
                 N, K);
        printf("%-22s %10.1f %10.1f %8.2f   %s\n", label, flops / portable * 1e-9, flops / blas * 1e-9,
               blas / portable, shapes[s].what);
    }
    printf("# GFLOP/s; ratio = openblas time / portable time (> 1: portable faster)\n");
    free(A);
    free(B);
    free(C);
    return 0;
}
