/* perceptron.h — Rosenblatt's perceptron (1958): one threshold unit that learns.
 *
 * The unit (n inputs, weights w (n), bias b):
 *
 *     y = step(w . x + b),   step(s) = 1 if s >= 0, else 0
 *
 * The learning rule, applied online (one example at a time), for an example
 * x with target t in {0, 1}:
 *
 *     error  e = t - y            (0 when right, +1 or -1 when wrong)
 *     w <- w + eta e x            b <- b + eta e
 *
 * An epoch visits every training example once, in the given order or in a
 * fresh random order drawn from the caller's rn_rng.  Training stops after
 * the first epoch without a mistake (converged) or after max_epochs.
 *
 * Convergence theorem (Novikoff 1962): if some unit separates the classes
 * with margin gamma (|w*| = 1, t' (w* . x + b*) >= gamma with t' = +-1) and
 * every |(x, 1)| <= R, the rule makes at most (R / gamma)^2 mistakes, in any
 * order, from w = 0.  On data no line (hyperplane) separates, such as XOR,
 * it never stops making mistakes: that is a result (converged = false), not
 * an error.
 *
 * With `pocket` (Gallant 1990) the unit keeps, besides the running weights,
 * the weights that made the fewest training mistakes at the end of an epoch
 * and returns those: the useful answer on data that is almost separable.
 */
#ifndef REDES_PERCEPTRON_H
#define REDES_PERCEPTRON_H

#include <stdbool.h>

#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_perceptron {
    int n_inputs;
    float *weights; /* n_inputs, heap-owned */
    float bias;
} rn_perceptron;

/* Weights and bias 0 (the start the convergence theorem assumes). */
rn_status rn_perceptron_init(rn_perceptron *unit, int n_inputs);
void rn_perceptron_free(rn_perceptron *unit);

/* w . x + b, accumulated in double. */
double rn_perceptron_net_input(const rn_perceptron *unit, const float *x);
/* step(w . x + b): 1 or 0. */
int rn_perceptron_predict(const rn_perceptron *unit, const float *x);
/* Mistakes on n examples x (n, n_inputs) row-major with targets in {0, 1}. */
int rn_perceptron_count_errors(const rn_perceptron *unit, const float *x, const int *targets, int n);

typedef enum rn_perceptron_order {
    RN_PERCEPTRON_FIXED_ORDER, /* examples 0, 1, ..., n-1 every epoch */
    RN_PERCEPTRON_SHUFFLED     /* a new random permutation every epoch (needs an rng) */
} rn_perceptron_order;

typedef struct rn_perceptron_options {
    double learning_rate; /* eta > 0 (default 1; from w = 0 it only scales w, not the mistakes) */
    int max_epochs;       /* >= 1 (default 100) */
    rn_perceptron_order order;
    float init_scale; /* 0 (default): start from w = 0, b = 0; else uniform in [-s, s] from the rng */
    bool pocket;      /* return the best weights seen at an epoch's end (default false) */
} rn_perceptron_options;

/* eta 1, 100 epochs, fixed order, zero start, no pocket. */
rn_perceptron_options rn_perceptron_defaults(void);

typedef struct rn_perceptron_result {
    bool converged;   /* an epoch ended without a single mistake */
    int epochs;       /* epochs run (when converged, the last one was mistake-free) */
    long updates;     /* weight updates in all, i.e. mistakes made while learning */
    int final_errors; /* mistakes of the returned weights on the training set */
} rn_perceptron_result;

/* Trains `unit` (its current weights are the start unless init_scale > 0)
 * on x (n, n_inputs) with targets in {0, 1}.  errors_per_epoch, if not NULL,
 * has room for max_epochs entries and receives the mistakes made during each
 * epoch run.  rng may be NULL for a fixed order and init_scale 0.
 * Errors: bad sizes/options or targets (RN_ERR_ARGUMENT), non-finite inputs
 * (RN_ERR_NUMERIC). */
rn_status rn_perceptron_train(rn_perceptron *unit, const float *x, const int *targets, int n,
                              const rn_perceptron_options *options, rn_rng *rng,
                              rn_perceptron_result *result, int *errors_per_epoch);

/* For two inputs: the decision line w1 x1 + w2 x2 + b = 0 as x2 = slope x1 +
 * intercept.  Returns false when w2 = 0 (a vertical line x1 = -b / w1, or
 * no line at all when w = 0). */
bool rn_perceptron_line(const rn_perceptron *unit, double *slope, double *intercept);

#ifdef __cplusplus
}
#endif
#endif
