/* cmd_data.c — `redes data info NAME|FILE` and `redes data split NAME`.
 *
 *   redes data info mnist                  examples, features, classes, per-class counts
 *   redes data info data/mnist/t10k-labels-idx1-ubyte.gz    one IDX file: type, shape
 *   redes data split iris --train 0.7 --val 0.15 --seed 3   stratified counts per part
 *   redes data split mnist --official --val 0.1             official test set, val from train
 *   redes data info my.csv --label-column 1 --header no     a user's CSV, label first
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "redes/redes.h"

static bool ends_with(const char *text, const char *suffix)
{
    size_t n = strlen(text), m = strlen(suffix);
    return n >= m && strcmp(text + n - m, suffix) == 0;
}

/* A single file that is not a CSV is taken to be one IDX file. */
static bool is_idx_file(const char *path)
{
    struct stat info;
    return stat(path, &info) == 0 && S_ISREG(info.st_mode) && !ends_with(path, ".csv") &&
           !ends_with(path, ".csv.gz");
}

static json_t *json_strings(char **values, int count)
{
    json_t *array = json_array();
    for (int i = 0; i < count; i++)
        json_array_append_new(array, json_string(values[i]));
    return array;
}

/* "5923 6742 ..." for a human-readable line. */
static void format_counts(const int *counts, int n, char *buffer, size_t size)
{
    size_t used = 0;
    buffer[0] = '\0';
    for (int k = 0; k < n && used < size; k++)
        used += (size_t)snprintf(buffer + used, size - used, "%s%d", k ? " " : "", counts[k]);
}

/* CSV options from --label-column (1-based, 0 = last) and --header. */
typedef struct csv_choice {
    int label_column;
    const char *header;
} csv_choice;

/* Loads a named set, or a CSV file with the user's column options. */
static rn_status load(const char *name, const csv_choice *csv, rn_dataset *out)
{
    rn_status status;
    if (!ends_with(name, ".csv") && !ends_with(name, ".csv.gz")) {
        status = rn_dataset_load(name, out);
    } else {
        rn_csv_options options = rn_csv_default_options();
        options.label_column = csv->label_column - 1;
        options.header = strcmp(csv->header, "yes") == 0  ? RN_CSV_HEADER_YES
                         : strcmp(csv->header, "no") == 0 ? RN_CSV_HEADER_NO
                                                          : RN_CSV_HEADER_AUTO;
        status = rn_csv_load(name, &options, out);
    }
    /* A NaN in the user's file is a malformed file (exit 2), not a failed computation. */
    return status == RN_ERR_NUMERIC ? RN_ERR_FORMAT : status;
}

/* ------------------------------------------------------------------ info on one IDX file */

static int info_idx(const rn_cli_args *args, const char *path)
{
    rn_idx idx;
    rn_status status = rn_idx_read(path, RN_IDX_MAGIC_ANY, &idx);
    if (status != RN_OK) return rn_cli_fail_status(args, status);
    char shape[128];
    size_t used = 0;
    for (int d = 0; d < idx.ndim; d++)
        used += (size_t)snprintf(shape + used, sizeof shape - used, "%s%d", d ? ", " : "(", idx.shape[d]);
    snprintf(shape + used, sizeof shape - used, ")");
    /* A 1-D uint8 file holds labels: count each value. */
    int value_counts[256] = {0}, n_values = 0;
    if (idx.ndim == 1 && idx.type == RN_IDX_UINT8) {
        const uint8_t *bytes = idx.data;
        for (size_t i = 0; i < idx.count; i++) {
            value_counts[bytes[i]]++;
            if (bytes[i] + 1 > n_values) n_values = bytes[i] + 1;
        }
    }
    if (args->json) {
        json_t *object = json_object();
        json_object_set_new(object, "file", json_string(path));
        json_object_set_new(object, "magic", json_integer(idx.type << 8 | idx.ndim));
        json_object_set_new(object, "type", json_string(rn_idx_type_name(idx.type)));
        json_object_set_new(object, "shape", rn_json_ints(idx.shape, idx.ndim));
        if (n_values) json_object_set_new(object, "value_counts", rn_json_ints(value_counts, n_values));
        rn_cli_print_json(object);
    } else {
        rn_cli_say(args, "%s: IDX %s %s, magic %d", path, rn_idx_type_name(idx.type), shape,
                   idx.type << 8 | idx.ndim);
        if (n_values) {
            char counts[2048];
            format_counts(value_counts, n_values, counts, sizeof counts);
            rn_cli_say(args, "value counts (0..%d): %s", n_values - 1, counts);
        }
    }
    rn_idx_free(&idx);
    return 0;
}

