/* cmd_family_tree.c — `redes family-tree`: Hinton's family-tree network
 * (1986), trained on 100 cases, tested on the 4 held out, and what its
 * person units learned (docs/chapter4-family-tree.md). */
#define _POSIX_C_SOURCE 200809L
#include <ctype.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "family_tree_plots.h"
#include "redes/clock.h"
#include "redes/family_tree.h"
#include "redes/family_tree_net.h"
#include "redes/parallel.h"
#include "redes/rng.h"

enum { MAX_HOLDOUT = 52 };

typedef struct run_result {
    uint64_t seed;
    int test[MAX_HOLDOUT];
    int n_test;
    double train_right, train_ranked, test_right, test_ranked;
    float final_loss;
    rn_family_unit_meaning meaning;
    double nationality_score;
    int nationality_unit;
    double code_spread; /* largest standard deviation of a person unit over the 24 people */
    rn_status status;
    char error[256];
} run_result;

typedef struct settings {
    const rn_family_tree *tree;
    rn_family_recipe recipe;
    int n_holdout;
    const int *fixed_holdout; /* NULL: a seeded split per run */
    const char *implementation;
} settings;

/* How different the person codes are: a collapsed encoder gives every person
 * the same code, whatever its correlations say. */
static double code_spread(const rn_family_weights *weights)
{
    float codes[RN_FAMILY_PEOPLE][RN_FAMILY_PERSON_UNITS];
    rn_family_person_codes(weights, codes);
    double largest = 0;
    for (int u = 0; u < RN_FAMILY_PERSON_UNITS; u++) {
        double mean = 0, sum_sq = 0;
        for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
            mean += codes[p][u] / (double)RN_FAMILY_PEOPLE;
        for (int p = 0; p < RN_FAMILY_PEOPLE; p++)
            sum_sq += (codes[p][u] - mean) * (codes[p][u] - mean);
        largest = fmax(largest, sqrt(sum_sq / RN_FAMILY_PEOPLE));
    }
    return largest;
}

/* One run: split, initialise, train, evaluate.  Thread-safe (no globals). */
static void run_once(const settings *s, uint64_t seed, rn_family_net *net, float *loss_history,
                     run_result *result)
{
    memset(result, 0, sizeof *result);
    result->seed = seed;
    rn_rng rng;
    rn_rng_seed(&rng, seed);
    rn_rng split_rng = rn_rng_split(&rng);
    rn_rng init_rng = rn_rng_split(&rng);
    int train[RN_FAMILY_CASES], n_train = 0;
    result->n_test = s->n_holdout;
    result->status =
        rn_family_split(s->tree, &split_rng, s->n_holdout, s->fixed_holdout, train, &n_train, result->test);
    if (result->status == RN_OK) {
        rn_family_net_init(net, &s->recipe, &init_rng);
        const rn_family_implementation how =
            strcmp(s->implementation, "autograd") == 0 ? RN_FAMILY_AUTOGRAD : RN_FAMILY_BY_HAND;
        result->status = rn_family_net_train(net, s->tree, train, n_train, &s->recipe, how, loss_history);
    }
    if (result->status != RN_OK) {
        snprintf(result->error, sizeof result->error, "%s", rn_error_message());
        return;
    }
    result->final_loss = s->recipe.sweeps ? loss_history[s->recipe.sweeps - 1] : 0;
    rn_family_net_accuracy(&net->weights, s->tree, train, n_train, &result->train_right,
                           &result->train_ranked);
    rn_family_net_accuracy(&net->weights, s->tree, result->test, result->n_test, &result->test_right,
                           &result->test_ranked);
    rn_family_unit_meaning_compute(&net->weights, &result->meaning);
    result->nationality_score = rn_family_nationality_score(&result->meaning, &result->nationality_unit);
    result->code_spread = code_spread(&net->weights);
}

/* "4" (a count) or "Colin:aunt,Emilio:father" (names). */
static int parse_holdout(const rn_cli_args *args, const rn_family_tree *tree, const char *text,
                         int *n_holdout, int *fixed, bool *is_fixed)
{
    bool digits = text[0] != '\0';
    for (const char *p = text; *p; p++)
        digits = digits && isdigit((unsigned char)*p);
    if (digits) {
        long count = strtol(text, NULL, 10);
        if (count < 1 || count > MAX_HOLDOUT)
            return rn_cli_fail(args, "--holdout must name cases or be a count from 1 to %d, got '%s'",
                               MAX_HOLDOUT, text);
        *n_holdout = (int)count;
        *is_fixed = false;
        return -1;
    }
    if (rn_family_parse_cases(tree, text, fixed, MAX_HOLDOUT, n_holdout) != RN_OK)
        return rn_cli_fail(args, "--holdout: %s", rn_error_message());
    *is_fixed = true;
    return -1;
}

