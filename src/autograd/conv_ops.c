/* conv_ops.c — convolution, transposed convolution and pooling as autograd
 * ops (see conv_ops.h).  The arithmetic is in src/kernels/conv.c and pool.c;
 * this file checks shapes, records the node and saves what backward needs. */
#include <stdio.h>
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/conv.h"
#include "redes/conv_ops.h"
#include "redes/pool.h"

/* ------------------------------------------------------------------ convolution */

/* What a convolution node keeps for its backward pass.  With a fused
 * activation y = f(z) the node's value is y (z is overwritten, so the
 * layer keeps one tensor instead of two); z itself is kept only when f'
 * does not follow from y (rn_activation_derivative_from_output). */
typedef struct conv_saved {
    rn_conv2d_geometry geometry;
    float *workspace;
    size_t workspace_floats;
    rn_activation activation; /* RN_ACT_IDENTITY: a plain convolution */
    float alpha;
    float *z; /* pre-activation, or NULL */
} conv_saved;

/* With a fused activation, dz = dy * f'(z) first, in place in this node's
 * gradient (read by nobody after its own backward, see autograd.h); then
 *   dx += conv^T(dz, w)         dw += sum_b dZ_b col(x_b)^T       db += sum of dz */
static void conv2d_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    const conv_saved *s = out->saved;
    rn_var *x = out->inputs[0], *w = out->inputs[1], *b = out->n_inputs > 2 ? out->inputs[2] : NULL;
    float *dy = out->grad.data;
    if (s->activation != RN_ACT_IDENTITY)
        rn_activation_delta(s->activation, s->alpha, s->z, out->value.data, dy, dy, numel_of(out));
    if (rn_var_needs_grad(x))
        rn_conv2d_backward_data(&s->geometry, dy, w->value.data, x->grad.data, s->workspace,
                                s->workspace_floats);
    float *dw = rn_var_needs_grad(w) ? w->grad.data : NULL;
    float *db = b && rn_var_needs_grad(b) ? b->grad.data : NULL;
    if (dw || db)
        rn_conv2d_backward_weight(&s->geometry, x->value.data, dy, dw, db, s->workspace, s->workspace_floats);
}

/* The transposed convolution's three gradients are the plain convolution's
 * passes read the other way round (conv.h). */
static void conv_transpose2d_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    const conv_saved *s = out->saved;
    rn_var *x = out->inputs[0], *w = out->inputs[1], *b = out->n_inputs > 2 ? out->inputs[2] : NULL;
    const float *dy = out->grad.data;
    if (rn_var_needs_grad(x))
        rn_conv_transpose2d_backward_data(&s->geometry, dy, w->value.data, x->grad.data, s->workspace,
                                          s->workspace_floats);
    float *dw = rn_var_needs_grad(w) ? w->grad.data : NULL;
    float *db = b && rn_var_needs_grad(b) ? b->grad.data : NULL;
    if (dw || db)
        rn_conv_transpose2d_backward_weight(&s->geometry, x->value.data, dy, dw, db, s->workspace,
                                            s->workspace_floats);
}

/* Fills the geometry from x, the weight and the options, and checks that the
 * weight and bias fit.  `transposed` selects the weight layout:
 * (C_out, C_in/G, K_h, K_w) or (C_in, C_out/G, K_h, K_w). */
static rn_status conv_geometry(const char *name, const rn_var *x, const rn_var *w, const rn_var *b,
                               const rn_conv_options *options, bool transposed, rn_conv2d_geometry *g)
{
    static const rn_conv_options defaults = {{1, 1}, {0, 0}, {1, 1}, 1, {0, 0}};
    if (!options) options = &defaults;
    char sx[64], sw[64];
    if (x->value.ndim != 4 || w->value.ndim != 4)
        return rn_error(RN_ERR_SHAPE, "%s: input %s must be (B, C, H, W) and weight %s 4-D", name,
                        shape_of(x, sx, sizeof sx), shape_of(w, sw, sizeof sw));
    int groups = options->groups ? options->groups : 1;
    const int *xs = x->value.shape, *ws = w->value.shape;
    *g = (rn_conv2d_geometry){.batch = xs[0],
                              .in_channels = xs[1],
                              .in_height = xs[2],
                              .in_width = xs[3],
                              .out_channels = transposed ? ws[1] * groups : ws[0],
                              .kernel_height = ws[2],
                              .kernel_width = ws[3],
                              .stride_height = options->stride[0],
                              .stride_width = options->stride[1],
                              .pad_height = options->padding[0],
                              .pad_width = options->padding[1],
                              .dilation_height = options->dilation[0],
                              .dilation_width = options->dilation[1],
                              .groups = groups,
                              .output_pad_height = transposed ? options->output_padding[0] : 0,
                              .output_pad_width = transposed ? options->output_padding[1] : 0};
    int weight_in = transposed ? ws[0] : ws[1] * groups;
    if (weight_in != xs[1] || (groups > 0 && ws[0] % groups))
        return rn_error(RN_ERR_SHAPE, "%s: weight %s does not fit input %s with %d group(s)", name,
                        shape_of(w, sw, sizeof sw), shape_of(x, sx, sizeof sx), groups);
    if (b && (b->value.ndim != 1 || b->value.shape[0] != g->out_channels))
        return rn_error(RN_ERR_SHAPE, "%s: bias %s must be (%d)", name, shape_of(b, sx, sizeof sx),
                        g->out_channels);
    return transposed ? rn_conv_transpose2d_prepare(g) : rn_conv2d_prepare(g);
}

