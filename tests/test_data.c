/* test_data.c — IDX and CSV readers, the bundled data sets, splits, batching. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "md5.h"
#include "redes/redes.h"

/* ------------------------------------------------------------------ helpers */

static char temp_dir[256];

static int make_temp_dir(void **state)
{
    (void)state;
    snprintf(temp_dir, sizeof temp_dir, "/tmp/redes-test-data-XXXXXX");
    return mkdtemp(temp_dir) ? 0 : -1;
}

static int remove_temp_dir(void **state)
{
    (void)state;
    char command[512];
    snprintf(command, sizeof command, "rm -rf '%s'", temp_dir);
    return system(command) == 0 ? 0 : -1;
}

static const char *temp_path(const char *name)
{
    static char path[4][512];
    static int next;
    char *out = path[next++ % 4];
    snprintf(out, sizeof path[0], "%s/%s", temp_dir, name);
    return out;
}

/* Writes bytes to a file, gzip-compressed when the name ends in .gz. */
static void write_bytes(const char *path, const void *bytes, size_t n)
{
    size_t length = strlen(path);
    bool gz = length > 3 && strcmp(path + length - 3, ".gz") == 0;
    gzFile file = gzopen(path, gz ? "wb6" : "wbT");
    assert_non_null(file);
    if (n) assert_int_equal(gzwrite(file, bytes, (unsigned)n), (int)n);
    assert_int_equal(gzclose(file), Z_OK);
}

static void write_text(const char *path, const char *text)
{
    write_bytes(path, text, strlen(text));
}

/* Asserts that `status` failed with `code` and a message containing `part`. */
static void assert_error(rn_status status, rn_status code, const char *part)
{
    if (status != code || !strstr(rn_error_message(), part))
        fail_msg("expected status %d with message containing \"%s\", got %d: \"%s\"", code, part, status,
                 rn_error_message());
}

/* The header of a uint8 IDX file of shape (n, rows, cols). */
static size_t idx3_header(unsigned char *out, int magic, int n, int rows, int cols)
{
    const int values[4] = {magic, n, rows, cols};
    for (int v = 0; v < 4; v++)
        for (int b = 0; b < 4; b++)
            out[4 * v + b] = (unsigned char)((unsigned)values[v] >> (24 - 8 * b));
    return 16;
}

/* ------------------------------------------------------------------ IDX */

static void idx_round_trip_all_types(void **state)
{
    (void)state;
    /* uint8 images, plain and gzip. */
    uint8_t pixels[2 * 3 * 4];
    for (int i = 0; i < 24; i++)
        pixels[i] = (uint8_t)(i * 11);
    rn_idx images = {RN_IDX_UINT8, 3, {2, 3, 4}, 24, 1, pixels};
    const char *names[2] = {"images.idx", "images.idx.gz"};
    for (int f = 0; f < 2; f++) {
        assert_int_equal(rn_idx_write(temp_path(names[f]), &images), RN_OK);
        rn_idx back;
        assert_int_equal(rn_idx_read(temp_path(names[f]), RN_IDX_MAGIC_IMAGES, &back), RN_OK);
        assert_int_equal(back.type, RN_IDX_UINT8);
        assert_int_equal(back.ndim, 3);
        assert_int_equal(back.shape[0], 2);
        assert_int_equal(back.shape[2], 4);
        assert_int_equal(back.count, 24);
        assert_memory_equal(back.data, pixels, 24);
        rn_idx_free(&back);
    }
    /* The plain file is exactly header + data, big-endian dimensions. */
    FILE *file = fopen(temp_path("images.idx"), "rb");
    unsigned char head[16];
    assert_int_equal(fread(head, 1, 16, file), 16);
    fseek(file, 0, SEEK_END);
    assert_int_equal(ftell(file), 16 + 24);
    fclose(file);
    const unsigned char expected_head[16] = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0, 4};
    assert_memory_equal(head, expected_head, 16);

    /* Multi-byte types come back in host order. */
    int16_t shorts[3] = {-2, 300, 32767};
    int32_t ints[2] = {-70000, 123456789};
    float floats[4] = {1.5f, -0.25f, 3e-8f, 1e30f};
    double doubles[2] = {3.141592653589793, -1e-300};
    rn_idx records[4] = {{RN_IDX_INT16, 1, {3}, 3, 2, shorts},
                         {RN_IDX_INT32, 2, {1, 2}, 2, 4, ints},
                         {RN_IDX_FLOAT32, 2, {2, 2}, 4, 4, floats},
                         {RN_IDX_FLOAT64, 1, {2}, 2, 8, doubles}};
    for (int r = 0; r < 4; r++) {
        const char *path = temp_path(r % 2 ? "typed.idx.gz" : "typed.idx");
        assert_int_equal(rn_idx_write(path, &records[r]), RN_OK);
        rn_idx back;
        assert_int_equal(rn_idx_read(path, RN_IDX_MAGIC_ANY, &back), RN_OK);
        assert_int_equal(back.type, records[r].type);
        assert_int_equal(back.count, records[r].count);
        assert_memory_equal(back.data, records[r].data, records[r].count * records[r].item_bytes);
        rn_idx_free(&back);
    }
    assert_string_equal(rn_idx_type_name(RN_IDX_FLOAT32), "float32");
}

