/* tensor.h — float32 tensors of up to 4 dimensions.
 *
 * A tensor is a small value (pass it by value or pointer freely) describing
 * memory it either owns (heap, rn_tensor_free releases it) or views (an arena,
 * another tensor, a caller's buffer).  Shapes are row-major: the last index
 * varies fastest, and `stride[d]` counts floats, not bytes.
 *
 * Conventional layouts: vectors (N), matrices (rows, columns), batches of
 * images (B, C, H, W) as in PyTorch, sequences (T, B, C).
 */
#ifndef REDES_TENSOR_H
#define REDES_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "redes/arena.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RN_MAX_DIMS = 4 };

typedef struct rn_tensor {
    float *data;
    int ndim;
    int shape[RN_MAX_DIMS];
    ptrdiff_t stride[RN_MAX_DIMS];
    bool owns_data;
} rn_tensor;

/* Heap-owned, zero-filled contiguous tensor. */
rn_status rn_tensor_alloc(rn_tensor *out, int ndim, const int *shape);
/* Contiguous tensor in an arena (uninitialised; freed by the arena). */
rn_status rn_tensor_arena(rn_tensor *out, rn_arena *arena, int ndim, const int *shape);
/* Contiguous view of a caller's buffer. */
rn_tensor rn_tensor_view(float *data, int ndim, const int *shape);
/* Releases owned memory (no-op for views); leaves an empty tensor. */
void rn_tensor_free(rn_tensor *tensor);

size_t rn_tensor_numel(const rn_tensor *tensor);
bool rn_tensor_is_contiguous(const rn_tensor *tensor);
bool rn_tensor_same_shape(const rn_tensor *a, const rn_tensor *b);
/* "(64, 1, 28, 28)" into buffer, for error messages; returns buffer. */
const char *rn_tensor_shape_string(const rn_tensor *tensor, char *buffer, size_t size);

/* A view with another shape of the same number of elements (contiguous
 * tensors only). One dimension may be -1 and is inferred. */
rn_status rn_tensor_reshape(const rn_tensor *tensor, int ndim, const int *shape, rn_tensor *out);
/* A view with dimensions d0 and d1 swapped (no copy; strided). */
rn_status rn_tensor_transpose(const rn_tensor *tensor, int d0, int d1, rn_tensor *out);
/* A view of indices [start, start+length) along dimension `dim`. */
rn_status rn_tensor_slice(const rn_tensor *tensor, int dim, int start, int length, rn_tensor *out);
/* Copies src into dst elementwise (shapes must match; strides may differ). */
rn_status rn_tensor_copy(rn_tensor *dst, const rn_tensor *src);
void rn_tensor_fill(rn_tensor *tensor, float value);

/* Element access by index (no bounds check in release builds). */
static inline float *rn_tensor_at2(const rn_tensor *t, int i, int j)
{
    return t->data + i * t->stride[0] + j * t->stride[1];
}
static inline float *rn_tensor_at4(const rn_tensor *t, int i, int j, int k, int l)
{
    return t->data + i * t->stride[0] + j * t->stride[1] + k * t->stride[2] + l * t->stride[3];
}

#ifdef __cplusplus
}
#endif
#endif
