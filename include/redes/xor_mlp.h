/* xor_mlp.h — the 2-2-1 sigmoid network that solves XOR, written out by hand.
 *
 * The course's network (chapter 3): two inputs x1, x2, two hidden sigmoid
 * units h1, h2 and one sigmoid output y:
 *
 *   h1 = σ(w11 x1 + w12 x2 + b1)          σ(z) = 1 / (1 + e^(−z))
 *   h2 = σ(w21 x1 + w22 x2 + b2)
 *   y  = σ(v1 h1 + v2 h2 + c)
 *
 * Vectorised over the four examples (X is 4 x 2, one example per row):
 *
 *   H = σ(X W1ᵀ + b1)     W1 (2, 2) = [[w11, w12], [w21, w22]],  b1 (2)   -> H (4, 2)
 *   Y = σ(H W2ᵀ + b2)     W2 (1, 2) = [[v1, v2]],                b2 (1)   -> Y (4, 1)
 *
 * Error (sum of squares over the examples n, as in class):
 *
 *   E = ½ Σ_n (y_n − t_n)²
 *
 * Backpropagation (per example, then summed over n):
 *
 *   δ    = (y − t) σ'(v1 h1 + v2 h2 + c) = (y − t) y (1 − y)      output delta
 *   δ1   = δ v1 h1 (1 − h1)                                         hidden deltas
 *   δ2   = δ v2 h2 (1 − h2)
 *   ∂E/∂v_j = δ h_j,    ∂E/∂c = δ
 *   ∂E/∂w_jk = δ_j x_k, ∂E/∂b_j = δ_j
 *
 * The nine parameters live in one flat array in PyTorch's layout, so the
 * same numbers can be viewed as rn_linear weights (autograd.h):
 *
 *   theta = [w11 w12 w21 w22 | b1 b2 | v1 v2 | c]
 *            W1 (2,2)          b1 (2)  W2 (1,2) b2 (1)
 */
#ifndef REDES_XOR_MLP_H
#define REDES_XOR_MLP_H

#include <stdbool.h>

#include "redes/autograd.h"
#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RN_XOR_PARAMS = 9, RN_XOR_EXAMPLES = 4 };

/* Offsets of the blocks in theta. */
enum { RN_XOR_W1 = 0, RN_XOR_B1 = 4, RN_XOR_W2 = 6, RN_XOR_B2 = 8 };

/* The truth table: x = (0,0), (0,1), (1,0), (1,1) row-major, t = 0 1 1 0. */
extern const float rn_xor_inputs[RN_XOR_EXAMPLES * 2];
extern const float rn_xor_targets[RN_XOR_EXAMPLES];

typedef struct rn_xor_mlp {
    float theta[RN_XOR_PARAMS];
} rn_xor_mlp;

/* What the forward pass of one example computes. */
typedef struct rn_xor_mlp_activations {
    float h1, h2, y;
} rn_xor_mlp_activations;

/* theta ~ U(−scale, scale). */
void rn_xor_mlp_init(rn_xor_mlp *net, float scale, rn_rng *rng);

/* One example through the scalar equations above. */
rn_xor_mlp_activations rn_xor_mlp_forward_by_hand(const rn_xor_mlp *net, float x1, float x2);

/* E = ½ Σ (y − t)² over n examples and its gradient (9 floats) by the
 * explicit deltas above.  Returns E. */
double rn_xor_mlp_backward_by_hand(const rn_xor_mlp *net, const float *x, const float *t, int n,
                               float *gradient);

/* The vectorised forward pass on a tape: X (n, 2) -> Y (n, 1), with W1, b1,
 * W2, b2 as rn_param views of net->theta and of `gradient` (9 floats, may be
 * NULL for no gradient).  `layers` receives the four leaves (the caller owns
 * them; they must outlive the tape's use).  NULL on error. */
rn_var *rn_xor_mlp_forward_tape(rn_xor_mlp *net, float *gradient, rn_var layers[4], rn_tape *tape,
                            rn_var *x);

/* Training by full-batch gradient descent on the four examples with the
 * hand-written gradient: θ ← θ − η ∂E/∂θ. */
typedef struct rn_xor_mlp_train_options {
    double learning_rate; /* η (default 0.5) */
    int max_epochs;       /* per attempt (default 20000) */
    float tolerance;      /* converged when every |y − t| < tolerance (default 0.1) */
    float init_scale;     /* U(−s, s) initial weights (default 1) */
    int max_restarts;     /* new random weights after a failed attempt (default 20) */
} rn_xor_mlp_train_options;

rn_xor_mlp_train_options rn_xor_mlp_train_defaults(void);

typedef struct rn_xor_mlp_train_result {
    bool converged;
    int epochs;      /* of the successful (or last) attempt */
    int restarts;    /* attempts that ended in a local minimum / plateau */
    int total_epochs;
    double final_error;
} rn_xor_mlp_train_result;

/* Trains from the current weights (rn_xor_mlp_init first); a failed attempt
 * (a local minimum or a plateau: not within tolerance after max_epochs)
 * re-initialises from rng and tries again.  `error_curve` (max_epochs doubles, may be NULL)
 * receives E per epoch of the last attempt. */
rn_status rn_xor_mlp_train(rn_xor_mlp *net, const rn_xor_mlp_train_options *options, rn_rng *rng,
                       rn_xor_mlp_train_result *result, double *error_curve);

/* Number of the four cases with (y > 0.5) == t. */
int rn_xor_mlp_correct(const rn_xor_mlp *net);

#ifdef __cplusplus
}
#endif
#endif
