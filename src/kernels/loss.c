/* loss.c — loss values and gradients on plain arrays (see include/redes/loss.h).
 * Mean reduction as PyTorch; sums in double. */
#include "redes/loss.h"

#include <math.h>

#include "redes/softmax.h"

double rn_loss_mse(const float *prediction, const float *target, size_t n, float *grad)
{
    double sum = 0.0;
    float gscale = 2.0f / (float)n;
    for (size_t i = 0; i < n; i++) {
        float d = prediction[i] - target[i];
        sum += (double)d * d;
        if (grad) grad[i] = gscale * d;
    }
    return n ? sum / (double)n : 0.0;
}

/* PyTorch clamps ln p at -100 so that p = 0 gives a finite loss. */
static double clamped_log(double p)
{
    double l = log(p);
    return l < -100.0 ? -100.0 : l;
}

double rn_loss_bce(const float *probability, const float *target, size_t n, float *grad)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double p = probability[i], t = target[i];
        sum -= t * clamped_log(p) + (1.0 - t) * clamped_log(1.0 - p);
        if (grad) {
            /* PyTorch's derivative: (p - t) / max((1 - p) p, 1e-12). */
            double denominator = (1.0 - p) * p;
            if (denominator < 1e-12) denominator = 1e-12;
            grad[i] = (float)((p - t) / denominator / (double)n);
        }
    }
    return n ? sum / (double)n : 0.0;
}

double rn_loss_bce_with_logits(const float *logits, const float *target, size_t n, float *grad)
{
    double sum = 0.0;
    for (size_t i = 0; i < n; i++) {
        double z = logits[i], t = target[i];
        /* ln(1 + e^z) - z t, with ln(1 + e^z) = max(z, 0) + ln(1 + e^-|z|). */
        sum += (z > 0 ? z : 0.0) - z * t + log1p(exp(-fabs(z)));
        if (grad) {
            double sigma = z >= 0 ? 1.0 / (1.0 + exp(-z)) : exp(z) / (1.0 + exp(z));
            grad[i] = (float)((sigma - t) / (double)n);
        }
    }
    return n ? sum / (double)n : 0.0;
}

static rn_status check_labels(const char *who, const int *labels, int batch, int classes)
{
    for (int b = 0; b < batch; b++)
        if (labels[b] < 0 || labels[b] >= classes)
            return rn_error(RN_ERR_ARGUMENT, "%s: label %d of row %d is outside [0, %d)", who,
                            labels[b], b, classes);
    return RN_OK;
}

/* ln sum_k e^{z_k} = m + ln sum_k e^{z_k - m} with m = max_k z_k, so that no
 * e^ overflows; in double, as the sum over a long row needs it. */
static double log_sum_exp(const float *z, int classes)
{
    float m = z[0];
    for (int k = 1; k < classes; k++) m = z[k] > m ? z[k] : m;
    double partition = 0.0;
    for (int k = 0; k < classes; k++) partition += exp((double)z[k] - m);
    return m + log(partition);
}

/* L = (1/B) sum_b [ln sum_k e^{z_bk} - z_{b,c_b}],
 * dL/dz_bk = (softmax(z_b)_k - [k = c_b]) / B. */
rn_status rn_loss_cross_entropy(const float *logits, const int *labels, int batch, int classes,
                                double *loss, float *grad)
{
    RN_CHECK(check_labels("cross_entropy", labels, batch, classes));
    double sum = 0.0;
    for (int b = 0; b < batch; b++) {
        const float *z = logits + (size_t)b * classes;
        double log_partition = log_sum_exp(z, classes);
        sum += log_partition - z[labels[b]];
        if (grad) {
            float *g = grad + (size_t)b * classes;
            for (int k = 0; k < classes; k++)
                g[k] = (float)(exp((double)z[k] - log_partition) / batch);
            g[labels[b]] -= 1.0f / (float)batch;
        }
    }
    *loss = batch ? sum / batch : 0.0;
    return RN_OK;
}

rn_status rn_loss_nll(const float *log_probabilities, const int *labels, int batch, int classes,
                      double *loss, float *grad)
{
    RN_CHECK(check_labels("nll", labels, batch, classes));
    double sum = 0.0;
    for (int b = 0; b < batch; b++) {
        sum -= log_probabilities[(size_t)b * classes + labels[b]];
        if (grad) {
            float *g = grad + (size_t)b * classes;
            for (int k = 0; k < classes; k++) g[k] = 0.0f;
            g[labels[b]] = -1.0f / (float)batch;
        }
    }
    *loss = batch ? sum / batch : 0.0;
    return RN_OK;
}
