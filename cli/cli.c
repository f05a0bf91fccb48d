/* cli.c — option parsing, errors, JSON, run folders and progress (cli.h). */
#define _POSIX_C_SOURCE 200809L
#include "cli.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "redes/clock.h"
#include "redes/parallel.h"

static const rn_cli_option common_options[] = {
    /* Parsed by apply_common; the kind only decides whether a value follows
     * and how --help shows it. */
    {"seed", RN_OPT_INT, NULL, "random seed (default 1); the same seed gives the same numbers", 0, 0, NULL},
    {"out", RN_OPT_STRING, NULL, "folder for the run's files (default runs/COMMAND-TIME/)", 0, 0, "DIR"},
    {"json", RN_OPT_FLAG, NULL, "print the results as one JSON object on stdout", 0, 0, NULL},
    {"quiet", RN_OPT_FLAG, NULL, "print nothing (files are still written; with --json, only the JSON)", 0, 0, NULL},
    {"threads", RN_OPT_INT, NULL, "threads to use (default: OMP_NUM_THREADS or all cores)", 0, 0, NULL},
    {"help", RN_OPT_FLAG, NULL, "show this help", 0, 0, NULL},
    {0}};

/* What follows --NAME in --help: the choices, the string's placeholder
 * (`choices` of an RN_OPT_STRING, e.g. "FILE"), or N, X, TEXT. */
static const char *value_placeholder(const rn_cli_option *option)
{
    switch (option->kind) {
    case RN_OPT_FLAG: return "";
    case RN_OPT_INT: return "N";
    case RN_OPT_DOUBLE: return "X";
    case RN_OPT_STRING: return option->choices ? option->choices : "TEXT";
    case RN_OPT_CHOICE: return option->choices;
    case RN_OPT_SECTION: return "";
    }
    return "";
}

/* Help text columns: options' text starts at HELP_COLUMN, lines end by WIDTH. */
enum { HELP_COLUMN = 31, HELP_WIDTH = 100 };

/* Prints `text` from column `column` (where the cursor is), breaking lines
 * between words before `width` and indenting the continuations to `column`. */
static void print_wrapped(const char *text, int column, int width)
{
    int at = column;
    while (*text) {
        while (*text == ' ') text++;
        if (*text == '\n') { /* the text's own line breaks stay */
            printf("\n%*s", column, "");
            at = column;
            text++;
            continue;
        }
        size_t word = strcspn(text, " \n");
        if (word == 0) break;
        int columns = 0; /* characters, not bytes: UTF-8 continuation bytes take no column */
        for (size_t i = 0; i < word; i++) columns += ((unsigned char)text[i] & 0xC0) != 0x80;
        if (at > column && at + 1 + columns > width) {
            printf("\n%*s", column, "");
            at = column;
        } else if (at > column) {
            putchar(' ');
            at++;
        }
        printf("%.*s", (int)word, text);
        at += columns;
        text += word;
    }
}

static void print_option(const rn_cli_option *option)
{
    if (option->kind == RN_OPT_SECTION) {
        printf("%s:\n", option->name);
        return;
    }
    char left[256], text[1024], fallback[64] = "";
    const char *placeholder = value_placeholder(option);
    snprintf(left, sizeof left, "  --%s%s%s", option->name, *placeholder ? " " : "", placeholder);
    /* The current value is the default, unless the help already says what
     * the default is (a sentinel such as -1 would only confuse). */
    const char *help = option->help ? option->help : "";
    if (option->value && !strstr(help, "default")) {
        if (option->kind == RN_OPT_INT) snprintf(fallback, sizeof fallback, " (default %d)", *(int *)option->value);
        if (option->kind == RN_OPT_DOUBLE)
            snprintf(fallback, sizeof fallback, " (default %g)", *(double *)option->value);
        if ((option->kind == RN_OPT_STRING || option->kind == RN_OPT_CHOICE) && *(const char **)option->value)
            snprintf(fallback, sizeof fallback, " (default %.48s)", *(const char **)option->value);
    }
    snprintf(text, sizeof text, "%s%s", help, fallback);
    /* A long left part (many choices) gets the help on the next line. */
    if ((int)strlen(left) >= HELP_COLUMN) printf("%s\n%*s", left, HELP_COLUMN, "");
    else printf("%-*s", HELP_COLUMN, left);
    print_wrapped(text, HELP_COLUMN, HELP_WIDTH);
    printf("\n");
}

