/* cmd_train.c — `redes train`: an MLP (or a net spec) on a data set.
 *
 *   redes train --data mnist --layers 256,128 --activation relu --optimizer adam \
 *               --lr 1e-3 --batch 64 --epochs 10 --seed 1 --out runs/mlp
 *
 * Writes into the run folder: model.safetensors (loads in PyTorch),
 * checkpoint.safetensors (after every epoch; --resume continues from it),
 * history.csv, loss.png and accuracy.png (with their .dat/.gp), confusion.png
 * and, for image data, misclassified.png. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "commands.h"
#include "redes/redes.h"
#include "train_data.h"

/* Until the defaults (or, with --resume, the checkpoint's recipe) fill them
 * in, options that were not given are NULL, NaN, -1 or false. */
typedef struct train_options {
    const char *data, *layers, *activation, *net, *optimizer, *schedule, *resume, *init;
    double learning_rate, momentum, weight_decay, l1, l2, dropout, clip, val_fraction, test_fraction, gamma;
    int batch, epochs, patience, step_size;
    int t_max; /* cosine schedule: epochs of the half period; 0 = --epochs (a resumed run keeps its own) */
    bool batchnorm, nesterov;
} train_options;

typedef struct run_state {
    const rn_cli_args *args;
    rn_progress progress;
    int epochs;
    long reported;
    const rn_train_data *data; /* recorded in every checkpoint */
    const char *recipe;        /* train.options, JSON */
} run_state;

/* ---------------------------------------------------------------- the recipe
 * A checkpoint records the run's options as "train.options" (JSON, keyed by
 * option name) next to the data's source and split (data.*), so that
 * `redes train --resume CHECKPOINT` alone restarts the run.  The learning
 * rate, momentum, weight decay, Nesterov flag and schedule parameters are
 * recorded as the optimiser used them (after presets and defaults). */

typedef enum field_kind { FIELD_TEXT, FIELD_NUMBER, FIELD_COUNT, FIELD_FLAG } field_kind;

typedef struct recipe_field {
    const char *option;
    field_kind kind;
    void *value;
} recipe_field;

enum { N_RECIPE_FIELDS = 22 };

/* Everything a resumed run must keep; --epochs, --seed and the common
 * options are handled on their own. */
static void recipe_fields(train_options *o, recipe_field fields[N_RECIPE_FIELDS])
{
    const recipe_field list[N_RECIPE_FIELDS] = {
        {"layers", FIELD_TEXT, &o->layers},           {"activation", FIELD_TEXT, &o->activation},
        {"net", FIELD_TEXT, &o->net},                 {"batchnorm", FIELD_FLAG, &o->batchnorm},
        {"dropout", FIELD_NUMBER, &o->dropout},       {"init", FIELD_TEXT, &o->init},
        {"optimizer", FIELD_TEXT, &o->optimizer},     {"lr", FIELD_NUMBER, &o->learning_rate},
        {"momentum", FIELD_NUMBER, &o->momentum},     {"nesterov", FIELD_FLAG, &o->nesterov},
        {"weight-decay", FIELD_NUMBER, &o->weight_decay}, {"l1", FIELD_NUMBER, &o->l1},
        {"l2", FIELD_NUMBER, &o->l2},                 {"clip", FIELD_NUMBER, &o->clip},
        {"schedule", FIELD_TEXT, &o->schedule},       {"step-size", FIELD_COUNT, &o->step_size},
        {"gamma", FIELD_NUMBER, &o->gamma},           {"t-max", FIELD_COUNT, &o->t_max},
        {"batch", FIELD_COUNT, &o->batch},            {"patience", FIELD_COUNT, &o->patience},
        {"val-fraction", FIELD_NUMBER, &o->val_fraction}, {"test-fraction", FIELD_NUMBER, &o->test_fraction},
    };
    memcpy(fields, list, sizeof list);
}

