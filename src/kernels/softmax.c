/* softmax.c — row-wise softmax and log-softmax with their backward passes
 * (see include/redes/softmax.h).  Max subtraction makes e^ safe; the sums are
 * in double so long rows (vocabularies) keep float accuracy. */
#include "redes/softmax.h"

#include <math.h>
#include <stddef.h>

#include "kernels/omp_for.h"

static float row_max(const float *z, int cols)
{
    float m = z[0];
    for (int k = 1; k < cols; k++) m = z[k] > m ? z[k] : m;
    return m;
}

void rn_softmax_rows(const float *z, float *y, int rows, int cols)
{
    RN_OMP_ROWS((size_t)rows * cols * 4)
    for (int r = 0; r < rows; r++) {
        const float *zr = z + (size_t)r * cols;
        float *yr = y + (size_t)r * cols;
        float m = row_max(zr, cols);
        double sum = 0.0;
        for (int k = 0; k < cols; k++) {
            yr[k] = expf(zr[k] - m);
            sum += yr[k];
        }
        float inverse = (float)(1.0 / sum);
        RN_SIMD
        for (int k = 0; k < cols; k++) yr[k] *= inverse;
    }
}

void rn_log_softmax_rows(const float *z, float *y, int rows, int cols)
{
    RN_OMP_ROWS((size_t)rows * cols * 4)
    for (int r = 0; r < rows; r++) {
        const float *zr = z + (size_t)r * cols;
        float *yr = y + (size_t)r * cols;
        float m = row_max(zr, cols);
        double sum = 0.0;
        for (int k = 0; k < cols; k++) sum += expf(zr[k] - m);
        /* (z - m) - ln sum, not z - (m + ln sum): for large z the second
         * form would round m + ln sum to z's ulp. */
        float log_sum = (float)log(sum);
        RN_SIMD
        for (int k = 0; k < cols; k++) yr[k] = (zr[k] - m) - log_sum;
    }
}

void rn_softmax_rows_backward(const float *y, const float *dy, float *dz, int rows, int cols)
{
    RN_OMP_ROWS((size_t)rows * cols)
    for (int r = 0; r < rows; r++) {
        const float *yr = y + (size_t)r * cols, *dyr = dy + (size_t)r * cols;
        float *dzr = dz + (size_t)r * cols;
        double dot = 0.0;
        for (int k = 0; k < cols; k++) dot += (double)dyr[k] * yr[k];
        float d = (float)dot;
        RN_SIMD
        for (int k = 0; k < cols; k++) dzr[k] += yr[k] * (dyr[k] - d);
    }
}

void rn_log_softmax_rows_backward(const float *y, const float *dy, float *dz, int rows, int cols)
{
    RN_OMP_ROWS((size_t)rows * cols * 4)
    for (int r = 0; r < rows; r++) {
        const float *yr = y + (size_t)r * cols, *dyr = dy + (size_t)r * cols;
        float *dzr = dz + (size_t)r * cols;
        double sum = 0.0;
        for (int k = 0; k < cols; k++) sum += dyr[k];
        float s = (float)sum;
        for (int k = 0; k < cols; k++) dzr[k] += dyr[k] - expf(yr[k]) * s;
    }
}