static void print_help(const rn_cli_spec *spec)
{
    printf("usage: redes %s %s\n\n", spec->name, spec->usage ? spec->usage : "[options]");
    if (spec->description) {
        print_wrapped(spec->description, 0, 80);
        printf("\n\n");
    }
    if (spec->options && spec->options[0].name) {
        /* Commands with sections head every group; the others get one "options:". */
        if (spec->options[0].kind != RN_OPT_SECTION) printf("options:\n");
        for (const rn_cli_option *o = spec->options; o->name; o++) {
            if (o->kind == RN_OPT_SECTION && o != spec->options) printf("\n");
            print_option(o);
        }
        printf("\n");
    }
    printf("common options:\n");
    for (const rn_cli_option *o = common_options; o->name; o++) print_option(o);
}

int rn_cli_fail(const rn_cli_args *args, const char *format, ...)
{
    va_list list;
    va_start(list, format);
    fprintf(stderr, "redes %s: ", args && args->command ? args->command : "");
    vfprintf(stderr, format, list);
    fprintf(stderr, "\n");
    va_end(list);
    return 2;
}

int rn_cli_fail_status(const rn_cli_args *args, rn_status status)
{
    rn_cli_fail(args, "%s", rn_error_message()[0] ? rn_error_message() : rn_status_string(status));
    switch (status) {
    case RN_ERR_ARGUMENT:
    case RN_ERR_IO:
    case RN_ERR_FORMAT:
    case RN_ERR_SHAPE: return 2;
    default: return 1;
    }
}

static bool parse_long(const char *text, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (errno || end == text || *end) return false;
    *out = v;
    return true;
}

static bool parse_double(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !isfinite(v)) return false;
    *out = v;
    return true;
}

static bool choice_allowed(const char *choices, const char *value)
{
    size_t length = strlen(value);
    const char *p = choices;
    while (p && *p) {
        const char *bar = strchr(p, '|');
        size_t n = bar ? (size_t)(bar - p) : strlen(p);
        if (n == length && strncmp(p, value, n) == 0) return true;
        p = bar ? bar + 1 : NULL;
    }
    return false;
}

/* Applies one command option; returns -1 on success or 2 after an error. */
static int apply_option(const rn_cli_args *args, const rn_cli_option *o, const char *value)
{
    long long integer;
    double real;
    switch (o->kind) {
    case RN_OPT_FLAG: *(bool *)o->value = true; return -1;
    case RN_OPT_INT:
        if (!parse_long(value, &integer) || integer < -2147483647LL || integer > 2147483647LL)
            return rn_cli_fail(args, "--%s expects an integer, got '%s'", o->name, value);
        if (o->min < o->max && (integer < o->min || integer > o->max))
            return rn_cli_fail(args, "--%s must be between %g and %g, got %lld", o->name, o->min, o->max,
                               integer);
        *(int *)o->value = (int)integer;
        return -1;
    case RN_OPT_DOUBLE:
        if (!parse_double(value, &real))
            return rn_cli_fail(args, "--%s expects a number, got '%s'", o->name, value);
        if (o->min < o->max && (real < o->min || real > o->max))
            return rn_cli_fail(args, "--%s must be between %g and %g, got %g", o->name, o->min, o->max, real);
        *(double *)o->value = real;
        return -1;
    case RN_OPT_STRING: *(const char **)o->value = value; return -1;
    case RN_OPT_CHOICE:
        if (!choice_allowed(o->choices, value))
            return rn_cli_fail(args, "--%s must be one of %s, got '%s'", o->name, o->choices, value);
        *(const char **)o->value = value;
        return -1;
    case RN_OPT_SECTION: return -1; /* never found: find_option skips headings */
    }
    return -1;
}

/* Handles a common option; returns -1 to go on, 0 after --help, 2 on error. */
static int apply_common(const rn_cli_spec *spec, rn_cli_args *args, const char *name, const char *value)
{
    long long integer;
    if (strcmp(name, "help") == 0) {
        print_help(spec);
        return 0;
    }
    if (strcmp(name, "json") == 0) { args->json = true; return -1; }
    if (strcmp(name, "quiet") == 0) { args->quiet = true; return -1; }
    if (strcmp(name, "out") == 0) { args->out_dir = value; return -1; }
    if (strcmp(name, "seed") == 0) {
        if (!parse_long(value, &integer) || integer < 0)
            return rn_cli_fail(args, "--seed expects a non-negative integer, got '%s'", value);
        args->seed = (uint64_t)integer;
        args->seed_given = true;
        return -1;
    }
    if (strcmp(name, "threads") == 0) {
        if (!parse_long(value, &integer) || integer < 1 || integer > 1024)
            return rn_cli_fail(args, "--threads expects an integer from 1 to 1024, got '%s'", value);
        args->threads = (int)integer;
        return -1;
    }
    return -1;
}

