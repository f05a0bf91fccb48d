/* family_tree_autograd.c — the family-tree network again, this time built
 * from the library's layers and reverse-mode autodiff (autograd.h) instead of
 * written-out backward equations.  The whole batch goes through as matrices:
 *
 *   A_p = σ(X_p W_pᵀ + b_p)         X_p (B, 24) one-hot     -> (B, 6)
 *   A_r = σ(X_r W_rᵀ + b_r)         X_r (B, 12) one-hot     -> (B, 6)
 *   A_h = σ([A_p A_r] W_hᵀ + b_h)                            -> (B, 12)
 *   A_d = σ(A_h W_dᵀ + b_d)                                  -> (B, 6)
 *   Y   = σ(A_d W_oᵀ + b_o)                                  -> (B, 24)
 *   E   = Σ loss(Y, T)  (family_tree_net.h), summed over cases and outputs
 *
 * rn_backward() then fills net->gradient through the parameter views: the
 * same numbers as rn_family_net_gradient() (tests/test_family_tree.c checks
 * it to float precision), with no backward equation written here. */
#include <string.h>

#include "redes/autograd.h"
#include "redes/family_tree_net.h"

/* rn_param views of one weight array and its gradient twin. */
static rn_var param_view(float *value, float *grad, int rows, int columns)
{
    const int shape[2] = {rows, columns};
    const int ndim = columns ? 2 : 1;
    const int vector_shape[1] = {rows};
    return rn_param(rn_tensor_view(value, ndim, columns ? shape : vector_shape),
                    rn_tensor_view(grad, ndim, columns ? shape : vector_shape));
}

/* A constant (rows, columns) matrix in the tape's arena, zero-filled. */
static float *arena_matrix(rn_tape *tape, int rows, int columns)
{
    float *values = rn_tape_alloc(tape, (size_t)rows * (size_t)columns * sizeof(float));
    if (values) memset(values, 0, (size_t)rows * (size_t)columns * sizeof(float));
    return values;
}

static rn_var *matrix_input(rn_tape *tape, float *values, int rows, int columns)
{
    const int shape[2] = {rows, columns};
    return values ? rn_tape_input(tape, rn_tensor_view(values, 2, shape)) : NULL;
}

/* E from Y (B, 24) and the targets T; the three kinds of family_tree_net.h. */
static rn_var *family_loss(rn_tape *tape, rn_var *y, const float *target, int n_cases,
                           const rn_family_recipe *recipe)
{
    const int n_outputs = RN_FAMILY_PEOPLE, count = n_cases * n_outputs;
    const float on = (float)(1.0 - recipe->tolerance), off = (float)recipe->tolerance;
    float *t = arena_matrix(tape, n_cases, n_outputs), *not_t = arena_matrix(tape, n_cases, n_outputs);
    if (!t || !not_t) return rn_tape_fail(tape, RN_ERR_MEMORY, "family loss: out of arena memory");
    for (int i = 0; i < count; i++) {
        t[i] = target[i];
        not_t[i] = 1.0f - target[i];
    }
    rn_var *T = matrix_input(tape, t, n_cases, n_outputs),
           *not_T = matrix_input(tape, not_t, n_cases, n_outputs);
    if (recipe->loss == RN_FAMILY_LOSS_SQUARED) {
        /* E = ½ Σ M ⊙ (Y - T)², M = 1 outside the band: a constant mask read off Y. */
        float *mask = arena_matrix(tape, n_cases, n_outputs);
        if (!mask || !y) return rn_tape_fail(tape, RN_ERR_MEMORY, "family loss: out of arena memory");
        for (int i = 0; i < count; i++)
            mask[i] = t[i] > 0.5f ? (float)(y->value.data[i] < on) : (float)(y->value.data[i] > off);
        rn_var *M = matrix_input(tape, mask, n_cases, n_outputs);
        return rn_scale(tape, rn_sum(tape, rn_mul(tape, M, rn_square(tape, rn_sub(tape, y, T)))), 0.5f);
    }
    /* below = relu(0.8 - Y) for on-units, above = relu(Y - 0.2) for off-units. */
    rn_var *below = rn_relu(tape, rn_add_scalar(tape, rn_scale(tape, y, -1.0f), on));
    rn_var *above = rn_relu(tape, rn_add_scalar(tape, y, -off));
    if (recipe->loss == RN_FAMILY_LOSS_TOLERANCE)
        return rn_sum(tape, rn_add(tape, rn_mul(tape, T, below), rn_mul(tape, not_T, above)));
    /* squared-boundary: E = ½ Σ T ⊙ below² + (1 - T) ⊙ above² */
    rn_var *both =
        rn_add(tape, rn_mul(tape, T, rn_square(tape, below)), rn_mul(tape, not_T, rn_square(tape, above)));
    return rn_scale(tape, rn_sum(tape, both), 0.5f);
}

