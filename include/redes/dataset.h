/* dataset.h — the course's data sets, loaded by name, in one record.
 *
 *   rn_dataset mnist;
 *   if (rn_dataset_load("mnist", &mnist) != RN_OK) { ... rn_error_message() ... }
 *   // mnist.n_examples = 70000, n_features = 784, n_classes = 10,
 *   // channels/height/width = 1/28/28, pixels = 70000 x 784 bytes,
 *   // labels = 70000 ints, n_official_train = 60000 (the rest is the test set)
 *   rn_dataset_free(&mnist);
 *
 * Names (see docs/data.md for origin and licences):
 *   mnist          70000 x 784  (uint8 pixels, 1x28x28), 10 classes, official split 60000/10000
 *   fashion        70000 x 784  (Fashion-MNIST, Debian package dataset-fashion-mnist), 60000/10000
 *   iris           150 x 4      3 classes (scikit-learn's copy of the UCI set)
 *   wine           178 x 13     3 classes
 *   breast-cancer  569 x 30     2 classes (malignant, benign)
 *   digits         1797 x 64    10 classes, 8x8 images with values 0..16 stored as floats
 *   PATH.csv       a user file (see csv.h); PATH.csv.gz also works
 *   DIR            a folder holding train-/t10k-{images-idx3,labels-idx1}-ubyte[.gz]
 *
 * Features are row-major, one row of n_features values per example: image
 * sets keep uint8 pixels (`pixels`, features == NULL), tabular sets keep
 * floats (`features`, pixels == NULL).  Labels are class indices in
 * [0, n_classes) and class_names[k] names class k.
 *
 * Where a set has an official train/test split (MNIST, Fashion-MNIST) the
 * training examples come first: [0, n_official_train) is the training set and
 * [n_official_train, n_examples) the test set.  n_official_train == 0 means
 * there is no official split (use rn_split_stratified, split.h).
 *
 * The data directory is, in order: the environment variable REDES_DATA_DIR,
 * the directory compiled in as REDES_DATA_DIR (the source tree's data/), or
 * ./data.  Fashion-MNIST is looked for in DATA_DIR/fashion-mnist and then in
 * /usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist).
 */
#ifndef REDES_DATASET_H
#define REDES_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_dataset {
    char name[64];    /* "mnist", "iris", or the file name for a user CSV */
    char source[512]; /* where it was read from (a file or folder) */
    int n_examples;
    int n_features;
    int n_classes;
    char **class_names; /* n_classes strings, heap-owned */
    /* Image geometry (C, H, W) with C*H*W == n_features: MNIST, Fashion and
     * digits (whose 8x8 images are stored as floats 0..16); all 0 otherwise. */
    int channels, height, width;
    uint8_t *pixels;      /* n_examples x n_features, image sets only (else NULL) */
    float *features;      /* n_examples x n_features, tabular sets only (else NULL) */
    int *labels;          /* n_examples class indices */
    int n_official_train; /* examples [0, n) are the official training set; 0 = none */
} rn_dataset;

/* Loads a data set by name ("mnist", "fashion", "iris", "wine",
 * "breast-cancer", "digits"), a .csv/.csv.gz path, or a folder of
 * MNIST-format IDX files.  On failure `out` is empty and the message says
 * what is missing or malformed (e.g. names the Debian package to install). */
rn_status rn_dataset_load(const char *name_or_path, rn_dataset *out);
void rn_dataset_free(rn_dataset *dataset);

/* The built-in names, "mnist|fashion|iris|wine|breast-cancer|digits". */
const char *rn_dataset_names(void);

/* The data directory (see above); never NULL. */
const char *rn_data_dir(void);

/* Feature j of example i as a float: pixels / 255 for image sets (so in
 * [0, 1]), the stored value for tabular sets.  No bounds check. */
static inline float rn_dataset_value(const rn_dataset *d, int i, int j)
{
    size_t at = (size_t)i * (size_t)d->n_features + (size_t)j;
    return d->pixels ? (float)d->pixels[at] * (1.0f / 255.0f) : d->features[at];
}

/* counts[k] = number of examples of class k among indices[0..n) (all
 * examples when indices == NULL, n ignored); counts has n_classes entries. */
void rn_dataset_class_counts(const rn_dataset *dataset, const int *indices, int n, int *counts);

/* Loads a data set from MNIST-format IDX files: images (N, H, W) or
 * (N, C, H, W) uint8 and labels (N) uint8, a training pair and optionally a
 * test pair (test paths NULL: no official split).  class_names is NULL
 * (then n_classes = largest label + 1, named "0", "1", ...) or a
 * NULL-terminated array of names, one per class.  The registry uses it;
 * public so that other IDX collections (KMNIST, EMNIST, your own) load the
 * same way. */
rn_status rn_dataset_load_idx(const char *name, const char *train_images, const char *train_labels,
                              const char *test_images, const char *test_labels,
                              const char *const *class_names, rn_dataset *out);

#ifdef __cplusplus
}
#endif
#endif
