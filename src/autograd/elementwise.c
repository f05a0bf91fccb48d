/* elementwise.c — a + b, a - b, a * b, a / b with broadcasting, and the unary
 * element-wise ops (scale, shift, exp, log, square, sqrt).
 *
 * Broadcasting as NumPy/PyTorch: shapes aligned at the right, each dimension
 * equal or 1.  Both operands are walked with 4-D strides where a broadcast
 * dimension has stride 0; the backward pass walks the same index space and
 * ADDS, so the sum over broadcast dimensions happens by itself.
 *   y = a + b:  da += dy,      db += dy
 *   y = a - b:  da += dy,      db -= dy
 *   y = a * b:  da += dy b,    db += dy a
 *   y = a / b:  da += dy / b,  db -= dy a / b^2 = dy y / b
 */
#include <math.h>
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/elementwise.h"

typedef enum binary_kind { BINARY_ADD, BINARY_SUB, BINARY_MUL, BINARY_DIV } binary_kind;
static const char *const binary_names[] = {"add", "sub", "mul", "div"};

/* Output shape and per-operand strides, padded to 4 dimensions. */
typedef struct broadcast {
    int shape[4];
    ptrdiff_t stride_a[4], stride_b[4];
    bool same_shape;
} broadcast;

static void padded_strides(const rn_tensor *t, const int *out_shape, ptrdiff_t *stride)
{
    int offset = 4 - t->ndim;
    ptrdiff_t s = 1;
    for (int d = 3; d >= 0; d--) {
        int size = d >= offset ? t->shape[d - offset] : 1;
        stride[d] = (size == 1 && out_shape[d] != 1) ? 0 : s;
        s *= size;
    }
}

static bool plan_broadcast(const rn_tensor *a, const rn_tensor *b, broadcast *plan, int *ndim)
{
    *ndim = a->ndim > b->ndim ? a->ndim : b->ndim;
    for (int d = 0; d < 4; d++) {
        int da = d - (4 - a->ndim), db = d - (4 - b->ndim);
        int sa = da >= 0 ? a->shape[da] : 1, sb = db >= 0 ? b->shape[db] : 1;
        if (sa != sb && sa != 1 && sb != 1) return false;
        plan->shape[d] = sa == 1 ? sb : sa;
    }
    padded_strides(a, plan->shape, plan->stride_a);
    padded_strides(b, plan->shape, plan->stride_b);
    plan->same_shape = rn_tensor_same_shape(a, b);
    return true;
}

static float apply(binary_kind kind, float a, float b)
{
    switch (kind) {
    case BINARY_ADD: return a + b;
    case BINARY_SUB: return a - b;
    case BINARY_MUL: return a * b;
    default: return a / b;
    }
}

