/* train.c — the training loop, evaluation, checkpoints and resume (train.h). */
#define _POSIX_C_SOURCE 200809L
#include "redes/train.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "redes/clock.h"
#include "redes/parallel.h"

rn_train_mode rn_train_mode_of(int batch_size, int n_train)
{
    if (batch_size <= 1) return RN_TRAIN_ONLINE;
    if (batch_size >= n_train) return RN_TRAIN_FULLBATCH;
    return RN_TRAIN_MINIBATCH;
}

const char *rn_train_mode_name(rn_train_mode mode)
{
    switch (mode) {
    case RN_TRAIN_ONLINE: return "online";
    case RN_TRAIN_MINIBATCH: return "mini-batch";
    case RN_TRAIN_FULLBATCH: return "full-batch";
    }
    return "?";
}

rn_train_config rn_train_defaults(void)
{
    rn_train_config c;
    memset(&c, 0, sizeof c);
    c.epochs = 10;
    c.batch_size = 64;
    c.optimizer = rn_optim_defaults(RN_OPTIM_ADAM);
    rn_schedule_parse("constant", c.epochs, &c.schedule);
    c.seed = 1;
    return c;
}

/* A second store with the same views (for the early-stopping snapshot). */
static rn_status clone_layout(rn_params *out, const rn_params *like)
{
    rn_params_init(out);
    for (int i = 0; i < like->n_views; i++)
        RN_CHECK(rn_params_add(out, like->views[i].name, like->views[i].ndim, like->views[i].shape, NULL));
    return rn_params_allocate(out);
}

/* Whether batches go in as images (B, C, H, W): only when the first layer
 * that is not an activation is spatial.  An MLP takes (B, features). */
static bool wants_images(const rn_model *model)
{
    for (int i = 0; i < model->n_layers; i++) {
        rn_layer_kind kind = model->layers[i].kind;
        if (kind == RN_LAYER_CONV || kind == RN_LAYER_MAXPOOL) return true;
        if (kind == RN_LAYER_LINEAR || kind == RN_LAYER_FLATTEN) return false;
    }
    return false;
}

static rn_var *input_node(const rn_model *model, rn_tape *tape, float *x, int count)
{
    if (wants_images(model))
        return rn_tape_input(tape, rn_tensor_view(x, 4, (int[]){count, model->input_shape[0], model->input_shape[1],
                                                                 model->input_shape[2]}));
    return rn_tape_input(tape, rn_tensor_view(x, 2, (int[]){count, model->n_inputs}));
}

static int argmax(const float *row, int n)
{
    int best = 0;
    for (int k = 1; k < n; k++)
        if (row[k] > row[best]) best = k;
    return best;
}

/* ---------------------------------------------------------------- data-parallel steps */

/* With T threads, a step on B examples runs as T shards of about B / T
 * examples, each through the whole network on its own thread, tape and
 * gradient buffer:
 *
 *   L = (1/B) sum_b l_b = sum_t (B_t / B) L_t,     L_t the mean loss of shard t,
 *   dL/dtheta = sum_t (B_t / B) dL_t/dtheta,
 *
 * so shard t's backward pass starts from B_t / B instead of 1, and the
 * shards' gradients are added in shard order (the same numbers for a given
 * thread count).  Why: a small network (LeNet-5) gives each kernel little
 * to split, and under OMP_WAIT_POLICY=passive every parallel
 * region wakes the other threads through the kernel; here a step is one
 * region.  Not with batch normalisation, whose statistics are those of the
 * whole batch.  Each shard's dropout draws from a stream seeded by the
 * trainer's dropout stream, so checkpoints still resume exactly. */
enum { SHARD_MIN_EXAMPLES = 8 };

typedef struct rn_shard rn_shard;
struct rn_shard {
    rn_model replica; /* shards 1..: the model with its gradients in `grads` */
    rn_tape *tape;
    float *grads;     /* shard 0: the model's own */
    rn_rng rng;
    double loss;      /* mean over the shard */
    long correct;
    rn_status status;
    char message[256];
};

/* Forward multiply-adds per example. */
static double multiply_adds(const rn_model *model)
{
    double total = 0;
    for (int i = 0; i < model->n_layers; i++) {
        const rn_layer *l = &model->layers[i];
        if (l->kind == RN_LAYER_LINEAR)
            total += (double)l->in_shape[0] * l->in_shape[1] * l->in_shape[2] * l->units;
        else if (l->kind == RN_LAYER_CONV)
            total += (double)l->out_shape[0] * l->out_shape[1] * l->out_shape[2] * l->in_shape[0] *
                     l->kernel * l->kernel;
    }
    return total;
}

