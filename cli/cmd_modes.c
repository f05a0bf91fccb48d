/* cmd_modes.c — `redes modes`: online vs mini-batch vs full-batch learning
 * (chapter 3).
 *
 *   redes modes [--data digits] [--layers 64] [--lr 0.02] [--epochs 20] [--minibatch 32]
 *
 * Trains the same MLP from the same initial weights with plain SGD and the
 * same learning rate three times, changing only the batch size |B|:
 *   online      |B| = 1    N updates per epoch
 *   mini-batch  |B| = 32   ⌈N/32⌉ updates per epoch
 *   full-batch  |B| = N    1 update per epoch (the true gradient)
 * Every mode computes the same number of per-example gradients per epoch
 * (N), so equal epochs = equal gradient evaluations; what differs is how
 * many updates they buy and how noisy each one is.  After every epoch the
 * whole training set's loss is evaluated with the current weights.
 * Pictures: modes.png — training loss vs epoch (top) and vs number of
 * updates (bottom, log scale). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "train_data.h"

enum { N_MODES = 3 };

typedef struct mode_run {
    const char *name;
    int batch;
    long updates_per_epoch;
    double *train_loss;    /* epochs + 1: before training, then after each epoch */
    double *test_accuracy; /* epochs + 1 */
    double seconds;        /* training steps only */
    double final_train_accuracy, final_test_loss;
} mode_run;

typedef struct epoch_watch {
    rn_model *model;
    const rn_train_data *d;
    mode_run *run;
    rn_status status;
    const rn_cli_args *args;
} epoch_watch;

static rn_status evaluate_into(rn_model *model, const rn_train_data *d, mode_run *run, int epoch)
{
    const rn_standardizer *standardizer = d->standardized ? &d->standardizer : NULL;
    rn_evaluation train, test;
    RN_CHECK(rn_evaluate(model, &d->data, standardizer, d->split.train, d->split.n_train, false, &train));
    rn_status s = rn_evaluate(model, &d->data, standardizer, d->split.test, d->split.n_test, false, &test);
    if (s != RN_OK) return s;
    run->train_loss[epoch] = train.loss;
    run->test_accuracy[epoch] = test.accuracy;
    run->final_train_accuracy = train.accuracy;
    run->final_test_loss = test.loss;
    rn_evaluation_free(&train);
    rn_evaluation_free(&test);
    return RN_OK;
}

static void on_epoch(void *user, const rn_epoch_record *record)
{
    epoch_watch *w = user;
    w->run->seconds += record->seconds;
    if (w->status == RN_OK) w->status = evaluate_into(w->model, w->d, w->run, record->epoch);
    if (w->status == RN_OK)
        rn_cli_say(w->args, "  %-10s epoch %3d  training loss %.4f  test accuracy %.4f  (%.2f s)", w->run->name,
                   record->epoch, w->run->train_loss[record->epoch], w->run->test_accuracy[record->epoch],
                   record->seconds);
}

static rn_status run_mode(const rn_cli_args *args, const rn_train_data *d, const char *spec, double learning_rate,
                          int epochs, mode_run *run)
{
    const rn_dataset *data = &d->data;
    int input_shape[3] = {data->n_features, 1, 1};
    rn_model model;
    RN_CHECK(rn_model_create(&model, spec, input_shape, data->n_classes));
    rn_rng init_rng;
    rn_rng_seed(&init_rng, args->seed); /* same initial weights for every mode */
    rn_status s = rn_model_init(&model, RN_INIT_DEFAULT, &init_rng);
    if (s == RN_OK) s = evaluate_into(&model, d, run, 0);

    rn_train_config config = rn_train_defaults();
    config.epochs = epochs;
    config.batch_size = run->batch;
    config.optimizer = rn_optim_defaults(RN_OPTIM_SGD);
    config.optimizer.learning_rate = learning_rate;
    config.seed = args->seed;
    epoch_watch watch = {.model = &model, .d = d, .run = run, .status = RN_OK, .args = args};
    config.on_epoch = on_epoch;
    config.user = &watch;
    rn_trainer trainer;
    bool created = false;
    if (s == RN_OK)
        created = (s = rn_trainer_create(&trainer, &model, data, d->standardized ? &d->standardizer : NULL,
                                         d->split.train, d->split.n_train, NULL, 0, &config)) == RN_OK;
    if (created) {
        run->updates_per_epoch = rn_batcher_batches_per_epoch(&trainer.batcher);
        s = rn_trainer_run(&trainer);
        if (s == RN_OK) s = watch.status;
        rn_trainer_free(&trainer);
    }
    rn_model_free(&model);
    return s;
}