static void idx_rejects_corrupt_files(void **state)
{
    (void)state;
    /* A valid 5 x 4 x 4 image file to damage in several ways. */
    unsigned char file[16 + 80];
    idx3_header(file, RN_IDX_MAGIC_IMAGES, 5, 4, 4);
    for (int i = 0; i < 80; i++)
        file[16 + i] = (unsigned char)i;
    rn_idx idx;
    for (int gz = 0; gz < 2; gz++) {
        const char *path = temp_path(gz ? "bad.idx.gz" : "bad.idx");
        write_bytes(path, file, sizeof file);
        assert_int_equal(rn_idx_read(path, RN_IDX_MAGIC_IMAGES, &idx), RN_OK);
        rn_idx_free(&idx);

        /* Short by 30 bytes: truncated, with both lengths and the file name. */
        write_bytes(path, file, sizeof file - 30);
        char expected[600];
        snprintf(expected, sizeof expected, "%s: expected 96 bytes, found 66 (truncated?)", path);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, expected);
        assert_null(idx.data);
        /* Cut inside the dimensions. */
        write_bytes(path, file, 10);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, "expected 16 bytes, found 10");
        /* Trailing bytes. */
        unsigned char longer[sizeof file + 7] = {0};
        memcpy(longer, file, sizeof file);
        write_bytes(path, longer, sizeof longer);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT,
                     "expected 96 bytes, found 103 (trailing data?)");
        /* Empty. */
        write_bytes(path, file, 0);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, "empty file");
        /* Labels asked for, images found. */
        write_bytes(path, file, sizeof file);
        assert_error(
            rn_idx_read(path, RN_IDX_MAGIC_LABELS, &idx), RN_ERR_FORMAT,
            "expected magic 2049 (IDX uint8 with 1 dimension), found 2051 (IDX uint8 with 3 dimensions)");
        /* Not IDX at all: first bytes nonzero, or an unknown type code. */
        unsigned char damaged[sizeof file];
        memcpy(damaged, file, sizeof file);
        damaged[0] = 0x12;
        write_bytes(path, damaged, sizeof damaged);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, "bad magic number 0x12000803");
        memcpy(damaged, file, sizeof file);
        damaged[2] = 0x07;
        write_bytes(path, damaged, sizeof damaged);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, "not an IDX file");
        /* A zero dimension. */
        memcpy(damaged, file, sizeof file);
        damaged[11] = 0;
        write_bytes(path, damaged, sizeof damaged);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, "dimension 2 of 3 is 0");
        /* Dimensions too large for any real file. */
        memcpy(damaged, file, sizeof file);
        memset(damaged + 4, 0x7F, 12);
        write_bytes(path, damaged, sizeof damaged);
        assert_error(rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx), RN_ERR_FORMAT, "corrupt header");
    }
    /* A gzip stream cut short, and one with damaged compressed bytes. */
    unsigned char big[16 + 4000];
    idx3_header(big, RN_IDX_MAGIC_IMAGES, 10, 20, 20);
    for (int i = 0; i < 4000; i++)
        big[16 + i] = (unsigned char)(i * 7 % 251);
    const char *path = temp_path("big.idx.gz");
    write_bytes(path, big, sizeof big);
    FILE *f = fopen(path, "rb");
    unsigned char compressed[8192];
    size_t n = fread(compressed, 1, sizeof compressed, f);
    fclose(f);
    assert_true(n > 200 && n < sizeof compressed);
    f = fopen(path, "wb");
    fwrite(compressed, 1, n / 2, f);
    fclose(f);
    assert_error(rn_idx_read(path, RN_IDX_MAGIC_IMAGES, &idx), RN_ERR_FORMAT, "(truncated?)");
    for (size_t i = 20; i < 60; i++)
        compressed[i] ^= 0x5A;
    f = fopen(path, "wb");
    fwrite(compressed, 1, n, f);
    fclose(f);
    assert_int_equal(rn_idx_read(path, RN_IDX_MAGIC_IMAGES, &idx), RN_ERR_FORMAT);
    assert_null(idx.data);
    /* Missing file: an I/O error naming it. */
    assert_error(rn_idx_read(temp_path("missing.idx"), RN_IDX_MAGIC_ANY, &idx), RN_ERR_IO,
                 "missing.idx: cannot open");
}

