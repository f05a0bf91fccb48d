/* test_train.c — net specs, the training loop on iris (online, mini-batch,
 * full-batch), exact resume from a checkpoint, early stopping, no heap
 * allocation per step, and evaluation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "redes/redes.h"

static void specs_name_and_shape_layers_like_pytorch(void **state)
{
    (void)state;
    rn_model m;
    char spec[256];
    assert_int_equal(rn_model_mlp_spec("256,128", "relu", true, 0.2, 10, spec, sizeof spec), RN_OK);
    assert_string_equal(spec, "fc 256, bn, relu, dropout 0.2, fc 128, bn, relu, dropout 0.2, fc 10");
    assert_int_equal(rn_model_create(&m, spec, (int[]){1, 28, 28}, 10), RN_OK);
    assert_string_equal(m.spec, spec);
    assert_int_equal(m.params.n_views, 10);
    assert_string_equal(m.params.views[0].name, "fc1.weight");
    assert_int_equal(m.params.views[0].shape[0], 256);
    assert_int_equal(m.params.views[0].shape[1], 784);
    assert_string_equal(m.params.views[2].name, "bn1.weight");
    assert_string_equal(m.params.views[9].name, "fc3.bias");
    assert_int_equal(m.params.count, 784 * 256 + 256 + 2 * 256 + 256 * 128 + 128 + 2 * 128 + 128 * 10 + 10);
    assert_string_equal(m.buffers.views[0].name, "bn1.running_mean");
    assert_string_equal(m.buffers.views[2].name, "bn1.num_batches_tracked");
    rn_model_free(&m);

    /* A spec without the classifier gets one; a conv net names conv1, conv2. */
    assert_int_equal(rn_model_create(&m, "fc 8, tanh", (int[]){4, 1, 1}, 3), RN_OK);
    assert_string_equal(m.spec, "fc 8, tanh, fc 3");
    rn_model_free(&m);
    assert_int_equal(rn_model_create(&m, "lenet5", (int[]){1, 28, 28}, 10), RN_OK);
    assert_string_equal(m.params.views[0].name, "conv1.weight");
    assert_int_equal(m.params.views[2].shape[1], 6); /* conv2.weight (16, 6, 5, 5) */
    assert_int_equal(m.params.views[4].shape[1], 16 * 5 * 5); /* fc1 takes 400 */
    rn_model_free(&m);

    assert_int_equal(rn_model_create(&m, "fc 8, swish", (int[]){4, 1, 1}, 3), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "unknown layer 'swish'"));
    assert_int_equal(rn_model_create(&m, "fc 8, fc 4", (int[]){4, 1, 1}, 3), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "must end with 'fc 3'"));
    assert_int_equal(rn_model_create(&m, "fc x", (int[]){4, 1, 1}, 3), RN_ERR_ARGUMENT);
    assert_int_equal(rn_model_create(&m, "conv 4 3", (int[]){4, 1, 1}, 3), RN_ERR_ARGUMENT);
    assert_int_equal(rn_model_mlp_spec("64,,3", "relu", false, 0, 3, spec, sizeof spec), RN_ERR_ARGUMENT);
}

/* The presets' recipes (docs/chapter7-cnn.md, section 4): LeNet-5 with Adam
 * 3e-3 (1e-3 leaves it at 0.899 on Fashion-MNIST), mnist-cnn with Adam 1e-3,
 * both on a cosine schedule; anything else has no recipe. */
static void presets_carry_their_recipe(void **state)
{
    (void)state;
    const rn_preset_recipe *lenet5 = rn_model_preset_recipe("lenet5");
    assert_non_null(lenet5);
    assert_string_equal(lenet5->schedule, "cosine");
    assert_string_equal(lenet5->optimizer, "adam");
    assert_true(lenet5->learning_rate == 3e-3);
    const rn_preset_recipe *cnn = rn_model_preset_recipe("mnist-cnn");
    assert_non_null(cnn);
    assert_string_equal(cnn->optimizer, "adam");
    assert_true(cnn->learning_rate == 1e-3);
    assert_string_equal(rn_model_preset_schedule("mnist-cnn"), "cosine");
    assert_null(rn_model_preset_recipe("fc 10"));
    assert_null(rn_model_preset_recipe(NULL));
    assert_null(rn_model_preset_schedule("lenet"));
}

typedef struct iris_fixture {
    rn_dataset data;
    rn_split split;
    rn_standardizer standardizer;
} iris_fixture;