/* How many shards a step of `batch` examples runs as: 1 (one tape, the
 * kernels split over threads) with one thread, with batch normalisation,
 * when the shards would be tiny, and unless the network is small with much
 * arithmetic per parameter:
 * - every step sums and updates each parameter's gradient on both cores
 *   (some 10 bytes per parameter crossing between them); below
 *   SHARD_MIN_REUSE multiply-adds per example per parameter that traffic
 *   costs more than the split saves;
 * - above SHARD_MAX_MULTIPLY_ADDS per example the kernels have enough work
 *   per call to split it themselves, and shards only add a tape's memory.
 * Measured, one MNIST epoch on 2 threads: LeNet-5 (0.4 M multiply-adds per
 * example, about 7 per parameter) 1.65 -> 1.28 s; the 784-256-128-10 MLP
 * (1 per parameter) 0.83 -> 0.77 s wall but twice the CPU time of one
 * thread (1.53 s against 0.65); mnist-cnn (12 M per example) 22.5 -> 22.3 s,
 * max RSS 121 -> 126 MB (100 batches scaled, two runs each). */
enum { SHARD_MIN_REUSE = 4 };
#define SHARD_MAX_MULTIPLY_ADDS 2e6

static int shard_count(const rn_model *model, int batch)
{
    for (int i = 0; i < model->n_layers; i++)
        if (model->layers[i].kind == RN_LAYER_BATCHNORM) return 1;
    double work = multiply_adds(model);
    if (work < SHARD_MIN_REUSE * (double)model->params.count || work > SHARD_MAX_MULTIPLY_ADDS) return 1;
    int shards = rn_threads(), most = batch / SHARD_MIN_EXAMPLES;
    if (shards > most) shards = most;
    return shards < 2 ? 1 : shards;
}

static void free_shards(rn_trainer *t)
{
    for (int k = 0; k < t->n_shards; k++) {
        rn_tape_destroy(t->shards[k].tape);
        if (k > 0) free(t->shards[k].grads);
    }
    free(t->shards);
    t->shards = NULL;
    t->n_shards = 0;
}

static rn_status create_shards(rn_trainer *t, int batch)
{
    int n = shard_count(t->model, batch);
    if (n < 2) return RN_OK;
    t->shards = calloc((size_t)n, sizeof *t->shards);
    if (!t->shards) return rn_error(RN_ERR_MEMORY, "train: cannot allocate %d data-parallel shards", n);
    t->n_shards = n;
    for (int k = 0; k < n; k++) {
        t->shards[k].tape = rn_tape_create(0);
        if (k > 0) t->shards[k].grads = malloc(t->model->params.count * sizeof(float));
        if (!t->shards[k].tape || (k > 0 && !t->shards[k].grads)) {
            free_shards(t);
            return rn_error(RN_ERR_MEMORY, "train: cannot allocate the data-parallel shards");
        }
    }
    return RN_OK;
}

/* Shards 1.. get a copy of the model whose parameter leaves share the
 * values and point their gradients into the shard's own buffer.  Redone
 * every epoch, so that the copies follow the model's buffers. */
static void bind_shards(rn_trainer *t)
{
    const rn_model *model = t->model;
    for (int k = 1; k < t->n_shards; k++) {
        rn_shard *s = &t->shards[k];
        s->replica = *model;
        s->replica.params.grads = s->grads;
        for (int i = 0; i < model->n_layers; i++) {
            const rn_layer *from = &model->layers[i];
            rn_layer *to = &s->replica.layers[i];
            if (from->weight_index >= 0)
                to->weight.grad.data = s->grads + (from->weight.grad.data - model->params.grads);
            if (from->bias_index >= 0)
                to->bias.grad.data = s->grads + (from->bias.grad.data - model->params.grads);
        }
    }
}

