/* cmd_predict.c — `redes predict --model FILE INPUT...`: class probabilities
 * for new examples.
 *
 *   redes predict --model runs/mlp/model.safetensors digit.png
 *       any PNG of one digit, converted to 28x28 grey the way MNIST was made
 *       (rn_png_read_digit: invert if the median grey is light, drop a frame
 *       along the edges, crop, fit 20x20, centre of mass)
 *   redes predict --model runs/iris/model.safetensors 5.1,3.5,1.4,0.2
 *       comma-separated features, standardised as in training
 * Prints the softmax probabilities; --json prints class, label and
 * probabilities (a "predictions" list for several inputs), and for a
 * picture whether it was inverted and how many frame pixels were dropped. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "train_data.h"

static bool is_png(const char *text)
{
    size_t n = strlen(text);
    return n > 4 && strcasecmp(text + n - 4, ".png") == 0;
}

/* One input into x (n_inputs floats); for a picture, what its conversion
 * decided goes into *report (report->ink_width 0 otherwise). */
static int read_input(const rn_cli_args *args, const char *text, const rn_model *model,
                      const rn_model_data_info *info, float *x, rn_digit_report *report)
{
    memset(report, 0, sizeof *report);
    if (is_png(text)) {
        if (model->n_inputs != 28 * 28)
            return rn_cli_fail(args, "%s: the model takes %d inputs, not a 28x28 picture", text, model->n_inputs);
        rn_tensor grey, digit;
        rn_status s = rn_png_read_grey(text, &grey);
        if (s != RN_OK) return rn_cli_fail_status(args, s);
        s = rn_mnist_preprocess_report(&grey, &digit, report);
        rn_tensor_free(&grey);
        if (s != RN_OK) return rn_cli_fail_status(args, rn_error_context(s, "%s", text));
        memcpy(x, digit.data, 28 * 28 * sizeof(float));
        rn_tensor_free(&digit);
        if (info->standardized) rn_standardizer_apply(&info->standardizer, x, 1);
        return -1;
    }
    int n = 0;
    const char *p = text;
    while (*p) {
        char *end;
        double value = strtod(p, &end);
        if (end == p || (*end && *end != ',') || n >= model->n_inputs) {
            if (n >= model->n_inputs) break;
            return rn_cli_fail(args, "input '%s': expected %d comma-separated numbers or a .png file", text,
                               model->n_inputs);
        }
        x[n++] = (float)value;
        p = *end ? end + 1 : end;
    }
    if (n != model->n_inputs || *p)
        return rn_cli_fail(args, "input '%s': expected %d comma-separated numbers, found %s%d", text, model->n_inputs,
                           *p ? "more than " : "", n);
    if (info->standardized) rn_standardizer_apply(&info->standardizer, x, 1);
    return -1;
}

/* How a picture was read: "dark ink on light, inverted; a frame of 560 px dropped". */
static void describe_picture(const rn_digit_report *r, char *text, size_t size)
{
    int used = snprintf(text, size, "%s", r->inverted ? "dark ink on light, inverted" : "light ink on dark");
    if (r->frame_pixels > 0 && used > 0 && (size_t)used < size)
        snprintf(text + used, size - (size_t)used, "; a frame of %ld px dropped", r->frame_pixels);
}

static json_t *prediction_json(const float *p, int classes, const rn_model_data_info *info,
                               const rn_digit_report *picture)
{
    int best = 0;
    for (int k = 1; k < classes; k++)
        if (p[k] > p[best]) best = k;
    json_t *out = json_object();
    json_object_set_new(out, "class", json_integer(best));
    if (info->class_names && best < info->n_classes)
        json_object_set_new(out, "label", json_string(info->class_names[best]));
    json_object_set_new(out, "probabilities", rn_json_floats(p, classes));
    if (picture->ink_width > 0) {
        json_object_set_new(out, "inverted", json_boolean(picture->inverted));
        json_object_set_new(out, "frame_pixels", json_integer(picture->frame_pixels));
    }
    return out;
}

static int predict(const rn_cli_args *args, rn_model *model, const rn_model_data_info *info)
{
    const int n = args->n_positional, classes = model->n_classes;
    float *x = malloc((size_t)n * (size_t)model->n_inputs * sizeof *x);
    float *p = malloc((size_t)n * (size_t)classes * sizeof *p);
    rn_digit_report pictures[RN_CLI_MAX_POSITIONAL];
    if (!x || !p) {
        free(x);
        free(p);
        return rn_cli_fail(args, "out of memory");
    }
    int exit_code = -1;
    for (int i = 0; i < n && exit_code < 0; i++)
        exit_code = read_input(args, args->positional[i], model, info, x + (size_t)i * model->n_inputs, &pictures[i]);
    if (exit_code < 0) {
        rn_status s = rn_model_predict(model, x, n, p);
        exit_code = s == RN_OK ? 0 : rn_cli_fail_status(args, s);
    }
    if (exit_code == 0) {
        for (int i = 0; i < n; i++) {
            const float *row = p + (size_t)i * classes;
            int best = 0;
            for (int k = 1; k < classes; k++)
                if (row[k] > row[best]) best = k;
            char line[4096];
            size_t used = 0;
            for (int k = 0; k < classes && used < sizeof line; k++)
                used += (size_t)snprintf(line + used, sizeof line - used, "%s%s %.4f", k ? "  " : "",
                                         info->class_names && k < info->n_classes ? info->class_names[k] : "?", row[k]);
            char how[96] = "";
            if (pictures[i].ink_width > 0) {
                how[0] = ' ', how[1] = '(';
                describe_picture(&pictures[i], how + 2, sizeof how - 3);
                strcat(how, ")");
            }
            rn_cli_say(args, "%s%s: class %d (%s)   %s", args->positional[i], how, best,
                       info->class_names && best < info->n_classes ? info->class_names[best] : "?", line);
        }
        if (args->json) {
            json_t *out;
            if (n == 1) {
                out = prediction_json(p, classes, info, &pictures[0]);
            } else {
                out = json_object();
                json_t *list = json_array();
                for (int i = 0; i < n; i++)
                    json_array_append_new(list, prediction_json(p + (size_t)i * classes, classes, info, &pictures[i]));
                json_object_set_new(out, "predictions", list);
            }
            rn_cli_print_json(out);
        }
    }
    free(x);
    free(p);
    return exit_code;
}

int rn_cmd_predict(int argc, char **argv)
{
    const char *model_path = NULL;
    const rn_cli_option options[] = {
        {"model", RN_OPT_STRING, &model_path, "a model.safetensors written by redes train (required)", 0, 0, "FILE"},
        {0}};
    const rn_cli_spec spec = {"predict", "--model FILE (IMAGE.png | x1,x2,...)...",
                              "Class probabilities (softmax) of a trained model for new inputs: PNG pictures of "
                              "digits (any size; converted to 28x28 as MNIST was) or comma-separated features.",
                              options, 1, RN_CLI_MAX_POSITIONAL};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (!model_path) return rn_cli_fail(&args, "--model is required");
    rn_model model;
    rn_model_data_info info;
    rn_status s = rn_model_load_file(model_path, &model, &info);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);
    exit_code = predict(&args, &model, &info);
    rn_model_data_info_free(&info);
    rn_model_free(&model);
    return exit_code;
}
