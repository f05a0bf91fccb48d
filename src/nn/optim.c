/* optim.c — SGD (momentum, Nesterov), AdaGrad, RMSProp, Adam, AdamW and
 * learning-rate schedules, each a single loop over flat buffers (optim.h).
 *
 * The arithmetic follows torch/optim/{sgd,adam,...}.py (1.13, single-tensor path) step by
 * step and in float32, so the golden test can compare to ~1e-6. */
#include "redes/optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/omp_for.h"

rn_optim_config rn_optim_defaults(rn_optim_kind kind)
{
    rn_optim_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.beta1 = 0.9;
    c.beta2 = 0.999;
    c.alpha = 0.99;
    switch (kind) {
    case RN_OPTIM_SGD: c.learning_rate = 1e-3; break;
    case RN_OPTIM_ADAGRAD: c.learning_rate = 1e-2; c.eps = 1e-10; break;
    case RN_OPTIM_RMSPROP: c.learning_rate = 1e-2; c.eps = 1e-8; break;
    case RN_OPTIM_ADAM: c.learning_rate = 1e-3; c.eps = 1e-8; break;
    case RN_OPTIM_ADAMW: c.learning_rate = 1e-3; c.eps = 1e-8; c.weight_decay = 1e-2; break;
    }
    return c;
}

static const char *const optim_names[] = {"sgd", "adagrad", "rmsprop", "adam", "adamw"};

const char *rn_optim_name(rn_optim_kind kind)
{
    return (unsigned)kind < sizeof optim_names / sizeof *optim_names ? optim_names[kind] : "?";
}

rn_status rn_optim_parse(const char *name, rn_optim_config *config)
{
    if (!strcmp(name, "momentum") || !strcmp(name, "nesterov")) {
        *config = rn_optim_defaults(RN_OPTIM_SGD);
        config->momentum = 0.9;
        config->nesterov = name[0] == 'n';
        return RN_OK;
    }
    for (int k = 0; k < (int)(sizeof optim_names / sizeof *optim_names); k++) {
        if (!strcmp(name, optim_names[k])) {
            *config = rn_optim_defaults((rn_optim_kind)k);
            return RN_OK;
        }
    }
    return rn_error(RN_ERR_ARGUMENT,
                    "optimizer: unknown '%s' (sgd, momentum, nesterov, adagrad, rmsprop, adam, adamw)",
                    name);
}

rn_status rn_optim_validate(const rn_optim_config *c)
{
    if (!(c->learning_rate > 0) || !isfinite(c->learning_rate))
        return rn_error(RN_ERR_ARGUMENT, "optimizer: learning rate %g must be positive", c->learning_rate);
    if (!(c->weight_decay >= 0))
        return rn_error(RN_ERR_ARGUMENT, "optimizer: weight decay %g must be >= 0", c->weight_decay);
    if (!(c->momentum >= 0 && c->momentum < 1))
        return rn_error(RN_ERR_ARGUMENT, "optimizer: momentum %g outside [0, 1)", c->momentum);
    if (c->nesterov && (c->momentum <= 0 || c->dampening != 0))
        return rn_error(RN_ERR_ARGUMENT, "optimizer: Nesterov momentum needs momentum > 0 and dampening 0");
    if (!(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1))
        return rn_error(RN_ERR_ARGUMENT, "optimizer: betas (%g, %g) outside [0, 1)", c->beta1, c->beta2);
    if (!(c->eps >= 0)) return rn_error(RN_ERR_ARGUMENT, "optimizer: eps %g must be >= 0", c->eps);
    if (!(c->alpha >= 0 && c->alpha <= 1))
        return rn_error(RN_ERR_ARGUMENT, "optimizer: alpha %g outside [0, 1]", c->alpha);
    return RN_OK;
}

static void add_slot(rn_optimizer *o, const char *name)
{
    o->slot_name[o->n_slots] = name;
    o->n_slots++;
}

rn_status rn_optim_create(rn_optimizer *o, const rn_optim_config *config, size_t count)
{
    memset(o, 0, sizeof *o);
    RN_CHECK(rn_optim_validate(config));
    o->config = *config;
    o->count = count;
    switch (config->kind) {
    case RN_OPTIM_SGD:
        if (config->momentum > 0) add_slot(o, "momentum_buffer");
        break;
    case RN_OPTIM_ADAGRAD: add_slot(o, "sum"); break;
    case RN_OPTIM_RMSPROP:
        add_slot(o, "square_avg");
        if (config->momentum > 0) add_slot(o, "momentum_buffer");
        if (config->centered) add_slot(o, "grad_avg");
        break;
    case RN_OPTIM_ADAM:
    case RN_OPTIM_ADAMW:
        add_slot(o, "exp_avg");
        add_slot(o, "exp_avg_sq");
        break;
    }
    if (o->n_slots > 0) {
        o->state = calloc((size_t)o->n_slots * count + 1, sizeof(float));
        if (!o->state) return rn_error(RN_ERR_MEMORY, "optimizer: cannot allocate its state");
        for (int s = 0; s < o->n_slots; s++) o->slot[s] = o->state + (size_t)s * count;
    }
    if (config->kind == RN_OPTIM_ADAGRAD)
        for (size_t i = 0; i < count; i++) o->slot[0][i] = (float)config->initial_accumulator_value;
    return RN_OK;
}