static void fill_defaults(train_options *o)
{
    if (!o->layers) o->layers = "128";
    if (!o->activation) o->activation = "relu";
    if (!o->optimizer) o->optimizer = "adam";
    if (!o->init) o->init = "default";
    /* -1: the preset's or the optimiser's own value (build_optimizer). */
    if (isnan(o->learning_rate)) o->learning_rate = -1;
    if (isnan(o->momentum)) o->momentum = -1;
    if (isnan(o->weight_decay)) o->weight_decay = -1;
    double *zero[] = {&o->l1, &o->l2, &o->dropout, &o->clip, &o->val_fraction, &o->gamma};
    for (size_t i = 0; i < sizeof zero / sizeof *zero; i++)
        if (isnan(*zero[i])) *zero[i] = 0;
    if (isnan(o->test_fraction)) o->test_fraction = 0.2;
    if (o->batch < 0) o->batch = 64;
    if (o->epochs < 0) o->epochs = 10;
    if (o->patience < 0) o->patience = 0;
    if (o->step_size < 0) o->step_size = 0;
}

/* The options as this run uses them, for train.options. */
static char *recipe_text(const train_options *o, const rn_train_config *config, uint64_t seed)
{
    train_options used = *o;
    used.learning_rate = config->optimizer.learning_rate;
    used.momentum = config->optimizer.momentum;
    used.weight_decay = config->optimizer.weight_decay;
    used.nesterov = config->optimizer.nesterov;
    used.step_size = config->schedule.step_size;
    used.gamma = config->schedule.gamma;
    used.t_max = config->schedule.t_max;
    recipe_field fields[N_RECIPE_FIELDS];
    recipe_fields(&used, fields);
    json_t *recipe = json_object();
    for (int i = 0; i < N_RECIPE_FIELDS; i++) {
        const recipe_field *f = &fields[i];
        json_t *value = NULL;
        switch (f->kind) {
        case FIELD_TEXT: {
            const char *text = *(const char **)f->value;
            value = text ? json_string(text) : json_null();
            break;
        }
        case FIELD_NUMBER: value = json_real(*(double *)f->value); break;
        case FIELD_COUNT: value = json_integer(*(int *)f->value); break;
        case FIELD_FLAG: value = json_boolean(*(bool *)f->value); break;
        }
        json_object_set_new(recipe, f->option, value);
    }
    json_object_set_new(recipe, "epochs", json_integer(o->epochs));
    json_object_set_new(recipe, "seed", json_integer((json_int_t)seed));
    char *text = json_dumps(recipe, JSON_COMPACT | JSON_REAL_PRECISION(17));
    json_decref(recipe);
    return text;
}

/* Compares two option texts ignoring spaces ("256, 128" is "256,128"). */
static bool same_text(const char *a, const char *b)
{
    if (!a || !b) return a == b;
    for (;;) {
        while (*a == ' ') a++;
        while (*b == ' ') b++;
        if (*a != *b) return false;
        if (!*a) return true;
        a++, b++;
    }
}

static const char *recipe_hint = "a resumed run keeps its recipe; only --epochs, --out and the output options may change";

/* Fills the options not given from the recipe; an option given with another
 * value than the recipe's is an error (exit 2, one line). */
static int merge_recipe(const rn_cli_args *args, train_options *o, const json_t *recipe)
{
    recipe_field fields[N_RECIPE_FIELDS];
    recipe_fields(o, fields);
    for (int i = 0; i < N_RECIPE_FIELDS; i++) {
        const recipe_field *f = &fields[i];
        const json_t *recorded = json_object_get(recipe, f->option);
        if (!recorded) continue;
        switch (f->kind) {
        case FIELD_TEXT: {
            const char **value = f->value, *was = json_string_value(recorded);
            if (!*value) *value = was;
            else if (!same_text(*value, was))
                return rn_cli_fail(args, "--%s '%s' conflicts with the checkpoint's %s%s%s: %s", f->option, *value,
                                   was ? "'" : "(no --", was ? was : f->option, was ? "'" : ")", recipe_hint);
            break;
        }
        case FIELD_NUMBER: {
            /* A negative value asks for the default: as if not given. */
            double *value = f->value, was = json_number_value(recorded);
            if (isnan(*value) || *value < 0) *value = was;
            else if (*value != was)
                return rn_cli_fail(args, "--%s %g conflicts with the checkpoint's %.10g: %s", f->option, *value, was,
                                   recipe_hint);
            break;
        }
        case FIELD_COUNT: {
            int *value = f->value, was = (int)json_integer_value(recorded);
            if (*value < 0 || !strcmp(f->option, "t-max")) *value = was;
            else if (*value != was)
                return rn_cli_fail(args, "--%s %d conflicts with the checkpoint's %d: %s", f->option, *value, was,
                                   recipe_hint);
            break;
        }
        case FIELD_FLAG: {
            bool *value = f->value, was = json_is_true(recorded);
            if (*value && !was)
                return rn_cli_fail(args, "--%s conflicts with the checkpoint, trained without it: %s", f->option,
                                   recipe_hint);
            *value = was;
            break;
        }
        }
    }
    return -1;
}

