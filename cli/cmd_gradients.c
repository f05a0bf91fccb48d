/* cmd_gradients.c — `redes gradients`: vanishing and exploding gradients in a
 * deep MLP (chapter 3).
 *
 *   redes gradients [--data digits] [--depth 10] [--width 32] [--init default|xavier|kaiming|large]
 *                   [--variants sigmoid,tanh,relu,relu-bn] [--lr 0.1] [--batch 64] [--epochs 10]
 *
 * Trains the same deep network (depth hidden layers of width units) with
 * each hidden activation — sigmoid, tanh, ReLU, ReLU with batch norm — by
 * plain SGD, and records ‖∂E/∂W_l‖_F of every layer at every step.
 * Pictures in the run folder:
 *   norms.png  gradient norm per layer (log scale) at the first step and
 *              averaged over the last epoch, one line per variant
 *   loss.png   training loss and test accuracy per epoch, side by side
 * --init large draws W ~ N(0, gain²/fan_in) with --gain (default 4) to make
 * the ReLU network explode. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"
#include "cli.h"
#include "commands.h"
#include "redes/gradient_flow.h"
#include "redes/redes.h"
#include "train_data.h"

enum { MAX_VARIANTS = 8 };

typedef struct variant {
    char name[16];
    char activation[16];
    bool batchnorm;
} variant;

typedef struct gradients_options {
    const char *data, *init, *variants;
    int depth, width, batch, epochs, train_size;
    double learning_rate, gain;
} gradients_options;

/* What one variant's run records. */
typedef struct variant_run {
    char spec[RN_MODEL_SPEC_MAX];
    int n_layers;             /* fc layers: depth + 1 */
    double *norms_start;      /* n_layers: the first step */
    double *norms_end;        /* n_layers: mean over the last epoch's steps */
    double *train_loss;       /* epochs */
    double *test_accuracy;    /* epochs */
    double seconds;
    bool diverged;            /* a non-finite loss */
} variant_run;

static rn_status parse_variants(const char *text, variant *out, int *count)
{
    *count = 0;
    const char *p = text;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t length = end ? (size_t)(end - p) : strlen(p);
        if (*count == MAX_VARIANTS || length == 0 || length >= sizeof out->name)
            return rn_error(RN_ERR_ARGUMENT, "--variants '%s': expected up to %d names like sigmoid,tanh,relu,relu-bn",
                            text, MAX_VARIANTS);
        variant *v = &out[(*count)++];
        memcpy(v->name, p, length);
        v->name[length] = '\0';
        v->batchnorm = length > 3 && strcmp(v->name + length - 3, "-bn") == 0;
        size_t base = v->batchnorm ? length - 3 : length;
        memcpy(v->activation, v->name, base);
        v->activation[base] = '\0';
        rn_activation kind;
        if (rn_activation_from_name(v->activation, &kind) != RN_OK)
            return rn_error(RN_ERR_ARGUMENT, "--variants: unknown activation '%s' in '%s' (sigmoid, tanh, relu, "
                            "leaky_relu, elu, gelu..., with -bn for batch norm)", v->activation, v->name);
        p = end ? end + 1 : p + length;
    }
    if (*count == 0) return rn_error(RN_ERR_ARGUMENT, "--variants: empty list");
    return RN_OK;
}

static rn_status init_model(rn_model *model, const gradients_options *o, rn_rng *rng)
{
    if (strcmp(o->init, "large") == 0) return rn_model_init_scaled_normal(model, o->gain, rng);
    rn_init_kind kind = strcmp(o->init, "xavier") == 0    ? RN_INIT_XAVIER_UNIFORM
                        : strcmp(o->init, "kaiming") == 0 ? RN_INIT_KAIMING_NORMAL
                                                          : RN_INIT_DEFAULT;
    return rn_model_init(model, kind, rng);
}

static void free_run(variant_run *r)
{
    free(r->norms_start);
    free(r->norms_end);
    free(r->train_loss);
    free(r->test_accuracy);
}

