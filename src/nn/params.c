/* params.c — the flat parameter store and PyTorch's initialisers (params.h). */
#include "redes/params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void rn_params_init(rn_params *params) { memset(params, 0, sizeof *params); }

void rn_params_free(rn_params *params)
{
    free(params->values);
    free(params->grads);
    free(params->views);
    rn_params_init(params);
}

rn_status rn_params_add(rn_params *params, const char *name, int ndim, const int *shape, int *index)
{
    if (params->allocated)
        return rn_error(RN_ERR_STATE, "params: cannot add '%s' after the buffers are allocated", name);
    if (!name || !*name || strlen(name) >= RN_PARAM_NAME_MAX)
        return rn_error(RN_ERR_ARGUMENT, "params: name '%s' is empty or longer than %d characters",
                        name ? name : "", RN_PARAM_NAME_MAX - 1);
    if (rn_params_find(params, name) >= 0)
        return rn_error(RN_ERR_ARGUMENT, "params: '%s' declared twice", name);
    if (ndim < 1 || ndim > RN_MAX_DIMS)
        return rn_error(RN_ERR_SHAPE, "params: '%s' has %d dimensions (1 to %d allowed)", name, ndim,
                        RN_MAX_DIMS);
    size_t numel = 1;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] <= 0)
            return rn_error(RN_ERR_SHAPE, "params: '%s' dimension %d has size %d", name, d, shape[d]);
        numel *= (size_t)shape[d];
    }
    if (params->n_views == params->capacity) {
        int capacity = params->capacity ? 2 * params->capacity : 16;
        rn_param_view *views = realloc(params->views, (size_t)capacity * sizeof *views);
        if (!views) return rn_error(RN_ERR_MEMORY, "params: cannot grow the view table");
        params->views = views;
        params->capacity = capacity;
    }
    rn_param_view *view = &params->views[params->n_views];
    memset(view, 0, sizeof *view);
    strcpy(view->name, name);
    view->ndim = ndim;
    memcpy(view->shape, shape, (size_t)ndim * sizeof *shape);
    view->offset = params->count;
    view->numel = numel;
    params->count += numel;
    if (index) *index = params->n_views;
    params->n_views++;
    return RN_OK;
}

static float *aligned_zeros(size_t count)
{
    void *memory = NULL;
    size_t bytes = (count ? count : 1) * sizeof(float);
    bytes = (bytes + 63) / 64 * 64;
    if (posix_memalign(&memory, 64, bytes) != 0) return NULL;
    memset(memory, 0, bytes);
    return memory;
}

rn_status rn_params_allocate(rn_params *params)
{
    if (params->allocated) return rn_error(RN_ERR_STATE, "params: already allocated");
    params->values = aligned_zeros(params->count);
    params->grads = aligned_zeros(params->count);
    if (!params->values || !params->grads) {
        free(params->values);
        free(params->grads);
        params->values = params->grads = NULL;
        return rn_error(RN_ERR_MEMORY, "params: cannot allocate 2 x %zu floats", params->count);
    }
    params->allocated = true;
    return RN_OK;
}

int rn_params_find(const rn_params *params, const char *name)
{
    for (int i = 0; i < params->n_views; i++)
        if (strcmp(params->views[i].name, name) == 0) return i;
    return -1;
}

rn_tensor rn_params_value(const rn_params *params, int index)
{
    const rn_param_view *view = &params->views[index];
    return rn_tensor_view(params->values + view->offset, view->ndim, view->shape);
}

rn_tensor rn_params_grad(const rn_params *params, int index)
{
    const rn_param_view *view = &params->views[index];
    return rn_tensor_view(params->grads + view->offset, view->ndim, view->shape);
}

void rn_params_zero_grad(rn_params *params)
{
    memset(params->grads, 0, params->count * sizeof(float));
}

double rn_params_l2(rn_params *params, double lambda)
{
    const float *w = params->values;
    float *g = params->grads;
    const float l = (float)lambda;
    double sum_sq = 0;
    for (size_t i = 0; i < params->count; i++) {
        sum_sq += (double)w[i] * w[i];
        g[i] += l * w[i]; /* d/dw (lambda/2) w^2 = lambda w */
    }
    return 0.5 * lambda * sum_sq;
}

double rn_params_l1(rn_params *params, double lambda)
{
    const float *w = params->values;
    float *g = params->grads;
    const float l = (float)lambda;
    double sum_abs = 0;
    for (size_t i = 0; i < params->count; i++) {
        sum_abs += fabs((double)w[i]);
        g[i] += w[i] > 0 ? l : (w[i] < 0 ? -l : 0.0f); /* subgradient, 0 at 0 */
    }
    return lambda * sum_abs;
}

double rn_params_grad_norm(const rn_params *params)
{
    double sum_sq = 0;
    for (size_t i = 0; i < params->count; i++) sum_sq += (double)params->grads[i] * params->grads[i];
    return sqrt(sum_sq);
}

double rn_params_clip_grad_norm(rn_params *params, double max_norm)
{
    double norm = rn_params_grad_norm(params);
    /* torch: clip_coef = max_norm / (total_norm + 1e-6), applied when < 1. */
    double coefficient = max_norm / (norm + 1e-6);
    if (coefficient < 1.0) {
        const float c = (float)coefficient;
        for (size_t i = 0; i < params->count; i++) params->grads[i] *= c;
    }
    return norm;
}