/* ------------------------------------------------------------------ MNIST */

/* MD5 of the decompressed file, in one pass. */
static void md5_of_gz(const char *path, char hex[33])
{
    gzFile file = gzopen(path, "rb");
    assert_non_null(file);
    gzbuffer(file, 1 << 18);
    static unsigned char buffer[1 << 18];
    md5_state state;
    md5_init(&state);
    int got;
    while ((got = gzread(file, buffer, sizeof buffer)) > 0)
        md5_update(&state, buffer, (size_t)got);
    assert_int_equal(got, 0);
    gzclose(file);
    md5_final(&state, hex);
}

static void mnist_checksums_match_the_published_ones(void **state)
{
    (void)state;
    /* MD5 of the uncompressed files as distributed by LeCun, Cortes and
     * Burges (see data/mnist/README.md). */
    static const char *const files[4][2] = {
        {"train-images-idx3-ubyte.gz", "6bbc9ace898e44ae57da46a324031adb"},
        {"train-labels-idx1-ubyte.gz", "a25bea736e30d166cdddb491f175f624"},
        {"t10k-images-idx3-ubyte.gz", "2646ac647ad5339dbf082846283269ea"},
        {"t10k-labels-idx1-ubyte.gz", "27ae3e4e09519cfbb04c329615203637"}};
    for (int f = 0; f < 4; f++) {
        char path[1024], hex[33];
        snprintf(path, sizeof path, "%s/data/mnist/%s", REDES_SOURCE_DIR, files[f][0]);
        md5_of_gz(path, hex);
        assert_string_equal(hex, files[f][1]);
    }
}

