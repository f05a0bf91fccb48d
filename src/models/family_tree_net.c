/* family_tree_net.c — the family-tree network by hand: arrays, the forward
 * equations and the backward equations side by side (family_tree_net.h).
 *
 * Notation (the course's): for layer l,
 *   z⁽ˡ⁾ = W⁽ˡ⁾ a⁽ˡ⁻¹⁾ + b⁽ˡ⁾,   a⁽ˡ⁾ = σ(z⁽ˡ⁾),   σ'(z) = a (1 - a)
 *   δ⁽ˡ⁾ = ∂E/∂z⁽ˡ⁾ = (W⁽ˡ⁺¹⁾ᵀ δ⁽ˡ⁺¹⁾) ⊙ a⁽ˡ⁾ (1 - a⁽ˡ⁾)
 *   ∂E/∂W⁽ˡ⁾ = δ⁽ˡ⁾ a⁽ˡ⁻¹⁾ᵀ,      ∂E/∂b⁽ˡ⁾ = δ⁽ˡ⁾
 */
#include "redes/family_tree_net.h"

#include <math.h>
#include <string.h>

enum {
    P = RN_FAMILY_PERSON_UNITS,
    R = RN_FAMILY_RELATION_UNITS,
    H = RN_FAMILY_HIDDEN_UNITS,
    D = RN_FAMILY_DECODER_UNITS,
    E = RN_FAMILY_ENCODED,
    N_OUT = RN_FAMILY_PEOPLE
};

static inline float logistic(float z)
{
    return 1.0f / (1.0f + expf(-z));
}

/* ------------------------------------------------------------------ recipes */

rn_family_recipe rn_family_recipe_default(void)
{
    /* The recipe of the issue (37 of 40 seeds learned in its PyTorch
     * reproduction) with the squared distance to the band and 20,000 sweeps
     * instead of 10,000: over the same 120 seeds, 115 instead of 110 learn all
     * 100 cases and 104 instead of 88 grow a nationality unit
     * (docs/chapter4-family-tree.md). */
    return (rn_family_recipe){.weight_init = 1.0,
                              .bias_init = 1.0,
                              .learning_rate = 0.02,
                              .momentum_initial = 0.5,
                              .momentum_switch = 20,
                              .momentum_final = 0.9,
                              .decay_start = 1500,
                              .decay_rate = 0.001,
                              .decay_biases = false,
                              .sweeps = 20000,
                              .tolerance = 0.2,
                              .loss = RN_FAMILY_LOSS_SQUARED_BOUNDARY};
}

rn_family_recipe rn_family_recipe_hinton1986(void)
{
    /* As usually quoted from Hinton (1986): weights ±0.3, ε = 0.005 on the
     * summed gradient, α 0.5 for 20 sweeps then 0.9, 0.2 % decay per sweep,
     * 1,500 sweeps, no error inside 0.2 of the target. */
    return (rn_family_recipe){.weight_init = 0.3,
                              .bias_init = 0.3,
                              .learning_rate = 0.005,
                              .momentum_initial = 0.5,
                              .momentum_switch = 20,
                              .momentum_final = 0.9,
                              .decay_start = 0,
                              .decay_rate = 0.002,
                              .decay_biases = false,
                              .sweeps = 1500,
                              .tolerance = 0.2,
                              .loss = RN_FAMILY_LOSS_SQUARED};
}

rn_status rn_family_recipe_named(const char *name, rn_family_recipe *recipe)
{
    if (strcmp(name, "default") == 0)
        *recipe = rn_family_recipe_default();
    else if (strcmp(name, "hinton1986") == 0)
        *recipe = rn_family_recipe_hinton1986();
    else
        return rn_error(RN_ERR_ARGUMENT, "unknown recipe '%s' (default or hinton1986)", name);
    return RN_OK;
}