static int load_iris(void **state)
{
    iris_fixture *f = calloc(1, sizeof *f);
    if (rn_dataset_load("iris", &f->data) != RN_OK) {
        fprintf(stderr, "%s\n", rn_error_message());
        return -1;
    }
    rn_rng rng;
    rn_rng_seed(&rng, 5);
    if (rn_split_stratified(&f->data, 0.6, 0.2, &rng, &f->split) != RN_OK) return -1;
    if (rn_standardizer_fit(&f->standardizer, &f->data, f->split.train, f->split.n_train, true) != RN_OK) return -1;
    *state = f;
    return 0;
}

static int free_iris(void **state)
{
    iris_fixture *f = *state;
    rn_standardizer_free(&f->standardizer);
    rn_split_free(&f->split);
    rn_dataset_free(&f->data);
    free(f);
    return 0;
}

static void make_model(rn_model *m, const char *spec, uint64_t seed)
{
    rn_rng rng;
    rn_rng_seed(&rng, seed);
    assert_int_equal(rn_model_create(m, spec, (int[]){4, 1, 1}, 3), RN_OK);
    assert_int_equal(rn_model_init(m, RN_INIT_DEFAULT, &rng), RN_OK);
}

static void run(iris_fixture *f, rn_model *m, const rn_train_config *config, rn_trainer *t)
{
    assert_int_equal(rn_trainer_create(t, m, &f->data, &f->standardizer, f->split.train, f->split.n_train,
                                       f->split.val, f->split.n_val, config),
                     RN_OK);
    rn_status s = rn_trainer_run(t);
    if (s != RN_OK) fail_msg("%s", rn_error_message());
}

static void all_three_modes_learn_iris(void **state)
{
    iris_fixture *f = *state;
    const int batch_sizes[3] = {1, 16, 1000};
    const rn_train_mode modes[3] = {RN_TRAIN_ONLINE, RN_TRAIN_MINIBATCH, RN_TRAIN_FULLBATCH};
    for (int k = 0; k < 3; k++) {
        rn_model m;
        make_model(&m, "fc 16, relu", 3);
        rn_train_config c = rn_train_defaults();
        c.batch_size = batch_sizes[k];
        c.epochs = k == 2 ? 300 : 30;
        assert_int_equal(rn_optim_parse("sgd", &c.optimizer), RN_OK);
        c.optimizer.learning_rate = k == 0 ? 0.01 : 0.1;
        c.optimizer.momentum = 0.9;
        assert_int_equal(rn_train_mode_of(c.batch_size, f->split.n_train), modes[k]);
        rn_trainer t;
        run(f, &m, &c, &t);
        rn_evaluation test;
        assert_int_equal(rn_evaluate(&m, &f->data, &f->standardizer, f->split.test, f->split.n_test, true, &test), RN_OK);
        if (test.accuracy < 0.9 || t.history[c.epochs - 1].train_loss > 0.3)
            fail_msg("%s: test accuracy %.3f, final train loss %.3f", rn_train_mode_name(modes[k]), test.accuracy,
                     t.history[c.epochs - 1].train_loss);
        /* The confusion matrix adds up to the test set, its diagonal to the hits. */
        int64_t total = 0, hits = 0;
        for (int i = 0; i < 9; i++) total += test.confusion[i];
        for (int i = 0; i < 3; i++) hits += test.confusion[i * 4];
        assert_int_equal(total, f->split.n_test);
        assert_float_equal((double)hits / total, test.accuracy, 1e-12);
        rn_evaluation_free(&test);
        rn_trainer_free(&t);
        rn_model_free(&m);
    }
}

/* add_to_checkpoint: the caller's own metadata (redes train: data and options). */
static int caller_calls;
static rn_status add_caller_entry(void *user, rn_safetensors *file)
{
    int *calls = user;
    char text[32];
    snprintf(text, sizeof text, "epoch %d", ++*calls);
    return rn_safetensors_set_metadata(file, "caller.note", text);
}

