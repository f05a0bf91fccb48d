/* norm.c — batch normalisation (Ioffe & Szegedy, 2015) and layer
 * normalisation (Ba, Kiros & Hinton, 2016).
 *
 * Both normalise a group of n values with its mean mu and biased variance
 * s^2, then scale and shift:
 *   xhat = (x - mu) / sqrt(s^2 + eps),   y = gamma xhat + beta
 * and share one backward pass (mu and s^2 depend on every x of the group):
 *   dgamma += sum dy xhat,   dbeta += sum dy,   g = dy gamma
 *   dx = (1 / sqrt(s^2 + eps)) (g - mean(g) - xhat mean(g xhat))
 * With fixed statistics (batch norm in evaluation) mu and s^2 are constants
 * and dx = g / sqrt(s^2 + eps).
 * Batch norm groups are channels (over batch and space); layer norm groups
 * are rows (over the last dimension). Statistics are accumulated in double.
 */
#include <math.h>
#include <string.h>

#include "autograd/ops_internal.h"
#include "kernels/omp_for.h"

typedef struct norm_saved {
    float *xhat;     /* numel(x) */
    float *inv_std;  /* one per group */
    bool batch_statistics; /* mu, s^2 came from this batch (they get gradients) */
} norm_saved;

/* ------------------------------------------------------------------ batch norm
 * Layout (B, C, S) with S = H W (1 for (B, C)); element (b, c, s) at (b C + c) S + s. */

static void batch_norm_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    rn_var *gamma = out->n_inputs > 1 ? out->inputs[1] : NULL;
    rn_var *beta = out->n_inputs > 2 ? out->inputs[2] : NULL;
    if (out->option & 1) { /* no gamma but a beta: inputs are {x, beta} */
        beta = gamma;
        gamma = NULL;
    }
    const norm_saved *saved = out->saved;
    int batch = x->value.shape[0], channels = x->value.shape[1];
    size_t spatial = numel_of(x) / ((size_t)batch * channels), n = (size_t)batch * spatial;
    const float *dy = out->grad.data;
    /* Channels are independent: large (B, C, H, W) inputs split them over threads. */
    RN_OMP_ROWS(numel_of(x))
    for (int c = 0; c < channels; c++) {
        double sum_dy = 0.0, sum_dy_xhat = 0.0;
        for (int b = 0; b < batch; b++) {
            size_t base = ((size_t)b * channels + c) * spatial;
            for (size_t s = 0; s < spatial; s++) {
                sum_dy += dy[base + s];
                sum_dy_xhat += (double)dy[base + s] * saved->xhat[base + s];
            }
        }
        if (gamma && rn_var_needs_grad(gamma)) gamma->grad.data[c] += (float)sum_dy_xhat;
        if (beta && rn_var_needs_grad(beta)) beta->grad.data[c] += (float)sum_dy;
        if (!rn_var_needs_grad(x)) continue;
        float scale = (gamma ? gamma->value.data[c] : 1.0f) * saved->inv_std[c];
        float mean_dy = saved->batch_statistics ? (float)(sum_dy / n) : 0.0f;
        float mean_dy_xhat = saved->batch_statistics ? (float)(sum_dy_xhat / n) : 0.0f;
        for (int b = 0; b < batch; b++) {
            size_t base = ((size_t)b * channels + c) * spatial;
            for (size_t s = 0; s < spatial; s++)
                x->grad.data[base + s] +=
                    scale * (dy[base + s] - mean_dy - saved->xhat[base + s] * mean_dy_xhat);
        }
    }
}

static bool channel_vector_or_fail(rn_tape *tape, const char *name, const char *what, rn_var *v,
                                   int channels)
{
    if (!v || (v->value.ndim == 1 && v->value.shape[0] == channels)) return true;
    char s[64];
    rn_tape_fail(tape, RN_ERR_SHAPE, "%s: %s is %s, expected (%d)", name, what,
                 shape_of(v, s, sizeof s), channels);
    return false;
}