rn_status rn_family_recipe_check(const rn_family_recipe *recipe)
{
    if (!(recipe->weight_init >= 0) || !(recipe->bias_init >= 0))
        return rn_error(RN_ERR_ARGUMENT, "family recipe: init ranges must be >= 0");
    if (!(recipe->learning_rate > 0))
        return rn_error(RN_ERR_ARGUMENT, "family recipe: learning rate must be > 0");
    if (!(recipe->momentum_initial >= 0 && recipe->momentum_initial < 1) ||
        !(recipe->momentum_final >= 0 && recipe->momentum_final < 1))
        return rn_error(RN_ERR_ARGUMENT, "family recipe: momentum must be in [0, 1)");
    if (!(recipe->decay_rate >= 0 && recipe->decay_rate < 1))
        return rn_error(RN_ERR_ARGUMENT, "family recipe: decay rate must be in [0, 1)");
    if (!(recipe->tolerance >= 0 && recipe->tolerance < 0.5))
        return rn_error(RN_ERR_ARGUMENT, "family recipe: tolerance must be in [0, 0.5)");
    if (recipe->sweeps < 0 || recipe->decay_start < 0 || recipe->momentum_switch < 0)
        return rn_error(RN_ERR_ARGUMENT, "family recipe: sweep counts must be >= 0");
    if ((unsigned)recipe->loss > RN_FAMILY_LOSS_SQUARED_BOUNDARY)
        return rn_error(RN_ERR_ARGUMENT, "family recipe: unknown loss %d", (int)recipe->loss);
    return RN_OK;
}

static const char *const loss_names[] = {"tolerance", "squared", "squared-boundary"};

const char *rn_family_loss_name(rn_family_loss loss)
{
    return (unsigned)loss <= RN_FAMILY_LOSS_SQUARED_BOUNDARY ? loss_names[loss] : "?";
}

rn_status rn_family_loss_parse(const char *name, rn_family_loss *loss)
{
    for (int k = 0; k <= RN_FAMILY_LOSS_SQUARED_BOUNDARY; k++)
        if (strcmp(name, loss_names[k]) == 0) {
            *loss = (rn_family_loss)k;
            return RN_OK;
        }
    return rn_error(RN_ERR_ARGUMENT, "unknown loss '%s' (tolerance, squared or squared-boundary)", name);
}

/* ------------------------------------------------------------------ init */

void rn_family_net_init(rn_family_net *net, const rn_family_recipe *recipe, rn_rng *rng)
{
    memset(net, 0, sizeof *net);
    rn_family_weights *w = &net->weights;
    const float wr = (float)recipe->weight_init, br = (float)recipe->bias_init;
    /* Layer by layer, weights then biases: the order is part of "same seed, same numbers". */
    rn_rng_fill_uniform(rng, &w->person_weights[0][0], P * RN_FAMILY_PEOPLE, -wr, wr);
    rn_rng_fill_uniform(rng, w->person_bias, P, -br, br);
    rn_rng_fill_uniform(rng, &w->relation_weights[0][0], R * RN_FAMILY_RELATIONS, -wr, wr);
    rn_rng_fill_uniform(rng, w->relation_bias, R, -br, br);
    rn_rng_fill_uniform(rng, &w->hidden_weights[0][0], H * E, -wr, wr);
    rn_rng_fill_uniform(rng, w->hidden_bias, H, -br, br);
    rn_rng_fill_uniform(rng, &w->decoder_weights[0][0], D * H, -wr, wr);
    rn_rng_fill_uniform(rng, w->decoder_bias, D, -br, br);
    rn_rng_fill_uniform(rng, &w->output_weights[0][0], N_OUT * D, -wr, wr);
    rn_rng_fill_uniform(rng, w->output_bias, N_OUT, -br, br);
}

/* ------------------------------------------------------------------ forward */

/* a = σ(W a_in + b) for one dense layer: W is (n_out, n_in) row-major.  Inlined so
 * that n_in and n_out are constants the compiler can unroll, and `omp simd` because
 * at -O2 GCC will not vectorise 12-long loops by itself (together ~2x faster). */
static inline __attribute__((always_inline)) void
dense_forward(const float *W, const float *b, const float *a_in, int n_in, int n_out, float *a_out)
{
    for (int i = 0; i < n_out; i++) {
        float z = b[i];
#pragma omp simd reduction(+ : z)
        for (int k = 0; k < n_in; k++)
            z += W[i * n_in + k] * a_in[k];
        a_out[i] = logistic(z);
    }
}

