/* autograd.h — reverse-mode automatic differentiation on a define-by-run tape.
 *
 * HOW IT WORKS
 * Calling an op (rn_linear, rn_relu, ...) computes its output at once and
 * appends a node (rn_var) to the tape: the output value, pointers to the
 * inputs, the op's backward function and whatever the backward needs (saved
 * state).  Everything a step creates — nodes, values, gradients, saved state —
 * lives in the tape's arena; rn_tape_reset() drops it all at once, so after
 * the first step a training step performs no heap allocation.
 *
 * rn_backward(tape, loss) seeds dL/dL = 1 and walks the tape from the newest
 * node to the oldest.  A node's backward reads its output gradient and ADDS
 * into its inputs' gradients, so a value used twice (fan-out, recurrence,
 * weight sharing) simply receives both contributions.  Gradients of
 * intermediate nodes are allocated (zeroed) from the arena only when the
 * first contribution arrives; nodes that nothing depends on are skipped, and
 * subgraphs that need no gradient (inputs, constants, anything computed only
 * from them) record no backward at all.
 * As in PyTorch, intermediate gradients are not kept: a node's backward may
 * overwrite its own gradient (the fused layers rn_linear_act and
 * rn_conv2d_act turn dy into dz = dy f'(z) in place), so after rn_backward
 * only leaves (parameters, variables) hold meaningful gradients.  Element-wise
 * ops go further and pass their gradient buffer on to their input
 * (rn_var.grad_in_place).
 *
 * THREE KINDS OF LEAVES
 *   parameters   rn_param(): value and gradient live OUTSIDE the tape (views
 *                into the caller's flat parameter and gradient buffers, see
 *                nn/params).  The rn_var itself is a plain struct owned by the
 *                layer; it survives rn_tape_reset().  Backward adds into the
 *                gradient buffer: the caller zeroes it (once per step, one
 *                memset over the flat buffer) before rn_backward.
 *   inputs       rn_tape_input(): data and targets; a view of the caller's
 *                memory (no copy, must stay valid until the tape is reset);
 *                no gradient.
 *   variables    rn_tape_variable(): a leaf whose gradient we want but which is
 *                not a parameter (gradient checks, saliency maps); its value is
 *                copied into the arena and its gradient is allocated there.
 *
 * ERRORS
 * An op that cannot run (shape mismatch, bad label, out of memory) returns
 * NULL, sets the thread's error message (rn_error_message(), e.g.
 * "matmul: a is (64, 784), b is (100, 10): inner dimensions differ") and the
 * tape remembers the FIRST such error.  Every op given a NULL input returns
 * NULL without touching the message, so a whole forward pass can be written
 * as a chain and checked once: rn_tape_status(tape) / rn_tape_error(tape).
 *
 * SHAPES
 * Values are contiguous float32 tensors of 1 to 4 dimensions (tensor.h),
 * row-major.  A scalar is shape (1).  Batches are the first dimension:
 * (B, features) for dense layers, (B, C, H, W) for images.
 *
 * MODES
 * rn_tape_set_training(tape, false) switches dropout off and makes batch
 * normalisation use its running statistics (the default is training).
 * rn_tape_set_grad_enabled(tape, false) records no backward state at all
 * (inference: less memory, less work).
 *
 * EXAMPLE: one training step of a 2-layer MLP  784 -> 128 (ReLU) -> 10
 *
 *   // once: parameters are views into flat buffers (params/grads: 101770 floats)
 *   int w1s[2] = {128, 784}, b1s[1] = {128}, w2s[2] = {10, 128}, b2s[1] = {10};
 *   float *p = params, *g = grads;
 *   rn_var W1 = rn_param(rn_tensor_view(p, 2, w1s), rn_tensor_view(g, 2, w1s));
 *   p += 128 * 784; g += 128 * 784;
 *   rn_var b1 = rn_param(rn_tensor_view(p, 1, b1s), rn_tensor_view(g, 1, b1s));
 *   ... W2, b2 likewise ...
 *   rn_tape *tape = rn_tape_create(0);
 *
 *   // every step (x: 64 x 784 floats, labels: 64 ints)
 *   int xs[2] = {64, 784};
 *   rn_var *x = rn_tape_input(tape, rn_tensor_view(batch_images, 2, xs));
 *   rn_var *h = rn_relu(tape, rn_linear(tape, x, &W1, &b1));       // (64, 128)
 *   rn_var *logits = rn_linear(tape, h, &W2, &b2);                   // (64, 10)
 *   rn_var *loss = rn_cross_entropy_loss(tape, logits, labels);      // (1)
 *   if (!loss) return rn_error_context(rn_tape_status(tape), "step %d", step);
 *   memset(grads, 0, n_params * sizeof(float));
 *   RN_CHECK(rn_backward(tape, loss));
 *   float loss_value = loss->value.data[0];
 *   for (i = 0; i < n_params; i++) params[i] -= learning_rate * grads[i];
 *   rn_tape_reset(tape);
 *
 * WRITING A NEW OP (what conv2d, LSTM cells, attention do)
 *   static void my_op_backward(rn_tape *tape, rn_var *out) {
 *       rn_var *x = out->inputs[0];
 *       if (rn_var_needs_grad(x)) ... x->grad.data[i] += out->grad.data[i] * ...;
 *   }
 *   rn_var *rn_my_op(rn_tape *tape, rn_var *x) {
 *       if (!x) return NULL;                       // an earlier op failed
 *       rn_var *inputs[1] = {x};
 *       rn_var *out = rn_tape_op(tape, "my_op", x->value.ndim, x->value.shape,
 *                                inputs, 1, my_op_backward);
 *       if (!out) return NULL;
 *       ... write out->value.data; if (out->backward) save state in
 *       rn_tape_alloc(tape, bytes) and point out->saved at it ...
 *       return out;
 *   }
 * rn_tape_op allocates the output value and sets out->backward to NULL when no
 * input needs a gradient (then skip saving state).  Backward functions must
 * only ADD into input gradients and must check rn_var_needs_grad(input).
 */