static void mean_and_sd(const run_result *results, int n, size_t offset, double *mean, double *sd)
{
    double sum = 0, sum_sq = 0;
    for (int i = 0; i < n; i++) {
        const double value = *(const double *)((const char *)&results[i] + offset);
        sum += value;
        sum_sq += value * value;
    }
    *mean = sum / n;
    const double variance = n > 1 ? (sum_sq - sum * sum / n) / (n - 1) : 0;
    *sd = variance > 0 ? sqrt(variance) : 0;
}

/* "Alfonso 0.93, Sophia 0.41" — the people whose output is above 0.5, or the top one. */
static void describe_answer(const float *y, char *text, size_t size)
{
    size_t used = 0;
    text[0] = '\0';
    int best = 0;
    for (int q = 0; q < RN_FAMILY_PEOPLE; q++) {
        if (y[q] > y[best]) best = q;
        if (y[q] > 0.5f && used < size)
            used += (size_t)snprintf(text + used, size - used, "%s%s %.2f", used ? ", " : "",
                                     rn_family_person_name(q), (double)y[q]);
    }
    if (used == 0)
        snprintf(text, size, "nobody above 0.5 (highest %s %.2f)", rn_family_person_name(best),
                 (double)y[best]);
}

static void say_heldout(const rn_cli_args *args, const rn_family_tree *tree, const rn_family_net *net,
                        const run_result *r)
{
    for (int i = 0; i < r->n_test; i++) {
        const rn_family_case *c = &tree->cases[r->test[i]];
        rn_family_activations act;
        rn_family_forward(&net->weights, c->person, c->relation, &act);
        char answer[256], truth[64];
        describe_answer(act.output, answer, sizeof answer);
        snprintf(truth, sizeof truth, "%s%s%s", rn_family_person_name(c->answers[0]),
                 c->n_answers > 1 ? "+" : "", c->n_answers > 1 ? rn_family_person_name(c->answers[1]) : "");
        rn_cli_say(args, "    held out %-9s %-8s -> %-40s (truth %s) %s", rn_family_person_name(c->person),
                   rn_family_relation_name(c->relation), answer, truth,
                   rn_family_output_right(act.output, c)    ? "right"
                   : rn_family_output_ranked(act.output, c) ? "ranked first"
                                                            : "wrong");
    }
}

static json_t *heldout_json(const rn_family_tree *tree, const rn_family_net *net, const run_result *r)
{
    json_t *array = json_array();
    for (int i = 0; i < r->n_test; i++) {
        const rn_family_case *c = &tree->cases[r->test[i]];
        rn_family_activations act;
        rn_family_forward(&net->weights, c->person, c->relation, &act);
        json_t *item = json_object();
        json_object_set_new(item, "person", json_string(rn_family_person_name(c->person)));
        json_object_set_new(item, "relation", json_string(rn_family_relation_name(c->relation)));
        json_t *truth = json_array();
        for (int a = 0; a < c->n_answers; a++)
            json_array_append_new(truth, json_string(rn_family_person_name(c->answers[a])));
        json_object_set_new(item, "truth", truth);
        json_t *above = json_array();
        for (int q = 0; q < RN_FAMILY_PEOPLE; q++)
            if (act.output[q] > 0.5f) json_array_append_new(above, json_string(rn_family_person_name(q)));
        json_object_set_new(item, "answered", above);
        json_object_set_new(item, "right", json_boolean(rn_family_output_right(act.output, c)));
        json_object_set_new(item, "ranked", json_boolean(rn_family_output_ranked(act.output, c)));
        json_array_append_new(array, item);
    }
    return array;
}

static json_t *meaning_json(const rn_family_unit_meaning *m)
{
    json_t *object = json_object();
    json_object_set_new(object, "nationality", rn_json_doubles(m->nationality, RN_FAMILY_PERSON_UNITS));
    json_object_set_new(object, "generation", rn_json_doubles(m->generation, RN_FAMILY_PERSON_UNITS));
    json_object_set_new(object, "branch", rn_json_doubles(m->branch, RN_FAMILY_PERSON_UNITS));
    return object;
}