/* What a checkpoint says about its run (resume_recipe). */
typedef struct resume_plan {
    json_t *recipe;            /* train.options; NULL for checkpoints written before it existed */
    rn_model_data_info data;   /* data.* */
    int epochs_done;
} resume_plan;

static void resume_plan_free(resume_plan *plan)
{
    json_decref(plan->recipe);
    rn_model_data_info_free(&plan->data);
    memset(plan, 0, sizeof *plan);
}

/* Reads the checkpoint's recipe and merges it into the options (and the
 * seed).  Returns -1 to go on, else the exit code. */
static int resume_recipe(rn_cli_args *args, train_options *o, resume_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    rn_safetensors *file;
    rn_status s = rn_safetensors_read(o->resume, &file);
    if (s != RN_OK) return rn_cli_fail_status(args, s);
    const char *recipe = rn_safetensors_metadata(file, "train.options");
    const char *state_text = rn_safetensors_metadata(file, "trainer.state");
    json_t *state = state_text ? json_loads(state_text, 0, NULL) : NULL;
    int exit_code = -1;
    if (!state) {
        exit_code = rn_cli_fail(args, "%s: no trainer.state in __metadata__ (a model file, not a checkpoint?)", o->resume);
    } else if (!recipe) {
        /* Written before train.options existed: the options come from the
         * command line, as when the run was started. */
        if (!o->data)
            exit_code = rn_cli_fail(args, "%s records no options (an older checkpoint): give --data and the run's "
                                          "options as when it was started", o->resume);
    } else if (!(plan->recipe = json_loads(recipe, 0, NULL)) || !json_is_object(plan->recipe)) {
        exit_code = rn_cli_fail(args, "%s: train.options is not a JSON object", o->resume);
    } else if ((s = rn_model_data_info_read(file, &plan->data)) != RN_OK) {
        exit_code = rn_cli_fail(args, "%s: %s", o->resume, rn_error_message());
    } else {
        plan->epochs_done = (int)json_integer_value(json_object_get(state, "epochs_done"));
        exit_code = merge_recipe(args, o, plan->recipe);
    }
    if (exit_code < 0 && plan->recipe) {
        uint64_t seed = (uint64_t)json_integer_value(json_object_get(plan->recipe, "seed"));
        int epochs = (int)json_integer_value(json_object_get(plan->recipe, "epochs"));
        bool cosine = o->schedule && !strcmp(o->schedule, "cosine");
        if (args->seed_given && args->seed != seed)
            exit_code = rn_cli_fail(args, "--seed %llu conflicts with the checkpoint's %llu: %s",
                                    (unsigned long long)args->seed, (unsigned long long)seed, recipe_hint);
        else if (json_is_true(json_object_get(state, "stopped_early")))
            exit_code = rn_cli_fail(args, "%s: the run stopped early (no better validation loss for --patience %d "
                                          "epochs); there is nothing to resume", o->resume, o->patience);
        else if (o->epochs < 0 && plan->epochs_done >= epochs)
            exit_code = rn_cli_fail(args, "%s: the run finished its %d epochs; give --epochs N (more than %d) to "
                                          "train on", o->resume, epochs, epochs);
        else if (o->epochs >= 0 && o->epochs < plan->epochs_done)
            exit_code = rn_cli_fail(args, "--epochs %d: the checkpoint is already after epoch %d", o->epochs,
                                    plan->epochs_done);
        else if (cosine && o->epochs > o->t_max)
            exit_code = rn_cli_fail(args, "--epochs %d goes past the checkpoint's cosine schedule, which anneals "
                                          "over %d epochs (the rate would rise again): start a new run instead",
                                    o->epochs, o->t_max);
        args->seed = seed;
        if (o->epochs < 0) o->epochs = epochs;
    }
    json_decref(state);
    rn_safetensors_free(file);
    if (exit_code >= 0) resume_plan_free(plan);
    return exit_code;
}

/* The data of a resumed run: the checkpoint's source, split as before; --data
 * may name it again, or its new place when the recorded file has moved. */