#ifndef REDES_AUTOGRAD_H
#define REDES_AUTOGRAD_H

#include <stdbool.h>
#include <stddef.h>

#include "redes/activation.h"
#include "redes/arena.h"
#include "redes/rng.h"
#include "redes/status.h"
#include "redes/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_tape rn_tape;
typedef struct rn_var rn_var;

/* Adds the gradient of `out` into the gradients of out->inputs[]. */
typedef void (*rn_backward_fn)(rn_tape *tape, rn_var *out);

struct rn_var {
    rn_tensor value;       /* contiguous */
    rn_tensor grad;        /* same shape; grad.data == NULL while no gradient has arrived */
    bool requires_grad;    /* a gradient flows into this node */
    bool is_leaf;          /* parameter, input or variable (no backward) */
    const char *op;        /* "linear", "relu", ..., "param", "input", "variable" */
    rn_var **inputs;       /* n_inputs pointers (arena) */
    int n_inputs;
    rn_backward_fn backward;   /* NULL for leaves and when nothing needs a gradient */
    void *saved;           /* op-specific saved state (arena) */
    float scalar;          /* a small saved constant (scale factor, slope, p, ...) */
    int option;            /* a small saved integer (dimension, activation kind, ...) */
    rn_var *previous;      /* the node recorded before this one (the tape is a list) */
    /* Set by element-wise ops with one input of the same size (reshape,
     * dropout, activations): when that input has no gradient buffer yet, the
     * tape hands it this node's own buffer instead of a zeroed new one, and
     * backward, seeing x->grad.data == out->grad.data, turns dy into dx in
     * place (dx = dy f'(x)) rather than adding.  Saves a buffer and a memset. */
    bool grad_in_place;
    /* Set by ops whose backward can WRITE the whole gradient of inputs[0]
     * (linear's dx = dz W with beta = 0): a gradient buffer that backward
     * creates for that input is left unzeroed with grad_unwritten set; the op
     * takes it with rn_var_take_unwritten() and assigns instead of adding.
     * If the op leaves it unwritten after all, the tape zeroes it. */
    bool assigns_grads;
    bool grad_unwritten;
};

