/* test_family_tree.c — the family-tree data, the network by hand (gradients
 * against PyTorch and finite differences), training and the analysis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redes/family_tree.h"
#include "redes/family_tree_net.h"

#define FACTS REDES_SOURCE_DIR "/data/family-tree/facts.tsv"
#define GOLDEN REDES_SOURCE_DIR "/tests/golden/family_tree_gradient.txt"

static rn_family_tree tree; /* loaded once (big for the stack under ASan) */

static int load_tree(void **state)
{
    (void)state;
    return rn_family_tree_load(FACTS, &tree) == RN_OK ? 0 : -1;
}

static int all_cases(int *indices)
{
    for (int c = 0; c < tree.n_cases; c++)
        indices[c] = c;
    return tree.n_cases;
}

/* ------------------------------------------------------------------ data */

static void data_has_the_papers_104_cases(void **state)
{
    (void)state;
    assert_int_equal(tree.n_cases, 104);
    /* Facts per relation (data/family-tree/README.md): father 12, mother 12, husband 10, wife 10,
     * son 12, daughter 12, uncle 8, aunt 8, brother 6, sister 6, nephew 8, niece 8; as cases the
     * uncles and aunts are 4 each, since every such case has two answers. */
    const int expected_facts[RN_FAMILY_RELATIONS] = {12, 12, 10, 10, 12, 12, 8, 8, 6, 6, 8, 8};
    const int expected_cases[RN_FAMILY_RELATIONS] = {12, 12, 10, 10, 12, 12, 4, 4, 6, 6, 8, 8};
    int per_relation[RN_FAMILY_RELATIONS] = {0}, facts_per_relation[RN_FAMILY_RELATIONS] = {0};
    int two_answers = 0, facts = 0;
    for (int c = 0; c < tree.n_cases; c++) {
        const rn_family_case *k = &tree.cases[c];
        per_relation[k->relation]++;
        facts_per_relation[k->relation] += k->n_answers;
        facts += k->n_answers;
        float ones = 0;
        for (int q = 0; q < RN_FAMILY_PEOPLE; q++)
            ones += k->target[q];
        assert_int_equal((int)ones, k->n_answers);
        if (k->n_answers == 2) {
            two_answers++;
            /* Only the grandchildren's uncles and aunts have two answers. */
            const char *who = rn_family_person_name(k->person);
            assert_true(strcmp(who, "Colin") == 0 || strcmp(who, "Charlotte") == 0 ||
                        strcmp(who, "Alfonso") == 0 || strcmp(who, "Sophia") == 0);
            assert_true(k->relation == rn_family_relation_index("uncle") ||
                        k->relation == rn_family_relation_index("aunt"));
        }
    }
    assert_int_equal(two_answers, 8);
    assert_int_equal(facts, 112);
    for (int r = 0; r < RN_FAMILY_RELATIONS; r++) {
        assert_int_equal(per_relation[r], expected_cases[r]);
        assert_int_equal(facts_per_relation[r], expected_facts[r]);
    }

    /* Colin's aunts are Margaret (Arthur's wife) and Jennifer (James's sister). */
    int c = rn_family_case_index(&tree, rn_family_person_index("Colin"), rn_family_relation_index("aunt"));
    assert_true(c >= 0);
    assert_string_equal(rn_family_person_name(tree.cases[c].answers[0]), "Margaret");
    assert_string_equal(rn_family_person_name(tree.cases[c].answers[1]), "Jennifer");
    /* Roberto's daughter is Lucia (some public copies say Gina). */
    c = rn_family_case_index(&tree, rn_family_person_index("Roberto"), rn_family_relation_index("daughter"));
    assert_string_equal(rn_family_person_name(tree.cases[c].answers[0]), "Lucia");
}