static void mnist_loads_with_known_counts(void **state)
{
    (void)state;
    rn_dataset mnist;
    assert_int_equal(rn_dataset_load("mnist", &mnist), RN_OK);
    assert_string_equal(mnist.name, "mnist");
    assert_int_equal(mnist.n_examples, 70000);
    assert_int_equal(mnist.n_features, 784);
    assert_int_equal(mnist.n_classes, 10);
    assert_int_equal(mnist.channels, 1);
    assert_int_equal(mnist.height, 28);
    assert_int_equal(mnist.width, 28);
    assert_int_equal(mnist.n_official_train, 60000);
    assert_non_null(mnist.pixels);
    assert_null(mnist.features);
    assert_string_equal(mnist.class_names[7], "7");
    /* Per-class counts of the official parts (LeCun et al.'s files). */
    static const int train_counts[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    static const int test_counts[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    int counts[10];
    rn_split official;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    assert_int_equal(rn_split_official(&mnist, 0.0, &rng, &official), RN_OK);
    assert_int_equal(official.n_train, 60000);
    assert_int_equal(official.n_val, 0);
    rn_dataset_class_counts(&mnist, official.train, official.n_train, counts);
    assert_memory_equal(counts, train_counts, sizeof counts);
    rn_dataset_class_counts(&mnist, official.test, official.n_test, counts);
    assert_memory_equal(counts, test_counts, sizeof counts);
    /* The first labels of each part: 5 0 4 1 9 and 7 2 1 0 4. */
    static const int first_train[5] = {5, 0, 4, 1, 9}, first_test[5] = {7, 2, 1, 0, 4};
    assert_memory_equal(mnist.labels, first_train, sizeof first_train);
    assert_memory_equal(mnist.labels + 60000, first_test, sizeof first_test);
    /* The well-known normalisation constants: mean 0.1307, std 0.3081 of the
     * training pixels scaled to [0, 1] (0.13066048, 0.30810780 by numpy). */
    rn_standardizer global;
    assert_int_equal(rn_standardizer_fit(&global, &mnist, official.train, official.n_train, false), RN_OK);
    assert_float_equal(global.mean[0], 0.13066048f, 1e-6);
    assert_float_equal(global.std[0], 0.30810780f, 1e-6);
    rn_standardizer_free(&global);
    rn_split_free(&official);
    rn_dataset_free(&mnist);
}

static void fashion_loads_or_names_the_package(void **state)
{
    (void)state;
    rn_dataset fashion;
    rn_status status = rn_dataset_load("fashion", &fashion);
    if (access("/usr/share/datasets/fashion-mnist", F_OK) != 0) {
        assert_error(status, RN_ERR_IO, "dataset-fashion-mnist");
        return;
    }
    assert_int_equal(status, RN_OK);
    assert_int_equal(fashion.n_examples, 70000);
    assert_int_equal(fashion.n_official_train, 60000);
    assert_int_equal(fashion.height, 28);
    assert_string_equal(fashion.class_names[9], "Ankle boot");
    int counts[10];
    rn_dataset_class_counts(&fashion, NULL, 0, counts);
    for (int k = 0; k < 10; k++)
        assert_int_equal(counts[k], 7000);
    rn_dataset_free(&fashion);
}

/* ------------------------------------------------------------------ tabular sets */

static void check_tabular(const char *name, int examples, int features, int classes, const int *counts)
{
    rn_dataset d;
    if (rn_dataset_load(name, &d) != RN_OK) fail_msg("%s: %s", name, rn_error_message());
    assert_string_equal(d.name, name);
    assert_int_equal(d.n_examples, examples);
    assert_int_equal(d.n_features, features);
    assert_int_equal(d.n_classes, classes);
    assert_non_null(d.features);
    assert_null(d.pixels);
    assert_int_equal(d.n_official_train, 0);
    int found[16];
    rn_dataset_class_counts(&d, NULL, 0, found);
    assert_memory_equal(found, counts, (size_t)classes * sizeof *counts);
    rn_dataset_free(&d);
}

static void sklearn_sets_load_with_known_counts(void **state)
{
    (void)state;
    check_tabular("iris", 150, 4, 3, (const int[]){50, 50, 50});
    check_tabular("wine", 178, 13, 3, (const int[]){59, 71, 48});
    check_tabular("breast-cancer", 569, 30, 2, (const int[]){212, 357});
    check_tabular("digits", 1797, 64, 10, (const int[]){178, 182, 177, 183, 181, 182, 181, 179, 174, 180});

    rn_dataset iris;
    assert_int_equal(rn_dataset_load("iris", &iris), RN_OK);
    assert_string_equal(iris.class_names[0], "setosa");
    assert_string_equal(iris.class_names[2], "virginica");
    /* First and last rows of Fisher's table. */
    static const float first[4] = {5.1f, 3.5f, 1.4f, 0.2f}, last[4] = {5.9f, 3.0f, 5.1f, 1.8f};
    assert_memory_equal(iris.features, first, sizeof first);
    assert_memory_equal(iris.features + 149 * 4, last, sizeof last);
    assert_int_equal(iris.labels[149], 2);
    rn_dataset_free(&iris);

    rn_dataset breast;
    assert_int_equal(rn_dataset_load("breast-cancer", &breast), RN_OK);
    assert_string_equal(breast.class_names[0], "malignant");
    assert_float_equal(breast.features[0], 17.99f, 0);
    rn_dataset_free(&breast);

    rn_dataset digits;
    assert_int_equal(rn_dataset_load("digits", &digits), RN_OK);
    assert_int_equal(digits.height, 8);
    assert_int_equal(digits.width, 8);
    float largest = 0;
    for (int i = 0; i < 1797 * 64; i++)
        largest = fmaxf(largest, digits.features[i]);
    assert_float_equal(largest, 16.0f, 0);
    rn_dataset_free(&digits);
}

static void registry_names_and_data_dir(void **state)
{
    (void)state;
    rn_dataset d;
    assert_error(rn_dataset_load("no-such-set", &d), RN_ERR_ARGUMENT, "unknown data set 'no-such-set'");
    assert_error(rn_dataset_load("missing/file.csv", &d), RN_ERR_IO, "missing/file.csv: cannot open");
    /* REDES_DATA_DIR in the environment wins over the compiled-in folder. */
    setenv("REDES_DATA_DIR", temp_dir, 1);
    assert_string_equal(rn_data_dir(), temp_dir);
    assert_error(rn_dataset_load("mnist", &d), RN_ERR_IO, "train-images-idx3-ubyte[.gz] not found");
    unsetenv("REDES_DATA_DIR");
    assert_string_equal(rn_data_dir(), REDES_SOURCE_DIR "/data");

    /* A folder of MNIST-format files loads as a data set (plain files here). */
    char folder[512];
    snprintf(folder, sizeof folder, "%s/tiny-idx", temp_dir);
    assert_int_equal(mkdir(folder, 0777), 0);
    uint8_t pixels[3 * 2 * 2] = {0, 255, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, labels[3] = {2, 0, 2};
    rn_idx images = {RN_IDX_UINT8, 3, {3, 2, 2}, 12, 1, pixels};
    rn_idx label_file = {RN_IDX_UINT8, 1, {3}, 3, 1, labels};
    const char *bases[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte",
                            "t10k-labels-idx1-ubyte"};
    for (int f = 0; f < 4; f++) {
        char path[600];
        snprintf(path, sizeof path, "%s/%s", folder, bases[f]);
        assert_int_equal(rn_idx_write(path, f % 2 ? &label_file : &images), RN_OK);
    }
    assert_int_equal(rn_dataset_load(folder, &d), RN_OK);
    assert_string_equal(d.name, "tiny-idx");
    assert_int_equal(d.n_examples, 6);
    assert_int_equal(d.n_features, 4);
    assert_int_equal(d.n_classes, 3);
    assert_int_equal(d.n_official_train, 3);
    assert_int_equal(d.labels[3], 2);
    assert_float_equal(rn_dataset_value(&d, 0, 1), 1.0f, 0);
    rn_dataset_free(&d);
}

/* ------------------------------------------------------------------ CSV */

static void csv_header_string_labels_and_options(void **state)
{
    (void)state;
    const char *path = temp_path("flowers.csv");
    write_text(path, "# measured by hand\r\n"
                     "length, width ,species\r\n"
                     "1.5,2,virginica\r\n"
                     "\r\n"
                     "3,-4e-1, setosa\r\n"
                     "5,6,versicolor\r\n"
                     "7,8,setosa");
    rn_dataset d;
    assert_int_equal(rn_csv_load(path, NULL, &d), RN_OK);
    assert_string_equal(d.name, "flowers.csv");
    assert_int_equal(d.n_examples, 4);
    assert_int_equal(d.n_features, 2);
    assert_int_equal(d.n_classes, 3);
    /* Sorted like scikit-learn's LabelEncoder: setosa 0, versicolor 1, virginica 2. */
    assert_string_equal(d.class_names[0], "setosa");
    assert_string_equal(d.class_names[1], "versicolor");
    assert_string_equal(d.class_names[2], "virginica");
    static const int labels[4] = {2, 0, 1, 0};
    assert_memory_equal(d.labels, labels, sizeof labels);
    static const float features[8] = {1.5f, 2, 3, -0.4f, 5, 6, 7, 8};
    assert_memory_equal(d.features, features, sizeof features);
    rn_dataset_free(&d);

    /* Numeric labels 10, 2, 1: sorted numerically (1 -> 0, 2 -> 1, 10 -> 2),
     * label in the first column, no header. */
    write_text(path, "10,0.5\n2,1.5\n1,2.5\n10,3.5\n");
    rn_csv_options options = rn_csv_default_options();
    options.label_column = 0;
    assert_int_equal(rn_csv_load(path, &options, &d), RN_OK);
    assert_int_equal(d.n_features, 1);
    assert_int_equal(d.n_classes, 3);
    assert_string_equal(d.class_names[2], "10");
    static const int numeric_labels[4] = {2, 1, 0, 2};
    assert_memory_equal(d.labels, numeric_labels, sizeof numeric_labels);
    assert_float_equal(d.features[3], 3.5f, 0);
    rn_dataset_free(&d);

    /* gzip works the same. */
    const char *gz_path = temp_path("small.csv.gz");
    write_text(gz_path, "1,2,a\n3,4,b\n");
    assert_int_equal(rn_dataset_load(gz_path, &d), RN_OK);
    assert_int_equal(d.n_examples, 2);
    rn_dataset_free(&d);
}

static void csv_errors_name_line_and_column(void **state)
{
    (void)state;
    const char *path = temp_path("bad.csv");
    char expected[600];
    rn_dataset d;
    write_text(path, "a,b,label\n1,2,x\n3,oops,y\n");
    snprintf(expected, sizeof expected, "%s:3: column 2: 'oops' is not a number", path);
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, expected);
    assert_null(d.features);

    write_text(path, "1,2,x\n\n# comment\n3,4\n");
    snprintf(expected, sizeof expected, "%s:4: expected 3 columns, found 2", path);
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, expected);

    write_text(path, "1,2,x\n3,nan,y\n");
    snprintf(expected, sizeof expected, "%s:2: column 2: 'nan' is not a finite number", path);
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_NUMERIC, expected);
    write_text(path, "1,2,x\n-inf,1,y\n");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_NUMERIC, ":2: column 1: '-inf' is not a finite number");
    write_text(path, "1,1e39,x\n");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_NUMERIC, ":1: column 2");
    write_text(path, "1,,x\n");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, ":1: column 2: empty value");

    write_text(path, "");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, "empty file");
    write_text(path, "\n# only a comment\n\n");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, "empty file");
    write_text(path, "x,y,label\n");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, "no data rows after the header");
    write_text(path, "1\n2\n");
    assert_error(rn_csv_load(path, NULL, &d), RN_ERR_FORMAT, "at least 2 columns");

    rn_csv_options options = rn_csv_default_options();
    options.label_column = 5;
    write_text(path, "1,2,x\n");
    assert_error(rn_csv_load(path, &options, &d), RN_ERR_ARGUMENT, "label column 6 does not exist");

    /* scikit-learn's format: the count line must match the rows. */
    write_text(path, "3,2,a,b\n1,2,0\n3,4,1\n");
    assert_error(rn_csv_load_sklearn(path, "x", true, &d), RN_ERR_FORMAT, "announces 3 rows, found 2");
    write_text(path, "2,2,a,b\n1,2,0\n3,4,2\n");
    assert_error(rn_csv_load_sklearn(path, "x", true, &d), RN_ERR_FORMAT,
                 ":3: column 3: label '2' is not a class index 0..1");
}