rn_status rn_params_copy_values(rn_params *dst, const rn_params *src)
{
    if (dst->count != src->count || dst->n_views != src->n_views)
        return rn_error(RN_ERR_SHAPE, "params: copying %zu values into a store of %zu", src->count,
                        dst->count);
    memcpy(dst->values, src->values, src->count * sizeof(float));
    return RN_OK;
}

/* ---------------------------------------------------------------- initialisation */

static const struct {
    const char *name;
    rn_init_kind kind;
} init_names[] = {
    {"default", RN_INIT_DEFAULT},
    {"xavier-uniform", RN_INIT_XAVIER_UNIFORM},
    {"xavier-normal", RN_INIT_XAVIER_NORMAL},
    {"glorot-uniform", RN_INIT_XAVIER_UNIFORM},
    {"glorot-normal", RN_INIT_XAVIER_NORMAL},
    {"kaiming-uniform", RN_INIT_KAIMING_UNIFORM},
    {"kaiming-normal", RN_INIT_KAIMING_NORMAL},
    {"he-uniform", RN_INIT_KAIMING_UNIFORM},
    {"he-normal", RN_INIT_KAIMING_NORMAL},
    {"zeros", RN_INIT_ZEROS},
    {"ones", RN_INIT_ONES},
};

rn_status rn_init_parse(const char *text, rn_init_kind *kind)
{
    for (size_t i = 0; i < sizeof init_names / sizeof *init_names; i++) {
        if (strcmp(text, init_names[i].name) == 0) {
            *kind = init_names[i].kind;
            return RN_OK;
        }
    }
    return rn_error(RN_ERR_ARGUMENT,
                    "init: unknown '%s' (default, xavier-uniform, xavier-normal, kaiming-uniform, "
                    "kaiming-normal, zeros, ones)",
                    text);
}

const char *rn_init_name(rn_init_kind kind)
{
    for (size_t i = 0; i < sizeof init_names / sizeof *init_names; i++)
        if (init_names[i].kind == kind) return init_names[i].name;
    return "?";
}

double rn_init_gain(const char *nonlinearity, double negative_slope)
{
    if (!strcmp(nonlinearity, "linear") || !strcmp(nonlinearity, "identity") ||
        !strcmp(nonlinearity, "sigmoid") || !strcmp(nonlinearity, "conv"))
        return 1.0;
    if (!strcmp(nonlinearity, "tanh")) return 5.0 / 3.0;
    if (!strcmp(nonlinearity, "relu")) return sqrt(2.0);
    if (!strcmp(nonlinearity, "leaky_relu") || !strcmp(nonlinearity, "leaky-relu"))
        return sqrt(2.0 / (1.0 + negative_slope * negative_slope));
    if (!strcmp(nonlinearity, "selu")) return 0.75;
    return -1.0;
}

void rn_init_fans(int ndim, const int *shape, int *fan_in, int *fan_out)
{
    if (ndim < 2) {
        *fan_in = *fan_out = shape[0];
        return;
    }
    int receptive = 1;
    for (int d = 2; d < ndim; d++) receptive *= shape[d];
    *fan_in = shape[1] * receptive;
    *fan_out = shape[0] * receptive;
}

rn_status rn_params_init_view(rn_params *params, int index, rn_init_kind kind, double gain,
                              int bias_fan_in, rn_rng *rng)
{
    if (!params->allocated) return rn_error(RN_ERR_STATE, "init: parameters not allocated yet");
    if (index < 0 || index >= params->n_views)
        return rn_error(RN_ERR_ARGUMENT, "init: no parameter %d", index);
    const rn_param_view *view = &params->views[index];
    float *w = params->values + view->offset;
    int fan_in, fan_out;
    rn_init_fans(view->ndim, view->shape, &fan_in, &fan_out);
    switch (kind) {
    case RN_INIT_ZEROS:
        memset(w, 0, view->numel * sizeof *w);
        return RN_OK;
    case RN_INIT_ONES:
        for (size_t i = 0; i < view->numel; i++) w[i] = 1.0f;
        return RN_OK;
    case RN_INIT_DEFAULT: {
        /* nn.Linear.reset_parameters: kaiming_uniform_(a = sqrt(5)) gives
         * bound = sqrt(2/(1+5)) * sqrt(3/fan_in) = 1/sqrt(fan_in); the bias
         * uses 1/sqrt(fan_in) of the weight. */
        int fan = view->ndim == 1 && bias_fan_in > 0 ? bias_fan_in : fan_in;
        float bound = (float)(1.0 / sqrt((double)fan));
        rn_rng_fill_uniform(rng, w, view->numel, -bound, bound);
        return RN_OK;
    }
    case RN_INIT_XAVIER_UNIFORM: {
        float a = (float)(gain * sqrt(6.0 / (fan_in + fan_out)));
        rn_rng_fill_uniform(rng, w, view->numel, -a, a);
        return RN_OK;
    }
    case RN_INIT_XAVIER_NORMAL:
        rn_rng_fill_normal(rng, w, view->numel, 0.0f, (float)(gain * sqrt(2.0 / (fan_in + fan_out))));
        return RN_OK;
    case RN_INIT_KAIMING_UNIFORM: {
        float b = (float)(gain * sqrt(3.0 / fan_in));
        rn_rng_fill_uniform(rng, w, view->numel, -b, b);
        return RN_OK;
    }
    case RN_INIT_KAIMING_NORMAL:
        rn_rng_fill_normal(rng, w, view->numel, 0.0f, (float)(gain / sqrt((double)fan_in)));
        return RN_OK;
    }
    return rn_error(RN_ERR_ARGUMENT, "init: unknown kind %d", (int)kind);
}
