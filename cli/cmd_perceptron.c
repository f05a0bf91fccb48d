/* cmd_perceptron.c — `redes perceptron`: Rosenblatt's perceptron on a logic
 * gate, one class of a data set against the rest, or a CSV file; train/test
 * accuracy, the mistakes per epoch and the decision boundary. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "redes/dataset.h"
#include "redes/logic_gates.h"
#include "redes/metrics.h"
#include "redes/perceptron.h"
#include "redes/plot.h"
#include "redes/split.h"

/* The problem after loading: binary targets, chosen features, a split. */
typedef struct problem {
    char title[256];
    char positive_name[64], negative_name[72];
    int n_features;
    int feature_index[64];   /* which columns of the data set (for the report) */
    float *x_train, *x_test; /* (n, n_features) */
    int *t_train, *t_test;   /* targets in {0, 1} */
    int n_train, n_test;
    bool standardised;
} problem;

static void problem_free(problem *p)
{
    free(p->x_train);
    free(p->x_test);
    free(p->t_train);
    free(p->t_test);
}

/* The four rows of a two-input gate; train = the truth table, no test set. */
static rn_status gate_problem(const char *gate_name, problem *p)
{
    rn_gate gate;
    RN_CHECK(rn_gate_from_name(gate_name, &gate));
    if (rn_gate_inputs(gate) != 2)
        return rn_error(RN_ERR_ARGUMENT, "--gate %s: the perceptron learns two-input gates (and, or, nand, nor, xor)",
                        gate_name);
    p->n_features = 2;
    p->feature_index[0] = 0, p->feature_index[1] = 1;
    p->n_train = 4;
    p->x_train = malloc(8 * sizeof(float));
    p->t_train = malloc(4 * sizeof(int));
    if (!p->x_train || !p->t_train) return rn_error(RN_ERR_MEMORY, "out of memory");
    for (int r = 0; r < 4; r++) {
        int x[2] = {r >> 1, r & 1};
        p->x_train[2 * r] = (float)x[0];
        p->x_train[2 * r + 1] = (float)x[1];
        p->t_train[r] = rn_gate_truth(gate, x);
    }
    snprintf(p->title, sizeof p->title, "%s gate", gate_name);
    snprintf(p->positive_name, sizeof p->positive_name, "1");
    snprintf(p->negative_name, sizeof p->negative_name, "0");
    return RN_OK;
}

/* "2,3" or "all" into column indices. */
static rn_status parse_features(const char *text, int n_columns, problem *p)
{
    if (strcmp(text, "all") == 0) {
        if (n_columns > (int)(sizeof p->feature_index / sizeof p->feature_index[0]))
            return rn_error(RN_ERR_ARGUMENT, "--features all: %d features, at most 64 supported (choose some)",
                            n_columns);
        p->n_features = n_columns;
        for (int j = 0; j < n_columns; j++) p->feature_index[j] = j;
        return RN_OK;
    }
    p->n_features = 0;
    const char *cursor = text;
    while (*cursor) {
        char *end;
        long index = strtol(cursor, &end, 10);
        if (end == cursor || (*end != ',' && *end != '\0') || index < 0 || index >= n_columns)
            return rn_error(RN_ERR_ARGUMENT, "--features '%s': expected 'all' or column numbers 0..%d separated by commas",
                            text, n_columns - 1);
        if (p->n_features == 64) return rn_error(RN_ERR_ARGUMENT, "--features: at most 64 columns");
        p->feature_index[p->n_features++] = (int)index;
        cursor = *end ? end + 1 : end;
    }
    if (p->n_features == 0) return rn_error(RN_ERR_ARGUMENT, "--features: no columns given");
    return RN_OK;
}

/* The positive class by name ("setosa") or index ("0"). */
static rn_status find_class(const rn_dataset *data, const char *text, int *out)
{
    for (int k = 0; k < data->n_classes; k++)
        if (data->class_names && strcmp(data->class_names[k], text) == 0) {
            *out = k;
            return RN_OK;
        }
    char *end;
    long index = strtol(text, &end, 10);
    if (end != text && *end == '\0' && index >= 0 && index < data->n_classes) {
        *out = (int)index;
        return RN_OK;
    }
    char names[512] = "";
    for (int k = 0; k < data->n_classes && strlen(names) < 400; k++)
        snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", k ? ", " : "",
                 data->class_names ? data->class_names[k] : "?");
    return rn_error(RN_ERR_ARGUMENT, "--class '%s': %s has classes %s (or give an index 0..%d)", text, data->name, names,
                    data->n_classes - 1);
}