/* The op's inputs: x, then gamma and beta where given.  Returns how many. */
static int gather_inputs(rn_var *inputs[3], rn_var *x, rn_var *gamma, rn_var *beta)
{
    int n = 0;
    inputs[n++] = x;
    if (gamma) inputs[n++] = gamma;
    if (beta) inputs[n++] = beta;
    return n;
}

rn_var *rn_batch_norm(rn_tape *tape, rn_var *x, rn_var *gamma, rn_var *beta,
                      rn_batch_norm_stats *stats)
{
    rn_var *inputs[3];
    int n_inputs = gather_inputs(inputs, x, gamma, beta);
    if (!x) return rn__tape_record(tape, "batch_norm", inputs, n_inputs, NULL);
    char sx[64];
    if (x->value.ndim < 2)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "batch_norm: x must be (B, C) or (B, C, H, W), got %s",
                            shape_of(x, sx, sizeof sx));
    int batch = x->value.shape[0], channels = x->value.shape[1];
    if (!channel_vector_or_fail(tape, "batch_norm", "gamma", gamma, channels) ||
        !channel_vector_or_fail(tape, "batch_norm", "beta", beta, channels))
        return NULL;
    bool training = rn_tape_training(tape);
    size_t spatial = batch && channels ? numel_of(x) / ((size_t)batch * channels) : 0;
    size_t n = (size_t)batch * spatial;
    if (training && n < 2)
        return rn_tape_fail(tape, RN_ERR_SHAPE,
                            "batch_norm: %s gives %zu value per channel; training needs more than 1",
                            shape_of(x, sx, sizeof sx), n);
    if (!training && (!stats || !stats->running_mean || !stats->running_var))
        return rn_tape_fail(tape, RN_ERR_STATE, "batch_norm: evaluation mode needs running statistics");
    rn_var *out = rn_tape_op(tape, "batch_norm", x->value.ndim, x->value.shape, inputs, n_inputs,
                             batch_norm_backward);
    if (!out) return NULL;
    out->option = (!gamma && beta) ? 1 : 0;
    norm_saved *saved = rn_tape_alloc(tape, sizeof *saved);
    float *xhat = rn_tape_alloc(tape, numel_of(x) * sizeof(float));
    float *inv_std = rn_tape_alloc(tape, (size_t)channels * sizeof(float));
    if (!saved || !xhat || !inv_std) return NULL;
    float eps = stats ? stats->eps : 1e-5f;
    const float *v = x->value.data;
    RN_OMP_ROWS(numel_of(x))
    for (int c = 0; c < channels; c++) {
        double mean, variance;
        if (training) {
            double sum = 0.0, squares = 0.0;
            for (int b = 0; b < batch; b++) {
                const float *row = v + ((size_t)b * channels + c) * spatial;
                for (size_t s = 0; s < spatial; s++) sum += row[s];
            }
            mean = sum / (double)n;
            for (int b = 0; b < batch; b++) {
                const float *row = v + ((size_t)b * channels + c) * spatial;
                for (size_t s = 0; s < spatial; s++) squares += (row[s] - mean) * (row[s] - mean);
            }
            variance = squares / (double)n;
            if (stats && stats->running_mean && stats->running_var) {
                double m = stats->momentum;
                stats->running_mean[c] = (float)((1.0 - m) * stats->running_mean[c] + m * mean);
                stats->running_var[c] =
                    (float)((1.0 - m) * stats->running_var[c] + m * variance * n / (double)(n - 1));
            }
        } else {
            mean = stats->running_mean[c];
            variance = stats->running_var[c];
        }
        double inverse = 1.0 / sqrt(variance + eps);
        inv_std[c] = (float)inverse;
        float scale = gamma ? gamma->value.data[c] : 1.0f, shift = beta ? beta->value.data[c] : 0.0f;
        for (int b = 0; b < batch; b++) {
            size_t base = ((size_t)b * channels + c) * spatial;
            for (size_t s = 0; s < spatial; s++) {
                float normalised = (float)((v[base + s] - mean) * inverse);
                xhat[base + s] = normalised;
                out->value.data[base + s] = scale * normalised + shift;
            }
        }
    }
    saved->xhat = xhat;
    saved->inv_std = inv_std;
    saved->batch_statistics = training;
    out->saved = saved;
    return out;
}

