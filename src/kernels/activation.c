/* activation.c — activation functions and derivatives (see include/redes/activation.h).
 *
 * One loop per activation with the switch outside, so each body is a
 * straight-line expression the compiler can vectorise.  Double-precision
 * intermediates are avoided: every formula is stable in float (sigmoid via
 * e^-|x|, softplus via log1p), matching PyTorch's float32 results to ~1 ulp.
 */
#include "redes/activation.h"

#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "kernels/omp_for.h"

static const char *const activation_names[RN_ACT_COUNT] = {
    "identity", "step", "sign", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus", "gelu"};

const char *rn_activation_name(rn_activation kind)
{
    if ((int)kind < 0 || kind >= RN_ACT_COUNT) return "?";
    return activation_names[kind];
}

rn_status rn_activation_from_name(const char *name, rn_activation *out)
{
    if (name) {
        for (int k = 0; k < RN_ACT_COUNT; k++)
            if (strcmp(name, activation_names[k]) == 0) {
                *out = (rn_activation)k;
                return RN_OK;
            }
        if (strcmp(name, "linear") == 0) {
            *out = RN_ACT_IDENTITY;
            return RN_OK;
        }
        if (strcmp(name, "heaviside") == 0) {
            *out = RN_ACT_STEP;
            return RN_OK;
        }
    }
    return rn_error(RN_ERR_ARGUMENT,
                    "activation: unknown name '%s' (expected identity, step, sign, sigmoid, tanh, "
                    "relu, leaky_relu, elu, softplus or gelu)",
                    name ? name : "(null)");
}

float rn_activation_default_alpha(rn_activation kind)
{
    if (kind == RN_ACT_LEAKY_RELU) return 0.01f;
    if (kind == RN_ACT_ELU) return 1.0f;
    return 0.0f;
}

/* sigma(x) = 1 / (1 + e^-x), written so e^ never overflows (activation.h). */
static inline float sigmoid(float x) { return rn_sigmoid_scalar(x); }

static inline float softplus(float x) { return fmaxf(x, 0.0f) + log1pf(expf(-fabsf(x))); }

/* Phi(x) and phi(x), the standard normal CDF and density (GELU). */
static const float INV_SQRT2 = 0.70710678118654752f;
static const float INV_SQRT_2PI = 0.39894228040143268f;
static inline float gelu(float x) { return 0.5f * x * (1.0f + erff(x * INV_SQRT2)); }
static inline float gelu_derivative(float x)
{
    float cdf = 0.5f * (1.0f + erff(x * INV_SQRT2));
    return cdf + x * INV_SQRT_2PI * expf(-0.5f * x * x);
}

void rn_activation_forward(rn_activation kind, float alpha, const float *x, float *y, size_t n)
{
    ptrdiff_t count = (ptrdiff_t)n;
    switch (kind) {
    case RN_ACT_IDENTITY:
        if (x != y) memmove(y, x, n * sizeof *x);
        break;
    case RN_ACT_STEP:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = x[i] >= 0.0f ? 1.0f : 0.0f;
        break;
    case RN_ACT_SIGN:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++)
            y[i] = x[i] > 0.0f ? 1.0f : (x[i] < 0.0f ? -1.0f : 0.0f);
        break;
    case RN_ACT_SIGMOID:
        RN_OMP_FOR(n / 4)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = sigmoid(x[i]);
        break;
    case RN_ACT_TANH:
        RN_OMP_FOR(n / 4)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = tanhf(x[i]);
        break;
    case RN_ACT_RELU:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
        break;
    case RN_ACT_LEAKY_RELU:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * x[i];
        break;
    case RN_ACT_ELU:
        RN_OMP_FOR(n / 4)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = x[i] > 0.0f ? x[i] : alpha * expm1f(x[i]);
        break;
    case RN_ACT_SOFTPLUS:
        RN_OMP_FOR(n / 4)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = softplus(x[i]);
        break;
    case RN_ACT_GELU:
        RN_OMP_FOR(n / 4)
        for (ptrdiff_t i = 0; i < count; i++) y[i] = gelu(x[i]);
        break;
    default:
        break;
    }
}

/* f'(x) for one element; `y` = f(x). */
static inline float derivative_at(rn_activation kind, float alpha, float x, float y)
{
    switch (kind) {
    case RN_ACT_IDENTITY: return 1.0f;
    case RN_ACT_SIGMOID: return y * (1.0f - y);
    case RN_ACT_TANH: return 1.0f - y * y;
    case RN_ACT_RELU: return x > 0.0f ? 1.0f : 0.0f;
    case RN_ACT_LEAKY_RELU: return x > 0.0f ? 1.0f : alpha;
    case RN_ACT_ELU: return x > 0.0f ? 1.0f : y + alpha;
    case RN_ACT_SOFTPLUS: return sigmoid(x);
    case RN_ACT_GELU: return gelu_derivative(x);
    default: return 0.0f; /* step, sign: zero almost everywhere */
    }
}

