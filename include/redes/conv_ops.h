/* conv_ops.h — the layers of a convolutional network as autograd ops.
 *
 * Each op records one node on the tape (autograd.h); its forward pass and its
 * backward pass are the kernels of conv.h and pool.h.  Shapes as in PyTorch:
 *
 *   rn_conv2d            x (B, C_in, H, W), w (C_out, C_in/G, K_h, K_w), b (C_out) or NULL
 *                        -> (B, C_out, H_out, W_out)
 *                        dx += conv^T(dy, w), dw += sum_b dY_b col(x_b)^T, db += sum dy
 *   rn_conv2d_act        y = f(rn_conv2d(...)) as ONE node, f an activation (activation.h):
 *                        f runs in place on the convolution's output (one tensor kept
 *                        instead of two, no gradient buffer for z) and backward turns
 *                        dy into dz = dy f'(z) in place before the convolution's passes
 *   rn_conv_transpose2d  x (B, C_in, H, W), w (C_in, C_out/G, K_h, K_w), b (C_out) or NULL
 *                        -> (B, C_out, (H-1)S - 2P + D(K-1) + output_pad + 1, ...)
 *   rn_max_pool2d        x (B, C, H, W) -> (B, C, H_out, W_out); dx[argmax] += dy
 *   rn_max_pool2d_act    y = f(rn_max_pool2d(...)) as one node, f in place on the maxima;
 *                        backward dm = dy f'(m) on the pooled size, then the scatter.
 *                        For a non-decreasing f, f(max z) = max f(z), so "conv, relu,
 *                        maxpool" can run as conv then max_pool2d_act(relu): the same
 *                        numbers (to the bit for relu and leaky relu) with the
 *                        activation on a quarter of the elements
 *   rn_avg_pool2d        the same with averages (padding counts as zeros, PyTorch's
 *                        default count_include_pad=True); dx[window] += dy / (K_h K_w)
 *   rn_global_avg_pool2d x (B, C, H, W) -> (B, C); dx += dy / (H W)
 *   rn_flatten           x (B, ...) -> (B, rest): a view, no copy
 *
 * The im2col workspace of a convolution comes from the tape's arena and is
 * kept for the backward pass, so a training step still allocates nothing from
 * the heap once the arena has grown to its size.
 */
#ifndef REDES_CONV_OPS_H
#define REDES_CONV_OPS_H

#include "redes/autograd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Options of a convolution; {0} (or NULL) means PyTorch's defaults: stride 1,
 * no padding, dilation 1, one group, no output padding.  Index 0 is the
 * height, index 1 the width. */
typedef struct rn_conv_options {
    int stride[2];
    int padding[2];
    int dilation[2];
    int groups;
    int output_padding[2]; /* transposed convolution only */
} rn_conv_options;

rn_var *rn_conv2d(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias, const rn_conv_options *options);
rn_var *rn_conv2d_act(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias, const rn_conv_options *options,
                      rn_activation activation, float alpha);
rn_var *rn_conv_transpose2d(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias,
                            const rn_conv_options *options);

/* Square windows: kernel K, stride S (0 means S = K, as in PyTorch), padding P <= K/2. */
rn_var *rn_max_pool2d(rn_tape *tape, rn_var *x, int kernel, int stride, int padding);
rn_var *rn_max_pool2d_act(rn_tape *tape, rn_var *x, int kernel, int stride, int padding, rn_activation activation,
                          float alpha);
rn_var *rn_avg_pool2d(rn_tape *tape, rn_var *x, int kernel, int stride, int padding);
rn_var *rn_global_avg_pool2d(rn_tape *tape, rn_var *x);
rn_var *rn_flatten(rn_tape *tape, rn_var *x);

#ifdef __cplusplus
}
#endif
#endif
