/* tensor.c — shapes, strides, views and copies (see include/redes/tensor.h). */
#include "redes/tensor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static rn_status check_shape(int ndim, const int *shape, size_t *numel)
{
    if (ndim < 1 || ndim > RN_MAX_DIMS)
        return rn_error(RN_ERR_SHAPE, "tensor: %d dimensions (1 to %d allowed)", ndim, RN_MAX_DIMS);
    size_t n = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0)
            return rn_error(RN_ERR_SHAPE, "tensor: dimension %d has negative size %d", d, shape[d]);
        n *= (size_t)shape[d];
    }
    *numel = n;
    return RN_OK;
}

static void set_contiguous(rn_tensor *t, float *data, int ndim, const int *shape)
{
    memset(t, 0, sizeof *t);
    t->data = data;
    t->ndim = ndim;
    ptrdiff_t stride = 1;
    for (int d = ndim - 1; d >= 0; d--) {
        t->shape[d] = shape[d];
        t->stride[d] = stride;
        stride *= shape[d];
    }
}

rn_status rn_tensor_alloc(rn_tensor *out, int ndim, const int *shape)
{
    size_t n;
    RN_CHECK(check_shape(ndim, shape, &n));
    float *data = calloc(n ? n : 1, sizeof(float));
    if (!data) return rn_error(RN_ERR_MEMORY, "tensor: cannot allocate %zu floats", n);
    set_contiguous(out, data, ndim, shape);
    out->owns_data = true;
    return RN_OK;
}

rn_status rn_tensor_arena(rn_tensor *out, rn_arena *arena, int ndim, const int *shape)
{
    size_t n;
    RN_CHECK(check_shape(ndim, shape, &n));
    float *data = rn_arena_floats(arena, n);
    if (!data) return rn_error_context(RN_ERR_MEMORY, "tensor");
    set_contiguous(out, data, ndim, shape);
    return RN_OK;
}

rn_tensor rn_tensor_view(float *data, int ndim, const int *shape)
{
    rn_tensor t;
    set_contiguous(&t, data, ndim, shape);
    return t;
}

void rn_tensor_free(rn_tensor *tensor)
{
    if (tensor->owns_data) free(tensor->data);
    memset(tensor, 0, sizeof *tensor);
}

size_t rn_tensor_numel(const rn_tensor *tensor)
{
    size_t n = 1;
    for (int d = 0; d < tensor->ndim; d++) n *= (size_t)tensor->shape[d];
    return n;
}

bool rn_tensor_is_contiguous(const rn_tensor *tensor)
{
    ptrdiff_t expected = 1;
    for (int d = tensor->ndim - 1; d >= 0; d--) {
        if (tensor->shape[d] != 1 && tensor->stride[d] != expected) return false;
        expected *= tensor->shape[d];
    }
    return true;
}

bool rn_tensor_same_shape(const rn_tensor *a, const rn_tensor *b)
{
    if (a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d]) return false;
    return true;
}

const char *rn_tensor_shape_string(const rn_tensor *tensor, char *buffer, size_t size)
{
    size_t used = (size_t)snprintf(buffer, size, "(");
    for (int d = 0; d < tensor->ndim && used < size; d++)
        used += (size_t)snprintf(buffer + used, size - used, d ? ", %d" : "%d", tensor->shape[d]);
    if (used < size) snprintf(buffer + used, size - used, ")");
    return buffer;
}

