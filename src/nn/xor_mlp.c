/* xor_mlp.c — the 2-2-1 XOR network: forward and backward by hand, the
 * same forward vectorised on the tape, and gradient-descent training.
 * The equations are in xor_mlp.h; each line below names the one it
 * computes. */
#include "redes/xor_mlp.h"

#include "redes/activation.h"

#include <math.h>
#include <string.h>

const float rn_xor_inputs[RN_XOR_EXAMPLES * 2] = {0, 0, 0, 1, 1, 0, 1, 1};
const float rn_xor_targets[RN_XOR_EXAMPLES] = {0, 1, 1, 0};

/* σ(z) = 1 / (1 + e^(−z)), computed as the tape's kernel computes it (for
 * z < 0 as e^z / (1 + e^z), so that e^ never overflows). */
static float sigma(float z) { return rn_sigmoid_scalar(z); }

/* w1 x1 + w2 x2 summed the way the matrix product sums it: the first
 * product, then the second added to it (in one rounding, a fused
 * multiply-add, where the CPU has one).  With the same σ and the bias added
 * last, the forward by hand and the vectorised one give the same floats,
 * not just close ones. */
static float two_products(float w1, float x1, float w2, float x2)
{
#ifdef __FMA__
    return fmaf(w2, x2, w1 * x1);
#else
    float first = w1 * x1, second = w2 * x2;
    return first + second;
#endif
}

void rn_xor_mlp_init(rn_xor_mlp *net, float scale, rn_rng *rng)
{
    rn_rng_fill_uniform(rng, net->theta, RN_XOR_PARAMS, -scale, scale);
}

rn_xor_mlp_activations rn_xor_mlp_forward_by_hand(const rn_xor_mlp *net, float x1, float x2)
{
    const float *p = net->theta;
    float w11 = p[RN_XOR_W1 + 0], w12 = p[RN_XOR_W1 + 1];
    float w21 = p[RN_XOR_W1 + 2], w22 = p[RN_XOR_W1 + 3];
    float b1 = p[RN_XOR_B1 + 0], b2 = p[RN_XOR_B1 + 1];
    float v1 = p[RN_XOR_W2 + 0], v2 = p[RN_XOR_W2 + 1];
    float c = p[RN_XOR_B2];
    rn_xor_mlp_activations a;
    a.h1 = sigma(two_products(w11, x1, w12, x2) + b1);   /* h1 = σ(w11 x1 + w12 x2 + b1) */
    a.h2 = sigma(two_products(w21, x1, w22, x2) + b2);   /* h2 = σ(w21 x1 + w22 x2 + b2) */
    a.y = sigma(two_products(v1, a.h1, v2, a.h2) + c);   /* y  = σ(v1 h1 + v2 h2 + c)    */
    return a;
}

double rn_xor_mlp_backward_by_hand(const rn_xor_mlp *net, const float *x, const float *t, int n,
                               float *gradient)
{
    const float *p = net->theta;
    float v1 = p[RN_XOR_W2 + 0], v2 = p[RN_XOR_W2 + 1];
    double error = 0.0;
    memset(gradient, 0, RN_XOR_PARAMS * sizeof *gradient);
    for (int i = 0; i < n; i++) {
        float x1 = x[2 * i], x2 = x[2 * i + 1];
        rn_xor_mlp_activations a = rn_xor_mlp_forward_by_hand(net, x1, x2);
        float residual = a.y - t[i];
        error += 0.5 * (double)residual * residual;        /* E = ½ Σ (y − t)² */
        float delta = residual * a.y * (1.0f - a.y);       /* δ  = (y − t) σ'(·), σ' = y (1 − y) */
        float delta1 = delta * v1 * a.h1 * (1.0f - a.h1);  /* δ1 = δ v1 h1 (1 − h1) */
        float delta2 = delta * v2 * a.h2 * (1.0f - a.h2);  /* δ2 = δ v2 h2 (1 − h2) */
        gradient[RN_XOR_W2 + 0] += delta * a.h1;            /* ∂E/∂v1 = δ h1 */
        gradient[RN_XOR_W2 + 1] += delta * a.h2;            /* ∂E/∂v2 = δ h2 */
        gradient[RN_XOR_B2] += delta;                       /* ∂E/∂c  = δ    */
        gradient[RN_XOR_W1 + 0] += delta1 * x1;             /* ∂E/∂w11 = δ1 x1 */
        gradient[RN_XOR_W1 + 1] += delta1 * x2;             /* ∂E/∂w12 = δ1 x2 */
        gradient[RN_XOR_W1 + 2] += delta2 * x1;             /* ∂E/∂w21 = δ2 x1 */
        gradient[RN_XOR_W1 + 3] += delta2 * x2;             /* ∂E/∂w22 = δ2 x2 */
        gradient[RN_XOR_B1 + 0] += delta1;                  /* ∂E/∂b1 = δ1 */
        gradient[RN_XOR_B1 + 1] += delta2;                  /* ∂E/∂b2 = δ2 */
    }
    return error;
}