rn_status rn_trainer_create(rn_trainer *t, rn_model *model, const rn_dataset *data,
                            const rn_standardizer *standardizer, const int *train, int n_train, const int *val,
                            int n_val, const rn_train_config *config)
{
    memset(t, 0, sizeof *t);
    rn_params_init(&t->best);
    rn_params_init(&t->best_buffers);
    if (config->epochs < 1) return rn_error(RN_ERR_ARGUMENT, "train: %d epochs (at least 1)", config->epochs);
    if (config->batch_size < 1) return rn_error(RN_ERR_ARGUMENT, "train: batch size %d", config->batch_size);
    if (n_train < 1) return rn_error(RN_ERR_ARGUMENT, "train: no training examples");
    if (data->n_features != model->n_inputs || data->n_classes > model->n_classes)
        return rn_error(RN_ERR_SHAPE, "train: data has %d features and %d classes, the model takes %d and gives %d",
                        data->n_features, data->n_classes, model->n_inputs, model->n_classes);
    if (config->patience > 0 && n_val < 1)
        return rn_error(RN_ERR_ARGUMENT, "train: early stopping (--patience) needs a validation split");
    t->model = model;
    t->data = data;
    t->standardizer = standardizer;
    t->config = *config;
    t->n_train = n_train;
    t->val_indices = val;
    t->n_val = n_val;
    t->best_val_loss = INFINITY;
    int batch = config->batch_size < n_train ? config->batch_size : n_train;
    t->config.batch_size = batch;
    rn_status s = rn_optim_create(&t->optimizer, &config->optimizer, model->params.count);
    if (s != RN_OK) return s;
    s = rn_batcher_init(&t->batcher, data, train, n_train, batch, true, config->seed);
    if (s != RN_OK) {
        rn_trainer_free(t);
        return s;
    }
    t->batcher.standardizer = standardizer;
    /* Dropout draws from its own stream, so changing the dropout rate does
     * not change the order of the batches. */
    rn_rng_seed(&t->dropout_rng, config->seed ^ 0x5d0f0u);
    t->tape = rn_tape_create(0);
    t->batch_x = malloc((size_t)batch * (size_t)model->n_inputs * sizeof(float));
    t->batch_y = malloc((size_t)batch * sizeof(int));
    t->history = calloc((size_t)config->epochs, sizeof *t->history);
    if (!t->tape || !t->batch_x || !t->batch_y || !t->history) {
        rn_trainer_free(t);
        return rn_error(RN_ERR_MEMORY, "train: cannot allocate the batch buffers");
    }
    if ((s = create_shards(t, batch)) != RN_OK) {
        rn_trainer_free(t);
        return s;
    }
    if (config->patience > 0) {
        s = clone_layout(&t->best, &model->params);
        if (s == RN_OK) s = rn_params_copy_values(&t->best, &model->params);
        if (s == RN_OK) s = clone_layout(&t->best_buffers, &model->buffers);
        if (s == RN_OK) s = rn_params_copy_values(&t->best_buffers, &model->buffers);
        if (s != RN_OK) {
            rn_trainer_free(t);
            return s;
        }
    }
    return RN_OK;
}

void rn_trainer_free(rn_trainer *t)
{
    rn_optim_free(&t->optimizer);
    if (t->batcher.order) rn_batcher_free(&t->batcher);
    rn_tape_destroy(t->tape);
    free(t->batch_x);
    free(t->batch_y);
    free(t->history);
    rn_params_free(&t->best);
    rn_params_free(&t->best_buffers);
    free_shards(t);
    memset(t, 0, sizeof *t);
}

static long count_correct(const float *logits, const int *labels, int count, int n_classes)
{
    long correct = 0;
    for (int b = 0; b < count; b++)
        correct += argmax(logits + (size_t)b * n_classes, n_classes) == labels[b];
    return correct;
}

/* The gradient of the mean loss over examples [first, first + size) of the
 * batch of `count` in t->batch_x / batch_y, scaled by size / count (1 for
 * the whole batch; a shard's share otherwise), into `model`'s gradients,
 * recorded on `tape` with dropout drawn from `rng`.  *loss is the mean loss
 * over those examples; when it is not finite nothing is propagated and
 * train_step reports the divergence. */
static rn_status batch_gradient(rn_trainer *t, rn_tape *tape, rn_model *model, rn_rng *rng, int first, int size,
                                int count, double *loss_value, long *correct)
{
    rn_tape_reset(tape);
    rn_tape_set_training(tape, true);
    rn_tape_set_grad_enabled(tape, true);
    rn_var *x = input_node(model, tape, t->batch_x + (size_t)first * model->n_inputs, size);
    rn_var *logits = rn_model_forward(model, tape, x, rng);
    rn_var *loss = rn_cross_entropy_loss(tape, logits, t->batch_y + first);
    if (!loss) return rn_error(rn_tape_status(tape), "%s", rn_tape_error(tape));
    *loss_value = loss->value.data[0];
    *correct = count_correct(logits->value.data, t->batch_y + first, size, model->n_classes);
    if (!isfinite(*loss_value)) return RN_OK;
    float weight = (float)size / (float)count;
    rn_model_begin_gradients(model);
    rn_status status = rn_backward_seed(tape, loss, &weight);
    rn_model_end_gradients(model);
    return status;
}