static void binary_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    const broadcast *p = out->saved;
    binary_kind kind = (binary_kind)out->option;
    rn_var *a = out->inputs[0], *b = out->inputs[1];
    const float *dy = out->grad.data, *y = out->value.data;
    const float *va = a->value.data, *vb = b->value.data;
    float *da = rn_var_needs_grad(a) ? a->grad.data : NULL;
    float *db = rn_var_needs_grad(b) ? b->grad.data : NULL;
    if (p->same_shape && a != b) {
        size_t n = numel_of(out);
        switch (kind) {
        case BINARY_ADD:
            if (da) rn_vec_axpy(1.0f, dy, da, n);
            if (db) rn_vec_axpy(1.0f, dy, db, n);
            return;
        case BINARY_SUB:
            if (da) rn_vec_axpy(1.0f, dy, da, n);
            if (db) rn_vec_axpy(-1.0f, dy, db, n);
            return;
        case BINARY_MUL:
            if (da) rn_vec_mul_acc(dy, vb, da, n);
            if (db) rn_vec_mul_acc(dy, va, db, n);
            return;
        default:
            break;
        }
    }
    size_t k = 0;
    for (int i0 = 0; i0 < p->shape[0]; i0++)
        for (int i1 = 0; i1 < p->shape[1]; i1++)
            for (int i2 = 0; i2 < p->shape[2]; i2++)
                for (int i3 = 0; i3 < p->shape[3]; i3++, k++) {
                    ptrdiff_t ia = i0 * p->stride_a[0] + i1 * p->stride_a[1] +
                                   i2 * p->stride_a[2] + i3 * p->stride_a[3];
                    ptrdiff_t ib = i0 * p->stride_b[0] + i1 * p->stride_b[1] +
                                   i2 * p->stride_b[2] + i3 * p->stride_b[3];
                    float g = dy[k];
                    switch (kind) {
                    case BINARY_ADD:
                        if (da) da[ia] += g;
                        if (db) db[ib] += g;
                        break;
                    case BINARY_SUB:
                        if (da) da[ia] += g;
                        if (db) db[ib] -= g;
                        break;
                    case BINARY_MUL:
                        if (da) da[ia] += g * vb[ib];
                        if (db) db[ib] += g * va[ia];
                        break;
                    case BINARY_DIV:
                        if (da) da[ia] += g / vb[ib];
                        if (db) db[ib] -= g * y[k] / vb[ib];
                        break;
                    }
                }
}

static rn_var *binary(rn_tape *tape, binary_kind kind, rn_var *a, rn_var *b)
{
    const char *name = binary_names[kind];
    if (!a || !b) return rn__tape_record(tape, name, (rn_var *[]){a, b}, 2, NULL);
    broadcast plan;
    int ndim;
    if (!plan_broadcast(&a->value, &b->value, &plan, &ndim)) {
        char sa[64], sb[64];
        return rn_tape_fail(tape, RN_ERR_SHAPE, "%s: shapes %s and %s do not broadcast", name,
                            shape_of(a, sa, sizeof sa), shape_of(b, sb, sizeof sb));
    }
    rn_var *out = rn_tape_op(tape, name, ndim, plan.shape + (4 - ndim), (rn_var *[]){a, b}, 2,
                             binary_backward);
    if (!out) return NULL;
    out->option = (int)kind;
    float *y = out->value.data;
    const float *va = a->value.data, *vb = b->value.data;
    size_t n = numel_of(out);
    if (plan.same_shape) {
        switch (kind) {
        case BINARY_ADD: rn_vec_add(va, vb, y, n); break;
        case BINARY_SUB: rn_vec_sub(va, vb, y, n); break;
        case BINARY_MUL: rn_vec_mul(va, vb, y, n); break;
        case BINARY_DIV: rn_vec_div(va, vb, y, n); break;
        }
    } else {
        size_t k = 0;
        for (int i0 = 0; i0 < plan.shape[0]; i0++)
            for (int i1 = 0; i1 < plan.shape[1]; i1++)
                for (int i2 = 0; i2 < plan.shape[2]; i2++) {
                    const float *ra = va + i0 * plan.stride_a[0] + i1 * plan.stride_a[1] +
                                      i2 * plan.stride_a[2];
                    const float *rb = vb + i0 * plan.stride_b[0] + i1 * plan.stride_b[1] +
                                      i2 * plan.stride_b[2];
                    ptrdiff_t sa = plan.stride_a[3], sb = plan.stride_b[3];
                    for (int i3 = 0; i3 < plan.shape[3]; i3++, k++)
                        y[k] = apply(kind, ra[i3 * sa], rb[i3 * sb]);
                }
    }
    if (out->backward) {
        broadcast *saved = rn_tape_alloc(tape, sizeof *saved);
        if (!saved) return NULL;
        *saved = plan;
        out->saved = saved;
    }
    return out;
}