rn_var *rn_xor_mlp_forward_tape(rn_xor_mlp *net, float *gradient, rn_var layers[4], rn_tape *tape,
                            rn_var *x)
{
    static const int w1_shape[2] = {2, 2}, b1_shape[1] = {2}, w2_shape[2] = {1, 2}, b2_shape[1] = {1};
    static const int offsets[4] = {RN_XOR_W1, RN_XOR_B1, RN_XOR_W2, RN_XOR_B2};
    static const int ndims[4] = {2, 1, 2, 1};
    const int *shapes[4] = {w1_shape, b1_shape, w2_shape, b2_shape};
    for (int k = 0; k < 4; k++) {
        rn_tensor value = rn_tensor_view(net->theta + offsets[k], ndims[k], shapes[k]);
        layers[k] = gradient ? rn_param(value, rn_tensor_view(gradient + offsets[k], ndims[k], shapes[k]))
                             : rn_param_frozen(value);
    }
    rn_var *hidden = rn_sigmoid(tape, rn_linear(tape, x, &layers[0], &layers[1])); /* H = σ(X W1ᵀ + b1) */
    return rn_sigmoid(tape, rn_linear(tape, hidden, &layers[2], &layers[3]));       /* Y = σ(H W2ᵀ + b2) */
}

rn_xor_mlp_train_options rn_xor_mlp_train_defaults(void)
{
    rn_xor_mlp_train_options o = {.learning_rate = 0.5, .max_epochs = 20000, .tolerance = 0.1f, .init_scale = 1.0f,
                              .max_restarts = 20};
    return o;
}

int rn_xor_mlp_correct(const rn_xor_mlp *net)
{
    int correct = 0;
    for (int i = 0; i < RN_XOR_EXAMPLES; i++) {
        rn_xor_mlp_activations a = rn_xor_mlp_forward_by_hand(net, rn_xor_inputs[2 * i], rn_xor_inputs[2 * i + 1]);
        correct += (a.y > 0.5f) == (rn_xor_targets[i] > 0.5f);
    }
    return correct;
}

static bool within_tolerance(const rn_xor_mlp *net, float tolerance)
{
    for (int i = 0; i < RN_XOR_EXAMPLES; i++) {
        rn_xor_mlp_activations a = rn_xor_mlp_forward_by_hand(net, rn_xor_inputs[2 * i], rn_xor_inputs[2 * i + 1]);
        if (fabsf(a.y - rn_xor_targets[i]) >= tolerance) return false;
    }
    return true;
}

/* One attempt from the current weights: returns the epochs used (E computed
 * before each update), or -1 if max_epochs passed without convergence. */
static int train_attempt(rn_xor_mlp *net, const rn_xor_mlp_train_options *o, double *curve, double *final_error)
{
    float gradient[RN_XOR_PARAMS];
    for (int epoch = 0; epoch < o->max_epochs; epoch++) {
        if (within_tolerance(net, o->tolerance)) {
            *final_error = rn_xor_mlp_backward_by_hand(net, rn_xor_inputs, rn_xor_targets, RN_XOR_EXAMPLES, gradient);
            return epoch;
        }
        double error = rn_xor_mlp_backward_by_hand(net, rn_xor_inputs, rn_xor_targets, RN_XOR_EXAMPLES, gradient);
        if (curve) curve[epoch] = error;
        for (int k = 0; k < RN_XOR_PARAMS; k++) /* θ ← θ − η ∂E/∂θ */
            net->theta[k] -= (float)o->learning_rate * gradient[k];
    }
    *final_error = rn_xor_mlp_backward_by_hand(net, rn_xor_inputs, rn_xor_targets, RN_XOR_EXAMPLES, gradient);
    return within_tolerance(net, o->tolerance) ? o->max_epochs : -1;
}

rn_status rn_xor_mlp_train(rn_xor_mlp *net, const rn_xor_mlp_train_options *o, rn_rng *rng,
                       rn_xor_mlp_train_result *result, double *error_curve)
{
    if (!(o->learning_rate > 0) || o->max_epochs < 1 || !(o->tolerance > 0 && o->tolerance <= 0.5f) ||
        !(o->init_scale > 0) || o->max_restarts < 0)
        return rn_error(RN_ERR_ARGUMENT,
                        "xor: need learning rate > 0, epochs >= 1, 0 < tolerance <= 0.5, init scale > 0 "
                        "and restarts >= 0");
    memset(result, 0, sizeof *result);
    for (int attempt = 0; attempt <= o->max_restarts; attempt++) {
        if (attempt > 0) rn_xor_mlp_init(net, o->init_scale, rng);
        int epochs = train_attempt(net, o, error_curve, &result->final_error);
        result->total_epochs += epochs < 0 ? o->max_epochs : epochs;
        if (epochs >= 0) {
            result->converged = true;
            result->epochs = epochs;
            return RN_OK;
        }
        result->epochs = o->max_epochs;
        if (attempt < o->max_restarts) result->restarts++;
    }
    return RN_OK;
}
