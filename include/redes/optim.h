/* optim.h — optimisers and learning-rate schedules, PyTorch's exact formulas.
 *
 * Every optimiser is one loop over the flat parameter buffer θ and its
 * gradient g (params.h); its state (momentum buffers, moment estimates) lives
 * in flat buffers of the same length, so a checkpoint stores it as tensors.
 * Notation (PyTorch 1.13 documentation, torch.optim), t = step count from 1,
 * η = learning rate, λ = weight_decay:
 *
 *   SGD        g ← g + λθ
 *              b ← g (first step),  b ← μ b + (1 − τ) g    (momentum μ, dampening τ)
 *              g ← g + μ b (Nesterov)  or  g ← b
 *              θ ← θ − η g
 *   AdaGrad    g ← g + λθ;  η_t = η / (1 + (t − 1) lr_decay)
 *              s ← s + g²;  θ ← θ − η_t g / (√s + ε)
 *   RMSProp    g ← g + λθ;  v ← α v + (1 − α) g²
 *              centered:  ḡ ← α ḡ + (1 − α) g,  d = √(v − ḡ²) + ε;   else d = √v + ε
 *              momentum μ > 0:  b ← μ b + g / d,  θ ← θ − η b;   else θ ← θ − η g / d
 *   Adam       g ← g + λθ  (L2 added to the gradient)
 *              m ← β₁ m + (1 − β₁) g;   v ← β₂ v + (1 − β₂) g²
 *              θ ← θ − (η / (1 − β₁ᵗ)) m / (√v / √(1 − β₂ᵗ) + ε)
 *   AdamW      θ ← θ (1 − η λ)  (decoupled decay, Loshchilov & Hutter 2019), then Adam with λ = 0
 *
 * Note where ε sits in Adam: outside the square root and after dividing √v by
 * √(1 − β₂ᵗ), exactly as torch.optim.Adam does.
 */
#ifndef REDES_OPTIM_H
#define REDES_OPTIM_H

#include <stdbool.h>
#include <stddef.h>

#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_optim_kind {
    RN_OPTIM_SGD, /* plain, momentum and Nesterov are options of SGD, as in PyTorch */
    RN_OPTIM_ADAGRAD,
    RN_OPTIM_RMSPROP,
    RN_OPTIM_ADAM,
    RN_OPTIM_ADAMW
} rn_optim_kind;

typedef struct rn_optim_config {
    rn_optim_kind kind;
    double learning_rate; /* η: the base rate; a schedule scales it per epoch */
    double weight_decay;  /* λ */
    /* SGD and RMSProp */
    double momentum;  /* μ */
    double dampening; /* τ (SGD only) */
    bool nesterov;    /* SGD only; needs μ > 0 and τ = 0 */
    /* RMSProp */
    double alpha; /* smoothing constant */
    bool centered;
    /* AdaGrad */
    double lr_decay;
    double initial_accumulator_value;
    /* Adam, AdamW */
    double beta1, beta2;
    double eps; /* Adam, AdamW, RMSProp, AdaGrad */
} rn_optim_config;

/* PyTorch's defaults for `kind`:
 *   sgd      lr 1e-3 (PyTorch requires one; we pick 1e-3), momentum 0, dampening 0
 *   adagrad  lr 1e-2, lr_decay 0, eps 1e-10
 *   rmsprop  lr 1e-2, alpha 0.99, eps 1e-8, momentum 0, centered false
 *   adam     lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 0
 *   adamw    lr 1e-3, betas (0.9, 0.999), eps 1e-8, weight_decay 1e-2 */
rn_optim_config rn_optim_defaults(rn_optim_kind kind);
/* "sgd|momentum|nesterov|adagrad|rmsprop|adam|adamw"; "momentum" and
 * "nesterov" give SGD with momentum 0.9 (and Nesterov). Starts from the
 * defaults. */
rn_status rn_optim_parse(const char *name, rn_optim_config *config);
const char *rn_optim_name(rn_optim_kind kind);
/* Checks ranges (lr > 0, 0 <= betas < 1, Nesterov needs momentum...). */
rn_status rn_optim_validate(const rn_optim_config *config);

enum { RN_OPTIM_MAX_SLOTS = 3 };

typedef struct rn_optimizer {
    rn_optim_config config;
    size_t count;     /* parameters */
    long step;        /* steps taken (t) */
    float *state;     /* n_slots * count floats, one allocation */
    int n_slots;
    float *slot[RN_OPTIM_MAX_SLOTS];
    const char *slot_name[RN_OPTIM_MAX_SLOTS]; /* PyTorch's state keys: "momentum_buffer", "exp_avg"... */
} rn_optimizer;

/* Allocates zeroed state for `count` parameters (AdaGrad's sum starts at
 * initial_accumulator_value). */
rn_status rn_optim_create(rn_optimizer *optimizer, const rn_optim_config *config, size_t count);
void rn_optim_free(rn_optimizer *optimizer);

/* One update of θ[0..count) from g[0..count) with learning rate η (the
 * schedule's value for this epoch).  No allocation. */
void rn_optim_step(rn_optimizer *optimizer, float *values, const float *grads, double learning_rate);

/* ---------------------------------------------------------------- schedules
 * The rate for epoch e = 0, 1, ... (PyTorch's closed forms):
 *   constant     η
 *   step         η γ^⌊e / step_size⌋                        (StepLR)
 *   exponential  η γ^e                                       (ExponentialLR)
 *   cosine       η_min + (η − η_min)(1 + cos(π e / T_max)) / 2 (CosineAnnealingLR; e ≤ T_max)
 */
typedef enum rn_schedule_kind {
    RN_SCHEDULE_CONSTANT,
    RN_SCHEDULE_STEP,
    RN_SCHEDULE_EXPONENTIAL,
    RN_SCHEDULE_COSINE
} rn_schedule_kind;

typedef struct rn_schedule {
    rn_schedule_kind kind;
    int step_size;     /* step: epochs between decays (default 10) */
    double gamma;      /* step (default 0.1), exponential (default 0.95) */
    int t_max;         /* cosine: epochs of one half period (default: the run's epochs) */
    double eta_min;    /* cosine (default 0) */
} rn_schedule;

/* "constant|step|exponential|cosine" with the defaults above. */
rn_status rn_schedule_parse(const char *name, int epochs, rn_schedule *schedule);
const char *rn_schedule_name(rn_schedule_kind kind);
double rn_schedule_rate(const rn_schedule *schedule, double base_rate, int epoch);

#ifdef __cplusplus
}
#endif
#endif