rn_status rn_family_net_gradient_autograd(rn_family_net *net, rn_tape *tape, const rn_family_tree *tree,
                                          const int *case_indices, int n_cases,
                                          const rn_family_recipe *recipe, float *loss)
{
    if (n_cases <= 0) return rn_error(RN_ERR_ARGUMENT, "family tree autograd: no cases");
    memset(&net->gradient, 0, sizeof net->gradient);
    rn_tape_reset(tape);
    rn_family_weights *w = &net->weights, *g = &net->gradient;
    rn_var W_p = param_view(&w->person_weights[0][0], &g->person_weights[0][0], RN_FAMILY_PERSON_UNITS,
                            RN_FAMILY_PEOPLE);
    rn_var b_p = param_view(w->person_bias, g->person_bias, RN_FAMILY_PERSON_UNITS, 0);
    rn_var W_r = param_view(&w->relation_weights[0][0], &g->relation_weights[0][0], RN_FAMILY_RELATION_UNITS,
                            RN_FAMILY_RELATIONS);
    rn_var b_r = param_view(w->relation_bias, g->relation_bias, RN_FAMILY_RELATION_UNITS, 0);
    rn_var W_h = param_view(&w->hidden_weights[0][0], &g->hidden_weights[0][0], RN_FAMILY_HIDDEN_UNITS,
                            RN_FAMILY_ENCODED);
    rn_var b_h = param_view(w->hidden_bias, g->hidden_bias, RN_FAMILY_HIDDEN_UNITS, 0);
    rn_var W_d = param_view(&w->decoder_weights[0][0], &g->decoder_weights[0][0], RN_FAMILY_DECODER_UNITS,
                            RN_FAMILY_HIDDEN_UNITS);
    rn_var b_d = param_view(w->decoder_bias, g->decoder_bias, RN_FAMILY_DECODER_UNITS, 0);
    rn_var W_o = param_view(&w->output_weights[0][0], &g->output_weights[0][0], RN_FAMILY_PEOPLE,
                            RN_FAMILY_DECODER_UNITS);
    rn_var b_o = param_view(w->output_bias, g->output_bias, RN_FAMILY_PEOPLE, 0);

    /* The batch: one-hot person and relation, multi-hot target. */
    float *x_person = arena_matrix(tape, n_cases, RN_FAMILY_PEOPLE);
    float *x_relation = arena_matrix(tape, n_cases, RN_FAMILY_RELATIONS);
    float *target = arena_matrix(tape, n_cases, RN_FAMILY_PEOPLE);
    if (!x_person || !x_relation || !target)
        return rn_error(RN_ERR_MEMORY, "family tree autograd: out of memory");
    for (int i = 0; i < n_cases; i++) {
        const rn_family_case *c = &tree->cases[case_indices[i]];
        x_person[i * RN_FAMILY_PEOPLE + c->person] = 1;
        x_relation[i * RN_FAMILY_RELATIONS + c->relation] = 1;
        memcpy(target + i * RN_FAMILY_PEOPLE, c->target, sizeof c->target);
    }
    rn_var *X_p = matrix_input(tape, x_person, n_cases, RN_FAMILY_PEOPLE);
    rn_var *X_r = matrix_input(tape, x_relation, n_cases, RN_FAMILY_RELATIONS);

    rn_var *A_p = rn_linear_act(tape, X_p, &W_p, &b_p, RN_ACT_SIGMOID, 0);
    rn_var *A_r = rn_linear_act(tape, X_r, &W_r, &b_r, RN_ACT_SIGMOID, 0);
    rn_var *encoded[2] = {A_p, A_r};
    rn_var *A_h = rn_linear_act(tape, rn_concat(tape, encoded, 2, 1), &W_h, &b_h, RN_ACT_SIGMOID, 0);
    rn_var *A_d = rn_linear_act(tape, A_h, &W_d, &b_d, RN_ACT_SIGMOID, 0);
    rn_var *Y = rn_linear_act(tape, A_d, &W_o, &b_o, RN_ACT_SIGMOID, 0);
    rn_var *E = family_loss(tape, Y, target, n_cases, recipe);
    if (!E) return rn_error(rn_tape_status(tape), "family tree autograd: %s", rn_tape_error(tape));
    RN_CHECK(rn_backward(tape, E));
    if (loss) *loss = E->value.data[0];
    rn_tape_reset(tape);
    return RN_OK;
}
