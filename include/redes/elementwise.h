/* elementwise.h — element-wise and reduction kernels on contiguous float arrays.
 *
 * The loops under the autograd ops, usable directly by models that need no
 * gradients.  Written so the compiler vectorises them (restrict pointers, unit
 * stride, no branches in the body); OpenMP only above RN_PARALLEL_MIN_ELEMENTS.
 * Reductions accumulate in double, so results do not depend on the thread
 * count beyond the last bit of the float result.
 *
 * Naming: y is written, `_acc` variants add into their output (y += ...),
 * which is what backward passes need.
 */
#ifndef REDES_ELEMENTWISE_H
#define REDES_ELEMENTWISE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* y = a + b, y = a - b, y = a * b, y = a / b (all length n; y may alias a or b). */
void rn_vec_add(const float *a, const float *b, float *y, size_t n);
void rn_vec_sub(const float *a, const float *b, float *y, size_t n);
void rn_vec_mul(const float *a, const float *b, float *y, size_t n);
void rn_vec_div(const float *a, const float *b, float *y, size_t n);
/* y = s * x + c  (scale and shift; y may alias x). */
void rn_vec_affine(const float *x, float s, float c, float *y, size_t n);
/* y += s * x  (axpy). */
void rn_vec_axpy(float s, const float *x, float *y, size_t n);
/* y += a * b. */
void rn_vec_mul_acc(const float *a, const float *b, float *y, size_t n);
void rn_vec_fill(float *y, float value, size_t n);

/* Sum, maximum, index of the maximum (first one), dot product; n > 0 for max/argmax. */
double rn_vec_sum(const float *x, size_t n);
float rn_vec_max(const float *x, size_t n);
size_t rn_vec_argmax(const float *x, size_t n);
double rn_vec_dot(const float *a, const float *b, size_t n);

/* Row-wise broadcasting on a (rows, cols) matrix:
 *   rn_rows_add_vector:  Y[r][c] = X[r][c] + v[c]   (bias add; Y may alias X)
 *   rn_rows_sum_acc:     s[c]   += sum_r X[r][c]    (bias gradient) */
void rn_rows_add_vector(const float *x, const float *v, float *y, int rows, int cols);
void rn_rows_sum_acc(const float *x, float *s, int rows, int cols);

#ifdef __cplusplus
}
#endif
#endif
