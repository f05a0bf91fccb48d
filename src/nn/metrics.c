/* metrics.c — confusion matrix and the scores read from it (see include/redes/metrics.h).
 *
 * The formulas follow scikit-learn 1.2 (sklearn/metrics/_classification.py)
 * step for step, including the order of operations where it matters for
 * the last bits: F is computed from P and R (not from counts), averages are
 * plain sums divided by a count, weighted averages divide by the total support.
 */
#define _POSIX_C_SOURCE 200809L
#include "redes/metrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ confusion matrix */

static rn_status check_sizes(int n_samples, int n_classes)
{
    if (n_classes < 1) return rn_error(RN_ERR_ARGUMENT, "confusion matrix: need at least 1 class, got %d", n_classes);
    if (n_samples < 0) return rn_error(RN_ERR_ARGUMENT, "confusion matrix: negative sample count %d", n_samples);
    return RN_OK;
}

/* `which` is "true" or "predicted". */
static rn_status check_label(const char *which, int label, int sample, int n_classes)
{
    if (label >= 0 && label < n_classes) return RN_OK;
    return rn_error(RN_ERR_ARGUMENT, "confusion matrix: %s label %d of sample %d is outside 0..%d", which, label,
                    sample, n_classes - 1);
}

rn_status rn_confusion_accumulate(const int *y_true, const int *y_pred, int n_samples, int n_classes,
                                  int64_t *confusion)
{
    RN_CHECK(check_sizes(n_samples, n_classes));
    /* Validate everything first so a bad label leaves the matrix untouched. */
    for (int n = 0; n < n_samples; n++) {
        RN_CHECK(check_label("true", y_true[n], n, n_classes));
        RN_CHECK(check_label("predicted", y_pred[n], n, n_classes));
    }
    for (int n = 0; n < n_samples; n++) confusion[(size_t)y_true[n] * n_classes + y_pred[n]]++;
    return RN_OK;
}

rn_status rn_confusion_matrix(const int *y_true, const int *y_pred, int n_samples, int n_classes,
                              int64_t *confusion)
{
    RN_CHECK(check_sizes(n_samples, n_classes));
    memset(confusion, 0, sizeof *confusion * (size_t)n_classes * (size_t)n_classes);
    return rn_confusion_accumulate(y_true, y_pred, n_samples, n_classes, confusion);
}

rn_status rn_confusion_accumulate_scores(const float *scores, const int *y_true, int n_samples,
                                         int n_classes, int64_t *confusion)
{
    RN_CHECK(check_sizes(n_samples, n_classes));
    for (int n = 0; n < n_samples; n++) {
        RN_CHECK(check_label("true", y_true[n], n, n_classes));
        const float *row = scores + (size_t)n * n_classes;
        for (int k = 0; k < n_classes; k++)
            if (!isfinite(row[k]))
                return rn_error(RN_ERR_NUMERIC, "confusion matrix: score %d of sample %d is not finite", k, n);
    }
    for (int n = 0; n < n_samples; n++) {
        const float *row = scores + (size_t)n * n_classes;
        int best = 0;
        for (int k = 1; k < n_classes; k++)
            if (row[k] > row[best]) best = k; /* strict: the first maximum wins */
        confusion[(size_t)y_true[n] * n_classes + best]++;
    }
    return RN_OK;
}

int64_t rn_confusion_total(const int64_t *confusion, int n_classes)
{
    int64_t total = 0;
    for (size_t i = 0; i < (size_t)n_classes * (size_t)n_classes; i++) total += confusion[i];
    return total;
}

double rn_accuracy(const int64_t *confusion, int n_classes)
{
    int64_t total = rn_confusion_total(confusion, n_classes), correct = 0;
    for (int k = 0; k < n_classes; k++) correct += confusion[(size_t)k * n_classes + k];
    return total > 0 ? (double)correct / (double)total : 0.0;
}

/* ------------------------------------------------------------ scores */

/* F_beta = (1 + beta^2) P R / (beta^2 P + R), 0 when P = R = 0 (sklearn sets
 * the denominator to 1 there, so the result is 0/1 = 0). */
static double fbeta_from(double precision, double recall, double beta)
{
    double beta2 = beta * beta;
    double denominator = beta2 * precision + recall;
    if (denominator == 0.0) denominator = 1.0;
    return (1.0 + beta2) * precision * recall / denominator;
}

