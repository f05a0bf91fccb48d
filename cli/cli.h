/* cli.h — what every `redes <command>` shares: option parsing with help text
 * and range checks, the common options, JSON output, run folders, progress.
 *
 * A command is `int rn_cmd_NAME(int argc, char **argv)` with argv[0] the
 * command's name.  It declares its options as a table and calls
 * rn_cli_parse(); the exit status is 0 on success, 2 on bad input (unknown
 * option, bad value, unreadable or malformed file) and 1 on other failures.
 *
 *   double dt = 0.01;
 *   const rn_cli_option options[] = {
 *       {"dt", RN_OPT_DOUBLE, &dt, "time step in ms", 1e-6, 10.0},
 *       {0}};
 *   const rn_cli_spec spec = {"hh", "[rheobase|repetitive|fi]", "Hodgkin-Huxley neuron",
 *                             options, 0, 1};
 *   rn_cli_args args;
 *   int exit_code = rn_cli_parse(&spec, argc, argv, &args);
 *   if (exit_code >= 0) return exit_code;   // --help printed, or an error
 *
 * Common options, handled by rn_cli_parse for every command:
 *   --seed N   --out DIR   --json   --quiet   --threads N   --help
 * With --json, stdout carries exactly one JSON object and human-readable
 * lines and progress go to stderr (or nowhere with --quiet).
 */
#ifndef REDES_CLI_H
#define REDES_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "redes/status.h"

typedef enum rn_option_kind {
    RN_OPT_FLAG,   /* bool *, set to true when present */
    RN_OPT_INT,    /* int * */
    RN_OPT_DOUBLE, /* double * */
    RN_OPT_STRING, /* const char ** */
    RN_OPT_CHOICE, /* const char **; value must be one of `choices` */
    /* Not an option: a heading that groups the options after it in --help,
     * {"stimulus", RN_OPT_SECTION, NULL, NULL, 0, 0, NULL}. */
    RN_OPT_SECTION
} rn_option_kind;

typedef struct rn_cli_option {
    const char *name; /* "dt" for --dt; NULL ends the table */
    rn_option_kind kind;
    void *value;
    const char *help;
    /* Inclusive range for RN_OPT_INT and RN_OPT_DOUBLE, checked when min < max. */
    double min, max;
    /* For RN_OPT_CHOICE: "euler|rk4|exponential".  For RN_OPT_STRING: what
     * --help shows after the name ("FILE", "LIST"; NULL shows "TEXT"). */
    const char *choices;
} rn_cli_option;

typedef struct rn_cli_spec {
    const char *name;        /* "hh" */
    const char *usage;       /* what follows "redes hh" in the usage line */
    const char *description; /* one paragraph shown by --help */
    const rn_cli_option *options;
    int min_positional, max_positional;
} rn_cli_spec;

enum { RN_CLI_MAX_POSITIONAL = 16 };

typedef struct rn_cli_args {
    uint64_t seed;       /* --seed, default 1 */
    bool seed_given;     /* --seed was on the command line */
    const char *out_dir; /* --out, NULL when not given (see rn_cli_out_dir) */
    bool json;           /* --json */
    bool quiet;          /* --quiet */
    int threads;         /* --threads, 0 = default (rn_cli_parse applies it) */
    const char *command;
    int n_positional;
    char *positional[RN_CLI_MAX_POSITIONAL];
} rn_cli_args;

/* Returns -1 to go on, or the exit code to return at once (0 after --help,
 * 2 after printing a one-line error to stderr). */
int rn_cli_parse(const rn_cli_spec *spec, int argc, char **argv, rn_cli_args *args);

/* Levenshtein distance between word[0..length) and candidate (single-character
 * insertions, deletions, substitutions); SIZE_MAX for words of 64+ characters.
 * rn_cli_is_likely_typo: close enough to suggest ("did you mean ...?"). */
size_t rn_cli_edit_distance(const char *word, size_t length, const char *candidate);
bool rn_cli_is_likely_typo(const char *word, size_t length, const char *candidate);

/* Prints "redes COMMAND: MESSAGE" to stderr and returns 2. */
int rn_cli_fail(const rn_cli_args *args, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
/* Prints the library's last error message for `status`; returns 2 for bad
 * input (argument, I/O, format, shape) and 1 for anything else. */
int rn_cli_fail_status(const rn_cli_args *args, rn_status status);

/* The run folder: --out DIR if given, else runs/COMMAND-YYYYmmdd-HHMMSS.
 * Creates it (and parents).  Writes the path into `path`. */
rn_status rn_cli_out_dir(const rn_cli_args *args, char *path, size_t size);

/* A human-readable line (printf-style, newline added): stdout normally,
 * stderr with --json, nothing with --quiet. */
void rn_cli_say(const rn_cli_args *args, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Prints `object` as one line of JSON on stdout and releases it. */
void rn_cli_print_json(json_t *object);
/* json array of doubles / ints. */
json_t *rn_json_doubles(const double *values, int count);
json_t *rn_json_floats(const float *values, int count);
json_t *rn_json_ints(const int *values, int count);

/* Progress: a bar on a terminal (stderr), a plain line every 10 % otherwise. */
typedef struct rn_progress {
    const rn_cli_args *args;
    const char *label;
    long total;
    double start_seconds;
    int last_reported_decile;
    bool terminal;
} rn_progress;

void rn_progress_start(rn_progress *progress, const rn_cli_args *args, const char *label, long total);
/* `detail` (may be NULL) is shown after the bar, e.g. "loss 0.1234". */
void rn_progress_update(rn_progress *progress, long done, const char *detail);
void rn_progress_finish(rn_progress *progress, const char *detail);

#endif