/* Copies the chosen examples and features; target = [label == positive]. */
static rn_status gather(const rn_dataset *data, const problem *p, const int *indices, int n, int positive, float **x,
                        int **t)
{
    *x = malloc(sizeof **x * (size_t)(n > 0 ? n : 1) * (size_t)p->n_features);
    *t = malloc(sizeof **t * (size_t)(n > 0 ? n : 1));
    if (!*x || !*t) return rn_error(RN_ERR_MEMORY, "out of memory for %d examples", n);
    for (int i = 0; i < n; i++) {
        for (int j = 0; j < p->n_features; j++)
            (*x)[(size_t)i * p->n_features + j] = rn_dataset_value(data, indices[i], p->feature_index[j]);
        (*t)[i] = data->labels[indices[i]] == positive;
    }
    return RN_OK;
}

/* z = (x - mean) / std with the training part's mean and (population) std,
 * so the test set tells nothing to the scaling.  Constant columns keep std 1. */
static void standardise(problem *p)
{
    for (int j = 0; j < p->n_features; j++) {
        double mean = 0, square = 0;
        for (int i = 0; i < p->n_train; i++) mean += p->x_train[(size_t)i * p->n_features + j];
        mean /= p->n_train;
        for (int i = 0; i < p->n_train; i++) {
            double d = p->x_train[(size_t)i * p->n_features + j] - mean;
            square += d * d;
        }
        double std = sqrt(square / p->n_train);
        if (std == 0) std = 1;
        for (int i = 0; i < p->n_train; i++)
            p->x_train[(size_t)i * p->n_features + j] = (float)((p->x_train[(size_t)i * p->n_features + j] - mean) / std);
        for (int i = 0; i < p->n_test; i++)
            p->x_test[(size_t)i * p->n_features + j] = (float)((p->x_test[(size_t)i * p->n_features + j] - mean) / std);
    }
    p->standardised = true;
}

typedef struct data_choice {
    const char *name, *class_text, *features, *scale;
    double test_fraction;
} data_choice;

static rn_status dataset_problem(const data_choice *choice, rn_rng *rng, problem *p)
{
    rn_dataset data;
    rn_status loaded = rn_dataset_load(choice->name, &data);
    /* A NaN in the user's file is a malformed file (exit 2), not a failed computation. */
    if (loaded != RN_OK) return loaded == RN_ERR_NUMERIC ? RN_ERR_FORMAT : loaded;
    rn_split split = {0};
    int positive = 0;
    /* Iris: petal length and width by default, the classic picture (any two
     * features separate setosa; these two leave the widest margin). */
    const char *features = choice->features ? choice->features : strcmp(data.name, "iris") == 0 ? "2,3" : "all";
    rn_status status = data.n_classes < 2 ? rn_error(RN_ERR_FORMAT, "%s has only one class", data.name) : RN_OK;
    if (status == RN_OK && choice->class_text) status = find_class(&data, choice->class_text, &positive);
    if (status == RN_OK) status = parse_features(features, data.n_features, p);
    if (status == RN_OK) status = rn_split_stratified(&data, 1.0 - choice->test_fraction, 0.0, rng, &split);
    if (status == RN_OK && split.n_train == 0) status = rn_error(RN_ERR_ARGUMENT, "the training part is empty");
    if (status == RN_OK) status = gather(&data, p, split.train, split.n_train, positive, &p->x_train, &p->t_train);
    if (status == RN_OK) status = gather(&data, p, split.test, split.n_test, positive, &p->x_test, &p->t_test);
    if (status == RN_OK) {
        p->n_train = split.n_train;
        p->n_test = split.n_test;
        const char *positive_name = data.class_names ? data.class_names[positive] : "positive";
        snprintf(p->positive_name, sizeof p->positive_name, "%.63s", positive_name);
        snprintf(p->negative_name, sizeof p->negative_name, "not %.63s", positive_name);
        if (data.n_classes == 2 && data.class_names)
            snprintf(p->negative_name, sizeof p->negative_name, "%.63s", data.class_names[1 - positive]);
        snprintf(p->title, sizeof p->title, "%.63s: %s vs %s", data.name, p->positive_name, p->negative_name);
        /* auto: the sets whose features are in different units, spanning
         * orders of magnitude (breast-cancer: areas ~1e3 next to
         * smoothness ~1e-1; wine: proline ~1e3 next to hue ~1). */
        bool scale = strcmp(choice->scale, "standard") == 0 ||
                     (strcmp(choice->scale, "auto") == 0 &&
                      (strcmp(data.name, "breast-cancer") == 0 || strcmp(data.name, "wine") == 0));
        if (scale) standardise(p);
    }
    rn_split_free(&split);
    rn_dataset_free(&data);
    return status;
}

