/* gradient_flow.c — deep MLPs, scaled initialisation and per-layer gradient
 * norms (see gradient_flow.h for the math). */
#include "redes/gradient_flow.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

rn_status rn_deep_mlp_spec(int depth, int width, const char *activation, bool batchnorm, int n_classes,
                           char *spec, size_t size)
{
    rn_activation kind;
    if (depth < 1 || width < 1 || n_classes < 2 || !spec || size == 0)
        return rn_error(RN_ERR_ARGUMENT, "deep mlp: need depth >= 1, width >= 1, classes >= 2 (got %d, %d, %d)", depth,
                        width, n_classes);
    RN_CHECK(rn_activation_from_name(activation, &kind));
    size_t used = 0;
    for (int l = 0; l < depth; l++)
        used += (size_t)snprintf(spec + used, size > used ? size - used : 0, "fc %d, %s%s, ", width,
                                 batchnorm ? "bn, " : "", rn_activation_name(kind));
    used += (size_t)snprintf(spec + used, size > used ? size - used : 0, "fc %d", n_classes);
    if (used >= size) return rn_error(RN_ERR_ARGUMENT, "deep mlp: %d layers do not fit in %zu characters", depth, size);
    return RN_OK;
}

rn_status rn_model_init_scaled_normal(rn_model *model, double gain, rn_rng *rng)
{
    if (!(gain > 0) || !isfinite(gain)) return rn_error(RN_ERR_ARGUMENT, "init: gain %g must be positive", gain);
    RN_CHECK(rn_model_init(model, RN_INIT_DEFAULT, rng)); /* batch norm and buffers */
    for (int i = 0; i < model->n_layers; i++) {
        const rn_layer *l = &model->layers[i];
        if (l->kind != RN_LAYER_LINEAR) continue;
        /* W ~ N(0, gain² / fan_in), i.e. kaiming_normal with this gain; b = 0 */
        RN_CHECK(rn_params_init_view(&model->params, l->weight_index, RN_INIT_KAIMING_NORMAL, gain, 0, rng));
        RN_CHECK(rn_params_init_view(&model->params, l->bias_index, RN_INIT_ZEROS, 0, 0, rng));
    }
    return RN_OK;
}

int rn_model_fc_count(const rn_model *model)
{
    int count = 0;
    for (int i = 0; i < model->n_layers; i++) count += model->layers[i].kind == RN_LAYER_LINEAR;
    return count;
}

static double view_norm(const rn_params *params, int index)
{
    const rn_param_view *v = &params->views[index];
    const float *g = params->grads + v->offset;
    double sum = 0;
    for (size_t k = 0; k < v->numel; k++) sum += (double)g[k] * g[k];
    return sqrt(sum);
}

int rn_model_layer_grad_norms(const rn_model *model, double *weight_norms, double *bias_norms, int capacity)
{
    int count = 0;
    for (int i = 0; i < model->n_layers && count < capacity; i++) {
        const rn_layer *l = &model->layers[i];
        if (l->kind != RN_LAYER_LINEAR) continue;
        weight_norms[count] = view_norm(&model->params, l->weight_index); /* ‖∂E/∂W_l‖_F */
        if (bias_norms) bias_norms[count] = view_norm(&model->params, l->bias_index); /* ‖∂E/∂b_l‖ */
        count++;
    }
    return count;
}

rn_status rn_model_loss_and_gradient(rn_model *model, rn_tape *tape, const float *x, const int *labels, int batch,
                                     rn_rng *rng, double *loss)
{
    int x_shape[2] = {batch, model->n_inputs};
    rn_params_zero_grad(&model->params);
    rn_var *input = rn_tape_input(tape, rn_tensor_view((float *)x, 2, x_shape));
    rn_var *logits = rn_model_forward(model, tape, input, rng);
    rn_var *error = rn_cross_entropy_loss(tape, logits, labels); /* E = (1/B) Σ_b −log softmax(z_b)[y_b] */
    rn_status s = error ? rn_backward(tape, error) : rn_error(rn_tape_status(tape), "%s", rn_tape_error(tape));
    if (s == RN_OK) *loss = error->value.data[0];
    rn_tape_reset(tape);
    return s;
}