/* ------------------------------------------------------------------ splits */

static void stratified_split_keeps_proportions(void **state)
{
    (void)state;
    rn_dataset wine;
    assert_int_equal(rn_dataset_load("wine", &wine), RN_OK);
    rn_rng rng;
    rn_rng_seed(&rng, 42);
    rn_split split;
    assert_int_equal(rn_split_stratified(&wine, 0.7, 0.15, &rng, &split), RN_OK);
    /* Class sizes 59, 71, 48: train round(0.7 n), train+val round(0.85 n). */
    int counts[3];
    rn_dataset_class_counts(&wine, split.train, split.n_train, counts);
    assert_memory_equal(counts, ((int[]){41, 50, 34}), sizeof counts);
    rn_dataset_class_counts(&wine, split.val, split.n_val, counts);
    assert_memory_equal(counts, ((int[]){9, 10, 7}), sizeof counts);
    rn_dataset_class_counts(&wine, split.test, split.n_test, counts);
    assert_memory_equal(counts, ((int[]){9, 11, 7}), sizeof counts);

    /* Disjoint, covering, sorted. */
    int seen[178] = {0};
    const int *parts[3] = {split.train, split.val, split.test};
    int sizes[3] = {split.n_train, split.n_val, split.n_test};
    for (int p = 0; p < 3; p++)
        for (int i = 0; i < sizes[p]; i++) {
            seen[parts[p][i]]++;
            if (i) assert_true(parts[p][i - 1] < parts[p][i]);
        }
    for (int i = 0; i < 178; i++)
        assert_int_equal(seen[i], 1);

    /* Same seed, same split; another seed, another split. */
    rn_split again, other;
    rn_rng_seed(&rng, 42);
    assert_int_equal(rn_split_stratified(&wine, 0.7, 0.15, &rng, &again), RN_OK);
    assert_memory_equal(again.test, split.test, (size_t)split.n_test * sizeof *split.test);
    rn_rng_seed(&rng, 43);
    assert_int_equal(rn_split_stratified(&wine, 0.7, 0.15, &rng, &other), RN_OK);
    assert_int_equal(other.n_test, split.n_test);
    assert_true(memcmp(other.test, split.test, (size_t)split.n_test * sizeof *split.test) != 0);
    rn_split_free(&again);
    rn_split_free(&other);
    rn_split_free(&split);

    /* Bad fractions; no official split for wine. */
    assert_error(rn_split_stratified(&wine, 0.9, 0.2, &rng, &split), RN_ERR_ARGUMENT, "train + val <= 1");
    assert_error(rn_split_official(&wine, 0.1, &rng, &split), RN_ERR_ARGUMENT,
                 "no official train/test split");
    /* All training. */
    assert_int_equal(rn_split_stratified(&wine, 1.0, 0.0, &rng, &split), RN_OK);
    assert_int_equal(split.n_train, 178);
    assert_int_equal(split.n_test, 0);
    rn_split_free(&split);
    rn_dataset_free(&wine);
}

