/* safetensors.h — model files PyTorch can read, and that redes reads back.
 *
 * The format (huggingface/safetensors):
 *
 *   bytes 0..8      N, the header length, unsigned 64-bit little-endian
 *   bytes 8..8+N    a JSON object, padded with spaces:
 *                     {"fc1.weight": {"dtype": "F32", "shape": [256, 784],
 *                                     "data_offsets": [BEGIN, END]}, ...,
 *                      "__metadata__": {"key": "string value", ...}}
 *   bytes 8+N..     the data: each tensor's bytes at [BEGIN, END) relative to
 *                   the start of the data, row-major, little-endian
 *
 * redes writes and reads float32 ("F32") only.  Metadata values are strings
 * (the format's rule); redes keeps the architecture, the training options and
 * what a resume needs there, and optimiser state as extra tensors under a
 * prefix ("optimizer.exp_avg" ...).
 *
 * Reading validates strictly: header length beyond the file, malformed JSON,
 * dtype other than F32, offsets outside the data, overlapping or leaving
 * holes, and byte counts that do not match the shape are all errors with a
 * message naming the file and the tensor.  Writing is atomic (NAME.tmp,
 * fsync, rename).
 */
#ifndef REDES_SAFETENSORS_H
#define REDES_SAFETENSORS_H

#include <stddef.h>

#include "redes/params.h"
#include "redes/status.h"
#include "redes/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_st_tensor {
    char *name;
    int ndim; /* 0 (a scalar) to RN_MAX_DIMS */
    int shape[RN_MAX_DIMS];
    size_t numel;
    float *data; /* owned by the file object when read; borrowed when writing */
} rn_st_tensor;

/* A set of named tensors plus string metadata: built to be written, or
 * filled by rn_safetensors_read. */
typedef struct rn_safetensors rn_safetensors;

rn_safetensors *rn_safetensors_create(void);
void rn_safetensors_free(rn_safetensors *file);

/* Adds a tensor whose data is BORROWED (it must live until the write). */
rn_status rn_safetensors_add(rn_safetensors *file, const char *name, int ndim, const int *shape,
                             const float *data);
/* Sets a metadata entry (copied). */
rn_status rn_safetensors_set_metadata(rn_safetensors *file, const char *key, const char *value);

/* Writes atomically. Tensors are stored in the order added. */
rn_status rn_safetensors_write(const rn_safetensors *file, const char *path);
/* Reads and validates a whole file; *out owns its tensors' data. */
rn_status rn_safetensors_read(const char *path, rn_safetensors **out);

int rn_safetensors_count(const rn_safetensors *file);
const rn_st_tensor *rn_safetensors_tensor(const rn_safetensors *file, int index);
const rn_st_tensor *rn_safetensors_find(const rn_safetensors *file, const char *name);
/* A metadata value, or NULL when absent. */
const char *rn_safetensors_metadata(const rn_safetensors *file, const char *key);

/* Adds every view of `params` as a tensor "PREFIX NAME" (prefix may be "" or
 * NULL), borrowing params->values. */
rn_status rn_safetensors_add_params(rn_safetensors *file, const rn_params *params, const char *prefix);
/* Adds a flat buffer laid out like `params` (an optimiser slot) with names
 * "PREFIX NAME", e.g. "optimizer.exp_avg.fc1.weight". */
rn_status rn_safetensors_add_buffer(rn_safetensors *file, const rn_params *params, const float *buffer,
                                    const char *prefix);
/* Copies "PREFIX NAME" for every view into `buffer` (laid out like params):
 * every name must exist with exactly the view's shape. */
rn_status rn_safetensors_load_buffer(const rn_safetensors *file, const rn_params *params, float *buffer,
                                     const char *prefix);

#ifdef __cplusplus
}
#endif
#endif
