/* safetensors.c — reading and writing safetensors files (safetensors.h). */
#define _POSIX_C_SOURCE 200809L
#include "redes/safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The reference implementation refuses headers above 100 MB; so do we. */
enum { MAX_HEADER_BYTES = 100 * 1000 * 1000 };

struct rn_safetensors {
    rn_st_tensor *tensors;
    int n_tensors, capacity;
    json_t *metadata; /* object of strings */
    float *owned;     /* the data of a file that was read */
};

rn_safetensors *rn_safetensors_create(void)
{
    rn_safetensors *file = calloc(1, sizeof *file);
    if (!file || !(file->metadata = json_object())) {
        free(file);
        rn_error(RN_ERR_MEMORY, "safetensors: out of memory");
        return NULL;
    }
    return file;
}

void rn_safetensors_free(rn_safetensors *file)
{
    if (!file) return;
    for (int i = 0; i < file->n_tensors; i++) free(file->tensors[i].name);
    free(file->tensors);
    json_decref(file->metadata);
    free(file->owned);
    free(file);
}

static rn_status append_tensor(rn_safetensors *file, const char *name, int ndim, const int *shape,
                               float *data)
{
    if (ndim < 0 || ndim > RN_MAX_DIMS)
        return rn_error(RN_ERR_SHAPE, "safetensors: tensor '%s' has %d dimensions (0 to %d supported)",
                        name, ndim, RN_MAX_DIMS);
    if (rn_safetensors_find(file, name))
        return rn_error(RN_ERR_ARGUMENT, "safetensors: tensor '%s' twice", name);
    if (file->n_tensors == file->capacity) {
        int capacity = file->capacity ? 2 * file->capacity : 16;
        rn_st_tensor *grown = realloc(file->tensors, (size_t)capacity * sizeof *grown);
        if (!grown) return rn_error(RN_ERR_MEMORY, "safetensors: out of memory");
        file->tensors = grown;
        file->capacity = capacity;
    }
    rn_st_tensor *t = &file->tensors[file->n_tensors];
    memset(t, 0, sizeof *t);
    t->name = strdup(name);
    if (!t->name) return rn_error(RN_ERR_MEMORY, "safetensors: out of memory");
    t->ndim = ndim;
    t->numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) {
            free(t->name);
            return rn_error(RN_ERR_SHAPE, "safetensors: tensor '%s' has negative size", name);
        }
        t->shape[d] = shape[d];
        t->numel *= (size_t)shape[d];
    }
    t->data = data;
    file->n_tensors++;
    return RN_OK;
}

rn_status rn_safetensors_add(rn_safetensors *file, const char *name, int ndim, const int *shape,
                             const float *data)
{
    return append_tensor(file, name, ndim, shape, (float *)data);
}

rn_status rn_safetensors_set_metadata(rn_safetensors *file, const char *key, const char *value)
{
    json_t *string = json_string(value);
    if (!string || json_object_set_new(file->metadata, key, string) != 0)
        return rn_error(RN_ERR_ARGUMENT, "safetensors: metadata '%s' is not valid UTF-8", key);
    return RN_OK;
}

int rn_safetensors_count(const rn_safetensors *file) { return file->n_tensors; }

const rn_st_tensor *rn_safetensors_tensor(const rn_safetensors *file, int index)
{
    return index >= 0 && index < file->n_tensors ? &file->tensors[index] : NULL;
}

const rn_st_tensor *rn_safetensors_find(const rn_safetensors *file, const char *name)
{
    for (int i = 0; i < file->n_tensors; i++)
        if (strcmp(file->tensors[i].name, name) == 0) return &file->tensors[i];
    return NULL;
}

const char *rn_safetensors_metadata(const rn_safetensors *file, const char *key)
{
    return json_string_value(json_object_get(file->metadata, key));
}

/* ---------------------------------------------------------------- byte order
 * The format is little-endian; on a big-endian host every word is swapped. */
