/* test_metrics.c — confusion matrix and scores against scikit-learn 1.2
 * (fixtures from tests/golden/make_metrics_golden.py), label files and errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/metrics.h"

enum { MAX_VALUES = 512, MAX_KEYS = 64 };

typedef struct fixture {
    int n_keys;
    char keys[MAX_KEYS][32];
    int counts[MAX_KEYS];
    double values[MAX_KEYS][MAX_VALUES];
} fixture;

static void load_fixture(const char *name, fixture *f)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/metrics_%s.txt", REDES_SOURCE_DIR, name);
    FILE *file = fopen(path, "r");
    assert_non_null(file);
    memset(f, 0, sizeof *f);
    static char line[16384];
    while (fgets(line, sizeof line, file)) {
        if (line[0] == '#' || line[0] == '\n') continue;
        assert_true(f->n_keys < MAX_KEYS);
        char *cursor = line;
        int used = 0;
        assert_int_equal(sscanf(cursor, "%31s%n", f->keys[f->n_keys], &used), 1);
        cursor += used;
        double value;
        while (sscanf(cursor, "%lf%n", &value, &used) == 1) {
            assert_true(f->counts[f->n_keys] < MAX_VALUES);
            f->values[f->n_keys][f->counts[f->n_keys]++] = value;
            cursor += used;
        }
        f->n_keys++;
    }
    fclose(file);
}

static const double *get(const fixture *f, const char *key, int *count)
{
    for (int i = 0; i < f->n_keys; i++)
        if (strcmp(f->keys[i], key) == 0) {
            if (count) *count = f->counts[i];
            return f->values[i];
        }
    fail_msg("fixture has no key '%s'", key);
    return NULL;
}

static void assert_close(double got, double want, const char *what, int index)
{
    if (fabs(got - want) > 1e-12) fail_msg("%s[%d]: got %.17g, sklearn %.17g", what, index, got, want);
}

static void check_case(const char *name)
{
    static fixture f;
    load_fixture(name, &f);
    int K = (int)get(&f, "n_classes", NULL)[0], n = 0, n_pred = 0;
    const double *true_values = get(&f, "y_true", &n);
    const double *pred_values = get(&f, "y_pred", &n_pred);
    assert_int_equal(n, n_pred);
    int *y_true = malloc(sizeof *y_true * (size_t)n), *y_pred = malloc(sizeof *y_pred * (size_t)n);
    for (int i = 0; i < n; i++) {
        y_true[i] = (int)true_values[i];
        y_pred[i] = (int)pred_values[i];
    }
    int64_t *confusion = malloc(sizeof *confusion * (size_t)(K * K));
    assert_int_equal(rn_confusion_matrix(y_true, y_pred, n, K, confusion), RN_OK);
    const double *want_confusion = get(&f, "confusion", NULL);
    for (int i = 0; i < K * K; i++) assert_int_equal(confusion[i], (int64_t)want_confusion[i]);

    rn_class_scores per_class[16];
    rn_classification_report report;
    assert_int_equal(rn_classification_report_compute(confusion, K, 1.0, per_class, &report), RN_OK);
    assert_int_equal(report.n_samples, n);
    assert_close(report.accuracy, get(&f, "accuracy", NULL)[0], "accuracy", 0);
    for (int k = 0; k < K; k++) {
        assert_close(per_class[k].precision, get(&f, "precision", NULL)[k], "precision", k);
        assert_close(per_class[k].recall, get(&f, "recall", NULL)[k], "recall", k);
        assert_close(per_class[k].fscore, get(&f, "f1", NULL)[k], "f1", k);
        assert_int_equal(per_class[k].support, (int64_t)get(&f, "support", NULL)[k]);
    }
    const char *averages[] = {"macro", "micro", "weighted"};
    const rn_average_scores *mine[] = {&report.macro, &report.micro, &report.weighted};
    char key[64];
    for (int a = 0; a < 3; a++) {
        snprintf(key, sizeof key, "precision_%s", averages[a]);
        assert_close(mine[a]->precision, get(&f, key, NULL)[0], key, 0);
        snprintf(key, sizeof key, "recall_%s", averages[a]);
        assert_close(mine[a]->recall, get(&f, key, NULL)[0], key, 0);
        snprintf(key, sizeof key, "f1_%s", averages[a]);
        assert_close(mine[a]->fscore, get(&f, key, NULL)[0], key, 0);
    }
    assert_close(report.balanced_accuracy, get(&f, "balanced_accuracy", NULL)[0], "balanced_accuracy", 0);
    assert_close(report.matthews, get(&f, "matthews", NULL)[0], "matthews", 0);
    double kappa = get(&f, "cohen_kappa", NULL)[0];
    if (isnan(kappa)) assert_true(isnan(report.cohen_kappa));
    else assert_close(report.cohen_kappa, kappa, "cohen_kappa", 0);
    assert_int_equal(report.any_ill_defined, (int)get(&f, "ill_defined", NULL)[0]);

    /* General F-beta. */
    const double betas[] = {0.5, 2.0};
    const char *tags[] = {"f0.5", "f2"};
    for (int b = 0; b < 2; b++) {
        assert_int_equal(rn_classification_report_compute(confusion, K, betas[b], per_class, &report), RN_OK);
        for (int k = 0; k < K; k++) assert_close(per_class[k].fscore, get(&f, tags[b], NULL)[k], tags[b], k);
        for (int a = 0; a < 3; a++) {
            snprintf(key, sizeof key, "%s_%s", tags[b], averages[a]);
            assert_close(mine[a]->fscore, get(&f, key, NULL)[0], key, 0);
        }
    }
    free(confusion);
    free(y_true);
    free(y_pred);
}