static void the_two_trees_are_isomorphic_12_apart(void **state)
{
    (void)state;
    for (int c = 0; c < tree.n_cases; c++) {
        const rn_family_case *k = &tree.cases[c];
        const int twin = (k->person + 12) % 24;
        const int t = rn_family_case_index(&tree, twin, k->relation);
        assert_true(t >= 0);
        assert_int_equal(tree.cases[t].n_answers, k->n_answers);
        for (int a = 0; a < k->n_answers; a++)
            assert_int_equal(tree.cases[t].answers[a], (k->answers[a] + 12) % 24);
    }
    assert_int_equal(rn_family_nationality(rn_family_person_index("Roberto")), 1);
    assert_int_equal(rn_family_generation(rn_family_person_index("Alfonso")), 3);
    assert_int_equal(rn_family_generation(rn_family_person_index("Gina")), 2);
    assert_int_equal(rn_family_branch(rn_family_person_index("Charles")), +1);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void bad_files_get_precise_errors(void **state)
{
    (void)state;
    rn_family_tree *bad = malloc(sizeof *bad);
    assert_int_equal(rn_family_tree_load("/no/such/facts.tsv", bad), RN_ERR_IO);
    const char *path = "test_family_tree_bad.tsv";
    write_file(path, "# comment\nColin\tfather\tJames\nColin\tcousin\tJames\n");
    assert_int_equal(rn_family_tree_load(path, bad), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), ":3: unknown relation 'cousin'"));
    write_file(path, "Colin\tfather\tJames\nColin\tfather\tJames\n");
    assert_int_equal(rn_family_tree_load(path, bad), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "appears twice"));
    write_file(path, "Colin\tfather\tJames\n");
    assert_int_equal(rn_family_tree_load(path, bad), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "expected 112 facts in 104 cases, found 1 facts in 1 cases"));
    write_file(path, "Colin father James\n");
    assert_int_equal(rn_family_tree_load(path, bad), RN_ERR_FORMAT);
    assert_non_null(strstr(rn_error_message(), "expected 3 tab-separated fields, found 1"));
    remove(path);
    free(bad);
}

static void holdout_by_name_and_by_seed(void **state)
{
    (void)state;
    int named[8], count = 0;
    assert_int_equal(rn_family_parse_cases(&tree, "Colin:aunt,Emilio:father", named, 8, &count), RN_OK);
    assert_int_equal(count, 2);
    assert_int_equal(tree.cases[named[0]].person, rn_family_person_index("Colin"));
    assert_int_equal(tree.cases[named[1]].answers[0], rn_family_person_index("Roberto"));
    assert_int_equal(rn_family_parse_cases(&tree, "Colin:wife", named, 8, &count), RN_ERR_ARGUMENT);
    assert_non_null(strstr(rn_error_message(), "Colin has no wife"));
    assert_int_equal(rn_family_parse_cases(&tree, "Nobody:aunt", named, 8, &count), RN_ERR_ARGUMENT);
    assert_int_equal(rn_family_parse_cases(&tree, "Colin", named, 8, &count), RN_ERR_ARGUMENT);

    int train[RN_FAMILY_CASES], test[4], n_train = 0, train2[RN_FAMILY_CASES], test2[4], n_train2 = 0;
    rn_rng rng;
    rn_rng_seed(&rng, 7);
    assert_int_equal(rn_family_split(&tree, &rng, 4, NULL, train, &n_train, test), RN_OK);
    rn_rng_seed(&rng, 7);
    assert_int_equal(rn_family_split(&tree, &rng, 4, NULL, train2, &n_train2, test2), RN_OK);
    assert_int_equal(n_train, 100);
    assert_memory_equal(test, test2, sizeof test);
    bool seen[RN_FAMILY_CASES] = {false};
    for (int i = 0; i < n_train; i++)
        seen[train[i]] = true;
    for (int i = 0; i < 4; i++) {
        assert_false(seen[test[i]]);
        seen[test[i]] = true;
    }
    for (int c = 0; c < RN_FAMILY_CASES; c++)
        assert_true(seen[c]);
}

/* ------------------------------------------------------------------ gradients */

/* The weights of tests/golden/make_family_tree_golden.py. */
static void golden_weights(rn_family_net *net)
{
    memset(net, 0, sizeof *net);
    float *w = rn_family_flat(&net->weights);
    for (int i = 0; i < RN_FAMILY_NET_PARAMETERS; i++)
        w[i] = (float)(0.9 * sin(1.7 * i + 0.3));
}

