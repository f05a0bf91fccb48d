/* activation.c — y = f(x) element-wise as a tape op (kernels in src/kernels/activation.c).
 *   dx += dy * f'(x)     (f' from y where that is cheaper: sigmoid, tanh, elu)
 * option = activation kind, scalar = alpha. */
#include "autograd/ops_internal.h"

static void activate_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    rn_activation kind = (rn_activation)out->option;
    if (x->grad.data == out->grad.data) /* handed over (grad_in_place): dx = dy f'(x) in place */
        rn_activation_delta(kind, out->scalar, x->value.data, out->value.data, out->grad.data, x->grad.data,
                            numel_of(x));
    else
        rn_activation_backward(kind, out->scalar, x->value.data, out->value.data, out->grad.data, x->grad.data,
                               numel_of(x));
}

rn_var *rn_activate(rn_tape *tape, rn_var *x, rn_activation kind, float alpha)
{
    const char *name = rn_activation_name(kind);
    if (!x) return rn__tape_record(tape, name, &x, 1, NULL);
    if ((int)kind < 0 || kind >= RN_ACT_COUNT)
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "activate: unknown activation %d", (int)kind);
    rn_var *out = rn_tape_op(tape, name, x->value.ndim, x->value.shape, &x, 1, activate_backward);
    if (!out) return NULL;
    out->option = (int)kind;
    out->scalar = alpha;
    out->grad_in_place = true;
    rn_activation_forward(kind, alpha, x->value.data, out->value.data, numel_of(x));
    return out;
}

rn_var *rn_sigmoid(rn_tape *tape, rn_var *x) { return rn_activate(tape, x, RN_ACT_SIGMOID, 0.0f); }
rn_var *rn_tanh(rn_tape *tape, rn_var *x) { return rn_activate(tape, x, RN_ACT_TANH, 0.0f); }
rn_var *rn_relu(rn_tape *tape, rn_var *x) { return rn_activate(tape, x, RN_ACT_RELU, 0.0f); }
