/* activation.h — activation functions f and their derivatives f' on float arrays.
 *
 * Every activation of the course, vectorised, with a name <-> enum mapping so
 * that options and files can say "relu" or "leaky_relu".  These kernels know
 * nothing about autodiff: rn_activate() in autograd.h calls them, the chapter-2
 * plots call them directly.
 *
 *   name         f(x)                                   f'(x)
 *   identity     x                                      1
 *   step         1 if x >= 0, else 0   (Heaviside)      0  (almost everywhere)
 *   sign         +1 if x > 0, -1 if x < 0, 0 at 0       0  (almost everywhere)
 *   sigmoid      1 / (1 + e^-x)                         f (1 - f)
 *   tanh         tanh x                                 1 - f^2
 *   relu         max(0, x)                              1 if x > 0, else 0
 *   leaky_relu   x if x > 0, else a x   (a = 0.01)      1 if x > 0, else a
 *   elu          x if x > 0, else a (e^x - 1)  (a = 1)  1 if x > 0, else f + a
 *   softplus     ln(1 + e^x)                            sigmoid(x)
 *   gelu         x Phi(x) = x/2 (1 + erf(x/sqrt 2))     Phi(x) + x phi(x)
 *
 * `a` is the `alpha` argument (leaky_relu's negative slope, elu's alpha); the
 * other activations ignore it.  rn_activation_default_alpha() gives PyTorch's
 * defaults (0.01 and 1.0).  Conventions at the kinks follow PyTorch
 * (relu'(0) = 0, leaky_relu'(0) = a, sign(0) = 0) so gradients match
 * torch.autograd exactly.  GELU is the exact erf form (PyTorch's default,
 * approximate='none'); softplus is computed as max(x,0) + log1p(e^-|x|), which
 * never overflows.
 *
 * Loops use OpenMP only above RN_PARALLEL_MIN_ELEMENTS (parallel.h).
 */
#ifndef REDES_ACTIVATION_H
#define REDES_ACTIVATION_H

#include <math.h>

#include <stdbool.h>
#include <stddef.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_activation {
    RN_ACT_IDENTITY = 0,
    RN_ACT_STEP,
    RN_ACT_SIGN,
    RN_ACT_SIGMOID,
    RN_ACT_TANH,
    RN_ACT_RELU,
    RN_ACT_LEAKY_RELU,
    RN_ACT_ELU,
    RN_ACT_SOFTPLUS,
    RN_ACT_GELU,
    RN_ACT_COUNT
} rn_activation;

/* sigma(x) = 1 / (1 + e^-x) for one float, exactly as the array kernels
 * compute it (written so that e^ never overflows: for x < 0 it is
 * e^x / (1 + e^x)).  Code that writes a network's equations out by hand
 * (xor_mlp.c) gets the kernels' floats bit for bit. */
static inline float rn_sigmoid_scalar(float x)
{
    float e = expf(-fabsf(x));
    float s = 1.0f / (1.0f + e);
    return x >= 0.0f ? s : e * s;
}

/* "identity", "step", "sign", "sigmoid", "tanh", "relu", "leaky_relu", "elu",
 * "softplus", "gelu"; "?" for an out-of-range value. */
const char *rn_activation_name(rn_activation kind);
/* Inverse of rn_activation_name (also accepts "linear" for identity and
 * "heaviside" for step).  Unknown names: RN_ERR_ARGUMENT with the list of
 * valid names in the message. */
rn_status rn_activation_from_name(const char *name, rn_activation *out);
/* PyTorch's default alpha: 0.01 for leaky_relu, 1.0 for elu, 0 otherwise. */
float rn_activation_default_alpha(rn_activation kind);

/* y[i] = f(x[i]) for i < n.  x and y may be the same array. */
void rn_activation_forward(rn_activation kind, float alpha, const float *x, float *y, size_t n);

/* dydx[i] = f'(x[i]).  `y` must hold f(x) (some derivatives are cheapest from
 * the output: sigmoid, tanh, elu); pass NULL to have it recomputed. */
void rn_activation_derivative(rn_activation kind, float alpha, const float *x, const float *y,
                              float *dydx, size_t n);

/* The backward pass of y = f(x):  dx[i] += dy[i] * f'(x[i]).
 * Adds (never overwrites) so that fan-out accumulates.  `y` as above. */
void rn_activation_backward(rn_activation kind, float alpha, const float *x, const float *y,
                            const float *dy, float *dx, size_t n);

/* True when f'(x) follows from y = f(x) alone, so x need not be kept:
 * identity, relu (x > 0 <=> y > 0), sigmoid (y (1 - y)), tanh (1 - y^2). */
bool rn_activation_derivative_from_output(rn_activation kind);

/* dz[i] = dy[i] * f'(x[i]), WRITTEN (not added); dz may be dy itself (the
 * fused layers turn their output gradient into dz in place).  `x` may be
 * NULL when rn_activation_derivative_from_output(kind); `y` must hold f(x). */
void rn_activation_delta(rn_activation kind, float alpha, const float *x, const float *y, const float *dy,
                         float *dz, size_t n);

#ifdef __cplusplus
}
#endif
#endif
