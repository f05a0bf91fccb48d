/* split.c — stratified train/validation/test splits (see include/redes/split.h). */
#include "redes/split.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int compare_ints(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

void rn_split_free(rn_split *split)
{
    free(split->train);
    free(split->val);
    free(split->test);
    memset(split, 0, sizeof *split);
}

static rn_status allocate_parts(rn_split *out, int n_train, int n_val, int n_test)
{
    /* One spare slot each so that a part of size 0 still gets a pointer. */
    out->train = malloc((size_t)(n_train + 1) * sizeof *out->train);
    out->val = malloc((size_t)(n_val + 1) * sizeof *out->val);
    out->test = malloc((size_t)(n_test + 1) * sizeof *out->test);
    if (!out->train || !out->val || !out->test) return rn_error(RN_ERR_MEMORY, "cannot allocate a split");
    return RN_OK;
}

/* Splits examples indices[0..n) class by class: each class's n_k examples
 * are shuffled, then cut at the cumulative shares
 *   n_train_k = round(train * n_k),  n_train_k + n_val_k = round((train + val) * n_k)
 * and the rest is test.  Cumulative rounding keeps every part within one
 * example of its exact share and the parts always add up to n_k.  Appends to
 * the parts of `out`, whose arrays must have room for n more indices. */
static rn_status stratify(const rn_dataset *dataset, const int *indices, int n, double train_fraction,
                          double val_fraction, rn_rng *rng, rn_split *out)
{
    int n_classes = dataset->n_classes;
    /* Bucket the indices by class, keeping their order (counting sort). */
    int *start = calloc((size_t)n_classes + 1, sizeof *start);
    int *bucketed = malloc((size_t)(n + 1) * sizeof *bucketed);
    if (!start || !bucketed) {
        free(start);
        free(bucketed);
        return rn_error(RN_ERR_MEMORY, "cannot allocate a split of %d examples", n);
    }
    for (int i = 0; i < n; i++)
        start[dataset->labels[indices[i]] + 1]++;
    for (int k = 0; k < n_classes; k++)
        start[k + 1] += start[k];
    int *fill = malloc(((size_t)n_classes + 1) * sizeof *fill);
    if (!fill) {
        free(start);
        free(bucketed);
        return rn_error(RN_ERR_MEMORY, "cannot allocate a split");
    }
    memcpy(fill, start, (size_t)n_classes * sizeof *fill);
    for (int i = 0; i < n; i++)
        bucketed[fill[dataset->labels[indices[i]]]++] = indices[i];
    free(fill);

    for (int k = 0; k < n_classes; k++) {
        int *members = bucketed + start[k];
        int n_k = start[k + 1] - start[k];
        rn_rng_shuffle(rng, members, n_k);
        int n_train = (int)lround(train_fraction * n_k);
        int n_train_val = (int)lround((train_fraction + val_fraction) * n_k);
        if (n_train_val > n_k) n_train_val = n_k;
        int n_val = n_train_val - n_train, n_test = n_k - n_train_val;
        memcpy(out->train + out->n_train, members, (size_t)n_train * sizeof *members);
        memcpy(out->val + out->n_val, members + n_train, (size_t)n_val * sizeof *members);
        memcpy(out->test + out->n_test, members + n_train_val, (size_t)n_test * sizeof *members);
        out->n_val += n_val;
        out->n_test += n_test;
        out->n_train += n_train;
    }
    free(start);
    free(bucketed);
    return RN_OK;
}

static void sort_parts(rn_split *split)
{
    qsort(split->train, (size_t)split->n_train, sizeof *split->train, compare_ints);
    qsort(split->val, (size_t)split->n_val, sizeof *split->val, compare_ints);
    qsort(split->test, (size_t)split->n_test, sizeof *split->test, compare_ints);
}

rn_status rn_split_stratified(const rn_dataset *dataset, double train_fraction, double val_fraction,
                              rn_rng *rng, rn_split *out)
{
    memset(out, 0, sizeof *out);
    if (!(train_fraction >= 0 && train_fraction <= 1) || !(val_fraction >= 0 && val_fraction <= 1) ||
        train_fraction + val_fraction > 1 + 1e-9)
        return rn_error(RN_ERR_ARGUMENT,
                        "split fractions must be in [0, 1] with train + val <= 1, got train %g and val %g",
                        train_fraction, val_fraction);
    int n = dataset->n_examples;
    int *all = malloc((size_t)(n + 1) * sizeof *all);
    rn_status status =
        all ? allocate_parts(out, n, n, n) : rn_error(RN_ERR_MEMORY, "cannot allocate a split");
    for (int i = 0; status == RN_OK && i < n; i++)
        all[i] = i;
    if (status == RN_OK) status = stratify(dataset, all, n, train_fraction, val_fraction, rng, out);
    free(all);
    if (status != RN_OK) {
        rn_split_free(out);
        return status;
    }
    sort_parts(out);
    return RN_OK;
}

rn_status rn_split_official(const rn_dataset *dataset, double val_fraction, rn_rng *rng, rn_split *out)
{
    memset(out, 0, sizeof *out);
    if (dataset->n_official_train <= 0)
        return rn_error(RN_ERR_ARGUMENT, "%s has no official train/test split (use a stratified split)",
                        dataset->name);
    if (!(val_fraction >= 0 && val_fraction < 1))
        return rn_error(RN_ERR_ARGUMENT, "validation fraction must be in [0, 1), got %g", val_fraction);
    int n_train_official = dataset->n_official_train;
    int n_test = dataset->n_examples - n_train_official;
    int *official = malloc((size_t)(n_train_official + 1) * sizeof *official);
    rn_status status = official ? allocate_parts(out, n_train_official, n_train_official, n_test)
                                : rn_error(RN_ERR_MEMORY, "cannot allocate a split");
    for (int i = 0; status == RN_OK && i < n_train_official; i++)
        official[i] = i;
    if (status == RN_OK)
        status = stratify(dataset, official, n_train_official, 1.0 - val_fraction, val_fraction, rng, out);
    free(official);
    if (status != RN_OK) {
        rn_split_free(out);
        return status;
    }
    for (int i = 0; i < n_test; i++)
        out->test[i] = n_train_official + i;
    out->n_test = n_test;
    sort_parts(out);
    return RN_OK;
}
