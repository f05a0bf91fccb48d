/* idx.c — IDX files, plain or gzip (see include/redes/idx.h).
 *
 * zlib's gzread reads plain files transparently, so one code path serves
 * both.  The header tells how many bytes must follow; we read exactly that
 * many, then try one more byte: fewer means a truncated file, more means
 * trailing data.  Either is an error naming the file and both lengths.
 */
#define _POSIX_C_SOURCE 200809L
#include "redes/idx.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

enum {
    READ_BUFFER_BYTES = 1 << 18, /* zlib's input buffer: 256 KiB reads */
    CHUNK_BYTES = 1 << 30        /* gzread takes an unsigned int length */
};

/* Files beyond 1 TiB are surely a corrupt header, not data. */
static const unsigned long long MAX_DATA_BYTES = 1ULL << 40;

static size_t item_bytes_of(int type)
{
    switch (type) {
    case RN_IDX_UINT8:
    case RN_IDX_INT8: return 1;
    case RN_IDX_INT16: return 2;
    case RN_IDX_INT32:
    case RN_IDX_FLOAT32: return 4;
    case RN_IDX_FLOAT64: return 8;
    default: return 0;
    }
}

const char *rn_idx_type_name(int type)
{
    switch (type) {
    case RN_IDX_UINT8: return "uint8";
    case RN_IDX_INT8: return "int8";
    case RN_IDX_INT16: return "int16";
    case RN_IDX_INT32: return "int32";
    case RN_IDX_FLOAT32: return "float32";
    case RN_IDX_FLOAT64: return "float64";
    default: return "unknown";
    }
}

/* "IDX uint8 with 3 dimensions" for a magic number, for messages. */
static void describe_magic(int magic, char *buffer, size_t size)
{
    snprintf(buffer, size, "IDX %s with %d dimension%s", rn_idx_type_name(magic >> 8), magic & 0xFF,
             (magic & 0xFF) == 1 ? "" : "s");
}

static uint32_t big_endian_u32(const unsigned char *bytes)
{
    return (uint32_t)bytes[0] << 24 | (uint32_t)bytes[1] << 16 | (uint32_t)bytes[2] << 8 | bytes[3];
}

/* IDX stores elements most significant byte first; swap to host order. */
static void swap_to_host(void *data, size_t count, size_t item_bytes)
{
    const unsigned one = 1;
    if (item_bytes == 1 || *(const unsigned char *)&one == 0) return; /* bytes, or a big-endian host */
    unsigned char *p = data;
    for (size_t i = 0; i < count; i++, p += item_bytes)
        for (size_t a = 0, b = item_bytes - 1; a < b; a++, b--) {
            unsigned char t = p[a];
            p[a] = p[b];
            p[b] = t;
        }
}

/* Reads up to `bytes` bytes; returns how many were read, or -1 on a zlib
 * error (corrupt compressed data), in which case *message is set. */
static long long read_fully(gzFile file, void *buffer, size_t bytes, const char **message)
{
    size_t done = 0;
    while (done < bytes) {
        size_t want = bytes - done < CHUNK_BYTES ? bytes - done : CHUNK_BYTES;
        int got = gzread(file, (char *)buffer + done, (unsigned)want);
        if (got < 0) {
            int code;
            *message = gzerror(file, &code);
            return -1;
        }
        if (got == 0) break;
        done += (size_t)got;
    }
    /* A gzip stream that ends early reads short and records Z_BUF_ERROR;
     * that is the same truncation the caller reports by length. */
    return (long long)done;
}

/* Counts the bytes left in the file (for the "trailing data" message). */
static unsigned long long count_rest(gzFile file)
{
    static char sink[1 << 16];
    unsigned long long rest = 0;
    int got;
    while ((got = gzread(file, sink, sizeof sink)) > 0)
        rest += (unsigned long long)got;
    return rest;
}

static rn_status truncated(const char *path, unsigned long long expected, unsigned long long found)
{
    return rn_error(RN_ERR_FORMAT, "%s: expected %llu bytes, found %llu (truncated?)", path, expected, found);
}

/* Parses and checks the magic number and dimensions; on success the record
 * holds type, ndim, shape, count and item_bytes, and *header_bytes is set. */
