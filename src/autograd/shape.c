/* shape.c — reshape, transpose, concat and slice.
 *
 * Values on the tape are contiguous, so reshape is free (the output shares
 * the input's memory) while transpose, concat and slice copy.  Every backward
 * pass routes the gradient back to where each element came from:
 *   reshape:    dx += dy (same memory order; usually dx IS dy, see grad_in_place)
 *   transpose:  dx += dy^T
 *   concat:     dx_j += dy[block j]
 *   slice:      dx[start : start+length] += dy
 */
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/elementwise.h"

static void reshape_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    /* Same buffer (handed over, rn_var.grad_in_place): dx = dy already. */
    if (rn_var_needs_grad(x) && x->grad.data != out->grad.data)
        rn_vec_axpy(1.0f, out->grad.data, x->grad.data, numel_of(x));
}

rn_var *rn_reshape(rn_tape *tape, rn_var *x, int ndim, const int *shape)
{
    if (!x) return rn__tape_record(tape, "reshape", &x, 1, NULL);
    rn_tensor view;
    if (rn_tensor_reshape(&x->value, ndim, shape, &view) != RN_OK)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "%s", rn_error_message());
    rn_var *out = rn__tape_record(tape, "reshape", &x, 1, reshape_backward);
    if (!out) return NULL;
    out->value = view;
    out->grad_in_place = true;
    return out;
}

/* Walks a strided view (up to 4-D, padded at the front) in row-major order:
 * add = true:  view[k] += flat[k];   add = false:  flat[k] = view[k]. */
static void strided_walk(const rn_tensor *view, float *flat, bool add)
{
    int shape[4] = {1, 1, 1, 1};
    ptrdiff_t stride[4] = {0, 0, 0, 0};
    int offset = 4 - view->ndim;
    for (int d = 0; d < view->ndim; d++) {
        shape[offset + d] = view->shape[d];
        stride[offset + d] = view->stride[d];
    }
    size_t k = 0;
    for (int a = 0; a < shape[0]; a++)
        for (int b = 0; b < shape[1]; b++)
            for (int c = 0; c < shape[2]; c++) {
                float *row = view->data + a * stride[0] + b * stride[1] + c * stride[2];
                if (add)
                    for (int e = 0; e < shape[3]; e++) row[e * stride[3]] += flat[k++];
                else
                    for (int e = 0; e < shape[3]; e++) flat[k++] = row[e * stride[3]];
            }
}

static void transpose_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    rn_tensor dx_view; /* dx seen with out's shape */
    rn_tensor_transpose(&x->grad, out->option >> 8, out->option & 0xff, &dx_view);
    strided_walk(&dx_view, out->grad.data, true);
}

rn_var *rn_transpose(rn_tape *tape, rn_var *x, int dim0, int dim1)
{
    if (!x) return rn__tape_record(tape, "transpose", &x, 1, NULL);
    int d0 = resolve_dim(dim0, x->value.ndim), d1 = resolve_dim(dim1, x->value.ndim);
    if (d0 < 0 || d1 < 0) {
        char s[64];
        return rn_tape_fail(tape, RN_ERR_SHAPE, "transpose: dimensions %d, %d out of range for %s",
                            dim0, dim1, shape_of(x, s, sizeof s));
    }
    rn_tensor view;
    rn_tensor_transpose(&x->value, d0, d1, &view);
    rn_var *out = rn_tape_op(tape, "transpose", view.ndim, view.shape, &x, 1, transpose_backward);
    if (!out) return NULL;
    strided_walk(&view, out->value.data, false);
    out->option = (d0 << 8) | d1;
    return out;
}

/* ------------------------------------------------------------------ concat */

static void concat_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    int dim = out->option;
    size_t outer, inner;
    int total;
    split_at_dim(&out->value, dim, &outer, &total, &inner);
    size_t offset = 0; /* along dim, times inner */
    for (int j = 0; j < out->n_inputs; j++) {
        rn_var *x = out->inputs[j];
        size_t block = (size_t)x->value.shape[dim] * inner;
        if (rn_var_needs_grad(x))
            for (size_t o = 0; o < outer; o++)
                rn_vec_axpy(1.0f, out->grad.data + o * total * inner + offset, x->grad.data + o * block,
                            block);
        offset += block;
    }
}

