/* mlp_trace.c — the chapter-3 MNIST MLP of `redes train`, traced step by
 * step, to compare with PyTorch from the same starting point
 * (bench/mlp_trace_torch.py; docs/chapter3-mlp.md, section 9).
 *
 * Trains exactly what
 *
 *   redes train --data mnist --layers 256,128 --activation relu --optimizer adam \
 *               --lr 1e-3 --batch 64 --epochs E --seed S
 *
 * trains (same data, split, model, initialisation stream seed + 0x1417,
 * trainer and batcher), and writes into DIR:
 *
 *   layout.txt   one line per parameter view: name, offset, numel, shape
 *   init.f32     the initial parameters (params.count float32, little endian)
 *   orders.i32   for every epoch, the 60,000 dataset indices in the order
 *                the batcher visits them (epochs x 60000 int32)
 *   loss.f64     the loss of every step (mean cross-entropy of its batch)
 *   test.txt     "epoch train_accuracy test_accuracy" per epoch
 *
 *   mlp_trace SEED EPOCHS DIR [THREADS [INIT.f32]]
 *
 * With INIT.f32 (params.count float32, e.g. PyTorch's initialisation written
 * by mlp_trace_torch.py --write-init) the run starts from those weights
 * instead of redes's own.  With REDES_TRACE_CHECKPOINT=K in the environment,
 * the trainer's checkpoint after epoch K (weights, Adam's moments and step
 * count) is also written to DIR/checkpoint_eK.safetensors, for
 * `mlp_trace_torch.py DIR --resume K` (PyTorch continues from redes's state).
 * Not a test and not timed: a measuring tool. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

typedef struct trace {
    rn_trainer *trainer;
    rn_model *model;
    const rn_dataset *data;
    const rn_split *split;
    FILE *orders, *losses, *tests;
    const char *dir;
    int checkpoint_epoch; /* 0 = none */
    double previous_sum; /* loss_sum after the previous step of this epoch */
    int seen;
} trace;

static void on_step(void *user, int epoch, long step, long steps, double running_loss)
{
    (void)epoch;
    trace *t = user;
    const rn_batcher *batcher = &t->trainer->batcher;
    if (step == 1) {
        /* The batcher has just drawn this epoch's permutation. */
        fwrite(batcher->order, sizeof(int), (size_t)batcher->n, t->orders);
        t->previous_sum = 0;
        t->seen = 0;
    }
    int count = step < steps ? batcher->batch_size : batcher->n - batcher->batch_size * (int)(steps - 1);
    t->seen += count;
    /* run_epoch reports loss_sum / seen; undo the running mean. */
    double sum = running_loss * t->seen;
    double loss = (sum - t->previous_sum) / count;
    t->previous_sum = sum;
    fwrite(&loss, sizeof loss, 1, t->losses);
}

static void on_epoch(void *user, const rn_epoch_record *record)
{
    trace *t = user;
    rn_evaluation test;
    if (rn_evaluate(t->model, t->data, NULL, t->split->test, t->split->n_test, false, &test) != RN_OK) {
        fprintf(stderr, "mlp_trace: %s\n", rn_error_message());
        exit(1);
    }
    fprintf(t->tests, "%d %.6f %.4f\n", record->epoch, record->train_accuracy, test.accuracy);
    fprintf(stderr, "epoch %d train loss %.5f acc %.4f test acc %.4f\n", record->epoch, record->train_loss,
            record->train_accuracy, test.accuracy);
    rn_evaluation_free(&test);
    if (record->epoch == t->checkpoint_epoch) {
        char path[4096];
        snprintf(path, sizeof path, "%s/checkpoint_e%d.safetensors", t->dir, record->epoch);
        if (rn_trainer_save_checkpoint(t->trainer, path) != RN_OK) {
            fprintf(stderr, "mlp_trace: %s\n", rn_error_message());
            exit(1);
        }
    }
}

static FILE *open_in(const char *dir, const char *name, const char *mode)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, mode);
    if (!f) {
        perror(path);
        exit(1);
    }
    return f;
}

static void fail(void)
{
    fprintf(stderr, "mlp_trace: %s\n", rn_error_message());
    exit(1);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: mlp_trace SEED EPOCHS DIR [THREADS [INIT.f32]]\n");
        return 2;
    }
    uint64_t seed = strtoull(argv[1], NULL, 10);
    int epochs = atoi(argv[2]);
    const char *dir = argv[3];
    rn_set_threads(argc > 4 ? atoi(argv[4]) : 1);

    /* As cli/train_data.c: the official split with no validation part. */
    rn_dataset data;
    rn_split split;
    rn_rng split_rng;
    rn_rng_seed(&split_rng, seed);
    if (rn_dataset_load("mnist", &data) != RN_OK || rn_split_official(&data, 0.0, &split_rng, &split) != RN_OK) fail();

    /* As cli/cmd_train.c. */
    char spec[RN_MODEL_SPEC_MAX];
    rn_model model;
    rn_rng init_rng;
    rn_rng_seed(&init_rng, seed + 0x1417u);
    if (rn_model_mlp_spec("256,128", "relu", false, 0.0, data.n_classes, spec, sizeof spec) != RN_OK ||
        rn_model_create(&model, spec, (int[]){1, 28, 28}, data.n_classes) != RN_OK ||
        rn_model_init(&model, RN_INIT_DEFAULT, &init_rng) != RN_OK)
        fail();
    if (argc > 5) {
        FILE *f = fopen(argv[5], "rb");
        if (!f || fread(model.params.values, sizeof(float), model.params.count, f) != model.params.count) {
            fprintf(stderr, "mlp_trace: %s: cannot read %zu floats\n", argv[5], model.params.count);
            return 1;
        }
        fclose(f);
    }

    FILE *layout = open_in(dir, "layout.txt", "w");
    for (int i = 0; i < model.params.n_views; i++) {
        const rn_param_view *v = &model.params.views[i];
        fprintf(layout, "%s %zu %zu", v->name, v->offset, v->numel);
        for (int d = 0; d < v->ndim; d++) fprintf(layout, " %d", v->shape[d]);
        fprintf(layout, "\n");
    }
    fclose(layout);
    FILE *init = open_in(dir, "init.f32", "wb");
    fwrite(model.params.values, sizeof(float), model.params.count, init);
    fclose(init);

    rn_train_config config = rn_train_defaults();
    config.epochs = epochs;
    config.batch_size = 64;
    config.seed = seed;
    if (rn_optim_parse("adam", &config.optimizer) != RN_OK) fail();
    config.optimizer.learning_rate = 1e-3;
    const char *checkpoint_epoch = getenv("REDES_TRACE_CHECKPOINT");
    trace t = {.model = &model, .data = &data, .split = &split, .dir = dir,
               .checkpoint_epoch = checkpoint_epoch ? atoi(checkpoint_epoch) : 0};
    t.orders = open_in(dir, "orders.i32", "wb");
    t.losses = open_in(dir, "loss.f64", "wb");
    t.tests = open_in(dir, "test.txt", "w");
    config.on_step = on_step;
    config.on_epoch = on_epoch;
    config.user = &t;
    rn_trainer trainer;
    t.trainer = &trainer;
    if (rn_trainer_create(&trainer, &model, &data, NULL, split.train, split.n_train, NULL, 0, &config) != RN_OK ||
        rn_trainer_run(&trainer) != RN_OK)
        fail();
    fclose(t.orders);
    fclose(t.losses);
    fclose(t.tests);
    rn_trainer_free(&trainer);
    rn_model_free(&model);
    rn_split_free(&split);
    rn_dataset_free(&data);
    return 0;
}