size_t rn_cli_edit_distance(const char *a, size_t a_length, const char *b)
{
    /* One row of the dynamic-programming table at a time: row[j] is the
     * distance between the first i characters of a and the first j of b. */
    size_t b_length = strlen(b), row[64];
    if (a_length >= 64 || b_length >= 64) return SIZE_MAX;
    for (size_t j = 0; j <= b_length; j++) row[j] = j;
    for (size_t i = 1; i <= a_length; i++) {
        size_t diagonal = row[0]; /* row i-1, column j-1 */
        row[0] = i;
        for (size_t j = 1; j <= b_length; j++) {
            size_t above = row[j], left = row[j - 1];
            size_t best = diagonal + (a[i - 1] != b[j - 1] ? 1 : 0);
            if (above + 1 < best) best = above + 1;
            if (left + 1 < best) best = left + 1;
            diagonal = above;
            row[j] = best;
        }
    }
    return row[b_length];
}

bool rn_cli_is_likely_typo(const char *word, size_t length, const char *candidate)
{
    /* One slip in a short word, two in a longer one ("epoch" -> "epochs",
     * "trian" -> "train"); more would suggest unrelated names. */
    return rn_cli_edit_distance(word, length, candidate) <= (length >= 5 ? 2u : 1u);
}

/* The option of `table` nearest to a mistyped name, if it is a likely typo. */
static const char *nearest_option(const rn_cli_option *table, const char *name, size_t length)
{
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (const rn_cli_option *o = table; o && o->name; o++) {
        if (o->kind == RN_OPT_SECTION || !rn_cli_is_likely_typo(name, length, o->name)) continue;
        size_t distance = rn_cli_edit_distance(name, length, o->name);
        if (distance < best_distance) best = o->name, best_distance = distance;
    }
    return best;
}

static const rn_cli_option *find_option(const rn_cli_option *table, const char *name, size_t length)
{
    for (const rn_cli_option *o = table; o && o->name; o++)
        if (o->kind != RN_OPT_SECTION && strlen(o->name) == length && strncmp(o->name, name, length) == 0) return o;
    return NULL;
}

int rn_cli_parse(const rn_cli_spec *spec, int argc, char **argv, rn_cli_args *args)
{
    memset(args, 0, sizeof *args);
    args->seed = 1;
    args->command = spec->name;
    bool only_positional = false;
    for (int i = 1; i < argc; i++) {
        char *word = argv[i];
        if (only_positional || word[0] != '-' || word[1] == '\0' ||
            (word[1] != '-' && word[1] != 'h')) {
            /* A lone "-" (stdin) or a negative number is a positional argument. */
            if (args->n_positional == RN_CLI_MAX_POSITIONAL)
                return rn_cli_fail(args, "too many arguments");
            args->positional[args->n_positional++] = word;
            continue;
        }
        if (strcmp(word, "--") == 0) {
            only_positional = true;
            continue;
        }
        if (strcmp(word, "-h") == 0) word = "--help";
        const char *name = word + 2;
        const char *equals = strchr(name, '=');
        size_t length = equals ? (size_t)(equals - name) : strlen(name);
        const rn_cli_option *option = find_option(spec->options, name, length);
        const rn_cli_option *common = option ? NULL : find_option(common_options, name, length);
        if (!option && !common) {
            const char *hint = nearest_option(spec->options, name, length);
            if (!hint) hint = nearest_option(common_options, name, length);
            if (hint)
                return rn_cli_fail(args, "unknown option '--%.*s' (did you mean --%s? see 'redes %s --help')",
                                   (int)length, name, hint, spec->name);
            return rn_cli_fail(args, "unknown option '--%.*s' (see 'redes %s --help')", (int)length, name,
                               spec->name);
        }
        const rn_cli_option *o = option ? option : common;
        const char *value = NULL;
        if (o->kind == RN_OPT_FLAG) {
            if (equals) return rn_cli_fail(args, "--%s takes no value", o->name);
        } else if (equals) {
            value = equals + 1;
        } else {
            if (i + 1 >= argc) return rn_cli_fail(args, "--%s needs a value", o->name);
            value = argv[++i];
        }
        int result = option ? apply_option(args, option, value) : apply_common(spec, args, o->name, value);
        if (result >= 0) return result;
    }
    if (args->n_positional < spec->min_positional)
        return rn_cli_fail(args, "expected at least %d argument%s (see 'redes %s --help')",
                           spec->min_positional, spec->min_positional == 1 ? "" : "s", spec->name);
    if (args->n_positional > spec->max_positional)
        return rn_cli_fail(args, "unexpected argument '%s' (see 'redes %s --help')",
                           args->positional[spec->max_positional], spec->name);
    /* --threads applies to every command: our OpenMP loops and OpenBLAS. */
    if (args->threads > 0) rn_set_threads(args->threads);
    return -1;
}