void rn_family_forward(const rn_family_weights *w, int person, int relation, rn_family_activations *act)
{
    /* a_p = σ(W_p x_p + b_p): x_p is one-hot, so W_p x_p is column `person` of W_p.   (6) */
    for (int u = 0; u < P; u++)
        act->person[u] = logistic(w->person_weights[u][person] + w->person_bias[u]);
    /* a_r = σ(W_r x_r + b_r)                                                          (6) */
    for (int u = 0; u < R; u++)
        act->relation[u] = logistic(w->relation_weights[u][relation] + w->relation_bias[u]);
    /* a_h = σ(W_h [a_p; a_r] + b_h)                                  (12x12)(12) -> (12) */
    float encoded[E];
    memcpy(encoded, act->person, sizeof act->person);
    memcpy(encoded + P, act->relation, sizeof act->relation);
    dense_forward(&w->hidden_weights[0][0], w->hidden_bias, encoded, E, H, act->hidden);
    /* a_d = σ(W_d a_h + b_d)                                          (6x12)(12) -> (6) */
    dense_forward(&w->decoder_weights[0][0], w->decoder_bias, act->hidden, H, D, act->decoder);
    /* y = σ(W_o a_d + b_o)                                             (24x6)(6) -> (24) */
    dense_forward(&w->output_weights[0][0], w->output_bias, act->decoder, D, N_OUT, act->output);
}

/* ------------------------------------------------------------------ loss */

float rn_family_case_loss(const float *y, const float *target, rn_family_loss loss, double tolerance,
                          float *dE_dy)
{
    const float on = (float)(1.0 - tolerance), off = (float)tolerance;
    float E_case = 0;
    for (int q = 0; q < N_OUT; q++) {
        const bool should_be_on = target[q] > 0.5f;
        /* Inside the band (on above 0.8, off below 0.2) a unit costs nothing. */
        const bool outside = should_be_on ? y[q] < on : y[q] > off;
        dE_dy[q] = 0;
        if (!outside) continue;
        switch (loss) {
        case RN_FAMILY_LOSS_TOLERANCE: /* E = relu(0.8 - y) or relu(y - 0.2): dE/dy = ∓1 */
            E_case += should_be_on ? on - y[q] : y[q] - off;
            dE_dy[q] = should_be_on ? -1.0f : 1.0f;
            break;
        case RN_FAMILY_LOSS_SQUARED: /* E = ½ (y - t)², t in {0, 1}: dE/dy = y - t */
            E_case += 0.5f * (y[q] - target[q]) * (y[q] - target[q]);
            dE_dy[q] = y[q] - target[q];
            break;
        case RN_FAMILY_LOSS_SQUARED_BOUNDARY: { /* E = ½ (y - edge)², edge in {0.8, 0.2} */
            const float edge = should_be_on ? on : off;
            E_case += 0.5f * (y[q] - edge) * (y[q] - edge);
            dE_dy[q] = y[q] - edge;
            break;
        }
        }
    }
    return E_case;
}

/* ------------------------------------------------------------------ backward */

/* For one dense layer with a_out = σ(W a_in + b), given ∂E/∂a_out:
 *   δ = ∂E/∂a_out ⊙ a_out (1 - a_out)         (n_out)
 *   ∂E/∂W += δ a_inᵀ,  ∂E/∂b += δ             (n_out, n_in), (n_out)
 *   ∂E/∂a_in = Wᵀ δ                           (n_in), written when dE_da_in != NULL */
static inline __attribute__((always_inline)) void dense_backward(const float *W, const float *a_in,
                                                                 const float *a_out, const float *dE_da_out,
                                                                 int n_in, int n_out, float *dW, float *db,
                                                                 float *dE_da_in)
{
    if (dE_da_in) memset(dE_da_in, 0, (size_t)n_in * sizeof *dE_da_in);
    for (int i = 0; i < n_out; i++) {
        const float delta = dE_da_out[i] * a_out[i] * (1.0f - a_out[i]);
        db[i] += delta;
#pragma omp simd
        for (int k = 0; k < n_in; k++)
            dW[i * n_in + k] += delta * a_in[k];
        if (dE_da_in)
#pragma omp simd
            for (int k = 0; k < n_in; k++)
                dE_da_in[k] += W[i * n_in + k] * delta;
    }
}

