/* inspect.c — every layer's output for some inputs (inspect.h). */
#include "redes/inspect.h"

#include <string.h>

#include "redes/autograd.h"
#include "redes/conv_ops.h"

/* One layer in evaluation mode; the same ops as rn_model_forward, with the
 * fc layer and its activation kept apart so both outputs can be seen. */
static rn_var *layer_forward(rn_tape *tape, rn_layer *l, rn_var *h, int batch)
{
    switch (l->kind) {
    case RN_LAYER_LINEAR:
        if (h->value.ndim != 2)
            h = rn_reshape(tape, h, 2, (int[]){batch, l->in_shape[0] * l->in_shape[1] * l->in_shape[2]});
        return rn_linear(tape, h, &l->weight, &l->bias);
    case RN_LAYER_CONV: {
        if (h->value.ndim != 4) h = rn_reshape(tape, h, 4, (int[]){batch, l->in_shape[0], l->in_shape[1], l->in_shape[2]});
        rn_conv_options options = {{l->stride, l->stride}, {l->padding, l->padding}, {1, 1}, 1, {0, 0}};
        return rn_conv2d(tape, h, &l->weight, &l->bias, &options);
    }
    case RN_LAYER_MAXPOOL: return rn_max_pool2d(tape, h, l->kernel, l->stride, 0);
    case RN_LAYER_BATCHNORM:
        if (h->value.ndim == 2 && h->value.shape[1] != l->units) h = rn_reshape(tape, h, 2, (int[]){batch, l->units});
        return rn_batch_norm(tape, h, &l->weight, &l->bias, &l->stats);
    case RN_LAYER_DROPOUT: return h; /* evaluation: the identity */
    case RN_LAYER_ACTIVATION: return rn_activate(tape, h, l->activation, l->alpha);
    case RN_LAYER_FLATTEN: return rn_reshape(tape, h, 2, (int[]){batch, l->out_shape[0]});
    }
    return NULL;
}

/* A heap copy of a tape value with the layer's (batch, out_shape) shape. */
static rn_status keep(const rn_layer *l, const rn_var *h, int batch, rn_tensor *out)
{
    bool spatial = l->out_shape[1] > 1 || l->out_shape[2] > 1;
    int shape4[4] = {batch, l->out_shape[0], l->out_shape[1], l->out_shape[2]};
    int shape2[2] = {batch, l->out_shape[0] * l->out_shape[1] * l->out_shape[2]};
    RN_CHECK(rn_tensor_alloc(out, spatial ? 4 : 2, spatial ? shape4 : shape2));
    if (rn_tensor_numel(out) != rn_tensor_numel(&h->value))
        return rn_error(RN_ERR_SHAPE, "inspect: layer output has %zu values, expected %zu", rn_tensor_numel(&h->value),
                        rn_tensor_numel(out));
    memcpy(out->data, h->value.data, rn_tensor_numel(out) * sizeof(float));
    return RN_OK;
}

rn_status rn_model_layer_outputs(rn_model *model, const float *x, int n, rn_layer_outputs *out)
{
    memset(out, 0, sizeof *out);
    if (n < 1) return rn_error(RN_ERR_ARGUMENT, "inspect: %d examples", n);
    out->n_examples = n;
    rn_tape *tape = rn_tape_create(0);
    if (!tape) return rn_error(RN_ERR_MEMORY, "inspect: out of memory");
    rn_tape_set_training(tape, false);
    rn_tape_set_grad_enabled(tape, false);
    const int *in = model->input_shape;
    bool images = in[1] > 1 || in[2] > 1;
    rn_var *h = images ? rn_tape_input(tape, rn_tensor_view((float *)x, 4, (int[]){n, in[0], in[1], in[2]}))
                       : rn_tape_input(tape, rn_tensor_view((float *)x, 2, (int[]){n, model->n_inputs}));
    rn_status status = RN_OK;
    for (int i = 0; i < model->n_layers && status == RN_OK; i++) {
        h = h ? layer_forward(tape, &model->layers[i], h, n) : NULL;
        if (!h) break;
        status = keep(&model->layers[i], h, n, &out->outputs[i]);
        out->n_layers = i + 1;
    }
    rn_var *p = status == RN_OK && h ? rn_softmax(tape, h) : NULL;
    if (status == RN_OK && !p) status = rn_error(rn_tape_status(tape), "inspect: %s", rn_tape_error(tape));
    if (status == RN_OK) status = rn_tensor_alloc(&out->probabilities, 2, (int[]){n, model->n_classes});
    if (status == RN_OK) memcpy(out->probabilities.data, p->value.data, (size_t)n * model->n_classes * sizeof(float));
    rn_tape_destroy(tape);
    if (status != RN_OK) rn_layer_outputs_free(out);
    return status;
}

void rn_layer_outputs_free(rn_layer_outputs *outputs)
{
    for (int i = 0; i < RN_MODEL_MAX_LAYERS; i++) rn_tensor_free(&outputs->outputs[i]);
    rn_tensor_free(&outputs->probabilities);
    memset(outputs, 0, sizeof *outputs);
}

int rn_inspect_feature_layer(const rn_model *model, int i)
{
    if (i < 0 || i >= model->n_layers) return -1;
    rn_layer_kind kind = model->layers[i].kind;
    if (kind == RN_LAYER_MAXPOOL) return i;
    if (kind != RN_LAYER_CONV) return -1;
    int last = i;
    while (last + 1 < model->n_layers) {
        rn_layer_kind next = model->layers[last + 1].kind;
        if (next != RN_LAYER_ACTIVATION && next != RN_LAYER_BATCHNORM && next != RN_LAYER_DROPOUT) break;
        last++;
    }
    return last;
}

int rn_inspect_first_conv(const rn_model *model)
{
    for (int i = 0; i < model->n_layers; i++)
        if (model->layers[i].kind == RN_LAYER_CONV) return i;
    return -1;
}