/* ------------------------------------------------------------------ info on a data set */

static void say_info(const rn_cli_args *args, const rn_dataset *d, const int *counts, const int *train_counts,
                     const int *test_counts)
{
    rn_cli_say(args, "%s (%s)", d->name, d->source);
    rn_cli_say(args, "examples %d, features %d, classes %d", d->n_examples, d->n_features, d->n_classes);
    if (d->height) rn_cli_say(args, "images %d x %d x %d (C x H x W)", d->channels, d->height, d->width);
    rn_cli_say(args, "features: %s", d->pixels ? "uint8 pixels, read as value / 255 (in [0, 1])" : "float");
    rn_cli_say(args, "%-6s %-24s %8s", "index", "class", "examples");
    for (int k = 0; k < d->n_classes; k++)
        rn_cli_say(args, "%-6d %-24s %8d", k, d->class_names[k], counts[k]);
    if (d->n_official_train) {
        char line[4096];
        format_counts(train_counts, d->n_classes, line, sizeof line);
        rn_cli_say(args, "official train %d: %s", d->n_official_train, line);
        format_counts(test_counts, d->n_classes, line, sizeof line);
        rn_cli_say(args, "official test  %d: %s", d->n_examples - d->n_official_train, line);
    }
}

static void print_info_json(const rn_dataset *d, const int *counts, const int *train_counts,
                            const int *test_counts)
{
    json_t *object = json_object();
    json_object_set_new(object, "name", json_string(d->name));
    json_object_set_new(object, "source", json_string(d->source));
    json_object_set_new(object, "examples", json_integer(d->n_examples));
    json_object_set_new(object, "features", json_integer(d->n_features));
    json_object_set_new(object, "classes", json_integer(d->n_classes));
    json_object_set_new(object, "class_names", json_strings(d->class_names, d->n_classes));
    json_object_set_new(object, "class_counts", rn_json_ints(counts, d->n_classes));
    json_object_set_new(object, "feature_type", json_string(d->pixels ? "uint8" : "float32"));
    if (d->height) {
        int geometry[3] = {d->channels, d->height, d->width};
        json_object_set_new(object, "image_chw", rn_json_ints(geometry, 3));
    } else {
        json_object_set_new(object, "image_chw", json_null());
    }
    if (d->n_official_train) {
        json_object_set_new(object, "official_train", json_integer(d->n_official_train));
        json_object_set_new(object, "official_test", json_integer(d->n_examples - d->n_official_train));
        json_object_set_new(object, "train_class_counts", rn_json_ints(train_counts, d->n_classes));
        json_object_set_new(object, "test_class_counts", rn_json_ints(test_counts, d->n_classes));
    }
    rn_cli_print_json(object);
}

static int info(const rn_cli_args *args, const char *name, const csv_choice *csv)
{
    if (is_idx_file(name)) return info_idx(args, name);
    rn_dataset d;
    rn_status status = load(name, csv, &d);
    if (status != RN_OK) return rn_cli_fail_status(args, status);
    int *counts = calloc(3 * (size_t)d.n_classes, sizeof *counts);
    if (!counts) {
        rn_dataset_free(&d);
        return rn_cli_fail(args, "out of memory");
    }
    int *train_counts = counts + d.n_classes, *test_counts = counts + 2 * d.n_classes;
    rn_dataset_class_counts(&d, NULL, 0, counts);
    for (int i = 0; i < d.n_official_train; i++)
        train_counts[d.labels[i]]++;
    for (int i = d.n_official_train; d.n_official_train && i < d.n_examples; i++)
        test_counts[d.labels[i]]++;
    if (args->json)
        print_info_json(&d, counts, train_counts, test_counts);
    else
        say_info(args, &d, counts, train_counts, test_counts);
    free(counts);
    rn_dataset_free(&d);
    return 0;
}

/* ------------------------------------------------------------------ split */

