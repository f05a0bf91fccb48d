/* tape.c — the define-by-run tape: nodes in an arena, a reverse walk for
 * backward (see include/redes/autograd.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "autograd/ops_internal.h"
#include "redes/autograd.h"

struct rn_tape {
    rn_arena *arena;
    rn_var *last;     /* newest node; nodes link to the previous one */
    int size;
    int backward_runs; /* since the last reset */
    bool training;
    bool grad_enabled;
    rn_status status; /* first error since the last reset */
    char message[512];
};

rn_tape *rn_tape_create(size_t arena_bytes)
{
    rn_tape *tape = calloc(1, sizeof *tape);
    if (!tape) {
        rn_error(RN_ERR_MEMORY, "tape: cannot allocate the tape");
        return NULL;
    }
    tape->arena = rn_arena_create(arena_bytes);
    if (!tape->arena) {
        free(tape);
        rn_error_context(RN_ERR_MEMORY, "tape");
        return NULL;
    }
    tape->training = true;
    tape->grad_enabled = true;
    return tape;
}

void rn_tape_destroy(rn_tape *tape)
{
    if (!tape) return;
    rn_arena_destroy(tape->arena);
    free(tape);
}

void rn_tape_reset(rn_tape *tape)
{
    rn_arena_reset(tape->arena);
    tape->last = NULL;
    tape->size = 0;
    tape->backward_runs = 0;
    tape->status = RN_OK;
    tape->message[0] = '\0';
}

void rn_tape_trim(rn_tape *tape)
{
    rn_tape_reset(tape);
    rn_arena_trim(tape->arena);
}

rn_status rn_tape_status(const rn_tape *tape) { return tape->status; }
const char *rn_tape_error(const rn_tape *tape) { return tape->message; }
void rn_tape_set_training(rn_tape *tape, bool training) { tape->training = training; }
bool rn_tape_training(const rn_tape *tape) { return tape->training; }
void rn_tape_set_grad_enabled(rn_tape *tape, bool enabled) { tape->grad_enabled = enabled; }
bool rn_tape_grad_enabled(const rn_tape *tape) { return tape->grad_enabled; }
rn_arena *rn_tape_arena(rn_tape *tape) { return tape->arena; }
int rn_tape_size(const rn_tape *tape) { return tape->size; }

/* Keeps the first error of the step: later failures are usually consequences. */
static void remember_error(rn_tape *tape, rn_status code)
{
    if (tape->status != RN_OK) return;
    tape->status = code;
    snprintf(tape->message, sizeof tape->message, "%s", rn_error_message());
}

rn_var *rn_tape_fail(rn_tape *tape, rn_status code, const char *format, ...)
{
    /* Formatted into a local buffer before rn_error overwrites the message,
     * so a kernel's error can be passed on as "%s", rn_error_message(). */
    char text[512];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    rn_error(code, "%s", text);
    remember_error(tape, code);
    return NULL;
}

void *rn_tape_alloc(rn_tape *tape, size_t bytes)
{
    void *p = rn_arena_alloc(tape->arena, bytes);
    if (!p) remember_error(tape, RN_ERR_MEMORY);
    return p;
}

static rn_var *new_node(rn_tape *tape, const char *op)
{
    rn_var *v = rn_tape_alloc(tape, sizeof *v);
    if (!v) return NULL;
    memset(v, 0, sizeof *v);
    v->op = op;
    return v;
}

static void append(rn_tape *tape, rn_var *v)
{
    v->previous = tape->last;
    tape->last = v;
    tape->size++;
}

rn_var *rn__tape_record(rn_tape *tape, const char *op, rn_var *const *inputs, int n_inputs,
                        rn_backward_fn backward)
{
    bool requires_grad = false;
    for (int i = 0; i < n_inputs; i++) {
        if (!inputs[i]) {
            /* An earlier op failed (its error is recorded) or the caller
             * passed NULL by mistake (record that). */
            if (tape->status == RN_OK)
                rn_tape_fail(tape, RN_ERR_ARGUMENT, "%s: input %d is NULL", op, i);
            return NULL;
        }
        requires_grad |= inputs[i]->requires_grad;
    }
    rn_var *v = new_node(tape, op);
    if (!v) return NULL;
    v->requires_grad = requires_grad && tape->grad_enabled;
    if (v->requires_grad) {
        v->inputs = rn_tape_alloc(tape, (size_t)n_inputs * sizeof *v->inputs);
        if (!v->inputs) return NULL;
        memcpy(v->inputs, inputs, (size_t)n_inputs * sizeof *v->inputs);
        v->n_inputs = n_inputs;
        v->backward = backward;
    }
    append(tape, v);
    return v;
}

rn_var *rn_tape_op(rn_tape *tape, const char *op, int ndim, const int *shape, rn_var *const *inputs,
                   int n_inputs, rn_backward_fn backward)
{
    rn_var *v = rn__tape_record(tape, op, inputs, n_inputs, backward);
    if (!v) return NULL;
    rn_status status = rn_tensor_arena(&v->value, tape->arena, ndim, shape);
    if (status != RN_OK) {
        rn_error_context(status, "%s", op);
        remember_error(tape, status);
        return NULL;
    }
    return v;
}

/* ------------------------------------------------------------------ leaves */

rn_var rn_param(rn_tensor value, rn_tensor grad)
{
    rn_var v;
    memset(&v, 0, sizeof v);
    v.value = value;
    v.grad = grad;
    v.requires_grad = grad.data != NULL;
    v.is_leaf = true;
    v.op = "param";
    return v;
}

rn_var rn_param_frozen(rn_tensor value)
{
    rn_tensor no_grad;
    memset(&no_grad, 0, sizeof no_grad);
    return rn_param(value, no_grad);
}

