/* dataset.c — the data set registry (see include/redes/dataset.h). */
#define _POSIX_C_SOURCE 200809L
#include "redes/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/data_internal.h"
#include "redes/csv.h"
#include "redes/idx.h"

enum { PATH_CAPACITY = 4096 };

/* Debian's dataset-fashion-mnist installs the four .gz files here. */
static const char *const DEBIAN_FASHION_DIR = "/usr/share/datasets/fashion-mnist";

/* Zalando's class names, in label order (fashion-mnist README). */
static const char *const FASHION_CLASSES[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

void rn_copy_text(char *buffer, size_t size, const char *text)
{
    snprintf(buffer, size, "%s", text ? text : "");
}

bool rn_ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

static bool is_directory(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISDIR(info.st_mode);
}

static bool is_file(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode);
}

const char *rn_data_dir(void)
{
    const char *from_environment = getenv("REDES_DATA_DIR");
    if (from_environment && from_environment[0]) return from_environment;
#ifdef REDES_DATA_DIR
    /* Compiled in by CMake as the source tree's data/; skipped when that
     * tree is gone (an installed library used elsewhere). */
    if (is_directory(REDES_DATA_DIR)) return REDES_DATA_DIR;
#endif
    return "data";
}

const char *rn_dataset_names(void)
{
    return "mnist|fashion|iris|wine|breast-cancer|digits";
}

rn_status rn_dataset_set_class_names(rn_dataset *dataset, const char *const *names, int count)
{
    dataset->class_names = calloc((size_t)count, sizeof *dataset->class_names);
    if (!dataset->class_names) return rn_error(RN_ERR_MEMORY, "cannot allocate %d class names", count);
    for (int k = 0; k < count; k++) {
        char number[16];
        snprintf(number, sizeof number, "%d", k);
        dataset->class_names[k] = strdup(names ? names[k] : number);
        if (!dataset->class_names[k]) return rn_error(RN_ERR_MEMORY, "cannot allocate class names");
    }
    return RN_OK;
}

void rn_dataset_free(rn_dataset *dataset)
{
    if (dataset->class_names)
        for (int k = 0; k < dataset->n_classes; k++)
            free(dataset->class_names[k]);
    free(dataset->class_names);
    free(dataset->pixels);
    free(dataset->features);
    free(dataset->labels);
    memset(dataset, 0, sizeof *dataset);
}

void rn_dataset_class_counts(const rn_dataset *dataset, const int *indices, int n, int *counts)
{
    memset(counts, 0, (size_t)dataset->n_classes * sizeof *counts);
    if (!indices) {
        for (int i = 0; i < dataset->n_examples; i++)
            counts[dataset->labels[i]]++;
        return;
    }
    for (int i = 0; i < n; i++)
        counts[dataset->labels[indices[i]]]++;
}

/* ------------------------------------------------------------------ IDX sets */

/* Checks an image file's geometry: uint8, (N, H, W) or (N, C, H, W). */
static rn_status check_images(const char *path, const rn_idx *images)
{
    if (images->type != RN_IDX_UINT8 || images->ndim < 3 || images->ndim > 4)
        return rn_error(RN_ERR_FORMAT, "%s: expected uint8 images with 3 or 4 dimensions, found %s with %d",
                        path, rn_idx_type_name(images->type), images->ndim);
    return RN_OK;
}

static void image_geometry(const rn_idx *images, int *c, int *h, int *w)
{
    *c = images->ndim == 4 ? images->shape[1] : 1;
    *h = images->shape[images->ndim - 2];
    *w = images->shape[images->ndim - 1];
}

/* Reads one images + labels pair, checking that they agree. */
static rn_status read_pair(const char *images_path, const char *labels_path, rn_idx *images, rn_idx *labels)
{
    RN_CHECK(rn_idx_read(images_path, RN_IDX_MAGIC_ANY, images));
    rn_status status = check_images(images_path, images);
    if (status == RN_OK) status = rn_idx_read(labels_path, RN_IDX_MAGIC_LABELS, labels);
    if (status == RN_OK && labels->shape[0] != images->shape[0])
        status = rn_error(RN_ERR_FORMAT, "%s has %d images but %s has %d labels", images_path,
                          images->shape[0], labels_path, labels->shape[0]);
    if (status != RN_OK) {
        rn_idx_free(images);
        rn_idx_free(labels);
    }
    return status;
}