static int resume_data(const rn_cli_args *args, const train_options *o, const resume_plan *plan, rn_train_data *d)
{
    rn_status s = rn_model_data_load(d, o->resume, &plan->data, o->data);
    if (s != RN_OK) return rn_cli_fail_status(args, s);
    struct stat status;
    bool moved = plan->data.source[0] == '/' && stat(plan->data.source, &status) != 0;
    if (o->data && !moved && strcmp(d->data.name, plan->data.name) != 0) {
        int exit_code = rn_cli_fail(args, "--data %s conflicts with the checkpoint's data %s (%s): %s", o->data,
                                    plan->data.name, plan->data.source, recipe_hint);
        rn_train_data_free(d);
        return exit_code;
    }
    return -1;
}

static rn_status add_run_entries(void *user, rn_safetensors *file)
{
    const run_state *run = user;
    RN_CHECK(rn_train_data_add_to_file(run->data, file));
    return rn_safetensors_set_metadata(file, "train.options", run->recipe);
}

static void on_step(void *user, int epoch, long step, long steps, double loss)
{
    run_state *run = user;
    if (step == 1) {
        static char label[32];
        snprintf(label, sizeof label, "epoch %d/%d", epoch, run->epochs);
        rn_progress_start(&run->progress, run->args, label, steps);
    }
    if (step % 16 == 0 && step < steps) {
        char detail[48];
        snprintf(detail, sizeof detail, "loss %.4f", loss);
        rn_progress_update(&run->progress, step, detail);
    }
}

static void on_epoch(void *user, const rn_epoch_record *r)
{
    run_state *run = user;
    char detail[160];
    if (isnan(r->val_loss))
        snprintf(detail, sizeof detail, "train loss %.4f acc %.4f  %.2f s  lr %.3g", r->train_loss, r->train_accuracy,
                 r->seconds, r->learning_rate);
    else
        snprintf(detail, sizeof detail, "train loss %.4f acc %.4f  val loss %.4f acc %.4f  %.2f s  lr %.3g",
                 r->train_loss, r->train_accuracy, r->val_loss, r->val_accuracy, r->seconds, r->learning_rate);
    rn_progress_finish(&run->progress, detail);
}

static rn_status build_optimizer(const train_options *o, rn_train_config *c)
{
    RN_CHECK(rn_optim_parse(o->optimizer, &c->optimizer));
    if (o->learning_rate > 0) c->optimizer.learning_rate = o->learning_rate;
    if (o->momentum >= 0) c->optimizer.momentum = o->momentum;
    if (o->nesterov) c->optimizer.nesterov = true;
    if (o->weight_decay >= 0) c->optimizer.weight_decay = o->weight_decay;
    RN_CHECK(rn_optim_validate(&c->optimizer));
    RN_CHECK(rn_schedule_parse(o->schedule, o->epochs, &c->schedule));
    if (o->step_size > 0) c->schedule.step_size = o->step_size;
    if (o->gamma > 0) c->schedule.gamma = o->gamma;
    if (o->t_max > 0) c->schedule.t_max = o->t_max;
    return RN_OK;
}

/* loss.png and accuracy.png from the history (gnuplot missing: skipped). */
static rn_status write_curves(const char *dir, const rn_epoch_record *h, int n, bool has_val)
{
    double *x = malloc((size_t)n * 5 * sizeof *x);
    if (!x) return rn_error(RN_ERR_MEMORY, "curves: out of memory");
    double *tl = x + n, *ta = x + 2 * n, *vl = x + 3 * n, *va = x + 4 * n;
    for (int i = 0; i < n; i++) {
        x[i] = h[i].epoch;
        tl[i] = h[i].train_loss;
        ta[i] = h[i].train_accuracy;
        vl[i] = h[i].val_loss;
        va[i] = h[i].val_accuracy;
    }
    char base[4200];
    rn_status s = RN_OK;
    for (int chart = 0; chart < 2 && s == RN_OK; chart++) {
        rn_plot *plot = rn_plot_create();
        if (!plot) {
            s = RN_ERR_MEMORY;
            break;
        }
        rn_plot_set_title(plot, chart ? "Accuracy per epoch" : "Loss per epoch");
        rn_plot_set_labels(plot, "epoch", chart ? "accuracy" : "cross-entropy loss");
        /* Accuracy climbs to the top right, where the legend would cover it. */
        if (chart) rn_plot_set_legend(plot, "bottom right");
        rn_plot_add(plot, x, chart ? ta : tl, n, "train", RN_PLOT_LINESPOINTS);
        if (has_val) rn_plot_add(plot, x, chart ? va : vl, n, "validation", RN_PLOT_LINESPOINTS);
        snprintf(base, sizeof base, "%s/%s", dir, chart ? "accuracy" : "loss");
        s = rn_plot_write(plot, base);
        rn_plot_destroy(plot);
    }
    free(x);
    return s == RN_ERR_UNSUPPORTED ? RN_OK : s;
}