static void gradient_matches_pytorch(void **state)
{
    (void)state;
    FILE *f = fopen(GOLDEN, "r");
    assert_non_null(f);
    rn_family_net *net = malloc(sizeof *net);
    int indices[RN_FAMILY_CASES];
    const int n = all_cases(indices);
    for (int block = 0; block < 3; block++) {
        char kind[32];
        double tolerance, golden_loss;
        assert_int_equal(fscanf(f, " loss %31s %lf %lf", kind, &tolerance, &golden_loss), 3);
        rn_family_recipe recipe = rn_family_recipe_default();
        assert_int_equal(rn_family_loss_parse(kind, &recipe.loss), RN_OK);
        recipe.tolerance = tolerance;
        golden_weights(net);
        const float loss = rn_family_net_gradient(net, &tree, indices, n, &recipe);
        assert_float_equal(loss, golden_loss, 2e-5 * golden_loss);
        const float *g = rn_family_flat_const(&net->gradient);
        for (int i = 0; i < RN_FAMILY_NET_PARAMETERS; i++) {
            double expected;
            assert_int_equal(fscanf(f, " %lf", &expected), 1);
            /* float32 sums of 104 cases against float64: 1e-4 relative plus a floor. */
            if (fabs(g[i] - expected) > 1e-4 * fabs(expected) + 2e-5)
                fail_msg("%s: gradient[%d] = %.9g, PyTorch %.9g", kind, i, (double)g[i], expected);
        }
    }
    fclose(f);
    free(net);
}

/* Central differences, in double around float weights: the loss is smooth
 * for squared-boundary (C¹ at the band edges) and for squared with tolerance 0. */
static void gradient_matches_finite_differences(void **state)
{
    (void)state;
    rn_family_net *net = malloc(sizeof *net);
    const int indices[6] = {0, 17, 40, 63, 88, 103}; /* a few cases keep float round-off small */
    const rn_family_loss kinds[2] = {RN_FAMILY_LOSS_SQUARED_BOUNDARY, RN_FAMILY_LOSS_SQUARED};
    for (int k = 0; k < 2; k++) {
        rn_family_recipe recipe = rn_family_recipe_default();
        recipe.loss = kinds[k];
        recipe.tolerance = kinds[k] == RN_FAMILY_LOSS_SQUARED ? 0.0 : 0.2;
        rn_rng rng;
        rn_rng_seed(&rng, 11);
        rn_family_net_init(net, &recipe, &rng);
        rn_family_net_gradient(net, &tree, indices, 6, &recipe);
        float analytic[RN_FAMILY_NET_PARAMETERS];
        memcpy(analytic, rn_family_flat(&net->gradient), sizeof analytic);
        float *w = rn_family_flat(&net->weights);
        int checked = 0;
        for (int i = 0; i < RN_FAMILY_NET_PARAMETERS; i++) {
            const float saved = w[i], h = 1e-2f;
            w[i] = saved + h;
            const double up = rn_family_net_gradient(net, &tree, indices, 6, &recipe);
            w[i] = saved - h;
            const double down = rn_family_net_gradient(net, &tree, indices, 6, &recipe);
            w[i] = saved;
            const double numeric = (up - down) / (2.0 * h);
            if (fabs(numeric - analytic[i]) > 2e-3 + 2e-2 * fabs(numeric))
                fail_msg("%s: parameter %d analytic %.6g, numeric %.6g", rn_family_loss_name(kinds[k]), i,
                         (double)analytic[i], numeric);
            checked += analytic[i] != 0;
        }
        assert_true(checked > 100); /* the cases reach a good part of the network */
    }
    free(net);
}

/* By hand and by autodiff, on the same weights: the same E and ∂E/∂w to float
 * precision, for every loss, on weights trained a little so that outputs sit
 * on both sides of the tolerance band. */