/* What each person unit of run 0 encodes, in words. */
static void say_meaning(const rn_cli_args *args, const rn_family_unit_meaning *m)
{
    rn_cli_say(args, "person units of the first run (correlation over the 24 people):");
    rn_cli_say(args, "  unit  nationality  generation  branch   reads as");
    for (int u = 0; u < RN_FAMILY_PERSON_UNITS; u++) {
        const double values[3] = {m->nationality[u], m->generation[u], m->branch[u]};
        const char *names[3] = {"nationality", "generation", "branch"};
        int best = 0;
        for (int k = 1; k < 3; k++)
            if (fabs(values[k]) > fabs(values[best])) best = k;
        const char *strength = fabs(values[best]) >= 0.9   ? ""
                               : fabs(values[best]) >= 0.6 ? "mostly "
                                                           : "mixed; leans to ";
        rn_cli_say(args, "  %4d  %+11.2f  %+10.2f  %+6.2f   %s%s", u + 1, values[0], values[1], values[2],
                   strength, names[best]);
    }
}

static void set_recipe_from_argv(int argc, char **argv, rn_family_recipe *recipe)
{
    for (int i = 1; i < argc; i++) {
        const char *value = NULL;
        if (strcmp(argv[i], "--recipe") == 0 && i + 1 < argc)
            value = argv[i + 1];
        else if (strncmp(argv[i], "--recipe=", 9) == 0)
            value = argv[i] + 9;
        if (value && rn_family_recipe_named(value, recipe) != RN_OK) rn_error_clear();
    }
}