static void resume_continues_bit_for_bit(void **state)
{
    iris_fixture *f = *state;
    /* Adam (state), dropout (RNG), batch norm (buffers), shuffling (order). */
    const char *spec = "fc 12, bn, relu, dropout 0.3, fc 3";
    rn_train_config c = rn_train_defaults();
    c.epochs = 4;
    c.batch_size = 8;
    c.seed = 11;
    c.optimizer.learning_rate = 0.01;
    c.patience = 10;
    c.schedule.kind = RN_SCHEDULE_COSINE;
    c.schedule.t_max = 4;
    rn_model whole, part, resumed;
    rn_trainer t_whole, t_part, t_resumed;
    make_model(&whole, spec, 9);
    run(f, &whole, &c, &t_whole);

    char path[] = "/tmp/redes-ckpt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rn_train_config first = c;
    first.checkpoint_path = path;
    first.stop_after_epoch = 2;
    first.add_to_checkpoint = add_caller_entry;
    first.user = &caller_calls;
    make_model(&part, spec, 9);
    run(f, &part, &first, &t_part);
    assert_int_equal(t_part.epochs_done, 2);
    /* The caller's entry is in the checkpoint, written once per epoch. */
    assert_int_equal(caller_calls, 2);
    rn_safetensors *file;
    assert_int_equal(rn_safetensors_read(path, &file), RN_OK);
    const char *entry = rn_safetensors_metadata(file, "caller.note");
    assert_non_null(entry);
    assert_string_equal(entry, "epoch 2");
    rn_safetensors_free(file);

    make_model(&resumed, spec, 1234); /* different init: all must come from the file */
    assert_int_equal(rn_trainer_create(&t_resumed, &resumed, &f->data, &f->standardizer, f->split.train,
                                       f->split.n_train, f->split.val, f->split.n_val, &c),
                     RN_OK);
    if (rn_trainer_resume(&t_resumed, path) != RN_OK) fail_msg("%s", rn_error_message());
    assert_int_equal(rn_trainer_run(&t_resumed), RN_OK);
    for (int e = 0; e < 4; e++) {
        assert_true(t_resumed.history[e].train_loss == t_whole.history[e].train_loss);
        assert_true(t_resumed.history[e].val_loss == t_whole.history[e].val_loss);
        assert_true(t_resumed.history[e].learning_rate == t_whole.history[e].learning_rate);
    }
    assert_memory_equal(resumed.params.values, whole.params.values, whole.params.count * sizeof(float));
    assert_memory_equal(resumed.buffers.values, whole.buffers.values, whole.buffers.count * sizeof(float));

    /* A checkpoint from another model is refused with both specs named. */
    rn_model other;
    rn_trainer t_other;
    make_model(&other, "fc 5, relu, fc 3", 1);
    assert_int_equal(rn_trainer_create(&t_other, &other, &f->data, &f->standardizer, f->split.train,
                                       f->split.n_train, f->split.val, f->split.n_val, &c),
                     RN_OK);
    assert_int_equal(rn_trainer_resume(&t_other, path), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "the checkpoint's model is 'fc 12, bn, relu, dropout 0.3, fc 3'"));
    rn_trainer_free(&t_other);
    rn_model_free(&other);
    unlink(path);
    rn_trainer_free(&t_whole);
    rn_trainer_free(&t_part);
    rn_trainer_free(&t_resumed);
    rn_model_free(&whole);
    rn_model_free(&part);
    rn_model_free(&resumed);
}

static size_t blocks_after_epoch[8];
static rn_trainer *watched;
static void record_blocks(void *user, const rn_epoch_record *record)
{
    (void)user;
    if (record->epoch < 8) blocks_after_epoch[record->epoch] = rn_trainer_arena_blocks(watched);
}

static void early_stopping_and_no_allocation_per_step(void **state)
{
    iris_fixture *f = *state;
    rn_model m;
    make_model(&m, "fc 32, relu, fc 3", 2);
    rn_train_config c = rn_train_defaults();
    c.epochs = 200;
    c.batch_size = 4;
    c.optimizer.learning_rate = 0.05; /* large: overfits, validation loss rises */
    c.patience = 5;
    c.on_epoch = record_blocks;
    rn_trainer t;
    assert_int_equal(rn_trainer_create(&t, &m, &f->data, &f->standardizer, f->split.train, f->split.n_train,
                                       f->split.val, f->split.n_val, &c),
                     RN_OK);
    watched = &t;
    assert_int_equal(rn_trainer_run(&t), RN_OK);
    assert_true(t.stopped_early);
    assert_int_equal(t.epochs_done, t.best_epoch + 5);
    /* The restored weights are the best epoch's: re-evaluating gives its loss. */
    rn_evaluation val;
    assert_int_equal(rn_evaluate(&m, &f->data, &f->standardizer, f->split.val, f->split.n_val, false, &val), RN_OK);
    assert_float_equal(val.loss, t.best_val_loss, 1e-6);
    /* After the first epoch the tape's arena never grows again. */
    assert_true(t.epochs_done >= 7);
    for (int e = 2; e <= 7; e++) assert_int_equal(blocks_after_epoch[e], blocks_after_epoch[1]);
    rn_trainer_free(&t);
    rn_model_free(&m);
}

