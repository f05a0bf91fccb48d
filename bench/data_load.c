/* data_load.c — how long loading MNIST and one epoch of batches take.
 *
 *   build/bench/bench_data_load [REPEATS]
 *
 * Prints medians in ms: rn_dataset_load("mnist") (decompress 4 gzip files,
 * validate, assemble 70000 x 784 bytes) and one shuffled epoch of the
 * 60000 training images in batches of 64 (bytes -> floats in [0, 1]).
 * bench/data_load_numpy.py times the same two things with numpy. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "redes/redes.h"

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 5;
    if (repeats < 1 || repeats > 1000) repeats = 5;
    double *load_ms = malloc((size_t)repeats * sizeof *load_ms);
    double *epoch_ms = malloc((size_t)repeats * sizeof *epoch_ms);
    rn_dataset mnist = {0};
    for (int r = 0; r < repeats; r++) {
        rn_dataset_free(&mnist);
        double start = rn_seconds();
        if (rn_dataset_load("mnist", &mnist) != RN_OK) {
            fprintf(stderr, "bench_data_load: %s\n", rn_error_message());
            return 1;
        }
        load_ms[r] = 1e3 * (rn_seconds() - start);
    }
    enum { BATCH = 64 };
    int *train = malloc((size_t)mnist.n_official_train * sizeof *train);
    for (int i = 0; i < mnist.n_official_train; i++)
        train[i] = i;
    rn_batcher batcher;
    if (rn_batcher_init(&batcher, &mnist, train, mnist.n_official_train, BATCH, true, 1) != RN_OK) return 1;
    float *x = malloc((size_t)BATCH * (size_t)mnist.n_features * sizeof *x);
    int y[BATCH];
    double checksum = 0;
    for (int r = 0; r < repeats; r++) {
        double start = rn_seconds();
        while (rn_batcher_next(&batcher, x, y) > 0)
            checksum += x[0] + y[0];
        epoch_ms[r] = 1e3 * (rn_seconds() - start);
    }
    printf("redes  load mnist %8.1f ms   epoch of batches (60000, B=%d) %7.1f ms   (checksum %.0f)\n",
           bench_median(load_ms, repeats), BATCH, bench_median(epoch_ms, repeats), checksum);
    rn_batcher_free(&batcher);
    free(x);
    free(train);
    free(load_ms);
    free(epoch_ms);
    rn_dataset_free(&mnist);
    return 0;
}