rn_class_scores rn_class_scores_from_counts(int64_t true_positives, int64_t false_positives,
                                            int64_t false_negatives, double beta)
{
    rn_class_scores s = {0};
    s.predicted = true_positives + false_positives;
    s.support = true_positives + false_negatives;
    s.precision_ill_defined = s.predicted == 0;
    s.recall_ill_defined = s.support == 0;
    s.fscore_ill_defined = s.predicted == 0 && s.support == 0;
    s.precision = s.predicted > 0 ? (double)true_positives / (double)s.predicted : 0.0;
    s.recall = s.support > 0 ? (double)true_positives / (double)s.support : 0.0;
    s.fscore = fbeta_from(s.precision, s.recall, beta);
    return s;
}

/* Cohen's kappa: 1 - sum_{i!=j} C_ij / sum_{i!=j} E_ij with E = outer(pred, true) / N
 * (sklearn.metrics.cohen_kappa_score, unweighted).  NaN when undefined (0/0). */
static double cohen_kappa(const int64_t *confusion, int K, const double *true_sum, const double *pred_sum,
                          double n_samples)
{
    double observed = 0, expected = 0;
    for (int i = 0; i < K; i++)
        for (int j = 0; j < K; j++) {
            if (i == j) continue;
            observed += (double)confusion[(size_t)i * K + j];
            expected += pred_sum[i] * true_sum[j] / n_samples;
        }
    return 1.0 - observed / expected;
}

/* Matthews' correlation coefficient, multi-class (Gorodkin 2004), as
 * sklearn.metrics.matthews_corrcoef: cov(t,p) / sqrt(cov(t,t) cov(p,p)), 0 when undefined. */
static double matthews(const double *true_sum, const double *pred_sum, double correct, double n_samples,
                       int K)
{
    double t_dot_p = 0, p_dot_p = 0, t_dot_t = 0;
    for (int k = 0; k < K; k++) {
        t_dot_p += true_sum[k] * pred_sum[k];
        p_dot_p += pred_sum[k] * pred_sum[k];
        t_dot_t += true_sum[k] * true_sum[k];
    }
    double cov_tp = correct * n_samples - t_dot_p;
    double cov_pp = n_samples * n_samples - p_dot_p;
    double cov_tt = n_samples * n_samples - t_dot_t;
    if (cov_pp * cov_tt == 0) return 0.0;
    return cov_tp / sqrt(cov_tt * cov_pp);
}

rn_status rn_classification_report_compute(const int64_t *confusion, int n_classes, double beta,
                                           rn_class_scores *per_class, rn_classification_report *report)
{
    const int K = n_classes;
    if (K < 1) return rn_error(RN_ERR_ARGUMENT, "classification report: need at least 1 class, got %d", K);
    if (!(beta > 0) || !isfinite(beta))
        return rn_error(RN_ERR_ARGUMENT, "classification report: beta must be a positive number, got %g", beta);
    double *true_sum = malloc(sizeof *true_sum * (size_t)K);
    double *pred_sum = malloc(sizeof *pred_sum * (size_t)K);
    if (!true_sum || !pred_sum) {
        free(true_sum);
        free(pred_sum);
        return rn_error(RN_ERR_MEMORY, "classification report: out of memory for %d classes", K);
    }
    memset(report, 0, sizeof *report);
    report->n_classes = K;
    report->beta = beta;
    report->n_samples = rn_confusion_total(confusion, K);
    report->accuracy = rn_accuracy(confusion, K);

    int64_t tp_total = 0, predicted_total = 0, support_total = 0;
    double correct = 0, recall_sum_present = 0;
    int n_present = 0;
    for (int k = 0; k < K; k++) {
        int64_t tp = confusion[(size_t)k * K + k], row = 0, column = 0;
        for (int j = 0; j < K; j++) row += confusion[(size_t)k * K + j];
        for (int i = 0; i < K; i++) column += confusion[(size_t)i * K + k];
        rn_class_scores s = rn_class_scores_from_counts(tp, column - tp, row - tp, beta);
        if (per_class) per_class[k] = s;
        true_sum[k] = (double)row;
        pred_sum[k] = (double)column;
        correct += (double)tp;
        tp_total += tp;
        predicted_total += column;
        support_total += row;
        report->any_ill_defined |= s.precision_ill_defined || s.recall_ill_defined;
        report->macro.precision += s.precision;
        report->macro.recall += s.recall;
        report->macro.fscore += s.fscore;
        report->weighted.precision += s.precision * (double)s.support;
        report->weighted.recall += s.recall * (double)s.support;
        report->weighted.fscore += s.fscore * (double)s.support;
        if (row > 0) {
            recall_sum_present += s.recall;
            n_present++;
        }
    }
    report->macro.precision /= K;
    report->macro.recall /= K;
    report->macro.fscore /= K;
    if (support_total > 0) {
        report->weighted.precision /= (double)support_total;
        report->weighted.recall /= (double)support_total;
        report->weighted.fscore /= (double)support_total;
    } else {
        /* sklearn returns 0 for all three when no class has support (zero_division="warn"). */
        report->weighted = (rn_average_scores){0, 0, 0};
    }
    /* Micro: one class made of the summed counts. */
    rn_class_scores micro = rn_class_scores_from_counts(tp_total, predicted_total - tp_total,
                                                        support_total - tp_total, beta);
    report->micro = (rn_average_scores){micro.precision, micro.recall, micro.fscore};

    double n = (double)report->n_samples;
    report->balanced_accuracy = n_present > 0 ? recall_sum_present / n_present : 0.0;
    report->cohen_kappa = n > 0 ? cohen_kappa(confusion, K, true_sum, pred_sum, n) : NAN;
    report->matthews = matthews(true_sum, pred_sum, correct, n, K);
    free(true_sum);
    free(pred_sum);
    return RN_OK;
}

