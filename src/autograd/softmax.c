/* softmax.c — softmax and log-softmax over the last dimension as tape ops
 * (kernels and backward formulas in src/kernels/softmax.c, softmax.h). */
#include "autograd/ops_internal.h"
#include "redes/softmax.h"

static void softmax_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    int cols = x->value.shape[x->value.ndim - 1];
    int rows = cols ? (int)(numel_of(x) / (size_t)cols) : 0;
    if (out->option)
        rn_log_softmax_rows_backward(out->value.data, out->grad.data, x->grad.data, rows, cols);
    else
        rn_softmax_rows_backward(out->value.data, out->grad.data, x->grad.data, rows, cols);
}

static rn_var *softmax_op(rn_tape *tape, rn_var *x, bool log_space)
{
    const char *name = log_space ? "log_softmax" : "softmax";
    if (!x) return rn__tape_record(tape, name, &x, 1, NULL);
    int cols = x->value.shape[x->value.ndim - 1];
    if (cols < 1) return rn_tape_fail(tape, RN_ERR_SHAPE, "%s: last dimension is empty", name);
    rn_var *out = rn_tape_op(tape, name, x->value.ndim, x->value.shape, &x, 1, softmax_backward);
    if (!out) return NULL;
    out->option = log_space;
    int rows = (int)(numel_of(x) / (size_t)cols);
    if (log_space)
        rn_log_softmax_rows(x->value.data, out->value.data, rows, cols);
    else
        rn_softmax_rows(x->value.data, out->value.data, rows, cols);
    return out;
}

rn_var *rn_softmax(rn_tape *tape, rn_var *x) { return softmax_op(tape, x, false); }
rn_var *rn_log_softmax(rn_tape *tape, rn_var *x) { return softmax_op(tape, x, true); }
