/* cmd_inspect.c — `redes inspect`: what a trained model learned and how it
 * sees one example.
 *
 *   redes inspect --model runs/lenet/model.safetensors                 (test example 0)
 *   redes inspect --model runs/lenet/model.safetensors --index 42      (test example 42)
 *   redes inspect --model runs/lenet/model.safetensors --data mnist --index 7
 *   redes inspect --model runs/lenet/model.safetensors digit.png
 *
 * Writes into the run folder (--out):
 *   input.png               the example as the network receives it (images only)
 *   filters.png             the first layer's weights: conv kernels, or for an
 *                           MLP on images each hidden unit's weights as a picture
 *                           (blue negative, white 0, red positive, one scale)
 *   features-K-NAME.png     the feature maps of the example after each conv
 *                           (after its activation) and each maxpool, one tile
 *                           per channel, each tile on its own grey scale
 *   weights-fcK.png         each fc layer's weight matrix: a Hinton diagram when
 *                           small (up to 40 x 100), else a heatmap (up to 1024 inputs)
 * and prints the predicted class with the probabilities; --json lists the
 * files and the prediction. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "train_data.h"

enum { MAX_FILES = RN_MODEL_MAX_LAYERS + 4, MAX_FILTER_TILES = 128 };

typedef struct inspect_input {
    float *x;          /* n_inputs floats, preprocessed as in training */
    float *picture;    /* n_inputs floats before standardisation (pixels in [0, 1]) */
    bool is_picture;   /* an image (a PNG or an image data set), not tabular features */
    bool unit_range;   /* picture values in [0, 1] (not digits' 0..16) */
    int true_class;    /* -1 when unknown (a PNG) */
    char description[600];
} inspect_input;

typedef struct written {
    char input[4200], filters[4200];
    char maps[RN_MODEL_MAX_LAYERS][4200];
    int n_maps;
    char weights[RN_MODEL_MAX_LAYERS][4200];
    int n_weights;
} written;

static bool takes_images(const rn_model *model) { return model->input_shape[1] > 1 || model->input_shape[2] > 1; }

static bool is_png(const char *text)
{
    size_t n = strlen(text);
    return n > 4 && strcasecmp(text + n - 4, ".png") == 0;
}

/* ---------------------------------------------------------------- the example */

static int read_png_input(const rn_cli_args *args, const char *path, const rn_model *model, inspect_input *in)
{
    if (model->n_inputs != 28 * 28 || model->input_shape[0] != 1)
        return rn_cli_fail(args, "%s: the model takes %d inputs (%d,%d,%d), not a 28x28 grey picture", path,
                           model->n_inputs, model->input_shape[0], model->input_shape[1], model->input_shape[2]);
    rn_tensor digit;
    rn_status s = rn_png_read_digit(path, &digit);
    if (s != RN_OK) return rn_cli_fail_status(args, s);
    memcpy(in->picture, digit.data, 28 * 28 * sizeof(float));
    rn_tensor_free(&digit);
    in->true_class = -1;
    in->is_picture = true;
    in->unit_range = true;
    snprintf(in->description, sizeof in->description, "%s", path);
    return -1;
}

/* Test example `index` of the data set, split as the model's training run split it. */
static int read_data_input(const rn_cli_args *args, const char *model_path, const char *data_name, int index,
                           const rn_model *model, const rn_model_data_info *info, inspect_input *in)
{
    rn_train_data d;
    rn_status s = rn_model_data_load(&d, model_path, info, data_name);
    if (s != RN_OK) return rn_cli_fail_status(args, s);
    const char *name = d.source;
    int exit_code = -1;
    if (d.data.n_features != model->n_inputs)
        exit_code = rn_cli_fail(args, "%s has %d features per example, the model takes %d", name,
                                d.data.n_features, model->n_inputs);
    else if (index >= d.split.n_test)
        exit_code = rn_cli_fail(args, "--index %d: the test set of %s has %d examples", index, name, d.split.n_test);
    if (exit_code < 0) {
        int example = d.split.test[index];
        for (int j = 0; j < model->n_inputs; j++) in->picture[j] = rn_dataset_value(&d.data, example, j);
        in->true_class = d.data.labels[example];
        snprintf(in->description, sizeof in->description, "%s test example %d", d.data.name, index);
        /* Image sets: MNIST's bytes (read as [0, 1]) and digits' 8x8 floats 0..16. */
        in->is_picture = d.data.pixels != NULL || d.data.height > 0;
        in->unit_range = d.data.pixels != NULL;
    }
    rn_train_data_free(&d);
    return exit_code;
}

/* ---------------------------------------------------------------- pictures */

