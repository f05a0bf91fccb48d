/* bench_cnn_epoch.c — one MNIST epoch of a convolutional network with the full
 * training loop (shuffle, batch gathering, forward, backward, update), batch
 * 64, the reference workloads of issue 4:
 *
 *   lenet5     conv 6 5x5 pad 2, relu, maxpool 2, conv 16 5x5, relu, maxpool 2,
 *              fc 120, relu, fc 84, relu, fc 10       SGD lr 0.05 momentum 0.9
 *   mnist-cnn  conv 32 3x3, relu, conv 64 3x3, relu, maxpool 2, dropout 0.25,
 *              fc 128, relu, dropout 0.5, fc 10       Adam lr 1e-3
 *
 *   bench_cnn_epoch NET [REPEATS [THREADS [BATCHES]]]
 *
 * BATCHES > 0 trains on the first BATCHES x 64 images of the official
 * training set only and scales the time to the 938 batches of an epoch
 * (the steps cost the same whatever the images).  Prints one RESULT line:
 * median wall and CPU seconds per (scaled) epoch, max RSS, the FLOPs of
 * forward + backward per epoch (conv and fc layers: 2 multiply-adds each;
 * pooling, activations and the update are not counted) and the rate.
 * bench/bench_cnn_epoch_torch.py is the same in PyTorch. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "redes/redes.h"

/* Multiply-adds of one example's forward pass through the conv and fc
 * layers; backward costs twice that (data and weight gradients) except for
 * the first layer, whose input needs no gradient. */
static void count_macs(const rn_model *model, double *forward, double *first_layer)
{
    *forward = *first_layer = 0;
    for (int i = 0; i < model->n_layers; i++) {
        const rn_layer *l = &model->layers[i];
        double macs = 0;
        if (l->kind == RN_LAYER_LINEAR)
            macs = (double)l->units * l->in_shape[0] * l->in_shape[1] * l->in_shape[2];
        else if (l->kind == RN_LAYER_CONV)
            macs = (double)l->out_shape[0] * l->out_shape[1] * l->out_shape[2] * l->in_shape[0] * l->kernel * l->kernel;
        if (macs > 0 && *forward == 0) *first_layer = macs;
        *forward += macs;
    }
}

int main(int argc, char **argv)
{
    if (argc < 2 || (strcmp(argv[1], "lenet5") && strcmp(argv[1], "mnist-cnn"))) {
        fprintf(stderr, "usage: bench_cnn_epoch lenet5|mnist-cnn [REPEATS [THREADS [BATCHES]]]\n");
        return 2;
    }
    const char *net = argv[1];
    int repeats = argc > 2 ? atoi(argv[2]) : 3;
    int threads = argc > 3 ? atoi(argv[3]) : 1;
    int batches = argc > 4 ? atoi(argv[4]) : 0;
    if (repeats < 1 || repeats > 100) repeats = 3;
    rn_set_threads(threads);
    rn_dataset data;
    rn_split split;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    if (rn_dataset_load("mnist", &data) != RN_OK || rn_split_official(&data, 0.0, &rng, &split) != RN_OK) {
        fprintf(stderr, "bench_cnn_epoch: %s\n", rn_error_message());
        return 1;
    }
    /* Inputs standardised with the training set's one mean and standard
     * deviation (0.1307, 0.3081), as redes train and the PyTorch twin do. */
    rn_standardizer standardizer;
    if (rn_standardizer_fit(&standardizer, &data, split.train, split.n_train, false) != RN_OK) {
        fprintf(stderr, "bench_cnn_epoch: %s\n", rn_error_message());
        return 1;
    }
    const int batch = 64, epoch_batches = (split.n_train + batch - 1) / batch;
    int n_train = split.n_train;
    if (batches > 0 && batches < epoch_batches) n_train = batches * batch;
    else batches = epoch_batches;
    double scale = (double)epoch_batches / batches;
    double seconds[100], cpu[100], final_loss = 0, forward_macs = 0, first_macs = 0;
    for (int r = 0; r < repeats; r++) {
        rn_model model;
        rn_rng init;
        rn_rng_seed(&init, 1);
        if (rn_model_create(&model, net, (int[]){1, 28, 28}, 10) != RN_OK ||
            rn_model_init(&model, RN_INIT_DEFAULT, &init) != RN_OK) {
            fprintf(stderr, "bench_cnn_epoch: %s\n", rn_error_message());
            return 1;
        }
        count_macs(&model, &forward_macs, &first_macs);
        rn_train_config config = rn_train_defaults();
        config.epochs = 1;
        config.batch_size = batch;
        config.seed = 1;
        if (!strcmp(net, "lenet5")) {
            rn_optim_parse("sgd", &config.optimizer);
            config.optimizer.learning_rate = 0.05;
            config.optimizer.momentum = 0.9;
        } else {
            rn_optim_parse("adam", &config.optimizer);
            config.optimizer.learning_rate = 1e-3;
        }
        rn_trainer trainer;
        double cpu_start = 0;
        if (rn_trainer_create(&trainer, &model, &data, &standardizer, split.train, n_train, NULL, 0, &config) != RN_OK ||
            (cpu_start = bench_cpu_seconds(), rn_trainer_run(&trainer)) != RN_OK) {
            fprintf(stderr, "bench_cnn_epoch: %s\n", rn_error_message());
            return 1;
        }
        cpu[r] = (bench_cpu_seconds() - cpu_start) * scale;
        seconds[r] = trainer.history[0].seconds * scale;
        final_loss = trainer.history[0].train_loss;
        rn_trainer_free(&trainer);
        rn_model_free(&model);
    }
    qsort(seconds, (size_t)repeats, sizeof *seconds, bench_compare_doubles);
    qsort(cpu, (size_t)repeats, sizeof *cpu, bench_compare_doubles);
    /* forward + backward: 2 FLOPs per multiply-add, 3 products per layer but
     * 2 for the first (no input gradient). */
    double gflop = 2.0 * (3.0 * forward_macs - first_macs) * split.n_train * 1e-9;
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("RESULT redes net=%s threads=%d median_s=%.3f min_s=%.3f max_s=%.3f maxrss_mb=%.1f train_loss=%.4f "
           "cpu_s=%.3f batches=%d gflop_per_epoch=%.1f gflops=%.1f\n",
           net, threads, seconds[repeats / 2], seconds[0], seconds[repeats - 1], usage.ru_maxrss / 1024.0, final_loss,
           cpu[repeats / 2], batches, gflop, gflop / seconds[0]);
    rn_standardizer_free(&standardizer);
    rn_split_free(&split);
    rn_dataset_free(&data);
    return 0;
}
