/* cmd_losses.c — `redes losses`: squared error and cross-entropy (binary and
 * categorical), their values and derivatives for given predictions and
 * targets, and pictures of each loss against the prediction.  The numbers
 * come from the library's loss kernels (loss.h), the ones training uses. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/loss.h"
#include "redes/plot.h"

enum { MAX_VALUES = 1024 };

/* "0.9,0.2,0.7" into values; count <= MAX_VALUES. */
static rn_status parse_list(const char *option, const char *text, float *values, int *count)
{
    *count = 0;
    const char *cursor = text;
    while (*cursor) {
        char *end;
        errno = 0;
        double v = strtod(cursor, &end);
        if (end == cursor || errno || !isfinite(v) || (*end != ',' && *end != '\0'))
            return rn_error(RN_ERR_ARGUMENT, "--%s '%s': expected numbers separated by commas", option, text);
        if (*count == MAX_VALUES) return rn_error(RN_ERR_ARGUMENT, "--%s: more than %d values", option, MAX_VALUES);
        values[(*count)++] = (float)v;
        cursor = *end ? end + 1 : end;
    }
    if (*count == 0) return rn_error(RN_ERR_ARGUMENT, "--%s: no values", option);
    return RN_OK;
}

/* "0.7,0.2,0.1;0.1,0.3,0.6" into a (rows, columns) matrix. */
static rn_status parse_rows(const char *text, float *values, int *rows, int *columns)
{
    char buffer[8192];
    if (snprintf(buffer, sizeof buffer, "%s", text) >= (int)sizeof buffer)
        return rn_error(RN_ERR_ARGUMENT, "--probs: too long");
    *rows = 0, *columns = 0;
    int total = 0;
    for (char *row = buffer; row;) {
        char *next = strchr(row, ';');
        if (next) *next++ = '\0';
        int count;
        RN_CHECK(parse_list("probs", row, values + total, &count));
        if (*rows > 0 && count != *columns)
            return rn_error(RN_ERR_ARGUMENT, "--probs: row %d has %d value%s, row 1 has %d", *rows + 1, count,
                            count == 1 ? "" : "s", *columns);
        if (count < 2) return rn_error(RN_ERR_ARGUMENT, "--probs: each row needs at least 2 classes");
        *columns = count;
        total += count;
        (*rows)++;
        if (total + count > MAX_VALUES && next) return rn_error(RN_ERR_ARGUMENT, "--probs: too many values");
        row = next;
    }
    return RN_OK;
}

static rn_status check_range(const char *option, const float *values, int n, float low, float high)
{
    for (int i = 0; i < n; i++)
        if (!(values[i] >= low && values[i] <= high))
            return rn_error(RN_ERR_ARGUMENT, "--%s: value %d is %g, must be in [%g, %g]", option, i + 1, values[i], low,
                            high);
    return RN_OK;
}

/* Rows of probabilities: each in (0, 1], each row summing to 1 (to 1e-3, so
 * that numbers typed with 3 decimals pass). */
static rn_status check_probabilities(const float *p, int rows, int columns)
{
    for (int i = 0; i < rows * columns; i++)
        if (!(p[i] > 0 && p[i] <= 1))
            return rn_error(RN_ERR_ARGUMENT, "--probs: value %d is %g, must be in (0, 1]", i + 1, p[i]);
    for (int b = 0; b < rows; b++) {
        double sum = 0;
        for (int k = 0; k < columns; k++) sum += p[b * columns + k];
        if (fabs(sum - 1) > 1e-3)
            return rn_error(RN_ERR_ARGUMENT, "--probs: row %d sums to %g, not 1 (probabilities of the classes)", b + 1, sum);
    }
    return RN_OK;
}

typedef struct binary_case {
    float pred[MAX_VALUES], target[MAX_VALUES];
    int n;
} binary_case;

static json_t *loss_json(double loss, const float *grad, int n)
{
    return json_pack("{s:f,s:o}", "loss", loss, "grad", rn_json_floats(grad, n));
}

static void say_values(const rn_cli_args *args, const char *label, const float *values, int n)
{
    char line[1024];
    int used = snprintf(line, sizeof line, "  %-28s", label);
    for (int i = 0; i < n && used < 1000; i++) used += snprintf(line + used, sizeof line - (size_t)used, " %9.5f", values[i]);
    rn_cli_say(args, "%s", line);
}

