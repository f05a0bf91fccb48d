/* perceptron.c — Rosenblatt's learning rule (see include/redes/perceptron.h). */
#include "redes/perceptron.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

rn_status rn_perceptron_init(rn_perceptron *unit, int n_inputs)
{
    memset(unit, 0, sizeof *unit);
    if (n_inputs < 1) return rn_error(RN_ERR_ARGUMENT, "perceptron: needs at least 1 input, got %d", n_inputs);
    unit->weights = calloc((size_t)n_inputs, sizeof *unit->weights);
    if (!unit->weights) return rn_error(RN_ERR_MEMORY, "perceptron: out of memory for %d weights", n_inputs);
    unit->n_inputs = n_inputs;
    return RN_OK;
}

void rn_perceptron_free(rn_perceptron *unit)
{
    if (!unit) return;
    free(unit->weights);
    memset(unit, 0, sizeof *unit);
}

double rn_perceptron_net_input(const rn_perceptron *unit, const float *x)
{
    double net = unit->bias;
    for (int i = 0; i < unit->n_inputs; i++) net += (double)unit->weights[i] * x[i];
    return net;
}

int rn_perceptron_predict(const rn_perceptron *unit, const float *x)
{
    return rn_perceptron_net_input(unit, x) >= 0.0; /* step(s) = [s >= 0] */
}

int rn_perceptron_count_errors(const rn_perceptron *unit, const float *x, const int *targets, int n)
{
    int errors = 0;
    for (int i = 0; i < n; i++) errors += rn_perceptron_predict(unit, x + (size_t)i * unit->n_inputs) != targets[i];
    return errors;
}

rn_perceptron_options rn_perceptron_defaults(void)
{
    return (rn_perceptron_options){.learning_rate = 1.0, .max_epochs = 100, .order = RN_PERCEPTRON_FIXED_ORDER,
                                   .init_scale = 0.0f, .pocket = false};
}

bool rn_perceptron_line(const rn_perceptron *unit, double *slope, double *intercept)
{
    if (unit->n_inputs != 2 || unit->weights[1] == 0.0f) return false;
    /* w1 x1 + w2 x2 + b = 0  =>  x2 = -(w1 / w2) x1 - b / w2 */
    *slope = -(double)unit->weights[0] / unit->weights[1];
    *intercept = -(double)unit->bias / unit->weights[1];
    return true;
}

static rn_status check_training_input(const rn_perceptron *unit, const float *x, const int *targets, int n,
                                      const rn_perceptron_options *options, const rn_rng *rng)
{
    if (!unit->weights) return rn_error(RN_ERR_STATE, "perceptron: not initialised (call rn_perceptron_init)");
    if (n < 1) return rn_error(RN_ERR_ARGUMENT, "perceptron: no training examples");
    if (!(options->learning_rate > 0) || !isfinite(options->learning_rate))
        return rn_error(RN_ERR_ARGUMENT, "perceptron: learning rate must be positive, got %g", options->learning_rate);
    if (options->max_epochs < 1)
        return rn_error(RN_ERR_ARGUMENT, "perceptron: max_epochs must be at least 1, got %d", options->max_epochs);
    if (!(options->init_scale >= 0) || !isfinite(options->init_scale))
        return rn_error(RN_ERR_ARGUMENT, "perceptron: init_scale must be >= 0, got %g", options->init_scale);
    if (!rng && (options->order == RN_PERCEPTRON_SHUFFLED || options->init_scale > 0))
        return rn_error(RN_ERR_ARGUMENT, "perceptron: a shuffled order or random start needs an rng");
    for (int i = 0; i < n; i++) {
        if (targets[i] != 0 && targets[i] != 1)
            return rn_error(RN_ERR_ARGUMENT, "perceptron: target of example %d is %d (must be 0 or 1)", i, targets[i]);
        for (int j = 0; j < unit->n_inputs; j++)
            if (!isfinite(x[(size_t)i * unit->n_inputs + j]))
                return rn_error(RN_ERR_NUMERIC, "perceptron: feature %d of example %d is not finite", j, i);
    }
    return RN_OK;
}

/* One online epoch in the order `order`; returns the mistakes made (= updates). */
static int train_epoch(rn_perceptron *unit, const float *x, const int *targets, const int *order, int n,
                       float learning_rate)
{
    const int d = unit->n_inputs;
    int mistakes = 0;
    for (int k = 0; k < n; k++) {
        const int i = order[k];
        const float *xi = x + (size_t)i * d;
        int error = targets[i] - rn_perceptron_predict(unit, xi); /* e = t - y in {-1, 0, +1} */
        if (error == 0) continue;
        float step = learning_rate * (float)error;
        for (int j = 0; j < d; j++) unit->weights[j] += step * xi[j]; /* w <- w + eta e x */
        unit->bias += step;                                           /* b <- b + eta e */
        mistakes++;
    }
    return mistakes;
}

rn_status rn_perceptron_train(rn_perceptron *unit, const float *x, const int *targets, int n,
                              const rn_perceptron_options *options, rn_rng *rng,
                              rn_perceptron_result *result, int *errors_per_epoch)
{
    memset(result, 0, sizeof *result);
    RN_CHECK(check_training_input(unit, x, targets, n, options, rng));
    const int d = unit->n_inputs;
    int *order = malloc(sizeof *order * (size_t)n);
    float *best_weights = options->pocket ? malloc(sizeof *best_weights * (size_t)d) : NULL;
    if (!order || (options->pocket && !best_weights)) {
        free(order);
        free(best_weights);
        return rn_error(RN_ERR_MEMORY, "perceptron: out of memory for %d examples", n);
    }
    for (int i = 0; i < n; i++) order[i] = i;
    if (options->init_scale > 0) {
        rn_rng_fill_uniform(rng, unit->weights, (size_t)d, -options->init_scale, options->init_scale);
        unit->bias = rn_rng_uniform_range(rng, -options->init_scale, options->init_scale);
    }
    int best_errors = rn_perceptron_count_errors(unit, x, targets, n);
    float best_bias = unit->bias;
    if (best_weights) memcpy(best_weights, unit->weights, sizeof *best_weights * (size_t)d);

    for (int epoch = 0; epoch < options->max_epochs; epoch++) {
        if (options->order == RN_PERCEPTRON_SHUFFLED) rn_rng_shuffle(rng, order, n);
        int mistakes = train_epoch(unit, x, targets, order, n, (float)options->learning_rate);
        if (errors_per_epoch) errors_per_epoch[epoch] = mistakes;
        result->epochs = epoch + 1;
        result->updates += mistakes;
        if (mistakes == 0) {
            result->converged = true;
            break;
        }
        if (best_weights) {
            int errors = rn_perceptron_count_errors(unit, x, targets, n);
            if (errors < best_errors) {
                best_errors = errors;
                best_bias = unit->bias;
                memcpy(best_weights, unit->weights, sizeof *best_weights * (size_t)d);
            }
        }
    }
    if (best_weights && !result->converged &&
        rn_perceptron_count_errors(unit, x, targets, n) > best_errors) {
        memcpy(unit->weights, best_weights, sizeof *best_weights * (size_t)d);
        unit->bias = best_bias;
    }
    result->final_errors = rn_perceptron_count_errors(unit, x, targets, n);
    free(order);
    free(best_weights);
    return RN_OK;
}