static void by_hand_equals_autograd(void **state)
{
    (void)state;
    rn_family_net *hand = malloc(sizeof *hand), *tape_net = malloc(sizeof *tape_net);
    rn_tape *tape = rn_tape_create(0);
    int indices[RN_FAMILY_CASES];
    const int n = all_cases(indices);
    const rn_family_loss kinds[3] = {RN_FAMILY_LOSS_TOLERANCE, RN_FAMILY_LOSS_SQUARED,
                                     RN_FAMILY_LOSS_SQUARED_BOUNDARY};
    for (int k = 0; k < 3; k++) {
        rn_family_recipe recipe = rn_family_recipe_default();
        recipe.loss = kinds[k];
        recipe.sweeps = 40;
        rn_rng rng;
        rn_rng_seed(&rng, 5);
        rn_family_net_init(hand, &recipe, &rng);
        assert_int_equal(rn_family_net_train(hand, &tree, indices, n, &recipe, RN_FAMILY_BY_HAND, NULL),
                         RN_OK);
        *tape_net = *hand;
        const float E_hand = rn_family_net_gradient(hand, &tree, indices, n, &recipe);
        float E_tape = 0;
        assert_int_equal(rn_family_net_gradient_autograd(tape_net, tape, &tree, indices, n, &recipe, &E_tape),
                         RN_OK);
        assert_float_equal(E_tape, E_hand, 1e-5 * E_hand);
        const float *a = rn_family_flat_const(&hand->gradient),
                    *b = rn_family_flat_const(&tape_net->gradient);
        float largest = 0;
        for (int i = 0; i < RN_FAMILY_NET_PARAMETERS; i++)
            largest = fmaxf(largest, fabsf(a[i]));
        for (int i = 0; i < RN_FAMILY_NET_PARAMETERS; i++)
            if (fabsf(a[i] - b[i]) > 1e-5f * largest + 1e-4f * fabsf(a[i]))
                fail_msg("%s: gradient[%d] by hand %.9g, autograd %.9g", rn_family_loss_name(kinds[k]), i,
                         (double)a[i], (double)b[i]);
    }
    /* Trained side by side, the two stay together (float round-off only). */
    rn_family_recipe recipe = rn_family_recipe_default();
    recipe.sweeps = 100;
    float loss_hand[100], loss_tape[100];
    rn_rng rng;
    rn_rng_seed(&rng, 9);
    rn_family_net_init(hand, &recipe, &rng);
    *tape_net = *hand;
    assert_int_equal(rn_family_net_train(hand, &tree, indices, n, &recipe, RN_FAMILY_BY_HAND, loss_hand),
                     RN_OK);
    assert_int_equal(rn_family_net_train(tape_net, &tree, indices, n, &recipe, RN_FAMILY_AUTOGRAD, loss_tape),
                     RN_OK);
    for (int s = 0; s < 100; s++)
        assert_float_equal(loss_tape[s], loss_hand[s], 1e-3 * loss_hand[s]);
    rn_tape_destroy(tape);
    free(hand);
    free(tape_net);
}

/* ------------------------------------------------------------------ training */

static void same_seed_same_numbers_and_training_lowers_the_loss(void **state)
{
    (void)state;
    rn_family_net *a = malloc(sizeof *a), *b = malloc(sizeof *b);
    int indices[RN_FAMILY_CASES];
    const int n = all_cases(indices);
    rn_family_recipe recipe = rn_family_recipe_default();
    recipe.sweeps = 300;
    float history[300];
    rn_rng rng;
    rn_rng_seed(&rng, 3);
    rn_family_net_init(a, &recipe, &rng);
    assert_int_equal(rn_family_net_train(a, &tree, indices, n, &recipe, RN_FAMILY_BY_HAND, history), RN_OK);
    rn_rng_seed(&rng, 3);
    rn_family_net_init(b, &recipe, &rng);
    assert_int_equal(rn_family_net_train(b, &tree, indices, n, &recipe, RN_FAMILY_BY_HAND, NULL), RN_OK);
    assert_memory_equal(&a->weights, &b->weights, sizeof a->weights);
    /* Measured on seed 3: E falls from 160 to 15 in 300 sweeps. */
    assert_true(history[299] < 0.2f * history[0]);
    assert_true(history[299] < history[150] && history[150] < history[20]);
    free(a);
    free(b);
}

/* The recipe usually quoted from the paper: every output sinks to about 0.2
 * (the edge of the off-band, where 23 of 24 targets are) and the person
 * codes shrink towards constants: it learns nothing. */