/* The batch's gradient by shards (see above). */
static rn_status sharded_gradient(rn_trainer *t, int count, double *loss_value, long *correct)
{
    rn_model *model = t->model;
    const int n = t->n_shards;
    for (int k = 0; k < n; k++)
        rn_rng_seed(&t->shards[k].rng, rn_rng_next(&t->dropout_rng));
    size_t n_params = model->params.count;
    bool failed = false;
#pragma omp parallel num_threads(n)
    {
        /* a loop, in case the runtime gives fewer threads than asked */
        for (int k = rn_thread_index(); k < n; k += rn_team_size()) {
            rn_shard *s = &t->shards[k];
            int first = (int)((long)count * k / n), last = (int)((long)count * (k + 1) / n);
            s->status = batch_gradient(t, s->tape, k == 0 ? model : &s->replica, &s->rng, first, last - first,
                                       count, &s->loss, &s->correct);
            if (s->status != RN_OK) snprintf(s->message, sizeof s->message, "%s", rn_error_message());
        }
#pragma omp barrier
#pragma omp single
        for (int k = 0; k < n; k++)
            failed = failed || t->shards[k].status != RN_OK;
        /* implicit barrier: every thread sees `failed` */
        if (!failed) {
#pragma omp for schedule(static)
            for (size_t i = 0; i < n_params; i++) {
                float sum = model->params.grads[i];
                for (int k = 1; k < n; k++)
                    sum += t->shards[k].grads[i];
                model->params.grads[i] = sum;
            }
        }
    }
    *loss_value = 0.0;
    *correct = 0;
    for (int k = 0; k < n; k++) {
        const rn_shard *s = &t->shards[k];
        if (s->status != RN_OK) return rn_error(s->status, "%s", s->message);
        int size = (int)((long)count * (k + 1) / n) - (int)((long)count * k / n);
        *loss_value += s->loss * size / count;
        *correct += s->correct;
    }
    return RN_OK;
}

/* One optimisation step on the batch in t->batch_x / batch_y. */
static rn_status train_step(rn_trainer *t, int count, double learning_rate, double *loss_sum, long *correct)
{
    rn_model *model = t->model;
    double value = 0.0;
    long right = 0;
    if (t->n_shards > 1 && count >= 2 * SHARD_MIN_EXAMPLES)
        RN_CHECK(sharded_gradient(t, count, &value, &right));
    else
        RN_CHECK(batch_gradient(t, t->tape, model, &t->dropout_rng, 0, count, count, &value, &right));
    if (!isfinite(value))
        return rn_error(RN_ERR_NUMERIC, "the loss became %g (diverged; try a smaller --lr)", value);
    *loss_sum += value * count;
    *correct += right;
    if (t->config.l2 > 0) rn_params_l2(&model->params, t->config.l2);
    if (t->config.l1 > 0) rn_params_l1(&model->params, t->config.l1);
    if (t->config.clip_norm > 0) {
        double norm = rn_params_clip_grad_norm(&model->params, t->config.clip_norm);
        if (!isfinite(norm)) return rn_error(RN_ERR_NUMERIC, "gradient norm is %g", norm);
    }
    rn_optim_step(&t->optimizer, model->params.values, model->params.grads, learning_rate);
    return RN_OK;
}

static rn_status run_epoch(rn_trainer *t, rn_epoch_record *record)
{
    const int epoch = t->epochs_done; /* 0-based for the schedule */
    const double learning_rate = rn_schedule_rate(&t->config.schedule, t->config.optimizer.learning_rate, epoch);
    const long steps = rn_batcher_batches_per_epoch(&t->batcher);
    double loss_sum = 0, start = rn_seconds();
    long correct = 0, seen = 0, step = 0;
    int count;
    bind_shards(t);
    while ((count = rn_batcher_next(&t->batcher, t->batch_x, t->batch_y)) > 0) {
        rn_status s = train_step(t, count, learning_rate, &loss_sum, &correct);
        if (s != RN_OK) return rn_error_context(s, "epoch %d, step %ld", epoch + 1, step + 1);
        seen += count;
        step++;
        if (t->config.on_step) t->config.on_step(t->config.user, epoch + 1, step, steps, loss_sum / (double)seen);
    }
    rn_tape_trim(t->tape); /* the evaluation below need not sit on the step's memory */
    for (int k = 0; k < t->n_shards; k++)
        rn_tape_trim(t->shards[k].tape);
    record->epoch = epoch + 1;
    record->seconds = rn_seconds() - start;
    record->learning_rate = learning_rate;
    record->train_loss = loss_sum / (double)seen;
    record->train_accuracy = (double)correct / (double)seen;
    record->val_loss = record->val_accuracy = NAN;
    if (t->n_val > 0) {
        rn_evaluation val;
        RN_CHECK(rn_evaluate(t->model, t->data, t->standardizer, t->val_indices, t->n_val, false, &val));
        record->val_loss = val.loss;
        record->val_accuracy = val.accuracy;
    }
    return RN_OK;
}

