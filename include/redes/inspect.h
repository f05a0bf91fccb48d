/* inspect.h — looking inside a trained model: the output of every layer for
 * some inputs, and which layers are worth a picture.
 *
 * rn_model_layer_outputs runs the model of model.h layer by layer in
 * evaluation mode (no dropout, batch norm with its running statistics, no
 * gradients) and keeps a copy of what each layer produced:
 *
 *   x (n, C, H, W) or (n, features)  ->  outputs[0] -> outputs[1] -> ... -> outputs[L-1] = logits (n, classes)
 *
 * outputs[i] has the layer's output shape with the batch in front:
 * (n, C, H, W) after conv, maxpool, and the activations, batch norm and
 * dropout that follow them; (n, features) after fc and flatten.  The last
 * entry holds the logits, and `probabilities` their softmax (n, classes).
 * These are the numbers rn_model_predict computes: the fused fc + activation
 * of the training forward pass is done here as its two parts, which gives
 * the same values.
 *
 *   rn_layer_outputs trace;
 *   RN_CHECK(rn_model_layer_outputs(&model, x, 1, &trace));
 *   // conv1's feature maps of the example: trace.outputs[0].data, (6, 28, 28)
 *   rn_layer_outputs_free(&trace);
 */
#ifndef REDES_INSPECT_H
#define REDES_INSPECT_H

#include <stdbool.h>

#include "redes/model.h"
#include "redes/status.h"
#include "redes/tensor.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rn_layer_outputs {
    int n_examples;
    int n_layers;                           /* = model->n_layers */
    rn_tensor outputs[RN_MODEL_MAX_LAYERS]; /* heap copies, see above */
    rn_tensor probabilities;                /* (n, classes) */
} rn_layer_outputs;

/* Runs the n examples x (n x model->n_inputs floats, already preprocessed as
 * in training) through the model and fills `out` (release with
 * rn_layer_outputs_free, also after an error). */
rn_status rn_model_layer_outputs(rn_model *model, const float *x, int n, rn_layer_outputs *out);
void rn_layer_outputs_free(rn_layer_outputs *outputs);

/* The layer whose output is worth showing as feature maps: a conv (or, when
 * an activation, batch norm or dropout follows it directly, the last of
 * those, so the maps are what the next layer sees) or a maxpool.  Returns
 * for layer i the index of the layer whose output to show, or -1 when layer
 * i is not a conv or a maxpool. */
int rn_inspect_feature_layer(const rn_model *model, int i);

/* Index of the first conv layer, or -1. */
int rn_inspect_first_conv(const rn_model *model);

#ifdef __cplusplus
}
#endif
#endif
