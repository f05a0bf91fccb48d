/* test_safetensors.c — files written by PyTorch load with the same values,
 * files written here round-trip (and load in PyTorch: see
 * tests/golden/make_safetensors_golden.py, which runs `test_safetensors
 * --write FILE`), and every kind of malformed file is refused precisely. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redes/safetensors.h"

/* The golden script's values: fc.weight = (i - 5) / 7 (3, 4); fc.bias;
 * conv.weight = i / 8 (2, 1, 3, 3); step = 42 (a scalar). */
static float weight_value(int i) { return ((float)i - 5.0f) / 7.0f; }
static const float bias_values[3] = {0.5f, -0.25f, 1e-3f};

static rn_status write_reference(const char *path)
{
    float weight[12], kernel[18], step = 42.0f;
    for (int i = 0; i < 12; i++) weight[i] = weight_value(i);
    for (int i = 0; i < 18; i++) kernel[i] = (float)i * 0.125f;
    rn_safetensors *file = rn_safetensors_create();
    if (!file) return RN_ERR_MEMORY;
    rn_status s = RN_OK;
    if (s == RN_OK) s = rn_safetensors_add(file, "fc.weight", 2, (int[]){3, 4}, weight);
    if (s == RN_OK) s = rn_safetensors_add(file, "fc.bias", 1, (int[]){3}, bias_values);
    if (s == RN_OK) s = rn_safetensors_add(file, "conv.weight", 4, (int[]){2, 1, 3, 3}, kernel);
    if (s == RN_OK) s = rn_safetensors_add(file, "step", 0, NULL, &step);
    if (s == RN_OK) s = rn_safetensors_set_metadata(file, "made_by", "test_safetensors");
    if (s == RN_OK) s = rn_safetensors_write(file, path);
    rn_safetensors_free(file);
    return s;
}

static void check_reference(const rn_safetensors *file)
{
    const rn_st_tensor *w = rn_safetensors_find(file, "fc.weight");
    assert_non_null(w);
    assert_int_equal(w->ndim, 2);
    assert_int_equal(w->shape[0], 3);
    assert_int_equal(w->shape[1], 4);
    for (int i = 0; i < 12; i++) assert_true(w->data[i] == weight_value(i));
    const rn_st_tensor *b = rn_safetensors_find(file, "fc.bias");
    assert_non_null(b);
    for (int i = 0; i < 3; i++) assert_true(b->data[i] == bias_values[i]);
    const rn_st_tensor *k = rn_safetensors_find(file, "conv.weight");
    assert_non_null(k);
    assert_int_equal(k->ndim, 4);
    assert_int_equal(k->numel, 18);
    assert_true(k->data[17] == 17 * 0.125f);
    const rn_st_tensor *step = rn_safetensors_find(file, "step");
    assert_non_null(step);
    assert_int_equal(step->ndim, 0);
    assert_int_equal(step->numel, 1);
    assert_true(step->data[0] == 42.0f);
}

static void reads_a_file_written_by_pytorch(void **state)
{
    (void)state;
    rn_safetensors *file;
    assert_int_equal(rn_safetensors_read(REDES_SOURCE_DIR "/tests/golden/torch_written.safetensors", &file), RN_OK);
    check_reference(file);
    assert_string_equal(rn_safetensors_metadata(file, "format"), "pt");
    assert_null(rn_safetensors_metadata(file, "missing"));
    assert_int_equal(rn_safetensors_count(file), 4);
    rn_safetensors_free(file);
}

