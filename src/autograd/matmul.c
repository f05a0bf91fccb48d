/* matmul.c — matrix products and the fully connected layer.
 *
 * Everything here is one or two rn_gemm calls per pass; the element-wise work
 * (bias, activation) is fused into a single sweep over the output.
 */
#include <string.h>

#include "autograd/ops_internal.h"
#include "kernels/omp_for.h"
#include "redes/elementwise.h"
#include "redes/gemm.h"

/* ------------------------------------------------------------------ matmul
 * C = op(A) op(B), op(X) = X or X^T, per slice s of a batched product.
 *   dop(A) = dC op(B)^T      dop(B) = op(A)^T dC
 * and when A is stored transposed, dA = (dop(A))^T = op(B) dC^T (likewise B). */

typedef struct matmul_shape {
    int slices, M, N, K;
    bool transpose_a, transpose_b;
    int lda, ldb; /* stored row lengths */
} matmul_shape;

static void matmul_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    const matmul_shape *s = out->saved;
    rn_var *a = out->inputs[0], *b = out->inputs[1];
    size_t a_size = (size_t)s->M * s->K, b_size = (size_t)s->K * s->N, c_size = (size_t)s->M * s->N;
    for (int slice = 0; slice < s->slices; slice++) {
        const float *dC = out->grad.data + slice * c_size;
        const float *A = a->value.data + slice * a_size, *B = b->value.data + slice * b_size;
        if (rn_var_needs_grad(a)) {
            float *dA = a->grad.data + slice * a_size;
            if (!s->transpose_a) /* dA (M,K) += dC (M,N) op(B)^T (N,K) */
                rn_gemm(false, !s->transpose_b, s->M, s->K, s->N, 1.0f, dC, s->N, B, s->ldb, 1.0f,
                        dA, s->lda);
            else /* dA (K,M) += op(B) (K,N) dC^T (N,M) */
                rn_gemm(s->transpose_b, true, s->K, s->M, s->N, 1.0f, B, s->ldb, dC, s->N, 1.0f,
                        dA, s->lda);
        }
        if (rn_var_needs_grad(b)) {
            float *dB = b->grad.data + slice * b_size;
            if (!s->transpose_b) /* dB (K,N) += op(A)^T (K,M) dC (M,N) */
                rn_gemm(!s->transpose_a, false, s->K, s->N, s->M, 1.0f, A, s->lda, dC, s->N, 1.0f,
                        dB, s->ldb);
            else /* dB (N,K) += dC^T (N,M) op(A) (M,K) */
                rn_gemm(true, s->transpose_a, s->N, s->K, s->M, 1.0f, dC, s->N, A, s->lda, 1.0f,
                        dB, s->ldb);
        }
    }
}

rn_var *rn_matmul_ex(rn_tape *tape, rn_var *a, bool transpose_a, rn_var *b, bool transpose_b)
{
    if (!a || !b) return rn__tape_record(tape, "matmul", (rn_var *[]){a, b}, 2, NULL);
    char sa[64], sb[64];
    const rn_tensor *ta = &a->value, *tb = &b->value;
    if (ta->ndim != tb->ndim || ta->ndim < 2 || ta->ndim > 3 ||
        (ta->ndim == 3 && ta->shape[0] != tb->shape[0]))
        return rn_tape_fail(tape, RN_ERR_SHAPE,
                            "matmul: a is %s, b is %s: need two matrices or two batches of "
                            "matrices of the same length",
                            shape_of(a, sa, sizeof sa), shape_of(b, sb, sizeof sb));
    int d = ta->ndim - 2;
    matmul_shape s = {.slices = d ? ta->shape[0] : 1,
                      .M = transpose_a ? ta->shape[d + 1] : ta->shape[d],
                      .K = transpose_a ? ta->shape[d] : ta->shape[d + 1],
                      .N = transpose_b ? tb->shape[d] : tb->shape[d + 1],
                      .transpose_a = transpose_a,
                      .transpose_b = transpose_b,
                      .lda = ta->shape[d + 1],
                      .ldb = tb->shape[d + 1]};
    int k_of_b = transpose_b ? tb->shape[d + 1] : tb->shape[d];
    if (s.K != k_of_b)
        return rn_tape_fail(tape, RN_ERR_SHAPE,
                            "matmul: a%s is %s, b%s is %s: inner dimensions differ (%d vs %d)",
                            transpose_a ? "^T" : "", shape_of(a, sa, sizeof sa),
                            transpose_b ? "^T" : "", shape_of(b, sb, sizeof sb), s.K, k_of_b);
    int shape[3] = {s.slices, s.M, s.N};
    rn_var *out = rn_tape_op(tape, "matmul", ta->ndim, d ? shape : shape + 1, (rn_var *[]){a, b}, 2,
                             matmul_backward);
    if (!out) return NULL;
    size_t a_size = (size_t)s.M * s.K, b_size = (size_t)s.K * s.N, c_size = (size_t)s.M * s.N;
    for (int slice = 0; slice < s.slices; slice++)
        rn_gemm(transpose_a, transpose_b, s.M, s.N, s.K, 1.0f, ta->data + slice * a_size, s.lda,
                tb->data + slice * b_size, s.ldb, 0.0f, out->value.data + slice * c_size, s.N);
    if (out->backward) {
        matmul_shape *saved = rn_tape_alloc(tape, sizeof *saved);
        if (!saved) return NULL;
        *saved = s;
        out->saved = saved;
    }
    return out;
}

