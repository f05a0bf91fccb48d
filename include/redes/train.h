/* train.h — the training loop: online, mini-batch and full-batch learning,
 * validation, early stopping, per-epoch records, checkpoints and resume.
 *
 * One step on a batch B of examples (x_b, y_b):
 *
 *   L(θ) = (1/|B|) Σ_b CE(f(x_b; θ), y_b)  [+ λ₂/2 ‖θ‖² + λ₁ ‖θ‖₁]
 *   g = ∇L (backward on the tape, into the flat gradient buffer)
 *   g ← clip(g) if ‖g‖ > c;   θ ← optimiser(θ, g, η_epoch)
 *
 * The course's three modes differ only in |B|:
 *   online      |B| = 1: one update per example (stochastic gradient descent)
 *   mini-batch  1 < |B| < N: one update per batch (the usual compromise)
 *   full-batch  |B| = N: one update per epoch (true gradient descent)
 *
 * Determinism: every random choice (initialisation, split, per-epoch
 * shuffles, dropout masks) comes from rn_rng streams seeded from one seed.
 * A checkpoint written after epoch e holds the parameters, the optimiser
 * state, both RNG states, the batcher's order, the history and the
 * early-stopping state, so resuming from it continues bit-for-bit as the
 * uninterrupted run would.
 *
 * Memory: the batch buffers, the tape's arena and the optimiser state are
 * allocated once; a step allocates nothing (the tape is reset after it).
 */
#ifndef REDES_TRAIN_H
#define REDES_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "redes/autograd.h"
#include "redes/batch.h"
#include "redes/dataset.h"
#include "redes/model.h"
#include "redes/optim.h"
#include "redes/safetensors.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_train_mode { RN_TRAIN_ONLINE, RN_TRAIN_MINIBATCH, RN_TRAIN_FULLBATCH } rn_train_mode;

/* "online", "mini-batch" or "full-batch" for a batch size and training-set size. */
rn_train_mode rn_train_mode_of(int batch_size, int n_train);
const char *rn_train_mode_name(rn_train_mode mode);

struct rn_epoch_record;

typedef struct rn_train_config {
    int epochs;
    int batch_size;            /* 1 = online; >= n_train = full batch */
    rn_optim_config optimizer;
    rn_schedule schedule;
    double l1, l2;             /* penalties added to the loss (0 = off) */
    double clip_norm;          /* clip the global gradient norm (0 = off) */
    int patience;              /* early stopping: epochs without a better validation loss (0 = off) */
    uint64_t seed;             /* batches and dropout (initialisation is the caller's) */
    const char *checkpoint_path; /* written after every epoch when not NULL */
    /* Called after each step and each epoch (may be NULL). */
    void (*on_step)(void *user, int epoch, long step_in_epoch, long steps_per_epoch, double loss);
    void (*on_epoch)(void *user, const struct rn_epoch_record *record);
    void *user;
    /* Adds the caller's entries to every checkpoint just before it is written
     * (may be NULL).  `redes train` records there where its data came from
     * and its options, so that `--resume CHECKPOINT` alone restarts the run. */
    rn_status (*add_to_checkpoint)(void *user, rn_safetensors *file);
    int stop_after_epoch; /* stop (as if interrupted) after this epoch (0 = run to the end); for tests */
} rn_train_config;

/* Reasonable defaults: 10 epochs, batch 64, Adam 1e-3, constant rate. */
rn_train_config rn_train_defaults(void);

typedef struct rn_epoch_record {
    int epoch;          /* from 1 */
    double train_loss;  /* mean over the epoch's batches, weighted by batch size (without penalties) */
    double train_accuracy;
    double val_loss, val_accuracy; /* NaN without validation data */
    double seconds;     /* wall time of the epoch's training steps */
    double learning_rate;
} rn_epoch_record;

typedef struct rn_evaluation {
    double loss, accuracy;
    int n;
    int64_t *confusion; /* n_classes x n_classes, heap (may be NULL if not asked) */
    int *predictions;   /* n predicted classes, heap (may be NULL if not asked) */
} rn_evaluation;

/* What a run and its checkpoints need; create with rn_trainer_create. */
typedef struct rn_trainer {
    rn_model *model;
    const rn_dataset *data;
    const rn_standardizer *standardizer; /* may be NULL */
    rn_train_config config;
    rn_optimizer optimizer;
    rn_batcher batcher;
    rn_rng dropout_rng;
    rn_tape *tape;
    float *batch_x;
    int *batch_y;
    const int *val_indices;
    int n_val, n_train;
    int epochs_done;
    rn_epoch_record *history; /* config.epochs records */
    /* Early stopping: best validation loss so far, its epoch, and its weights. */
    double best_val_loss;
    int best_epoch;
    rn_params best;         /* parameters of the best epoch */
    rn_params best_buffers; /* and its batch-norm statistics */
    bool stopped_early;
    /* Data-parallel steps (more than one thread, no batch normalisation):
     * each thread runs its share of the batch through its own tape and
     * gradient buffer; NULL when steps run on one tape. */
    struct rn_shard *shards;
    int n_shards;
} rn_trainer;

/* Prepares a run on data examples train[0..n_train) (validation val[0..n_val),
 * may be empty).  Inputs are rn_dataset_value() then, if standardizer is not
 * NULL, standardised. */
rn_status rn_trainer_create(rn_trainer *trainer, rn_model *model, const rn_dataset *data,
                            const rn_standardizer *standardizer, const int *train, int n_train, const int *val,
                            int n_val, const rn_train_config *config);
void rn_trainer_free(rn_trainer *trainer);

/* Memory blocks the trainer's tapes (and its data-parallel shards' tapes)
 * have taken from the system so far: constant once the first epoch has run. */
size_t rn_trainer_arena_blocks(const rn_trainer *trainer);

/* Runs the remaining epochs (all of them, or those after a resumed
 * checkpoint), stopping early when patience runs out; then, with early
 * stopping, restores the best weights. */
rn_status rn_trainer_run(rn_trainer *trainer);

/* Writes model, optimiser state, RNG states, data order, history and
 * configuration (atomically). */
rn_status rn_trainer_save_checkpoint(const rn_trainer *trainer, const char *path);
/* Restores a checkpoint written by a trainer with the same model, data and
 * configuration (checked); the next rn_trainer_run continues after it. */
rn_status rn_trainer_resume(rn_trainer *trainer, const char *path);

/* Loss and accuracy of `model` on examples indices[0..n) in evaluation mode
 * (no dropout, batch-norm running statistics), batches of 500.  Fills
 * out->confusion / out->predictions when want_details. */
rn_status rn_evaluate(rn_model *model, const rn_dataset *data, const rn_standardizer *standardizer,
                      const int *indices, int n, bool want_details, rn_evaluation *out);
void rn_evaluation_free(rn_evaluation *evaluation);

/* Class probabilities (softmax of the logits) for n examples x (n, n_inputs)
 * already preprocessed: writes n x n_classes floats into probabilities. */
rn_status rn_model_predict(rn_model *model, const float *x, int n, float *probabilities);

/* Writes epoch,train_loss,train_accuracy,val_loss,val_accuracy,seconds,lr
 * (one line per record) atomically. */
rn_status rn_history_write_csv(const rn_epoch_record *records, int n, const char *path);

#ifdef __cplusplus
}
#endif
#endif