/* Data-parallel steps (train.c): with 2 threads a batch of 64 runs as two
 * shards of 32 on their own tapes, for a network with enough arithmetic per
 * parameter (a small CNN on the 8 x 8 digits), not for an MLP.  The weights
 * after 3 epochs agree with one tape's (1 thread) to float rounding; two
 * runs on 2 threads agree bit for bit, with dropout too (each shard draws
 * from its own seeded stream); and after the first epoch no tape takes
 * memory from the system. */
/* A network on the 8 x 8 digits, initialised from seed 3. */
static void make_digits_model(rn_model *m, const char *spec)
{
    rn_rng rng;
    rn_rng_seed(&rng, 3);
    assert_int_equal(rn_model_create(m, spec, (int[]){1, 8, 8}, 10), RN_OK);
    assert_int_equal(rn_model_init(m, RN_INIT_DEFAULT, &rng), RN_OK);
}

static float *train_copy(const rn_dataset *data, const int *train, int n_train, int threads, const char *spec,
                         size_t *count, int *shards)
{
    rn_set_threads(threads);
    rn_model m;
    make_digits_model(&m, spec);
    rn_train_config c = rn_train_defaults();
    c.epochs = 3;
    c.batch_size = 64;
    assert_int_equal(rn_optim_parse("sgd", &c.optimizer), RN_OK);
    c.optimizer.learning_rate = 0.01;
    c.optimizer.momentum = 0.9;
    c.on_epoch = record_blocks;
    rn_trainer t;
    assert_int_equal(rn_trainer_create(&t, &m, data, NULL, train, n_train, NULL, 0, &c), RN_OK);
    watched = &t;
    if (rn_trainer_run(&t) != RN_OK) fail_msg("%s", rn_error_message());
    assert_int_equal(blocks_after_epoch[2], blocks_after_epoch[1]);
    assert_int_equal(blocks_after_epoch[3], blocks_after_epoch[1]);
    *shards = t.n_shards;
    *count = m.params.count;
    float *copy = malloc(sizeof(float) * m.params.count);
    assert_non_null(copy);
    memcpy(copy, m.params.values, sizeof(float) * m.params.count);
    rn_trainer_free(&t);
    rn_model_free(&m);
    rn_set_threads(0);
    return copy;
}

