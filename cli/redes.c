/* redes.c — `redes <command> [options]`: finds the command and runs it. */
#include <stdio.h>
#include <string.h>

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

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        if (argc >= 3 && strcmp(argv[1], "help") == 0) {
            char help[] = "--help";
            char *help_argv[] = {argv[2], help, NULL};
            for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
                if (commands[i].run && strcmp(commands[i].name, argv[2]) == 0)
                    return commands[i].run(2, help_argv);
            fprintf(stderr, "redes: unknown command '%s' (see 'redes help')\n", argv[2]);
            return 2;
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
    fprintf(stderr, "redes: unknown command '%s' (see 'redes help')\n", argv[1]);
    return 2;
}