int rn_cmd_family_tree(int argc, char **argv)
{
    /* The recipe sets the defaults of every other option, so `--recipe
     * hinton1986 --help` shows the paper's numbers and `--recipe hinton1986
     * --sweeps 10000` changes only the sweeps. */
    rn_family_recipe recipe = rn_family_recipe_default();
    set_recipe_from_argv(argc, argv, &recipe);
    const char *recipe_name = "default", *loss_name = rn_family_loss_name(recipe.loss);
    const char *holdout = "4", *data_path = REDES_DATA_DIR "/family-tree/facts.tsv";
    const char *implementation = "hand";
    int runs = 1;
    bool decay_biases = recipe.decay_biases, no_plots = false;
    const rn_cli_option options[] = {
        {"recipe", RN_OPT_CHOICE, &recipe_name, "training recipe; the options below override it", 0, 0,
         "default|hinton1986"},
        {"runs", RN_OPT_INT, &runs, "independent runs with seeds seed, seed+1, ... (in parallel)", 1, 10000,
         NULL},
        {"holdout", RN_OPT_STRING, &holdout,
         "cases held out for testing: a count drawn per run, or names like Colin:aunt,Emilio:father", 0, 0,
         "LIST"},
        {"sweeps", RN_OPT_INT, &recipe.sweeps, "full-batch sweeps through the training cases", 0, 10000000,
         NULL},
        {"init", RN_OPT_DOUBLE, &recipe.weight_init, "weights start uniform in +-init", 0, 100, NULL},
        {"bias-init", RN_OPT_DOUBLE, &recipe.bias_init, "biases start uniform in +-bias-init", 0, 100, NULL},
        {"learning-rate", RN_OPT_DOUBLE, &recipe.learning_rate, "epsilon, on the summed gradient", 1e-9, 100,
         NULL},
        {"momentum", RN_OPT_DOUBLE, &recipe.momentum_initial, "alpha for the first --momentum-switch sweeps",
         0, 0.999, NULL},
        {"momentum-switch", RN_OPT_INT, &recipe.momentum_switch, "sweep at which alpha changes", 0, 10000000,
         NULL},
        {"momentum-final", RN_OPT_DOUBLE, &recipe.momentum_final, "alpha from then on", 0, 0.999, NULL},
        {"decay-start", RN_OPT_INT, &recipe.decay_start, "first sweep followed by weight decay", 0, 10000000,
         NULL},
        {"decay", RN_OPT_DOUBLE, &recipe.decay_rate, "weights *= 1 - decay after each sweep", 0, 0.999, NULL},
        {"decay-biases", RN_OPT_FLAG, &decay_biases, "decay the biases too", 0, 0, NULL},
        {"tolerance", RN_OPT_DOUBLE, &recipe.tolerance, "no error for on-units above 1-t, off-units below t",
         0, 0.49, NULL},
        {"loss", RN_OPT_CHOICE, &loss_name, "error measure outside the tolerance band", 0, 0,
         "tolerance|squared|squared-boundary"},
        {"implementation", RN_OPT_CHOICE, &implementation, "by hand (arrays) or with the autodiff tape", 0, 0,
         "hand|autograd"},
        {"data", RN_OPT_STRING, &data_path, "facts file", 0, 0, "FILE"},
        {"no-plots", RN_OPT_FLAG, &no_plots, "no run folder, no pictures", 0, 0, NULL},
        {0}};
    const rn_cli_spec spec = {
        "family-tree",
        "[options]",
        "Hinton's (1986) family-tree network: person (24) -> 6 and relation (12) -> 6 -> 12 -> 6 -> 24, "
        "logistic units, full-batch gradient descent with momentum. Trains on 100 of the 104 "
        "cases, tests on the held-out ones, and shows what the 6 person units encode.\n"
        "--recipe hinton1986 is the recipe usually quoted from the paper: it collapses (see docs).",
        options,
        0,
        0};
    rn_cli_args args;
    int exit_code = rn_cli_parse(&spec, argc, argv, &args);
    if (exit_code >= 0) return exit_code;
    recipe.decay_biases = decay_biases;
    if (rn_family_loss_parse(loss_name, &recipe.loss) != RN_OK)
        return rn_cli_fail_status(&args, RN_ERR_ARGUMENT);
    if (rn_family_recipe_check(&recipe) != RN_OK) return rn_cli_fail_status(&args, RN_ERR_ARGUMENT);

    static rn_family_tree tree;
    rn_status status = rn_family_tree_load(data_path, &tree);
    if (status != RN_OK) return rn_cli_fail_status(&args, status);
    int fixed[MAX_HOLDOUT], n_holdout = 0;
    bool is_fixed = false;
    exit_code = parse_holdout(&args, &tree, holdout, &n_holdout, fixed, &is_fixed);
    if (exit_code >= 0) return exit_code;

    settings s = {&tree, recipe, n_holdout, is_fixed ? fixed : NULL, implementation};
    run_result *results = calloc((size_t)runs, sizeof *results);
    rn_family_net *nets = calloc((size_t)runs, sizeof *nets);
    float *loss0 = calloc((size_t)recipe.sweeps + 1, sizeof *loss0);
    float *scratch = calloc((size_t)rn_threads() * ((size_t)recipe.sweeps + 1), sizeof *scratch);
    if (!results || !nets || !loss0 || !scratch) {
        free(results), free(nets), free(loss0), free(scratch);
        return rn_cli_fail(&args, "out of memory for %d runs", runs);
    }

    rn_cli_say(&args,
               "family tree: %d runs from seed %llu, recipe %s (loss %s, eps %g, init +-%g, %d sweeps), "
               "%d held out",
               runs, (unsigned long long)args.seed, recipe_name, rn_family_loss_name(recipe.loss),
               recipe.learning_rate, recipe.weight_init, recipe.sweeps, n_holdout);
    const double start = rn_seconds();
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < runs; i++) {
        float *history = i == 0 ? loss0 : scratch + (size_t)rn_thread_index() * ((size_t)recipe.sweeps + 1);
        run_once(&s, args.seed + (uint64_t)i, &nets[i], history, &results[i]);
    }
    const double seconds = rn_seconds() - start;
    for (int i = 0; i < runs; i++)
        if (results[i].status != RN_OK) {
            rn_cli_fail(&args, "run with seed %llu: %s", (unsigned long long)results[i].seed,
                        results[i].error);
            /* Divergence is a failure of the run (1); anything else was bad input (2). */
            exit_code = results[i].status == RN_ERR_NUMERIC ? 1 : 2;
            free(results), free(nets), free(loss0), free(scratch);
            return exit_code;
        }

    /* ---- per-run lines and the summary */
    int learned_all = 0, nationality_units = 0;
    for (int i = 0; i < runs; i++) {
        const run_result *r = &results[i];
        learned_all += r->train_right == 1.0;
        nationality_units += r->nationality_score >= 0.9;
        rn_cli_say(&args,
                   "seed %-4llu train %5.1f%%  test right %d/%d, ranked %d/%d  loss %8.3f  nationality unit "
                   "%d |r| %.2f  spread %.3f",
                   (unsigned long long)r->seed, 100 * r->train_right, (int)lround(r->test_right * r->n_test),
                   r->n_test, (int)lround(r->test_ranked * r->n_test), r->n_test, (double)r->final_loss,
                   r->nationality_unit + 1, r->nationality_score, r->code_spread);
        if (runs <= 5) say_heldout(&args, &tree, &nets[i], r);
    }
    double test_mean, test_sd, ranked_mean, ranked_sd, train_mean, train_sd;
    mean_and_sd(results, runs, offsetof(run_result, test_right), &test_mean, &test_sd);
    mean_and_sd(results, runs, offsetof(run_result, test_ranked), &ranked_mean, &ranked_sd);
    mean_and_sd(results, runs, offsetof(run_result, train_right), &train_mean, &train_sd);
    rn_cli_say(&args, "learned all training cases in %d of %d runs; train accuracy %.3f +- %.3f", learned_all,
               runs, train_mean, train_sd);
    rn_cli_say(&args, "held-out accuracy: strict %.3f +- %.3f, ranked %.3f +- %.3f", test_mean, test_sd,
               ranked_mean, ranked_sd);
    rn_cli_say(&args, "a person unit with |r| >= 0.9 with nationality in %d of %d runs", nationality_units,
               runs);
    rn_cli_say(&args, "%.2f s for %d runs (%.3f s per run)", seconds, runs, seconds / runs);
    say_meaning(&args, &results[0].meaning);

    /* ---- pictures of the first run */
    char out_dir[4096] = "";
    if (!no_plots) {
        status = rn_cli_out_dir(&args, out_dir, sizeof out_dir);
        if (status == RN_OK)
            status =
                rn_family_write_plots(out_dir, &nets[0].weights, &results[0].meaning, loss0, recipe.sweeps);
        if (status == RN_ERR_UNSUPPORTED) {
            rn_cli_say(&args, "no pictures: %s (the .dat and .gp files are in %s/)", rn_error_message(),
                       out_dir);
        } else if (status != RN_OK) {
            free(results), free(nets), free(loss0), free(scratch);
            return rn_cli_fail_status(&args, status);
        } else {
            rn_cli_say(&args, "pictures in %s/", out_dir);
        }
    }

    if (args.json) {
        json_t *root = json_object();
        json_object_set_new(root, "recipe", json_string(recipe_name));
        json_object_set_new(root, "loss", json_string(rn_family_loss_name(recipe.loss)));
        json_object_set_new(root, "implementation", json_string(implementation));
        json_object_set_new(root, "sweeps", json_integer(recipe.sweeps));
        json_object_set_new(root, "runs", json_integer(runs));
        json_object_set_new(root, "seed", json_integer((json_int_t)args.seed));
        double train[runs], test[runs], ranked[runs], nationality[runs], loss[runs], spread[runs];
        json_t *seeds = json_array(), *heldout = json_array(), *meanings = json_array();
        for (int i = 0; i < runs; i++) {
            train[i] = results[i].train_right;
            test[i] = results[i].test_right;
            ranked[i] = results[i].test_ranked;
            nationality[i] = results[i].nationality_score;
            loss[i] = results[i].final_loss;
            spread[i] = results[i].code_spread;
            json_array_append_new(seeds, json_integer((json_int_t)results[i].seed));
            json_array_append_new(heldout, heldout_json(&tree, &nets[i], &results[i]));
            json_array_append_new(meanings, meaning_json(&results[i].meaning));
        }
        json_object_set_new(root, "run_seeds", seeds);
        json_object_set_new(root, "train_accuracy", rn_json_doubles(train, runs));
        json_object_set_new(root, "test_accuracy", rn_json_doubles(test, runs));
        json_object_set_new(root, "test_ranked_accuracy", rn_json_doubles(ranked, runs));
        json_object_set_new(root, "nationality_correlation", rn_json_doubles(nationality, runs));
        json_object_set_new(root, "final_loss", rn_json_doubles(loss, runs));
        json_object_set_new(root, "person_code_spread", rn_json_doubles(spread, runs));
        json_object_set_new(root, "learned_all", json_integer(learned_all));
        json_object_set_new(root, "nationality_units", json_integer(nationality_units));
        json_object_set_new(root, "train_accuracy_mean", json_real(train_mean));
        json_object_set_new(root, "test_accuracy_mean", json_real(test_mean));
        json_object_set_new(root, "test_accuracy_sd", json_real(test_sd));
        json_object_set_new(root, "test_ranked_accuracy_mean", json_real(ranked_mean));
        json_object_set_new(root, "test_ranked_accuracy_sd", json_real(ranked_sd));
        json_object_set_new(root, "heldout", heldout);
        json_object_set_new(root, "unit_correlations", meanings);
        json_object_set_new(root, "seconds", json_real(seconds));
        if (out_dir[0]) json_object_set_new(root, "out", json_string(out_dir));
        rn_cli_print_json(root);
    }
    free(results), free(nets), free(loss0), free(scratch);
    return 0;
}
