/* conv_direct.h — direct (GEMM-free) kernels for the small stride-1
 * convolutions of LeNet-like networks.  Internal to the kernels layer: conv.c
 * lays the operands out (padded images, output gradients in rows of whole
 * vectors) and splits the batch over threads; these routines only do the
 * arithmetic.
 *
 * Why not GEMM: LeNet-5's layers are products of tiny matrices per image
 * (conv2: 16 x 150 x 100; conv1's weight gradient: 6 x 25 x 784), and a GEMM
 * with 6 x 32 tiles wastes a third of each tile on them and packs its
 * operands for every image.  Here the loops are arranged so that every
 * vector lane does useful work and nothing is packed.
 *
 * Notation: images k of a chunk, input channels c, output channels o, taps
 * q = (c, u, v) of the K_h x K_w kernel, output pixels p in the "wide"
 * layout of conv.c (rows of W_p = W + 2P columns, the last W_p - W_out of
 * each row not outputs).  x_k is image k zero-padded to (C_in, H + 2P, W_p);
 * taps[q] is where tap q's piece starts in it, so input pixel "p under tap
 * q" is x_k[taps[q] + p].
 */
#ifndef REDES_KERNELS_CONV_DIRECT_H
#define REDES_KERNELS_CONV_DIRECT_H

#include <stddef.h>

/* Floats per vector in this build (16 with AVX-512, 8 with AVX, 4 otherwise):
 * the rows of dy given to the weight gradient are whole vectors long. */
int rn_conv_direct_vector_floats(void);

/* Weight gradient as dot products over the pixels of all images at once:
 *
 *   dw[o][q] += sum_k sum_{p < P} dy[o][k dy_image + p] x_k[taps[q] + p]
 *
 * dy: out_channels rows, row o at dy + o ld_dy; image k's P = dy_image
 * floats (a multiple of the vector length) start at k dy_image, and are zero
 * wherever p is not an output (thrown-away columns, the rounding up).
 * x_k = x + k x_image, readable (and finite) for taps[q] + p < taps[q] + P.
 * dw: out_channels x patch, row-major; accumulated into.
 *
 * Blocks of 6 output channels x 4 taps keep 24 vector accumulators across
 * all images, so each (o, q) pays one horizontal sum per call, not one per
 * image; each step loads 6 + 4 vectors for 24 multiply-adds. */
void rn_conv_direct_weight_gradient(int out_channels, int patch, int images, size_t dy_image, const float *dy,
                                    size_t ld_dy, const float *x, size_t x_image, const int *taps, float *dw);

/* A direct convolution whose output rows are vectors, for layers whose
 * output rows are about one vector wide (LeNet-5's input gradient: rows of
 * 14 in vectors of 16):
 *
 *   out[m][y][x] += sum_n sum_{u < K_h} sum_{v < K_w} w[n][u][v][m] in[n][y + u][x + v]
 *
 * for y < out_height, x < out_width.  in: in_channels (n) planes of
 * in_rows x in_columns, plane stride in_plane; in_columns must be at least
 * (out_width rounded up to whole vectors) + K_w - 1, and in_rows at least
 * out_height + K_h - 1; rows outside [row_lo, row_hi) must be zero (they are
 * skipped).  w: (in_channels, K_h, K_w, out_channels), the output channel m
 * innermost.  out: out_channels planes of out_height x out_width (rows
 * contiguous), plane stride out_plane; accumulated into.
 *
 * Blocks of 6 output channels x 4 rows keep 24 vector accumulators; each
 * step loads 4 input vectors and 6 weights for 24 multiply-adds. */
void rn_conv_direct_rows(int out_channels, int in_channels, int kernel_height, int kernel_width,
                         int out_height, int out_width, const float *in, int in_columns, size_t in_plane,
                         int row_lo, int row_hi, const float *w, float *out, size_t out_plane);

#endif