/* ------------------------------------------------------------------ batching */

/* A tabular set of n examples whose only feature is the example's index. */
static void make_indexed_set(rn_dataset *d, int n)
{
    memset(d, 0, sizeof *d);
    d->n_examples = n;
    d->n_features = 1;
    d->n_classes = 2;
    d->features = malloc((size_t)n * sizeof *d->features);
    d->labels = malloc((size_t)n * sizeof *d->labels);
    for (int i = 0; i < n; i++) {
        d->features[i] = (float)i;
        d->labels[i] = i % 2;
    }
}

static void batcher_visits_each_example_once_per_epoch(void **state)
{
    (void)state;
    enum { N = 23, B = 5 };
    rn_dataset d;
    make_indexed_set(&d, N);
    int indices[N];
    for (int i = 0; i < N; i++)
        indices[i] = i;
    rn_batcher a, b;
    assert_int_equal(rn_batcher_init(&a, &d, indices, N, B, true, 7), RN_OK);
    assert_int_equal(rn_batcher_init(&b, &d, indices, N, B, true, 7), RN_OK);
    assert_int_equal(rn_batcher_batches_per_epoch(&a), 5);
    float x[B], xb[B];
    int y[B], yb[B];
    int first_epoch[N], second_epoch[N];
    for (int epoch = 0; epoch < 2; epoch++) {
        int seen[N] = {0}, total = 0, batches = 0, count;
        while ((count = rn_batcher_next(&a, x, y)) > 0) {
            /* The same seed gives the same batches. */
            assert_int_equal(rn_batcher_next(&b, xb, yb), count);
            assert_memory_equal(x, xb, (size_t)count * sizeof *x);
            assert_int_equal(count, batches < 4 ? B : N - 4 * B);
            for (int r = 0; r < count; r++) {
                int example = (int)x[r];
                assert_int_equal(y[r], example % 2);
                seen[example]++;
                (epoch ? second_epoch : first_epoch)[total + r] = example;
            }
            total += count;
            batches++;
        }
        assert_int_equal(rn_batcher_next(&b, xb, yb), 0);
        assert_int_equal(total, N);
        assert_int_equal(batches, 5);
        for (int i = 0; i < N; i++)
            assert_int_equal(seen[i], 1);
        assert_int_equal(a.epoch, epoch + 1);
    }
    /* Shuffled, and differently each epoch. */
    assert_true(memcmp(first_epoch, indices, sizeof indices) != 0);
    assert_true(memcmp(first_epoch, second_epoch, sizeof first_epoch) != 0);
    rn_batcher_free(&b);

    /* Without shuffling the order is the index order; drop_last skips the short batch. */
    rn_batcher_free(&a);
    assert_int_equal(rn_batcher_init(&a, &d, indices, N, B, false, 7), RN_OK);
    a.drop_last = true;
    assert_int_equal(rn_batcher_batches_per_epoch(&a), 4);
    int batches = 0;
    while (rn_batcher_next(&a, x, y) > 0) {
        assert_float_equal(x[0], (float)(B * batches), 0);
        batches++;
    }
    assert_int_equal(batches, 4);
    rn_batcher_free(&a);
    int bad_index = N;
    assert_error(rn_batcher_init(&a, &d, &bad_index, 1, B, false, 7), RN_ERR_ARGUMENT, "out of range");
    rn_dataset_free(&d);
}