rn_status rn_trainer_run(rn_trainer *t)
{
    while (t->epochs_done < t->config.epochs && !t->stopped_early) {
        rn_epoch_record *record = &t->history[t->epochs_done];
        RN_CHECK(run_epoch(t, record));
        t->epochs_done++;
        if (t->config.patience > 0) {
            /* Early stopping (Prechelt 1998): keep the weights of the epoch with
             * the lowest validation loss; stop after `patience` epochs without
             * improvement. */
            if (record->val_loss < t->best_val_loss) {
                t->best_val_loss = record->val_loss;
                t->best_epoch = record->epoch;
                RN_CHECK(rn_params_copy_values(&t->best, &t->model->params));
                RN_CHECK(rn_params_copy_values(&t->best_buffers, &t->model->buffers));
            } else if (record->epoch - t->best_epoch >= t->config.patience) {
                t->stopped_early = true;
            }
        }
        if (t->config.on_epoch) t->config.on_epoch(t->config.user, record);
        if (t->config.checkpoint_path) RN_CHECK(rn_trainer_save_checkpoint(t, t->config.checkpoint_path));
        if (t->config.stop_after_epoch > 0 && t->epochs_done == t->config.stop_after_epoch) return RN_OK;
    }
    if (t->config.patience > 0 && t->best_epoch > 0) {
        RN_CHECK(rn_params_copy_values(&t->model->params, &t->best));
        RN_CHECK(rn_params_copy_values(&t->model->buffers, &t->best_buffers));
    }
    return RN_OK;
}

size_t rn_trainer_arena_blocks(const rn_trainer *t)
{
    size_t blocks = rn_arena_block_allocations(rn_tape_arena(t->tape));
    for (int k = 0; k < t->n_shards; k++)
        blocks += rn_arena_block_allocations(rn_tape_arena(t->shards[k].tape));
    return blocks;
}

/* ---------------------------------------------------------------- evaluation */

void rn_evaluation_free(rn_evaluation *e)
{
    free(e->confusion);
    free(e->predictions);
    memset(e, 0, sizeof *e);
}

rn_status rn_evaluate(rn_model *model, const rn_dataset *data, const rn_standardizer *standardizer,
                      const int *indices, int n, bool want_details, rn_evaluation *out)
{
    /* Examples per forward pass: the tape keeps every layer's output, so
     * memory grows with the chunk (mnist-cnn: about 0.3 MB an example, 150 MB
     * for 500) while larger chunks hardly run faster. */
    enum { CHUNK = 64 };
    memset(out, 0, sizeof *out);
    if (n < 1) return rn_error(RN_ERR_ARGUMENT, "evaluate: no examples");
    if (data->n_features != model->n_inputs)
        return rn_error(RN_ERR_SHAPE, "evaluate: data has %d features, the model takes %d", data->n_features,
                        model->n_inputs);
    const int classes = model->n_classes;
    float *x = malloc((size_t)CHUNK * (size_t)model->n_inputs * sizeof *x);
    int *y = malloc(CHUNK * sizeof *y);
    rn_tape *tape = rn_tape_create(0);
    if (want_details) {
        out->confusion = calloc((size_t)classes * (size_t)classes, sizeof *out->confusion);
        out->predictions = malloc((size_t)n * sizeof *out->predictions);
    }
    rn_status status = RN_OK;
    if (!x || !y || !tape || (want_details && (!out->confusion || !out->predictions)))
        status = rn_error(RN_ERR_MEMORY, "evaluate: out of memory");
    double loss_sum = 0;
    long correct = 0;
    for (int start = 0; start < n && status == RN_OK; start += CHUNK) {
        int count = n - start < CHUNK ? n - start : CHUNK;
        rn_gather(data, standardizer, indices + start, count, x, y);
        rn_tape_reset(tape);
        rn_tape_set_training(tape, false);
        rn_tape_set_grad_enabled(tape, false);
        rn_var *logits = rn_model_forward(model, tape, input_node(model, tape, x, count), NULL);
        rn_var *loss = rn_cross_entropy_loss(tape, logits, y);
        if (!loss) {
            status = rn_error(rn_tape_status(tape), "evaluate: %s", rn_tape_error(tape));
            break;
        }
        loss_sum += (double)loss->value.data[0] * count;
        for (int b = 0; b < count; b++) {
            int predicted = argmax(logits->value.data + (size_t)b * classes, classes);
            correct += predicted == y[b];
            if (want_details) {
                out->predictions[start + b] = predicted;
                out->confusion[(size_t)y[b] * classes + predicted]++;
            }
        }
    }
    free(x);
    free(y);
    rn_tape_destroy(tape);
    if (status != RN_OK) {
        rn_evaluation_free(out);
        return status;
    }
    out->n = n;
    out->loss = loss_sum / n;
    out->accuracy = (double)correct / n;
    return RN_OK;
}