void rn_optim_free(rn_optimizer *o)
{
    free(o->state);
    memset(o, 0, sizeof *o);
}

/* Each update is one branch-free loop so the compiler vectorises it
 * (`omp simd`; sqrtf vectorises because the build passes -fno-math-errno)
 * and, for SGD and Adam above RN_PARALLEL_MIN_ELEMENTS (a million
 * parameters: a smaller update is done before a woken thread arrives),
 * splits it over the threads (RN_OMP_FOR).  The arithmetic per element is
 * the same as the scalar formula, so results depend neither on the vector
 * width nor on the threads.  (Adam over mnist-cnn's 1.2 M parameters: 3.7 ms
 * a step as scalar code, 0.85 ms vectorised; memory-bound now: it reads 4
 * arrays and writes 3.)  λθ is added even when λ = 0: g + 0·θ = g exactly
 * for finite θ. */

/* Running averages of a weight whose gradient stays zero (a dead ReLU unit,
 * the blank border of MNIST digits) decay geometrically: Adam's first moment
 * by 0.9 a step reaches the subnormal floats (< 1.2e-38) within ~800 steps.
 * Arithmetic on subnormals is about a hundred times slower on x86, and Adam
 * took 42 % of an mnist-cnn training step (perf) before this flush.  Below
 * 1e-30 a moment moves no weight: Adam's step is m / (sqrt(v) + eps) with
 * eps = 1e-8, momentum SGD's lr·b, so the flush changes nothing measurable. */
static inline float flush_tiny(float x)
{
    return fabsf(x) < 1e-30f ? 0.0f : x;
}

static void sgd_step(rn_optimizer *o, float *restrict theta, const float *restrict g, float lr)
{
    const float wd = (float)o->config.weight_decay, mu = (float)o->config.momentum;
    const float keep = (float)(1.0 - o->config.dampening);
    const size_t n = o->count;
    float *restrict b = o->slot[0];
    if (mu == 0) {
        RN_OMP_FOR(n)
        for (size_t i = 0; i < n; i++) theta[i] -= lr * (g[i] + wd * theta[i]);
        return;
    }
    /* PyTorch clones the first gradient into the buffer (no dampening). */
    const float b_keep = o->step == 1 ? 0.0f : mu, d_keep = o->step == 1 ? 1.0f : keep;
    if (o->config.nesterov) {
        RN_OMP_FOR(n)
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * theta[i];
            b[i] = flush_tiny(b_keep * b[i] + d_keep * d);
            theta[i] -= lr * (d + mu * b[i]);
        }
    } else {
        RN_OMP_FOR(n)
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * theta[i];
            b[i] = flush_tiny(b_keep * b[i] + d_keep * d);
            theta[i] -= lr * b[i];
        }
    }
}

static void adagrad_step(rn_optimizer *o, float *restrict theta, const float *restrict g, float lr)
{
    const float wd = (float)o->config.weight_decay, eps = (float)o->config.eps;
    const float clr = (float)(lr / (1.0 + (double)(o->step - 1) * o->config.lr_decay));
    float *restrict sum = o->slot[0];
#pragma omp simd
    for (size_t i = 0; i < o->count; i++) {
        float d = g[i] + wd * theta[i];
        sum[i] += d * d;
        theta[i] -= clr * (d / (sqrtf(sum[i]) + eps));
    }
}

static void rmsprop_step(rn_optimizer *o, float *restrict theta, const float *restrict g, float lr)
{
    const float wd = (float)o->config.weight_decay, eps = (float)o->config.eps;
    const float alpha = (float)o->config.alpha, one_minus_alpha = (float)(1.0 - o->config.alpha);
    const float mu = (float)o->config.momentum;
    const size_t n = o->count;
    float *restrict square_avg = o->slot[0];
    float *restrict buffer = mu > 0 ? o->slot[1] : NULL;
    float *restrict grad_avg = o->config.centered ? o->slot[mu > 0 ? 2 : 1] : NULL;
    for (size_t start = 0; start < n; start += 4096) {
        /* Blocks of 4096: the denominators stay in a small buffer on the stack. */
        float denominator[4096];
        size_t end = start + 4096 < n ? start + 4096 : n;
        if (grad_avg) {
#pragma omp simd
            for (size_t i = start; i < end; i++) {
                float d = g[i] + wd * theta[i];
                square_avg[i] = flush_tiny(alpha * square_avg[i] + one_minus_alpha * d * d);
                grad_avg[i] = flush_tiny(alpha * grad_avg[i] + one_minus_alpha * d);
                denominator[i - start] = sqrtf(square_avg[i] - grad_avg[i] * grad_avg[i]) + eps;
            }
        } else {
#pragma omp simd
            for (size_t i = start; i < end; i++) {
                float d = g[i] + wd * theta[i];
                square_avg[i] = flush_tiny(alpha * square_avg[i] + one_minus_alpha * d * d);
                denominator[i - start] = sqrtf(square_avg[i]) + eps;
            }
        }
        if (buffer) {
#pragma omp simd
            for (size_t i = start; i < end; i++) {
                float d = g[i] + wd * theta[i];
                buffer[i] = flush_tiny(mu * buffer[i] + d / denominator[i - start]);
                theta[i] -= lr * buffer[i];
            }
        } else {
#pragma omp simd
            for (size_t i = start; i < end; i++) {
                float d = g[i] + wd * theta[i];
                theta[i] -= lr * (d / denominator[i - start]);
            }
        }
    }
}

