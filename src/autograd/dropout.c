/* dropout.c — inverted dropout (Srivastava et al., 2014; the scaling at
 * training time so that evaluation is the identity, as PyTorch).
 *   y = x m / (1 - p),  m_i ~ Bernoulli(1 - p)        dx += dy m / (1 - p)
 * saved = the scaled mask m / (1 - p). */
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/elementwise.h"

static void dropout_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (rn_var_needs_grad(x)) rn_vec_mul_acc(out->grad.data, out->saved, x->grad.data, numel_of(x));
}

static rn_var *dropout(rn_tape *tape, rn_var *x, float p, rn_rng *rng, const float *mask)
{
    if (!x) return rn__tape_record(tape, "dropout", &x, 1, NULL);
    if (!(p >= 0.0f && p <= 1.0f))
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "dropout: probability %g is outside [0, 1]", p);
    if (!rn_tape_training(tape) || p == 0.0f) return x;
    if (!rng && !mask) return rn_tape_fail(tape, RN_ERR_ARGUMENT, "dropout: no random generator");
    rn_var *out = rn_tape_op(tape, "dropout", x->value.ndim, x->value.shape, &x, 1, dropout_backward);
    if (!out) return NULL;
    size_t n = numel_of(x);
    float *scaled_mask = rn_tape_alloc(tape, n * sizeof(float));
    if (!scaled_mask) return NULL;
    float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    for (size_t i = 0; i < n; i++) {
        bool keep = mask ? mask[i] != 0.0f : rn_rng_uniform(rng) >= (double)p;
        scaled_mask[i] = keep ? keep_scale : 0.0f;
    }
    rn_vec_mul(x->value.data, scaled_mask, out->value.data, n);
    out->saved = scaled_mask;
    out->scalar = p;
    return out;
}

rn_var *rn_dropout(rn_tape *tape, rn_var *x, float p, rn_rng *rng) { return dropout(tape, x, p, rng, NULL); }
rn_var *rn_dropout_mask(rn_tape *tape, rn_var *x, float p, const float *mask)
{
    if (!mask) return rn_tape_fail(tape, RN_ERR_ARGUMENT, "dropout: mask is NULL");
    return dropout(tape, x, p, NULL, mask);
}