/* For backward functions of ops with assigns_grads: true (once) when x's
 * gradient buffer holds no values yet, so the op must assign every element
 * rather than add; clears the flag. */
static inline bool rn_var_take_unwritten(rn_var *x)
{
    bool unwritten = x->grad_unwritten;
    x->grad_unwritten = false;
    return unwritten;
}

/* True if backward should compute this node's gradient (its buffer exists). */
static inline bool rn_var_needs_grad(const rn_var *var)
{
    return var->requires_grad && var->grad.data != NULL;
}

/* ------------------------------------------------------------------ tape */

/* A tape whose arena starts with `arena_bytes` (0 picks 1 MiB; it grows as
 * needed and then stays at the size of the largest step). NULL on failure. */
rn_tape *rn_tape_create(size_t arena_bytes);
void rn_tape_destroy(rn_tape *tape);
/* Drops every node, value and intermediate gradient; clears the error.
 * Parameters (rn_param) are untouched. */
void rn_tape_reset(rn_tape *tape);
/* rn_tape_reset, and the arena's memory goes back to the system until the
 * next step touches it again (rn_arena_trim): between epochs, so that the
 * evaluation does not hold the training step's memory as well. */
void rn_tape_trim(rn_tape *tape);

/* RN_OK, or the code of the first error since the last reset. */
rn_status rn_tape_status(const rn_tape *tape);
/* The message of that first error ("" if none). */
const char *rn_tape_error(const rn_tape *tape);

void rn_tape_set_training(rn_tape *tape, bool training);
bool rn_tape_training(const rn_tape *tape);
void rn_tape_set_grad_enabled(rn_tape *tape, bool enabled);
bool rn_tape_grad_enabled(const rn_tape *tape);

rn_arena *rn_tape_arena(rn_tape *tape);
/* Number of nodes recorded since the last reset. */
int rn_tape_size(const rn_tape *tape);

/* ------------------------------------------------------------------ leaves */

/* A parameter: value and gradient are the caller's (same shape, contiguous). */
rn_var rn_param(rn_tensor value, rn_tensor grad);
/* A parameter without gradient (frozen weights, evaluation). */
rn_var rn_param_frozen(rn_tensor value);
/* A constant input viewing the caller's memory (no copy). */
rn_var *rn_tape_input(rn_tape *tape, rn_tensor value);
/* A leaf that receives a gradient: value copied into the arena. */
rn_var *rn_tape_variable(rn_tape *tape, rn_tensor value);
/* A constant filled with `value`, shape (shape[0], ...). */
rn_var *rn_tape_full(rn_tape *tape, int ndim, const int *shape, float value);

/* ------------------------------------------------------------------ backward */

/* loss must have one element: seeds dL/dL = 1 and runs the tape backward.
 * Fails (RN_ERR_STATE) if the tape holds an error or loss is NULL, and
 * (RN_ERR_NUMERIC) if the loss is NaN or infinite. */
rn_status rn_backward(rn_tape *tape, rn_var *loss);
/* The same from a non-scalar node with a given output gradient `seed`
 * (numel(out) floats): computes sum(out * seed)'s gradient. */
rn_status rn_backward_seed(rn_tape *tape, rn_var *out, const float *seed);

/* ------------------------------------------------------------------ writing ops */

/* Records a node with a fresh (uninitialised) value of the given shape.
 * requires_grad = grad enabled and some input requires grad; if not,
 * out->backward is NULL.  NULL (error recorded) if an input is NULL or the
 * arena is exhausted. */
rn_var *rn_tape_op(rn_tape *tape, const char *op, int ndim, const int *shape, rn_var *const *inputs,
                   int n_inputs, rn_backward_fn backward);