static rn_status draw(const char *dir, const mode_run *runs, int epochs)
{
    double *x = malloc((size_t)(epochs + 1) * sizeof *x);
    if (!x) return rn_error(RN_ERR_MEMORY, "modes: out of memory");
    rn_plot *plot = rn_plot_create();
    if (!plot) {
        free(x);
        return rn_error(RN_ERR_MEMORY, "modes: out of memory");
    }
    rn_plot_set_size(plot, 900, 800);
    rn_plot_set_title(plot, "Training loss vs epoch (same number of gradient evaluations per epoch)");
    rn_plot_set_labels(plot, "epoch", "training loss");
    rn_plot_set_log(plot, false, true);
    char label[64];
    for (int e = 0; e <= epochs; e++) x[e] = e;
    for (int m = 0; m < N_MODES; m++) {
        snprintf(label, sizeof label, "%s (|B| = %d, %.2f s)", runs[m].name, runs[m].batch, runs[m].seconds);
        rn_plot_add(plot, x, runs[m].train_loss, epochs + 1, label, RN_PLOT_LINESPOINTS);
    }
    rn_plot_add_panel(plot);
    rn_plot_set_title(plot, "Training loss vs number of weight updates (one point per epoch)");
    rn_plot_set_labels(plot, "updates", "training loss");
    rn_plot_set_log(plot, true, true);
    for (int m = 0; m < N_MODES; m++) {
        /* x = updates after each epoch (the untrained point has no place on a log axis) */
        for (int e = 1; e <= epochs; e++) x[e - 1] = (double)e * (double)runs[m].updates_per_epoch;
        rn_plot_add(plot, x, runs[m].train_loss + 1, epochs, runs[m].name, RN_PLOT_LINESPOINTS);
    }
    free(x);
    return chart_write_in(plot, RN_OK, dir, "modes");
}

static json_t *report_json(const rn_train_data *d, const char *spec, double learning_rate, int epochs,
                           const mode_run *runs, const char *dir)
{
    json_t *out = json_object();
    json_object_set_new(out, "data", json_string(d->data.name));
    json_object_set_new(out, "net", json_string(spec));
    json_object_set_new(out, "train_examples", json_integer(d->split.n_train));
    json_object_set_new(out, "test_examples", json_integer(d->split.n_test));
    json_object_set_new(out, "optimizer", json_string("sgd"));
    json_object_set_new(out, "learning_rate", json_real(learning_rate));
    json_object_set_new(out, "epochs", json_integer(epochs));
    json_t *modes = json_array();
    for (int m = 0; m < N_MODES; m++) {
        const mode_run *r = &runs[m];
        json_t *o = json_object();
        json_object_set_new(o, "mode", json_string(r->name));
        json_object_set_new(o, "batch", json_integer(r->batch));
        json_object_set_new(o, "updates_per_epoch", json_integer(r->updates_per_epoch));
        json_object_set_new(o, "updates", json_integer(r->updates_per_epoch * epochs));
        json_object_set_new(o, "gradient_evaluations", json_integer((json_int_t)d->split.n_train * epochs));
        json_object_set_new(o, "final_train_loss", json_real(r->train_loss[epochs]));
        json_object_set_new(o, "final_train_accuracy", json_real(r->final_train_accuracy));
        json_object_set_new(o, "final_test_loss", json_real(r->final_test_loss));
        json_object_set_new(o, "final_test_accuracy", json_real(r->test_accuracy[epochs]));
        json_object_set_new(o, "seconds", json_real(r->seconds));
        json_object_set_new(o, "train_loss", rn_json_doubles(r->train_loss, epochs + 1));
        json_object_set_new(o, "test_accuracy", rn_json_doubles(r->test_accuracy, epochs + 1));
        json_array_append_new(modes, o);
    }
    json_object_set_new(out, "modes", modes);
    json_object_set_new(out, "out", json_string(dir));
    return out;
}