/* Trains one variant and fills `run`. */
static rn_status run_variant(const rn_cli_args *args, const gradients_options *o, const variant *v,
                             const rn_train_data *d, const int *train, int n_train, variant_run *run)
{
    const rn_dataset *data = &d->data;
    const rn_standardizer *standardizer = d->standardized ? &d->standardizer : NULL;
    RN_CHECK(rn_deep_mlp_spec(o->depth, o->width, v->activation, v->batchnorm, data->n_classes, run->spec,
                              sizeof run->spec));
    int input_shape[3] = {data->n_features, 1, 1};
    rn_model model;
    RN_CHECK(rn_model_create(&model, run->spec, input_shape, data->n_classes));
    rn_rng rng;
    rn_rng_seed(&rng, args->seed); /* the same seed for every variant */
    rn_status s = init_model(&model, o, &rng);
    run->n_layers = rn_model_fc_count(&model);
    run->norms_start = calloc((size_t)run->n_layers, sizeof(double));
    run->norms_end = calloc((size_t)run->n_layers, sizeof(double));
    run->train_loss = calloc((size_t)o->epochs, sizeof(double));
    run->test_accuracy = calloc((size_t)o->epochs, sizeof(double));
    double *norms = calloc((size_t)run->n_layers, sizeof(double));
    float *x = malloc((size_t)o->batch * (size_t)data->n_features * sizeof *x);
    int *y = malloc((size_t)o->batch * sizeof *y);
    rn_tape *tape = rn_tape_create(0);
    rn_batcher batcher = {0};
    rn_optimizer optimizer = {0};
    rn_optim_config sgd = rn_optim_defaults(RN_OPTIM_SGD);
    sgd.learning_rate = o->learning_rate;
    if (s == RN_OK && (!run->norms_start || !run->norms_end || !run->train_loss || !run->test_accuracy || !norms ||
                       !x || !y || !tape))
        s = rn_error(RN_ERR_MEMORY, "gradients: out of memory");
    if (s == RN_OK) s = rn_batcher_init(&batcher, data, train, n_train, o->batch, true, args->seed);
    if (s == RN_OK) batcher.standardizer = standardizer;
    if (s == RN_OK) s = rn_optim_create(&optimizer, &sgd, model.params.count);

    double start = rn_seconds();
    long step = 0;
    for (int epoch = 0; epoch < o->epochs && s == RN_OK; epoch++) {
        double loss_sum = 0;
        long seen = 0, steps_in_epoch = 0;
        memset(run->norms_end, 0, (size_t)run->n_layers * sizeof(double));
        int count;
        while (s == RN_OK && (count = rn_batcher_next(&batcher, x, y)) > 0) {
            double loss;
            if ((s = rn_model_loss_and_gradient(&model, tape, x, y, count, &rng, &loss)) != RN_OK) break;
            rn_model_layer_grad_norms(&model, norms, NULL, run->n_layers);
            for (int l = 0; l < run->n_layers; l++) {
                if (step == 0) run->norms_start[l] = norms[l];
                run->norms_end[l] += norms[l];
            }
            if (!isfinite(loss)) run->diverged = true;
            loss_sum += loss * count;
            seen += count;
            steps_in_epoch++;
            step++;
            rn_optim_step(&optimizer, model.params.values, model.params.grads, o->learning_rate); /* W ← W − η ∂E/∂W */
        }
        for (int l = 0; l < run->n_layers; l++) run->norms_end[l] /= (double)(steps_in_epoch ? steps_in_epoch : 1);
        run->train_loss[epoch] = seen ? loss_sum / (double)seen : NAN;
        rn_evaluation test;
        if (s == RN_OK &&
            (s = rn_evaluate(&model, data, standardizer, d->split.test, d->split.n_test, false, &test)) == RN_OK) {
            run->test_accuracy[epoch] = test.accuracy;
            rn_evaluation_free(&test);
        }
        if (s == RN_OK)
            rn_cli_say(args, "  %-8s epoch %2d  loss %.4f  test accuracy %.4f", v->name, epoch + 1,
                       run->train_loss[epoch], run->test_accuracy[epoch]);
    }
    run->seconds = rn_seconds() - start;
    rn_optim_free(&optimizer);
    rn_batcher_free(&batcher);
    rn_tape_destroy(tape);
    free(x);
    free(y);
    free(norms);
    rn_model_free(&model);
    return s;
}