/* Up to 64 misclassified test images, as a grid captioned "true>predicted". */
static rn_status write_misclassified(const char *path, const rn_train_data *d, const rn_evaluation *test)
{
    enum { MAX_SHOWN = 64 };
    const rn_dataset *data = &d->data;
    float *images = malloc((size_t)MAX_SHOWN * (size_t)data->n_features * sizeof *images);
    if (!images) return rn_error(RN_ERR_MEMORY, "misclassified: out of memory");
    /* Caption "true>predicted" with class indices (names are too long for a tile). */
    static char text[MAX_SHOWN][16];
    const char *captions[MAX_SHOWN];
    int shown = 0;
    for (int i = 0; i < d->split.n_test && shown < MAX_SHOWN; i++) {
        int example = d->split.test[i];
        if (test->predictions[i] == data->labels[example]) continue;
        for (int j = 0; j < data->n_features; j++)
            images[(size_t)shown * data->n_features + j] = rn_dataset_value(data, example, j);
        snprintf(text[shown], sizeof text[shown], "%d>%d", data->labels[example], test->predictions[i]);
        captions[shown] = text[shown];
        shown++;
    }
    rn_status s = RN_OK;
    if (shown > 0) {
        rn_grid_options grid = rn_grid_defaults();
        grid.scale = 2;
        grid.captions = captions;
        s = rn_png_write_grid(path, images, shown, data->height, data->width, &grid);
    }
    free(images);
    return s;
}

static json_t *history_json(const rn_epoch_record *h, int n, size_t field_offset)
{
    json_t *array = json_array();
    for (int i = 0; i < n; i++) {
        double value = *(const double *)((const char *)&h[i] + field_offset);
        json_array_append_new(array, isnan(value) ? json_null() : json_real(value));
    }
    return array;
}

static rn_status write_model(const char *path, const rn_model *model, const rn_trainer *t, const run_state *run)
{
    rn_safetensors *file = rn_safetensors_create();
    if (!file) return RN_ERR_MEMORY;
    char text[64];
    rn_status s = rn_model_add_to_file(model, file);
    if (s == RN_OK) s = add_run_entries((void *)run, file);
    snprintf(text, sizeof text, "%d", t->epochs_done);
    if (s == RN_OK) s = rn_safetensors_set_metadata(file, "train.epochs", text);
    if (s == RN_OK) s = rn_safetensors_set_metadata(file, "train.optimizer", rn_optim_name(t->config.optimizer.kind));
    if (s == RN_OK) s = rn_safetensors_write(file, path);
    rn_safetensors_free(file);
    return s;
}

