/* gradient_flow.h — how big the gradient is in each layer of a deep network
 * (vanishing and exploding gradients, chapter 3).
 *
 * In an MLP h_l = f(a_l), a_l = W_l h_{l−1} + b_l, backpropagation gives
 *
 *   δ_L = ∂E/∂a_L,     δ_l = f'(a_l) ⊙ (W_{l+1}ᵀ δ_{l+1})
 *   ∂E/∂W_l = δ_l h_{l−1}ᵀ,   ∂E/∂b_l = δ_l        (summed over the batch)
 *
 * so going down one layer multiplies the delta by W_{l+1}ᵀ and by f'(a_l):
 * ‖δ_l‖ ≤ max|f'| ‖W_{l+1}‖ ‖δ_{l+1}‖.  With the sigmoid max σ' = 1/4, and
 * with PyTorch's default initialisation ‖W‖ is about 1/√3 of an orthogonal
 * matrix's, so the delta shrinks by a roughly constant factor per layer: the
 * first layers of a deep sigmoid network receive gradients orders of
 * magnitude smaller than the last (vanishing).  tanh (f'(0) = 1) shrinks
 * less, ReLU with Kaiming initialisation (He et al. 2015) keeps the scale,
 * batch normalisation (Ioffe & Szegedy 2015) rescales every layer's input,
 * and weights that are too large (gain > √2 for ReLU) make it grow
 * geometrically (exploding).
 *
 * These helpers build such networks with model.h, initialise them, run one
 * forward/backward and report the Frobenius norm ‖∂E/∂W_l‖_F of each fully
 * connected layer, from the input side (l = 1) to the output layer.
 */
#ifndef REDES_GRADIENT_FLOW_H
#define REDES_GRADIENT_FLOW_H

#include <stdbool.h>
#include <stddef.h>

#include "redes/autograd.h"
#include "redes/model.h"
#include "redes/rng.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The spec of `depth` hidden layers of `width` units with `activation`
 * (activation.h names), optionally batch norm before each activation, then
 * the output layer "fc n_classes":
 *   "fc 32, [bn,] sigmoid, fc 32, [bn,] sigmoid, ..., fc 10". */
rn_status rn_deep_mlp_spec(int depth, int width, const char *activation, bool batchnorm, int n_classes,
                           char *spec, size_t size);

/* A deliberately scaled initialisation: every fc weight W ~ N(0, gain² /
 * fan_in), every fc bias 0 (batch-norm layers as rn_model_init).  gain = √2
 * is Kaiming's for ReLU; gain 3 or 4 makes a deep ReLU network explode. */
rn_status rn_model_init_scaled_normal(rn_model *model, double gain, rn_rng *rng);

/* Number of fc layers of the model (the length of the norm arrays). */
int rn_model_fc_count(const rn_model *model);

/* ‖∂E/∂W_l‖_F and ‖∂E/∂b_l‖ of each fc layer l in order (input side first)
 * from the model's gradient buffer; bias_norms may be NULL.  Returns the
 * number of layers written (at most capacity). */
int rn_model_layer_grad_norms(const rn_model *model, double *weight_norms, double *bias_norms, int capacity);

/* One forward and backward of the mean cross-entropy on a batch
 * x (batch, n_inputs), labels (batch): zeroes the gradients, fills them,
 * writes the loss and resets the tape.  Dropout (if any) draws from rng. */
rn_status rn_model_loss_and_gradient(rn_model *model, rn_tape *tape, const float *x, const int *labels, int batch,
                                     rn_rng *rng, double *loss);

#ifdef __cplusplus
}
#endif
#endif