static void sklearn_binary(void **state) { (void)state; check_case("binary"); }
static void sklearn_three_classes(void **state) { (void)state; check_case("three"); }
static void sklearn_ten_classes_absent_and_never_predicted(void **state)
{
    (void)state;
    check_case("ten");
    /* The flags say which class is ill-defined and why. */
    static fixture f;
    load_fixture("ten", &f);
    int n = 0;
    const double *t = get(&f, "y_true", &n), *p = get(&f, "y_pred", NULL);
    int y_true[512], y_pred[512];
    for (int i = 0; i < n; i++) {
        y_true[i] = (int)t[i];
        y_pred[i] = (int)p[i];
    }
    int64_t confusion[100];
    rn_class_scores per_class[10];
    rn_classification_report report;
    assert_int_equal(rn_confusion_matrix(y_true, y_pred, n, 10, confusion), RN_OK);
    assert_int_equal(rn_classification_report_compute(confusion, 10, 1.0, per_class, &report), RN_OK);
    assert_true(per_class[3].precision_ill_defined && !per_class[3].recall_ill_defined);
    assert_true(per_class[7].recall_ill_defined && !per_class[7].precision_ill_defined);
    assert_true(per_class[9].fscore_ill_defined);
    assert_false(per_class[0].precision_ill_defined || per_class[0].recall_ill_defined);
}
static void sklearn_perfect(void **state) { (void)state; check_case("perfect"); }
static void sklearn_all_wrong(void **state) { (void)state; check_case("all_wrong"); }
static void sklearn_string_labels(void **state) { (void)state; check_case("strings"); }

static void label_files_encode_like_sklearn(void **state)
{
    (void)state;
    char true_path[1024], pred_path[1024];
    snprintf(true_path, sizeof true_path, "%s/tests/golden/metrics_strings_true.txt", REDES_SOURCE_DIR);
    snprintf(pred_path, sizeof pred_path, "%s/tests/golden/metrics_strings_pred.txt", REDES_SOURCE_DIR);
    rn_label_pairs pairs;
    assert_int_equal(rn_label_pairs_read(true_path, pred_path, &pairs), RN_OK);
    static fixture f;
    load_fixture("strings", &f);
    int n = 0;
    const double *t = get(&f, "y_true", &n), *p = get(&f, "y_pred", NULL);
    assert_int_equal(pairs.n_samples, n);
    assert_int_equal(pairs.n_classes, 4);
    /* Byte-wise order: uppercase sorts first. */
    assert_string_equal(pairs.class_names[0], "Zebra");
    assert_string_equal(pairs.class_names[1], "bird");
    assert_string_equal(pairs.class_names[3], "dog");
    for (int i = 0; i < n; i++) {
        assert_int_equal(pairs.y_true[i], (int)t[i]);
        assert_int_equal(pairs.y_pred[i], (int)p[i]);
    }
    rn_label_pairs_free(&pairs);

    /* Integers sort numerically (10 after 9), not byte-wise. */
    const char *a[] = {"10", "9", "-1", "9"};
    const char *b[] = {"9", "10", "10", "2"};
    assert_int_equal(rn_label_pairs_encode(a, b, 4, &pairs), RN_OK);
    assert_int_equal(pairs.n_classes, 4);
    assert_string_equal(pairs.class_names[0], "-1");
    assert_string_equal(pairs.class_names[1], "2");
    assert_string_equal(pairs.class_names[3], "10");
    assert_int_equal(pairs.y_true[0], 3);
    assert_int_equal(pairs.y_pred[3], 1);
    rn_label_pairs_free(&pairs);

    /* Any numbers sort numerically; "1" and "1.0" are the same class. */
    const char *c[] = {"2.5", "1", "-0.5"};
    const char *d[] = {"1.0", "10", "2.5"};
    assert_int_equal(rn_label_pairs_encode(c, d, 3, &pairs), RN_OK);
    assert_int_equal(pairs.n_classes, 4);
    assert_int_equal(pairs.y_true[1], pairs.y_pred[0]);
    assert_string_equal(pairs.class_names[0], "-0.5");
    assert_string_equal(pairs.class_names[3], "10");
    rn_label_pairs_free(&pairs);
}

