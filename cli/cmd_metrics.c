/* cmd_metrics.c — `redes metrics --true FILE --pred FILE`: the confusion
 * matrix and the scores of a classifier's predictions, as scikit-learn
 * computes them, and a picture of the confusion matrix. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/image.h"
#include "redes/metrics.h"

/* NaN (an undefined kappa) becomes JSON null. */
static json_t *json_number(double value) { return isfinite(value) ? json_real(value) : json_null(); }

static json_t *average_json(const rn_average_scores *s)
{
    return json_pack("{s:f,s:f,s:f}", "precision", s->precision, "recall", s->recall, "fscore", s->fscore);
}

/* The table of sklearn's classification_report, plus what was ill-defined. */
static void print_report(const rn_cli_args *args, const rn_label_pairs *pairs, const rn_class_scores *per_class,
                         const rn_classification_report *report, const int64_t *confusion)
{
    const int K = pairs->n_classes;
    int width = 12;
    for (int k = 0; k < K; k++) {
        int length = (int)strlen(pairs->class_names[k]);
        if (length > width) width = length;
    }
    char f_name[32];
    if (report->beta == 1.0) snprintf(f_name, sizeof f_name, "f1-score");
    else snprintf(f_name, sizeof f_name, "f%g-score", report->beta);
    rn_cli_say(args, "%*s  precision     recall  %9s    support", width, "", f_name);
    for (int k = 0; k < K; k++)
        rn_cli_say(args, "%*s  %9.4f  %9.4f  %9.4f  %9lld%s", width, pairs->class_names[k], per_class[k].precision,
                   per_class[k].recall, per_class[k].fscore, (long long)per_class[k].support,
                   per_class[k].precision_ill_defined ? "  (never predicted: precision set to 0)"
                   : per_class[k].recall_ill_defined  ? "  (no true samples: recall set to 0)"
                                                      : "");
    rn_cli_say(args, "%s", "");
    rn_cli_say(args, "%*s  %9s  %9s  %9.4f  %9lld", width, "accuracy", "", "", report->accuracy,
               (long long)report->n_samples);
    const char *names[3] = {"macro avg", "micro avg", "weighted avg"};
    const rn_average_scores *averages[3] = {&report->macro, &report->micro, &report->weighted};
    for (int a = 0; a < 3; a++)
        rn_cli_say(args, "%*s  %9.4f  %9.4f  %9.4f  %9lld", width, names[a], averages[a]->precision,
                   averages[a]->recall, averages[a]->fscore, (long long)report->n_samples);
    rn_cli_say(args, "\nbalanced accuracy %.4f   Cohen's kappa %.4f   Matthews corr. %.4f", report->balanced_accuracy,
               report->cohen_kappa, report->matthews);
    if (report->any_ill_defined)
        rn_cli_say(args, "warning: some scores are ill-defined (a class never predicted or never true) and were "
                         "set to 0, as scikit-learn does by default");
    /* The confusion matrix as text: rows true, columns predicted. */
    rn_cli_say(args, "\nconfusion matrix (rows: true class, columns: predicted)");
    char line[4096];
    int used = snprintf(line, sizeof line, "%*s", width, "");
    for (int j = 0; j < K && used < (int)sizeof line; j++)
        used += snprintf(line + used, sizeof line - (size_t)used, " %6.6s", pairs->class_names[j]);
    rn_cli_say(args, "%s", line);
    for (int i = 0; i < K; i++) {
        used = snprintf(line, sizeof line, "%*s", width, pairs->class_names[i]);
        for (int j = 0; j < K && used < (int)sizeof line; j++)
            used += snprintf(line + used, sizeof line - (size_t)used, " %6lld", (long long)confusion[i * K + j]);
        rn_cli_say(args, "%s", line);
    }
}

/* `report` is for the chosen beta, `f1` the same at beta = 1 (per_class holds
 * the chosen beta's scores, f1_per_class the F1 ones). */