static int split(const rn_cli_args *args, const char *name, const csv_choice *csv, double train_fraction,
                 double val_fraction, bool official)
{
    if (!official && train_fraction + val_fraction > 1 + 1e-9)
        return rn_cli_fail(args, "--train + --val must be at most 1, got %g + %g", train_fraction,
                           val_fraction);
    rn_dataset d;
    rn_status status = load(name, csv, &d);
    if (status != RN_OK) return rn_cli_fail_status(args, status);
    rn_rng rng;
    rn_rng_seed(&rng, args->seed);
    rn_split parts;
    status = official ? rn_split_official(&d, val_fraction, &rng, &parts)
                      : rn_split_stratified(&d, train_fraction, val_fraction, &rng, &parts);
    if (status != RN_OK) {
        rn_dataset_free(&d);
        return rn_cli_fail_status(args, status);
    }
    const char *part_names[3] = {"train", "val", "test"};
    const int *part_indices[3] = {parts.train, parts.val, parts.test};
    int part_sizes[3] = {parts.n_train, parts.n_val, parts.n_test};
    int *counts = calloc((size_t)d.n_classes, sizeof *counts);
    json_t *object = args->json ? json_object() : NULL;
    if (object) {
        json_object_set_new(object, "name", json_string(d.name));
        json_object_set_new(object, "seed", json_integer((json_int_t)args->seed));
        json_object_set_new(object, "official", json_boolean(official));
        json_object_set_new(object, "class_names", json_strings(d.class_names, d.n_classes));
    } else {
        rn_cli_say(args, "%s: %s, seed %llu (per-class counts in label order)", d.name,
                   official ? "official split, validation taken from the official training set"
                            : "stratified split",
                   (unsigned long long)args->seed);
    }
    for (int p = 0; p < 3 && counts; p++) {
        rn_dataset_class_counts(&d, part_indices[p], part_sizes[p], counts);
        if (object) {
            json_t *part = json_object();
            json_object_set_new(part, "examples", json_integer(part_sizes[p]));
            json_object_set_new(part, "fraction", json_real((double)part_sizes[p] / d.n_examples));
            json_object_set_new(part, "class_counts", rn_json_ints(counts, d.n_classes));
            json_object_set_new(object, part_names[p], part);
        } else {
            char line[4096];
            format_counts(counts, d.n_classes, line, sizeof line);
            rn_cli_say(args, "%-5s %6d (%5.1f%%): %s", part_names[p], part_sizes[p],
                       100.0 * part_sizes[p] / d.n_examples, line);
        }
    }
    if (object) rn_cli_print_json(object);
    int exit_code = counts ? 0 : rn_cli_fail(args, "out of memory");
    free(counts);
    rn_split_free(&parts);
    rn_dataset_free(&d);
    return exit_code;
}

int rn_cmd_data(int argc, char **argv)
{
    double train_fraction = 0.7, val_fraction = 0.15;
    bool official = false;
    csv_choice csv = {0, "auto"};
    const rn_cli_option options[] = {
        {"train", RN_OPT_DOUBLE, &train_fraction, "split: fraction of examples for training", 0, 1, NULL},
        {"val", RN_OPT_DOUBLE, &val_fraction, "split: fraction for validation (the rest is test)", 0, 1,
         NULL},
        {"official", RN_OPT_FLAG, &official,
         "split: keep the official test set (MNIST, Fashion) and take --val of the training set", 0, 0, NULL},
        {"label-column", RN_OPT_INT, &csv.label_column,
         "CSV files: the label's column, from 1 (0 = the last)", 0, 100000, NULL},
        {"header", RN_OPT_CHOICE, &csv.header, "CSV files: is the first line a header?", 0, 0, "auto|yes|no"},
        {0}};
    const rn_cli_spec spec = {
        "data",
        "info NAME|FILE  |  split NAME [--train X --val X | --official --val X]",
        "Inspect and split the data sets. NAME is mnist, fashion, iris, wine, breast-cancer or digits, a "
        ".csv "
        "file (numeric columns, label last, optional header) or a folder of MNIST-format IDX files; FILE may "
        "also be one IDX file (.gz or plain). Splits are stratified: every part keeps the class proportions.",
        options,
        0,
        2};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    if (args.n_positional < 2)
        return rn_cli_fail(&args, "expected an action and a data set: 'redes data info NAME|FILE' or "
                                  "'redes data split NAME' (see 'redes data --help')");
    const char *action = args.positional[0], *name = args.positional[1];
    if (strcmp(action, "info") == 0) return info(&args, name, &csv);
    if (strcmp(action, "split") == 0) return split(&args, name, &csv, train_fraction, val_fraction, official);
    return rn_cli_fail(&args, "unknown action '%s' (expected info or split)", action);
}