/* ------------------------------------------------------------ label files */

void rn_label_pairs_free(rn_label_pairs *pairs)
{
    if (!pairs) return;
    free(pairs->y_true);
    free(pairs->y_pred);
    if (pairs->class_names)
        for (int k = 0; k < pairs->n_classes; k++) free(pairs->class_names[k]);
    free(pairs->class_names);
    memset(pairs, 0, sizeof *pairs);
}

/* A label is a number if strtod consumes all of it and it is finite
 * ("3", "-1", "2.5", "1e3"; not "nan", "cat", "3 kg"). */
static bool parse_number_label(const char *text, double *value)
{
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    return errno == 0 && end != text && *end == '\0' && isfinite(*value);
}

typedef struct label_ref {
    const char *text;
    double number;
} label_ref;

static int compare_numbers(const void *a, const void *b)
{
    double x = ((const label_ref *)a)->number, y = ((const label_ref *)b)->number;
    return (x > y) - (x < y);
}

static int compare_strings(const void *a, const void *b)
{
    return strcmp(((const label_ref *)a)->text, ((const label_ref *)b)->text);
}

/* Index of `text` among the sorted distinct labels (binary search). */
static int find_class(const label_ref *classes, int n_classes, const char *text, bool numeric)
{
    label_ref key = {text, 0};
    if (numeric) parse_number_label(text, &key.number);
    const label_ref *found = bsearch(&key, classes, (size_t)n_classes, sizeof *classes,
                                     numeric ? compare_numbers : compare_strings);
    return found ? (int)(found - classes) : -1;
}

rn_status rn_label_pairs_encode(const char *const *true_labels, const char *const *pred_labels, int n,
                                rn_label_pairs *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1) return rn_error(RN_ERR_ARGUMENT, "labels: need at least one sample");
    label_ref *all = malloc(sizeof *all * 2 * (size_t)n);
    if (!all) return rn_error(RN_ERR_MEMORY, "labels: out of memory for %d samples", n);
    bool numeric = true;
    for (int i = 0; i < 2 * n; i++) {
        all[i].text = i < n ? true_labels[i] : pred_labels[i - n];
        if (!parse_number_label(all[i].text, &all[i].number)) numeric = false;
    }
    /* Distinct labels in sklearn's order: numeric when all are numbers. */
    qsort(all, 2 * (size_t)n, sizeof *all, numeric ? compare_numbers : compare_strings);
    int n_classes = 0;
    for (int i = 0; i < 2 * n; i++) {
        bool same = n_classes > 0 && (numeric ? all[n_classes - 1].number == all[i].number
                                              : strcmp(all[n_classes - 1].text, all[i].text) == 0);
        if (!same) all[n_classes++] = all[i];
    }
    out->n_samples = n;
    out->n_classes = n_classes;
    out->y_true = malloc(sizeof *out->y_true * (size_t)n);
    out->y_pred = malloc(sizeof *out->y_pred * (size_t)n);
    out->class_names = calloc((size_t)n_classes, sizeof *out->class_names);
    if (!out->y_true || !out->y_pred || !out->class_names) goto out_of_memory;
    for (int k = 0; k < n_classes; k++) {
        out->class_names[k] = strdup(all[k].text);
        if (!out->class_names[k]) goto out_of_memory;
    }
    for (int i = 0; i < n; i++) {
        out->y_true[i] = find_class(all, n_classes, true_labels[i], numeric);
        out->y_pred[i] = find_class(all, n_classes, pred_labels[i], numeric);
    }
    free(all);
    return RN_OK;