/* MSE, half sum of squares, BCE on probabilities and on logits. */
static rn_status binary_losses(const rn_cli_args *args, const binary_case *c, json_t *out)
{
    float grad[MAX_VALUES], logits[MAX_VALUES];
    const int n = c->n;
    json_t *binary = json_object();
    json_object_set_new(binary, "predictions", rn_json_floats(c->pred, n));
    json_object_set_new(binary, "targets", rn_json_floats(c->target, n));
    rn_cli_say(args, "binary: predictions y, targets t (n = %d)", n);
    say_values(args, "y", c->pred, n);
    say_values(args, "t", c->target, n);

    double mse = rn_loss_mse(c->pred, c->target, (size_t)n, grad);
    rn_cli_say(args, "mean squared error  L = 1/n sum (y - t)^2 = %.6f", mse);
    say_values(args, "dL/dy = 2 (y - t) / n", grad, n);
    json_object_set_new(binary, "mse", loss_json(mse, grad, n));

    /* The course's E = 1/2 sum (t - y)^2 is n/2 times the mean, dE/dy = y - t. */
    for (int i = 0; i < n; i++) grad[i] *= 0.5f * (float)n;
    rn_cli_say(args, "half sum of squares E = 1/2 sum (t - y)^2 = %.6f", 0.5 * n * mse);
    say_values(args, "dE/dy = y - t", grad, n);
    json_object_set_new(binary, "half_sse", loss_json(0.5 * n * mse, grad, n));

    double bce = rn_loss_bce(c->pred, c->target, (size_t)n, grad);
    rn_cli_say(args, "binary cross-entropy L = -1/n sum [t ln y + (1-t) ln(1-y)] = %.6f", bce);
    say_values(args, "dL/dy = (y - t) / (y (1-y) n)", grad, n);
    json_object_set_new(binary, "bce", loss_json(bce, grad, n));

    /* The same loss seen from the logit z = ln(y / (1 - y)), y = sigmoid(z):
     * the derivative simplifies to (y - t) / n — why sigmoid and BCE go together. */
    bool finite_logits = true;
    for (int i = 0; i < n; i++) finite_logits = finite_logits && c->pred[i] > 0 && c->pred[i] < 1;
    if (!finite_logits) {
        rn_cli_say(args, "  (no logits: y = 0 or 1 is sigmoid(-inf) or sigmoid(+inf))");
        json_object_set_new(out, "binary", binary);
        return RN_OK;
    }
    for (int i = 0; i < n; i++) logits[i] = logf(c->pred[i]) - log1pf(-c->pred[i]);
    double bce_logits = rn_loss_bce_with_logits(logits, c->target, (size_t)n, grad);
    rn_cli_say(args, "  same from logits z = ln(y/(1-y)): L = %.6f", bce_logits);
    say_values(args, "dL/dz = (y - t) / n", grad, n);
    json_t *entry = loss_json(bce_logits, grad, n);
    json_object_set_new(entry, "logits", rn_json_floats(logits, n));
    json_object_set_new(binary, "bce_logits", entry);
    json_object_set_new(out, "binary", binary);
    return RN_OK;
}

/* Categorical cross-entropy L = -1/B sum_b ln p_{b, c_b}: from the
 * probabilities (via the NLL of ln p) and from the logits z = ln p
 * (softmax(ln p) = p), where dL/dz = (p - onehot) / B. */
static rn_status categorical_losses(const rn_cli_args *args, const float *p, int rows, int columns, const int *classes,
                                    json_t *out)
{
    float log_p[MAX_VALUES], grad_log_p[MAX_VALUES], grad_p[MAX_VALUES], grad_z[MAX_VALUES];
    for (int i = 0; i < rows * columns; i++) log_p[i] = logf(p[i]);
    double nll, ce;
    RN_CHECK(rn_loss_nll(log_p, classes, rows, columns, &nll, grad_log_p));
    RN_CHECK(rn_loss_cross_entropy(log_p, classes, rows, columns, &ce, grad_z));
    /* dL/dp = dL/d(ln p) / p */
    for (int i = 0; i < rows * columns; i++) grad_p[i] = grad_log_p[i] / p[i];
    rn_cli_say(args, "\ncategorical cross-entropy, %d examples of %d classes", rows, columns);
    for (int b = 0; b < rows; b++) {
        char label[64];
        snprintf(label, sizeof label, "p (class %d)", classes[b]);
        say_values(args, label, p + b * columns, columns);
    }
    rn_cli_say(args, "L = -1/B sum_b ln p_(b, class b) = %.6f  (from logits z = ln p: %.6f)", nll, ce);
    for (int b = 0; b < rows; b++) say_values(args, b == 0 ? "dL/dp = -onehot / (B p)" : "", grad_p + b * columns, columns);
    for (int b = 0; b < rows; b++) say_values(args, b == 0 ? "dL/dz = (p - onehot) / B" : "", grad_z + b * columns, columns);
    json_t *categorical = json_object();
    json_object_set_new(categorical, "probabilities", rn_json_floats(p, rows * columns));
    json_object_set_new(categorical, "shape", json_pack("[i,i]", rows, columns));
    json_object_set_new(categorical, "classes", rn_json_ints(classes, rows));
    json_object_set_new(categorical, "loss", json_real(nll));
    json_object_set_new(categorical, "loss_from_logits", json_real(ce));
    json_object_set_new(categorical, "grad_probabilities", rn_json_floats(grad_p, rows * columns));
    json_object_set_new(categorical, "grad_logits", rn_json_floats(grad_z, rows * columns));
    json_object_set_new(out, "categorical", categorical);
    return RN_OK;
}

