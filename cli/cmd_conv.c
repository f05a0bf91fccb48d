/* cmd_conv.c — `redes conv`: what a convolution does to a picture (chapter 7).
 *
 *   redes conv [--image FILE.png | --digit N | --pattern] [--kernel NAME]
 *              [--stride S] [--padding P]
 *
 * Convolves a grey picture with a classic hand-made kernel (the kind of
 * filter a CNN's first layer learns by itself) using the library's conv2d
 * kernel, and writes into the run folder:
 *   input.png   the picture,   kernel.png  the kernel's values,
 *   output.png  the feature map (blue < 0 < red for kernels that take
 *               differences, grey for smoothing ones),
 *   conv.png    the three side by side.
 * Without --image it uses digit N of the MNIST test set (data/mnist) or, with
 * --pattern or when the data is missing, a generated test pattern (a disc, a
 * square and diagonal stripes: edges in every direction).
 * "sobel" is the gradient magnitude sqrt(G_x^2 + G_y^2) of the two Sobel
 * kernels; every other kernel is a single convolution.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "cli.h"
#include "redes/redes.h"

#ifndef REDES_DATA_DIR
#define REDES_DATA_DIR "data"
#endif

/* ------------------------------------------------------------------ kernels */

typedef struct kernel_spec {
    const char *name;
    int size;
    float values[25];
    float divisor;
    bool signed_output; /* takes differences: show the output with a diverging map */
    const char *what;
} kernel_spec;

/* Written as deep learning does: the cross-correlation y[i,j] = sum w[u,v] x[i+u, j+v]. */
static const kernel_spec kernels[] = {
    {"sobel-x", 3, {-1, 0, 1, -2, 0, 2, -1, 0, 1}, 1, true, "horizontal change: vertical edges"},
    {"sobel-y", 3, {-1, -2, -1, 0, 0, 0, 1, 2, 1}, 1, true, "vertical change: horizontal edges"},
    {"gauss",
     5,
     {1, 4, 6, 4, 1, 4, 16, 24, 16, 4, 6, 24, 36, 24, 6, 4, 16, 24, 16, 4, 1, 4, 6, 4, 1},
     256,
     false,
     "binomial blur (approximates a Gaussian, sigma 1)"},
    {"laplace", 3, {0, 1, 0, 1, -4, 1, 0, 1, 0}, 1, true, "second derivative: blobs and edges"},
    {"sharpen", 3, {0, -1, 0, -1, 5, -1, 0, -1, 0}, 1, false, "identity minus Laplacian"},
    {"box", 3, {1, 1, 1, 1, 1, 1, 1, 1, 1}, 9, false, "mean of the 3x3 neighbourhood"},
    {"emboss", 3, {-2, -1, 0, -1, 1, 1, 0, 1, 2}, 1, true, "directional relief"},
};

static const kernel_spec *find_kernel(const char *name)
{
    for (size_t i = 0; i < sizeof kernels / sizeof kernels[0]; i++)
        if (strcmp(kernels[i].name, name) == 0) return &kernels[i];
    return NULL;
}

static void kernel_weights(const kernel_spec *k, float *w)
{
    for (int i = 0; i < k->size * k->size; i++)
        w[i] = k->values[i] / k->divisor;
}

/* ------------------------------------------------------------------ inputs */

/* Digit `index` of the MNIST test set, as (28, 28) in [0, 1]. */
static rn_status load_mnist_digit(int index, rn_tensor *out)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/mnist/t10k-images-idx3-ubyte.gz", REDES_DATA_DIR);
    gzFile file = gzopen(path, "rb");
    if (!file) return rn_error(RN_ERR_IO, "%s: cannot open", path);
    unsigned char header[16], pixels[784];
    bool ok = gzread(file, header, 16) == 16 && header[2] == 8 && header[3] == 3 &&
              gzseek(file, 16 + (z_off_t)index * 784, SEEK_SET) >= 0 && gzread(file, pixels, 784) == 784;
    gzclose(file);
    if (!ok) return rn_error(RN_ERR_FORMAT, "%s: cannot read image %d (not an IDX image file?)", path, index);
    RN_CHECK(rn_tensor_alloc(out, 2, (int[]){28, 28}));
    for (int i = 0; i < 784; i++)
        out->data[i] = pixels[i] / 255.0f;
    return RN_OK;
}

