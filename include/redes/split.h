/* split.h — train / validation / test splits as lists of example indices.
 *
 * A split never copies data: it holds three index arrays into a data set
 * (dataset.h), which the batcher (batch.h) and the evaluation code read.
 *
 * Stratified split (as scikit-learn's train_test_split(stratify=y), though
 * not with the same random numbers): the n_k examples of each class k are
 * shuffled with the caller's rn_rng and cut at cumulative shares
 *
 *   n_train_k            = round(train_fraction * n_k)
 *   n_train_k + n_val_k  = round((train_fraction + val_fraction) * n_k)
 *   n_test_k             = n_k - n_train_k - n_val_k
 *
 * so each part keeps the class proportions of the whole to within one
 * example per class (iris 0.7/0.15: 35/8/7 of each class's 50).  The same
 * seed gives the same split.  Each index list is in increasing order of
 * example index (the batcher shuffles per epoch).
 *
 * Official split: where the data set has one (MNIST, Fashion-MNIST) the test
 * part is exactly the official test set; the validation part, if any, is a
 * stratified fraction of the official training set.
 */
#ifndef REDES_SPLIT_H
#define REDES_SPLIT_H

#include "redes/dataset.h"
#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_split {
    int *train, *val, *test; /* heap-owned index arrays (NULL when empty) */
    int n_train, n_val, n_test;
} rn_split;

/* Stratified split of all examples by fractions; train + val <= 1 and both
 * in [0, 1]; the rest is the test part.  Errors: RN_ERR_ARGUMENT for bad
 * fractions. */
rn_status rn_split_stratified(const rn_dataset *dataset, double train_fraction, double val_fraction,
                              rn_rng *rng, rn_split *out);

/* The official train/test split, with val_fraction (in [0, 1)) of the
 * official training set moved, stratified, into validation.  Data sets
 * without an official split: RN_ERR_ARGUMENT. */
rn_status rn_split_official(const rn_dataset *dataset, double val_fraction, rn_rng *rng, rn_split *out);

void rn_split_free(rn_split *split);

#ifdef __cplusplus
}
#endif
#endif