static json_t *report_json(const rn_label_pairs *pairs, const rn_class_scores *per_class,
                           const rn_class_scores *f1_per_class, const rn_classification_report *report,
                           const rn_classification_report *f1, const int64_t *confusion, const char *png)
{
    const int K = pairs->n_classes;
    json_t *labels = json_array(), *classes = json_array(), *matrix = json_array();
    for (int k = 0; k < K; k++) {
        json_array_append_new(labels, json_string(pairs->class_names[k]));
        json_array_append_new(classes,
                              json_pack("{s:s,s:f,s:f,s:f,s:f,s:I,s:I,s:b,s:b}", "label", pairs->class_names[k],
                                        "precision", per_class[k].precision, "recall", per_class[k].recall,
                                        "f1", f1_per_class[k].fscore, "fbeta", per_class[k].fscore, "support", (json_int_t)per_class[k].support,
                                        "predicted", (json_int_t)per_class[k].predicted, "precision_ill_defined",
                                        per_class[k].precision_ill_defined, "recall_ill_defined",
                                        per_class[k].recall_ill_defined));
        json_t *row = json_array();
        for (int j = 0; j < K; j++) json_array_append_new(row, json_integer(confusion[k * K + j]));
        json_array_append_new(matrix, row);
    }
    json_t *out = json_object();
    json_object_set_new(out, "n_samples", json_integer(report->n_samples));
    json_object_set_new(out, "n_classes", json_integer(K));
    json_object_set_new(out, "labels", labels);
    json_object_set_new(out, "accuracy", json_real(report->accuracy));
    json_object_set_new(out, "beta", json_real(report->beta));
    json_object_set_new(out, "precision_macro", json_real(report->macro.precision));
    json_object_set_new(out, "recall_macro", json_real(report->macro.recall));
    json_object_set_new(out, "f1_macro", json_real(f1->macro.fscore));
    json_object_set_new(out, "precision_micro", json_real(report->micro.precision));
    json_object_set_new(out, "recall_micro", json_real(report->micro.recall));
    json_object_set_new(out, "f1_micro", json_real(f1->micro.fscore));
    json_object_set_new(out, "precision_weighted", json_real(report->weighted.precision));
    json_object_set_new(out, "recall_weighted", json_real(report->weighted.recall));
    json_object_set_new(out, "f1_weighted", json_real(f1->weighted.fscore));
    if (report->beta != 1.0) {
        json_object_set_new(out, "fbeta_macro", json_real(report->macro.fscore));
        json_object_set_new(out, "fbeta_micro", json_real(report->micro.fscore));
        json_object_set_new(out, "fbeta_weighted", json_real(report->weighted.fscore));
    }
    json_object_set_new(out, "macro", average_json(&report->macro));
    json_object_set_new(out, "micro", average_json(&report->micro));
    json_object_set_new(out, "weighted", average_json(&report->weighted));
    json_object_set_new(out, "balanced_accuracy", json_real(report->balanced_accuracy));
    json_object_set_new(out, "cohen_kappa", json_number(report->cohen_kappa));
    json_object_set_new(out, "matthews_corrcoef", json_real(report->matthews));
    json_object_set_new(out, "zero_division_warning", json_boolean(report->any_ill_defined));
    json_object_set_new(out, "per_class", classes);
    json_object_set_new(out, "confusion", matrix);
    if (png) json_object_set_new(out, "confusion_png", json_string(png));
    return out;
}

int rn_cmd_metrics(int argc, char **argv)
{
    const char *true_path = NULL, *pred_path = NULL;
    double beta = 1.0;
    const rn_cli_option options[] = {
        {"true", RN_OPT_STRING, &true_path, "file of true labels, one per line (integers or words)", 0, 0, "FILE"},
        {"pred", RN_OPT_STRING, &pred_path, "file of predicted labels, one per line, same order", 0, 0, "FILE"},
        {"beta", RN_OPT_DOUBLE, &beta, "beta of the F-score (1 = F1; 2 weighs recall more)", 1e-6, 1e6, NULL},
        {0}};
    const rn_cli_spec spec = {"metrics", "--true FILE --pred FILE [--beta X]",
                              "Confusion matrix, accuracy, precision, recall and F-score (per class; macro, micro "
                              "and weighted averages), equal to scikit-learn's. Classes are the labels found in "
                              "either file, sorted (numerically if all are numbers). Writes confusion.png.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (!true_path || !pred_path || !*true_path || !*pred_path)
        return rn_cli_fail(&args, "needs --true FILE and --pred FILE (one label per line)");

    rn_label_pairs pairs;
    rn_status status = rn_label_pairs_read(true_path, pred_path, &pairs);
    if (status != RN_OK) return rn_cli_fail_status(&args, status);
    const int K = pairs.n_classes;
    int64_t *confusion = malloc(sizeof *confusion * (size_t)K * (size_t)K);
    rn_class_scores *per_class = malloc(sizeof *per_class * (size_t)K);
    rn_class_scores *f1_per_class = malloc(sizeof *f1_per_class * (size_t)K);
    rn_classification_report report, f1_report;
    char folder[4096], png[4200];
    if (!confusion || !per_class || !f1_per_class) status = rn_error(RN_ERR_MEMORY, "out of memory for %d classes", K);
    if (status == RN_OK) status = rn_confusion_matrix(pairs.y_true, pairs.y_pred, pairs.n_samples, K, confusion);
    if (status == RN_OK) status = rn_classification_report_compute(confusion, K, beta, per_class, &report);
    if (status == RN_OK) status = rn_classification_report_compute(confusion, K, 1.0, f1_per_class, &f1_report);
    if (status == RN_OK) status = rn_cli_out_dir(&args, folder, sizeof folder);
    if (status == RN_OK) {
        snprintf(png, sizeof png, "%s/confusion.png", folder);
        char title[128];
        snprintf(title, sizeof title, "accuracy %.4f, macro F1 %.4f", report.accuracy, f1_report.macro.fscore);
        if (K > 100) png[0] = '\0'; /* the picture's limit; the numbers are still printed */
        else status = rn_png_write_confusion(png, confusion, K, (const char *const *)pairs.class_names, title);
    }
    if (status == RN_OK) {
        if (args.json) {
            rn_cli_print_json(
                report_json(&pairs, per_class, f1_per_class, &report, &f1_report, confusion, png[0] ? png : NULL));
        } else {
            print_report(&args, &pairs, per_class, &report, confusion);
            if (png[0]) rn_cli_say(&args, "\nwrote %s", png);
        }
    }
    exit_code = status == RN_OK ? 0 : rn_cli_fail_status(&args, status);
    free(confusion);
    free(per_class);
    free(f1_per_class);
    rn_label_pairs_free(&pairs);
    return exit_code;
}