/* Arena memory that lives until the next reset (64-byte aligned). */
void *rn_tape_alloc(rn_tape *tape, size_t bytes);
/* Records `code` and a message as the tape's error (if it is the first) and
 * returns NULL: `return rn_tape_fail(tape, RN_ERR_SHAPE, "add: ...");` */
rn_var *rn_tape_fail(rn_tape *tape, rn_status code, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* ================================================================== ops
 * Every op returns its output node, or NULL after recording an error.
 * Shapes use B for the batch and the names of the arguments. */

/* ---- matmul.c: dense layers */

/* (M, K) x (K, N) -> (M, N);  also batched: (S, M, K) x (S, K, N) -> (S, M, N).
 * transpose_a / transpose_b use a^T / b^T (of the last two dims).
 *   backward:  dA = dC B^T,  dB = A^T dC */
rn_var *rn_matmul(rn_tape *tape, rn_var *a, rn_var *b);
rn_var *rn_matmul_ex(rn_tape *tape, rn_var *a, bool transpose_a, rn_var *b, bool transpose_b);
/* Fully connected layer, weight layout (out, in) as in PyTorch:
 *   y = x W^T + b        x (..., in), W (out, in), b (out) or NULL -> y (..., out)
 *   backward:  dx = dy W,  dW += dy^T x,  db += sum over rows of dy
 * Leading dimensions of x are flattened (so (T, B, in) works). */
rn_var *rn_linear(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias);
/* The same followed by an activation, fused (one pass over y, no extra node). */
rn_var *rn_linear_act(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias, rn_activation kind,
                      float alpha);

/* ---- elementwise.c: arithmetic with NumPy/PyTorch broadcasting
 * Shapes are aligned at the right; each dimension must be equal or 1 in one
 * of them.  Backward sums the gradient over broadcast dimensions. */
rn_var *rn_add(rn_tape *tape, rn_var *a, rn_var *b);
rn_var *rn_sub(rn_tape *tape, rn_var *a, rn_var *b);
rn_var *rn_mul(rn_tape *tape, rn_var *a, rn_var *b);
rn_var *rn_div(rn_tape *tape, rn_var *a, rn_var *b);
/* s x  and  x + c. */
rn_var *rn_scale(rn_tape *tape, rn_var *x, float s);
rn_var *rn_add_scalar(rn_tape *tape, rn_var *x, float c);
/* e^x, ln x, x^2, sqrt x (element-wise). */
rn_var *rn_exp(rn_tape *tape, rn_var *x);
rn_var *rn_log(rn_tape *tape, rn_var *x);
rn_var *rn_square(rn_tape *tape, rn_var *x);
rn_var *rn_sqrt(rn_tape *tape, rn_var *x);

/* ---- reduce.c: reductions (to shape (1), or along `dim` which is removed;
 * a 1-D input reduced along dim 0 gives shape (1)).  dim may be negative
 * (-1 = last).  max sends the gradient to the first maximal element. */
rn_var *rn_sum(rn_tape *tape, rn_var *x);
rn_var *rn_mean(rn_tape *tape, rn_var *x);
rn_var *rn_max(rn_tape *tape, rn_var *x);
rn_var *rn_sum_dim(rn_tape *tape, rn_var *x, int dim);
rn_var *rn_mean_dim(rn_tape *tape, rn_var *x, int dim);
rn_var *rn_max_dim(rn_tape *tape, rn_var *x, int dim);

/* ---- shape.c: reshape (no copy: shares the value), transpose of two dims,
 * concat along dim (n inputs, equal other dims), slice [start, start+length). */
rn_var *rn_reshape(rn_tape *tape, rn_var *x, int ndim, const int *shape);
rn_var *rn_transpose(rn_tape *tape, rn_var *x, int dim0, int dim1);
rn_var *rn_concat(rn_tape *tape, rn_var *const *inputs, int n_inputs, int dim);
rn_var *rn_slice(rn_tape *tape, rn_var *x, int dim, int start, int length);
/* The same value (shared, no copy) cut off from the graph: no gradient flows
 * back through it (a GAN's fake images in the discriminator's step, targets
 * computed by the network itself). */
rn_var *rn_detach(rn_tape *tape, rn_var *x);

/* ---- activation.c: y = f(x) element-wise (see activation.h), any shape. */
rn_var *rn_activate(rn_tape *tape, rn_var *x, rn_activation kind, float alpha);
rn_var *rn_sigmoid(rn_tape *tape, rn_var *x);
rn_var *rn_tanh(rn_tape *tape, rn_var *x);
rn_var *rn_relu(rn_tape *tape, rn_var *x);

/* ---- softmax.c: over the last dimension, any leading shape. */
rn_var *rn_softmax(rn_tape *tape, rn_var *x);
rn_var *rn_log_softmax(rn_tape *tape, rn_var *x);

/* ---- loss.c: scalar losses (shape (1)), mean reduction as PyTorch.
 * prediction/target: same shape (target needs no gradient but may have one).
 * logits/log_probs: (B, C); labels: B ints in [0, C) (copied; the caller's
 * array may change after the call). */
rn_var *rn_mse_loss(rn_tape *tape, rn_var *prediction, rn_var *target);
rn_var *rn_bce_with_logits_loss(rn_tape *tape, rn_var *logits, rn_var *target);
rn_var *rn_cross_entropy_loss(rn_tape *tape, rn_var *logits, const int *labels);
rn_var *rn_nll_loss(rn_tape *tape, rn_var *log_probs, const int *labels);

/* ---- dropout.c: inverted dropout, y = x m / (1 - p), m_i ~ Bernoulli(1 - p).
 * Identity (returns x itself) in evaluation mode or when p == 0.
 * rn_dropout_mask uses a given mask of 0/1 values (numel(x) floats; copied)
 * instead of drawing one: for tests and for matching PyTorch exactly. */
rn_var *rn_dropout(rn_tape *tape, rn_var *x, float p, rn_rng *rng);
rn_var *rn_dropout_mask(rn_tape *tape, rn_var *x, float p, const float *mask);

/* ---- norm.c: normalisation layers. */

/* Running statistics of a batch-norm layer (owned by the layer, length C). */
typedef struct rn_batch_norm_stats {
    float *running_mean; /* starts at 0 */
    float *running_var;  /* starts at 1 */
    float momentum;      /* PyTorch's default 0.1: r = (1 - momentum) r + momentum batch */
    float eps;           /* PyTorch's default 1e-5 */
} rn_batch_norm_stats;

/* Batch normalisation of x (B, C) or (B, C, H, W) over all but the channel
 * dimension, n = B (x H x W) values per channel:
 *   training:  mu = mean, var = biased variance of the batch,
 *              y = gamma (x - mu) / sqrt(var + eps) + beta;
 *              running stats updated with the UNBIASED variance (n / (n-1)).
 *   evaluation: the running mean and variance instead of the batch's.
 * gamma, beta: (C) or NULL (then 1 and 0).  stats may be NULL in training. */
rn_var *rn_batch_norm(rn_tape *tape, rn_var *x, rn_var *gamma, rn_var *beta,
                      rn_batch_norm_stats *stats);
/* Layer normalisation over the last dimension D:
 *   y = gamma (x - mu) / sqrt(var + eps) + beta, mu and (biased) var per row;
 * gamma, beta: (D) or NULL. */
rn_var *rn_layer_norm(rn_tape *tape, rn_var *x, rn_var *gamma, rn_var *beta, float eps);

/* ---- embedding.c: rows of a table.  weight (V, D), n indices in [0, V)
 * (copied) -> (n, D).  Backward scatter-adds: dW[index[i]] += dy[i]. */
rn_var *rn_embedding(rn_tape *tape, rn_var *weight, const int *indices, int n);

#ifdef __cplusplus
}
#endif
#endif
