/* cmd_regularization.c — `redes regularization`: a wide MLP on a small
 * training set overfits; L2, dropout and early stopping fight it (chapter 3).
 *
 *   redes regularization [--data mnist] [--train-size 500] [--val-size 1000] [--layers 256]
 *                        [--epochs 40] [--l2 1e-2] [--dropout 0.5] [--patience 10]
 *
 * The same network from the same initial weights, trained with Adam on the
 * same examples in the same order, four times:
 *   none      E = mean cross-entropy
 *   l2        E + (λ/2) Σ w²  (weight decay: the gradient gains λ w)
 *   dropout   each hidden unit zeroed with probability p during training
 *             (inverted dropout: survivors scaled by 1/(1 − p))
 *   early     no penalty; stop when the validation loss has not improved for
 *             `patience` epochs and keep the best epoch's weights
 * After every epoch the training and validation sets are evaluated in
 * evaluation mode (no dropout).  Pictures: regularization.png (loss) and
 * regularization_accuracy.png, one panel per variant, train vs validation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "train_data.h"

enum { N_VARIANTS = 4 };

typedef struct reg_options {
    const char *data, *layers;
    int train_size, val_size, epochs, batch, patience;
    double l2, dropout, learning_rate;
} reg_options;

typedef struct reg_run {
    const char *name;
    int epochs_run, best_epoch;
    double *train_loss, *val_loss, *train_accuracy, *val_accuracy; /* per epoch, eval mode */
    double final_train_accuracy, final_val_accuracy, final_test_accuracy;
    double final_train_loss, final_val_loss, final_test_loss;
    double seconds;
} reg_run;

typedef struct watch {
    rn_model *model;
    const rn_train_data *d;
    const int *train;
    int n_train;
    reg_run *run;
    rn_status status;
    const rn_cli_args *args;
} watch;

static const rn_standardizer *standardizer_of(const rn_train_data *d)
{
    return d->standardized ? &d->standardizer : NULL;
}

static void on_epoch(void *user, const rn_epoch_record *record)
{
    watch *w = user;
    reg_run *r = w->run;
    int e = record->epoch - 1;
    r->seconds += record->seconds;
    r->val_loss[e] = record->val_loss;
    r->val_accuracy[e] = record->val_accuracy;
    r->epochs_run = record->epoch;
    rn_evaluation train;
    if (w->status == RN_OK &&
        (w->status = rn_evaluate(w->model, &w->d->data, standardizer_of(w->d), w->train, w->n_train, false, &train)) ==
            RN_OK) {
        r->train_loss[e] = train.loss;
        r->train_accuracy[e] = train.accuracy;
        rn_evaluation_free(&train);
    }
    if (w->status == RN_OK && (record->epoch % 10 == 0 || record->epoch == 1))
        rn_cli_say(w->args, "  %-8s epoch %3d  train loss %.4f acc %.4f  val loss %.4f acc %.4f", r->name, record->epoch,
                   r->train_loss[e], r->train_accuracy[e], r->val_loss[e], r->val_accuracy[e]);
}

static rn_status final_scores(rn_model *model, const rn_train_data *d, const int *train, int n_train, const int *val,
                              int n_val, reg_run *r)
{
    rn_evaluation e;
    RN_CHECK(rn_evaluate(model, &d->data, standardizer_of(d), train, n_train, false, &e));
    r->final_train_accuracy = e.accuracy, r->final_train_loss = e.loss;
    rn_evaluation_free(&e);
    RN_CHECK(rn_evaluate(model, &d->data, standardizer_of(d), val, n_val, false, &e));
    r->final_val_accuracy = e.accuracy, r->final_val_loss = e.loss;
    rn_evaluation_free(&e);
    RN_CHECK(rn_evaluate(model, &d->data, standardizer_of(d), d->split.test, d->split.n_test, false, &e));
    r->final_test_accuracy = e.accuracy, r->final_test_loss = e.loss;
    rn_evaluation_free(&e);
    return RN_OK;
}

