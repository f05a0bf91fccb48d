/* conv.h — 2-D convolution and transposed convolution kernels (NCHW, float).
 *
 * A convolution layer with C_in input channels, C_out output channels and
 * K_h x K_w kernels computes, for each image b and output pixel (i, j),
 *
 *   y[b, o, i, j] = bias[o] + sum_{c in group(o)} sum_{u<K_h} sum_{v<K_w}
 *                   w[o, c', u, v] * x[b, c, i*S_h - P_h + u*D_h, j*S_w - P_w + v*D_w]
 *
 * with stride S, zero padding P, dilation D, and `groups` G: the channels are
 * split into G groups and output channel o sees only the C_in/G input channels
 * of its group (c' is c's index inside the group).  Shapes, as in PyTorch:
 *
 *   x (B, C_in, H, W)     w (C_out, C_in/G, K_h, K_w)   bias (C_out)
 *   y (B, C_out, H_out, W_out),  H_out = floor((H + 2P_h - D_h (K_h-1) - 1) / S_h) + 1
 *
 * How: im2col unrolls every receptive field of one image into a column of
 * `col` (C_in K_h K_w rows, H_out W_out columns), so the convolution of a
 * group becomes one GEMM  Y_g = W_g col_g  (W_g: C_out/G x C_in/G K_h K_w).
 * The backward passes are the two other products of the same matrices:
 *
 *   dcol_g = W_g^T dY_g, then col2im adds each column back onto the pixels it
 *            came from                                     -> dx (B, C_in, H, W)
 *   dW_g  += dY_g col_g^T                                  -> dw (C_out, C_in/G, K_h, K_w)
 *   dbias[o] += sum_{b,i,j} dy[b, o, i, j]
 *
 * A 1x1 convolution with stride 1 and no padding needs no im2col: col = x.
 *
 * Transposed convolution ("deconvolution", used by GAN generators) is the
 * adjoint of a convolution: its forward pass is the backward-data pass of the
 * convolution that maps its output shape back onto its input shape, and its
 * backward-data pass is that convolution's forward pass.  Its weight has
 * PyTorch's layout (C_in, C_out/G, K_h, K_w) and
 *   H_out = (H - 1) S_h - 2 P_h + D_h (K_h - 1) + output_pad_h + 1.
 *
 The images of a batch are unrolled side by side so that each group costs
 * one large GEMM for the whole batch (parallel inside, OpenMP), not B small
 * ones; im2col and col2im run in parallel over the images.  The caller passes
 * the scratch memory in (`workspace`, `workspace_floats`): no kernel
 * allocates.  rn_conv2d_workspace_floats() says how much the whole batch
 * needs (capped at 16 MiB: larger batches are done in chunks); with less, the
 * kernels work in smaller chunks (room for one image is required).
 *
 * Backward functions ADD into dx, dw and dbias (so fan-out needs no special
 * case); forward functions overwrite y.  Pointers to outputs that are not
 * wanted may be NULL where noted.
 */
#ifndef REDES_CONV_H
#define REDES_CONV_H

#include <stddef.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Geometry of one convolution on one batch.  Fill the inputs (zero stride,
 * dilation and groups mean 1), then call rn_conv2d_prepare() or
 * rn_conv_transpose2d_prepare(), which checks them and sets out_height and
 * out_width. */
typedef struct rn_conv2d_geometry {
    int batch, in_channels, in_height, in_width;
    int out_channels;
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int pad_height, pad_width;
    int dilation_height, dilation_width;
    int groups;
    int output_pad_height, output_pad_width; /* transposed convolution only */
    int out_height, out_width;               /* set by prepare */
} rn_conv2d_geometry;

/* Convenience: a square kernel with equal stride/pad/dilation in both
 * directions, prepared as a convolution.  Returns the prepare status. */
rn_status rn_conv2d_geometry_square(rn_conv2d_geometry *geometry, int batch, int in_channels, int height,
                                    int width, int out_channels, int kernel, int stride, int pad,
                                    int dilation, int groups);