static int train_and_report(const rn_cli_args *args, const train_options *o, rn_train_data *d, const char *dir)
{
    rn_train_config config = rn_train_defaults();
    config.epochs = o->epochs;
    config.batch_size = o->batch;
    config.l1 = o->l1;
    config.l2 = o->l2;
    config.clip_norm = o->clip;
    config.patience = o->patience;
    config.seed = args->seed;
    rn_status s = build_optimizer(o, &config);
    if (s != RN_OK) return rn_cli_fail_status(args, s);

    const rn_dataset *data = &d->data;
    char spec[RN_MODEL_SPEC_MAX];
    if (o->net) snprintf(spec, sizeof spec, "%s", o->net);
    else if ((s = rn_model_mlp_spec(o->layers, o->activation, o->batchnorm, o->dropout, data->n_classes, spec,
                                    sizeof spec)) != RN_OK)
        return rn_cli_fail_status(args, s);
    int input_shape[3] = {data->channels, data->height, data->width};
    if (data->channels * data->height * data->width != data->n_features) /* tabular */
        input_shape[0] = data->n_features, input_shape[1] = input_shape[2] = 1;
    rn_init_kind init_kind;
    if ((s = rn_init_parse(o->init, &init_kind)) != RN_OK) return rn_cli_fail_status(args, s);
    rn_model model;
    if ((s = rn_model_create(&model, spec, input_shape, data->n_classes)) != RN_OK) return rn_cli_fail_status(args, s);
    rn_rng init_rng;
    rn_rng_seed(&init_rng, args->seed + 0x1417u);
    rn_model_init(&model, init_kind, &init_rng);

    char checkpoint[4200], path[4200];
    snprintf(checkpoint, sizeof checkpoint, "%s/checkpoint.safetensors", dir);
    config.checkpoint_path = checkpoint;
    char *recipe = recipe_text(o, &config, args->seed);
    if (!recipe) {
        rn_model_free(&model);
        return rn_cli_fail(args, "out of memory");
    }
    run_state run = {.args = args, .epochs = o->epochs, .data = d, .recipe = recipe};
    config.on_step = on_step;
    config.on_epoch = on_epoch;
    config.add_to_checkpoint = add_run_entries;
    config.user = &run;
    rn_trainer trainer;
    int exit_code = 0;
    s = rn_trainer_create(&trainer, &model, data, d->standardized ? &d->standardizer : NULL, d->split.train,
                          d->split.n_train, d->split.val, d->split.n_val, &config);
    if (s != RN_OK) {
        rn_model_free(&model);
        free(recipe);
        return rn_cli_fail_status(args, s);
    }
    rn_train_mode mode = rn_train_mode_of(o->batch, d->split.n_train);
    rn_cli_say(args, "%s: %d train / %d val / %d test examples; net %s (%zu parameters); %s, batch %d (%s)%s",
               data->name, d->split.n_train, d->split.n_val, d->split.n_test, model.spec, model.params.count,
               rn_optim_name(config.optimizer.kind), trainer.config.batch_size, rn_train_mode_name(mode),
               o->resume ? "; resuming" : "");
    if (o->resume && (s = rn_trainer_resume(&trainer, o->resume)) != RN_OK) goto fail;
    if ((s = rn_trainer_run(&trainer)) != RN_OK) goto fail;

    rn_evaluation test;
    if ((s = rn_evaluate(&model, data, d->standardized ? &d->standardizer : NULL, d->split.test, d->split.n_test, true,
                         &test)) != RN_OK)
        goto fail;
    snprintf(path, sizeof path, "%s/model.safetensors", dir);
    s = write_model(path, &model, &trainer, &run);
    snprintf(path, sizeof path, "%s/history.csv", dir);
    if (s == RN_OK) s = rn_history_write_csv(trainer.history, trainer.epochs_done, path);
    if (s == RN_OK) s = write_curves(dir, trainer.history, trainer.epochs_done, d->split.n_val > 0);
    snprintf(path, sizeof path, "%s/confusion.png", dir);
    if (s == RN_OK)
        s = rn_png_write_confusion(path, test.confusion, data->n_classes, (const char *const *)data->class_names,
                                   "Confusion matrix (test set)");
    snprintf(path, sizeof path, "%s/misclassified.png", dir);
    if (s == RN_OK && data->pixels) s = write_misclassified(path, d, &test);
    if (s != RN_OK) {
        rn_evaluation_free(&test);
        goto fail;
    }
    rn_cli_say(args, "test accuracy %.4f, test loss %.4f%s; files in %s", test.accuracy, test.loss,
               trainer.stopped_early ? " (stopped early)" : "", dir);
    if (args->json) {
        const rn_epoch_record *h = trainer.history;
        int n = trainer.epochs_done;
        json_t *out = json_object();
        json_object_set_new(out, "data", json_string(data->name));
        json_object_set_new(out, "net", json_string(model.spec));
        json_object_set_new(out, "parameters", json_integer((json_int_t)model.params.count));
        json_object_set_new(out, "mode", json_string(rn_train_mode_name(mode)));
        json_object_set_new(out, "optimizer", json_string(rn_optim_name(config.optimizer.kind)));
        json_object_set_new(out, "epochs_run", json_integer(n));
        json_object_set_new(out, "stopped_early", json_boolean(trainer.stopped_early));
        if (o->patience > 0) json_object_set_new(out, "best_epoch", json_integer(trainer.best_epoch));
        json_object_set_new(out, "test_accuracy", json_real(test.accuracy));
        json_object_set_new(out, "test_loss", json_real(test.loss));
        json_object_set_new(out, "train_loss", history_json(h, n, offsetof(rn_epoch_record, train_loss)));
        json_object_set_new(out, "train_accuracy", history_json(h, n, offsetof(rn_epoch_record, train_accuracy)));
        json_object_set_new(out, "val_loss", history_json(h, n, offsetof(rn_epoch_record, val_loss)));
        json_object_set_new(out, "val_accuracy", history_json(h, n, offsetof(rn_epoch_record, val_accuracy)));
        json_object_set_new(out, "epoch_seconds", history_json(h, n, offsetof(rn_epoch_record, seconds)));
        json_object_set_new(out, "learning_rate", history_json(h, n, offsetof(rn_epoch_record, learning_rate)));
        snprintf(path, sizeof path, "%s/model.safetensors", dir);
        json_object_set_new(out, "model", json_string(path));
        json_object_set_new(out, "out", json_string(dir));
        rn_cli_print_json(out);
    }
    rn_evaluation_free(&test);
    goto done;
fail:
    exit_code = rn_cli_fail_status(args, s);
done:
    rn_trainer_free(&trainer);
    rn_model_free(&model);
    free(recipe);
    return exit_code;
}

