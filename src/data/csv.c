/* csv.c — tabular data sets from CSV files (see include/redes/csv.h).
 *
 * The whole file is read into memory (through zlib, so .csv.gz works too)
 * and split in place: line ends and commas become '\0', and fields are
 * pointers into that text.  Features are parsed with strtod; labels stay as
 * text until every row is read, then are mapped to class indices.
 */
#define _POSIX_C_SOURCE 200809L
#include "redes/csv.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data/data_internal.h"

rn_csv_options rn_csv_default_options(void)
{
    return (rn_csv_options){-1, RN_CSV_HEADER_AUTO};
}

/* ------------------------------------------------------------------ reading */

static rn_status read_text(const char *path, char **text_out, size_t *length_out)
{
    *text_out = NULL;
    errno = 0;
    gzFile file = gzopen(path, "rb");
    if (!file)
        return rn_error(RN_ERR_IO, "%s: cannot open: %s", path, errno ? strerror(errno) : "out of memory");
    size_t capacity = 1 << 16, length = 0;
    char *text = malloc(capacity + 1);
    rn_status status = text ? RN_OK : rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    while (status == RN_OK) {
        if (length == capacity) {
            char *bigger = realloc(text, 2 * capacity + 1);
            if (!bigger) {
                status = rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
                break;
            }
            text = bigger;
            capacity *= 2;
        }
        int got = gzread(file, text + length, (unsigned)(capacity - length));
        if (got < 0) {
            int code;
            status = rn_error(RN_ERR_FORMAT, "%s: corrupt gzip data (%s)", path, gzerror(file, &code));
        }
        if (got <= 0) break;
        length += (size_t)got;
    }
    gzclose(file);
    if (status != RN_OK) {
        free(text);
        return status;
    }
    text[length] = '\0';
    if (memchr(text, '\0', length))
        status = rn_error(RN_ERR_FORMAT, "%s: contains a NUL byte (not a text file?)", path);
    if (status != RN_OK) {
        free(text);
        return status;
    }
    *text_out = text;
    *length_out = length;
    return RN_OK;
}

/* A cursor over the lines of the text, skipping blank and "#" lines. */
typedef struct line_reader {
    char *next;
    int line_number; /* of the line last returned, from 1 */
} line_reader;

