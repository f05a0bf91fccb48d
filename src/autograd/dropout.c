/* dropout.c — inverted dropout (Srivastava et al., 2014; the scaling at
 * training time so that evaluation is the identity, as PyTorch).
 *   y = x m / (1 - p),  m_i ~ Bernoulli(1 - p)        dx += dy m / (1 - p)
 * saved = the mask m, one byte per element (a float mask would take 4). */
#include <stdint.h>
#include <string.h>

#include "autograd/ops_internal.h"
#include "kernels/omp_for.h"

/* out[i] = in[i] * (mask[i] ? scale : 0): exactly in[i] * scale or in[i] * 0,
 * as with a float mask, and branch-free so it vectorises.  `accumulate` adds
 * into out (backward). */
static void apply_mask(const float *in, const uint8_t *mask, float scale, float *out, size_t n, bool accumulate)
{
    ptrdiff_t count = (ptrdiff_t)n;
    if (accumulate) {
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) out[i] += in[i] * ((float)mask[i] * scale);
    } else {
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) out[i] = in[i] * ((float)mask[i] * scale);
    }
}

static void dropout_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    /* dx = dy m / (1 - p) in place when the tape handed dy's buffer to x. */
    bool in_place = x->grad.data == out->grad.data;
    if (rn_var_needs_grad(x))
        apply_mask(out->grad.data, out->saved, out->scalar, x->grad.data, numel_of(x), !in_place);
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
    uint8_t *keep = rn_tape_alloc(tape, n);
    if (!keep) return NULL;
    if (mask) {
        for (size_t i = 0; i < n; i++) keep[i] = mask[i] != 0.0f;
    } else {
        /* Element i is dropped when its uniform is below p (one draw each,
         * the masks of earlier versions to the bit). */
        rn_rng_fill_bernoulli(rng, keep, n, (double)p);
        for (size_t i = 0; i < n; i++) keep[i] ^= 1;
    }
    float keep_scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
    apply_mask(x->value.data, keep, keep_scale, out->value.data, n, false);
    out->saved = keep;
    out->grad_in_place = true;
    out->scalar = keep_scale;
    return out;
}

rn_var *rn_dropout(rn_tape *tape, rn_var *x, float p, rn_rng *rng) { return dropout(tape, x, p, rng, NULL); }
rn_var *rn_dropout_mask(rn_tape *tape, rn_var *x, float p, const float *mask)
{
    if (!mask) return rn_tape_fail(tape, RN_ERR_ARGUMENT, "dropout: mask is NULL");
    return dropout(tape, x, p, NULL, mask);
}