int rn_cmd_train(int argc, char **argv)
{
    train_options o = {.learning_rate = NAN, .momentum = NAN, .weight_decay = NAN, .l1 = NAN, .l2 = NAN,
                       .dropout = NAN, .clip = NAN, .val_fraction = NAN, .test_fraction = NAN, .gamma = NAN,
                       .batch = -1, .epochs = -1, .patience = -1, .step_size = -1};
    const rn_cli_option options[] = {
        {"data", RN_OPT_STRING, &o.data, "mnist|fashion|iris|wine|breast-cancer|digits|FILE.csv|DIR (required, except with --resume)", 0, 0, "NAME"},
        {"layers", RN_OPT_STRING, &o.layers, "hidden layer sizes of the MLP, e.g. 256,128 (default 128)", 0, 0, "LIST"},
        {"activation", RN_OPT_STRING, &o.activation, "hidden activation: relu (default), tanh, sigmoid, leaky_relu, elu, gelu...", 0, 0, "NAME"},
        {"net", RN_OPT_STRING, &o.net, "a net spec instead of --layers, e.g. \"conv 6 5 pad 2, relu, maxpool 2, fc 10\" or lenet5", 0, 0, "SPEC"},
        {"batchnorm", RN_OPT_FLAG, &o.batchnorm, "batch normalisation after each hidden fc layer", 0, 0, NULL},
        {"dropout", RN_OPT_DOUBLE, &o.dropout, "dropout probability after each hidden layer", 0, 0.99, NULL},
        {"init", RN_OPT_CHOICE, &o.init, "weight initialisation (default: default)", 0, 0,
         "default|xavier-uniform|xavier-normal|kaiming-uniform|kaiming-normal|he-uniform|he-normal"},
        {"optimizer", RN_OPT_CHOICE, &o.optimizer, "optimiser (default adam)", 0, 0, "sgd|momentum|nesterov|adagrad|rmsprop|adam|adamw"},
        {"lr", RN_OPT_DOUBLE, &o.learning_rate, "learning rate; -1 = the preset's (lenet5 with adam: 3e-3), else the optimiser's PyTorch default", 0, 0, NULL},
        {"momentum", RN_OPT_DOUBLE, &o.momentum, "momentum (sgd, rmsprop); -1 = the optimiser's default (0.9 for momentum/nesterov, else 0)", 0, 0.999, NULL},
        {"nesterov", RN_OPT_FLAG, &o.nesterov, "Nesterov momentum (sgd)", 0, 0, NULL},
        {"weight-decay", RN_OPT_DOUBLE, &o.weight_decay, "optimiser weight decay (AdamW: decoupled); -1 = default (AdamW 0.01, else 0)", 0, 10, NULL},
        {"l1", RN_OPT_DOUBLE, &o.l1, "L1 penalty lambda sum |w|", 0, 10, NULL},
        {"l2", RN_OPT_DOUBLE, &o.l2, "L2 penalty lambda/2 sum w^2", 0, 10, NULL},
        {"clip", RN_OPT_DOUBLE, &o.clip, "clip the gradient's global norm to this (0 = off)", 0, 1e6, NULL},
        {"schedule", RN_OPT_CHOICE, &o.schedule, "learning-rate schedule (default: cosine, from --lr down to 0 over the epochs; constant keeps --lr)", 0, 0, "constant|step|exponential|cosine"},
        {"step-size", RN_OPT_INT, &o.step_size, "epochs between decays of the step schedule; 0 = 10", 0, 100000, NULL},
        {"gamma", RN_OPT_DOUBLE, &o.gamma, "decay factor; 0 = 0.1 (step) or 0.95 (exponential)", 0, 1, NULL},
        {"batch", RN_OPT_INT, &o.batch, "batch size: 1 = online, >= training set = full batch (default 64)", 1, 1 << 24, NULL},
        {"epochs", RN_OPT_INT, &o.epochs, "epochs (default 10; with --resume: the run's, or more to extend it)", 1, 100000, NULL},
        {"patience", RN_OPT_INT, &o.patience, "early stopping after this many epochs without a better val loss (0 = off)", 0, 100000, NULL},
        {"val-fraction", RN_OPT_DOUBLE, &o.val_fraction, "fraction of the training data held out for validation", 0, 0.9, NULL},
        {"test-fraction", RN_OPT_DOUBLE, &o.test_fraction, "test fraction for data without an official split (default 0.2)", 0.01, 0.9, NULL},
        {"resume", RN_OPT_STRING, &o.resume, "continue from a checkpoint.safetensors: data, net, optimiser, schedule, batch, split and seed come from it (options given must agree)", 0, 0, "FILE"},
        {0}};
    const rn_cli_spec spec = {"train", "--data NAME [options] | --resume CHECKPOINT [--epochs N]",
                              "Trains a classifier (an MLP from --layers, or any --net spec) with cross-entropy, "
                              "reports per-epoch loss and accuracy, and writes the model, a checkpoint, history.csv "
                              "and pictures into the run folder (--out).",
                              options, 0, 0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    resume_plan plan = {0};
    if (o.resume && (exit_code = resume_recipe(&args, &o, &plan)) >= 0) return exit_code;
    if (!o.data && !plan.recipe)
        return rn_cli_fail(&args, "--data is required (mnist, fashion, iris, wine, breast-cancer, digits or FILE.csv)");
    fill_defaults(&o);
    if (o.patience > 0 && o.val_fraction <= 0) exit_code = rn_cli_fail(&args, "--patience needs a validation split (--val-fraction)");
    else if (o.net && (o.batchnorm || o.dropout > 0)) exit_code = rn_cli_fail(&args, "--batchnorm/--dropout go inside --net when a spec is given");
    else if (o.val_fraction + o.test_fraction >= 0.95) exit_code = rn_cli_fail(&args, "--val-fraction + --test-fraction leave too little training data");
    if (exit_code >= 0) {
        resume_plan_free(&plan);
        return exit_code;
    }
    /* A preset brings its recipe (model.h): its schedule unless --schedule,
     * its learning rate unless --lr or another optimiser is asked for.  (A
     * resumed run has both from its checkpoint.) */
    const rn_preset_recipe *recipe = rn_model_preset_recipe(o.net);
    /* Without a preset the rate anneals from --lr to 0 on a half cosine too:
     * chosen on a validation split (the MNIST MLP of chapter 3, 10 % of the
     * training set held out, seeds 1-3: 0.9775 with a constant rate, 0.9823
     * with the cosine); --schedule constant gives PyTorch's plain run. */
    if (!o.schedule) o.schedule = recipe ? recipe->schedule : "cosine";
    if (recipe && o.learning_rate < 0 && !strcmp(o.optimizer, recipe->optimizer))
        o.learning_rate = recipe->learning_rate;

    rn_train_data d;
    rn_status s = RN_OK;
    if (plan.recipe) exit_code = resume_data(&args, &o, &plan, &d);
    else if ((s = rn_train_data_load(&d, o.data, o.val_fraction, o.test_fraction, args.seed)) != RN_OK)
        exit_code = rn_cli_fail_status(&args, s);
    if (exit_code >= 0) {
        resume_plan_free(&plan);
        return exit_code;
    }
    char dir[4096];
    if ((s = rn_cli_out_dir(&args, dir, sizeof dir)) != RN_OK) exit_code = rn_cli_fail_status(&args, s);
    else exit_code = train_and_report(&args, &o, &d, dir);
    rn_train_data_free(&d);
    resume_plan_free(&plan);
    return exit_code;
}