static rn_status read_header(gzFile file, const char *path, int expected_magic, rn_idx *out,
                             size_t *header_bytes)
{
    unsigned char magic_bytes[4];
    const char *zmessage = NULL;
    long long got = read_fully(file, magic_bytes, 4, &zmessage);
    if (got < 0) return rn_error(RN_ERR_FORMAT, "%s: corrupt gzip data (%s)", path, zmessage);
    if (got == 0) {
        int code;
        gzerror(file, &code);
        if (code == Z_BUF_ERROR) /* a gzip stream cut before its first data */
            return rn_error(RN_ERR_FORMAT, "%s: gzip stream ends before any data (truncated?)", path);
        return rn_error(RN_ERR_FORMAT, "%s: empty file (expected an IDX header)", path);
    }
    if (got < 4) return truncated(path, 4, (unsigned long long)got);

    int type = magic_bytes[2], ndim = magic_bytes[3];
    int magic = type << 8 | ndim;
    if (magic_bytes[0] != 0 || magic_bytes[1] != 0 || item_bytes_of(type) == 0 || ndim < 1 ||
        ndim > RN_IDX_MAX_DIMS)
        return rn_error(RN_ERR_FORMAT,
                        "%s: bad magic number 0x%02X%02X%02X%02X (not an IDX file: expected 00 00, a type "
                        "code 08/09/0B/0C/0D/0E and 1 to %d dimensions)",
                        path, magic_bytes[0], magic_bytes[1], magic_bytes[2], magic_bytes[3],
                        RN_IDX_MAX_DIMS);
    if (expected_magic != RN_IDX_MAGIC_ANY && magic != expected_magic) {
        char want[64], found[64];
        describe_magic(expected_magic, want, sizeof want);
        describe_magic(magic, found, sizeof found);
        return rn_error(RN_ERR_FORMAT, "%s: expected magic %d (%s), found %d (%s)", path, expected_magic,
                        want, magic, found);
    }

    unsigned char dims[4 * RN_IDX_MAX_DIMS];
    got = read_fully(file, dims, 4 * (size_t)ndim, &zmessage);
    if (got < 0) return rn_error(RN_ERR_FORMAT, "%s: corrupt gzip data (%s)", path, zmessage);
    *header_bytes = 4 + 4 * (size_t)ndim;
    if ((size_t)got < 4 * (size_t)ndim) return truncated(path, *header_bytes, 4 + (unsigned long long)got);

    out->type = (rn_idx_type)type;
    out->ndim = ndim;
    out->item_bytes = item_bytes_of(type);
    unsigned long long count = 1;
    for (int d = 0; d < ndim; d++) {
        uint32_t size = big_endian_u32(dims + 4 * d);
        if (size == 0 || size > INT_MAX)
            return rn_error(RN_ERR_FORMAT, "%s: dimension %d of %d is %u (expected 1 to %d)", path, d + 1,
                            ndim, size, INT_MAX);
        out->shape[d] = (int)size;
        count *= size;
        if (count * out->item_bytes > MAX_DATA_BYTES)
            return rn_error(RN_ERR_FORMAT, "%s: dimensions ask for more than %llu bytes (corrupt header?)",
                            path, MAX_DATA_BYTES);
    }
    out->count = (size_t)count;
    return RN_OK;
}

static rn_status read_open(gzFile file, const char *path, int expected_magic, rn_idx *out)
{
    size_t header_bytes = 0;
    RN_CHECK(read_header(file, path, expected_magic, out, &header_bytes));

    size_t data_bytes = out->count * out->item_bytes;
    unsigned long long expected = header_bytes + (unsigned long long)data_bytes;
    out->data = malloc(data_bytes);
    if (!out->data) return rn_error(RN_ERR_MEMORY, "%s: cannot allocate %zu bytes", path, data_bytes);

    const char *zmessage = NULL;
    long long got = read_fully(file, out->data, data_bytes, &zmessage);
    if (got < 0) return rn_error(RN_ERR_FORMAT, "%s: corrupt gzip data (%s)", path, zmessage);
    if ((size_t)got < data_bytes) return truncated(path, expected, header_bytes + (unsigned long long)got);

    unsigned long long rest = count_rest(file);
    int code = Z_OK;
    const char *error = gzerror(file, &code);
    if (code != Z_OK && code != Z_BUF_ERROR)
        return rn_error(RN_ERR_FORMAT, "%s: corrupt gzip data after the IDX data (%s)", path, error);
    if (rest > 0)
        return rn_error(RN_ERR_FORMAT, "%s: expected %llu bytes, found %llu (trailing data?)", path, expected,
                        expected + rest);
    swap_to_host(out->data, out->count, out->item_bytes);
    return RN_OK;
}