/* Moves the pixels and labels of train (and test) into `out`. */
static rn_status assemble(rn_dataset *out, rn_idx *train_images, rn_idx *train_labels, rn_idx *test_images,
                          rn_idx *test_labels)
{
    int n_train = train_images->shape[0], n_test = test_images ? test_images->shape[0] : 0;
    size_t features = train_images->count / (size_t)n_train;
    out->n_examples = n_train + n_test;
    out->n_features = (int)features;
    image_geometry(train_images, &out->channels, &out->height, &out->width);
    out->n_official_train = test_images ? n_train : 0;

    size_t total = (size_t)out->n_examples * features;
    out->pixels = realloc(train_images->data, total);
    if (!out->pixels) return rn_error(RN_ERR_MEMORY, "cannot allocate %zu bytes of pixels", total);
    train_images->data = NULL;
    if (test_images) memcpy(out->pixels + (size_t)n_train * features, test_images->data, test_images->count);

    out->labels = malloc((size_t)out->n_examples * sizeof *out->labels);
    if (!out->labels) return rn_error(RN_ERR_MEMORY, "cannot allocate %d labels", out->n_examples);
    const uint8_t *train_bytes = train_labels->data;
    for (int i = 0; i < n_train; i++)
        out->labels[i] = train_bytes[i];
    if (test_labels) {
        const uint8_t *test_bytes = test_labels->data;
        for (int i = 0; i < n_test; i++)
            out->labels[n_train + i] = test_bytes[i];
    }
    return RN_OK;
}

static rn_status load_idx(const char *train_images_path, const char *train_labels_path,
                          const char *test_images_path, const char *test_labels_path,
                          const char *const *class_names, rn_dataset *out)
{
    rn_idx train_images, train_labels, test_images = {0}, test_labels = {0};
    RN_CHECK(read_pair(train_images_path, train_labels_path, &train_images, &train_labels));
    bool has_test = test_images_path && test_labels_path;
    rn_status status =
        has_test ? read_pair(test_images_path, test_labels_path, &test_images, &test_labels) : RN_OK;
    if (status == RN_OK && has_test) {
        int c0, h0, w0, c1, h1, w1;
        image_geometry(&train_images, &c0, &h0, &w0);
        image_geometry(&test_images, &c1, &h1, &w1);
        if (c0 != c1 || h0 != h1 || w0 != w1)
            status = rn_error(RN_ERR_FORMAT, "%s holds %dx%dx%d images but %s holds %dx%dx%d",
                              train_images_path, c0, h0, w0, test_images_path, c1, h1, w1);
    }
    if (status == RN_OK)
        status = assemble(out, &train_images, &train_labels, has_test ? &test_images : NULL,
                          has_test ? &test_labels : NULL);
    rn_idx_free(&train_images);
    rn_idx_free(&train_labels);
    rn_idx_free(&test_images);
    rn_idx_free(&test_labels);
    RN_CHECK(status);

    int largest = 0;
    for (int i = 0; i < out->n_examples; i++)
        if (out->labels[i] > largest) largest = out->labels[i];
    out->n_classes = class_names ? 0 : largest + 1;
    if (class_names) {
        while (class_names[out->n_classes])
            out->n_classes++;
        if (largest >= out->n_classes)
            return rn_error(RN_ERR_FORMAT, "%s: label %d found, but the set has %d classes",
                            train_labels_path, largest, out->n_classes);
    }
    return rn_dataset_set_class_names(out, class_names, out->n_classes);
}

rn_status rn_dataset_load_idx(const char *name, const char *train_images, const char *train_labels,
                              const char *test_images, const char *test_labels,
                              const char *const *class_names, rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    rn_status status = load_idx(train_images, train_labels, test_images, test_labels, class_names, out);
    if (status != RN_OK) {
        rn_dataset_free(out);
        return status;
    }
    rn_copy_text(out->name, sizeof out->name, name);
    rn_copy_text(out->source, sizeof out->source, train_images);
    return RN_OK;
}

/* Finds DIR/BASE.gz or DIR/BASE; returns false when neither exists. */
static bool find_idx(const char *dir, const char *base, char *path, size_t size)
{
    snprintf(path, size, "%s/%s.gz", dir, base);
    if (is_file(path)) return true;
    snprintf(path, size, "%s/%s", dir, base);
    return is_file(path);
}

