/* cmd_eval.c — `redes eval --model FILE [--data NAME]`: loss, accuracy and
 * confusion matrix of a trained model on the test set it was trained with
 * (the official test set, or the same stratified split, recomputed from the
 * seed and fractions recorded in the model file). */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "train_data.h"

static json_t *confusion_json(const int64_t *counts, int classes)
{
    json_t *rows = json_array();
    for (int i = 0; i < classes; i++) {
        json_t *row = json_array();
        for (int j = 0; j < classes; j++) json_array_append_new(row, json_integer(counts[(size_t)i * classes + j]));
        json_array_append_new(rows, row);
    }
    return rows;
}

static int evaluate(const rn_cli_args *args, const char *model_path, rn_model *model, const rn_model_data_info *info,
                    const char *data_name)
{
    rn_train_data d;
    rn_status s = rn_model_data_load(&d, model_path, info, data_name);
    if (s != RN_OK) return rn_cli_fail_status(args, s);
    int exit_code = 0;
    if (d.data.n_features != model->n_inputs || d.data.n_classes > model->n_classes) {
        exit_code = rn_cli_fail(args, "%s has %d features and %d classes; the model takes %d and gives %d", d.source,
                                d.data.n_features, d.data.n_classes, model->n_inputs, model->n_classes);
        rn_train_data_free(&d);
        return exit_code;
    }
    /* The model's own standardisation (fitted on its training data). */
    const rn_standardizer *standardizer = info->standardized ? &info->standardizer : NULL;
    rn_evaluation test;
    s = rn_evaluate(model, &d.data, standardizer, d.split.test, d.split.n_test, true, &test);
    if (s != RN_OK) {
        rn_train_data_free(&d);
        return rn_cli_fail_status(args, s);
    }
    char path[4200] = "";
    if (args->out_dir) {
        char dir[4096];
        if ((s = rn_cli_out_dir(args, dir, sizeof dir)) == RN_OK) {
            snprintf(path, sizeof path, "%s/confusion.png", dir);
            s = rn_png_write_confusion(path, test.confusion, d.data.n_classes,
                                       (const char *const *)d.data.class_names, "Confusion matrix (test set)");
        }
        if (s != RN_OK) exit_code = rn_cli_fail_status(args, s);
    }
    if (exit_code == 0) {
        rn_cli_say(args, "%s: %d test examples, accuracy %.4f, loss %.4f", d.data.name, test.n, test.accuracy,
                   test.loss);
        if (path[0]) rn_cli_say(args, "wrote %s", path);
        if (args->json) {
            json_t *out = json_object();
            json_object_set_new(out, "data", json_string(d.data.name));
            json_object_set_new(out, "net", json_string(model->spec));
            json_object_set_new(out, "n_test", json_integer(test.n));
            json_object_set_new(out, "test_accuracy", json_real(test.accuracy));
            json_object_set_new(out, "test_loss", json_real(test.loss));
            json_object_set_new(out, "confusion", confusion_json(test.confusion, d.data.n_classes));
            json_object_set_new(out, "confusion_png", path[0] ? json_string(path) : json_null());
            rn_cli_print_json(out);
        }
    }
    rn_evaluation_free(&test);
    rn_train_data_free(&d);
    return exit_code;
}

int rn_cmd_eval(int argc, char **argv)
{
    const char *model_path = NULL, *data_name = NULL;
    const rn_cli_option options[] = {
        {"model", RN_OPT_STRING, &model_path, "a model.safetensors written by redes train (required)", 0, 0, "FILE"},
        {"data", RN_OPT_STRING, &data_name, "data set (default: the one the model was trained on, as recorded in the model file)", 0, 0, "NAME"},
        {0}};
    const rn_cli_spec spec = {"eval", "--model FILE [--data NAME]",
                              "Evaluates a trained classifier on its test set: loss, accuracy, confusion matrix "
                              "(confusion.png when --out is given).",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (!model_path) return rn_cli_fail(&args, "--model is required");
    rn_model model;
    rn_model_data_info info;
    rn_status s = rn_model_load_file(model_path, &model, &info);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);
    exit_code = evaluate(&args, model_path, &model, &info, data_name);
    rn_model_data_info_free(&info);
    rn_model_free(&model);
    return exit_code;
}