void rn_family_backward(const rn_family_weights *w, int person, int relation,
                        const rn_family_activations *act, const float *dE_dy, rn_family_weights *g)
{
    /* δ_o = ∂E/∂y ⊙ y(1-y);  ∂E/∂W_o += δ_o a_dᵀ;  ∂E/∂a_d = W_oᵀ δ_o          (24) -> (6) */
    float dE_da_d[D];
    dense_backward(&w->output_weights[0][0], act->decoder, act->output, dE_dy, D, N_OUT,
                   &g->output_weights[0][0], g->output_bias, dE_da_d);
    /* δ_d = ∂E/∂a_d ⊙ a_d(1-a_d); ∂E/∂W_d += δ_d a_hᵀ; ∂E/∂a_h = W_dᵀ δ_d        (6) -> (12) */
    float dE_da_h[H];
    dense_backward(&w->decoder_weights[0][0], act->hidden, act->decoder, dE_da_d, H, D,
                   &g->decoder_weights[0][0], g->decoder_bias, dE_da_h);
    /* δ_h = ∂E/∂a_h ⊙ a_h(1-a_h); ∂E/∂W_h += δ_h [a_p; a_r]ᵀ; ∂E/∂[a_p; a_r] = W_hᵀ δ_h (12) -> (12) */
    float encoded[E], dE_dencoded[E];
    memcpy(encoded, act->person, sizeof act->person);
    memcpy(encoded + P, act->relation, sizeof act->relation);
    dense_backward(&w->hidden_weights[0][0], encoded, act->hidden, dE_da_h, E, H, &g->hidden_weights[0][0],
                   g->hidden_bias, dE_dencoded);
    /* δ_p = ∂E/∂a_p ⊙ a_p(1-a_p);  ∂E/∂W_p += δ_p x_pᵀ: only column `person` (one-hot x_p)  (6) */
    for (int u = 0; u < P; u++) {
        const float delta = dE_dencoded[u] * act->person[u] * (1.0f - act->person[u]);
        g->person_weights[u][person] += delta;
        g->person_bias[u] += delta;
    }
    /* δ_r = ∂E/∂a_r ⊙ a_r(1-a_r);  ∂E/∂W_r += δ_r x_rᵀ: only column `relation`           (6) */
    for (int u = 0; u < R; u++) {
        const float delta = dE_dencoded[P + u] * act->relation[u] * (1.0f - act->relation[u]);
        g->relation_weights[u][relation] += delta;
        g->relation_bias[u] += delta;
    }
}

/* ------------------------------------------------------------------ training */

float rn_family_net_gradient(rn_family_net *net, const rn_family_tree *tree, const int *case_indices,
                             int n_cases, const rn_family_recipe *recipe)
{
    memset(&net->gradient, 0, sizeof net->gradient);
    float E_total = 0;
    for (int i = 0; i < n_cases; i++) {
        const rn_family_case *c = &tree->cases[case_indices[i]];
        rn_family_activations act;
        float dE_dy[N_OUT];
        rn_family_forward(&net->weights, c->person, c->relation, &act);
        E_total += rn_family_case_loss(act.output, c->target, recipe->loss, recipe->tolerance, dE_dy);
        /* A case with every output inside its band contributes no gradient:
         * skipping it is exact, and late in training that is most cases. */
        bool any = false;
        for (int q = 0; q < N_OUT && !any; q++)
            any = dE_dy[q] != 0;
        if (any) rn_family_backward(&net->weights, c->person, c->relation, &act, dE_dy, &net->gradient);
    }
    return E_total;
}

/* w *= (1 - rate) for one array. */
static void shrink(float *values, int count, float factor)
{
    for (int i = 0; i < count; i++)
        values[i] *= factor;
}

static void decay_weights(rn_family_weights *w, float factor, bool biases_too)
{
    if (biases_too) {
        shrink(rn_family_flat(w), RN_FAMILY_NET_PARAMETERS, factor);
        return;
    }
    shrink(&w->person_weights[0][0], P * RN_FAMILY_PEOPLE, factor);
    shrink(&w->relation_weights[0][0], R * RN_FAMILY_RELATIONS, factor);
    shrink(&w->hidden_weights[0][0], H * E, factor);
    shrink(&w->decoder_weights[0][0], D * H, factor);
    shrink(&w->output_weights[0][0], N_OUT * D, factor);
}