/* ------------------------------------------------------------------ layer norm */

static void layer_norm_backward(rn_tape *tape, rn_var *out)
{
    rn_var *x = out->inputs[0];
    rn_var *gamma = out->n_inputs > 1 ? out->inputs[1] : NULL;
    rn_var *beta = out->n_inputs > 2 ? out->inputs[2] : NULL;
    if (out->option & 1) {
        beta = gamma;
        gamma = NULL;
    }
    const norm_saved *saved = out->saved;
    int width = x->value.shape[x->value.ndim - 1];
    size_t rows = numel_of(x) / (size_t)width;
    const float *dy = out->grad.data;
    float *g = rn_arena_alloc(rn_tape_arena(tape), (size_t)width * sizeof(float));
    if (!g) return;
    for (size_t r = 0; r < rows; r++) {
        const float *dyr = dy + r * width, *xh = saved->xhat + r * width;
        if (gamma && rn_var_needs_grad(gamma))
            for (int j = 0; j < width; j++) gamma->grad.data[j] += dyr[j] * xh[j];
        if (beta && rn_var_needs_grad(beta))
            for (int j = 0; j < width; j++) beta->grad.data[j] += dyr[j];
        if (!rn_var_needs_grad(x)) continue;
        double sum_g = 0.0, sum_g_xhat = 0.0;
        for (int j = 0; j < width; j++) {
            g[j] = dyr[j] * (gamma ? gamma->value.data[j] : 1.0f);
            sum_g += g[j];
            sum_g_xhat += (double)g[j] * xh[j];
        }
        float mean_g = (float)(sum_g / width), mean_g_xhat = (float)(sum_g_xhat / width);
        float inverse = saved->inv_std[r];
        float *dx = x->grad.data + r * width;
        for (int j = 0; j < width; j++) dx[j] += inverse * (g[j] - mean_g - xh[j] * mean_g_xhat);
    }
}

rn_var *rn_layer_norm(rn_tape *tape, rn_var *x, rn_var *gamma, rn_var *beta, float eps)
{
    rn_var *inputs[3];
    int n_inputs = gather_inputs(inputs, x, gamma, beta);
    if (!x) return rn__tape_record(tape, "layer_norm", inputs, n_inputs, NULL);
    int width = x->value.shape[x->value.ndim - 1];
    if (width < 1) return rn_tape_fail(tape, RN_ERR_SHAPE, "layer_norm: last dimension is empty");
    if (!channel_vector_or_fail(tape, "layer_norm", "gamma", gamma, width) ||
        !channel_vector_or_fail(tape, "layer_norm", "beta", beta, width))
        return NULL;
    rn_var *out = rn_tape_op(tape, "layer_norm", x->value.ndim, x->value.shape, inputs, n_inputs,
                             layer_norm_backward);
    if (!out) return NULL;
    out->option = (!gamma && beta) ? 1 : 0;
    size_t rows = numel_of(x) / (size_t)width;
    norm_saved *saved = rn_tape_alloc(tape, sizeof *saved);
    float *xhat = rn_tape_alloc(tape, numel_of(x) * sizeof(float));
    float *inv_std = rn_tape_alloc(tape, rows * sizeof(float));
    if (!saved || !xhat || !inv_std) return NULL;
    for (size_t r = 0; r < rows; r++) {
        const float *row = x->value.data + r * width;
        double sum = 0.0, squares = 0.0;
        for (int j = 0; j < width; j++) sum += row[j];
        double mean = sum / width;
        for (int j = 0; j < width; j++) squares += (row[j] - mean) * (row[j] - mean);
        double inverse = 1.0 / sqrt(squares / width + eps);
        inv_std[r] = (float)inverse;
        float *xh = xhat + r * width, *y = out->value.data + r * width;
        for (int j = 0; j < width; j++) {
            xh[j] = (float)((row[j] - mean) * inverse);
            y[j] = (gamma ? gamma->value.data[j] : 1.0f) * xh[j] + (beta ? beta->value.data[j] : 0.0f);
        }
    }
    saved->xhat = xhat;
    saved->inv_std = inv_std;
    saved->batch_statistics = true;
    out->saved = saved;
    return out;
}
