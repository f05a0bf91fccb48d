/* csv.h — tabular data sets from CSV files.
 *
 * Two readers, both for plain or gzip-compressed files (*.csv.gz):
 *
 * 1. rn_csv_load: a user's FILE.csv.  Every column is numeric except the
 *    label column (by default the last), whose values may be numbers or
 *    strings.  A header line is optional: by default the first line is a
 *    header when it contains a field that is not a number.  Fields are
 *    separated by commas; surrounding spaces and a final newline (\n or
 *    \r\n) are ignored; "#" at the start of a line makes it a comment; blank
 *    lines are skipped.  Class labels are mapped to indices 0..K-1 in sorted
 *    order (numerically when all labels are numbers, else byte-wise, as
 *    scikit-learn's LabelEncoder does); class_names[k] states the mapping
 *    ("setosa" -> 0, or "1" -> 0 for a set labelled 1, 2, 3).
 *
 * 2. rn_csv_load_sklearn: scikit-learn's bundled format (iris.csv,
 *    wine_data.csv, breast_cancer.csv): the first line is
 *    "N_EXAMPLES,N_FEATURES,CLASS_NAME_0,CLASS_NAME_1,...", then N rows of
 *    N_FEATURES numbers and an integer label.  digits.csv.gz has no such line
 *    (has_count_line = false): it is read as 65 numeric columns with the
 *    label last and class names "0".."9".
 *
 * Errors (RN_ERR_FORMAT, RN_ERR_NUMERIC for NaN/inf) carry the file, line and
 * column (both counted from 1):
 *   "iris.csv:17: column 3: 'abc' is not a number"
 *   "iris.csv:17: expected 5 columns, found 4"
 *   "iris.csv:17: column 2: not finite (nan)"
 *   "iris.csv: empty file (no data rows)"
 */
#ifndef REDES_CSV_H
#define REDES_CSV_H

#include <stdbool.h>

#include "redes/dataset.h"
#include "redes/status.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum rn_csv_header {
    RN_CSV_HEADER_AUTO = 0, /* a header when the first line has a non-numeric field (label aside) */
    RN_CSV_HEADER_YES,
    RN_CSV_HEADER_NO
} rn_csv_header;

typedef struct rn_csv_options {
    int label_column;     /* 0-based column of the class label; -1 (default) = last */
    rn_csv_header header; /* RN_CSV_HEADER_AUTO by default */
} rn_csv_options;

/* The defaults: label = last column, header detected. */
rn_csv_options rn_csv_default_options(void);

/* Reads a user's CSV into a tabular data set (features float, labels mapped
 * to 0..K-1, class_names the original labels, no official split).
 * `options` may be NULL for the defaults. */
rn_status rn_csv_load(const char *path, const rn_csv_options *options, rn_dataset *out);

/* Reads scikit-learn's bundled CSV format (see above).  `name` becomes
 * dataset->name.  For digits.csv.gz (no count line) pass has_count_line =
 * false. */
rn_status rn_csv_load_sklearn(const char *path, const char *name, bool has_count_line, rn_dataset *out);

#ifdef __cplusplus
}
#endif
#endif
