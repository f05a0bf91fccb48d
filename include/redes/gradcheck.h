/* gradcheck.h — checks backward passes against central finite differences.
 *
 * The caller describes a computation as a function that builds it on a tape
 * from n input variables and returns its output node (any shape).  The check
 * contracts the output with a fixed pseudo-random weight R (same shape,
 * entries in [-1, 1]), L = sum_k R_k out_k, so every output component's
 * gradient is exercised, then for every element x_i of every input compares
 *   analytic  dL/dx_i   (one rn_backward_seed(out, R))
 *   numeric   (L(x_i + h) - L(x_i - h)) / 2h,   h = epsilon * max(1, |x_i|)
 * with L summed in double.  The error of input j is
 *   max_i |analytic_i - numeric_i| / max(max_i |numeric_i|, 1e-3)
 * (relative to that input's largest gradient: a wrong gradient gives O(1)).
 * Values are float32, so use epsilon around 1e-2..1e-3 and a tolerance near
 * 1e-2; keep inputs away from kinks (relu at 0, max ties).
 *
 *   static rn_var *f(rn_tape *t, rn_var **in, void *ctx) {
 *       return rn_linear(t, in[0], in[1], in[2]);
 *   }
 *   rn_tensor inputs[3] = {x, W, b};
 *   rn_gradcheck_result r;
 *   RN_CHECK(rn_gradcheck(f, NULL, inputs, 3, 1e-2, 1e-2, &r));  // fails with a message
 *
 * Non-differentiable state (labels, masks, modes) goes through `context`.
 * Every input in the list is checked; inputs must be contiguous.
 */
#ifndef REDES_GRADCHECK_H
#define REDES_GRADCHECK_H

#include "redes/autograd.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Builds the computation from inputs[0..n) (rn_tape_variable leaves). */
typedef rn_var *(*rn_gradcheck_fn)(rn_tape *tape, rn_var **inputs, void *context);

typedef struct rn_gradcheck_result {
    double max_error;     /* the largest error over all inputs (see above) */
    int worst_input;      /* which input it was in */
    long worst_index;     /* which element */
    double analytic;      /* the two gradients at that element */
    double numeric;
    long checked;         /* how many elements were compared */
} rn_gradcheck_result;

/* RN_OK when max_error <= tolerance; RN_ERR_NUMERIC otherwise, with a message
 * naming the input, element and both values.  An error from the function
 * (NULL output) is passed up.  `result` may be NULL. */
rn_status rn_gradcheck(rn_gradcheck_fn function, void *context, const rn_tensor *inputs,
                       int n_inputs, double epsilon, double tolerance,
                       rn_gradcheck_result *result);

#ifdef __cplusplus
}
#endif
#endif