int rn_cmd_modes(int argc, char **argv)
{
    const char *data_name = "digits", *layers = "64", *activation = "relu";
    double learning_rate = 0.02;
    int epochs = 20, minibatch = 32;
    const rn_cli_option options[] = {
        {"data", RN_OPT_STRING, &data_name, "data set: digits (default), iris, wine, breast-cancer, mnist, FILE.csv", 0, 0, "NAME"},
        {"layers", RN_OPT_STRING, &layers, "hidden layer sizes, e.g. 64 or 128,64", 0, 0, "LIST"},
        {"activation", RN_OPT_STRING, &activation, "hidden activation", 0, 0, "NAME"},
        {"lr", RN_OPT_DOUBLE, &learning_rate, "SGD learning rate (the same for every mode)", 1e-6, 10, NULL},
        {"epochs", RN_OPT_INT, &epochs, "epochs (the same for every mode)", 1, 10000, NULL},
        {"minibatch", RN_OPT_INT, &minibatch, "size of the mini-batch", 2, 1 << 20, NULL},
        {0}};
    const rn_cli_spec spec = {"modes", "[options]",
                              "Online (batch 1), mini-batch and full-batch gradient descent on the same network and "
                              "data for the same number of epochs: loss per epoch and per update, times.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;

    rn_train_data d;
    rn_status s = rn_train_data_load(&d, data_name, 0.0, 0.2, args.seed);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);
    char net[RN_MODEL_SPEC_MAX], dir[4096];
    if ((s = rn_model_mlp_spec(layers, activation, false, 0.0, d.data.n_classes, net, sizeof net)) != RN_OK ||
        (s = rn_cli_out_dir(&args, dir, sizeof dir)) != RN_OK) {
        rn_train_data_free(&d);
        return rn_cli_fail_status(&args, s);
    }
    if (minibatch >= d.split.n_train) {
        rn_train_data_free(&d);
        return rn_cli_fail(&args, "--minibatch %d must be smaller than the %d training examples", minibatch,
                           d.split.n_train);
    }
    mode_run runs[N_MODES] = {{.name = "online", .batch = 1},
                              {.name = "mini-batch", .batch = minibatch},
                              {.name = "full-batch", .batch = d.split.n_train}};
    rn_cli_say(&args, "%s: %d train / %d test examples; net %s; SGD lr %g, %d epochs", d.data.name, d.split.n_train,
               d.split.n_test, net, learning_rate, epochs);
    for (int m = 0; m < N_MODES && s == RN_OK; m++) {
        runs[m].train_loss = calloc((size_t)epochs + 1, sizeof(double));
        runs[m].test_accuracy = calloc((size_t)epochs + 1, sizeof(double));
        if (!runs[m].train_loss || !runs[m].test_accuracy) s = rn_error(RN_ERR_MEMORY, "modes: out of memory");
        if (s == RN_OK) s = run_mode(&args, &d, net, learning_rate, epochs, &runs[m]);
    }
    if (s == RN_OK) {
        s = draw(dir, runs, epochs);
        if (s == RN_ERR_UNSUPPORTED) s = RN_OK;
    }
    if (s == RN_OK) {
        for (int m = 0; m < N_MODES; m++)
            rn_cli_say(&args, "%-10s |B| = %4d: %6ld updates, training loss %.4f, test accuracy %.4f, %.2f s",
                       runs[m].name, runs[m].batch, runs[m].updates_per_epoch * epochs, runs[m].train_loss[epochs],
                       runs[m].test_accuracy[epochs], runs[m].seconds);
        rn_cli_say(&args, "files in %s", dir);
        if (args.json) rn_cli_print_json(report_json(&d, net, learning_rate, epochs, runs, dir));
        exit_code = 0;
    } else
        exit_code = rn_cli_fail_status(&args, s);
    for (int m = 0; m < N_MODES; m++) {
        free(runs[m].train_loss);
        free(runs[m].test_accuracy);
    }
    rn_train_data_free(&d);
    return exit_code;
}