/* Loss and derivative against the prediction y in (0, 1), for t = 1 and t = 0:
 * top panel the losses, bottom their derivatives dL/dy. */
static rn_status plot_binary(const char *folder, char *png, size_t size)
{
    enum { N = 199 };
    double y[N], value[4][N], slope[4][N];
    for (int i = 0; i < N; i++) {
        y[i] = (i + 1) / (double)(N + 1);
        for (int t = 0; t < 2; t++) {
            float prediction = (float)y[i], target = (float)(1 - t), grad;
            value[2 * t][i] = rn_loss_mse(&prediction, &target, 1, &grad);
            slope[2 * t][i] = grad;
            value[2 * t + 1][i] = rn_loss_bce(&prediction, &target, 1, &grad);
            slope[2 * t + 1][i] = grad;
        }
    }
    const char *names[4] = {"squared error, t = 1", "cross-entropy, t = 1", "squared error, t = 0",
                            "cross-entropy, t = 0"};
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "out of memory for a plot");
    rn_status status = rn_plot_set_size(plot, 760, 640);
    if (status == RN_OK) status = rn_plot_set_title(plot, "binary losses against the prediction y");
    if (status == RN_OK) status = rn_plot_set_labels(plot, NULL, "loss L(y, t)");
    if (status == RN_OK) status = rn_plot_set_yrange(plot, 0, 5);
    for (int s = 0; status == RN_OK && s < 4; s++) status = rn_plot_add(plot, y, value[s], N, names[s], RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_set_legend(plot, "top center");
    if (status == RN_OK) status = rn_plot_add_panel(plot);
    if (status == RN_OK) status = rn_plot_set_labels(plot, "prediction y", "dL/dy");
    if (status == RN_OK) status = rn_plot_set_yrange(plot, -10, 9.99); /* 9.99: no "10" tic against the panel above */
    for (int s = 0; status == RN_OK && s < 4; s++) status = rn_plot_add(plot, y, slope[s], N, names[s], RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_set_legend(plot, "off");
    if (status == RN_OK) rn_plot_share_x(plot, true);
    snprintf(png, size, "%s/losses-binary.png", folder);
    if (status == RN_OK) status = rn_plot_write(plot, png);
    rn_plot_destroy(plot);
    return status;
}

/* Categorical cross-entropy -ln p_c against the probability p_c of the right
 * class, and its derivatives with respect to p_c (-1/p_c) and to the logit
 * z_c (p_c - 1). */
static rn_status plot_categorical(const char *folder, char *png, size_t size)
{
    enum { N = 199 };
    double p[N], loss[N], grad_p[N], grad_z[N];
    for (int i = 0; i < N; i++) {
        p[i] = (i + 1) / (double)(N + 1);
        /* Three classes, the wrong two share 1 - p; class 0 is right. */
        float log_p[3] = {logf((float)p[i]), logf((float)(1 - p[i]) / 2), logf((float)(1 - p[i]) / 2)};
        float g_log[3], g_z[3];
        int label = 0;
        double nll, ce;
        rn_loss_nll(log_p, &label, 1, 3, &nll, g_log);
        rn_loss_cross_entropy(log_p, &label, 1, 3, &ce, g_z);
        loss[i] = nll;
        grad_p[i] = g_log[0] / p[i];
        grad_z[i] = g_z[0];
    }
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "out of memory for a plot");
    rn_status status = rn_plot_set_size(plot, 760, 500);
    if (status == RN_OK) status = rn_plot_set_title(plot, "categorical cross-entropy L = -ln p_c (3 classes)");
    if (status == RN_OK) status = rn_plot_set_labels(plot, "probability of the right class p_c", "");
    if (status == RN_OK) status = rn_plot_set_yrange(plot, -5, 5);
    if (status == RN_OK) status = rn_plot_add(plot, p, loss, N, "L = -ln p_c", RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_add(plot, p, grad_p, N, "dL/dp_c = -1/p_c", RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_add(plot, p, grad_z, N, "dL/dz_c = p_c - 1 (logit)", RN_PLOT_LINES);
    if (status == RN_OK) status = rn_plot_set_legend(plot, "bottom right");
    snprintf(png, size, "%s/losses-categorical.png", folder);
    if (status == RN_OK) status = rn_plot_write(plot, png);
    rn_plot_destroy(plot);
    return status;
}

int rn_cmd_losses(int argc, char **argv)
{
    const char *pred_text = "0.9,0.2,0.6,0.4", *target_text = "1,0,1,0";
    const char *probs_text = "0.7,0.2,0.1;0.1,0.3,0.6", *classes_text = "0,1";
    const rn_cli_option options[] = {
        {"pred", RN_OPT_STRING, &pred_text, "binary predictions y (probabilities for cross-entropy)", 0, 0, "LIST"},
        {"target", RN_OPT_STRING, &target_text, "binary targets t in [0, 1], as many as --pred", 0, 0, "LIST"},
        {"probs", RN_OPT_STRING, &probs_text, "class probabilities, rows separated by ';'", 0, 0, "ROWS"},
        {"classes", RN_OPT_STRING, &classes_text, "the right class of each row of --probs", 0, 0, "LIST"},
        {0}};
    const rn_cli_spec spec = {"losses", "[--pred LIST --target LIST] [--probs ROWS --classes LIST]",
                              "Squared error and cross-entropy losses with their derivatives for the given "
                              "predictions and targets (the library's loss kernels), and pictures of each loss "
                              "and derivative against the prediction (losses-binary.png, losses-categorical.png).",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;

    static binary_case c;
    static float probs[MAX_VALUES], class_values[MAX_VALUES];
    int n_target = 0, rows = 0, columns = 0, n_classes = 0;
    int classes[MAX_VALUES];
    rn_status status = parse_list("pred", pred_text, c.pred, &c.n);
    if (status == RN_OK) status = parse_list("target", target_text, c.target, &n_target);
    if (status == RN_OK && n_target != c.n)
        status = rn_error(RN_ERR_ARGUMENT, "--pred has %d value%s but --target has %d", c.n, c.n == 1 ? "" : "s",
                          n_target);
    if (status == RN_OK) status = check_range("target", c.target, n_target, 0, 1);
    if (status == RN_OK) status = check_range("pred", c.pred, c.n, 0, 1);
    if (status == RN_OK) status = parse_rows(probs_text, probs, &rows, &columns);
    if (status == RN_OK) status = check_probabilities(probs, rows, columns);
    if (status == RN_OK) status = parse_list("classes", classes_text, class_values, &n_classes);
    if (status == RN_OK && n_classes != rows)
        status = rn_error(RN_ERR_ARGUMENT, "--probs has %d row%s but --classes has %d value%s", rows,
                          rows == 1 ? "" : "s", n_classes, n_classes == 1 ? "" : "s");
    for (int b = 0; status == RN_OK && b < rows; b++) {
        classes[b] = (int)class_values[b];
        if (class_values[b] != (float)classes[b] || classes[b] < 0 || classes[b] >= columns)
            status = rn_error(RN_ERR_ARGUMENT, "--classes: value %d is %g, must be a class 0..%d", b + 1, class_values[b],
                              columns - 1);
    }
    /* The run folder before any output, so that a bad --out fails alone. */
    char folder[4096], binary_png[4200], categorical_png[4200];
    if (status == RN_OK) status = rn_cli_out_dir(&args, folder, sizeof folder);
    json_t *out = json_object();
    if (status == RN_OK) status = binary_losses(&args, &c, out);
    if (status == RN_OK) status = categorical_losses(&args, probs, rows, columns, classes, out);
    if (status == RN_OK) status = plot_binary(folder, binary_png, sizeof binary_png);
    if (status == RN_OK) status = plot_categorical(folder, categorical_png, sizeof categorical_png);
    if (status != RN_OK) {
        json_decref(out);
        return rn_cli_fail_status(&args, status);
    }
    rn_cli_say(&args, "\nwrote %s\nwrote %s", binary_png, categorical_png);
    if (args.json) {
        json_object_set_new(out, "pngs", json_pack("[s,s]", binary_png, categorical_png));
        rn_cli_print_json(out);
    } else {
        json_decref(out);
    }
    return 0;
}
