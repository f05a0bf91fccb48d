/* family_tree_net.h — Hinton's family-tree network (1986), written out by hand.
 *
 * Five layers of logistic units σ(z) = 1 / (1 + e^{-z}); the notation is the
 * course's: z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾, a⁽ˡ⁾ = σ(z⁽ˡ⁾), δ⁽ˡ⁾ = ∂E/∂z⁽ˡ⁾.
 *
 *   person  x_p (24, one-hot) --W_p (6x24)--> a_p (6)  \
 *                                                       --W_h (12x12)--> a_h (12) --W_d (6x12)--> a_d (6)
 * --W_o (24x6)--> y (24) relation x_r (12, one-hot) --W_r (6x12)--> a_r (6) /            (W_h sees [a_p;
 * a_r])
 *
 * 630 parameters.  The person units a_p are the network's learned
 * "distributed representation" of the 24 people (paper, figure 4).
 *
 * The loss is summed over the cases of a full batch (the paper's "summed
 * gradient") and over the 24 outputs, with a tolerance band: an output that
 * should be on costs nothing above 1 - tolerance, one that should be off
 * nothing below tolerance.  Three kinds:
 *   RN_FAMILY_LOSS_TOLERANCE        E = relu(0.8 - y) on, relu(y - 0.2) off    (distance to the band)
 *   RN_FAMILY_LOSS_SQUARED          E = ½(1 - y)² on, ½y² off, zero inside the band (Hinton 1986)
 *   RN_FAMILY_LOSS_SQUARED_BOUNDARY E = ½(0.8 - y)² on, ½(y - 0.2)² off, zero inside
 * (0.8 and 0.2 for tolerance 0.2).
 *
 * Training is full-batch gradient descent with momentum,
 *   Δw(t) = -ε ∂E/∂w + α Δw(t-1),   w += Δw,
 * α = momentum_initial for the first momentum_switch sweeps, then
 * momentum_final; from sweep decay_start on, every weight (and bias when
 * decay_biases) is multiplied by (1 - decay_rate) after the step.
 *
 * The network lives in one struct with no pointers: copying it copies it, and
 * it needs no heap.  Parameters, gradients and velocities are each one flat
 * array of RN_FAMILY_NET_PARAMETERS floats with named views (rn_family_weights).
 */
#ifndef REDES_FAMILY_TREE_NET_H
#define REDES_FAMILY_TREE_NET_H

#include <stdbool.h>

#include "redes/autograd.h"
#include "redes/family_tree.h"
#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
    RN_FAMILY_PERSON_UNITS = 6,   /* person encoding (paper: 6) */
    RN_FAMILY_RELATION_UNITS = 6, /* relation encoding */
    RN_FAMILY_HIDDEN_UNITS = 12,  /* central layer */
    RN_FAMILY_DECODER_UNITS = 6,  /* before the 24 outputs */
    RN_FAMILY_ENCODED = RN_FAMILY_PERSON_UNITS + RN_FAMILY_RELATION_UNITS
};

/* Named views of the flat parameter vector (all float, so no padding). */
typedef struct rn_family_weights {
    float person_weights[RN_FAMILY_PERSON_UNITS][RN_FAMILY_PEOPLE];         /* W_p */
    float person_bias[RN_FAMILY_PERSON_UNITS];                              /* b_p */
    float relation_weights[RN_FAMILY_RELATION_UNITS][RN_FAMILY_RELATIONS];  /* W_r */
    float relation_bias[RN_FAMILY_RELATION_UNITS];                          /* b_r */
    float hidden_weights[RN_FAMILY_HIDDEN_UNITS][RN_FAMILY_ENCODED];        /* W_h */
    float hidden_bias[RN_FAMILY_HIDDEN_UNITS];                              /* b_h */
    float decoder_weights[RN_FAMILY_DECODER_UNITS][RN_FAMILY_HIDDEN_UNITS]; /* W_d */
    float decoder_bias[RN_FAMILY_DECODER_UNITS];                            /* b_d */
    float output_weights[RN_FAMILY_PEOPLE][RN_FAMILY_DECODER_UNITS];        /* W_o */
    float output_bias[RN_FAMILY_PEOPLE];                                    /* b_o */
} rn_family_weights;

enum { RN_FAMILY_NET_PARAMETERS = (int)(sizeof(rn_family_weights) / sizeof(float)) };

static inline float *rn_family_flat(rn_family_weights *weights)
{
    return (float *)weights;
}
static inline const float *rn_family_flat_const(const rn_family_weights *weights)
{
    return (const float *)weights;
}

typedef struct rn_family_net {
    rn_family_weights weights;
    rn_family_weights gradient; /* ∂E/∂w summed over the last batch */
    rn_family_weights velocity; /* Δw(t-1), the momentum term */
} rn_family_net;

/* The activations of one case, kept for the backward pass. */
typedef struct rn_family_activations {
    float person[RN_FAMILY_PERSON_UNITS];     /* a_p */
    float relation[RN_FAMILY_RELATION_UNITS]; /* a_r */
    float hidden[RN_FAMILY_HIDDEN_UNITS];     /* a_h */
    float decoder[RN_FAMILY_DECODER_UNITS];   /* a_d */
    float output[RN_FAMILY_PEOPLE];           /* y */
} rn_family_activations;

typedef enum rn_family_loss {
    RN_FAMILY_LOSS_TOLERANCE,
    RN_FAMILY_LOSS_SQUARED,
    RN_FAMILY_LOSS_SQUARED_BOUNDARY
} rn_family_loss;