/* 64 x 64: a disc, a square and diagonal stripes on black. */
static rn_status make_pattern(rn_tensor *out)
{
    enum { N = 64 };
    RN_CHECK(rn_tensor_alloc(out, 2, (int[]){N, N}));
    for (int y = 0; y < N; y++)
        for (int x = 0; x < N; x++) {
            float v = 0.0f;
            if ((x - 18) * (x - 18) + (y - 18) * (y - 18) <= 12 * 12) v = 1.0f;            /* disc */
            if (x >= 36 && x < 56 && y >= 8 && y < 28) v = 0.8f;                           /* square */
            if (y >= 38 && y < 58 && x >= 6 && x < 58 && ((x + y) / 5) % 2 == 0) v = 0.6f; /* stripes */
            out->data[y * N + x] = v;
        }
    return RN_OK;
}

/* ------------------------------------------------------------------ convolution */

/* y = w * x with the library's conv2d kernel: one image, one channel. */
static rn_status convolve(const rn_tensor *image, const float *w, int size, int stride, int padding,
                          rn_tensor *out)
{
    rn_conv2d_geometry g;
    RN_CHECK(rn_conv2d_geometry_square(&g, 1, 1, image->shape[0], image->shape[1], 1, size, stride, padding,
                                       1, 1));
    size_t workspace_floats = rn_conv2d_workspace_floats(&g);
    float *workspace = malloc(workspace_floats * sizeof(float));
    if (!workspace) return rn_error(RN_ERR_MEMORY, "conv: workspace of %zu floats", workspace_floats);
    rn_status status = rn_tensor_alloc(out, 2, (int[]){g.out_height, g.out_width});
    if (status == RN_OK)
        status = rn_conv2d_forward(&g, image->data, w, NULL, out->data, workspace, workspace_floats);
    free(workspace);
    return status;
}

/* ------------------------------------------------------------------ pictures */

typedef struct stats {
    double min, max, mean, std;
} stats;

static stats stats_of(const rn_tensor *t)
{
    size_t n = rn_tensor_numel(t);
    stats s = {INFINITY, -INFINITY, 0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        s.min = fmin(s.min, t->data[i]);
        s.max = fmax(s.max, t->data[i]);
        s.mean += t->data[i];
    }
    s.mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        s.std += (t->data[i] - s.mean) * (t->data[i] - s.mean);
    s.std = sqrt(s.std / (double)n);
    return s;
}

/* A picture of a map: grey for [0, 1]-like values, blue-white-red around 0 for signed ones. */
static rn_status map_image(const rn_tensor *t, bool signed_values, int scale, rn_image *out)
{
    rn_grid_options options = rn_grid_defaults();
    options.columns = 1;
    options.gap = 0;
    options.scale = scale;
    options.normalise = RN_NORMALISE_PER_IMAGE;
    options.colormap = signed_values ? RN_COLORMAP_DIVERGING : RN_COLORMAP_GREY;
    options.symmetric = signed_values;
    return rn_image_grid(out, t->data, 1, t->shape[0], t->shape[1], &options);
}

/* The kernel as coloured cells with their values written in them. */
static rn_status kernel_image(const kernel_spec *k, int cell, rn_image *out)
{
    int n = k->size;
    RN_CHECK(rn_image_alloc(out, n * cell, n * cell, 3));
    float largest = 0.0f;
    for (int i = 0; i < n * n; i++)
        largest = fmaxf(largest, fabsf(k->values[i]));
    for (int u = 0; u < n; u++)
        for (int v = 0; v < n; v++) {
            float value = k->values[u * n + v];
            rn_rgb colour = rn_colormap_color(RN_COLORMAP_DIVERGING, 0.5f + 0.5f * value / largest);
            rn_image_fill_rect(out, v * cell, u * cell, cell, cell, colour);
            rn_image_draw_rect(out, v * cell, u * cell, cell, cell, RN_GREY);
            char text[16];
            snprintf(text, sizeof text, "%g", value);
            int scale = cell >= 40 ? 2 : 1;
            rn_image_text(out, v * cell + (cell - rn_text_width(text, scale)) / 2,
                          u * cell + (cell - rn_text_height(text, scale)) / 2, text, RN_BLACK, scale);
        }
    return RN_OK;
}

/* input | kernel | output, each with a label above (a column is as wide as
 * the wider of its picture and its label). */