static rn_var *convolution(rn_tape *tape, const char *name, rn_var *x, rn_var *w, rn_var *b,
                           const rn_conv_options *options, bool transposed, rn_activation activation,
                           float alpha)
{
    rn_var *inputs[3] = {x, w, b};
    int n_inputs = b ? 3 : 2;
    rn_backward_fn backward = transposed ? conv_transpose2d_backward : conv2d_backward;
    if (!x || !w) return rn__tape_record(tape, name, inputs, n_inputs, NULL);
    rn_conv2d_geometry g;
    rn_status status = conv_geometry(name, x, w, b, options, transposed, &g);
    char text[256];
    if (status != RN_OK) {
        snprintf(text, sizeof text, "%s", rn_error_message());
        return rn_tape_fail(tape, status, "%s", text);
    }
    int shape[4] = {g.batch, g.out_channels, g.out_height, g.out_width};
    rn_var *out = rn_tape_op(tape, name, 4, shape, inputs, n_inputs, backward);
    if (!out) return NULL;
    conv_saved *s = rn_tape_alloc(tape, sizeof *s);
    if (!s) return NULL;
    s->geometry = g;
    s->activation = activation;
    s->alpha = alpha;
    s->z = NULL;
    s->workspace_floats =
        transposed ? rn_conv_transpose2d_workspace_floats(&g) : rn_conv2d_workspace_floats(&g);
    s->workspace = rn_tape_alloc(tape, s->workspace_floats * sizeof(float));
    if (!s->workspace) return NULL;
    const float *bias = b ? b->value.data : NULL;
    status = transposed ? rn_conv_transpose2d_forward(&g, x->value.data, w->value.data, bias, out->value.data,
                                                      s->workspace, s->workspace_floats)
                        : rn_conv2d_forward(&g, x->value.data, w->value.data, bias, out->value.data,
                                            s->workspace, s->workspace_floats);
    if (status != RN_OK) {
        snprintf(text, sizeof text, "%s", rn_error_message());
        return rn_tape_fail(tape, status, "%s", text);
    }
    out->saved = s;
    if (activation != RN_ACT_IDENTITY) {
        size_t n = numel_of(out);
        if (out->backward && !rn_activation_derivative_from_output(activation)) {
            s->z = rn_tape_alloc(tape, n * sizeof(float));
            if (!s->z) return NULL;
            memcpy(s->z, out->value.data, n * sizeof(float));
        }
        rn_activation_forward(activation, alpha, out->value.data, out->value.data, n);
    }
    return out;
}

rn_var *rn_conv2d(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias, const rn_conv_options *options)
{
    return convolution(tape, "conv2d", x, weight, bias, options, false, RN_ACT_IDENTITY, 0.0f);
}

rn_var *rn_conv2d_act(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias, const rn_conv_options *options,
                      rn_activation activation, float alpha)
{
    if ((int)activation < 0 || activation >= RN_ACT_COUNT)
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "conv2d: unknown activation %d", (int)activation);
    return convolution(tape, activation == RN_ACT_IDENTITY ? "conv2d" : "conv2d_act", x, weight, bias, options,
                       false, activation, alpha);
}

rn_var *rn_conv_transpose2d(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias,
                            const rn_conv_options *options)
{
    return convolution(tape, "conv_transpose2d", x, weight, bias, options, true, RN_ACT_IDENTITY, 0.0f);
}

/* ------------------------------------------------------------------ pooling */

/* A pooling node's saved state; with a fused activation (max pooling only)
 * the node's value is y = f(m), m the pooled maxima, f applied in place. */
typedef struct pool_saved {
    rn_pool2d_geometry geometry;
    int32_t *argmax; /* max pooling only */
    rn_activation activation;
    float alpha;
    float *m; /* the maxima before f when f' does not follow from y, else NULL */
} pool_saved;

/* dm = dy f'(m) in place first (fused activation), then dx[argmax] += dm,
 * or dx = that scatter when x's gradient holds nothing yet (assigns_grads). */
static void max_pool2d_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    const pool_saved *s = out->saved;
    rn_var *x = out->inputs[0];
    if (!rn_var_needs_grad(x)) return;
    if (s->activation != RN_ACT_IDENTITY)
        rn_activation_delta(s->activation, s->alpha, s->m, out->value.data, out->grad.data, out->grad.data,
                            numel_of(out));
    if (rn_var_take_unwritten(x))
        rn_max_pool2d_backward_assign(&s->geometry, out->grad.data, s->argmax, x->grad.data);
    else
        rn_max_pool2d_backward(&s->geometry, out->grad.data, s->argmax, x->grad.data);
}