/* The part of w1 x1 + w2 x2 + b = 0 inside the box [lo0, hi0] x [lo1, hi1]:
 * the points where the line crosses the box's four edges, first and last.
 * False when the line misses the box (or w = 0). */
static bool clip_line(const rn_perceptron *unit, const double *box_lo, const double *box_hi, double *x, double *y)
{
    /* A hair inside the box, so rounding in the .dat file cannot push both
     * ends outside the plotted ranges. */
    double lo[2], hi[2];
    for (int j = 0; j < 2; j++) {
        double inset = 1e-4 * (box_hi[j] - box_lo[j]);
        lo[j] = box_lo[j] + inset, hi[j] = box_hi[j] - inset;
    }
    const double w1 = unit->weights[0], w2 = unit->weights[1], b = unit->bias;
    double px[4], py[4];
    int found = 0;
    for (int edge = 0; edge < 4; edge++) {
        if (edge < 2 && w2 != 0) { /* vertical edges x1 = lo0, hi0 */
            double x1 = edge == 0 ? lo[0] : hi[0], x2 = -(w1 * x1 + b) / w2;
            if (x2 >= lo[1] && x2 <= hi[1]) px[found] = x1, py[found++] = x2;
        } else if (edge >= 2 && w1 != 0) { /* horizontal edges x2 = lo1, hi1 */
            double x2 = edge == 2 ? lo[1] : hi[1], x1 = -(w2 * x2 + b) / w1;
            if (x1 >= lo[0] && x1 <= hi[0]) px[found] = x1, py[found++] = x2;
        }
    }
    if (found < 2) return false;
    x[0] = px[0], y[0] = py[0], x[1] = px[found - 1], y[1] = py[found - 1];
    return true;
}

/* Mistakes per epoch, and for two features the plane coloured by the unit's
 * answer with the data and the line w1 x1 + w2 x2 + b = 0 on top. */
