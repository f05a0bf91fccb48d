/* cmd_activations.c — `redes activations`: every activation function of the
 * course with its derivative, sampled, checked against finite differences
 * and drawn (one picture per function).  The functions are the library's own
 * kernels (activation.h, softmax.h), the same code the networks train with. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/activation.h"
#include "redes/plot.h"
#include "redes/softmax.h"

/* Largest |f'(x) - (f(x+h) - f(x-h)) / 2h| over the samples, in double from
 * float kernels, skipping points within 2h of a kink (x = 0 for step, sign,
 * relu, leaky relu, elu) where the difference quotient is meaningless.
 * h = 1e-2: big enough that float rounding (~1e-7 / h) stays small. */
static double derivative_error(rn_activation kind, float alpha, const float *x, const float *dydx, int n)
{
    const float h = 1e-2f;
    double worst = 0;
    bool kink_at_zero = kind == RN_ACT_STEP || kind == RN_ACT_SIGN || kind == RN_ACT_RELU ||
                        kind == RN_ACT_LEAKY_RELU || kind == RN_ACT_ELU;
    for (int i = 0; i < n; i++) {
        if (kink_at_zero && fabsf(x[i]) < 2 * h) continue;
        float points[2] = {x[i] + h, x[i] - h}, values[2];
        rn_activation_forward(kind, alpha, points, values, 2);
        double numeric = ((double)values[0] - values[1]) / ((double)points[0] - points[1]);
        worst = fmax(worst, fabs(numeric - dydx[i]));
    }
    return worst;
}

