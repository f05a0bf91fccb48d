/* bench_ch2.c — chapter 2 timings, the twin of bench_ch2_sklearn.py:
 *   metrics:    confusion matrix + full report (per class, macro, micro,
 *               weighted) of 1,000,000 labels of 10 classes
 *   perceptron: 100 online epochs on breast-cancer (569 x 30, standardised)
 * Prints the median of R runs in milliseconds.  Usage: bench_ch2 [R] */
#include "bench_util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 11;
    if (repeats < 1) repeats = 1;
    double *times = malloc(sizeof *times * (size_t)repeats);

    /* Metrics: predictions right 70 % of the time. */
    enum { N = 1000000, K = 10 };
    int *y_true = malloc(sizeof *y_true * N), *y_pred = malloc(sizeof *y_pred * N);
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    for (int i = 0; i < N; i++) {
        y_true[i] = (int)rn_rng_below(&rng, K);
        y_pred[i] = rn_rng_uniform(&rng) < 0.7 ? y_true[i] : (int)rn_rng_below(&rng, K);
    }
    int64_t confusion[K * K];
    rn_class_scores per_class[K];
    rn_classification_report report;
    for (int r = 0; r < repeats; r++) {
        double start = rn_seconds();
        rn_confusion_matrix(y_true, y_pred, N, K, confusion);
        times[r] = (rn_seconds() - start) * 1e3;
    }
    printf("confusion  redes   %8.3f ms  (confusion matrix alone)\n", bench_median(times, repeats));
    for (int r = 0; r < repeats; r++) {
        double start = rn_seconds();
        rn_confusion_matrix(y_true, y_pred, N, K, confusion);
        rn_classification_report_compute(confusion, K, 1.0, per_class, &report);
        times[r] = (rn_seconds() - start) * 1e3;
    }
    printf("metrics    redes   %8.3f ms  (1e6 labels, 10 classes; macro F1 %.6f)\n",
           bench_median(times, repeats), report.macro.fscore);

    /* Perceptron on breast-cancer, standardised over all 569 examples. */
    rn_dataset data;
    if (rn_dataset_load("breast-cancer", &data) != RN_OK) {
        fprintf(stderr, "bench_ch2: %s\n", rn_error_message());
        return 1;
    }
    const int n = data.n_examples, d = data.n_features;
    float *x = malloc(sizeof *x * (size_t)n * d);
    int *t = malloc(sizeof *t * (size_t)n);
    for (int j = 0; j < d; j++) {
        double mean = 0, square = 0;
        for (int i = 0; i < n; i++) mean += data.features[i * d + j];
        mean /= n;
        for (int i = 0; i < n; i++) square += pow(data.features[i * d + j] - mean, 2);
        double std = sqrt(square / n);
        for (int i = 0; i < n; i++) x[i * d + j] = (float)((data.features[i * d + j] - mean) / std);
    }
    for (int i = 0; i < n; i++) t[i] = data.labels[i];
    rn_perceptron unit;
    rn_perceptron_init(&unit, d);
    rn_perceptron_options options = rn_perceptron_defaults();
    rn_perceptron_result result;
    for (int r = 0; r < repeats; r++) {
        memset(unit.weights, 0, sizeof(float) * (size_t)d);
        unit.bias = 0;
        double start = rn_seconds();
        rn_perceptron_train(&unit, x, t, n, &options, NULL, &result, NULL);
        times[r] = (rn_seconds() - start) * 1e3;
    }
    printf("perceptron redes   %8.3f ms  (breast-cancer, %d epochs, %ld updates, %d errors left)\n",
           bench_median(times, repeats), result.epochs, result.updates, result.final_errors);
    rn_perceptron_free(&unit);
    rn_dataset_free(&data);
    free(x);
    free(t);
    free(y_true);
    free(y_pred);
    free(times);
    return 0;
}
