/* gradcheck.c — backward passes against central finite differences
 * (see include/redes/gradcheck.h for the method and the error measure). */
#include "redes/gradcheck.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct check_state {
    rn_gradcheck_fn function;
    void *context;
    rn_tape *tape;
    int n_inputs;
    const rn_tensor *inputs;
    float **work;   /* perturbable copies of the inputs */
    rn_var **vars;
    float *weights; /* R, the contraction weights */
    size_t n_out;
} check_state;

/* Builds the graph from the current working values; NULL on failure. */
static rn_var *build(check_state *s)
{
    rn_tape_reset(s->tape);
    for (int j = 0; j < s->n_inputs; j++)
        s->vars[j] = rn_tape_variable(s->tape, rn_tensor_view(s->work[j], s->inputs[j].ndim,
                                                               s->inputs[j].shape));
    rn_var *out = s->function(s->tape, s->vars, s->context);
    if (!out && rn_tape_status(s->tape) == RN_OK)
        rn_tape_fail(s->tape, RN_ERR_STATE, "gradcheck: the function returned NULL");
    return out;
}

/* L = sum_k R_k out_k in double. */
static rn_status contracted(check_state *s, double *value)
{
    rn_var *out = build(s);
    if (!out) return rn_error(rn_tape_status(s->tape), "%s", rn_tape_error(s->tape));
    if (rn_tensor_numel(&out->value) != s->n_out)
        return rn_error(RN_ERR_STATE, "gradcheck: the output changed size between runs");
    double sum = 0.0;
    for (size_t k = 0; k < s->n_out; k++) sum += (double)s->weights[k] * out->value.data[k];
    *value = sum;
    return RN_OK;
}

static rn_status run_check(check_state *s, double epsilon, double tolerance, rn_gradcheck_result *r,
                           float **analytic)
{
    rn_var *out = build(s);
    if (!out) return rn_error(rn_tape_status(s->tape), "%s", rn_tape_error(s->tape));
    s->n_out = rn_tensor_numel(&out->value);
    s->weights = malloc(s->n_out * sizeof(float));
    if (!s->weights) return rn_error(RN_ERR_MEMORY, "gradcheck: out of memory");
    rn_rng rng;
    rn_rng_seed(&rng, 20260101);
    rn_rng_fill_uniform(&rng, s->weights, s->n_out, -1.0f, 1.0f);
    RN_CHECK(rn_backward_seed(s->tape, out, s->weights));
    for (int j = 0; j < s->n_inputs; j++) {
        size_t n = rn_tensor_numel(&s->inputs[j]);
        if (s->vars[j]->grad.data)
            memcpy(analytic[j], s->vars[j]->grad.data, n * sizeof(float));
        else
            memset(analytic[j], 0, n * sizeof(float)); /* nothing flowed back */
    }
    memset(r, 0, sizeof *r);
    for (int j = 0; j < s->n_inputs; j++) {
        size_t n = rn_tensor_numel(&s->inputs[j]);
        double *numeric = malloc((n ? n : 1) * sizeof(double));
        if (!numeric) return rn_error(RN_ERR_MEMORY, "gradcheck: out of memory");
        double largest = 0.0;
        for (size_t i = 0; i < n; i++) {
            float original = s->work[j][i];
            double h = epsilon * fmax(1.0, fabs(original));
            float up = (float)(original + h), down = (float)(original - h);
            double plus, minus;
            s->work[j][i] = up;
            rn_status status = contracted(s, &plus);
            s->work[j][i] = down;
            if (status == RN_OK) status = contracted(s, &minus);
            s->work[j][i] = original;
            if (status != RN_OK) {
                free(numeric);
                return status;
            }
            numeric[i] = (plus - minus) / ((double)up - (double)down);
            largest = fmax(largest, fabs(numeric[i]));
        }
        double scale = fmax(largest, 1e-3);
        for (size_t i = 0; i < n; i++) {
            double error = fabs(analytic[j][i] - numeric[i]) / scale;
            r->checked++;
            if (isnan(error) || error > r->max_error || r->checked == 1) {
                r->max_error = error;
                r->worst_input = j;
                r->worst_index = (long)i;
                r->analytic = analytic[j][i];
                r->numeric = numeric[i];
            }
        }
        free(numeric);
    }
    if (!(r->max_error <= tolerance))
        return rn_error(RN_ERR_NUMERIC,
                        "gradcheck: input %d element %ld: backward gives %.6g, finite differences "
                        "%.6g (error %.3g > tolerance %.3g)",
                        r->worst_input, r->worst_index, r->analytic, r->numeric, r->max_error,
                        tolerance);
    return RN_OK;
}

rn_status rn_gradcheck(rn_gradcheck_fn function, void *context, const rn_tensor *inputs,
                       int n_inputs, double epsilon, double tolerance, rn_gradcheck_result *result)
{
    if (!function || n_inputs < 1 || !inputs || epsilon <= 0.0)
        return rn_error(RN_ERR_ARGUMENT, "gradcheck: need a function, inputs and epsilon > 0");
    for (int j = 0; j < n_inputs; j++)
        if (!inputs[j].data || !rn_tensor_is_contiguous(&inputs[j]))
            return rn_error(RN_ERR_ARGUMENT, "gradcheck: input %d is empty or not contiguous", j);
    check_state s = {.function = function, .context = context, .n_inputs = n_inputs, .inputs = inputs};
    rn_gradcheck_result local;
    if (!result) result = &local;
    rn_status status = RN_ERR_MEMORY;
    float **analytic = calloc((size_t)n_inputs, sizeof *analytic);
    s.work = calloc((size_t)n_inputs, sizeof *s.work);
    s.vars = calloc((size_t)n_inputs, sizeof *s.vars);
    s.tape = rn_tape_create(0);
    bool ok = analytic && s.work && s.vars && s.tape;
    for (int j = 0; ok && j < n_inputs; j++) {
        size_t n = rn_tensor_numel(&inputs[j]);
        s.work[j] = malloc((n ? n : 1) * sizeof(float));
        analytic[j] = malloc((n ? n : 1) * sizeof(float));
        ok = s.work[j] && analytic[j];
        if (ok) memcpy(s.work[j], inputs[j].data, n * sizeof(float));
    }
    if (ok)
        status = run_check(&s, epsilon, tolerance, result, analytic);
    else
        rn_error(RN_ERR_MEMORY, "gradcheck: out of memory");
    for (int j = 0; j < n_inputs; j++) {
        if (s.work) free(s.work[j]);
        if (analytic) free(analytic[j]);
    }
    free(s.work);
    free(analytic);
    free(s.vars);
    free(s.weights);
    rn_tape_destroy(s.tape);
    return status;
}
