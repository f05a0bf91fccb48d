/* pool.h — max, average and global-average pooling kernels (NCHW, float).
 *
 * Pooling summarises each K_h x K_w window of every channel separately:
 *
 *   max:      y[b,c,i,j] = max_{u,v} x[b, c, i S_h - P_h + u, j S_w - P_w + v]
 *   average:  y[b,c,i,j] = (1/n) sum_{u,v} x[...]
 *   H_out = floor((H + 2 P_h - K_h) / S_h) + 1   (the same for W)
 *
 * Padding counts as -infinity for max pooling (it never wins) and as zeros
 * for average pooling; n is K_h K_w (PyTorch's count_include_pad=True) unless
 * `exclude_pad` is set, then the number of real pixels in the window.
 * Padding must be at most half the kernel (as in PyTorch) so every window
 * holds at least one real pixel.
 *
 * Backward passes ADD into dx:
 *   max:      dx[argmax of window] += dy        (the forward pass saves argmax)
 *   average:  dx[every pixel of window] += dy / n
 *   global:   y[b,c] = mean_{i,j} x[b,c,i,j],   dx[b,c,i,j] += dy[b,c] / (H W)
 *
 * Parallel over the B C planes (OpenMP) when large enough.
 */
#ifndef REDES_POOL_H
#define REDES_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Fill the inputs (stride 0 means "equal to the kernel", as in PyTorch), then
 * rn_pool2d_prepare() checks them and sets out_height and out_width. */
typedef struct rn_pool2d_geometry {
    int batch, channels, in_height, in_width;
    int kernel_height, kernel_width;
    int stride_height, stride_width;
    int pad_height, pad_width;
    bool exclude_pad;          /* average pooling: divide by real pixels, not K_h K_w */
    int out_height, out_width; /* set by prepare */
} rn_pool2d_geometry;

rn_status rn_pool2d_prepare(rn_pool2d_geometry *geometry);

/* Convenience: square kernel, equal stride and padding; prepared. */
rn_status rn_pool2d_geometry_square(rn_pool2d_geometry *geometry, int batch, int channels, int height,
                                    int width, int kernel, int stride, int pad);

/* y (B, C, H_out, W_out); argmax (B, C, H_out, W_out) receives, for each
 * output, the index y_in * W + x_in of the winning pixel inside its plane
 * (the first one on ties, in row-major window order). */
void rn_max_pool2d_forward(const rn_pool2d_geometry *geometry, const float *x, float *y, int32_t *argmax);
void rn_max_pool2d_backward(const rn_pool2d_geometry *geometry, const float *dy, const int32_t *argmax,
                            float *dx);
/* dx = the same scatter into a dx whose old contents are ignored (assigned,
 * not accumulated): for the first gradient an op writes. */
void rn_max_pool2d_backward_assign(const rn_pool2d_geometry *geometry, const float *dy, const int32_t *argmax,
                                   float *dx);

void rn_avg_pool2d_forward(const rn_pool2d_geometry *geometry, const float *x, float *y);
void rn_avg_pool2d_backward(const rn_pool2d_geometry *geometry, const float *dy, float *dx);

/* x (B, C, H, W) -> y (B, C). */
void rn_global_avg_pool2d_forward(int batch, int channels, int height, int width, const float *x, float *y);
void rn_global_avg_pool2d_backward(int batch, int channels, int height, int width, const float *dy,
                                   float *dx);

#ifdef __cplusplus
}
#endif
#endif
