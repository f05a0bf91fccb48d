/* bench_family_tree.c — time one run of the family-tree network (the default
 * recipe, but 10,000 full-batch sweeps of 100 cases as in the PyTorch twin), by
 * hand and with autodiff, one thread.  Twin: bench/bench_family_tree_torch.py.  Prints medians.
 *
 *   build/bench/bench_family_tree [runs]
 */
#include <stdio.h>
#include <stdlib.h>

#include "bench_util.h"
#include "redes/redes.h"

static double median_seconds(const rn_family_tree *tree, rn_family_implementation how, int runs,
                             double *accuracy)
{
    static rn_family_net net;
    double seconds[64];
    int train[RN_FAMILY_CASES], test[4], n_train = 0;
    *accuracy = 0;
    for (int r = 0; r < runs; r++) {
        rn_rng rng;
        rn_rng_seed(&rng, 1 + (uint64_t)r);
        rn_family_split(tree, &rng, 4, NULL, train, &n_train, test);
        rn_family_recipe recipe = rn_family_recipe_default();
        recipe.sweeps = 10000; /* as the PyTorch twin */
        rn_family_net_init(&net, &recipe, &rng);
        const double start = rn_seconds();
        if (rn_family_net_train(&net, tree, train, n_train, &recipe, how, NULL) != RN_OK) {
            fprintf(stderr, "%s\n", rn_error_message());
            exit(1);
        }
        seconds[r] = rn_seconds() - start;
        double right;
        rn_family_net_accuracy(&net.weights, tree, train, n_train, &right, NULL);
        *accuracy += right / runs;
    }
    qsort(seconds, (size_t)runs, sizeof seconds[0], bench_compare_doubles);
    return seconds[runs / 2];
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1 || runs > 64) runs = 5;
    rn_set_threads(1);
    static rn_family_tree tree;
    if (rn_family_tree_load(REDES_SOURCE_DIR "/data/family-tree/facts.tsv", &tree) != RN_OK) {
        fprintf(stderr, "%s\n", rn_error_message());
        return 1;
    }
    double accuracy;
    const double hand = median_seconds(&tree, RN_FAMILY_BY_HAND, runs, &accuracy);
    printf("redes by hand:  %.3f s per run (median of %d; train accuracy %.3f)\n", hand, runs, accuracy);
    const double tape = median_seconds(&tree, RN_FAMILY_AUTOGRAD, runs, &accuracy);
    printf("redes autograd: %.3f s per run (median of %d; train accuracy %.3f)\n", tape, runs, accuracy);
    return 0;
}