static rn_status write_plots(const char *folder, const problem *p, const rn_perceptron *unit, const int *errors,
                             int epochs, char *errors_png, char *boundary_png, size_t size)
{
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "out of memory for a plot");
    char title[320];
    snprintf(title, sizeof title, "perceptron, %s: mistakes per epoch", p->title);
    rn_plot_set_title(plot, title);
    rn_plot_set_labels(plot, "epoch", "mistakes (weight updates)");
    double *x = malloc(sizeof *x * (size_t)epochs), *y = malloc(sizeof *y * (size_t)epochs);
    rn_status status = x && y ? RN_OK : rn_error(RN_ERR_MEMORY, "out of memory");
    int most = 0;
    for (int e = 0; status == RN_OK && e < epochs; e++) {
        x[e] = e + 1, y[e] = errors[e];
        if (errors[e] > most) most = errors[e];
    }
    /* From 0 (the goal) to one above the most, so a plateau of mistakes
     * (XOR: 4 every epoch) does not hug the frame or hide under the legend. */
    if (status == RN_OK) status = rn_plot_set_yrange(plot, 0, most + 1);
    if (status == RN_OK) status = rn_plot_add(plot, x, y, epochs, "mistakes", RN_PLOT_LINESPOINTS);
    snprintf(errors_png, size, "%s/perceptron-errors.png", folder);
    if (status == RN_OK) status = rn_plot_write(plot, errors_png);
    free(x);
    free(y);
    rn_plot_destroy(plot);
    boundary_png[0] = '\0';
    if (status != RN_OK || p->n_features != 2) return status;

    /* The plotted area: the data's range with a 10 % margin (at least 0.5). */
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    for (int i = 0; i < p->n_train + p->n_test; i++)
        for (int j = 0; j < 2; j++) {
            float v = i < p->n_train ? p->x_train[2 * i + j] : p->x_test[2 * (i - p->n_train) + j];
            lo[j] = fmin(lo[j], v), hi[j] = fmax(hi[j], v);
        }
    for (int j = 0; j < 2; j++) {
        double margin = fmax(0.1 * (hi[j] - lo[j]), 0.5);
        lo[j] -= margin, hi[j] += margin;
    }
    enum { GRID = 200 };
    float *region = malloc(sizeof *region * GRID * GRID);
    int n_all = p->n_train + p->n_test;
    double *px = malloc(sizeof *px * (size_t)n_all), *py = malloc(sizeof *py * (size_t)n_all);
    int *classes = malloc(sizeof *classes * (size_t)n_all);
    plot = rn_plot_create();
    if (!region || !px || !py || !classes || !plot) status = rn_error(RN_ERR_MEMORY, "out of memory");
    for (int row = 0; status == RN_OK && row < GRID; row++)
        for (int column = 0; column < GRID; column++) {
            float point[2] = {(float)(lo[0] + (column + 0.5) * (hi[0] - lo[0]) / GRID),
                              (float)(lo[1] + (row + 0.5) * (hi[1] - lo[1]) / GRID)};
            /* Class index 0 is drawn for the positive class, like the points below. */
            region[row * GRID + column] = (float)(1 - rn_perceptron_predict(unit, point));
        }
    for (int i = 0; status == RN_OK && i < n_all; i++) {
        const float *xi = i < p->n_train ? p->x_train + 2 * i : p->x_test + 2 * (i - p->n_train);
        int t = i < p->n_train ? p->t_train[i] : p->t_test[i - p->n_train];
        px[i] = xi[0], py[i] = xi[1], classes[i] = 1 - t;
    }
    if (status == RN_OK) {
        snprintf(title, sizeof title, "perceptron, %s: decision regions", p->title);
        rn_plot_set_title(plot, title);
        char x_label[64], y_label[64];
        snprintf(x_label, sizeof x_label, "x%d (feature %d%s)", 1, p->feature_index[0], p->standardised ? ", standardised" : "");
        snprintf(y_label, sizeof y_label, "x%d (feature %d%s)", 2, p->feature_index[1], p->standardised ? ", standardised" : "");
        rn_plot_set_labels(plot, x_label, y_label);
        status = rn_plot_add_region(plot, region, GRID, GRID, lo[0], hi[0], lo[1], hi[1], 2);
    }
    const char *names[2] = {p->positive_name, p->negative_name};
    if (status == RN_OK) status = rn_plot_add_classes(plot, px, py, classes, n_all, 2, names, RN_PLOT_POINTS);
    /* The line itself, cut to the plotted box (gnuplot drops a segment whose
     * two ends both lie outside the ranges). */
    double line_x[2], line_y[2];
    if (status == RN_OK && clip_line(unit, lo, hi, line_x, line_y))
        status = rn_plot_add(plot, line_x, line_y, 2, "w.x + b = 0", RN_PLOT_LINES);
    if (status == RN_OK) rn_plot_set_legend(plot, "outside right");
    snprintf(boundary_png, size, "%s/perceptron-boundary.png", folder);
    if (status == RN_OK) status = rn_plot_write(plot, boundary_png);
    if (status != RN_OK) boundary_png[0] = '\0';
    rn_plot_destroy(plot);
    free(region);
    free(px);
    free(py);
    free(classes);
    return status;
}

/* Accuracy, precision, recall, F1 of the positive class on a part. */
static json_t *evaluate(const rn_perceptron *unit, const float *x, const int *t, int n, double *accuracy)
{
    int64_t confusion[4] = {0};
    for (int i = 0; i < n; i++) confusion[t[i] * 2 + rn_perceptron_predict(unit, x + (size_t)i * unit->n_inputs)]++;
    rn_classification_report report;
    rn_class_scores per_class[2];
    rn_classification_report_compute(confusion, 2, 1.0, per_class, &report);
    *accuracy = report.accuracy;
    json_t *matrix = json_pack("[[I,I],[I,I]]", (json_int_t)confusion[0], (json_int_t)confusion[1],
                               (json_int_t)confusion[2], (json_int_t)confusion[3]);
    return json_pack("{s:i,s:f,s:f,s:f,s:f,s:o}", "examples", n, "accuracy", report.accuracy, "precision",
                     per_class[1].precision, "recall", per_class[1].recall, "f1", per_class[1].fscore, "confusion",
                     matrix);
}