/* Loads the four standard MNIST-format files from a folder. */
static rn_status load_idx_folder(const char *name, const char *dir, const char *const *class_names,
                                 rn_dataset *out)
{
    static const char *const bases[4] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                         "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};
    char paths[4][PATH_CAPACITY];
    for (int f = 0; f < 4; f++)
        if (!find_idx(dir, bases[f], paths[f], sizeof paths[f]))
            return rn_error(RN_ERR_IO, "%s: %s/%s[.gz] not found", name, dir, bases[f]);
    RN_CHECK(rn_dataset_load_idx(name, paths[0], paths[1], paths[2], paths[3], class_names, out));
    rn_copy_text(out->source, sizeof out->source, dir);
    return RN_OK;
}

static rn_status load_fashion(rn_dataset *out)
{
    char local[PATH_CAPACITY];
    snprintf(local, sizeof local, "%s/fashion-mnist", rn_data_dir());
    const char *names[11] = {0};
    memcpy(names, FASHION_CLASSES, sizeof FASHION_CLASSES);
    if (is_directory(local)) return load_idx_folder("fashion", local, names, out);
    if (is_directory(DEBIAN_FASHION_DIR)) return load_idx_folder("fashion", DEBIAN_FASHION_DIR, names, out);
    return rn_error(RN_ERR_IO,
                    "fashion: Fashion-MNIST not found in %s or %s (install the Debian package "
                    "dataset-fashion-mnist: apt-get install dataset-fashion-mnist)",
                    local, DEBIAN_FASHION_DIR);
}

/* ------------------------------------------------------------------ tabular sets */

typedef struct tabular_set {
    const char *name, *file;
    bool has_count_line;
} tabular_set;

/* scikit-learn's bundled copies (sklearn/datasets/data/), kept in data/sklearn/. */
static const tabular_set TABULAR_SETS[] = {{"iris", "iris.csv", true},
                                           {"wine", "wine_data.csv", true},
                                           {"breast-cancer", "breast_cancer.csv", true},
                                           {"digits", "digits.csv.gz", false}};

static rn_status load_tabular(const tabular_set *set, rn_dataset *out)
{
    char path[PATH_CAPACITY];
    snprintf(path, sizeof path, "%s/sklearn/%s", rn_data_dir(), set->file);
    RN_CHECK(rn_csv_load_sklearn(path, set->name, set->has_count_line, out));
    if (strcmp(set->name, "digits") == 0) {
        /* 8x8 images of values 0..16, kept as floats (UCI optdigits). */
        out->channels = 1;
        out->height = 8;
        out->width = 8;
    }
    return RN_OK;
}

/* ------------------------------------------------------------------ registry */

rn_status rn_dataset_load(const char *name_or_path, rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    if (!name_or_path || !name_or_path[0]) return rn_error(RN_ERR_ARGUMENT, "no data set name given");
    if (strcmp(name_or_path, "mnist") == 0) {
        char dir[PATH_CAPACITY];
        snprintf(dir, sizeof dir, "%s/mnist", rn_data_dir());
        return load_idx_folder("mnist", dir, NULL, out);
    }
    if (strcmp(name_or_path, "fashion") == 0 || strcmp(name_or_path, "fashion-mnist") == 0)
        return load_fashion(out);
    for (size_t s = 0; s < sizeof TABULAR_SETS / sizeof TABULAR_SETS[0]; s++)
        if (strcmp(name_or_path, TABULAR_SETS[s].name) == 0) return load_tabular(&TABULAR_SETS[s], out);

    if (rn_ends_with(name_or_path, ".csv") || rn_ends_with(name_or_path, ".csv.gz"))
        return rn_csv_load(name_or_path, NULL, out);
    if (is_directory(name_or_path)) {
        const char *slash = strrchr(name_or_path, '/');
        const char *base = slash && slash[1] ? slash + 1 : name_or_path;
        return load_idx_folder(base, name_or_path, NULL, out);
    }
    if (is_file(name_or_path))
        return rn_error(RN_ERR_ARGUMENT,
                        "%s: not a data set (expected a .csv file or a folder of MNIST-format IDX files)",
                        name_or_path);
    if (strchr(name_or_path, '/') || strchr(name_or_path, '.'))
        return rn_error(RN_ERR_IO, "%s: no such file or folder", name_or_path);
    return rn_error(RN_ERR_ARGUMENT,
                    "unknown data set '%s' (expected %s, a .csv file or a folder of IDX files)", name_or_path,
                    rn_dataset_names());
}