static void standardizer_fits_on_train_only(void **state)
{
    (void)state;
    rn_dataset wine;
    assert_int_equal(rn_dataset_load("wine", &wine), RN_OK);
    rn_rng rng;
    rn_rng_seed(&rng, 5);
    rn_split split;
    assert_int_equal(rn_split_stratified(&wine, 0.7, 0.0, &rng, &split), RN_OK);
    rn_standardizer scaler;
    assert_int_equal(rn_standardizer_fit(&scaler, &wine, split.train, split.n_train, true), RN_OK);
    /* Standardised training features have mean 0 and (population) std 1. */
    float *x = malloc((size_t)split.n_train * 13 * sizeof *x);
    rn_gather(&wine, &scaler, split.train, split.n_train, x, NULL);
    for (int j = 0; j < 13; j++) {
        double sum = 0, sum_sq = 0;
        for (int i = 0; i < split.n_train; i++)
            sum += x[i * 13 + j];
        double mean = sum / split.n_train;
        for (int i = 0; i < split.n_train; i++)
            sum_sq += (x[i * 13 + j] - mean) * (x[i * 13 + j] - mean);
        assert_float_equal(mean, 0.0, 1e-5);
        assert_float_equal(sqrt(sum_sq / split.n_train), 1.0, 1e-5);
    }
    /* The batcher applies the same statistics. */
    rn_batcher batcher;
    assert_int_equal(rn_batcher_init(&batcher, &wine, split.test, split.n_test, 4, false, 1), RN_OK);
    batcher.standardizer = &scaler;
    float batch[4 * 13];
    int labels[4];
    assert_int_equal(rn_batcher_next(&batcher, batch, labels), 4);
    int first = split.test[0];
    assert_float_equal(batch[12], (wine.features[first * 13 + 12] - scaler.mean[12]) / scaler.std[12], 1e-6);
    assert_int_equal(labels[0], wine.labels[first]);
    rn_batcher_free(&batcher);
    free(x);
    rn_standardizer_free(&scaler);
    rn_split_free(&split);
    rn_dataset_free(&wine);

    /* A constant feature keeps std 1 (no division by zero). */
    rn_dataset d;
    make_indexed_set(&d, 4);
    for (int i = 0; i < 4; i++)
        d.features[i] = 3.0f;
    int all[4] = {0, 1, 2, 3};
    assert_int_equal(rn_standardizer_fit(&scaler, &d, all, 4, true), RN_OK);
    assert_float_equal(scaler.std[0], 1.0f, 0);
    rn_standardizer_free(&scaler);
    rn_dataset_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(idx_round_trip_all_types),
        cmocka_unit_test(idx_rejects_corrupt_files),
        cmocka_unit_test(mnist_checksums_match_the_published_ones),
        cmocka_unit_test(mnist_loads_with_known_counts),
        cmocka_unit_test(fashion_loads_or_names_the_package),
        cmocka_unit_test(sklearn_sets_load_with_known_counts),
        cmocka_unit_test(registry_names_and_data_dir),
        cmocka_unit_test(csv_header_string_labels_and_options),
        cmocka_unit_test(csv_errors_name_line_and_column),
        cmocka_unit_test(stratified_split_keeps_proportions),
        cmocka_unit_test(batcher_visits_each_example_once_per_epoch),
        cmocka_unit_test(standardizer_fits_on_train_only),
    };
    return cmocka_run_group_tests(tests, make_temp_dir, remove_temp_dir);
}
