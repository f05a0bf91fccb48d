/* loss.c — scalar losses as tape ops (values from src/kernels/loss.c).
 * g = dL (the upstream gradient of the scalar, 1 when the loss is the root).
 *   mse:              dy += g 2 (y - t) / n,          dt -= the same
 *   bce with logits:  dz += g (sigmoid(z) - t) / n,   dt += g (-z) / n
 *   cross-entropy:    dz_b += g (softmax(z_b) - onehot(c_b)) / B   (saved in forward: fused)
 *   nll:              dz_{b, c_b} += -g / B
 */
#include <math.h>
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/elementwise.h"
#include "redes/loss.h"

static void mse_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *y = out->inputs[0], *t = out->inputs[1];
    size_t n = numel_of(y);
    float g = out->grad.data[0] * 2.0f / (float)n;
    const float *vy = y->value.data, *vt = t->value.data;
    float *dy = rn_var_needs_grad(y) ? y->grad.data : NULL;
    float *dt = rn_var_needs_grad(t) ? t->grad.data : NULL;
    for (size_t i = 0; i < n; i++) {
        float d = g * (vy[i] - vt[i]);
        if (dy) dy[i] += d;
        if (dt) dt[i] -= d;
    }
}

static bool same_shape_or_fail(rn_tape *tape, const char *name, rn_var *a, rn_var *b)
{
    if (rn_tensor_same_shape(&a->value, &b->value)) return true;
    char sa[64], sb[64];
    rn_tape_fail(tape, RN_ERR_SHAPE, "%s: prediction is %s but target is %s", name,
                 shape_of(a, sa, sizeof sa), shape_of(b, sb, sizeof sb));
    return false;
}

static const int scalar_shape[1] = {1};

rn_var *rn_mse_loss(rn_tape *tape, rn_var *prediction, rn_var *target)
{
    rn_var *inputs[2] = {prediction, target};
    if (!prediction || !target) return rn__tape_record(tape, "mse_loss", inputs, 2, NULL);
    if (!same_shape_or_fail(tape, "mse_loss", prediction, target)) return NULL;
    rn_var *out = rn_tape_op(tape, "mse_loss", 1, scalar_shape, inputs, 2, mse_backward);
    if (!out) return NULL;
    out->value.data[0] =
        (float)rn_loss_mse(prediction->value.data, target->value.data, numel_of(prediction), NULL);
    return out;
}

static void bce_logits_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *z = out->inputs[0], *t = out->inputs[1];
    size_t n = numel_of(z);
    float g = out->grad.data[0] / (float)n;
    const float *vz = z->value.data, *vt = t->value.data;
    float *dz = rn_var_needs_grad(z) ? z->grad.data : NULL;
    float *dt = rn_var_needs_grad(t) ? t->grad.data : NULL;
    for (size_t i = 0; i < n; i++) {
        float e = expf(-fabsf(vz[i]));
        float sigma = vz[i] >= 0.0f ? 1.0f / (1.0f + e) : e / (1.0f + e);
        if (dz) dz[i] += g * (sigma - vt[i]);
        if (dt) dt[i] -= g * vz[i];
    }
}

rn_var *rn_bce_with_logits_loss(rn_tape *tape, rn_var *logits, rn_var *target)
{
    rn_var *inputs[2] = {logits, target};
    if (!logits || !target) return rn__tape_record(tape, "bce_with_logits_loss", inputs, 2, NULL);
    if (!same_shape_or_fail(tape, "bce_with_logits_loss", logits, target)) return NULL;
    rn_var *out = rn_tape_op(tape, "bce_with_logits_loss", 1, scalar_shape, inputs, 2,
                             bce_logits_backward);
    if (!out) return NULL;
    out->value.data[0] = (float)rn_loss_bce_with_logits(logits->value.data, target->value.data,
                                                        numel_of(logits), NULL);
    return out;
}

/* saved = dL/dz for g = 1, (B, C), computed with the loss in one pass. */
static void cross_entropy_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *z = out->inputs[0];
    if (rn_var_needs_grad(z)) rn_vec_axpy(out->grad.data[0], out->saved, z->grad.data, numel_of(z));
}

static bool class_shape_or_fail(rn_tape *tape, const char *name, rn_var *z)
{
    if (z->value.ndim == 2 && z->value.shape[1] > 0) return true;
    char s[64];
    rn_tape_fail(tape, RN_ERR_SHAPE, "%s: input must be (batch, classes), got %s", name,
                 shape_of(z, s, sizeof s));
    return false;
}

rn_var *rn_cross_entropy_loss(rn_tape *tape, rn_var *logits, const int *labels)
{
    if (!logits) return rn__tape_record(tape, "cross_entropy_loss", &logits, 1, NULL);
    if (!class_shape_or_fail(tape, "cross_entropy_loss", logits)) return NULL;
    rn_var *out = rn_tape_op(tape, "cross_entropy_loss", 1, scalar_shape, &logits, 1,
                             cross_entropy_backward);
    if (!out) return NULL;
    int batch = logits->value.shape[0], classes = logits->value.shape[1];
    float *grad = NULL;
    if (out->backward) {
        grad = rn_tape_alloc(tape, numel_of(logits) * sizeof(float));
        if (!grad) return NULL;
        out->saved = grad;
    }
    double loss;
    rn_status status = rn_loss_cross_entropy(logits->value.data, labels, batch, classes, &loss, grad);
    if (status != RN_OK) return rn_tape_fail(tape, status, "%s", rn_error_message());
    out->value.data[0] = (float)loss;
    return out;
}

/* saved = the labels (copied). */
static void nll_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *z = out->inputs[0];
    if (!rn_var_needs_grad(z)) return;
    const int *labels = out->saved;
    int batch = z->value.shape[0], classes = z->value.shape[1];
    float g = -out->grad.data[0] / (float)batch;
    for (int b = 0; b < batch; b++) z->grad.data[(size_t)b * classes + labels[b]] += g;
}

rn_var *rn_nll_loss(rn_tape *tape, rn_var *log_probs, const int *labels)
{
    if (!log_probs) return rn__tape_record(tape, "nll_loss", &log_probs, 1, NULL);
    if (!class_shape_or_fail(tape, "nll_loss", log_probs)) return NULL;
    int batch = log_probs->value.shape[0], classes = log_probs->value.shape[1];
    double loss;
    rn_status status = rn_loss_nll(log_probs->value.data, labels, batch, classes, &loss, NULL);
    if (status != RN_OK) return rn_tape_fail(tape, status, "%s", rn_error_message());
    rn_var *out = rn_tape_op(tape, "nll_loss", 1, scalar_shape, &log_probs, 1, nll_backward);
    if (!out) return NULL;
    out->value.data[0] = (float)loss;
    if (out->backward) {
        int *saved = rn_tape_alloc(tape, (size_t)batch * sizeof(int));
        if (!saved) return NULL;
        memcpy(saved, labels, (size_t)batch * sizeof(int));
        out->saved = saved;
    }
    return out;
}
