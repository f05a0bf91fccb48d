/* loss.h — loss functions and their gradients on plain float arrays.
 *
 * Each function returns the loss averaged as PyTorch's reduction='mean' does
 * and, when `grad` is not NULL, WRITES dL/d(input) into grad (same length as
 * the input).  Sums are accumulated in double.  The autograd ops
 * (rn_mse_loss, rn_cross_entropy_loss, ... in autograd.h) use these.
 *
 *   mean squared error      L = 1/n sum_i (y_i - t_i)^2          dL/dy_i = 2 (y_i - t_i) / n
 *   binary cross-entropy    L = -1/n sum_i [t_i ln p_i + (1 - t_i) ln(1 - p_i)]
 *     on probabilities p    dL/dp_i = (p_i - t_i) / (p_i (1 - p_i) n)   (ln clamped at -100 as PyTorch)
 *     with logits z         p = sigmoid(z):  L = 1/n sum_i [max(z,0) - z t + ln(1 + e^-|z|)]
 *                           dL/dz_i = (sigmoid(z_i) - t_i) / n
 *   categorical CE, logits  z is (B, C), labels c_b in [0, C):
 *                           L = -1/B sum_b ln softmax(z_b)_{c_b} = 1/B sum_b [logsumexp(z_b) - z_{b,c_b}]
 *                           dL/dz_{b,k} = (softmax(z_b)_k - [k == c_b]) / B
 *   negative log-likelihood z already holds log-probabilities (B, C):
 *                           L = -1/B sum_b z_{b,c_b}        dL/dz_{b,k} = -[k == c_b] / B
 *
 * Labels outside [0, C) make the class losses return RN_ERR_ARGUMENT with the
 * offending row and value in the message; the value in *loss is then undefined.
 */
#ifndef REDES_LOSS_H
#define REDES_LOSS_H

#include <stddef.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

double rn_loss_mse(const float *prediction, const float *target, size_t n, float *grad);
/* Probabilities in [0, 1] (e.g. after a sigmoid). */
double rn_loss_bce(const float *probability, const float *target, size_t n, float *grad);
/* Logits (numerically stable; prefer this one for training). */
double rn_loss_bce_with_logits(const float *logits, const float *target, size_t n, float *grad);

/* logits is (batch, classes), row-major; labels has `batch` entries. */
rn_status rn_loss_cross_entropy(const float *logits, const int *labels, int batch, int classes,
                                double *loss, float *grad);
rn_status rn_loss_nll(const float *log_probabilities, const int *labels, int batch, int classes,
                      double *loss, float *grad);

#ifdef __cplusplus
}
#endif
#endif
