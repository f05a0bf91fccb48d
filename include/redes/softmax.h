/* softmax.h — softmax and log-softmax over the rows of a (rows, cols) matrix.
 *
 *   softmax(z)_k     = e^{z_k - m} / sum_j e^{z_j - m},    m = max_j z_j  (so e^ never overflows)
 *   log_softmax(z)_k = z_k - m - ln sum_j e^{z_j - m}
 *
 * Backward passes (they ADD into dz, as every backward does):
 *   y = softmax(z):      dz_k += y_k (dy_k - sum_j dy_j y_j)
 *   y = log_softmax(z):  dz_k += dy_k - e^{y_k} sum_j dy_j
 * Rows are independent, so large inputs are split over OpenMP threads by rows.
 */
#ifndef REDES_SOFTMAX_H
#define REDES_SOFTMAX_H

#ifdef __cplusplus
extern "C" {
#endif

void rn_softmax_rows(const float *z, float *y, int rows, int cols);
void rn_log_softmax_rows(const float *z, float *y, int rows, int cols);
void rn_softmax_rows_backward(const float *y, const float *dy, float *dz, int rows, int cols);
void rn_log_softmax_rows_backward(const float *y, const float *dy, float *dz, int rows, int cols);

#ifdef __cplusplus
}
#endif
#endif