rn_status rn_conv2d_prepare(rn_conv2d_geometry *geometry);
rn_status rn_conv_transpose2d_prepare(rn_conv2d_geometry *geometry);

/* Floats of workspace: per thread, (C_in K_h K_w + C_out) H_out W_out per
 * image of its chunk (chunks of about 1 MiB; W_out becomes W + 2P_w for
 * stride 1, see conv.c), the weight and bias sizes for its partial gradient
 * sums, and for stride 1 a zero-padded copy of one image.  The same size serves forward and both backward
 * passes of the plain convolution, or (the second, for a geometry prepared as
 * transposed) of the transposed one. */
size_t rn_conv2d_workspace_floats(const rn_conv2d_geometry *geometry);
size_t rn_conv_transpose2d_workspace_floats(const rn_conv2d_geometry *geometry);

/* Weight elements: C_out * C_in/G * K_h * K_w (plain), C_in * C_out/G * K_h * K_w (transposed). */
size_t rn_conv2d_weight_count(const rn_conv2d_geometry *geometry);

/* ---- the building blocks, one image (C, H, W) at a time ---------------- */

/* col[(c K_h + u) K_w + v][i W_out + j] = x[c, i S_h - P_h + u D_h, j S_w - P_w + v D_w]
 * (0 outside the image).  col is (channels K_h K_w) x (H_out W_out). */
void rn_im2col(const float *image, int channels, int height, int width, int kernel_height, int kernel_width,
               int stride_height, int stride_width, int pad_height, int pad_width, int dilation_height,
               int dilation_width, int out_height, int out_width, float *col);

/* The adjoint of rn_im2col: ADDS every entry of col onto the pixel it was
 * read from (entries that came from the padding are dropped). */
void rn_col2im(const float *col, int channels, int height, int width, int kernel_height, int kernel_width,
               int stride_height, int stride_width, int pad_height, int pad_width, int dilation_height,
               int dilation_width, int out_height, int out_width, float *image);

/* ---- convolution ------------------------------------------------------- */

/* y = conv(x, w) + bias.  bias may be NULL. */
rn_status rn_conv2d_forward(const rn_conv2d_geometry *geometry, const float *x, const float *w,
                            const float *bias, float *y, float *workspace, size_t workspace_floats);

/* dx += conv^T(dy, w)   (the gradient with respect to the input). */
rn_status rn_conv2d_backward_data(const rn_conv2d_geometry *geometry, const float *dy, const float *w,
                                  float *dx, float *workspace, size_t workspace_floats);

/* dw += sum_b dY_b col(x_b)^T and dbias += sum of dy over batch and pixels.
 * dw or dbias may be NULL. */
rn_status rn_conv2d_backward_weight(const rn_conv2d_geometry *geometry, const float *x, const float *dy,
                                    float *dw, float *dbias, float *workspace, size_t workspace_floats);

/* ---- transposed convolution (geometry from rn_conv_transpose2d_prepare) -- */

/* y = conv_transpose(x, w) + bias; w is (C_in, C_out/G, K_h, K_w); bias may be NULL. */
rn_status rn_conv_transpose2d_forward(const rn_conv2d_geometry *geometry, const float *x, const float *w,
                                      const float *bias, float *y, float *workspace, size_t workspace_floats);

/* dx += the gradient with respect to the input (a plain convolution of dy). */
rn_status rn_conv_transpose2d_backward_data(const rn_conv2d_geometry *geometry, const float *dy,
                                            const float *w, float *dx, float *workspace,
                                            size_t workspace_floats);

/* dw += ..., dbias += sum of dy; either may be NULL. */
rn_status rn_conv_transpose2d_backward_weight(const rn_conv2d_geometry *geometry, const float *x,
                                              const float *dy, float *dw, float *dbias, float *workspace,
                                              size_t workspace_floats);

#ifdef __cplusplus
}
#endif
#endif