typedef struct rn_family_recipe {
    double weight_init;      /* weights uniform in ±weight_init */
    double bias_init;        /* biases uniform in ±bias_init */
    double learning_rate;    /* ε, applied to the summed gradient */
    double momentum_initial; /* α for sweeps [0, momentum_switch) */
    int momentum_switch;
    double momentum_final; /* α from then on */
    int decay_start;       /* first sweep (0-based) whose step is followed by decay */
    double decay_rate;     /* w *= 1 - decay_rate once per sweep */
    bool decay_biases;
    int sweeps;
    double tolerance; /* 0.2: on above 0.8, off below 0.2 */
    rn_family_loss loss;
} rn_family_recipe;

/* The default: learns the trees (measured in docs/chapter4-family-tree.md).
 * ±1 init, tolerance loss, ε 0.02, α 0.5 → 0.9 at sweep 20, no decay for
 * 1,500 sweeps then 0.1 % per sweep on weights, 20,000 sweeps. */
rn_family_recipe rn_family_recipe_default(void);
/* The recipe usually quoted from the paper: ±0.3 init, squared loss with
 * tolerance, ε 0.005, α 0.5 → 0.9 at sweep 20, 0.2 % decay every sweep,
 * 1,500 sweeps.  It collapses every output to about 0.2 (see the docs). */
rn_family_recipe rn_family_recipe_hinton1986(void);
/* "default" or "hinton1986" into *recipe; RN_ERR_ARGUMENT otherwise. */
rn_status rn_family_recipe_named(const char *name, rn_family_recipe *recipe);
rn_status rn_family_recipe_check(const rn_family_recipe *recipe);
const char *rn_family_loss_name(rn_family_loss loss);
rn_status rn_family_loss_parse(const char *name, rn_family_loss *loss);

/* Weights and biases uniform in ±recipe init ranges; gradient and velocity zero. */
void rn_family_net_init(rn_family_net *net, const rn_family_recipe *recipe, rn_rng *rng);

/* Forward pass of one case (person, relation) into `act`. */
void rn_family_forward(const rn_family_weights *weights, int person, int relation,
                       rn_family_activations *act);

/* E of one case and ∂E/∂y into output_gradient (24). */
float rn_family_case_loss(const float *output, const float *target, rn_family_loss loss, double tolerance,
                          float *output_gradient);

/* Backward pass of one case: ADDS ∂E/∂w into `gradient` given ∂E/∂y. */
void rn_family_backward(const rn_family_weights *weights, int person, int relation,
                        const rn_family_activations *act, const float *output_gradient,
                        rn_family_weights *gradient);

/* Zeroes net->gradient, then sums E and ∂E/∂w over cases[case_indices[i]];
 * returns the summed E. */
float rn_family_net_gradient(rn_family_net *net, const rn_family_tree *tree, const int *case_indices,
                             int n_cases, const rn_family_recipe *recipe);

/* One sweep (0-based index `sweep`): gradient, momentum step, decay.
 * Returns E before the step. */
float rn_family_net_sweep(rn_family_net *net, const rn_family_tree *tree, const int *case_indices,
                          int n_cases, const rn_family_recipe *recipe, int sweep);

/* The same gradient from the library's layers and autodiff (autograd.h): the
 * batch as matrices through rn_linear_act, rn_concat and the loss ops, then
 * rn_backward into net->gradient.  *loss (may be NULL) receives E.  `tape`
 * is reset before and after. */
rn_status rn_family_net_gradient_autograd(rn_family_net *net, rn_tape *tape, const rn_family_tree *tree,
                                          const int *case_indices, int n_cases,
                                          const rn_family_recipe *recipe, float *loss);

/* The momentum step and the decay of sweep `sweep` from net->gradient. */
void rn_family_net_step(rn_family_net *net, const rn_family_recipe *recipe, int sweep);

typedef enum rn_family_implementation {
    RN_FAMILY_BY_HAND, /* rn_family_net_gradient: arrays and written-out backward equations */
    RN_FAMILY_AUTOGRAD /* rn_family_net_gradient_autograd: layers and the tape */
} rn_family_implementation;

/* recipe->sweeps sweeps; loss_history (may be NULL) receives E of each sweep.
 * Fails with RN_ERR_NUMERIC if the loss becomes NaN or infinite. */
rn_status rn_family_net_train(rn_family_net *net, const rn_family_tree *tree, const int *case_indices,
                              int n_cases, const rn_family_recipe *recipe,
                              rn_family_implementation implementation, float *loss_history);

/* A case is right when every answer's output is above 0.5 and every other
 * output below 0.5; ranked right when the answers are the n_answers largest. */
bool rn_family_output_right(const float *output, const rn_family_case *the_case);
bool rn_family_output_ranked(const float *output, const rn_family_case *the_case);
/* Fractions of cases[case_indices[i]] right and ranked right (either may be NULL). */
void rn_family_net_accuracy(const rn_family_weights *weights, const rn_family_tree *tree,
                            const int *case_indices, int n_cases, double *right, double *ranked);

/* codes[p][u] = a_p unit u for person p: the learned representation. */
void rn_family_person_codes(const rn_family_weights *weights,
                            float codes[RN_FAMILY_PEOPLE][RN_FAMILY_PERSON_UNITS]);

/* Pearson correlation over the 24 people of each person unit with
 * nationality, generation and branch (family_tree.h); 0 for a constant unit. */
typedef struct rn_family_unit_meaning {
    double nationality[RN_FAMILY_PERSON_UNITS];
    double generation[RN_FAMILY_PERSON_UNITS];
    double branch[RN_FAMILY_PERSON_UNITS];
} rn_family_unit_meaning;
void rn_family_unit_meaning_compute(const rn_family_weights *weights, rn_family_unit_meaning *meaning);
/* max over units of |nationality correlation|; *unit (may be NULL) gets the unit. */
double rn_family_nationality_score(const rn_family_unit_meaning *meaning, int *unit);

#ifdef __cplusplus
}
#endif
#endif