static void adam_step(rn_optimizer *o, float *restrict theta, const float *restrict g, float lr, bool decoupled)
{
    const double beta1 = o->config.beta1, beta2 = o->config.beta2;
    const float b1 = (float)beta1, b2 = (float)beta2;
    const float one_minus_b1 = (float)(1.0 - beta1), one_minus_b2 = (float)(1.0 - beta2);
    const float eps = (float)o->config.eps;
    /* Adam adds λθ to the gradient; AdamW multiplies θ by (1 − ηλ) first. */
    const float wd = decoupled ? 0.0f : (float)o->config.weight_decay;
    const float decay = decoupled ? (float)(1.0 - (double)lr * o->config.weight_decay) : 1.0f;
    /* Bias corrections are Python floats (double) in PyTorch. */
    const double correction1 = 1.0 - pow(beta1, (double)o->step);
    const double correction2 = 1.0 - pow(beta2, (double)o->step);
    const float step_size = (float)(lr / correction1);
    const float correction2_sqrt = (float)sqrt(correction2);
    float *restrict m = o->slot[0], *restrict v = o->slot[1];
    const size_t n = o->count;
    RN_OMP_FOR(n)
    for (size_t i = 0; i < n; i++) {
        theta[i] *= decay;
        float d = g[i] + wd * theta[i];
        m[i] = flush_tiny(b1 * m[i] + one_minus_b1 * d);
        v[i] = flush_tiny(b2 * v[i] + one_minus_b2 * d * d);
        float denominator = sqrtf(v[i]) / correction2_sqrt + eps;
        theta[i] -= step_size * (m[i] / denominator);
    }
}

void rn_optim_step(rn_optimizer *o, float *values, const float *grads, double learning_rate)
{
    o->step++;
    const float lr = (float)learning_rate;
    switch (o->config.kind) {
    case RN_OPTIM_SGD: sgd_step(o, values, grads, lr); break;
    case RN_OPTIM_ADAGRAD: adagrad_step(o, values, grads, lr); break;
    case RN_OPTIM_RMSPROP: rmsprop_step(o, values, grads, lr); break;
    case RN_OPTIM_ADAM: adam_step(o, values, grads, lr, false); break;
    case RN_OPTIM_ADAMW: adam_step(o, values, grads, lr, true); break;
    }
}

/* ---------------------------------------------------------------- schedules */

static const char *const schedule_names[] = {"constant", "step", "exponential", "cosine"};

const char *rn_schedule_name(rn_schedule_kind kind)
{
    return (unsigned)kind < 4 ? schedule_names[kind] : "?";
}

rn_status rn_schedule_parse(const char *name, int epochs, rn_schedule *schedule)
{
    memset(schedule, 0, sizeof *schedule);
    schedule->step_size = 10;
    schedule->t_max = epochs > 0 ? epochs : 1;
    for (int k = 0; k < 4; k++) {
        if (!strcmp(name, schedule_names[k])) {
            schedule->kind = (rn_schedule_kind)k;
            schedule->gamma = k == RN_SCHEDULE_EXPONENTIAL ? 0.95 : 0.1;
            return RN_OK;
        }
    }
    return rn_error(RN_ERR_ARGUMENT, "schedule: unknown '%s' (constant, step, exponential, cosine)", name);
}

double rn_schedule_rate(const rn_schedule *s, double base_rate, int epoch)
{
    switch (s->kind) {
    case RN_SCHEDULE_CONSTANT: return base_rate;
    case RN_SCHEDULE_STEP: return base_rate * pow(s->gamma, (double)(epoch / s->step_size));
    case RN_SCHEDULE_EXPONENTIAL: return base_rate * pow(s->gamma, (double)epoch);
    case RN_SCHEDULE_COSINE:
        return s->eta_min + (base_rate - s->eta_min) * (1.0 + cos(M_PI * epoch / s->t_max)) / 2.0;
    }
    return base_rate;
}