static void sharded_steps_match_one_tape(void **state)
{
    (void)state;
    rn_set_threads(2);
    bool have_threads = rn_threads() == 2; /* not in builds without OpenMP */
    rn_set_threads(0);
    if (!have_threads) skip();
    rn_dataset digits;
    assert_int_equal(rn_dataset_load("digits", &digits), RN_OK);
    int train[300];
    for (int i = 0; i < 300; i++) train[i] = i; /* 4 full batches and one of 44 */
    const char *cnn = "conv 16 3 pad 1, relu, conv 16 3 pad 1, relu, maxpool 2, fc 10";
    const char *dropped = "conv 16 3 pad 1, relu, maxpool 2, dropout 0.3, fc 10";
    size_t n, n2;
    int shards;
    float *one = train_copy(&digits, train, 300, 1, cnn, &n, &shards);
    assert_int_equal(shards, 0);
    float *two = train_copy(&digits, train, 300, 2, cnn, &n2, &shards);
    assert_int_equal(shards, 2);
    assert_int_equal(n, n2);
    double largest = 0, worst = 0;
    for (size_t i = 0; i < n; i++) {
        largest = fmax(largest, fabs(one[i]));
        worst = fmax(worst, fabs((double)one[i] - two[i]));
    }
    if (worst > 1e-5 * largest)
        fail_msg("2 shards vs 1 tape: max |difference| %g (largest weight %g)", worst, largest);
    free(one), free(two);
    one = train_copy(&digits, train, 300, 2, dropped, &n, &shards);
    two = train_copy(&digits, train, 300, 2, dropped, &n2, &shards);
    assert_int_equal(shards, 2);
    assert_memory_equal(one, two, sizeof(float) * n);
    free(one), free(two);
    /* a checkpoint after epoch 1, resumed on 2 threads, ends where the whole run does */
    rn_set_threads(2);
    char path[] = "/tmp/redes-shard-ckpt-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rn_model part, resumed;
    rn_trainer t_part, t_resumed;
    rn_train_config c = rn_train_defaults();
    c.epochs = 3;
    c.batch_size = 64;
    c.checkpoint_path = path;
    c.stop_after_epoch = 1;
    make_digits_model(&part, dropped);
    assert_int_equal(rn_trainer_create(&t_part, &part, &digits, NULL, train, 300, NULL, 0, &c), RN_OK);
    assert_int_equal(rn_trainer_run(&t_part), RN_OK);
    assert_int_equal(t_part.n_shards, 2);
    c.checkpoint_path = NULL;
    c.stop_after_epoch = 0;
    make_digits_model(&resumed, dropped); /* the checkpoint's weights replace these */
    assert_int_equal(rn_trainer_create(&t_resumed, &resumed, &digits, NULL, train, 300, NULL, 0, &c), RN_OK);
    if (rn_trainer_resume(&t_resumed, path) != RN_OK) fail_msg("%s", rn_error_message());
    assert_int_equal(rn_trainer_run(&t_resumed), RN_OK);
    rn_model whole;
    rn_trainer t_whole;
    make_digits_model(&whole, dropped);
    assert_int_equal(rn_trainer_create(&t_whole, &whole, &digits, NULL, train, 300, NULL, 0, &c), RN_OK);
    assert_int_equal(rn_trainer_run(&t_whole), RN_OK);
    assert_memory_equal(resumed.params.values, whole.params.values, whole.params.count * sizeof(float));
    unlink(path);
    rn_trainer_free(&t_part), rn_trainer_free(&t_resumed), rn_trainer_free(&t_whole);
    rn_model_free(&part), rn_model_free(&resumed), rn_model_free(&whole);
    rn_set_threads(0);
    /* an MLP stays on one tape (1 multiply-add per parameter per example) */
    free(train_copy(&digits, train, 300, 2, "fc 64, relu, fc 10", &n, &shards));
    assert_int_equal(shards, 0);
    rn_dataset_free(&digits);
}

/* rn_model_begin_gradients marks the fully connected layers' gradients
 * unwritten and zeroes the others; whatever no backward pass wrote is zero
 * after rn_model_end_gradients, as after rn_params_zero_grad. */
static void gradients_no_backward_wrote_are_zero(void **state)
{
    (void)state;
    rn_model m;
    make_digits_model(&m, "conv 4 3 pad 1, relu, bn, maxpool 2, fc 10");
    for (size_t i = 0; i < m.params.count; i++) m.params.grads[i] = NAN; /* stale values */
    rn_model_begin_gradients(&m);
    for (int i = 0; i < m.n_layers; i++) {
        const rn_layer *l = &m.layers[i];
        if (l->weight_index < 0) continue;
        bool linear = l->kind == RN_LAYER_LINEAR;
        assert_int_equal(l->weight.grad_unwritten, linear);
        if (!linear) assert_true(l->weight.grad.data[0] == 0.0f);
    }
    rn_model_end_gradients(&m);
    for (size_t i = 0; i < m.params.count; i++)
        if (m.params.grads[i] != 0.0f) fail_msg("gradient %zu is %g after begin/end", i, m.params.grads[i]);
    rn_model_free(&m);
}

static void history_csv_has_every_column(void **state)
{
    (void)state;
    rn_epoch_record records[2] = {{1, 0.5, 0.8, 0.6, 0.7, 1.25, 1e-3}, {2, 0.25, 0.9, NAN, NAN, 1.0, 5e-4}};
    char path[] = "/tmp/redes-csv-XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    assert_int_equal(rn_history_write_csv(records, 2, path), RN_OK);
    FILE *file = fopen(path, "r");
    char text[512] = {0};
    assert_true(fread(text, 1, sizeof text - 1, file) > 0);
    fclose(file);
    unlink(path);
    assert_string_equal(text, "epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,lr\n"
                              "1,0.5,0.8,0.6,0.7,1.250000,0.001\n"
                              "2,0.25,0.9,,,1.000000,0.0005\n");
}