static rn_status side_by_side(const rn_image *parts[3], const char *labels[3], rn_image *out)
{
    const int gap = 16, label_height = 2 * RN_FONT_LINE + 8;
    int column[3], width = gap, height = 0;
    for (int i = 0; i < 3; i++) {
        column[i] = parts[i]->width;
        if (rn_text_width(labels[i], 2) > column[i]) column[i] = rn_text_width(labels[i], 2);
        width += column[i] + gap;
        if (parts[i]->height > height) height = parts[i]->height;
    }
    RN_CHECK(rn_image_alloc(out, width, height + label_height + gap, 3));
    rn_image_fill(out, RN_WHITE);
    int x = gap;
    for (int i = 0; i < 3; i++) {
        rn_image_text(out, x, gap / 2, labels[i], RN_BLACK, 2);
        rn_image_blit(out, parts[i], x + (column[i] - parts[i]->width) / 2,
                      label_height + (height - parts[i]->height) / 2);
        x += column[i] + gap;
    }
    return RN_OK;
}

static rn_status write_pictures(const char *folder, const rn_tensor *input, const kernel_spec *k,
                                const rn_tensor *output, bool signed_output, const char *kernel_label)
{
    int scale = input->shape[0] < 100 ? (int)ceil(280.0 / input->shape[0]) : 1;
    int out_scale = (int)ceil((double)input->shape[0] * scale / output->shape[0]);
    rn_image in_image = {0}, kernel = {0}, out_image = {0}, all = {0};
    char path[1200];
    rn_status status = map_image(input, false, scale, &in_image);
    if (status == RN_OK) status = kernel_image(k, k->size == 5 ? 40 : 56, &kernel);
    if (status == RN_OK) status = map_image(output, signed_output, out_scale, &out_image);
    if (status == RN_OK) {
        const rn_image *parts[3] = {&in_image, &kernel, &out_image};
        const char *labels[3] = {"input", kernel_label, "output"};
        status = side_by_side(parts, labels, &all);
    }
    const rn_image *images[4] = {&in_image, &kernel, &out_image, &all};
    const char *names[4] = {"input.png", "kernel.png", "output.png", "conv.png"};
    for (int i = 0; i < 4 && status == RN_OK; i++) {
        snprintf(path, sizeof path, "%s/%s", folder, names[i]);
        status = rn_image_write_png(images[i], path);
    }
    for (int i = 0; i < 4; i++)
        rn_image_free((rn_image *)images[i]);
    return status;
}

/* The kernel's weights (after the divisor) as rows. */
static json_t *kernel_json(const kernel_spec *k)
{
    float values[25];
    kernel_weights(k, values);
    json_t *matrix = json_array();
    for (int u = 0; u < k->size; u++)
        json_array_append_new(matrix, rn_json_floats(values + u * k->size, k->size));
    return matrix;
}

/* ------------------------------------------------------------------ command */

