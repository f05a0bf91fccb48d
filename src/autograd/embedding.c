/* embedding.c — a lookup table as a layer: y_i = W[index_i]  (one-hot times W).
 *   dW[index_i] += dy_i   (scatter-add: repeated indices accumulate)
 * saved = the indices (copied). */
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/elementwise.h"

static void embedding_backward(rn_tape *tape, rn_var *out)
{
    (void)tape;
    rn_var *w = out->inputs[0];
    if (!rn_var_needs_grad(w)) return;
    const int *indices = out->saved;
    int n = out->value.shape[0], width = out->value.shape[1];
    for (int i = 0; i < n; i++)
        rn_vec_axpy(1.0f, out->grad.data + (size_t)i * width, w->grad.data + (size_t)indices[i] * width,
                    (size_t)width);
}

rn_var *rn_embedding(rn_tape *tape, rn_var *weight, const int *indices, int n)
{
    if (!weight) return rn__tape_record(tape, "embedding", &weight, 1, NULL);
    char s[64];
    if (weight->value.ndim != 2)
        return rn_tape_fail(tape, RN_ERR_SHAPE, "embedding: weight must be (V, D), got %s",
                            shape_of(weight, s, sizeof s));
    int vocabulary = weight->value.shape[0], width = weight->value.shape[1];
    if (n < 1 || !indices) return rn_tape_fail(tape, RN_ERR_ARGUMENT, "embedding: no indices");
    for (int i = 0; i < n; i++)
        if (indices[i] < 0 || indices[i] >= vocabulary)
            return rn_tape_fail(tape, RN_ERR_ARGUMENT,
                                "embedding: index %d at position %d is outside [0, %d)", indices[i],
                                i, vocabulary);
    int shape[2] = {n, width};
    rn_var *out = rn_tape_op(tape, "embedding", 2, shape, &weight, 1, embedding_backward);
    if (!out) return NULL;
    for (int i = 0; i < n; i++)
        memcpy(out->value.data + (size_t)i * width, weight->value.data + (size_t)indices[i] * width,
               (size_t)width * sizeof(float));
    if (out->backward) {
        int *saved = rn_tape_alloc(tape, (size_t)n * sizeof(int));
        if (!saved) return NULL;
        memcpy(saved, indices, (size_t)n * sizeof(int));
        out->saved = saved;
    }
    return out;
}
