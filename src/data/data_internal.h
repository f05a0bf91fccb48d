/* data_internal.h — helpers shared by the files of src/data (not public). */
#ifndef REDES_DATA_INTERNAL_H
#define REDES_DATA_INTERNAL_H

#include <stdbool.h>

#include "redes/dataset.h"

/* Copies `count` names into dataset->class_names (NULL names: "0", "1", ...). */
rn_status rn_dataset_set_class_names(rn_dataset *dataset, const char *const *names, int count);

/* Copies text into a fixed buffer, truncating safely. */
void rn_copy_text(char *buffer, size_t size, const char *text);

bool rn_ends_with(const char *text, const char *suffix);

#endif