rn_status rn_tensor_reshape(const rn_tensor *tensor, int ndim, const int *shape, rn_tensor *out)
{
    if (!rn_tensor_is_contiguous(tensor))
        return rn_error(RN_ERR_SHAPE, "reshape: tensor is not contiguous (copy it first)");
    if (ndim < 1 || ndim > RN_MAX_DIMS)
        return rn_error(RN_ERR_SHAPE, "reshape: %d dimensions (1 to %d allowed)", ndim, RN_MAX_DIMS);
    int resolved[RN_MAX_DIMS];
    int inferred = -1;
    size_t known = 1, total = rn_tensor_numel(tensor);
    for (int d = 0; d < ndim; d++) {
        resolved[d] = shape[d];
        if (shape[d] == -1) {
            if (inferred >= 0) return rn_error(RN_ERR_SHAPE, "reshape: more than one -1");
            inferred = d;
        } else if (shape[d] < 0) {
            return rn_error(RN_ERR_SHAPE, "reshape: negative size %d", shape[d]);
        } else {
            known *= (size_t)shape[d];
        }
    }
    if (inferred >= 0) {
        if (known == 0 || total % known != 0)
            return rn_error(RN_ERR_SHAPE, "reshape: cannot infer -1 for %zu elements", total);
        resolved[inferred] = (int)(total / known);
        known *= (size_t)resolved[inferred];
    }
    if (known != total) {
        char s[64];
        return rn_error(RN_ERR_SHAPE, "reshape: %s has %zu elements, new shape has %zu",
                        rn_tensor_shape_string(tensor, s, sizeof s), total, known);
    }
    set_contiguous(out, tensor->data, ndim, resolved);
    return RN_OK;
}

rn_status rn_tensor_transpose(const rn_tensor *tensor, int d0, int d1, rn_tensor *out)
{
    if (d0 < 0 || d0 >= tensor->ndim || d1 < 0 || d1 >= tensor->ndim)
        return rn_error(RN_ERR_SHAPE, "transpose: dimensions %d, %d of a %d-D tensor", d0, d1,
                        tensor->ndim);
    rn_tensor t = *tensor;
    t.owns_data = false;
    t.shape[d0] = tensor->shape[d1];
    t.shape[d1] = tensor->shape[d0];
    t.stride[d0] = tensor->stride[d1];
    t.stride[d1] = tensor->stride[d0];
    *out = t;
    return RN_OK;
}

rn_status rn_tensor_slice(const rn_tensor *tensor, int dim, int start, int length, rn_tensor *out)
{
    if (dim < 0 || dim >= tensor->ndim)
        return rn_error(RN_ERR_SHAPE, "slice: dimension %d of a %d-D tensor", dim, tensor->ndim);
    if (start < 0 || length < 0 || start + length > tensor->shape[dim])
        return rn_error(RN_ERR_SHAPE, "slice: [%d, %d) outside dimension %d of size %d", start,
                        start + length, dim, tensor->shape[dim]);
    rn_tensor t = *tensor;
    t.owns_data = false;
    t.data = tensor->data + (ptrdiff_t)start * tensor->stride[dim];
    t.shape[dim] = length;
    *out = t;
    return RN_OK;
}

/* Offset of the i-th element in row-major order under the given strides. */
static ptrdiff_t element_offset(const rn_tensor *t, size_t index)
{
    ptrdiff_t offset = 0;
    for (int d = t->ndim - 1; d >= 0; d--) {
        size_t n = (size_t)t->shape[d];
        offset += (ptrdiff_t)(index % n) * t->stride[d];
        index /= n;
    }
    return offset;
}

rn_status rn_tensor_copy(rn_tensor *dst, const rn_tensor *src)
{
    if (!rn_tensor_same_shape(dst, src)) {
        char a[64], b[64];
        return rn_error(RN_ERR_SHAPE, "copy: destination %s, source %s",
                        rn_tensor_shape_string(dst, a, sizeof a), rn_tensor_shape_string(src, b, sizeof b));
    }
    size_t n = rn_tensor_numel(src);
    if (rn_tensor_is_contiguous(dst) && rn_tensor_is_contiguous(src)) {
        memmove(dst->data, src->data, n * sizeof(float));
        return RN_OK;
    }
    for (size_t i = 0; i < n; i++) dst->data[element_offset(dst, i)] = src->data[element_offset(src, i)];
    return RN_OK;
}

void rn_tensor_fill(rn_tensor *tensor, float value)
{
    size_t n = rn_tensor_numel(tensor);
    if (rn_tensor_is_contiguous(tensor)) {
        for (size_t i = 0; i < n; i++) tensor->data[i] = value;
        return;
    }
    for (size_t i = 0; i < n; i++) tensor->data[element_offset(tensor, i)] = value;
}