rn_status rn_model_predict(rn_model *model, const float *x, int n, float *probabilities)
{
    rn_tape *tape = rn_tape_create(0);
    if (!tape) return rn_error_context(RN_ERR_MEMORY, "predict");
    rn_tape_set_training(tape, false);
    rn_tape_set_grad_enabled(tape, false);
    rn_var *input = input_node(model, tape, (float *)x, n);
    rn_var *p = rn_softmax(tape, rn_model_forward(model, tape, input, NULL));
    rn_status status = RN_OK;
    if (!p) status = rn_error(rn_tape_status(tape), "predict: %s", rn_tape_error(tape));
    else memcpy(probabilities, p->value.data, (size_t)n * (size_t)model->n_classes * sizeof(float));
    rn_tape_destroy(tape);
    return status;
}

/* ---------------------------------------------------------------- CSV */

rn_status rn_history_write_csv(const rn_epoch_record *records, int n, const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f) return rn_error(RN_ERR_IO, "%s: cannot create: %s", tmp, strerror(errno));
    fprintf(f, "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,lr\n");
    for (int i = 0; i < n; i++) {
        const rn_epoch_record *r = &records[i];
        fprintf(f, "%d,%.9g,%.9g,", r->epoch, r->train_loss, r->train_accuracy);
        if (isnan(r->val_loss)) fprintf(f, ",,");
        else fprintf(f, "%.9g,%.9g,", r->val_loss, r->val_accuracy);
        fprintf(f, "%.6f,%.9g\n", r->seconds, r->learning_rate);
    }
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return rn_error(RN_ERR_IO, "%s: cannot write: %s", path, strerror(errno));
    }
    return RN_OK;
}

/* ---------------------------------------------------------------- checkpoints
 * Tensors: the model's, "optimizer.SLOT.NAME" for every optimiser slot,
 * "best.NAME" (early stopping), "trainer.order" (the batcher's permutation,
 * exact as float below 2^24).  Metadata "trainer.state": JSON with the step
 * count, RNG states (hex), batcher position, history and early-stopping state. */

static json_t *rng_json(const rn_rng *rng)
{
    char words[4][17];
    for (int i = 0; i < 4; i++) snprintf(words[i], sizeof words[i], "%016" PRIx64, rng->state[i]);
    return json_pack("{s:[s,s,s,s], s:b, s:f}", "state", words[0], words[1], words[2], words[3], "has_spare",
                     rng->has_spare_normal, "spare", rng->spare_normal);
}

static rn_status rng_from_json(const json_t *json, rn_rng *rng)
{
    json_t *state = json_object_get(json, "state");
    if (json_array_size(state) != 4) return rn_error(RN_ERR_FORMAT, "checkpoint: bad RNG state");
    for (int i = 0; i < 4; i++) {
        const char *word = json_string_value(json_array_get(state, (size_t)i));
        if (!word || sscanf(word, "%" SCNx64, &rng->state[i]) != 1)
            return rn_error(RN_ERR_FORMAT, "checkpoint: bad RNG word");
    }
    rng->has_spare_normal = json_is_true(json_object_get(json, "has_spare"));
    rng->spare_normal = json_real_value(json_object_get(json, "spare"));
    return RN_OK;
}

static json_t *number_or_null(double x) { return isnan(x) ? json_null() : json_real(x); }
static double number_of(const json_t *j) { return json_is_number(j) ? json_number_value(j) : NAN; }

