/* batch.h — mini-batches as float matrices, and feature standardisation.
 *
 * A batcher walks a list of example indices (a split's train part, say) in
 * batches of B examples, filling buffers the caller allocated once:
 *
 *   x  (B, n_features) float, row-major: pixels / 255 in [0, 1] for image
 *      sets, the stored values for tabular sets; then, when a standardiser
 *      is attached, (x - mean) / std with the statistics of the training set
 *   y  (B) int class labels
 *
 * For images, (B, n_features) is the same memory as (B, C, H, W): wrap it in
 * rn_tensor_view(x, 4, (int[]){B, C, H, W}).
 *
 * Each epoch visits every index exactly once; with shuffling on, the order
 * is a fresh permutation drawn from the batcher's rn_rng at the start of each
 * epoch (Fisher–Yates), so the same seed gives the same batches.  The last
 * batch of an epoch may be short (its size is returned) unless drop_last.
 * rn_batcher_next does no allocation.  After init, set `batcher.standardizer`
 * (NULL by default) and `batcher.drop_last` (false) as needed.
 *
 *   rn_batcher batcher;
 *   RN_CHECK(rn_batcher_init(&batcher, &data, split.train, split.n_train, 64, true, seed));
 *   float *x = malloc(64 * data.n_features * sizeof *x);  int y[64];
 *   for (int epoch = 0; epoch < 10; epoch++) {
 *       int count;
 *       while ((count = rn_batcher_next(&batcher, x, y)) > 0) train_step(x, y, count);
 *   }
 *   rn_batcher_free(&batcher);
 */
#ifndef REDES_BATCH_H
#define REDES_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include "redes/dataset.h"
#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Standardisation x' = (x - mean_j) / std_j, fitted on training examples only
 * and then applied unchanged to validation and test (so nothing about them
 * leaks into training).  std is the population standard deviation (divide by
 * n, as scikit-learn's StandardScaler); a constant feature gets std 1.
 * With per_feature false one mean and one std are shared by all features
 * (for MNIST this gives the well-known 0.1307 and 0.3081). */
typedef struct rn_standardizer {
    int n_features;
    bool per_feature;
    float *mean; /* n_features values (or 1 when !per_feature), heap-owned */
    float *std;
} rn_standardizer;

/* Fits on examples indices[0..n) of `dataset` (values as rn_dataset_value). */
rn_status rn_standardizer_fit(rn_standardizer *out, const rn_dataset *dataset, const int *indices, int n,
                              bool per_feature);
/* Standardises `rows` rows of n_features floats in place. */
void rn_standardizer_apply(const rn_standardizer *standardizer, float *x, int rows);
void rn_standardizer_free(rn_standardizer *standardizer);

typedef struct rn_batcher {
    const rn_dataset *dataset;
    const rn_standardizer *standardizer; /* may be NULL */
    int *order;                          /* heap-owned copy of the indices, permuted per epoch */
    int n, batch_size, position;
    bool shuffle, drop_last;
    int epoch; /* epochs started so far */
    rn_rng rng;
} rn_batcher;

/* Copies indices[0..n) (the batcher owns its copy); batch_size >= 1; the
 * rng is seeded from `seed` (use the command's --seed). */
rn_status rn_batcher_init(rn_batcher *out, const rn_dataset *dataset, const int *indices, int n,
                          int batch_size, bool shuffle, uint64_t seed);
/* Fills x (batch_size x n_features) and y (batch_size) with the next batch
 * and returns its size; returns 0 once at the end of each epoch (the next
 * call starts a new epoch, reshuffled). */
int rn_batcher_next(rn_batcher *batcher, float *x, int *y);
/* Number of batches per epoch. */
int rn_batcher_batches_per_epoch(const rn_batcher *batcher);
void rn_batcher_free(rn_batcher *batcher);

/* Fills x (n x n_features) and y (n) with examples indices[0..n) in order
 * (a whole validation or test set at once); standardizer may be NULL; y may
 * be NULL. */
void rn_gather(const rn_dataset *dataset, const rn_standardizer *standardizer, const int *indices, int n,
               float *x, int *y);

#ifdef __cplusplus
}
#endif
#endif