static rn_status plot_function(const char *folder, const char *name, const char *formula, const float *x,
                               const float *y, const float *dydx, int n, char *png, size_t size)
{
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "out of memory for a plot");
    char title[160];
    snprintf(title, sizeof title, "%s: %s", name, formula);
    rn_status status = rn_plot_set_title(plot, title);
    if (status == RN_OK) status = rn_plot_set_labels(plot, "x", "");
    if (status == RN_OK) status = rn_plot_set_size(plot, 640, 420);
    if (status == RN_OK) status = rn_plot_set_xrange(plot, x[0], x[n - 1]);
    if (status == RN_OK) status = rn_plot_add_float(plot, x, y, n, "f(x)", RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_add_float(plot, x, dydx, n, "f'(x)", RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_set_legend(plot, "top left");
    snprintf(png, size, "%s/activation-%s.png", folder, name);
    if (status == RN_OK) status = rn_plot_write(plot, png);
    rn_plot_destroy(plot);
    return status;
}

static const char *formula_of(rn_activation kind)
{
    switch (kind) {
    case RN_ACT_IDENTITY: return "f(x) = x";
    case RN_ACT_STEP: return "f(x) = 1 if x >= 0 else 0";
    case RN_ACT_SIGN: return "f(x) = sign(x)";
    case RN_ACT_SIGMOID: return "f(x) = 1 / (1 + e^-x),  f' = f (1 - f)";
    case RN_ACT_TANH: return "f(x) = tanh x,  f' = 1 - f^2";
    case RN_ACT_RELU: return "f(x) = max(0, x)";
    case RN_ACT_LEAKY_RELU: return "f(x) = x if x > 0 else 0.01 x";
    case RN_ACT_ELU: return "f(x) = x if x > 0 else e^x - 1";
    case RN_ACT_SOFTPLUS: return "f(x) = ln(1 + e^x),  f' = sigmoid(x)";
    case RN_ACT_GELU: return "f(x) = x Phi(x),  f' = Phi(x) + x phi(x)";
    default: return "";
    }
}

/* Softmax over z = (x, 1, -1): the three probabilities as x moves, and their
 * derivatives d s_i / d x = s_i ([i == 0] - s_0), taken from the library's
 * backward kernel (dy = e_i gives row i of the Jacobian). */
static rn_status softmax_section(const rn_cli_args *args, const char *folder, const float *x, int n, json_t *out,
                                 char *png, size_t size)
{
    float *s = malloc(sizeof *s * 3 * (size_t)n), *ds = malloc(sizeof *ds * 3 * (size_t)n);
    rn_plot *plot = rn_plot_create();
    rn_status status = s && ds && plot ? RN_OK : rn_error(RN_ERR_MEMORY, "out of memory");
    double worst = 0;
    for (int i = 0; status == RN_OK && i < n; i++) {
        float z[3] = {x[i], 1.0f, -1.0f};
        rn_softmax_rows(z, s + 3 * i, 1, 3);
        for (int k = 0; k < 3; k++) {
            float dy[3] = {0, 0, 0}, dz[3] = {0, 0, 0};
            dy[k] = 1;
            rn_softmax_rows_backward(s + 3 * i, dy, dz, 1, 3);
            ds[3 * i + k] = dz[0];
            double exact = s[3 * i + k] * ((k == 0) - s[3 * i]);
            worst = fmax(worst, fabs(exact - dz[0]));
        }
    }
    float *column = status == RN_OK ? malloc(sizeof *column * (size_t)n) : NULL;
    if (status == RN_OK && !column) status = rn_error(RN_ERR_MEMORY, "out of memory");
    const char *labels[3] = {"s0 = softmax(z)_0", "s1", "s2"};
    const char *dlabels[3] = {"d s0 / dx", "d s1 / dx", "d s2 / dx"};
    if (status == RN_OK) status = rn_plot_set_title(plot, "softmax over z = (x, 1, -1): s_i = e^z_i / sum_j e^z_j");
    if (status == RN_OK) status = rn_plot_set_size(plot, 640, 420);
    if (status == RN_OK) status = rn_plot_set_xrange(plot, x[0], x[n - 1]);
    if (status == RN_OK) status = rn_plot_set_labels(plot, "x", "");
    for (int k = 0; status == RN_OK && k < 3; k++) {
        for (int i = 0; i < n; i++) column[i] = s[3 * i + k];
        status = rn_plot_add_float(plot, x, column, n, labels[k], RN_PLOT_LINES);
    }
    for (int k = 0; status == RN_OK && k < 3; k++) {
        for (int i = 0; i < n; i++) column[i] = ds[3 * i + k];
        status = rn_plot_add_float(plot, x, column, n, dlabels[k], RN_PLOT_LINES);
    }
    if (status == RN_OK) status = rn_plot_set_legend(plot, "outside right");
    snprintf(png, size, "%s/activation-softmax.png", folder);
    if (status == RN_OK) status = rn_plot_write(plot, png);
    if (status == RN_OK) {
        json_object_set_new(out, "softmax", json_pack("{s:s,s:o,s:o,s:f,s:s}", "z", "(x, 1, -1)", "s",
                                                     rn_json_floats(s, 3 * n), "ds_dx", rn_json_floats(ds, 3 * n),
                                                     "derivative_error", worst, "png", png));
        rn_cli_say(args, "%-11s %-44s |f' - exact| <= %.1e   %s", "softmax", "s_i = e^z_i / sum_j e^z_j", worst, png);
    }
    free(column);
    free(s);
    free(ds);
    rn_plot_destroy(plot);
    return status;
}

int rn_cmd_activations(int argc, char **argv)
{
    double low = -5, high = 5;
    int points = 201;
    const char *only = "all";
    const rn_cli_option options[] = {
        {"from", RN_OPT_DOUBLE, &low, "smallest x", -1e4, 1e4, NULL},
        {"to", RN_OPT_DOUBLE, &high, "largest x", -1e4, 1e4, NULL},
        {"points", RN_OPT_INT, &points, "samples from --from to --to", 2, 100000, NULL},
        {"function", RN_OPT_CHOICE, &only, "one function only", 0, 0,
         "all|identity|step|sign|sigmoid|tanh|relu|leaky_relu|elu|softplus|gelu|softmax"},
        {0}};
    const rn_cli_spec spec = {"activations", "[--from X --to X --points N --function NAME]",
                              "Activation functions f and their derivatives f' (step, sign, identity, sigmoid, tanh, "
                              "ReLU, leaky ReLU, ELU, softplus, GELU, softmax), computed by the library's kernels, "
                              "checked against central differences, one picture each (activation-NAME.png).",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (!(low < high)) return rn_cli_fail(&args, "--from (%g) must be smaller than --to (%g)", low, high);

    char folder[4096], png[4300];
    rn_status status = rn_cli_out_dir(&args, folder, sizeof folder);
    if (status != RN_OK) return rn_cli_fail_status(&args, status);
    float *x = malloc(sizeof *x * (size_t)points), *y = malloc(sizeof *y * (size_t)points);
    float *dydx = malloc(sizeof *dydx * (size_t)points);
    if (!x || !y || !dydx) status = rn_error(RN_ERR_MEMORY, "out of memory for %d points", points);
    for (int i = 0; status == RN_OK && i < points; i++) x[i] = (float)(low + (high - low) * i / (points - 1));

    json_t *functions = json_object();
    double worst_overall = 0;
    for (int kind = 0; status == RN_OK && kind < RN_ACT_COUNT; kind++) {
        const char *name = rn_activation_name((rn_activation)kind);
        if (strcmp(only, "all") != 0 && strcmp(only, name) != 0) continue;
        float alpha = rn_activation_default_alpha((rn_activation)kind);
        rn_activation_forward((rn_activation)kind, alpha, x, y, (size_t)points);
        rn_activation_derivative((rn_activation)kind, alpha, x, y, dydx, (size_t)points);
        double error = derivative_error((rn_activation)kind, alpha, x, dydx, points);
        worst_overall = fmax(worst_overall, error);
        status = plot_function(folder, name, formula_of((rn_activation)kind), x, y, dydx, points, png, sizeof png);
        if (status != RN_OK) break;
        rn_cli_say(&args, "%-11s %-44s |f' - finite diff.| <= %.1e   %s", name, formula_of((rn_activation)kind), error,
                   png);
        json_t *entry = json_pack("{s:s,s:o,s:o,s:f,s:s}", "formula", formula_of((rn_activation)kind), "f",
                                  rn_json_floats(y, points), "df", rn_json_floats(dydx, points), "derivative_error",
                                  error, "png", png);
        if (alpha != 0) json_object_set_new(entry, "alpha", json_real(alpha));
        json_object_set_new(functions, name, entry);
    }
    json_t *out = json_pack("{s:o,s:i,s:o}", "range", json_pack("[f,f]", low, high), "points", points, "x",
                            rn_json_floats(x, points));
    if (status == RN_OK && (strcmp(only, "all") == 0 || strcmp(only, "softmax") == 0))
        status = softmax_section(&args, folder, x, points, out, png, sizeof png);
    if (status == RN_OK && args.json) {
        json_object_set_new(out, "functions", functions);
        json_object_set_new(out, "max_derivative_error", json_real(worst_overall));
        json_object_set_new(out, "folder", json_string(folder));
        rn_cli_print_json(out);
    } else {
        json_decref(out);
        json_decref(functions);
    }
    free(x);
    free(y);
    free(dydx);
    return status == RN_OK ? 0 : rn_cli_fail_status(&args, status);
}
