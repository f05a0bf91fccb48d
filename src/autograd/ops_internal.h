/* ops_internal.h — private helpers shared by the op files of src/autograd/. */
#ifndef REDES_AUTOGRAD_OPS_INTERNAL_H
#define REDES_AUTOGRAD_OPS_INTERNAL_H

#include <stddef.h>

#include "redes/autograd.h"

/* Records a node whose value the caller sets (views such as reshape). */
rn_var *rn__tape_record(rn_tape *tape, const char *op, rn_var *const *inputs, int n_inputs,
                        rn_backward_fn backward);

/* "(64, 784)" for error messages (a rotating set of static-free buffers is
 * not needed: callers pass their own). */
static inline const char *shape_of(const rn_var *v, char *buffer, size_t size)
{
    return rn_tensor_shape_string(&v->value, buffer, size);
}

static inline size_t numel_of(const rn_var *v) { return rn_tensor_numel(&v->value); }

/* Resolves a possibly negative dimension; -1 if out of range. */
static inline int resolve_dim(int dim, int ndim)
{
    if (dim < 0) dim += ndim;
    return (dim >= 0 && dim < ndim) ? dim : -1;
}

/* (outer, n, inner) view of a shape around dimension `dim`. */
static inline void split_at_dim(const rn_tensor *t, int dim, size_t *outer, int *n, size_t *inner)
{
    size_t o = 1, i = 1;
    for (int d = 0; d < dim; d++) o *= (size_t)t->shape[d];
    for (int d = dim + 1; d < t->ndim; d++) i *= (size_t)t->shape[d];
    *outer = o;
    *n = t->shape[dim];
    *inner = i;
}

#endif
