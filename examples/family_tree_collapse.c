/* family_tree_collapse.c — why the recipe usually quoted from Hinton (1986)
 * learns nothing: a trace of the outputs, the gradient reaching each layer and
 * the size of the person weights, sweep by sweep (docs/chapter4-family-tree.md).
 *
 *   build/examples/example_family_tree_collapse [hinton1986|default] [seed]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/redes.h"

static double norm(const float *values, int count)
{
    double sum = 0;
    for (int i = 0; i < count; i++)
        sum += (double)values[i] * values[i];
    return sqrt(sum);
}

int main(int argc, char **argv)
{
    const char *recipe_name = argc > 1 ? argv[1] : "hinton1986";
    const unsigned long seed = argc > 2 ? strtoul(argv[2], NULL, 10) : 1;
    rn_family_recipe recipe;
    static rn_family_tree tree;
    static rn_family_net net;
    if (rn_family_recipe_named(recipe_name, &recipe) != RN_OK ||
        rn_family_tree_load(REDES_SOURCE_DIR "/data/family-tree/facts.tsv", &tree) != RN_OK) {
        fprintf(stderr, "%s\n", rn_error_message());
        return 2;
    }
    int cases[RN_FAMILY_CASES];
    for (int c = 0; c < tree.n_cases; c++)
        cases[c] = c;
    rn_rng rng;
    rn_rng_seed(&rng, seed);
    rn_family_net_init(&net, &recipe, &rng);
    printf("recipe %s, seed %lu, all 104 cases\n", recipe_name, seed);
    printf("%6s %9s %8s %8s %11s %11s %11s %9s\n", "sweep", "E", "mean y", "max y", "|dE/dW_o|", "|dE/dW_h|",
           "|dE/dW_p|", "|W_p|");
    const int report[] = {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 1499, 3000, 9999};
    int next = 0;
    for (int sweep = 0; sweep < 10000 && next < (int)(sizeof report / sizeof report[0]); sweep++) {
        const float E = rn_family_net_gradient(&net, &tree, cases, tree.n_cases, &recipe);
        if (sweep == report[next]) {
            double sum = 0, largest = 0;
            for (int c = 0; c < tree.n_cases; c++) {
                rn_family_activations act;
                rn_family_forward(&net.weights, tree.cases[c].person, tree.cases[c].relation, &act);
                for (int q = 0; q < RN_FAMILY_PEOPLE; q++) {
                    sum += act.output[q];
                    largest = fmax(largest, act.output[q]);
                }
            }
            const rn_family_weights *g = &net.gradient;
            printf("%6d %9.3f %8.3f %8.3f %11.2e %11.2e %11.2e %9.3f\n", sweep, (double)E,
                   sum / (tree.n_cases * RN_FAMILY_PEOPLE), largest,
                   norm(&g->output_weights[0][0], RN_FAMILY_PEOPLE * RN_FAMILY_DECODER_UNITS),
                   norm(&g->hidden_weights[0][0], RN_FAMILY_HIDDEN_UNITS * RN_FAMILY_ENCODED),
                   norm(&g->person_weights[0][0], RN_FAMILY_PERSON_UNITS * RN_FAMILY_PEOPLE),
                   norm(&net.weights.person_weights[0][0], RN_FAMILY_PERSON_UNITS * RN_FAMILY_PEOPLE));
            next++;
        }
        rn_family_net_step(&net, &recipe, sweep);
    }
    return 0;
}