static rn_status run_variant(const rn_cli_args *args, const reg_options *o, const rn_train_data *d, const int *train,
                             const int *val, int variant, reg_run *r)
{
    const rn_dataset *data = &d->data;
    char spec[RN_MODEL_SPEC_MAX];
    double dropout = variant == 2 ? o->dropout : 0.0;
    RN_CHECK(rn_model_mlp_spec(o->layers, "relu", false, dropout, data->n_classes, spec, sizeof spec));
    int input_shape[3] = {data->n_features, 1, 1};
    rn_model model;
    RN_CHECK(rn_model_create(&model, spec, input_shape, data->n_classes));
    rn_rng init_rng;
    rn_rng_seed(&init_rng, args->seed); /* the same initial weights for every variant */
    rn_status s = rn_model_init(&model, RN_INIT_DEFAULT, &init_rng);

    rn_train_config config = rn_train_defaults();
    config.epochs = o->epochs;
    config.batch_size = o->batch;
    config.optimizer = rn_optim_defaults(RN_OPTIM_ADAM);
    config.optimizer.learning_rate = o->learning_rate;
    config.seed = args->seed;
    config.l2 = variant == 1 ? o->l2 : 0.0;
    config.patience = variant == 3 ? o->patience : 0;
    watch w = {.model = &model, .d = d, .train = train, .n_train = o->train_size, .run = r, .status = RN_OK,
               .args = args};
    config.on_epoch = on_epoch;
    config.user = &w;
    rn_trainer trainer;
    if (s == RN_OK &&
        (s = rn_trainer_create(&trainer, &model, data, standardizer_of(d), train, o->train_size, val, o->val_size,
                               &config)) == RN_OK) {
        s = rn_trainer_run(&trainer);
        if (s == RN_OK) s = w.status;
        r->best_epoch = variant == 3 ? trainer.best_epoch : r->epochs_run;
        rn_trainer_free(&trainer);
    }
    if (s == RN_OK) s = final_scores(&model, d, train, o->train_size, val, o->val_size, r);
    rn_model_free(&model);
    return s;
}

/* One panel per variant: train and validation curves of `which` (0 loss, 1 accuracy). */
static rn_status draw(const char *dir, const reg_run *runs, int epochs, int which, const char *name)
{
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "regularization: out of memory");
    rn_plot_set_size(plot, 900, 1100);
    char title[200];
    for (int k = 0; k < N_VARIANTS; k++) {
        const reg_run *r = &runs[k];
        if (k) rn_plot_add_panel(plot);
        snprintf(title, sizeof title, "%s: train %.3f / validation %.3f / test %.3f accuracy%s", r->name,
                 r->final_train_accuracy, r->final_val_accuracy, r->final_test_accuracy,
                 k == 3 ? " (best epoch's weights)" : "");
        rn_plot_set_title(plot, title);
        rn_plot_set_labels(plot, k == N_VARIANTS - 1 ? "epoch" : "", which ? "accuracy" : "cross-entropy");
        if (!which) rn_plot_set_log(plot, false, true);
        rn_plot_set_xrange(plot, 1, epochs > 1 ? epochs : 2); /* early stopping's panel too */
        if (which) rn_plot_set_yrange(plot, 0.5, 1.02);
        else rn_plot_set_yrange(plot, 1e-3, 5);
        rn_plot_set_legend(plot, which ? "bottom right" : "top right");
        rn_plot_add(plot, NULL, which ? r->train_accuracy : r->train_loss, r->epochs_run, "train", RN_PLOT_LINES);
        rn_plot_add(plot, NULL, which ? r->val_accuracy : r->val_loss, r->epochs_run, "validation", RN_PLOT_LINES);
    }
    rn_plot_share_x(plot, true);
    return chart_write_in(plot, RN_OK, dir, name);
}