static json_t *state_json(const rn_trainer *t)
{
    json_t *history = json_array();
    for (int i = 0; i < t->epochs_done; i++) {
        const rn_epoch_record *r = &t->history[i];
        json_array_append_new(history, json_pack("{s:i, s:o, s:o, s:o, s:o, s:f, s:f}", "epoch", r->epoch,
                                                 "train_loss", number_or_null(r->train_loss), "train_accuracy",
                                                 number_or_null(r->train_accuracy), "val_loss",
                                                 number_or_null(r->val_loss), "val_accuracy",
                                                 number_or_null(r->val_accuracy), "seconds", r->seconds, "lr",
                                                 r->learning_rate));
    }
    return json_pack("{s:i, s:I, s:o, s:o, s:i, s:i, s:i, s:o, s:o, s:i, s:b, s:s, s:i, s:i, s:i}", "epochs_done",
                     t->epochs_done, "optimizer_step", (json_int_t)t->optimizer.step, "batcher_rng",
                     rng_json(&t->batcher.rng), "dropout_rng", rng_json(&t->dropout_rng), "batcher_position",
                     t->batcher.position, "batcher_epoch", t->batcher.epoch, "best_epoch", t->best_epoch,
                     "best_val_loss", number_or_null(isinf(t->best_val_loss) ? NAN : t->best_val_loss), "history",
                     history, "epochs", t->config.epochs, "stopped_early", t->stopped_early, "optimizer",
                     rn_optim_name(t->config.optimizer.kind), "batch_size", t->config.batch_size, "n_train",
                     t->n_train, "n_val", t->n_val);
}

