/* bench_mlp.c — one epoch of MNIST with an MLP 784-256-128-10 (ReLU,
 * softmax cross-entropy, SGD lr 0.1 momentum 0.9, batch 64, 60000 images),
 * timed with the full training loop (shuffle, batch gathering, forward,
 * backward, update).  bench/bench_mlp_torch.py is the same in PyTorch.
 *
 *   bench_mlp [REPEATS [THREADS]]    prints the median epoch time and max RSS
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

#include "bench_util.h"
#include "redes/redes.h"

int main(int argc, char **argv)
{
    int repeats = argc > 1 ? atoi(argv[1]) : 3;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (repeats < 1 || repeats > 100) repeats = 3;
    rn_set_threads(threads);
    rn_dataset data;
    rn_split split;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    if (rn_dataset_load("mnist", &data) != RN_OK || rn_split_official(&data, 0.0, &rng, &split) != RN_OK) {
        fprintf(stderr, "bench_mlp: %s\n", rn_error_message());
        return 1;
    }
    double seconds[100], cpu[100];
    double final_loss = 0;
    for (int r = 0; r < repeats; r++) {
        rn_model model;
        rn_rng init;
        rn_rng_seed(&init, 1);
        if (rn_model_create(&model, "fc 256, relu, fc 128, relu, fc 10", (int[]){1, 28, 28}, 10) != RN_OK ||
            rn_model_init(&model, RN_INIT_DEFAULT, &init) != RN_OK) {
            fprintf(stderr, "bench_mlp: %s\n", rn_error_message());
            return 1;
        }
        rn_train_config config = rn_train_defaults();
        config.epochs = 1;
        config.batch_size = 64;
        rn_optim_parse("sgd", &config.optimizer);
        config.optimizer.learning_rate = 0.1;
        config.optimizer.momentum = 0.9;
        rn_trainer trainer;
        double cpu_start = 0;
        if (rn_trainer_create(&trainer, &model, &data, NULL, split.train, split.n_train, NULL, 0, &config) != RN_OK ||
            (cpu_start = bench_cpu_seconds(), rn_trainer_run(&trainer)) != RN_OK) {
            fprintf(stderr, "bench_mlp: %s\n", rn_error_message());
            return 1;
        }
        cpu[r] = bench_cpu_seconds() - cpu_start;
        seconds[r] = trainer.history[0].seconds;
        final_loss = trainer.history[0].train_loss;
        rn_trainer_free(&trainer);
        rn_model_free(&model);
    }
    qsort(seconds, (size_t)repeats, sizeof *seconds, bench_compare_doubles);
    qsort(cpu, (size_t)repeats, sizeof *cpu, bench_compare_doubles);
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    printf("RESULT redes threads=%d median_s=%.3f min_s=%.3f max_s=%.3f maxrss_mb=%.1f train_loss=%.4f cpu_s=%.3f\n",
           threads, seconds[repeats / 2], seconds[0], seconds[repeats - 1], usage.ru_maxrss / 1024.0, final_loss,
           cpu[repeats / 2]);
    rn_split_free(&split);
    rn_dataset_free(&data);
    return 0;
}
