/* train_data.h — what `redes train`, `eval` and `predict` share: loading a
 * data set with its split and preprocessing, and recording both in a model
 * file so that eval and predict see exactly what training saw. */
#ifndef REDES_CLI_TRAIN_DATA_H
#define REDES_CLI_TRAIN_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "redes/redes.h"

typedef struct rn_train_data {
    rn_dataset data;
    rn_split split;
    rn_standardizer standardizer; /* tabular data only */
    bool standardized;
    double val_fraction, test_fraction; /* test_fraction: data without an official split */
    uint64_t split_seed;
    /* Where the data came from, as recorded in model files: a registry name
     * ("iris", "mnist") or the absolute path of a user's CSV file or folder,
     * so that eval and inspect find it again from any working directory. */
    char source[4096];
} rn_train_data;

/* Loads `name` and splits it: the official test set where there is one (the
 * validation part a stratified fraction of the training set), else a
 * stratified train/val/test split.  Tabular features are standardised with
 * the training part's mean and standard deviation; pixels stay in [0, 1]
 * (a model file with a one-value preprocess.mean/std still applies it). */
rn_status rn_train_data_load(rn_train_data *out, const char *name, double val_fraction, double test_fraction,
                             uint64_t split_seed);
void rn_train_data_free(rn_train_data *data);

/* Adds "preprocess.mean"/"preprocess.std" and data.* metadata (data.name,
 * data.source, the split's fractions and seed, data.classes). */
rn_status rn_train_data_add_to_file(const rn_train_data *data, rn_safetensors *file);

/* What a model file says about its data. */
typedef struct rn_model_data_info {
    char name[512];
    /* data.source: a registry name or an absolute path; files written before
     * data.source existed give data.name here. */
    char source[4096];
    double val_fraction, test_fraction;
    uint64_t split_seed;
    bool standardized;
    rn_standardizer standardizer; /* from the file's tensors, when standardized */
    char **class_names;           /* n_classes strings or NULL */
    int n_classes;
} rn_model_data_info;

rn_status rn_model_data_info_read(const rn_safetensors *file, rn_model_data_info *info);
void rn_model_data_info_free(rn_model_data_info *info);

/* Reads a model file written by `redes train`: the model and what it says
 * about its data (eval, predict and inspect start with this).  On failure
 * nothing is left allocated and the message names the file. */
rn_status rn_model_load_file(const char *path, rn_model *model, rn_model_data_info *info);

/* Loads the data a model file describes, split as in its training run:
 * `data` when given (--data), else the recorded source.  When the recorded
 * file or folder is gone the message names it and asks for --data. */
rn_status rn_model_data_load(rn_train_data *out, const char *model_path, const rn_model_data_info *info,
                             const char *data);

#endif