void rn_family_net_step(rn_family_net *net, const rn_family_recipe *recipe, int sweep)
{
    /* Δw(t) = -ε ∂E/∂w + α Δw(t-1);  w += Δw */
    const float alpha =
        (float)(sweep < recipe->momentum_switch ? recipe->momentum_initial : recipe->momentum_final);
    const float epsilon = (float)recipe->learning_rate;
    float *w = rn_family_flat(&net->weights);
    float *v = rn_family_flat(&net->velocity);
    const float *g = rn_family_flat_const(&net->gradient);
    for (int i = 0; i < RN_FAMILY_NET_PARAMETERS; i++) {
        v[i] = alpha * v[i] - epsilon * g[i];
        w[i] += v[i];
    }
    /* Then w *= (1 - decay rate), from sweep decay_start on. */
    if (sweep >= recipe->decay_start && recipe->decay_rate > 0)
        decay_weights(&net->weights, (float)(1.0 - recipe->decay_rate), recipe->decay_biases);
}

float rn_family_net_sweep(rn_family_net *net, const rn_family_tree *tree, const int *case_indices,
                          int n_cases, const rn_family_recipe *recipe, int sweep)
{
    const float E_total = rn_family_net_gradient(net, tree, case_indices, n_cases, recipe);
    rn_family_net_step(net, recipe, sweep);
    return E_total;
}

rn_status rn_family_net_train(rn_family_net *net, const rn_family_tree *tree, const int *case_indices,
                              int n_cases, const rn_family_recipe *recipe,
                              rn_family_implementation implementation, float *loss_history)
{
    RN_CHECK(rn_family_recipe_check(recipe));
    /* The tape's arena grows to one sweep's size in the first sweep and is
     * then reused: no allocation in the loop. */
    rn_tape *tape = implementation == RN_FAMILY_AUTOGRAD ? rn_tape_create(64 * 1024) : NULL;
    if (implementation == RN_FAMILY_AUTOGRAD && !tape) return rn_error_context(RN_ERR_MEMORY, "family tree");
    rn_status status = RN_OK;
    for (int sweep = 0; sweep < recipe->sweeps && status == RN_OK; sweep++) {
        float E_total;
        if (tape) {
            status =
                rn_family_net_gradient_autograd(net, tape, tree, case_indices, n_cases, recipe, &E_total);
            if (status != RN_OK) break;
            rn_family_net_step(net, recipe, sweep);
        } else {
            E_total = rn_family_net_sweep(net, tree, case_indices, n_cases, recipe, sweep);
        }
        if (!isfinite(E_total))
            status = rn_error(RN_ERR_NUMERIC, "family tree: loss is %g at sweep %d (learning rate too high?)",
                              (double)E_total, sweep);
        else if (loss_history)
            loss_history[sweep] = E_total;
    }
    rn_tape_destroy(tape);
    return status;
}

/* ------------------------------------------------------------------ evaluation */

bool rn_family_output_right(const float *y, const rn_family_case *c)
{
    for (int q = 0; q < N_OUT; q++)
        if ((c->target[q] > 0.5f) != (y[q] > 0.5f)) return false;
    return true;
}

bool rn_family_output_ranked(const float *y, const rn_family_case *c)
{
    /* The answers are the top n_answers outputs: every answer beats every other person. */
    for (int a = 0; a < c->n_answers; a++)
        for (int q = 0; q < N_OUT; q++)
            if (c->target[q] < 0.5f && y[q] >= y[c->answers[a]]) return false;
    return true;
}

void rn_family_net_accuracy(const rn_family_weights *w, const rn_family_tree *tree, const int *case_indices,
                            int n_cases, double *right, double *ranked)
{
    int n_right = 0, n_ranked = 0;
    for (int i = 0; i < n_cases; i++) {
        const rn_family_case *c = &tree->cases[case_indices[i]];
        rn_family_activations act;
        rn_family_forward(w, c->person, c->relation, &act);
        n_right += rn_family_output_right(act.output, c);
        n_ranked += rn_family_output_ranked(act.output, c);
    }
    if (right) *right = n_cases ? (double)n_right / n_cases : 0;
    if (ranked) *ranked = n_cases ? (double)n_ranked / n_cases : 0;
}