int rn_cmd_conv(int argc, char **argv)
{
    const char *image_path = NULL, *kernel_name = "sobel";
    int digit = 0, stride = 1, padding = -1;
    bool pattern = false;
    const rn_cli_option options[] = {
        {"image", RN_OPT_STRING, &image_path, "a PNG picture (converted to grey)", 0, 0, "FILE"},
        {"kernel", RN_OPT_CHOICE, &kernel_name, "the filter", 0, 0,
         "sobel|sobel-x|sobel-y|gauss|laplace|sharpen|box|emboss"},
        {"digit", RN_OPT_INT, &digit, "which MNIST test digit to use without --image", 0, 9999, NULL},
        {"pattern", RN_OPT_FLAG, &pattern, "use the generated test pattern", 0, 0, NULL},
        {"stride", RN_OPT_INT, &stride, "step between windows", 1, 8, NULL},
        {"padding", RN_OPT_INT, &padding, "zeros around the picture (default: half the kernel, same size)", 0,
         8, NULL},
        {0}};
    const rn_cli_spec spec = {"conv",
                              "[--image FILE.png] [--kernel NAME]",
                              "Convolves a picture with a classic kernel and writes input, kernel "
                              "and output as PNGs side by side (chapter 7).",
                              options,
                              0,
                              0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (image_path && pattern) return rn_cli_fail(&args, "--image and --pattern exclude each other");

    bool magnitude = strcmp(kernel_name, "sobel") == 0;
    const kernel_spec *k = find_kernel(magnitude ? "sobel-x" : kernel_name);
    if (padding < 0) padding = k->size / 2;

    rn_tensor input = {0}, output = {0}, other = {0};
    const char *source = "pattern";
    rn_status status;
    if (image_path) {
        status = rn_png_read_grey(image_path, &input);
        source = image_path;
    } else if (pattern) {
        status = make_pattern(&input);
    } else {
        status = load_mnist_digit(digit, &input);
        source = "mnist-test";
        if (status != RN_OK) { /* no data set here: the pattern still teaches */
            rn_cli_say(&args, "(%s; using the test pattern)", rn_error_message());
            status = make_pattern(&input);
            source = "pattern";
        }
    }
    if (status != RN_OK) return rn_cli_fail_status(&args, status);
    if (input.shape[0] + 2 * padding < k->size || input.shape[1] + 2 * padding < k->size) {
        rn_tensor_free(&input);
        return rn_cli_fail(&args, "the picture is smaller than the %dx%d kernel", k->size, k->size);
    }

    float w[25];
    kernel_weights(k, w);
    status = convolve(&input, w, k->size, stride, padding, &output);
    if (status == RN_OK && magnitude) { /* |G| = sqrt(G_x^2 + G_y^2) */
        kernel_weights(find_kernel("sobel-y"), w);
        status = convolve(&input, w, 3, stride, padding, &other);
        for (size_t i = 0; status == RN_OK && i < rn_tensor_numel(&output); i++)
            output.data[i] = hypotf(output.data[i], other.data[i]);
    }
    char folder[1024];
    if (status == RN_OK) status = rn_cli_out_dir(&args, folder, sizeof folder);
    bool signed_output = k->signed_output && !magnitude;
    /* The cells show integer weights; the label says what they are divided by. */
    char kernel_label[64];
    if (magnitude) snprintf(kernel_label, sizeof kernel_label, "sobel-x (and -y)");
    else if (k->divisor != 1) snprintf(kernel_label, sizeof kernel_label, "%s / %g", k->name, k->divisor);
    else snprintf(kernel_label, sizeof kernel_label, "%s", k->name);
    if (status == RN_OK) status = write_pictures(folder, &input, k, &output, signed_output, kernel_label);
    if (status != RN_OK) {
        rn_tensor_free(&input), rn_tensor_free(&output), rn_tensor_free(&other);
        return rn_cli_fail_status(&args, status);
    }

    stats s = stats_of(&output);
    if (args.json) {
        json_t *json = json_object();
        json_object_set_new(json, "command", json_string("conv"));
        json_object_set_new(json, "kernel", json_string(kernel_name));
        json_object_set_new(json, "kernel_size", json_integer(k->size));
        json_object_set_new(json, "kernel_values", kernel_json(k));
        if (magnitude) json_object_set_new(json, "kernel_values_y", kernel_json(find_kernel("sobel-y")));
        json_object_set_new(json, "source", json_string(source));
        json_object_set_new(json, "stride", json_integer(stride));
        json_object_set_new(json, "padding", json_integer(padding));
        json_object_set_new(json, "input_shape", rn_json_ints(input.shape, 2));
        json_object_set_new(json, "output_shape", rn_json_ints(output.shape, 2));
        json_object_set_new(json, "output_min", json_real(s.min));
        json_object_set_new(json, "output_max", json_real(s.max));
        json_object_set_new(json, "output_mean", json_real(s.mean));
        json_object_set_new(json, "output_std", json_real(s.std));
        json_object_set_new(json, "out_dir", json_string(folder));
        rn_cli_print_json(json);
    } else {
        rn_cli_say(&args, "%s: %s; on %s %dx%d -> %dx%d, stride %d, padding %d", kernel_name,
                   magnitude ? "gradient magnitude of sobel-x and sobel-y" : k->what, source, input.shape[0],
                   input.shape[1], output.shape[0], output.shape[1], stride, padding);
        rn_cli_say(&args, "output: min %.4g  max %.4g  mean %.4g  std %.4g", s.min, s.max, s.mean, s.std);
        rn_cli_say(&args, "wrote %s/conv.png (input | kernel | output)", folder);
    }
    rn_tensor_free(&input), rn_tensor_free(&output), rn_tensor_free(&other);
    return 0;
}