static rn_status make_directories(const char *path)
{
    char buffer[4096];
    if (snprintf(buffer, sizeof buffer, "%s", path) >= (int)sizeof buffer)
        return rn_error(RN_ERR_ARGUMENT, "output folder name too long");
    for (char *p = buffer + 1; *p; p++) {
        if (*p != '/') continue;
        *p = '\0';
        if (mkdir(buffer, 0777) != 0 && errno != EEXIST)
            return rn_error(RN_ERR_IO, "cannot create folder %s: %s", buffer, strerror(errno));
        *p = '/';
    }
    if (mkdir(buffer, 0777) != 0 && errno != EEXIST)
        return rn_error(RN_ERR_IO, "cannot create folder %s: %s", buffer, strerror(errno));
    struct stat info;
    if (stat(buffer, &info) != 0 || !S_ISDIR(info.st_mode))
        return rn_error(RN_ERR_IO, "%s exists and is not a folder", buffer);
    return RN_OK;
}

rn_status rn_cli_out_dir(const rn_cli_args *args, char *path, size_t size)
{
    if (args->out_dir && !*args->out_dir) return rn_error(RN_ERR_ARGUMENT, "--out needs a folder name");
    if (args->out_dir) {
        if (snprintf(path, size, "%s", args->out_dir) >= (int)size)
            return rn_error(RN_ERR_ARGUMENT, "output folder name too long");
    } else {
        time_t now = time(NULL);
        struct tm local;
        localtime_r(&now, &local);
        char stamp[32];
        strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
        snprintf(path, size, "runs/%s-%s", args->command, stamp);
    }
    return make_directories(path);
}

void rn_cli_say(const rn_cli_args *args, const char *format, ...)
{
    if (args->quiet) return;
    FILE *stream = args->json ? stderr : stdout;
    va_list list;
    va_start(list, format);
    vfprintf(stream, format, list);
    va_end(list);
    fputc('\n', stream);
    fflush(stream);
}

void rn_cli_print_json(json_t *object)
{
    /* One line with ", " and ": " separators (no JSON_INDENT, no JSON_COMPACT). */
    char *text = json_dumps(object, JSON_REAL_PRECISION(10));
    if (text) {
        printf("%s\n", text);
        free(text);
    }
    fflush(stdout);
    json_decref(object);
}

json_t *rn_json_doubles(const double *values, int count)
{
    json_t *array = json_array();
    for (int i = 0; i < count; i++) json_array_append_new(array, json_real(values[i]));
    return array;
}

json_t *rn_json_floats(const float *values, int count)
{
    json_t *array = json_array();
    for (int i = 0; i < count; i++) json_array_append_new(array, json_real(values[i]));
    return array;
}

json_t *rn_json_ints(const int *values, int count)
{
    json_t *array = json_array();
    for (int i = 0; i < count; i++) json_array_append_new(array, json_integer(values[i]));
    return array;
}

void rn_progress_start(rn_progress *progress, const rn_cli_args *args, const char *label, long total)
{
    progress->args = args;
    progress->label = label;
    progress->total = total > 0 ? total : 1;
    progress->start_seconds = rn_seconds();
    progress->last_reported_decile = -1;
    progress->terminal = isatty(STDERR_FILENO);
}

static void draw(rn_progress *progress, long done, const char *detail, bool final)
{
    if (progress->args->quiet) return;
    double fraction = (double)done / (double)progress->total;
    if (fraction > 1) fraction = 1;
    double elapsed = rn_seconds() - progress->start_seconds;
    if (progress->terminal) {
        enum { WIDTH = 30 };
        char bar[WIDTH + 1];
        int filled = (int)(fraction * WIDTH);
        for (int i = 0; i < WIDTH; i++) bar[i] = i < filled ? '#' : '.';
        bar[WIDTH] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%% %6.1fs %s\033[K", progress->label, bar, (int)(fraction * 100),
                elapsed, detail ? detail : "");
        if (final) fputc('\n', stderr);
    } else {
        int decile = (int)(fraction * 10);
        if (!final && decile <= progress->last_reported_decile) return;
        progress->last_reported_decile = decile;
        fprintf(stderr, "%s %3d%% %.1fs %s\n", progress->label, (int)(fraction * 100), elapsed,
                detail ? detail : "");
    }
    fflush(stderr);
}

void rn_progress_update(rn_progress *progress, long done, const char *detail)
{
    draw(progress, done, detail, false);
}

void rn_progress_finish(rn_progress *progress, const char *detail)
{
    draw(progress, progress->total, detail, true);
}