static int host_is_little_endian(void)
{
    const uint16_t probe = 1;
    return *(const unsigned char *)&probe == 1;
}

static void swap_words(void *bytes, size_t n_words)
{
    unsigned char *b = bytes;
    for (size_t i = 0; i < n_words; i++, b += 4) {
        unsigned char t0 = b[0], t1 = b[1];
        b[0] = b[3];
        b[1] = b[2];
        b[2] = t1;
        b[3] = t0;
    }
}

/* ---------------------------------------------------------------- writing */

static json_t *header_json(const rn_safetensors *file)
{
    json_t *header = json_object();
    if (!header) return NULL;
    size_t offset = 0;
    if (json_object_size(file->metadata) > 0) json_object_set(header, "__metadata__", file->metadata);
    for (int i = 0; i < file->n_tensors; i++) {
        const rn_st_tensor *t = &file->tensors[i];
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++) json_array_append_new(shape, json_integer(t->shape[d]));
        size_t bytes = t->numel * sizeof(float);
        json_t *entry = json_pack("{s:s, s:o, s:[I, I]}", "dtype", "F32", "shape", shape,
                                  "data_offsets", (json_int_t)offset, (json_int_t)(offset + bytes));
        if (!entry || json_object_set_new(header, t->name, entry) != 0) {
            json_decref(header);
            return NULL;
        }
        offset += bytes;
    }
    return header;
}

static rn_status write_all(FILE *stream, const void *bytes, size_t n, const char *path)
{
    if (n && fwrite(bytes, 1, n, stream) != n)
        return rn_error(RN_ERR_IO, "%s: write failed: %s", path, strerror(errno));
    return RN_OK;
}

static rn_status write_body(FILE *stream, const rn_safetensors *file, const char *text, const char *path)
{
    /* Pad the header with spaces to a multiple of 8 so the data is aligned. */
    size_t length = strlen(text);
    size_t padded = (length + 7) / 8 * 8;
    unsigned char size_bytes[8];
    for (int i = 0; i < 8; i++) size_bytes[i] = (unsigned char)((uint64_t)padded >> (8 * i));
    RN_CHECK(write_all(stream, size_bytes, 8, path));
    RN_CHECK(write_all(stream, text, length, path));
    RN_CHECK(write_all(stream, "        ", padded - length, path));
    const int little = host_is_little_endian();
    float chunk[1024];
    for (int i = 0; i < file->n_tensors; i++) {
        const rn_st_tensor *t = &file->tensors[i];
        if (little) {
            RN_CHECK(write_all(stream, t->data, t->numel * sizeof(float), path));
            continue;
        }
        for (size_t done = 0; done < t->numel; done += 1024) {
            size_t n = t->numel - done < 1024 ? t->numel - done : 1024;
            memcpy(chunk, t->data + done, n * sizeof(float));
            swap_words(chunk, n);
            RN_CHECK(write_all(stream, chunk, n * sizeof(float), path));
        }
    }
    return RN_OK;
}

