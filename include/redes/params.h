/* params.h — every parameter of a model in one flat buffer, with named views.
 *
 * A model's weights and biases live in ONE contiguous float buffer `values`,
 * and their gradients in ONE buffer `grads` of the same size and layout.  Each
 * parameter is a named view (name, shape, offset) into both, with PyTorch's
 * names and layouts so a model file maps 1:1 onto a state_dict:
 *
 *   "fc1.weight"  (out, in)          "fc1.bias"  (out)
 *   "conv1.weight" (C_out, C_in, kH, kW)
 *
 * Zeroing gradients, L1/L2 regularisation, clipping by global norm, the
 * optimisers (optim.h), checkpoints (safetensors.h) and a data-parallel
 * all-reduce are then single loops over two arrays.
 *
 * Life cycle: declare every view with rn_params_add() (offsets are assigned
 * in order), then rn_params_allocate() allocates both buffers zero-filled.
 * Views are fixed after allocation.
 */
#ifndef REDES_PARAMS_H
#define REDES_PARAMS_H

#include <stdbool.h>
#include <stddef.h>

#include "redes/rng.h"
#include "redes/status.h"
#include "redes/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

enum { RN_PARAM_NAME_MAX = 64 };

typedef struct rn_param_view {
    char name[RN_PARAM_NAME_MAX]; /* "fc1.weight" */
    int ndim;
    int shape[RN_MAX_DIMS];
    size_t offset; /* in floats, from the start of values / grads */
    size_t numel;
} rn_param_view;

typedef struct rn_params {
    float *values; /* count floats, NULL until allocated */
    float *grads;  /* count floats, same layout */
    size_t count;
    rn_param_view *views;
    int n_views;
    int capacity;
    bool allocated;
} rn_params;

/* An empty store (no allocation). */
void rn_params_init(rn_params *params);
/* Releases both buffers and the views; leaves an empty store. */
void rn_params_free(rn_params *params);

/* Declares a parameter; writes its index into *index (may be NULL).
 * Fails with RN_ERR_STATE after allocation, RN_ERR_ARGUMENT on a duplicate
 * or too long name, RN_ERR_SHAPE on a bad shape. */
rn_status rn_params_add(rn_params *params, const char *name, int ndim, const int *shape, int *index);
/* Allocates values and grads (zero-filled), 64-byte aligned. */
rn_status rn_params_allocate(rn_params *params);

/* Index of the view called `name`, or -1. */
int rn_params_find(const rn_params *params, const char *name);
/* Tensor views of a parameter's values / gradient (after allocation). */
rn_tensor rn_params_value(const rn_params *params, int index);
rn_tensor rn_params_grad(const rn_params *params, int index);

/* grads = 0 */
void rn_params_zero_grad(rn_params *params);
/* L2 penalty (lambda/2) sum w^2: adds its gradient lambda*w to grads and
 * returns the penalty, so the loss can report it. */
double rn_params_l2(rn_params *params, double lambda);
/* L1 penalty lambda sum |w|: adds lambda*sign(w) to grads (0 at w = 0, as
 * torch.sign) and returns the penalty. */
double rn_params_l1(rn_params *params, double lambda);
/* sqrt(sum g^2) over every gradient. */
double rn_params_grad_norm(const rn_params *params);
/* torch.nn.utils.clip_grad_norm_: if the global norm exceeds max_norm, every
 * gradient is scaled by max_norm / (norm + 1e-6).  Returns the norm before
 * clipping (NaN/inf gradients are reported by the caller from this value). */
double rn_params_clip_grad_norm(rn_params *params, double max_norm);
/* Copies values (not gradients) from `source`, which must have the same
 * views in the same order (a model and its best-so-far snapshot). */
rn_status rn_params_copy_values(rn_params *dst, const rn_params *src);

/* ---------------------------------------------------------------- initialisation
 * PyTorch's formulas (torch.nn.init).  For a view of shape (out, in, k...):
 *   receptive = prod(k...),  fan_in = in * receptive,  fan_out = out * receptive
 * (a 1-D view has fan_in = fan_out = its length).
 *
 *   xavier_uniform   U(-a, a),  a   = gain sqrt(6 / (fan_in + fan_out))
 *   xavier_normal    N(0, s^2), s   = gain sqrt(2 / (fan_in + fan_out))
 *   kaiming_uniform  U(-b, b),  b   = gain sqrt(3 / fan)
 *   kaiming_normal   N(0, s^2), s   = gain / sqrt(fan)       (fan = fan_in by default)
 *   default          nn.Linear / nn.Conv2d's reset_parameters(): weights
 *                    kaiming_uniform with a = sqrt(5) (gain sqrt(2/(1+5))),
 *                    i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)); biases
 *                    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with the fan_in of
 *                    the layer's weight.
 */
typedef enum rn_init_kind {
    RN_INIT_DEFAULT,
    RN_INIT_XAVIER_UNIFORM,
    RN_INIT_XAVIER_NORMAL,
    RN_INIT_KAIMING_UNIFORM,
    RN_INIT_KAIMING_NORMAL,
    RN_INIT_ZEROS,
    RN_INIT_ONES
} rn_init_kind;

/* Parses "default|xavier-uniform|xavier-normal|kaiming-uniform|kaiming-normal|
 * he-uniform|he-normal|zeros|ones". */
rn_status rn_init_parse(const char *text, rn_init_kind *kind);
const char *rn_init_name(rn_init_kind kind);

/* torch.nn.init.calculate_gain: "linear", "sigmoid", "conv" -> 1, "tanh" ->
 * 5/3, "relu" -> sqrt(2), "leaky_relu" -> sqrt(2 / (1 + slope^2)), "selu" ->
 * 3/4.  Returns a negative number for an unknown name. */
double rn_init_gain(const char *nonlinearity, double negative_slope);

/* fan_in / fan_out of a shape as above. */
void rn_init_fans(int ndim, const int *shape, int *fan_in, int *fan_out);

/* Initialises view `index` of kind `kind` with `gain` (ignored by DEFAULT,
 * ZEROS, ONES).  Kaiming uses fan_in (PyTorch's default mode).  For a bias
 * with RN_INIT_DEFAULT, pass the fan_in of its layer's weight in
 * `bias_fan_in` (ignored otherwise, and for weights). */
rn_status rn_params_init_view(rn_params *params, int index, rn_init_kind kind, double gain,
                              int bias_fan_in, rn_rng *rng);

#ifdef __cplusplus
}
#endif
#endif
