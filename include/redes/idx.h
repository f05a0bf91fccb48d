/* idx.h — reading and writing IDX files (the format of MNIST and Fashion-MNIST).
 *
 * An IDX file (LeCun, Cortes & Burges, "THE MNIST DATABASE", file formats
 * section) is a 4-byte magic number, one 32-bit big-endian size per
 * dimension, then the elements in row-major order (big-endian):
 *
 *   magic = 0x00 0x00 TYPE NDIM       TYPE: 0x08 uint8   0x09 int8
 *                                           0x0B int16   0x0C int32
 *                                           0x0D float32 0x0E float64
 *
 * so MNIST images are magic 0x00000803 = 2051 with shape (N, 28, 28) and
 * labels are 0x00000801 = 2049 with shape (N).  Files may be gzip-compressed
 * (*.gz) or plain; zlib reads both through the same path.
 *
 * Validation is strict: the magic (and, when the caller asks for one, the
 * exact magic), every dimension (1 .. 2^31-1, total under 2^40 bytes), and the
 * exact length after decompression — a truncated download or a file with
 * trailing bytes is an RN_ERR_FORMAT error whose message names the file and
 * what was expected against what was found:
 *
 *   "data/mnist/train-images-idx3-ubyte.gz: expected 47040016 bytes, found 1000 (truncated?)"
 *
 * Elements are kept in their own type (MNIST stays compact as uint8) and
 * converted to host byte order on load.
 */
#ifndef REDES_IDX_H
#define REDES_IDX_H

#include <stddef.h>
#include <stdint.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Element type codes (the third byte of the magic number). */
typedef enum rn_idx_type {
    RN_IDX_UINT8 = 0x08,
    RN_IDX_INT8 = 0x09,
    RN_IDX_INT16 = 0x0B,
    RN_IDX_INT32 = 0x0C,
    RN_IDX_FLOAT32 = 0x0D,
    RN_IDX_FLOAT64 = 0x0E
} rn_idx_type;

/* Magic numbers of the two MNIST file kinds (type << 8 | ndim). */
enum {
    RN_IDX_MAGIC_ANY = 0,
    RN_IDX_MAGIC_IMAGES = 2051, /* 0x0803: uint8, 3 dimensions (N, H, W) */
    RN_IDX_MAGIC_LABELS = 2049, /* 0x0801: uint8, 1 dimension (N) */
    RN_IDX_MAX_DIMS = 8
};

typedef struct rn_idx {
    rn_idx_type type;
    int ndim;
    int shape[RN_IDX_MAX_DIMS];
    size_t count;      /* product of shape[0..ndim) */
    size_t item_bytes; /* 1, 2, 4 or 8 */
    void *data;        /* count elements of `type`, host byte order, heap-owned */
} rn_idx;

/* Reads an IDX file (plain or gzip).  `expected_magic` is RN_IDX_MAGIC_ANY
 * for any valid type code and 1..RN_IDX_MAX_DIMS dimensions, or the exact
 * magic required (RN_IDX_MAGIC_IMAGES, RN_IDX_MAGIC_LABELS, or any
 * type << 8 | ndim).  On failure `out` is left empty and nothing leaks.
 * Errors: RN_ERR_IO (cannot open/read), RN_ERR_FORMAT (magic, dimensions,
 * length), RN_ERR_MEMORY. */
rn_status rn_idx_read(const char *path, int expected_magic, rn_idx *out);

/* Writes `idx` atomically (PATH.tmp then rename), gzip-compressed when
 * `path` ends in ".gz". */
rn_status rn_idx_write(const char *path, const rn_idx *idx);

/* Releases the data; leaves an empty record. */
void rn_idx_free(rn_idx *idx);

/* "uint8", "float32", ...; "unknown" for other codes. */
const char *rn_idx_type_name(int type);

#ifdef __cplusplus
}
#endif
#endif