static void avg_pool2d_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    const pool_saved *s = out->saved;
    rn_var *x = out->inputs[0];
    if (rn_var_needs_grad(x)) rn_avg_pool2d_backward(&s->geometry, out->grad.data, x->grad.data);
}

static rn_var *pooling(rn_tape *tape, const char *name, rn_var *x, int kernel, int stride, int padding,
                       bool max, rn_activation activation, float alpha)
{
    rn_backward_fn backward = max ? max_pool2d_backward : avg_pool2d_backward;
    if (!x) return rn__tape_record(tape, name, &x, 1, NULL);
    char sx[64];
    if (x->value.ndim != 4)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "%s: input %s must be (B, C, H, W)", name,
                            shape_of(x, sx, sizeof sx));
    rn_pool2d_geometry g;
    const int *xs = x->value.shape;
    if (rn_pool2d_geometry_square(&g, xs[0], xs[1], xs[2], xs[3], kernel, stride, padding) != RN_OK) {
        char text[256];
        snprintf(text, sizeof text, "%s", rn_error_message());
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "%s: %s", name, text);
    }
    int shape[4] = {g.batch, g.channels, g.out_height, g.out_width};
    rn_var *out = rn_tape_op(tape, name, 4, shape, &x, 1, backward);
    if (!out) return NULL;
    pool_saved *s = rn_tape_alloc(tape, sizeof *s);
    if (!s) return NULL;
    s->geometry = g;
    s->argmax = NULL;
    s->activation = activation;
    s->alpha = alpha;
    s->m = NULL;
    if (max) {
        s->argmax = rn_tape_alloc(tape, numel_of(out) * sizeof(int32_t));
        if (!s->argmax) return NULL;
        rn_max_pool2d_forward(&g, x->value.data, out->value.data, s->argmax);
    } else {
        rn_avg_pool2d_forward(&g, x->value.data, out->value.data);
    }
    out->saved = s;
    out->assigns_grads = max; /* max_pool2d_backward can write all of dx */
    if (activation != RN_ACT_IDENTITY) {
        size_t n = numel_of(out);
        if (out->backward && !rn_activation_derivative_from_output(activation)) {
            s->m = rn_tape_alloc(tape, n * sizeof(float));
            if (!s->m) return NULL;
            memcpy(s->m, out->value.data, n * sizeof(float));
        }
        rn_activation_forward(activation, alpha, out->value.data, out->value.data, n);
    }
    return out;
}

rn_var *rn_max_pool2d(rn_tape *tape, rn_var *x, int kernel, int stride, int padding)
{
    return pooling(tape, "max_pool2d", x, kernel, stride, padding, true, RN_ACT_IDENTITY, 0.0f);
}

rn_var *rn_max_pool2d_act(rn_tape *tape, rn_var *x, int kernel, int stride, int padding, rn_activation activation,
                          float alpha)
{
    if ((int)activation < 0 || activation >= RN_ACT_COUNT)
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "max_pool2d: unknown activation %d", (int)activation);
    return pooling(tape, activation == RN_ACT_IDENTITY ? "max_pool2d" : "max_pool2d_act", x, kernel, stride,
                   padding, true, activation, alpha);
}

rn_var *rn_avg_pool2d(rn_tape *tape, rn_var *x, int kernel, int stride, int padding)
{
    return pooling(tape, "avg_pool2d", x, kernel, stride, padding, false, RN_ACT_IDENTITY, 0.0f);
}

static void global_avg_pool2d_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0];
    const int *s = x->value.shape;
    if (rn_var_needs_grad(x))
        rn_global_avg_pool2d_backward(s[0], s[1], s[2], s[3], out->grad.data, x->grad.data);
}

rn_var *rn_global_avg_pool2d(rn_tape *tape, rn_var *x)
{
    if (!x) return rn__tape_record(tape, "global_avg_pool2d", &x, 1, NULL);
    char sx[64];
    if (x->value.ndim != 4)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "global_avg_pool2d: input %s must be (B, C, H, W)",
                            shape_of(x, sx, sizeof sx));
    const int *s = x->value.shape;
    int shape[2] = {s[0], s[1]};
    rn_var *out = rn_tape_op(tape, "global_avg_pool2d", 2, shape, &x, 1, global_avg_pool2d_backward);
    if (!out) return NULL;
    rn_global_avg_pool2d_forward(s[0], s[1], s[2], s[3], x->value.data, out->value.data);
    return out;
}

rn_var *rn_flatten(rn_tape *tape, rn_var *x)
{
    if (!x) return rn__tape_record(tape, "flatten", &x, 1, NULL);
    int shape[2] = {x->value.shape[0], -1};
    return rn_reshape(tape, x, 2, shape);
}