rn_var *rn_add(rn_tape *tape, rn_var *a, rn_var *b) { return binary(tape, BINARY_ADD, a, b); }
rn_var *rn_sub(rn_tape *tape, rn_var *a, rn_var *b) { return binary(tape, BINARY_SUB, a, b); }
rn_var *rn_mul(rn_tape *tape, rn_var *a, rn_var *b) { return binary(tape, BINARY_MUL, a, b); }
rn_var *rn_div(rn_tape *tape, rn_var *a, rn_var *b) { return binary(tape, BINARY_DIV, a, b); }

/* ------------------------------------------------------------------ unary
 *   y = s x + c:  dx += s dy
 *   y = e^x:      dx += dy y
 *   y = ln x:     dx += dy / x
 *   y = x^2:      dx += 2 x dy
 *   y = sqrt x:   dx += dy / (2 y) */

typedef enum unary_kind { UNARY_AFFINE, UNARY_EXP, UNARY_LOG, UNARY_SQUARE, UNARY_SQRT } unary_kind;

static void unary_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    const float *dy = out->grad.data, *y = out->value.data, *v = x->value.data;
    float *dx = x->grad.data;
    ptrdiff_t n = (ptrdiff_t)numel_of(out);
    switch ((unary_kind)out->option) {
    case UNARY_AFFINE: rn_vec_axpy(out->scalar, dy, dx, (size_t)n); break;
    case UNARY_EXP: rn_vec_mul_acc(dy, y, dx, (size_t)n); break;
    case UNARY_LOG:
        for (ptrdiff_t i = 0; i < n; i++) dx[i] += dy[i] / v[i];
        break;
    case UNARY_SQUARE:
        for (ptrdiff_t i = 0; i < n; i++) dx[i] += 2.0f * v[i] * dy[i];
        break;
    case UNARY_SQRT:
        for (ptrdiff_t i = 0; i < n; i++) dx[i] += dy[i] / (2.0f * y[i]);
        break;
    }
}

static rn_var *unary(rn_tape *tape, const char *name, unary_kind kind, rn_var *x, float s, float c)
{
    if (!x) return rn__tape_record(tape, name, &x, 1, NULL);
    rn_var *out = rn_tape_op(tape, name, x->value.ndim, x->value.shape, &x, 1, unary_backward);
    if (!out) return NULL;
    out->option = (int)kind;
    out->scalar = s;
    const float *v = x->value.data;
    float *y = out->value.data;
    ptrdiff_t n = (ptrdiff_t)numel_of(x);
    switch (kind) {
    case UNARY_AFFINE: rn_vec_affine(v, s, c, y, (size_t)n); break;
    case UNARY_EXP:
        for (ptrdiff_t i = 0; i < n; i++) y[i] = expf(v[i]);
        break;
    case UNARY_LOG:
        for (ptrdiff_t i = 0; i < n; i++) y[i] = logf(v[i]);
        break;
    case UNARY_SQUARE:
        for (ptrdiff_t i = 0; i < n; i++) y[i] = v[i] * v[i];
        break;
    case UNARY_SQRT:
        for (ptrdiff_t i = 0; i < n; i++) y[i] = sqrtf(v[i]);
        break;
    }
    return out;
}

rn_var *rn_scale(rn_tape *tape, rn_var *x, float s) { return unary(tape, "scale", UNARY_AFFINE, x, s, 0.0f); }
rn_var *rn_add_scalar(rn_tape *tape, rn_var *x, float c)
{
    return unary(tape, "add_scalar", UNARY_AFFINE, x, 1.0f, c);
}
rn_var *rn_exp(rn_tape *tape, rn_var *x) { return unary(tape, "exp", UNARY_EXP, x, 0, 0); }
rn_var *rn_log(rn_tape *tape, rn_var *x) { return unary(tape, "log", UNARY_LOG, x, 0, 0); }
rn_var *rn_square(rn_tape *tape, rn_var *x) { return unary(tape, "square", UNARY_SQUARE, x, 0, 0); }
rn_var *rn_sqrt(rn_tape *tape, rn_var *x) { return unary(tape, "sqrt", UNARY_SQRT, x, 0, 0); }