static rn_status draw(const char *dir, const variant *variants, const variant_run *runs, int n_variants,
                      const gradients_options *o)
{
    char title[160];
    rn_plot *plot = rn_plot_create();
    if (!plot) return rn_error(RN_ERR_MEMORY, "gradients: out of memory");
    rn_plot_set_size(plot, 900, 800);
    for (int panel = 0; panel < 2; panel++) {
        if (panel) rn_plot_add_panel(plot);
        if (panel) snprintf(title, sizeof title, "... averaged over the steps of epoch %d", o->epochs);
        else snprintf(title, sizeof title, "Gradient norm per layer (%d hidden x %d, init %s): first step", o->depth,
                      o->width, o->init);
        rn_plot_set_title(plot, title);
        rn_plot_set_labels(plot, panel ? "layer (1 = next to the input)" : "", "||dE/dW_l||");
        rn_plot_set_log(plot, false, true);
        rn_plot_set_legend(plot, "bottom right");
        for (int k = 0; k < n_variants; k++) {
            const variant_run *r = &runs[k];
            rn_plot_add(plot, NULL, panel ? r->norms_end : r->norms_start, r->n_layers, variants[k].name,
                        RN_PLOT_LINESPOINTS);
        }
    }
    rn_status s = chart_write_in(plot, RN_OK, dir, "norms");
    if (s != RN_OK) return s;

    if (!(plot = rn_plot_create())) return rn_error(RN_ERR_MEMORY, "gradients: out of memory");
    rn_plot_set_size(plot, 900, 800);
    rn_plot_set_title(plot, "Training loss per epoch (SGD)");
    rn_plot_set_labels(plot, "", "cross-entropy");
    rn_plot_set_legend(plot, "center right");
    for (int k = 0; k < n_variants; k++)
        rn_plot_add(plot, NULL, runs[k].train_loss, o->epochs, variants[k].name, RN_PLOT_LINESPOINTS);
    rn_plot_add_panel(plot);
    rn_plot_set_title(plot, "Test accuracy per epoch");
    rn_plot_set_labels(plot, "epoch", "accuracy");
    rn_plot_set_legend(plot, "center right");
    for (int k = 0; k < n_variants; k++)
        rn_plot_add(plot, NULL, runs[k].test_accuracy, o->epochs, variants[k].name, RN_PLOT_LINESPOINTS);
    rn_plot_share_x(plot, true);
    return chart_write_in(plot, RN_OK, dir, "loss");
}

static json_t *finite_array(const double *values, int n)
{
    json_t *array = json_array();
    for (int i = 0; i < n; i++) json_array_append_new(array, isfinite(values[i]) ? json_real(values[i]) : json_null());
    return array;
}

static json_t *ratio_json(double first, double last)
{
    double ratio = first / last;
    return isfinite(ratio) ? json_real(ratio) : json_null();
}

static json_t *report_json(const gradients_options *o, const rn_train_data *d, int n_train, const variant *variants,
                           const variant_run *runs, int n_variants, const char *dir)
{
    json_t *out = json_object();
    json_object_set_new(out, "data", json_string(d->data.name));
    json_object_set_new(out, "train_examples", json_integer(n_train));
    json_object_set_new(out, "test_examples", json_integer(d->split.n_test));
    json_object_set_new(out, "depth", json_integer(o->depth));
    json_object_set_new(out, "width", json_integer(o->width));
    json_object_set_new(out, "init", json_string(o->init));
    if (strcmp(o->init, "large") == 0) json_object_set_new(out, "gain", json_real(o->gain));
    json_object_set_new(out, "optimizer", json_string("sgd"));
    json_object_set_new(out, "learning_rate", json_real(o->learning_rate));
    json_object_set_new(out, "batch", json_integer(o->batch));
    json_object_set_new(out, "epochs", json_integer(o->epochs));
    json_t *list = json_array();
    for (int k = 0; k < n_variants; k++) {
        const variant_run *r = &runs[k];
        json_t *v = json_object();
        json_object_set_new(v, "name", json_string(variants[k].name));
        json_object_set_new(v, "net", json_string(r->spec));
        json_object_set_new(v, "grad_norms_start", finite_array(r->norms_start, r->n_layers));
        json_object_set_new(v, "grad_norms_end", finite_array(r->norms_end, r->n_layers));
        json_object_set_new(v, "first_last_ratio_start", ratio_json(r->norms_start[0], r->norms_start[r->n_layers - 1]));
        json_object_set_new(v, "first_last_ratio_end", ratio_json(r->norms_end[0], r->norms_end[r->n_layers - 1]));
        json_object_set_new(v, "train_loss", finite_array(r->train_loss, o->epochs));
        json_object_set_new(v, "test_accuracy", finite_array(r->test_accuracy, o->epochs));
        json_object_set_new(v, "final_test_accuracy", json_real(r->test_accuracy[o->epochs - 1]));
        json_object_set_new(v, "diverged", json_boolean(r->diverged));
        json_object_set_new(v, "seconds", json_real(r->seconds));
        json_array_append_new(list, v);
    }
    json_object_set_new(out, "variants", list);
    json_object_set_new(out, "out", json_string(dir));
    return out;
}