/* Integer enlargement that makes a side of `pixels` about `target` pixels. */
static int scale_for(int pixels, int target)
{
    int scale = target / (pixels > 0 ? pixels : 1);
    return scale < 1 ? 1 : scale > 16 ? 16 : scale;
}

static rn_status write_input_picture(const char *dir, const rn_model *model, const inspect_input *in, written *w)
{
    rn_grid_options grid = rn_grid_defaults();
    grid.normalise = in->unit_range ? RN_NORMALISE_NONE : RN_NORMALISE_PER_IMAGE;
    grid.scale = scale_for(model->input_shape[2], 224);
    grid.channels = model->input_shape[0] == 3 ? 3 : 1;
    snprintf(w->input, sizeof w->input, "%s/input.png", dir);
    int tiles = model->input_shape[0] == 3 ? 1 : model->input_shape[0];
    /* One picture, no frame: a mid-grey frame made `redes predict input.png`
     * take the background for light and invert the digit. */
    if (tiles == 1) grid.gap = 0;
    return rn_png_write_grid(w->input, in->picture, tiles, model->input_shape[1], model->input_shape[2], &grid);
}

/* The first layer's weights as pictures: conv kernels (C_out tiles of K x K,
 * or C_out x C_in when the input has other than 1 or 3 channels), or the
 * rows of an fc layer on images reshaped to the image. */
static rn_status write_filters(const char *dir, const rn_model *model, written *w)
{
    const rn_layer *first = &model->layers[0];
    int conv = rn_inspect_first_conv(model);
    rn_grid_options grid = rn_grid_defaults();
    grid.colormap = RN_COLORMAP_DIVERGING;
    grid.normalise = RN_NORMALISE_GLOBAL;
    grid.symmetric = true;
    grid.background = RN_GREY;
    rn_tensor weight;
    int tiles, height, width;
    if (conv >= 0 && conv == 0) {
        const rn_layer *l = &model->layers[conv];
        weight = rn_params_value(&model->params, l->weight_index);
        int in_channels = l->in_shape[0];
        grid.channels = in_channels == 3 ? 3 : 1;
        tiles = in_channels == 3 ? l->units : l->units * in_channels;
        height = width = l->kernel;
        if (in_channels > 1 && in_channels != 3) grid.columns = in_channels;
        else grid.columns = l->units <= 8 ? l->units : 8;
        grid.scale = scale_for(l->kernel, 60);
        grid.gap = 1;
    } else if (first->kind == RN_LAYER_LINEAR && takes_images(model) && model->input_shape[0] == 1) {
        weight = rn_params_value(&model->params, first->weight_index);
        tiles = first->units < MAX_FILTER_TILES ? first->units : MAX_FILTER_TILES;
        height = model->input_shape[1];
        width = model->input_shape[2];
        grid.scale = scale_for(width, 56);
    } else {
        return RN_OK; /* nothing image-like to show */
    }
    snprintf(w->filters, sizeof w->filters, "%s/filters.png", dir);
    return rn_png_write_grid(w->filters, weight.data, tiles, height, width, &grid);
}

/* Feature maps of example 0 after every conv (and its activation) and maxpool. */
static rn_status write_feature_maps(const char *dir, const rn_model *model, const rn_layer_outputs *trace, written *w)
{
    int n_conv = 0, n_pool = 0;
    for (int i = 0; i < model->n_layers; i++) {
        int shown = rn_inspect_feature_layer(model, i);
        if (shown < 0) continue;
        const rn_layer *l = &model->layers[i];
        const rn_tensor *maps = &trace->outputs[shown];
        if (maps->ndim != 4) continue;
        char name[32];
        if (l->kind == RN_LAYER_CONV) snprintf(name, sizeof name, "%s", l->name), n_conv++;
        else snprintf(name, sizeof name, "pool%d", ++n_pool);
        rn_grid_options grid = rn_grid_defaults();
        grid.colormap = RN_COLORMAP_VIRIDIS;
        grid.normalise = RN_NORMALISE_PER_IMAGE;
        grid.scale = scale_for(maps->shape[3], 84);
        grid.columns = maps->shape[1] <= 8 ? maps->shape[1] : maps->shape[1] <= 16 ? 8 : 16;
        char *path = w->maps[w->n_maps];
        snprintf(path, sizeof w->maps[0], "%s/features-%d-%s.png", dir, w->n_maps + 1, name);
        RN_CHECK(rn_png_write_grid(path, maps->data, maps->shape[1], maps->shape[2], maps->shape[3], &grid));
        w->n_maps++;
    }
    (void)n_conv;
    return RN_OK;
}