static void write_file(const char *path, const char *text)
{
    FILE *file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
}

static void label_file_errors(void **state)
{
    (void)state;
    rn_label_pairs pairs;
    const char *a = "test_metrics_a.txt", *b = "test_metrics_b.txt";
    write_file(a, "1\n2\n3\n");
    write_file(b, "1\n2\n");
    assert_int_equal(rn_label_pairs_read(a, b, &pairs), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "has 3 labels but"));
    write_file(b, "");
    assert_int_equal(rn_label_pairs_read(a, b, &pairs), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "empty file"));
    write_file(b, "1\n\n3\n");
    assert_int_equal(rn_label_pairs_read(a, b, &pairs), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), ":2: empty line"));
    assert_int_equal(rn_label_pairs_read(a, "no/such/file.txt", &pairs), RN_ERR_IO);
    /* Windows line ends, surrounding spaces and trailing blank lines are fine. */
    write_file(b, " 1\r\n2 \r\n3\r\n\r\n\n");
    assert_int_equal(rn_label_pairs_read(a, b, &pairs), RN_OK);
    assert_int_equal(pairs.n_samples, 3);
    assert_int_equal(pairs.y_true[2], pairs.y_pred[2]);
    rn_label_pairs_free(&pairs);
    remove(a);
    remove(b);
}

static void confusion_from_scores_and_bad_labels(void **state)
{
    (void)state;
    /* Arg-max with ties going to the first maximum, as numpy/torch. */
    const float scores[] = {0.1f, 0.7f, 0.2f, /**/ 0.5f, 0.5f, 0.0f, /**/ -1.f, -3.f, 2.f};
    const int y_true[] = {1, 1, 0};
    int64_t confusion[9] = {0};
    assert_int_equal(rn_confusion_accumulate_scores(scores, y_true, 3, 3, confusion), RN_OK);
    const int64_t want[9] = {0, 0, 1, 1, 1, 0, 0, 0, 0};
    for (int i = 0; i < 9; i++) assert_int_equal(confusion[i], want[i]);
    assert_int_equal(rn_confusion_total(confusion, 3), 3);
    assert_true(fabs(rn_accuracy(confusion, 3) - 1.0 / 3.0) < 1e-15);
    const int bad[] = {0, 3, 1};
    assert_int_equal(rn_confusion_matrix(bad, y_true, 3, 3, confusion), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "true label 3 of sample 1"));
    const float not_finite[] = {0.f, NAN, 1.f};
    assert_int_equal(rn_confusion_accumulate_scores(not_finite, y_true, 1, 3, confusion), RN_ERR_NUMERIC);
    rn_classification_report report;
    assert_int_equal(rn_classification_report_compute(confusion, 3, 0.0, NULL, &report), RN_ERR_ARGUMENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sklearn_binary),
        cmocka_unit_test(sklearn_three_classes),
        cmocka_unit_test(sklearn_ten_classes_absent_and_never_predicted),
        cmocka_unit_test(sklearn_perfect),
        cmocka_unit_test(sklearn_all_wrong),
        cmocka_unit_test(sklearn_string_labels),
        cmocka_unit_test(label_files_encode_like_sklearn),
        cmocka_unit_test(label_file_errors),
        cmocka_unit_test(confusion_from_scores_and_bad_labels),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