out_of_memory:
    free(all);
    rn_label_pairs_free(out);
    return rn_error(RN_ERR_MEMORY, "labels: out of memory for %d samples", n);
}

/* Reads a whole text file into a NUL-terminated buffer. */
static rn_status read_text(const char *path, char **text)
{
    FILE *file = fopen(path, "rb");
    if (!file) return rn_error(RN_ERR_IO, "%s: %s", path, strerror(errno));
    size_t capacity = 4096, length = 0;
    char *buffer = malloc(capacity);
    while (buffer) {
        length += fread(buffer + length, 1, capacity - length - 1, file);
        if (length < capacity - 1) break;
        char *bigger = realloc(buffer, capacity * 2);
        if (!bigger) {
            free(buffer);
            buffer = NULL;
            break;
        }
        buffer = bigger;
        capacity *= 2;
    }
    bool failed = ferror(file);
    int read_errno = errno;
    fclose(file);
    if (!buffer) return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    if (failed) {
        free(buffer);
        return rn_error(RN_ERR_IO, "%s: read error: %s", path, strerror(read_errno));
    }
    buffer[length] = '\0';
    if (strlen(buffer) != length) {
        free(buffer);
        return rn_error(RN_ERR_FORMAT, "%s: contains a NUL byte (not a text file of labels?)", path);
    }
    *text = buffer;
    return RN_OK;
}

/* Splits `text` in place into trimmed lines; blank lines are allowed only at
 * the end.  *lines points into text. */
static rn_status split_labels(const char *path, char *text, char ***lines, int *count)
{
    int capacity = 256, n = 0, blank_line = 0, line_number = 0;
    char **list = malloc(sizeof *list * (size_t)capacity);
    if (!list) return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    char *cursor = text;
    while (*cursor) {
        char *end = strchr(cursor, '\n');
        char *next = end ? end + 1 : cursor + strlen(cursor);
        if (end) *end = '\0';
        line_number++;
        /* Trim spaces, tabs and a Windows '\r'. */
        while (*cursor == ' ' || *cursor == '\t') cursor++;
        char *last = cursor + strlen(cursor);
        while (last > cursor && (last[-1] == ' ' || last[-1] == '\t' || last[-1] == '\r')) *--last = '\0';
        if (*cursor == '\0') {
            if (!blank_line) blank_line = line_number;
        } else {
            if (blank_line) {
                free(list);
                return rn_error(RN_ERR_FORMAT, "%s:%d: empty line between labels (one label per line)", path,
                                blank_line);
            }
            if (n == capacity) {
                capacity *= 2;
                char **bigger = realloc(list, sizeof *list * (size_t)capacity);
                if (!bigger) {
                    free(list);
                    return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
                }
                list = bigger;
            }
            list[n++] = cursor;
        }
        cursor = next;
    }
    if (n == 0) {
        free(list);
        return rn_error(RN_ERR_FORMAT, "%s: no labels (empty file)", path);
    }
    *lines = list;
    *count = n;
    return RN_OK;
}

rn_status rn_label_pairs_read(const char *true_path, const char *pred_path, rn_label_pairs *out)
{
    memset(out, 0, sizeof *out);
    char *true_text = NULL, *pred_text = NULL;
    char **true_lines = NULL, **pred_lines = NULL;
    int n_true = 0, n_pred = 0;
    rn_status status = read_text(true_path, &true_text);
    if (status == RN_OK) status = read_text(pred_path, &pred_text);
    if (status == RN_OK) status = split_labels(true_path, true_text, &true_lines, &n_true);
    if (status == RN_OK) status = split_labels(pred_path, pred_text, &pred_lines, &n_pred);
    if (status == RN_OK && n_true != n_pred)
        status = rn_error(RN_ERR_FORMAT, "%s has %d labels but %s has %d (one label per line, same samples)",
                          true_path, n_true, pred_path, n_pred);
    if (status == RN_OK)
        status = rn_label_pairs_encode((const char *const *)true_lines, (const char *const *)pred_lines, n_true,
                                       out);
    free(true_lines);
    free(pred_lines);
    free(true_text);
    free(pred_text);
    return status;
}