/* Every fc layer's weights: Hinton diagram (small), heatmap (up to 1024 inputs). */
static rn_status write_weights(const char *dir, const rn_model *model, written *w)
{
    for (int i = 0; i < model->n_layers; i++) {
        const rn_layer *l = &model->layers[i];
        if (l->kind != RN_LAYER_LINEAR) continue;
        rn_tensor weight = rn_params_value(&model->params, l->weight_index);
        int rows = weight.shape[0], columns = weight.shape[1];
        char title[96];
        snprintf(title, sizeof title, "%s.weight (%d x %d)", l->name, rows, columns);
        char *path = w->weights[w->n_weights];
        snprintf(path, sizeof w->weights[0], "%s/weights-%s.png", dir, l->name);
        if (rows <= 40 && columns <= 100) {
            rn_hinton_options hinton = rn_hinton_defaults();
            hinton.cell = columns <= 50 ? 16 : 10;
            hinton.title = title;
            RN_CHECK(rn_png_write_hinton(path, weight.data, rows, columns, &hinton));
        } else if (columns <= 1024) {
            rn_heatmap_options heat = rn_heatmap_defaults();
            heat.colormap = RN_COLORMAP_DIVERGING;
            heat.symmetric = true;
            heat.title = title;
            RN_CHECK(rn_png_write_heatmap(path, weight.data, rows, columns, &heat));
        } else {
            continue;
        }
        w->n_weights++;
    }
    return RN_OK;
}

/* ---------------------------------------------------------------- report */

static const char *class_name(const rn_model_data_info *info, int k)
{
    return info->class_names && k >= 0 && k < info->n_classes ? info->class_names[k] : "";
}

/* " (T-shirt/top)" after a class number, or nothing when the name is the number. */
static const char *named(const rn_model_data_info *info, int k, char *buffer, size_t size)
{
    const char *name = class_name(info, k);
    char number[16];
    snprintf(number, sizeof number, "%d", k);
    if (!name[0] || !strcmp(name, number)) return "";
    snprintf(buffer, size, " (%s)", name);
    return buffer;
}

static json_t *layers_json(const rn_model *model)
{
    static const char *const kinds[] = {"fc", "conv", "maxpool", "bn", "dropout", "activation", "flatten"};
    json_t *list = json_array();
    for (int i = 0; i < model->n_layers; i++) {
        const rn_layer *l = &model->layers[i];
        json_t *item = json_object();
        json_object_set_new(item, "kind", json_string(l->kind == RN_LAYER_ACTIVATION ? rn_activation_name(l->activation)
                                                                                     : kinds[l->kind]));
        if (l->name[0]) json_object_set_new(item, "name", json_string(l->name));
        json_object_set_new(item, "output_shape", rn_json_ints(l->out_shape, 3));
        json_array_append_new(list, item);
    }
    return list;
}

static void report(const rn_cli_args *args, const char *model_path, const char *dir, const rn_model *model,
                   const rn_model_data_info *info, const inspect_input *in, const float *p, const written *w)
{
    int best = 0, classes = model->n_classes;
    for (int k = 1; k < classes; k++)
        if (p[k] > p[best]) best = k;
    char a[96], b[96];
    rn_cli_say(args, "%s: %s", model_path, model->spec);
    if (in->true_class >= 0)
        rn_cli_say(args, "%s, true class %d%s: predicted %d%s with probability %.4f", in->description, in->true_class,
                   named(info, in->true_class, a, sizeof a), best, named(info, best, b, sizeof b), p[best]);
    else
        rn_cli_say(args, "%s: predicted %d%s with probability %.4f", in->description, best, named(info, best, b, sizeof b),
                   p[best]);
    for (int k = 0; k < classes; k++) {
        char bar[41];
        int length = (int)(p[k] * 40.0f + 0.5f);
        memset(bar, '#', (size_t)length);
        bar[length] = '\0';
        rn_cli_say(args, "  %2d%-14s %.4f %s", k, named(info, k, a, sizeof a), p[k], bar);
    }
    rn_cli_say(args, "pictures in %s: %s%s%d feature-map grid%s, %d weight picture%s", dir,
               w->input[0] ? "input.png, " : "", w->filters[0] ? "filters.png, " : "", w->n_maps,
               w->n_maps == 1 ? "" : "s", w->n_weights, w->n_weights == 1 ? "" : "s");
    if (!args->json) return;
    json_t *out = json_object();
    json_object_set_new(out, "model", json_string(model_path));
    json_object_set_new(out, "net", json_string(model->spec));
    json_object_set_new(out, "input", json_string(in->description));
    if (in->true_class >= 0) json_object_set_new(out, "true_class", json_integer(in->true_class));
    json_object_set_new(out, "class", json_integer(best));
    if (info->class_names) json_object_set_new(out, "label", json_string(class_name(info, best)));
    json_object_set_new(out, "probabilities", rn_json_floats(p, classes));
    json_object_set_new(out, "layers", layers_json(model));
    json_t *files = json_object();
    if (w->input[0]) json_object_set_new(files, "input", json_string(w->input));
    if (w->filters[0]) json_object_set_new(files, "filters", json_string(w->filters));
    json_t *maps = json_array(), *weights = json_array();
    for (int i = 0; i < w->n_maps; i++) json_array_append_new(maps, json_string(w->maps[i]));
    for (int i = 0; i < w->n_weights; i++) json_array_append_new(weights, json_string(w->weights[i]));
    json_object_set_new(files, "feature_maps", maps);
    json_object_set_new(files, "weights", weights);
    json_object_set_new(out, "files", files);
    json_object_set_new(out, "out", json_string(dir));
    rn_cli_print_json(out);
}