rn_status rn_safetensors_write(const rn_safetensors *file, const char *path)
{
    json_t *header = header_json(file);
    if (!header) return rn_error(RN_ERR_MEMORY, "%s: cannot build the header", path);
    char *text = json_dumps(header, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(header);
    if (!text) return rn_error(RN_ERR_MEMORY, "%s: cannot serialise the header", path);

    size_t tmp_size = strlen(path) + 5;
    char *tmp = malloc(tmp_size);
    if (!tmp) {
        free(text);
        return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    }
    snprintf(tmp, tmp_size, "%s.tmp", path);
    FILE *stream = fopen(tmp, "wb");
    rn_status status = RN_OK;
    if (!stream) {
        status = rn_error(RN_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    } else {
        status = write_body(stream, file, text, tmp);
        if (status == RN_OK && (fflush(stream) != 0 || fsync(fileno(stream)) != 0))
            status = rn_error(RN_ERR_IO, "%s: flush failed: %s", tmp, strerror(errno));
        if (fclose(stream) != 0 && status == RN_OK)
            status = rn_error(RN_ERR_IO, "%s: close failed: %s", tmp, strerror(errno));
        if (status == RN_OK && rename(tmp, path) != 0)
            status = rn_error(RN_ERR_IO, "%s: cannot rename from %s: %s", path, tmp, strerror(errno));
        if (status != RN_OK) remove(tmp);
    }
    free(tmp);
    free(text);
    return status;
}

/* ---------------------------------------------------------------- reading */

typedef struct entry_span {
    int tensor;
    uint64_t begin, end;
} entry_span;

static int compare_spans(const void *a, const void *b)
{
    const entry_span *x = a, *y = b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : (x->end > y->end);
}

static rn_status read_file_bytes(const char *path, unsigned char **bytes, size_t *size)
{
    FILE *stream = fopen(path, "rb");
    if (!stream) return rn_error(RN_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    if (fseek(stream, 0, SEEK_END) != 0) {
        fclose(stream);
        return rn_error(RN_ERR_IO, "%s: cannot seek: %s", path, strerror(errno));
    }
    long length = ftell(stream);
    rewind(stream);
    if (length < 0) {
        fclose(stream);
        return rn_error(RN_ERR_IO, "%s: cannot tell its size", path);
    }
    *size = (size_t)length;
    *bytes = malloc(*size ? *size : 1);
    if (!*bytes) {
        fclose(stream);
        return rn_error(RN_ERR_MEMORY, "%s: cannot hold %zu bytes", path, *size);
    }
    size_t got = fread(*bytes, 1, *size, stream);
    fclose(stream);
    if (got != *size) {
        free(*bytes);
        return rn_error(RN_ERR_IO, "%s: read %zu of %zu bytes", path, got, *size);
    }
    return RN_OK;
}

/* Parses one tensor entry of the header into `file` and `span`. */
static rn_status parse_entry(const char *path, rn_safetensors *file, const char *name, json_t *entry,
                             entry_span *span)
{
    if (!json_is_object(entry))
        return rn_error(RN_ERR_FORMAT, "%s: tensor '%s': entry is not an object", path, name);
    json_t *dtype = json_object_get(entry, "dtype");
    json_t *shape = json_object_get(entry, "shape");
    json_t *offsets = json_object_get(entry, "data_offsets");
    if (!json_is_string(dtype) || !json_is_array(shape) || !json_is_array(offsets))
        return rn_error(RN_ERR_FORMAT, "%s: tensor '%s': needs \"dtype\", \"shape\" and \"data_offsets\"",
                        path, name);
    if (strcmp(json_string_value(dtype), "F32") != 0)
        return rn_error(RN_ERR_FORMAT, "%s: tensor '%s' has dtype %s; redes reads F32 only", path, name,
                        json_string_value(dtype));
    int ndim = (int)json_array_size(shape);
    if (ndim > RN_MAX_DIMS)
        return rn_error(RN_ERR_FORMAT, "%s: tensor '%s' has %d dimensions (at most %d)", path, name, ndim,
                        RN_MAX_DIMS);
    int dims[RN_MAX_DIMS] = {0};
    uint64_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        json_t *size = json_array_get(shape, (size_t)d);
        if (!json_is_integer(size) || json_integer_value(size) < 0 || json_integer_value(size) > INT32_MAX)
            return rn_error(RN_ERR_FORMAT, "%s: tensor '%s': shape[%d] is not a size", path, name, d);
        dims[d] = (int)json_integer_value(size);
        numel *= (uint64_t)dims[d];
    }
    json_t *begin = json_array_get(offsets, 0), *end = json_array_get(offsets, 1);
    if (json_array_size(offsets) != 2 || !json_is_integer(begin) || !json_is_integer(end) ||
        json_integer_value(begin) < 0 || json_integer_value(end) < json_integer_value(begin))
        return rn_error(RN_ERR_FORMAT, "%s: tensor '%s': data_offsets must be [BEGIN, END] with 0 <= BEGIN <= END",
                        path, name);
    span->begin = (uint64_t)json_integer_value(begin);
    span->end = (uint64_t)json_integer_value(end);
    if (span->end - span->begin != numel * 4)
        return rn_error(RN_ERR_FORMAT,
                        "%s: tensor '%s': shape holds %llu floats (%llu bytes) but data_offsets [%llu, %llu] "
                        "span %llu bytes",
                        path, name, (unsigned long long)numel, (unsigned long long)numel * 4,
                        (unsigned long long)span->begin, (unsigned long long)span->end,
                        (unsigned long long)(span->end - span->begin));
    span->tensor = file->n_tensors;
    return append_tensor(file, name, ndim, dims, NULL);
}

static rn_status parse_header(const char *path, rn_safetensors *file, json_t *header, size_t data_bytes,
                              entry_span **spans_out)
{
    if (!json_is_object(header)) return rn_error(RN_ERR_FORMAT, "%s: the header is not a JSON object", path);
    entry_span *spans = calloc(json_object_size(header) + 1, sizeof *spans);
    if (!spans) return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    *spans_out = spans;
    const char *key;
    json_t *value;
    json_object_foreach(header, key, value)
    {
        if (strcmp(key, "__metadata__") == 0) {
            const char *meta_key;
            json_t *meta_value;
            if (!json_is_object(value))
                return rn_error(RN_ERR_FORMAT, "%s: __metadata__ is not an object", path);
            json_object_foreach(value, meta_key, meta_value)
            {
                if (!json_is_string(meta_value))
                    return rn_error(RN_ERR_FORMAT, "%s: __metadata__ '%s' is not a string", path, meta_key);
                json_object_set(file->metadata, meta_key, meta_value);
            }
            continue;
        }
        RN_CHECK(parse_entry(path, file, key, value, &spans[file->n_tensors]));
    }
    int n = file->n_tensors;
    qsort(spans, (size_t)n, sizeof *spans, compare_spans);
    uint64_t expected = 0;
    for (int i = 0; i < n; i++) {
        const char *name = file->tensors[spans[i].tensor].name;
        if (spans[i].end > data_bytes)
            return rn_error(RN_ERR_FORMAT, "%s: tensor '%s': data_offsets [%llu, %llu] outside the %zu data bytes (truncated file?)",
                            path, name, (unsigned long long)spans[i].begin, (unsigned long long)spans[i].end,
                            data_bytes);
        if (spans[i].begin < expected)
            return rn_error(RN_ERR_FORMAT, "%s: tensors '%s' and '%s' overlap in the data", path,
                            file->tensors[spans[i - 1].tensor].name, name);
        if (spans[i].begin > expected)
            return rn_error(RN_ERR_FORMAT, "%s: data bytes [%llu, %llu) belong to no tensor", path,
                            (unsigned long long)expected, (unsigned long long)spans[i].begin);
        expected = spans[i].end;
    }
    if (expected != data_bytes)
        return rn_error(RN_ERR_FORMAT, "%s: %llu trailing data bytes belong to no tensor", path,
                        (unsigned long long)(data_bytes - expected));
    return RN_OK;
}

rn_status rn_safetensors_read(const char *path, rn_safetensors **out)
{
    *out = NULL;
    unsigned char *bytes = NULL;
    size_t size = 0;
    RN_CHECK(read_file_bytes(path, &bytes, &size));
    rn_status status = RN_OK;
    rn_safetensors *file = NULL;
    entry_span *spans = NULL;
    json_t *header = NULL;
    uint64_t header_length = 0;
    if (size < 8) {
        status = rn_error(RN_ERR_FORMAT, "%s: %zu bytes, too short for a safetensors file", path, size);
        goto done;
    }
    for (int i = 0; i < 8; i++) header_length |= (uint64_t)bytes[i] << (8 * i);
    if (header_length > MAX_HEADER_BYTES || header_length > size - 8) {
        status = rn_error(RN_ERR_FORMAT, "%s: header length %llu exceeds the file's %zu bytes (truncated, or not safetensors?)",
                          path, (unsigned long long)header_length, size);
        goto done;
    }
    json_error_t error;
    header = json_loadb((const char *)bytes + 8, (size_t)header_length, JSON_REJECT_DUPLICATES, &error);
    if (!header) {
        status = rn_error(RN_ERR_FORMAT, "%s: header is not valid JSON: %s (at byte %d)", path, error.text,
                          error.position);
        goto done;
    }
    file = rn_safetensors_create();
    if (!file) {
        status = RN_ERR_MEMORY;
        goto done;
    }
    size_t data_bytes = size - 8 - (size_t)header_length;
    status = parse_header(path, file, header, data_bytes, &spans);
    if (status != RN_OK) goto done;
    /* Tensors tile the data exactly (checked above), so one float buffer
     * holds them all and each tensor points into it. */
    file->owned = malloc(data_bytes ? data_bytes : 4);
    if (!file->owned) {
        status = rn_error(RN_ERR_MEMORY, "%s: cannot hold %zu data bytes", path, data_bytes);
        goto done;
    }
    memcpy(file->owned, bytes + 8 + header_length, data_bytes);
    if (!host_is_little_endian()) swap_words(file->owned, data_bytes / 4);
    for (int i = 0; i < file->n_tensors; i++)
        file->tensors[spans[i].tensor].data = file->owned + spans[i].begin / 4;
done:
    free(spans);
    json_decref(header);
    free(bytes);
    if (status != RN_OK) {
        rn_safetensors_free(file);
        return status;
    }
    *out = file;
    return RN_OK;
}

/* ---------------------------------------------------------------- parameters */

static void prefixed(char *out, size_t size, const char *prefix, const char *name)
{
    snprintf(out, size, "%s%s", prefix ? prefix : "", name);
}

rn_status rn_safetensors_add_params(rn_safetensors *file, const rn_params *params, const char *prefix)
{
    return rn_safetensors_add_buffer(file, params, params->values, prefix);
}

rn_status rn_safetensors_add_buffer(rn_safetensors *file, const rn_params *params, const float *buffer,
                                    const char *prefix)
{
    char name[256];
    for (int i = 0; i < params->n_views; i++) {
        const rn_param_view *view = &params->views[i];
        prefixed(name, sizeof name, prefix, view->name);
        RN_CHECK(rn_safetensors_add(file, name, view->ndim, view->shape, buffer + view->offset));
    }
    return RN_OK;
}

rn_status rn_safetensors_load_buffer(const rn_safetensors *file, const rn_params *params, float *buffer,
                                     const char *prefix)
{
    char name[256];
    for (int i = 0; i < params->n_views; i++) {
        const rn_param_view *view = &params->views[i];
        prefixed(name, sizeof name, prefix, view->name);
        const rn_st_tensor *t = rn_safetensors_find(file, name);
        if (!t) return rn_error(RN_ERR_FORMAT, "model file has no tensor '%s'", name);
        bool same = t->ndim == view->ndim;
        for (int d = 0; same && d < t->ndim; d++) same = t->shape[d] == view->shape[d];
        if (!same) {
            char have[64], want[64];
            rn_tensor a = rn_tensor_view(NULL, t->ndim ? t->ndim : 1, t->ndim ? t->shape : (int[]){1});
            rn_tensor b = rn_tensor_view(NULL, view->ndim, view->shape);
            return rn_error(RN_ERR_SHAPE, "model file: tensor '%s' has shape %s, the model needs %s", name,
                            rn_tensor_shape_string(&a, have, sizeof have),
                            rn_tensor_shape_string(&b, want, sizeof want));
        }
        memcpy(buffer + view->offset, t->data, view->numel * sizeof(float));
    }
    return RN_OK;
}