static json_t *curve(const double *values, int n) { return rn_json_doubles(values, n); }

static json_t *report_json(const reg_options *o, const rn_train_data *d, const reg_run *runs, const char *dir)
{
    json_t *out = json_object();
    json_object_set_new(out, "data", json_string(d->data.name));
    json_object_set_new(out, "train_examples", json_integer(o->train_size));
    json_object_set_new(out, "val_examples", json_integer(o->val_size));
    json_object_set_new(out, "test_examples", json_integer(d->split.n_test));
    json_object_set_new(out, "layers", json_string(o->layers));
    json_object_set_new(out, "optimizer", json_string("adam"));
    json_object_set_new(out, "learning_rate", json_real(o->learning_rate));
    json_object_set_new(out, "epochs", json_integer(o->epochs));
    json_object_set_new(out, "l2", json_real(o->l2));
    json_object_set_new(out, "dropout", json_real(o->dropout));
    json_object_set_new(out, "patience", json_integer(o->patience));
    json_t *list = json_array();
    for (int k = 0; k < N_VARIANTS; k++) {
        const reg_run *r = &runs[k];
        json_t *v = json_object();
        json_object_set_new(v, "variant", json_string(r->name));
        json_object_set_new(v, "epochs_run", json_integer(r->epochs_run));
        json_object_set_new(v, "best_epoch", json_integer(r->best_epoch));
        json_object_set_new(v, "train_accuracy", json_real(r->final_train_accuracy));
        json_object_set_new(v, "val_accuracy", json_real(r->final_val_accuracy));
        json_object_set_new(v, "test_accuracy", json_real(r->final_test_accuracy));
        json_object_set_new(v, "train_val_gap", json_real(r->final_train_accuracy - r->final_val_accuracy));
        json_object_set_new(v, "train_val_loss_gap", json_real(r->final_val_loss - r->final_train_loss));
        json_object_set_new(v, "train_loss", json_real(r->final_train_loss));
        json_object_set_new(v, "val_loss", json_real(r->final_val_loss));
        json_object_set_new(v, "test_loss", json_real(r->final_test_loss));
        json_object_set_new(v, "seconds", json_real(r->seconds));
        json_object_set_new(v, "train_loss_curve", curve(r->train_loss, r->epochs_run));
        json_object_set_new(v, "val_loss_curve", curve(r->val_loss, r->epochs_run));
        json_array_append_new(list, v);
    }
    json_object_set_new(out, "variants", list);
    json_object_set_new(out, "out", json_string(dir));
    return out;
}

static int run_all(const rn_cli_args *args, const reg_options *o, rn_train_data *d, const char *dir)
{
    /* A seeded random subset of the training part: train_size for training,
     * the next val_size for validation; the test part is untouched. */
    rn_rng subset_rng;
    rn_rng_seed(&subset_rng, args->seed + 0x5eedu);
    rn_rng_shuffle(&subset_rng, d->split.train, d->split.n_train);
    const int *train = d->split.train, *val = d->split.train + o->train_size;
    static const char *const names[N_VARIANTS] = {"none", "l2", "dropout", "early"};
    reg_run runs[N_VARIANTS];
    memset(runs, 0, sizeof runs);
    rn_status s = RN_OK;
    rn_cli_say(args, "%s: %d train / %d validation / %d test examples; MLP %s (relu), Adam lr %g, batch %d, %d epochs",
               d->data.name, o->train_size, o->val_size, d->split.n_test, o->layers, o->learning_rate, o->batch,
               o->epochs);
    for (int k = 0; k < N_VARIANTS && s == RN_OK; k++) {
        reg_run *r = &runs[k];
        r->name = names[k];
        double *block = calloc((size_t)o->epochs * 4, sizeof(double));
        if (!block) {
            s = rn_error(RN_ERR_MEMORY, "regularization: out of memory");
            break;
        }
        r->train_loss = block, r->val_loss = block + o->epochs, r->train_accuracy = block + 2 * o->epochs,
        r->val_accuracy = block + 3 * o->epochs;
        s = run_variant(args, o, d, train, val, k, r);
        if (s == RN_OK)
            rn_cli_say(args, "%-8s accuracy train %.4f  val %.4f  test %.4f  (gap %.4f; loss gap %.4f; %d epochs%s)",
                       r->name, r->final_train_accuracy, r->final_val_accuracy, r->final_test_accuracy,
                       r->final_train_accuracy - r->final_val_accuracy, r->final_val_loss - r->final_train_loss,
                       r->epochs_run,
                       k == 3 ? ", best weights restored" : "");
    }
    if (s == RN_OK) s = draw(dir, runs, o->epochs, 0, "regularization");
    if (s == RN_OK) s = draw(dir, runs, o->epochs, 1, "regularization_accuracy");
    if (s == RN_ERR_UNSUPPORTED) s = RN_OK;
    int exit_code = 0;
    if (s == RN_OK) {
        rn_cli_say(args, "files in %s", dir);
        if (args->json) rn_cli_print_json(report_json(o, d, runs, dir));
    } else
        exit_code = rn_cli_fail_status(args, s);
    for (int k = 0; k < N_VARIANTS; k++) free(runs[k].train_loss);
    return exit_code;
}

