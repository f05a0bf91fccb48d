/* viz_internal.h — helpers shared by the files of src/viz (not public). */
#ifndef REDES_VIZ_INTERNAL_H
#define REDES_VIZ_INTERNAL_H

#include <png.h>
#include <stddef.h>
#include <stdio.h>

#include "redes/image.h"
#include "redes/status.h"

/* Atomic files: open PATH.tmp for writing, then either commit (fflush, fsync,
 * fclose, rename onto PATH) or abort (fclose, remove PATH.tmp). */
rn_status rn_viz_open_tmp(const char *path, char *tmp_path, size_t size, FILE **out);
rn_status rn_viz_commit_tmp(FILE *file, const char *tmp_path, const char *path);
void rn_viz_abort_tmp(FILE *file, const char *tmp_path);

/* libpng reports errors by longjmp: pass a box to png_create_*_struct with
 * these handlers, and after the jump the box holds libpng's message.
 * Warnings are not errors, and the library never prints. */
typedef struct rn_viz_png_error {
    char message[256];
} rn_viz_png_error;
void rn_viz_png_on_error(png_structp png, png_const_charp message);
void rn_viz_png_on_warning(png_structp png, png_const_charp message);

/* The end of every rn_png_write_PICTURE: `rendered` is the status of the
 * rn_image_PICTURE call that filled `image`; on success writes the PNG to
 * `path`, and frees the image either way (a failed render leaves nothing). */
rn_status rn_viz_write_rendered(const char *path, rn_status rendered, rn_image *image);

/* Finite min and max of n floats; RN_ERR_NUMERIC on NaN or infinity
 * (`what` names the data in the message). */
rn_status rn_viz_range(const float *values, size_t n, float *min, float *max, const char *what);

/* Maps v in [lo, hi] to t in [0, 1] (0.5 when lo == hi). */
static inline float rn_viz_unit(float v, float lo, float hi)
{
    return hi > lo ? (v - lo) / (hi - lo) : 0.5f;
}

/* Shortest "%g"-style label of a number for colour bars and cells. */
void rn_viz_format_number(char *buffer, size_t size, double value);

#endif