static char *trim(char *text)
{
    while (*text == ' ' || *text == '\t')
        text++;
    char *end = text + strlen(text);
    while (end > text && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
        *--end = '\0';
    return text;
}

/* The next content line, '\0'-terminated and trimmed, or NULL at the end. */
static char *next_line(line_reader *reader)
{
    while (reader->next) {
        char *line = reader->next;
        char *newline = strchr(line, '\n');
        if (newline) {
            *newline = '\0';
            reader->next = newline + 1;
        } else {
            reader->next = NULL;
        }
        reader->line_number++;
        line = trim(line);
        if (line[0] != '\0' && line[0] != '#') return line;
    }
    return NULL;
}

static int count_fields(const char *line)
{
    int n = 1;
    for (const char *p = line; *p; p++)
        n += *p == ',';
    return n;
}

/* Splits `line` in place at commas into fields[0..count), each trimmed. */
static void split_fields(char *line, char **fields)
{
    int n = 0;
    char *start = line;
    for (char *p = line;; p++) {
        if (*p == ',' || *p == '\0') {
            bool last = *p == '\0';
            *p = '\0';
            fields[n++] = trim(start);
            if (last) break;
            start = p + 1;
        }
    }
}

static bool parse_number(const char *text, double *value)
{
    if (!text[0]) return false;
    char *end;
    errno = 0;
    *value = strtod(text, &end);
    return end != text && *end == '\0';
}

/* ------------------------------------------------------------------ the table */

typedef struct table {
    int n_rows, n_columns, label_column;
    float *features;   /* n_rows x (n_columns - 1) */
    char **labels;     /* n_rows pointers into the text */
    int *line_numbers; /* of each row, for messages */
} table;

static void table_free(table *t)
{
    free(t->features);
    free(t->labels);
    free(t->line_numbers);
    memset(t, 0, sizeof *t);
}

static bool looks_like_header(char **fields, int n_columns, int label_column)
{
    for (int c = 0; c < n_columns; c++) {
        double value;
        /* A name, not a missing value: "1,,x" is a data row with a hole. */
        if (c != label_column && fields[c][0] && !parse_number(fields[c], &value)) return true;
    }
    return false;
}

/* Parses one data row into the table. */
static rn_status parse_row(const char *path, int line_number, char **fields, table *t)
{
    int row = t->n_rows, n_features = t->n_columns - 1;
    float *out = t->features + (size_t)row * (size_t)n_features;
    for (int c = 0, j = 0; c < t->n_columns; c++) {
        if (c == t->label_column) {
            if (!fields[c][0])
                return rn_error(RN_ERR_FORMAT, "%s:%d: column %d: empty label", path, line_number, c + 1);
            t->labels[row] = fields[c];
            continue;
        }
        double value;
        if (!fields[c][0])
            return rn_error(RN_ERR_FORMAT, "%s:%d: column %d: empty value", path, line_number, c + 1);
        if (!parse_number(fields[c], &value))
            return rn_error(RN_ERR_FORMAT, "%s:%d: column %d: '%s' is not a number", path, line_number, c + 1,
                            fields[c]);
        if (!isfinite(value) || !isfinite((float)value))
            return rn_error(RN_ERR_NUMERIC, "%s:%d: column %d: '%s' is not a finite number", path,
                            line_number, c + 1, fields[c]);
        out[j++] = (float)value;
    }
    t->line_numbers[row] = line_number;
    t->n_rows++;
    return RN_OK;
}

/* Reads every content line left in `reader` as a data row.  expected_columns
 * 0 takes the column count from the first line. */
static rn_status parse_table(const char *path, line_reader *reader, int expected_columns, int label_column,
                             rn_csv_header header, table *t)
{
    memset(t, 0, sizeof *t);
    size_t max_rows = 1;
    for (const char *p = reader->next; p && *p; p++)
        max_rows += *p == '\n';

    char *line = next_line(reader);
    if (!line) return rn_error(RN_ERR_FORMAT, "%s: empty file (no data rows)", path);
    int n_columns = expected_columns ? expected_columns : count_fields(line);
    if (n_columns < 2)
        return rn_error(RN_ERR_FORMAT, "%s:%d: expected at least 2 columns (features and a label), found 1",
                        path, reader->line_number);
    if (label_column < 0) label_column = n_columns - 1;
    if (label_column >= n_columns)
        return rn_error(RN_ERR_ARGUMENT, "%s: label column %d does not exist (the file has %d columns)", path,
                        label_column + 1, n_columns);
    t->n_columns = n_columns;
    t->label_column = label_column;
    t->features = malloc(max_rows * (size_t)(n_columns - 1) * sizeof *t->features);
    t->labels = malloc(max_rows * sizeof *t->labels);
    t->line_numbers = malloc(max_rows * sizeof *t->line_numbers);
    char **fields = malloc((size_t)n_columns * sizeof *fields);
    rn_status status = RN_OK;
    if (!t->features || !t->labels || !t->line_numbers || !fields)
        status = rn_error(RN_ERR_MEMORY, "%s: out of memory for %zu rows", path, max_rows);

    bool first = true;
    for (; status == RN_OK && line; line = next_line(reader), first = false) {
        int found = count_fields(line);
        if (found != n_columns) {
            status = rn_error(RN_ERR_FORMAT, "%s:%d: expected %d columns, found %d", path,
                              reader->line_number, n_columns, found);
            break;
        }
        split_fields(line, fields);
        bool is_header = header == RN_CSV_HEADER_YES ||
                         (header == RN_CSV_HEADER_AUTO && looks_like_header(fields, n_columns, label_column));
        if (first && is_header) continue;
        status = parse_row(path, reader->line_number, fields, t);
    }
    free(fields);
    if (status == RN_OK && t->n_rows == 0)
        status = rn_error(RN_ERR_FORMAT, "%s: no data rows after the header", path);
    if (status != RN_OK) table_free(t);
    return status;
}

/* ------------------------------------------------------------------ labels */

typedef struct label_entry {
    const char *text;
    double value;
    int row;
} label_entry;

static int compare_numeric(const void *a, const void *b)
{
    const label_entry *x = a, *y = b;
    if (x->value != y->value) return x->value < y->value ? -1 : 1;
    return x->row - y->row;
}

static int compare_text(const void *a, const void *b)
{
    const label_entry *x = a, *y = b;
    int order = strcmp(x->text, y->text);
    return order ? order : x->row - y->row;
}

/* Maps the table's label texts to 0..K-1 in sorted order (numeric when all
 * labels are numbers); fills labels, n_classes and class_names. */
static rn_status map_labels(const char *path, const table *t, rn_dataset *out)
{
    label_entry *entries = malloc((size_t)t->n_rows * sizeof *entries);
    out->labels = malloc((size_t)t->n_rows * sizeof *out->labels);
    if (!entries || !out->labels) {
        free(entries);
        return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    }
    bool numeric = true;
    for (int i = 0; i < t->n_rows; i++) {
        entries[i] = (label_entry){t->labels[i], 0, i};
        numeric = numeric && parse_number(t->labels[i], &entries[i].value) && isfinite(entries[i].value);
    }
    qsort(entries, (size_t)t->n_rows, sizeof *entries, numeric ? compare_numeric : compare_text);

    /* First pass: class index per row and the first entry of each class. */
    int n_classes = 0;
    const char **names = malloc((size_t)t->n_rows * sizeof *names);
    if (!names) {
        free(entries);
        return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    }
    for (int i = 0; i < t->n_rows; i++) {
        bool same = i > 0 && (numeric ? entries[i].value == entries[i - 1].value
                                      : strcmp(entries[i].text, entries[i - 1].text) == 0);
        if (!same) names[n_classes++] = entries[i].text;
        out->labels[entries[i].row] = n_classes - 1;
    }
    free(entries);
    out->n_classes = n_classes;
    rn_status status = rn_dataset_set_class_names(out, names, n_classes);
    free(names);
    return status;
}

/* Moves the table's features into the data set. */
static void take_features(table *t, rn_dataset *out)
{
    out->n_examples = t->n_rows;
    out->n_features = t->n_columns - 1;
    out->features = t->features;
    t->features = NULL;
}

static void name_from_path(const char *path, rn_dataset *out)
{
    const char *slash = strrchr(path, '/');
    rn_copy_text(out->name, sizeof out->name, slash ? slash + 1 : path);
    rn_copy_text(out->source, sizeof out->source, path);
}

/* ------------------------------------------------------------------ public */

static rn_status load_generic(const char *path, const rn_csv_options *options, char *text, rn_dataset *out)
{
    line_reader reader = {text, 0};
    table t;
    RN_CHECK(parse_table(path, &reader, 0, options->label_column, options->header, &t));
    rn_status status = map_labels(path, &t, out);
    if (status == RN_OK) take_features(&t, out);
    table_free(&t);
    return status;
}

/* Parses the scikit-learn count line "N,F,NAME0,NAME1,..." */
static rn_status parse_count_line(const char *path, line_reader *reader, int *n_rows, int *n_features,
                                  char ***names, int *n_names)
{
    char *line = next_line(reader);
    if (!line) return rn_error(RN_ERR_FORMAT, "%s: empty file (no data rows)", path);
    int n_fields = count_fields(line);
    char **fields = malloc((size_t)n_fields * sizeof *fields);
    if (!fields) return rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    split_fields(line, fields);
    double rows, features;
    if (n_fields < 3 || !parse_number(fields[0], &rows) || !parse_number(fields[1], &features) || rows < 1 ||
        features < 1 || rows != floor(rows) || features != floor(features) || rows > 1e9 || features > 1e6) {
        free(fields);
        return rn_error(RN_ERR_FORMAT,
                        "%s:%d: expected the scikit-learn count line 'N_EXAMPLES,N_FEATURES,CLASS_NAME,...'",
                        path, reader->line_number);
    }
    *n_rows = (int)rows;
    *n_features = (int)features;
    *n_names = n_fields - 2;
    *names = fields; /* the names are fields[2..] */
    return RN_OK;
}

static rn_status load_sklearn(const char *path, char *text, rn_dataset *out)
{
    line_reader reader = {text, 0};
    int n_rows = 0, n_features = 0, n_names = 0;
    char **header_fields = NULL;
    RN_CHECK(parse_count_line(path, &reader, &n_rows, &n_features, &header_fields, &n_names));
    table t;
    rn_status status = parse_table(path, &reader, n_features + 1, -1, RN_CSV_HEADER_NO, &t);
    if (status == RN_OK && t.n_rows != n_rows)
        status =
            rn_error(RN_ERR_FORMAT, "%s: the first line announces %d rows, found %d", path, n_rows, t.n_rows);
    if (status == RN_OK) out->labels = malloc((size_t)t.n_rows * sizeof *out->labels);
    if (status == RN_OK && !out->labels) status = rn_error(RN_ERR_MEMORY, "%s: out of memory", path);
    for (int i = 0; status == RN_OK && i < t.n_rows; i++) {
        double value;
        if (!parse_number(t.labels[i], &value) || value != floor(value) || value < 0 || value >= n_names)
            status = rn_error(RN_ERR_FORMAT, "%s:%d: column %d: label '%s' is not a class index 0..%d", path,
                              t.line_numbers[i], t.n_columns, t.labels[i], n_names - 1);
        else
            out->labels[i] = (int)value;
    }
    if (status == RN_OK) {
        out->n_classes = n_names;
        status = rn_dataset_set_class_names(out, (const char *const *)header_fields + 2, n_names);
    }
    if (status == RN_OK) take_features(&t, out);
    table_free(&t);
    free(header_fields);
    return status;
}

/* Reads the whole file and parses it: as a generic CSV with `options`, or
 * with options NULL as scikit-learn's format (a count line first).  On
 * failure `out` is left empty. */
static rn_status load_file(const char *path, const rn_csv_options *options, rn_dataset *out)
{
    memset(out, 0, sizeof *out);
    char *text;
    size_t length;
    RN_CHECK(read_text(path, &text, &length));
    rn_status status = options ? load_generic(path, options, text, out) : load_sklearn(path, text, out);
    free(text);
    if (status != RN_OK) {
        rn_dataset_free(out);
        return status;
    }
    name_from_path(path, out);
    return RN_OK;
}

rn_status rn_csv_load(const char *path, const rn_csv_options *options, rn_dataset *out)
{
    rn_csv_options defaults = rn_csv_default_options();
    return load_file(path, options ? options : &defaults, out);
}

rn_status rn_csv_load_sklearn(const char *path, const char *name, bool has_count_line, rn_dataset *out)
{
    rn_csv_options generic = {-1, RN_CSV_HEADER_NO};
    RN_CHECK(load_file(path, has_count_line ? NULL : &generic, out));
    rn_copy_text(out->name, sizeof out->name, name);
    return RN_OK;
}