int rn_cmd_regularization(int argc, char **argv)
{
    reg_options o = {.data = "mnist", .layers = "256", .train_size = 500, .val_size = 1000, .epochs = 40, .batch = 32,
                     .patience = 10, .l2 = 1e-2, .dropout = 0.5, .learning_rate = 1e-3};
    const rn_cli_option options[] = {
        {"data", RN_OPT_STRING, &o.data, "data set: mnist (default), fashion, digits, FILE.csv...", 0, 0, "NAME"},
        {"train-size", RN_OPT_INT, &o.train_size, "training examples (small, so that the net overfits)", 1, 1 << 24, NULL},
        {"val-size", RN_OPT_INT, &o.val_size, "validation examples", 1, 1 << 24, NULL},
        {"layers", RN_OPT_STRING, &o.layers, "hidden layer sizes (ReLU)", 0, 0, "LIST"},
        {"epochs", RN_OPT_INT, &o.epochs, "epochs", 1, 100000, NULL},
        {"batch", RN_OPT_INT, &o.batch, "mini-batch size", 1, 1 << 20, NULL},
        {"lr", RN_OPT_DOUBLE, &o.learning_rate, "Adam learning rate", 1e-7, 1, NULL},
        {"l2", RN_OPT_DOUBLE, &o.l2, "lambda of the L2 penalty (lambda/2) sum w^2", 1e-9, 10, NULL},
        {"dropout", RN_OPT_DOUBLE, &o.dropout, "dropout probability of the hidden units", 0.01, 0.95, NULL},
        {"patience", RN_OPT_INT, &o.patience, "early stopping: epochs without a better validation loss", 1, 100000, NULL},
        {0}};
    const rn_cli_spec spec = {"regularization", "[options]",
                              "Overfitting on a small training set and three cures: L2 penalty, dropout and early "
                              "stopping; train/validation curves and final accuracies per variant.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    rn_train_data d;
    rn_status s = rn_train_data_load(&d, o.data, 0.0, 0.2, args.seed);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);
    if ((long)o.train_size + o.val_size > d.split.n_train) {
        exit_code = rn_cli_fail(&args, "--train-size %d + --val-size %d exceed the %d training examples of %s",
                                o.train_size, o.val_size, d.split.n_train, d.data.name);
        rn_train_data_free(&d);
        return exit_code;
    }
    char dir[4096];
    if ((s = rn_cli_out_dir(&args, dir, sizeof dir)) != RN_OK) exit_code = rn_cli_fail_status(&args, s);
    else exit_code = run_all(&args, &o, &d, dir);
    rn_train_data_free(&d);
    return exit_code;
}