int rn_cmd_perceptron(int argc, char **argv)
{
    const char *data_name = "gates", *gate = "and", *order = "auto", *scale = "auto";
    const char *class_text = NULL, *features = NULL;
    double learning_rate = 1.0, test_fraction = 0.3, init_scale = 0.0;
    int max_epochs = 100;
    bool pocket = false;
    const rn_cli_option options[] = {
        {"data", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL},
        {"data", RN_OPT_STRING, &data_name, "gates, iris, breast-cancer, wine, digits or FILE.csv", 0, 0, "NAME"},
        {"gate", RN_OPT_CHOICE, &gate, "with --data gates: the gate to learn", 0, 0, "and|or|nand|nor|xor"},
        {"class", RN_OPT_STRING, &class_text, "the class told apart from the rest, by name or index (default: 0)", 0,
         0, "NAME"},
        {"features", RN_OPT_STRING, &features, "columns to use, e.g. 2,3, or all (default: all; iris 2,3)", 0, 0, "LIST"},
        {"scale", RN_OPT_CHOICE, &scale, "feature scaling (default auto: standardise breast-cancer and wine)", 0, 0,
         "auto|none|standard"},
        {"test", RN_OPT_DOUBLE, &test_fraction, "fraction held out for testing, stratified", 0, 0.9, NULL},
        {"training", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL},
        {"epochs", RN_OPT_INT, &max_epochs, "most epochs before giving up", 1, 1000000, NULL},
        {"learning-rate", RN_OPT_DOUBLE, &learning_rate, "eta in w <- w + eta (t - y) x", 1e-9, 1e9, NULL},
        {"order", RN_OPT_CHOICE, &order, "example order (default auto: fixed for gates, shuffled for data)", 0, 0,
         "auto|fixed|shuffled"},
        {"init", RN_OPT_DOUBLE, &init_scale, "start from uniform weights in [-X, X] (0: from w = 0)", 0, 1e6, NULL},
        {"pocket", RN_OPT_FLAG, &pocket, "keep the weights with the fewest training mistakes (Gallant)", 0, 0, NULL},
        {0}};
    const rn_cli_spec spec = {"perceptron", "[--data gates --gate and | --data iris --class setosa | ...]",
                              "Rosenblatt's perceptron y = step(w.x + b) trained online with w <- w + eta (t - y) x, "
                              "b <- b + eta (t - y), until an epoch makes no mistake (converged) or --epochs pass. "
                              "Reports train/test accuracy and writes the mistakes per epoch and, for two features, "
                              "the decision regions.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;

    rn_rng rng, split_rng;
    rn_rng_seed(&rng, args.seed);
    split_rng = rn_rng_split(&rng);
    bool gates = strcmp(data_name, "gates") == 0;
    problem p;
    memset(&p, 0, sizeof p);
    data_choice choice = {data_name, class_text, features, scale, test_fraction};
    rn_status status = gates ? gate_problem(gate, &p) : dataset_problem(&choice, &split_rng, &p);
    if (status != RN_OK) {
        problem_free(&p);
        return rn_cli_fail_status(&args, status);
    }

    rn_perceptron unit;
    rn_perceptron_options train_options = rn_perceptron_defaults();
    train_options.learning_rate = learning_rate;
    train_options.max_epochs = max_epochs;
    train_options.order = strcmp(order, "shuffled") == 0 || (strcmp(order, "auto") == 0 && !gates)
                              ? RN_PERCEPTRON_SHUFFLED
                              : RN_PERCEPTRON_FIXED_ORDER;
    train_options.init_scale = (float)init_scale;
    train_options.pocket = pocket;
    rn_perceptron_result result;
    int *errors = malloc(sizeof *errors * (size_t)max_epochs);
    char folder[4096], errors_png[4200] = "", boundary_png[4200] = "";
    status = errors ? rn_perceptron_init(&unit, p.n_features) : rn_error(RN_ERR_MEMORY, "out of memory");
    if (status == RN_OK)
        status = rn_perceptron_train(&unit, p.x_train, p.t_train, p.n_train, &train_options, &rng, &result, errors);
    if (status == RN_OK) status = rn_cli_out_dir(&args, folder, sizeof folder);
    if (status == RN_OK)
        status = write_plots(folder, &p, &unit, errors, result.epochs, errors_png, boundary_png, sizeof errors_png);
    if (status != RN_OK) {
        exit_code = rn_cli_fail_status(&args, status);
        goto done;
    }

    double train_accuracy, test_accuracy = NAN;
    json_t *train_json = evaluate(&unit, p.x_train, p.t_train, p.n_train, &train_accuracy);
    json_t *test_json = p.n_test > 0 ? evaluate(&unit, p.x_test, p.t_test, p.n_test, &test_accuracy) : json_null();
    char message[512];
    if (result.converged)
        snprintf(message, sizeof message, "converged after %d epochs (%ld updates): every training example is right",
                 result.epochs, result.updates);
    else
        snprintf(message, sizeof message,
                 "did not converge in %d epochs: %d of %d training examples still wrong (if no line/hyperplane "
                 "separates the classes, as for XOR, the perceptron never converges)",
                 result.epochs, result.final_errors, p.n_train);

    if (args.json) {
        json_t *out = json_object();
        json_object_set_new(out, "data", json_string(data_name));
        if (gates) json_object_set_new(out, "gate", json_string(gate));
        json_object_set_new(out, "task", json_string(p.title));
        json_object_set_new(out, "positive_class", json_string(p.positive_name));
        json_object_set_new(out, "features", rn_json_ints(p.feature_index, p.n_features));
        json_object_set_new(out, "standardised", json_boolean(p.standardised));
        json_object_set_new(out, "order", json_string(train_options.order == RN_PERCEPTRON_SHUFFLED ? "shuffled" : "fixed"));
        json_object_set_new(out, "learning_rate", json_real(learning_rate));
        json_object_set_new(out, "converged", json_boolean(result.converged));
        json_object_set_new(out, "epochs", json_integer(result.epochs));
        json_object_set_new(out, "updates", json_integer(result.updates));
        json_object_set_new(out, "final_errors", json_integer(result.final_errors));
        json_object_set_new(out, "message", json_string(message));
        json_object_set_new(out, "weights", rn_json_floats(unit.weights, unit.n_inputs));
        json_object_set_new(out, "bias", json_real(unit.bias));
        json_object_set_new(out, "train_accuracy", json_real(train_accuracy));
        json_object_set_new(out, "test_accuracy", isfinite(test_accuracy) ? json_real(test_accuracy) : json_null());
        json_object_set_new(out, "train", train_json);
        json_object_set_new(out, "test", test_json);
        json_object_set_new(out, "errors_per_epoch", rn_json_ints(errors, result.epochs));
        json_object_set_new(out, "errors_png", json_string(errors_png));
        json_object_set_new(out, "boundary_png", boundary_png[0] ? json_string(boundary_png) : json_null());
        rn_cli_print_json(out);
    } else {
        json_decref(train_json);
        json_decref(test_json);
        rn_cli_say(&args, "perceptron on %s (%d training examples, %d features%s, %s order, eta %g)", p.title,
                   p.n_train, p.n_features, p.standardised ? " standardised" : "",
                   train_options.order == RN_PERCEPTRON_SHUFFLED ? "shuffled" : "fixed", learning_rate);
        rn_cli_say(&args, "%s", message);
        char line[2048];
        int used = snprintf(line, sizeof line, "w = (");
        for (int j = 0; j < unit.n_inputs && used < 1900; j++)
            used += snprintf(line + used, sizeof line - (size_t)used, "%s%.6g", j ? ", " : "", unit.weights[j]);
        snprintf(line + used, sizeof line - (size_t)used, "), b = %.6g", unit.bias);
        rn_cli_say(&args, "%s", line);
        rn_cli_say(&args, "train accuracy %.4f", train_accuracy);
        if (p.n_test > 0) rn_cli_say(&args, "test accuracy  %.4f (%d held-out examples)", test_accuracy, p.n_test);
        rn_cli_say(&args, "wrote %s", errors_png);
        if (boundary_png[0]) rn_cli_say(&args, "wrote %s", boundary_png);
    }
    exit_code = 0;
done:
    if (errors) rn_perceptron_free(&unit);
    free(errors);
    problem_free(&p);
    return exit_code;
}