rn_status rn_trainer_save_checkpoint(const rn_trainer *t, const char *path)
{
    rn_safetensors *file = rn_safetensors_create();
    if (!file) return RN_ERR_MEMORY;
    float *order = malloc((size_t)t->n_train * sizeof *order);
    char *state_text = NULL;
    rn_status s = order ? RN_OK : rn_error(RN_ERR_MEMORY, "checkpoint: out of memory");
    if (s == RN_OK) s = rn_model_add_to_file(t->model, file);
    char prefix[96];
    for (int k = 0; s == RN_OK && k < t->optimizer.n_slots; k++) {
        snprintf(prefix, sizeof prefix, "optimizer.%s.", t->optimizer.slot_name[k]);
        s = rn_safetensors_add_buffer(file, &t->model->params, t->optimizer.slot[k], prefix);
    }
    if (s == RN_OK && t->best.allocated) s = rn_safetensors_add_params(file, &t->best, "best.");
    if (s == RN_OK && t->best_buffers.allocated && t->best_buffers.count > 0)
        s = rn_safetensors_add_params(file, &t->best_buffers, "best.");
    if (s == RN_OK) {
        for (int i = 0; i < t->n_train; i++) order[i] = (float)t->batcher.order[i];
        s = rn_safetensors_add(file, "trainer.order", 1, &t->n_train, order);
    }
    if (s == RN_OK) {
        json_t *state = state_json(t);
        state_text = state ? json_dumps(state, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
        json_decref(state);
        s = state_text ? rn_safetensors_set_metadata(file, "trainer.state", state_text)
                       : rn_error(RN_ERR_MEMORY, "checkpoint: cannot serialise the state");
    }
    if (s == RN_OK) s = rn_safetensors_set_metadata(file, "optimizer", rn_optim_name(t->config.optimizer.kind));
    if (s == RN_OK && t->config.add_to_checkpoint) s = t->config.add_to_checkpoint(t->config.user, file);
    if (s == RN_OK) s = rn_safetensors_write(file, path);
    free(state_text);
    free(order);
    rn_safetensors_free(file);
    return s;
}

static rn_status check_same(const json_t *state, const char *key, long expected, const char *what)
{
    long found = (long)json_integer_value(json_object_get(state, key));
    if (found != expected)
        return rn_error(RN_ERR_ARGUMENT, "resume: the checkpoint was trained with %s %ld, this run has %ld", what,
                        found, expected);
    return RN_OK;
}

static rn_status restore_state(rn_trainer *t, const rn_safetensors *file, const json_t *state)
{
    const char *optimizer = json_string_value(json_object_get(state, "optimizer"));
    if (!optimizer || strcmp(optimizer, rn_optim_name(t->config.optimizer.kind)) != 0)
        return rn_error(RN_ERR_ARGUMENT, "resume: the checkpoint used optimizer %s, this run %s",
                        optimizer ? optimizer : "?", rn_optim_name(t->config.optimizer.kind));
    RN_CHECK(check_same(state, "batch_size", t->config.batch_size, "batch size"));
    RN_CHECK(check_same(state, "n_train", t->n_train, "training examples"));
    RN_CHECK(check_same(state, "n_val", t->n_val, "validation examples"));
    int done = (int)json_integer_value(json_object_get(state, "epochs_done"));
    if (done < 1 || done > t->config.epochs)
        return rn_error(RN_ERR_ARGUMENT, "resume: the checkpoint is after epoch %d, this run has %d epochs", done,
                        t->config.epochs);
    RN_CHECK(rn_safetensors_load_buffer(file, &t->model->params, t->model->params.values, NULL));
    RN_CHECK(rn_safetensors_load_buffer(file, &t->model->buffers, t->model->buffers.values, NULL));
    char prefix[96];
    for (int k = 0; k < t->optimizer.n_slots; k++) {
        snprintf(prefix, sizeof prefix, "optimizer.%s.", t->optimizer.slot_name[k]);
        RN_CHECK(rn_safetensors_load_buffer(file, &t->model->params, t->optimizer.slot[k], prefix));
    }
    t->optimizer.step = (long)json_integer_value(json_object_get(state, "optimizer_step"));
    if (t->best.allocated) RN_CHECK(rn_safetensors_load_buffer(file, &t->best, t->best.values, "best."));
    if (t->best_buffers.allocated && t->best_buffers.count > 0)
        RN_CHECK(rn_safetensors_load_buffer(file, &t->best_buffers, t->best_buffers.values, "best."));
    const rn_st_tensor *order = rn_safetensors_find(file, "trainer.order");
    if (!order || order->ndim != 1 || (int)order->numel != t->n_train)
        return rn_error(RN_ERR_FORMAT, "resume: no trainer.order of %d examples", t->n_train);
    for (int i = 0; i < t->n_train; i++) t->batcher.order[i] = (int)order->data[i];
    RN_CHECK(rng_from_json(json_object_get(state, "batcher_rng"), &t->batcher.rng));
    RN_CHECK(rng_from_json(json_object_get(state, "dropout_rng"), &t->dropout_rng));
    t->batcher.position = (int)json_integer_value(json_object_get(state, "batcher_position"));
    t->batcher.epoch = (int)json_integer_value(json_object_get(state, "batcher_epoch"));
    t->best_epoch = (int)json_integer_value(json_object_get(state, "best_epoch"));
    double best = number_of(json_object_get(state, "best_val_loss"));
    t->best_val_loss = isnan(best) ? INFINITY : best;
    t->stopped_early = json_is_true(json_object_get(state, "stopped_early"));
    const json_t *history = json_object_get(state, "history");
    if ((int)json_array_size(history) != done) return rn_error(RN_ERR_FORMAT, "resume: history has the wrong length");
    for (int i = 0; i < done; i++) {
        const json_t *r = json_array_get(history, (size_t)i);
        rn_epoch_record *record = &t->history[i];
        record->epoch = (int)json_integer_value(json_object_get(r, "epoch"));
        record->train_loss = number_of(json_object_get(r, "train_loss"));
        record->train_accuracy = number_of(json_object_get(r, "train_accuracy"));
        record->val_loss = number_of(json_object_get(r, "val_loss"));
        record->val_accuracy = number_of(json_object_get(r, "val_accuracy"));
        record->seconds = number_of(json_object_get(r, "seconds"));
        record->learning_rate = number_of(json_object_get(r, "lr"));
    }
    t->epochs_done = done;
    return RN_OK;
}

rn_status rn_trainer_resume(rn_trainer *t, const char *path)
{
    rn_safetensors *file;
    RN_CHECK(rn_safetensors_read(path, &file));
    rn_status s = RN_OK;
    const char *spec = rn_safetensors_metadata(file, "model.spec");
    const char *text = rn_safetensors_metadata(file, "trainer.state");
    json_t *state = text ? json_loads(text, 0, NULL) : NULL;
    if (!spec || strcmp(spec, t->model->spec) != 0)
        s = rn_error(RN_ERR_ARGUMENT, "resume: the checkpoint's model is '%s', this run's '%s'", spec ? spec : "?",
                     t->model->spec);
    else if (!state)
        s = rn_error(RN_ERR_FORMAT, "no trainer.state in __metadata__ (a model file, not a checkpoint?)");
    else
        s = restore_state(t, file, state);
    json_decref(state);
    rn_safetensors_free(file);
    if (s != RN_OK) return rn_error_context(s, "%s", path);
    return RN_OK;
}
