/* model.h — feed-forward classifiers described by one line of text.
 *
 * A model is a sequence of layers given by a "net spec", comma-separated:
 *
 *   fc N               fully connected, N outputs      fcK.weight (N, in), fcK.bias (N)
 *   conv C K [pad P] [stride S]
 *                      2-D convolution, C channels, K x K  convK.weight (C, C_in, K, K), convK.bias (C)
 *   maxpool K          K x K max pooling, stride K
 *   bn                 batch normalisation (1-D after fc, 2-D after conv)
 *                      bnK.weight, bnK.bias (C); buffers bnK.running_mean, bnK.running_var,
 *                      bnK.num_batches_tracked
 *   dropout P          inverted dropout with drop probability P (training only)
 *   relu | tanh | sigmoid | leaky_relu | elu | gelu | softplus | identity
 *                      an activation (activation.h)
 *   flatten            (B, C, H, W) -> (B, C H W); implied before the first fc
 *
 * Presets: "lenet5" and "mnist-cnn" (need the convolution ops).
 * The MLP options of `redes train` are a spec too:
 *   --layers 256,128 --activation relu [--batchnorm] [--dropout 0.2]
 *   = "fc 256, [bn,] relu, [dropout 0.2,] fc 128, [bn,] relu, [dropout 0.2,] fc 10"
 *
 * Parameter names and layouts are PyTorch's, so a model file is a
 * state_dict of an nn.Module with attributes fc1, bn1, conv1, ... in that
 * order (tests/golden/torch_model.py builds it from the same spec).
 * Trainable parameters live in `params` (one flat buffer, see params.h);
 * batch-norm running statistics in `buffers` (not touched by optimisers).
 *
 * The forward pass records on an autodiff tape (autograd.h) and returns the
 * logits (B, n_classes); cross-entropy is applied by the caller.
 */
#ifndef REDES_MODEL_H
#define REDES_MODEL_H

#include <stdbool.h>

#include "redes/activation.h"
#include "redes/autograd.h"
#include "redes/params.h"
#include "redes/rng.h"
#include "redes/safetensors.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_layer_kind {
    RN_LAYER_LINEAR,
    RN_LAYER_CONV,
    RN_LAYER_MAXPOOL,
    RN_LAYER_BATCHNORM,
    RN_LAYER_DROPOUT,
    RN_LAYER_ACTIVATION,
    RN_LAYER_FLATTEN
} rn_layer_kind;

typedef struct rn_layer {
    rn_layer_kind kind;
    char name[16]; /* "fc1", "conv2", "bn1" (empty for layers without parameters) */
    /* Shapes: input and output per example, (C, H, W) or (features, 1, 1). */
    int in_shape[3], out_shape[3];
    int units;           /* fc: outputs; conv: channels; bn: features/channels */
    int kernel, padding, stride;
    float probability;   /* dropout */
    rn_activation activation;
    float alpha;         /* activation parameter */
    int weight_index, bias_index; /* views in params (-1 if none) */
    rn_var weight, bias; /* autodiff leaves over those views */
    int running_mean_index, running_var_index, batches_index; /* views in buffers */
    rn_batch_norm_stats stats;
} rn_layer;

enum { RN_MODEL_MAX_LAYERS = 64, RN_MODEL_SPEC_MAX = 1024 };

typedef struct rn_model {
    char spec[RN_MODEL_SPEC_MAX]; /* canonical spec, as stored in model files */
    int input_shape[3];           /* (C, H, W); tabular data: (features, 1, 1) */
    int n_inputs, n_classes;
    rn_layer layers[RN_MODEL_MAX_LAYERS];
    int n_layers;
    rn_params params;  /* trainable */
    rn_params buffers; /* running statistics */
} rn_model;

/* What a preset ("lenet5", "mnist-cnn") trains with by default: the
 * learning-rate schedule ("cosine"), the optimiser ("adam") and its learning
 * rate (lenet5 3e-3, mnist-cnn 1e-3).  `redes train --net PRESET` uses them
 * unless --schedule, --optimizer or --lr say otherwise. */
typedef struct rn_preset_recipe {
    const char *schedule, *optimizer;
    double learning_rate;
} rn_preset_recipe;

/* The preset's recipe, or NULL for anything that is not a preset name. */
const rn_preset_recipe *rn_model_preset_recipe(const char *name);

/* The preset's schedule (its recipe's), or NULL. */
const char *rn_model_preset_schedule(const char *name);

/* Builds a model from a spec (or preset name) for inputs of shape (C, H, W)
 * (tabular: (n_features, 1, 1)).  The last fc must have n_classes outputs;
 * if the spec does not end with "fc n_classes" it is appended.  Parameters
 * are allocated (zero); call rn_model_init. */
rn_status rn_model_create(rn_model *model, const char *spec, const int input_shape[3], int n_classes);
void rn_model_free(rn_model *model);

/* The MLP spec for hidden sizes "256,128": writes it into spec (size bytes). */
rn_status rn_model_mlp_spec(const char *hidden, const char *activation, bool batchnorm, double dropout,
                            int n_classes, char *spec, size_t size);

/* Initialises every parameter: weights with `kind` (and the gain of the
 * activation that follows them), biases as PyTorch's default, batch norm
 * weight 1, bias 0, running mean 0, running variance 1. */
rn_status rn_model_init(rn_model *model, rn_init_kind kind, rn_rng *rng);

/* Records the forward pass of x (B, n_inputs) or (B, C, H, W) and returns the
 * logits (B, n_classes), NULL on error (see rn_tape_status).  Dropout draws
 * from rng in training mode. */
rn_var *rn_model_forward(rn_model *model, rn_tape *tape, rn_var *x, rn_rng *rng);

/* Gradients for one backward pass, without a zeroing pass over all of
 * them.  Before: the fully connected layers' weight and bias gradients are
 * marked unwritten, so that linear's backward assigns them (the weight
 * gradient's GEMM with beta = 0 neither needs zeros nor reads them); every
 * other parameter's gradient is zeroed.  After: a marked gradient that no
 * backward wrote (no gradient reached its layer) is zeroed.  Equivalent to
 * rn_params_zero_grad before the pass. */
void rn_model_begin_gradients(rn_model *model);
void rn_model_end_gradients(rn_model *model);

/* Adds params, buffers and "model.*" metadata (spec, input shape, classes)
 * to a file about to be written. */
rn_status rn_model_add_to_file(const rn_model *model, rn_safetensors *file);
/* Builds the model a file describes and loads its weights (strict: every
 * tensor present with its shape). */
rn_status rn_model_from_file(rn_model *model, const rn_safetensors *file);
/* The same from a path. */
rn_status rn_model_load(rn_model *model, const char *path);

#ifdef __cplusplus
}
#endif
#endif