/* ---------------------------------------------------------------- the command */

static int inspect(const rn_cli_args *args, const char *model_path, const char *data_name, int index, rn_model *model,
                   const rn_model_data_info *info)
{
    inspect_input in = {.true_class = -1};
    in.x = calloc((size_t)model->n_inputs, sizeof *in.x);
    in.picture = calloc((size_t)model->n_inputs, sizeof *in.picture);
    if (!in.x || !in.picture) {
        free(in.x);
        free(in.picture);
        return rn_cli_fail(args, "out of memory");
    }
    int exit_code;
    if (args->n_positional == 1) exit_code = read_png_input(args, args->positional[0], model, &in);
    else exit_code = read_data_input(args, model_path, data_name, index, model, info, &in);
    if (exit_code < 0) memcpy(in.x, in.picture, (size_t)model->n_inputs * sizeof *in.x);
    if (exit_code < 0 && info->standardized) rn_standardizer_apply(&info->standardizer, in.x, 1);

    rn_layer_outputs trace = {0};
    written w = {0};
    char dir[4096];
    rn_status s = RN_OK;
    if (exit_code < 0) s = rn_model_layer_outputs(model, in.x, 1, &trace);
    if (exit_code < 0 && s == RN_OK) s = rn_cli_out_dir(args, dir, sizeof dir);
    if (exit_code < 0 && s == RN_OK && in.is_picture && takes_images(model)) s = write_input_picture(dir, model, &in, &w);
    if (exit_code < 0 && s == RN_OK) s = write_filters(dir, model, &w);
    if (exit_code < 0 && s == RN_OK) s = write_feature_maps(dir, model, &trace, &w);
    if (exit_code < 0 && s == RN_OK) s = write_weights(dir, model, &w);
    if (exit_code < 0 && s != RN_OK) exit_code = rn_cli_fail_status(args, s);
    if (exit_code < 0) {
        report(args, model_path, dir, model, info, &in, trace.probabilities.data, &w);
        exit_code = 0;
    }
    rn_layer_outputs_free(&trace);
    free(in.x);
    free(in.picture);
    return exit_code;
}

int rn_cmd_inspect(int argc, char **argv)
{
    const char *model_path = NULL, *data_name = NULL;
    int index = -1;
    const rn_cli_option options[] = {
        {"model", RN_OPT_STRING, &model_path, "a model.safetensors written by redes train (required)", 0, 0, "FILE"},
        {"data", RN_OPT_STRING, &data_name, "data set of the example (default: the one the model was trained on)", 0, 0,
         "NAME"},
        {"index", RN_OPT_INT, &index, "which test example to show (default 0)", 0, 1 << 30, NULL},
        {0}};
    const rn_cli_spec spec = {"inspect", "--model FILE [--data NAME] [--index N | DIGIT.png]",
                              "What a trained model learned and how it sees one example: the first layer's filters, "
                              "the feature maps after each conv and pool layer, the fc weight matrices (Hinton diagram "
                              "or heatmap) as PNG pictures in the run folder, and the predicted class with its "
                              "probabilities.",
                              options, 0, 1};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (!model_path) return rn_cli_fail(&args, "--model is required");
    if (args.n_positional == 1 && !is_png(args.positional[0]))
        return rn_cli_fail(&args, "'%s': the example must be a .png picture (or use --index)", args.positional[0]);
    if (args.n_positional == 1 && (index >= 0 || data_name))
        return rn_cli_fail(&args, "give either a PNG picture or --data/--index, not both");
    rn_model model;
    rn_model_data_info info;
    rn_status s = rn_model_load_file(model_path, &model, &info);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);
    exit_code = inspect(&args, model_path, data_name, index < 0 ? 0 : index, &model, &info);
    rn_model_data_info_free(&info);
    rn_model_free(&model);
    return exit_code;
}
