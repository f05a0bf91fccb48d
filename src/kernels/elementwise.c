/* elementwise.c — element-wise and reduction loops (see include/redes/elementwise.h). */
#include "redes/elementwise.h"

#include <stddef.h>

#include "kernels/omp_for.h"

#ifdef _OPENMP
#define RN_PRAGMA_SUM _Pragma("omp simd reduction(+ : sum)")
#else
#define RN_PRAGMA_SUM
#endif

void rn_vec_add(const float *a, const float *b, float *y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] = a[i] + b[i];
}

void rn_vec_sub(const float *a, const float *b, float *y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] = a[i] - b[i];
}

void rn_vec_mul(const float *a, const float *b, float *y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] = a[i] * b[i];
}

void rn_vec_div(const float *a, const float *b, float *y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] = a[i] / b[i];
}

void rn_vec_affine(const float *x, float s, float c, float *y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] = s * x[i] + c;
}

void rn_vec_axpy(float s, const float *restrict x, float *restrict y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] += s * x[i];
}

void rn_vec_mul_acc(const float *restrict a, const float *restrict b, float *restrict y, size_t n)
{
    RN_OMP_FOR(n)
    for (ptrdiff_t i = 0; i < (ptrdiff_t)n; i++) y[i] += a[i] * b[i];
}

void rn_vec_fill(float *y, float value, size_t n)
{
    RN_SIMD
    for (size_t i = 0; i < n; i++) y[i] = value;
}

double rn_vec_sum(const float *x, size_t n)
{
    double sum = 0.0;
    RN_PRAGMA_SUM
    for (size_t i = 0; i < n; i++) sum += x[i];
    return sum;
}

float rn_vec_max(const float *x, size_t n)
{
    float m = x[0];
    for (size_t i = 1; i < n; i++) m = x[i] > m ? x[i] : m;
    return m;
}

size_t rn_vec_argmax(const float *x, size_t n)
{
    size_t best = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[best]) best = i;
    return best;
}

double rn_vec_dot(const float *a, const float *b, size_t n)
{
    double sum = 0.0;
    RN_PRAGMA_SUM
    for (size_t i = 0; i < n; i++) sum += (double)a[i] * b[i];
    return sum;
}

void rn_rows_add_vector(const float *x, const float *v, float *y, int rows, int cols)
{
    RN_OMP_ROWS((size_t)rows * cols)
    for (int r = 0; r < rows; r++) {
        const float *xr = x + (size_t)r * cols;
        float *yr = y + (size_t)r * cols;
        RN_SIMD
        for (int c = 0; c < cols; c++) yr[c] = xr[c] + v[c];
    }
}

void rn_rows_sum_acc(const float *x, float *s, int rows, int cols)
{
    /* Rows outer, columns inner: unit stride, vectorised across columns.
     * Float accumulation over rows (<= a few thousand) keeps ~1e-6 relative. */
    for (int r = 0; r < rows; r++) {
        const float *restrict xr = x + (size_t)r * cols;
        RN_SIMD
        for (int c = 0; c < cols; c++) s[c] += xr[c];
    }
}
