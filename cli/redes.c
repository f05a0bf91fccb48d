/* redes.c — `redes <command> [options]`: finds the command and runs it. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "redes/redes.h"

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *chapter;
    const char *summary;
} command;

/* Commands are weak symbols: one whose file is not linked in is NULL and
 * is left out of the list (this lets a command land with its chapter). */
static const command commands[] = {
    {"hh", rn_cmd_hh, "1", "Hodgkin-Huxley neuron: spikes, rheobase, f-I curve"},
    {"perceptron", rn_cmd_perceptron, "2", "Rosenblatt's perceptron on gates, iris or a CSV"},
    {"gates", rn_cmd_gates, "2", "logic gates with hand-set neurons; XOR in two layers"},
    {"activations", rn_cmd_activations, "2", "activation functions and their derivatives"},
    {"losses", rn_cmd_losses, "2", "squared-error and cross-entropy losses and derivatives"},
    {"metrics", rn_cmd_metrics, "2", "confusion matrix, precision, recall, F-score"},
    {"data", rn_cmd_data, "2", "inspect and split the bundled data sets"},
    {"xor", rn_cmd_xor, "3", "XOR with a 2-2-1 network: forward by hand and by matrices, backprop"},
    {"gradients", rn_cmd_gradients, "3", "vanishing and exploding gradients in deep networks"},
    {"modes", rn_cmd_modes, "3", "online vs mini-batch vs full-batch training"},
    {"regularization", rn_cmd_regularization, "3", "L2, dropout and early stopping against overfitting"},
    {"train", rn_cmd_train, "3,7", "train a multilayer perceptron or a CNN"},
    {"eval", rn_cmd_eval, "3,7", "evaluate a saved model on a data set"},
    {"predict", rn_cmd_predict, "3,7", "classify examples or PNG images with a saved model"},
    {"inspect", rn_cmd_inspect, "3,7", "what a trained model learned: filters, feature maps, weights"},
    {"family-tree", rn_cmd_family_tree, "4", "Hinton's family-tree network and what it learned"},
    {"conv", rn_cmd_conv, "7", "what a convolution does: a filter applied to an image"},
};

static void print_usage(void)
{
    printf("redes %s — the neural networks of the course, in C\n\n", REDES_VERSION);
    printf("usage: redes <command> [options]     redes <command> --help\n\n");
    printf("commands (chapter):\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].run)
            printf("  %-15s (%s) %s\n", commands[i].name, commands[i].chapter, commands[i].summary);
    printf("\ncommon options: --seed N --out DIR --json --quiet --threads N --help\n");
}

/* OpenMP threads that wait for work spin by default: on a shared 2-core
 * machine a spinning thread takes the core that another process needs, and
 * training ran 10-60x slower in our measurements.  libgomp reads
 * OMP_WAIT_POLICY when it is loaded, before main(), so when the user has not
 * chosen a policy we choose passive and execute ourselves once more. */
static void prefer_passive_waiting(char **argv)
{
#ifdef __linux__
    if (getenv("OMP_WAIT_POLICY")) return;
    if (setenv("OMP_WAIT_POLICY", "passive", 1) != 0) return;
    execv("/proc/self/exe", argv);
    /* If exec failed we simply run on with the default policy. */
#else
    (void)argv;
#endif
}

/* "redes: unknown command 'trian' (did you mean 'train'? see 'redes help')" */
static int unknown_command(const char *name)
{
    const char *hint = NULL;
    size_t best = SIZE_MAX;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!commands[i].run || !rn_cli_is_likely_typo(name, strlen(name), commands[i].name)) continue;
        size_t distance = rn_cli_edit_distance(name, strlen(name), commands[i].name);
        if (distance < best) hint = commands[i].name, best = distance;
    }
    if (hint)
        fprintf(stderr, "redes: unknown command '%s' (did you mean '%s'? see 'redes help')\n", name, hint);
    else
        fprintf(stderr, "redes: unknown command '%s' (see 'redes help')\n", name);
    return 2;
}

int main(int argc, char **argv)
{
    prefer_passive_waiting(argv);
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        if (argc >= 3 && strcmp(argv[1], "help") == 0) {
            char help[] = "--help";
            char *help_argv[] = {argv[2], help, NULL};
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (commands[i].run && strcmp(commands[i].name, argv[2]) == 0)
                    return commands[i].run(2, help_argv);
            return unknown_command(argv[2]);
        }
        print_usage();
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("redes %s\n", REDES_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].run && strcmp(commands[i].name, argv[1]) == 0)
            return commands[i].run(argc - 1, argv + 1);
    return unknown_command(argv[1]);
}
