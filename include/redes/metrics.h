/* metrics.h — how good is a classifier: the confusion matrix and the scores
 * read from it (accuracy, precision, recall, F-beta), per class and averaged.
 *
 * Classes are integers 0..K-1.  The confusion matrix is K x K, row-major,
 *
 *     C[i*K + j] = number of samples whose true class is i and predicted class is j
 *
 * (rows = truth, columns = prediction, as scikit-learn's confusion_matrix).  For class k:
 *
 *     TP_k = C[k][k]     FP_k = sum_i C[i][k] - TP_k     FN_k = sum_j C[k][j] - TP_k
 *     support_k = TP_k + FN_k   (samples that truly are k)
 *     precision_k = TP_k / (TP_k + FP_k)      recall_k = TP_k / (TP_k + FN_k)
 *     F_beta,k = (1 + beta^2) P_k R_k / (beta^2 P_k + R_k)       (F1: beta = 1)
 *     accuracy = sum_k TP_k / N
 *
 * Averages over the K classes:
 *     macro     plain mean of the per-class scores
 *     weighted  mean weighted by support_k
 *     micro     the scores of the summed counts (sum TP, sum FP, sum FN); for
 *               single-label data micro P = micro R = micro F = accuracy
 *
 * Zero division follows scikit-learn's default (zero_division="warn"): a
 * precision with no predicted samples, a recall with no true samples, and an
 * F-score whose P and R are both 0 are 0; the *_ill_defined flags say where
 * sklearn would have raised UndefinedMetricWarning.  Every score equals
 * sklearn.metrics' (1.2) on the same labels to 1e-12 (tests/test_metrics.c,
 * fixtures from tests/golden/make_metrics_golden.py).
 */
#ifndef REDES_METRICS_H
#define REDES_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------ confusion matrix */

/* confusion (K*K) = counts of (y_true[n], y_pred[n]) pairs, n < n_samples.
 * Zeroes `confusion` first.  Labels outside 0..K-1 are an argument error. */
rn_status rn_confusion_matrix(const int *y_true, const int *y_pred, int n_samples, int n_classes,
                              int64_t *confusion);
/* The same, adding to what `confusion` already holds (for batches). */
rn_status rn_confusion_accumulate(const int *y_true, const int *y_pred, int n_samples, int n_classes,
                                  int64_t *confusion);
/* Adds a batch of scores: scores is (n_samples, K) row-major (logits or
 * probabilities); the prediction is the arg-max (first on ties, as
 * numpy/torch argmax).  Non-finite scores are a numeric error. */
rn_status rn_confusion_accumulate_scores(const float *scores, const int *y_true, int n_samples,
                                         int n_classes, int64_t *confusion);

/* Total samples counted and the fraction on the diagonal (0 when empty). */
int64_t rn_confusion_total(const int64_t *confusion, int n_classes);
double rn_accuracy(const int64_t *confusion, int n_classes);

/* ------------------------------------------------------------ scores */

typedef struct rn_class_scores {
    double precision, recall, fscore;
    int64_t support;            /* TP + FN: true samples of this class */
    int64_t predicted;          /* TP + FP: samples predicted as this class */
    bool precision_ill_defined; /* no predicted samples: precision set to 0 */
    bool recall_ill_defined;    /* no true samples: recall set to 0 */
    bool fscore_ill_defined;    /* neither true nor predicted samples (sklearn's F warning) */
} rn_class_scores;

/* Scores from one class's counts; beta > 0 (beta = 1 gives F1). */
rn_class_scores rn_class_scores_from_counts(int64_t true_positives, int64_t false_positives,
                                            int64_t false_negatives, double beta);

typedef struct rn_average_scores {
    double precision, recall, fscore;
} rn_average_scores;

/* Everything at once.  per_class has room for K entries (or is NULL). */
typedef struct rn_classification_report {
    int n_classes;
    int64_t n_samples;
    double beta;
    double accuracy;
    rn_average_scores macro, micro, weighted;
    /* sklearn would warn (UndefinedMetricWarning) for some class's precision, recall or F. */
    bool any_ill_defined;
    /* Extras: balanced accuracy = macro recall over classes with support > 0
     * (sklearn.metrics.balanced_accuracy_score), Cohen's kappa and Matthews'
     * correlation coefficient (multi-class form), as sklearn computes them. */
    double balanced_accuracy;
    double cohen_kappa;
    double matthews;
} rn_classification_report;

rn_status rn_classification_report_compute(const int64_t *confusion, int n_classes, double beta,
                                           rn_class_scores *per_class, rn_classification_report *report);

/* ------------------------------------------------------------ label files */

/* Two label files ("one label per line": integers or any strings without
 * spaces inside) turned into classes the way sklearn's unique_labels does:
 * the union of both files, sorted numerically when every label is a number
 * (then "1" and "1.0" are one class), else byte-wise; class k is the k-th
 * label in that order and class_names[k] its first spelling in that order. */
typedef struct rn_label_pairs {
    int n_samples;
    int n_classes;
    int *y_true;        /* n_samples class indices */
    int *y_pred;        /* n_samples class indices */
    char **class_names; /* n_classes labels as written in the files */
} rn_label_pairs;

/* Errors: missing/unreadable file (RN_ERR_IO), empty file, blank line inside,
 * different numbers of labels (RN_ERR_FORMAT). */
rn_status rn_label_pairs_read(const char *true_path, const char *pred_path, rn_label_pairs *out);
/* The same from arrays of label strings (n >= 1). */
rn_status rn_label_pairs_encode(const char *const *true_labels, const char *const *pred_labels, int n,
                                rn_label_pairs *out);
void rn_label_pairs_free(rn_label_pairs *pairs);

#ifdef __cplusplus
}
#endif
#endif
