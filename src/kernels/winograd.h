/* winograd.h — 3 x 3 stride-1 convolution by Winograd's minimal filtering
 * algorithm F(2 x 2, 3 x 3) (Lavin & Gray, "Fast Algorithms for
 * Convolutional Neural Networks", CVPR 2016).  Internal to the kernels
 * layer: conv.c uses it for the forward and input-gradient passes of 3 x 3,
 * stride-1, undilated, ungrouped layers with enough channels.
 *
 * Each 2 x 2 block of outputs of channel o is computed from the 4 x 4 input
 * tile d (per input channel c) under it:
 *
 *   Y = A^T [ sum_c (G g_oc G^T) .* (B^T d_c B) ] A
 *
 * with g_oc the 3 x 3 kernel and G (4 x 3), B^T (4 x 4), A^T (2 x 4) the
 * fixed matrices written out in winograd.c.  The sum over c of the 16
 * element-wise products is 16 independent GEMMs, one per element xi of the
 * 4 x 4 transformed tile:  M_xi (C_out x tiles) = U_xi^T V_xi, with U_xi
 * (C_in x C_out) and V_xi (C_in x tiles).  16 C_out C_in multiply-adds per 2 x 2 outputs instead of
 * 36 C_out C_in: 2.25 times fewer.  The transforms have only 0, +-1 and
 * +-1/2 in them, so the rounding stays at float precision (tests compare with
 * direct loops in double and with PyTorch).
 */
#ifndef REDES_KERNELS_WINOGRAD_H
#define REDES_KERNELS_WINOGRAD_H

#include <stdbool.h>
#include <stddef.h>

/* One 3 x 3, stride-1 convolution with zero padding `pad` (0, 1 or 2):
 * x (C_in, H, W) -> y (C_out, H_out, W_out), H_out = H + 2 pad - 2. */
typedef struct rn_winograd_shape {
    int in_channels, out_channels, height, width, pad;
    int out_height, out_width;
    int tiles_high, tiles_wide; /* ceil(H_out / 2), ceil(W_out / 2) */
} rn_winograd_shape;

rn_winograd_shape rn_winograd_shape_of(int in_channels, int out_channels, int height, int width, int pad);

/* Floats of the transformed weight U (16 C_in C_out). */
size_t rn_winograd_weight_floats(const rn_winograd_shape *shape);

/* Floats of scratch for `images` images: V and M of their tiles and one
 * padded input plane. */
size_t rn_winograd_scratch_floats(const rn_winograd_shape *shape, int images);

/* U_xi[c][o] = (G g G^T)_xi with g = w[o][c] (w is (C_out, C_in, 3, 3)),
 * or, when `adjoint`, g = w[c][o] turned by 180 degrees (w is then
 * (C_in, C_out, 3, 3) in this shape's terms): the kernel of the input
 * gradient of the convolution w, itself a convolution of dy. */
void rn_winograd_transform_weights(const rn_winograd_shape *shape, const float *w, bool adjoint, float *U);

/* y = conv(x) (+ bias) for `images` consecutive images, or y += conv(x)
 * when `accumulate`; bias may be NULL.  scratch: rn_winograd_scratch_floats. */
void rn_winograd_convolve(const rn_winograd_shape *shape, const float *x, const float *U, const float *bias,
                          bool accumulate, float *y, int images, float *scratch);

/* The weight gradient: P[xi][c][o] += sum over the tiles of `images` images of
 * (B^T d B)_xi (x's tiles, channel c) (A dy A^T)_xi (dy's 2 x 2 blocks,
 * channel o), with dy (images, C_out, H_out, W_out).  P has
 * rn_winograd_weight_floats floats; scratch as for rn_winograd_convolve.
 * Then rn_winograd_weight_finish adds dw[o][c] += G^T P_oc G (w's layout). */
void rn_winograd_weight_sums(const rn_winograd_shape *shape, const float *x, const float *dy, float *P,
                             int images, float *scratch);
void rn_winograd_weight_finish(const rn_winograd_shape *shape, const float *P, float *dw);

#endif