/* f(x) for one element when the caller did not keep y. */
static inline float value_at(rn_activation kind, float alpha, float x)
{
    switch (kind) {
    case RN_ACT_SIGMOID: return sigmoid(x);
    case RN_ACT_TANH: return tanhf(x);
    case RN_ACT_ELU: return x > 0.0f ? x : alpha * expm1f(x);
    default: return 0.0f; /* the other derivatives do not use y */
    }
}

static bool derivative_uses_y(rn_activation kind)
{
    return kind == RN_ACT_SIGMOID || kind == RN_ACT_TANH || kind == RN_ACT_ELU;
}

/* f'(x_i), from the kept y_i = f(x_i) when the caller has it (y != NULL),
 * else recomputing f(x_i) where the derivative needs it (need_y). */
static inline float derivative_of_element(rn_activation kind, float alpha, const float *x, const float *y,
                                          bool need_y, ptrdiff_t i)
{
    float yi = need_y ? value_at(kind, alpha, x[i]) : (y ? y[i] : 0.0f);
    return derivative_at(kind, alpha, x[i], yi);
}

void rn_activation_derivative(rn_activation kind, float alpha, const float *x, const float *y,
                              float *dydx, size_t n)
{
    ptrdiff_t count = (ptrdiff_t)n;
    bool need_y = derivative_uses_y(kind) && y == NULL;
    RN_OMP_FOR(n / 4)
    for (ptrdiff_t i = 0; i < count; i++) dydx[i] = derivative_of_element(kind, alpha, x, y, need_y, i);
}

void rn_activation_backward(rn_activation kind, float alpha, const float *x, const float *y,
                            const float *dy, float *dx, size_t n)
{
    ptrdiff_t count = (ptrdiff_t)n;
    /* The common cases get their own branch-free loops. */
    switch (kind) {
    case RN_ACT_IDENTITY:
        for (ptrdiff_t i = 0; i < count; i++) dx[i] += dy[i];
        return;
    case RN_ACT_STEP:
    case RN_ACT_SIGN:
        return;
    case RN_ACT_RELU:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) dx[i] += x[i] > 0.0f ? dy[i] : 0.0f;
        return;
    case RN_ACT_SIGMOID:
        if (y) {
            RN_OMP_FOR(n)
            for (ptrdiff_t i = 0; i < count; i++) dx[i] += dy[i] * y[i] * (1.0f - y[i]);
            return;
        }
        break;
    case RN_ACT_TANH:
        if (y) {
            RN_OMP_FOR(n)
            for (ptrdiff_t i = 0; i < count; i++) dx[i] += dy[i] * (1.0f - y[i] * y[i]);
            return;
        }
        break;
    default:
        break;
    }
    bool need_y = derivative_uses_y(kind) && y == NULL;
    RN_OMP_FOR(n / 4)
    for (ptrdiff_t i = 0; i < count; i++)
        dx[i] += dy[i] * derivative_of_element(kind, alpha, x, y, need_y, i);
}

bool rn_activation_derivative_from_output(rn_activation kind)
{
    return kind == RN_ACT_IDENTITY || kind == RN_ACT_RELU || kind == RN_ACT_SIGMOID || kind == RN_ACT_TANH;
}

void rn_activation_delta(rn_activation kind, float alpha, const float *x, const float *y, const float *dy,
                         float *dz, size_t n)
{
    ptrdiff_t count = (ptrdiff_t)n;
    /* No restrict: dz may be dy.  Each element reads only its own index. */
    switch (kind) {
    case RN_ACT_IDENTITY:
        if (dz != dy) memmove(dz, dy, n * sizeof *dz);
        return;
    case RN_ACT_RELU:
        if (x) {
            RN_OMP_FOR(n)
            for (ptrdiff_t i = 0; i < count; i++) dz[i] = x[i] > 0.0f ? dy[i] : 0.0f;
        } else {
            RN_OMP_FOR(n)
            for (ptrdiff_t i = 0; i < count; i++) dz[i] = y[i] > 0.0f ? dy[i] : 0.0f;
        }
        return;
    case RN_ACT_SIGMOID:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) dz[i] = dy[i] * y[i] * (1.0f - y[i]);
        return;
    case RN_ACT_TANH:
        RN_OMP_FOR(n)
        for (ptrdiff_t i = 0; i < count; i++) dz[i] = dy[i] * (1.0f - y[i] * y[i]);
        return;
    default:
        break;
    }
    bool need_y = derivative_uses_y(kind) && y == NULL;
    RN_OMP_FOR(n / 4)
    for (ptrdiff_t i = 0; i < count; i++) dz[i] = dy[i] * derivative_of_element(kind, alpha, x, y, need_y, i);
}