int rn_cmd_gradients(int argc, char **argv)
{
    gradients_options o = {.data = "digits", .init = "default", .variants = "sigmoid,tanh,relu,relu-bn", .depth = 10,
                           .width = 32, .batch = 64, .epochs = 10, .learning_rate = 0.1, .gain = 4.0};
    const rn_cli_option options[] = {
        {"data", RN_OPT_STRING, &o.data, "data set: digits (default), mnist, fashion, iris, wine, breast-cancer, FILE.csv", 0, 0, "NAME"},
        {"depth", RN_OPT_INT, &o.depth, "hidden layers", 1, 60, NULL},
        {"width", RN_OPT_INT, &o.width, "units per hidden layer", 1, 4096, NULL},
        {"init", RN_OPT_CHOICE, &o.init, "weight initialisation (large: N(0, gain^2/fan_in))", 0, 0,
         "default|xavier|kaiming|large"},
        {"gain", RN_OPT_DOUBLE, &o.gain, "gain of --init large", 1e-3, 100, NULL},
        {"variants", RN_OPT_STRING, &o.variants, "hidden activations to compare, -bn adds batch norm", 0, 0, "LIST"},
        {"lr", RN_OPT_DOUBLE, &o.learning_rate, "SGD learning rate", 1e-6, 10, NULL},
        {"batch", RN_OPT_INT, &o.batch, "mini-batch size", 1, 1 << 20, NULL},
        {"epochs", RN_OPT_INT, &o.epochs, "epochs", 1, 10000, NULL},
        {"train-size", RN_OPT_INT, &o.train_size, "use only this many training examples (0 = all)", 0, 1 << 24, NULL},
        {0}};
    const rn_cli_spec spec = {"gradients", "[options]",
                              "Vanishing and exploding gradients: a deep MLP trained with sigmoid, tanh, ReLU and "
                              "ReLU + batch norm; the gradient norm of every layer at the start and after training, "
                              "and the loss curves.",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    variant variants[MAX_VARIANTS];
    int n_variants;
    rn_status s = parse_variants(o.variants, variants, &n_variants);
    if (s != RN_OK) return rn_cli_fail_status(&args, s);

    rn_train_data d;
    if ((s = rn_train_data_load(&d, o.data, 0.0, 0.2, args.seed)) != RN_OK) return rn_cli_fail_status(&args, s);
    int n_train = o.train_size > 0 && o.train_size < d.split.n_train ? o.train_size : d.split.n_train;
    /* --train-size: a random subset of the training part (seeded). */
    rn_rng subset_rng;
    rn_rng_seed(&subset_rng, args.seed + 0x5eedu);
    rn_rng_shuffle(&subset_rng, d.split.train, d.split.n_train);
    char dir[4096];
    if ((s = rn_cli_out_dir(&args, dir, sizeof dir)) != RN_OK) {
        rn_train_data_free(&d);
        return rn_cli_fail_status(&args, s);
    }
    rn_cli_say(&args, "%s: %d train / %d test examples; %d hidden layers of %d, init %s, SGD lr %g, batch %d, %d epochs",
               d.data.name, n_train, d.split.n_test, o.depth, o.width, o.init, o.learning_rate, o.batch, o.epochs);
    variant_run runs[MAX_VARIANTS];
    memset(runs, 0, sizeof runs);
    for (int k = 0; k < n_variants && s == RN_OK; k++) {
        s = run_variant(&args, &o, &variants[k], &d, d.split.train, n_train, &runs[k]);
        if (s == RN_OK) {
            const variant_run *r = &runs[k];
            rn_cli_say(&args, "%-8s ||dE/dW|| first layer / last layer: %.3g at the start, %.3g in the last epoch%s",
                       variants[k].name, r->norms_start[0] / r->norms_start[r->n_layers - 1],
                       r->norms_end[0] / r->norms_end[r->n_layers - 1], r->diverged ? " (diverged)" : "");
        }
    }
    if (s == RN_OK) {
        s = draw(dir, variants, runs, n_variants, &o);
        if (s == RN_ERR_UNSUPPORTED) s = RN_OK;
    }
    if (s == RN_OK) {
        rn_cli_say(&args, "files in %s", dir);
        if (args.json) rn_cli_print_json(report_json(&o, &d, n_train, variants, runs, n_variants, dir));
    } else
        exit_code = rn_cli_fail_status(&args, s);
    for (int k = 0; k < n_variants; k++) free_run(&runs[k]);
    rn_train_data_free(&d);
    return exit_code < 0 ? 0 : exit_code;
}