rn_var *rn_tape_input(rn_tape *tape, rn_tensor value)
{
    if (!value.data || !rn_tensor_is_contiguous(&value))
        return rn_tape_fail(tape, RN_ERR_ARGUMENT, "input: %s",
                            value.data ? "tensor is not contiguous" : "tensor has no data");
    rn_var *v = new_node(tape, "input");
    if (!v) return NULL;
    v->value = value;
    v->value.owns_data = false;
    v->is_leaf = true;
    append(tape, v);
    return v;
}

rn_var *rn_tape_variable(rn_tape *tape, rn_tensor value)
{
    if (!value.data) return rn_tape_fail(tape, RN_ERR_ARGUMENT, "variable: tensor has no data");
    rn_var *v = new_node(tape, "variable");
    if (!v) return NULL;
    if (rn_tensor_arena(&v->value, tape->arena, value.ndim, value.shape) != RN_OK ||
        rn_tensor_copy(&v->value, &value) != RN_OK) {
        remember_error(tape, RN_ERR_MEMORY);
        return NULL;
    }
    v->is_leaf = true;
    v->requires_grad = tape->grad_enabled;
    append(tape, v);
    return v;
}

rn_var *rn_tape_full(rn_tape *tape, int ndim, const int *shape, float value)
{
    rn_var *v = new_node(tape, "full");
    if (!v) return NULL;
    if (rn_tensor_arena(&v->value, tape->arena, ndim, shape) != RN_OK) {
        remember_error(tape, RN_ERR_SHAPE);
        return NULL;
    }
    rn_tensor_fill(&v->value, value);
    v->is_leaf = true;
    append(tape, v);
    return v;
}

/* ------------------------------------------------------------------ backward */

/* Gives `v` a gradient buffer in the arena if it has none yet: zeroed, or
 * left as it is and marked unwritten when its first writer will assign
 * (`assigning`: v is inputs[0] of an op with rn_var.assigns_grads). */
static rn_status ensure_grad(rn_tape *tape, rn_var *v, bool assigning)
{
    if (v->grad.data) return RN_OK;
    size_t bytes = numel_of(v) * sizeof(float);
    float *g = rn_arena_alloc(tape->arena, bytes);
    if (!g) {
        remember_error(tape, RN_ERR_MEMORY);
        return rn_error_context(RN_ERR_MEMORY, "backward");
    }
    if (assigning) v->grad_unwritten = true;
    else memset(g, 0, bytes);
    v->grad = rn_tensor_view(g, v->value.ndim, v->value.shape);
    return RN_OK;
}

/* A gradient its assigning op did not write after all: zero it now. */
static void zero_if_unwritten(rn_var *v)
{
    if (!v->grad_unwritten) return;
    memset(v->grad.data, 0, numel_of(v) * sizeof(float));
    v->grad_unwritten = false;
}

/* An element-wise node gives its gradient buffer to its input when nothing
 * has flowed into that input yet (rn_var.grad_in_place): all of the node's
 * consumers have run (the walk is in reverse order), so dy is needed only by
 * this node's backward, which overwrites it with dx element by element.
 * Leaves keep their own buffers: their gradients are what the caller reads. */
static void hand_over_grad(rn_var *v)
{
    rn_var *x = v->inputs[0];
    if (v->n_inputs != 1 || !x->requires_grad || x->is_leaf || x->grad.data) return;
    if (rn_tensor_numel(&x->value) != rn_tensor_numel(&v->grad)) return;
    x->grad = rn_tensor_view(v->grad.data, x->value.ndim, x->value.shape);
}

rn_status rn_backward_seed(rn_tape *tape, rn_var *out, const float *seed)
{
    if (tape->status != RN_OK)
        return rn_error(RN_ERR_STATE, "backward: the forward pass failed: %s", tape->message);
    if (!out) return rn_error(RN_ERR_ARGUMENT, "backward: output is NULL");
    if (!out->requires_grad) return RN_OK; /* nothing to differentiate */
    /* A second backward on the same tape (e.g. a GAN's two losses) must not
     * see the first one's intermediate gradients; parameters and variables
     * keep accumulating, as in PyTorch. */
    if (tape->backward_runs++ > 0)
        for (rn_var *v = tape->last; v; v = v->previous)
            if (!v->is_leaf && v->grad.data) memset(v->grad.data, 0, numel_of(v) * sizeof(float));
    RN_CHECK(ensure_grad(tape, out, false));
    size_t n = numel_of(out);
    for (size_t i = 0; i < n; i++) out->grad.data[i] += seed[i];
    for (rn_var *v = tape->last; v; v = v->previous) {
        if (!v->backward || !v->grad.data) continue; /* leaf, or nothing flowed in */
        if (v->grad_in_place) hand_over_grad(v);
        for (int i = 0; i < v->n_inputs; i++)
            if (v->inputs[i]->requires_grad)
                RN_CHECK(ensure_grad(tape, v->inputs[i], i == 0 && v->assigns_grads));
        v->backward(tape, v);
        if (v->assigns_grads) zero_if_unwritten(v->inputs[0]);
    }
    return RN_OK;
}

rn_status rn_backward(rn_tape *tape, rn_var *loss)
{
    if (loss && numel_of(loss) != 1) {
        char s[64];
        return rn_error(RN_ERR_SHAPE, "backward: loss must have one element, got shape %s",
                        shape_of(loss, s, sizeof s));
    }
    /* A diverged loss would fill every gradient with NaN: say so instead. */
    if (loss && !isfinite(loss->value.data[0]))
        return rn_error(RN_ERR_NUMERIC, "backward: the loss is %g (training diverged?)",
                        loss->value.data[0]);
    const float one = 1.0f;
    return rn_backward_seed(tape, loss, &one);
}
