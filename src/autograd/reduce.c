/* reduce.c — sum, mean and max, over everything or along one dimension.
 *
 * Along dimension d the input is viewed as (outer, n, inner) and the output
 * as (outer, inner):
 *   y = sum_k x_k:   dx_k += dy
 *   y = mean_k x_k:  dx_k += dy / n
 *   y = max_k x_k:   dx_{k*} += dy  at the first maximal k* (saved)
 * Sums are accumulated in double.
 */
#include <string.h>

#include "autograd/ops_internal.h"

typedef enum reduce_kind { REDUCE_SUM, REDUCE_MEAN, REDUCE_MAX } reduce_kind;
static const char *const reduce_names[] = {"sum", "mean", "max"};

typedef struct reduce_plan {
    size_t outer, inner;
    int n;
    int *argmax; /* outer * inner indices in [0, n) for max */
} reduce_plan;

static void reduce_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    const reduce_plan *p = out->saved;
    const float *dy = out->grad.data;
    float *dx = x->grad.data;
    reduce_kind kind = (reduce_kind)out->option;
    float factor = kind == REDUCE_MEAN ? 1.0f / (float)p->n : 1.0f;
    for (size_t o = 0; o < p->outer; o++) {
        const float *dyo = dy + o * p->inner;
        float *dxo = dx + o * (size_t)p->n * p->inner;
        if (kind == REDUCE_MAX) {
            for (size_t i = 0; i < p->inner; i++)
                dxo[(size_t)p->argmax[o * p->inner + i] * p->inner + i] += dyo[i];
            continue;
        }
        for (int k = 0; k < p->n; k++)
            for (size_t i = 0; i < p->inner; i++) dxo[(size_t)k * p->inner + i] += factor * dyo[i];
    }
}

static rn_var *reduce(rn_tape *tape, reduce_kind kind, rn_var *x, int dim, bool all)
{
    const char *name = reduce_names[kind];
    if (!x) return rn__tape_record(tape, name, &x, 1, NULL);
    const rn_tensor *t = &x->value;
    reduce_plan plan = {0};
    int shape[RN_MAX_DIMS] = {1}, ndim = 1;
    if (all) {
        plan.outer = 1;
        plan.n = (int)numel_of(x);
        plan.inner = 1;
    } else {
        int d = resolve_dim(dim, t->ndim);
        if (d < 0) {
            char s[64];
            return rn_tape_fail(tape, RN_ERR_SHAPE, "%s: dimension %d out of range for %s", name,
                                dim, shape_of(x, s, sizeof s));
        }
        split_at_dim(t, d, &plan.outer, &plan.n, &plan.inner);
        if (t->ndim > 1) {
            ndim = 0;
            for (int k = 0; k < t->ndim; k++)
                if (k != d) shape[ndim++] = t->shape[k];
        }
    }
    if (plan.n == 0 && kind != REDUCE_SUM)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "%s: cannot reduce an empty dimension", name);
    rn_var *out = rn_tape_op(tape, name, ndim, shape, &x, 1, reduce_backward);
    if (!out) return NULL;
    out->option = (int)kind;
    if (kind == REDUCE_MAX && out->backward) {
        plan.argmax = rn_tape_alloc(tape, plan.outer * plan.inner * sizeof(int));
        if (!plan.argmax) return NULL;
    }
    float *y = out->value.data;
    for (size_t o = 0; o < plan.outer; o++) {
        const float *xo = t->data + o * (size_t)plan.n * plan.inner;
        for (size_t i = 0; i < plan.inner; i++) {
            if (kind == REDUCE_MAX) {
                int best = 0;
                for (int k = 1; k < plan.n; k++)
                    if (xo[(size_t)k * plan.inner + i] > xo[(size_t)best * plan.inner + i]) best = k;
                y[o * plan.inner + i] = xo[(size_t)best * plan.inner + i];
                if (plan.argmax) plan.argmax[o * plan.inner + i] = best;
            } else {
                double sum = 0.0;
                for (int k = 0; k < plan.n; k++) sum += xo[(size_t)k * plan.inner + i];
                y[o * plan.inner + i] = (float)(kind == REDUCE_MEAN ? sum / plan.n : sum);
            }
        }
    }
    if (out->backward) {
        reduce_plan *saved = rn_tape_alloc(tape, sizeof *saved);
        if (!saved) return NULL;
        *saved = plan;
        out->saved = saved;
    }
    return out;
}

rn_var *rn_sum(rn_tape *tape, rn_var *x) { return reduce(tape, REDUCE_SUM, x, 0, true); }
rn_var *rn_mean(rn_tape *tape, rn_var *x) { return reduce(tape, REDUCE_MEAN, x, 0, true); }
rn_var *rn_max(rn_tape *tape, rn_var *x) { return reduce(tape, REDUCE_MAX, x, 0, true); }
rn_var *rn_sum_dim(rn_tape *tape, rn_var *x, int dim) { return reduce(tape, REDUCE_SUM, x, dim, false); }
rn_var *rn_mean_dim(rn_tape *tape, rn_var *x, int dim) { return reduce(tape, REDUCE_MEAN, x, dim, false); }
rn_var *rn_max_dim(rn_tape *tape, rn_var *x, int dim) { return reduce(tape, REDUCE_MAX, x, dim, false); }