static void hinton1986_recipe_collapses_outputs_to_0_2(void **state)
{
    (void)state;
    rn_family_net *net = malloc(sizeof *net);
    int indices[RN_FAMILY_CASES];
    const int n = all_cases(indices);
    rn_family_recipe recipe = rn_family_recipe_hinton1986();
    recipe.sweeps = 300;
    rn_rng rng;
    rn_rng_seed(&rng, 1);
    rn_family_net_init(net, &recipe, &rng);
    assert_int_equal(rn_family_net_train(net, &tree, indices, n, &recipe, RN_FAMILY_BY_HAND, NULL), RN_OK);
    double highest = 0, lowest = 1;
    for (int c = 0; c < n; c++) {
        rn_family_activations act;
        rn_family_forward(&net->weights, tree.cases[c].person, tree.cases[c].relation, &act);
        for (int q = 0; q < RN_FAMILY_PEOPLE; q++) {
            highest = fmax(highest, act.output[q]);
            lowest = fmin(lowest, act.output[q]);
        }
    }
    assert_true(highest < 0.26 && lowest > 0.1);
    double right;
    rn_family_net_accuracy(&net->weights, &tree, indices, n, &right, NULL);
    assert_true(right == 0.0);
    free(net);
}

/* ------------------------------------------------------------------ evaluation */

static void right_and_ranked_criteria(void **state)
{
    (void)state;
    const int c =
        rn_family_case_index(&tree, rn_family_person_index("Colin"), rn_family_relation_index("aunt"));
    const rn_family_case *k = &tree.cases[c];
    float y[RN_FAMILY_PEOPLE];
    for (int q = 0; q < RN_FAMILY_PEOPLE; q++)
        y[q] = 0.1f;
    y[k->answers[0]] = 0.9f;
    y[k->answers[1]] = 0.6f;
    assert_true(rn_family_output_right(y, k));
    assert_true(rn_family_output_ranked(y, k));
    y[k->answers[1]] = 0.4f; /* still the top two, but below 0.5 */
    assert_false(rn_family_output_right(y, k));
    assert_true(rn_family_output_ranked(y, k));
    y[0] = 0.45f; /* Christopher now beats Jennifer */
    assert_false(rn_family_output_ranked(y, k));
}

static void a_nationality_unit_is_found(void **state)
{
    (void)state;
    rn_family_weights *w = calloc(1, sizeof *w);
    for (int p = 0; p < RN_FAMILY_PEOPLE; p++) {
        w->person_weights[2][p] = rn_family_nationality(p) ? 4.0f : -4.0f; /* unit 3: Italian */
        w->person_weights[4][p] = (float)rn_family_generation(p);          /* unit 5: generation */
    }
    rn_family_unit_meaning meaning;
    rn_family_unit_meaning_compute(w, &meaning);
    int unit = -1;
    assert_float_equal(rn_family_nationality_score(&meaning, &unit), 1.0, 1e-9);
    assert_int_equal(unit, 2);
    assert_float_equal(meaning.generation[2], 0.0, 1e-9);
    assert_true(meaning.generation[4] > 0.95);              /* σ bends the straight line a little */
    assert_float_equal(meaning.nationality[0], 0.0, 1e-12); /* a constant unit says nothing */
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(data_has_the_papers_104_cases),
        cmocka_unit_test(the_two_trees_are_isomorphic_12_apart),
        cmocka_unit_test(bad_files_get_precise_errors),
        cmocka_unit_test(holdout_by_name_and_by_seed),
        cmocka_unit_test(gradient_matches_pytorch),
        cmocka_unit_test(gradient_matches_finite_differences),
        cmocka_unit_test(by_hand_equals_autograd),
        cmocka_unit_test(same_seed_same_numbers_and_training_lowers_the_loss),
        cmocka_unit_test(hinton1986_recipe_collapses_outputs_to_0_2),
        cmocka_unit_test(right_and_ranked_criteria),
        cmocka_unit_test(a_nationality_unit_is_found),
    };
    return cmocka_run_group_tests(tests, load_tree, NULL);
}