static json_t *metadata_json(const rn_safetensors *file, const char *key)
{
    const char *text = rn_safetensors_metadata(file, key);
    assert_non_null(text);
    json_t *value = json_loads(text, 0, NULL);
    assert_non_null(value);
    return value;
}

/* Every view of `store` equals PyTorch's final values (the fixture's JSON
 * object name -> flat list) to 1e-5 of the largest |value|. */
static void assert_params_match(const rn_params *store, json_t *final)
{
    for (int v = 0; v < store->n_views; v++) {
        const rn_param_view *view = &store->views[v];
        json_t *values = json_object_get(final, view->name);
        assert_non_null(values);
        assert_int_equal(json_array_size(values), view->numel);
        double max_diff = 0, max_value = 0;
        for (size_t i = 0; i < view->numel; i++) {
            double want = json_number_value(json_array_get(values, i));
            max_diff = fmax(max_diff, fabs(store->values[view->offset + i] - want));
            max_value = fmax(max_value, fabs(want));
        }
        if (max_diff > 1e-5 * fmax(max_value, 1e-3))
            fail_msg("%s: max |diff| %.3g (max |value| %.3g)", view->name, max_diff, max_value);
    }
}

/* The golden problems' data set: 5 features, 3 classes, from the fixture's
 * JSON arrays x (n x 5, flat) and y (n); returns the indices 0..n-1. */
static int *golden_dataset(json_t *x, json_t *y, rn_dataset *data)
{
    memset(data, 0, sizeof *data);
    data->n_examples = (int)json_array_size(y);
    data->n_features = 5;
    data->n_classes = 3;
    data->features = malloc(json_array_size(x) * sizeof(float));
    data->labels = malloc(json_array_size(y) * sizeof(int));
    int *indices = malloc(json_array_size(y) * sizeof(int));
    assert_non_null(data->features);
    assert_non_null(data->labels);
    assert_non_null(indices);
    for (size_t i = 0; i < json_array_size(x); i++) data->features[i] = (float)json_real_value(json_array_get(x, i));
    for (size_t i = 0; i < json_array_size(y); i++) {
        data->labels[i] = (int)json_integer_value(json_array_get(y, i));
        indices[i] = (int)i;
    }
    return indices;
}

/* Full-batch Adam on an MLP with batch norm, step for step against PyTorch
 * (tests/golden/make_train_golden.py): the loss before each step and every
 * final parameter and running statistic. */
static void full_batch_training_matches_pytorch(void **state)
{
    (void)state;
    rn_safetensors *file;
    assert_int_equal(rn_safetensors_read(REDES_SOURCE_DIR "/tests/golden/train_golden.safetensors", &file), RN_OK);
    rn_model m;
    if (rn_model_from_file(&m, file) != RN_OK) fail_msg("%s", rn_error_message());
    json_t *x = metadata_json(file, "golden.x"), *y = metadata_json(file, "golden.y");
    json_t *losses = metadata_json(file, "golden.losses"), *final = metadata_json(file, "golden.final");
    rn_dataset data;
    int *indices = golden_dataset(x, y, &data);
    rn_train_config c = rn_train_defaults();
    c.epochs = (int)json_array_size(losses);
    c.batch_size = data.n_examples;
    c.optimizer.learning_rate = 0.01;
    rn_trainer t;
    assert_int_equal(rn_trainer_create(&t, &m, &data, NULL, indices, data.n_examples, NULL, 0, &c), RN_OK);
    assert_int_equal(rn_trainer_run(&t), RN_OK);
    for (int e = 0; e < c.epochs; e++) {
        double expected = json_real_value(json_array_get(losses, (size_t)e));
        if (fabs(t.history[e].train_loss - expected) > 1e-5 * fabs(expected))
            fail_msg("step %d: loss %.9g, PyTorch %.9g", e + 1, t.history[e].train_loss, expected);
    }
    assert_params_match(&m.params, final);
    assert_params_match(&m.buffers, final);
    rn_trainer_free(&t);
    rn_model_free(&m);
    free(data.features);
    free(data.labels);
    free(indices);
    json_decref(x);
    json_decref(y);
    json_decref(losses);
    json_decref(final);
    rn_safetensors_free(file);
}

typedef struct step_losses {
    double losses[64];
    double previous_sum;
    long seen, steps;
    int batch, n;
    const rn_trainer *trainer;
    int orders[8][64];
} step_losses;

/* on_step reports the running mean loss_sum / seen: undo it per step, and
 * keep the order the batcher drew for each epoch. */