static void round_trips_with_params_and_metadata(void **state)
{
    (void)state;
    char path[] = "/tmp/redes-st-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(write_reference(path), RN_OK);
    rn_safetensors *file;
    assert_int_equal(rn_safetensors_read(path, &file), RN_OK);
    check_reference(file);
    assert_string_equal(rn_safetensors_metadata(file, "made_by"), "test_safetensors");
    rn_safetensors_free(file);

    /* A parameter store and an optimiser-like buffer under a prefix. */
    rn_params p, q;
    rn_params_init(&p);
    rn_params_init(&q);
    for (rn_params *x = &p; x; x = x == &p ? &q : NULL) {
        assert_int_equal(rn_params_add(x, "fc1.weight", 2, (int[]){2, 3}, NULL), RN_OK);
        assert_int_equal(rn_params_add(x, "fc1.bias", 1, (int[]){2}, NULL), RN_OK);
        assert_int_equal(rn_params_allocate(x), RN_OK);
    }
    float extra[8];
    for (int i = 0; i < 8; i++) {
        p.values[i] = (float)i * 1.5f - 2.0f;
        extra[i] = -(float)i;
    }
    rn_safetensors *out = rn_safetensors_create();
    assert_int_equal(rn_safetensors_add_params(out, &p, NULL), RN_OK);
    assert_int_equal(rn_safetensors_add_buffer(out, &p, extra, "optimizer.exp_avg."), RN_OK);
    assert_int_equal(rn_safetensors_write(out, path), RN_OK);
    rn_safetensors_free(out);
    assert_int_equal(rn_safetensors_read(path, &file), RN_OK);
    float loaded[8];
    assert_int_equal(rn_safetensors_load_buffer(file, &q, q.values, NULL), RN_OK);
    assert_int_equal(rn_safetensors_load_buffer(file, &q, loaded, "optimizer.exp_avg."), RN_OK);
    assert_memory_equal(q.values, p.values, sizeof loaded);
    assert_memory_equal(loaded, extra, sizeof loaded);
    assert_int_equal(rn_safetensors_load_buffer(file, &q, loaded, "optimizer.sum."), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "no tensor 'optimizer.sum.fc1.weight'"));
    rn_safetensors_free(file);

    /* A model whose shapes differ is refused with both shapes named. */
    rn_params r;
    rn_params_init(&r);
    assert_int_equal(rn_params_add(&r, "fc1.weight", 2, (int[]){3, 2}, NULL), RN_OK);
    assert_int_equal(rn_params_add(&r, "fc1.bias", 1, (int[]){2}, NULL), RN_OK);
    assert_int_equal(rn_params_allocate(&r), RN_OK);
    assert_int_equal(rn_safetensors_read(path, &file), RN_OK);
    assert_int_equal(rn_safetensors_load_buffer(file, &r, r.values, NULL), RN_ERR_SHAPE);
    assert_non_null(strstr(rn_error_message(), "'fc1.weight' has shape (2, 3), the model needs (3, 2)"));
    rn_safetensors_free(file);
    rn_params_free(&p);
    rn_params_free(&q);
    rn_params_free(&r);
    unlink(path);
}

/* Writes 8-byte length + header (+ padding unless `length` overrides) + n data bytes. */
static void write_raw(const char *path, const char *header, uint64_t length, size_t data_bytes)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint64_t n = length ? length : strlen(header);
    unsigned char size[8];
    for (int i = 0; i < 8; i++) size[i] = (unsigned char)(n >> (8 * i));
    fwrite(size, 1, 8, f);
    fwrite(header, 1, strlen(header), f);
    for (size_t i = 0; i < data_bytes; i++) fputc(0, f);
    fclose(f);
}

static void expect_refusal(const char *header, uint64_t length, size_t data_bytes, const char *message)
{
    char path[] = "/tmp/redes-st-bad-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_raw(path, header, length, data_bytes);
    rn_safetensors *file = (rn_safetensors *)1;
    rn_status s = rn_safetensors_read(path, &file);
    unlink(path);
    assert_int_equal(s, RN_ERR_FORMAT);
    assert_null(file);
    if (!strstr(rn_error_message(), message))
        fail_msg("expected '%s' in: %s", message, rn_error_message());
    assert_non_null(strstr(rn_error_message(), path)); /* names the file */
}

static void refuses_malformed_files(void **state)
{
    (void)state;
    const char *ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
    expect_refusal(ok, 1000, 8, "header length 1000 exceeds the file");
    expect_refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 0, 8, "not valid JSON");
    expect_refusal("{\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}}", 0, 4, "dtype F16; redes reads F32 only");
    expect_refusal(ok, 0, 4, "outside the 4 data bytes");
    expect_refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 0, 8,
                   "shape holds 3 floats (12 bytes) but data_offsets [0, 8] span 8 bytes");
    expect_refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                   "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}",
                   0, 8, "overlap");
    expect_refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 0, 8,
                   "data bytes [0, 4) belong to no tensor");
    expect_refusal(ok, 0, 12, "4 trailing data bytes");
    expect_refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]}}", 0, 8, "BEGIN <= END");
    expect_refusal("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1],\"data_offsets\":[0,4]}}", 0, 4,
                   "5 dimensions");
    expect_refusal("{\"__metadata__\":{\"epoch\":3}}", 0, 0, "__metadata__ 'epoch' is not a string");
    expect_refusal("", 0, 0, "not valid JSON"); /* 8 bytes: length 0, empty header */
    rn_safetensors *file;
    assert_int_equal(rn_safetensors_read("/nonexistent/model.safetensors", &file), RN_ERR_IO);
    assert_non_null(strstr(rn_error_message(), "/nonexistent/model.safetensors: cannot open"));
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write") == 0) {
        /* For make_safetensors_golden.py: the redes -> PyTorch direction. */
        if (write_reference(argv[2]) != RN_OK) {
            fprintf(stderr, "%s\n", rn_error_message());
            return 1;
        }
        return 0;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_a_file_written_by_pytorch),
        cmocka_unit_test(round_trips_with_params_and_metadata),
        cmocka_unit_test(refuses_malformed_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