rn_status rn_idx_read(const char *path, int expected_magic, rn_idx *out)
{
    memset(out, 0, sizeof *out);
    errno = 0;
    gzFile file = gzopen(path, "rb");
    if (!file)
        return rn_error(RN_ERR_IO, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    gzbuffer(file, READ_BUFFER_BYTES);
    rn_status status = read_open(file, path, expected_magic, out);
    gzclose(file);
    if (status != RN_OK) rn_idx_free(out);
    return status;
}

void rn_idx_free(rn_idx *idx)
{
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* Writes the big-endian header and elements through zlib. */
static rn_status write_open(gzFile file, const char *path, const rn_idx *idx)
{
    unsigned char header[4 + 4 * RN_IDX_MAX_DIMS] = {0, 0, (unsigned char)idx->type,
                                                     (unsigned char)idx->ndim};
    for (int d = 0; d < idx->ndim; d++) {
        uint32_t size = (uint32_t)idx->shape[d];
        unsigned char *p = header + 4 + 4 * d;
        p[0] = (unsigned char)(size >> 24);
        p[1] = (unsigned char)(size >> 16);
        p[2] = (unsigned char)(size >> 8);
        p[3] = (unsigned char)size;
    }
    if (gzwrite(file, header, 4 + 4 * (unsigned)idx->ndim) <= 0)
        return rn_error(RN_ERR_IO, "%s: write failed", path);
    /* Convert a slice at a time (swap_to_host is its own inverse). */
    unsigned char buffer[1 << 16];
    size_t item = idx->item_bytes, per_slice = sizeof buffer / item;
    for (size_t start = 0; start < idx->count; start += per_slice) {
        size_t n = idx->count - start < per_slice ? idx->count - start : per_slice;
        memcpy(buffer, (const unsigned char *)idx->data + start * item, n * item);
        swap_to_host(buffer, n, item);
        if (gzwrite(file, buffer, (unsigned)(n * item)) <= 0)
            return rn_error(RN_ERR_IO, "%s: write failed", path);
    }
    return RN_OK;
}

rn_status rn_idx_write(const char *path, const rn_idx *idx)
{
    if (item_bytes_of(idx->type) == 0 || idx->item_bytes != item_bytes_of(idx->type) || idx->ndim < 1 ||
        idx->ndim > RN_IDX_MAX_DIMS || !idx->data)
        return rn_error(RN_ERR_ARGUMENT, "%s: not a valid IDX record (type %d, %d dimensions)", path,
                        idx->type, idx->ndim);
    size_t count = 1;
    for (int d = 0; d < idx->ndim; d++) {
        if (idx->shape[d] < 1)
            return rn_error(RN_ERR_ARGUMENT, "%s: dimension %d is %d", path, d + 1, idx->shape[d]);
        count *= (size_t)idx->shape[d];
    }
    if (count != idx->count)
        return rn_error(RN_ERR_ARGUMENT, "%s: shape has %zu elements but count is %zu", path, count,
                        idx->count);

    char temporary[4096];
    if (snprintf(temporary, sizeof temporary, "%s.tmp", path) >= (int)sizeof temporary)
        return rn_error(RN_ERR_ARGUMENT, "%s: path too long", path);
    int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return rn_error(RN_ERR_IO, "%s: cannot create: %s", temporary, strerror(errno));
    /* "wb9" compresses; "wbT" writes plain bytes through the same calls.
     * zlib closes the descriptor it is given, so it gets a duplicate and we
     * keep `fd` to fsync before the rename. */
    int zfd = dup(fd);
    gzFile file = zfd >= 0 ? gzdopen(zfd, ends_with(path, ".gz") ? "wb9" : "wbT") : NULL;
    if (!file) {
        if (zfd >= 0) close(zfd);
        close(fd);
        unlink(temporary);
        return rn_error(RN_ERR_IO, "%s: cannot open for writing", temporary);
    }
    rn_status status = write_open(file, temporary, idx);
    if (gzclose(file) != Z_OK && status == RN_OK) status = rn_error(RN_ERR_IO, "%s: write failed", temporary);
    if (status == RN_OK && fsync(fd) != 0)
        status = rn_error(RN_ERR_IO, "%s: fsync failed: %s", temporary, strerror(errno));
    close(fd);
    if (status == RN_OK && rename(temporary, path) != 0)
        status = rn_error(RN_ERR_IO, "cannot rename %s to %s: %s", temporary, path, strerror(errno));
    if (status != RN_OK) unlink(temporary);
    return status;
}