static void record_step(void *user, int epoch, long step, long steps, double running_loss)
{
    step_losses *r = user;
    if (step == 1) {
        r->previous_sum = 0;
        r->seen = 0;
        memcpy(r->orders[epoch - 1], r->trainer->batcher.order, (size_t)r->n * sizeof(int));
    }
    int count = step < steps ? r->batch : r->n - r->batch * (int)(steps - 1);
    r->seen += count;
    double sum = running_loss * (double)r->seen;
    r->losses[r->steps++] = (sum - r->previous_sum) / count;
    r->previous_sum = sum;
}

/* Mini-batch Adam over three epochs with a short last batch, step for step
 * against PyTorch (tests/golden/make_train_minibatch_golden.py, which
 * re-implements rn_rng and the batcher's reshuffle): the batch order of every
 * epoch, the mean loss of every batch (the short one included), Adam's step
 * counter across epochs (through the final weights). */
static void minibatch_training_matches_pytorch(void **state)
{
    (void)state;
    rn_safetensors *file;
    assert_int_equal(rn_safetensors_read(REDES_SOURCE_DIR "/tests/golden/train_minibatch_golden.safetensors", &file),
                     RN_OK);
    rn_model m;
    if (rn_model_from_file(&m, file) != RN_OK) fail_msg("%s", rn_error_message());
    json_t *x = metadata_json(file, "golden.x"), *y = metadata_json(file, "golden.y");
    json_t *orders = metadata_json(file, "golden.orders"), *losses = metadata_json(file, "golden.losses");
    json_t *final = metadata_json(file, "golden.final");
    rn_dataset data;
    int *indices = golden_dataset(x, y, &data);
    rn_train_config c = rn_train_defaults();
    c.epochs = (int)json_array_size(orders);
    c.batch_size = atoi(rn_safetensors_metadata(file, "golden.batch"));
    c.seed = (uint64_t)atoi(rn_safetensors_metadata(file, "golden.seed"));
    c.optimizer.learning_rate = 0.01;
    step_losses record = {.batch = c.batch_size, .n = data.n_examples};
    assert_true(data.n_examples <= 64 && c.epochs <= 8 && json_array_size(losses) <= 64);
    assert_int_not_equal(data.n_examples % c.batch_size, 0); /* the golden has a short last batch */
    c.on_step = record_step;
    c.user = &record;
    rn_trainer t;
    assert_int_equal(rn_trainer_create(&t, &m, &data, NULL, indices, data.n_examples, NULL, 0, &c), RN_OK);
    record.trainer = &t;
    assert_int_equal(rn_trainer_run(&t), RN_OK);
    for (int e = 0; e < c.epochs; e++)
        for (int i = 0; i < data.n_examples; i++)
            assert_int_equal(record.orders[e][i],
                             json_integer_value(json_array_get(json_array_get(orders, (size_t)e), (size_t)i)));
    assert_int_equal(record.steps, json_array_size(losses));
    assert_int_equal(t.optimizer.step, record.steps);
    for (long k = 0; k < record.steps; k++) {
        double expected = json_real_value(json_array_get(losses, (size_t)k));
        if (fabs(record.losses[k] - expected) > 1e-5 * fabs(expected))
            fail_msg("step %ld: loss %.9g, PyTorch %.9g", k + 1, record.losses[k], expected);
    }
    assert_params_match(&m.params, final);
    rn_trainer_free(&t);
    rn_model_free(&m);
    free(data.features);
    free(data.labels);
    free(indices);
    json_decref(x);
    json_decref(y);
    json_decref(orders);
    json_decref(losses);
    json_decref(final);
    rn_safetensors_free(file);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(specs_name_and_shape_layers_like_pytorch),
        cmocka_unit_test(presets_carry_their_recipe),
        cmocka_unit_test_setup_teardown(all_three_modes_learn_iris, load_iris, free_iris),
        cmocka_unit_test_setup_teardown(resume_continues_bit_for_bit, load_iris, free_iris),
        cmocka_unit_test_setup_teardown(early_stopping_and_no_allocation_per_step, load_iris, free_iris),
        cmocka_unit_test(sharded_steps_match_one_tape),
        cmocka_unit_test(gradients_no_backward_wrote_are_zero),
        cmocka_unit_test(history_csv_has_every_column),
        cmocka_unit_test(full_batch_training_matches_pytorch),
        cmocka_unit_test(minibatch_training_matches_pytorch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