rn_var *rn_matmul(rn_tape *tape, rn_var *a, rn_var *b) { return rn_matmul_ex(tape, a, false, b, false); }

/* ------------------------------------------------------------------ linear
 * Rows r of x (all leading dimensions flattened), W (out, in), b (out):
 *   z = x W^T + b,  y = f(z)
 *   dz = dy * f'(z);  dx += dz W;  dW += dz^T x;  db += sum_r dz_r
 * option = activation kind, scalar = alpha; saved = z when f' needs it. */

static void linear_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *x = out->inputs[0], *w = out->inputs[1], *b = out->n_inputs > 2 ? out->inputs[2] : NULL;
    int n_out = w->value.shape[0], n_in = w->value.shape[1];
    int rows = (int)(numel_of(x) / (size_t)n_in);
    rn_activation kind = (rn_activation)out->option;
    /* dz = dy * f'(z), in place: this node's gradient is read by nobody after
     * its own backward (see autograd.h). */
    float *dz = out->grad.data;
    if (kind != RN_ACT_IDENTITY)
        rn_activation_delta(kind, out->scalar, out->saved, out->value.data, dz, dz, numel_of(out));
    if (rn_var_needs_grad(x)) /* dx (rows, in) += dz (rows, out) W (out, in); = if first */
        rn_gemm(false, false, rows, n_in, n_out, 1.0f, dz, n_out, w->value.data, n_in,
                rn_var_take_unwritten(x) ? 0.0f : 1.0f, x->grad.data, n_in);
    /* dW (out, in) += dz^T (out, rows) x (rows, in); = if the parameter's
     * gradient is marked unwritten (rn_model_begin_gradients) */
    if (rn_var_needs_grad(w))
        rn_gemm(true, false, n_out, n_in, rows, 1.0f, dz, n_out, x->value.data, n_in,
                rn_var_take_unwritten(w) ? 0.0f : 1.0f, w->grad.data, n_in);
    if (b && rn_var_needs_grad(b)) {
        if (rn_var_take_unwritten(b)) memset(b->grad.data, 0, sizeof(float) * (size_t)n_out);
        rn_rows_sum_acc(dz, b->grad.data, rows, n_out);
    }
}

rn_var *rn_linear_act(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias, rn_activation kind,
                      float alpha)
{
    rn_var *inputs[3] = {x, weight, bias};
    int n_inputs = bias ? 3 : 2;
    if (!x || !weight) return rn__tape_record(tape, "linear", inputs, n_inputs, NULL);
    char sx[64], sw[64], sb[64];
    const rn_tensor *w = &weight->value;
    if (w->ndim != 2)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "linear: weight must be (out, in), got %s",
                            shape_of(weight, sw, sizeof sw));
    int n_out = w->shape[0], n_in = w->shape[1];
    if (x->value.shape[x->value.ndim - 1] != n_in)
        return rn_tape_fail(tape, RN_ERR_SHAPE,
                            "linear: x is %s but weight is %s (out, in): x's last dimension must "
                            "be %d",
                            shape_of(x, sx, sizeof sx), shape_of(weight, sw, sizeof sw), n_in);
    if (bias && (bias->value.ndim != 1 || bias->value.shape[0] != n_out))
        return rn_tape_fail(tape, RN_ERR_SHAPE, "linear: bias is %s, expected (%d)",
                            shape_of(bias, sb, sizeof sb), n_out);
    if ((int)kind < 0 || kind >= RN_ACT_COUNT)
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "linear: unknown activation %d", (int)kind);
    int shape[RN_MAX_DIMS];
    memcpy(shape, x->value.shape, sizeof shape);
    shape[x->value.ndim - 1] = n_out;
    rn_var *out = rn_tape_op(tape, kind == RN_ACT_IDENTITY ? "linear" : "linear_act", x->value.ndim,
                             shape, inputs, n_inputs, linear_backward);
    if (!out) return NULL;
    int rows = (int)(numel_of(x) / (size_t)n_in);
    float *y = out->value.data;
    /* z = x W^T (+ b): with a bias, preload it into y and accumulate (beta = 1),
     * which saves a separate pass over y. */
    if (bias) {
        for (int r = 0; r < rows; r++) memcpy(y + (size_t)r * n_out, bias->value.data, n_out * sizeof(float));
    }
    rn_gemm(false, true, rows, n_out, n_in, 1.0f, x->value.data, n_in, w->data, n_in,
            bias ? 1.0f : 0.0f, y, n_out);
    out->option = (int)kind;
    out->scalar = alpha;
    out->assigns_grads = true; /* dx by a GEMM with beta = 0 */
    if (kind != RN_ACT_IDENTITY) {
        size_t n = numel_of(out);
        if (out->backward && !rn_activation_derivative_from_output(kind)) {
            float *z = rn_tape_alloc(tape, n * sizeof(float));
            if (!z) return NULL;
            memcpy(z, y, n * sizeof(float));
            out->saved = z;
        }
        rn_activation_forward(kind, alpha, y, y, n);
    }
    return out;
}

rn_var *rn_linear(rn_tape *tape, rn_var *x, rn_var *weight, rn_var *bias)
{
    return rn_linear_act(tape, x, weight, bias, RN_ACT_IDENTITY, 0.0f);
}