rn_var *rn_concat(rn_tape *tape, rn_var *const *inputs, int n_inputs, int dim)
{
    if (n_inputs < 1) return rn_tape_fail(tape, RN_ERR_ARGUMENT, "concat: no inputs");
    for (int j = 0; j < n_inputs; j++)
        if (!inputs[j]) return rn__tape_record(tape, "concat", inputs, n_inputs, NULL);
    const rn_tensor *first = &inputs[0]->value;
    int d = resolve_dim(dim, first->ndim);
    if (d < 0)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "concat: dimension %d out of range for %d-D inputs",
                            dim, first->ndim);
    int shape[RN_MAX_DIMS];
    memcpy(shape, first->shape, sizeof shape);
    shape[d] = 0;
    for (int j = 0; j < n_inputs; j++) {
        const rn_tensor *t = &inputs[j]->value;
        bool fits = t->ndim == first->ndim;
        for (int k = 0; fits && k < t->ndim; k++) fits = k == d || t->shape[k] == first->shape[k];
        if (!fits) {
            char s0[64], sj[64];
            return rn_tape_fail(tape, RN_ERR_SHAPE,
                                "concat: input 0 is %s, input %d is %s: all dimensions but %d "
                                "must agree",
                                shape_of(inputs[0], s0, sizeof s0), j, shape_of(inputs[j], sj, sizeof sj), d);
        }
        shape[d] += t->shape[d];
    }
    rn_var *out = rn_tape_op(tape, "concat", first->ndim, shape, inputs, n_inputs, concat_backward);
    if (!out) return NULL;
    out->option = d;
    size_t outer, inner;
    int total;
    split_at_dim(&out->value, d, &outer, &total, &inner);
    size_t offset = 0;
    for (int j = 0; j < n_inputs; j++) {
        size_t block = (size_t)inputs[j]->value.shape[d] * inner;
        for (size_t o = 0; o < outer; o++)
            memcpy(out->value.data + o * total * inner + offset, inputs[j]->value.data + o * block,
                   block * sizeof(float));
        offset += block;
    }
    return out;
}

/* ------------------------------------------------------------------ slice */

static void slice_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    rn_tensor dx_view;
    const int *start = out->saved;
    rn_tensor_slice(&x->grad, out->option, *start, out->value.shape[out->option], &dx_view);
    strided_walk(&dx_view, out->grad.data, true);
}

rn_var *rn_slice(rn_tape *tape, rn_var *x, int dim, int start, int length)
{
    if (!x) return rn__tape_record(tape, "slice", &x, 1, NULL);
    int d = resolve_dim(dim, x->value.ndim);
    char s[64];
    if (d < 0 || start < 0 || length < 0 || start + length > x->value.shape[d])
        return rn_tape_fail(tape, RN_ERR_SHAPE, "slice: [%d, %d) along dimension %d of %s is out of range",
                            start, start + length, dim, shape_of(x, s, sizeof s));
    rn_tensor view;
    rn_tensor_slice(&x->value, d, start, length, &view);
    rn_var *out = rn_tape_op(tape, "slice", view.ndim, view.shape, &x, 1, slice_backward);
    if (!out) return NULL;
    strided_walk(&view, out->value.data, false);
    out->option = d;
    if (out->backward) {
        int *saved = rn_tape_alloc(tape, sizeof *saved);
        if (!saved) return NULL;
        *saved = start;
        out->saved = saved;
    }
    return out;
}

/* ------------------------------------------------------------------ detach */

rn_var *rn_detach(rn_tape *tape, rn_var *x)
{
    if (!x) return rn__tape_record(tape, "detach", &x, 1, NULL);
    rn_var *out = rn__tape_record(tape, "detach", &x, 1, NULL);
    if (!out) return NULL;
    out->value = x->value;
    out->value.owns_data = false;
    out->requires_grad = false;
    out->backward = NULL;
    out->n_inputs = 0;
    return out;
}
